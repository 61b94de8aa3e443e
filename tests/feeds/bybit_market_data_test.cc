// BybitMarketData and BybitParser: Bybit's own order-book archive (orderbook.500.XRPUSDT, one
// snapshot and 49 deltas) replays without a gap into a 500-level book that never crosses and ends
// at the top the data gives; Bybit's documentation examples parse; and synthetic messages drive
// each state change (gap → STALE → resync → snapshot → LIVE, u == 1 restarts, the depth-1 re-push,
// bad decimals, a full queue), tickers, trades, op responses and hostile input.

#include "feeds/bybit/bybit_market_data.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "feeds/bybit/bybit_parser.h"
#include "feeds/capture/capture_reader.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::bybit {
namespace {

using testing::MirrorSink;
using testing::Padded;
using testing::RecordingSink;

std::int64_t Sum(const std::map<std::int64_t, std::int64_t>& side) {
  std::int64_t sum = 0;
  for (const auto& [price, quantity] : side) sum += quantity;
  return sum;
}

// The figures below were recomputed from the archive's text with an independent script (Python's
// Decimal, not this code): 1 snapshot (u 20254869) + 49 deltas up to u 20254918, 0 gaps, never
// crossed, 18 explicit deletes, 500 levels a side throughout.
TEST(BybitReplayFixture, Ob500ArchiveHasNoGapAndEndsAtTheTopTheDataGives) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/xrpusdt-ob500.data.zip");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  core::SymbolRegistry registry;
  // Prices have 4 decimals (1.9531) and sizes none (6203) in every level of the archive.
  const core::InstrumentId xrp =
      registry.Add(core::Venue::kBybit, "XRP", "USDT", "XRPUSDT", 4, 0).value();
  MirrorSink sink;
  int resync_requests = 0;
  BybitMarketData md(registry, sink, [&](core::InstrumentId) { ++resync_requests; });
  int frames = 0;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    ++frames;
    md.OnFrame(record.payload, record.timestamp_ns);
  }
  EXPECT_EQ(frames, 50);
  const BybitMarketDataCounters& c = md.counters();
  EXPECT_EQ(c.frames, 50u);
  EXPECT_EQ(c.parse_errors, 0u) << FeedParseErrorName(c.last_parse_error);
  EXPECT_EQ(c.unknown_symbol, 0u);
  EXPECT_EQ(c.book_snapshots, 1u);
  EXPECT_EQ(c.book_deltas, 49u);
  EXPECT_EQ(c.deltas_ignored, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.resyncs, 0u);
  EXPECT_EQ(resync_requests, 0);
  EXPECT_EQ(md.book_state(xrp), core::BookState::kLive);
  EXPECT_TRUE(sink.statuses.empty());

  EXPECT_EQ(sink.messages, 50u);
  EXPECT_EQ(sink.goes_live, 1u);  // the snapshot's last chunk only
  EXPECT_EQ(sink.last_sequence, 20254918u);
  EXPECT_EQ(sink.crossed, 0u);
  EXPECT_EQ(sink.max_side, 500u);
  const MirrorSink::Book& book = sink.books[xrp];
  ASSERT_EQ(book.bids.size(), 500u);
  ASSERT_EQ(book.asks.size(), 500u);
  EXPECT_EQ(book.bids.rbegin()->first, 19537);  // 1.9537 x 10605
  EXPECT_EQ(book.bids.rbegin()->second, 10605);
  EXPECT_EQ(book.asks.begin()->first, 19538);  // 1.9538 x 6702
  EXPECT_EQ(book.asks.begin()->second, 6702);
  EXPECT_EQ(book.bids.begin()->first, 19037);  // the 500th levels: 1.9037 and 2.0037
  EXPECT_EQ(book.asks.rbegin()->first, 20037);
  EXPECT_EQ(Sum(book.bids), 8328816);
  EXPECT_EQ(Sum(book.asks), 9911460);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The documentation's shapes, pretty-printed as published.
