// RUN: vptq-opt %s -convert-vptq-to-gpu -canonicalize -cse | FileCheck %s
// RUN: vptq-opt %s -convert-vptq-to-gpu="chip=sm_80" | FileCheck %s --check-prefix=OFF --implicit-check-not=griddepcontrol --implicit-check-not=grid_dependency
// RUN: vptq-opt %s -convert-vptq-to-gpu="grid-dependency=false" | FileCheck %s --check-prefix=OFF --implicit-check-not=griddepcontrol --implicit-check-not=grid_dependency
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --check-prefix=PTX

// Programmatic dependent launch on sm_90 and newer: a kernel first lets the
// next kernel of its stream launch, then waits for the previous one before
// it reads anything (here the row it normalizes); the launch says so, for
// runtimes to launch it with programmatic stream serialization. Older
// chips, or grid-dependency=false, get neither.

// CHECK: gpu.launch_func @vptq_kernels::@vptq_rms_norm_0
// CHECK-SAME: grid_dependency = true
// CHECK: gpu.func @vptq_rms_norm_0
// CHECK:   nvvm.griddepcontrol wait
// CHECK-NEXT: gpu.thread_id x
// CHECK-NOT: nvvm.griddepcontrol
// CHECK:   nvvm.griddepcontrol launch_dependents
// CHECK-NEXT: gpu.return

// OFF: gpu.launch_func @vptq_kernels::@vptq_rms_norm_0
// OFF: gpu.func @vptq_rms_norm_0

// PTX: .visible .entry vptq_rms_norm_0(
// PTX: griddepcontrol.wait;
// PTX: ld.global.v4.b32
// PTX: st.global.v4.b32
// PTX: griddepcontrol.launch_dependents;
// PTX-NEXT: ret;
func.func @rms_norm(%x: memref<?x4096xf16>, %w: memref<4096xf16>) {
  vptq.rms_norm %x, %w, %x {epsilon = 1.0e-05 : f64} : memref<?x4096xf16>, memref<4096xf16>, memref<?x4096xf16>
  return
}
