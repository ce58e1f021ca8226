//===- Heuristics.h - Targets and default kernel decisions ------*- C++ -*-===//
//
// What the compiler knows about each supported target, and the default
// tiling and codebook placement used when neither a pass option nor the
// autotuner's database decides.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_TRANSFORMS_HEURISTICS_H
#define VPTQ_TRANSFORMS_HEURISTICS_H

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/Support/LLVM.h"

#include <string>

namespace mlir::vptq {

/// A compilation target: the host CPU, an NVIDIA GPU (NVVM) or an AMD GPU
/// (ROCDL), with the figures the heuristics need.
struct TargetInfo {
  enum class Kind { CPU, NVVM, ROCDL };
  Kind kind = Kind::CPU;
  /// "host", "sm_90a", "gfx942", ...
  std::string chip = "host";
  /// Streaming multiprocessors / compute units (GPU).
  int64_t numProcessors = 1;
  /// Largest dynamic shared memory per block, in bytes (GPU).
  int64_t maxSharedBytes = 0;

  bool isGPU() const { return kind != Kind::CPU; }
  /// Whether the target has warp-level tensor-core mma.sync.m16n8k16 with
  /// f16 and bf16 operands (NVIDIA sm_80 and newer).
  bool hasTensorCores() const;
  /// Whether kernels can overlap the previous kernel of their stream
  /// (programmatic dependent launch: griddepcontrol, NVIDIA sm_90 and
  /// newer).
  bool hasGridDependencyControl() const;
  /// Whether kernels can run as thread-block clusters whose blocks read
  /// each other's shared memory (NVIDIA sm_90 and newer).
  bool hasClusters() const;
  /// Whether the target has warpgroup-level asynchronous tensor-core
  /// multiplies reading shared memory (wgmma.mma_async: NVIDIA sm_90a only;
  /// neither plain sm_90 nor later architectures).
  bool hasWarpgroupMma() const;

