#include "sim/binance/binance_sim.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "core/json_writer.h"
#include "core/text.h"
#include "net/http_server.h"
#include "sim/binance/binance_orders_sim.h"
#include "sim/binance/binance_wire.h"
#include "sim/binance/replay_log.h"
#include "sim/common/http_query.h"
#include "sim/common/matching_engine.h"
#include "sim/common/sim_support.h"

namespace tradingd::sim::binance {

std::vector<SymbolSpec> DefaultSymbols() {
  SymbolSpec btc;
  btc.symbol = "BTCUSDT";
  btc.base = "BTC";
  btc.quote = "USDT";
  btc.tick_size = 1'000'000;            // 0.01
  btc.lot_size = 1'000;                 // 0.00001
  btc.start_price = 6'000'000'000'000;  // 60,000
  btc.max_quantity = 900'000'000'000;   // 9,000
  SymbolSpec eth;
  eth.symbol = "ETHUSDT";
  eth.base = "ETH";
  eth.quote = "USDT";
  eth.tick_size = 1'000'000;           // 0.01
  eth.lot_size = 10'000;               // 0.0001
  eth.start_price = 300'000'000'000;   // 3,000
  eth.max_quantity = 900'000'000'000;  // 9,000
  return {btc, eth};
}

std::vector<SymbolSpec> DefaultUsdmSymbols() {
  SymbolSpec btc;
  btc.symbol = "BTCUSDT";
  btc.base = "BTC";
  btc.quote = "USDT";
  btc.tick_size = 10'000'000;           // 0.10
  btc.lot_size = 100'000;               // 0.001
  btc.start_price = 6'000'000'000'000;  // 60,000
  btc.max_quantity = 100'000'000'000;   // 1,000
  btc.min_notional = 10'000'000'000;    // 100
  SymbolSpec eth;
  eth.symbol = "ETHUSDT";
  eth.base = "ETH";
  eth.quote = "USDT";
  eth.tick_size = 1'000'000;             // 0.01
  eth.lot_size = 100'000;                // 0.001
  eth.start_price = 300'000'000'000;     // 3,000
  eth.max_quantity = 1'000'000'000'000;  // 10,000
  eth.min_notional = 2'000'000'000;      // 20
  return {btc, eth};
}

namespace {

using Clock = std::chrono::steady_clock;

// Depth limits of GET /api/v3/depth and GET /fapi/v1/depth (which takes a fixed set of limits).
constexpr int kDefaultDepthLimit = 100;
constexpr int kMaxDepthLimit = 5000;
constexpr int kDefaultFuturesDepthLimit = 500;
constexpr int kExchangeInfoWeight = 20;
constexpr int kFuturesExchangeInfoWeight = 1;
// The REQUEST_WEIGHT limits per minute exchangeInfo reports (spot, USD-M futures).
constexpr int kSpotRequestWeightPerMinute = 6000;
constexpr int kFuturesRequestWeightPerMinute = 2400;
// A late step timer runs the missed steps at once, but a stall longer than this (a debugger, a
// suspended VM) is not replayed as a burst: the schedule restarts from now.
constexpr auto kMaxCatchUp = std::chrono::seconds(1);
// Flood and fast replay: diffs generated per handler run before yielding to the socket writes,
// and the pause before looking again when the queues are full.
constexpr int kFloodBatch = 256;
constexpr auto kBackoff = std::chrono::microseconds(500);
// A flood whose socket queue is full looks again this soon: a coalesced write of a full queue
// leaves the socket in tens of microseconds on loopback, and the pump must refill it before the
// reader runs dry.
constexpr auto kFloodBackoff = std::chrono::microseconds(50);

enum class StreamKind : std::uint8_t {
  kDepthFast,
  kDepthSlow,
  kPartialFast,  // <symbol>@depth<N>@100ms
  kPartialSlow,  // spot <symbol>@depth<N>, @depth<N>@1000ms; futures @depth<N>, @250ms, @500ms
  kBookTicker,
  kTrade,
  kReplay
};
constexpr std::size_t kStreamKinds = 7;

struct Subscription {
  std::size_t symbol = 0;  // index into symbols_ (unused for kReplay)
  StreamKind kind = StreamKind::kTrade;
  std::string name;  // as echoed in combined payloads: "btcusdt@depth@100ms"
  std::size_t levels = 0;  // partial depth: 5, 10 or 20
};

// "depth5", "depth10@100ms", "depth20@500ms": the level count and the speed suffix ("" or
// "@100ms", ...) of a partial book depth stream type (the name after "<symbol>@").
bool SplitPartialDepth(std::string_view type, std::size_t* levels, std::string_view* speed) {
  if (!type.starts_with("depth")) return false;
  type.remove_prefix(5);
  for (const std::size_t n : {std::size_t{5}, std::size_t{10}, std::size_t{20}}) {
    const std::string digits = std::to_string(n);
    if (!type.starts_with(digits)) continue;
    const std::string_view rest = type.substr(digits.size());
    if (!rest.empty() && rest.front() != '@') return false;
    *levels = n;
    *speed = rest;
    return true;
  }
  return false;
}

struct Client {
  std::uint64_t id = 0;
  std::shared_ptr<net::ServerWebSocket> ws;
  bool combined = false;
  bool closed = false;
  std::vector<Subscription> subs;
};

// Level changes since the last diff of one speed, aggregated like Binance: the last absolute
// quantity of each price, over the update ids first_id..last_id.
struct PendingDiff {
  std::uint64_t first_id = 0;
  std::uint64_t last_id = 0;
  // The u of the previous diff of this speed: futures' pu. It advances whether or not anyone
  // received that diff (the stream is the venue's, not the subscriber's), so a late subscriber's
  // first diff still chains on what came before.
  std::uint64_t previous_last_id = 0;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;

