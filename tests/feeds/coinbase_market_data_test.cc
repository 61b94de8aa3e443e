// CoinbaseMarketData and CoinbaseParser: the real 2021 Exchange capture (10 products, level2 +
// ticker + matches) gives books that never cross, tickers that agree with the book top, and trades
// whose aggressor is the ticker's taker side; the Advanced Trade shapes of nautilus_trader's
// fixtures and synthetic messages walk the connection-wide sequence_num rule (gap → every book
// STALE and resynced); hostile input is counted and changes nothing.

#include "feeds/coinbase/coinbase_market_data.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/coinbase/coinbase_capture.h"
#include "feeds/coinbase/coinbase_parser.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::coinbase {
namespace {

using testing::MirrorSink;
using testing::Padded;
using testing::RecordingSink;

// The README of the fixtures: 10 snapshots, 9,719 l2updates, 107 tickers, 97 matches (and 10
// last_match, one a product, right after subscribing); the book never crosses and the ticker's
// best bid/ask is the book's top at arrival for most tickers (the rest is timing between channels:
// measured 100 of 107 here).
TEST(CoinbaseReplayFixture, ExchangeLevel2TickerAndMatches) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/COINBASE.ws.28.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto instruments = InspectCoinbaseCapture(*capture);
  ASSERT_EQ(instruments.size(), 10u);
  ASSERT_EQ(instruments.count("SKL-USD"), 1u);
  EXPECT_EQ(instruments.at("SKL-BTC").price_decimals, 8);  // "0.00001305"
  core::SymbolRegistry registry;
  for (const auto& [product_id, facts] : instruments) {
    const auto dash = product_id.find('-');
    ASSERT_NE(dash, std::string::npos) << product_id;
    ASSERT_TRUE(registry
                    .Add(core::Venue::kCoinbase, product_id.substr(0, dash),
                         product_id.substr(dash + 1), product_id, facts.price_decimals,
                         facts.quantity_decimals)
                    .ok())
        << product_id;
  }
  const core::Instrument* skl = registry.FindByVenueSymbol(core::Venue::kCoinbase, "SKL-USD");
  ASSERT_NE(skl, nullptr);
  EXPECT_EQ(skl->base, "SKL");
  EXPECT_EQ(skl->quote, "USD");

  MirrorSink sink;
  int resyncs = 0;
  CoinbaseMarketData md(registry, sink, [&](core::InstrumentId) { ++resyncs; });
  // The ticker's `side` is the taker's: the independent answer for each trade's aggressor.
  std::map<std::pair<std::string, std::uint64_t>, core::Side> ticker_taker;
  simdjson::dom::parser json;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    md.OnFrame(record.payload, record.timestamp_ns);
    simdjson::dom::element root;
    std::string_view type, product, side;
    std::uint64_t trade_id = 0;
    if (!json.parse(record.payload.data(), record.payload.size(), false).get(root) &&
        !root["type"].get_string().get(type) && type == "ticker" &&
        !root["product_id"].get_string().get(product) && !root["side"].get_string().get(side) &&
        !root["trade_id"].get_uint64().get(trade_id)) {
      ticker_taker[{std::string(product), trade_id}] =
          side == "buy" ? core::Side::kBuy : core::Side::kSell;
    }
  }
  const CoinbaseMarketDataCounters& c = md.counters();
  EXPECT_EQ(c.parse_errors, 0u) << FeedParseErrorName(c.last_parse_error);
  EXPECT_EQ(c.unknown_symbol, 0u);
  EXPECT_EQ(c.book_snapshots, 10u);
  EXPECT_EQ(c.book_updates, 9719u);
  EXPECT_EQ(c.updates_ignored, 0u);
  EXPECT_EQ(c.quotes, 107u);
  EXPECT_EQ(c.trades, 97u);
  EXPECT_EQ(c.trade_history, 10u);  // last_match: counted, not published
  EXPECT_EQ(c.out_of_order, 0u);
  EXPECT_EQ(c.other, 3u);  // the three `subscriptions` replies
  EXPECT_EQ(c.resyncs, 0u);
  EXPECT_EQ(resyncs, 0);
  EXPECT_EQ(md.queue_drops(), 0u);
  EXPECT_EQ(sink.crossed, 0u);
  for (core::InstrumentId id : md.instruments()) {
    EXPECT_EQ(md.book_state(id), core::BookState::kLive) << registry.Get(id).venue_symbol;
  }
  ASSERT_EQ(sink.quotes, 107u);
  const double at_top = static_cast<double>(sink.quotes_at_top) / static_cast<double>(sink.quotes);
  std::printf("[ coinbase ] ticker best bid/ask == book top at arrival: %llu of %llu (%.1f%%)\n",
              static_cast<unsigned long long>(sink.quotes_at_top),
              static_cast<unsigned long long>(sink.quotes), 100.0 * at_top);
  EXPECT_GE(sink.quotes_at_top, 95u);  // measured 100; a few tickers race the level2 channel

  ASSERT_EQ(sink.trades.size(), 97u);
  int checked = 0;
  for (const core::Trade& trade : sink.trades) {
    const auto it =
        ticker_taker.find({registry.Get(trade.instrument).venue_symbol, trade.trade_id});
    ASSERT_NE(it, ticker_taker.end()) << trade.trade_id;
    EXPECT_EQ(trade.aggressor, it->second) << trade.trade_id;
    ++checked;
  }
  EXPECT_EQ(checked, 97);
  // The first match of the capture: maker "sell" → a buyer took it.
  const core::Trade& first = sink.trades.front();
  EXPECT_EQ(registry.Get(first.instrument).venue_symbol, "SKL-BTC");
  EXPECT_EQ(first.trade_id, 280232u);
  EXPECT_EQ(first.aggressor, core::Side::kBuy);
  EXPECT_EQ(first.price.mantissa(), 1305);
  std::int64_t time = 0;
  ASSERT_TRUE(core::ParseTimestamp("2021-04-17T16:43:37.089723Z", &time));
  EXPECT_EQ(first.exchange_time_ns, time);
}

