// End-to-end tests of the sandbox Binance venue: the sim runs on its own io thread on
// 127.0.0.1:0; clients from net/ run on a second io thread. Every wait has a deadline that fails
// the test; nothing sleeps to synchronize.

#include "sim/binance/binance_sim.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/decimal.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::binance {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kDeadline = 10s;

// An io_context with its own thread.
class IoThread {
 public:
  IoThread() : guard_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~IoThread() { Join(); }
  void Join() {
    if (!thread_.joinable()) return;
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  boost::asio::io_context& io() { return io_; }
  // Runs fn on the io thread and waits for it.
  template <typename F>
  auto Run(F&& fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto future = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return future.get();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

struct Message {
  std::string text;
  SteadyClock::time_point at;
};

// Records what a WebSocketClient sees; waits with deadlines.
class Recorder : public net::WebSocketClient::Handler {
 public:
  void OnOpen() override {
    std::lock_guard lock(mutex_);
    ++opens_;
    cv_.notify_all();
  }
  void OnMessage(std::string_view payload, std::int64_t) override {
    std::lock_guard lock(mutex_);
    messages_.push_back({std::string(payload), SteadyClock::now()});
    cv_.notify_all();
  }
  void OnClose(net::CloseReason, std::string_view) override {
    std::lock_guard lock(mutex_);
    ++closes_;
    cv_.notify_all();
  }
  // Waits until pred(messages, opens, closes) holds; false at the deadline.
  bool WaitFor(const std::function<bool(const std::vector<Message>&, int, int)>& pred,
               std::chrono::milliseconds timeout = kDeadline) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return pred(messages_, opens_, closes_); });
  }
  std::vector<Message> Messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Message> messages_;
  int opens_ = 0;
  int closes_ = 0;
};

// A parsed depth diff.
struct Diff {
  std::string stream;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> bids;
  std::vector<std::pair<std::int64_t, std::int64_t>> asks;
  std::string data;  // the raw payload without "E"
};

std::int64_t ParseScaled(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  // Binance spot writes exactly 8 fractional digits.
  EXPECT_EQ(text.size() - text.find('.'), 9u) << text;
  return mantissa;
}

// The "data" object of a combined frame, or the frame itself.
simdjson::dom::element Data(simdjson::dom::parser& parser, const std::string& text,
                            std::string* stream = nullptr) {
  simdjson::dom::element doc = parser.parse(text);
  simdjson::dom::element data;
  if (doc["data"].get(data) == simdjson::SUCCESS) {
    if (stream != nullptr) *stream = std::string(std::string_view(doc["stream"]));
    return data;
  }
  return doc;
}

bool IsDepth(simdjson::dom::element data) {
  std::string_view e;
  return data["e"].get(e) == simdjson::SUCCESS && e == "depthUpdate";
}

bool IsBookTicker(simdjson::dom::element data) {
  simdjson::dom::element b;
  std::string_view e;
  return data["e"].get(e) != simdjson::SUCCESS && data["b"].get(b) == simdjson::SUCCESS &&
         b.is_string();
}

std::vector<Diff> Diffs(const std::vector<Message>& messages) {
  simdjson::dom::parser parser;
  std::vector<Diff> diffs;
  for (const Message& message : messages) {
    simdjson::dom::element doc;
    if (parser.parse(message.text).get(doc) != simdjson::SUCCESS) continue;
    std::string stream;
    simdjson::dom::element data = Data(parser, message.text, &stream);
    if (!IsDepth(data)) continue;
    Diff diff;
    diff.stream = stream;
    diff.first = std::uint64_t(data["U"]);
    diff.last = std::uint64_t(data["u"]);
    for (simdjson::dom::array level : simdjson::dom::array(data["b"])) {
      diff.bids.emplace_back(ParseScaled(level.at(0)), ParseScaled(level.at(1)));
    }
    for (simdjson::dom::array level : simdjson::dom::array(data["a"])) {
      diff.asks.emplace_back(ParseScaled(level.at(0)), ParseScaled(level.at(1)));
    }
    const std::string_view raw = message.text;
    diff.data = std::string(raw.substr(raw.find(R"("s":)")));
    diffs.push_back(std::move(diff));
  }
  return diffs;
}

