//===- KernelSpec.h - What a generated kernel computes and takes -*- C++
//-*-===//
//
// The contract between the compiler and the runtime: a kernel
// specification (layer configuration, storage types, batch, decisions), the
// arguments a kernel takes for it, and how a GPU kernel is launched. Plain
// C++; the compiler, vptq-compile, the runtime and the device harness share
// it.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_KERNELSPEC_H
#define VPTQ_ABI_KERNELSPEC_H

#include "vptq/Reference/Storage.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vptq {

/// How the kernel's module expresses the layer before lowering.
enum class LinearForm {
  /// One vptq.matmul (or vptq.linear for dense layers) on the buffers.
  Fused,
  /// vptq.matmul on tensors, split by vptq-decompose-matmul into
  /// vptq.dequant and a dense linalg.matmul (CPU only).
  Decomposed,
  /// As Decomposed, with packed indices first split by vptq.unpack_indices.
  DecomposedUnpacked,
};

/// One linear-layer kernel: the layer, the storage types of its tensors,
/// the batch, and optional kernel decisions (0 or "" = choose). A dense
/// layer uses only in/out features and bias of `config`.
struct LinearSpec {
  ref::LayerConfig config;
  /// A dense (unquantized) layer: y = x W^T (+ b), W in the model dtype.
  bool dense = false;
  /// Activations and output.
  ref::DType activation = ref::DType::F16;
  /// Codebooks, norm and bias, or the dense weight (the model dtype).
  ref::DType model = ref::DType::F16;
  /// Unpacked main/residual index storage (packed indices are I32).
  ref::DType indexStorage = ref::DType::I16;
  /// Permutation storage: I16 (uint16 bits), I32 or I64.
  ref::DType permStorage = ref::DType::I16;
  /// Static batch, or -1 for a dynamic one.
  int64_t batch = -1;
  /// With a dynamic batch: the batch the decisions left open are chosen for
  /// (0: 1, single-token decoding). The runtime asks for more kernels:
  /// batch_hint = kBatchedHint for prompts and other batches of several
  /// rows, kMidBatchHint for batches of tens of rows and kLargeBatchHint
  /// for long prompts.
  int64_t batchHint = 0;
  int64_t blockRows = 0, warpsPerRow = 0, batchTile = 0, kChunk = 0;
  /// Tensor cores (#vptq.tiling mma): 1 yes, 0 no, -1 choose.
  int64_t mma = -1;
  /// Persistent blocks (#vptq.tiling persistent_blocks): N > 0 at most N
  /// blocks, 0 one block per row tile, -1 choose.
  int64_t persistentBlocks = -1;
  /// Weights dequantized once per block into shared memory on tensor cores
  /// (#vptq.tiling shared_weights): 1 yes, 0 no, -1 choose.
  int64_t sharedWeights = -1;
  /// Activations staged once per column group in shared memory by kernels
  /// that read their codes into registers (#vptq.tiling staged_inputs): 1
  /// yes, 0 no, -1 choose.
  int64_t stagedInputs = -1;
  /// Warpgroups multiplying with wgmma from weights dequantized into
  /// registers (#vptq.tiling register_wgmma, NVIDIA sm_90a): 1 yes, 0 no,
  /// -1 choose.
  int64_t registerWgmma = -1;
  /// "global", "shared", "replicated", "registers" or "" (choose).
  std::string centroidsPlacement, resCentroidsPlacement;
  /// The main codebook sharded over the blocks of a thread-block cluster
  /// (vptq.matmul's shard operands, placement "sharded"): S > 1 shards, 0
  /// none, -1 choose (the compiler's heuristic for the target). S > 1 adds
  /// the derived arguments shard_entries and shard_offsets.
  int64_t codebookShards = -1;
  /// The activations are silu(gate) * input (vptq.matmul's gate: a SwiGLU
  /// down projection reading the gate and up projections' outputs); the
  /// kernel takes a `gate` argument shaped as its input. Quantized, fused
  /// layers only.
  bool gatedInput = false;
  LinearForm form = LinearForm::Fused;

