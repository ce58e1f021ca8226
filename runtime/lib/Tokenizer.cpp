//===- Tokenizer.cpp - Hugging Face tokenizers ----------------------------===//

#include "vptq/runtime/Tokenizer.h"

#include <nlohmann/json.hpp>

#ifdef VPTQ_RUNTIME_ENABLE_SENTENCEPIECE
#include <sentencepiece_processor.h>
#endif

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

using namespace vptq::runtime;
using nlohmann::json;

namespace {

//===----------------------------------------------------------------------===//
// UTF-8 and Unicode classes
//===----------------------------------------------------------------------===//

/// The byte a `<0xAB>` piece stands for, or -1 for any other piece.
int bytePieceValue(const std::string &piece) {
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 ||
      piece.back() != '>')
    return -1;
  auto hex = [](char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    return -1;
  };
  int hi = hex(piece[3]), lo = hex(piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/// Decodes UTF-8; invalid bytes decode as U+FFFD.
std::vector<uint32_t> toCodepoints(const std::string &s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int n = c < 0x80         ? 1
            : (c >> 5) == 6  ? 2
            : (c >> 4) == 14 ? 3
            : (c >> 3) == 30 ? 4
                             : 0;
    if (n == 0 || i + n > s.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    bool ok = true;
    for (int k = 1; k < n; ++k) {
      unsigned char d = s[i + k];
      ok &= (d >> 6) == 2;
      cp = (cp << 6) | (d & 0x3F);
    }
    out.push_back(ok ? cp : 0xFFFD);
    i += ok ? n : 1;
  }
  return out;
}

void appendUtf8(std::string &out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

/// The byte length of the UTF-8 sequence starting with `c` (1 if invalid).
size_t utf8Length(unsigned char c) {
  return c < 0x80         ? 1
         : (c >> 5) == 6  ? 2
         : (c >> 4) == 14 ? 3
         : (c >> 3) == 30 ? 4
                          : 1;
}

/// Splits into UTF-8 characters.
std::vector<std::string> utf8Chars(const std::string &s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::min(utf8Length(s[i]), s.size() - i);
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

bool inRanges(uint32_t cp, const std::pair<uint32_t, uint32_t> *ranges,
              size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (cp >= ranges[i].first && cp <= ranges[i].second)
      return true;
  return false;
}

/// \p{L} for the common scripts.
bool isLetter(uint32_t cp) {
  if (cp < 0x80)
    return (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
  static const std::pair<uint32_t, uint32_t> ranges[] = {
      {0xAA, 0xAA},       {0xB5, 0xB5},      {0xBA, 0xBA},     {0xC0, 0xD6},
      {0xD8, 0xF6},       {0xF8, 0x2C1},     {0x2C6, 0x2D1},   {0x2E0, 0x2E4},
      {0x370, 0x374},     {0x376, 0x377},    {0x37A, 0x37D},   {0x37F, 0x37F},
      {0x386, 0x386},     {0x388, 0x3F5},    {0x3F7, 0x481},   {0x48A, 0x52F},
      {0x531, 0x556},     {0x560, 0x588},    {0x5D0, 0x5EA},   {0x5EF, 0x5F2},
      {0x620, 0x64A},     {0x66E, 0x66F},    {0x671, 0x6D3},   {0x6D5, 0x6D5},
      {0x6FA, 0x6FC},     {0x904, 0x939},    {0x93D, 0x93D},   {0x950, 0x950},
      {0x958, 0x961},     {0x971, 0x980},    {0x985, 0x9B9},   {0xA05, 0xA39},
      {0xA85, 0xAB9},     {0xB05, 0xB39},    {0xB85, 0xBB9},   {0xC05, 0xC39},
      {0xC85, 0xCB9},     {0xD05, 0xD3A},    {0xE01, 0xE30},   {0xE32, 0xE33},
      {0xE40, 0xE46},     {0xE81, 0xEB0},    {0x10A0, 0x10FF}, {0x1100, 0x1248},
      {0x1E00, 0x1FBC},   {0x1FC2, 0x1FCC},  {0x1FD0, 0x1FDB}, {0x1FE0, 0x1FEC},
      {0x1FF2, 0x1FFC},   {0x2071, 0x2071},  {0x207F, 0x207F}, {0x2090, 0x209C},
      {0x2C00, 0x2CE4},   {0x2D00, 0x2D25},  {0x3005, 0x3006}, {0x3031, 0x3035},
      {0x303B, 0x303C},   {0x3041, 0x3096},  {0x309D, 0x309F}, {0x30A1, 0x30FA},
      {0x30FC, 0x30FF},   {0x3105, 0x312F},  {0x3131, 0x318E}, {0x31A0, 0x31BF},
      {0x31F0, 0x31FF},   {0x3400, 0x4DBF},  {0x4E00, 0x9FFF}, {0xA000, 0xA48C},
      {0xA640, 0xA66E},   {0xA722, 0xA788},  {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
      {0xFB00, 0xFB06},   {0xFF21, 0xFF3A},  {0xFF41, 0xFF5A}, {0xFF66, 0xFFDC},
      {0x10400, 0x1044F}, {0x20000, 0x2FA1F}};
  return inRanges(cp, ranges, std::size(ranges));
}

/// \p{N} for the common scripts.
bool isNumber(uint32_t cp) {
  if (cp < 0x80)
    return cp >= '0' && cp <= '9';
  static const std::pair<uint32_t, uint32_t> ranges[] = {
      {0xB2, 0xB3},     {0xB9, 0xB9},     {0xBC, 0xBE},     {0x660, 0x669},
      {0x6F0, 0x6F9},   {0x966, 0x96F},   {0x9E6, 0x9EF},   {0xE50, 0xE59},
      {0x2070, 0x2070}, {0x2074, 0x2079}, {0x2080, 0x2089}, {0x2150, 0x2189},
      {0x2460, 0x249B}, {0x24EA, 0x24FF}, {0x2776, 0x2793}, {0x3007, 0x3007},
      {0x3021, 0x3029}, {0x3038, 0x303A}, {0x3192, 0x3195}, {0x3220, 0x3229},
      {0x3248, 0x324F}, {0x3251, 0x325F}, {0x3280, 0x3289}, {0x32B1, 0x32BF},
      {0xFF10, 0xFF19}};
  return inRanges(cp, ranges, std::size(ranges));
}

/// \s.
bool isSpace(uint32_t cp) {
  return (cp >= 9 && cp <= 13) || cp == ' ' || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool isNewline(uint32_t cp) { return cp == '\r' || cp == '\n'; }

//===----------------------------------------------------------------------===//
// Pre-tokenizer patterns
//===----------------------------------------------------------------------===//

/// The regular expressions of byte-level tokenizers this scanner
/// implements (matched by their text).
enum class SplitPattern { GPT2, Llama3, Qwen2 };

constexpr const char *kGPT2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!"
    "\\S)|\\s+";
constexpr const char *kLlama3Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
constexpr const char *kQwen2Pattern =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
    "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/// Length of the match of the pattern's alternatives at `i` (first
/// alternative that matches, as regex alternation does).
size_t matchAt(const std::vector<uint32_t> &cp, size_t i, SplitPattern p) {
  size_t n = cp.size();
  auto lower = [](uint32_t c) { return c < 0x80 ? (c | 0x20) : c; };
  bool ci = p != SplitPattern::GPT2;
  // Contractions.
  if (cp[i] == '\'' && i + 1 < n) {
    uint32_t a = ci ? lower(cp[i + 1]) : cp[i + 1];
    uint32_t b = i + 2 < n ? (ci ? lower(cp[i + 2]) : cp[i + 2]) : 0;
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') ||
        (a == 'l' && b == 'l'))
      return 3;
    if (a == 's' || a == 't' || a == 'm' || a == 'd')
      return 2;
  }
  auto run = [&](size_t from, auto pred) {
    size_t j = from;
    while (j < n && pred(cp[j]))
      ++j;
    return j - from;
  };
  auto notSLN = [](uint32_t c) {
    return !isSpace(c) && !isLetter(c) && !isNumber(c);
  };
  if (p == SplitPattern::GPT2) {
    size_t s = cp[i] == ' ' ? 1 : 0;
    if (i + s < n) {
      if (size_t l = run(i + s, isLetter))
        return s + l;
      if (size_t l = run(i + s, isNumber))
        return s + l;
      if (size_t l = run(i + s, notSLN))
        return s + l;
    }
  } else {
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (isLetter(cp[i]))
      return run(i, isLetter);
    if (!isNewline(cp[i]) && !isNumber(cp[i]) && i + 1 < n &&
        isLetter(cp[i + 1]))
      return 1 + run(i + 1, isLetter);
    // \p{N}{1,3} or \p{N}
    if (isNumber(cp[i]))
      return std::min<size_t>(run(i, isNumber),
                              p == SplitPattern::Llama3 ? 3 : 1);
    // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    size_t s = cp[i] == ' ' ? 1 : 0;
    if (i + s < n)
      if (size_t l = run(i + s, notSLN))
        return s + l + run(i + s + l, isNewline);
    // \s*[\r\n]+ : up to the last newline of the whitespace run.
    size_t ws = run(i, isSpace);
    for (size_t k = ws; k > 0; --k)
      if (isNewline(cp[i + k - 1]))
        return k;
  }
  // \s+(?!\S) then \s+.
  size_t ws = run(i, isSpace);
  if (ws == 0)
    return 1; // Unreachable for these patterns; keep scanning.
  if (i + ws < n && ws > 1)
    return ws - 1;
  return ws;
}

std::vector<std::string> splitWords(const std::string &text, SplitPattern p) {
  std::vector<uint32_t> cp = toCodepoints(text);
  std::vector<std::string> words;
  for (size_t i = 0; i < cp.size();) {
    size_t len = std::max<size_t>(matchAt(cp, i, p), 1);
    std::string w;
    for (size_t k = i; k < i + len; ++k)
      appendUtf8(w, cp[k]);
    words.push_back(w);
    i += len;
  }
  return words;
}

/// GPT-2's reversible map of bytes to printable characters.
const std::array<uint32_t, 256> &byteToUnicode() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    std::vector<bool> direct(256, false);
    for (int b = '!'; b <= '~'; ++b)
      direct[b] = true;
    for (int b = 0xA1; b <= 0xAC; ++b)
      direct[b] = true;
    for (int b = 0xAE; b <= 0xFF; ++b)
      direct[b] = true;
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b)
      t[b] = direct[b] ? uint32_t(b) : next++;
    return t;
  }();
  return table;
}

std::string jsonString(const json &j, const char *key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return "";
  if (it->is_string())
    return it->get<std::string>();
  if (it->is_object() && it->contains("content"))
    return it->at("content").get<std::string>();
  return "";
}

} // namespace

//===----------------------------------------------------------------------===//
// Tokenizer
//===----------------------------------------------------------------------===//

struct Tokenizer::Impl {
  std::unordered_map<std::string, int32_t> vocab;
  std::vector<std::string> pieces;
  /// (left id << 32 | right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::vector<bool> special;
  /// Added tokens matched in text with parseSpecial, longest first.
  std::vector<std::pair<std::string, int32_t>> addedTokens;
  bool byteLevel = false, byteFallback = false, ignoreMerges = false;
  int32_t unk = -1;
  SplitPattern pattern = SplitPattern::GPT2;
  bool regexSplit = false, addPrefixSpace = false;
  /// Sentencepiece style: normalizer steps.
  std::string prepend;
  std::vector<std::pair<std::string, std::string>> replacements;
  /// Metaspace pre-tokenizer.
  bool metaspace = false, metaspaceSplit = false;
  std::string metaspaceReplacement = "\xe2\x96\x81";
  std::string prependScheme = "always";
  /// Decoding: strip one leading space of the decoded text.
  bool stripLeadingSpace = false;
  std::array<int32_t, 256> byteTokens;
  std::unordered_map<uint32_t, uint8_t> unicodeToByte;
  mutable std::unordered_map<std::string, std::vector<int32_t>> wordCache;
#ifdef VPTQ_RUNTIME_ENABLE_SENTENCEPIECE
  /// A tokenizer.model, through libsentencepiece.
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sentencePiece;
#endif

  std::vector<int32_t> bpe(const std::string &word) const;
  void encodeSegment(const std::string &text, bool first,
                     std::vector<int32_t> &out) const;
};

std::vector<int32_t> Tokenizer::Impl::bpe(const std::string &word) const {
  if (auto it = wordCache.find(word); it != wordCache.end())
    return it->second;
  std::vector<int32_t> ids;
  auto direct = vocab.find(word);
  if (ignoreMerges && direct != vocab.end()) {
    ids.push_back(direct->second);
  } else {
    for (const std::string &ch : utf8Chars(word)) {
      if (auto it = vocab.find(ch); it != vocab.end()) {
        ids.push_back(it->second);
      } else if (byteFallback) {
        for (unsigned char b : ch)
          if (byteTokens[b] >= 0)
            ids.push_back(byteTokens[b]);
      } else if (unk >= 0) {
        if (ids.empty() || ids.back() != unk)
          ids.push_back(unk);
      }
    }
    // Repeatedly merge the lowest-ranked adjacent pair (leftmost on ties).
    while (ids.size() > 1) {
      int32_t bestRank = INT32_MAX, bestId = -1;
      size_t bestAt = 0;
      for (size_t i = 0; i + 1 < ids.size(); ++i) {
        uint64_t key =
            (uint64_t(uint32_t(ids[i])) << 32) | uint32_t(ids[i + 1]);
        auto it = merges.find(key);
        if (it != merges.end() && it->second.first < bestRank) {
          bestRank = it->second.first;
          bestId = it->second.second;
          bestAt = i;
        }
      }
      if (bestId < 0)
        break;
      ids[bestAt] = bestId;
      ids.erase(ids.begin() + bestAt + 1);
    }
  }
  if (wordCache.size() < 100000)
    wordCache.emplace(word, ids);
  return ids;
}

void Tokenizer::Impl::encodeSegment(const std::string &input, bool first,
                                    std::vector<int32_t> &out) const {
  if (input.empty())
    return;
#ifdef VPTQ_RUNTIME_ENABLE_SENTENCEPIECE
  if (sentencePiece) {
    std::vector<int> ids;
    sentencePiece->Encode(input, &ids).IgnoreError();
    out.insert(out.end(), ids.begin(), ids.end());
    return;
  }
#endif
  std::string text = prepend + input;
  for (const auto &[from, to] : replacements) {
    std::string replaced;
    for (size_t i = 0; i < text.size();) {
      if (!from.empty() && text.compare(i, from.size(), from) == 0) {
        replaced += to;
        i += from.size();
      } else {
        replaced += text[i++];
      }
    }
    text = replaced;
  }
  std::vector<std::string> words;
  if (metaspace) {
    std::string replaced;
    for (char c : text)
      replaced += c == ' ' ? metaspaceReplacement : std::string(1, c);
    if (prependScheme == "always" || (prependScheme == "first" && first))
      if (replaced.compare(0, metaspaceReplacement.size(),
                           metaspaceReplacement) != 0)
        replaced = metaspaceReplacement + replaced;
    if (metaspaceSplit) {
      size_t start = 0;
      for (size_t i = metaspaceReplacement.size(); i <= replaced.size();) {
        if (i == replaced.size() ||
            replaced.compare(i, metaspaceReplacement.size(),
                             metaspaceReplacement) == 0) {
          words.push_back(replaced.substr(start, i - start));
          start = i;
          if (i == replaced.size())
            break;
          i += metaspaceReplacement.size();
        } else {
          ++i;
        }
      }
    } else {
      words.push_back(replaced);
    }
  } else if (byteLevel) {
    if (addPrefixSpace && first && text[0] != ' ')
      text = " " + text;
    std::vector<std::string> pieces =
        regexSplit ? splitWords(text, pattern) : std::vector<std::string>{text};
    const auto &table = byteToUnicode();
    for (const std::string &p : pieces) {
      std::string mapped;
      for (unsigned char b : p)
        appendUtf8(mapped, table[b]);
      words.push_back(mapped);
    }
  } else {
    words.push_back(text);
  }
  for (const std::string &w : words)
    for (int32_t id : bpe(w))
      out.push_back(id);
}

Tokenizer::Tokenizer() : impl(std::make_unique<Impl>()) {}
Tokenizer::~Tokenizer() = default;

Result<std::shared_ptr<Tokenizer>> Tokenizer::load(const std::string &dir) {
  auto read = [](const std::string &path, std::string &out) {
    std::ifstream in(path);
    if (!in)
      return false;
    std::stringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
  };
  std::string tokenizerJson, configJson;
  read(dir + "/tokenizer_config.json", configJson);
  if (read(dir + "/tokenizer.json", tokenizerJson))
    return parse(tokenizerJson, configJson, dir + "/tokenizer.json");
  std::string model = dir + "/tokenizer.model";
  if (std::ifstream(model).good())
    return loadSentencePiece(model, configJson);
  return Status::error(dir + ": no tokenizer.json or tokenizer.model "
                             "(convert llama2.c tokenizers with "
                             "vptq-convert)");
}

Result<std::shared_ptr<Tokenizer>>
Tokenizer::parse(const std::string &tokenizerJson,
                 const std::string &configJson, const std::string &source) {
  std::shared_ptr<Tokenizer> tok(new Tokenizer());
  Impl &m = *tok->impl;
  try {
    json j = json::parse(tokenizerJson);
    const json &model = j.at("model");
    std::string type = model.value("type", std::string("BPE"));
    if (type != "BPE")
      return Status::error(source + ": model type '" + type +
                           "' is not supported (only BPE)");
    const json &vocab = model.at("vocab");
    if (!vocab.is_object())
      return Status::error(source + ": model.vocab must be an object of "
                                    "token -> id");
    const json *added = nullptr;
    if (auto it = j.find("added_tokens"); it != j.end() && !it->is_null()) {
      if (!it->is_array())
        return Status::error(source + ": added_tokens must be a list");
      added = &*it;
    }
    // Ids index the token table, which is sized by the largest: they must
    // be integers below the number of entries (vocabularies are dense; an
    // id far past them is corruption, not a token).
    size_t entries = vocab.size() + (added ? added->size() : 0);
    auto readId = [&](const json &id, const std::string &field,
                      int32_t &out) -> Status {
      if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
          uint64_t(id.get<int64_t>()) >= entries)
        return Status::error(source + ": " + field + ": id " + id.dump() +
                             " is not an integer in [0, " +
                             std::to_string(entries) +
                             ") (ids must be below the number of tokens)");
      out = int32_t(id.get<int64_t>());
      return Status::success();
    };
    for (auto &[piece, id] : vocab.items()) {
      int32_t i = 0;
      VPTQ_RETURN_IF_ERROR(
          readId(id, "model.vocab[\"" + piece + "\"]", i));
      m.vocab[piece] = i;
      if (i >= int32_t(m.pieces.size()))
        m.pieces.resize(i + 1);
      m.pieces[i] = piece;
    }
    if (added)
      for (const json &a : *added) {
        if (!a.is_object())
          return Status::error(source + ": added_tokens: entry " + a.dump() +
                               " is not an object");
        int32_t id = 0;
        VPTQ_RETURN_IF_ERROR(readId(a.at("id"), "added_tokens", id));
        std::string content = a.at("content").get<std::string>();
        if (id >= int32_t(m.pieces.size()))
          m.pieces.resize(id + 1);
        m.pieces[id] = content;
        m.vocab[content] = id;
        if (m.special.size() <= size_t(id))
          m.special.resize(id + 1, false);
        m.special[id] = a.value("special", false);
        m.addedTokens.push_back({content, id});
      }
    m.special.resize(m.pieces.size(), false);
    std::sort(m.addedTokens.begin(), m.addedTokens.end(),
              [](const auto &a, const auto &b) {
                return a.first.size() > b.first.size();
              });
    m.byteFallback = model.value("byte_fallback", false);
    m.ignoreMerges = model.value("ignore_merges", false);
    if (std::string unk = jsonString(model, "unk_token"); !unk.empty())
      if (auto it = m.vocab.find(unk); it != m.vocab.end())
        m.unk = it->second;
    int32_t rank = 0;
    for (const json &merge : model.at("merges")) {
      std::string left, right;
      if (merge.is_string()) {
        std::string text = merge.get<std::string>();
        size_t space = text.find(' ', 1);
        if (space == std::string::npos)
          return Status::error(source + ": merge '" + text +
                               "' is not two tokens");
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else {
        left = merge.at(0).get<std::string>();
        right = merge.at(1).get<std::string>();
      }
      auto l = m.vocab.find(left), r = m.vocab.find(right),
           merged = m.vocab.find(left + right);
      if (l == m.vocab.end() || r == m.vocab.end() || merged == m.vocab.end())
        return Status::error(source + ": merge '" + left + " " + right +
                             "' names a token outside the vocabulary");
      uint64_t key =
          (uint64_t(uint32_t(l->second)) << 32) | uint32_t(r->second);
      m.merges.emplace(key, std::make_pair(rank++, merged->second));
    }
    m.byteTokens.fill(-1);
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof(name), "<0x%02X>", b);
      if (auto it = m.vocab.find(name); it != m.vocab.end())
        m.byteTokens[b] = it->second;
    }
    // Normalizer: Prepend and Replace steps (NFC and others are the
    // identity on already-normalized input).
    std::function<void(const json &)> normalizer = [&](const json &n) {
      if (n.is_null())
        return;
      std::string t = n.value("type", std::string());
      if (t == "Sequence")
        for (const json &step : n.at("normalizers"))
          normalizer(step);
      else if (t == "Prepend")
        m.prepend = n.at("prepend").get<std::string>();
      else if (t == "Replace")
        m.replacements.push_back(
            {n.at("pattern").value("String", std::string()),
             n.at("content").get<std::string>()});
    };
    if (auto n = j.find("normalizer"); n != j.end())
      normalizer(*n);
    std::function<Status(const json &)> preTokenizer =
        [&](const json &p) -> Status {
      if (p.is_null())
        return Status::success();
      std::string t = p.value("type", std::string());
      if (t == "Sequence") {
        for (const json &step : p.at("pretokenizers"))
          VPTQ_RETURN_IF_ERROR(preTokenizer(step));
      } else if (t == "ByteLevel") {
        m.byteLevel = true;
        m.addPrefixSpace = p.value("add_prefix_space", false);
        if (p.value("use_regex", true) && !m.regexSplit) {
          m.regexSplit = true;
          m.pattern = SplitPattern::GPT2;
        }
      } else if (t == "Split") {
        std::string regex = p.at("pattern").value("Regex", std::string());
        if (regex == kLlama3Pattern)
          m.pattern = SplitPattern::Llama3;
        else if (regex == kQwen2Pattern)
          m.pattern = SplitPattern::Qwen2;
        else if (regex == kGPT2Pattern)
          m.pattern = SplitPattern::GPT2;
        else
          return Status::error(source + ": pre-tokenizer split pattern '" +
                               regex +
                               "' is not supported (GPT-2, Llama 3 "
                               "and Qwen2 patterns are)");
        m.regexSplit = true;
      } else if (t == "Metaspace") {
        m.metaspace = true;
        m.metaspaceReplacement =
            p.value("replacement", std::string("\xe2\x96\x81"));
        m.metaspaceSplit = p.value("split", true);
        m.prependScheme =
            p.value("prepend_scheme",
                    std::string(p.value("add_prefix_space", true) ? "always"
                                                                  : "never"));
      } else if (t != "Digits" && t != "Punctuation") {
        return Status::error(source + ": pre-tokenizer '" + t +
                             "' is not supported");
      }
      return Status::success();
    };
    if (auto p = j.find("pre_tokenizer"); p != j.end())
      VPTQ_RETURN_IF_ERROR(preTokenizer(*p));
    if (m.byteLevel)
      for (int b = 0; b < 256; ++b)
        m.unicodeToByte[byteToUnicode()[b]] = uint8_t(b);
    // Sentencepiece style adds "▁" in front; decoding strips it.
    m.stripLeadingSpace =
        !m.byteLevel &&
        (!m.prepend.empty() || (m.metaspace && m.prependScheme != "never"));
    if (auto post = j.find("post_processor");
        post != j.end() && post->is_object() &&
        post->value("type", std::string()) == "TemplateProcessing")
      for (const json &piece : post->at("single"))
        if (piece.contains("SpecialToken")) {
          std::string bos =
              piece.at("SpecialToken").at("id").get<std::string>();
          if (auto it = m.vocab.find(bos); it != m.vocab.end()) {
            tok->bos_ = it->second;
            tok->addBos_ = true;
          }
          break;
        }
  } catch (const std::exception &e) {
    return Status::error(source + ": invalid tokenizer.json: " + e.what());
  }