  bool empty() const { return first_id == 0; }
  void Record(const LevelChange& change) {
    if (first_id == 0) first_id = change.update_id;
    last_id = change.update_id;
    if (change.side == Side::kBid) {
      bids[change.price] = change.quantity;
    } else {
      asks[change.price] = change.quantity;
    }
  }
  // The diff is cut (sent, or lost): the next one chains on its u.
  void Cut() {
    if (!empty()) previous_last_id = last_id;
    first_id = last_id = 0;
    bids.clear();
    asks.clear();
  }
};

std::vector<BookLevel> ToLevels(const auto& map) {
  std::vector<BookLevel> levels;
  levels.reserve(map.size());
  for (const auto& [price, quantity] : map) levels.push_back({price, quantity});
  return levels;
}

// Binance's legal characters for a symbol parameter.
bool ValidSymbolText(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 20) return false;
  return std::all_of(symbol.begin(), symbol.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

net::ServerResponse JsonResponse(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

class BinanceSim::Impl : public std::enable_shared_from_this<BinanceSim::Impl> {
 public:
  Impl(boost::asio::io_context& io, BinanceSimOptions options)
      : io_(io),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? *options_.clock : core::SystemClock::Instance()),
        calls_(io),
        limits_(options_.rate_limits,
                options_.futures ? kFuturesRequestWeightPerMinute : kSpotRequestWeightPerMinute),
        step_timer_(io),
        ping_timer_(io),
        pump_timer_(io) {}

  // ---- lifecycle (io thread, or before it runs) ----

  core::Result<std::uint16_t> Start() {
    if (options_.symbols.empty() && options_.replay_files.empty()) {
      return core::Status(core::ErrorCode::kInvalidConfig, "the Binance sim needs a symbol");
    }
    replay_mode_ = !options_.replay_files.empty();
    if (replay_mode_) {
      std::vector<std::string> paths;
      std::vector<std::string> symbols;
      for (const ReplayFile& file : options_.replay_files) {
        paths.push_back(file.path);
        symbols.push_back(core::ToUpperAscii(file.symbol));
      }
      auto log = LoadReplayLog(paths, symbols);
      if (!log.ok()) return log.status();
      replay_ = std::move(log).value();
    }
    for (std::size_t i = 0; i < options_.symbols.size(); ++i) {
      SymbolState state;
      state.owner = this;
      state.index = i;
      state.spec = options_.symbols[i];
      state.spec.symbol = core::ToUpperAscii(state.spec.symbol);
      state.lower = core::ToLowerAscii(state.spec.symbol);
      state.market = std::make_unique<SyntheticMarket>(
          state.spec, MixSeed(options_.seed, i), options_.first_update_id, options_.first_trade_id);
      state.last_top = state.market->top();
      state.precision = FuturesPrecisionOf(state.spec);
      // The first diff chains on the update id of the initial book.
      state.fast.previous_last_id = state.market->last_update_id();
      state.slow.previous_last_id = state.market->last_update_id();
      state.partial_fast_last = state.market->last_update_id();
      state.partial_slow_last = state.market->last_update_id();
      symbol_index_[state.spec.symbol] = symbols_.size();
      symbols_.push_back(std::move(state));
    }
    subscriber_counts_.assign(symbols_.size(), {});
    paused_ = options_.start_paused;
    StartOrderEntry();

    net::HttpServerOptions server_options;
    server_options.address = options_.address;
    server_options.port = options_.port;
    server_options.max_websocket_queue = options_.max_websocket_queue;
    // Flood mode (benchmarks) sends frames in batches; its clients must not ping (see the option).
    server_options.coalesce_websocket_writes = options_.flood;
    std::weak_ptr<Impl> weak = weak_from_this();
    server_ = std::make_unique<net::HttpServer>(
        io_, server_options,
        [weak](net::ServerRequest&& request, net::HttpServer::Respond respond) {
          if (auto self = weak.lock()) {
            self->OnRequest(std::move(request), std::move(respond));
          } else {
            respond(JsonResponse(503, ErrorBody(-1000, "The server is shutting down.")));
          }
        });
    server_->EnableWebSockets(
        [](const net::ServerRequest& request) {
          const std::string_view path = request.Path();
          return path == "/stream" || path == "/ws" || path.starts_with("/ws/");
        },
        [weak](std::shared_ptr<net::ServerWebSocket> ws) {
          if (auto self = weak.lock()) {
            self->OnSocket(std::move(ws));
          } else {
            ws->Close();
          }
        });
    auto port = server_->Listen();
    if (!port.ok()) return port.status();
    port_.store(*port);
    running_ = true;

    calls_.MarkStarted();
    if (!replay_mode_) {
      next_step_ = Clock::now();
      if (options_.flood) {
        SchedulePump(std::chrono::microseconds(0));
      } else {
        ScheduleStep();
      }
    }
    SchedulePing();
    return *port;
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    step_timer_.cancel();
    ping_timer_.cancel();
    pump_timer_.cancel();
    auto clients = std::move(clients_);
    clients_.clear();
    for (auto& client : clients) {
      client->closed = true;
      client->ws->Close();
    }
    UpdateOpenConnections();
    if (server_) server_->Stop();
    // The answers a kAcceptThenTimeout fault held: their connections are closed now.
    if (orders_) orders_->ReleaseHeld();
  }

  template <typename F>
  auto Call(F&& fn) -> decltype(fn()) {
    return calls_.Call(std::forward<F>(fn));
  }

  std::uint16_t port() const { return port_.load(); }

  // ---- faults and inspection (io thread) ----

  void DropConnections() {
    auto clients = std::move(clients_);
    clients_.clear();
    for (auto& client : clients) {
      client->closed = true;
      client->ws->Drop();
    }
    RecountSubscribers();
    UpdateOpenConnections();
  }

  void SkipSequence(std::string_view symbol) {
    const std::string upper = core::ToUpperAscii(symbol);
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      if (!upper.empty() && symbols_[i].spec.symbol != upper) continue;
      SymbolState& state = symbols_[i];
      // The lost change must come first in the next diff, or the gap would hide inside it: publish
      // what is pending now (or, during a silence, lose it too: the gap only gets wider).
      if (Silent()) {
        state.fast.Cut();
        state.slow.Cut();
      } else {
        PublishDepth(i, state.fast, StreamKind::kDepthFast);
        PublishDepth(i, state.slow, StreamKind::kDepthSlow);
      }
      state.skip_next_change = true;
    }
    if (replay_mode_) replay_skip_ = upper.empty() ? std::string("*") : core::ToLowerAscii(upper);
  }

  void SendMalformed() {
    if (Silent()) return;
    for (auto& client : clients_) {
      if (client->closed) continue;
      const std::string stream =
          client->subs.empty() ? std::string("btcusdt@depth@100ms") : client->subs.front().name;
      std::string frame = CombinedFrame(
          stream,
          options_.futures
              ? R"({"e":"depthUpdate","E":1723161256299,"T":1723161256298,"s":"BTCUSDT",)"
                R"("U":1,"u":2,"pu":0,"b":[["617)"
              : R"({"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":1,"u":2,"b":[["617)");
      if (!client->combined) frame = frame.substr(frame.find(R"({"e")"));
      SendTo(*client, std::move(frame));
    }
  }

  void GoSilent(std::chrono::milliseconds duration) {
    silent_until_ = std::max(silent_until_, Clock::now() + duration);
  }

  void Pause() {
    paused_ = true;
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      PublishDepth(i, symbols_[i].fast, StreamKind::kDepthFast);
      PublishDepth(i, symbols_[i].slow, StreamKind::kDepthSlow);
      PublishPartial(i, StreamKind::kPartialFast);
      PublishPartial(i, StreamKind::kPartialSlow);
    }
  }

  void Resume() {
    paused_ = false;
    if (replay_mode_ && replay_started_) {
      replay_base_time_ = Clock::now();
      replay_base_ns_ =
          replay_next_ < replay_.frames.size() ? replay_.frames[replay_next_].time_ns : 0;
      SchedulePump(std::chrono::microseconds(0));
    }
  }

