//===- TransformerKernels.cpp - Row kernels of the transformer ops --------===//

#include "vptq/Conversion/TransformerKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::vptq;

namespace {

/// `for i = lanes.lane; i < end; i += lanes.count { fn(i) }`.
void forLanes(OpBuilder &b, Location loc, const RowLanes &lanes, Value end,
              function_ref<void(OpBuilder &, Value)> fn) {
  EmitContext e{b, loc};
  scf::ForOp::create(b, loc, lanes.lane, end, e.index(lanes.count),
                     ValueRange{},
                     [&](OpBuilder &nb, Location, Value i, ValueRange) {
                       fn(nb, i);
                       scf::YieldOp::create(nb, loc);
                     });
}

/// The same with one f32 accumulator; returns its final value.
Value forLanesSum(OpBuilder &b, Location loc, const RowLanes &lanes, Value end,
                  function_ref<Value(OpBuilder &, Value)> term) {
  EmitContext e{b, loc};
  auto loop = scf::ForOp::create(
      b, loc, lanes.lane, end, e.index(lanes.count), ValueRange{e.f32(0)},
      [&](OpBuilder &nb, Location, Value i, ValueRange acc) {
        EmitContext ne{nb, loc};
        scf::YieldOp::create(nb, loc, ne.add(acc[0], term(nb, i)));
      });
  return loop.getResult(0);
}

Type elementType(Value memref) {
  return cast<MemRefType>(memref.getType()).getElementType();
}

int64_t rowWidth(Value memref) {
  return cast<MemRefType>(memref.getType()).getDimSize(1);
}

/// An i32 element of a 1-D memref as an index.
Value loadIndex(const EmitContext &e, Value memref, Value i) {
  Value v = memref::LoadOp::create(e.b, e.loc, memref, ValueRange{i});
  return arith::IndexCastOp::create(e.b, e.loc, e.b.getIndexType(), v);
}

/// memref[row, col .. col + n) as vector<n x f32>.
Value loadVector(const EmitContext &e, Value memref, Value row, Value col,
                 int64_t n) {
  auto type = VectorType::get({n}, elementType(memref));
  return e.toF32(
      vector::LoadOp::create(e.b, e.loc, type, memref, ValueRange{row, col}));
}

/// Vector step `g` of width `vw` of memref[prefix..., *]: elements
/// [g * vw, (g + 1) * vw) as vector<vw x f32>, loaded aligned.
Value loadStep(const EmitContext &e, Value memref, ValueRange prefix, Value g,
               int64_t vw) {
  return emitVectorLoad(e, memref, prefix, e.mul(g, e.index(vw)), vw);
}

/// Stores the f32 vector `v` as step `g` of memref[prefix..., *], rounded to
/// the memref's element type.
void storeStep(const EmitContext &e, Value v, Value memref, ValueRange prefix,
               Value g) {
  auto type = cast<VectorType>(v.getType());
  Value rounded = e.fromF32(
      v, VectorType::get(type.getShape(), elementType(memref)));
  emitVectorStore(e, rounded, memref, prefix,
                  e.mul(g, e.index(type.getNumElements())));
}

/// Applies the scalar function `fn` to every element of an f32 vector (math
/// functions stay scalar, as the GPU libraries provide them).
Value mapElements(const EmitContext &e, Value v,
                  function_ref<Value(Value)> fn) {
  auto type = cast<VectorType>(v.getType());
  SmallVector<Value> elems;
  for (int64_t i = 0; i < type.getNumElements(); ++i)
    elems.push_back(fn(vector::ExtractOp::create(e.b, e.loc, v,
                                                 ArrayRef<int64_t>{i})));
  return vector::FromElementsOp::create(e.b, e.loc, type, elems);
}

/// The sum of the elements of an f32 vector.
Value sumElements(const EmitContext &e, Value v) {
  return vector::ReductionOp::create(e.b, e.loc, vector::CombiningKind::ADD,
                                     v);
}

/// Vector steps per lane that emitRMSNorm keeps in registers between its
/// two passes.
constexpr int64_t kMaxHeldRowSteps = 4;

/// vptq.rms_norm (v = input, weight, output) and vptq.add_rms_norm (v =
/// residual, delta, weight, output), a vector step of `vw` elements at a
/// time. The fused form stores the sum first and normalizes the stored
/// (rounded) values; each lane reads back only the steps it wrote.
void emitRMSNorm(OpBuilder &b, Location loc, Operation *op, ValueRange v,
                 double epsilon, Value row, const RowLanes &lanes, int64_t vw) {
  EmitContext e{b, loc};
  bool fused = isa<AddRMSNormOp>(op);
  Value x = v[0], w = v[fused ? 2 : 1], y = v[fused ? 3 : 2];
  int64_t d = rowWidth(x);
  auto vecType = VectorType::get({vw}, b.getF32Type());
  auto normalize = [&](Value total) {
    Value mean = arith::DivFOp::create(b, loc, total, e.f32(double(d)));
    Value scale = math::RsqrtOp::create(b, loc, e.add(mean, e.f32(epsilon)));
    return vector::BroadcastOp::create(b, loc, vecType, scale).getResult();
  };
  // Step g of the row's elements from its loaded input (and delta) steps:
  // residual + delta rounded to the residual's type, stored back.
  auto combine = [&](const EmitContext &ne, Value g, Value xv, Value dv) {
    if (!fused)
      return xv;
    auto rounded = VectorType::get({vw}, elementType(x));
    xv = ne.toF32(ne.fromF32(ne.add(xv, dv), rounded));
    storeStep(ne, xv, x, row, g);
    return xv;
  };
  auto firstPass = [&](const EmitContext &ne, Value g) {
    return combine(ne, g, loadStep(ne, x, row, g, vw),
                   fused ? loadStep(ne, v[1], row, g, vw) : Value());
  };
  // Few steps per lane, the same number in every lane (a 4096-wide f16 row
  // on 256 threads: 2): the lane keeps its steps in registers between the
  // passes and loads the weight before the reduction, so that the second
  // pass waits on no load. Blocks of a 7B decode step spent 4.4 us per
  // add_rms_norm (bench/results/2026-12-04-h100-multicast.md, call 8).
  const int64_t stepsPerLane = d / vw / lanes.count;
  if (lanes.count > 1 && (d / vw) % lanes.count == 0 &&
      stepsPerLane <= kMaxHeldRowSteps) {
    SmallVector<Value> gs, held, deltas, weights;
    // Every load first, so that they are all in flight at once.
    for (int64_t k = 0; k < stepsPerLane; ++k) {
      gs.push_back(e.add(lanes.lane, e.index(k * lanes.count)));
      held.push_back(loadStep(e, x, row, gs[k], vw));
      deltas.push_back(fused ? loadStep(e, v[1], row, gs[k], vw) : Value());
      weights.push_back(loadStep(e, w, ValueRange{}, gs[k], vw));
    }
    Value sumSq = e.f32(0);
    for (int64_t k = 0; k < stepsPerLane; ++k) {
      held[k] = combine(e, gs[k], held[k], deltas[k]);
      sumSq = e.add(sumSq, sumElements(e, e.mul(held[k], held[k])));
    }
    Value scaleVec = normalize(lanes.reduce(b, loc, sumSq, /*max=*/false));
    for (int64_t k = 0; k < stepsPerLane; ++k)
      storeStep(e, e.mul(e.mul(held[k], scaleVec), weights[k]), y, row, gs[k]);
    return;
  }
  Value steps = e.index(d / vw);
  Value sumSq = forLanesSum(b, loc, lanes, steps, [&](OpBuilder &nb, Value g) {
    EmitContext ne{nb, loc};
    Value xv = firstPass(ne, g);
    return sumElements(ne, ne.mul(xv, xv));
  });
  Value scaleVec = normalize(lanes.reduce(b, loc, sumSq, /*max=*/false));
  forLanes(b, loc, lanes, steps, [&](OpBuilder &nb, Value g) {
    EmitContext ne{nb, loc};
    Value xv = loadStep(ne, x, row, g, vw);
    Value wv = loadStep(ne, w, ValueRange{}, g, vw);
    storeStep(ne, ne.mul(ne.mul(xv, scaleVec), wv), y, row, g);
  });
}

/// Elements per vector step of a row op whose rows have `items` elements
/// (rotary: pairs per head): 16 bytes of the op's narrowest float operand,
/// halved until it divides `items`.
int64_t vectorWidth(Operation *op, int64_t items, bool rotary) {
  int64_t narrowest = 4;
  for (Value operand : op->getOperands()) {
    Type elem = cast<MemRefType>(operand.getType()).getElementType();
    if (isa<FloatType>(elem))
      narrowest =
          std::min<int64_t>(narrowest, elem.getIntOrFloatBitWidth() / 8);
  }
  int64_t vw = 16 / narrowest;
  // Rotary evaluates a sine and a cosine per element: at most 2 per lane,
  // so that a decode step's rows spread over several blocks (8 per lane ran
  // a 4096-wide row on one block, 4.8 us against 3.4 us with one pair).
  if (rotary)
    vw = std::min<int64_t>(vw, 2);
  while (items % vw)
    vw /= 2;
  return vw;
}

/// The rotary and copy vector widths of vptq.rotary_append.
std::pair<int64_t, int64_t> rotaryAppendWidths(RotaryAppendOp op) {
  return {vectorWidth(op, op.getHeadDim() / 2, /*rotary=*/true),
          vectorWidth(op, rowWidth(op.getValue()), /*rotary=*/false)};
}

/// Vector steps of one row of vptq.rotary_append.
int64_t rotaryAppendSteps(RotaryAppendOp op) {
  auto [rw, cw] = rotaryAppendWidths(op);
  return (rowWidth(op.getQuery()) + rowWidth(op.getKey())) / 2 / rw +
         rowWidth(op.getValue()) / cw;
}

/// Rotary step `j` of a row of heads of `h` elements, `vw` pairs (i, i +
/// h/2) of one head: read from x[xRow], stored rotated into y[yRow]. `posF`
/// is the row's position as vector<vw x f32>.
void emitRotaryStep(const EmitContext &e, Value x, Value xRow, Value y,
                    Value yRow, Value invFreq, Value posF, Value j, int64_t h,
                    int64_t vw) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  int64_t half = h / 2, stepsPerHead = half / vw;
  Value head = arith::DivUIOp::create(b, loc, j, e.index(stepsPerHead));
  Value i = arith::RemUIOp::create(b, loc, j, e.index(stepsPerHead));
  // Steps of vw elements: lo = head * h / vw + i, hi = lo + half / vw.
  Value lo = e.add(e.mul(head, e.index(h / vw)), i);
  Value hi = e.add(lo, e.index(stepsPerHead));
  Value angle = e.mul(posF, loadStep(e, invFreq, ValueRange{}, i, vw));
  Value cos = mapElements(
      e, angle, [&](Value a) { return math::CosOp::create(b, loc, a); });
  Value sin = mapElements(
      e, angle, [&](Value a) { return math::SinOp::create(b, loc, a); });
  Value a = loadStep(e, x, xRow, lo, vw), c = loadStep(e, x, xRow, hi, vw);
  storeStep(e, arith::SubFOp::create(b, loc, e.mul(a, cos), e.mul(c, sin)), y,
            yRow, lo);
  storeStep(e, e.add(e.mul(c, cos), e.mul(a, sin)), y, yRow, hi);
}

