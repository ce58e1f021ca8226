// RUN: vptq-opt %s -convert-vptq-to-gpu=chip=sm_90a -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul

// A SIMT kernel with a replicated main codebook (the default for 256 x 8
// f16 on NVIDIA chips) and a single-copy residual: the main codebook's
// view holds 8 copies of each entry ([256][8][8] f16), written one 16-byte
// slot per thread (slot s holds entry s / 8); each lane gathers whole
// entries of its own codes from copy lane mod 8, so the 8 lanes of a
// 16-byte-read wavefront read 8 different copies on 8 different banks.
// CHECK-LABEL: func.func @simt_replicated
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[LANE:.+]] = arith.remui %thread_id_x, %c32 : index
// CHECK:   %[[MAIN:.+]] = memref.view %{{.+}}[%c0][] : {{.*}} to memref<1x16384xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[RES:.+]] = memref.view %{{.+}}[%c32768][] : {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[COPY:.+]] = arith.remui %[[LANE]], %c8 : index
// CHECK:   %[[SLOT:.+]] = arith.addi %{{.+}}, %thread_id_x : index
// CHECK:   %[[ENTRY:.+]] = arith.divui %[[SLOT]], %c8 : index
// CHECK:   %[[SRC:.+]] = arith.muli %[[ENTRY]], %c8 : index
// CHECK:   %[[V:.+]] = vector.load %arg2[%c0, %[[SRC]]] {alignment = 16 : i64} : memref<1x2048xf16>, vector<8xf16>
// CHECK:   %[[DST:.+]] = arith.muli %[[SLOT]], %c8 : index
// CHECK:   vector.store %[[V]], %[[MAIN]][%c0, %[[DST]]] {alignment = 16 : i64}
// The gather: ((idx * 8) + copy) * 8 in the main view, idx * 8 in the
// residual's.
// CHECK:   %[[RIDX:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:   %[[IDX:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK:   %[[ROWS:.+]] = arith.muli %[[IDX]], %c8 : index
// CHECK:   %[[AT:.+]] = arith.addi %[[ROWS]], %[[COPY]] : index
// CHECK:   %[[ELEM:.+]] = arith.muli %[[AT]], %c8 : index
// CHECK:   vector.load %[[MAIN]][%c0, %[[ELEM]]] {alignment = 16 : i64} : memref<1x16384xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK:   %[[RAT:.+]] = arith.muli %[[RIDX]], %c8 : index
// CHECK:   vector.load %[[RES]][%c0, %[[RAT]]] {alignment = 16 : i64} : memref<1x2048xf16, #gpu.address_space<workgroup>>, vector<8xf16>
func.func @simt_replicated(%x: memref<?x256xf16>, %i: memref<1x8x128xi32>,
                           %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                           %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 64, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256,
                       packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x128xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x2048xf16>)
      outs(%y : memref<?x64xf16>)
      {tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 256>}
  return
}
