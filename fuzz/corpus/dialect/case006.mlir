// expected-error @+1 {{invalid #vptq.vq: vector_len must be positive, got 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 0, num_centroids = 16>} {
  return
}
