// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.rms_norm --implicit-check-not=vptq.attention --implicit-check-not=vptq.add --implicit-check-not=vptq.rotary_append --implicit-check-not=vptq.rotary_attention

// The transformer ops on a GPU: one kernel each, row t in block row t
// (grid (grid_x, T)).

// rms_norm: one block of 256 threads per row, 16-byte steps (512 steps of
// 8 x f16 for 4096 columns, two per thread, held in registers between the
// passes): both steps' inputs and weights are loaded first, the sum of
// squares is reduced with warp shuffles, then across the 8 warps through
// workgroup memory, and the outputs are stored without reloading anything.
// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[T:.*]] = memref.dim %arg0, %c0
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rms_norm_0 blocks in (%c1, %[[T]], %c1) threads in (%c256, %c1, %c1)
// CHECK-SAME: vptq.launch = {batch_tile = 1 : i64, block_size = 256 : i64, grid_dependency = true, grid_x = 1 : i64, kernel = "vptq_rms_norm_0", op = "rms_norm", shared_bytes = 0 : i64}
// CHECK: gpu.func @vptq_rms_norm_0(%{{.*}}) workgroup(%[[SCRATCH:.*]] : memref<8xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[AT0:.*]] = arith.muli %[[TID]], %c8
// CHECK:   vector.load %arg2[%[[ROW]], %[[AT0]]] {alignment = 16 : i64} : memref<?x4096xf16>, vector<8xf16>
// CHECK:   vector.load %arg1[%[[AT0]]] {alignment = 16 : i64} : memref<4096xf16>, vector<8xf16>
// CHECK:   %[[G1:.*]] = arith.addi %[[TID]], %c256
// CHECK:   %[[AT1:.*]] = arith.muli %[[G1]], %c8
// CHECK:   vector.load %arg2[%[[ROW]], %[[AT1]]]
// CHECK:   vector.load %arg1[%[[AT1]]]
// CHECK:   gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK:   gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:   memref.store %{{.*}}, %[[SCRATCH]]
// CHECK:   gpu.barrier
// CHECK:   memref.load %[[SCRATCH]][%c7]
// CHECK:   gpu.barrier
// CHECK:   math.rsqrt
// CHECK-NOT: vector.load
// CHECK:   vector.store %{{.*}}, %arg2[%[[ROW]], %[[AT0]]] {alignment = 16 : i64} : memref<?x4096xf16>, vector<8xf16>
// CHECK-NOT: vector.load
// CHECK:   vector.store %{{.*}}, %arg2[%[[ROW]], %[[AT1]]] {alignment = 16 : i64} : memref<?x4096xf16>, vector<8xf16>
// CHECK:   gpu.return
func.func @rms_norm(%x: memref<?x4096xf16>, %w: memref<4096xf16>) {
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x4096xf16>, memref<4096xf16>, memref<?x4096xf16>
  return
}

// -----

// add_rms_norm: the same block shape and held steps; the first pass
// stores residual + delta (rounded to f16) and sums the squares of the
// rounded values, which the second pass normalizes from registers.
// CHECK-LABEL: func.func @add_rms_norm
// CHECK: gpu.launch_func @vptq_kernels::@vptq_add_rms_norm_0 blocks in (%c1, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.func @vptq_add_rms_norm_0
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[AT0:.*]] = arith.muli %[[TID]], %c8
// CHECK:   %[[X0:.*]] = vector.load %arg0[%[[ROW]], %[[AT0]]]
// CHECK:   %[[D0:.*]] = vector.load %arg1[%[[ROW]], %[[AT0]]]
// CHECK:   vector.load %arg2[%[[AT0]]]
// CHECK:   %[[AT1:.*]] = arith.muli %{{.*}}, %c8
// CHECK:   vector.load %arg0[%[[ROW]], %[[AT1]]]
// CHECK:   vector.load %arg1[%[[ROW]], %[[AT1]]]
// CHECK:   vector.load %arg2[%[[AT1]]]
// CHECK:   %[[SUM:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
// CHECK:   %[[ROUNDED:.*]] = arith.extf %[[SUM]] : vector<8xf16> to vector<8xf32>
// CHECK:   vector.store %[[SUM]], %arg0[%[[ROW]], %[[AT0]]] {alignment = 16 : i64}
// CHECK:   arith.mulf %[[ROUNDED]], %[[ROUNDED]]
// CHECK:   vector.store %{{.*}}, %arg0[%[[ROW]], %[[AT1]]] {alignment = 16 : i64}
// CHECK:   gpu.barrier
// CHECK:   math.rsqrt
// CHECK-NOT: vector.load
// CHECK:   vector.store %{{.*}}, %arg3[%[[ROW]], %[[AT0]]]
// CHECK-NOT: vector.load
// CHECK:   vector.store %{{.*}}, %arg3[%[[ROW]], %[[AT1]]]
// CHECK:   gpu.return
func.func @add_rms_norm(%x: memref<?x4096xf16>, %d: memref<?x4096xf16>, %w: memref<4096xf16>, %y: memref<?x4096xf16>) {
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x4096xf16>, memref<?x4096xf16>, memref<4096xf16>, memref<?x4096xf16>
  return
}

