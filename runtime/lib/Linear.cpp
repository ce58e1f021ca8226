//===- Linear.cpp - Quantized and dense linear layers ---------------------===//

#include "vptq/runtime/Linear.h"
#include "vptq/ABI/Tuning.h"

#include <algorithm>
#include <functional>
#include <map>

using namespace vptq;
using namespace vptq::runtime;

namespace {

void applyTuning(LinearSpec &spec, const LinearTuning &t) {
  spec.blockRows = t.blockRows;
  spec.warpsPerRow = t.warpsPerRow;
  spec.batchTile = t.batchTile;
  spec.kChunk = t.kChunk;
  spec.mma = t.mma;
  spec.persistentBlocks = t.persistentBlocks;
  spec.sharedWeights = t.sharedWeights;
  spec.stagedInputs = t.stagedInputs;
  spec.registerWgmma = t.registerWgmma;
  spec.codebookShards = t.codebookShards;
  spec.centroidsPlacement = t.centroidsPlacement;
  spec.resCentroidsPlacement = t.resCentroidsPlacement;
}

/// Whether a tensor of `shape` fits an argument of `expected` (kAnySize:
/// any size).
bool shapeFits(const std::vector<int64_t> &expected,
               const std::vector<int64_t> &shape) {
  if (expected.size() != shape.size())
    return false;
  for (size_t d = 0; d < shape.size(); ++d)
    if (expected[d] != kAnySize && expected[d] != shape[d])
      return false;
  return true;
}

/// The position of `hint` in kRuntimeBatchHints (its size for none of
/// them).
size_t tierIndex(int64_t hint) {
  return size_t(std::find(std::begin(kRuntimeBatchHints),
                          std::end(kRuntimeBatchHints), hint) -
                std::begin(kRuntimeBatchHints));
}

Status checkActivation(const std::string &name, DType activation) {
  if (!ref::isFloat(activation))
    return Status::error("layer '" + name +
                         "': activations must be f16, bf16 "
                         "or f32, not " +
                         ref::dtypeName(activation));
  return Status::success();
}

} // namespace

LinearSpec vptq::runtime::makeQuantizedSpec(const ref::LayerConfig &config,
                                            DType activation, DType model,
                                            const LinearTuning &tuning) {
  LinearSpec spec;
  spec.config = config;
  spec.activation = activation;
  spec.model = model;
  spec.indexStorage = ref::DType::I16;
  // As the reference stores perms: int16 for packed layers, int64 else.
  spec.permStorage = config.packed ? ref::DType::I16 : ref::DType::I64;
  spec.batch = -1;
  applyTuning(spec, tuning);
  return spec;
}

Status LinearLayer::initialize(
    const std::function<const ref::HostTensor *(const std::string &)> &get,
    const std::function<Result<ref::HostTensor>(const KernelArg &)> &derive) {
  auto kernel = runtime->getKernel(spec_);
  if (!kernel)
    return kernel.status().withContext("layer '" + name_ + "'");
  kernel_ = *kernel;
  for (const KernelArg &arg : kernel_->args()) {
    if (arg.name == "input" || arg.name == "output")
      continue;
    const ref::HostTensor *t = nullptr;
    ref::HostTensor derived;
    if (isDerivedKernelArg(arg.name)) {
      if (!derive)
        return Status::error("layer '" + name_ + "': the kernel takes '" +
                             arg.name + "', which only quantized layers have");
      auto made = derive(arg);
      if (!made)
        return made.status().withContext("layer '" + name_ + "'");
      derived = std::move(*made);
      t = &derived;
    } else {
      t = get(arg.name);
    }
    if (!t || t->empty())
      return Status::error("layer '" + name_ +
                           "': no tensor for kernel "
                           "argument '" +
                           arg.name + "'");
    if (t->dtype != arg.dtype || !shapeFits(arg.shape, t->shape))
      return Status::error("layer '" + name_ + "': tensor '" + arg.name +
                           "' is " + ref::dtypeName(t->dtype) +
                           formatShape(t->shape) + ", the kernel takes " +
                           ref::dtypeName(arg.dtype) + formatShape(arg.shape));
    auto uploaded = runtime->upload(*t);
    if (!uploaded)
      return uploaded.status().withContext("layer '" + name_ + "'");
    weights.emplace_back(arg.name, std::move(*uploaded));
  }
  return Status::success();
}

