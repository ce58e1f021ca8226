// shard-probe.cu - Is a codebook sharded by index value across blocks faster
// than gathering it from L2? (Not a product kernel: a measurement probe for
// issue 7's K = 65536 decode target, built with nvcc.)
//
// A batch-1 v8 GEMV y = x W^T with a K-entry f16 codebook of 16-byte rows.
//  - l2: one warp per index row (8 output rows), lanes walk the columns,
//    read the 2-byte index and gather the row from global memory (__ldg):
//    the layout of a VPTQ checkpoint, what our kernels do for K = 65536.
//  - sharded: the codebook is split into S shards of K/S rows (128 KiB for
//    K = 65536, S = 8), each block holds one shard in shared memory and
//    processes only the lookups whose index falls into it. The indices are
//    re-laid out on the host once: per shard and index row, the entries
//    (column | local index << 16) of that row's columns in the shard,
//    sorted by column, padded to 4. Each block writes its shard's partial
//    sums (f32); a second kernel adds the S partials into the output.
// Every output is checked against a CPU reference (double) on random data.
// Timing: CUDA events, 3 warm-ups, median of 15, 4 rotating copies of the
// index data so that they stream from HBM.
#include "probe-util.cuh"

#include <cuda_fp16.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>


constexpr int kV = 8;

__device__ inline void accumulate(float acc[kV], uint4 row, float xv) {
  const __half2 *h = reinterpret_cast<const __half2 *>(&row);
#pragma unroll
  for (int j = 0; j < kV / 2; ++j) {
    float2 f = __half22float2(h[j]);
    acc[2 * j] += xv * f.x;
    acc[2 * j + 1] += xv * f.y;
  }
}

__device__ inline void warpSum(float acc[kV]) {
#pragma unroll
  for (int j = 0; j < kV; ++j)
#pragma unroll
    for (int o = 16; o > 0; o >>= 1)
      acc[j] += __shfl_xor_sync(0xffffffffu, acc[j], o);
}

// Natural layout: idx[n][c] (uint16), codebook from global memory.
__global__ void l2Gemv(const uint16_t *__restrict__ idx,
                       const uint4 *__restrict__ book,
                       const __half *__restrict__ x, int in, int ni,
                       __half *__restrict__ y) {
  extern __shared__ float xs[];
  for (int i = threadIdx.x; i < in; i += blockDim.x)
    xs[i] = __half2float(x[i]);
  __syncthreads();
  int warps = blockDim.x / 32, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (int n = blockIdx.x * warps + warp; n < ni; n += gridDim.x * warps) {
    float acc[kV] = {};
    const uint4 *row = reinterpret_cast<const uint4 *>(idx + size_t(n) * in);
    for (int c8 = lane; c8 < in / 8; c8 += 32) {
      uint4 q = row[c8];
      unsigned w[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
      for (int h = 0; h < 8; ++h) {
        unsigned k = (w[h / 2] >> (16 * (h % 2))) & 0xffffu;
        accumulate(acc, __ldg(book + k), xs[c8 * 8 + h]);
      }
    }
    warpSum(acc);
    if (lane < kV)
      y[size_t(n) * kV + lane] = __float2half(acc[lane]);
  }
}

// Sharded layout; block b holds shard b % shards.
__global__ void shardGemv(const unsigned *__restrict__ entries,
                          const int *__restrict__ offsets,
                          const uint4 *__restrict__ book, int shardRows,
                          int shards, const __half *__restrict__ x, int in,
                          int ni, float *__restrict__ partials) {
  extern __shared__ uint4 smem[];
  uint4 *cb = smem;
  float *xs = reinterpret_cast<float *>(smem + shardRows);
  int s = blockIdx.x % shards, b = blockIdx.x / shards,
      blocks = gridDim.x / shards;
  const uint4 *mine = book + size_t(s) * shardRows;
  for (int i = threadIdx.x; i < shardRows; i += blockDim.x)
    cb[i] = mine[i];
  for (int i = threadIdx.x; i <= in; i += blockDim.x)
    xs[i] = i < in ? __half2float(x[i]) : 0.0f;
  __syncthreads();
  int warps = blockDim.x / 32, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int *off = offsets + size_t(s) * (ni + 1);
  for (int n = b * warps + warp; n < ni; n += blocks * warps) {
    float acc[kV] = {};
    int beg = off[n], end = off[n + 1];
    const uint4 *e4 = reinterpret_cast<const uint4 *>(entries);
    for (int e = beg / 4 + lane; e < end / 4; e += 32) {
      uint4 q = e4[e];
      unsigned w[4] = {q.x, q.y, q.z, q.w};
#pragma unroll
      for (int h = 0; h < 4; ++h)
        accumulate(acc, cb[w[h] >> 16], xs[w[h] & 0xffffu]);
    }
    warpSum(acc);
    if (lane < kV)
      partials[(size_t(s) * ni + n) * kV + lane] = acc[lane];
  }
}

__global__ void sumShards(const float *__restrict__ partials, int shards,
                          int rows, __half *__restrict__ y) {
  int r = blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows)
    return;
  float sum = 0;
  for (int s = 0; s < shards; ++s)
    sum += partials[size_t(s) * rows + r];
  y[r] = __float2half(sum);
}

