//===- gpu-check.cpp - Run a kernel bundle on an NVIDIA GPU ---------------===//
//
// For every kernel of a vptq-compile bundle that targets the GPU present:
// loads the cubin with the CUDA driver API, runs it on a fresh random layer
// and fresh random activations for each batch size (consecutive kernels of
// the same layer, such as the autotuner's candidates, share them and their
// reference outputs), checks every output
// element against vptq::ref (tolerance in vptq/Reference/Check.h), and
// times it with CUDA events (warm-up, median over repetitions of back-to-back
// launches, weight copies rotated so that caches do not flatter small layers).
//
// Needs no MLIR: built on the development machine, run on the GPU machine.
//
//===----------------------------------------------------------------------===//

#include "../../runtime/lib/cuda/CudaDriver.h"
#include "../BenchUtil.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/MemRefABI.h"
#include "vptq/ABI/Tuning.h"
#include "vptq/Reference/Check.h"
#include "vptq/Reference/Dequant.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime::cuda;
using bench::die;
using bench::median;
using nlohmann::json;

namespace {

struct Options {
  std::string bundle;
  std::vector<int64_t> batches = {1, 16, 256};
  int reps = 50, warmup = 5;
  std::string jsonPath;
  std::string filter;
  uint64_t seed = 0;
  bool runtimeChoice = false;
};

const Driver *driver;

/// "v8-k65536-k256": the short name of a layer configuration.
std::string configName(const ref::LayerConfig &c) {
  std::string name =
      "v" + std::to_string(c.vectorLen) + "-k" + std::to_string(c.numCentroids);
  if (c.numResCentroids > 0)
    name += "-k" + std::to_string(c.numResCentroids);
  return name;
}

void check(CUresult r, const char *what) {
  if (r != CUDA_SUCCESS)
    die(describe(*driver, r, what));
}

Options parseArgs(int argc, char **argv) {
  Options o;
  bench::ArgReader args(argc, argv, "vptq-gpu-check");
  while (args.next()) {
    const std::string &a = args.flag();
    if (a == "--bundle")
      o.bundle = args.value();
    else if (a == "--batches")
      o.batches = args.intList();
    else if (a == "--reps")
      o.reps = std::stoi(args.value());
    else if (a == "--json")
      o.jsonPath = args.value();
    else if (a == "--filter")
      o.filter = args.value();
    else if (a == "--seed")
      o.seed = std::stoull(args.value());
    else if (a == "--runtime-choice")
      o.runtimeChoice = true;
    else if (a == "--help" || a == "-h") {
      std::cout
          << "usage: vptq-gpu-check --bundle DIR [--batches 1,16,256] "
             "[--reps N] [--filter SUBSTR] [--seed S] [--json FILE] "
             "[--runtime-choice]\n"
             "Runs every kernel of a vptq-compile bundle built for this GPU "
             "against the reference on fresh random inputs and times it.\n"
             "--runtime-choice: run each kernel without fixed decisions "
             "only at the batches the runtime runs it: batch_hint " +
                 std::to_string(kBatchedHint) + " from " +
                 std::to_string(kBatchedThreshold) + " rows, " +
                 std::to_string(kMidBatchHint) + " from " +
                 std::to_string(kMidBatchThreshold) + ", " +
                 std::to_string(kLargeBatchHint) + " from " +
                 std::to_string(kLargeBatchThreshold) +
                 ", none below.\n";
      std::exit(0);
    } else
      args.unknown();
  }
  if (o.bundle.empty())
    die("--bundle DIR is required");
  return o;
}

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  if (!f)
    die("cannot read " + path);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

/// A device buffer freed on destruction.
struct DeviceBuffer {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t n) : bytes(n) {
    check(driver->cuMemAlloc(&ptr, std::max<size_t>(n, 16)), "cuMemAlloc");
  }
  ~DeviceBuffer() {
    if (ptr)
      driver->cuMemFree(ptr);
  }
  DeviceBuffer(const DeviceBuffer &) = delete;
  void upload(const std::vector<uint8_t> &data) {
    check(driver->cuMemcpyHtoD(ptr, data.data(), data.size()), "cuMemcpyHtoD");
  }
};

} // namespace

