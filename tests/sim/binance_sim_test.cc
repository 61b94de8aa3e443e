// End-to-end tests of the sandbox Binance venue: the sim runs on its own io thread on
// 127.0.0.1:0; clients from net/ run on a second io thread. Every wait has a deadline that fails
// the test; nothing sleeps to synchronize.

#include "sim/binance/binance_sim.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/decimal.h"
#include "core/events.h"
#include "core/instrument.h"
#include "feeds/binance/binance_feed.h"
#include "feeds/binance/binance_parser.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "tests/support/io_thread.h"
#include "tests/net/net_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::binance {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kDeadline = 10s;

using ::tradingd::testing::IoThread;

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

// ---- USD-M futures mode ----

BinanceSimOptions FuturesOptions() {
  BinanceSimOptions options;
  options.futures = true;
  options.symbols = DefaultUsdmSymbols();
  options.changes_per_second = 500;
  options.slow_depth_interval = 250ms;  // Binance futures' @depth speed
  options.ping_interval = 0ms;
  return options;
}

// A book as the engine would hold it, rebuilt from the events of a feed: snapshot chunks replace
// it, diff chunks set absolute quantities, kGoesLive and BookStatus give its state.
struct RebuiltBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::uint64_t last_sequence = 0;
  core::BookState state = core::BookState::kStale;
  int went_live = 0;  // bridges (kGoesLive), the first sync included
  int gaps = 0;       // STALE(kSequenceGap) announcements
};

// Collects what a feed publishes. Runs on the feed's thread, which is the test thread (it drives
// the feed's io_context), so it needs no lock.
class BookRebuilder : public core::EventSink {
 public:
  bool Publish(const core::Event& event) override {
    if (const auto* update = std::get_if<core::BookUpdate>(&event)) {
      Apply(*update);
    } else if (const auto* status = std::get_if<core::BookStatus>(&event)) {
      RebuiltBook& book = books_[status->instrument];
      book.state = status->state;
      if (status->state == core::BookState::kStale &&
          status->reason == core::BookReason::kSequenceGap) {
        ++book.gaps;
      }
    } else if (const auto* rules = std::get_if<core::InstrumentRules>(&event)) {
      rules_[rules->instrument] = *rules;
    } else if (std::holds_alternative<core::Quote>(event)) {
      ++quotes_;
    } else if (std::holds_alternative<core::Trade>(event)) {
      ++trades_;
    }
    return true;
  }

  const RebuiltBook& book(core::InstrumentId id) { return books_[id]; }
  const core::InstrumentRules* rules(core::InstrumentId id) const {
    auto it = rules_.find(id);
    return it == rules_.end() ? nullptr : &it->second;
  }
  int quotes() const { return quotes_; }
  int trades() const { return trades_; }

 private:
  void Apply(const core::BookUpdate& update) {
    RebuiltBook& book = books_[update.instrument];
    if (update.has(core::BookUpdate::kSnapshot) && update.has(core::BookUpdate::kFirstChunk)) {
      book.bids.clear();
      book.asks.clear();
    }
    for (int i = 0; i < update.bid_count + update.ask_count; ++i) {
      const core::PriceLevel& level = update.levels[i];
      const std::int64_t price = level.price.mantissa();
      const std::int64_t quantity = level.quantity.mantissa();
      if (i < update.bid_count) {
        if (quantity == 0) {
          book.bids.erase(price);
        } else {
          book.bids[price] = quantity;
        }
      } else if (quantity == 0) {
        book.asks.erase(price);
      } else {
        book.asks[price] = quantity;
      }
    }
    if (update.has(core::BookUpdate::kLastChunk)) book.last_sequence = update.last_sequence;
    if (update.has(core::BookUpdate::kGoesLive)) {
      book.state = core::BookState::kLive;
      ++book.went_live;
    }
  }

  std::map<core::InstrumentId, RebuiltBook> books_;
  std::map<core::InstrumentId, core::InstrumentRules> rules_;
  int quotes_ = 0;
  int trades_ = 0;
};

// The daemon's own feed (BinanceFeed: the stream URL, the REST snapshots and exchangeInfo, the
// parser and the sequencer; USD-M unless told otherwise) pointed at the sim, on an io_context the
// test thread drives until a condition holds. Instruments are at scale 8, the sim's scale, so the
// rebuilt mantissas compare with the sim's directly.
class FeedOnSim {
 public:
  FeedOnSim(const BinanceSim& sim, std::string depth_stream,
           core::Venue venue = core::Venue::kBinanceUsdm,
           std::vector<std::string> partial_depth_symbols = {}, int partial_depth_levels = 20) {
    btc_ = registry_.Add(venue, "BTC", "USDT").value();
    eth_ = registry_.Add(venue, "ETH", "USDT").value();
    feeds::binance::BinanceFeedOptions options;
    options.venue = venue;
    options.partial_depth_symbols = std::move(partial_depth_symbols);
    options.partial_depth_levels = partial_depth_levels;
    options.ws_base_url = sim.ws_base_url();
    options.rest_base_url = sim.http_base_url();
    options.depth_stream = std::move(depth_stream);
    options.snapshot_spacing = 0ms;
    options.snapshot_retry_min = 10ms;
    options.snapshot_retry_max = 100ms;
    options.reconnect_min = 10ms;
    options.reconnect_max = 100ms;
    options.verify_peer = false;
    feed_ = std::make_unique<feeds::binance::BinanceFeed>(io_, options, registry_, books_);
    feed_->Start();
  }
  ~FeedOnSim() { feed_->Stop(); }

