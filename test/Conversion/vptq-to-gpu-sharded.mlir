// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a -vptq-place-codebooks=chip=sm_90a -convert-vptq-to-gpu=chip=sm_90a -canonicalize -cse | FileCheck %s
// RUN: not vptq-opt %s -split-input-file -vptq-tile=chip=sm_80 -convert-vptq-to-gpu=chip=sm_80 2>&1 | FileCheck %s --check-prefix=SM80
// RUN: not vptq-opt %s -split-input-file -vptq-tile=chip=sm_80 -vptq-place-codebooks=chip=sm_80 2>&1 | FileCheck %s --check-prefix=PLACE80

// A matmul with sharded indices: clusters of S = 8 blocks, each holding
// 128 of the 1024 centroids, its rows' entries of that shard walked 4 per
// lane, the partials summed over the cluster through mapa'd pointers
// between two cluster barriers.

// CHECK-LABEL: func.func @sharded
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0
// CHECK-SAME: cluster_size = 8 : i64
// CHECK-SAME: grid_x = 32 : i64
// CHECK-SAME: placement = #vptq.placement<centroids = sharded, res_centroids = global>
// CHECK-SAME: tiling = #vptq.tiling<block_rows = 32, warps_per_row = 1, batch_tile = 1, k_chunk = 128, persistent_blocks = 32>
// CHECK: gpu.func @vptq_matmul_0
// CHECK-SAME: nvvm.cluster_dim = array<i32: 8, 1, 1>
// Padding entries: column 128 (the zero column), entry 0.
// CHECK: %[[PAD:.*]] = arith.constant dense<128> : vector<4xi32>
// CHECK: %[[RANK:.*]] = nvvm.read.ptx.sreg.cluster.ctarank : i32
// CHECK: %[[SHARD:.*]] = arith.index_castui %[[RANK]] : i32 to index
// Shared memory: the slice (2048 bytes), the shard's offsets of the
// cluster's rows (one row per cluster: 2 words), activations, partials.
// CHECK: %[[OFFS:.*]] = memref.view %{{.*}}[%c2048][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<2xi32, #gpu.address_space<workgroup>>
// The codebook slice: elements rank * 1024 .. + 1024 (128 entries of 8).
// CHECK: %[[FIRST:.*]] = arith.muli %[[SHARD]], %c1024 : index
// CHECK: scf.for
// CHECK: arith.addi %[[FIRST]]
// CHECK: vector.load %{{.*}} : memref<1x8192xf16>, vector<8xf16>
// CHECK: vector.store {{.*}} : memref<1x1024xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// The offsets are staged into shared memory; weights only before the wait
// for the previous kernel.
// CHECK: scf.for
// CHECK: %[[OFF:.*]] = memref.load %{{.*}}[%[[SHARD]], %{{.*}}] : memref<8x5xi32>
// CHECK: memref.store %[[OFF]], %[[OFFS]][%{{.*}}] : memref<2xi32, #gpu.address_space<workgroup>>
// CHECK: nvvm.griddepcontrol wait
// CHECK: gpu.barrier
// CHECK: memref.load %[[OFFS]][%{{.*}}] : memref<2xi32, #gpu.address_space<workgroup>>
// CHECK: memref.load %[[OFFS]][%{{.*}}] : memref<2xi32, #gpu.address_space<workgroup>>
// Each lane loads 4 entries at i and 4 at i + 128 (padding past the row's
// end) before using them; a step covers 2 x 32 lanes x 4 entries.
// CHECK: %[[END:.*]] = arith.index_castui %{{.*}} : i32 to index
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[END]] step %c256 iter_args
// CHECK-NEXT: %[[W0:.*]] = vector.load %{{.*}}[%[[I]]] {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>
// CHECK-NEXT: %[[NEXT:.*]] = arith.addi %[[I]], %c128 : index
// CHECK-NEXT: %[[IN:.*]] = arith.cmpi ult, %[[NEXT]], %[[END]] : index
// CHECK-NEXT: %[[AT:.*]] = arith.select %[[IN]], %[[NEXT]], %[[I]] : index
// CHECK-NEXT: %[[W1:.*]] = vector.load %{{.*}}[%[[AT]]] {alignment = 16 : i64} : memref<?xi32>, vector<4xi32>
// CHECK-NEXT: arith.select %[[IN]], %[[W1]], %[[PAD]] : vector<4xi32>
// CHECK-NEXT: vector.extract %[[W0]][0]
// CHECK: arith.andi %{{.*}}, %c65535_i32 : i32
// CHECK: arith.shrui %{{.*}}, %c16_i32 : i32
// CHECK: vector.load %{{.*}} : memref<1x1024xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK: memref.load %{{.*}} : memref<1x129xf32, #gpu.address_space<workgroup>>
// CHECK: vector.fma
// One vector of 8 sums by recursive halving: 4 + 2 + 1 shuffles, then 2
// butterfly steps; lanes 0, 4, .., 28 store element lane / 4.
// CHECK-COUNT-4: gpu.shuffle  xor %{{.*}}, %c16_i32, %c32_i32 : f32
// CHECK-COUNT-2: gpu.shuffle  xor %{{.*}}, %c8_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c4_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK: gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK-NOT: gpu.shuffle
// CHECK: arith.divui %{{.*}}, %c4 : index
// CHECK: memref.store %{{.*}} : memref<1x1x1x8xf32, #gpu.address_space<workgroup>>
// CHECK: nvvm.cluster.arrive {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: llvm.addrspacecast %{{.*}} : !llvm.ptr<3> to !llvm.ptr
// CHECK-COUNT-8: nvvm.mapa
// CHECK: scf.for
// CHECK-COUNT-8: llvm.load %{{.*}} : !llvm.ptr -> f32
// CHECK: memref.store %{{.*}} : memref<?x32xf16>
// CHECK: nvvm.cluster.arrive.relaxed {aligned}
// CHECK-NEXT: nvvm.cluster.wait {aligned}
// CHECK: gpu.return

