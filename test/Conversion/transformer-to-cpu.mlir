// RUN: vptq-opt %s -split-input-file -convert-vptq-to-cpu -canonicalize -cse | FileCheck %s --implicit-check-not=vptq.

// The transformer ops on the CPU: an scf.parallel over rows (rows x heads
// for attention) whose body is the shared row kernel with a single lane.

// rms_norm in 16-byte vector steps (8 x f16): the sum of squares, then the
// scaled row.
// CHECK-LABEL: func.func @rms_norm
// CHECK: %[[T:.*]] = memref.dim %arg0, %c0
// CHECK: scf.parallel (%[[ROW:.*]]) = (%c0) to (%[[T]]) step (%c1)
// CHECK:   %[[SS:.*]] = scf.for %[[G:.*]] = %c0 to %c8 step %c1 iter_args(%{{.*}} = %cst{{.*}}) -> (f32)
// CHECK:     %[[AT:.*]] = arith.muli %[[G]], %c8
// CHECK:     vector.load %arg0[%[[ROW]], %[[AT]]] {alignment = 16 : i64} : memref<?x64xf16>, vector<8xf16>
// CHECK:     arith.extf
// CHECK:     arith.mulf
// CHECK:     vector.reduction <add>
// CHECK:   %[[MEAN:.*]] = arith.divf %[[SS]], %cst{{.*}}
// CHECK:   %[[EPS:.*]] = arith.addf %[[MEAN]], %cst{{.*}}
// CHECK:   %[[INV:.*]] = math.rsqrt %[[EPS]] : f32
// CHECK:   %[[INVV:.*]] = vector.broadcast %[[INV]] : f32 to vector<8xf32>
// CHECK:   scf.for
// CHECK:     vector.load %arg1[%{{.*}}] {alignment = 16 : i64} : memref<64xf16>, vector<8xf16>
// CHECK:     arith.mulf %{{.*}}, %[[INVV]]
// CHECK:     arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
// CHECK:     vector.store %{{.*}}, %arg2[%[[ROW]], %{{.*}}] {alignment = 16 : i64}
func.func @rms_norm(%x: memref<?x64xf16>, %w: memref<64xf16>, %y: memref<?x64xf16>) {
  vptq.rms_norm %x, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  return
}

// -----

// add_rms_norm: the first pass adds delta, rounds the sum to the residual's
// type, stores it and sums its squares; the second reads it back. Width 36
// of f16 allows 4-element steps; the f32 weight loads as one 16-byte piece.
// CHECK-LABEL: func.func @add_rms_norm
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   scf.for %[[G:.*]] = %c0 to %c9 step %c1 iter_args
// CHECK:     %[[AT:.*]] = arith.muli %[[G]], %c4
// CHECK:     %[[X:.*]] = vector.load %arg0[%[[ROW]], %[[AT]]] {alignment = 8 : i64} : memref<?x36xf16>, vector<4xf16>
// CHECK:     %[[XF:.*]] = arith.extf %[[X]]
// CHECK:     %[[D:.*]] = vector.load %arg1[%[[ROW]], %[[AT]]] {alignment = 8 : i64} : memref<?x36xf16>, vector<4xf16>
// CHECK:     %[[DF:.*]] = arith.extf %[[D]]
// CHECK:     %[[SUM:.*]] = arith.addf %[[XF]], %[[DF]] : vector<4xf32>
// CHECK:     %[[R:.*]] = arith.truncf %[[SUM]] : vector<4xf32> to vector<4xf16>
// CHECK:     %[[RF:.*]] = arith.extf %[[R]] : vector<4xf16> to vector<4xf32>
// CHECK:     vector.store %[[R]], %arg0[%[[ROW]], %[[AT]]] {alignment = 8 : i64}
// CHECK:     arith.mulf %[[RF]], %[[RF]]
// CHECK:   math.rsqrt
// CHECK:   scf.for
// CHECK:     vector.load %arg0[%[[ROW]], %{{.*}}] {alignment = 8 : i64}
// CHECK:     vector.load %arg2[%{{.*}}] {alignment = 16 : i64} : memref<36xf32>, vector<4xf32>
// CHECK:     vector.store %{{.*}}, %arg3[%[[ROW]], %{{.*}}] {alignment = 8 : i64}
func.func @add_rms_norm(%x: memref<?x36xf16>, %d: memref<?x36xf16>, %w: memref<36xf32>, %y: memref<?x36xf16>) {
  vptq.add_rms_norm %x, %d, %w, %y {epsilon = 1.0e-05 : f64} : memref<?x36xf16>, memref<?x36xf16>, memref<36xf32>, memref<?x36xf16>
  return
}

