//===- quantizer-check.cpp - The quantizer's kernels on a GPU -------------===//
//
// vptq.nearest and vptq.gram from a vptq-compile bundle (--quantizer),
// through VPTQ::runtime_aot and DeviceMath on a CUDA device, on fresh random
// inputs: every output checked against the quantizer's CPU math
// (nearestCentroid, accumulateGram), then timed against the CPU threads on
// shapes of real layers (one Lloyd iteration of k-means over an
// 11008 x 4096 layer's 5.6 M vectors; the Hessian of 2048 tokens of a
// 4096-wide input).
//
//===----------------------------------------------------------------------===//

#include "../BenchUtil.h"
#include "vptq/Quantizer/DeviceMath.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <thread>

using namespace vptq;
using namespace vptq::quant;
using namespace vptq::runtime;
using bench::Clock;
using bench::die;
using bench::msSince;
using nlohmann::json;

namespace {

std::vector<float> gaussian(int64_t n, std::mt19937_64 &rng) {
  std::normal_distribution<float> g(0, 1);
  std::vector<float> v(n);
  for (float &x : v)
    x = g(rng);
  return v;
}

/// Checks `got` against the CPU search for every point; returns failures.
int64_t checkNearest(const std::vector<float> &points,
                     const std::vector<float> &centroids, int64_t n,
                     int64_t dim, int64_t k, const std::vector<uint32_t> &got,
                     int64_t &exact, double &cpuMs) {
  std::vector<uint32_t> want(n);
  std::vector<double> best(n);
  auto start = Clock::now();
  parallelFor(n, 0, [&](int64_t p) {
    want[p] = nearestCentroid(points.data() + p * dim, centroids.data(), k,
                              dim, &best[p]);
  });
  cpuMs = msSince(start);
  int64_t failures = 0;
  exact = 0;
  for (int64_t p = 0; p < n; ++p) {
    exact += got[p] == want[p];
    if (got[p] >= uint32_t(k)) {
      ++failures;
      continue;
    }
    double d = 0;
    for (int64_t l = 0; l < dim; ++l) {
      double e = double(points[p * dim + l]) - centroids[got[p] * dim + l];
      d += e * e;
    }
    bool onCentroid = p % 7 == 0;
    if (!(d <= best[p] + 1e-5 * (best[p] + 1.0)) ||
        (onCentroid && got[p] != want[p])) {
      if (failures < 5)
        std::fprintf(stderr, "  point %lld: got %u at %.9g, nearest %u at %.9g\n",
                     (long long)p, got[p], d, want[p], best[p]);
      ++failures;
    }
  }
  return failures;
}

} // namespace

