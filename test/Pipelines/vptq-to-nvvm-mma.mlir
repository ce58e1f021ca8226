// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --implicit-check-not=ld.local --implicit-check-not=st.local
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_80 format=isa})' | vptq-objdump | FileCheck %s --check-prefix=SM80 --implicit-check-not=ld.local --implicit-check-not=st.local

// Tensor-core vptq.matmul kernels down to PTX: activations staged with
// cp.async and read back with ldmatrix (15-bit codes, whose runs do not
// fill whole words), A fragments dequantized in
// registers from 4-byte codebook reads, warp-level mma.sync with f32
// accumulators, no spills to local memory.

// CHECK-LABEL: .visible .entry vptq_matmul_0
// CHECK: bar.warp.sync -1;
// CHECK: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{.*}};
// CHECK: cp.async.commit_group;
// CHECK: ld.global.v2.b16
// CHECK: cp.async.wait_group 0;
// CHECK: bar.warp.sync -1;
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: bar.sync 0;
// SM80: .target sm_80
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
func.func @f16(%x: memref<?x4096xf16>, %i: memref<1x512x1920xi32>,
               %c: memref<1x262144xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 32768, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x1920xi32>)
      centroids(%c : memref<1x262144xf16>) outs(%y : memref<?x4096xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 64,
                             k_chunk = 32, mma = true>}
  return
}

// Operands read straight into registers (16-bit codes, 1 MiB codebook in
// global memory): at the top of each chunk the next chunk's code words
// (4 words, one 16-byte vector) and activations (two batch tiles, one
// 16-byte vector each) are loaded, then the A fragments are 4-byte
// codebook reads packed without conversions; the loop has neither
// barriers nor shared-memory staging.
// CHECK-LABEL: .visible .entry vptq_matmul_1
// CHECK-NOT: cp.async
// CHECK-NOT: ldmatrix
// CHECK-COUNT-3: ld.global.v4.b32
// CHECK: $L__BB1_1:
// CHECK-NOT: bar.
// CHECK-COUNT-3: ld.global.v4.b32
// CHECK-NEXT: // begin inline asm
// CHECK-NOT: bar.
// CHECK-NOT: cvt.
// CHECK: ld.global.v2.b16
// CHECK-NOT: bar.
// CHECK-NOT: cvt.
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// CHECK: bar.sync 0;
func.func @f16_direct(%x: memref<?x4096xf16>, %i: memref<1x512x2048xi32>,
                      %c: memref<1x524288xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x4096xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// CHECK-LABEL: .visible .entry vptq_matmul_2
// CHECK: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// SM80: mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
func.func @bf16(%x: memref<?x2048xbf16>, %i: memref<1x128x2048xi16>,
                %ri: memref<1x128x2048xi16>, %c: memref<1x49152xbf16>,
                %rc: memref<1x49152xbf16>, %y: memref<?x1536xbf16>) {
  vptq.matmul #vptq.vq<in_features = 2048, out_features = 1536, vector_len = 12,
                       num_centroids = 4096, num_res_centroids = 4096, packed = false>
      input(%x : memref<?x2048xbf16>) indices(%i : memref<1x128x2048xi16>)
      res_indices(%ri : memref<1x128x2048xi16>) centroids(%c : memref<1x49152xbf16>) res_centroids(%rc : memref<1x49152xbf16>)
      outs(%y : memref<?x1536xbf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 32,
                             k_chunk = 16, mma = true>}
  return
}

// Shared weights on sm_90a (warpgroups: 64 rows, 8 warps): 16-byte
// codebook reads stored to shared memory as 16-byte core-matrix rows,
// asynchronous wgmma on transposed (M-major) weights from shared-memory
// descriptors, one group in flight over the block barrier; the fence
// orders the shared writes before the tensor cores' reads and precedes the
// next chunk's loads. sm_80 reads A fragments through ldmatrix.x4.trans.
// CHECK-LABEL: .visible .entry vptq_matmul_3
// CHECK: cp.async.cg.shared.global [{{.*}}], [{{.*}}], 16, {{.*}};
// CHECK: ld.global.v4.b32
// CHECK: st.shared.v4.b32
// CHECK: cp.async.wait_group 1;
// CHECK: fence.proxy.async.shared::cta;
// CHECK: bar.sync 0;
// CHECK: wgmma.fence.sync.aligned;
// CHECK: wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {{.*}}, p, 1, 1, 1, 0;
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK: cp.async.cg.shared.global
// CHECK: st.shared.v4.b32
// CHECK: cp.async.wait_group 1;
// CHECK: fence.proxy.async.shared::cta;
// CHECK: ld.global.v4.b32
// CHECK: wgmma.wait_group.sync.aligned 1;
// CHECK: bar.sync 0;
// CHECK: wgmma.wait_group.sync.aligned 0;
// SM80: ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
func.func @shared_weights(%x: memref<?x4096xf16>, %i: memref<1x512x2048xi32>,
                          %c: memref<1x524288xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x4096xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 8, batch_tile = 128,
                             k_chunk = 64, mma = true, shared_weights = true>}
  return
}
