//===- GPUKernelHelpers.cpp - IR building blocks of the GPU kernels -------===//

#include "GPUKernelHelpers.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::vptq;

namespace mlir::vptq::gpu_kernels {

//===----------------------------------------------------------------------===//
// Small IR helpers
//===----------------------------------------------------------------------===//

void emitFor(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
             function_ref<void(OpBuilder &, Value)> fn) {
  scf::ForOp::create(b, loc, lb, ub, step, ValueRange{},
                     [&](OpBuilder &nb, Location, Value iv, ValueRange) {
                       fn(nb, iv);
                       scf::YieldOp::create(nb, loc);
                     });
}

SmallVector<Value> emitForAcc(
    OpBuilder &b, Location loc, Value lb, Value ub, Value step,
    ValueRange init,
    function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)> fn) {
  auto loop = scf::ForOp::create(
      b, loc, lb, ub, step, init,
      [&](OpBuilder &nb, Location, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, loc, fn(nb, iv, args));
      });
  return SmallVector<Value>(loop.getResults());
}

void emitIf(OpBuilder &b, Location loc, Value cond,
            function_ref<void(OpBuilder &)> fn) {
  scf::IfOp::create(b, loc, cond, [&](OpBuilder &nb, Location) {
    fn(nb);
    scf::YieldOp::create(nb, loc);
  });
}

Value emitExtractCode(const EmitContext &e, ArrayRef<Value> words, int64_t c,
                      int64_t bits) {
  OpBuilder &b = e.b;
  int64_t bit = c * bits, w = bit / 32, shift = bit % 32;
  Value v = words[w];
  if (shift)
    v = arith::ShRUIOp::create(b, e.loc, v, e.i32(shift));
  if (shift + bits > 32)
    v = arith::OrIOp::create(
        b, e.loc, v,
        arith::ShLIOp::create(b, e.loc, words[w + 1], e.i32(32 - shift)));
  // A field that ends at bit 31 of its word needs no mask.
  if (shift + bits != 32)
    v = arith::AndIOp::create(b, e.loc, v, e.i32((int64_t(1) << bits) - 1));
  return v;
}

SmallVector<Value> emitLoadWords(const EmitContext &e, Value indices, Value cb,
                                 Value row, Value w0, int64_t count,
                                 int64_t width) {
  SmallVector<Value> out;
  for (int64_t w = 0; w < count; w += width) {
    SmallVector<Value> at = {cb, row, w ? e.add(w0, e.index(w)) : w0};
    if (width == 1) {
      out.push_back(memref::LoadOp::create(e.b, e.loc, indices, at));
      continue;
    }
    auto load = vector::LoadOp::create(
        e.b, e.loc, VectorType::get({width}, e.b.getI32Type()), indices, at);
    load.setAlignment(width * 4);
    for (int64_t i = 0; i < width; ++i)
      out.push_back(vector::ExtractOp::create(e.b, e.loc, load.getResult(),
                                              ArrayRef<int64_t>{i}));
  }
  return out;
}

Value emitSelect(OpBuilder &b, Location loc, Value cond, Value t, Value f) {
  return arith::SelectOp::create(b, loc, cond, t, f);
}

Value cmp(OpBuilder &b, Location loc, arith::CmpIPredicate pred, Value x,
          Value y) {
  return arith::CmpIOp::create(b, loc, pred, x, y);
}

Value andI(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AndIOp::create(b, loc, x, y);
}

Value warpAllReduce(OpBuilder &b, Location loc, Value v, bool max) {
  EmitContext e{b, loc};
  for (int64_t offset = kThreadsPerWarp / 2; offset > 0; offset /= 2) {
    auto shuffle = gpu::ShuffleOp::create(b, loc, v, e.i32(offset),
                                          e.i32(kThreadsPerWarp),
                                          gpu::ShuffleMode::XOR);
    v = max ? Value(arith::MaximumFOp::create(b, loc, v,
                                              shuffle.getShuffleResult()))
            : e.add(v, shuffle.getShuffleResult());
  }
  return v;
}

