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

  /// The target for `chip`: "host"/"cpu", an sm_XX NVIDIA architecture or
  /// a gfxNNN AMD one. Fails with a message listing the supported chips.
  static FailureOr<TargetInfo> get(StringRef chip, std::string &error);
  /// The chips `get` accepts, comma-separated, for messages and --help.
  static std::string supportedChips();
};

/// The default tiling of a quantized matmul with `batchHint` rows.
TilingAttr getDefaultTiling(MLIRContext *ctx, const LayerConfig &config,
                            const TargetInfo &target, int64_t batchHint);

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
  /// per element when indices are unpacked).
  int64_t codes = 0, codesBytes = 0, stagedWords = 0;
  /// Staged activations: [batch_tile][k_chunk] f32.
  int64_t inputs = 0, inputsBytes = 0;
  /// Per-warp partial sums: [block_rows][warps_per_row][batch_tile][V] f32.
  int64_t partials = 0, partialsBytes = 0;
  /// Per-warp partial norm terms: [warps][batch_tile] f32.
  int64_t norm = 0, normBytes = 0;
  int64_t total = 0;
};

/// The shared-memory layout of a GPU matmul kernel with this tiling and
/// placement (see convert-vptq-to-gpu).
SharedMemoryLayout getSharedMemoryLayout(const LayerConfig &config,
                                         Type modelType, TilingAttr tiling,
                                         PlacementAttr placement);

/// Bytes of shared memory a GPU kernel with this tiling and placement uses.
inline int64_t getSharedMemoryBytes(const LayerConfig &config, Type modelType,
                                    TilingAttr tiling,
                                    PlacementAttr placement) {
  return getSharedMemoryLayout(config, modelType, tiling, placement).total;
}

/// The default placement: registers for codebooks of at most 16 entries,
/// shared memory when the codebooks fit the target's limit beside the
/// kernel's other buffers, otherwise global memory.
PlacementAttr getDefaultPlacement(MLIRContext *ctx, const LayerConfig &config,
                                  Type modelType, const TargetInfo &target,
                                  TilingAttr tiling);

} // namespace mlir::vptq

#endif // VPTQ_TRANSFORMS_HEURISTICS_H
