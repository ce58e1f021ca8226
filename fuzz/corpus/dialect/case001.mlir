// expected-error @+1 {{duplicate key 'in_features'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>} {
  return
}
