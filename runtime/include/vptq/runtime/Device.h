//===- Device.h - Devices the runtime executes on ---------------*- C++ -*-===//
//
// The runtime executes on one device: the host CPU (the default, always
// present), an NVIDIA GPU through the CUDA driver API, or an AMD GPU through
// HIP. GPU drivers are loaded at run time, so one build of the library runs
// everywhere and reports a clear error where a driver or device is missing.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_DEVICE_H
#define VPTQ_RUNTIME_DEVICE_H

#include <cstdint>
#include <string>

namespace vptq::runtime {

enum class DeviceKind { CPU, CUDA, HIP };

/// "cpu", "cuda" or "hip".
const char *deviceKindName(DeviceKind kind);
/// Parses "cpu", "cuda" or "hip"; false otherwise.
bool parseDeviceKind(const std::string &name, DeviceKind &kind);

/// What the runtime found about its device.
struct DeviceInfo {
  DeviceKind kind = DeviceKind::CPU;
  int index = 0;
  /// "NVIDIA H100 80GB HBM3", or the CPU's model name.
  std::string name;
  /// The architecture kernels are built for: "sm_90", "gfx942" or "host".
  std::string arch;
  /// Streaming multiprocessors, compute units or hardware threads.
  int numProcessors = 0;
  uint64_t memoryBytes = 0;
  /// The most dynamic shared memory one block may use (0 on the CPU).
  uint64_t maxSharedBytesPerBlock = 0;

  /// "cuda:0 NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)".
  std::string describe() const;
};

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_DEVICE_H