  bool RunUntil(const std::function<bool()>& done) {
    return net::testing::RunUntil(io_, done, kDeadline);
  }
  bool AllLive() {
    return books_.book(btc_).state == core::BookState::kLive &&
           books_.book(eth_).state == core::BookState::kLive;
  }

  core::InstrumentId btc() const { return btc_; }
  core::InstrumentId eth() const { return eth_; }
  BookRebuilder& books() { return books_; }
  const feeds::binance::BinanceMarketDataCounters& counters() const { return feed_->counters(); }

 private:
  // The registry and the sink outlive the io_context: handlers it still holds when it is destroyed
  // may keep the feed's internals alive until then.
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  core::InstrumentId eth_ = core::kNoInstrument;
  BookRebuilder books_;
  boost::asio::io_context io_;
  std::unique_ptr<feeds::binance::BinanceFeed> feed_;
};

void ExpectSameBook(const RebuiltBook& book, const BookLevels& sim) {
  EXPECT_EQ(book.last_sequence, sim.last_update_id);
  ASSERT_EQ(book.bids.size(), sim.bids.size());
  ASSERT_EQ(book.asks.size(), sim.asks.size());
  std::size_t i = 0;
  for (auto [price, quantity] : book.bids) {
    ASSERT_EQ(price, sim.bids[i].price) << "bid " << i;
    ASSERT_EQ(quantity, sim.bids[i].quantity) << "bid " << i;
    ++i;
  }
  i = 0;
  for (auto [price, quantity] : book.asks) {
    ASSERT_EQ(price, sim.asks[i].price) << "ask " << i;
    ASSERT_EQ(quantity, sim.asks[i].quantity) << "ask " << i;
    ++i;
  }
}

// Pauses the market (the sim then publishes a last diff up to its book's update id), lets the feed
// apply it and checks both rebuilt books against the sim's.
void ExpectFeedHoldsThePausedBooks(BinanceSim& sim, FeedOnSim& feed) {
  sim.Pause();
  const auto btc = sim.BookSnapshot("BTCUSDT");
  const auto eth = sim.BookSnapshot("ETHUSDT");
  ASSERT_TRUE(btc && eth);
  ASSERT_TRUE(feed.RunUntil([&] {
    return feed.books().book(feed.btc()).last_sequence == btc->last_update_id &&
           feed.books().book(feed.eth()).last_sequence == eth->last_update_id;
  })) << "the feed never applied the paused books' last diffs";
  EXPECT_TRUE(feed.AllLive());
  ExpectSameBook(feed.books().book(feed.btc()), *btc);
  ExpectSameBook(feed.books().book(feed.eth()), *eth);
}