std::size_t CountDiffs(const std::vector<Message>& messages) {
  std::size_t n = 0;
  for (const Message& m : messages) n += m.text.find("depthUpdate") != std::string::npos;
  return n;
}

// One sim on its own thread plus a client io thread.
class SimTest : public ::testing::Test {
 protected:
  void StartSim(BinanceSimOptions options) {
    sim_ = std::make_unique<BinanceSim>(sim_io_.io(), std::move(options));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    ASSERT_NE(*port, 0);
  }

  void TearDown() override {
    for (auto& client : clients_) {
      client_io_.Run([&] { client->Stop(); });
    }
    for (auto& http : https_) {
      client_io_.Run([&] { http->Stop(); });
    }
    if (sim_) sim_->Stop();
    client_io_.Join();
    sim_io_.Join();
    clients_.clear();
    https_.clear();
    sim_.reset();
  }

  // Connects a client to ws://127.0.0.1:<port><target>.
  net::WebSocketClient& Connect(const std::string& target, Recorder& recorder,
                                std::chrono::milliseconds reconnect_min = 10s) {
    net::WebSocketClientOptions options;
    options.url = sim_->ws_base_url() + target;
    options.silence_timeout = 30s;
    options.reconnect_min = reconnect_min;
    options.reconnect_max = reconnect_min;
    options.verify_peer = false;
    options.max_queued_writes = 1024;
    clients_.push_back(std::make_unique<net::WebSocketClient>(client_io_.io(), options, recorder));
    net::WebSocketClient* client = clients_.back().get();
    client_io_.Run([client] { client->Start(); });
    EXPECT_TRUE(recorder.WaitFor([](auto&, int opens, int) { return opens >= 1; }));
    return *client;
  }

  void Send(net::WebSocketClient& client, std::string text) {
    EXPECT_TRUE(client_io_.Run([&] { return client.Send(std::move(text)); }));
  }

  net::HttpClientResponse Get(const std::string& target, const std::string& method = "GET",
                              std::string body = {}) {
    if (https_.empty()) {
      net::HttpClientOptions options;
      options.base_url = sim_->http_base_url();
      options.verify_peer = false;
      https_.push_back(std::make_unique<net::HttpClient>(client_io_.io(), options));
    }
    std::promise<core::Result<net::HttpClientResponse>> promise;
    auto future = promise.get_future();
    net::HttpClientRequest request;
    request.method = method;
    request.target = target;
    request.body = std::move(body);
    client_io_.Run([&] {
      https_.front()->Send(std::move(request),
                           [&promise](auto result) { promise.set_value(std::move(result)); });
    });
    EXPECT_EQ(future.wait_for(kDeadline), std::future_status::ready);
    auto result = future.get();
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : net::HttpClientResponse{};
  }

  // Recorders live as long as the fixture: a client may report its close during TearDown.
  Recorder& NewRecorder() { return *recorders_.emplace_back(std::make_unique<Recorder>()); }

  static BinanceSimOptions FastOptions() {
    BinanceSimOptions options;
    options.changes_per_second = 500;
    options.ping_interval = 0ms;
    return options;
  }

  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<BinanceSim> sim_;
  std::vector<std::unique_ptr<net::WebSocketClient>> clients_;
  std::vector<std::unique_ptr<net::HttpClient>> https_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
};

TEST_F(SimTest, CombinedDepthDiffsAreConsecutive) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@100ms", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return CountDiffs(m) >= 8; }));
  const auto diffs = Diffs(recorder.Messages());
  ASSERT_GE(diffs.size(), 8u);
  for (std::size_t i = 0; i < diffs.size(); ++i) {
    EXPECT_EQ(diffs[i].stream, "btcusdt@depth@100ms");
    EXPECT_LE(diffs[i].first, diffs[i].last);
    EXPECT_FALSE(diffs[i].bids.empty() && diffs[i].asks.empty());
    if (i > 0) {
      EXPECT_EQ(diffs[i].first, diffs[i - 1].last + 1) << "diff " << i;
    }
  }
  // The venue counts a frame on its own thread after queueing it, so the client may see a frame
  // before the count moves; Pause() runs on that thread and returns after everything before it.
  sim_->Pause();
  EXPECT_GE(sim_->counters().depth_frames, diffs.size());
}