const Kernel *LinearLayer::batchKernel(int64_t hint) const {
  size_t tier = tierIndex(hint);
  return tier < batchKernels_.size() ? batchKernels_[tier].kernel.get()
                                     : nullptr;
}

std::string LinearLayer::checkShapes(const Tensor &x, const Tensor &y,
                                     const char *what) const {
  int64_t in = inFeatures(), out = outFeatures();
  std::string dtype = ref::dtypeName(spec_.activation);
  if (!x.defined() || x.rank() != 2 || x.dim(1) != in ||
      x.dtype() != spec_.activation)
    return "layer '" + name_ + "': " + what + " is " + x.describe() +
           ", expected " + dtype + "[batch, " + std::to_string(in) + "]";
  if (!y.defined() || y.rank() != 2 || y.dim(0) != x.dim(0) ||
      y.dim(1) != out || y.dtype() != spec_.activation)
    return "layer '" + name_ + "': output is " + y.describe() + ", expected " +
           dtype + "[" + std::to_string(x.dim(0)) + ", " + std::to_string(out) +
           "]";
  return {};
}

Status LinearLayer::forward(const Tensor &x, const Tensor &y) {
  if (std::string error = checkShapes(x, y, "input"); !error.empty())
    return Status::error(error);
  Kernel *kernel = kernel_.get();
  if (int64_t hint = runtimeBatchHint(x.dim(0))) {
    BatchedKernel &tier = batchKernels_[tierIndex(hint)];
    if (!tier.fetched) {
      tier.fetched = true;
      // CPU kernels already tile the batch by 4 rows whatever the hint.
      if (spec_.batch < 0 && !hasDecisions(spec_) &&
          runtime->device().kind != DeviceKind::CPU) {
        LinearSpec batched = spec_;
        batched.batchHint = hint;
        // Same arguments, other decisions; without it the first kernel
        // serves every batch.
        if (auto k = runtime->getKernel(batched))
          tier.kernel = *k;
      }
    }
    if (tier.kernel)
      kernel = tier.kernel.get();
  }
  return run(*kernel, x, nullptr, y);
}

Status LinearLayer::enableGatedInput() {
  if (gatedKernel_)
    return Status::success();
  if (spec_.dense)
    return Status::error("layer '" + name_ +
                         "': a gated input needs a quantized layer");
  LinearSpec gated = spec_;
  gated.gatedInput = true;
  auto kernel = runtime->getKernel(gated);
  if (!kernel)
    return kernel.status().withContext("layer '" + name_ + "', gated input");
  gatedKernel_ = *kernel;
  return Status::success();
}

Status LinearLayer::forwardGated(const Tensor &gate, const Tensor &up,
                                 const Tensor &y) {
  if (!gatedKernel_)
    return Status::error("layer '" + name_ +
                         "': forwardGated before enableGatedInput");
  if (std::string error = checkShapes(up, y, "up"); !error.empty())
    return Status::error(error);
  if (!gate.defined() || gate.shape() != up.shape() ||
      gate.dtype() != up.dtype())
    return Status::error("layer '" + name_ + "': gate is " + gate.describe() +
                         ", expected the up input's " + up.describe());
  return run(*gatedKernel_, up, &gate, y);
}

