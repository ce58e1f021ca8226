// RUN: vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a warps-per-row=3 k-chunk=100" -verify-diagnostics
// RUN: not vptq-opt %s -vptq-tile=chip=sm_50 2>&1 | FileCheck %s --check-prefix=CHIP

// Tile sizes from options are verified like any #vptq.tiling.

func.func @bad_chunk(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
                     %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+1 {{invalid tiling: #vptq.tiling: k_chunk = 100 must be a positive multiple of 32 x warps_per_row = 96}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
  return
}

// CHIP: error: vptq-tile: unsupported chip 'sm_50'; supported: host, sm_75, sm_80, sm_86, sm_87, sm_89, sm_90, sm_90a, sm_100, sm_120, gfx908, gfx90a, gfx942, gfx1030, gfx1100, gfx1101, gfx1102
