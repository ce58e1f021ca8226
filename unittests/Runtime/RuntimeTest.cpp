//===- RuntimeTest.cpp - The runtime on the CPU, with the JIT -------------===//
//
// QuantLinear and Linear through generated kernels against the reference on
// fresh random layers and inputs (every output element checked), the kernel
// cache (compile once, load after, rebuild corrupt entries, concurrent
// writers), and the errors a user meets.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/Tuning.h"
#include "vptq/Reference/Check.h"
#include "vptq/Reference/Transformer.h"
#include "vptq/runtime/VPTQ.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
using test::kTestModule;
using test::makeLayerConfig;
using test::TempDir;

namespace vptq::runtime::detail {
std::string gfxNameFromTargetVersion(int64_t version);
} // namespace vptq::runtime::detail

namespace {

uint64_t freshSeed() {
  return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
}

std::shared_ptr<Runtime> cpuRuntime(const std::string &cacheDir,
                                    bool jit = true) {
  RuntimeOptions o;
  o.cacheDir = cacheDir;
  o.jit = jit;
  auto rt = Runtime::create(o);
  EXPECT_TRUE(rt.ok()) << rt.message();
  return rt.ok() ? *rt : nullptr;
}

/// Layer kTestModule of the checkpoint folder `dir`.
Result<QuantizedLayer> loadTestLayer(const std::string &dir) {
  auto cp = Checkpoint::open(dir);
  if (!cp.ok())
    return cp.status();
  return (*cp)->loadQuantized(kTestModule);
}

struct LayerCase {
  std::string name;
  ref::LayerConfig config;
  DType model = DType::F16, activation = DType::F16;
};

void PrintTo(const LayerCase &c, std::ostream *os) { *os << c.name; }

std::vector<LayerCase> layerCases() {
  std::vector<LayerCase> all;
  all.push_back({"k65536_kr256", makeLayerConfig(128, 48, 8, 65536, 256)});
  all.push_back({"unpacked_v4", makeLayerConfig(96, 30, 4, 4096, 4096, false)});
  LayerCase full{"perm_norm_bias_outliers",
                 makeLayerConfig(70, 31, 4, 256, 16)};
  full.config.numCodebooks = 2;
  full.config.outlierSize = 6;
  full.config.outlierVectorLen = 3;
  full.config.numOutlierCentroids = 64;
  full.config.groupSize = 32;
  full.config.enablePerm = full.config.enableNorm = full.config.bias = true;
  all.push_back(full);
  all.push_back(
      {"bf16", makeLayerConfig(64, 40, 8, 4096, 16), DType::BF16, DType::BF16});
  all.push_back({"f32_activations", makeLayerConfig(64, 35, 6, 1024),
                 DType::F16, DType::F32});
  return all;
}

class QuantLinearCPU : public testing::TestWithParam<LayerCase> {
protected:
  /// Writes the case's layer as a checkpoint folder and loads it through
  /// Checkpoint into a QuantLinear of a CPU runtime.
  void SetUp() override {
    const LayerCase &c = GetParam();
    layer =
        test::writeSingleLayerCheckpoint(model.path(), c.config, c.model, seed);
    rt = cpuRuntime(cache.path());
    ASSERT_TRUE(rt);
    auto loaded = loadTestLayer(model.path());
    ASSERT_TRUE(loaded.ok()) << loaded.message();
    auto created = QuantLinear::create(rt, *loaded, c.activation);
    ASSERT_TRUE(created.ok()) << created.message();
    q.emplace(std::move(*created));
  }

