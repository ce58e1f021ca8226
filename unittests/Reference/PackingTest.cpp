//===- PackingTest.cpp - index bit-packing --------------------------------===//

#include "vptq/Reference/Packing.h"

#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace vptq::ref;

// idx = [1, 7, 0, 5], res = [2, 0, 3, 1] with 3 + 2 bits: codes
// res << 3 | idx = [17, 7, 24, 13], concatenated LSB-first in 20 bits:
// 17 | 7 << 5 | 24 << 10 | 13 << 15 = 450801.
TEST(Packing, HandComputedSingleWord) {
  uint32_t idx[] = {1, 7, 0, 5};
  uint32_t res[] = {2, 0, 3, 1};
  uint32_t words[1] = {0xdeadbeef};
  packIndexRow(idx, res, 4, 3, 2, words);
  EXPECT_EQ(words[0], 450801u);

  uint32_t outIdx[4], outRes[4];
  unpackIndexRow(words, 4, 3, 2, outIdx, outRes);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(outIdx[i], idx[i]);
    EXPECT_EQ(outRes[i], res[i]);
  }
}

// 12-bit codes [0xabc, 0x123, 0xfff]: the third straddles the word boundary.
TEST(Packing, HandComputedCrossesWords) {
  uint32_t idx[] = {0xabc, 0x123, 0xfff};
  uint32_t words[2];
  packIndexRow(idx, nullptr, 3, 12, 0, words);
  EXPECT_EQ(words[0], 0xff123abcu);
  EXPECT_EQ(words[1], 0xfu); // zero padding above bit 36
  EXPECT_EQ(packedWordCount(3, 12), 2);

  uint32_t out[3];
  unpackIndexRow(words, 3, 12, 0, out, nullptr);
  EXPECT_EQ(out[0], 0xabcu);
  EXPECT_EQ(out[1], 0x123u);
  EXPECT_EQ(out[2], 0xfffu);
}

// 16 + 16 bits: one word per element, residual in the high half.
TEST(Packing, HandComputedFullWords) {
  uint32_t idx[] = {0xffff, 1};
  uint32_t res[] = {0x8000, 2};
  uint32_t words[2];
  packIndexRow(idx, res, 2, 16, 16, words);
  EXPECT_EQ(words[0], 0x8000ffffu);
  EXPECT_EQ(words[1], 0x00020001u);
}

TEST(Packing, RandomRoundTripAllWidths) {
  std::mt19937 rng(1234);
  for (int ib = 1; ib <= 16; ++ib) {
    for (int rb = 0; rb <= 16; ++rb) {
      for (int count : {1, 7, 32, 33, 100}) {
        std::vector<uint32_t> idx(count), res(count);
        for (int j = 0; j < count; ++j) {
          idx[j] = rng() & ((1u << ib) - 1);
          res[j] = rb ? rng() & ((1u << rb) - 1) : 0;
        }
        std::vector<uint32_t> words(packedWordCount(count, ib + rb));
        packIndexRow(idx.data(), rb ? res.data() : nullptr, count, ib, rb,
                     words.data());
        std::vector<uint32_t> outIdx(count), outRes(count);
        unpackIndexRow(words.data(), count, ib, rb, outIdx.data(),
                       rb ? outRes.data() : nullptr);
        ASSERT_EQ(outIdx, idx) << "ib=" << ib << " rb=" << rb;
        if (rb)
          ASSERT_EQ(outRes, res) << "ib=" << ib << " rb=" << rb;
        // The padding above the last code is zero.
        int64_t usedBits = int64_t(count) * (ib + rb);
        if (usedBits % 32)
          ASSERT_EQ(words.back() >> (usedBits % 32), 0u);
      }
    }
  }
}
