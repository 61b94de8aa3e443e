#include "feeds/binance/binance_market_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "tests/feeds/feeds_test_util.h"

namespace tradingd::feeds::binance {
namespace {

using testing::Padded;
using testing::RecordingSink;

std::string Depth(std::uint64_t first, std::uint64_t last, int bids = 1, int asks = 1) {
  std::string json = fmt::format(
      R"({{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":1000,"s":"BTCUSDT",)"
      R"("U":{},"u":{},"b":[)",
      first, last);
  for (int i = 0; i < bids; ++i) json += fmt::format(R"({}["{}.00","1.5"])", i ? "," : "", 100 - i);
  json += R"(],"a":[)";
  for (int i = 0; i < asks; ++i) json += fmt::format(R"({}["{}.00","2.5"])", i ? "," : "", 200 + i);
  json += "]}}";
  return json;
}

std::string Snapshot(std::uint64_t last_update_id, int bids = 2, int asks = 2) {
  std::string json = fmt::format(R"({{"lastUpdateId":{},"bids":[)", last_update_id);
  for (int i = 0; i < bids; ++i) json += fmt::format(R"({}["{}.00","1"])", i ? "," : "", 100 - i);
  json += R"(],"asks":[)";
  for (int i = 0; i < asks; ++i) json += fmt::format(R"({}["{}.00","1"])", i ? "," : "", 101 + i);
  return json + "]}";
}

const char* kTrade =
    R"({"e":"trade","E":5,"s":"BTCUSDT","t":77,"p":"100.5","q":"0.1","T":4,"m":true})";

class BinanceMarketDataTest : public ::testing::Test {
 protected:
  BinanceMarketDataTest() : id_(registry_.Add(core::Venue::kBinance, "BTC", "USDT").value()) {
    other_ = registry_.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  }

  BinanceMarketData& md() {
    if (!md_) {
      md_ = std::make_unique<BinanceMarketData>(
          core::Venue::kBinance, registry_, sink_,
          [this](core::InstrumentId id) { requests_.push_back(id); }, options_);
    }
    return *md_;
  }
  void Frame(const std::string& json, std::int64_t ns = 1) { md().OnFrame(Padded(json).view(), ns); }

  std::vector<core::BookUpdate> Updates() const { return sink_.Of<core::BookUpdate>(); }
  std::vector<core::BookStatus> Statuses() const { return sink_.Of<core::BookStatus>(); }

  core::SymbolRegistry registry_;
  core::InstrumentId id_;
  core::InstrumentId other_ = 0;
  RecordingSink sink_;
  std::vector<core::InstrumentId> requests_;
  BinanceMarketDataOptions options_;
  std::unique_ptr<BinanceMarketData> md_;
};

TEST_F(BinanceMarketDataTest, BuffersThenSnapshotThenGoesLive) {
  Frame(Depth(3, 4));  // older than the snapshot: dropped
  Frame(Depth(5, 8));  // bridges
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  ASSERT_EQ(requests_, std::vector<core::InstrumentId>{id_});
  ASSERT_EQ(Statuses().size(), 1u);
  EXPECT_EQ(Statuses()[0].state, core::BookState::kSyncing);
  EXPECT_EQ(Statuses()[0].reason, core::BookReason::kStartup);
  EXPECT_TRUE(Updates().empty());

  md().OnSnapshot(id_, Snapshot(6), 10);
  Frame(Depth(9, 9));
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);

  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[0].flags, core::BookUpdate::kSnapshot | core::BookUpdate::kFirstChunk |
                                  core::BookUpdate::kLastChunk);
  EXPECT_EQ(updates[0].first_sequence, 6u);
  EXPECT_EQ(updates[0].last_sequence, 6u);
  EXPECT_EQ(updates[0].bid_count, 2);
  EXPECT_EQ(updates[0].ask_count, 2);
  EXPECT_EQ(updates[0].receive_time_ns, 10);
  EXPECT_EQ(updates[1].flags, core::BookUpdate::kFirstChunk | core::BookUpdate::kLastChunk |
                                  core::BookUpdate::kGoesLive);
  EXPECT_EQ(updates[1].first_sequence, 5u);
  EXPECT_EQ(updates[1].last_sequence, 8u);
  EXPECT_EQ(updates[1].exchange_time_ns, 1000 * 1000000LL);
  EXPECT_EQ(updates[1].levels[0].price.mantissa(), 100 * 100000000LL);
  EXPECT_EQ(updates[2].flags, core::BookUpdate::kFirstChunk | core::BookUpdate::kLastChunk);
  EXPECT_EQ(md().counters().diffs_applied, 2u);
  EXPECT_EQ(md().counters().diffs_dropped_old, 1u);
  EXPECT_EQ(md().counters().went_live, 1u);
}

