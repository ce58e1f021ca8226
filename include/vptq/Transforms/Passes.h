//===- Passes.h - vptq transformation passes --------------------*- C++ -*-===//

#ifndef VPTQ_TRANSFORMS_PASSES_H
#define VPTQ_TRANSFORMS_PASSES_H

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::vptq {

#define GEN_PASS_DECL
#include "vptq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "vptq/Transforms/Passes.h.inc"

} // namespace mlir::vptq

#endif // VPTQ_TRANSFORMS_PASSES_H
