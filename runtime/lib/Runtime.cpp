//===- Runtime.cpp - The vptq runtime: a device and its kernels -----------===//

#include "vptq/runtime/Runtime.h"
#include "Backend.h"
#include "KernelStore.h"
#include "vptq/ABI/MemRefABI.h"
#include "vptq/ABI/Version.h"

#include <cstdio>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using namespace vptq::runtime::detail;

namespace vptq::runtime::detail {

/// Device memory, freed through its backend with the last tensor using it.
struct Allocation {
  std::shared_ptr<Backend> backend;
  void *pointer = nullptr;
  size_t bytes = 0;
  ~Allocation() {
    if (pointer)
      backend->deallocate(pointer);
  }
};

} // namespace vptq::runtime::detail

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

const char *vptq::runtime::deviceKindName(DeviceKind kind) {
  switch (kind) {
  case DeviceKind::CPU:
    return "cpu";
  case DeviceKind::CUDA:
    return "cuda";
  case DeviceKind::HIP:
    return "hip";
  }
  return "?";
}

bool vptq::runtime::parseDeviceKind(const std::string &name, DeviceKind &kind) {
  for (DeviceKind k : {DeviceKind::CPU, DeviceKind::CUDA, DeviceKind::HIP})
    if (name == deviceKindName(k)) {
      kind = k;
      return true;
    }
  return false;
}

std::string DeviceInfo::describe() const {
  std::ostringstream os;
  os << deviceKindName(kind) << ":" << index << " " << name << " (" << arch;
  if (numProcessors)
    os << ", " << numProcessors
       << (kind == DeviceKind::CUDA  ? " SMs"
           : kind == DeviceKind::HIP ? " CUs"
                                     : " threads");
  if (memoryBytes) {
    char gib[32];
    std::snprintf(gib, sizeof(gib), "%.1f", double(memoryBytes) / (1 << 30));
    os << ", " << gib << " GiB";
  }
  os << ")";
  return os.str();
}

Status vptq::runtime::detail::checkDeviceIndex(DeviceKind kind, int index,
                                               int count) {
  if (index >= 0 && index < count)
    return Status::success();
  std::string name = deviceKindName(kind);
  std::string upper = kind == DeviceKind::CUDA ? "CUDA" : "HIP";
  return Status::error("device " + name + ":" + std::to_string(index) +
                       " does not exist (" + std::to_string(count) + " " +
                       upper + " device(s) found)");
}

#ifndef VPTQ_RUNTIME_ENABLE_HIP
Result<std::shared_ptr<Backend>>
vptq::runtime::detail::createHIPBackend(const RuntimeOptions &) {
  return Status::error("cannot use device hip: this runtime was built without "
                       "the HIP backend (-DVPTQ_RUNTIME_ENABLE_HIP=ON)");
}
#endif

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

