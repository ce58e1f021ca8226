//===- Sha256Test.cpp - SHA-256 against FIPS 180-4 test vectors -----------===//

#include "vptq/ABI/Sha256.h"
#include "vptq/ABI/Version.h"

#include <gtest/gtest.h>

#include <string>

using namespace vptq;

namespace {

TEST(Sha256, FipsVectors) {
  EXPECT_EQ(sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Feeding the bytes in pieces of any size gives the one-shot digest, across
// every position of the 64-byte block boundary.
TEST(Sha256, IncrementalMatchesOneShot) {
  std::string text;
  for (int i = 0; i < 300; ++i)
    text += char('a' + (i * 7) % 26);
  std::string expected = sha256Hex(text);
  for (size_t piece = 1; piece <= 130; ++piece) {
    Sha256 hash;
    for (size_t at = 0; at < text.size(); at += piece)
      hash.update(text.data() + at, std::min(piece, text.size() - at));
    std::string hex;
    static const char digits[] = "0123456789abcdef";
    for (uint8_t b : hash.finish()) {
      hex += digits[b >> 4];
      hex += digits[b & 15];
    }
    EXPECT_EQ(hex, expected) << "pieces of " << piece;
  }
}

TEST(Version, NamesProjectRevisionAndLLVM) {
  std::string v = getVersion();
  EXPECT_EQ(v.rfind("vptq-mlir 0.", 0), 0u) << v;
  EXPECT_NE(v.find("+"), std::string::npos) << v;
  EXPECT_NE(v.find("(LLVM 22."), std::string::npos) << v;
}

} // namespace
