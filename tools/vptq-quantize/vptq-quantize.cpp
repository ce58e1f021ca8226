//===- vptq-quantize.cpp - Quantize a model with VPTQ ---------------------===//
//
//   vptq-quantize --model DIR --calibration TEXT -o OUT [options]
//
// Runs the floating-point model on calibration text (the runtime, on the CPU
// or a GPU) to collect each linear layer's input Hessian X^T X, quantizes
// every linear layer with VPTQ (lib/Quantizer), and writes a Hugging Face
// folder in the published VPTQ format (config.json with
// quantization_config, model.safetensors, the tokenizer files) that
// vptq-run runs directly. `--method rtn --bits B` instead writes the
// round-to-nearest baseline (dequantized, as a dense model).
//
// On a GPU (--device cuda) the calibration forward passes, the Hessian
// accumulation (vptq.gram) and every nearest-centroid search of k-means and
// of the column-by-column quantization (vptq.nearest) run there; the
// k-means++ seeding, the Cholesky factorization and the error propagation
// run on CPU threads.
//
//===----------------------------------------------------------------------===//

#include "vptq/Quantizer/DeviceMath.h"
#include "vptq/Quantizer/Quantizer.h"
#include "vptq/Support/FileOutput.h"
#include "vptq/runtime/VPTQ.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;
namespace fs = std::filesystem;

namespace {

/// This program's name as invoked (vptq-quantize or vptq-quantize-aot), for usage
/// and messages.
std::string program = "vptq-quantize";

const char *kUsage = R"(usage: PROGRAM --model DIR -o OUT [options]

Quantizes every linear layer of a Llama-family model with VPTQ (or the
round-to-nearest baseline) and writes a model folder vptq-run reads.

  --model DIR               floating-point model folder (Hugging Face layout)
  -o, --output DIR          folder to write
  --method vptq|rtn         VPTQ (default) or per-row round-to-nearest
  --calibration FILE        text whose blank-line paragraphs calibrate the
                            Hessians (required for vptq)
  --calibration-skip N      skip the first N paragraphs (default 0)
  --calibration-tokens N    tokens to run (default 8192)
  --vector-len N            vector length V (default 8)
  --centroids N             main codebook size K (default 256)
  --res-centroids N         residual codebook size, 0 = none (default 0)
  --codebooks N             codebooks per layer (group_num, default 1)
  --outliers N              outlier columns with their own codebook (default 0)
  --outlier-vector-len N    (default 4)
  --outlier-centroids N     (default 256)
  --norm                    per-input-column scale and bias (enable_norm)
  --no-perm                 keep the column order (no act-order permutation)
  --unpacked                store indices unpacked (int16), not packed
  --damping D               Hessian damping, a fraction of its mean diagonal
                            (default 0.01)
  --kmeans-iters N          Lloyd iteration cap (default 100)
  --seed S                  k-means seed (default 0)
  --skip REGEX              leave modules matching REGEX dense (repeatable;
                            default: lm_head)
  --bits B                  bits of --method rtn (default 4)
  --device cpu|cuda|hip     where calibration and the heavy math run
                            (default cpu)
  --math native|kernels     Hessians and nearest-centroid search on CPU
                            threads (native) or as vptq.gram/vptq.nearest
                            kernels on the device (default: kernels on a
                            GPU, native on the CPU)
  --bundle DIR              kernels from a vptq-compile bundle (repeatable;
                            vptq-compile --model M --quantizer makes one)
  --threads N               threads for the quantizer (default: all)
  --quiet                   no progress
  --force                   replace OUT if it exists (the new folder is
                            written beside it and swapped in once complete;
                            without --force an existing OUT is refused)
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

int64_t toInt(const std::string &flag, const std::string &v) {
  char *end = nullptr;
  long long x = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || x < 0)
    die(flag + " expects a non-negative integer, got '" + v + "'");
  return x;
}

