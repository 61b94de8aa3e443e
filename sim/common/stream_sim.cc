#include "sim/common/stream_sim.h"


#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "core/json_writer.h"
#include "core/text.h"
#include "sim/common/sim_support.h"

namespace tradingd::sim {
namespace {

using Clock = std::chrono::steady_clock;

// A late timer never makes the market race to catch up by more than this.
constexpr auto kMaxCatchUp = std::chrono::seconds(1);
// Frames per replay pump before yielding to the socket writes.
constexpr int kReplayBatch = 64;
constexpr auto kReplayBackoff = std::chrono::microseconds(500);

// What every venue's parser must refuse: a frame cut in the middle of a JSON object.
constexpr std::string_view kMalformedFrame = R"({"channel":"book","type":"update","data":[{"sy)";

net::ServerResponse JsonResponse(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A rate-limit answer says when to come back, in whole seconds.
net::ServerResponse WithRetryAfter(net::ServerResponse response, std::chrono::seconds retry_after) {
  const bool has = std::any_of(response.headers.begin(), response.headers.end(), [](const auto& h) {
    return core::EqualsIgnoreCase(h.first, "Retry-After");
  });
  if (!has) response.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return response;
}

}  // namespace

AssetAmounts SandboxFundingBalances(const SandboxFunding& funding,
                                    std::span<const SymbolSpec> symbols) {
  AssetAmounts balances = funding.balances;
  std::set<std::string, std::less<>> quotes;
  for (const SymbolSpec& spec : symbols) quotes.insert(spec.quote);
  for (const SymbolSpec& spec : symbols) {
    for (const std::string& asset : {spec.base, spec.quote}) {
      if (asset.empty() || balances.contains(asset)) continue;
      balances.emplace(asset, quotes.contains(asset) ? funding.quote_balance : funding.base_balance);
    }
  }
  return balances;
}

class StreamSim::Impl : public StreamMarket, public std::enable_shared_from_this<StreamSim::Impl> {
 public:
  Impl(boost::asio::io_context& io, StreamSimOptions options, std::unique_ptr<StreamDialect> dialect)
      : io_(io),
        options_(std::move(options)),
        dialect_(std::move(dialect)),
        clock_(options_.clock != nullptr ? *options_.clock : core::SystemClock::Instance()),
        calls_(io),
        step_timer_(io),
        heartbeat_timer_(io),
        pump_timer_(io) {}

  // ---- StreamMarket (io thread) ----

  std::size_t symbol_count() const override { return symbols_.size(); }
  const SymbolSpec& spec(std::size_t symbol) const override { return symbols_[symbol]->spec; }
  const SyntheticMarket& book(std::size_t symbol) const override {
    return *symbols_[symbol]->market;
  }
  std::optional<std::size_t> Find(std::string_view venue_symbol) const override {
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      if (symbols_[i]->spec.symbol == venue_symbol) return i;
    }
    return std::nullopt;
  }
  std::int64_t now_ns() const override { return clock_.NowNs(); }
  bool replay() const override { return replay_mode_; }
  const MatchingEngine* engine() const override { return engine_.get(); }

  // ---- lifecycle ----

