//===- Quantizer.cpp - The VPTQ quantization algorithm --------------------===//

#include "vptq/Quantizer/Quantizer.h"
#include "vptq/Reference/Float16.h"
#include "vptq/Reference/Packing.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

using namespace vptq;
using namespace vptq::quant;

void vptq::quant::parallelFor(int64_t n, int threads,
                              const std::function<void(int64_t)> &fn) {
  int t = threads > 0 ? threads
                      : int(std::max(1u, std::thread::hardware_concurrency()));
  t = int(std::min<int64_t>(t, n));
  if (t <= 1) {
    for (int64_t i = 0; i < n; ++i)
      fn(i);
    return;
  }
  std::atomic<int64_t> next{0};
  std::vector<std::thread> pool;
  for (int i = 0; i < t; ++i)
    pool.emplace_back([&] {
      for (int64_t j = next++; j < n; j = next++)
        fn(j);
    });
  for (std::thread &th : pool)
    th.join();
}

namespace {

float roundTo(float v, ref::DType d) {
  return d == ref::DType::BF16  ? ref::roundToBf16(v)
         : d == ref::DType::F16 ? ref::roundToHalf(v)
                                : v;
}

double squaredDistance(const float *a, const float *b, int64_t dim) {
  double d = 0;
  for (int64_t i = 0; i < dim; ++i) {
    double e = double(a[i]) - b[i];
    d += e * e;
  }
  return d;
}

/// Assigns each of `n` points its nearest centroid, on `math` or on CPU
/// threads.
void assignNearest(const float *points, int64_t n, int64_t dim,
                   const std::vector<float> &centroids, int64_t k,
                   uint32_t *indices, MathBackend *math, int threads) {
  if (math)
    return math->nearest(points, n, dim, centroids.data(), k, indices);
  parallelFor(n, threads, [&](int64_t p) {
    indices[p] = nearestCentroid(points + p * dim, centroids.data(), k, dim);
  });
}

} // namespace

MathBackend::~MathBackend() = default;

uint32_t vptq::quant::nearestCentroid(const float *point,
                                      const float *centroids, int64_t k,
                                      int64_t dim, double *distance) {
  double best = std::numeric_limits<double>::infinity();
  uint32_t bestIndex = 0;
  for (int64_t c = 0; c < k; ++c) {
    double d = squaredDistance(point, centroids + c * dim, dim);
    if (d < best) {
      best = d;
      bestIndex = uint32_t(c);
    }
  }
  if (distance)
    *distance = best;
  return bestIndex;
}

void vptq::quant::accumulateGram(const float *x, int64_t tokens, int64_t n,
                                 std::vector<double> &h, int threads) {
  if (int64_t(h.size()) != n * n)
    h.assign(n * n, 0.0);
  parallelFor(n, threads, [&](int64_t i) {
    double *hi = h.data() + i * n;
    for (int64_t t = 0; t < tokens; ++t) {
      double xi = x[t * n + i];
      if (xi == 0)
        continue;
      const float *row = x + t * n;
      for (int64_t k = 0; k < n; ++k)
        hi[k] += xi * row[k];
    }
  });
}

