//===- Tokenizer.h - Hugging Face tokenizers --------------------*- C++ -*-===//
//
// Reads tokenizer.json (and tokenizer_config.json) of a model folder and
// encodes and decodes text as the Hugging Face `tokenizers` library does for
// BPE models: sentencepiece-style ("▁" for spaces, byte fallback: Llama 2,
// Mistral, llama2.c conversions) and byte-level (GPT-2 byte mapping with the
// Llama 3, Qwen2 or GPT-2 pre-tokenizer pattern). A folder with only a
// sentencepiece tokenizer.model is read with libsentencepiece when the
// runtime is built with it. Also formats chat conversations in the Llama 2,
// Llama 3 and ChatML (Qwen2) styles.
//
// The pre-tokenizer's Unicode letter and number classes are tables of the
// common scripts, not the full Unicode database: text in rarer scripts may
// split differently from `tokenizers`.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_TOKENIZER_H
#define VPTQ_RUNTIME_TOKENIZER_H

#include "vptq/runtime/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace vptq::runtime {

struct ChatMessage {
  std::string role; // "system", "user", "assistant"
  std::string content;
};

enum class ChatStyle { None, Llama2, Llama3, ChatML };

class Tokenizer {
public:
  /// Loads `dir`/tokenizer.json and, when present,
  /// `dir`/tokenizer_config.json.
  static Result<std::shared_ptr<Tokenizer>> load(const std::string &dir);
  /// Parses tokenizer.json text (and tokenizer_config.json text or "");
  /// `source` names them in messages.
  static Result<std::shared_ptr<Tokenizer>>
  parse(const std::string &tokenizerJson, const std::string &configJson,
        const std::string &source);
  ~Tokenizer();

  /// The ids of `text`, without BOS. With `parseSpecial`, added special
  /// tokens written in the text ("<|im_start|>") become their ids.
  std::vector<int32_t> encode(const std::string &text,
                              bool parseSpecial = false) const;
  /// The text of `ids`; special tokens are left out when `skipSpecial`.
  std::string decode(const std::vector<int32_t> &ids,
                     bool skipSpecial = true) const;

  int64_t vocabSize() const;
  /// The id of a token's text ("<s>", "<|eot_id|>"), if it has one.
  std::optional<int32_t> tokenId(const std::string &token) const;
  /// BOS (-1 if none), and whether prompts start with it.
  int32_t bos() const { return bos_; }
  bool addBos() const { return addBos_; }
  /// Tokens that end generation (EOS, end of turn).
  const std::vector<int32_t> &stopTokens() const { return stop_; }
  bool isSpecial(int32_t id) const;

  /// The chat format tokenizer_config.json's template implies.
  ChatStyle chatStyle() const { return chat_; }
  /// The prompt of a conversation, ending with the assistant's turn
  /// opening: text with special tokens, to encode with parseSpecial.
  std::string formatChat(const std::vector<ChatMessage> &messages) const;

  /// Overrides what tokenizer_config.json says (from config.json).
  void setBos(int32_t id) { bos_ = id; }
  void addStopToken(int32_t id);

  struct Impl;

private:
  Tokenizer();
  /// A tokenizer.model (sentencepiece) file.
  static Result<std::shared_ptr<Tokenizer>>
  loadSentencePiece(const std::string &path, const std::string &configJson);
  /// BOS, EOS and chat style from tokenizer_config.json text ("" = none),
  /// and the end-of-turn tokens of chat formats.
  Status applyConfig(const std::string &configJson, const std::string &source);
  std::unique_ptr<Impl> impl;
  int32_t bos_ = -1;
  bool addBos_ = false;
  std::vector<int32_t> stop_;
  ChatStyle chat_ = ChatStyle::None;
};

/// Decodes a growing token sequence into text pieces as they become valid
/// UTF-8 (tokens may hold parts of a character), each decoded after the
/// tokens before it (a leading space is kept where it is not the start).
class StreamDecoder {
public:
  /// `context`: the tokens before the first pushed one (the prompt).
  explicit StreamDecoder(const Tokenizer &tokenizer,
                         const std::vector<int32_t> &context = {});
  /// The new text after appending `id` ("" while a character is partial).
  std::string push(int32_t id);

private:
  const Tokenizer &tokenizer;
  /// A few decoded tokens before the pending ones, and the pending ones.
  std::vector<int32_t> context, pending;
};

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_TOKENIZER_H
