//===- Heuristics.cpp - Targets and default kernel decisions --------------===//

#include "vptq/Transforms/Heuristics.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::vptq;

namespace {

struct ChipEntry {
  const char *name;
  TargetInfo::Kind kind;
  int64_t numProcessors;
  int64_t maxSharedBytes;
};

// Shared memory is the per-block opt-in maximum; processor counts are those
// of the common part (A100, L40S, H100, MI300X, ...). Both only steer
// heuristics: the runtime reads the real device.
constexpr ChipEntry kChips[] = {
    {"sm_75", TargetInfo::Kind::NVVM, 40, 65536},
    {"sm_80", TargetInfo::Kind::NVVM, 108, 166912},
    {"sm_86", TargetInfo::Kind::NVVM, 84, 101376},
    {"sm_87", TargetInfo::Kind::NVVM, 16, 166912},
    {"sm_89", TargetInfo::Kind::NVVM, 142, 101376},
    {"sm_90", TargetInfo::Kind::NVVM, 132, 232448},
    {"sm_90a", TargetInfo::Kind::NVVM, 132, 232448},
    {"sm_100", TargetInfo::Kind::NVVM, 148, 232448},
    {"sm_120", TargetInfo::Kind::NVVM, 170, 101376},
    {"gfx908", TargetInfo::Kind::ROCDL, 120, 65536},
    {"gfx90a", TargetInfo::Kind::ROCDL, 110, 65536},
    {"gfx942", TargetInfo::Kind::ROCDL, 304, 65536},
    {"gfx1030", TargetInfo::Kind::ROCDL, 80, 65536},
    {"gfx1100", TargetInfo::Kind::ROCDL, 96, 65536},
    {"gfx1101", TargetInfo::Kind::ROCDL, 60, 65536},
    {"gfx1102", TargetInfo::Kind::ROCDL, 32, 65536},
};

int64_t roundUp(int64_t v, int64_t m) { return (v + m - 1) / m * m; }

int64_t ceilDiv(int64_t v, int64_t m) { return (v + m - 1) / m; }

int64_t elemBytes(Type type) { return type.getIntOrFloatBitWidth() / 8; }

/// Shared memory the system reserves per resident block (NVIDIA sm_80+).
constexpr int64_t kReservedSharedPerBlock = 1024;

/// Places shared-memory buffers one after another at 16-byte aligned
/// offsets.
struct SharedBuffers {
  int64_t offset = 0;
  void place(int64_t &at, int64_t &size, int64_t bytes) {
    at = offset;
    size = bytes;
    offset += roundUp(bytes, 16);
  }
};

/// Halves `blockRows` (index rows or dense rows per block) while the grid
/// would have fewer than `minBlocks` blocks.
int64_t shrinkBlockRows(int64_t blockRows, int64_t rows, int64_t batchBlocks,
                        int64_t minBlocks) {
  while (blockRows > 1 && ceilDiv(rows, blockRows) * batchBlocks < minBlocks)
    blockRows /= 2;
  return blockRows;
}

} // namespace

FailureOr<TargetInfo> TargetInfo::get(StringRef chip, std::string &error) {
  if (chip == "host" || chip == "cpu") {
    TargetInfo info;
    info.kind = Kind::CPU;
    info.chip = "host";
    return info;
  }
  for (const ChipEntry &entry : kChips) {
    if (chip != entry.name)
      continue;
    TargetInfo info;
    info.kind = entry.kind;
    info.chip = entry.name;
    info.numProcessors = entry.numProcessors;
    // The NVVM lowering of gpu.dynamic_shared_memory declares a one-byte
    // static .shared symbol, which the opt-in limit counts: a kernel
    // asking for the whole limit dynamically fails to launch (measured on
    // an H100: cuFuncSetAttribute rejects 232448 bytes). Keep 1 KiB back.
    info.maxSharedBytes = entry.kind == TargetInfo::Kind::NVVM
                              ? entry.maxSharedBytes - 1024
                              : entry.maxSharedBytes;
    return info;
  }
  error = "unsupported chip '" + chip.str() + "'; supported: " +
          supportedChips();
  return failure();
}

/// The number of an NVIDIA chip ("sm_90a" -> 90), 0 for other targets.
static int64_t getSMVersion(const TargetInfo &target) {
  if (target.kind != TargetInfo::Kind::NVVM)
    return 0;
  int64_t sm = 0;
  StringRef digits = StringRef(target.chip).drop_front(3).take_while(
      [](char ch) { return ch >= '0' && ch <= '9'; });
  return digits.getAsInteger(10, sm) ? 0 : sm;
}

bool TargetInfo::hasTensorCores() const { return getSMVersion(*this) >= 80; }

bool TargetInfo::hasGridDependencyControl() const {
  return getSMVersion(*this) >= 90;
}

bool TargetInfo::hasClusters() const { return getSMVersion(*this) >= 90; }

bool TargetInfo::hasWarpgroupMma() const {
  return kind == Kind::NVVM && chip == "sm_90a";
}

bool mlir::vptq::canUseTensorCores(const TargetInfo &target,
                                   Type activationType, Type modelType) {
  return target.hasTensorCores() && activationType == modelType &&
         (activationType.isF16() || activationType.isBF16());
}

std::string TargetInfo::supportedChips() {
  std::string list = "host";
  for (const ChipEntry &entry : kChips)
    list += std::string(", ") + entry.name;
  return list;
}

