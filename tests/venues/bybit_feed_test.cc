// The daemon's Bybit feed: BybitProtocol on its own (options, subscribe batching, resubscribe, the
// rules parser against Bybit's documentation bodies and hostile ones), then VenueFeed +
// BybitProtocol against the sandbox Bybit venue (StreamSim + the Bybit dialect) over loopback, for
// spot and for linear. The sim runs on one io thread, the feed on another, and the test thread
// waits on what the feed publishes, each wait with a deadline that fails the test. The books must
// end equal to the sim's best 50 levels after every fault Bybit can show (a lost update, a service
// restart's u = 1 snapshot, a dropped connection, a malformed frame, an engine resync), the rules
// come from the sim's REST, and {"op":"ping"} keeps a quiet connection alive.

#include "feeds/bybit/bybit_feed.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/venue_feed.h"
#include "sim/bybit/bybit_sim.h"
#include "sim/common/stream_sim.h"
#include "tests/support/io_thread.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::bybit {
namespace {

using namespace std::chrono_literals;
namespace dom = simdjson::dom;

constexpr auto kDeadline = 15s;
constexpr int kDepth = 50;

// ---- options and the protocol on its own

TEST(BybitFeedOptions, ValidateTakesBybitsCategoriesAndDepths) {
  BybitFeedOptions options;
  EXPECT_TRUE(Validate(options).ok());
  for (int depth : {1, 50, 200, 1000}) {
    options.book_depth = depth;
    options.ws_url = "wss://stream.bybit.com/v5/public/linear";
    EXPECT_TRUE(Validate(options).ok()) << depth;
    options.ws_url = "wss://stream-testnet.bybit.com/v5/public/spot/";
    EXPECT_TRUE(Validate(options).ok()) << depth;
  }
  for (int depth : {0, 25, 100, 500, -50}) {
    options.book_depth = depth;
    const core::Status status = Validate(options);
    EXPECT_FALSE(status.ok()) << depth;
    EXPECT_EQ(status.code(), core::ErrorCode::kInvalidConfig);
  }
  options.book_depth = 50;
  for (const char* url : {"wss://stream.bybit.com/v5/public/inverse",
                          "wss://stream.bybit.com/v5/public/option", "wss://stream.bybit.com",
                          "https://stream.bybit.com/v5/public/spot", "spot", ""}) {
    options.ws_url = url;
    EXPECT_FALSE(Validate(options).ok()) << url;
  }
  options.ws_url = "ws://127.0.0.1:9/v5/public/linear?x=1";
  EXPECT_TRUE(Validate(options).ok());
  EXPECT_EQ(CategoryOfUrl(options.ws_url), BybitCategory::kLinear);
  options.ping_interval = 0ms;
  EXPECT_FALSE(Validate(options).ok());
  options.ping_interval = 10min;
  EXPECT_FALSE(Validate(options).ok());
}

struct Sent {
  std::string op;
  std::string req_id;
  std::vector<std::string> args;
};

Sent ReadRequest(const std::string& text) {
  dom::parser parser;
  dom::element doc = parser.parse(text);
  Sent sent;
  sent.op = std::string(std::string_view(doc["op"]));
  sent.req_id = std::string(std::string_view(doc["req_id"]));
  for (dom::element arg : dom::array(doc["args"])) {
    sent.args.emplace_back(std::string_view(arg));
  }
  return sent;
}

class NullSink final : public core::EventSink {
 public:
  bool Publish(const core::Event&) override { return true; }
};

class BybitProtocolTest : public ::testing::Test {
 protected:
  BybitProtocolTest() {
    for (const char* base : {"BTC", "ETH", "SOL", "XRP", "DOGE"}) {
      ids_.push_back(registry_.Add(core::Venue::kBybit, base, "USDT").value());
    }
    (void)registry_.Add(core::Venue::kBinance, "BTC", "USDT").value();
  }
  std::unique_ptr<VenueProtocol> Make(std::string url, int depth = kDepth) {
    BybitFeedOptions options;
    options.ws_url = std::move(url);
    options.book_depth = depth;
    return BybitProtocolFactory(options)(VenueProtocolContext{registry_, sink_, nullptr});
  }

