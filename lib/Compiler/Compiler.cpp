//===- Compiler.cpp - Compile quantized-linear kernels from C++ -----------===//

#include "vptq/Compiler/Compiler.h"
#include "vptq/ABI/MemRefABI.h"
#include "vptq/ABI/Version.h"
#include "vptq/Dialect/VPTQ/IR/VPTQOps.h"
#include "vptq/InitAll.h"
#include "vptq/Pipelines/Pipelines.h"
#include "vptq/Transforms/Heuristics.h"
#include "vptq/Transforms/Passes.h"
#include "vptq/Support/TextLimits.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CrashRecoveryContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <sstream>

using namespace mlir;
using namespace mlir::vptq;
using ::vptq::compiler::CPUKernel;
using ::vptq::compiler::GPUKernel;
using ::vptq::compiler::GPUTarget;
using ::vptq::compiler::KernelArg;
using ::vptq::compiler::LinearSpec;
using ::vptq::compiler::Compiler;
using ::vptq::ref::DType;
namespace ref = ::vptq::ref;

const char *::vptq::compiler::getCompilerVersion() {
  return ::vptq::getVersion();
}

namespace {

Type toMLIRType(MLIRContext *ctx, DType dtype) {
  Builder b(ctx);
  switch (dtype) {
  case DType::F32:
    return b.getF32Type();
  case DType::F16:
    return b.getF16Type();
  case DType::BF16:
    return b.getBF16Type();
  case DType::I64:
    return b.getI64Type();
  case DType::I32:
    return b.getI32Type();
  case DType::I16:
    return b.getI16Type();
  case DType::I8:
  case DType::U8:
    return b.getI8Type();
  }
  return {};
}

/// Collects diagnostics into one message.
struct DiagnosticCollector {
  explicit DiagnosticCollector(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(text);
          if (!text.empty())
            os << "\n";
          os << diag;
          for (Diagnostic &note : diag.getNotes())
            os << "\n  note: " << note;
          return success();
        }) {}
  llvm::Error error(const Twine &what) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   what + (text.empty() ? "" : ": " + text));
  }
  std::string text;
  ScopedDiagnosticHandler handler;
};

/// The placement named `name`, or `fallback` when empty.
llvm::Expected<CodebookPlacement> parsePlacement(const std::string &name,
                                                 CodebookPlacement fallback) {
  if (name.empty())
    return fallback;
  if (auto p = symbolizeCodebookPlacement(name))
    return *p;
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "invalid codebook placement '" + name +
                                     "'; expected global, shared or registers");
}

} // namespace

auto ::vptq::compiler::resolveLinearSpec(const LinearSpec &spec,
                                         StringRef chip) -> LinearSpec {
  LinearSpec out = spec;
  if (spec.dense || spec.codebookShards >= 0)
    return out;
  std::string error;
  FailureOr<TargetInfo> target = TargetInfo::get(chip, error);
  int64_t shards = 0;
  // Only targets with clusters shard; the others need no MLIR context.
  // Tensor-core decisions (the autotuner's candidates for large batches)
  // are kept: sharded kernels are for batches below 4.
  if (succeeded(target) && target->hasClusters() && spec.mma <= 0 &&
      spec.sharedWeights <= 0) {
    MLIRContext ctx;
    ctx.loadDialect<VPTQDialect>();
    shards = getDefaultCodebookShards(spec.config,
                                      toMLIRType(&ctx, spec.model), *target,
                                      ::vptq::decisionBatch(spec));
  }
  out.codebookShards = shards;
  if (shards > 0) {
    // Decisions made for (or tuned on) the unsharded kernel do not carry
    // over: the sharded kernel has its own tiling.
    out.blockRows = out.warpsPerRow = out.batchTile = out.kChunk = 0;
    out.mma = out.persistentBlocks = out.sharedWeights = out.stagedInputs =
        out.registerWgmma = -1;
    out.centroidsPlacement.clear();
    out.resCentroidsPlacement.clear();
  }
  return out;
}

