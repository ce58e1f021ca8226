//===- OpKernelTest.cpp - Transformer-op kernels vs the reference ---------===//
//
// Every transformer op compiled for the CPU through the runtime (the same
// kernels the model runs), on fresh random inputs, every output element
// compared with vptq/Reference/Transformer.h. VPTQ_TEST_DEVICE=cuda (or hip)
// runs the same checks on that device's kernels.
//
//===----------------------------------------------------------------------===//

#include "TestUtil.h"
#include "vptq/Reference/Transformer.h"
#include "vptq/runtime/VPTQ.h"

#include <array>
#include <chrono>
#include <cmath>
#include <random>

using namespace vptq;
using namespace vptq::runtime;
using test::TempDir;

namespace {

uint64_t freshSeed() {
  return uint64_t(std::chrono::steady_clock::now().time_since_epoch().count());
}

/// Unit roundoff of a float dtype.
double unitRoundoff(DType d) {
  return d == DType::F32   ? std::ldexp(1.0, -24)
         : d == DType::F16 ? std::ldexp(1.0, -11)
                           : std::ldexp(1.0, -8);
}

class OpKernels : public testing::TestWithParam<DType> {
protected:
  void SetUp() override {
    RuntimeOptions o;
    o.cacheDir = cache.path();
    if (const char *device = std::getenv("VPTQ_TEST_DEVICE"))
      ASSERT_TRUE(parseDeviceKind(device, o.device))
          << "VPTQ_TEST_DEVICE: unknown device '" << device << "'";
    auto created = Runtime::create(o);
    ASSERT_TRUE(created.ok()) << created.message();
    rt = *created;
    seed = freshSeed();
  }

  std::vector<float> random(int64_t n, DType d, float lo = -1, float hi = 1) {
    return ref::randomFloats(n, seed++, lo, hi, d);
  }
  Tensor upload(const std::vector<float> &v, std::vector<int64_t> shape,
                DType d) {
    auto t = rt->upload(ref::encodeFloats(v, std::move(shape), d));
    EXPECT_TRUE(t.ok()) << t.message();
    return t.ok() ? *t : Tensor();
  }
  Tensor uploadInts(const std::vector<int32_t> &v) {
    ref::HostTensor h(DType::I32, {int64_t(v.size())});
    std::memcpy(h.data.data(), v.data(), v.size() * 4);
    auto t = rt->upload(h);
    EXPECT_TRUE(t.ok()) << t.message();
    return t.ok() ? *t : Tensor();
  }
  std::vector<float> download(const Tensor &t) {
    auto h = rt->download(t);
    EXPECT_TRUE(h.ok()) << h.message();
    std::vector<float> v(h->numElements());
    for (size_t i = 0; i < v.size(); ++i)
      v[i] = h->floatAt(int64_t(i));
    return v;
  }
  void run(const OpSpec &spec, std::vector<const Tensor *> args) {
    auto k = rt->getKernel(spec);
    ASSERT_TRUE(k.ok()) << k.message();
    Status s = (*k)->run(args);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  /// |got - want| <= 4 u(dtype) |want| + absTol, for every element.
  void expectClose(const std::vector<float> &got,
                   const std::vector<float> &want, DType d, double absTol,
                   const char *what) {
    ASSERT_EQ(got.size(), want.size());
    int failures = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      double tol = 4 * unitRoundoff(d) * std::fabs(want[i]) + absTol;
      if (!(std::fabs(double(got[i]) - want[i]) <= tol) && failures++ < 5)
        ADD_FAILURE() << what << " element " << i << ": got " << got[i]
                      << ", want " << want[i] << " (tolerance " << tol << ")";
    }
    EXPECT_EQ(failures, 0) << what << ": " << failures << " of " << got.size()
                           << " elements differ";
  }

