//===- CacheEntryFuzzer.cpp - entries of the on-disk kernel cache ---------===//
//
// The runtime's real cache path: a kernel is compiled once into a private
// cache, then each input replaces its entry's JSON and a fresh runtime
// without the compiler asks for the kernel. A bad entry must be skipped
// with a message ("one bad cache entry hangs every later run" was a bug),
// never crash or hang.
//
//===----------------------------------------------------------------------===//

#include "vptq/runtime/VPTQ.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
namespace fs = std::filesystem;

namespace {

OpSpec kernelSpec() {
  OpSpec op;
  op.op = "silu_mul";
  op.dtype = op.paramType = ref::DType::F32;
  op.width = 8;
  return op;
}

struct Cache {
  fs::path dir, entry;

  Cache() {
    dir = fs::temp_directory_path() /
          ("vptq-fuzz-cache-" + std::to_string(getpid()));
    fs::remove_all(dir);
    RuntimeOptions o;
    o.cacheDir = dir.string();
    auto rt = Runtime::create(o);
    if (!rt || !(*rt)->getKernel(kernelSpec()))
      std::abort();
    for (const auto &e : fs::recursive_directory_iterator(dir))
      if (e.path().extension() == ".json")
        entry = e.path();
    if (entry.empty())
      std::abort();
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static Cache cache;
  {
    std::ofstream out(cache.entry, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data), std::streamsize(size));
  }
  RuntimeOptions o;
  o.cacheDir = cache.dir.string();
  o.jit = false;
  auto rt = Runtime::create(o);
  if (!rt)
    std::abort();
  (void)(*rt)->getKernel(kernelSpec());
  return 0;
}
