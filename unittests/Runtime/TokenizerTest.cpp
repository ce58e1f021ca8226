//===- TokenizerTest.cpp - The tokenizer against Hugging Face tokenizers --===//
//
// The runtime-tokenizer-cases fixture runs python/tests/
// make_tokenizer_cases.py, which writes tokenizers (the one vptq-convert
// makes for stories260K, and byte-level BPEs with the Llama 3, Qwen2 and
// GPT-2 pre-tokenizers) and the ids and text Hugging Face `tokenizers`
// gives for each test text ($VPTQ_TOKENIZER_CASES/cases.json). Every
// encoding and decoding must match exactly.
//
//===----------------------------------------------------------------------===//

#include "vptq/runtime/Tokenizer.h"
#include "TestUtil.h"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace vptq::runtime;
using nlohmann::json;

namespace {

std::string casesDir() {
  const char *dir = std::getenv("VPTQ_TOKENIZER_CASES");
  return dir ? dir : "";
}

class TokenizerReference : public testing::TestWithParam<std::string> {};

TEST_P(TokenizerReference, MatchesHuggingFaceTokenizers) {
  ASSERT_FALSE(casesDir().empty()) << "VPTQ_TOKENIZER_CASES is not set";
  std::ifstream in(casesDir() + "/cases.json");
  ASSERT_TRUE(in) << "no cases.json in " << casesDir();
  json cases = json::parse(in);
  const std::string name = GetParam();
  auto tok = Tokenizer::load(casesDir() + "/" + name);
  ASSERT_TRUE(tok.ok()) << tok.message();
  int checked = 0;
  for (const json &c : cases.at(name)) {
    std::string text = c.at("text").get<std::string>();
    std::vector<int32_t> want = c.at("ids").get<std::vector<int32_t>>();
    EXPECT_EQ((*tok)->encode(text), want) << name << ": " << text;
    EXPECT_EQ((*tok)->decode(want), c.at("decoded").get<std::string>())
        << name << ": " << text;
    ++checked;
  }
  EXPECT_GT(checked, 40);
}

INSTANTIATE_TEST_SUITE_P(Cases, TokenizerReference,
                         testing::Values("sentencepiece", "llama3", "qwen2",
                                         "gpt2", "spmodel"),
                         [](const auto &info) { return info.param; });

TEST(Tokenizer, SpecialTokensAndStreaming) {
  ASSERT_FALSE(casesDir().empty());
  auto tok = Tokenizer::load(casesDir() + "/qwen2");
  ASSERT_TRUE(tok.ok()) << tok.message();
  auto start = (*tok)->tokenId("<|im_start|>"),
       end = (*tok)->tokenId("<|im_end|>");
  ASSERT_TRUE(start && end);
  std::vector<int32_t> ids =
      (*tok)->encode("<|im_start|>user\nhi<|im_end|>", true);
  ASSERT_GE(ids.size(), 3u);
  EXPECT_EQ(ids.front(), *start);
  EXPECT_EQ(ids.back(), *end);
  // Without parseSpecial the markers are plain text.
  EXPECT_NE((*tok)->encode("<|im_start|>").front(), *start);
  EXPECT_EQ((*tok)->decode(ids), "user\nhi");
  // Stop tokens come from the ChatML markers.
  const auto &stop = (*tok)->stopTokens();
  EXPECT_NE(std::find(stop.begin(), stop.end(), *end), stop.end());

  // Streaming: multi-byte characters appear only when complete.
  std::string text = "caf\xc3\xa9 \xf0\x9f\x99\x82 done";
  StreamDecoder stream(**tok);
  std::string streamed;
  for (int32_t id : (*tok)->encode(text))
    streamed += stream.push(id);
  EXPECT_EQ(streamed, text);
}

// Sentencepiece style: the first generated piece keeps its space after a
// prompt; only the start of the text loses it.
TEST(Tokenizer, StreamingAfterAPrompt) {
  ASSERT_FALSE(casesDir().empty());
  auto tok = Tokenizer::load(casesDir() + "/sentencepiece");
  ASSERT_TRUE(tok.ok()) << tok.message();
  std::vector<int32_t> all = (*tok)->encode("Once upon a time there was");
  std::vector<int32_t> prompt = (*tok)->encode("Once upon");
  ASSERT_LT(prompt.size(), all.size());
  ASSERT_TRUE(std::equal(prompt.begin(), prompt.end(), all.begin()));
  std::vector<int32_t> rest(all.begin() + prompt.size(), all.end());
  StreamDecoder stream(**tok, prompt);
  std::string text;
  for (int32_t id : rest)
    text += stream.push(id);
  EXPECT_EQ(text, " a time there was");
  StreamDecoder fresh(**tok);
  std::string start;
  for (int32_t id : prompt)
    start += fresh.push(id);
  EXPECT_EQ(start, "Once upon");
}

TEST(Tokenizer, ChatFormats) {
  std::string vocab =
      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []},
    "added_tokens": [)";
  auto make = [&](const std::string &tmpl, const std::string &tokens) {
    json config = {{"chat_template", tmpl}};
    auto t = Tokenizer::parse(vocab + tokens + "]}", config.dump(), "test");
    EXPECT_TRUE(t.ok()) << t.message();
    return *t;
  };
  std::vector<ChatMessage> chat = {{"system", "Be brief."}, {"user", "Hi"}};
  auto llama3 = make("{{ '<|start_header_id|>' }}",
                     R"({"id": 1, "content": "<|eot_id|>", "special": true})");
  EXPECT_EQ(llama3->chatStyle(), ChatStyle::Llama3);
  EXPECT_EQ(llama3->formatChat(chat),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
            "Be brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi"
            "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(llama3->stopTokens(), std::vector<int32_t>{1});
  auto chatml = make("{{ '<|im_start|>' }}",
                     R"({"id": 1, "content": "<|im_end|>", "special": true})");
  EXPECT_EQ(chatml->formatChat(chat),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi"
            "<|im_end|>\n<|im_start|>assistant\n");
  auto llama2 =
      make("[INST]", R"({"id": 1, "content": "</s>", "special": true})");
  EXPECT_EQ(llama2->formatChat(chat),
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]");
}

TEST(Tokenizer, Errors) {
  auto missing = Tokenizer::load("/nonexistent/model");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.message().find(
                "/nonexistent/model: no tokenizer.json or tokenizer.model"),
            std::string::npos);
  auto wordPiece = Tokenizer::parse(
      R"({"model": {"type": "WordPiece", "vocab": {}}})", "", "t.json");
  ASSERT_FALSE(wordPiece.ok());
  EXPECT_EQ(wordPiece.message(),
            "t.json: model type 'WordPiece' is not supported (only BPE)");
  auto badMerge = Tokenizer::parse(
      R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b"]}})", "",
      "t.json");
  ASSERT_FALSE(badMerge.ok());
  EXPECT_NE(badMerge.message().find(
                "merge 'a b' names a token outside the vocabulary"),
            std::string::npos);
  auto regex = Tokenizer::parse(
      R"({"model": {"type": "BPE", "vocab": {}, "merges": []},
          "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "\\w+"}}})",
      "", "t.json");
  ASSERT_FALSE(regex.ok());
  EXPECT_NE(regex.message().find("split pattern '\\w+' is not supported"),
            std::string::npos);
  auto garbage = Tokenizer::parse("{not json", "", "t.json");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.message().find("t.json: invalid tokenizer.json"),
            std::string::npos);
}

