#pragma once
// The sandbox Binance spot venue: an in-process server on loopback that speaks Binance's real wire
// formats, so the daemon, the tests and the benchmarks run without the internet.
//
// One net::HttpServer serves both
//   WebSocket  /stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade (combined
//              payloads {"stream":..,"data":..}), /ws/<stream> (raw payloads), and the live
//              SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY methods.
//              Streams: <symbol>@depth (1000 ms), @depth@1000ms, @depth@100ms, @bookTicker, @trade.
//              The server pings every ping_interval; Beast answers the client's pongs.
//   REST       GET /api/v3/depth, /api/v3/exchangeInfo, /api/v3/ping, /api/v3/time, with Binance's
//              error bodies ({"code":-1121,"msg":"Invalid symbol."}) and X-MBX-USED-WEIGHT-1M.
//   admin      POST /_sim/fault {"fault":"drop"|"gap"|"malformed"|"silence","symbol":..,
//              "duration_ms":..}, POST /_sim/pause, POST /_sim/resume, GET /_sim/stats.
//
// The market is either synthetic (sim/common/synthetic_market.h: one seeded book per symbol,
// changes generated in logical steps so that a seed gives the same diffs whatever the timing), a
// flood of small diffs as fast as the sockets drain (benchmarks), or a replay of a recorded
// capture.
//
// Thread contract: everything runs on the io_context the owner supplies, which should be run by one
// thread. Start() is called before that thread runs the io_context (or on it). Every other public
// method may be called from any thread: from a foreign thread it posts to the io thread and waits
// until the call has taken effect there, so when DropConnections() returns the sockets are cut and
// when BookSnapshot() returns the book is the one the io thread had at that moment. (Calls from a
// foreign thread therefore need the io thread to be running.) counters() reads atomics.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "sim/common/synthetic_market.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::sim::binance {

// BTCUSDT (tick 0.01, lot 0.00001, ~60,000) and ETHUSDT (tick 0.01, lot 0.0001, ~3,000).
std::vector<SymbolSpec> DefaultSymbols();

enum class ReplayPace : std::uint8_t {
  kRecorded,         // frames leave at the recorded intervals
  kAsFastAsPossible  // as fast as the sockets drain (bounded by max_queued_writes)
};

struct ReplayFile {
  // hftbacktest collector text (gzip or plain: "<ns> <json>" per line) or a cryptofeed raw-data
  // file ("<ts>: <json>", "<url> -> <ts>: <body>").
  std::string path;
  // The symbol of REST snapshots logged without their URL (hftbacktest), "BTCUSDT".
  std::string symbol;
};

struct BinanceSimOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port; port() tells which
  std::vector<SymbolSpec> symbols = DefaultSymbols();

  std::uint64_t seed = 1;
  // Book changes (update ids) per second and symbol in the synthetic market.
  int changes_per_second = 200;
  // The market advances in logical steps of this length; diffs are cut every N steps. Timing
  // only paces the steps, so the content depends on the seed and the step count alone.
  std::chrono::milliseconds step_interval{10};
  std::chrono::milliseconds depth_interval{100};        // <symbol>@depth@100ms
  std::chrono::milliseconds slow_depth_interval{1000};  // <symbol>@depth, @depth@1000ms
  std::chrono::milliseconds ping_interval{20000};       // Binance spot pings every 20 s; 0: never
  // The market stands still until Resume(): lets a test subscribe before the first change.
  bool start_paused = false;
  std::uint64_t first_update_id = 1'000'000'000;
  std::uint64_t first_trade_id = 100'000'000;

  // Flood mode (benchmarks): depth diffs of flood_changes_per_diff changes each, sent as fast as
  // the subscribed sockets accept them, several frames per socket write (clients must not ping:
  // net::HttpServerOptions::coalesce_websocket_writes); generation backs off while any depth subscriber has more
  // than max_queued_writes frames queued, so memory stays bounded.
  bool flood = false;
  int flood_changes_per_diff = 5;
  std::size_t max_queued_writes = 256;

  // Replay mode: when non-empty, the recorded frames are served verbatim instead of the synthetic
  // market (filtered by the subscribed stream names), and /api/v3/depth answers with the recorded
  // snapshot. Playback starts when the first WebSocket client connects.
  std::vector<ReplayFile> replay_files;
  ReplayPace replay_pace = ReplayPace::kRecorded;

  // Event times ("E", "T", serverTime) come from this clock; null: the system clock.
  const core::Clock* clock = nullptr;
  std::size_t max_websocket_queue = 65536;
};

struct SimCounters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t frames_sent = 0;  // every text frame queued to a socket
  std::uint64_t depth_frames = 0;
  std::uint64_t book_ticker_frames = 0;
  std::uint64_t trade_frames = 0;
  std::uint64_t replay_frames = 0;
  std::uint64_t send_refused = 0;  // Send() returned false (closed or queue full)
  std::uint64_t pings_sent = 0;
  std::uint64_t rest_requests = 0;
  std::uint64_t book_changes = 0;  // synthetic changes generated, all symbols
  bool replay_done = false;
};

class BinanceSim {
 public:
  BinanceSim(boost::asio::io_context& io, BinanceSimOptions options);
  // Stops the server (see Stop()).
  ~BinanceSim();
  BinanceSim(const BinanceSim&) = delete;
  BinanceSim& operator=(const BinanceSim&) = delete;

  // Binds, starts accepting and starts the market; returns the bound port. Fails on a bad option
  // (unreadable replay file, no symbol) or when the port cannot be bound.
  core::Result<std::uint16_t> Start();
  // Stops the market, closes every socket and stops accepting.
  void Stop();

  std::uint16_t port() const;
  std::string ws_base_url() const;    // "ws://127.0.0.1:<port>"
  std::string http_base_url() const;  // "http://127.0.0.1:<port>"

  // Faults.
  // Cuts the TCP connection of every WebSocket client, without a close frame.
  void DropConnections();
  // The next depth diff of `symbol` (all symbols when empty) starts at least one update id after
  // the previous diff's u + 1: one change is applied to the book but never published.
  void SkipSequence(std::string_view symbol = {});
  // Sends one truncated (invalid JSON) frame to every WebSocket client.
  void SendMalformed();
  // Sends nothing at all (no data, no pings, no replies) for `duration`; the market keeps moving,
  // and the changes made meanwhile reach the clients in the first diff after the silence.
  void GoSilent(std::chrono::milliseconds duration);
  // Stops / restarts the market. Pause() publishes the pending diffs at once, so after it the
  // clients receive a last diff whose u equals BookSnapshot()'s last_update_id.
  void Pause();
  void Resume();

  // Inspection. The book of `symbol` (best `depth` levels a side, all when 0) with its last update
  // id, at kSimScale; nullopt for an unknown symbol or in replay mode.
  std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth = 0);
  SimCounters counters() const;
  // Waits until at least `count` WebSocket clients are connected; false on timeout.
  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::sim::binance
