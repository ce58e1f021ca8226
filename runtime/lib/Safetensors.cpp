//===- Safetensors.cpp - Memory-mapped safetensors files ------------------===//

#include "vptq/runtime/Safetensors.h"
#include "vptq/Support/FileOutput.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
using nlohmann::json;

namespace {

struct DTypeInfo {
  const char *name;
  int64_t bytes;
};

/// Every dtype the safetensors format defines.
constexpr DTypeInfo kDTypes[] = {
    {"F64", 8}, {"F32", 4}, {"F16", 2},  {"BF16", 2},    {"I64", 8},
    {"I32", 4}, {"I16", 2}, {"I8", 1},   {"U64", 8},     {"U32", 4},
    {"U16", 2}, {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};

int64_t dtypeBytes(const std::string &name) {
  for (const DTypeInfo &d : kDTypes)
    if (name == d.name)
      return d.bytes;
  return 0;
}

Status fileError(const std::string &path, const std::string &what) {
  return Status::error(path + ": " + what);
}

} // namespace

SafetensorsFile::~SafetensorsFile() {
  if (mapping)
    munmap(mapping, mappingSize);
}

const SafetensorsEntry *SafetensorsFile::find(const std::string &name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

Result<std::shared_ptr<SafetensorsFile>>
SafetensorsFile::open(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fileError(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    return fileError(path, std::string("cannot stat: ") + std::strerror(errno));
  }
  size_t size = size_t(st.st_size);
  if (size < 8) {
    ::close(fd);
    return fileError(path, "file is too short (" + std::to_string(size) +
                               " bytes) to hold a safetensors header");
  }
  void *map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED)
    return fileError(path, std::string("cannot map: ") + std::strerror(errno));
  std::shared_ptr<SafetensorsFile> file(new SafetensorsFile());
  file->path_ = path;
  file->mapping = map;
  file->mappingSize = size;
  const uint8_t *bytes = static_cast<const uint8_t *>(map);

  uint64_t headerBytes = 0;
  for (int i = 7; i >= 0; --i)
    headerBytes = (headerBytes << 8) | bytes[i];
  if (headerBytes > kMaxHeaderBytes)
    return fileError(path, "header length " + std::to_string(headerBytes) +
                               " exceeds the limit of " +
                               std::to_string(kMaxHeaderBytes) +
                               " bytes (corrupt or not a safetensors file)");
  if (8 + headerBytes > size)
    return fileError(path, "header length " + std::to_string(headerBytes) +
                               " runs past the end of the file (" +
                               std::to_string(size) + " bytes)");
  const uint8_t *data = bytes + 8 + headerBytes;
  size_t dataBytes = size - 8 - headerBytes;

  json header;
  try {
    header = json::parse(bytes + 8, bytes + 8 + headerBytes);
  } catch (const json::exception &e) {
    return fileError(path,
                     std::string("header is not valid JSON: ") + e.what());
  }
  if (!header.is_object())
    return fileError(path, "header is not a JSON object");

  for (auto &[name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        return fileError(path, "__metadata__ is not an object");
      for (auto &[key, text] : value.items()) {
        if (!text.is_string())
          return fileError(path,
                           "__metadata__[\"" + key + "\"] is not a string");
        file->metadata_[key] = text.get<std::string>();
      }
      continue;
    }
    std::string where = "tensor '" + name + "'";
    if (!value.is_object())
      return fileError(path, where + ": entry is not an object");
    auto dtypeIt = value.find("dtype");
    auto shapeIt = value.find("shape");
    auto offsetsIt = value.find("data_offsets");
    if (dtypeIt == value.end() || !dtypeIt->is_string())
      return fileError(path, where + ": missing or non-string dtype");
    if (shapeIt == value.end() || !shapeIt->is_array())
      return fileError(path, where + ": missing or non-list shape");
    if (offsetsIt == value.end() || !offsetsIt->is_array() ||
        offsetsIt->size() != 2)
      return fileError(path, where + ": data_offsets must be [begin, end]");
    SafetensorsEntry entry;
    entry.name = name;
    entry.dtypeName = dtypeIt->get<std::string>();
    int64_t elemBytes = dtypeBytes(entry.dtypeName);
    if (elemBytes == 0)
      return fileError(path,
                       where + ": unknown dtype '" + entry.dtypeName + "'");
    ref::DType dtype;
    if (ref::parseDType(entry.dtypeName, dtype))
      entry.dtype = dtype;
    unsigned __int128 numel = 1;
    for (const json &d : *shapeIt) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0)
        return fileError(path, where + ": shape " + shapeIt->dump() +
                                   " has an invalid dimension");
      entry.shape.push_back(d.get<int64_t>());
      numel *= uint64_t(entry.shape.back());
      if (numel > (unsigned __int128)(uint64_t(1) << 62))
        return fileError(path, where + ": shape " + shapeIt->dump() +
                                   " is too large");
    }
    for (const json &o : *offsetsIt)
      if (!o.is_number_unsigned() &&
          !(o.is_number_integer() && o.get<int64_t>() >= 0))
        return fileError(path, where + ": data_offsets " + offsetsIt->dump() +
                                   " are not non-negative integers");
    uint64_t begin = (*offsetsIt)[0].get<uint64_t>();
    uint64_t end = (*offsetsIt)[1].get<uint64_t>();
    if (begin > end)
      return fileError(path, where + ": data_offsets " + offsetsIt->dump() +
                                 " end before they begin");
    if (end > dataBytes)
      return fileError(path, where + ": data_offsets " + offsetsIt->dump() +
                                 " run past the end of the data (" +
                                 std::to_string(dataBytes) +
                                 " bytes): the file is truncated or corrupt");
    unsigned __int128 expected = numel * (unsigned __int128)elemBytes;
    if (expected != end - begin)
      return fileError(path, where + ": " + std::to_string(end - begin) +
                                 " bytes of data for dtype " + entry.dtypeName +
                                 " and shape " + shapeIt->dump() +
                                 ", expected " +
                                 std::to_string(uint64_t(expected)));
    entry.data = data + begin;
    entry.bytes = end - begin;
    file->entries_[name] = std::move(entry);
  }

  // No two tensors may share bytes.
  std::vector<const SafetensorsEntry *> byOffset;
  for (auto &[name, entry] : file->entries_)
    if (entry.bytes)
      byOffset.push_back(&entry);
  std::sort(byOffset.begin(), byOffset.end(),
            [](auto *a, auto *b) { return a->data < b->data; });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const SafetensorsEntry *prev = byOffset[i - 1], *cur = byOffset[i];
    if (cur->data < prev->data + prev->bytes)
      return fileError(path, "tensors '" + prev->name + "' and '" + cur->name +
                                 "' overlap");
  }
  return file;
}

Status vptq::runtime::writeSafetensors(
    const std::string &path,
    const std::map<std::string, ref::HostTensor> &tensors,
    const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  for (const auto &[name, t] : tensors) {
    if (int64_t(t.data.size()) != t.numElements() * ref::dtypeSize(t.dtype))
      return Status::error(
          "writing " + path + ": tensor '" + name + "' holds " +
          std::to_string(t.data.size()) + " bytes, its shape needs " +
          std::to_string(t.numElements() * ref::dtypeSize(t.dtype)));
    header[name] = {{"dtype", ref::dtypeName(t.dtype)},
                    {"shape", t.shape},
                    {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  support::AtomicFile file;
  std::string err = file.open(path);
  char length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = char((uint64_t(text.size()) >> (8 * i)) & 0xff);
  if (err.empty())
    err = file.write(length, sizeof(length));
  if (err.empty())
    err = file.write(text);
  for (const auto &[name, t] : tensors)
    if (err.empty() && !t.data.empty())
      err = file.write(t.data.data(), t.data.size());
  if (err.empty())
    err = file.commit();
  if (!err.empty())
    return Status::error(err);
  return Status::success();
}
