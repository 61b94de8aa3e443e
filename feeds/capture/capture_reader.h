#pragma once
// Recorded market-data captures, loaded whole into memory for replay and tests.
//
// Formats (see ../shared/fixtures/README.md):
//  - cryptofeed raw-data text files (<EXCH>.ws.N.0, <EXCH>.http.0.0, <EXCH>.0), one record a line:
//      wss://url <-> <unix_s>            connection opened       → kConnectionOpened (url kept)
//      wss://url <- <unix_s>: <json>     sent by the client      → skipped
//      <unix_s>: <json>                  frame received          → kFrame (url: the open connection)
//      https://url?query -> <unix_s>: <body>  REST response      → kRestResponse
//      configuration: {...}              the recorder's settings → skipped
//  - hftbacktest collector files (gzip or plain): "<unix_ns> <json>" a line; a line whose JSON
//    starts with {"lastUpdateId" is a REST depth snapshot (kRestResponse without a URL; `symbol` is
//    taken from the file name, "btcusdt_20240808.gz" → "BTCUSDT").
// Gzip is detected by content, not by name. Lines that fit none of these are counted and the first
// few described; they never stop the load.
//
// Memory: each file is read (decompressed) into one arena string followed by kCapturePadding
// spaces, and records are string_views into it, so every payload is followed by at least 64
// readable bytes (its own line end, the next lines, then the padding): simdjson can parse it in
// place, exactly like a frame from net::WebSocketClient. The views live as long as the Capture.
//
// Thread contract: LoadCapture is a pure function; a Capture is an immutable value once loaded and
// may be read from any thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace tradingd::feeds {

inline constexpr std::size_t kCapturePadding = 64;

enum class CaptureKind : std::uint8_t {
  kFrame,             // a WebSocket message received
  kRestResponse,      // a REST response body
  kConnectionOpened,  // a WebSocket connection opened; `url` names the subscribed streams
};
const char* CaptureKindName(CaptureKind kind);

struct CaptureRecord {
  CaptureKind kind = CaptureKind::kFrame;
  std::int64_t timestamp_ns = 0;  // the recorder's receive time, Unix epoch
  std::string_view url;           // REST URL, or the WebSocket URL of the connection; may be empty
  std::string_view payload;       // JSON text; followed by >= kCapturePadding readable bytes
  std::string_view symbol;        // REST: symbol= query parameter or the file-name hint; else empty
  std::uint32_t file_index = 0;   // position of the file in the LoadCapture argument
  std::uint32_t line = 0;         // 1-based line in that file
};

struct CaptureStats {
  std::uint64_t lines = 0;
  std::uint64_t records = 0;
  std::uint64_t skipped = 0;    // client-sent frames, configuration lines, blank lines
  std::uint64_t bad_lines = 0;  // lines that fit no format
  std::vector<std::string> errors;  // the first few bad lines and I/O problems, with file:line
};

class Capture {
 public:
  Capture() = default;
  Capture(Capture&&) = default;
  Capture& operator=(Capture&&) = default;

  // All records of all files, merged by timestamp; records of one file keep their file order, and
  // on equal timestamps the earlier file comes first.
  const std::vector<CaptureRecord>& records() const { return records_; }
  const CaptureStats& stats() const { return stats_; }

 private:
  friend core::Result<Capture> LoadCapture(std::span<const std::filesystem::path> files);
  std::vector<std::unique_ptr<std::string>> storage_;  // arenas and file-name hints; stable
  std::vector<CaptureRecord> records_;
  CaptureStats stats_;
};

// Loads and merges the files. Fails only when a file cannot be opened or read at all.
core::Result<Capture> LoadCapture(std::span<const std::filesystem::path> files);
core::Result<Capture> LoadCapture(const std::filesystem::path& file);

// "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000" → "BTCUSDT"; empty when the URL
// has no symbol parameter.
std::string_view RestUrlSymbol(std::string_view url);

}  // namespace tradingd::feeds