  VPTQ_RETURN_IF_ERROR(tok->applyConfig(configJson, source));
  return tok;
}

Status Tokenizer::applyConfig(const std::string &configJson,
                              const std::string &source) {
  if (!configJson.empty()) {
    try {
      json c = json::parse(configJson);
      if (std::string bos = jsonString(c, "bos_token"); !bos.empty())
        if (auto id = tokenId(bos)) {
          bos_ = *id;
          addBos_ = c.value("add_bos_token", addBos_);
        }
      if (std::string eos = jsonString(c, "eos_token"); !eos.empty())
        if (auto id = tokenId(eos))
          addStopToken(*id);
      std::string tmpl;
      if (auto t = c.find("chat_template"); t != c.end()) {
        if (t->is_string())
          tmpl = t->get<std::string>();
        else if (t->is_array())
          for (const json &named : *t)
            tmpl += named.value("template", std::string());
      }
      if (tmpl.find("<|start_header_id|>") != std::string::npos)
        chat_ = ChatStyle::Llama3;
      else if (tmpl.find("<|im_start|>") != std::string::npos)
        chat_ = ChatStyle::ChatML;
      else if (tmpl.find("[INST]") != std::string::npos)
        chat_ = ChatStyle::Llama2;
    } catch (const std::exception &e) {
      return Status::error(source +
                           ": invalid tokenizer_config.json: " + e.what());
    }
  }
  for (const char *end :
       {"<|eot_id|>", "<|end_of_text|>", "<|im_end|>", "<|endoftext|>"})
    if (auto id = tokenId(end); id && isSpecial(*id))
      addStopToken(*id);
  return Status::success();
}

