// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a -vptq-place-codebooks="chip=sm_90a centroids=shared" -verify-diagnostics
// RUN: not vptq-opt %s -vptq-tile=chip=sm_90a -vptq-place-codebooks="chip=sm_90a centroids=registers" 2>&1 | FileCheck %s --check-prefix=REGS
// RUN: not vptq-opt %s -split-input-file -vptq-place-codebooks=chip=sm_90a 2>&1 | FileCheck %s --check-prefix=NOTILE
// RUN: not vptq-opt %s -vptq-tile=chip=sm_90a -vptq-place-codebooks="chip=sm_90a centroids=texture" 2>&1 | FileCheck %s --check-prefix=BADOPT
// RUN: not vptq-opt %s -vptq-tile=chip=sm_90a -vptq-place-codebooks="chip=sm_90a centroids=sharded" 2>&1 | FileCheck %s --check-prefix=NOSHARDS
// RUN: not vptq-opt %s -vptq-tile=chip=sm_80 -vptq-place-codebooks="chip=sm_80 centroids=multicast" 2>&1 | FileCheck %s --check-prefix=MC80
// RUN: not vptq-opt %s -vptq-tile="chip=sm_90a batch-hint=64" -vptq-place-codebooks="chip=sm_90a centroids=multicast" 2>&1 | FileCheck %s --check-prefix=MCMMA

// Forced placements that cannot work are errors naming the reason.

func.func @too_big(%x: memref<?x4096xf16>, %i: memref<1x512x2048xi32>,
                   %c: memref<1x524288xf16>, %y: memref<?x4096xf16>) {
  // expected-error @+1 {{needs 1057024 bytes of shared memory with #vptq.placement<centroids = shared, res_centroids = global>, more than the limit of 231424 bytes for sm_90a}}
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x524288xf16>) outs(%y : memref<?x4096xf16>)
  return
}

// REGS: error: 'vptq.matmul' op cannot place 'centroids' in registers: 65536 centroids exceed one per lane (32)
// NOTILE: error: 'vptq.matmul' op has no tiling: run vptq-tile before vptq-place-codebooks
// BADOPT: error: vptq-place-codebooks: invalid centroids placement 'texture'; expected global, shared, registers, sharded, replicated or multicast
// MC80: error: 'vptq.matmul' op cannot multicast its codebooks: multicast needs thread-block clusters (NVIDIA sm_90 or newer), not sm_80
// MCMMA: error: 'vptq.matmul' op cannot multicast its codebooks: multicast is for SIMT kernels, not tensor-core tilings (mma)
// NOSHARDS: error: 'vptq.matmul' op cannot shard 'centroids': only a matmul with 'shard_entries' and 'shard_offsets' operands has a sharded main codebook
