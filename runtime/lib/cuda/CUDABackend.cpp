//===- CUDABackend.cpp - NVIDIA GPUs through the CUDA driver API ----------===//
//
// One device, its primary context and one non-blocking stream. Kernels are
// cubins (or PTX, which the driver compiles) loaded with cuModuleLoadData
// and launched with cuLaunchKernel, each memref descriptor field a kernel
// parameter.
//
//===----------------------------------------------------------------------===//

#include "../Backend.h"
#include "CudaDriver.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/MemRefABI.h"

#include <cstdio>

using namespace vptq::runtime;
using namespace vptq::runtime::detail;
using namespace vptq::runtime::cuda;

namespace {

class CUDABackend;

class CUDAKernel : public LoadedKernel {
public:
  CUDAKernel(const Driver *driver, CUmodule module, CUfunction function,
             const vptq::LaunchInfo &launch,
             std::shared_ptr<const CUstream> stream)
      : driver(driver), module(module), function(function), launchInfo(launch),
        stream(std::move(stream)) {}
  ~CUDAKernel() override { driver->cuModuleUnload(module); }

  Status launch(std::vector<std::vector<int64_t>> &descriptors,
                int64_t batch) override {
    if (batch <= 0)
      return Status::success();
    std::vector<void *> params = vptq::memrefabi::kernelParams(descriptors);
    unsigned gridY = gridRows(launchInfo, batch);
    CUresult r;
    if (launchInfo.gridDependency && driver->cuLaunchKernelEx) {
      // The kernel waits for its predecessor itself: it may start while
      // the previous kernel of the stream finishes (also inside graphs).
      CUlaunchAttribute overlap = {};
      overlap.id = CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION;
      overlap.value.programmaticStreamSerializationAllowed = 1;
      CUlaunchConfig config = {unsigned(launchInfo.gridX),
                               gridY,
                               1,
                               unsigned(launchInfo.blockSize),
                               1,
                               1,
                               unsigned(launchInfo.sharedBytes),
                               *stream,
                               &overlap,
                               1};
      r = driver->cuLaunchKernelEx(&config, function, params.data(), nullptr);
    } else {
      r = driver->cuLaunchKernel(
          function, unsigned(launchInfo.gridX), gridY, 1,
          unsigned(launchInfo.blockSize), 1, 1,
          unsigned(launchInfo.sharedBytes), *stream, params.data(), nullptr);
    }
    if (r != CUDA_SUCCESS)
      return Status::error(
          describe(*driver, r, ("launching " + launchInfo.kernelName).c_str()));
    return Status::success();
  }

private:
  const Driver *driver;
  CUmodule module;
  CUfunction function;
  vptq::LaunchInfo launchInfo;
  /// The backend's current stream (see CUDABackend::concurrently).
  std::shared_ptr<const CUstream> stream;
};

class CUDABackend : public Backend {
public:
  static Result<std::shared_ptr<Backend>> create(int index) {
    std::string error;
    const Driver *driver = getDriver(error);
    if (!driver)
      return Status::error("cannot use device cuda:" + std::to_string(index) +
                           ": " + error);
    int count = 0;
    if (CUresult r = driver->cuDeviceGetCount(&count); r != CUDA_SUCCESS)
      return Status::error(describe(*driver, r, "cuDeviceGetCount"));
    VPTQ_RETURN_IF_ERROR(checkDeviceIndex(DeviceKind::CUDA, index, count));
    std::shared_ptr<CUDABackend> b(new CUDABackend());
    b->driver = driver;
    VPTQ_RETURN_IF_ERROR(
        b->check(driver->cuDeviceGet(&b->dev, index), "cuDeviceGet"));
    char name[256] = {};
    driver->cuDeviceGetName(name, sizeof(name), b->dev);
    int major = 0, minor = 0, sms = 0, smem = 0;
    driver->cuDeviceGetAttribute(
        &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, b->dev);
    driver->cuDeviceGetAttribute(
        &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, b->dev);
    driver->cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                 b->dev);
    driver->cuDeviceGetAttribute(
        &smem, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, b->dev);
    size_t memory = 0;
    driver->cuDeviceTotalMem(&memory, b->dev);
    DeviceInfo &d = b->device;
    d.kind = DeviceKind::CUDA;
    d.index = index;
    d.name = name;
    d.arch = "sm_" + std::to_string(major) + std::to_string(minor);
    d.numProcessors = sms;
    d.memoryBytes = memory;
    d.maxSharedBytesPerBlock = uint64_t(smem);
    VPTQ_RETURN_IF_ERROR(
        b->check(driver->cuDevicePrimaryCtxRetain(&b->context, b->dev),
                 "cuDevicePrimaryCtxRetain"));
    b->retained = true;
    VPTQ_RETURN_IF_ERROR(
        b->check(driver->cuCtxSetCurrent(b->context), "cuCtxSetCurrent"));
    VPTQ_RETURN_IF_ERROR(
        b->check(driver->cuStreamCreate(&b->stream_, CU_STREAM_NON_BLOCKING),
                 "cuStreamCreate"));
    *b->current_ = b->stream_;
    return std::shared_ptr<Backend>(b);
  }