SmallVector<WarpSum> warpSums(OpBuilder &b, Location loc,
                              ArrayRef<Value> values, Value lane) {
  EmitContext e{b, loc};
  auto shuffleXor = [&](Value v, int64_t offset) {
    return gpu::ShuffleOp::create(b, loc, v, e.i32(offset),
                                  e.i32(kThreadsPerWarp),
                                  gpu::ShuffleMode::XOR)
        .getShuffleResult();
  };
  SmallVector<WarpSum> result;
  for (size_t first = 0; first < values.size(); first += kThreadsPerWarp) {
    const int64_t n =
        std::min<int64_t>(kThreadsPerWarp, int64_t(values.size() - first));
    const int64_t padded = int64_t(llvm::PowerOf2Ceil(uint64_t(n)));
    SmallVector<Value> v(values.begin() + first, values.begin() + first + n);
    v.resize(padded, e.f32(0));
    int64_t offset = kThreadsPerWarp / 2;
    // Lanes with bit `offset` set keep the upper half.
    for (; v.size() > 1; offset /= 2) {
      Value upper = cmp(b, loc, arith::CmpIPredicate::ne,
                        andI(b, loc, lane, e.index(offset)), e.index(0));
      const size_t half = v.size() / 2;
      SmallVector<Value> next;
      for (size_t i = 0; i < half; ++i) {
        Value send = emitSelect(b, loc, upper, v[i], v[half + i]);
        Value keep = emitSelect(b, loc, upper, v[half + i], v[i]);
        next.push_back(e.add(keep, shuffleXor(send, offset)));
      }
      v = std::move(next);
    }
    Value sum = v[0];
    for (; offset > 0; offset /= 2)
      sum = e.add(sum, shuffleXor(sum, offset));
    const int64_t spread = kThreadsPerWarp / padded;
    Value local = arith::DivUIOp::create(b, loc, lane, e.index(spread));
    Value owner = andI(
        b, loc,
        cmp(b, loc, arith::CmpIPredicate::eq,
            arith::RemUIOp::create(b, loc, lane, e.index(spread)),
            e.index(0)),
        cmp(b, loc, arith::CmpIPredicate::ult, local, e.index(n)));
    result.push_back({sum, e.add(local, e.index(int64_t(first))), owner});
  }
  return result;
}

void storeWarpSums(
    OpBuilder &b, Location loc, ValueRange accs, Value lane, int64_t V,
    function_ref<void(OpBuilder &, Value, Value, Value)> store) {
  SmallVector<Value> values;
  for (Value acc : accs)
    for (int64_t l = 0; l < V; ++l)
      values.push_back(
          vector::ExtractOp::create(b, loc, acc, ArrayRef<int64_t>{l}));
  for (const WarpSum &s : warpSums(b, loc, values, lane))
    emitIf(b, loc, s.owner, [&](OpBuilder &nb) {
      EmitContext ne{nb, loc};
      store(nb, s.sum, arith::DivUIOp::create(nb, loc, s.index, ne.index(V)),
            arith::RemUIOp::create(nb, loc, s.index, ne.index(V)));
    });
}

Value sharedView(OpBuilder &b, Location loc, Value dynamicShared,
                 int64_t offset, ArrayRef<int64_t> shape, Type elem) {
  auto space = gpu::AddressSpaceAttr::get(b.getContext(),
                                          gpu::AddressSpace::Workgroup);
  auto type = MemRefType::get(shape, elem, MemRefLayoutAttrInterface(), space);
  EmitContext e{b, loc};
  return memref::ViewOp::create(b, loc, type, dynamicShared,
                                e.index(offset), ValueRange{});
}

Value emitDynamicSharedMemory(OpBuilder &b, Location loc) {
  return gpu::DynamicSharedMemoryOp::create(
      b, loc,
      MemRefType::get({ShapedType::kDynamic}, b.getI8Type(),
                      MemRefLayoutAttrInterface(),
                      gpu::AddressSpaceAttr::get(b.getContext(),
                                                 gpu::AddressSpace::Workgroup)));
}

void emitThreadRounds(
    OpBuilder &b, Location loc, Value first, int64_t total, int64_t step,
    function_ref<Value(const EmitContext &, Value)> produce,
    function_ref<void(const EmitContext &, Value, Value)> consume,
    bool clampedTail) {
  EmitContext e{b, loc};
  const int64_t batch = kLoadsInFlight * step;
  const int64_t batched = total / batch * batch;
  if (batched > 0)
    emitFor(b, loc, e.index(0), e.index(batched), e.index(batch),
            [&](OpBuilder &nb, Value base) {
      EmitContext ne{nb, loc};
      SmallVector<Value> items, values;
      for (int64_t u = 0; u < kLoadsInFlight; ++u) {
        items.push_back(u == 0 ? ne.add(base, first)
                               : ne.add(items[0], ne.index(u * step)));
        values.push_back(produce(ne, items.back()));
      }
      for (int64_t u = 0; u < kLoadsInFlight; ++u)
        consume(ne, items[u], values[u]);
    });
  if (batched == total)
    return;
  Value tailFirst = batched ? e.add(first, e.index(batched)) : first;
  if (!clampedTail) {
    emitFor(b, loc, tailFirst, e.index(total), e.index(step),
            [&](OpBuilder &nb, Value item) {
              EmitContext ne{nb, loc};
              consume(ne, item, produce(ne, item));
            });
    return;
  }
  // One round of at most kLoadsInFlight items, produced on items clamped to
  // the last and consumed where the thread has them.
  // Items of the first `whole` steps exist for every thread (first < step).
  const int64_t whole = (total - batched) / step;
  SmallVector<Value> items, values;
  for (int64_t u = 0, n = ceilDiv(total - batched, step); u < n; ++u) {
    items.push_back(u == 0 ? tailFirst : e.add(tailFirst, e.index(u * step)));
    values.push_back(produce(
        e, u < whole ? items.back() : e.min(items.back(), e.index(total - 1))));
  }
  for (auto [u, item, v] : llvm::enumerate(items, values)) {
    if (int64_t(u) < whole) {
      consume(e, item, v);
      continue;
    }
    emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::ult, item, e.index(total)),
           [&, item = item, v = v](OpBuilder &nb) {
             consume(EmitContext{nb, loc}, item, v);
           });
  }
}

