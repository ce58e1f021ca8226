// Probe of wgmma no-swizzle descriptor semantics: A M-major (trans-a = 1),
// B K-major; m64n32k16 f32 += f16 * f16.
#include <cstdio>
#include <cstdint>
#include <cuda_fp16.h>
#include <vector>
#include <cmath>

__device__ uint64_t desc(uint32_t addr, uint32_t lbo, uint32_t sbo) {
  return uint64_t((addr >> 4) & 0x3FFF) | (uint64_t((lbo >> 4) & 0x3FFF) << 16) |
         (uint64_t((sbo >> 4) & 0x3FFF) << 32);
}

// mode bit0: swap LBO/SBO for A; bit1: swap for B.
__global__ void k(const half *A, const half *B, float *D, int mode) {
  // A: M=64 x K=16, stored [kb 2][mb 8][k 8][m 8]; B: K=16 x N=32 stored
  // [kb 2][nb 4][n 8][k 8].
  __shared__ __align__(128) half sa[2 * 8 * 64];
  __shared__ __align__(128) half sb[2 * 4 * 64];
  int t = threadIdx.x;
  for (int i = t; i < 64 * 16; i += 128) {
    int m = i / 16, kk = i % 16;
    sa[((kk / 8) * 8 + m / 8) * 64 + (kk % 8) * 8 + m % 8] = A[m * 16 + kk];
  }
  for (int i = t; i < 32 * 16; i += 128) {
    int n = i / 16, kk = i % 16;
    sb[((kk / 8) * 4 + n / 8) * 64 + (n % 8) * 8 + kk % 8] = B[n * 16 + kk];
  }
  asm volatile("fence.proxy.async.shared::cta;\n");
  __syncthreads();
  uint32_t aa = (uint32_t)__cvta_generic_to_shared(sa);
  uint32_t ba = (uint32_t)__cvta_generic_to_shared(sb);
  uint32_t alb = 1024, asb = 128, blb = 512, bsb = 128;
  if (mode & 1) { uint32_t x = alb; alb = asb; asb = x; }
  if (mode & 2) { uint32_t x = blb; blb = bsb; bsb = x; }
  uint64_t da = desc(aa, alb, asb), db = desc(ba, blb, bsb);
  float d[16];
  for (int i = 0; i < 16; ++i) d[i] = 0.f;
  asm volatile("wgmma.fence.sync.aligned;\n");
  asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %18, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n32k16.f32.f16.f16 "
      "{%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, %16, %17, p, 1, 1, 1, 0;\n}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]),
        "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]),
        "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])
      : "l"(da), "l"(db), "r"(1));
  asm volatile("wgmma.commit_group.sync.aligned;\n");
  asm volatile("wgmma.wait_group.sync.aligned 0;\n");
  int w = t / 32, lane = t % 32, g = lane / 4, q = lane % 4;
  for (int j = 0; j < 4; ++j)
    for (int i = 0; i < 4; ++i) {
      int row = 16 * w + g + (i >= 2 ? 8 : 0), col = 8 * j + 2 * q + (i & 1);
      D[row * 32 + col] = d[4 * j + i];
    }
}

int main() {
  std::vector<half> A(64 * 16), B(32 * 16);
  std::vector<float> ref(64 * 32);
  for (int i = 0; i < 64 * 16; ++i) A[i] = __float2half(float((i * 7) % 13 - 6));
  for (int i = 0; i < 32 * 16; ++i) B[i] = __float2half(float((i * 5) % 11 - 5));
  for (int m = 0; m < 64; ++m)
    for (int n = 0; n < 32; ++n) {
      float s = 0;
      for (int kk = 0; kk < 16; ++kk)
        s += __half2float(A[m * 16 + kk]) * __half2float(B[n * 16 + kk]);
      ref[m * 32 + n] = s;
    }
  half *dA, *dB; float *dD;
  cudaMalloc(&dA, A.size() * 2); cudaMalloc(&dB, B.size() * 2);
  cudaMalloc(&dD, 64 * 32 * 4);
  cudaMemcpy(dA, A.data(), A.size() * 2, cudaMemcpyHostToDevice);
  cudaMemcpy(dB, B.data(), B.size() * 2, cudaMemcpyHostToDevice);
  for (int mode = 0; mode < 4; ++mode) {
    cudaMemset(dD, 0, 64 * 32 * 4);
    k<<<1, 128>>>(dA, dB, dD, mode);
    cudaError_t err = cudaDeviceSynchronize();
    std::vector<float> out(64 * 32);
    cudaMemcpy(out.data(), dD, out.size() * 4, cudaMemcpyDeviceToHost);
    int bad = 0;
    for (int i = 0; i < 64 * 32; ++i) bad += out[i] != ref[i];
    printf("mode %d (swapA %d swapB %d): %s, %d of 2048 mismatches\n", mode,
           mode & 1, (mode >> 1) & 1, cudaGetErrorString(err), bad);
  }
}
