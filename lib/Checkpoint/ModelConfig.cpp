//===- ModelConfig.cpp - config.json of a (VPTQ-quantized) model ----------===//

#include "vptq/Checkpoint/ModelConfig.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>

using namespace vptq::checkpoint;
using nlohmann::json;

namespace {

/// An error while reading one JSON value; `where` is a path like
/// `config.json: quantization_config.config_for_layers["x"]`.
struct ParseError {
  std::string message;
};

[[noreturn]] void fail(const std::string &where, const std::string &what) {
  throw ParseError{where + ": " + what};
}

const json &require(const json &object, const char *key,
                    const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    fail(where, std::string("missing key '") + key + "'");
  return *it;
}

int64_t getInt(const json &value, const std::string &where, const char *key) {
  if (value.is_number_unsigned() &&
      value.get<uint64_t>() > uint64_t(INT64_MAX))
    fail(where, std::string("key '") + key + "' is too large: " + value.dump());
  if (value.is_number_integer())
    return value.get<int64_t>();
  // 4096.0 is an integer; 1e300 and 4096.5 are not (and converting them
  // would be undefined).
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d >= -9.2e18 && d <= 9.2e18 && d == std::trunc(d))
      return int64_t(d);
  }
  fail(where, std::string("key '") + key + "' must be an integer, got " +
                  value.dump());
}

int64_t requireInt(const json &object, const char *key,
                   const std::string &where) {
  return getInt(require(object, key, where), where, key);
}

int64_t optionalInt(const json &object, const char *key, int64_t fallback,
                    const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return fallback;
  return getInt(*it, where, key);
}

double optionalDouble(const json &object, const char *key, double fallback,
                      const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return fallback;
  if (!it->is_number())
    fail(where, std::string("key '") + key + "' must be a number, got " +
                    it->dump());
  return it->get<double>();
}

bool optionalBool(const json &object, const char *key, bool fallback,
                  const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return fallback;
  if (!it->is_boolean())
    fail(where, std::string("key '") + key + "' must be true or false, got " +
                    it->dump());
  return it->get<bool>();
}

std::string optionalString(const json &object, const char *key,
                           const std::string &fallback,
                           const std::string &where) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null())
    return fallback;
  if (!it->is_string())
    fail(where, std::string("key '") + key + "' must be a string, got " +
                    it->dump());
  return it->get<std::string>();
}

/// A pair [first, second] of integers (vector_lens, num_centroids, ...).
std::pair<int64_t, int64_t> requirePair(const json &object, const char *key,
                                        const std::string &where) {
  const json &value = require(object, key, where);
  if (!value.is_array() || value.size() != 2)
    fail(where, std::string("key '") + key +
                    "' must be a list of two integers, got " + value.dump());
  return {getInt(value[0], where, key), getInt(value[1], where, key)};
}

LayerQuantization parseLayer(const json &j, const std::string &where) {
  if (!j.is_object())
    fail(where, "layer entry must be an object, got " + j.dump());
  LayerQuantization layer;
  vptq::ref::LayerConfig &c = layer.config;
  c.inFeatures = requireInt(j, "in_features", where);
  c.outFeatures = requireInt(j, "out_features", where);
  auto [vo, v] = requirePair(j, "vector_lens", where);
  auto [ko, k] = requirePair(j, "num_centroids", where);
  auto [resOutlier, kr] = requirePair(j, "num_res_centroids", where);
  c.vectorLen = v;
  c.numCentroids = k;
  c.numResCentroids = kr > 0 ? kr : 0;
  c.numCodebooks = requireInt(j, "group_num", where);
  c.groupSize = requireInt(j, "group_size", where);
  c.outlierSize = optionalInt(j, "outlier_size", 0, where);
  // The reference enables outliers iff Vo > 1 and Ko > 0; -1 marks none.
  if (vo > 1 && ko > 0) {
    c.outlierVectorLen = vo;
    c.numOutlierCentroids = ko;
    if (resOutlier != -1)
      fail(where, "num_res_centroids[0] = " + std::to_string(resOutlier) +
                      ": residual quantization of outliers is not part of "
                      "the format (must be -1)");
  }
  layer.indicesAsFloat = optionalBool(j, "indices_as_float", false, where);
  c.enableNorm = optionalBool(j, "enable_norm", false, where);
  c.enablePerm = optionalBool(j, "enable_perm", false, where);
  c.packed = optionalBool(j, "is_indice_packed", false, where);
  c.bias = optionalBool(j, "bias", false, where);
  std::string dim = optionalString(j, "vector_quant_dim", "out", where);
  if (dim != "out")
    fail(where, "vector_quant_dim '" + dim +
                    "' is not supported: only \"out\" is defined (the "
                    "reference implementation rejects \"in\" too)");
  c.fillDerivedDefaults();
  if (std::string msg = c.verify(); !msg.empty())
    fail(where, msg);
  return layer;
}

