//===- WeightAccess.cpp - Emit reads of a quantized weight ----------------===//

#include "vptq/Conversion/WeightAccess.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/TypeUtilities.h"

#include <numeric>

using namespace mlir;
using namespace mlir::vptq;

//===----------------------------------------------------------------------===//
// EmitContext
//===----------------------------------------------------------------------===//

Value EmitContext::index(int64_t v) const {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value EmitContext::i32(int64_t v) const {
  return arith::ConstantIntOp::create(b, loc, v, 32);
}

Value EmitContext::i64(int64_t v) const {
  return arith::ConstantIntOp::create(b, loc, v, 64);
}

Value EmitContext::f32(double v) const {
  return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                        APFloat(float(v)));
}

Value EmitContext::add(Value x, Value y) const {
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value EmitContext::mul(Value x, Value y) const {
  if (isa<FloatType>(getElementTypeOrSelf(x.getType())))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value EmitContext::min(Value x, Value y) const {
  return arith::MinUIOp::create(b, loc, x, y);
}

Value EmitContext::ceilDiv(Value x, int64_t d) const {
  return arith::CeilDivUIOp::create(b, loc, x, index(d));
}

Value EmitContext::loadUnsignedIndex(Value memref, ValueRange indices) const {
  return unsignedIndex(memref::LoadOp::create(b, loc, memref, indices));
}

Value EmitContext::unsignedIndex(Value v) const {
  if (v.getType().isIndex())
    return v;
  if (v.getType().getIntOrFloatBitWidth() < 64)
    v = arith::ExtUIOp::create(b, loc, b.getI64Type(), v);
  return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), v);
}

Value EmitContext::toF32(Value v) const {
  Type elem = getElementTypeOrSelf(v.getType());
  if (elem.isF32())
    return v;
  Type f32Type = b.getF32Type();
  if (auto vecType = dyn_cast<VectorType>(v.getType()))
    f32Type = VectorType::get(vecType.getShape(), f32Type);
  return arith::ExtFOp::create(b, loc, f32Type, v);
}

Value EmitContext::loadF32(Value memref, ValueRange indices) const {
  return toF32(memref::LoadOp::create(b, loc, memref, indices));
}

Value EmitContext::fromF32(Value v, Type type) const {
  if (getElementTypeOrSelf(type).isF32())
    return v;
  return arith::TruncFOp::create(b, loc, type, v);
}

//===----------------------------------------------------------------------===//
// Bit extraction
//===----------------------------------------------------------------------===//

/// The `bits`-bit field at bit `shift` (i64) of the 64-bit window of words
/// lo (low) and hi, as i32.
static Value extractField(const EmitContext &e, Value lo, Value hi,
                          Value shift, int64_t bits) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Type i64 = b.getI64Type();
  // A field never crosses more than one word boundary (bits <= 32), so the
  // 64-bit window of two words holds it; without a crossing the high word's
  // bits are masked away.
  Value window = arith::OrIOp::create(
      b, loc, arith::ExtUIOp::create(b, loc, i64, lo),
      arith::ShLIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i64, hi),
                            arith::ConstantIntOp::create(b, loc, 32, 64)));
  Value field = arith::TruncIOp::create(
      b, loc, b.getI32Type(), arith::ShRUIOp::create(b, loc, window, shift));
  if (bits < 32)
    field = arith::AndIOp::create(b, loc, field,
                                  e.i32((int64_t(1) << bits) - 1));
  return field;
}

/// The loads of the field at `bitOffset` of words[prefix..., :] (numWords
/// words): the word holding its first bit, the next one (clamped to the
/// last), and its shift (i64) in their 64-bit window, for extractField.
static SmallVector<Value> loadBitWindow(const EmitContext &e, Value words,
                                        ValueRange prefix, Value bitOffset,
                                        int64_t numWords) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Value word = arith::ShRUIOp::create(b, loc, bitOffset, e.index(5));
  Value nextWord = e.min(e.add(word, e.index(1)), e.index(numWords - 1));
  SmallVector<Value> loIdx(prefix), hiIdx(prefix);
  loIdx.push_back(word);
  hiIdx.push_back(nextWord);
  Value shift = arith::IndexCastUIOp::create(
      b, loc, b.getI64Type(),
      arith::AndIOp::create(b, loc, bitOffset, e.index(31)));
  return {memref::LoadOp::create(b, loc, words, loIdx),
          memref::LoadOp::create(b, loc, words, hiIdx), shift};
}

