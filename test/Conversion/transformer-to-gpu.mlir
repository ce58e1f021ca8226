// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.rms_norm --implicit-check-not=vptq.attention --implicit-check-not=vptq.add

// The transformer ops on a GPU: one kernel each, row t in block row t
// (grid (grid_x, T)).

// rms_norm: one block of 256 threads per row; the sum of squares is reduced
// with warp shuffles, then across the 8 warps through workgroup memory.
// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[T:.*]] = memref.dim %arg0, %c0
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rms_norm_0 blocks in (%c1, %[[T]], %c1) threads in (%c256, %c1, %c1)
// CHECK-SAME: vptq.launch = {batch_tile = 1 : i64, block_size = 256 : i64, grid_x = 1 : i64, kernel = "vptq_rms_norm_0", op = "rms_norm", shared_bytes = 0 : i64}
// CHECK: gpu.func @vptq_rms_norm_0(%{{.*}}) workgroup(%[[SCRATCH:.*]] : memref<8xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   scf.for %{{.*}} = %[[TID]] to %c4096 step %c256
// CHECK:   gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK:   gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:   memref.store %{{.*}}, %[[SCRATCH]]
// CHECK:   gpu.barrier
// CHECK:   memref.load %[[SCRATCH]][%c7]
// CHECK:   gpu.barrier
// CHECK:   math.rsqrt
func.func @rms_norm(%x: memref<?x4096xf16>, %w: memref<4096xf16>) {
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x4096xf16>, memref<4096xf16>, memref<?x4096xf16>
  return
}

// -----

// attention: a block of 16 warps per (head, row), grid (32 heads, T). Warp
// w runs the online softmax over positions w, w + 16, ...; its lanes split
// the 128 head dimensions (4 slots, lane + 32 s), load key and value rows
// together and reduce each score with xor shuffles. The warps' max, sum and
// weighted value sums meet in workgroup memory, combined by a thread per
// head dimension.
// CHECK-LABEL: func.func @attention
// CHECK: gpu.launch_func @vptq_kernels::@vptq_attention_0 blocks in (%c32, %{{.*}}, %c1) threads in (%c512, %c1, %c1)
// CHECK-SAME: grid_x = 32 : i64
// CHECK: gpu.func @vptq_attention_0({{.*}}) workgroup(%[[STATS:.*]] : memref<32xf32, #gpu.address_space<workgroup>>, %[[SUMS:.*]] : memref<2048xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:   %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK:   %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK:   %[[HEAD:.*]] = gpu.block_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[QBASE:.*]] = arith.muli %[[HEAD]], %c128
// CHECK:   %[[KVH:.*]] = arith.divui %[[HEAD]], %c4
// CHECK:   %[[KVBASE:.*]] = arith.muli %[[KVH]], %c128
// CHECK:   %[[Q:.*]] = vector.from_elements {{.*}} : vector<4xf32>
// CHECK:   scf.for %[[J:.*]] = %[[WARP]] to %{{.*}} step %c16 iter_args({{.*}}) -> (f32, f32, vector<4xf32>)
// CHECK-COUNT-4: memref.load %arg1[%[[J]],
// CHECK-COUNT-4: memref.load %arg2[%[[J]],
// CHECK:     arith.mulf %[[Q]]
// CHECK:     vector.reduction <add>
// CHECK:     gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK:     gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:     arith.maximumf
// CHECK:     math.exp
// CHECK:     math.exp
// CHECK:     vector.fma
// CHECK-COUNT-4: memref.store %{{.*}}, %[[SUMS]]
// CHECK:   scf.if
// CHECK:     memref.store %{{.*}}, %[[STATS]]
// CHECK:     memref.store %{{.*}}, %[[STATS]]
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[D:.*]] = %{{.*}} to %c128 step %c512
// CHECK:     memref.load %[[STATS]][%c30]
// CHECK:     math.exp
// CHECK:     arith.divf
// CHECK:     memref.store %{{.*}}, %arg4[%[[ROW]], %{{.*}}] : memref<?x4096xf16>
func.func @attention(%q: memref<?x4096xf16>, %kc: memref<2048x1024xf16>, %vc: memref<2048x1024xf16>, %p: memref<?xi32>, %o: memref<?x4096xf16>) {
  vptq.attention %q, %kc, %vc, %p, %o {num_heads = 32 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64, scale = 0.088388347648318 : f64} : memref<?x4096xf16>, memref<2048x1024xf16>, memref<2048x1024xf16>, memref<?xi32>, memref<?x4096xf16>
  return
}

// -----

// Element-wise ops spread a row over ceil(width / 256) blocks, a thread per
// element.
// CHECK-LABEL: func.func @elementwise
// CHECK: gpu.launch_func @vptq_kernels::@vptq_silu_mul_0 blocks in (%c43, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_add_1 blocks in (%c43, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rotary_2 blocks in (%c8, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_gather_rows_3 blocks in (%c16, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_scatter_rows_4 blocks in (%c4, %{{.*}}, %c1)
// CHECK: gpu.func @vptq_silu_mul_0
// CHECK:   %[[BX:.*]] = gpu.block_id x
// CHECK:   %[[BASE:.*]] = arith.muli %[[BX]], %c256
// CHECK:   %[[I:.*]] = arith.addi %[[BASE]], %{{.*}}
// CHECK:   scf.for %{{.*}} = %[[I]] to %c11008 step %c11008
// CHECK:     math.exp
func.func @elementwise(%g: memref<?x11008xf16>, %u: memref<?x11008xf16>,
                       %x: memref<?x4096xf16>, %p: memref<?xi32>,
                       %inv: memref<64xf32>, %e: memref<32000x4096xf16>,
                       %k: memref<?x1024xf16>, %kc: memref<2048x1024xf16>) {
  vptq.silu_mul %g, %u, %g : memref<?x11008xf16>, memref<?x11008xf16>, memref<?x11008xf16>
  vptq.add %g, %u, %g : memref<?x11008xf16>, memref<?x11008xf16>, memref<?x11008xf16>
  vptq.rotary %x, %p, %inv, %x {head_dim = 128 : i64} : memref<?x4096xf16>, memref<?xi32>, memref<64xf32>, memref<?x4096xf16>
  vptq.gather_rows %e, %p, %x : memref<32000x4096xf16>, memref<?xi32>, memref<?x4096xf16>
  vptq.scatter_rows %k, %p, %kc : memref<?x1024xf16>, memref<?xi32>, memref<2048x1024xf16>
  return
}
