//===- Model.cpp - Llama-family decoders on the runtime -------------------===//

#include "vptq/runtime/Model.h"
#include "vptq/ABI/ModelKernels.h"
#include "vptq/Reference/Transformer.h"

#include <cmath>
#include <cstring>

using namespace vptq;
using namespace vptq::runtime;

namespace {

const char *const kArchitectures[] = {"LlamaForCausalLM", "Qwen2ForCausalLM",
                                      "MistralForCausalLM"};

/// Per-layer weights and cache.
struct DecoderLayer {
  Tensor inputNorm, postNorm;
  std::unique_ptr<LinearLayer> q, k, v, o, gate, up, down;
  Tensor keyCache, valueCache;
};

std::string layerName(int64_t l, const char *rest) {
  return "model.layers." + std::to_string(l) + "." + rest;
}

} // namespace

class Model::Impl {
public:
  std::shared_ptr<Runtime> rt;
  std::shared_ptr<Checkpoint> checkpoint;
  checkpoint::ModelConfig cfg;
  DType act = DType::F16;
  int64_t maxSeq = 0, maxChunk = 0;
  int64_t quantized = 0, linear = 0;
  bool graphs = true;
  std::vector<DecoderLayer> layers;
  Tensor embed, finalNorm, invFreq;
  std::unique_ptr<LinearLayer> lmHead;
  // Work buffers for up to maxChunk tokens.
  Tensor tokens, positions, x, h, q, k, v, attn, o, gate, up, logits;
  std::shared_ptr<Kernel> gather, norm, rotaryAppend, attention,
      rotaryAttention, siluMul, addNorm;
  std::shared_ptr<Graph> decodeGraph;
  bool decodeGraphFailed = false;

  Status load(const std::string &dir, const ModelOptions &options);
  Result<Tensor> uploadTensor(const std::string &name,
                              const std::vector<int64_t> &shape);
  Result<std::unique_ptr<LinearLayer>>
  loadLinear(const checkpoint::LinearModule &module);
  Status getKernels(DType normType, DType embedType);
  /// Which logits a forward pass computes.
  enum class Logits { None, Last, All };
  /// Queues the forward pass of the first `n` rows of the token and
  /// position buffers.
  Status queue(int64_t n, Logits logits);
  Status run(const std::shared_ptr<Kernel> &kernel,
             std::vector<const Tensor *> args) {
    return kernel->run(args);
  }
  /// Runs `layer`, showing its input to the hook first.
  Status runLinear(LinearLayer &layer, const Tensor &x, const Tensor &y) {
    if (inputHook)
      VPTQ_RETURN_IF_ERROR(inputHook(layer.name(), x));
    return layer.forward(x, y);
  }
  std::function<Status(const std::string &, const Tensor &)> inputHook;
};

Result<Tensor> Model::Impl::uploadTensor(const std::string &name,
                                         const std::vector<int64_t> &shape) {
  auto host = checkpoint->load(name, shape);
  if (!host)
    return host.status();
  if (!ref::isFloat(host->dtype))
    return Status::error(checkpoint->fileOf(name) + ": tensor '" + name +
                         "' has dtype " + ref::dtypeName(host->dtype) +
                         ", expected a float type");
  return rt->upload(*host);
}

Result<std::unique_ptr<LinearLayer>>
Model::Impl::loadLinear(const checkpoint::LinearModule &m) {
  ++linear;
  if (cfg.quantization && cfg.quantization->lookup(m.name)) {
    ++quantized;
    auto layer = checkpoint->loadQuantized(m.name);
    if (!layer)
      return layer.status();
    auto q = QuantLinear::create(rt, *layer, act);
    if (!q)
      return q.status();
    return std::unique_ptr<LinearLayer>(new QuantLinear(std::move(*q)));
  }
  std::string weightName = m.name + ".weight";
  if (m.name == "lm_head" && cfg.arch.tieWordEmbeddings)
    weightName = "model.embed_tokens.weight";
  auto weight = checkpoint->load(weightName, {m.outFeatures, m.inFeatures});
  if (!weight)
    return weight.status();
  std::optional<ref::HostTensor> bias;
  if (m.bias) {
    auto b = checkpoint->load(m.name + ".bias", {m.outFeatures});
    if (!b)
      return b.status();
    bias = std::move(*b);
  }
  auto l = Linear::create(rt, m.name, *weight, bias ? &*bias : nullptr, act);
  if (!l)
    return l.status();
  return std::unique_ptr<LinearLayer>(new Linear(std::move(*l)));
}

