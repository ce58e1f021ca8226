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
    auto pick = [](int64_t option, int64_t fallback) {
      return option > 0 ? option : fallback;
    };
    // Options override field by field; an existing attribute is kept
    // unless `override`.
    auto decide = [&](Operation *op, TilingAttr existing,
                      function_ref<TilingAttr()> fallback) -> TilingAttr {
      TilingAttr base =
          existing && !overrideExisting ? existing : fallback();
      // Dense and tensor-core kernels have no persistent form.
      int64_t persistent =
          isa<MatmulOp>(op) && !base.getMma() && persistentBlocks >= 0
              ? int64_t(persistentBlocks)
              : base.getPersistentBlocks();
      return TilingAttr::getChecked(
          [&] { return op->emitOpError("invalid tiling: "); }, &getContext(),
          pick(blockRows, base.getBlockRows()),
          pick(warpsPerRow, base.getWarpsPerRow()),
          pick(batchTile, base.getBatchTile()), pick(kChunk, base.getKChunk()),
          base.getMma(), persistent, base.getSharedWeights(),
          base.getStagedInputs(), base.getRegisterWgmma());
    };
    auto batchOf = [&](Value input) {
      int64_t batch = cast<ShapedType>(input.getType()).getDimSize(0);
      return ShapedType::isDynamic(batch) ? int64_t(batchHint) : batch;
    };
    WalkResult result = getOperation()->walk([&](Operation *op) {
      TilingAttr tiling;
      if (auto matmul = dyn_cast<MatmulOp>(op)) {
        Type activation = getElementTypeOrSelf(matmul.getInput().getType());
        Type model = getElementTypeOrSelf(matmul.getCentroids().getType());
        // A gated input is read by the SIMT and sharded kernels only.
        bool tensorCores =
            canUseTensorCores(*target, activation, model) && !matmul.getGate();
        if (mma == 1 && matmul.getGate()) {
          op->emitOpError("mma=1: a gated input needs a SIMT kernel");
          return WalkResult::interrupt();
        }
        if (mma == 1 && !tensorCores) {
          op->emitOpError("mma=1: tensor cores need an NVIDIA sm_80 or newer "
                          "chip and f16 or bf16 activations of the codebooks' "
                          "type, got chip ")
              << chip << ", " << activation << " activations and " << model
              << " codebooks";
          return WalkResult::interrupt();
        }
        tiling = decide(op, matmul.getTilingAttr(), [&] {
          LayerConfig c = matmul.getConfig().getLayerConfig();
          if (int64_t shards = matmul.getNumCodebookShards(); shards > 0)
            return getDefaultShardedTiling(&getContext(), c, *target, shards);
          if (mma == 1)
            return getDefaultMmaTiling(&getContext(), c, *target,
                                       batchOf(matmul.getInput()));
          return getDefaultTiling(&getContext(), c, model, *target,
                                  batchOf(matmul.getInput()),
                                  tensorCores && mma != 0);
        });
        if (tiling)
          matmul.setTilingAttr(tiling);
      } else if (auto linear = dyn_cast<LinearOp>(op)) {
        int64_t out =
            cast<ShapedType>(linear.getWeight().getType()).getDimSize(0);
        tiling = decide(op, linear.getTilingAttr(), [&] {
          return getDefaultDenseTiling(&getContext(), out, *target,
                                       batchOf(linear.getInput()));
        });
        if (tiling)
          linear.setTilingAttr(tiling);
      } else {
        return WalkResult::advance();
      }
      return tiling ? WalkResult::advance() : WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace
