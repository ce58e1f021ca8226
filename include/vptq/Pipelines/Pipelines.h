//===- Pipelines.h - Named vptq compilation pipelines -----------*- C++ -*-===//
//
// vptq-to-cpu, vptq-to-nvvm and vptq-to-rocdl: from vptq ops (on tensors or
// memrefs) to LLVM host code and GPU binaries. Usable from vptq-opt
// (--pass-pipeline='builtin.module(vptq-to-nvvm{chip=sm_90a})') and from C++.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_PIPELINES_PIPELINES_H
#define VPTQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace mlir::vptq {

struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<bool> parallel{*this, "parallel",
                        llvm::cl::desc("Run row blocks on OpenMP threads"),
                        llvm::cl::init(true)};
  Option<int64_t> batchHint{
      *this, "batch-hint",
      llvm::cl::desc("Batch size assumed for tiling a dynamic batch"),
      llvm::cl::init(4)};
};

struct GPUPipelineOptions : public PassPipelineOptions<GPUPipelineOptions> {
  Option<std::string> chip{*this, "chip", llvm::cl::desc("Target chip")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("Target features (NVVM: PTX version, e.g. +ptx80)")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("LLVM optimization level"),
                            llvm::cl::init(3)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("bin (cubin/HSACO), isa (PTX/AMDGCN assembly) or fatbin "
                     "(NVVM only)"),
      llvm::cl::init("bin")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit or ROCm prefix (default: $CUDA_ROOT / "
                     "$ROCM_PATH, else the build's)"),
      llvm::cl::init("")};
  Option<int64_t> batchHint{
      *this, "batch-hint",
      llvm::cl::desc("Batch size assumed for tiling a dynamic batch"),
      llvm::cl::init(1)};
  Option<bool> hostToLLVM{
      *this, "host-llvm",
      llvm::cl::desc("Lower host code (gpu.launch_func) to LLVM calls"),
      llvm::cl::init(true)};
};

/// vptq ops -> vectorized, OpenMP-parallel loops -> LLVM dialect.
void buildVPTQToCPUPipeline(OpPassManager &pm,
                            const CPUPipelineOptions &options);

/// vptq ops -> GPU kernels -> NVVM -> PTX / cubin / fatbin.
void buildVPTQToNVVMPipeline(OpPassManager &pm,
                             const GPUPipelineOptions &options);

/// vptq ops -> GPU kernels -> ROCDL -> AMDGCN assembly / HSACO.
void buildVPTQToROCDLPipeline(OpPassManager &pm,
                              const GPUPipelineOptions &options);

/// Registers the three pipelines with the global pipeline registry.
void registerVPTQPipelines();

} // namespace mlir::vptq

#endif // VPTQ_PIPELINES_PIPELINES_H
