//===- vptq-convert.cpp - llama2.c checkpoints to Hugging Face folders ----===//
//
//   vptq-convert --llama2c stories260K.bin --tokenizer tok512.bin -o DIR
//
// Writes config.json (LlamaForCausalLM), model.safetensors, tokenizer.json
// and tokenizer_config.json, so the runtime only ever reads the Hugging Face
// layout. llama2.c rotates interleaved pairs (2i, 2i+1) of each head;
// Hugging Face Llama rotates (i, i + head_dim/2): the rows of wq and wk are
// permuted accordingly, as Hugging Face's own conversion script does.
//
//===----------------------------------------------------------------------===//

#include "Llama2c.h"
#include "vptq/Reference/Float16.h"
#include "vptq/Support/FileOutput.h"
#include "vptq/runtime/Checkpoint.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

using namespace vptq;
using namespace vptq::runtime;
using nlohmann::json;

namespace {

const char *kUsage =
    R"(usage: vptq-convert --llama2c MODEL.bin --tokenizer TOKENIZER.bin -o DIR
                    [--dtype f32|f16|bf16] [--force]

Converts a llama2.c checkpoint (legacy .bin: 7 x int32 header, float32
weights) and its tokenizer (.bin: max token length, then score, length and
bytes per token) into a Hugging Face model folder: config.json,
model.safetensors, tokenizer.json, tokenizer_config.json.

  --dtype   element type of the written weights (default f32: exact)
  --force   replace DIR if it exists (the folder is written beside it and
            swapped in once complete; without --force an existing DIR is
            refused)
)";

[[noreturn]] void die(const std::string &message) {
  std::cerr << "vptq-convert: error: " << message << "\n";
  std::exit(1);
}

