//===- FuzzUtil.h - Helpers shared by the fuzz targets ----------*- C++ -*-===//
//
// The fuzz targets own one rule: every input, however malformed, is either
// accepted or refused with a message; the process never crashes, hangs,
// reads or writes out of bounds, or meets undefined behaviour (libFuzzer
// with ASan and UBSan reports those). Loaders that take a path get the
// bytes through a private in-memory file.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_FUZZ_FUZZUTIL_H
#define VPTQ_FUZZ_FUZZUTIL_H

#include <cstdint>
#include <cstdlib>
#include <string>
#include <sys/mman.h>
#include <unistd.h>

namespace vptq::fuzz {

/// A file holding the fuzzer's bytes, at a path loaders can open.
class MemoryFile {
public:
  MemoryFile(const uint8_t *data, size_t size) {
    fd = memfd_create("vptq-fuzz", MFD_CLOEXEC);
    if (fd < 0)
      std::abort();
    for (size_t done = 0; done < size;) {
      ssize_t n = ::write(fd, data + done, size - done);
      if (n <= 0)
        std::abort();
      done += size_t(n);
    }
  }
  ~MemoryFile() { ::close(fd); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }

private:
  int fd = -1;
};

/// Input split at the first NUL into two texts (for loaders of two files).
inline std::pair<std::string, std::string> splitAtNul(const uint8_t *data,
                                                      size_t size) {
  std::string all(reinterpret_cast<const char *>(data), size);
  size_t at = all.find('\0');
  if (at == std::string::npos)
    return {all, ""};
  return {all.substr(0, at), all.substr(at + 1)};
}

} // namespace vptq::fuzz

#endif // VPTQ_FUZZ_FUZZUTIL_H
