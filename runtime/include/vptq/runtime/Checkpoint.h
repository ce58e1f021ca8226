//===- Checkpoint.h - Hugging Face model folders ----------------*- C++ -*-===//
//
// A model folder as published VPTQ checkpoints lay it out: config.json (with
// quantization_config) and model.safetensors, or shards listed by
// model.safetensors.index.json. Tensors are memory-mapped; every quantized
// layer is checked before use (presence, dtype, shape of each tensor, index
// ranges, perm a permutation), with errors naming the file, the tensor and
// the problem. Also writes such folders.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_RUNTIME_CHECKPOINT_H
#define VPTQ_RUNTIME_CHECKPOINT_H

#include "vptq/Checkpoint/ModelConfig.h"
#include "vptq/Reference/Storage.h"
#include "vptq/runtime/Safetensors.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vptq::runtime {

/// One quantized linear layer as loaded from a checkpoint, in the storage
/// types the kernels take: packed indices I32, unpacked and outlier indices
/// I16 (uint16 bits), perm I16 for packed layers and I64 otherwise,
/// codebooks/norm/bias in the model dtype.
struct QuantizedLayer {
  std::string name;
  checkpoint::LayerQuantization quantization;
  ref::LayerTensors tensors;
  /// The model dtype (of the codebooks).
  ref::DType modelType = ref::DType::F16;
};

/// The checkpoint tensor names of linear module `module`'s part `part`
/// ("centroids" -> "<module>.centroids.weight", "indices" ->
/// "<module>.indices", ...), as the reference implementation names them.
std::string quantizedTensorName(const std::string &module,
                                const std::string &part);

/// Checks that the indices of `tensors` address their codebooks and that
/// perm is a permutation; skips packed fields whose bit width cannot exceed
/// the codebook. Returns "" or a message naming the tensor.
std::string checkIndexRanges(const ref::LayerConfig &config,
                             const ref::LayerTensors &tensors);

class Checkpoint {
public:
  /// Opens the folder `dir`: parses config.json and maps the safetensors
  /// file(s), validating headers.
  static Result<std::shared_ptr<Checkpoint>> open(const std::string &dir);

  const std::string &directory() const { return dir; }
  const checkpoint::ModelConfig &config() const { return modelConfig; }

  /// The tensor named `name`, or null if no file has it.
  const SafetensorsEntry *find(const std::string &name) const;
  /// The file holding tensor `name` (for messages).
  std::string fileOf(const std::string &name) const;
  std::vector<std::string> tensorNames() const;

  /// A copy of tensor `name`; fails if absent, of a dtype the runtime does
  /// not compute with, or (when given) of another shape.
  Result<ref::HostTensor>
  load(const std::string &name,
       const std::vector<int64_t> &expectedShape = {}) const;

  /// The quantized layer `module` (as config.json configures it), checked.
  Result<QuantizedLayer> loadQuantized(const std::string &module) const;

private:
  std::string dir;
  checkpoint::ModelConfig modelConfig;
  std::vector<std::shared_ptr<SafetensorsFile>> files;
  std::map<std::string, const SafetensorsFile *> tensorFile;
};

/// Writes a model folder: config.json from `config` and the tensors as
/// model.safetensors, or as shards of at most `maxShardBytes` with
/// model.safetensors.index.json when that is not 0.
Status writeCheckpoint(const std::string &dir,
                       const checkpoint::ModelConfig &config,
                       const std::map<std::string, ref::HostTensor> &tensors,
                       uint64_t maxShardBytes = 0);

/// Adds the tensors of `layer` under its checkpoint names to `tensors`.
void addQuantizedTensors(const QuantizedLayer &layer,
                         std::map<std::string, ref::HostTensor> &tensors);

} // namespace vptq::runtime

#endif // VPTQ_RUNTIME_CHECKPOINT_H
