//===- VPTQOps.cpp - vptq operations --------------------------------------===//

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::vptq;

#include "vptq/Dialect/VPTQ/IR/VPTQInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Verification helpers
//===----------------------------------------------------------------------===//

namespace {

/// Prints a shape as "[1, ?, 8]".
std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleave(
      shape, os,
      [&](int64_t d) {
        if (ShapedType::isDynamic(d))
          os << "?";
        else
          os << d;
      },
      ", ");
  os << "]";
  return s;
}

/// Checks that `value` has exactly the static shape `expected`, explaining
/// the expectation with `meaning` (e.g. "[num_codebooks, group_size]").
LogicalResult checkShape(Operation *op, StringRef name, Value value,
                         ArrayRef<int64_t> expected, StringRef meaning) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getShape() == expected)
    return success();
  return op->emitOpError() << "'" << name << "' must have shape " << meaning
                           << " = " << shapeString(expected) << ", got "
                           << shapeString(type.getShape());
}

bool isSupportedFloat(Type type) {
  return type.isF16() || type.isBF16() || type.isF32();
}

/// Checks that `value` holds f16, bf16 or f32 elements.
LogicalResult checkFloatElements(Operation *op, StringRef name, Value value) {
  Type elem = cast<ShapedType>(value.getType()).getElementType();
  if (isSupportedFloat(elem))
    return success();
  return op->emitOpError() << "'" << name
                           << "' must have f16, bf16 or f32 elements, got "
                           << elem;
}

/// Checks that `value` has the same element type as the model-dtype operand
/// `refName`.
LogicalResult checkSameElements(Operation *op, StringRef name, Value value,
                                StringRef refName, Type refType) {
  Type elem = cast<ShapedType>(value.getType()).getElementType();
  if (elem == refType)
    return success();
  return op->emitOpError() << "'" << name << "' element type " << elem
                           << " differs from '" << refName
                           << "' element type " << refType;
}

/// Checks that `value` holds integers of at least `bits` bits, which hold
/// unsigned values of `what`.
LogicalResult checkIntElements(Operation *op, StringRef name, Value value,
                               int64_t bits, StringRef what) {
  Type elem = cast<ShapedType>(value.getType()).getElementType();
  auto intType = dyn_cast<IntegerType>(elem);
  if (!intType)
    return op->emitOpError() << "'" << name
                             << "' must have integer elements, got " << elem;
  if (int64_t(intType.getWidth()) < bits)
    return op->emitOpError() << "'" << name << "' element type " << elem
                             << " is too narrow for " << what;
  return success();
}

/// Checks that an optional operand is present exactly when the configuration
/// needs it; `requiredBy` and `absentBecause` name the deciding parameter.
LogicalResult checkPresence(Operation *op, StringRef name, Value value,
                            bool required, const Twine &requiredBy,
                            const Twine &absentBecause) {
  if (required && !value)
    return op->emitOpError() << "'" << name << "' is required by "
                             << requiredBy;
  if (!required && value)
    return op->emitOpError() << "'" << name << "' must be absent: "
                             << absentBecause;
  return success();
}

/// Packed index words: [NC, NI, W] of i32.
LogicalResult checkPackedIndices(Operation *op, StringRef name, Value value,
                                 const LayerConfig &c) {
  if (failed(checkShape(op, name, value,
                        {c.numCodebooks, c.numIndexRows(),
                         c.packedWordsPerRow()},
                        "[num_codebooks, index_rows, packed_words]")))
    return failure();
  Type elem = cast<ShapedType>(value.getType()).getElementType();
  if (!elem.isInteger(32))
    return op->emitOpError() << "packed '" << name
                             << "' must have i32 elements, got " << elem;
  return success();
}

/// Unpacked indices: [NC, NI, GS] of integers of at least `bits` bits.
LogicalResult checkUnpackedIndices(Operation *op, StringRef name, Value value,
                                   const LayerConfig &c,
                                   int64_t bits, StringRef bitsName) {
  if (failed(checkShape(op, name, value,
                        {c.numCodebooks, c.numIndexRows(), c.groupSize},
                        "[num_codebooks, index_rows, group_size]")))
    return failure();
  return checkIntElements(op, name, value, bits,
                          (bitsName + " = " + Twine(bits)).str());
}

