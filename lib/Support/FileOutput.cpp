//===- FileOutput.cpp - Atomic, checked outputs ---------------------------===//

#include "vptq/Support/FileOutput.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace vptq::support;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTag = ".vptq-tmp.";

std::string errnoText(int error) { return std::strerror(error); }

/// The parent folder of `path` ("." for a bare name).
std::string parentOf(const std::string &path) {
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

/// `.NAME.vptq-tmp.PID.N` beside `path`: hidden, unique in this process,
/// and tied to the writing process so that later writers can tell stale
/// ones.
std::string temporarySibling(const std::string &path) {
  static std::atomic<unsigned long> counter{0};
  fs::path p(path);
  std::string name = p.filename().string();
  if (name.empty() || name == "." || name == "..")
    name = "output";
  std::string tmp = "." + name + std::string(kTag) + std::to_string(getpid()) +
                    "." + std::to_string(counter++);
  return (p.parent_path() / tmp).string();
}

/// Faults injected by VPTQ_TEST_FAULT (see the header).
struct FaultPlan {
  enum Kind { None, NoSpace, Kill } kind = None;
  unsigned long long after = 0;
  std::atomic<unsigned long long> written{0};

  FaultPlan() {
    const char *spec = std::getenv("VPTQ_TEST_FAULT");
    if (!spec || !*spec)
      return;
    std::string s(spec);
    auto parse = [&](const char *prefix, Kind k) {
      size_t n = std::strlen(prefix);
      if (s.compare(0, n, prefix) != 0)
        return false;
      kind = k;
      after = std::strtoull(s.c_str() + n, nullptr, 10);
      return true;
    };
    if (!parse("enospc-after=", NoSpace) && !parse("kill-after=", Kill))
      std::fprintf(stderr, "warning: VPTQ_TEST_FAULT='%s' is not "
                           "enospc-after=N or kill-after=N; ignored\n",
                   spec);
  }

  /// How many of `size` bytes may be written before the fault.
  size_t allow(size_t size) {
    if (kind == None)
      return size;
    unsigned long long before = written.fetch_add(size);
    if (before + size <= after)
      return size;
    return before >= after ? 0 : size_t(after - before);
  }
};

FaultPlan &faults() {
  static FaultPlan plan;
  return plan;
}

std::string syncDirectory(const std::string &dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return "cannot open " + dir + ": " + errnoText(errno);
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  // Some file systems cannot sync folders; the data is synced regardless.
  if (rc != 0 && error != EINVAL && error != EROFS)
    return "cannot sync " + dir + ": " + errnoText(error);
  return {};
}

std::string syncFile(const std::string &path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "cannot open " + path + ": " + errnoText(errno);
  int rc = ::fsync(fd);
  int error = errno;
  ::close(fd);
  if (rc != 0 && error != EINVAL)
    return "cannot sync " + path + ": " + errnoText(error);
  return {};
}

/// fsyncs every file and folder under `dir`, `dir` included.
std::string syncTree(const std::string &dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string p = it->path().string();
    if (it->is_symlink(ec))
      continue;
    std::string err = it->is_directory(ec) ? syncDirectory(p) : syncFile(p);
    if (!err.empty())
      return err;
  }
  if (ec)
    return "cannot list " + dir + ": " + ec.message();
  return syncDirectory(dir);
}

/// The writing process of a temporary's name, or 0.
pid_t writerOf(std::string_view name) {
  size_t at = name.find(kTag);
  if (at == std::string_view::npos)
    return 0;
  std::string rest(name.substr(at + kTag.size()));
  char *end = nullptr;
  long pid = std::strtol(rest.c_str(), &end, 10);
  if (end == rest.c_str() || *end != '.' || pid <= 0)
    return 0;
  return pid_t(pid);
}

} // namespace

bool vptq::support::isTemporaryName(std::string_view name) {
  return !name.empty() && name[0] == '.' && writerOf(name) != 0;
}

void vptq::support::removeStaleTemporaries(const std::string &dir) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end;
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!isTemporaryName(name))
      continue;
    pid_t pid = writerOf(name);
    if (pid == getpid() || ::kill(pid, 0) == 0 || errno != ESRCH)
      continue;
    std::error_code removeError;
    fs::remove_all(it->path(), removeError);
  }
}

//===----------------------------------------------------------------------===//
// AtomicFile
//===----------------------------------------------------------------------===//

AtomicFile::AtomicFile(AtomicFile &&other) noexcept { *this = std::move(other); }

AtomicFile &AtomicFile::operator=(AtomicFile &&other) noexcept {
  if (this != &other) {
    discard();
    target = std::move(other.target);
    temporary = std::move(other.temporary);
    fd = other.fd;
    other.fd = -1;
    other.temporary.clear();
  }
  return *this;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::discard() {
  if (fd >= 0)
    ::close(fd);
  fd = -1;
  if (!temporary.empty())
    ::unlink(temporary.c_str());
  temporary.clear();
}

std::string AtomicFile::open(const std::string &path) {
  discard();
  target = path;
  removeStaleTemporaries(parentOf(path));
  temporary = temporarySibling(path);
  fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
              0644);
  if (fd < 0) {
    std::string err = "cannot create " + temporary + " (to write " + path +
                      "): " + errnoText(errno);
    temporary.clear();
    return err;
  }
  return {};
}

