//===- Checkpoint.cpp - Hugging Face model folders ------------------------===//

#include "vptq/runtime/Checkpoint.h"
#include "vptq/Reference/Packing.h"
#include "vptq/Support/FileOutput.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

/// The parts of a quantized layer, in checkpoint order.
const char *const kParts[] = {
    "indices",       "res_indices",     "centroids",
    "res_centroids", "outlier_indices", "outlier_centroids",
    "perm",          "weight_scale",    "weight_bias",
    "bias"};

/// Why the configuration needs `part`, or null if it does not.
const char *neededBecause(const ref::LayerConfig &c, const std::string &part) {
  if (part == "indices" || part == "centroids")
    return "every quantized layer";
  if (part == "res_indices")
    return c.hasResidual() && !c.packed ? "num_res_centroids > 0, unpacked"
                                        : nullptr;
  if (part == "res_centroids")
    return c.hasResidual() ? "num_res_centroids > 0" : nullptr;
  if (part == "outlier_indices" || part == "outlier_centroids")
    return c.hasOutliers() ? "outlier_size > 0" : nullptr;
  if (part == "perm")
    return c.enablePerm ? "enable_perm" : nullptr;
  if (part == "weight_scale" || part == "weight_bias")
    return c.enableNorm ? "enable_norm" : nullptr;
  if (part == "bias")
    return c.bias ? "bias" : nullptr;
  return nullptr;
}

/// Converts an integer tensor to `dtype` (values already range-checked).
ref::HostTensor convertIntegers(const ref::HostTensor &t, ref::DType dtype) {
  if (t.dtype == dtype)
    return t;
  ref::HostTensor out(dtype, t.shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    int64_t v = t.unsignedAt(i);
    switch (dtype) {
    case ref::DType::I16:
      out.as<uint16_t>()[i] = uint16_t(v);
      break;
    case ref::DType::I32:
      out.as<uint32_t>()[i] = uint32_t(v);
      break;
    case ref::DType::I64:
      out.as<int64_t>()[i] = v;
      break;
    default:
      break;
    }
  }
  return out;
}

std::string rangeError(const char *tensor, int64_t index, int64_t value,
                       int64_t limit, const char *what) {
  std::ostringstream os;
  os << "tensor '" << tensor << "' element " << index << " is " << value
     << ", out of range for " << limit << " " << what;
  return os.str();
}

} // namespace

std::string vptq::runtime::quantizedTensorName(const std::string &module,
                                               const std::string &part) {
  if (part == "centroids" || part == "res_centroids" ||
      part == "outlier_centroids")
    return module + "." + part + ".weight";
  return module + "." + part;
}

std::string vptq::runtime::checkIndexRanges(const ref::LayerConfig &c,
                                            const ref::LayerTensors &t) {
  auto checkAll = [&](const char *name, const ref::HostTensor &tensor,
                      int64_t limit, const char *what) -> std::string {
    for (int64_t i = 0; i < tensor.numElements(); ++i)
      if (int64_t v = tensor.unsignedAt(i); v < 0 || v >= limit)
        return rangeError(name, i, v, limit, what);
    return {};
  };
  if (!c.packed) {
    if (auto msg = checkAll("indices", t.indices, c.numCentroids, "centroids");
        !msg.empty())
      return msg;
    if (c.hasResidual())
      if (auto msg = checkAll("res_indices", t.resIndices, c.numResCentroids,
                              "residual centroids");
          !msg.empty())
        return msg;
  } else if ((int64_t(1) << c.indexBits) > c.numCentroids ||
             (c.hasResidual() &&
              (int64_t(1) << c.resIndexBits) > c.numResCentroids)) {
    // Only then can a field hold a value past its codebook.
    int64_t rows = c.numCodebooks * c.numIndexRows();
    int64_t words = c.packedWordsPerRow();
    std::vector<uint32_t> idx(c.groupSize), res(c.groupSize);
    const uint32_t *data = t.indices.as<uint32_t>();
    for (int64_t r = 0; r < rows; ++r) {
      ref::unpackIndexRow(data + r * words, c.groupSize, c.indexBits,
                          c.resIndexBits, idx.data(),
                          c.hasResidual() ? res.data() : nullptr);
      for (int64_t g = 0; g < c.groupSize; ++g) {
        if (idx[g] >= uint32_t(c.numCentroids))
          return rangeError("indices", r * c.groupSize + g, idx[g],
                            c.numCentroids, "centroids (packed main index)");
        if (c.hasResidual() && res[g] >= uint32_t(c.numResCentroids))
          return rangeError("indices", r * c.groupSize + g, res[g],
                            c.numResCentroids,
                            "residual centroids (packed residual index)");
      }
    }
  }
  if (c.hasOutliers())
    if (auto msg = checkAll("outlier_indices", t.outlierIndices,
                            c.numOutlierCentroids, "outlier centroids");
        !msg.empty())
      return msg;
  if (c.enablePerm) {
    std::vector<bool> seen(c.inFeatures, false);
    for (int64_t i = 0; i < t.perm.numElements(); ++i) {
      int64_t p = t.perm.unsignedAt(i);
      if (p < 0 || p >= c.inFeatures || seen[p]) {
        std::ostringstream os;
        os << "tensor 'perm' is not a permutation of [0, " << c.inFeatures
           << "): element " << i << " is " << p
           << (p >= 0 && p < c.inFeatures ? " (repeated)" : " (out of range)");
        return os.str();
      }
      seen[p] = true;
    }
  }
  return {};
}

