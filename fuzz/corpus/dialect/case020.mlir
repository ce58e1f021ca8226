// expected-error @+1 {{invalid #vptq.vq: outlier_vector_len (2) and num_outlier_centroids (8) must be 0 when outlier_size is 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_vector_len = 2, num_outlier_centroids = 8>} {
  return
}