Result<std::shared_ptr<Tokenizer>>
Tokenizer::loadSentencePiece(const std::string &path,
                             const std::string &configJson) {
#ifdef VPTQ_RUNTIME_ENABLE_SENTENCEPIECE
  std::shared_ptr<Tokenizer> tok(new Tokenizer());
  Impl &m = *tok->impl;
  m.sentencePiece = std::make_unique<sentencepiece::SentencePieceProcessor>();
  // libsentencepiece reports some malformed models by throwing from its
  // trie builder (an empty piece: "zero-length key"), found by fuzzing.
  try {
    if (auto status = m.sentencePiece->Load(path); !status.ok())
      return Status::error(path + ": " + status.ToString());
  } catch (const std::exception &e) {
    return Status::error(path + ": invalid tokenizer.model: " + e.what());
  }
  int n = m.sentencePiece->GetPieceSize();
  m.pieces.resize(n);
  m.special.resize(n, false);
  for (int i = 0; i < n; ++i) {
    m.pieces[i] = m.sentencePiece->IdToPiece(i);
    m.vocab[m.pieces[i]] = i;
    if (m.sentencePiece->IsControl(i)) {
      m.special[i] = true;
      m.addedTokens.push_back({m.pieces[i], i});
    }
  }
  std::sort(m.addedTokens.begin(), m.addedTokens.end(),
            [](const auto &a, const auto &b) {
              return a.first.size() > b.first.size();
            });
  if (int bos = m.sentencePiece->bos_id(); bos >= 0) {
    tok->bos_ = bos;
    tok->addBos_ = true;
  }
  if (int eos = m.sentencePiece->eos_id(); eos >= 0)
    tok->addStopToken(eos);
  VPTQ_RETURN_IF_ERROR(tok->applyConfig(configJson, path));
  return tok;
#else
  (void)configJson;
  return Status::error(path + ": tokenizer.model files need the runtime "
                              "built with libsentencepiece (apt-get install "
                              "libsentencepiece-dev, then reconfigure)");
#endif
}

