// expected-error @+1 {{invalid #vptq.vq: in_features (16) must equal outlier_size (0) + num_codebooks (1) x group_size (12) = 12}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, group_size = 12>} {
  return
}
