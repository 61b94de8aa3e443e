#pragma once
// The sandbox Binance venue: an in-process server on loopback that speaks Binance's real wire
// formats, so the daemon, the tests and the benchmarks run without the internet. It is either the
// spot venue (the default) or the USD-M futures venue (BinanceSimOptions::futures), so that the
// same feed code runs `binance` and `binance-usdm` against it as against production.
//
// One net::HttpServer serves both
//   WebSocket  /stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade (combined
//              payloads {"stream":..,"data":..}), /ws/<stream> (raw payloads), and the live
//              SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS / SET_PROPERTY / GET_PROPERTY methods.
//              Spot streams: <symbol>@depth and @depth@1000ms (the slow diffs), @depth@100ms (the
//              fast ones), @bookTicker, @trade.
//              Futures streams: <symbol>@depth@0ms and @depth@100ms (the fast diffs), @depth
//              (Binance's 250 ms), @depth@250ms and @depth@500ms (the slow ones: the sim has two
//              diff speeds, depth_interval and slow_depth_interval, not four), @bookTicker, @trade.
//              Both: the partial book depth streams <symbol>@depth<N> (N = 5, 10, 20) at the same
//              speeds as the diffs (spot @100ms, none or @1000ms; futures @100ms, none, @250ms or
//              @500ms, no @0ms): the book's best N levels a side on every tick of that speed,
//              changed or not (not in flood mode). Spot's payload is {"lastUpdateId":..,"bids":..,
//              "asks":..} (only the combined stream names its symbol), futures' a depthUpdate with
//              the levels, u = the book's update id and pu = the previous message's u.
//              The server pings every ping_interval; Beast answers the client's pongs.
//   REST       spot:    GET /api/v3/depth (limit 1-5000, default 100), /api/v3/exchangeInfo,
//                       /api/v3/ping, /api/v3/time;
//              futures: GET /fapi/v1/depth (limit 5, 10, 20, 50, 100, 500 or 1000, default 500),
//                       /fapi/v1/exchangeInfo, /fapi/v1/ping, /fapi/v1/time.
//              The other market's paths answer 404 with an error body that names the market this
//              venue serves, so a client pointed at the wrong one fails at once. Binance's error
//              bodies ({"code":-1121,"msg":"Invalid symbol."}) and X-MBX-USED-WEIGHT-1M.
//   orders     spot only (sim/binance/binance_orders_sim.h): POST/DELETE/GET /api/v3/order, POST
//              /api/v3/order/test, GET/DELETE /api/v3/openOrders, GET /api/v3/myTrades, GET
//              /api/v3/account, signed with the sandbox keys (sandbox_keys()), matched by one
//              MatchingEngine against the synthetic books. The futures venue takes no orders: its
//              /fapi/v1/order answers 404 like any path it does not serve.
//   limits     REQUEST_WEIGHT per minute over every /api request (429 -1003, then 418 bans),
//              ORDERS per 10 s and per day (429 -1015), as BinanceSimOptions::rate_limits says.
//   admin      POST /_sim/fault {"fault":"drop"|"gap"|"malformed"|"silence","symbol":..,
//              "duration_ms":..}, POST /_sim/order-fault {"fault":"rate_limited"|"server_error"|
//              "accept_then_fail"|"accept_then_timeout","count":N,"retry_after_s":S},
//              POST /_sim/pause, POST /_sim/resume, GET /_sim/stats.
//
// Matching. Each live symbol is stepped through MatchingEngine::StepMarket, so the sandbox's
// resting orders fill from the market's own prints and from levels that cross them; takers
// consume the synthetic book through SyntheticMarket::Take, whose trades and level changes reach
// the public streams like any step's (trades at once, the levels in the next diff, bookTicker when
// the top moved; at once while paused). Replay mode lists the configured symbols as closed
// (-2010 "Market is closed."). Flood mode steps the markets directly: resting orders fill there
// only through CrossRestingOrders.
//
// Futures wire differences (see binance_wire.h): depth diffs carry "T" (transaction time) and
// "pu", the u of the previous diff of the same symbol and stream, which futures clients chain on
// instead of U == previous u + 1; bookTicker carries "e":"bookTicker", "T" and "E"; trades carry
// "X":"MARKET"; snapshots carry "E" and "T"; decimals are written at the symbol's precision.
// Update ids stay consecutive per symbol (U = pu + 1), unlike Binance's futures ids, which other
// symbols interleave: the futures rules accept both.
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
#include "sim/binance/binance_orders_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/common/venue_sim.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::sim::binance {

