//===- FileOutputTest.cpp - Atomic files and staged folders ---------------===//

#include "vptq/Support/FileOutput.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

using namespace vptq::support;
namespace fs = std::filesystem;

namespace {

struct TempFolder {
  fs::path path;
  TempFolder() {
    path = fs::temp_directory_path() /
           ("vptq-fileoutput-" + std::to_string(getpid()) + "-" +
            std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempFolder() { fs::remove_all(path); }
  static inline int counter = 0;
};

std::string read(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The names in `dir`, hidden ones included.
std::vector<std::string> names(const fs::path &dir) {
  std::vector<std::string> out;
  for (const auto &e : fs::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

/// The id of a process that has exited (so its temporaries are stale).
pid_t deadProcess() {
  pid_t pid = fork();
  if (pid == 0)
    _exit(0);
  int status;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(AtomicFile, CommitReplacesAndDiscardLeavesNothing) {
  TempFolder t;
  fs::path target = t.path / "out.json";
  ASSERT_EQ(writeFileAtomically(target.string(), "old"), "");
  {
    AtomicFile f;
    ASSERT_EQ(f.open(target.string()), "");
    ASSERT_EQ(f.write("new, but never committed"), "");
    // Until commit the old file is what readers see.
    EXPECT_EQ(read(target), "old");
  }
  EXPECT_EQ(read(target), "old");
  EXPECT_EQ(names(t.path), std::vector<std::string>{"out.json"});
  ASSERT_EQ(writeFileAtomically(target.string(), "new"), "");
  EXPECT_EQ(read(target), "new");
  EXPECT_EQ(names(t.path), std::vector<std::string>{"out.json"});
}

TEST(AtomicFile, ErrorsNameThePath) {
  std::string err = writeFileAtomically("/nonexistent-dir/x.json", "x");
  EXPECT_NE(err.find("/nonexistent-dir/x.json"), std::string::npos) << err;
  EXPECT_NE(err.find("No such file or directory"), std::string::npos) << err;
  AtomicFile f;
  EXPECT_NE(f.write("x").find("not open"), std::string::npos);
}

TEST(StagedDirectory, RefusesAnExistingFolderWithoutReplace) {
  TempFolder t;
  fs::path target = t.path / "model";
  fs::create_directories(target);
  std::ofstream(target / "config.json") << "old";
  StagedDirectory staged;
  EXPECT_EQ(staged.begin(target.string(), false),
            target.string() + " already exists (pass --force to replace it)");
  StagedDirectory other;
  EXPECT_EQ(other.begin(target.string(), false, "--overwrite"),
            target.string() +
                " already exists (pass --overwrite to replace it)");
  std::ofstream(t.path / "file") << "x";
  StagedDirectory notFolder;
  EXPECT_EQ(notFolder.begin((t.path / "file").string(), true),
            (t.path / "file").string() + " exists and is not a folder");
  EXPECT_EQ(read(target / "config.json"), "old");
}

TEST(StagedDirectory, ReplacesWholeOnCommit) {
  TempFolder t;
  fs::path target = t.path / "model";
  fs::create_directories(target);
  std::ofstream(target / "old-only") << "old";
  std::ofstream(target / "config.json") << "old";
  {
    StagedDirectory staged;
    ASSERT_EQ(staged.begin(target.string() + "/", true), "");
    ASSERT_EQ(writeFileAtomically(staged.path() + "/config.json", "new"), "");
    fs::create_directories(staged.path() + "/host");
    ASSERT_EQ(writeFileAtomically(staged.path() + "/host/kernels.so", "so"),
              "");
    // Before the commit, the old folder is untouched.
    EXPECT_EQ(read(target / "config.json"), "old");
    ASSERT_EQ(staged.commit(), "");
  }
  EXPECT_EQ(names(target), (std::vector<std::string>{"config.json", "host"}));
  EXPECT_EQ(read(target / "config.json"), "new");
  EXPECT_EQ(read(target / "host/kernels.so"), "so");
  // Nothing is left beside it.
  EXPECT_EQ(names(t.path), std::vector<std::string>{"model"});
}

TEST(StagedDirectory, AbandonedStagingIsRemoved) {
  TempFolder t;
  fs::path target = t.path / "bundle";
  {
    StagedDirectory staged;
    ASSERT_EQ(staged.begin(target.string(), false), "");
    ASSERT_EQ(writeFileAtomically(staged.path() + "/manifest.json", "{}"), "");
  }
  EXPECT_TRUE(names(t.path).empty());
}

TEST(StaleTemporaries, OnlyThoseOfDeadWritersAreRemoved) {
  TempFolder t;
  pid_t dead = deadProcess();
  std::string stale = ".model.vptq-tmp." + std::to_string(dead) + ".0";
  std::string staleFile = ".x.json.vptq-tmp." + std::to_string(dead) + ".3";
  std::string live = ".model.vptq-tmp." + std::to_string(getppid()) + ".0";
  fs::create_directories(t.path / stale / "sub");
  std::ofstream(t.path / staleFile) << "half";
  fs::create_directories(t.path / live);
  std::ofstream(t.path / ".hidden-but-ours-not") << "x";
  EXPECT_TRUE(isTemporaryName(stale));
  EXPECT_FALSE(isTemporaryName("model.vptq-tmp.12.0"));
  EXPECT_FALSE(isTemporaryName(".model.vptq-tmp.x.0"));
  removeStaleTemporaries(t.path.string());
  EXPECT_EQ(names(t.path),
            (std::vector<std::string>{".hidden-but-ours-not", live}));
  // A writer cleans its folder: a new file in it removes nothing live.
  fs::create_directories(t.path / stale);
  ASSERT_EQ(writeFileAtomically((t.path / "y").string(), "y"), "");
  EXPECT_EQ(names(t.path),
            (std::vector<std::string>{".hidden-but-ours-not", live, "y"}));
}

} // namespace
