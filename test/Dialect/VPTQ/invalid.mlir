// RUN: vptq-opt %s -split-input-file -verify-diagnostics

// One case per verifier branch of the vptq dialect: the #vptq.vq parser and
// its consistency rules, the weight-operand checks every quantized-weight op
// shares, and the op-specific checks of dequant, matmul and unpack_indices.

// expected-error @+1 {{unknown key 'colour'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, colour = 3>} {
  return
}

// -----

// expected-error @+1 {{duplicate key 'in_features'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>} {
  return
}

// -----

// expected-error @+1 {{missing required key 'num_centroids'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4>} {
  return
}

// -----

// expected-error @+1 {{expected 'true' or 'false' for 'packed'}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = 1>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: in_features must be positive, got 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 0, out_features = 8, vector_len = 4, num_centroids = 16, group_size = 16>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: out_features must be positive, got -8}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = -8, vector_len = 4, num_centroids = 16>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: vector_len must be positive, got 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 0, num_centroids = 16>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: num_codebooks must be positive, got -1}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = -1>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: group_size must be positive, got 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = 32>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: num_centroids must be in [2, 65536], got 1}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 1>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: num_centroids must be in [2, 65536], got 131072}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 131072>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: num_res_centroids must be 0 (no residual) or in [2, 65536], got 1}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 1>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: num_res_centroids must be 0 (no residual) or in [2, 65536], got -2}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = -2>} {
  return
}

// -----

// A count past 2^62 used to hang deriving its index bits.
// expected-error @+1 {{invalid #vptq.vq: num_centroids must be in [2, 65536], got 9223372036854775807}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 9223372036854775807>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: in_features must be at most 16777216, got 4611686018427387904}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 4611686018427387904, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = 4>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: outlier_size must not be negative, got -4}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = -4, group_size = 20>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: in_features (16) must equal outlier_size (0) + num_codebooks (1) x group_size (12) = 12}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, group_size = 12>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: in_features (16) must equal outlier_size (0) + num_codebooks (3) x group_size (5) = 15}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_codebooks = 3>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: outlier_size = 4 needs outlier_vector_len >= 2 and num_outlier_centroids in [2, 65536], got outlier_vector_len = 1, num_outlier_centroids = 8}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, group_size = 12, outlier_vector_len = 1, num_outlier_centroids = 8>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: outlier_size = 4 needs outlier_vector_len >= 2 and num_outlier_centroids in [2, 65536], got outlier_vector_len = 2, num_outlier_centroids = 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, group_size = 12, outlier_vector_len = 2>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: outlier_vector_len (2) and num_outlier_centroids (8) must be 0 when outlier_size is 0}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_vector_len = 2, num_outlier_centroids = 8>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: index_bits = 3 cannot address num_centroids = 16 (needs 4 to 16 bits)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, index_bits = 3>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: index_bits = 17 cannot address num_centroids = 16 (needs 4 to 16 bits)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, index_bits = 17>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: res_index_bits = 7 cannot address num_res_centroids = 256 (needs 8 to 16 bits)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 256, res_index_bits = 7>} {
  return
}

// -----

