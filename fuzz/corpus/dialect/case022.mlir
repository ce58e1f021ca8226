// expected-error @+1 {{invalid #vptq.vq: index_bits = 17 cannot address num_centroids = 16 (needs 4 to 16 bits)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, index_bits = 17>} {
  return
}
