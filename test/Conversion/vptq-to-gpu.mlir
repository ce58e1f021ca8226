// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=vptq.dequant --implicit-check-not=vptq.unpack_indices

// convert-vptq-to-gpu replaces each vptq op on memrefs with a
// gpu.launch_func of a kernel generated into gpu.module @vptq_kernels, and
// records the launch parameters runtimes need in `vptq.launch`.

// block_rows = 2 x warps_per_row = 2 warps -> 128 threads; 4 index rows ->
// 2 blocks along x; the batch in blocks of batch_tile = 2 along y.
// Shared memory: codebook 4096 B, staged codes 2 x 48 words, activations
// 2 x 128 f32, warp partials 4 x 2 x 8 f32, and the permuted layer's rows
// of activations 2 x 128 f32 = 6784 bytes.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[B:.+]] = memref.dim %arg0, %c0 : memref<?x128xf16>
// CHECK: %[[GY:.+]] = arith.ceildivui %[[B]], %c2 : index
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c2, %[[GY]], %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c6784_i32 args(%arg0 : memref<?x128xf16>, %arg1 : memref<1x4x48xi32>, %arg2 : memref<1x2048xf16>, %arg3 : memref<1x128xf16>, %arg4 : memref<128xi16>, %arg5 : memref<32xf16>, %arg6 : memref<?x32xf16>)
// CHECK-SAME: vptq.launch = {batch_tile = 2 : i64, block_size = 128 : i64, grid_dependency = true, grid_x = 2 : i64, kernel = "vptq_matmul_0", op = "matmul", placement = #vptq.placement<centroids = shared, res_centroids = registers>, shared_bytes = 6784 : i64, tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2, k_chunk = 128>}
// CHECK: gpu.module @vptq_kernels
// CHECK: gpu.func @vptq_matmul_0({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:   %[[SMEM:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:   %[[CB:.+]] = memref.view %[[SMEM]][%c0][] : {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[CODES:.+]] = memref.view %[[SMEM]][%c4096][] : {{.*}} to memref<2x48xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view %[[SMEM]][%c4480][] : {{.*}} to memref<2x128xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[PART:.+]] = memref.view %[[SMEM]][%c5504][] : {{.*}} to memref<4x2x8xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[ROWS:.+]] = memref.view %[[SMEM]][%c5760][] : {{.*}} to memref<2x128xf32, #gpu.address_space<workgroup>>
// One codebook group: the block copies the shared codebook first, with
// 16-byte vectors (weights only: before the wait for the previous kernel).
// CHECK-NOT: gpu.barrier
// CHECK:   vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x2048xf16>, vector<8xf16>
// CHECK:   vector.store %{{.+}}, %[[CB]][%c0, %{{.+}}] {alignment = 16 : i64}
// The 16-entry residual codebook: one entry per lane.
// CHECK:   vector.load %arg3[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x128xf16>, vector<8xf16>
// One chunk covers the group, and the permuted layer's rows of activations
// fit (stagesInputRow): each thread has column tid of both batch rows.
// Before the wait its column through perm (a weight); after it x read in
// natural column order into the row buffer (batch rows clamped to the
// batch, zero past it), a barrier, then the chunk gathered from that
// buffer through perm.
// CHECK:   %[[P:.+]] = memref.load %arg4[%thread_id_x] : memref<128xi16>
// CHECK:   %[[C:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK:   %[[IN0:.+]] = arith.cmpi ult, %[[B0:.+]], %[[DIM:.+]] : index
// CHECK:   %[[LAST:.+]] = arith.subi %[[DIM]], %c1 : index
// CHECK:   %[[SB0:.+]] = arith.minui %[[B0]], %[[LAST]] : index
// CHECK:   %[[X0:.+]] = memref.load %arg0[%[[SB0]], %thread_id_x] : memref<?x128xf16>
// CHECK:   %[[F0:.+]] = arith.extf %[[X0]] : f16 to f32
// CHECK:   %[[V0:.+]] = arith.select %[[IN0]], %[[F0]], %cst{{.*}} : f32
// CHECK:   %[[B1:.+]] = arith.addi %[[B0]], %c1 : index
// CHECK:   %[[IN1:.+]] = arith.cmpi ult, %[[B1]], %[[DIM]] : index
// CHECK:   memref.load %arg0[%{{.+}}, %thread_id_x] : memref<?x128xf16>
// CHECK-NOT: gpu.barrier
// CHECK:   memref.store %[[V0]], %[[ROWS]][%c0, %thread_id_x]
// CHECK-NEXT: memref.store %{{.+}}, %[[ROWS]][%c1, %thread_id_x]
// CHECK-NEXT: gpu.barrier
// CHECK-NEXT: %[[R0:.+]] = memref.load %[[ROWS]][%c0, %[[C]]] : memref<2x128xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT: %[[S0:.+]] = arith.select %[[IN0]], %[[R0]], %cst{{.*}} : f32
// CHECK-NEXT: %[[R1:.+]] = memref.load %[[ROWS]][%c1, %[[C]]]
// CHECK-NEXT: %[[S1:.+]] = arith.select %[[IN1]], %[[R1]], %cst{{.*}} : f32
// CHECK-NEXT: memref.store %[[S0]], %[[XS]][%c0, %thread_id_x]
// CHECK-NEXT: memref.store %[[S1]], %[[XS]][%c1, %thread_id_x]
// Per chunk: packed index words staged with 16-byte loads (the residual
// codebook's shuffles keep codes out of registers: 16 steps of 8 codes do
// not divide over 64 lanes), then a barrier before the compute loop.
// CHECK:   gpu.barrier
// CHECK:   vector.load %arg1[%c0, %{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<1x4x48xi32>, vector<4xi32>
// CHECK:   vector.store %{{.+}}, %[[CODES]][%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<2x48xi32, #gpu.address_space<workgroup>>, vector<4xi32>
// CHECK:   gpu.barrier
// Compute: decode from shared memory, gather the main vector from shared
// memory and the residual through lane shuffles, FMA two batch rows.
// CHECK:   memref.load %[[CODES]]
// CHECK:   vector.load %[[CB]][%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x2048xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK-COUNT-8: gpu.shuffle  idx
// CHECK:   vector.fma
// CHECK:   vector.fma
// Warp reduction of 2 x 8 sums by recursive halving: lanes with bit 16 set
// keep the upper 8 sums and send the lower 8, and so on down to bit 2
// (8 + 4 + 2 + 1 shuffles); one butterfly step sums the pairs, and lane L
// (L even) stores sum L / 2 = (batch row, element) (L / 16, L / 2 % 8).
// CHECK:   %[[B16:.+]] = arith.andi %[[LANE:.+]], %c16 : index
// CHECK:   %[[UP16:.+]] = arith.cmpi ne, %[[B16]], %c0 : index
// CHECK:   %[[SEND:.+]] = arith.select %[[UP16]], %[[LO:.+]], %[[HI:.+]] : f32
// CHECK:   %[[KEEP:.+]] = arith.select %[[UP16]], %[[HI]], %[[LO]] : f32
// CHECK:   %[[GOT:.+]], %{{.+}} = gpu.shuffle  xor %[[SEND]], %c16_i32, %c32_i32 : f32
// CHECK:   arith.addf %[[KEEP]], %[[GOT]] : f32
// CHECK-COUNT-7: gpu.shuffle  xor %{{.+}}, %c16_i32, %c32_i32 : f32
// CHECK-COUNT-4: gpu.shuffle  xor %{{.+}}, %c8_i32, %c32_i32 : f32
// CHECK-COUNT-2: gpu.shuffle  xor %{{.+}}, %c4_i32, %c32_i32 : f32
// CHECK:   gpu.shuffle  xor %{{.+}}, %c2_i32, %c32_i32 : f32
// CHECK:   %[[PAIR:.+]], %{{.+}} = gpu.shuffle  xor %[[S2:.+]], %c1_i32, %c32_i32 : f32
// CHECK:   %[[SUM:.+]] = arith.addf %[[S2]], %[[PAIR]] : f32
// CHECK:   %[[IDX:.+]] = arith.divui %[[LANE]], %c2 : index
// CHECK:   %[[ODD:.+]] = arith.remui %[[LANE]], %c2 : index
// CHECK:   %[[EVEN:.+]] = arith.cmpi eq, %[[ODD]], %c0 : index
// CHECK:   %[[INR:.+]] = arith.cmpi ult, %[[IDX]], %c16 : index
// CHECK:   %[[OWN:.+]] = arith.andi %[[EVEN]], %[[INR]] : i1
// CHECK:   scf.if %[[OWN]] {
// CHECK:     %[[J:.+]] = arith.divui %[[IDX]], %c8 : index
// CHECK:     %[[L:.+]] = arith.remui %[[IDX]], %c8 : index
// CHECK:     memref.store %[[SUM]], %[[PART]][%{{.+}}, %[[J]], %[[L]]]
// CHECK:   gpu.barrier
// CHECK:   arith.truncf %{{.+}} : f32 to f16
// CHECK:   memref.store %{{.+}}, %arg6
// CHECK:   gpu.return
func.func @matmul(%x: memref<?x128xf16>, %i: memref<1x4x48xi32>,
                  %c: memref<1x2048xf16>, %rc: memref<1x128xf16>,
                  %p: memref<128xi16>, %b: memref<32xf16>,
                  %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 16,
                       packed = true, enable_perm = true, bias = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x48xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x128xf16>)
      perm(%p : memref<128xi16>) bias(%b : memref<32xf16>)
      outs(%y : memref<?x32xf16>)
      {placement = #vptq.placement<centroids = shared,
                                   res_centroids = registers>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2,
                             k_chunk = 128>}
  return
}