TEST_F(SimTest, FuturesFeedSyncsLiveBooksEqualToTheSims) {
  StartSim(FuturesOptions());
  // @depth@0ms exists on futures only.
  FeedOnSim feed(*sim_, "depth@0ms");
  ASSERT_TRUE(feed.RunUntil([&] {
    return feed.AllLive() && feed.books().rules(feed.btc()) != nullptr &&
           feed.books().rules(feed.eth()) != nullptr && feed.books().quotes() > 0 &&
           feed.books().trades() > 0;
  })) << "books, rules, quotes and trades did not all arrive";
  // Every frame went through the futures parser, and the books through the futures rules.
  EXPECT_EQ(feed.counters().parse_errors, 0u);
  EXPECT_EQ(feed.counters().gaps, 0u);
  EXPECT_GE(feed.counters().went_live, 2u);

  // The rules come from the futures exchangeInfo: BTCUSDT's tick, lot and min notional.
  const core::InstrumentRules& rules = *feed.books().rules(feed.btc());
  EXPECT_EQ(rules.tick_size.mantissa(), 10'000'000);         // 0.10
  EXPECT_EQ(rules.lot_size.mantissa(), 100'000);             // 0.001
  EXPECT_EQ(rules.min_notional.mantissa(), 10'000'000'000);  // 100
  EXPECT_EQ(rules.status, core::TradingStatus::kTrading);

  ExpectFeedHoldsThePausedBooks(*sim_, feed);
}

TEST_F(SimTest, FuturesSkipSequenceIsAGapForTheFeedWhichResyncs) {
  StartSim(FuturesOptions());
  FeedOnSim feed(*sim_, "depth@100ms");
  ASSERT_TRUE(feed.RunUntil([&] { return feed.AllLive(); }));
  const RebuiltBook& btc = feed.books().book(feed.btc());
  const RebuiltBook& eth = feed.books().book(feed.eth());
  ASSERT_EQ(btc.went_live, 1);

  sim_->SkipSequence("BTCUSDT");
  // The futures rule (pu == the previous u) sees the break: STALE(gap), a new snapshot, LIVE.
  ASSERT_TRUE(feed.RunUntil([&] { return btc.gaps == 1 && btc.went_live == 2 && feed.AllLive(); }))
      << "gaps " << btc.gaps << ", went live " << btc.went_live;
  EXPECT_EQ(feed.counters().gaps, 1u);
  EXPECT_EQ(eth.gaps, 0);  // the fault was for BTCUSDT only
  EXPECT_EQ(eth.went_live, 1);

  // A dropped connection: every book goes STALE and comes back LIVE on the new connection.
  sim_->DropConnections();
  ASSERT_TRUE(feed.RunUntil([&] { return btc.went_live == 3 && eth.went_live == 2; }));
  ExpectFeedHoldsThePausedBooks(*sim_, feed);
}

// A futures frame as the real parser reads it, with its stream.
struct FuturesFrame {
  std::string stream;
  feeds::binance::MessageKind kind = feeds::binance::MessageKind::kUnknown;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t previous = 0;
  std::int64_t event_ms = 0;
  std::int64_t transaction_ms = 0;
};

TEST_F(SimTest, FuturesDiffsChainPuPerStreamAndTheGapFaultBreaksTheChain) {
  StartSim(FuturesOptions());
  Recorder& recorder = NewRecorder();
  Connect(
      "/stream?streams=btcusdt@depth@0ms/btcusdt@depth@500ms/btcusdt@bookTicker/"
      "btcusdt@trade",
      recorder);
  auto count = [](const std::vector<Message>& messages, std::string_view stream) {
    std::size_t n = 0;
    for (const Message& m : messages) {
      n += m.text.starts_with(R"({"stream":")" + std::string(stream) + "\"");
    }
    return n;
  };
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    return count(m, "btcusdt@depth@0ms") >= 4 && count(m, "btcusdt@depth@500ms") >= 2;
  }));
  // The admin endpoint's gap fault, as an operator would inject it.
  auto response = Get("/_sim/fault", "POST", R"({"fault":"gap","symbol":"BTCUSDT"})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto before = recorder.Messages();
  const std::size_t fast_before = count(before, "btcusdt@depth@0ms");
  const std::size_t slow_before = count(before, "btcusdt@depth@500ms");
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    return count(m, "btcusdt@depth@0ms") >= fast_before + 3 &&
           count(m, "btcusdt@depth@500ms") >= slow_before + 2;
  }));

  // Every frame goes through the daemon's futures parser; depth diffs take its canonical scan,
  // which accepts exactly the byte shape Binance writes.
  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").ok());
  feeds::binance::BinanceParser parser(core::Venue::kBinanceUsdm, registry);
  simdjson::dom::parser json;
  std::vector<FuturesFrame> frames;
  std::size_t depth_frames = 0;
  for (const Message& message : recorder.Messages()) {
    std::string padded = message.text;
    padded.append(64, ' ');
    feeds::binance::ParsedMessage parsed;
    ASSERT_EQ(parser.ParseFrame(std::string_view(padded.data(), message.text.size()), &parsed),
              feeds::binance::ParseError::kOk)
        << message.text;
    FuturesFrame frame;
    frame.stream = std::string(std::string_view(json.parse(message.text)["stream"]));
    frame.kind = parsed.kind;
    switch (parsed.kind) {
      case feeds::binance::MessageKind::kDepthUpdate:
        ++depth_frames;
        EXPECT_TRUE(parsed.depth.has_previous) << message.text;
        frame.first = parsed.depth.first_update_id;
        frame.last = parsed.depth.final_update_id;
        frame.previous = parsed.depth.previous_update_id;
        frame.event_ms = parsed.depth.event_time_ms;
        frame.transaction_ms = parsed.depth.transaction_time_ms;
        break;
      case feeds::binance::MessageKind::kBookTicker:
        EXPECT_EQ(frame.stream, "btcusdt@bookTicker");
        // The futures bookTicker names its event and carries its times.
        EXPECT_NE(message.text.find(R"("data":{"e":"bookTicker","u":)"), std::string::npos);
        EXPECT_GT(parsed.book_ticker.event_time_ms, 0);
        EXPECT_NE(message.text.find(R"(,"T":)"), std::string::npos);
        break;
      case feeds::binance::MessageKind::kTrade:
        EXPECT_EQ(frame.stream, "btcusdt@trade");
        EXPECT_GT(parsed.trade.trade_time_ms, 0);
        EXPECT_NE(message.text.find(R"("X":"MARKET")"), std::string::npos);
        break;
      default:
        ADD_FAILURE() << "unexpected frame " << message.text;
    }
    frames.push_back(frame);
  }
  EXPECT_EQ(parser.canonical_depth_frames(), depth_frames);

  // Per stream: pu is the previous diff's u, except exactly once, after the fault, where it is the
  // lost change's id. The sim's ids are consecutive per symbol, so U == pu + 1 throughout.
  for (const char* stream : {"btcusdt@depth@0ms", "btcusdt@depth@500ms"}) {
    std::vector<FuturesFrame> diffs;
    for (const FuturesFrame& frame : frames) {
      if (frame.stream == stream) diffs.push_back(frame);
    }
    ASSERT_GE(diffs.size(), 4u) << stream;
    int breaks = 0;
    for (std::size_t i = 0; i < diffs.size(); ++i) {
      EXPECT_EQ(diffs[i].first, diffs[i].previous + 1) << stream << " diff " << i;
      EXPECT_LE(diffs[i].first, diffs[i].last) << stream << " diff " << i;
      EXPECT_GT(diffs[i].transaction_ms, 0);
      EXPECT_GE(diffs[i].event_ms, diffs[i].transaction_ms);
      if (i == 0 || diffs[i].previous == diffs[i - 1].last) continue;
      ++breaks;
      EXPECT_EQ(diffs[i].previous, diffs[i - 1].last + 1) << stream << ": one change was lost";
    }
    EXPECT_EQ(breaks, 1) << stream;
  }
}

