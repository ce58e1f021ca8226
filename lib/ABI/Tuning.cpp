//===- Tuning.cpp - The autotuner's database of kernel decisions ----------===//

#include "vptq/ABI/Tuning.h"
#include "vptq/Support/FileOutput.h"

#include "JSONInts.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <tuple>

using namespace vptq;
using nlohmann::json;

std::string vptq::tuningKey(const LinearSpec &spec) {
  LinearSpec s = spec;
  s.batch = -1;
  s.batchHint = 0;
  s.blockRows = s.warpsPerRow = s.batchTile = s.kChunk = 0;
  s.mma = -1;
  s.persistentBlocks = -1;
  s.sharedWeights = -1;
  s.stagedInputs = -1;
  s.registerWgmma = -1;
  s.codebookShards = -1;
  // A gated down projection runs the tiling tuned for the plain one.
  s.gatedInput = false;
  s.centroidsPlacement.clear();
  s.resCentroidsPlacement.clear();
  return s.key();
}

bool vptq::hasDecisions(const LinearSpec &s) {
  return s.blockRows || s.warpsPerRow || s.batchTile || s.kChunk ||
         s.mma >= 0 || s.persistentBlocks >= 0 || s.sharedWeights >= 0 ||
         s.stagedInputs >= 0 || s.registerWgmma >= 0 ||
         !s.centroidsPlacement.empty() || !s.resCentroidsPlacement.empty();
}

std::string TuningDatabase::load(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    return "cannot read tuning database " + path;
  try {
    json j = json::parse(in);
    if (j.value("format_version", 0) != 1)
      return path + ": unsupported format_version (expected 1)";
    entries_.clear();
    for (const json &e : j.at("entries")) {
      TuningEntry t;
      t.arch = e.at("arch").get<std::string>();
      t.layer = e.at("layer").get<std::string>();
      t.batch = detail::jsonIntAt(e, "batch");
      const json &tiling = e.at("tiling");
      t.blockRows = detail::jsonIntAt(tiling, "block_rows");
      t.warpsPerRow = detail::jsonIntAt(tiling, "warps_per_row");
      t.batchTile = detail::jsonIntAt(tiling, "batch_tile");
      t.kChunk = detail::jsonIntAt(tiling, "k_chunk");
      t.mma = tiling.value("mma", false);
      t.persistentBlocks = detail::jsonIntOr(tiling, "persistent_blocks", 0);
      t.sharedWeights = tiling.value("shared_weights", false);
      t.stagedInputs = tiling.value("staged_inputs", false);
      t.registerWgmma = tiling.value("register_wgmma", false);
      t.codebookShards = detail::jsonIntOr(e, "codebook_shards", -1);
      if (t.blockRows <= 0 || t.warpsPerRow <= 0 || t.batchTile <= 0 ||
          t.kChunk <= 0)
        return path + ": entry for " + t.layer + " has a non-positive tiling";
      if (t.persistentBlocks < 0)
        return path + ": entry for " + t.layer +
               " has a negative persistent_blocks";
      if (e.contains("placement")) {
        t.centroidsPlacement = e["placement"].value("centroids", "");
        t.resCentroidsPlacement = e["placement"].value("res_centroids", "");
      }
      t.us = e.value("us", 0.0);
      t.heuristicUs = e.value("heuristic_us", 0.0);
      t.candidates = detail::jsonIntOr(e, "candidates", 0);
      t.device = e.value("device", "");
      add(t);
    }
  } catch (const std::exception &e) {
    return path + ": " + e.what();
  }
  return {};
}

