// floor-probe.cu - The hardware floor of a VQ GEMV, measured (not a product
// kernel: a measurement probe for bench/gpu/run-speed.sh, built with nvcc).
//
// Prints JSON with
//  - hbm_read_gbps: streaming 16-byte reads of a 2 GiB buffer;
//  - gathers: for each codebook size K and row size (bytes), the time per
//    lookup of random rows: each thread reads eight 2-byte indices with one
//    16-byte load (streamed from HBM, rotating buffers) and their codebook
//    rows, from global memory (__ldg, L2/L1) and, when the codebook fits,
//    from shared memory;
//    the best of the two is the gather floor for that codebook (plus, as
//    information, shared-memory lookups arranged free of bank conflicts);
//  - cluster_gathers: the same lookups of 16-byte rows from a codebook
//    sharded over the distributed shared memory of a thread-block cluster
//    (sm_90: each block of a cluster of C holds K/C rows; a lookup reads
//    its row from the owning block's shared memory through mapa), the
//    candidate way past the L2 gather rate for K = 65536 (issue 7).
// Timing: CUDA events around groups of 8 back-to-back launches, 3
// warm-ups, median of 15.
#include "probe-util.cuh"

#include <cooperative_groups.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>


__global__ void streamRead(const uint4 *__restrict__ p, size_t n,
                           unsigned *sink) {
  unsigned acc = 0;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x) {
    uint4 v = p[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x12345678u)
    sink[0] = acc;
}

// The lookups of a grid-stride loop: eight 2-byte indices per 16-byte
// load, as a kernel reading packed indices would, so that the loop measures
// the gathers, not the index loads. `lookup(row)` reads codebook row `row`
// (below k, a power of two) and returns its words folded by xor.
template <typename Lookup>
__device__ unsigned forEachLookup(const uint16_t *__restrict__ idx, size_t n,
                                  int k, Lookup lookup) {
  unsigned acc = 0;
  const unsigned mask = unsigned(k) - 1;
  const uint4 *idx8 = reinterpret_cast<const uint4 *>(idx);
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n / 8;
       i += size_t(gridDim.x) * blockDim.x) {
    uint4 packed = idx8[i];
    unsigned words[4] = {packed.x, packed.y, packed.z, packed.w};
#pragma unroll
    for (int h = 0; h < 8; ++h)
      acc ^= lookup((words[h / 2] >> (16 * (h % 2))) & mask);
  }
  return acc;
}

// ROW_WORDS 4-byte words per codebook row. CONFLICT_FREE (shared only):
// lane L reads a row whose low 3 bits are L % 8, so that the 8 lanes of a
// quarter warp read 16-byte rows in 8 different bank groups: what an
// arrangement of the lookups that avoids bank conflicts could reach.
template <int ROW_WORDS, bool SHARED, bool CONFLICT_FREE = false>
__global__ void gather(const uint16_t *__restrict__ idx, size_t n,
                       const unsigned *__restrict__ book, int k,
                       unsigned *sink) {
  extern __shared__ unsigned smem[];
  const unsigned *src = book;
  if (SHARED) {
    for (int i = threadIdx.x; i < k * ROW_WORDS; i += blockDim.x)
      smem[i] = book[i];
    __syncthreads();
    src = smem;
  }
  const unsigned spread = threadIdx.x & 7u;
  unsigned acc = forEachLookup(idx, n, k, [&](unsigned row) {
    if (CONFLICT_FREE)
      row = (row & ~7u) | spread;
    unsigned x = 0;
    const unsigned *r = src + row * ROW_WORDS;
    if (ROW_WORDS % 4 == 0) {
#pragma unroll
      for (int w = 0; w < ROW_WORDS; w += 4) {
        uint4 v = SHARED ? *reinterpret_cast<const uint4 *>(r + w)
                         : __ldg(reinterpret_cast<const uint4 *>(r + w));
        x ^= v.x ^ v.y ^ v.z ^ v.w;
      }
    } else if (ROW_WORDS % 2 == 0) {
#pragma unroll
      for (int w = 0; w < ROW_WORDS; w += 2) {
        uint2 v = SHARED ? *reinterpret_cast<const uint2 *>(r + w)
                         : __ldg(reinterpret_cast<const uint2 *>(r + w));
        x ^= v.x ^ v.y;
      }
    } else {
#pragma unroll
      for (int w = 0; w < ROW_WORDS; ++w)
        x ^= SHARED ? r[w] : __ldg(r + w);
    }
    return x;
  });
  if (acc == 0x12345678u)
    sink[0] = acc;
}

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900 || !defined(__CUDA_ARCH__)
#define HAVE_CLUSTERS 1
#endif

