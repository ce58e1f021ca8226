//===- CPUBackend.cpp - Host execution of generated CPU kernels -----------===//
//
// CPU kernels are ELF shared libraries (from vptq-compile --arch host or the
// in-process compiler) defining `_mlir_ciface_<symbol>`; they are loaded with
// dlopen and called with a pointer to each memref descriptor.
//
//===----------------------------------------------------------------------===//

#include "../Backend.h"
#include "vptq/ABI/MemRefABI.h"

#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <map>
#include <mutex>

using namespace vptq::runtime;
using namespace vptq::runtime::detail;

namespace {

/// A dlopen handle, closed with the last kernel using it.
struct Library {
  void *handle = nullptr;
  ~Library() {
    if (handle)
      dlclose(handle);
  }
};

class CPUKernel : public LoadedKernel {
public:
  CPUKernel(std::shared_ptr<Library> library, void *function, std::string name)
      : library(std::move(library)), function(function), name(std::move(name)) {
  }

  Status launch(std::vector<std::vector<int64_t>> &descriptors,
                int64_t batch) override {
    if (!vptq::memrefabi::invokeCInterface(function, descriptors))
      return Status::error("kernel " + name + " takes " +
                           std::to_string(descriptors.size()) +
                           " buffers, more than a CPU kernel call passes");
    return Status::success();
  }

private:
  std::shared_ptr<Library> library;
  void *function;
  std::string name;
};

class CPUBackend : public Backend {
public:
  CPUBackend() {
    const HostCPU &cpu = getHostCPU();
    device.kind = DeviceKind::CPU;
    device.name = cpu.name;
    device.arch = "host";
    device.numProcessors = cpu.threads;
    device.memoryBytes = cpu.memoryBytes;
  }

  const DeviceInfo &info() const override { return device; }

  Result<void *> allocate(size_t bytes) override {
    size_t rounded = (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
    void *p = std::aligned_alloc(256, rounded);
    if (!p)
      return Status::error("out of host memory allocating " +
                           std::to_string(bytes) + " bytes");
    return p;
  }
  void deallocate(void *pointer) override { std::free(pointer); }
  // Empty tensors may have null data: memcpy must not see it.
  Status copyToDevice(void *dst, const void *src, size_t bytes) override {
    if (bytes)
      std::memcpy(dst, src, bytes);
    return Status::success();
  }
  Status copyToHost(void *dst, const void *src, size_t bytes) override {
    if (bytes)
      std::memcpy(dst, src, bytes);
    return Status::success();
  }
  Status copyOnDevice(void *dst, const void *src, size_t bytes) override {
    std::memmove(dst, src, bytes);
    return Status::success();
  }
  Status fill(void *dst, uint8_t byte, size_t bytes) override {
    std::memset(dst, byte, bytes);
    return Status::success();
  }
  Status synchronize() override { return Status::success(); }
  bool canLoad(const std::string &kind) const override { return kind == "cpu"; }

  Result<std::unique_ptr<LoadedKernel>> load(const KernelBinary &binary,
                                             const std::string &file) override {
    if (file.empty())
      return Status::error("CPU kernel " + binary.symbol +
                           " has no library file to load");
    std::vector<std::string> missing = missingCPUFeatures(binary.cpuFeatures);
    if (!missing.empty()) {
      std::string list;
      for (const std::string &m : missing)
        list += (list.empty() ? "" : ", ") + m;
      return Status::error(file + ": kernel " + binary.symbol +
                           " was compiled for CPU '" + binary.cpu +
                           "' and needs " + list +
                           ", which this CPU lacks (recompile it for this "
                           "machine, e.g. vptq-compile --arch host)");
    }
    std::shared_ptr<Library> library;
    {
      std::lock_guard<std::mutex> lock(mutex);
      std::weak_ptr<Library> &cached = libraries[file];
      library = cached.lock();
      if (!library) {
        library = std::make_shared<Library>();
        library->handle = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (!library->handle) {
          const char *err = dlerror();
          return Status::error("cannot load CPU kernel library " + file + ": " +
                               (err ? err : "unknown error"));
        }
        cached = library;
      }
    }
    const std::string &symbol = binary.symbol;
    void *fn = dlsym(library->handle, symbol.c_str());
    if (!fn)
      return Status::error(file + ": has no function " + symbol);
    return std::unique_ptr<LoadedKernel>(
        new CPUKernel(std::move(library), fn, binary.symbol));
  }

private:
  DeviceInfo device;
  std::mutex mutex;
  std::map<std::string, std::weak_ptr<Library>> libraries;
};

} // namespace

Result<std::shared_ptr<Backend>>
vptq::runtime::detail::createCPUBackend(const RuntimeOptions &options) {
  if (options.deviceIndex != 0)
    return Status::error("device cpu:" + std::to_string(options.deviceIndex) +
                         " does not exist (the CPU is device 0)");
  return std::shared_ptr<Backend>(new CPUBackend());
}
