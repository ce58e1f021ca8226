//===- PlaceCodebooks.cpp - Decide where kernels read codebooks from ------===//

#include "vptq/Transforms/Heuristics.h"
#include "vptq/Transforms/Passes.h"

namespace mlir::vptq {
#define GEN_PASS_DEF_PLACECODEBOOKS
#include "vptq/Transforms/Passes.h.inc"
} // namespace mlir::vptq

using namespace mlir;
using namespace mlir::vptq;

namespace {

struct PlaceCodebooks : mlir::vptq::impl::PlaceCodebooksBase<PlaceCodebooks> {
  using Base::Base;

  /// Parses a forced placement option; empty means "not forced".
  LogicalResult parseForced(StringRef name, StringRef value,
                            std::optional<CodebookPlacement> &out) {
    if (value.empty())
      return success();
    out = symbolizeCodebookPlacement(value);
    if (out)
      return success();
    emitError(getOperation()->getLoc(), "vptq-place-codebooks: invalid ")
        << name << " placement '" << value
        << "'; expected global, shared or registers";
    return failure();
  }

  void runOnOperation() override {
    std::string error;
    FailureOr<TargetInfo> target = TargetInfo::get(chip, error);
    if (failed(target)) {
      emitError(getOperation()->getLoc(), "vptq-place-codebooks: ") << error;
      return signalPassFailure();
    }
    int64_t limit = maxSharedBytes > 0 ? int64_t(maxSharedBytes)
                                       : target->maxSharedBytes;
    std::optional<CodebookPlacement> forcedMain, forcedRes;
    if (failed(parseForced("centroids", centroids, forcedMain)) ||
        failed(parseForced("res-centroids", resCentroids, forcedRes)))
      return signalPassFailure();

    WalkResult result = getOperation()->walk([&](MatmulOp op) {
      TilingAttr tiling = op.getTilingAttr();
      if (!tiling) {
        op.emitOpError("has no tiling: run vptq-tile before "
                       "vptq-place-codebooks");
        return WalkResult::interrupt();
      }
      LayerConfig config = op.getConfig().getLayerConfig();
      Type modelType =
          cast<ShapedType>(op.getCentroids().getType()).getElementType();
      PlacementAttr placement = op.getPlacementAttr();
      if (!placement || overrideExisting)
        placement = getDefaultPlacement(&getContext(), config, modelType,
                                        *target, tiling);
      CodebookPlacement mainPlace = forcedMain.value_or(placement.getCentroids());
      CodebookPlacement resPlace =
          forcedRes.value_or(placement.getResCentroids());
      if (!target->isGPU())
        mainPlace = resPlace = CodebookPlacement::Global;
      if (!config.hasResidual())
        resPlace = CodebookPlacement::Global;
      placement = PlacementAttr::get(&getContext(), mainPlace, resPlace);
      auto checkRegisters = [&](CodebookPlacement place, int64_t entries,
                                StringRef name) {
        if (place != CodebookPlacement::Registers ||
            entries <= kMaxRegisterCentroids)
          return true;
        op.emitOpError("cannot place '")
            << name << "' in registers: " << entries
            << " centroids exceed one per lane (" << kMaxRegisterCentroids
            << ")";
        return false;
      };
      if (!checkRegisters(mainPlace, config.numCentroids, "centroids") ||
          !checkRegisters(resPlace, config.numResCentroids, "res_centroids"))
        return WalkResult::interrupt();
      int64_t bytes =
          getSharedMemoryBytes(config, modelType, tiling, placement);
      if (target->isGPU() && bytes > limit) {
        op.emitOpError("needs ")
            << bytes << " bytes of shared memory with " << placement
            << ", more than the limit of " << limit << " bytes for "
            << target->chip;
        return WalkResult::interrupt();
      }
      op.setPlacementAttr(placement);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
