//===- Tensor.h - Tensors in device memory ----------------------*- C++ -*-===//
//
// A Tensor is a dense row-major tensor in the memory of a runtime's device
// (host memory on the CPU). Copies share the memory, which is freed with the
// last of them; slices of the leading dimension share it too.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_TENSOR_H
#define VPTQ_RUNTIME_TENSOR_H

#include "vptq/Reference/Storage.h"
#include "vptq/runtime/Device.h"
#include "vptq/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime {

using ref::DType;

namespace detail {
struct Allocation;
} // namespace detail

class Tensor {
public:
  /// An undefined tensor (no memory).
  Tensor() = default;

  bool defined() const { return storage != nullptr; }
  DType dtype() const { return dtype_; }
  const std::vector<int64_t> &shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_[i]; }
  size_t rank() const { return shape_.size(); }
  int64_t numElements() const;
  size_t bytes() const;
  /// The device address of the first element (a host pointer on the CPU).
  void *data() const;
  DeviceKind device() const;

  /// Rows [begin, end) of the leading dimension, sharing memory.
  Result<Tensor> slice(int64_t begin, int64_t end) const;
  /// The same memory viewed with `shape` (same number of elements).
  Result<Tensor> reshape(std::vector<int64_t> shape) const;

  /// "f16[16, 4096]".
  std::string describe() const;

private:
  friend class Runtime;
  std::shared_ptr<detail::Allocation> storage;
  size_t offset = 0;
  DType dtype_ = DType::F32;
  std::vector<int64_t> shape_;
};

/// "[16, 4096]".
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_TENSOR_H