namespace {

/// The layer as vptq.matmul on tensors read from the argument buffers and
/// written into the output buffer; with DecomposedUnpacked, packed indices
/// go through vptq.unpack_indices first.
void buildTensorForm(OpBuilder &b, Location loc, const LinearSpec &spec,
                     QuantConfigAttr config, QuantizedWeightValues w,
                     Value input, Value bias, Value output) {
  auto toTensor = [&](Value memref) -> Value {
    if (!memref)
      return memref;
    auto type = cast<MemRefType>(memref.getType());
    return bufferization::ToTensorOp::create(
        b, loc, RankedTensorType::get(type.getShape(), type.getElementType()),
        memref, /*restrict=*/true);
  };
  for (Value *v : {&w.indices, &w.resIndices, &w.centroids, &w.resCentroids,
                   &w.outlierIndices, &w.outlierCentroids, &w.perm,
                   &w.weightScale, &w.weightBias})
    *v = toTensor(*v);
  Value x = toTensor(input);
  Value biasTensor = toTensor(bias);
  const ref::LayerConfig &c = spec.config;
  if (spec.form == ::vptq::compiler::LinearForm::DecomposedUnpacked &&
      c.packed) {
    auto idxType = RankedTensorType::get(
        {c.numCodebooks, c.numIndexRows(), c.groupSize}, b.getI32Type());
    SmallVector<Value> inits = {tensor::EmptyOp::create(
        b, loc, idxType.getShape(), idxType.getElementType())};
    if (c.hasResidual())
      inits.push_back(tensor::EmptyOp::create(b, loc, idxType.getShape(),
                                              idxType.getElementType()));
    auto unpack = UnpackIndicesOp::create(
        b, loc, TypeRange(ValueRange(inits)), config, w.indices, inits[0],
        c.hasResidual() ? inits[1] : Value());
    w.indices = unpack.getResult(0);
    if (c.hasResidual())
      w.resIndices = unpack.getResult(1);
    config = config.withChanges([](LayerConfig &lc) { lc.packed = false; });
  }
  auto outType = cast<MemRefType>(output.getType());
  SmallVector<Value> dynamic;
  if (outType.isDynamicDim(0))
    dynamic.push_back(memref::DimOp::create(b, loc, output, 0));
  Value init = tensor::EmptyOp::create(b, loc, outType.getShape(),
                                       outType.getElementType(), dynamic);
  auto matmul = MatmulOp::create(b, loc, config, x, w, biasTensor, init);
  bufferization::MaterializeInDestinationOp::create(
      b, loc, TypeRange{}, matmul.getResult()[0], output, /*restrict=*/false,
      /*writable=*/true);
}

/// func.func @vptq_linear(<args>) { vptq.matmul ... }, with tiling and
/// placement attributes where the spec decides them.
llvm::Expected<OwningOpRef<ModuleOp>>
buildModule(MLIRContext *ctx, const LinearSpec &requested, StringRef chip,
            StringRef funcName = "vptq_linear") {
  const LinearSpec spec = ::vptq::compiler::resolveLinearSpec(requested, chip);
  DiagnosticCollector diags(ctx);
  Location loc = NameLoc::get(StringAttr::get(ctx, "vptq_linear"));
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  std::vector<KernelArg> args = ::vptq::compiler::getKernelArguments(spec);
  SmallVector<Type> types;
  for (const KernelArg &arg : args) {
    SmallVector<int64_t> shape;
    for (int64_t d : arg.shape)
      shape.push_back(d < 0 ? ShapedType::kDynamic : d);
    types.push_back(MemRefType::get(shape, toMLIRType(ctx, arg.dtype)));
  }
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, funcName,
                                   b.getFunctionType(types, {}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  llvm::StringMap<Value> byName;
  for (auto [arg, value] : llvm::zip(args, entry->getArguments()))
    byName[arg.name] = value;
  auto get = [&](StringRef name) { return byName.lookup(name); };

  std::string error;
  FailureOr<TargetInfo> target = TargetInfo::get(chip, error);
  if (failed(target))
    return llvm::createStringError(llvm::inconvertibleErrorCode(), error);
  if (spec.gatedInput &&
      (spec.dense || spec.form != ::vptq::compiler::LinearForm::Fused))
    return diags.error("a gated input needs a quantized layer in the fused "
                       "form");
  if (spec.gatedInput &&
      (spec.mma == 1 || spec.sharedWeights == 1 || spec.registerWgmma == 1))
    return diags.error("a gated input needs a SIMT kernel: it takes no mma, "
                       "shared_weights or register_wgmma = 1");
  if (spec.dense) {
    TilingAttr tiling;
    if (spec.blockRows || spec.batchTile) {
      TilingAttr base = getDefaultDenseTiling(ctx, spec.config.outFeatures,
                                              *target,
                                              ::vptq::decisionBatch(spec));
      tiling = TilingAttr::getChecked(
          [&] { return emitError(loc); }, ctx,
          spec.blockRows > 0 ? spec.blockRows : base.getBlockRows(), int64_t(1),
          spec.batchTile > 0 ? spec.batchTile : base.getBatchTile(),
          int64_t(32), false, int64_t(0), false, /*stagedInputs=*/false,
          /*registerWgmma=*/false);
      if (!tiling)
        return diags.error("invalid tiling");
    }
    LinearOp::create(b, loc, TypeRange{}, get("input"), get("weight"),
                     get("bias"), get("output"), tiling);
    func::ReturnOp::create(b, loc);
    if (failed(mlir::verify(*module)))
      return diags.error("the kernel module does not verify");
    return module;
  }

  QuantConfigAttr config = QuantConfigAttr::getChecked(
      [&] { return emitError(loc); }, ctx, spec.config);
  if (!config)
    return diags.error("invalid layer configuration");

  bool tensorCores =
      canUseTensorCores(*target, toMLIRType(ctx, spec.activation),
                        toMLIRType(ctx, spec.model)) &&
      !spec.gatedInput;
  if (spec.mma == 1 && !tensorCores)
    return diags.error(
        "mma = 1 (tensor cores) needs an NVIDIA sm_80 or newer chip (got " +
        chip.str() + ") and f16 or bf16 activations of the model dtype (got " +
        ref::dtypeName(spec.activation) + " and " +
        ref::dtypeName(spec.model) + ")");
  static_assert(::vptq::kLargeBatchThreshold == kSharedWeightsMinBatch,
                "the runtime's long-prompt kernels are the shared-weight ones");
  static_assert(::vptq::kMidBatchThreshold == kMmaMidBatch,
                "the runtime's mid-batch kernels have their own mma tilings");
  TilingAttr sharedDefault;
  if (spec.sharedWeights == 1 && spec.mma == 0)
    return diags.error("mma = 0 and shared_weights = 1: shared weights run on "
                       "tensor cores");
  if (spec.sharedWeights == 1) {
    if (!tensorCores)
      return diags.error("shared_weights = 1 runs on tensor cores: it needs "
                         "an NVIDIA sm_80 or newer chip (got " +
                         chip.str() + ") and f16 or bf16 activations of the "
                         "model dtype");
    sharedDefault = getDefaultSharedWeightsTiling(
        ctx, spec.config, toMLIRType(ctx, spec.model), *target);
    if (!sharedDefault)
      return diags.error("shared_weights = 1: no shared-weight tiling of "
                         "this layer fits " + chip.str() +
                         "'s shared memory");
  }
  TilingAttr registerDefault;
  if (spec.registerWgmma == 1) {
    if (spec.mma == 0 || spec.sharedWeights == 1 || spec.stagedInputs == 1)
      return diags.error("register_wgmma = 1 is a tensor-core form of its "
                         "own: it takes no mma = 0, shared_weights = 1 or "
                         "staged_inputs = 1");
    if (!tensorCores || !target->hasWarpgroupMma())
      return diags.error("register_wgmma = 1 needs warpgroup multiplies: an "
                         "NVIDIA sm_90a chip (got " +
                         chip.str() +
                         ") and f16 or bf16 activations of the "
                         "model dtype");
    registerDefault = getDefaultRegisterWgmmaTiling(
        ctx, spec.config, toMLIRType(ctx, spec.model), *target,
        ::vptq::decisionBatch(spec));
    if (!registerDefault)
      return diags.error("register_wgmma = 1: no register-warpgroup tiling "
                         "of this layer (even vector_len) fits " +
                         chip.str() + "'s shared memory");
  }
  auto defaultTiling = [&] {
    int64_t batch = ::vptq::decisionBatch(spec);
    if (registerDefault)
      return registerDefault;
    if (spec.codebookShards > 0)
      return getDefaultShardedTiling(ctx, spec.config, *target,
                                     spec.codebookShards);
    if (sharedDefault)
      return sharedDefault;
    if (spec.mma == 1)
      return getDefaultMmaTiling(ctx, spec.config, *target, batch);
    return getDefaultTiling(ctx, spec.config, toMLIRType(ctx, spec.model),
                            *target, batch, tensorCores && spec.mma != 0);
  };
  TilingAttr tiling;
  if (spec.blockRows || spec.warpsPerRow || spec.batchTile || spec.kChunk ||
      spec.mma >= 0 || spec.persistentBlocks >= 0 || spec.sharedWeights >= 0 ||
      spec.stagedInputs >= 0 || spec.registerWgmma >= 0) {
    TilingAttr base = defaultTiling();
    auto pick = [](int64_t v, int64_t d) { return v > 0 ? v : d; };
    tiling = TilingAttr::getChecked(
        [&] { return emitError(loc); }, ctx,
        pick(spec.blockRows, base.getBlockRows()),
        pick(spec.warpsPerRow, base.getWarpsPerRow()),
        pick(spec.batchTile, base.getBatchTile()),
        pick(spec.kChunk, base.getKChunk()), base.getMma(),
        spec.persistentBlocks >= 0 ? spec.persistentBlocks
                                   : base.getPersistentBlocks(),
        spec.sharedWeights >= 0 ? spec.sharedWeights == 1
                                : base.getSharedWeights(),
        spec.stagedInputs >= 0 ? spec.stagedInputs == 1
                               : base.getStagedInputs(),
        spec.registerWgmma >= 0 ? spec.registerWgmma == 1
                                : base.getRegisterWgmma());
    if (!tiling)
      return diags.error("invalid tiling");
  }
  PlacementAttr placement;
  if (!spec.centroidsPlacement.empty() || !spec.resCentroidsPlacement.empty()) {
    TilingAttr forDefault = tiling ? tiling : defaultTiling();
    PlacementAttr base = getDefaultPlacement(
        ctx, spec.config, toMLIRType(ctx, spec.model), *target, forDefault);
    auto main = parsePlacement(spec.centroidsPlacement, base.getCentroids());
    if (!main)
      return main.takeError();
    auto res =
        parsePlacement(spec.resCentroidsPlacement, base.getResCentroids());
    if (!res)
      return res.takeError();
    placement = PlacementAttr::get(ctx, *main, *res);
  }

  QuantizedWeightValues w{get("indices"),         get("res_indices"),
                          get("centroids"),       get("res_centroids"),
                          get("outlier_indices"), get("outlier_centroids"),
                          get("perm"),            get("weight_scale"),
                          get("weight_bias")};
  if (spec.form == ::vptq::compiler::LinearForm::Fused) {
    MatmulOp::create(b, loc, config, get("input"), w, get("bias"),
                     get("output"), tiling, placement, get("shard_entries"),
                     get("shard_offsets"), get("gate"));
  } else {
    buildTensorForm(b, loc, spec, config, w, get("input"), get("bias"),
                    get("output"));
  }
  func::ReturnOp::create(b, loc);
  if (failed(mlir::verify(*module)))
    return diags.error("the kernel module does not verify");
  return module;
}

/// func.func @<funcName>(<args>) { vptq.<op> ... } for a transformer op.
llvm::Expected<OwningOpRef<ModuleOp>>
buildOpModule(MLIRContext *ctx, const ::vptq::OpSpec &spec,
              StringRef funcName = "vptq_op") {
  if (std::string err = spec.verify(); !err.empty())
    return llvm::createStringError(llvm::inconvertibleErrorCode(), err);
  DiagnosticCollector diags(ctx);
  Location loc = NameLoc::get(StringAttr::get(ctx, "vptq_" + spec.op));
  OpBuilder b(ctx);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  SmallVector<Type> types;
  for (const KernelArg &arg : getKernelArguments(spec)) {
    SmallVector<int64_t> shape;
    for (int64_t d : arg.shape)
      shape.push_back(d < 0 ? ShapedType::kDynamic : d);
    types.push_back(MemRefType::get(shape, toMLIRType(ctx, arg.dtype)));
  }
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, funcName,
                                   b.getFunctionType(types, {}));
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  ValueRange a = entry->getArguments();
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  auto f64 = [&](double v) { return b.getF64FloatAttr(v); };
  if (spec.op == "rms_norm")
    RMSNormOp::create(b, loc, a[0], a[1], a[2], f64(spec.epsilon));
  else if (spec.op == "add_rms_norm")
    AddRMSNormOp::create(b, loc, a[0], a[1], a[2], a[3], f64(spec.epsilon));
  else if (spec.op == "rotary")
    RotaryOp::create(b, loc, a[0], a[1], a[2], a[3], i64(spec.headDim));
  else if (spec.op == "rotary_append")
    RotaryAppendOp::create(b, loc, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                           i64(spec.headDim));
  else if (spec.op == "attention")
    AttentionOp::create(b, loc, a[0], a[1], a[2], a[3], a[4],
                        i64(spec.numHeads), i64(spec.numKVHeads),
                        i64(spec.headDim), f64(spec.scale));
  else if (spec.op == "rotary_attention")
    RotaryAttentionOp::create(b, loc, a[0], a[1], a[2], a[3], a[4], a[5], a[6],
                              a[7], i64(spec.numHeads), i64(spec.numKVHeads),
                              i64(spec.headDim), f64(spec.scale));
  else if (spec.op == "silu_mul")
    SiluMulOp::create(b, loc, a[0], a[1], a[2]);
  else if (spec.op == "add")
    AddOp::create(b, loc, a[0], a[1], a[2]);
  else if (spec.op == "gather_rows")
    GatherRowsOp::create(b, loc, a[0], a[1], a[2]);
  else if (spec.op == "scatter_rows")
    ScatterRowsOp::create(b, loc, a[0], a[1], a[2]);
  else if (spec.op == "nearest")
    NearestOp::create(b, loc, a[0], a[1], a[2], a[3]);
  else
    GramOp::create(b, loc, a[0], a[1]);
  func::ReturnOp::create(b, loc);
  if (failed(mlir::verify(*module)))
    return diags.error("the kernel module does not verify");
  return module;
}

llvm::Error runPipeline(MLIRContext *ctx, ModuleOp module,
                        function_ref<void(OpPassManager &)> build,
                        StringRef what) {
  DiagnosticCollector diags(ctx);
  PassManager pm(ctx);
  build(pm);
  // A fatal error inside an LLVM backend aborts; recover so that the host
  // (a runtime compiling in-process) sees an error instead of dying.
  LogicalResult result = failure();
  llvm::CrashRecoveryContext crashRecovery;
  if (!crashRecovery.RunSafely([&] { result = pm.run(module); }))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        what + ": internal compiler error (LLVM crashed); please report "
               "the layer configuration and target");
  if (failed(result))
    return diags.error(what);
  return llvm::Error::success();
}

