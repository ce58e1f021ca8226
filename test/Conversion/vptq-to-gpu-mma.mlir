// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=gpu.shuffle

// The tensor-core form of vptq.matmul (#vptq.tiling mma = true): each warp
// dequantizes its own column chunks into a shared-memory tile in the model
// type and multiplies it with nvvm.mma.sync m16n8k16 (f32 accumulators);
// no block barrier inside the chunk loop, warp syncs around the tile.

// 4 warps -> 128 threads; 2 index rows of 8 = one 16-row mma tile per
// block, 2 blocks along x; batch tiles of 16 (two 8-row mma tiles) along y.
// Shared memory: 4 warp tiles of 16 x (32 + 8) f16 = 5120 bytes; the
// [4][16][16] f32 partials (4096 bytes) alias them at offset 0.
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
// CHECK:   %[[TILES:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<4x16x40xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[PART:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<4x16x16xf32, #gpu.address_space<workgroup>>
// Warp w takes the 32-column chunks w, w + 4, ...: 2 x 2 x 4 accumulators.
// CHECK:   %[[START:.+]] = arith.muli %[[WARP]], %c32 : index
// CHECK:   %[[ACC:.+]]:8 = scf.for %[[K0:.+]] = %[[START]] to %c256 step %c128 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK-NOT:  gpu.barrier
// CHECK:     nvvm.bar.warp.sync %c-1_i32 : i32
// Two codes per lane (64 per chunk), both gathered from the global
// codebook before the tile is written, 8 halves per vector.
// CHECK:     memref.load %arg1
// CHECK:     %[[V0:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:     memref.load %arg1
// CHECK:     %[[V1:.+]] = vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
// CHECK:     vector.extract %[[V0]][0] : f16 from vector<8xf16>
// CHECK:     memref.store %{{.+}}, %[[TILES]][%[[WARP]], %{{.+}}, %{{.+}}] : memref<4x16x40xf16, #gpu.address_space<workgroup>>
// CHECK-COUNT-15: memref.store %{{.+}}, %[[TILES]]
// CHECK:     nvvm.bar.warp.sync %c-1_i32 : i32
// A fragment: rows g and g + 8, columns 2q and 2q + 8 of the tile.
// CHECK:     %[[Q2:.+]] = arith.muli %[[Q]], %c2 : index
// CHECK:     %[[A0:.+]] = vector.load %[[TILES]][%[[WARP]], %[[G]], %[[Q2]]] {alignment = 4 : i64} : {{.*}}, vector<2xf16>
// CHECK:     %[[G8:.+]] = arith.addi %[[G]], %c8 : index
// CHECK:     %[[A1:.+]] = vector.load %[[TILES]][%[[WARP]], %[[G8]], %[[Q2]]]
// CHECK:     %[[Q28:.+]] = arith.addi %[[Q2]], %c8 : index
// CHECK:     %[[A2:.+]] = vector.load %[[TILES]][%[[WARP]], %[[G]], %[[Q28]]]
// CHECK:     %[[A3:.+]] = vector.load %[[TILES]][%[[WARP]], %[[G8]], %[[Q28]]]
// B fragment: batch row g of each 8-row tile (clamped to the batch), two
// adjacent activation columns per load; tiles past the batch are skipped.
// CHECK:     %[[LIVE:.+]] = arith.cmpi ult, %{{.+}}, %{{.+}} : index
// CHECK:     scf.if %[[LIVE]] -> (f32, f32, f32, f32) {
// CHECK:       %[[B0:.+]] = vector.load %arg0[%{{.+}}, %{{.+}}] {alignment = 4 : i64} : memref<?x256xf16>, vector<2xf16>
// CHECK:       %[[B1:.+]] = vector.load %arg0[%{{.+}}, %{{.+}}] {alignment = 4 : i64} : memref<?x256xf16>, vector<2xf16>
// CHECK:       %[[D:.+]] = nvvm.mma.sync A[%[[A0]], %[[A1]], %[[A2]], %[[A3]]]  B[%[[B0]], %[[B1]]]  C[{{.*}}]  {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (vector<2xf16>, vector<2xf16>, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:       llvm.extractvalue %[[D]][0]
// Two 16-column steps x two batch tiles per chunk.
// CHECK-COUNT-3: nvvm.mma.sync
// After the loop the accumulators go to the partials: c0 at [g][2q].
// CHECK:   gpu.barrier
// CHECK:   memref.store %[[ACC]]#0, %[[PART]][%[[WARP]], %[[G]], %{{.+}}]
// CHECK:   gpu.barrier
// Epilogue: one output per thread and step, row fastest; the 4 warps'
// partials are summed.
// CHECK:   scf.for %[[ITEM:.+]] = %thread_id_x to %c256 step %c128 {
// CHECK:     scf.for %{{.+}} = %c0 to %c4 step %c1 iter_args
// CHECK:       memref.load %[[PART]]
// CHECK:     arith.truncf %{{.+}} : f32 to f16
// CHECK:     memref.store %{{.+}}, %arg3[%{{.+}}, %{{.+}}] : memref<?x32xf16>
func.func @mma(%x: memref<?x256xf16>, %i: memref<1x4x128xi32>,
               %c: memref<1x524288xf16>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 32, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x4x128xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 4, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

// bf16 with a shared codebook, permutation, norm, outliers and bias; V = 6
// needs 8 index rows for three 16-row tiles. The codebook is copied by the
// whole block between barriers; the norm is applied to each gathered
// vector (W * scale + bias of its input column) in f32, which bf16 cannot
// hold exactly: the tile keeps hi = bf16(w) in rows 0-47 and
// lo = bf16(w - hi) in rows 48-95, each multiplied by its own mma.sync
// (bf16 pairs as i32); activations are read per column through perm; the
// epilogue adds the outlier columns (normed) and the bias.
// CHECK-LABEL: func.func @mma_perm_norm
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c1, %{{.+}}, %c1) threads in (%c64, %c1, %c1) dynamic_shared_memory_size %c12288_i32
// CHECK-SAME: placement = #vptq.placement<centroids = shared, res_centroids = global>
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x1536xbf16, #gpu.address_space<workgroup>>
// CHECK:   %[[TILES:.+]] = memref.view %{{.+}}[%c3072][] : {{.*}} to memref<2x96x24xbf16, #gpu.address_space<workgroup>>
// CHECK:   memref.view %{{.+}}[%c0][] : {{.*}} to memref<2x48x8xf32, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
// CHECK:   vector.store %{{.+}}, %[[CB]]
// CHECK:   gpu.barrier
// CHECK:   scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32) {
// CHECK:     vector.load %[[CB]][%c0, %{{.+}}] {alignment = 4 : i64} : {{.*}}, vector<2xbf16>
// CHECK:     %[[P:.+]] = memref.load %arg5[%{{.+}}] : memref<96xi16>
// CHECK:     %[[PI:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK:     memref.load %arg6[%[[PI]]]
// CHECK:     memref.load %arg7[%[[PI]]]
// CHECK:     %[[W:.+]] = vector.fma %{{.+}}, %{{.+}}, %{{.+}} : vector<6xf32>
// CHECK:     %[[HI:.+]] = arith.truncf %[[W]] : vector<6xf32> to vector<6xbf16>
// CHECK:     %[[HI32:.+]] = arith.extf %[[HI]] : vector<6xbf16> to vector<6xf32>
// CHECK:     %[[REST:.+]] = arith.subf %[[W]], %[[HI32]] : vector<6xf32>
// CHECK:     %[[LO:.+]] = arith.truncf %[[REST]] : vector<6xf32> to vector<6xbf16>
// CHECK:     %[[H0:.+]] = vector.extract %[[HI]][0] : bf16 from vector<6xbf16>
// CHECK:     memref.store %[[H0]], %[[TILES]][%{{.+}}, %[[M:.+]], %{{.+}}]
// CHECK:     %[[L0:.+]] = vector.extract %[[LO]][0] : bf16 from vector<6xbf16>
// CHECK:     %[[ML:.+]] = arith.addi %[[M]], %c48 : index
// CHECK:     memref.store %[[L0]], %[[TILES]][%{{.+}}, %[[ML]], %{{.+}}]
// CHECK:     vector.bitcast %{{.+}} : vector<2xbf16> to vector<1xi32>
// CHECK:     scf.if
// CHECK:       memref.load %arg0[%{{.+}}, %{{.+}}] : memref<?x96xbf16>
// CHECK:       memref.load %arg0[%{{.+}}, %{{.+}}] : memref<?x96xbf16>
// CHECK:       %[[DHI:.+]] = nvvm.mma.sync {{.*}} {layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>, multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:       %[[C0:.+]] = llvm.extractvalue %[[DHI]][0]
// CHECK:       nvvm.mma.sync {{.*}} C[%[[C0]],
// CHECK-COUNT-4: nvvm.mma.sync
// CHECK:   scf.for %{{.+}} = %thread_id_x to %c384 step %c64 {
// CHECK:     scf.for %{{.+}} = %c0 to %c16 step %c1
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
