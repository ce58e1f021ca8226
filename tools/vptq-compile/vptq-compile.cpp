//===- vptq-compile.cpp - Ahead-of-time kernel bundles --------------------===//
//
// Compiles the quantized-linear kernels of a model (its config.json) or of
// explicit layer specifications for a list of architectures into a bundle:
// one binary per (layer configuration, shape, arch) and a manifest.json
// that the runtime loads instead of compiling.
//
//===----------------------------------------------------------------------===//

#include "vptq/ABI/Manifest.h"
#include "vptq/ABI/Tuning.h"
#include "vptq/ABI/ModelKernels.h"
#include "vptq/ABI/Sha256.h"
#include "vptq/Checkpoint/ModelConfig.h"
#include "vptq/Compiler/Compiler.h"
#include "vptq/Dialect/VPTQ/IR/VPTQAttrs.h"
#include "vptq/Dialect/VPTQ/IR/VPTQDialect.h"
#include "vptq/Support/FileOutput.h"
#include "vptq/Transforms/Heuristics.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <set>
#include <thread>

using namespace vptq;
using nlohmann::json;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory category("vptq-compile options");
cl::opt<std::string> modelDir(
    "model", cl::desc("Model folder whose config.json lists the layers"),
    cl::value_desc("dir"), cl::cat(category));
cl::list<std::string> layerSpecs(
    "layer",
    cl::desc("A layer to compile, as #vptq.vq<...> or key=value,... with "
             "the same keys (e.g. in_features=4096,out_features=4096,"
             "vector_len=8,num_centroids=65536,packed=true); repeatable"),
    cl::value_desc("spec"), cl::cat(category));
cl::list<std::string> denseSpecs(
    "dense",
    cl::desc("A dense (unquantized) layer to compile, as in_features=N,"
             "out_features=M[,bias]; repeatable"),
    cl::value_desc("spec"), cl::cat(category));
cl::list<unsigned> quantizerVectorLens(
    "quantizer", cl::CommaSeparated,
    cl::desc("Also compile the quantizer's kernels (vptq-quantize on a "
             "runtime without the compiler): vptq.nearest for each listed "
             "vector length and, with --model, vptq.gram for each input size "
             "of its linear layers"),
    cl::value_desc("V,..."), cl::cat(category));
cl::list<unsigned> quantizerInputs(
    "quantizer-inputs", cl::CommaSeparated,
    cl::desc("With --quantizer: vptq.gram kernels for these input sizes "
             "too (beyond the model's)"),
    cl::value_desc("N,..."), cl::cat(category));
cl::opt<std::string> tuningPath(
    "tuning",
    cl::desc("The autotuner's database (vptq-tune): layers it has an entry "
             "for (per target) take its tiling and placement (default: "
             "$VPTQ_TUNING_DB if set, else the heuristics)"),
    cl::value_desc("file"), cl::init(""), cl::cat(category));
cl::opt<bool> promptKernels(
    "prompt-kernels",
    cl::desc("For GPU targets, also compile each layer's kernels for "
             "batches of several rows (prompts: decisions for 16, 64 and 256 "
             "rows), which the runtime runs for batches of 4, 32 and 128 "
             "rows or more (default on)"),
    cl::init(true), cl::cat(category));
cl::opt<std::string> archList(
    "arch",
    cl::desc("Comma-separated targets: sm_80, sm_89, sm_90a, ..., gfx90a, "
             "gfx942, gfx1100, host"),
    cl::init("sm_90a,host"), cl::cat(category));
cl::opt<std::string> outputDir("o", cl::desc("Bundle directory to write"),
                               cl::value_desc("dir"), cl::Required,
                               cl::cat(category));
cl::alias outputAlias("output", cl::aliasopt(outputDir), cl::cat(category));
cl::opt<std::string> format("format",
                            cl::desc("GPU objects: bin (cubin/HSACO) or isa"),
                            cl::init("bin"), cl::cat(category));
