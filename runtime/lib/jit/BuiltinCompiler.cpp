//===- BuiltinCompiler.cpp - The in-process MLIR compiler -----------------===//
//
// Part of VPTQ::runtime only: compiles kernels with vptq::compiler, the same
// pipelines vptq-opt and vptq-compile run. CPU kernels are compiled to an
// object and linked into a shared library, which is what the cache stores
// and the CPU backend loads.
//
//===----------------------------------------------------------------------===//

#include "vptq/Compiler/Compiler.h"
#include "vptq/runtime/KernelCompiler.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <mutex>

using namespace vptq;
using namespace vptq::runtime;

namespace {

class BuiltinCompiler : public KernelCompiler {
public:
  std::string version() const override {
    return compiler::getCompilerVersion();
  }

  Result<KernelBinary> compile(const LinearSpec &spec,
                               const DeviceInfo &device) override {
    return compileAny(spec, device);
  }
  Result<KernelBinary> compile(const OpSpec &spec,
                               const DeviceInfo &device) override {
    return compileAny(spec, device);
  }

private:
  static std::vector<KernelArg> argumentsFor(const LinearSpec &spec,
                                             const std::string &chip) {
    return getKernelArguments(compiler::resolveLinearSpec(spec, chip));
  }
  static std::vector<KernelArg> argumentsFor(const OpSpec &spec,
                                             const std::string &) {
    return getKernelArguments(spec);
  }

  template <typename Spec>
  Result<KernelBinary> compileAny(const Spec &spec, const DeviceInfo &device) {
    KernelBinary binary;
    compiler::GPUTarget target;
    // Hopper's full instruction set (wgmma, setmaxnreg) needs the "a" target.
    target.chip = device.kind == DeviceKind::CPU ? "host"
                  : device.arch == "sm_90"       ? "sm_90a"
                                                 : device.arch;
    binary.args = argumentsFor(spec, target.chip);
    if (device.kind == DeviceKind::CPU)
      return compileCPU(spec, binary);
    target.format = "bin";
    auto kernel = get().compileGPU(spec, target);
    if (!kernel)
      return Status::error(llvm::toString(kernel.takeError()));
    binary.arch = target.chip;
    binary.kind = device.kind == DeviceKind::HIP ? "hsaco" : "cubin";
    binary.bytes = std::move(kernel->binary);
    binary.symbol = kernel->launch.kernelName;
    binary.launch = kernel->launch;
    return binary;
  }

  template <typename Spec>
  Result<KernelBinary> compileCPU(const Spec &spec, KernelBinary binary) {
    auto object = get().compileCPUObject(spec, "vptq_linear");
    if (!object)
      return Status::error(llvm::toString(object.takeError()));
    llvm::SmallString<128> path;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("vptq-kernel", "so", path))
      return Status::error("cannot create a temporary file: " + ec.message());
    auto remove = [&] { llvm::sys::fs::remove(path); };
    if (llvm::Error err =
            compiler::linkSharedLibrary({*object}, path.str().str())) {
      remove();
      return Status::error(llvm::toString(std::move(err)));
    }
    auto buffer = llvm::MemoryBuffer::getFile(path);
    remove();
    if (!buffer)
      return Status::error("cannot read the linked kernel library " +
                           path.str().str());
    llvm::StringRef bytes = (*buffer)->getBuffer();
    binary.bytes.assign(bytes.begin(), bytes.end());
    binary.arch = "host";
    binary.kind = "cpu";
    binary.symbol = "_mlir_ciface_vptq_linear";
    binary.cpu = object->cpu;
    binary.cpuFeatures = object->features;
    return binary;
  }

  /// The MLIR context is made on first use: runtimes that find every
  /// kernel in a bundle or the cache never pay for it.
  compiler::Compiler &get() {
    std::call_once(once,
                   [&] { compiler = std::make_unique<compiler::Compiler>(); });
    return *compiler;
  }

  std::once_flag once;
  std::unique_ptr<compiler::Compiler> compiler;
};

} // namespace

std::shared_ptr<KernelCompiler> vptq::runtime::createBuiltinCompiler() {
  return std::make_shared<BuiltinCompiler>();
}
