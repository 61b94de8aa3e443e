// FeedBooks, the book states and publishing shared by the Kraken, OKX, Bybit and Coinbase cores:
// going STALE (STALE then SYNCING, a counted resync, the venue's on_stale), the statuses owed after
// a full queue and sent first on RetryOwed, a disconnect (STALE without a resync), Resync's checks,
// Reset, and the quotes and trades built from a venue's fields.

#include "feeds/common/feed_books.h"

#include <gtest/gtest.h>

#include <memory>
#include <tuple>
#include <variant>
#include <vector>

#include "tests/feeds/feeds_test_util.h"

namespace tradingd::feeds {
namespace {

using testing::RecordingSink;
using Status = std::tuple<core::InstrumentId, core::BookState, core::BookReason>;

constexpr core::BookState kSyncing = core::BookState::kSyncing;
constexpr core::BookState kLive = core::BookState::kLive;
constexpr core::BookState kStale = core::BookState::kStale;

class FeedBooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    btc_ = *registry_.Add(core::Venue::kKraken, "BTC", "USD", "XBT/USD", 1, 8);
    other_venue_ = *registry_.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 1, 8);
    eth_ = *registry_.Add(core::Venue::kKraken, "ETH", "USD", "ETH/USD", 2, 8);
    books_ = std::make_unique<FeedBooks>(
        registry_, core::Venue::kKraken, sink_,
        [this](core::InstrumentId id) { resync_requests_.push_back(id); }, resyncs_,
        [this](core::InstrumentId id) { dropped_.push_back(id); });
  }

  // A one-level snapshot: the book goes LIVE with it.
  bool Snapshot(core::InstrumentId id) {
    const core::PriceLevel bid{core::Price::FromMantissa(1000), core::Quantity::FromMantissa(1)};
    const core::PriceLevel ask{core::Price::FromMantissa(1010), core::Quantity::FromMantissa(2)};
    return books_->PublishBook(id, /*snapshot=*/true, /*sequence=*/7, /*exchange_ns=*/5,
                               /*receive_ns=*/6, {&bid, 1}, {&ask, 1});
  }

  std::vector<Status> Statuses() const {
    std::vector<Status> out;
    for (const core::BookStatus& s : sink_.Of<core::BookStatus>()) {
      out.emplace_back(s.instrument, s.state, s.reason);
    }
    return out;
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, other_venue_ = 0, eth_ = 0;
  RecordingSink sink_;
  std::uint64_t resyncs_ = 0;
  std::vector<core::InstrumentId> resync_requests_;
  std::vector<core::InstrumentId> dropped_;  // on_stale calls
  std::unique_ptr<FeedBooks> books_;
};

TEST_F(FeedBooksTest, HoldsOnlyTheVenuesInstrumentsSyncingUntilASnapshot) {
  EXPECT_EQ(books_->instruments(), (std::vector<core::InstrumentId>{btc_, eth_}));
  EXPECT_EQ(books_->book_state(btc_), kSyncing);
  EXPECT_FALSE(books_->live(btc_));
  EXPECT_EQ(books_->book_state(999), kStale);  // outside the registry

  ASSERT_TRUE(Snapshot(btc_));
  EXPECT_EQ(books_->book_state(btc_), kLive);
  EXPECT_EQ(books_->book_state(eth_), kSyncing);
  const auto updates = sink_.Of<core::BookUpdate>();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].instrument, btc_);
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kSnapshot));
  EXPECT_TRUE(updates[0].has(core::BookUpdate::kGoesLive));
  EXPECT_EQ(updates[0].first_sequence, 7u);
  EXPECT_EQ(updates[0].last_sequence, 7u);
  EXPECT_EQ(updates[0].exchange_time_ns, 5);
  EXPECT_EQ(updates[0].receive_time_ns, 6);
  EXPECT_EQ(updates[0].bid_count, 1);
  EXPECT_EQ(updates[0].ask_count, 1);
}

