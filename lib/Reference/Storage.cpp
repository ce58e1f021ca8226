//===- Storage.cpp - Checkpoint storage of a quantized layer --------------===//

#include "vptq/Reference/Storage.h"
#include "vptq/Reference/Float16.h"
#include "vptq/Reference/Packing.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <sstream>

using namespace vptq::ref;

int64_t vptq::ref::dtypeSize(DType dtype) {
  switch (dtype) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
  case DType::I16:
    return 2;
  case DType::I64:
    return 8;
  case DType::I8:
  case DType::U8:
    return 1;
  }
  return 0;
}

const char *vptq::ref::dtypeName(DType dtype) {
  switch (dtype) {
  case DType::F32:
    return "F32";
  case DType::F16:
    return "F16";
  case DType::BF16:
    return "BF16";
  case DType::I64:
    return "I64";
  case DType::I32:
    return "I32";
  case DType::I16:
    return "I16";
  case DType::I8:
    return "I8";
  case DType::U8:
    return "U8";
  }
  return "?";
}

bool vptq::ref::parseDType(const std::string &name, DType &dtype) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::I64, DType::I32,
                  DType::I16, DType::I8, DType::U8})
    if (name == dtypeName(d)) {
      dtype = d;
      return true;
    }
  return false;
}

bool vptq::ref::isFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

HostTensor::HostTensor(DType dtype, std::vector<int64_t> shape)
    : dtype(dtype), shape(std::move(shape)) {
  data.assign(numElements() * dtypeSize(dtype), 0);
}

int64_t HostTensor::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

float HostTensor::floatAt(int64_t i) const {
  switch (dtype) {
  case DType::F32:
    return as<float>()[i];
  case DType::F16:
    return halfToFloat(as<uint16_t>()[i]);
  case DType::BF16:
    return bf16ToFloat(as<uint16_t>()[i]);
  default:
    return 0.0f;
  }
}

int64_t HostTensor::unsignedAt(int64_t i) const {
  switch (dtype) {
  case DType::I64:
    return as<int64_t>()[i];
  case DType::I32:
    return int64_t(as<uint32_t>()[i]);
  case DType::I16:
  case DType::F16: // indices_as_float: the same 16 bits
    return as<uint16_t>()[i];
  case DType::I8:
  case DType::U8:
    return as<uint8_t>()[i];
  default:
    return 0;
  }
}

HostTensor *LayerTensors::get(const std::string &name) {
  struct Entry {
    const char *name;
    HostTensor LayerTensors::*field;
  };
  static const Entry entries[] = {
      {"indices", &LayerTensors::indices},
      {"res_indices", &LayerTensors::resIndices},
      {"centroids", &LayerTensors::centroids},
      {"res_centroids", &LayerTensors::resCentroids},
      {"outlier_indices", &LayerTensors::outlierIndices},
      {"outlier_centroids", &LayerTensors::outlierCentroids},
      {"perm", &LayerTensors::perm},
      {"weight_scale", &LayerTensors::weightScale},
      {"weight_bias", &LayerTensors::weightBias},
      {"bias", &LayerTensors::bias},
  };
  for (const Entry &e : entries)
    if (name == e.name)
      return &(this->*e.field);
  return nullptr;
}

const HostTensor *LayerTensors::get(const std::string &name) const {
  return const_cast<LayerTensors *>(this)->get(name);
}

HostTensor vptq::ref::encodeFloats(const std::vector<float> &values,
                                   std::vector<int64_t> shape, DType dtype) {
  HostTensor t(dtype, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) {
    switch (dtype) {
    case DType::F32:
      t.as<float>()[i] = values[i];
      break;
    case DType::F16:
      t.as<uint16_t>()[i] = floatToHalf(values[i]);
      break;
    case DType::BF16:
      t.as<uint16_t>()[i] = floatToBf16(values[i]);
      break;
    default:
      break;
    }
  }
  return t;
}

namespace {

HostTensor encodeUnsigned(const std::vector<uint32_t> &values,
                          std::vector<int64_t> shape, DType dtype) {
  HostTensor t(dtype, std::move(shape));
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::I32)
      t.as<uint32_t>()[i] = values[i];
    else
      t.as<uint16_t>()[i] = uint16_t(values[i]);
  }
  return t;
}

std::string describeShape(const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os << "[";
  for (size_t i = 0; i < shape.size(); ++i)
    os << (i ? ", " : "") << shape[i];
  os << "]";
  return os.str();
}

