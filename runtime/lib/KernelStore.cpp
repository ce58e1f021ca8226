//===- KernelStore.cpp - Loaded kernels, bundles, disk cache, JIT ---------===//

#include "KernelStore.h"
#include "vptq/ABI/Sha256.h"
#include "vptq/ABI/Version.h"
#include "vptq/Support/FileOutput.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace vptq;
using namespace vptq::runtime;
using namespace vptq::runtime::detail;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool readBytes(const std::string &path, std::vector<uint8_t> &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0)
    return false;
  in.seekg(0);
  out.resize(size_t(size));
  in.read(reinterpret_cast<char *>(out.data()), size);
  return bool(in);
}

/// Writes `bytes` to `path` through a temporary sibling and a rename.
Status writeAtomically(const std::string &path, const void *bytes,
                       size_t size) {
  std::string err = support::writeFileAtomically(
      path, std::string_view(static_cast<const char *>(bytes), size));
  if (!err.empty())
    return Status::error(err);
  return Status::success();
}

KernelBinary toBinary(const BundleKernel &k) {
  KernelBinary b;
  b.arch = k.arch;
  b.kind = k.kind;
  b.symbol = k.symbol;
  b.args = k.args;
  b.launch = k.launch;
  b.launch.kernelName = k.symbol;
  b.cpu = k.cpu;
  b.cpuFeatures = k.cpuFeatures;
  return b;
}

/// Whether a kernel taking `kernel` serves `request`.
bool sameArgs(const std::vector<KernelArg> &kernel,
              const KernelRequest &request) {
  if (!request.op)
    return kernelArgsFit(request.linear, kernel);
  std::vector<KernelArg> expected = request.args();
  return std::equal(kernel.begin(), kernel.end(), expected.begin(),
                    expected.end(), [](const KernelArg &a, const KernelArg &b) {
                      return a.name == b.name && a.dtype == b.dtype &&
                             a.shape == b.shape;
                    });
}

} // namespace

KernelStore::KernelStore(std::shared_ptr<Backend> backend,
                         const RuntimeOptions &options)
    : backend(std::move(backend)), options(options) {
  compiler = options.compiler;
  if (!compiler && options.jit)
    compiler = createBuiltinCompiler();
}