TEST_F(SimTest, SnapshotPlusDiffsReproducesThePausedBookAndBookTicker) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  auto& client = Connect("/ws", recorder);
  Send(client,
       R"({"method":"SUBSCRIBE","params":["btcusdt@depth@100ms","btcusdt@bookTicker"],"id":7})");
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) {
    for (auto& msg : m) {
      if (msg.text == R"({"result":null,"id":7})") return true;
    }
    return false;
  }));
  // Let a few diffs arrive first: the snapshot must land in the middle of the stream.
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return CountDiffs(m) >= 2; }));
  const auto response = Get("/api/v3/depth?symbol=BTCUSDT&limit=5000");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_FALSE(response.Header("X-MBX-USED-WEIGHT-1M").empty());

  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  simdjson::dom::parser parser;
  simdjson::dom::element snapshot = parser.parse(response.body);
  const std::uint64_t last_update_id = snapshot["lastUpdateId"];
  for (simdjson::dom::array level : simdjson::dom::array(snapshot["bids"])) {
    bids[ParseScaled(level.at(0))] = ParseScaled(level.at(1));
  }
  for (simdjson::dom::array level : simdjson::dom::array(snapshot["asks"])) {
    asks[ParseScaled(level.at(0))] = ParseScaled(level.at(1));
  }
  ASSERT_GT(bids.size(), 300u);

  // At least one diff after the snapshot, so that the procedure below really applies something.
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    const auto diffs = Diffs(m);
    return !diffs.empty() && diffs.back().last > last_update_id;
  }));
  sim_->Pause();
  const auto book = sim_->BookSnapshot("BTCUSDT");
  ASSERT_TRUE(book.has_value());
  const std::uint64_t final_id = book->last_update_id;
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    const auto diffs = Diffs(m);
    return !diffs.empty() && diffs.back().last == final_id;
  })) << "the last diff never reached the paused book's update id "
      << final_id;

  // Binance's procedure: drop diffs older than the snapshot, the first one straddles it, then
  // each U is the previous u + 1.
  std::uint64_t previous = 0;
  std::size_t applied = 0;
  for (const Diff& diff : Diffs(recorder.Messages())) {
    if (diff.last <= last_update_id) continue;
    if (previous == 0) {
      ASSERT_LE(diff.first, last_update_id + 1);
      ASSERT_GE(diff.last, last_update_id + 1);
    } else {
      ASSERT_EQ(diff.first, previous + 1);
    }
    previous = diff.last;
    for (auto [price, quantity] : diff.bids) {
      if (quantity == 0) {
        bids.erase(price);
      } else {
        bids[price] = quantity;
      }
    }
    for (auto [price, quantity] : diff.asks) {
      if (quantity == 0) {
        asks.erase(price);
      } else {
        asks[price] = quantity;
      }
    }
    ++applied;
  }
  EXPECT_GT(applied, 0u);
  ASSERT_EQ(bids.size(), book->bids.size());
  ASSERT_EQ(asks.size(), book->asks.size());
  std::size_t i = 0;
  for (auto [price, quantity] : bids) {
    ASSERT_EQ(price, book->bids[i].price);
    ASSERT_EQ(quantity, book->bids[i].quantity);
    ++i;
  }
  i = 0;
  for (auto [price, quantity] : asks) {
    ASSERT_EQ(price, book->asks[i].price);
    ASSERT_EQ(quantity, book->asks[i].quantity);
    ++i;
  }

  // The last bookTicker (sent before the final diff on the same socket) holds for the paused book.
  std::uint64_t ticker_u = 0;
  std::uint64_t previous_ticker_u = 0;
  std::int64_t b = 0, bq = 0, a = 0, aq = 0;
  for (const Message& message : recorder.Messages()) {
    simdjson::dom::element data;
    if (parser.parse(message.text).get(data) != simdjson::SUCCESS || !IsBookTicker(data)) continue;
    EXPECT_EQ(std::string_view(data["s"]), "BTCUSDT");
    ticker_u = data["u"];
    EXPECT_GT(ticker_u, previous_ticker_u);
    previous_ticker_u = ticker_u;
    b = ParseScaled(data["b"]);
    bq = ParseScaled(data["B"]);
    a = ParseScaled(data["a"]);
    aq = ParseScaled(data["A"]);
  }
  ASSERT_NE(ticker_u, 0u);
  EXPECT_LE(ticker_u, final_id);
  EXPECT_EQ(b, book->bids.front().price);
  EXPECT_EQ(bq, book->bids.front().quantity);
  EXPECT_EQ(a, book->asks.front().price);
  EXPECT_EQ(aq, book->asks.front().quantity);
  EXPECT_LT(b, a);
}

