//===- Safetensors.h - Memory-mapped safetensors files ----------*- C++ -*-===//
//
// Reads .safetensors files (an 8-byte little-endian header length, a JSON
// header naming each tensor's dtype, shape and data offsets, then the data)
// by memory-mapping them, after validating the whole header: its length,
// its JSON, every dtype and shape, and that every tensor's bytes lie inside
// the file without overlapping another's. Also writes them.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_SAFETENSORS_H
#define VPTQ_RUNTIME_SAFETENSORS_H

#include "vptq/Reference/Storage.h"
#include "vptq/runtime/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime {

/// One tensor of a safetensors file: a view into the mapped file.
struct SafetensorsEntry {
  std::string name;
  /// The dtype as the file names it ("F16", "I32", "F64", "BOOL", ...).
  std::string dtypeName;
  /// Set when the dtype is one the runtime computes with.
  std::optional<ref::DType> dtype;
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  size_t bytes = 0;
};

/// A validated, memory-mapped safetensors file.
class SafetensorsFile {
public:
  /// The largest header accepted (as the reference implementation: 100 MB).
  static constexpr uint64_t kMaxHeaderBytes = 100'000'000;

  /// Maps and validates `path`; errors name the file and the problem.
  static Result<std::shared_ptr<SafetensorsFile>> open(const std::string &path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;

  const std::string &path() const { return path_; }
  const std::map<std::string, SafetensorsEntry> &entries() const {
    return entries_;
  }
  const std::map<std::string, std::string> &metadata() const {
    return metadata_;
  }
  /// The entry named `name`, or null.
  const SafetensorsEntry *find(const std::string &name) const;

private:
  SafetensorsFile() = default;
  std::string path_;
  void *mapping = nullptr;
  size_t mappingSize = 0;
  std::map<std::string, SafetensorsEntry> entries_;
  std::map<std::string, std::string> metadata_;
};

/// Writes `tensors` (name -> host tensor) to `path`, with the header padded
/// to a multiple of 8 bytes. Writes to a temporary file first and renames
/// it, so readers never see a partial file.
Status
writeSafetensors(const std::string &path,
                 const std::map<std::string, ref::HostTensor> &tensors,
                 const std::map<std::string, std::string> &metadata = {});

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_SAFETENSORS_H