// 16-byte rows; block `rank` of a cluster holds rows [rank*slice, ...).
// SHARED_WINDOW: 32-bit mapa.shared::cluster + ld.shared::cluster (else the
// generic-address form cooperative_groups gives).
template <bool SHARED_WINDOW>
__global__ void clusterGather(const uint16_t *__restrict__ idx, size_t n,
                              const uint4 *__restrict__ book, int k,
                              int sliceShift, unsigned *sink) {
#ifdef HAVE_CLUSTERS
  namespace cg = cooperative_groups;
  extern __shared__ uint4 slice[];
  cg::cluster_group cluster = cg::this_cluster();
  const unsigned rows = 1u << sliceShift;
  const uint4 *mine = book + size_t(cluster.block_rank()) * rows;
  for (unsigned i = threadIdx.x; i < rows; i += blockDim.x)
    slice[i] = mine[i];
  cluster.sync();
  unsigned acc = forEachLookup(idx, n, k, [&](unsigned row) {
    uint4 v;
    if (SHARED_WINDOW) {
      unsigned local =
          unsigned(__cvta_generic_to_shared(slice + (row & (rows - 1))));
      unsigned remote;
      asm volatile("mapa.shared::cluster.u32 %0, %1, %2;"
                   : "=r"(remote)
                   : "r"(local), "r"(row >> sliceShift));
      asm volatile("ld.shared::cluster.v4.u32 {%0, %1, %2, %3}, [%4];"
                   : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                   : "r"(remote));
    } else {
      v = *cluster.map_shared_rank(slice + (row & (rows - 1)),
                                   row >> sliceShift);
    }
    return v.x ^ v.y ^ v.z ^ v.w;
  });
  // Keep this block's slice alive until every block has read it.
  cluster.sync();
  if (acc == 0x12345678u)
    sink[0] = acc;
#endif
}

// Kernels are timed in groups of kGroup back-to-back launches, as the
// harness times them: one launch between two events would add the launch
// gap to each.
constexpr int kGroup = 8;

template <int ROW_WORDS>
void probe(int k, const uint16_t *idx[], int copies, size_t n, unsigned *book,
           unsigned *sink, int sms, bool first) {
  int threads = 256, blocks = sms * 8;
  float global = medianMs(
      [&](int i) {
        gather<ROW_WORDS, false><<<blocks, threads>>>(idx[i % copies], n,
                                                      book, k, sink);
      },
      kGroup);
  size_t smem = size_t(k) * ROW_WORDS * 4;
  float shared = -1, conflictFree = -1;
  if (smem <= 200 * 1024) {
    int perSm = smem <= 100 * 1024 ? 2 : 1;
    auto time = [&](auto kernel) {
      CHECK(cudaFuncSetAttribute(kernel,
                                 cudaFuncAttributeMaxDynamicSharedMemorySize,
                                 int(smem)));
      return medianMs(
          [&](int i) {
            kernel<<<sms * perSm, 1024, smem>>>(idx[i % copies], n, book, k,
                                                sink);
          },
          kGroup);
    };
    shared = time(gather<ROW_WORDS, true>);
    conflictFree = time(gather<ROW_WORDS, true, true>);
  }
  double best = shared > 0 ? std::min(global, shared) : global;
  std::printf("%s    {\"k\": %d, \"row_bytes\": %d, \"lookups\": %zu, "
              "\"global_us\": %.2f, \"shared_us\": %.2f, "
              "\"shared_conflict_free_us\": %.2f, "
              "\"ns_per_million_lookups\": %.3f}",
              first ? "" : ",\n", k, ROW_WORDS * 4, n, global * 1000.0,
              shared * 1000.0, conflictFree * 1000.0,
              best * 1e6 / (double(n) / 1e6));
}

