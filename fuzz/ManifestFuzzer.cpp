//===- ManifestFuzzer.cpp - bundle manifests ------------------------------===//
//
// Accepted manifests name every kernel by a key, and write back as a
// manifest that parses to the same kernels.
//
//===----------------------------------------------------------------------===//

#include "vptq/ABI/Manifest.h"

using namespace vptq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  BundleManifest manifest;
  std::string text(reinterpret_cast<const char *>(data), size);
  if (!parseManifest(text, "manifest.json", manifest).empty())
    return 0;
  for (const BundleKernel &k : manifest.kernels)
    (void)k.key();
  BundleManifest again;
  if (!parseManifest(writeManifest(manifest), "written", again).empty() ||
      again.kernels.size() != manifest.kernels.size())
    __builtin_trap();
  for (size_t i = 0; i < again.kernels.size(); ++i)
    if (again.kernels[i].key() != manifest.kernels[i].key())
      __builtin_trap();
  return 0;
}
