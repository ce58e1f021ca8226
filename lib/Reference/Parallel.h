//===- Parallel.h - Row loops of the reference on host threads --*- C++ -*-===//
//
// Internal to VPTQReference.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_LIB_REFERENCE_PARALLEL_H
#define VPTQ_LIB_REFERENCE_PARALLEL_H

#include <algorithm>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace vptq::ref {

/// Runs fn(begin, end) over contiguous ranges that split [0, rows), one per
/// thread, on up to 16 threads and at most one per `grain` rows. Every row
/// is computed exactly as a single thread would: callers' results do not
/// depend on the thread count.
inline void parallelRowRanges(
    int64_t rows, int64_t grain,
    const std::function<void(int64_t, int64_t)> &fn) {
  int64_t threads = std::clamp<int64_t>(
      int64_t(std::thread::hardware_concurrency()), 1, 16);
  threads = std::min(threads, std::max<int64_t>(rows / grain, 1));
  std::vector<std::thread> pool;
  for (int64_t t = 1; t < threads; ++t)
    pool.emplace_back(fn, t * rows / threads, (t + 1) * rows / threads);
  fn(0, rows / threads);
  for (std::thread &thread : pool)
    thread.join();
}

/// Runs fn(n) for every n in [0, rows) (see parallelRowRanges).
inline void parallelRows(int64_t rows, int64_t grain,
                         const std::function<void(int64_t)> &fn) {
  parallelRowRanges(rows, grain, [&](int64_t begin, int64_t end) {
    for (int64_t n = begin; n < end; ++n)
      fn(n);
  });
}

} // namespace vptq::ref

#endif // VPTQ_LIB_REFERENCE_PARALLEL_H