/// A position (i32, as loaded from a positions operand) as
/// vector<vw x f32>.
Value positionVector(const EmitContext &e, Value pos, int64_t vw) {
  return vector::BroadcastOp::create(
      e.b, e.loc, VectorType::get({vw}, e.b.getF32Type()),
      arith::SIToFPOp::create(e.b, e.loc, e.b.getF32Type(), pos));
}

/// vptq.rotary: a lane takes `vw` consecutive pairs (i, i + h/2) of a head.
void emitRotary(OpBuilder &b, Location loc, RotaryOp op, ValueRange v,
                Value row, const RowLanes &lanes, int64_t vw) {
  EmitContext e{b, loc};
  Value x = v[0], invFreq = v[2], y = v[3];
  int64_t h = op.getHeadDim();
  Value posF = positionVector(
      e, memref::LoadOp::create(b, loc, v[1], ValueRange{row}), vw);
  forLanes(b, loc, lanes, e.index(rowWidth(x) / 2 / vw),
           [&](OpBuilder &nb, Value j) {
             emitRotaryStep(EmitContext{nb, loc}, x, row, y, row, invFreq, posF,
                            j, h, vw);
           });
}

/// Copy step `g` of width `vw`: dst[dstRow, step g] = src[srcRow, step g].
void emitCopyStep(const EmitContext &e, Value src, Value srcRow, Value dst,
                  Value dstRow, Value g, int64_t vw) {
  storeStep(e, loadStep(e, src, srcRow, g, vw), dst, dstRow, g);
}

