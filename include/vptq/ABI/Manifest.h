//===- Manifest.h - manifest.json of a kernel bundle ------------*- C++ -*-===//
//
// vptq-compile writes a bundle directory with one binary per (layer
// configuration, shape, arch) and a manifest.json describing each; the
// runtime and the device harness read it. Format version 1.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_MANIFEST_H
#define VPTQ_ABI_MANIFEST_H

#include "vptq/ABI/KernelSpec.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vptq {

/// One kernel of a bundle.
struct BundleKernel {
  std::string id;
  /// "sm_90a", "gfx942", "host".
  std::string arch;
  /// "cubin", "ptx", "hsaco", "amdgcn" or "cpu".
  std::string kind;
  /// Relative to the bundle directory.
  std::string file;
  /// GPU: the kernel's name; CPU: the C-interface function in the library
  /// (`_mlir_ciface_...`).
  std::string symbol;
  /// What the kernel computes: a linear layer, or the transformer op `op`
  /// when set.
  LinearSpec spec;
  std::optional<OpSpec> op;
  std::vector<KernelArg> args;
  /// GPU kernels.
  LaunchInfo launch;
  /// CPU kernels: the CPU and features they were compiled for.
  std::string cpu, cpuFeatures;
  /// sha256 of the spec key, arch, format and compiler version.
  std::string inputHash;
  /// sha256 of the file's bytes, checked before loading; empty for kernels
  /// sharing a file (host libraries).
  std::string sha256;

  /// The key of what it computes (op->key() or spec.key()).
  std::string key() const { return op ? op->key() : spec.key(); }
};

struct BundleManifest {
  int formatVersion = 1;
  std::string compiler;
  std::string created;
  std::vector<std::string> archs;
  /// Module name -> LinearSpec::key() of its kernel.
  std::map<std::string, std::string> layers;
  std::vector<BundleKernel> kernels;
  /// Free-form description of what was compiled (model path, layers).
  std::string sourceJSON = "{}";
};

/// Serializes `manifest` as JSON text.
std::string writeManifest(const BundleManifest &manifest);

/// Parses manifest JSON; `source` names it in messages. Returns "" or a
/// message naming the problem.
std::string parseManifest(const std::string &text, const std::string &source,
                          BundleManifest &out);

/// Reads `<bundleDir>/manifest.json`.
std::string readManifest(const std::string &bundleDir, BundleManifest &out);

/// Does a kernel built for `arch` run on a device of architecture
/// `deviceArch`? NVIDIA: the same compute capability (sm_90a runs on
/// sm_90); AMD: the same gfx name; host: both host.
bool archRunsOn(const std::string &arch, const std::string &deviceArch);

} // namespace vptq

#endif // VPTQ_ABI_MANIFEST_H
