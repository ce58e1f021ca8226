//===- LayerConfig.h - Quantization parameters of one VPTQ layer -*- C++ -*-===//
//
// The parameters of one VPTQ-quantized linear layer, as `quantization_config`
// in a checkpoint's config.json describes it (see docs/Format.md). This is the
// single place where the consistency rules of the format live: the `vptq`
// dialect's attribute verifier, the checkpoint loader and the quantizer all
// call `LayerConfig::verify()`. The header has no MLIR dependency.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_REFERENCE_LAYERCONFIG_H
#define VPTQ_REFERENCE_LAYERCONFIG_H

#include <cstdint>
#include <string>

namespace vptq::ref {

/// The largest codebook the format can address: unpacked indices are stored
/// as uint16.
inline constexpr int64_t kMaxCentroids = 65536;

/// The largest in_features / out_features a layer may have (2^24): far past
/// any published model, and small enough that no size derived from a valid
/// configuration overflows.
inline constexpr int64_t kMaxFeatures = int64_t(1) << 24;
/// The longest vector (main or outlier) a layer may have.
inline constexpr int64_t kMaxVectorLen = 1024;

/// Returns ceil(log2(n)) for n >= 1: the number of bits that address n
/// entries (0 for n <= 1, 63 at most).
int64_t bitsToAddress(int64_t n);

/// Quantization parameters of one linear layer y = x * W^T (+ bias), where W
/// has shape outFeatures x inFeatures. Field names follow the checkpoint keys
/// (in_features, vector_lens[1], num_centroids[1], ...).
struct LayerConfig {
  int64_t inFeatures = 0;
  int64_t outFeatures = 0;
  /// Main vector length V: a vector is V consecutive output rows of one input
  /// column.
  int64_t vectorLen = 0;
  /// Main centroid count K per codebook.
  int64_t numCentroids = 0;
  /// Residual centroid count KR; 0 means no residual codebook.
  int64_t numResCentroids = 0;
  /// Number of codebooks NC (`group_num`).
  int64_t numCodebooks = 1;
  /// Input columns per codebook GS.
  int64_t groupSize = 0;
  /// Outlier input columns OS (quantized with the outlier codebook).
  int64_t outlierSize = 0;
  /// Outlier vector length Vo; 0 when there are no outliers.
  int64_t outlierVectorLen = 0;
  /// Outlier centroid count Ko; 0 when there are no outliers.
  int64_t numOutlierCentroids = 0;
  /// Bits of a main index IB; 0 means "derive from numCentroids".
  int64_t indexBits = 0;
  /// Bits of a residual index RB; 0 without residual or "derive".
  int64_t resIndexBits = 0;
  /// Main and residual indices are bit-packed into int32 words.
  bool packed = false;
  /// An input-column permutation is present.
  bool enablePerm = false;
  /// Per-input-column weight_scale and weight_bias are present.
  bool enableNorm = false;
  /// The layer has a bias of outFeatures elements.
  bool bias = false;

  bool hasResidual() const { return numResCentroids > 0; }
  bool hasOutliers() const { return outlierSize > 0; }

  /// Rows appended to the output dimension so that it divides by V.
  int64_t padding() const;
  /// Index rows per codebook: (outFeatures + padding) / V.
  int64_t numIndexRows() const;
  /// int32 words per packed index row of groupSize codes.
  int64_t packedWordsPerRow() const;
  /// Padding rows of the outlier part, (-outFeatures) mod Vo.
  int64_t outlierPadding() const;
  /// Outlier index rows: ceil(outFeatures / Vo).
  int64_t numOutlierIndexRows() const;
  /// Index bits per weight, excluding codebooks, scales and padding.
  double indexBitsPerWeight() const;

  /// The default group size: (inFeatures - outlierSize) / numCodebooks.
  int64_t defaultGroupSize() const;

  /// Fills the derivable fields left at 0 (indexBits, resIndexBits,
  /// groupSize) with their defaults. Call before verify() when the source
  /// (a checkpoint) does not state them.
  void fillDerivedDefaults();

  /// Returns an empty string when the configuration is consistent, otherwise
  /// a message naming the first mismatch, e.g. "in_features (100) must equal
  /// outlier_size (0) + num_codebooks (1) x group_size (96) = 96".
  std::string verify() const;

  bool operator==(const LayerConfig &other) const;
  bool operator!=(const LayerConfig &other) const { return !(*this == other); }
};

/// The configuration's keys, as `#vptq.vq<...>`, `vptq-compile --layer` and
/// parseLayerAssignments spell them.
struct LayerConfigIntKey {
  const char *name;
  int64_t LayerConfig::*field;
  /// Required keys have no default.
  bool required;
};
struct LayerConfigBoolKey {
  const char *name;
  bool LayerConfig::*field;
};
inline constexpr LayerConfigIntKey kLayerConfigIntKeys[] = {
    {"in_features", &LayerConfig::inFeatures, true},
    {"out_features", &LayerConfig::outFeatures, true},
    {"vector_len", &LayerConfig::vectorLen, true},
    {"num_centroids", &LayerConfig::numCentroids, true},
    {"num_res_centroids", &LayerConfig::numResCentroids, false},
    {"num_codebooks", &LayerConfig::numCodebooks, false},
    {"group_size", &LayerConfig::groupSize, false},
    {"outlier_size", &LayerConfig::outlierSize, false},
    {"outlier_vector_len", &LayerConfig::outlierVectorLen, false},
    {"num_outlier_centroids", &LayerConfig::numOutlierCentroids, false},
    {"index_bits", &LayerConfig::indexBits, false},
    {"res_index_bits", &LayerConfig::resIndexBits, false},
};
inline constexpr LayerConfigBoolKey kLayerConfigBoolKeys[] = {
    {"packed", &LayerConfig::packed},
    {"enable_perm", &LayerConfig::enablePerm},
    {"enable_norm", &LayerConfig::enableNorm},
    {"bias", &LayerConfig::bias},
};

/// Parses "in_features=4096,out_features=4096,vector_len=8,
/// num_centroids=65536,packed" (a flag alone means true), fills derived
/// defaults and verifies. Returns "" or a message naming the key.
std::string parseLayerAssignments(const std::string &text, LayerConfig &out);

} // namespace vptq::ref

#endif // VPTQ_REFERENCE_LAYERCONFIG_H
