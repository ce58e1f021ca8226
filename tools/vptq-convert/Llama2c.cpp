//===- Llama2c.cpp - llama2.c checkpoint and tokenizer files --------------===//

#include "Llama2c.h"

#include <cstring>

using namespace vptq::llama2c;

namespace {

/// Far past any llama2.c model (the largest, Llama 2 7B: dim 4096, 32
/// layers, 32000 tokens, 4096 positions), so that a corrupt field is an
/// error and no size below overflows.
constexpr int64_t kMaxDim = int64_t(1) << 20;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxVocab = int64_t(1) << 24;
constexpr int64_t kMaxSeqLen = int64_t(1) << 24;

} // namespace

std::string vptq::llama2c::readHeader(const uint8_t *bytes, size_t size,
                                      const std::string &path, Header &h) {
  if (size < sizeof(Header))
    return path + ": too short (" + std::to_string(size) +
           " bytes) for a llama2.c header";
  std::memcpy(&h, bytes, sizeof(h));
  struct Field {
    const char *name;
    int64_t value, limit;
  };
  for (const Field &f : {Field{"dim", h.dim, kMaxDim},
                         Field{"hidden_dim", h.hiddenDim, kMaxDim * 8},
                         Field{"n_layers", h.numLayers, kMaxLayers},
                         Field{"n_heads", h.numHeads, h.dim},
                         Field{"n_kv_heads", h.numKVHeads, h.numHeads},
                         Field{"vocab_size", h.vocab(), kMaxVocab},
                         Field{"seq_len", h.seqLen, kMaxSeqLen}})
    if (f.value <= 0 || f.value > f.limit)
      return path + ": header field " + f.name + " = " +
             std::to_string(f.value) + " is outside [1, " +
             std::to_string(f.limit) + "]: not a llama2.c checkpoint?";
  if (h.dim % h.numHeads || h.numHeads % h.numKVHeads ||
      h.headDim() % 2)
    return path + ": implausible header (dim " + std::to_string(h.dim) +
           ", heads " + std::to_string(h.numHeads) + "/" +
           std::to_string(h.numKVHeads) + "): not a llama2.c checkpoint?";
  // Every float the header implies, in llama2.c's order.
  unsigned __int128 dim = uint64_t(h.dim), hidden = uint64_t(h.hiddenDim),
                    layers = uint64_t(h.numLayers),
                    kvDim = uint64_t(h.numKVHeads) * uint64_t(h.headDim()),
                    vocab = uint64_t(h.vocab());
  unsigned __int128 floats =
      vocab * dim +
      layers * (dim + dim * dim + 2 * kvDim * dim + dim * dim + dim +
                3 * hidden * dim) +
      dim + uint64_t(h.seqLen) * uint64_t(h.headDim()) +
      (h.sharedClassifier() ? 0 : vocab * dim);
  unsigned __int128 expected = sizeof(Header) + floats * 4;
  if (expected != size)
    return path + ": " + std::to_string(size) +
           " bytes, but its header describes " +
           (expected > (unsigned __int128)UINT64_MAX
                ? std::string("more than 2^64")
                : std::to_string(uint64_t(expected))) +
           " (truncated, or not a llama2.c checkpoint)";
  return {};
}

std::string vptq::llama2c::readTokenizer(const uint8_t *bytes, size_t size,
                                         const std::string &path,
                                         std::vector<Token> &out) {
  out.clear();
  if (size < 4)
    return path + ": too short for a llama2.c tokenizer";
  size_t at = 4;
  while (at < size) {
    if (size - at < 8)
      return path + ": truncated at token " + std::to_string(out.size());
    Token t;
    int32_t length;
    std::memcpy(&t.score, bytes + at, 4);
    std::memcpy(&length, bytes + at + 4, 4);
    at += 8;
    if (length < 0 || size_t(length) > size - at)
      return path + ": token " + std::to_string(out.size()) +
             " has an invalid length " + std::to_string(length);
    t.piece.assign(reinterpret_cast<const char *>(bytes + at), size_t(length));
    at += size_t(length);
    out.push_back(std::move(t));
  }
  return {};
}