TilingAttr mlir::vptq::getDefaultMmaTiling(MLIRContext *ctx,
                                           const LayerConfig &c,
                                           const TargetInfo &target,
                                           int64_t batchHint) {
  // The fewest index rows that make whole 16-row tensor-core tiles, then as
  // many more (up to 128 rows) as still leave row blocks for 3/4 of the
  // processors: the warps along the rows share the activations they stage,
  // which large batches pay for, and small grids leave latency unhidden
  // (bench/results/2026-11-23-h100-gemm-prompt.md: 32 rows for 4096 x 4096,
  // 64 for 11008 x 4096 were best or near it at batches 16-256).
  const int64_t minRows = 16 / std::gcd<int64_t>(16, c.vectorLen);
  int64_t blockRows = minRows;
  while (blockRows * 2 * c.vectorLen <= 128 && blockRows * 2 <= 32 &&
         ceilDiv(c.numIndexRows(), blockRows * 2) * 4 >=
             target.numProcessors * 3)
    blockRows *= 2;
  const int64_t warps = 8;
  auto tiling = [&](int64_t batchTile, int64_t kChunk) {
    return TilingAttr::get(ctx, blockRows, warps, batchTile, kChunk,
                           /*mma=*/true, /*persistentBlocks=*/0,
                           /*sharedWeights=*/false, /*stagedInputs=*/false,
                           /*registerWgmma=*/false);
  };
  // Operands read straight into registers (mmaReadsOperandsDirectly),
  // measured on an H100 at batches 4-64 over the speed harness's layers
  // (bench/results/2026-11-25-h100-direct-mma.md): codebooks of 64 KiB or
  // less (v8-k4096, v8-k256-k256) ran best with the rows above and batch
  // tiles of 16 (up to 2.5x faster at batch 16 than 16-row blocks); larger
  // ones (global or 192 KiB of shared codebooks) with 16-row tiles per
  // block and batch tiles of 32 (1.6-2x faster at batch 64, within 10 % at
  // batch 16). 8 warps and 64-column chunks for both.
  const int64_t codebookBytes =
      2 * c.vectorLen * (c.numCentroids + c.numResCentroids);
  const bool smallCodebooks = codebookBytes <= 65536;
  // A direct tiling for tens of rows whose warps keep their accumulators
  // within budget.
  auto directFits = [&](TilingAttr t) {
    return mmaReadsOperandsDirectly(c, t) &&
           getMmaWarpGrid(c, t).accumulators <= kMaxMmaAccumulators;
  };
  // Tens of rows (bench/results/2026-11-27-h100-batch64-tiles.md, 10
  // layers at batch 64, geometric mean within 1.01-1.12x of the fastest
  // tuned kernel and 1.5-1.8x faster than the tiling for 16 rows): codebooks
  // of 64 KiB or less 64-row blocks (32 with split weights) of 4 warps,
  // batch tiles of 32 and 64-column chunks (the activations prefetched);
  // larger ones one 16-row tile per block, 8 warps, batch tiles of 64 and
  // 32-column chunks (each lookup serves all 64 rows).
  //
  // 32-row blocks where they leave a row block per processor and the rows
  // have more than 4096 columns (bench/results/2026-11-28-h100-harness.md,
  // tiling sweeps of the harness's layers at batch 64 and the harness
  // after them, against the rules above): 8-element vectors with split
  // weights (v8-k256-k256, v8-k65536-k256) or a global codebook (v8-k65536)
  // in 4 warps, batch tiles of 64 and chunks of 32 columns (64 without
  // split weights): 1.02-1.32x faster on all 15 such layers. The layers
  // they leave out measured slower with them: 4096 rows by 1.18-1.43x,
  // 11008 x 4096 by 1.05-1.14x. 16-element vectors
  // (v16-k65536-k65536) take two index rows under the same column bound:
  // 1.01-1.50x on 6 layers, 0.95x on the two with 4096 columns.
  if (batchHint >= kMmaMidBatch) {
    int64_t rows = smallCodebooks ? (mmaSplitsWeights(c) ? 32 : 64) : 16;
    int64_t midWarps = smallCodebooks ? 4 : 8;
    int64_t midBatchTile = smallCodebooks ? 32 : 64;
    int64_t midChunk = smallCodebooks ? 64 : 32;
    const bool longRows = c.inFeatures > 4096;
    if (c.vectorLen == 8 && (mmaSplitsWeights(c) || !smallCodebooks) &&
        longRows && ceilDiv(c.outFeatures, 32) >= target.numProcessors) {
      rows = 32;
      midWarps = 4;
      midBatchTile = 64;
      midChunk = mmaSplitsWeights(c) ? 32 : 64;
    }
    if (c.vectorLen == 16 && !smallCodebooks && longRows)
      rows = 32;
    TilingAttr mid = TilingAttr::get(
        ctx, std::max(minRows, rows / c.vectorLen), midWarps, midBatchTile,
        midChunk, /*mma=*/true, /*persistentBlocks=*/0,
        /*sharedWeights=*/false, /*stagedInputs=*/false,
        /*registerWgmma=*/false);
    if ((mid.getBlockRows() * c.vectorLen) % 16 == 0 && directFits(mid))
      return mid;
  }
  auto directTiling = [&](int64_t rows, int64_t kChunk) {
    return TilingAttr::get(ctx, rows, warps, smallCodebooks ? 16 : 32, kChunk,
                           /*mma=*/true, /*persistentBlocks=*/0,
                           /*sharedWeights=*/false, /*stagedInputs=*/false,
                           /*registerWgmma=*/false);
  };
  // Tens of rows where the rule above needs too many accumulators (V = 12:
  // 48-row tiles) and the codebooks sit in shared memory (v12-k4096-k4096:
  // 192 KiB, one block per processor): every block copies the codebooks once
  // per batch tile, so blocks of 4 or 2 times the rows while the grid keeps
  // half the processors busy, in 32-column chunks (bench/results/
  // 2026-11-28-h100-harness.md: the fastest of the tuner's candidates on all
  // 8 harness layers at batch 64, 1.0-1.6x faster than 4 rows in 64-column
  // chunks).
  if (batchHint >= kMmaMidBatch && !smallCodebooks &&
      codebookBytes <= target.maxSharedBytes) {
    for (int64_t scale : {4, 2}) {
      TilingAttr wide = directTiling(minRows * scale, 32);
      if (ceilDiv(c.numIndexRows(), wide.getBlockRows()) *
                  ceilDiv(batchHint, wide.getBatchTile()) * 2 >=
              target.numProcessors &&
          directFits(wide))
        return wide;
    }
  }
  if (TilingAttr direct =
          directTiling(smallCodebooks ? blockRows : minRows, 64);
      mmaReadsOperandsDirectly(c, direct))
    return direct;
  MmaWarpGrid grid = getMmaWarpGrid(c, tiling(8, 16));
  // Batch tiles of up to 64 rows (one dequantized tile serves them all)
  // within the accumulator budget.
  int64_t nTiles = std::clamp<int64_t>(
      int64_t(llvm::bit_floor(uint64_t(std::max<int64_t>(
          kMaxMmaAccumulators / (4 * grid.tilesPerWarp), 1)))),
      1, 8);
  // 4 x tilesPerWarp codebook gathers per lane and 16-column step: chunks
  // of 64 columns keep 16 of them in flight with one tile per warp.
  int64_t kChunk = std::clamp<int64_t>(64 / grid.tilesPerWarp / 16 * 16, 16, 64);
  return tiling(nTiles * 8, kChunk);
}

