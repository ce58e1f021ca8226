//===- Tuning.h - The autotuner's database of kernel decisions --*- C++ -*-===//
//
// vptq-tune times candidate tilings and codebook placements of a layer on a
// GPU and records the fastest per (arch, layer, batch) in a JSON database;
// vptq-compile (--tuning) and the runtime's JIT (RuntimeOptions::tuning,
// $VPTQ_TUNING_DB) read it. A specification that already carries decisions
// is never changed; one without falls back to the compiler's heuristics
// when the database has no entry. Plain C++.
//
//   {"format_version": 1,
//    "entries": [{"arch": "sm_90a", "layer": "<LinearSpec::key() without
//                 decisions and batch>", "batch": 1,
//                 "tiling": {"block_rows": 4, "warps_per_row": 2,
//                            "batch_tile": 1, "k_chunk": 512,
//                            "mma": false, "persistent_blocks": 0},
//                 "placement": {"centroids": "shared", "res_centroids": ""},
//                 "us": 12.5, "heuristic_us": 15.1, "candidates": 9,
//                 "device": "NVIDIA H100 80GB HBM3"}]}
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_TUNING_H
#define VPTQ_ABI_TUNING_H

#include "vptq/ABI/KernelSpec.h"

#include <string>
#include <vector>

namespace vptq {

struct TuningEntry {
  std::string arch;
  /// tuningKey() of the layer.
  std::string layer;
  /// The batch the decisions were timed at.
  int64_t batch = 1;
  int64_t blockRows = 0, warpsPerRow = 0, batchTile = 0, kChunk = 0;
  /// Tensor cores (#vptq.tiling mma).
  bool mma = false;
  /// Persistent blocks (#vptq.tiling persistent_blocks; 0: none).
  int64_t persistentBlocks = 0;
  /// Weights dequantized into shared memory (#vptq.tiling shared_weights).
  bool sharedWeights = false;
  /// Activations staged in shared memory (#vptq.tiling staged_inputs).
  bool stagedInputs = false;
  /// Warpgroups on register weights (#vptq.tiling register_wgmma).
  bool registerWgmma = false;
  std::string centroidsPlacement, resCentroidsPlacement;
  /// Codebook shards (LinearSpec::codebookShards; -1: left to the
  /// compiler, which drops the entry's tiling when it shards).
  int64_t codebookShards = -1;
  /// Median times of the winner and of the heuristic choice (0: unknown).
  double us = 0, heuristicUs = 0;
  int64_t candidates = 0;
  std::string device;
};

/// The key a database entry is looked up by: the specification's key with
/// its decisions cleared and a dynamic batch.
std::string tuningKey(const LinearSpec &spec);

/// Whether `spec` carries any kernel decision (tiling or placement).
bool hasDecisions(const LinearSpec &spec);

class TuningDatabase {
public:
  /// Reads `path`; "" on success, else an error naming the file.
  std::string load(const std::string &path);
  /// Writes the database to `path` (entries sorted); "" or an error.
  std::string save(const std::string &path) const;

  /// Adds `entry`, replacing those of the same arch and layer whose batch
  /// is of the same kind (runtimeBatchHint): one kernel serves a kind.
  void add(const TuningEntry &entry);
  const std::vector<TuningEntry> &entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  /// The entry for `spec` on `arch`: among those of the same kind of kernel
  /// (runtimeBatchHint: decode, prompt or long prompt), the one timed at the largest
  /// batch not above spec's (a dynamic batch counts as 1, a prompt kernel's
  /// as its hint), else the smallest; null if there is none.
  const TuningEntry *lookup(const std::string &arch,
                            const LinearSpec &spec) const;
  /// Fills spec's decisions from lookup() when it has none; true if it did.
  bool apply(const std::string &arch, LinearSpec &spec) const;

private:
  std::vector<TuningEntry> entries_;
};

} // namespace vptq

#endif // VPTQ_ABI_TUNING_H
