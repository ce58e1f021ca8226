//===- MemRefABI.h - Calling generated kernels ------------------*- C++ -*-===//
//
// Generated kernels take each buffer as an MLIR memref descriptor:
// {allocated pointer, aligned pointer, offset, sizes[rank], strides[rank]},
// all 64-bit. CPU kernels (`_mlir_ciface_<name>`) take a pointer to each
// descriptor; GPU kernels take the descriptor's fields as separate kernel
// parameters. Header-only and dependency-free, so AOT-only runtimes and the
// device test harness can use it without MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_MEMREFABI_H
#define VPTQ_ABI_MEMREFABI_H

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace vptq::memrefabi {

/// The descriptor of a dense row-major buffer of `shape`.
inline std::vector<int64_t> makeDescriptor(const void *data,
                                           const std::vector<int64_t> &shape) {
  std::vector<int64_t> d;
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(reinterpret_cast<int64_t>(data));
  d.push_back(0);
  d.insert(d.end(), shape.begin(), shape.end());
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t i = int64_t(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  d.insert(d.end(), strides.begin(), strides.end());
  return d;
}

/// GPU kernel parameters: the address of every descriptor field, in order
/// (what cuLaunchKernel / hipModuleLaunchKernel take as `kernelParams`).
/// The descriptors must outlive the returned pointers.
inline std::vector<void *>
kernelParams(std::vector<std::vector<int64_t>> &descriptors) {
  std::vector<void *> params;
  for (std::vector<int64_t> &d : descriptors)
    for (int64_t &field : d)
      params.push_back(&field);
  return params;
}

/// The largest number of buffers invokeCInterface can pass.
inline constexpr size_t kMaxCInterfaceArgs = 16;

namespace detail {
template <size_t I> using VoidPtr = void *;

/// Calls `fn` as a function of exactly sizeof...(I) pointer arguments.
template <size_t... I>
void callWithPointers(void *fn, void **args, std::index_sequence<I...>) {
  using Fn = void (*)(VoidPtr<I>...);
  reinterpret_cast<Fn>(fn)(args[I]...);
}

template <size_t... N> constexpr auto makeCallTable(std::index_sequence<N...>) {
  using Caller = void (*)(void *, void **);
  return std::array<Caller, sizeof...(N)>{[](void *fn, void **args) {
    callWithPointers(fn, args, std::make_index_sequence<N>{});
  }...};
}
} // namespace detail

/// Calls the `_mlir_ciface_*` function `fn` with a pointer to each
/// descriptor, with the exact arity. Returns false when there are more than
/// kMaxCInterfaceArgs.
inline bool invokeCInterface(void *fn,
                             std::vector<std::vector<int64_t>> &descriptors) {
  static constexpr auto table =
      detail::makeCallTable(std::make_index_sequence<kMaxCInterfaceArgs + 1>{});
  if (descriptors.size() > kMaxCInterfaceArgs)
    return false;
  void *args[kMaxCInterfaceArgs] = {};
  for (size_t i = 0; i < descriptors.size(); ++i)
    args[i] = descriptors[i].data();
  table[descriptors.size()](fn, args);
  return true;
}

} // namespace vptq::memrefabi

#endif // VPTQ_ABI_MEMREFABI_H