TilingAttr mlir::vptq::getDefaultSharedWeightsTiling(MLIRContext *ctx,
                                                     const LayerConfig &c,
                                                     Type modelType,
                                                     const TargetInfo &target,
                                                     int64_t batchHint) {
  // Warpgroups (bench/results/2026-11-29-h100-wgmma.md: a sweep of 255
  // warpgroup tilings over 10 harness layers at batch 256, the fastest or
  // within 1.13x on each): 128-row blocks of 8 warps, and batch tiles as
  // large as keep half the processors busy (4096 rows: 64; 8192: 128;
  // 11008 and more: 256).
  // Permuted layers walk their input columns, reading each block's indices
  // in scattered order, and need more blocks: half the processors busy at
  // the smallest batch the kernel serves (kSharedWeightsMinBatch), else the
  // mma.sync tiling below. On the 7B-shaped perm + norm layers of 4096 rows
  // that was 1.02-1.61x faster at batches 128 and 256 (bench/results/
  // 2026-12-02-h100-long-prompt-perm.md).
  int64_t rows = 1;
  while (rows <= 32 &&
         ((rows * c.vectorLen) % 64 != 0 || rows * c.vectorLen < 128))
    ++rows;
  if (target.hasWarpgroupMma() && rows <= 32) {
    for (int64_t batchTile : {256, 128, 64}) {
      auto blocks = [&](int64_t batch) {
        return ceilDiv(c.numIndexRows(), rows) * ceilDiv(batch, batchTile);
      };
      if (batchTile > 64 && blocks(batchHint) * 2 < target.numProcessors)
        continue;
      if (c.enablePerm &&
          blocks(std::min(batchHint, kSharedWeightsMinBatch)) * 2 <
              target.numProcessors)
        continue;
      auto tiling = TilingAttr::get(
          ctx, rows, 8, batchTile, batchTile > 64 ? 32 : 64, /*mma=*/true,
          /*persistentBlocks=*/0, /*sharedWeights=*/true,
          /*stagedInputs=*/false, /*registerWgmma=*/false);
      if (mmaUsesWarpgroups(c, tiling, target) &&
          mmaTilingFits(c, modelType, target, tiling,
                        getDefaultPlacement(ctx, c, modelType, target, tiling)))
        return tiling;
    }
  }
  // The fastest shared-weight tilings of seven 7B-shaped 11008 x 4096
  // layers at batch 256 had 64-128 rows, 8 warps, batch tiles of 128 and
  // chunks of 32 with split weights (bench/results/
  // 2026-11-23-h100-shared-weights.md).
  const int64_t minRows = 16 / std::gcd<int64_t>(16, c.vectorLen);
  const int64_t blockRows = std::min<int64_t>(
      32, minRows * std::max<int64_t>(1, 64 / (minRows * c.vectorLen)));
  const int64_t firstChunk = mmaSplitsWeights(c) ? 32 : 64;
  for (int64_t warps : {8, 4, 2, 1})
    for (int64_t batchTile : {128, 64, 32, 16})
      for (int64_t kChunk : {firstChunk, 96 - firstChunk}) {
        auto tiling =
            TilingAttr::get(ctx, blockRows, warps, batchTile, kChunk,
                            /*mma=*/true, /*persistentBlocks=*/0,
                            /*sharedWeights=*/true, /*stagedInputs=*/false,
                            /*registerWgmma=*/false);
        if (mmaTilingFits(
                c, modelType, target, tiling,
                getDefaultPlacement(ctx, c, modelType, target, tiling)))
          return tiling;
      }
  return {};
}

bool mlir::vptq::mmaTilingFits(const LayerConfig &c, Type modelType,
                               const TargetInfo &target, TilingAttr tiling,
                               PlacementAttr placement) {
  MmaWarpGrid grid = getMmaWarpGrid(c, tiling);
  const int64_t budget =
      mmaUsesWarpgroups(c, tiling, target) || tiling.getRegisterWgmma()
          ? kMaxWarpgroupAccumulators
          : kMaxMmaAccumulators;
  if (tiling.getRegisterWgmma() &&
      !mmaUsesRegisterWarpgroups(c, tiling, target))
    return false;
  return grid.valid && grid.accumulators <= budget &&
         getSharedMemoryBytes(c, modelType, tiling, placement,
                              mmaUsesWarpgroups(c, tiling, target)) <=
             target.maxSharedBytes;
}

WarpgroupGrid mlir::vptq::getWarpgroupGrid(const LayerConfig &c,
                                           TilingAttr tiling) {
  WarpgroupGrid grid;
  const int64_t warps = tiling.getWarpsPerRow();
  const int64_t rows = tiling.getBlockRows() * c.vectorLen;
  if (!tiling.getSharedWeights() || warps % 4 != 0 || rows % 64 != 0)
    return grid;
  const int64_t groups = warps / 4, tiles = rows / 64;
  for (int64_t rg = std::min(groups, tiles); rg >= 1; --rg) {
    if (groups % rg != 0 || tiles % rg != 0)
      continue;
    const int64_t bg = groups / rg;
    if (tiling.getBatchTile() % (8 * bg) != 0)
      continue;
    grid.valid = true;
    grid.rowGroups = rg;
    grid.batchGroups = bg;
    grid.rowTiles = tiles / rg;
    grid.batchColumns = tiling.getBatchTile() / bg;
    grid.accumulators = grid.rowTiles * grid.batchColumns / 2;
    return grid;
  }
  return grid;
}

bool mlir::vptq::mmaUsesWarpgroups(const LayerConfig &c, TilingAttr tiling,
                                   const TargetInfo &target) {
  if (!target.hasWarpgroupMma() || !tiling.getMma())
    return false;
  WarpgroupGrid grid = getWarpgroupGrid(c, tiling);
  return grid.valid && grid.accumulators <= kMaxWarpgroupAccumulators;
}

bool mlir::vptq::mmaUsesRegisterWarpgroups(const LayerConfig &c,
                                           TilingAttr tiling,
                                           const TargetInfo &target) {
  if (!target.hasWarpgroupMma() || !tiling.getRegisterWgmma())
    return false;
  MmaWarpGrid grid = getMmaWarpGrid(c, tiling);
  return grid.valid && grid.accumulators <= kMaxWarpgroupAccumulators;
}

TilingAttr mlir::vptq::getDefaultRegisterWgmmaTiling(MLIRContext *ctx,
                                                     const LayerConfig &c,
                                                     Type modelType,
                                                     const TargetInfo &target,
                                                     int64_t batchHint) {
  if (!target.hasWarpgroupMma() || c.vectorLen % 2 != 0)
    return {};
  const int64_t maxTile = std::max<int64_t>(roundUp(batchHint, 8), 8);
  for (int64_t groups : {2, 1})
    for (int64_t tiles = 1; tiles <= 4; ++tiles) {
      const int64_t rows = 64 * tiles * groups;
      if (rows % c.vectorLen != 0 || rows / c.vectorLen > 32)
        continue;
      for (int64_t batchTile : {128, 64, 32, 16, 8}) {
        if (batchTile > maxTile && batchTile != 8)
          continue;
        for (int64_t kChunk : {64, 32}) {
          auto tiling = TilingAttr::get(
              ctx, rows / c.vectorLen, 4 * groups, batchTile, kChunk,
              /*mma=*/true, /*persistentBlocks=*/0, /*sharedWeights=*/false,
              /*stagedInputs=*/false, /*registerWgmma=*/true);
          if (mmaTilingFits(
                  c, modelType, target, tiling,
                  getDefaultPlacement(ctx, c, modelType, target, tiling)))
            return tiling;
        }
      }
    }
  return {};
}

