//===- ShardingTest.cpp - indices laid out for a sharded codebook ---------===//

#include "vptq/Reference/Dequant.h"
#include "vptq/Reference/Sharding.h"
#include "../TestLayerConfig.h"

#include <gtest/gtest.h>
#include <vector>

using namespace vptq;
using namespace vptq::ref;

namespace {

struct Sharded {
  LayerConfig config;
  QuantizedLinear layer;
  HostTensor entries, offsets;
  std::string error;
};

Sharded shard(LayerConfig config, int64_t shards, uint64_t seed = 5) {
  config.fillDerivedDefaults();
  Sharded s;
  s.config = config;
  s.layer = makeRandomLayer(config, seed, DType::F16);
  LayerTensors tensors = encodeLayer(s.layer, DType::F16);
  s.error = shardIndices(config, tensors, shards, s.entries, s.offsets);
  return s;
}

} // namespace

// Every (shard, row) segment lists exactly that row's columns whose index
// falls into the shard, in column order, as perm[OS + g] | local << 16,
// padded to 4 entries with in_features.
TEST(Sharding, SegmentsHoldEachIndexOnce) {
  for (bool packed : {true, false}) {
    LayerConfig c = test::makeLayerConfig(96, 44, 4, 1024, 0, packed);
    c.enablePerm = true;
    c.outlierSize = 32;
    c.outlierVectorLen = 4;
    c.numOutlierCentroids = 16;
    const int64_t shards = 4;
    Sharded s = shard(c, shards);
    ASSERT_EQ(s.error, "");
    c = s.config;
    std::vector<uint32_t> idx, res;
    unpackAll(s.layer, idx, res);
    const int64_t ni = c.numIndexRows(), gs = c.groupSize;
    const int64_t size = c.numCentroids / shards;
    ASSERT_EQ(s.offsets.shape, (std::vector<int64_t>{shards, ni + 1}));
    ASSERT_EQ(s.entries.dtype, DType::I32);
    const int32_t *off = s.offsets.as<int32_t>();
    const uint32_t *e = s.entries.as<uint32_t>();
    EXPECT_EQ(off[0], 0);
    EXPECT_EQ(off[shards * (ni + 1) - 1], s.entries.numElements());
    int64_t seen = 0;
    for (int64_t sh = 0; sh < shards; ++sh)
      for (int64_t n = 0; n < ni; ++n) {
        int64_t begin = off[sh * (ni + 1) + n], end = off[sh * (ni + 1) + n + 1];
        ASSERT_EQ(begin % kShardEntryAlign, 0);
        ASSERT_LE(begin, end);
        std::vector<uint32_t> expected;
        for (int64_t g = 0; g < gs; ++g) {
          uint32_t k = idx[n * gs + g];
          if (int64_t(k) / size == sh)
            expected.push_back(uint32_t(s.layer.perm[c.outlierSize + g]) |
                               uint32_t(k - sh * size) << 16);
        }
        seen += int64_t(expected.size());
        ASSERT_GE(end - begin, int64_t(expected.size()));
        ASSERT_LT(end - begin, int64_t(expected.size()) + kShardEntryAlign);
        for (int64_t i = 0; i < end - begin; ++i)
          EXPECT_EQ(e[begin + i], i < int64_t(expected.size())
                                      ? expected[i]
                                      : uint32_t(c.inFeatures))
              << "shard " << sh << " row " << n << " entry " << i;
      }
    EXPECT_EQ(seen, ni * gs);
  }
}

TEST(Sharding, RejectsLayersItCannotLayOut) {
  LayerConfig residual = test::makeLayerConfig(64, 16, 8, 256, 16);
  EXPECT_NE(shard(residual, 2).error.find("no residual"), std::string::npos);
  LayerConfig plain = test::makeLayerConfig(64, 16, 8, 256);
  EXPECT_NE(shard(plain, 3).error.find("cannot split 256 centroids into 3"),
            std::string::npos);
  LayerConfig groups = test::makeLayerConfig(64, 16, 8, 256);
  groups.numCodebooks = 2;
  groups.groupSize = 32;
  EXPECT_NE(shard(groups, 2).error.find("one codebook group"),
            std::string::npos);
}

// Tensors the layout cannot trust are named: an index past the codebook,
// a perm element past in_features, and in_features too wide for the
// entries' 16-bit columns.
TEST(Sharding, RejectsBadTensors) {
  LayerConfig c = test::makeLayerConfig(64, 16, 8, 256, 0, /*packed=*/false);
  c.enablePerm = true;
  c.fillDerivedDefaults();
  QuantizedLinear layer = makeRandomLayer(c, 9, DType::F16);
  LayerTensors tensors = encodeLayer(layer, DType::F16);
  HostTensor entries, offsets;
  tensors.indices.as<uint16_t>()[5] = 300;
  EXPECT_EQ(shardIndices(c, tensors, 2, entries, offsets),
            "'indices' element [0, 0, 5] = 300 is not below num_centroids = "
            "256");
  tensors = encodeLayer(layer, DType::F16);
  ASSERT_EQ(tensors.perm.dtype, DType::I64); // unpacked layers store int64
  tensors.perm.as<int64_t>()[3] = 64;
  EXPECT_EQ(shardIndices(c, tensors, 2, entries, offsets),
            "'perm' element 3 = 64 is not below in_features = 64");
  LayerConfig wide = test::makeLayerConfig(65536, 8, 8, 256);
  EXPECT_NE(shard(wide, 2).error.find("in_features = 65536 is too large"),
            std::string::npos);
}
