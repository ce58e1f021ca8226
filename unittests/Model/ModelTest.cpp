//===- ModelTest.cpp - Whole models against the numpy reference -----------===//
//
// The fixtures (see CMakeLists.txt) convert the real stories260K model,
// synthesize two VPTQ-quantized checkpoints, and compute with the
// independent numpy reference (python/vptq_reference) logits of prompts, a
// greedy continuation, the perplexity of 300 paragraphs, and every
// quantized layer's dense weight. Here the runtime runs the same models on
// the CPU and every number is compared.
//
//===----------------------------------------------------------------------===//

#include "vptq/Reference/Dequant.h"
#include "vptq/runtime/VPTQ.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using nlohmann::json;

namespace {

std::string modelsDir() {
  const char *dir = std::getenv("VPTQ_TEST_MODELS");
  return dir ? dir : "";
}

json readReference(const std::string &name) {
  std::ifstream in(modelsDir() + "/" + name + ".reference.json");
  EXPECT_TRUE(in) << "no reference for " << name << " in " << modelsDir();
  return in ? json::parse(in) : json();
}

std::shared_ptr<Runtime> cpuRuntime() {
  RuntimeOptions o;
  o.cacheDir = modelsDir() + "/kernel-cache";
  auto rt = Runtime::create(o);
  EXPECT_TRUE(rt.ok()) << rt.message();
  return *rt;
}

std::unique_ptr<Model> loadModel(const std::string &name,
                                 std::optional<DType> activation = {}) {
  ModelOptions mo;
  mo.activation = activation;
  auto model = Model::load(cpuRuntime(), modelsDir() + "/" + name, mo);
  EXPECT_TRUE(model.ok()) << model.message();
  return model.ok() ? std::move(*model) : nullptr;
}

/// Every logit within absTol + relTol * |reference| (relative to the
/// largest reference logit of its row).
void expectLogits(const std::vector<float> &got, const json &want,
                  double absTol, double relTol, const std::string &what) {
  size_t rows = want.size(), vocab = want[0].size();
  ASSERT_EQ(got.size(), rows * vocab) << what;
  double worst = 0;
  int failures = 0;
  for (size_t r = 0; r < rows; ++r) {
    double scale = 0;
    for (size_t j = 0; j < vocab; ++j)
      scale = std::max(scale, std::fabs(want[r][j].get<double>()));
    for (size_t j = 0; j < vocab; ++j) {
      double w = want[r][j].get<double>(), g = got[r * vocab + j];
      double err = std::fabs(g - w);
      worst = std::max(worst, err / (scale + 1e-30));
      if (!(err <= absTol + relTol * scale) && failures++ < 3)
        ADD_FAILURE() << what << ": logit [" << r << ", " << j << "] is " << g
                      << ", reference " << w;
    }
  }
  EXPECT_EQ(failures, 0) << what << ": worst error " << worst
                         << " of the row's largest logit";
}

class ModelFixture : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_FALSE(modelsDir().empty()) << "VPTQ_TEST_MODELS is not set";
  }
};

using Stories260K = ModelFixture;

TEST_F(Stories260K, LogitsMatchReference) {
  json ref = readReference("stories260K");
  auto model = loadModel("stories260K");
  ASSERT_TRUE(model);
  for (const json &seq : ref.at("sequences")) {
    std::vector<int32_t> ids = seq.at("ids").get<std::vector<int32_t>>();
    auto logits = model->forward(ids, 0, /*allLogits=*/true);
    ASSERT_TRUE(logits.ok()) << logits.message();
    expectLogits(*logits, seq.at("logits"), 1e-5, 1e-4, "prefill");
    // The same through the KV cache, one token at a time.
    std::vector<float> stepwise;
    for (size_t t = 0; t < ids.size(); ++t) {
      auto step = model->forward({ids[t]}, int64_t(t));
      ASSERT_TRUE(step.ok()) << step.message();
      stepwise.insert(stepwise.end(), step->begin(), step->end());
    }
    expectLogits(stepwise, seq.at("logits"), 1e-5, 1e-4, "decode");
  }
}