// ---- Exchange, synthetic ---------------------------------------------------------------------

class CoinbaseExchangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_ = *registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
    md_ = std::make_unique<CoinbaseMarketData>(
        registry_, sink_, [this](core::InstrumentId id) { resyncs_.push_back(id); });
  }

  void Feed(const std::string& json) { md_->OnFrame(Padded(json).view(), 1000); }

  static std::string Snapshot() {
    return R"({"type":"snapshot","product_id":"BTC-USD","asks":[["101.00","2"],["102.5","3"]],)"
           R"("bids":[["100.00","1.5"]]})";
  }
  static std::string Update(const char* side, const char* price, const char* size) {
    return fmt::format(R"({{"type":"l2update","product_id":"BTC-USD","changes":[["{}","{}","{}"]],)"
                       R"("time":"2021-04-17T16:43:37.075687Z"}})",
                       side, price, size);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<CoinbaseMarketData> md_;
};

TEST_F(CoinbaseExchangeTest, SnapshotMakesTheBookLiveAndUpdatesFollow) {
  Feed(Update("buy", "99.00", "1"));  // before any snapshot: nothing to apply it to
  EXPECT_EQ(md_->counters().updates_ignored, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kSyncing);
  Feed(Snapshot());
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(Update("sell", "101.00", "0.00000000"));
  Feed(Update("buy", "100.50", "4"));
  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 3u);
  // The snapshot: bids first whatever the order in the bytes (asks came first).
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kSnapshot));
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kGoesLive));
  ASSERT_EQ(updates[0].bid_count, 1);
  ASSERT_EQ(updates[0].ask_count, 2);
  EXPECT_EQ(updates[0].levels[0].price.mantissa(), 10000);
  EXPECT_EQ(updates[0].levels[0].quantity.mantissa(), 150000000);
  EXPECT_EQ(updates[0].levels[1].price.mantissa(), 10100);
  EXPECT_EQ(updates[0].levels[2].price.mantissa(), 10250);
  EXPECT_EQ(updates[0].exchange_time_ns, 0);  // an Exchange snapshot has no time
  // A delete, then a bid.
  EXPECT_FALSE(updates[1].has(core::BookUpdate::kSnapshot));
  ASSERT_EQ(updates[1].ask_count, 1);
  EXPECT_EQ(updates[1].levels[0].quantity.mantissa(), 0);
  ASSERT_EQ(updates[2].bid_count, 1);
  EXPECT_EQ(updates[2].levels[0].price.mantissa(), 10050);
  EXPECT_EQ(updates[2].last_sequence, 3u);  // no venue sequence: messages applied to the book
  std::int64_t time = 0;
  ASSERT_TRUE(core::ParseTimestamp("2021-04-17T16:43:37.075687Z", &time));
  EXPECT_EQ(updates[2].exchange_time_ns, time);
  EXPECT_EQ(md_->counters().book_snapshots, 1u);
  EXPECT_EQ(md_->counters().book_updates, 2u);
  EXPECT_TRUE(resyncs_.empty());
}