TEST_F(SimTest, FuturesRestServesFapiAndRefusesSpotPaths) {
  StartSim(FuturesOptions());
  sim_->Pause();  // the book holds still while it is compared
  auto response = Get("/fapi/v1/depth?symbol=BTCUSDT");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("X-MBX-USED-WEIGHT-1M"), "10");  // the default limit, 500, weighs 10
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.parse(response.body);
  EXPECT_GT(int64_t(doc["E"]), 1'600'000'000'000);
  EXPECT_GT(int64_t(doc["T"]), 1'600'000'000'000);

  // The real parser reads the futures snapshot into the sim's own book (its best 500 levels).
  core::SymbolRegistry registry;
  const core::InstrumentId btc = registry.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  feeds::binance::BinanceParser parser(core::Venue::kBinanceUsdm, registry);
  feeds::binance::DepthSnapshot snapshot;
  ASSERT_EQ(parser.ParseDepthSnapshot(response.body, registry.Get(btc), &snapshot),
            feeds::binance::ParseError::kOk);
  const auto book = sim_->BookSnapshot("BTCUSDT", 500);
  ASSERT_TRUE(book.has_value());
  EXPECT_EQ(snapshot.last_update_id, book->last_update_id);
  ASSERT_EQ(snapshot.bids.size(), book->bids.size());
  ASSERT_EQ(snapshot.asks.size(), book->asks.size());
  for (std::size_t i = 0; i < book->bids.size(); ++i) {
    ASSERT_EQ(snapshot.bids[i].price.mantissa(), book->bids[i].price);
    ASSERT_EQ(snapshot.bids[i].quantity.mantissa(), book->bids[i].quantity);
  }
  for (std::size_t i = 0; i < book->asks.size(); ++i) {
    ASSERT_EQ(snapshot.asks[i].price.mantissa(), book->asks[i].price);
    ASSERT_EQ(snapshot.asks[i].quantity.mantissa(), book->asks[i].quantity);
  }

  response = Get("/fapi/v1/depth?symbol=ETHUSDT&limit=5");
  ASSERT_EQ(response.status, 200);
  doc = json.parse(response.body);
  EXPECT_EQ(simdjson::dom::array(doc["bids"]).size(), 5u);
  // Futures takes only its documented limits.
  response = Get("/fapi/v1/depth?symbol=ETHUSDT&limit=7");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            R"({"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."})");
  response = Get("/fapi/v1/depth?symbol=NOPEUSDT");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"code":-1121,"msg":"Invalid symbol."})");
  response = Get("/fapi/v1/ping");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
  response = Get("/fapi/v1/time");
  ASSERT_EQ(response.status, 200);
  EXPECT_GT(int64_t(json.parse(response.body)["serverTime"]), 1'600'000'000'000);

  // Spot's paths do not exist on the futures venue: a client set up for the wrong market fails at
  // its first request, with Binance's error shape and a message that says why.
  for (const char* target :
       {"/api/v3/depth?symbol=BTCUSDT&limit=1000", "/api/v3/exchangeInfo", "/api/v3/ping"}) {
    response = Get(target);
    EXPECT_EQ(response.status, 404) << target;
    doc = json.parse(response.body);
    EXPECT_EQ(int64_t(doc["code"]), -1000) << target;
    EXPECT_NE(std::string_view(doc["msg"]).find("/fapi/v1"), std::string_view::npos) << target;
  }
}

TEST_F(SimTest, SpotVenueRefusesFuturesPaths) {
  StartSim(FastOptions());
  auto response = Get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  EXPECT_EQ(response.status, 404);
  simdjson::dom::parser json;
  simdjson::dom::element doc = json.parse(response.body);
  EXPECT_EQ(int64_t(doc["code"]), -1000);
  EXPECT_NE(std::string_view(doc["msg"]).find("/api/v3"), std::string_view::npos);
  EXPECT_EQ(Get("/fapi/v1/exchangeInfo").status, 404);
  EXPECT_EQ(Get("/api/v3/depth?symbol=BTCUSDT&limit=5").status, 200);
}

