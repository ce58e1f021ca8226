// REQUIRES: ptxas
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=bin})' | vptq-objdump | FileCheck %s
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_89 format=fatbin})' | vptq-objdump | FileCheck %s --check-prefix=FATBIN
// RUN: rm -rf %t && mkdir %t && vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=bin})' | vptq-objdump --output-dir=%t | FileCheck %s --check-prefix=FILE
// RUN: head -c 4 %t/vptq_kernels.sm_90a.cubin | od -An -c | FileCheck %s --check-prefix=ELF

// With ptxas the pipeline produces cubins and fat binaries.

// CHECK: // object @vptq_kernels #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80"> ({{[0-9]+}} bytes, binary)
// FATBIN: // object @vptq_kernels #nvvm.target<O = 3, chip = "sm_89", features = "+ptx80"> ({{[0-9]+}} bytes, binary)
// FILE: vptq_kernels.sm_90a.cubin
// ELF: 177   E   L   F

func.func @matmul(%x: memref<?x64xf16>, %i: memref<1x8x32xi32>,
                  %c: memref<1x262144xf16>, %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 64, out_features = 32, vector_len = 4,
                       num_centroids = 65536, packed = true>
      input(%x : memref<?x64xf16>) indices(%i : memref<1x8x32xi32>)
      centroids(%c : memref<1x262144xf16>) outs(%y : memref<?x32xf16>)
  return
}
