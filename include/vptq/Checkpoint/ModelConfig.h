//===- ModelConfig.h - config.json of a (VPTQ-quantized) model ---*- C++ -*-===//
//
// Reads a Hugging Face config.json: the Llama-family architecture and, for
// VPTQ checkpoints, `quantization_config` (quant_method "vptq",
// config_for_layers, shared_layer_config), resolved per linear module the
// way the reference implementation does. No MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_CHECKPOINT_MODELCONFIG_H
#define VPTQ_CHECKPOINT_MODELCONFIG_H

#include "vptq/Reference/LayerConfig.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vptq::checkpoint {

/// Limits of config.json's architecture fields: far past any published
/// model (Llama 3.1 405B: 126 layers, hidden 16384, 128 heads of 128), and
/// small enough that sizes derived from them do not overflow. The loader
/// refuses larger values, naming the key.
inline constexpr int64_t kMaxHiddenSize = int64_t(1) << 17;
inline constexpr int64_t kMaxLayers = 4096;
inline constexpr int64_t kMaxHeads = 4096;
inline constexpr int64_t kMaxHeadDim = 4096;
inline constexpr int64_t kMaxVocabSize = int64_t(1) << 24;
inline constexpr int64_t kMaxPositionEmbeddings = int64_t(1) << 24;

/// A Llama-family decoder (Llama 2/3, Qwen2, Mistral) as config.json
/// describes it.
struct ModelArchitecture {
  std::string architecture; // "LlamaForCausalLM"
  std::string modelType;    // "llama", "qwen2", "mistral"
  int64_t hiddenSize = 0;
  int64_t intermediateSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t numKVHeads = 0;
  int64_t headDim = 0;
  int64_t vocabSize = 0;
  int64_t maxPositionEmbeddings = 0;
  double rmsNormEps = 1e-6;
  double ropeTheta = 10000.0;
  /// rope_scaling: type "" (none), "linear", "dynamic" or "llama3".
  struct RopeScaling {
    std::string type;
    double factor = 1.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    int64_t originalMaxPositionEmbeddings = 0;
  } ropeScaling;
  bool tieWordEmbeddings = false;
  /// q/k/v projections have biases (Qwen2).
  bool attentionBias = false;
  /// "float16", "bfloat16" or "float32".
  std::string torchDtype = "float16";
  int64_t bosTokenId = -1;
  std::vector<int64_t> eosTokenIds;
};

/// One linear module's quantization as config_for_layers stores it.
struct LayerQuantization {
  ref::LayerConfig config;
  /// Unpacked indices stored as float16 bit patterns.
  bool indicesAsFloat = false;
};

/// quantization_config with quant_method "vptq".
struct QuantizationConfig {
  std::map<std::string, LayerQuantization> configForLayers;
  std::map<std::string, LayerQuantization> sharedLayerConfig;

  /// config_for_layers[name], else shared_layer_config[last component of
  /// name], else null: the module is a plain dense linear.
  const LayerQuantization *lookup(const std::string &moduleName) const;
};

/// A linear layer of the decoder: weight is outFeatures x inFeatures.
struct LinearModule {
  std::string name;
  int64_t inFeatures = 0;
  int64_t outFeatures = 0;
  bool bias = false;
};

struct ModelConfig {
  ModelArchitecture arch;
  std::optional<QuantizationConfig> quantization;

  /// The decoder's linear layers in execution order:
  /// model.layers.{i}.self_attn.{q,k,v,o}_proj, model.layers.{i}.mlp.
  /// {gate,up,down}_proj, then lm_head unless tied to the embedding.
  std::vector<LinearModule> linearModules() const;
};

/// Parses config.json text; `source` names it in messages. Returns "" or a
/// message naming the key and the problem. Checks each quantized layer's
/// configuration (LayerConfig::verify) and its shape against the
/// architecture's module of that name.
std::string parseModelConfig(const std::string &text,
                             const std::string &source, ModelConfig &out);

/// Reads and parses the file at `path`.
std::string readModelConfig(const std::string &path, ModelConfig &out);

/// Parses one layer entry of config_for_layers / shared_layer_config
/// (JSON text). `where` names it in messages.
std::string parseLayerQuantization(const std::string &json,
                                   const std::string &where,
                                   LayerQuantization &out);

/// The JSON object of a layer entry, with the reference's keys
/// (vector_lens, num_centroids, num_res_centroids, group_num, ...).
std::string layerQuantizationToJSON(const LayerQuantization &layer);

/// The JSON text of a whole config.json for `config` (architecture keys of
/// a LlamaForCausalLM and, if present, quantization_config with one entry
/// per quantized module in config_for_layers).
std::string modelConfigToJSON(const ModelConfig &config);

} // namespace vptq::checkpoint

#endif // VPTQ_CHECKPOINT_MODELCONFIG_H
