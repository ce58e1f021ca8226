// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --check-prefix=PTX
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=isa})' | vptq-objdump | FileCheck %s --check-prefix=GCN
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-cpu)' | FileCheck %s --check-prefix=CPU

// A gated matmul (silu(gate) * input as its activations) through every
// pipeline: the exponential of silu from libdevice / the ROCm device
// libraries (nothing left external) or an LLVM intrinsic, and the product
// rounded to f16 before the norm scale. The AMD code is compiled and
// checked here only: no AMD GPU is available to run it.

// PTX-NOT: .extern
// PTX: .visible .entry vptq_matmul_0(
// PTX: griddepcontrol.wait
// PTX: ex2.approx
// PTX: cvt.rn.f16.f32
// PTX: ret;

// GCN-NOT: __ocml
// GCN: vptq_matmul_0:
// GCN: v_exp_f32
// GCN: v_cvt_f16_f32
// GCN: s_endpgm

// CPU: llvm.func @gated
// CPU:   llvm.intr.exp
// CPU:   llvm.fptrunc %{{.*}} : f32 to f16
// CPU-NOT: vptq.
func.func @gated(%x: memref<?x16xf16>, %g: memref<?x16xf16>, %i: memref<1x2x2xi32>,
                 %c: memref<1x64xf16>, %p: memref<16xi16>, %s: memref<16xf16>,
                 %wb: memref<16xf16>, %y: memref<?x8xf16>) {
  vptq.matmul #vptq.vq<in_features = 16, out_features = 8, vector_len = 4,
                       num_centroids = 16, packed = true, enable_perm = true,
                       enable_norm = true>
      input(%x : memref<?x16xf16>) gate(%g : memref<?x16xf16>)
      indices(%i : memref<1x2x2xi32>) centroids(%c : memref<1x64xf16>)
      perm(%p : memref<16xi16>) weight_scale(%s : memref<16xf16>)
      weight_bias(%wb : memref<16xf16>) outs(%y : memref<?x8xf16>)
  return
}
