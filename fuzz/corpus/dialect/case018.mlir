// expected-error @+1 {{invalid #vptq.vq: outlier_size = 4 needs outlier_vector_len >= 2 and num_outlier_centroids in [2, 65536], got outlier_vector_len = 1, num_outlier_centroids = 8}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, group_size = 12, outlier_vector_len = 1, num_outlier_centroids = 8>} {
  return
}