TEST_F(BinanceMarketDataTest, SnapshotNewerThanBufferWaitsForTheBridge) {
  Frame(Depth(1, 2));
  md().OnSnapshot(id_, Snapshot(10), 10);
  ASSERT_EQ(Updates().size(), 1u);  // the snapshot goes out at once
  Frame(Depth(3, 9));               // still older
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  Frame(Depth(10, 12));
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  EXPECT_TRUE(Updates().back().has(core::BookUpdate::kGoesLive));
}

TEST_F(BinanceMarketDataTest, SnapshotOlderThanBufferIsFetchedAgain) {
  Frame(Depth(20, 25));
  md().OnSnapshot(id_, Snapshot(10), 10);
  EXPECT_TRUE(Updates().empty());  // never published: it cannot be bridged
  EXPECT_EQ(requests_.size(), 2u);
  EXPECT_EQ(md().counters().snapshots_too_old, 1u);
  md().OnSnapshot(id_, Snapshot(22), 11);  // the buffered diff was kept
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  EXPECT_EQ(Updates().size(), 2u);
}

TEST_F(BinanceMarketDataTest, GapMarksStaleAndResyncs) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6), 10);
  sink_.events.clear();
  requests_.clear();
  Frame(Depth(10, 11), 20);  // 9 is missing
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  const auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].state, core::BookState::kStale);
  EXPECT_EQ(statuses[0].reason, core::BookReason::kSequenceGap);
  EXPECT_EQ(statuses[0].time_ns, 20);
  EXPECT_EQ(statuses[1].state, core::BookState::kSyncing);
  EXPECT_EQ(requests_, std::vector<core::InstrumentId>{id_});
  EXPECT_TRUE(Updates().empty());
  EXPECT_EQ(md().counters().gaps, 1u);
  // The diff that revealed the gap was buffered and bridges the next snapshot.
  md().OnSnapshot(id_, Snapshot(10), 30);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, LargeDiffIsChunked) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6), 10);
  sink_.events.clear();
  Frame(Depth(9, 9, 40, 30));
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[0].bid_count, 32);
  EXPECT_EQ(updates[0].ask_count, 0);
  EXPECT_EQ(updates[0].flags, core::BookUpdate::kFirstChunk);
  EXPECT_EQ(updates[1].bid_count, 8);
  EXPECT_EQ(updates[1].ask_count, 24);
  EXPECT_EQ(updates[1].flags, 0);
  EXPECT_EQ(updates[1].levels[7].price.mantissa(), 61 * 100000000LL);   // bid 39
  EXPECT_EQ(updates[1].levels[8].price.mantissa(), 200 * 100000000LL);  // ask 0
  EXPECT_EQ(updates[2].bid_count, 0);
  EXPECT_EQ(updates[2].ask_count, 6);
  EXPECT_EQ(updates[2].levels[5].price.mantissa(), 229 * 100000000LL);
  EXPECT_EQ(updates[2].flags, core::BookUpdate::kLastChunk);
  for (const auto& update : updates) {
    EXPECT_EQ(update.first_sequence, 9u);
    EXPECT_EQ(update.last_sequence, 9u);
  }
}