TEST(BybitParserTest, DocumentationExamples) {
  TRADINGD_REQUIRE_FIXTURE(dir, "bybit/nautilus_fixtures");
  core::SymbolRegistry registry;
  const core::InstrumentId btc =
      registry.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 2, 3).value();
  BybitParser parser(registry);
  BybitMessage message;

  const Padded snapshot(ReadFile(dir / "ws_orderbook_snapshot.json"));
  ASSERT_EQ(parser.Parse(snapshot.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kBookSnapshot);
  ASSERT_NE(message.instrument, nullptr);
  EXPECT_EQ(message.instrument->id, btc);
  ASSERT_EQ(message.book.bids.size(), 2u);
  ASSERT_EQ(message.book.asks.size(), 2u);
  EXPECT_EQ(message.book.bids[1].price.mantissa(), 2744950);  // 27449.50
  EXPECT_EQ(message.book.asks[0].quantity.mantissa(), 750);   // 0.750
  EXPECT_EQ(message.book.update_id, 123456789u);
  EXPECT_EQ(message.book.cross_sequence, 987654321u);
  EXPECT_EQ(message.book.exchange_time_ns, 1709891679000000000);

  const Padded delta(ReadFile(dir / "ws_orderbook_delta.json"));
  ASSERT_EQ(parser.Parse(delta.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kBookDelta);
  EXPECT_EQ(message.book.update_id, 123456790u);
  ASSERT_EQ(message.book.asks.size(), 1u);
  EXPECT_EQ(message.book.asks[0].quantity.mantissa(), 0);  // "0": a delete

  const Padded ticker(ReadFile(dir / "ws_ticker_linear.json"));
  ASSERT_EQ(parser.Parse(ticker.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kTicker);
  EXPECT_TRUE(message.ticker.snapshot);
  EXPECT_TRUE(message.ticker.has_bid_price && message.ticker.has_bid_quantity &&
              message.ticker.has_ask_price && message.ticker.has_ask_quantity);
  EXPECT_EQ(message.ticker.bid_price.mantissa(), 1721550);
  EXPECT_EQ(message.ticker.bid_quantity.mantissa(), 84489);
  EXPECT_EQ(message.ticker.ask_price.mantissa(), 1721600);
  EXPECT_EQ(message.ticker.ask_quantity.mantissa(), 83020);
  EXPECT_EQ(message.ticker.exchange_time_ns, 1673272861686000000);  // ts comes after data here

  const Padded refused(ReadFile(dir / "ws_subscription_failure.json"));
  ASSERT_EQ(parser.Parse(refused.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kVenueError);
  EXPECT_EQ(message.error, "Invalid topic: invalid.topic.BTCUSDT");

  // "trade.linear.BTCUSDT" is not a v5 topic (the reference's warning): not consumed.
  const Padded fake_trade(ReadFile(dir / "ws_public_trade.json"));
  ASSERT_EQ(parser.Parse(fake_trade.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kUnknown);
}

// bybit-exchange/docs examples: the v5 publicTrade and the spot ticker, verbatim.
TEST(BybitParserTest, DocsRepositoryTradeAndSpotTicker) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_doc_examples.json");
  simdjson::dom::parser dom;
  simdjson::dom::element root;
  ASSERT_EQ(dom.load(path.string()).get(root), simdjson::SUCCESS);
  std::string trade_text, spot_ticker_text;
  simdjson::dom::array examples;
  ASSERT_EQ(root["examples"].get(examples), simdjson::SUCCESS);
  for (simdjson::dom::element example : examples) {
    std::string_view file, heading, body;
    ASSERT_EQ(example["file"].get(file), simdjson::SUCCESS);
    ASSERT_EQ(example["heading"].get(heading), simdjson::SUCCESS);
    ASSERT_EQ(example["body_text"].get(body), simdjson::SUCCESS);
    if (file == "docs/v5/websocket/public/trade.mdx") trade_text = body;
    if (file == "docs/v5/websocket/public/ticker.mdx" && heading.find("spot") != heading.npos) {
      spot_ticker_text = body;
    }
  }
  ASSERT_FALSE(trade_text.empty());
  ASSERT_FALSE(spot_ticker_text.empty());

  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 2, 3).ok());
  BybitParser parser(registry);
  BybitMessage message;
  const Padded trade(trade_text);
  ASSERT_EQ(parser.Parse(trade.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kTrade);
  ASSERT_EQ(message.trades.size(), 1u);
  EXPECT_EQ(message.trades[0].aggressor, core::Side::kBuy);
  EXPECT_EQ(message.trades[0].price.mantissa(), 1657850);  // 16578.50
  EXPECT_EQ(message.trades[0].quantity.mantissa(), 1);     // 0.001
  EXPECT_EQ(message.trades[0].trade_id, 0u);               // a UUID has no numeric form
  EXPECT_EQ(message.trades[0].exchange_time_ns, 1672304486865000000);

  const Padded ticker(spot_ticker_text);
  ASSERT_EQ(parser.Parse(ticker.view(), &message), BybitParseError::kOk);
  EXPECT_EQ(message.kind, BybitMessageKind::kTicker);
  EXPECT_FALSE(message.ticker.has_bid_price || message.ticker.has_bid_quantity ||
               message.ticker.has_ask_price || message.ticker.has_ask_quantity);
}

TEST(BybitParserTest, OpResponsesOfEveryEndpoint) {
  core::SymbolRegistry registry;
  BybitParser parser(registry);
  struct Case {
    const char* json;
    BybitMessageKind kind;
    const char* error;
  };
  const Case cases[] = {
      // spot and linear pongs say "op":"ping": keyed on ret_msg
      {R"({"success":true,"ret_msg":"pong","conn_id":"0970e817","op":"ping"})",
       BybitMessageKind::kPong, ""},
      {R"({"success":true,"ret_msg":"pong","conn_id":"465772b1","req_id":"","op":"ping"})",
       BybitMessageKind::kPong, ""},
      {R"({"args":["1672916271846"],"op":"pong"})", BybitMessageKind::kPong, ""},
      {R"({"success":true,"ret_msg":"subscribe","conn_id":"2324d924","req_id":"10001",)"
       R"("op":"subscribe"})",
       BybitMessageKind::kSubscribeAck, ""},
      {R"({"success":true,"ret_msg":"","conn_id":"3cd84cb1","req_id":"","op":"subscribe"})",
       BybitMessageKind::kSubscribeAck, ""},
      {R"({"success":true,"conn_id":"x","data":{"failTopics":[],)"
       R"("successTopics":["orderbook.100.BTC-6JAN23-18000-C"]},"type":"COMMAND_RESP"})",
       BybitMessageKind::kSubscribeAck, ""},
      {R"({"success":true,"conn_id":"x","data":{"failTopics":["orderbook.7.BTC-6JAN23-18000-C"],)"
       R"("successTopics":[]},"type":"COMMAND_RESP"})",
       BybitMessageKind::kVenueError, "orderbook.7.BTC-6JAN23-18000-C"},
      {R"({"success":false,"ret_msg":"Invalid topic: invalid.topic.BTCUSDT","conn_id":"c",)"
       R"("op":"subscribe"})",
       BybitMessageKind::kVenueError, "Invalid topic: invalid.topic.BTCUSDT"},
      {R"({"success":false,"op":"ping"})", BybitMessageKind::kVenueError, "request failed"},
      {R"({"op":"auth","success":true,"retCode":0,"retMsg":""})", BybitMessageKind::kUnknown, ""},
      {R"({"topic":"kline.1.BTCUSDT","data":[{"start":1,"confirm":false}],"ts":1,)"
       R"("type":"snapshot"})",
       BybitMessageKind::kUnknown, ""},
      // an RPI book shares the prefix but not the sequence: never a book
      {R"({"topic":"orderbook.rpi.BTCUSDT","type":"delta","ts":1,)"
       R"("data":{"s":"BTCUSDT","b":[],"a":[],"u":5}})",
       BybitMessageKind::kUnknown, ""},
  };
  for (const Case& c : cases) {
    const Padded payload(c.json);
    BybitMessage message;
    ASSERT_EQ(parser.Parse(payload.view(), &message), BybitParseError::kOk) << c.json;
    EXPECT_EQ(message.kind, c.kind) << c.json;
    EXPECT_EQ(message.error, c.error) << c.json;
  }
}

// A bad decimal names the book it was for (so that the book can be marked); no other error does.
TEST(BybitParserTest, OnlyABadDecimalReportsItsInstrument) {
  core::SymbolRegistry registry;
  const core::InstrumentId xrp =
      registry.Add(core::Venue::kBybit, "XRP", "USDT", "XRPUSDT", 4, 0).value();
  BybitParser parser(registry);
  BybitMessage message;
  const Padded bad_decimal(
      R"({"topic":"orderbook.50.XRPUSDT","type":"delta","ts":1,"data":{"s":"XRPUSDT",)"
      R"("b":[["1.9530","5"]],"a":[["1.95311","5"]],"u":77,"seq":9}})");
  EXPECT_EQ(parser.Parse(bad_decimal.view(), &message), BybitParseError::kBadDecimal);
  EXPECT_EQ(message.kind, BybitMessageKind::kBookDelta);
  ASSERT_NE(message.instrument, nullptr);
  EXPECT_EQ(message.instrument->id, xrp);
  EXPECT_EQ(message.book.update_id, 77u);
  EXPECT_TRUE(message.book.bids.empty());  // no half-converted levels
  EXPECT_TRUE(message.book.asks.empty());

  const Padded missing_u(
      R"({"topic":"orderbook.50.XRPUSDT","type":"delta","ts":1,"data":{"s":"XRPUSDT",)"
      R"("b":[["1.9530","5"]],"a":[]}})");
  EXPECT_EQ(parser.Parse(missing_u.view(), &message), BybitParseError::kMissingField);
  EXPECT_EQ(message.instrument, nullptr);
  EXPECT_EQ(message.kind, BybitMessageKind::kUnknown);

  const Padded trailing(
      R"({"topic":"orderbook.50.XRPUSDT","type":"delta","ts":1,"data":{"s":"XRPUSDT",)"
      R"("b":[["1.9530","5"]],"a":[],"u":78}} x)");
  EXPECT_EQ(parser.Parse(trailing.view(), &message), BybitParseError::kJson);
  EXPECT_EQ(message.instrument, nullptr);

  // Trades: a bad decimal says what the message was, but trades carry no book to name.
  const Padded bad_trade(R"({"topic":"publicTrade.XRPUSDT","type":"snapshot","ts":1,"data":[)"
                         R"({"T":1,"s":"XRPUSDT","S":"Buy","v":"2","p":"1.9531"},)"
                         R"({"T":1,"s":"XRPUSDT","S":"Buy","v":"2.5","p":"1.9531"}]})");
  EXPECT_EQ(parser.Parse(bad_trade.view(), &message), BybitParseError::kBadDecimal);
  EXPECT_EQ(message.kind, BybitMessageKind::kTrade);
  EXPECT_TRUE(message.trades.empty());  // not the first, good one alone
  const Padded unknown_trades(R"({"topic":"publicTrade.DOGEUSDT","type":"snapshot","ts":1,"data":[)"
                              R"({"T":1,"s":"DOGEUSDT","S":"Buy","v":"2","p":"0.4"}]})");
  EXPECT_EQ(parser.Parse(unknown_trades.view(), &message), BybitParseError::kUnknownSymbol);
  EXPECT_EQ(message.kind, BybitMessageKind::kUnknown);
  EXPECT_EQ(message.unknown_symbol_trades, 0u);
}

// ---- synthetic messages through BybitMarketData ----

struct Level {
  const char* price;
  const char* size;
};

std::string Levels(const std::vector<Level>& levels) {
  std::string out = "[";
  for (const Level& l : levels) {
    if (out.size() > 1) out += ',';
    out += fmt::format(R"(["{}","{}"])", l.price, l.size);
  }
  return out + "]";
}

std::string Book(const char* type, std::uint64_t u, const std::vector<Level>& bids,
                 const std::vector<Level>& asks, int depth = 50, const char* symbol = "XRPUSDT") {
  return fmt::format(
      R"({{"topic":"orderbook.{}.{}","type":"{}","ts":1733011204990,"data":{{"s":"{}","b":{},)"
      R"("a":{},"u":{},"seq":130020250880}},"cts":1733011204981}})",
      depth, symbol, type, symbol, Levels(bids), Levels(asks), u);
}

std::string Snapshot(std::uint64_t u, int depth = 50) {
  return Book("snapshot", u, {{"1.9531", "100"}, {"1.9530", "200"}},
              {{"1.9532", "150"}, {"1.9533", "50"}}, depth);
}

std::string Delta(std::uint64_t u, const std::vector<Level>& bids = {{"1.9529", "7"}},
                  const std::vector<Level>& asks = {}) {
  return Book("delta", u, bids, asks);
}

class BybitMarketDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    xrp_ = *registry_.Add(core::Venue::kBybit, "XRP", "USDT", "XRPUSDT", 4, 0);
    btc_ = *registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 2, 3);
    eth_ = *registry_.Add(core::Venue::kBybit, "ETH", "USDT", "ETHUSDT", 2, 5);
    kraken_ = *registry_.Add(core::Venue::kKraken, "XRP", "USD", "XRP/USD", 5, 8);
    md_ = std::make_unique<BybitMarketData>(
        registry_, sink_, [this](core::InstrumentId id) { resyncs_.push_back(id); });
  }

  void Feed(const std::string& json) { md_->OnFrame(Padded(json).view(), 1000); }

  void GoLive(std::uint64_t u = 100) {
    Feed(Snapshot(u));
    ASSERT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  }

  std::vector<core::BookUpdate> Updates() const { return sink_.Of<core::BookUpdate>(); }
  std::vector<core::BookStatus> Statuses() const { return sink_.Of<core::BookStatus>(); }

  core::SymbolRegistry registry_;
  core::InstrumentId xrp_ = 0, btc_ = 0, eth_ = 0, kraken_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<BybitMarketData> md_;
};