  core::Result<std::uint16_t> Start() {
    if (options_.symbols.empty()) {
      return core::Status(core::ErrorCode::kInvalidConfig,
                          fmt::format("the {} sim needs a symbol", dialect_->venue_name()));
    }
    replay_mode_ = !options_.replay.empty();
    for (std::size_t i = 0; i < options_.symbols.size(); ++i) {
      auto state = std::make_unique<SymbolState>();
      state->spec = options_.symbols[i];
      state->market = std::make_unique<SyntheticMarket>(state->spec, MixSeed(options_.seed, i),
                                                        options_.first_update_id,
                                                        options_.first_trade_id);
      state->cut_top = state->market->top();
      symbols_.push_back(std::move(state));
    }
    paused_ = options_.start_paused;
    StartOrderEntry();

    net::HttpServerOptions server_options;
    server_options.address = options_.address;
    server_options.port = options_.port;
    server_options.max_websocket_queue = options_.max_websocket_queue;
    std::weak_ptr<Impl> weak = weak_from_this();
    server_ = std::make_unique<net::HttpServer>(
        io_, server_options,
        [weak](net::ServerRequest&& request, net::HttpServer::Respond respond) {
          if (auto self = weak.lock()) {
            self->OnRequest(request, std::move(respond));
          } else {
            respond(JsonResponse(503, R"({"error":"the sandbox venue is shutting down"})"));
          }
        });
    server_->EnableWebSockets(
        [weak](const net::ServerRequest& request) {
          auto self = weak.lock();
          return self && self->dialect_->AcceptsWebSocket(request.Path());
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
      ScheduleStep();
    }
    ScheduleHeartbeat();
    return *port;
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    step_timer_.cancel();
    heartbeat_timer_.cancel();
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
    held_.clear();
    held_answers_.store(0);
    held_events_.clear();
  }

  template <typename F>
  auto Call(F&& fn) -> decltype(fn()) {
    return calls_.Call(std::forward<F>(fn));
  }

  std::uint16_t port() const { return port_.load(); }
  const StreamDialect& dialect() const { return *dialect_; }

  // ---- faults and inspection (io thread) ----

  void DropConnections() {
    auto clients = std::move(clients_);
    clients_.clear();
    for (auto& client : clients) {
      client->closed = true;
      client->ws->Drop();
    }
    UpdateOpenConnections();
  }

  // The symbols a fault names: all when empty; none when unknown.
  std::vector<std::size_t> Targets(std::string_view symbol) const {
    std::vector<std::size_t> targets;
    if (symbol.empty()) {
      for (std::size_t i = 0; i < symbols_.size(); ++i) targets.push_back(i);
    } else if (auto found = Find(symbol)) {
      targets.push_back(*found);
    }
    return targets;
  }

  bool SkipSequence(std::string_view symbol) {
    if (replay_mode_ || !dialect_->can_skip_update()) return false;
    for (std::size_t s : Targets(symbol)) {
      for (auto& client : Clients()) client->session->SkipUpdate(s);
    }
    return true;
  }

  bool CorruptChecksum(std::string_view symbol) {
    if (replay_mode_ || !dialect_->has_checksum()) return false;
    for (std::size_t s : Targets(symbol)) {
      for (auto& client : Clients()) client->session->CorruptChecksum(s);
    }
    return true;
  }

  bool ResetSequence(std::string_view symbol) {
    if (replay_mode_ || !dialect_->has_sequence_reset()) return false;
    // The new snapshot must be the state after a cut, like every snapshot.
    if (!Silent()) CutAll();
    for (std::size_t s : Targets(symbol)) {
      for (auto& client : Clients()) client->session->ResetSequence(s, client->output);
    }
    return true;
  }

  void SendMalformed() {
    for (auto& client : Clients()) client->output.Send(std::string(kMalformedFrame));
  }

  void GoSilent(std::chrono::milliseconds duration) { silent_until_ = Clock::now() + duration; }

  void Pause() {
    if (!Silent() && !replay_mode_) CutAll();
    paused_ = true;
  }

  void Resume() {
    if (!paused_) return;
    paused_ = false;
    if (replay_mode_ && replay_started_) SchedulePump(std::chrono::microseconds(0));
  }

  std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth) const {
    if (replay_mode_) return std::nullopt;
    auto found = Find(symbol);
    if (!found) return std::nullopt;
    return symbols_[*found]->market->Levels(depth);
  }

  bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) {
    return connections_.WaitFor(count, timeout);
  }

  // ---- order entry (io thread, but sandbox_keys: immutable) ----

  std::optional<SandboxKeys> sandbox_keys() const {
    if (!entry_) return std::nullopt;
    return entry_->keys;
  }

  std::optional<Balance> SandboxBalance(std::string_view asset) const {
    if (!engine_) return std::nullopt;
    return engine_->GetBalance(entry_->keys.api_key, core::ToUpperAscii(asset));
  }

  bool SetSandboxBalance(std::string_view asset, std::int64_t free) {
    return engine_ && engine_->SetFreeBalance(entry_->keys.api_key, core::ToUpperAscii(asset), free);
  }

  std::vector<Order> SandboxOrders() const {
    std::vector<Order> copies;
    if (!engine_) return copies;
    for (const Order* order : engine_->Orders(entry_->keys.api_key)) copies.push_back(*order);
    return copies;
  }

  std::int64_t CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                  std::int64_t quantity) {
    if (!engine_) return 0;
    std::optional<std::size_t> found = Find(symbol);
    if (!found) found = Find(core::ToUpperAscii(symbol));
    if (!found) return 0;
    const std::int64_t filled = engine_->Cross(symbols_[*found]->spec.symbol, aggressor, quantity);
    AfterEngineChange();  // triggered stops may have taken from the book
    return filled;
  }

  bool InjectOrderFault(OrderFault fault, int count, std::chrono::seconds retry_after) {
    if (!entry_ || count <= 0) return false;
    faults_.push_back({fault, count, std::max(retry_after, std::chrono::seconds(0))});
    return true;
  }

  StreamSimCounters counters() const {
    StreamSimCounters c;
    c.connections_accepted = connections_accepted_.load();
    c.connections_open = connections_.open();
    c.frames_sent = frames_sent_.load();
    c.send_refused = send_refused_.load();
    c.client_messages = client_messages_.load();
    c.rest_requests = rest_requests_.load();
    c.book_changes = book_changes_.load();
    c.cuts = cuts_.load();
    c.replay_frames = replay_frames_.load();
    c.replay_done = replay_done_.load();
    c.order_requests = order_requests_.load();
    c.order_faults = order_faults_.load();
    c.held_answers = held_answers_.load();
    return c;
  }

 private:
  // A symbol's market and what changed since its last cut.
  struct SymbolState : MarketListener {
    SymbolSpec spec;
    std::unique_ptr<SyntheticMarket> market;
    std::uint64_t first_id = 0;  // of the first change since the cut; 0: none
    std::map<std::int64_t, std::int64_t, std::greater<>> bids;
    std::map<std::int64_t, std::int64_t> asks;
    std::vector<TradePrint> trades;
    TopOfBook cut_top;  // the top at the previous cut

    void OnTrade(const TradePrint& trade) override { trades.push_back(trade); }
    void OnLevelChange(const LevelChange& change) override {
      if (first_id == 0) first_id = change.update_id;
      if (change.side == Side::kBid) {
        bids[change.price] = change.quantity;
      } else {
        asks[change.price] = change.quantity;
      }
    }
  };

  struct Client;
  // Writes a session's frames to its own socket, counted.
  class Output final : public StreamOutput {
   public:
    Output(Impl& owner, Client& client) : owner_(owner), client_(client) {}
    void Send(std::string text) override { owner_.SendTo(client_, std::move(text)); }
    void Close() override {
      client_.closed = true;
      client_.ws->Close();
    }

   private:
    Impl& owner_;
    Client& client_;
  };

  struct Client {
    explicit Client(Impl& owner) : output(owner, *this) {}
    std::uint64_t id = 0;
    std::shared_ptr<net::ServerWebSocket> ws;
    std::unique_ptr<StreamSession> session;
    Output output;
    bool closed = false;
  };

  // What a dialect's order entry gets: the engine, the keys, the clock.
  class OrdersView final : public StreamOrders {
   public:
    explicit OrdersView(Impl& owner) : owner_(owner) {}
    const StreamMarket& market() const override { return owner_; }
    MatchingEngine& engine() override { return *owner_.engine_; }
    const SandboxKeys& keys() const override { return owner_.entry_->keys; }
    const core::Clock& clock() const override { return owner_.clock_; }

   private:
    Impl& owner_;
  };

  // The engine's order events, to the dialect and the sessions.
  class EventTap final : public OrderEventListener {
   public:
    explicit EventTap(Impl& owner) : owner_(owner) {}
    void OnOrderEvent(const OrderEvent& event) override { owner_.OnOrderEvent(event); }

   private:
    Impl& owner_;
  };

  struct ArmedFault {
    OrderFault fault = OrderFault::kServerError;
    int remaining = 0;
    std::chrono::seconds retry_after{0};
  };

  // An order event a silent venue holds for its sessions: copies, since the order changes on.
  struct HeldEvent {
    OrderEventKind kind = OrderEventKind::kAccepted;
    Order order;
    std::optional<Fill> fill;
  };

  // One matching engine for the venue, one sandbox account with every configured asset. Live
  // symbols match against their synthetic market (the SymbolState is the engine's publisher, so
  // what takers consume joins the next cut); in replay mode they are closed.
  void StartOrderEntry() {
    if (!entry_ || engine_) return;
    MatchingEngineConfig config;
    config.maker_fee_ppm = entry_->maker_fee_ppm;
    config.taker_fee_ppm = entry_->taker_fee_ppm;
    config.fee_asset = entry_->fee_asset;
    config.fok_policy = entry_->fok_policy;
    config.post_only_policy = entry_->post_only_policy;
    config.refuse_immediate_trigger = entry_->refuse_immediate_trigger;
    config.first_order_id = entry_->first_order_id;
    config.client_order_id_prefix = entry_->client_order_id_prefix;
    std::vector<SymbolSpec> specs;
    for (const auto& state : symbols_) specs.push_back(state->spec);
    config.starting_balances = SandboxFundingBalances(options_.sandbox_funding, specs);
    const core::Clock* clock = &clock_;
    config.now_ms = [clock] { return clock->NowNs() / 1'000'000; };
    engine_ = std::make_unique<MatchingEngine>(std::move(config));
    // symbols_ is complete and its elements never move: the engine may keep them.
    for (auto& state : symbols_) {
      if (replay_mode_) {
        engine_->AddClosedSymbol(state->spec);
      } else {
        engine_->AddSymbol(*state->market, *state);
      }
    }
    engine_->CreateAccount(entry_->keys.api_key);
    engine_->SetEventListener(&event_tap_);
  }

  // After an engine call that may have taken from the books: the changes wait for the next cut,
  // except while paused, when no step cuts: the clients get them now, so that their books stay
  // equal to BookSnapshot(), as Pause() promises.
  void AfterEngineChange() {
    if (paused_ && !replay_mode_ && !Silent() && ChangedSinceCut()) CutAll();
  }

  bool ChangedSinceCut() const {
    return std::any_of(symbols_.begin(), symbols_.end(), [](const auto& state) {
      return state->first_id != 0 || !state->trades.empty() ||
             state->market->top() != state->cut_top;
    });
  }

  void OnOrderEvent(const OrderEvent& event) {
    dialect_->OnOrderEvent(event);
    if (Silent()) {
      HeldEvent held{event.kind, *event.order, std::nullopt};
      if (event.fill != nullptr) held.fill = *event.fill;
      held_events_.push_back(std::move(held));
      return;
    }
    FlushHeldEvents();
    DeliverOrderEvent(event);
  }

  void DeliverOrderEvent(const OrderEvent& event) {
    for (auto& client : Clients()) {
      if (!client->closed) client->session->OnOrderEvent(event, client->output);
    }
  }

  void FlushHeldEvents() {
    if (held_events_.empty()) return;
    auto held = std::move(held_events_);
    held_events_.clear();
    for (const HeldEvent& h : held) {
      OrderEvent event;
      event.kind = h.kind;
      event.order = &h.order;
      event.fill = h.fill ? &*h.fill : nullptr;
      DeliverOrderEvent(event);
    }
  }

  bool Silent() const { return Clock::now() < silent_until_; }

  // The open clients, as a copy: a session may close its client while the caller walks the list.
  std::vector<std::shared_ptr<Client>> Clients() const {
    std::vector<std::shared_ptr<Client>> open;
    for (const auto& client : clients_) {
      if (!client->closed) open.push_back(client);
    }
    return open;
  }

  void SendTo(Client& client, std::string text) {
    if (!client.closed && client.ws->Send(std::move(text))) {
      frames_sent_.fetch_add(1, std::memory_order_relaxed);
    } else {
      send_refused_.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // ---- market ----

  void ScheduleStep() {
    const auto now = Clock::now();
    next_step_ += options_.step_interval;
    if (now - next_step_ > kMaxCatchUp) next_step_ = now;
    step_timer_.expires_at(next_step_);
    step_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      if (!self->paused_) self->RunStep();
      self->ScheduleStep();
    });
  }

  // One logical step: the same changes for the same step index on every run; cuts every N steps.
  void RunStep() {
    const std::int64_t step_ms = std::max<std::int64_t>(options_.step_interval.count(), 1);
    const std::int64_t per_second = std::max(options_.changes_per_second, 0);
    const std::uint64_t k = step_index_++;
    const auto due = static_cast<std::int64_t>(((k + 1) * per_second * step_ms) / 1000 -
                                               (k * per_second * step_ms) / 1000);
    for (auto& state : symbols_) {
      for (std::int64_t i = 0; i < due; ++i) {
        if (engine_) {
          // The engine sees the step's prints and crossing levels and fills resting orders; what
          // it takes from the book reaches `state` as the step's changes do.
          engine_->StepMarket(state->spec.symbol);
        } else {
          state->market->Step(*state);
        }
        book_changes_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    const auto cut_every = static_cast<std::uint64_t>(
        std::max<std::int64_t>(options_.cut_interval.count() / step_ms, 1));
    // A silent venue holds its cuts: the first one after the silence carries every change.
    if (step_index_ % cut_every == 0 && !Silent()) CutAll();
  }

  void CutAll() {
    // Order events held during a silence go first: they happened before these changes went out.
    FlushHeldEvents();
    const auto clients = Clients();
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      SymbolState& state = *symbols_[s];
      std::vector<BookLevel> bids;
      std::vector<BookLevel> asks;
      bids.reserve(state.bids.size());
      asks.reserve(state.asks.size());
      for (const auto& [price, quantity] : state.bids) bids.push_back({price, quantity});
      for (const auto& [price, quantity] : state.asks) asks.push_back({price, quantity});
      BookCut cut;
      cut.symbol = s;
      cut.bids = bids;
      cut.asks = asks;
      cut.first_update_id = state.first_id;
      cut.last_update_id = state.market->last_update_id();
      cut.trades = state.trades;
      cut.top = state.market->top();
      cut.top_changed = cut.top != state.cut_top;
      for (auto& client : clients) {
        if (!client->closed) client->session->OnBookCut(cut, client->output);
      }
      state.first_id = 0;
      state.bids.clear();
      state.asks.clear();
      state.trades.clear();
      state.cut_top = cut.top;
    }
    cuts_.fetch_add(1, std::memory_order_relaxed);
  }

  void ScheduleHeartbeat() {
    const auto interval = dialect_->heartbeat_interval();
    if (interval.count() <= 0) return;
    heartbeat_timer_.expires_after(interval);
    heartbeat_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      if (!self->Silent()) {
        self->FlushHeldEvents();  // a paused venue cuts nothing that would deliver them
        for (auto& client : self->Clients()) client->session->OnHeartbeat(client->output);
      }
      self->ScheduleHeartbeat();
    });
  }

  // ---- replay ----

  void StartReplay() {
    if (replay_started_) return;
    replay_started_ = true;
    replay_base_time_ = Clock::now();
    replay_base_ns_ = options_.replay.front().time_ns;
    SchedulePump(std::chrono::microseconds(0));
  }

  void SchedulePump(std::chrono::microseconds delay) {
    pump_timer_.expires_after(delay);
    pump_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self || !self->running_) return;
      self->PumpReplay();
    });
  }

  std::size_t MaxQueuedWrites() const {
    std::size_t deepest = 0;
    for (const auto& client : clients_) {
      if (!client->closed) deepest = std::max(deepest, client->ws->queued_writes());
    }
    return deepest;
  }

  void PumpReplay() {
    if (paused_) return;  // Resume() restarts the pump
    const bool recorded = options_.replay_pace == ReplayPace::kRecorded;
    for (int batch = 0; batch < kReplayBatch && replay_next_ < options_.replay.size(); ++batch) {
      const RecordedFrame& frame = options_.replay[replay_next_];
      if (recorded) {
        const auto due =
            replay_base_time_ + std::chrono::nanoseconds(frame.time_ns - replay_base_ns_);
        if (due > Clock::now()) {
          pump_timer_.expires_at(due);
          pump_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& e) {
            auto self = weak.lock();
            if (!e && self && self->running_) self->PumpReplay();
          });
          return;
        }
      } else if (MaxQueuedWrites() >= options_.max_queued_writes) {
        return SchedulePump(kReplayBackoff);
      }
      ++replay_next_;
      if (Silent()) continue;  // lost, as a silent venue's frames are
      for (auto& client : Clients()) {
        if (!client->session->subscribed()) continue;
        client->output.Send(frame.text);
        replay_frames_.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (replay_next_ >= options_.replay.size()) {
      replay_done_.store(true);
      return;
    }
    SchedulePump(std::chrono::microseconds(0));
  }

  // ---- WebSocket clients ----

  void OnSocket(std::shared_ptr<net::ServerWebSocket> ws) {
    if (!running_) return ws->Close();
    auto session = dialect_->NewSession(ws->target(), *this);
    if (!session) return ws->Close();
    auto client = std::make_shared<Client>(*this);
    client->id = next_client_id_++;
    client->ws = ws;
    client->session = std::move(session);
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
    clients_.push_back(client);
    connections_accepted_.fetch_add(1, std::memory_order_relaxed);
    UpdateOpenConnections();
    client->session->OnOpen(client->output);
  }

  void OnClientMessage(std::uint64_t id, std::string_view message) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [id](const auto& client) { return client->id == id; });
    if (it == clients_.end() || (*it)->closed) return;
    client_messages_.fetch_add(1, std::memory_order_relaxed);
    if (Silent()) return;  // a silent venue answers nothing
    auto client = *it;
    // A snapshot sent in answer must be the state after a cut (see the header).
    if (!replay_mode_) CutAll();
    client->session->OnClientText(message, client->output);
    if (replay_mode_ && !replay_started_ && client->session->subscribed()) StartReplay();
  }

  void RemoveClient(std::uint64_t id) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [id](const auto& client) { return client->id == id; });
    if (it == clients_.end()) return;
    (*it)->closed = true;
    clients_.erase(it);
    UpdateOpenConnections();
  }

  void UpdateOpenConnections() {
    std::size_t open = 0;
    for (const auto& client : clients_) open += client->closed ? 0 : 1;
    connections_.Set(open);
  }

  // ---- REST ----

  void OnRequest(const net::ServerRequest& request, net::HttpServer::Respond respond) {
    rest_requests_.fetch_add(1, std::memory_order_relaxed);
    if (request.Path().starts_with("/_sim/")) return respond(HandleAdmin(request));
    if (engine_ && dialect_->IsOrderEntry(request)) return HandleOrder(request, std::move(respond));
    respond(dialect_->HandleRest(request, *this));
  }

  // An order-entry request: the armed faults and the throttle first, then the dialect.
  void HandleOrder(const net::ServerRequest& request, net::HttpServer::Respond respond) {
    order_requests_.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = clock_.MonotonicNs();
    if (now < throttled_until_ns_) {
      // Sent while a rate-limit refusal's Retry-After runs: the venue's ban for the rest of it.
      const std::chrono::seconds left((throttled_until_ns_ - now + 999'999'999) / 1'000'000'000);
      order_faults_.fetch_add(1, std::memory_order_relaxed);
      return respond(WithRetryAfter(dialect_->RateLimitedAnswer(request, left, true), left));
    }
    std::optional<ArmedFault> fault;
    if (!faults_.empty()) {
      fault = faults_.front();
      if (--faults_.front().remaining <= 0) faults_.pop_front();
      order_faults_.fetch_add(1, std::memory_order_relaxed);
    }
    if (fault && fault->fault == OrderFault::kRateLimited) {
      throttled_until_ns_ =
          now + std::chrono::duration_cast<std::chrono::nanoseconds>(fault->retry_after).count();
      return respond(WithRetryAfter(dialect_->RateLimitedAnswer(request, fault->retry_after, false),
                                    fault->retry_after));
    }
    if (fault && fault->fault == OrderFault::kServerError) {
      return respond(dialect_->ServerErrorAnswer(request));
    }
    net::ServerResponse response = dialect_->HandleOrderEntry(request, orders_view_);
    AfterEngineChange();
    if (fault && fault->fault == OrderFault::kAcceptThenTimeout) {
      held_.push_back(std::move(respond));
      held_answers_.store(held_.size());
      return;
    }
    if (fault && fault->fault == OrderFault::kAcceptThenFail) {
      response = dialect_->ServerErrorAnswer(request);
    }
    respond(std::move(response));
  }

  net::ServerResponse HandleAdmin(const net::ServerRequest& request) {
    const std::string_view path = request.Path();
    if (path == "/_sim/stats") return JsonResponse(200, StatsJson());
    if (request.method != "POST") return AdminError(405, "use POST");
    if (path == "/_sim/pause") {
      Pause();
      return AdminOk();
    }
    if (path == "/_sim/resume") {
      Resume();
      return AdminOk();
    }
    if (path == "/_sim/order-fault") {
      auto order_fault = ParseOrderFaultRequest(request.body);
      if (!order_fault.ok()) return AdminError(400, order_fault.status().message());
      if (!InjectOrderFault(order_fault->fault, order_fault->count, order_fault->retry_after)) {
        return AdminError(400, fmt::format("the {} sandbox venue takes no orders",
                                           dialect_->venue_name()));
      }
      return AdminOk();
    }
    if (path != "/_sim/fault") return AdminError(404, "unknown path");
    auto request_fault = ParseFaultRequest(request.body);
    if (!request_fault.ok()) return AdminError(400, request_fault.status().message());
    const auto& [fault, symbol, duration] = *request_fault;
    if (!symbol.empty() && !Find(symbol)) return AdminError(400, "unknown symbol");
    const auto unsupported = [&] {
      return AdminError(400, fmt::format("the {} sandbox venue cannot inject '{}' here",
                                         dialect_->venue_name(), fault));
    };
    if (fault == "drop") {
      DropConnections();
    } else if (fault == "gap") {
      if (!SkipSequence(symbol)) return unsupported();
    } else if (fault == "checksum") {
      if (!CorruptChecksum(symbol)) return unsupported();
    } else if (fault == "reset") {
      if (!ResetSequence(symbol)) return unsupported();
    } else if (fault == "malformed") {
      SendMalformed();
    } else if (fault == "silence") {
      GoSilent(duration);
    } else {
      return AdminError(400, "fault must be drop, gap, checksum, reset, malformed or silence");
    }
    return AdminOk();
  }

  std::string StatsJson() const {
    const StreamSimCounters c = counters();
    core::JsonWriter writer;
    writer.BeginObject()
        .Key("venue")
        .String(dialect_->venue_name())
        .Key("connections_accepted")
        .Uint(c.connections_accepted)
        .Key("connections_open")
        .Uint(c.connections_open)
        .Key("frames_sent")
        .Uint(c.frames_sent)
        .Key("send_refused")
        .Uint(c.send_refused)
        .Key("client_messages")
        .Uint(c.client_messages)
        .Key("rest_requests")
        .Uint(c.rest_requests)
        .Key("book_changes")
        .Uint(c.book_changes)
        .Key("cuts")
        .Uint(c.cuts)
        .Key("replay_frames")
        .Uint(c.replay_frames)
        .Key("order_requests")
        .Uint(c.order_requests)
        .Key("order_faults")
        .Uint(c.order_faults)
        .Key("held_answers")
        .Uint(c.held_answers)
        .Key("paused")
        .Bool(paused_)
        .Key("silent")
        .Bool(Silent())
        .EndObject();
    return writer.Take();
  }

  boost::asio::io_context& io_;
  StreamSimOptions options_;
  std::unique_ptr<StreamDialect> dialect_;
  const core::Clock& clock_;
  IoCalls calls_;  // the VenueSim methods, from any thread
  std::unique_ptr<net::HttpServer> server_;
  std::atomic<std::uint16_t> port_{0};
  bool running_ = false;

  std::vector<std::unique_ptr<SymbolState>> symbols_;  // stable: sessions keep references
  std::vector<std::shared_ptr<Client>> clients_;
  std::uint64_t next_client_id_ = 1;

  bool paused_ = false;
  Clock::time_point silent_until_{};
  boost::asio::steady_timer step_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  boost::asio::steady_timer pump_timer_;
  Clock::time_point next_step_{};
  std::uint64_t step_index_ = 0;

  bool replay_mode_ = false;
  bool replay_started_ = false;
  std::size_t replay_next_ = 0;
  Clock::time_point replay_base_time_{};
  std::int64_t replay_base_ns_ = 0;

  std::atomic<std::uint64_t> connections_accepted_{0};
  ConnectionCount connections_;  // open WebSocket clients
  std::atomic<std::uint64_t> frames_sent_{0};
  std::atomic<std::uint64_t> send_refused_{0};
  std::atomic<std::uint64_t> client_messages_{0};
  std::atomic<std::uint64_t> rest_requests_{0};
  std::atomic<std::uint64_t> book_changes_{0};
  std::atomic<std::uint64_t> cuts_{0};
  std::atomic<std::uint64_t> replay_frames_{0};
  std::atomic<bool> replay_done_{false};

  // ---- order entry; declared after symbols_: the engine keeps their markets and listeners ----
  const std::optional<StreamOrderEntry> entry_ = dialect_->order_entry();  // read once
  std::unique_ptr<MatchingEngine> engine_;        // from Start(), when entry_
  OrdersView orders_view_{*this};
  EventTap event_tap_{*this};
  std::deque<ArmedFault> faults_;
  std::int64_t throttled_until_ns_ = 0;  // clock_'s monotonic time; order entry refused before it
  std::vector<net::HttpServer::Respond> held_;  // kAcceptThenTimeout answers, until Stop
  std::deque<HeldEvent> held_events_;           // order events a silent venue holds for sessions
  std::atomic<std::uint64_t> order_requests_{0};
  std::atomic<std::uint64_t> order_faults_{0};
  std::atomic<std::uint64_t> held_answers_{0};
};

