//===- runtime-check.cpp - Kernel bundles through the runtime on a GPU ----===//
//
// The path applications take: VPTQ::runtime_aot (no MLIR) on a CUDA device,
// kernels from a vptq-compile bundle, layers as QuantLinear / Linear. For
// every layer of the bundle: a fresh random layer, fresh random activations
// for each batch size, every output element checked against vptq::ref; then
// the host-side time per forward call (launch overhead included), and the
// time the runtime took to load the kernel from the bundle. Model bundles'
// vptq.rotary_attention kernels are checked on random rows and caches
// against vptq::ref and against the bundle's two unfused kernels.
//
//===----------------------------------------------------------------------===//

#include "../BenchUtil.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/Reference/Check.h"
#include "vptq/Reference/Transformer.h"
#include "vptq/runtime/VPTQ.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
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

/// Unit roundoff of a float dtype.
double unitRoundoff(DType d) {
  return d == DType::F32   ? std::ldexp(1.0, -24)
         : d == DType::F16 ? std::ldexp(1.0, -11)
                           : std::ldexp(1.0, -8);
}

/// A bundle's vptq.rotary_attention kernel on fresh random rows, caches and
/// positions (rows attending to each other's appends when there are
/// several): the query and caches it leaves against vptq::ref::rotary, its
/// output against vptq::ref::attention over them, and all of it bit for
/// bit against the bundle's rotary_append and attention kernels. Returns
/// "" or what differed.
std::string checkRotaryAttention(Runtime &rt, const OpSpec &spec,
                                 const std::vector<int32_t> &pos,
                                 int64_t cacheRows, uint64_t &seed) {
  const DType d = spec.dtype, c = spec.paramType;
  const int64_t rows = int64_t(pos.size()), width = spec.width;
  const int64_t kvWidth = spec.numKVHeads * spec.headDim;
  auto random = [&](int64_t n, DType t, float lo = -1, float hi = 1) {
    return ref::randomFloats(n, seed++, lo, hi, t);
  };
  auto upload = [&](const std::vector<float> &v, std::vector<int64_t> shape,
                    DType t) {
    return orDie(rt.upload(ref::encodeFloats(v, std::move(shape), t)));
  };
  auto download = [&](const Tensor &t) {
    ref::HostTensor h = orDie(rt.download(t));
    std::vector<float> v(h.numElements());
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = h.floatAt(int64_t(i));
    return v;
  };
  auto q = random(rows * width, d, -2, 2), k = random(rows * kvWidth, d);
  auto v = random(rows * kvWidth, d);
  auto kc = random(cacheRows * kvWidth, c, -2, 2),
       vc = random(cacheRows * kvWidth, c);
  std::vector<float> inv = ref::ropeInverseFrequencies(spec.headDim, 10000.0);
  ref::HostTensor p(DType::I32, {rows});
  std::memcpy(p.data.data(), pos.data(), pos.size() * 4);
  Tensor tk = upload(k, {rows, kvWidth}, d), tv = upload(v, {rows, kvWidth}, d);
  Tensor tp = orDie(rt.upload(p));
  Tensor tinv = upload(inv, {spec.headDim / 2}, DType::F32);
  auto run = [&](const OpSpec &s, std::vector<const Tensor *> args) {
    std::shared_ptr<Kernel> kernel = orDie(rt.getKernel(s));
    if (kernel->origin() != KernelOrigin::Bundle)
      die(s.key() + ": kernel did not come from the bundle");
    orDie(kernel->run(args));
  };
  // Fused, then the two kernels, each on fresh copies of q and the caches.
  std::vector<std::vector<float>> got[2];
  for (int unfused = 0; unfused < 2; ++unfused) {
    Tensor tq = upload(q, {rows, width}, d);
    Tensor tkc = upload(kc, {cacheRows, kvWidth}, c);
    Tensor tvc = upload(vc, {cacheRows, kvWidth}, c);
    Tensor to = orDie(rt.allocate(d, {rows, width}));
    orDie(rt.fill(to, 0xff));
    if (!unfused) {
      run(spec, {&tq, &tk, &tv, &tp, &tinv, &tkc, &tvc, &to});
    } else {
      OpSpec append = spec, attention = spec;
      append.op = "rotary_append";
      append.scale = 0;
      attention.op = "attention";
      run(append, {&tq, &tk, &tv, &tp, &tinv, &tkc, &tvc});
      run(attention, {&tq, &tkc, &tvc, &tp, &to});
    }
    got[unfused] = {download(tq), download(tkc), download(tvc), download(to)};
  }
  std::vector<float> wantK = kc, wantV = vc;
  ref::appendRotatedRows(k, v, pos, inv, kvWidth, spec.headDim, wantK, wantV);
  const std::vector<float> *fused = got[0].data();
  std::vector<float> wantOut =
      ref::attention(fused[0], fused[1], fused[2], pos, spec.numHeads,
                     spec.numKVHeads, spec.headDim, spec.scale);
  std::string error;
  auto compare = [&](const std::vector<float> &a, const std::vector<float> &b,
                     DType t, double absTol, const char *what) {
    int64_t bad = 0, first = -1;
    for (size_t i = 0; i < a.size(); ++i)
      if (!(std::fabs(double(a[i]) - b[i]) <=
            4 * unitRoundoff(t) * std::fabs(b[i]) + absTol) &&
          bad++ == 0)
        first = int64_t(i);
    if (bad)
      error += std::string(error.empty() ? "" : "; ") + what + ": " +
               std::to_string(bad) + " of " + std::to_string(a.size()) +
               " differ (first " + std::to_string(first) + ": " +
               std::to_string(a[first]) + " vs " + std::to_string(b[first]) +
               ")";
  };
  // Angles up to the cache length lose ~1e-4 in f32 range reduction.
  compare(fused[0], ref::rotary(q, pos, inv, width, spec.headDim), d, 5e-4,
          "query");
  compare(fused[1], wantK, c, 5e-4, "key cache");
  compare(fused[2], wantV, c, 0, "value cache");
  compare(fused[3], wantOut, d, 2e-5, "output");
  const char *names[] = {"query vs unfused", "key cache vs unfused",
                         "value cache vs unfused", "output vs unfused"};
  for (int i = 0; i < 4; ++i)
    compare(fused[i], got[1][i], i == 1 || i == 2 ? c : d, 0, names[i]);
  return error;
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
    // vptq.rotary_attention, which a decode step runs for two kernels: one
    // row (decode), and four attending to each other's appends.
    if (k.op && k.op->op == "rotary_attention") {
      if (!keys.insert(k.op->key()).second)
        continue;
      const int64_t cacheRows = 1100;
      for (const std::vector<int32_t> &pos :
           {std::vector<int32_t>{1037}, std::vector<int32_t>{5, 3, 1099, 0}}) {
        std::string error =
            checkRotaryAttention(*rt, *k.op, pos, cacheRows, seed);
        ++runs;
        failures += !error.empty();
        std::printf("%-4s op    %s rows=%zu %s %s\n", k.id.c_str(),
                    k.op->key().c_str(), pos.size(),
                    error.empty() ? "OK" : "MISMATCH", error.c_str());
        results.push_back({{"id", k.id},
                           {"spec_key", k.op->key()},
                           {"rows", pos.size()},
                           {"correct", error.empty()},
                           {"summary", error}});
      }
      continue;
    }
    if (k.op)
      continue;
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
    // A gated down projection (silu(gate) * up as its input) runs through
    // forwardGated, checked against the layer on the rounded product.
    const bool gated = spec.gatedInput;
    if (gated)
      orDie(quant->enableGatedInput());
    double setupMs = msSince(start);
    const Kernel &kernel = spec.dense ? linear->kernel()
                           : gated    ? *quant->gatedKernel()
                                      : quant->kernel();
    if (kernel.origin() != KernelOrigin::Bundle)
      die(k.id + ": kernel did not come from the bundle");

    for (int64_t batch : batches) {
      std::vector<float> x =
          ref::randomFloats(batch * c.inFeatures, seed++, -1, 1, act);
      Tensor input =
          orDie(rt->upload(ref::encodeFloats(x, {batch, c.inFeatures}, act)));
      if (gated) {
        std::vector<float> g =
            ref::randomFloats(batch * c.inFeatures, seed++, -4, 4, act);
        Tensor gate =
            orDie(rt->upload(ref::encodeFloats(g, {batch, c.inFeatures}, act)));
        ref::HostTensor product =
            ref::encodeFloats(ref::siluMul(g, x), {batch, c.inFeatures}, act);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = product.floatAt(int64_t(i));
        forward = [&, gate](const Tensor &up, const Tensor &y) {
          return quant->forwardGated(gate, up, y);
        };
      }
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
          gated ? "gated"
                : "h" + std::to_string(ran.batchKernel(hint) ? hint : 0);
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