/// All shaped operands must be tensors, or all memrefs.
LogicalResult checkUniformSemantics(Operation *op) {
  std::optional<bool> tensors;
  for (OpOperand &operand : op->getOpOperands()) {
    bool isTensor = isa<RankedTensorType>(operand.get().getType());
    if (!tensors) {
      tensors = isTensor;
      continue;
    }
    if (*tensors != isTensor)
      return op->emitOpError()
             << "operands must be all ranked tensors or all memrefs, but "
                "operand #"
             << operand.getOperandNumber() << " is a "
             << (isTensor ? "tensor" : "memref") << " and operand #0 is not";
  }
  return success();
}

/// Memory effects of a destination-style vptq op: inputs are read, inits
/// are written; tensor operands have no effect.
void getDpsEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &operand : op->getOpOperands()) {
    if (!isa<MemRefType>(operand.get().getType()))
      continue;
    if (op.isDpsInit(&operand))
      effects.emplace_back(MemoryEffects::Write::get(), &operand,
                           SideEffects::DefaultResource::get());
    else
      effects.emplace_back(MemoryEffects::Read::get(), &operand,
                           SideEffects::DefaultResource::get());
  }
}

SmallVector<Type> resultTypesFor(Value init) {
  if (isa<RankedTensorType>(init.getType()))
    return {init.getType()};
  return {};
}

} // namespace

//===----------------------------------------------------------------------===//
// QuantizedWeightOpInterface
//===----------------------------------------------------------------------===//

QuantizedWeightValues mlir::vptq::getWeightValues(QuantizedWeightOpInterface op) {
  return {op.getIndices(),        op.getResIndices(),
          op.getCentroids(),      op.getResCentroids(),
          op.getOutlierIndices(), op.getOutlierCentroids(),
          op.getPerm(),           op.getWeightScale(),
          op.getWeightBias()};
}

