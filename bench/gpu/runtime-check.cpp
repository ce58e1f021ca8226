//===- runtime-check.cpp - Kernel bundles through the runtime on a GPU ----===//
//
// The path applications take: VPTQ::runtime_aot (no MLIR) on a CUDA device,
// kernels from a vptq-compile bundle, layers as QuantLinear / Linear. For
// every layer of the bundle: a fresh random layer, fresh random activations
// for each batch size, every output element checked against vptq::ref; then
// the host-side time per forward call (launch overhead included), and the
// time the runtime took to load the kernel from the bundle.
//
//===----------------------------------------------------------------------===//

#include "../BenchUtil.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/Reference/Check.h"
#include "vptq/runtime/VPTQ.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using bench::Clock;
using bench::die;
using bench::msSince;
using nlohmann::json;

namespace {

template <typename T> T orDie(Result<T> r) {
  if (!r)
    die(r.message());
  return std::move(*r);
}

void orDie(const Status &s) {
  if (!s)
    die(s.message());
}

} // namespace

int main(int argc, char **argv) {
  std::string bundle, jsonPath, device = "cuda";
  std::vector<int64_t> batches = {1, 16, 256};
  int reps = 50;
  bench::ArgReader args(argc, argv, "vptq-runtime-check");
  while (args.next()) {
    const std::string &a = args.flag();
    if (a == "--bundle")
      bundle = args.value();
    else if (a == "--device")
      device = args.value();
    else if (a == "--batches")
      batches = args.intList();
    else if (a == "--reps")
      reps = std::stoi(args.value());
    else if (a == "--json")
      jsonPath = args.value();
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: vptq-runtime-check --bundle DIR [--device "
                   "cuda|cpu] [--batches 1,16,256] [--reps N] [--json FILE]\n";
      return 0;
    } else
      args.unknown();
  }
  if (bundle.empty())
    die("--bundle DIR is required");
  RuntimeOptions options;
  if (!parseDeviceKind(device, options.device))
    die("--device must be cpu, cuda or hip");
  options.bundles = {bundle};
  options.diskCache = false;
  std::shared_ptr<Runtime> rt = orDie(Runtime::create(options));
  uint64_t seed = uint64_t(Clock::now().time_since_epoch().count()) ^
                  std::random_device{}();
  std::cout << "device " << rt->device().describe() << ", runtime "
            << Runtime::version() << ", seed " << seed << "\n";

  BundleManifest manifest;
  if (std::string err = readManifest(bundle, manifest); !err.empty())
    die(err);
  std::set<std::string> keys;
  json results = json::array();
  int failures = 0, runs = 0;
  for (const BundleKernel &k : manifest.kernels) {
    // Kernels with a batch hint are a layer's kernels for batches of several
    // rows, which its forward calls fetch from the bundle themselves.
    if (k.spec.batchHint > 0 || !keys.insert(k.spec.key()).second)
      continue;
    const LinearSpec &spec = k.spec;
    const ref::LayerConfig &c = spec.config;
    DType act = spec.activation;
    // A fresh random layer of the spec, and the runtime layer over it.
    ref::QuantizedLinear layer;
    std::vector<float> dense, denseBias;
    std::function<Status(const Tensor &, const Tensor &)> forward;
    std::optional<QuantLinear> quant;
    std::optional<Linear> linear;
    auto start = Clock::now();
    if (spec.dense) {
      dense = ref::randomFloats(c.inFeatures * c.outFeatures, seed++, -1, 1,
                                spec.model);
      if (c.bias)
        denseBias = ref::randomFloats(c.outFeatures, seed++, -1, 1, spec.model);
      ref::HostTensor w =
          ref::encodeFloats(dense, {c.outFeatures, c.inFeatures}, spec.model);
      ref::HostTensor b =
          ref::encodeFloats(denseBias, {c.outFeatures}, spec.model);
      start = Clock::now();
      linear =
          orDie(Linear::create(rt, "dense", w, c.bias ? &b : nullptr, act));
      forward = [&](const Tensor &x, const Tensor &y) {
        return linear->forward(x, y);
      };
    } else {
      layer = ref::makeRandomLayer(c, seed++, spec.model);
      QuantizedLayer loaded;
      loaded.name = k.id;
      loaded.quantization.config = c;
      loaded.tensors = ref::encodeLayer(layer, spec.model);
      loaded.modelType = spec.model;
      start = Clock::now();
      quant = orDie(QuantLinear::create(rt, loaded, act));
      forward = [&](const Tensor &x, const Tensor &y) {
        return quant->forward(x, y);
      };
    }
    double setupMs = msSince(start);
    const Kernel &kernel = spec.dense ? linear->kernel() : quant->kernel();
    if (kernel.origin() != KernelOrigin::Bundle)
      die(k.id + ": kernel did not come from the bundle");

    for (int64_t batch : batches) {
      std::vector<float> x =
          ref::randomFloats(batch * c.inFeatures, seed++, -1, 1, act);
      Tensor input =
          orDie(rt->upload(ref::encodeFloats(x, {batch, c.inFeatures}, act)));
      Tensor output = orDie(rt->allocate(act, {batch, c.outFeatures}));
      orDie(rt->fill(output, 0xff));
      orDie(forward(input, output));
      ref::HostTensor host = orDie(rt->download(output));
      std::vector<float> y(host.numElements());
      for (size_t i = 0; i < y.size(); ++i)
        y[i] = host.floatAt(int64_t(i));
      ref::CheckResult check =
          spec.dense ? ref::checkDenseOutput(dense, denseBias, c.inFeatures,
                                             c.outFeatures, x, batch, y, act)
                     : ref::checkLinearOutput(layer, x, batch, y, act);
      // Host time per call: reps back-to-back calls, then one wait.
      for (int i = 0; i < 3; ++i)
        orDie(forward(input, output));
      orDie(rt->synchronize());
      auto t0 = Clock::now();
      for (int i = 0; i < reps; ++i)
        orDie(forward(input, output));
      orDie(rt->synchronize());
      double usPerCall = msSince(t0) * 1000.0 / reps;
      // The kernel that ran: the layer's own, or the one it fetched for
      // this batch's hint (runtimeBatchHint).
      const LinearLayer &ran = spec.dense ? static_cast<const LinearLayer &>(
                                                *linear)
                                          : *quant;
      int64_t hint = runtimeBatchHint(batch);
      std::string ranKernel =
          "h" + std::to_string(ran.batchKernel(hint) ? hint : 0);
      ++runs;
      if (!check.ok())
        ++failures;
      char line[400];
      std::snprintf(
          line, sizeof(line),
          "%-4s %-5s %6lld x %-6lld %-22s b=%-4lld %-4s %-9s %9.2f us/call  "
          "load %.2f ms  %s",
          k.id.c_str(), spec.dense ? "dense" : "vq", (long long)c.outFeatures,
          (long long)c.inFeatures,
          spec.dense ? ""
                     : ("v" + std::to_string(c.vectorLen) + " k" +
                        std::to_string(c.numCentroids) + " kr" +
                        std::to_string(c.numResCentroids))
                           .c_str(),
          (long long)batch, ranKernel.c_str(), check.ok() ? "OK" : "MISMATCH",
          usPerCall, setupMs,
          check.summary().c_str());
      std::cout << line << std::endl;
      results.push_back({{"id", k.id},
                         {"spec_key", spec.key()},
                         {"batch", batch},
                         {"kernel", ranKernel},
                         {"correct", check.ok()},
                         {"checked", check.checked},
                         {"summary", check.summary()},
                         {"us_per_call", usPerCall},
                         {"layer_setup_ms", setupMs}});
    }
  }
  KernelStats s = rt->kernelStats();
  std::printf("%d runs, %d mismatches; %d kernels loaded from the bundle in "
              "%.2f ms total (%.2f ms each)\n",
              runs, failures, s.bundleLoads, s.loadSeconds * 1000,
              s.bundleLoads ? s.loadSeconds * 1000 / s.bundleLoads : 0.0);
  if (!jsonPath.empty())
    std::ofstream(jsonPath)
        << json({{"device", rt->device().describe()},
                 {"runtime", Runtime::version()},
                 {"bundle", bundle},
                 {"seed", seed},
                 {"bundle_loads", s.bundleLoads},
                 {"bundle_load_ms_total", s.loadSeconds * 1000},
                 {"results", results}})
               .dump(2)
        << "\n";
  if (runs == 0)
    die("no layer of the bundle ran");
  return failures ? 1 : 0;
}