  TempDir cache{"opcache"};
  std::shared_ptr<Runtime> rt;
  uint64_t seed = 0;
};

TEST_P(OpKernels, RMSNorm) {
  DType d = GetParam();
  const int64_t rows = 5, width = 72;
  OpSpec spec{"rms_norm", d, d, width};
  spec.epsilon = 1e-5;
  auto x = random(rows * width, d), w = random(width, d, 0.5, 1.5);
  Tensor tx = upload(x, {rows, width}, d), tw = upload(w, {width}, d);
  Tensor ty = *rt->allocate(d, {rows, width});
  run(spec, {&tx, &tw, &ty});
  expectClose(download(ty), ref::rmsNorm(x, w, width, 1e-5), d, 1e-5,
              "rms_norm");
  // In place, as the model runs it.
  run(spec, {&tx, &tw, &tx});
  expectClose(download(tx), ref::rmsNorm(x, w, width, 1e-5), d, 1e-5,
              "rms_norm in place");
}

// x += delta, then y = rms_norm(x): the sum is stored rounded to the
// activation type and normalized as stored. Widths with 16-byte, 8-byte
// and single-element steps.
TEST_P(OpKernels, AddRMSNorm) {
  DType d = GetParam();
  for (int64_t width : {72, 36, 37}) {
    const int64_t rows = 4;
    OpSpec spec{"add_rms_norm", d, d, width};
    spec.epsilon = 1e-6;
    auto x = random(rows * width, d), delta = random(rows * width, d);
    auto w = random(width, d, 0.5, 1.5);
    Tensor tx = upload(x, {rows, width}, d);
    Tensor td = upload(delta, {rows, width}, d), tw = upload(w, {width}, d);
    Tensor ty = *rt->allocate(d, {rows, width});
    run(spec, {&tx, &td, &tw, &ty});
    std::vector<float> sum(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      sum[i] = x[i] + delta[i];
    ref::HostTensor stored = ref::encodeFloats(sum, {rows, width}, d);
    for (size_t i = 0; i < sum.size(); ++i)
      sum[i] = stored.floatAt(int64_t(i));
    std::string what = "add_rms_norm width " + std::to_string(width);
    expectClose(download(tx), sum, d, 0, (what + " residual").c_str());
    expectClose(download(ty), ref::rmsNorm(sum, w, width, 1e-6), d, 1e-5,
                (what + " output").c_str());
    // The model's form: the block output's buffer receives the norm.
    tx = upload(x, {rows, width}, d);
    run(spec, {&tx, &td, &tw, &td});
    expectClose(download(td), ref::rmsNorm(sum, w, width, 1e-6), d, 1e-5,
                (what + " into delta").c_str());
  }
}

TEST_P(OpKernels, Rotary) {
  DType d = GetParam();
  const int64_t rows = 4, headDim = 16, width = 3 * headDim;
  OpSpec spec{"rotary", d, d, width};
  spec.headDim = headDim;
  auto x = random(rows * width, d);
  std::vector<int32_t> pos = {0, 7, 300, 4095};
  std::vector<float> inv = ref::ropeInverseFrequencies(headDim, 10000.0);
  Tensor tx = upload(x, {rows, width}, d), tp = uploadInts(pos);
  Tensor tinv = upload(inv, {headDim / 2}, DType::F32);
  run(spec, {&tx, &tp, &tinv, &tx});
  // Angles up to 4095 rad lose ~1e-4 in f32 range reduction.
  expectClose(download(tx), ref::rotary(x, pos, inv, width, headDim), d, 5e-4,
              "rotary");
}

// q rotated in place, k rotated into key_cache[positions[t]], v copied into
// value_cache[positions[t]]: the rest of both caches and the key rows stay
// as they were. Key widths with 2-pair rotary and 16-byte copy steps
// (head_dim 16) and with single pairs and 4-byte copies (head_dim 6).
TEST_P(OpKernels, RotaryAppend) {
  DType d = GetParam();
  for (int64_t headDim : {16, 6}) {
    const int64_t heads = 4, kvHeads = 2, cacheRows = 320;
    const int64_t width = heads * headDim, kvWidth = kvHeads * headDim;
    OpSpec spec{"rotary_append", d, d, width, heads, kvHeads, headDim};
    std::vector<int32_t> pos = {5, 0, 300, 319};
    const int64_t rows = int64_t(pos.size());
    auto q = random(rows * width, d), k = random(rows * kvWidth, d);
    auto v = random(rows * kvWidth, d);
    auto kc = random(cacheRows * kvWidth, d),
         vc = random(cacheRows * kvWidth, d);
    std::vector<float> inv = ref::ropeInverseFrequencies(headDim, 10000.0);
    Tensor tq = upload(q, {rows, width}, d), tk = upload(k, {rows, kvWidth}, d);
    Tensor tv = upload(v, {rows, kvWidth}, d), tp = uploadInts(pos);
    Tensor tinv = upload(inv, {headDim / 2}, DType::F32);
    Tensor tkc = upload(kc, {cacheRows, kvWidth}, d);
    Tensor tvc = upload(vc, {cacheRows, kvWidth}, d);
    run(spec, {&tq, &tk, &tv, &tp, &tinv, &tkc, &tvc});
    ref::appendRotatedRows(k, v, pos, inv, kvWidth, headDim, kc, vc);
    std::string what = "rotary_append head_dim " + std::to_string(headDim);
    // Angles up to 319 rad lose ~1e-5 in f32 range reduction.
    expectClose(download(tq), ref::rotary(q, pos, inv, width, headDim), d, 5e-5,
                (what + " query").c_str());
    expectClose(download(tkc), kc, d, 5e-5, (what + " key cache").c_str());
    expectClose(download(tvc), vc, d, 0, (what + " value cache").c_str());
    expectClose(download(tk), k, d, 0, (what + " key").c_str());
  }
}

TEST_P(OpKernels, Attention) {
  DType d = GetParam();
  for (int64_t headDim : {8, 64}) {
    const int64_t heads = 6, kvHeads = 2, cacheRows = 40;
    const int64_t width = heads * headDim, kvWidth = kvHeads * headDim;
    OpSpec spec{"attention", d, d, width, heads, kvHeads, headDim};
    spec.scale = 1.0 / std::sqrt(double(headDim));
    std::vector<int32_t> pos = {0, 1, 17, 39};
    auto q = random(int64_t(pos.size()) * width, d, -2, 2);
    auto kc = random(cacheRows * kvWidth, d, -2, 2);
    auto vc = random(cacheRows * kvWidth, d);
    Tensor tq = upload(q, {int64_t(pos.size()), width}, d);
    Tensor tk = upload(kc, {cacheRows, kvWidth}, d);
    Tensor tv = upload(vc, {cacheRows, kvWidth}, d);
    Tensor tp = uploadInts(pos);
    Tensor to = *rt->allocate(d, {int64_t(pos.size()), width});
    run(spec, {&tq, &tk, &tv, &tp, &to});
    expectClose(
        download(to),
        ref::attention(q, kc, vc, pos, heads, kvHeads, headDim, spec.scale), d,
        2e-5, headDim == 8 ? "attention hd8" : "attention hd64");
  }
}

// rotary_append then attention in one kernel. Positions are chosen so that
// rows attend to each other's appends (a GPU block must see the other rows'
// new keys): the query and caches as rotary_append leaves them, the output
// as attention computes it from them, and bit for bit what the two kernels
// give. Head dims with 2-pair and single-pair rotary steps.
TEST_P(OpKernels, RotaryAttention) {
  DType d = GetParam();
  for (int64_t headDim : {16, 6}) {
    const int64_t heads = 4, kvHeads = 2, cacheRows = 24;
    const int64_t width = heads * headDim, kvWidth = kvHeads * headDim;
    OpSpec spec{"rotary_attention", d, d, width, heads, kvHeads, headDim};
    spec.scale = 1.0 / std::sqrt(double(headDim));
    std::vector<int32_t> pos = {5, 3, 23, 0};
    const int64_t rows = int64_t(pos.size());
    auto q = random(rows * width, d, -2, 2), k = random(rows * kvWidth, d);
    auto v = random(rows * kvWidth, d);
    auto kc = random(cacheRows * kvWidth, d, -2, 2),
         vc = random(cacheRows * kvWidth, d);
    std::vector<float> inv = ref::ropeInverseFrequencies(headDim, 10000.0);
    Tensor tk = upload(k, {rows, kvWidth}, d),
           tv = upload(v, {rows, kvWidth}, d);
    Tensor tp = uploadInts(pos);
    Tensor tinv = upload(inv, {headDim / 2}, DType::F32);
    auto state = [&] {
      return std::array<Tensor, 3>{upload(q, {rows, width}, d),
                                   upload(kc, {cacheRows, kvWidth}, d),
                                   upload(vc, {cacheRows, kvWidth}, d)};
    };
    auto [tq, tkc, tvc] = state();
    Tensor to = *rt->allocate(d, {rows, width});
    run(spec, {&tq, &tk, &tv, &tp, &tinv, &tkc, &tvc, &to});

    std::string what = "rotary_attention head_dim " + std::to_string(headDim);
    std::vector<float> wantK = kc, wantV = vc;
    ref::appendRotatedRows(k, v, pos, inv, kvWidth, headDim, wantK, wantV);
    std::vector<float> gotQ = download(tq), gotK = download(tkc),
                       gotV = download(tvc), got = download(to);
    expectClose(gotQ, ref::rotary(q, pos, inv, width, headDim), d, 5e-5,
                (what + " query").c_str());
    expectClose(gotK, wantK, d, 5e-5, (what + " key cache").c_str());
    expectClose(gotV, wantV, d, 0, (what + " value cache").c_str());
    expectClose(got,
                ref::attention(gotQ, gotK, gotV, pos, heads, kvHeads, headDim,
                               spec.scale),
                d, 2e-5, (what + " output").c_str());

    // The unfused kernels on the same inputs.
    auto [uq, ukc, uvc] = state();
    Tensor uo = *rt->allocate(d, {rows, width});
    OpSpec append{"rotary_append", d, d, width, heads, kvHeads, headDim};
    OpSpec attention = spec;
    attention.op = "attention";
    run(append, {&uq, &tk, &tv, &tp, &tinv, &ukc, &uvc});
    run(attention, {&uq, &ukc, &uvc, &tp, &uo});
    expectClose(got, download(uo), d, 0, (what + " vs unfused").c_str());
    expectClose(gotK, download(ukc), d, 0,
                (what + " key cache vs unfused").c_str());
  }
}

TEST_P(OpKernels, SiluMulAndAdd) {
  DType d = GetParam();
  const int64_t rows = 3, width = 300;
  auto g = random(rows * width, d, -6, 6), u = random(rows * width, d);
  Tensor tg = upload(g, {rows, width}, d), tu = upload(u, {rows, width}, d);
  Tensor ty = *rt->allocate(d, {rows, width});
  run({"silu_mul", d, d, width}, {&tg, &tu, &ty});
  expectClose(download(ty), ref::siluMul(g, u), d, 1e-6, "silu_mul");
  run({"add", d, d, width}, {&tg, &tu, &tg});
  std::vector<float> sum(g.size());
  for (size_t i = 0; i < g.size(); ++i)
    sum[i] = g[i] + u[i];
  expectClose(download(tg), sum, d, 0, "add");
}

TEST_P(OpKernels, GatherAndScatterRows) {
  DType d = GetParam();
  const int64_t tableRows = 50, width = 24;
  // A table in f32 read into activations of `d` (embedding lookup), then
  // rows scattered into a cache of `d`.
  auto table = random(tableRows * width, DType::F32);
  std::vector<int32_t> ids = {3, 49, 0, 3};
  Tensor tt = upload(table, {tableRows, width}, DType::F32);
  Tensor ti = uploadInts(ids);
  Tensor tx = *rt->allocate(d, {4, width});
  run({"gather_rows", d, DType::F32, width}, {&tt, &ti, &tx});
  std::vector<float> want;
  for (int32_t id : ids)
    for (int64_t i = 0; i < width; ++i)
      want.push_back(table[id * width + i]);
  expectClose(download(tx), want, d, 0, "gather_rows");

  Tensor cache = *rt->allocate(d, {tableRows, width});
  ASSERT_TRUE(rt->fill(cache, 0).ok());
  std::vector<int32_t> at = {10, 11, 12, 40};
  Tensor ta = uploadInts(at);
  run({"scatter_rows", d, d, width}, {&tx, &ta, &cache});
  std::vector<float> got = download(cache), xs = download(tx);
  for (int64_t r = 0; r < tableRows; ++r)
    for (int64_t i = 0; i < width; ++i) {
      auto it = std::find(at.begin(), at.end(), int32_t(r));
      float expect = it == at.end() ? 0.0f : xs[(it - at.begin()) * width + i];
      ASSERT_EQ(got[r * width + i], expect) << "cache row " << r;
    }
}

INSTANTIATE_TEST_SUITE_P(DTypes, OpKernels,
                         testing::Values(DType::F32, DType::F16, DType::BF16),
                         [](const auto &info) {
                           return std::string(ref::dtypeName(info.param));
                         });

// An op kernel compiled once is loaded from the cache by the next runtime.
TEST(OpKernelCache, LoadsCompiledOpKernels) {
  TempDir cache("opcache");
  OpSpec spec{"silu_mul", DType::F16, DType::F16, 96};
  {
    RuntimeOptions o;
    o.cacheDir = cache.path();
    auto rt = Runtime::create(o);
    ASSERT_TRUE(rt.ok());
    auto k = (*rt)->getKernel(spec);
    ASSERT_TRUE(k.ok()) << k.message();
    EXPECT_EQ((*k)->origin(), KernelOrigin::Compiled);
  }
  RuntimeOptions o;
  o.cacheDir = cache.path();
  o.jit = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  auto k = (*rt)->getKernel(spec);
  ASSERT_TRUE(k.ok()) << k.message();
  EXPECT_EQ((*k)->origin(), KernelOrigin::Cache);
  ASSERT_TRUE((*k)->opSpec().has_value());
  EXPECT_EQ((*k)->key(), spec.key());
}

TEST(OpKernelErrors, InvalidSpecsAreReported) {
  RuntimeOptions o;
  o.diskCache = false;
  auto rt = Runtime::create(o);
  ASSERT_TRUE(rt.ok());
  auto k = (*rt)->getKernel(OpSpec{"softmax", DType::F16, DType::F16, 64});
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.message().find("unknown op 'softmax'"), std::string::npos)
      << k.message();
  OpSpec attention{"attention", DType::F16, DType::F16, 64, 8, 3, 8};
  attention.scale = 0.5;
  k = (*rt)->getKernel(attention);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.message().find("num_heads a multiple of num_kv_heads"),
            std::string::npos)
      << k.message();
  k = (*rt)->getKernel(OpSpec{"add_rms_norm", DType::F16, DType::F16, 64});
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.message().find("add_rms_norm: epsilon must be positive"),
            std::string::npos)
      << k.message();
}

} // namespace