TEST_F(FeedBooksTest, GoStalePublishesStaleThenSyncingAndRequestsAResync) {
  ASSERT_TRUE(Snapshot(btc_));
  books_->GoStale(btc_, core::BookReason::kChecksum, 42);

  EXPECT_EQ(books_->book_state(btc_), kStale);
  EXPECT_EQ(Statuses(), (std::vector<Status>{{btc_, kStale, core::BookReason::kChecksum},
                                             {btc_, kSyncing, core::BookReason::kChecksum}}));
  const auto statuses = sink_.Of<core::BookStatus>();
  EXPECT_EQ(statuses[0].time_ns, 42);
  EXPECT_EQ(statuses[1].time_ns, 42);
  EXPECT_EQ(resync_requests_, (std::vector<core::InstrumentId>{btc_}));
  EXPECT_EQ(resyncs_, 1u);
  EXPECT_EQ(dropped_, (std::vector<core::InstrumentId>{btc_}));
  EXPECT_EQ(books_->book_state(eth_), kSyncing);  // the other book is untouched

  // The next snapshot makes it LIVE again.
  ASSERT_TRUE(Snapshot(btc_));
  EXPECT_EQ(books_->book_state(btc_), kLive);
}

TEST_F(FeedBooksTest, RefusedBookIsStaleAndItsStatusesAreOwedThenSentFirstOnRetryOwed) {
  ASSERT_TRUE(Snapshot(btc_));
  sink_.full = true;
  EXPECT_FALSE(Snapshot(btc_));

  // STALE at once, resynced, and nothing reached the engine: the statuses are owed.
  EXPECT_EQ(books_->book_state(btc_), kStale);
  EXPECT_EQ(resync_requests_, (std::vector<core::InstrumentId>{btc_}));
  EXPECT_EQ(resyncs_, 1u);
  EXPECT_EQ(dropped_, (std::vector<core::InstrumentId>{btc_}));
  EXPECT_TRUE(Statuses().empty());
  EXPECT_EQ(books_->queue_drops(), 1u);  // the chunk; owing the statuses counts no more drops

  books_->RetryOwed();  // still full: still owed
  EXPECT_TRUE(Statuses().empty());

  sink_.full = false;
  const std::size_t before = sink_.events.size();
  books_->RetryOwed();
  ASSERT_TRUE(Snapshot(btc_));
  ASSERT_EQ(sink_.events.size(), before + 3);
  const auto* stale = std::get_if<core::BookStatus>(&sink_.events[before]);
  const auto* syncing = std::get_if<core::BookStatus>(&sink_.events[before + 1]);
  ASSERT_NE(stale, nullptr);
  ASSERT_NE(syncing, nullptr);
  EXPECT_EQ(Status(stale->instrument, stale->state, stale->reason),
            Status(btc_, kStale, core::BookReason::kQueueOverflow));
  EXPECT_EQ(Status(syncing->instrument, syncing->state, syncing->reason),
            Status(btc_, kSyncing, core::BookReason::kQueueOverflow));
  EXPECT_TRUE(std::holds_alternative<core::BookUpdate>(sink_.events[before + 2]));
  EXPECT_EQ(books_->book_state(btc_), kLive);
}

TEST_F(FeedBooksTest, OwedStatusesGoOutBeforeTheBooksNextChunkWithoutRetryOwed) {
  sink_.full = true;
  books_->GoStale(btc_, core::BookReason::kQueueOverflow, 9);
  sink_.full = false;
  ASSERT_TRUE(Snapshot(btc_));
  ASSERT_EQ(sink_.events.size(), 3u);
  EXPECT_EQ(Statuses(), (std::vector<Status>{{btc_, kStale, core::BookReason::kQueueOverflow},
                                             {btc_, kSyncing, core::BookReason::kQueueOverflow}}));
  EXPECT_TRUE(std::holds_alternative<core::BookUpdate>(sink_.events[2]));
}

TEST_F(FeedBooksTest, DisconnectMarksEveryBookNotStaleYetStaleThenSyncingWithoutARequest) {
  ASSERT_TRUE(Snapshot(btc_));  // LIVE; eth_ is still SYNCING
  books_->OnDisconnected(core::BookReason::kDisconnected, 77);

  EXPECT_EQ(books_->book_state(btc_), kStale);
  EXPECT_EQ(books_->book_state(eth_), kStale);
  EXPECT_EQ(Statuses(), (std::vector<Status>{{btc_, kStale, core::BookReason::kDisconnected},
                                             {btc_, kSyncing, core::BookReason::kDisconnected},
                                             {eth_, kStale, core::BookReason::kDisconnected},
                                             {eth_, kSyncing, core::BookReason::kDisconnected}}));
  EXPECT_TRUE(resync_requests_.empty());  // the next connection's subscriptions bring snapshots
  EXPECT_EQ(resyncs_, 2u);
  EXPECT_EQ(dropped_, (std::vector<core::InstrumentId>{btc_, eth_}));

  // A book already STALE says nothing more, and its state was dropped when it went STALE.
  sink_.events.clear();
  dropped_.clear();
  books_->OnDisconnected(core::BookReason::kDisconnected, 78);
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_TRUE(dropped_.empty());
}

