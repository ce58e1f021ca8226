//===- Float16.h - IEEE half and bfloat16 conversions -----------*- C++ -*-===//
//
// Bit-exact conversions between float and the 16-bit formats checkpoints use.
// float -> 16-bit rounds to nearest even, as hardware converts do; NaN stays
// NaN and overflow becomes infinity.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_FLOAT16_H
#define VPTQ_REFERENCE_FLOAT16_H

#include <cstdint>
#include <cstring>

namespace vptq::ref {

inline uint32_t floatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

inline float bitsToFloat(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

/// IEEE binary16 bits to float (exact).
inline float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) // Inf or NaN.
    return bitsToFloat(sign | 0x7f800000u | (mant << 13));
  if (exp == 0) {
    if (mant == 0)
      return bitsToFloat(sign);
    // Subnormal: value = mant * 2^-24, exact in float.
    float v = float(mant) * 5.9604644775390625e-08f;
    return sign ? -v : v;
  }
  return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
}

/// float to IEEE binary16 bits, round to nearest even.
inline uint16_t floatToHalf(float f) {
  uint32_t x = floatBits(f);
  uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  uint32_t absx = x & 0x7fffffffu;
  if (absx >= 0x7f800000u) // Inf or NaN; keep NaN quiet and non-zero.
    return sign | (absx > 0x7f800000u ? 0x7e00u : 0x7c00u);
  if (absx >= 0x477ff000u) // Rounds to >= 65520: overflow to infinity.
    return sign | 0x7c00u;
  if (absx < 0x38800000u) {
    // Result is subnormal or zero: round |f| / 2^-24 to an integer.
    float scaled = bitsToFloat(absx) * 16777216.0f; // exact: power of two
    // Round half to even using the float's own rounding (exact integers
    // below 2^24 are representable).
    float r = scaled + 8388608.0f - 8388608.0f;
    return sign | uint16_t(r);
  }
  uint32_t exp = (absx >> 23) - 112;
  uint32_t mant = absx & 0x7fffffu;
  uint32_t half = (exp << 10) | (mant >> 13);
  uint32_t rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (half & 1u)))
    ++half; // May carry into the exponent, which is the right result.
  return sign | uint16_t(half);
}

/// bfloat16 bits to float (exact).
inline float bf16ToFloat(uint16_t b) { return bitsToFloat(uint32_t(b) << 16); }

/// float to bfloat16 bits, round to nearest even.
inline uint16_t floatToBf16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((x >> 16) | 0x40u); // Quiet NaN.
  uint32_t lsb = (x >> 16) & 1u;
  x += 0x7fffu + lsb;
  return uint16_t(x >> 16);
}

/// Rounds a float to the nearest half-representable value.
inline float roundToHalf(float f) { return halfToFloat(floatToHalf(f)); }
/// Rounds a float to the nearest bfloat16-representable value.
inline float roundToBf16(float f) { return bf16ToFloat(floatToBf16(f)); }

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_FLOAT16_H