  TempDir cache{"cache"}, model{"model"};
  uint64_t seed = freshSeed();
  ref::QuantizedLinear layer;
  std::shared_ptr<Runtime> rt;
  std::optional<QuantLinear> q;
};

// Checkpoint folder -> Checkpoint -> QuantLinear -> generated CPU kernel,
// against the reference of the layer written.
TEST_P(QuantLinearCPU, MatchesReference) {
  EXPECT_EQ(q->kernel().origin(), KernelOrigin::Compiled);
  for (int64_t batch : {1, 5, 33})
    test::checkQuantLinear(*rt, *q, layer, batch, seed + uint64_t(batch));
}

// A SwiGLU down projection on a gated input: forwardGated(gate, up) against
// the reference layer on silu(gate) * up, rounded to the activation dtype
// as vptq.silu_mul stores it (the norm term of norm layers included).
TEST_P(QuantLinearCPU, GatedInputMatchesReference) {
  const LayerCase &c = GetParam();
  EXPECT_FALSE(q->hasGatedInput());
  {
    auto x = rt->allocate(c.activation, {1, c.config.inFeatures});
    auto y = rt->allocate(c.activation, {1, c.config.outFeatures});
    ASSERT_TRUE(x.ok() && y.ok());
    Status early = q->forwardGated(*x, *x, *y);
    EXPECT_NE(early.message().find("forwardGated before enableGatedInput"),
              std::string::npos)
        << early.message();
  }
  Status enabled = q->enableGatedInput();
  ASSERT_TRUE(enabled.ok()) << enabled.message();
  ASSERT_TRUE(q->hasGatedInput());
  const DType act = c.activation;
  const int64_t in = c.config.inFeatures, out = c.config.outFeatures;
  for (int64_t batch : {1, 5}) {
    std::vector<float> g = ref::randomFloats(batch * in, ++seed, -4, 4, act);
    std::vector<float> u = ref::randomFloats(batch * in, ++seed, -1, 1, act);
    ref::HostTensor x = ref::encodeFloats(ref::siluMul(g, u), {batch, in}, act);
    std::vector<float> xs(x.numElements());
    for (size_t i = 0; i < xs.size(); ++i)
      xs[i] = x.floatAt(int64_t(i));
    auto tg = rt->upload(ref::encodeFloats(g, {batch, in}, act));
    auto tu = rt->upload(ref::encodeFloats(u, {batch, in}, act));
    auto ty = rt->allocate(act, {batch, out});
    ASSERT_TRUE(tg.ok() && tu.ok() && ty.ok());
    ASSERT_TRUE(rt->fill(*ty, 0xff).ok());
    Status s = q->forwardGated(*tg, *tu, *ty);
    ASSERT_TRUE(s.ok()) << s.message();
    auto host = rt->download(*ty);
    ASSERT_TRUE(host.ok());
    std::vector<float> y(host->numElements());
    for (size_t i = 0; i < y.size(); ++i)
      y[i] = host->floatAt(int64_t(i));
    ref::CheckResult r = ref::checkLinearOutput(layer, xs, batch, y, act);
    EXPECT_TRUE(r.ok()) << c.name << " batch " << batch << ": " << r.summary();
  }
  // A gate that is not shaped as the up input is refused.
  auto small = rt->allocate(act, {1, in - 1});
  auto tu = rt->allocate(act, {1, in});
  auto ty = rt->allocate(act, {1, out});
  ASSERT_TRUE(small.ok() && tu.ok() && ty.ok());
  Status bad = q->forwardGated(*small, *tu, *ty);
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("gate is"), std::string::npos) << bad.message();
  // Nor is an up input of the wrong width (checked before the gate).
  Status narrow = q->forwardGated(*small, *small, *ty);
  EXPECT_NE(narrow.message().find("up is"), std::string::npos)
      << narrow.message();
}

INSTANTIATE_TEST_SUITE_P(Layers, QuantLinearCPU,
                         testing::ValuesIn(layerCases()),
                         [](const auto &info) { return info.param.name; });

