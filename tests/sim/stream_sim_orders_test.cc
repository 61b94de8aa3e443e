// StreamSim's venue-independent order entry, end to end over loopback: a tiny dialect defined here
// (POST /orders with {"symbol","side","type","tif","qty","price"} in kSimScale mantissas, DELETE
// /orders?id=N, GET /orders, GET /balance?asset=X; its sessions record every BookCut and order
// event) on 127.0.0.1:0 with its own io thread, a net::HttpClient and a net::WebSocketClient on a
// second io thread. Checked: the engine's takers reach the sessions' cuts with consecutive update
// ids, resting orders fill from the market's flow and from CrossRestingOrders, the VenueSim
// order-entry methods from the test thread, every OrderFault kind, replay mode's closed market, and
// that a dialect without order entry keeps the VenueSim defaults. Nothing sleeps to synchronize:
// every wait has a deadline that fails the test.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/clock.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/websocket_client.h"
#include "sim/common/http_query.h"
#include "sim/common/matching_engine.h"
#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/common/venue_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;

constexpr auto kDeadline = 10s;
constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
constexpr std::string_view kKey = "test-key";

// ---- what the sessions and the dialect saw (written on the sim's io thread) ----

struct SeenCut {
  std::size_t symbol = 0;
  std::vector<BookLevel> bids, asks;
  std::uint64_t first_update_id = 0;
  std::uint64_t last_update_id = 0;
  std::vector<TradePrint> trades;
  TopOfBook top;
};

struct SeenEvent {
  OrderEventKind kind = OrderEventKind::kAccepted;
  std::uint64_t order_id = 0;
  std::int64_t fill_quantity = 0;
};

class Log {
 public:
  void AddCut(const BookCut& cut) {
    if (cut.empty()) return;
    SeenCut seen;
    seen.symbol = cut.symbol;
    seen.bids.assign(cut.bids.begin(), cut.bids.end());
    seen.asks.assign(cut.asks.begin(), cut.asks.end());
    seen.first_update_id = cut.first_update_id;
    seen.last_update_id = cut.last_update_id;
    seen.trades.assign(cut.trades.begin(), cut.trades.end());
    seen.top = cut.top;
    std::lock_guard lock(mutex_);
    cuts_.push_back(std::move(seen));
    changed_.notify_all();
  }
  void AddSessionEvent(const OrderEvent& event) {
    std::lock_guard lock(mutex_);
    session_events_.push_back(
        {event.kind, event.order->order_id, event.fill != nullptr ? event.fill->quantity : 0});
    changed_.notify_all();
  }
  void AddDialectEvent(const OrderEvent& event) {
    std::lock_guard lock(mutex_);
    dialect_events_.push_back(
        {event.kind, event.order->order_id, event.fill != nullptr ? event.fill->quantity : 0});
    changed_.notify_all();
  }
  std::vector<SeenCut> Cuts(std::size_t symbol) const {
    std::lock_guard lock(mutex_);
    std::vector<SeenCut> out;
    for (const SeenCut& cut : cuts_) {
      if (cut.symbol == symbol) out.push_back(cut);
    }
    return out;
  }
  std::vector<SeenEvent> SessionEvents() const {
    std::lock_guard lock(mutex_);
    return session_events_;
  }
  std::vector<SeenEvent> DialectEvents() const {
    std::lock_guard lock(mutex_);
    return dialect_events_;
  }
  // Until pred() holds (checked under the lock, after every change); false at the deadline.
  bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = kDeadline) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, pred);
  }
  // For predicates: the lock is held by WaitFor.
  std::size_t cut_count_unlocked(std::size_t symbol) const {
    return static_cast<std::size_t>(std::count_if(
        cuts_.begin(), cuts_.end(), [symbol](const SeenCut& c) { return c.symbol == symbol; }));
  }
  const std::vector<SeenCut>& cuts_unlocked() const { return cuts_; }
  const std::vector<SeenEvent>& session_events_unlocked() const { return session_events_; }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SeenCut> cuts_;
  std::vector<SeenEvent> session_events_;
  std::vector<SeenEvent> dialect_events_;
};

// ---- the test venue ----

