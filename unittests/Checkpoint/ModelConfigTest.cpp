//===- ModelConfigTest.cpp - config.json parsing --------------------------===//

#include "vptq/Checkpoint/ModelConfig.h"

#include <gtest/gtest.h>

using namespace vptq;
using namespace vptq::checkpoint;

namespace {

/// A two-layer Llama with GQA: shared v8-k65536-256 for the MLP, an
/// override for one down_proj, attention left dense.
const char *kLlama = R"json({
  "architectures": ["LlamaForCausalLM"],
  "model_type": "llama",
  "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 2,
  "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 1000,
  "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
  "rope_scaling": {"rope_type": "llama3", "factor": 8.0,
                   "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 8192},
  "torch_dtype": "bfloat16", "bos_token_id": 1, "eos_token_id": [2, 3],
  "quantization_config": {
    "quant_method": "vptq",
    "shared_layer_config": {
      "gate_proj": {"in_features": 256, "out_features": 688,
        "vector_lens": [-1, 8], "num_centroids": [-1, 65536],
        "num_res_centroids": [-1, 256], "group_num": 1, "group_size": 256,
        "outlier_size": 0, "indices_as_float": false, "enable_norm": true,
        "enable_perm": true, "is_indice_packed": true, "bias": false,
        "vector_quant_dim": "out"},
      "up_proj": {"in_features": 256, "out_features": 688,
        "vector_lens": [-1, 8], "num_centroids": [-1, 4096],
        "num_res_centroids": [-1, -1], "group_num": 1, "group_size": 256,
        "outlier_size": 0, "indices_as_float": false}
    },
    "config_for_layers": {
      "model.layers.1.mlp.down_proj": {"in_features": 688,
        "out_features": 256, "vector_lens": [4, 12],
        "num_centroids": [256, 4096], "num_res_centroids": [-1, 4096],
        "group_num": 2, "group_size": 336, "outlier_size": 16,
        "indices_as_float": true, "is_indice_packed": false}
    }
  }
})json";

TEST(ModelConfig, ParsesArchitectureAndResolvesLayers) {
  ModelConfig config;
  ASSERT_EQ(parseModelConfig(kLlama, "config.json", config), "");
  const ModelArchitecture &a = config.arch;
  EXPECT_EQ(a.architecture, "LlamaForCausalLM");
  EXPECT_EQ(a.headDim, 32);
  EXPECT_EQ(a.numKVHeads, 2);
  EXPECT_DOUBLE_EQ(a.ropeTheta, 500000.0);
  EXPECT_EQ(a.ropeScaling.type, "llama3");
  EXPECT_EQ(a.ropeScaling.originalMaxPositionEmbeddings, 8192);
  EXPECT_EQ(a.torchDtype, "bfloat16");
  EXPECT_EQ(a.eosTokenIds, (std::vector<int64_t>{2, 3}));

  std::vector<LinearModule> modules = config.linearModules();
  ASSERT_EQ(modules.size(), 2u * 7 + 1);
  EXPECT_EQ(modules[1].name, "model.layers.0.self_attn.k_proj");
  EXPECT_EQ(modules[1].outFeatures, 64); // 2 KV heads x 32
  EXPECT_EQ(modules.back().name, "lm_head");

  ASSERT_TRUE(config.quantization);
  const QuantizationConfig &q = *config.quantization;
  EXPECT_EQ(q.lookup("model.layers.0.self_attn.q_proj"), nullptr);
  const LayerQuantization *gate = q.lookup("model.layers.1.mlp.gate_proj");
  ASSERT_NE(gate, nullptr);
  EXPECT_EQ(gate->config.vectorLen, 8);
  EXPECT_EQ(gate->config.indexBits, 16);
  EXPECT_EQ(gate->config.resIndexBits, 8);
  EXPECT_FALSE(gate->config.hasOutliers());
  EXPECT_TRUE(gate->config.packed && gate->config.enablePerm &&
              gate->config.enableNorm);
  const LayerQuantization *up = q.lookup("model.layers.0.mlp.up_proj");
  ASSERT_NE(up, nullptr);
  EXPECT_FALSE(up->config.hasResidual());
  // config_for_layers wins over shared_layer_config for its module only.
  EXPECT_EQ(q.lookup("model.layers.0.mlp.down_proj"), nullptr);
  const LayerQuantization *down = q.lookup("model.layers.1.mlp.down_proj");
  ASSERT_NE(down, nullptr);
  EXPECT_EQ(down->config.outlierVectorLen, 4);
  EXPECT_EQ(down->config.numOutlierCentroids, 256);
  EXPECT_EQ(down->config.numCodebooks, 2);
  EXPECT_TRUE(down->indicesAsFloat);
  EXPECT_FALSE(down->config.packed);
}

TEST(ModelConfig, WritesWhatItReads) {
  ModelConfig config;
  ASSERT_EQ(parseModelConfig(kLlama, "config.json", config), "");
  ModelConfig again;
  ASSERT_EQ(parseModelConfig(modelConfigToJSON(config), "written", again), "");
  EXPECT_EQ(again.arch.hiddenSize, config.arch.hiddenSize);
  EXPECT_EQ(again.arch.ropeScaling.factor, config.arch.ropeScaling.factor);
  EXPECT_EQ(again.arch.eosTokenIds, config.arch.eosTokenIds);
  for (const LinearModule &m : config.linearModules()) {
    const LayerQuantization *a = config.quantization->lookup(m.name);
    const LayerQuantization *b = again.quantization->lookup(m.name);
    ASSERT_EQ(a == nullptr, b == nullptr) << m.name;
    if (a) {
      EXPECT_EQ(a->config, b->config) << m.name;
      EXPECT_EQ(a->indicesAsFloat, b->indicesAsFloat) << m.name;
    }
  }
}