LogicalResult mlir::vptq::detail::verifyQuantizedWeightOp(Operation *op) {
  auto weightOp = cast<QuantizedWeightOpInterface>(op);
  LayerConfig c = weightOp.getConfig().getLayerConfig();
  QuantizedWeightValues w = getWeightValues(weightOp);
  if (failed(checkUniformSemantics(op)))
    return failure();

  // Main indices.
  if (c.packed) {
    if (failed(checkPackedIndices(op, "indices", w.indices, c)))
      return failure();
  } else if (failed(checkUnpackedIndices(op, "indices", w.indices, c,
                                         c.indexBits, "index_bits"))) {
    return failure();
  }

  // Residual indices exist as a tensor only when unpacked.
  if (w.resIndices && c.packed)
    return op->emitOpError()
           << "'res_indices' must be absent with packed indices: the "
              "residual codes are packed into 'indices'";
  if (failed(checkPresence(
          op, "res_indices", w.resIndices, c.hasResidual() && !c.packed,
          "num_res_centroids = " + Twine(c.numResCentroids) +
              " with unpacked indices",
          "the configuration has num_res_centroids = 0")))
    return failure();
  if (w.resIndices &&
      failed(checkUnpackedIndices(op, "res_indices", w.resIndices, c,
                                  c.resIndexBits, "res_index_bits")))
    return failure();

  // Codebooks.
  if (failed(checkShape(op, "centroids", w.centroids,
                        {c.numCodebooks, c.numCentroids * c.vectorLen},
                        "[num_codebooks, num_centroids * vector_len]")) ||
      failed(checkFloatElements(op, "centroids", w.centroids)))
    return failure();
  Type modelType = cast<ShapedType>(w.centroids.getType()).getElementType();

  if (failed(checkPresence(op, "res_centroids", w.resCentroids,
                           c.hasResidual(),
                           "num_res_centroids = " + Twine(c.numResCentroids),
                           "the configuration has num_res_centroids = 0")))
    return failure();
  if (w.resCentroids &&
      (failed(checkShape(op, "res_centroids", w.resCentroids,
                         {c.numCodebooks, c.numResCentroids * c.vectorLen},
                         "[num_codebooks, num_res_centroids * vector_len]")) ||
       failed(checkSameElements(op, "res_centroids", w.resCentroids,
                                "centroids", modelType))))
    return failure();

  // Outliers.
  std::string outlierReason = "outlier_size = " + std::to_string(c.outlierSize);
  if (failed(checkPresence(op, "outlier_indices", w.outlierIndices,
                           c.hasOutliers(), outlierReason,
                           "the configuration has outlier_size = 0")) ||
      failed(checkPresence(op, "outlier_centroids", w.outlierCentroids,
                           c.hasOutliers(), outlierReason,
                           "the configuration has outlier_size = 0")))
    return failure();
  if (c.hasOutliers()) {
    int64_t bits = ::vptq::ref::bitsToAddress(c.numOutlierCentroids);
    if (failed(checkShape(op, "outlier_indices", w.outlierIndices,
                          {1, c.numOutlierIndexRows(), c.outlierSize},
                          "[1, outlier_index_rows, outlier_size]")) ||
        failed(checkIntElements(op, "outlier_indices", w.outlierIndices, bits,
                                ("num_outlier_centroids = " +
                                 Twine(c.numOutlierCentroids))
                                    .str())) ||
        failed(checkShape(
            op, "outlier_centroids", w.outlierCentroids,
            {1, c.numOutlierCentroids * c.outlierVectorLen},
            "[1, num_outlier_centroids * outlier_vector_len]")) ||
        failed(checkSameElements(op, "outlier_centroids", w.outlierCentroids,
                                 "centroids", modelType)))
      return failure();
  }

  // Permutation.
  if (failed(checkPresence(op, "perm", w.perm, c.enablePerm,
                           "enable_perm = true",
                           "the configuration has enable_perm = false")))
    return failure();
  if (w.perm &&
      (failed(checkShape(op, "perm", w.perm, {c.inFeatures},
                         "[in_features]")) ||
       failed(checkIntElements(
           op, "perm", w.perm, ::vptq::ref::bitsToAddress(c.inFeatures),
           ("in_features = " + Twine(c.inFeatures)).str()))))
    return failure();

  // Norm.
  for (auto [name, value] : {std::pair<StringRef, Value>{"weight_scale",
                                                         w.weightScale},
                             {"weight_bias", w.weightBias}}) {
    if (failed(checkPresence(op, name, value, c.enableNorm,
                             "enable_norm = true",
                             "the configuration has enable_norm = false")))
      return failure();
    if (value && (failed(checkShape(op, name, value, {c.inFeatures},
                                    "[in_features]")) ||
                  failed(checkSameElements(op, name, value, "centroids",
                                           modelType))))
      return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// UnpackIndicesOp
//===----------------------------------------------------------------------===//

LogicalResult UnpackIndicesOp::verify() {
  Operation *op = getOperation();
  LayerConfig c = getConfig().getLayerConfig();
  if (failed(checkUniformSemantics(op)))
    return failure();
  if (!c.packed)
    return emitOpError() << "requires a configuration with packed = true";
  if (failed(checkPackedIndices(op, "packed", getPacked(), c)) ||
      failed(checkUnpackedIndices(op, "outs", getIndicesInit(), c,
                                  c.indexBits, "index_bits")))
    return failure();
  if (failed(checkPresence(op, "residual outs", getResIndicesInit(),
                           c.hasResidual(),
                           "num_res_centroids = " + Twine(c.numResCentroids),
                           "the configuration has num_res_centroids = 0")))
    return failure();
  if (getResIndicesInit() &&
      failed(checkUnpackedIndices(op, "residual outs", getResIndicesInit(),
                                  c, c.resIndexBits, "res_index_bits")))
    return failure();
  return success();
}

void UnpackIndicesOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// DequantOp
//===----------------------------------------------------------------------===//

void DequantOp::build(OpBuilder &builder, OperationState &state,
                      QuantConfigAttr config, const QuantizedWeightValues &w,
                      Value init) {
  build(builder, state, resultTypesFor(init), config, w.indices, w.resIndices,
        w.centroids, w.resCentroids, w.outlierIndices, w.outlierCentroids,
        w.perm, w.weightScale, w.weightBias, init);
}

LogicalResult DequantOp::verify() {
  LayerConfig c = getConfig().getLayerConfig();
  if (failed(checkShape(getOperation(), "outs", getInit(),
                        {c.outFeatures, c.inFeatures},
                        "[out_features, in_features]")))
    return failure();
  return checkFloatElements(getOperation(), "outs", getInit());
}

void DequantOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

void MatmulOp::build(OpBuilder &builder, OperationState &state,
                     QuantConfigAttr config, Value input,
                     const QuantizedWeightValues &w, Value bias, Value init,
                     TilingAttr tiling, PlacementAttr placement,
                     Value shardEntries, Value shardOffsets, Value gate) {
  build(builder, state, resultTypesFor(init), config, input, gate, w.indices,
        w.resIndices, w.centroids, w.resCentroids, w.outlierIndices,
        w.outlierCentroids, w.perm, w.weightScale, w.weightBias, shardEntries,
        shardOffsets, bias, init, tiling, placement);
}

int64_t MatmulOp::getNumCodebookShards() {
  if (!getShardOffsets())
    return 0;
  return cast<ShapedType>(getShardOffsets().getType()).getDimSize(0);
}

/// The sharded index layout's operands: both or neither, i32, shapes, and
/// a layer the sharded kernel handles.
static LogicalResult verifyShardOperands(MatmulOp op, const LayerConfig &c) {
  Value entries = op.getShardEntries(), offsets = op.getShardOffsets();
  PlacementAttr placement = op.getPlacementAttr();
  bool sharded =
      placement && placement.getCentroids() == CodebookPlacement::Sharded;
  if (!entries && !offsets) {
    if (sharded)
      return op.emitOpError("placement of 'centroids' sharded needs the "
                            "'shard_entries' and 'shard_offsets' operands");
    return success();
  }
  if (!entries || !offsets)
    return op.emitOpError("'shard_entries' and 'shard_offsets' come "
                          "together, got only '")
           << (entries ? "shard_entries" : "shard_offsets") << "'";
  auto entriesType = cast<ShapedType>(entries.getType());
  auto offsetsType = cast<ShapedType>(offsets.getType());
  if (!entriesType.getElementType().isInteger(32) ||
      !offsetsType.getElementType().isInteger(32))
    return op.emitOpError("'shard_entries' and 'shard_offsets' must have i32 "
                          "elements");
  if (entriesType.getRank() != 1)
    return op.emitOpError("'shard_entries' must have rank 1, got ")
           << shapeString(entriesType.getShape());
  int64_t shards = offsetsType.getRank() == 2 ? offsetsType.getDimSize(0) : 0;
  if (offsetsType.getRank() != 2 || ShapedType::isDynamic(shards) ||
      offsetsType.getDimSize(1) != c.numIndexRows() + 1)
    return op.emitOpError("'shard_offsets' must have shape [shards, "
                          "num_index_rows + 1] = [S, ")
           << c.numIndexRows() + 1 << "], got "
           << shapeString(offsetsType.getShape());
  if (shards < 1 || !llvm::isPowerOf2_64(shards) ||
      c.numCentroids % shards != 0)
    return op.emitOpError("the shard count must be a power of two dividing "
                          "num_centroids = ")
           << c.numCentroids << ", got " << shards;
  if (c.numCodebooks != 1 || c.hasResidual())
    return op.emitOpError("sharded indices need one codebook group and no "
                          "residual codebook, got num_codebooks = ")
           << c.numCodebooks << " and num_res_centroids = "
           << c.numResCentroids;
  if (c.numCentroids / shards > 65536 || c.inFeatures >= 65536)
    return op.emitOpError("sharded index entries hold 16-bit columns and "
                          "shard indices: in_features must be below 65536 "
                          "and num_centroids / shards at most 65536");
  if (placement && !sharded)
    return op.emitOpError("has 'shard_entries' and 'shard_offsets' but "
                          "places 'centroids' ")
           << stringifyCodebookPlacement(placement.getCentroids())
           << "; expected sharded";
  return success();
}

LogicalResult MatmulOp::verify() {
  Operation *op = getOperation();
  LayerConfig c = getConfig().getLayerConfig();
  auto inputType = cast<ShapedType>(getInput().getType());
  auto initType = cast<ShapedType>(getInit().getType());
  if (inputType.getRank() != 2)
    return emitOpError() << "'input' must have rank 2 (batch x in_features), "
                            "got rank "
                         << inputType.getRank();
  if (inputType.getDimSize(1) != c.inFeatures)
    return emitOpError() << "'input' must have in_features = " << c.inFeatures
                         << " columns, got "
                         << shapeString(inputType.getShape());
  if (failed(checkFloatElements(op, "input", getInput())))
    return failure();
  if (Value gate = getGate()) {
    if (gate.getType() != getInput().getType())
      return emitOpError() << "'gate' must have the type of 'input', "
                           << getInput().getType() << ", got "
                           << gate.getType();
    if (TilingAttr tiling = getTilingAttr(); tiling && tiling.getMma())
      return emitOpError("a gated input needs a SIMT kernel: its tiling "
                         "has mma = true");
  }
  int64_t batch = inputType.getDimSize(0);
  if (initType.getRank() != 2 || initType.getDimSize(1) != c.outFeatures ||
      (!ShapedType::isDynamic(batch) &&
       !ShapedType::isDynamic(initType.getDimSize(0)) &&
       initType.getDimSize(0) != batch))
    return emitOpError() << "'outs' must have shape [batch, out_features] = "
                         << shapeString({batch, c.outFeatures}) << ", got "
                         << shapeString(initType.getShape());
  if (failed(checkFloatElements(op, "outs", getInit())))
    return failure();
  if (failed(checkPresence(op, "bias", getBias(), c.bias, "bias = true",
                           "the configuration has bias = false")))
    return failure();
  if (getBias()) {
    Type modelType =
        cast<ShapedType>(getCentroids().getType()).getElementType();
    if (failed(checkShape(op, "bias", getBias(), {c.outFeatures},
                          "[out_features]")) ||
        failed(checkSameElements(op, "bias", getBias(), "centroids",
                                 modelType)))
      return failure();
  }
  if (failed(verifyShardOperands(*this, c)))
    return failure();
  if (PlacementAttr placement = getPlacementAttr()) {
    if (placement.getResCentroids() == CodebookPlacement::Sharded)
      return emitOpError("only 'centroids' can be sharded, not "
                         "'res_centroids'");
    Type modelType =
        cast<ShapedType>(getCentroids().getType()).getElementType();
    int64_t entryBytes = getCodebookEntryBytes(c.vectorLen, modelType);
    for (auto [place, name] :
         {std::pair{placement.getCentroids(), "centroids"},
          std::pair{placement.getResCentroids(), "res_centroids"}})
      if (place == CodebookPlacement::Replicated &&
          entryBytes != kReplicatedEntryBytes)
        return emitOpError() << "a replicated '" << name << "' needs "
                             << kReplicatedEntryBytes
                             << "-byte entries (vector_len x element size), "
                                "got "
                             << c.vectorLen << " x " << modelType << " = "
                             << entryBytes << " bytes";
    if (placement.getCentroids() == CodebookPlacement::Registers &&
        c.numCentroids > kMaxRegisterCentroids)
      return emitOpError() << "placement of 'centroids' in registers needs "
                              "at most "
                           << kMaxRegisterCentroids
                           << " centroids, got num_centroids = "
                           << c.numCentroids;
    if (placement.getResCentroids() == CodebookPlacement::Registers &&
        c.numResCentroids > kMaxRegisterCentroids)
      return emitOpError() << "placement of 'res_centroids' in registers "
                              "needs at most "
                           << kMaxRegisterCentroids
                           << " centroids, got num_res_centroids = "
                           << c.numResCentroids;
  }
  return success();
}

void MatmulOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

LogicalResult LinearOp::verify() {
  Operation *op = getOperation();
  if (failed(checkUniformSemantics(op)))
    return failure();
  auto inputType = cast<ShapedType>(getInput().getType());
  auto weightType = cast<ShapedType>(getWeight().getType());
  auto initType = cast<ShapedType>(getInit().getType());
  if (weightType.getRank() != 2 || !weightType.hasStaticShape())
    return emitOpError() << "'weight' must have a static shape "
                            "[out_features, in_features], got "
                         << shapeString(weightType.getShape());
  int64_t out = weightType.getDimSize(0), in = weightType.getDimSize(1);
  if (inputType.getRank() != 2 || inputType.getDimSize(1) != in)
    return emitOpError() << "'input' must have shape [batch, in_features] = "
                         << shapeString({ShapedType::kDynamic, in})
                         << ", got " << shapeString(inputType.getShape());
  int64_t batch = inputType.getDimSize(0);
  if (initType.getRank() != 2 || initType.getDimSize(1) != out ||
      (!ShapedType::isDynamic(batch) &&
       !ShapedType::isDynamic(initType.getDimSize(0)) &&
       initType.getDimSize(0) != batch))
    return emitOpError() << "'outs' must have shape [batch, out_features] = "
                         << shapeString({batch, out}) << ", got "
                         << shapeString(initType.getShape());
  if (failed(checkFloatElements(op, "input", getInput())) ||
      failed(checkFloatElements(op, "weight", getWeight())) ||
      failed(checkFloatElements(op, "outs", getInit())))
    return failure();
  if (getBias() &&
      (failed(checkShape(op, "bias", getBias(), {out}, "[out_features]")) ||
       failed(checkSameElements(op, "bias", getBias(), "weight",
                                weightType.getElementType()))))
    return failure();
  return success();
}

void LinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  getDpsEffects(*this, effects);
}


//===----------------------------------------------------------------------===//
// Transformer operations
//===----------------------------------------------------------------------===//

namespace {

/// Checks that `value` is a `T x width` memref (T any).
LogicalResult checkRows(Operation *op, StringRef name, Value value,
                        int64_t width, StringRef meaning) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getRank() == 2 && type.getDimSize(1) == width)
    return success();
  return op->emitOpError() << "'" << name << "' must have shape [T, "
                           << meaning << "] = "
                           << shapeString({ShapedType::kDynamic, width})
                           << ", got " << shapeString(type.getShape());
}

