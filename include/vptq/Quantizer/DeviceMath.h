//===- DeviceMath.h - The quantizer's heavy math on a runtime device -*- C++
//-*-===//
//
// A MathBackend whose nearest-centroid search runs the vptq.nearest kernel
// on a runtime's device (a GPU, or the CPU for testing), and a Hessian
// accumulator whose X^T X runs the vptq.gram kernel on the device where the
// calibration activations already are. Kernels come from the runtime's
// bundles, cache or in-process compiler like every other kernel.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_QUANTIZER_DEVICEMATH_H
#define VPTQ_QUANTIZER_DEVICEMATH_H

#include "vptq/Quantizer/Quantizer.h"
#include "vptq/runtime/VPTQ.h"

#include <map>
#include <memory>
#include <string>

namespace vptq::quant {

class DeviceMath : public MathBackend {
public:
  explicit DeviceMath(std::shared_ptr<runtime::Runtime> runtime);

  /// vptq.nearest on the device, in chunks of at most `chunkPoints` points.
  /// Throws std::runtime_error with the runtime's message on failure.
  void nearest(const float *points, int64_t n, int64_t dim,
               const float *centroids, int64_t k, uint32_t *indices) override;

  /// hessians[name] += x^T x on the device (x: f32 [tokens, n] on the
  /// runtime's device); the first call for a name allocates its n x n f32
  /// accumulator there.
  runtime::Status accumulate(const std::string &name, const runtime::Tensor &x);
  /// The accumulated X^T X of `name` (n x n, row-major) in double; an
  /// error if nothing was accumulated under that name.
  runtime::Result<std::vector<double>> hessian(const std::string &name);
  /// Device bytes the accumulators hold.
  int64_t hessianBytes() const;

  /// Points per vptq.nearest launch (bounded by the grid's y dimension).
  static constexpr int64_t chunkPoints = int64_t(1) << 22;

private:
  std::shared_ptr<runtime::Runtime> rt;
  std::map<std::string, runtime::Tensor> hessians;
  /// vptq.nearest's buffers, flat, reused across calls.
  runtime::Tensor bookBuffer, pointBuffer, indexBuffer, distanceBuffer;
};

} // namespace vptq::quant

#endif // VPTQ_QUANTIZER_DEVICEMATH_H
