//===- QuantizerTest.cpp - The VPTQ algorithm's pieces --------------------===//

#include "TestLayerConfig.h"
#include "vptq/Quantizer/Quantizer.h"
#include "vptq/Reference/Dequant.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace vptq;
using namespace vptq::quant;

namespace {

/// Calibration inputs with correlated columns (as real activations have)
/// and their Hessian X^T X.
std::vector<double> correlatedHessian(int64_t in, int64_t tokens, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0, 1);
  std::vector<double> mix(in * in);
  for (double &m : mix)
    m = g(rng) / std::sqrt(double(in));
  std::vector<double> scale(in);
  for (int64_t i = 0; i < in; ++i)
    scale[i] = std::exp(g(rng)); // Some inputs matter much more.
  std::vector<double> h(in * in, 0.0), x(in), z(in);
  for (int64_t t = 0; t < tokens; ++t) {
    for (double &v : z)
      v = g(rng);
    for (int64_t i = 0; i < in; ++i) {
      x[i] = z[i];
      for (int64_t k = 0; k < in; ++k)
        x[i] += 0.5 * mix[i * in + k] * z[k];
      x[i] *= scale[i];
    }
    for (int64_t i = 0; i < in; ++i)
      for (int64_t k = 0; k < in; ++k)
        h[i * in + k] += x[i] * x[k];
  }
  return h;
}

std::vector<float> randomWeight(int64_t out, int64_t in, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0, 0.05f);
  std::vector<float> w(out * in);
  for (float &v : w)
    v = g(rng);
  return w;
}

/// tr(E H E^T) / tr(W H W^T) for a dense approximation `deq`.
double hessianError(const std::vector<float> &w, const std::vector<float> &deq,
                    const std::vector<double> &h, int64_t out, int64_t in) {
  double num = 0, den = 0;
  for (int64_t r = 0; r < out; ++r)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t k = 0; k < in; ++k) {
        double hik = h[i * in + k];
        num += (w[r * in + i] - deq[r * in + i]) * hik *
               (w[r * in + k] - deq[r * in + k]);
        den += w[r * in + i] * hik * w[r * in + k];
      }
  return num / den;
}

TEST(KMeans, FindsSeparatedClustersAndHonoursWeights) {
  // Three tight clusters in 2-D.
  std::vector<float> centers = {0, 0, 10, 0, 0, 10};
  std::mt19937_64 rng(3);
  std::normal_distribution<float> g(0, 0.1f);
  std::vector<float> points;
  for (int i = 0; i < 300; ++i)
    for (int d = 0; d < 2; ++d)
      points.push_back(centers[(i % 3) * 2 + d] + g(rng));
  std::vector<uint32_t> assignment;
  std::vector<float> found = kmeans(points, 300, 2, {}, 3, 50, 1e-6, 1, 2, assignment);
  for (int c = 0; c < 3; ++c) {
    double best = 1e9;
    for (int f = 0; f < 3; ++f)
      best = std::min<double>(best, std::hypot(found[f * 2] - centers[c * 2],
                                       found[f * 2 + 1] - centers[c * 2 + 1]));
    EXPECT_LT(best, 0.05) << "cluster " << c;
  }
  // Points of one cluster share a centroid.
  for (int i = 3; i < 300; ++i)
    EXPECT_EQ(assignment[i], assignment[i % 3]);
  // One centroid for two points: the heavy point wins.
  std::vector<float> two = {0, 0, 1, 1};
  std::vector<float> c1 = kmeans(two, 2, 2, {1.0f, 9.0f}, 1, 10, 0, 1, 1, assignment);
  EXPECT_NEAR(c1[0], 0.9f, 1e-6);
  // More centroids than points: every point is represented exactly.
  std::vector<float> many = kmeans(two, 2, 2, {}, 5, 10, 0, 1, 1, assignment);
  EXPECT_EQ(many[assignment[0] * 2 + 1], 0.0f);
  EXPECT_EQ(many[assignment[1] * 2 + 1], 1.0f);
}

TEST(InverseHessian, UpperFactorOfTheDampedInverse) {
  const int64_t n = 12;
  std::vector<double> h = correlatedHessian(n, 200, 5), u = h;
  ASSERT_TRUE(inverseHessianFactor(u, n, 0.01));
  double mean = 0;
  for (int64_t i = 0; i < n; ++i)
    mean += h[i * n + i];
  mean /= n;
  // (H + 0.01 mean I) U^T U = I.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) {
        double uu = 0;
        for (int64_t m = 0; m < n; ++m)
          uu += u[m * n + k] * u[m * n + j];
        s += (h[i * n + k] + (i == k ? 0.01 * mean : 0)) * uu;
      }
      EXPECT_NEAR(s, i == j ? 1.0 : 0.0, 1e-8) << i << "," << j;
    }
  for (int64_t i = 1; i < n; ++i)
    for (int64_t j = 0; j < i; ++j)
      EXPECT_EQ(u[i * n + j], 0.0);
  std::vector<double> notPD = {1, 2, 2, 1};
  EXPECT_FALSE(inverseHessianFactor(notPD, 2, 0.0));
}

