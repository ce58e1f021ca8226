//===- Quantizer.h - The VPTQ quantization algorithm ------------*- C++ -*-===//
//
// Vector post-training quantization (VPTQ, arXiv 2409.17066) of one linear
// layer, in plain C++: column order by the Hessian diagonal (act order),
// optional outlier columns with their own codebook, optional per-column
// normalization, a main codebook from Hessian-weighted k-means
// (k-means++ start, Lloyd iterations), an optional residual codebook
// trained on the residual, and channel-independent second-order
// optimization: columns are quantized in order and each column's error is
// propagated to the columns after it through the inverse Hessian's Cholesky
// factor, with damping, as GPTQ does for scalars. The result is a layer in
// the checkpoint format (vptq::ref::QuantizedLinear).
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_QUANTIZER_QUANTIZER_H
#define VPTQ_QUANTIZER_QUANTIZER_H

#include "vptq/Reference/Storage.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vptq::quant {

/// Where the quantizer's heaviest math runs: nearest-centroid search (every
/// Lloyd iteration of k-means and every quantized vector). Without one the
/// quantizer uses CPU threads; vptq-quantize supplies a backend on the
/// runtime's device (DeviceMath.h). Errors are thrown as
/// std::runtime_error.
class MathBackend {
public:
  virtual ~MathBackend();
  /// For each of `n` points (n x dim, row-major) the index of the nearest
  /// of `k` centroids (k x dim) by squared Euclidean distance, the lowest
  /// index among equal distances.
  virtual void nearest(const float *points, int64_t n, int64_t dim,
                       const float *centroids, int64_t k,
                       uint32_t *indices) = 0;
};

struct VPTQOptions {
  int64_t vectorLen = 8;
  int64_t numCentroids = 256;
  /// 0: no residual codebook.
  int64_t numResCentroids = 0;
  /// Codebooks (group_num); each covers in_features / numCodebooks columns.
  int64_t numCodebooks = 1;
  /// Outlier columns (the most important by the Hessian diagonal) and their
  /// codebook; 0: none.
  int64_t outlierSize = 0;
  int64_t outlierVectorLen = 4;
  int64_t numOutlierCentroids = 256;
  bool enableNorm = false;
  bool enablePerm = true;
  bool packed = true;
  /// Added to the Hessian's diagonal: damping x its mean.
  double damping = 0.01;
  int kmeansIterations = 100;
  /// Lloyd stops when the weighted error improves by less than this
  /// fraction.
  double kmeansTolerance = 1e-5;
  uint64_t seed = 0;
  /// 0: all hardware threads.
  int threads = 0;
  /// Nearest-centroid search elsewhere (a GPU); null: CPU threads. K-means++
  /// seeding and the error propagation stay on the CPU.
  MathBackend *math = nullptr;
  /// Called as a layer progresses: ("k-means", iteration, cap) per Lloyd
  /// iteration and ("columns", done, total) as vectors are quantized (from
  /// one thread at a time).
  std::function<void(const char *stage, int64_t done, int64_t total)>
      progress;
};

/// The layer configuration (LayerConfig) `options` give a layer of this
/// shape, or an error message.
std::string makeLayerConfig(const VPTQOptions &options, int64_t inFeatures,
                            int64_t outFeatures, bool bias,
                            ref::LayerConfig &out);

struct LayerResult {
  ref::QuantizedLinear layer;
  /// tr(E H E^T) / tr(W H W^T), E = W - dequantized W: the output error
  /// the layer adds on the calibration inputs, relative.
  double relativeError = 0;
  /// Lloyd iterations the main codebook took.
  int kmeansIterations = 0;
};

/// Quantizes `weight` (out x in, row-major) with the inputs' Hessian
/// `hessian` (in x in, X^T X summed over calibration tokens; empty: the
/// identity) and optional `bias` (out). Codebook values are rounded to
/// `modelType` as the checkpoint stores them.
LayerResult quantizeLayer(const std::vector<float> &weight, int64_t out,
                          int64_t in, const std::vector<double> &hessian,
                          const std::vector<float> &bias,
                          const VPTQOptions &options, ref::DType modelType);

/// Weighted k-means of `n` points of `dim` floats: k-means++ start, Lloyd
/// iterations (their nearest-centroid search on `math` when given).
/// Returns the centroids (k x dim) and sets `assignment`.
std::vector<float> kmeans(const std::vector<float> &points, int64_t n,
                          int64_t dim, const std::vector<float> &weights,
                          int64_t k, int iterations, double tolerance,
                          uint64_t seed, int threads,
                          std::vector<uint32_t> &assignment,
                          int *iterationsRun = nullptr,
                          MathBackend *math = nullptr,
                          const std::function<void(const char *, int64_t,
                                                   int64_t)> &progress = {});

/// Round-to-nearest scalar quantization with `bits` bits, asymmetric per
/// output row (scale and zero point in `modelType`): the dequantized
/// weight. The baseline VPTQ is compared with.
std::vector<float> roundToNearest(const std::vector<float> &weight,
                                  int64_t out, int64_t in, int bits,
                                  ref::DType modelType);

/// The upper Cholesky factor U of (H + damping * mean(diag H) * I)^-1, in
/// place (GPTQ's Hinv); dead columns (zero diagonal) get 1 on the diagonal.
/// False if the matrix is not positive definite even after damping.
bool inverseHessianFactor(std::vector<double> &h, int64_t n, double damping);

/// The nearest of `k` centroids (k x dim) to `point` and its squared
/// distance (in double), the lowest index among equal distances: the
/// CPU's nearest-centroid search, and the reference for vptq.nearest.
uint32_t nearestCentroid(const float *point, const float *centroids,
                         int64_t k, int64_t dim, double *distance = nullptr);

/// hessian (n x n) += x^T x for `tokens` rows of x (tokens x n), on
/// `threads` CPU threads: Hessian accumulation, and the reference for
/// vptq.gram.
void accumulateGram(const float *x, int64_t tokens, int64_t n,
                    std::vector<double> &hessian, int threads);

/// Runs fn(i) for i in [0, n) on `threads` threads (0: hardware).
void parallelFor(int64_t n, int threads, const std::function<void(int64_t)> &fn);

} // namespace vptq::quant

#endif // VPTQ_QUANTIZER_QUANTIZER_H