// -----

// Attention: one (row, head) per iteration; online softmax over positions
// 0 .. positions[row] with the running max, the sum and an accumulator of
// head_dim floats; with one lane, whole heads move as vectors (the query
// once, a key and a value row per position). Head h reads
// key/value head h / 2 (8 heads, 4 key/value heads).
// CHECK-LABEL: func.func @attention
// CHECK-DAG: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[SCALE:.*]] = arith.constant 0.353553385 : f32
// CHECK: scf.parallel (%[[ROW:.*]], %[[HEAD:.*]]) = (%c0, %c0) to (%{{.*}}, %c8) step (%c1, %c1)
// CHECK:   %[[QBASE:.*]] = arith.muli %[[HEAD]], %c8
// CHECK:   %[[KVH:.*]] = arith.divui %[[HEAD]], %c2
// CHECK:   %[[KVBASE:.*]] = arith.muli %[[KVH]], %c8
// CHECK:   %[[P:.*]] = memref.load %arg3[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[LAST:.*]] = arith.index_cast %[[P]] : i32 to index
// CHECK:   %[[END:.*]] = arith.addi %[[LAST]], %c1
// CHECK:   %[[Q:.*]] = vector.load %arg0[%[[ROW]], %[[QBASE]]] : memref<?x64xf16>, vector<8xf16>
// CHECK:   %[[QF:.*]] = arith.extf %[[Q]]
// CHECK:   %[[R:.*]]:3 = scf.for %[[J:.*]] = %c0 to %[[END]] step %c1 iter_args(%[[M:.*]] = %[[NEGINF]], %[[L:.*]] = %cst{{.*}}, %[[ACC:.*]] = %cst{{.*}}) -> (f32, f32, vector<8xf32>)
// CHECK:     vector.load %arg1[%[[J]], %[[KVBASE]]] : memref<512x32xf16>, vector<8xf16>
// CHECK:     vector.load %arg2[%[[J]], %[[KVBASE]]] : memref<512x32xf16>, vector<8xf16>
// CHECK:     arith.mulf %[[QF]]
// CHECK:     %[[DOT:.*]] = vector.reduction <add>
// CHECK:     arith.mulf %[[DOT]], %[[SCALE]]
// CHECK:     %[[MNEW:.*]] = arith.maximumf %[[M]]
// CHECK:     math.exp
// CHECK:     math.exp
// CHECK:     vector.fma
// CHECK:     scf.yield
// CHECK:   %[[INV:.*]] = arith.divf %cst{{.*}}, %[[R]]#1
// CHECK:   %[[OUT:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xf16>
// CHECK:   vector.store %[[OUT]], %arg4[%[[ROW]], %[[QBASE]]] : memref<?x64xf16>, vector<8xf16>
func.func @attention(%q: memref<?x64xf16>, %kc: memref<512x32xf16>, %vc: memref<512x32xf16>, %p: memref<?xi32>, %o: memref<?x64xf16>) {
  vptq.attention %q, %kc, %vc, %p, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  return
}

// -----