/// Step `j` of the key/value appends of key and value row `t` into cache row
/// `target`: steps below `kSteps` rotate key step kFirst + j into the key
/// cache, the others copy value step vFirst + j - kSteps (of `cw` elements)
/// into the value cache. Null kFirst / vFirst stand for 0. `posF` is the
/// row's position as vector<rw x f32>.
void emitAppendStep(const EmitContext &e, Value j, int64_t kSteps, Value kFirst,
                    Value vFirst, Value k, Value val, Value kc, Value vc,
                    Value t, Value target, Value invFreq, Value posF, int64_t h,
                    int64_t rw, int64_t cw) {
  Location loc = e.loc;
  Value isKey = arith::CmpIOp::create(e.b, loc, arith::CmpIPredicate::ult, j,
                                      e.index(kSteps));
  scf::IfOp::create(
      e.b, loc, isKey,
      [&](OpBuilder &tb, Location) {
        EmitContext te{tb, loc};
        emitRotaryStep(te, k, t, kc, target, invFreq, posF,
                       kFirst ? te.add(kFirst, j) : j, h, rw);
        scf::YieldOp::create(tb, loc);
      },
      [&](OpBuilder &cb, Location) {
        EmitContext ce{cb, loc};
        Value g = arith::SubIOp::create(cb, loc, j, ce.index(kSteps));
        emitCopyStep(ce, val, t, vc, target, vFirst ? ce.add(vFirst, g) : g,
                     cw);
        scf::YieldOp::create(cb, loc);
      });
}

