#pragma once
// `tradingd sim`: the sandbox Binance venue (spot, or USD-M futures with --futures) as a process of
// its own, until SIGINT or SIGTERM.
//
// Thread contract: runs on the calling (main) thread.

#include <cstdint>
#include <string>

namespace tradingd::app {

struct SimOptions {
  std::string listen = "127.0.0.1:9443";
  std::uint64_t seed = 42;
  int changes_per_second = 200;
  bool flood = false;
  // Serve Binance USD-M futures (/fapi/v1, futures payloads, futures symbols) instead of spot.
  bool futures = false;
};

// Returns the exit code.
int RunSim(const SimOptions& options);

}  // namespace tradingd::app
