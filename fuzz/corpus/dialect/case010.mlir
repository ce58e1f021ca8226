// expected-error @+1 {{invalid #vptq.vq: num_centroids must be in [2, 65536], got 131072}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 131072>} {
  return
}
