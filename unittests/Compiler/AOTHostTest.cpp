//===- AOTHostTest.cpp - Ahead-of-time CPU kernels in a shared library ----===//
//
// The path `vptq-compile --arch host` takes: kernels compiled to objects,
// linked into a shared library with ld.lld, loaded with dlopen and called
// through their C interface, checked against vptq::ref.
//
//===----------------------------------------------------------------------===//

#include "vptq/ABI/MemRefABI.h"
#include "TestLayerConfig.h"
#include "vptq/Compiler/Compiler.h"
#include "vptq/Reference/Check.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <dlfcn.h>
#include <gtest/gtest.h>

using namespace vptq;
using ref::DType;

namespace {

ref::LayerConfig makeLayer(int64_t in, int64_t out, int64_t v, int64_t k,
                           int64_t kr) {
  ref::LayerConfig c = test::makeLayerConfig(in, out, v, k, kr);
  c.enablePerm = true;
  c.fillDerivedDefaults();
  return c;
}

TEST(AOTHost, SharedLibraryKernelsMatchReference) {
  compiler::Compiler compiler;
  std::vector<compiler::LinearSpec> specs(2);
  specs[0].config = makeLayer(64, 44, 4, 256, 16);
  specs[1].config = makeLayer(96, 40, 8, 4096, 0);
  specs[1].activation = specs[1].model = DType::BF16;
  std::vector<compiler::CPUObject> objects;
  for (size_t i = 0; i < specs.size(); ++i) {
    auto object = compiler.compileCPUObject(specs[i], "kernel" + std::to_string(i));
    ASSERT_TRUE(bool(object)) << llvm::toString(object.takeError());
    EXPECT_FALSE(object->cpu.empty());
    objects.push_back(std::move(*object));
  }
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("vptq-aot-test", dir));
  llvm::SmallString<128> library(dir);
  llvm::sys::path::append(library, "kernels.so");
  llvm::Error linked = compiler::linkSharedLibrary(objects, library.str().str());
  ASSERT_FALSE(bool(linked)) << llvm::toString(std::move(linked));

  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  for (size_t i = 0; i < specs.size(); ++i) {
    const compiler::LinearSpec &spec = specs[i];
    void *fn = dlsym(handle, ("_mlir_ciface_kernel" + std::to_string(i)).c_str());
    ASSERT_NE(fn, nullptr) << dlerror();
    ref::QuantizedLinear layer = ref::makeRandomLayer(spec.config, 40 + i, spec.model);
    ref::LayerTensors tensors = ref::encodeLayer(layer, spec.model);
    const int64_t batch = 5;
    std::vector<float> x = ref::randomFloats(batch * spec.config.inFeatures,
                                             7 + i, -1, 1, spec.activation);
    ref::HostTensor input =
        ref::encodeFloats(x, {batch, spec.config.inFeatures}, spec.activation);
    ref::HostTensor output = ref::encodeFloats(
        std::vector<float>(batch * spec.config.outFeatures, NAN),
        {batch, spec.config.outFeatures}, spec.activation);
    std::vector<std::vector<int64_t>> descriptors;
    for (const compiler::KernelArg &arg : compiler::getKernelArguments(spec)) {
      ref::HostTensor *t = arg.name == "input"    ? &input
                           : arg.name == "output" ? &output
                                                  : tensors.get(arg.name);
      ASSERT_NE(t, nullptr) << arg.name;
      descriptors.push_back(memrefabi::makeDescriptor(t->data.data(), t->shape));
    }
    ASSERT_TRUE(memrefabi::invokeCInterface(fn, descriptors));
    std::vector<float> y(output.numElements());
    for (int64_t j = 0; j < output.numElements(); ++j)
      y[j] = output.floatAt(j);
    ref::CheckResult result =
        ref::checkLinearOutput(layer, x, batch, y, spec.activation);
    EXPECT_TRUE(result.ok()) << "kernel " << i << ": " << result.summary();
  }
  dlclose(handle);
  llvm::sys::fs::remove_directories(dir);
}

} // namespace