TEST_F(SimTest, FuturesExchangeInfoParsesIntoRules) {
  StartSim(FuturesOptions());
  const auto response = Get("/fapi/v1/exchangeInfo");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("X-MBX-USED-WEIGHT-1M"), "1");
  core::SymbolRegistry registry;
  const core::InstrumentId btc = registry.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  const core::InstrumentId eth = registry.Add(core::Venue::kBinanceUsdm, "ETH", "USDT").value();
  feeds::binance::BinanceParser parser(core::Venue::kBinanceUsdm, registry);
  feeds::binance::ExchangeInfo info;
  ASSERT_EQ(parser.ParseExchangeInfo(response.body, &info), feeds::binance::ParseError::kOk);
  EXPECT_TRUE(info.errors.empty());
  ASSERT_EQ(info.rules.size(), 2u);
  std::map<core::InstrumentId, core::InstrumentRules> rules;
  for (const core::InstrumentRules& r : info.rules) rules[r.instrument] = r;
  ASSERT_EQ(rules.size(), 2u);
  const auto specs = DefaultUsdmSymbols();
  for (auto [id, spec] : {std::pair{btc, specs[0]}, std::pair{eth, specs[1]}}) {
    EXPECT_EQ(rules[id].tick_size.mantissa(), spec.tick_size) << spec.symbol;
    EXPECT_EQ(rules[id].lot_size.mantissa(), spec.lot_size) << spec.symbol;
    EXPECT_EQ(rules[id].min_quantity.mantissa(), spec.lot_size) << spec.symbol;
    EXPECT_EQ(rules[id].max_quantity.mantissa(), spec.max_quantity) << spec.symbol;
    EXPECT_EQ(rules[id].min_notional.mantissa(), spec.min_notional) << spec.symbol;
    EXPECT_EQ(rules[id].status, core::TradingStatus::kTrading) << spec.symbol;
  }
  // Futures' values, not spot's: 100 USDT minimum for BTCUSDT, 20 for ETHUSDT.
  EXPECT_EQ(rules[btc].min_notional.mantissa(), 10'000'000'000);
  EXPECT_EQ(rules[eth].min_notional.mantissa(), 2'000'000'000);
}

TEST_F(SimTest, FuturesReplayServesTheRecordedSnapshotOnFapi) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_usdm/btcusdt_20240808.gz");
  BinanceSimOptions options = FuturesOptions();
  options.replay_files = {{path.string(), "BTCUSDT"}};
  options.replay_pace = ReplayPace::kAsFastAsPossible;
  options.max_queued_writes = 128;
  StartSim(options);
  auto response = Get("/fapi/v1/depth?symbol=BTCUSDT&limit=1000");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with(R"({"lastUpdateId":5123107852948,"E":)"))
      << response.body.substr(0, 80);
  EXPECT_EQ(Get("/api/v3/depth?symbol=BTCUSDT&limit=1000").status, 404);
  // The recorded futures diffs go out verbatim, pu and all.
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth@0ms", recorder);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) { return m.size() >= 50; }));
  for (const Message& message : recorder.Messages()) {
    ASSERT_TRUE(
        message.text.starts_with(R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate")"))
        << message.text.substr(0, 80);
    ASSERT_NE(message.text.find(R"(,"pu":)"), std::string::npos);
  }
}

// ---- Partial book depth ----

// A partial depth frame as the daemon's parser reads it.
struct PartialFrame {
  std::string stream;
  std::size_t index = 0;  // position among all the messages received
  std::uint64_t last = 0, first = 0, previous = 0;
  std::int64_t event_ms = 0, transaction_ms = 0;
  int levels = 0;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::size_t bid_count = 0, ask_count = 0;  // as sent (the maps would hide a repeated price)
  std::string data;                          // the payload
};

// Every partial depth frame among `messages` (all of which must parse), by the daemon's parser.
std::vector<PartialFrame> PartialFrames(const std::vector<Message>& messages, core::Venue venue) {
  core::SymbolRegistry registry;
  EXPECT_TRUE(registry.Add(venue, "BTC", "USDT").ok());
  EXPECT_TRUE(registry.Add(venue, "ETH", "USDT").ok());
  feeds::binance::BinanceParser parser(venue, registry);
  simdjson::dom::parser json;
  std::vector<PartialFrame> frames;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::string& text = messages[i].text;
    std::string padded = text;
    padded.append(64, ' ');
    feeds::binance::ParsedMessage parsed;
    const auto error = parser.ParseFrame(std::string_view(padded.data(), text.size()), &parsed);
    EXPECT_EQ(error, feeds::binance::ParseError::kOk) << text;
    if (error != feeds::binance::ParseError::kOk ||
        parsed.kind != feeds::binance::MessageKind::kPartialDepth) {
      continue;
    }
    PartialFrame frame;
    frame.stream = std::string(std::string_view(json.parse(text)["stream"]));
    frame.index = i;
    const feeds::binance::PartialDepthMessage& p = parsed.partial;
    frame.last = p.last_update_id;
    frame.first = p.first_update_id;
    frame.previous = p.previous_update_id;
    frame.event_ms = p.event_time_ms;
    frame.transaction_ms = p.transaction_time_ms;
    frame.levels = p.levels;
    frame.bid_count = p.bids.size();
    frame.ask_count = p.asks.size();
    for (const core::PriceLevel& l : p.bids) frame.bids[l.price.mantissa()] = l.quantity.mantissa();
    for (const core::PriceLevel& l : p.asks) frame.asks[l.price.mantissa()] = l.quantity.mantissa();
    frame.data = text.substr(text.find(R"("data":)") + 7);
    frames.push_back(std::move(frame));
  }
  return frames;
}

std::size_t CountStream(const std::vector<Message>& messages, std::string_view stream) {
  std::size_t n = 0;
  for (const Message& m : messages) {
    n += m.text.starts_with(R"({"stream":")" + std::string(stream) + "\"");
  }
  return n;
}

