//===- vptq-checkpoint.cpp - Inspect, validate and synthesize checkpoints -===//
//
//   vptq-checkpoint info DIR        architecture, quantized layers, sizes;
//                                   validates every quantized layer
//   vptq-checkpoint synth -o DIR    a random Llama-family checkpoint in the
//                                   published VPTQ layout (for tests and
//                                   benchmarks: right format, meaningless
//                                   weights)
//
//===----------------------------------------------------------------------===//

#include "vptq/Reference/Float16.h"
#include "vptq/Support/FileOutput.h"
#include "vptq/runtime/Checkpoint.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <sstream>

using namespace vptq;
using namespace vptq::runtime;

namespace {

const char *kUsage = R"(usage: vptq-checkpoint <command> [options]

Commands:
  info DIR       Print a model folder's architecture and quantized layers,
                 and check every quantized layer (tensors present, dtypes,
                 shapes, index ranges, perms). Exit status 1 on any problem.
  synth -o DIR   Write a random Llama-family checkpoint in the VPTQ layout.

synth options (defaults in brackets):
  -o, --output DIR          folder to write (required)
  --hidden N                hidden size [256]
  --intermediate N          MLP size [688]
  --layers N                decoder layers [2]
  --heads N                 attention heads [4]
  --kv-heads N              key/value heads [2]
  --vocab N                 vocabulary size [512]
  --vector-len N            VQ vector length [8]
  --centroids N             main codebook entries [4096]
  --res-centroids N         residual codebook entries, 0 for none [256]
  --outliers N              outlier columns per layer [0]
  --unpacked                store indices unpacked (int16), not packed
  --no-perm, --no-norm      omit the column permutation / channel norm
  --quantize-lm-head        quantize lm_head too (kept dense by default)
  --dtype f16|bf16          model dtype [f16]
  --seed N                  random seed [1]
  --force                   replace DIR if it exists (written beside it and
                            swapped in once complete; refused without it)
)";

[[noreturn]] void die(const std::string &message) {
  std::cerr << "vptq-checkpoint: error: " << message << "\n";
  std::exit(1);
}

int64_t toInt(const std::string &option, const std::string &value) {
  char *end = nullptr;
  long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end || v < 0)
    die(option + " expects a non-negative integer, got '" + value + "'");
  return v;
}

/// "[k/n] name" redrawn on a terminal, nothing otherwise.
void progress(size_t done, size_t total, const std::string &what) {
  static bool tty = isatty(STDERR_FILENO);
  if (!tty)
    return;
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, total, what.c_str());
  if (done == total)
    std::fprintf(stderr, "\n");
}

std::string describeLayer(const ref::LayerConfig &c) {
  std::ostringstream os;
  os << "v" << c.vectorLen << " k" << c.numCentroids;
  if (c.hasResidual())
    os << "+" << c.numResCentroids;
  if (c.numCodebooks > 1)
    os << " x" << c.numCodebooks << " codebooks";
  if (c.hasOutliers())
    os << " outliers " << c.outlierSize;
  os << (c.packed ? " packed" : " unpacked") << (c.enablePerm ? " perm" : "")
     << (c.enableNorm ? " norm" : "") << (c.bias ? " bias" : "");
  char bits[32];
  std::snprintf(bits, sizeof(bits), ", %.2f bits/weight",
                c.indexBitsPerWeight());
  return os.str() + bits;
}