Result<std::shared_ptr<Checkpoint>> Checkpoint::open(const std::string &dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::error(dir + ": not a directory (expected a model folder "
                               "with config.json and *.safetensors)");
  std::shared_ptr<Checkpoint> cp(new Checkpoint());
  cp->dir = dir;
  fs::path root(dir);
  fs::path configPath = root / "config.json";
  if (!fs::exists(configPath, ec))
    return Status::error(dir + ": no config.json");
  if (std::string err =
          checkpoint::readModelConfig(configPath.string(), cp->modelConfig);
      !err.empty())
    return Status::error(err);

  fs::path indexPath = root / "model.safetensors.index.json";
  fs::path singlePath = root / "model.safetensors";
  if (fs::exists(indexPath, ec)) {
    json index;
    try {
      std::ifstream in(indexPath);
      index = json::parse(in);
    } catch (const json::exception &e) {
      return Status::error(indexPath.string() + ": invalid JSON: " + e.what());
    }
    auto map = index.find("weight_map");
    if (map == index.end() || !map->is_object())
      return Status::error(indexPath.string() + ": no weight_map object");
    std::map<std::string, const SafetensorsFile *> shards;
    for (auto &[tensor, shardName] : map->items()) {
      if (!shardName.is_string())
        return Status::error(indexPath.string() + ": weight_map[\"" + tensor +
                             "\"] is not a file name");
      std::string shard = shardName.get<std::string>();
      // Shards live in the model folder: an absolute name or one that
      // climbs out of it would read files the folder does not own.
      fs::path shardRelative(shard);
      bool climbs = false;
      for (const fs::path &part : shardRelative)
        climbs |= part == "..";
      if (shard.empty() || shardRelative.is_absolute() || climbs)
        return Status::error(indexPath.string() + ": weight_map[\"" + tensor +
                             "\"] names shard '" + shard +
                             "', which is not a file name inside the model "
                             "folder");
      if (!shards.count(shard)) {
        fs::path shardPath = root / shard;
        if (!fs::exists(shardPath, ec))
          return Status::error(indexPath.string() + ": names shard '" + shard +
                               "', which does not exist");
        auto file = SafetensorsFile::open(shardPath.string());
        if (!file)
          return file.status();
        cp->files.push_back(*file);
        shards[shard] = cp->files.back().get();
      }
      const SafetensorsFile *file = shards[shard];
      if (!file->find(tensor))
        return Status::error(indexPath.string() + ": tensor '" + tensor +
                             "' is listed in shard '" + shard +
                             "', which does not contain it");
      cp->tensorFile[tensor] = file;
    }
  } else if (fs::exists(singlePath, ec)) {
    auto file = SafetensorsFile::open(singlePath.string());
    if (!file)
      return file.status();
    cp->files.push_back(*file);
    for (const auto &[name, entry] : (*file)->entries())
      cp->tensorFile[name] = file->get();
  } else {
    return Status::error(dir + ": no model.safetensors or "
                               "model.safetensors.index.json");
  }
  return cp;
}

const SafetensorsEntry *Checkpoint::find(const std::string &name) const {
  auto it = tensorFile.find(name);
  return it == tensorFile.end() ? nullptr : it->second->find(name);
}

std::string Checkpoint::fileOf(const std::string &name) const {
  auto it = tensorFile.find(name);
  if (it != tensorFile.end())
    return it->second->path();
  return files.size() == 1 ? files[0]->path() : dir;
}

std::vector<std::string> Checkpoint::tensorNames() const {
  std::vector<std::string> names;
  for (const auto &[name, file] : tensorFile)
    names.push_back(name);
  return names;
}

Result<ref::HostTensor>
Checkpoint::load(const std::string &name,
                 const std::vector<int64_t> &expectedShape) const {
  const SafetensorsEntry *entry = find(name);
  if (!entry)
    return Status::error(fileOf(name) + ": tensor '" + name + "' is missing");
  if (!entry->dtype)
    return Status::error(fileOf(name) + ": tensor '" + name + "' has dtype " +
                         entry->dtypeName +
                         ", which vptq-mlir does not compute with");
  if (!expectedShape.empty() && entry->shape != expectedShape) {
    std::ostringstream os;
    auto print = [&](const std::vector<int64_t> &s) {
      os << "[";
      for (size_t i = 0; i < s.size(); ++i)
        os << (i ? ", " : "") << s[i];
      os << "]";
    };
    os << fileOf(name) << ": tensor '" << name << "' has shape ";
    print(entry->shape);
    os << ", expected ";
    print(expectedShape);
    return Status::error(os.str());
  }
  ref::HostTensor t(*entry->dtype, entry->shape);
  if (entry->bytes) // an empty tensor's vector may hold no buffer
    std::memcpy(t.data.data(), entry->data, entry->bytes);
  return t;
}

