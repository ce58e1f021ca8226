//===- Linear.h - Quantized and dense linear layers -------------*- C++ -*-===//
//
// A layer's weights uploaded to a runtime's device, and y = x W^T (+ b) on
// f16, bf16 or f32 activations of any batch through the generated kernels.
// QuantLinear is a VPTQ-quantized layer (the fused lookup-dequant-matmul
// kernel, the weight never materialized); Linear an unquantized one.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_LINEAR_H
#define VPTQ_RUNTIME_LINEAR_H

#include "vptq/runtime/Checkpoint.h"
#include "vptq/runtime/Runtime.h"

#include <array>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

namespace vptq::runtime {

/// Kernel decisions for a layer; 0 or "" leaves them to the compiler.
struct LinearTuning {
  int64_t blockRows = 0, warpsPerRow = 0, batchTile = 0, kChunk = 0;
  std::string centroidsPlacement, resCentroidsPlacement;
  /// Tensor cores (#vptq.tiling mma): 1 yes, 0 no, -1 choose.
  int64_t mma = -1;
  /// Persistent blocks (#vptq.tiling persistent_blocks): N > 0 at most N
  /// blocks, 0 one per row tile, -1 choose.
  int64_t persistentBlocks = -1;
  /// Tensor cores on weights dequantized into shared memory (#vptq.tiling
  /// shared_weights): 1 yes, 0 no, -1 choose.
  int64_t sharedWeights = -1;
  /// Activations staged once per column group in shared memory by
  /// tensor-core kernels that read their codes into registers
  /// (#vptq.tiling staged_inputs): 1 yes, 0 no, -1 choose.
  int64_t stagedInputs = -1;
  /// Warpgroups multiplying weights dequantized into registers with wgmma
  /// (#vptq.tiling register_wgmma, NVIDIA sm_90a): 1 yes, 0 no, -1 choose.
  int64_t registerWgmma = -1;
  /// The main codebook sharded over thread-block clusters (decode kernels
  /// on sm_90+): S > 1 shards, 0 not sharded (saves the 4 bytes per index
  /// the sharded layout adds in device memory), -1 choose.
  int64_t codebookShards = -1;
};

/// The kernel specification of a quantized layer in the storage types the
/// checkpoint loader produces (see QuantizedLayer), for any batch.
LinearSpec makeQuantizedSpec(const ref::LayerConfig &config, DType activation,
                             DType model, const LinearTuning &tuning = {});

/// What QuantLinear and Linear share: a kernel, its weights on the device,
/// and y = x W^T (+ b).
class LinearLayer {
public:
  /// y = x W^T (+ b): `x` is [batch, in_features], `y` [batch, out_features],
  /// both of the activation dtype. Queued on the runtime's stream. On a GPU,
  /// batches of kBatchedThreshold rows or more (prompts) run a kernel whose
  /// decisions are made for kBatchedHint rows, from kMidBatchThreshold rows
  /// one made for kMidBatchHint, and from kLargeBatchThreshold rows (long
  /// prompts) one made for kLargeBatchHint rows (see runtimeBatchHint),
  /// each fetched on first use, unless the layer's decisions were fixed
  /// (LinearTuning) or no such kernel can be had (then the first one runs).
  Status forward(const Tensor &x, const Tensor &y);
  /// Allocates y and runs forward.
  Result<Tensor> operator()(const Tensor &x);

  /// y = (silu(gate) * up) W^T (+ b), a SwiGLU down projection with
  /// vptq.silu_mul's rounding, in one kernel (vptq.matmul's gate):
  /// `gate` and `up` are [batch, in_features]. Quantized layers only,
  /// after enableGatedInput; the kernel is the one made for single-token
  /// steps whatever the batch.
  Status forwardGated(const Tensor &gate, const Tensor &up, const Tensor &y);
  /// Gets the gated kernel (bundle, cache or compiler); an error for dense
  /// layers or when no such kernel can be had.
  Status enableGatedInput();
  bool hasGatedInput() const { return gatedKernel_ != nullptr; }
  const Kernel *gatedKernel() const { return gatedKernel_.get(); }

  const std::string &name() const { return name_; }
  const LinearSpec &spec() const { return spec_; }
  int64_t inFeatures() const { return spec_.config.inFeatures; }
  int64_t outFeatures() const { return spec_.config.outFeatures; }
  DType activation() const { return spec_.activation; }
  const Kernel &kernel() const { return *kernel_; }
  /// The kernel for batches of runtimeBatchHint `hint` (one of
  /// kRuntimeBatchHints: prompts, batches of tens of rows, long prompts),
  /// once a forward call has fetched it (null before, when there is none,
  /// or for another hint).
  const Kernel *batchKernel(int64_t hint) const;
  const Kernel *batchedKernel() const { return batchKernel(kBatchedHint); }
  const Kernel *largeBatchKernel() const {
    return batchKernel(kLargeBatchHint);
  }
  /// Device memory held by the layer's tensors.
  size_t weightBytes() const;

protected:
  LinearLayer() = default;
  /// Gets the kernel of `spec_` and uploads the tensor of each of its weight
  /// arguments, which `get` returns by argument name; derived arguments
  /// (isDerivedKernelArg) come from `derive` instead.
  Status initialize(
      const std::function<const ref::HostTensor *(const std::string &)> &get,
      const std::function<Result<ref::HostTensor>(const KernelArg &)>
          &derive = nullptr);

  std::shared_ptr<Runtime> runtime;
  std::string name_;
  LinearSpec spec_;
  std::shared_ptr<Kernel> kernel_;
  /// forwardGated's kernel (spec_ with gatedInput).
  std::shared_ptr<Kernel> gatedKernel_;
  /// Runs `kernel` on x (and gate) into y with the layer's weights.
  Status run(Kernel &kernel, const Tensor &x, const Tensor *gate,
             const Tensor &y);
  /// "" or why x is not a [batch, in_features] input of y.
  std::string checkShapes(const Tensor &x, const Tensor &y,
                          const char *what) const;
  /// A kernel for a batch hint, looked up once.
  struct BatchedKernel {
    std::shared_ptr<Kernel> kernel;
    bool fetched = false;
  };
  /// One per hint of kRuntimeBatchHints, in its order.
  std::array<BatchedKernel, std::size(kRuntimeBatchHints)> batchKernels_;
  /// Device tensors of the first kernel's arguments but input and output,
  /// by argument name (the kernels of other batches take some of them).
  std::vector<std::pair<std::string, Tensor>> weights;
};

/// A VPTQ-quantized layer: the fused lookup-dequant-matmul kernel.
class QuantLinear : public LinearLayer {
public:
  /// Uploads `layer` for activations of `activation` dtype and loads (or
  /// compiles) its kernel.
  static Result<QuantLinear> create(std::shared_ptr<Runtime> runtime,
                                    const QuantizedLayer &layer,
                                    DType activation,
                                    const LinearTuning &tuning = {});

  const ref::LayerConfig &config() const { return spec_.config; }
};

/// An unquantized layer: the dense kernel.
class Linear : public LinearLayer {
public:
  /// Uploads a dense weight [out, in] (and bias [out]) in the model dtype.
  static Result<Linear> create(std::shared_ptr<Runtime> runtime,
                               const std::string &name,
                               const ref::HostTensor &weight,
                               const ref::HostTensor *bias, DType activation,
                               const LinearTuning &tuning = {});
};

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_LINEAR_H
