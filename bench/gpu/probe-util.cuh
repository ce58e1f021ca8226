// probe-util.cuh - What the measurement probes (floor-probe.cu,
// shard-probe.cu; built with nvcc, not product code) share: a CUDA error
// check and a median-of-launches timer.
#ifndef VPTQ_BENCH_GPU_PROBE_UTIL_CUH
#define VPTQ_BENCH_GPU_PROBE_UTIL_CUH

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>

#define CHECK(x)                                                               \
  do {                                                                         \
    cudaError_t e = (x);                                                       \
    if (e != cudaSuccess) {                                                    \
      std::fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e));             \
      std::exit(1);                                                            \
    }                                                                          \
  } while (0)

// The median over 15 samples, after 3 warm-up launches, of the time per
// launch of `group` back-to-back launches between two CUDA events (group >
// 1 keeps the launch gap out, as the harness times kernels). launch(i) gets
// a running launch number, for rotating buffers.
template <typename F> float medianMs(F launch, int group = 1) {
  cudaEvent_t a, b;
  CHECK(cudaEventCreate(&a));
  CHECK(cudaEventCreate(&b));
  int next = 0;
  for (; next < 3; ++next)
    launch(next);
  std::vector<float> t;
  for (int s = 0; s < 15; ++s) {
    CHECK(cudaEventRecord(a));
    for (int r = 0; r < group; ++r)
      launch(next++);
    CHECK(cudaEventRecord(b));
    CHECK(cudaEventSynchronize(b));
    float ms;
    CHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms / group);
  }
  CHECK(cudaGetLastError());
  CHECK(cudaEventDestroy(a));
  CHECK(cudaEventDestroy(b));
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

#endif // VPTQ_BENCH_GPU_PROBE_UTIL_CUH