TEST_F(CoinbaseExchangeTest, TickersMatchesAndReplies) {
  // 2021 ticker (no sizes) and today's (with sizes).
  Feed(R"({"type":"ticker","sequence":10,"product_id":"BTC-USD","price":"100.5",)"
       R"("best_bid":"100.25","best_ask":"100.75","side":"buy",)"
       R"("time":"2021-04-17T16:43:30.244075Z","trade_id":5,)"
       R"("last_size":"0.04"})");
  Feed(R"({"type":"ticker","sequence":12,"product_id":"BTC-USD","price":"100.5",)"
       R"("best_bid":"100.25",)"
       R"("best_bid_size":"0.46688654","best_ask":"100.75","best_ask_size":"1.5","side":"sell",)"
       R"("time":"2022-10-19T23:28:22.061769Z","trade_id":6,"last_size":"1"})");
  Feed(R"({"type":"ticker","sequence":11,"product_id":"BTC-USD","best_bid":"1","best_ask":"2"})");
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 2u);  // the third is older than the second
  EXPECT_EQ(md_->counters().out_of_order, 1u);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 10025);
  EXPECT_EQ(quotes[0].ask_price.mantissa(), 10075);
  EXPECT_EQ(quotes[0].bid_quantity.mantissa(), 0);  // not sent in 2021
  EXPECT_EQ(quotes[0].update_id, 0u);               // not tied to a book sequence
  EXPECT_EQ(quotes[1].bid_quantity.mantissa(), 46688654);
  EXPECT_EQ(quotes[1].ask_quantity.mantissa(), 150000000);

  // last_match is history: counted, not published; a match's side is the maker's.
  Feed(R"({"type":"last_match","trade_id":4,"side":"sell","size":"0.04","price":"100.5",)"
       R"("product_id":"BTC-USD","sequence":9,"time":"2021-04-17T16:43:30.244075Z"})");
  Feed(R"({"type":"match","trade_id":7,"maker_order_id":"a","taker_order_id":"b","side":"buy",)"
       R"("size":"985","price":"100.25","product_id":"BTC-USD","sequence":20,)"
       R"("time":"2021-04-17T16:43:37.089723Z"})");
  Feed(R"({"type":"match","trade_id":6,"side":"sell","size":"1","price":"100.25",)"
       R"("product_id":"BTC-USD","sequence":19,"time":"2021-04-17T16:43:37.089723Z"})");
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);  // maker bought: a seller took it
  EXPECT_EQ(trades[0].trade_id, 7u);
  EXPECT_EQ(trades[0].quantity.mantissa(), 98500000000);
  EXPECT_EQ(md_->counters().trades, 1u);
  EXPECT_EQ(md_->counters().trade_history, 1u);
  EXPECT_EQ(md_->counters().out_of_order, 2u);  // the match older than sequence 20

  Feed(R"({"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD",)"
       R"("time":"2014-11-07T08:19:28.464459Z"})");
  Feed(R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["BTC-USD"]}]})");
  Feed(R"({"type":"error","message":"Failed to subscribe","reason":"level2 requires auth"})");
  Feed(R"({"type":"received","product_id":"BTC-USD","sequence":30})");  // `full`: not ours
  EXPECT_EQ(md_->counters().heartbeats, 1u);
  EXPECT_EQ(md_->counters().venue_errors, 1u);
  EXPECT_EQ(md_->counters().other, 2u);
  EXPECT_EQ(md_->counters().parse_errors, 0u);
}

TEST_F(CoinbaseExchangeTest, QueueFullMakesTheBookStaleUntilTheNextSnapshot) {
  Feed(Snapshot());
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  sink_.full = true;
  Feed(Update("buy", "100.50", "4"));
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(md_->queue_drops(), 1u);
  ASSERT_EQ(resyncs_.size(), 1u);
  EXPECT_EQ(resyncs_[0], btc_);
  sink_.full = false;
  Feed(Update("buy", "100.75", "1"));  // the owed statuses go first; the update is ignored
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kQueueOverflow);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_EQ(md_->counters().updates_ignored, 1u);
  Feed(Snapshot());
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
}