TEST(LinearCPU, DenseMatchesReference) {
  TempDir cache("cache");
  auto rt = cpuRuntime(cache.path());
  ASSERT_TRUE(rt);
  uint64_t seed = freshSeed();
  for (DType dtype : {DType::F16, DType::BF16}) {
    for (bool withBias : {false, true}) {
      int64_t in = 72, out = 40, batch = 9;
      std::vector<float> w = ref::randomFloats(in * out, seed++, -1, 1, dtype);
      std::vector<float> b = withBias
                                 ? ref::randomFloats(out, seed++, -1, 1, dtype)
                                 : std::vector<float>();
      ref::HostTensor weight = ref::encodeFloats(w, {out, in}, dtype);
      ref::HostTensor bias = ref::encodeFloats(b, {out}, dtype);
      auto l = Linear::create(rt, "dense", weight, withBias ? &bias : nullptr,
                              dtype);
      ASSERT_TRUE(l.ok()) << l.message();
      // Gated inputs are for quantized layers.
      Status gated = l->enableGatedInput();
      EXPECT_NE(gated.message().find("'dense': a gated input needs a "
                                     "quantized layer"),
                std::string::npos)
          << gated.message();
      std::vector<float> x =
          ref::randomFloats(batch * in, seed++, -1, 1, dtype);
      auto input = rt->upload(ref::encodeFloats(x, {batch, in}, dtype));
      ASSERT_TRUE(input.ok());
      auto y = (*l)(*input);
      ASSERT_TRUE(y.ok()) << y.message();
      auto host = rt->download(*y);
      ASSERT_TRUE(host.ok());
      std::vector<float> yf(host->numElements());
      for (size_t i = 0; i < yf.size(); ++i)
        yf[i] = host->floatAt(int64_t(i));
      ref::CheckResult r =
          ref::checkDenseOutput(w, b, in, out, x, batch, yf, dtype);
      EXPECT_TRUE(r.ok()) << ref::dtypeName(dtype) << " bias " << withBias
                          << ": " << r.summary();
    }
  }
}

//===----------------------------------------------------------------------===//
// The kernel cache
//===----------------------------------------------------------------------===//

/// A small layer with its runtime-facing pieces.
struct SmallLayer {
  ref::QuantizedLinear layer;
  QuantizedLayer loaded;
  explicit SmallLayer(uint64_t seed) {
    ref::LayerConfig c = makeLayerConfig(64, 24, 8, 256, 4);
    c.fillDerivedDefaults();
    layer = ref::makeRandomLayer(c, seed, DType::F16);
    loaded.name = "small";
    loaded.quantization.config = c;
    loaded.tensors = ref::encodeLayer(layer, DType::F16);
    loaded.modelType = DType::F16;
  }
};

std::vector<std::filesystem::path> cacheFiles(const std::string &dir,
                                              const std::string &ext) {
  std::vector<std::filesystem::path> files;
  for (const auto &e : std::filesystem::recursive_directory_iterator(dir))
    if (e.path().extension() == ext)
      files.push_back(e.path());
  return files;
}

TEST(KernelCache, CompilesOnceThenLoads) {
  TempDir cache("cache");
  SmallLayer small(freshSeed());
  {
    auto rt = cpuRuntime(cache.path());
    auto q = QuantLinear::create(rt, small.loaded, DType::F16);
    ASSERT_TRUE(q.ok()) << q.message();
    EXPECT_EQ(rt->kernelStats().compiled, 1);
    // The same specification again is the same kernel.
    auto again = QuantLinear::create(rt, small.loaded, DType::F16);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(&again->kernel(), &q->kernel());
    EXPECT_EQ(rt->kernelStats().reused, 1);
  }
  ASSERT_EQ(cacheFiles(cache.path(), ".so").size(), 1u);
  ASSERT_EQ(cacheFiles(cache.path(), ".json").size(), 1u);
  // Entries live under the host CPU's id.
  EXPECT_EQ(cacheFiles(cache.path(), ".so")[0]
                .parent_path()
                .filename()
                .string()
                .rfind("host-", 0),
            0u);

  auto rt = cpuRuntime(cache.path(), /*jit=*/false);
  auto q = QuantLinear::create(rt, small.loaded, DType::F16);
  ASSERT_TRUE(q.ok()) << q.message();
  EXPECT_EQ(q->kernel().origin(), KernelOrigin::Cache);
  EXPECT_EQ(rt->kernelStats().cacheLoads, 1);
  EXPECT_EQ(rt->kernelStats().compiled, 0);
  test::checkQuantLinear(*rt, *q, small.layer, 7, freshSeed());
}