TEST_F(BinanceMarketDataTest, LargeSnapshotIsChunkedAndEmptyDiffStillAdvances) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6, 50, 50), 10);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 5u);  // 4 snapshot chunks (100 levels) + the bridging diff
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(updates[i].has(core::BookUpdate::kSnapshot));
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kFirstChunk));
  EXPECT_TRUE(updates[3].has(core::BookUpdate::kLastChunk));
  EXPECT_EQ(updates[3].bid_count + updates[3].ask_count, 4);
  sink_.events.clear();
  Frame(Depth(9, 9, 0, 0));
  ASSERT_EQ(Updates().size(), 1u);
  EXPECT_EQ(Updates()[0].bid_count + Updates()[0].ask_count, 0);
  EXPECT_EQ(Updates()[0].flags, core::BookUpdate::kFirstChunk | core::BookUpdate::kLastChunk);
}

TEST_F(BinanceMarketDataTest, QueueFullOwesStaleAndResyncs) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6), 10);
  sink_.events.clear();
  requests_.clear();
  sink_.full = true;
  Frame(Depth(9, 9, 40, 0), 20);  // refused at its first chunk
  EXPECT_EQ(md().counters().queue_drops, 1u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  EXPECT_EQ(requests_, std::vector<core::InstrumentId>{id_});
  Frame(kTrade, 21);  // still full: owed statuses and the trade are refused
  EXPECT_TRUE(sink_.events.empty());
  sink_.full = false;
  Frame(kTrade, 22);  // owed STALE goes out first, then SYNCING, then the trade
  ASSERT_EQ(sink_.events.size(), 3u);
  const auto* stale = std::get_if<core::BookStatus>(&sink_.events[0]);
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->state, core::BookState::kStale);
  EXPECT_EQ(stale->reason, core::BookReason::kQueueOverflow);
  const auto* syncing = std::get_if<core::BookStatus>(&sink_.events[1]);
  ASSERT_NE(syncing, nullptr);
  EXPECT_EQ(syncing->state, core::BookState::kSyncing);
  EXPECT_TRUE(std::holds_alternative<core::Trade>(sink_.events[2]));
  // The refused diff was kept for the resync.
  md().OnSnapshot(id_, Snapshot(8), 30);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, QueueFullInTheMiddleOfADiff) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6), 10);
  sink_.refuse_after = sink_.accepted + 1;  // the first chunk passes, the second is refused
  Frame(Depth(9, 9, 40, 0), 20);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  sink_.refuse_after = -1;
  md().OnSnapshot(id_, Snapshot(9), 30);
  // The owed STALE reaches the engine before the new snapshot.
  const auto& events = sink_.events;
  std::size_t stale_at = events.size(), snapshot_at = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (const auto* s = std::get_if<core::BookStatus>(&events[i]);
        s && s->reason == core::BookReason::kQueueOverflow && stale_at == events.size()) {
      stale_at = i;
    }
    if (const auto* u = std::get_if<core::BookUpdate>(&events[i]);
        u && u->has(core::BookUpdate::kSnapshot) && u->last_sequence == 9) {
      snapshot_at = i;
    }
  }
  EXPECT_LT(stale_at, snapshot_at);
  EXPECT_NE(snapshot_at, events.size());
}

TEST_F(BinanceMarketDataTest, TradesAndQuotesPassWhileSyncing) {
  Frame(Depth(5, 8));
  Frame(kTrade, 3);
  Frame(R"({"u":400900217,"s":"BTCUSDT","b":"25.35190000","B":"31.21000000","a":"25.36520000",)"
        R"("A":"40.66000000"})",
        4);
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);
  EXPECT_EQ(trades[0].trade_id, 77u);
  EXPECT_EQ(trades[0].exchange_time_ns, 4 * 1000000LL);
  EXPECT_EQ(trades[0].receive_time_ns, 3);
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].update_id, 400900217u);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 2535190000);
  EXPECT_EQ(md().counters().trade, 1u);
  EXPECT_EQ(md().counters().book_ticker, 1u);
}

