//===- Backend.h - What each device backend implements ----------*- C++ -*-===//
//
// Internal to the runtime: one Backend per device kind (cpu/, cuda/, hip/),
// owning the device context, memory and stream, and loading KernelBinary
// objects as LoadedKernel objects that launch on memref descriptors.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_LIB_BACKEND_H
#define VPTQ_RUNTIME_LIB_BACKEND_H

#include "vptq/runtime/KernelCompiler.h"
#include "vptq/runtime/Runtime.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime::detail {

/// A kernel on a device.
class LoadedKernel {
public:
  virtual ~LoadedKernel() = default;
  /// Launches with one memref descriptor per argument (see MemRefABI.h) and
  /// `batch` rows.
  virtual Status launch(std::vector<std::vector<int64_t>> &descriptors,
                        int64_t batch) = 0;
};

class Backend {
public:
  virtual ~Backend() = default;
  virtual const DeviceInfo &info() const = 0;
  /// At least 256-byte aligned.
  virtual Result<void *> allocate(size_t bytes) = 0;
  virtual void deallocate(void *pointer) = 0;
  virtual Status copyToDevice(void *dst, const void *src, size_t bytes) = 0;
  virtual Status copyToHost(void *dst, const void *src, size_t bytes) = 0;
  virtual Status copyOnDevice(void *dst, const void *src, size_t bytes) = 0;
  virtual Status fill(void *dst, uint8_t byte, size_t bytes) = 0;
  virtual Status synchronize() = 0;
  virtual void *stream() const { return nullptr; }
  /// Graph capture of the work queued on the stream (CUDA).
  virtual bool supportsGraphs() const { return false; }
  virtual Status beginCapture() {
    return Status::error("graph capture is not supported on " +
                         info().describe());
  }
  /// Ends the capture; returns the instantiated graph.
  virtual Result<void *> endCapture() {
    return Status::error("graph capture is not supported");
  }
  virtual Status launchGraph(void *graph) {
    return Status::error("graph capture is not supported");
  }
  virtual void destroyGraph(void *graph) {}
  /// Queues the work of `tasks` (kernel launches, fills and device copies)
  /// so that the device may run the tasks' work concurrently, each task's
  /// in its order, everything queued later after all of it. By default
  /// (CPU) the tasks run one after another; stops at the first error.
  virtual Status concurrently(const std::vector<std::function<Status()>> &tasks) {
    for (const std::function<Status()> &task : tasks)
      VPTQ_RETURN_IF_ERROR(task());
    return Status::success();
  }
  /// The kinds of KernelBinary it loads ("cubin", "ptx"; "cpu"; ...).
  virtual bool canLoad(const std::string &kind) const = 0;
  /// Loads `binary`; `file` is where its bytes are on disk, if anywhere
  /// (CPU libraries are loaded from a file).
  virtual Result<std::unique_ptr<LoadedKernel>>
  load(const KernelBinary &binary, const std::string &file) = 0;
};

/// Blocks along y of a GPU launch over `batch` rows: ceil(batch /
/// batch_tile); batch tile 0 launches one block row whatever the batch.
inline unsigned gridRows(const LaunchInfo &launch, int64_t batch) {
  if (launch.batchTile <= 0)
    return 1;
  return unsigned((batch + launch.batchTile - 1) / launch.batchTile);
}

/// Success, or "device cuda:3 does not exist (2 CUDA device(s) found)".
Status checkDeviceIndex(DeviceKind kind, int index, int count);

Result<std::shared_ptr<Backend>>
createCPUBackend(const RuntimeOptions &options);
Result<std::shared_ptr<Backend>>
createCUDABackend(const RuntimeOptions &options);
Result<std::shared_ptr<Backend>>
createHIPBackend(const RuntimeOptions &options);

/// The host CPU: its model name, hardware threads, and an id of its model
/// and ISA flags ("host-1a2b3c4d") under which CPU kernels are cached.
struct HostCPU {
  std::string name;
  std::string cacheTarget;
  int threads = 1;
  uint64_t memoryBytes = 0;
  /// /proc/cpuinfo flags ("avx2", "avx512f", ...).
  std::vector<std::string> flags;
};
const HostCPU &getHostCPU();

/// The LLVM features in `features` ("+avx2,+f16c,-avx512f") that this CPU
/// lacks, as far as /proc/cpuinfo tells; empty when it can run them.
std::vector<std::string> missingCPUFeatures(const std::string &features);

/// "gfx942" from a KFD topology gfx_target_version such as 90402; "" for
/// 0 (a CPU node).
std::string gfxNameFromTargetVersion(int64_t version);

} // namespace vptq::runtime::detail

#endif // VPTQ_RUNTIME_LIB_BACKEND_H
