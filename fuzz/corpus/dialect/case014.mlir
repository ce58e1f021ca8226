// expected-error @+1 {{invalid #vptq.vq: in_features must be at most 16777216, got 4611686018427387904}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 4611686018427387904, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = 4>} {
  return
}