// Hardening: a writer killed mid-entry left its temporary file in the
// cache forever; the next entry written to that folder removes it.
TEST(KernelCache, StaleTemporariesAreRemoved) {
  TempDir cache("cache");
  SmallLayer small(freshSeed());
  {
    auto rt = cpuRuntime(cache.path());
    ASSERT_TRUE(QuantLinear::create(rt, small.loaded, DType::F16).ok());
  }
  std::filesystem::path folder =
      cacheFiles(cache.path(), ".json")[0].parent_path();
  pid_t dead = fork();
  if (dead == 0)
    _exit(0);
  int status;
  waitpid(dead, &status, 0);
  std::filesystem::path stale =
      folder / (".abc.so.vptq-tmp." + std::to_string(dead) + ".0");
  std::ofstream(stale) << "half a kernel";
  {
    // Another activation type: another kernel, cached in the same folder.
    auto rt = cpuRuntime(cache.path());
    auto q = QuantLinear::create(rt, small.loaded, DType::F32);
    ASSERT_TRUE(q.ok()) << q.message();
    EXPECT_EQ(rt->kernelStats().compiled, 1);
  }
  EXPECT_FALSE(std::filesystem::exists(stale));
  EXPECT_EQ(cacheFiles(cache.path(), ".json").size(), 2u);
}

// Decisions a caller fixes (LinearTuning) reach the layer's kernel
// specification and its key; unset ones stay open.
TEST(KernelCache, LinearTuningFixesDecisions) {
  ref::LayerConfig config = makeLayerConfig(64, 16, 8, 256);
  LinearTuning tuning;
  tuning.mma = 1;
  tuning.stagedInputs = 1;
  LinearSpec spec =
      makeQuantizedSpec(config, DType::F16, DType::F16, tuning);
  EXPECT_EQ(spec.mma, 1);
  EXPECT_EQ(spec.stagedInputs, 1);
  EXPECT_EQ(spec.sharedWeights, -1);
  EXPECT_EQ(spec.registerWgmma, -1);
  EXPECT_NE(spec.key().find("-mma1"), std::string::npos) << spec.key();
  EXPECT_NE(spec.key().find("-si1"), std::string::npos) << spec.key();
  LinearSpec open = makeQuantizedSpec(config, DType::F16, DType::F16, {});
  EXPECT_EQ(open.stagedInputs, -1);
  EXPECT_EQ(open.key().find("-si"), std::string::npos) << open.key();
  LinearTuning registers;
  registers.registerWgmma = 1;
  LinearSpec rw = makeQuantizedSpec(config, DType::F16, DType::F16, registers);
  EXPECT_EQ(rw.registerWgmma, 1);
  EXPECT_NE(rw.key().find("-rw1"), std::string::npos) << rw.key();
  EXPECT_EQ(open.key().find("-rw"), std::string::npos) << open.key();
}

