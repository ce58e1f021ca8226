//===- Model.h - Llama-family decoders on the runtime -----------*- C++ -*-===//
//
// A Hugging Face Llama-family model folder (Llama 2/3, Qwen2, Mistral:
// LlamaForCausalLM, Qwen2ForCausalLM, MistralForCausalLM) run on a Runtime:
// token embedding, RMSNorm, rotary embedding (rope_theta; linear and Llama 3
// rope scaling), grouped-query attention over a KV cache, SwiGLU MLP, final
// norm and lm_head. Every linear may be VPTQ-quantized or dense; every op is
// a generated kernel. On CUDA the single-token decode step is captured once
// as a CUDA graph and replayed.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_MODEL_H
#define VPTQ_RUNTIME_MODEL_H

#include "vptq/runtime/Checkpoint.h"
#include "vptq/runtime/Linear.h"
#include "vptq/runtime/Runtime.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime {

struct ModelOptions {
  /// Activation dtype; unset: the model's (F32 models run in F32).
  std::optional<DType> activation;
  /// Longest sequence (KV cache rows); 0: max_position_embeddings, at most
  /// 4096.
  int64_t maxSequence = 0;
  /// Tokens run per forward call at most (longer prompts are split).
  int64_t maxChunk = 256;
  /// Capture and replay single-token steps as CUDA graphs.
  bool graphs = true;
  /// Called with (layers loaded, layers) while loading.
  std::function<void(int64_t, int64_t)> progress;
};

class Model {
public:
  /// Loads `dir` onto `runtime`; errors name the file, tensor or setting.
  static Result<std::unique_ptr<Model>> load(std::shared_ptr<Runtime> runtime,
                                             const std::string &dir,
                                             const ModelOptions &options = {});
  ~Model();

  const checkpoint::ModelConfig &config() const;
  DType activation() const;
  int64_t maxSequence() const;
  /// Linear layers VPTQ-quantized, and in all.
  int64_t quantizedLayers() const;
  int64_t linearLayers() const;
  /// Device memory of the weights.
  size_t weightBytes() const;

  /// Runs `tokens` at positions start, start+1, ... (the KV cache must hold
  /// the tokens before `start`) and returns the logits of the last token,
  /// or of every token when `allLogits` (row-major, tokens x vocab).
  Result<std::vector<float>> forward(const std::vector<int32_t> &tokens,
                                     int64_t start, bool allLogits = false);

  /// Whether single-token steps replay a captured graph.
  bool usesGraphs() const;

  /// Calls `hook` with each linear layer's name and input ([tokens, in])
  /// before the layer runs (calibration of quantizers); null removes it.
  /// Steps do not replay graphs while a hook is set.
  void setLinearInputHook(
      std::function<Status(const std::string &, const Tensor &)> hook);

  class Impl;

private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
};

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_MODEL_H
