//===- vptq-run.cpp - Generate text with a (VPTQ-quantized) model ---------===//
//
//   vptq-run --model DIR --prompt "Once upon a time"
//   vptq-run --model DIR --chat
//   vptq-run --model DIR --perplexity FILE
//
// Streams tokens as they come; prints load time, prompt and decode speed.
//
//===----------------------------------------------------------------------===//

#include "vptq/engine/Sampler.h"
#include "vptq/runtime/VPTQ.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <random>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using Clock = std::chrono::steady_clock;

namespace {

/// This program's name as invoked (vptq-run or vptq-run-aot), for usage
/// and messages.
std::string program = "vptq-run";

const char *kUsage = R"(usage: PROGRAM --model DIR [options]

Runs a Llama-family model (Hugging Face folder, VPTQ-quantized or not).

  --model DIR            model folder (config.json, *.safetensors, tokenizer.json)
  --prompt TEXT          generate a continuation of TEXT (default: an empty prompt)
  --chat                 interactive chat on stdin (/reset, /exit); uses the
                         model's chat template (Llama 2, Llama 3, ChatML/Qwen2)
  --system TEXT          system message for --chat
  --perplexity FILE      report perplexity on FILE's paragraphs (blank-line
                         separated, each with BOS, truncated to the context)
  --paragraphs N         only the first N paragraphs for --perplexity
  --max-new-tokens N     tokens to generate at most (default 256)
  --temperature T        sampling temperature; 0 = greedy (default 0.8)
  --top-p P              nucleus sampling mass (default 0.9)
  --seed S               sampling seed (default: from the clock)
  --device cpu|cuda|hip  where to run (default cpu)
  --bundle DIR           kernels from a vptq-compile bundle (repeatable)
  --max-seq-len N        KV cache length (default: the model's, at most 4096)
  --dtype f16|bf16|f32   activation type (default: the model's)
  --no-graph             launch every kernel (no CUDA graph for decode steps)
  --no-jit               never compile kernels (bundles and the cache only)
  --quiet                no progress or statistics on stderr
  --verbose              report each kernel's origin on stderr
)";

/// The usage text with the program's name.
std::string usage() {
  std::string text = kUsage;
  return text.replace(text.find("PROGRAM"), 7, program);
}

[[noreturn]] void die(const std::string &message) {
  std::cerr << program << ": error: " << message << "\n";
  std::exit(1);
}

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Options {
  std::string model, prompt, system, perplexityFile;
  bool chat = false, quiet = false, verbose = false, graphs = true, jit = true,
       promptGiven = false;
  int64_t maxNewTokens = 256, paragraphs = -1, maxSeqLen = 0;
  double temperature = 0.8, topP = 0.9;
  uint64_t seed = 0;
  bool seedGiven = false;
  DeviceKind device = DeviceKind::CPU;
  std::vector<std::string> bundles;
  std::optional<DType> dtype;
};

int64_t toInt(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end)
    die(flag + " expects an integer, got '" + v + "'");
  return x;
}

