//===- LayerConfig.cpp - Consistency rules of the VPTQ format -------------===//

#include "vptq/Reference/LayerConfig.h"

#include <cstdlib>
#include <set>
#include <sstream>

using namespace vptq::ref;

int64_t vptq::ref::bitsToAddress(int64_t n) {
  int64_t bits = 0;
  while (bits < 63 && (int64_t(1) << bits) < n)
    ++bits;
  return bits;
}

int64_t LayerConfig::padding() const {
  if (vectorLen <= 0)
    return 0;
  return (vectorLen - outFeatures % vectorLen) % vectorLen;
}

int64_t LayerConfig::numIndexRows() const {
  if (vectorLen <= 0)
    return 0;
  return (outFeatures + padding()) / vectorLen;
}

int64_t LayerConfig::packedWordsPerRow() const {
  int64_t bits = groupSize * (indexBits + resIndexBits);
  return (bits + 31) / 32;
}

int64_t LayerConfig::outlierPadding() const {
  if (outlierVectorLen <= 0)
    return 0;
  return (outlierVectorLen - outFeatures % outlierVectorLen) %
         outlierVectorLen;
}

int64_t LayerConfig::numOutlierIndexRows() const {
  if (outlierVectorLen <= 0)
    return 0;
  return (outFeatures + outlierPadding()) / outlierVectorLen;
}

double LayerConfig::indexBitsPerWeight() const {
  if (vectorLen <= 0 || inFeatures <= 0)
    return 0;
  double mainCols = double(numCodebooks * groupSize);
  double bits = mainCols * double(indexBits + resIndexBits) / double(vectorLen);
  if (hasOutliers() && outlierVectorLen > 0)
    bits += double(outlierSize) * double(bitsToAddress(numOutlierCentroids)) /
            double(outlierVectorLen);
  return bits / double(inFeatures);
}

int64_t LayerConfig::defaultGroupSize() const {
  if (numCodebooks <= 0 || inFeatures < outlierSize)
    return 0;
  return (inFeatures - outlierSize) / numCodebooks;
}

void LayerConfig::fillDerivedDefaults() {
  if (indexBits == 0 && numCentroids > 0)
    indexBits = bitsToAddress(numCentroids);
  if (resIndexBits == 0 && numResCentroids > 0)
    resIndexBits = bitsToAddress(numResCentroids);
  if (groupSize == 0)
    groupSize = defaultGroupSize();
}

std::string LayerConfig::verify() const {
  std::ostringstream os;
  auto positive = [&](const char *name, int64_t value) {
    if (value > 0)
      return true;
    os << name << " must be positive, got " << value;
    return false;
  };
  if (!positive("in_features", inFeatures) ||
      !positive("out_features", outFeatures) ||
      !positive("vector_len", vectorLen) ||
      !positive("num_codebooks", numCodebooks) ||
      !positive("group_size", groupSize))
    return os.str();
  if (outlierSize < 0) {
    os << "outlier_size must not be negative, got " << outlierSize;
    return os.str();
  }
  // Bounds first, so that no size computed below overflows.
  auto atMost = [&](const char *name, int64_t value, int64_t limit) {
    if (value <= limit)
      return true;
    os << name << " must be at most " << limit << ", got " << value;
    return false;
  };
  if (!atMost("in_features", inFeatures, kMaxFeatures) ||
      !atMost("out_features", outFeatures, kMaxFeatures) ||
      !atMost("vector_len", vectorLen, kMaxVectorLen) ||
      !atMost("outlier_vector_len", outlierVectorLen, kMaxVectorLen) ||
      !atMost("num_codebooks", numCodebooks, inFeatures) ||
      !atMost("group_size", groupSize, inFeatures) ||
      !atMost("outlier_size", outlierSize, inFeatures))
    return os.str();

  if (numCentroids < 2 || numCentroids > kMaxCentroids) {
    os << "num_centroids must be in [2, " << kMaxCentroids << "], got "
       << numCentroids;
    return os.str();
  }
  if (numResCentroids < 0 || numResCentroids == 1 ||
      numResCentroids > kMaxCentroids) {
    os << "num_res_centroids must be 0 (no residual) or in [2, "
       << kMaxCentroids << "], got " << numResCentroids;
    return os.str();
  }
  if (outlierSize < 0) {
    os << "outlier_size must not be negative, got " << outlierSize;
    return os.str();
  }
  if (inFeatures != outlierSize + numCodebooks * groupSize) {
    os << "in_features (" << inFeatures << ") must equal outlier_size ("
       << outlierSize << ") + num_codebooks (" << numCodebooks
       << ") x group_size (" << groupSize
       << ") = " << outlierSize + numCodebooks * groupSize;
    return os.str();
  }

  if (hasOutliers()) {
    // The reference enables outliers iff Vo > 1 and Ko > 0; outlier columns
    // without an outlier codebook would be left unquantized.
    if (outlierVectorLen < 2 || numOutlierCentroids < 2 ||
        numOutlierCentroids > kMaxCentroids) {
      os << "outlier_size = " << outlierSize
         << " needs outlier_vector_len >= 2 and num_outlier_centroids in [2, "
         << kMaxCentroids << "], got outlier_vector_len = " << outlierVectorLen
         << ", num_outlier_centroids = " << numOutlierCentroids;
      return os.str();
    }
  } else if (outlierVectorLen != 0 || numOutlierCentroids != 0) {
    os << "outlier_vector_len (" << outlierVectorLen
       << ") and num_outlier_centroids (" << numOutlierCentroids
       << ") must be 0 when outlier_size is 0";
    return os.str();
  }

  int64_t needed = bitsToAddress(numCentroids);
  if (indexBits < needed || indexBits > 16) {
    os << "index_bits = " << indexBits << " cannot address num_centroids = "
       << numCentroids << " (needs " << needed << " to 16 bits)";
    return os.str();
  }
  if (hasResidual()) {
    int64_t resNeeded = bitsToAddress(numResCentroids);
    if (resIndexBits < resNeeded || resIndexBits > 16) {
      os << "res_index_bits = " << resIndexBits
         << " cannot address num_res_centroids = " << numResCentroids
         << " (needs " << resNeeded << " to 16 bits)";
      return os.str();
    }
  } else if (resIndexBits != 0) {
    os << "res_index_bits = " << resIndexBits
       << " given without a residual codebook (num_res_centroids = 0)";
    return os.str();
  }
  return {};
}

