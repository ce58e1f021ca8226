// RUN: not vptq-opt %s -split-input-file -vptq-tile="chip=sm_90a mma=1" 2>&1 | FileCheck %s --check-prefix=MMA
// RUN: not vptq-opt %s -split-input-file -vptq-tile="chip=gfx942 mma=1" 2>&1 | FileCheck %s --check-prefix=MMA-AMD

// mma=1 insists on tensor cores: f32 activations cannot use them.
// MMA: error: 'vptq.matmul' op mma=1: tensor cores need an NVIDIA sm_80 or newer chip and f16 or bf16 activations of the codebooks' type, got chip sm_90a, 'f32' activations and 'f16' codebooks
// MMA-AMD: error: 'vptq.matmul' op mma=1: tensor cores need an NVIDIA sm_80 or newer chip {{.*}} got chip gfx942, 'f32' activations
func.func @f32_input(%x: memref<?x64xf32>, %i: memref<1x2x64xi16>,
                     %c: memref<1x1024xf16>, %y: memref<?x8xf32>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf32>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf32>)
  return
}

// -----

// A gated input is read by SIMT kernels only.
// MMA: error: 'vptq.matmul' op mma=1: a gated input needs a SIMT kernel
// MMA-AMD: error: 'vptq.matmul' op mma=1: a gated input needs a SIMT kernel
func.func @gated(%x: memref<?x64xf16>, %g: memref<?x64xf16>,
                 %i: memref<1x2x64xi16>, %c: memref<1x1024xf16>,
                 %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) gate(%g : memref<?x64xf16>)
      indices(%i : memref<1x2x64xi16>) centroids(%c : memref<1x1024xf16>)
      outs(%y : memref<?x8xf16>)
  return
}