int info(const std::string &dir) {
  auto cp = Checkpoint::open(dir);
  if (!cp)
    die(cp.message());
  const checkpoint::ModelConfig &m = (*cp)->config();
  const checkpoint::ModelArchitecture &a = m.arch;
  std::cout << dir << ": " << a.architecture << " (" << a.modelType << "), "
            << a.numLayers << " layers, hidden " << a.hiddenSize
            << ", intermediate " << a.intermediateSize << ", heads "
            << a.numHeads << "/" << a.numKVHeads << " (head_dim " << a.headDim
            << "), vocab " << a.vocabSize << ", " << a.torchDtype << "\n";
  uint64_t bytes = 0;
  for (const std::string &name : (*cp)->tensorNames())
    bytes += (*cp)->find(name)->bytes;
  std::cout << (*cp)->tensorNames().size() << " tensors, "
            << (bytes + (1 << 19)) / (1 << 20) << " MiB\n";
  std::vector<checkpoint::LinearModule> modules = m.linearModules();
  int problems = 0, quantized = 0;
  for (size_t i = 0; i < modules.size(); ++i) {
    const checkpoint::LinearModule &mod = modules[i];
    progress(i + 1, modules.size(), mod.name);
    const checkpoint::LayerQuantization *q =
        m.quantization ? m.quantization->lookup(mod.name) : nullptr;
    std::ostringstream line;
    line << "  " << mod.name << " [" << mod.outFeatures << " x "
         << mod.inFeatures << "] ";
    if (!q) {
      std::string weight = mod.name + ".weight";
      if (!(*cp)->find(weight)) {
        line << "dense: MISSING tensor '" << weight << "'";
        ++problems;
      } else {
        line << "dense";
      }
    } else {
      ++quantized;
      auto layer = (*cp)->loadQuantized(mod.name);
      line << describeLayer(q->config);
      if (!layer) {
        line << "\n    ERROR: " << layer.message();
        ++problems;
      }
    }
    std::cout << line.str() << "\n";
  }
  std::cout << quantized << " of " << modules.size()
            << " linear layers VPTQ-quantized; "
            << (problems ? std::to_string(problems) + " problem(s)"
                         : "all valid")
            << "\n";
  return problems ? 1 : 0;
}

struct SynthOptions {
  std::string output;
  int64_t hidden = 256, intermediate = 688, layers = 2, heads = 4, kvHeads = 2,
          vocab = 512, vectorLen = 8, centroids = 4096, resCentroids = 256,
          outliers = 0;
  bool packed = true, perm = true, norm = true, quantizeLMHead = false;
  bool force = false;
  ref::DType dtype = ref::DType::F16;
  uint64_t seed = 1;
};

ref::HostTensor randomDense(std::vector<int64_t> shape, float scale,
                            uint64_t seed, ref::DType dtype) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return ref::encodeFloats(ref::randomFloats(n, seed, -scale, scale, dtype),
                           std::move(shape), dtype);
}