std::vector<int32_t> Tokenizer::encode(const std::string &text,
                                       bool parseSpecial) const {
  std::vector<int32_t> out;
  size_t start = 0;
  bool first = true;
  if (parseSpecial) {
    for (size_t i = 0; i < text.size();) {
      bool matched = false;
      for (const auto &[content, id] : impl->addedTokens) {
        if (!content.empty() && text.compare(i, content.size(), content) == 0) {
          impl->encodeSegment(text.substr(start, i - start), first, out);
          first = first && i == start;
          out.push_back(id);
          i += content.size();
          start = i;
          matched = true;
          first = false;
          break;
        }
      }
      if (!matched)
        ++i;
    }
  }
  impl->encodeSegment(text.substr(start), first, out);
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t> &ids,
                              bool skipSpecial) const {
  const Impl &m = *impl;
#ifdef VPTQ_RUNTIME_ENABLE_SENTENCEPIECE
  if (m.sentencePiece) {
    std::vector<int> kept;
    for (int32_t id : ids)
      if (id >= 0 && id < int32_t(m.pieces.size()) &&
          !(skipSpecial && isSpecial(id)))
        kept.push_back(id);
    std::string text;
    m.sentencePiece->Decode(kept, &text).IgnoreError();
    return text;
  }
#endif
  std::string out;
  for (int32_t id : ids) {
    if (id < 0 || id >= int32_t(m.pieces.size()))
      continue;
    if (skipSpecial && isSpecial(id))
      continue;
    const std::string &piece = m.pieces[id];
    if (m.byteLevel && !(id < int32_t(m.special.size()) && m.special[id])) {
      for (uint32_t c : toCodepoints(piece)) {
        auto it = m.unicodeToByte.find(c);
        if (it != m.unicodeToByte.end())
          out += char(it->second);
        else
          appendUtf8(out, c);
      }
      continue;
    }
    if (int byte = bytePieceValue(piece); byte >= 0) {
      out += char(byte);
      continue;
    }
    const std::string &space =
        m.metaspace ? m.metaspaceReplacement : std::string("\xe2\x96\x81");
    for (size_t i = 0; i < piece.size();) {
      if (!space.empty() && piece.compare(i, space.size(), space) == 0) {
        out += ' ';
        i += space.size();
      } else {
        out += piece[i++];
      }
    }
  }
  if (m.stripLeadingSpace && !out.empty() && out[0] == ' ')
    out.erase(0, 1);
  return out;
}

