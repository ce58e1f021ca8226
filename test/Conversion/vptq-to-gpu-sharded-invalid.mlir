// RUN: not vptq-opt %s -split-input-file -convert-vptq-to-gpu=chip=sm_90a 2>&1 | FileCheck %s --check-prefix=LIMITS
// RUN: not vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a -vptq-place-codebooks=chip=sm_90a 2>&1 | FileCheck %s --check-prefix=PLACE

// The sharded lowering's own limits, each named: at most 8 blocks per
// cluster, whole clusters, and a codebook slice that fits shared memory
// (vptq-place-codebooks names the last one too).

func.func @too_many_shards(%x: memref<?x128xf16>, %i: memref<1x4x40xi32>,
                           %c: memref<1x8192xf16>, %e: memref<?xi32>,
                           %o: memref<16x5xi32>, %y: memref<?x32xf16>) {
  // LIMITS: error: 'vptq.matmul' op clusters hold at most 8 blocks, got 16 shards
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 1024, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x40xi32>)
      centroids(%c : memref<1x8192xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<16x5xi32>)
      outs(%y : memref<?x32xf16>)
  return
}

// -----

func.func @partial_cluster(%x: memref<?x128xf16>, %i: memref<1x4x40xi32>,
                           %c: memref<1x8192xf16>, %e: memref<?xi32>,
                           %o: memref<8x5xi32>, %y: memref<?x32xf16>) {
  // LIMITS: error: 'vptq.matmul' op the sharded kernel needs a SIMT tiling whose persistent_blocks is a multiple of the 8 shards (S x clusters), got #vptq.tiling<block_rows = 32, warps_per_row = 1, batch_tile = 1, k_chunk = 128, persistent_blocks = 12>
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 1024, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x40xi32>)
      centroids(%c : memref<1x8192xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x5xi32>)
      outs(%y : memref<?x32xf16>)
      {tiling = #vptq.tiling<block_rows = 32, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 128, persistent_blocks = 12>}
  return
}

// -----

func.func @slice_too_big(%x: memref<?x128xf16>, %i: memref<1x4x64xi32>,
                         %c: memref<1x524288xf16>, %e: memref<?xi32>,
                         %o: memref<2x5xi32>, %y: memref<?x32xf16>) {
  // PLACE: error: 'vptq.matmul' op needs 524608 bytes of shared memory with #vptq.placement<centroids = sharded, res_centroids = global>, more than the limit of 231424 bytes for sm_90a
  // LIMITS: error: 'vptq.matmul' op the sharded kernel needs 524608 bytes of shared memory, more than the 231424 of sm_90a
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x64xi32>)
      centroids(%c : memref<1x524288xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<2x5xi32>)
      outs(%y : memref<?x32xf16>)
  return
}

// -----

// A sharded codebook is not multicast (the op's verifier).
func.func @multicast(%x: memref<?x128xf16>, %i: memref<1x4x40xi32>,
                     %c: memref<1x8192xf16>, %e: memref<?xi32>,
                     %o: memref<8x5xi32>, %y: memref<?x32xf16>) {
  // LIMITS: error: 'vptq.matmul' op has 'shard_entries' and 'shard_offsets' but places 'centroids' multicast; expected sharded
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 1024, packed = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x40xi32>)
      centroids(%c : memref<1x8192xf16>)
      shard_entries(%e : memref<?xi32>) shard_offsets(%o : memref<8x5xi32>)
      outs(%y : memref<?x32xf16>)
      {placement = #vptq.placement<centroids = multicast, res_centroids = global>}
  return
}