  core::SymbolRegistry registry_;
  std::vector<core::InstrumentId> ids_;
  NullSink sink_;
};

TEST_F(BybitProtocolTest, SpotSubscribesTenArgsARequestAndLinearAtOnce) {
  auto spot = Make("wss://stream.bybit.com/v5/public/spot");
  EXPECT_EQ(spot->Url(), "wss://stream.bybit.com/v5/public/spot");
  const auto messages = spot->SubscribeAll();
  ASSERT_EQ(messages.size(), 2u);  // 5 instruments x 3 topics, Binance's left out
  std::vector<std::string> topics;
  std::vector<std::string> ids;
  for (const std::string& message : messages) {
    const Sent sent = ReadRequest(message);
    EXPECT_EQ(sent.op, "subscribe");
    EXPECT_LE(sent.args.size(), 10u);
    topics.insert(topics.end(), sent.args.begin(), sent.args.end());
    ids.push_back(sent.req_id);
  }
  EXPECT_NE(ids[0], ids[1]);
  ASSERT_EQ(topics.size(), 15u);
  EXPECT_EQ(topics[0], "orderbook.50.BTCUSDT");
  EXPECT_EQ(topics[1], "publicTrade.BTCUSDT");
  EXPECT_EQ(topics[2], "tickers.BTCUSDT");
  EXPECT_EQ(topics[14], "tickers.DOGEUSDT");

  auto linear = Make("wss://stream.bybit.com/v5/public/linear", 200);
  const auto one = linear->SubscribeAll();
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(ReadRequest(one[0]).args.size(), 15u);
  EXPECT_EQ(ReadRequest(one[0]).args[0], "orderbook.200.BTCUSDT");
}

TEST_F(BybitProtocolTest, ResubscribeUnsubscribesThenSubscribesTheBookOnly) {
  auto protocol = Make("wss://stream.bybit.com/v5/public/linear", 1000);
  const auto messages = protocol->ResubscribeBook(registry_.Get(ids_[1]));
  ASSERT_EQ(messages.size(), 2u);
  const Sent first = ReadRequest(messages[0]);
  const Sent second = ReadRequest(messages[1]);
  EXPECT_EQ(first.op, "unsubscribe");
  EXPECT_EQ(second.op, "subscribe");
  EXPECT_EQ(first.args, std::vector<std::string>{"orderbook.1000.ETHUSDT"});
  EXPECT_EQ(second.args, first.args);
  EXPECT_NE(first.req_id, second.req_id);
}

TEST_F(BybitProtocolTest, KeepAliveAndRulesTargetFollowTheCategory) {
  auto spot = Make("wss://stream.bybit.com/v5/public/spot");
  auto linear = Make("wss://stream.bybit.com/v5/public/linear");
  EXPECT_EQ(spot->keep_alive().interval, 20s);
  EXPECT_EQ(spot->keep_alive().text, R"({"op":"ping"})");
  EXPECT_FALSE(spot->subscribe_after_rules());
  EXPECT_EQ(spot->RulesTarget(), "/v5/market/instruments-info?category=spot");
  // Linear pages hold 500 symbols unless asked for more; Bybit lists more than 500.
  EXPECT_EQ(linear->RulesTarget(), "/v5/market/instruments-info?category=linear&limit=1000");
}

// ---- the rules parser

// Bybit's documentation examples (docs/v5/market/instrument.mdx): spot BTCUSDT (October 2025) and
// the BTCUSDT perpetual (January 2025), as published.
constexpr std::string_view kSpotDocBody =
    R"({"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[{"symbolId":9,)"
    R"("symbol":"BTCUSDT","baseCoin":"BTC","quoteCoin":"USDT","innovation":"0",)"
    R"("status":"Trading","marginTrading":"utaOnly","stTag":"0","lotSizeFilter":{)"
    R"("basePrecision":"0.000001","quotePrecision":"0.0000001","minOrderQty":"0.000011",)"
    R"("maxOrderQty":"83","minOrderAmt":"5","maxOrderAmt":"8000000","maxLimitOrderQty":"83",)"
    R"("maxMarketOrderQty":"41.5","postOnlyMaxLimitOrderSize":"60000"},)"
    R"("priceFilter":{"tickSize":"0.1"},"riskParameters":{"priceLimitRatioX":"0.005",)"
    R"("priceLimitRatioY":"0.01"},"symbolType":""}]},"retExtInfo":{},"time":1760027412300})";

constexpr std::string_view kLinearDocBody = R"({
    "retCode": 0, "retMsg": "OK",
    "result": {
        "category": "linear",
        "list": [
            {
                "symbol": "BTCUSDT", "symbolId": 5, "contractType": "LinearPerpetual",
                "status": "Trading", "baseCoin": "BTC", "quoteCoin": "USDT",
                "launchTime": "1585526400000", "deliveryTime": "0", "deliveryFeeRate": "",
                "priceScale": "2",
                "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
                "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
                "lotSizeFilter": {
                    "maxOrderQty": "1190.000", "minOrderQty": "0.001", "qtyStep": "0.001",
                    "postOnlyMaxOrderQty": "1190.000", "maxMktOrderQty": "500.000",
                    "minNotionalValue": "5"
                },
                "unifiedMarginTrade": true, "fundingInterval": 480, "settleCoin": "USDT",
                "copyTrading": "both", "upperFundingRate": "0.00375", "lowerFundingRate": "-0.00375",
                "isPreListing": false, "preListingInfo": null,
                "riskParameters": {"priceLimitRatioX": "0.01", "priceLimitRatioY": "0.02"},
                "symbolType": ""
            }
        ],
        "nextPageCursor": ""
    },
    "retExtInfo": {}, "time": 1735809771618
})";

