//===- BufferizableOpInterfaceImpl.h - Bufferization of vptq ops -*- C++ -*-===//

#ifndef VPTQ_DIALECT_VPTQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
#define VPTQ_DIALECT_VPTQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H

namespace mlir {
class DialectRegistry;
namespace vptq {
/// Makes the vptq ops bufferizable by one-shot-bufferize: each op on tensors
/// becomes the same op on memrefs, writing into the buffer of its `outs`.
void registerBufferizableOpInterfaceExternalModels(DialectRegistry &registry);
} // namespace vptq
} // namespace mlir

#endif // VPTQ_DIALECT_VPTQ_TRANSFORMS_BUFFERIZABLEOPINTERFACEIMPL_H
