//===- LayerConfigTest.cpp - consistency rules of the format --------------===//

#include "vptq/Reference/LayerConfig.h"

#include <gtest/gtest.h>

using namespace vptq::ref;

namespace {
/// Llama-2-7B down_proj-like v8-k65536-256 layer.
LayerConfig typical() {
  LayerConfig c;
  c.inFeatures = 11008;
  c.outFeatures = 4096;
  c.vectorLen = 8;
  c.numCentroids = 65536;
  c.numResCentroids = 256;
  c.packed = true;
  c.fillDerivedDefaults();
  return c;
}
} // namespace

TEST(LayerConfig, DerivedQuantities) {
  LayerConfig c = typical();
  EXPECT_EQ(c.groupSize, 11008);
  EXPECT_EQ(c.indexBits, 16);
  EXPECT_EQ(c.resIndexBits, 8);
  EXPECT_EQ(c.padding(), 0);
  EXPECT_EQ(c.numIndexRows(), 512);
  EXPECT_EQ(c.packedWordsPerRow(), 11008 * 24 / 32);
  EXPECT_DOUBLE_EQ(c.indexBitsPerWeight(), 3.0);
  EXPECT_EQ(c.verify(), "");

  c.outFeatures = 30;
  EXPECT_EQ(c.padding(), 2);
  EXPECT_EQ(c.numIndexRows(), 4);
  EXPECT_EQ(bitsToAddress(1), 0);
  EXPECT_EQ(bitsToAddress(2), 1);
  EXPECT_EQ(bitsToAddress(3), 2);
  EXPECT_EQ(bitsToAddress(4096), 12);
  EXPECT_EQ(bitsToAddress(4097), 13);
}

TEST(LayerConfig, OutlierQuantities) {
  LayerConfig c;
  c.inFeatures = 100;
  c.outFeatures = 7;
  c.vectorLen = 4;
  c.numCentroids = 16;
  c.outlierSize = 4;
  c.outlierVectorLen = 2;
  c.numOutlierCentroids = 8;
  c.numCodebooks = 2;
  c.fillDerivedDefaults();
  EXPECT_EQ(c.groupSize, 48);
  EXPECT_EQ(c.outlierPadding(), 1);
  EXPECT_EQ(c.numOutlierIndexRows(), 4);
  EXPECT_EQ(c.verify(), "");
}

TEST(LayerConfig, RejectsEachInconsistency) {
  auto expectError = [](LayerConfig c, const std::string &fragment) {
    std::string msg = c.verify();
    EXPECT_NE(msg.find(fragment), std::string::npos)
        << "message '" << msg << "' lacks '" << fragment << "'";
  };
  LayerConfig c = typical();
  c.groupSize = 11000;
  expectError(c, "in_features (11008) must equal outlier_size (0) + "
                 "num_codebooks (1) x group_size (11000) = 11000");
  c = typical();
  c.vectorLen = 0;
  expectError(c, "vector_len must be positive, got 0");
  c = typical();
  c.numCentroids = 65537;
  expectError(c, "num_centroids must be in [2, 65536], got 65537");
  c = typical();
  c.numResCentroids = 1;
  expectError(c, "num_res_centroids must be 0 (no residual) or in [2, 65536]");
  c = typical();
  c.indexBits = 12;
  expectError(c, "index_bits = 12 cannot address num_centroids = 65536 "
                 "(needs 16 to 16 bits)");
  c = typical();
  c.resIndexBits = 7;
  expectError(c, "res_index_bits = 7 cannot address num_res_centroids = 256");
  c = typical();
  c.numResCentroids = 0;
  expectError(c, "res_index_bits = 8 given without a residual codebook");
  c = typical();
  c.outlierSize = 8;
  c.groupSize = 11000;
  expectError(c, "outlier_size = 8 needs outlier_vector_len >= 2");
  c = typical();
  c.outlierVectorLen = 4;
  expectError(c, "must be 0 when outlier_size is 0");
}
