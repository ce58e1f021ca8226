// expected-error @+1 {{invalid #vptq.vq: num_codebooks must be positive, got -1}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = -1>} {
  return
}
