// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul --implicit-check-not=vptq.dequant --implicit-check-not=vptq.unpack_indices

// convert-vptq-to-gpu replaces each vptq op on memrefs with a
// gpu.launch_func of a kernel generated into gpu.module @vptq_kernels, and
// records the launch parameters runtimes need in `vptq.launch`.

// block_rows = 2 x warps_per_row = 2 warps -> 128 threads; 4 index rows ->
// 2 blocks along x; the batch in blocks of batch_tile = 2 along y.
// Shared memory: codebook 4096 B, staged codes 2 x 48 words, activations
// 2 x 128 f32, warp partials 4 x 2 x 8 f32 = 5760 bytes.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[B:.+]] = memref.dim %arg0, %c0 : memref<?x128xf16>
// CHECK: %[[GY:.+]] = arith.ceildivui %[[B]], %c2 : index
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c2, %[[GY]], %c1) threads in (%c128, %c1, %c1) dynamic_shared_memory_size %c5760_i32 args(%arg0 : memref<?x128xf16>, %arg1 : memref<1x4x48xi32>, %arg2 : memref<1x2048xf16>, %arg3 : memref<1x128xf16>, %arg4 : memref<128xi16>, %arg5 : memref<32xf16>, %arg6 : memref<?x32xf16>)
// CHECK-SAME: vptq.launch = {batch_tile = 2 : i64, block_size = 128 : i64, grid_dependency = true, grid_x = 2 : i64, kernel = "vptq_matmul_0", op = "matmul", placement = #vptq.placement<centroids = shared, res_centroids = registers>, shared_bytes = 5760 : i64, tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2, k_chunk = 128>}
// CHECK: gpu.module @vptq_kernels
// CHECK: gpu.func @vptq_matmul_0({{.*}}) kernel attributes {known_block_size = array<i32: 128, 1, 1>}
// CHECK:   %[[SMEM:.+]] = gpu.dynamic_shared_memory : memref<?xi8, #gpu.address_space<workgroup>>
// CHECK:   %[[CB:.+]] = memref.view %[[SMEM]][%c0][] : {{.*}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK:   %[[CODES:.+]] = memref.view %[[SMEM]][%c4096][] : {{.*}} to memref<2x48xi32, #gpu.address_space<workgroup>>
// CHECK:   %[[XS:.+]] = memref.view %[[SMEM]][%c4480][] : {{.*}} to memref<2x128xf32, #gpu.address_space<workgroup>>
// CHECK:   %[[PART:.+]] = memref.view %[[SMEM]][%c5504][] : {{.*}} to memref<4x2x8xf32, #gpu.address_space<workgroup>>
// One codebook group: the block copies the shared codebook first, with
// 16-byte vectors (weights only: before the wait for the previous kernel).
// CHECK-NOT: gpu.barrier
// CHECK:   vector.load %arg2[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x2048xf16>, vector<8xf16>
// CHECK:   vector.store %{{.+}}, %[[CB]][%c0, %{{.+}}] {alignment = 16 : i64}
// The 16-entry residual codebook: one entry per lane.
// CHECK:   vector.load %arg3[%c0, %{{.+}}] {alignment = 16 : i64} : memref<1x128xf16>, vector<8xf16>
// CHECK:   nvvm.griddepcontrol wait
// One chunk covers the group: activations gathered through perm once.
// CHECK:   memref.load %arg4[%{{.+}}] : memref<128xi16>
// CHECK:   memref.store %{{.+}}, %[[XS]]
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
