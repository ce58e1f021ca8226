//===- DequantTest.cpp - reference dequantization -------------------------===//
//
// Small layers whose dense weight is computed by hand from the format's
// definition (docs/Format.md), plus property checks on random layers.
//
//===----------------------------------------------------------------------===//

#include "vptq/Reference/Dequant.h"
#include "vptq/Reference/Packing.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>
#include <random>

using namespace vptq::ref;

namespace {

LayerConfig makeConfig(int64_t in, int64_t out, int64_t v, int64_t k) {
  LayerConfig c;
  c.inFeatures = in;
  c.outFeatures = out;
  c.vectorLen = v;
  c.numCentroids = k;
  return c;
}

/// out = 3, V = 2 (one padding row), K = 4, GS = in = 2.
/// centroids: c0 = (1, 2), c1 = (3, 4), c2 = (5, 6), c3 = (7, 8).
/// idx row 0 = [2, 0] covers output rows 0-1; row 1 = [1, 3] covers row 2
/// (row 3 is padding). So W = [[5, 1], [6, 2], [3, 7]].
QuantizedLinear basicLayer() {
  QuantizedLinear l;
  l.config = makeConfig(2, 3, 2, 4);
  l.config.fillDerivedDefaults();
  l.indices = {2, 0, 1, 3};
  l.centroids = {1, 2, 3, 4, 5, 6, 7, 8};
  return l;
}

} // namespace

TEST(Dequant, BasicWithPadding) {
  QuantizedLinear l = basicLayer();
  ASSERT_EQ(validate(l), "");
  std::vector<float> w = dequantize(l);
  EXPECT_EQ(w, (std::vector<float>{5, 1, 6, 2, 3, 7}));
}

/// The basic layer plus a residual codebook r0 = (0.5, 0.25), r1 = (-1, -2)
/// with residual indices [[1, 0], [0, 1]]:
/// W = [[5-1, 1+0.5], [6-2, 2+0.25], [3+0.5, 7-1]].
/// Packed with IB = 2, RB = 1: row 0 codes [1<<2|2, 0] = [6, 0] -> 6;
/// row 1 codes [0<<2|1, 1<<2|3] = [1, 7] -> 1 | 7 << 3 = 57.
TEST(Dequant, ResidualPackedAndUnpacked) {
  const std::vector<float> expected = {4, 1.5, 4, 2.25, 3.5, 6};
  QuantizedLinear unpacked = basicLayer();
  unpacked.config.numResCentroids = 2;
  unpacked.config.fillDerivedDefaults();
  unpacked.resIndices = {1, 0, 0, 1};
  unpacked.resCentroids = {0.5, 0.25, -1, -2};
  ASSERT_EQ(validate(unpacked), "");
  EXPECT_EQ(dequantize(unpacked), expected);

  QuantizedLinear packed = unpacked;
  packed.config.packed = true;
  packed.resIndices.clear();
  packed.indices = {6, 57};
  ASSERT_EQ(validate(packed), "");
  EXPECT_EQ(dequantize(packed), expected);
}