TEST_F(BybitMarketDataTest, OnlyBybitInstrumentsHaveBooks) {
  EXPECT_EQ(md_->instruments(), (std::vector<core::InstrumentId>{xrp_, btc_, eth_}));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kSyncing);
  md_->Resync(kraken_, core::BookReason::kCrossed, 1);  // not ours: nothing
  EXPECT_TRUE(resyncs_.empty());
  EXPECT_TRUE(sink_.events.empty());
}

TEST_F(BybitMarketDataTest, SnapshotGoesLiveWithTheLevelsAndU) {
  GoLive(100);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  const core::BookUpdate& u = updates[0];
  EXPECT_EQ(u.instrument, xrp_);
  EXPECT_TRUE(u.has(core::BookUpdate::kSnapshot));
  EXPECT_TRUE(u.has(core::BookUpdate::kFirstChunk));
  EXPECT_TRUE(u.has(core::BookUpdate::kLastChunk));
  EXPECT_TRUE(u.has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(u.first_sequence, 100u);
  EXPECT_EQ(u.last_sequence, 100u);
  EXPECT_EQ(u.exchange_time_ns, 1733011204990000000);  // ts
  EXPECT_EQ(u.receive_time_ns, 1000);
  ASSERT_EQ(u.bid_count, 2);
  ASSERT_EQ(u.ask_count, 2);
  EXPECT_EQ(u.levels[0].price.mantissa(), 19531);
  EXPECT_EQ(u.levels[1].quantity.mantissa(), 200);
  EXPECT_EQ(u.levels[2].price.mantissa(), 19532);
  EXPECT_EQ(md_->counters().book_snapshots, 1u);
  EXPECT_TRUE(Statuses().empty());
}

TEST_F(BybitMarketDataTest, DeltasBeforeTheFirstSnapshotAreIgnored) {
  Feed(Delta(99));
  EXPECT_EQ(md_->counters().deltas_ignored, 1u);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kSyncing);
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_TRUE(resyncs_.empty());  // the subscription brings the snapshot
}