class TestSession final : public StreamSession {
 public:
  explicit TestSession(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void OnClientText(std::string_view text, StreamOutput& out) override {
    subscribed_ = true;
    out.Send(fmt::format(R"({{"ack":"{}"}})", text));
  }
  void OnBookCut(const BookCut& cut, StreamOutput& /*out*/) override { log_->AddCut(cut); }
  void OnOrderEvent(const OrderEvent& event, StreamOutput& out) override {
    log_->AddSessionEvent(event);
    out.Send(fmt::format(R"({{"order":{},"status":"{}"}})", event.order->order_id,
                         OrderStatusName(event.order->status)));
  }
  bool subscribed() const override { return subscribed_; }

 private:
  std::shared_ptr<Log> log_;
  bool subscribed_ = false;
};

net::ServerResponse Json(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

std::string OrderJson(const Order& order) {
  return fmt::format(
      R"({{"id":{},"symbol":"{}","side":"{}","type":"{}","status":"{}","qty":{},"executed":{},)"
      R"("fills":{}}})",
      order.order_id, order.symbol, OrderSideName(order.side), OrderTypeName(order.type),
      OrderStatusName(order.status), order.quantity, order.executed_quantity, order.fills.size());
}

class TestDialect final : public StreamDialect {
 public:
  TestDialect(std::shared_ptr<Log> log, bool takes_orders)
      : log_(std::move(log)), takes_orders_(takes_orders) {}

  std::string_view venue_name() const override { return "test"; }
  std::string ws_path() const override { return "/ws"; }
  bool AcceptsWebSocket(std::string_view path) const override { return path == "/ws"; }
  std::unique_ptr<StreamSession> NewSession(std::string_view /*target*/,
                                            const StreamMarket& /*market*/) override {
    return std::make_unique<TestSession>(log_);
  }
  net::ServerResponse HandleRest(const net::ServerRequest& request,
                                 const StreamMarket& market) override {
    if (request.Path() == "/public" && request.method == "GET") {
      return Json(200, fmt::format(R"({{"symbols":{},"has_engine":{}}})", market.symbol_count(),
                                   market.engine() != nullptr));
    }
    return Json(404, R"({"error":"unknown path"})");
  }
  bool can_skip_update() const override { return false; }

  std::optional<StreamOrderEntry> order_entry() const override {
    if (!takes_orders_) return std::nullopt;
    StreamOrderEntry entry;
    entry.keys = {std::string(kKey), "test-secret", "test-passphrase"};
    entry.fee_asset = FeeAsset::kQuote;
    entry.maker_fee_ppm = 0;
    entry.taker_fee_ppm = 0;
    entry.post_only_policy = PostOnlyPolicy::kExpire;
    return entry;
  }
  bool IsOrderEntry(const net::ServerRequest& request) const override {
    return request.Path() == "/orders" || request.Path() == "/balance";
  }
  net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                       StreamOrders& orders) override {
    if (request.Header("X-Key") != orders.keys().api_key) {
      return Json(401, R"({"error":"bad key"})");
    }
    MatchingEngine& engine = orders.engine();
    const std::string& account = orders.keys().api_key;
    if (request.Path() == "/balance") {
      const auto asset = QueryParam(request.Query(), "asset");
      const auto balance = engine.GetBalance(account, asset.value_or(""));
      if (!balance) return Json(400, R"({"error":"no account"})");
      return Json(200, fmt::format(R"({{"free":{},"locked":{}}})", balance->free, balance->locked));
    }
    if (request.method == "GET") {
      std::string body = "[";
      for (const Order* order : engine.Orders(account)) {
        if (body.size() > 1) body += ',';
        body += OrderJson(*order);
      }
      return Json(200, body + "]");
    }
    if (request.method == "DELETE") {
      const auto id = QueryParam(request.Query(), "id");
      const OrderResult result = engine.Cancel(account, std::stoull(id.value_or("0")));
      if (!result.ok()) return Json(400, fmt::format(R"({{"refusal":"{}"}})", RefusalName(result.refusal)));
      return Json(200, OrderJson(*result.order));
    }
    if (request.method != "POST") return Json(405, R"({"error":"method"})");
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(request.body).get(doc) != simdjson::SUCCESS) {
      return Json(400, R"({"error":"bad json"})");
    }
    OrderRequest order;
    order.account = account;
    std::string_view text;
    if (doc["symbol"].get(text) == simdjson::SUCCESS) order.symbol = std::string(text);
    if (doc["side"].get(text) == simdjson::SUCCESS) {
      order.side = text == "SELL" ? OrderSide::kSell : OrderSide::kBuy;
    }
    if (doc["type"].get(text) == simdjson::SUCCESS) {
      order.type = text == "MARKET" ? OrderType::kMarket : OrderType::kLimit;
    }
    if (doc["tif"].get(text) == simdjson::SUCCESS) {
      order.time_in_force = text == "IOC" ? TimeInForce::kIoc : TimeInForce::kGtc;
    }
    std::int64_t number = 0;
    if (doc["qty"].get(number) == simdjson::SUCCESS) order.quantity = number;
    if (doc["price"].get(number) == simdjson::SUCCESS) order.price = number;
    const OrderResult result = engine.Place(order);
    if (!result.ok()) {
      return Json(400, fmt::format(R"({{"refusal":"{}"}})", RefusalName(result.refusal)));
    }
    return Json(200, OrderJson(*result.order));
  }
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& /*request*/,
                                        std::chrono::seconds retry_after,
                                        bool banned) const override {
    return Json(banned ? 418 : 429, fmt::format(R"({{"error":"limited","banned":{},"retry":{}}})",
                                                banned, retry_after.count()));
  }
  net::ServerResponse ServerErrorAnswer(const net::ServerRequest& /*request*/) const override {
    return Json(503, R"({"error":"unavailable"})");
  }
  void OnOrderEvent(const OrderEvent& event) override { log_->AddDialectEvent(event); }

 private:
  std::shared_ptr<Log> log_;
  bool takes_orders_;
};

