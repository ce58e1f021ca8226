// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --check-prefix=PTX
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=isa})' | vptq-objdump | FileCheck %s --check-prefix=GCN
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-cpu)' | FileCheck %s --check-prefix=CPU

// The decoder's non-linear ops through every pipeline, element-wise work in
// 16-byte vectors (8 bytes for the 172-wide rows: 172 = 4 x 43; rotary_append
// copies each value step into the cache with one 16-byte load and store, as
// rotary_attention does before the barrier that precedes its attention).
// Math functions come from libdevice / the ROCm device libraries (linked, no external symbols
// left) or LLVM intrinsics on the CPU. The AMD code is compiled and checked
// here only: no AMD GPU is available to run it.

// PTX-NOT: .extern
// PTX: .visible .entry vptq_rms_norm_0(
// PTX: shfl.sync.bfly.b32
// PTX: bar.sync
// PTX: rsqrt.approx.f32
// PTX: .visible .entry vptq_rotary_1(
// PTX: .visible .entry vptq_attention_2(
// PTX: shfl.sync.bfly.b32
// PTX: ex2.approx
// PTX: bar.sync
// PTX: ex2.approx
// PTX: div.rn.f32
// PTX: .visible .entry vptq_silu_mul_3(
// PTX: ld.global.v4.b16
// PTX: ex2.approx
// PTX: st.global.v2.b32
// PTX: .visible .entry vptq_add_rms_norm_4(
// PTX: ld.global.v4.b32
// PTX: ld.global.v4.b32
// PTX: st.global.v4.b32
// PTX: bar.sync
// PTX: rsqrt.approx.f32
// PTX: st.global.v4.b32
// PTX: .visible .entry vptq_rotary_append_5(
// PTX: ld.global.v4.b32 [[VALUE:\{.*\}]], [
// PTX-NEXT: add.s64
// PTX-NEXT: st.global.v4.b32 [{{.*}}], [[VALUE]];
// PTX: .visible .entry vptq_rotary_attention_6(
// PTX: st.global.v4.b32
// PTX: bar.sync
// PTX: shfl.sync.bfly.b32
// PTX: ex2.approx
// PTX: bar.sync
// PTX: div.rn.f32

// GCN-NOT: __ocml
// GCN: vptq_rms_norm_0:
// GCN: ds_bpermute_b32
// GCN: s_barrier
// GCN: vptq_attention_2:
// GCN: v_exp_f32
// GCN: s_barrier
// GCN: v_exp_f32
// GCN: vptq_add_rms_norm_4:
// GCN: global_load_dwordx4
// GCN: global_store_dwordx4
// GCN: s_barrier
// GCN: s_endpgm
// GCN: vptq_rotary_append_5:
// GCN: global_load_dwordx4 [[VALUE:v\[[0-9]+:[0-9]+\]]],
// GCN: global_store_dwordx4 {{.*}}, [[VALUE]], off
// GCN: s_endpgm
// GCN: vptq_rotary_attention_6:
// GCN: global_store_dwordx4
// GCN: s_barrier
// GCN: v_exp_f32
// GCN: s_barrier
// GCN: s_endpgm

// CPU: llvm.func @decoder
// CPU:   omp.parallel
// CPU:     omp.wsloop
// CPU:   llvm.intr.sqrt
// CPU:   llvm.intr.cos
// CPU:   llvm.intr.sin
// CPU:   llvm.intr.exp
// CPU-NOT: vptq.
func.func @decoder(%x: memref<?x64xf16>, %w: memref<64xf16>, %p: memref<?xi32>,
                   %inv: memref<4xf32>, %kc: memref<512x32xf16>,
                   %vc: memref<512x32xf16>, %g: memref<?x172xf16>,
                   %u: memref<?x172xf16>, %o: memref<?x64xf16>,
                   %h: memref<?x64xf16>, %k: memref<?x32xf16>) {
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  vptq.rotary %x, %p, %inv, %x {head_dim = 8 : i64} : memref<?x64xf16>, memref<?xi32>, memref<4xf32>, memref<?x64xf16>
  vptq.attention %x, %kc, %vc, %p, %x {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<512x32xf16>, memref<512x32xf16>, memref<?xi32>, memref<?x64xf16>
  vptq.silu_mul %g, %u, %g : memref<?x172xf16>, memref<?x172xf16>, memref<?x172xf16>
  vptq.add_rms_norm %x, %o, %w, %h {epsilon = 1.0e-05 : f64} : memref<?x64xf16>, memref<?x64xf16>, memref<64xf16>, memref<?x64xf16>
  vptq.rotary_append %x, %k, %k, %p, %inv, %kc, %vc {head_dim = 8 : i64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>
  vptq.rotary_attention %x, %k, %k, %p, %inv, %kc, %vc, %h {num_heads = 8 : i64, num_kv_heads = 4 : i64, head_dim = 8 : i64, scale = 0.35355339059327379 : f64} : memref<?x64xf16>, memref<?x32xf16>, memref<?x32xf16>, memref<?xi32>, memref<4xf32>, memref<512x32xf16>, memref<512x32xf16>, memref<?x64xf16>
  return
}