/// vptq.rotary_append: the row's query rotary steps, then its key rotary
/// steps (into the key cache), then its value copy steps (into the value
/// cache), as one range of steps over the lanes.
void emitRotaryAppend(OpBuilder &b, Location loc, RotaryAppendOp op,
                      ValueRange v, Value row, const RowLanes &lanes) {
  EmitContext e{b, loc};
  Value q = v[0], k = v[1], val = v[2], positions = v[3], invFreq = v[4],
        kc = v[5], vc = v[6];
  int64_t h = op.getHeadDim();
  std::pair<int64_t, int64_t> widths = rotaryAppendWidths(op);
  const int64_t rw = widths.first, cw = widths.second;
  int64_t qSteps = rowWidth(q) / 2 / rw, kSteps = rowWidth(k) / 2 / rw;
  int64_t vSteps = rowWidth(val) / cw;
  Value pos = memref::LoadOp::create(b, loc, positions, ValueRange{row});
  Value target = arith::IndexCastOp::create(b, loc, b.getIndexType(), pos);
  Value posF = positionVector(e, pos, rw);
  auto below = [&](OpBuilder &nb, Value x, int64_t n) {
    return arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ult, x,
                                 EmitContext{nb, loc}.index(n));
  };
  forLanes(b, loc, lanes, e.index(qSteps + kSteps + vSteps),
           [&](OpBuilder &nb, Value j) {
             scf::IfOp::create(
                 nb, loc, below(nb, j, qSteps),
                 [&](OpBuilder &tb, Location) {
                   emitRotaryStep(EmitContext{tb, loc}, q, row, q, row, invFreq,
                                  posF, j, h, rw);
                   scf::YieldOp::create(tb, loc);
                 },
                 [&](OpBuilder &eb, Location) {
                   EmitContext ee{eb, loc};
                   Value kj =
                       arith::SubIOp::create(eb, loc, j, ee.index(qSteps));
                   emitAppendStep(ee, kj, kSteps, Value(), Value(), k, val, kc,
                                  vc, row, target, invFreq, posF, h, rw, cw);
                   scf::YieldOp::create(eb, loc);
                 });
           });
}

void emitElementwise(OpBuilder &b, Location loc, Operation *op, ValueRange v,
                     Value row, const RowLanes &lanes, int64_t vw) {
  EmitContext e{b, loc};
  int64_t steps = rowWidth(v[2]) / vw;
  forLanes(b, loc, lanes, e.index(steps), [&](OpBuilder &nb, Value g) {
    EmitContext ne{nb, loc};
    Value a = loadStep(ne, v[0], row, g, vw), c = loadStep(ne, v[1], row, g, vw);
    Value r;
    if (isa<AddOp>(op)) {
      r = ne.add(a, c);
    } else {
      Value silu = mapElements(ne, a, [&](Value s) { return emitSilu(ne, s); });
      r = ne.mul(silu, c);
    }
    storeStep(ne, r, v[2], row, g);
  });
}

void emitGatherScatter(OpBuilder &b, Location loc, Operation *op, ValueRange v,
                       Value row, const RowLanes &lanes, int64_t vw) {
  EmitContext e{b, loc};
  bool gather = isa<GatherRowsOp>(op);
  Value src = v[0], indices = v[1], dst = v[2];
  Value target = loadIndex(e, indices, row);
  Value srcRow = gather ? target : row, dstRow = gather ? row : target;
  int64_t steps = rowWidth(dst) / vw;
  forLanes(b, loc, lanes, e.index(steps), [&](OpBuilder &nb, Value g) {
    emitCopyStep(EmitContext{nb, loc}, src, srcRow, dst, dstRow, g, vw);
  });
}