// expected-error @+1 {{invalid #vptq.vq: res_index_bits = 2 given without a residual codebook (num_res_centroids = 0)}}
func.func @f() attributes {cfg = #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, res_index_bits = 2>} {
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: memref<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'vptq.dequant' op operands must be all ranked tensors or all memrefs, but operand #1 is a memref and operand #0 is not}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : memref<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x3xi32>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' must have shape [num_codebooks, index_rows, packed_words] = [1, 2, 2], got [1, 2, 3]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> indices(%i : tensor<1x2x3xi32>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x2xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{packed 'indices' must have i32 elements, got 'i16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> indices(%i : tensor<1x2x2xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x3x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' must have shape [num_codebooks, index_rows, group_size] = [1, 2, 16], got [1, 3, 16]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x3x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xf16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' must have integer elements, got 'f16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xf16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi8>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'indices' element type 'i8' is too narrow for index_bits = 12}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, index_bits = 12> indices(%i : tensor<1x2x16xi8>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x3xi32>, %r: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'res_indices' must be absent with packed indices: the residual codes are packed into 'indices'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> indices(%i : tensor<1x2x3xi32>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %rc: tensor<1x16xf16>) {
  // expected-error @+1 {{'res_indices' is required by num_res_centroids = 4 with unpacked indices}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'res_indices' must be absent: the configuration has num_res_centroids = 0}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x8xi16>, %rc: tensor<1x16xf16>) {
  // expected-error @+1 {{'res_indices' must have shape [num_codebooks, index_rows, group_size] = [1, 2, 16], got [1, 2, 8]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x8xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi1>, %rc: tensor<1x16xf16>) {
  // expected-error @+1 {{'res_indices' element type 'i1' is too narrow for res_index_bits = 2}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi1>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x32xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'centroids' must have shape [num_codebooks, num_centroids * vector_len] = [1, 64], got [1, 32]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x32xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf64>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'centroids' must have f16, bf16 or f32 elements, got 'f64'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf64>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'res_centroids' is required by num_res_centroids = 4}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %rc: tensor<1x16xf16>) {
  // expected-error @+1 {{'res_centroids' must be absent: the configuration has num_res_centroids = 0}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi16>, %rc: tensor<1x32xf16>) {
  // expected-error @+1 {{'res_centroids' must have shape [num_codebooks, num_res_centroids * vector_len] = [1, 16], got [1, 32]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x32xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %r: tensor<1x2x16xi16>, %rc: tensor<1x16xbf16>) {
  // expected-error @+1 {{'res_centroids' element type 'bf16' differs from 'centroids' element type 'f16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xbf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oc: tensor<1x16xf16>) {
  // expected-error @+1 {{'outlier_indices' is required by outlier_size = 4}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_centroids(%oc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x4x4xi16>) {
  // expected-error @+1 {{'outlier_indices' must be absent: the configuration has outlier_size = 0}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x4x4xi16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x4x4xi16>) {
  // expected-error @+1 {{'outlier_centroids' is required by outlier_size = 4}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x4x4xi16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x8x4xi16>, %oc: tensor<1x16xf16>) {
  // expected-error @+1 {{'outlier_indices' must have shape [1, outlier_index_rows, outlier_size] = [1, 4, 4], got [1, 8, 4]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x8x4xi16>) outlier_centroids(%oc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x4x4xi2>, %oc: tensor<1x16xf16>) {
  // expected-error @+1 {{'outlier_indices' element type 'i2' is too narrow for num_outlier_centroids = 8}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x4x4xi2>) outlier_centroids(%oc : tensor<1x16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x4x4xi16>, %oc: tensor<1x8xf16>) {
  // expected-error @+1 {{'outlier_centroids' must have shape [1, num_outlier_centroids * outlier_vector_len] = [1, 16], got [1, 8]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x4x4xi16>) outlier_centroids(%oc : tensor<1x8xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x12xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %oi: tensor<1x4x4xi16>, %oc: tensor<1x16xf32>) {
  // expected-error @+1 {{'outlier_centroids' element type 'f32' differs from 'centroids' element type 'f16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, outlier_size = 4, outlier_vector_len = 2, num_outlier_centroids = 8> indices(%i : tensor<1x2x12xi16>) centroids(%c : tensor<1x64xf16>) outlier_indices(%oi : tensor<1x4x4xi16>) outlier_centroids(%oc : tensor<1x16xf32>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{'perm' is required by enable_perm = true}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %p: tensor<16xi64>) {
  // expected-error @+1 {{'perm' must be absent: the configuration has enable_perm = false}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) perm(%p : tensor<16xi64>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %p: tensor<15xi64>) {
  // expected-error @+1 {{'perm' must have shape [in_features] = [16], got [15]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) perm(%p : tensor<15xi64>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %p: tensor<16xi2>) {
  // expected-error @+1 {{'perm' element type 'i2' is too narrow for in_features = 16}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) perm(%p : tensor<16xi2>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %b: tensor<16xf16>) {
  // expected-error @+1 {{'weight_scale' is required by enable_norm = true}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_norm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_bias(%b : tensor<16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %s: tensor<16xf16>) {
  // expected-error @+1 {{'weight_bias' is required by enable_norm = true}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_norm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_scale(%s : tensor<16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %b: tensor<16xf16>) {
  // expected-error @+1 {{'weight_bias' must be absent: the configuration has enable_norm = false}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_bias(%b : tensor<16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %s: tensor<8xf16>, %b: tensor<16xf16>) {
  // expected-error @+1 {{'weight_scale' must have shape [in_features] = [16], got [8]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_norm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_scale(%s : tensor<8xf16>) weight_bias(%b : tensor<16xf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>, %s: tensor<16xf16>, %b: tensor<16xbf16>) {
  // expected-error @+1 {{'weight_bias' element type 'bf16' differs from 'centroids' element type 'f16'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_norm = true> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) weight_scale(%s : tensor<16xf16>) weight_bias(%b : tensor<16xbf16>) outs(%w : tensor<8x16xf16>) -> tensor<8x16xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<16x8xf16>) {
  // expected-error @+1 {{'outs' must have shape [out_features, in_features] = [8, 16], got [16, 8]}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<16x8xf16>) -> tensor<16x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xi32>) {
  // expected-error @+1 {{'outs' must have f16, bf16 or f32 elements, got 'i32'}}
  %0 = vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xi32>) -> tensor<8x16xi32>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %w: tensor<8x16xf16>) {
  // expected-error @+1 {{expected the number of tensor results (0) to be equal to the number of output tensors (1)}}
  vptq.dequant #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%w : tensor<8x16xf16>)
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<2x3x16xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'input' must have rank 2 (batch x in_features), got rank 3}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<2x3x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x15xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'input' must have in_features = 16 columns, got [?, 15]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x15xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xi16>, %y: tensor<?x8xi16>) {
  // expected-error @+1 {{'input' must have f16, bf16 or f32 elements, got 'i16'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xi16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xi16>) -> tensor<?x8xi16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x9xf16>) {
  // expected-error @+1 {{'outs' must have shape [batch, out_features] = [?, 8], got [?, 9]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x9xf16>) -> tensor<?x9xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<4x16xf16>, %y: tensor<5x8xf16>) {
  // expected-error @+1 {{'outs' must have shape [batch, out_features] = [4, 8], got [5, 8]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<4x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<5x8xf16>) -> tensor<5x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xi16>) {
  // expected-error @+1 {{'outs' must have f16, bf16 or f32 elements, got 'i16'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xi16>) -> tensor<?x8xi16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'bias' is required by bias = true}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, bias = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %b: tensor<8xf16>) {
  // expected-error @+1 {{'bias' must be absent: the configuration has bias = false}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) bias(%b : tensor<8xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %b: tensor<16xf16>) {
  // expected-error @+1 {{'bias' must have shape [out_features] = [8], got [16]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, bias = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) bias(%b : tensor<16xf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'bias' element type 'f32' differs from 'centroids' element type 'f16'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, bias = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) bias(%b : tensor<8xf32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xbf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>) {
  // expected-error @+1 {{'vptq.matmul' op 'perm' is required by enable_perm = true}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, enable_perm = true> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xbf16>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'vptq.unpack_indices' op requires a configuration with packed = true}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}

// -----

func.func @f(%p: tensor<1x2x4xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'packed' must have shape [num_codebooks, index_rows, packed_words] = [1, 2, 2], got [1, 2, 4]}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x4xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}

