//===- CheckpointTest.cpp - Loading, writing and rejecting model folders --===//
//
// Synthetic checkpoints in the published layout, one per option of the
// format (packed/unpacked indices and their storage dtypes, residual
// codebooks, outliers, several codebooks, perm, norm, bias, f16/bf16, shards),
// read back and decoded bit for bit; then corrupted ones, each rejected with
// a message naming the file, the tensor and the problem.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "vptq/Reference/Packing.h"

#include <algorithm>
#include <cstring>
#include <functional>

using namespace vptq;
using namespace vptq::runtime;
using test::kTestModule;
using test::makeLayerConfig;
using test::TempDir;

namespace {

using Tensors = std::map<std::string, ref::HostTensor>;

std::string tensorName(const std::string &part) {
  return quantizedTensorName(kTestModule, part);
}

/// Writes a checkpoint of one random layer; `edit` may change the tensors
/// and the configuration before they are written.
ref::QuantizedLinear
writeLayer(const std::string &dir, ref::LayerConfig config, ref::DType model,
           uint64_t seed, const std::function<void(Tensors &)> &edit = nullptr,
           uint64_t maxShardBytes = 0, bool indicesAsFloat = false) {
  config.fillDerivedDefaults();
  ref::QuantizedLinear layer = ref::makeRandomLayer(config, seed, model);
  QuantizedLayer q;
  q.name = kTestModule;
  q.quantization.config = config;
  q.tensors = ref::encodeLayer(layer, model);
  Tensors tensors;
  addQuantizedTensors(q, tensors);
  if (edit)
    edit(tensors);
  checkpoint::ModelConfig m = test::singleLayerModel(
      config, model == ref::DType::BF16 ? "bfloat16" : "float16");
  m.quantization->configForLayers[kTestModule].indicesAsFloat = indicesAsFloat;
  Status s = writeCheckpoint(dir, m, tensors, maxShardBytes);
  EXPECT_TRUE(s.ok()) << s.message();
  return layer;
}

void expectSameLayer(const ref::QuantizedLinear &a,
                     const ref::QuantizedLinear &b) {
  EXPECT_EQ(a.indices, b.indices);
  EXPECT_EQ(a.resIndices, b.resIndices);
  EXPECT_EQ(a.centroids, b.centroids);
  EXPECT_EQ(a.resCentroids, b.resCentroids);
  EXPECT_EQ(a.outlierIndices, b.outlierIndices);
  EXPECT_EQ(a.outlierCentroids, b.outlierCentroids);
  EXPECT_EQ(a.perm, b.perm);
  EXPECT_EQ(a.weightScale, b.weightScale);
  EXPECT_EQ(a.weightBias, b.weightBias);
  EXPECT_EQ(a.bias, b.bias);
}

/// Loads the test layer of `dir` and decodes it.
ref::QuantizedLinear loadLayer(const std::string &dir) {
  auto cp = Checkpoint::open(dir);
  EXPECT_TRUE(cp.ok()) << cp.message();
  if (!cp)
    return {};
  auto q = (*cp)->loadQuantized(kTestModule);
  EXPECT_TRUE(q.ok()) << q.message();
  if (!q)
    return {};
  ref::QuantizedLinear out;
  std::string err = ref::decodeLayer(q->quantization.config, q->tensors, out);
  EXPECT_EQ(err, "");
  return out;
}

/// Opening `dir` or loading its layer fails with every one of `parts` in
/// the message.
void expectLoadError(const std::string &dir, std::vector<std::string> parts) {
  std::string message;
  auto cp = Checkpoint::open(dir);
  if (!cp) {
    message = cp.message();
  } else {
    auto q = (*cp)->loadQuantized(kTestModule);
    ASSERT_FALSE(q.ok()) << "loaded a corrupt checkpoint";
    message = q.message();
  }
  for (const std::string &p : parts)
    EXPECT_NE(message.find(p), std::string::npos)
        << "'" << p << "' not in: " << message;
}

struct Variant {
  std::string name;
  ref::LayerConfig config;
  ref::DType model = ref::DType::F16;
  std::function<void(Tensors &)> edit;
  bool indicesAsFloat = false;
  uint64_t shardBytes = 0;
};

void PrintTo(const Variant &v, std::ostream *os) { *os << v.name; }

/// Stores tensor `part` as integers of `dtype`.
std::function<void(Tensors &)> storeAs(std::string part, ref::DType dtype) {
  return [part, dtype](Tensors &t) {
    ref::HostTensor &old = t.at(tensorName(part));
    ref::HostTensor now(dtype, old.shape);
    for (int64_t i = 0; i < old.numElements(); ++i) {
      int64_t v = old.unsignedAt(i);
      if (dtype == ref::DType::I64)
        now.as<int64_t>()[i] = v;
      else if (dtype == ref::DType::I32)
        now.as<int32_t>()[i] = int32_t(v);
      else
        now.as<uint16_t>()[i] = uint16_t(v);
    }
    old = now;
  };
}

std::vector<Variant> variants() {
  std::vector<Variant> all;
  auto add = [&](std::string name, ref::LayerConfig c,
                 std::function<void(Variant &)> tweak = nullptr) {
    Variant v;
    v.name = std::move(name);
    v.config = c;
    if (tweak)
      tweak(v);
    all.push_back(v);
  };
  add("packed_k65536_kr256", makeLayerConfig(64, 40, 8, 65536, 256));
  add("packed_no_residual", makeLayerConfig(64, 40, 8, 4096));
  add("packed_v6_padding", makeLayerConfig(64, 35, 6, 1024, 16));
  add("unpacked_i16", makeLayerConfig(96, 30, 4, 4096, 4096, false));
  add("unpacked_i32_indices", makeLayerConfig(96, 30, 4, 4096, 64, false),
      [](Variant &v) {
        v.edit = [](Tensors &t) {
          storeAs("indices", ref::DType::I32)(t);
          storeAs("res_indices", ref::DType::I32)(t);
        };
      });
  add("unpacked_i64_indices", makeLayerConfig(48, 24, 4, 256, 0, false),
      [](Variant &v) { v.edit = storeAs("indices", ref::DType::I64); });
  add("indices_as_float", makeLayerConfig(48, 24, 8, 65536, 0, false),
      [](Variant &v) {
        v.indicesAsFloat = true;
        v.edit = [](Tensors &t) {
          t.at(tensorName("indices")).dtype = ref::DType::F16;
        };
      });
  add("perm_norm_bias_packed", makeLayerConfig(64, 62, 8, 512, 32),
      [](Variant &v) {
        v.config.enablePerm = true;
        v.config.enableNorm = true;
        v.config.bias = true;
      });
  add("perm_i64_unpacked", makeLayerConfig(72, 20, 4, 65536, 0, false),
      [](Variant &v) { v.config.enablePerm = true; });
  add("perm_i32_packed", makeLayerConfig(64, 24, 8, 256), [](Variant &v) {
    v.config.enablePerm = true;
    v.edit = storeAs("perm", ref::DType::I32);
  });
  add("outliers_two_codebooks", makeLayerConfig(70, 31, 4, 256, 16),
      [](Variant &v) {
        v.config.numCodebooks = 2;
        v.config.outlierSize = 6;
        v.config.outlierVectorLen = 3;
        v.config.numOutlierCentroids = 64;
        v.config.groupSize = 32;
        v.config.enablePerm = true;
        v.config.bias = true;
      });
  add("bf16", makeLayerConfig(64, 40, 8, 4096, 16), [](Variant &v) {
    v.model = ref::DType::BF16;
    v.config.enableNorm = true;
  });
  add("sharded", makeLayerConfig(64, 40, 8, 4096, 256), [](Variant &v) {
    v.config.enableNorm = true;
    v.shardBytes = 8192;
  });
  return all;
}

class CheckpointRoundTrip : public testing::TestWithParam<Variant> {};

TEST_P(CheckpointRoundTrip, DecodesBitExact) {
  const Variant &v = GetParam();
  TempDir dir("ckpt");
  ref::QuantizedLinear written = writeLayer(
      dir.path(), v.config, v.model, 7, v.edit, v.shardBytes, v.indicesAsFloat);
  if (v.shardBytes)
    ASSERT_TRUE(std::filesystem::exists(dir / "model.safetensors.index.json"));
  expectSameLayer(loadLayer(dir.path()), written);
}

INSTANTIATE_TEST_SUITE_P(Formats, CheckpointRoundTrip,
                         testing::ValuesIn(variants()),
                         [](const auto &info) { return info.param.name; });

TEST(Checkpoint, WriteReadWriteIsBitExact) {
  TempDir a("ckpt"), b("ckpt");
  ref::LayerConfig c = makeLayerConfig(64, 40, 8, 4096, 16);
  c.enablePerm = c.enableNorm = c.bias = true;
  writeLayer(a.path(), c, ref::DType::F16, 11);
  auto cp = Checkpoint::open(a.path());
  ASSERT_TRUE(cp.ok()) << cp.message();
  Tensors tensors;
  for (const std::string &name : (*cp)->tensorNames()) {
    auto t = (*cp)->load(name);
    ASSERT_TRUE(t.ok()) << t.message();
    tensors[name] = *t;
  }
  ASSERT_TRUE(writeCheckpoint(b.path(), (*cp)->config(), tensors).ok());
  EXPECT_EQ(test::readFile(a / "model.safetensors"),
            test::readFile(b / "model.safetensors"));
  EXPECT_EQ(test::readFile(a / "config.json"),
            test::readFile(b / "config.json"));
}

TEST(Checkpoint, DenseModulesAreNotQuantized) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), makeLayerConfig(64, 40, 8, 256), ref::DType::F16, 1);
  auto cp = Checkpoint::open(dir.path());
  ASSERT_TRUE(cp.ok());
  auto q = (*cp)->loadQuantized("model.layers.0.self_attn.q_proj");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.message().find("'model.layers.0.self_attn.q_proj' is not "
                             "VPTQ-quantized"),
            std::string::npos)
      << q.message();
}