// The frame holds exactly the sim's best levels.
void ExpectFrameIsTheBook(const PartialFrame& frame, const BookLevels& book) {
  EXPECT_EQ(frame.last, book.last_update_id) << frame.stream;
  ASSERT_EQ(frame.bid_count, book.bids.size()) << frame.stream;
  ASSERT_EQ(frame.ask_count, book.asks.size()) << frame.stream;
  ASSERT_EQ(frame.bids.size(), book.bids.size()) << frame.stream;
  std::size_t i = 0;
  for (const auto& [price, quantity] : frame.bids) {
    EXPECT_EQ(price, book.bids[i].price) << frame.stream << " bid " << i;
    EXPECT_EQ(quantity, book.bids[i].quantity) << frame.stream << " bid " << i;
    ++i;
  }
  i = 0;
  for (const auto& [price, quantity] : frame.asks) {
    EXPECT_EQ(price, book.asks[i].price) << frame.stream << " ask " << i;
    EXPECT_EQ(quantity, book.asks[i].quantity) << frame.stream << " ask " << i;
    ++i;
  }
}

// After Pause() every partial stream gets one last message of the paused book: waits for it on
// each of `streams` and checks it against the sim's best N.
void ExpectLastPartialsArePausedBooks(
    BinanceSim& sim, Recorder& recorder, core::Venue venue,
    const std::vector<std::tuple<std::string, std::string, std::size_t>>& streams) {
  sim.Pause();
  std::map<std::string, BookLevels> books;
  for (const auto& [stream, symbol, levels] : streams) {
    const auto book = sim.BookSnapshot(symbol, levels);
    ASSERT_TRUE(book.has_value()) << symbol;
    ASSERT_EQ(book->bids.size(), levels) << "the sim's book must be deeper than N";
    ASSERT_EQ(book->asks.size(), levels);
    books[stream] = *book;
  }
  auto last_of = [&](const std::vector<PartialFrame>& frames, const std::string& stream) {
    const PartialFrame* last = nullptr;
    for (const PartialFrame& frame : frames) {
      if (frame.stream == stream) last = &frame;
    }
    return last;
  };
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    for (const auto& [stream, book] : books) {
      std::size_t n = 0;
      std::uint64_t last = 0;
      for (const Message& message : m) {
        if (!message.text.starts_with(R"({"stream":")" + stream + "\"")) continue;
        ++n;
        const std::size_t at = message.text.find(venue == core::Venue::kBinance ? R"("lastUpdateId":)"
                                                                                 : R"("u":)");
        last = std::strtoull(message.text.c_str() + message.text.find(':', at) + 1, nullptr, 10);
      }
      if (n == 0 || last != book.last_update_id) return false;
    }
    return true;
  })) << "the paused books' last partial depth messages never came";
  const auto frames = PartialFrames(recorder.Messages(), venue);
  for (const auto& [stream, book] : books) {
    const PartialFrame* last = last_of(frames, stream);
    ASSERT_NE(last, nullptr) << stream;
    ExpectFrameIsTheBook(*last, book);
  }
}

TEST_F(SimTest, SpotPartialDepthStreamsServeTheTopNByUrl) {
  BinanceSimOptions options = FastOptions();
  options.slow_depth_interval = 200ms;
  StartSim(options);
  Recorder& recorder = NewRecorder();
  Connect("/stream?streams=btcusdt@depth5@100ms/ethusdt@depth20/btcusdt@depth10@1000ms", recorder);
  Recorder& raw = NewRecorder();
  Connect("/ws/ethusdt@depth10@100ms", raw);
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) {
    return CountStream(m, "btcusdt@depth5@100ms") >= 4 && CountStream(m, "ethusdt@depth20") >= 2 &&
           CountStream(m, "btcusdt@depth10@1000ms") >= 2;
  }));
  ASSERT_TRUE(raw.WaitFor([](auto& m, int, int) { return m.size() >= 2; }));

  const auto messages = recorder.Messages();
  const auto frames = PartialFrames(messages, core::Venue::kBinance);
  ASSERT_EQ(frames.size(), messages.size());  // nothing but partial depth was subscribed
  std::map<std::string, std::uint64_t> last_id;
  for (const PartialFrame& frame : frames) {
    // Binance's spot shape: the book's update id and the levels, nothing naming the symbol.
    EXPECT_TRUE(frame.data.starts_with(R"({"lastUpdateId":)")) << frame.data.substr(0, 40);
    EXPECT_EQ(frame.data.find(R"("s":)"), std::string::npos);
    EXPECT_EQ(frame.data.find(R"("e":)"), std::string::npos);
    const std::size_t n = frame.stream.starts_with("btcusdt@depth5") ? 5
                          : frame.stream.starts_with("ethusdt@depth20") ? 20
                                                                          : 10;
    EXPECT_EQ(static_cast<std::size_t>(frame.levels), n) << frame.stream;
    // The book is far deeper than N: exactly N levels a side, never crossed.
    EXPECT_EQ(frame.bid_count, n) << frame.stream;
    EXPECT_EQ(frame.ask_count, n) << frame.stream;
    EXPECT_EQ(frame.bids.size(), n) << frame.stream;
    ASSERT_FALSE(frame.bids.empty() || frame.asks.empty());
    EXPECT_LT(frame.bids.begin()->first, frame.asks.begin()->first);
    EXPECT_GE(frame.last, last_id[frame.stream]) << frame.stream;
    last_id[frame.stream] = frame.last;
  }
  // The sim writes bids best first, as Binance does.
  const std::string& first = frames.front().data;
  const auto bid_at = [&](int k) {
    std::size_t at = first.find(R"("bids":[[")") + 10;
    for (int i = 0; i < k; ++i) at = first.find(R"(],[")", at) + 4;
    return std::stod(first.substr(at, first.find('"', at) - at));
  };
  EXPECT_GT(bid_at(0), bid_at(1));
  // The raw stream carries the bare payload.
  EXPECT_TRUE(raw.Messages().front().text.starts_with(R"({"lastUpdateId":)"))
      << raw.Messages().front().text.substr(0, 40);

  ExpectLastPartialsArePausedBooks(*sim_, recorder, core::Venue::kBinance,
                                   {{"btcusdt@depth5@100ms", "BTCUSDT", 5},
                                    {"ethusdt@depth20", "ETHUSDT", 20},
                                    {"btcusdt@depth10@1000ms", "BTCUSDT", 10}});
  EXPECT_GE(sim_->counters().partial_depth_frames, frames.size());
  EXPECT_EQ(sim_->counters().depth_frames, 0u);
}

