//===- TokenizerFuzzer.cpp - tokenizer.json and tokenizer_config.json -----===//
//
// The input is tokenizer.json, a NUL, then tokenizer_config.json. Accepted
// tokenizers encode and decode text and decode every id.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"
#include "vptq/runtime/Tokenizer.h"

using namespace vptq::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto [tokenizerJson, configJson] = vptq::fuzz::splitAtNul(data, size);
  auto tok = Tokenizer::parse(tokenizerJson, configJson, "tokenizer.json");
  if (!tok)
    return 0;
  for (bool special : {false, true}) {
    std::vector<int32_t> ids = (*tok)->encode(
        "Once upon a time, <s> caf\xc3\xa9 \xf0\x9f\x98\x80 42!\n\n",
        special);
    (void)(*tok)->decode(ids);
  }
  (void)(*tok)->formatChat({{"system", "Be brief."}, {"user", "Hi"}});
  std::vector<int32_t> all;
  for (int64_t i = -2; i < (*tok)->vocabSize() + 2 && i < 4096; ++i)
    all.push_back(int32_t(i));
  (void)(*tok)->decode(all);
  (void)(*tok)->decode(all, /*skipSpecial=*/false);
  return 0;
}