class BybitRulesTest : public ::testing::Test {
 protected:
  BybitRulesTest() {
    // Scales as the daemon would choose them for these pairs.
    btc_ = registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 2, 6).value();
    eth_ = registry_.Add(core::Venue::kBybit, "ETH", "USDT", "ETHUSDT", 2, 5).value();
  }
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
};

TEST_F(BybitRulesTest, DocumentationBodiesGiveExactRules) {
  auto spot = ParseInstrumentsInfo(kSpotDocBody, BybitCategory::kSpot, registry_);
  ASSERT_TRUE(spot.ok()) << spot.status().ToString();
  ASSERT_EQ(spot->rules.size(), 1u);
  const core::InstrumentRules& s = spot->rules[0];
  EXPECT_EQ(s.instrument, btc_);
  EXPECT_EQ(s.tick_size.mantissa(), 10);         // 0.1 at 2 decimals
  EXPECT_EQ(s.lot_size.mantissa(), 1);           // basePrecision 0.000001 at 6
  EXPECT_EQ(s.min_quantity.mantissa(), 11);      // 0.000011
  EXPECT_EQ(s.max_quantity.mantissa(), 83'000'000);  // maxLimitOrderQty 83
  EXPECT_EQ(s.min_notional.mantissa(), 500);     // minOrderAmt 5 at the price scale
  EXPECT_EQ(s.status, core::TradingStatus::kTrading);
  EXPECT_FALSE(spot->more_pages);

  auto linear = ParseInstrumentsInfo(kLinearDocBody, BybitCategory::kLinear, registry_);
  ASSERT_TRUE(linear.ok()) << linear.status().ToString();
  ASSERT_EQ(linear->rules.size(), 1u);
  const core::InstrumentRules& l = linear->rules[0];
  EXPECT_EQ(l.tick_size.mantissa(), 10);             // 0.10
  EXPECT_EQ(l.lot_size.mantissa(), 1'000);           // qtyStep 0.001 at 6
  EXPECT_EQ(l.min_quantity.mantissa(), 1'000);
  EXPECT_EQ(l.max_quantity.mantissa(), 1'190'000'000);
  EXPECT_EQ(l.min_notional.mantissa(), 500);
  EXPECT_EQ(l.status, core::TradingStatus::kTrading);

  // Each category's body read as the other's is refused: the wrong endpoint was asked.
  EXPECT_FALSE(ParseInstrumentsInfo(kSpotDocBody, BybitCategory::kLinear, registry_).ok());
  EXPECT_FALSE(ParseInstrumentsInfo(kLinearDocBody, BybitCategory::kSpot, registry_).ok());
}

TEST_F(BybitRulesTest, ErrorEnvelopesFromTheFixtureAreRefused) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_error_codes.json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  dom::parser parser;
  dom::element root = parser.parse(text.str());
  // The success envelope with an empty result is not an instruments answer.
  const std::string envelope = simdjson::minify(root["response_envelope"]);
  auto empty = ParseInstrumentsInfo(envelope, BybitCategory::kSpot, registry_);
  EXPECT_FALSE(empty.ok());
  int refused = 0;
  for (dom::element error : dom::array(root["errors"])) {
    const std::int64_t code = error["code"];
    if (code < 10000) continue;  // HTTP codes
    const std::string body = fmt::format(
        R"({{"retCode":{},"retMsg":"{}","result":{{}},"retExtInfo":{{}},"time":1}})", code,
        "refused");
    auto result = ParseInstrumentsInfo(body, BybitCategory::kSpot, registry_);
    ASSERT_FALSE(result.ok()) << code;
    EXPECT_NE(result.status().message().find(fmt::format("retCode {}", code)), std::string::npos);
    ++refused;
  }
  EXPECT_GT(refused, 700);
}

TEST_F(BybitRulesTest, HostileBodiesAreRefusedWithoutACrash) {
  const std::string valid(kSpotDocBody);
  std::vector<std::string> bodies = {
      "",
      "null",
      "[]",
      valid.substr(0, valid.size() / 2),
      "{\"retCode\":0,\"retMsg\":\"OK\xff\",\"result\":{\"category\":\"spot\",\"list\":[]}}",
      R"({"retCode":"0","result":{"category":"spot","list":[]}})",
      R"({"retCode":0,"result":{"category":"spot"}})",
      R"({"retCode":0,"result":{"category":"spot","list":{}}})",
      R"({"retCode":0,"result":{"category":"spot","list":[1]}})",
      R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":5}]}})",
      R"({"retCode":0,"result":{"list":[]}})",
      R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"BTCUSDT","priceFilter":[]}]}})",
      R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"BTCUSDT","priceFilter":{"tickSize":0.1}}]}})",
      R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"BTCUSDT","lotSizeFilter":{"basePrecision":true}}]}})",
      R"({"retCode":0,"result":{"category":"spot","list":[{"symbol":"BTCUSDT","status":1}]}})",
      R"({"retCode":10006,"retMsg":"Too many visits!","result":{},"retExtInfo":{},"time":1})",
      // Listed twice: which one holds is anyone's guess.
      R"({"retCode":0,"result":{"category":"spot","list":[)"
      R"({"symbol":"BTCUSDT","priceFilter":{"tickSize":"0.1"},"lotSizeFilter":{"basePrecision":"0.01"}},)"
      R"({"symbol":"BTCUSDT","priceFilter":{"tickSize":"1"},"lotSizeFilter":{"basePrecision":"0.01"}}]}})",
  };
  for (const std::string& body : bodies) {
    auto result = ParseInstrumentsInfo(body, BybitCategory::kSpot, registry_);
    EXPECT_FALSE(result.ok()) << body;
  }
  // A venue error's words reach the message only as printable ASCII, cut short.
  auto refused = ParseInstrumentsInfo(
      std::string(R"({"retCode":10001,"retMsg":")") + std::string(300, 'x') + "\n\"}",
      BybitCategory::kSpot, registry_);
  ASSERT_FALSE(refused.ok());
  EXPECT_LT(refused.status().message().size(), 200u);
}