TEST_F(SimTest, FuturesPartialDepthStreamsBySubscribeMethod) {
  StartSim(FuturesOptions());
  Recorder& recorder = NewRecorder();
  auto& client = Connect("/stream", recorder);
  // @0ms is a futures diff speed only, and depth7 no stream at all: the request fails as a whole.
  Send(client,
       R"({"method":"SUBSCRIBE","params":["btcusdt@depth10@100ms","btcusdt@depth5@0ms"],"id":1})");
  Send(client, R"({"method":"SUBSCRIBE","params":["btcusdt@depth7"],"id":2})");
  Send(client,
       R"({"method":"SUBSCRIBE","params":["btcusdt@depth10@100ms","ethusdt@depth5@500ms"],)"
       R"("id":3})");
  Send(client, R"({"method":"LIST_SUBSCRIPTIONS","id":4})");
  ASSERT_TRUE(recorder.WaitFor([](auto& m, int, int) {
    const bool listed = std::any_of(m.begin(), m.end(), [](const Message& message) {
      return message.text.ends_with(R"("id":4})");
    });
    return listed && CountStream(m, "btcusdt@depth10@100ms") >= 6 &&
           CountStream(m, "ethusdt@depth5@500ms") >= 3;
  }));
  auto messages = recorder.Messages();
  // The replies, in order (stream frames may come between them once id 3 has subscribed).
  std::vector<std::string> replies;
  for (const Message& m : messages) {
    if (!m.text.starts_with(R"({"stream":)")) replies.push_back(m.text);
  }
  ASSERT_EQ(replies.size(), 4u);
  EXPECT_EQ(replies[0], R"({"error":{"code":2,"msg":"Invalid request: unknown stream"},"id":1})");
  EXPECT_EQ(replies[1], R"({"error":{"code":2,"msg":"Invalid request: unknown stream"},"id":2})");
  EXPECT_EQ(replies[2], R"({"result":null,"id":3})");
  EXPECT_EQ(replies[3], R"({"result":["btcusdt@depth10@100ms","ethusdt@depth5@500ms"],"id":4})");

  const auto frames = PartialFrames(messages, core::Venue::kBinanceUsdm);
  ASSERT_EQ(frames.size(), messages.size() - 4);
  std::map<std::string, const PartialFrame*> previous;
  for (const PartialFrame& frame : frames) {
    // The futures shape: a depthUpdate with the symbol (which the parser checked against the
    // stream), the times, and U/u/pu.
    EXPECT_TRUE(frame.data.starts_with(R"({"e":"depthUpdate","E":)")) << frame.data.substr(0, 40);
    const std::size_t n = frame.stream.starts_with("btcusdt") ? 10 : 5;
    EXPECT_EQ(static_cast<std::size_t>(frame.levels), n);
    EXPECT_EQ(frame.bid_count, n);
    EXPECT_EQ(frame.ask_count, n);
    ASSERT_FALSE(frame.bids.empty() || frame.asks.empty());
    EXPECT_LT(frame.bids.begin()->first, frame.asks.begin()->first);
    EXPECT_GT(frame.transaction_ms, 0);
    EXPECT_GE(frame.event_ms, frame.transaction_ms);
    EXPECT_LE(frame.first, frame.last);
    EXPECT_EQ(frame.first, std::min(frame.previous + 1, frame.last));
    // pu chains on the previous message of the same stream.
    if (const PartialFrame* before = previous[frame.stream]) {
      EXPECT_EQ(frame.previous, before->last) << frame.stream;
    }
    previous[frame.stream] = &frame;
  }
  // Futures lists both sides lowest price first.
  const std::string& data = frames.front().data;
  const std::size_t b0 = data.find(R"("b":[[")") + 7;
  const std::size_t b1 = data.find(R"(],[")", b0) + 4;
  EXPECT_LT(std::stod(data.substr(b0, data.find('"', b0) - b0)),
            std::stod(data.substr(b1, data.find('"', b1) - b1)));

  ExpectLastPartialsArePausedBooks(*sim_, recorder, core::Venue::kBinanceUsdm,
                                   {{"btcusdt@depth10@100ms", "BTCUSDT", 10},
                                    {"ethusdt@depth5@500ms", "ETHUSDT", 5}});

  // Unsubscribed: nothing more of that stream after the reply.
  Send(client, R"({"method":"UNSUBSCRIBE","params":["btcusdt@depth10@100ms"],"id":5})");
  sim_->Resume();
  const std::size_t eth_before = CountStream(recorder.Messages(), "ethusdt@depth5@500ms");
  ASSERT_TRUE(recorder.WaitFor([&](auto& m, int, int) {
    return CountStream(m, "ethusdt@depth5@500ms") >= eth_before + 2;
  }));
  messages = recorder.Messages();
  std::size_t reply = messages.size();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messages[i].text == R"({"result":null,"id":5})") reply = i;
  }
  ASSERT_LT(reply, messages.size());
  for (std::size_t i = reply + 1; i < messages.size(); ++i) {
    EXPECT_FALSE(messages[i].text.starts_with(R"({"stream":"btcusdt@depth10@100ms")"));
  }
}

