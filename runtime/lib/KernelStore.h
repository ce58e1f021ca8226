//===- KernelStore.h - Loaded kernels, bundles, disk cache, JIT -*- C++ -*-===//
//
// Internal to the runtime: finds the kernel for a specification among the
// loaded ones, the bundles, the disk cache and the compiler, in that order.
//
// Cache layout: <cache>/<target>/<sha256>.json + <sha256>.{bin,so}, where
// target is the GPU arch ("sm_90", "gfx942") or the host CPU's id
// ("host-<model and ISA hash>") and the hash covers the compiler version,
// the target and the specification key (configuration, shape, dtypes,
// tiling). The .json is a one-kernel bundle manifest holding the binary's
// sha256; files are written to unique temporary names and renamed.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_LIB_KERNELSTORE_H
#define VPTQ_RUNTIME_LIB_KERNELSTORE_H

#include "Backend.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/Tuning.h"

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace vptq::runtime::detail {

/// What a kernel is requested for: a linear layer or a transformer op.
struct KernelRequest {
  LinearSpec linear;
  std::optional<OpSpec> op;

  std::string key() const { return op ? op->key() : linear.key(); }
  std::vector<KernelArg> args() const {
    return op ? getKernelArguments(*op) : getKernelArguments(linear);
  }
};

class KernelStore {
public:
  KernelStore(std::shared_ptr<Backend> backend, const RuntimeOptions &options);

  /// Resolves the cache directory and reads the bundles of the options.
  Status initialize();
  Status addBundle(const std::string &dir);
  Result<std::shared_ptr<Kernel>> get(const KernelRequest &request);

  const std::string &cacheDirectory() const { return cacheDir; }
  const KernelStats &stats() const { return stats_; }

  /// The cache directory the options name, from the environment if not.
  static std::string resolveCacheDirectory(const std::string &configured);

private:
  struct Bundle {
    std::string dir;
    BundleManifest manifest;
    /// Shared files (host libraries) whose checksum was verified.
    std::set<std::string> verified;
  };

  /// The kernel from a bundle, or null (with `elsewhere` listing archs the
  /// bundles have it for instead).
  Result<std::shared_ptr<Kernel>> fromBundles(const KernelRequest &spec,
                                              std::string &elsewhere);
  Result<std::shared_ptr<Kernel>> fromCache(const KernelRequest &spec,
                                            const std::string &base);
  Result<std::shared_ptr<Kernel>> compile(const KernelRequest &spec,
                                          const std::string &base);
  Result<std::shared_ptr<Kernel>> finish(const KernelRequest &spec,
                                         KernelBinary binary,
                                         const std::string &file,
                                         KernelOrigin origin);
  std::string cacheTarget() const;
  std::string compilerVersion() const;
  void log(const std::string &message) const;

  std::shared_ptr<Backend> backend;
  RuntimeOptions options;
  std::shared_ptr<KernelCompiler> compiler;
  std::string cacheDir;
  TuningDatabase tuning;
  std::vector<Bundle> bundles;
  std::map<std::string, std::shared_ptr<Kernel>> loaded;
  KernelStats stats_;
};

} // namespace vptq::runtime::detail

#endif // VPTQ_RUNTIME_LIB_KERNELSTORE_H
