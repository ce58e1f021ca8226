//===- Llama2cFuzzer.cpp - llama2.c checkpoint headers and tokenizers -----===//
//
// The input is read both as a checkpoint (its header checked against its
// size) and as a tokenizer.bin.
//
//===----------------------------------------------------------------------===//

#include "Llama2c.h"

using namespace vptq::llama2c;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Header h;
  if (readHeader(data, size, "model.bin", h).empty()) {
    // An accepted header describes exactly the file's floats.
    if (h.vocab() <= 0 || h.headDim() <= 0 || h.headDim() % 2)
      __builtin_trap();
  }
  std::vector<Token> tokens;
  (void)readTokenizer(data, size, "tokenizer.bin", tokens);
  return 0;
}
