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
// Order entry (when the dialect's order_entry() says the venue takes orders): StreamSim owns one
// MatchingEngine (sim/common/matching_engine.h) with one sandbox account, keyed by the dialect's
// SandboxKeys::api_key and funded by StreamSimOptions::sandbox_funding, and every configured symbol
// (closed in replay mode: orders are refused with Refusal::kMarketClosed). Every market step goes
// through MatchingEngine::StepMarket, so resting orders fill from the market's flow; what takers
// consume (the engine's Takes: trades and level changes) joins the symbol's changes and goes out
// in the next BookCut exactly as a step's changes do, with consecutive update ids (while paused,
// at once after the request, so that clients keep BookSnapshot()'s book). Cross fills
// (CrossRestingOrders) print nothing. A request the dialect's IsOrderEntry() claims goes to its
// HandleOrderEntry() with a StreamOrders (the engine, mutable, plus the keys and the clock); every
// other request to its HandleRest() with the read-only StreamMarket. Order events (the venue's user
// data stream) reach StreamDialect::OnOrderEvent and every session's OnOrderEvent as the engine
// makes them (a silent venue holds the sessions' ones, as copies, until the silence ends).
//
// Order faults (InjectOrderFault, for the next `count` requests IsOrderEntry() claims):
// kRateLimited answers the dialect's RateLimitedAnswer(banned = false) with a Retry-After header
// and throttles order entry for retry_after: an order-entry request before that has passed gets
// RateLimitedAnswer(banned = true) (the venue's ban, or the same refusal again for a venue without
// one) and consumes no armed fault; kServerError answers the dialect's ServerErrorAnswer() without
// calling the dialect; kAcceptThenFail calls HandleOrderEntry (the order is placed) and answers
// ServerErrorAnswer() instead; kAcceptThenTimeout calls it and never answers: the connection is
// held open until the sim stops.
//
// Admin (same as the Binance sim): POST /_sim/fault {"fault":"drop"|"gap"|"malformed"|"silence"|
// "checksum"|"reset","symbol":..,"duration_ms":..}, POST /_sim/pause, /_sim/resume, GET /_sim/stats,
// POST /_sim/order-fault {"fault":"rate_limited"|"server_error"|"accept_then_fail"|
// "accept_then_timeout","count":N,"retry_after_s":S} (400 for a venue that takes no orders).
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
#include "sim/common/matching_engine.h"
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
  // The sandbox's matching engine, read-only (a private stream's snapshots of orders and
  // balances); null when the venue takes no orders (or before Start).
  virtual const MatchingEngine* engine() const { return nullptr; }
};

// What a dialect's order entry works with, during StreamDialect::HandleOrderEntry (io thread). The
// engine is the only mutable part of the sim a dialect gets.
class StreamOrders {
 public:
  virtual ~StreamOrders() = default;
  virtual const StreamMarket& market() const = 0;
  virtual MatchingEngine& engine() = 0;
  // The credentials requests must carry; the engine's account is keys().api_key.
  virtual const SandboxKeys& keys() const = 0;
  // The sim's clock (request timestamps, receive windows, order times).
  virtual const core::Clock& clock() const = 0;
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

  // Order entry: every change of every sandbox order, as the engine makes it (a private stream's
  // messages; a market-data session ignores them). Called from inside the engine's methods: the
  // event's pointers are valid during the call only, and nothing may call the engine meanwhile.
  virtual void OnOrderEvent(const OrderEvent& /*event*/, StreamOutput& /*out*/) {}
};

// The order entry a dialect's venue offers: the matching engine's knobs and the sandbox account's
// credentials.
struct StreamOrderEntry {
  SandboxKeys keys;  // the engine's account is keys.api_key
  // Fee rates in parts per million of the fee basis (1000 = 0.1 %).
  std::int64_t maker_fee_ppm = 1000;
  std::int64_t taker_fee_ppm = 1000;
  FeeAsset fee_asset = FeeAsset::kReceived;
  FillOrKillPolicy fok_policy = FillOrKillPolicy::kExpire;
  PostOnlyPolicy post_only_policy = PostOnlyPolicy::kRefuse;
  bool refuse_immediate_trigger = true;
  std::uint64_t first_order_id = 1;
  std::string client_order_id_prefix = "sim-";
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
  // Every request outside /_sim/ that is not order entry (see IsOrderEntry), in the venue's shapes
  // (unknown paths get the venue's 404).
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

