//===- CudaDriver.cpp - The CUDA driver API, loaded at run time -----------===//

#include "CudaDriver.h"
#include "../DynamicLibrary.h"

#include <dlfcn.h>
#include <mutex>

using namespace vptq::runtime::cuda;
using vptq::runtime::detail::resolveSymbol;

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
    resolveSymbol(library, "cuInit", d.cuInit, missing);
    resolveSymbol(library, "cuDriverGetVersion", d.cuDriverGetVersion, missing);
    resolveSymbol(library, "cuGetErrorName", d.cuGetErrorName, missing);
    resolveSymbol(library, "cuGetErrorString", d.cuGetErrorString, missing);
    resolveSymbol(library, "cuDeviceGetCount", d.cuDeviceGetCount, missing);
    resolveSymbol(library, "cuDeviceGet", d.cuDeviceGet, missing);
    resolveSymbol(library, "cuDeviceGetName", d.cuDeviceGetName, missing);
    resolveSymbol(library, "cuDeviceGetAttribute", d.cuDeviceGetAttribute,
                  missing);
    resolveSymbol(library, "cuDeviceTotalMem_v2", d.cuDeviceTotalMem, missing);
    resolveSymbol(library, "cuDevicePrimaryCtxRetain",
                  d.cuDevicePrimaryCtxRetain, missing);
    resolveSymbol(library, "cuDevicePrimaryCtxRelease_v2",
                  d.cuDevicePrimaryCtxRelease, missing);
    resolveSymbol(library, "cuCtxSetCurrent", d.cuCtxSetCurrent, missing);
    resolveSymbol(library, "cuCtxSynchronize", d.cuCtxSynchronize, missing);
    resolveSymbol(library, "cuMemGetInfo_v2", d.cuMemGetInfo, missing);
    resolveSymbol(library, "cuModuleLoadData", d.cuModuleLoadData, missing);
    resolveSymbol(library, "cuModuleUnload", d.cuModuleUnload, missing);
    resolveSymbol(library, "cuModuleGetFunction", d.cuModuleGetFunction,
                  missing);
    resolveSymbol(library, "cuFuncSetAttribute", d.cuFuncSetAttribute, missing);
    resolveSymbol(library, "cuFuncGetAttribute", d.cuFuncGetAttribute, missing);
    resolveSymbol(library, "cuMemAlloc_v2", d.cuMemAlloc, missing);
    resolveSymbol(library, "cuMemFree_v2", d.cuMemFree, missing);
    resolveSymbol(library, "cuMemcpyHtoD_v2", d.cuMemcpyHtoD, missing);
    resolveSymbol(library, "cuMemcpyDtoH_v2", d.cuMemcpyDtoH, missing);
    resolveSymbol(library, "cuMemcpyHtoDAsync_v2", d.cuMemcpyHtoDAsync,
                  missing);
    resolveSymbol(library, "cuMemcpyDtoHAsync_v2", d.cuMemcpyDtoHAsync,
                  missing);
    resolveSymbol(library, "cuMemcpyDtoDAsync_v2", d.cuMemcpyDtoDAsync,
                  missing);
    resolveSymbol(library, "cuMemsetD8_v2", d.cuMemsetD8, missing);
    resolveSymbol(library, "cuMemsetD8Async", d.cuMemsetD8Async, missing);
    resolveSymbol(library, "cuLaunchKernel", d.cuLaunchKernel, missing);
    std::string optional;
    resolveSymbol(library, "cuLaunchKernelEx", d.cuLaunchKernelEx, optional);
    resolveSymbol(library, "cuStreamCreate", d.cuStreamCreate, missing);
    resolveSymbol(library, "cuStreamDestroy_v2", d.cuStreamDestroy, missing);
    resolveSymbol(library, "cuStreamSynchronize", d.cuStreamSynchronize,
                  missing);
    resolveSymbol(library, "cuEventCreate", d.cuEventCreate, missing);
    resolveSymbol(library, "cuEventDestroy_v2", d.cuEventDestroy, missing);
    resolveSymbol(library, "cuEventRecord", d.cuEventRecord, missing);
    resolveSymbol(library, "cuStreamWaitEvent", d.cuStreamWaitEvent, missing);
    resolveSymbol(library, "cuEventSynchronize", d.cuEventSynchronize, missing);
    // Drivers before CUDA 12.8 only export the original symbol.
    std::string unused;
    resolveSymbol(library, "cuEventElapsedTime_v2", d.cuEventElapsedTime,
                  unused);
    if (!d.cuEventElapsedTime)
      resolveSymbol(library, "cuEventElapsedTime", d.cuEventElapsedTime,
                    missing);
    resolveSymbol(library, "cuStreamBeginCapture_v2", d.cuStreamBeginCapture,
                  missing);
    resolveSymbol(library, "cuStreamEndCapture", d.cuStreamEndCapture, missing);
    resolveSymbol(library, "cuGraphInstantiateWithFlags", d.cuGraphInstantiate,
                  missing);
    resolveSymbol(library, "cuGraphLaunch", d.cuGraphLaunch, missing);
    resolveSymbol(library, "cuGraphExecDestroy", d.cuGraphExecDestroy, missing);
    resolveSymbol(library, "cuGraphDestroy", d.cuGraphDestroy, missing);
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

std::string vptq::runtime::cuda::describe(const Driver &driver, CUresult result,
                                          const char *what) {
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
