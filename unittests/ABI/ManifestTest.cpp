//===- ManifestTest.cpp - Bundle manifests --------------------------------===//

#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/Tuning.h"

#include <gtest/gtest.h>

#include <functional>

using namespace vptq;

/// A bundle of one sm_90a cubin kernel "k0" of `spec` taking `args`.
static BundleManifest oneCubinBundle(const LinearSpec &spec,
                                     const std::vector<KernelArg> &args) {
  BundleManifest m;
  m.compiler = "vptq-mlir test";
  m.archs = {"sm_90a"};
  BundleKernel k;
  k.id = "k0";
  k.arch = "sm_90a";
  k.kind = "cubin";
  k.file = "sm_90a/k0.cubin";
  k.symbol = "vptq_matmul_0";
  k.spec = spec;
  k.args = args;
  m.kernels = {k};
  return m;
}

TEST(Manifest, WritesWhatItReads) {
  BundleManifest m;
  m.compiler = "vptq-mlir test";
  m.created = "2026-11-22T00:00:00Z";
  m.archs = {"sm_90a", "host"};
  BundleKernel gpu;
  gpu.id = "k0";
  gpu.arch = "sm_90a";
  gpu.kind = "cubin";
  gpu.file = "sm_90a/k0.cubin";
  gpu.symbol = "vptq_matmul_0";
  gpu.spec.config.inFeatures = 4096;
  gpu.spec.config.outFeatures = 11008;
  gpu.spec.config.vectorLen = 8;
  gpu.spec.config.numCentroids = 65536;
  gpu.spec.config.numResCentroids = 256;
  gpu.spec.config.packed = true;
  gpu.spec.config.enablePerm = true;
  gpu.spec.config.fillDerivedDefaults();
  gpu.spec.activation = gpu.spec.model = ref::DType::BF16;
  gpu.spec.batchTile = 4;
  gpu.spec.batchHint = 16;
  gpu.spec.centroidsPlacement = "global";
  gpu.args = getKernelArguments(gpu.spec);
  gpu.launch = {"vptq_matmul_0", 256, 18688, 1376, 4, 1, 8, 2048, "global",
                "shared"};
  gpu.launch.gridDependency = true;
  gpu.launch.mma = true;
  gpu.launch.stagedInputs = true;
  gpu.spec.stagedInputs = 1;
  gpu.launch.registerWgmma = true;
  gpu.spec.registerWgmma = 0;
  gpu.inputHash = "abc";
  BundleKernel cpu;
  cpu.id = "k1";
  cpu.arch = "host";
  cpu.kind = "cpu";
  cpu.file = "host/kernels.so";
  cpu.symbol = "_mlir_ciface_vptq_linear_k1";
  cpu.spec = makeDenseSpec(64, 512, true, ref::DType::F16, ref::DType::F16);
  cpu.args = getKernelArguments(cpu.spec);
  cpu.cpu = "znver3";
  cpu.cpuFeatures = "+avx2";
  m.kernels = {gpu, cpu};
  m.layers = {{"model.layers.0.mlp.up_proj", gpu.spec.key()},
              {"lm_head", cpu.spec.key()}};

  BundleManifest back;
  ASSERT_EQ(parseManifest(writeManifest(m), "test", back), "");
  ASSERT_EQ(back.kernels.size(), 2u);
  EXPECT_EQ(back.layers, m.layers);
  EXPECT_EQ(back.archs, m.archs);
  for (size_t i = 0; i < 2; ++i) {
    const BundleKernel &a = m.kernels[i], &b = back.kernels[i];
    EXPECT_EQ(b.spec.key(), a.spec.key());
    EXPECT_EQ(b.spec.config, a.spec.config);
    EXPECT_EQ(b.args.size(), a.args.size());
    for (size_t j = 0; j < a.args.size(); ++j) {
      EXPECT_EQ(b.args[j].name, a.args[j].name);
      EXPECT_EQ(b.args[j].dtype, a.args[j].dtype);
      EXPECT_EQ(b.args[j].shape, a.args[j].shape);
    }
    EXPECT_EQ(b.symbol, a.symbol);
    EXPECT_EQ(b.file, a.file);
  }
  EXPECT_EQ(back.kernels[0].launch.gridX, 1376);
  EXPECT_EQ(back.kernels[0].launch.sharedBytes, 18688);
  EXPECT_EQ(back.kernels[0].launch.resCentroidsPlacement, "shared");
  EXPECT_TRUE(back.kernels[0].launch.gridDependency);
  EXPECT_TRUE(back.kernels[0].launch.stagedInputs);
  EXPECT_EQ(back.kernels[0].spec.stagedInputs, 1);
  EXPECT_FALSE(back.kernels[1].launch.stagedInputs);
  EXPECT_TRUE(back.kernels[0].launch.registerWgmma);
  EXPECT_EQ(back.kernels[0].spec.registerWgmma, 0);
  EXPECT_FALSE(back.kernels[1].launch.registerWgmma);
  EXPECT_EQ(back.kernels[1].spec.registerWgmma, -1);
  EXPECT_EQ(back.kernels[1].cpu, "znver3");
  // The dense layer's arguments: input, weight, bias, output.
  ASSERT_EQ(back.kernels[1].args.size(), 4u);
  EXPECT_EQ(back.kernels[1].args[1].name, "weight");
}

