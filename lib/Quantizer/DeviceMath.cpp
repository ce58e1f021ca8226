//===- DeviceMath.cpp - The quantizer's heavy math on a runtime device ----===//

#include "vptq/Quantizer/DeviceMath.h"

#include <stdexcept>

using namespace vptq;
using namespace vptq::quant;
using namespace vptq::runtime;

namespace {

template <typename T> T orThrow(Result<T> r, const std::string &what) {
  if (!r)
    throw std::runtime_error(what + ": " + r.message());
  return std::move(*r);
}

void orThrow(const Status &s, const std::string &what) {
  if (!s)
    throw std::runtime_error(what + ": " + s.message());
}

OpSpec quantizerOp(const std::string &op, int64_t width) {
  OpSpec spec;
  spec.op = op;
  spec.dtype = spec.paramType = DType::F32;
  spec.width = width;
  return spec;
}

} // namespace

DeviceMath::DeviceMath(std::shared_ptr<Runtime> runtime)
    : rt(std::move(runtime)) {}

void DeviceMath::nearest(const float *points, int64_t n, int64_t dim,
                         const float *centroids, int64_t k,
                         uint32_t *indices) {
  if (n == 0)
    return;
  const std::string what = "nearest-centroid search on " +
                           std::string(deviceKindName(rt->device().kind));
  auto kern = orThrow(rt->getKernel(quantizerOp("nearest", dim)), what);
  // Device buffers are kept between calls (the column-by-column phase makes
  // thousands of small ones) and grown as needed.
  auto buffer = [&](Tensor &t, DType dtype, int64_t elements) {
    if (!t.defined() || t.numElements() < elements)
      t = orThrow(rt->allocate(dtype, {elements}), what);
    return t;
  };
  int64_t chunk = std::min(n, chunkPoints);
  Tensor book =
      orThrow(buffer(bookBuffer, DType::F32, k * dim).slice(0, k * dim), what);
  book = orThrow(book.reshape({k, dim}), what);
  orThrow(rt->copyFromHost(book, centroids, size_t(k * dim) * 4), what);
  buffer(pointBuffer, DType::F32, chunk * dim);
  buffer(indexBuffer, DType::I32, chunk);
  buffer(distanceBuffer, DType::F32, chunk);
  for (int64_t begin = 0; begin < n; begin += chunk) {
    int64_t count = std::min(chunk, n - begin);
    Tensor pc = orThrow(
        orThrow(pointBuffer.slice(0, count * dim), what).reshape({count, dim}),
        what);
    Tensor ic = orThrow(indexBuffer.slice(0, count), what);
    Tensor dc = orThrow(distanceBuffer.slice(0, count), what);
    orThrow(rt->copyFromHost(pc, points + begin * dim, size_t(count * dim) * 4),
            what);
    orThrow(kern->run({&pc, &book, &ic, &dc}), what);
    // int32 indices below k <= 2^31 read back as uint32.
    orThrow(rt->copyToHost(ic, indices + begin, size_t(count) * 4), what);
  }
}

Status DeviceMath::accumulate(const std::string &name, const Tensor &x) {
  if (x.dtype() != DType::F32 || x.rank() != 2)
    return Status::error("Hessian of " + name + ": inputs must be f32 [tokens, n], got " +
                         x.describe());
  int64_t n = x.dim(1);
  auto it = hessians.find(name);
  if (it == hessians.end()) {
    auto h = rt->allocate(DType::F32, {n, n});
    if (!h)
      return h.status().withContext("Hessian of " + name);
    VPTQ_RETURN_IF_ERROR(rt->fill(*h, 0));
    it = hessians.emplace(name, *h).first;
  } else if (it->second.dim(0) != n) {
    return Status::error("Hessian of " + name + ": inputs had " +
                         std::to_string(it->second.dim(0)) +
                         " features, now " + std::to_string(n));
  }
  auto k = rt->getKernel(quantizerOp("gram", n));
  if (!k)
    return k.status().withContext("Hessian of " + name);
  return (*k)->run({&x, &it->second}).withContext("Hessian of " + name);
}

Result<std::vector<double>> DeviceMath::hessian(const std::string &name) {
  auto it = hessians.find(name);
  if (it == hessians.end())
    return Status::error("no calibration inputs reached " + name);
  auto host = rt->download(it->second);
  if (!host)
    return host.status().withContext("Hessian of " + name);
  const float *data = host->as<float>();
  return std::vector<double>(data, data + host->numElements());
}

int64_t DeviceMath::hessianBytes() const {
  int64_t bytes = 0;
  for (const auto &[name, h] : hessians)
    bytes += int64_t(h.bytes());
  return bytes;
}