int64_t Tokenizer::vocabSize() const { return int64_t(impl->pieces.size()); }

std::optional<int32_t> Tokenizer::tokenId(const std::string &token) const {
  auto it = impl->vocab.find(token);
  if (it == impl->vocab.end())
    return std::nullopt;
  return it->second;
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && size_t(id) < impl->special.size() && impl->special[id];
}

void Tokenizer::addStopToken(int32_t id) {
  if (std::find(stop_.begin(), stop_.end(), id) == stop_.end())
    stop_.push_back(id);
}

std::string
Tokenizer::formatChat(const std::vector<ChatMessage> &messages) const {
  std::string out;
  switch (chat_) {
  case ChatStyle::Llama3:
    out = "<|begin_of_text|>";
    for (const ChatMessage &m : messages)
      out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" +
             m.content + "<|eot_id|>";
    return out + "<|start_header_id|>assistant<|end_header_id|>\n\n";
  case ChatStyle::ChatML:
    for (const ChatMessage &m : messages)
      out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
    return out + "<|im_start|>assistant\n";
  case ChatStyle::Llama2: {
    std::string system;
    bool open = false;
    for (const ChatMessage &m : messages) {
      if (m.role == "system") {
        system = m.content;
      } else if (m.role == "user") {
        out += "<s>[INST] ";
        if (!system.empty())
          out += "<<SYS>>\n" + system + "\n<</SYS>>\n\n";
        system.clear();
        out += m.content + " [/INST]";
        open = true;
      } else {
        out += " " + m.content + " </s>";
        open = false;
      }
    }
    (void)open;
    return out;
  }
  case ChatStyle::None:
    for (const ChatMessage &m : messages)
      if (m.role != "system")
        out += m.content + (m.role == "assistant" ? "\n" : "");
    return out;
  }
  return out;
}

