// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=nvgpu.ldmatrix

// Tensor-core kernels that read their codes straight into registers with
// activations staged per column group (#vptq.tiling staged_inputs): the
// group's threads copy each chunk's activations into one of two stages of
// its input tile (asynchronous 16-byte copies), and every warp reads its
// lanes' runs of activations from there (lane (g, q): batch row g of each
// 8-row tile, the k_chunk / 4 columns from q * k_chunk / 4) instead of
// loading them from global memory.

// 64 rows (4 tiles) and batch tiles of 64: 2-tile groups keep 64
// accumulators, so 2 row warps x 2 column groups. Each group's tile is
// [2 stages][64 rows][32 columns] f16, unpadded (64-byte rows: two rows
// of four 16-byte pieces fill one 128-byte wavefront).
// CHECK-LABEL: func.func @staged
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c1, %{{.+}}, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c81920_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[WARP:.+]] = arith.divui %thread_id_x, %c32 : index
// CHECK:   %[[COLW:.+]] = arith.divui %[[WARP]], %c2 : index
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[Q:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:   %[[TILE:.+]] = memref.view %{{.+}}[%c65536][] : {{.*}} to memref<2x2x64x32xf16, #gpu.address_space<workgroup>>
// The codebook copy; then the group (named barrier 1 + column group, 64
// threads) is done with the tile before chunk 32 cg (clamped to 224) is
// copied into stage 0 and waited for.
// CHECK:   gpu.barrier
// CHECK:   gpu.barrier
// CHECK:   %[[START:.+]] = arith.muli %[[COLW]], %c32 : index
// CHECK:   %[[ID1:.+]] = arith.addi %[[COLW]], %c1 : index
// CHECK:   %[[ID:.+]] = arith.index_castui %[[ID1]] : index to i32
// CHECK:   nvvm.barrier id = %[[ID]] number_of_threads = %c64_i32
// CHECK:   %[[CLAMP:.+]] = arith.minui %[[START]], %c224 : index
// CHECK:   nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %[[TILE]][%c0, %[[COLW]], %{{.+}}, %{{.+}}], 8, %{{.+}} {bypassL1}
// CHECK-COUNT-3: nvgpu.device_async_copy %arg0
// CHECK:   %[[FIRST:.+]] = nvgpu.device_async_create_group
// CHECK:   nvgpu.device_async_wait %[[FIRST]] {numGroups = 0 : i32}
// Chunks cg, cg + 2: 64 accumulators and the lane's 3 code words carried.
// Iteration i: the group barrier (chunk i in place, stage 1 - i mod 2
// free), chunk i + 1's copies into that stage, its code words (pinned),
// the multiply from stage i mod 2, then this thread's copies waited for.
// CHECK:   scf.for %[[K0:.+]] = %[[START]] to %c256 step %c64 iter_args({{.*}}) -> (f32, {{.*}}, f32, i32, i32, i32) {
// CHECK:     %[[REL:.+]] = arith.subi %[[K0]], %[[START]] : index
// CHECK:     %[[STEP:.+]] = arith.divui %[[REL]], %c64 : index
// CHECK:     %[[CUR:.+]] = arith.remui %[[STEP]], %c2 : index
// CHECK:     %[[OTHER:.+]] = arith.subi %c1, %[[CUR]] : index
// CHECK:     nvvm.barrier id = %[[ID]] number_of_threads = %c64_i32
// CHECK:     nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %[[TILE]][%[[OTHER]], %[[COLW]], %{{.+}}, %{{.+}}], 8
// CHECK-COUNT-3: nvgpu.device_async_copy %arg0
// CHECK:     %[[NEXT:.+]] = nvgpu.device_async_create_group
// CHECK-COUNT-3: memref.load %arg1
// CHECK:     llvm.inline_asm has_side_effects "", "r,r,r"
// 2-tile groups: 8-byte reads of the codebook (elements 4g mod 8 ..).
// CHECK-COUNT-8: vector.load %{{.+}} {alignment = 8 : i64} : memref<1x32768xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// Batch tile 0: one 16-byte read of the lane's run (row g, column 8q) of
// the current stage serves both steps and both tiles: 4 mma.
// CHECK:     scf.if
// CHECK:       %[[C8Q:.+]] = arith.muli %[[Q]], %c8 : index
// CHECK:       %[[XS:.+]] = vector.load %[[TILE]][%[[CUR]], %[[COLW]], %[[G]], %[[C8Q]]] {alignment = 16 : i64} : memref<2x2x64x32xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK:       vector.shuffle %[[XS]], %[[XS]] [0, 1]
// CHECK:       vector.shuffle %[[XS]], %[[XS]] [2, 3]
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK:       vector.shuffle %[[XS]], %[[XS]] [4, 5]
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK:       scf.yield
// Batch tile 1: row g + 8.
// CHECK:     scf.if
// CHECK:       %[[G8:.+]] = arith.addi %[[G]], %c8 : index
// CHECK:       vector.load %[[TILE]][%[[CUR]], %[[COLW]], %[[G8]], %{{.+}}] {alignment = 16 : i64}
// CHECK-COUNT-4: nvvm.mma.sync
// 6 more batch tiles, 4 mma each.
// CHECK-COUNT-24: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK:     nvgpu.device_async_wait %[[NEXT]] {numGroups = 0 : i32}
// CHECK:   gpu.barrier
func.func @staged(%x: memref<?x256xf16>, %i: memref<1x8x96xi32>,
                  %c: memref<1x32768xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 64, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x96xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x64xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 64,
                             k_chunk = 32, mma = true, staged_inputs = true>}
  return
}

// -----

// One warp per column group (a warp sync instead of a named barrier) and
// 64-column chunks: 128-byte rows padded by 16 bytes (72 elements), so that
// rows g and g + 1 of one 8-lane phase land on different banks; a lane's
// run of 16 columns is two 16-byte reads.
// CHECK-LABEL: func.func @staged_padded
// CHECK: dynamic_shared_memory_size %c74752_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[TILE:.+]] = memref.view %{{.+}}[%c65536][] : {{.*}} to memref<2x2x16x72xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: nvvm.barrier id
// CHECK:   nvvm.bar.warp.sync %c-1_i32 : i32
// CHECK:   nvgpu.device_async_wait
// CHECK:   scf.for
// CHECK:     nvvm.bar.warp.sync %c-1_i32 : i32
// CHECK:     scf.if
// CHECK:       %[[C16Q:.+]] = arith.muli %{{.+}}, %c16 : index
// CHECK:       vector.load %[[TILE]][%{{.+}}, %{{.+}}, %{{.+}}, %[[C16Q]]] {alignment = 16 : i64} : memref<2x2x16x72xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK:       %[[C8:.+]] = arith.addi %[[C16Q]], %c8 : index
// CHECK:       vector.load %[[TILE]][%{{.+}}, %{{.+}}, %{{.+}}, %[[C8]]] {alignment = 16 : i64} : memref<2x2x16x72xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK-NOT: nvvm.barrier id
func.func @staged_padded(%x: memref<?x256xf16>, %i: memref<1x4x96xi32>,
                         %c: memref<1x32768xf16>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 32, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x4x96xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 64, mma = true, staged_inputs = true>}
  return
}