//===----------------------------------------------------------------------===//
// Corrupt checkpoints
//===----------------------------------------------------------------------===//

ref::LayerConfig residualConfig() {
  ref::LayerConfig c = makeLayerConfig(64, 40, 8, 1000, 256);
  c.enablePerm = true;
  return c;
}

TEST(CheckpointErrors, NotAFolder) {
  expectLoadError("/nonexistent/model",
                  {"/nonexistent/model", "not a directory"});
}

TEST(CheckpointErrors, NoConfig) {
  TempDir dir("ckpt");
  expectLoadError(dir.path(), {dir.path(), "no config.json"});
}

TEST(CheckpointErrors, NoWeights) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1);
  std::filesystem::remove(dir / "model.safetensors");
  expectLoadError(dir.path(), {"no model.safetensors"});
}

TEST(CheckpointErrors, TruncatedFile) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1);
  std::vector<uint8_t> bytes = test::readFile(dir / "model.safetensors");
  bytes.resize(bytes.size() / 2);
  test::writeFile(dir / "model.safetensors", bytes);
  expectLoadError(dir.path(), {dir / "model.safetensors", "truncated"});
}

TEST(CheckpointErrors, BadHeaderLength) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1);
  std::vector<uint8_t> bytes = test::readFile(dir / "model.safetensors");
  bytes[5] = 0x7f;
  test::writeFile(dir / "model.safetensors", bytes);
  expectLoadError(dir.path(), {dir / "model.safetensors", "header length"});
}

