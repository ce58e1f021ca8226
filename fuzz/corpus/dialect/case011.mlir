// expected-error @+1 {{invalid #vptq.vq: num_res_centroids must be 0 (no residual) or in [2, 65536], got 1}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 1>} {
  return
}