int main(int argc, char **argv) {
  std::string bundle, jsonPath, device = "cuda";
  bench::ArgReader args(argc, argv, "vptq-quantizer-check");
  while (args.next()) {
    const std::string &a = args.flag();
    if (a == "--bundle")
      bundle = args.value();
    else if (a == "--json")
      jsonPath = args.value();
    else if (a == "--device")
      device = args.value();
    else if (a == "--help") {
      std::printf("usage: vptq-quantizer-check --bundle DIR [--device cuda] "
                  "[--json FILE]\n");
      return 0;
    } else
      args.unknown();
  }
  RuntimeOptions o;
  if (!parseDeviceKind(device, o.device))
    die("unknown device '" + device + "'");
  if (!bundle.empty())
    o.bundles.push_back(bundle);
  auto rt = Runtime::create(o);
  if (!rt)
    die(rt.message());
  std::printf("device: %s; CPU: %u threads\n", (*rt)->device().name.c_str(),
              std::thread::hardware_concurrency());
  DeviceMath math(*rt);
  json report;
  report["device"] = (*rt)->device().name;
  report["cpu_threads"] = std::thread::hardware_concurrency();
  std::mt19937_64 rng(uint64_t(Clock::now().time_since_epoch().count()));
  int status = 0;

  // Correctness of vptq.nearest, every point checked.
  struct NearestCase {
    int64_t dim, k, n;
  };
  for (NearestCase c : {NearestCase{8, 256, 200000}, {8, 4096, 50000},
                        {8, 65536, 4000}, {4, 256, 200000}, {2, 16, 100000},
                        {6, 1024, 50000}, {16, 65536, 2000}}) {
    std::vector<float> centroids = gaussian(c.k * c.dim, rng);
    std::vector<float> points = gaussian(c.n * c.dim, rng);
    for (int64_t p = 0; p < c.n; p += 7)
      std::copy_n(centroids.data() + (p % c.k) * c.dim, c.dim,
                  points.data() + p * c.dim);
    std::vector<uint32_t> got(c.n);
    try {
      math.nearest(points.data(), c.n, c.dim, centroids.data(), c.k,
                   got.data());
    } catch (const std::exception &e) {
      die(e.what());
    }
    int64_t exact = 0;
    double cpuMs = 0;
    int64_t failures =
        checkNearest(points, centroids, c.n, c.dim, c.k, got, exact, cpuMs);
    std::printf("nearest v%lld k%lld: %lld points, %lld failures, %lld "
                "identical to the CPU's choice\n",
                (long long)c.dim, (long long)c.k, (long long)c.n,
                (long long)failures, (long long)exact);
    report["nearest_checks"].push_back({{"dim", c.dim},
                                        {"k", c.k},
                                        {"points", c.n},
                                        {"failures", failures},
                                        {"identical", exact}});
    if (failures)
      status = 1;
  }

  // Correctness of vptq.gram, every element checked.
  for (auto [n, tokens] : {std::pair<int64_t, int64_t>{64, 300}, {172, 513},
                          {4096, 256}}) {
    std::vector<float> x = gaussian(tokens * n, rng);
    std::vector<double> want;
    accumulateGram(x.data(), tokens, n, want, 0);
    std::string name = "gram" + std::to_string(n);
    ref::HostTensor host(DType::F32, {tokens, n});
    std::memcpy(host.data.data(), x.data(), x.size() * 4);
    auto t = (*rt)->upload(host);
    if (!t)
      die(t.message());
    if (Status s = math.accumulate(name, *t); !s)
      die(s.message());
    auto got = math.hessian(name);
    if (!got)
      die(got.message());
    int64_t failures = 0;
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      double err = std::fabs((*got)[i] - want[i]);
      double tol = 1e-5 * (double(tokens) + std::fabs(want[i]));
      worst = std::max(worst, err / tol);
      failures += !(err <= tol);
    }
    std::printf("gram n%lld over %lld tokens: %lld of %lld elements off "
                "(worst %.3f of tolerance)\n",
                (long long)n, (long long)tokens, (long long)failures,
                (long long)want.size(), worst);
    report["gram_checks"].push_back({{"n", n},
                                     {"tokens", tokens},
                                     {"failures", failures},
                                     {"worst_fraction_of_tolerance", worst}});
    if (failures)
      status = 1;
  }

  // Timing on real layer shapes: one Lloyd assignment of an 11008 x 4096
  // layer at v8 (5.6 M vectors) against K centroids; the CPU's time
  // from a slice (every point costs the same).
  for (int64_t k : {4096, 65536}) {
    const int64_t dim = 8, n = 11008LL * 4096 / dim, slice = 20000;
    std::vector<float> centroids = gaussian(k * dim, rng);
    std::vector<float> points = gaussian(n * dim, rng);
    std::vector<uint32_t> got(n);
    math.nearest(points.data(), 4096, dim, centroids.data(), k, got.data());
    auto start = Clock::now();
    math.nearest(points.data(), n, dim, centroids.data(), k, got.data());
    double gpuMs = msSince(start);
    int64_t exact = 0;
    double cpuSliceMs = 0;
    std::vector<float> head(points.begin(), points.begin() + slice * dim);
    int64_t failures = checkNearest(head, centroids, slice, dim, k, got, exact,
                                    cpuSliceMs);
    double cpuMs = cpuSliceMs * double(n) / double(slice);
    std::printf("one k-means assignment, 11008 x 4096 at v8 (%lld vectors), "
                "k%lld: device %.1f ms (with transfers), CPU %u threads %.0f "
                "ms (from %lld vectors): %.0fx; first %lld checked: %lld "
                "failures\n",
                (long long)n, (long long)k, gpuMs,
                std::thread::hardware_concurrency(), cpuMs, (long long)slice,
                cpuMs / gpuMs, (long long)slice, (long long)failures);
    report["nearest_times"].push_back({{"k", k},
                                       {"points", n},
                                       {"device_ms", gpuMs},
                                       {"cpu_ms_extrapolated", cpuMs},
                                       {"failures_in_checked_slice", failures}});
    if (failures)
      status = 1;
  }
  {
    const int64_t n = 4096, tokens = 2048;
    std::vector<float> x = gaussian(tokens * n, rng);
    ref::HostTensor host(DType::F32, {tokens, n});
    std::memcpy(host.data.data(), x.data(), x.size() * 4);
    auto t = (*rt)->upload(host);
    if (!t)
      die(t.message());
    if (Status s = math.accumulate("timing", *t); !s) // Warm-up.
      die(s.message());
    (void)(*rt)->synchronize();
    auto start = Clock::now();
    if (Status s = math.accumulate("timing", *t); !s)
      die(s.message());
    (void)(*rt)->synchronize();
    double gpuMs = msSince(start);
    std::vector<double> h;
    start = Clock::now();
    accumulateGram(x.data(), tokens, n, h, 0);
    double cpuMs = msSince(start);
    std::printf("Hessian of %lld tokens x %lld inputs: device %.1f ms, CPU "
                "%.0f ms: %.0fx\n",
                (long long)tokens, (long long)n, gpuMs, cpuMs, cpuMs / gpuMs);
    report["gram_time"] = {{"n", n},
                           {"tokens", tokens},
                           {"device_ms", gpuMs},
                           {"cpu_ms", cpuMs}};
  }
  report["pass"] = status == 0;
  if (!jsonPath.empty())
    std::ofstream(jsonPath) << report.dump(2) << "\n";
  std::printf("%s\n", status == 0 ? "ALL CHECKS PASS" : "CHECKS FAILED");
  return status;
}
