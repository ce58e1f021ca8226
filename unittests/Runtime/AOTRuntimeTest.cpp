//===- AOTRuntimeTest.cpp - The AOT-only runtime on a vptq-compile bundle -===//
//
// Links VPTQ::runtime_aot, which has no compiler: every kernel comes from
// the bundle the runtime-aot-bundle test fixture compiles with vptq-compile
// (path in $VPTQ_TEST_BUNDLE). Outputs are checked against the reference.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "vptq/Reference/Check.h"
#include "vptq/runtime/VPTQ.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
using test::makeLayerConfig;

namespace {

std::string bundleDir() {
  const char *dir = std::getenv("VPTQ_TEST_BUNDLE");
  return dir ? dir : "";
}

std::shared_ptr<Runtime> bundleRuntime() {
  RuntimeOptions o;
  o.diskCache = false;
  o.bundles = {bundleDir()};
  auto rt = Runtime::create(o);
  EXPECT_TRUE(rt.ok()) << rt.message();
  return rt.ok() ? *rt : nullptr;
}

/// The layers the fixture compiled (see CMakeLists.txt).
std::vector<ref::LayerConfig> bundledLayers() {
  ref::LayerConfig a = makeLayerConfig(64, 40, 8, 4096, 16);
  a.enablePerm = a.enableNorm = a.bias = true;
  ref::LayerConfig b = makeLayerConfig(96, 30, 4, 256, 0, false);
  a.fillDerivedDefaults();
  b.fillDerivedDefaults();
  return {a, b};
}

QuantizedLayer toLoaded(const ref::QuantizedLinear &layer,
                        const std::string &name) {
  QuantizedLayer q;
  q.name = name;
  q.quantization.config = layer.config;
  q.tensors = ref::encodeLayer(layer, DType::F16);
  q.modelType = DType::F16;
  return q;
}

TEST(AOTRuntime, HasNoCompiler) { EXPECT_FALSE(Runtime::hasBuiltinCompiler()); }

TEST(AOTRuntime, RunsBundledKernels) {
  ASSERT_FALSE(bundleDir().empty()) << "VPTQ_TEST_BUNDLE is not set";
  auto rt = bundleRuntime();
  ASSERT_TRUE(rt);
  uint64_t seed =
      uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
  for (const ref::LayerConfig &c : bundledLayers()) {
    ref::QuantizedLinear layer = ref::makeRandomLayer(c, seed++, DType::F16);
    auto q = QuantLinear::create(rt, toLoaded(layer, "bundled"), DType::F16);
    ASSERT_TRUE(q.ok()) << q.message();
    EXPECT_EQ(q->kernel().origin(), KernelOrigin::Bundle);
    for (int64_t batch : {1, 6})
      test::checkQuantLinear(*rt, *q, layer, batch, seed++);
  }
  EXPECT_EQ(rt->kernelStats().bundleLoads, 2);
}

TEST(AOTRuntime, LayerMissingFromTheBundle) {
  ASSERT_FALSE(bundleDir().empty());
  auto rt = bundleRuntime();
  ASSERT_TRUE(rt);
  ref::LayerConfig c = makeLayerConfig(64, 48, 8, 256);
  c.fillDerivedDefaults();
  auto q = QuantLinear::create(
      rt, toLoaded(ref::makeRandomLayer(c, 1, DType::F16), "other"),
      DType::F16);
  ASSERT_FALSE(q.ok());
  for (const char *part :
       {"layer 'other'", "no kernel for layer in64-out48", "no bundle has it",
        "without the compiler (AOT only)", "vptq-compile --arch host"})
    EXPECT_NE(q.message().find(part), std::string::npos)
        << "'" << part << "' not in: " << q.message();
}

/// A copy of the fixture's bundle in a fresh folder, for damaging.
std::string copyBundle(const std::string &name) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() /
                 ("vptq-aot-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::copy(bundleDir(), dir, fs::copy_options::recursive);
  return dir.string();
}

/// Loading the first bundled layer from `dir` fails, naming `fragment`.
void expectBundleRefused(const std::string &dir, const std::string &fragment) {
  RuntimeOptions o;
  o.diskCache = false;
  o.bundles = {dir};
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok()) << rt.message();
  ref::LayerConfig c = bundledLayers()[0];
  auto q = QuantLinear::create(
      *rt, toLoaded(ref::makeRandomLayer(c, 1, DType::F16), "bundled"),
      DType::F16);
  ASSERT_FALSE(q.ok()) << "loaded a kernel from a damaged bundle";
  EXPECT_NE(q.message().find(fragment), std::string::npos) << q.message();
}

// Hardening (found by fault injection): a truncated or damaged host library
// crashed dlopen (SIGBUS/SIGTRAP); every bundled file is checked first.
TEST(AOTRuntime, DamagedHostLibraryIsRefused) {
  ASSERT_FALSE(bundleDir().empty());
  std::string dir = copyBundle("truncated");
  std::string lib = dir + "/host/kernels.so";
  std::filesystem::resize_file(lib, std::filesystem::file_size(lib) / 2);
  expectBundleRefused(dir, dir + "/host/kernels.so: checksum mismatch");
  std::filesystem::remove_all(dir);

  dir = copyBundle("flipped");
  {
    std::fstream f(dir + "/host/kernels.so",
                   std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('\x5a');
  }
  expectBundleRefused(dir, "checksum mismatch");
  std::filesystem::remove_all(dir);
}

TEST(AOTRuntime, KernelWithoutChecksumIsRefused) {
  ASSERT_FALSE(bundleDir().empty());
  std::string dir = copyBundle("nosum");
  std::ifstream in(dir + "/manifest.json");
  std::string text{std::istreambuf_iterator<char>(in),
                   std::istreambuf_iterator<char>()};
  std::string stripped = std::regex_replace(
      text, std::regex("\"sha256\": *\"[0-9a-f]+\",?"), "");
  ASSERT_NE(stripped, text);
  std::ofstream(dir + "/manifest.json") << stripped;
  expectBundleRefused(dir, "no checksum for host/kernels.so");
  std::filesystem::remove_all(dir);
}

} // namespace