class JITKernel : public CPUKernel {
public:
  JITKernel(std::unique_ptr<ExecutionEngine> engine,
            std::vector<KernelArg> args)
      : engine(std::move(engine)), args(std::move(args)) {}

  llvm::Error run(const std::vector<void *> &buffers, int64_t batch) override {
    if (buffers.size() != args.size())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "kernel takes " + std::to_string(args.size()) + " buffers, got " +
              std::to_string(buffers.size()));
    // The packed wrapper takes, per argument, the address of the pointer to
    // its descriptor.
    std::vector<std::vector<int64_t>> descriptors;
    for (size_t i = 0; i < args.size(); ++i) {
      std::vector<int64_t> shape = args[i].shape;
      for (int64_t &d : shape)
        if (d < 0)
          d = batch;
      descriptors.push_back(::vptq::memrefabi::makeDescriptor(buffers[i], shape));
    }
    std::vector<void *> descriptorPtrs, packed;
    for (std::vector<int64_t> &d : descriptors)
      descriptorPtrs.push_back(d.data());
    for (void *&p : descriptorPtrs)
      packed.push_back(&p);
    return engine->invokePacked("_mlir_ciface_vptq_linear", packed);
  }

private:
  std::unique_ptr<ExecutionEngine> engine;
  std::vector<KernelArg> args;
};

} // namespace

