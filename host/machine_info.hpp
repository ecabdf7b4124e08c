#pragma once
// What benchmark and run summaries report about the machine: the CPU model and this process's peak memory.
#include <sys/resource.h>

#include <fstream>
#include <string>

namespace volley::host {

// "model name" of /proc/cpuinfo, or "unknown".
inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

// Peak resident set size of this process so far, MiB.
inline double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_maxrss) / 1024.0;
}

}  // namespace volley::host