// Rotary: a step takes 2 pairs (i, i + head_dim/2) of a head (a sine and
// a cosine per element: 2 per lane), angles positions[row] *
// inv_freq[i .. i + 2), cos and sin per element.
// CHECK-LABEL: func.func @rotary
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   %[[POS:.*]] = memref.load %arg1[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[POSF:.*]] = arith.sitofp %[[POS]] : i32 to f32
// CHECK:   %[[POSV:.*]] = vector.broadcast %[[POSF]] : f32 to vector<2xf32>
// CHECK:   scf.for %[[J:.*]] = %c0 to %c16 step %c1
// CHECK:     %[[HEAD:.*]] = arith.divui %[[J]], %c2
// CHECK:     %[[I:.*]] = arith.remui %[[J]], %c2
// CHECK:     %[[HBASE:.*]] = arith.muli %[[HEAD]], %c4
// CHECK:     %[[LO:.*]] = arith.addi %[[HBASE]], %[[I]]
// CHECK:     %[[HI:.*]] = arith.addi %[[LO]], %c2
// CHECK:     %[[FAT:.*]] = arith.muli %[[I]], %c2
// CHECK:     %[[F:.*]] = vector.load %arg2[%[[FAT]]] {alignment = 8 : i64} : memref<4xf32>, vector<2xf32>
// CHECK:     %[[ANGLE:.*]] = arith.mulf %[[POSV]], %[[F]]
// CHECK-COUNT-2: math.cos
// CHECK-COUNT-2: math.sin
// CHECK:     %[[LOAT:.*]] = arith.muli %[[LO]], %c2
// CHECK:     vector.load %arg0[%[[ROW]], %[[LOAT]]]
// CHECK:     %[[HIAT:.*]] = arith.muli %[[HI]], %c2
// CHECK:     vector.load %arg0[%[[ROW]], %[[HIAT]]]
// CHECK:     arith.subf
// CHECK:     vector.store %{{.*}}, %arg0[%[[ROW]], %[[LOAT]]]
// CHECK:     vector.store %{{.*}}, %arg0[%[[ROW]], %[[HIAT]]]
func.func @rotary(%x: memref<?x64xf32>, %p: memref<?xi32>, %inv: memref<4xf32>) {
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf32>, memref<?xi32>, memref<4xf32>, memref<?x64xf32>
  return
}

// -----

// gather_rows: bf16 table rows in 8-element steps, stored as two f32
// vectors; silu_mul and add in f32 steps of 4, silu per element.
// CHECK-LABEL: func.func @gather_silu_add
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   %[[ID:.*]] = memref.load %arg1[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[IDX:.*]] = arith.index_cast %[[ID]] : i32 to index
// CHECK:   scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK:     vector.load %arg0[%[[IDX]], %{{.*}}] {alignment = 16 : i64} : memref<512x64xbf16>, vector<8xbf16>
// CHECK-COUNT-2: vector.store %{{.*}}, %arg2[%[[ROW]], %{{.*}}] {alignment = 16 : i64} : memref<?x64xf32>, vector<4xf32>
// CHECK: scf.parallel
// CHECK:   scf.for %{{.*}} = %c0 to %c16 step %c1
// CHECK-COUNT-4: math.exp
// CHECK:     vector.from_elements
// CHECK:     arith.mulf %{{.*}} : vector<4xf32>
// CHECK: scf.parallel
// CHECK:   arith.addf %{{.*}} : vector<4xf32>
func.func @gather_silu_add(%t: memref<512x64xbf16>, %ids: memref<?xi32>, %x: memref<?x64xf32>) {
  vptq.gather_rows %t, %ids, %x : memref<512x64xbf16>, memref<?xi32>, memref<?x64xf32>
  vptq.silu_mul %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  vptq.add %x, %x, %x : memref<?x64xf32>, memref<?x64xf32>, memref<?x64xf32>
  return
}

// -----