Result<QuantizedLayer>
Checkpoint::loadQuantized(const std::string &module) const {
  const checkpoint::LayerQuantization *q =
      modelConfig.quantization ? modelConfig.quantization->lookup(module)
                               : nullptr;
  if (!q)
    return Status::error(dir + "/config.json: layer '" + module +
                         "' is not VPTQ-quantized");
  QuantizedLayer layer;
  layer.name = module;
  layer.quantization = *q;
  const ref::LayerConfig &c = q->config;
  std::string where = "layer '" + module + "'";
  for (const char *part : kParts) {
    const char *because = neededBecause(c, part);
    if (!because)
      continue;
    std::string name = quantizedTensorName(module, part);
    if (!find(name))
      return Status::error(fileOf(name) + ": tensor '" + name +
                           "' is missing (" + where + " needs it: " + because +
                           ")");
    auto tensor = load(name);
    if (!tensor)
      return tensor.status();
    // indices_as_float: the same 16 bits, stored as float16.
    if (tensor->dtype == ref::DType::F16 &&
        (std::strcmp(part, "indices") == 0 ||
         std::strcmp(part, "res_indices") == 0 ||
         std::strcmp(part, "outlier_indices") == 0))
      tensor->dtype = ref::DType::I16;
    *layer.tensors.get(part) = std::move(*tensor);
  }
  std::string file = fileOf(quantizedTensorName(module, "indices"));
  if (std::string msg = ref::checkLayerTensors(c, layer.tensors); !msg.empty())
    return Status::error(file + ": " + where + ": " + msg);
  if (std::string msg = checkIndexRanges(c, layer.tensors); !msg.empty())
    return Status::error(file + ": " + where + ": " + msg);
  // The storage types kernels take.
  if (!c.packed) {
    layer.tensors.indices =
        convertIntegers(layer.tensors.indices, ref::DType::I16);
    if (c.hasResidual())
      layer.tensors.resIndices =
          convertIntegers(layer.tensors.resIndices, ref::DType::I16);
  }
  if (c.hasOutliers())
    layer.tensors.outlierIndices =
        convertIntegers(layer.tensors.outlierIndices, ref::DType::I16);
  if (c.enablePerm)
    layer.tensors.perm = convertIntegers(
        layer.tensors.perm, c.packed ? ref::DType::I16 : ref::DType::I64);
  layer.modelType = layer.tensors.centroids.dtype;
  return layer;
}

void vptq::runtime::addQuantizedTensors(
    const QuantizedLayer &layer,
    std::map<std::string, ref::HostTensor> &tensors) {
  for (const char *part : kParts) {
    const ref::HostTensor *t = layer.tensors.get(part);
    if (t && !t->empty())
      tensors[quantizedTensorName(layer.name, part)] = *t;
  }
}

Status vptq::runtime::writeCheckpoint(
    const std::string &dir, const checkpoint::ModelConfig &config,
    const std::map<std::string, ref::HostTensor> &tensors,
    uint64_t maxShardBytes) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::error("cannot create " + dir + ": " + ec.message());
  fs::path root(dir);
  if (std::string err = support::writeFileAtomically(
          (root / "config.json").string(),
          checkpoint::modelConfigToJSON(config) + "\n");
      !err.empty())
    return Status::error(err);
  if (maxShardBytes == 0)
    return writeSafetensors((root / "model.safetensors").string(), tensors,
                            {{"format", "pt"}});
  // Greedy shards in name order.
  std::vector<std::map<std::string, ref::HostTensor>> shards(1);
  uint64_t current = 0, total = 0;
  for (const auto &[name, t] : tensors) {
    if (current > 0 && current + t.data.size() > maxShardBytes) {
      shards.emplace_back();
      current = 0;
    }
    shards.back()[name] = t;
    current += t.data.size();
    total += t.data.size();
  }
  json weightMap = json::object();
  for (size_t i = 0; i < shards.size(); ++i) {
    char shardName[64];
    std::snprintf(shardName, sizeof(shardName),
                  "model-%05zu-of-%05zu.safetensors", i + 1, shards.size());
    VPTQ_RETURN_IF_ERROR(writeSafetensors((root / shardName).string(),
                                          shards[i], {{"format", "pt"}}));
    for (const auto &[name, t] : shards[i])
      weightMap[name] = shardName;
  }
  if (std::string err = support::writeFileAtomically(
          (root / "model.safetensors.index.json").string(),
          json({{"metadata", {{"total_size", total}}},
                {"weight_map", weightMap}})
                  .dump(2) +
              "\n");
      !err.empty())
    return Status::error(err);
  return Status::success();
}