TEST_F(SimTest, RawTradeStreamHasBinanceFields) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  Connect("/ws/btcusdt@trade", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return m.size() >= 3; }));
  simdjson::dom::parser parser;
  std::uint64_t previous = 0;
  for (const Message& message : recorder.Messages()) {
    simdjson::dom::element trade = parser.parse(message.text);
    EXPECT_EQ(std::string_view(trade["e"]), "trade");
    EXPECT_EQ(std::string_view(trade["s"]), "BTCUSDT");
    const std::uint64_t id = trade["t"];
    if (previous != 0) {
      EXPECT_GT(id, previous);
    }
    previous = id;
    EXPECT_GT(ParseScaled(trade["p"]), 0);
    EXPECT_GT(ParseScaled(trade["q"]), 0);
    EXPECT_TRUE(trade["m"].is_bool());
    EXPECT_TRUE(bool(trade["M"]));
    EXPECT_GT(int64_t(trade["T"]), 0);
    EXPECT_GT(int64_t(trade["E"]), 0);
  }
}

TEST_F(SimTest, ExchangeInfoHasTheFiltersAndPingTimeWork) {
  StartSim(FastOptions());
  auto response = Get("/api/v3/exchangeInfo");
  ASSERT_EQ(response.status, 200);
  EXPECT_FALSE(response.Header("X-MBX-USED-WEIGHT-1M").empty());
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["symbols"]).size(), 2u);
  EXPECT_GT(int64_t(doc["serverTime"]), 0);
  simdjson::dom::element btc = simdjson::dom::array(doc["symbols"]).at(0);
  EXPECT_EQ(std::string_view(btc["symbol"]), "BTCUSDT");
  EXPECT_EQ(std::string_view(btc["status"]), "TRADING");
  std::map<std::string, std::string> filters;
  for (simdjson::dom::element filter : simdjson::dom::array(btc["filters"])) {
    const std::string type{std::string_view(filter["filterType"])};
    if (type == "PRICE_FILTER") filters[type] = std::string_view(filter["tickSize"]);
    if (type == "LOT_SIZE") filters[type] = std::string_view(filter["stepSize"]);
    if (type == "NOTIONAL") filters[type] = std::string_view(filter["minNotional"]);
  }
  EXPECT_EQ(filters["PRICE_FILTER"], "0.01000000");
  EXPECT_EQ(filters["LOT_SIZE"], "0.00001000");
  EXPECT_EQ(filters["NOTIONAL"], "5.00000000");

  response = Get("/api/v3/exchangeInfo?symbol=ETHUSDT");
  ASSERT_EQ(response.status, 200);
  doc = parser.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["symbols"]).size(), 1u);
  response = Get("/api/v3/exchangeInfo?symbols=%5B%22ETHUSDT%22,%22BTCUSDT%22%5D");
  ASSERT_EQ(response.status, 200) << response.body;
  doc = parser.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["symbols"]).size(), 2u);

  response = Get("/api/v3/ping");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
  response = Get("/api/v3/time");
  EXPECT_EQ(response.status, 200);
  doc = parser.parse(response.body);
  EXPECT_GT(int64_t(doc["serverTime"]), 1'600'000'000'000);
}

