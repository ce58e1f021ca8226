//===- vptq-tune.cpp - The autotuner: candidates and selection ------------===//
//
//   vptq-tune candidates --layer SPEC... --arch sm_90a --batches 1,16 -o FILE
//   vptq-tune select --results CHECK.json... -o DATABASE.json [--report MD]
//
// Tuning times kernels on the GPU, and the GPU machines have no compiler,
// so it runs in three steps: `candidates` writes, for each layer and batch
// bucket, the heuristic kernel and variations of its tiling (block_rows,
// warps_per_row, batch_tile, k_chunk) and codebook placement, as
// vptq-compile --layer lines; vptq-compile builds them into a bundle, and
// vptq-gpu-check checks and times every one on the GPU; `select` reads the
// timings and records the fastest correct kernel per (arch, layer, kind of
// kernel; the geometric mean over the kind's timed batches) in the JSON
// database that vptq-compile --tuning and the runtime's JIT
// ($VPTQ_TUNING_DB) read. bench/gpu/prepare-speed.sh and run-speed.sh run
// the steps.
//
//===----------------------------------------------------------------------===//

#include "vptq/ABI/Tuning.h"
#include "vptq/Compiler/Compiler.h"
#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h"
#include "vptq/Support/FileOutput.h"
#include "vptq/Transforms/Heuristics.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <tuple>

using namespace vptq;
using nlohmann::json;

namespace {

const char *kUsage = R"(usage: vptq-tune <command> [options]

The autotuner (see docs/Tuning.md): candidate kernels for the GPU, then the
fastest of them, measured there, into a tuning database.

