//===- model-check.cpp - Whole models through the runtime on a GPU --------===//
//
//   vptq-model-check --model DIR --bundle DIR [--reference FILE]
//                    [--text FILE --paragraphs N] [--decode-tokens N]
//
// Runs a model on the CUDA device with VPTQ::runtime_aot and kernels from a
// vptq-compile bundle. With --reference (the numpy reference's JSON, see
// python/vptq_reference): compares the logits of every reference sequence,
// computed in one prefill and again one token at a time (CUDA graph), and
// the greedy continuation token for token; with --text: the perplexity.
// Then times prefill and decode, with and without CUDA graphs.
//
//===----------------------------------------------------------------------===//

#include "../BenchUtil.h"
#include "vptq/runtime/VPTQ.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
using bench::Clock;
using bench::die;
using bench::msSince;
using nlohmann::json;

namespace {

template <typename T> T orDie(Result<T> r) {
  if (!r)
    die(r.message());
  return std::move(*r);
}

/// The largest |got - want| relative to each row's largest |want|.
double worstLogitError(const std::vector<float> &got, const json &want) {
  size_t vocab = want[0].size();
  double worst = 0;
  for (size_t r = 0; r < want.size(); ++r) {
    double scale = 1e-30;
    for (size_t j = 0; j < vocab; ++j)
      scale = std::max(scale, std::fabs(want[r][j].get<double>()));
    for (size_t j = 0; j < vocab; ++j) {
      double e = std::fabs(double(got[r * vocab + j]) - want[r][j].get<double>());
      worst = std::max(worst, std::isfinite(e) ? e / scale : INFINITY);
    }
  }
  return worst;
}

std::unique_ptr<Model> load(std::shared_ptr<Runtime> rt, const std::string &dir,
                            bool graphs, std::optional<DType> act) {
  ModelOptions mo;
  mo.graphs = graphs;
  mo.activation = act;
  return orDie(Model::load(rt, dir, mo));
}

} // namespace