// Kernels the runtime compiles take their decisions from the autotuner's
// database when it has an entry for the layer (here for the host CPU), and
// still compute the layer.
TEST(KernelCache, TuningDatabaseDecidesCompiledKernels) {
  TempDir cache("cache"), dir("tuning");
  SmallLayer small(freshSeed());
  LinearSpec spec = makeQuantizedSpec(small.loaded.quantization.config,
                                      DType::F16, DType::F16, {});
  TuningDatabase db;
  TuningEntry e;
  e.arch = "host";
  e.layer = tuningKey(spec);
  e.batch = 1;
  e.blockRows = 2;
  e.warpsPerRow = 1;
  e.batchTile = 2;
  e.kChunk = 32;
  db.add(e);
  ASSERT_EQ(db.save(dir / "db.json"), "");
  RuntimeOptions o;
  o.cacheDir = cache.path();
  o.tuningDatabase = dir / "db.json";
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok()) << rt.message();
  auto q = QuantLinear::create(*rt, small.loaded, DType::F16);
  ASSERT_TRUE(q.ok()) << q.message();
  EXPECT_NE(q->kernel().key().find("-t2x1x2x32"), std::string::npos)
      << q->kernel().key();
  test::checkQuantLinear(**rt, *q, small.layer, 5, freshSeed());
  // The same layer again is the same kernel.
  auto again = QuantLinear::create(*rt, small.loaded, DType::F16);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(&again->kernel(), &q->kernel());
  // Without the database: the heuristics.
  auto plain = cpuRuntime(cache.path());
  auto h = QuantLinear::create(plain, small.loaded, DType::F16);
  ASSERT_TRUE(h.ok()) << h.message();
  EXPECT_NE(h->kernel().key().find("-t0x0x0x0"), std::string::npos);
  // A database that cannot be read is an error naming it.
  o.tuningDatabase = dir / "missing.json";
  auto bad = Runtime::create(o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("missing.json"), std::string::npos);
}

TEST(KernelCache, CorruptEntriesAreRebuilt) {
  TempDir cache("cache");
  SmallLayer small(freshSeed());
  {
    auto rt = cpuRuntime(cache.path());
    ASSERT_TRUE(QuantLinear::create(rt, small.loaded, DType::F16).ok());
  }
  auto library = cacheFiles(cache.path(), ".so").at(0);
  auto manifest = cacheFiles(cache.path(), ".json").at(0);
  std::vector<uint8_t> good = test::readFile(library.string());

  // A truncated library: its checksum fails, it is compiled again.
  test::writeFile(library.string(),
                  std::vector<uint8_t>(good.begin(), good.begin() + 100));
  {
    auto rt = cpuRuntime(cache.path());
    auto q = QuantLinear::create(rt, small.loaded, DType::F16);
    ASSERT_TRUE(q.ok()) << q.message();
    EXPECT_EQ(rt->kernelStats().compiled, 1);
    EXPECT_EQ(rt->kernelStats().cacheLoads, 0);
    test::checkQuantLinear(*rt, *q, small.layer, 3, freshSeed());
  }
  EXPECT_EQ(test::readFile(library.string()).size(), good.size());

  // A garbled manifest: the same.
  test::writeFile(manifest.string(), {'{', 'x'});
  {
    auto rt = cpuRuntime(cache.path());
    ASSERT_TRUE(QuantLinear::create(rt, small.loaded, DType::F16).ok());
    EXPECT_EQ(rt->kernelStats().compiled, 1);
  }
  // Without the JIT a corrupt entry is an error, not a crash.
  test::writeFile(library.string(), {1, 2, 3});
  auto rt = cpuRuntime(cache.path(), /*jit=*/false);
  auto q = QuantLinear::create(rt, small.loaded, DType::F16);
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.message().find("no kernel for layer"), std::string::npos)
      << q.message();
  EXPECT_NE(q.message().find("JIT compilation is off"), std::string::npos);
}

