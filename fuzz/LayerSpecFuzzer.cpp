//===- LayerSpecFuzzer.cpp - layer configurations as tools take them ------===//
//
// vptq-compile --layer's key=value lists and config.json's per-layer
// entries: accepted configurations have consistent derived sizes.
//
//===----------------------------------------------------------------------===//

#include "FuzzUtil.h"
#include "vptq/Checkpoint/ModelConfig.h"
#include "vptq/Reference/LayerConfig.h"

using namespace vptq;

namespace {

void checkDerived(const ref::LayerConfig &c) {
  if (c.numIndexRows() * c.vectorLen < c.outFeatures ||
      c.packedWordsPerRow() <= 0 || c.indexBitsPerWeight() < 0)
    __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto [assignments, entry] = fuzz::splitAtNul(data, size);
  ref::LayerConfig c;
  if (ref::parseLayerAssignments(assignments, c).empty())
    checkDerived(c);
  checkpoint::LayerQuantization layer;
  if (checkpoint::parseLayerQuantization(entry, "layer", layer).empty())
    checkDerived(layer.config);
  return 0;
}