TEST_F(CoinbaseExchangeTest, DisconnectAndResync) {
  Feed(Snapshot());
  md_->Resync(btc_, core::BookReason::kCrossed, 5);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  ASSERT_EQ(resyncs_.size(), 1u);
  Feed(Snapshot());
  md_->OnDisconnected(core::BookReason::kDisconnected, 6);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back().reason, core::BookReason::kDisconnected);
  md_->Resync(999, core::BookReason::kCrossed, 7);  // not an instrument: ignored
  EXPECT_EQ(resyncs_.size(), 1u);
}

TEST_F(CoinbaseExchangeTest, HostileMessagesAreCountedAndChangeNothing) {
  Feed(Snapshot());
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  const std::size_t events = sink_.events.size();
  const std::string snapshot = Snapshot();
  std::string huge = R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[)";
  for (int i = 0; i < 100'001; ++i) huge += i == 0 ? R"(["1","1"])" : R"(,["1","1"])";
  huge += "]}";
  const std::string hostile[] = {
      "",
      "{",
      "[]",
      "null",
      snapshot.substr(0, snapshot.size() / 2),  // truncated
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[[100.5,"1"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[["100.555","1"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[["100.5"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[[null,"1"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[["-1","1"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[["1","-1"]]})",
      R"({"type":"snapshot","product_id":"BTC-USD","bids":[]})",
      R"({"type":"snapshot","product_id":"BTC-USD","asks":[],"bids":[],"bids":[["1","1"]]})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[["up","100.00","1"]]})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[["buy","100.00"]]})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":{"buy":1}})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[[[[[[]]]]]]})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[],"bids":[]})",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[],"time":"yesterday"})",
      R"({"type":"l2update","changes":[["buy","100.00","1"]]})",
      R"({"type":"ticker","sequence":1,"product_id":"BTC-USD","best_bid":"100.00"})",
      R"({"type":"ticker","sequence":-5,"product_id":"BTC-USD","best_bid":"1","best_ask":"2"})",
      R"({"type":"ticker","sequence":1.5,"product_id":"BTC-USD","best_bid":"1","best_ask":"2"})",
      R"({"type":"match","trade_id":1,"side":"up","size":"1","price":"1","product_id":"BTC-USD"})",
      R"({"type":"match","trade_id":"1","side":"buy","size":"1","price":"1",)"
      R"("product_id":"BTC-USD"})",
      R"({"type":"match","trade_id":1,"side":"buy","size":"0","price":"1","product_id":"BTC-USD"})",
      R"({"type":1,"product_id":"BTC-USD"})",
      R"({"product_id":"BTC-USD","changes":[]})",
      "{\"type\":\"l2update\",\"product_id\":\"BTC-\xff\",\"changes\":[]}",
      R"({"type":"l2update","product_id":"BTC-USD","changes":[]} 1)",
      huge,
      R"({"type":"l2update","product_id":"ETH-USD","changes":[["buy","1","1"]]})",  // unknown
  };
  for (const std::string& json : hostile) Feed(json);
  const CoinbaseMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.unknown_symbol, 1u);
  EXPECT_EQ(c.parse_errors + c.unknown_symbol, std::size(hostile));
  EXPECT_EQ(sink_.events.size(), events);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  EXPECT_TRUE(resyncs_.empty());
}

// ---- Advanced Trade --------------------------------------------------------------------------

class CoinbaseAdvancedTradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_ = *registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
    eth_ = *registry_.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8);
    CoinbaseParserOptions options;
    options.feed = CoinbaseFeedKind::kAdvancedTrade;
    md_ = std::make_unique<CoinbaseMarketData>(
        registry_, sink_, [this](core::InstrumentId id) { resyncs_.push_back(id); }, options);
  }

  void Feed(const std::string& json) { md_->OnFrame(Padded(json).view(), 1000); }

  static std::string Read(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // The fixtures are separate files, each with its own sequence_num: renumber to chain them.
  static std::string WithSequence(const std::string& json, std::uint64_t sequence) {
    static const std::regex kSequence(R"("sequence_num":\s*[0-9]+)");
    return std::regex_replace(json, kSequence, fmt::format(R"("sequence_num":{})", sequence));
  }
  static std::string L2(std::uint64_t sequence, const std::string& events) {
    return fmt::format(R"({{"channel":"l2_data","client_id":"","timestamp":"2026-04-07T14:30:00Z",)"
                       R"("sequence_num":{},"events":[{}]}})",
                       sequence, events);
  }
  static std::string Event(const char* type, const char* product, const char* side,
                           const char* price, const char* quantity) {
    return fmt::format(
        R"({{"type":"{}","product_id":"{}","updates":[{{"side":"{}",)"
        R"("event_time":"2026-04-07T14:30:01.5Z","price_level":"{}","new_quantity":"{}"}}]}})",
        type, product, side, price, quantity);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<CoinbaseMarketData> md_;
};

TEST_F(CoinbaseAdvancedTradeTest, NautilusFixtureShapes) {
  TRADINGD_REQUIRE_FIXTURE(dir, "coinbase/nautilus_fixtures");
  Feed(Read(dir / "ws_l2_data_snapshot.json"));  // sequence_num 0
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(Read(dir / "ws_l2_data_update.json"));  // 1
  Feed(WithSequence(Read(dir / "ws_market_trades.json"), 2));
  Feed(WithSequence(Read(dir / "ws_ticker.json"), 3));
  Feed(WithSequence(Read(dir / "ws_heartbeats.json"), 4));
  Feed(WithSequence(Read(dir / "ws_subscriptions.json"), 5));
  Feed(WithSequence(Read(dir / "ws_user.json"), 6));  // a channel we do not consume
  const CoinbaseMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.parse_errors, 0u) << FeedParseErrorName(c.last_parse_error);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.book_snapshots, 1u);
  EXPECT_EQ(c.book_updates, 1u);
  EXPECT_EQ(c.trades, 1u);
  EXPECT_EQ(c.quotes, 1u);
  EXPECT_EQ(c.heartbeats, 1u);
  EXPECT_EQ(c.other, 2u);  // subscriptions, user
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  EXPECT_TRUE(resyncs_.empty());

  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kGoesLive));
  ASSERT_EQ(updates[0].bid_count, 3);
  ASSERT_EQ(updates[0].ask_count, 3);
  EXPECT_EQ(updates[0].levels[0].price.mantissa(), 6890000);
  EXPECT_EQ(updates[0].levels[0].quantity.mantissa(), 150000000);
  EXPECT_EQ(updates[0].levels[3].price.mantissa(), 6890100);
  std::int64_t time = 0;
  ASSERT_TRUE(core::ParseTimestamp("2026-04-07T14:30:00.123456Z", &time));
  EXPECT_EQ(updates[0].exchange_time_ns, time);
  EXPECT_EQ(updates[1].last_sequence, 1u);  // the connection's sequence_num
  ASSERT_EQ(updates[1].bid_count, 1);
  ASSERT_EQ(updates[1].ask_count, 1);
  EXPECT_EQ(updates[1].levels[0].quantity.mantissa(), 200000000);
  EXPECT_EQ(updates[1].levels[1].quantity.mantissa(), 0);  // the offer at 68901.00 is gone
  ASSERT_TRUE(core::ParseTimestamp("2026-04-07T14:30:01.456789Z", &time));
  EXPECT_EQ(updates[1].exchange_time_ns, time);  // the rows' event_time

  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].trade_id, 995098700u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);  // maker side BUY
  EXPECT_EQ(trades[0].price.mantissa(), 6890050);
  EXPECT_EQ(trades[0].quantity.mantissa(), 150000);
  EXPECT_EQ(trades[1].aggressor, core::Side::kBuy);  // maker side SELL
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 6890000);
  EXPECT_EQ(quotes[0].bid_quantity.mantissa(), 150000000);
  EXPECT_EQ(quotes[0].ask_price.mantissa(), 6890100);
  EXPECT_EQ(quotes[0].ask_quantity.mantissa(), 50000000);

  // The ticker file as it is: sequence_num 12 after 6 is a jump.
  Feed(Read(dir / "ws_ticker.json"));
  EXPECT_EQ(c.gaps, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(md_->book_state(eth_), core::BookState::kStale);
  EXPECT_EQ(sink_.Of<core::Quote>().size(), 2u);  // the message itself is still used
}

