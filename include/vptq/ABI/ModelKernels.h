//===- ModelKernels.h - The transformer-op kernels a model needs -*- C++
//-*-===//
//
// One place that says which vptq transformer-op kernels a Llama-family
// decoder runs, so that the runtime's Model and vptq-compile --model (AOT
// bundles) agree on them.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_MODELKERNELS_H
#define VPTQ_ABI_MODELKERNELS_H

#include "vptq/ABI/KernelSpec.h"
#include "vptq/Checkpoint/ModelConfig.h"

#include <vector>

namespace vptq {

struct DecoderOpSpecs {
  OpSpec gather;  // token embedding
  OpSpec norm;    // the first RMSNorm of a forward pass
  /// Rotary embedding of queries and keys with the KV cache appends.
  OpSpec rotaryAppend;
  OpSpec attention;
  /// rotaryAppend and attention in one kernel, for decode steps.
  OpSpec rotaryAttention;
  OpSpec siluMul;
  OpSpec addNorm; // residual connections, each fused with the next RMSNorm

  std::vector<OpSpec> all() const {
    return {gather,          norm,    rotaryAppend, attention,
            rotaryAttention, siluMul, addNorm};
  }
};

/// The op kernels of `arch` with activations of `activation`, norm weights
/// of `normType` and an embedding table of `embedType`.
DecoderOpSpecs getDecoderOpSpecs(const checkpoint::ModelArchitecture &arch,
                                 ref::DType activation, ref::DType normType,
                                 ref::DType embedType);

} // namespace vptq

#endif // VPTQ_ABI_MODELKERNELS_H
