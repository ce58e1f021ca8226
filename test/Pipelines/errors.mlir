// RUN: not vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=bin toolkit=%t.missing})' 2>&1 | FileCheck %s --check-prefix=PTXAS
// RUN: not vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_50})' 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=fatbin})' 2>&1 | FileCheck %s --check-prefix=FATBIN
// RUN: not vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 toolkit=%t.missing})' 2>&1 | FileCheck %s --check-prefix=LLD
// RUN: not vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{format=elf})' 2>&1 | FileCheck %s --check-prefix=FORMAT

// Missing tools and unsupported targets are reported as such, before any
// work is attempted inside the serializer.

// PTXAS: error: cannot produce GPU binaries: ptxas not found: {{.*}}.missing/bin/ptxas is missing or not executable (install the CUDA toolkit, or pass toolkit=<path> / set CUDA_ROOT)
// PTXAS-NOT: see current operation
// CHIP: error: vptq-tile: unsupported chip 'sm_50'; supported: host, sm_75
// FATBIN: error: cannot produce GPU binaries: format=fatbin is NVIDIA-only; use bin (HSACO) or isa for AMD
// LLD: error: cannot produce GPU binaries: ld.lld not found: {{.*}}.missing/llvm/bin/ld.lld is missing or not executable (install lld-22, or pass toolkit=<ROCm prefix> / set ROCM_PATH)
// FORMAT: error: cannot produce GPU binaries: unknown format 'elf'; expected bin, isa or fatbin

func.func @matmul(%x: memref<?x16xf16>, %i: memref<1x2x16xi16>,
                  %c: memref<1x64xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16>
      input(%x : memref<?x16xf16>) indices(%i : memref<1x2x16xi16>)
      centroids(%c : memref<1x64xf16>) outs(%y : memref<?x8xf16>)
  return
}