std::pair<Value, Value> ScaledInputStaging::split(const EmitContext &e,
                                                  Value item,
                                                  int64_t bound) const {
  // Preloaded item u lies in [u * threads, bound): one batch row when both
  // ends do.
  if (bound > 0) {
    int64_t j = (bound - 1) / width;
    if ((bound - 1) / threads * threads / width == j)
      return {e.index(j), j ? Value(arith::SubIOp::create(e.b, e.loc, item,
                                                          e.index(j * width)))
                            : item};
  }
  return {arith::DivUIOp::create(e.b, e.loc, item, e.index(width)),
          arith::RemUIOp::create(e.b, e.loc, item, e.index(width))};
}

void ScaledInputStaging::loadWeights(const EmitContext &e, Value g,
                                     bool withBias, Preloaded &w) const {
  Value c = column0(e, g);
  if (!allColumnsInRange())
    c = e.min(c, e.index(end - 1));
  Value p = column(e, c);
  const QuantizedWeightValues &weights = wa.values();
  w.columns.push_back(p);
  w.scales.push_back(weights.weightScale && !row
                         ? e.loadF32(weights.weightScale, {p})
                         : Value());
  w.biases.push_back(withBias ? e.loadF32(weights.weightBias, {p}) : Value());
}

std::pair<Value, Value> ScaledInputStaging::scaledInput(const EmitContext &e,
                                                        Value j, Value g,
                                                        Value p, Value scale,
                                                        Value bias) const {
  Location loc = e.loc;
  Value bj = e.add(firstBatch, j);
  Value valid = cmp(e.b, loc, arith::CmpIPredicate::ult, bj, batch);
  if (!allColumnsInRange())
    valid = andI(
        e.b, loc, valid,
        cmp(e.b, loc, arith::CmpIPredicate::ult, column0(e, g), e.index(end)));
  Value zero = e.f32(0);
  if (row) {
    Value v = memref::LoadOp::create(e.b, loc, row, ValueRange{j, p});
    return {emitSelect(e.b, loc, valid, v, zero), Value()};
  }
  Value lastBatch = arith::SubIOp::create(e.b, loc, batch, e.index(1));
  Value xv = wa.emitInput(e, x, e.min(bj, lastBatch), p);
  Value v = emitSelect(e.b, loc, valid, scale ? e.mul(xv, scale) : xv, zero);
  Value norm =
      bias ? emitSelect(e.b, loc, valid, e.mul(xv, bias), zero) : Value();
  return {v, norm};
}

void ScaledInputStaging::emit(OpBuilder &b, Location loc) const {
  Type dstElem = cast<MemRefType>(dst.getType()).getElementType();
  emitThreadRounds(
      b, loc, tid, batchTile * width, threads,
      [&](const EmitContext &ne, Value item) -> Value {
        Value j, g;
        std::tie(j, g) = split(ne, item, /*bound=*/0);
        if (allColumnsInRange()) {
          Preloaded w;
          loadWeights(ne, g, /*withBias=*/false, w);
          return scaledInput(ne, j, g, w.columns[0], w.scales[0], Value())
              .first;
        }
        // Chunks that may end past the columns load under a branch: clamped
        // addresses outside one kept a register per item live across the
        // chunk loop (LLVM hoisted their invariant parts), and ptxas then
        // split a v16 layer's four codebook loads in two waits (13824 x
        // 5120 and 8192 x 8192 at batch 1: 1.2x and 1.75x slower on an
        // H100, bench/results/2026-12-01-h100-input-rows.md).
        Value c = column0(ne, g);
        Value bj = ne.add(firstBatch, j);
        Value valid = andI(
            ne.b, loc, cmp(ne.b, loc, arith::CmpIPredicate::ult, bj, batch),
            cmp(ne.b, loc, arith::CmpIPredicate::ult, c, ne.index(end)));
        auto ifOp = scf::IfOp::create(
            ne.b, loc, valid,
            [&](OpBuilder &tb, Location) {
              EmitContext te{tb, loc};
              Value p = column(te, c);
              Value v = row ? Value(memref::LoadOp::create(tb, loc, row,
                                                           ValueRange{j, p}))
                            : wa.emitScaledInput(te, x, bj, p);
              scf::YieldOp::create(tb, loc, v);
            },
            [&](OpBuilder &eb, Location) {
              scf::YieldOp::create(eb, loc, EmitContext{eb, loc}.f32(0));
            });
        return ifOp.getResult(0);
      },
      [&](const EmitContext &ne, Value item, Value v) {
        auto [j, g] = split(ne, item, /*bound=*/0);
        memref::StoreOp::create(ne.b, loc, ne.fromF32(v, dstElem), dst,
                                ValueRange{j, g});
      },
      /*clampedTail=*/true);
}

