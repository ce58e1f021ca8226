// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu="warpgroup-mma=false" -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=gpu.shuffle

// Tensor cores on shared weights (#vptq.tiling shared_weights = true): per
// chunk of columns the block dequantizes its weights once into a shared
// tile (one thread per codebook vector, stored as V contiguous elements of
// a column-major 16-row tile) and stages the activations; its warps split
// the rows and the batch tile and read both operands with ldmatrix (the
// weights transposed). Two stages: while the warps multiply chunk i, the
// block copies chunk i + 1's activations, gathers its vectors with the
// indices loaded one chunk earlier and loads chunk i + 2's indices; one
// barrier per chunk.

// 8 index rows of 8 = 64 rows = 4 tiles, batch tile 32 = 4 batch tiles, 4
// warps: 2 row warps x 2 batch warps, 2 x 2 tiles each (getMmaWarpGrid:
// fewest fragment loads per mma). Shared memory: 2 stages of 32 x (32 + 8)
// f16 activations (5120 bytes), then 2 stages of 32 columns x (64 + 8) rows
// of f16 weights (9216 bytes): 14336; the 64 x 32 f32 partials alias them.
// CHECK-LABEL: func.func @shared_weights
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c1, %{{.+}}, %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c14336_i32
// CHECK-SAME: tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 32, k_chunk = 32, mma = true, shared_weights = true>
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[WARP:.+]] = arith.divui %thread_id_x, %c32 : index
// CHECK:   %[[ROWWARP:.+]] = arith.remui %[[WARP]], %c2 : index
// CHECK:   %[[BATCHWARP:.+]] = arith.divui %[[WARP]], %c2 : index
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[ROW0:.+]] = arith.muli %block_id_x, %c8 : index
// CHECK:   %[[IN:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<2x1x32x40xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[W:.+]] = memref.view %{{.+}}[%c5120][] : {{.*}} to memref<2x32x72xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[PART:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x64x32xf32, #gpu.address_space<workgroup>>
// Prologue: chunk 0's activations into stage 0 ...
// CHECK:   %[[CP0:.+]] = nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %[[IN]][%c0, %c0, %{{.+}}, %{{.+}}], 8, %{{.+}} {bypassL1}
// CHECK:   %[[G0:.+]] = nvgpu.device_async_create_group %[[CP0]]
// ... and its 8 x 32 vectors, 2 per thread: vector (r, k) = (warp, lane)
// and (warp + 4, lane), index row ROW0 + r, column k.
// CHECK:   %[[IROW:.+]] = arith.addi %[[ROW0]], %[[WARP]] : index
// CHECK:   %[[SAFEROW:.+]] = arith.minui %[[IROW]], %c7 : index
// CHECK:   memref.load %arg1[%c0, %[[SAFEROW]], %{{.+}}] : memref<1x8x128xi32>
// CHECK:   %[[V0:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:   %[[V1:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:   %[[OFF0:.+]] = arith.muli %[[WARP]], %c8 : index
// CHECK:   vector.store %[[V0]], %[[W]][%c0, %[[LANE]], %[[OFF0]]] {alignment = 16 : i64}
// CHECK:   vector.store %[[V1]], %[[W]][%c0, %{{.+}}, %{{.+}}] {alignment = 16 : i64}
// Chunk 1's indices are loaded before the loop and carried into it.
// CHECK:   %[[I1A:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:   %[[I1B:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:   nvgpu.device_async_wait %[[G0]] {numGroups = 0 : i32}
// CHECK:   gpu.barrier
// CHECK:   %{{.+}}:18 = scf.for %[[K0:.+]] = %c0 to %c256 step %c32 iter_args({{.*}}, %[[IDXA:.+]] = %[[I1A]], %[[IDXB:.+]] = %[[I1B]]) -> ({{.*}}, index, index) {
// CHECK:     %[[CHUNK:.+]] = arith.divui %[[K0]], %c32 : index
// CHECK:     %[[STAGE:.+]] = arith.remui %[[CHUNK]], %c2 : index
// CHECK:     %[[OTHER:.+]] = arith.subi %c1, %[[STAGE]] : index
// CHECK:     %[[CP:.+]] = nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %[[IN]][%[[OTHER]], %c0, %{{.+}}, %{{.+}}], 8
// CHECK:     %[[G:.+]] = nvgpu.device_async_create_group %[[CP]]
// CHECK:     %[[E0:.+]] = arith.muli %[[IDXA]], %c8 : index
// CHECK:     %[[N0:.+]] = vector.load %arg2[%c0, %[[E0]]] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:     %[[E1:.+]] = arith.muli %[[IDXB]], %c8 : index
// CHECK:     %[[N1:.+]] = vector.load %arg2[%c0, %[[E1]]] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:     memref.load %arg1
// CHECK:     %[[NEXTA:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:     %[[NEXTB:.+]] = arith.index_castui %{{.+}} : i32 to index
// A fragments: ldmatrix.x4.trans of stage STAGE, one per row tile.
// CHECK:     %[[A0:.+]] = nvgpu.ldmatrix %[[W]][%[[STAGE]], %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = true} : memref<2x32x72xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK:     %[[A1:.+]] = nvgpu.ldmatrix %[[W]][%[[STAGE]], %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = true}
// The warp's batch tiles 2 x BATCHWARP and the next, both multiplied
// without a branch (rows past the batch are zero-filled, never stored).
// CHECK-NOT: scf.if
// CHECK:     nvgpu.ldmatrix %[[IN]][%[[STAGE]], %c0, %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = false}
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-NOT: scf.if
// CHECK:     nvgpu.ldmatrix %[[W]][%[[STAGE]]
// CHECK:     nvgpu.ldmatrix %[[W]][%[[STAGE]]
// CHECK:     nvgpu.ldmatrix %[[IN]][%[[STAGE]]
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-NOT: scf.if
// After the multiply, chunk i + 1's vectors go to the other stage.
// CHECK:     vector.store %[[N0]], %[[W]][%[[OTHER]], %[[LANE]], %[[OFF0]]] {alignment = 16 : i64}
// CHECK:     vector.store %[[N1]], %[[W]][%[[OTHER]], %{{.+}}, %{{.+}}] {alignment = 16 : i64}
// CHECK:     nvgpu.device_async_wait %[[G]] {numGroups = 0 : i32}
// CHECK:     gpu.barrier
// CHECK:     scf.yield {{.*}}, %[[NEXTA]], %[[NEXTB]] :
// Accumulators: row 16 (2 ROWWARP + t) + g (+ 8), batch 16 BATCHWARP + 8 nt
// + 2q (+ 1), through the partials.
// CHECK:   gpu.barrier
// CHECK:   %[[M:.+]] = arith.muli %[[ROWWARP]], %c32 : index
// CHECK:   memref.store %{{.+}}, %[[PART]][%c0, %{{.+}}, %{{.+}}] : memref<1x64x32xf32, #gpu.address_space<workgroup>>
func.func @shared_weights(%x: memref<?x256xf16>, %i: memref<1x8x128xi32>,
               %c: memref<1x524288xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 64, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x128xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x64xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 32,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}

