//===- Sharding.cpp - Indices laid out for a sharded codebook -------------===//

#include "vptq/Reference/Sharding.h"
#include "vptq/Reference/Packing.h"

#include "Parallel.h"

#include <algorithm>
#include <vector>

using namespace vptq;
using namespace vptq::ref;

std::string vptq::ref::shardIndices(const LayerConfig &c,
                                    const LayerTensors &tensors,
                                    int64_t shards, HostTensor &entries,
                                    HostTensor &offsets) {
  if (c.numCodebooks != 1 || c.hasResidual())
    return "sharded indices need one codebook group and no residual "
           "codebook";
  if (shards < 1 || (shards & (shards - 1)) != 0 ||
      c.numCentroids % shards != 0 || c.numCentroids / shards > 65536)
    return "cannot split " + std::to_string(c.numCentroids) +
           " centroids into " + std::to_string(shards) +
           " shards of at most 65536 (a power of two dividing them)";
  if (c.inFeatures >= 65536)
    return "sharded index entries hold 16-bit columns: in_features = " +
           std::to_string(c.inFeatures) + " is too large";
  if (std::string err = checkLayerTensors(c, tensors); !err.empty())
    return err;
  const int64_t ni = c.numIndexRows(), gs = c.groupSize;
  const int64_t shardSize = c.numCentroids / shards;
  // The input column of quantized column g.
  std::vector<uint32_t> column(gs);
  for (int64_t g = 0; g < gs; ++g)
    column[g] = uint32_t(c.enablePerm
                             ? tensors.perm.unsignedAt(c.outlierSize + g)
                             : c.outlierSize + g);
  for (int64_t g = 0; g < gs; ++g)
    if (column[g] >= uint32_t(c.inFeatures))
      return "'perm' element " + std::to_string(c.outlierSize + g) + " = " +
             std::to_string(column[g]) + " is not below in_features = " +
             std::to_string(c.inFeatures);

  // Decode every row once and count each (shard, row), rows split over
  // threads (a 7B model has 224 layers of up to 5.6 M indices).
  std::vector<uint32_t> idx(size_t(ni) * gs);
  std::vector<int64_t> counts(size_t(shards) * ni, 0);
  const HostTensor &stored = tensors.indices;
  const int shift = (shardSize & (shardSize - 1)) == 0
                        ? __builtin_ctzll(uint64_t(shardSize))
                        : -1;
  auto shardOf = [&](uint32_t index) {
    return shift >= 0 ? int64_t(index >> shift) : int64_t(index / shardSize);
  };
  std::vector<std::string> errors(ni);
  parallelRows(ni, 64, [&](int64_t n) {
    uint32_t *row = idx.data() + size_t(n) * gs;
    if (c.packed) {
      unpackIndexRow(stored.as<uint32_t>() + size_t(n) * c.packedWordsPerRow(),
                     gs, c.indexBits, 0, row, nullptr);
    } else {
      for (int64_t g = 0; g < gs; ++g)
        row[g] = uint32_t(stored.unsignedAt(n * gs + g));
    }
    for (int64_t g = 0; g < gs; ++g) {
      if (row[g] >= uint32_t(c.numCentroids)) {
        errors[n] = "'indices' element [0, " + std::to_string(n) + ", " +
                    std::to_string(g) + "] = " + std::to_string(row[g]) +
                    " is not below num_centroids = " +
                    std::to_string(c.numCentroids);
        return;
      }
      ++counts[size_t(shardOf(row[g])) * ni + n];
    }
  });
  for (const std::string &err : errors)
    if (!err.empty())
      return err;
  offsets = HostTensor(DType::I32, {shards, ni + 1});
  int32_t *off = offsets.as<int32_t>();
  int64_t total = 0;
  for (int64_t s = 0; s < shards; ++s) {
    for (int64_t n = 0; n < ni; ++n) {
      off[s * (ni + 1) + n] = int32_t(total);
      int64_t count = counts[size_t(s) * ni + n];
      total += (count + kShardEntryAlign - 1) / kShardEntryAlign *
               kShardEntryAlign;
    }
    off[s * (ni + 1) + ni] = int32_t(total);
  }
  if (total > INT32_MAX)
    return "the layer has too many indices for 32-bit shard offsets";
  entries = HostTensor(DType::I32, {total});
  uint32_t *out = entries.as<uint32_t>();
  const uint32_t pad = uint32_t(c.inFeatures);
  parallelRows(ni, 64, [&](int64_t n) {
    const uint32_t *row = idx.data() + size_t(n) * gs;
    for (int64_t s = 0; s < shards; ++s) {
      int64_t at = off[s * (ni + 1) + n];
      const int64_t end = off[s * (ni + 1) + n + 1];
      const uint32_t first = uint32_t(s * shardSize);
      for (int64_t g = 0; g < gs; ++g)
        if (shardOf(row[g]) == s)
          out[at++] = column[g] | ((row[g] - first) << 16);
      while (at < end)
        out[at++] = pad;
    }
  });
  return "";
}
