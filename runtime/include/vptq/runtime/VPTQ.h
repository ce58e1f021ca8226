//===- VPTQ.h - The vptq runtime's public API -------------------*- C++ -*-===//
//
// Everything an application embedding vptq-mlir needs: checkpoints, the
// runtime and its devices, tensors, and quantized and dense layers. Link
// VPTQ::runtime (with the in-process compiler) or VPTQ::runtime_aot (bundles
// and cached kernels only).
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_VPTQ_H
#define VPTQ_RUNTIME_VPTQ_H

#include "vptq/runtime/Checkpoint.h"
#include "vptq/runtime/Device.h"
#include "vptq/runtime/KernelCompiler.h"
#include "vptq/runtime/Linear.h"
#include "vptq/runtime/Model.h"
#include "vptq/runtime/Runtime.h"
#include "vptq/runtime/Safetensors.h"
#include "vptq/runtime/Status.h"
#include "vptq/runtime/Tensor.h"
#include "vptq/runtime/Tokenizer.h"

#endif // VPTQ_RUNTIME_VPTQ_H
