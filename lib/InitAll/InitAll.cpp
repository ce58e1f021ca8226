//===- InitAll.cpp - Register what vptq tools need ------------------------===//

#include "vptq/InitAll.h"
#include "vptq/Conversion/Passes.h"
#include "vptq/Pipelines/Pipelines.h"
#include "vptq/Transforms/Passes.h"
#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h"
#include "vptq/Dialect/VPTQ/Transforms/BufferizableOpInterfaceImpl.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVM/ROCDL/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void vptq::registerAllDialects(mlir::DialectRegistry &registry) {
  // The upstream dialects with their external interface models (e.g. the
  // bufferization of tensor and linalg ops), as mlir-opt registers them.
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::vptq::VPTQDialect>();
  mlir::vptq::registerBufferizableOpInterfaceExternalModels(registry);
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  mlir::ROCDL::registerROCDLTargetInterfaceExternalModels(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void vptq::registerAllPasses() {
  mlir::registerAllPasses();
  mlir::vptq::registerVPTQTransformsPasses();
  mlir::vptq::registerVPTQConversionPasses();
  mlir::vptq::registerVPTQPipelines();
}
