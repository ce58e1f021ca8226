//===- BenchUtil.h - Helpers of the benchmark programs ----------*- C++ -*-===//
//
// Plain C++ shared by the programs under bench/ (they also run on the GPU
// machine, which has no LLVM): errors, argument reading, timing.
//
//===----------------------------------------------------------------------===//

#ifndef VPTQ_BENCH_BENCHUTIL_H
#define VPTQ_BENCH_BENCHUTIL_H

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace vptq::bench {

using Clock = std::chrono::steady_clock;

/// The program's name in messages; set by ArgReader.
inline std::string &programName() {
  static std::string name = "vptq-bench";
  return name;
}

[[noreturn]] inline void die(const std::string &message) {
  std::cerr << programName() << ": error: " << message << "\n";
  std::exit(2);
}

/// Reads "--flag value" command lines.
class ArgReader {
public:
  ArgReader(int argc, char **argv, std::string program)
      : args(argv + 1, argv + argc) {
    programName() = std::move(program);
  }
  /// Advances to the next argument; false after the last.
  bool next() { return ++at < args.size(); }
  const std::string &flag() const { return args[at]; }
  /// The value after the current flag.
  std::string value() {
    if (at + 1 >= args.size())
      die("missing value after " + flag());
    return args[++at];
  }
  /// The value as a comma-separated list of integers.
  std::vector<int64_t> intList() {
    std::vector<int64_t> out;
    std::stringstream list(value());
    for (std::string item; std::getline(list, item, ',');)
      out.push_back(std::stoll(item));
    return out;
  }
  [[noreturn]] void unknown() const {
    die("unknown argument '" + flag() + "' (see --help)");
  }

private:
  std::vector<std::string> args;
  size_t at = size_t(-1);
};

inline double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start)
      .count();
}

inline double median(std::vector<double> v) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace vptq::bench

#endif // VPTQ_BENCH_BENCHUTIL_H
