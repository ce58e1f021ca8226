//===- TestUtil.h - Helpers of the runtime tests ----------------*- C++ -*-===//

#ifndef VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H
#define VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H

#include "vptq/runtime/Checkpoint.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace vptq::test {

/// A fresh directory, removed with the object.
class TempDir {
public:
  explicit TempDir(const std::string &tag) {
    std::random_device rd;
    path_ = (std::filesystem::path(testing::TempDir()) /
             ("vptq-" + tag + "-" + std::to_string(rd()) + std::to_string(rd())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string &path() const { return path_; }
  std::string operator/(const std::string &name) const {
    return path_ + "/" + name;
  }

private:
  std::string path_;
};

inline std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void writeFile(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream os(path, std::ios::binary | std::ios::trunc);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

inline ref::LayerConfig makeLayerConfig(int64_t in, int64_t out, int64_t v,
                                        int64_t k, int64_t kr = 0,
                                        bool packed = true) {
  ref::LayerConfig c;
  c.inFeatures = in;
  c.outFeatures = out;
  c.vectorLen = v;
  c.numCentroids = k;
  c.numResCentroids = kr;
  c.packed = packed;
  return c;
}

/// The module a single-layer test checkpoint quantizes.
inline const char *kTestModule = "model.layers.0.mlp.down_proj";

/// A one-decoder-layer Llama whose down_proj has the shape of `layer`,
/// quantized with it.
inline checkpoint::ModelConfig singleLayerModel(const ref::LayerConfig &layer,
                                                const std::string &torchDtype) {
  checkpoint::ModelConfig m;
  checkpoint::ModelArchitecture &a = m.arch;
  a.architecture = "LlamaForCausalLM";
  a.modelType = "llama";
  a.hiddenSize = layer.outFeatures;
  a.intermediateSize = layer.inFeatures;
  a.numLayers = 1;
  a.numHeads = 1;
  a.numKVHeads = 1;
  a.headDim = layer.outFeatures;
  a.vocabSize = 32;
  a.maxPositionEmbeddings = 64;
  a.torchDtype = torchDtype;
  checkpoint::QuantizationConfig q;
  checkpoint::LayerQuantization lq;
  lq.config = layer;
  q.configForLayers[kTestModule] = lq;
  m.quantization = q;
  return m;
}

/// Writes a checkpoint folder holding one random quantized layer of
/// `config`; returns the layer (float32) it holds.
inline ref::QuantizedLinear
writeSingleLayerCheckpoint(const std::string &dir, ref::LayerConfig config,
                           ref::DType model, uint64_t seed,
                           uint64_t maxShardBytes = 0) {
  config.fillDerivedDefaults();
  ref::QuantizedLinear layer = ref::makeRandomLayer(config, seed, model);
  runtime::QuantizedLayer q;
  q.name = kTestModule;
  q.quantization.config = config;
  q.tensors = ref::encodeLayer(layer, model);
  q.modelType = model;
  std::map<std::string, ref::HostTensor> tensors;
  runtime::addQuantizedTensors(q, tensors);
  runtime::Status s = runtime::writeCheckpoint(
      dir, singleLayerModel(config, model == ref::DType::BF16 ? "bfloat16" : "float16"),
      tensors, maxShardBytes);
  EXPECT_TRUE(s.ok()) << s.message();
  return layer;
}

} // namespace vptq::test

#endif // VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H