TEST_F(CoinbaseAdvancedTradeTest, SequenceGapStalesEveryBookAndResyncs) {
  Feed(L2(0, Event("snapshot", "BTC-USD", "bid", "100.00", "1") + "," +
                 Event("snapshot", "ETH-USD", "offer", "10.00", "2")));
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  ASSERT_EQ(md_->book_state(eth_), core::BookState::kLive);
  Feed(L2(1, Event("update", "ETH-USD", "bid", "9.00", "1")));
  EXPECT_EQ(md_->counters().book_updates, 1u);
  Feed(R"({"channel":"heartbeats","timestamp":"2026-04-07T14:30:10Z","sequence_num":2,)"
       R"("events":[{"current_time":"2026-04-07 14:30:10.0+00:00","heartbeat_counter":"3049"}]})");
  EXPECT_EQ(md_->counters().heartbeats, 1u);
  EXPECT_EQ(md_->counters().gaps, 0u);

  Feed(L2(4, Event("update", "BTC-USD", "bid", "99.00", "1")));  // 3 was lost
  EXPECT_EQ(md_->counters().gaps, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(md_->book_state(eth_), core::BookState::kStale);
  EXPECT_EQ(md_->counters().updates_ignored, 1u);  // the update that revealed the gap
  ASSERT_EQ(resyncs_.size(), 2u);
  EXPECT_EQ(resyncs_[0], btc_);
  EXPECT_EQ(resyncs_[1], eth_);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_EQ(statuses.size(), 4u);  // STALE then SYNCING, each book
  for (const core::BookStatus& status : statuses) {
    EXPECT_EQ(status.reason, core::BookReason::kSequenceGap);
  }
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);

  // The resubscribe's snapshot: one book back, in sequence.
  Feed(L2(5, Event("snapshot", "BTC-USD", "bid", "100.00", "1")));
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  EXPECT_EQ(md_->book_state(eth_), core::BookState::kStale);
  EXPECT_EQ(md_->counters().gaps, 1u);

  // A frame that cannot be parsed does not move the counter: the next one shows the loss.
  Feed(L2(6, Event("update", "BTC-USD", "bid", "100.001", "1")));  // too precise
  EXPECT_EQ(md_->counters().parse_errors, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(L2(7, Event("update", "BTC-USD", "bid", "100.50", "1")));
  EXPECT_EQ(md_->counters().gaps, 2u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);

  // A new connection starts its own count at 0: no gap.
  md_->OnDisconnected(core::BookReason::kDisconnected, 10);
  Feed(L2(0, Event("snapshot", "BTC-USD", "bid", "100.00", "1")));
  EXPECT_EQ(md_->counters().gaps, 2u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  md_->Reset();
  Feed(L2(0, Event("snapshot", "ETH-USD", "bid", "9.00", "1")));
  EXPECT_EQ(md_->counters().gaps, 2u);
  EXPECT_EQ(md_->book_state(eth_), core::BookState::kLive);
}

TEST_F(CoinbaseAdvancedTradeTest, UnknownProductsAreSkippedButTheCounterMoves) {
  Feed(L2(0, Event("snapshot", "BTC-USD", "bid", "100.00", "1") + "," +
                 Event("snapshot", "DOGE-USD", "bid", "0.1", "1")));
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  EXPECT_EQ(md_->counters().unknown_symbol, 1u);
  EXPECT_EQ(md_->counters().book_snapshots, 1u);
  Feed(L2(1, Event("update", "DOGE-USD", "bid", "0.2", "1")));  // nothing for us at all
  EXPECT_EQ(md_->counters().unknown_symbol, 2u);
  EXPECT_EQ(md_->counters().parse_errors, 0u);
  Feed(L2(2, Event("update", "BTC-USD", "bid", "100.50", "1")));
  EXPECT_EQ(md_->counters().gaps, 0u);
  EXPECT_EQ(md_->counters().book_updates, 1u);
  // market_trades: the snapshot event is history (counted), the update event is published.
  Feed(R"({"channel":"market_trades","timestamp":"2026-04-07T14:30:02Z","sequence_num":3,)"
       R"("events":[{"type":"snapshot","trades":[{"trade_id":"000000000","product_id":"BTC-USD",)"
       R"("price":"100.01","size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"}]},)"
       R"({"type":"update","trades":[{"trade_id":"7","product_id":"BTC-USD","price":"100.02",)"
       R"("size":"0.1","side":"SELL","time":"2026-04-07T14:30:02.5Z"},{"trade_id":"8",)"
       R"("product_id":"DOGE-USD","price":"0.1","size":"1","side":"SELL"}]}]})");
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].trade_id, 7u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kBuy);
  EXPECT_EQ(md_->counters().trades, 1u);
  EXPECT_EQ(md_->counters().trade_history, 1u);
  EXPECT_EQ(md_->counters().unknown_symbol, 3u);
  EXPECT_EQ(md_->counters().gaps, 0u);
}

