//===- Dequant.cpp - Reference VPTQ dequantization ------------------------===//

#include "vptq/Reference/Dequant.h"
#include "vptq/Reference/Float16.h"
#include "vptq/Reference/Packing.h"

#include "Parallel.h"

#include <algorithm>

#include <sstream>

using namespace vptq::ref;

namespace {

std::string sizeMismatch(const char *tensor, size_t got, int64_t expected) {
  std::ostringstream os;
  os << "tensor '" << tensor << "' has " << got << " elements, expected "
     << expected;
  return os.str();
}

/// Checks that `values` are all below `limit`; names the first offender.
std::string checkRange(const char *tensor, const std::vector<uint32_t> &values,
                       int64_t limit) {
  for (size_t i = 0; i < values.size(); ++i) {
    if (int64_t(values[i]) >= limit) {
      std::ostringstream os;
      os << "tensor '" << tensor << "' element " << i << " is " << values[i]
         << ", out of range for " << limit << " centroids";
      return os.str();
    }
  }
  return {};
}

float roundAs(float v, Rounding rounding) {
  switch (rounding) {
  case Rounding::None:
    return v;
  case Rounding::Half:
    return roundToHalf(v);
  case Rounding::BFloat16:
    return roundToBf16(v);
  }
  return v;
}

} // namespace

void vptq::ref::unpackAll(const QuantizedLinear &layer,
                          std::vector<uint32_t> &idx,
                          std::vector<uint32_t> &res) {
  const LayerConfig &c = layer.config;
  int64_t rows = c.numCodebooks * c.numIndexRows();
  if (!c.packed) {
    idx = layer.indices;
    res = c.hasResidual() ? layer.resIndices : std::vector<uint32_t>();
    return;
  }
  int64_t words = c.packedWordsPerRow();
  idx.assign(rows * c.groupSize, 0);
  res.assign(c.hasResidual() ? rows * c.groupSize : 0, 0);
  for (int64_t r = 0; r < rows; ++r)
    unpackIndexRow(layer.indices.data() + r * words, c.groupSize, c.indexBits,
                   c.resIndexBits, idx.data() + r * c.groupSize,
                   c.hasResidual() ? res.data() + r * c.groupSize : nullptr);
}

