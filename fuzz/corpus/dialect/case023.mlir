// expected-error @+1 {{invalid #vptq.vq: res_index_bits = 7 cannot address num_res_centroids = 256 (needs 8 to 16 bits)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 256, res_index_bits = 7>} {
  return
}