double toDouble(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end)
    die(flag + " expects a number, got '" + v + "'");
  return x;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        die("missing value after " + a);
      return argv[++i];
    };
    if (a == "--model")
      o.model = value();
    else if (a == "--prompt") {
      o.prompt = value();
      o.promptGiven = true;
    } else if (a == "--chat")
      o.chat = true;
    else if (a == "--system")
      o.system = value();
    else if (a == "--perplexity")
      o.perplexityFile = value();
    else if (a == "--paragraphs")
      o.paragraphs = toInt(a, value());
    else if (a == "--max-new-tokens")
      o.maxNewTokens = toInt(a, value());
    else if (a == "--temperature")
      o.temperature = toDouble(a, value());
    else if (a == "--top-p")
      o.topP = toDouble(a, value());
    else if (a == "--seed") {
      o.seed = uint64_t(toInt(a, value()));
      o.seedGiven = true;
    } else if (a == "--device") {
      std::string d = value();
      if (!parseDeviceKind(d, o.device))
        die("--device must be cpu, cuda or hip, got '" + d + "'");
    } else if (a == "--bundle")
      o.bundles.push_back(value());
    else if (a == "--max-seq-len")
      o.maxSeqLen = toInt(a, value());
    else if (a == "--dtype") {
      std::string d = value();
      o.dtype = d == "f16"    ? DType::F16
                : d == "bf16" ? DType::BF16
                : d == "f32"
                    ? DType::F32
                    : (die("--dtype must be f16, bf16 or f32"), DType::F32);
    } else if (a == "--no-graph")
      o.graphs = false;
    else if (a == "--no-jit")
      o.jit = false;
    else if (a == "--quiet")
      o.quiet = true;
    else if (a == "--verbose")
      o.verbose = true;
    else if (a == "--help" || a == "-h") {
      std::cout << usage();
      std::exit(0);
    } else
      die("unknown argument '" + a + "' (see --help)");
  }
  if (o.model.empty())
    die("--model DIR is required (see --help)");
  if (o.temperature < 0)
    die("--temperature must not be negative");
  if (o.topP <= 0 || o.topP > 1)
    die("--top-p must be in (0, 1]");
  if (o.maxNewTokens < 0)
    die("--max-new-tokens must not be negative");
  int modes = int(o.chat) + int(!o.perplexityFile.empty());
  if (modes > 1 || (modes && o.promptGiven))
    die("--prompt, --chat and --perplexity exclude each other");
  return o;
}

struct Session {
  Options opts;
  std::shared_ptr<Runtime> runtime;
  std::unique_ptr<Model> model;
  std::shared_ptr<Tokenizer> tokenizer;
  std::mt19937_64 rng;
  /// Tokens in the KV cache.
  std::vector<int32_t> context;
  double promptSeconds = 0, decodeSeconds = 0;
  int64_t promptTokens = 0, decodeTokens = 0;

  bool isStop(int32_t id) const {
    const auto &stop = tokenizer->stopTokens();
    return std::find(stop.begin(), stop.end(), id) != stop.end();
  }

  /// Brings the cache to `tokens` (reusing the common prefix) and returns
  /// the logits of the last one.
  std::vector<float> feed(const std::vector<int32_t> &tokens) {
    size_t common = 0;
    while (common < context.size() && common < tokens.size() &&
           context[common] == tokens[common])
      ++common;
    if (common == tokens.size()) // Recompute the last token's logits.
      --common;
    std::vector<int32_t> fresh(tokens.begin() + common, tokens.end());
    auto start = Clock::now();
    auto logits = model->forward(fresh, int64_t(common));
    if (!logits)
      die(logits.message());
    promptSeconds += secondsSince(start);
    promptTokens += int64_t(fresh.size());
    context = tokens;
    return *logits;
  }

  /// Generates after `prompt`, streaming to stdout; returns the new ids.
  std::vector<int32_t> generate(const std::vector<int32_t> &prompt) {
    if (int64_t(prompt.size()) >= model->maxSequence())
      die("the prompt has " + std::to_string(prompt.size()) +
          " tokens; the context holds " + std::to_string(model->maxSequence()) +
          " (use a shorter prompt or --max-seq-len)");
    std::vector<float> logits = feed(prompt);
    StreamDecoder stream(*tokenizer, prompt);
    std::vector<int32_t> out;
    for (int64_t i = 0; i < opts.maxNewTokens; ++i) {
      engine::SamplingParams params;
      params.temperature = opts.temperature;
      params.topP = opts.topP;
      auto sampled = engine::sampleToken(logits.data(), logits.size(), params,
                                         rng);
      if (!sampled)
        die(sampled.message() + " (after " +
            std::to_string(context.size()) + " tokens)");
      int32_t next = *sampled;
      if (isStop(next))
        break;
      out.push_back(next);
      std::cout << stream.push(next) << std::flush;
      if (int64_t(context.size()) + 1 >= model->maxSequence()) {
        if (!opts.quiet)
          std::cerr << "\n[context of " << model->maxSequence()
                    << " tokens full]";
        break;
      }
      auto start = Clock::now();
      auto step = model->forward({next}, int64_t(context.size()));
      if (!step)
        die(step.message());
      decodeSeconds += secondsSince(start);
      ++decodeTokens;
      context.push_back(next);
      logits = std::move(*step);
    }
    std::cout << "\n" << std::flush;
    return out;
  }