/// Item u of the thread (tid + u * threads), clamped to the last item.
static Value preloadedItem(const EmitContext &e, Value tid, int64_t u,
                           int64_t threads, int64_t total) {
  Value item = e.add(tid, e.index(u * threads));
  return (u + 1) * threads > total ? e.min(item, e.index(total - 1)) : item;
}

/// Whether the thread has item u (tid + u * threads below `total`); null
/// where every thread has it.
static Value ownsPreloadedItem(const EmitContext &e, Value tid, int64_t u,
                               int64_t threads, int64_t total) {
  if ((u + 1) * threads <= total)
    return {};
  return cmp(e.b, e.loc, arith::CmpIPredicate::ult,
             e.add(tid, e.index(u * threads)), e.index(total));
}

ScaledInputStaging::Preloaded
ScaledInputStaging::preload(OpBuilder &b, Location loc, bool withBias) const {
  assert(canPreload() && "too many items per thread to preload");
  EmitContext e{b, loc};
  const int64_t total = batchTile * width;
  Preloaded w;
  for (int64_t u = 0, n = ceilDiv(total, threads); u < n; ++u)
    loadWeights(e,
                split(e, preloadedItem(e, tid, u, threads, total),
                      std::min((u + 1) * threads, total))
                    .second,
                withBias, w);
  return w;
}

SmallVector<Value>
ScaledInputStaging::stagePreloaded(OpBuilder &b, Location loc,
                                   const Preloaded &w) const {
  EmitContext e{b, loc};
  const int64_t total = batchTile * width;
  Type dstElem = cast<MemRefType>(dst.getType()).getElementType();
  bool withBias = !w.biases.empty() && w.biases.front();
  // Null until the first term (x + 0.0 does not fold).
  SmallVector<Value> sums(withBias ? batchTile : 0);
  SmallVector<std::tuple<Value, Value, Value, Value>> stores;
  for (int64_t u = 0, n = w.columns.size(); u < n; ++u) {
    auto [j, g] = split(e, preloadedItem(e, tid, u, threads, total),
                        std::min((u + 1) * threads, total));
    auto [v, norm] =
        scaledInput(e, j, g, w.columns[u], w.scales[u], w.biases[u]);
    // Clamped items repeat the last one: stored and counted where the
    // thread has them.
    Value owns = ownsPreloadedItem(e, tid, u, threads, total);
    stores.emplace_back(j, g, v, owns);
    if (!withBias)
      continue;
    if (owns)
      norm = emitSelect(b, loc, owns, norm, e.f32(0));
    for (int64_t r = 0; r < batchTile; ++r) {
      Value term =
          batchTile == 1
              ? norm
              : emitSelect(b, loc,
                           cmp(b, loc, arith::CmpIPredicate::eq, j, e.index(r)),
                           norm, e.f32(0));
      sums[r] = sums[r] ? e.add(sums[r], term) : term;
    }
  }
  for (auto [j, g, v, owns] : stores) {
    auto store = [&, j = j, g = g, v = v](OpBuilder &sb) {
      EmitContext se{sb, loc};
      memref::StoreOp::create(sb, loc, se.fromF32(v, dstElem), dst,
                              ValueRange{j, g});
    };
    if (owns)
      emitIf(b, loc, owns, store);
    else
      store(b);
  }
  return sums;
}

SmallVector<Value>
ScaledInputStaging::stage(OpBuilder &b, Location loc,
                          const std::optional<Preloaded> &w) const {
  if (w)
    return stagePreloaded(b, loc, *w);
  emit(b, loc);
  return {};
}