TEST_F(CoinbaseAdvancedTradeTest, HostileMessagesAreCountedAndChangeNothing) {
  Feed(L2(0, Event("snapshot", "BTC-USD", "bid", "100.00", "1")));
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  const std::size_t events = sink_.events.size();
  const std::string good = L2(1, Event("update", "BTC-USD", "bid", "100.50", "1"));
  std::string many_events = R"({"channel":"l2_data","sequence_num":1,"events":[)";
  for (int i = 0; i < 1001; ++i) many_events += i == 0 ? "{}" : ",{}";
  many_events += "]}";
  std::string many_rows = R"({"channel":"l2_data","sequence_num":1,"events":[)"
                          R"({"type":"update","product_id":"BTC-USD","updates":[)";
  for (int i = 0; i < 100'001; ++i) {
    many_rows += i == 0 ? "" : ",";
    many_rows += R"({"side":"bid","price_level":"1","new_quantity":"1"})";
  }
  many_rows += "]}]}";
  // An update of BTC-USD with these rows; a market_trades update with this trade.
  auto rows = [](const char* text) {
    return L2(1, fmt::format(R"({{"type":"update","product_id":"BTC-USD","updates":[{}]}})", text));
  };
  auto trade = [](const char* text) {
    return fmt::format(R"({{"channel":"market_trades","sequence_num":1,"events":[)"
                       R"({{"type":"update","trades":[{}]}}]}})",
                       text);
  };
  const std::string hostile[] = {
      "",
      "{",
      "[]",
      good.substr(0, good.size() - 7),         // truncated
      R"({"channel":"l2_data","events":[]})",  // no sequence_num
      R"({"channel":"l2_data","sequence_num":"1","events":[]})",
      R"({"channel":"l2_data","sequence_num":-1,"events":[]})",
      R"({"channel":"l2_data","sequence_num":1.5,"events":[]})",
      R"({"channel":"l2_data","sequence_num":1,"events":{}})",
      R"({"channel":"l2_data","sequence_num":1})",
      R"({"channel":"l2_data","sequence_num":1,"events":[],"events":[]})",
      R"({"channel":"l2_data","sequence_num":1,"timestamp":"noon","events":[]})",
      R"({"channel":7,"sequence_num":1,"events":[]})",
      R"({"sequence_num":1,"events":[]})",
      L2(1, Event("sideways", "BTC-USD", "bid", "100.50", "1")),
      L2(1, Event("update", "BTC-USD", "ask", "100.50", "1")),
      L2(1, Event("update", "BTC-USD", "bid", "100.50", "x")),
      L2(1, Event("update", "", "bid", "100.50", "1")),
      L2(1, R"({"type":"update","product_id":"BTC-USD"})"),
      rows(R"({"side":"bid","price_level":"1"})"),
      rows(R"({"side":"bid","price_level":1,"new_quantity":"1"})"),
      rows(R"({"side":"bid","event_time":"soon","price_level":"1","new_quantity":"1"})"),
      rows(R"(["bid","1","1"])"),
      trade(R"({"trade_id":"1","product_id":"BTC-USD","price":"1","size":"1","side":"UP"})"),
      trade(R"({"trade_id":"abc","product_id":"BTC-USD","price":"1","size":"1","side":"BUY"})"),
      trade(R"({"trade_id":1,"product_id":"BTC-USD","price":"1","size":"1","side":"BUY"})"),
      R"({"channel":"ticker","sequence_num":1,"events":[{"type":"update",)"
      R"("tickers":[{"product_id":"BTC-USD","best_bid":"1"}]}]})",
      "{\"channel\":\"l2_data\",\"sequence_num\":1,\"events\":[{\"type\":\"update\",\"product_id\":"
      "\"BTC-\xc3\x28\",\"updates\":[]}]}",
      good + " {}",
      many_events,
      many_rows,
      L2(1, Event("update", "DOGE-USD", "bid", "1", "1")),  // last: unknown, but in sequence
  };
  for (const std::string& json : hostile) Feed(json);
  const CoinbaseMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.unknown_symbol, 1u);
  EXPECT_EQ(c.parse_errors + c.unknown_symbol, std::size(hostile));
  EXPECT_EQ(sink_.events.size(), events);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_TRUE(resyncs_.empty());
  // The unknown product's message moved the counter to 1; only that one did.
  Feed(L2(2, Event("update", "BTC-USD", "bid", "100.50", "1")));
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.book_updates, 1u);
}

