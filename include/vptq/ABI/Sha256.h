//===- Sha256.h - SHA-256 of bytes ------------------------------*- C++ -*-===//
//
// FIPS 180-4 SHA-256, for cache keys and integrity checks of cached and
// bundled kernels. Plain C++, so runtimes without LLVM can use it.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_ABI_SHA256_H
#define VPTQ_ABI_SHA256_H

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace vptq {

/// Incremental SHA-256.
class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t bytes);
  void update(const std::string &text) { update(text.data(), text.size()); }
  /// The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> finish();

private:
  void compress(const uint8_t *block);
  std::array<uint32_t, 8> state;
  std::array<uint8_t, 64> buffer;
  size_t buffered = 0;
  uint64_t totalBytes = 0;
};

/// Lower-case hex SHA-256 of `bytes`.
std::string sha256Hex(const void *data, size_t bytes);
inline std::string sha256Hex(const std::string &text) {
  return sha256Hex(text.data(), text.size());
}

} // namespace vptq

#endif // VPTQ_ABI_SHA256_H