TEST_F(BybitMarketDataTest, DeltaWithTheNextUIsAppliedDeletesIncluded) {
  GoLive(100);
  Feed(Delta(101, {{"1.9530", "0"}}, {{"1.9534", "7"}}));
  Feed(Delta(102, {}, {{"1.9532", "0"}}));
  EXPECT_EQ(md_->counters().book_deltas, 2u);
  EXPECT_EQ(md_->counters().gaps, 0u);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 3u);
  const core::BookUpdate& delta = updates[1];
  EXPECT_FALSE(delta.has(core::BookUpdate::kSnapshot));
  EXPECT_FALSE(delta.has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(delta.first_sequence, 101u);
  EXPECT_EQ(delta.last_sequence, 101u);
  ASSERT_EQ(delta.bid_count, 1);
  ASSERT_EQ(delta.ask_count, 1);
  EXPECT_EQ(delta.levels[0].price.mantissa(), 19530);
  EXPECT_EQ(delta.levels[0].quantity.mantissa(), 0);  // deleted
  EXPECT_EQ(delta.levels[1].price.mantissa(), 19534);
  EXPECT_EQ(delta.levels[1].quantity.mantissa(), 7);
  EXPECT_EQ(updates[2].ask_count, 1);
  EXPECT_EQ(updates[2].levels[0].quantity.mantissa(), 0);
  EXPECT_TRUE(Statuses().empty());
}

