//===- Sharding.h - Indices laid out for a sharded codebook -----*- C++ -*-===//
//
// The derived kernel arguments of vptq.matmul's sharded form: a layer's
// main indices regrouped by the codebook shard their index falls into (see
// the op's documentation). Plain C++: the runtime builds them when it loads
// a layer whose kernel takes them.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_SHARDING_H
#define VPTQ_REFERENCE_SHARDING_H

#include "vptq/Reference/Storage.h"

#include <cstdint>
#include <string>

namespace vptq::ref {

/// Entries of one row of a shard are padded to a multiple of this (one
/// 16-byte load of four entries).
inline constexpr int64_t kShardEntryAlign = 4;

/// Builds `entries` (I32 [total]) and `offsets` (I32 [shards, NI + 1]) from
/// the checkpoint tensors of a layer with one codebook group and no
/// residual: for shard s and index row n, entries offsets[s, n] ..
/// offsets[s, n + 1] are `column | (index - s * K / shards) << 16` for the
/// row's columns g in order whose index lies in shard s, `column` being the
/// input column after the permutation (perm[OS + g], or OS + g), padded
/// with in_features. Returns "" or a message naming the tensor or the
/// limit that prevents it (indices past the codebook, in_features of 65536
/// or more, shards not a power of two dividing K).
std::string shardIndices(const LayerConfig &config, const LayerTensors &tensors,
                         int64_t shards, HostTensor &entries,
                         HostTensor &offsets);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_SHARDING_H