std::string vptq::ref::validate(const QuantizedLinear &layer) {
  const LayerConfig &c = layer.config;
  if (std::string msg = c.verify(); !msg.empty())
    return "invalid layer configuration: " + msg;

  int64_t rows = c.numCodebooks * c.numIndexRows();
  int64_t idxCount = rows * (c.packed ? c.packedWordsPerRow() : c.groupSize);
  if (int64_t(layer.indices.size()) != idxCount)
    return sizeMismatch("indices", layer.indices.size(), idxCount);
  int64_t resCount = c.hasResidual() && !c.packed ? rows * c.groupSize : 0;
  if (int64_t(layer.resIndices.size()) != resCount)
    return sizeMismatch("res_indices", layer.resIndices.size(), resCount);
  int64_t cbCount = c.numCodebooks * c.numCentroids * c.vectorLen;
  if (int64_t(layer.centroids.size()) != cbCount)
    return sizeMismatch("centroids", layer.centroids.size(), cbCount);
  int64_t rcbCount = c.numCodebooks * c.numResCentroids * c.vectorLen;
  if (int64_t(layer.resCentroids.size()) != rcbCount)
    return sizeMismatch("res_centroids", layer.resCentroids.size(), rcbCount);
  int64_t oidxCount = c.hasOutliers() ? c.numOutlierIndexRows() * c.outlierSize
                                      : 0;
  if (int64_t(layer.outlierIndices.size()) != oidxCount)
    return sizeMismatch("outlier_indices", layer.outlierIndices.size(),
                        oidxCount);
  int64_t ocbCount =
      c.hasOutliers() ? c.numOutlierCentroids * c.outlierVectorLen : 0;
  if (int64_t(layer.outlierCentroids.size()) != ocbCount)
    return sizeMismatch("outlier_centroids", layer.outlierCentroids.size(),
                        ocbCount);
  int64_t permCount = c.enablePerm ? c.inFeatures : 0;
  if (int64_t(layer.perm.size()) != permCount)
    return sizeMismatch("perm", layer.perm.size(), permCount);
  int64_t normCount = c.enableNorm ? c.inFeatures : 0;
  if (int64_t(layer.weightScale.size()) != normCount)
    return sizeMismatch("weight_scale", layer.weightScale.size(), normCount);
  if (int64_t(layer.weightBias.size()) != normCount)
    return sizeMismatch("weight_bias", layer.weightBias.size(), normCount);
  int64_t biasCount = c.bias ? c.outFeatures : 0;
  if (int64_t(layer.bias.size()) != biasCount)
    return sizeMismatch("bias", layer.bias.size(), biasCount);

  std::vector<uint32_t> idx, res;
  unpackAll(layer, idx, res);
  if (std::string msg = checkRange("indices", idx, c.numCentroids);
      !msg.empty())
    return msg;
  if (std::string msg = checkRange("res_indices", res, c.numResCentroids);
      !msg.empty())
    return msg;
  if (std::string msg = checkRange("outlier_indices", layer.outlierIndices,
                                   c.numOutlierCentroids);
      !msg.empty())
    return msg;

  if (c.enablePerm) {
    std::vector<bool> seen(c.inFeatures, false);
    for (size_t i = 0; i < layer.perm.size(); ++i) {
      int64_t p = layer.perm[i];
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

std::vector<float> vptq::ref::dequantize(const QuantizedLinear &layer,
                                         Rounding rounding) {
  const LayerConfig &c = layer.config;
  const int64_t in = c.inFeatures, out = c.outFeatures, v = c.vectorLen;
  std::vector<uint32_t> idx, res;
  unpackAll(layer, idx, res);

  // One output row r at a time (rows in parallel; each row is computed the
  // same on any thread): the row of the quantized layout, then its columns
  // permuted and normed. Row r is element l = r % v of the vectors of index
  // row n = r / v (the padding rows past out are never computed).
  std::vector<float> w(out * in);
  const int64_t ni = c.numIndexRows();
  parallelRowRanges(out, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> wq(in);
    for (int64_t r = begin; r < end; ++r) {
      // Steps 1 and 2: the quantized layout, outlier columns first.
      std::fill(wq.begin(), wq.end(), 0.0f);
      const int64_t n = r / v, l = r % v;
      for (int64_t cb = 0; cb < c.numCodebooks; ++cb) {
        const float *book = layer.centroids.data() + cb * c.numCentroids * v;
        const float *resBook = c.hasResidual() ? layer.resCentroids.data() +
                                                     cb * c.numResCentroids * v
                                               : nullptr;
        const int64_t first = (cb * ni + n) * c.groupSize;
        float *dst = wq.data() + c.outlierSize + cb * c.groupSize;
        for (int64_t g = 0; g < c.groupSize; ++g) {
          float value = book[int64_t(idx[first + g]) * v + l];
          if (resBook)
            value = roundAs(value + resBook[int64_t(res[first + g]) * v + l],
                            rounding);
          dst[g] = value;
        }
      }
      if (c.hasOutliers()) {
        const int64_t vo = c.outlierVectorLen, on = r / vo, ol = r % vo;
        if (on < c.numOutlierIndexRows())
          for (int64_t o = 0; o < c.outlierSize; ++o) {
            uint32_t code = layer.outlierIndices[on * c.outlierSize + o];
            wq[o] = layer.outlierCentroids[int64_t(code) * vo + ol];
          }
      }

      // Step 3: W = Wq[:, argsort(perm)], i.e. column i of Wq lands at
      // perm[i].
      float *row = w.data() + r * in;
      for (int64_t i = 0; i < in; ++i)
        row[c.enablePerm ? layer.perm[i] : i] = wq[i];

      // Step 4: per-input-column scale and bias.
      if (c.enableNorm)
        for (int64_t j = 0; j < in; ++j) {
          float scaled = roundAs(row[j] * layer.weightScale[j], rounding);
          row[j] = roundAs(scaled + layer.weightBias[j], rounding);
        }
    }
  });
  return w;
}

std::vector<float> vptq::ref::denseLinear(const std::vector<float> &w,
                                          const std::vector<float> &bias,
                                          const std::vector<float> &x,
                                          int64_t batch, int64_t inFeatures,
                                          int64_t outFeatures) {
  std::vector<float> y(batch * outFeatures);
  for (int64_t b = 0; b < batch; ++b) {
    const float *xr = x.data() + b * inFeatures;
    for (int64_t n = 0; n < outFeatures; ++n) {
      const float *wr = w.data() + n * inFeatures;
      double acc = bias.empty() ? 0.0 : double(bias[n]);
      for (int64_t j = 0; j < inFeatures; ++j)
        acc += double(xr[j]) * double(wr[j]);
      y[b * outFeatures + n] = float(acc);
    }
  }
  return y;
}

std::vector<float> vptq::ref::linear(const QuantizedLinear &layer,
                                     const std::vector<float> &x,
                                     int64_t batch) {
  const LayerConfig &c = layer.config;
  return denseLinear(dequantize(layer), layer.bias, x, batch, c.inFeatures,
                     c.outFeatures);
}