  std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth) {
    if (replay_mode_) return std::nullopt;
    auto it = symbol_index_.find(core::ToUpperAscii(symbol));
    if (it == symbol_index_.end()) return std::nullopt;
    return symbols_[it->second].market->Levels(depth);
  }

  SimCounters counters() const {
    SimCounters c;
    c.connections_accepted = connections_accepted_.load();
    c.connections_open = connections_.open();
    c.frames_sent = frames_sent_.load();
    c.depth_frames = depth_frames_.load();
    c.book_ticker_frames = book_ticker_frames_.load();
    c.trade_frames = trade_frames_.load();
    c.partial_depth_frames = partial_depth_frames_.load();
    c.replay_frames = replay_frames_.load();
    c.send_refused = send_refused_.load();
    c.pings_sent = pings_sent_.load();
    c.rest_requests = rest_requests_.load();
    c.book_changes = book_changes_.load();
    c.replay_done = replay_done_.load();
    return c;
  }

  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) {
    return connections_.WaitFor(count, timeout);
  }

  // ---- order entry (io thread) ----

  std::optional<SandboxKeys> sandbox_keys() const {
    if (!TakesOrders()) return std::nullopt;
    return SandboxKeys{options_.order_entry.api_key, options_.order_entry.api_secret, ""};
  }

  std::optional<Balance> SandboxBalance(std::string_view asset) {
    if (!engine_) return std::nullopt;
    return engine_->GetBalance(options_.order_entry.api_key, core::ToUpperAscii(asset));
  }

  bool SetSandboxBalance(std::string_view asset, std::int64_t free) {
    return engine_ &&
           engine_->SetFreeBalance(options_.order_entry.api_key, core::ToUpperAscii(asset), free);
  }

  std::vector<Order> SandboxOrders() {
    std::vector<Order> copies;
    if (!engine_) return copies;
    for (const Order* order : engine_->Orders(options_.order_entry.api_key)) {
      copies.push_back(*order);
    }
    return copies;
  }

  std::int64_t CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                  std::int64_t quantity) {
    if (!engine_) return 0;
    const std::int64_t filled = engine_->Cross(core::ToUpperAscii(symbol), aggressor, quantity);
    AfterEngineChange();  // triggered stops may have taken from the book
    return filled;
  }

  bool InjectOrderFault(OrderFault fault, int count, std::chrono::seconds retry_after) {
    if (!orders_ || count <= 0) return false;
    orders_->InjectFault(fault, count, retry_after);
    return true;
  }

 private:
  struct SymbolState : MarketListener {
    Impl* owner = nullptr;
    std::size_t index = 0;
    SymbolSpec spec;
    std::string lower;  // "btcusdt"
    std::unique_ptr<SyntheticMarket> market;
    FuturesPrecision precision;  // futures mode's decimal digits
    PendingDiff fast;            // spot @depth@100ms; futures @depth@100ms, @depth@0ms
    PendingDiff slow;            // spot @depth, @depth@1000ms; futures @depth, @250ms, @500ms
    // The book's update id when the last partial depth message of each speed went out (futures'
    // pu), whether or not anyone took it.
    std::uint64_t partial_fast_last = 0;
    std::uint64_t partial_slow_last = 0;
    TopOfBook last_top;
    bool skip_next_change = false;

    void OnTrade(const TradePrint& trade) override { owner->PublishTrade(index, trade); }
    void OnLevelChange(const LevelChange& change) override {
      if (skip_next_change) {
        skip_next_change = false;  // applied to the book, never published: a lost update
        // As if a one-change diff had been cut and lost: the next diff's pu is this change's id,
        // so a futures client sees the chain break. (Both pendings are empty here: SkipSequence
        // cut them, and this is the next change.)
        fast.previous_last_id = change.update_id;
        slow.previous_last_id = change.update_id;
        return;
      }
      fast.Record(change);
      slow.Record(change);
    }
  };

  bool Silent() const { return Clock::now() < silent_until_; }

  // Spot venues take orders unless the options say otherwise; futures never.
  bool TakesOrders() const { return !options_.futures && options_.order_entry.enabled; }

  // One matching engine for the venue, one sandbox account with every configured asset. Live
  // symbols are matched against their synthetic market (the SymbolState is the engine's
  // publisher, so what takers consume reaches the streams); in replay mode they are closed.
  void StartOrderEntry() {
    if (!TakesOrders()) return;
    MatchingEngineConfig config;
    config.maker_fee_ppm = options_.order_entry.maker_fee_ppm;
    config.taker_fee_ppm = options_.order_entry.taker_fee_ppm;
    config.fee_asset = FeeAsset::kReceived;
    config.fok_policy = FillOrKillPolicy::kExpire;
    config.post_only_policy = PostOnlyPolicy::kRefuse;
    config.refuse_immediate_trigger = true;
    std::vector<SymbolSpec> specs;
    for (const SymbolState& state : symbols_) specs.push_back(state.spec);
    config.starting_balances = SandboxStartingBalances(options_.order_entry, specs);
    const core::Clock* clock = &clock_;
    config.now_ms = [clock] { return clock->NowNs() / 1'000'000; };
    engine_ = std::make_unique<MatchingEngine>(std::move(config));
    // symbols_ is complete: its elements no longer move, so the engine may keep them.
    for (SymbolState& state : symbols_) {
      if (replay_mode_) {
        engine_->AddClosedSymbol(state.spec);
      } else {
        engine_->AddSymbol(*state.market, state);
      }
    }
    engine_->CreateAccount(options_.order_entry.api_key);
    orders_ = std::make_unique<BinanceOrderEntry>(*engine_, limits_, clock_, options_.order_entry,
                                                  [this] { AfterEngineChange(); });
  }

  // After an engine call that may have taken from the books: publish what changed as a step does
  // (the trades went out already; the levels wait for the next diff, or go now while paused).
  void AfterEngineChange() {
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      PublishTopIfChanged(s);
      if (paused_ && !symbols_[s].fast.empty()) {
        // Paused, no step will cut a diff: the clients get the change now, so that their books
        // stay equal to BookSnapshot(), as Pause() promises.
        PublishDepth(s, symbols_[s].fast, StreamKind::kDepthFast);
        PublishDepth(s, symbols_[s].slow, StreamKind::kDepthSlow);
        PublishPartial(s, StreamKind::kPartialFast);
        PublishPartial(s, StreamKind::kPartialSlow);
      }
    }
  }

  // ---- market (io thread) ----

  void ScheduleStep() {
    const auto now = Clock::now();
    next_step_ += options_.step_interval;
    if (now - next_step_ > kMaxCatchUp) next_step_ = now;
    step_timer_.expires_at(next_step_);
    step_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      self->OnStep();
    });
  }

  void OnStep() {
    if (!paused_) RunStep();
    ScheduleStep();
  }

  // One logical step: the same number of changes for the same step index on every run, diffs cut
  // on fixed step counts. Paused steps do not count, so a run that starts paused is reproducible.
  void RunStep() {
    const std::int64_t step_ms = std::max<std::int64_t>(options_.step_interval.count(), 1);
    const std::int64_t per_second = std::max(options_.changes_per_second, 0);
    const std::uint64_t k = step_index_++;
    const std::int64_t due = static_cast<std::int64_t>(((k + 1) * per_second * step_ms) / 1000 -
                                                       (k * per_second * step_ms) / 1000);
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      for (std::int64_t i = 0; i < due; ++i) StepSymbol(s);
    }
    const std::uint64_t fast_every = StepsPer(options_.depth_interval);
    const std::uint64_t slow_every = StepsPer(options_.slow_depth_interval);
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      if (step_index_ % fast_every == 0) {
        PublishDepth(s, symbols_[s].fast, StreamKind::kDepthFast);
        PublishPartial(s, StreamKind::kPartialFast);
      }
      if (step_index_ % slow_every == 0) {
        PublishDepth(s, symbols_[s].slow, StreamKind::kDepthSlow);
        PublishPartial(s, StreamKind::kPartialSlow);
      }
    }
  }

  std::uint64_t StepsPer(std::chrono::milliseconds interval) const {
    const std::int64_t step_ms = std::max<std::int64_t>(options_.step_interval.count(), 1);
    return static_cast<std::uint64_t>(std::max<std::int64_t>(interval.count() / step_ms, 1));
  }

  void StepSymbol(std::size_t s) {
    SymbolState& state = symbols_[s];
    if (engine_ && !options_.flood) {
      // The engine sees the step's prints and crossing levels and fills resting orders.
      engine_->StepMarket(state.spec.symbol);
    } else {
      state.market->Step(state);
    }
    book_changes_.fetch_add(1, std::memory_order_relaxed);
    PublishTopIfChanged(s);
  }

  void PublishTopIfChanged(std::size_t s) {
    SymbolState& state = symbols_[s];
    const TopOfBook top = state.market->top();
    if (top != state.last_top) {
      state.last_top = top;
      if (subscriber_counts_[s][static_cast<std::size_t>(StreamKind::kBookTicker)] > 0 &&
          !Silent()) {
        const std::uint64_t update_id = state.market->last_update_id();
        if (options_.futures) {
          const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
          Publish(s, StreamKind::kBookTicker,
                  FuturesBookTickerPayload(state.spec.symbol, update_id, top, now_ms, now_ms,
                                           state.precision));
        } else {
          Publish(s, StreamKind::kBookTicker, BookTickerPayload(state.spec.symbol, update_id, top));
        }
      }
    }
  }

  void PublishTrade(std::size_t s, const TradePrint& trade) {
    if (subscriber_counts_[s][static_cast<std::size_t>(StreamKind::kTrade)] == 0 || Silent()) {
      return;
    }
    const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
    const SymbolState& state = symbols_[s];
    Publish(s, StreamKind::kTrade,
            options_.futures
                ? FuturesTradePayload(state.spec.symbol, now_ms, trade, now_ms, state.precision)
                : TradePayload(state.spec.symbol, now_ms, trade, now_ms));
  }

  void PublishDepth(std::size_t s, PendingDiff& pending, StreamKind kind) {
    if (pending.empty()) return;
    if (Silent()) return;  // keep aggregating: the first diff after the silence covers it all
    if (subscriber_counts_[s][static_cast<std::size_t>(kind)] > 0) {
      const SymbolState& state = symbols_[s];
      const auto bids = ToLevels(pending.bids);
      const auto asks = ToLevels(pending.asks);
      const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
      Publish(s, kind,
              options_.futures
                  ? FuturesDepthUpdatePayload(state.spec.symbol, now_ms, now_ms, pending.first_id,
                                              pending.last_id, pending.previous_last_id, bids, asks,
                                              state.precision)
                  : DepthUpdatePayload(state.spec.symbol, now_ms, pending.first_id, pending.last_id,
                                       bids, asks));
    }
    pending.Cut();
  }

  // The partial book depth streams of one speed: every subscriber gets the book's best N levels
  // now, changed or not, as Binance pushes them on every interval.
  void PublishPartial(std::size_t s, StreamKind kind) {
    SymbolState& state = symbols_[s];
    std::uint64_t& previous =
        kind == StreamKind::kPartialFast ? state.partial_fast_last : state.partial_slow_last;
    const std::uint64_t last = state.market->last_update_id();
    if (subscriber_counts_[s][static_cast<std::size_t>(kind)] > 0 && !Silent()) {
      const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
      std::map<std::size_t, std::string> payloads;  // by level count, made on first use
      for (auto& client : clients_) {
        if (client->closed) continue;
        for (const Subscription& sub : client->subs) {
          if (sub.kind != kind || sub.symbol != s) continue;
          std::string& payload = payloads[sub.levels];
          if (payload.empty()) {
            const BookLevels levels = state.market->Levels(sub.levels);
            payload = options_.futures
                          ? FuturesPartialDepthPayload(state.spec.symbol, now_ms, now_ms,
                                                       std::min(previous + 1, last), previous,
                                                       levels, state.precision)
                          : PartialDepthPayload(levels);
          }
          SendTo(*client, client->combined ? CombinedFrame(sub.name, payload) : payload);
          CountKind(kind);
        }
      }
    }
    previous = last;
  }

  void Publish(std::size_t s, StreamKind kind, const std::string& payload) {
    for (auto& client : clients_) {
      if (client->closed) continue;
      for (const Subscription& sub : client->subs) {
        if (sub.kind != kind || sub.symbol != s) continue;
        SendTo(*client, client->combined ? CombinedFrame(sub.name, payload) : payload);
        CountKind(kind);
      }
    }
  }

  void CountKind(StreamKind kind) {
    switch (kind) {
      case StreamKind::kDepthFast:
      case StreamKind::kDepthSlow:
        depth_frames_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StreamKind::kPartialFast:
      case StreamKind::kPartialSlow:
        partial_depth_frames_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StreamKind::kBookTicker:
        book_ticker_frames_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StreamKind::kTrade:
        trade_frames_.fetch_add(1, std::memory_order_relaxed);
        break;
      case StreamKind::kReplay:
        replay_frames_.fetch_add(1, std::memory_order_relaxed);
        break;
    }
  }

  void SendTo(Client& client, std::string text) {
    if (client.ws->Send(std::move(text))) {
      frames_sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
      send_refused_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // The deepest write queue among the clients that take depth (flood) or replay frames.
  std::size_t MaxQueuedWrites() const {
    std::size_t deepest = 0;
    for (const auto& client : clients_) {
      if (!client->closed) deepest = std::max(deepest, client->ws->queued_writes());
    }
    return deepest;
  }

  bool AnyDepthSubscriber() const {
    for (const auto& counts : subscriber_counts_) {
      if (counts[static_cast<std::size_t>(StreamKind::kDepthFast)] > 0 ||
          counts[static_cast<std::size_t>(StreamKind::kDepthSlow)] > 0) {
        return true;
      }
    }
    return false;
  }

  void SchedulePump(std::chrono::microseconds delay) {
    pump_timer_.expires_after(delay);
    pump_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      if (self->replay_mode_) {
        self->PumpReplay();
      } else {
        self->PumpFlood();
      }
    });
  }

  // Flood: diffs of a handful of changes as fast as the sockets drain, never more than
  // max_queued_writes frames queued on any socket.
  void PumpFlood() {
    if (paused_ || Silent() || !AnyDepthSubscriber()) return SchedulePump(kBackoff * 4);
    const int changes = std::max(options_.flood_changes_per_diff, 1);
    int batch = 0;
    for (; batch < kFloodBatch && MaxQueuedWrites() < options_.max_queued_writes; ++batch) {
      for (std::size_t s = 0; s < symbols_.size(); ++s) {
        for (int i = 0; i < changes; ++i) StepSymbol(s);
        PublishDepth(s, symbols_[s].fast, StreamKind::kDepthFast);
        PublishDepth(s, symbols_[s].slow, StreamKind::kDepthSlow);
      }
    }
    if (batch == kFloodBatch) {
      // Still draining well: yield to the socket writes and continue at once.
      return SchedulePump(std::chrono::microseconds(0));
    }
    SchedulePump(kFloodBackoff);
  }

  // ---- replay (io thread) ----

  void StartReplay() {
    if (replay_started_) return;
    replay_started_ = true;
    replay_base_time_ = Clock::now();
    replay_base_ns_ = replay_.frames.empty() ? 0 : replay_.frames.front().time_ns;
    SchedulePump(std::chrono::microseconds(0));
  }

  void PumpReplay() {
    if (paused_) return;  // Resume() restarts the pump
    const bool recorded = options_.replay_pace == ReplayPace::kRecorded;
    int batch = 0;
    while (replay_next_ < replay_.frames.size() && batch < kFloodBatch) {
      const ReplayFrame& frame = replay_.frames[replay_next_];
      if (recorded) {
        const auto due =
            replay_base_time_ + std::chrono::nanoseconds(frame.time_ns - replay_base_ns_);
        if (due > Clock::now()) {
          return SchedulePumpAt(due);
        }
      } else if (MaxQueuedWrites() >= options_.max_queued_writes) {
        return SchedulePump(kBackoff);
      }
      ++replay_next_;
      ++batch;
      SendReplayFrame(frame);
    }
    if (replay_next_ >= replay_.frames.size()) {
      replay_done_.store(true);
      return;
    }
    SchedulePump(std::chrono::microseconds(0));
  }

  void SchedulePumpAt(Clock::time_point due) {
    pump_timer_.expires_at(due);
    pump_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      self->PumpReplay();
    });
  }

  void SendReplayFrame(const ReplayFrame& frame) {
    if (Silent()) return;
    if (!replay_skip_.empty() && frame.stream.find("@depth") != std::string::npos &&
        (replay_skip_ == "*" || frame.stream.starts_with(replay_skip_ + "@"))) {
      replay_skip_.clear();  // this diff is lost
      return;
    }
    for (auto& client : clients_) {
      if (client->closed) continue;
      const bool wanted =
          frame.stream.empty() ||
          std::any_of(client->subs.begin(), client->subs.end(), [&](const Subscription& sub) {
            // Subscriptions are kept lower case; recordings spell "@bookTicker".
            return core::EqualsIgnoreCase(sub.name, frame.stream);
          });
      if (!wanted) continue;
      SendTo(*client, client->combined ? frame.text : std::string(frame.Payload()));
      CountKind(StreamKind::kReplay);
    }
  }

  // ---- pings (io thread) ----

  void SchedulePing() {
    if (options_.ping_interval.count() <= 0) return;
    ping_timer_.expires_after(options_.ping_interval);
    ping_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      if (!self->Silent()) {
        for (auto& client : self->clients_) {
          if (client->closed) continue;
          client->ws->Ping("");
          self->pings_sent_.fetch_add(1, std::memory_order_relaxed);
        }
      }
      self->SchedulePing();
    });
  }

  // ---- WebSocket clients (io thread) ----

  std::optional<Subscription> ParseStream(std::string_view name) const {
    const std::string lower = core::ToLowerAscii(name);
    if (replay_mode_) return Subscription{0, StreamKind::kReplay, lower};
    const std::size_t at = lower.find('@');
    if (at == std::string::npos) return std::nullopt;
    auto it = symbol_index_.find(core::ToUpperAscii(lower.substr(0, at)));
    if (it == symbol_index_.end()) return std::nullopt;
    const std::string_view type = std::string_view(lower).substr(at + 1);
    Subscription sub;
    sub.symbol = it->second;
    sub.name = lower;
    const bool slow_depth = options_.futures
                                ? type == "depth" || type == "depth@250ms" || type == "depth@500ms"
                                : type == "depth" || type == "depth@1000ms";
    const bool fast_depth =
        options_.futures ? type == "depth@100ms" || type == "depth@0ms" : type == "depth@100ms";
    std::size_t partial_levels = 0;
    std::string_view speed;
    if (SplitPartialDepth(type, &partial_levels, &speed)) {
      // The speeds of the venue's diff streams, without futures' @0ms.
      const bool slow = options_.futures
                            ? speed.empty() || speed == "@250ms" || speed == "@500ms"
                            : speed.empty() || speed == "@1000ms";
      if (speed != "@100ms" && !slow) return std::nullopt;
      sub.kind = slow ? StreamKind::kPartialSlow : StreamKind::kPartialFast;
      sub.levels = partial_levels;
    } else if (slow_depth) {
      sub.kind = StreamKind::kDepthSlow;
    } else if (fast_depth) {
      sub.kind = StreamKind::kDepthFast;
    } else if (type == "bookticker") {
      sub.kind = StreamKind::kBookTicker;
      sub.name = lower.substr(0, at) + "@bookTicker";
    } else if (type == "trade") {
      sub.kind = StreamKind::kTrade;
    } else {
      return std::nullopt;
    }
    return sub;
  }

  void AddSubscription(Client& client, Subscription sub) {
    for (const Subscription& existing : client.subs) {
      if (existing.name == sub.name) return;
    }
    client.subs.push_back(std::move(sub));
  }

  void OnSocket(std::shared_ptr<net::ServerWebSocket> ws) {
    if (!running_) return ws->Close();
    auto client = std::make_shared<Client>();
    client->id = next_client_id_++;
    client->ws = ws;
    const std::string target = ws->target();
    const std::size_t question = target.find('?');
    const std::string_view path = std::string_view(target).substr(0, question);
    std::string streams;
    if (path == "/stream") {
      client->combined = true;
      if (question != std::string::npos) {
        streams = QueryParam(std::string_view(target).substr(question + 1), "streams")
                      .value_or(std::string());
      }
    } else if (path.starts_with("/ws/")) {
      streams = PercentDecode(path.substr(4));
    }
    for (std::string_view rest = streams; !rest.empty();) {
      const std::size_t slash = rest.find('/');
      // Binance accepts the connection and ignores names it does not know.
      if (auto sub = ParseStream(rest.substr(0, slash))) AddSubscription(*client, std::move(*sub));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
    std::weak_ptr<Impl> weak = weak_from_this();
    const std::uint64_t id = client->id;
    ws->SetOnMessage([weak, id](std::string_view message) {
      if (auto self = weak.lock()) self->OnClientMessage(id, message);
    });
    ws->SetOnClose([weak, id] {
      // Deferred: the socket may report its close from inside a Send or Drop made while the
      // client list is being walked.
      if (auto self = weak.lock()) {
        boost::asio::post(self->io_, [weak, id] {
          if (auto again = weak.lock()) again->RemoveClient(id);
        });
      }
    });
    clients_.push_back(std::move(client));
    connections_accepted_.fetch_add(1, std::memory_order_relaxed);
    RecountSubscribers();
    UpdateOpenConnections();
    if (replay_mode_) StartReplay();
  }

  void RemoveClient(std::uint64_t id) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [id](const auto& client) { return client->id == id; });
    if (it == clients_.end()) return;
    (*it)->closed = true;
    clients_.erase(it);
    RecountSubscribers();
    UpdateOpenConnections();
  }

  Client* FindClient(std::uint64_t id) {
    for (auto& client : clients_) {
      if (client->id == id && !client->closed) return client.get();
    }
    return nullptr;
  }

  void RecountSubscribers() {
    for (auto& counts : subscriber_counts_) counts.fill(0);
    for (const auto& client : clients_) {
      if (client->closed) continue;
      for (const Subscription& sub : client->subs) {
        if (sub.kind != StreamKind::kReplay) {
          ++subscriber_counts_[sub.symbol][static_cast<std::size_t>(sub.kind)];
        }
      }
    }
  }

  void UpdateOpenConnections() {
    std::size_t open = 0;
    for (const auto& client : clients_) open += client->closed ? 0 : 1;
    connections_.Set(open);
  }

  // The live methods: SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY.
  void OnClientMessage(std::uint64_t id, std::string_view message) {
    Client* client = FindClient(id);
    if (client == nullptr) return;
    simdjson::padded_string json(message);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser_.iterate(json).get(doc) || doc.get_object().get(object)) {
      return Reply(*client, R"({"error":{"code":3,"msg":"Invalid JSON: expected an object"}})");
    }
    std::string method;
    std::string id_json = "null";
    std::vector<std::string> params;
    bool bool_param = false;
    bool has_bool_param = false;
    bool bad = false;
    for (auto field : object) {
      std::string_view key;
      if (field.unescaped_key().get(key)) {
        bad = true;
        break;
      }
      if (key == "method") {
        std::string_view value;
        if (field.value().get_string().get(value)) bad = true;
        method = std::string(value);
      } else if (key == "id") {
        std::uint64_t number;
        std::string_view text;
        auto value = field.value();
        if (!value.get_uint64().get(number)) {
          id_json = std::to_string(number);
        } else if (!value.get_string().get(text)) {
          id_json.clear();
          core::AppendJsonString(id_json, text);
        }
      } else if (key == "params") {
        simdjson::ondemand::array array;
        if (field.value().get_array().get(array)) {
          bad = true;
          continue;
        }
        for (auto element : array) {
          std::string_view text;
          bool flag;
          if (!element.get_string().get(text)) {
            params.emplace_back(text);
          } else if (!element.get_bool().get(flag)) {
            bool_param = flag;
            has_bool_param = true;
          } else {
            bad = true;
          }
        }
      }
    }
    if (bad) {
      return Reply(*client, WithId(R"({"error":{"code":3,"msg":"Invalid JSON"},"id":)", id_json));
    }
    if (method == "SUBSCRIBE" || method == "UNSUBSCRIBE") {
      std::vector<Subscription> subs;
      for (const std::string& name : params) {
        auto sub = ParseStream(name);
        if (!sub) {
          return Reply(
              *client,
              WithId(R"({"error":{"code":2,"msg":"Invalid request: unknown stream"},"id":)",
                     id_json));
        }
        subs.push_back(std::move(*sub));
      }
      for (Subscription& sub : subs) {
        if (method == "SUBSCRIBE") {
          AddSubscription(*client, std::move(sub));
        } else {
          std::erase_if(client->subs, [&](const Subscription& s) { return s.name == sub.name; });
        }
      }
      RecountSubscribers();
      return Reply(*client, WithId(R"({"result":null,"id":)", id_json));
    }
    if (method == "LIST_SUBSCRIPTIONS") {
      core::JsonWriter writer;
      writer.BeginArray();
      for (const Subscription& sub : client->subs) writer.String(sub.name);
      writer.EndArray();
      return Reply(*client, WithId(R"({"result":)" + writer.Take() + R"(,"id":)", id_json));
    }
    if (method == "SET_PROPERTY" || method == "GET_PROPERTY") {
      if (params.empty() || params.front() != "combined") {
        return Reply(*client,
                     WithId(R"({"error":{"code":0,"msg":"Unknown property"},"id":)", id_json));
      }
      if (method == "GET_PROPERTY") {
        return Reply(*client, WithId(client->combined ? R"({"result":true,"id":)"
                                                      : R"({"result":false,"id":)",
                                     id_json));
      }
      if (!has_bool_param) {
        return Reply(
            *client,
            WithId(R"({"error":{"code":1,"msg":"Invalid value type: expected Boolean"},"id":)",
                   id_json));
      }
      client->combined = bool_param;
      return Reply(*client, WithId(R"({"result":null,"id":)", id_json));
    }
    Reply(
        *client,
        WithId(R"({"error":{"code":2,"msg":"Invalid request: unknown variant, expected one of )"
               R"(SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY, GET_PROPERTY"},"id":)",
               id_json));
  }

  // Closes a reply object whose head ends with "id": by appending the request's id.
  static std::string WithId(std::string_view head, std::string_view id_json) {
    std::string out(head);
    out.append(id_json);
    out.push_back('}');
    return out;
  }

  // A silent server still takes subscriptions but answers nothing.
  void Reply(Client& client, std::string text) {
    if (!Silent()) SendTo(client, std::move(text));
  }

  // ---- REST (io thread) ----

  void OnRequest(net::ServerRequest&& request, net::HttpServer::Respond respond) {
    rest_requests_.fetch_add(1, std::memory_order_relaxed);
    const std::string_view path = request.Path();
    if (path.starts_with("/_sim/")) return respond(HandleAdmin(request));
    if (path.starts_with(options_.futures ? "/api/" : "/fapi/")) {
      // The other market's API: a client configured for the wrong venue fails here, clearly.
      return respond(JsonResponse(
          404,
          ErrorBody(-1000, options_.futures
                               ? "Unknown path: this venue is Binance USD-M futures (/fapi/v1)."
                               : "Unknown path: this venue is Binance spot (/api/v3).")));
    }
    if (!path.starts_with(options_.futures ? "/fapi/" : "/api/")) {
      return respond(JsonResponse(404, ErrorBody(-1000, "Unknown path.")));
    }
    const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
    // An IP ban covers every request, market data included.
    if (auto banned = limits_.Banned(now_ms)) {
      limits_.AddWeightHeader(*banned, now_ms);
      return respond(std::move(*banned));
    }
    if (orders_ && BinanceOrderEntry::Handles(path)) {
      return orders_->Handle(request, std::move(respond));
    }
    int weight = 1;
    net::ServerResponse response = HandleApi(request, &weight);
    if (auto limited = limits_.ChargeWeight(weight, now_ms)) response = std::move(*limited);
    limits_.AddWeightHeader(response, now_ms);
    respond(std::move(response));
  }

  net::ServerResponse HandleApi(const net::ServerRequest& request, int* weight) {
    std::string_view endpoint = request.Path();
    const std::string_view query = request.Query();
    const std::string_view prefix = options_.futures ? "/fapi/v1/" : "/api/v3/";
    if (!endpoint.starts_with(prefix)) return JsonResponse(404, ErrorBody(-1000, "Unknown path."));
    endpoint.remove_prefix(prefix.size());
    const bool known = endpoint == "ping" || endpoint == "time" || endpoint == "depth" ||
                       endpoint == "exchangeInfo";
    if (!known) return JsonResponse(404, ErrorBody(-1000, "Unknown path."));
    if (request.method != "GET") {
      return JsonResponse(405, ErrorBody(-1000, "Method not allowed."));
    }
    if (endpoint == "ping") return JsonResponse(200, "{}");
    if (endpoint == "time") {
      return JsonResponse(200,
                          "{\"serverTime\":" + std::to_string(clock_.NowNs() / 1'000'000) + "}");
    }
    if (endpoint == "depth") return HandleDepth(query, weight);
    if (options_.futures) {
      *weight = kFuturesExchangeInfoWeight;
      return HandleFuturesExchangeInfo();
    }
    *weight = kExchangeInfoWeight;
    return HandleExchangeInfo(query);
  }

  net::ServerResponse HandleDepth(std::string_view query, int* weight) {
    const auto symbol = QueryParam(query, "symbol");
    if (!symbol || symbol->empty()) {
      return JsonResponse(
          400,
          ErrorBody(-1102,
                    "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."));
    }
    if (!ValidSymbolText(*symbol)) {
      return JsonResponse(400, ErrorBody(-1100,
                                         "Illegal characters found in parameter 'symbol'; legal "
                                         "range is '^[A-Z0-9-_.]{1,20}$'."));
    }
    int limit = options_.futures ? kDefaultFuturesDepthLimit : kDefaultDepthLimit;
    if (const auto text = QueryParam(query, "limit")) {
      const bool digits =
          !text->empty() && text->size() <= 20 &&
          std::all_of(text->begin(), text->end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits) {
        return JsonResponse(400, ErrorBody(-1100,
                                           "Illegal characters found in parameter 'limit'; legal "
                                           "range is '^[0-9]{1,20}$'."));
      }
      // Spot caps a larger limit at 5000 rather than refusing it.
      limit = text->size() > 4 ? kMaxDepthLimit : std::min(std::stoi(*text), kMaxDepthLimit);
      // Futures documents a fixed set of limits. The sim refuses the others rather than guess what
      // Binance does with them, which keeps clients on the documented ones.
      const bool valid = options_.futures ? IsFuturesDepthLimit(limit) : limit >= 1;
      if (!valid) {
        return JsonResponse(400, ErrorBody(-1130, "Data sent for parameter 'limit' is not valid."));
      }
    }
    *weight = options_.futures ? FuturesDepthWeight(limit) : DepthWeight(limit);
    if (replay_mode_) return ReplayDepth(*symbol);
    auto it = symbol_index_.find(*symbol);
    if (it == symbol_index_.end()) return JsonResponse(400, ErrorBody(-1121, "Invalid symbol."));
    const SymbolState& state = symbols_[it->second];
    const BookLevels levels = state.market->Levels(static_cast<std::size_t>(limit));
    if (options_.futures) {
      const std::int64_t now_ms = clock_.NowNs() / 1'000'000;
      return JsonResponse(200, FuturesDepthSnapshotBody(levels, now_ms, now_ms, state.precision));
    }
    return JsonResponse(200, DepthSnapshotBody(levels));
  }

  // The snapshot recorded last before the replay position, or the first one when playback has not
  // reached any yet: the recorded answer a client would have got then.
  net::ServerResponse ReplayDepth(const std::string& symbol) {
    const ReplaySnapshot* chosen = nullptr;
    for (const ReplaySnapshot& snapshot : replay_.snapshots) {
      if (snapshot.symbol != symbol) continue;
      if (chosen == nullptr || snapshot.next_frame <= replay_next_) chosen = &snapshot;
      if (snapshot.next_frame > replay_next_) break;
    }
    if (chosen == nullptr) return JsonResponse(400, ErrorBody(-1121, "Invalid symbol."));
    return JsonResponse(200, chosen->body);
  }

  // /fapi/v1/exchangeInfo takes no parameters: always every symbol.
  net::ServerResponse HandleFuturesExchangeInfo() {
    std::vector<const SymbolSpec*> chosen;
    for (const SymbolState& state : symbols_) chosen.push_back(&state.spec);
    return JsonResponse(200, FuturesExchangeInfoBody(clock_.NowNs() / 1'000'000, chosen));
  }

  net::ServerResponse HandleExchangeInfo(std::string_view query) {
    std::vector<const SymbolSpec*> chosen;
    const auto invalid = [] { return JsonResponse(400, ErrorBody(-1121, "Invalid symbol.")); };
    if (const auto symbol = QueryParam(query, "symbol")) {
      auto it = symbol_index_.find(*symbol);
      if (it == symbol_index_.end()) return invalid();
      chosen.push_back(&symbols_[it->second].spec);
    } else if (const auto list = QueryParam(query, "symbols")) {
      simdjson::padded_string json(*list);
      simdjson::ondemand::document doc;
      simdjson::ondemand::array array;
      if (parser_.iterate(json).get(doc) || doc.get_array().get(array)) {
        return JsonResponse(
            400, ErrorBody(-1100,
                           "Illegal characters found in parameter 'symbols'; "
                           "legal range is "
                           "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'."));
      }
      for (auto element : array) {
        std::string_view name;
        if (element.get_string().get(name)) return invalid();
        auto it = symbol_index_.find(std::string(name));
        if (it == symbol_index_.end()) return invalid();
        chosen.push_back(&symbols_[it->second].spec);
      }
    } else {
      for (const SymbolState& state : symbols_) chosen.push_back(&state.spec);
    }
    return JsonResponse(200, ExchangeInfoBody(clock_.NowNs() / 1'000'000, chosen));
  }

  // ---- admin (io thread) ----

  net::ServerResponse HandleAdmin(const net::ServerRequest& request) {
    const std::string_view path = request.Path();
    const auto fail = [](std::string_view why) { return AdminError(400, why); };
    const auto ok = [] { return AdminOk(); };
    if (path == "/_sim/stats") return JsonResponse(200, StatsJson());
    if (request.method != "POST") return JsonResponse(405, R"({"ok":false,"error":"use POST"})");
    if (path == "/_sim/pause") {
      Pause();
      return ok();
    }
    if (path == "/_sim/resume") {
      Resume();
      return ok();
    }
    if (path == "/_sim/order-fault") {
      auto order_fault = ParseOrderFaultRequest(request.body);
      if (!order_fault.ok()) return fail(order_fault.status().message());
      if (!InjectOrderFault(order_fault->fault, order_fault->count, order_fault->retry_after)) {
        return fail("this venue takes no orders");
      }
      return ok();
    }
    if (path != "/_sim/fault") return JsonResponse(404, R"({"ok":false,"error":"unknown path"})");

    auto request_fault = ParseFaultRequest(request.body);
    if (!request_fault.ok()) return fail(request_fault.status().message());
    const auto& [fault, symbol, duration] = *request_fault;
    if (fault == "drop") {
      DropConnections();
    } else if (fault == "gap") {
      if (!symbol.empty() && !symbol_index_.contains(core::ToUpperAscii(symbol)) && !replay_mode_) {
        return fail("unknown symbol");
      }
      SkipSequence(symbol);
    } else if (fault == "malformed") {
      SendMalformed();
    } else if (fault == "silence") {
      GoSilent(duration);
    } else {
      return fail("fault must be drop, gap, malformed or silence");
    }
    return ok();
  }

  std::string StatsJson() const {
    const SimCounters c = counters();
    core::JsonWriter writer;
    writer.BeginObject()
        .Key("connections_accepted")
        .Uint(c.connections_accepted)
        .Key("connections_open")
        .Uint(c.connections_open)
        .Key("frames_sent")
        .Uint(c.frames_sent)
        .Key("depth_frames")
        .Uint(c.depth_frames)
        .Key("book_ticker_frames")
        .Uint(c.book_ticker_frames)
        .Key("trade_frames")
        .Uint(c.trade_frames)
        .Key("partial_depth_frames")
        .Uint(c.partial_depth_frames)
        .Key("replay_frames")
        .Uint(c.replay_frames)
        .Key("send_refused")
        .Uint(c.send_refused)
        .Key("pings_sent")
        .Uint(c.pings_sent)
        .Key("rest_requests")
        .Uint(c.rest_requests)
        .Key("book_changes")
        .Uint(c.book_changes)
        .Key("paused")
        .Bool(paused_)
        .Key("silent")
        .Bool(Silent())
        .EndObject();
    return writer.Take();
  }

  boost::asio::io_context& io_;
  BinanceSimOptions options_;
  const core::Clock& clock_;
  IoCalls calls_;  // the public methods, from any thread
  BinanceRestLimits limits_;
  // Spot order entry (null in futures mode): the engine matches, orders_ speaks Binance's REST.
  std::unique_ptr<MatchingEngine> engine_;
  std::unique_ptr<BinanceOrderEntry> orders_;
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<std::uint16_t> port_{0};
  bool running_ = false;

  std::vector<SymbolState> symbols_;
  std::unordered_map<std::string, std::size_t> symbol_index_;  // "BTCUSDT" → index
  std::vector<std::array<std::size_t, kStreamKinds>> subscriber_counts_;
  std::vector<std::shared_ptr<Client>> clients_;
  std::uint64_t next_client_id_ = 1;
  simdjson::ondemand::parser parser_;

  bool paused_ = false;
  Clock::time_point silent_until_{};
  boost::asio::steady_timer step_timer_;
  boost::asio::steady_timer ping_timer_;
  boost::asio::steady_timer pump_timer_;
  Clock::time_point next_step_{};
  std::uint64_t step_index_ = 0;

  bool replay_mode_ = false;
  ReplayLog replay_;
  bool replay_started_ = false;
  std::size_t replay_next_ = 0;
  Clock::time_point replay_base_time_{};
  std::int64_t replay_base_ns_ = 0;
  std::string replay_skip_;  // lower-case symbol whose next depth frame is lost; "*": any

  std::atomic<std::uint64_t> connections_accepted_{0};
  ConnectionCount connections_;  // open WebSocket clients
  std::atomic<std::uint64_t> frames_sent_{0};
  std::atomic<std::uint64_t> depth_frames_{0};
  std::atomic<std::uint64_t> book_ticker_frames_{0};
  std::atomic<std::uint64_t> trade_frames_{0};
  std::atomic<std::uint64_t> partial_depth_frames_{0};
  std::atomic<std::uint64_t> replay_frames_{0};
  std::atomic<std::uint64_t> send_refused_{0};
  std::atomic<std::uint64_t> pings_sent_{0};
  std::atomic<std::uint64_t> rest_requests_{0};
  std::atomic<std::uint64_t> book_changes_{0};
  std::atomic<bool> replay_done_{false};
};

