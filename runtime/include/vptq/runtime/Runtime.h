//===- Runtime.h - The vptq runtime: a device and its kernels ---*- C++ -*-===//
//
// A Runtime owns one device (CPU, CUDA or HIP), its memory and the kernels
// loaded onto it. Kernels are found, in order, among those already loaded,
// in the vptq-compile bundles given in the options (a bundle for another
// architecture is an error), in the on-disk kernel cache, and last compiled
// in-process (JIT), after which they are stored in the cache. Cache entries
// are written to a temporary file and renamed, so processes sharing a cache
// never see partial entries; entries that fail their checksum are rebuilt.
//
// Work on a GPU is queued on the runtime's stream; copies to the host and
// synchronize() wait for it. A Runtime is not thread-safe.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_RUNTIME_H
#define VPTQ_RUNTIME_RUNTIME_H

#include "vptq/ABI/KernelSpec.h"
#include "vptq/Reference/Storage.h"
#include "vptq/runtime/Device.h"
#include "vptq/runtime/KernelCompiler.h"
#include "vptq/runtime/Status.h"
#include "vptq/runtime/Tensor.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vptq::runtime {

namespace detail {
class Backend;
class KernelStore;
class LoadedKernel;
} // namespace detail

struct RuntimeOptions {
  DeviceKind device = DeviceKind::CPU;
  int deviceIndex = 0;
  /// Kernel cache directory; "" for $VPTQ_CACHE_DIR, else
  /// $XDG_CACHE_HOME/vptq, else $HOME/.cache/vptq.
  std::string cacheDir;
  /// Read and write the on-disk kernel cache.
  bool diskCache = true;
  /// vptq-compile bundle directories, searched before the cache.
  std::vector<std::string> bundles;
  /// Compile kernels that no bundle or cache entry provides.
  bool jit = true;
  /// The compiler to use; null for the built-in one (if any).
  std::shared_ptr<KernelCompiler> compiler;
  /// Report where each kernel came from, and how long that took, on stderr.
  bool verbose = false;
  /// The autotuner's database (vptq-tune): kernels compiled here for
  /// layers it has an entry for use its tiling and placement; "" for
  /// $VPTQ_TUNING_DB, if set. Bundles carry their own decisions.
  std::string tuningDatabase;
};

/// Where a kernel came from.
enum class KernelOrigin { Bundle, Cache, Compiled };
const char *kernelOriginName(KernelOrigin origin);

/// Kernel counts and times since the runtime was created.
struct KernelStats {
  int bundleLoads = 0, cacheLoads = 0, compiled = 0, reused = 0;
  double loadSeconds = 0, compileSeconds = 0;
};

class Runtime;

/// A kernel loaded onto a runtime's device.
class Kernel {
public:
  ~Kernel();
  /// The layer a linear kernel computes (unused for op kernels).
  const LinearSpec &spec() const { return spec_; }
  /// The transformer op an op kernel computes.
  const std::optional<OpSpec> &opSpec() const { return op_; }
  /// The key of what it computes (LinearSpec::key() or OpSpec::key()).
  const std::string &key() const { return key_; }
  /// Its arguments (see getKernelArguments); dimension -1 is the batch.
  const std::vector<KernelArg> &args() const { return binary.args; }
  const KernelBinary &binaryInfo() const { return binary; }
  KernelOrigin origin() const { return origin_; }

  /// Runs on `tensors`, one per argument in args() order, all on the
  /// runtime's device. The row count (batch) is the leading dimension of the
  /// first argument whose leading dimension is dynamic (-1); every
  /// dtype and shape is checked first.
  Status run(const std::vector<const Tensor *> &tensors);

private:
  friend class Runtime;
  friend class detail::KernelStore;
  Kernel() = default;
  LinearSpec spec_;
  std::optional<OpSpec> op_;
  std::string key_;
  KernelBinary binary;
  KernelOrigin origin_ = KernelOrigin::Compiled;
  std::unique_ptr<detail::LoadedKernel> loaded;
  DeviceKind device = DeviceKind::CPU;
};

/// GPU work recorded once and replayed (a CUDA graph).
class Graph {
public:
  ~Graph();
  /// Queues the recorded work on the runtime's stream.
  Status launch();

private:
  friend class Runtime;
  Graph() = default;
  std::shared_ptr<detail::Backend> backend;
  void *handle = nullptr;
};

class Runtime {
public:
  /// Opens the device and the bundles of `options`.
  static Result<std::shared_ptr<Runtime>>
  create(const RuntimeOptions &options = {});
  ~Runtime();
  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;

  /// Whether this build has the in-process compiler.
  static bool hasBuiltinCompiler();
  /// The version of the runtime (and of the compiler it was built with).
  static const char *version();

  const DeviceInfo &device() const;
  const RuntimeOptions &options() const { return opts; }
  /// The cache directory in use ("" when the disk cache is off).
  const std::string &cacheDirectory() const;

  /// Uninitialized device memory for a tensor.
  Result<Tensor> allocate(DType dtype, std::vector<int64_t> shape);
  /// A device copy of a host tensor.
  Result<Tensor> upload(const ref::HostTensor &host);
  /// A host copy of a device tensor (waits for queued work).
  Result<ref::HostTensor> download(const Tensor &tensor);
  /// Copies `bytes` from host memory into `dst` at byte `offset`.
  Status copyFromHost(const Tensor &dst, const void *src, size_t bytes,
                      size_t offset = 0);
  /// Copies `bytes` of `src` at byte `offset` to host memory.
  Status copyToHost(const Tensor &src, void *dst, size_t bytes,
                    size_t offset = 0);
  /// Copies all of `src` into `dst` (same number of bytes).
  Status copy(const Tensor &src, const Tensor &dst);
  /// Sets every byte of `tensor` to `byte`.
  Status fill(const Tensor &tensor, uint8_t byte);
  /// Waits for all queued work.
  Status synchronize();
  /// The backend's stream (CUstream / hipStream_t), null on the CPU.
  void *stream() const;

  /// Queues the work of independent `tasks` (kernel launches, fills and
  /// device copies, e.g. the q, k and v projections of one input) so that
  /// the device may overlap them: on CUDA each task queues on its own
  /// stream, forked from and joined back into the runtime's stream (inside
  /// capture(), parallel branches of the graph); work queued afterwards
  /// waits for all of it. Elsewhere the tasks run one after another. Stops
  /// at the first error.
  Status concurrently(const std::vector<std::function<Status()>> &tasks);

  /// Whether capture() records graphs on this device (CUDA).
  bool supportsGraphs() const;
  /// Records the work `body` queues (kernel launches and device copies, no
  /// waits) as a graph to replay; `body` must only queue work.
  Result<std::shared_ptr<Graph>> capture(const std::function<Status()> &body);

  /// Adds a vptq-compile bundle; an error if none of its kernels runs on
  /// this device.
  Status addBundle(const std::string &dir);
  /// The kernel for `spec`.
  Result<std::shared_ptr<Kernel>> getKernel(const LinearSpec &spec);
  /// The kernel of a transformer op.
  Result<std::shared_ptr<Kernel>> getKernel(const OpSpec &spec);
  KernelStats kernelStats() const;

private:
  Runtime() = default;
  RuntimeOptions opts;
  std::shared_ptr<detail::Backend> backend;
  std::unique_ptr<detail::KernelStore> store;
};

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_RUNTIME_H
