//===- Sampler.h - Choosing the next token from logits ----------*- C++ -*-===//
//
// The engine owns what happens between a model's logits and the text a user
// sees: sampling today, the batched scheduler and KV pages as they come. It
// depends on the runtime (Status, Result), never the other way round. The
// sampler is the one component vptq-run, the serving engine and the Python
// package use to pick tokens: greedy, temperature, top-k, top-p (nucleus)
// and min-p, without sorting the whole vocabulary.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ENGINE_SAMPLER_H
#define VPTQ_ENGINE_SAMPLER_H

#include "vptq/runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <random>

namespace vptq::engine {

/// How the next token is chosen.
struct SamplingParams {
  /// 0: greedy (the largest logit; the lowest id among equal ones).
  double temperature = 0;
  /// Keep the k most likely tokens; 0 keeps all.
  int64_t topK = 0;
  /// Keep the most likely tokens whose probabilities sum to at least top_p.
  double topP = 1;
  /// Drop tokens less likely than min_p times the most likely one.
  double minP = 0;

  /// "" or a message naming the first parameter out of range.
  std::string verify() const;
};

/// Picks a token from `count` logits. NaN logits are an error (the model
/// computed garbage, and any choice would be silently wrong), as are no
/// logits at all; +-infinity are ordinary values.
runtime::Result<int32_t> sampleToken(const float *logits, size_t count,
                                     const SamplingParams &params,
                                     std::mt19937_64 &rng);

} // namespace vptq::engine

#endif // VPTQ_ENGINE_SAMPLER_H