TEST(CheckpointErrors, MissingTensor) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1,
             [](Tensors &t) { t.erase(tensorName("res_centroids")); });
  expectLoadError(dir.path(),
                  {dir / "model.safetensors",
                   "'" + tensorName("res_centroids") + "' is missing",
                   "num_res_centroids > 0"});
}

TEST(CheckpointErrors, WrongDType) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, [](Tensors &t) {
    ref::HostTensor &c = t.at(tensorName("centroids"));
    c.dtype = ref::DType::I16;
  });
  expectLoadError(dir.path(), {dir / "model.safetensors", "centroids", "I16"});
}

TEST(CheckpointErrors, WrongShape) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, [](Tensors &t) {
    ref::HostTensor &w = t.at(tensorName("res_centroids"));
    w.shape = {1, w.numElements() / 2, 2};
  });
  expectLoadError(dir.path(), {"res_centroids", "shape"});
}

TEST(CheckpointErrors, UnpackedIndexOutOfRange) {
  TempDir dir("ckpt");
  writeLayer(
      dir.path(), makeLayerConfig(48, 24, 4, 300, 0, false), ref::DType::F16, 1,
      [](Tensors &t) { t.at(tensorName("indices")).as<uint16_t>()[17] = 300; });
  expectLoadError(dir.path(), {"'indices' element 17 is 300",
                               "out of range for 300 centroids"});
}

