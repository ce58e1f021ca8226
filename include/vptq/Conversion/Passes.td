//===- Passes.td - vptq conversion passes ------------------*- tablegen -*-===//
//
// Lowering of the vptq ops to GPU kernels and to CPU loops.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_CONVERSION_PASSES_TD
#define VPTQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertVPTQToGPU : Pass<"convert-vptq-to-gpu", "ModuleOp"> {
  let summary = "Lower vptq ops on memrefs to GPU kernels";
  let description = [{
    Replaces each `vptq.matmul`, `vptq.dequant` and `vptq.unpack_indices`
    on memrefs by a `gpu.launch_func` of a kernel generated into the
    `gpu.module` named by `module-name` (created if absent), written with
    scf, vector, memref, arith and gpu ops, ready for `convert-gpu-to-nvvm`
    or `convert-gpu-to-rocdl`.

    The `vptq.matmul` kernel follows the op's `#vptq.tiling` and
    `#vptq.placement` (defaults as `vptq-tile` / `vptq-place-codebooks`
    would choose for `chip` when absent): each block owns `block_rows`
    index rows and `batch_tile` batch rows; per K chunk it stages the
    permuted, scaled activations in shared memory and, where codes do not
    fill whole 32-bit words in steps of 8 or 16, the packed index words
    (16-byte vector loads where aligned); otherwise each lane loads its
    step's words straight into registers, the next step's before the
    current step's lookups. Each warp decodes codes, gathers codebook
    vectors (from shared memory, global memory, or lanes via
    `gpu.shuffle idx`) and accumulates in f32; lanes reduce with
    `gpu.shuffle xor`, warps splitting a row through shared memory; the
    epilogue adds outliers, the norm's bias term and the layer bias.

    A tiling with `mma = true` (NVIDIA sm_80 and newer, f16/bf16) gets the
    tensor-core kernel instead: per chunk of columns, the warps that share
    them stage the activations in shared memory (`nvgpu.device_async_copy`,
    or gathered through the permutation) while each warp dequantizes its
    16-row tiles straight into `nvvm.mma.sync` m16n8k16 operands (two
    adjacent rows of a codebook vector per lane and column; hi and lo parts
    when a residual or the norm makes weights inexact in the model type);
    B operands come from the staged tile through `nvgpu.ldmatrix`, f32
    accumulators are summed across column groups through shared memory,
    and the epilogue adds outliers and the bias. Where packed codes allow
    (`mmaReadsOperandsDirectly`: no permutation, code runs of whole words)
    nothing but codebooks is staged: each lane quad owns a run of a
    chunk's columns and loads its code words and its activations (the B
    operands) straight into registers, a chunk ahead, and a lane reads the
    rows of several tiles from one codebook vector with one load (groups
    of 4 tiles, or 2 where 4 would keep more than 64 accumulators). With
    `staged_inputs` such kernels copy each chunk's activations once per
    column group into a two-stage shared tile instead, from which the
    lanes read their runs.

    On NVIDIA sm_90a (`warpgroup-mma`, on by default) a tiling with
    `shared_weights` whose warps form whole warpgroups over 64-row tiles
    (`mmaUsesWarpgroups`) multiplies with `nvvm.wgmma.mma_async`: the
    block dequantizes each chunk into M-major 8 x 8 core matrices (a
    codebook vector of 8 is one 16-byte row), copies the activations into
    K-major ones, and each warpgroup issues a `wgmma.m64nNk16` per 64-row
    tile and 16-column step from shared-memory descriptors (no swizzling),
    asynchronously: the next chunk's dequantization runs while the tensor
    cores multiply (`wgmma.commit_group` / `wait_group`, with
    `fence.proxy.async` making the shared writes visible to them).

    On NVIDIA sm_90 and newer (`grid-dependency`, on by default) every
    kernel supports programmatic dependent launch: it waits for the
    previous kernel of its stream (`nvvm.griddepcontrol wait`) before it
    reads activations or writes anything, and lets the next one launch
    when it is done (`nvvm.griddepcontrol launch_dependents` before the
    return); `vptq.matmul` kernels that stage their codebooks once per
    block copy them before the wait, overlapping the previous kernel's
    tail. Launches carry `grid_dependency = true`;
    runtimes launch such kernels with the programmatic stream serialization
    attribute, or normally (the wait then returns at once).

    Every launch carries a `vptq.launch` attribute (kernel name, block
    size, tiling, shared memory bytes) so that runtimes can launch the
    serialized kernel without reading the host code.

    Before:

    ```mlir
    vptq.matmul #vq input(%x : memref<?x4096xf16>) ... outs(%y : memref<?x4096xf16>)
    ```

    After:

    ```mlir
    gpu.launch_func @vptq_kernels::@vptq_matmul_0 blocks in (%gx, %gy, %c1)
        threads in (%c256, %c1, %c1) dynamic_shared_memory_size %smem
        args(%x : memref<?x4096xf16>, ...)
    gpu.module @vptq_kernels {
      gpu.func @vptq_matmul_0(...) kernel { ... }
    }
    ```
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Chip whose limits apply to defaulted decisions">,
    Option<"moduleName", "module-name", "std::string",
           /*default=*/"\"vptq_kernels\"",
           "Name of the gpu.module that receives the kernels">,
    Option<"gridDependency", "grid-dependency", "bool", /*default=*/"true",
           "On NVIDIA sm_90 and newer, let each kernel overlap the previous "
           "kernel of its stream (griddepcontrol)">,
    Option<"warpgroupMma", "warpgroup-mma", "bool", /*default=*/"true",
           "On NVIDIA sm_90a, multiply shared-weight tilings of whole "
           "warpgroups over 64-row tiles with wgmma.mma_async (off: "
           "mma.sync)">
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def ConvertVPTQToCPU : Pass<"convert-vptq-to-cpu"> {
  let summary = "Lower vptq ops on memrefs to vectorized host loops";
  let description = [{
    Replaces each vptq op on memrefs by scf loops with vector arithmetic
    for the host CPU. `vptq.matmul` first gathers the permuted, scaled
    activations into an f32 buffer, then runs an `scf.parallel` loop over
    blocks of `block_rows` index rows (the op's `#vptq.tiling`, or the CPU
    default), each accumulating `batch_tile` rows of `vector<V x f32>`
    with `vector.fma` per code. `convert-scf-to-openmp` turns the parallel
    loop into threads; without it the loop runs serially.

    Before:

    ```mlir
    vptq.matmul #vq input(%x : memref<?x64xf32>) ... outs(%y : memref<?x172xf32>)
    ```

    After (abridged):

    ```mlir
    %xs = memref.alloc(%b) : memref<?x64xf32>
    scf.for %i ... { ... }               // x[b, perm[i]] * weight_scale
    scf.parallel (%blk) = (%c0) to (%nblocks) step (%c1) {
      scf.for %r ... { scf.for %g ... iter_args(%acc = ...) {
        %v = vector.load %centroids[...] : ..., vector<4xf16>
        %a = vector.fma %xb, %v, %acc : vector<4xf32> } ... }
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect"];
}

def CheckToolchain : Pass<"vptq-check-toolchain", "ModuleOp"> {
  let summary = "Fail early when the tools a GPU binary needs are missing";
  let description = [{
    Run by the `vptq-to-nvvm` and `vptq-to-rocdl` pipelines before
    serialization, so that a missing tool is reported as such instead of as
    a failure deep inside `gpu-module-to-binary`: NVIDIA cubins need
    `<toolkit>/bin/ptxas` (and `fatbinary` for fat binaries); AMD code
    objects need `<toolkit>/llvm/bin/ld.lld`. PTX and AMDGCN assembly
    (`format=isa`) need neither.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"nvvm\"",
           "nvvm or rocdl">,
    Option<"format", "format", "std::string", /*default=*/"\"bin\"",
           "bin, isa or fatbin">,
    Option<"toolkit", "toolkit", "std::string", /*default=*/"\"\"",
           "CUDA toolkit or ROCm prefix">
  ];
}

#endif // VPTQ_CONVERSION_PASSES_TD