Status Model::Impl::getKernels(DType normType, DType embedType) {
  DecoderOpSpecs specs = getDecoderOpSpecs(cfg.arch, act, normType, embedType);
  auto get = [&](const OpSpec &spec, std::shared_ptr<Kernel> &slot) -> Status {
    auto kernel = rt->getKernel(spec);
    if (!kernel)
      return kernel.status();
    slot = *kernel;
    return Status::success();
  };
  VPTQ_RETURN_IF_ERROR(get(specs.gather, gather));
  VPTQ_RETURN_IF_ERROR(get(specs.norm, norm));
  VPTQ_RETURN_IF_ERROR(get(specs.rotaryAppend, rotaryAppend));
  VPTQ_RETURN_IF_ERROR(get(specs.attention, attention));
  VPTQ_RETURN_IF_ERROR(get(specs.rotaryAttention, rotaryAttention));
  VPTQ_RETURN_IF_ERROR(get(specs.siluMul, siluMul));
  VPTQ_RETURN_IF_ERROR(get(specs.addNorm, addNorm));
  return Status::success();
}

Status Model::Impl::load(const std::string &dir, const ModelOptions &options) {
  auto cp = Checkpoint::open(dir);
  if (!cp)
    return cp.status();
  checkpoint = *cp;
  cfg = checkpoint->config();
  const checkpoint::ModelArchitecture &a = cfg.arch;
  std::string configPath = dir + "/config.json";
  if (std::find(std::begin(kArchitectures), std::end(kArchitectures),
                a.architecture) == std::end(kArchitectures))
    return Status::error(configPath + ": architecture '" + a.architecture +
                         "' is not supported (LlamaForCausalLM, "
                         "Qwen2ForCausalLM, MistralForCausalLM)");
  if (a.headDim % 2)
    return Status::error(configPath + ": head_dim " +
                         std::to_string(a.headDim) + " must be even");
  // The dtype the model computes in.
  auto embedEntry = checkpoint->find("model.embed_tokens.weight");
  if (!embedEntry)
    return Status::error(checkpoint->fileOf("model.embed_tokens.weight") +
                         ": tensor 'model.embed_tokens.weight' is missing");
  DType modelType = embedEntry->dtype ? *embedEntry->dtype : DType::F16;
  act = options.activation ? *options.activation : modelType;
  if (!ref::isFloat(act))
    return Status::error("activations must be f16, bf16 or f32");
  maxSeq = options.maxSequence > 0
               ? options.maxSequence
               : std::min<int64_t>(a.maxPositionEmbeddings, 4096);
  maxChunk = std::max<int64_t>(1, std::min(options.maxChunk, maxSeq));
  graphs = options.graphs;

  // Rotary frequencies with the config's scaling.
  const auto &rs = a.ropeScaling;
  std::vector<float> freqs = ref::ropeInverseFrequencies(
      a.headDim, a.ropeTheta,
      rs.type == "linear" || rs.type == "llama3" ? rs.factor : 1.0,
      rs.lowFreqFactor, rs.highFreqFactor, rs.originalMaxPositionEmbeddings,
      rs.type == "llama3");
  auto inv = rt->upload(ref::encodeFloats(freqs, {a.headDim / 2}, DType::F32));
  if (!inv)
    return inv.status();
  invFreq = *inv;

  auto embedTensor =
      uploadTensor("model.embed_tokens.weight", {a.vocabSize, a.hiddenSize});
  if (!embedTensor)
    return embedTensor.status();
  embed = *embedTensor;
  auto fn = uploadTensor("model.norm.weight", {a.hiddenSize});
  if (!fn)
    return fn.status();
  finalNorm = *fn;

  std::vector<checkpoint::LinearModule> modules = cfg.linearModules();
  size_t next = 0;
  auto nextLinear = [&]() -> Result<std::unique_ptr<LinearLayer>> {
    return loadLinear(modules[next++]);
  };
  int64_t kvWidth = a.numKVHeads * a.headDim;
  for (int64_t l = 0; l < a.numLayers; ++l) {
    DecoderLayer layer;
    auto in =
        uploadTensor(layerName(l, "input_layernorm.weight"), {a.hiddenSize});
    if (!in)
      return in.status();
    auto post = uploadTensor(layerName(l, "post_attention_layernorm.weight"),
                             {a.hiddenSize});
    if (!post)
      return post.status();
    layer.inputNorm = *in;
    layer.postNorm = *post;
    for (std::unique_ptr<LinearLayer> *slot :
         {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up,
          &layer.down}) {
      auto lin = nextLinear();
      if (!lin)
        return lin.status();
      *slot = std::move(*lin);
    }
    auto kc = rt->allocate(act, {maxSeq, kvWidth});
    auto vc = rt->allocate(act, {maxSeq, kvWidth});
    if (!kc || !vc)
      return (!kc ? kc.status() : vc.status())
          .withContext("allocating the KV cache of " + std::to_string(maxSeq) +
                       " positions");
    layer.keyCache = *kc;
    layer.valueCache = *vc;
    // Without a gated kernel (a dense layer, a bundle without one and no
    // compiler) the step runs silu_mul and the plain kernel, to the same
    // result.
    if (!layer.down->spec().dense)
      (void)layer.down->enableGatedInput();
    layers.push_back(std::move(layer));
    if (options.progress)
      options.progress(l + 1, a.numLayers);
  }
  if (a.tieWordEmbeddings) {
    auto head = loadLinear({"lm_head", a.hiddenSize, a.vocabSize, false});
    if (!head)
      return head.status();
    lmHead = std::move(*head);
  } else {
    auto head = nextLinear();
    if (!head)
      return head.status();
    lmHead = std::move(*head);
  }

  int64_t qWidth = a.numHeads * a.headDim;
  struct Buffer {
    Tensor *tensor;
    DType dtype;
    std::vector<int64_t> shape;
  };
  for (const Buffer &b :
       std::vector<Buffer>{{&tokens, DType::I32, {maxChunk}},
                           {&positions, DType::I32, {maxChunk}},
                           {&x, act, {maxChunk, a.hiddenSize}},
                           {&h, act, {maxChunk, a.hiddenSize}},
                           {&o, act, {maxChunk, a.hiddenSize}},
                           {&q, act, {maxChunk, qWidth}},
                           {&attn, act, {maxChunk, qWidth}},
                           {&k, act, {maxChunk, kvWidth}},
                           {&v, act, {maxChunk, kvWidth}},
                           {&gate, act, {maxChunk, a.intermediateSize}},
                           {&up, act, {maxChunk, a.intermediateSize}},
                           {&logits, act, {maxChunk, a.vocabSize}}}) {
    auto t = rt->allocate(b.dtype, b.shape);
    if (!t)
      return t.status();
    *b.tensor = *t;
  }
  return getKernels(finalNorm.dtype(), embed.dtype());
}