// Prints one cluster_gathers entry, or nothing where the cluster cannot be
// scheduled (returns whether it printed).
template <bool SHARED_WINDOW>
bool probeCluster(int k, int clusterSize, const uint16_t *idx[], int copies,
                  size_t n, unsigned *book, unsigned *sink, bool first) {
  int rows = k / clusterSize, shift = 0;
  while ((1 << shift) < rows)
    ++shift;
  size_t smem = size_t(rows) * 16;
  if (smem > 227 * 1024)
    return false;
  CHECK(cudaFuncSetAttribute(clusterGather<SHARED_WINDOW>,
                             cudaFuncAttributeMaxDynamicSharedMemorySize,
                             int(smem)));
  if (clusterSize > 8)
    CHECK(cudaFuncSetAttribute(clusterGather<SHARED_WINDOW>,
                               cudaFuncAttributeNonPortableClusterSizeAllowed,
                               1));
  cudaLaunchConfig_t config = {};
  cudaLaunchAttribute attr[1];
  attr[0].id = cudaLaunchAttributeClusterDimension;
  attr[0].val.clusterDim.x = clusterSize;
  attr[0].val.clusterDim.y = 1;
  attr[0].val.clusterDim.z = 1;
  config.attrs = attr;
  config.numAttrs = 1;
  config.blockDim = dim3(1024);
  config.dynamicSmemBytes = smem;
  config.gridDim = dim3(clusterSize);
  int clusters = 0;
  if (cudaOccupancyMaxActiveClusters(&clusters, clusterGather<SHARED_WINDOW>, &config) !=
          cudaSuccess ||
      clusters == 0) {
    cudaGetLastError();
    return false;
  }
  config.gridDim = dim3(clusters * clusterSize);
  const uint4 *book4 = reinterpret_cast<const uint4 *>(book);
  float ms = medianMs(
      [&](int i) {
        CHECK(cudaLaunchKernelEx(&config, clusterGather<SHARED_WINDOW>,
                                 idx[i % copies], n, book4, k, shift, sink));
      },
      kGroup);
  std::printf("%s    {\"k\": %d, \"row_bytes\": 16, \"cluster\": %d, "
              "\"load\": \"%s\", \"active_clusters\": %d, "
              "\"lookups\": %zu, \"us\": %.2f, "
              "\"ns_per_million_lookups\": %.3f}",
              first ? "" : ",\n", k, clusterSize,
              SHARED_WINDOW ? "ld.shared::cluster" : "generic", clusters, n,
              ms * 1000.0,
              ms * 1e6 / (double(n) / 1e6));
  return true;
}

int main() {
  int sms = 0;
  CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  cudaDeviceProp prop;
  CHECK(cudaGetDeviceProperties(&prop, 0));
  unsigned *sink;
  CHECK(cudaMalloc(&sink, 64));
  // HBM streaming read of 2 GiB.
  size_t bytes = size_t(2) << 30;
  uint4 *big;
  CHECK(cudaMalloc(&big, bytes));
  CHECK(cudaMemset(big, 1, bytes));
  float readMs = medianMs(
      [&](int) { streamRead<<<sms * 8, 512>>>(big, bytes / 16, sink); },
      kGroup);
  CHECK(cudaFree(big));
  // Index streams: 5.6 M lookups (an 11008 x 4096 layer at v8), 8 rotating
  // copies (90 MB) so that they come from HBM.
  const size_t n = size_t(11008) * 4096 / 8;
  const int copies = 8;
  std::mt19937 rng(1);
  std::vector<uint16_t> host(n);
  for (auto &v : host)
    v = uint16_t(rng());
  const uint16_t *idx[copies];
  for (int c = 0; c < copies; ++c) {
    uint16_t *d;
    CHECK(cudaMalloc(&d, n * 2));
    CHECK(cudaMemcpy(d, host.data(), n * 2, cudaMemcpyHostToDevice));
    idx[c] = d;
  }
  unsigned *book;
  CHECK(cudaMalloc(&book, size_t(65536) * 32));
  CHECK(cudaMemset(book, 3, size_t(65536) * 32));
  std::printf("{\n  \"device\": \"%s\",\n  \"sms\": %d,\n"
              "  \"hbm_read_gbps\": %.1f,\n  \"gathers\": [\n",
              prop.name, sms, double(bytes) / (readMs * 1e-3) / 1e9);
  bool first = true;
  for (int k : {256, 4096, 16384, 65536}) {
    probe<4>(k, idx, copies, n, book, sink, sms, first);
    first = false;
    probe<6>(k, idx, copies, n, book, sink, sms, false);
    probe<8>(k, idx, copies, n, book, sink, sms, false);
  }
  std::printf("\n  ],\n  \"cluster_gathers\": [\n");
  first = true;
  if (prop.major >= 9)
    for (int k : {16384, 65536})
      for (int c : {2, 4, 8, 16})
        for (bool window : {false, true})
          if (window ? probeCluster<true>(k, c, idx, copies, n, book, sink, first)
                     : probeCluster<false>(k, c, idx, copies, n, book, sink,
                                           first))
            first = false;
  std::printf("\n  ]\n}\n");
  return 0;
}