std::vector<float> vptq::quant::kmeans(const std::vector<float> &points,
                                       int64_t n, int64_t dim,
                                       const std::vector<float> &weights,
                                       int64_t k, int iterations,
                                       double tolerance, uint64_t seed,
                                       int threads,
                                       std::vector<uint32_t> &assignment,
                                       int *iterationsRun, MathBackend *math,
                                       const std::function<void(const char *, int64_t, int64_t)>
                                           &progress) {
  std::mt19937_64 rng(seed);
  std::vector<float> centroids(k * dim, 0.0f);
  assignment.assign(n, 0);
  if (n == 0)
    return centroids;
  auto weightOf = [&](int64_t i) {
    return weights.empty() ? 1.0 : std::max(double(weights[i]), 1e-12);
  };
  // k-means++: each next centre with probability proportional to weight x
  // squared distance to the nearest chosen one. With at least as many
  // centres as points, every point is a centre.
  std::vector<double> dist(n, std::numeric_limits<double>::infinity());
  int64_t chosen = 0;
  auto choose = [&](int64_t i) {
    std::copy_n(points.data() + i * dim, dim, centroids.data() + chosen * dim);
    const float *c = centroids.data() + chosen * dim;
    parallelFor(n, threads, [&](int64_t p) {
      dist[p] = std::min(dist[p], squaredDistance(points.data() + p * dim, c, dim));
    });
    ++chosen;
  };
  {
    std::vector<double> cumulative(n);
    double total = 0;
    for (int64_t i = 0; i < n; ++i)
      cumulative[i] = total += weightOf(i);
    std::uniform_real_distribution<double> u(0.0, total);
    choose(std::lower_bound(cumulative.begin(), cumulative.end(), u(rng)) -
           cumulative.begin());
  }
  while (chosen < k) {
    double total = 0;
    std::vector<double> cumulative(n);
    for (int64_t i = 0; i < n; ++i)
      cumulative[i] = total += weightOf(i) * dist[i];
    int64_t pick;
    if (total <= 0) {
      pick = int64_t(rng() % uint64_t(n)); // All points covered: repeat one.
    } else {
      std::uniform_real_distribution<double> u(0.0, total);
      pick = std::lower_bound(cumulative.begin(), cumulative.end(), u(rng)) -
             cumulative.begin();
      pick = std::min(pick, n - 1);
    }
    choose(pick);
  }
  // Lloyd iterations on the weighted squared error.
  double previous = std::numeric_limits<double>::infinity();
  int it = 0;
  std::vector<double> pointError(n);
  for (; it < iterations; ++it) {
    if (progress)
      progress("k-means", it, iterations);
    assignNearest(points.data(), n, dim, centroids, k, assignment.data(), math,
                  threads);
    parallelFor(n, threads, [&](int64_t p) {
      const float *x = points.data() + p * dim;
      pointError[p] =
          weightOf(p) * squaredDistance(x, centroids.data() + assignment[p] * dim, dim);
    });
    double error = std::accumulate(pointError.begin(), pointError.end(), 0.0);
    std::vector<double> sums(k * dim, 0.0), mass(k, 0.0);
    for (int64_t p = 0; p < n; ++p) {
      double w = weightOf(p);
      uint32_t a = assignment[p];
      mass[a] += w;
      for (int64_t d = 0; d < dim; ++d)
        sums[a * dim + d] += w * points[p * dim + d];
    }
    for (int64_t c = 0; c < k; ++c) {
      if (mass[c] > 0) {
        for (int64_t d = 0; d < dim; ++d)
          centroids[c * dim + d] = float(sums[c * dim + d] / mass[c]);
      } else {
        // An empty cluster takes the point with the largest error.
        int64_t worst = std::max_element(pointError.begin(), pointError.end()) -
                        pointError.begin();
        std::copy_n(points.data() + worst * dim, dim, centroids.data() + c * dim);
        pointError[worst] = 0;
      }
    }
    if (previous - error <= tolerance * previous || error == 0)
      break;
    previous = error;
  }
  if (iterationsRun)
    *iterationsRun = it + 1;
  assignNearest(points.data(), n, dim, centroids, k, assignment.data(), math,
                threads);
  return centroids;
}

bool vptq::quant::inverseHessianFactor(std::vector<double> &h, int64_t n,
                                       double damping) {
  double meanDiag = 0;
  for (int64_t i = 0; i < n; ++i)
    meanDiag += h[i * n + i];
  meanDiag /= double(n);
  if (meanDiag <= 0)
    meanDiag = 1;
  for (int64_t i = 0; i < n; ++i) {
    if (h[i * n + i] <= 0) // Dead input: never active on the calibration set.
      h[i * n + i] = 1;
    h[i * n + i] += damping * meanDiag;
  }
  // H = L L^T.
  std::vector<double> l(n * n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    double d = h[j * n + j];
    for (int64_t k = 0; k < j; ++k)
      d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0))
      return false;
    l[j * n + j] = std::sqrt(d);
    for (int64_t i = j + 1; i < n; ++i) {
      double s = h[i * n + j];
      for (int64_t k = 0; k < j; ++k)
        s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / l[j * n + j];
    }
  }
  // L^-1 (lower), then H^-1 = L^-T L^-1.
  std::vector<double> li(n * n, 0.0);
  for (int64_t j = 0; j < n; ++j) {
    li[j * n + j] = 1.0 / l[j * n + j];
    for (int64_t i = j + 1; i < n; ++i) {
      double s = 0;
      for (int64_t k = j; k < i; ++k)
        s -= l[i * n + k] * li[k * n + j];
      li[i * n + j] = s / l[i * n + i];
    }
  }
  std::vector<double> inv(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j <= i; ++j) {
      double s = 0;
      for (int64_t k = i; k < n; ++k)
        s += li[k * n + i] * li[k * n + j];
      inv[i * n + j] = inv[j * n + i] = s;
    }
  // H^-1 = U^T U with U upper: U^T is the Cholesky factor of H^-1.
  std::fill(h.begin(), h.end(), 0.0);
  for (int64_t j = 0; j < n; ++j) {
    double d = inv[j * n + j];
    for (int64_t k = 0; k < j; ++k)
      d -= h[k * n + j] * h[k * n + j];
    if (!(d > 0))
      return false;
    h[j * n + j] = std::sqrt(d);
    for (int64_t i = j + 1; i < n; ++i) {
      double s = inv[i * n + j];
      for (int64_t k = 0; k < j; ++k)
        s -= h[k * n + i] * h[k * n + j];
      h[j * n + i] = s / h[j * n + j];
    }
  }
  return true;
}