struct Layer {
  int out, in;
};

int main() {
  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  const int K = 65536, copies = 4;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::vector<__half> hostBook(size_t(K) * kV);
  for (auto &v : hostBook)
    v = __float2half(uni(rng));
  uint4 *book;
  CHECK(cudaMalloc(&book, size_t(K) * 16));
  CHECK(cudaMemcpy(book, hostBook.data(), size_t(K) * 16,
                   cudaMemcpyHostToDevice));
  std::printf("{\n  \"sms\": %d,\n  \"runs\": [\n", sms);
  bool first = true;
  for (Layer L : {Layer{4096, 4096}, Layer{11008, 4096}, Layer{4096, 11008}}) {
    const int ni = L.out / kV, in = L.in;
    std::vector<__half> hx(in);
    for (auto &v : hx)
      v = __float2half(uni(rng));
    __half *x, *y;
    CHECK(cudaMalloc(&x, in * 2));
    CHECK(cudaMemcpy(x, hx.data(), in * 2, cudaMemcpyHostToDevice));
    CHECK(cudaMalloc(&y, L.out * 2));
    // Copy 0's reference (every copy has the same indices: the rotation
    // only keeps them out of L2).
    std::vector<uint16_t> idx(size_t(ni) * in);
    for (auto &v : idx)
      v = uint16_t(rng());
    std::vector<double> ref(L.out, 0.0);
    for (int n = 0; n < ni; ++n)
      for (int c = 0; c < in; ++c) {
        const __half *r = &hostBook[size_t(idx[size_t(n) * in + c]) * kV];
        double xv = __half2float(hx[c]);
        for (int j = 0; j < kV; ++j)
          ref[n * kV + j] += xv * double(__half2float(r[j]));
      }
    auto check = [&](const char *what) {
      std::vector<__half> got(L.out);
      CHECK(cudaMemcpy(got.data(), y, L.out * 2, cudaMemcpyDeviceToHost));
      double worst = 0, scale = 0;
      for (int r = 0; r < L.out; ++r) {
        worst = std::max(worst, std::fabs(double(__half2float(got[r])) - ref[r]));
        scale = std::max(scale, std::fabs(ref[r]));
      }
      bool ok = worst <= 2e-3 * scale + 1e-2;
      if (!ok)
        std::fprintf(stderr, "MISMATCH %s %dx%d: max error %g (max |y| %g)\n",
                     what, L.out, L.in, worst, scale);
      return ok ? worst : -worst;
    };
    cudaMemset(y, 0, L.out * 2);
    uint16_t *didx[copies];
    for (int c = 0; c < copies; ++c) {
      CHECK(cudaMalloc(&didx[c], idx.size() * 2));
      CHECK(cudaMemcpy(didx[c], idx.data(), idx.size() * 2,
                       cudaMemcpyHostToDevice));
    }
    for (int threads : {256, 512}) {
      int blocks = sms * (2048 / threads);
      CHECK(cudaFuncSetAttribute(l2Gemv,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 in * 4));
      float ms = medianMs([&](int i) {
        l2Gemv<<<blocks, threads, in * 4>>>(didx[i % copies], book, x, in, ni,
                                            y);
      });
      double err = check("l2");
      std::printf("%s    {\"kernel\": \"l2\", \"out\": %d, \"in\": %d, "
                  "\"threads\": %d, \"blocks\": %d, \"us\": %.2f, "
                  "\"max_error\": %g}",
                  first ? "" : ",\n", L.out, L.in, threads, blocks, ms * 1e3,
                  err);
      first = false;
    }
    for (int c = 0; c < copies; ++c)
      CHECK(cudaFree(didx[c]));
    for (int shards : {8, 16}) {
      const int shardRows = K / shards;
      int shift = 0;
      while ((1 << shift) < shardRows)
        ++shift;
      std::vector<int> offsets(size_t(shards) * (ni + 1));
      std::vector<unsigned> entries;
      for (int s = 0; s < shards; ++s)
        for (int n = 0; n <= ni; ++n) {
          offsets[size_t(s) * (ni + 1) + n] = int(entries.size());
          if (n == ni)
            break;
          for (int c = 0; c < in; ++c) {
            unsigned k = idx[size_t(n) * in + c];
            if (int(k >> shift) == s)
              entries.push_back(unsigned(c) | ((k & (shardRows - 1)) << 16));
          }
          while (entries.size() % 4)
            entries.push_back(unsigned(in));
        }
      unsigned *dent[copies];
      int *doff;
      float *partials;
      CHECK(cudaMalloc(&doff, offsets.size() * 4));
      CHECK(cudaMemcpy(doff, offsets.data(), offsets.size() * 4,
                       cudaMemcpyHostToDevice));
      CHECK(cudaMalloc(&partials, size_t(shards) * L.out * 4));
      for (int c = 0; c < copies; ++c) {
        CHECK(cudaMalloc(&dent[c], entries.size() * 4));
        CHECK(cudaMemcpy(dent[c], entries.data(), entries.size() * 4,
                         cudaMemcpyHostToDevice));
      }
      int smem = shardRows * 16 + (in + 1) * 4;
      CHECK(cudaFuncSetAttribute(
          shardGemv, cudaFuncAttributeMaxDynamicSharedMemorySize, smem));
      for (int threads : {512, 1024}) {
        int perSM = std::max(1, 227 * 1024 / (smem + 1024));
        for (int blocksPerShard :
             {sms * perSM / shards, (sms * perSM / shards) / 2}) {
          int blocks = blocksPerShard * shards;
          float gemv = medianMs([&](int i) {
            shardGemv<<<blocks, threads, smem>>>(dent[i % copies], doff, book,
                                                 shardRows, shards, x, in, ni,
                                                 partials);
          });
          float both = medianMs([&](int i) {
            shardGemv<<<blocks, threads, smem>>>(dent[i % copies], doff, book,
                                                 shardRows, shards, x, in, ni,
                                                 partials);
            sumShards<<<(L.out + 255) / 256, 256>>>(partials, shards, L.out,
                                                    y);
          });
          double err = check("sharded");
          CHECK(cudaMemset(y, 0, L.out * 2));
          std::printf(",\n    {\"kernel\": \"sharded\", \"out\": %d, \"in\": "
                      "%d, \"shards\": %d, \"threads\": %d, \"blocks\": %d, "
                      "\"entry_bytes\": %zu, \"gemv_us\": %.2f, \"us\": %.2f, "
                      "\"max_error\": %g}",
                      L.out, L.in, shards, threads, blocks,
                      entries.size() * 4, gemv * 1e3, both * 1e3, err);
        }
      }
      for (int c = 0; c < copies; ++c)
        CHECK(cudaFree(dent[c]));
      CHECK(cudaFree(doff));
      CHECK(cudaFree(partials));
    }
    CHECK(cudaFree(x));
    CHECK(cudaFree(y));
  }
  std::printf("\n  ]\n}\n");
  return 0;
}