/// The static width of the 2-D memref `value`, or failure with a message.
FailureOr<int64_t> rowWidth(Operation *op, StringRef name, Value value) {
  auto type = cast<ShapedType>(value.getType());
  if (type.getRank() != 2 || ShapedType::isDynamic(type.getDimSize(1))) {
    op->emitOpError() << "'" << name
                      << "' must be a 2-D memref with a static row width, got "
                      << shapeString(type.getShape());
    return failure();
  }
  return type.getDimSize(1);
}

/// Checks that the leading (token) dimensions of `values` agree where
/// static; `names` name them.
LogicalResult checkSameTokens(Operation *op, ArrayRef<Value> values,
                              ArrayRef<StringRef> names) {
  int64_t tokens = ShapedType::kDynamic;
  StringRef first;
  for (auto [value, name] : llvm::zip(values, names)) {
    auto type = cast<ShapedType>(value.getType());
    int64_t t = type.getRank() ? type.getDimSize(0) : 1;
    if (ShapedType::isDynamic(t))
      continue;
    if (!ShapedType::isDynamic(tokens) && t != tokens)
      return op->emitOpError()
             << "'" << name << "' has " << t << " rows but '" << first
             << "' has " << tokens;
    tokens = t;
    first = name;
  }
  return success();
}

} // namespace