  std::vector<int32_t> encodePrompt(const std::string &text, bool special) {
    std::vector<int32_t> ids;
    if (tokenizer->addBos() && tokenizer->bos() >= 0 &&
        text.rfind("<|begin_of_text|>", 0) != 0 && text.rfind("<s>", 0) != 0)
      ids.push_back(tokenizer->bos());
    for (int32_t id : tokenizer->encode(text, special))
      ids.push_back(id);
    return ids;
  }

  void chat() {
    std::vector<ChatMessage> messages;
    if (!opts.system.empty())
      messages.push_back({"system", opts.system});
    bool tty = isatty(STDIN_FILENO);
    if (!opts.quiet)
      std::cerr << "chat ("
                << (tokenizer->chatStyle() == ChatStyle::None
                        ? "no chat template: plain continuation"
                        : "template from tokenizer_config.json")
                << "); /reset starts over, /exit or end of input quits\n";
    std::string line;
    while (true) {
      if (tty)
        std::cout << "> " << std::flush;
      if (!std::getline(std::cin, line) || line == "/exit")
        break;
      if (line == "/reset") {
        messages.erase(std::remove_if(messages.begin(), messages.end(),
                                      [](const ChatMessage &m) {
                                        return m.role != "system";
                                      }),
                       messages.end());
        context.clear();
        continue;
      }
      if (line.empty())
        continue;
      messages.push_back({"user", line});
      std::vector<int32_t> prompt =
          encodePrompt(tokenizer->formatChat(messages), true);
      if (int64_t(prompt.size()) >= model->maxSequence()) {
        std::cerr << "vptq-run: the conversation no longer fits the context of "
                  << model->maxSequence() << " tokens; /reset to start over\n";
        messages.pop_back();
        continue;
      }
      std::vector<int32_t> answer = generate(prompt);
      messages.push_back({"assistant", tokenizer->decode(answer)});
    }
  }

  void perplexity() {
    std::ifstream in(opts.perplexityFile);
    if (!in)
      die("cannot read " + opts.perplexityFile);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    std::vector<std::string> paragraphs;
    for (size_t at = 0; at < text.size();) {
      size_t end = text.find("\n\n", at);
      if (end == std::string::npos)
        end = text.size();
      std::string p = text.substr(at, end - at);
      while (!p.empty() && (p.back() == '\n' || p.back() == ' '))
        p.pop_back();
      while (!p.empty() && p.front() == '\n')
        p.erase(0, 1);
      if (!p.empty())
        paragraphs.push_back(p);
      at = end + 2;
    }
    if (opts.paragraphs >= 0 && int64_t(paragraphs.size()) > opts.paragraphs)
      paragraphs.resize(opts.paragraphs);
    if (paragraphs.empty())
      die(opts.perplexityFile + " has no text");
    double nll = 0;
    int64_t count = 0;
    auto start = Clock::now();
    const int64_t vocab = model->config().arch.vocabSize;
    for (size_t i = 0; i < paragraphs.size(); ++i) {
      std::vector<int32_t> ids = encodePrompt(paragraphs[i], false);
      if (int64_t(ids.size()) > model->maxSequence())
        ids.resize(model->maxSequence());
      if (ids.size() < 2)
        continue;
      auto logits = model->forward(ids, 0, /*allLogits=*/true);
      if (!logits)
        die(logits.message());
      for (size_t t = 0; t + 1 < ids.size(); ++t) {
        const float *row = logits->data() + t * vocab;
        double maxLogit = *std::max_element(row, row + vocab);
        double sum = 0;
        for (int64_t j = 0; j < vocab; ++j)
          sum += std::exp(double(row[j]) - maxLogit);
        nll += std::log(sum) + maxLogit - row[ids[t + 1]];
        ++count;
      }
      if (!opts.quiet && isatty(STDERR_FILENO))
        std::fprintf(stderr, "\r[%zu/%zu] perplexity %.4f", i + 1,
                     paragraphs.size(), std::exp(nll / double(count)));
    }
    if (!opts.quiet && isatty(STDERR_FILENO))
      std::fprintf(stderr, "\n");
    double seconds = secondsSince(start);
    std::printf("perplexity %.4f (mean NLL %.5f) over %lld tokens of %zu "
                "paragraphs of %s\n",
                std::exp(nll / double(count)), nll / double(count),
                (long long)count, paragraphs.size(),
                opts.perplexityFile.c_str());
    if (!opts.quiet)
      std::fprintf(stderr, "scored in %.2f s (%.1f tok/s)\n", seconds,
                   double(count) / seconds);
  }
};

} // namespace