/// vptq.nearest for point `row`: a scan over every centroid with the point
/// in registers, the first minimum kept.
void emitNearest(OpBuilder &b, Location loc, NearestOp op, ValueRange v,
                 Value row, const RowLanes &lanes) {
  assert(lanes.count == 1 && "vptq.nearest runs one lane per point");
  EmitContext e{b, loc};
  Value points = v[0], centroids = v[1], indices = v[2], distances = v[3];
  int64_t dim = rowWidth(points);
  Value point = emitVectorLoad(e, points, ValueRange{row}, e.index(0), dim);
  Value k = memref::DimOp::create(b, loc, centroids, 0);
  Value inf = e.f32(std::numeric_limits<double>::infinity());
  auto scan = scf::ForOp::create(
      b, loc, e.index(0), k, e.index(1), ValueRange{inf, e.index(0)},
      [&](OpBuilder &nb, Location, Value c, ValueRange best) {
        EmitContext ne{nb, loc};
        Value diff = arith::SubFOp::create(
            nb, loc, point,
            emitVectorLoad(ne, centroids, ValueRange{c}, ne.index(0), dim));
        Value d = vector::ReductionOp::create(
            nb, loc, vector::CombiningKind::ADD, ne.mul(diff, diff));
        Value closer = arith::CmpFOp::create(nb, loc, arith::CmpFPredicate::OLT,
                                             d, best[0]);
        scf::YieldOp::create(
            nb, loc,
            ValueRange{arith::SelectOp::create(nb, loc, closer, d, best[0]),
                       arith::SelectOp::create(nb, loc, closer, c, best[1])});
      });
  Value index = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                           scan.getResult(1));
  memref::StoreOp::create(b, loc, index, indices, ValueRange{row});
  memref::StoreOp::create(b, loc, scan.getResult(0), distances,
                          ValueRange{row});
}

/// vptq.gram for Hessian row `row`: with several lanes each lane owns
/// columns and sums over the tokens (coalesced on a GPU); with one lane the
/// tokens are the outer loop so that rows are read contiguously.
void emitGram(OpBuilder &b, Location loc, GramOp op, ValueRange v, Value row,
              const RowLanes &lanes) {
  EmitContext e{b, loc};
  Value x = v[0], h = v[1];
  int64_t n = rowWidth(x);
  Value tokens = memref::DimOp::create(b, loc, x, 0);
  if (lanes.count > 1) {
    forLanes(b, loc, lanes, e.index(n), [&](OpBuilder &nb, Value k) {
      EmitContext ne{nb, loc};
      auto sum = scf::ForOp::create(
          nb, loc, ne.index(0), tokens, ne.index(1), ValueRange{ne.f32(0)},
          [&](OpBuilder &tb, Location, Value t, ValueRange acc) {
            EmitContext te{tb, loc};
            Value xi = memref::LoadOp::create(tb, loc, x, ValueRange{t, row});
            Value xk = memref::LoadOp::create(tb, loc, x, ValueRange{t, k});
            scf::YieldOp::create(tb, loc, te.add(acc[0], te.mul(xi, xk)));
          });
      Value old = memref::LoadOp::create(nb, loc, h, ValueRange{row, k});
      memref::StoreOp::create(nb, loc, ne.add(old, sum.getResult(0)), h,
                              ValueRange{row, k});
    });
    return;
  }
  scf::ForOp::create(
      b, loc, e.index(0), tokens, e.index(1), ValueRange{},
      [&](OpBuilder &tb, Location, Value t, ValueRange) {
        EmitContext te{tb, loc};
        Value xi = memref::LoadOp::create(tb, loc, x, ValueRange{t, row});
        scf::ForOp::create(
            tb, loc, te.index(0), te.index(n), te.index(1), ValueRange{},
            [&](OpBuilder &kb, Location, Value k, ValueRange) {
              EmitContext ke{kb, loc};
              Value xk = memref::LoadOp::create(kb, loc, x, ValueRange{t, k});
              Value old = memref::LoadOp::create(kb, loc, h, ValueRange{row, k});
              memref::StoreOp::create(kb, loc, ke.add(old, ke.mul(xi, xk)), h,
                                      ValueRange{row, k});
              scf::YieldOp::create(kb, loc);
            });
        scf::YieldOp::create(tb, loc);
      });
}

} // namespace

RowLanes RowLanes::single(const EmitContext &e) {
  RowLanes lanes;
  lanes.lane = e.index(0);
  lanes.count = 1;
  lanes.reduce = [](OpBuilder &, Location, Value v, bool) { return v; };
  return lanes;
}

bool mlir::vptq::isRowOp(Operation *op) {
  return isa<RMSNormOp, AddRMSNormOp, RotaryOp, RotaryAppendOp, AttentionOp,
             RotaryAttentionOp, SiluMulOp, AddOp, GatherRowsOp, ScatterRowsOp,
             NearestOp, GramOp>(op);
}

