//===- GPUCompileTest.cpp - Every configuration compiles for every GPU ----===//
//
// Compiles the configuration matrix (vector lengths 2 to 16, 16 to 65536
// centroids, residual, outliers, perm, norm, bias, packed or not, f16/bf16)
// for every supported GPU family: PTX for sm_80/sm_89/sm_90a (cubins too
// when ptxas is installed) and HSACO for gfx90a/gfx942/gfx1100, and checks
// the objects. Running them needs the GPUs (bench/gpu for NVIDIA; AMD code
// cannot be run here).
//
//===----------------------------------------------------------------------===//

#include "TestLayerConfig.h"
#include "vptq/Compiler/Compiler.h"

#include <cstdlib>
#include <gtest/gtest.h>
#include <unistd.h>

using namespace vptq;
using ref::DType;

namespace {

struct Config {
  std::string name;
  ref::LayerConfig layer;
  DType dtype = DType::F16;
};

std::vector<Config> configs() {
  std::vector<Config> all;
  auto make = test::makeLayerConfig;
  for (int64_t v = 2; v <= 16; ++v)
    all.push_back({"v" + std::to_string(v) + "_k4096_kr256",
                   make(256, 96, v, 4096, 256, v % 2 == 0)});
  all.push_back({"k65536_global", make(512, 128, 8, 65536, 0, true)});
  all.push_back({"k16_registers", make(128, 64, 8, 16, 2, true)});
  Config full{"outliers_perm_norm_bias_bf16", make(200, 61, 6, 1024, 32, true),
              DType::BF16};
  full.layer.outlierSize = 8;
  full.layer.outlierVectorLen = 4;
  full.layer.numOutlierCentroids = 64;
  full.layer.numCodebooks = 2;
  full.layer.groupSize = 96;
  full.layer.enablePerm = full.layer.enableNorm = full.layer.bias = true;
  all.push_back(full);
  for (Config &c : all)
    c.layer.fillDerivedDefaults();
  return all;
}

bool haveTool(const std::string &path) { return access(path.c_str(), X_OK) == 0; }

std::string cudaRoot() {
  const char *root = std::getenv("CUDA_ROOT");
  return root ? root : "/usr/local/cuda";
}

TEST(GPUCompile, EveryConfigurationForEveryArchitecture) {
  compiler::Compiler compiler;
  bool ptxas = haveTool(cudaRoot() + "/bin/ptxas");
  struct Target {
    std::string chip, format;
  };
  std::vector<Target> targets = {{"sm_80", "isa"},   {"sm_89", "isa"},
                                 {"sm_90a", "isa"},  {"gfx90a", "bin"},
                                 {"gfx942", "bin"},  {"gfx1100", "bin"},
                                 {"gfx942", "isa"}};
  if (ptxas)
    targets.push_back({"sm_90a", "bin"});
  for (const Config &c : configs()) {
    ASSERT_EQ(c.layer.verify(), "") << c.name;
    compiler::LinearSpec spec;
    spec.config = c.layer;
    spec.activation = spec.model = c.dtype;
    spec.permStorage = DType::I16;
    for (const Target &t : targets) {
      compiler::GPUTarget target;
      target.chip = t.chip;
      target.format = t.format;
      auto kernel = compiler.compileGPU(spec, target);
      ASSERT_TRUE(bool(kernel)) << c.name << " on " << t.chip << ": "
                                << llvm::toString(kernel.takeError());
      ASSERT_GT(kernel->binary.size(), 64u) << c.name << " on " << t.chip;
      std::string text(kernel->binary.begin(), kernel->binary.end());
      if (t.format == "bin") {
        EXPECT_EQ(text.substr(0, 4), "\x7f" "ELF") << c.name << " " << t.chip;
      } else if (t.chip.rfind("sm_", 0) == 0) {
        EXPECT_NE(text.find(".entry " + kernel->launch.kernelName), std::string::npos);
        EXPECT_EQ(text.find("ld.local"), std::string::npos)
            << c.name << " on " << t.chip << " spills to local memory";
      } else {
        EXPECT_NE(text.find(".amdhsa_private_segment_fixed_size 0"),
                  std::string::npos)
            << c.name << " on " << t.chip << " uses scratch memory";
      }
      if (kernel->launch.clusterSize > 1) {
        // Sharded decode kernels (1 MiB codebooks on sm_90+): whole
        // clusters, each with a range of rows.
        EXPECT_EQ(kernel->launch.centroidsPlacement, "sharded") << c.name;
        EXPECT_EQ(t.chip, "sm_90a") << c.name;
        EXPECT_EQ(kernel->launch.gridX, kernel->launch.persistentBlocks);
        EXPECT_EQ(kernel->launch.gridX % kernel->launch.clusterSize, 0);
      } else {
        EXPECT_EQ(kernel->launch.gridX,
                  (c.layer.numIndexRows() + kernel->launch.blockRows - 1) /
                      kernel->launch.blockRows);
      }
      EXPECT_EQ(kernel->launch.blockSize, 32 * kernel->launch.blockRows * kernel->launch.warpsPerRow);
    }
  }
  // Dense layers (vptq.linear), K a multiple of 8 and not.
  for (int64_t in : {4096, 100}) {
    LinearSpec dense = makeDenseSpec(in, 1000, true, DType::F16, DType::F16);
    for (const Target &t : targets) {
      compiler::GPUTarget target;
      target.chip = t.chip;
      target.format = t.format;
      auto kernel = compiler.compileGPU(dense, target);
      ASSERT_TRUE(bool(kernel)) << "dense in=" << in << " on " << t.chip
                                << ": " << llvm::toString(kernel.takeError());
      EXPECT_EQ(kernel->launch.sharedBytes, 0);
      EXPECT_EQ(kernel->launch.gridX,
                (1000 + kernel->launch.blockRows - 1) / kernel->launch.blockRows);
    }
  }
  if (!ptxas)
    GTEST_LOG_(INFO) << "ptxas not found under " << cudaRoot()
                     << ": cubins not checked";
}

// A gated input (silu(gate) * input): a `gate` argument beside the input and
// a SIMT kernel evaluating silu; dense layers and tensor-core decisions are
// refused with a message.
TEST(GPUCompile, GatedInput) {
  compiler::Compiler compiler;
  compiler::GPUTarget target;
  target.chip = "sm_90a";
  target.format = "isa";
  compiler::LinearSpec spec;
  spec.config = test::makeLayerConfig(256, 96, 8, 4096, 0, true);
  spec.config.enablePerm = spec.config.enableNorm = true;
  spec.config.fillDerivedDefaults();
  spec.permStorage = DType::I16;
  spec.gatedInput = true;
  spec.batchHint = 256;
  auto kernel = compiler.compileGPU(spec, target);
  ASSERT_TRUE(bool(kernel)) << llvm::toString(kernel.takeError());
  ASSERT_GE(kernel->args.size(), 2u);
  EXPECT_EQ(kernel->args[1].name, "gate");
  EXPECT_FALSE(kernel->launch.mma);
  std::string ptx(kernel->binary.begin(), kernel->binary.end());
  EXPECT_NE(ptx.find("ex2.approx"), std::string::npos);

  auto expectError = [&](const compiler::LinearSpec &bad,
                         const std::string &message) {
    auto refused = compiler.compileGPU(bad, target);
    ASSERT_FALSE(bool(refused));
    std::string text = llvm::toString(refused.takeError());
    EXPECT_NE(text.find(message), std::string::npos) << text;
  };
  compiler::LinearSpec mma = spec;
  mma.mma = 1;
  expectError(mma, "a gated input needs a SIMT kernel: it takes no mma, "
                   "shared_weights or register_wgmma = 1");
  LinearSpec dense = makeDenseSpec(256, 96, false, DType::F16, DType::F16);
  dense.gatedInput = true;
  expectError(dense, "a gated input needs a quantized layer in the fused "
                     "form");
}

} // namespace