  /// A stable, human-readable key of everything above.
  std::string key() const;
};

/// The batch hint of the kernels the runtime uses for batches of at least
/// kBatchedThreshold rows.
inline constexpr int64_t kBatchedHint = 16;
inline constexpr int64_t kBatchedThreshold = 4;
/// The batch hint of the kernels the runtime uses for batches of at least
/// kMidBatchThreshold rows (below kLargeBatchThreshold): tensor-core tilings
/// made for 64 rows (bench/results/2026-11-27-h100-batch64-tiles.md: 1.5-1.8x
/// faster at batch 64 than those made for 16).
inline constexpr int64_t kMidBatchHint = 64;
inline constexpr int64_t kMidBatchThreshold = 32;
/// The batch hint of the kernels the runtime uses for batches of at least
/// kLargeBatchThreshold rows (long prompts: on tensor cores, weights
/// dequantized once per block; kSharedWeightsMinBatch in
/// vptq/Transforms/Heuristics.h must agree).
inline constexpr int64_t kLargeBatchHint = 256;
inline constexpr int64_t kLargeBatchThreshold = 128;

/// The batch hint of the kernel the runtime runs for `batch` rows: 0 (the
/// plain kernel, decoding), kBatchedHint, kMidBatchHint or kLargeBatchHint.
inline int64_t runtimeBatchHint(int64_t batch) {
  return batch >= kLargeBatchThreshold ? kLargeBatchHint
         : batch >= kMidBatchThreshold ? kMidBatchHint
         : batch >= kBatchedThreshold  ? kBatchedHint
                                       : 0;
}

/// The batch hints runtimeBatchHint gives batches of several rows, in order.
inline constexpr int64_t kRuntimeBatchHints[] = {kBatchedHint, kMidBatchHint,
                                                 kLargeBatchHint};

/// The batch a specification's open decisions are made for: its static
/// batch, else its hint, else `fallback`.
inline int64_t decisionBatch(const LinearSpec &spec, int64_t fallback = 1) {
  return spec.batch > 0       ? spec.batch
         : spec.batchHint > 0 ? spec.batchHint
                              : fallback;
}

/// A dense layer's specification.
LinearSpec makeDenseSpec(int64_t inFeatures, int64_t outFeatures, bool bias,
                         ref::DType activation, ref::DType model);

/// One kernel argument: a row-major buffer. Dimension -1 is the batch (row
/// count), kAnySize any size.
inline constexpr int64_t kAnySize = -2;

struct KernelArg {
  std::string name;
  ref::DType dtype;
  std::vector<int64_t> shape;
};

/// The kernel's arguments, in order: input, indices, [res_indices],
/// centroids, [res_centroids], [outlier_indices], [outlier_centroids],
/// [perm], [weight_scale], [weight_bias], [shard_entries, shard_offsets]
/// (codebookShards > 1), [bias], output; for a dense layer input, weight,
/// [bias], output. With codebookShards = -1 the compiled kernel may take
/// the shard arguments too (see isDerivedKernelArg).
std::vector<KernelArg> getKernelArguments(const LinearSpec &spec);

/// Whether a kernel argument is not a checkpoint tensor but derived from
/// them by the runtime (vptq::ref::shardIndices): shard_entries ([any]
/// i32) and shard_offsets ([S, NI + 1] i32).
bool isDerivedKernelArg(const std::string &name);

/// Builds the derived arguments among `args` (a kernel's arguments) from a
/// quantized layer's checkpoint tensors into `out`, by name: the shard
/// count comes from shard_offsets' shape. Returns "" (also when `args` has
/// none) or why the layer cannot be laid out so.
std::string makeDerivedKernelArgs(const ref::LayerConfig &config,
                                  const ref::LayerTensors &tensors,
                                  const std::vector<KernelArg> &args,
                                  std::map<std::string, ref::HostTensor> &out);