Value mlir::vptq::getRowCountOperand(Operation *op) {
  if (isa<SiluMulOp, AddOp, GatherRowsOp>(op))
    return op->getOperand(2);
  if (isa<GramOp>(op))
    return op->getOperand(1);
  return op->getOperand(0);
}

int64_t mlir::vptq::getRowVectorWidth(Operation *op) {
  int64_t items;
  if (isa<RMSNormOp, AddRMSNormOp, ScatterRowsOp>(op))
    items = rowWidth(op->getOperand(0));
  else if (isa<SiluMulOp, AddOp, GatherRowsOp>(op))
    items = rowWidth(op->getOperand(2));
  else if (auto rotary = dyn_cast<RotaryOp>(op))
    return vectorWidth(op, rotary.getHeadDim() / 2, /*rotary=*/true);
  else
    return 1;
  return vectorWidth(op, items, /*rotary=*/false);
}

void mlir::vptq::emitTransformerRow(OpBuilder &b, Operation *op,
                                    ValueRange operands, Value row,
                                    const RowLanes &lanes) {
  Location loc = op->getLoc();
  int64_t vw = getRowVectorWidth(op);
  if (auto norm = dyn_cast<RMSNormOp>(op))
    return emitRMSNorm(b, loc, op, operands,
                       norm.getEpsilon().convertToDouble(), row, lanes, vw);
  if (auto norm = dyn_cast<AddRMSNormOp>(op))
    return emitRMSNorm(b, loc, op, operands,
                       norm.getEpsilon().convertToDouble(), row, lanes, vw);
  if (auto rotary = dyn_cast<RotaryOp>(op))
    return emitRotary(b, loc, rotary, operands, row, lanes, vw);
  if (auto fused = dyn_cast<RotaryAppendOp>(op))
    return emitRotaryAppend(b, loc, fused, operands, row, lanes);
  if (isa<AddOp, SiluMulOp>(op))
    return emitElementwise(b, loc, op, operands, row, lanes, vw);
  if (isa<GatherRowsOp, ScatterRowsOp>(op))
    return emitGatherScatter(b, loc, op, operands, row, lanes, vw);
  if (auto nearest = dyn_cast<NearestOp>(op))
    return emitNearest(b, loc, nearest, operands, row, lanes);
  if (auto gram = dyn_cast<GramOp>(op))
    return emitGram(b, loc, gram, operands, row, lanes);
  llvm_unreachable("not a row op");
}

std::pair<int64_t, bool> mlir::vptq::gpuRowBlocks(Operation *op,
                                                  int64_t threads) {
  if (isa<RMSNormOp, AddRMSNormOp>(op))
    return {1, true};
  if (auto fused = dyn_cast<RotaryAppendOp>(op))
    return {(rotaryAppendSteps(fused) + threads - 1) / threads, false};
  int64_t items = isa<RotaryOp>(op) ? rowWidth(op->getOperand(0)) / 2
                                    : rowWidth(op->getOperand(2));
  int64_t steps = items / getRowVectorWidth(op);
  return {(steps + threads - 1) / threads, false};
}

void mlir::vptq::emitRotaryAttentionAppends(OpBuilder &b, RotaryAttentionOp op,
                                            ValueRange v, Value row, Value head,
                                            const RowLanes &lanes) {
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  Value q = v[0], k = v[1], val = v[2], positions = v[3], invFreq = v[4],
        kc = v[5], vc = v[6];
  const int64_t h = op.getHeadDim();
  const int64_t rw = vectorWidth(op, h / 2, /*rotary=*/true);
  const int64_t cw = vectorWidth(op, h, /*rotary=*/false);
  const int64_t rotarySteps = h / 2 / rw, copySteps = h / cw;
  const int64_t perRow = rotarySteps + copySteps;
  Value kvHead = arith::DivUIOp::create(
      b, loc, head, e.index(op.getNumHeads() / op.getNumKvHeads()));
  Value rows = memref::DimOp::create(b, loc, q, 0);
  auto below = [&](OpBuilder &nb, Value x, int64_t n) {
    return arith::CmpIOp::create(nb, loc, arith::CmpIPredicate::ult, x,
                                 EmitContext{nb, loc}.index(n));
  };
  Value steps = e.add(e.index(rotarySteps), e.mul(rows, e.index(perRow)));
  forLanes(b, loc, lanes, steps, [&](OpBuilder &nb, Value j) {
    scf::IfOp::create(
        nb, loc, below(nb, j, rotarySteps),
        [&](OpBuilder &tb, Location) {
          EmitContext te{tb, loc};
          Value pos =
              memref::LoadOp::create(tb, loc, positions, ValueRange{row});
          emitRotaryStep(te, q, row, q, row, invFreq,
                         positionVector(te, pos, rw),
                         te.add(te.mul(head, te.index(rotarySteps)), j), h, rw);
          scf::YieldOp::create(tb, loc);
        },
        [&](OpBuilder &eb, Location) {
          EmitContext ee{eb, loc};
          Value item = arith::SubIOp::create(eb, loc, j, ee.index(rotarySteps));
          Value t = arith::DivUIOp::create(eb, loc, item, ee.index(perRow));
          Value r = arith::RemUIOp::create(eb, loc, item, ee.index(perRow));
          Value pos = memref::LoadOp::create(eb, loc, positions, ValueRange{t});
          Value target =
              arith::IndexCastOp::create(eb, loc, eb.getIndexType(), pos);
          emitAppendStep(
              ee, r, rotarySteps, ee.mul(kvHead, ee.index(rotarySteps)),
              ee.mul(kvHead, ee.index(copySteps)), k, val, kc, vc, t, target,
              invFreq, positionVector(ee, pos, rw), h, rw, cw);
          scf::YieldOp::create(eb, loc);
        });
  });
}

