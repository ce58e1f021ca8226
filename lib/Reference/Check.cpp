//===- Check.cpp - Compare kernel outputs with the reference --------------===//

#include "vptq/Reference/Check.h"

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
  const int64_t in = c.inFeatures, out = c.outFeatures;
  double eps = outType == DType::F16    ? std::ldexp(1.0, -11)
               : outType == DType::BF16 ? std::ldexp(1.0, -8)
                                        : std::ldexp(1.0, -24);
  std::vector<float> w = dequantize(layer);
  CheckResult result;
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t n = 0; n < out; ++n) {
      double want = c.bias ? layer.bias[n] : 0.0;
      double scale = std::fabs(want);
      for (int64_t j = 0; j < in; ++j) {
        double term = double(x[b * in + j]) * double(w[n * in + j]);
        want += term;
        scale += std::fabs(term);
      }
      double got = y[b * out + n];
      double tolerance = 2 * eps * std::fabs(want) + 4e-5 * scale;
      double err = std::fabs(got - want);
      ++result.checked;
      if (scale > 0)
        result.maxScaledError = std::fmax(result.maxScaledError, err / scale);
      if (!std::isfinite(got) || err > tolerance) {
        if (result.failures++ == 0) {
          result.firstBad = b * out + n;
          result.firstGot = got;
          result.firstWant = want;
          result.firstTolerance = tolerance;
        }
      }
    }
  }
  return result;
}
