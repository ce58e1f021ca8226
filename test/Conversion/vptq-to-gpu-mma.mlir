// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=gpu.shuffle

// The tensor-core form of vptq.matmul (#vptq.tiling mma = true) where the
// operands cannot be read straight into registers (11-bit codes, whose runs
// do not fill whole words; a permutation; unpacked indices: see
// vptq-to-gpu-mma-direct.mlir for the others). Per chunk
// of columns, the warps of a column group stage the activations into a
// shared input tile with asynchronous copies while each warp dequantizes
// its A fragments straight into registers (mma row m of a tile is output
// row 2m, m < 8, or 2(m - 8) + 1, so a lane reads two adjacent elements of
// one codebook vector per column); then B fragments come from the tile
// through ldmatrix and nvvm.mma.sync m16n8k16 accumulates in f32.

// 4 warps -> 128 threads; 2 index rows of 8 = one 16-row mma tile per
// block, so the 4 warps all split the columns (getMmaWarpGrid: 1 x 4, a
// column group is one warp: warp syncs); 2 blocks along x; batch tiles of
// 16 (two 8-row mma tiles) along y. Shared memory: 4 input tiles of
// 16 x (32 + 8) f16 = 5120 bytes; the [4][16][16] f32 partials (4096
// bytes) alias them.
// CHECK-LABEL: func.func @mma
// CHECK: %[[B:.+]] = memref.dim %arg0, %c0 : memref<?x256xf16>
// CHECK: %[[GY:.+]] = arith.ceildivui %[[B]], %c16 : index
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c2, %[[GY]], %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c5120_i32
// CHECK-SAME: tiling = #vptq.tiling<block_rows = 2, warps_per_row = 4, batch_tile = 16, k_chunk = 32, mma = true>
// CHECK: gpu.func @vptq_matmul_0({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:   %[[WARP:.+]] = arith.divui %thread_id_x, %c32 : index
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[Q:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:   %[[ROW0:.+]] = arith.muli %block_id_x, %c2 : index
// CHECK:   %[[FIRSTB:.+]] = arith.muli %block_id_y, %c16 : index
// CHECK:   %[[TILE:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x4x16x40xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[PART:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<4x16x16xf32, #gpu.address_space<workgroup>>
// Warp w takes the 32-column chunks w, w + 4, ...: 2 x 4 accumulators.
// CHECK:   %[[START:.+]] = arith.muli %[[WARP]], %c32 : index
// CHECK:   %[[ACC:.+]]:8 = scf.for %[[K0:.+]] = %[[START]] to %c256 step %c128 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NOT:  gpu.barrier
// CHECK:     nvvm.bar.warp.sync %c-1_i32 : i32
// 16 rows x 32 columns = 64 copies of 8 halves (16 bytes), 2 per lane;
// rows past the batch copy 0 elements (zero fill, no read).
// CHECK:     %[[LIVE:.+]] = arith.minui %{{.+}}, %c16 : index
// CHECK:     %[[LIVEROW:.+]] = arith.cmpi ult, %{{.+}}, %[[LIVE]] : index
// CHECK:     %[[N:.+]] = arith.select %[[LIVEROW]], %c8, %c0 : index
// CHECK:     %[[CP0:.+]] = nvgpu.device_async_copy %arg0[%{{.+}}, %{{.+}}], %[[TILE]][%c0, %[[WARP]], %{{.+}}, %{{.+}}], 8, %[[N]] {bypassL1}
// CHECK:     %[[CP1:.+]] = nvgpu.device_async_copy %arg0
// CHECK:     %[[COPIES:.+]] = nvgpu.device_async_create_group %[[CP0]], %[[CP1]]
// Lane (g, q): rows 2g, 2g + 1 = index row 2g / 8 of the block, elements
// 2g mod 8 and the next, of code columns 2q, 2q + 1, 2q + 8, 2q + 9.
// CHECK:     %[[Q2:.+]] = arith.muli %[[Q]], %c2 : index
// CHECK:     %[[C0:.+]] = arith.addi %[[K0]], %[[Q2]] : index
// CHECK:     %[[G2:.+]] = arith.muli %[[G]], %c2 : index
// CHECK:     %[[VROW:.+]] = arith.divui %[[G2]], %c8 : index
// CHECK:     %[[IROW:.+]] = arith.addi %[[ROW0]], %[[VROW]] : index
// CHECK:     %[[SAFEROW:.+]] = arith.minui %[[IROW]], %c3 : index
// CHECK:     %[[FIRST:.+]] = arith.remui %[[G2]], %c8 : index
// CHECK:     memref.load %arg1[%c0, %[[SAFEROW]], %{{.+}}] : memref<1x4x88xi32>
// CHECK:     %[[E0:.+]] = arith.muli %{{.+}}, %c8 : index
// CHECK:     %[[O0:.+]] = arith.addi %[[E0]], %[[FIRST]] : index
// CHECK:     %[[P0:.+]] = vector.load %arg2[%c0, %[[O0]]] {alignment = 4 : i64} : memref<1x16384xf16>, vector<2xf16>
// CHECK:     %[[P1:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 4 : i64} : memref<1x16384xf16>, vector<2xf16>
// CHECK:     %[[P8:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 4 : i64} : memref<1x16384xf16>, vector<2xf16>
// CHECK:     %[[P9:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 4 : i64} : memref<1x16384xf16>, vector<2xf16>
// A fragment: {W[2g][2q], W[2g][2q+1]}, {W[2g+1][2q], W[2g+1][2q+1]}, then
// the same for columns 2q + 8, 2q + 9.
// CHECK:     %[[A0:.+]] = vector.shuffle %[[P0]], %[[P1]] [0, 2] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[A1:.+]] = vector.shuffle %[[P0]], %[[P1]] [1, 3] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[A2:.+]] = vector.shuffle %[[P8]], %[[P9]] [0, 2] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[A3:.+]] = vector.shuffle %[[P8]], %[[P9]] [1, 3] : vector<2xf16>, vector<2xf16>
// The second step's fragments are gathered too before the copies are
// awaited and the warp synchronizes.
// CHECK-COUNT-4: vector.load %arg2
// CHECK:     nvgpu.device_async_wait %[[COPIES]] {numGroups = 0 : i32}
// CHECK:     nvvm.bar.warp.sync %c-1_i32 : i32
// B fragments of both batch tiles from one ldmatrix.x4 (lane 8i + r reads
// row r of matrix i: batch tile i / 2, columns 8 (i mod 2) ..), skipped
// when the pair is past the batch.
// CHECK:     %[[MAT:.+]] = arith.divui %[[LANE]], %c8 : index
// CHECK:     %[[MROW:.+]] = arith.remui %[[LANE]], %c8 : index
// CHECK:     %[[PAIRLIVE:.+]] = arith.cmpi ult, %[[FIRSTB]], %{{.+}} : index
// CHECK:     scf.if %[[PAIRLIVE]] -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK:       %[[FR:.+]] = nvgpu.ldmatrix %[[TILE]][%c0, %[[WARP]], %{{.+}}, %{{.+}}] {numTiles = 4 : i32, transpose = false} : memref<1x4x16x40xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK:       %[[B0:.+]] = vector.extract %[[FR]][0] : vector<2xf16> from vector<4x2xf16>
// CHECK:       %[[B1:.+]] = vector.extract %[[FR]][1] : vector<2xf16> from vector<4x2xf16>
// CHECK:       %[[D:.+]] = nvvm.mma.sync A[%[[A0]], %[[A1]], %[[A2]], %[[A3]]]  B[%[[B0]], %[[B1]]]  C[{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:       llvm.extractvalue %[[D]][0]
// CHECK:       vector.extract %[[FR]][2]
// Two batch tiles x two 16-column steps per chunk.
// CHECK-COUNT-3: nvvm.mma.sync
// After the loop the accumulators go to the partials of the warp's column
// slot: c0 at [2g][2q], c2 at [2g + 1][2q].
// CHECK:   gpu.barrier
// CHECK:   %[[PG2:.+]] = arith.muli %[[G]], %c2 : index
// CHECK:   %[[PQ2:.+]] = arith.muli %[[Q]], %c2 : index
// CHECK:   memref.store %[[ACC]]#0, %[[PART]][%[[WARP]], %[[PG2]], %[[PQ2]]]
// CHECK:   %[[PG21:.+]] = arith.addi %[[PG2]], %c1 : index
// CHECK:   memref.store %[[ACC]]#2, %[[PART]][%[[WARP]], %[[PG21]], %[[PQ2]]]
// CHECK:   gpu.barrier
// Epilogue: one output per thread and step, row fastest; the 4 column
// warps' partials are summed.
// CHECK:   scf.for %[[ITEM:.+]] = %thread_id_x to %c256 step %c128 {
// CHECK:     scf.for %{{.+}} = %c0 to %c4 step %c1 iter_args
// CHECK:       memref.load %[[PART]]
// CHECK:     arith.truncf %{{.+}} : f32 to f16
// CHECK:     memref.store %{{.+}}, %arg3[%{{.+}}, %{{.+}}] : memref<?x32xf16>
func.func @mma(%x: memref<?x256xf16>, %i: memref<1x4x88xi32>,
               %c: memref<1x16384xf16>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 32, vector_len = 8,
                       num_centroids = 2048, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x4x88xi32>)
      centroids(%c : memref<1x16384xf16>) outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 4, batch_tile = 16,
                             k_chunk = 32, mma = true>,
       placement = #vptq.placement<centroids = global, res_centroids = global>}
  return
}