int synth(const SynthOptions &o) {
  support::StagedDirectory staged;
  if (std::string err = staged.begin(o.output, o.force); !err.empty())
    die(err);
  if (o.output.empty())
    die("synth needs -o DIR");
  if (o.heads == 0 || o.hidden % o.heads != 0)
    die("--hidden must be a multiple of --heads");
  if (o.kvHeads == 0 || o.heads % o.kvHeads != 0)
    die("--heads must be a multiple of --kv-heads");
  checkpoint::ModelConfig m;
  checkpoint::ModelArchitecture &a = m.arch;
  a.architecture = "LlamaForCausalLM";
  a.modelType = "llama";
  a.hiddenSize = o.hidden;
  a.intermediateSize = o.intermediate;
  a.numLayers = o.layers;
  a.numHeads = o.heads;
  a.numKVHeads = o.kvHeads;
  a.headDim = o.hidden / o.heads;
  a.vocabSize = o.vocab;
  a.maxPositionEmbeddings = 2048;
  a.rmsNormEps = 1e-5;
  a.torchDtype = o.dtype == ref::DType::BF16 ? "bfloat16" : "float16";
  a.bosTokenId = 1;
  a.eosTokenIds = {2};
  m.quantization = checkpoint::QuantizationConfig();

  std::map<std::string, ref::HostTensor> tensors;
  uint64_t seed = o.seed;
  tensors["model.embed_tokens.weight"] =
      randomDense({o.vocab, o.hidden}, 1.0f, seed++, o.dtype);
  tensors["model.norm.weight"] = randomDense({o.hidden}, 1.0f, seed++, o.dtype);
  for (int64_t i = 0; i < o.layers; ++i)
    for (const char *norm : {"input_layernorm", "post_attention_layernorm"})
      tensors["model.layers." + std::to_string(i) + "." + norm + ".weight"] =
          randomDense({o.hidden}, 1.0f, seed++, o.dtype);

  std::vector<checkpoint::LinearModule> modules = m.linearModules();
  for (size_t i = 0; i < modules.size(); ++i) {
    const checkpoint::LinearModule &mod = modules[i];
    progress(i + 1, modules.size(), mod.name);
    float scale = 1.0f / std::sqrt(float(mod.inFeatures));
    if (mod.name == "lm_head" && !o.quantizeLMHead) {
      tensors["lm_head.weight"] = randomDense({mod.outFeatures, mod.inFeatures},
                                              scale, seed++, o.dtype);
      continue;
    }
    ref::LayerConfig c;
    c.inFeatures = mod.inFeatures;
    c.outFeatures = mod.outFeatures;
    c.vectorLen = o.vectorLen;
    c.numCentroids = o.centroids;
    c.numResCentroids = o.resCentroids;
    c.packed = o.packed;
    c.enablePerm = o.perm;
    c.enableNorm = o.norm;
    c.bias = mod.bias;
    if (o.outliers) {
      c.outlierSize = o.outliers;
      c.outlierVectorLen = o.vectorLen;
      c.numOutlierCentroids = o.centroids;
    }
    c.fillDerivedDefaults();
    if (std::string err = c.verify(); !err.empty())
      die(mod.name + ": " + err);
    ref::QuantizedLinear layer = ref::makeRandomLayer(c, seed++, o.dtype);
    auto roundTo = [&](float v) {
      return o.dtype == ref::DType::BF16 ? ref::roundToBf16(v)
                                         : ref::roundToHalf(v);
    };
    // Codebooks of the layer's scale, so activations stay bounded.
    for (float &v : layer.centroids)
      v = roundTo(v * scale);
    for (float &v : layer.resCentroids)
      v = roundTo(v * scale * 0.25f);
    for (float &v : layer.outlierCentroids)
      v = roundTo(v * scale);
    QuantizedLayer q;
    q.name = mod.name;
    q.quantization.config = c;
    q.tensors = ref::encodeLayer(layer, o.dtype);
    addQuantizedTensors(q, tensors);
    m.quantization->configForLayers[mod.name] = q.quantization;
  }
  Status s = writeCheckpoint(staged.path(), m, tensors);
  if (!s)
    die(s.message());
  if (std::string err = staged.commit(); !err.empty())
    die(err);
  std::cout << "wrote " << o.output << ": " << modules.size()
            << " linear layers, " << tensors.size() << " tensors\n";
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kUsage;
    return args.empty() ? 1 : 0;
  }
  std::string command = args[0];
  if (command == "info") {
    if (args.size() != 2)
      die("usage: vptq-checkpoint info DIR");
    return info(args[1]);
  }
  if (command != "synth")
    die("unknown command '" + command + "' (see --help)");
  SynthOptions o;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string &a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size())
        die("missing value after " + a);
      return args[++i];
    };
    if (a == "-o" || a == "--output")
      o.output = value();
    else if (a == "--hidden")
      o.hidden = toInt(a, value());
    else if (a == "--intermediate")
      o.intermediate = toInt(a, value());
    else if (a == "--layers")
      o.layers = toInt(a, value());
    else if (a == "--heads")
      o.heads = toInt(a, value());
    else if (a == "--kv-heads")
      o.kvHeads = toInt(a, value());
    else if (a == "--vocab")
      o.vocab = toInt(a, value());
    else if (a == "--vector-len")
      o.vectorLen = toInt(a, value());
    else if (a == "--centroids")
      o.centroids = toInt(a, value());
    else if (a == "--res-centroids")
      o.resCentroids = toInt(a, value());
    else if (a == "--outliers")
      o.outliers = toInt(a, value());
    else if (a == "--unpacked")
      o.packed = false;
    else if (a == "--no-perm")
      o.perm = false;
    else if (a == "--no-norm")
      o.norm = false;
    else if (a == "--quantize-lm-head")
      o.quantizeLMHead = true;
    else if (a == "--dtype") {
      std::string d = value();
      if (d == "f16" || d == "float16")
        o.dtype = ref::DType::F16;
      else if (d == "bf16" || d == "bfloat16")
        o.dtype = ref::DType::BF16;
      else
        die("--dtype must be f16 or bf16, got '" + d + "'");
    } else if (a == "--force") {
      o.force = true;
    } else if (a == "--seed")
      o.seed = uint64_t(toInt(a, value()));
    else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      return 0;
    } else
      die("unknown option '" + a + "' (see --help)");
  }
  return synth(o);
}
