//===- VPTQDialect.cpp - The vptq dialect ---------------------------------===//

#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h"
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.h"
#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::vptq;

#include "vptq/Dialect/VPTQ/IR/VPTQDialect.cpp.inc"

#include "vptq/Dialect/VPTQ/IR/VPTQEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.cpp.inc"

void VPTQDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "vptq/Dialect/VPTQ/IR/VPTQOps.cpp.inc"
      >();
  addAttributes<
#define GET_ATTRDEF_LIST
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantConfigAttr
//===----------------------------------------------------------------------===//

namespace {

/// The textual keys of `#vptq.vq<...>` and the LayerConfig fields they set.
using LC = LayerConfig;
using IntKey = ::vptq::ref::LayerConfigIntKey;
using BoolKey = ::vptq::ref::LayerConfigBoolKey;
constexpr const auto &kIntKeys = ::vptq::ref::kLayerConfigIntKeys;
constexpr const auto &kBoolKeys = ::vptq::ref::kLayerConfigBoolKeys;

/// The configuration `c` would have if only its required keys were given:
/// optional keys take their defaults, derived keys are re-derived.
LC defaultsFor(const LC &c) {
  LC d;
  for (const IntKey &key : kIntKeys)
    if (key.required)
      d.*key.field = c.*key.field;
  // Derived defaults depend on these optional keys; keep them so that only
  // the derived value itself is compared.
  d.numResCentroids = c.numResCentroids;
  d.numCodebooks = c.numCodebooks;
  d.outlierSize = c.outlierSize;
  d.fillDerivedDefaults();
  d.numResCentroids = 0;
  d.numCodebooks = 1;
  d.outlierSize = 0;
  return d;
}

} // namespace

Attribute QuantConfigAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  LC config;
  llvm::StringSet<> seen;
  auto parseEntry = [&]() -> ParseResult {
    SMLoc keyLoc = parser.getCurrentLocation();
    std::string key;
    if (parser.parseKeywordOrString(&key) || parser.parseEqual())
      return failure();
    if (!seen.insert(key).second)
      return parser.emitError(keyLoc) << "duplicate key '" << key << "'";
    for (const IntKey &k : kIntKeys) {
      if (key != k.name)
        continue;
      return parser.parseInteger(config.*k.field);
    }
    for (const BoolKey &k : kBoolKeys) {
      if (key != k.name)
        continue;
      if (succeeded(parser.parseOptionalKeyword("true")))
        config.*k.field = true;
      else if (succeeded(parser.parseOptionalKeyword("false")))
        config.*k.field = false;
      else
        return parser.emitError(parser.getCurrentLocation())
               << "expected 'true' or 'false' for '" << key << "'";
      return success();
    }
    return parser.emitError(keyLoc) << "unknown key '" << key << "'";
  };
  if (parser.parseLess() || parser.parseCommaSeparatedList(parseEntry) ||
      parser.parseGreater())
    return {};
  for (const IntKey &k : kIntKeys)
    if (k.required && !seen.contains(k.name)) {
      parser.emitError(loc) << "missing required key '" << k.name << "'";
      return {};
    }
  config.fillDerivedDefaults();
  return parser.getChecked<QuantConfigAttr>(loc, parser.getContext(), config);
}

void QuantConfigAttr::print(AsmPrinter &printer) const {
  LC config = getLayerConfig();
  LC defaults = defaultsFor(config);
  bool first = true;
  auto sep = [&] {
    if (!first)
      printer << ", ";
    first = false;
  };
  printer << "<";
  for (const IntKey &k : kIntKeys)
    if (k.required || config.*k.field != defaults.*k.field) {
      sep();
      printer << k.name << " = " << config.*k.field;
    }
  for (const BoolKey &k : kBoolKeys)
    if (config.*k.field) {
      sep();
      printer << k.name << " = true";
    }
  printer << ">";
}