TEST_F(BybitMarketDataTest, GapGoesStaleResyncsAndIgnoresDeltasUntilTheSnapshot) {
  GoLive(100);
  Feed(Delta(102));  // 101 is missing
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  EXPECT_EQ(md_->counters().gaps, 1u);
  EXPECT_EQ(md_->counters().resyncs, 1u);
  EXPECT_EQ(resyncs_, std::vector<core::InstrumentId>{xrp_});
  auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kSequenceGap);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_EQ(statuses[1].reason, core::BookReason::kSequenceGap);
  // Nothing reaches the engine until the resubscription's snapshot, not even the missing 101.
  Feed(Delta(103));
  Feed(Delta(101));
  EXPECT_EQ(md_->counters().deltas_ignored, 2u);
  EXPECT_EQ(Updates().size(), 1u);
  EXPECT_EQ(resyncs_.size(), 1u);  // asked once
  Feed(Snapshot(500));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  Feed(Delta(501));
  EXPECT_EQ(md_->counters().book_deltas, 1u);
  EXPECT_EQ(md_->counters().book_snapshots, 2u);
  EXPECT_EQ(Updates().back().last_sequence, 501u);
}

TEST_F(BybitMarketDataTest, RepeatedDeltaIsAGap) {
  GoLive(100);
  Feed(Delta(101));
  Feed(Delta(101));
  EXPECT_EQ(md_->counters().book_deltas, 1u);
  EXPECT_EQ(md_->counters().gaps, 1u);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
}

TEST_F(BybitMarketDataTest, UpdateIdOneRestartsTheBookWhateverItsType) {
  GoLive(100);
  Feed(Delta(1, {{"2.0000", "5"}}, {{"2.0001", "6"}}));  // Bybit's service restart
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  EXPECT_EQ(md_->counters().gaps, 0u);
  EXPECT_EQ(md_->counters().book_snapshots, 2u);
  auto updates = Updates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_TRUE(updates[1].has(core::BookUpdate::kSnapshot));  // the engine clears its book
  EXPECT_TRUE(updates[1].has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(updates[1].last_sequence, 1u);
  Feed(Delta(2));
  EXPECT_EQ(md_->counters().book_deltas, 1u);
  // A STALE book comes back the same way.
  Feed(Delta(9));
  ASSERT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  Feed(Delta(1));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  EXPECT_EQ(md_->counters().book_snapshots, 3u);
}

TEST_F(BybitMarketDataTest, DepthOneSnapshotRepushedWithTheSameUIsAccepted) {
  Feed(Snapshot(7000, /*depth=*/1));
  Feed(Snapshot(7000, /*depth=*/1));  // 3 s later, nothing changed
  Feed(Snapshot(7001, /*depth=*/1));
  const BybitMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.book_snapshots, 3u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.resyncs, 0u);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_TRUE(updates[1].has(core::BookUpdate::kSnapshot));
  EXPECT_EQ(updates[1].last_sequence, 7000u);
  EXPECT_TRUE(Statuses().empty());
}

TEST_F(BybitMarketDataTest, LargeSnapshotIsChunkedAndGoesLiveOnItsLastChunk) {
  std::vector<std::string> texts;
  for (int i = 0; i < 50; ++i) texts.push_back(fmt::format("1.{:04}", 5000 - i));
  for (int i = 0; i < 50; ++i) texts.push_back(fmt::format("1.{:04}", 5001 + i));
  std::vector<Level> bids, asks;
  for (int i = 0; i < 50; ++i) bids.push_back({texts[i].c_str(), "1"});
  for (int i = 50; i < 100; ++i) asks.push_back({texts[i].c_str(), "2"});
  Feed(Book("snapshot", 10, bids, asks));
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 4u);  // 100 levels in chunks of 32
  int bid_levels = 0, ask_levels = 0;
  for (std::size_t i = 0; i < updates.size(); ++i) {
    EXPECT_TRUE(updates[i].has(core::BookUpdate::kSnapshot));
    EXPECT_EQ(updates[i].has(core::BookUpdate::kGoesLive), i + 1 == updates.size());
    bid_levels += updates[i].bid_count;
    ask_levels += updates[i].ask_count;
  }
  EXPECT_EQ(bid_levels, 50);
  EXPECT_EQ(ask_levels, 50);
}