// -----

func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x8xi16>) {
  // expected-error @+1 {{'outs' must have shape [num_codebooks, index_rows, group_size] = [1, 2, 16], got [1, 2, 8]}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x8xi16>) -> tensor<1x2x8xi16>
  return
}

// -----

func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi2>) {
  // expected-error @+1 {{'outs' element type 'i2' is too narrow for index_bits = 4}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i : tensor<1x2x16xi2>) -> tensor<1x2x16xi2>
  return
}

// -----

func.func @f(%p: tensor<1x2x3xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'residual outs' is required by num_res_centroids = 4}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> %p : tensor<1x2x3xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}

// -----

func.func @f(%p: tensor<1x2x2xi32>, %i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'residual outs' must be absent: the configuration has num_res_centroids = 0}}
  %0:2 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : tensor<1x2x2xi32> outs(%i, %r : tensor<1x2x16xi16>, tensor<1x2x16xi16>) -> tensor<1x2x16xi16>, tensor<1x2x16xi16>
  return
}

// -----

func.func @f(%p: tensor<1x2x3xi32>, %i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi1>) {
  // expected-error @+1 {{'residual outs' element type 'i1' is too narrow for res_index_bits = 2}}
  %0:2 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4, packed = true> %p : tensor<1x2x3xi32> outs(%i, %r : tensor<1x2x16xi16>, tensor<1x2x16xi1>) -> tensor<1x2x16xi16>, tensor<1x2x16xi1>
  return
}