// BTC-USD (tick 0.01, lot 0.0001, ~30,000), ETH-USD (tick 0.01, lot 0.001, ~2,000), SOL-USD.
std::vector<SymbolSpec> TestSymbols() {
  SymbolSpec btc;
  btc.symbol = "BTC-USD";
  btc.base = "BTC";
  btc.quote = "USD";
  btc.tick_size = 1'000'000;
  btc.lot_size = 10'000;
  btc.start_price = 30'000 * kUnit;
  btc.min_notional = kUnit;
  btc.levels_per_side = 100;
  SymbolSpec eth = btc;
  eth.symbol = "ETH-USD";
  eth.base = "ETH";
  eth.lot_size = 100'000;
  eth.start_price = 2'000 * kUnit;
  SymbolSpec sol = eth;
  sol.symbol = "SOL-USD";
  sol.base = "SOL";
  sol.start_price = 20 * kUnit;
  return {btc, eth, sol};
}

constexpr std::size_t kBtc = 0;

// Records what the WebSocket client gets; the test only needs it connected.
class WsHandler final : public net::WebSocketClient::Handler {
 public:
  void OnOpen() override { opens_.fetch_add(1); }
  void OnMessage(std::string_view /*payload*/, std::int64_t /*receive_ns*/) override {
    messages_.fetch_add(1);
  }
  void OnClose(net::CloseReason /*reason*/, std::string_view /*detail*/) override {}
  int opens() const { return opens_.load(); }

 private:
  std::atomic<int> opens_{0};
  std::atomic<int> messages_{0};
};

struct Reply {
  int status = 0;
  std::string body;
  std::string retry_after;
};

class StreamSimOrdersTest : public ::testing::Test {
 protected:
  static StreamSimOptions Options() {
    StreamSimOptions options;
    options.symbols = TestSymbols();
    options.seed = 7;
    options.changes_per_second = 1000;
    options.step_interval = 5ms;
    options.cut_interval = 50ms;
    return options;
  }

  void StartSim(StreamSimOptions options, bool takes_orders = true) {
    sim_ = std::make_unique<StreamSim>(sim_io_.io(), std::move(options),
                                       std::make_unique<TestDialect>(log_, takes_orders));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    ASSERT_NE(*port, 0);
  }

  // One WebSocket client, so that a session records the cuts and the order events.
  void ConnectSession() {
    net::WebSocketClientOptions options;
    options.url = sim_->ws_url();
    options.silence_timeout = 60s;
    options.reconnect_min = 10s;
    options.reconnect_max = 10s;
    options.verify_peer = false;
    ws_ = std::make_unique<net::WebSocketClient>(client_io_.io(), options, ws_handler_);
    client_io_.Run([&] { ws_->Start(); });
    ASSERT_TRUE(sim_->WaitForConnections(1, kDeadline));
  }

  void TearDown() override {
    if (ws_) client_io_.Run([&] { ws_->Stop(); });
    for (auto& http : https_) client_io_.Run([&] { http->Stop(); });
    if (sim_) sim_->Stop();
    client_io_.Join();
    sim_io_.Join();
    ws_.reset();
    https_.clear();
    sim_.reset();
  }

  net::HttpClient& NewHttp(std::chrono::milliseconds timeout = kDeadline) {
    net::HttpClientOptions options;
    options.base_url = sim_->rest_url();
    options.verify_peer = false;
    options.timeout = timeout;
    https_.push_back(std::make_unique<net::HttpClient>(client_io_.io(), options));
    return *https_.back();
  }

  core::Result<net::HttpClientResponse> Send(net::HttpClient& http, std::string method,
                                             std::string target, std::string body = {},
                                             bool with_key = true) {
    std::promise<core::Result<net::HttpClientResponse>> promise;
    auto future = promise.get_future();
    net::HttpClientRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (with_key) request.headers.emplace_back("X-Key", std::string(kKey));
    request.headers.emplace_back("Content-Type", "application/json");
    client_io_.Run([&] {
      http.Send(std::move(request),
                [&promise](auto result) { promise.set_value(std::move(result)); });
    });
    EXPECT_EQ(future.wait_for(kDeadline), std::future_status::ready);
    return future.get();
  }

