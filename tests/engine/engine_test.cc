#include "engine/engine.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "engine/engine_loop.h"
#include "engine/inbound_queue.h"

namespace tradingd::engine {
namespace {

using core::BookReason;
using core::BookState;
using core::BookUpdate;
using core::Price;
using core::Quantity;

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    id_ = *registry_.Add(core::Venue::kBinance, "BTC", "USDT");
    store_ = std::make_unique<SnapshotStore>(registry_.size());
    engine_ = std::make_unique<Engine>(registry_, store_.get(), clock_);
    engine_->SetResyncHandler(
        [this](core::InstrumentId id, BookReason reason) { resyncs_.emplace_back(id, reason); });
  }

  // One complete message: bids and asks as (price, quantity) mantissas.
  BookUpdate Update(std::uint8_t flags, std::uint64_t first, std::uint64_t last,
                    std::vector<std::pair<std::int64_t, std::int64_t>> bids,
                    std::vector<std::pair<std::int64_t, std::int64_t>> asks) {
    BookUpdate update;
    update.instrument = id_;
    update.flags = flags | BookUpdate::kFirstChunk | BookUpdate::kLastChunk;
    update.first_sequence = first;
    update.last_sequence = last;
    int i = 0;
    for (auto [p, q] : bids) update.levels[i++] = {Price::FromMantissa(p), Quantity::FromMantissa(q)};
    for (auto [p, q] : asks) update.levels[i++] = {Price::FromMantissa(p), Quantity::FromMantissa(q)};
    update.bid_count = static_cast<std::uint16_t>(bids.size());
    update.ask_count = static_cast<std::uint16_t>(asks.size());
    return update;
  }

  core::Quote QuoteAt(std::uint64_t u, std::int64_t bid, std::int64_t bid_qty, std::int64_t ask,
                      std::int64_t ask_qty) {
    core::Quote quote;
    quote.instrument = id_;
    quote.update_id = u;
    quote.bid_price = Price::FromMantissa(bid);
    quote.bid_quantity = Quantity::FromMantissa(bid_qty);
    quote.ask_price = Price::FromMantissa(ask);
    quote.ask_quantity = Quantity::FromMantissa(ask_qty);
    return quote;
  }

  void GoLive() {
    engine_->Apply(Update(BookUpdate::kSnapshot, 100, 100, {{1000, 5}, {990, 2}}, {{1010, 3}}));
    // Loaded but not bridged: never LIVE yet (SYNCING at start, still STALE after a failure).
    EXPECT_NE(engine_->state(id_), BookState::kLive);
    engine_->Apply(Update(BookUpdate::kGoesLive, 100, 101, {{1000, 6}}, {}));
    EXPECT_EQ(engine_->state(id_), BookState::kLive);
  }

  core::SymbolRegistry registry_;
  core::ManualClock clock_{1'700'000'000'000'000'000};
  core::InstrumentId id_ = 0;
  std::unique_ptr<SnapshotStore> store_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::pair<core::InstrumentId, BookReason>> resyncs_;
};

TEST_F(EngineTest, SnapshotThenBridgingDiffGoesLive) {
  GoLive();
  EXPECT_EQ(engine_->sequence(id_), 101u);
  EXPECT_EQ(engine_->book(id_).BestBid()->quantity.mantissa(), 6);
  EXPECT_EQ(engine_->counters(id_).snapshots, 1u);
  EXPECT_EQ(engine_->counters(id_).updates_applied, 2u);
}

TEST_F(EngineTest, ChunkedSnapshotIsCheckedOnlyWhenComplete) {
  BookUpdate first = Update(BookUpdate::kSnapshot, 7, 7, {{1000, 1}}, {});
  first.flags &= static_cast<std::uint8_t>(~BookUpdate::kLastChunk);
  // A second chunk holds the asks; a crossed check in between would see a one-sided book only.
  BookUpdate second = Update(BookUpdate::kSnapshot, 7, 7, {}, {{1005, 1}});
  second.flags &= static_cast<std::uint8_t>(~BookUpdate::kFirstChunk);
  engine_->Apply(first);
  EXPECT_EQ(engine_->counters(id_).snapshots, 0u);
  engine_->Apply(second);
  EXPECT_EQ(engine_->counters(id_).snapshots, 1u);
  EXPECT_EQ(engine_->book(id_).bid_levels(), 1u);
  EXPECT_EQ(engine_->book(id_).ask_levels(), 1u);
}

