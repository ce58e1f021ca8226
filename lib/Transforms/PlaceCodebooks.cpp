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
        << "'; expected global, shared, registers, sharded, replicated or "
           "multicast";
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
      // The sharded index layout is a kernel form of its own: its
      // codebook is sharded whatever the options say.
      const int64_t shards = op.getNumCodebookShards();
      if (shards > 0)
        mainPlace = CodebookPlacement::Sharded;
      if (!target->isGPU())
        mainPlace = resPlace = CodebookPlacement::Global;
      if (!config.hasResidual())
        resPlace = CodebookPlacement::Global;
      if ((mainPlace == CodebookPlacement::Sharded && shards == 0) ||
          resPlace == CodebookPlacement::Sharded) {
        op.emitOpError("cannot shard ")
            << (resPlace == CodebookPlacement::Sharded ? "'res_centroids'"
                                                       : "'centroids'")
            << ": only a matmul with 'shard_entries' and 'shard_offsets' "
               "operands has a sharded main codebook";
        return WalkResult::interrupt();
      }
      if (mainPlace == CodebookPlacement::Sharded && !target->hasClusters()) {
        op.emitOpError("a sharded codebook needs thread-block clusters "
                       "(NVIDIA sm_90 or newer), not ")
            << target->chip;
        return WalkResult::interrupt();
      }
      placement = PlacementAttr::get(&getContext(), mainPlace, resPlace);
      if (failed(checkMulticast(op, placement, tiling, *target)))
        return WalkResult::interrupt();
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
          mainPlace == CodebookPlacement::Sharded
              ? getShardedSharedMemoryLayout(config, modelType, tiling, shards,
                                             limit)
                    .total
              : getSharedMemoryBytes(config, modelType, tiling, placement,
                                     mmaUsesWarpgroups(config, tiling,
                                                       *target));
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