/// The checks of vptq.rms_norm and vptq.add_rms_norm: `rows` (the first
/// one gives the width) are `T x D`, `weight` has D elements.
static LogicalResult verifyNorm(Operation *op, ArrayRef<Value> rows,
                                ArrayRef<StringRef> names, Value weight,
                                APFloat epsilon) {
  FailureOr<int64_t> d = rowWidth(op, names[0], rows[0]);
  if (failed(d))
    return failure();
  for (size_t i = 1; i < rows.size(); ++i)
    if (failed(checkRows(op, names[i], rows[i], *d, "hidden_size")))
      return failure();
  if (failed(checkShape(op, "weight", weight, {*d}, "[hidden_size]")) ||
      failed(checkSameTokens(op, rows, names)))
    return failure();
  if (epsilon.convertToDouble() <= 0)
    return op->emitOpError()
           << "epsilon must be positive, got " << epsilon.convertToDouble();
  return success();
}

LogicalResult RMSNormOp::verify() {
  return verifyNorm(*this, {getInput(), getOutput()}, {"input", "output"},
                    getWeight(), getEpsilon());
}

LogicalResult AddRMSNormOp::verify() {
  if (getOutput() == getResidual())
    return emitOpError("'output' must not be 'residual': the updated "
                       "residual stream would be overwritten");
  return verifyNorm(*this, {getResidual(), getDelta(), getOutput()},
                    {"residual", "delta", "output"}, getWeight(),
                    getEpsilon());
}

