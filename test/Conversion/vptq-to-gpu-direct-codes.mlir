// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s

// When the packed codes fill whole 32-bit words in small steps
// (getDirectCodeGroup), the lanes read their codes from global memory
// straight into registers: no shared staging of codes, and when one chunk
// covers the codebook group (activations staged once per block), no
// barrier between the staging and the lookups.

// 12-bit codes, 8 per step in 3 words: lane L of the row's warp takes step
// L (codes 8L .. 8L + 7, words 3L .. 3L + 2), loads the words of the next
// step (clamped to the last, 31) before the current step's lookups, and
// reads each code with constant shifts; code 2 spans words 0 and 1, code 5
// words 1 and 2. Two batch rows: the step's 8 activations of each in two
// 16-byte vectors. The codebook copy comes before the wait for the previous
// kernel, the activations after it, then one barrier. Shared memory: the
// 64 KiB codebook, 2 x 256 f32 activations and 2 x 2 x 8 f32 warp partials
// = 67712 bytes (no codes).
// CHECK-LABEL: func.func @twelve_bits
// CHECK: dynamic_shared_memory_size %c67712_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view {{.*}} to memref<1x32768xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view {{.*}} to memref<2x256xf32, #gpu.address_space<workgroup>>
// CHECK-NOT: gpu.barrier
// CHECK:   vector.store %{{.+}}, %[[CB]]
// CHECK:   nvvm.griddepcontrol wait
// CHECK-NOT: gpu.barrier
// CHECK:   memref.store %{{.+}}, %[[XS]]
// CHECK:   gpu.barrier
// CHECK-NOT: gpu.barrier
// CHECK:   %[[ROW:.+]] = arith.minui %{{.+}}, %c31 : index
// CHECK:   %[[FIRST:.+]] = arith.minui %[[LANE:.+]], %c31 : index
// CHECK:   %[[FW:.+]] = arith.muli %[[FIRST]], %c3 : index
// CHECK:   %[[A0:.+]] = memref.load %arg1[%c0, %[[ROW]], %[[FW]]] : memref<1x32x96xi32>
// CHECK:   %[[A1:.+]] = memref.load %arg1
// CHECK:   %[[A2:.+]] = memref.load %arg1
// CHECK:   scf.for %[[Q:.+]] = %[[LANE]] to %c32 step %c32 iter_args(%{{.+}} = %cst{{.*}}, %{{.+}} = %cst{{.*}}, %[[W0:.+]] = %[[A0]], %[[W1:.+]] = %[[A1]], %[[W2:.+]] = %[[A2]])
// CHECK:     %[[NQ:.+]] = arith.addi %[[Q]], %c32 : index
// CHECK:     %[[NQC:.+]] = arith.minui %[[NQ]], %c31 : index
// CHECK:     %[[NW:.+]] = arith.muli %[[NQC]], %c3 : index
// CHECK:     %[[N0:.+]] = memref.load %arg1[%c0, %[[ROW]], %[[NW]]]
// CHECK:     %[[N1:.+]] = memref.load %arg1
// CHECK:     %[[N2:.+]] = memref.load %arg1
// CHECK:     %[[G0:.+]] = arith.muli %[[Q]], %c8 : index
// CHECK:     %[[X00:.+]] = vector.load %[[XS]][%c0, %[[G0]]] {alignment = 16 : i64} {{.*}} vector<4xf32>
// CHECK:     %[[G4:.+]] = arith.addi %[[G0]], %c4 : index
// CHECK:     vector.load %[[XS]][%c0, %[[G4]]] {alignment = 16 : i64}
// CHECK:     %[[X10:.+]] = vector.load %[[XS]][%c1, %[[G0]]] {alignment = 16 : i64}
// CHECK:     vector.load %[[XS]][%c1, %[[G4]]] {alignment = 16 : i64}
// CHECK:     %[[C0:.+]] = arith.andi %[[W0]], %c4095_i32 : i32
// CHECK:     %[[E0:.+]] = arith.index_castui %[[C0]] : i32 to index
// CHECK:     %[[O0:.+]] = arith.muli %[[E0]], %c8 : index
// CHECK:     %[[V0:.+]] = vector.load %[[CB]][%c0, %[[O0]]] {alignment = 16 : i64} {{.*}} vector<8xf16>
// CHECK:     %[[F0:.+]] = arith.extf %[[V0]]
// CHECK:     vector.extract %[[X00]][0]
// CHECK:     vector.fma %{{.+}}, %[[F0]]
// CHECK:     vector.extract %[[X10]][0]
// CHECK:     vector.fma %{{.+}}, %[[F0]]
// CHECK:     %[[S1:.+]] = arith.shrui %[[W0]], %c12_i32 : i32
// CHECK:     arith.andi %[[S1]], %c4095_i32 : i32
// CHECK:     %[[L2:.+]] = arith.shrui %[[W0]], %c24_i32 : i32
// CHECK:     %[[H2:.+]] = arith.shli %[[W1]], %c8_i32 : i32
// CHECK:     %[[C2:.+]] = arith.ori %[[L2]], %[[H2]] : i32
// CHECK:     arith.andi %[[C2]], %c4095_i32 : i32
// CHECK:     arith.shrui %[[W1]], %c4_i32 : i32
// CHECK:     arith.shrui %[[W1]], %c16_i32 : i32
// CHECK:     %[[L5:.+]] = arith.shrui %[[W1]], %c28_i32 : i32
// CHECK:     %[[H5:.+]] = arith.shli %[[W2]], %c4_i32 : i32
// CHECK:     arith.ori %[[L5]], %[[H5]] : i32
// CHECK:     arith.shrui %[[W2]], %c8_i32 : i32
// CHECK:     %[[C7:.+]] = arith.shrui %[[W2]], %c20_i32 : i32
// CHECK:     %[[I7:.+]] = arith.andi %[[C7]], %c4095_i32 : i32
// CHECK:     arith.index_castui %[[I7]]
// CHECK:     scf.yield %{{.+}}, %{{.+}}, %[[N0]], %[[N1]], %[[N2]]
// CHECK:   gpu.barrier
// CHECK:   gpu.return
func.func @twelve_bits(%x: memref<?x256xf16>, %i: memref<1x32x96xi32>,
                       %c: memref<1x32768xf16>, %y: memref<?x256xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 256, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x32x96xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x256xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 256>}
  return
}