int main(int argc, char **argv) {
  std::string modelDir, referencePath, textPath, jsonPath, device = "cuda";
  std::vector<std::string> bundles;
  int64_t paragraphs = 300, decodeTokens = 128, promptTokens = 256;
  double tolerance = 1e-3;
  std::optional<DType> act;
  bench::ArgReader args(argc, argv, "vptq-model-check");
  while (args.next()) {
    const std::string &a = args.flag();
    if (a == "--model")
      modelDir = args.value();
    else if (a == "--bundle")
      bundles.push_back(args.value());
    else if (a == "--reference")
      referencePath = args.value();
    else if (a == "--text")
      textPath = args.value();
    else if (a == "--paragraphs")
      paragraphs = std::stoll(args.value());
    else if (a == "--decode-tokens")
      decodeTokens = std::stoll(args.value());
    else if (a == "--prompt-tokens")
      promptTokens = std::stoll(args.value());
    else if (a == "--tolerance")
      tolerance = std::stod(args.value());
    else if (a == "--f32")
      act = DType::F32;
    else if (a == "--device")
      device = args.value();
    else if (a == "--json")
      jsonPath = args.value();
    else if (a == "--help" || a == "-h") {
      std::cout << "usage: vptq-model-check --model DIR --bundle DIR "
                   "[--reference FILE] [--text FILE] [--paragraphs N] "
                   "[--decode-tokens N] [--prompt-tokens N] [--tolerance T] "
                   "[--f32] [--device cuda|cpu] [--json FILE]\n";
      return 0;
    } else
      args.unknown();
  }
  if (modelDir.empty())
    die("--model DIR is required");
  RuntimeOptions ro;
  if (!parseDeviceKind(device, ro.device))
    die("unknown device " + device);
  ro.bundles = bundles;
  ro.diskCache = false;
  auto rt = orDie(Runtime::create(ro));
  auto t0 = Clock::now();
  auto model = load(rt, modelDir, true, act);
  double loadMs = msSince(t0);
  // A copy: `model` is replaced below.
  const checkpoint::ModelArchitecture arch = model->config().arch;
  std::printf("model %s: %lld layers, hidden %lld, vocab %lld, %lld/%lld linear "
              "layers quantized, %s, %.1f MiB of weights, loaded in %.0f ms on %s\n",
              modelDir.c_str(), (long long)arch.numLayers,
              (long long)arch.hiddenSize, (long long)arch.vocabSize,
              (long long)model->quantizedLayers(), (long long)model->linearLayers(),
              ref::dtypeName(model->activation()),
              double(model->weightBytes()) / (1 << 20), loadMs,
              rt->device().describe().c_str());
  json out = {{"model", modelDir},
              {"device", rt->device().describe()},
              {"activation", ref::dtypeName(model->activation())},
              {"load_ms", loadMs}};
  int failures = 0;
  if (!referencePath.empty()) {
    std::ifstream in(referencePath);
    if (!in)
      die("cannot read " + referencePath);
    json ref = json::parse(in);
    json seqResults = json::array();
    for (const json &seq : ref.at("sequences")) {
      std::vector<int32_t> ids = seq.at("ids").get<std::vector<int32_t>>();
      auto prefill = orDie(model->forward(ids, 0, true));
      std::vector<float> stepwise;
      for (size_t t = 0; t < ids.size(); ++t) {
        auto step = orDie(model->forward({ids[t]}, int64_t(t)));
        stepwise.insert(stepwise.end(), step.begin(), step.end());
      }
      double ePrefill = worstLogitError(prefill, seq.at("logits"));
      double eDecode = worstLogitError(stepwise, seq.at("logits"));
      bool ok = ePrefill <= tolerance && eDecode <= tolerance;
      failures += !ok;
      std::printf("logits of %zu tokens: worst error %.2e (prefill), %.2e "
                  "(token-by-token decode) of the row's largest logit: %s\n",
                  ids.size(), ePrefill, eDecode, ok ? "OK" : "MISMATCH");
      seqResults.push_back({{"tokens", ids.size()},
                            {"prefill_error", ePrefill},
                            {"decode_error", eDecode},
                            {"ok", ok}});
    }
    out["logits"] = seqResults;
    if (ref.contains("greedy")) {
      std::vector<int32_t> ids = ref["greedy"]["ids"].get<std::vector<int32_t>>();
      std::vector<int32_t> want =
          ref["greedy"]["generated"].get<std::vector<int32_t>>();
      std::vector<float> logits = orDie(model->forward(ids, 0));
      std::vector<int32_t> got;
      for (size_t i = 0; i < want.size(); ++i) {
        int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) -
                               logits.begin());
        got.push_back(next);
        logits = orDie(model->forward({next}, int64_t(ids.size() + i)));
      }
      bool ok = got == want;
      failures += !ok;
      auto tok = orDie(Tokenizer::load(modelDir));
      std::vector<int32_t> all = ids;
      all.insert(all.end(), got.begin(), got.end());
      std::printf("greedy %zu tokens: %s\n  \"%s\"\n", want.size(),
                  ok ? "identical to the reference" : "DIFFERENT",
                  tok->decode(all).c_str());
      out["greedy"] = {{"ok", ok}, {"text", tok->decode(all)}};
    }
    if (ref.contains("perplexity") && !textPath.empty()) {
      auto tok = orDie(Tokenizer::load(modelDir));
      std::ifstream tin(textPath);
      std::stringstream ss;
      ss << tin.rdbuf();
      std::string text = ss.str();
      double nll = 0;
      int64_t count = 0, done = 0;
      auto start = Clock::now();
      for (size_t at = 0; at < text.size() && done < paragraphs;) {
        size_t end = std::min(text.find("\n\n", at), text.size());
        std::string p = text.substr(at, end - at);
        at = end + 2;
        while (!p.empty() && (p.back() == '\n' || p.back() == ' '))
          p.pop_back();
        while (!p.empty() && p.front() == '\n')
          p.erase(0, 1);
        if (p.empty())
          continue;
        ++done;
        std::vector<int32_t> ids = {tok->bos()};
        for (int32_t id : tok->encode(p))
          ids.push_back(id);
        if (int64_t(ids.size()) > model->maxSequence())
          ids.resize(model->maxSequence());
        auto logits = orDie(model->forward(ids, 0, true));
        const int64_t vocab = arch.vocabSize;
        for (size_t t = 0; t + 1 < ids.size(); ++t) {
          const float *row = logits.data() + t * vocab;
          double m = *std::max_element(row, row + vocab), sum = 0;
          for (int64_t j = 0; j < vocab; ++j)
            sum += std::exp(row[j] - m);
          nll += std::log(sum) + m - row[ids[t + 1]];
          ++count;
        }
      }
      double want = ref["perplexity"]["mean_nll"].get<double>();
      bool ok = std::fabs(nll / count - want) <= 1e-3;
      failures += !ok;
      std::printf("perplexity %.4f (mean NLL %.5f, reference %.5f) over %lld "
                  "tokens in %.0f ms: %s\n",
                  std::exp(nll / count), nll / count, want, (long long)count,
                  msSince(start), ok ? "OK" : "MISMATCH");
      out["perplexity"] = {{"perplexity", std::exp(nll / count)},
                           {"mean_nll", nll / count},
                           {"reference_mean_nll", want},
                           {"tokens", count},
                           {"ok", ok}};
    }
  }

  // Timing: a prompt of `promptTokens` tokens, then `decodeTokens` steps.
  json timing = json::array();
  for (bool graphs : {true, false}) {
    auto m = graphs ? std::move(model) : load(rt, modelDir, false, act);
    int64_t n = std::min<int64_t>(promptTokens, m->maxSequence() - decodeTokens - 1);
    std::vector<int32_t> prompt(n);
    for (int64_t i = 0; i < n; ++i)
      prompt[i] = int32_t((i * 7919 + 13) % arch.vocabSize);
    orDie(m->forward(prompt, 0)); // warm-up (and graph capture)
    orDie(m->forward({1}, n));
    auto start = Clock::now();
    orDie(m->forward(prompt, 0));
    double prefillMs = msSince(start);
    start = Clock::now();
    for (int64_t i = 0; i < decodeTokens; ++i)
      orDie(m->forward({int32_t(i % arch.vocabSize)}, n + i));
    double decodeMs = msSince(start);
    std::printf("%s: prefill %lld tokens in %.2f ms (%.0f tok/s); decode %lld "
                "tokens in %.2f ms (%.1f tok/s, %.3f ms/token)\n",
                graphs && m->usesGraphs() ? "CUDA graph decode" : "plain launches",
                (long long)n, prefillMs, n / prefillMs * 1000,
                (long long)decodeTokens, decodeMs, decodeTokens / decodeMs * 1000,
                decodeMs / decodeTokens);
    timing.push_back({{"graphs", graphs && m->usesGraphs()},
                      {"prompt_tokens", n},
                      {"prefill_ms", prefillMs},
                      {"decode_tokens", decodeTokens},
                      {"decode_ms", decodeMs}});
  }
  out["timing"] = timing;
  out["failures"] = failures;
  if (!jsonPath.empty())
    std::ofstream(jsonPath) << out.dump(2) << "\n";
  std::printf("%s\n", failures ? "FAILED" : "all checks passed");
  return failures ? 1 : 0;
}