LogicalResult RotaryOp::verify() {
  Operation *op = getOperation();
  int64_t h = getHeadDim();
  if (h <= 0 || h % 2)
    return emitOpError() << "head_dim must be positive and even, got " << h;
  FailureOr<int64_t> width = rowWidth(op, "input", getInput());
  if (failed(width))
    return failure();
  if (*width % h)
    return emitOpError() << "row width " << *width
                         << " is not a multiple of head_dim " << h;
  if (failed(checkRows(op, "output", getOutput(), *width, "heads * head_dim")) ||
      failed(checkShape(op, "inv_freq", getInvFreq(), {h / 2},
                        "[head_dim / 2]")) ||
      failed(checkSameTokens(op, {getInput(), getPositions(), getOutput()},
                             {"input", "positions", "output"})))
    return failure();
  return success();
}

LogicalResult RotaryAppendOp::verify() {
  Operation *op = getOperation();
  int64_t h = getHeadDim();
  if (h <= 0 || h % 2)
    return emitOpError() << "head_dim must be positive and even, got " << h;
  FailureOr<int64_t> qWidth = rowWidth(op, "query", getQuery());
  FailureOr<int64_t> kvWidth = rowWidth(op, "key", getKey());
  if (failed(qWidth) || failed(kvWidth))
    return failure();
  if (*qWidth % h)
    return emitOpError() << "query width " << *qWidth
                         << " is not a multiple of head_dim " << h;
  if (*kvWidth % h)
    return emitOpError() << "key width " << *kvWidth
                         << " is not a multiple of head_dim " << h;
  if (failed(checkRows(op, "value", getValue(), *kvWidth, "the key width")) ||
      failed(checkRows(op, "key_cache", getKeyCache(), *kvWidth,
                       "the key width")) ||
      failed(checkRows(op, "value_cache", getValueCache(), *kvWidth,
                       "the key width")) ||
      failed(checkShape(op, "inv_freq", getInvFreq(), {h / 2},
                        "[head_dim / 2]")) ||
      failed(checkSameTokens(op,
                             {getQuery(), getKey(), getValue(), getPositions()},
                             {"query", "key", "value", "positions"})) ||
      failed(checkSameTokens(op, {getKeyCache(), getValueCache()},
                             {"key_cache", "value_cache"})))
    return failure();
  return success();
}

