// expected-error @+1 {{invalid #vptq.vq: res_index_bits = 2 given without a residual codebook (num_res_centroids = 0)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, res_index_bits = 2>} {
  return
}