BinanceSim::BinanceSim(boost::asio::io_context& io, BinanceSimOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

BinanceSim::~BinanceSim() { Stop(); }

core::Result<std::uint16_t> BinanceSim::Start() { return impl_->Start(); }

void BinanceSim::Stop() {
  impl_->Call([impl = impl_.get()] { impl->Stop(); });
}

std::uint16_t BinanceSim::port() const { return impl_->port(); }

std::string BinanceSim::ws_base_url() const {
  return "ws://127.0.0.1:" + std::to_string(impl_->port());
}

std::string BinanceSim::http_base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port());
}

void BinanceSim::DropConnections() {
  impl_->Call([impl = impl_.get()] { impl->DropConnections(); });
}

bool BinanceSim::SkipSequence(std::string_view symbol) {
  impl_->Call([impl = impl_.get(), s = std::string(symbol)] { impl->SkipSequence(s); });
  return true;  // every Binance depth stream carries update ids
}

void BinanceSim::SendMalformed() {
  impl_->Call([impl = impl_.get()] { impl->SendMalformed(); });
}

void BinanceSim::GoSilent(std::chrono::milliseconds duration) {
  impl_->Call([impl = impl_.get(), duration] { impl->GoSilent(duration); });
}

void BinanceSim::Pause() {
  impl_->Call([impl = impl_.get()] { impl->Pause(); });
}