// PLACE80: error: 'vptq.matmul' op a sharded codebook needs thread-block clusters (NVIDIA sm_90 or newer), not sm_80
// SM80: error: 'vptq.matmul' op the sharded kernel runs as thread-block clusters: it needs an NVIDIA sm_90 or newer chip, not sm_80

func.func @sharded(%x: memref<?x128xf16>, %i: memref<1x4x40xi32>,
                   %c: memref<1x8192xf16>, %p: memref<128xi16>,
                   %e: memref<?xi32>, %o: memref<8x5xi32>,
                   %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32,
                       vector_len = 8, num_centroids = 1024,
                       packed = true, enable_perm = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x40xi32>)
      centroids(%c : memref<1x8192xf16>) perm(%p : memref<128xi16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x5xi32>)
      outs(%y : memref<?x32xf16>)
  return
}


// -----

// With the norm: 1024 threads stage 4096 + 1 columns, 5 items each (the
// fifth, tid + 4096, exists for thread 0 only: clamped to item 4096 and
// its store and norm share masked). Each item's weight_scale and
// weight_bias come before the wait (columns clamped to 4095); after it the
// loads of x, the staged x * scale and the norm term x * bias (zero for
// the padding column 4096 and past the batch), summed over the warp.
// CHECK-LABEL: func.func @sharded_norm
// CHECK: gpu.func @vptq_matmul_0
// CHECK:   %[[C0:.+]] = arith.minui %thread_id_x, %c4095 : index
// CHECK:   memref.load %arg3[%[[C0]]] : memref<4096xf16>
// CHECK:   memref.load %arg4[%[[C0]]] : memref<4096xf16>
// CHECK-COUNT-3: memref.load %arg4
// CHECK:   %[[I4:.+]] = arith.addi %thread_id_x, %c4096 : index
// CHECK:   %[[SI4:.+]] = arith.minui %[[I4]], %c4096 : index
// CHECK:   %[[C4:.+]] = arith.minui %[[SI4]], %c4095 : index
// CHECK:   memref.load %arg3[%[[C4]]]
// CHECK:   memref.load %arg4[%[[C4]]]
// CHECK-NEXT: arith.extf
// CHECK-NEXT: nvvm.griddepcontrol wait
// CHECK:   arith.cmpi ult, %thread_id_x, %c4096 : index
// CHECK:   memref.load %arg0[%{{.+}}, %[[C0]]] : memref<?x4096xf16>
// CHECK-COUNT-4: memref.load %arg0
// CHECK:   %[[HAS4:.+]] = arith.cmpi ult, %[[I4]], %c4097 : index
// CHECK:   %[[T4:.+]] = arith.select %[[HAS4]], %{{.+}}, %cst{{.*}} : f32
// CHECK:   %[[SUM:.+]] = arith.addf %{{.+}}, %[[T4]] : f32
// CHECK-COUNT-4: memref.store %{{.+}}, %[[XS:.+]][%c0, %{{.+}}] : memref<1x4097xf32, #gpu.address_space<workgroup>>
// CHECK:   scf.if %[[HAS4]] {
// CHECK-NEXT: memref.store %{{.+}}, %[[XS]][%c0, %[[SI4]]]
// CHECK:   gpu.shuffle  xor %[[SUM]], %c16_i32, %c32_i32 : f32
// CHECK:   memref.store %{{.+}} : memref<32x1xf32, #gpu.address_space<workgroup>>
// CHECK:   gpu.barrier
func.func @sharded_norm(%x: memref<?x4096xf16>, %i: memref<1x512x2048xi32>,
                        %c: memref<1x524288xf16>, %s: memref<4096xf16>,
                        %nb: memref<4096xf16>, %e: memref<?xi32>,
                        %o: memref<8x513xi32>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096,
                       vector_len = 8, num_centroids = 65536, packed = true,
                       enable_norm = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>)
      weight_scale(%s : memref<4096xf16>) weight_bias(%nb : memref<4096xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x513xi32>)
      outs(%y : memref<?x4096xf16>)
  return
}

