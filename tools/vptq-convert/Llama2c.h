//===- Llama2c.h - llama2.c checkpoint and tokenizer files ------*- C++ -*-===//
//
// Validation of llama2.c's legacy files before anything is read or
// allocated from them: the model header against the file's size, the
// tokenizer's records against its bytes. vptq-convert and its fuzzer use
// these; errors name the file and the field.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_TOOLS_VPTQCONVERT_LLAMA2C_H
#define VPTQ_TOOLS_VPTQCONVERT_LLAMA2C_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vptq::llama2c {

/// The 7 x int32 header of a legacy llama2.c checkpoint.
struct Header {
  int32_t dim, hiddenDim, numLayers, numHeads, numKVHeads, vocabSize, seqLen;

  /// The classifier shares the embedding (a positive vocab_size).
  bool sharedClassifier() const { return vocabSize > 0; }
  int64_t vocab() const { return vocabSize < 0 ? -int64_t(vocabSize) : vocabSize; }
  int64_t headDim() const { return dim / numHeads; }
};

/// Reads and checks the header of `size` bytes of a checkpoint: every field
/// in range, and the file exactly as long as the weights the header
/// describes. Returns "" or a message starting with `path`.
std::string readHeader(const uint8_t *bytes, size_t size,
                       const std::string &path, Header &out);

/// One token of a llama2.c tokenizer.bin: its bytes and merge score.
struct Token {
  std::string piece;
  float score;
};

/// Reads the tokens of a tokenizer.bin. Returns "" or a message starting
/// with `path`.
std::string readTokenizer(const uint8_t *bytes, size_t size,
                          const std::string &path, std::vector<Token> &out);

} // namespace vptq::llama2c

#endif // VPTQ_TOOLS_VPTQCONVERT_LLAMA2C_H