  Reply Call(std::string method, std::string target, std::string body = {}, bool with_key = true) {
    if (https_.empty()) NewHttp();
    auto result = Send(*https_.front(), std::move(method), std::move(target), std::move(body),
                       with_key);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    return {result->status, result->body, std::string(result->Header("Retry-After"))};
  }

  static std::string OrderBody(std::string_view symbol, std::string_view side,
                               std::string_view type, std::int64_t qty, std::int64_t price = 0,
                               std::string_view tif = "GTC") {
    return fmt::format(R"({{"symbol":"{}","side":"{}","type":"{}","tif":"{}","qty":{},"price":{}}})",
                       symbol, side, type, tif, qty, price);
  }

  Reply Place(std::string_view symbol, std::string_view side, std::string_view type,
              std::int64_t qty, std::int64_t price = 0, std::string_view tif = "GTC") {
    return Call("POST", "/orders", OrderBody(symbol, side, type, qty, price, tif));
  }

  static std::int64_t Field(const std::string& body, const char* key) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) return -1;
    std::int64_t value = 0;
    if (doc[key].get(value) != simdjson::SUCCESS) return -1;
    return value;
  }
  static std::string TextField(const std::string& body, const char* key) {
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(body).get(doc) != simdjson::SUCCESS) return {};
    std::string_view value;
    if (doc[key].get(value) != simdjson::SUCCESS) return {};
    return std::string(value);
  }

  // Every recorded cut of `symbol` follows the previous one: update ids without gaps.
  void ExpectConsecutive(std::size_t symbol) {
    const auto cuts = log_->Cuts(symbol);
    for (std::size_t i = 1; i < cuts.size(); ++i) {
      ASSERT_EQ(cuts[i].first_update_id, cuts[i - 1].last_update_id + 1) << "cut " << i;
      ASSERT_GE(cuts[i].last_update_id, cuts[i].first_update_id);
    }
  }

  std::shared_ptr<Log> log_ = std::make_shared<Log>();
  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<StreamSim> sim_;
  WsHandler ws_handler_;
  std::unique_ptr<net::WebSocketClient> ws_;
  std::vector<std::unique_ptr<net::HttpClient>> https_;
};

// ---- takers in the public feed ----

TEST_F(StreamSimOrdersTest, PausedTakerGoesOutAsOneCutAtOnce) {
  StreamSimOptions options = Options();
  options.start_paused = true;
  options.sandbox_funding.quote_balance = 100'000'000 * kUnit;  // takes two levels, whatever size
  StartSim(std::move(options));
  ConnectSession();
  const auto before = sim_->BookSnapshot("BTC-USD");
  ASSERT_TRUE(before.has_value());
  ASSERT_GE(before->asks.size(), 2u);
  const BookLevel a0 = before->asks[0];
  const BookLevel a1 = before->asks[1];
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t rest_of_a1 = a1.quantity / 2 / lot * lot;
  const std::int64_t taken_a1 = a1.quantity - rest_of_a1;
  ASSERT_GT(rest_of_a1, 0) << "seed 7 should leave part of the second level";
  ASSERT_GT(taken_a1, 0);
  const std::int64_t qty = a0.quantity + taken_a1;

  // A request that changes no book cuts nothing, paused or not.
  const std::uint64_t cuts_before = sim_->counters().cuts;
  ASSERT_EQ(Call("GET", "/balance?asset=USD").status, 200);
  EXPECT_EQ(sim_->counters().cuts, cuts_before);

  const Reply reply = Place("BTC-USD", "BUY", "MARKET", qty);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(TextField(reply.body, "status"), "FILLED");
  EXPECT_EQ(sim_->counters().cuts, cuts_before + 1);
  EXPECT_EQ(Field(reply.body, "executed"), qty);

  // Paused: the cut went out before the answer.
  const auto cuts = log_->Cuts(kBtc);
  ASSERT_EQ(cuts.size(), 1u);
  const SeenCut& cut = cuts.front();
  EXPECT_EQ(cut.first_update_id, before->last_update_id + 1);
  EXPECT_EQ(cut.last_update_id, before->last_update_id + 2);
  EXPECT_TRUE(cut.bids.empty());
  ASSERT_EQ(cut.asks.size(), 2u);
  EXPECT_EQ(cut.asks[0], (BookLevel{a0.price, 0}));
  EXPECT_EQ(cut.asks[1], (BookLevel{a1.price, a1.quantity - taken_a1}));
  ASSERT_EQ(cut.trades.size(), 2u);
  EXPECT_EQ(cut.trades[0].price, a0.price);
  EXPECT_EQ(cut.trades[0].quantity, a0.quantity);
  EXPECT_FALSE(cut.trades[0].buyer_is_maker);
  EXPECT_EQ(cut.trades[1].price, a1.price);
  EXPECT_EQ(cut.trades[1].quantity, taken_a1);
  EXPECT_EQ(cut.top.ask_price, a1.price);
  EXPECT_EQ(cut.top.ask_quantity, a1.quantity - taken_a1);

  // The order's fills are those prints.
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  ASSERT_EQ(orders[0].fills.size(), 2u);
  EXPECT_EQ(orders[0].fills[0].public_trade_id, cut.trades[0].trade_id);
  EXPECT_EQ(orders[0].fills[1].public_trade_id, cut.trades[1].trade_id);
  EXPECT_FALSE(orders[0].fills[0].is_maker);

  // The venue's book is the client's.
  const auto after = sim_->BookSnapshot("BTC-USD");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->last_update_id, cut.last_update_id);
  ASSERT_FALSE(after->asks.empty());
  EXPECT_EQ(after->asks[0], (BookLevel{a1.price, a1.quantity - taken_a1}));
  EXPECT_EQ(after->bids, before->bids);

  // The market goes on from there without a gap.
  sim_->Resume();
  ASSERT_TRUE(log_->WaitFor([&] { return log_->cut_count_unlocked(kBtc) >= 6; }));
  ExpectConsecutive(kBtc);

  // The events: accepted, two fills, to the dialect and to the session, in order.
  const auto events = log_->DialectEvents();
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].kind, OrderEventKind::kAccepted);
  EXPECT_EQ(events[1].kind, OrderEventKind::kFill);
  EXPECT_EQ(events[1].fill_quantity, a0.quantity);
  EXPECT_EQ(events[2].kind, OrderEventKind::kFill);
  const auto session_events = log_->SessionEvents();
  ASSERT_EQ(session_events.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(session_events[i].kind, events[i].kind);
    EXPECT_EQ(session_events[i].order_id, events[i].order_id);
  }
}

