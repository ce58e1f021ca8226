// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | vptq-objdump | FileCheck %s --implicit-check-not=ld.local --implicit-check-not=st.local
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_80 format=isa})' | vptq-objdump | FileCheck %s --check-prefix=SM80
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa})' | FileCheck %s --check-prefix=HOST
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a format=isa host-llvm=false})' | FileCheck %s --check-prefix=LAUNCH

// vptq-to-nvvm from vptq.matmul on tensors to PTX: the kernel stages packed
// indices and the shared codebook with 16-byte loads, gathers from shared
// memory with 16-byte loads, reduces with warp shuffles, and keeps all
// accumulators in registers (no local-memory traffic).

// CHECK: // object @vptq_kernels #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">
// CHECK: .version 8.0
// CHECK: .target sm_90a
// CHECK: .visible .entry vptq_matmul_0(
// CHECK-DAG: ld.global.v4.b32
// CHECK-DAG: st.shared.v4.b32
// CHECK-DAG: ld.shared.v4.b32
// CHECK-DAG: shfl.sync.idx.b32
// CHECK-DAG: shfl.sync.bfly.b32
// CHECK-DAG: bar.sync
// CHECK-DAG: fma.rn.f32
// CHECK-DAG: cvt.rn.f16.f32
// CHECK-DAG: st.global.b16
// SM80: .target sm_80

// Host code is lowered to LLVM around the launch.
// HOST: llvm.func @matmul(
// HOST: gpu.launch_func @vptq_kernels::@vptq_matmul_0
// HOST: gpu.binary @vptq_kernels
// LAUNCH: func.func @matmul(
// LAUNCH: gpu.launch_func @vptq_kernels::@vptq_matmul_0 {{.*}} {vptq.launch = {batch_tile = 2 : i64, block_size = 128 : i64, grid_dependency = true, grid_x = 2 : i64, kernel = "vptq_matmul_0", op = "matmul", placement = #vptq.placement<centroids = shared, res_centroids = registers>, shared_bytes = 6784 : i64, tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2, k_chunk = 128>}}

func.func @matmul(%x: tensor<?x128xf16>, %i: tensor<1x4x48xi32>,
                  %c: tensor<1x2048xf16>, %rc: tensor<1x128xf16>,
                  %p: tensor<128xi16>, %b: tensor<32xf16>,
                  %y: tensor<?x32xf16>) -> tensor<?x32xf16> {
  %0 = vptq.matmul #vptq.vq<in_features = 128, out_features = 32,
                            vector_len = 8, num_centroids = 256,
                            num_res_centroids = 16, packed = true,
                            enable_perm = true, bias = true>
      input(%x : tensor<?x128xf16>) indices(%i : tensor<1x4x48xi32>)
      centroids(%c : tensor<1x2048xf16>) res_centroids(%rc : tensor<1x128xf16>)
      perm(%p : tensor<128xi16>) bias(%b : tensor<32xf16>)
      outs(%y : tensor<?x32xf16>)
      {placement = #vptq.placement<centroids = shared,
                                   res_centroids = registers>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2,
                             k_chunk = 128>} -> tensor<?x32xf16>
  return %0 : tensor<?x32xf16>
}