// -----

// Activations staged per chunk from global memory (8500 columns of 2 batch
// rows: 68000 bytes, more than kMaxInputRowBytes) and the norm term. The
// norm term: rounds of 4 x 128 columns (weight_bias and both rows of x,
// all read before the first product), then one round for the last 308
// columns, clamped to column 8499 and masked past it. The staging: 320
// items of a chunk of 160 over 128 threads; chunks of 160 do not divide
// the group, so each item loads under a branch (k0 + g < 8500 and the
// batch row in range): clamped addresses outside one kept per-item
// registers live across the chunk loop. The third item, tid + 256, is
// clamped to item 319 and stored where the thread has it; all are loaded
// before any is stored.
// CHECK-LABEL: func.func @chunked_norm
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: memref<2x8500xf32
// CHECK:   nvvm.griddepcontrol wait
// CHECK:   %[[ROW0:.+]] = arith.minui %{{.+}}, %{{.+}} : index
// CHECK:   %[[ROW1:.+]] = arith.minui %{{.+}}, %{{.+}} : index
// CHECK:   scf.for %[[C:.+]] = %c0 to %c8192 step %c512 iter_args(%[[ACC0:.+]] = %cst{{.*}}, %[[ACC1:.+]] = %cst{{.*}}) -> (f32, f32) {
// CHECK:     %[[C0:.+]] = arith.addi %[[C]], %thread_id_x : index
// CHECK:     memref.load %arg5[%[[C0]]] : memref<8500xf16>
// CHECK:     memref.load %arg0[%[[ROW0]], %[[C0]]] : memref<?x8500xf16>
// CHECK:     memref.load %arg0[%[[ROW1]], %[[C0]]] : memref<?x8500xf16>
// CHECK-COUNT-6: memref.load %arg0[%{{.+}}, %{{.+}}] : memref<?x8500xf16>
// CHECK-NOT: memref.load
// CHECK:     arith.mulf
// CHECK:     arith.addf %[[ACC0]]
// CHECK:     arith.addf %[[ACC1]]
// CHECK:     scf.yield
// CHECK:   %[[T:.+]] = arith.addi %thread_id_x, %c8192 : index
// CHECK:   %[[TIN:.+]] = arith.cmpi ult, %[[T]], %c8500 : index
// CHECK:   %[[TC:.+]] = arith.minui %[[T]], %c8499 : index
// CHECK:   memref.load %arg5[%[[TC]]]
// CHECK:   memref.load %arg0[%[[ROW0]], %[[TC]]]
// CHECK:   memref.load %arg0[%[[ROW1]], %[[TC]]]
// CHECK-COUNT-6: memref.load
// CHECK-NOT: memref.load
// CHECK:   %[[TP:.+]] = arith.mulf
// CHECK:   arith.select %[[TIN]], %[[TP]], %cst{{.*}} : f32
// CHECK:   gpu.shuffle  xor
// CHECK:   scf.for %[[K0:.+]] = %c0 to %c8500 step %c160
// CHECK:     gpu.barrier
// CHECK:     %[[G0:.+]] = arith.remui %thread_id_x, %c160 : index
// CHECK:     %[[C0:.+]] = arith.addi %[[K0]], %[[G0]] : index
// CHECK:     %[[IN0:.+]] = arith.cmpi ult, %[[C0]], %c8500 : index
// CHECK:     %[[V0:.+]] = arith.andi %{{.+}}, %[[IN0]] : i1
// CHECK:     scf.if %[[V0]] -> (f32) {
// CHECK-NEXT:  memref.load %arg3[%[[C0]]] : memref<8500xi16>
// CHECK:       memref.load %arg0
// CHECK:       memref.load %arg4
// CHECK:     scf.if
// CHECK:     %[[I2:.+]] = arith.addi %thread_id_x, %c256 : index
// CHECK:     %[[SI2:.+]] = arith.minui %[[I2]], %c319 : index
// CHECK:     arith.remui %[[SI2]], %c160 : index
// CHECK:     scf.if
// CHECK-NEXT:  memref.load %arg3
// CHECK:       memref.load %arg0
// CHECK:       memref.load %arg4
// CHECK-NOT: memref.load
// CHECK:     memref.store %{{.+}}, %[[XS:.+]][%{{.+}}, %[[G0]]] : memref<2x160xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT: memref.store %{{.+}}, %[[XS]]
// CHECK-NEXT: %[[HAS2:.+]] = arith.cmpi ult, %[[I2]], %c320 : index
// CHECK-NEXT: scf.if %[[HAS2]] {
// CHECK-NEXT:   %[[J2:.+]] = arith.divui %[[I2]], %c160 : index
// CHECK-NEXT:   %[[G2U:.+]] = arith.remui %[[I2]], %c160 : index
// CHECK-NEXT:   memref.store %{{.+}}, %[[XS]][%[[J2]], %[[G2U]]]
// CHECK:     gpu.barrier
func.func @chunked_norm(%x: memref<?x8500xf16>, %i: memref<1x8x2125xi32>,
                        %c: memref<1x2048xf16>, %p: memref<8500xi16>,
                        %s: memref<8500xf16>, %nb: memref<8500xf16>,
                        %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 8500, out_features = 64, vector_len = 8,
                       num_centroids = 256, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x8500xf16>) indices(%i : memref<1x8x2125xi32>)
      centroids(%c : memref<1x2048xf16>) perm(%p : memref<8500xi16>)
      weight_scale(%s : memref<8500xf16>) weight_bias(%nb : memref<8500xf16>)
      outs(%y : memref<?x64xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 2,
                             k_chunk = 160>}
  return
}