TEST_F(SimTest, InvalidRequestsGetBinanceErrors) {
  StartSim(FastOptions());
  auto response = Get("/api/v3/depth?symbol=NOPEUSDT");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"code":-1121,"msg":"Invalid symbol."})");
  response = Get("/api/v3/exchangeInfo?symbol=NOPEUSDT");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"code":-1121,"msg":"Invalid symbol."})");
  response = Get("/api/v3/depth");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("-1102"), std::string::npos);
  response = Get("/api/v3/depth?symbol=BTCUSDT&limit=abc");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("-1100"), std::string::npos);
  response = Get("/api/v3/nothing");
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(response.body.find("\"code\""), std::string::npos);

  // The default limit is 100 levels; larger limits are capped at 5000 and weigh more.
  response = Get("/api/v3/depth?symbol=ETHUSDT");
  ASSERT_EQ(response.status, 200);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["bids"]).size(), 100u);
  response = Get("/api/v3/depth?symbol=ETHUSDT&limit=5");
  doc = parser.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["asks"]).size(), 5u);
}

TEST_F(SimTest, SkipSequenceProducesAGap) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@100ms", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return CountDiffs(m) >= 3; }));
  sim_->SkipSequence("BTCUSDT");
  const std::size_t before = CountDiffs(recorder.Messages());
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) { return CountDiffs(m) >= before + 3; }));
  const auto diffs = Diffs(recorder.Messages());
  int gaps = 0;
  for (std::size_t i = 1; i < diffs.size(); ++i) {
    if (diffs[i].first != diffs[i - 1].last + 1) {
      ++gaps;
      EXPECT_GT(diffs[i].first, diffs[i - 1].last + 1);
    }
  }
  EXPECT_EQ(gaps, 1);
}

TEST_F(SimTest, DropConnectionsClosesTheClientWhichReconnects) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  auto& client = Connect("/stream?streams=btcusdt@trade", recorder, 50ms);
  ASSERT_TRUE(sim_->WaitForConnections(1, kDeadline));
  sim_->DropConnections();
  EXPECT_EQ(sim_->counters().connections_open, 0u);
  ASSERT_TRUE(recorder.WaitFor([](auto&, int, int closes) { return closes >= 1; }));
  ASSERT_TRUE(recorder.WaitFor([](auto&, int opens, int) { return opens >= 2; }));
  EXPECT_TRUE(sim_->WaitForConnections(1, kDeadline));
  EXPECT_EQ(sim_->counters().connections_accepted, 2u);
  EXPECT_EQ(client_io_.Run([&] { return client.connects(); }), 2u);
}

TEST_F(SimTest, GoSilentSendsNothingForTheDuration) {
  BinanceSimOptions options = FastOptions();
  options.ping_interval = 50ms;
  StartSim(options);
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return m.size() >= 10; }));
  constexpr auto kSilence = 600ms;
  // The silence starts after `before` and the counters are read after it started, so any change
  // of theirs is a frame sent after the silence. Client messages wake the wait; frames already in
  // flight before the silence leave the counters unchanged.
  const auto before = SteadyClock::now();
  sim_->GoSilent(kSilence);
  const SimCounters at_start = sim_->counters();
  SteadyClock::time_point resumed{};
  const bool ok = recorder.WaitFor([&](auto&, int, int) {
    const SimCounters now = sim_->counters();
    if (now.frames_sent == at_start.frames_sent && now.pings_sent == at_start.pings_sent) {
      return false;
    }
    resumed = SteadyClock::now();
    return true;
  });
  ASSERT_TRUE(ok);
  EXPECT_GE(resumed - before, kSilence);
  EXPECT_LT(resumed - before, kSilence + 3s);
  // The market moved meanwhile, and the first diff after the silence covers it: no gap.
  const std::size_t count = CountDiffs(recorder.Messages());
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) { return CountDiffs(m) >= count + 2; }));
  const auto diffs = Diffs(recorder.Messages());
  for (std::size_t i = 1; i < diffs.size(); ++i) EXPECT_EQ(diffs[i].first, diffs[i - 1].last + 1);
}

