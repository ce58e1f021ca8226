//===- Check.h - Compare kernel outputs with the reference ------*- C++ -*-===//
//
// Every numeric test of a quantized-linear kernel (CPU here, GPU on the lent
// device) checks every output element against the float32 oracle with the
// same tolerance:
//
//   |y - ref| <= 2 * eps(out) * |ref| + 4e-5 * scale
//
// where ref = sum_j x_j W_nj + b_n in double, scale = sum_j |x_j W_nj| +
// |b_n|, and eps(out) is the unit roundoff of the output type (2^-11 for
// f16, 2^-8 for bf16, 2^-24 for f32). The first term covers the final
// rounding to the output type, the second f32 accumulation over K terms.
// NaN or infinity anywhere fails (outputs are poisoned with NaN first, so an
// unwritten element fails too).
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_CHECK_H
#define VPTQ_REFERENCE_CHECK_H

#include "vptq/Reference/Storage.h"

#include <string>
#include <vector>

namespace vptq::ref {

/// The result of comparing one kernel output with the reference.
struct CheckResult {
  int64_t checked = 0;
  int64_t failures = 0;
  /// The first failing element and its values.
  int64_t firstBad = -1;
  double firstGot = 0, firstWant = 0, firstTolerance = 0;
  /// Largest |y - ref| / scale seen (scale as above).
  double maxScaledError = 0;

  bool ok() const { return failures == 0 && checked > 0; }
  /// "ok: 1234 elements, max error 3.1e-07 of scale" or the first failure.
  std::string summary() const;
};

/// Checks `y` (batch x out, widened from `outType`) against the reference
/// of `layer` applied to `x` (batch x in).
CheckResult checkLinearOutput(const QuantizedLinear &layer,
                              const std::vector<float> &x, int64_t batch,
                              const std::vector<float> &y, DType outType);

/// The exact (f64) outputs of a dense layer and, per element, the sum of
/// the magnitudes of its terms (the scale tolerances are relative to).
struct DenseReference {
  int64_t batch = 0, out = 0;
  std::vector<double> want, scale;
};

/// The reference of a dense layer (`w` out x in, `bias` empty or `out`
/// long) applied to `x` (batch x in), computed on all hardware threads.
DenseReference computeDenseReference(const std::vector<float> &w,
                                     const std::vector<float> &bias,
                                     int64_t in, int64_t out,
                                     const std::vector<float> &x,
                                     int64_t batch);

/// Checks every element of `y` (batch x out, widened from `outType`)
/// against `ref`.
CheckResult checkAgainstReference(const DenseReference &ref,
                                  const std::vector<float> &y, DType outType);

/// The same for a dense layer: `w` is out x in, `bias` empty or `out` long.
CheckResult checkDenseOutput(const std::vector<float> &w,
                             const std::vector<float> &bias, int64_t in,
                             int64_t out, const std::vector<float> &x,
                             int64_t batch, const std::vector<float> &y,
                             DType outType);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_CHECK_H