TEST(KernelCache, ConcurrentWritersLeaveAValidEntry) {
  TempDir cache("cache");
  SmallLayer small(freshSeed());
  std::vector<std::thread> threads;
  std::vector<std::string> errors(3);
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      RuntimeOptions o;
      o.cacheDir = cache.path();
      auto rt = Runtime::create(o);
      if (!rt) {
        errors[i] = rt.message();
        return;
      }
      auto q = QuantLinear::create(*rt, small.loaded, DType::F16);
      if (!q)
        errors[i] = q.message();
    });
  for (std::thread &t : threads)
    t.join();
  for (const std::string &e : errors)
    EXPECT_EQ(e, "");
  // No temporary files left; the entry loads.
  for (const auto &e :
       std::filesystem::recursive_directory_iterator(cache.path()))
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  auto rt = cpuRuntime(cache.path(), /*jit=*/false);
  auto q = QuantLinear::create(rt, small.loaded, DType::F16);
  ASSERT_TRUE(q.ok()) << q.message();
  test::checkQuantLinear(*rt, *q, small.layer, 2, freshSeed());
}

TEST(KernelCache, WorksWithoutADiskCache) {
  SmallLayer small(freshSeed());
  RuntimeOptions o;
  o.diskCache = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ((*rt)->cacheDirectory(), "");
  auto q = QuantLinear::create(*rt, small.loaded, DType::F16);
  ASSERT_TRUE(q.ok()) << q.message();
  test::checkQuantLinear(**rt, *q, small.layer, 4, freshSeed());
}

TEST(KernelCache, DirectoryFromEnvironment) {
  setenv("VPTQ_CACHE_DIR", "/tmp/vptq-env-cache", 1);
  RuntimeOptions o;
  auto rt = Runtime::create(o);
  unsetenv("VPTQ_CACHE_DIR");
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ((*rt)->cacheDirectory(), "/tmp/vptq-env-cache");
  setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  rt = Runtime::create(o);
  unsetenv("XDG_CACHE_HOME");
  ASSERT_TRUE(rt.ok());
  EXPECT_EQ((*rt)->cacheDirectory(), "/tmp/xdg/vptq");
}

//===----------------------------------------------------------------------===//
// Errors and small pieces
//===----------------------------------------------------------------------===//

TEST(RuntimeErrors, WrongInputs) {
  SmallLayer small(freshSeed());
  TempDir cache("cache");
  auto rt = cpuRuntime(cache.path());
  auto q = QuantLinear::create(rt, small.loaded, DType::F16);
  ASSERT_TRUE(q.ok()) << q.message();
  auto x32 = rt->allocate(DType::F32, {2, 64});
  auto y = rt->allocate(DType::F16, {2, 24});
  Status s = q->forward(*x32, *y);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find(
                "layer 'small': input is f32[2, 64], expected F16[batch, 64]"),
            std::string::npos)
      << s.message();
  auto x = rt->allocate(DType::F16, {2, 64});
  auto yBad = rt->allocate(DType::F16, {3, 24});
  s = q->forward(*x, *yBad);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("output is f16[3, 24], expected F16[2, 24]"),
            std::string::npos)
      << s.message();
  EXPECT_FALSE(q->forward(Tensor(), *y).ok());
  // Activations must be floats; the layer's tensors must match its config.
  EXPECT_NE(QuantLinear::create(rt, small.loaded, DType::I32)
                .message()
                .find("activations must be f16, bf16 or f32"),
            std::string::npos);
  QuantizedLayer broken = small.loaded;
  broken.tensors.centroids.shape = {1, 7};
  auto bad = QuantLinear::create(rt, broken, DType::F16);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("layer 'small'"), std::string::npos)
      << bad.message();
  EXPECT_NE(bad.message().find("centroids"), std::string::npos)
      << bad.message();
}

TEST(RuntimeErrors, MissingGPUDriversAreReported) {
  RuntimeOptions o;
  o.device = DeviceKind::CUDA;
  auto cuda = Runtime::create(o);
  if (cuda.ok())
    GTEST_SKIP() << "a CUDA device is present: "
                 << (*cuda)->device().describe();
  EXPECT_EQ(cuda.message().rfind("cannot use device cuda:0: ", 0), 0u)
      << cuda.message();
  o.device = DeviceKind::HIP;
  auto hip = Runtime::create(o);
  ASSERT_FALSE(hip.ok());
  EXPECT_EQ(hip.message().rfind("cannot use device hip:0: ", 0), 0u)
      << hip.message();
  o.device = DeviceKind::CPU;
  o.deviceIndex = 1;
  EXPECT_NE(Runtime::create(o).message().find("cpu:1 does not exist"),
            std::string::npos);
}