std::string AtomicFile::write(const void *data, size_t size) {
  if (fd < 0)
    return "writing " + target + ": the file is not open";
  const char *bytes = static_cast<const char *>(data);
  while (size > 0) {
    size_t allowed = faults().allow(size);
    if (allowed < size && faults().kind == FaultPlan::Kill) {
      // Killed mid-write: what was allowed reaches the file first.
      if (allowed && ::write(fd, bytes, allowed) < 0)
        std::perror("write");
      std::raise(SIGKILL);
    }
    if (allowed == 0) {
      discard();
      return "writing " + target + " failed: " + errnoText(ENOSPC);
    }
    ssize_t n = ::write(fd, bytes, allowed);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int error = n < 0 ? errno : EIO;
      discard();
      return "writing " + target + " failed: " + errnoText(error);
    }
    bytes += n;
    size -= size_t(n);
  }
  return {};
}

std::string AtomicFile::commit() {
  if (fd < 0)
    return "writing " + target + ": the file is not open";
  if (::fsync(fd) != 0 && errno != EINVAL) {
    std::string err = "writing " + target + " failed: " + errnoText(errno);
    discard();
    return err;
  }
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) {
    std::string err = "writing " + target + " failed: " + errnoText(errno);
    discard();
    return err;
  }
  if (std::rename(temporary.c_str(), target.c_str()) != 0) {
    std::string err =
        "cannot move " + temporary + " to " + target + ": " + errnoText(errno);
    discard();
    return err;
  }
  temporary.clear();
  return syncDirectory(parentOf(target));
}

std::string vptq::support::writeFileAtomically(const std::string &path,
                                               std::string_view bytes) {
  AtomicFile file;
  if (std::string err = file.open(path); !err.empty())
    return err;
  if (std::string err = file.write(bytes); !err.empty())
    return err;
  return file.commit();
}

//===----------------------------------------------------------------------===//
// StagedDirectory
//===----------------------------------------------------------------------===//

namespace {

/// Staging folders not yet committed: a tool that exits on an error
/// (std::exit skips the destructors of locals) still removes them.
struct OpenStagings {
  std::mutex mutex;
  std::set<std::string> paths;

  static OpenStagings &get() {
    static OpenStagings *open = [] {
      auto *o = new OpenStagings();
      std::atexit([] { get().removeAll(); });
      return o;
    }();
    return *open;
  }
  void add(const std::string &p) {
    std::lock_guard<std::mutex> lock(mutex);
    paths.insert(p);
  }
  void remove(const std::string &p) {
    std::lock_guard<std::mutex> lock(mutex);
    paths.erase(p);
  }
  void removeAll() {
    std::lock_guard<std::mutex> lock(mutex);
    for (const std::string &p : paths) {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
    paths.clear();
  }
};

} // namespace

StagedDirectory::~StagedDirectory() {
  if (staging.empty())
    return;
  OpenStagings::get().remove(staging);
  if (!committed) {
    std::error_code ec;
    fs::remove_all(staging, ec);
  }
}

std::string StagedDirectory::begin(const std::string &path, bool replace,
                                   const std::string &replaceFlag) {
  // "out/" names the folder "out".
  std::string trimmed = path;
  while (trimmed.size() > 1 && trimmed.back() == '/')
    trimmed.pop_back();
  target = trimmed;
  committed = false;
  std::error_code ec;
  fs::file_status st = fs::symlink_status(target, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st))
      return target + " exists and is not a folder";
    if (!replace)
      return target + " already exists (pass " + replaceFlag +
             " to replace it)";
  }
  std::string parent = parentOf(target);
  fs::create_directories(parent, ec);
  if (ec)
    return "cannot create " + parent + ": " + ec.message();
  removeStaleTemporaries(parent);
  staging = temporarySibling(target);
  if (::mkdir(staging.c_str(), 0755) != 0) {
    std::string err = "cannot create " + staging + " (to write " + target +
                      "): " + errnoText(errno);
    staging.clear();
    return err;
  }
  OpenStagings::get().add(staging);
  return {};
}

std::string StagedDirectory::commit() {
  if (staging.empty() || committed)
    return "writing " + target + ": no staged folder to commit";
  if (std::string err = syncTree(staging); !err.empty())
    return err;
  std::error_code ec;
  if (fs::exists(fs::symlink_status(target, ec))) {
    // Exchange atomically, then remove the old folder, which is now at the
    // staging name (a kill in between leaves it there, as a stale
    // temporary).
    if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, target.c_str(),
                    RENAME_EXCHANGE) != 0)
      return "cannot replace " + target + " with " + staging + ": " +
             errnoText(errno);
    committed = true;
    fs::remove_all(staging, ec);
  } else {
    if (std::rename(staging.c_str(), target.c_str()) != 0)
      return "cannot move " + staging + " to " + target + ": " +
             errnoText(errno);
    committed = true;
  }
  OpenStagings::get().remove(staging);
  return syncDirectory(parentOf(target));
}
