//===- Transformer.cpp - Reference of the transformer ops -----------------===//

#include "vptq/Reference/Transformer.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace vptq;

std::vector<float> ref::rmsNorm(const std::vector<float> &x,
                                const std::vector<float> &w, int64_t width,
                                double epsilon) {
  std::vector<float> y(x.size());
  for (size_t row = 0; row < x.size() / width; ++row) {
    const float *xr = x.data() + row * width;
    double sumSq = 0;
    for (int64_t i = 0; i < width; ++i)
      sumSq += double(xr[i]) * xr[i];
    double scale = 1.0 / std::sqrt(sumSq / double(width) + epsilon);
    for (int64_t i = 0; i < width; ++i)
      y[row * width + i] = float(xr[i] * scale * w[i]);
  }
  return y;
}

std::vector<float> ref::rotary(const std::vector<float> &x,
                               const std::vector<int32_t> &positions,
                               const std::vector<float> &invFreq, int64_t width,
                               int64_t headDim) {
  std::vector<float> y(x);
  int64_t half = headDim / 2;
  for (size_t t = 0; t < positions.size(); ++t)
    for (int64_t h = 0; h < width / headDim; ++h)
      for (int64_t i = 0; i < half; ++i) {
        double angle = double(positions[t]) * double(invFreq[i]);
        double c = std::cos(angle), s = std::sin(angle);
        size_t lo = t * width + h * headDim + i, hi = lo + half;
        y[lo] = float(x[lo] * c - x[hi] * s);
        y[hi] = float(x[hi] * c + x[lo] * s);
      }
  return y;
}

void ref::appendRotatedRows(const std::vector<float> &keys,
                            const std::vector<float> &values,
                            const std::vector<int32_t> &positions,
                            const std::vector<float> &invFreq, int64_t width,
                            int64_t headDim, std::vector<float> &keyCache,
                            std::vector<float> &valueCache) {
  std::vector<float> rotated = rotary(keys, positions, invFreq, width, headDim);
  for (size_t t = 0; t < positions.size(); ++t)
    for (int64_t i = 0; i < width; ++i) {
      keyCache[positions[t] * width + i] = rotated[t * width + i];
      valueCache[positions[t] * width + i] = values[t * width + i];
    }
}

std::vector<float> ref::attention(const std::vector<float> &query,
                                  const std::vector<float> &keyCache,
                                  const std::vector<float> &valueCache,
                                  const std::vector<int32_t> &positions,
                                  int64_t numHeads, int64_t numKVHeads,
                                  int64_t headDim, double scale) {
  int64_t width = numHeads * headDim, kvWidth = numKVHeads * headDim;
  int64_t group = numHeads / numKVHeads;
  std::vector<float> out(query.size());
  for (size_t t = 0; t < positions.size(); ++t)
    for (int64_t h = 0; h < numHeads; ++h) {
      const float *q = query.data() + t * width + h * headDim;
      int64_t kvOffset = (h / group) * headDim;
      int64_t n = positions[t] + 1;
      std::vector<double> scores(n);
      double maxScore = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < n; ++j) {
        const float *k = keyCache.data() + j * kvWidth + kvOffset;
        double dot = 0;
        for (int64_t d = 0; d < headDim; ++d)
          dot += double(q[d]) * k[d];
        scores[j] = dot * scale;
        maxScore = std::max(maxScore, scores[j]);
      }
      double sum = 0;
      for (double &s : scores)
        sum += (s = std::exp(s - maxScore));
      for (int64_t d = 0; d < headDim; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < n; ++j)
          acc += scores[j] * valueCache[j * kvWidth + kvOffset + d];
        out[t * width + h * headDim + d] = float(acc / sum);
      }
    }
  return out;
}

std::vector<float> ref::siluMul(const std::vector<float> &gate,
                                const std::vector<float> &up) {
  std::vector<float> y(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    double g = gate[i];
    y[i] = float(g / (1.0 + std::exp(-g)) * up[i]);
  }
  return y;
}

std::vector<float>
ref::ropeInverseFrequencies(int64_t headDim, double theta, double factor,
                            double lowFreqFactor, double highFreqFactor,
                            int64_t originalContext, bool llama3) {
  std::vector<float> inv(headDim / 2);
  const double pi = 3.14159265358979323846;
  for (int64_t i = 0; i < headDim / 2; ++i) {
    double f = std::pow(theta, -2.0 * double(i) / double(headDim));
    if (llama3 && factor > 1) {
      // Llama 3.1: long wavelengths slowed by `factor`, short ones kept,
      // a smooth blend between.
      double lowWavelen = double(originalContext) / lowFreqFactor;
      double highWavelen = double(originalContext) / highFreqFactor;
      double wavelen = 2 * pi / f;
      if (wavelen > lowWavelen) {
        f /= factor;
      } else if (wavelen >= highWavelen) {
        double smooth = (double(originalContext) / wavelen - lowFreqFactor) /
                        (highFreqFactor - lowFreqFactor);
        f = (1 - smooth) * f / factor + smooth * f;
      }
    } else if (factor > 1) {
      f /= factor; // linear position interpolation
    }
    inv[i] = float(f);
  }
  return inv;
}