std::map<std::string, LayerQuantization>
parseLayerMap(const json &q, const char *key, const std::string &where) {
  std::map<std::string, LayerQuantization> out;
  auto it = q.find(key);
  if (it == q.end() || it->is_null())
    return out;
  if (!it->is_object())
    fail(where + "." + key, "must be an object of layer entries");
  for (auto &[name, entry] : it->items())
    out[name] =
        parseLayer(entry, where + "." + key + "[\"" + name + "\"]");
  return out;
}

ModelArchitecture parseArchitecture(const json &j, const std::string &where) {
  ModelArchitecture a;
  if (auto it = j.find("architectures"); it != j.end() && it->is_array() &&
                                         !it->empty() &&
                                         (*it)[0].is_string())
    a.architecture = (*it)[0].get<std::string>();
  a.modelType = optionalString(j, "model_type", "llama", where);
  a.hiddenSize = requireInt(j, "hidden_size", where);
  a.intermediateSize = requireInt(j, "intermediate_size", where);
  a.numLayers = requireInt(j, "num_hidden_layers", where);
  a.numHeads = requireInt(j, "num_attention_heads", where);
  a.numKVHeads = optionalInt(j, "num_key_value_heads", a.numHeads, where);
  // Limits far past any published model, checked before anything is sized
  // by these fields, so that a corrupt value is an error rather than a
  // huge allocation (and no product of two of them overflows).
  auto inRange = [&](const char *key, int64_t value, int64_t limit) {
    if (value <= 0 || value > limit)
      fail(where, std::string("key '") + key + "' must be in [1, " +
                      std::to_string(limit) + "], got " +
                      std::to_string(value));
  };
  inRange("hidden_size", a.hiddenSize, kMaxHiddenSize);
  inRange("intermediate_size", a.intermediateSize, kMaxHiddenSize * 8);
  inRange("num_hidden_layers", a.numLayers, kMaxLayers);
  inRange("num_attention_heads", a.numHeads, kMaxHeads);
  inRange("num_key_value_heads", a.numKVHeads, a.numHeads);
  a.headDim = optionalInt(j, "head_dim", a.hiddenSize / a.numHeads, where);
  inRange("head_dim", a.headDim, kMaxHeadDim);
  if (a.numHeads % a.numKVHeads != 0)
    fail(where, "num_key_value_heads (" + std::to_string(a.numKVHeads) +
                    ") must divide num_attention_heads (" +
                    std::to_string(a.numHeads) + ")");
  a.vocabSize = requireInt(j, "vocab_size", where);
  inRange("vocab_size", a.vocabSize, kMaxVocabSize);
  a.maxPositionEmbeddings =
      optionalInt(j, "max_position_embeddings", 2048, where);
  inRange("max_position_embeddings", a.maxPositionEmbeddings,
          kMaxPositionEmbeddings);
  a.rmsNormEps = optionalDouble(j, "rms_norm_eps", 1e-6, where);
  a.ropeTheta = optionalDouble(j, "rope_theta", 10000.0, where);
  if (auto it = j.find("rope_scaling"); it != j.end() && !it->is_null()) {
    if (!it->is_object())
      fail(where, "rope_scaling must be an object or null");
    std::string rw = where + ".rope_scaling";
    a.ropeScaling.type = optionalString(
        *it, "rope_type", optionalString(*it, "type", "", rw), rw);
    a.ropeScaling.factor = optionalDouble(*it, "factor", 1.0, rw);
    a.ropeScaling.lowFreqFactor =
        optionalDouble(*it, "low_freq_factor", 1.0, rw);
    a.ropeScaling.highFreqFactor =
        optionalDouble(*it, "high_freq_factor", 4.0, rw);
    a.ropeScaling.originalMaxPositionEmbeddings =
        optionalInt(*it, "original_max_position_embeddings", 0, rw);
    const std::string &t = a.ropeScaling.type;
    if (t != "" && t != "default" && t != "linear" && t != "dynamic" &&
        t != "llama3")
      fail(rw, "rope_type '" + t +
                   "' is not supported (default, linear, dynamic, llama3)");
  }
  a.tieWordEmbeddings = optionalBool(j, "tie_word_embeddings", false, where);
  a.attentionBias =
      optionalBool(j, "attention_bias", a.modelType == "qwen2", where);
  a.torchDtype = optionalString(j, "torch_dtype",
                                optionalString(j, "dtype", "float16", where),
                                where);
  a.bosTokenId = optionalInt(j, "bos_token_id", -1, where);
  if (auto it = j.find("eos_token_id"); it != j.end() && !it->is_null()) {
    if (it->is_array()) {
      for (const json &e : *it)
        a.eosTokenIds.push_back(getInt(e, where, "eos_token_id"));
    } else {
      a.eosTokenIds.push_back(getInt(*it, where, "eos_token_id"));
    }
  }
  return a;
}