TEST_F(BybitRulesTest, ValuesTheScalesCannotHoldLeaveThatInstrumentOut) {
  const std::string body =
      R"({"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[)"
      // BTCUSDT's tick needs 3 decimals; its price scale has 2.
      R"({"symbol":"BTCUSDT","status":"Trading","priceFilter":{"tickSize":"0.001"},)"
      R"("lotSizeFilter":{"basePrecision":"0.000001"}},)"
      R"({"symbol":"DOGEUSDT","priceFilter":{"tickSize":"nonsense"}},)"
      R"({"symbol":"ETHUSDT","status":"Closed","priceFilter":{"tickSize":"0.01"},)"
      R"("lotSizeFilter":{"basePrecision":"0.00001","minOrderQty":"0.00062",)"
      R"("maxOrderQty":"99999999999999999999","minOrderAmt":"1"}}]}})";
  auto info = ParseInstrumentsInfo(body, BybitCategory::kSpot, registry_);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  ASSERT_EQ(info->rules.size(), 1u);
  ASSERT_EQ(info->skipped.size(), 1u);
  EXPECT_NE(info->skipped[0].find("BTCUSDT"), std::string::npos);
  const core::InstrumentRules& eth = info->rules[0];
  EXPECT_EQ(eth.instrument, eth_);
  EXPECT_EQ(eth.status, core::TradingStatus::kHalted);
  EXPECT_EQ(eth.min_quantity.mantissa(), 62);
  EXPECT_EQ(eth.max_quantity.mantissa(), INT64_MAX);  // a limit beyond int64 saturates
  // A zero or negative step is no step.
  for (const char* tick : {"0", "-0.01", "0.00"}) {
    const std::string zero = fmt::format(
        R"({{"retCode":0,"result":{{"category":"spot","nextPageCursor":"x","list":[)"
        R"({{"symbol":"ETHUSDT","priceFilter":{{"tickSize":"{}"}},)"
        R"("lotSizeFilter":{{"basePrecision":"0.00001"}}}}]}}}})",
        tick);
    auto result = ParseInstrumentsInfo(zero, BybitCategory::kSpot, registry_);
    ASSERT_TRUE(result.ok()) << zero;
    EXPECT_TRUE(result->rules.empty()) << tick;
    EXPECT_EQ(result->skipped.size(), 1u);
    EXPECT_TRUE(result->more_pages);
  }
}

