//===- Dequant.h - Reference VPTQ dequantization ----------------*- C++ -*-===//
//
// The oracle every numeric test compares against: a literal, unoptimized
// implementation of the dequantization steps of docs/Format.md, in float32,
// with no MLIR dependency. Speed is irrelevant here; obviousness is not.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_DEQUANT_H
#define VPTQ_REFERENCE_DEQUANT_H

#include "vptq/Reference/LayerConfig.h"

#include <cstdint>
#include <string>
#include <vector>

namespace vptq::ref {

/// All tensors of one quantized linear layer, laid out as in the checkpoint,
/// with floats widened to float32 and integers to their unsigned values.
struct QuantizedLinear {
  LayerConfig config;
  /// Packed: [NC][NI][packedWordsPerRow] int32 words (as uint32 bits).
  /// Unpacked: [NC][NI][GS] main indices.
  std::vector<uint32_t> indices;
  /// Unpacked residual indices [NC][NI][GS]; empty when packed or no
  /// residual.
  std::vector<uint32_t> resIndices;
  /// [NC][K * V].
  std::vector<float> centroids;
  /// [NC][KR * V]; empty without residual.
  std::vector<float> resCentroids;
  /// [NIo][OS]; empty without outliers.
  std::vector<uint32_t> outlierIndices;
  /// [Ko * Vo]; empty without outliers.
  std::vector<float> outlierCentroids;
  /// [in]; empty without permutation.
  std::vector<int64_t> perm;
  /// [in] each; empty without norm.
  std::vector<float> weightScale;
  std::vector<float> weightBias;
  /// [out]; empty without bias.
  std::vector<float> bias;
};

/// How intermediate results are rounded while dequantizing.
enum class Rounding {
  /// Exact float32 arithmetic: the oracle for kernels that accumulate in f32.
  None,
  /// Round after each step to binary16, as the reference implementation
  /// does for float16 models (residual add, scale, bias).
  Half,
  /// The same for bfloat16 models.
  BFloat16,
};

/// Checks every tensor's size against the configuration, every index against
/// its codebook, and that perm is a permutation of [0, in_features). Returns
/// an empty string when valid, otherwise a message naming the tensor.
std::string validate(const QuantizedLinear &layer);

/// Main and residual indices as [NC][NI][GS] arrays, unpacking if packed.
/// `res` is left empty without residual.
void unpackAll(const QuantizedLinear &layer, std::vector<uint32_t> &idx,
               std::vector<uint32_t> &res);

/// The dense weight W, outFeatures x inFeatures, row-major. Requires a valid
/// layer (see validate()).
std::vector<float> dequantize(const QuantizedLinear &layer,
                              Rounding rounding = Rounding::None);

/// y = x * W^T + bias with double accumulation, where x is batch x in and y
/// is batch x out, both row-major; W is dequantize(layer).
std::vector<float> linear(const QuantizedLinear &layer,
                          const std::vector<float> &x, int64_t batch);

/// y = x * W^T + bias for a dense W (out x in) and optional bias (empty for
/// none), double accumulation.
std::vector<float> denseLinear(const std::vector<float> &w,
                               const std::vector<float> &bias,
                               const std::vector<float> &x, int64_t batch,
                               int64_t inFeatures, int64_t outFeatures);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_DEQUANT_H
