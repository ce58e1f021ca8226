// expected-error @+1 {{invalid #vptq.vq: outlier_size must not be negative, got -4}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = -4, group_size = 20>} {
  return
}