// A gated input (a SwiGLU down projection reading silu(gate) * up): its own
// key, a `gate` argument shaped as the input right after it, written and
// read back, and the tuning entry of the plain layer.
TEST(Manifest, GatedInputSpec) {
  LinearSpec plain;
  plain.config.inFeatures = 11008;
  plain.config.outFeatures = 4096;
  plain.config.vectorLen = 8;
  plain.config.numCentroids = 4096;
  plain.config.packed = true;
  plain.config.fillDerivedDefaults();
  LinearSpec gated = plain;
  gated.gatedInput = true;
  EXPECT_EQ(gated.key(), plain.key() + "-gated");
  EXPECT_EQ(tuningKey(gated), tuningKey(plain));
  std::vector<KernelArg> args = getKernelArguments(gated);
  ASSERT_EQ(args.size(), getKernelArguments(plain).size() + 1);
  EXPECT_EQ(args[1].name, "gate");
  EXPECT_EQ(args[1].dtype, args[0].dtype);
  EXPECT_EQ(args[1].shape, args[0].shape);

  BundleManifest m = oneCubinBundle(gated, args);
  BundleManifest back;
  ASSERT_EQ(parseManifest(writeManifest(m), "test", back), "");
  ASSERT_EQ(back.kernels.size(), 1u);
  EXPECT_TRUE(back.kernels[0].spec.gatedInput);
  EXPECT_EQ(back.kernels[0].spec.key(), gated.key());
}

TEST(Manifest, RejectsOtherVersionsAndGarbage) {
  BundleManifest out;
  EXPECT_NE(parseManifest("{\"format_version\": 2}", "m.json", out)
                .find("m.json: manifest format_version 2 is not supported"),
            std::string::npos);
  EXPECT_NE(parseManifest("not json", "m.json", out)
                .find("m.json: invalid manifest"),
            std::string::npos);
}

// Hardening (found by fuzzing): a cache entry whose spec has a centroid
// count past 2^62 hung the runtime (every later run read the same entry).
TEST(Manifest, HugeCentroidCountIsAnError) {
  std::string spec =
      R"({"in_features": 64, "out_features": 40, "vector_lens": [-1, 8],
          "num_centroids": [-1, 9223372036854775807],
          "num_res_centroids": [-1, -1], "group_num": 1, "group_size": 64})";
  std::string text = R"({"format_version": 1, "compiler": "c", "archs": ["host"], "layers": {},
      "kernels": [{"id": "k0", "arch": "host", "kind": "cpu", "file": "k.so",
                   "symbol": "f", "args": [], "spec": )" +
                     spec + "}]}";
  BundleManifest out;
  std::string err = parseManifest(text, "entry.json", out);
  EXPECT_NE(err.find("entry.json"), std::string::npos) << err;
  EXPECT_NE(err.find("num_centroids must be in [2, 65536]"), std::string::npos)
      << err;
}

// Hardening: integers given as huge floats were converted with undefined
// behaviour.
TEST(Manifest, NonIntegerNumbersAreErrors) {
  std::string text = R"({"format_version": 1, "compiler": "c", "archs": ["host"], "layers": {},
      "kernels": [{"id": "k0", "arch": "host", "kind": "cpu", "file": "k.so",
                   "symbol": "f", "args": [{"name": "x", "dtype": "F16", "shape": [-1, 1e300]}],
                   "op": {"op": "silu_mul", "dtype": "F16", "param_dtype": "F16", "width": 8}}]})";
  BundleManifest out;
  std::string err = parseManifest(text, "m.json", out);
  EXPECT_NE(err.find("'shape' must be an integer, got 1e+300"),
            std::string::npos)
      << err;
  std::string version = R"({"format_version": 1.5e19})";
  err = parseManifest(version, "m.json", out);
  EXPECT_NE(err.find("'format_version' must be an integer"), std::string::npos)
      << err;
}

