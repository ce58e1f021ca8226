// RUN: vptq-opt %s -convert-vptq-to-cpu -split-input-file -verify-diagnostics

// The lowerings read buffers: ops on tensors must be bufferized first.
func.func @tensors(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>,
                   %w: tensor<8x16xf16>) -> tensor<8x16xf16> {
  // expected-error @+1 {{cannot be lowered to CPU code: operands must be memrefs with identity layout (bufferize first)}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                             num_centroids = 16>
      indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)
      outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return %0 : tensor<8x16xf16>
}

// -----

func.func @strided(%i: memref<1x2x16xi16, strided<[64, 32, 1]>>,
                   %c: memref<1x64xf16>, %w: memref<8x16xf16>) {
  // expected-error @+1 {{cannot be lowered to CPU code}}
  vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                        num_centroids = 16>
      indices(%i : memref<1x2x16xi16, strided<[64, 32, 1]>>)
      centroids(%c : memref<1x64xf16>) outs(%w : memref<8x16xf16>)
  return
}
