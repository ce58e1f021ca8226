// RUN: vptq-opt %s -split-input-file -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s --check-prefix=GPU --implicit-check-not=vptq.nearest --implicit-check-not=vptq.gram
// RUN: vptq-opt %s -split-input-file -convert-vptq-to-cpu -canonicalize -cse | FileCheck %s --check-prefix=CPU --implicit-check-not=vptq.nearest --implicit-check-not=vptq.gram

// The quantizer ops. vptq.nearest: one point per GPU thread, 256 points per
// block row (batch tile 256); the point stays in registers while the
// centroids stream past as aligned 16-byte loads (two per 8 x f32), the
// first minimum kept.
// GPU-LABEL: func.func @nearest
// GPU: %[[N:.*]] = memref.dim %arg0, %c0
// GPU: %[[ROWS:.*]] = arith.ceildivui %[[N]], %c256
// GPU: gpu.launch_func @vptq_kernels::@vptq_nearest_0 blocks in (%c1, %[[ROWS]], %c1) threads in (%c256, %c1, %c1)
// GPU-SAME: vptq.launch = {batch_tile = 256 : i64, block_size = 256 : i64, grid_dependency = true, grid_x = 1 : i64, kernel = "vptq_nearest_0", op = "nearest", shared_bytes = 0 : i64}
// GPU: gpu.func @vptq_nearest_0
// GPU:   %[[TID:.*]] = gpu.thread_id x
// GPU:   %[[BY:.*]] = gpu.block_id y
// GPU:   %[[B0:.*]] = arith.muli %[[BY]], %c256
// GPU:   %[[P:.*]] = arith.addi %[[B0]], %[[TID]]
// GPU:   %[[IN:.*]] = arith.cmpi ult, %[[P]], %{{.*}}
// GPU:   scf.if %[[IN]]
// GPU:     vector.load %arg0[%[[P]], %c0] {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// GPU:     vector.load %arg0[%[[P]], %c4] {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// GPU:     %[[X:.*]] = vector.from_elements {{.*}} : vector<8xf32>
// GPU:     %[[K:.*]] = memref.dim %arg1, %c0
// GPU:     %[[R:.*]]:2 = scf.for %[[C:.*]] = %c0 to %[[K]] step %c1 iter_args(%[[BEST:.*]] = %cst, %[[ARG:.*]] = %c0) -> (f32, index)
// GPU:       vector.load %arg1[%[[C]], %c0] {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// GPU:       vector.load %arg1[%[[C]], %c4] {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// GPU:       %[[CV:.*]] = vector.from_elements {{.*}} : vector<8xf32>
// GPU:       %[[D:.*]] = arith.subf %[[X]], %[[CV]] : vector<8xf32>
// GPU:       %[[SQ:.*]] = arith.mulf %[[D]], %[[D]]
// GPU:       %[[DIST:.*]] = vector.reduction <add>, %[[SQ]] : vector<8xf32> into f32
// GPU:       %[[LT:.*]] = arith.cmpf olt, %[[DIST]], %[[BEST]]
// GPU:       arith.select %[[LT]], %[[DIST]], %[[BEST]]
// GPU:       arith.select %[[LT]], %[[C]], %[[ARG]]
// GPU:     %[[I:.*]] = arith.index_cast %[[R]]#1 : index to i32
// GPU:     memref.store %[[I]], %arg2[%[[P]]]
// GPU:     memref.store %[[R]]#0, %arg3[%[[P]]]
// CPU-LABEL: func.func @nearest
// CPU: %[[N:.*]] = memref.dim %arg0, %c0
// CPU: scf.parallel (%[[P:.*]]) = (%c0) to (%[[N]]) step (%c1)
// CPU:   vector.load %arg0[%[[P]], %c0] {alignment = 16 : i64} : memref<?x8xf32>, vector<4xf32>
// CPU:   scf.for {{.*}} -> (f32, index)
// CPU:     vector.reduction <add>
// CPU:     arith.cmpf olt
// CPU:   memref.store %{{.*}}, %arg2[%[[P]]] : memref<?xi32>
// CPU:   memref.store %{{.*}}, %arg3[%[[P]]] : memref<?xf32>
func.func @nearest(%p: memref<?x8xf32>, %c: memref<?x8xf32>, %i: memref<?xi32>, %d: memref<?xf32>) {
  vptq.nearest %p, %c, %i, %d : memref<?x8xf32>, memref<?x8xf32>, memref<?xi32>, memref<?xf32>
  return
}

// -----

