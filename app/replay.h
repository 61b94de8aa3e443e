#pragma once
// `tradingd replay`: recorded captures through the same parser, sequencer and book code that the
// daemon runs, with a JSON report of what the books went through.
//
// Thread contract: runs on the calling thread only.

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/venue.h"

namespace tradingd::app {

struct ReplayOptions {
  core::Venue venue = core::Venue::kBinance;
  int repeat = 1;  // replays the loaded messages this many times, from fresh books each time
  std::vector<std::string> files;
  std::size_t book_depth_in_report = 1;  // levels of best bid/ask reported per book
};

// Loads the files into memory, replays them and returns the report as one JSON object.
core::Result<std::string> RunReplay(const ReplayOptions& options);

}  // namespace tradingd::app