TEST_F(Stories260K, GreedyGenerationMatchesTokenForToken) {
  json ref = readReference("stories260K");
  auto model = loadModel("stories260K");
  ASSERT_TRUE(model);
  std::vector<int32_t> ids =
      ref.at("greedy").at("ids").get<std::vector<int32_t>>();
  std::vector<int32_t> want =
      ref.at("greedy").at("generated").get<std::vector<int32_t>>();
  auto logits = model->forward(ids, 0);
  ASSERT_TRUE(logits.ok()) << logits.message();
  std::vector<int32_t> got;
  for (size_t i = 0; i < want.size(); ++i) {
    int32_t next = int32_t(std::max_element(logits->begin(), logits->end()) -
                           logits->begin());
    got.push_back(next);
    logits = model->forward({next}, int64_t(ids.size() + i));
    ASSERT_TRUE(logits.ok()) << logits.message();
  }
  EXPECT_EQ(got, want);
  // The text llama2.c's own greedy decoding gives (../shared/models/README).
  auto tok = Tokenizer::load(modelsDir() + "/stories260K");
  ASSERT_TRUE(tok.ok()) << tok.message();
  std::vector<int32_t> all = ids;
  all.insert(all.end(), got.begin(), got.end());
  EXPECT_EQ((*tok)->decode(all).rfind("Once upon a time, there was a little "
                                      "girl named Lily. She loved to play "
                                      "outside in the park",
                                      0),
            0u)
      << (*tok)->decode(all);
}

TEST_F(Stories260K, PerplexityMatchesReference) {
  json ref = readReference("stories260K").at("perplexity");
  auto model = loadModel("stories260K");
  auto tok = Tokenizer::load(modelsDir() + "/stories260K");
  ASSERT_TRUE(model && tok.ok());
  std::ifstream in(std::string(VPTQ_SHARED_DIR) + "/data/tinystories_val.txt");
  ASSERT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  const int64_t vocab = model->config().arch.vocabSize;
  double nll = 0;
  int64_t tokens = 0, paragraphs = 0;
  for (size_t at = 0; at < text.size() && paragraphs < ref.at("paragraphs");) {
    size_t end = std::min(text.find("\n\n", at), text.size());
    std::string p = text.substr(at, end - at);
    at = end + 2;
    while (!p.empty() && (p.back() == '\n' || p.back() == ' '))
      p.pop_back();
    while (!p.empty() && p.front() == '\n')
      p.erase(0, 1);
    if (p.empty())
      continue;
    ++paragraphs;
    std::vector<int32_t> ids = {(*tok)->bos()};
    for (int32_t id : (*tok)->encode(p))
      ids.push_back(id);
    if (int64_t(ids.size()) > model->maxSequence())
      ids.resize(model->maxSequence());
    auto logits = model->forward(ids, 0, true);
    ASSERT_TRUE(logits.ok()) << logits.message();
    for (size_t t = 0; t + 1 < ids.size(); ++t) {
      const float *row = logits->data() + t * vocab;
      double m = *std::max_element(row, row + vocab), sum = 0;
      for (int64_t j = 0; j < vocab; ++j)
        sum += std::exp(row[j] - m);
      nll += std::log(sum) + m - row[ids[t + 1]];
      ++tokens;
    }
  }
  EXPECT_EQ(tokens, ref.at("tokens").get<int64_t>());
  EXPECT_NEAR(nll / double(tokens), ref.at("mean_nll").get<double>(), 1e-4);
  // And the number the model card states: 4.20.
  EXPECT_NEAR(std::exp(nll / double(tokens)), 4.20, 0.005);
}

TEST_F(Stories260K, HalfPrecisionActivationsStayClose) {
  json ref = readReference("stories260K");
  auto model = loadModel("stories260K", DType::F16);
  ASSERT_TRUE(model);
  const json &seq = ref.at("sequences")[0];
  auto logits =
      model->forward(seq.at("ids").get<std::vector<int32_t>>(), 0, true);
  ASSERT_TRUE(logits.ok()) << logits.message();
  // f16 activations (11-bit mantissa) through 5 layers.
  expectLogits(*logits, seq.at("logits"), 1e-3, 2e-2, "f16 activations");
}