json layerToJSON(const LayerQuantization &layer) {
  const vptq::ref::LayerConfig &c = layer.config;
  bool outliers = c.hasOutliers();
  return json{
      {"in_features", c.inFeatures},
      {"out_features", c.outFeatures},
      {"vector_lens", {outliers ? c.outlierVectorLen : -1, c.vectorLen}},
      {"num_centroids", {outliers ? c.numOutlierCentroids : -1, c.numCentroids}},
      {"num_res_centroids",
       {-1, c.hasResidual() ? c.numResCentroids : int64_t(-1)}},
      {"group_num", c.numCodebooks},
      {"group_size", c.groupSize},
      {"outlier_size", c.outlierSize},
      {"indices_as_float", layer.indicesAsFloat},
      {"enable_norm", c.enableNorm},
      {"enable_perm", c.enablePerm},
      {"is_indice_packed", c.packed},
      {"bias", c.bias},
      {"vector_quant_dim", "out"},
  };
}

} // namespace

const LayerQuantization *
QuantizationConfig::lookup(const std::string &moduleName) const {
  if (auto it = configForLayers.find(moduleName); it != configForLayers.end())
    return &it->second;
  std::string tail = moduleName.substr(moduleName.rfind('.') + 1);
  if (auto it = sharedLayerConfig.find(tail); it != sharedLayerConfig.end())
    return &it->second;
  return nullptr;
}

std::vector<LinearModule> ModelConfig::linearModules() const {
  const ModelArchitecture &a = arch;
  std::vector<LinearModule> modules;
  int64_t qOut = a.numHeads * a.headDim, kvOut = a.numKVHeads * a.headDim;
  for (int64_t i = 0; i < a.numLayers; ++i) {
    std::string p = "model.layers." + std::to_string(i) + ".";
    modules.push_back({p + "self_attn.q_proj", a.hiddenSize, qOut,
                       a.attentionBias});
    modules.push_back({p + "self_attn.k_proj", a.hiddenSize, kvOut,
                       a.attentionBias});
    modules.push_back({p + "self_attn.v_proj", a.hiddenSize, kvOut,
                       a.attentionBias});
    modules.push_back({p + "self_attn.o_proj", qOut, a.hiddenSize, false});
    modules.push_back(
        {p + "mlp.gate_proj", a.hiddenSize, a.intermediateSize, false});
    modules.push_back(
        {p + "mlp.up_proj", a.hiddenSize, a.intermediateSize, false});
    modules.push_back(
        {p + "mlp.down_proj", a.intermediateSize, a.hiddenSize, false});
  }
  if (!a.tieWordEmbeddings)
    modules.push_back({"lm_head", a.hiddenSize, a.vocabSize, false});
  return modules;
}

std::string vptq::checkpoint::parseLayerQuantization(const std::string &text,
                                                     const std::string &where,
                                                     LayerQuantization &out) {
  try {
    out = parseLayer(json::parse(text), where);
  } catch (const ParseError &e) {
    return e.message;
  } catch (const json::exception &e) {
    return where + ": invalid JSON: " + e.what();
  }
  return {};
}