bool mlir::vptq::attentionSlotsContiguous(int64_t headDim, int64_t lanes) {
  return lanes > 1 && headDim % lanes == 0;
}

AttentionShape AttentionShape::get(Operation *op) {
  if (auto fused = dyn_cast<RotaryAttentionOp>(op))
    return {int64_t(fused.getNumHeads()), int64_t(fused.getNumKvHeads()),
            int64_t(fused.getHeadDim()), fused.getScale().convertToDouble()};
  auto attention = cast<AttentionOp>(op);
  return {int64_t(attention.getNumHeads()), int64_t(attention.getNumKvHeads()),
          int64_t(attention.getHeadDim()),
          attention.getScale().convertToDouble()};
}

AttentionOperands AttentionOperands::get(Operation *op, ValueRange v) {
  if (isa<RotaryAttentionOp>(op))
    return {v[0], v[5], v[6], v[3], v[7]};
  assert(isa<AttentionOp>(op) && "not an attention op");
  return {v[0], v[1], v[2], v[3], v[4]};
}

AttentionPartial mlir::vptq::emitAttentionPartial(
    OpBuilder &b, Location loc, const AttentionShape &shape,
    const AttentionOperands &v, Value row, Value head, const RowLanes &lanes,
    Value part, int64_t parts, int64_t unroll) {
  assert(unroll >= 1 && "at least one position per step");
  EmitContext e{b, loc};
  Value q = v.query, kc = v.keyCache, vc = v.valueCache,
        positions = v.positions;
  const int64_t hd = shape.headDim;
  const int64_t group = shape.numHeads / shape.numKVHeads;
  const int64_t L = lanes.count;
  const int64_t slots = (hd + L - 1) / L;
  const bool contiguous = attentionSlotsContiguous(hd, L);
  auto accType = VectorType::get({slots}, b.getF32Type());
  Value qBase = e.mul(head, e.index(hd));
  Value kvBase =
      e.mul(arith::DivUIOp::create(b, loc, head, e.index(group)), e.index(hd));
  Value end = e.add(loadIndex(e, positions, row), e.index(1));
  Value negInf = e.f32(-std::numeric_limits<double>::infinity());
  Value scale = e.f32(shape.scale);

  // This lane's slots of a head as vector<slots>: with one lane the whole
  // head; with lanes dividing the head, dimensions lane * slots + s (one
  // aligned vector load); else lane + L * s clamped into the head, a load
  // per slot (the lanes of a slot reading consecutive elements).
  // `widen = false` keeps a contiguous load in its memref's type (the
  // caller converts it when it uses it, so that rows in flight take half
  // the registers in f16 and bf16).
  auto loadSlots = [&](const EmitContext &ec, Value memref, Value r, Value base,
                       bool widen = true) -> Value {
    if (L == 1)
      return loadVector(ec, memref, r, base, hd);
    if (contiguous)
      return emitVectorLoad(ec, memref, ValueRange{r},
                            ec.add(base, ec.mul(lanes.lane, ec.index(slots))),
                            slots, widen);
    SmallVector<Value> elems;
    for (int64_t s = 0; s < slots; ++s) {
      Value d = ec.min(ec.add(lanes.lane, ec.index(L * s)), ec.index(hd - 1));
      elems.push_back(ec.loadF32(memref, {r, ec.add(base, d)}));
    }
    return vector::FromElementsOp::create(ec.b, loc, accType, elems);
  };
  // The query, zero in the slots past the head.
  Value qv = loadSlots(e, q, row, qBase);
  if (L * slots != hd && !contiguous) {
    SmallVector<Value> real;
    for (int64_t s = 0; s < slots; ++s)
      real.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           e.add(lanes.lane, e.index(L * s)),
                                           e.index(hd)));
    Value mask = vector::FromElementsOp::create(
        b, loc, VectorType::get({slots}, b.getI1Type()), real);
    Value zero = arith::ConstantOp::create(
        b, loc, accType, DenseElementsAttr::get(accType, 0.0f));
    qv = arith::SelectOp::create(b, loc, mask, qv, zero);
  }

  Value zeroAcc = arith::ConstantOp::create(
      b, loc, accType, DenseElementsAttr::get(accType, 0.0f));
  // Online softmax over positions part, part + parts, ...: `unroll` of
  // them per step, all their key and value rows loaded before any is used
  // (positions past the end load the last row again and weigh 0), so that
  // a lane has 2 x unroll loads in flight.
  auto loop = scf::ForOp::create(
      b, loc, part, end, e.index(parts * unroll),
      ValueRange{negInf, e.f32(0), zeroAcc},
      [&](OpBuilder &nb, Location, Value j, ValueRange state) {
        EmitContext ne{nb, loc};
        Value m = state[0], l = state[1], acc = state[2];
        Value last = arith::SubIOp::create(nb, loc, end, ne.index(1));
        SmallVector<Value> keys, values, valid;
        for (int64_t u = 0; u < unroll; ++u) {
          Value at = j;
          if (u > 0) {
            Value ju = ne.add(j, ne.index(u * parts));
            valid.push_back(arith::CmpIOp::create(
                nb, loc, arith::CmpIPredicate::ult, ju, end));
            at = ne.min(ju, last);
          }
          keys.push_back(loadSlots(ne, kc, at, kvBase, /*widen=*/false));
          values.push_back(loadSlots(ne, vc, at, kvBase, /*widen=*/false));
        }
        SmallVector<Value> scores;
        for (int64_t u = 0; u < unroll; ++u) {
          Value dot =
              vector::ReductionOp::create(nb, loc, vector::CombiningKind::ADD,
                                          ne.mul(qv, ne.toF32(keys[u])));
          Value score =
              ne.mul(lanes.reduce(nb, loc, dot, /*max=*/false), scale);
          if (u > 0)
            score =
                arith::SelectOp::create(nb, loc, valid[u - 1], score, negInf);
          scores.push_back(score);
        }
        Value mNew = m;
        for (Value score : scores)
          mNew = arith::MaximumFOp::create(nb, loc, mNew, score);
        Value correction = math::ExpOp::create(
            nb, loc, arith::SubFOp::create(nb, loc, m, mNew));
        Value lNew = ne.mul(l, correction);
        Value accNew = ne.mul(
            acc, vector::BroadcastOp::create(nb, loc, accType, correction));
        for (int64_t u = 0; u < unroll; ++u) {
          Value p = math::ExpOp::create(
              nb, loc, arith::SubFOp::create(nb, loc, scores[u], mNew));
          lNew = ne.add(lNew, p);
          accNew = vector::FMAOp::create(
              nb, loc, vector::BroadcastOp::create(nb, loc, accType, p),
              ne.toF32(values[u]), accNew);
        }
        scf::YieldOp::create(nb, loc, ValueRange{mNew, lNew, accNew});
      });
  return {loop.getResult(0), loop.getResult(1), loop.getResult(2), contiguous};
}

void mlir::vptq::emitAttentionHead(OpBuilder &b, AttentionOp op,
                                   ValueRange v, Value row, Value head) {
  Location loc = op.getLoc();
  EmitContext e{b, loc};
  AttentionPartial state = emitAttentionPartial(
      b, loc, AttentionShape::get(op), AttentionOperands::get(op, v), row, head,
      RowLanes::single(e), e.index(0), 1);
  const int64_t hd = op.getHeadDim();
  Value out = v[4];
  Value inv = arith::DivFOp::create(b, loc, e.f32(1.0), state.sum);
  Value result = e.mul(
      state.acc, vector::BroadcastOp::create(
                     b, loc, cast<VectorType>(state.acc.getType()), inv));
  vector::StoreOp::create(
      b, loc, e.fromF32(result, VectorType::get({hd}, elementType(out))), out,
      ValueRange{row, e.mul(head, e.index(hd))});
}