// ---- the feed against the sim, over loopback

using ::tradingd::testing::IoThread;

// A book as the engine would hold it, rebuilt from the feed's events, with its history.
struct Book {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  core::BookState state = core::BookState::kSyncing;
  int went_live = 0;                            // snapshots that made the book LIVE
  int deltas = 0;                               // complete delta messages applied
  std::vector<std::uint64_t> snapshot_sequences;  // u of every snapshot
  std::vector<core::BookReason> stale_reasons;
};

// Records what the feed publishes (on the feed's thread) for the test thread.
// Thread contract: Publish on one producer thread; WaitFor from any thread.
class SyncedSink final : public core::EventSink {
 public:
  struct View {
    const std::map<core::InstrumentId, Book>& books;
    const std::map<core::InstrumentId, core::InstrumentRules>& rules;
    int quotes;
    int trades;
    const core::FeedStatus& status;  // the latest
    const Book& book(core::InstrumentId id) const {
      static const Book kEmpty;
      auto it = books.find(id);
      return it == books.end() ? kEmpty : it->second;
    }
  };

  bool Publish(const core::Event& event) override {
    std::lock_guard lock(mutex_);
    if (const auto* update = std::get_if<core::BookUpdate>(&event)) {
      Apply(*update);
    } else if (const auto* status = std::get_if<core::BookStatus>(&event)) {
      Book& book = books_[status->instrument];
      book.state = status->state;
      if (status->state == core::BookState::kStale) book.stale_reasons.push_back(status->reason);
    } else if (const auto* rules = std::get_if<core::InstrumentRules>(&event)) {
      rules_[rules->instrument] = *rules;
    } else if (std::holds_alternative<core::Quote>(event)) {
      ++quotes_;
    } else if (std::holds_alternative<core::Trade>(event)) {
      ++trades_;
    } else if (const auto* feed_status = std::get_if<core::FeedStatus>(&event)) {
      status_ = *feed_status;
    }
    cv_.notify_all();
    return true;
  }

  // Waits until pred(view) holds; false at the deadline.
  bool WaitFor(const std::function<bool(const View&)>& pred,
               std::chrono::milliseconds timeout = kDeadline) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      return pred(View{books_, rules_, quotes_, trades_, status_});
    });
  }
  template <typename F>
  auto Read(F&& fn) {
    std::lock_guard lock(mutex_);
    return fn(View{books_, rules_, quotes_, trades_, status_});
  }

 private:
  void Apply(const core::BookUpdate& update) {
    Book& book = books_[update.instrument];
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
    if (update.has(core::BookUpdate::kLastChunk)) {
      if (update.has(core::BookUpdate::kSnapshot)) {
        book.snapshot_sequences.push_back(update.last_sequence);
      } else {
        ++book.deltas;
      }
    }
    if (update.has(core::BookUpdate::kGoesLive)) {
      book.state = core::BookState::kLive;
      ++book.went_live;
    }
  }

  std::mutex mutex_;
  std::condition_variable cv_;
  std::map<core::InstrumentId, Book> books_;
  std::map<core::InstrumentId, core::InstrumentRules> rules_;
  int quotes_ = 0;
  int trades_ = 0;
  core::FeedStatus status_;
};

