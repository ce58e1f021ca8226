//===- VPTQDialect.h - The vptq dialect -------------------------*- C++ -*-===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_H
#define VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h.inc"

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQDIALECT_H