StreamDecoder::StreamDecoder(const Tokenizer &tokenizer,
                             const std::vector<int32_t> &prompt)
    : tokenizer(tokenizer) {
  // Enough context to decide spaces and joins; not the whole prompt.
  size_t keep = std::min<size_t>(prompt.size(), 4);
  context.assign(prompt.end() - keep, prompt.end());
}

std::string StreamDecoder::push(int32_t id) {
  pending.push_back(id);
  std::vector<int32_t> all = context;
  all.insert(all.end(), pending.begin(), pending.end());
  std::string before = tokenizer.decode(context);
  std::string text = tokenizer.decode(all);
  if (text.compare(0, before.size(), before) != 0)
    before.clear(); // Decoding the context alone differs: emit everything.
  std::string piece = text.substr(before.size());
  // Hold back a character whose bytes are not all here yet.
  size_t i = piece.size();
  while (i > 0 && (static_cast<unsigned char>(piece[i - 1]) & 0xC0) == 0x80)
    --i;
  if (i > 0 && static_cast<unsigned char>(piece[i - 1]) >= 0xC0 &&
      i - 1 + utf8Length(piece[i - 1]) > piece.size())
    return "";
  context = all;
  if (context.size() > 4)
    context.erase(context.begin(), context.end() - 4);
  pending.clear();
  return piece;
}
