//===- Packing.cpp - Bit-packing of VPTQ index rows -----------------------===//

#include "vptq/Reference/Packing.h"

using namespace vptq::ref;

void vptq::ref::unpackIndexRow(const uint32_t *words, int64_t count,
                               int64_t indexBits, int64_t resIndexBits,
                               uint32_t *idx, uint32_t *res) {
  int64_t codeBits = indexBits + resIndexBits;
  uint32_t idxMask = uint32_t((uint64_t(1) << indexBits) - 1);
  for (int64_t j = 0; j < count; ++j) {
    uint32_t code = extractBits(words, j * codeBits, codeBits);
    idx[j] = code & idxMask;
    if (res && resIndexBits > 0)
      res[j] = uint32_t(uint64_t(code) >> indexBits);
  }
}

void vptq::ref::packIndexRow(const uint32_t *idx, const uint32_t *res,
                             int64_t count, int64_t indexBits,
                             int64_t resIndexBits, uint32_t *words) {
  int64_t codeBits = indexBits + resIndexBits;
  int64_t numWords = packedWordCount(count, codeBits);
  for (int64_t w = 0; w < numWords; ++w)
    words[w] = 0;
  uint64_t idxMask = (uint64_t(1) << indexBits) - 1;
  uint64_t resMask = (uint64_t(1) << resIndexBits) - 1;
  for (int64_t j = 0; j < count; ++j) {
    uint64_t code = uint64_t(idx[j]) & idxMask;
    if (res && resIndexBits > 0)
      code |= (uint64_t(res[j]) & resMask) << indexBits;
    int64_t bit = j * codeBits;
    int64_t word = bit / 32;
    int64_t shift = bit % 32;
    uint64_t shifted = code << shift;
    words[word] |= uint32_t(shifted);
    if (shift + codeBits > 32)
      words[word + 1] |= uint32_t(shifted >> 32);
  }
}
