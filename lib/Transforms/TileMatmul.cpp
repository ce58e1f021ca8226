//===- TileMatmul.cpp - Choose the tiling of vptq.matmul kernels ----------===//

#include "vptq/Transforms/Heuristics.h"
#include "vptq/Transforms/Passes.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_TILEMATMUL
#include "vptq/Transforms/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;

namespace {

struct TileMatmul : mlir::vptq::impl::TileMatmulBase<TileMatmul> {
  using Base::Base;

  void runOnOperation() override {
    std::string error;
    FailureOr<TargetInfo> target = TargetInfo::get(chip, error);
    if (failed(target)) {
      emitError(getOperation()->getLoc(), "vptq-tile: ") << error;
      return signalPassFailure();
    }
    WalkResult result = getOperation()->walk([&](MatmulOp op) {
      LayerConfig config = op.getConfig().getLayerConfig();
      int64_t batch = cast<ShapedType>(op.getInput().getType()).getDimSize(0);
      if (ShapedType::isDynamic(batch))
        batch = batchHint;
      TilingAttr base = op.getTilingAttr();
      if (!base || overrideExisting)
        base = getDefaultTiling(&getContext(), config, *target, batch);
      auto pick = [](int64_t option, int64_t fallback) {
        return option > 0 ? option : fallback;
      };
      TilingAttr tiling = TilingAttr::getChecked(
          [&] { return op.emitOpError("invalid tiling: "); }, &getContext(),
          pick(blockRows, base.getBlockRows()),
          pick(warpsPerRow, base.getWarpsPerRow()),
          pick(batchTile, base.getBatchTile()), pick(kChunk, base.getKChunk()));
      if (!tiling)
        return WalkResult::interrupt();
      op.setTilingAttr(tiling);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
