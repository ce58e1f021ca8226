//===- Check.cpp - Compare kernel outputs with the reference --------------===//

#include "vptq/Reference/Check.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <thread>
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

/// Runs work(t) for t in [0, threads) on that many threads.
static void parallelFor(unsigned threads,
                        const std::function<void(unsigned)> &work) {
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work, t);
  work(0);
  for (std::thread &t : pool)
    t.join();
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
  // Output rows in parallel: large layers at large batches are billions of
  // multiply-adds.
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  parallelFor(threads, [&](unsigned t) {
    for (int64_t n = t; n < out; n += threads)
      for (int64_t b = 0; b < batch; ++b) {
        double want = bias.empty() ? 0.0 : bias[n];
        double scale = std::fabs(want);
        const float *xr = x.data() + b * in;
        const float *wr = w.data() + n * in;
        for (int64_t j = 0; j < in; ++j) {
          double term = double(xr[j]) * double(wr[j]);
          want += term;
          scale += std::fabs(term);
        }
        ref.want[b * out + n] = want;
        ref.scale[b * out + n] = scale;
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