/// Replaces the first occurrence of `from` in the Llama config.
std::string edited(const std::string &from, const std::string &to) {
  std::string text = kLlama;
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

void expectError(const std::string &text, const std::string &fragment) {
  ModelConfig config;
  std::string msg = parseModelConfig(text, "config.json", config);
  EXPECT_NE(msg.find(fragment), std::string::npos)
      << "message '" << msg << "' lacks '" << fragment << "'";
}

TEST(ModelConfig, ErrorsNameTheKey) {
  expectError("{\"hidden_size\": 4", "config.json: invalid JSON");
  expectError("[1, 2]", "config.json: the top level must be a JSON object");
  expectError(edited("\"hidden_size\": 256,", ""),
              "config.json: missing key 'hidden_size'");
  expectError(edited("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"),
              "num_key_value_heads (3) must divide num_attention_heads (8)");
  expectError(edited("\"quant_method\": \"vptq\"", "\"quant_method\": \"gptq\""),
              "quantization_config: quant_method 'gptq' is not supported");
  expectError(edited("\"vector_lens\": [-1, 8]", "\"vector_lens\": 8"),
              "shared_layer_config[\"gate_proj\"]: key 'vector_lens' must be "
              "a list of two integers, got 8");
  expectError(edited("\"enable_norm\": true", "\"enable_norm\": \"yes\""),
              "shared_layer_config[\"gate_proj\"]: key 'enable_norm' must be "
              "true or false");
  expectError(edited("\"vector_quant_dim\": \"out\"",
                     "\"vector_quant_dim\": \"in\""),
              "vector_quant_dim 'in' is not supported");
  expectError(edited("\"group_size\": 336", "\"group_size\": 300"),
              "config_for_layers[\"model.layers.1.mlp.down_proj\"]: "
              "in_features (688) must equal outlier_size (16) + "
              "num_codebooks (2) x group_size (300) = 616");
  expectError(edited("\"model.layers.1.mlp.down_proj\"",
                     "\"model.layers.7.mlp.down_proj\""),
              "config_for_layers[\"model.layers.7.mlp.down_proj\"]: names no "
              "linear module of this LlamaForCausalLM");
  expectError(edited("\"out_features\": 688,\n        \"vector_lens\": [-1, 8], "
                     "\"num_centroids\": [-1, 4096]",
                     "\"out_features\": 680,\n        \"vector_lens\": [-1, 8], "
                     "\"num_centroids\": [-1, 4096]"),
              "layer 'model.layers.0.mlp.up_proj' is configured as 680 x 256 "
              "(out x in) but the architecture makes it 688 x 256");
  expectError(edited("\"num_res_centroids\": [-1, 4096]",
                     "\"num_res_centroids\": [16, 4096]"),
              "residual quantization of outliers is not part of the format");
}

// Hardening (found by fuzzing): values that used to hang, allocate without
// bound or convert with undefined behaviour are errors naming the key.
TEST(ModelConfig, HugeOrNonIntegralValuesAreErrors) {
  // num_centroids past 2^62 looped forever deriving its index bits.
  expectError(edited("\"num_centroids\": [-1, 65536]",
                     "\"num_centroids\": [-1, 9223372036854775807]"),
              "num_centroids must be in [2, 65536], got 9223372036854775807");
  expectError(edited("\"num_centroids\": [-1, 65536]",
                     "\"num_centroids\": [-1, 18446744073709551615]"),
              "key 'num_centroids' is too large: 18446744073709551615");
  // Floats outside int64 (converting them is undefined) and fractions.
  expectError(edited("\"hidden_size\": 256", "\"hidden_size\": 1e300"),
              "key 'hidden_size' must be an integer, got 1e+300");
  expectError(edited("\"hidden_size\": 256", "\"hidden_size\": 256.5"),
              "key 'hidden_size' must be an integer, got 256.5");
  // Fields that size allocations are bounded before anything is sized.
  expectError(edited("\"num_hidden_layers\": 2",
                     "\"num_hidden_layers\": 1000000000"),
              "key 'num_hidden_layers' must be in [1, 4096], got 1000000000");
  expectError(edited("\"num_attention_heads\": 8",
                     "\"num_attention_heads\": 8, \"head_dim\": 1000000000"),
              "key 'head_dim' must be in [1, 4096], got 1000000000");
  expectError(edited("\"vocab_size\": 1000", "\"vocab_size\": 4000000000"),
              "key 'vocab_size' must be in [1, 16777216], got 4000000000");
  expectError(edited("\"vocab_size\": 1000",
                     "\"vocab_size\": 1000, \"max_position_embeddings\": -1"),
              "key 'max_position_embeddings' must be in [1, 16777216], got -1");
  // A layer whose sizes would overflow int64 products.
  expectError(edited("\"group_size\": 336", "\"group_size\": 4611686018427387904"),
              "group_size must be at most 688, got 4611686018427387904");
  // 4096.0 is still an integer.
  ModelConfig config;
  EXPECT_EQ(parseModelConfig(edited("\"hidden_size\": 256",
                                    "\"hidden_size\": 256.0"),
                             "config.json", config),
            "");
  EXPECT_EQ(config.arch.hiddenSize, 256);
}

} // namespace