// -----

// The same in 1100 columns of one batch row: the row of activations fits
// (stagesInputRow). Before the wait each thread reads weight_scale and
// weight_bias of its 9 columns tid + 128 u (the ninth clamped to 1099); after
// it x in natural column order, the scaled row and the norm term's share
// (the ninth masked), a barrier, and each chunk gathers its columns
// through perm from the row, not from global memory (under a branch: the
// chunks of 256 do not divide the 1100 columns).
// CHECK-LABEL: func.func @chunked_rows
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[ROWS:.+]] = memref.view %{{.+}}[%{{.+}}][] : {{.*}} to memref<1x1100xf32, #gpu.address_space<workgroup>>
// CHECK:   memref.load %arg4[%thread_id_x] : memref<1100xf16>
// CHECK:   memref.load %arg5[%thread_id_x] : memref<1100xf16>
// CHECK-COUNT-7: memref.load %arg5
// CHECK:   %[[I8:.+]] = arith.addi %thread_id_x, %c1024 : index
// CHECK:   %[[G8:.+]] = arith.minui %[[I8]], %c1099 : index
// CHECK:   memref.load %arg4[%[[G8]]]
// CHECK:   memref.load %arg5[%[[G8]]]
// CHECK-NOT: memref.load %arg3
// CHECK:   nvvm.griddepcontrol wait
// CHECK:   memref.load %arg0[%{{.+}}, %thread_id_x] : memref<?x1100xf16>
// CHECK-COUNT-8: memref.load %arg0
// CHECK:   %[[HAS8:.+]] = arith.cmpi ult, %[[I8]], %c1100 : index
// CHECK:   arith.select %[[HAS8]]
// CHECK:   memref.store %{{.+}}, %[[ROWS]][%{{.+}}, %thread_id_x]
// CHECK-COUNT-7: memref.store %{{.+}}, %[[ROWS]]
// CHECK:   scf.if %[[HAS8]] {
// CHECK-NEXT: memref.store %{{.+}}, %[[ROWS]][%{{.+}}, %[[G8]]]
// CHECK:   gpu.shuffle  xor
// CHECK:   gpu.barrier
// CHECK:   scf.for %[[K0:.+]] = %c0 to %c1100 step %c256
// CHECK:     gpu.barrier
// CHECK:     %[[COL:.+]] = arith.addi %[[K0]], %{{.+}} : index
// CHECK:     arith.cmpi ult, %[[COL]], %c1100 : index
// CHECK:     scf.if
// CHECK-NEXT: %[[P:.+]] = memref.load %arg3[%[[COL]]] : memref<1100xi16>
// CHECK-NEXT: %[[PC:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK-NOT: memref.load %arg0
// CHECK-NOT: memref.load %arg4
// CHECK:     memref.load %[[ROWS]][%{{.+}}, %[[PC]]]
// CHECK:     memref.store %{{.+}}, %[[XS:.+]][%{{.+}}, %{{.+}}] : memref<1x256xf32, #gpu.address_space<workgroup>>
// CHECK:     gpu.barrier
func.func @chunked_rows(%x: memref<?x1100xf16>, %i: memref<1x8x275xi32>,
                        %c: memref<1x2048xf16>, %p: memref<1100xi16>,
                        %s: memref<1100xf16>, %nb: memref<1100xf16>,
                        %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 1100, out_features = 64, vector_len = 8,
                       num_centroids = 256, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x1100xf16>) indices(%i : memref<1x8x275xi32>)
      centroids(%c : memref<1x2048xf16>) perm(%p : memref<1100xi16>)
      weight_scale(%s : memref<1100xf16>) weight_bias(%nb : memref<1100xf16>)
      outs(%y : memref<?x64xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 256>}
  return
}

