// A count past 2^62 used to hang deriving its index bits.
// expected-error @+1 {{invalid #vptq.vq: num_centroids must be in [2, 65536], got 9223372036854775807}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 9223372036854775807>} {
  return
}