std::string TuningDatabase::save(const std::string &path) const {
  std::vector<TuningEntry> sorted = entries_;
  std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
    return std::tie(a.arch, a.layer, a.batch) <
           std::tie(b.arch, b.layer, b.batch);
  });
  json entries = json::array();
  for (const TuningEntry &t : sorted) {
    entries.push_back({{"arch", t.arch},
                       {"layer", t.layer},
                       {"batch", t.batch},
                       {"tiling",
                        {{"block_rows", t.blockRows},
                         {"warps_per_row", t.warpsPerRow},
                         {"batch_tile", t.batchTile},
                         {"k_chunk", t.kChunk},
                         {"mma", t.mma},
                         {"persistent_blocks", t.persistentBlocks},
                         {"shared_weights", t.sharedWeights}}},
                       {"placement",
                        {{"centroids", t.centroidsPlacement},
                         {"res_centroids", t.resCentroidsPlacement}}},
                       {"us", t.us},
                       {"heuristic_us", t.heuristicUs},
                       {"candidates", t.candidates},
                       {"device", t.device}});
    if (t.stagedInputs)
      entries.back()["tiling"]["staged_inputs"] = true;
    if (t.registerWgmma)
      entries.back()["tiling"]["register_wgmma"] = true;
    if (t.codebookShards >= 0)
      entries.back()["codebook_shards"] = t.codebookShards;
  }
  return support::writeFileAtomically(
      path, json({{"format_version", 1}, {"entries", entries}}).dump(2) + "\n");
}

namespace {

/// Decode (batch 1-3), prompt (4-31), mid-batch (32-127) and long-prompt
/// (128 and more) kernels are different kernels: one entry serves a kind,
/// and no kind borrows another's (a batch-1 tiling made a 7B prefill 3x
/// slower).
bool sameKind(int64_t batch, int64_t other) {
  return runtimeBatchHint(batch) == runtimeBatchHint(other);
}

/// sm_90 and sm_90a run the same tilings best.
std::string baseArch(const std::string &arch) {
  if (arch.rfind("sm_", 0) == 0 && !arch.empty() && arch.back() == 'a')
    return arch.substr(0, arch.size() - 1);
  return arch;
}

} // namespace

void TuningDatabase::add(const TuningEntry &entry) {
  entries_.erase(std::remove_if(entries_.begin(), entries_.end(),
                                [&](const TuningEntry &t) {
                                  return t.arch == entry.arch &&
                                         t.layer == entry.layer &&
                                         sameKind(t.batch, entry.batch);
                                }),
                 entries_.end());
  entries_.push_back(entry);
}

const TuningEntry *TuningDatabase::lookup(const std::string &arch,
                                          const LinearSpec &spec) const {
  std::string key = tuningKey(spec), base = baseArch(arch);
  int64_t batch = decisionBatch(spec);
  const TuningEntry *below = nullptr, *smallest = nullptr;
  for (const TuningEntry &t : entries_) {
    if (baseArch(t.arch) != base || t.layer != key || !sameKind(t.batch, batch))
      continue;
    if (t.batch <= batch && (!below || t.batch > below->batch))
      below = &t;
    if (!smallest || t.batch < smallest->batch)
      smallest = &t;
  }
  return below ? below : smallest;
}

bool TuningDatabase::apply(const std::string &arch, LinearSpec &spec) const {
  if (spec.dense || hasDecisions(spec))
    return false;
  const TuningEntry *t = lookup(arch, spec);
  if (!t)
    return false;
  spec.blockRows = t->blockRows;
  spec.warpsPerRow = t->warpsPerRow;
  spec.batchTile = t->batchTile;
  spec.kChunk = t->kChunk;
  spec.mma = t->mma ? 1 : 0;
  spec.persistentBlocks = t->persistentBlocks;
  spec.sharedWeights = t->sharedWeights ? 1 : 0;
  spec.stagedInputs = t->stagedInputs ? 1 : 0;
  spec.registerWgmma = t->registerWgmma ? 1 : 0;
  spec.centroidsPlacement = t->centroidsPlacement;
  spec.resCentroidsPlacement = t->resCentroidsPlacement;
  spec.codebookShards = t->codebookShards;
  return true;
}