Compiler::Compiler() {
  DialectRegistry registry;
  ::vptq::registerAllDialects(registry);
  context = std::make_unique<MLIRContext>(registry);
  context->disableMultithreading();
  // The dialects buildModule creates ops of; passes load the rest.
  context->loadDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                       func::FuncDialect, memref::MemRefDialect,
                       tensor::TensorDialect, VPTQDialect>();
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::CrashRecoveryContext::Enable();
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

Compiler::~Compiler() = default;

llvm::Expected<std::string> Compiler::emitModule(const LinearSpec &spec) {
  std::lock_guard<std::mutex> lock(mutex);
  auto module = buildModule(context.get(), spec, "host");
  if (!module)
    return module.takeError();
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  return text;
}

/// Runs the GPU pipeline of `target` on `module` (one kernel) and returns
/// the binary with its launch parameters.
static llvm::Expected<GPUKernel>
compileGPUModule(MLIRContext *ctx, ModuleOp module, const GPUTarget &target,
                 int64_t batchHint, std::vector<KernelArg> args) {
  bool amd = StringRef(target.chip).starts_with("gfx");
  GPUPipelineOptions options;
  options.chip = target.chip;
  options.features = target.features;
  options.optLevel = target.optLevel;
  options.format = target.format;
  options.toolkit = target.toolkit;
  options.batchHint = batchHint;
  options.hostToLLVM = false;
  if (llvm::Error err = runPipeline(
          ctx, module,
          [&](OpPassManager &pm) {
            if (amd)
              buildVPTQToROCDLPipeline(pm, options);
            else
              buildVPTQToNVVMPipeline(pm, options);
          },
          "GPU compilation for " + target.chip + " failed"))
    return std::move(err);

  GPUKernel kernel;
  kernel.chip = target.chip;
  kernel.format = target.format;
  kernel.args = std::move(args);
  gpu::LaunchFuncOp launch;
  module->walk([&](gpu::LaunchFuncOp op) { launch = op; });
  auto info = launch ? launch->getAttrOfType<DictionaryAttr>("vptq.launch")
                     : DictionaryAttr();
  gpu::BinaryOp binary;
  module->walk([&](gpu::BinaryOp op) { binary = op; });
  if (!info || !binary || binary.getObjects().size() != 1)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "GPU compilation produced no kernel");
  auto object = cast<gpu::ObjectAttr>(binary.getObjects()[0]);
  StringRef bytes = object.getObject().getValue();
  kernel.binary.assign(bytes.begin(), bytes.end());
  ::vptq::LaunchInfo &l = kernel.launch;
  l.kernelName = info.getAs<StringAttr>("kernel").getValue().str();
  l.blockSize = info.getAs<IntegerAttr>("block_size").getInt();
  l.sharedBytes = info.getAs<IntegerAttr>("shared_bytes").getInt();
  l.gridX = info.getAs<IntegerAttr>("grid_x").getInt();
  l.batchTile = info.getAs<IntegerAttr>("batch_tile").getInt();
  if (auto overlap = info.getAs<BoolAttr>("grid_dependency"))
    l.gridDependency = overlap.getValue();
  if (auto cluster = info.getAs<IntegerAttr>("cluster_size"))
    l.clusterSize = cluster.getInt();
  if (auto tiling = info.getAs<TilingAttr>("tiling")) {
    l.blockRows = tiling.getBlockRows();
    l.warpsPerRow = tiling.getWarpsPerRow();
    l.kChunk = tiling.getKChunk();
    l.mma = tiling.getMma();
    l.persistentBlocks = tiling.getPersistentBlocks();
    l.sharedWeights = tiling.getSharedWeights();
    l.stagedInputs = tiling.getStagedInputs();
    l.registerWgmma = tiling.getRegisterWgmma();
  }
  if (auto placement = info.getAs<PlacementAttr>("placement")) {
    l.centroidsPlacement =
        stringifyCodebookPlacement(placement.getCentroids()).str();
    l.resCentroidsPlacement =
        stringifyCodebookPlacement(placement.getResCentroids()).str();
  }
  return kernel;
}

