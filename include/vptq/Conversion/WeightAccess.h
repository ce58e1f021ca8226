//===- WeightAccess.h - Emit reads of a quantized weight ---------*- C++ -*-===//
//
// IR building blocks shared by the CPU and GPU lowerings of the vptq ops:
// decoding packed or unpacked indices, gathering a codebook vector as f32,
// and reading the permuted, scaled activation a quantized column multiplies.
// All values are memrefs with identity layout.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_CONVERSION_WEIGHTACCESS_H
#define VPTQ_CONVERSION_WEIGHTACCESS_H

#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::vptq {

/// Builds index arithmetic and loads with a fixed builder and location.
struct EmitContext {
  OpBuilder &b;
  Location loc;

  Value index(int64_t v) const;
  Value i32(int64_t v) const;
  Value i64(int64_t v) const;
  Value f32(double v) const;
  Value add(Value x, Value y) const;
  Value mul(Value x, Value y) const;
  Value min(Value x, Value y) const;
  Value ceilDiv(Value x, int64_t d) const;
  /// Loads memref[indices] and widens an integer to `index` as unsigned.
  Value loadUnsignedIndex(Value memref, ValueRange indices) const;
  /// Widens an integer to `index` as unsigned (identity for an index).
  Value unsignedIndex(Value v) const;
  /// Loads memref[indices] and extends a float to f32.
  Value loadF32(Value memref, ValueRange indices) const;
  /// Extends a float (or vector of floats) to f32.
  Value toF32(Value v) const;
  /// Rounds an f32 value (or vector) to `type` (identity for f32).
  Value fromF32(Value v, Type type) const;
};

/// Reads the `bits`-wide field starting at bit `bitOffset` (index) of the
/// little-endian stream of i32 words memref[prefix..., w] for w in
/// [0, numWords): returns an i32. Reads two words and never past numWords.
Value emitExtractBits(const EmitContext &e, Value words, ValueRange prefix,
                      Value bitOffset, int64_t bits, int64_t numWords);

/// Splits a code into (main index, residual index) as `index` values; the
/// residual is null when resIndexBits == 0.
std::pair<Value, Value> emitSplitCode(const EmitContext &e, Value code,
                                      int64_t indexBits, int64_t resIndexBits);

/// Byte alignment guaranteed for a vector of `count` elements of
/// `elemBytes` bytes at an offset that is a multiple of its size, given
/// 16-byte aligned buffers: the largest power of two dividing the size,
/// at most 16.
int64_t vectorAlignment(int64_t count, int64_t elemBytes);

/// memref[prefix..., offset .. offset + count) as vector<count x f32> (in
/// the memref's element type when `widen` is false), with the alignment
/// vectorAlignment guarantees (offset a multiple of count); sizes that are
/// not a power of two load as aligned power-of-two pieces.
Value emitVectorLoad(const EmitContext &e, Value memref, ValueRange prefix,
                     Value offset, int64_t count, bool widen = true);

/// Stores vector `vec` at memref[prefix..., offset ..] with the alignment
/// vectorAlignment guarantees (offset a multiple of its length); sizes that
/// are not a power of two store as aligned power-of-two pieces.
void emitVectorStore(const EmitContext &e, Value vec, Value memref,
                     ValueRange prefix, Value offset);

/// The weight operands of a vptq op on memrefs and how to read them.
class WeightAccess {
public:
  explicit WeightAccess(QuantizedWeightOpInterface op);
  /// Reads `values` (e.g. the kernel arguments standing for an op's
  /// operands) described by `config`.
  WeightAccess(const LayerConfig &config, const QuantizedWeightValues &values)
      : cfg(config), w(values) {}

  const LayerConfig &config() const { return cfg; }
  const QuantizedWeightValues &values() const { return w; }
  /// The model element type (of the codebooks).
  Type modelType() const;

  /// Decodes element `g` of index row (c, n) from the operand tensors.
  std::pair<Value, Value> emitIndices(const EmitContext &e, Value c, Value n,
                                      Value g) const;
  /// The loads behind emitIndices, nothing computed from the loaded values
  /// (so that a pipeline can issue them well before decodeIndices): packed
  /// codes the two 32-bit words holding element g's field and the field's
  /// bit shift (i64), else the stored code(s) as loaded.
  SmallVector<Value> loadIndices(const EmitContext &e, Value c, Value n,
                                 Value g) const;
  /// emitIndices' (index, residual index) from loadIndices' values.
  std::pair<Value, Value> decodeIndices(const EmitContext &e,
                                        ArrayRef<Value> loads) const;

  /// Gathers entry `entry` of codebook `c` of `codebook` ([NC, K * vlen])
  /// as vector<vlen x f32>.
  static Value emitGather(const EmitContext &e, Value codebook, Value c,
                          Value entry, int64_t vlen);

  /// The main weight vector (centroid plus residual) for decoded indices.
  Value emitWeightVector(const EmitContext &e, Value c, Value idx,
                         Value res) const;

  /// The input column that quantized column `col` multiplies: perm[col] or
  /// col, as `index`.
  Value emitInputColumn(const EmitContext &e, Value col) const;

  /// Makes the activations silu(gate) * x (vptq.matmul's `gate`; `gate`
  /// stands for it as `x` does for its input): see emitInput.
  void setGate(Value gate) { this->gate = gate; }

  /// The activation x[b, p] as f32: with a gate, silu(gate[b, p]) * x[b, p]
  /// computed as vptq.silu_mul computes it, rounded to x's element type.
  Value emitInput(const EmitContext &e, Value x, Value b, Value p) const;

  /// emitInput(x, b, p) * weight_scale[p] (without norm: emitInput) as f32.
  Value emitScaledInput(const EmitContext &e, Value x, Value b,
                        Value p) const;

  /// The outlier weight W[row, o] (before permutation) as f32.
  Value emitOutlierWeight(const EmitContext &e, Value row, Value o) const;

private:
  LayerConfig cfg;
  QuantizedWeightValues w;
  Value gate;
};

/// silu(a) = a / (1 + exp(-a)) of an f32, as vptq.silu_mul computes it.
Value emitSilu(const EmitContext &e, Value a);

} // namespace mlir::vptq

#endif // VPTQ_CONVERSION_WEIGHTACCESS_H
