//===- TuningTest.cpp - The autotuner's database --------------------------===//

#include "vptq/ABI/Tuning.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

using namespace vptq;

namespace {

LinearSpec layer(int64_t out = 11008, int64_t in = 4096) {
  LinearSpec s;
  s.config.inFeatures = in;
  s.config.outFeatures = out;
  s.config.vectorLen = 8;
  s.config.numCentroids = 65536;
  s.config.groupSize = in;
  s.config.indexBits = 16;
  s.config.packed = true;
  return s;
}

TuningEntry entry(const LinearSpec &s, int64_t batch, int64_t blockRows) {
  TuningEntry t;
  t.arch = "sm_90a";
  t.layer = tuningKey(s);
  t.batch = batch;
  t.blockRows = blockRows;
  t.warpsPerRow = 1;
  t.batchTile = batch >= 4 ? 4 : 1;
  t.kChunk = 256;
  t.centroidsPlacement = "global";
  t.us = 10.0 * blockRows;
  return t;
}

std::string tempPath(const std::string &name) {
  return (std::filesystem::path(testing::TempDir()) / name).string();
}

TEST(Tuning, KeyIgnoresDecisionsAndBatch) {
  LinearSpec a = layer(), b = layer();
  b.batch = 16;
  b.blockRows = 4;
  b.centroidsPlacement = "shared";
  EXPECT_EQ(tuningKey(a), tuningKey(b));
  EXPECT_FALSE(hasDecisions(a));
  EXPECT_TRUE(hasDecisions(b));
  EXPECT_NE(tuningKey(a), tuningKey(layer(4096, 4096)));
  // The prompt kernel's hint is part of its key, not of the layer's.
  LinearSpec prompt = layer();
  prompt.batchHint = kBatchedHint;
  EXPECT_NE(prompt.key(), a.key());
  EXPECT_NE(prompt.key().find("-b-1-h16-"), std::string::npos);
  EXPECT_EQ(tuningKey(prompt), tuningKey(a));
  EXPECT_EQ(decisionBatch(a), 1);
  EXPECT_EQ(decisionBatch(prompt), 16);
  EXPECT_EQ(decisionBatch(b), 16);
}

TEST(Tuning, RuntimeBatchHints) {
  // Decode, prompts, tens of rows, long prompts.
  EXPECT_EQ(runtimeBatchHint(1), 0);
  EXPECT_EQ(runtimeBatchHint(kBatchedThreshold - 1), 0);
  EXPECT_EQ(runtimeBatchHint(kBatchedThreshold), kBatchedHint);
  EXPECT_EQ(runtimeBatchHint(kMidBatchThreshold - 1), kBatchedHint);
  EXPECT_EQ(runtimeBatchHint(kMidBatchThreshold), kMidBatchHint);
  EXPECT_EQ(runtimeBatchHint(kLargeBatchThreshold - 1), kMidBatchHint);
  EXPECT_EQ(runtimeBatchHint(kLargeBatchThreshold), kLargeBatchHint);
  EXPECT_EQ(runtimeBatchHint(4096), kLargeBatchHint);
  // Each hint is a batch of its own tier.
  for (int64_t hint : kRuntimeBatchHints)
    EXPECT_EQ(runtimeBatchHint(hint), hint);
}

TEST(Tuning, LookupPicksTheLargestBatchNotAbove) {
  TuningDatabase db;
  LinearSpec s = layer();
  db.add(entry(s, 1, 2));
  db.add(entry(s, 16, 8));
  db.add(entry(s, 64, 16));
  s.batch = -1; // dynamic: tuned for batch 1
  ASSERT_NE(db.lookup("sm_90a", s), nullptr);
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 2);
  s.batch = 20;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 8);
  s.batch = 100;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 16);
  // Batches of kMidBatchThreshold rows and more have kernels of their own:
  // the 64-row entry, not the 16-row one, even below 64 rows.
  s.batch = kMidBatchThreshold;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 16);
  s.batch = kMidBatchThreshold - 1;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 8);
  // Long prompts (kLargeBatchThreshold rows and more) have kernels of their
  // own: the 16-64-row entries are not theirs.
  s.batch = 256;
  EXPECT_EQ(db.lookup("sm_90a", s), nullptr);
  db.add(entry(s, 256, 4));
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 4);
  s.batch = kLargeBatchThreshold;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 4);
  s.batch = kLargeBatchThreshold - 1;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 16);
  // A dynamic batch with a hint: the hint's entry.
  s.batch = -1;
  s.batchHint = kBatchedHint;
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 8);
  // sm_90 (what the driver reports) shares sm_90a's entries; others don't.
  EXPECT_NE(db.lookup("sm_90", s), nullptr);
  EXPECT_EQ(db.lookup("sm_80", s), nullptr);
  EXPECT_EQ(db.lookup("sm_90a", layer(4096, 4096)), nullptr);
  // Decode and prompt kernels never use each other's entries.
  TuningDatabase big;
  big.add(entry(s, 16, 8));
  LinearSpec one = layer();
  EXPECT_EQ(big.lookup("sm_90a", one), nullptr);
  one.batch = 3;
  EXPECT_EQ(big.lookup("sm_90a", one), nullptr);
  one.batch = 4;
  EXPECT_EQ(big.lookup("sm_90a", one)->batch, 16);
  TuningDatabase small;
  small.add(entry(s, 1, 2));
  LinearSpec prompt = layer();
  prompt.batchHint = kBatchedHint;
  EXPECT_EQ(small.lookup("sm_90a", prompt), nullptr);
  prompt.batchHint = 0;
  prompt.batch = 2;
  EXPECT_EQ(small.lookup("sm_90a", prompt)->blockRows, 2);
}

