//===- Compiler.h - Compile quantized-linear kernels from C++ ---*- C++ -*-===//
//
// The in-process compiler the runtime, vptq-compile and the tests use: from a
// layer specification to a GPU binary with its launch parameters, or to a
// JIT-compiled CPU function, through the same pipelines as vptq-opt.
// This header needs no MLIR headers.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_COMPILER_COMPILER_H
#define VPTQ_COMPILER_COMPILER_H

#include "vptq/Reference/Storage.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace vptq::compiler {

using ref::DType;

/// The compiler's version, part of every cache key and bundle manifest.
const char *getCompilerVersion();

/// How the kernel's module expresses the layer before lowering.
enum class LinearForm {
  /// One vptq.matmul on the buffers.
  Fused,
  /// vptq.matmul on tensors, split by vptq-decompose-matmul into
  /// vptq.dequant and a dense linalg.matmul (CPU only).
  Decomposed,
  /// As Decomposed, with packed indices first split by vptq.unpack_indices.
  DecomposedUnpacked,
};

/// One fused quantized-linear kernel: the layer, the storage types of its
/// tensors, the batch, and optional kernel decisions (0 or "" = choose).
struct LinearSpec {
  ref::LayerConfig config;
  /// Activations and output.
  DType activation = DType::F16;
  /// Codebooks, norm and bias (the model dtype).
  DType model = DType::F16;
  /// Unpacked main/residual index storage (packed indices are I32).
  DType indexStorage = DType::I16;
  /// Permutation storage: I16 (uint16 bits), I32 or I64.
  DType permStorage = DType::I16;
  /// Static batch, or -1 for a dynamic one.
  int64_t batch = -1;
  int64_t blockRows = 0, warpsPerRow = 0, batchTile = 0, kChunk = 0;
  /// "global", "shared", "registers" or "" (choose).
  std::string centroidsPlacement, resCentroidsPlacement;
  LinearForm form = LinearForm::Fused;

  /// A stable, human-readable key of everything above.
  std::string key() const;
};

/// One kernel argument: a row-major buffer. Dimension -1 is the batch.
struct KernelArg {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
};

/// The kernel's arguments, in order: input, indices, [res_indices],
/// centroids, [res_centroids], [outlier_indices], [outlier_centroids],
/// [perm], [weight_scale], [weight_bias], [bias], output.
std::vector<KernelArg> getKernelArguments(const LinearSpec &spec);

/// Where and how to compile a GPU kernel.
struct GPUTarget {
  /// sm_75 ... sm_120, gfx908 ... gfx1102.
  std::string chip = "sm_90a";
  /// bin (cubin/HSACO), isa (PTX/AMDGCN text) or fatbin.
  std::string format = "bin";
  /// NVVM PTX features; empty for the default (+ptx80).
  std::string features;
  /// CUDA toolkit or ROCm prefix; empty for the default.
  std::string toolkit;
  int optLevel = 3;
};

/// A compiled GPU kernel and what launching it takes. Each memref argument
/// is passed as MLIR's expanded descriptor: allocated pointer, aligned
/// pointer, offset, sizes, strides (all 64-bit).
struct GPUKernel {
  std::string chip, format, kernelName;
  std::vector<uint8_t> binary;
  int64_t blockSize = 0, sharedBytes = 0;
  /// grid.x; grid.y = ceil(batch / batchTile).
  int64_t gridX = 0, batchTile = 0;
  int64_t blockRows = 0, warpsPerRow = 0, kChunk = 0;
  std::string centroidsPlacement, resCentroidsPlacement;
  std::vector<KernelArg> args;
};

/// A CPU kernel compiled ahead of time: a relocatable ELF object defining
/// `_mlir_ciface_<symbol>(descriptor *...)`, one memref descriptor pointer
/// per argument, as getKernelArguments lists them.
struct CPUObject {
  std::vector<uint8_t> object;
  std::string symbol;
  /// The CPU it was compiled for and its features ("+avx2,+f16c,...").
  std::string cpu, features;
};

/// Links CPU objects into the shared library `path` with ld.lld; the
/// library depends on the OpenMP runtime the kernels call.
llvm::Error linkSharedLibrary(const std::vector<CPUObject> &objects,
                              const std::string &path);

/// A JIT-compiled CPU kernel.
class CPUKernel {
public:
  virtual ~CPUKernel() = default;
  /// Runs the kernel on buffers in getKernelArguments() order, with `batch`
  /// rows of input and output. Buffers must be 16-byte aligned.
  virtual llvm::Error run(const std::vector<void *> &buffers,
                          int64_t batch) = 0;
};

/// Compiles kernels. Thread-safe; keeps one MLIR context.
class Compiler {
public:
  Compiler();
  ~Compiler();

  /// Compiles `spec` for a GPU.
  llvm::Expected<GPUKernel> compileGPU(const LinearSpec &spec,
                                       const GPUTarget &target);

  /// Compiles `spec` for this CPU; `parallel` uses OpenMP threads.
  llvm::Expected<std::unique_ptr<CPUKernel>>
  compileCPU(const LinearSpec &spec, bool parallel = true);

  /// Compiles `spec` ahead of time for `cpu` ("" = this machine's CPU and
  /// features) into an object defining `_mlir_ciface_<symbol>`.
  llvm::Expected<CPUObject> compileCPUObject(const LinearSpec &spec,
                                             const std::string &symbol,
                                             const std::string &cpu = "",
                                             bool parallel = true);

  /// The kernel's module before lowering (vptq.matmul on memrefs), as text.
  llvm::Expected<std::string> emitModule(const LinearSpec &spec);

private:
  std::mutex mutex;
  std::unique_ptr<mlir::MLIRContext> context;
};

} // namespace vptq::compiler

#endif // VPTQ_COMPILER_COMPILER_H
