//===- KernelCompiler.h - Where kernels come from ---------------*- C++ -*-===//
//
// Kernels reach the runtime as KernelBinary objects: from a vptq-compile
// bundle, from the on-disk kernel cache, or from a KernelCompiler. Runtimes
// built with the compiler (VPTQ::runtime) have an in-process one that runs
// the same pipelines as vptq-opt; AOT-only runtimes (VPTQ::runtime_aot) have
// none and load bundles and cached kernels only. Applications may supply
// their own.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_KERNELCOMPILER_H
#define VPTQ_RUNTIME_KERNELCOMPILER_H

#include "vptq/ABI/KernelSpec.h"
#include "vptq/runtime/Device.h"
#include "vptq/runtime/Status.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime {

/// A compiled kernel, before it is loaded onto a device.
struct KernelBinary {
  /// What it was compiled for: "sm_90a", "gfx942" or "host".
  std::string arch;
  /// "cubin", "ptx", "hsaco" or "cpu" (an ELF shared library).
  std::string kind;
  std::vector<uint8_t> bytes;
  /// GPU: the kernel function; CPU: the `_mlir_ciface_...` function called.
  std::string symbol;
  std::vector<KernelArg> args;
  /// GPU launch parameters.
  LaunchInfo launch;
  /// CPU kernels: the CPU and LLVM features they were compiled for.
  std::string cpu, cpuFeatures;
};

/// Compiles kernels for a device.
class KernelCompiler {
public:
  virtual ~KernelCompiler();
  /// Identifies the compiler; part of every cache key.
  virtual std::string version() const = 0;
  /// Compiles `spec` for `device`.
  virtual Result<KernelBinary> compile(const LinearSpec &spec,
                                       const DeviceInfo &device) = 0;
  /// Compiles a transformer op for `device`.
  virtual Result<KernelBinary> compile(const OpSpec &spec,
                                       const DeviceInfo &device) = 0;
};

/// The in-process MLIR compiler, or null in AOT-only runtimes.
std::shared_ptr<KernelCompiler> createBuiltinCompiler();

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_KERNELCOMPILER_H
