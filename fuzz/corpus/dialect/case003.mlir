// expected-error @+1 {{expected 'true' or 'false' for 'packed'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = 1>} {
  return
}
