//===- Transformer.h - Reference of the transformer ops ---------*- C++ -*-===//
//
// Plain float/double implementations of vptq.rms_norm, vptq.rotary,
// vptq.attention, vptq.silu_mul, vptq.add, vptq.gather_rows and
// vptq.scatter_rows (see their documentation in docs/Dialects/VPTQ.md), the
// oracle the generated kernels are tested against. Row-major, T rows.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_TRANSFORMER_H
#define VPTQ_REFERENCE_TRANSFORMER_H

#include <cstdint>
#include <vector>

namespace vptq::ref {

/// y[t, i] = x[t, i] / sqrt(mean_j x[t, j]^2 + eps) * w[i].
std::vector<float> rmsNorm(const std::vector<float> &x,
                           const std::vector<float> &w, int64_t width,
                           double epsilon);

/// Rotates each head_dim-sized head of row t by positions[t] * invFreq[i],
/// pairing i with i + head_dim / 2.
std::vector<float> rotary(const std::vector<float> &x,
                          const std::vector<int32_t> &positions,
                          const std::vector<float> &invFreq, int64_t width,
                          int64_t headDim);

/// The key and value caches (`keyCache`, `valueCache`: S x W) after the
/// appends of vptq.rotary_append: row t of `keys` rotated (rotary) and row
/// t of `values` stored at cache row positions[t].
void appendRotatedRows(const std::vector<float> &keys,
                       const std::vector<float> &values,
                       const std::vector<int32_t> &positions,
                       const std::vector<float> &invFreq, int64_t width,
                       int64_t headDim, std::vector<float> &keyCache,
                       std::vector<float> &valueCache);

/// Causal grouped-query attention of query rows over cache rows
/// 0 .. positions[t].
std::vector<float> attention(const std::vector<float> &query,
                             const std::vector<float> &keyCache,
                             const std::vector<float> &valueCache,
                             const std::vector<int32_t> &positions,
                             int64_t numHeads, int64_t numKVHeads,
                             int64_t headDim, double scale);

/// silu(gate) * up.
std::vector<float> siluMul(const std::vector<float> &gate,
                           const std::vector<float> &up);

/// The inverse frequencies of rotary embedding: theta^(-2i / head_dim),
/// optionally with Llama 3's frequency-dependent scaling (factor > 1).
std::vector<float>
ropeInverseFrequencies(int64_t headDim, double theta, double factor = 1.0,
                       double lowFreqFactor = 1.0, double highFreqFactor = 4.0,
                       int64_t originalContext = 0, bool llama3 = false);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_TRANSFORMER_H