int main(int argc, char **argv) {
  Options opts = parseArgs(argc, argv);
  std::string error;
  driver = getDriver(error);
  if (!driver)
    die(error);
  CUdevice dev;
  check(driver->cuDeviceGet(&dev, 0), "cuDeviceGet");
  char name[256] = {};
  driver->cuDeviceGetName(name, sizeof(name), dev);
  int major = 0, minor = 0, sms = 0, smemOptin = 0;
  driver->cuDeviceGetAttribute(
      &major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  driver->cuDeviceGetAttribute(
      &minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  driver->cuDeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                               dev);
  driver->cuDeviceGetAttribute(
      &smemOptin, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, dev);
  CUcontext ctx;
  check(driver->cuDevicePrimaryCtxRetain(&ctx, dev),
        "cuDevicePrimaryCtxRetain");
  check(driver->cuCtxSetCurrent(ctx), "cuCtxSetCurrent");
  CUstream stream;
  check(driver->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING),
        "cuStreamCreate");
  CUevent start, stop;
  check(driver->cuEventCreate(&start, 0), "cuEventCreate");
  check(driver->cuEventCreate(&stop, 0), "cuEventCreate");
  uint64_t seed =
      opts.seed
          ? opts.seed
          : uint64_t(
                std::chrono::steady_clock::now().time_since_epoch().count()) ^
                std::random_device{}();
  std::cout << "device: " << name << " (sm_" << major << minor << ", " << sms
            << " SMs), bundle " << opts.bundle << ", seed " << seed << "\n";

  BundleManifest manifest;
  if (std::string err = readManifest(opts.bundle, manifest); !err.empty())
    die(err);
  std::string deviceArch =
      "sm_" + std::to_string(major) + std::to_string(minor);
  json results = json::array();
  int failures = 0, ran = 0;
  struct CachedLayer {
    std::string key;
    ref::QuantizedLinear layer;
    ref::LayerTensors tensors;
    std::vector<float> dequantized;
    /// Derived arguments (shard_entries, shard_offsets) by name.
    std::map<std::string, ref::HostTensor> derived;
    size_t weightBytes = 0;
    int copies = 1;
    /// Per copy: the device tensors by argument name.
    std::vector<std::map<std::string, std::unique_ptr<DeviceBuffer>>> weights;
    /// Per batch: the random input and its reference outputs, shared by
    /// the kernels of this layer (the reference of a 11008 x 4096 layer
    /// at batch 256 is 11.5 G multiply-adds).
    std::map<int64_t, std::pair<std::vector<float>, ref::DenseReference>>
        inputs;
  } cached;
  int skipped = 0;
  for (const BundleKernel &k : manifest.kernels) {
    const std::string &arch = k.arch;
    if (k.kind != "cubin" || !archRunsOn(arch, deviceArch))
      continue;
    // A model's bundle also holds its dense layers and decoder ops, which
    // vptq-model-check runs; this tool checks quantized linear layers.
    if (k.op || k.spec.dense) {
      ++skipped;
      continue;
    }
    std::string key = k.spec.key();
    if (!opts.filter.empty() && key.find(opts.filter) == std::string::npos)
      continue;
    const ref::LayerConfig &c = k.spec.config;
    ref::DType act = k.spec.activation, model = k.spec.model;

    std::vector<uint8_t> binary = readFile(opts.bundle + "/" + k.file);
    CUmodule module;
    check(driver->cuModuleLoadData(&module, binary.data()), "cuModuleLoadData");
    CUfunction fn;
    check(driver->cuModuleGetFunction(&fn, module, k.symbol.c_str()),
          "cuModuleGetFunction");
    int regs = 0, localBytes = 0;
    driver->cuFuncGetAttribute(&regs, CU_FUNC_ATTRIBUTE_NUM_REGS, fn);
    driver->cuFuncGetAttribute(&localBytes, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES,
                               fn);
    int block = int(k.launch.blockSize);
    int shared = int(k.launch.sharedBytes);
    int64_t gridX = k.launch.gridX, batchTile = k.launch.batchTile;
    if (shared > smemOptin)
      die(key + ": needs " + std::to_string(shared) +
          " bytes of shared memory, the device allows " +
          std::to_string(smemOptin));
    if (shared > 0)
      check(driver->cuFuncSetAttribute(
                fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared),
            "cuFuncSetAttribute");

    // A fresh random layer and several device copies of it for timing;
    // kept for the next kernel when that computes the same layer (the
    // autotuner's candidates of one layer follow each other).
    std::string layerKey = tuningKey(k.spec);
    if (layerKey != cached.key) {
      cached = CachedLayer();
      cached.key = layerKey;
      cached.layer = ref::makeRandomLayer(c, seed++, model);
      cached.tensors = ref::encodeLayer(cached.layer, model);
      // The reference weight, once for every kernel and batch size.
      cached.dequantized = ref::dequantize(cached.layer);
      for (const KernelArg &arg : k.args)
        if (const ref::HostTensor *t = cached.tensors.get(arg.name))
          cached.weightBytes += t->data.size();
      // Enough copies to exceed a 50 MB L2 twice over, at most 8.
      cached.copies = int(std::clamp<size_t>(
          100000000 / std::max<size_t>(cached.weightBytes, 1) + 1, 1, 8));
      cached.weights.resize(cached.copies);
    }
    // This kernel's weight arguments, uploaded once per layer; derived
    // ones laid out as the runtime does (ref::shardIndices).
    for (const KernelArg &arg : k.args) {
      const std::string &n = arg.name;
      if (n == "input" || n == "output" || cached.weights[0].count(n))
        continue;
      const ref::HostTensor *t = cached.tensors.get(n);
      if (isDerivedKernelArg(n)) {
        if (cached.derived.empty())
          if (std::string err = makeDerivedKernelArgs(c, cached.tensors, k.args,
                                                      cached.derived);
              !err.empty())
            die(key + ": " + err);
        t = &cached.derived.at(n);
      }
      if (!t || t->empty())
        die(key + ": no tensor for kernel argument '" + n + "'");
      if (t->dtype != arg.dtype)
        die(key + ": argument '" + n + "' is " + ref::dtypeName(arg.dtype) +
            ", the layer stores " + ref::dtypeName(t->dtype));
      for (int r = 0; r < cached.copies; ++r) {
        auto buffer = std::make_unique<DeviceBuffer>(t->data.size());
        buffer->upload(t->data);
        cached.weights[r][n] = std::move(buffer);
      }
    }
    const size_t weightBytes = cached.weightBytes;
    const int copies = cached.copies;
    auto &weights = cached.weights;

    for (int64_t batch : opts.batches) {
      // As the runtime chooses (LinearLayer::forward): the kernel whose
      // batch_hint is runtimeBatchHint(batch) (plain, prompt or long
      // prompt). Kernels with fixed decisions (the autotuner's candidates)
      // run at every batch.
      if (opts.runtimeChoice && !hasDecisions(k.spec) &&
          k.spec.batchHint != runtimeBatchHint(batch))
        continue;
      auto cachedInput = cached.inputs.find(batch);
      if (cachedInput == cached.inputs.end()) {
        std::vector<float> fresh =
            ref::randomFloats(batch * c.inFeatures, seed++, -1.0f, 1.0f, act);
        ref::DenseReference reference = ref::computeDenseReference(
            cached.dequantized, cached.layer.bias, c.inFeatures,
            c.outFeatures, fresh, batch);
        cachedInput =
            cached.inputs
                .emplace(batch, std::make_pair(std::move(fresh),
                                               std::move(reference)))
                .first;
      }
      const std::vector<float> &x = cachedInput->second.first;
      ref::HostTensor input = ref::encodeFloats(x, {batch, c.inFeatures}, act);
      int64_t outBytes = batch * c.outFeatures * ref::dtypeSize(act);
      std::vector<std::unique_ptr<DeviceBuffer>> inputs, outputs;
      for (int r = 0; r < copies; ++r) {
        inputs.push_back(std::make_unique<DeviceBuffer>(input.data.size()));
        inputs.back()->upload(input.data);
        outputs.push_back(std::make_unique<DeviceBuffer>(outBytes));
      }
      // Descriptor sets, one per copy.
      std::vector<std::vector<std::vector<int64_t>>> descriptors(copies);
      for (int r = 0; r < copies; ++r) {
        for (const KernelArg &arg : k.args) {
          const std::string &n = arg.name;
          std::vector<int64_t> shape = arg.shape;
          if (auto it = cached.derived.find(n); it != cached.derived.end())
            shape = it->second.shape;
          for (int64_t &d : shape)
            if (d < 0)
              d = batch;
          CUdeviceptr ptr = n == "input"    ? inputs[r]->ptr
                            : n == "output" ? outputs[r]->ptr
                                            : weights[r].at(n)->ptr;
          descriptors[r].push_back(
              memrefabi::makeDescriptor(reinterpret_cast<void *>(ptr), shape));
        }
      }
      unsigned gridY = unsigned((batch + batchTile - 1) / batchTile);
      auto launchCopy = [&](int r) {
        std::vector<void *> params = memrefabi::kernelParams(descriptors[r]);
        check(driver->cuLaunchKernel(fn, unsigned(gridX), gridY, 1, block, 1, 1,
                                     shared, stream, params.data(), nullptr),
              "cuLaunchKernel");
      };
      // Correctness: poisoned output (all-ones bits are NaN in f16, bf16
      // and f32), one launch, every element checked.
      check(driver->cuMemsetD8(outputs[0]->ptr, 0xff, outBytes), "cuMemsetD8");
      launchCopy(0);
      check(driver->cuStreamSynchronize(stream), "kernel execution");
      ref::HostTensor out(act, {batch, c.outFeatures});
      check(driver->cuMemcpyDtoH(out.data.data(), outputs[0]->ptr, outBytes),
            "cuMemcpyDtoH");
      std::vector<float> y(out.numElements());
      for (int64_t i = 0; i < out.numElements(); ++i)
        y[i] = out.floatAt(i);
      ref::CheckResult result =
          ref::checkAgainstReference(cachedInput->second.second, y, act);
      // Timing: back-to-back launches between two events, so that the
      // host's launch latency never leaves the GPU idle inside an interval;
      // enough launches per interval that it lasts about 200 us.
      for (int i = 0; i < opts.warmup; ++i)
        launchCopy(i % copies);
      auto timeGroup = [&](int group, int first) {
        check(driver->cuEventRecord(start, stream), "cuEventRecord");
        for (int j = 0; j < group; ++j)
          launchCopy((first + j) % copies);
        check(driver->cuEventRecord(stop, stream), "cuEventRecord");
        check(driver->cuEventSynchronize(stop), "cuEventSynchronize");
        float ms = 0;
        check(driver->cuEventElapsedTime(&ms, start, stop),
              "cuEventElapsedTime");
        return ms * 1000.0 / group;
      };
      double estimate = timeGroup(1, 0);
      int group = int(std::clamp(std::ceil(200.0 / estimate), 1.0, 20.0));
      int groups = estimate > 1000.0 ? std::min(opts.reps, 10) : opts.reps;
      std::vector<double> times;
      for (int i = 0; i < groups; ++i)
        times.push_back(timeGroup(group, i * group));
      double us = median(times);
      ++ran;
      if (!result.ok())
        ++failures;
      char line[512];
      std::snprintf(
          line, sizeof(line),
          "%-4s %-6s %6lld x %-6lld v%-2lld k%-5lld kr%-5lld b=%-4lld "
          "%-9s %9.2f us  regs %3d local %d  %s",
          k.id.c_str(), arch.c_str(), (long long)c.outFeatures,
          (long long)c.inFeatures, (long long)c.vectorLen,
          (long long)c.numCentroids, (long long)c.numResCentroids,
          (long long)batch, result.ok() ? "OK" : "MISMATCH", us, regs,
          localBytes, result.summary().c_str());
      std::cout << line << std::endl;
      results.push_back(
          {{"id", k.id},
           {"arch", arch},
           {"spec_key", key},
           {"tuning_key", tuningKey(k.spec)},
           {"decided", hasDecisions(k.spec)},
           {"batch_hint", k.spec.batchHint},
           {"config", configName(c)},
           {"in_features", c.inFeatures},
           {"out_features", c.outFeatures},
           {"batch", batch},
           {"correct", result.ok()},
           {"checked", result.checked},
           {"failures", result.failures},
           {"max_scaled_error", result.maxScaledError},
           {"summary", result.summary()},
           {"median_us", us},
           {"min_us", *std::min_element(times.begin(), times.end())},
           {"reps", groups},
           {"launches_per_rep", group},
           {"weight_copies", copies},
           {"weight_bytes", weightBytes},
           {"registers", regs},
           {"local_bytes", localBytes},
           {"block", block},
           {"grid", {gridX, gridY}},
           {"shared_bytes", shared},
           {"tiling",
            {{"block_rows", k.launch.blockRows},
             {"warps_per_row", k.launch.warpsPerRow},
             {"batch_tile", k.launch.batchTile},
             {"k_chunk", k.launch.kChunk},
             {"mma", k.launch.mma},
             {"persistent_blocks", k.launch.persistentBlocks},
             {"shared_weights", k.launch.sharedWeights},
             {"staged_inputs", k.launch.stagedInputs},
             {"register_wgmma", k.launch.registerWgmma}}},
           {"placement",
            {{"centroids", k.launch.centroidsPlacement},
             {"res_centroids", k.launch.resCentroidsPlacement}}}});
    }
    driver->cuModuleUnload(module);
  }
  if (!opts.jsonPath.empty()) {
    std::ofstream os(opts.jsonPath);
    os << json({{"device", name},
                {"compute_capability",
                 std::to_string(major) + "." + std::to_string(minor)},
                {"bundle", opts.bundle},
                {"compiler", manifest.compiler},
                {"seed", seed},
                {"results", results}})
              .dump(2)
       << "\n";
  }
  std::cout << ran << " runs, " << failures << " mismatches";
  if (skipped)
    std::cout << " (" << skipped
              << " dense-layer and decoder-op kernels not checked here)";
  std::cout << "\n";
  if (ran == 0)
    die("no kernel in the bundle targets this GPU (sm_" +
        std::to_string(major) + std::to_string(minor) + ")");
  return failures ? 1 : 0;
}