std::string vptq::quant::makeLayerConfig(const VPTQOptions &o, int64_t in,
                                         int64_t out, bool bias,
                                         ref::LayerConfig &c) {
  c = ref::LayerConfig();
  c.inFeatures = in;
  c.outFeatures = out;
  c.vectorLen = o.vectorLen;
  c.numCentroids = o.numCentroids;
  c.numResCentroids = o.numResCentroids;
  c.numCodebooks = o.numCodebooks;
  c.outlierSize = o.outlierSize;
  if (o.outlierSize > 0) {
    if (!o.enablePerm)
      return "outlier columns need the column permutation (enable_perm)";
    c.outlierVectorLen = o.outlierVectorLen;
    c.numOutlierCentroids = o.numOutlierCentroids;
  }
  if ((in - o.outlierSize) % o.numCodebooks != 0)
    return "in_features - outlier_size = " + std::to_string(in - o.outlierSize) +
           " is not divisible by " + std::to_string(o.numCodebooks) +
           " codebooks";
  c.groupSize = (in - o.outlierSize) / o.numCodebooks;
  c.packed = o.packed;
  c.enablePerm = o.enablePerm;
  c.enableNorm = o.enableNorm;
  c.bias = bias;
  c.fillDerivedDefaults();
  return c.verify();
}

