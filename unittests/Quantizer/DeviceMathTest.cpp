//===- DeviceMathTest.cpp - vptq.nearest / vptq.gram through the runtime --===//
//
// The quantizer's kernels compiled for the CPU through the runtime (as
// vptq-quantize --math kernels runs them), on fresh random inputs, every
// output compared with the quantizer's own CPU math; and a whole layer
// quantized through them against the native path.
//
//===----------------------------------------------------------------------===//

#include "vptq/Quantizer/DeviceMath.h"
#include "vptq/Reference/Dequant.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>

using namespace vptq;
using namespace vptq::quant;
using namespace vptq::runtime;

namespace {

uint64_t freshSeed() {
  return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::vector<float> gaussian(int64_t n, std::mt19937_64 &rng, float sd = 1) {
  std::normal_distribution<float> g(0, sd);
  std::vector<float> v(n);
  for (float &x : v)
    x = g(rng);
  return v;
}

class DeviceMathTest : public testing::Test {
protected:
  void SetUp() override {
    cache = std::filesystem::path(testing::TempDir()) /
            ("vptq-devmath-" + std::to_string(freshSeed()));
    RuntimeOptions o;
    o.cacheDir = cache.string();
    auto created = Runtime::create(o);
    ASSERT_TRUE(created.ok()) << created.message();
    rt = *created;
    math = std::make_unique<DeviceMath>(rt);
    seed = freshSeed();
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(cache, ec);
  }

  std::filesystem::path cache;
  std::shared_ptr<Runtime> rt;
  std::unique_ptr<DeviceMath> math;
  uint64_t seed = 0;
};

TEST_F(DeviceMathTest, NearestMatchesTheCPUSearch) {
  std::mt19937_64 rng(seed);
  for (int64_t dim : {2, 6, 8}) {
    const int64_t n = 1500, k = 300;
    std::vector<float> centroids = gaussian(k * dim, rng);
    std::vector<float> points = gaussian(n * dim, rng);
    // Some points sit exactly on a centroid: their answer is unique.
    for (int64_t p = 0; p < n; p += 7)
      std::copy_n(centroids.data() + (p % k) * dim, dim,
                  points.data() + p * dim);
    std::vector<uint32_t> got(n);
    ASSERT_NO_THROW(math->nearest(points.data(), n, dim, centroids.data(), k,
                                  got.data()));
    int exact = 0, failures = 0;
    for (int64_t p = 0; p < n; ++p) {
      double best;
      uint32_t want = nearestCentroid(points.data() + p * dim,
                                      centroids.data(), k, dim, &best);
      ASSERT_LT(got[p], uint32_t(k)) << "point " << p;
      double d = 0;
      for (int64_t l = 0; l < dim; ++l) {
        double e = double(points[p * dim + l]) - centroids[got[p] * dim + l];
        d += e * e;
      }
      exact += got[p] == want;
      // f32 distances may order near-ties differently from double ones,
      // never by more than their rounding.
      if (!(d <= best + 1e-5 * (best + 1.0)) && failures++ < 5)
        ADD_FAILURE() << "dim " << dim << " point " << p << ": centroid "
                      << got[p] << " at " << d << ", nearest " << want
                      << " at " << best;
      if (p % 7 == 0)
        EXPECT_EQ(got[p], want) << "dim " << dim << " point " << p
                                << " lies on centroid " << want;
    }
    EXPECT_EQ(failures, 0);
    EXPECT_GE(exact, n - 3) << "dim " << dim;
  }
}

TEST_F(DeviceMathTest, GramAccumulatesInputHessians) {
  std::mt19937_64 rng(seed);
  const int64_t n = 40;
  std::vector<double> want;
  for (int64_t tokens : {13, 1, 29}) {
    std::vector<float> x = gaussian(tokens * n, rng);
    accumulateGram(x.data(), tokens, n, want, 1);
    ref::HostTensor host(DType::F32, {tokens, n});
    std::memcpy(host.data.data(), x.data(), x.size() * 4);
    auto t = rt->upload(host);
    ASSERT_TRUE(t.ok()) << t.message();
    Status s = math->accumulate("layer", *t);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  auto got = math->hessian("layer");
  ASSERT_TRUE(got.ok()) << got.message();
  ASSERT_EQ(got->size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR((*got)[i], want[i], 1e-5 * (43 + std::fabs(want[i])))
        << "element " << i / n << ", " << i % n;
  EXPECT_EQ(math->hessianBytes(), n * n * 4);
  // Symmetric, as X^T X is.
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < i; ++k)
      EXPECT_NEAR((*got)[i * n + k], (*got)[k * n + i], 1e-4);
}

TEST_F(DeviceMathTest, ErrorsNameTheLayer) {
  auto missing = math->hessian("model.layers.3.mlp.up_proj");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("model.layers.3.mlp.up_proj"),
            std::string::npos);
  auto first = rt->allocate(DType::F32, {2, 8});
  auto second = rt->allocate(DType::F32, {2, 16});
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(rt->fill(*first, 0).ok() && rt->fill(*second, 0).ok());
  ASSERT_TRUE(math->accumulate("q_proj", *first).ok());
  Status s = math->accumulate("q_proj", *second);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("q_proj"), std::string::npos) << s.message();
  auto half = rt->allocate(DType::F16, {2, 8});
  ASSERT_TRUE(half.ok());
  EXPECT_FALSE(math->accumulate("k_proj", *half).ok());
}

// A whole layer through the kernels gives the layer the native path gives,
// up to near-ties of f32 and double distances.
TEST_F(DeviceMathTest, QuantizeLayerMatchesTheNativePath) {
  std::mt19937_64 rng(seed);
  const int64_t out = 48, in = 64, tokens = 300;
  std::vector<float> w = gaussian(out * in, rng, 0.05f);
  std::vector<float> x = gaussian(tokens * in, rng);
  std::vector<double> h;
  accumulateGram(x.data(), tokens, in, h, 1);
  VPTQOptions o;
  o.vectorLen = 4;
  o.numCentroids = 64;
  o.numResCentroids = 8;
  o.outlierSize = 8;
  o.threads = 2;
  LayerResult native = quantizeLayer(w, out, in, h, {}, o, ref::DType::F16);
  o.math = math.get();
  int columnsReported = 0;
  o.progress = [&](const char *stage, int64_t, int64_t) {
    columnsReported += std::string(stage) == "columns";
  };
  LayerResult kernels = quantizeLayer(w, out, in, h, {}, o, ref::DType::F16);
  ASSERT_EQ(ref::validate(kernels.layer), "");
  EXPECT_EQ(columnsReported, in);
  EXPECT_NEAR(kernels.relativeError, native.relativeError,
              0.02 * native.relativeError)
      << "kernels " << kernels.relativeError << ", native "
      << native.relativeError;
  std::vector<float> a = ref::dequantize(native.layer),
                     b = ref::dequantize(kernels.layer);
  int64_t same = 0;
  for (size_t i = 0; i < a.size(); ++i)
    same += a[i] == b[i];
  EXPECT_GE(double(same), 0.95 * double(a.size()))
      << same << " of " << a.size() << " weights equal";
}

} // namespace