// -----

func.func @f(%p: memref<1x2x2xi32>, %i: tensor<1x2x16xi16>) {
  // expected-error @+1 {{'vptq.unpack_indices' op operands must be all ranked tensors or all memrefs, but operand #1 is a tensor and operand #0 is not}}
  %0 = vptq.unpack_indices #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, packed = true> %p : memref<1x2x2xi32> outs(%i : tensor<1x2x16xi16>) -> tensor<1x2x16xi16>
  return
}

// -----

// vptq.linear (dense layers).
func.func @f(%x: tensor<?x64xf16>, %w: tensor<?x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'weight' must have a static shape [out_features, in_features], got [?, 64]}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<?x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: tensor<?x60xf16>, %w: tensor<32x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'input' must have shape [batch, in_features] = [?, 64], got [?, 60]}}
  %0 = vptq.linear input(%x : tensor<?x60xf16>) weight(%w : tensor<32x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: tensor<2x64xf16>, %w: tensor<32x64xf16>, %y: tensor<3x32xf16>) {
  // expected-error @+1 {{'outs' must have shape [batch, out_features] = [2, 32], got [3, 32]}}
  %0 = vptq.linear input(%x : tensor<2x64xf16>) weight(%w : tensor<32x64xf16>) outs(%y : tensor<3x32xf16>) -> tensor<3x32xf16>
  return
}

// -----

func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xi8>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'weight' must have f16, bf16 or f32 elements, got 'i8'}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xi8>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<31xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'bias' must have shape [out_features] = [32], got [31]}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xf16>) bias(%b : tensor<31xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: tensor<?x64xf16>, %w: tensor<32x64xf16>, %b: tensor<32xf32>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'bias' element type 'f32' differs from 'weight' element type 'f16'}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : tensor<32x64xf16>) bias(%b : tensor<32xf32>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: tensor<?x64xf16>, %w: memref<32x64xf16>, %y: tensor<?x32xf16>) {
  // expected-error @+1 {{'vptq.linear' op operands must be all ranked tensors or all memrefs, but operand #1 is a memref and operand #0 is not}}
  %0 = vptq.linear input(%x : tensor<?x64xf16>) weight(%w : memref<32x64xf16>) outs(%y : tensor<?x32xf16>) -> tensor<?x32xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %w: memref<32xf16>) {
  // expected-error @+1 {{'weight' must have shape [hidden_size] = [64], got [32]}}
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %w: memref<64xf16>) {
  // expected-error @+1 {{epsilon must be positive, got 0}}
  vptq.rms_norm %x, %w, %x {epsilon = 0.0 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<2x64xf16>, %w: memref<64xf16>, %y: memref<3x64xf16>) {
  // expected-error @+1 {{'output' has 3 rows but 'input' has 2}}
  vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64} : memref<2x64xf16>, memref<64xf16>, memref<3x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %d: memref<?x64xf16>, %w: memref<64xf16>) {
  // expected-error @+1 {{'output' must not be 'residual': the updated residual stream would be overwritten}}
  vptq.add_rms_norm %x, %d, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %d: memref<?x32xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{'delta' must have shape [T, hidden_size] = [?, 64], got [?, 32]}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<2x64xf16>, %d: memref<3x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{'delta' has 3 rows but 'residual' has 2}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<2x64xf16>, memref<3x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %d: memref<?x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  // expected-error @+1 {{epsilon must be positive, got -1}}
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = -1.0 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  // expected-error @+1 {{head_dim must be positive and even, got 7}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 7 : i64} : memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x60xf16>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  // expected-error @+1 {{row width 60 is not a multiple of head_dim 8}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x60xf16>, memref<?xi32>, memref<4xf32>, memref<?x60xf16>
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %p: memref<?xi32>, %inv: memref<8xf32>) {
  // expected-error @+1 {{'inv_freq' must have shape [head_dim / 2] = [4], got [8]}}
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf16>, memref<?xi32>, memref<8xf32>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{head_dim must be positive and even, got 7}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 7 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  return
}