Value mlir::vptq::emitExtractBits(const EmitContext &e, Value words,
                                  ValueRange prefix, Value bitOffset,
                                  int64_t bits, int64_t numWords) {
  SmallVector<Value> window =
      loadBitWindow(e, words, prefix, bitOffset, numWords);
  return extractField(e, window[0], window[1], window[2], bits);
}

std::pair<Value, Value> mlir::vptq::emitSplitCode(const EmitContext &e,
                                                  Value code,
                                                  int64_t indexBits,
                                                  int64_t resIndexBits) {
  OpBuilder &b = e.b;
  auto toIndex = [&](Value v) -> Value {
    return arith::IndexCastUIOp::create(b, e.loc, b.getIndexType(), v);
  };
  Value idx = code;
  if (indexBits < 32)
    idx = arith::AndIOp::create(b, e.loc, code,
                                e.i32((int64_t(1) << indexBits) - 1));
  Value res;
  if (resIndexBits > 0)
    res = toIndex(arith::ShRUIOp::create(b, e.loc, code, e.i32(indexBits)));
  return {toIndex(idx), res};
}

int64_t mlir::vptq::vectorAlignment(int64_t count, int64_t elemBytes) {
  int64_t size = count * elemBytes;
  int64_t align = 1;
  while (align < 16 && size % (align * 2) == 0)
    align *= 2;
  return align;
}

//===----------------------------------------------------------------------===//
// WeightAccess
//===----------------------------------------------------------------------===//

WeightAccess::WeightAccess(QuantizedWeightOpInterface op)
    : cfg(op.getConfig().getLayerConfig()), w(getWeightValues(op)) {}

Type WeightAccess::modelType() const {
  return cast<ShapedType>(w.centroids.getType()).getElementType();
}

std::pair<Value, Value> WeightAccess::emitIndices(const EmitContext &e,
                                                  Value c, Value n,
                                                  Value g) const {
  return decodeIndices(e, loadIndices(e, c, n, g));
}

SmallVector<Value> WeightAccess::loadIndices(const EmitContext &e, Value c,
                                             Value n, Value g) const {
  if (!cfg.packed) {
    SmallVector<Value> loads{
        memref::LoadOp::create(e.b, e.loc, w.indices, ValueRange{c, n, g})};
    if (w.resIndices)
      loads.push_back(memref::LoadOp::create(e.b, e.loc, w.resIndices,
                                             ValueRange{c, n, g}));
    return loads;
  }
  // The two words holding the field, and its shift in their window.
  return loadBitWindow(e, w.indices, {c, n},
                       e.mul(g, e.index(cfg.indexBits + cfg.resIndexBits)),
                       cfg.packedWordsPerRow());
}

std::pair<Value, Value>
WeightAccess::decodeIndices(const EmitContext &e,
                            ArrayRef<Value> loads) const {
  if (!cfg.packed)
    return {e.unsignedIndex(loads[0]),
            loads.size() > 1 ? e.unsignedIndex(loads[1]) : Value()};
  Value field = extractField(e, loads[0], loads[1], loads[2],
                             cfg.indexBits + cfg.resIndexBits);
  return emitSplitCode(e, field, cfg.indexBits, cfg.resIndexBits);
}

Value mlir::vptq::emitVectorLoad(const EmitContext &e, Value memref,
                                 ValueRange prefix, Value offset,
                                 int64_t count, bool widen) {
  auto type = cast<MemRefType>(memref.getType());
  Type elem = type.getElementType();
  int64_t elemBytes = elem.getIntOrFloatBitWidth() / 8;
  int64_t align = vectorAlignment(count, elemBytes);
  // A vector whose size is not a power of two (e.g. 6 x f16 = 12 bytes) is
  // loaded as aligned power-of-two pieces, as the hardware would anyway:
  // LLVM's AMDGPU instruction selection aborts on some odd-sized loads.
  int64_t piece = std::max<int64_t>(1, std::min(count, align / elemBytes));
  auto indicesAt = [&](Value at) {
    SmallVector<Value> indices(prefix);
    indices.push_back(at);
    return indices;
  };
  auto convert = [&](Value v) { return widen ? e.toF32(v) : v; };
  if (piece == count) {
    auto load = vector::LoadOp::create(e.b, e.loc,
                                       VectorType::get({count}, elem), memref,
                                       indicesAt(offset));
    load.setAlignment(align);
    return convert(load);
  }
  SmallVector<Value> elems;
  for (int64_t at = 0; at < count; at += piece) {
    auto load = vector::LoadOp::create(
        e.b, e.loc, VectorType::get({piece}, elem), memref,
        indicesAt(e.add(offset, e.index(at))));
    load.setAlignment(piece * elemBytes);
    Value part = convert(load);
    for (int64_t i = 0; i < piece; ++i)
      elems.push_back(vector::ExtractOp::create(e.b, e.loc, part,
                                                ArrayRef<int64_t>{i}));
  }
  return vector::FromElementsOp::create(
      e.b, e.loc, VectorType::get({count}, widen ? e.b.getF32Type() : elem),
      elems);
}