/// The checks vptq.attention and vptq.rotary_attention share: head counts,
/// the query, output and cache widths, scale.
static LogicalResult verifyAttention(Operation *op, int64_t heads,
                                     int64_t kvHeads, int64_t h, Value query,
                                     Value output, Value keyCache,
                                     Value valueCache, APFloat scale) {
  if (heads <= 0 || kvHeads <= 0 || h <= 0)
    return op->emitOpError() << "num_heads, num_kv_heads and head_dim must be "
                                "positive";
  if (heads % kvHeads)
    return op->emitOpError()
           << "num_heads " << heads << " is not a multiple of num_kv_heads "
           << kvHeads;
  if (failed(
          checkRows(op, "query", query, heads * h, "num_heads * head_dim")) ||
      failed(
          checkRows(op, "output", output, heads * h, "num_heads * head_dim")) ||
      failed(checkRows(op, "key_cache", keyCache, kvHeads * h,
                       "num_kv_heads * head_dim")) ||
      failed(checkRows(op, "value_cache", valueCache, kvHeads * h,
                       "num_kv_heads * head_dim")) ||
      failed(checkSameTokens(op, {keyCache, valueCache},
                             {"key_cache", "value_cache"})))
    return failure();
  if (scale.convertToDouble() <= 0)
    return op->emitOpError() << "scale must be positive";
  return success();
}