// -----

// A 28672-wide layer: f32 activations (112 KiB) would not fit beside the
// 128 KiB slice, so they are staged in the model type (f16: 56 KiB),
// rounded once after scaling and widened per lookup.
// CHECK-LABEL: func.func @sharded_narrow_inputs
// CHECK: gpu.launch_func @vptq_kernels::@vptq_matmul_0 {{.*}} dynamic_shared_memory_size %c188576_i32
// CHECK: gpu.func @vptq_matmul_0
// CHECK: %[[XS:.*]] = memref.view %{{.*}}[%c131088][] : memref<?xi8, #gpu.address_space<workgroup>> to memref<1x28673xf16, #gpu.address_space<workgroup>>
// CHECK: %[[X:.*]] = arith.truncf %{{.*}} : f32 to f16
// CHECK: memref.store %[[X]], %[[XS]]
// CHECK: scf.for {{.*}} iter_args
// CHECK: %[[XV:.*]] = memref.load %[[XS]]
// CHECK-NEXT: arith.extf %[[XV]] : f16 to f32
func.func @sharded_narrow_inputs(%x: memref<?x28672xf16>, %i: memref<1x1x14336xi32>,
                                 %c: memref<1x524288xf16>, %e: memref<?xi32>,
                                 %o: memref<8x2xi32>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 28672, out_features = 8,
                       vector_len = 8, num_centroids = 65536, packed = true>
      input(%x : memref<?x28672xf16>) indices(%i : memref<1x1x14336xi32>)
      centroids(%c : memref<1x524288xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x2xi32>)
      outs(%y : memref<?x8xf16>)
  return
}