TEST(Manifest, ArchCompatibility) {
  EXPECT_TRUE(archRunsOn("sm_90a", "sm_90"));
  EXPECT_TRUE(archRunsOn("sm_90", "sm_90a"));
  EXPECT_FALSE(archRunsOn("sm_80", "sm_90"));
  EXPECT_TRUE(archRunsOn("gfx942", "gfx942"));
  EXPECT_FALSE(archRunsOn("gfx90a", "gfx942"));
  EXPECT_TRUE(archRunsOn("host", "host"));
}

TEST(Manifest, OpKernelsRoundTrip) {
  BundleManifest m;
  m.compiler = "vptq-mlir test";
  m.archs = {"sm_90a"};
  BundleKernel k;
  k.id = "k0";
  k.arch = "sm_90a";
  k.kind = "cubin";
  k.file = "sm_90a/k0.cubin";
  k.symbol = "vptq_attention_0";
  OpSpec attention{"attention", ref::DType::BF16, ref::DType::BF16, 4096, 32,
                   8, 128};
  attention.scale = 0.08838834764831845;
  k.op = attention;
  k.args = getKernelArguments(attention);
  k.launch = {"vptq_attention_0", 128, 0, 8, 1, 0, 0, 0, "", ""};
  m.kernels = {k};
  std::string text = writeManifest(m);
  EXPECT_NE(text.find("\"op\": {"), std::string::npos) << text;
  EXPECT_EQ(text.find("\"spec\": {"), std::string::npos) << text;
  BundleManifest back;
  ASSERT_EQ(parseManifest(text, "test", back), "");
  ASSERT_EQ(back.kernels.size(), 1u);
  ASSERT_TRUE(back.kernels[0].op.has_value());
  EXPECT_EQ(back.kernels[0].key(), attention.key());
  EXPECT_EQ(back.kernels[0].op->scale, attention.scale);
  // Caches take any number of rows.
  EXPECT_EQ(back.kernels[0].args[1].shape, (std::vector<int64_t>{kAnySize, 1024}));
  // A broken op entry names the kernel and the problem.
  std::string broken = text;
  broken.replace(broken.find("\"num_kv_heads\": 8"), 17, "\"num_kv_heads\": 5");
  EXPECT_NE(parseManifest(broken, "m.json", back).find(
                "m.json: kernel k0: attention: needs num_heads a multiple of "
                "num_kv_heads"),
            std::string::npos);
}

// rotary_append's spec: query width num_heads x head_dim, keys and values
// num_kv_heads x head_dim wide in the caches' type; a spec whose sizes do
// not fit says so.
TEST(Manifest, RotaryAppendSpec) {
  OpSpec s{"rotary_append", ref::DType::F16, ref::DType::F16, 4096, 32, 8,
           128};
  EXPECT_EQ(s.verify(), "");
  std::vector<KernelArg> args = getKernelArguments(s);
  ASSERT_EQ(args.size(), 7u);
  EXPECT_EQ(args[1].name, "key");
  EXPECT_EQ(args[1].shape.back(), 1024);
  EXPECT_EQ(args[5].name, "key_cache");
  EXPECT_EQ(args[5].shape, (std::vector<int64_t>{kAnySize, 1024}));
  const std::string message =
      "rotary_append: needs positive num_heads and num_kv_heads, an even "
      "positive head_dim and width = num_heads x head_dim";
  OpSpec odd = s;
  odd.headDim = 127;
  EXPECT_EQ(odd.verify(), message);
  OpSpec wide = s;
  wide.width = 4097;
  EXPECT_EQ(wide.verify(), message);
  OpSpec noKV = s;
  noKV.numKVHeads = 0;
  EXPECT_EQ(noKV.verify(), message);
}

