// KrakenMarketData and KrakenParser: the real captures (v1 book-1000 for 10 pairs, v2 book-10 for
// BTC/USD) reproduce every checksum with a book that stays in range and never crosses, and
// synthetic v2 messages drive each state change (checksum mismatch → STALE → resync → LIVE,
// truncation deletes, tickers, trades, hostile input).

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "feeds/capture/capture_reader.h"
#include "feeds/common/level_text_book.h"
#include "feeds/kraken/kraken_capture.h"
#include "feeds/kraken/kraken_market_data.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::kraken {
namespace {

using testing::MirrorSink;
using testing::Padded;
using testing::RecordingSink;

struct FixtureReplay {
  explicit FixtureReplay(const Capture& capture) {
    const auto pairs = InspectKrakenCapture(capture);
    for (const auto& [pair, facts] : pairs) {
      const auto slash = pair.find('/');
      EXPECT_TRUE(registry
                      .Add(core::Venue::kKraken, pair.substr(0, slash), pair.substr(slash + 1),
                           pair, facts.price_decimals, facts.quantity_decimals)
                      .ok());
    }
    md = std::make_unique<KrakenMarketData>(registry, sink,
                                            [this](core::InstrumentId) { ++resync_requests; });
    for (core::InstrumentId id = 0; id < registry.size(); ++id) {
      const KrakenPairFacts& facts = pairs.at(registry.Get(id).venue_symbol);
      md->SetDepth(id, facts.depth);
      if (facts.v2) md->SetPrecision(id, facts.price_decimals, facts.quantity_decimals);
    }
    for (const CaptureRecord& record : capture.records()) {
      if (record.kind == CaptureKind::kFrame) md->OnFrame(record.payload, record.timestamp_ns);
    }
  }

  core::SymbolRegistry registry;
  MirrorSink sink;
  std::unique_ptr<KrakenMarketData> md;
  int resync_requests = 0;
};

TEST(KrakenReplayFixture, V1Book1000EveryChecksumMatches) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/KRAKEN.ws.50.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  FixtureReplay replay(*capture);
  const KrakenMarketDataCounters& c = replay.md->counters();
  EXPECT_EQ(replay.registry.size(), 10u);
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.book_snapshots, 10u);
  EXPECT_EQ(c.checksum_ok, 4269u);  // the fixtures README: 4,269/4,269
  EXPECT_EQ(c.checksum_failed, 0u);
  EXPECT_EQ(c.book_updates, 4269u);
  EXPECT_EQ(c.heartbeat, 31u);
  EXPECT_EQ(replay.resync_requests, 0);
  EXPECT_EQ(replay.sink.crossed, 0u);
  EXPECT_LE(replay.sink.max_side, 1000u);  // truncation deletes reached the mirror too
  for (core::InstrumentId id = 0; id < replay.registry.size(); ++id) {
    EXPECT_EQ(replay.md->book_state(id), core::BookState::kLive) << replay.registry.Get(id).venue_symbol;
  }
  EXPECT_TRUE(replay.sink.statuses.empty());
}

TEST(KrakenReplayFixture, V2Book10EveryChecksumMatchesAtThePairsPrecision) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/orderbook-v2.json");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  FixtureReplay replay(*capture);
  ASSERT_EQ(replay.registry.size(), 1u);
  EXPECT_EQ(replay.registry.Get(0).price_scale, 1);  // BTC/USD: price 1, quantity 8 decimals
  EXPECT_EQ(replay.registry.Get(0).quantity_scale, 8);
  const KrakenMarketDataCounters& c = replay.md->counters();
  EXPECT_EQ(c.checksum_ok, 510u);  // the fixtures README: 510/510 (snapshot + 509 updates)
  EXPECT_EQ(c.checksum_failed, 0u);
  EXPECT_EQ(replay.sink.crossed, 0u);
  EXPECT_EQ(replay.sink.max_side, 10u);
  EXPECT_EQ(replay.md->book_state(0), core::BookState::kLive);
}

// ---- synthetic v2 messages ----

class KrakenMarketDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_ = *registry_.Add(core::Venue::kKraken, "BTC", "USD", "BTC/USD", 1, 8);
    md_ = std::make_unique<KrakenMarketData>(
        registry_, sink_, [this](core::InstrumentId id) { resyncs_.push_back(id); },
        KrakenMarketDataOptions{.book_depth = 3});
    md_->SetPrecision(btc_, 1, 8);
  }

  struct Level {
    std::string price, qty;
  };

  // The checksum Kraken would send for the book after `levels`, from an independent text book
  // (its CRC is checked against Kraken's own data in level_text_book_test.cc).
  std::uint32_t ChecksumAfter(const std::vector<std::pair<bool, Level>>& levels) {
    for (const auto& [bid, level] : levels) {
      core::Price price;
      core::Quantity qty;
      EXPECT_EQ(core::Price::Parse(level.price, 1, &price), core::DecimalError::kOk);
      EXPECT_EQ(core::Quantity::Parse(level.qty, 8, &qty), core::DecimalError::kOk);
      EXPECT_TRUE(shadow_.Set(bid ? core::Side::kBuy : core::Side::kSell, price, qty, level.price,
                              level.qty));
    }
    shadow_.Truncate(nullptr, nullptr);
    return KrakenChecksum(shadow_);
  }

  static std::string Levels(const std::vector<Level>& levels) {
    std::string out = "[";
    for (const Level& l : levels) {
      if (out.size() > 1) out += ',';
      out += fmt::format(R"({{"price":{},"qty":{}}})", l.price, l.qty);
    }
    return out + "]";
  }

  static std::string Book(const char* type, const std::vector<Level>& bids,
                          const std::vector<Level>& asks, std::uint32_t checksum) {
    return fmt::format(
        R"({{"channel":"book","type":"{}","data":[{{"symbol":"BTC/USD","bids":{},"asks":{},)"
        R"("checksum":{},"timestamp":"2023-07-30T15:29:58.343415Z"}}]}})",
        type, Levels(bids), Levels(asks), checksum);
  }

  void Feed(const std::string& json) { md_->OnFrame(Padded(json).view(), 1000); }

  // The first snapshot, with its right checksum: LIVE.
  void GoLive() {
    const std::vector<Level> bids = {{"100.0", "1.00000000"}, {"99.5", "2.00000000"}};
    const std::vector<Level> asks = {{"100.5", "1.50000000"}, {"101.0", "0.10000000"}};
    std::vector<std::pair<bool, Level>> all;
    for (const Level& l : bids) all.push_back({true, l});
    for (const Level& l : asks) all.push_back({false, l});
    shadow_.Clear();
    Feed(Book("snapshot", bids, asks, ChecksumAfter(all)));
    ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<KrakenMarketData> md_;
  LevelTextBook shadow_{3};
};

TEST_F(KrakenMarketDataTest, SnapshotGoesLiveWithTheBookTheEngineGets) {
  GoLive();
  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kSnapshot));
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(updates[0].bid_count, 2);
  EXPECT_EQ(updates[0].ask_count, 2);
  EXPECT_EQ(updates[0].levels[0].price.mantissa(), 1000);  // best bid first, at scale 1
  EXPECT_EQ(updates[0].exchange_time_ns, 1690730998343415000);
  EXPECT_EQ(md_->counters().checksum_ok, 1u);
}

TEST_F(KrakenMarketDataTest, ChecksumMismatchGoesStaleAndWaitsForTheNextSnapshot) {
  GoLive();
  const auto good = ChecksumAfter({{true, {"100.0", "3.00000000"}}});
  Feed(Book("update", {{"100.0", "3.00000000"}}, {}, good + 1));
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(md_->counters().checksum_failed, 1u);
  ASSERT_EQ(resyncs_.size(), 1u);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_GE(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kChecksum);
  // Updates before the new snapshot are ignored, and nothing reaches the engine.
  const std::size_t book_events = sink_.Of<core::BookUpdate>().size();
  Feed(Book("update", {{"99.0", "1.00000000"}}, {}, 0));
  EXPECT_EQ(md_->counters().updates_ignored, 1u);
  EXPECT_EQ(sink_.Of<core::BookUpdate>().size(), book_events);
  GoLive();  // the resubscription's snapshot
  EXPECT_EQ(md_->counters().book_snapshots, 2u);
}

TEST_F(KrakenMarketDataTest, LevelsPushedOutOfTheDepthAreDeletedForTheEngine) {
  GoLive();  // depth 3: two bids
  // Two better bids: the worst (99.5) falls out of the 3 kept, with no delete from Kraken.
  const auto checksum =
      ChecksumAfter({{true, {"100.2", "1.00000000"}}, {true, {"100.1", "1.00000000"}}});
  Feed(Book("update", {{"100.2", "1.00000000"}, {"100.1", "1.00000000"}}, {}, checksum));
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 2u);
  const core::BookUpdate& diff = updates[1];
  EXPECT_FALSE(diff.has(core::BookUpdate::kSnapshot));
  ASSERT_EQ(diff.bid_count, 3);
  EXPECT_EQ(diff.levels[2].price.mantissa(), 995);  // 99.5 ...
  EXPECT_EQ(diff.levels[2].quantity.mantissa(), 0);  // ... deleted
}

TEST_F(KrakenMarketDataTest, TickerAndTrades) {
  Feed(R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":29430.2,)"
       R"("bid_qty":0.5,"ask":29430.3,"ask_qty":1e-08,"last":29430.3,"volume":1.0}]})");
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 294302);
  EXPECT_EQ(quotes[0].ask_quantity.mantissa(), 1);  // 1e-08 at 8 decimals
  Feed(R"({"channel":"trade","type":"update","data":[)"
       R"({"symbol":"BTC/USD","side":"sell","price":29430.2,"qty":0.1,"ord_type":"market",)"
       R"("trade_id":7,"timestamp":"2023-07-30T15:29:58.343415Z"},)"
       R"({"symbol":"BTC/USD","side":"buy","price":29430.3,"qty":0.2,"ord_type":"limit",)"
       R"("trade_id":8,"timestamp":"2023-07-30T15:29:58.5Z"}]})");
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 2u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);
  EXPECT_EQ(trades[0].trade_id, 7u);
  EXPECT_EQ(trades[1].aggressor, core::Side::kBuy);
  EXPECT_EQ(trades[1].quantity.mantissa(), 20000000);
  EXPECT_EQ(trades[1].exchange_time_ns, 1690730998500000000);
}

