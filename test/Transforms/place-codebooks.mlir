// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a -vptq-place-codebooks=chip=sm_90a | FileCheck %s --check-prefix=SM90
// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=gfx942 -vptq-place-codebooks=chip=gfx942 | FileCheck %s --check-prefix=GFX942
// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=host -vptq-place-codebooks=chip=host | FileCheck %s --check-prefix=CPU
// RUN: vptq-opt %s -split-input-file -vptq-tile=chip=sm_90a -vptq-place-codebooks="chip=sm_90a res-centroids=global override" | FileCheck %s --check-prefix=FORCED

// vptq-place-codebooks records where each kernel reads its codebooks: tiny
// ones spread over warp lanes, ones that fit the chip's shared memory next
// to the kernel's staging buffers copied there, the rest read through L2.

// v8-k65536-256: the 1 MiB main codebook stays in global memory, the 4 KiB
// residual goes to shared memory (one copy: residuals are not replicated).
// SM90-LABEL: func.func @k65536_kr256
// SM90: placement = #vptq.placement<centroids = global, res_centroids = shared>
// GFX942-LABEL: func.func @k65536_kr256
// GFX942: placement = #vptq.placement<centroids = global, res_centroids = shared>
// CPU-LABEL: func.func @k65536_kr256
// CPU: placement = #vptq.placement<centroids = global, res_centroids = global>
// FORCED-LABEL: func.func @k65536_kr256
// FORCED: placement = #vptq.placement<centroids = global, res_centroids = global>
func.func @k65536_kr256(%x: memref<?x4096xf16>, %i: memref<1x512x3072xi32>,
                        %c: memref<1x524288xf16>, %rc: memref<1x2048xf16>,
                        %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 65536, num_res_centroids = 256,
                       packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x3072xi32>)
      centroids(%c : memref<1x524288xf16>)
      res_centroids(%rc : memref<1x2048xf16>) outs(%y : memref<?x4096xf16>)
  return
}

// -----

// v8-k4096: 64 KiB fits an H100's 227 KiB, not an MI300's 64 KiB of LDS
// once the staging buffers are counted.
// SM90-LABEL: func.func @k4096
// SM90: placement = #vptq.placement<centroids = shared, res_centroids = global>
// GFX942-LABEL: func.func @k4096
// GFX942: placement = #vptq.placement<centroids = global, res_centroids = global>
func.func @k4096(%x: memref<?x4096xf16>, %i: memref<1x512x1536xi32>,
                 %c: memref<1x32768xf16>, %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 4096, packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x1536xi32>)
      centroids(%c : memref<1x32768xf16>) outs(%y : memref<?x4096xf16>)
  return
}

// -----

// v8-k256-k256: on NVIDIA chips the main codebook is replicated (8 copies of
// each 16-byte entry side by side, 32 KiB), so that its lookups meet no bank
// conflicts; the residual keeps one copy. AMD chips keep one copy of
// each.
// SM90-LABEL: func.func @k256_kr256
// SM90: placement = #vptq.placement<centroids = replicated, res_centroids = shared>
// GFX942-LABEL: func.func @k256_kr256
// GFX942: placement = #vptq.placement<centroids = shared, res_centroids = shared>
func.func @k256_kr256(%x: memref<?x4096xf16>, %i: memref<1x512x2048xi32>,
                      %c: memref<1x2048xf16>, %rc: memref<1x2048xf16>,
                      %y: memref<?x4096xf16>) {
  vptq.matmul #vptq.vq<in_features = 4096, out_features = 4096, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 256,
                       packed = true>
      input(%x : memref<?x4096xf16>) indices(%i : memref<1x512x2048xi32>)
      centroids(%c : memref<1x2048xf16>)
      res_centroids(%rc : memref<1x2048xf16>) outs(%y : memref<?x4096xf16>)
  return
}

// -----

// v12-k256: 24-byte entries are not replicated.
// SM90-LABEL: func.func @v12_k256
// SM90: placement = #vptq.placement<centroids = shared, res_centroids = global>
func.func @v12_k256(%x: memref<?x4092xf16>, %i: memref<1x341x4092xi16>,
                    %c: memref<1x3072xf16>, %y: memref<?x4092xf16>) {
  vptq.matmul #vptq.vq<in_features = 4092, out_features = 4092, vector_len = 12,
                       num_centroids = 256>
      input(%x : memref<?x4092xf16>) indices(%i : memref<1x341x4092xi16>)
      centroids(%c : memref<1x3072xf16>) outs(%y : memref<?x4092xf16>)
  return
}

// -----

// Codebooks of at most 16 entries live in registers, one entry per lane.
// SM90-LABEL: func.func @tiny
// SM90: placement = #vptq.placement<centroids = registers, res_centroids = registers>
func.func @tiny(%x: memref<?x64xf16>, %i: memref<1x4x10xi32>,
                %c: memref<1x128xf16>, %rc: memref<1x16xf16>,
                %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 32, vector_len = 8,
                       num_centroids = 16, num_res_centroids = 2, packed = true>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x4x10xi32>)
      centroids(%c : memref<1x128xf16>) res_centroids(%rc : memref<1x16xf16>)
      outs(%y : memref<?x32xf16>)
  return
}
