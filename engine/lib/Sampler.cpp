//===- Sampler.cpp - Choosing the next token from logits ------------------===//

#include "vptq/engine/Sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

using namespace vptq;
using namespace vptq::engine;
using runtime::Result;
using runtime::Status;

namespace {

struct Candidate {
  double weight;
  int32_t id;
};

/// More likely first; equal weights by id, so that results do not depend
/// on the order a partial sort leaves them in.
bool moreLikely(const Candidate &a, const Candidate &b) {
  return a.weight > b.weight || (a.weight == b.weight && a.id < b.id);
}

} // namespace

std::string SamplingParams::verify() const {
  if (!(temperature >= 0) || !std::isfinite(temperature))
    return "temperature must be a finite number >= 0, got " +
           std::to_string(temperature);
  if (topK < 0)
    return "top_k must be >= 0 (0 keeps every token), got " +
           std::to_string(topK);
  if (!(topP > 0 && topP <= 1))
    return "top_p must be in (0, 1], got " + std::to_string(topP);
  if (!(minP >= 0 && minP <= 1))
    return "min_p must be in [0, 1], got " + std::to_string(minP);
  return {};
}

Result<int32_t> vptq::engine::sampleToken(const float *logits, size_t count,
                                          const SamplingParams &params,
                                          std::mt19937_64 &rng) {
  if (std::string err = params.verify(); !err.empty())
    return Status::error("sampling: " + err);
  if (count == 0)
    return Status::error("sampling: no logits");
  if (count > size_t(std::numeric_limits<int32_t>::max()))
    return Status::error("sampling: " + std::to_string(count) +
                         " logits exceed the largest token id");
  size_t nans = 0, firstNan = 0, best = 0;
  for (size_t i = 0; i < count; ++i) {
    if (std::isnan(logits[i])) {
      if (nans++ == 0)
        firstNan = i;
      continue;
    }
    if (std::isnan(logits[best]) || logits[i] > logits[best])
      best = i;
  }
  if (nans)
    return Status::error(
        "sampling: " + std::to_string(nans) + " of " + std::to_string(count) +
        " logits are NaN (the first at token " + std::to_string(firstNan) +
        "): the model's output is invalid");
  float top = logits[best];
  if (params.temperature == 0 || top == std::numeric_limits<float>::infinity())
    return int32_t(best);
  if (top == -std::numeric_limits<float>::infinity())
    return Status::error("sampling: every logit is -infinity");

  // Weights relative to the most likely token (which has weight 1), so
  // min_p is a plain threshold.
  std::vector<Candidate> kept;
  for (size_t i = 0; i < count; ++i) {
    double w = std::exp((double(logits[i]) - double(top)) / params.temperature);
    if (w > 0 && w >= params.minP)
      kept.push_back({w, int32_t(i)});
  }
  if (params.topK > 0 && size_t(params.topK) < kept.size()) {
    std::nth_element(kept.begin(), kept.begin() + params.topK, kept.end(),
                     moreLikely);
    kept.resize(size_t(params.topK));
  }
  if (params.topP < 1) {
    double total = 0;
    for (const Candidate &c : kept)
      total += c.weight;
    double wanted = params.topP * total;
    // Sort only as many of the most likely as the nucleus needs: a few
    // dozen of a 128k vocabulary at usual temperatures.
    size_t sorted = std::min<size_t>(kept.size(), 64);
    while (true) {
      std::partial_sort(kept.begin(), kept.begin() + sorted, kept.end(),
                        moreLikely);
      double mass = 0;
      size_t n = 0;
      while (n < sorted && mass < wanted)
        mass += kept[n++].weight;
      if (mass >= wanted || sorted == kept.size()) {
        kept.resize(std::max<size_t>(n, 1));
        break;
      }
      sorted = std::min(kept.size(), sorted * 4);
    }
  }
  double mass = 0;
  for (const Candidate &c : kept)
    mass += c.weight;
  std::uniform_real_distribution<double> uniform(0.0, mass);
  double r = uniform(rng);
  for (const Candidate &c : kept) {
    r -= c.weight;
    if (r <= 0)
      return c.id;
  }
  return kept.back().id;
}
