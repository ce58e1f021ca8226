//===- Manifest.cpp - manifest.json of a kernel bundle --------------------===//

#include "vptq/ABI/Manifest.h"
#include "vptq/Checkpoint/ModelConfig.h"

#include "JSONInts.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace vptq;
using nlohmann::json;

namespace {

const char *formName(LinearForm form) {
  switch (form) {
  case LinearForm::Fused:
    return "fused";
  case LinearForm::Decomposed:
    return "decomposed";
  case LinearForm::DecomposedUnpacked:
    return "decomposed-unpacked";
  }
  return "fused";
}

json specToJSON(const LinearSpec &spec) {
  json j = spec.dense ? json{{"in_features", spec.config.inFeatures},
                             {"out_features", spec.config.outFeatures},
                             {"bias", spec.config.bias}}
                      : json::parse(checkpoint::layerQuantizationToJSON(
                            {spec.config, false}));
  if (!spec.dense) {
    j["index_bits"] = spec.config.indexBits;
    j["res_index_bits"] = spec.config.resIndexBits;
    j["index_storage"] = ref::dtypeName(spec.indexStorage);
    j["perm_storage"] = ref::dtypeName(spec.permStorage);
  }
  j["dense"] = spec.dense;
  j["activation"] = ref::dtypeName(spec.activation);
  j["model_dtype"] = ref::dtypeName(spec.model);
  j["batch"] = spec.batch;
  if (spec.batchHint > 0)
    j["batch_hint"] = spec.batchHint;
  j["form"] = formName(spec.form);
  j["block_rows"] = spec.blockRows;
  j["warps_per_row"] = spec.warpsPerRow;
  j["batch_tile"] = spec.batchTile;
  j["k_chunk"] = spec.kChunk;
  if (spec.mma >= 0)
    j["mma"] = spec.mma;
  if (spec.persistentBlocks >= 0)
    j["persistent_blocks"] = spec.persistentBlocks;
  if (spec.sharedWeights >= 0)
    j["shared_weights"] = spec.sharedWeights;
  if (spec.stagedInputs >= 0)
    j["staged_inputs"] = spec.stagedInputs;
  if (spec.registerWgmma >= 0)
    j["register_wgmma"] = spec.registerWgmma;
  if (spec.codebookShards >= 0)
    j["codebook_shards"] = spec.codebookShards;
  if (spec.gatedInput)
    j["gated_input"] = true;
  j["centroids_placement"] = spec.centroidsPlacement;
  j["res_centroids_placement"] = spec.resCentroidsPlacement;
  return j;
}

ref::DType dtypeOf(const json &j, const char *key) {
  ref::DType d;
  if (!ref::parseDType(j.at(key).get<std::string>(), d))
    throw std::runtime_error(std::string("unknown dtype in '") + key + "'");
  return d;
}

LinearSpec specFromJSON(const json &j, const std::string &where) {
  LinearSpec spec;
  spec.dense = j.value("dense", false);
  if (spec.dense) {
    spec.config.inFeatures = detail::jsonIntAt(j, "in_features");
    spec.config.outFeatures = detail::jsonIntAt(j, "out_features");
    spec.config.bias = j.at("bias").get<bool>();
  } else {
    checkpoint::LayerQuantization layer;
    if (std::string err =
            checkpoint::parseLayerQuantization(j.dump(), where, layer);
        !err.empty())
      throw std::runtime_error(err);
    spec.config = layer.config;
    spec.config.indexBits = j.value("index_bits", spec.config.indexBits);
    spec.config.resIndexBits =
        j.value("res_index_bits", spec.config.resIndexBits);
    spec.indexStorage = dtypeOf(j, "index_storage");
    spec.permStorage = dtypeOf(j, "perm_storage");
  }
  spec.activation = dtypeOf(j, "activation");
  spec.model = dtypeOf(j, "model_dtype");
  spec.batch = detail::jsonIntOr(j, "batch", -1);
  spec.batchHint = detail::jsonIntOr(j, "batch_hint", 0);
  std::string form = j.value("form", std::string("fused"));
  spec.form = form == "decomposed"            ? LinearForm::Decomposed
              : form == "decomposed-unpacked" ? LinearForm::DecomposedUnpacked
                                              : LinearForm::Fused;
  spec.blockRows = detail::jsonIntOr(j, "block_rows", 0);
  spec.warpsPerRow = detail::jsonIntOr(j, "warps_per_row", 0);
  spec.batchTile = detail::jsonIntOr(j, "batch_tile", 0);
  spec.kChunk = detail::jsonIntOr(j, "k_chunk", 0);
  spec.mma = detail::jsonIntOr(j, "mma", -1);
  spec.persistentBlocks = detail::jsonIntOr(j, "persistent_blocks", -1);
  spec.sharedWeights = detail::jsonIntOr(j, "shared_weights", -1);
  spec.stagedInputs = detail::jsonIntOr(j, "staged_inputs", -1);
  spec.registerWgmma = detail::jsonIntOr(j, "register_wgmma", -1);
  spec.codebookShards = detail::jsonIntOr(j, "codebook_shards", -1);
  spec.gatedInput = j.value("gated_input", false);
  spec.centroidsPlacement = j.value("centroids_placement", std::string());
  spec.resCentroidsPlacement =
      j.value("res_centroids_placement", std::string());
  return spec;
}

json opToJSON(const OpSpec &s) {
  return {{"op", s.op},
          {"dtype", ref::dtypeName(s.dtype)},
          {"param_dtype", ref::dtypeName(s.paramType)},
          {"width", s.width},
          {"num_heads", s.numHeads},
          {"num_kv_heads", s.numKVHeads},
          {"head_dim", s.headDim},
          {"epsilon", s.epsilon},
          {"scale", s.scale}};
}

OpSpec opFromJSON(const json &j, const std::string &where) {
  OpSpec s;
  s.op = j.at("op").get<std::string>();
  s.dtype = dtypeOf(j, "dtype");
  s.paramType = dtypeOf(j, "param_dtype");
  s.width = detail::jsonIntAt(j, "width");
  s.numHeads = detail::jsonIntOr(j, "num_heads", 0);
  s.numKVHeads = detail::jsonIntOr(j, "num_kv_heads", 0);
  s.headDim = detail::jsonIntOr(j, "head_dim", 0);
  s.epsilon = j.value("epsilon", 0.0);
  s.scale = j.value("scale", 0.0);
  if (std::string err = s.verify(); !err.empty())
    throw std::runtime_error(where + ": " + err);
  return s;
}

} // namespace