struct Options {
  std::string model, output, method = "vptq", calibration;
  int64_t calibrationSkip = 0, calibrationTokens = 8192;
  int bits = 4;
  std::vector<std::string> skip;
  bool skipGiven = false, quiet = false, force = false;
  DeviceKind device = DeviceKind::CPU;
  std::string math;
  std::vector<std::string> bundles;
  quant::VPTQOptions vq;

  bool deviceMath() const { return math == "kernels"; }
};

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
    else if (a == "-o" || a == "--output")
      o.output = value();
    else if (a == "--method")
      o.method = value();
    else if (a == "--calibration")
      o.calibration = value();
    else if (a == "--calibration-skip")
      o.calibrationSkip = toInt(a, value());
    else if (a == "--calibration-tokens")
      o.calibrationTokens = toInt(a, value());
    else if (a == "--vector-len")
      o.vq.vectorLen = toInt(a, value());
    else if (a == "--centroids")
      o.vq.numCentroids = toInt(a, value());
    else if (a == "--res-centroids")
      o.vq.numResCentroids = toInt(a, value());
    else if (a == "--codebooks")
      o.vq.numCodebooks = toInt(a, value());
    else if (a == "--outliers")
      o.vq.outlierSize = toInt(a, value());
    else if (a == "--outlier-vector-len")
      o.vq.outlierVectorLen = toInt(a, value());
    else if (a == "--outlier-centroids")
      o.vq.numOutlierCentroids = toInt(a, value());
    else if (a == "--norm")
      o.vq.enableNorm = true;
    else if (a == "--no-perm")
      o.vq.enablePerm = false;
    else if (a == "--unpacked")
      o.vq.packed = false;
    else if (a == "--damping")
      o.vq.damping = std::stod(value());
    else if (a == "--kmeans-iters")
      o.vq.kmeansIterations = int(toInt(a, value()));
    else if (a == "--seed")
      o.vq.seed = uint64_t(toInt(a, value()));
    else if (a == "--skip") {
      o.skip.push_back(value());
      o.skipGiven = true;
    } else if (a == "--bits")
      o.bits = int(toInt(a, value()));
    else if (a == "--device") {
      std::string d = value();
      if (!parseDeviceKind(d, o.device))
        die("--device must be cpu, cuda or hip, got '" + d + "'");
    } else if (a == "--math")
      o.math = value();
    else if (a == "--bundle")
      o.bundles.push_back(value());
    else if (a == "--threads")
      o.vq.threads = int(toInt(a, value()));
    else if (a == "--quiet")
      o.quiet = true;
    else if (a == "--force")
      o.force = true;
    else if (a == "--help" || a == "-h") {
      std::cout << usage();
      std::exit(0);
    } else
      die("unknown argument '" + a + "' (see --help)");
  }
  if (o.model.empty() || o.output.empty())
    die("--model and -o are required (see --help)");
  if (o.method != "vptq" && o.method != "rtn")
    die("--method must be vptq or rtn, got '" + o.method + "'");
  if (o.method == "vptq" && o.calibration.empty())
    die("--calibration FILE is required for --method vptq");
  if (o.method == "rtn" && (o.bits < 1 || o.bits > 8))
    die("--bits must be between 1 and 8");
  if (!o.skipGiven)
    o.skip = {"^lm_head$"};
  if (o.math.empty())
    o.math = o.device == DeviceKind::CPU ? "native" : "kernels";
  if (o.math != "native" && o.math != "kernels")
    die("--math must be native or kernels, got '" + o.math + "'");
  return o;
}