TEST(RuntimeErrors, BundleForAnotherArch) {
  TempDir bundle("bundle");
  BundleManifest m;
  m.compiler = "test";
  m.archs = {"sm_90a"};
  BundleKernel k;
  k.id = "k0";
  k.arch = "sm_90a";
  k.kind = "cubin";
  k.file = "sm_90a/k0.cubin";
  k.symbol = "kernel";
  k.spec = makeDenseSpec(64, 8, false, DType::F16, DType::F16);
  k.args = getKernelArguments(k.spec);
  m.kernels.push_back(k);
  std::ofstream(bundle / "manifest.json") << writeManifest(m);
  RuntimeOptions o;
  o.diskCache = false;
  o.bundles = {bundle.path()};
  auto rt = Runtime::create(o);
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.message().find("bundle " + bundle.path() +
                              " was built for sm_90a; "
                              "this device is cpu:0"),
            std::string::npos)
      << rt.message();
  EXPECT_NE(rt.message().find("--arch host"), std::string::npos)
      << rt.message();
  o.bundles = {"/nonexistent/bundle"};
  EXPECT_NE(
      Runtime::create(o).message().find("/nonexistent/bundle/manifest.json"),
      std::string::npos);
}

TEST(Tensors, SliceReshapeCopy) {
  RuntimeOptions o;
  o.diskCache = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  std::vector<float> v(24);
  for (int i = 0; i < 24; ++i)
    v[i] = float(i);
  auto t = (*rt)->upload(ref::encodeFloats(v, {6, 4}, DType::F32));
  ASSERT_TRUE(t.ok());
  auto rows = t->slice(2, 4);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->describe(), "f32[2, 4]");
  auto host = (*rt)->download(*rows);
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->floatAt(0), 8.0f);
  EXPECT_EQ(host->floatAt(7), 15.0f);
  EXPECT_FALSE(t->slice(5, 7).ok());
  EXPECT_FALSE(t->reshape({5, 5}).ok());
  auto flat = t->reshape({24});
  ASSERT_TRUE(flat.ok());
  auto dst = (*rt)->allocate(DType::F32, {2, 4});
  ASSERT_TRUE((*rt)->copy(*rows, *dst).ok());
  EXPECT_EQ((*rt)->download(*dst)->floatAt(3), 11.0f);
  EXPECT_FALSE((*rt)->copy(*t, *dst).ok());
  EXPECT_FALSE((*rt)->copyFromHost(*dst, v.data(), 1000).ok());
}

// Hardening (found under UBSan): empty tensors have no buffer, and copying
// them passed null pointers to memcpy.
TEST(Tensors, EmptyTensorsUploadAndDownload) {
  RuntimeOptions o;
  o.diskCache = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  auto t = (*rt)->upload(ref::HostTensor(DType::F16, {0, 4}));
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(t->describe(), "f16[0, 4]");
  auto host = (*rt)->download(*t);
  ASSERT_TRUE(host.ok()) << host.message();
  EXPECT_EQ(host->numElements(), 0);
  EXPECT_TRUE((*rt)->copyFromHost(*t, nullptr, 0).ok());
}