std::string vptq::writeManifest(const BundleManifest &m) {
  json kernels = json::array();
  for (const BundleKernel &k : m.kernels) {
    json args = json::array();
    for (const KernelArg &a : k.args)
      args.push_back({{"name", a.name},
                      {"dtype", ref::dtypeName(a.dtype)},
                      {"shape", a.shape}});
    json entry = {{"id", k.id},
                  {"arch", k.arch},
                  {"kind", k.kind},
                  {"file", k.file},
                  {"symbol", k.symbol},
                  {"spec_key", k.key()},
                  {"args", args},
                  {"abi", "memref-descriptor"},
                  {"input_hash", k.inputHash}};
    if (k.op)
      entry["op"] = opToJSON(*k.op);
    else
      entry["spec"] = specToJSON(k.spec);
    if (!k.sha256.empty())
      entry["sha256"] = k.sha256;
    if (k.arch == "host") {
      entry["cpu"] = k.cpu;
      entry["cpu_features"] = k.cpuFeatures;
    } else {
      const LaunchInfo &l = k.launch;
      entry["launch"] = {{"block", {l.blockSize, 1, 1}},
                         {"grid_x", l.gridX},
                         {"grid_y", "ceil(batch / batch_tile)"},
                         {"batch_tile", l.batchTile},
                         {"shared_bytes", l.sharedBytes},
                         {"grid_dependency", l.gridDependency},
                         {"cluster_size", l.clusterSize}};
      entry["tiling"] = {{"block_rows", l.blockRows},
                         {"warps_per_row", l.warpsPerRow},
                         {"batch_tile", l.batchTile},
                         {"k_chunk", l.kChunk},
                         {"mma", l.mma},
                         {"persistent_blocks", l.persistentBlocks},
                         {"shared_weights", l.sharedWeights}};
      if (l.stagedInputs)
        entry["tiling"]["staged_inputs"] = true;
      if (l.registerWgmma)
        entry["tiling"]["register_wgmma"] = true;
      entry["placement"] = {{"centroids", l.centroidsPlacement},
                            {"res_centroids", l.resCentroidsPlacement}};
    }
    kernels.push_back(entry);
  }
  json j = {{"format_version", m.formatVersion},
            {"compiler", m.compiler},
            {"created", m.created},
            {"source", json::parse(m.sourceJSON)},
            {"archs", m.archs},
            {"layers", m.layers},
            {"kernels", kernels}};
  return j.dump(2) + "\n";
}