/// Whether a compiled kernel's arguments `kernel` fit `spec`: equal to
/// getKernelArguments(spec), or, when the spec leaves codebookShards to the
/// compiler, equal once derived arguments are dropped.
bool kernelArgsFit(const LinearSpec &spec,
                   const std::vector<KernelArg> &kernel);

/// A row-op kernel: a transformer op (vptq.rms_norm, vptq.add_rms_norm,
/// vptq.rotary, vptq.rotary_append, vptq.attention, vptq.rotary_attention,
/// vptq.silu_mul, vptq.add, vptq.gather_rows, vptq.scatter_rows) or a
/// quantizer op (vptq.nearest: width = vector length; vptq.gram: width = N;
/// both F32): the op, its element types and its static sizes; the row
/// (token, point) count is dynamic. rotary_append and rotary_attention:
/// width = num_heads x head_dim, keys and values num_kv_heads x head_dim
/// wide. Fields an op does not use stay 0.
struct OpSpec {
  /// The op's name without the dialect prefix ("rms_norm", ...).
  std::string op;
  /// Row tensors (activations).
  ref::DType dtype = ref::DType::F16;
  /// The rms_norm weight, the gather_rows table, the scatter_rows output
  /// and the rotary_append and attention caches.
  ref::DType paramType = ref::DType::F16;
  /// Row width: hidden size, intermediate size, heads x head_dim, ...
  int64_t width = 0;
  int64_t numHeads = 0, numKVHeads = 0, headDim = 0;
  double epsilon = 0, scale = 0;

  /// A stable, human-readable key of everything above.
  std::string key() const;
  /// "" or why the spec cannot be compiled (unknown op, missing size).
  std::string verify() const;
};

/// The op names OpSpec accepts.
const std::vector<std::string> &getTransformerOpNames();

/// The kernel's arguments, in the op's operand order; dimension -1 is the
/// row count, -2 any size (the rows of tables and caches). See the ops'
/// documentation for their meaning.
std::vector<KernelArg> getKernelArguments(const OpSpec &spec);

/// How a GPU kernel is launched: block (blockSize, 1, 1), grid (gridX,
/// ceil(batch / batchTile), 1) (batchTile 0: (gridX, 1, 1)), sharedBytes of dynamic shared memory; each
/// argument as an expanded memref descriptor (see MemRefABI.h).
struct LaunchInfo {
  std::string kernelName;
  int64_t blockSize = 0, sharedBytes = 0;
  int64_t gridX = 0, batchTile = 1;
  /// The tiling and placement the kernel was generated with.
  int64_t blockRows = 0, warpsPerRow = 0, kChunk = 0;
  std::string centroidsPlacement, resCentroidsPlacement;
  /// Tensor cores (#vptq.tiling mma).
  bool mma = false;
  /// Persistent blocks (#vptq.tiling persistent_blocks; 0: none).
  int64_t persistentBlocks = 0;
  /// Tensor cores on shared dequantized weights (#vptq.tiling
  /// shared_weights).
  bool sharedWeights = false;
  /// Activations staged in shared memory (#vptq.tiling staged_inputs).
  bool stagedInputs = false;
  /// Warpgroups on register weights (#vptq.tiling register_wgmma).
  bool registerWgmma = false;
  /// The kernel waits for its predecessor itself (griddepcontrol): launch
  /// it with programmatic stream serialization so that it may overlap the
  /// previous kernel of the stream.
  bool gridDependency = false;
  /// Blocks per thread-block cluster (the kernel declares it: plain
  /// launches form the clusters; 1: no clusters). gridX is a multiple.
  int64_t clusterSize = 1;
};

} // namespace vptq

#endif // VPTQ_ABI_KERNELSPEC_H
