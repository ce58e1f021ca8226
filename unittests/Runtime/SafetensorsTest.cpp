//===- SafetensorsTest.cpp - Reading, writing and rejecting safetensors ---===//

#include "vptq/runtime/Safetensors.h"
#include "TestUtil.h"

#include <cstring>

using namespace vptq;
using namespace vptq::runtime;
using vptq::test::TempDir;

namespace {

ref::HostTensor randomTensor(ref::DType dtype, std::vector<int64_t> shape,
                             uint32_t seed) {
  ref::HostTensor t(dtype, std::move(shape));
  std::mt19937 rng(seed);
  for (uint8_t &b : t.data)
    b = uint8_t(rng());
  return t;
}

/// A file with a hand-written header and `dataBytes` zero bytes of data.
std::vector<uint8_t> rawFile(const std::string &header, size_t dataBytes,
                             uint64_t headerLength = UINT64_MAX) {
  uint64_t n = headerLength == UINT64_MAX ? header.size() : headerLength;
  std::vector<uint8_t> bytes(8);
  for (int i = 0; i < 8; ++i)
    bytes[i] = uint8_t(n >> (8 * i));
  bytes.insert(bytes.end(), header.begin(), header.end());
  bytes.resize(bytes.size() + dataBytes, 0);
  return bytes;
}

/// Opening `bytes` fails with a message naming the file and containing
/// every one of `parts`.
void expectRejected(const std::vector<uint8_t> &bytes,
                    std::vector<std::string> parts) {
  TempDir dir("st");
  std::string path = dir / "bad.safetensors";
  test::writeFile(path, bytes);
  auto file = SafetensorsFile::open(path);
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.message().find(path), std::string::npos) << file.message();
  for (const std::string &p : parts)
    EXPECT_NE(file.message().find(p), std::string::npos)
        << "'" << p << "' not in: " << file.message();
}

TEST(Safetensors, RoundTripIsBitExact) {
  TempDir dir("st");
  std::map<std::string, ref::HostTensor> tensors;
  uint32_t seed = 1;
  for (ref::DType d :
       {ref::DType::F32, ref::DType::F16, ref::DType::BF16, ref::DType::I64,
        ref::DType::I32, ref::DType::I16, ref::DType::I8, ref::DType::U8}) {
    tensors[std::string("t.") + ref::dtypeName(d)] =
        randomTensor(d, {3, int64_t(seed) + 4}, seed);
    ++seed;
  }
  tensors["scalar"] = randomTensor(ref::DType::F32, {}, 99);
  tensors["empty"] = ref::HostTensor(ref::DType::F16, {0, 5});
  std::string path = dir / "model.safetensors";
  ASSERT_TRUE(writeSafetensors(path, tensors, {{"format", "pt"}}).ok());

  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_EQ((*file)->metadata().at("format"), "pt");
  ASSERT_EQ((*file)->entries().size(), tensors.size());
  for (const auto &[name, t] : tensors) {
    const SafetensorsEntry *e = (*file)->find(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->dtypeName, ref::dtypeName(t.dtype));
    EXPECT_EQ(e->shape, t.shape);
    ASSERT_EQ(e->bytes, t.data.size());
    EXPECT_TRUE(std::equal(e->data, e->data + e->bytes, t.data.begin()))
        << name;
  }
  // The header is padded to 8 bytes, so every tensor's data is aligned.
  std::vector<uint8_t> raw = test::readFile(path);
  uint64_t headerBytes = 0;
  std::memcpy(&headerBytes, raw.data(), 8);
  EXPECT_EQ(headerBytes % 8, 0u);
  // Writing the read tensors again gives the same file.
  std::map<std::string, ref::HostTensor> again;
  for (const auto &[name, e] : (*file)->entries()) {
    ref::HostTensor t(*e.dtype, e.shape);
    std::copy(e.data, e.data + e.bytes, t.data.begin());
    again[name] = t;
  }
  ASSERT_TRUE(
      writeSafetensors(dir / "again.safetensors", again, {{"format", "pt"}})
          .ok());
  EXPECT_EQ(test::readFile(dir / "again.safetensors"), raw);
}

