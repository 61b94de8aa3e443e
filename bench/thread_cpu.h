#pragma once
// CPU time per thread of this process, read from /proc, so that an end-to-end benchmark can charge
// the daemon's threads (feed, engine, control) apart from the sandbox venues running beside them.
//
// Thread contract: free function; safe from any thread.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

namespace tradingd::bench {

// CPU seconds (user + system) used so far by each thread of this process, summed by thread name.
inline std::map<std::string, double> ThreadCpuSeconds() {
  std::map<std::string, double> cpu;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm_file(task.path() / "comm");
    std::string comm;
    std::getline(comm_file, comm);
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the ")" that closes the name: state is field 3, utime 14, stime 15.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    cpu[comm] += (utime + stime) / ticks;
  }
  return cpu;
}

}  // namespace tradingd::bench