LayerResult vptq::quant::quantizeLayer(const std::vector<float> &weight,
                                       int64_t out, int64_t in,
                                       const std::vector<double> &hessian,
                                       const std::vector<float> &bias,
                                       const VPTQOptions &o,
                                       ref::DType modelType) {
  LayerResult result;
  ref::QuantizedLinear &q = result.layer;
  std::string err = makeLayerConfig(o, in, out, !bias.empty(), q.config);
  if (!err.empty())
    throw std::invalid_argument(err);
  const ref::LayerConfig &c = q.config;
  const int64_t V = c.vectorLen, NI = c.numIndexRows(), OS = c.outlierSize;
  const int64_t Vo = std::max<int64_t>(c.outlierVectorLen, 1);
  const int64_t NIo = OS ? c.numOutlierIndexRows() : 0;
  const int threads = o.threads;

  std::vector<double> h = hessian;
  if (h.empty()) {
    h.assign(in * in, 0.0);
    for (int64_t i = 0; i < in; ++i)
      h[i * in + i] = 1.0;
  }
  // Column order: the most important inputs first (act order); outlier
  // columns are the first OS of that order.
  std::vector<int64_t> perm(in);
  std::iota(perm.begin(), perm.end(), 0);
  if (c.enablePerm)
    std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
      double da = h[a * in + a], db = h[b * in + b];
      return da != db ? da > db : a < b;
    });
  // Permuted weight (column j = original column perm[j]) and Hessian.
  std::vector<double> w(out * in), hp(in * in);
  for (int64_t r = 0; r < out; ++r)
    for (int64_t j = 0; j < in; ++j)
      w[r * in + j] = weight[r * in + perm[j]];
  for (int64_t i = 0; i < in; ++i)
    for (int64_t j = 0; j < in; ++j)
      hp[i * in + j] = h[perm[i] * in + perm[j]];
  // Per-column normalization: w = (w - mean) / std, stored as the model
  // type rounds it; the Hessian follows into the normalized domain.
  std::vector<double> colScale(in, 1.0), colBias(in, 0.0);
  if (c.enableNorm) {
    for (int64_t j = 0; j < in; ++j) {
      double mean = 0, var = 0;
      for (int64_t r = 0; r < out; ++r)
        mean += w[r * in + j];
      mean /= double(out);
      for (int64_t r = 0; r < out; ++r)
        var += (w[r * in + j] - mean) * (w[r * in + j] - mean);
      double sd = std::sqrt(var / double(out));
      colScale[j] = roundTo(float(sd > 1e-8 ? sd : 1.0), modelType);
      colBias[j] = roundTo(float(mean), modelType);
      for (int64_t r = 0; r < out; ++r)
        w[r * in + j] = (w[r * in + j] - colBias[j]) / colScale[j];
    }
    for (int64_t i = 0; i < in; ++i)
      for (int64_t j = 0; j < in; ++j)
        hp[i * in + j] *= colScale[i] * colScale[j];
  }
  std::vector<double> diag(in);
  for (int64_t j = 0; j < in; ++j)
    diag[j] = std::max(hp[j * in + j], 0.0);

  // Vectors of column j: V consecutive rows (zero padding past `out`).
  auto columnVectors = [&](const std::vector<double> &m, int64_t j,
                           int64_t vlen, int64_t rows, float *dst) {
    for (int64_t n = 0; n < rows; ++n)
      for (int64_t l = 0; l < vlen; ++l) {
        int64_t r = n * vlen + l;
        dst[n * vlen + l] = r < out ? float(m[r * in + j]) : 0.0f;
      }
  };
  // Codebooks from the (normalized, permuted) weights, weighted by the
  // Hessian diagonal of each vector's column.
  auto train = [&](int64_t firstCol, int64_t cols, int64_t vlen, int64_t rows,
                   int64_t k, uint64_t seed, const std::vector<float> *subtract,
                   std::vector<float> &points, std::vector<float> &weights,
                   int *iterationsRun) {
    points.assign(cols * rows * vlen, 0.0f);
    weights.assign(cols * rows, 0.0f);
    for (int64_t g = 0; g < cols; ++g) {
      columnVectors(w, firstCol + g, vlen, rows, points.data() + g * rows * vlen);
      for (int64_t n = 0; n < rows; ++n)
        weights[g * rows + n] = float(diag[firstCol + g] + 1e-12);
    }
    if (subtract)
      for (size_t i = 0; i < points.size(); ++i)
        points[i] -= (*subtract)[i];
    std::vector<uint32_t> assignment;
    std::vector<float> centroids =
        kmeans(points, cols * rows, vlen, weights, k, o.kmeansIterations,
               o.kmeansTolerance, seed, threads, assignment, iterationsRun,
               o.math, o.progress);
    for (float &v : centroids)
      v = roundTo(v, modelType);
    return centroids;
  };

  const int64_t NC = c.numCodebooks, GS = c.groupSize, K = c.numCentroids,
                KR = c.numResCentroids;
  std::vector<std::vector<float>> books(NC), resBooks(NC);
  for (int64_t cb = 0; cb < NC; ++cb) {
    std::vector<float> points, weights;
    books[cb] = train(OS + cb * GS, GS, V, NI, K, o.seed + 2 * cb, nullptr,
                      points, weights,
                      cb == 0 ? &result.kmeansIterations : nullptr);
    if (KR > 0) {
      // The residual of the main codebook's nearest centroids.
      int64_t count = int64_t(points.size()) / V;
      std::vector<uint32_t> nearestMain(count);
      assignNearest(points.data(), count, V, books[cb], K, nearestMain.data(),
                    o.math, threads);
      std::vector<float> mainPart(points.size());
      for (int64_t p = 0; p < count; ++p)
        std::copy_n(books[cb].data() + nearestMain[p] * V, V,
                    mainPart.data() + p * V);
      std::vector<float> unusedPoints, unusedWeights;
      resBooks[cb] = train(OS + cb * GS, GS, V, NI, KR, o.seed + 2 * cb + 1,
                           &mainPart, unusedPoints, unusedWeights, nullptr);
    }
  }
  std::vector<float> outlierBook;
  if (OS > 0) {
    std::vector<float> points, weights;
    outlierBook = train(0, OS, Vo, NIo, c.numOutlierCentroids, o.seed + 1000,
                        nullptr, points, weights, nullptr);
  }

  // Second-order optimization: quantize columns in order; push each
  // column's error onto the later ones through U, the upper Cholesky factor
  // of the damped inverse Hessian.
  std::vector<double> u = hp;
  if (!inverseHessianFactor(u, in, o.damping))
    throw std::runtime_error("the Hessian is not positive definite even with "
                             "damping " + std::to_string(o.damping) +
                             "; raise --damping");
  std::vector<uint32_t> idx(NC * NI * GS, 0), res(KR > 0 ? NC * NI * GS : 0, 0),
      outIdx(NIo * OS, 0);
  // A vector's rows are only ever updated by errors of the same rows, so
  // each group of rows runs through all columns independently (outlier
  // columns, which come first, group rows by Vo; the others by V). With a
  // MathBackend the columns run in order instead, each column's vectors
  // searched in one batch.
  struct Codebook {
    const std::vector<float> *book;
    int64_t k;
  };
  auto codebooksOf = [&](int64_t j) -> std::pair<Codebook, Codebook> {
    if (j < OS)
      return {{&outlierBook, c.numOutlierCentroids}, {nullptr, 0}};
    int64_t cb = (j - OS) / GS;
    return {{&books[cb], K}, {KR > 0 ? &resBooks[cb] : nullptr, KR}};
  };
  // Vector n of column j (rows n * vlen ...) as it stands now.
  auto loadVector = [&](int64_t n, int64_t j, int64_t vlen, float *x) {
    for (int64_t l = 0; l < vlen; ++l) {
      int64_t r = n * vlen + l;
      x[l] = r < out ? float(w[r * in + j]) : 0.0f;
    }
  };
  // Records vector (n, j)'s codes a (and b) and pushes its error onto the
  // later columns of its rows.
  auto commitVector = [&](int64_t n, int64_t j, int64_t vlen, uint32_t a,
                          uint32_t b) {
    auto [main, residual] = codebooksOf(j);
    float qv[64];
    std::copy_n(main.book->data() + a * vlen, vlen, qv);
    if (j < OS) {
      outIdx[n * OS + j] = a;
    } else {
      int64_t cb = (j - OS) / GS, g = (j - OS) % GS;
      idx[(cb * NI + n) * GS + g] = a;
      if (residual.book) {
        res[(cb * NI + n) * GS + g] = b;
        for (int64_t l = 0; l < vlen; ++l)
          qv[l] = roundTo(qv[l] + (*residual.book)[b * vlen + l], modelType);
      }
    }
    const double *uj = u.data() + j * in;
    for (int64_t l = 0; l < vlen; ++l) {
      int64_t r = n * vlen + l;
      if (r >= out)
        break;
      double *wr = w.data() + r * in;
      double e = (wr[j] - qv[l]) / uj[j];
      for (int64_t k2 = j + 1; k2 < in; ++k2)
        wr[k2] -= e * uj[k2];
    }
  };
  auto quantizeColumns = [&](int64_t firstCol, int64_t endCol, int64_t vlen,
                             int64_t rows) {
    const int64_t columns = in;
    if (!o.math) {
      std::atomic<int64_t> rowsDone{0};
      std::mutex progressLock;
      parallelFor(rows, threads, [&](int64_t n) {
        float x[64], r[64];
        for (int64_t j = firstCol; j < endCol; ++j) {
          auto [main, residual] = codebooksOf(j);
          loadVector(n, j, vlen, x);
          uint32_t a = nearestCentroid(x, main.book->data(), main.k, vlen), b = 0;
          if (residual.book) {
            for (int64_t l = 0; l < vlen; ++l)
              r[l] = x[l] - (*main.book)[a * vlen + l];
            b = nearestCentroid(r, residual.book->data(), residual.k, vlen);
          }
          commitVector(n, j, vlen, a, b);
        }
        int64_t done = ++rowsDone;
        if (o.progress && progressLock.try_lock()) {
          o.progress("columns",
                     firstCol + (endCol - firstCol) * done / rows, columns);
          progressLock.unlock();
        }
      });
      return;
    }
    std::vector<float> x(rows * vlen);
    std::vector<uint32_t> a(rows), b(rows, 0);
    for (int64_t j = firstCol; j < endCol; ++j) {
      auto [main, residual] = codebooksOf(j);
      for (int64_t n = 0; n < rows; ++n)
        loadVector(n, j, vlen, x.data() + n * vlen);
      o.math->nearest(x.data(), rows, vlen, main.book->data(), main.k, a.data());
      if (residual.book) {
        for (int64_t n = 0; n < rows; ++n)
          for (int64_t l = 0; l < vlen; ++l)
            x[n * vlen + l] -= (*main.book)[a[n] * vlen + l];
        o.math->nearest(x.data(), rows, vlen, residual.book->data(),
                        residual.k, b.data());
      }
      parallelFor(rows, threads,
                  [&](int64_t n) { commitVector(n, j, vlen, a[n], b[n]); });
      if (o.progress)
        o.progress("columns", j + 1, columns);
    }
  };
  if (std::max(V, Vo) > 64)
    throw std::invalid_argument("vector lengths above 64 are not supported");
  quantizeColumns(0, OS, Vo, NIo);
  quantizeColumns(OS, in, V, NI);

  // The layer in checkpoint form.
  q.centroids.clear();
  for (int64_t cb = 0; cb < NC; ++cb)
    q.centroids.insert(q.centroids.end(), books[cb].begin(), books[cb].end());
  for (int64_t cb = 0; cb < NC && KR > 0; ++cb)
    q.resCentroids.insert(q.resCentroids.end(), resBooks[cb].begin(),
                          resBooks[cb].end());
  if (c.packed) {
    int64_t words = c.packedWordsPerRow();
    q.indices.assign(NC * NI * words, 0);
    for (int64_t row = 0; row < NC * NI; ++row)
      ref::packIndexRow(idx.data() + row * GS, KR > 0 ? res.data() + row * GS : nullptr,
                        GS, c.indexBits, c.resIndexBits,
                        q.indices.data() + row * words);
  } else {
    q.indices = idx;
    q.resIndices = res;
  }
  if (OS > 0) {
    q.outlierIndices = outIdx;
    q.outlierCentroids = outlierBook;
  }
  if (c.enablePerm)
    q.perm = perm;
  if (c.enableNorm) {
    q.weightScale.assign(in, 1.0f);
    q.weightBias.assign(in, 0.0f);
    for (int64_t j = 0; j < in; ++j) {
      q.weightScale[perm[j]] = float(colScale[j]);
      q.weightBias[perm[j]] = float(colBias[j]);
    }
  }
  q.bias = bias;

  // Relative output error on the calibration inputs: tr(E H E^T) /
  // tr(W H W^T) with the exact dequantization of what was written.
  std::vector<float> deq = ref::dequantize(q, ref::Rounding::None);
  double num = 0, den = 0;
  std::vector<double> e(in), x(in);
  for (int64_t r = 0; r < out; ++r) {
    for (int64_t i = 0; i < in; ++i) {
      x[i] = weight[r * in + i];
      e[i] = x[i] - deq[r * in + i];
    }
    for (int64_t i = 0; i < in; ++i) {
      double he = 0, hx = 0;
      const double *hi = h.data() + i * in;
      for (int64_t k2 = 0; k2 < in; ++k2) {
        he += hi[k2] * e[k2];
        hx += hi[k2] * x[k2];
      }
      num += e[i] * he;
      den += x[i] * hx;
    }
  }
  result.relativeError = den > 0 ? num / den : 0;
  return result;
}

std::vector<float> vptq::quant::roundToNearest(const std::vector<float> &w,
                                               int64_t out, int64_t in,
                                               int bits, ref::DType modelType) {
  std::vector<float> deq(w.size());
  const double levels = double((1 << bits) - 1);
  for (int64_t r = 0; r < out; ++r) {
    const float *row = w.data() + r * in;
    float lo = *std::min_element(row, row + in), hi = *std::max_element(row, row + in);
    float scale = roundTo(float((hi - lo) / levels), modelType);
    if (scale <= 0)
      scale = 1;
    float zero = roundTo(float(std::round(-lo / scale)), modelType);
    for (int64_t i = 0; i < in; ++i) {
      double qv = std::clamp(double(std::round(row[i] / scale)) + zero, 0.0, levels);
      deq[r * in + i] = float((qv - zero) * scale);
    }
  }
  return deq;
}
