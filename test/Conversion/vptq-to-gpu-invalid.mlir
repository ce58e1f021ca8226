// RUN: vptq-opt %s -convert-vptq-to-gpu -split-input-file -verify-diagnostics
// RUN: not vptq-opt %s -convert-vptq-to-gpu=chip=host 2>&1 | FileCheck %s --check-prefix=HOST

// HOST: error: convert-vptq-to-gpu: chip must be a GPU, got 'host'

func.func @tensors(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                   %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  // expected-error @+1 {{cannot be lowered to a GPU kernel: operands must be memrefs with identity layout (bufferize first)}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}