// Spot: BTCUSDT (tick 0.01, lot 0.00001, ~60,000) and ETHUSDT (tick 0.01, lot 0.0001, ~3,000).
std::vector<SymbolSpec> DefaultSymbols();
// USD-M perpetuals with Binance's rules: BTCUSDT (tick 0.10, lot 0.001, max 1,000, min notional
// 100, ~60,000) and ETHUSDT (tick 0.01, lot 0.001, max 10,000, min notional 20, ~3,000).
std::vector<SymbolSpec> DefaultUsdmSymbols();

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
  // false: Binance spot (/api/v3, spot payloads); true: Binance USD-M futures (/fapi/v1, futures
  // payloads with "pu"). A flag rather than a market enum: these are the only two Binance markets
  // whose market data the feeds speak, and the daemon picks one per venue.
  bool futures = false;
  // DefaultUsdmSymbols() suits futures mode better (futures ticks and lots); any spec works.
  std::vector<SymbolSpec> symbols = DefaultSymbols();

  std::uint64_t seed = 1;
  // Book changes (update ids) per second and symbol in the synthetic market.
  int changes_per_second = 200;
  // The market advances in logical steps of this length; diffs are cut every N steps. Timing
  // only paces the steps, so the content depends on the seed and the step count alone.
  std::chrono::milliseconds step_interval{10};
  // The fast diffs: spot @depth@100ms; futures @depth@100ms and @depth@0ms.
  std::chrono::milliseconds depth_interval{100};
  // The slow diffs: spot @depth and @depth@1000ms; futures @depth, @depth@250ms, @depth@500ms
  // (set 250 ms for Binance's futures default speed).
  std::chrono::milliseconds slow_depth_interval{1000};
  std::chrono::milliseconds ping_interval{20000};  // Binance spot pings every 20 s; 0: never
  // The market stands still until Resume(): lets a test subscribe before the first change.
  bool start_paused = false;
  std::uint64_t first_update_id = 1'000'000'000;
  std::uint64_t first_trade_id = 100'000'000;

  // Flood mode (benchmarks): depth diffs of flood_changes_per_diff changes each, sent as fast as
  // the subscribed sockets accept them, several frames per socket write (clients must not ping:
  // net::HttpServerOptions::coalesce_websocket_writes); generation backs off while any depth
  // subscriber has more than max_queued_writes frames queued, so memory stays bounded.
  bool flood = false;
  int flood_changes_per_diff = 5;
  std::size_t max_queued_writes = 256;

  // Replay mode: when non-empty, the recorded frames are served verbatim instead of the synthetic
  // market (filtered by the subscribed stream names), and /api/v3/depth (/fapi/v1/depth in
  // futures mode) answers with the recorded snapshot. Playback starts when the first WebSocket
  // client connects. Set `futures` to match the recording: the frames are not rewritten.
  std::vector<ReplayFile> replay_files;
  ReplayPace replay_pace = ReplayPace::kRecorded;

  // Event times ("E", "T", serverTime), the order entry's times and timestamp checks, and the
  // rate-limit windows come from this clock; null: the system clock.
  const core::Clock* clock = nullptr;
  std::size_t max_websocket_queue = 65536;

  // Spot order entry: the sandbox account (keys, fees, balances). Ignored in futures mode.
  BinanceOrderEntryOptions order_entry;
  // The REST limits of every /api request (request weight), and of new orders.
  BinanceRateLimitOptions rate_limits;
};

