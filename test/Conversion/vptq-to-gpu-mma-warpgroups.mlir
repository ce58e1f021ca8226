// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=nvgpu.ldmatrix
// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu="warpgroup-mma=false" -canonicalize -cse | FileCheck %s --check-prefix=SYNC
// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu="chip=sm_80" -canonicalize -cse | FileCheck %s --check-prefix=SYNC

// Warpgroup multiplies (sm_90a, mmaUsesWarpgroups): 16 index rows of 8 =
// 128 rows = two 64-row tiles, 8 warps = two warpgroups, one row tile each
// over the whole 256-row batch tile (128 accumulators per thread). Shared
// memory: the 64 KiB codebook, 4 input stages of K-major core matrices
// [stage][k / 8][batch row / 8][8][8] (4 x 16 KiB), 3 weight stages of
// M-major ones [stage][k / 8][row / 8][8][8] (3 x 8 KiB): 155648 bytes,
// the 128 x 256 f32 partials at offset 0 over them.
// CHECK-LABEL: func.func @warpgroups
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c32, %{{.+}}, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c155648_i32
// Descriptor fields (no swizzling, in 16-byte units): A (weights) 2048
// bytes between core matrices along K (128 rows of 16 bytes) and 128 along
// M; B (activations) 4096 along K (256 batch rows) and 128 along N.
// CHECK: gpu.func @vptq_matmul_0
// CHECK-DAG: %[[AFIELDS:.+]] = arith.constant 34368126976 : i64
// CHECK-DAG: %[[BFIELDS:.+]] = arith.constant 34376515584 : i64
// CHECK:   %[[IN:.+]] = memref.view %{{.+}}[%c65536][] : {{.*}} to memref<4x4x32x8x8xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[W:.+]] = memref.view %{{.+}}[%c131072][] : {{.*}} to memref<3x4x16x8x8xf16, #gpu.address_space<workgroup>>
// CHECK:   memref.extract_aligned_pointer_as_index
// Prologue: chunks 0 and 1's activations (two copy groups), chunk 0's
// vectors as 16-byte rows of weight stage 0; wait for chunk 0, fence,
// barrier.
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[IN]][%c0, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}], 8
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[IN]][%c1, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}], 8
// CHECK:   vector.store %{{.+}}, %[[W]][%c0, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}] {alignment = 16 : i64} : {{.*}}, vector<8xf16>
// CHECK:   nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:   nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK:   gpu.barrier
// Per 32-column chunk: two k16 steps, one m64n256k16 each (A M-major:
// layout col = transposed; B K-major), committed as one group ...
// CHECK:   scf.for
// CHECK:     nvvm.wgmma.fence.aligned
// CHECK:     %[[DB:.+]] = arith.ori %{{.+}}, %[[BFIELDS]] : i64
// CHECK:     %[[DA:.+]] = arith.ori %{{.+}}, %[[AFIELDS]] : i64
// CHECK:     nvvm.wgmma.mma_async %[[DA]], %[[DB]], %{{.+}}, <m = 64, n = 256, k = 16>, D[<f32>, <one>], A[<f16>, <one>, <col>], B[<f16>, <one>, <col>]
// CHECK:     nvvm.wgmma.mma_async %{{.+}}, <m = 64, n = 256, k = 16>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK:     nvvm.wgmma.commit.group.sync.aligned
// ... then chunk i + 2's copies, chunk i + 1's stores (values loaded an
// iteration earlier), the wait for chunk i + 1's copies and the fence, and
// only then the next loads; one wgmma group stays in flight over the
// barrier.
// CHECK:     nvgpu.device_async_copy
// CHECK:     vector.store %{{.+}}, %[[W]]
// CHECK:     nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:     nvvm.fence.proxy
// CHECK:     vector.load
// CHECK:     nvvm.wgmma.wait.group.sync.aligned 1
// CHECK:     gpu.barrier
// CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:   nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK:   gpu.barrier
// SYNC-LABEL: func.func @warpgroups
// SYNC-NOT: nvvm.wgmma
// SYNC: nvgpu.ldmatrix
// SYNC-NOT: nvvm.wgmma
func.func @warpgroups(%x: memref<?x4096xf16>, %i: memref<1x512x1536xi32>,
                      %c: memref<1x32768xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x4096xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 256,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}

// -----

// V = 12 over 16 index rows = 192 rows: three 64-row tiles in one row
// group (3 does not split over 2 warpgroups), the two warpgroups splitting
// the 128-row batch tile (N = 64 each); vectors stored in 4-element pieces
// (12 rows cross core-matrix rows of 8). Residual and norm make split
// weights: two wgmmas (hi, lo parts) per tile and step.
// CHECK-LABEL: func.func @warpgroups_v12_split
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   scf.for
// CHECK:     vector.store %{{.+}} : memref<6x4x24x8x8xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// CHECK:   scf.for
// CHECK-COUNT-12: nvvm.wgmma.mma_async %{{.+}}, <m = 64, n = 64, k = 16>
// CHECK-NOT: nvvm.wgmma.mma_async
// CHECK:     nvvm.wgmma.commit.group.sync.aligned
func.func @warpgroups_v12_split(%x: memref<?x2048xf16>, %i: memref<1x128x1280xi32>,
                                %c: memref<1x49152xf16>, %rc: memref<1x3072xf16>,
                                %s: memref<2048xf16>, %b: memref<2048xf16>,
                                %y: memref<?x1536xf16>) {
  vptq.matmul #vptq.vq<in_features = 2048, out_features = 1536, vector_len = 12,
                       num_centroids = 4096, num_res_centroids = 256, packed = true,
                       enable_norm = true>
      input(%x : memref<?x2048xf16>) indices(%i : memref<1x128x1280xi32>)
      centroids(%c : memref<1x49152xf16>) res_centroids(%rc : memref<1x3072xf16>)
      weight_scale(%s : memref<2048xf16>) weight_bias(%b : memref<2048xf16>)
      outs(%y : memref<?x1536xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 128,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}
