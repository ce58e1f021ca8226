// One case per verifier branch of the vptq dialect: the #vptq.vq parser and
// its consistency rules, the weight-operand checks every quantized-weight op
// shares, and the op-specific checks of dequant, matmul and unpack_indices.

// expected-error @+1 {{unknown key 'colour'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, colour = 3>} {
  return
}