StreamSim::StreamSim(boost::asio::io_context& io, StreamSimOptions options,
                     std::unique_ptr<StreamDialect> dialect)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(dialect))) {}

StreamSim::~StreamSim() { Stop(); }

core::Result<std::uint16_t> StreamSim::Start() { return impl_->Start(); }
void StreamSim::Stop() {
  impl_->Call([&] { impl_->Stop(); });
}
std::uint16_t StreamSim::port() const { return impl_->port(); }
std::string StreamSim::ws_url() const {
  return fmt::format("ws://127.0.0.1:{}{}", impl_->port(), impl_->dialect().ws_path());
}
std::string StreamSim::rest_url() const { return fmt::format("http://127.0.0.1:{}", impl_->port()); }

void StreamSim::DropConnections() {
  impl_->Call([&] { impl_->DropConnections(); });
}
bool StreamSim::SkipSequence(std::string_view symbol) {
  return impl_->Call([&] { return impl_->SkipSequence(symbol); });
}
void StreamSim::SendMalformed() {
  impl_->Call([&] { impl_->SendMalformed(); });
}
void StreamSim::GoSilent(std::chrono::milliseconds duration) {
  impl_->Call([&] { impl_->GoSilent(duration); });
}
bool StreamSim::CorruptChecksum(std::string_view symbol) {
  return impl_->Call([&] { return impl_->CorruptChecksum(symbol); });
}
bool StreamSim::ResetSequence(std::string_view symbol) {
  return impl_->Call([&] { return impl_->ResetSequence(symbol); });
}
void StreamSim::Pause() {
  impl_->Call([&] { impl_->Pause(); });
}
void StreamSim::Resume() {
  impl_->Call([&] { impl_->Resume(); });
}
std::optional<BookLevels> StreamSim::BookSnapshot(std::string_view symbol, std::size_t depth) {
  return impl_->Call([&] { return impl_->BookSnapshot(symbol, depth); });
}
bool StreamSim::WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) {
  return impl_->WaitForConnections(count, timeout);
}
std::optional<SandboxKeys> StreamSim::sandbox_keys() const { return impl_->sandbox_keys(); }
std::optional<Balance> StreamSim::SandboxBalance(std::string_view asset) {
  return impl_->Call([&] { return impl_->SandboxBalance(asset); });
}
bool StreamSim::SetSandboxBalance(std::string_view asset, std::int64_t free) {
  return impl_->Call([&] { return impl_->SetSandboxBalance(asset, free); });
}
std::vector<Order> StreamSim::SandboxOrders() {
  return impl_->Call([&] { return impl_->SandboxOrders(); });
}
std::int64_t StreamSim::CrossRestingOrders(std::string_view symbol, OrderSide aggressor,
                                           std::int64_t quantity) {
  return impl_->Call([&] { return impl_->CrossRestingOrders(symbol, aggressor, quantity); });
}
bool StreamSim::InjectOrderFault(OrderFault fault, int count, std::chrono::seconds retry_after) {
  return impl_->Call([&] { return impl_->InjectOrderFault(fault, count, retry_after); });
}
StreamSimCounters StreamSim::counters() const { return impl_->counters(); }

}  // namespace tradingd::sim