Status Model::Impl::queue(int64_t n, Logits wanted) {
  auto rows = [n](const Tensor &t) { return *t.slice(0, n); };
  Tensor tok = rows(tokens), pos = rows(positions), xs = rows(x), hs = rows(h),
         os = rows(o), qs = rows(q), as = rows(attn), ks = rows(k),
         vs = rows(v), gs = rows(gate), us = rows(up);
  VPTQ_RETURN_IF_ERROR(run(gather, {&embed, &tok, &xs}));
  // Each residual connection (x += o) runs fused with the RMSNorm after it:
  // `pending` is the block output not yet added to x.
  const Tensor *pending = nullptr;
  auto normalize = [&](const Tensor &weight) -> Status {
    if (!pending)
      return run(norm, {&xs, &weight, &hs});
    Status s = run(addNorm, {&xs, pending, &weight, &hs});
    pending = nullptr;
    return s;
  };
  for (DecoderLayer &L : layers) {
    VPTQ_RETURN_IF_ERROR(normalize(L.inputNorm));
    // Independent kernels may overlap on the device: a single-token
    // projection fills only part of the GPU.
    VPTQ_RETURN_IF_ERROR(rt->concurrently(
        {[&] { return runLinear(*L.q, hs, qs); },
         [&] { return runLinear(*L.k, hs, ks); },
         [&] { return runLinear(*L.v, hs, vs); }}));
    // A decode step rotates, appends and attends in one kernel; a prompt's
    // rows attend to each other's appends, which its two kernels order.
    if (n == 1) {
      VPTQ_RETURN_IF_ERROR(
          run(rotaryAttention, {&qs, &ks, &vs, &pos, &invFreq, &L.keyCache,
                                &L.valueCache, &as}));
    } else {
      VPTQ_RETURN_IF_ERROR(run(rotaryAppend, {&qs, &ks, &vs, &pos, &invFreq,
                                              &L.keyCache, &L.valueCache}));
      VPTQ_RETURN_IF_ERROR(
          run(attention, {&qs, &L.keyCache, &L.valueCache, &pos, &as}));
    }
    VPTQ_RETURN_IF_ERROR(runLinear(*L.o, as, os));
    pending = &os;
    VPTQ_RETURN_IF_ERROR(normalize(L.postNorm));
    VPTQ_RETURN_IF_ERROR(
        rt->concurrently({[&] { return runLinear(*L.gate, hs, gs); },
                          [&] { return runLinear(*L.up, hs, us); }}));
    // A decode step's down projection reads silu(gate) * up itself (one
    // kernel fewer on the critical path); prompts, dense layers and input
    // hooks (which see the down projection's input) keep silu_mul.
    if (n == 1 && L.down->hasGatedInput() && !inputHook) {
      VPTQ_RETURN_IF_ERROR(L.down->forwardGated(gs, us, os));
    } else {
      VPTQ_RETURN_IF_ERROR(run(siluMul, {&gs, &us, &gs}));
      VPTQ_RETURN_IF_ERROR(runLinear(*L.down, gs, os));
    }
    pending = &os;
  }
  // Without logits the last residual connection is not needed: x is not
  // kept between forward passes (the caches are).
  if (wanted == Logits::None)
    return Status::success();
  VPTQ_RETURN_IF_ERROR(normalize(finalNorm));
  if (wanted == Logits::All)
    return runLinear(*lmHead, hs, rows(logits));
  return runLinear(*lmHead, *hs.slice(n - 1, n), *logits.slice(0, 1));
}