/// Two codebooks, one outlier column, permutation and norm, with bias.
/// in = OS 1 + 2 x GS 1 = 3, out = 2, V = 2, K = 2.
/// Codebook 0 = [(1, 2), (3, 4)], codebook 1 = [(10, 20), (30, 40)];
/// idx[0] = 1 -> column 1 = (3, 4); idx[1] = 0 -> column 2 = (10, 20).
/// Outliers Vo = 2, Ko = 2: [(100, 200), (300, 400)], oidx = 1 -> column 0.
/// Wq = [[300, 3, 10], [400, 4, 20]]. perm = [2, 0, 1] moves column i to
/// perm[i]: W = [[3, 10, 300], [4, 20, 400]]. scale = [1, 2, 0.5],
/// bias = [0, 1, -1]: W = [[3, 21, 149], [4, 41, 199]].
TEST(Dequant, CodebooksOutliersPermNorm) {
  QuantizedLinear l;
  l.config = makeConfig(3, 2, 2, 2);
  l.config.numCodebooks = 2;
  l.config.outlierSize = 1;
  l.config.outlierVectorLen = 2;
  l.config.numOutlierCentroids = 2;
  l.config.enablePerm = true;
  l.config.enableNorm = true;
  l.config.bias = true;
  l.config.fillDerivedDefaults();
  ASSERT_EQ(l.config.groupSize, 1);
  l.indices = {1, 0};
  l.centroids = {1, 2, 3, 4, 10, 20, 30, 40};
  l.outlierIndices = {1};
  l.outlierCentroids = {100, 200, 300, 400};
  l.perm = {2, 0, 1};
  l.weightScale = {1, 2, 0.5};
  l.weightBias = {0, 1, -1};
  l.bias = {1, -1};
  ASSERT_EQ(validate(l), "");
  EXPECT_EQ(dequantize(l), (std::vector<float>{3, 21, 149, 4, 41, 199}));

  // y = x W^T + b for x = [[1, 1, 1], [1, 0, -1]]:
  // row 0: [173 + 1, 244 - 1]; row 1: [3 - 149 + 1, 4 - 199 - 1].
  std::vector<float> y = linear(l, {1, 1, 1, 1, 0, -1}, 2);
  EXPECT_EQ(y, (std::vector<float>{174, 243, -145, -196}));
}

/// Outlier rows are padded separately: out = 3, Vo = 2 -> 2 outlier index
/// rows with one padding row. Main part V = 3, K = 2: [(1, 2, 3), (4, 5, 6)],
/// idx = 1 -> column 1 = (4, 5, 6). Outlier codebook Ko = 3:
/// [(10, 11), (20, 21), (30, 31)]; oidx = [2, 0] -> column 0 = (30, 31, 10).
TEST(Dequant, OutlierPadding) {
  QuantizedLinear l;
  l.config = makeConfig(2, 3, 3, 2);
  l.config.outlierSize = 1;
  l.config.outlierVectorLen = 2;
  l.config.numOutlierCentroids = 3;
  l.config.fillDerivedDefaults();
  l.indices = {1};
  l.centroids = {1, 2, 3, 4, 5, 6};
  l.outlierIndices = {2, 0};
  l.outlierCentroids = {10, 11, 20, 21, 30, 31};
  ASSERT_EQ(validate(l), "");
  EXPECT_EQ(dequantize(l), (std::vector<float>{30, 4, 31, 5, 10, 6}));
}

/// The reference implementation adds the residual in the model dtype; in
/// float16, 1 + 2^-11 rounds to 1 (a tie, to even).
TEST(Dequant, ModelDtypeRounding) {
  QuantizedLinear l = basicLayer();
  l.config.numResCentroids = 2;
  l.config.fillDerivedDefaults();
  l.centroids = {1, 1, 1, 1, 1, 1, 1, 1};
  l.resIndices = {0, 0, 0, 0};
  l.resCentroids = {std::ldexp(1.0f, -11), 0, 0, 0};
  std::vector<float> exact = dequantize(l, Rounding::None);
  std::vector<float> half = dequantize(l, Rounding::Half);
  EXPECT_EQ(exact[0], 1.0f + std::ldexp(1.0f, -11));
  EXPECT_EQ(half[0], 1.0f);
}

TEST(Dequant, ValidateNamesTheProblem) {
  QuantizedLinear l = basicLayer();
  l.indices[3] = 4;
  EXPECT_EQ(validate(l), "tensor 'indices' element 3 is 4, out of range for "
                         "4 centroids");
  l = basicLayer();
  l.centroids.pop_back();
  EXPECT_EQ(validate(l), "tensor 'centroids' has 7 elements, expected 8");
  l = basicLayer();
  l.config.enablePerm = true;
  l.perm = {1, 1};
  EXPECT_EQ(validate(l), "tensor 'perm' is not a permutation of [0, 2): "
                         "element 1 is 1 (repeated)");
  l.perm = {0, 2};
  EXPECT_EQ(validate(l), "tensor 'perm' is not a permutation of [0, 2): "
                         "element 1 is 2 (out of range)");
  l = basicLayer();
  l.config.vectorLen = 0;
  EXPECT_EQ(validate(l), "invalid layer configuration: vector_len must be "
                         "positive, got 0");
}

