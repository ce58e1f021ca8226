//===- SafetensorsFuzzer.cpp - safetensors headers and data ---------------===//

#include "FuzzUtil.h"
#include "vptq/runtime/Safetensors.h"

using namespace vptq::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  vptq::fuzz::MemoryFile file(data, size);
  auto st = SafetensorsFile::open(file.path());
  if (!st)
    return 0;
  // Every accepted entry lies inside the file: touch its first and last
  // byte.
  volatile uint8_t sink = 0;
  for (const auto &[name, e] : (*st)->entries())
    if (e.bytes)
      sink = sink + e.data[0] + e.data[e.bytes - 1];
  (void)sink;
  return 0;
}