  // ---- order entry (a venue that takes orders overrides these; the defaults take none) ----

  // nullopt: the venue takes no orders (StreamSim then owns no engine and calls none of the
  // methods below). Read once, when the sim is constructed.
  virtual std::optional<StreamOrderEntry> order_entry() const { return std::nullopt; }
  // Whether a request is order entry (place, cancel, query, account): those go to
  // HandleOrderEntry, and order faults apply to them.
  virtual bool IsOrderEntry(const net::ServerRequest& /*request*/) const { return false; }
  // An order-entry request, in the venue's shapes: parse, authenticate with orders.keys(), call
  // orders.engine(), answer.
  virtual net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                               StreamOrders& orders) {
    return HandleRest(request, orders.market());
  }
  // The venue's refusal of `request` for going over its rate limit; `banned`: the request came
  // while an earlier refusal's Retry-After ran (the venue's ban, or the same refusal for a venue
  // without one). StreamSim adds a Retry-After header (seconds) when the answer has none.
  virtual net::ServerResponse RateLimitedAnswer(const net::ServerRequest& /*request*/,
                                                std::chrono::seconds /*retry_after*/,
                                                bool /*banned*/) const {
    net::ServerResponse response;
    response.status = 429;
    response.body = R"({"error":"rate limit exceeded"})";
    return response;
  }
  // The venue's answer to `request` when its backend fails (a 5xx in the venue's shape).
  virtual net::ServerResponse ServerErrorAnswer(const net::ServerRequest& /*request*/) const {
    net::ServerResponse response;
    response.status = 500;
    response.body = R"({"error":"internal error"})";
    return response;
  }
  // Every change of every sandbox order, as the engine makes it (before the sessions get it). The
  // event's pointers are valid during the call only; nothing may call the engine meanwhile.
  virtual void OnOrderEvent(const OrderEvent& /*event*/) {}
};

struct RecordedFrame {
  std::int64_t time_ns = 0;  // the recorder's receive time
  std::string text;
};

// The sandbox account's starting free balances (mantissas at kSimScale), when the venue takes
// orders: `balances` as given, then every other asset of the configured symbols: quote_balance
// when the asset is some symbol's quote, base_balance otherwise.
struct SandboxFunding {
  AssetAmounts balances = {{"BTC", 1'000'000'000},     // 10
                           {"ETH", 10'000'000'000}};  // 100
  std::int64_t quote_balance = 10'000'000'000'000;    // 100,000
  std::int64_t base_balance = 100'000'000'000;        // 1,000
};

// `funding.balances` completed with every asset of `symbols`, as SandboxFunding says.
AssetAmounts SandboxFundingBalances(const SandboxFunding& funding,
                                    std::span<const SymbolSpec> symbols);

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
  // The sandbox account's balances, when the dialect takes orders.
  SandboxFunding sandbox_funding;
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
  std::uint64_t order_requests = 0;  // requests the dialect's IsOrderEntry claimed
  std::uint64_t order_faults = 0;    // of them, answered (or held) by an order fault or a ban
  std::uint64_t held_answers = 0;    // kAcceptThenTimeout answers held now
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

  // Order entry; without it (the dialect's order_entry() is nullopt) the VenueSim defaults. Assets
  // are canonical names (case-insensitive), symbols the venue's spelling (SymbolSpec::symbol).
  std::optional<SandboxKeys> sandbox_keys() const override;
  std::optional<Balance> SandboxBalance(std::string_view asset) override;
  bool SetSandboxBalance(std::string_view asset, std::int64_t free) override;
  std::vector<Order> SandboxOrders() override;
  std::int64_t CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                  std::int64_t quantity) override;
  bool InjectOrderFault(OrderFault fault, int count = 1,
                        std::chrono::seconds retry_after = std::chrono::seconds(2)) override;

  StreamSimCounters counters() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::sim