// -----

// 24-bit codes (a 12-bit index and a 12-bit residual, V = 12), 8 per step
// in 6 words: the main index is the low 12 bits, the residual the high 12;
// both codebooks in shared memory.
// CHECK-LABEL: func.func @residual
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[CB:.+]] = memref.view {{.*}} to memref<1x49152xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[RCB:.+]] = memref.view {{.*}} to memref<1x49152xf16, #gpu.address_space<workgroup>>
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// CHECK:   scf.for %{{.+}} iter_args({{.*}}) -> (vector<12xf32>, i32, i32, i32, i32, i32, i32)
// CHECK-COUNT-6: memref.load %arg1
// CHECK:     %[[M:.+]] = arith.andi %[[W0:.+]], %c16777215_i32 : i32
// CHECK:     %[[I:.+]] = arith.andi %[[M]], %c4095_i32 : i32
// CHECK:     %[[R:.+]] = arith.shrui %[[M]], %c12_i32 : i32
// CHECK-DAG: arith.index_castui %[[I]]
// CHECK-DAG: arith.index_castui %[[R]]
// CHECK-COUNT-3: vector.load %[[CB]]{{.*}} vector<4xf16>
// CHECK-COUNT-3: vector.load %[[RCB]]{{.*}} vector<4xf16>
// CHECK:     arith.addf
// CHECK:     vector.fma
// CHECK:     arith.shrui %[[W0]], %c24_i32 : i32
// CHECK:     arith.shli %{{.+}}, %c8_i32 : i32
func.func @residual(%x: memref<?x512xf16>, %i: memref<1x16x384xi32>,
                    %c: memref<1x49152xf16>, %rc: memref<1x49152xf16>,
                    %y: memref<?x192xf16>) {
  vptq.matmul #vptq.vq<in_features = 512, out_features = 192, vector_len = 12,
                       num_centroids = 4096, num_res_centroids = 4096,
                       packed = true>
      input(%x : memref<?x512xf16>) indices(%i : memref<1x16x384xi32>)
      centroids(%c : memref<1x49152xf16>) res_centroids(%rc : memref<1x49152xf16>)
      outs(%y : memref<?x192xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = shared>,
       tiling = #vptq.tiling<block_rows = 1, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 512>}
  return
}

// -----

// 16-bit codes of a global 65536-entry codebook: 8 per step in one aligned
// 16-byte load.
// CHECK-LABEL: func.func @sixteen_bits
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   vector.load %arg1[%c0, %{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<1x8x128xi32>, vector<4xi32>
// CHECK:   scf.for
// CHECK:     vector.load %arg1[%c0, %{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<1x8x128xi32>, vector<4xi32>
// CHECK:     arith.andi %{{.+}}, %c65535_i32 : i32
// CHECK:     vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x524288xf16>, vector<8xf16>
func.func @sixteen_bits(%x: memref<?x256xf16>, %i: memref<1x8x128xi32>,
                        %c: memref<1x524288xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 64, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x128xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x64xf16>)
      {placement = #vptq.placement<centroids = global, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 256>}
  return
}

// -----

// Two chunks of 128 codes: activations are staged per chunk (between two
// barriers), codes still go to registers: the chunk from column k0 takes
// steps k0 / 8 .. min(32, k0 / 8 + 16), its activations at 8 * step - k0.
// CHECK-LABEL: func.func @two_chunks
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view {{.*}} to memref<1x128xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.for %[[K0:.+]] = %c0 to %c256 step %c128 iter_args
// CHECK:     gpu.barrier
// CHECK:     memref.store %{{.+}}, %[[XS]]
// CHECK:     gpu.barrier
// CHECK:     %[[FS:.+]] = arith.divui %[[K0]], %c8 : index
// CHECK:     %[[END:.+]] = arith.addi %[[FS]], %c16 : index
// CHECK:     %[[LAST:.+]] = arith.minui %[[END]], %c32 : index
// CHECK:     %[[FIRST:.+]] = arith.addi %[[FS]], %{{.+}} : index
// CHECK:     scf.for %[[Q:.+]] = %[[FIRST]] to %[[LAST]] step %c32
// CHECK:       %[[G:.+]] = arith.muli %[[Q]], %c8 : index
// CHECK:       %[[COL:.+]] = arith.subi %[[G]], %[[K0]] : index
// CHECK:       vector.load %[[XS]][%c0, %[[COL]]]
func.func @two_chunks(%x: memref<?x256xf16>, %i: memref<1x32x96xi32>,
                      %c: memref<1x32768xf16>, %y: memref<?x256xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 256, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x32x96xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x256xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 128>}
  return
}

// -----

// Codes stay staged in shared memory: 13-bit codes (a step of whole words
// would be 32 codes), 32-bit codes (8 words per step: measured slower),
// and unpacked indices.
// CHECK-LABEL: func.func @thirteen_bits
// CHECK-LABEL: func.func @thirty_two_bits
// CHECK-LABEL: func.func @unpacked
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   memref.view {{.*}} to memref<2x104xi32, #gpu.address_space<workgroup>>
// CHECK: gpu.func @vptq_matmul_1
// CHECK:   memref.view {{.*}} to memref<2x256xi32, #gpu.address_space<workgroup>>
// CHECK: gpu.func @vptq_matmul_2
// CHECK:   memref.view {{.*}} to memref<2x256xi32, #gpu.address_space<workgroup>>
func.func @thirteen_bits(%x: memref<?x256xf16>, %i: memref<1x32x104xi32>,
                         %c: memref<1x65536xf16>, %y: memref<?x256xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 256, vector_len = 8,
                       num_centroids = 8192, packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x32x104xi32>)
      centroids(%c : memref<1x65536xf16>) outs(%y : memref<?x256xf16>)
      {placement = #vptq.placement<centroids = global, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 256>}
  return
}
func.func @thirty_two_bits(%x: memref<?x256xf16>, %i: memref<1x8x256xi32>,
                           %c: memref<1x1048576xf16>,
                           %rc: memref<1x1048576xf16>,
                           %y: memref<?x128xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 128, vector_len = 16,
                       num_centroids = 65536, num_res_centroids = 65536,
                       packed = true>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x8x256xi32>)
      centroids(%c : memref<1x1048576xf16>)
      res_centroids(%rc : memref<1x1048576xf16>) outs(%y : memref<?x128xf16>)
      {placement = #vptq.placement<centroids = global, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 256>}
  return
}
func.func @unpacked(%x: memref<?x256xf16>, %i: memref<1x32x256xi16>,
                    %c: memref<1x32768xf16>, %y: memref<?x256xf16>) {
  vptq.matmul #vptq.vq<in_features = 256, out_features = 256, vector_len = 8,
                       num_centroids = 4096>
      input(%x : memref<?x256xf16>) indices(%i : memref<1x32x256xi16>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x256xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 256>}
  return
}