// The daemon's feed with ETHUSDT on <symbol>@depth10@100ms and BTCUSDT on diffs + snapshots, on
// one connection to the sim: both go LIVE, only BTCUSDT ever takes a snapshot, and after Pause()
// the partial book is exactly the sim's best 10 levels and the diff book the sim's whole book,
// before and after a dropped connection.
void ExpectPartialAndDiffBooksMatchTheSim(BinanceSim& sim, core::Venue venue) {
  FeedOnSim feed(sim, "depth@100ms", venue, {"ethusdt"}, 10);  // any case
  const auto& c = feed.counters();
  ASSERT_TRUE(feed.RunUntil([&] { return feed.AllLive() && c.partial_applied >= 3; }))
      << "partial applied " << c.partial_applied;
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.snapshots, 1u);  // BTCUSDT's: the partial book never asks for one
  EXPECT_EQ(c.resyncs, 2u);    // one sync per book
  EXPECT_EQ(c.diffs_ignored, 0u);
  EXPECT_EQ(c.partial_ignored, 0u);
  EXPECT_EQ(c.partial_dropped_old, 0u);

  const std::uint64_t went_live = c.went_live;
  sim.DropConnections();
  ASSERT_TRUE(feed.RunUntil([&] { return c.went_live >= went_live + 2 && feed.AllLive(); }));
  EXPECT_EQ(c.snapshots, 2u);

  sim.Pause();
  const auto btc = sim.BookSnapshot("BTCUSDT");
  const auto eth = sim.BookSnapshot("ETHUSDT", 10);
  ASSERT_TRUE(btc && eth);
  ASSERT_EQ(eth->bids.size(), 10u);
  ASSERT_EQ(eth->asks.size(), 10u);
  ASSERT_GT(btc->bids.size(), 10u);
  ASSERT_TRUE(feed.RunUntil([&] {
    return feed.books().book(feed.btc()).last_sequence == btc->last_update_id &&
           feed.books().book(feed.eth()).last_sequence == eth->last_update_id;
  })) << "the feed never applied the paused books";
  EXPECT_TRUE(feed.AllLive());
  ExpectSameBook(feed.books().book(feed.btc()), *btc);
  ExpectSameBook(feed.books().book(feed.eth()), *eth);
  EXPECT_EQ(c.parse_errors, 0u);
}

TEST_F(SimTest, SpotFeedKeepsAPartialDepthBookBesideADiffBook) {
  StartSim(FastOptions());
  ExpectPartialAndDiffBooksMatchTheSim(*sim_, core::Venue::kBinance);
}

TEST_F(SimTest, FuturesFeedKeepsAPartialDepthBookBesideADiffBook) {
  StartSim(FuturesOptions());
  ExpectPartialAndDiffBooksMatchTheSim(*sim_, core::Venue::kBinanceUsdm);
}

TEST(BinanceFeedUrlTest, PartialDepthSymbolsTakeThePartialStream) {
  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kBinance, "BTC", "USDT").ok());
  ASSERT_TRUE(registry.Add(core::Venue::kBinance, "ETH", "USDT").ok());
  const auto instruments = registry.ForVenue(core::Venue::kBinance);
  EXPECT_EQ(feeds::binance::BinanceFeed::StreamUrl("ws://h/", "depth@100ms", instruments,
                                                   {"ETHUSDT"}, 5),
            "ws://h/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade/"
            "ethusdt@depth5@100ms/ethusdt@bookTicker/ethusdt@trade");
  EXPECT_EQ(feeds::binance::BinanceFeed::StreamUrl("ws://h", "depth", instruments),
            "ws://h/stream?streams=btcusdt@depth/btcusdt@bookTicker/btcusdt@trade/"
            "ethusdt@depth/ethusdt@bookTicker/ethusdt@trade");
  EXPECT_EQ(feeds::binance::BinanceFeed::StreamUrl("ws://h", "depth", instruments,
                                                   {"btcusdt", "ethusdt", "XRPUSDT"}),
            "ws://h/stream?streams=btcusdt@depth20@100ms/btcusdt@bookTicker/btcusdt@trade/"
            "ethusdt@depth20@100ms/ethusdt@bookTicker/ethusdt@trade");
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(5), 5);
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(10), 10);
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(20), 20);
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(7), 10);
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(100), 20);
  EXPECT_EQ(feeds::binance::BinanceFeed::PartialDepthLevels(0), 5);
}

}  // namespace
}  // namespace tradingd::sim::binance
