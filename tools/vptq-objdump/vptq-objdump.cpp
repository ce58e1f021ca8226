//===- vptq-objdump.cpp - Print the GPU objects of an MLIR module ---------===//
//
// Prints the objects embedded in the gpu.binary ops of an MLIR file, as the
// vptq-to-nvvm / vptq-to-rocdl pipelines produce them: PTX or AMDGCN
// assembly as text, binaries (cubin, HSACO, fatbin) as a size summary, or
// written to files with --output-dir.
//
//===----------------------------------------------------------------------===//

#include "vptq/InitAll.h"
#include "vptq/Support/FileOutput.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/ROCDLDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {
llvm::cl::opt<std::string> inputFile(llvm::cl::Positional,
                                     llvm::cl::desc("<input .mlir>"),
                                     llvm::cl::init("-"));
llvm::cl::opt<std::string> outputDir(
    "output-dir",
    llvm::cl::desc("Write each object to <dir>/<binary>.<target>.<ext> "
                   "instead of printing it"),
    llvm::cl::init(""));
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "vptq-objdump: print the GPU objects (PTX, AMDGCN assembly, cubin, "
      "HSACO) embedded in gpu.binary ops\n");
  DialectRegistry registry;
  vptq::registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  std::string error;
  auto file = openInputFile(inputFile, &error);
  if (!file) {
    llvm::errs() << "vptq-objdump: cannot read '" << inputFile
                 << "': " << error << "\n";
    return 1;
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1;
  int count = 0;
  bool failed = false;
  module->walk([&](gpu::BinaryOp binary) {
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      ++count;
      StringRef bytes = object.getObject().getValue();
      bool text = object.getFormat() == gpu::CompilationTarget::Assembly;
      std::string target;
      llvm::raw_string_ostream(target) << object.getTarget();
      if (!outputDir.empty()) {
        std::string chip = "object";
        if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget()))
          chip = nvvm.getChip().str();
        if (auto rocdl = dyn_cast<ROCDL::ROCDLTargetAttr>(object.getTarget()))
          chip = rocdl.getChip().str();
        StringRef ext = text ? (chip.rfind("gfx", 0) == 0 ? "s" : "ptx")
                             : (chip.rfind("gfx", 0) == 0 ? "hsaco" : "cubin");
        if (object.getFormat() == gpu::CompilationTarget::Fatbin)
          ext = "fatbin";
        llvm::SmallString<256> path(outputDir);
        llvm::sys::path::append(path, binary.getSymName() + "." + chip + "." +
                                          ext);
        if (std::string err = vptq::support::writeFileAtomically(
                path.str().str(), std::string_view(bytes.data(), bytes.size()));
            !err.empty()) {
          llvm::errs() << "vptq-objdump: " << err << "\n";
          failed = true;
          return;
        }
        llvm::outs() << path << "\n";
        continue;
      }
      llvm::outs() << "// object @" << binary.getSymName() << " " << target
                   << " (" << bytes.size() << " bytes"
                   << (text ? ", assembly" : ", binary") << ")\n";
      if (text)
        llvm::outs() << bytes << "\n";
    }
  });
  if (count == 0) {
    llvm::errs() << "vptq-objdump: no gpu.binary objects in '" << inputFile
                 << "' (run a vptq-to-nvvm or vptq-to-rocdl pipeline first)\n";
    return 1;
  }
  return failed ? 1 : 0;
}