TEST(Tuning, ApplyFillsOnlyUndecidedSpecs) {
  TuningDatabase db;
  LinearSpec s = layer();
  db.add(entry(s, 1, 2));
  LinearSpec undecided = s;
  ASSERT_TRUE(db.apply("sm_90a", undecided));
  EXPECT_EQ(undecided.blockRows, 2);
  EXPECT_EQ(undecided.kChunk, 256);
  EXPECT_EQ(undecided.centroidsPlacement, "global");
  LinearSpec decided = s;
  decided.warpsPerRow = 4;
  EXPECT_FALSE(db.apply("sm_90a", decided));
  EXPECT_EQ(decided.blockRows, 0);
  LinearSpec dense = makeDenseSpec(4096, 11008, false, ref::DType::F16,
                                   ref::DType::F16);
  EXPECT_FALSE(db.apply("sm_90a", dense));
  // A second entry for the same (arch, layer, batch) replaces the first.
  db.add(entry(s, 1, 4));
  EXPECT_EQ(db.entries().size(), 1u);
  EXPECT_EQ(db.lookup("sm_90a", s)->blockRows, 4);
}

TEST(Tuning, SaveAndLoadRoundTrip) {
  TuningDatabase db;
  LinearSpec s = layer();
  db.add(entry(s, 16, 8));
  TuningEntry persistent = entry(s, 1, 2);
  persistent.persistentBlocks = 264;
  db.add(persistent);
  // Another layer: one entry per layer and kind of batch (32 and 64 are
  // both mid-batch).
  TuningEntry shared = entry(layer(4096, 4096), 64, 8);
  shared.mma = true;
  shared.sharedWeights = true;
  db.add(shared);
  TuningEntry staged = entry(s, 32, 8);
  staged.mma = true;
  staged.stagedInputs = true;
  db.add(staged);
  TuningEntry registers = entry(s, 256, 8);
  registers.mma = true;
  registers.registerWgmma = true;
  db.add(registers);
  std::string path = tempPath("vptq-tuning-roundtrip.json");
  ASSERT_EQ(db.save(path), "");
  TuningDatabase back;
  ASSERT_EQ(back.load(path), "");
  ASSERT_EQ(back.entries().size(), 5u);
  // Sorted by layer ("in4096-out11008" first), then batch.
  EXPECT_TRUE(back.entries()[3].registerWgmma);
  EXPECT_FALSE(back.entries()[2].registerWgmma);
  EXPECT_TRUE(back.entries()[4].sharedWeights);
  EXPECT_FALSE(back.entries()[1].sharedWeights);
  EXPECT_TRUE(back.entries()[2].stagedInputs);
  EXPECT_FALSE(back.entries()[4].stagedInputs);
  // Applied to a spec: the decision travels into its key.
  LinearSpec applied = s;
  applied.batch = 40;
  ASSERT_TRUE(back.apply("sm_90a", applied));
  EXPECT_EQ(applied.stagedInputs, 1);
  EXPECT_NE(applied.key().find("-si1"), std::string::npos);
  EXPECT_EQ(applied.registerWgmma, 0);
  LinearSpec prompt = s;
  prompt.batch = 300;
  ASSERT_TRUE(back.apply("sm_90a", prompt));
  EXPECT_EQ(prompt.registerWgmma, 1);
  EXPECT_NE(prompt.key().find("-rw1"), std::string::npos);
  // Saved sorted by batch.
  EXPECT_EQ(back.entries()[0].batch, 1);
  EXPECT_EQ(back.entries()[0].persistentBlocks, 264);
  EXPECT_EQ(back.entries()[1].persistentBlocks, 0);
  EXPECT_EQ(back.entries()[1].blockRows, 8);
  EXPECT_EQ(back.entries()[1].batchTile, 4);
  EXPECT_EQ(back.entries()[1].centroidsPlacement, "global");
  EXPECT_DOUBLE_EQ(back.entries()[1].us, 80.0);
  std::remove(path.c_str());
}