// A 6-vector (24 bytes, 8-byte aligned) loads as three 8-byte pieces.
// GPU-LABEL: func.func @nearest_v6
// GPU: gpu.func @vptq_nearest_0
// GPU:   vector.load %arg0[%{{.*}}, %c0] {alignment = 8 : i64} : memref<?x6xf32>, vector<2xf32>
// GPU:   vector.load %arg0[%{{.*}}, %c2] {alignment = 8 : i64} : memref<?x6xf32>, vector<2xf32>
// GPU:   vector.load %arg0[%{{.*}}, %c4] {alignment = 8 : i64} : memref<?x6xf32>, vector<2xf32>
// GPU:   vector.from_elements {{.*}} : vector<6xf32>
// CPU-LABEL: func.func @nearest_v6
func.func @nearest_v6(%p: memref<?x6xf32>, %c: memref<?x6xf32>, %i: memref<?xi32>, %d: memref<?xf32>) {
  vptq.nearest %p, %c, %i, %d : memref<?x6xf32>, memref<?x6xf32>, memref<?xi32>, memref<?xf32>
  return
}

// -----

// vptq.gram: a 1-D grid of N x ceil(N / 256) blocks whatever the token count
// (batch tile 0); block b works on row b / 2 of a 300 x 300 Hessian, each
// thread on one column, summing over the tokens in f32.
// GPU-LABEL: func.func @gram
// GPU: gpu.launch_func @vptq_kernels::@vptq_gram_0 blocks in (%c600, %c1, %c1) threads in (%c256, %c1, %c1)
// GPU-SAME: batch_tile = 0 : i64, block_size = 256 : i64, grid_dependency = true, grid_x = 600 : i64
// GPU: gpu.func @vptq_gram_0
// GPU:   %[[B:.*]] = gpu.block_id x
// GPU:   %[[ROW:.*]] = arith.divui %[[B]], %c2
// GPU:   %[[PART:.*]] = arith.remui %[[B]], %c2
// GPU:   %[[COL0:.*]] = arith.muli %[[PART]], %c256
// GPU:   %[[TID:.*]] = gpu.thread_id x
// GPU:   %[[COL:.*]] = arith.addi %[[COL0]], %[[TID]]
// GPU:   %[[T:.*]] = memref.dim %arg0, %c0
// GPU:   scf.for %[[K:.*]] = %[[COL]] to %c300 step %c512
// GPU:     %[[SUM:.*]] = scf.for %[[TOK:.*]] = %c0 to %[[T]] step %c1 iter_args(%[[ACC:.*]] = %cst) -> (f32)
// GPU:       %[[XI:.*]] = memref.load %arg0[%[[TOK]], %[[ROW]]]
// GPU:       %[[XK:.*]] = memref.load %arg0[%[[TOK]], %[[K]]]
// GPU:       %[[PROD:.*]] = arith.mulf %[[XI]], %[[XK]]
// GPU:       arith.addf %[[ACC]], %[[PROD]]
// GPU:     %[[OLD:.*]] = memref.load %arg1[%[[ROW]], %[[K]]]
// GPU:     %[[NEW:.*]] = arith.addf %[[OLD]], %[[SUM]]
// GPU:     memref.store %[[NEW]], %arg1[%[[ROW]], %[[K]]]
// On the CPU, rows in parallel with the tokens outside so that both rows
// are read in order.
// CPU-LABEL: func.func @gram
// CPU: scf.parallel (%[[ROW:.*]]) = (%c0) to (%c300) step (%c1)
// CPU:   %[[T:.*]] = memref.dim %arg0, %c0
// CPU:   scf.for %[[TOK:.*]] = %c0 to %[[T]] step %c1
// CPU:     %[[XI:.*]] = memref.load %arg0[%[[TOK]], %[[ROW]]]
// CPU:     scf.for %[[K:.*]] = %c0 to %c300 step %c1
// CPU:       %[[XK:.*]] = memref.load %arg0[%[[TOK]], %[[K]]]
// CPU:       %[[OLD:.*]] = memref.load %arg1[%[[ROW]], %[[K]]]
// CPU:       %[[PROD:.*]] = arith.mulf %[[XI]], %[[XK]]
// CPU:       %[[NEW:.*]] = arith.addf %[[OLD]], %[[PROD]]
// CPU:       memref.store %[[NEW]], %arg1[%[[ROW]], %[[K]]]
func.func @gram(%x: memref<?x300xf32>, %h: memref<300x300xf32>) {
  vptq.gram %x, %h : memref<?x300xf32>, memref<300x300xf32>
  return
}