TEST_F(SimTest, SendMalformedSendsInvalidJson) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@100ms", recorder);
  ASSERT_TRUE(sim_->WaitForConnections(1, kDeadline));
  sim_->SendMalformed();
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) {
    simdjson::dom::parser parser;
    for (auto& msg : m) {
      simdjson::dom::element doc;
      if (parser.parse(msg.text).get(doc) != simdjson::SUCCESS) return true;
    }
    return false;
  }));
}

TEST_F(SimTest, LiveSubscriptionMethods) {
  StartSim(FastOptions());
  Recorder& recorder = NewRecorder();
  auto& client = Connect("/stream", recorder);
  Send(client, R"({"method":"SUBSCRIBE","params":["btcusdt@trade","ethusdt@depth"],"id":1})");
  Send(client, R"({"method":"LIST_SUBSCRIPTIONS","id":2})");
  Send(client, R"({"method":"UNSUBSCRIBE","params":["btcusdt@trade"],"id":3})");
  Send(client, R"({"method":"LIST_SUBSCRIPTIONS","id":4})");
  Send(client, R"({"method":"GET_PROPERTY","params":["combined"],"id":5})");
  Send(client, R"({"method":"SUBSCRIBE","params":["nope@trade"],"id":6})");
  Send(client, R"(not json)");
  auto has = [](const std::vector<Message>& m, std::string_view text) {
    for (auto& msg : m) {
      if (msg.text == text) return true;
    }
    return false;
  };
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    return has(m, R"({"result":null,"id":1})") &&
           has(m, R"({"result":["btcusdt@trade","ethusdt@depth"],"id":2})") &&
           has(m, R"({"result":null,"id":3})") &&
           has(m, R"({"result":["ethusdt@depth"],"id":4})") && has(m, R"({"result":true,"id":5})");
  }));
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) {
    int errors = 0;
    for (auto& msg : m) errors += msg.text.starts_with(R"({"error":)");
    return errors >= 2;
  }));
}

TEST_F(SimTest, AdminEndpointInjectsFaultsAndPauses) {
  StartSim(FastOptions());
  auto response = Get("/_sim/fault", "POST", R"({"fault":"gap","symbol":"BTCUSDT"})");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"ok":true})");
  response = Get("/_sim/fault", "POST", R"({"fault":"bogus"})");
  EXPECT_EQ(response.status, 400);
  response = Get("/_sim/fault", "POST", R"({"fault":"silence","duration_ms":1})");
  EXPECT_EQ(response.status, 200);
  response = Get("/_sim/pause", "POST");
  EXPECT_EQ(response.status, 200);
  const auto first = sim_->BookSnapshot("BTCUSDT", 5);
  const auto changes = sim_->counters().book_changes;
  // A paused market does not move: a REST round trip later the book is the same.
  response = Get("/api/v3/depth?symbol=BTCUSDT&limit=5");
  ASSERT_EQ(response.status, 200);
  const auto second = sim_->BookSnapshot("BTCUSDT", 5);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->last_update_id, second->last_update_id);
  EXPECT_EQ(first->bids, second->bids);
  EXPECT_EQ(changes, sim_->counters().book_changes);
  EXPECT_NE(response.body.find("\"lastUpdateId\":" + std::to_string(first->last_update_id)),
            std::string::npos);
  response = Get("/_sim/resume", "POST");
  EXPECT_EQ(response.status, 200);
  response = Get("/_sim/stats");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find("\"paused\":false"), std::string::npos);
  EXPECT_FALSE(sim_->BookSnapshot("NOPE").has_value());
}