// -----

// No activation rows where they would cost resident blocks the grid fills:
// 512 row tiles of 512 threads want 3 blocks per processor (74 KiB of shared
// memory each: the 64 KiB codebook, a 2048-column chunk), the 44 KiB row of
// 11008 f32 would leave one. The chunks gather through perm from global
// memory.
// CHECK-LABEL: func.func @rows_cost_blocks
// CHECK: dynamic_shared_memory_size %c74240_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: x11008xf32
// CHECK:   scf.for %[[K0:.+]] = %c0 to %c11008 step %c2048
// CHECK:     %[[P:.+]] = memref.load %arg3[%{{.+}}] : memref<11008xi16>
// CHECK:     %[[PC:.+]] = arith.index_castui %[[P]] : i16 to index
// CHECK:     memref.load %arg0[%{{.+}}, %[[PC]]] : memref<?x11008xf16>
func.func @rows_cost_blocks(%x: memref<?x11008xf16>, %i: memref<1x1024x4128xi32>,
                            %c: memref<1x32768xf16>, %p: memref<11008xi16>,
                            %y: memref<?x8192xf16>) {
  vptq.matmul #vptq.vq<in_features = 11008, out_features = 8192, vector_len = 8,
                       num_centroids = 4096, packed = true, enable_perm = true>
      input(%x : memref<?x11008xf16>) indices(%i : memref<1x1024x4128xi32>)
      centroids(%c : memref<1x32768xf16>) perm(%p : memref<11008xi16>)
      outs(%y : memref<?x8192xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 8, batch_tile = 1,
                             k_chunk = 2048>}
  return
}