/// Each thread's share of the norm term sum_c x[b, c] * weightBias[c] of
/// batch rows firstBatch .. firstBatch + batchTile - 1 (clamped to the
/// batch) over the `threads` threads of a block, one f32 per batch row,
/// reading kLoadsInFlight columns at a time.
static SmallVector<Value> emitNormTermSums(OpBuilder &b, Location loc,
                                           const WeightAccess &wa, Value x,
                                           Value firstBatch, int64_t batchTile,
                                           Value tid, int64_t threads) {
  EmitContext e{b, loc};
  Value weightBias = wa.values().weightBias;
  const int64_t inFeatures = wa.config().inFeatures;
  Value batch = memref::DimOp::create(b, loc, x, 0);
  Value lastBatch = arith::SubIOp::create(b, loc, batch, e.index(1));
  SmallVector<Value> rows;
  for (int64_t j = 0; j < batchTile; ++j)
    rows.push_back(e.min(e.add(firstBatch, e.index(j)), lastBatch));
  // Adds the products of columns base + tid + u * threads (u < count),
  // clamped to the last column and masked past it when `masked`; all loads
  // come before the first product.
  auto addRound = [&](const EmitContext &ne, Value base, int64_t count,
                      bool masked, ValueRange acc) {
    SmallVector<Value> valid, biases;
    SmallVector<SmallVector<Value>> xs(batchTile);
    for (int64_t u = 0; u < count; ++u) {
      Value col = ne.add(base, ne.add(tid, ne.index(u * threads)));
      if (masked) {
        valid.push_back(cmp(ne.b, loc, arith::CmpIPredicate::ult, col,
                            ne.index(inFeatures)));
        col = ne.min(col, ne.index(inFeatures - 1));
      }
      biases.push_back(ne.loadF32(weightBias, {col}));
      for (int64_t j = 0; j < batchTile; ++j)
        xs[j].push_back(wa.emitInput(ne, x, rows[j], col));
    }
    SmallVector<Value> next(acc.begin(), acc.end());
    for (int64_t j = 0; j < batchTile; ++j)
      for (int64_t u = 0; u < count; ++u) {
        Value prod = ne.mul(xs[j][u], biases[u]);
        if (masked)
          prod = emitSelect(ne.b, loc, valid[u], prod, ne.f32(0));
        next[j] = ne.add(next[j], prod);
      }
    return next;
  };
  const int64_t round = kLoadsInFlight * threads;
  const int64_t whole = inFeatures / round * round;
  SmallVector<Value> sums(batchTile, e.f32(0));
  if (whole > 0)
    sums = emitForAcc(b, loc, e.index(0), e.index(whole), e.index(round), sums,
                      [&](OpBuilder &nb, Value base, ValueRange acc) {
                        return addRound(EmitContext{nb, loc}, base,
                                        kLoadsInFlight, false, acc);
                      });
  if (whole < inFeatures)
    sums = addRound(e, e.index(whole), ceilDiv(inFeatures - whole, threads),
                    true, sums);
  return sums;
}

void storeNormPartials(OpBuilder &b, Location loc, ArrayRef<Value> sums,
                       Value warp, Value lane, Value norm) {
  EmitContext e{b, loc};
  SmallVector<Value> partial;
  for (Value sum : sums)
    partial.push_back(warpAllReduce(b, loc, sum));
  emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::eq, lane, e.index(0)),
         [&](OpBuilder &nb) {
           EmitContext ne{nb, loc};
           for (auto [j, v] : llvm::enumerate(partial))
             memref::StoreOp::create(nb, loc, v, norm,
                                     ValueRange{warp, ne.index(j)});
         });
}

void emitNormTermPartials(OpBuilder &b, Location loc, const WeightAccess &wa,
                          Value x, Value firstBatch, int64_t batchTile,
                          Value tid, int64_t threads, Value warp, Value lane,
                          Value norm) {
  storeNormPartials(
      b, loc,
      emitNormTermSums(b, loc, wa, x, firstBatch, batchTile, tid, threads),
      warp, lane, norm);
}

void emitStoreOutput(const EmitContext &e, Value val, Value bias, Value y,
                     Value row, Value col) {
  if (bias)
    val = e.add(val, e.loadF32(bias, {col}));
  Type outElem = cast<MemRefType>(y.getType()).getElementType();
  memref::StoreOp::create(e.b, e.loc, e.fromF32(val, outElem), y,
                          ValueRange{row, col});
}

void emitCooperativeCopy(OpBuilder &b, Location loc, Value src, Value c,
                         Value dst, int64_t count, Value tid, int64_t threads,
                         Value srcOffset) {
  EmitContext e{b, loc};
  Type elem = cast<MemRefType>(src.getType()).getElementType();
  int64_t elemBytes = elem.getIntOrFloatBitWidth() / 8;
  int64_t width = vectorAlignment(count, elemBytes) / elemBytes;
  width = std::max<int64_t>(width, 1);
  auto vecType = VectorType::get({width}, elem);
  int64_t align = width * elemBytes;
  auto load = [&](const EmitContext &ne, Value i) -> Value {
    Value from = srcOffset ? ne.add(srcOffset, i) : i;
    auto l = vector::LoadOp::create(ne.b, loc, vecType, src,
                                    ValueRange{c, from});
    l.setAlignment(align);
    return l;
  };
  emitThreadRounds(b, loc, e.mul(tid, e.index(width)), count, threads * width,
                   load, [&](const EmitContext &ne, Value i, Value v) {
    vector::StoreOp::create(ne.b, loc, v, dst, ValueRange{ne.index(0), i})
        .setAlignment(align);
  });
}

