//===- Passes.h - vptq conversion passes ------------------------*- C++ -*-===//

#ifndef VPTQ_CONVERSION_PASSES_H
#define VPTQ_CONVERSION_PASSES_H

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::vptq {

#define GEN_PASS_DECL
#include "vptq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "vptq/Conversion/Passes.h.inc"

} // namespace mlir::vptq

#endif // VPTQ_CONVERSION_PASSES_H
