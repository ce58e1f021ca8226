//===- HIPBackend.cpp - AMD GPUs through the HIP module API ---------------===//
//
// The HIP runtime (libamdhip64.so) is loaded at run time like the CUDA
// driver, so this backend builds without ROCm installed. Kernels are HSACO
// code objects loaded with hipModuleLoadData and launched with
// hipModuleLaunchKernel. The architecture (gfx90a, gfx942, gfx1100) comes
// from the KFD topology in sysfs, as rocminfo reads it, or from
// $VPTQ_HIP_ARCH.
//
// No AMD GPU was available to this project: this backend is compiled and
// its error paths are tested, but it has never run a kernel.
//
//===----------------------------------------------------------------------===//

#include "../Backend.h"
#include "../DynamicLibrary.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/MemRefABI.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>

using namespace vptq::runtime;
using namespace vptq::runtime::detail;

namespace {

using hipError_t = int;
using hipStream_t = struct ihipStream_t *;
using hipModule_t = struct ihipModule_t *;
using hipFunction_t = struct ihipModuleSymbol_t *;
constexpr hipError_t hipSuccess = 0;
constexpr int hipMemcpyHostToDevice = 1, hipMemcpyDeviceToHost = 2,
              hipMemcpyDeviceToDevice = 3;
constexpr unsigned hipStreamNonBlocking = 1;

/// Function pointers into libamdhip64.so.
struct HipApi {
  hipError_t (*hipInit)(unsigned);
  hipError_t (*hipGetDeviceCount)(int *);
  hipError_t (*hipSetDevice)(int);
  hipError_t (*hipDeviceGetName)(char *, int, int);
  hipError_t (*hipDeviceTotalMem)(size_t *, int);
  const char *(*hipGetErrorName)(hipError_t);
  const char *(*hipGetErrorString)(hipError_t);
  hipError_t (*hipMalloc)(void **, size_t);
  hipError_t (*hipFree)(void *);
  hipError_t (*hipMemcpyAsync)(void *, const void *, size_t, int, hipStream_t);
  hipError_t (*hipMemsetAsync)(void *, int, size_t, hipStream_t);
  hipError_t (*hipStreamCreateWithFlags)(hipStream_t *, unsigned);
  hipError_t (*hipStreamDestroy)(hipStream_t);
  hipError_t (*hipStreamSynchronize)(hipStream_t);
  hipError_t (*hipModuleLoadData)(hipModule_t *, const void *);
  hipError_t (*hipModuleUnload)(hipModule_t);
  hipError_t (*hipModuleGetFunction)(hipFunction_t *, hipModule_t,
                                     const char *);
  hipError_t (*hipModuleLaunchKernel)(hipFunction_t, unsigned, unsigned,
                                      unsigned, unsigned, unsigned, unsigned,
                                      unsigned, hipStream_t, void **, void **);
};

const HipApi *getHipApi(std::string &error) {
  static HipApi api;
  static std::string loadError;
  static bool loaded = false;
  static std::once_flag once;
  std::call_once(once, [] {
    void *library = dlopen("libamdhip64.so", RTLD_NOW | RTLD_LOCAL);
    if (!library)
      library = dlopen("libamdhip64.so.6", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      loadError = std::string("no HIP runtime: cannot load libamdhip64.so (") +
                  dlerror() + ")";
      return;
    }
    std::string missing;
    HipApi &a = api;
    resolveSymbol(library, "hipInit", a.hipInit, missing);
    resolveSymbol(library, "hipGetDeviceCount", a.hipGetDeviceCount, missing);
    resolveSymbol(library, "hipSetDevice", a.hipSetDevice, missing);
    resolveSymbol(library, "hipDeviceGetName", a.hipDeviceGetName, missing);
    resolveSymbol(library, "hipDeviceTotalMem", a.hipDeviceTotalMem, missing);
    resolveSymbol(library, "hipGetErrorName", a.hipGetErrorName, missing);
    resolveSymbol(library, "hipGetErrorString", a.hipGetErrorString, missing);
    resolveSymbol(library, "hipMalloc", a.hipMalloc, missing);
    resolveSymbol(library, "hipFree", a.hipFree, missing);
    resolveSymbol(library, "hipMemcpyAsync", a.hipMemcpyAsync, missing);
    resolveSymbol(library, "hipMemsetAsync", a.hipMemsetAsync, missing);
    resolveSymbol(library, "hipStreamCreateWithFlags",
                  a.hipStreamCreateWithFlags, missing);
    resolveSymbol(library, "hipStreamDestroy", a.hipStreamDestroy, missing);
    resolveSymbol(library, "hipStreamSynchronize", a.hipStreamSynchronize,
                  missing);
    resolveSymbol(library, "hipModuleLoadData", a.hipModuleLoadData, missing);
    resolveSymbol(library, "hipModuleUnload", a.hipModuleUnload, missing);
    resolveSymbol(library, "hipModuleGetFunction", a.hipModuleGetFunction,
                  missing);
    resolveSymbol(library, "hipModuleLaunchKernel", a.hipModuleLaunchKernel,
                  missing);
    if (!missing.empty()) {
      loadError = "the HIP runtime lacks " + missing;
      return;
    }
    if (hipError_t e = a.hipInit(0); e != hipSuccess) {
      loadError = std::string("hipInit: ") + a.hipGetErrorName(e);
      return;
    }
    loaded = true;
  });
  if (!loaded) {
    error = loadError;
    return nullptr;
  }
  return &api;
}

std::string describe(const HipApi &api, hipError_t e, const std::string &what) {
  return what + ": " + api.hipGetErrorName(e) + " (" +
         api.hipGetErrorString(e) + ")";
}

} // namespace

