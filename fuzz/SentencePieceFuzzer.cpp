//===- SentencePieceFuzzer.cpp - tokenizer.model files --------------------===//
//
// A model folder holding only the input as tokenizer.model (read through
// libsentencepiece). Accepted tokenizers encode and decode text.
//
//===----------------------------------------------------------------------===//

#include "vptq/runtime/Tokenizer.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace vptq::runtime;
namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() /
                 ("vptq-fuzz-spm-" + std::to_string(getpid()));
    fs::create_directories(d);
    return d;
  }();
  {
    std::ofstream out(dir / "tokenizer.model", std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(data), std::streamsize(size));
  }
  auto tok = Tokenizer::load(dir.string());
  if (!tok)
    return 0;
  std::vector<int32_t> ids = (*tok)->encode("Once upon a time, caf\xc3\xa9");
  (void)(*tok)->decode(ids);
  std::vector<int32_t> all;
  for (int64_t i = -2; i < (*tok)->vocabSize() + 2 && i < 4096; ++i)
    all.push_back(int32_t(i));
  (void)(*tok)->decode(all);
  return 0;
}