std::string vptq::checkpoint::parseModelConfig(const std::string &text,
                                               const std::string &source,
                                               ModelConfig &out) {
  try {
    json j = json::parse(text);
    if (!j.is_object())
      fail(source, "the top level must be a JSON object");
    ModelConfig config;
    config.arch = parseArchitecture(j, source);
    auto q = j.find("quantization_config");
    if (q != j.end() && !q->is_null()) {
      std::string where = source + ": quantization_config";
      if (!q->is_object())
        fail(where, "must be an object");
      std::string method = optionalString(*q, "quant_method", "", where);
      if (method != "vptq")
        fail(where, "quant_method '" + method +
                        "' is not supported: vptq-mlir runs VPTQ checkpoints "
                        "(quant_method \"vptq\")");
      QuantizationConfig quant;
      quant.configForLayers = parseLayerMap(*q, "config_for_layers", where);
      quant.sharedLayerConfig = parseLayerMap(*q, "shared_layer_config", where);
      std::vector<LinearModule> modules = config.linearModules();
      std::map<std::string, const LinearModule *> byName;
      for (const LinearModule &m : modules)
        byName[m.name] = &m;
      for (const auto &[name, layer] : quant.configForLayers)
        if (!byName.count(name))
          fail(where + ".config_for_layers[\"" + name + "\"]",
               "names no linear module of this " +
                   (config.arch.architecture.empty()
                        ? std::string("architecture")
                        : config.arch.architecture));
      for (const LinearModule &m : modules) {
        const LayerQuantization *layer = quant.lookup(m.name);
        if (!layer)
          continue;
        if (layer->config.inFeatures != m.inFeatures ||
            layer->config.outFeatures != m.outFeatures)
          fail(where, "layer '" + m.name + "' is configured as " +
                          std::to_string(layer->config.outFeatures) + " x " +
                          std::to_string(layer->config.inFeatures) +
                          " (out x in) but the architecture makes it " +
                          std::to_string(m.outFeatures) + " x " +
                          std::to_string(m.inFeatures));
      }
      config.quantization = std::move(quant);
    }
    out = std::move(config);
  } catch (const ParseError &e) {
    return e.message;
  } catch (const json::exception &e) {
    return source + ": invalid JSON: " + e.what();
  }
  return {};
}

std::string vptq::checkpoint::readModelConfig(const std::string &path,
                                              ModelConfig &out) {
  std::ifstream file(path);
  if (!file)
    return path + ": cannot open the file";
  std::stringstream buffer;
  buffer << file.rdbuf();
  return parseModelConfig(buffer.str(), path, out);
}

std::string
vptq::checkpoint::layerQuantizationToJSON(const LayerQuantization &layer) {
  return layerToJSON(layer).dump();
}

std::string vptq::checkpoint::modelConfigToJSON(const ModelConfig &config) {
  const ModelArchitecture &a = config.arch;
  json j = {
      {"architectures",
       {a.architecture.empty() ? "LlamaForCausalLM" : a.architecture}},
      {"model_type", a.modelType},
      {"hidden_size", a.hiddenSize},
      {"intermediate_size", a.intermediateSize},
      {"num_hidden_layers", a.numLayers},
      {"num_attention_heads", a.numHeads},
      {"num_key_value_heads", a.numKVHeads},
      {"head_dim", a.headDim},
      {"vocab_size", a.vocabSize},
      {"max_position_embeddings", a.maxPositionEmbeddings},
      {"rms_norm_eps", a.rmsNormEps},
      {"rope_theta", a.ropeTheta},
      {"tie_word_embeddings", a.tieWordEmbeddings},
      {"attention_bias", a.attentionBias},
      {"torch_dtype", a.torchDtype},
      {"hidden_act", "silu"},
  };
  j["rope_scaling"] = nullptr;
  if (!a.ropeScaling.type.empty())
    j["rope_scaling"] = {
        {"rope_type", a.ropeScaling.type},
        {"factor", a.ropeScaling.factor},
        {"low_freq_factor", a.ropeScaling.lowFreqFactor},
        {"high_freq_factor", a.ropeScaling.highFreqFactor},
        {"original_max_position_embeddings",
         a.ropeScaling.originalMaxPositionEmbeddings}};
  if (a.bosTokenId >= 0)
    j["bos_token_id"] = a.bosTokenId;
  if (a.eosTokenIds.size() == 1)
    j["eos_token_id"] = a.eosTokenIds[0];
  else if (!a.eosTokenIds.empty())
    j["eos_token_id"] = a.eosTokenIds;
  if (config.quantization) {
    json layers = json::object();
    for (const LinearModule &m : config.linearModules())
      if (const LayerQuantization *layer = config.quantization->lookup(m.name))
        layers[m.name] = layerToJSON(*layer);
    j["quantization_config"] = {{"quant_method", "vptq"},
                                {"config_for_layers", layers},
                                {"shared_layer_config", json::object()}};
  }
  return j.dump(2);
}