// -----

// A row whose steps do not divide over the lanes (32 steps of 4 x f32 on
// 256 threads): each pass loops over the thread's steps, and the second
// reads the stored sums back.
// CHECK-LABEL: func.func @add_rms_norm_narrow
// CHECK: gpu.func @vptq_add_rms_norm_0
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   scf.for %[[G:.*]] = %[[TID]] to %c32 step %c256
// CHECK:     vector.load %arg1[%{{.*}}] {alignment = 16 : i64} : memref<?x128xf32>, vector<4xf32>
// CHECK:     vector.store
// CHECK:   math.rsqrt
// CHECK:   scf.for %[[G2:.*]] = %[[TID]] to %c32 step %c256
// CHECK:     vector.load %arg0
// CHECK:     vector.load %arg2
// CHECK:     vector.store %{{.*}}, %arg3
func.func @add_rms_norm_narrow(%x: memref<?x128xf32>, %d: memref<?x128xf32>, %w: memref<128xf32>, %y: memref<?x128xf32>) {
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x128xf32>, memref<?x128xf32>, memref<128xf32>, memref<?x128xf32>
  return
}

// -----

// attention: a block of 16 warps per (head, row), grid (32 heads, T). Warp
// w runs the online softmax over positions w, w + 16, ..., 4 of them per
// step (w, w + 16, w + 32, w + 48: every key and value row of the step loaded
// first, 8-byte vectors of 4 consecutive head dimensions per lane, lane *
// 4 + s; positions past the row's last load the last row again and score
// -inf); each score is reduced with xor shuffles. The warps' max, sum and
// weighted value sums meet in workgroup memory, combined by a thread per
// head dimension.
// CHECK-LABEL: func.func @attention
// CHECK: gpu.launch_func @vptq_kernels::@vptq_attention_0 blocks in (%c32, %{{.*}}, %c1) threads in (%c512, %c1, %c1)
// CHECK-SAME: grid_x = 32 : i64
// CHECK: gpu.func @vptq_attention_0({{.*}}) workgroup(%[[STATS:.*]] : memref<32xf32, #gpu.address_space<workgroup>>, %[[SUMS:.*]] : memref<2048xf32, #gpu.address_space<workgroup>>) kernel
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:   %[[WARP:.*]] = arith.divui %{{.*}}, %c32
// CHECK:   %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK:   %[[HEAD:.*]] = gpu.block_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[QBASE:.*]] = arith.muli %[[HEAD]], %c128
// CHECK:   %[[KVH:.*]] = arith.divui %[[HEAD]], %c4
// CHECK:   %[[KVBASE:.*]] = arith.muli %[[KVH]], %c128
// CHECK:   %[[LAST:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK:   %[[END:.*]] = arith.addi %[[LAST]], %c1
// CHECK:   %[[SLOT0:.*]] = arith.muli %[[LANE]], %c4
// CHECK:   %[[QAT:.*]] = arith.addi %[[QBASE]], %[[SLOT0]]
// CHECK:   %[[Q16:.*]] = vector.load %arg0[%[[ROW]], %[[QAT]]] {alignment = 8 : i64} : memref<?x4096xf16>, vector<4xf16>
// CHECK:   %[[Q:.*]] = arith.extf %[[Q16]]
// CHECK:   scf.for %[[J:.*]] = %[[WARP]] to %[[END]] step %c64 iter_args({{.*}}) -> (f32, f32, vector<4xf32>)
// CHECK:     %[[KVAT:.*]] = arith.addi %[[KVBASE]], %[[SLOT0]]
// CHECK:     vector.load %arg1[%[[J]], %[[KVAT]]] {alignment = 8 : i64} : memref<2048x1024xf16>, vector<4xf16>
// CHECK:     vector.load %arg2[%[[J]], %[[KVAT]]] {alignment = 8 : i64} : memref<2048x1024xf16>, vector<4xf16>
// CHECK:     %[[J1:.*]] = arith.addi %[[J]], %c16
// CHECK:     %[[VALID1:.*]] = arith.cmpi ult, %[[J1]], %[[END]]
// CHECK:     %[[AT1:.*]] = arith.minui %[[J1]], %[[LAST]]
// CHECK:     vector.load %arg1[%[[AT1]], %[[KVAT]]]
// CHECK:     vector.load %arg2[%[[AT1]], %[[KVAT]]]
// CHECK:     vector.load %arg1
// CHECK:     vector.load %arg2
// CHECK:     vector.load %arg1
// CHECK:     vector.load %arg2
// CHECK-NOT: vector.load
// CHECK:     arith.mulf %[[Q]]
// CHECK:     vector.reduction <add>
// CHECK:     gpu.shuffle xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK:     gpu.shuffle xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:     arith.mulf %[[Q]]
// CHECK:     gpu.shuffle xor
// CHECK:     %[[S1:.*]] = arith.mulf %{{.*}}, %cst
// CHECK:     arith.select %[[VALID1]], %[[S1]], %[[NEGINF]] : f32
// CHECK-COUNT-4: arith.maximumf
// CHECK:     math.exp
// CHECK-COUNT-4: vector.fma
// CHECK:     scf.yield
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

