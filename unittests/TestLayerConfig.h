//===- TestLayerConfig.h - Layer configurations for tests -------*- C++ -*-===//

#ifndef VPTQ_UNITTESTS_TESTLAYERCONFIG_H
#define VPTQ_UNITTESTS_TESTLAYERCONFIG_H

#include "vptq/Reference/LayerConfig.h"

namespace vptq::test {

/// A layer configuration with the given shape and codebooks; the derived
/// fields (index bits, group size) are left for fillDerivedDefaults().
inline ref::LayerConfig makeLayerConfig(int64_t in, int64_t out, int64_t v,
                                        int64_t k, int64_t kr = 0,
                                        bool packed = true) {
  ref::LayerConfig c;
  c.inFeatures = in;
  c.outFeatures = out;
  c.vectorLen = v;
  c.numCentroids = k;
  c.numResCentroids = kr;
  c.packed = packed;
  return c;
}

} // namespace vptq::test

#endif // VPTQ_UNITTESTS_TESTLAYERCONFIG_H