bool LayerConfig::operator==(const LayerConfig &o) const {
  return inFeatures == o.inFeatures && outFeatures == o.outFeatures &&
         vectorLen == o.vectorLen && numCentroids == o.numCentroids &&
         numResCentroids == o.numResCentroids &&
         numCodebooks == o.numCodebooks && groupSize == o.groupSize &&
         outlierSize == o.outlierSize &&
         outlierVectorLen == o.outlierVectorLen &&
         numOutlierCentroids == o.numOutlierCentroids &&
         indexBits == o.indexBits && resIndexBits == o.resIndexBits &&
         packed == o.packed && enablePerm == o.enablePerm &&
         enableNorm == o.enableNorm && bias == o.bias;
}

std::string vptq::ref::parseLayerAssignments(const std::string &text,
                                             LayerConfig &out) {
  LayerConfig c;
  std::set<std::string> seen;
  std::istringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    auto trim = [](std::string s) {
      size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    item = trim(item);
    if (item.empty())
      continue;
    size_t eq = item.find('=');
    std::string key = trim(item.substr(0, eq));
    std::string value = eq == std::string::npos ? "" : trim(item.substr(eq + 1));
    if (!seen.insert(key).second)
      return "'" + key + "' is given twice";
    bool known = false;
    for (const LayerConfigIntKey &k : kLayerConfigIntKeys) {
      if (key != k.name)
        continue;
      known = true;
      char *end = nullptr;
      long long v = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end || v < 0)
        return "'" + key + "' needs a non-negative integer, got '" + value + "'";
      c.*k.field = v;
    }
    for (const LayerConfigBoolKey &k : kLayerConfigBoolKeys) {
      if (key != k.name)
        continue;
      known = true;
      if (value.empty() || value == "true" || value == "1")
        c.*k.field = true;
      else if (value == "false" || value == "0")
        c.*k.field = false;
      else
        return "'" + key + "' needs true or false, got '" + value + "'";
    }
    if (!known) {
      std::string keys;
      for (const LayerConfigIntKey &k : kLayerConfigIntKeys)
        keys += std::string(keys.empty() ? "" : ", ") + k.name;
      for (const LayerConfigBoolKey &k : kLayerConfigBoolKeys)
        keys += std::string(", ") + k.name;
      return "unknown key '" + key + "' (known: " + keys + ")";
    }
  }
  for (const LayerConfigIntKey &k : kLayerConfigIntKeys)
    if (k.required && !seen.count(k.name))
      return std::string("'") + k.name + "' is required";
  c.fillDerivedDefaults();
  if (std::string err = c.verify(); !err.empty())
    return err;
  out = c;
  return {};
}
