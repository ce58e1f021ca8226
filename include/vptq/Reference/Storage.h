//===- Storage.h - Checkpoint storage of a quantized layer ------*- C++ -*-===//
//
// The tensors of one quantized linear layer as a checkpoint stores them
// (dtype, shape, little-endian bytes), and the conversion to and from the
// float32 `QuantizedLinear` the reference math works on. Shared by the
// loader, the writer, the quantizer and every numeric test.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_STORAGE_H
#define VPTQ_REFERENCE_STORAGE_H

#include "vptq/Reference/Dequant.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace vptq::ref {

/// Element types of checkpoint tensors (safetensors names in dtypeName).
enum class DType : uint8_t { F32, F16, BF16, I64, I32, I16, I8, U8 };

/// Bytes per element.
int64_t dtypeSize(DType dtype);
/// The safetensors name: "F32", "F16", "BF16", "I64", "I32", "I16", ...
const char *dtypeName(DType dtype);
/// Parses a safetensors dtype name; false if unknown.
bool parseDType(const std::string &name, DType &dtype);
/// True for F32, F16 and BF16.
bool isFloat(DType dtype);

/// A dense row-major tensor in host memory.
struct HostTensor {
  DType dtype = DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  HostTensor() = default;
  HostTensor(DType dtype, std::vector<int64_t> shape);

  bool empty() const { return data.empty() && shape.empty(); }
  int64_t numElements() const;
  template <typename T> T *as() { return reinterpret_cast<T *>(data.data()); }
  template <typename T> const T *as() const {
    return reinterpret_cast<const T *>(data.data());
  }
  /// Element i of a float tensor as float (exact widening).
  float floatAt(int64_t i) const;
  /// Element i of an integer tensor; 16-bit and 8-bit storage is read as
  /// unsigned, as the format stores indices and perms.
  int64_t unsignedAt(int64_t i) const;
};

/// The checkpoint tensors of one layer; absent ones are empty.
struct LayerTensors {
  HostTensor indices, resIndices, centroids, resCentroids, outlierIndices,
      outlierCentroids, perm, weightScale, weightBias, bias;

  /// The tensor named as in checkpoints and kernel arguments ("indices",
  /// "res_centroids", "weight_scale", ...), or null for other names.
  const HostTensor *get(const std::string &name) const;
  HostTensor *get(const std::string &name);
};

/// Encodes `layer` as a checkpoint stores it: codebooks, scales and bias in
/// `modelType` (rounded to nearest even), packed indices as int32 words,
/// unpacked indices and outlier indices as int16 holding uint16 bits, perm
/// as int16 (packed layers) or int64 (unpacked), as the reference does.
LayerTensors encodeLayer(const QuantizedLinear &layer, DType modelType);

/// Checks each tensor's presence, dtype and shape against `config` (the
/// checks decodeLayer starts with). Returns "" or a message naming the
/// tensor.
std::string checkLayerTensors(const LayerConfig &config,
                              const LayerTensors &tensors);

/// Decodes checkpoint tensors into `out` after checking each tensor's
/// dtype and shape against `config` (unpacked indices may also be stored as
/// F16 bit patterns: indices_as_float). Returns "" or a message naming the
/// tensor and the problem. Does not check index ranges (see validate()).
std::string decodeLayer(const LayerConfig &config, const LayerTensors &tensors,
                        QuantizedLinear &out);

/// A random layer for tests: codebooks and scales representable in
/// `modelType`, indices uniform over the codebooks, a random permutation.
QuantizedLinear makeRandomLayer(const LayerConfig &config, uint64_t seed,
                                DType modelType);

/// Fills `count` floats uniform in [lo, hi), rounded to `dtype`.
std::vector<float> randomFloats(int64_t count, uint64_t seed, float lo,
                                float hi, DType dtype);

/// Encodes floats as `dtype` (F32, F16 or BF16) bytes.
HostTensor encodeFloats(const std::vector<float> &values,
                        std::vector<int64_t> shape, DType dtype);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_STORAGE_H
