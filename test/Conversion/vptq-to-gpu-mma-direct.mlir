// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=nvgpu.device_async_copy --implicit-check-not=nvgpu.ldmatrix --implicit-check-not=nvvm.barrier

// Tensor-core kernels with register fragments whose operands go straight
// into registers (mmaReadsOperandsDirectly: packed codes whose runs fill
// whole words, no permutation, groups of whole chunks). Lane (g, q) owns
// the run of k_chunk / 4 columns from q * k_chunk / 4 of each chunk; mma
// columns 2q, 2q + 1, 2q + 8, 2q + 9 of step s stand for columns 4s .. 4s
// + 3 of the run. So the lane loads its run of code words (12-bit codes, 16
// per run: 6 words as three 8-byte vectors) and its run of activations
// (batch row g of each 8-row tile: 16 halves as two 16-byte vectors),
// and both operands need no shared memory, no copies and no barriers.

// 2 warps split the columns (one 16-row tile); batch tiles of 16.
// CHECK-LABEL: func.func @direct
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c2, %{{.+}}, %c1) threads in (%c64, %c1, %c1) dynamic_shared_memory_size %c65536_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[WARP:.+]] = arith.divui %thread_id_x, %c32 : index
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[Q:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:   %[[FIRSTB:.+]] = arith.muli %block_id_y, %c16 : index
// CHECK:   %[[B:.+]] = memref.dim %arg0, %c0 : memref<?x256xf16>
// CHECK:   %[[LASTB:.+]] = arith.subi %[[B]], %c1 : index
// CHECK:   %[[CB:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x32768xf16, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
// The codebook copy, then the first chunk's operands: chunk 0 of warp w
// is column 64w (clamped to the last chunk, 192), its code words
// 24 x chunk + 6q of the lane's index row.
// CHECK:   gpu.barrier
// CHECK:   %[[START:.+]] = arith.muli %[[WARP]], %c64 : index
// CHECK:   %[[CLAMP:.+]] = arith.minui %[[START]], %c192 : index
// CHECK:   %[[CHUNK:.+]] = arith.divui %[[CLAMP]], %c64 : index
// CHECK:   %[[CW:.+]] = arith.muli %[[CHUNK]], %c24 : index
// CHECK:   %[[QW:.+]] = arith.muli %[[Q]], %c6 : index
// CHECK:   %[[W0:.+]] = arith.addi %[[CW]], %[[QW]] : index
// CHECK:   %[[ROW:.+]] = arith.minui %{{.+}}, %c3 : index
// CHECK:   vector.load %arg1[%c0, %[[ROW]], %[[W0]]] {alignment = 8 : i64} : memref<1x4x96xi32>, vector<2xi32>
// CHECK:   vector.load %arg1[%c0, %[[ROW]], %{{.+}}] {alignment = 8 : i64} : memref<1x4x96xi32>, vector<2xi32>
// CHECK:   vector.load %arg1[%c0, %[[ROW]], %{{.+}}] {alignment = 8 : i64} : memref<1x4x96xi32>, vector<2xi32>
// The lane's run of activations: column 16q of the chunk, batch rows g and
// g + 8 of the tile (clamped to the last row).
// CHECK:   %[[N0:.+]] = arith.addi %[[FIRSTB]], %[[G]] : index
// CHECK:   %[[R0:.+]] = arith.minui %[[N0]], %[[LASTB]] : index
// CHECK:   %[[Q16:.+]] = arith.muli %[[Q]], %c16 : index
// CHECK:   %[[COL:.+]] = arith.addi %[[CLAMP]], %[[Q16]] : index
// CHECK:   vector.load %arg0[%[[R0]], %[[COL]]] {alignment = 16 : i64} : memref<?x256xf16>, vector<8xf16>
// CHECK:   vector.load %arg0[%[[R0]], %{{.+}}] {alignment = 16 : i64} : memref<?x256xf16>, vector<8xf16>
// CHECK:   vector.load %arg0[%{{.+}}, %[[COL]]] {alignment = 16 : i64} : memref<?x256xf16>, vector<8xf16>
// CHECK:   vector.load %arg0
// Chunks w, w + 2: 8 accumulators, 6 code words and 4 activation vectors
// carried; the next chunk's are loaded first and pinned there.
// CHECK:   scf.for %[[K0:.+]] = %[[START]] to %c256 step %c128 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, i32, i32, i32, i32, i32, i32, vector<8xf16>, vector<8xf16>, vector<8xf16>, vector<8xf16>) {
// CHECK-COUNT-3: vector.load %arg1
// CHECK-COUNT-4: vector.load %arg0
// CHECK:     llvm.inline_asm has_side_effects "", "r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r,r"
// Code 0 of the run is bits 0..11 of word 0, code 2 straddles words 0
// and 1; each is one 4-byte read of the shared codebook (elements
// 2g mod 8, + 1 of its vector).
// CHECK:     %[[FIRST:.+]] = arith.remui %{{.+}}, %c8 : index
// CHECK:     %[[C0:.+]] = arith.andi %[[WORD0:.+]], %c4095_i32 : i32
// CHECK:     %[[E0:.+]] = arith.index_castui %[[C0]] : i32 to index
// CHECK:     %[[O0:.+]] = arith.muli %[[E0]], %c8 : index
// CHECK:     %[[A0:.+]] = arith.addi %[[O0]], %[[FIRST]] : index
// CHECK:     %[[P0:.+]] = vector.load %[[CB]][%c0, %[[A0]]] {alignment = 4 : i64} : memref<1x32768xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// CHECK:     arith.shrui %[[WORD0]], %c12_i32 : i32
// CHECK:     %[[P1:.+]] = vector.load %[[CB]]
// CHECK:     %[[HI:.+]] = arith.shrui %[[WORD0]], %c24_i32 : i32
// CHECK:     %[[LO:.+]] = arith.shli %{{.+}}, %c8_i32 : i32
// CHECK:     arith.ori %[[HI]], %[[LO]] : i32
// CHECK:     %[[P2:.+]] = vector.load %[[CB]]
// CHECK:     %[[P3:.+]] = vector.load %[[CB]]
// The raw pairs become the A registers without conversions.
// CHECK-NOT: arith.extf
// CHECK:     %[[F0:.+]] = vector.shuffle %[[P0]], %[[P1]] [0, 2] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[F1:.+]] = vector.shuffle %[[P0]], %[[P1]] [1, 3] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[F2:.+]] = vector.shuffle %[[P2]], %[[P3]] [0, 2] : vector<2xf16>, vector<2xf16>
// CHECK:     %[[F3:.+]] = vector.shuffle %[[P2]], %[[P3]] [1, 3] : vector<2xf16>, vector<2xf16>
// All 4 steps' fragments (16 reads) before the first mma; each batch tile
// past the batch skips its 4 mma.
// CHECK-COUNT-12: vector.load %[[CB]]
// CHECK:     %[[LIVE:.+]] = arith.cmpi ult, %[[FIRSTB]], %[[B]] : index
// CHECK:     scf.if %[[LIVE]] -> (f32, f32, f32, f32) {
// CHECK:       %[[X01:.+]] = vector.shuffle %[[XS:.+]], %[[XS]] [0, 1] : vector<8xf16>, vector<8xf16>
// CHECK:       %[[X23:.+]] = vector.shuffle %[[XS]], %[[XS]] [2, 3] : vector<8xf16>, vector<8xf16>
// CHECK:       nvvm.mma.sync A[%[[F0]], %[[F1]], %[[F2]], %[[F3]]]  B[%[[X01]], %[[X23]]]
// CHECK:       vector.shuffle %[[XS]], %[[XS]] [4, 5]
// CHECK-COUNT-3: nvvm.mma.sync
// CHECK:       scf.yield
// CHECK:     arith.addi %[[FIRSTB]], %c8 : index
// CHECK:     scf.if
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK-NOT: nvvm.mma.sync
// CHECK:   gpu.barrier
func.func @direct(%x: memref<?x256xf16>, %i: memref<1x4x96xi32>,
                  %c: memref<1x32768xf16>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 32, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x4x96xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 64, mma = true>}
  return
}

