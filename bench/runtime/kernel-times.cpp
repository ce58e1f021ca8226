//===- kernel-times.cpp - How long the runtime takes to get a kernel ------===//
//
// For each layer of a matrix file (one vptq-compile --layer per line):
//  - CPU: JIT compile through a runtime with an empty cache, then the load
//    of the cached kernel through a fresh runtime on the same cache;
//  - GPU archs (no GPU needed): the in-process compile time per kernel.
// Goals (issue 4): cached load <= 10 ms, JIT <= 1 s per kernel.
//
//===----------------------------------------------------------------------===//

#include "../BenchUtil.h"
#include "vptq/runtime/VPTQ.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
using bench::Clock;
using bench::die;
using bench::msSince;
using nlohmann::json;

namespace {

struct Stats {
  double median = 0, max = 0;
};
Stats stats(std::vector<double> v) {
  if (v.empty())
    return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.back()};
}

} // namespace

int main(int argc, char **argv) {
  std::string layersFile = "bench/gpu/matrix-f16.txt", jsonPath;
  std::vector<std::string> gpuArchs = {"sm_90a"};
  bench::ArgReader args(argc, argv, "vptq-bench-kernels");
  while (args.next()) {
    const std::string &a = args.flag();
    if (a == "--layers")
      layersFile = args.value();
    else if (a == "--gpu-archs") {
      gpuArchs.clear();
      std::stringstream list(args.value());
      for (std::string arch; std::getline(list, arch, ',');)
        if (!arch.empty())
          gpuArchs.push_back(arch);
    } else if (a == "--json")
      jsonPath = args.value();
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: vptq-bench-kernels [--layers FILE] [--gpu-archs "
                   "sm_90a,gfx942,...] [--json FILE]\n"
                   "Times JIT compilation and cached loads of the runtime's "
                   "kernels (CPU), and GPU kernel compilation.\n";
      return 0;
    } else
      args.unknown();
  }
  std::ifstream in(layersFile);
  if (!in)
    die("cannot read " + layersFile);
  std::vector<LinearSpec> specs;
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    ref::LayerConfig c;
    if (std::string err = ref::parseLayerAssignments(line, c); !err.empty())
      die(layersFile + ": " + line + ": " + err);
    specs.push_back(makeQuantizedSpec(c, DType::F16, DType::F16));
    texts.push_back(line);
  }

  std::string cache = (std::filesystem::temp_directory_path() /
                       ("vptq-bench-cache-" + std::to_string(getpid())))
                          .string();
  json results = json::array();
  std::vector<double> jit, cached;
  std::map<std::string, std::vector<double>> gpu;
  {
    RuntimeOptions o;
    o.cacheDir = cache;
    auto cold = Runtime::create(o);
    if (!cold)
      die(cold.message());
    std::cout << "device " << (*cold)->device().describe() << "\n"
              << "compiler " << Runtime::version() << "\n\n";
    for (const LinearSpec &spec : specs) {
      auto start = Clock::now();
      auto k = (*cold)->getKernel(spec);
      if (!k)
        die(k.message());
      jit.push_back(msSince(start));
    }
  }
  {
    RuntimeOptions o;
    o.cacheDir = cache;
    o.jit = false;
    auto warm = Runtime::create(o);
    if (!warm)
      die(warm.message());
    for (const LinearSpec &spec : specs) {
      auto start = Clock::now();
      auto k = (*warm)->getKernel(spec);
      if (!k)
        die(k.message());
      if ((*k)->origin() != KernelOrigin::Cache)
        die("kernel did not come from the cache");
      cached.push_back(msSince(start));
    }
  }
  std::filesystem::remove_all(cache);
  auto compiler = createBuiltinCompiler();
  for (const std::string &arch : gpuArchs) {
    DeviceInfo d;
    d.kind = arch.rfind("gfx", 0) == 0 ? DeviceKind::HIP : DeviceKind::CUDA;
    d.arch = arch;
    for (const LinearSpec &spec : specs) {
      auto start = Clock::now();
      auto binary = compiler->compile(spec, d);
      if (!binary)
        die(arch + ": " + binary.message());
      gpu[arch].push_back(msSince(start));
    }
  }

  std::printf("%-4s %-44s %10s %10s", "#", "layer (f16)", "cpu jit",
              "cpu cached");
  for (const std::string &arch : gpuArchs)
    std::printf(" %10s", (arch + " jit").c_str());
  std::printf("\n");
  for (size_t i = 0; i < specs.size(); ++i) {
    const ref::LayerConfig &c = specs[i].config;
    char name[64];
    std::snprintf(name, sizeof(name), "%lldx%lld v%lld k%lld kr%lld",
                  (long long)c.outFeatures, (long long)c.inFeatures,
                  (long long)c.vectorLen, (long long)c.numCentroids,
                  (long long)c.numResCentroids);
    std::printf("%-4zu %-44s %8.1fms %8.2fms", i, name, jit[i], cached[i]);
    json row = {{"layer", texts[i]},
                {"cpu_jit_ms", jit[i]},
                {"cpu_cached_ms", cached[i]}};
    for (const std::string &arch : gpuArchs) {
      std::printf(" %8.1fms", gpu[arch][i]);
      row[arch + "_jit_ms"] = gpu[arch][i];
    }
    std::printf("\n");
    results.push_back(row);
  }
  Stats j = stats(jit), c = stats(cached);
  std::printf("\ncpu jit: median %.1f ms, max %.1f ms (goal <= 1000 ms: %s)\n",
              j.median, j.max, j.max <= 1000 ? "met" : "MISSED");
  std::printf(
      "cpu cached load: median %.2f ms, max %.2f ms (goal <= 10 ms: %s)\n",
      c.median, c.max, c.max <= 10 ? "met" : "MISSED");
  for (const std::string &arch : gpuArchs) {
    Stats g = stats(gpu[arch]);
    std::printf("%s jit: median %.1f ms, max %.1f ms (goal <= 1000 ms: %s)\n",
                arch.c_str(), g.median, g.max,
                g.max <= 1000 ? "met" : "MISSED");
  }
  std::printf("(the first CPU compile includes creating the MLIR context)\n");
  if (!jsonPath.empty())
    std::ofstream(jsonPath)
        << json({{"compiler", Runtime::version()}, {"results", results}})
               .dump(2)
        << "\n";
  return 0;
}
