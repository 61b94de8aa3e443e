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
//  - Kraken SDK book captures (kraken/orderbook-v2.json): one JSON document
//    {"init": <v2 book snapshot>, "updates": [<v2 book update>, ...]} (pretty-printed or not) →
//    one kFrame for "init", then one per update, in that order; the payload is the message's text
//    minified (whitespace outside strings removed; numbers keep the file's spelling). The time is
//    the message's "timestamp" (RFC 3339), or its first data element's; a message without one takes
//    the previous message's, and messages before the first timestamp take that one (0 if none).
//    `line` is where the message starts in the file.
//  - One raw JSON message a line (Bybit's order-book archive lines, CRLF or LF) → kFrame, the time
//    from the message's integer "ts" in milliseconds. A line that is not a JSON object with "ts" is
//    a bad line.
//  - ZIP archives (Bybit's xrpusdt-ob500.data.zip) holding files in any of the formats above:
//    every member is read, in central-directory order (directories skipped), as if it were a file
//    of its own but with the archive's file_index and symbol hint; `line` counts within the member,
//    and bad lines are reported as "archive.zip/member:line". Stored and deflate members only.
// Formats are detected by content, never by file name: gzip and ZIP by their signatures; text
// whose first non-blank byte is '{' is one message a line when its first line is a whole JSON
// object without "init"/"updates" keys, and otherwise must be a Kraken SDK document.
// Lines that fit none of the line formats are counted and the first few described; they never stop
// the load. The whole-file structures are different: a damaged ZIP archive (bad signature, size
// past the end of the file, CRC mismatch, truncation, ZIP64, encryption, more than 1 GiB inflated)
// or Kraken document (not valid JSON, no "init" object, "updates" not an array of objects, an
// unreadable "timestamp") fails the load with a Status naming the file and the problem.
//
// Memory: each file (ZIP member) is read (decompressed) into one arena string followed by
// kCapturePadding spaces (a Kraken document's minified messages get an arena of their own, one a
// line), and records are string_views into it, so every payload is followed by at least 64
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

// Loads and merges the files. Fails when a file cannot be opened or read at all, or when a ZIP
// archive or Kraken document is malformed (see above); the Status names the file.
core::Result<Capture> LoadCapture(std::span<const std::filesystem::path> files);
core::Result<Capture> LoadCapture(const std::filesystem::path& file);

// "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000" → "BTCUSDT"; empty when the URL
// has no symbol parameter.
std::string_view RestUrlSymbol(std::string_view url);

}  // namespace tradingd::feeds
