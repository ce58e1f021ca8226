// The SwiGLU MLP of the stories260K Llama (dim 64, hidden 172) with its three
// linear layers VPTQ-quantized: v4-k256-16 (vector length 4, 256 centroids,
// a 16-entry residual codebook: 3 bits per weight), indices packed.
// `vptq-opt -canonicalize` drops the identity permutation of down_proj.

#gate_up = #vptq.vq<in_features = 64, out_features = 172, vector_len = 4,
                    num_centroids = 256, num_res_centroids = 16, packed = true>
#down = #vptq.vq<in_features = 172, out_features = 64, vector_len = 4,
                 num_centroids = 256, num_res_centroids = 16, packed = true,
                 enable_perm = true>

func.func @mlp(%x: tensor<?x64xf16>,
               %gate_idx: tensor<1x43x24xi32>, %gate_cb: tensor<1x1024xf16>,
               %gate_rcb: tensor<1x64xf16>,
               %up_idx: tensor<1x43x24xi32>, %up_cb: tensor<1x1024xf16>,
               %up_rcb: tensor<1x64xf16>,
               %down_idx: tensor<1x16x65xi32>, %down_cb: tensor<1x1024xf16>,
               %down_rcb: tensor<1x64xf16>) -> tensor<?x64xf16> {
  %c0 = arith.constant 0 : index
  %batch = tensor.dim %x, %c0 : tensor<?x64xf16>
  %h0 = tensor.empty(%batch) : tensor<?x172xf16>
  %gate = vptq.matmul #gate_up input(%x : tensor<?x64xf16>)
      indices(%gate_idx : tensor<1x43x24xi32>)
      centroids(%gate_cb : tensor<1x1024xf16>)
      res_centroids(%gate_rcb : tensor<1x64xf16>)
      outs(%h0 : tensor<?x172xf16>) -> tensor<?x172xf16>
  %up = vptq.matmul #gate_up input(%x : tensor<?x64xf16>)
      indices(%up_idx : tensor<1x43x24xi32>)
      centroids(%up_cb : tensor<1x1024xf16>)
      res_centroids(%up_rcb : tensor<1x64xf16>)
      outs(%h0 : tensor<?x172xf16>) -> tensor<?x172xf16>
  // silu(gate) * up
  %act = linalg.generic {
      indexing_maps = [affine_map<(b, n) -> (b, n)>,
                       affine_map<(b, n) -> (b, n)>,
                       affine_map<(b, n) -> (b, n)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : tensor<?x172xf16>, tensor<?x172xf16>)
      outs(%h0 : tensor<?x172xf16>) {
  ^bb0(%g: f16, %u: f16, %o: f16):
    %neg = arith.negf %g : f16
    %e = math.exp %neg : f16
    %one = arith.constant 1.0 : f16
    %den = arith.addf %one, %e : f16
    %silu = arith.divf %g, %den : f16
    %r = arith.mulf %silu, %u : f16
    linalg.yield %r : f16
  } -> tensor<?x172xf16>
  %identity = arith.constant dense<[
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
      21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38,
      39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56,
      57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74,
      75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92,
      93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108,
      109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
      123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136,
      137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150,
      151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164,
      165, 166, 167, 168, 169, 170, 171]> : tensor<172xi16>
  %y0 = tensor.empty(%batch) : tensor<?x64xf16>
  %y = vptq.matmul #down input(%act : tensor<?x172xf16>)
      indices(%down_idx : tensor<1x16x65xi32>)
      centroids(%down_cb : tensor<1x1024xf16>)
      res_centroids(%down_rcb : tensor<1x64xf16>)
      perm(%identity : tensor<172xi16>)
      outs(%y0 : tensor<?x64xf16>) -> tensor<?x64xf16>
  return %y : tensor<?x64xf16>
}
