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

#include "vptq/ABI/KernelSpec.h"
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

/// Parses a layer specification as vptq-compile --layer takes it: a
/// #vptq.vq<...> attribute, or its parameters as key=value pairs separated
/// by commas (e.g. "in_features=4096,out_features=4096,vector_len=8,
/// num_centroids=65536,packed=true"), to which the key=value form may add
/// kernel decisions: block_rows, warps_per_row, batch_tile, k_chunk, mma
/// (1: tensor cores, 0: not), shared_weights (1: tensor cores on weights
/// dequantized once per block into shared memory, 0: into registers),
/// persistent_blocks (N > 0: at most N blocks, 0: one per row tile),
/// centroids_placement and res_centroids_placement
/// (global, shared or registers), codebook_shards (0: not sharded, S: the
/// main codebook over clusters of S blocks) and batch_hint (a prompt
/// kernel's batch). Verified like the attribute; storage types are left at
/// their defaults.
llvm::Expected<LinearSpec> parseLayerSpec(const std::string &spec);

/// `spec` with the decisions that change a kernel's arguments made for
/// `chip`: codebookShards = -1 becomes the heuristic's choice
/// (getDefaultCodebookShards; 0 for the CPU and unknown chips), dropping
/// tiling and placement decisions when it shards. The kernel compiled for
/// `spec` on `chip` takes getKernelArguments(resolveLinearSpec(spec, chip)).
::vptq::LinearSpec resolveLinearSpec(const ::vptq::LinearSpec &spec,
                                     llvm::StringRef chip);

using ::vptq::getKernelArguments;
using ::vptq::KernelArg;
using ::vptq::LaunchInfo;
using ::vptq::LinearForm;
using ::vptq::LinearSpec;
using ::vptq::OpSpec;

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

/// A compiled GPU kernel and what launching it takes (see LaunchInfo and
/// MemRefABI.h for the argument convention).
struct GPUKernel {
  std::string chip, format;
  std::vector<uint8_t> binary;
  LaunchInfo launch;
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
  /// Compiles a transformer op for a GPU.
  llvm::Expected<GPUKernel> compileGPU(const OpSpec &spec,
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
  /// The same for a transformer op.
  llvm::Expected<CPUObject> compileCPUObject(const OpSpec &spec,
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