/// On random layers: packed and unpacked storage of the same indices
/// dequantize identically, and linear() equals x * W^T + b computed here.
TEST(Dequant, RandomPackedMatchesUnpackedAndLinear) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uni(-1, 1);
  for (int trial = 0; trial < 20; ++trial) {
    QuantizedLinear l;
    int64_t v = 1 + trial % 8;
    l.config = makeConfig(0, 5 + trial * 3, v, int64_t(1) << (1 + trial % 9));
    l.config.numCodebooks = 1 + trial % 3;
    l.config.groupSize = 3 + trial % 5;
    l.config.inFeatures = l.config.numCodebooks * l.config.groupSize;
    l.config.numResCentroids = trial % 2 ? 4 : 0;
    l.config.enablePerm = trial % 3 == 0;
    l.config.enableNorm = trial % 4 == 0;
    l.config.bias = trial % 5 == 0;
    l.config.fillDerivedDefaults();
    const LayerConfig &c = l.config;
    int64_t n = c.numCodebooks * c.numIndexRows() * c.groupSize;
    for (int64_t i = 0; i < n; ++i)
      l.indices.push_back(rng() % c.numCentroids);
    if (c.hasResidual())
      for (int64_t i = 0; i < n; ++i)
        l.resIndices.push_back(rng() % c.numResCentroids);
    for (int64_t i = 0; i < c.numCodebooks * c.numCentroids * v; ++i)
      l.centroids.push_back(uni(rng));
    for (int64_t i = 0; i < c.numCodebooks * c.numResCentroids * v; ++i)
      l.resCentroids.push_back(uni(rng));
    if (c.enablePerm) {
      for (int64_t i = 0; i < c.inFeatures; ++i)
        l.perm.push_back(i);
      std::shuffle(l.perm.begin(), l.perm.end(), rng);
    }
    for (int64_t i = 0; c.enableNorm && i < c.inFeatures; ++i) {
      l.weightScale.push_back(uni(rng));
      l.weightBias.push_back(uni(rng));
    }
    for (int64_t i = 0; c.bias && i < c.outFeatures; ++i)
      l.bias.push_back(uni(rng));
    ASSERT_EQ(validate(l), "");

    QuantizedLinear packed = l;
    packed.config.packed = true;
    int64_t words = packed.config.packedWordsPerRow();
    int64_t rows = c.numCodebooks * c.numIndexRows();
    packed.indices.assign(rows * words, 0);
    packed.resIndices.clear();
    for (int64_t r = 0; r < rows; ++r)
      packIndexRow(l.indices.data() + r * c.groupSize,
                   c.hasResidual() ? l.resIndices.data() + r * c.groupSize
                                   : nullptr,
                   c.groupSize, c.indexBits, c.resIndexBits,
                   packed.indices.data() + r * words);
    ASSERT_EQ(validate(packed), "");
    std::vector<float> w = dequantize(l);
    ASSERT_EQ(dequantize(packed), w);

    int64_t batch = 3;
    std::vector<float> x(batch * c.inFeatures);
    for (float &f : x)
      f = uni(rng);
    std::vector<float> y = linear(l, x, batch);
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t o = 0; o < c.outFeatures; ++o) {
        double acc = c.bias ? l.bias[o] : 0.0;
        for (int64_t j = 0; j < c.inFeatures; ++j)
          acc += double(x[b * c.inFeatures + j]) * w[o * c.inFeatures + j];
        ASSERT_NEAR(y[b * c.outFeatures + o], acc, 1e-5);
      }
  }
}