/// Checks presence, dtype and shape of one tensor of a layer.
std::string checkTensor(const char *name, const HostTensor &t, bool required,
                        std::vector<DType> dtypes,
                        const std::vector<int64_t> &shape) {
  std::ostringstream os;
  if (!required) {
    if (!t.empty())
      os << "tensor '" << name
         << "' is present but the layer configuration does not use it";
    return os.str();
  }
  if (t.empty()) {
    os << "tensor '" << name << "' is missing";
    return os.str();
  }
  if (std::find(dtypes.begin(), dtypes.end(), t.dtype) == dtypes.end()) {
    os << "tensor '" << name << "' has dtype " << dtypeName(t.dtype)
       << ", expected ";
    for (size_t i = 0; i < dtypes.size(); ++i)
      os << (i ? " or " : "") << dtypeName(dtypes[i]);
    return os.str();
  }
  if (t.shape != shape) {
    os << "tensor '" << name << "' has shape " << describeShape(t.shape)
       << ", expected " << describeShape(shape);
    return os.str();
  }
  if (int64_t(t.data.size()) != t.numElements() * dtypeSize(t.dtype)) {
    os << "tensor '" << name << "' holds " << t.data.size()
       << " bytes, expected " << t.numElements() * dtypeSize(t.dtype);
    return os.str();
  }
  return {};
}

std::vector<float> widenFloats(const HostTensor &t) {
  std::vector<float> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = t.floatAt(i);
  return out;
}

std::vector<uint32_t> widenUnsigned(const HostTensor &t) {
  std::vector<uint32_t> out(t.numElements());
  for (int64_t i = 0; i < t.numElements(); ++i)
    out[i] = uint32_t(t.unsignedAt(i));
  return out;
}

} // namespace

LayerTensors vptq::ref::encodeLayer(const QuantizedLinear &layer,
                                    DType modelType) {
  const LayerConfig &c = layer.config;
  LayerTensors t;
  int64_t nc = c.numCodebooks, ni = c.numIndexRows();
  if (c.packed) {
    t.indices = encodeUnsigned(layer.indices, {nc, ni, c.packedWordsPerRow()},
                               DType::I32);
  } else {
    t.indices = encodeUnsigned(layer.indices, {nc, ni, c.groupSize},
                               DType::I16);
    if (c.hasResidual())
      t.resIndices = encodeUnsigned(layer.resIndices, {nc, ni, c.groupSize},
                                    DType::I16);
  }
  t.centroids = encodeFloats(layer.centroids,
                             {nc, c.numCentroids * c.vectorLen}, modelType);
  if (c.hasResidual())
    t.resCentroids = encodeFloats(
        layer.resCentroids, {nc, c.numResCentroids * c.vectorLen}, modelType);
  if (c.hasOutliers()) {
    t.outlierIndices =
        encodeUnsigned(layer.outlierIndices,
                       {1, c.numOutlierIndexRows(), c.outlierSize}, DType::I16);
    t.outlierCentroids = encodeFloats(
        layer.outlierCentroids,
        {1, c.numOutlierCentroids * c.outlierVectorLen}, modelType);
  }
  if (c.enablePerm) {
    if (c.packed) {
      std::vector<uint32_t> perm(layer.perm.begin(), layer.perm.end());
      t.perm = encodeUnsigned(perm, {c.inFeatures}, DType::I16);
    } else {
      t.perm = HostTensor(DType::I64, {c.inFeatures});
      std::copy(layer.perm.begin(), layer.perm.end(), t.perm.as<int64_t>());
    }
  }
  if (c.enableNorm) {
    t.weightScale = encodeFloats(layer.weightScale, {c.inFeatures}, modelType);
    t.weightBias = encodeFloats(layer.weightBias, {c.inFeatures}, modelType);
  }
  if (c.bias)
    t.bias = encodeFloats(layer.bias, {c.outFeatures}, modelType);
  return t;
}

std::string vptq::ref::checkLayerTensors(const LayerConfig &c,
                                         const LayerTensors &t) {
  if (std::string msg = c.verify(); !msg.empty())
    return "invalid layer configuration: " + msg;
  int64_t nc = c.numCodebooks, ni = c.numIndexRows();
  // Float tensors share the codebooks' dtype (the model dtype).
  std::vector<DType> floats = {DType::F16, DType::BF16, DType::F32};
  std::vector<DType> index16 = {DType::I16, DType::F16, DType::I32,
                                DType::I64};
  std::string msg;
  auto check = [&](const char *name, const HostTensor &tensor, bool required,
                   std::vector<DType> dtypes, std::vector<int64_t> shape) {
    if (msg.empty())
      msg = checkTensor(name, tensor, required, std::move(dtypes), shape);
  };
  if (c.packed)
    check("indices", t.indices, true, {DType::I32},
          {nc, ni, c.packedWordsPerRow()});
  else
    check("indices", t.indices, true, index16, {nc, ni, c.groupSize});
  check("res_indices", t.resIndices, c.hasResidual() && !c.packed, index16,
        {nc, ni, c.groupSize});
  check("centroids", t.centroids, true, floats,
        {nc, c.numCentroids * c.vectorLen});
  if (msg.empty())
    floats = {t.centroids.dtype};
  check("res_centroids", t.resCentroids, c.hasResidual(), floats,
        {nc, c.numResCentroids * c.vectorLen});
  check("outlier_indices", t.outlierIndices, c.hasOutliers(), index16,
        {1, c.numOutlierIndexRows(), c.outlierSize});
  check("outlier_centroids", t.outlierCentroids, c.hasOutliers(), floats,
        {1, c.numOutlierCentroids * c.outlierVectorLen});
  check("perm", t.perm, c.enablePerm, {DType::I16, DType::I32, DType::I64},
        {c.inFeatures});
  check("weight_scale", t.weightScale, c.enableNorm, floats, {c.inFeatures});
  check("weight_bias", t.weightBias, c.enableNorm, floats, {c.inFeatures});
  check("bias", t.bias, c.bias, floats, {c.outFeatures});
  return msg;
}