MmaWarpGrid mlir::vptq::getMmaWarpGrid(const LayerConfig &c,
                                       TilingAttr tiling) {
  MmaWarpGrid grid;
  const int64_t warps = tiling.getWarpsPerRow();
  const int64_t tiles =
      std::max<int64_t>(tiling.getBlockRows() * c.vectorLen / 16, 1);
  const int64_t batchTiles = std::max<int64_t>(tiling.getBatchTile() / 8, 1);
  if (tiling.getRegisterWgmma()) {
    // Fewer than 4 warps (no whole warpgroup) count as one group, invalid.
    const int64_t groups = std::max<int64_t>(warps / 4, 1);
    const int64_t rows = tiling.getBlockRows() * c.vectorLen;
    grid.valid =
        warps % 4 == 0 && rows % (64 * groups) == 0 && c.vectorLen % 2 == 0;
    grid.rowWarps = warps;
    grid.tilesPerWarp = std::max<int64_t>(rows / (64 * groups), 1);
    for (int64_t p : {4, 2, 1})
      if (c.vectorLen % (2 * p) == 0 && grid.tilesPerWarp % p == 0) {
        grid.vectorTiles = p;
        break;
      }
    grid.batchTilesPerWarp = batchTiles;
    grid.accumulators = grid.tilesPerWarp * grid.batchTilesPerWarp * 4;
    return grid;
  }
  if (tiling.getSharedWeights()) {
    // Row warps x batch warps, each warp a tilesPerWarp x batchTilesPerWarp
    // grid of mma tiles: the split that loads the fewest fragments per
    // mma (tilesPerWarp A plus batchTilesPerWarp / 2 B ldmatrix.x4 per
    // 16-column step).
    grid.valid = false;
    for (int64_t rw = 1; rw <= warps; ++rw) {
      if (warps % rw || tiles % rw || batchTiles % (warps / rw))
        continue;
      int64_t t = tiles / rw, n = batchTiles / (warps / rw);
      if (grid.valid &&
          2 * t + n >= 2 * grid.tilesPerWarp + grid.batchTilesPerWarp)
        continue;
      grid.valid = true;
      grid.rowWarps = rw;
      grid.batchWarps = warps / rw;
      grid.tilesPerWarp = t;
      grid.batchTilesPerWarp = n;
    }
    grid.colWarps = 1;
    grid.accumulators =
        grid.valid ? grid.tilesPerWarp * grid.batchTilesPerWarp * 4 : 0;
    return grid;
  }
  if (mmaReadsOperandsDirectly(c, tiling)) {
    // Groups of P tiles whose rows a lane reads from one vector with one
    // load (2P elements, at most 8): the row warps split whole groups. The
    // largest P whose warps keep at most kMaxMmaAccumulators (smaller
    // groups leave more warps along the rows and fewer tiles per warp:
    // 2-tile groups let batch tiles of 64 rows fit), else the largest.
    bool chosen = false;
    for (int64_t p : {4, 2, 1}) {
      if (c.vectorLen % (2 * p) != 0 || tiles % p != 0)
        continue;
      MmaWarpGrid g;
      g.vectorTiles = p;
      g.rowWarps = std::gcd(warps, tiles / p);
      g.colWarps = warps / g.rowWarps;
      g.tilesPerWarp = tiles / g.rowWarps;
      g.batchTilesPerWarp = batchTiles;
      g.accumulators = g.tilesPerWarp * g.batchTilesPerWarp * 4;
      bool fits = g.accumulators <= kMaxMmaAccumulators;
      if (!chosen || fits)
        grid = g;
      chosen = true;
      if (fits)
        break;
    }
    // Staged inputs: column groups of several warps synchronize on named
    // barriers 1-15.
    if (tiling.getStagedInputs() && grid.rowWarps > 1 && grid.colWarps > 15)
      grid.valid = false;
    return grid;
  }
  grid.rowWarps = std::gcd(warps, tiles);
  // Column groups of several warps synchronize on named barriers 1-15.
  if (grid.rowWarps > 1 && warps / grid.rowWarps > 15)
    grid.rowWarps = 1;
  grid.colWarps = warps / grid.rowWarps;
  grid.tilesPerWarp = tiles / grid.rowWarps;
  grid.batchTilesPerWarp = batchTiles;
  grid.accumulators = grid.tilesPerWarp * grid.batchTilesPerWarp * 4;
  return grid;
}

int64_t mlir::vptq::getBlocksPerProcessor(const TargetInfo &target,
                                          int64_t threads,
                                          int64_t sharedBytes) {
  // 2048 resident threads per SM (sm_80, sm_90) or per CU (2560 on CDNA;
  // fewer on consumer parts: only a heuristic), 1 KiB of shared memory
  // reserved per block.
  int64_t byThreads = std::max<int64_t>(1, 2048 / std::max<int64_t>(threads, 1));
  if (sharedBytes <= 0)
    return byThreads;
  return std::clamp<int64_t>((target.maxSharedBytes + kReservedSharedPerBlock) /
                                 (sharedBytes + kReservedSharedPerBlock),
                             1, byThreads);
}

/// The long-prompt tiling of register warpgroups where they beat the
/// shared-weight ones (bench/results/2026-11-30-h100-register-wgmma.md,
/// harness at batch 256, v8-k4096: 1.21x on 11008 x 4096, 1.43x on
/// 13824 x 5120, 1.35x on 28672 x 8192; 0.91-1.05x on 8192-row layers,
/// slower on 4096-row layers, on global codebooks and on split weights in
/// the tuning sweeps): layers of more than 8192 rows without split weights
/// whose main codebook sits in shared memory get two warpgroups of two
/// 64-row tiles each, batch tiles of 128 and 64-column chunks. Null
/// elsewhere.
static TilingAttr getLongPromptRegisterWgmmaTiling(MLIRContext *ctx,
                                                   const LayerConfig &c,
                                                   Type modelType,
                                                   const TargetInfo &target) {
  constexpr int64_t kRows = 256, kMaxOtherOutFeatures = 8192;
  if (!target.hasWarpgroupMma() || mmaSplitsWeights(c) ||
      c.outFeatures <= kMaxOtherOutFeatures || kRows % c.vectorLen != 0 ||
      kRows / c.vectorLen > 32)
    return {};
  auto tiling = TilingAttr::get(ctx, kRows / c.vectorLen, 8, 128, 64,
                                /*mma=*/true, /*persistentBlocks=*/0,
                                /*sharedWeights=*/false,
                                /*stagedInputs=*/false,
                                /*registerWgmma=*/true);
  PlacementAttr placement =
      getDefaultPlacement(ctx, c, modelType, target, tiling);
  if (sharedCodebookCopies(placement.getCentroids()) == 0 ||
      !mmaTilingFits(c, modelType, target, tiling, placement))
    return {};
  return tiling;
}

