#pragma once
// Recorded Binance traffic for the simulator's replay mode: WebSocket frames and REST depth
// snapshots read from hftbacktest collector files ("<ns> <json>" per line, gzip or plain) and
// cryptofeed raw-data files ("<ts>: <json>", "<url> -> <ts>: <body>"). Frames are kept verbatim.
//
// Thread contract: a loaded ReplayLog is immutable; read it from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tradingd::sim::binance {

struct ReplayFrame {
  std::int64_t time_ns = 0;
  std::string stream;  // "btcusdt@depth@100ms"; empty when the frame is not a combined payload
  std::string text;    // the frame exactly as recorded
  // The raw-stream payload: the "data" value of a combined frame, else the whole text.
  std::string_view Payload() const;
};

struct ReplaySnapshot {
  std::int64_t time_ns = 0;
  std::string symbol;          // "BTCUSDT"
  std::string body;            // {"lastUpdateId":..,"bids":..,"asks":..} as recorded
  std::size_t next_frame = 0;  // index of the first frame recorded after it
};

struct ReplayLog {
  std::vector<ReplayFrame> frames;        // in time order
  std::vector<ReplaySnapshot> snapshots;  // in time order
};

// Reads and merges the files (by timestamp). `default_symbols[i]` names the snapshots of file i
// that were logged without their URL.
core::Result<ReplayLog> LoadReplayLog(const std::vector<std::string>& paths,
                                      const std::vector<std::string>& default_symbols);

}  // namespace tradingd::sim::binance