cl::opt<std::string> activation(
    "activation",
    cl::desc("Activation dtype f16, bf16 or f32 (default: the model's "
             "torch_dtype, else f16)"),
    cl::init(""), cl::cat(category));
cl::opt<std::string> toolkit(
    "toolkit", cl::desc("CUDA toolkit for NVIDIA targets (default: "
                        "$CUDA_ROOT or the configured one)"),
    cl::init(""), cl::cat(category));
cl::opt<std::string> rocmPath(
    "rocm-path",
    cl::desc("ROCm prefix for AMD targets (default: $ROCM_PATH or the "
             "build's prefix)"),
    cl::init(""), cl::cat(category));
cl::opt<std::string> hostCPU(
    "cpu", cl::desc("CPU for host kernels (default: this machine's)"),
    cl::init(""), cl::cat(category));
cl::opt<unsigned> jobs("j", cl::Prefix,
                       cl::desc("Parallel compilations (default: cores)"),
                       cl::init(0), cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("No progress output"), cl::init(false),
                    cl::cat(category));
cl::opt<bool> force("force",
                    cl::desc("Replace an existing bundle directory (it is "
                             "replaced whole, once the new one is complete)"),
                    cl::init(false), cl::cat(category));

[[noreturn]] void die(const llvm::Twine &message) {
  llvm::errs() << "vptq-compile: error: " << message << "\n";
  std::exit(1);
}

ref::DType parseDType(const std::string &name) {
  if (name == "f16" || name == "float16")
    return ref::DType::F16;
  if (name == "bf16" || name == "bfloat16")
    return ref::DType::BF16;
  if (name == "f32" || name == "float32")
    return ref::DType::F32;
  die("unknown dtype '" + name + "'; expected f16, bf16 or f32");
}

/// Parses --dense: in_features=N,out_features=M[,bias].
compiler::LinearSpec parseDenseSpec(const std::string &text) {
  int64_t in = 0, out = 0;
  bool bias = false;
  for (llvm::StringRef item : llvm::split(text, ',')) {
    auto [key, value] = item.trim().split('=');
    key = key.trim();
    value = value.trim();
    int64_t *field = key == "in_features"    ? &in
                     : key == "out_features" ? &out
                                             : nullptr;
    if (field) {
      if (value.getAsInteger(10, *field) || *field <= 0)
        die("invalid --dense '" + text + "': " + key +
            " needs a positive integer");
    } else if (key == "bias") {
      bias = value.empty() || value == "true";
    } else {
      die("invalid --dense '" + text + "': unknown key '" + key +
          "' (in_features, out_features, bias)");
    }
  }
  if (!in || !out)
    die("invalid --dense '" + text + "': in_features and out_features are "
        "required");
  return makeDenseSpec(in, out, bias, ref::DType::F16, ref::DType::F16);
}

std::string fileSha256(const std::string &path) {
  std::ifstream file(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)),
                    std::istreambuf_iterator<char>());
  return sha256Hex(bytes);
}

/// Progress on stderr: a redrawn bar on a terminal, a line per kernel
/// otherwise.
class Progress {
public:
  explicit Progress(size_t total)
      : total(total), tty(llvm::sys::Process::StandardErrIsDisplayed()),
        start(std::chrono::steady_clock::now()) {}

  void done(const std::string &what) {
    std::lock_guard<std::mutex> lock(mutex);
    ++finished;
    if (quiet)
      return;
    if (tty) {
      const size_t width = 30;
      size_t filled = width * finished / total;
      llvm::errs() << "\r[" << std::string(filled, '#')
                   << std::string(width - filled, '.') << "] " << finished
                   << "/" << total << " " << llvm::StringRef(what).take_front(60)
                   << "\x1b[K";
      if (finished == total)
        llvm::errs() << "\n";
    } else {
      llvm::errs() << "[" << finished << "/" << total << "] " << what << "\n";
    }
  }

  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  }

