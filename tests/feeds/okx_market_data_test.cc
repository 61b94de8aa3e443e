// OkxMarketData and OkxParser: the real 2022 capture (3 instruments, `books` with the legacy
// checksum) reproduces every checksum with books that never cross; synthetic messages walk the
// prevSeqId/seqId rules of OKX's docs (heartbeat, restart after maintenance, gap), a retired
// checksum (0), quotes, trades and hostile input.

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "feeds/capture/capture_reader.h"
#include "feeds/common/level_text_book.h"
#include "feeds/okx/okx_capture.h"
#include "feeds/okx/okx_market_data.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::okx {
namespace {

using testing::MirrorSink;
using testing::Padded;
using testing::RecordingSink;

TEST(OkxReplayFixture, BooksEveryChecksumMatches) {
  TRADINGD_REQUIRE_FIXTURE(path, "okx/OKX.ws.1.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const auto instruments = InspectOkxCapture(*capture);
  ASSERT_EQ(instruments.size(), 3u);
  core::SymbolRegistry registry;
  for (const auto& [inst_id, facts] : instruments) {
    const auto first = inst_id.find('-');
    const auto second = inst_id.find('-', first + 1);
    ASSERT_TRUE(registry
                    .Add(core::Venue::kOkx, inst_id.substr(0, first),
                         inst_id.substr(first + 1, second == std::string::npos
                                                       ? std::string::npos
                                                       : second - first - 1),
                         inst_id, facts.price_decimals, facts.quantity_decimals)
                    .ok());
  }
  MirrorSink sink;
  int resyncs = 0;
  OkxMarketData md(registry, sink, [&](core::InstrumentId) { ++resyncs; });
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind == CaptureKind::kFrame) md.OnFrame(record.payload, record.timestamp_ns);
  }
  const OkxMarketDataCounters& c = md.counters();
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.book_snapshots, 3u);
  EXPECT_EQ(c.book_updates, 287u);
  EXPECT_EQ(c.checksum_ok, 290u);  // the fixtures README: 290/290
  EXPECT_EQ(c.checksum_failed, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(resyncs, 0);
  EXPECT_EQ(c.quotes, 28u);  // tickers
  EXPECT_EQ(c.trades, 74u);
  EXPECT_EQ(sink.crossed, 0u);
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    EXPECT_EQ(md.book_state(id), core::BookState::kLive) << registry.Get(id).venue_symbol;
  }
}

class OkxMarketDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_ = *registry_.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 1, 8);
    md_ = std::make_unique<OkxMarketData>(registry_, sink_,
                                          [this](core::InstrumentId id) { resyncs_.push_back(id); });
  }

  static std::string Levels(const std::vector<std::pair<std::string, std::string>>& levels) {
    std::string out = "[";
    for (const auto& [px, sz] : levels) {
      if (out.size() > 1) out += ',';
      out += fmt::format(R"(["{}","{}","0","1"])", px, sz);
    }
    return out + "]";
  }

  // A `books` message; `checksum` 0 means "not sent".
  std::string Book(const char* action, const std::vector<std::pair<std::string, std::string>>& bids,
                   const std::vector<std::pair<std::string, std::string>>& asks,
                   std::int64_t prev, std::int64_t seq, std::int32_t checksum = 0) {
    return fmt::format(
        R"({{"arg":{{"channel":"books","instId":"BTC-USDT"}},"action":"{}","data":[{{"asks":{},)"
        R"("bids":{},"ts":"1597026383085","checksum":{},"prevSeqId":{},"seqId":{}}}]}})",
        action, Levels(asks), Levels(bids), checksum, prev, seq);
  }

  void Feed(const std::string& json) { md_->OnFrame(Padded(json).view(), 1000); }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<OkxMarketData> md_;
};

// The sequence of OKX's own example: snapshot (-1 → 10), update (10 → 15), no change (15 → 15),
// restart after maintenance (15 → 3), update (3 → 5); then a message that does not chain.
TEST_F(OkxMarketDataTest, SequenceRulesOfTheDocs) {
  Feed(Book("snapshot", {{"100.0", "1"}}, {{"101.0", "1"}}, -1, 10));
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(Book("update", {{"100.5", "2"}}, {}, 10, 15));
  Feed(Book("update", {}, {}, 15, 15));
  Feed(Book("update", {}, {{"101.0", "0"}}, 15, 3));
  Feed(Book("update", {}, {{"102.0", "4"}}, 3, 5));
  const OkxMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.book_updates, 3u);
  EXPECT_EQ(c.heartbeats, 1u);
  EXPECT_EQ(c.sequence_resets, 1u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 4u);  // the heartbeat changes nothing and publishes nothing
  EXPECT_EQ(updates.back().last_sequence, 5u);

  Feed(Book("update", {{"99.0", "1"}}, {}, 7, 9));  // prevSeqId 7 is not the last seqId (5)
  EXPECT_EQ(c.gaps, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  ASSERT_EQ(resyncs_.size(), 1u);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_GE(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kSequenceGap);
  Feed(Book("update", {{"98.0", "1"}}, {}, 9, 11));
  EXPECT_EQ(c.updates_ignored, 1u);  // until the next snapshot
  Feed(Book("snapshot", {{"100.0", "1"}}, {{"101.0", "1"}}, -1, 20));
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
}