// vptq.rotary_attention: attention's grid and block, after appends that
// every (head, row) block makes before a barrier: 32 rotary steps of 2
// pairs rotate its query head in place, then each row of the call takes 32
// key steps (the block's KV head, into key_cache at the row's position)
// and 16 value copies of 8 elements: 32 + 48 T steps over 512 threads.
// Attention then reads the rotated query and the caches as vptq.attention
// does, and stores into the output.
// CHECK-LABEL: func.func @rotary_attention
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rotary_attention_0 blocks in (%c32, %{{.*}}, %c1) threads in (%c512, %c1, %c1)
// CHECK-SAME: grid_dependency = true, grid_x = 32 : i64, kernel = "vptq_rotary_attention_0", op = "rotary_attention"
// CHECK: gpu.func @vptq_rotary_attention_0({{.*}}) workgroup(%{{.*}} : memref<32xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<2048xf32, #gpu.address_space<workgroup>>) kernel
// CHECK:   %[[TID:.*]] = gpu.thread_id x
// CHECK:   %[[HEAD:.*]] = gpu.block_id x
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[KVH:.*]] = arith.divui %[[HEAD]], %c4
// CHECK:   %[[T:.*]] = memref.dim %arg0, %c0
// CHECK:   %[[KV_STEPS:.*]] = arith.muli %[[T]], %c48
// CHECK:   %[[STEPS:.*]] = arith.addi %[[KV_STEPS]], %c32
// CHECK:   scf.for %[[J:.*]] = %[[TID]] to %[[STEPS]] step %c512
// CHECK:     %[[IS_Q:.*]] = arith.cmpi ult, %[[J]], %c32
// CHECK:     scf.if %[[IS_Q]]
// CHECK:       memref.load %arg3[%[[ROW]]]
// CHECK:       math.cos
// CHECK:       math.sin
// CHECK:       %[[QLO:.*]] = vector.load %arg0[%[[ROW]], %[[LO:.*]]] {alignment = 4 : i64} : memref<?x4096xf16>, vector<2xf16>
// CHECK:       vector.load %arg0[%[[ROW]], %[[HI:.*]]] {alignment = 4 : i64}
// CHECK:       vector.store %{{.*}}, %arg0[%[[ROW]], %[[LO]]]
// CHECK:       vector.store %{{.*}}, %arg0[%[[ROW]], %[[HI]]]
// CHECK:     } else {
// CHECK:       %[[ITEM:.*]] = arith.subi %[[J]], %c32
// CHECK:       %[[R:.*]] = arith.divui %[[ITEM]], %c48
// CHECK:       %[[STEP:.*]] = arith.remui %[[ITEM]], %c48
// CHECK:       %[[POS:.*]] = memref.load %arg3[%[[R]]]
// CHECK:       %[[AT:.*]] = arith.index_cast %[[POS]] : i32 to index
// CHECK:       %[[KFIRST:.*]] = arith.muli %[[KVH]], %c32
// CHECK:       %[[VFIRST:.*]] = arith.muli %[[KVH]], %c16
// CHECK:       %[[IS_K:.*]] = arith.cmpi ult, %[[STEP]], %c32
// CHECK:       scf.if %[[IS_K]]
// CHECK:         arith.addi %[[KFIRST]], %[[STEP]]
// CHECK:         vector.load %arg1[%[[R]], %{{.*}}] {alignment = 4 : i64} : memref<?x1024xf16>, vector<2xf16>
// CHECK:         vector.load %arg1[%[[R]], %{{.*}}] {alignment = 4 : i64} : memref<?x1024xf16>, vector<2xf16>
// CHECK:         vector.store %{{.*}}, %arg5[%[[AT]], %{{.*}}] {alignment = 4 : i64} : memref<2048x1024xf16>, vector<2xf16>
// CHECK:         vector.store %{{.*}}, %arg5[%[[AT]], %{{.*}}] {alignment = 4 : i64} : memref<2048x1024xf16>, vector<2xf16>
// CHECK:       } else {
// CHECK:         %[[VSTEP:.*]] = arith.subi %[[STEP]], %c32
// CHECK:         arith.addi %[[VFIRST]], %[[VSTEP]]
// CHECK:         %[[V:.*]] = vector.load %arg2[%[[R]], %{{.*}}] {alignment = 16 : i64} : memref<?x1024xf16>, vector<8xf16>
// CHECK:         vector.store %[[V]], %arg6[%[[AT]], %{{.*}}] {alignment = 16 : i64} : memref<2048x1024xf16>, vector<8xf16>
// CHECK:   gpu.barrier
// CHECK-NOT: vector.store
// CHECK:   vector.load %arg0[%[[ROW]], %{{.*}}] {alignment = 8 : i64} : memref<?x4096xf16>, vector<4xf16>
// CHECK:   scf.for
// CHECK:     vector.load %arg5[
// CHECK:     vector.load %arg6[
// CHECK:   gpu.barrier
// CHECK:     memref.store %{{.*}}, %arg7[%[[ROW]], %{{.*}}] : memref<?x4096xf16>
func.func @rotary_attention(%q: memref<?x4096xf16>, %k: memref<?x1024xf16>, %v: memref<?x1024xf16>, %p: memref<?xi32>, %f: memref<64xf32>, %kc: memref<2048x1024xf16>, %vc: memref<2048x1024xf16>, %o: memref<?x4096xf16>) {
  vptq.rotary_attention %q, %k, %v, %p, %f, %kc, %vc, %o {num_heads = 32 : i64, num_kv_heads = 8 : i64, head_dim = 128 : i64, scale = 0.088388347648318 : f64} : memref<?x4096xf16>, memref<?x1024xf16>, memref<?x1024xf16>, memref<?xi32>, memref<64xf32>, memref<2048x1024xf16>, memref<2048x1024xf16>, memref<?x4096xf16>
  return
}

