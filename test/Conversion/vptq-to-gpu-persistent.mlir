// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s

// #vptq.tiling persistent_blocks: at most N blocks along the rows, each
// looping over the row tiles blockIdx.x, blockIdx.x + N, ...

// 16 index rows in tiles of 2 (8 tiles) on 3 persistent blocks. One codebook
// group in one chunk: the block copies the codebook, computes the norm term
// and stages the permuted, scaled activations once, before the loop, and
// the row tiles stage nothing: the lanes read their codes from global
// memory into registers (8-bit codes, 8 per step in two words), the next
// step's words before the current step's lookups. The codebook copy reads
// weights only: it comes before the wait for the previous kernel of the
// stream (sm_90a: programmatic dependent launch), the activations after it.
// CHECK-LABEL: func.func @persistent
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c3, %{{.+}}, %c1) threads in (%c128, %c1, %c1)
// CHECK-SAME: grid_x = 3 : i64
// CHECK-SAME: tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1, k_chunk = 128, persistent_blocks = 3>
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: nvvm.griddepcontrol
// CHECK:   %[[CB:.+]] = memref.view {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view {{.*}} to memref<1x128xf32, #gpu.address_space<workgroup>>
// Codebook copy; the permuted layer's row of activations fits
// (stagesInputRow): one column per thread. Before the wait weight_scale
// and weight_bias of column tid and the chunk's column tid through perm
// (weights); after it x read in natural column order, the staged x * scale
// and the norm term's share x * bias from the same load (summed over the
// warp), a barrier, and the chunk gathered from the row through perm.
// CHECK:   vector.store %{{.+}}, %[[CB]]
// CHECK-NOT: memref.load %arg0
// CHECK:   %[[S:.+]] = memref.load %arg4[%thread_id_x] : memref<128xf16>
// CHECK:   %[[SF:.+]] = arith.extf %[[S]] : f16 to f32
// CHECK:   %[[NB:.+]] = memref.load %arg5[%thread_id_x] : memref<128xf16>
// CHECK:   %[[NBF:.+]] = arith.extf %[[NB]] : f16 to f32
// CHECK:   %[[P:.+]] = memref.load %arg3[%thread_id_x] : memref<128xi16>
// CHECK:   %[[COL:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK:   nvvm.griddepcontrol wait
// CHECK-NOT: nvvm.griddepcontrol
// CHECK:   %[[X:.+]] = memref.load %arg0[%{{.+}}, %thread_id_x] : memref<?x128xf16>
// CHECK:   %[[XF:.+]] = arith.extf %[[X]] : f16 to f32
// CHECK:   %[[XS_V:.+]] = arith.mulf %[[XF]], %[[SF]] : f32
// CHECK:   %[[STAGED:.+]] = arith.select %[[IN:.+]], %[[XS_V]], %cst{{.*}} : f32
// CHECK:   %[[XB:.+]] = arith.mulf %[[XF]], %[[NBF]] : f32
// CHECK:   %[[TERM:.+]] = arith.select %[[IN]], %[[XB]], %cst{{.*}} : f32
// CHECK:   memref.store %[[STAGED]], %[[ROWS:.+]][%c0, %thread_id_x] : memref<1x128xf32, #gpu.address_space<workgroup>>
// CHECK:   gpu.shuffle  xor %[[TERM]], %c16_i32, %c32_i32 : f32
// CHECK-COUNT-4: gpu.shuffle  xor
// CHECK:   scf.if
// CHECK:     memref.store %{{.+}}, %[[NORM:.+]][%{{.+}}, %c0] : memref<4x1xf32, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
// CHECK-NEXT: %[[R:.+]] = memref.load %[[ROWS]][%c0, %[[COL]]]
// CHECK-NEXT: %[[V:.+]] = arith.select %[[IN]], %[[R]], %cst{{.*}} : f32
// CHECK-NEXT: memref.store %[[V]], %[[XS]][%c0, %thread_id_x]
// CHECK-NEXT: gpu.barrier
// CHECK:   %[[BX:.+]] = gpu.block_id  x
// CHECK:   scf.for %[[TILE:.+]] = %[[BX]] to %c8 step %c3 {
// CHECK:     %[[ROW0:.+]] = arith.muli %[[TILE]], %c2 : index
// CHECK-NOT: gpu.barrier
// CHECK:     %[[ROW:.+]] = arith.minui %{{.+}}, %c15 : index
// CHECK:     %[[W:.+]] = vector.load %arg1[%c0, %[[ROW]], %{{.+}}] {alignment = 8 : i64} : memref<1x16x32xi32>, vector<2xi32>
// CHECK:     %[[W0:.+]] = vector.extract %[[W]][0]
// CHECK:     %[[W1:.+]] = vector.extract %[[W]][1]
// CHECK:     scf.for %[[Q:.+]] = %{{.+}} to %c16 step %c64 iter_args(%{{.+}} = %{{.+}}, %[[C0:.+]] = %[[W0]], %[[C1:.+]] = %[[W1]])
// CHECK:       %[[NEXT:.+]] = arith.addi %[[Q]], %c64
// CHECK:       arith.minui %[[NEXT]], %c15
// CHECK:       %[[NW:.+]] = vector.load %arg1[%c0, %[[ROW]], %{{.+}}] {alignment = 8 : i64}
// CHECK:       vector.load %[[XS]]{{.*}} {alignment = 16 : i64} {{.*}} vector<4xf32>
// CHECK:       vector.load %[[XS]]{{.*}} {alignment = 16 : i64} {{.*}} vector<4xf32>
// CHECK:       arith.andi %[[C0]], %c255_i32
// CHECK:       vector.load %[[CB]]
// CHECK:       vector.fma
// CHECK:       arith.shrui %[[C1]], %c24_i32
// CHECK:       vector.load %[[CB]]
// CHECK:       vector.fma
// CHECK:       scf.yield
// CHECK-NOT: memref.load %arg3
// CHECK-NOT: vector.store %{{.+}}, %[[CB]]
// The previous tile's epilogue must have read the partials.
// CHECK:     gpu.barrier
// CHECK:     gpu.shuffle
// CHECK:     gpu.barrier
// CHECK:     memref.store %{{.+}}, %arg6
// CHECK:   }
// CHECK:   nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: gpu.return
func.func @persistent(%x: memref<?x128xf16>, %i: memref<1x16x32xi32>,
                      %c: memref<1x2048xf16>, %p: memref<128xi16>,
                      %s: memref<128xf16>, %nb: memref<128xf16>,
                      %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 128, vector_len = 8,
                       num_centroids = 256, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x16x32xi32>)
      centroids(%c : memref<1x2048xf16>) perm(%p : memref<128xi16>)
      weight_scale(%s : memref<128xf16>) weight_bias(%nb : memref<128xf16>)
      outs(%y : memref<?x128xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 128, persistent_blocks = 3>}
  return
}