  candidates   writes vptq-compile --layer lines: for each layer and batch,
               the heuristic kernel and variations of its decisions
      --layer SPEC        a layer as vptq-compile takes it (repeatable)
      --layers FILE       layers, one per line (# comments)
      --arch CHIP         GPU architecture the heuristics assume (sm_90a)
      --batches LIST      batch sizes to tune for (1,16)
      --activation DT     f16 (default), bf16 or f32 (codebook placement)
      -o FILE             the candidate list (one layer per line)

  select       reads vptq-gpu-check --json results and writes the database
      --results FILE      vptq-gpu-check JSON (repeatable)
      -o FILE             the database (entries already there are kept
                          unless measured again)
                          One entry per layer and kind of kernel (decode
                          1-3 rows, prompt 4-31, mid-batch 32-127, long
                          prompt 128+): the candidate with the lowest
                          geometric mean over the kind's timed batches
      --report FILE       also a markdown table: tuned vs heuristic time
)";

[[noreturn]] void die(const std::string &message) {
  std::cerr << "vptq-tune: error: " << message << "\n";
  std::exit(1);
}

/// Walks "--flag value" arguments.
class ArgReader {
public:
  explicit ArgReader(const std::vector<std::string> &args) : args(args) {}
  bool next() { return ++at < args.size(); }
  const std::string &flag() const { return args[at]; }
  /// The value after the current flag.
  std::string value() {
    if (at + 1 >= args.size())
      die("missing value after " + flag());
    return args[++at];
  }

private:
  const std::vector<std::string> &args;
  size_t at = size_t(-1);
};

std::vector<int64_t> parseList(const std::string &flag, const std::string &v) {
  std::vector<int64_t> out;
  for (llvm::StringRef item : llvm::split(v, ',')) {
    int64_t x;
    if (item.trim().getAsInteger(10, x) || x <= 0)
      die(flag + " expects positive integers separated by commas, got '" + v +
          "'");
    out.push_back(x);
  }
  return out;
}

ref::DType parseDType(const std::string &s) {
  if (s == "f16")
    return ref::DType::F16;
  if (s == "bf16")
    return ref::DType::BF16;
  if (s == "f32")
    return ref::DType::F32;
  die("--activation must be f16, bf16 or f32, got '" + s + "'");
}

struct Decisions {
  int64_t blockRows, warpsPerRow, batchTile, kChunk;
  std::string placement; // "" = default.
  bool mma = false;
  /// #vptq.tiling persistent_blocks (0: one block per row tile).
  int64_t persistentBlocks = 0;
  /// #vptq.tiling shared_weights (with mma).
  bool sharedWeights = false;
  /// #vptq.tiling staged_inputs (with mma).
  bool stagedInputs = false;
  /// #vptq.tiling register_wgmma (with mma, sm_90a).
  bool registerWgmma = false;
  auto tie() const {
    return std::tie(blockRows, warpsPerRow, batchTile, kChunk, placement, mma,
                    persistentBlocks, sharedWeights, stagedInputs,
                    registerWgmma);
  }
  bool operator<(const Decisions &o) const { return tie() < o.tie(); }
};

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

/// The main-codebook placement timed beside the heuristic's `main`: global
/// memory (L2) for a shared codebook, one copy per block for a replicated
/// or multicast one, none ("") otherwise.
std::string placementAlternative(mlir::vptq::CodebookPlacement main) {
  switch (main) {
  case mlir::vptq::CodebookPlacement::Shared:
    return "global";
  case mlir::vptq::CodebookPlacement::Replicated:
  case mlir::vptq::CodebookPlacement::Multicast:
    return "shared";
  default:
    return "";
  }
}

/// The tiling decisions worth timing around the heuristic `base`.
std::set<Decisions> candidatesAround(const ref::LayerConfig &c,
                                     mlir::vptq::TilingAttr base,
                                     mlir::vptq::PlacementAttr placement,
                                     int64_t batch) {
  const int64_t br = base.getBlockRows(), wpr = base.getWarpsPerRow(),
                bt = base.getBatchTile(), kc = base.getKChunk();
  int64_t codes = c.numCodebooks * c.groupSize;
  auto kChunkFor = [&](int64_t warps, int64_t want) {
    int64_t granule = std::lcm<int64_t>(128, 32 * warps);
    return std::max(granule, std::min(roundUp(want, granule),
                                      roundUp(c.groupSize, granule)));
  };
  std::set<Decisions> out;
  auto add = [&](int64_t b, int64_t w, int64_t t, int64_t k,
                 const std::string &p = "") {
    if (b < 1 || w < 1 || t < 1 || b * w > 32 || t * c.vectorLen > 64 ||
        k % (32 * w) != 0 || k < 32 * w)
      return;
    out.insert({b, w, t, k, p});
  };
  for (int64_t b : {1, 2, 4, 8, 16})
    add(b, wpr, bt, kc);
  for (int64_t w : {1, 2, 4, 8}) {
    if (w * 32 > codes && w > 1)
      continue;
    int64_t b = std::clamp<int64_t>(br * wpr / w, 1, 32 / w);
    add(b, w, bt, kChunkFor(w, 256 * w));
    add(b, w, bt, kChunkFor(w, 512 * w));
  }
  for (int64_t t : {1, 2, 4, 8})
    if (t <= std::max<int64_t>(batch, 1))
      add(br, wpr, t, kc);
  for (int64_t k : {kc / 2, kc * 2})
    add(br, wpr, bt, kChunkFor(wpr, k));
  // The whole group in one chunk, activations staged once: with the rows of
  // a permuted layer in shared memory (stagesInputRow) the 11008-column 7B
  // down projection ran 1.16x faster than in 2048-column chunks.
  add(br, wpr, bt, kChunkFor(wpr, c.groupSize));
  if (br * wpr < 32)
    add(std::max<int64_t>(32 / wpr, 1), wpr, bt, kChunkFor(wpr, c.groupSize));
  // Shared codebooks also from global memory (L2), replicated ones also as
  // one copy.
  if (std::string p = placementAlternative(placement.getCentroids());
      !p.empty())
    add(br, wpr, bt, kc, p);
  // The heuristic's persistent blocks, and their absence.
  if (base.getPersistentBlocks() > 0) {
    Decisions d{br, wpr, bt, kc, ""};
    d.persistentBlocks = base.getPersistentBlocks();
    out.insert(d);
  }
  return out;
}

/// Persistent variants (batch 1-3, one codebook group) of the 1024-thread
/// candidates and of the heuristic's block shape: as many blocks as the
/// GPU holds at once, with the group's activations in one chunk where they
/// fit.
std::set<Decisions> persistentCandidates(mlir::MLIRContext &ctx,
                                         const ref::LayerConfig &c,
                                         mlir::Type modelType,
                                         const mlir::vptq::TargetInfo &target,
                                         mlir::vptq::TilingAttr base,
                                         const std::set<Decisions> &around) {
  std::set<Decisions> out;
  if (c.numCodebooks != 1)
    return out;
  for (const Decisions &d : around) {
    if (d.mma || d.persistentBlocks ||
        (d.blockRows * d.warpsPerRow != 32 &&
         (d.blockRows != base.getBlockRows() ||
          d.warpsPerRow != base.getWarpsPerRow())))
      continue;
    int64_t granule = std::lcm<int64_t>(128, 32 * d.warpsPerRow);
    for (int64_t k : {d.kChunk, roundUp(c.groupSize, granule)}) {
      auto tiling = mlir::vptq::TilingAttr::getChecked(
          [&] { return mlir::emitError(mlir::UnknownLoc::get(&ctx)); }, &ctx,
          d.blockRows, d.warpsPerRow, d.batchTile, k, false, int64_t(0), false,
          /*stagedInputs=*/false, /*registerWgmma=*/false);
      if (!tiling)
        continue;
      auto placement = mlir::vptq::getDefaultPlacement(&ctx, c, modelType,
                                                       target, tiling);
      if (!d.placement.empty() &&
          d.placement != mlir::vptq::stringifyCodebookPlacement(
                              placement.getCentroids()))
        continue;
      if (mlir::vptq::getSharedMemoryBytes(c, modelType, tiling, placement) >
          target.maxSharedBytes)
        continue;
      int64_t persistent = mlir::vptq::getPersistentBlocks(
          c, modelType, target, tiling, placement, /*batchBlocks=*/1);
      if (!persistent)
        continue;
      // Also one block per processor: fewer copies of the codebook, more
      // row tiles per block. On an H100 the 7B gate and up projections
      // (11008 x 4096 v8-k4096, 4 rows x 8 warps) took 18.9 us in 132
      // blocks against 20.8 us in the 264 that fit
      // (bench/results/2026-12-04-h100-multicast.md).
      for (int64_t blocks :
           {persistent, std::min(persistent, target.numProcessors)}) {
        Decisions p = d;
        p.kChunk = k;
        p.persistentBlocks = blocks;
        out.insert(p);
      }
    }
  }
  return out;
}

/// Tensor-core tilings around the mma heuristic `base`: fewer or more
/// index rows per block, more or fewer warps, other batch tiles and column
/// chunks. Tilings the attribute or the lowering would reject, or with more
/// than kMaxMmaAccumulators per thread, are left out.
std::set<Decisions> mmaCandidatesAround(mlir::MLIRContext &ctx,
                                        const ref::LayerConfig &c,
                                        mlir::Type modelType,
                                        const mlir::vptq::TargetInfo &target,
                                        mlir::vptq::TilingAttr base,
                                        mlir::vptq::CodebookPlacement
                                            mainPlacement) {
  const int64_t br = base.getBlockRows(), wpr = base.getWarpsPerRow(),
                bt = base.getBatchTile(), kc = base.getKChunk();
  std::set<Decisions> out;
  // Rejected tilings are skipped quietly.
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  auto add = [&](int64_t b, int64_t w, int64_t t, int64_t k,
                 const std::string &p = "", bool staged = false) {
    if (b < 1 || (b * c.vectorLen) % 16 != 0)
      return;
    auto tiling = mlir::vptq::TilingAttr::getChecked(
        [&] { return mlir::emitError(mlir::UnknownLoc::get(&ctx)); }, &ctx, b,
        w, t, k, /*mma=*/true, /*persistentBlocks=*/int64_t(0),
        /*sharedWeights=*/false, staged, /*registerWgmma=*/false);
    if (!tiling ||
        (staged && !mlir::vptq::mmaReadsOperandsDirectly(c, tiling)))
      return;
    // Each warp stages its activations in shared memory: large batch tiles
    // and chunks of many warps may not fit.
    auto placement = mlir::vptq::getDefaultPlacement(&ctx, c, modelType,
                                                     target, tiling);
    if (!p.empty())
      placement = mlir::vptq::PlacementAttr::get(
          &ctx, *mlir::vptq::symbolizeCodebookPlacement(p),
          placement.getResCentroids());
    if (!mlir::vptq::mmaTilingFits(c, modelType, target, tiling, placement))
      return;
    Decisions d{b, w, t, k, p};
    d.mma = true;
    d.stagedInputs = staged;
    out.insert(d);
  };
  for (int64_t b : {br / 4, br / 2, br, 2 * br, 4 * br, 8 * br})
    add(b, wpr, bt, kc);
  for (int64_t w : {4, 16})
    add(br, w, bt, kc);
  for (int64_t t : {8, 16, 32, 128})
    add(br, wpr, t, kc);
  for (int64_t k : {16, 32, 64, 128})
    add(br, wpr, bt, k);
  // Operands read straight into registers (mmaReadsOperandsDirectly, where
  // the layer allows): 16 to 128 rows per block, 4 to 16 warps, batch
  // tiles of 16 (chunks of 64 and 128), 32 (64) and 64 (32 and 64: one
  // pass over the weights for 64 batch rows, activations prefetched at 32).
  const std::pair<int64_t, int64_t> batchChunks[] = {
      {16, 64}, {16, 128}, {32, 64}, {64, 32}, {64, 64}};
  for (int64_t rows : {16, 32, 64, 128})
    for (int64_t w : {4, 8, 16})
      for (auto [t, k] : batchChunks)
        if (rows % c.vectorLen == 0)
          add(rows / c.vectorLen, w, t, k);
  // The same with activations staged once per column group
  // (staged_inputs): 32 to 128 rows, 4 or 8 warps, chunks of 32 and 64.
  for (int64_t rows : {32, 64, 128})
    for (int64_t w : {4, 8})
      for (int64_t t : {16, 32, 64})
        for (int64_t k : {32, 64})
          if (rows % c.vectorLen == 0)
            add(rows / c.vectorLen, w, t, k, "", /*staged=*/true);
  if (std::string p = placementAlternative(mainPlacement); !p.empty())
    add(br, wpr, bt, kc, p);
  return out;
}

/// Tensor-core tilings with shared weights (#vptq.tiling shared_weights)
/// for `batch` rows: blocks of 16 to 128 rows (256 on sm_90a, where
/// warpgroups multiply; whole 16-row tiles), 4 or 8
/// warps, batch tiles of 16 to 256 rows not past the batch (rounded up to
/// 8), column chunks of 32 or 64. Tilings the attribute or the lowering
/// would reject (no warp split, more than kMaxMmaAccumulators per thread,
/// too much shared memory) are left out.
std::set<Decisions> sharedWeightCandidates(mlir::MLIRContext &ctx,
                                           const ref::LayerConfig &c,
                                           mlir::Type modelType,
                                           const mlir::vptq::TargetInfo &target,
                                           int64_t batch) {
  std::set<Decisions> out;
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  const int64_t minRows = 16 / std::gcd<int64_t>(16, c.vectorLen);
  auto add = [&](int64_t b, int64_t w, int64_t t, int64_t k) {
    auto tiling = mlir::vptq::TilingAttr::getChecked(
        [&] { return mlir::emitError(mlir::UnknownLoc::get(&ctx)); }, &ctx, b,
        w, t, k, /*mma=*/true, /*persistentBlocks=*/int64_t(0),
        /*sharedWeights=*/true, /*stagedInputs=*/false,
        /*registerWgmma=*/false);
    if (!tiling ||
        !mlir::vptq::mmaTilingFits(
            c, modelType, target, tiling,
            mlir::vptq::getDefaultPlacement(&ctx, c, modelType, target,
                                            tiling)))
      return false;
    Decisions d{b, w, t, k, ""};
    d.mma = true;
    d.sharedWeights = true;
    out.insert(d);
    return true;
  };
  // Warpgroup tilings (sm_90a) also take 256-row blocks: two groups of
  // two 64-row tiles each.
  const int64_t maxRows = target.hasWarpgroupMma() ? 256 : 128;
  for (int64_t b = minRows; b <= 32 && b * c.vectorLen <= maxRows; b *= 2)
    for (int64_t t : {16, 32, 64, 128, 256}) {
      if (t > std::max<int64_t>(16, roundUp(batch, 8)))
        continue;
      for (int64_t k : {32, 64}) {
        bool added = false;
        for (int64_t w : {4, 8})
          added |= add(b, w, t, k);
        // Tile counts that 4 or 8 warps do not split (e.g. 5 row tiles
        // of V = 5 and 2 batch tiles) get 2 or 1 warps.
        for (int64_t w : {2, 1})
          if (!added)
            added = add(b, w, t, k);
      }
    }
  return out;
}

/// Register-warpgroup tilings (#vptq.tiling register_wgmma, sm_90a only)
/// for `batch` rows: one or two warpgroups of 64 or 128 rows each, batch
/// tiles of 64 to 256 rows not past the batch (rounded up to 8), column
/// chunks of 32 or 64; those past kMaxWarpgroupAccumulators or the shared
/// memory are left out.
std::set<Decisions>
registerWgmmaCandidates(mlir::MLIRContext &ctx, const ref::LayerConfig &c,
                        mlir::Type modelType,
                        const mlir::vptq::TargetInfo &target, int64_t batch) {
  std::set<Decisions> out;
  if (!target.hasWarpgroupMma() || c.vectorLen % 2 != 0)
    return out;
  mlir::ScopedDiagnosticHandler quiet(
      &ctx, [](mlir::Diagnostic &) { return mlir::success(); });
  for (int64_t groups : {1, 2})
    for (int64_t rows : {64, 128})
      for (int64_t t : {64, 128, 256})
        for (int64_t k : {32, 64}) {
          const int64_t blockRows = groups * rows / c.vectorLen;
          if ((groups * rows) % c.vectorLen != 0 ||
              t > std::max<int64_t>(64, roundUp(batch, 8)))
            continue;
          auto tiling = mlir::vptq::TilingAttr::getChecked(
              [&] { return mlir::emitError(mlir::UnknownLoc::get(&ctx)); },
              &ctx, blockRows, 4 * groups, t, k, /*mma=*/true,
              /*persistentBlocks=*/int64_t(0), /*sharedWeights=*/false,
              /*stagedInputs=*/false, /*registerWgmma=*/true);
          if (!tiling || !mlir::vptq::mmaTilingFits(
                             c, modelType, target, tiling,
                             mlir::vptq::getDefaultPlacement(&ctx, c, modelType,
                                                             target, tiling)))
            continue;
          Decisions d{blockRows, 4 * groups, t, k, ""};
          d.mma = true;
          d.registerWgmma = true;
          out.insert(d);
        }
  return out;
}

int candidates(const std::vector<std::string> &args) {
  std::vector<std::string> layers;
  std::string arch = "sm_90a", out;
  std::vector<int64_t> batches = {1, 16};
  ref::DType act = ref::DType::F16;
  for (ArgReader r(args); r.next();) {
    const std::string &a = r.flag();
    auto value = [&] { return r.value(); };
    if (a == "--layer")
      layers.push_back(value());
    else if (a == "--layers") {
      std::string path = value();
      std::ifstream in(path);
      if (!in)
        die("cannot read " + path);
      for (std::string line; std::getline(in, line);)
        if (!llvm::StringRef(line).trim().empty() &&
            !llvm::StringRef(line).trim().starts_with("#"))
          layers.push_back(llvm::StringRef(line).trim().str());
    } else if (a == "--arch")
      arch = value();
    else if (a == "--batches")
      batches = parseList(a, value());
    else if (a == "--activation")
      act = parseDType(value());
    else if (a == "-o" || a == "--output")
      out = value();
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else
      die("unknown argument '" + a + "' (see --help)");
  }
  if (layers.empty() || out.empty())
    die("candidates needs --layer or --layers, and -o (see --help)");
  std::string error;
  auto target = mlir::vptq::TargetInfo::get(arch, error);
  if (mlir::failed(target))
    die(error);
  if (!target->isGPU())
    die("--arch must be a GPU architecture, got '" + arch + "'");
  mlir::MLIRContext ctx;
  ctx.loadDialect<mlir::vptq::VPTQDialect>();
  mlir::Type modelType = act == ref::DType::BF16  ? mlir::Type(mlir::BFloat16Type::get(&ctx))
                         : act == ref::DType::F32 ? mlir::Type(mlir::Float32Type::get(&ctx))
                                                  : mlir::Type(mlir::Float16Type::get(&ctx));
  std::ostringstream os;
  os << "# vptq-tune candidates --arch " << arch << " --batches "
     << llvm::join(llvm::map_range(batches,
                                   [](int64_t b) { return std::to_string(b); }),
                   ",")
     << "\n# The first line of each layer is the heuristic kernel.\n";
  size_t total = 0;
  for (const std::string &layer : layers) {
    auto spec = compiler::parseLayerSpec(layer);
    if (!spec)
      die(llvm::toString(spec.takeError()));
    if (hasDecisions(*spec))
      die("layer '" + layer + "' already fixes kernel decisions");
    std::set<Decisions> all;
    for (int64_t b : batches) {
      auto base = mlir::vptq::getDefaultTiling(&ctx, spec->config, modelType,
                                               *target, b);
      auto placement = mlir::vptq::getDefaultPlacement(
          &ctx, spec->config, modelType, *target, base);
      std::set<Decisions> around =
          candidatesAround(spec->config, base, placement, b);
      all.insert(around.begin(), around.end());
      if (b < 4)
        for (const Decisions &d : persistentCandidates(
                 ctx, spec->config, modelType, *target, base, around))
          all.insert(d);
      if (b >= 4 &&
          mlir::vptq::canUseTensorCores(*target, modelType, modelType) &&
          mlir::vptq::mmaSupportsVectorLen(spec->config)) {
        auto mmaBase =
            mlir::vptq::getDefaultMmaTiling(&ctx, spec->config, *target, b);
        auto mmaPlacement = mlir::vptq::getDefaultPlacement(
            &ctx, spec->config, modelType, *target, mmaBase);
        for (const Decisions &d : mmaCandidatesAround(
                 ctx, spec->config, modelType, *target, mmaBase,
                 mmaPlacement.getCentroids()))
          all.insert(d);
      }
      if (b >= 4 &&
          mlir::vptq::canUseTensorCores(*target, modelType, modelType))
        for (const Decisions &d : sharedWeightCandidates(
                 ctx, spec->config, modelType, *target, b))
          all.insert(d);
      if (b >= 64 &&
          mlir::vptq::canUseTensorCores(*target, modelType, modelType))
        for (const Decisions &d :
             registerWgmmaCandidates(ctx, spec->config, modelType, *target, b))
          all.insert(d);
    }
    os << layer << "\n";
    for (const Decisions &d : all) {
      os << layer << ",block_rows=" << d.blockRows
         << ",warps_per_row=" << d.warpsPerRow << ",batch_tile=" << d.batchTile
         << ",k_chunk=" << d.kChunk;
      if (!d.placement.empty())
        os << ",centroids_placement=" << d.placement;
      if (d.mma)
        os << ",mma=1";
      if (d.sharedWeights)
        os << ",shared_weights=1";
      if (d.stagedInputs)
        os << ",staged_inputs=1";
      if (d.registerWgmma)
        os << ",register_wgmma=1";
      os << ",persistent_blocks=" << d.persistentBlocks;
      os << "\n";
    }
    total += all.size() + 1;
  }
  if (std::string err = support::writeFileAtomically(out, os.str());
      !err.empty())
    die(err);
  std::cerr << "vptq-tune: " << total << " candidate kernels for "
            << layers.size() << " layers -> " << out << "\n";
  return 0;
}

int select(const std::vector<std::string> &args) {
  std::vector<std::string> results;
  std::string out, report;
  for (ArgReader r(args); r.next();) {
    const std::string &a = r.flag();
    auto value = [&] { return r.value(); };
    if (a == "--results")
      results.push_back(value());
    else if (a == "-o" || a == "--output")
      out = value();
    else if (a == "--report")
      report = value();
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else
      die("unknown argument '" + a + "' (see --help)");
  }
  if (results.empty() || out.empty())
    die("select needs --results and -o (see --help)");
  // (arch, layer, kind of kernel) -> runs. One kernel serves every batch
  // of a kind (runtimeBatchHint: decode, prompt, mid-batch, long prompt),
  // so a kind's batches are weighed together.
  struct Run {
    json r;
    std::string device;
  };
  std::map<std::tuple<std::string, std::string, int64_t>, std::vector<Run>>
      groups;
  for (const std::string &path : results) {
    std::ifstream in(path);
    if (!in)
      die("cannot read " + path);
    json j;
    try {
      j = json::parse(in);
      for (const json &r : j.at("results")) {
        if (!r.contains("tuning_key"))
          die(path + ": results carry no tuning_key (an older vptq-gpu-check)");
        groups[{r.at("arch").get<std::string>(),
                r.at("tuning_key").get<std::string>(),
                runtimeBatchHint(r.at("batch").get<int64_t>())}]
            .push_back({r, j.value("device", "")});
      }
    } catch (const json::exception &e) {
      die(path + ": " + e.what());
    }
  }
  TuningDatabase db;
  if (std::ifstream(out).good())
    if (std::string err = db.load(out); !err.empty())
      die(err);
  std::ostringstream md;
  md << "| layer | batch | heuristic (us) | tuned (us) | speedup | tuned "
        "tiling (rows x warps x batch tile x k chunk, placement) | "
        "candidates |\n|---|---|---|---|---|---|---|\n";
  int entries = 0, incorrect = 0;
  for (auto &[key, runs] : groups) {
    const auto &[arch, layer, kind] = key;
    // A candidate is its decisions; it runs at each batch of the kind.
    struct Candidate {
      std::map<int64_t, const Run *> byBatch;
      bool wrong = false, heuristic = false;
      double us = 0; // Geometric mean over the kind's batches.
    };
    std::map<std::string, Candidate> candidates;
    std::set<int64_t> batches;
    for (const Run &run : runs) {
      int64_t batch = run.r.at("batch").get<int64_t>();
      batches.insert(batch);
      Candidate &c =
          candidates[run.r.at("tiling").dump() + run.r.at("placement").dump() +
                     (run.r.at("decided").get<bool>() ? "" : "h")];
      c.heuristic = !run.r.at("decided").get<bool>();
      c.byBatch[batch] = &run;
      if (!run.r.at("correct").get<bool>()) {
        ++incorrect;
        c.wrong = true;
      }
    }
    // Candidates wrong at any batch, or not timed at every one, never win.
    const Candidate *best = nullptr, *heuristic = nullptr;
    int64_t eligible = 0;
    for (auto &[id, c] : candidates) {
      if (c.wrong || c.byBatch.size() != batches.size())
        continue;
      auto us = [](const Run *run) {
        return run->r.at("median_us").get<double>();
      };
      if (c.byBatch.size() == 1) {
        c.us = us(c.byBatch.begin()->second); // Exactly as measured.
      } else {
        double logSum = 0;
        for (auto &[batch, run] : c.byBatch)
          logSum += std::log(us(run));
        c.us = std::exp(logSum / double(c.byBatch.size()));
      }
      ++eligible;
      if (c.heuristic)
        heuristic = &c;
      if (!best || c.us < best->us)
        best = &c;
    }
    if (!best)
      continue;
    const Run &first = *best->byBatch.begin()->second;
    const json &t = first.r.at("tiling");
    TuningEntry e;
    e.arch = arch;
    e.layer = layer;
    // Lookups take the largest timed batch not above the kernel's: the
    // smallest of the kind serves all of them.
    e.batch = *batches.begin();
    e.blockRows = t.at("block_rows").get<int64_t>();
    e.warpsPerRow = t.at("warps_per_row").get<int64_t>();
    e.batchTile = t.at("batch_tile").get<int64_t>();
    e.kChunk = t.at("k_chunk").get<int64_t>();
    e.mma = t.value("mma", false);
    e.persistentBlocks = t.value("persistent_blocks", int64_t(0));
    e.sharedWeights = t.value("shared_weights", false);
    e.stagedInputs = t.value("staged_inputs", false);
    e.registerWgmma = t.value("register_wgmma", false);
    e.centroidsPlacement = first.r.at("placement").value("centroids", "");
    e.resCentroidsPlacement =
        first.r.at("placement").value("res_centroids", "");
    e.us = best->us;
    e.heuristicUs = heuristic ? heuristic->us : 0;
    e.candidates = eligible;
    e.device = first.device;
    db.add(e);
    ++entries;
    char heuristicText[32] = "-", gain[32] = "-";
    if (heuristic) {
      std::snprintf(heuristicText, sizeof(heuristicText), "%.1f",
                    e.heuristicUs);
      std::snprintf(gain, sizeof(gain), "%.2fx", e.heuristicUs / e.us);
    }
    char persistent[48] = "";
    if (e.persistentBlocks > 0)
      std::snprintf(persistent, sizeof(persistent), ", %lld persistent blocks",
                    (long long)e.persistentBlocks);
    std::string batchText = llvm::join(
        llvm::map_range(batches, [](int64_t b) { return std::to_string(b); }),
        ", ");
    char line[600];
    std::snprintf(line, sizeof(line),
                  "| %s %lldx%lld | %s | %s | %.1f | %s | %lld x %lld x %lld "
                  "x %lld, %s%s%s | %lld |\n",
                  first.r.value("config", "").c_str(),
                  (long long)first.r.at("out_features").get<int64_t>(),
                  (long long)first.r.at("in_features").get<int64_t>(),
                  batchText.c_str(), heuristicText, e.us, gain,
                  (long long)e.blockRows, (long long)e.warpsPerRow,
                  (long long)e.batchTile, (long long)e.kChunk,
                  e.centroidsPlacement.c_str(),
                  e.sharedWeights ? ", mma, shared weights"
                  : e.mma         ? ", mma"
                                  : "",
                  persistent, (long long)eligible);
    md << line;
  }
  if (std::string err = db.save(out); !err.empty())
    die(err);
  if (!report.empty())
    if (std::string err = support::writeFileAtomically(report, md.str());
        !err.empty())
      die(err);
  std::cerr << "vptq-tune: " << entries << " entries -> " << out;
  if (incorrect)
    std::cerr << " (" << incorrect << " incorrect runs ignored)";
  std::cerr << "\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 1 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "candidates")
    return candidates(args);
  if (command == "select")
    return select(args);
  die("unknown command '" + command + "' (candidates or select; see --help)");
}