std::string vptq::parseManifest(const std::string &text,
                                const std::string &source,
                                BundleManifest &out) {
  try {
    json j = json::parse(text);
    BundleManifest m;
    m.formatVersion = detail::jsonInt<int>(j.at("format_version"), "format_version");
    if (m.formatVersion != 1)
      return source + ": manifest format_version " +
             std::to_string(m.formatVersion) +
             " is not supported (this runtime reads version 1)";
    m.compiler = j.at("compiler").get<std::string>();
    m.created = j.value("created", std::string());
    m.archs = j.at("archs").get<std::vector<std::string>>();
    m.layers = j.at("layers").get<std::map<std::string, std::string>>();
    m.sourceJSON = j.value("source", json::object()).dump();
    for (const json &e : j.at("kernels")) {
      BundleKernel k;
      k.id = e.at("id").get<std::string>();
      k.arch = e.at("arch").get<std::string>();
      k.kind = e.at("kind").get<std::string>();
      k.file = e.at("file").get<std::string>();
      k.symbol = e.at("symbol").get<std::string>();
      k.inputHash = e.value("input_hash", std::string());
      k.sha256 = e.value("sha256", std::string());
      if (e.contains("op"))
        k.op = opFromJSON(e.at("op"), source + ": kernel " + k.id);
      else
        k.spec = specFromJSON(e.at("spec"), source + ": kernel " + k.id);
      for (const json &a : e.at("args")) {
        KernelArg arg;
        arg.name = a.at("name").get<std::string>();
        arg.dtype = dtypeOf(a, "dtype");
        arg.shape = detail::jsonIntsAt(a, "shape");
        k.args.push_back(arg);
      }
      if (k.arch == "host") {
        k.cpu = e.value("cpu", std::string());
        k.cpuFeatures = e.value("cpu_features", std::string());
      } else {
        const json &l = e.at("launch");
        k.launch.kernelName = k.symbol;
        k.launch.blockSize = detail::jsonInt(l.at("block").at(0), "block");
        k.launch.gridX = detail::jsonIntAt(l, "grid_x");
        k.launch.batchTile = detail::jsonIntAt(l, "batch_tile");
        k.launch.sharedBytes = detail::jsonIntAt(l, "shared_bytes");
        k.launch.gridDependency = l.value("grid_dependency", false);
        k.launch.clusterSize = detail::jsonIntOr(l, "cluster_size", 1);
        if (auto t = e.find("tiling"); t != e.end()) {
          k.launch.blockRows = detail::jsonIntOr(*t, "block_rows", 0);
          k.launch.warpsPerRow = detail::jsonIntOr(*t, "warps_per_row", 0);
          k.launch.kChunk = detail::jsonIntOr(*t, "k_chunk", 0);
          k.launch.mma = t->value("mma", false);
          k.launch.persistentBlocks =
              detail::jsonIntOr(*t, "persistent_blocks", 0);
          k.launch.sharedWeights = t->value("shared_weights", false);
          k.launch.stagedInputs = t->value("staged_inputs", false);
          k.launch.registerWgmma = t->value("register_wgmma", false);
        }
        if (auto p = e.find("placement"); p != e.end()) {
          k.launch.centroidsPlacement = p->value("centroids", std::string());
          k.launch.resCentroidsPlacement =
              p->value("res_centroids", std::string());
        }
      }
      m.kernels.push_back(std::move(k));
    }
    out = std::move(m);
  } catch (const std::exception &e) {
    return source + ": invalid manifest: " + e.what();
  }
  return {};
}

std::string vptq::readManifest(const std::string &bundleDir,
                               BundleManifest &out) {
  std::string path = bundleDir + "/manifest.json";
  std::ifstream in(path);
  if (!in)
    return path + ": cannot open (not a vptq-compile bundle?)";
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parseManifest(buffer.str(), path, out);
}

bool vptq::archRunsOn(const std::string &arch, const std::string &deviceArch) {
  auto strip = [](std::string a) {
    if (a.rfind("sm_", 0) == 0 && !a.empty() && a.back() == 'a')
      a.pop_back();
    return a;
  };
  return strip(arch) == strip(deviceArch);
}