llvm::Expected<GPUKernel> Compiler::compileGPU(const LinearSpec &spec,
                                               const GPUTarget &target) {
  std::lock_guard<std::mutex> lock(mutex);
  MLIRContext *ctx = context.get();
  if (spec.form != ::vptq::compiler::LinearForm::Fused)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "decomposed forms are compiled for the CPU only: their dense matmul "
        "has no GPU lowering (the runtime uses a vendor GEMM instead)");
  // Resolved once: buildModule keeps a resolved spec as it is.
  const LinearSpec resolved =
      ::vptq::compiler::resolveLinearSpec(spec, target.chip);
  auto module = buildModule(ctx, resolved, target.chip);
  if (!module)
    return module.takeError();
  return compileGPUModule(ctx, **module, target,
                          ::vptq::decisionBatch(resolved),
                          getKernelArguments(resolved));
}

llvm::Expected<GPUKernel> Compiler::compileGPU(const ::vptq::OpSpec &spec,
                                               const GPUTarget &target) {
  std::lock_guard<std::mutex> lock(mutex);
  MLIRContext *ctx = context.get();
  auto module = buildOpModule(ctx, spec);
  if (!module)
    return module.takeError();
  return compileGPUModule(ctx, **module, target, 1, getKernelArguments(spec));
}