// -----

// bf16 with a shared codebook, permutation, norm, outliers and bias; V = 6
// needs 8 index rows for three 16-row tiles, all three on each of the 2
// warps (getMmaWarpGrid: 1 x 2). The codebook is copied by the whole block
// between barriers. With a permutation the activations are gathered one by
// one (through perm) into the input tile, live batch rows only; the norm
// is applied to each gathered weight pair (W * scale + bias of its input
// column) in f32, which bf16 cannot hold exactly: hi = bf16(w) and
// lo = bf16(w - hi) get their own fragments and mma.sync (bf16 pairs as
// i32); the epilogue adds the outlier columns (normed) and the bias.
// Shared memory: the codebook (3072 bytes), then 2 input tiles of
// 8 x (16 + 8) bf16 (768 bytes).
// CHECK-LABEL: func.func @mma_perm_norm
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c1, %{{.+}}, %c1) threads in (%c64, %c1, %c1) dynamic_shared_memory_size %c3840_i32
// CHECK-SAME: placement = #vptq.placement<centroids = shared, res_centroids = global>
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x1536xbf16, #gpu.address_space<workgroup>>
// CHECK:   %[[TILE:.+]] = memref.view %{{.+}}[%c3072][] : {{.*}} to memref<1x2x8x24xbf16, #gpu.address_space<workgroup>>
// CHECK:   memref.view %{{.+}}[%c0][] : {{.*}} to memref<2x48x8xf32, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
// CHECK:   vector.store %{{.+}}, %[[CB]]
// CHECK:   gpu.barrier
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK:     nvvm.bar.warp.sync
// CHECK:     %[[LIVE:.+]] = arith.minui %{{.+}}, %c8 : index
// CHECK:     %[[ITEMS:.+]] = arith.muli %[[LIVE]], %c16 : index
// CHECK:     scf.for %{{.+}} = %{{.+}} to %[[ITEMS]] step %c32 {
// CHECK:       %[[PS:.+]] = memref.load %arg5[%{{.+}}] : memref<96xi16>
// CHECK:       %[[PSI:.+]] = arith.index_castui %[[PS]] : i16 to index
// CHECK:       %[[XV:.+]] = memref.load %arg0[%{{.+}}, %[[PSI]]] : memref<?x96xbf16>
// CHECK:       memref.store %[[XV]], %[[TILE]][%c0, %{{.+}}, %{{.+}}, %{{.+}}]
// CHECK:     }
// CHECK:     %[[P:.+]] = memref.load %arg5[%{{.+}}] : memref<96xi16>
// CHECK:     %[[PI:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK:     memref.load %arg6[%[[PI]]]
// CHECK:     memref.load %arg7[%[[PI]]]
// CHECK:     arith.divui %{{.+}}, %c6 : index
// CHECK:     arith.remui %{{.+}}, %c6 : index
// CHECK:     %[[W2:.+]] = vector.load %[[CB]][%c0, %{{.+}}] {alignment = 4 : i64} : {{.*}}, vector<2xbf16>
// CHECK:     %[[W:.+]] = arith.extf %[[W2]] : vector<2xbf16> to vector<2xf32>
// CHECK:     %[[WN:.+]] = vector.fma %[[W]], %{{.+}}, %{{.+}} : vector<2xf32>
// CHECK:     %[[HI:.+]] = arith.truncf %[[WN]] : vector<2xf32> to vector<2xbf16>
// CHECK:     %[[HI32:.+]] = arith.extf %[[HI]] : vector<2xbf16> to vector<2xf32>
// CHECK:     %[[REST:.+]] = arith.subf %[[WN]], %[[HI32]] : vector<2xf32>
// CHECK:     arith.truncf %[[REST]] : vector<2xf32> to vector<2xbf16>
// CHECK:     %[[S0:.+]] = vector.shuffle %[[HI]], %{{.+}} [0, 2] : vector<2xbf16>, vector<2xbf16>
// CHECK:     vector.bitcast %[[S0]] : vector<2xbf16> to vector<1xi32>
// CHECK-NOT: nvgpu.device_async_wait
// CHECK:     nvvm.bar.warp.sync
// One batch tile: ldmatrix.x2.
// CHECK:     scf.if
// CHECK:       %[[FR:.+]] = nvgpu.ldmatrix %[[TILE]][%c0, %{{.+}}, %{{.+}}, %{{.+}}] {numTiles = 2 : i32, transpose = false} : memref<1x2x8x24xbf16, #gpu.address_space<workgroup>> -> vector<2x2xbf16>
// CHECK:       %[[DHI:.+]] = nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:       %[[C0:.+]] = llvm.extractvalue %[[DHI]][0]
// CHECK:       nvvm.mma.sync {{.*}} C[%[[C0]],
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK:   scf.for %{{.+}} = %thread_id_x to %c384 step %c64 {
// CHECK:     scf.for %{{.+}} = %c0 to %c2 step %c1
// CHECK:       memref.load %arg3
// CHECK:       memref.load %arg4
// CHECK:       memref.load %arg6
// CHECK:       memref.load %arg7
// CHECK:     memref.load %arg8
// CHECK:     memref.store %{{.+}}, %arg9
func.func @mma_perm_norm(%x: memref<?x96xbf16>, %i: memref<1x4x80xi16>,
                         %c: memref<1x1536xbf16>, %oi: memref<1x6x16xi16>,
                         %oc: memref<1x1024xbf16>, %p: memref<96xi16>,
                         %s: memref<96xbf16>, %sb: memref<96xbf16>,
                         %b: memref<24xbf16>, %y: memref<?x24xbf16>) {
  vptq.matmul #vptq.vq<in_features = 96, out_features = 24, vector_len = 6,
                       num_centroids = 256, outlier_size = 16,
                       outlier_vector_len = 4, num_outlier_centroids = 256,
                       enable_perm = true, enable_norm = true, bias = true>
      input(%x : memref<?x96xbf16>) indices(%i : memref<1x4x80xi16>)
      centroids(%c : memref<1x1536xbf16>)
      outlier_indices(%oi : memref<1x6x16xi16>)
      outlier_centroids(%oc : memref<1x1024xbf16>)
      perm(%p : memref<96xi16>) weight_scale(%s : memref<96xbf16>)
      weight_bias(%sb : memref<96xbf16>) bias(%b : memref<24xbf16>)
      outs(%y : memref<?x24xbf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 2, batch_tile = 8,
                             k_chunk = 16, mma = true>}
  return
}

// -----

// 16 index rows of 8 = 8 mma tiles and 8 warps: all 8 warps along the rows
// (getMmaWarpGrid: 8 x 1), one tile each; warp w owns output rows
// 16w .. 16w + 15 and walks every 16-column chunk. The partials are one
// [128][16] slot.
// CHECK-LABEL: func.func @mma_row_warps
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c1, %{{.+}}, %c1) threads in (%c256, %c1, %c1) dynamic_shared_memory_size %c8192_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[WARP:.+]] = arith.divui %thread_id_x, %c32 : index
// CHECK:   %[[RW:.+]] = arith.remui %[[WARP]], %c8 : index
// CHECK:   %[[CW:.+]] = arith.divui %[[WARP]], %c8 : index
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[PART:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x128x16xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[START:.+]] = arith.muli %[[CW]], %c16 : index
// CHECK:   scf.for %{{.+}} = %[[START]] to %c512 step %c16 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// The 8 warps of the column group share one input tile: named barrier 1
// (1 + column group) for 256 threads, 32 copies of 16 bytes.
// CHECK:     %[[BID:.+]] = arith.index_castui %{{.+}} : index to i32
// CHECK:     nvvm.barrier id = %[[BID]] number_of_threads = %c256_i32
// CHECK:     nvgpu.device_async_copy
// CHECK-NOT: nvgpu.device_async_copy
// CHECK:     %[[TROW:.+]] = arith.muli %[[RW]], %c16 : index
// CHECK:     %[[G2:.+]] = arith.muli %[[G]], %c2 : index
// CHECK:     %[[ROW:.+]] = arith.addi %[[TROW]], %[[G2]] : index
// CHECK:     arith.divui %[[ROW]], %c8 : index
// CHECK:     arith.remui %[[ROW]], %c8 : index
// CHECK:     memref.load %arg1
// CHECK:     vector.load %arg2[%c0, %{{.+}}] {alignment = 4 : i64} : memref<1x2048xf16>, vector<2xf16>
// CHECK:     nvgpu.device_async_wait
// CHECK:     nvvm.barrier id = %[[BID]] number_of_threads = %c256_i32
// CHECK-COUNT-2: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK:   gpu.barrier
// CHECK:   memref.store %{{.+}}, %[[PART]][%[[CW]], %{{.+}}, %{{.+}}]
func.func @mma_row_warps(%x: memref<?x512xf16>, %i: memref<1x16x512xi8>,
                         %c: memref<1x2048xf16>, %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 512, out_features = 128, vector_len = 8,
                       num_centroids = 256>
      input(%x : memref<?x512xf16>) indices(%i : memref<1x16x512xi8>)
      centroids(%c : memref<1x2048xf16>) outs(%y : memref<?x128xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 8, batch_tile = 16,
                             k_chunk = 16, mma = true>,
       placement = #vptq.placement<centroids = global, res_centroids = global>}
  return
}