bool SameBook(const Book& book, const sim::BookLevels& venue) {
  if (book.bids.size() != venue.bids.size() || book.asks.size() != venue.asks.size()) {
    return false;
  }
  std::size_t i = 0;
  for (const auto& [price, quantity] : book.bids) {
    if (price != venue.bids[i].price || quantity != venue.bids[i].quantity) return false;
    ++i;
  }
  i = 0;
  for (const auto& [price, quantity] : book.asks) {
    if (price != venue.asks[i].price || quantity != venue.asks[i].quantity) return false;
    ++i;
  }
  return true;
}

class BybitFeedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    sim::StreamSimOptions options;
    options.symbols = sim::bybit::DefaultBybitSymbols(GetParam());
    options.seed = 11;
    options.changes_per_second = 300;
    auto dialect = sim::bybit::MakeBybitDialect({GetParam()});
    ASSERT_NE(dialect, nullptr);
    sim_ = std::make_unique<sim::StreamSim>(sim_io_.io(), std::move(options), std::move(dialect));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    // Scale 8 everywhere: the feed's mantissas compare with the sim's directly.
    btc_ = registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 8, 8).value();
    eth_ = registry_.Add(core::Venue::kBybit, "ETH", "USDT", "ETHUSDT", 8, 8).value();
  }

  void TearDown() override {
    if (feed_) feed_io_.Run([&] { feed_->Stop(); });
    if (sim_) sim_->Stop();
    feed_io_.Join();
    sim_io_.Join();
    feed_.reset();
    sim_.reset();
  }

  void StartFeed(std::chrono::milliseconds ping_interval = 20s,
                 std::chrono::milliseconds silence_timeout = 10s) {
    BybitFeedOptions options;
    options.ws_url = sim_->ws_url();
    options.book_depth = kDepth;
    options.ping_interval = ping_interval;
    ASSERT_TRUE(Validate(options).ok()) << Validate(options).ToString();
    VenueFeedOptions feed_options;
    feed_options.venue = core::Venue::kBybit;
    feed_options.rest_base_url = sim_->rest_url();
    feed_options.silence_timeout = silence_timeout;
    feed_options.reconnect_min = 10ms;
    feed_options.reconnect_max = 100ms;
    feed_options.rules_retry_min = 10ms;
    feed_options.rules_retry_max = 100ms;
    feed_options.status_interval = 50ms;
    feed_options.verify_peer = false;
    VenueProtocolFactory factory = BybitProtocolFactory(options);
    feed_io_.Run([&] {
      feed_ = std::make_unique<VenueFeed>(
          feed_io_.io(), feed_options,
          [this, factory](const VenueProtocolContext& context) {
            std::unique_ptr<VenueProtocol> protocol = factory(context);
            protocol_ = static_cast<BybitProtocol*>(protocol.get());
            return protocol;
          },
          registry_, sink_);
      feed_->Start();
    });
  }

  bool AllLive(const SyncedSink::View& view) const {
    return view.book(btc_).state == core::BookState::kLive &&
           view.book(eth_).state == core::BookState::kLive;
  }

  BybitMarketDataCounters CoreCounters() {
    return feed_io_.Run([&] { return protocol_->market_data().counters(); });
  }
  VenueFeedCounters FeedCounters() {
    return feed_io_.Run([&] { return feed_->feed_counters(); });
  }

  // Pauses the market (the sim sends what is pending), waits for the feed's books to become the
  // sim's best 50 levels, and resumes.
  void ExpectBooksEqualTheSims() {
    sim_->Pause();
    const auto btc = sim_->BookSnapshot("BTCUSDT", kDepth);
    const auto eth = sim_->BookSnapshot("ETHUSDT", kDepth);
    ASSERT_TRUE(btc && eth);
    ASSERT_EQ(btc->bids.size(), static_cast<std::size_t>(kDepth));
    const bool equal = sink_.WaitFor([&](const SyncedSink::View& view) {
      return AllLive(view) && SameBook(view.book(btc_), *btc) && SameBook(view.book(eth_), *eth);
    });
    EXPECT_TRUE(equal) << "the feed's books never became the sim's best " << kDepth << " levels";
    sink_.Read([&](const SyncedSink::View& view) {
      EXPECT_EQ(view.book(btc_).bids.size(), btc->bids.size());
      EXPECT_EQ(view.book(btc_).asks.size(), btc->asks.size());
      EXPECT_EQ(view.book(eth_).bids.size(), eth->bids.size());
      return 0;
    });
    sim_->Resume();
  }

  IoThread sim_io_;
  IoThread feed_io_;
  std::unique_ptr<sim::StreamSim> sim_;
  // The registry and the sink outlive the feed.
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  SyncedSink sink_;
  std::unique_ptr<VenueFeed> feed_;
  BybitProtocol* protocol_ = nullptr;  // owned by feed_; used on the feed's thread only
};