/// Lowers `module` to the LLVM dialect for the host.
static llvm::Error lowerModuleForCPU(MLIRContext *ctx, ModuleOp module,
                                     bool parallel, int64_t batchHint,
                                     bool decompose) {
  CPUPipelineOptions options;
  options.parallel = parallel;
  options.batchHint = batchHint;
  return runPipeline(
      ctx, module,
      [&](OpPassManager &pm) {
        if (decompose)
          pm.addNestedPass<func::FuncOp>(createDecomposeMatmul());
        buildVPTQToCPUPipeline(pm, options);
      },
      "CPU compilation failed");
}

/// The spec's kernel lowered to the LLVM dialect for the host.
static llvm::Expected<OwningOpRef<ModuleOp>>
lowerForCPU(MLIRContext *ctx, const LinearSpec &spec, StringRef funcName,
            bool parallel) {
  auto module = buildModule(ctx, spec, "host", funcName);
  if (!module)
    return module.takeError();
  if (llvm::Error err = lowerModuleForCPU(
          ctx, **module, parallel, ::vptq::decisionBatch(spec, 4),
          spec.form != ::vptq::compiler::LinearForm::Fused))
    return std::move(err);
  return module;
}

/// Translates a module lowered for the host into an object file for `cpu`
/// ("" for this machine's CPU and features).
static llvm::Expected<::vptq::compiler::CPUObject>
emitCPUObject(MLIRContext *ctx, ModuleOp module, const std::string &symbol,
              const std::string &cpu) {
  DiagnosticCollector diags(ctx);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext, symbol);
  if (!llvmModule)
    return diags.error("translation to LLVM IR failed");

  ::vptq::compiler::CPUObject result;
  result.symbol = symbol;
  if (cpu.empty()) {
    result.cpu = llvm::sys::getHostCPUName().str();
    llvm::SubtargetFeatures features;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.first(), feature.second);
    result.features = features.getString();
  } else {
    result.cpu = cpu;
  }
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "no LLVM target for " + triple.str() +
                                       ": " + error);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, result.cpu, result.features, llvm::TargetOptions(),
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot target CPU '" + result.cpu + "'");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (llvm::Error err =
          makeOptimizingTransformer(3, 0, machine.get())(llvmModule.get()))
    return std::move(err);
  llvm::SmallVector<char, 0> buffer;
  llvm::raw_svector_ostream os(buffer);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the target cannot emit object files");
  codegen.run(*llvmModule);
  result.object.assign(buffer.begin(), buffer.end());
  return result;
}

