// expected-error @+1 {{invalid #vptq.vq: in_features must be positive, got 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 0, out_features = 8, vector_len = 4, num_centroids = 16, group_size = 16>} {
  return
}
