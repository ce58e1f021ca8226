//===- DialectFuzzer.cpp - the vptq dialect's parser and verifiers --------===//
//
// The input is MLIR text with the vptq dialect (and the upstream dialects
// vptq-opt registers): parsing and verifying it must give a diagnostic or a
// module, never a crash or a hang. Accepted modules print and re-parse.
// Inputs pass the tools' nesting limit first, as they do in vptq-opt.
//
//===----------------------------------------------------------------------===//

#include "vptq/InitAll.h"
#include "vptq/Support/TextLimits.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static mlir::DialectRegistry *registry = [] {
    auto *r = new mlir::DialectRegistry();
    vptq::registerAllDialects(*r);
    return r;
  }();
  // A context lives for 1000 inputs: creating one per input cost 4 ms,
  // most of the time. Dialects load as the parser meets them.
  static std::unique_ptr<mlir::MLIRContext> shared;
  static int uses = 0;
  if (!shared || ++uses % 1000 == 0)
    shared = std::make_unique<mlir::MLIRContext>(
        *registry, mlir::MLIRContext::Threading::DISABLED);
  mlir::MLIRContext &context = *shared;
  // Diagnostics are the expected outcome of most inputs; keep them quiet.
  mlir::ScopedDiagnosticHandler quiet(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  // MLIR's lexer relies on the NUL that ends every buffer the tools read
  // (MemoryBuffer::getFile); libFuzzer's bytes have none, and without it
  // the lexer reads past them. A std::string ends in one.
  std::string source(reinterpret_cast<const char *>(data), size);
  // The tools refuse deeper nesting before parsing (MLIR's parser recurses
  // once per bracket and overflows its stack; found by this target).
  if (!vptq::support::checkNestingDepth(source).empty())
    return 0;
  llvm::StringRef text(source.c_str(), source.size());
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(text, &context);
  if (!module || mlir::failed(mlir::verify(*module)))
    return 0;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  (void)mlir::parseSourceString<mlir::ModuleOp>(printed, &context);
  return 0;
}
