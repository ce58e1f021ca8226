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
  // Past 2^62 the count used to loop forever (a shift by 64).
  EXPECT_EQ(bitsToAddress((int64_t(1) << 62) + 1), 63);
  EXPECT_EQ(bitsToAddress(INT64_MAX), 63);
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

namespace {

TEST(ParseLayerAssignments, FillsAndVerifies) {
  vptq::ref::LayerConfig c;
  ASSERT_EQ(vptq::ref::parseLayerAssignments(
                "in_features=4096, out_features=11008,vector_len=8,"
                "num_centroids=65536,num_res_centroids=256,packed,enable_perm=true,"
                "bias=false",
                c),
            "");
  EXPECT_EQ(c.inFeatures, 4096);
  EXPECT_EQ(c.outFeatures, 11008);
  EXPECT_EQ(c.numResCentroids, 256);
  EXPECT_TRUE(c.packed);
  EXPECT_TRUE(c.enablePerm);
  EXPECT_FALSE(c.bias);
  EXPECT_EQ(c.indexBits, 16);
  EXPECT_EQ(c.resIndexBits, 8);
  EXPECT_EQ(c.groupSize, 4096);
}

TEST(ParseLayerAssignments, NamesTheProblem) {
  vptq::ref::LayerConfig c;
  using vptq::ref::parseLayerAssignments;
  EXPECT_EQ(parseLayerAssignments("in_features=64,out_features=8,vector_len=8", c),
            "'num_centroids' is required");
  EXPECT_NE(parseLayerAssignments("in_features=64,colour=8", c).find(
                "unknown key 'colour' (known: in_features"),
            std::string::npos);
  EXPECT_EQ(parseLayerAssignments("in_features=x", c),
            "'in_features' needs a non-negative integer, got 'x'");
  EXPECT_EQ(parseLayerAssignments("packed=maybe", c),
            "'packed' needs true or false, got 'maybe'");
  EXPECT_EQ(parseLayerAssignments("bias,bias", c), "'bias' is given twice");
  // Verification runs: 65536 centroids need 16 index bits.
  EXPECT_NE(parseLayerAssignments("in_features=64,out_features=8,vector_len=8,"
                                  "num_centroids=65536,index_bits=8",
                                  c)
                .find("index_bits"),
            std::string::npos);
}

// Hardening (found by fuzzing): counts that hung, and sizes whose products
// overflow, are refused with the key's name.
TEST(ParseLayerAssignments, HugeValuesAreRefused) {
  vptq::ref::LayerConfig c;
  using vptq::ref::parseLayerAssignments;
  EXPECT_EQ(parseLayerAssignments("in_features=64,out_features=8,vector_len=8,"
                                  "num_centroids=9223372036854775807",
                                  c),
            "num_centroids must be in [2, 65536], got 9223372036854775807");
  EXPECT_EQ(parseLayerAssignments("in_features=64,out_features=8,vector_len=8,"
                                  "num_centroids=256,"
                                  "num_res_centroids=4611686018427387905",
                                  c),
            "num_res_centroids must be 0 (no residual) or in [2, 65536], got "
            "4611686018427387905");
  EXPECT_EQ(parseLayerAssignments("in_features=4611686018427387904,"
                                  "out_features=8,vector_len=8,"
                                  "num_centroids=256,num_codebooks=4",
                                  c),
            "in_features must be at most 16777216, got 4611686018427387904");
  EXPECT_EQ(parseLayerAssignments("in_features=64,out_features=8,vector_len=8,"
                                  "num_centroids=256,num_codebooks=2,"
                                  "group_size=4611686018427387904",
                                  c),
            "group_size must be at most 64, got 4611686018427387904");
}

} // namespace
