//===- HostCPU.cpp - What the host CPU is and can run ---------------------===//

#include "../Backend.h"
#include "vptq/ABI/Sha256.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace vptq::runtime;
using namespace vptq::runtime::detail;

const HostCPU &vptq::runtime::detail::getHostCPU() {
  static const HostCPU cpu = [] {
    HostCPU c;
    std::ifstream in("/proc/cpuinfo");
    std::string line, flags;
    while (std::getline(in, line)) {
      auto colon = line.find(':');
      if (colon == std::string::npos)
        continue;
      std::string key =
          line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
      std::string value =
          colon + 2 <= line.size() ? line.substr(colon + 2) : "";
      if (key == "model name" && c.name.empty())
        c.name = value;
      else if (key == "flags" && flags.empty())
        flags = value;
    }
    std::istringstream words(flags);
    for (std::string flag; words >> flag;)
      c.flags.push_back(flag);
    std::sort(c.flags.begin(), c.flags.end());
    if (c.name.empty())
      c.name = "host CPU";
    c.threads = int(std::max(1u, std::thread::hardware_concurrency()));
    long pages = sysconf(_SC_PHYS_PAGES), pageSize = sysconf(_SC_PAGESIZE);
    if (pages > 0 && pageSize > 0)
      c.memoryBytes = uint64_t(pages) * uint64_t(pageSize);
    c.cacheTarget = "host-" + sha256Hex(c.name + "|" + flags).substr(0, 12);
    return c;
  }();
  return cpu;
}

std::vector<std::string>
vptq::runtime::detail::missingCPUFeatures(const std::string &features) {
  // LLVM x86 feature names whose /proc/cpuinfo flag differs or that matter
  // for generated code; others are compared by the same name.
  static const std::map<std::string, std::string> kFlagOf = {
      {"sse4.1", "sse4_1"},
      {"sse4.2", "sse4_2"},
      {"avx512bf16", "avx512_bf16"},
      {"avx512fp16", "avx512_fp16"},
      {"avx512vnni", "avx512_vnni"},
      {"avx512vbmi", "avx512vbmi"},
      {"avxvnni", "avx_vnni"},
      {"bmi", "bmi1"},
      {"cx16", "cx16"},
      {"amx-bf16", "amx_bf16"},
      {"amx-tile", "amx_tile"},
      {"amx-int8", "amx_int8"}};
  // Only ISA extensions are checked; tuning features have no flag.
  static const std::set<std::string> kChecked = {
      "sse4.1",     "sse4.2",     "avx",      "avx2",       "fma",
      "f16c",       "bmi",        "bmi2",     "avx512f",    "avx512bw",
      "avx512dq",   "avx512vl",   "avx512cd", "avx512bf16", "avx512fp16",
      "avx512vnni", "avx512vbmi", "avxvnni",  "amx-bf16",   "amx-tile",
      "amx-int8"};
  const HostCPU &cpu = getHostCPU();
  std::vector<std::string> missing;
  if (cpu.flags.empty())
    return missing; // Not x86 Linux, or no /proc: nothing to check against.
  std::istringstream list(features);
  for (std::string f; std::getline(list, f, ',');) {
    if (f.size() < 2 || f[0] != '+')
      continue;
    std::string name = f.substr(1);
    if (!kChecked.count(name))
      continue;
    auto mapped = kFlagOf.find(name);
    const std::string &flag = mapped == kFlagOf.end() ? name : mapped->second;
    if (!std::binary_search(cpu.flags.begin(), cpu.flags.end(), flag))
      missing.push_back(name);
  }
  return missing;
}