// On the CPU concurrent tasks run one after another, in order; the first
// error stops them and comes back. (On CUDA the model checks and the
// end-to-end runs on the GPU exercise the stream branches.)
TEST(Concurrently, RunsTasksInOrderAndStopsAtTheFirstError) {
  RuntimeOptions o;
  o.diskCache = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  auto t = (*rt)->allocate(DType::F32, {3});
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*rt)->fill(*t, 0xff).ok()); // NaN until a task fills it
  std::vector<int> order;
  auto task = [&](int i, uint8_t byte) {
    return [&, i, byte] {
      order.push_back(i);
      return (*rt)->fill(*t->slice(i, i + 1), byte);
    };
  };
  ASSERT_TRUE((*rt)->concurrently({task(0, 0), task(1, 0), task(2, 0)}).ok());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  auto host = (*rt)->download(*t);
  ASSERT_TRUE(host.ok());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(host->floatAt(i), 0.0f);

  order.clear();
  Status s = (*rt)->concurrently(
      {task(0, 0), [&] {
         order.push_back(1);
         return Status::error("task 1 failed");
       },
       task(2, 0)});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "task 1 failed");
  EXPECT_EQ(order, (std::vector<int>{0, 1}));
}

TEST(Devices, NamesAndArchitectures) {
  DeviceKind k;
  EXPECT_TRUE(parseDeviceKind("cuda", k));
  EXPECT_EQ(k, DeviceKind::CUDA);
  EXPECT_FALSE(parseDeviceKind("tpu", k));
  EXPECT_EQ(detail::gfxNameFromTargetVersion(90010), "gfx90a");
  EXPECT_EQ(detail::gfxNameFromTargetVersion(90402), "gfx942");
  EXPECT_EQ(detail::gfxNameFromTargetVersion(110000), "gfx1100");
  EXPECT_EQ(detail::gfxNameFromTargetVersion(100302), "gfx1032");
  EXPECT_EQ(detail::gfxNameFromTargetVersion(0), "");
  EXPECT_TRUE(Runtime::hasBuiltinCompiler());
}

} // namespace

// A layer whose kernel takes the sharded index layout (forced here: the
// compiler only chooses it for sm_90+ GPUs; the CPU kernel computes from
// the checkpoint indices, so this checks the plumbing, ShardingTest the
// layout and the device harness the GPU kernel): the runtime builds
// shard_entries and shard_offsets at load and passes the kernel the
// arguments it names by name, and the results match the reference. A
// layer the layout cannot express fails with the reason.
TEST(QuantLinearCPUShards, DerivedArgumentsReachTheKernel) {
  TempDir cache("cache"), model("model");
  uint64_t seed = freshSeed();
  ref::LayerConfig config = makeLayerConfig(96, 40, 8, 1024);
  config.enablePerm = config.enableNorm = config.bias = true;
  ref::QuantizedLinear layer = test::writeSingleLayerCheckpoint(
      model.path(), config, DType::F16, seed);
  auto rt = cpuRuntime(cache.path());
  ASSERT_TRUE(rt);
  auto loaded = loadTestLayer(model.path());
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  LinearTuning sharded;
  sharded.codebookShards = 4;
  auto q = QuantLinear::create(rt, *loaded, DType::F16, sharded);
  ASSERT_TRUE(q.ok()) << q.message();
  std::vector<std::string> names;
  for (const KernelArg &arg : q->kernel().args())
    names.push_back(arg.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "shard_entries"),
            names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "shard_offsets"),
            names.end());
  for (int64_t batch : {1, 5})
    test::checkQuantLinear(*rt, *q, layer, batch, seed + uint64_t(batch));

  TempDir residualModel("residual");
  ref::LayerConfig residual = makeLayerConfig(64, 16, 8, 256, 16);
  test::writeSingleLayerCheckpoint(residualModel.path(), residual, DType::F16,
                                   seed + 7);
  auto loaded2 = loadTestLayer(residualModel.path());
  ASSERT_TRUE(loaded2.ok()) << loaded2.message();
  auto bad = QuantLinear::create(rt, *loaded2, DType::F16, sharded);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("sharded indices need one codebook group and "
                               "no residual codebook"),
            std::string::npos)
      << bad.message();
}