TEST_F(BybitMarketDataTest, LinearTickerGivesQuotesAndDeltasMergeIntoTheLastOne) {
  Feed(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",)"
       R"("tickDirection":"PlusTick","lastPrice":"17216.00","markPrice":"17217.33",)"
       R"("bid1Price":"17215.50","bid1Size":"84.489","ask1Price":"17216.00","ask1Size":"83.020"},)"
       R"("cs":24987956059,"ts":1673272861686})");
  // Only the bid moved: the ask is the snapshot's.
  Feed(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"17215.00","bid1Size":"1.000"},"cs":24987956060,"ts":1673272861786})");
  // Neither bid nor ask: no quote.
  Feed(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",)"
       R"("markPrice":"17218.00"},"cs":24987956061,"ts":1673272861886})");
  EXPECT_EQ(md_->counters().ticker, 3u);
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].instrument, btc_);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 1721550);
  EXPECT_EQ(quotes[0].bid_quantity.mantissa(), 84489);
  EXPECT_EQ(quotes[0].ask_price.mantissa(), 1721600);
  EXPECT_EQ(quotes[0].ask_quantity.mantissa(), 83020);
  EXPECT_EQ(quotes[0].exchange_time_ns, 1673272861686000000);
  EXPECT_EQ(quotes[0].update_id, 0u);  // cs is not the book's u
  EXPECT_EQ(quotes[1].bid_price.mantissa(), 1721500);
  EXPECT_EQ(quotes[1].bid_quantity.mantissa(), 1000);
  EXPECT_EQ(quotes[1].ask_price.mantissa(), 1721600);
  EXPECT_EQ(quotes[1].ask_quantity.mantissa(), 83020);
}

TEST_F(BybitMarketDataTest, TickerWithoutTheWholeBidAndAskGivesNoQuote) {
  // Spot: no bid/ask fields at all.
  Feed(R"({"topic":"tickers.ETHUSDT","ts":1673853746003,"type":"snapshot","cs":2588407389,)"
       R"("data":{"symbol":"ETHUSDT","lastPrice":"1609.77","highPrice24h":"1626.99",)"
       R"("lowPrice24h":"1575","volume24h":"6780.866843","usdIndexPrice":"1610.2400136"}})");
  // A linear delta before any snapshot knows only the bid.
  Feed(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"17215.00","bid1Size":"1.000"},"cs":1,"ts":1})");
  EXPECT_EQ(md_->counters().ticker, 2u);
  EXPECT_EQ(md_->counters().parse_errors, 0u);
  EXPECT_TRUE(sink_.Of<core::Quote>().empty());
  // A snapshot that lacks a field forgets it: the old ask must not complete a quote.
  Feed(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"1.00","bid1Size":"1.000","ask1Price":"2.00","ask1Size":"1.000"},"ts":2})");
  Feed(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"1.00","bid1Size":"2.000"},"ts":3})");
  EXPECT_EQ(sink_.Of<core::Quote>().size(), 1u);
}

TEST_F(BybitMarketDataTest, PublicTradeWithTwoTradesGivesTwoTradesWithTheTakerSide) {
  Feed(R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1672304486868,"data":[)"
       R"({"T":1672304486865,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","L":"PlusTick",)"
       R"("i":"20f43950-d8dd-5b31-9112-a178eb6023af","BT":false},)"
       R"({"T":1672304486866,"s":"BTCUSDT","S":"Sell","v":"1.250","p":"16578.00",)"
       R"("i":"2290000000061666327","BT":false,"seq":1783284617}]})");
  EXPECT_EQ(md_->counters().trade, 1u);
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].instrument, btc_);
  EXPECT_EQ(trades[0].aggressor, core::Side::kBuy);
  EXPECT_EQ(trades[0].price.mantissa(), 1657850);
  EXPECT_EQ(trades[0].quantity.mantissa(), 1);
  EXPECT_EQ(trades[0].trade_id, 0u);
  EXPECT_EQ(trades[0].exchange_time_ns, 1672304486865000000);
  EXPECT_EQ(trades[0].receive_time_ns, 1000);
  EXPECT_EQ(trades[1].aggressor, core::Side::kSell);
  EXPECT_EQ(trades[1].quantity.mantissa(), 1250);
  EXPECT_EQ(trades[1].trade_id, 2290000000061666327u);
}

// Option trades share one topic per base coin; the series we do not list are left out.
TEST_F(BybitMarketDataTest, TradesForSymbolsNotListedAreLeftOut) {
  Feed(R"({"topic":"publicTrade.BTC","type":"snapshot","ts":1,"data":[)"
       R"({"T":1,"s":"BTC-6JAN23-18000-C","S":"Buy","v":"0.1","p":"10","i":"a"},)"
       R"({"T":2,"s":"BTCUSDT","S":"Sell","v":"0.1","p":"10","i":"b"}]})");
  EXPECT_EQ(md_->counters().trade, 1u);
  EXPECT_EQ(md_->counters().unknown_symbol, 1u);
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);
  // None listed: the whole message is for an unknown symbol.
  Feed(R"({"topic":"publicTrade.BTC","type":"snapshot","ts":1,"data":[)"
       R"({"T":1,"s":"BTC-6JAN23-18000-C","S":"Buy","v":"0.1","p":"10","i":"a"}]})");
  EXPECT_EQ(md_->counters().trade, 1u);
  EXPECT_EQ(md_->counters().unknown_symbol, 2u);
  EXPECT_EQ(sink_.Of<core::Trade>().size(), 1u);
}

TEST_F(BybitMarketDataTest, PongsAndAcksAreCountedAndRefusalsAreVenueErrors) {
  Feed(R"({"success":true,"ret_msg":"pong","conn_id":"0970e817","op":"ping"})");
  Feed(R"({"args":["1672916271846"],"op":"pong"})");
  Feed(R"({"success":true,"ret_msg":"","conn_id":"3cd84cb1","req_id":"","op":"subscribe"})");
  Feed(R"({"success":false,"ret_msg":"Invalid topic: invalid.topic.BTCUSDT","op":"subscribe"})");
  const BybitMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.other, 3u);
  EXPECT_EQ(c.venue_errors, 1u);
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_TRUE(sink_.events.empty());
}