TEST_F(StreamSimOrdersTest, RunningTakerTradesJoinTheNextCut) {
  StartSim(Options());
  ConnectSession();
  ASSERT_TRUE(log_->WaitFor([&] { return log_->cut_count_unlocked(kBtc) >= 3; }));
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const Reply buy = Place("BTC-USD", "BUY", "MARKET", 30 * lot);
  ASSERT_EQ(buy.status, 200) << buy.body;
  const Reply sell = Place("BTC-USD", "SELL", "MARKET", 20 * lot);
  ASSERT_EQ(sell.status, 200) << sell.body;
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 2u);
  std::vector<Fill> fills;
  for (const Order& order : orders) {
    EXPECT_EQ(order.status, OrderStatus::kFilled);
    fills.insert(fills.end(), order.fills.begin(), order.fills.end());
  }
  ASSERT_FALSE(fills.empty());
  // Each fill's print reaches a cut with the fill's price, quantity and aggressor.
  const auto printed = [&](const Fill& fill) {
    for (const SeenCut& cut : log_->cuts_unlocked()) {
      if (cut.symbol != kBtc) continue;
      for (const TradePrint& trade : cut.trades) {
        if (trade.trade_id == fill.public_trade_id) {
          return trade.price == fill.price && trade.quantity == fill.quantity &&
                 trade.buyer_is_maker == (fill.side == OrderSide::kSell);
        }
      }
    }
    return false;
  };
  ASSERT_TRUE(log_->WaitFor([&] {
    return std::all_of(fills.begin(), fills.end(), printed);
  })) << "a taker's print never reached the session";
  ASSERT_TRUE(log_->WaitFor([&] { return log_->cut_count_unlocked(kBtc) >= 10; }));
  ExpectConsecutive(kBtc);
  ExpectConsecutive(1);
}

// ---- resting orders ----

TEST_F(StreamSimOrdersTest, RestingOrdersFillFromTheMarketFlow) {
  StreamSimOptions options = Options();
  options.changes_per_second = 4000;
  StartSim(std::move(options));
  ConnectSession();
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty() && !book->asks.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const Reply buy = Place("BTC-USD", "BUY", "LIMIT", 5 * lot, book->bids[0].price);
  ASSERT_EQ(buy.status, 200) << buy.body;
  const Reply sell = Place("BTC-USD", "SELL", "LIMIT", 5 * lot, book->asks[0].price);
  ASSERT_EQ(sell.status, 200) << sell.body;

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  std::vector<Order> orders;
  bool filled = false;
  while (!filled && std::chrono::steady_clock::now() < deadline) {
    orders = sim_->SandboxOrders();
    filled = std::any_of(orders.begin(), orders.end(),
                         [](const Order& o) { return o.executed_quantity > 0; });
    if (!filled) std::this_thread::sleep_for(10ms);  // polling the venue, not synchronizing
  }
  ASSERT_TRUE(filled) << "no resting order filled from the market's flow";
  // (An order the market crossed on its way in took as a taker; the others rested.)
  int maker_fills = 0;
  for (const Order& order : orders) {
    for (const Fill& fill : order.fills) {
      if (!fill.is_maker) continue;
      ++maker_fills;
      EXPECT_EQ(fill.price, order.price);
      EXPECT_NE(fill.public_trade_id, 0u);  // it followed a print or a crossing level
    }
  }
  EXPECT_GT(maker_fills, 0);
  // The fills reached the private side: the dialect and the session.
  const auto has_fill = [](const std::vector<SeenEvent>& events) {
    return std::any_of(events.begin(), events.end(),
                       [](const SeenEvent& e) { return e.kind == OrderEventKind::kFill; });
  };
  EXPECT_TRUE(has_fill(log_->DialectEvents()));
  EXPECT_TRUE(log_->WaitFor([&] { return has_fill(log_->session_events_unlocked()); }));
  ExpectConsecutive(kBtc);
}

