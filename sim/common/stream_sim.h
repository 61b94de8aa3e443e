#pragma once
// The sandbox venue engine shared by Kraken, OKX, Bybit and Coinbase: venues whose market data is
// one WebSocket where the client subscribes channels by message and books arrive as a snapshot
// followed by updates. StreamSim owns what is the same for all of them — the loopback server, the
// seeded synthetic market (sim/common/synthetic_market.h) or a replayed capture, the pacing, the
// admin endpoints and the faults — and a StreamDialect supplies what is the venue's: the WebSocket
// path, one StreamSession per client that speaks the venue's protocol (subscribe messages, acks,
// snapshots, updates with the venue's sequence numbers and checksums, tickers, trades,
// heartbeats), and the public REST answers (instrument rules).
//
// Pacing. The market advances in logical steps (step_interval) of changes_per_second changes a
// second and symbol, and every cut_interval each symbol's changes since the previous cut go to
// every session as one BookCut: the final quantity of each level that changed, the trades, the new
// top of book. Before a client message reaches its session every symbol is cut, so that a snapshot
// a session sends in answer to a subscribe is always the state after a cut, and the next cut holds
// only changes the snapshot does not contain. The content of the market depends only on the seed
// and the step count (paused steps do not count).
//
// Faults: DropConnections, SendMalformed and GoSilent are the engine's (a silent venue sends
// nothing and answers nothing, and cuts wait until the silence ends, so the first cut after it holds
// every change made meanwhile); SkipSequence, CorruptChecksum and ResetSequence ask each session,
// because how an update is lost or a sequence restarts is the venue's protocol.
//
// Replay: when `replay` is set the recorded frames go, verbatim and at the recorded pace or as fast
// as the sockets drain, to every session that has subscribed something; there is no synthetic
// market then. Playback starts with the first subscription.
//
// Admin (same as the Binance sim): POST /_sim/fault {"fault":"drop"|"gap"|"malformed"|"silence"|
// "checksum"|"reset","symbol":..,"duration_ms":..}, POST /_sim/pause, /_sim/resume, GET /_sim/stats.
// A fault the venue does not have answers 400 and says so.
//
// Thread contract: everything runs on the io_context the owner supplies, run by ONE thread. Start()
// is called before that thread runs (or on it). The VenueSim methods may be called from any thread:
// from a foreign thread they post and wait for the io thread (which must then be running).
// Sessions and the dialect are called on the io thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "net/http_server.h"
#include "sim/common/synthetic_market.h"
#include "sim/common/venue_sim.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::sim {

// What a session and the dialect may read of the market. It lives as long as the sim, so a session
// may keep the one it was created with.
class StreamMarket {
 public:
  virtual ~StreamMarket() = default;
  virtual std::size_t symbol_count() const = 0;
  virtual const SymbolSpec& spec(std::size_t symbol) const = 0;
  // The symbol's current book (in replay mode: the initial synthetic book, never changed).
  virtual const SyntheticMarket& book(std::size_t symbol) const = 0;
  // The symbol whose SymbolSpec::symbol is exactly `venue_symbol`; nullopt when unknown.
  virtual std::optional<std::size_t> Find(std::string_view venue_symbol) const = 0;
  // Wall-clock time from the sim's clock, Unix epoch.
  virtual std::int64_t now_ns() const = 0;
  virtual bool replay() const = 0;
};

// One symbol's changes since its previous cut.
struct BookCut {
  std::size_t symbol = 0;
  // The levels that changed with their final quantity (0: the level is gone), best first.
  std::span<const BookLevel> bids;
  std::span<const BookLevel> asks;
  std::uint64_t first_update_id = 0;  // of the first change in the cut; 0 when no level changed
  std::uint64_t last_update_id = 0;   // the book's update id after the cut
  std::span<const TradePrint> trades;  // oldest first
  TopOfBook top;                       // after the cut
  bool top_changed = false;            // since the previous cut
  bool empty() const { return bids.empty() && asks.empty() && trades.empty() && !top_changed; }
};

// Where a session writes its frames (to its own client).
class StreamOutput {
 public:
  virtual ~StreamOutput() = default;
  virtual void Send(std::string text) = 0;
  // Ends the session the way the venue does after a protocol violation (a close frame).
  virtual void Close() = 0;
};