SharedCodebooks SharedCodebooks::view(OpBuilder &b, Location loc, Value dsm,
                                      const SharedMemoryLayout &layout,
                                      const LayerConfig &config,
                                      Type modelType,
                                      PlacementAttr placement) {
  SharedCodebooks s;
  s.replicated = placement.getCentroids() == CodebookPlacement::Replicated;
  s.resReplicated =
      placement.getResCentroids() == CodebookPlacement::Replicated;
  s.multicast = placement.getCentroids() == CodebookPlacement::Multicast;
  s.resMulticast = placement.getResCentroids() == CodebookPlacement::Multicast;
  auto copies = [](bool replicated) {
    return replicated ? kCodebookCopies : 1;
  };
  if (layout.centroidsBytes)
    s.centroids = sharedView(
        b, loc, dsm, layout.centroids,
        {1, copies(s.replicated) * config.numCentroids * config.vectorLen},
        modelType);
  if (layout.resCentroidsBytes)
    s.resCentroids = sharedView(b, loc, dsm, layout.resCentroids,
                                {1, copies(s.resReplicated) *
                                        config.numResCentroids *
                                        config.vectorLen},
                                modelType);
  return s;
}

/// Writes each entry of codebook `c` of `src` ([NC, K * V]) kCodebookCopies
/// times into `dst` ([1, K * kCodebookCopies * V]) with all threads: slot
/// s (entry s / kCodebookCopies) takes one aligned vector load and store.
static void emitReplicatedCopy(OpBuilder &b, Location loc, Value src,
                               Value c, Value dst, int64_t entries,
                               int64_t vectorLen, Value tid,
                               int64_t threads) {
  Type elem = cast<MemRefType>(src.getType()).getElementType();
  auto vecType = VectorType::get({vectorLen}, elem);
  emitThreadRounds(
      b, loc, tid, entries * kCodebookCopies, threads,
      [&](const EmitContext &ne, Value slot) -> Value {
        Value entry = arith::DivUIOp::create(ne.b, loc, slot,
                                             ne.index(kCodebookCopies));
        auto load = vector::LoadOp::create(
            ne.b, loc, vecType, src,
            ValueRange{c, ne.mul(entry, ne.index(vectorLen))});
        load.setAlignment(kReplicatedEntryBytes);
        return load;
      },
      [&](const EmitContext &ne, Value slot, Value v) {
        vector::StoreOp::create(
            ne.b, loc, v, dst,
            ValueRange{ne.index(0), ne.mul(slot, ne.index(vectorLen))})
            .setAlignment(kReplicatedEntryBytes);
      });
}

void SharedCodebooks::copyGroup(OpBuilder &b, Location loc,
                                const LayerConfig &config,
                                const QuantizedWeightValues &weights, Value cb,
                                Value tid, int64_t threads) const {
  auto copy = [&](Value src, Value dst, int64_t entries, bool replicate) {
    if (replicate)
      emitReplicatedCopy(b, loc, src, cb, dst, entries, config.vectorLen, tid,
                         threads);
    else
      emitCooperativeCopy(b, loc, src, cb, dst, entries * config.vectorLen,
                          tid, threads);
  };
  if (centroids && !multicast)
    copy(weights.centroids, centroids, config.numCentroids, replicated);
  if (resCentroids && !resMulticast)
    copy(weights.resCentroids, resCentroids, config.numResCentroids,
         resReplicated);
}

Value emitSharedPointer(const EmitContext &e, Value dsm, int64_t offset) {
  Value base = arith::IndexCastUIOp::create(
      e.b, e.loc, e.b.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(e.b, e.loc, dsm));
  Value at = arith::AddIOp::create(e.b, e.loc, base, e.i64(offset));
  return LLVM::IntToPtrOp::create(
      e.b, e.loc, LLVM::LLVMPointerType::get(e.b.getContext(), 3), at);
}