void mlir::vptq::emitVectorStore(const EmitContext &e, Value vec,
                                  Value memref, ValueRange prefix,
                                  Value offset) {
  auto type = cast<VectorType>(vec.getType());
  const int64_t count = type.getNumElements();
  const int64_t elemBytes = type.getElementType().getIntOrFloatBitWidth() / 8;
  const int64_t align = vectorAlignment(count, elemBytes);
  const int64_t piece = std::max<int64_t>(1, std::min(count, align / elemBytes));
  for (int64_t at = 0; at < count; at += piece) {
    SmallVector<Value> indices(prefix);
    indices.push_back(at ? e.add(offset, e.index(at)) : offset);
    // A shuffle (not extract_strided_slice) lowers straight to LLVM.
    SmallVector<int64_t> lanes(piece);
    std::iota(lanes.begin(), lanes.end(), at);
    Value part = piece == count ? vec
                                : vector::ShuffleOp::create(e.b, e.loc, vec,
                                                            vec, lanes);
    auto store =
        vector::StoreOp::create(e.b, e.loc, part, memref, indices);
    store.setAlignment(piece * elemBytes);
  }
}

Value WeightAccess::emitGather(const EmitContext &e, Value codebook, Value c,
                               Value entry, int64_t vlen) {
  return emitVectorLoad(e, codebook, ValueRange{c},
                        e.mul(entry, e.index(vlen)), vlen);
}

Value WeightAccess::emitWeightVector(const EmitContext &e, Value c, Value idx,
                                     Value res) const {
  Value vec = emitGather(e, w.centroids, c, idx, cfg.vectorLen);
  if (res)
    vec = e.add(vec, emitGather(e, w.resCentroids, c, res, cfg.vectorLen));
  return vec;
}

Value WeightAccess::emitInputColumn(const EmitContext &e, Value col) const {
  if (!w.perm)
    return col;
  return e.loadUnsignedIndex(w.perm, {col});
}

Value mlir::vptq::emitSilu(const EmitContext &e, Value a) {
  Value negA = arith::NegFOp::create(e.b, e.loc, a);
  Value denom = e.add(e.f32(1.0), math::ExpOp::create(e.b, e.loc, negA));
  return arith::DivFOp::create(e.b, e.loc, a, denom);
}

Value WeightAccess::emitInput(const EmitContext &e, Value x, Value b,
                              Value p) const {
  Value v = e.loadF32(x, {b, p});
  if (!gate)
    return v;
  Value gated = e.mul(emitSilu(e, e.loadF32(gate, {b, p})), v);
  Type elem = cast<MemRefType>(x.getType()).getElementType();
  if (elem.isF32())
    return gated;
  // Rounded as vptq.silu_mul stores its output.
  return arith::ExtFOp::create(e.b, e.loc, e.b.getF32Type(),
                               e.fromF32(gated, elem));
}

Value WeightAccess::emitScaledInput(const EmitContext &e, Value x, Value b,
                                    Value p) const {
  Value v = emitInput(e, x, b, p);
  if (w.weightScale)
    v = e.mul(v, e.loadF32(w.weightScale, {p}));
  return v;
}

Value WeightAccess::emitOutlierWeight(const EmitContext &e, Value row,
                                      Value o) const {
  int64_t vo = cfg.outlierVectorLen;
  Value n = arith::DivUIOp::create(e.b, e.loc, row, e.index(vo));
  Value lane = arith::RemUIOp::create(e.b, e.loc, row, e.index(vo));
  Value code = e.loadUnsignedIndex(w.outlierIndices, {e.index(0), n, o});
  Value pos = e.add(e.mul(code, e.index(vo)), lane);
  return e.loadF32(w.outlierCentroids, {e.index(0), pos});
}