TEST_P(BybitFeedTest, SyncsBooksRulesTradesAndQuotesEqualToTheSim) {
  StartFeed();
  const bool linear = GetParam() == "linear";
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return AllLive(view) && view.rules.size() == 2 && view.trades > 0 &&
           (!linear || view.quotes > 0) && view.book(btc_).deltas >= 10 &&
           view.book(eth_).deltas >= 10;
  })) << "books, rules, trades and quotes did not all arrive";
  const auto specs = sim::bybit::DefaultBybitSymbols(GetParam());
  sink_.Read([&](const SyncedSink::View& view) {
    for (std::size_t i = 0; i < 2; ++i) {
      const core::InstrumentRules& rules = view.rules.at(i == 0 ? btc_ : eth_);
      EXPECT_EQ(rules.tick_size.mantissa(), specs[i].tick_size);
      EXPECT_EQ(rules.lot_size.mantissa(), specs[i].lot_size);
      EXPECT_EQ(rules.max_quantity.mantissa(), specs[i].max_quantity);
      EXPECT_EQ(rules.min_notional.mantissa(), specs[i].min_notional);
      EXPECT_EQ(rules.status, core::TradingStatus::kTrading);
    }
    EXPECT_EQ(view.book(btc_).went_live, 1);
    EXPECT_TRUE(view.book(btc_).stale_reasons.empty());
    // Spot tickers carry no bid/ask: no quotes there.
    if (!linear) {
      EXPECT_EQ(view.quotes, 0);
    }
    return 0;
  });
  ExpectBooksEqualTheSims();
  const BybitMarketDataCounters core = CoreCounters();
  EXPECT_EQ(core.parse_errors, 0u);
  EXPECT_EQ(core.venue_errors, 0u);
  EXPECT_EQ(core.gaps, 0u);
  EXPECT_GE(core.book_deltas, 20u);
  const VenueFeedCounters counters = FeedCounters();
  EXPECT_EQ(counters.subscribe_messages, 1u);  // 6 topics: one request, also on spot
  EXPECT_EQ(counters.rules_loaded, 1u);
  EXPECT_EQ(counters.rules_failures, 0u);
}

TEST_P(BybitFeedTest, LostUpdateGoesStaleResubscribesAndComesBackLive) {
  StartFeed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) { return AllLive(view); }));
  ASSERT_TRUE(sim_->SkipSequence("BTCUSDT"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return view.book(btc_).went_live == 2 && AllLive(view);
  })) << "BTCUSDT did not come back LIVE after the lost update";
  sink_.Read([&](const SyncedSink::View& view) {
    EXPECT_EQ(view.book(btc_).stale_reasons,
              std::vector<core::BookReason>{core::BookReason::kSequenceGap});
    EXPECT_TRUE(view.book(eth_).stale_reasons.empty());  // the fault was BTCUSDT's only
    EXPECT_EQ(view.book(eth_).went_live, 1);
    return 0;
  });
  const VenueFeedCounters counters = FeedCounters();
  EXPECT_EQ(counters.resubscribes, 1u);  // unsubscribe + subscribe, not a reconnect
  EXPECT_EQ(counters.reconnects_for_resync, 0u);
  EXPECT_EQ(CoreCounters().gaps, 1u);
  EXPECT_EQ(CoreCounters().venue_errors, 0u);  // the sim accepted both requests
  ExpectBooksEqualTheSims();
}