TilingAttr mlir::vptq::getDefaultTiling(MLIRContext *ctx,
                                        const LayerConfig &c, Type modelType,
                                        const TargetInfo &target,
                                        int64_t batchHint, bool tensorCores) {
  batchHint = std::max<int64_t>(batchHint, 1);
  if (tensorCores && target.hasTensorCores() &&
      batchHint >= kSharedWeightsMinBatch) {
    if (TilingAttr registers =
            getLongPromptRegisterWgmmaTiling(ctx, c, modelType, target))
      return registers;
    if (TilingAttr shared = getDefaultSharedWeightsTiling(
            ctx, c, modelType, target, batchHint))
      return shared;
  }
  if (tensorCores && target.hasTensorCores() && batchHint >= 4 &&
      mmaSupportsVectorLen(c))
    return getDefaultMmaTiling(ctx, c, target, batchHint);
  // Keep batch_tile x vector_len accumulators per thread at most 32.
  int64_t maxBatchTile = std::max<int64_t>(1, 32 / c.vectorLen);
  int64_t batchTile = std::min(batchHint, maxBatchTile);
  int64_t rows = c.numIndexRows();
  if (!target.isGPU()) {
    // Enough tasks for the threads of a large machine, each still a few
    // rows of work (the attribute caps a block at 32 rows).
    int64_t blockRows = std::clamp<int64_t>(rows / 64, 1, 32);
    return TilingAttr::get(ctx, blockRows, 1, std::min<int64_t>(batchHint, 4),
                           32, false, 0, false, /*stagedInputs=*/false,
                           /*registerWgmma=*/false);
  }
  int64_t codes = c.numCodebooks * c.groupSize;
  if (batchHint >= 4) {
    // Several batch rows: each warp keeps batch_tile x V accumulators, so
    // short chunks and one warp per row, 8 rows per block (the fastest of
    // vptq-tune's candidates at batch 16 on an H100 for 8 of 12 layers,
    // 1.5-3x ahead of split-K tilings; bench/results/2026-11-22-h100-speed).
    int64_t blockRows = shrinkBlockRows(8, rows, ceilDiv(batchHint, batchTile),
                                        2 * target.numProcessors);
    int64_t kChunk = std::min<int64_t>(256, roundUp(c.groupSize, 128));
    return TilingAttr::get(ctx, blockRows, 1, batchTile, kChunk, false, 0,
                           false, /*stagedInputs=*/false,
                           /*registerWgmma=*/false);
  }
  // About 512 codes of each row per warp; more warps split long rows.
  int64_t warpsPerRow = std::clamp<int64_t>(
      int64_t(llvm::bit_floor(uint64_t(std::max<int64_t>(codes / 512, 1)))), 1,
      8);
  int64_t batchBlocks = ceilDiv(batchHint, batchTile);
  // About 8 codes per lane per step; a multiple of 128 keeps 16-byte
  // staging loads aligned.
  int64_t granule = std::lcm<int64_t>(128, 32 * warpsPerRow);
  int64_t kChunk =
      std::min(roundUp(256 * warpsPerRow, granule), roundUp(c.groupSize, granule));
  // 256 threads per block, one block per row tile, unless that leaves too
  // few blocks to fill the machine twice over.
  TilingAttr small = TilingAttr::get(
      ctx,
      shrinkBlockRows(std::max<int64_t>(1, 8 / warpsPerRow), rows, batchBlocks,
                      2 * target.numProcessors),
      warpsPerRow, batchTile, kChunk, false, 0, false, /*stagedInputs=*/false,
      /*registerWgmma=*/false);
  // Blocks that stage much whatever their rows -- a shared codebook of 32
  // KiB or more, activations gathered through a permutation or scaled by
  // the channel norm -- get up to 1024 threads, so that more rows share
  // what they stage (2.1x on the 7B-shaped 11008 x 4096 v8-k4096 layer
  // with perm and norm). Others keep 256 threads: larger blocks were up to
  // 2x slower there (v16-k65536-k65536, global codebooks; v8-k256-k256).
  // bench/results/2026-11-22-h100-persistent.md. What a block stages is
  // the codebook's own size, replicated or not.
  PlacementAttr smallPlacement =
      getDefaultPlacement(ctx, c, modelType, target, small);
  SharedMemoryLayout smallLayout =
      getSharedMemoryLayout(c, modelType, small, smallPlacement);
  auto sourceBytes = [](int64_t bytes, CodebookPlacement place) {
    return bytes / std::max<int64_t>(sharedCodebookCopies(place), 1);
  };
  if (!c.enablePerm && !c.enableNorm &&
      sourceBytes(smallLayout.centroidsBytes, smallPlacement.getCentroids()) +
              sourceBytes(smallLayout.resCentroidsBytes,
                          smallPlacement.getResCentroids()) <
          32768)
    return small;
  // Fewer rows per block when that would leave processors without a row
  // tile.
  int64_t blockRows =
      shrinkBlockRows(32 / warpsPerRow, rows, batchBlocks, target.numProcessors);
  auto make = [&](int64_t k, int64_t persistent) {
    return TilingAttr::get(ctx, blockRows, warpsPerRow, batchTile, k, false,
                           persistent, false, /*stagedInputs=*/false,
                           /*registerWgmma=*/false);
  };
  TilingAttr tiling = make(kChunk, 0);
  // Persistent blocks stage codebooks once only with one codebook group.
  if (c.numCodebooks != 1)
    return tiling;
  // Shared memory as the lowering lays it out.
  auto bytesOf = [&](TilingAttr t, PlacementAttr p) {
    return getSimtSharedMemoryLayout(c, modelType, t, p, target).total;
  };
  auto blocksOf = [&](TilingAttr t, PlacementAttr p) {
    return getBlocksPerProcessor(target, t.getThreads(), bytesOf(t, p));
  };
  PlacementAttr placement =
      getDefaultPlacement(ctx, c, modelType, target, tiling);
  // The whole group in one chunk (activations staged once per block) when
  // that keeps the codebooks where they were, does not cost a resident
  // block per processor below two and, when the staging gathers the
  // activations (and weight_scale) through the permutation from global
  // memory, leaves the L1 cache room for them beside the blocks' shared
  // memory: on NVIDIA chips L1 and shared memory share one array, of which
  // 29 KiB stay L1 at the largest shared carveout. Two blocks of a 64 KiB
  // codebook and 11008 f32 activations left 28 KiB of L1 for 43 KiB of
  // gathered x and weight_scale, and ran 2.3x slower than 2048-column
  // chunks (the gathers went to L2;
  // bench/results/2026-11-24-h100-direct-codes.md). Blocks that stage their
  // activation rows gather from shared memory instead: the 11008-column
  // down projection of the 7B v8-k4096 model took 17.8 us in one chunk
  // against 20.7 us in 2048-column ones
  // (bench/results/2026-12-01-h100-input-rows.md).
  int64_t whole = roundUp(c.groupSize, granule);
  if (whole > kChunk) {
    TilingAttr single = make(whole, 0);
    PlacementAttr singlePlacement =
        getDefaultPlacement(ctx, c, modelType, target, single);
    int64_t singleBytes = bytesOf(single, placement);
    int64_t blocks = blocksOf(single, placement);
    bool leavesL1 = true;
    if (c.enablePerm && target.kind == TargetInfo::Kind::NVVM &&
        !stagesInputRow(c, modelType, single, placement, target)) {
      constexpr int64_t kL1BesideShared = 29 * 1024;
      int64_t gathered =
          c.inFeatures * elemBytes(modelType) * (c.enableNorm ? 2 : 1);
      leavesL1 = blocks * (singleBytes + kReservedSharedPerBlock) + gathered <=
                 target.maxSharedBytes + kReservedSharedPerBlock +
                     kL1BesideShared;
    }
    if (singlePlacement == placement && singleBytes <= target.maxSharedBytes &&
        blocks >= std::min<int64_t>(2, blocksOf(tiling, placement)) &&
        leavesL1)
      tiling = single;
  }
  int64_t persistent =
      getPersistentBlocks(c, modelType, target, tiling, placement, batchBlocks);
  return persistent ? make(tiling.getKChunk(), persistent) : tiling;
}