TEST_F(EngineTest, CrossedBookGoesStaleAndAsksForResync) {
  GoLive();
  engine_->Apply(Update(0, 102, 102, {{1020, 1}}, {}));
  EXPECT_EQ(engine_->state(id_), BookState::kStale);
  EXPECT_EQ(engine_->counters(id_).crossed, 1u);
  ASSERT_EQ(resyncs_.size(), 1u);
  EXPECT_EQ(resyncs_[0].second, BookReason::kCrossed);
  // The feed resyncs: a fresh snapshot and bridge make it live again.
  engine_->Apply(core::BookStatus{id_, BookState::kSyncing, BookReason::kCrossed, 0});
  EXPECT_EQ(engine_->state(id_), BookState::kStale);
  EXPECT_EQ(engine_->counters(id_).resyncs, 1u);
  GoLive();
}

TEST_F(EngineTest, CrossedBookAsksForOneResyncNotOnePerUpdate) {
  GoLive();
  for (std::uint64_t u = 102; u < 110; ++u) engine_->Apply(Update(0, u, u, {{1020, 1}}, {}));
  EXPECT_EQ(resyncs_.size(), 1u);
  EXPECT_EQ(engine_->counters(id_).stale, 1u);
}

TEST_F(EngineTest, ADisconnectedFeedLeavesNoBookLive) {
  GoLive();
  core::FeedStatus feed;
  feed.venue = core::Venue::kBinance;
  feed.connection = core::ConnectionState::kConnected;
  engine_->Apply(feed);
  EXPECT_EQ(engine_->state(id_), BookState::kLive);
  // The feed's own STALE reports may have been refused by a full queue: its status suffices.
  feed.connection = core::ConnectionState::kConnecting;
  engine_->Apply(feed);
  EXPECT_EQ(engine_->state(id_), BookState::kStale);
  EXPECT_TRUE(resyncs_.empty());  // the feed resyncs on reconnect by itself
  engine_->Publish(0);
  EXPECT_EQ(store_->Book(id_)->last_reason, BookReason::kDisconnected);
}

TEST_F(EngineTest, GapReportedByFeedCountsAndStales) {
  GoLive();
  engine_->Apply(core::BookStatus{id_, BookState::kStale, BookReason::kSequenceGap, 0});
  // The feed follows with SYNCING for the same reason: one gap, one resync, not two gaps.
  engine_->Apply(core::BookStatus{id_, BookState::kSyncing, BookReason::kSequenceGap, 0});
  EXPECT_EQ(engine_->state(id_), BookState::kStale);
  EXPECT_EQ(engine_->counters(id_).gaps, 1u);
  EXPECT_EQ(engine_->counters(id_).resyncs, 1u);
  EXPECT_EQ(engine_->counters(id_).stale, 1u);
  EXPECT_TRUE(resyncs_.empty());  // the feed already resyncs; the engine does not ask again
}

TEST_F(EngineTest, ImpossibleLevelMarksBookMalformed) {
  GoLive();
  engine_->Apply(Update(0, 102, 102, {{-5, 1}}, {}));
  EXPECT_EQ(engine_->state(id_), BookState::kStale);
  ASSERT_EQ(resyncs_.size(), 1u);
  EXPECT_EQ(resyncs_[0].second, BookReason::kMalformed);
}

TEST_F(EngineTest, BboCrossCheckInEitherArrivalOrder) {
  GoLive();
  // Quote first, then the diff with the same final id.
  engine_->Apply(QuoteAt(102, 1000, 9, 1010, 3));
  engine_->Apply(Update(0, 102, 102, {{1000, 9}}, {}));
  EXPECT_EQ(engine_->counters(id_).bbo_checks_ok, 1u);
  // Diff first, then a quote that disagrees.
  engine_->Apply(Update(0, 103, 103, {}, {{1010, 4}}));
  engine_->Apply(QuoteAt(103, 1000, 9, 1010, 3));
  EXPECT_EQ(engine_->counters(id_).bbo_checks_failed, 1u);
  // A quote with no matching diff is never counted.
  engine_->Apply(QuoteAt(500, 1, 1, 2, 2));
  EXPECT_EQ(engine_->counters(id_).bbo_checks_ok + engine_->counters(id_).bbo_checks_failed, 2u);
}