// -----

func.func @f(%q: memref<?x60xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{query width 60 is not a multiple of head_dim 8}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 8 : i64} : memref<?x60xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x36xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x36xf16>) {
  // expected-error @+1 {{key width 36 is not a multiple of head_dim 8}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x36xf16>, memref<?x36xf16>, memref<?xi32>, memref<4xf32>, memref<512x36xf16>, memref<512x36xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %vc: memref<512x64xf16>) {
  // expected-error @+1 {{'value_cache' must have shape [T, the key width] = [?, 32], got [512, 64]}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %vc {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x64xf16>
  return
}

// -----

func.func @f(%q: memref<3x64xf16>, %k: memref<2x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>) {
  // expected-error @+1 {{'key' has 2 rows but 'query' has 3}}
  vptq.rotary_append %q, %k, %k, %p, %inv, %c, %c {head_dim = 8 : i64} : memref<3x64xf16>, memref<2x32xf16>, memref<2x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %p: memref<?xi32>) {
  // expected-error @+1 {{num_heads 8 is not a multiple of num_kv_heads 3}}
  vptq.attention %q, %kc, %kc, %p, %q {num_heads = 8 : i64, num_kv_heads = 3 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %kc: memref<512x64xf16>, %p: memref<?xi32>) {
  // expected-error @+1 {{'key_cache' must have shape [T, num_kv_heads * head_dim] = [?, 32], got [512, 64]}}
  vptq.attention %q, %kc, %kc, %p, %q {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<512x64xf16>, memref<512x64xf16>, memref<?xi32>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %vc: memref<256x32xf16>, %p: memref<?xi32>) {
  // expected-error @+1 {{'value_cache' has 256 rows but 'key_cache' has 512}}
  vptq.attention %q, %kc, %vc, %p, %q {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<256x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}

// -----

func.func @f(%a: memref<?x64xf16>, %b: memref<?x32xf16>) {
  // expected-error @+1 {{'up' must have shape [T, width] = [?, 64], got [?, 32]}}
  vptq.silu_mul %a, %b, %a : memref<?x64xf16>, memref<?x32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%a: memref<?x?xf16>) {
  // expected-error @+1 {{'lhs' must be a 2-D memref with a static row width, got [?, ?]}}
  vptq.add %a, %a, %a : memref<?x?xf16>, memref<?x?xf16>, memref<?x?xf16>
  return
}

// -----

func.func @f(%t: memref<512x64xf16>, %i: memref<4xi32>, %x: memref<5x64xf16>) {
  // expected-error @+1 {{'output' has 5 rows but 'indices' has 4}}
  vptq.gather_rows %t, %i, %x : memref<512x64xf16>, memref<4xi32>, memref<5x64xf16>
  return
}

// -----

func.func @f(%t: memref<512x64xf16>, %i: memref<?xi64>, %x: memref<?x64xf16>) {
  // expected-error @+1 {{operand #1 must be 1D memref of 32-bit signless integer values}}
  vptq.gather_rows %t, %i, %x : memref<512x64xf16>, memref<?xi64>, memref<?x64xf16>
  return
}

// -----

func.func @f(%k: memref<?x32xf16>, %i: memref<?xi32>, %c: memref<512x16xf16>) {
  // expected-error @+1 {{'output' must have shape [T, width] = [?, 32], got [512, 16]}}
  vptq.scatter_rows %k, %i, %c : memref<?x32xf16>, memref<?xi32>, memref<512x16xf16>
  return
}

// -----

func.func @f(%p: memref<?x8xf32>, %c: memref<256x4xf32>, %i: memref<?xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{'centroids' must have shape [T, vector length] = [?, 8], got [256, 4]}}
  vptq.nearest %p, %c, %i, %d : memref<?x8xf32>, memref<256x4xf32>, memref<?xi32>, memref<?xf32>
  return
}

// -----

func.func @f(%p: memref<100x8xf32>, %c: memref<256x8xf32>, %i: memref<99xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{'indices' has 99 rows but 'points' has 100}}
  vptq.nearest %p, %c, %i, %d : memref<100x8xf32>, memref<256x8xf32>, memref<99xi32>, memref<?xf32>
  return
}

// -----

func.func @f(%p: memref<?x8xf16>, %c: memref<256x8xf16>, %i: memref<?xi32>, %d: memref<?xf32>) {
  // expected-error @+1 {{operand #0 must be 2D memref of 32-bit float values}}
  vptq.nearest %p, %c, %i, %d : memref<?x8xf16>, memref<256x8xf16>, memref<?xi32>, memref<?xf32>
  return
}

// -----

func.func @f(%x: memref<?x64xf32>, %h: memref<64x32xf32>) {
  // expected-error @+1 {{'hessian' must have shape [N, N] = [64, 64], got [64, 32]}}
  vptq.gram %x, %h : memref<?x64xf32>, memref<64x32xf32>
  return
}

// -----

// #vptq.tiling with mma = true: tensor-core tile shapes.
func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: with mma, batch_tile = 12 must be a multiple of 8 and at most 128}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 12,
                             k_chunk = 32, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: with mma, k_chunk = 24 must be a multiple of 16 and at most 128}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 16,
                             k_chunk = 24, mma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: warps_per_row = 33 exceeds 32 warps (1024 threads) per block}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 33, batch_tile = 16,
                             k_chunk = 32, mma = true>}
  return
}