TEST(QuantizeLayer, SecondOrderOptimizationHelps) {
  const int64_t out = 64, in = 96;
  std::vector<float> w = randomWeight(out, in, 11);
  std::vector<double> h = correlatedHessian(in, 400, 12);
  VPTQOptions o;
  o.vectorLen = 4;
  o.numCentroids = 32;
  o.threads = 2;
  LayerResult aware = quantizeLayer(w, out, in, h, {}, o, ref::DType::F16);
  ASSERT_EQ(ref::validate(aware.layer), "");
  std::vector<float> deq = ref::dequantize(aware.layer);
  double awareError = hessianError(w, deq, h, out, in);
  EXPECT_NEAR(aware.relativeError, awareError, 1e-6 * awareError + 1e-12);
  // The same quantizer blind to the inputs (identity Hessian, no act
  // order) does worse on them.
  o.enablePerm = false;
  LayerResult blind = quantizeLayer(w, out, in, {}, {}, o, ref::DType::F16);
  double blindError = hessianError(w, ref::dequantize(blind.layer), h, out, in);
  EXPECT_LT(awareError, 0.9 * blindError)
      << "Hessian-aware " << awareError << " vs blind " << blindError;
  // A residual codebook and more centroids each reduce the error further.
  o.enablePerm = true;
  o.numResCentroids = 16;
  double withResidual =
      quantizeLayer(w, out, in, h, {}, o, ref::DType::F16).relativeError;
  EXPECT_LT(withResidual, awareError);
  o.numResCentroids = 0;
  o.numCentroids = 128;
  double moreCentroids =
      quantizeLayer(w, out, in, h, {}, o, ref::DType::F16).relativeError;
  EXPECT_LT(moreCentroids, awareError);
}

TEST(QuantizeLayer, EveryOptionGivesAValidLayer) {
  const int64_t out = 30, in = 72;
  std::vector<float> w = randomWeight(out, in, 21);
  std::vector<double> h = correlatedHessian(in, 300, 22);
  std::vector<float> bias(out, 0.25f);
  VPTQOptions o;
  o.vectorLen = 8; // 30 rows: 2 rows of padding.
  o.numCentroids = 16;
  o.numResCentroids = 4;
  o.numCodebooks = 2;
  o.outlierSize = 8;
  o.outlierVectorLen = 2;
  o.numOutlierCentroids = 8;
  o.enableNorm = true;
  o.threads = 2;
  for (bool packed : {true, false}) {
    o.packed = packed;
    LayerResult r = quantizeLayer(w, out, in, h, bias, o, ref::DType::BF16);
    ASSERT_EQ(ref::validate(r.layer), "") << "packed " << packed;
    const ref::LayerConfig &c = r.layer.config;
    EXPECT_EQ(c.groupSize, 32);
    EXPECT_TRUE(c.enablePerm && c.enableNorm && c.bias);
    EXPECT_EQ(r.layer.bias, bias);
    // Storable: encode as the checkpoint does and decode back exactly.
    ref::LayerTensors t = ref::encodeLayer(r.layer, ref::DType::BF16);
    ref::QuantizedLinear back;
    ASSERT_EQ(ref::decodeLayer(c, t, back), "");
    EXPECT_EQ(ref::dequantize(back), ref::dequantize(r.layer));
    // Outlier columns are the most important inputs.
    double minOutlier = 1e300, maxOther = 0;
    for (int64_t i = 0; i < in; ++i) {
      double d = h[r.layer.perm[i] * in + r.layer.perm[i]];
      if (i < 8)
        minOutlier = std::min(minOutlier, d);
      else
        maxOther = std::max(maxOther, d);
    }
    EXPECT_GE(minOutlier, maxOther);
    EXPECT_LT(r.relativeError, 0.5);
  }
  o.enablePerm = false;
  ref::LayerConfig c;
  EXPECT_EQ(makeLayerConfig(o, in, out, false, c),
            "outlier columns need the column permutation (enable_perm)");
  o.enablePerm = true;
  o.numCodebooks = 5;
  EXPECT_NE(makeLayerConfig(o, in, out, false, c).find("not divisible by 5"),
            std::string::npos);
}

TEST(RoundToNearest, LevelsPerRow) {
  const int64_t out = 4, in = 64;
  std::vector<float> w = randomWeight(out, in, 31);
  std::vector<float> two = roundToNearest(w, out, in, 2, ref::DType::F32);
  for (int64_t r = 0; r < out; ++r) {
    std::vector<float> row(two.begin() + r * in, two.begin() + (r + 1) * in);
    std::sort(row.begin(), row.end());
    EXPECT_LE(std::unique(row.begin(), row.end()) - row.begin(), 4);
  }
  std::vector<float> eight = roundToNearest(w, out, in, 8, ref::DType::F32);
  for (size_t i = 0; i < w.size(); ++i)
    EXPECT_NEAR(eight[i], w[i], 0.002);
}

} // namespace