int64_t mlir::vptq::getPersistentBlocks(const LayerConfig &c, Type modelType,
                                        const TargetInfo &target,
                                        TilingAttr tiling,
                                        PlacementAttr placement,
                                        int64_t batchBlocks) {
  int64_t held = target.numProcessors *
                 getBlocksPerProcessor(
                     target, tiling.getThreads(),
                     getSharedMemoryBytes(c, modelType, tiling, placement));
  if (ceilDiv(c.numIndexRows(), tiling.getBlockRows()) * batchBlocks <= held)
    return 0;
  return std::max<int64_t>(held / batchBlocks, 1);
}

TilingAttr mlir::vptq::getDefaultDenseTiling(MLIRContext *ctx,
                                             int64_t outFeatures,
                                             const TargetInfo &target,
                                             int64_t batchHint) {
  batchHint = std::max<int64_t>(batchHint, 1);
  if (!target.isGPU())
    return TilingAttr::get(ctx, std::clamp<int64_t>(outFeatures / 64, 1, 32), 1,
                           std::min<int64_t>(batchHint, 4), 32, false, 0, false,
                           /*stagedInputs=*/false, /*registerWgmma=*/false);
  int64_t batchTile = std::min<int64_t>(batchHint, 8);
  int64_t batchBlocks = (batchHint + batchTile - 1) / batchTile;
  int64_t blockRows = 8;
  while (blockRows > 1 &&
         ((outFeatures + blockRows - 1) / blockRows) * batchBlocks <
             2 * target.numProcessors)
    blockRows /= 2;
  return TilingAttr::get(ctx, blockRows, 1, batchTile, 32, false, 0, false,
                         /*stagedInputs=*/false, /*registerWgmma=*/false);
}

int64_t mlir::vptq::getDirectCodeGroup(const LayerConfig &c, TilingAttr tiling,
                                       PlacementAttr placement) {
  int64_t bits = c.indexBits + c.resIndexBits;
  if (!c.packed || tiling.getMma() || bits <= 0 || bits > 32)
    return 0;
  int64_t codes = 32 / std::gcd<int64_t>(bits, 32);
  while (codes < 8)
    codes *= 2;
  bool chunked = tiling.getKChunk() < c.groupSize;
  // 32-bit codes (v16-k65536-k65536) would take 8 words per step: measured
  // slower than staging them (11008 x 4096: 81 vs 66 us on an H100,
  // bench/results/2026-11-24-h100-direct-codes.md).
  if (codes > 16 || codes * bits / 32 > 6 || c.groupSize % codes ||
      (chunked && tiling.getKChunk() % codes))
    return 0;
  bool shuffles =
      placement.getCentroids() == CodebookPlacement::Registers ||
      (c.hasResidual() &&
       placement.getResCentroids() == CodebookPlacement::Registers);
  if (shuffles && (chunked || (c.groupSize / codes) %
                                      (32 * tiling.getWarpsPerRow()) != 0))
    return 0;
  return codes;
}

