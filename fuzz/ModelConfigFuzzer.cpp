//===- ModelConfigFuzzer.cpp - config.json with quantization_config -------===//

#include "vptq/Checkpoint/ModelConfig.h"

using namespace vptq::checkpoint;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ModelConfig config;
  std::string text(reinterpret_cast<const char *>(data), size);
  if (!parseModelConfig(text, "config.json", config).empty())
    return 0;
  // An accepted configuration describes a model whose modules can be listed
  // and looked up, and which writes back as an accepted configuration.
  for (const LinearModule &m : config.linearModules())
    if (config.quantization)
      (void)config.quantization->lookup(m.name);
  ModelConfig again;
  std::string err =
      parseModelConfig(modelConfigToJSON(config), "written", again);
  if (!err.empty())
    __builtin_trap();
  return 0;
}