// -----

// bf16 with a residual codebook and the channel norm: weights split into hi
// and lo parts (2 stages x 2 parts of 32 x (48 + 8)), each vector of 6
// elements (12 bytes) stored as three aligned pairs; the vector sums the
// codebooks, then W * scale + bias of its input column, in f32.
// CHECK-LABEL: func.func @split_v6
// CHECK: dynamic_shared_memory_size %c69120_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[W:.+]] = memref.view %{{.+}}[%c54784][] : {{.*}} to memref<4x32x56xbf16, #gpu.address_space<workgroup>>
// CHECK:   %[[SUM:.+]] = arith.addf %{{.+}}, %{{.+}} : vector<6xf32>
// CHECK:   %[[NORM:.+]] = vector.fma %[[SUM]], %{{.+}}, %{{.+}} : vector<6xf32>
// CHECK:   %[[HI:.+]] = arith.truncf %[[NORM]] : vector<6xf32> to vector<6xbf16>
// CHECK:   %[[P0:.+]] = vector.shuffle %[[HI]], %[[HI]] [0, 1] : vector<6xbf16>, vector<6xbf16>
// CHECK:   vector.store %[[P0]], %[[W]][%c0, %{{.+}}, %[[OFF:.+]]] {alignment = 4 : i64} : memref<4x32x56xbf16, #gpu.address_space<workgroup>>, vector<2xbf16>
// CHECK:   vector.shuffle %[[HI]], %[[HI]] [2, 3]
// CHECK:   vector.store
// CHECK:   vector.shuffle %[[HI]], %[[HI]] [4, 5]
// CHECK:   vector.store
// CHECK:   %[[LO:.+]] = arith.subf %[[NORM]], %{{.+}} : vector<6xf32>
// CHECK:   vector.store %{{.+}}, %[[W]][%c1, %{{.+}}, %[[OFF]]] {alignment = 4 : i64}
// In the loop: stage s's parts are 2s and 2s + 1; 2 mma per tile pair.
// CHECK:   scf.for
// CHECK:     %[[STAGE:.+]] = arith.remui %{{.+}}, %c2 : index
// CHECK:     %[[HIPART:.+]] = arith.muli %[[STAGE]], %c2 : index
// CHECK:     nvgpu.ldmatrix %[[W]][%[[HIPART]], %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = true}
// CHECK:     %[[LOPART:.+]] = arith.addi %[[HIPART]], %c1 : index
// CHECK:     nvgpu.ldmatrix %[[W]][%[[LOPART]], %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = true}
func.func @split_v6(%x: memref<?x96xbf16>, %i: memref<1x8x96xi16>, %r: memref<1x8x96xi16>,
                    %c: memref<1x24576xbf16>, %rc: memref<1x1536xbf16>,
                    %s: memref<96xbf16>, %sb: memref<96xbf16>, %y: memref<?x48xbf16>) {
  vptq.matmul #vptq.vq<in_features = 96, out_features = 48, vector_len = 6,
                       num_centroids = 4096, num_res_centroids = 256,
                       enable_norm = true>
      input(%x : memref<?x96xbf16>) indices(%i : memref<1x8x96xi16>)
      res_indices(%r : memref<1x8x96xi16>)
      centroids(%c : memref<1x24576xbf16>) res_centroids(%rc : memref<1x1536xbf16>)
      weight_scale(%s : memref<96xbf16>) weight_bias(%sb : memref<96xbf16>)
      outs(%y : memref<?x48xbf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}

// -----

// With a permutation (and one codebook group) the chunks walk the 96 input
// columns, outliers included: each block first writes the inverse
// permutation into shared memory (inv[perm[j]] = j, i16), activations are
// copied in natural order (16-byte cp.async, no gather through perm), and
// input column c dequantizes quantized column inv[c] - 16 (zero for the 16
// outlier columns); the norm is that of input column c.
// CHECK-LABEL: func.func @walk_input_columns
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[INV:.+]] = memref.view %{{.+}}[%c9216][] : {{.*}} to memref<96xi16, #gpu.address_space<workgroup>>
// CHECK:   scf.for %[[J:.+]] = %thread_id_x to %c96 step %c128 {
// CHECK:     %[[J16:.+]] = arith.index_castui %[[J]] : index to i16
// CHECK:     %[[P:.+]] = memref.load %arg5[%[[J]]] : memref<96xi16>
// CHECK:     %[[PI:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK:     memref.store %[[J16]], %[[INV]][%[[PI]]]
// CHECK:   gpu.barrier
// CHECK:   nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %{{.+}}[%c0, %c0, %{{.+}}, %{{.+}}], 8, %{{.+}} {bypassL1} : memref<?x96xf16>
// CHECK:   %[[COL:.+]] = arith.minui %{{.+}}, %c95 : index
// CHECK:   %[[Q16:.+]] = memref.load %[[INV]][%[[COL]]]
// CHECK:   %[[Q:.+]] = arith.index_castui %[[Q16]] : i16 to index
// CHECK:   %[[NOTOUT:.+]] = arith.cmpi uge, %[[Q]], %c16 : index
// CHECK:   %[[LIVE:.+]] = arith.andi %[[NOTOUT]], %{{.+}} : i1
// CHECK:   %[[QCOL:.+]] = arith.subi %[[Q]], %c16 : index
// CHECK:   %[[SAFE:.+]] = arith.select %[[LIVE]], %[[QCOL]], %c0 : index
// CHECK:   memref.load %arg1[%c0, %{{.+}}, %[[SAFE]]] : memref<1x8x80xi16>
// CHECK:   memref.load %arg6[%[[COL]]] : memref<96xf16>
// CHECK:   %[[W:.+]] = vector.fma
// CHECK:   arith.select %[[LIVE]], %[[W]], %{{.+}} : vector<8xf32>
// CHECK:   scf.for %{{.+}} = %c0 to %c96 step %c32
func.func @walk_input_columns(%x: memref<?x96xf16>, %i: memref<1x8x80xi16>, %c: memref<1x2048xf16>,
                %oi: memref<1x16x16xi16>, %oc: memref<1x256xf16>, %p: memref<96xi16>,
                %s: memref<96xf16>, %sb: memref<96xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 96, out_features = 64, vector_len = 8,
                       num_centroids = 256, outlier_size = 16, outlier_vector_len = 4,
                       num_outlier_centroids = 64, enable_perm = true, enable_norm = true>
      input(%x : memref<?x96xf16>) indices(%i : memref<1x8x80xi16>)
      centroids(%c : memref<1x2048xf16>) outlier_indices(%oi : memref<1x16x16xi16>)
      outlier_centroids(%oc : memref<1x256xf16>) perm(%p : memref<96xi16>)
      weight_scale(%s : memref<96xf16>) weight_bias(%sb : memref<96xf16>)
      outs(%y : memref<?x64xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 8, warps_per_row = 4, batch_tile = 32,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}
