// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-cpu)' | FileCheck %s --implicit-check-not=vptq. --implicit-check-not=scf. --implicit-check-not=memref.
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-cpu{parallel=false})' | FileCheck %s --check-prefix=SERIAL

// vptq-to-cpu from tensors to the LLVM dialect: bufferized, lowered to
// vector loops, parallel row blocks as OpenMP work-sharing loops, with the
// C interface kept for callers.

// CHECK: llvm.func @malloc
// CHECK: llvm.func @matmul(
// CHECK:   omp.parallel
// CHECK:     omp.wsloop
// CHECK:       omp.loop_nest
// CHECK:   llvm.intr.fmuladd(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<4xf32>, vector<4xf32>, vector<4xf32>) -> vector<4xf32>
// CHECK: llvm.func @_mlir_ciface_matmul(
// SERIAL-LABEL: llvm.func @matmul(
// SERIAL-NOT: omp.
// SERIAL: llvm.intr.fmuladd

func.func @matmul(%x: tensor<?x16xbf16>, %i: tensor<1x2x3xi32>,
                  %c: tensor<1x64xbf16>, %rc: tensor<1x16xbf16>,
                  %y: tensor<?x8xbf16>) -> tensor<?x8xbf16>
    attributes {llvm.emit_c_interface} {
  %0 = vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                            num_centroids = 16, num_res_centroids = 4,
                            packed = true>
      input(%x : tensor<?x16xbf16>) indices(%i : tensor<1x2x3xi32>)
      centroids(%c : tensor<1x64xbf16>) res_centroids(%rc : tensor<1x16xbf16>)
      outs(%y : tensor<?x8xbf16>) -> tensor<?x8xbf16>
  return %0 : tensor<?x8xbf16>
}