Status LinearLayer::run(Kernel &kernel, const Tensor &x, const Tensor *gate,
                        const Tensor &y) {
  std::vector<const Tensor *> args;
  for (const KernelArg &arg : kernel.args()) {
    if (arg.name == "input" || arg.name == "output") {
      args.push_back(arg.name == "input" ? &x : &y);
      continue;
    }
    if (arg.name == "gate" && gate) {
      args.push_back(gate);
      continue;
    }
    auto it = std::find_if(weights.begin(), weights.end(),
                           [&](const auto &w) { return w.first == arg.name; });
    if (it == weights.end())
      return Status::error("layer '" + name_ + "': the kernel for " +
                           std::to_string(x.dim(0)) + " rows takes '" +
                           arg.name + "', which the layer did not load");
    args.push_back(&it->second);
  }
  return kernel.run(args).withContext("layer '" + name_ + "'");
}

Result<Tensor> LinearLayer::operator()(const Tensor &x) {
  if (!x.defined() || x.rank() != 2)
    return Status::error("layer '" + name_ + "': input is " + x.describe() +
                         ", expected a [batch, in_features] tensor");
  auto y = runtime->allocate(spec_.activation, {x.dim(0), outFeatures()});
  if (!y)
    return y;
  VPTQ_RETURN_IF_ERROR(forward(x, *y));
  return y;
}

size_t LinearLayer::weightBytes() const {
  size_t bytes = 0;
  for (const auto &w : weights)
    bytes += w.second.bytes();
  return bytes;
}

Result<QuantLinear> QuantLinear::create(std::shared_ptr<Runtime> runtime,
                                        const QuantizedLayer &layer,
                                        DType activation,
                                        const LinearTuning &tuning) {
  VPTQ_RETURN_IF_ERROR(checkActivation(layer.name, activation));
  QuantLinear q;
  q.runtime = runtime;
  q.name_ = layer.name;
  q.spec_ = makeQuantizedSpec(layer.quantization.config, activation,
                              layer.modelType, tuning);
  if (std::string err = ref::checkLayerTensors(q.spec_.config, layer.tensors);
      !err.empty())
    return Status::error("layer '" + layer.name + "': " + err);
  // The derived arguments, made together on the first request; each is
  // uploaded once.
  std::map<std::string, ref::HostTensor> derived;
  auto derive = [&](const KernelArg &arg) -> Result<ref::HostTensor> {
    if (derived.empty())
      if (std::string err = makeDerivedKernelArgs(
              q.spec_.config, layer.tensors, q.kernel_->args(), derived);
          !err.empty())
        return Status::error(err);
    auto it = derived.find(arg.name);
    if (it == derived.end())
      return Status::error("no way to derive kernel argument '" + arg.name +
                           "'");
    return std::move(it->second);
  };
  VPTQ_RETURN_IF_ERROR(q.initialize(
      [&](const std::string &n) { return layer.tensors.get(n); }, derive));
  return q;
}

Result<Linear> Linear::create(std::shared_ptr<Runtime> runtime,
                              const std::string &name,
                              const ref::HostTensor &weight,
                              const ref::HostTensor *bias, DType activation,
                              const LinearTuning &tuning) {
  VPTQ_RETURN_IF_ERROR(checkActivation(name, activation));
  if (weight.shape.size() != 2 || !ref::isFloat(weight.dtype))
    return Status::error(
        "layer '" + name + "': weight is " + ref::dtypeName(weight.dtype) +
        formatShape(weight.shape) +
        ", expected a float [out_features, in_features] matrix");
  int64_t out = weight.shape[0], in = weight.shape[1];
  if (bias &&
      (bias->dtype != weight.dtype || bias->shape != std::vector<int64_t>{out}))
    return Status::error(
        "layer '" + name + "': bias is " + ref::dtypeName(bias->dtype) +
        formatShape(bias->shape) + ", expected " +
        ref::dtypeName(weight.dtype) + "[" + std::to_string(out) + "]");
  Linear l;
  l.runtime = runtime;
  l.name_ = name;
  l.spec_ = makeDenseSpec(in, out, bias != nullptr, activation, weight.dtype);
  applyTuning(l.spec_, tuning);
  VPTQ_RETURN_IF_ERROR(
      l.initialize([&](const std::string &n) -> const ref::HostTensor * {
        return n == "weight" ? &weight : n == "bias" ? bias : nullptr;
      }));
  return l;
}