// -----

// #vptq.tiling persistent_blocks: non-negative, SIMT kernels only.
func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: persistent_blocks = -2 must not be negative}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 32, persistent_blocks = -2>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: persistent_blocks is not supported with mma}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 16,
                             k_chunk = 32, mma = true, persistent_blocks = 8>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: shared_weights needs mma = true}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 1,
                             k_chunk = 32, shared_weights = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: staged_inputs needs mma = true without shared_weights}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 1, batch_tile = 8,
                             k_chunk = 32, mma = true, shared_weights = true,
                             staged_inputs = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: register_wgmma needs mma = true without shared_weights or staged_inputs}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 4, batch_tile = 8,
                             k_chunk = 32, mma = true, shared_weights = true,
                             register_wgmma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: register_wgmma needs whole warpgroups: warps_per_row = 6 is not a multiple of 4}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 16, warps_per_row = 6, batch_tile = 8,
                             k_chunk = 32, mma = true, register_wgmma = true>}
  return
}

// -----

func.func @f(%x: memref<?x64xf16>, %i: memref<1x2x64xi16>,
             %c: memref<1x1024xf16>, %y: memref<?x8xf16>) {
  // expected-error @+5 {{#vptq.tiling: with mma, batch_tile = 264 must be a multiple of 8 and at most 256}}
  vptq.matmul #vptq.vq<in_features = 64, out_features = 8, vector_len = 4,
                       num_centroids = 256>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x2x64xi16>)
      centroids(%c : memref<1x1024xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 4, warps_per_row = 8, batch_tile = 264,
                             k_chunk = 32, mma = true, shared_weights = true>}
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{'shard_entries' and 'shard_offsets' come together, got only 'shard_offsets'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x4xi32>) {
  // expected-error @+1 {{'shard_offsets' must have shape [shards, num_index_rows + 1] = [S, 3], got [2, 4]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x4xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<3x3xi32>) {
  // expected-error @+1 {{the shard count must be a power of two dividing num_centroids = 16, got 3}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<3x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi16>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{'shard_entries' and 'shard_offsets' must have i32 elements}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi16>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{has 'shard_entries' and 'shard_offsets' but places 'centroids' shared; expected sharded}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) {placement = #vptq.placement<centroids = shared, res_centroids = global>} -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{placement of 'centroids' sharded needs the 'shard_entries' and 'shard_offsets' operands}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)  outs(%y : tensor<?x8xf16>) {placement = #vptq.placement<centroids = sharded, res_centroids = global>} -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{only 'centroids' can be sharded, not 'res_centroids'}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>)  outs(%y : tensor<?x8xf16>) {placement = #vptq.placement<centroids = global, res_centroids = sharded>} -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %r: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %rc: tensor<1x16xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{sharded indices need one codebook group and no residual codebook, got num_codebooks = 1 and num_res_centroids = 4}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16, num_res_centroids = 4> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) res_indices(%r : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) res_centroids(%rc : tensor<1x16xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x16xi16>, %c: tensor<1x64xf16>, %x: tensor<?x16xf16>, %y: tensor<?x8xf16>, %e: tensor<2x8xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{'shard_entries' must have rank 1, got [2, 8]}}
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x16xf16>) indices(%i : tensor<1x2x16xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<2x8xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%i: tensor<1x2x65536xi16>, %c: tensor<1x64xf16>, %x: tensor<?x65536xf16>, %y: tensor<?x8xf16>, %e: tensor<?xi32>, %o: tensor<2x3xi32>) {
  // expected-error @+1 {{sharded index entries hold 16-bit columns and shard indices: in_features must be below 65536 and num_centroids / shards at most 65536}}
  %0 = vptq.matmul #vptq.vq<in_features = 65536, out_features = 8, vector_len = 4, num_centroids = 16> input(%x : tensor<?x65536xf16>) indices(%i : tensor<1x2x65536xi16>) centroids(%c : tensor<1x64xf16>) shard_entries(%e : tensor<?xi32>) shard_offsets(%o : tensor<2x3xi32>) outs(%y : tensor<?x8xf16>) -> tensor<?x8xf16>
  return
}