struct SimCounters {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t frames_sent = 0;  // every text frame queued to a socket
  std::uint64_t depth_frames = 0;
  std::uint64_t book_ticker_frames = 0;
  std::uint64_t trade_frames = 0;
  std::uint64_t partial_depth_frames = 0;
  std::uint64_t replay_frames = 0;
  std::uint64_t send_refused = 0;  // Send() returned false (closed or queue full)
  std::uint64_t pings_sent = 0;
  std::uint64_t rest_requests = 0;
  std::uint64_t book_changes = 0;  // synthetic changes generated, all symbols
  bool replay_done = false;
};

class BinanceSim final : public VenueSim {
 public:
  BinanceSim(boost::asio::io_context& io, BinanceSimOptions options);
  // Stops the server (see Stop()).
  ~BinanceSim() override;
  BinanceSim(const BinanceSim&) = delete;
  BinanceSim& operator=(const BinanceSim&) = delete;

  // Binds, starts accepting and starts the market; returns the bound port. Fails on a bad option
  // (unreadable replay file, no symbol) or when the port cannot be bound.
  core::Result<std::uint16_t> Start() override;
  // Stops the market, closes every socket and stops accepting.
  void Stop() override;

  std::uint16_t port() const;
  std::string ws_base_url() const;    // "ws://127.0.0.1:<port>"
  std::string http_base_url() const;  // "http://127.0.0.1:<port>"
  // VenueSim: Binance's ws_url setting is the base the feed appends its streams to.
  std::string ws_url() const override { return ws_base_url(); }
  std::string rest_url() const override { return http_base_url(); }

  // Faults.
  // Cuts the TCP connection of every WebSocket client, without a close frame.
  void DropConnections() override;
  // The next depth diff of `symbol` (all symbols when empty) starts at least one update id after
  // the previous diff's u + 1: one change is applied to the book but never published. In futures
  // mode that diff's pu is the lost change's id, not the previous diff's u, as when Binance loses
  // a diff: the pu chain breaks.
  bool SkipSequence(std::string_view symbol = {}) override;
  // Sends one truncated (invalid JSON) frame to every WebSocket client.
  void SendMalformed() override;
  // Sends nothing at all (no data, no pings, no replies) for `duration`; the market keeps moving,
  // and the changes made meanwhile reach the clients in the first diff after the silence.
  void GoSilent(std::chrono::milliseconds duration) override;
  // Stops / restarts the market. Pause() publishes the pending diffs and a partial depth message
  // on every partial stream at once, so after it the clients receive a last diff (partial depth
  // message) whose u (lastUpdateId) equals BookSnapshot()'s last_update_id.
  void Pause() override;
  void Resume() override;

  // Inspection. The book of `symbol` (best `depth` levels a side, all when 0) with its last update
  // id, at kSimScale; nullopt for an unknown symbol or in replay mode.
  std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth = 0) override;
  SimCounters counters() const;
  // Waits until at least `count` WebSocket clients are connected; false on timeout.
  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) override;

  // Order entry (spot; in futures mode, or with order_entry.enabled false, these keep VenueSim's
  // defaults: no keys, no balances, false). Assets and symbols are Binance's spellings ("BTC",
  // "BTCUSDT"); amounts at kSimScale.
  std::optional<SandboxKeys> sandbox_keys() const override;
  std::optional<Balance> SandboxBalance(std::string_view asset) override;
  bool SetSandboxBalance(std::string_view asset, std::int64_t free) override;
  std::vector<Order> SandboxOrders() override;
  // MatchingEngine::Cross, then what it triggered is published like a taker's trades.
  std::int64_t CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                  std::int64_t quantity) override;
  bool InjectOrderFault(OrderFault fault, int count = 1,
                        std::chrono::seconds retry_after = std::chrono::seconds(2)) override;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::sim::binance