std::vector<uint8_t> readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    die("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Reads float32 tensors in llama2.c order from the file.
class Reader {
public:
  Reader(const std::vector<uint8_t> &bytes, const std::string &path)
      : bytes(bytes), path(path) {}
  std::vector<float> take(int64_t count, const char *what) {
    if (count < 0 || size_t(count) > (bytes.size() - offset) / 4)
      die(path + ": the file ends inside '" + what + "' (truncated or not " +
          "a llama2.c checkpoint)");
    std::vector<float> v(count);
    if (count)
      std::memcpy(v.data(), bytes.data() + offset, count * 4);
    offset += count * 4;
    return v;
  }
  size_t remaining() const { return bytes.size() - offset; }

private:
  const std::vector<uint8_t> &bytes;
  std::string path;
  size_t offset = sizeof(llama2c::Header);
};

/// llama2.c's interleaved rotary pairs to Hugging Face's halves: within
/// each head, row 2i goes to i and row 2i+1 to i + head_dim/2.
std::vector<float> permuteRotaryRows(const std::vector<float> &w, int64_t heads,
                                     int64_t headDim, int64_t cols) {
  std::vector<float> out(w.size());
  for (int64_t h = 0; h < heads; ++h)
    for (int64_t r = 0; r < headDim; ++r) {
      int64_t to = (r % 2 == 0) ? r / 2 : r / 2 + headDim / 2;
      std::memcpy(&out[(h * headDim + to) * cols], &w[(h * headDim + r) * cols],
                  cols * sizeof(float));
    }
  return out;
}

/// tokenizer.json of a sentencepiece-style BPE (as Hugging Face writes it
/// for Llama 2): "▁" for spaces, byte fallback, merges ranked by the score
/// of the merged piece.
json tokenizerJSON(const std::string &path, int64_t vocabSize) {
  std::vector<uint8_t> bytes = readFile(path);
  std::vector<llama2c::Token> tokens;
  if (std::string err =
          llama2c::readTokenizer(bytes.data(), bytes.size(), path, tokens);
      !err.empty())
    die(err);
  std::vector<std::string> pieces;
  std::vector<float> scores;
  for (llama2c::Token &t : tokens) {
    pieces.push_back(std::move(t.piece));
    scores.push_back(t.score);
  }
  if (int64_t(pieces.size()) != vocabSize)
    die(path + " has " + std::to_string(pieces.size()) +
        " tokens, the model's vocabulary " + std::to_string(vocabSize));
  // Special tokens as sentencepiece names them; spaces back to "▁".
  const std::string space = "\xe2\x96\x81";
  std::map<std::string, int64_t> vocab;
  for (size_t i = 0; i < pieces.size(); ++i) {
    std::string p = pieces[i];
    if (i == 0)
      p = "<unk>";
    else if (i == 1)
      p = "<s>";
    else if (i == 2)
      p = "</s>";
    std::string q;
    for (char c : p)
      q += c == ' ' ? space : std::string(1, c);
    pieces[i] = q;
    vocab.emplace(q, int64_t(i));
  }
  // Merges: every split of a piece into two pieces, ranked by the merged
  // piece's score (then id), as sentencepiece merges by score.
  struct Merge {
    float score;
    int64_t id;
    std::string left, right;
  };
  std::vector<Merge> merges;
  auto utf8Length = [](unsigned char c) {
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  };
  for (size_t id = 3; id < pieces.size(); ++id) {
    const std::string &p = pieces[id];
    if (p.rfind("<0x", 0) == 0)
      continue;
    for (size_t cut = utf8Length(p[0]); cut < p.size();
         cut += utf8Length(p[cut])) {
      std::string l = p.substr(0, cut), r = p.substr(cut);
      if (vocab.count(l) && vocab.count(r))
        merges.push_back({scores[id], int64_t(id), l, r});
    }
  }
  std::sort(merges.begin(), merges.end(), [](const Merge &a, const Merge &b) {
    if (a.score != b.score)
      return a.score > b.score;
    if (a.id != b.id)
      return a.id < b.id;
    return a.left.size() < b.left.size();
  });
  json mergeList = json::array();
  for (const Merge &m : merges)
    mergeList.push_back(m.left + " " + m.right);
  json vocabJSON = json::object();
  for (size_t i = 0; i < pieces.size(); ++i)
    vocabJSON[pieces[i]] = i;
  auto special = [](int64_t id, const char *content) {
    return json{{"id", id},        {"content", content}, {"single_word", false},
                {"lstrip", false}, {"rstrip", false},    {"normalized", false},
                {"special", true}};
  };
  return {
      {"version", "1.0"},
      {"added_tokens",
       {special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")}},
      {"normalizer",
       {{"type", "Sequence"},
        {"normalizers",
         {{{"type", "Prepend"}, {"prepend", space}},
          {{"type", "Replace"},
           {"pattern", {{"String", " "}}},
           {"content", space}}}}}},
      {"pre_tokenizer", nullptr},
      {"post_processor", nullptr},
      {"decoder",
       {{"type", "Sequence"},
        {"decoders",
         {{{"type", "Replace"},
           {"pattern", {{"String", space}}},
           {"content", " "}},
          {{"type", "ByteFallback"}},
          {{"type", "Fuse"}},
          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
      {"model",
       {{"type", "BPE"},
        {"dropout", nullptr},
        {"unk_token", "<unk>"},
        {"continuing_subword_prefix", nullptr},
        {"end_of_word_suffix", nullptr},
        {"fuse_unk", true},
        {"byte_fallback", true},
        {"vocab", vocabJSON},
        {"merges", mergeList}}}};
}

} // namespace

int main(int argc, char **argv) {
  std::string modelPath, tokenizerPath, output, dtypeName = "f32";
  bool force = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--llama2c")
      modelPath = value();
    else if (a == "--tokenizer")
      tokenizerPath = value();
    else if (a == "-o" || a == "--output")
      output = value();
    else if (a == "--dtype")
      dtypeName = value();
    else if (a == "--force")
      force = true;
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else
      die("unknown argument '" + a + "' (see --help)");
  }
  if (modelPath.empty() || tokenizerPath.empty() || output.empty())
    die("--llama2c, --tokenizer and -o are required (see --help)");
  ref::DType dtype = dtypeName == "f32"    ? ref::DType::F32
                     : dtypeName == "f16"  ? ref::DType::F16
                     : dtypeName == "bf16" ? ref::DType::BF16
                                           : (die("--dtype must be f32, f16 or "
                                                  "bf16"),
                                              ref::DType::F32);

  std::vector<uint8_t> bytes = readFile(modelPath);
  llama2c::Header h;
  if (std::string err =
          llama2c::readHeader(bytes.data(), bytes.size(), modelPath, h);
      !err.empty())
    die(err);
  bool shared = h.sharedClassifier();
  int64_t vocab = h.vocab();
  // Refuse an existing output before the work, not after it.
  support::StagedDirectory staged;
  if (std::string err = staged.begin(output, force); !err.empty())
    die(err);
  const int64_t dim = h.dim, hidden = h.hiddenDim, layers = h.numLayers;
  const int64_t headDim = dim / h.numHeads, kvDim = h.numKVHeads * headDim;

  Reader r(bytes, modelPath);
  std::map<std::string, ref::HostTensor> tensors;
  auto put = [&](const std::string &name, const std::vector<float> &v,
                 std::vector<int64_t> shape) {
    tensors[name] = ref::encodeFloats(v, std::move(shape), dtype);
  };
  auto layer = [](int64_t l, const char *rest) {
    return "model.layers." + std::to_string(l) + "." + rest;
  };
  put("model.embed_tokens.weight", r.take(vocab * dim, "token_embedding_table"),
      {vocab, dim});
  // Each field holds all layers, layer after layer.
  auto perLayer = [&](const char *what, int64_t size) {
    std::vector<std::vector<float>> v;
    for (int64_t l = 0; l < layers; ++l)
      v.push_back(r.take(size, what));
    return v;
  };
  auto attnNorm = perLayer("rms_att_weight", dim);
  auto wq = perLayer("wq", dim * dim);
  auto wk = perLayer("wk", kvDim * dim);
  auto wv = perLayer("wv", kvDim * dim);
  auto wo = perLayer("wo", dim * dim);
  auto ffnNorm = perLayer("rms_ffn_weight", dim);
  auto w1 = perLayer("w1", hidden * dim);
  auto w2 = perLayer("w2", dim * hidden);
  auto w3 = perLayer("w3", hidden * dim);
  for (int64_t l = 0; l < layers; ++l) {
    put(layer(l, "input_layernorm.weight"), attnNorm[l], {dim});
    put(layer(l, "self_attn.q_proj.weight"),
        permuteRotaryRows(wq[l], h.numHeads, headDim, dim), {dim, dim});
    put(layer(l, "self_attn.k_proj.weight"),
        permuteRotaryRows(wk[l], h.numKVHeads, headDim, dim), {kvDim, dim});
    put(layer(l, "self_attn.v_proj.weight"), wv[l], {kvDim, dim});
    put(layer(l, "self_attn.o_proj.weight"), wo[l], {dim, dim});
    put(layer(l, "post_attention_layernorm.weight"), ffnNorm[l], {dim});
    put(layer(l, "mlp.gate_proj.weight"), w1[l], {hidden, dim});
    put(layer(l, "mlp.down_proj.weight"), w2[l], {dim, hidden});
    put(layer(l, "mlp.up_proj.weight"), w3[l], {hidden, dim});
  }
  put("model.norm.weight", r.take(dim, "rms_final_weight"), {dim});
  // Legacy precomputed rotary tables, unused.
  r.take(int64_t(h.seqLen) * headDim / 2, "freq_cis_real");
  r.take(int64_t(h.seqLen) * headDim / 2, "freq_cis_imag");
  if (!shared)
    put("lm_head.weight", r.take(vocab * dim, "wcls"), {vocab, dim});
  if (r.remaining() != 0)
    die(modelPath + ": " + std::to_string(r.remaining()) +
        " bytes left after the last tensor: the header does not describe this "
        "file");

  checkpoint::ModelConfig config;
  checkpoint::ModelArchitecture &a = config.arch;
  a.architecture = "LlamaForCausalLM";
  a.modelType = "llama";
  a.hiddenSize = dim;
  a.intermediateSize = hidden;
  a.numLayers = layers;
  a.numHeads = h.numHeads;
  a.numKVHeads = h.numKVHeads;
  a.headDim = headDim;
  a.vocabSize = vocab;
  a.maxPositionEmbeddings = h.seqLen;
  a.rmsNormEps = 1e-5;
  a.ropeTheta = 10000.0;
  a.tieWordEmbeddings = shared;
  a.torchDtype = dtype == ref::DType::F32   ? "float32"
                 : dtype == ref::DType::F16 ? "float16"
                                            : "bfloat16";
  a.bosTokenId = 1;
  a.eosTokenIds = {2};
  const std::string dir = staged.path();
  if (Status s = writeCheckpoint(dir, config, tensors); !s)
    die(s.message());
  for (const auto &[name, text] :
       {std::pair<std::string, std::string>{
            "tokenizer.json", tokenizerJSON(tokenizerPath, vocab).dump(2)},
        {"tokenizer_config.json",
         json({{"tokenizer_class", "LlamaTokenizerFast"},
               {"bos_token", "<s>"},
               {"eos_token", "</s>"},
               {"unk_token", "<unk>"},
               {"add_bos_token", true},
               {"add_eos_token", false},
               {"model_max_length", h.seqLen}})
             .dump(2)}})
    if (std::string err =
            support::writeFileAtomically(dir + "/" + name, text + "\n");
        !err.empty())
      die(err);
  if (std::string err = staged.commit(); !err.empty())
    die(err);
  std::cout << "wrote " << output << ": " << layers << " layers, dim " << dim
            << ", vocab " << vocab << ", " << tensors.size() << " tensors ("
            << ref::dtypeName(dtype) << ")\n";
  return 0;
}
