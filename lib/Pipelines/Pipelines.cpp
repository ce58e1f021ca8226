//===- Pipelines.cpp - Named vptq compilation pipelines -------------------===//

#include "vptq/Pipelines/Pipelines.h"
#include "vptq/Conversion/Passes.h"
#include "vptq/Conversion/Toolchain.h"
#include "vptq/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::vptq;

namespace {

/// Tensors become memrefs with identity layouts at function boundaries, so
/// that the lowerings (and the runtime's calling convention) see plain
/// buffers.
void addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(options));
}

/// Tiling and placement for `chip`, then kernels and launches.
void addGPUKernelGeneration(OpPassManager &pm, const std::string &chip,
                            int64_t batchHint) {
  addBufferization(pm);
  TileMatmulOptions tile;
  tile.chip = chip;
  tile.batchHint = batchHint;
  pm.addNestedPass<func::FuncOp>(createTileMatmul(tile));
  PlaceCodebooksOptions place;
  place.chip = chip;
  pm.addNestedPass<func::FuncOp>(createPlaceCodebooks(place));
  ConvertVPTQToGPUOptions toGPU;
  toGPU.chip = chip;
  pm.addPass(createConvertVPTQToGPU(toGPU));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

/// The host side of a GPU pipeline, and serialization.
void addHostLoweringAndSerialization(OpPassManager &pm,
                                     const GPUPipelineOptions &options,
                                     StringRef target,
                                     const std::string &toolkit) {
  if (options.hostToLLVM) {
    pm.addPass(memref::createExpandStridedMetadataPass());
    pm.addPass(createLowerAffinePass());
    pm.addPass(createGpuToLLVMConversionPass());
    pm.addPass(createConvertToLLVMPass());
  }
  pm.addPass(createReconcileUnrealizedCastsPass());
  CheckToolchainOptions check;
  check.target = target.str();
  check.format = options.format;
  check.toolkit = toolkit;
  pm.addPass(createCheckToolchain(check));
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

} // namespace

void mlir::vptq::buildVPTQToCPUPipeline(OpPassManager &pm,
                                        const CPUPipelineOptions &options) {
  addBufferization(pm);
  bufferization::BufferDeallocationPipelineOptions dealloc;
  bufferization::buildBufferDeallocationPipeline(pm, dealloc);
  // Dense ops of a decomposed layer (and of the rest of a model) as loops.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  TileMatmulOptions tile;
  tile.chip = "host";
  tile.batchHint = options.batchHint;
  pm.addNestedPass<func::FuncOp>(createTileMatmul(tile));
  pm.addNestedPass<func::FuncOp>(createConvertVPTQToCPU());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.parallel) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // Inlines the memref.alloca_scope the conversion wraps loop bodies in
    // (our bodies allocate nothing on the stack); a scope left in place
    // could not hold the multi-block body scf-to-cf produces.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addPass(createSCFToControlFlowPass());
  // f32 <-> bf16 conversions as integer arithmetic: x86 has no instruction
  // for them and the JIT has no compiler-rt builtins (__truncsfbf2).
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void mlir::vptq::buildVPTQToNVVMPipeline(OpPassManager &pm,
                                         const GPUPipelineOptions &options) {
  std::string chip = options.chip.empty() ? std::string("sm_90a") : options.chip.getValue();
  addGPUKernelGeneration(pm, chip, options.batchHint);
  GpuNVVMAttachTargetOptions attach;
  attach.chip = chip;
  attach.features = options.features.empty() ? std::string("+ptx80")
                                               : options.features.getValue();
  attach.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(attach));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  kernels.addPass(createConvertNVGPUToNVVMPass());
  kernels.addPass(createConvertGpuOpsToNVVMOps());
  // NVVM ops written as inline PTX (wgmma.mma_async) become LLVM inline
  // assembly here, whether or not the host is lowered too.
  kernels.addPass(createConvertNVVMToLLVMPass());
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  std::string toolkit =
      options.toolkit.empty() ? getDefaultCudaToolkit() : options.toolkit.getValue();
  addHostLoweringAndSerialization(pm, options, "nvvm", toolkit);
}

void mlir::vptq::buildVPTQToROCDLPipeline(OpPassManager &pm,
                                          const GPUPipelineOptions &options) {
  std::string chip = options.chip.empty() ? std::string("gfx942") : options.chip.getValue();
  addGPUKernelGeneration(pm, chip, options.batchHint);
  GpuROCDLAttachTargetOptions attach;
  attach.chip = chip;
  attach.features = options.features;
  attach.optLevel = options.optLevel;
  pm.addPass(createGpuROCDLAttachTarget(attach));
  OpPassManager &kernels = pm.nest<gpu::GPUModuleOp>();
  kernels.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToROCDLOpsOptions toROCDL;
  toROCDL.chipset = chip;
  kernels.addPass(createConvertGpuOpsToROCDLOps(toROCDL));
  kernels.addPass(createCanonicalizerPass());
  kernels.addPass(createCSEPass());
  std::string toolkit =
      options.toolkit.empty() ? getDefaultRocmPrefix() : options.toolkit.getValue();
  addHostLoweringAndSerialization(pm, options, "rocdl", toolkit);
}

void mlir::vptq::registerVPTQPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "vptq-to-cpu",
      "Lower vptq ops to multi-threaded, vectorized host code in the LLVM "
      "dialect",
      buildVPTQToCPUPipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "vptq-to-nvvm",
      "Lower vptq ops to NVIDIA kernels (chip=sm_90a features=+ptx80 "
      "opt-level=3 format=bin|isa|fatbin)",
      buildVPTQToNVVMPipeline);
  PassPipelineRegistration<GPUPipelineOptions>(
      "vptq-to-rocdl",
      "Lower vptq ops to AMD kernels (chip=gfx942 format=bin|isa)",
      buildVPTQToROCDLPipeline);
}