TEST_F(StreamSimOrdersTest, CrossRestingOrdersFillsWithoutPrinting) {
  StreamSimOptions options = Options();
  options.start_paused = true;
  StartSim(std::move(options));
  ConnectSession();
  const auto book = sim_->BookSnapshot("ETH-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[1].lot_size;
  const std::int64_t price = book->bids[0].price - 10 * TestSymbols()[1].tick_size;
  const Reply buy = Place("ETH-USD", "BUY", "LIMIT", 10 * lot, price);
  ASSERT_EQ(buy.status, 200) << buy.body;
  EXPECT_EQ(TextField(buy.body, "status"), "NEW");
  const std::size_t cuts_before = log_->Cuts(1).size();
  const auto usd_before = sim_->SandboxBalance("USD");
  ASSERT_TRUE(usd_before.has_value());
  EXPECT_EQ(usd_before->locked, 10 * lot * price / kUnit);

  // From the test thread: the sim posts onto its io thread.
  EXPECT_EQ(sim_->CrossRestingOrders("ETH-USD", OrderSide::kSell, 4 * lot), 4 * lot);
  EXPECT_EQ(sim_->CrossRestingOrders("BTC-USD", OrderSide::kSell, 4 * lot), 0);  // none there
  EXPECT_EQ(sim_->CrossRestingOrders("ETH-USD", OrderSide::kBuy, 4 * lot), 0);   // wrong side
  EXPECT_EQ(sim_->CrossRestingOrders("XRP-USD", OrderSide::kSell, 4 * lot), 0);  // unknown
  auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(orders[0].executed_quantity, 4 * lot);
  ASSERT_EQ(orders[0].fills.size(), 1u);
  EXPECT_TRUE(orders[0].fills[0].is_maker);
  EXPECT_EQ(orders[0].fills[0].public_trade_id, 0u);  // nothing printed

  EXPECT_EQ(sim_->CrossRestingOrders("ETH-USD", OrderSide::kSell, 100 * lot), 6 * lot);
  orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].status, OrderStatus::kFilled);
  // Cross fills are not public prints: no cut carries them.
  EXPECT_EQ(log_->Cuts(1).size(), cuts_before);
  EXPECT_EQ(sim_->SandboxBalance("ETH")->free, 100 * kUnit + 10 * lot);
  EXPECT_EQ(sim_->SandboxBalance("USD")->locked, 0);
  const auto events = log_->SessionEvents();
  EXPECT_EQ(std::count_if(events.begin(), events.end(),
                          [](const SeenEvent& e) { return e.kind == OrderEventKind::kFill; }),
            2);
}

// ---- the VenueSim order-entry methods ----