// Collects the first `count` diffs (without their event time) of a sim started paused.
std::vector<std::string> FirstDiffs(std::uint64_t seed, std::size_t count) {
  IoThread sim_io;
  IoThread client_io;
  core::ManualClock clock(1'700'000'000'000'000'000);
  BinanceSimOptions options;
  options.seed = seed;
  options.changes_per_second = 300;
  options.depth_interval = 20ms;
  options.ping_interval = 0ms;
  options.start_paused = true;
  options.clock = &clock;
  BinanceSim sim(sim_io.io(), options);
  auto port = sim_io.Run([&] { return sim.Start(); });
  EXPECT_TRUE(port.ok());
  Recorder recorder;
  net::WebSocketClientOptions client_options;
  client_options.url = sim.ws_base_url() + "/ws";
  client_options.verify_peer = false;
  net::WebSocketClient client(client_io.io(), client_options, recorder);
  client_io.Run([&] { client.Start(); });
  EXPECT_TRUE(recorder.WaitFor([](auto&, int opens, int) { return opens >= 1; }));
  client_io.Run([&] {
    return client.Send(R"({"method":"SUBSCRIBE","params":["btcusdt@depth@100ms"],"id":1})");
  });
  EXPECT_TRUE(recorder.WaitFor([](auto& m, int, int) { return !m.empty(); }));
  sim.Resume();
  EXPECT_TRUE(recorder.WaitFor([&](auto& m, int, int) { return CountDiffs(m) >= count; }));
  client_io.Run([&] { client.Stop(); });
  sim.Stop();
  client_io.Join();
  sim_io.Join();
  std::vector<std::string> out;
  for (const Diff& diff : Diffs(recorder.Messages())) {
    if (out.size() < count) out.push_back(diff.data);
  }
  return out;
}

TEST(SimDeterminismTest, SameSeedGivesTheSameFirstDiffs) {
  const auto a = FirstDiffs(2024, 12);
  const auto b = FirstDiffs(2024, 12);
  const auto c = FirstDiffs(2025, 12);
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST_F(SimTest, FloodModeSendsSmallConsecutiveDiffsWithABoundedQueue) {
  BinanceSimOptions options = FastOptions();
  options.flood = true;
  options.flood_changes_per_diff = 4;
  options.max_queued_writes = 64;
  StartSim(options);
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@100ms", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return CountDiffs(m) >= 3000; }));
  const auto diffs = Diffs(recorder.Messages());
  for (std::size_t i = 1; i < diffs.size(); ++i) {
    ASSERT_EQ(diffs[i].first, diffs[i - 1].last + 1);
    ASSERT_EQ(diffs[i].last - diffs[i].first + 1, 4u);
  }
  EXPECT_EQ(sim_->counters().send_refused, 0u);
}

TEST_F(SimTest, ReplayServesTheRecordedFramesAndSnapshot) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  BinanceSimOptions options = FastOptions();
  options.replay_files = {{path.string(), "BTCUSDT"}};
  options.replay_pace = ReplayPace::kAsFastAsPossible;
  options.max_queued_writes = 128;
  StartSim(options);
  auto response = Get("/api/v3/depth?symbol=BTCUSDT&limit=1000");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with(R"({"lastUpdateId":50093239218,)"));
  Recorder& recorder = NewRecorder();
  // Spelt as the daemon subscribes: "@bookTicker" in camel case, as in the recording.
  Connect("/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade", recorder);
  constexpr std::size_t kRecorded = 3451 + 28040 + 9757;  // depth, bookTicker, trade
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return m.size() >= kRecorded; }, 60s));
  std::map<std::string, std::size_t> by_stream;
  for (const auto& message : recorder.Messages()) {
    const auto start = message.text.find(R"("stream":")") + 10;
    by_stream[message.text.substr(start, message.text.find('"', start) - start)]++;
  }
  EXPECT_EQ(by_stream["btcusdt@depth@100ms"], 3451u);
  EXPECT_EQ(by_stream["btcusdt@bookTicker"], 28040u);
  EXPECT_EQ(by_stream["btcusdt@trade"], 9757u);
  EXPECT_EQ(by_stream.size(), 3u);
  EXPECT_EQ(sim_->counters().send_refused, 0u);
}

}  // namespace
}  // namespace tradingd::sim::binance
