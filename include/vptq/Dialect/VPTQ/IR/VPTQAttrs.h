//===- VPTQAttrs.h - vptq attributes ----------------------------*- C++ -*-===//

#ifndef VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_H
#define VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectImplementation.h"
#include "vptq/Reference/LayerConfig.h"

namespace mlir::vptq {
/// The plain layer parameters shared with the reference library and runtime.
using ::vptq::ref::LayerConfig;
} // namespace mlir::vptq

#include "vptq/Dialect/VPTQ/IR/VPTQEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.h.inc"

#endif // VPTQ_DIALECT_VPTQ_IR_VPTQATTRS_H