LogicalResult AttentionOp::verify() {
  if (failed(verifyAttention(*this, getNumHeads(), getNumKvHeads(),
                             getHeadDim(), getQuery(), getOutput(),
                             getKeyCache(), getValueCache(), getScale())))
    return failure();
  return checkSameTokens(*this, {getQuery(), getPositions(), getOutput()},
                         {"query", "positions", "output"});
}

LogicalResult RotaryAttentionOp::verify() {
  Operation *op = getOperation();
  int64_t h = getHeadDim();
  if (failed(verifyAttention(op, getNumHeads(), getNumKvHeads(), h, getQuery(),
                             getOutput(), getKeyCache(), getValueCache(),
                             getScale())))
    return failure();
  if (h % 2)
    return emitOpError() << "head_dim must be even, got " << h;
  int64_t kvWidth = getNumKvHeads() * h;
  if (failed(
          checkRows(op, "key", getKey(), kvWidth, "num_kv_heads * head_dim")) ||
      failed(checkRows(op, "value", getValue(), kvWidth,
                       "num_kv_heads * head_dim")) ||
      failed(checkShape(op, "inv_freq", getInvFreq(), {h / 2},
                        "[head_dim / 2]")) ||
      failed(checkSameTokens(
          op, {getQuery(), getKey(), getValue(), getPositions(), getOutput()},
          {"query", "key", "value", "positions", "output"})))
    return failure();
  return success();
}

/// The checks of the element-wise ops: three `T x D` memrefs.
static LogicalResult verifyElementwise(Operation *op,
                                       ArrayRef<StringRef> names) {
  FailureOr<int64_t> d = rowWidth(op, names[0], op->getOperand(0));
  if (failed(d))
    return failure();
  for (unsigned i = 1; i < 3; ++i)
    if (failed(checkRows(op, names[i], op->getOperand(i), *d, "width")))
      return failure();
  return checkSameTokens(op, SmallVector<Value>(op->getOperands()), names);
}

LogicalResult SiluMulOp::verify() {
  return verifyElementwise(*this, {"gate", "up", "output"});
}

LogicalResult AddOp::verify() {
  return verifyElementwise(*this, {"lhs", "rhs", "output"});
}

LogicalResult GatherRowsOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> d = rowWidth(op, "table", getTable());
  if (failed(d) || failed(checkRows(op, "output", getOutput(), *d, "width")) ||
      failed(checkSameTokens(op, {getIndices(), getOutput()},
                             {"indices", "output"})))
    return failure();
  return success();
}

LogicalResult ScatterRowsOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> d = rowWidth(op, "input", getInput());
  if (failed(d) || failed(checkRows(op, "output", getOutput(), *d, "width")) ||
      failed(checkSameTokens(op, {getInput(), getIndices()},
                             {"input", "indices"})))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// Quantizer operations
//===----------------------------------------------------------------------===//

LogicalResult NearestOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> v = rowWidth(op, "points", getPoints());
  if (failed(v) ||
      failed(checkRows(op, "centroids", getCentroids(), *v, "vector length")) ||
      failed(checkSameTokens(op, {getPoints(), getIndices(), getDistances()},
                             {"points", "indices", "distances"})))
    return failure();
  return success();
}

LogicalResult GramOp::verify() {
  Operation *op = getOperation();
  FailureOr<int64_t> n = rowWidth(op, "input", getInput());
  if (failed(n))
    return failure();
  auto type = cast<ShapedType>(getHessian().getType());
  if (type.getShape() != ArrayRef<int64_t>{*n, *n})
    return emitOpError() << "'hessian' must have shape [N, N] = "
                         << shapeString({*n, *n}) << ", got "
                         << shapeString(type.getShape());
  return success();
}

#define GET_OP_CLASSES
#include "vptq/Dialect/VPTQ/IR/VPTQOps.cpp.inc"