// -----

func.func @f(%q: memref<?x56xf16>, %k: memref<?x28xf16>, %p: memref<?xi32>, %inv: memref<3xf32>, %c: memref<512x28xf16>, %o: memref<?x56xf16>) {
  // expected-error @+1 {{head_dim must be even, got 7}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 7 : i64, scale = 0.5 : f64} : memref<?x56xf16>, memref<?x28xf16>, memref<?x28xf16>, memref<?xi32>, memref<3xf32>, memref<512x28xf16>, memref<512x28xf16>, memref<?x56xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %o: memref<?x64xf16>) {
  // expected-error @+1 {{num_heads 8 is not a multiple of num_kv_heads 3}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 3 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x64xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %o: memref<?x64xf16>) {
  // expected-error @+1 {{'key' must have shape [T, num_kv_heads * head_dim] = [?, 32], got [?, 64]}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<8xf32>, %c: memref<512x32xf16>, %o: memref<?x64xf16>) {
  // expected-error @+1 {{'inv_freq' must have shape [head_dim / 2]}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<8xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %o: memref<?x32xf16>) {
  // expected-error @+1 {{'output' must have shape [T, num_heads * head_dim] = [?, 64], got [?, 32]}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x32xf16>
  return
}

// -----

func.func @f(%q: memref<3x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %o: memref<2x64xf16>) {
  // expected-error @+1 {{'output' has 2 rows but 'query' has 3}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.5 : f64} : memref<3x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<2x64xf16>
  return
}

// -----

func.func @f(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %p: memref<?xi32>, %inv: memref<4xf32>, %c: memref<512x32xf16>, %o: memref<?x64xf16>) {
  // expected-error @+1 {{scale must be positive}}
  vptq.rotary_attention %q, %k, %k, %p, %inv, %c, %c, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.0 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}

// -----

func.func @f(%x: memref<?x16xf16>, %g: memref<?x16xf32>, %idx: memref<1x2x16xi16>, %cb: memref<1x64xf16>, %y: memref<?x8xf16>) {
  // expected-error @+1 {{'gate' must have the type of 'input', 'memref<?x16xf16>', got 'memref<?x16xf32>'}}
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>
      input(%x : memref<?x16xf16>) gate(%g : memref<?x16xf32>) indices(%idx : memref<1x2x16xi16>)
      centroids(%cb : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
  return
}

// -----

func.func @f(%x: memref<?x16xf16>, %idx: memref<1x2x16xi16>, %cb: memref<1x64xf16>, %y: memref<?x8xf16>) {
  // expected-error @+1 {{a gated input needs a SIMT kernel: its tiling has mma = true}}
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4, num_centroids = 16>
      input(%x : memref<?x16xf16>) gate(%x : memref<?x16xf16>) indices(%idx : memref<1x2x16xi16>)
      centroids(%cb : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
      {tiling = #vptq.tiling<block_rows = 1, warps_per_row = 4, batch_tile = 16, k_chunk = 16, mma = true>}
  return
}