std::string vptq::runtime::formatShape(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {

int64_t product(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string lowerDType(DType dtype) {
  std::string s = ref::dtypeName(dtype);
  for (char &c : s)
    c = char(std::tolower(c));
  return s;
}

} // namespace

int64_t Tensor::numElements() const { return product(shape_); }
size_t Tensor::bytes() const {
  return size_t(numElements() * ref::dtypeSize(dtype_));
}
void *Tensor::data() const {
  return storage ? static_cast<uint8_t *>(storage->pointer) + offset : nullptr;
}
DeviceKind Tensor::device() const {
  return storage ? storage->backend->info().kind : DeviceKind::CPU;
}

Result<Tensor> Tensor::slice(int64_t begin, int64_t end) const {
  if (!defined() || shape_.empty())
    return Status::error("cannot slice " + describe());
  if (begin < 0 || end < begin || end > shape_[0])
    return Status::error("rows [" + std::to_string(begin) + ", " +
                         std::to_string(end) + ") are outside " + describe());
  Tensor t = *this;
  t.shape_[0] = end - begin;
  int64_t rowBytes =
      product(std::vector<int64_t>(shape_.begin() + 1, shape_.end())) *
      ref::dtypeSize(dtype_);
  t.offset += size_t(begin * rowBytes);
  return t;
}

Result<Tensor> Tensor::reshape(std::vector<int64_t> shape) const {
  for (int64_t d : shape)
    if (d < 0)
      return Status::error("cannot reshape " + describe() + " to " +
                           formatShape(shape) + ": negative dimension");
  if (product(shape) != numElements())
    return Status::error("cannot reshape " + describe() + " to " +
                         formatShape(shape) + ": element counts differ");
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

std::string Tensor::describe() const {
  if (!defined())
    return "an undefined tensor";
  return lowerDType(dtype_) + formatShape(shape_);
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

const char *vptq::runtime::kernelOriginName(KernelOrigin origin) {
  switch (origin) {
  case KernelOrigin::Bundle:
    return "bundle";
  case KernelOrigin::Cache:
    return "cache";
  case KernelOrigin::Compiled:
    return "compiled";
  }
  return "?";
}

Kernel::~Kernel() = default;

Status Kernel::run(const std::vector<const Tensor *> &tensors) {
  const std::vector<KernelArg> &args = binary.args;
  std::string what = "kernel " + key_;
  if (tensors.size() != args.size())
    return Status::error(what + " takes " + std::to_string(args.size()) +
                         " tensors, got " + std::to_string(tensors.size()));
  // The row count (batch) is the leading dimension of the first argument
  // whose leading dimension is dynamic.
  int64_t batch = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].shape.empty() || args[i].shape[0] != -1)
      continue;
    const Tensor *t = tensors[i];
    if (!t || !t->defined() || t->rank() < 1)
      return Status::error(what + ": argument '" + args[i].name +
                           "' is undefined");
    batch = t->dim(0);
    break;
  }
  std::vector<std::vector<int64_t>> descriptors;
  for (size_t i = 0; i < args.size(); ++i) {
    const KernelArg &arg = args[i];
    const Tensor *t = tensors[i];
    if (!t || !t->defined())
      return Status::error(what + ": argument '" + arg.name + "' is undefined");
    std::vector<int64_t> shape = arg.shape;
    for (size_t d = 0; d < shape.size(); ++d)
      if (shape[d] == kAnySize && d < t->rank())
        shape[d] = t->dim(d);
      else if (shape[d] < 0)
        shape[d] = batch;
    if (!t || !t->defined())
      return Status::error(what + ": argument '" + arg.name + "' is undefined");
    if (t->device() != device)
      return Status::error(what + ": argument '" + arg.name + "' is on " +
                           deviceKindName(t->device()) + ", the kernel on " +
                           deviceKindName(device));
    if (t->dtype() != arg.dtype || t->shape() != shape)
      return Status::error(what + ": argument '" + arg.name + "' is " +
                           t->describe() + ", expected " +
                           lowerDType(arg.dtype) + formatShape(shape));
    descriptors.push_back(memrefabi::makeDescriptor(t->data(), shape));
  }
  if (batch == 0)
    return Status::success();
  return loaded->launch(descriptors, batch);
}

//===----------------------------------------------------------------------===//
// Runtime
//===----------------------------------------------------------------------===//

Result<std::shared_ptr<Runtime>>
Runtime::create(const RuntimeOptions &options) {
  std::shared_ptr<Runtime> rt(new Runtime());
  rt->opts = options;
  Result<std::shared_ptr<Backend>> backend =
      options.device == DeviceKind::CUDA  ? createCUDABackend(options)
      : options.device == DeviceKind::HIP ? createHIPBackend(options)
                                          : createCPUBackend(options);
  if (!backend)
    return backend.status();
  rt->backend = *backend;
  rt->store = std::make_unique<KernelStore>(rt->backend, options);
  VPTQ_RETURN_IF_ERROR(rt->store->initialize());
  return rt;
}

Runtime::~Runtime() = default;

bool Runtime::hasBuiltinCompiler() {
  return createBuiltinCompiler() != nullptr;
}
const char *Runtime::version() { return getVersion(); }
const DeviceInfo &Runtime::device() const { return backend->info(); }
const std::string &Runtime::cacheDirectory() const {
  return store->cacheDirectory();
}
void *Runtime::stream() const { return backend->stream(); }
Status Runtime::synchronize() { return backend->synchronize(); }
Status Runtime::addBundle(const std::string &dir) {
  return store->addBundle(dir);
}
Result<std::shared_ptr<Kernel>> Runtime::getKernel(const LinearSpec &spec) {
  return store->get({spec, std::nullopt});
}
Result<std::shared_ptr<Kernel>> Runtime::getKernel(const OpSpec &spec) {
  return store->get({LinearSpec(), spec});
}
KernelStats Runtime::kernelStats() const { return store->stats(); }

Result<Tensor> Runtime::allocate(DType dtype, std::vector<int64_t> shape) {
  for (int64_t d : shape)
    if (d < 0)
      return Status::error("cannot allocate a tensor of shape " +
                           formatShape(shape));
  size_t bytes = size_t(product(shape) * ref::dtypeSize(dtype));
  auto pointer = backend->allocate(bytes);
  if (!pointer)
    return pointer.status();
  auto allocation = std::make_shared<Allocation>();
  allocation->backend = backend;
  allocation->pointer = *pointer;
  allocation->bytes = bytes;
  Tensor t;
  t.storage = std::move(allocation);
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  return t;
}

namespace {

Status checkOwned(const Tensor &t, const Backend &backend, const char *what) {
  if (!t.defined())
    return Status::error(std::string(what) + ": the tensor is undefined");
  if (t.device() != backend.info().kind)
    return Status::error(std::string(what) + ": " + t.describe() + " is on " +
                         deviceKindName(t.device()) + ", the runtime on " +
                         deviceKindName(backend.info().kind));
  return Status::success();
}

} // namespace

Result<Tensor> Runtime::upload(const ref::HostTensor &host) {
  if (int64_t(host.data.size()) !=
      host.numElements() * ref::dtypeSize(host.dtype))
    return Status::error("cannot upload a host tensor whose " +
                         std::to_string(host.data.size()) +
                         " bytes do not match its shape " +
                         formatShape(host.shape));
  auto t = allocate(host.dtype, host.shape);
  if (!t)
    return t;
  VPTQ_RETURN_IF_ERROR(copyFromHost(*t, host.data.data(), host.data.size()));
  return t;
}

Result<ref::HostTensor> Runtime::download(const Tensor &tensor) {
  VPTQ_RETURN_IF_ERROR(checkOwned(tensor, *backend, "download"));
  ref::HostTensor host(tensor.dtype(), tensor.shape());
  VPTQ_RETURN_IF_ERROR(copyToHost(tensor, host.data.data(), host.data.size()));
  return host;
}

Status Runtime::copyFromHost(const Tensor &dst, const void *src, size_t bytes,
                             size_t offset) {
  VPTQ_RETURN_IF_ERROR(checkOwned(dst, *backend, "copy from the host"));
  if (offset + bytes > dst.bytes())
    return Status::error("copy from the host: " + std::to_string(bytes) +
                         " bytes at offset " + std::to_string(offset) +
                         " overrun " + dst.describe());
  if (bytes == 0)
    return Status::success();
  return backend->copyToDevice(static_cast<uint8_t *>(dst.data()) + offset, src,
                               bytes);
}

Status Runtime::copyToHost(const Tensor &src, void *dst, size_t bytes,
                           size_t offset) {
  VPTQ_RETURN_IF_ERROR(checkOwned(src, *backend, "copy to the host"));
  if (offset + bytes > src.bytes())
    return Status::error("copy to the host: " + std::to_string(bytes) +
                         " bytes at offset " + std::to_string(offset) +
                         " overrun " + src.describe());
  if (bytes == 0)
    return Status::success();
  return backend->copyToHost(dst, static_cast<uint8_t *>(src.data()) + offset,
                             bytes);
}

Status Runtime::copy(const Tensor &src, const Tensor &dst) {
  VPTQ_RETURN_IF_ERROR(checkOwned(src, *backend, "copy"));
  VPTQ_RETURN_IF_ERROR(checkOwned(dst, *backend, "copy"));
  if (src.bytes() != dst.bytes())
    return Status::error("cannot copy " + src.describe() + " into " +
                         dst.describe() + ": sizes differ");
  if (src.bytes() == 0)
    return Status::success();
  return backend->copyOnDevice(dst.data(), src.data(), src.bytes());
}

Status Runtime::fill(const Tensor &tensor, uint8_t byte) {
  VPTQ_RETURN_IF_ERROR(checkOwned(tensor, *backend, "fill"));
  if (tensor.bytes() == 0)
    return Status::success();
  return backend->fill(tensor.data(), byte, tensor.bytes());
}

KernelCompiler::~KernelCompiler() = default;

//===----------------------------------------------------------------------===//
// Graphs
//===----------------------------------------------------------------------===//

Graph::~Graph() {
  if (handle)
    backend->destroyGraph(handle);
}

Status Graph::launch() { return backend->launchGraph(handle); }

bool Runtime::supportsGraphs() const { return backend->supportsGraphs(); }

Status
Runtime::concurrently(const std::vector<std::function<Status()>> &tasks) {
  return backend->concurrently(tasks);
}

Result<std::shared_ptr<Graph>>
Runtime::capture(const std::function<Status()> &body) {
  VPTQ_RETURN_IF_ERROR(backend->beginCapture());
  Status recorded = body();
  auto handle = backend->endCapture();
  if (!recorded) {
    if (handle)
      backend->destroyGraph(*handle);
    return recorded.withContext("while capturing a graph");
  }
  if (!handle)
    return handle.status();
  std::shared_ptr<Graph> graph(new Graph());
  graph->backend = backend;
  graph->handle = *handle;
  return graph;
}
