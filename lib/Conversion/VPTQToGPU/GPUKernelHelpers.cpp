//===- GPUKernelHelpers.cpp - IR building blocks of the GPU kernels -------===//

#include "GPUKernelHelpers.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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

void emitStageScaledInputs(
    OpBuilder &b, Location loc, const WeightAccess &wa, Value x, Value dst,
    Value firstBatch, Value batch, int64_t batchTile, int64_t width,
    Value tid, int64_t threads,
    function_ref<Value(const EmitContext &, Value)> columnInRange,
    function_ref<Value(const EmitContext &, Value)> inputColumn) {
  EmitContext e{b, loc};
  emitFor(b, loc, tid, e.index(batchTile * width), e.index(threads),
          [&](OpBuilder &nb, Value item) {
    EmitContext ne{nb, loc};
    Value j = arith::DivUIOp::create(nb, loc, item, ne.index(width));
    Value g = arith::RemUIOp::create(nb, loc, item, ne.index(width));
    Value bj = ne.add(firstBatch, j);
    Value valid =
        andI(nb, loc, cmp(nb, loc, arith::CmpIPredicate::ult, bj, batch),
             columnInRange(ne, g));
    auto ifOp = scf::IfOp::create(
        nb, loc, valid,
        [&](OpBuilder &tb, Location) {
          EmitContext te{tb, loc};
          scf::YieldOp::create(
              tb, loc, wa.emitScaledInput(te, x, bj, inputColumn(te, g)));
        },
        [&](OpBuilder &eb, Location) {
          scf::YieldOp::create(eb, loc, EmitContext{eb, loc}.f32(0));
        });
    memref::StoreOp::create(nb, loc, ifOp.getResult(0), dst,
                            ValueRange{j, g});
  });
}

void emitNormTermPartials(OpBuilder &b, Location loc, Value x,
                          Value weightBias, int64_t inFeatures,
                          Value firstBatch, int64_t batchTile, Value tid,
                          int64_t threads, Value warp, Value lane,
                          Value norm) {
  EmitContext e{b, loc};
  Value batch = memref::DimOp::create(b, loc, x, 0);
  Value lastBatch = arith::SubIOp::create(b, loc, batch, e.index(1));
  SmallVector<Value> partial;
  for (int64_t j = 0; j < batchTile; ++j) {
    Value bj = e.min(e.add(firstBatch, e.index(j)), lastBatch);
    Value sum = emitForAcc(
        b, loc, tid, e.index(inFeatures), e.index(threads), {e.f32(0)},
        [&](OpBuilder &nb, Value col, ValueRange acc) {
          EmitContext ne{nb, loc};
          Value prod = ne.mul(ne.loadF32(x, {bj, col}),
                              ne.loadF32(weightBias, {col}));
          return SmallVector<Value>{ne.add(acc[0], prod)};
        })[0];
    partial.push_back(warpAllReduce(b, loc, sum));
  }
  emitIf(b, loc, cmp(b, loc, arith::CmpIPredicate::eq, lane, e.index(0)),
         [&](OpBuilder &nb) {
           EmitContext ne{nb, loc};
           for (int64_t j = 0; j < batchTile; ++j)
             memref::StoreOp::create(nb, loc, partial[j], norm,
                                     ValueRange{warp, ne.index(j)});
         });
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
  emitFor(b, loc, e.mul(tid, e.index(width)), e.index(count),
          e.index(threads * width), [&](OpBuilder &nb, Value i) {
            EmitContext ne{nb, loc};
            Value from = srcOffset ? ne.add(srcOffset, i) : i;
            auto load = vector::LoadOp::create(nb, loc, vecType, src,
                                               ValueRange{c, from});
            load.setAlignment(align);
            auto store = vector::StoreOp::create(
                nb, loc, load, dst, ValueRange{ne.index(0), i});
            store.setAlignment(align);
          });
}

SharedCodebooks SharedCodebooks::view(OpBuilder &b, Location loc, Value dsm,
                                      const SharedMemoryLayout &layout,
                                      const LayerConfig &config,
                                      Type modelType) {
  SharedCodebooks s;
  if (layout.centroidsBytes)
    s.centroids = sharedView(b, loc, dsm, layout.centroids,
                             {1, config.numCentroids * config.vectorLen},
                             modelType);
  if (layout.resCentroidsBytes)
    s.resCentroids =
        sharedView(b, loc, dsm, layout.resCentroids,
                   {1, config.numResCentroids * config.vectorLen}, modelType);
  return s;
}

void SharedCodebooks::copyGroup(OpBuilder &b, Location loc,
                                const LayerConfig &config,
                                const QuantizedWeightValues &weights, Value cb,
                                Value tid, int64_t threads) const {
  if (centroids)
    emitCooperativeCopy(b, loc, weights.centroids, cb, centroids,
                        config.numCentroids * config.vectorLen, tid, threads);
  if (resCentroids)
    emitCooperativeCopy(b, loc, weights.resCentroids, cb, resCentroids,
                        config.numResCentroids * config.vectorLen, tid,
                        threads);
}

Value SharedCodebooks::gather(const EmitContext &e, const LayerConfig &config,
                              Value shared, Value codebook, Value cb,
                              Value entry) {
  if (shared)
    return WeightAccess::emitGather(e, shared, e.index(0), entry,
                                    config.vectorLen);
  return WeightAccess::emitGather(e, codebook, cb, entry, config.vectorLen);
}

Value SharedCodebooks::gatherPart(const EmitContext &e,
                                  const LayerConfig &config, Value shared,
                                  Value codebook, Value cb, Value entry,
                                  Value first, int64_t count) {
  Value offset = e.add(e.mul(entry, e.index(config.vectorLen)), first);
  if (shared)
    return emitVectorLoad(e, shared, ValueRange{e.index(0)}, offset, count);
  return emitVectorLoad(e, codebook, ValueRange{cb}, offset, count);
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
