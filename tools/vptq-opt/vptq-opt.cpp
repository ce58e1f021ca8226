//===- vptq-opt.cpp - The vptq optimizer driver ---------------------------===//
//
// mlir-opt with the vptq dialect, passes and pipelines registered: runs pass
// pipelines on .mlir files. The input is checked against
// support::kMaxIRNesting first: MLIR's parser recurses once per nested
// bracket and a deep enough file overflows its stack.
//
//===----------------------------------------------------------------------===//

#include "vptq/InitAll.h"
#include "vptq/Support/TextLimits.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  vptq::registerAllDialects(registry);
  vptq::registerAllPasses();
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "vptq-opt: the vptq-mlir optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();

  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << "vptq-opt: error: " << error << "\n";
    return 1;
  }
  if (std::string deep = vptq::support::checkNestingDepth(input->getBuffer());
      !deep.empty()) {
    llvm::errs() << "vptq-opt: error: " << inputFilename << ": " << deep
                 << "\n";
    return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "vptq-opt: error: " << error << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return 1;
  output->keep();
  return 0;
}