TEST(Tuning, AddReplacesTheSameKindOfBatch) {
  // One kernel serves each kind of batch (decode 1-3, prompt 4-31,
  // mid-batch 32-127, long prompt 128+): a new entry replaces the layer's
  // entries of its kind, whatever their batch, and no other.
  TuningDatabase db;
  LinearSpec s = layer();
  db.add(entry(s, 1, 2));
  db.add(entry(s, 256, 8));
  db.add(entry(s, 16, 4));
  db.add(entry(layer(4096, 4096), 128, 1));
  db.add(entry(s, 128, 16));
  ASSERT_EQ(db.entries().size(), 4u);
  LinearSpec longPrompt = s;
  longPrompt.batchHint = 256;
  const TuningEntry *t = db.lookup("sm_90a", longPrompt);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->batch, 128);
  EXPECT_EQ(t->blockRows, 16);
  LinearSpec decode = s;
  ASSERT_NE(db.lookup("sm_90a", decode), nullptr);
  EXPECT_EQ(db.lookup("sm_90a", decode)->blockRows, 2);
  LinearSpec other = layer(4096, 4096);
  other.batchHint = 256;
  ASSERT_NE(db.lookup("sm_90a", other), nullptr);
  EXPECT_EQ(db.lookup("sm_90a", other)->blockRows, 1);
}

TEST(Tuning, LoadErrorsNameTheFile) {
  TuningDatabase db;
  std::string missing = tempPath("vptq-no-such-db.json");
  EXPECT_NE(db.load(missing).find(missing), std::string::npos);
  std::string bad = tempPath("vptq-bad-db.json");
  std::ofstream(bad) << R"({"format_version": 1, "entries": [{"arch": "sm_90a",
    "layer": "x", "batch": 1, "tiling": {"block_rows": 0, "warps_per_row": 1,
    "batch_tile": 1, "k_chunk": 256}}]})";
  std::string err = db.load(bad);
  EXPECT_NE(err.find(bad), std::string::npos);
  EXPECT_NE(err.find("non-positive tiling"), std::string::npos) << err;
  std::ofstream(bad) << R"({"format_version": 1, "entries": [{"arch": "sm_90a",
    "layer": "x", "batch": 1, "tiling": {"block_rows": 2, "warps_per_row": 1,
    "batch_tile": 1, "k_chunk": 256, "persistent_blocks": -3}}]})";
  err = db.load(bad);
  EXPECT_NE(err.find(bad), std::string::npos);
  EXPECT_NE(err.find("entry for x has a negative persistent_blocks"),
            std::string::npos)
      << err;
  std::ofstream(bad) << R"({"format_version": 2, "entries": []})";
  EXPECT_NE(db.load(bad).find("format_version"), std::string::npos);
  std::ofstream(bad) << "{not json";
  EXPECT_NE(db.load(bad).find(bad), std::string::npos);
  std::remove(bad.c_str());
}

} // namespace