Model::Model(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::load(std::shared_ptr<Runtime> runtime,
                                           const std::string &dir,
                                           const ModelOptions &options) {
  auto impl = std::make_unique<Impl>();
  impl->rt = std::move(runtime);
  VPTQ_RETURN_IF_ERROR(impl->load(dir, options));
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const checkpoint::ModelConfig &Model::config() const { return impl->cfg; }
DType Model::activation() const { return impl->act; }
int64_t Model::maxSequence() const { return impl->maxSeq; }
int64_t Model::quantizedLayers() const { return impl->quantized; }
int64_t Model::linearLayers() const { return impl->linear; }
bool Model::usesGraphs() const {
  return impl->graphs && impl->rt->supportsGraphs() &&
         !impl->decodeGraphFailed && !impl->inputHook;
}

void Model::setLinearInputHook(
    std::function<Status(const std::string &, const Tensor &)> hook) {
  impl->inputHook = std::move(hook);
}

size_t Model::weightBytes() const {
  size_t bytes = impl->embed.bytes() + impl->finalNorm.bytes() +
                 impl->lmHead->weightBytes();
  for (const DecoderLayer &L : impl->layers) {
    bytes += L.inputNorm.bytes() + L.postNorm.bytes();
    for (const auto *lin : {&L.q, &L.k, &L.v, &L.o, &L.gate, &L.up, &L.down})
      bytes += (*lin)->weightBytes();
  }
  return bytes;
}

Result<std::vector<float>> Model::forward(const std::vector<int32_t> &tokens,
                                          int64_t start, bool allLogits) {
  Impl &m = *impl;
  const int64_t vocab = m.cfg.arch.vocabSize;
  if (tokens.empty())
    return Status::error("forward: no tokens");
  if (start < 0 || start + int64_t(tokens.size()) > m.maxSeq)
    return Status::error("a sequence of " +
                         std::to_string(start + int64_t(tokens.size())) +
                         " tokens exceeds the context of " +
                         std::to_string(m.maxSeq) + " tokens");
  for (int32_t t : tokens)
    if (t < 0 || t >= vocab)
      return Status::error("token id " + std::to_string(t) +
                           " is outside the vocabulary of " +
                           std::to_string(vocab));
  std::vector<float> out;
  for (size_t at = 0; at < tokens.size(); at += size_t(m.maxChunk)) {
    int64_t n = std::min<int64_t>(m.maxChunk, int64_t(tokens.size() - at));
    std::vector<int32_t> pos(n);
    for (int64_t i = 0; i < n; ++i)
      pos[i] = int32_t(start + int64_t(at) + i);
    VPTQ_RETURN_IF_ERROR(
        m.rt->copyFromHost(m.tokens, tokens.data() + at, size_t(n) * 4));
    VPTQ_RETURN_IF_ERROR(
        m.rt->copyFromHost(m.positions, pos.data(), size_t(n) * 4));
    bool last = at + size_t(n) == tokens.size();
    Impl::Logits wanted = allLogits ? Impl::Logits::All
                          : last    ? Impl::Logits::Last
                                    : Impl::Logits::None;
    if (n == 1 && wanted == Impl::Logits::Last && usesGraphs()) {
      if (!m.decodeGraph) {
        auto graph = m.rt->capture([&] { return m.queue(1, wanted); });
        if (graph)
          m.decodeGraph = *graph;
        else
          m.decodeGraphFailed = true; // Fall back to plain launches.
      }
      if (m.decodeGraph)
        VPTQ_RETURN_IF_ERROR(m.decodeGraph->launch());
      else
        VPTQ_RETURN_IF_ERROR(m.queue(1, wanted));
    } else {
      VPTQ_RETURN_IF_ERROR(m.queue(n, wanted));
    }
    if (wanted == Impl::Logits::None)
      continue;
    int64_t rows = allLogits ? n : 1;
    auto host = m.rt->download(*m.logits.slice(0, rows));
    if (!host)
      return host.status();
    for (int64_t i = 0; i < rows * vocab; ++i)
      out.push_back(host->floatAt(i));
  }
  return out;
}
