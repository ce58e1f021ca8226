// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=nvgpu.ldmatrix --implicit-check-not=nvvm.mma.sync
// RUN: not vptq-opt %s -split-input-file -convert-vptq-to-gpu="chip=sm_80" 2>&1 | FileCheck %s --check-prefix=AMPERE

// Register warpgroups (#vptq.tiling register_wgmma, sm_90a): 16 index rows
// of 8 = 128 rows, 8 warps = two warpgroups of one 64-row tile each over
// the 128-row batch tile (64 accumulators per thread). Shared memory: the
// 64 KiB codebook, 4 input stages of K-major core matrices
// [stage][k / 8][batch row / 8][8][8] (4 x 8 KiB), 3 code stages
// [stage][index row][32 + 8] i32 (7680 bytes) and a ring of 4 chunks of
// packed words [stage][index row][32 x 12 / 32] i32 (3072 bytes): 109056
// bytes, the 128 x 128 f32 partials at offset 0 over them. No weight tile.
// CHECK-LABEL: func.func @register_wgmma
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c32, %{{.+}}, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c109056_i32
// B descriptor fields (no swizzling, in 16-byte units): 2048 bytes between
// core matrices along K (128 batch rows of 16 bytes), 128 along N.
// CHECK: gpu.func @vptq_matmul_0
// CHECK-DAG: %[[BFIELDS:.+]] = arith.constant 34368126976 : i64
// CHECK:   %[[IN:.+]] = memref.view %{{.+}}[%c65536][] : {{.*}} to memref<4x4x16x8x8xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[CODES:.+]] = memref.view %{{.+}}[%c98304][] : {{.*}} to memref<3x16x40xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[WORDS:.+]] = memref.view %{{.+}}[%c105984][] : {{.*}} to memref<4x16x12xi32, #gpu.address_space<workgroup>>
// CHECK-NOT: memref.view {{.*}}x8x8xf16
// Prologue: chunks 0 and 1's activations and chunks 0-3's packed words
// (16-byte copies, one group per chunk), a wait for all of them, a
// barrier, chunk 0's codes decoded from ring stage 0 into code stage 0
// (one code per thread and item), the fence and a barrier.
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[IN]][%c0, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}], 8
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[IN]][%c1, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}], 8
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[WORDS]][%c0, %{{.+}}, %{{.+}}], 4 {bypassL1} : memref<1x512x1536xi32>
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[WORDS]][%c1,
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[WORDS]][%c2,
// CHECK:   nvgpu.device_async_copy %{{.+}}, %[[WORDS]][%c3,
// CHECK:   nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK:   gpu.barrier
// CHECK:   memref.load %[[WORDS]][%c0,
// CHECK:   memref.store %{{.+}}, %[[CODES]][%c0, %{{.+}}, %{{.+}}] : memref<3x16x40xi32
// CHECK:   nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// CHECK:   gpu.barrier
// Per 32-column chunk: the lane's codes two at a time, its A fragments
// (two adjacent rows of a vector per code), the B descriptors, and only
// then wgmma.fence and two k16 steps, one m64n128k16 each with A from four
// registers and scale-d an immediate (no input register of a wgmma is
// defined after the fence: ptxas would serialize them), committed as one
// group ...
// CHECK:   scf.for
// CHECK:     vector.load %[[CODES]][%{{.+}}, %{{.+}}, %{{.+}}] {alignment = 8 : i64} : {{.*}}, vector<2xi32>
// CHECK:     vector.load %{{.+}}[%c0, %{{.+}}] {alignment = 4 : i64} : memref<1x32768xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// CHECK:     %[[DB:.+]] = arith.ori %{{.+}}, %[[BFIELDS]] : i64
// CHECK:     arith.ori %{{.+}}, %[[BFIELDS]] : i64
// CHECK-NEXT: nvvm.wgmma.fence.aligned
// CHECK-NEXT: llvm.inline_asm has_side_effects "{\0A.reg .pred p;\0Asetp.ne.b32 p, 1, 0;\0Awgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {$0, {{.*}}, $63}, {$128, $129, $130, $131}, $132, p, 1, 1, 0;\0A}", "=f,{{.*}},=f,0,1,{{.*}},63,r,r,r,r,l" {{.*}}, %[[DB]] :
// CHECK:     llvm.inline_asm has_side_effects {{.*}}m64n128k16.f32.f16.f16
// CHECK-NOT: llvm.inline_asm
// CHECK:     nvvm.wgmma.commit.group.sync.aligned
// ... then a wait that leaves only the newest copy group (chunk i + 3's
// words) in flight and the fence, and only after them (the fence waits for
// every copy in flight) chunk i + 2's activations and chunk i + 4's words;
// chunk i + 1's codes from its ring stage, and the wait for the chunk's
// wgmmas before the barrier.
// CHECK:     nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK-NEXT: nvvm.fence.proxy
// CHECK:     nvgpu.device_async_copy %{{.+}}, %[[IN]]
// CHECK:     nvgpu.device_async_copy %{{.+}}, %[[WORDS]]
// CHECK:     memref.load %[[WORDS]]
// CHECK:     memref.store %{{.+}}, %[[CODES]]
// CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:     gpu.barrier
// CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:   nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK:   gpu.barrier
// AMPERE: error: 'vptq.matmul' op tiling with register_wgmma needs warpgroup multiplies: an NVIDIA sm_90a chip (got sm_80)
func.func @register_wgmma(%x: memref<?x4096xf16>, %i: memref<1x512x1536xi32>,
                          %c: memref<1x32768xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x4096xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 128,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

// bf16 with a residual: split weights, so per step and tile two wgmmas
// (hi and lo parts). One warpgroup over 128 rows = two 64-row tiles (P = 2:
// each lane reads 4 rows of a vector), N = 64: 2 steps x 2 parts x 2 tiles
// per 32-column chunk. The 256 x 8 main codebook is replicated (8 copies);
// 16-bit codes make a ring of 4 x 16 rows x 16 words.
// CHECK-LABEL: func.func @register_wgmma_split
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c8, %{{.+}}, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c65024_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   memref.view %{{.+}}[%c36864][] : {{.*}} to memref<4x4x8x8x8xbf16, #gpu.address_space<workgroup>>
// CHECK:   memref.view %{{.+}}[%c53248][] : {{.*}} to memref<3x16x40xi32, #gpu.address_space<workgroup>>
// CHECK:   memref.view %{{.+}}[%c60928][] : {{.*}} to memref<4x16x16xi32, #gpu.address_space<workgroup>>
// CHECK:   scf.for
// CHECK-COUNT-8: llvm.inline_asm has_side_effects {{.*}}wgmma.mma_async.sync.aligned.m64n64k16.f32.bf16.bf16 {$0, {{.*}}, $31}, {$64, $65, $66, $67}, $68, p, 1, 1, 0;
// CHECK-NOT: llvm.inline_asm
// CHECK:     nvvm.wgmma.commit.group.sync.aligned
func.func @register_wgmma_split(%x: memref<?x2048xbf16>, %i: memref<1x128x1024xi32>,
                                %c: memref<1x2048xbf16>, %r: memref<1x2048xbf16>,
                                %y: memref<?x1024xbf16>) {
  vptq.matmul #vptq.vq<in_features = 2048, out_features = 1024, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256, packed = true>
      input(%x : memref<?x2048xbf16>) indices(%i : memref<1x128x1024xi32>)
      centroids(%c : memref<1x2048xbf16>) res_centroids(%r : memref<1x2048xbf16>)
      outs(%y : memref<?x1024xbf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 4, batch_tile = 64,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

// Unpacked indices have no word ring: each chunk's codes are loaded into
// registers an iteration before they are decoded (chunk i + 3's in
// iteration i), after the fence. 2040 columns leave a partial last chunk.
// CHECK-LABEL: func.func @register_wgmma_unpacked
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: memref.view {{.*}}xi32, #gpu.address_space<workgroup>> to memref<4x
// CHECK:   scf.for
// CHECK:     nvvm.wgmma.commit.group.sync.aligned
// CHECK:     nvgpu.device_async_wait %{{.+}} {numGroups = 1 : i32}
// CHECK:     nvvm.fence.proxy
// CHECK:     memref.store %{{.+}} : memref<3x16x40xi32
// CHECK:     memref.load %arg1
// CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:     gpu.barrier
func.func @register_wgmma_unpacked(%x: memref<?x2040xf16>, %i: memref<1x128x2040xi16>,
                                   %c: memref<1x32768xf16>, %y: memref<?x1024xf16>) {
  vptq.matmul #vptq.vq<in_features = 2040, out_features = 1024, vector_len = 8,
                       num_centroids = 4096>
      input(%x : memref<?x2040xf16>) indices(%i : memref<1x128x2040xi16>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x1024xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 64,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

// 2056 packed columns: 65 chunks of 32, the last partial: its codes past
// the group decode to 0 (and its weights are zero); 771 words per row
// take 4-byte word copies.
// CHECK-LABEL: func.func @register_wgmma_partial_chunk
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   nvgpu.device_async_copy %{{.+}}, 1 : memref<1x128x771xi32>
// CHECK:   %[[IN:.+]] = arith.cmpi ult, %{{.+}}, %c2056 : index
// CHECK:   arith.select %[[IN]], %{{.+}}, %c0_i32 : i32
// CHECK:   scf.for %{{.+}} = %c0 to %c2056 step %c32
func.func @register_wgmma_partial_chunk(%x: memref<?x2056xf16>, %i: memref<1x128x771xi32>,
                                        %c: memref<1x32768xf16>, %y: memref<?x1024xf16>) {
  vptq.matmul #vptq.vq<in_features = 2056, out_features = 1024, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x2056xf16>) indices(%i : memref<1x128x771xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x1024xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 64,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

// A permutation gathers the activations with loads and stores (no copy
// group to wait for), but the ring's copies of chunks past the group's end
// are still in flight after the loop: the kernel waits for every copy
// before the barrier after which the partials, over the ring, are written
// (a global 65536-entry codebook leaves the ring inside them).
// CHECK-LABEL: func.func @register_wgmma_perm
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[IN:.+]] = memref.view %{{.+}} to memref<4x4x16x8x8xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[WORDS:.+]] = memref.view %{{.+}} to memref<4x16x16xi32, #gpu.address_space<workgroup>>
// CHECK-NOT: nvgpu.device_async_copy %{{.+}}, %[[IN]]
// CHECK:   scf.for
// CHECK:     memref.store %{{.+}}, %[[IN]]
// CHECK:     nvgpu.device_async_copy %{{.+}}, %[[WORDS]]
// CHECK:     nvvm.wgmma.wait.group.sync.aligned 0
// CHECK:     gpu.barrier
// CHECK:   nvvm.wgmma.wait.group.sync.aligned 0
// CHECK-NEXT: nvgpu.device_async_wait %{{.+}} {numGroups = 0 : i32}
// CHECK-NEXT: gpu.barrier
// CHECK:   memref.store %{{.+}} : memref<1x128x128xf32, #gpu.address_space<workgroup>>
func.func @register_wgmma_perm(%x: memref<?x1024xf16>, %i: memref<1x128x512xi32>,
                               %c: memref<1x524288xf16>, %p: memref<1024xi16>,
                               %s: memref<1024xf16>, %sb: memref<1024xf16>,
                               %y: memref<?x1024xf16>) {
  vptq.matmul #vptq.vq<in_features = 1024, out_features = 1024, vector_len = 8,
                       num_centroids = 65536, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x1024xf16>) indices(%i : memref<1x128x512xi32>)
      centroids(%c : memref<1x524288xf16>) perm(%p : memref<1024xi16>)
      weight_scale(%s : memref<1024xf16>) weight_bias(%sb : memref<1024xf16>)
      outs(%y : memref<?x1024xf16>)
      {placement = #vptq.placement<centroids = global, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 128,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}