/// Paragraphs of a text file (blank-line separated), trimmed.
std::vector<std::string> paragraphs(const std::string &path) {
  std::ifstream in(path);
  if (!in)
    die("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::string> out;
  for (size_t at = 0; at < text.size();) {
    size_t end = std::min(text.find("\n\n", at), text.size());
    std::string p = text.substr(at, end - at);
    at = end + 2;
    while (!p.empty() && (p.back() == '\n' || p.back() == ' '))
      p.pop_back();
    while (!p.empty() && p.front() == '\n')
      p.erase(0, 1);
    if (!p.empty())
      out.push_back(p);
  }
  return out;
}

bool skipped(const Options &o, const std::string &module) {
  for (const std::string &pattern : o.skip)
    if (std::regex_search(module, std::regex(pattern)))
      return true;
  return false;
}

/// Hessians X^T X of every linear layer's input over the calibration text.
std::map<std::string, std::vector<double>>
collectHessians(const Options &o, const checkpoint::ModelConfig &config,
                const std::shared_ptr<Runtime> &rt, quant::DeviceMath *math) {
  ModelOptions mo;
  mo.activation = DType::F32;
  auto model = Model::load(rt, o.model, mo);
  if (!model)
    die(model.message());
  auto tok = Tokenizer::load(o.model);
  if (!tok)
    die(tok.message());
  std::map<std::string, std::vector<double>> hessians;
  std::map<std::string, int64_t> inputs;
  for (const checkpoint::LinearModule &m : config.linearModules())
    inputs[m.name] = m.inFeatures;
  (*model)->setLinearInputHook([&](const std::string &name,
                                   const Tensor &x) -> Status {
    auto it = inputs.find(name);
    if (it == inputs.end() || skipped(o, name))
      return Status::success();
    if (math)
      return math->accumulate(name, x);
    auto host = rt->download(x);
    if (!host)
      return host.status();
    quant::accumulateGram(host->as<float>(), host->shape[0], it->second,
                          hessians[name], o.vq.threads);
    return Status::success();
  });
  std::vector<std::string> text = paragraphs(o.calibration);
  if (int64_t(text.size()) <= o.calibrationSkip)
    die(o.calibration + " has " + std::to_string(text.size()) +
        " paragraphs; --calibration-skip is " +
        std::to_string(o.calibrationSkip));
  int64_t tokens = 0, used = 0;
  auto start = std::chrono::steady_clock::now();
  for (size_t i = size_t(o.calibrationSkip);
       i < text.size() && tokens < o.calibrationTokens; ++i) {
    std::vector<int32_t> ids;
    if ((*tok)->bos() >= 0)
      ids.push_back((*tok)->bos());
    for (int32_t id : (*tok)->encode(text[i]))
      ids.push_back(id);
    if (int64_t(ids.size()) > (*model)->maxSequence())
      ids.resize((*model)->maxSequence());
    auto logits = (*model)->forward(ids, 0);
    if (!logits)
      die(logits.message());
    tokens += int64_t(ids.size());
    ++used;
    if (!o.quiet && isatty(STDERR_FILENO))
      std::fprintf(stderr, "\rcalibration: %lld tokens", (long long)tokens);
  }
  if (math)
    for (const auto &[name, n] : inputs) {
      if (skipped(o, name))
        continue;
      auto h = math->hessian(name);
      if (!h)
        die(h.message());
      hessians[name] = std::move(*h);
    }
  if (!o.quiet)
    std::fprintf(stderr, "\rcalibration: %lld tokens of %lld paragraphs in %.1f s\n",
                 (long long)tokens, (long long)used,
                 std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                               start)
                     .count());
  return hessians;
}

struct BitCount {
  double indices = 0, residual = 0, codebooks = 0, outliers = 0, norm = 0,
         perm = 0, weights = 0;
  void add(const ref::LayerConfig &c, int64_t permBits) {
    double mainCodes = double(c.numCodebooks * c.numIndexRows() * c.groupSize);
    indices += mainCodes * c.indexBits;
    residual += mainCodes * c.resIndexBits;
    codebooks += 16.0 * double(c.numCodebooks) * double(c.numCentroids + c.numResCentroids) *
                 double(c.vectorLen);
    if (c.hasOutliers())
      outliers += double(c.numOutlierIndexRows() * c.outlierSize) *
                      ref::bitsToAddress(c.numOutlierCentroids) +
                  16.0 * double(c.numOutlierCentroids * c.outlierVectorLen);
    if (c.enableNorm)
      norm += 32.0 * double(c.inFeatures);
    if (c.enablePerm)
      perm += double(permBits) * double(c.inFeatures);
    weights += double(c.inFeatures) * double(c.outFeatures);
  }
};

} // namespace