TEST(CheckpointErrors, PackedIndexOutOfRange) {
  TempDir dir("ckpt");
  // 1000 centroids take 10-bit fields, which can hold up to 1023.
  ref::LayerConfig c = residualConfig();
  writeLayer(dir.path(), c, ref::DType::F16, 1, [&](Tensors &t) {
    c.fillDerivedDefaults();
    ref::HostTensor &words = t.at(tensorName("indices"));
    std::vector<uint32_t> idx(c.groupSize), res(c.groupSize);
    uint32_t *row = words.as<uint32_t>();
    ref::unpackIndexRow(row, c.groupSize, c.indexBits, c.resIndexBits,
                        idx.data(), res.data());
    idx[3] = 1010;
    ref::packIndexRow(idx.data(), res.data(), c.groupSize, c.indexBits,
                      c.resIndexBits, row);
  });
  expectLoadError(dir.path(), {"'indices' element 3 is 1010",
                               "1000 centroids (packed main index)"});
}

TEST(CheckpointErrors, OutlierIndexOutOfRange) {
  TempDir dir("ckpt");
  ref::LayerConfig c = makeLayerConfig(70, 31, 4, 256, 16);
  c.outlierSize = 6;
  c.outlierVectorLen = 3;
  c.numOutlierCentroids = 40;
  writeLayer(dir.path(), c, ref::DType::F16, 1, [](Tensors &t) {
    t.at(tensorName("outlier_indices")).as<uint16_t>()[0] = 41;
  });
  expectLoadError(dir.path(), {"'outlier_indices' element 0 is 41"});
}

TEST(CheckpointErrors, PermNotAPermutation) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, [](Tensors &t) {
    uint16_t *p = t.at(tensorName("perm")).as<uint16_t>();
    p[9] = p[8];
  });
  expectLoadError(dir.path(),
                  {"'perm' is not a permutation", "element 9", "(repeated)"});
}

TEST(CheckpointErrors, ShardIndexNamesMissingShard) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, nullptr, 4096);
  std::vector<std::string> shards;
  for (const auto &e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().filename().string().rfind("model-", 0) == 0)
      shards.push_back(e.path().filename().string());
  std::sort(shards.begin(), shards.end());
  ASSERT_GE(shards.size(), 2u);
  std::filesystem::remove(dir / shards.back());
  expectLoadError(dir.path(), {"model.safetensors.index.json", shards.back(),
                               "does not exist"});
}

TEST(CheckpointErrors, ShardIndexNamesTensorNotInShard) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, nullptr, 4096);
  std::string shard;
  for (const auto &e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().filename().string().rfind("model-", 0) == 0)
      shard = e.path().filename().string();
  ASSERT_FALSE(shard.empty());
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"ghost.weight": ")" << shard << R"("}})";
  expectLoadError(dir.path(), {"'ghost.weight'", "does not contain it"});
}

TEST(CheckpointErrors, BadConfigJson) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1);
  std::ofstream(dir / "config.json") << "{\"architectures\": [";
  expectLoadError(dir.path(), {"config.json"});
}

// Hardening (found by fuzzing): negative indices stored as signed 64-bit
// integers passed validation and became 65535 in the kernel.
TEST(CheckpointErrors, NegativeIndexIsOutOfRange) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), makeLayerConfig(48, 24, 4, 300, 0, false),
             ref::DType::F16, 1, [](Tensors &t) {
               storeAs("indices", ref::DType::I64)(t);
               t.at(tensorName("indices")).as<int64_t>()[5] = -1;
             });
  expectLoadError(dir.path(), {"'indices' element 5 is -1",
                               "out of range for 300 centroids"});
}

// Hardening: shard names that leave the model folder are not opened.
TEST(CheckpointErrors, ShardIndexNamesFileOutsideTheFolder) {
  TempDir dir("ckpt");
  writeLayer(dir.path(), residualConfig(), ref::DType::F16, 1, nullptr, 4096);
  std::string outside = (std::filesystem::path(dir.path()) / "model-00001-of-00002.safetensors").string();
  for (const std::string &shard :
       {outside, std::string("../ckpt/model-00001-of-00002.safetensors"),
        std::string("sub/../../x.safetensors"), std::string("")}) {
    std::ofstream(dir / "model.safetensors.index.json")
        << R"({"weight_map": {"a.weight": ")" << shard << R"("}})";
    expectLoadError(dir.path(), {"model.safetensors.index.json",
                                 "names shard '" + shard + "'",
                                 "not a file name inside the model folder"});
  }
}

} // namespace