// -----

// Element-wise ops spread a row's 16-byte steps over ceil(steps / 256)
// blocks, a thread per step: silu_mul and add 11008 / 8 = 1376 steps (6
// blocks), gather_rows 512 (2), scatter_rows 128 (1); rotary steps of 2
// pairs (a sine and a cosine each), 4096 / 2 / 2 = 1024 (4).
// CHECK-LABEL: func.func @elementwise
// CHECK: gpu.launch_func @vptq_kernels::@vptq_silu_mul_0 blocks in (%c6, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_add_1 blocks in (%c6, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rotary_2 blocks in (%c4, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_gather_rows_3 blocks in (%c2, %{{.*}}, %c1)
// CHECK: gpu.launch_func @vptq_kernels::@vptq_scatter_rows_4 blocks in (%c1, %{{.*}}, %c1)
// CHECK: gpu.func @vptq_silu_mul_0
// CHECK:   %[[BX:.*]] = gpu.block_id x
// CHECK:   %[[BASE:.*]] = arith.muli %[[BX]], %c256
// CHECK:   %[[I:.*]] = arith.addi %[[BASE]], %{{.*}}
// CHECK:   scf.for %[[G:.*]] = %[[I]] to %c1376 step %c1536
// CHECK:     %[[AT:.*]] = arith.muli %[[G]], %c8
// CHECK:     vector.load %arg{{[0-9]}}[%{{.*}}, %[[AT]]] {alignment = 16 : i64} : memref<?x11008xf16>, vector<8xf16>
// CHECK-COUNT-8: math.exp
// CHECK:     vector.store %{{.*}}, %arg{{[0-9]}}[%{{.*}}, %[[AT]]] {alignment = 16 : i64} : memref<?x11008xf16>, vector<8xf16>
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