int main(int argc, char **argv) {
  if (argc > 0 && *argv[0])
    program = std::filesystem::path(argv[0]).filename().string();
  Options o = parseArgs(argc, argv);
  auto source = Checkpoint::open(o.model);
  if (!source)
    die(source.message());
  // Refuse an existing output before the work, not after it; the folder is
  // written beside its place and moved there whole.
  support::StagedDirectory staged;
  if (std::string err = staged.begin(o.output, o.force); !err.empty())
    die(err);
  checkpoint::ModelConfig config = (*source)->config();
  if (config.quantization)
    die(o.model + "/config.json: the model is already quantized");
  ref::DType modelType = ref::DType::F16;
  if (const SafetensorsEntry *e = (*source)->find("model.embed_tokens.weight");
      e && e->dtype)
    modelType = *e->dtype;

  auto start = std::chrono::steady_clock::now();
  std::map<std::string, std::vector<double>> hessians;
  std::unique_ptr<quant::DeviceMath> math;
  if (o.method == "vptq") {
    RuntimeOptions ro;
    ro.device = o.device;
    ro.bundles = o.bundles;
    auto rt = Runtime::create(ro);
    if (!rt)
      die(rt.message());
    if (o.deviceMath()) {
      math = std::make_unique<quant::DeviceMath>(*rt);
      o.vq.math = math.get();
    }
    hessians = collectHessians(o, config, *rt, math.get());
    if (!o.quiet)
      std::fprintf(stderr, "heavy math: %s\n",
                   math ? ("vptq.gram / vptq.nearest kernels on " +
                           std::string(deviceKindName(o.device)))
                              .c_str()
                        : "CPU threads");
  }

  std::map<std::string, ref::HostTensor> tensors;
  for (const std::string &name : (*source)->tensorNames()) {
    auto t = (*source)->load(name);
    if (!t)
      die(t.message());
    tensors[name] = std::move(*t);
  }
  std::vector<checkpoint::LinearModule> modules = config.linearModules();
  checkpoint::QuantizationConfig qc;
  BitCount bits;
  int64_t denseWeights = 0, rtnRows = 0, rtnWeights = 0;
  double errorSum = 0;
  int quantized = 0;
  bool tty = isatty(STDERR_FILENO) && !o.quiet;
  for (size_t i = 0; i < modules.size(); ++i) {
    const checkpoint::LinearModule &m = modules[i];
    std::string weightName = m.name + ".weight";
    if (skipped(o, m.name) || !tensors.count(weightName)) {
      denseWeights += m.inFeatures * m.outFeatures;
      continue;
    }
    const ref::HostTensor &wt = tensors.at(weightName);
    std::vector<float> w(wt.numElements());
    for (size_t k = 0; k < w.size(); ++k)
      w[k] = wt.floatAt(int64_t(k));
    if (o.method == "rtn") {
      rtnRows += m.outFeatures;
      rtnWeights += m.inFeatures * m.outFeatures;
      tensors[weightName] = ref::encodeFloats(
          quant::roundToNearest(w, m.outFeatures, m.inFeatures, o.bits, wt.dtype),
          wt.shape, wt.dtype);
      ++quantized;
      continue;
    }
    std::vector<float> bias;
    if (auto b = tensors.find(m.name + ".bias"); b != tensors.end())
      for (int64_t k = 0; k < b->second.numElements(); ++k)
        bias.push_back(b->second.floatAt(k));
    if (tty)
      std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", i + 1, modules.size(),
                   m.name.c_str());
    quant::LayerResult r;
    if (tty) {
      // "[3/35] model.layers.0.mlp.up_proj: k-means 12/100".
      auto layerStart = std::chrono::steady_clock::now();
      o.vq.progress = [&, layerStart](const char *stage, int64_t done,
                                      int64_t total) {
        static auto last = std::chrono::steady_clock::time_point();
        auto now = std::chrono::steady_clock::now();
        if (now - last < std::chrono::milliseconds(100) && done + 1 < total)
          return;
        last = now;
        std::fprintf(stderr, "\r\033[K[%zu/%zu] %s: %s %lld/%lld (%.0f s)",
                     i + 1, modules.size(), m.name.c_str(), stage,
                     (long long)done, (long long)total,
                     std::chrono::duration<double>(now - layerStart).count());
      };
    }
    try {
      r = quant::quantizeLayer(w, m.outFeatures, m.inFeatures, hessians[m.name],
                               bias, o.vq, modelType);
    } catch (const std::exception &e) {
      die(m.name + ": " + e.what());
    }
    if (std::string err = ref::validate(r.layer); !err.empty())
      die(m.name + ": the quantized layer is invalid: " + err);
    QuantizedLayer layer;
    layer.name = m.name;
    layer.quantization.config = r.layer.config;
    layer.tensors = ref::encodeLayer(r.layer, modelType);
    layer.modelType = modelType;
    tensors.erase(weightName);
    tensors.erase(m.name + ".bias");
    addQuantizedTensors(layer, tensors);
    qc.configForLayers[m.name] = layer.quantization;
    bits.add(r.layer.config, r.layer.config.packed ? 16 : 64);
    errorSum += r.relativeError;
    ++quantized;
    if (!o.quiet && !tty)
      std::fprintf(stderr, "[%zu/%zu] %s: relative output error %.4f\n", i + 1,
                   modules.size(), m.name.c_str(), r.relativeError);
  }
  if (tty)
    std::fprintf(stderr, "\r\033[K");
  if (o.method == "vptq")
    config.quantization = qc;
  if (Status s = writeCheckpoint(staged.path(), config, tensors); !s)
    die(s.message());
  for (const char *f : {"tokenizer.json", "tokenizer_config.json",
                        "tokenizer.model", "generation_config.json",
                        "special_tokens_map.json"}) {
    fs::path from = fs::path(o.model) / f;
    if (!fs::exists(from))
      continue;
    std::ifstream in(from, std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(in),
                      std::istreambuf_iterator<char>()};
    if (!in && !in.eof())
      die("cannot read " + from.string());
    if (std::string err = support::writeFileAtomically(
            (fs::path(staged.path()) / f).string(), bytes);
        !err.empty())
      die(err);
  }
  if (std::string err = staged.commit(); !err.empty())
    die(err);
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  if (o.method == "rtn") {
    std::printf("wrote %s: %d linear layers rounded to %d bits per weight "
                "(+ a 16-bit scale and zero point per row), dequantized, in "
                "%.1f s\nbits per weight of the quantized layers: %d values + "
                "%.3f scales = %.3f\n",
                o.output.c_str(), quantized, o.bits, seconds, o.bits,
                rtnWeights ? 32.0 * double(rtnRows) / double(rtnWeights) : 0.0,
                o.bits + (rtnWeights ? 32.0 * double(rtnRows) / double(rtnWeights)
                                     : 0.0));
    return 0;
  }
  double n = bits.weights;
  std::printf("wrote %s: %d linear layers VPTQ-quantized in %.1f s, mean "
              "relative output error %.4f\n"
              "bits per weight of the quantized layers: %.3f indices + %.3f "
              "residual indices + %.3f codebooks + %.3f outliers + %.3f norm "
              "+ %.3f perm = %.3f",
              o.output.c_str(), quantized, seconds,
              quantized ? errorSum / quantized : 0.0, bits.indices / n,
              bits.residual / n, bits.codebooks / n, bits.outliers / n,
              bits.norm / n, bits.perm / n,
              (bits.indices + bits.residual + bits.codebooks + bits.outliers +
               bits.norm + bits.perm) /
                  n);
  if (denseWeights)
    std::printf(" (%lld weights left dense)", (long long)denseWeights);
  std::printf("\n");
  return 0;
}