TEST_F(StreamSimOrdersTest, BalancesAndOrdersFromAForeignThread) {
  StartSim(Options());
  const auto keys = sim_->sandbox_keys();
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->api_key, kKey);
  EXPECT_EQ(keys->api_secret, "test-secret");
  EXPECT_EQ(keys->passphrase, "test-passphrase");

  // The default funding: 100,000 of each quote, 10 BTC, 100 ETH, 1,000 of any other base.
  EXPECT_EQ(sim_->SandboxBalance("USD"), (Balance{100'000 * kUnit, 0}));
  EXPECT_EQ(sim_->SandboxBalance("btc"), (Balance{10 * kUnit, 0}));
  EXPECT_EQ(sim_->SandboxBalance("ETH"), (Balance{100 * kUnit, 0}));
  EXPECT_EQ(sim_->SandboxBalance("SOL"), (Balance{1'000 * kUnit, 0}));
  EXPECT_EQ(sim_->SandboxBalance("DOGE"), (Balance{0, 0}));
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  // The dialect sees the same account.
  Reply balance = Call("GET", "/balance?asset=USD");
  ASSERT_EQ(balance.status, 200) << balance.body;
  EXPECT_EQ(Field(balance.body, "free"), 100'000 * kUnit);
  EXPECT_EQ(Call("GET", "/balance?asset=USD", {}, false).status, 401);

  // A test's "insufficient balance".
  ASSERT_TRUE(sim_->SetSandboxBalance("usd", 5 * kUnit));
  EXPECT_FALSE(sim_->SetSandboxBalance("USD", -1));
  balance = Call("GET", "/balance?asset=USD");
  EXPECT_EQ(Field(balance.body, "free"), 5 * kUnit);
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const Reply refused = Place("BTC-USD", "BUY", "LIMIT", kUnit, book->bids[0].price);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(TextField(refused.body, "refusal"), "INSUFFICIENT_BALANCE");

  // What the account placed, in order, as copies.
  ASSERT_TRUE(sim_->SetSandboxBalance("USD", 100'000 * kUnit));
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / TestSymbols()[kBtc].tick_size *
                           TestSymbols()[kBtc].tick_size;
  ASSERT_EQ(Place("BTC-USD", "BUY", "LIMIT", lot, low).status, 200);
  ASSERT_EQ(Place("BTC-USD", "BUY", "LIMIT", 2 * lot, low).status, 200);
  auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].quantity, lot);
  EXPECT_EQ(orders[1].quantity, 2 * lot);
  EXPECT_EQ(orders[0].account, kKey);
  EXPECT_EQ(sim_->SandboxBalance("USD")->locked, 3 * lot * low / kUnit);
  const Reply cancel = Call("DELETE", fmt::format("/orders?id={}", orders[0].order_id));
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  EXPECT_EQ(TextField(cancel.body, "status"), "CANCELED");
  orders = sim_->SandboxOrders();
  EXPECT_EQ(orders[0].status, OrderStatus::kCanceled);
  EXPECT_EQ(sim_->SandboxBalance("USD")->locked, 2 * lot * low / kUnit);

  // Market-data REST is the dialect's HandleRest, with the read-only engine.
  const Reply rules = Call("GET", "/public", {}, false);
  EXPECT_EQ(rules.status, 200);
  EXPECT_NE(rules.body.find(R"("has_engine":true)"), std::string::npos) << rules.body;
  EXPECT_EQ(sim_->counters().order_requests, 7u);
}

// ---- order faults ----

TEST_F(StreamSimOrdersTest, ServerErrorRefusesBeforeTheDialect) {
  StartSim(Options());
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / 1'000'000 * 1'000'000;
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError, 2));
  EXPECT_FALSE(sim_->InjectOrderFault(OrderFault::kServerError, 0));
  // Not order entry: untouched by the fault.
  EXPECT_EQ(Call("GET", "/public").status, 200);
  Reply reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(TextField(reply.body, "error"), "unavailable");
  reply = Call("GET", "/balance?asset=USD");  // a query counts too
  EXPECT_EQ(reply.status, 503);
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
  EXPECT_EQ(sim_->counters().order_faults, 2u);

  // The admin endpoint arms the same faults.
  reply = Call("POST", "/_sim/order-fault", R"({"fault":"server_error"})");
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Place("BTC-USD", "BUY", "LIMIT", lot, low).status, 503);
  EXPECT_EQ(Call("POST", "/_sim/order-fault", R"({"fault":"meltdown"})").status, 400);
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(StreamSimOrdersTest, AcceptThenFailPlacesTheOrder) {
  StartSim(Options());
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / 1'000'000 * 1'000'000;
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  const Reply reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(TextField(reply.body, "error"), "unavailable");
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].status, OrderStatus::kNew);
  EXPECT_EQ(orders[0].price, low);
  // The next one is answered.
  EXPECT_EQ(Place("BTC-USD", "BUY", "LIMIT", lot, low).status, 200);
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
}

TEST_F(StreamSimOrdersTest, AcceptThenTimeoutPlacesTheOrderAndNeverAnswers) {
  StartSim(Options());
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / 1'000'000 * 1'000'000;
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient& impatient = NewHttp(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto result = Send(impatient, "POST", "/orders", OrderBody("BTC-USD", "BUY", "LIMIT", lot, low));
  EXPECT_FALSE(result.ok()) << "answered: " << (result.ok() ? result->body : "");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 250ms);
  // Placed once: the client does not resend a POST, and the venue held the answer.
  auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].quantity, lot);
  EXPECT_EQ(sim_->counters().held_answers, 1u);
  // Another connection is served as usual.
  net::HttpClient& other = NewHttp();
  result = Send(other, "GET", "/orders");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
  // Stop releases the held answer.
  sim_->Stop();
  EXPECT_EQ(sim_->counters().held_answers, 0u);
}

