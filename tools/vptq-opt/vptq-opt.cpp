//===- vptq-opt.cpp - The vptq optimizer driver ---------------------------===//
//
// mlir-opt with the vptq dialect, passes and pipelines registered: runs pass
// pipelines on .mlir files.
//
//===----------------------------------------------------------------------===//

#include "vptq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  vptq::registerAllDialects(registry);
  vptq::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "vptq-opt: the vptq-mlir optimizer driver\n", registry));
}