// The parser alone: several products in one message, each with its own spans.
TEST(CoinbaseParserTest, AdvancedTradeEventsKeepTheirOwnLevels) {
  core::SymbolRegistry registry;
  const core::InstrumentId btc = *registry.Add(core::Venue::kCoinbase, "BTC", "USD", "", 2, 8);
  const core::InstrumentId eth = *registry.Add(core::Venue::kCoinbase, "ETH", "USD", "", 2, 8);
  CoinbaseParserOptions options;
  options.feed = CoinbaseFeedKind::kAdvancedTrade;
  CoinbaseParser parser(registry, options);
  EXPECT_EQ(parser.feed(), CoinbaseFeedKind::kAdvancedTrade);
  const Padded payload(
      R"({"channel":"l2_data","timestamp":"2026-04-07T14:30:00Z","sequence_num":9,"events":[)"
      R"({"updates":[{"side":"offer","price_level":"2.00","new_quantity":"1"},)"
      R"({"side":"bid","price_level":"1.00","new_quantity":"3"}],)"
      R"("type":"snapshot","product_id":"ETH-USD"},)"
      R"({"type":"update","product_id":"BTC-USD","updates":[)"
      R"({"side":"bid","event_time":"2026-04-07T14:30:02Z",)"
      R"("price_level":"5.00","new_quantity":"0"},)"
      R"({"side":"bid","event_time":"2026-04-07T14:30:01Z",)"
      R"("price_level":"4.00","new_quantity":"2"})"
      R"(]}]})");
  CoinbaseMessage message;
  ASSERT_EQ(parser.Parse(payload.view(), &message), FeedParseError::kOk);
  ASSERT_EQ(message.kind, CoinbaseMessageKind::kBook);
  EXPECT_TRUE(message.has_sequence_num);
  EXPECT_EQ(message.sequence_num, 9u);
  ASSERT_EQ(message.books.size(), 2u);
  const CoinbaseBook& first = message.books[0];
  EXPECT_EQ(first.instrument->id, eth);  // type and product after the rows: still attached
  EXPECT_TRUE(first.snapshot);
  ASSERT_EQ(first.bids.size(), 1u);
  ASSERT_EQ(first.asks.size(), 1u);
  EXPECT_EQ(first.bids[0].price.mantissa(), 100);
  EXPECT_EQ(first.asks[0].price.mantissa(), 200);
  const CoinbaseBook& second = message.books[1];
  EXPECT_EQ(second.instrument->id, btc);
  EXPECT_FALSE(second.snapshot);
  ASSERT_EQ(second.bids.size(), 2u);
  EXPECT_TRUE(second.asks.empty());
  EXPECT_EQ(second.bids[1].quantity.mantissa(), 200000000);
  std::int64_t latest = 0;
  ASSERT_TRUE(core::ParseTimestamp("2026-04-07T14:30:02Z", &latest));
  EXPECT_EQ(second.exchange_time_ns, latest);  // the latest row, not the last one

  // The Exchange parser refuses Advanced Trade's envelope (no `type`), and the reverse.
  CoinbaseParser exchange(registry);
  EXPECT_EQ(exchange.Parse(payload.view(), &message), FeedParseError::kMissingField);
  const Padded flat(R"({"type":"snapshot","product_id":"BTC-USD","bids":[],"asks":[]})");
  EXPECT_EQ(parser.Parse(flat.view(), &message), FeedParseError::kMissingField);
  ASSERT_EQ(exchange.Parse(flat.view(), &message), FeedParseError::kOk);
  EXPECT_EQ(message.kind, CoinbaseMessageKind::kBook);
  EXPECT_FALSE(message.has_sequence_num);
}

}  // namespace
}  // namespace tradingd::feeds::coinbase