TEST_F(FeedBooksTest, ResyncActsOnlyOnTheVenuesBooks) {
  books_->Resync(other_venue_, core::BookReason::kCrossed, 1);
  books_->Resync(999, core::BookReason::kCrossed, 1);
  EXPECT_TRUE(sink_.events.empty());
  EXPECT_TRUE(resync_requests_.empty());
  EXPECT_EQ(resyncs_, 0u);

  books_->Resync(eth_, core::BookReason::kCrossed, 3);
  EXPECT_EQ(Statuses(), (std::vector<Status>{{eth_, kStale, core::BookReason::kCrossed},
                                             {eth_, kSyncing, core::BookReason::kCrossed}}));
  EXPECT_EQ(resync_requests_, (std::vector<core::InstrumentId>{eth_}));
  EXPECT_EQ(resyncs_, 1u);
}

TEST_F(FeedBooksTest, ResetReturnsBooksToSyncingAndForgetsOwedStatuses) {
  ASSERT_TRUE(Snapshot(btc_));
  sink_.full = true;
  books_->GoStale(btc_, core::BookReason::kQueueOverflow, 1);  // owed
  sink_.full = false;
  dropped_.clear();
  const std::size_t before = sink_.events.size();

  books_->Reset();
  EXPECT_EQ(books_->book_state(btc_), kSyncing);
  EXPECT_EQ(books_->book_state(eth_), kSyncing);
  books_->RetryOwed();
  EXPECT_EQ(sink_.events.size(), before);  // Reset publishes nothing, and nothing is owed now
  EXPECT_TRUE(dropped_.empty());           // the core resets its own state
  EXPECT_EQ(resyncs_, 1u);                 // counters are kept
  EXPECT_EQ(books_->queue_drops(), 0u);    // owing a status after a refusal counts no drop
}

TEST_F(FeedBooksTest, QuotesAndTradesCarryTheVenuesFields) {
  books_->PublishQuote(btc_, core::Price::FromMantissa(100), core::Quantity::FromMantissa(2),
                       core::Price::FromMantissa(101), core::Quantity::FromMantissa(3), 10, 11);
  books_->PublishTrade(eth_, core::Side::kSell, core::Price::FromMantissa(200),
                       core::Quantity::FromMantissa(4), 55, 12, 13);
  const auto quotes = sink_.Of<core::Quote>();
  ASSERT_EQ(quotes.size(), 1u);
  EXPECT_EQ(quotes[0].instrument, btc_);
  EXPECT_EQ(quotes[0].bid_price.mantissa(), 100);
  EXPECT_EQ(quotes[0].bid_quantity.mantissa(), 2);
  EXPECT_EQ(quotes[0].ask_price.mantissa(), 101);
  EXPECT_EQ(quotes[0].ask_quantity.mantissa(), 3);
  EXPECT_EQ(quotes[0].update_id, 0u);
  EXPECT_EQ(quotes[0].exchange_time_ns, 10);
  EXPECT_EQ(quotes[0].receive_time_ns, 11);
  const auto trades = sink_.Of<core::Trade>();
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(trades[0].instrument, eth_);
  EXPECT_EQ(trades[0].aggressor, core::Side::kSell);
  EXPECT_EQ(trades[0].price.mantissa(), 200);
  EXPECT_EQ(trades[0].quantity.mantissa(), 4);
  EXPECT_EQ(trades[0].trade_id, 55u);
  EXPECT_EQ(trades[0].exchange_time_ns, 12);
  EXPECT_EQ(trades[0].receive_time_ns, 13);

  // Refused: counted, nothing owed.
  sink_.full = true;
  books_->PublishTrade(eth_, core::Side::kBuy, core::Price::FromMantissa(200),
                       core::Quantity::FromMantissa(4), 56, 12, 13);
  EXPECT_EQ(books_->queue_drops(), 1u);
  sink_.full = false;
  books_->RetryOwed();
  EXPECT_EQ(sink_.Of<core::Trade>().size(), 1u);
}

}  // namespace
}  // namespace tradingd::feeds