SharedMemoryLayout
mlir::vptq::getSharedMemoryLayout(const LayerConfig &c, Type modelType,
                                  TilingAttr tiling, PlacementAttr placement,
                                  bool warpgroups, bool inputRow) {
  SharedMemoryLayout l;
  SharedBuffers buffers;
  int64_t elem = elemBytes(modelType);
  if (int64_t copies = sharedCodebookCopies(placement.getCentroids()))
    buffers.place(l.centroids, l.centroidsBytes,
                  copies * c.numCentroids * c.vectorLen * elem);
  if (c.hasResidual())
    if (int64_t copies = sharedCodebookCopies(placement.getResCentroids()))
      buffers.place(l.resCentroids, l.resCentroidsBytes,
                    copies * c.numResCentroids * c.vectorLen * elem);
  if (tiling.getMma()) {
    int64_t rows = tiling.getBlockRows() * c.vectorLen;
    const bool direct = mmaReadsOperandsDirectly(c, tiling);
    const bool staged = direct && tiling.getStagedInputs();
    // Direct kernels with staged inputs read 16-byte pieces of each row at
    // k_chunk / 4 element steps, 2 rows of 4 lanes per 8-lane phase: rows of
    // at most 64 bytes need no padding to keep those on distinct banks,
    // longer ones 16 bytes (as ldmatrix's 8 rows do).
    // Warpgroups read core matrices of 128 contiguous bytes: no padding.
    // Register warpgroups copy core matrices as the shared-weight ones do,
    // four stages deep, and keep no weight tile.
    warpgroups = warpgroups && tiling.getSharedWeights();
    const bool coreMatrices = warpgroups || tiling.getRegisterWgmma();
    l.inputStride = (staged && tiling.getKChunk() * elem <= 64) || coreMatrices
                        ? tiling.getKChunk()
                        : tiling.getKChunk() + 8;
    l.stages = tiling.getSharedWeights() || staged ? 2 : 1;
    l.weightStages = l.stages;
    if (coreMatrices)
      l.stages = kWarpgroupInputStages;
    if (warpgroups)
      l.weightStages = kWarpgroupWeightStages;
    if (!direct || staged)
      buffers.place(l.inputs, l.inputsBytes,
                    l.stages * getMmaWarpGrid(c, tiling).colWarps *
                        tiling.getBatchTile() * l.inputStride * elem);
    if (mmaWalksInputColumns(c, tiling))
      buffers.place(l.inversePerm, l.inversePermBytes, c.inFeatures * 2);
    if (tiling.getRegisterWgmma())
      buffers.place(l.codes, l.codesBytes,
                    kRegisterWgmmaCodeStages * tiling.getBlockRows() *
                        (tiling.getKChunk() + kRegisterWgmmaCodePadding) * 4);
    if (getRegisterWgmmaWordCopyWidth(c, tiling))
      buffers.place(l.packedWords, l.packedWordsBytes,
                    kRegisterWgmmaWordStages * tiling.getBlockRows() *
                        tiling.getKChunk() * (c.indexBits + c.resIndexBits) /
                        8);
    if (tiling.getSharedWeights()) {
      l.weightStride = warpgroups ? rows : rows + 8;
      buffers.place(l.weights, l.weightsBytes,
                    l.weightStages * (mmaSplitsWeights(c) ? 2 : 1) *
                        tiling.getKChunk() * l.weightStride * elem);
    }
    l.partials = 0;
    l.partialsBytes =
        getMmaWarpGrid(c, tiling).colWarps * rows * tiling.getBatchTile() * 4;
    l.total = std::max(buffers.offset, roundUp(l.partialsBytes, 16));
    return l;
  }
  int64_t bits = c.indexBits + c.resIndexBits;
  if (!getDirectCodeGroup(c, tiling, placement)) {
    l.stagedWords = c.packed
                        ? roundUp((tiling.getKChunk() * bits + 31) / 32, 4)
                        : tiling.getKChunk();
    buffers.place(l.codes, l.codesBytes,
                  tiling.getBlockRows() * l.stagedWords * 4);
  }
  buffers.place(l.inputs, l.inputsBytes,
                tiling.getBatchTile() * tiling.getKChunk() * 4);
  int64_t warps = tiling.getBlockRows() * tiling.getWarpsPerRow();
  buffers.place(l.partials, l.partialsBytes,
                warps * tiling.getBatchTile() * c.vectorLen * 4);
  if (c.enableNorm)
    buffers.place(l.norm, l.normBytes, warps * tiling.getBatchTile() * 4);
  if (inputRow)
    buffers.place(l.inputRow, l.inputRowBytes,
                  tiling.getBatchTile() * c.inFeatures * 4);
  if (multicastsCodebooks(placement))
    buffers.place(l.mbarrier, l.mbarrierBytes, 8);
  l.total = buffers.offset;
  return l;
}

LogicalResult mlir::vptq::checkMulticast(MatmulOp op, PlacementAttr placement,
                                         TilingAttr tiling,
                                         const TargetInfo &target) {
  if (!multicastsCodebooks(placement))
    return success();
  LayerConfig c = op.getConfig().getLayerConfig();
  Type modelType =
      cast<ShapedType>(op.getCentroids().getType()).getElementType();
  auto fail = [&]() {
    return op.emitOpError("cannot multicast its codebooks: multicast ");
  };
  if (!target.hasClusters())
    return fail() << "needs thread-block clusters (NVIDIA sm_90 or newer), "
                     "not "
                  << target.chip;
  if (tiling.getMma())
    return fail() << "is for SIMT kernels, not tensor-core tilings (mma)";
  if (c.numCodebooks != 1)
    return fail() << "needs one codebook group (the kernel copies codebooks "
                     "once), got "
                  << c.numCodebooks;
  const int64_t share = 16 * kMulticastClusterBlocks;
  for (int64_t entries : {c.numCentroids, c.numResCentroids})
    if (entries * c.vectorLen * elemBytes(modelType) % share != 0)
      return fail() << "needs codebooks of a multiple of " << share
                    << " bytes (16-byte shares for " << kMulticastClusterBlocks
                    << " blocks), got " << entries << " x " << c.vectorLen
                    << " elements of " << elemBytes(modelType) << " bytes";
  return success();
}

bool mlir::vptq::stagesInputRow(const LayerConfig &c, Type modelType,
                                TilingAttr tiling, PlacementAttr placement,
                                const TargetInfo &target) {
  if (!target.isGPU() || tiling.getMma() || !c.enablePerm ||
      tiling.getBatchTile() * c.inFeatures * 4 > kMaxInputRowBytes)
    return false;
  int64_t without =
      getSharedMemoryBytes(c, modelType, tiling, placement, false);
  int64_t with = getSharedMemoryLayout(c, modelType, tiling, placement, false,
                                       /*inputRow=*/true)
                     .total;
  if (with > target.maxSharedBytes)
    return false;
  // Resident blocks the row grid can use (one batch tile along y).
  int64_t blocks = ceilDiv(c.numIndexRows(), tiling.getBlockRows());
  if (tiling.getPersistentBlocks() > 0)
    blocks = std::min(blocks, tiling.getPersistentBlocks());
  int64_t wanted =
      std::min(getBlocksPerProcessor(target, tiling.getThreads(), without),
               ceilDiv(blocks, target.numProcessors));
  return getBlocksPerProcessor(target, tiling.getThreads(), with) >= wanted;
}

SharedMemoryLayout mlir::vptq::getSimtSharedMemoryLayout(
    const LayerConfig &c, Type modelType, TilingAttr tiling,
    PlacementAttr placement, const TargetInfo &target) {
  return getSharedMemoryLayout(
      c, modelType, tiling, placement, /*warpgroups=*/false,
      stagesInputRow(c, modelType, tiling, placement, target));
}