namespace vptq::runtime::detail {

/// "gfx942" from a KFD gfx_target_version (major*10000 + minor*100 +
/// stepping, minor and stepping printed in hex); "" for 0 (a CPU node).
std::string gfxNameFromTargetVersion(int64_t version) {
  if (version <= 0)
    return "";
  int64_t major = version / 10000, minor = version / 100 % 100,
          stepping = version % 100;
  std::ostringstream os;
  os << "gfx" << major << std::hex << minor << stepping;
  return os.str();
}

} // namespace vptq::runtime::detail

namespace {

/// GPU nodes of the KFD topology, in node order: arch and compute units.
std::vector<std::pair<std::string, int>> kfdGPUs() {
  std::vector<std::pair<int, std::pair<std::string, int>>> nodes;
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(
           "/sys/class/kfd/kfd/topology/nodes", ec)) {
    std::ifstream in(entry.path() / "properties");
    int64_t target = 0, simds = 0, simdPerCU = 1;
    std::string key;
    int64_t value;
    while (in >> key >> value) {
      if (key == "gfx_target_version")
        target = value;
      else if (key == "simd_count")
        simds = value;
      else if (key == "simd_per_cu")
        simdPerCU = std::max<int64_t>(value, 1);
    }
    std::string arch = gfxNameFromTargetVersion(target);
    if (!arch.empty())
      nodes.push_back({std::atoi(entry.path().filename().c_str()),
                       {arch, int(simds / simdPerCU)}});
  }
  std::sort(nodes.begin(), nodes.end());
  std::vector<std::pair<std::string, int>> gpus;
  for (auto &n : nodes)
    gpus.push_back(n.second);
  return gpus;
}

class HIPKernel : public LoadedKernel {
public:
  HIPKernel(const HipApi *api, hipModule_t module, hipFunction_t function,
            const vptq::LaunchInfo &launch, hipStream_t stream)
      : api(api), module(module), function(function), launchInfo(launch),
        stream(stream) {}
  ~HIPKernel() override { api->hipModuleUnload(module); }

  Status launch(std::vector<std::vector<int64_t>> &descriptors,
                int64_t batch) override {
    if (batch <= 0)
      return Status::success();
    std::vector<void *> params = vptq::memrefabi::kernelParams(descriptors);
    hipError_t e = api->hipModuleLaunchKernel(
        function, unsigned(launchInfo.gridX), gridRows(launchInfo, batch), 1,
        unsigned(launchInfo.blockSize), 1, 1, unsigned(launchInfo.sharedBytes),
        stream, params.data(), nullptr);
    if (e != hipSuccess)
      return Status::error(
          describe(*api, e, "launching " + launchInfo.kernelName));
    return Status::success();
  }

private:
  const HipApi *api;
  hipModule_t module;
  hipFunction_t function;
  vptq::LaunchInfo launchInfo;
  hipStream_t stream;
};