TEST_P(BybitFeedTest, ServiceRestartSnapshotReplacesTheBookWithoutGoingStale) {
  StartFeed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) { return AllLive(view); }));
  ASSERT_TRUE(sim_->ResetSequence("BTCUSDT"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    const auto& sequences = view.book(btc_).snapshot_sequences;
    return std::find(sequences.begin(), sequences.end(), 1u) != sequences.end();
  })) << "no u = 1 snapshot reached the engine";
  ExpectBooksEqualTheSims();
  sink_.Read([&](const SyncedSink::View& view) {
    EXPECT_TRUE(view.book(btc_).stale_reasons.empty());
    EXPECT_EQ(view.book(btc_).snapshot_sequences.size(), 2u);
    return 0;
  });
  // The deltas after the restart continue from u = 1 without a gap.
  EXPECT_EQ(CoreCounters().gaps, 0u);
  EXPECT_FALSE(sim_->CorruptChecksum("BTCUSDT"));  // Bybit publishes no checksum
}

TEST_P(BybitFeedTest, DropMalformedFrameAndEngineResync) {
  StartFeed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) { return AllLive(view); }));
  sim_->DropConnections();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return view.book(btc_).went_live == 2 && view.book(eth_).went_live == 2 && AllLive(view);
  })) << "the books did not come back after the dropped connection";
  sink_.Read([&](const SyncedSink::View& view) {
    EXPECT_EQ(view.book(btc_).stale_reasons,
              std::vector<core::BookReason>{core::BookReason::kDisconnected});
    EXPECT_EQ(view.status.connects, 2u);
    return 0;
  });

  // A frame cut in the middle names no book: counted, nothing else.
  const std::uint64_t errors_before = sink_.Read([](const SyncedSink::View& v) {
    return v.status.parse_errors;
  });
  sim_->SendMalformed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return view.status.parse_errors == errors_before + 1;
  }));

  // The engine found ETHUSDT crossed: STALE(kCrossed), resubscribed, LIVE.
  feed_->RequestResync(eth_, core::BookReason::kCrossed);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return view.book(eth_).went_live == 3 && AllLive(view);
  }));
  sink_.Read([&](const SyncedSink::View& view) {
    EXPECT_EQ(view.book(eth_).stale_reasons,
              (std::vector<core::BookReason>{core::BookReason::kDisconnected,
                                             core::BookReason::kCrossed}));
    EXPECT_EQ(view.book(btc_).went_live, 2);
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 1u);
  ExpectBooksEqualTheSims();
}

TEST_P(BybitFeedTest, PingsKeepAQuietConnectionAlive) {
  // Pings every 100 ms, silence after 600 ms: only the pongs keep the connection.
  StartFeed(100ms, 600ms);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) { return AllLive(view); }));
  sim_->Pause();
  const auto before = sim_->counters();
  const std::uint64_t other_before = CoreCounters().other;
  const std::uint64_t frames = sink_.Read([](const SyncedSink::View& v) { return v.status.frames; });
  // 20 more frames take about 2 s of pongs, far past the silence timeout (a few data frames may
  // still have been on their way when the market paused).
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& view) {
    return view.status.frames >= frames + 20;
  })) << "the paused venue's pongs did not arrive";
  const auto after = sim_->counters();
  EXPECT_GE(after.client_messages, before.client_messages + 15);
  EXPECT_EQ(after.connections_accepted, 1u);
  sink_.Read([&](const SyncedSink::View& view) {
    EXPECT_EQ(view.status.connects, 1u);
    EXPECT_TRUE(view.book(btc_).stale_reasons.empty());
    EXPECT_EQ(view.book(btc_).state, core::BookState::kLive);
    return 0;
  });
  EXPECT_EQ(CoreCounters().parse_errors, 0u);
  EXPECT_GE(CoreCounters().other, other_before + 15);  // the pongs
  sim_->Resume();
}

INSTANTIATE_TEST_SUITE_P(Categories, BybitFeedTest, ::testing::Values("spot", "linear"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace tradingd::feeds::bybit