// -----

// Without attributes the chip's defaults apply; a 65536-entry codebook is
// gathered from global memory. Unpacked indices are staged as one code per
// element (no vector loads: their rows are not word-aligned).
// CHECK-LABEL: func.func @defaults_global
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0
// CHECK-SAME: placement = #vptq.placement<centroids = global, res_centroids = global>
// CHECK: gpu.func @vptq_matmul_0
// CHECK-NOT: vector.load %{{.+}} : {{.*}}#gpu.address_space<workgroup>>, vector<4xf16>
// CHECK: vector.load %arg2[%{{.+}}, %{{.+}}] {alignment = 8 : i64} : memref<1x262144xf16>, vector<4xf16>
func.func @defaults_global(%x: memref<?x64xbf16>, %i: memref<1x8x64xi16>,
                           %c: memref<1x262144xf16>, %y: memref<?x30xf32>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 30, vector_len = 4,
                       num_centroids = 65536>
      input(%x : memref<?x64xbf16>) indices(%i : memref<1x8x64xi16>)
      centroids(%c : memref<1x262144xf16>) outs(%y : memref<?x30xf32>)
  return
}

// -----

// dequant and unpack_indices: one thread per code, 256 per block.
// 2 x 4 x 16 = 128 codes -> 1 block.
// CHECK-LABEL: func.func @elementwise
// CHECK: gpu.launch_func @vptq_kernels::@vptq_dequant_0 blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK-SAME: vptq.launch = {batch_tile = 1 : i64, block_size = 256 : i64, grid_dependency = true, grid_x = 1 : i64, kernel = "vptq_dequant_0", op = "dequant", shared_bytes = 0 : i64}
// CHECK: gpu.launch_func @vptq_kernels::@vptq_unpack_indices_1 blocks in (%c1, %c1, %c1) threads in (%c256, %c1, %c1)
// CHECK: gpu.func @vptq_dequant_0
// CHECK:   gpu.block_id  x
// CHECK:   gpu.thread_id  x
// CHECK: gpu.func @vptq_unpack_indices_1
func.func @elementwise(%i: memref<2x4x2xi32>, %c: memref<2x64xf16>,
                       %w: memref<16x32xf16>, %u: memref<2x4x16xi32>) {
  vptq.dequant #vptq.vq<in_features = 32, out_features = 16, vector_len = 4,
                        num_centroids = 16, num_codebooks = 2, packed = true>
      indices(%i : memref<2x4x2xi32>) centroids(%c : memref<2x64xf16>)
      outs(%w : memref<16x32xf16>)
  vptq.unpack_indices #vptq.vq<in_features = 32, out_features = 16,
                               vector_len = 4, num_centroids = 16,
                               num_codebooks = 2, packed = true>
      %i : memref<2x4x2xi32> outs(%u : memref<2x4x16xi32>)
  return
}

