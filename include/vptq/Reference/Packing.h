//===- Packing.h - Bit-packing of VPTQ index rows ---------------*- C++ -*-===//
//
// With is_indice_packed, each row of groupSize elements stores the code
// `res << indexBits | idx` of (indexBits + resIndexBits) bits per element,
// concatenated LSB-first into a bit stream that is zero-padded to whole int32
// words: stream bit s is bit (s mod 32) of word s / 32.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_PACKING_H
#define VPTQ_REFERENCE_PACKING_H

#include <cstdint>

namespace vptq::ref {

/// Number of int32 words holding `count` codes of `bitsPerCode` bits.
inline int64_t packedWordCount(int64_t count, int64_t bitsPerCode) {
  return (count * bitsPerCode + 31) / 32;
}

/// Reads the `bits`-wide field (bits <= 32) starting at stream bit
/// `bitOffset`; touches the next word only when the field crosses into it.
inline uint32_t extractBits(const uint32_t *words, int64_t bitOffset,
                            int64_t bits) {
  int64_t word = bitOffset / 32;
  int64_t shift = bitOffset % 32;
  uint64_t window = words[word];
  if (shift + bits > 32)
    window |= uint64_t(words[word + 1]) << 32;
  return uint32_t((window >> shift) & ((uint64_t(1) << bits) - 1));
}

/// Unpacks one row of `count` codes into main indices `idx` and, when
/// `resIndexBits > 0` and `res` is not null, residual indices `res`.
void unpackIndexRow(const uint32_t *words, int64_t count, int64_t indexBits,
                    int64_t resIndexBits, uint32_t *idx, uint32_t *res);

/// Packs one row of `count` elements; `res` may be null when
/// resIndexBits == 0. Writes packedWordCount(count, indexBits + resIndexBits)
/// words, zero padding included. Values wider than their field are masked.
void packIndexRow(const uint32_t *idx, const uint32_t *res, int64_t count,
                  int64_t indexBits, int64_t resIndexBits, uint32_t *words);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_PACKING_H