TEST_F(EngineTest, PublishesChangedBooksWithDepthAndStats) {
  GoLive();
  core::Trade trade;
  trade.instrument = id_;
  trade.trade_id = 77;
  engine_->Apply(trade);
  engine_->Apply(core::FeedStatus{core::Venue::kBinance, core::ConnectionState::kConnected, 1, 10,
                                  0, 0, 0});
  engine_->Publish(3);
  auto snapshot = store_->Book(id_);
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->state, BookState::kLive);
  ASSERT_EQ(snapshot->bids.size(), 2u);
  EXPECT_EQ(snapshot->bids[0].price.mantissa(), 1000);
  EXPECT_EQ(snapshot->bids[1].price.mantissa(), 990);
  ASSERT_EQ(snapshot->asks.size(), 1u);
  EXPECT_EQ(snapshot->sequence, 101u);
  ASSERT_TRUE(snapshot->last_trade.has_value());
  EXPECT_EQ(snapshot->last_trade->trade_id, 77u);
  auto stats = store_->Stats();
  ASSERT_NE(stats, nullptr);
  EXPECT_EQ(stats->queue_depth, 3u);
  ASSERT_EQ(stats->feeds.size(), 1u);
  EXPECT_EQ(stats->feeds[0].connection, core::ConnectionState::kConnected);
}

TEST_F(EngineTest, EngineLoopDrainsQueueAndPublishes) {
  InboundQueue queue(1024, 2);
  QueueSink sink(queue);
  EngineLoop loop(*engine_, queue);
  loop.Start();
  ASSERT_TRUE(sink.Publish(Update(BookUpdate::kSnapshot, 5, 5, {{1000, 1}}, {{1001, 1}})));
  ASSERT_TRUE(sink.Publish(Update(BookUpdate::kGoesLive, 6, 6, {{999, 2}}, {})));
  sink.Flush();
  // The loop publishes within its publish interval once the queue is dry; wait for that state.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::shared_ptr<const BookSnapshot> snapshot;
  while (std::chrono::steady_clock::now() < deadline) {
    snapshot = store_->Book(id_);
    if (snapshot && snapshot->sequence == 6) break;
    std::this_thread::yield();
  }
  loop.Stop();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_EQ(snapshot->sequence, 6u);
  EXPECT_EQ(snapshot->state, BookState::kLive);
  EXPECT_EQ(snapshot->bids.size(), 2u);
}

TEST(InboundQueueTest, EventsArriveWithAndWithoutFlush) {
  InboundQueue queue(1024, 1);
  QueueSink sink(queue);
  moodycamel::ConsumerToken consumer(queue.queue());
  core::Event out[4];
  // Not flushed: a waiting consumer still finds it (it looks again before and after sleeping).
  ASSERT_TRUE(sink.Publish(core::Trade{}));
  EXPECT_EQ(queue.WaitDequeueBulk(consumer, out, 4, 1000), 1u);
  // Woken by a flush from another thread while it sleeps (the wait would otherwise last 10 s).
  std::thread producer([&] {
    ASSERT_TRUE(sink.Publish(core::Trade{}));
    sink.Flush();
  });
  const auto start = std::chrono::steady_clock::now();
  std::size_t n = 0;
  while (n == 0) n = queue.WaitDequeueBulk(consumer, out, 4, 10'000'000);
  producer.join();
  EXPECT_EQ(n, 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(InboundQueueTest, FullQueueRefusesInsteadOfGrowing) {
  InboundQueue queue(64, 1);
  QueueSink sink(queue);
  int accepted = 0;
  for (int i = 0; i < 10000; ++i) {
    if (!sink.Publish(core::Trade{})) break;
    ++accepted;
  }
  EXPECT_EQ(accepted, 64);  // exactly the configured capacity
  // Room again once the consumer takes events.
  moodycamel::ConsumerToken consumer(queue.queue());
  core::Event out[8];
  EXPECT_EQ(queue.Dequeue(consumer, out, 8), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(sink.Publish(core::Trade{}));
  EXPECT_FALSE(sink.Publish(core::Trade{}));
}

}  // namespace
}  // namespace tradingd::engine