// -----

// vptq.linear: a warp per output row (4 per block), lanes reading 16-byte
// pieces of the weight row, a shuffle reduction, lane 0 storing.
// CHECK-LABEL: func.func @linear
// CHECK: gpu.launch_func @vptq_kernels::@vptq_linear_0 blocks in (%c8, %{{.+}}, %c1) threads in (%c128, %c1, %c1)
// CHECK-SAME: vptq.launch = {batch_tile = 1 : i64, block_size = 128 : i64, grid_dependency = true, grid_x = 8 : i64, kernel = "vptq_linear_0", op = "linear", shared_bytes = 0 : i64
// CHECK: gpu.func @vptq_linear_0
// CHECK:   scf.for
// CHECK:     vector.load %arg1[%{{.+}}, %{{.+}}] {alignment = 16 : i64} : memref<32x64xf16>, vector<8xf16>
// CHECK:     vector.fma
// CHECK:   vector.reduction <add>
// CHECK-COUNT-5: gpu.shuffle  xor
// CHECK:   memref.store
func.func @linear(%x: memref<?x64xf16>, %w: memref<32x64xf16>,
                  %y: memref<?x32xf16>) {
  vptq.linear input(%x : memref<?x64xf16>) weight(%w : memref<32x64xf16>)
      outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 32>}
  return
}

// -----