// -----

// Two chunks per row: the codebook is still copied once, the activations
// are staged per chunk inside the row loop.
// CHECK-LABEL: func.func @persistent_chunks
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view {{.*}} to memref<1x128xf32, #gpu.address_space<workgroup>>
// CHECK:   vector.store %{{.+}}, %[[CB]]
// CHECK:   scf.for %{{.+}} = %{{.+}} to %c8 step %c3 {
// CHECK-NOT: vector.store %{{.+}}, %[[CB]]
// CHECK:     scf.for %{{.+}} = %c0 to %c256 step %c128
// CHECK:       gpu.barrier
// CHECK:       memref.load %arg0
// CHECK:       memref.store %{{.+}}, %[[XS]]
// CHECK:   gpu.return
func.func @persistent_chunks(%x: memref<?x256xf16>, %i: memref<1x16x64xi32>,
                             %c: memref<1x2048xf16>, %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 128, vector_len = 8,
                       num_centroids = 256, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x16x64xi32>)
      centroids(%c : memref<1x2048xf16>) outs(%y : memref<?x128xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 128, persistent_blocks = 3>}
  return
}

// -----

// Two codebook groups: each row tile copies each group's codebook, inside
// the row loop.
// CHECK-LABEL: func.func @persistent_groups
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: vector.store %{{.+}}, %[[CB]]
// CHECK:   scf.for %{{.+}} = %{{.+}} to %c8 step %c3 {
// CHECK:     scf.for %{{.+}} = %c0 to %c2 step %c1
// CHECK:       gpu.barrier
// CHECK:       vector.store %{{.+}}, %[[CB]]
// CHECK:   gpu.return
func.func @persistent_groups(%x: memref<?x256xf16>, %i: memref<2x16x32xi32>,
                             %c: memref<2x2048xf16>, %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 128, vector_len = 8,
                       num_centroids = 256, num_codebooks = 2,
                       group_size = 128, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<2x16x32xi32>)
      centroids(%c : memref<2x2048xf16>) outs(%y : memref<?x128xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 128, persistent_blocks = 3>}
  return
}

// -----

// At least as many persistent blocks as row tiles: one block per tile and
// no row loop.
// CHECK-LABEL: func.func @enough_blocks
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c8, %{{.+}}, %c1)
// CHECK-SAME: grid_x = 8 : i64
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: scf.for %{{.+}} = %{{.*}}block_id
// CHECK: gpu.return
func.func @enough_blocks(%x: memref<?x128xf16>, %i: memref<1x16x32xi32>,
                         %c: memref<1x2048xf16>, %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 128, vector_len = 8,
                       num_centroids = 256, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x16x32xi32>)
      centroids(%c : memref<1x2048xf16>) outs(%y : memref<?x128xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 128, persistent_blocks = 20>}
  return
}