// rotary_attention's spec: rotary_append's arguments, then the output; its
// key names the scale, and sizes or a scale that do not fit are refused.
TEST(Manifest, RotaryAttentionSpec) {
  OpSpec s{
      "rotary_attention", ref::DType::BF16, ref::DType::BF16, 4096, 32, 8, 128};
  s.scale = 0.125;
  EXPECT_EQ(s.verify(), "");
  EXPECT_EQ(s.key(), "rotary_attention-w4096-BF16-cacheBF16-h32-kv8-hd128-"
                     "scale0.125");
  std::vector<KernelArg> args = getKernelArguments(s);
  ASSERT_EQ(args.size(), 8u);
  EXPECT_EQ(args[4].name, "inv_freq");
  EXPECT_EQ(args[4].shape, (std::vector<int64_t>{64}));
  EXPECT_EQ(args[6].name, "value_cache");
  EXPECT_EQ(args[6].shape, (std::vector<int64_t>{kAnySize, 1024}));
  EXPECT_EQ(args[7].name, "output");
  EXPECT_EQ(args[7].shape, (std::vector<int64_t>{-1, 4096}));
  const std::string message =
      "rotary_attention: needs num_heads a multiple of num_kv_heads, an even "
      "positive head_dim, width = num_heads x head_dim and a positive scale";
  for (auto change : std::vector<std::function<void(OpSpec &)>>{
           [](OpSpec &o) { o.headDim = 127; },
           [](OpSpec &o) { o.numKVHeads = 5; },
           [](OpSpec &o) { o.width = 4097; }, [](OpSpec &o) { o.scale = 0; }}) {
    OpSpec bad = s;
    change(bad);
    EXPECT_EQ(bad.verify(), message);
  }
}

// A sharded decode kernel: the spec's shard count and the launch's cluster
// size round-trip, the derived arguments sit before the bias, and a spec
// that leaves the shards to the compiler accepts the kernel's extra
// arguments while a spec that fixes them does not.
TEST(Manifest, ShardedKernels) {
  LinearSpec spec;
  spec.config.inFeatures = 4096;
  spec.config.outFeatures = 4096;
  spec.config.vectorLen = 8;
  spec.config.numCentroids = 65536;
  spec.config.packed = true;
  spec.config.bias = true;
  spec.config.fillDerivedDefaults();
  LinearSpec sharded = spec;
  sharded.codebookShards = 8;
  EXPECT_EQ(spec.key().find("-cs"), std::string::npos);
  EXPECT_NE(sharded.key().find("-cs8"), std::string::npos);
  std::vector<KernelArg> args = getKernelArguments(sharded);
  ASSERT_EQ(args.size(), 7u);
  EXPECT_EQ(args[3].name, "shard_entries");
  EXPECT_EQ(args[3].shape, std::vector<int64_t>{kAnySize});
  EXPECT_EQ(args[4].name, "shard_offsets");
  EXPECT_EQ(args[4].shape, (std::vector<int64_t>{8, 513}));
  EXPECT_EQ(args[5].name, "bias");
  EXPECT_TRUE(isDerivedKernelArg("shard_entries"));
  EXPECT_FALSE(isDerivedKernelArg("indices"));

  EXPECT_TRUE(kernelArgsFit(spec, args));
  EXPECT_TRUE(kernelArgsFit(spec, getKernelArguments(spec)));
  EXPECT_TRUE(kernelArgsFit(sharded, args));
  LinearSpec unsharded = spec;
  unsharded.codebookShards = 0;
  EXPECT_FALSE(kernelArgsFit(unsharded, args));
  EXPECT_FALSE(kernelArgsFit(sharded, getKernelArguments(spec)));

  BundleManifest m = oneCubinBundle(sharded, args);
  BundleKernel &k = m.kernels[0];
  k.launch.kernelName = "vptq_matmul_0";
  k.launch.blockSize = 1024;
  k.launch.gridX = 120;
  k.launch.clusterSize = 8;
  k.launch.centroidsPlacement = "sharded";
  BundleManifest back;
  ASSERT_EQ(parseManifest(writeManifest(m), "test", back), "");
  ASSERT_EQ(back.kernels.size(), 1u);
  EXPECT_EQ(back.kernels[0].spec.codebookShards, 8);
  EXPECT_EQ(back.kernels[0].spec.key(), sharded.key());
  EXPECT_EQ(back.kernels[0].launch.clusterSize, 8);
  EXPECT_EQ(back.kernels[0].launch.centroidsPlacement, "sharded");
  EXPECT_EQ(back.kernels[0].args[3].shape, std::vector<int64_t>{kAnySize});
}