TEST_F(BinanceMarketDataTest, BadSnapshotIsStaleAndRequestedAgain) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, R"({"lastUpdateId":6,"bids":[["x","1"]],"asks":[]})", 10);
  ASSERT_EQ(Statuses().size(), 2u);
  EXPECT_EQ(Statuses()[1].state, core::BookState::kStale);
  EXPECT_EQ(Statuses()[1].reason, core::BookReason::kSnapshotFailed);
  EXPECT_EQ(requests_.size(), 2u);
  md().OnSnapshot(id_, Snapshot(6), 11);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, DisconnectMakesEverythingStaleUntilResynced) {
  Frame(Depth(5, 8));
  md().OnSnapshot(id_, Snapshot(6), 10);
  sink_.events.clear();
  md().OnDisconnected(core::BookReason::kSilence, 50);
  EXPECT_EQ(md().book_state(id_), core::BookState::kStale);
  ASSERT_EQ(Statuses().size(), 1u);
  EXPECT_EQ(Statuses()[0].reason, core::BookReason::kSilence);
  md().Resync(id_, core::BookReason::kSilence, 60);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  EXPECT_EQ(Statuses().back().state, core::BookState::kSyncing);
  // A late snapshot from before is judged by its ids like any other.
  Frame(Depth(100, 101));
  md().OnSnapshot(id_, Snapshot(6), 70);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  md().OnSnapshot(id_, Snapshot(100), 80);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, BufferOverflowStartsOver) {
  options_.max_buffered_diffs = 4;
  for (std::uint64_t i = 0; i < 6; ++i) Frame(Depth(10 + i, 10 + i));
  EXPECT_EQ(md().counters().buffer_overflows, 1u);
  EXPECT_EQ(requests_.size(), 2u);
  md().OnSnapshot(id_, Snapshot(13), 10);  // buffer now holds 14, 15
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, CountsEverything) {
  Frame(R"({"result":null,"id":1})");
  Frame(R"({"e":"aggTrade","s":"BTCUSDT"})");
  Frame(R"({"e":"trade","E":5,"s":"XRPUSDT","t":77,"p":"1","q":"1","m":true})");
  Frame(R"({"e":"trade")");
  const auto& c = md().counters();
  EXPECT_EQ(c.frames, 4u);
  EXPECT_EQ(c.other, 2u);
  EXPECT_EQ(c.unknown_symbol, 1u);
  EXPECT_EQ(c.parse_errors, 1u);
  EXPECT_EQ(c.last_parse_error, ParseError::kJson);
  // The futures instrument of the registry is not this venue's.
  md().OnSnapshot(other_, Snapshot(1), 1);
  EXPECT_EQ(c.snapshots_ignored, 1u);
}

// ---- Partial book depth ----

// A spot partial depth frame: `bids` levels down from 100.00, `asks` up from 101.00, each with
// quantity `quantity`.
std::string Partial(std::uint64_t last_update_id, int bids = 2, int asks = 2,
                    std::string_view stream = "btcusdt@depth5@100ms", int quantity = 1) {
  std::string json = fmt::format(R"({{"stream":"{}","data":{{"lastUpdateId":{},"bids":[)", stream,
                                 last_update_id);
  for (int i = 0; i < bids; ++i) {
    json += fmt::format(R"({}["{}.00","{}"])", i ? "," : "", 100 - i, quantity);
  }
  json += R"(],"asks":[)";
  for (int i = 0; i < asks; ++i) {
    json += fmt::format(R"({}["{}.00","{}"])", i ? "," : "", 101 + i, quantity);
  }
  return json + "]}}";
}

constexpr std::int64_t kPrice = 100000000;  // 1.00 at scale 8

