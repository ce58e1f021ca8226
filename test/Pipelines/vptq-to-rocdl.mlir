// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=isa})' | vptq-objdump | FileCheck %s --check-prefixes=CHECK,GFX9
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx90a format=isa})' | vptq-objdump | FileCheck %s --check-prefixes=CHECK,GFX9
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx1100 format=isa})' | vptq-objdump | FileCheck %s --check-prefixes=CHECK,GFX11
// RUN: vptq-opt %s --pass-pipeline='builtin.module(vptq-to-rocdl{chip=gfx942 format=bin})' | vptq-objdump | FileCheck %s --check-prefix=HSACO

// vptq-to-rocdl: the same kernel as AMDGCN. Compiled and checked here;
// no AMD GPU is available to run it.

// CHECK: // object @vptq_kernels #rocdl.target<O = 3, chip = "[[CHIP:gfx[0-9a-z]+]]">
// CHECK: .amdgcn_target "amdgcn-amd-amdhsa--[[CHIP]]
// CHECK: vptq_matmul_0:
// 16-byte loads of index words and codebook rows, LDS reads for gathers.
// GFX9-DAG: global_load_dwordx4
// GFX9-DAG: ds_write_b128
// GFX9-DAG: ds_read_b128
// GFX11-DAG: global_load_b128
// Warp shuffles.
// CHECK-DAG: ds_bpermute_b32
// CHECK-DAG: s_barrier
// No scratch (spills).
// CHECK: .amdhsa_private_segment_fixed_size 0
// HSACO: // object @vptq_kernels #rocdl.target<O = 3, chip = "gfx942"> ({{[0-9]+}} bytes, binary)

func.func @matmul(%x: memref<?x128xf16>, %i: memref<1x4x48xi32>,
                  %c: memref<1x2048xf16>, %rc: memref<1x128xf16>,
                  %p: memref<128xi16>, %b: memref<32xf16>,
                  %y: memref<?x32xf16>) {
  vptq.matmul #vptq.vq<in_features = 128, out_features = 32, vector_len = 8,
                       num_centroids = 256, num_res_centroids = 16,
                       packed = true, enable_perm = true, bias = true>
      input(%x : memref<?x128xf16>) indices(%i : memref<1x4x48xi32>)
      centroids(%c : memref<1x2048xf16>) res_centroids(%rc : memref<1x128xf16>)
      perm(%p : memref<128xi16>) bias(%b : memref<32xf16>)
      outs(%y : memref<?x32xf16>)
      {placement = #vptq.placement<centroids = shared,
                                   res_centroids = registers>,
       tiling = #vptq.tiling<block_rows = 2, warps_per_row = 2, batch_tile = 2,
                             k_chunk = 128>}
  return
}