LogicalResult
QuantConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                        int64_t inFeatures, int64_t outFeatures,
                        int64_t vectorLen, int64_t numCentroids,
                        int64_t numResCentroids, int64_t numCodebooks,
                        int64_t groupSize, int64_t outlierSize,
                        int64_t outlierVectorLen, int64_t numOutlierCentroids,
                        int64_t indexBits, int64_t resIndexBits, bool packed,
                        bool enablePerm, bool enableNorm, bool bias) {
  LC config{inFeatures,       outFeatures,         vectorLen,   numCentroids,
            numResCentroids,  numCodebooks,        groupSize,   outlierSize,
            outlierVectorLen, numOutlierCentroids, indexBits,   resIndexBits,
            packed,           enablePerm,          enableNorm,  bias};
  if (std::string msg = config.verify(); !msg.empty())
    return emitError() << "invalid #vptq.vq: " << msg;
  return success();
}

LC QuantConfigAttr::getLayerConfig() const {
  return LC{getInFeatures(),     getOutFeatures(),      getVectorLen(),
            getNumCentroids(),   getNumResCentroids(),  getNumCodebooks(),
            getGroupSize(),      getOutlierSize(),      getOutlierVectorLen(),
            getNumOutlierCentroids(), getIndexBits(),   getResIndexBits(),
            getPacked(),         getEnablePerm(),       getEnableNorm(),
            getBias()};
}

QuantConfigAttr
QuantConfigAttr::withChanges(function_ref<void(LC &)> fn) const {
  LC config = getLayerConfig();
  fn(config);
  return QuantConfigAttr::get(getContext(), config);
}

//===----------------------------------------------------------------------===//
// TilingAttr
//===----------------------------------------------------------------------===//

LogicalResult TilingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t blockRows, int64_t warpsPerRow,
                                 int64_t batchTile, int64_t kChunk, bool mma,
                                 int64_t persistentBlocks, bool sharedWeights,
                                 bool stagedInputs, bool registerWgmma) {
  if (blockRows < 1 || warpsPerRow < 1 || batchTile < 1)
    return emitError() << "#vptq.tiling: block_rows, warps_per_row and "
                          "batch_tile must be positive";
  if (persistentBlocks < 0)
    return emitError() << "#vptq.tiling: persistent_blocks = "
                       << persistentBlocks << " must not be negative";
  if (sharedWeights && !mma)
    return emitError() << "#vptq.tiling: shared_weights needs mma = true";
  if (stagedInputs && (!mma || sharedWeights))
    return emitError() << "#vptq.tiling: staged_inputs needs mma = true "
                          "without shared_weights";
  if (registerWgmma && (!mma || sharedWeights || stagedInputs))
    return emitError() << "#vptq.tiling: register_wgmma needs mma = true "
                          "without shared_weights or staged_inputs";
  if (registerWgmma && warpsPerRow % 4 != 0)
    return emitError() << "#vptq.tiling: register_wgmma needs whole "
                          "warpgroups: warps_per_row = "
                       << warpsPerRow << " is not a multiple of 4";
  if (mma) {
    if (persistentBlocks != 0)
      return emitError() << "#vptq.tiling: persistent_blocks is not "
                            "supported with mma";
    if (warpsPerRow > 32)
      return emitError() << "#vptq.tiling: warps_per_row = " << warpsPerRow
                         << " exceeds 32 warps (1024 threads) per block";
    if (blockRows > 32)
      return emitError() << "#vptq.tiling: block_rows = " << blockRows
                         << " exceeds 32";
    const int64_t maxBatchTile = sharedWeights || registerWgmma ? 256 : 128;
    if (batchTile % 8 != 0 || batchTile > maxBatchTile)
      return emitError() << "#vptq.tiling: with mma, batch_tile = "
                         << batchTile << " must be a multiple of 8 and at most "
                         << maxBatchTile;
    if (kChunk < 16 || kChunk % 16 != 0 || kChunk > 128)
      return emitError() << "#vptq.tiling: with mma, k_chunk = " << kChunk
                         << " must be a multiple of 16 and at most 128";
    return success();
  }
  if (blockRows * warpsPerRow > 32)
    return emitError() << "#vptq.tiling: block_rows x warps_per_row = "
                       << blockRows * warpsPerRow
                       << " exceeds 32 warps (1024 threads) per block";
  if (batchTile > 64)
    return emitError() << "#vptq.tiling: batch_tile = " << batchTile
                       << " exceeds 64";
  if (kChunk < 32 || kChunk % (32 * warpsPerRow) != 0)
    return emitError() << "#vptq.tiling: k_chunk = " << kChunk
                       << " must be a positive multiple of 32 x warps_per_row = "
                       << 32 * warpsPerRow;
  return success();
}
