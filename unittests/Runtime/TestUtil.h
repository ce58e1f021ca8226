//===- TestUtil.h - Helpers of the runtime tests ----------------*- C++ -*-===//

#ifndef VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H
#define VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H

#include "TestLayerConfig.h"
#include "vptq/Reference/Check.h"
#include "vptq/runtime/Checkpoint.h"
#include "vptq/runtime/Linear.h"

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
    path_ =
        (std::filesystem::path(testing::TempDir()) /
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

inline void writeFile(const std::string &path,
                      const std::vector<uint8_t> &bytes) {
  std::ofstream os(path, std::ios::binary | std::ios::trunc);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
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
      dir,
      singleLayerModel(config,
                       model == ref::DType::BF16 ? "bfloat16" : "float16"),
      tensors, maxShardBytes);
  EXPECT_TRUE(s.ok()) << s.message();
  return layer;
}

/// Runs `q` on a fresh random batch (output poisoned with NaN first) and
/// checks every element against the reference of `layer`.
inline void checkQuantLinear(runtime::Runtime &rt, runtime::QuantLinear &q,
                             const ref::QuantizedLinear &layer, int64_t batch,
                             uint64_t seed) {
  ref::DType act = q.activation();
  int64_t in = layer.config.inFeatures, out = layer.config.outFeatures;
  std::vector<float> x = ref::randomFloats(batch * in, seed, -1, 1, act);
  auto input = rt.upload(ref::encodeFloats(x, {batch, in}, act));
  ASSERT_TRUE(input.ok()) << input.message();
  auto output = rt.allocate(act, {batch, out});
  ASSERT_TRUE(output.ok());
  ASSERT_TRUE(rt.fill(*output, 0xff).ok());
  runtime::Status s = q.forward(*input, *output);
  ASSERT_TRUE(s.ok()) << s.message();
  auto host = rt.download(*output);
  ASSERT_TRUE(host.ok());
  std::vector<float> y(host->numElements());
  for (size_t i = 0; i < y.size(); ++i)
    y[i] = host->floatAt(int64_t(i));
  ref::CheckResult r = ref::checkLinearOutput(layer, x, batch, y, act);
  EXPECT_TRUE(r.ok()) << q.name() << " batch " << batch << ": " << r.summary();
}

} // namespace vptq::test

#endif // VPTQ_UNITTESTS_RUNTIME_TESTUTIL_H
