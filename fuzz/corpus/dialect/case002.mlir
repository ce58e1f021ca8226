// expected-error @+1 {{missing required key 'num_centroids'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4>} {
  return
}