int main(int argc, char **argv) {
  if (argc > 0 && *argv[0])
    program = std::filesystem::path(argv[0]).filename().string();
  Session s;
  s.opts = parseArgs(argc, argv);
  const Options &o = s.opts;
  s.rng.seed(o.seedGiven ? o.seed
                         : uint64_t(Clock::now().time_since_epoch().count()));
  auto loadStart = Clock::now();
  RuntimeOptions ro;
  ro.device = o.device;
  ro.bundles = o.bundles;
  ro.jit = o.jit;
  ro.verbose = o.verbose;
  auto rt = Runtime::create(ro);
  if (!rt)
    die(rt.message());
  s.runtime = *rt;
  // The folder and its config first: their errors say the most.
  if (auto cp = Checkpoint::open(o.model); !cp)
    die(cp.message());
  auto tok = Tokenizer::load(o.model);
  if (!tok)
    die(tok.message());
  s.tokenizer = *tok;
  ModelOptions mo;
  mo.activation = o.dtype;
  mo.maxSequence = o.maxSeqLen;
  mo.graphs = o.graphs;
  bool tty = isatty(STDERR_FILENO) && !o.quiet;
  mo.progress = [&](int64_t done, int64_t total) {
    if (tty)
      std::fprintf(stderr, "\rloading layer %lld/%lld", (long long)done,
                   (long long)total);
  };
  auto model = Model::load(s.runtime, o.model, mo);
  if (tty)
    std::fprintf(stderr, "\r\033[K");
  if (!model)
    die(model.message());
  s.model = std::move(*model);
  const checkpoint::ModelArchitecture &a = s.model->config().arch;
  // config.json's ids complete the tokenizer's.
  if (s.tokenizer->bos() < 0 && a.bosTokenId >= 0)
    s.tokenizer->setBos(int32_t(a.bosTokenId));
  for (int64_t eos : a.eosTokenIds)
    s.tokenizer->addStopToken(int32_t(eos));
  double loadSeconds = secondsSince(loadStart);
  if (!o.quiet) {
    KernelStats ks = s.runtime->kernelStats();
    std::fprintf(stderr,
                 "%s: %lld layers, %lld of %lld linear layers VPTQ-quantized, "
                 "%s activations, %.1f MiB of weights on %s\n"
                 "loaded in %.2f s (kernels: %d compiled in %.2f s, %d from "
                 "the cache, %d from bundles)\n",
                 o.model.c_str(), (long long)a.numLayers,
                 (long long)s.model->quantizedLayers(),
                 (long long)s.model->linearLayers(),
                 ref::dtypeName(s.model->activation()),
                 double(s.model->weightBytes()) / (1 << 20),
                 s.runtime->device().describe().c_str(), loadSeconds,
                 ks.compiled, ks.compileSeconds, ks.cacheLoads, ks.bundleLoads);
  }

  if (!o.perplexityFile.empty()) {
    s.perplexity();
    return 0;
  }
  if (o.chat)
    s.chat();
  else {
    std::vector<int32_t> prompt = s.encodePrompt(o.prompt, false);
    if (prompt.empty())
      die("the prompt is empty and the tokenizer has no BOS token to start "
          "from");
    std::cout << o.prompt << std::flush;
    s.generate(prompt);
  }
  if (!o.quiet)
    std::fprintf(
        stderr,
        "prompt: %lld tokens in %.3f s (%.1f tok/s); decode: %lld "
        "tokens in %.3f s (%.1f tok/s)%s\n",
        (long long)s.promptTokens, s.promptSeconds,
        s.promptSeconds > 0 ? double(s.promptTokens) / s.promptSeconds : 0.0,
        (long long)s.decodeTokens, s.decodeSeconds,
        s.decodeSeconds > 0 ? double(s.decodeTokens) / s.decodeSeconds : 0.0,
        s.model->usesGraphs() ? ", CUDA graph" : "");
  return 0;
}