// -----

// bf16 with a residual codebook, the norm, outliers, bias and two codebook
// groups (64 columns each after 8 outlier columns): 16-bit codes (main in
// the low byte, residual in the high one), runs of 8 codes = 4 words. The
// block's 32 rows are two tiles of one group (grid.vectorTiles = 2): lane
// g reads rows 4g .. 4g + 3, elements 4g mod 8 .. of one vector per code,
// with one 8-byte read of each codebook; its mma rows g, g + 8 are rows
// 4g, 4g + 1 in tile 0 and 4g + 2, 4g + 3 in tile 1. The weights are made
// in f32 (centroid + residual, * scale + bias of the input column, read as
// the run's 8 columns in two 4-element vectors) and split into hi and lo
// bf16 parts with their own mma.
// CHECK-LABEL: func.func @direct_split
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[Q:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:   %[[RES:.+]] = memref.view %{{.+}}[%c4096][] : {{.*}} to memref<1x2048xbf16, #gpu.address_space<workgroup>>
// CHECK:   scf.for %[[CB:.+]] = %c0 to %c2 step %c1
// CHECK:     %[[G4:.+]] = arith.muli %[[G]], %c4 : index
// CHECK:     %[[VROW:.+]] = arith.divui %[[G4]], %c8 : index
// CHECK:     vector.load %arg1[%[[CB]], %{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<2x8x32xi32>, vector<4xi32>
// The run's first input column: 8 + 64 cb + chunk + 8q.
// CHECK:     %[[GROUP:.+]] = arith.muli %[[CB]], %c64 : index
// CHECK:     %[[BASE:.+]] = arith.addi %[[GROUP]], %c8 : index
// CHECK:     vector.load %arg0[%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<?x136xbf16>, vector<8xbf16>
// CHECK:     scf.for
// CHECK:       llvm.inline_asm has_side_effects "", "r,r,r,r,r,r,r,r"
// CHECK:       %[[NCOL:.+]] = arith.addi %[[BASE]], %{{.+}} : index
// CHECK:       %[[S0:.+]] = vector.load %arg6[%[[NCOL]]] {alignment = 8 : i64} : memref<136xbf16>, vector<4xbf16>
// CHECK:       %[[S4:.+]] = vector.load %arg6[%{{.+}}] {alignment = 8 : i64} : memref<136xbf16>, vector<4xbf16>
// CHECK:       %[[SF:.+]] = arith.extf %[[S0]] : vector<4xbf16> to vector<4xf32>
// CHECK:       %[[SCALE:.+]] = vector.extract %[[SF]][0] : f32 from vector<4xf32>
// CHECK:       %[[T0:.+]] = vector.load %arg7[%[[NCOL]]] {alignment = 8 : i64} : memref<136xbf16>, vector<4xbf16>
// CHECK:       %[[TF:.+]] = arith.extf %[[T0]] : vector<4xbf16> to vector<4xf32>
// CHECK:       %[[SHIFT:.+]] = vector.extract %[[TF]][0] : f32 from vector<4xf32>
// CHECK:       %[[FIRST:.+]] = arith.remui %[[G4]], %c8 : index
// CHECK:       %[[CODE:.+]] = arith.andi %{{.+}}, %c65535_i32 : i32
// CHECK:       %[[IDX:.+]] = arith.andi %[[CODE]], %c255_i32 : i32
// CHECK:       %[[RIDX:.+]] = arith.shrui %[[CODE]], %c8_i32 : i32
// CHECK:       %[[W:.+]] = vector.load %{{.+}}[%c0, %{{.+}}] {alignment = 8 : i64} : memref<1x2048xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK:       %[[WF:.+]] = arith.extf %[[W]] : vector<4xbf16> to vector<4xf32>
// CHECK:       %[[R:.+]] = vector.load %[[RES]][%c0, %{{.+}}] {alignment = 8 : i64} : memref<1x2048xbf16, #gpu.address_space<workgroup>>, vector<4xbf16>
// CHECK:       %[[RF:.+]] = arith.extf %[[R]] : vector<4xbf16> to vector<4xf32>
// CHECK:       %[[SUM:.+]] = arith.addf %[[WF]], %[[RF]] : vector<4xf32>
// CHECK:       %[[SB:.+]] = vector.broadcast %[[SCALE]] : f32 to vector<4xf32>
// CHECK:       %[[TB:.+]] = vector.broadcast %[[SHIFT]] : f32 to vector<4xf32>
// CHECK:       %[[NORMED:.+]] = vector.fma %[[SUM]], %[[SB]], %[[TB]] : vector<4xf32>
// CHECK:       %[[H:.+]] = arith.truncf %[[NORMED]] : vector<4xf32> to vector<4xbf16>
// CHECK:       %[[HF:.+]] = arith.extf %[[H]] : vector<4xbf16> to vector<4xf32>
// CHECK:       %[[DIFF:.+]] = arith.subf %[[NORMED]], %[[HF]] : vector<4xf32>
// CHECK:       %[[L:.+]] = arith.truncf %[[DIFF]] : vector<4xf32> to vector<4xbf16>
// Tile 0 takes elements 0, 1 and tile 1 elements 2, 3 of both parts.
// CHECK:       vector.shuffle %[[H]], %[[H]] [0, 1] : vector<4xbf16>, vector<4xbf16>
// CHECK:       vector.shuffle %[[L]], %[[L]] [0, 1] : vector<4xbf16>, vector<4xbf16>
// CHECK:       vector.shuffle %[[H]], %[[H]] [2, 3] : vector<4xbf16>, vector<4xbf16>
// CHECK:       vector.shuffle %[[L]], %[[L]] [2, 3] : vector<4xbf16>, vector<4xbf16>
// bf16 pairs go to mma as i32: 2 steps x 2 tiles x 2 parts = 8 mma for
// the one batch tile of 8.
// CHECK:       scf.if
// CHECK-COUNT-8: nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{.*}} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK-NOT:   nvvm.mma.sync
// The partials: tile t's mma row g + 8 of lane g is block row 4g + 2t + 1.
// CHECK:   gpu.barrier
// CHECK:   %[[PROW:.+]] = arith.muli %[[G]], %c4 : index
// CHECK:   %[[PROW1:.+]] = arith.addi %[[PROW]], %c1 : index
// CHECK:   memref.store %{{.+}}, %{{.+}}[%{{.+}}, %[[PROW1]], %{{.+}}] : memref<2x32x8xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[PROW2:.+]] = arith.addi %[[PROW]], %c2 : index
// CHECK:   memref.store %{{.+}}, %{{.+}}[%{{.+}}, %[[PROW2]], %{{.+}}] : memref<2x32x8xf32, #gpu.address_space<workgroup>>
func.func @direct_split(%x: memref<?x136xbf16>, %i: memref<2x8x32xi32>,
                        %c: memref<2x2048xbf16>, %rc: memref<2x2048xbf16>,
                        %oi: memref<1x16x8xi16>, %oc: memref<1x1024xbf16>,
                        %s: memref<136xbf16>, %sb: memref<136xbf16>,
                        %bias: memref<64xbf16>, %y: memref<?x64xbf16>) {
  vptq.matmul #vptq.vq<in_features = 136, out_features = 64, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256,
                       num_codebooks = 2, outlier_size = 8, outlier_vector_len = 4,
                       num_outlier_centroids = 256, packed = true,
                       enable_norm = true, bias = true>
      input(%x : memref<?x136xbf16>) indices(%i : memref<2x8x32xi32>)
      centroids(%c : memref<2x2048xbf16>) res_centroids(%rc : memref<2x2048xbf16>)
      outlier_indices(%oi : memref<1x16x8xi16>) outlier_centroids(%oc : memref<1x1024xbf16>)
      weight_scale(%s : memref<136xbf16>) weight_bias(%sb : memref<136xbf16>)
      bias(%bias : memref<64xbf16>) outs(%y : memref<?x64xbf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = shared>,
       tiling = #vptq.tiling<block_rows = 4, warps_per_row = 2, batch_tile = 8,
                             k_chunk = 32, mma = true>}
  return
}

// -----

// A replicated codebook (the default for 256 x 8 f16 on NVIDIA chips): 8
// copies of each entry side by side, [256][8][8] f16 = 32 KiB, written one
// 16-byte slot per thread and round (slot s holds entry s / 8). The block's
// 64 rows are one group of 4 tiles: lane g reads vector g's 8 rows with
// one 16-byte read per code, from copy q + 4 (g mod 2), so that the 8
// lanes of a 16-byte wavefront (g = 2p, 2p + 1, all q) read 8 different
// copies, on 8 different bank groups.
// CHECK-LABEL: func.func @direct_replicated
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[G:.+]] = arith.divui %[[LANE]], %c4 : index
// CHECK:   %[[Q:.+]] = arith.remui %[[LANE]], %c4 : index
// CHECK:   %[[CB:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x16384xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[PARITY:.+]] = arith.remui %[[G]], %c2 : index
// CHECK:   %[[HIGH:.+]] = arith.muli %[[PARITY]], %c4 : index
// CHECK:   %[[COPY:.+]] = arith.addi %[[Q]], %[[HIGH]] : index
// CHECK:   scf.for %[[R:.+]] = %c0 to %c2048 step %c256
// CHECK:     %[[SLOT:.+]] = arith.addi %[[R]], %thread_id_x : index
// CHECK:     %[[ENTRY:.+]] = arith.divui %[[SLOT]], %c8 : index
// CHECK:     %[[SRC:.+]] = arith.muli %[[ENTRY]], %c8 : index
// CHECK:     %[[V:.+]] = vector.load %arg2[%c0, %[[SRC]]] {alignment = 16 : i64} : memref<1x2048xf16>, vector<8xf16>
// CHECK:     %[[DST:.+]] = arith.muli %[[SLOT]], %c8 : index
// CHECK:     vector.store %[[V]], %[[CB]][%c0, %[[DST]]] {alignment = 16 : i64}
// CHECK:   scf.for
// CHECK:     %[[IDX:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:     %[[ROWS:.+]] = arith.muli %[[IDX]], %c8 : index
// CHECK:     %[[SLOTC:.+]] = arith.addi %[[ROWS]], %[[COPY]] : index
// CHECK:     %[[AT:.+]] = arith.muli %[[SLOTC]], %c8 : index
// CHECK:     %[[ELEM:.+]] = arith.addi %[[AT]], %{{.+}} : index
// CHECK:     vector.load %[[CB]][%c0, %[[ELEM]]] {alignment = 16 : i64} : memref<1x16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
func.func @direct_replicated(%x: memref<?x256xf16>, %i: memref<1x8x64xi32>,
                             %c: memref<1x2048xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 64, vector_len = 8,
                       num_centroids = 256, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x64xi32>)
      centroids(%c : memref<1x2048xf16>) outs(%y : memref<?x64xf16>)
      {tiling = #vptq.tiling<block_rows = 8, warps_per_row = 2, batch_tile = 16,
                             k_chunk = 64, mma = true>}
  return
}