TEST_F(StreamSimOrdersTest, RateLimitedThenBannedUntilRetryAfterPasses) {
  core::ManualClock clock(1'700'000'000'000'000'000);
  StreamSimOptions options = Options();
  options.clock = &clock;
  StartSim(std::move(options));
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / 1'000'000 * 1'000'000;
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 2s));

  Reply reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 429) << reply.body;
  EXPECT_EQ(reply.retry_after, "2");
  EXPECT_NE(reply.body.find(R"("banned":false)"), std::string::npos) << reply.body;
  // Before Retry-After has passed: the venue's ban, for the rest of it.
  reply = Call("GET", "/balance?asset=USD");
  EXPECT_EQ(reply.status, 418) << reply.body;
  EXPECT_EQ(reply.retry_after, "2");
  clock.Advance(1'500'000'000);
  reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 418) << reply.body;
  EXPECT_EQ(reply.retry_after, "1");
  EXPECT_NE(reply.body.find(R"("retry":1)"), std::string::npos) << reply.body;
  // Market data is not order entry.
  EXPECT_EQ(Call("GET", "/public").status, 200);
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock.Advance(500'000'000);
  reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
  EXPECT_EQ(sim_->counters().order_faults, 3u);

  // A fault with no Retry-After to wait: refused once, then served.
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 0s));
  reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.retry_after, "0");
  EXPECT_EQ(Place("BTC-USD", "BUY", "LIMIT", lot, low).status, 200);
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
}

// ---- silence, replay, no order entry ----

TEST_F(StreamSimOrdersTest, SilentVenueHoldsTheSessionsOrderEvents) {
  StartSim(Options());
  ConnectSession();
  const auto book = sim_->BookSnapshot("BTC-USD", 1);
  ASSERT_TRUE(book && !book->bids.empty());
  const std::int64_t lot = TestSymbols()[kBtc].lot_size;
  const std::int64_t low = book->bids[0].price / 2 / 1'000'000 * 1'000'000;
  sim_->GoSilent(500ms);
  const auto silenced = std::chrono::steady_clock::now();
  const Reply reply = Place("BTC-USD", "BUY", "LIMIT", lot, low);
  ASSERT_EQ(reply.status, 200) << reply.body;
  const auto id = static_cast<std::uint64_t>(Field(reply.body, "id"));
  // The dialect saw it at once; the sessions get it when the silence ends.
  const auto dialect_events = log_->DialectEvents();
  ASSERT_EQ(dialect_events.size(), 1u);
  EXPECT_EQ(dialect_events[0].order_id, id);
  const bool early = !log_->SessionEvents().empty();
  if (std::chrono::steady_clock::now() - silenced < 450ms) {
    EXPECT_FALSE(early);
  }
  ASSERT_TRUE(log_->WaitFor([&] { return !log_->session_events_unlocked().empty(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - silenced, 450ms);
  const auto events = log_->SessionEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, OrderEventKind::kAccepted);
  EXPECT_EQ(events[0].order_id, id);
}

TEST_F(StreamSimOrdersTest, ReplayModeRefusesOrdersAsClosed) {
  StreamSimOptions options = Options();
  options.replay = {{1'000, R"({"recorded":1})"}, {2'000, R"({"recorded":2})"}};
  StartSim(std::move(options));
  const Reply reply = Place("BTC-USD", "BUY", "LIMIT", 10'000, 30'000 * kUnit);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(TextField(reply.body, "refusal"), "MARKET_CLOSED");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  EXPECT_EQ(sim_->SandboxBalance("USD"), (Balance{100'000 * kUnit, 0}));
  EXPECT_EQ(sim_->CrossRestingOrders("BTC-USD", OrderSide::kSell, kUnit), 0);
  // Faults still apply to the venue's order entry.
  EXPECT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError));
  EXPECT_EQ(Place("BTC-USD", "BUY", "LIMIT", 10'000, 30'000 * kUnit).status, 503);
}

TEST_F(StreamSimOrdersTest, WithoutOrderEntryTheVenueSimDefaults) {
  StartSim(Options(), /*takes_orders=*/false);
  EXPECT_FALSE(sim_->sandbox_keys().has_value());
  EXPECT_FALSE(sim_->SandboxBalance("USD").has_value());
  EXPECT_FALSE(sim_->SetSandboxBalance("USD", kUnit));
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  EXPECT_EQ(sim_->CrossRestingOrders("BTC-USD", OrderSide::kSell, kUnit), 0);
  EXPECT_FALSE(sim_->InjectOrderFault(OrderFault::kServerError));
  // Order paths are the dialect's HandleRest: its 404.
  EXPECT_EQ(Place("BTC-USD", "BUY", "MARKET", 10'000).status, 404);
  const Reply rules = Call("GET", "/public");
  EXPECT_NE(rules.body.find(R"("has_engine":false)"), std::string::npos) << rules.body;
  EXPECT_EQ(Call("POST", "/_sim/order-fault", R"({"fault":"server_error"})").status, 400);
  EXPECT_EQ(sim_->counters().order_requests, 0u);
}

}  // namespace
}  // namespace tradingd::sim
