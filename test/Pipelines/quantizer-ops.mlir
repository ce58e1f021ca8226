// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --check-prefix=PTX
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=isa})' | vptq-objdump | FileCheck %s --check-prefix=GCN
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-cpu)' | FileCheck %s --check-prefix=CPU

// The quantizer ops through the full pipelines: PTX for sm_90a, GCN for
// gfx942 (compiled only; no AMD GPU runs it) and LLVM dialect for the CPU.

// PTX-LABEL: .visible .entry vptq_nearest_0(
// PTX: ld.global.v4.b32
// PTX: ld.global.v4.b32
// PTX: setp.lt.f32
// PTX: selp.f32
// PTX: st.global.b32
// PTX-LABEL: .visible .entry vptq_gram_1(
// PTX: ld.global.b32
// PTX: st.global.b32
// GCN: global_load_dwordx4
// GCN: v_cmp_lt_f32
// GCN: v_cndmask_b32
// GCN-LABEL: .amdhsa_kernel vptq_nearest_0
// GCN-LABEL: .amdhsa_kernel vptq_gram_1
// CPU: llvm.func @nearest
// CPU: llvm.func @gram
func.func @nearest(%p: memref<?x8xf32>, %c: memref<?x8xf32>, %i: memref<?xi32>, %d: memref<?xf32>) {
  vptq.nearest %p, %c, %i, %d : memref<?x8xf32>, memref<?x8xf32>, memref<?xi32>, memref<?xf32>
  return
}
func.func @gram(%x: memref<?x300xf32>, %h: memref<300x300xf32>) {
  vptq.gram %x, %h : memref<?x300xf32>, memref<300x300xf32>
  return
}