llvm::Expected<::vptq::compiler::CPUObject>
Compiler::compileCPUObject(const LinearSpec &spec, const std::string &symbol,
                           const std::string &cpu, bool parallel) {
  std::lock_guard<std::mutex> lock(mutex);
  MLIRContext *ctx = context.get();
  auto module = lowerForCPU(ctx, spec, symbol, parallel);
  if (!module)
    return module.takeError();
  return emitCPUObject(ctx, **module, symbol, cpu);
}

llvm::Expected<::vptq::compiler::CPUObject>
Compiler::compileCPUObject(const ::vptq::OpSpec &spec,
                           const std::string &symbol, const std::string &cpu,
                           bool parallel) {
  std::lock_guard<std::mutex> lock(mutex);
  MLIRContext *ctx = context.get();
  auto module = buildOpModule(ctx, spec, symbol);
  if (!module)
    return module.takeError();
  if (llvm::Error err = lowerModuleForCPU(ctx, **module, parallel, 1, false))
    return std::move(err);
  return emitCPUObject(ctx, **module, symbol, cpu);
}

llvm::Error(::vptq::compiler::linkSharedLibrary)(
    const std::vector<::vptq::compiler::CPUObject> &objects,
    const std::string &path) {
  llvm::SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("vptq-link", dir))
    return llvm::createStringError(ec, "cannot create a temporary directory");
  llvm::scope_exit cleanup([&] { (void)llvm::sys::fs::remove_directories(dir); });
  std::vector<std::string> argStorage = {VPTQ_LD_LLD, "-shared", "-o", path};
  for (size_t i = 0; i < objects.size(); ++i) {
    llvm::SmallString<128> file(dir);
    llvm::sys::path::append(file, std::to_string(i) + ".o");
    std::error_code ec;
    llvm::raw_fd_ostream os(file, ec);
    if (ec)
      return llvm::createStringError(ec, "cannot write " + file.str());
    os.write(reinterpret_cast<const char *>(objects[i].object.data()),
             objects[i].object.size());
    argStorage.push_back(file.str().str());
  }
  argStorage.push_back(VPTQ_OPENMP_LIBRARY);
  llvm::SmallString<128> log(dir);
  llvm::sys::path::append(log, "ld.log");
  std::vector<llvm::StringRef> args(argStorage.begin(), argStorage.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(VPTQ_LD_LLD, args, std::nullopt,
                                     redirects, 0, 0, &error);
  if (rc != 0) {
    auto output = llvm::MemoryBuffer::getFile(log);
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "linking " + path + " with " VPTQ_LD_LLD " failed" +
            (error.empty() ? "" : ": " + error) +
            (output ? "\n" + (*output)->getBuffer().str() : ""));
  }
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<CPUKernel>>
Compiler::compileCPU(const LinearSpec &spec, bool parallel) {
  std::lock_guard<std::mutex> lock(mutex);
  MLIRContext *ctx = context.get();
  auto module = lowerForCPU(ctx, spec, "vptq_linear", parallel);
  if (!module)
    return module.takeError();

  DiagnosticCollector diags(ctx);
  // The options hold a function_ref: the transformer must outlive create().
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(3, 0, nullptr);
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  SmallVector<StringRef, 1> libs;
  if (parallel)
    libs.push_back(VPTQ_OPENMP_LIBRARY);
  engineOptions.sharedLibPaths = libs;
  auto engine = ExecutionEngine::create(**module, engineOptions);
  if (!engine) {
    llvm::Error err = diags.error("JIT compilation failed");
    return llvm::joinErrors(std::move(err), engine.takeError());
  }
  return std::make_unique<JITKernel>(std::move(*engine),
                                     getKernelArguments(spec));
}