// A codebook copy of many rounds keeps 4 loads in flight per thread: 1040
// centroids x 8 = 8320 f16 = 1040 vectors over 64 threads, so 4 batches of
// 4 rounds (8192 elements: 4 loads, then their 4 stores), then the last 16
// vectors one round at a time.
// CHECK-LABEL: gpu.func @vptq_matmul_0
// CHECK:       %[[CB:.+]] = memref.view {{.*}} to memref<1x8320xf16, #gpu.address_space<workgroup>>
// CHECK:       scf.for %[[BASE:.+]] = %c0 to %c8192 step %c2048 {
// CHECK-NEXT:    %[[I0:.+]] = arith.addi %[[BASE]], %[[FIRST:.+]] : index
// CHECK-NEXT:    %[[V0:.+]] = vector.load %arg2[%c0, %[[I0]]] {alignment = 16 : i64} : memref<1x8320xf16>, vector<8xf16>
// CHECK-NEXT:    %[[I1:.+]] = arith.addi %[[I0]], %c512 : index
// CHECK-NEXT:    %[[V1:.+]] = vector.load %arg2[%c0, %[[I1]]]
// CHECK-NEXT:    %[[I2:.+]] = arith.addi %[[I0]], %c1024 : index
// CHECK-NEXT:    %[[V2:.+]] = vector.load %arg2[%c0, %[[I2]]]
// CHECK-NEXT:    %[[I3:.+]] = arith.addi %[[I0]], %c1536 : index
// CHECK-NEXT:    %[[V3:.+]] = vector.load %arg2[%c0, %[[I3]]]
// CHECK-NEXT:    vector.store %[[V0]], %[[CB]][%c0, %[[I0]]]
// CHECK-NEXT:    vector.store %[[V1]], %[[CB]][%c0, %[[I1]]]
// CHECK-NEXT:    vector.store %[[V2]], %[[CB]][%c0, %[[I2]]]
// CHECK-NEXT:    vector.store %[[V3]], %[[CB]][%c0, %[[I3]]]
// CHECK-NEXT:  {{^ *}}}
// CHECK:       %[[REST:.+]] = arith.addi %[[FIRST]], %c8192 : index
// CHECK-NEXT:  scf.for %[[I:.+]] = %[[REST]] to %c8320 step %c512 {
// CHECK-NEXT:    %[[V:.+]] = vector.load %arg2[%c0, %[[I]]]
// CHECK-NEXT:    vector.store %[[V]], %[[CB]][%c0, %[[I]]]
// CHECK-NEXT:  {{^ *}}}
func.func @copy_in_flight(%x: memref<?x64xf16>, %i: memref<1x8x22xi32>,
                          %c: memref<1x8320xf16>, %y: memref<?x64xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 64, vector_len = 8,
                       num_centroids = 1040, packed = true>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x8x22xi32>)
      centroids(%c : memref<1x8320xf16>) outs(%y : memref<?x64xf16>)
      {placement = #vptq.placement<centroids = shared, res_centroids = global>,
       tiling = #vptq.tiling<block_rows = 1, warps_per_row = 2, batch_tile = 1,
                             k_chunk = 64>}
  return
}

// -----

// A gated input (a SwiGLU down projection): every activation the kernel
// reads, for the scaled staging and for the norm term alike, is
// silu(gate) * x as vptq.silu_mul computes it (f32, rounded to f16 once),
// both read after the grid-dependency wait.
// CHECK-LABEL: func.func @gated
// CHECK: gpu.func @vptq_matmul_0
// CHECK: nvvm.griddepcontrol wait
// CHECK: %[[X:.+]] = memref.load %arg0[%[[B:.+]], %[[P:.+]]] : memref<?x16xf16>
// CHECK: %[[XF:.+]] = arith.extf %[[X]] : f16 to f32
// CHECK: %[[G:.+]] = memref.load %arg1[%[[B]], %[[P]]] : memref<?x16xf16>
// CHECK: %[[GF:.+]] = arith.extf %[[G]] : f16 to f32
// CHECK: %[[NEG:.+]] = arith.negf %[[GF]] : f32
// CHECK: %[[EXP:.+]] = math.exp %[[NEG]] : f32
// CHECK: %[[DEN:.+]] = arith.addf %[[EXP]], %{{.+}} : f32
// CHECK: %[[SILU:.+]] = arith.divf %[[GF]], %[[DEN]] : f32
// CHECK: %[[PROD:.+]] = arith.mulf %[[SILU]], %[[XF]] : f32
// CHECK: %[[R:.+]] = arith.truncf %[[PROD]] : f32 to f16
// CHECK: %[[IN:.+]] = arith.extf %[[R]] : f16 to f32
// CHECK: arith.mulf %[[IN]], %{{.+}} : f32
// CHECK: arith.mulf %[[IN]], %{{.+}} : f32
// CHECK-NOT: memref.load %arg0
func.func @gated(%x: memref<?x16xf16>, %g: memref<?x16xf16>, %i: memref<1x2x2xi32>,
                 %c: memref<1x64xf16>, %p: memref<16xi16>, %s: memref<16xf16>,
                 %wb: memref<16xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x16xf16>) gate(%g : memref<?x16xf16>)
      indices(%i : memref<1x2x2xi32>) centroids(%c : memref<1x64xf16>)
      perm(%p : memref<16xi16>) weight_scale(%s : memref<16xf16>)
      weight_bias(%wb : memref<16xf16>) outs(%y : memref<?x8xf16>)
  return
}