void SharedCodebooks::startMulticast(OpBuilder &b, Location loc,
                                     const LayerConfig &config, Type modelType,
                                     const QuantizedWeightValues &weights,
                                     Value dsm,
                                     const SharedMemoryLayout &layout,
                                     Value tid, int64_t threads) const {
  EmitContext e{b, loc};
  MLIRContext *ctx = b.getContext();
  const int64_t blocks = kMulticastClusterBlocks;
  const int64_t elem = modelType.getIntOrFloatBitWidth() / 8;
  struct Copy {
    Value src;
    int64_t offset, bytes;
  };
  SmallVector<Copy> copies;
  if (centroids && multicast)
    copies.push_back({weights.centroids, layout.centroids,
                      config.numCentroids * config.vectorLen * elem});
  if (resCentroids && resMulticast)
    copies.push_back({weights.resCentroids, layout.resCentroids,
                      config.numResCentroids * config.vectorLen * elem});
  int64_t total = 0;
  for (const Copy &c : copies)
    total += c.bytes;
  Value mbar = emitSharedPointer(e, dsm, layout.mbarrier);
  Value first = cmp(b, loc, arith::CmpIPredicate::eq, tid, e.index(0));
  emitIf(b, loc, first, [&](OpBuilder &nb) {
    NVVM::MBarrierInitOp::create(nb, loc, mbar, EmitContext{nb, loc}.i32(1),
                                 Value());
    NVVM::FenceMbarrierInitOp::create(nb, loc);
  });
  NVVM::ClusterArriveOp::create(b, loc, b.getUnitAttr());
  NVVM::ClusterWaitOp::create(b, loc, b.getUnitAttr());
  emitIf(b, loc, first, [&](OpBuilder &nb) {
    NVVM::MBarrierArriveExpectTxOp::create(
        nb, loc, Type(), mbar, EmitContext{nb, loc}.i32(total),
        NVVM::MemScopeKindAttr::get(ctx, NVVM::MemScopeKind::CTA),
        nb.getBoolAttr(false), Value());
  });
  Value rank = arith::IndexCastUIOp::create(
      b, loc, b.getIndexType(),
      NVVM::ClusterId::create(b, loc, b.getI32Type()));
  Value mask =
      arith::ConstantOp::create(b, loc, b.getI16IntegerAttr((1 << blocks) - 1));
  auto globalPtr = LLVM::LLVMPointerType::get(ctx, 1);
  auto clusterPtr = LLVM::LLVMPointerType::get(ctx, 7);
  for (const Copy &c : copies) {
    const int64_t share = c.bytes / blocks;
    const int64_t piece = std::min(share, kMulticastPieceBytes);
    // Codebook group 0 of the source, at its memref's offset.
    auto meta = memref::ExtractStridedMetadataOp::create(b, loc, c.src);
    Value srcBase =
        e.add(memref::ExtractAlignedPointerAsIndexOp::create(b, loc, c.src),
              e.mul(meta.getOffset(), e.index(elem)));
    Value dstBase = emitSharedPointer(e, dsm, c.offset);
    emitFor(
        b, loc, tid, e.index(ceilDiv(share, piece)), e.index(threads),
        [&](OpBuilder &nb, Value p) {
          EmitContext ne{nb, loc};
          Value start =
              ne.add(ne.mul(rank, ne.index(share)), ne.mul(p, ne.index(piece)));
          Value size =
              ne.min(ne.index(piece),
                     arith::SubIOp::create(nb, loc, ne.index(share),
                                           ne.mul(p, ne.index(piece))));
          auto toI64 = [&](Value v) -> Value {
            return arith::IndexCastUIOp::create(nb, loc, nb.getI64Type(), v);
          };
          Value src = LLVM::AddrSpaceCastOp::create(
              nb, loc, globalPtr,
              LLVM::IntToPtrOp::create(nb, loc, LLVM::LLVMPointerType::get(ctx),
                                       toI64(ne.add(srcBase, start))));
          Value dst = LLVM::GEPOp::create(
              nb, loc, LLVM::LLVMPointerType::get(ctx, 3), nb.getI8Type(),
              dstBase, ValueRange{toI64(start)});
          NVVM::CpAsyncBulkGlobalToSharedClusterOp::create(
              nb, loc, LLVM::AddrSpaceCastOp::create(nb, loc, clusterPtr, dst),
              src, mbar,
              arith::IndexCastUIOp::create(nb, loc, nb.getI32Type(), size),
              mask, Value());
        });
  }
}

void SharedCodebooks::waitMulticast(OpBuilder &b, Location loc, Value dsm,
                                    const SharedMemoryLayout &layout) const {
  EmitContext e{b, loc};
  NVVM::MBarrierTryWaitParityOp::create(
      b, loc, emitSharedPointer(e, dsm, layout.mbarrier), e.i32(0), e.i32(0));
  // Relaxed: the barrier only keeps blocks alive (finishMulticast).
  NVVM::ClusterArriveRelaxedOp::create(b, loc, b.getUnitAttr());
}

void SharedCodebooks::finishMulticast(OpBuilder &b, Location loc) {
  NVVM::ClusterWaitOp::create(b, loc, b.getUnitAttr());
}

Value SharedCodebooks::entryOffset(const EmitContext &e,
                                   const LayerConfig &config, Value entry,
                                   Value copy) {
  if (copy)
    entry = e.add(e.mul(entry, e.index(kCodebookCopies)), copy);
  return e.mul(entry, e.index(config.vectorLen));
}