// Parses a layer specification (see Compiler.h) with the #vptq.vq
// attribute's parser and verifier; the
// key=value form may also fix kernel decisions (block_rows, warps_per_row,
// batch_tile, k_chunk, centroids_placement, res_centroids_placement), as
// vptq-tune's candidates do, and batch_hint (the batch a prompt kernel is
// tiled for, as the runtime's batch >= 4 kernels).
auto ::vptq::compiler::parseLayerSpec(const std::string &spec)
    -> llvm::Expected<::vptq::LinearSpec> {
  auto fail = [&](const std::string &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "invalid layer '" + spec + "': " + why);
  };
  ::vptq::LinearSpec out;
  std::string text = spec;
  if (!llvm::StringRef(text).starts_with("#vptq.vq<")) {
    std::string body;
    for (llvm::StringRef item : llvm::split(spec, ',')) {
      auto [key, value] = item.trim().split('=');
      key = key.trim();
      value = value.trim();
      int64_t *decision = key == "block_rows"      ? &out.blockRows
                          : key == "warps_per_row" ? &out.warpsPerRow
                          : key == "batch_tile"    ? &out.batchTile
                          : key == "k_chunk"       ? &out.kChunk
                          : key == "batch_hint"    ? &out.batchHint
                                                   : nullptr;
      if (decision) {
        if (value.getAsInteger(10, *decision) || *decision <= 0)
          return fail(key.str() + " must be a positive integer");
        continue;
      }
      if (key == "persistent_blocks") {
        if (value.getAsInteger(10, out.persistentBlocks) ||
            out.persistentBlocks < 0)
          return fail("persistent_blocks must be a non-negative integer (0: "
                      "one block per row tile)");
        continue;
      }
      // 0/1 decisions, with what each value means.
      auto [flag, meaning] =
          key == "mma" ? std::pair{&out.mma, "0 (no tensor cores) or 1"}
          : key == "shared_weights"
              ? std::pair{&out.sharedWeights,
                          "0 (weights dequantized into registers) or 1 "
                          "(into shared memory)"}
          : key == "staged_inputs"
              ? std::pair{&out.stagedInputs,
                          "0 (warps load activations themselves) or 1 "
                          "(staged in shared memory)"}
          : key == "register_wgmma"
              ? std::pair{&out.registerWgmma,
                          "0 or 1 (warpgroups multiply weights dequantized "
                          "into registers; NVIDIA sm_90a)"}
              : std::pair<int64_t *, const char *>{nullptr, nullptr};
      if (flag) {
        if (value != "0" && value != "1")
          return fail(key.str() + " must be " + meaning);
        *flag = value == "1";
        continue;
      }
      if (key == "codebook_shards") {
        if (value.getAsInteger(10, out.codebookShards) ||
            out.codebookShards < 0 || out.codebookShards == 1)
          return fail("codebook_shards must be 0 (not sharded) or the "
                      "number of shards, a power of two from 2");
        continue;
      }
      if (key == "centroids_placement" || key == "res_centroids_placement") {
        if (value != "global" && value != "shared" && value != "registers" &&
            value != "replicated" && value != "multicast")
          return fail(key.str() + " must be global, shared, replicated, "
                                  "multicast or registers");
        (key == "centroids_placement" ? out.centroidsPlacement
                                      : out.resCentroidsPlacement) =
            value.str();
        continue;
      }
      if (!body.empty())
        body += ", ";
      body += key.trim().str() + " = " +
              (value.empty() ? std::string("true") : value.trim().str());
    }
    text = "#vptq.vq<" + body + ">";
  }
  // MLIR's parser recurses once per bracket (support/TextLimits.h).
  if (std::string deep = ::vptq::support::checkNestingDepth(text);
      !deep.empty())
    return fail(deep);
  MLIRContext ctx;
  ctx.loadDialect<VPTQDialect>();
  std::string diagnostics;
  mlir::ScopedDiagnosticHandler handler(&ctx, [&](mlir::Diagnostic &d) {
    llvm::raw_string_ostream(diagnostics) << d;
    return mlir::success();
  });
  auto attr = llvm::dyn_cast_or_null<mlir::vptq::QuantConfigAttr>(
      mlir::parseAttribute(text, &ctx));
  if (!attr)
    return fail(diagnostics.empty() ? "not a #vptq.vq attribute" : diagnostics);
  out.config = attr.getLayerConfig();
  return out;
}