// -----

// rotary_append: the query's rotary steps (4096 / 2 / 2 = 1024), then the
// key's (256, into the key cache row positions[t]), then the value's
// 16-byte copies (128, into the value cache): 1408 steps over ceil(1408 /
// 256) = 6 blocks of a row, a thread per step.
// CHECK-LABEL: func.func @rotary_append
// CHECK: gpu.launch_func @vptq_kernels::@vptq_rotary_append_0 blocks in (%c6, %{{.*}}, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.func @vptq_rotary_append_0(%[[Q:[^:]*]]: memref<?x4096xf16>, %[[K:[^:]*]]: memref<?x1024xf16>, %[[V:[^:]*]]: memref<?x1024xf16>, %[[P:[^:]*]]: memref<?xi32>, %{{[^:]*}}: memref<64xf32>, %[[KC:[^:]*]]: memref<2048x1024xf16>, %[[VC:[^:]*]]: memref<2048x1024xf16>)
// CHECK:   %[[ROW:.*]] = gpu.block_id y
// CHECK:   %[[POS:.*]] = memref.load %[[P]][%[[ROW]]] : memref<?xi32>
// CHECK:   %[[TARGET:.*]] = arith.index_cast %[[POS]] : i32 to index
// CHECK:   scf.for %[[J:.*]] = %{{.*}} to %c1408 step %c1536
// CHECK:     %[[ISQ:.*]] = arith.cmpi ult, %[[J]], %c1024
// CHECK:     scf.if %[[ISQ]] {
// CHECK-COUNT-2: math.cos
// CHECK-COUNT-2: math.sin
// CHECK:       vector.load %[[Q]][%[[ROW]], %{{.*}}] {alignment = 4 : i64} : memref<?x4096xf16>, vector<2xf16>
// CHECK:       vector.store %{{.*}}, %[[Q]][%[[ROW]], %{{.*}}] {alignment = 4 : i64}
// CHECK:       vector.store %{{.*}}, %[[Q]][%[[ROW]], %{{.*}}] {alignment = 4 : i64}
// CHECK:     } else {
// CHECK:       %[[KJ:.*]] = arith.subi %[[J]], %c1024
// CHECK:       %[[ISK:.*]] = arith.cmpi ult, %[[KJ]], %c256
// CHECK:       scf.if %[[ISK]] {
// CHECK:         vector.load %[[K]][%[[ROW]], %{{.*}}] {alignment = 4 : i64} : memref<?x1024xf16>, vector<2xf16>
// CHECK:         vector.store %{{.*}}, %[[KC]][%[[TARGET]], %{{.*}}] {alignment = 4 : i64}
// CHECK:         vector.store %{{.*}}, %[[KC]][%[[TARGET]], %{{.*}}] {alignment = 4 : i64}
// CHECK:       } else {
// CHECK:         %[[VJ:.*]] = arith.subi %[[J]], %c1280
// CHECK:         %[[AT:.*]] = arith.muli %[[VJ]], %c8
// CHECK:         %[[VAL:.*]] = vector.load %[[V]][%[[ROW]], %[[AT]]] {alignment = 16 : i64} : memref<?x1024xf16>, vector<8xf16>
// CHECK:         vector.store %[[VAL]], %[[VC]][%[[TARGET]], %[[AT]]] {alignment = 16 : i64} : memref<2048x1024xf16>, vector<8xf16>
func.func @rotary_append(%q: memref<?x4096xf16>, %k: memref<?x1024xf16>, %v: memref<?x1024xf16>, %p: memref<?xi32>, %inv: memref<64xf32>, %kc: memref<2048x1024xf16>, %vc: memref<2048x1024xf16>) {
  vptq.rotary_append %q, %k, %v, %p, %inv, %kc, %vc {head_dim = 128 : i64} : memref<?x4096xf16>, memref<?x1024xf16>, memref<?x1024xf16>, memref<?xi32>, memref<64xf32>, memref<2048x1024xf16>, memref<2048x1024xf16>
  return
}