TEST_F(BinanceMarketDataTest, PartialDepthIsTheWholeBookWithoutASnapshot) {
  md().SetBookSource(id_, BookSource::kPartialDepth);
  EXPECT_EQ(md().book_source(id_), BookSource::kPartialDepth);
  EXPECT_EQ(md().book_state(id_), core::BookState::kStale);
  Frame(Partial(160, 3, 2), 5);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  EXPECT_TRUE(requests_.empty());
  ASSERT_EQ(Statuses().size(), 1u);
  EXPECT_EQ(Statuses()[0].state, core::BookState::kSyncing);
  EXPECT_EQ(Statuses()[0].reason, core::BookReason::kStartup);
  auto updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  const std::uint8_t whole = core::BookUpdate::kSnapshot | core::BookUpdate::kFirstChunk |
                             core::BookUpdate::kLastChunk | core::BookUpdate::kGoesLive;
  EXPECT_EQ(updates[0].flags, whole);
  EXPECT_EQ(updates[0].first_sequence, 160u);
  EXPECT_EQ(updates[0].last_sequence, 160u);
  EXPECT_EQ(updates[0].receive_time_ns, 5);
  EXPECT_EQ(updates[0].exchange_time_ns, 0);  // spot's payload has no time
  ASSERT_EQ(updates[0].bid_count, 3);
  ASSERT_EQ(updates[0].ask_count, 2);
  EXPECT_EQ(updates[0].levels[2].price.mantissa(), 98 * kPrice);
  EXPECT_EQ(updates[0].levels[3].price.mantissa(), 101 * kPrice);

  // Each message replaces the book and says it is whole again (the engine takes any snapshot as
  // the start of a resync); no new SYNCING.
  Frame(Partial(170, 1, 1), 6);
  updates = Updates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].flags, whole);
  EXPECT_EQ(updates[1].last_sequence, 170u);
  EXPECT_EQ(updates[1].bid_count, 1);
  EXPECT_EQ(Statuses().size(), 1u);
  EXPECT_TRUE(requests_.empty());
  const auto& c = md().counters();
  EXPECT_EQ(c.partial_depth, 2u);
  EXPECT_EQ(c.partial_applied, 2u);
  EXPECT_EQ(c.went_live, 1u);
  EXPECT_EQ(c.depth, 0u);
  EXPECT_EQ(c.resyncs, 1u);
}

// Applied as the engine would, the book holds exactly the last message's levels, however many
// levels the earlier ones had.
TEST_F(BinanceMarketDataTest, PartialDepthLeavesExactlyTheTopN) {
  testing::MirrorSink mirror;
  BinanceMarketData md(core::Venue::kBinance, registry_, mirror,
                       [this](core::InstrumentId id) { requests_.push_back(id); });
  md.SetBookSource(id_, BookSource::kPartialDepth);
  md.OnFrame(Padded(Partial(1, 20, 20, "btcusdt@depth20@100ms")).view(), 1);
  md.OnFrame(Padded(Partial(2, 5, 3, "btcusdt@depth20@100ms", 7)).view(), 2);
  const auto& book = mirror.books[id_];
  ASSERT_EQ(book.bids.size(), 5u);
  ASSERT_EQ(book.asks.size(), 3u);
  EXPECT_EQ(book.bids.rbegin()->first, 100 * kPrice);
  EXPECT_EQ(book.bids.begin()->first, 96 * kPrice);
  EXPECT_EQ(book.asks.rbegin()->first, 103 * kPrice);
  for (const auto& [price, quantity] : book.bids) EXPECT_EQ(quantity, 7 * kPrice) << price;
  EXPECT_EQ(mirror.goes_live, 2u);
  EXPECT_EQ(mirror.last_sequence, 2u);
  EXPECT_TRUE(requests_.empty());
}