std::string vptq::ref::decodeLayer(const LayerConfig &c,
                                   const LayerTensors &t,
                                   QuantizedLinear &out) {
  if (std::string msg = checkLayerTensors(c, t); !msg.empty())
    return msg;
  out = QuantizedLinear();
  out.config = c;
  out.indices = widenUnsigned(t.indices);
  if (!t.resIndices.empty())
    out.resIndices = widenUnsigned(t.resIndices);
  out.centroids = widenFloats(t.centroids);
  if (!t.resCentroids.empty())
    out.resCentroids = widenFloats(t.resCentroids);
  if (!t.outlierIndices.empty()) {
    out.outlierIndices = widenUnsigned(t.outlierIndices);
    out.outlierCentroids = widenFloats(t.outlierCentroids);
  }
  if (!t.perm.empty()) {
    out.perm.resize(c.inFeatures);
    for (int64_t i = 0; i < c.inFeatures; ++i)
      out.perm[i] = t.perm.unsignedAt(i);
  }
  if (!t.weightScale.empty()) {
    out.weightScale = widenFloats(t.weightScale);
    out.weightBias = widenFloats(t.weightBias);
  }
  if (!t.bias.empty())
    out.bias = widenFloats(t.bias);
  return {};
}

std::vector<float> vptq::ref::randomFloats(int64_t count, uint64_t seed,
                                           float lo, float hi, DType dtype) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(count);
  for (float &v : out) {
    v = dist(rng);
    if (dtype == DType::F16)
      v = roundToHalf(v);
    else if (dtype == DType::BF16)
      v = roundToBf16(v);
  }
  return out;
}

QuantizedLinear vptq::ref::makeRandomLayer(const LayerConfig &c,
                                           uint64_t seed, DType modelType) {
  std::mt19937_64 rng(seed);
  auto next = [&] { return rng(); };
  QuantizedLinear l;
  l.config = c;
  int64_t rows = c.numCodebooks * c.numIndexRows();
  int64_t codes = rows * c.groupSize;
  std::vector<uint32_t> idx(codes), res;
  for (uint32_t &v : idx)
    v = uint32_t(next() % uint64_t(c.numCentroids));
  if (c.hasResidual()) {
    res.resize(codes);
    for (uint32_t &v : res)
      v = uint32_t(next() % uint64_t(c.numResCentroids));
  }
  if (c.packed) {
    int64_t words = c.packedWordsPerRow();
    l.indices.assign(rows * words, 0);
    for (int64_t r = 0; r < rows; ++r)
      packIndexRow(idx.data() + r * c.groupSize,
                   c.hasResidual() ? res.data() + r * c.groupSize : nullptr,
                   c.groupSize, c.indexBits, c.resIndexBits,
                   l.indices.data() + r * words);
  } else {
    l.indices = idx;
    l.resIndices = res;
  }
  l.centroids = randomFloats(c.numCodebooks * c.numCentroids * c.vectorLen,
                             next(), -1.0f, 1.0f, modelType);
  if (c.hasResidual())
    l.resCentroids =
        randomFloats(c.numCodebooks * c.numResCentroids * c.vectorLen, next(),
                     -0.25f, 0.25f, modelType);
  if (c.hasOutliers()) {
    l.outlierIndices.resize(c.numOutlierIndexRows() * c.outlierSize);
    for (uint32_t &v : l.outlierIndices)
      v = uint32_t(next() % uint64_t(c.numOutlierCentroids));
    l.outlierCentroids =
        randomFloats(c.numOutlierCentroids * c.outlierVectorLen, next(), -2.0f,
                     2.0f, modelType);
  }
  if (c.enablePerm) {
    l.perm.resize(c.inFeatures);
    std::iota(l.perm.begin(), l.perm.end(), 0);
    std::shuffle(l.perm.begin(), l.perm.end(), rng);
  }
  if (c.enableNorm) {
    l.weightScale =
        randomFloats(c.inFeatures, next(), 0.5f, 1.5f, modelType);
    l.weightBias =
        randomFloats(c.inFeatures, next(), -0.1f, 0.1f, modelType);
  }
  if (c.bias)
    l.bias = randomFloats(c.outFeatures, next(), -1.0f, 1.0f, modelType);
  return l;
}