  /// The target for `chip`: "host"/"cpu", an sm_XX NVIDIA architecture or
  /// a gfxNNN AMD one. Fails with a message listing the supported chips.
  static FailureOr<TargetInfo> get(StringRef chip, std::string &error);
  /// The chips `get` accepts, comma-separated, for messages and --help.
  static std::string supportedChips();
};

/// Whether a quantized matmul with these activation and codebook element
/// types can multiply on `target`'s tensor cores (#vptq.tiling mma): f16 or
/// bf16 activations of the codebooks' type.
bool canUseTensorCores(const TargetInfo &target, Type activationType,
                       Type modelType);

/// The default tiling of a quantized matmul with `batchHint` rows and
/// codebooks of `modelType`. With `tensorCores` (see canUseTensorCores),
/// batches of kSharedWeightsMinBatch rows and more get
/// getDefaultSharedWeightsTiling, batches of 4 rows and more of layers with
/// an even vector length getDefaultMmaTiling (with or without a
/// permutation: since activations are staged in shared memory, a 7B-shaped
/// perm + norm layer ran 1.1-2.3x faster on tensor cores than on SIMT
/// kernels at batches 16-256, bench/results/2026-11-23-h100-shared-weights.md).
/// GPU kernels for
/// batches of 1-3 rows that stage much per block (shared codebooks of 32
/// KiB or more, a permutation or the channel norm) get blocks of up to 1024
/// threads and, for a single codebook group, persistent blocks (as many as
/// the GPU holds at once) that stage the codebooks, and the activations
/// when they fit, once; others get 256-thread blocks.
TilingAttr getDefaultTiling(MLIRContext *ctx, const LayerConfig &config,
                            Type modelType, const TargetInfo &target,
                            int64_t batchHint, bool tensorCores = false);

/// Blocks of `threads` threads using `sharedBytes` of shared memory each
/// that one processor of `target` holds at once (at least 1).
int64_t getBlocksPerProcessor(const TargetInfo &target, int64_t threads,
                              int64_t sharedBytes);

/// The persistent blocks (#vptq.tiling persistent_blocks) for a SIMT
/// `tiling` with `placement` and `batchBlocks` blocks along the batch: as
/// many blocks as `target` holds at once, or 0 when the row tiles are no
/// more than that.
int64_t getPersistentBlocks(const LayerConfig &config, Type modelType,
                            const TargetInfo &target, TilingAttr tiling,
                            PlacementAttr placement, int64_t batchBlocks);

/// Whether tensor-core kernels split each dequantized weight w into
/// hi = round(w) and lo = round(w - hi) in the model type and multiply both:
/// when w is a sum (residual codebook) or a product (norm) that the model
/// type cannot hold exactly, so that results keep f32-accurate weights as
/// every other kernel does (bf16's 8 bits alone miss the tolerance of
/// include/vptq/Reference/Check.h).
inline bool mmaSplitsWeights(const LayerConfig &config) {
  return config.hasResidual() || config.enableNorm;
}

/// How the warps of a tensor-core block (#vptq.tiling mma = true) share its
/// block_rows * V rows, split into 16-row mma tiles, and its batch tile,
/// split into 8-row mma tiles.
///
/// Register fragments (shared_weights = false): `rowWarps` warps along the
/// rows (the largest common divisor of warps_per_row and the tiles; 1 when
/// that would leave more than 15 column groups, as each group has a named
/// barrier), each with `tilesPerWarp` tiles and the whole batch tile, times
/// `colWarps` = warps_per_row / rowWarps column groups, each with its own
/// column chunks. The rowWarps warps of a column group stage each chunk of
/// activations into one shared input tile together.
///
/// Shared weights: `rowWarps` x `batchWarps` warps, each with
/// `tilesPerWarp` x `batchTilesPerWarp` tiles, all on every chunk
/// (colWarps = 1); `valid` is false when no split of the warps divides
/// both the row tiles and the batch tiles.
/// Operands read straight into registers (mmaReadsOperandsDirectly): the
/// warp's tiles form groups of `vectorTiles` = P (4, 2 or 1: the largest
/// with 2P dividing V and P the tiles whose warps keep at most
/// kMaxMmaAccumulators, else the largest) in which lane g reads rows
/// 2Pg .. 2Pg + 2P - 1 of the group, one vector's, with one load per code
/// (mma rows g and g + 8 of tile p of the group are rows 2Pg + 2p and
/// 2Pg + 2p + 1); the row warps split whole groups (any number of column
/// groups: such kernels use no named barriers, except with staged_inputs,
/// where `valid` is false past 15 column groups of several warps).
///
/// Register warpgroups (register_wgmma): warps_per_row / 4 warpgroups split
/// the rows, each `tilesPerWarp` 64-row wgmma tiles; warp w of warpgroup G
/// is row warp 4G + w (rowWarps = warps_per_row), whose 16 rows of each
/// wgmma tile form its tiles as above (groups of `vectorTiles`), and it
/// holds the whole batch tile (batchTilesPerWarp 8-row tiles, colWarps = 1).
/// `valid` is false when the rows do not split into whole 64-row tiles per
/// warpgroup or the vector length is odd.
struct MmaWarpGrid {
  int64_t rowWarps = 1, colWarps = 1, batchWarps = 1, tilesPerWarp = 1,
          batchTilesPerWarp = 1, vectorTiles = 1;
  bool valid = true;
  /// f32 accumulators per thread.
  int64_t accumulators = 0;
};
MmaWarpGrid getMmaWarpGrid(const LayerConfig &config, TilingAttr tiling);

/// The most f32 accumulators per thread a tensor-core tiling may keep
/// (vptq-tune's candidates and the heuristic stay within it).
constexpr int64_t kMaxMmaAccumulators = 64;

/// How the warpgroups (4 warps each) of a shared-weight tiling multiply on
/// NVIDIA sm_90a (wgmma.mma_async, see mmaUsesWarpgroups): `rowGroups` x
/// `batchGroups` warpgroups, each `rowTiles` 64-row tiles of the block's
/// rows times `batchColumns` (a multiple of 8, at most 256) of its batch
/// tile, one wgmma.m64nNk16 per row tile and 16-column step reading both
/// operands from shared memory. The rows are split first (as many groups
/// as divide the 64-row tiles). `valid` is false when the warps are not
/// whole warpgroups or the rows not whole 64-row tiles.
struct WarpgroupGrid {
  bool valid = false;
  int64_t rowGroups = 1, batchGroups = 1, rowTiles = 1, batchColumns = 8;
  /// f32 accumulators per thread.
  int64_t accumulators = 0;
};
WarpgroupGrid getWarpgroupGrid(const LayerConfig &config, TilingAttr tiling);

/// The most f32 accumulators per thread of a warpgroup tiling: a 64 x 256
/// wgmma tile per warpgroup, as large as the register file of 8 warps
/// leaves room for beside the dequantization.
constexpr int64_t kMaxWarpgroupAccumulators = 128;

/// Register warpgroups (#vptq.tiling register_wgmma) stage the decoded codes
/// of three chunks in shared memory: [stage][block_rows][k_chunk + 8] i32,
/// the padding keeping the index rows a half-warp reads on distinct banks.
constexpr int64_t kRegisterWgmmaCodeStages = 3;
constexpr int64_t kRegisterWgmmaCodePadding = 8;

/// Register warpgroups copy each chunk's packed code words into a ring of
/// kRegisterWgmmaWordStages chunks in shared memory ([stage][block_rows]
/// [k_chunk * bits / 32] i32), four chunks ahead, with asynchronous copies
/// of getRegisterWgmmaWordCopyWidth words: loaded into registers instead,
/// they were still in flight a chunk later and the fence before each
/// chunk's wgmmas waited for them (H100 profile, bench/results/
/// 2026-11-30-h100-register-wgmma.md).
constexpr int64_t kRegisterWgmmaWordStages = 4;

/// Words per asynchronous copy of a register-warpgroup kernel's packed code
/// words (4, 2 or 1, dividing both a chunk's words per index row and a
/// packed row), or 0 when it loads them into registers instead (unpacked
/// indices, or chunks that are no whole number of words).
inline int64_t getRegisterWgmmaWordCopyWidth(const LayerConfig &config,
                                             TilingAttr tiling) {
  const int64_t bits = config.indexBits + config.resIndexBits;
  if (!tiling.getRegisterWgmma() || !config.packed ||
      (tiling.getKChunk() * bits) % 32 != 0)
    return 0;
  const int64_t chunkWords = tiling.getKChunk() * bits / 32;
  for (int64_t w : {4, 2, 1})
    if (chunkWords % w == 0 && config.packedWordsPerRow() % w == 0)
      return w;
  return 0;
}

/// Pipeline depth of warpgroup kernels: activations are copied two chunks
/// ahead into 4 stages and each chunk's wgmmas may run on while the next
/// chunk's are issued (one group in flight), so weights take 3 stages.
constexpr int64_t kWarpgroupInputStages = 4;
constexpr int64_t kWarpgroupWeightStages = 3;

/// Whether a shared-weight `tiling` multiplies with warpgroups
/// (wgmma.mma_async) on `target`: sm_90a and a valid getWarpgroupGrid
/// within kMaxWarpgroupAccumulators. Such kernels lay both shared tiles
/// out as 8 x 8 core matrices (the weights M-major, the activations
/// K-major) and overlap each chunk's multiply with the next chunk's
/// dequantization.
bool mmaUsesWarpgroups(const LayerConfig &config, TilingAttr tiling,
                       const TargetInfo &target);

/// Whether a tensor-core `tiling` with `placement` is one the heuristics and
/// vptq-tune offer: its warps split the tiles (getMmaWarpGrid), it keeps at
/// most kMaxMmaAccumulators per thread (kMaxWarpgroupAccumulators with
/// warpgroups, mmaUsesWarpgroups) and its shared memory fits `target`.
bool mmaTilingFits(const LayerConfig &config, Type modelType,
                   const TargetInfo &target, TilingAttr tiling,
                   PlacementAttr placement);

/// Whether a `tiling` multiplies with register warpgroups (#vptq.tiling
/// register_wgmma) that `target` runs (sm_90a) within
/// kMaxWarpgroupAccumulators.
bool mmaUsesRegisterWarpgroups(const LayerConfig &config, TilingAttr tiling,
                               const TargetInfo &target);

/// The register-warpgroup tiling (#vptq.tiling register_wgmma) for
/// `batchHint` rows that vptq-compile takes for register_wgmma = 1 without
/// a tiling: two warpgroups (one if the rows allow no two) of the fewest
/// 64-row tiles that hold whole vectors, the largest batch tile of 128, 64,
/// 32, 16 or 8 rows (not past the batch) within kMaxWarpgroupAccumulators,
/// 64-column chunks (32 if 64 do not fit the shared memory). The batch
/// >= 128 default (getDefaultTiling) takes register warpgroups only for
/// layers of more than 8192 rows without split weights whose main codebook
/// is in shared memory; elsewhere they were slower than or level with the
/// shared-weight warpgroup kernels on an H100 (bench/results/
/// 2026-11-30-h100-register-wgmma.md). Null when the target has no
/// warpgroup multiplies or no such tiling fits.
TilingAttr getDefaultRegisterWgmmaTiling(MLIRContext *ctx,
                                         const LayerConfig &config,
                                         Type modelType,
                                         const TargetInfo &target,
                                         int64_t batchHint = 256);

/// Whether tensor-core kernels can dequantize `config`'s weights straight
/// into mma operand registers: each lane reads two adjacent rows of a
/// vector, so the vector length must be even.
inline bool mmaSupportsVectorLen(const LayerConfig &config) {
  return config.vectorLen % 2 == 0;
}

/// Elements (8, 4 or 2 of 16 bits) per asynchronous copy with which a
/// tensor-core kernel stages a chunk of activations: the widest that keeps
/// every copy aligned (outlier columns, group size and row length are
/// multiples of it); 0 when the columns go through a permutation and are
/// gathered one by one.
inline int64_t getMmaInputCopyWidth(const LayerConfig &config) {
  if (config.enablePerm)
    return 0;
  for (int64_t w : {8, 4, 2})
    if (config.outlierSize % w == 0 && config.groupSize % w == 0 &&
        config.inFeatures % w == 0)
      return w;
  return 0;
}

/// Whether a tensor-core kernel with register fragments (mma = true,
/// shared_weights = false) reads both operands straight into registers and
/// stages nothing but codebooks: lane quad q of a warp owns the run of
/// k_chunk / 4 columns from q * k_chunk / 4 of each chunk (its four mma
/// columns of step s are columns 4s .. 4s + 3 of the run), so it loads its
/// run of packed codes as whole 32-bit words and its run of activations as
/// B fragments with vector loads. Needs packed codes whose run fills whole
/// words, groups of whole chunks, no permutation and activations aligned to
/// two elements at least (getMmaInputCopyWidth).
inline bool mmaReadsOperandsDirectly(const LayerConfig &config,
                                     TilingAttr tiling) {
  if (!tiling.getMma() || tiling.getSharedWeights() ||
      tiling.getRegisterWgmma() || !config.packed || config.enablePerm ||
      getMmaInputCopyWidth(config) < 2)
    return false;
  const int64_t bits = config.indexBits + config.resIndexBits;
  const int64_t run = tiling.getKChunk() / 4;
  return bits > 0 && bits <= 32 && (run * bits) % 32 == 0 &&
         config.groupSize % tiling.getKChunk() == 0;
}

/// Whether a shared-weight tensor-core kernel (#vptq.tiling shared_weights)
/// walks the input columns in their natural order instead of the quantized
/// columns: with a permutation and one codebook group, input column c
/// meets quantized column invperm[c] (the block builds invperm in shared
/// memory), so activations are staged with coalesced copies and the
/// scattered reads move to the indices, which each block reads once
/// instead of once per batch row.
inline bool mmaWalksInputColumns(const LayerConfig &config, TilingAttr tiling) {
  return tiling.getSharedWeights() && config.enablePerm &&
         config.numCodebooks == 1 && config.inFeatures <= 65535;
}

/// Elements per asynchronous activation copy of a kernel that walks the
/// input columns (mmaWalksInputColumns): the widest of 8, 4, 2 dividing
/// in_features, else 0 (one by one).
inline int64_t getNaturalInputCopyWidth(const LayerConfig &config) {
  for (int64_t w : {8, 4, 2})
    if (config.inFeatures % w == 0)
      return w;
  return 0;
}

/// The batch hint from which getDefaultMmaTiling makes tilings for tens of
/// rows: the runtime's mid-batch kernel (kMidBatchThreshold in
/// vptq/ABI/KernelSpec.h, which must agree) serves batches from here up to
/// kSharedWeightsMinBatch.
constexpr int64_t kMmaMidBatch = 32;

/// The default tensor-core tiling (#vptq.tiling mma = true) of a quantized
/// matmul for `batchHint` rows: one for batches below kMmaMidBatch (the
/// runtime's prompt kernel, 4-31 rows) and one from there (32-127 rows).
TilingAttr getDefaultMmaTiling(MLIRContext *ctx, const LayerConfig &config,
                               const TargetInfo &target,
                               int64_t batchHint = 16);

/// The batch from which getDefaultTiling multiplies on shared weights: the
/// runtime's third kernel (kLargeBatchThreshold in vptq/ABI/KernelSpec.h,
/// which must agree) serves batches from here on. At 256 rows shared
/// weights were 1.2-1.7x faster than the best register-fragment kernels of
/// seven 7B-shaped layers, at 64 about even, at 16 slower
/// (bench/results/2026-11-23-h100-shared-weights.md).
constexpr int64_t kSharedWeightsMinBatch = 128;

/// The default shared-weight tensor-core tiling (#vptq.tiling mma = true,
/// shared_weights = true): about 64 rows per block (whole 16-row tiles), 8
/// warps, batch tiles of 128 rows, chunks of 32 columns when weights are
/// split into hi + lo parts (else 64); fewer warps or smaller tiles where
/// the warps do not split the tiles or shared memory is short. Null when
/// nothing fits.
///
/// On sm_90a (warpgroups, mmaUsesWarpgroups) first: 8 warps over the
/// fewest index rows that make whole 64-row tiles and at least 128 rows
/// (192 for V = 12), with the largest batch tile of 256, 128 or 64 rows
/// that still gives `batchHint` rows at least half as many blocks as the
/// target has processors (chunks of 64 columns for batch tiles of 64, else
/// 32).
TilingAttr getDefaultSharedWeightsTiling(MLIRContext *ctx,
                                         const LayerConfig &config,
                                         Type modelType,
                                         const TargetInfo &target,
                                         int64_t batchHint = 256);

/// The default tiling of a dense vptq.linear with `outFeatures` rows: on
/// GPUs one warp per output row (block_rows warps per block), batch_tile
/// rows of the batch per block; on the CPU, tasks of block_rows rows.
TilingAttr getDefaultDenseTiling(MLIRContext *ctx, int64_t outFeatures,
                                 const TargetInfo &target, int64_t batchHint);

/// The shared-memory buffers of the GPU matmul kernel, as byte offsets into
/// its dynamic shared memory, in this order; absent buffers have size 0.
struct SharedMemoryLayout {
  /// Main / residual codebook of the current codebook group, model dtype.
  int64_t centroids = 0, centroidsBytes = 0;
  int64_t resCentroids = 0, resCentroidsBytes = 0;
  /// Staged codes: [block_rows][stagedWords] i32 (packed words, or one code
  /// per element when indices are unpacked; none when the kernel reads its
  /// codes into registers, getDirectCodeGroup; sharded kernels: the
  /// block's shard offsets of its cluster's rows, [rows per cluster + 1]
  /// i32; register warpgroups: decoded codes, res << index_bits | idx,
  /// [kRegisterWgmmaCodeStages][block_rows][k_chunk +
  /// kRegisterWgmmaCodePadding] i32).
  int64_t codes = 0, codesBytes = 0, stagedWords = 0;
  /// Staged activations: [batch_tile][k_chunk] f32 (sharded kernels:
  /// inputsElemBytes per element).
  int64_t inputs = 0, inputsBytes = 0, inputsElemBytes = 4;
  /// Per-warp partial sums: [block_rows][warps_per_row][batch_tile][V] f32.
  int64_t partials = 0, partialsBytes = 0;
  /// Per-warp partial norm terms: [warps][batch_tile] f32.
  int64_t norm = 0, normBytes = 0;
  /// Shared-weight tensor-core kernels: the dequantized chunks of weights
  /// [stages * parts][k_chunk][block_rows * V + 8] in the model type
  /// (column-major 16-row tiles for ldmatrix.trans; parts = 2 with
  /// mmaSplitsWeights), and `stages` (2: software pipelined) input tiles.
  int64_t weights = 0, weightsBytes = 0, weightStride = 0;
  int64_t stages = 1;
  /// Stages of the weight tile (`stages` but with warpgroups).
  int64_t weightStages = 1;
  /// SIMT kernels of permuted layers that stage the activation rows
  /// (stagesInputRow): x * weight_scale in natural column order,
  /// [batch_tile][in_features] f32, from which the chunks gather.
  int64_t inputRow = 0, inputRowBytes = 0;
  /// Kernels that walk the input columns (mmaWalksInputColumns): the
  /// inverse permutation, [in_features] i16.
  int64_t inversePerm = 0, inversePermBytes = 0;
  /// Register warpgroups: the ring of packed code words
  /// (kRegisterWgmmaWordStages, getRegisterWgmmaWordCopyWidth).
  int64_t packedWords = 0, packedWordsBytes = 0;
  /// Tensor-core kernels (mma = true) keep no codes or norm: the
  /// codebooks, each column group's staged chunk of activations as
  /// `inputs` [stages][colWarps][batch_tile][inputStride] in the model type
  /// (k_chunk plus 8 elements of padding, so that the 8 rows an ldmatrix
  /// reads lie on distinct banks; kernels that read codes directly stage
  /// them only with staged_inputs, in 2 stages, unpadded rows of at most 64
  /// bytes) and, at offset 0 over them (written after the last
  /// multiply), the column warps' accumulators
  /// [colWarps][block_rows * V][batch_tile] f32 (see getMmaWarpGrid).
  int64_t inputStride = 0;
  /// Kernels that multicast codebooks: the mbarrier their copies complete
  /// on (8 bytes).
  int64_t mbarrier = 0, mbarrierBytes = 0;
  int64_t total = 0;
};

/// Codes a lane of the SIMT matmul kernel takes per step when it loads the
/// packed index words of its row straight from global memory into
/// registers instead of staging them in shared memory: the fewest codes
/// that fill whole 32-bit words, at least 8 (12-bit codes: 8 in 3 words;
/// 8- and 16-bit codes: 8 in 2 and 4 words). 0 where the kernel stages
/// codes: unpacked indices, tensor-core tilings, a group or a chunk not a
/// multiple of the step, more than 16 codes or 6 words per step (11-, 13-,
/// 15- or 32-bit codes), or a codebook in registers (whose shuffles need every
/// lane of a warp on the same step) unless one chunk covers the group and
/// its steps divide evenly over the lanes.
int64_t getDirectCodeGroup(const LayerConfig &config, TilingAttr tiling,
                           PlacementAttr placement);

/// The shared-memory layout of a GPU matmul kernel with this tiling and
/// placement (see convert-vptq-to-gpu); `warpgroups` when a shared-weight
/// tiling multiplies with warpgroups (mmaUsesWarpgroups): unpadded core
/// matrices, kWarpgroupInputStages input and kWarpgroupWeightStages weight
/// stages; `inputRow` when a SIMT kernel stages its activation rows
/// (stagesInputRow).
SharedMemoryLayout getSharedMemoryLayout(const LayerConfig &config,
                                         Type modelType, TilingAttr tiling,
                                         PlacementAttr placement,
                                         bool warpgroups = false,
                                         bool inputRow = false);

/// Whether the SIMT kernel of a permuted layer stages its blocks' rows of
/// activations, x * weight_scale (and the norm term) read in natural column
/// order, into shared memory and gathers each chunk's columns through the
/// permutation from there instead of from global memory: when the rows fit
/// beside the rest of the layout in `target`'s shared memory without
/// costing resident blocks the grid would fill (at most
/// kMaxInputRowBytes). Every block reads every column, so gathers from
/// global memory cost a wavefront per cache line they touch: on an H100
/// the 4096 x 4096 v8-k4096 decode kernel took 10.0 us with perm and norm
/// against 7.4 us without (bench/results/2026-12-01-h100-input-rows.md).
bool stagesInputRow(const LayerConfig &config, Type modelType,
                    TilingAttr tiling, PlacementAttr placement,
                    const TargetInfo &target);

/// The shared-memory layout of a SIMT matmul kernel as convert-vptq-to-gpu
/// lays it out for `target`: with the activation rows where stagesInputRow
/// says so.
SharedMemoryLayout getSimtSharedMemoryLayout(const LayerConfig &config,
                                             Type modelType, TilingAttr tiling,
                                             PlacementAttr placement,
                                             const TargetInfo &target);

/// The largest staged activation rows (stagesInputRow), in bytes.
constexpr int64_t kMaxInputRowBytes = 64 * 1024;

/// Bytes of shared memory a GPU kernel with this tiling and placement uses.
inline int64_t getSharedMemoryBytes(const LayerConfig &config, Type modelType,
                                    TilingAttr tiling, PlacementAttr placement,
                                    bool warpgroups = false) {
  return getSharedMemoryLayout(config, modelType, tiling, placement,
                               warpgroups)
      .total;
}

/// Copies of a codebook placed at `place` that a block keeps in shared
/// memory: kCodebookCopies when replicated, 1 in shared memory, 0
/// elsewhere.
inline int64_t sharedCodebookCopies(CodebookPlacement place) {
  switch (place) {
  case CodebookPlacement::Shared:
  case CodebookPlacement::Multicast:
    return 1;
  case CodebookPlacement::Replicated:
    return kCodebookCopies;
  default:
    return 0;
  }
}

/// Blocks per thread-block cluster of a kernel that multicasts its
/// codebooks (placement `multicast`): each block copies 1 / N of every
/// multicast codebook into the shared memory of all N blocks. On an H100
/// the three 7B v8-k4096 decode layers (perm + norm) took 1.05-1.12x the
/// time of plain shared copies in clusters of 2 and 1.2-1.9x in clusters of
/// 4 and 8, so no default placement multicasts
/// (bench/results/2026-12-04-h100-multicast.md).
inline constexpr int64_t kMulticastClusterBlocks = 2;

/// Whether `placement` multicasts a codebook.
inline bool multicastsCodebooks(PlacementAttr placement) {
  return placement &&
         (placement.getCentroids() == CodebookPlacement::Multicast ||
          placement.getResCentroids() == CodebookPlacement::Multicast);
}

/// Succeeds unless `placement` multicasts a codebook of `op` that its
/// kernel with `tiling` cannot multicast on `target`; then emits an error
/// on `op` saying why: multicast needs thread-block clusters, a SIMT
/// kernel (no `mma`), one codebook group (copied once per block) and
/// codebooks that split into 16-byte aligned shares. (A sharded matmul's
/// verifier admits no placement but `sharded` and no residual.)
LogicalResult checkMulticast(MatmulOp op, PlacementAttr placement,
                             TilingAttr tiling, const TargetInfo &target);

/// The persistent blocks of a SIMT matmul kernel, the stride of their row
/// tiles: persistent_blocks, rounded up to whole clusters where the kernel
/// multicasts its codebooks (0: one block per row tile).
inline int64_t getPersistentStride(TilingAttr tiling, PlacementAttr placement) {
  int64_t blocks = tiling.getPersistentBlocks();
  if (blocks <= 0 || !multicastsCodebooks(placement))
    return blocks;
  int64_t cluster = kMulticastClusterBlocks;
  return (blocks + cluster - 1) / cluster * cluster;
}

/// The largest replicated codebook getDefaultPlacement makes (32 KiB: 256
/// entries of 16 bytes, 8 copies each).
constexpr int64_t kMaxReplicatedCodebookBytes = 32 * 1024;

/// The default placement: registers for codebooks of at most 16 entries;
/// on NVIDIA GPUs, replicated copies for a main codebook of 16-byte entries
/// whose copies take at most kMaxReplicatedCodebookBytes (a 256 x 8 f16
/// codebook; residual codebooks keep one copy);
/// shared memory when the codebooks fit the target's limit beside the
/// kernel's other buffers, otherwise global memory.
PlacementAttr getDefaultPlacement(MLIRContext *ctx, const LayerConfig &config,
                                  Type modelType, const TargetInfo &target,
                                  TilingAttr tiling);

/// The largest thread-block cluster the sharded matmul kernel uses (the
/// portable limit of NVIDIA sm_90).
inline constexpr int64_t kMaxCodebookShards = 8;

/// The codebook shards (S of vptq.matmul's `shard_entries` /
/// `shard_offsets`) for a kernel of `config` with `batchHint` rows on
/// `target`, or 0 for an unsharded kernel: sm_90 and newer, batches of 1-3
/// rows (decoding), one codebook group without residual, 16-bit entry
/// fields, a main codebook too large for shared memory whole and the
/// fewest shards (at most kMaxCodebookShards) whose slice fits beside the
/// activations. A 1 MiB v8-k65536 codebook of f16 gives 8 shards of 128
/// KiB; gathering from them beat gathering from L2 by 1.6-4.3x on an H100
/// (bench/results/2026-11-23-h100-sharded-codebooks.md).
int64_t getDefaultCodebookShards(const LayerConfig &config, Type modelType,
                                 const TargetInfo &target, int64_t batchHint);

/// The default tiling of a sharded matmul kernel (see convert-vptq-to-gpu):
/// 32 warps, 1, 2 or 4 of them per index row (whichever needs the fewest
/// rounds x steps of the cluster's row range: a row's entries of one shard
/// are about in_features / S), one batch row per block, and
/// persistent_blocks = S x the clusters that `target` runs at once (one
/// fewer than processors / S: the processors of a GPC rarely divide into
/// whole clusters).
TilingAttr getDefaultShardedTiling(MLIRContext *ctx, const LayerConfig &config,
                                   const TargetInfo &target, int64_t shards);

/// The shared-memory layout of the sharded matmul kernel: the block's
/// codebook slice `centroids` ([K / S][V], model type), its shard's offsets
/// of the cluster's rows `codes` ([rows per cluster + 1] i32), the activations
/// `inputs` ([batch_tile][in_features + 1] f32, the last column zero for
/// padding entries; in the model type, inputsElemBytes, where f32 would
/// not fit in `maxSharedBytes`: a 28672-wide f32 row takes 112 KiB next to
/// the 128 KiB slice), the block's partial sums `partials`
/// ([rows per cluster][warps_per_row][batch_tile][V] f32, read by the
/// whole cluster) and
/// per-warp norm terms `norm` ([warps][batch_tile] f32).
SharedMemoryLayout getShardedSharedMemoryLayout(const LayerConfig &config,
                                                Type modelType,
                                                TilingAttr tiling,
                                                int64_t shards,
                                                int64_t maxSharedBytes);

/// Index rows each cluster of a sharded kernel takes (contiguous ranges).
int64_t getShardedRowsPerCluster(const LayerConfig &config, TilingAttr tiling,
                                 int64_t shards);

} // namespace mlir::vptq

#endif // VPTQ_TRANSFORMS_HEURISTICS_H
