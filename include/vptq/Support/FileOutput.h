//===- FileOutput.h - Atomic, checked outputs -------------------*- C++ -*-===//
//
// Support owns how vptq-mlir writes to disk. Every output the tools and the
// runtime produce (model folders, kernel bundles, cache entries, tuning
// databases, single files) is written into a hidden temporary sibling, each
// write is checked, the data is fsynced, and the temporary is renamed into
// place, so a reader sees the previous output or the new one, never a part of
// either. Temporaries left by killed processes are removed by the next
// writer. Plain C++ (POSIX), no LLVM: the runtime without MLIR uses it too.
//
// For fault tests, the environment variable VPTQ_TEST_FAULT injects faults
// into every write of the process: `enospc-after=N` fails writes with ENOSPC
// once N bytes were written, `kill-after=N` kills the process (SIGKILL) at
// that point.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_SUPPORT_FILEOUTPUT_H
#define VPTQ_SUPPORT_FILEOUTPUT_H

#include <cstddef>
#include <string>
#include <string_view>

namespace vptq::support {

/// A file written under a temporary name and renamed to its path by
/// commit(); destroyed uncommitted, the temporary is removed.
class AtomicFile {
public:
  AtomicFile() = default;
  AtomicFile(AtomicFile &&other) noexcept;
  AtomicFile &operator=(AtomicFile &&other) noexcept;
  AtomicFile(const AtomicFile &) = delete;
  AtomicFile &operator=(const AtomicFile &) = delete;
  ~AtomicFile();

  /// Opens a temporary sibling of `path`; returns "" or a message naming it.
  std::string open(const std::string &path);
  /// Appends bytes; every byte is written or a message says why not.
  std::string write(const void *data, size_t size);
  std::string write(std::string_view text) {
    return write(text.data(), text.size());
  }
  /// Flushes the data to disk and renames the file into place.
  std::string commit();
  /// The path the file will have.
  const std::string &path() const { return target; }

private:
  void discard();
  std::string target, temporary;
  int fd = -1;
};

/// Writes `bytes` to `path` atomically (AtomicFile); "" or a message.
std::string writeFileAtomically(const std::string &path,
                                std::string_view bytes);

/// An output folder built beside its final place and moved there whole by
/// commit(): a reader of the target sees the old folder or the complete new
/// one. Destroyed uncommitted, the staging folder is removed.
class StagedDirectory {
public:
  StagedDirectory() = default;
  StagedDirectory(const StagedDirectory &) = delete;
  StagedDirectory &operator=(const StagedDirectory &) = delete;
  ~StagedDirectory();

  /// Prepares to write `target`. An existing target is refused unless
  /// `replace`, with a message naming it and `replaceFlag`; staging folders
  /// of killed earlier runs are removed.
  std::string begin(const std::string &target, bool replace,
                    const std::string &replaceFlag = "--force");
  /// The folder to write into.
  const std::string &path() const { return staging; }
  /// Flushes every file to disk, then moves the folder into place (an
  /// existing target is exchanged atomically and then removed).
  std::string commit();

private:
  std::string target, staging;
  bool committed = false;
};

/// Removes this project's temporaries in `dir` (files and folders) whose
/// writing process is gone.
void removeStaleTemporaries(const std::string &dir);

/// Whether `name` is the name of one of this project's temporaries.
bool isTemporaryName(std::string_view name);

} // namespace vptq::support

#endif // VPTQ_SUPPORT_FILEOUTPUT_H