// Hardening (found by fuzzing): ids that used to write out of bounds or
// allocate gigabytes, and byte pieces that threw, are errors or plain text.
TEST(Tokenizer, InvalidIdsAreErrors) {
  auto parse = [](const std::string &vocab, const std::string &added) {
    return Tokenizer::parse(R"({"model": {"type": "BPE", "vocab": )" + vocab +
                                R"(, "merges": []}, "added_tokens": )" +
                                added + "}",
                            "", "t.json");
  };
  struct Case {
    const char *vocab, *added, *message;
  };
  for (const Case &c : {
           Case{R"({"a": -1})", "[]",
                "t.json: model.vocab[\"a\"]: id -1 is not an integer in "
                "[0, 1)"},
           Case{R"({"a": 200000000})", "[]",
                "t.json: model.vocab[\"a\"]: id 200000000 is not an integer "
                "in [0, 1)"},
           Case{R"({"a": 1e300})", "[]", "id 1e+300 is not an integer"},
           Case{R"({"a": 0.5})", "[]", "id 0.5 is not an integer"},
           Case{R"({"a": "0"})", "[]", "id \"0\" is not an integer"},
           Case{R"({"a": 0})", R"([{"id": -5, "content": "<s>"}])",
                "t.json: added_tokens: id -5 is not an integer in [0, 2)"},
           Case{R"({"a": 0})", R"([{"id": 4294967296, "content": "<s>"}])",
                "added_tokens: id 4294967296 is not an integer"},
           Case{R"({"a": 0})", R"({"id": 1})", "added_tokens must be a list"},
           Case{R"([0])", "[]", "model.vocab must be an object"},
       }) {
    auto tok = parse(c.vocab, c.added);
    ASSERT_FALSE(tok.ok()) << c.vocab << " " << c.added;
    EXPECT_NE(tok.message().find(c.message), std::string::npos)
        << tok.message();
  }
  // Dense ids with an added token past the vocabulary are fine.
  auto ok = parse(R"({"a": 0, "b": 1})", R"([{"id": 2, "content": "<s>"}])");
  ASSERT_TRUE(ok.ok()) << ok.message();
  EXPECT_EQ((*ok)->vocabSize(), 3);
}