std::string KernelStore::resolveCacheDirectory(const std::string &configured) {
  if (!configured.empty())
    return configured;
  if (const char *dir = std::getenv("VPTQ_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/vptq";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/vptq";
  return (fs::temp_directory_path() / "vptq-cache").string();
}

Status KernelStore::initialize() {
  if (options.diskCache)
    cacheDir = resolveCacheDirectory(options.cacheDir);
  for (const std::string &dir : options.bundles)
    VPTQ_RETURN_IF_ERROR(addBundle(dir));
  std::string db = options.tuningDatabase;
  if (db.empty())
    if (const char *env = std::getenv("VPTQ_TUNING_DB"); env && *env)
      db = env;
  if (!db.empty()) {
    if (std::string err = tuning.load(db); !err.empty())
      return Status::error(err);
    log("tuning database " + db + ": " +
        std::to_string(tuning.entries().size()) + " entries");
  }
  return Status::success();
}

void KernelStore::log(const std::string &message) const {
  if (options.verbose)
    std::cerr << "vptq: " << message << "\n";
}

std::string KernelStore::cacheTarget() const {
  const DeviceInfo &d = backend->info();
  return d.kind == DeviceKind::CPU ? getHostCPU().cacheTarget : d.arch;
}

std::string KernelStore::compilerVersion() const {
  return compiler ? compiler->version() : std::string(getVersion());
}

Status KernelStore::addBundle(const std::string &dir) {
  Bundle bundle;
  bundle.dir = dir;
  if (std::string err = readManifest(dir, bundle.manifest); !err.empty())
    return Status::error(err);
  const DeviceInfo &d = backend->info();
  std::set<std::string> archs;
  bool usable = false;
  for (const BundleKernel &k : bundle.manifest.kernels) {
    archs.insert(k.arch);
    usable |= backend->canLoad(k.kind) && archRunsOn(k.arch, d.arch);
  }
  if (!usable) {
    std::string list;
    for (const std::string &a : archs)
      list += (list.empty() ? "" : ", ") + a;
    return Status::error(
        "bundle " + dir + " was built for " +
        (list.empty() ? std::string("no architecture (it has no kernels)")
                      : list) +
        "; this device is " + d.describe() +
        " (rebuild it with vptq-compile --arch " +
        (d.kind == DeviceKind::CPU ? std::string("host")
         : d.arch == "sm_90"       ? std::string("sm_90a")
                                   : d.arch) +
        ")");
  }
  if (bundle.manifest.compiler != getVersion())
    log("bundle " + dir + " was built by " + bundle.manifest.compiler +
        "; this runtime is " + getVersion());
  bundles.push_back(std::move(bundle));
  return Status::success();
}

Result<std::shared_ptr<Kernel>>
KernelStore::fromBundles(const KernelRequest &spec, std::string &elsewhere) {
  std::string key = spec.key();
  const DeviceInfo &d = backend->info();
  for (Bundle &bundle : bundles) {
    for (const BundleKernel &k : bundle.manifest.kernels) {
      if (k.key() != key)
        continue;
      if (!backend->canLoad(k.kind) || !archRunsOn(k.arch, d.arch)) {
        elsewhere +=
            (elsewhere.empty() ? "" : ", ") + k.arch + " in " + bundle.dir;
        continue;
      }
      std::string where = bundle.dir + "/manifest.json: kernel " + k.id;
      if (!sameArgs(k.args, spec))
        return Status::error(where +
                             " takes other arguments than this runtime "
                             "passes (built by " +
                             bundle.manifest.compiler + ")");
      auto start = Clock::now();
      KernelBinary binary = toBinary(k);
      std::string file = bundle.dir + "/" + k.file;
      // Every kernel file is checked before it is loaded: a damaged host
      // library would otherwise crash dlopen, a damaged GPU object the
      // driver.
      if (k.sha256.empty())
        return Status::error(where + ": no checksum for " + k.file +
                             " (the bundle predates checksummed kernels or "
                             "was edited); rebuild it with vptq-compile");
      bool shared = k.kind == "cpu";
      if (!shared || !bundle.verified.count(k.file)) {
        std::vector<uint8_t> bytes;
        if (!readBytes(file, bytes))
          return Status::error(where + ": cannot read " + file);
        if (sha256Hex(bytes.data(), bytes.size()) != k.sha256)
          return Status::error(file + ": checksum mismatch (the bundle is "
                                      "corrupt or was modified)");
        if (shared)
          bundle.verified.insert(k.file);
        else
          binary.bytes = std::move(bytes);
      }
      auto kernel = finish(spec, std::move(binary), file, KernelOrigin::Bundle);
      if (kernel) {
        ++stats_.bundleLoads;
        stats_.loadSeconds += secondsSince(start);
        log("kernel " + key + ": loaded from bundle " + bundle.dir);
      }
      return kernel;
    }
  }
  return std::shared_ptr<Kernel>();
}

Result<std::shared_ptr<Kernel>>
KernelStore::fromCache(const KernelRequest &spec, const std::string &base) {
  std::string jsonPath = base + ".json";
  std::ifstream in(jsonPath);
  if (!in)
    return std::shared_ptr<Kernel>();
  auto start = Clock::now();
  std::stringstream text;
  text << in.rdbuf();
  BundleManifest entry;
  auto stale = [&](const std::string &why) -> Result<std::shared_ptr<Kernel>> {
    log("cache entry " + jsonPath + " is unusable (" + why + "); recompiling");
    return std::shared_ptr<Kernel>();
  };
  if (std::string err = parseManifest(text.str(), jsonPath, entry);
      !err.empty())
    return stale(err);
  if (entry.kernels.size() != 1 || entry.compiler != compilerVersion() ||
      entry.kernels[0].key() != spec.key())
    return stale("written for another kernel or compiler");
  const BundleKernel &k = entry.kernels[0];
  KernelBinary binary = toBinary(k);
  std::string file = (fs::path(base).parent_path() / k.file).string();
  if (!readBytes(file, binary.bytes))
    return stale("cannot read " + file);
  if (sha256Hex(binary.bytes.data(), binary.bytes.size()) != k.sha256)
    return stale("checksum mismatch");
  if (!sameArgs(binary.args, spec))
    return stale("argument mismatch");
  if (k.kind == "cpu")
    binary.bytes.clear();
  auto kernel = finish(spec, std::move(binary), file, KernelOrigin::Cache);
  if (!kernel)
    return stale(kernel.message());
  ++stats_.cacheLoads;
  stats_.loadSeconds += secondsSince(start);
  log("kernel " + spec.key() + ": loaded from cache " + file);
  return kernel;
}

Result<std::shared_ptr<Kernel>> KernelStore::compile(const KernelRequest &spec,
                                                     const std::string &base) {
  auto start = Clock::now();
  auto compiled = spec.op ? compiler->compile(*spec.op, backend->info())
                          : compiler->compile(spec.linear, backend->info());
  if (!compiled)
    return compiled.status().withContext("compiling kernel " + spec.key() +
                                         " for " + backend->info().describe());
  KernelBinary binary = std::move(*compiled);
  double compileSeconds = secondsSince(start);
  std::string ext = binary.kind == "cpu" ? ".so" : ".bin";
  std::string file;
  bool temporary = false;
  if (!base.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(base).parent_path(), ec);
    BundleManifest entry;
    entry.compiler = compilerVersion();
    entry.archs = {binary.arch};
    BundleKernel k;
    k.id = "k0";
    k.arch = binary.arch;
    k.kind = binary.kind;
    k.file = fs::path(base).filename().string() + ext;
    k.symbol = binary.kind == "cpu" ? binary.symbol : binary.launch.kernelName;
    k.spec = spec.linear;
    k.op = spec.op;
    k.args = binary.args;
    k.launch = binary.launch;
    k.cpu = binary.cpu;
    k.cpuFeatures = binary.cpuFeatures;
    k.sha256 = sha256Hex(binary.bytes.data(), binary.bytes.size());
    entry.kernels.push_back(k);
    std::string manifest = writeManifest(entry);
    Status written =
        writeAtomically(base + ext, binary.bytes.data(), binary.bytes.size());
    if (written)
      written =
          writeAtomically(base + ".json", manifest.data(), manifest.size());
    if (written)
      file = base + ext;
    else
      log("not caching kernel " + spec.key() + ": " + written.message());
  }
  if (file.empty() && binary.kind == "cpu") {
    // dlopen needs a file: a private temporary one, removed once loaded.
    static std::atomic<unsigned> counter{0};
    file = (fs::temp_directory_path() /
            ("vptq-kernel." + std::to_string(getpid()) + "." +
             std::to_string(counter++) + ext))
               .string();
    VPTQ_RETURN_IF_ERROR(
        writeAtomically(file, binary.bytes.data(), binary.bytes.size()));
    temporary = true;
  }
  if (binary.kind == "cpu")
    binary.bytes.clear();
  auto kernel = finish(spec, std::move(binary), file, KernelOrigin::Compiled);
  if (temporary) {
    std::error_code ec;
    fs::remove(file, ec);
  }
  if (!kernel)
    return kernel;
  ++stats_.compiled;
  stats_.compileSeconds += compileSeconds;
  log("kernel " + spec.key() + ": compiled in " +
      std::to_string(int(compileSeconds * 1000)) + " ms" +
      (base.empty() ? std::string() : ", cached as " + file));
  return kernel;
}

Result<std::shared_ptr<Kernel>> KernelStore::finish(const KernelRequest &spec,
                                                    KernelBinary binary,
                                                    const std::string &file,
                                                    KernelOrigin origin) {
  auto loaded = backend->load(binary, file);
  if (!loaded)
    return loaded.status();
  std::shared_ptr<Kernel> kernel(new Kernel());
  kernel->spec_ = spec.linear;
  kernel->op_ = spec.op;
  kernel->key_ = spec.key();
  binary.bytes.clear();
  binary.bytes.shrink_to_fit();
  kernel->binary = std::move(binary);
  kernel->origin_ = origin;
  kernel->loaded = std::move(*loaded);
  kernel->device = backend->info().kind;
  this->loaded[spec.key()] = kernel;
  return kernel;
}

Result<std::shared_ptr<Kernel>> KernelStore::get(const KernelRequest &spec) {
  if (spec.op)
    if (std::string err = spec.op->verify(); !err.empty())
      return Status::error("invalid kernel request: " + err);
  std::string key = spec.key();
  if (auto it = loaded.find(key); it != loaded.end()) {
    ++stats_.reused;
    return it->second;
  }
  std::string elsewhere;
  auto bundled = fromBundles(spec, elsewhere);
  if (!bundled || *bundled)
    return bundled;
  // Not in a bundle: the tuning database decides what the heuristics would
  // (the decided specification keys the cache).
  if (!spec.op && !tuning.empty()) {
    KernelRequest tuned = spec;
    const std::string arch = backend->info().kind == DeviceKind::CPU
                                 ? std::string("host")
                                 : backend->info().arch;
    if (tuning.apply(arch, tuned.linear)) {
      log("kernel " + key + ": tiling from the tuning database");
      auto kernel = get(tuned);
      if (kernel)
        loaded[key] = *kernel;
      return kernel;
    }
  }
  std::string base;
  if (!cacheDir.empty())
    base = cacheDir + "/" + cacheTarget() + "/" +
           sha256Hex(compilerVersion() + "|" + cacheTarget() + "|" + key);
  if (!base.empty()) {
    auto cached = fromCache(spec, base);
    if (!cached || *cached)
      return cached;
  }
  if (!compiler) {
    std::string why = !options.jit ? "JIT compilation is off"
                                   : "this runtime was built without the "
                                     "compiler (AOT only)";
    return Status::error(
        "no kernel for layer " + key + " on " + backend->info().describe() +
        ": " + (bundles.empty() ? "no bundle given" : "no bundle has it") +
        (elsewhere.empty() ? "" : " (built for " + elsewhere + " only)") +
        (cacheDir.empty() ? "" : ", the cache " + cacheDir + " has no entry") +
        ", and " + why + "; build one with vptq-compile --arch " +
        (backend->info().kind == DeviceKind::CPU ? "host"
                                                 : backend->info().arch));
  }
  return compile(spec, base);
}