  ~CUDABackend() override {
    for (const Branch &branch : branches_) {
      driver->cuStreamDestroy(branch.stream);
      driver->cuEventDestroy(branch.done);
    }
    if (fork_)
      driver->cuEventDestroy(fork_);
    if (stream_)
      driver->cuStreamDestroy(stream_);
    if (retained)
      driver->cuDevicePrimaryCtxRelease(dev);
  }

  const DeviceInfo &info() const override { return device; }

  Result<void *> allocate(size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    CUdeviceptr p = 0;
    if (CUresult r = driver->cuMemAlloc(&p, std::max<size_t>(bytes, 1));
        r != CUDA_SUCCESS)
      return Status::error(describe(*driver, r,
                                    ("allocating " + std::to_string(bytes) +
                                     " bytes on " + device.describe())
                                        .c_str()));
    return reinterpret_cast<void *>(p);
  }
  void deallocate(void *pointer) override {
    // Memory freed while kernels using it may still run: wait first.
    driver->cuStreamSynchronize(stream_);
    driver->cuMemFree(reinterpret_cast<CUdeviceptr>(pointer));
  }
  Status copyToDevice(void *dst, const void *src, size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(
        check(driver->cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(dst), src,
                                        bytes, stream_),
              "cuMemcpyHtoDAsync"));
    // The source is pageable host memory the caller may reuse at once.
    return check(driver->cuStreamSynchronize(stream_), "copy to the device");
  }
  Status copyToHost(void *dst, const void *src, size_t bytes) override {
    VPTQ_RETURN_IF_ERROR(
        check(driver->cuMemcpyDtoHAsync(dst, reinterpret_cast<CUdeviceptr>(src),
                                        bytes, stream_),
              "cuMemcpyDtoHAsync"));
    return check(driver->cuStreamSynchronize(stream_), "copy to the host");
  }
  Status copyOnDevice(void *dst, const void *src, size_t bytes) override {
    return check(driver->cuMemcpyDtoDAsync(reinterpret_cast<CUdeviceptr>(dst),
                                           reinterpret_cast<CUdeviceptr>(src),
                                           bytes, *current_),
                 "cuMemcpyDtoDAsync");
  }
  Status fill(void *dst, uint8_t byte, size_t bytes) override {
    return check(driver->cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(dst),
                                         byte, bytes, *current_),
                 "cuMemsetD8Async");
  }
  Status synchronize() override {
    return check(driver->cuStreamSynchronize(stream_),
                 "waiting for the GPU (a kernel failed?)");
  }
  void *stream() const override { return stream_; }

  bool supportsGraphs() const override { return true; }
  Status beginCapture() override {
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    return check(driver->cuStreamBeginCapture(
                     stream_, CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                 "cuStreamBeginCapture");
  }
  Result<void *> endCapture() override {
    CUgraph graph = nullptr;
    VPTQ_RETURN_IF_ERROR(
        check(driver->cuStreamEndCapture(stream_, &graph), "cuStreamEndCapture"));
    CUgraphExec exec = nullptr;
    CUresult r = driver->cuGraphInstantiate(&exec, graph, 0);
    driver->cuGraphDestroy(graph);
    VPTQ_RETURN_IF_ERROR(check(r, "cuGraphInstantiate"));
    return static_cast<void *>(exec);
  }
  Status launchGraph(void *graph) override {
    return check(driver->cuGraphLaunch(static_cast<CUgraphExec>(graph), stream_),
                 "cuGraphLaunch");
  }
  void destroyGraph(void *graph) override {
    driver->cuGraphExecDestroy(static_cast<CUgraphExec>(graph));
  }

  /// Task 0 queues on the backend's stream, task i on branch stream i - 1,
  /// forked from the stream by an event and joined back into it by
  /// another: in a graph capture the branches become parallel paths of
  /// the graph. Nested calls run their tasks on the current stream.
  Status concurrently(
      const std::vector<std::function<Status()>> &tasks) override {
    if (tasks.size() < 2 || *current_ != stream_)
      return Backend::concurrently(tasks);
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    const size_t side = tasks.size() - 1;
    if (!fork_)
      VPTQ_RETURN_IF_ERROR(check(
          driver->cuEventCreate(&fork_, CU_EVENT_DISABLE_TIMING), "cuEventCreate"));
    while (branches_.size() < side) {
      Branch branch;
      VPTQ_RETURN_IF_ERROR(check(
          driver->cuStreamCreate(&branch.stream, CU_STREAM_NON_BLOCKING),
          "cuStreamCreate"));
      if (CUresult r = driver->cuEventCreate(&branch.done,
                                             CU_EVENT_DISABLE_TIMING);
          r != CUDA_SUCCESS) {
        driver->cuStreamDestroy(branch.stream);
        return check(r, "cuEventCreate");
      }
      branches_.push_back(branch);
    }
    VPTQ_RETURN_IF_ERROR(
        check(driver->cuEventRecord(fork_, stream_), "cuEventRecord"));
    for (size_t i = 0; i < side; ++i)
      VPTQ_RETURN_IF_ERROR(
          check(driver->cuStreamWaitEvent(branches_[i].stream, fork_, 0),
                "cuStreamWaitEvent"));
    Status result = Status::success();
    for (size_t i = 0; i < tasks.size() && result; ++i) {
      *current_ = i == 0 ? stream_ : branches_[i - 1].stream;
      result = tasks[i]();
    }
    *current_ = stream_;
    // Join every branch, also after an error: a capture must end joined.
    for (size_t i = 0; i < side; ++i) {
      Status joined = check(
          driver->cuEventRecord(branches_[i].done, branches_[i].stream),
          "cuEventRecord");
      if (joined)
        joined = check(
            driver->cuStreamWaitEvent(stream_, branches_[i].done, 0),
            "cuStreamWaitEvent");
      if (result && !joined)
        result = joined;
    }
    return result;
  }
  bool canLoad(const std::string &kind) const override {
    return kind == "cubin" || kind == "ptx" || kind == "fatbin";
  }

  Result<std::unique_ptr<LoadedKernel>> load(const KernelBinary &binary,
                                             const std::string &file) override {
    std::string what = "kernel " + binary.launch.kernelName +
                       (file.empty() ? "" : " (" + file + ")");
    if (!vptq::archRunsOn(binary.arch, device.arch))
      return Status::error(what + " was compiled for " + binary.arch +
                           " and does not run on " + device.describe());
    if (binary.launch.sharedBytes > int64_t(device.maxSharedBytesPerBlock))
      return Status::error(
          what + " needs " + std::to_string(binary.launch.sharedBytes) +
          " bytes of shared memory per block; " + device.describe() +
          " allows " + std::to_string(device.maxSharedBytesPerBlock));
    VPTQ_RETURN_IF_ERROR(makeCurrent());
    std::vector<uint8_t> image = binary.bytes;
    if (binary.kind == "ptx")
      image.push_back(0); // cuModuleLoadData takes PTX as a C string.
    CUmodule module;
    if (CUresult r = driver->cuModuleLoadData(&module, image.data());
        r != CUDA_SUCCESS)
      return Status::error(describe(*driver, r, ("loading " + what).c_str()));
    CUfunction function;
    if (CUresult r = driver->cuModuleGetFunction(
            &function, module, binary.launch.kernelName.c_str());
        r != CUDA_SUCCESS) {
      driver->cuModuleUnload(module);
      return Status::error(describe(*driver, r, ("finding " + what).c_str()));
    }
    if (binary.launch.sharedBytes > 0)
      if (CUresult r = driver->cuFuncSetAttribute(
              function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
              int(binary.launch.sharedBytes));
          r != CUDA_SUCCESS) {
        driver->cuModuleUnload(module);
        return Status::error(
            describe(*driver, r, ("configuring " + what).c_str()));
      }
    return std::unique_ptr<LoadedKernel>(
        new CUDAKernel(driver, module, function, binary.launch, current_));
  }

private:
  CUDABackend() = default;
  Status check(CUresult r, const char *what) const {
    return r == CUDA_SUCCESS ? Status::success()
                             : Status::error(describe(*driver, r, what));
  }
  Status makeCurrent() {
    return check(driver->cuCtxSetCurrent(context), "cuCtxSetCurrent");
  }

  const Driver *driver = nullptr;
  CUdevice dev = 0;
  CUcontext context = nullptr;
  bool retained = false;
  CUstream stream_ = nullptr;
  /// Where kernels, fills and device copies queue: stream_, or a branch
  /// stream inside concurrently().
  std::shared_ptr<CUstream> current_ = std::make_shared<CUstream>();
  struct Branch {
    CUstream stream = nullptr;
    CUevent done = nullptr;
  };
  std::vector<Branch> branches_;
  CUevent fork_ = nullptr;
  DeviceInfo device;
};

} // namespace

Result<std::shared_ptr<Backend>>
vptq::runtime::detail::createCUDABackend(const RuntimeOptions &options) {
  return CUDABackend::create(options.deviceIndex);
}