TEST_F(BybitMarketDataTest, HostileMessagesAreCountedAndChangeNothing) {
  GoLive(100);
  const std::size_t events = sink_.events.size();
  std::string too_many_levels;
  {
    std::vector<std::string> texts;
    for (int i = 0; i < 1001; ++i) texts.push_back(fmt::format("1.{:04}", 9000 - i));
    std::vector<Level> bids;
    for (const std::string& t : texts) bids.push_back({t.c_str(), "1"});
    too_many_levels = Delta(101, bids);
  }
  std::string too_many_trades =
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[)";
  for (int i = 0; i < 1025; ++i) {
    too_many_trades +=
        fmt::format(R"({}{{"T":1,"s":"BTCUSDT","S":"Buy","v":"1.000","p":"1.00"}})", i ? "," : "");
  }
  too_many_trades += "]}";
  const std::string good = Delta(101);
  // A delta for XRPUSDT with this data object.
  auto delta = [](std::string_view data) {
    return fmt::format(R"({{"topic":"orderbook.50.XRPUSDT","type":"delta","ts":1,"data":{}}})",
                       data);
  };
  auto trade = [](std::string_view item) {
    return fmt::format(R"({{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":[{}]}})",
                       item);
  };
  const std::vector<std::string> hostile = {
      "",
      "{",
      "[]",
      "null",
      R"("orderbook.50.XRPUSDT")",
      good.substr(0, good.size() / 2),  // truncated
      good + " x",                      // trailing bytes
      // wrong types
      delta(R"({"s":"XRPUSDT","b":[],"a":[],"u":"101"})"),
      delta(R"({"s":"XRPUSDT","b":{},"a":[],"u":101})"),
      delta(R"({"s":"XRPUSDT","b":[[1.9529,"7"]],"a":[],"u":101})"),
      delta(R"({"s":"XRPUSDT","b":[{"p":"1.9529"}],"a":[],"u":101})"),
      delta(R"({"s":7,"b":[],"a":[],"u":101})"),
      delta(R"({"s":"XRPUSDT","b":[],"a":[],"u":-101})"),
      delta(R"([])"),
      delta(R"("x")"),
      R"({"topic":"orderbook.50.XRPUSDT","type":"delta","ts":"1",)"
      R"("data":{"s":"XRPUSDT","b":[],"a":[],"u":101}})",
      R"({"topic":["orderbook.50.XRPUSDT"],"type":"delta","ts":1,"data":{}})",
      // missing or unknown fields
      delta(R"({"s":"XRPUSDT","b":[],"a":[]})"),
      delta(R"({"b":[],"a":[],"u":101})"),
      delta(R"({"s":"XRPUSDT","b":[["1.9529"]],"a":[],"u":101})"),
      R"({"topic":"orderbook.50.XRPUSDT","type":"delta","ts":1})",
      R"({"topic":"orderbook.50.XRPUSDT","ts":1,"data":{"s":"XRPUSDT","b":[],"a":[],"u":101}})",
      R"({"topic":"orderbook.50.XRPUSDT","type":"update","ts":1,)"
      R"("data":{"s":"XRPUSDT","b":[],"a":[],"u":101}})",
      // repeated keys that would move the message to another book or sequence number
      delta(R"({"s":"BTCUSDT","s":"XRPUSDT","b":[],"a":[],"u":101})"),
      delta(R"({"s":"XRPUSDT","b":[],"a":[],"u":5,"u":101})"),
      // unknown symbols, and a symbol that is not UTF-8
      delta(R"({"s":"DOGEUSDT","b":[],"a":[],"u":101})"),
      delta(R"({"s":"XRP\u0055SDT","b":[],"a":[],"u":101})"),
      delta("{\"s\":\"XRP\xff\",\"b\":[],\"a\":[],\"u\":101}"),
      // oversized arrays
      too_many_levels,
      too_many_trades,
      // trades and tickers that are not what Bybit sends
      trade(R"({"T":1,"s":"BTCUSDT","S":"Up","v":"1","p":"1"})"),
      trade(R"({"T":1,"s":"BTCUSDT","S":"Buy","p":"1"})"),
      trade(R"({"T":-1,"s":"BTCUSDT","S":"Buy","v":"1","p":"1"})"),
      R"({"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":1,"data":{"s":"BTCUSDT"}})",
      R"({"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,)"
      R"("data":{"symbol":"BTCUSDT","bid1Price":17215.5}})",
      R"({"topic":"tickers.BTCUSDT","type":"snapshot","ts":1,"data":[]})",
      R"({"success":"yes","ret_msg":"pong","op":"ping"})",
  };
  for (const std::string& json : hostile) Feed(json);
  const BybitMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.parse_errors + c.unknown_symbol, hostile.size());
  EXPECT_EQ(c.unknown_symbol, 2u);  // DOGEUSDT, and XRP\u0055SDT: escapes are not unescaped
  EXPECT_NE(c.last_parse_error, BybitParseError::kOk);
  EXPECT_EQ(c.book_deltas + c.trade + c.ticker + c.other, 0u);
  EXPECT_EQ(sink_.events.size(), events);
  EXPECT_TRUE(resyncs_.empty());
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  // No hostile message moved the sequence: 101 is still the next delta.
  Feed(good);
  EXPECT_EQ(c.book_deltas, 1u);
  EXPECT_EQ(c.gaps, 0u);
}