TEST(Safetensors, UnusedDTypesAreListedButNotComputedWith) {
  std::string header =
      R"({"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BOOL","shape":[3],"data_offsets":[16,19]}})";
  TempDir dir("st");
  test::writeFile(dir / "x.safetensors", rawFile(header, 19));
  auto file = SafetensorsFile::open(dir / "x.safetensors");
  ASSERT_TRUE(file.ok()) << file.message();
  EXPECT_FALSE((*file)->find("a")->dtype.has_value());
  EXPECT_EQ((*file)->find("b")->dtypeName, "BOOL");
}

TEST(Safetensors, MissingFile) {
  auto file = SafetensorsFile::open("/nonexistent/model.safetensors");
  ASSERT_FALSE(file.ok());
  EXPECT_NE(file.message().find("/nonexistent/model.safetensors: cannot open"),
            std::string::npos)
      << file.message();
}

TEST(Safetensors, TooShortForAHeader) {
  expectRejected({1, 2, 3}, {"too short"});
}

TEST(Safetensors, HeaderLengthBeyondTheLimit) {
  expectRejected(rawFile("{}", 0, uint64_t(1) << 40), {"exceeds the limit"});
}

TEST(Safetensors, HeaderLengthPastTheEnd) {
  expectRejected(rawFile("{}", 0, 1000),
                 {"header length 1000", "past the end"});
}

TEST(Safetensors, TruncatedData) {
  TempDir dir("st");
  std::map<std::string, ref::HostTensor> tensors = {
      {"w", randomTensor(ref::DType::F16, {16, 16}, 3)}};
  ASSERT_TRUE(writeSafetensors(dir / "ok.safetensors", tensors).ok());
  std::vector<uint8_t> bytes = test::readFile(dir / "ok.safetensors");
  bytes.resize(bytes.size() - 10);
  expectRejected(bytes, {"tensor 'w'", "truncated"});
}

TEST(Safetensors, InvalidJSON) {
  expectRejected(rawFile("{\"a\": [1, 2", 0), {"not valid JSON"});
  expectRejected(rawFile("[1, 2]  ", 0), {"not a JSON object"});
}

TEST(Safetensors, UnknownDType) {
  expectRejected(
      rawFile(R"({"w":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}})", 4),
      {"tensor 'w'", "unknown dtype 'F12'"});
}

TEST(Safetensors, SizeDisagreesWithDTypeAndShape) {
  expectRejected(
      rawFile(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,12]}})",
              12),
      {"tensor 'w'", "12 bytes", "expected 24"});
}

TEST(Safetensors, BadShapesAndOffsets) {
  expectRejected(
      rawFile(R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4),
      {"tensor 'w'", "invalid dimension"});
  expectRejected(
      rawFile(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", 8),
      {"tensor 'w'", "end before they begin"});
  expectRejected(rawFile(R"({"w":{"dtype":"F32","shape":[1]}})", 4),
                 {"tensor 'w'", "data_offsets"});
  expectRejected(
      rawFile(R"({"w":{"dtype":"F32","shape":[4611686018427387904,8],)"
              R"("data_offsets":[0,4]}})",
              4),
      {"tensor 'w'", "too large"});
}

TEST(Safetensors, OverlappingTensors) {
  expectRejected(
      rawFile(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
              12),
      {"'a'", "'b'", "overlap"});
}

TEST(Safetensors, WriterRejectsInconsistentTensors) {
  TempDir dir("st");
  ref::HostTensor bad(ref::DType::F32, {4});
  bad.data.resize(3);
  Status s = writeSafetensors(dir / "x.safetensors", {{"bad", bad}});
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("tensor 'bad'"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(dir / "x.safetensors"));
}

} // namespace
