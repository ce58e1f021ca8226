// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu=chip=sm_90a -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.matmul
// RUN: not vptq-opt %s -split-input-file -convert-vptq-to-gpu=chip=sm_80 2>&1 | FileCheck %s --check-prefix=SM80

// Placement `multicast`: the blocks form clusters of 2; thread 0 readies
// the mbarrier behind the kernel's buffers (offset 68096) for the whole
// 64 KiB codebook, a cluster barrier makes every block's mbarrier ready,
// then the block of cluster rank r copies bytes r * 32768 .. + 32768 of
// the codebook in 4 KiB bulk copies (8 of them, a thread each) that the
// multicast mask 0b11 delivers to both blocks. Every thread waits on the
// mbarrier before the lookups, arrives on the cluster barrier, and waits
// on it before returning. Persistent blocks: 3 rounded up to 4 (whole
// clusters), also as the stride of the row-tile loop.

// CHECK-LABEL: func.func @persistent
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c4,
// CHECK-SAME: cluster_size = 2 : i64
// CHECK-SAME: grid_x = 4 : i64
// CHECK-SAME: placement = #vptq.placement<centroids = multicast, res_centroids = global>
// CHECK-SAME: shared_bytes = 68112 : i64
// CHECK: gpu.func @vptq_matmul_0
// CHECK-SAME: nvvm.cluster_dim = array<i32: 2, 1, 1>
// CHECK: %[[BASE:.+]] = arith.index_castui %{{.+}} : index to i64
// CHECK: %[[AT:.+]] = arith.addi %[[BASE]], %c68096_i64 : i64
// CHECK: %[[MBAR:.+]] = llvm.inttoptr %[[AT]] : i64 to !llvm.ptr<3>
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %thread_id_x, %c0 : index
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: nvvm.mbarrier.init %[[MBAR]], %c1_i32
// CHECK-NEXT: nvvm.fence.mbarrier.init
// CHECK-NEXT: }
// CHECK-NEXT: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK-NEXT: scf.if %[[FIRST]] {
// CHECK-NEXT: nvvm.mbarrier.arrive.expect_tx %[[MBAR]], %c65536_i32
// CHECK: %[[RANK:.+]] = arith.index_castui %{{.+}} : i32 to index
// CHECK: %[[SRC:.+]] = memref.extract_aligned_pointer_as_index %arg2
// CHECK: scf.for %[[P:.+]] = %thread_id_x to %c8 step %c512 {
// CHECK: %[[SHARE:.+]] = arith.muli %[[RANK]], %c32768 : index
// CHECK: %[[PIECE:.+]] = arith.muli %[[P]], %c4096 : index
// CHECK: %[[START:.+]] = arith.addi %[[SHARE]], %[[PIECE]] : index
// CHECK: %[[LEFT:.+]] = arith.subi %c32768, %[[PIECE]] : index
// CHECK: %[[SIZE:.+]] = arith.minui %[[LEFT]], %c4096 : index
// CHECK: arith.addi %[[SRC]], %[[START]] : index
// CHECK: %[[GLOBAL:.+]] = llvm.addrspacecast %{{.+}} : !llvm.ptr to !llvm.ptr<1>
// CHECK: %[[DST:.+]] = llvm.getelementptr %{{.+}}[%{{.+}}] : (!llvm.ptr<3>, i64) -> !llvm.ptr<3>, i8
// CHECK: %[[CLUSTER:.+]] = llvm.addrspacecast %[[DST]] : !llvm.ptr<3> to !llvm.ptr<7>
// CHECK: %[[BYTES:.+]] = arith.index_castui %[[SIZE]] : index to i32
// CHECK: nvvm.cp.async.bulk.shared.cluster.global %[[CLUSTER]], %[[GLOBAL]], %[[MBAR]], %[[BYTES]] multicast_mask = %c3_i16
// CHECK: nvvm.griddepcontrol wait
// CHECK: nvvm.mbarrier.try_wait.parity %[[MBAR]], %c0_i32, %c0_i32
// CHECK-NEXT: nvvm.cluster.arrive.relaxed {aligned}
// CHECK-NEXT: gpu.barrier
// CHECK: %[[BX:.+]] = gpu.block_id x
// CHECK: scf.for %{{.+}} = %[[BX]] to %c16 step %c4 {
// CHECK: vector.load %{{.+}} : memref<1x32768xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK: nvvm.cluster.wait {aligned}
// CHECK-NEXT: nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: gpu.return

// SM80: error: 'vptq.matmul' op cannot multicast its codebooks: multicast needs thread-block clusters (NVIDIA sm_90 or newer), not sm_80
func.func @persistent(%x: memref<?x512xf16>, %i: memref<1x64x192xi32>,
                      %c: memref<1x32768xf16>, %y: memref<?x512xf16>) {
  vptq.matmul #vptq.vq<in_features = 512, out_features = 512, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x512xf16>) indices(%i : memref<1x64x192xi32>)
      centroids(%c : memref<1x32768xf16>)
      outs(%y : memref<?x512xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 1,
                             k_chunk = 512, persistent_blocks = 3>,
       placement = #vptq.placement<centroids = multicast, res_centroids = global>}
  return
}

// -----

// Both codebooks multicast (4 KiB each, one 2 KiB piece per block and
// codebook; the mbarrier expects 8192 bytes). 15 row tiles, one block each:
// the grid is padded to 16 blocks; the last computes on the last row and
// stores nothing, but takes part in the multicast.

// CHECK-LABEL: func.func @padded
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%c16,
// CHECK-SAME: grid_x = 16 : i64
// CHECK: gpu.func @vptq_matmul_0
// CHECK: %[[MAIN:.+]] = memref.view %{{.+}}[%c0][] : {{.+}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK: %[[RES:.+]] = memref.view %{{.+}}[%c4096][] : {{.+}} to memref<1x2048xf16, #gpu.address_space<workgroup>>
// CHECK: nvvm.mbarrier.arrive.expect_tx %{{.+}}, %c8192_i32
// CHECK: memref.extract_aligned_pointer_as_index %arg2
// CHECK: scf.for %{{.+}} = %thread_id_x to %c1 step %c512 {
// CHECK: arith.muli %{{.+}}, %c2048 : index
// CHECK: nvvm.cp.async.bulk.shared.cluster.global
// CHECK: memref.extract_aligned_pointer_as_index %arg3
// CHECK: arith.addi %{{.+}}, %c4096_i64 : i64
// CHECK: scf.for %{{.+}} = %thread_id_x to %c1 step %c512 {
// CHECK: nvvm.cp.async.bulk.shared.cluster.global
// CHECK: nvvm.mbarrier.try_wait.parity
// CHECK: %[[ROW:.+]] = arith.addi %{{.+}}, %{{.+}} : index
// CHECK: arith.cmpi ult, %[[ROW]], %c60 : index
// CHECK: arith.minui %[[ROW]], %c59 : index
func.func @padded(%x: memref<?x512xf16>, %i: memref<1x60x256xi32>,
                  %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                  %y: memref<?x480xf16>) {
  vptq.matmul #vptq.vq<in_features = 512, out_features = 480, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256,
                       packed = true>
      input(%x : memref<?x512xf16>) indices(%i : memref<1x60x256xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x2048xf16>)
      outs(%y : memref<?x480xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 1,
                             k_chunk = 512>,
       placement = #vptq.placement<centroids = multicast, res_centroids = multicast>}
  return
}
