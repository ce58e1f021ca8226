//===- main.cpp - Embedding the vptq runtime: greedy generation -----------===//
//
// Loads a Hugging Face model folder (VPTQ-quantized or not) and its
// tokenizer, and continues a prompt greedily: the shortest complete
// generation program over the runtime's public API. docs/Runtime.md shows
// its core; the test command builds it against the install tree and checks
// that it generates what vptq-run does.
//
//   vptq-generate MODEL_DIR "PROMPT" [MAX_NEW_TOKENS]
//
//===----------------------------------------------------------------------===//

#include "vptq/runtime/VPTQ.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

using namespace vptq::runtime;

static int fail(const std::string &message) {
  std::cerr << "vptq-generate: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3)
    return fail("usage: vptq-generate MODEL_DIR PROMPT [MAX_NEW_TOKENS]");
  std::string dir = argv[1], prompt = argv[2];
  int maxNewTokens = argc > 3 ? std::atoi(argv[3]) : 32;

  auto runtime = Runtime::create(RuntimeOptions()); // the CPU; JIT + cache
  if (!runtime)
    return fail(runtime.message());
  auto model = Model::load(*runtime, dir);
  if (!model)
    return fail(model.message());
  auto tokenizer = Tokenizer::load(dir);
  if (!tokenizer)
    return fail(tokenizer.message());

  std::vector<int32_t> tokens;
  if ((*tokenizer)->addBos() && (*tokenizer)->bos() >= 0)
    tokens.push_back((*tokenizer)->bos());
  for (int32_t id : (*tokenizer)->encode(prompt))
    tokens.push_back(id);

  // The prompt at positions 0.., then one token a step after it.
  auto logits = (*model)->forward(tokens, 0);
  std::vector<int32_t> generated;
  const auto &stop = (*tokenizer)->stopTokens();
  for (int i = 0; i < maxNewTokens && logits; ++i) {
    int32_t next = int32_t(std::max_element(logits->begin(), logits->end()) -
                           logits->begin());
    if (std::find(stop.begin(), stop.end(), next) != stop.end())
      break;
    generated.push_back(next);
    logits = (*model)->forward({next}, int64_t(tokens.size()));
    tokens.push_back(next);
  }
  if (!logits)
    return fail(logits.message());
  std::cout << prompt << (*tokenizer)->decode(generated) << "\n";
  return 0;
}