// rotary_append on f32 rows with f16 caches: per row, 8 query and 4 key
// rotary steps of 2 pairs, then 2 value steps of 8 elements (16 bytes of
// the narrowest operand), as one loop of 14 steps; keys and values are
// rounded once, into the caches at row positions[row].
// CHECK-LABEL: func.func @rotary_append
// CHECK: scf.parallel (%[[ROW:.*]]) =
// CHECK:   %[[POS:.*]] = memref.load %arg3[%[[ROW]]] : memref<?xi32>
// CHECK:   %[[TARGET:.*]] = arith.index_cast %[[POS]] : i32 to index
// CHECK:   scf.for %[[J:.*]] = %c0 to %c14 step %c1
// CHECK:     %[[ISQ:.*]] = arith.cmpi ult, %[[J]], %c8
// CHECK:     scf.if %[[ISQ]] {
// CHECK:       vector.store %{{.*}}, %arg0[%[[ROW]], %{{.*}}] {alignment = 8 : i64} : memref<?x32xf32>, vector<2xf32>
// CHECK:       vector.store %{{.*}}, %arg0[%[[ROW]], %{{.*}}] {alignment = 8 : i64} : memref<?x32xf32>, vector<2xf32>
// CHECK:     } else {
// CHECK:       %[[KJ:.*]] = arith.subi %[[J]], %c8
// CHECK:       %[[ISK:.*]] = arith.cmpi ult, %[[KJ]], %c4
// CHECK:       scf.if %[[ISK]] {
// CHECK:         vector.load %arg1[%[[ROW]], %{{.*}}] {alignment = 8 : i64} : memref<?x16xf32>, vector<2xf32>
// CHECK:         arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK:         vector.store %{{.*}}, %arg5[%[[TARGET]], %{{.*}}] {alignment = 4 : i64} : memref<64x16xf16>, vector<2xf16>
// CHECK:         arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK:         vector.store %{{.*}}, %arg5[%[[TARGET]], %{{.*}}] {alignment = 4 : i64} : memref<64x16xf16>, vector<2xf16>
// CHECK:       } else {
// CHECK:         %[[VJ:.*]] = arith.subi %[[J]], %c12
// CHECK:         %[[AT:.*]] = arith.muli %[[VJ]], %c8
// CHECK:         vector.load %arg2[%[[ROW]], %[[AT]]] {alignment = 16 : i64} : memref<?x16xf32>, vector<4xf32>
// CHECK:         vector.store %{{.*}}, %arg6[%[[TARGET]], %[[AT]]] {alignment = 16 : i64} : memref<64x16xf16>, vector<8xf16>
func.func @rotary_append(%q: memref<?x32xf32>, %k: memref<?x16xf32>, %v: memref<?x16xf32>, %p: memref<?xi32>, %inv: memref<4xf32>, %kc: memref<64x16xf16>, %vc: memref<64x16xf16>) {
  vptq.rotary_append %q, %k, %v, %p, %inv, %kc, %vc {head_dim = 8 : i64} : memref<?x32xf32>, memref<?x16xf32>, memref<?x16xf32>, memref<?xi32>, memref<4xf32>, memref<64x16xf16>, memref<64x16xf16>
  return
}

// -----

// vptq.rotary_attention is what it fuses: a parallel loop over rows making
// every row's appends (query rotated in place, key into key_cache, value
// into value_cache at the row's position), and only after it the
// (row, head) loop of attention over the updated caches into the output.
// CHECK-LABEL: func.func @rotary_attention
// CHECK:   %[[T:.*]] = memref.dim %arg0, %c0
// CHECK:   scf.parallel (%[[ROW:.*]]) = (%c0) to (%[[T]]) step (%c1) {
// CHECK:     vector.store %{{.*}}, %arg0[%[[ROW]], %{{.*}}] {alignment = 4 : i64} : memref<?x64xf16>, vector<2xf16>
// CHECK:     vector.store %{{.*}}, %arg5[%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<512x32xf16>, vector<2xf16>
// CHECK:     vector.store %{{.*}}, %arg6[%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<512x32xf16>, vector<8xf16>
// CHECK:     scf.reduce
// CHECK:   scf.parallel (%[[R:.*]], %[[H:.*]]) = (%c0, %c0) to (%[[T]], %c8) step (%c1, %c1) {
// CHECK:     vector.load %arg0[%[[R]], %{{.*}}] : memref<?x64xf16>, vector<8xf16>
// CHECK:     scf.for
// CHECK:       vector.load %arg5[
// CHECK:       vector.load %arg6[
// CHECK:     vector.store %{{.*}}, %arg7[%[[R]], %{{.*}}] : memref<?x64xf16>, vector<8xf16>
func.func @rotary_attention(%q: memref<?x64xf16>, %k: memref<?x32xf16>, %v: memref<?x32xf16>, %p: memref<?xi32>, %f: memref<4xf32>, %kc: memref<512x32xf16>, %vc: memref<512x32xf16>, %o: memref<?x64xf16>) {
  vptq.rotary_attention %q, %k, %v, %p, %f, %kc, %vc, %o {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}