private:
  std::mutex mutex;
  size_t total, finished = 0;
  bool tty;
  std::chrono::steady_clock::time_point start;
};

struct Task {
  size_t specIndex;
  std::string arch;
};

/// What one kernel computes: a linear layer or a transformer op.
struct KernelItem {
  compiler::LinearSpec spec;
  std::optional<OpSpec> op;
  std::string key() const { return op ? op->key() : spec.key(); }
};

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ",
                std::gmtime(&now));
  return buffer;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "vptq-compile: compile the quantized-linear kernels of a VPTQ model "
      "ahead of time into a bundle (binaries + manifest.json)\n\n"
      "  vptq-compile --model DIR --arch sm_90a,gfx942,host -o BUNDLE\n"
      "  vptq-compile --layer in_features=4096,out_features=4096,"
      "vector_len=8,num_centroids=65536,packed=true --arch sm_90a -o BUNDLE\n");

  if (modelDir.empty() && layerSpecs.empty() && denseSpecs.empty() &&
      quantizerVectorLens.empty())
    die("nothing to compile: give --model DIR, --quantizer or at least one "
        "--layer or "
        "--dense");

  // The layers: module name -> (config, dtypes).
  std::vector<std::pair<std::string, compiler::LinearSpec>> layers;
  json source = json::object();
  ref::DType act = ref::DType::F16;
  bool actFromModel = false;
  std::optional<checkpoint::ModelArchitecture> modelArch;
  // The dtype of codebooks, dense weights, norms and embeddings.
  std::optional<ref::DType> modelType;
  std::set<int64_t> linearInputs;
  if (!modelDir.empty()) {
    llvm::SmallString<256> configPath(modelDir.getValue());
    llvm::sys::path::append(configPath, "config.json");
    if (!llvm::sys::fs::exists(configPath))
      die("no config.json in '" + modelDir + "'");
    checkpoint::ModelConfig config;
    if (std::string err = checkpoint::readModelConfig(configPath.str().str(),
                                                      config);
        !err.empty())
      die(err);
    act = parseDType(config.arch.torchDtype);
    actFromModel = true;
    modelArch = config.arch;
    modelType = act;
    source = {{"model", modelDir.getValue()},
              {"config_sha256", fileSha256(configPath.str().str())}};
    for (const checkpoint::LinearModule &m : config.linearModules()) {
      linearInputs.insert(m.inFeatures);
      const checkpoint::LayerQuantization *q =
          config.quantization ? config.quantization->lookup(m.name) : nullptr;
      compiler::LinearSpec spec;
      if (q) {
        spec.config = q->config;
      } else {
        // Unquantized modules (often lm_head) run the dense kernel.
        spec = makeDenseSpec(m.inFeatures, m.outFeatures, m.bias, act, act);
      }
      layers.push_back({m.name, spec});
    }
    // A tied lm_head runs the dense kernel over the embedding table.
    if (config.arch.tieWordEmbeddings)
      layers.push_back({"lm_head", makeDenseSpec(config.arch.hiddenSize,
                                                 config.arch.vocabSize, false,
                                                 act, act)});
  }
  // Layers [0, modelLayerCount) come from --model.
  const size_t modelLayerCount = layers.size();
  if (!activation.empty())
    act = parseDType(activation);
  mlir::MLIRContext parseContext;
  parseContext.loadDialect<mlir::vptq::VPTQDialect>();
  for (size_t i = 0; i < layerSpecs.size(); ++i) {
    auto parsed = compiler::parseLayerSpec(layerSpecs[i]);
    if (!parsed)
      die(llvm::toString(parsed.takeError()));
    compiler::LinearSpec spec = *parsed;
    layers.push_back({"layer" + std::to_string(i), spec});
    source["layers"].push_back(layerSpecs[i]);
  }
  for (size_t i = 0; i < denseSpecs.size(); ++i) {
    compiler::LinearSpec spec = parseDenseSpec(denseSpecs[i]);
    layers.push_back({"dense" + std::to_string(i), spec});
    source["dense"].push_back(denseSpecs[i]);
  }
  for (auto &[name, spec] : layers) {
    spec.activation = act;
    spec.model = modelType.value_or(act);
    spec.indexStorage = ref::DType::I16;
    // The reference stores perms as int16 for packed layers, int64 else.
    spec.permStorage = spec.config.packed ? ref::DType::I16 : ref::DType::I64;
    spec.batch = -1;
  }

  // Targets.
  TuningDatabase tuning;
  std::atomic<int> tunedCount{0};
  {
    std::string db = tuningPath;
    if (db.empty())
      if (const char *env = std::getenv("VPTQ_TUNING_DB"); env && *env)
        db = env;
    if (!db.empty())
      if (std::string err = tuning.load(db); !err.empty())
        die(err);
  }
  std::vector<std::string> archs;
  for (llvm::StringRef arch : llvm::split(archList, ',')) {
    arch = arch.trim();
    if (arch.empty())
      continue;
    std::string error;
    if (failed(mlir::vptq::TargetInfo::get(arch, error)))
      die(error);
    archs.push_back(arch == "cpu" ? "host" : arch.str());
  }
  if (archs.empty())
    die("--arch lists no target");
  if (format != "bin" && format != "isa")
    die("--format must be bin or isa, got '" + format + "'");

  // One kernel per distinct specification.
  std::vector<KernelItem> unique;
  std::map<std::string, size_t> indexOfKey;
  json layerMap = json::object();
  auto addItem = [&](const KernelItem &item) {
    std::string key = item.key();
    if (!indexOfKey.count(key)) {
      indexOfKey[key] = unique.size();
      unique.push_back(item);
    }
    return key;
  };
  for (const auto &[name, spec] : layers)
    layerMap[name] = addItem({spec, std::nullopt});
  // A model's runtime also runs kernels for prompts (see
  // LinearLayer::forward).
  if (promptKernels && modelArch)
    for (size_t i = 0; i < modelLayerCount; ++i)
      if (const auto &[name, spec] = layers[i];
          spec.batch < 0 && !hasDecisions(spec)) {
        for (int64_t hint : kRuntimeBatchHints) {
          compiler::LinearSpec batched = spec;
          batched.batchHint = hint;
          addItem({batched, std::nullopt});
        }
      }
  // Its decode steps run each quantized down projection on a gated input
  // (LinearLayer::forwardGated), with the single-token decisions.
  if (modelArch)
    for (size_t i = 0; i < modelLayerCount; ++i)
      if (const auto &[name, spec] = layers[i];
          !spec.dense && llvm::StringRef(name).ends_with(".mlp.down_proj")) {
        compiler::LinearSpec gated = spec;
        gated.gatedInput = true;
        addItem({gated, std::nullopt});
      }
  // A model also needs the decoder's op kernels (embedding, norms, rotary,
  // attention, ...), so that a runtime without the compiler can run it.
  if (modelArch)
    for (const OpSpec &op : getDecoderOpSpecs(*modelArch, act, *modelType,
                                              *modelType)
                                .all())
      addItem({compiler::LinearSpec(), op});
  auto quantizerOp = [](const char *name, int64_t width) {
    OpSpec op;
    op.op = name;
    op.dtype = op.paramType = ref::DType::F32;
    op.width = width;
    return op;
  };
  for (unsigned v : quantizerVectorLens) {
    if (v == 0 || v > 64)
      die("--quantizer: vector lengths must be 1 to 64, got " +
          llvm::Twine(v));
    addItem({compiler::LinearSpec(), quantizerOp("nearest", v)});
  }
  if (!quantizerInputs.empty() && quantizerVectorLens.empty())
    die("--quantizer-inputs needs --quantizer");
  for (unsigned n : quantizerInputs)
    if (n == 0)
      die("--quantizer-inputs: sizes must be positive");
    else
      linearInputs.insert(n);
  if (!quantizerVectorLens.empty())
    for (int64_t n : linearInputs)
      addItem({compiler::LinearSpec(), quantizerOp("gram", n)});
  size_t opCount = 0;
  for (const KernelItem &item : unique)
    opCount += item.op ? 1 : 0;

  // Everything is written into a staging folder that replaces the output
  // only once complete: a killed or failed run leaves the old bundle (or
  // none) in place, never a mix of old and new files (die() exits, and the
  // staging folder is removed at exit).
  support::StagedDirectory staged;
  if (std::string err = staged.begin(outputDir, force); !err.empty())
    die(err);
  const std::string stagingDir = staged.path();
  for (const std::string &arch : archs) {
    llvm::SmallString<256> dir(stagingDir);
    llvm::sys::path::append(dir, arch);
    if (std::error_code ec = llvm::sys::fs::create_directories(dir))
      die("cannot create '" + dir.str() + "': " + ec.message());
  }

  std::vector<Task> tasks;
  for (const std::string &arch : archs)
    for (size_t i = 0; i < unique.size(); ++i)
      // CPU runtimes never ask for prompt kernels.
      if (arch != "host" || unique[i].op || unique[i].spec.batchHint == 0)
        tasks.push_back({i, arch});
  std::vector<BundleKernel> entries(tasks.size());
  std::vector<std::optional<compiler::CPUObject>> hostObjects(tasks.size());
  std::vector<std::string> errors(tasks.size());
  Progress progress(tasks.size());
  std::atomic<size_t> next{0};
  const std::string version = compiler::getCompilerVersion();

  auto worker = [&] {
    compiler::Compiler compiler;
    for (size_t t = next++; t < tasks.size(); t = next++) {
      const Task &task = tasks[t];
      const KernelItem &item = unique[task.specIndex];
      BundleKernel &entry = entries[t];
      entry.id = "k" + std::to_string(task.specIndex);
      entry.arch = task.arch;
      entry.spec = item.spec;
      entry.op = item.op;
      // The tuning database's decisions, for this target.
      compiler::LinearSpec decided = item.spec;
      if (!item.op && tuning.apply(task.arch, decided))
        ++tunedCount;
      entry.args = item.op ? getKernelArguments(*item.op)
                           : compiler::getKernelArguments(
                                 compiler::resolveLinearSpec(decided,
                                                             task.arch));
      entry.inputHash = sha256Hex(item.key() + "|" + decided.key() + "|" +
                                  task.arch + "|" + format.getValue() + "|" +
                                  version);
      if (task.arch == "host") {
        std::string symbol =
            (item.op ? "vptq_" + item.op->op + "_" : "vptq_linear_") + entry.id;
        auto object = item.op
                          ? compiler.compileCPUObject(*item.op, symbol, hostCPU)
                          : compiler.compileCPUObject(decided, symbol, hostCPU);
        if (!object) {
          errors[t] = llvm::toString(object.takeError());
        } else {
          entry.kind = "cpu";
          entry.file = "host/kernels.so";
          entry.symbol = "_mlir_ciface_" + symbol;
          entry.cpu = object->cpu;
          entry.cpuFeatures = object->features;
          hostObjects[t] = std::move(*object);
        }
      } else {
        compiler::GPUTarget target;
        target.chip = task.arch;
        target.format = format;
        bool amd = llvm::StringRef(task.arch).starts_with("gfx");
        target.toolkit = amd ? rocmPath.getValue() : toolkit.getValue();
        auto kernel = item.op ? compiler.compileGPU(*item.op, target)
                              : compiler.compileGPU(decided, target);
        if (!kernel) {
          errors[t] = llvm::toString(kernel.takeError());
        } else {
          std::string ext = format == "isa" ? (amd ? "s" : "ptx")
                                            : (amd ? "hsaco" : "cubin");
          entry.kind = amd ? (format == "isa" ? "amdgcn" : "hsaco")
                           : (format == "isa" ? "ptx" : "cubin");
          entry.file = task.arch + "/" + entry.id + "." + ext;
          entry.symbol = kernel->launch.kernelName;
          entry.launch = kernel->launch;
          entry.sha256 = sha256Hex(kernel->binary.data(), kernel->binary.size());
          llvm::SmallString<256> path(stagingDir);
          llvm::sys::path::append(path, entry.file);
          errors[t] = support::writeFileAtomically(
              path.str().str(),
              std::string_view(
                  reinterpret_cast<const char *>(kernel->binary.data()),
                  kernel->binary.size()));
        }
      }
      progress.done(task.arch + " " + item.key() +
                    (errors[t].empty() ? "" : " FAILED"));
    }
  };
  unsigned threads = jobs ? unsigned(jobs)
                          : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<unsigned>(threads, tasks.size());
  std::vector<std::thread> pool;
  for (unsigned i = 0; i < threads; ++i)
    pool.emplace_back(worker);
  for (std::thread &t : pool)
    t.join();

  int failures = 0;
  for (size_t t = 0; t < tasks.size(); ++t)
    if (!errors[t].empty()) {
      llvm::errs() << "vptq-compile: error: " << tasks[t].arch << " "
                   << unique[tasks[t].specIndex].key() << ": " << errors[t]
                   << "\n";
      ++failures;
    }
  if (failures)
    die(llvm::Twine(failures) + " of " + llvm::Twine(tasks.size()) +
        " kernels failed to compile");

  std::vector<compiler::CPUObject> objects;
  for (std::optional<compiler::CPUObject> &object : hostObjects)
    if (object)
      objects.push_back(std::move(*object));
  if (!objects.empty()) {
    llvm::SmallString<256> library(stagingDir);
    llvm::sys::path::append(library, "host", "kernels.so");
    if (llvm::Error err =
            compiler::linkSharedLibrary(objects, library.str().str()))
      die(llvm::toString(std::move(err)));
    // Runtimes check the library against this before loading it.
    auto bytes = llvm::MemoryBuffer::getFile(library, /*IsText=*/false,
                                             /*RequiresNullTerminator=*/false);
    if (!bytes)
      die("cannot read " + library + ": " + bytes.getError().message());
    std::string digest =
        sha256Hex((*bytes)->getBufferStart(), (*bytes)->getBufferSize());
    for (BundleKernel &entry : entries)
      if (entry.arch == "host")
        entry.sha256 = digest;
  }

  BundleManifest manifest;
  manifest.compiler = version;
  manifest.created = utcNow();
  source["activation"] = ref::dtypeName(act);
  source["activation_from_model"] = actFromModel;
  if (!tuning.empty())
    source["tuned_kernels"] = tunedCount.load();
  manifest.sourceJSON = source.dump();
  manifest.archs = archs;
  manifest.layers = layerMap.get<std::map<std::string, std::string>>();
  manifest.kernels = std::move(entries);
  llvm::SmallString<256> manifestPath(stagingDir);
  llvm::sys::path::append(manifestPath, "manifest.json");
  if (std::string err = support::writeFileAtomically(
          manifestPath.str().str(), writeManifest(manifest));
      !err.empty())
    die(err);
  if (std::string err = staged.commit(); !err.empty())
    die(err);
  if (!quiet)
    llvm::errs() << "vptq-compile: " << tasks.size() << " kernels ("
                 << unique.size() - opCount << " layer configurations"
                 << (opCount ? " + " + std::to_string(opCount) + " ops" : "")
                 << " x " << archs.size()
                 << " targets) in " << llvm::format("%.1f", progress.seconds())
                 << " s -> " << outputDir
                 << (tuning.empty() ? std::string()
                                    : ", " + std::to_string(tunedCount.load()) +
                                          " with tiling from the tuning "
                                          "database")
                 << "\n";
  return 0;
}