TEST_F(BybitMarketDataTest, BadDecimalInADeltaForALiveBookGoesStaleMalformedAndResyncs) {
  GoLive(100);
  Feed(Delta(101, {{"1.95291", "7"}}));  // a fifth decimal: not exact at the scale of 4
  const BybitMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.parse_errors, 1u);
  EXPECT_EQ(c.last_parse_error, BybitParseError::kBadDecimal);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  EXPECT_EQ(c.resyncs, 1u);
  EXPECT_EQ(resyncs_, std::vector<core::InstrumentId>{xrp_});
  const auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kMalformed);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_EQ(Updates().size(), 1u);  // the snapshot only
  // While it waits for the snapshot, deltas are ignored and another unreadable one asks nothing.
  Feed(Delta(102));
  Feed(Delta(103, {}, {{"-1.9535", "1"}}));
  EXPECT_EQ(c.deltas_ignored, 1u);
  EXPECT_EQ(c.parse_errors, 2u);
  EXPECT_EQ(c.resyncs, 1u);
  EXPECT_EQ(resyncs_.size(), 1u);
  Feed(Snapshot(900));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
}

TEST_F(BybitMarketDataTest, BadDecimalInATickerOrTradeLeavesTheBookAlone) {
  GoLive(100);
  Feed(R"({"topic":"tickers.XRPUSDT","type":"delta","ts":1,"data":{"symbol":"XRPUSDT",)"
       R"("bid1Price":"1.95311","bid1Size":"1"}})");
  Feed(R"({"topic":"publicTrade.XRPUSDT","type":"snapshot","ts":1,"data":[)"
       R"({"T":1,"s":"XRPUSDT","S":"Buy","v":"1.5","p":"1.9531"}]})");  // size scale 0
  EXPECT_EQ(md_->counters().parse_errors, 2u);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  EXPECT_TRUE(resyncs_.empty());
  EXPECT_TRUE(Statuses().empty());
}

TEST_F(BybitMarketDataTest, QueueFullOwesStaleThenResyncs) {
  GoLive(100);
  sink_.full = true;
  Feed(Delta(101));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  EXPECT_EQ(md_->counters().resyncs, 1u);
  EXPECT_EQ(md_->counters().book_deltas, 0u);
  EXPECT_EQ(resyncs_, std::vector<core::InstrumentId>{xrp_});
  EXPECT_GE(md_->queue_drops(), 1u);
  EXPECT_TRUE(Statuses().empty());  // refused too: owed
  sink_.full = false;
  Feed(R"({"args":["1"],"op":"pong"})");  // any frame sends what is owed first
  const auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kQueueOverflow);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_EQ(statuses[1].reason, core::BookReason::kQueueOverflow);
  Feed(Delta(102));
  EXPECT_EQ(md_->counters().deltas_ignored, 1u);
  Feed(Snapshot(300));
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kLive);
  EXPECT_TRUE(std::holds_alternative<core::BookUpdate>(sink_.events.back()));
}

TEST_F(BybitMarketDataTest, DisconnectMarksLiveBooksStaleAndForgetsTickers) {
  GoLive(100);
  Feed(R"({"topic":"tickers.BTCUSDT","type":"snapshot","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"1.00","bid1Size":"1.000","ask1Price":"2.00","ask1Size":"1.000"},"ts":2})");
  ASSERT_EQ(sink_.Of<core::Quote>().size(), 1u);
  md_->OnDisconnected(core::BookReason::kDisconnected, 5);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  const auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 6u);  // STALE then SYNCING, per book that was not STALE yet
  EXPECT_EQ(statuses[0].instrument, xrp_);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kDisconnected);
  EXPECT_EQ(statuses[1].instrument, xrp_);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_TRUE(resyncs_.empty());  // the next connection's subscription brings the snapshots
  // The new connection's first ticker delta cannot complete the old connection's quote.
  Feed(R"({"topic":"tickers.BTCUSDT","type":"delta","data":{"symbol":"BTCUSDT",)"
       R"("bid1Price":"1.50","bid1Size":"1.000"},"ts":3})");
  EXPECT_EQ(sink_.Of<core::Quote>().size(), 1u);
  Feed(Delta(101));
  EXPECT_EQ(md_->counters().deltas_ignored, 1u);
}

TEST_F(BybitMarketDataTest, EngineResyncAndReset) {
  GoLive(100);
  md_->Resync(xrp_, core::BookReason::kCrossed, 7);
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kStale);
  EXPECT_EQ(resyncs_, std::vector<core::InstrumentId>{xrp_});
  ASSERT_EQ(Statuses().size(), 2u);
  EXPECT_EQ(Statuses()[0].reason, core::BookReason::kCrossed);
  EXPECT_EQ(Statuses()[0].time_ns, 7);
  md_->Reset();
  EXPECT_EQ(md_->book_state(xrp_), core::BookState::kSyncing);
  Feed(Delta(101));
  EXPECT_EQ(md_->counters().deltas_ignored, 1u);
}

}  // namespace
}  // namespace tradingd::feeds::bybit