// One client connection's protocol state, in the venue's dialect.
class StreamSession {
 public:
  virtual ~StreamSession() = default;
  // Right after the upgrade (a venue that greets, such as Kraken's status message).
  virtual void OnOpen(StreamOutput& /*out*/) {}
  // A text message from the client: subscribe, unsubscribe, ping, ... Answer through `out`.
  virtual void OnClientText(std::string_view text, StreamOutput& out) = 0;
  // One symbol's cut; called for every symbol at every cut, also when the cut is empty (a venue
  // that sends on a timer, or idle heartbeats).
  virtual void OnBookCut(const BookCut& cut, StreamOutput& out) = 0;
  // Every StreamDialect::heartbeat_interval.
  virtual void OnHeartbeat(StreamOutput& /*out*/) {}
  // Replay mode: whether recorded frames go to this client (it has subscribed something).
  virtual bool subscribed() const = 0;

  // Faults, for one symbol; called only when the dialect says the venue has them.
  // The next update of the symbol's book that the client would see is lost: not sent, and the
  // venue's sequence (or checksum) moves on as if it had been.
  virtual void SkipUpdate(std::size_t /*symbol*/) {}
  // The next update of the symbol's book carries a wrong checksum.
  virtual void CorruptChecksum(std::size_t /*symbol*/) {}
  // The venue restarts the symbol's sequence now (a new snapshot with the restarted numbering),
  // if the client has subscribed the book.
  virtual void ResetSequence(std::size_t /*symbol*/, StreamOutput& /*out*/) {}
};

// The venue's side of the sim.
class StreamDialect {
 public:
  virtual ~StreamDialect() = default;
  // "kraken": for errors and logs.
  virtual std::string_view venue_name() const = 0;
  // The market-data path clients connect to ("/v2"); ws_url() is the server's base plus this.
  virtual std::string ws_path() const = 0;
  // Whether an upgrade to this path is accepted (otherwise 404).
  virtual bool AcceptsWebSocket(std::string_view path) const = 0;
  // A session for a client that connected to `target` (path and query).
  virtual std::unique_ptr<StreamSession> NewSession(std::string_view target,
                                                    const StreamMarket& market) = 0;
  // Every request outside /_sim/, in the venue's shapes (unknown paths get the venue's 404).
  virtual net::ServerResponse HandleRest(const net::ServerRequest& request,
                                         const StreamMarket& market) = 0;
  // The faults the venue's protocol can show (StreamSession's fault methods).
  virtual bool can_skip_update() const = 0;
  virtual bool has_checksum() const { return false; }
  virtual bool has_sequence_reset() const { return false; }
  // 0: the venue sends no heartbeats of its own.
  virtual std::chrono::milliseconds heartbeat_interval() const {
    return std::chrono::milliseconds(0);
  }
};

struct RecordedFrame {
  std::int64_t time_ns = 0;  // the recorder's receive time
  std::string text;
};

struct StreamSimOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: an ephemeral port
  std::vector<SymbolSpec> symbols;
  std::uint64_t seed = 1;
  int changes_per_second = 200;  // per symbol
  std::chrono::milliseconds step_interval{10};
  std::chrono::milliseconds cut_interval{100};
  bool start_paused = false;
  std::uint64_t first_update_id = 1'000'000;
  std::uint64_t first_trade_id = 10'000'000;
  // Replay mode when non-empty.
  std::vector<RecordedFrame> replay;
  ReplayPace replay_pace = ReplayPace::kRecorded;
  const core::Clock* clock = nullptr;  // null: the system clock
  std::size_t max_websocket_queue = 65536;
  std::size_t max_queued_writes = 256;  // as-fast-as-possible replay backs off above this
};

struct StreamSimCounters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t send_refused = 0;
  std::uint64_t client_messages = 0;
  std::uint64_t rest_requests = 0;
  std::uint64_t book_changes = 0;
  std::uint64_t cuts = 0;
  std::uint64_t replay_frames = 0;
  bool replay_done = false;
};

class StreamSim final : public VenueSim {
 public:
  StreamSim(boost::asio::io_context& io, StreamSimOptions options,
            std::unique_ptr<StreamDialect> dialect);
  ~StreamSim() override;
  StreamSim(const StreamSim&) = delete;
  StreamSim& operator=(const StreamSim&) = delete;

  core::Result<std::uint16_t> Start() override;
  void Stop() override;
  std::string ws_url() const override;    // "ws://127.0.0.1:<port>" + dialect's ws_path()
  std::string rest_url() const override;  // "http://127.0.0.1:<port>"
  std::uint16_t port() const;

  void DropConnections() override;
  bool SkipSequence(std::string_view symbol = {}) override;
  void SendMalformed() override;
  void GoSilent(std::chrono::milliseconds duration) override;
  bool CorruptChecksum(std::string_view symbol = {}) override;
  bool ResetSequence(std::string_view symbol = {}) override;
  void Pause() override;
  void Resume() override;
  std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth = 0) override;
  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) override;

  StreamSimCounters counters() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::sim
