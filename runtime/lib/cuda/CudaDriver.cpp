//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"

#include <dlfcn.h>
#include <mutex>

using namespace vptq::runtime::cuda;

namespace {

/// Resolves `symbol` into `slot`; records the first missing symbol.
template <typename Fn>
void resolve(void *library, const char *symbol, Fn &slot,
             std::string &missing) {
  slot = reinterpret_cast<Fn>(dlsym(library, symbol));
  if (!slot && missing.empty())
    missing = symbol;
}

} // namespace

const Driver *vptq::runtime::cuda::getDriver(std::string &error) {
  static Driver driver;
  static std::string loadError;
  static bool loaded = false;
  static std::once_flag once;
  std::call_once(once, [] {
    void *library = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
      loadError = std::string("no CUDA driver: cannot load libcuda.so.1 (") +
                  dlerror() + ")";
      return;
    }
    std::string missing;
    Driver &d = driver;
    resolve(library, "cuInit", d.cuInit, missing);
    resolve(library, "cuDriverGetVersion", d.cuDriverGetVersion, missing);
    resolve(library, "cuGetErrorName", d.cuGetErrorName, missing);
    resolve(library, "cuGetErrorString", d.cuGetErrorString, missing);
    resolve(library, "cuDeviceGetCount", d.cuDeviceGetCount, missing);
    resolve(library, "cuDeviceGet", d.cuDeviceGet, missing);
    resolve(library, "cuDeviceGetName", d.cuDeviceGetName, missing);
    resolve(library, "cuDeviceGetAttribute", d.cuDeviceGetAttribute, missing);
    resolve(library, "cuDeviceTotalMem_v2", d.cuDeviceTotalMem, missing);
    resolve(library, "cuDevicePrimaryCtxRetain", d.cuDevicePrimaryCtxRetain,
            missing);
    resolve(library, "cuDevicePrimaryCtxRelease_v2",
            d.cuDevicePrimaryCtxRelease, missing);
    resolve(library, "cuCtxSetCurrent", d.cuCtxSetCurrent, missing);
    resolve(library, "cuCtxSynchronize", d.cuCtxSynchronize, missing);
    resolve(library, "cuMemGetInfo_v2", d.cuMemGetInfo, missing);
    resolve(library, "cuModuleLoadData", d.cuModuleLoadData, missing);
    resolve(library, "cuModuleUnload", d.cuModuleUnload, missing);
    resolve(library, "cuModuleGetFunction", d.cuModuleGetFunction, missing);
    resolve(library, "cuFuncSetAttribute", d.cuFuncSetAttribute, missing);
    resolve(library, "cuFuncGetAttribute", d.cuFuncGetAttribute, missing);
    resolve(library, "cuMemAlloc_v2", d.cuMemAlloc, missing);
    resolve(library, "cuMemFree_v2", d.cuMemFree, missing);
    resolve(library, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, missing);
    resolve(library, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, missing);
    resolve(library, "cuMemcpyHtoDAsync_v2", d.cuMemcpyHtoDAsync, missing);
    resolve(library, "cuMemcpyDtoHAsync_v2", d.cuMemcpyDtoHAsync, missing);
    resolve(library, "cuMemcpyDtoDAsync_v2", d.cuMemcpyDtoDAsync, missing);
    resolve(library, "cuMemsetD8_v2", d.cuMemsetD8, missing);
    resolve(library, "cuMemsetD8Async", d.cuMemsetD8Async, missing);
    resolve(library, "cuLaunchKernel", d.cuLaunchKernel, missing);
    resolve(library, "cuStreamCreate", d.cuStreamCreate, missing);
    resolve(library, "cuStreamDestroy_v2", d.cuStreamDestroy, missing);
    resolve(library, "cuStreamSynchronize", d.cuStreamSynchronize, missing);
    resolve(library, "cuEventCreate", d.cuEventCreate, missing);
    resolve(library, "cuEventDestroy_v2", d.cuEventDestroy, missing);
    resolve(library, "cuEventRecord", d.cuEventRecord, missing);
    resolve(library, "cuEventSynchronize", d.cuEventSynchronize, missing);
    // Drivers before CUDA 12.8 only export the original symbol.
    std::string unused;
    resolve(library, "cuEventElapsedTime_v2", d.cuEventElapsedTime, unused);
    if (!d.cuEventElapsedTime)
      resolve(library, "cuEventElapsedTime", d.cuEventElapsedTime, missing);
    resolve(library, "cuStreamBeginCapture_v2", d.cuStreamBeginCapture,
            missing);
    resolve(library, "cuStreamEndCapture", d.cuStreamEndCapture, missing);
    resolve(library, "cuGraphInstantiateWithFlags", d.cuGraphInstantiate,
            missing);
    resolve(library, "cuGraphLaunch", d.cuGraphLaunch, missing);
    resolve(library, "cuGraphExecDestroy", d.cuGraphExecDestroy, missing);
    resolve(library, "cuGraphDestroy", d.cuGraphDestroy, missing);
    if (!missing.empty()) {
      loadError = "the CUDA driver is too old: libcuda.so.1 lacks " + missing;
      return;
    }
    if (CUresult r = d.cuInit(0); r != CUDA_SUCCESS) {
      loadError = describe(d, r, "cuInit");
      return;
    }
    loaded = true;
  });
  if (!loaded) {
    error = loadError;
    return nullptr;
  }
  return &driver;
}

std::string vptq::runtime::cuda::describe(const Driver &driver,
                                          CUresult result, const char *what) {
  const char *name = nullptr, *text = nullptr;
  if (driver.cuGetErrorName)
    driver.cuGetErrorName(result, &name);
  if (driver.cuGetErrorString)
    driver.cuGetErrorString(result, &text);
  std::string message = std::string(what) + ": ";
  message += name ? name : ("CUDA error " + std::to_string(result));
  if (text)
    message += std::string(" (") + text + ")";
  return message;
}