TEST_F(OkxMarketDataTest, ChecksumIsCheckedWhenSentAndNotWhenZero) {
  // The right checksum, from an independent text book (its CRC matches OKX's own data in
  // level_text_book_test.cc).
  LevelTextBook shadow;
  ASSERT_TRUE(shadow.Set(core::Side::kBuy, core::Price::FromMantissa(1000), core::Quantity::FromMantissa(100000000), "100.0", "1"));
  ASSERT_TRUE(shadow.Set(core::Side::kSell, core::Price::FromMantissa(1010), core::Quantity::FromMantissa(200000000), "101", "2"));
  const std::int32_t checksum = OkxChecksum(shadow);
  ASSERT_NE(checksum, 0);
  Feed(Book("snapshot", {{"100.0", "1"}}, {{"101", "2"}}, -1, 1, checksum));
  EXPECT_EQ(md_->counters().checksum_ok, 1u);
  ASSERT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(Book("update", {{"100.1", "1"}}, {}, 1, 2));  // checksum 0: retired, not checked
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
  Feed(Book("update", {{"100.2", "1"}}, {}, 2, 3, checksum));  // no longer the book's checksum
  EXPECT_EQ(md_->counters().checksum_failed, 1u);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kStale);
  const auto statuses = sink_.Of<core::BookStatus>();
  ASSERT_GE(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kChecksum);
}

TEST_F(OkxMarketDataTest, QuotesTradesAndReplies) {
  Feed(R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"instType":"SPOT",)"
       R"("instId":"BTC-USDT","last":"30218.8","lastSz":"1","askPx":"30220.1","askSz":"3",)"
       R"("bidPx":"30210.4","bidSz":"4","ts":"1652459223003"}]})");
  Feed(R"({"arg":{"channel":"bbo-tbt","instId":"BTC-USDT"},"data":[{"asks":[["30221","5","0","2"]],)"
       R"("bids":[["30211.5","6","0","2"]],"ts":"1670324386802","seqId":363996337}]})");
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 2u);
  EXPECT_EQ(quotes[0].ask_price.mantissa(), 302201);
  EXPECT_EQ(quotes[0].exchange_time_ns, 1652459223003000000);
  EXPECT_EQ(quotes[1].bid_price.mantissa(), 302115);
  Feed(R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT",)"
       R"("tradeId":"7849","px":"30218.8","sz":"1","side":"sell","ts":"1652459199958"}]})");
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);
  EXPECT_EQ(trades[0].trade_id, 7849u);
  Feed("pong");
  Feed(R"({"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":"a4d3ae55"})");
  Feed(R"({"event":"notice","code":"64008","msg":"The connection will soon be closed","connId":"a"})");
  Feed(R"({"id":"1512","event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"})");
  EXPECT_EQ(md_->counters().other, 3u);
  EXPECT_EQ(md_->counters().venue_errors, 1u);
}

TEST_F(OkxMarketDataTest, HostileMessagesAreCountedAndChangeNothing) {
  Feed(Book("snapshot", {{"100.0", "1"}}, {{"101.0", "1"}}, -1, 10));
  const std::size_t events = sink_.events.size();
  const std::string hostile[] = {
      "",
      "pong ",
      "{",
      "[]",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[[1,"1"]],"bids":[],"prevSeqId":10,"seqId":11}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1.05","1"]],"bids":[],"prevSeqId":10,"seqId":11}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[["1.0"]],"bids":[],"prevSeqId":10,"seqId":11}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"prevSeqId":"10","seqId":11}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[],"checksum":99999999999}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"sideways","data":[{"asks":[],"bids":[]}]})",
      R"({"arg":{"channel":"books","instId":"ETH-USDT"},"action":"update","data":[{"asks":[],"bids":[]}]})",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"instId":"ETH-USDT","asks":[],"bids":[]}]})",
      R"({"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"px":"1","sz":"1","side":"up"}]})",
      R"({"arg":{"channel":"tickers","instId":"BTC-USDT"},"data":[{"bidPx":"1"}]})",
      "{\"arg\":{\"channel\":\"books\",\"instId\":\"BTC-\xff\"},\"action\":\"update\",\"data\":[]}",
      R"({"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[{"asks":[],"bids":[]}]} 1)",
  };
  for (const std::string& json : hostile) Feed(json);
  const OkxMarketDataCounters& c = md_->counters();
  EXPECT_EQ(c.parse_errors + c.unknown_symbol, std::size(hostile));
  EXPECT_EQ(sink_.events.size(), events);
  EXPECT_EQ(md_->book_state(btc_), core::BookState::kLive);
}

}  // namespace
}  // namespace tradingd::feeds::okx