TEST_F(KrakenMarketDataTest, HostileMessagesAreCountedAndChangeNothing) {
  GoLive();
  const std::size_t events = sink_.events.size();
  const char* const hostile[] = {
      "",
      "{",
      "[]",
      "null",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":"1.0","qty":1}],"asks":[],"checksum":1}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"price":1.05,"qty":1}],"asks":[],"checksum":1}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[{"qty":1}],"asks":[],"checksum":1}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[]}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":99999999999}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":{},"asks":[],"checksum":1}]})",
      R"({"channel":"book","type":"update","data":[]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"ETH/USD","bids":[],"asks":[],"checksum":1}]})",
      R"({"channel":"book","type":"update","data":[{"symbol":"BTC/USD","bids":[],"asks":[],"checksum":1}]} x)",
      R"({"channel":"trade","type":"update","data":[{"symbol":"BTC/USD","side":"up","price":1.0,"qty":1}]})",
      R"({"channel":"ticker","type":"update","data":[{"symbol":"BTC/USD","bid":1.0}]})",
      "{\"channel\":\"book\",\"type\":\"update\",\"data\":[{\"symbol\":\"BTC/\xff\",\"bids\":[],\"asks\":[],\"checksum\":1}]}",
      R"([1,{"a":[["1.0"]]},"book-10","XBT/USD"])",
      R"([1,{"a":[["1.0","1.0","1.0"]]},"book-10"])",
  };
  for (const char* json : hostile) Feed(json);
  const KrakenMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.parse_errors + c.unknown_symbol, std::size(hostile));
  EXPECT_EQ(sink_.events.size(), events);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  // Channels and events we do not consume are only counted.
  Feed(R"({"channel":"heartbeat"})");
  Feed(R"({"method":"pong","req_id":101,"time_in":"x","time_out":"y"})");
  Feed(R"({"method":"subscribe","success":false,"error":"Currency pair not supported","req_id":1})");
  EXPECT_EQ(c.heartbeat, 1u);
  EXPECT_EQ(c.venue_errors, 1u);
}

TEST_F(KrakenMarketDataTest, DisconnectMarksEveryLiveBookStale) {
  GoLive();
  md_->OnDisconnected(core::BookReason::kDisconnected, 5);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_EQ(statuses.size(), 2u);  // STALE, then SYNCING until the next connection's snapshot
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kDisconnected);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_TRUE(resyncs_.empty());  // the next connection's subscription brings the snapshot
}

TEST(KrakenParserTest, V1UpdateWithRepublishFlagAndBothSides) {
  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kKraken, "BTC", "USD", "XBT/USD", 5, 8).ok());
  KrakenParser parser(registry);
  KrakenMessage message;
  const std::string json =
      R"([1,{"a":[["5541.30000","2.50700000","1534614248.456738","r"]]},)"
      R"({"b":[["5541.20000","0.00000000","1534614248.123678"]],"c":"974942666"},"book-10","XBT/USD"])";
  const Padded payload(json);  // the message's views point into it
  ASSERT_EQ(parser.Parse(payload.view(), &message), KrakenParseError::kOk);
  EXPECT_EQ(message.kind, KrakenMessageKind::kBookUpdate);
  ASSERT_EQ(message.book.asks.size(), 1u);
  ASSERT_EQ(message.book.bids.size(), 1u);
  EXPECT_EQ(message.book.asks[0].price_text, "5541.30000");
  EXPECT_EQ(message.book.bids[0].quantity.mantissa(), 0);
  EXPECT_TRUE(message.book.has_checksum);
  EXPECT_EQ(message.book.checksum, 974942666u);
  EXPECT_EQ(message.book.exchange_time_ns, 1534614248456738000);
}

TEST(KrakenParserTest, NumberTextWithExponents) {
  std::int64_t m = 0;
  EXPECT_TRUE(ParseNumberText("1e-08", 8, &m));
  EXPECT_EQ(m, 1);
  EXPECT_TRUE(ParseNumberText("1.5E+3", 0, &m));
  EXPECT_EQ(m, 1500);
  EXPECT_TRUE(ParseNumberText("4.0", 1, &m));
  EXPECT_EQ(m, 40);
  EXPECT_TRUE(ParseNumberText("2.5e-1", 2, &m));
  EXPECT_EQ(m, 25);
  EXPECT_FALSE(ParseNumberText("1e-09", 8, &m));  // finer than the scale
  EXPECT_FALSE(ParseNumberText("1e999", 8, &m));
  EXPECT_FALSE(ParseNumberText("1e", 8, &m));
  EXPECT_FALSE(ParseNumberText("e5", 8, &m));
  EXPECT_FALSE(ParseNumberText("1x", 8, &m));
}

}  // namespace
}  // namespace tradingd::feeds::kraken