TEST_F(BinanceMarketDataTest, OlderPartialIsDroppedAndTheSameOneSkipped) {
  md().SetBookSource(id_, BookSource::kPartialDepth);
  Frame(Partial(170));
  Frame(Partial(160));  // older: ignored
  Frame(Partial(170));  // the venue resent an unchanged book
  ASSERT_EQ(Updates().size(), 1u);
  Frame(Partial(171, 1, 0));
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 2u);
  EXPECT_EQ(updates[1].last_sequence, 171u);
  EXPECT_EQ(updates[1].ask_count, 0);
  const auto& c = md().counters();
  EXPECT_EQ(c.partial_depth, 4u);
  EXPECT_EQ(c.partial_applied, 2u);
  EXPECT_EQ(c.partial_dropped_old, 1u);
  EXPECT_EQ(c.partial_unchanged, 1u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
}

TEST_F(BinanceMarketDataTest, DiffsAndSnapshotsForAPartialBookAreIgnored) {
  md().SetBookSource(id_, BookSource::kPartialDepth);
  Frame(Depth(5, 8));  // before any partial: it must not start a diff sync
  EXPECT_TRUE(Statuses().empty());
  EXPECT_EQ(md().book_state(id_), core::BookState::kStale);
  Frame(Partial(10));
  Frame(Depth(11, 12));
  md().OnSnapshot(id_, Snapshot(12), 3);
  md().OnSnapshotFailed(id_, 4);
  EXPECT_TRUE(requests_.empty());
  ASSERT_EQ(Updates().size(), 1u);
  ASSERT_EQ(Statuses().size(), 1u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  const auto& c = md().counters();
  EXPECT_EQ(c.diffs_ignored, 2u);
  EXPECT_EQ(c.depth, 2u);
  EXPECT_EQ(c.diffs_buffered, 0u);
  EXPECT_EQ(c.snapshots_ignored, 1u);
  EXPECT_EQ(c.snapshot_errors, 0u);

  // The engine asks for a resync (crossed): SYNCING, no snapshot request, and the next message,
  // even with the same update id, is published again.
  md().Resync(id_, core::BookReason::kCrossed, 5);
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  EXPECT_EQ(Statuses().back().state, core::BookState::kSyncing);
  EXPECT_EQ(Statuses().back().reason, core::BookReason::kCrossed);
  Frame(Partial(10));
  EXPECT_EQ(Updates().size(), 2u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  EXPECT_EQ(md().counters().went_live, 2u);
}

TEST_F(BinanceMarketDataTest, PartialForADiffBookIsIgnored) {
  Frame(Partial(10));
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_TRUE(requests_.empty());
  EXPECT_EQ(md().counters().partial_depth, 1u);
  EXPECT_EQ(md().counters().partial_ignored, 1u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kStale);
  // Its diffs still sync it the usual way.
  Frame(Depth(5, 8));
  EXPECT_EQ(requests_, std::vector<core::InstrumentId>{id_});
}

// One partial book and one diff book on the same connection: only the diff book asks for a
// snapshot.
TEST_F(BinanceMarketDataTest, PartialAndDiffBooksSideBySide) {
  const core::InstrumentId eth = registry_.Add(core::Venue::kBinance, "ETH", "USDT").value();
  md().SetBookSource(eth, BookSource::kPartialDepth);
  Frame(Depth(5, 8));
  Frame(Partial(40, 2, 2, "ethusdt@depth10@100ms"));
  EXPECT_EQ(requests_, std::vector<core::InstrumentId>{id_});
  EXPECT_EQ(md().book_state(eth), core::BookState::kLive);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  md().OnSnapshot(id_, Snapshot(6), 10);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 3u);
  EXPECT_EQ(updates[0].instrument, eth);
  EXPECT_EQ(updates[0].last_sequence, 40u);
  EXPECT_EQ(updates[1].instrument, id_);
  // A partial frame for the diff book is ignored there.
  Frame(Partial(50));
  EXPECT_EQ(md().counters().partial_ignored, 1u);
  EXPECT_EQ(Updates().size(), 3u);
}

TEST_F(BinanceMarketDataTest, PartialBookAfterADisconnectTakesTheNextMessage) {
  md().SetBookSource(id_, BookSource::kPartialDepth);
  Frame(Partial(170));
  md().OnDisconnected(core::BookReason::kDisconnected, 10);
  EXPECT_EQ(md().book_state(id_), core::BookState::kStale);
  EXPECT_EQ(Statuses().back().state, core::BookState::kStale);
  // A new connection, maybe to a venue whose ids restarted: the first message is the book.
  Frame(Partial(5), 11);
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  const auto statuses = Statuses();
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_EQ(statuses[2].state, core::BookState::kSyncing);
  EXPECT_EQ(statuses[2].reason, core::BookReason::kDisconnected);
  EXPECT_EQ(Updates().back().last_sequence, 5u);
  EXPECT_TRUE(requests_.empty());
}

TEST_F(BinanceMarketDataTest, PartialRefusedByAFullQueueIsResentWhole) {
  md().SetBookSource(id_, BookSource::kPartialDepth);
  Frame(Partial(170));
  sink_.events.clear();
  sink_.full = true;
  Frame(Partial(180), 20);
  EXPECT_EQ(md().counters().queue_drops, 1u);
  EXPECT_EQ(md().book_state(id_), core::BookState::kSyncing);
  sink_.full = false;
  // The same update id again: not skipped this time, since the engine never got it; the owed
  // STALE and SYNCING go first.
  Frame(Partial(180), 21);
  ASSERT_EQ(sink_.events.size(), 3u);
  const auto* stale = std::get_if<core::BookStatus>(&sink_.events[0]);
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->state, core::BookState::kStale);
  EXPECT_EQ(stale->reason, core::BookReason::kQueueOverflow);
  const auto* update = std::get_if<core::BookUpdate>(&sink_.events[2]);
  ASSERT_NE(update, nullptr);
  EXPECT_EQ(update->last_sequence, 180u);
  EXPECT_TRUE(update->has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(md().book_state(id_), core::BookState::kLive);
  EXPECT_EQ(md().counters().partial_unchanged, 0u);
  EXPECT_TRUE(requests_.empty());
  // Older ones stay out even so.
  Frame(Partial(175), 22);
  EXPECT_EQ(md().counters().partial_dropped_old, 1u);
}

TEST_F(BinanceMarketDataTest, FuturesPartialDepthUsesUAndTheEventTime) {
  BinanceMarketData md(core::Venue::kBinanceUsdm, registry_, sink_,
                       [this](core::InstrumentId id) { requests_.push_back(id); });
  md.SetBookSource(other_, BookSource::kPartialDepth);
  const std::string frame =
      R"({"stream":"btcusdt@depth5","data":{"e":"depthUpdate","E":1571889248277,)"
      R"("T":1571889248276,"s":"BTCUSDT","U":390497796,"u":390497878,"pu":390497794,)"
      R"("b":[["7403.89","0.002"],["7403.90","3.906"]],"a":[["7405.96","3.340"]]}})";
  md.OnFrame(Padded(frame).view(), 7);
  EXPECT_EQ(md.book_state(other_), core::BookState::kLive);
  const auto updates = Updates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].instrument, other_);
  EXPECT_EQ(updates[0].last_sequence, 390497878u);
  EXPECT_EQ(updates[0].exchange_time_ns, 1571889248277 * 1000000LL);
  EXPECT_EQ(updates[0].bid_count, 2);
  EXPECT_EQ(updates[0].ask_count, 1);
  EXPECT_TRUE(requests_.empty());
  // The same payload as a diff (another stream) is ignored for this book.
  std::string diff = frame;
  diff.replace(diff.find("@depth5"), 7, "@depth@100ms");
  md.OnFrame(Padded(diff).view(), 8);
  EXPECT_EQ(md.counters().diffs_ignored, 1u);
  EXPECT_EQ(Updates().size(), 1u);
  EXPECT_TRUE(requests_.empty());
}

}  // namespace
}  // namespace tradingd::feeds::binance