PlacementAttr mlir::vptq::getDefaultPlacement(MLIRContext *ctx,
                                              const LayerConfig &c,
                                              Type modelType,
                                              const TargetInfo &target,
                                              TilingAttr tiling) {
  auto pick = [&](int64_t entries, bool isResidual,
                  CodebookPlacement mainChoice) {
    if (!target.isGPU() || entries == 0)
      return CodebookPlacement::Global;
    // Tensor-core kernels gather with lanes that diverge: no shuffles.
    if (entries <= 16 && !tiling.getMma())
      return CodebookPlacement::Registers;
    auto fits = [&](CodebookPlacement place) {
      CodebookPlacement main = isResidual ? mainChoice : place;
      auto trial = PlacementAttr::get(
          ctx, main, isResidual ? place : CodebookPlacement::Global);
      return getSharedMemoryBytes(c, modelType, tiling, trial,
                                  mmaUsesWarpgroups(c, tiling, target)) <=
             target.maxSharedBytes;
    };
    // Small main codebooks of 16-byte entries are replicated on NVIDIA
    // GPUs, so that random lookups meet no bank conflicts. On an H100 a
    // replicated 256 x 8 main codebook of v8-k256-k256 beside a single-copy
    // residual was 1.08-1.25x faster than both single at batch 1 and
    // 0.99-1.09x at 4-64; replicating the residual too was 0.80-1.08x of
    // that at batch 1, and the residual beside an L2-resident main codebook
    // (v8-k65536-k256) 0.80-0.94x of one copy: the replicas cost resident
    // blocks (bench/results/2026-11-26-h100-replicated-codebooks.md).
    if (!isResidual && target.kind == TargetInfo::Kind::NVVM &&
        getCodebookEntryBytes(c.vectorLen, modelType) ==
            kReplicatedEntryBytes &&
        entries * kCodebookCopies * kReplicatedEntryBytes <=
            kMaxReplicatedCodebookBytes &&
        fits(CodebookPlacement::Replicated))
      return CodebookPlacement::Replicated;
    return fits(CodebookPlacement::Shared) ? CodebookPlacement::Shared
                                           : CodebookPlacement::Global;
  };
  CodebookPlacement main =
      pick(c.numCentroids, false, CodebookPlacement::Global);
  CodebookPlacement res = pick(c.numResCentroids, true, main);
  return PlacementAttr::get(ctx, main, res);
}

int64_t mlir::vptq::getShardedRowsPerCluster(const LayerConfig &c,
                                             TilingAttr tiling,
                                             int64_t shards) {
  int64_t clusters =
      std::max<int64_t>(tiling.getPersistentBlocks() / shards, 1);
  return ceilDiv(c.numIndexRows(), clusters);
}

SharedMemoryLayout
mlir::vptq::getShardedSharedMemoryLayout(const LayerConfig &c, Type modelType,
                                         TilingAttr tiling, int64_t shards,
                                         int64_t maxSharedBytes) {
  auto place = [&](int64_t inputElemBytes) {
    SharedMemoryLayout l;
    SharedBuffers buffers;
    const int64_t Bt = tiling.getBatchTile(), V = c.vectorLen;
    buffers.place(l.centroids, l.centroidsBytes,
                  c.numCentroids / shards * V * elemBytes(modelType));
    // The block's shard offsets of its cluster's rows, one more than rows.
    buffers.place(l.codes, l.codesBytes,
                  (getShardedRowsPerCluster(c, tiling, shards) + 1) * 4);
    buffers.place(l.inputs, l.inputsBytes,
                  Bt * (c.inFeatures + 1) * inputElemBytes);
    l.inputsElemBytes = inputElemBytes;
    buffers.place(l.partials, l.partialsBytes,
                  getShardedRowsPerCluster(c, tiling, shards) *
                      tiling.getWarpsPerRow() * Bt * V * 4);
    if (c.enableNorm)
      buffers.place(l.norm, l.normBytes,
                    tiling.getBlockRows() * tiling.getWarpsPerRow() * Bt * 4);
    l.total = buffers.offset;
    return l;
  };
  SharedMemoryLayout wide = place(4);
  if (wide.total <= maxSharedBytes || elemBytes(modelType) >= 4)
    return wide;
  return place(elemBytes(modelType));
}

TilingAttr mlir::vptq::getDefaultShardedTiling(MLIRContext *ctx,
                                               const LayerConfig &c,
                                               const TargetInfo &target,
                                               int64_t shards) {
  int64_t clusters = std::clamp<int64_t>(
      target.numProcessors / shards - 1, 1, c.numIndexRows());
  const int64_t rows = ceilDiv(c.numIndexRows(), clusters);
  // 32 warps; warps_per_row trades rounds of row units (a warp's dependent
  // loads, its reduction) against steps of 4 entries per lane within one:
  // the cheapest by rounds x (steps + 1.5) (the order measured on the 7B
  // shapes, bench/results/2026-11-23-h100-sharded-codebooks.md).
  int64_t best = 1;
  double bestCost = 0;
  for (int64_t warpsPerRow : {1, 2, 4}) {
    double rounds = double(ceilDiv(rows * warpsPerRow, 32));
    double steps =
        double(ceilDiv(c.groupSize / shards, warpsPerRow * 32 * 4));
    double cost = rounds * (steps + 1.5);
    if (warpsPerRow == 1 || cost < bestCost) {
      best = warpsPerRow;
      bestCost = cost;
    }
  }
  return TilingAttr::get(ctx, /*blockRows=*/32 / best, best,
                         /*batchTile=*/1, roundUp(c.groupSize, 128),
                         /*mma=*/false, clusters * shards,
                         /*sharedWeights=*/false, /*stagedInputs=*/false,
                         /*registerWgmma=*/false);
}

int64_t mlir::vptq::getDefaultCodebookShards(const LayerConfig &c,
                                             Type modelType,
                                             const TargetInfo &target,
                                             int64_t batchHint) {
  if (!target.hasClusters() || batchHint >= 4 || c.numCodebooks != 1 ||
      c.hasResidual() || c.inFeatures >= 65536)
    return 0;
  // Only codebooks that would otherwise be read from global memory.
  MLIRContext *ctx = modelType.getContext();
  TilingAttr plain = getDefaultTiling(ctx, c, modelType, target, 1);
  if (getDefaultPlacement(ctx, c, modelType, target, plain).getCentroids() !=
      CodebookPlacement::Global)
    return 0;
  for (int64_t shards = 2; shards <= kMaxCodebookShards; shards *= 2) {
    if (c.numCentroids % shards || c.numCentroids / shards > 65536)
      continue;
    TilingAttr tiling = getDefaultShardedTiling(ctx, c, target, shards);
    if (getShardedSharedMemoryLayout(c, modelType, tiling, shards,
                                     target.maxSharedBytes)
            .total <= target.maxSharedBytes)
      return shards;
  }
  return 0;
}