TEST(Tokenizer, MalformedBytePiecesDecodeAsText) {
  auto tok = Tokenizer::parse(
      R"({"model": {"type": "BPE", "byte_fallback": true,
          "vocab": {"<0xZZ>": 0, "<0x41>": 1, "<0x4g>": 2}, "merges": []}})",
      "", "t.json");
  ASSERT_TRUE(tok.ok()) << tok.message();
  EXPECT_EQ((*tok)->decode({1}), "A");
  EXPECT_EQ((*tok)->decode({0}), "<0xZZ>");
  EXPECT_EQ((*tok)->decode({2}), "<0x4g>");
}

#ifdef VPTQ_TEST_SENTENCEPIECE
// Hardening (found by fuzzing, fuzz/regressions/sentencepiece): a model with
// an empty piece made libsentencepiece throw out of the loader.
TEST(Tokenizer, SentencePieceModelWithAnEmptyPieceIsAnError) {
  static const unsigned char kModel[] = {
      0x0a, 0x0e, 0x0a, 0x05, 0x3c, 0x75, 0x6e, 0x6b, 0x3e, 0x15, 0x00, 0x00,
      0x00, 0x00, 0x18, 0x02, 0x0a, 0x0c, 0x0a, 0x03, 0x3c, 0x73, 0x3e, 0x15,
      0x00, 0x00, 0x00, 0x00, 0x18, 0x03, 0x0a, 0x0d, 0x0a, 0x04, 0x3c, 0x2f,
      0x73, 0x3e, 0x15, 0x00, 0x00, 0x00, 0x00, 0x18, 0x03, 0x0a, 0x0b, 0x0a,
      0x04, 0xe2, 0xd6, 0x81, 0x74, 0x15, 0x00, 0x00, 0x00, 0x80, 0x0a, 0x09,
      0x0a, 0x02, 0x68, 0x65, 0x15, 0x00, 0x00, 0x80, 0xbf, 0x0a, 0x0b, 0x0a,
      0x04, 0xe2, 0x96, 0x81, 0x61, 0x15, 0x00, 0x00, 0x00, 0xc0, 0x0a, 0x09,
      0x0a, 0x02, 0x6e, 0x64, 0x15, 0x00, 0x00, 0x40, 0x62, 0x15, 0x00, 0x00,
      0x00, 0xc1, 0x0a, 0x0a, 0x0a, 0x03, 0xe2, 0x96, 0x81, 0x15, 0x00, 0x00,
      0x10, 0xc1, 0x0a, 0x08, 0x0a, 0x01, 0x65, 0x15, 0x00, 0x00, 0x20, 0xc1,
      0x0a, 0x08, 0x0a, 0x01, 0x61, 0x15, 0x00, 0x00, 0x30, 0xc1, 0x0a, 0x08,
      0x0a, 0x01, 0x74, 0x15, 0x00, 0x00, 0x40, 0xc1, 0x0a, 0x08, 0x0a, 0x01,
      0x6f, 0x15, 0x00, 0x00, 0x50, 0xc1, 0x0a, 0x08, 0x0a, 0x01, 0x00, 0x15,
      0x00, 0x00, 0x60, 0xc1, 0x0a, 0x08, 0x0a, 0x01, 0x6e, 0x15, 0x00, 0x00,
      0x73, 0x70, 0x6d, 0x18, 0x02, 0x20, 0x3c, 0x1a, 0x0c, 0x0a, 0x08, 0x69,
      0x64, 0x65, 0x6e, 0x74, 0x69, 0x74, 0x79, 0x12, 0x00};
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("vptq-spm-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.model", std::ios::binary)
      .write(reinterpret_cast<const char *>(kModel), sizeof(kModel));
  auto tok = Tokenizer::load(dir.string());
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.message().find("tokenizer.model: invalid tokenizer.model"),
            std::string::npos)
      << tok.message();
}
#endif

} // namespace
