// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s

// A multicast codebook in PTX: a cluster of 2 blocks, the mbarrier
// readied for 64 KiB and fenced for the cluster, the bulk copies from
// global memory into the shared memory of both blocks completing on it,
// the wait on its phase 0, and the cluster barrier's halves.

// CHECK: .explicitcluster
// CHECK-NEXT: .reqnctapercluster 2, 1, 1
// CHECK: mbarrier.init.shared.b64 [__dynamic_shmem__0+68096], %r{{[0-9]+}};
// CHECK-NEXT: fence.mbarrier_init.release.cluster;
// CHECK: barrier.cluster.arrive.aligned;
// CHECK-NEXT: barrier.cluster.wait.aligned;
// CHECK: mbarrier.arrive.expect_tx.shared.b64 %rd{{[0-9]+}}, [__dynamic_shmem__0+68096], %r{{[0-9]+}};
// CHECK: mov.u32 %r{{[0-9]+}}, %cluster_ctarank;
// CHECK: cvta.to.shared::cluster.u64
// CHECK: cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster [%rd{{[0-9]+}}], [%rd{{[0-9]+}}], %r{{[0-9]+}}, [__dynamic_shmem__0+68096], %rs{{[0-9]+}};
// CHECK: griddepcontrol.wait;
// CHECK: mbarrier.try_wait.parity.shared.b64
// CHECK: barrier.cluster.arrive.relaxed.aligned;
// CHECK: barrier.cluster.wait.aligned;
// CHECK-NEXT: griddepcontrol.launch_dependents;
func.func @multicast(%x: memref<?x512xf16>, %i: memref<1x64x192xi32>,
                     %c: memref<1x32768xf16>, %y: memref<?x512xf16>) {
  vptq.matmul #vptq.vq<in_features = 512, out_features = 512, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x512xf16>) indices(%i : memref<1x64x192xi32>)
      centroids(%c : memref<1x32768xf16>)
      outs(%y : memref<?x512xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 4, batch_tile = 1,
                             k_chunk = 512>,
       placement = #vptq.placement<centroids = multicast, res_centroids = global>}
  return
}
