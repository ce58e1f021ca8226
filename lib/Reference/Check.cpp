//===- Check.cpp - Compare kernel outputs with the reference --------------===//

#include "vptq/Reference/Check.h"

#include "Parallel.h"

#include <algorithm>
#include <cmath>
#include <sstream>

using namespace vptq::ref;

std::string CheckResult::summary() const {
  std::ostringstream os;
  if (ok()) {
    os << "ok: " << checked << " elements, max error " << maxScaledError
       << " of scale";
    return os.str();
  }
  if (checked == 0)
    return "FAILED: nothing was checked";
  os << "FAILED: " << failures << " of " << checked << " elements; first at "
     << firstBad << ": got " << firstGot << ", want " << firstWant
     << " (tolerance " << firstTolerance << ")";
  return os.str();
}

CheckResult vptq::ref::checkLinearOutput(const QuantizedLinear &layer,
                                         const std::vector<float> &x,
                                         int64_t batch,
                                         const std::vector<float> &y,
                                         DType outType) {
  const LayerConfig &c = layer.config;
  return checkDenseOutput(dequantize(layer), layer.bias, c.inFeatures,
                          c.outFeatures, x, batch, y, outType);
}

DenseReference vptq::ref::computeDenseReference(const std::vector<float> &w,
                                                const std::vector<float> &bias,
                                                int64_t in, int64_t out,
                                                const std::vector<float> &x,
                                                int64_t batch) {
  DenseReference ref;
  ref.batch = batch;
  ref.out = out;
  ref.want.resize(batch * out);
  ref.scale.resize(batch * out);
  // Output rows in parallel (large layers at large batches are billions of
  // multiply-adds), four at a time so that each input row is read once per
  // four weight rows; every output still sums its terms in column order.
  constexpr int64_t kRows = 4;
  parallelRowRanges(out, 16, [&](int64_t begin, int64_t end) {
    for (int64_t n0 = begin; n0 < end; n0 += kRows) {
      const int64_t rows = std::min(kRows, end - n0);
      for (int64_t b = 0; b < batch; ++b) {
        double want[kRows], scale[kRows];
        const float *wr[kRows];
        for (int64_t i = 0; i < kRows; ++i) {
          int64_t n = n0 + std::min(i, rows - 1);
          want[i] = bias.empty() ? 0.0 : bias[n];
          scale[i] = std::fabs(want[i]);
          wr[i] = w.data() + n * in;
        }
        const float *xr = x.data() + b * in;
        for (int64_t j = 0; j < in; ++j) {
          double xj = xr[j];
          for (int64_t i = 0; i < kRows; ++i) {
            double term = xj * double(wr[i][j]);
            want[i] += term;
            scale[i] += std::fabs(term);
          }
        }
        for (int64_t i = 0; i < rows; ++i) {
          ref.want[b * out + n0 + i] = want[i];
          ref.scale[b * out + n0 + i] = scale[i];
        }
      }
    }
  });
  return ref;
}

CheckResult vptq::ref::checkAgainstReference(const DenseReference &ref,
                                             const std::vector<float> &y,
                                             DType outType) {
  double eps = outType == DType::F16    ? std::ldexp(1.0, -11)
               : outType == DType::BF16 ? std::ldexp(1.0, -8)
                                        : std::ldexp(1.0, -24);
  CheckResult r;
  for (int64_t index = 0; index < ref.batch * ref.out; ++index) {
    double want = ref.want[index], scale = ref.scale[index];
    double got = y[index];
    double tolerance = 2 * eps * std::fabs(want) + 4e-5 * scale;
    double err = std::fabs(got - want);
    ++r.checked;
    if (scale > 0)
      r.maxScaledError = std::fmax(r.maxScaledError, err / scale);
    if (!std::isfinite(got) || err > tolerance) {
      if (r.failures++ == 0) {
        r.firstBad = index;
        r.firstGot = got;
        r.firstWant = want;
        r.firstTolerance = tolerance;
      }
    }
  }
  return r;
}

CheckResult vptq::ref::checkDenseOutput(const std::vector<float> &w,
                                        const std::vector<float> &bias,
                                        int64_t in, int64_t out,
                                        const std::vector<float> &x,
                                        int64_t batch,
                                        const std::vector<float> &y,
                                        DType outType) {
  return checkAgainstReference(
      computeDenseReference(w, bias, in, out, x, batch), y, outType);
}