Value SharedCodebooks::gather(const EmitContext &e, const LayerConfig &config,
                              Value shared, Value codebook, Value cb,
                              Value entry, Value copy, bool widen) {
  if (shared)
    return emitVectorLoad(e, shared, ValueRange{e.index(0)},
                          entryOffset(e, config, entry, copy),
                          config.vectorLen, widen);
  if (!widen)
    return emitVectorLoad(e, codebook, ValueRange{cb},
                          e.mul(entry, e.index(config.vectorLen)),
                          config.vectorLen, /*widen=*/false);
  return WeightAccess::emitGather(e, codebook, cb, entry, config.vectorLen);
}

Value SharedCodebooks::gatherPart(const EmitContext &e,
                                  const LayerConfig &config, Value shared,
                                  Value codebook, Value cb, Value entry,
                                  Value first, int64_t count, Value copy,
                                  bool widen) {
  Value offset =
      e.add(entryOffset(e, config, entry, shared ? copy : Value()), first);
  if (shared)
    return emitVectorLoad(e, shared, ValueRange{e.index(0)}, offset, count,
                          widen);
  return emitVectorLoad(e, codebook, ValueRange{cb}, offset, count, widen);
}

//===----------------------------------------------------------------------===//
// Kernel scaffolding
//===----------------------------------------------------------------------===//

KernelFunc createKernel(OpBuilder &moduleBuilder, Operation *op,
                        StringRef name, int64_t threads) {
  MLIRContext *ctx = op->getContext();
  auto type = FunctionType::get(ctx, op->getOperandTypes(), {});
  auto func = gpu::GPUFuncOp::create(moduleBuilder, op->getLoc(), name, type);
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                UnitAttr::get(ctx));
  func.setKnownBlockSizeAttr(
      DenseI32ArrayAttr::get(ctx, {int32_t(threads), 1, 1}));
  KernelFunc kernel{func, {}};
  for (auto [operand, arg] :
       llvm::zip(op->getOperands(), func.getArguments()))
    kernel.args.map(operand, arg);
  return kernel;
}

QuantizedWeightValues mapWeights(const QuantizedWeightValues &w,
                                 const IRMapping &args) {
  auto m = [&](Value v) { return v ? args.lookup(v) : Value(); };
  return {m(w.indices),        m(w.resIndices),  m(w.centroids),
          m(w.resCentroids),   m(w.outlierIndices), m(w.outlierCentroids),
          m(w.perm),           m(w.weightScale), m(w.weightBias)};
}

WeightAccess mapWeightAccess(MatmulOp op, const IRMapping &args) {
  WeightAccess wa(op.getConfig().getLayerConfig(),
                  mapWeights(getWeightValues(op), args));
  if (Value gate = op.getGate())
    wa.setGate(args.lookup(gate));
  return wa;
}

void replaceWithLaunch(OpBuilder &b, Operation *op, gpu::GPUFuncOp kernel,
                       int64_t gridX, Value batchOperand, int64_t batchTile,
                       int64_t threads, int64_t sharedBytes,
                       NamedAttrList info) {
  Location loc = op->getLoc();
  EmitContext e{b, loc};
  Value c1 = e.index(1);
  Value smem = e.i32(sharedBytes);
  Value gridY = c1;
  if (batchOperand)
    gridY = e.ceilDiv(memref::DimOp::create(b, loc, batchOperand, 0),
                      batchTile);
  auto launch = gpu::LaunchFuncOp::create(
      b, loc, kernel, gpu::KernelDim3{e.index(gridX), gridY, c1},
      gpu::KernelDim3{e.index(threads), c1, c1}, smem, op->getOperands());
  info.set("grid_x", b.getI64IntegerAttr(gridX));
  info.set("batch_tile", b.getI64IntegerAttr(batchTile));
  info.set("kernel", b.getStringAttr(kernel.getName()));
  info.set("block_size", b.getI64IntegerAttr(threads));
  info.set("shared_bytes", b.getI64IntegerAttr(sharedBytes));
  launch->setAttr("vptq.launch", info.getDictionary(b.getContext()));
  op->erase();
}

void emitGridDependencyWait(OpBuilder &b, Location loc) {
  NVVM::GriddepcontrolOp::create(b, loc, NVVM::GridDepActionKind::wait);
}

void addGridDependencyControl(gpu::GPUFuncOp kernel) {
  bool waits = false;
  kernel.walk([&](NVVM::GriddepcontrolOp op) {
    waits |= op.getKind() == NVVM::GridDepActionKind::wait;
  });
  Location loc = kernel.getLoc();
  if (!waits) {
    OpBuilder b = OpBuilder::atBlockBegin(&kernel.getBody().front());
    emitGridDependencyWait(b, loc);
  }
  kernel.walk([&](gpu::ReturnOp ret) {
    OpBuilder b(ret);
    NVVM::GriddepcontrolOp::create(b, loc,
                                   NVVM::GridDepActionKind::launch_dependents);
  });
}

} // namespace mlir::vptq::gpu_kernels
