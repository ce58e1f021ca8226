//===- CPUKernelTest.cpp - Generated CPU kernels vs the reference ---------===//
//
// Compiles quantized-linear kernels for the host through vptq-to-cpu, runs
// them on fresh random layers and inputs, and checks every output element
// against vptq::ref (tolerance in vptq/Reference/Check.h). The matrix covers
// the configurations published checkpoints use: vector lengths 4-16, 16 to
// 65536 centroids, residual codebooks of 2 to 65536 entries or none, packed
// and unpacked indices, perm, norm, outliers, bias, several codebooks,
// f16/bf16/f32 activations, padding rows, and batches 1, 3 and 17.
//
//===----------------------------------------------------------------------===//

#include "TestLayerConfig.h"
#include "vptq/Compiler/Compiler.h"
#include "vptq/Reference/Check.h"
#include "vptq/Reference/Float16.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace vptq;
using ref::DType;

namespace {

struct Case {
  std::string name;
  ref::LayerConfig config;
  DType activation = DType::F16;
  DType model = DType::F16;
  compiler::LinearForm form = compiler::LinearForm::Fused;
  bool parallel = true;
};

void PrintTo(const Case &k, std::ostream *os) { *os << k.name; }

using test::makeLayerConfig;

std::vector<Case> cases() {
  std::vector<Case> all;
  auto add = [&](std::string name, ref::LayerConfig c,
                 std::function<void(Case &)> tweak = nullptr) {
    c.fillDerivedDefaults();
    Case k{std::move(name), c};
    if (tweak)
      tweak(k);
    all.push_back(k);
  };
  add("v8_k256", makeLayerConfig(64, 40, 8, 256));
  add("v8_k65536_kr256", makeLayerConfig(128, 48, 8, 65536, 256));
  add("v4_k4096_kr4096_unpacked", makeLayerConfig(96, 30, 4, 4096, 4096, false));
  add("v6_k1024_pad", makeLayerConfig(64, 35, 6, 1024));
  add("v12_k4096_kr4096", makeLayerConfig(48, 36, 12, 4096, 4096));
  add("v16_k65536_kr65536", makeLayerConfig(32, 32, 16, 65536, 65536));
  add("v8_k16_kr2", makeLayerConfig(64, 24, 8, 16, 2));
  add("v4_k65536_unpacked_i64perm", makeLayerConfig(72, 20, 4, 65536, 0, false),
      [](Case &k) {
        k.config.enablePerm = true;
        k.config.enableNorm = true;
      });
  add("v8_k512_kr32_perm_norm_bias", makeLayerConfig(64, 62, 8, 512, 32), [](Case &k) {
    k.config.enablePerm = true;
    k.config.enableNorm = true;
    k.config.bias = true;
  });
  add("two_codebooks_outliers", makeLayerConfig(70, 31, 4, 256, 16), [](Case &k) {
    k.config.numCodebooks = 2;
    k.config.outlierSize = 6;
    k.config.outlierVectorLen = 3;
    k.config.numOutlierCentroids = 64;
    k.config.groupSize = 32;
    k.config.enablePerm = true;
    k.config.bias = true;
  });
  add("bf16", makeLayerConfig(64, 40, 8, 4096, 16), [](Case &k) {
    k.activation = DType::BF16;
    k.model = DType::BF16;
    k.config.enableNorm = true;
  });
  add("f32_activations_f16_model", makeLayerConfig(64, 40, 8, 1024, 0),
      [](Case &k) { k.activation = DType::F32; });
  add("serial", makeLayerConfig(64, 40, 8, 256, 4), [](Case &k) { k.parallel = false; });
  add("decomposed", makeLayerConfig(64, 44, 4, 256, 16), [](Case &k) {
    k.form = compiler::LinearForm::Decomposed;
    k.config.enablePerm = true;
    k.config.enableNorm = true;
    k.config.bias = true;
  });
  add("decomposed_unpacked", makeLayerConfig(48, 30, 6, 1024, 64), [](Case &k) {
    k.form = compiler::LinearForm::DecomposedUnpacked;
    k.config.numCodebooks = 2;
    k.config.outlierSize = 8;
    k.config.outlierVectorLen = 2;
    k.config.numOutlierCentroids = 16;
    k.config.groupSize = 20;
  });
  for (Case &k : all)
    k.config.fillDerivedDefaults();
  return all;
}

/// A 64-byte aligned copy of `bytes` (the kernels assume 16-byte alignment).
struct AlignedBuffer {
  explicit AlignedBuffer(size_t size)
      : ptr(std::aligned_alloc(64, ((size + 63) / 64) * 64 + 64)) {}
  ~AlignedBuffer() { std::free(ptr); }
  AlignedBuffer(const AlignedBuffer &) = delete;
  void *ptr;
};

compiler::Compiler &sharedCompiler() {
  static compiler::Compiler instance;
  return instance;
}

class CPUKernelTest : public ::testing::TestWithParam<Case> {};

TEST_P(CPUKernelTest, MatchesReferenceOnRandomInputs) {
  const Case &k = GetParam();
  ASSERT_EQ(k.config.verify(), "");
  uint64_t seed = std::hash<std::string>()(k.name);
  ref::QuantizedLinear layer = ref::makeRandomLayer(k.config, seed, k.model);
  ASSERT_EQ(ref::validate(layer), "");
  ref::LayerTensors tensors = ref::encodeLayer(layer, k.model);

  compiler::LinearSpec spec;
  spec.config = k.config;
  spec.activation = k.activation;
  spec.model = k.model;
  spec.indexStorage = k.config.packed ? DType::I16 : tensors.indices.dtype;
  spec.permStorage = k.config.enablePerm ? tensors.perm.dtype : DType::I16;
  spec.form = k.form;
  auto kernel = sharedCompiler().compileCPU(spec, k.parallel);
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());