class HIPBackend : public Backend {
public:
  static Result<std::shared_ptr<Backend>> create(int index) {
    std::string error;
    const HipApi *api = getHipApi(error);
    if (!api)
      return Status::error("cannot use device hip:" + std::to_string(index) +
                           ": " + error);
    int count = 0;
    if (hipError_t e = api->hipGetDeviceCount(&count); e != hipSuccess)
      return Status::error(describe(*api, e, "hipGetDeviceCount"));
    VPTQ_RETURN_IF_ERROR(checkDeviceIndex(DeviceKind::HIP, index, count));
    std::shared_ptr<HIPBackend> b(new HIPBackend());
    b->api = api;
    b->index = index;
    if (hipError_t e = api->hipSetDevice(index); e != hipSuccess)
      return Status::error(describe(*api, e, "hipSetDevice"));
    char name[256] = {};
    api->hipDeviceGetName(name, sizeof(name), index);
    size_t memory = 0;
    api->hipDeviceTotalMem(&memory, index);
    DeviceInfo &d = b->device;
    d.kind = DeviceKind::HIP;
    d.index = index;
    d.name = name;
    d.memoryBytes = memory;
    d.maxSharedBytesPerBlock = 64 * 1024;
    std::vector<std::pair<std::string, int>> gpus = kfdGPUs();
    if (const char *arch = std::getenv("VPTQ_HIP_ARCH"); arch && *arch)
      d.arch = arch;
    else if (index < int(gpus.size()))
      d.arch = gpus[index].first;
    else
      return Status::error(
          "cannot tell the architecture of device hip:" +
          std::to_string(index) +
          " from /sys/class/kfd; set VPTQ_HIP_ARCH (e.g. gfx942)");
    if (index < int(gpus.size()))
      d.numProcessors = gpus[index].second;
    if (hipError_t e =
            api->hipStreamCreateWithFlags(&b->stream_, hipStreamNonBlocking);
        e != hipSuccess)
      return Status::error(describe(*api, e, "hipStreamCreateWithFlags"));
    return std::shared_ptr<Backend>(b);
  }

  ~HIPBackend() override {
    if (stream_)
      api->hipStreamDestroy(stream_);
  }

  const DeviceInfo &info() const override { return device; }
  Result<void *> allocate(size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    void *p = nullptr;
    if (hipError_t e = api->hipMalloc(&p, std::max<size_t>(bytes, 1));
        e != hipSuccess)
      return Status::error(describe(*api, e,
                                    "allocating " + std::to_string(bytes) +
                                        " bytes on " + device.describe()));
    return p;
  }
  void deallocate(void *pointer) override {
    api->hipStreamSynchronize(stream_);
    api->hipFree(pointer);
  }
  Status copyToDevice(void *dst, const void *src, size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(check(
        api->hipMemcpyAsync(dst, src, bytes, hipMemcpyHostToDevice, stream_),
        "hipMemcpyAsync"));
    return check(api->hipStreamSynchronize(stream_), "copy to the device");
  }
  Status copyToHost(void *dst, const void *src, size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(check(
        api->hipMemcpyAsync(dst, src, bytes, hipMemcpyDeviceToHost, stream_),
        "hipMemcpyAsync"));
    return check(api->hipStreamSynchronize(stream_), "copy to the host");
  }
  Status copyOnDevice(void *dst, const void *src, size_t bytes) override {
    return check(
        api->hipMemcpyAsync(dst, src, bytes, hipMemcpyDeviceToDevice, stream_),
        "hipMemcpyAsync");
  }
  Status fill(void *dst, uint8_t byte, size_t bytes) override {
    return check(api->hipMemsetAsync(dst, byte, bytes, stream_),
                 "hipMemsetAsync");
  }
  Status synchronize() override {
    return check(api->hipStreamSynchronize(stream_), "waiting for the GPU");
  }
  void *stream() const override { return stream_; }
  bool canLoad(const std::string &kind) const override {
    return kind == "hsaco";
  }

  Result<std::unique_ptr<LoadedKernel>> load(const KernelBinary &binary,
                                             const std::string &file) override {
    std::string what = "kernel " + binary.launch.kernelName +
                       (file.empty() ? "" : " (" + file + ")");
    if (!vptq::archRunsOn(binary.arch, device.arch))
      return Status::error(what + " was compiled for " + binary.arch +
                           " and does not run on " + device.describe());
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    hipModule_t module;
    if (hipError_t e = api->hipModuleLoadData(&module, binary.bytes.data());
        e != hipSuccess)
      return Status::error(describe(*api, e, "loading " + what));
    hipFunction_t function;
    if (hipError_t e = api->hipModuleGetFunction(
            &function, module, binary.launch.kernelName.c_str());
        e != hipSuccess) {
      api->hipModuleUnload(module);
      return Status::error(describe(*api, e, "finding " + what));
    }
    return std::unique_ptr<LoadedKernel>(
        new HIPKernel(api, module, function, binary.launch, stream_));
  }

private:
  HIPBackend() = default;
  Status check(hipError_t e, const char *what) const {
    return e == hipSuccess ? Status::success()
                           : Status::error(describe(*api, e, what));
  }
  Status makeCurrent() {
    return check(api->hipSetDevice(index), "hipSetDevice");
  }

  const HipApi *api = nullptr;
  int index = 0;
  hipStream_t stream_ = nullptr;
  DeviceInfo device;
};

} // namespace

Result<std::shared_ptr<Backend>>
vptq::runtime::detail::createHIPBackend(const RuntimeOptions &options) {
  return HIPBackend::create(options.deviceIndex);
}