class SyntheticVPTQ : public testing::TestWithParam<std::string> {
protected:
  void SetUp() override { ASSERT_FALSE(modelsDir().empty()); }
};

TEST_P(SyntheticVPTQ, LogitsMatchReference) {
  json ref = readReference(GetParam());
  // f32 activations: only the weights' dequantization differs in rounding.
  auto model = loadModel(GetParam(), DType::F32);
  ASSERT_TRUE(model);
  EXPECT_GT(model->quantizedLayers(), 0);
  for (const json &seq : ref.at("sequences")) {
    auto logits =
        model->forward(seq.at("ids").get<std::vector<int32_t>>(), 0, true);
    ASSERT_TRUE(logits.ok()) << logits.message();
    expectLogits(*logits, seq.at("logits"), 1e-5, 1e-4, GetParam() + " f32");
  }
  // The model's own dtype (f16 or bf16) for activations.
  auto native = loadModel(GetParam());
  ASSERT_TRUE(native);
  const json &seq = ref.at("sequences")[0];
  auto logits =
      native->forward(seq.at("ids").get<std::vector<int32_t>>(), 0, true);
  ASSERT_TRUE(logits.ok()) << logits.message();
  double relTol = native->activation() == DType::BF16 ? 8e-2 : 1e-2;
  expectLogits(*logits, seq.at("logits"), 1e-3, relTol,
               GetParam() + " " + ref::dtypeName(native->activation()));
}

// The numpy dequantization (written from the format spec) and the C++
// reference library agree bit for bit on every layer.
TEST_P(SyntheticVPTQ, DequantizationIsBitExact) {
  auto numpy = SafetensorsFile::open(modelsDir() + "/" + GetParam() +
                                     ".dequant.safetensors");
  ASSERT_TRUE(numpy.ok()) << numpy.message();
  auto cp = Checkpoint::open(modelsDir() + "/" + GetParam());
  ASSERT_TRUE(cp.ok()) << cp.message();
  int layers = 0;
  for (const auto &[name, entry] : (*numpy)->entries()) {
    auto layer = (*cp)->loadQuantized(name);
    ASSERT_TRUE(layer.ok()) << layer.message();
    ref::QuantizedLinear decoded;
    ASSERT_EQ(
        ref::decodeLayer(layer->quantization.config, layer->tensors, decoded),
        "");
    std::vector<float> w = ref::dequantize(decoded, ref::Rounding::None);
    ASSERT_EQ(entry.bytes, w.size() * sizeof(float)) << name;
    EXPECT_EQ(std::memcmp(entry.data, w.data(), entry.bytes), 0)
        << name << ": numpy and C++ dequantization differ";
    ++layers;
  }
  EXPECT_GE(layers, 14);
  EXPECT_EQ(layers, (*cp)->config().quantization->configForLayers.size());
}

// The synthetic checkpoints, and one vptq-quantize wrote from stories260K.
INSTANTIATE_TEST_SUITE_P(Models, SyntheticVPTQ,
                         testing::Values("synth-packed", "synth-unpacked",
                                         "quantized"),
                         [](const auto &info) {
                           std::string n = info.param;
                           n.erase(std::remove(n.begin(), n.end(), '-'),
                                   n.end());
                           return n;
                         });

TEST(ModelErrors, ClearMessages) {
  auto rt = cpuRuntime();
  auto missing = Model::load(rt, "/nonexistent/model");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find("/nonexistent/model: not a directory"),
            std::string::npos);
  auto model = loadModel("stories260K");
  ASSERT_TRUE(model);
  auto tooLong = model->forward(std::vector<int32_t>(600, 5), 0);
  ASSERT_FALSE(tooLong.ok());
  EXPECT_EQ(tooLong.message(),
            "a sequence of 600 tokens exceeds the context of 512 tokens");
  auto badToken = model->forward({1, 700}, 0);
  ASSERT_FALSE(badToken.ok());
  EXPECT_EQ(badToken.message(),
            "token id 700 is outside the vocabulary of 512");
}

} // namespace