  for (int64_t batch : {1, 3, 17}) {
    std::vector<float> x =
        ref::randomFloats(batch * k.config.inFeatures, seed + batch, -1.0f,
                          1.0f, k.activation);
    std::vector<std::unique_ptr<AlignedBuffer>> storage;
    std::vector<void *> buffers;
    void *output = nullptr;
    for (const compiler::KernelArg &arg : compiler::getKernelArguments(spec)) {
      ref::HostTensor host;
      if (arg.name == "input") {
        host = ref::encodeFloats(x, {batch, k.config.inFeatures}, k.activation);
      } else if (arg.name == "output") {
        // Poisoned with NaN so that an unwritten element fails the check.
        host = ref::encodeFloats(
            std::vector<float>(batch * k.config.outFeatures, NAN),
            {batch, k.config.outFeatures}, k.activation);
      } else {
        const ref::HostTensor *t = tensors.get(arg.name);
        ASSERT_TRUE(t && !t->empty()) << "no tensor for " << arg.name;
        ASSERT_EQ(t->dtype, arg.dtype) << arg.name;
        host = *t;
      }
      storage.push_back(std::make_unique<AlignedBuffer>(host.data.size()));
      std::memcpy(storage.back()->ptr, host.data.data(), host.data.size());
      buffers.push_back(storage.back()->ptr);
      if (arg.name == "output")
        output = storage.back()->ptr;
    }
    llvm::Error err = (*kernel)->run(buffers, batch);
    ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));

    ref::HostTensor out(k.activation, {batch, k.config.outFeatures});
    std::memcpy(out.data.data(), output, out.data.size());
    std::vector<float> y(out.numElements());
    for (int64_t i = 0; i < out.numElements(); ++i)
      y[i] = out.floatAt(i);
    ref::CheckResult result =
        ref::checkLinearOutput(layer, x, batch, y, k.activation);
    EXPECT_TRUE(result.ok()) << k.name << " batch " << batch << ": "
                             << result.summary();
  }
}

INSTANTIATE_TEST_SUITE_P(Matrix, CPUKernelTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return info.param.name;
                         });

} // namespace

namespace {

struct DenseCase {
  std::string name;
  int64_t in, out;
  bool bias;
  DType activation, model;
};

void PrintTo(const DenseCase &k, std::ostream *os) { *os << k.name; }

class DenseCPUKernelTest : public ::testing::TestWithParam<DenseCase> {};

/// Dense vptq.linear kernels (K not a multiple of the vector width included)
/// against y = x W^T + b.
TEST_P(DenseCPUKernelTest, MatchesReferenceOnRandomInputs) {
  const DenseCase &k = GetParam();
  uint64_t seed = std::hash<std::string>()(k.name);
  LinearSpec spec = makeDenseSpec(k.in, k.out, k.bias, k.activation, k.model);
  auto kernel = sharedCompiler().compileCPU(spec);
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  std::vector<float> w =
      ref::randomFloats(k.out * k.in, seed, -1, 1, k.model);
  std::vector<float> bias =
      k.bias ? ref::randomFloats(k.out, seed + 1, -1, 1, k.model)
             : std::vector<float>();
  ref::HostTensor weight = ref::encodeFloats(w, {k.out, k.in}, k.model);
  ref::HostTensor biasT = ref::encodeFloats(bias, {k.out}, k.model);
  for (int64_t batch : {1, 3, 17}) {
    std::vector<float> x =
        ref::randomFloats(batch * k.in, seed + 10 + batch, -1, 1, k.activation);
    ref::HostTensor input = ref::encodeFloats(x, {batch, k.in}, k.activation);
    ref::HostTensor output = ref::encodeFloats(
        std::vector<float>(batch * k.out, NAN), {batch, k.out}, k.activation);
    std::vector<void *> buffers = {input.data.data(), weight.data.data()};
    if (k.bias)
      buffers.push_back(biasT.data.data());
    buffers.push_back(output.data.data());
    llvm::Error err = (*kernel)->run(buffers, batch);
    ASSERT_FALSE(bool(err)) << llvm::toString(std::move(err));
    std::vector<float> y(output.numElements());
    for (int64_t i = 0; i < output.numElements(); ++i)
      y[i] = output.floatAt(i);
    ref::CheckResult result = ref::checkDenseOutput(
        w, bias, k.in, k.out, x, batch, y, k.activation);
    EXPECT_TRUE(result.ok()) << k.name << " batch " << batch << ": "
                             << result.summary();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Dense, DenseCPUKernelTest,
    ::testing::Values(
        DenseCase{"f16_bias", 64, 40, true, DType::F16, DType::F16},
        DenseCase{"bf16_odd_k", 100, 33, false, DType::BF16, DType::BF16},
        DenseCase{"f32_act_f16_weight", 72, 512, true, DType::F32, DType::F16},
        DenseCase{"long_k", 4099, 7, false, DType::F16, DType::F16}),
    [](const ::testing::TestParamInfo<DenseCase> &info) {
      return info.param.name;
    });

} // namespace