void BinanceSim::Resume() {
  impl_->Call([impl = impl_.get()] { impl->Resume(); });
}

std::optional<BookLevels> BinanceSim::BookSnapshot(std::string_view symbol, std::size_t depth) {
  return impl_->Call([impl = impl_.get(), s = std::string(symbol), depth] {
    return impl->BookSnapshot(s, depth);
  });
}

SimCounters BinanceSim::counters() const { return impl_->counters(); }

bool BinanceSim::WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) {
  return impl_->WaitForConnections(count, timeout);
}

std::optional<SandboxKeys> BinanceSim::sandbox_keys() const {
  return impl_->sandbox_keys();  // from the options: nothing the io thread changes
}

std::optional<Balance> BinanceSim::SandboxBalance(std::string_view asset) {
  return impl_->Call(
      [impl = impl_.get(), a = std::string(asset)] { return impl->SandboxBalance(a); });
}

bool BinanceSim::SetSandboxBalance(std::string_view asset, std::int64_t free) {
  return impl_->Call([impl = impl_.get(), a = std::string(asset), free] {
    return impl->SetSandboxBalance(a, free);
  });
}

std::vector<Order> BinanceSim::SandboxOrders() {
  return impl_->Call([impl = impl_.get()] { return impl->SandboxOrders(); });
}

std::int64_t BinanceSim::CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                            std::int64_t quantity) {
  return impl_->Call([impl = impl_.get(), s = std::string(symbol), aggressor, quantity] {
    return impl->CrossRestingOrders(s, aggressor, quantity);
  });
}

bool BinanceSim::InjectOrderFault(OrderFault fault, int count, std::chrono::seconds retry_after) {
  return impl_->Call([impl = impl_.get(), fault, count, retry_after] {
    return impl->InjectOrderFault(fault, count, retry_after);
  });
}

}  // namespace tradingd::sim::binance
