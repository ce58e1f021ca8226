//===- SamplerTest.cpp - Token sampling against a full-sort reference -----===//

#include "vptq/engine/Sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

using namespace vptq::engine;

namespace {

/// The tokens a sampler may return and their probabilities, computed the
/// plain way: softmax, min-p, then top-k and top-p on a full sort.
std::map<int32_t, double> referenceDistribution(const std::vector<float> &l,
                                                const SamplingParams &p) {
  float top = *std::max_element(l.begin(), l.end());
  std::vector<std::pair<double, int32_t>> w;
  for (size_t i = 0; i < l.size(); ++i) {
    double x = std::exp((double(l[i]) - top) / p.temperature);
    if (x > 0 && x >= p.minP)
      w.push_back({x, int32_t(i)});
  }
  std::sort(w.begin(), w.end(), [](auto &a, auto &b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  if (p.topK > 0 && size_t(p.topK) < w.size())
    w.resize(size_t(p.topK));
  double total = 0;
  for (auto &e : w)
    total += e.first;
  size_t n = 0;
  double mass = 0;
  while (n < w.size() && mass < p.topP * total)
    mass += w[n++].first;
  w.resize(std::max<size_t>(n, 1));
  std::map<int32_t, double> out;
  double kept = 0;
  for (auto &e : w)
    kept += e.first;
  for (auto &e : w)
    out[e.second] = e.first / kept;
  return out;
}

TEST(Sampler, GreedyTakesTheFirstLargest) {
  std::mt19937_64 rng(1);
  std::vector<float> l = {0.5f, 3.0f, -1.0f, 3.0f};
  auto t = sampleToken(l.data(), l.size(), SamplingParams(), rng);
  ASSERT_TRUE(t.ok()) << t.message();
  EXPECT_EQ(*t, 1);
}

TEST(Sampler, MatchesTheFullSortReference) {
  std::mt19937_64 logitRng(7);
  std::normal_distribution<float> normal(0.f, 3.f);
  struct Case {
    double temperature, topP, minP;
    int64_t topK;
  };
  for (const Case &c : {Case{1.0, 1.0, 0.0, 0}, Case{0.7, 0.9, 0.0, 0},
                        Case{1.0, 1.0, 0.0, 5}, Case{1.3, 0.5, 0.05, 40},
                        Case{2.0, 1.0, 0.2, 0}, Case{1.0, 0.0001, 0.0, 0}}) {
    // 300 tokens: more than the sampler's first partial sort of 64.
    std::vector<float> l(300);
    for (float &x : l)
      x = normal(logitRng) * 0.3f;
    SamplingParams p;
    p.temperature = c.temperature;
    p.topP = c.topP == 0 ? 1e-9 : c.topP;
    p.topK = c.topK;
    p.minP = c.minP;
    std::map<int32_t, double> want = referenceDistribution(l, p);
    std::map<int32_t, int> got;
    std::mt19937_64 rng(42);
    const int draws = 40000;
    for (int i = 0; i < draws; ++i) {
      auto t = sampleToken(l.data(), l.size(), p, rng);
      ASSERT_TRUE(t.ok()) << t.message();
      ASSERT_TRUE(want.count(*t))
          << "token " << *t << " is outside the kept set (T=" << c.temperature
          << " top_p=" << c.topP << " top_k=" << c.topK << ")";
      ++got[*t];
    }
    for (const auto &[id, prob] : want)
      EXPECT_NEAR(double(got[id]) / draws, prob, 0.015)
          << "token " << id << " T=" << c.temperature << " top_p=" << c.topP;
  }
}

// Hardening (found by fuzzing): NaN logits made the nucleus empty and the
// sampler read before its array.
TEST(Sampler, NaNLogitsAreAnError) {
  std::mt19937_64 rng(1);
  float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> l = {0.f, nan, 1.f, nan};
  for (double temperature : {0.0, 0.8}) {
    SamplingParams p;
    p.temperature = temperature;
    p.topP = 0.9;
    auto t = sampleToken(l.data(), l.size(), p, rng);
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.message(), "sampling: 2 of 4 logits are NaN (the first at "
                           "token 1): the model's output is invalid");
  }
  std::vector<float> allNaN(5, nan);
  EXPECT_FALSE(sampleToken(allNaN.data(), allNaN.size(), {}, rng).ok());
}

TEST(Sampler, EdgeCases) {
  std::mt19937_64 rng(1);
  float inf = std::numeric_limits<float>::infinity();
  SamplingParams warm;
  warm.temperature = 1;
  std::vector<float> withInf = {0.f, inf, 2.f};
  EXPECT_EQ(*sampleToken(withInf.data(), 3, warm, rng), 1);
  std::vector<float> allNegInf(3, -inf);
  auto none = sampleToken(allNegInf.data(), 3, warm, rng);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.message(), "sampling: every logit is -infinity");
  EXPECT_EQ(sampleToken(nullptr, 0, warm, rng).message(),
            "sampling: no logits");
  SamplingParams bad;
  bad.topP = 1.5;
  EXPECT_EQ(sampleToken(withInf.data(), 3, bad, rng).message(),
            "sampling: top_p must be in (0, 1], got 1.500000");
  bad = SamplingParams();
  bad.temperature = -1;
  EXPECT_NE(sampleToken(withInf.data(), 3, bad, rng).message().find(
                "temperature must be a finite number >= 0"),
            std::string::npos);
}

} // namespace
