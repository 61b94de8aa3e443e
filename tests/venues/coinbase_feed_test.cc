// The daemon's Coinbase feed (VenueFeed + CoinbaseProtocol) against the sandbox Coinbase venue
// (StreamSim + the Coinbase dialect) over loopback, for both of Coinbase's feeds: the sim runs on
// one io thread, the feed on another, and the test thread waits on what the feed publishes, each
// wait with a deadline that fails the test. The books must end equal to the sim's whole book
// (Coinbase sends "the entire order book") after every fault the feed can see: on Advanced Trade a
// lost message (a sequence_num gap stales every book; they are resubscribed together), on both a
// dropped connection, a silent venue and an engine-requested resync. Exchange level2 is public as
// level2_batch, and authenticated as level2 with the right secret (refused with a wrong one or a
// stale timestamp). The rules come from the sim's REST; the parser also reads the 2021 capture's
// /products and hostile bodies. Coinbase's heartbeats keep a quiet connection alive.

#include "feeds/coinbase/coinbase_feed.h"

#include <fmt/format.h>
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
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/common/venue_feed.h"
#include "gateways/coinbase/coinbase_signing.h"
#include "sim/coinbase/coinbase_sim.h"
#include "sim/common/stream_sim.h"
#include "tests/support/io_thread.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::coinbase {
namespace {

using namespace std::chrono_literals;
using sim::coinbase::CoinbaseDialectOptions;
using sim::coinbase::CoinbaseSimFeed;

constexpr auto kDeadline = 15s;

using ::tradingd::testing::IoThread;

// A book as the engine would hold it, rebuilt from the feed's events, with its history.
struct Book {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  core::BookState state = core::BookState::kSyncing;
  int went_live = 0;
  int updates = 0;  // book events of any kind
  std::vector<core::BookReason> stale_reasons;
};

// Records what the feed publishes (on the feed's thread) for the test thread.
// Thread contract: Publish on one producer thread; WaitFor and Read from any thread.
class SyncedSink final : public core::EventSink {
 public:
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
    ++book.updates;
    if (update.has(core::BookUpdate::kSnapshot) && update.has(core::BookUpdate::kFirstChunk)) {
      book.bids.clear();
      book.asks.clear();
    }
    for (int i = 0; i < update.bid_count + update.ask_count; ++i) {
      const core::PriceLevel& level = update.levels[i];
      const std::int64_t price = level.price.mantissa();
      const std::int64_t quantity = level.quantity.mantissa();
      if (i < update.bid_count) {
        quantity == 0 ? static_cast<void>(book.bids.erase(price))
                      : static_cast<void>(book.bids[price] = quantity);
      } else {
        quantity == 0 ? static_cast<void>(book.asks.erase(price))
                      : static_cast<void>(book.asks[price] = quantity);
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

// The feed's book (prices at 2 digits) against the sim's (prices at kSimScale, 8 digits).
bool SameBook(const Book& book, const sim::BookLevels& want) {
  constexpr std::int64_t kPriceFactor = 1'000'000;
  if (book.bids.size() != want.bids.size() || book.asks.size() != want.asks.size()) return false;
  std::size_t i = 0;
  for (const auto& [price, quantity] : book.bids) {
    if (price * kPriceFactor != want.bids[i].price || quantity != want.bids[i].quantity) {
      return false;
    }
    ++i;
  }
  i = 0;
  for (const auto& [price, quantity] : book.asks) {
    if (price * kPriceFactor != want.asks[i].price || quantity != want.asks[i].quantity) {
      return false;
    }
    ++i;
  }
  return true;
}

class CoinbaseFeedTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (feed_) {
      feed_io_.Run([&] {
        feed_->Stop();
        feed_.reset();
        return 0;
      });
    }
    feed_io_.Join();
    if (sim_) {
      sim_io_.Run([&] {
        sim_->Stop();
        return 0;
      });
    }
    sim_io_.Join();
  }

  void StartSim(CoinbaseSimFeed feed, sim::StreamSimOptions options = {},
                CoinbaseDialectOptions dialect = {}) {
    options.symbols = sim::coinbase::DefaultCoinbaseSymbols();
    options.seed = 23;
    dialect.feed = feed;
    sim_ = std::make_unique<sim::StreamSim>(sim_io_.io(), std::move(options),
                                            sim::coinbase::MakeCoinbaseDialect(std::move(dialect)));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
  }

  void StartFeed(CoinbaseFeedOptions coinbase, std::chrono::milliseconds silence = 5s) {
    btc_ = *registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
    eth_ = *registry_.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8);
    VenueFeedOptions options;
    options.venue = core::Venue::kCoinbase;
    options.rest_base_url = sim_->rest_url();
    options.silence_timeout = silence;
    options.reconnect_min = 10ms;
    options.reconnect_max = 100ms;
    options.rules_retry_min = 10ms;
    options.rules_retry_max = 100ms;
    options.status_interval = 100ms;
    options.verify_peer = false;
    coinbase.ws_url = sim_->ws_url();
    feed_io_.Run([&] {
      feed_ = std::make_unique<VenueFeed>(feed_io_.io(), options, CoinbaseProtocolFactory(coinbase),
                                          registry_, sink_);
      feed_->Start();
      return 0;
    });
  }

  static CoinbaseFeedOptions Feed(CoinbaseFeedKind kind) {
    CoinbaseFeedOptions options;
    options.feed = kind;
    return options;
  }

  static CoinbaseCredentials SandboxCredentials() {
    const CoinbaseDialectOptions sandbox;
    return {sandbox.api_key, sandbox.api_secret, sandbox.passphrase};
  }

  bool BothLive(const SyncedSink::View& v) const {
    return v.book(btc_).state == core::BookState::kLive &&
           v.book(eth_).state == core::BookState::kLive;
  }

  // Pauses the market (the sim sends what is pending) and waits until both of the feed's books
  // are the sim's whole books.
  void ExpectFeedHoldsThePausedBooks() {
    sim_->Pause();
    const auto btc = sim_->BookSnapshot("BTC-USD");
    const auto eth = sim_->BookSnapshot("ETH-USD");
    ASSERT_TRUE(btc && eth);
    ASSERT_GT(btc->bids.size(), 300u);
    const bool same = sink_.WaitFor([&](const SyncedSink::View& v) {
      return BothLive(v) && SameBook(v.book(btc_), *btc) && SameBook(v.book(eth_), *eth);
    });
    EXPECT_TRUE(same) << sink_.Read([&](const SyncedSink::View& v) {
      return fmt::format("BTC-USD: {} bids, {} asks (sim {}/{}); ETH-USD: {} bids, {} asks",
                         v.book(btc_).bids.size(), v.book(btc_).asks.size(), btc->bids.size(),
                         btc->asks.size(), v.book(eth_).bids.size(), v.book(eth_).asks.size());
    });
    sim_->Resume();
  }

  FeedCounts Counts() {
    return feed_io_.Run([&] { return feed_->counts(); });
  }
  VenueFeedCounters FeedCounters() {
    return feed_io_.Run([&] { return feed_->feed_counters(); });
  }

  // Outlive the io threads: handlers the io_contexts still hold may point at them.
  core::SymbolRegistry registry_;
  SyncedSink sink_;
  core::InstrumentId btc_ = core::kNoInstrument, eth_ = core::kNoInstrument;
  IoThread sim_io_;
  IoThread feed_io_;
  std::unique_ptr<sim::StreamSim> sim_;
  std::unique_ptr<VenueFeed> feed_;
};

TEST_F(CoinbaseFeedTest, ExchangeLevel2BatchWithoutCredentialsHoldsTheSimsBooks) {
  StartSim(CoinbaseSimFeed::kExchange);
  StartFeed(Feed(CoinbaseFeedKind::kExchange));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return BothLive(v) && v.rules.size() == 2 && v.quotes > 0 && v.trades > 0;
  })) << "books, rules, quotes and trades did not all arrive";
  sink_.Read([&](const SyncedSink::View& v) {
    // From the sim's /products: quote_increment 0.01, base_increment 0.00000001,
    // min_market_funds 1; no size limits since 2022.
    const core::InstrumentRules& btc = v.rules.at(btc_);
    EXPECT_EQ(btc.tick_size.mantissa(), 1);
    EXPECT_EQ(btc.lot_size.mantissa(), 1);
    EXPECT_EQ(btc.min_quantity.mantissa(), 1);
    EXPECT_EQ(btc.max_quantity.mantissa(), INT64_MAX);
    EXPECT_EQ(btc.min_notional.mantissa(), 100);
    EXPECT_EQ(btc.status, core::TradingStatus::kTrading);
    EXPECT_EQ(v.book(btc_).went_live, 1);
    EXPECT_TRUE(v.book(btc_).stale_reasons.empty());
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
  const FeedCounts counts = Counts();
  EXPECT_GE(counts.frames, 5u);  // the ack, two snapshots, a trade and a ticker at least
  EXPECT_EQ(counts.parse_errors, 0u);
  EXPECT_EQ(counts.queue_drops, 0u);
  const VenueFeedCounters feed = FeedCounters();
  EXPECT_EQ(feed.subscribe_messages, 1u);  // every channel of both products in one request
  EXPECT_EQ(feed.rules_loaded, 1u);
  EXPECT_EQ(feed.resubscribes, 0u);
}

TEST_F(CoinbaseFeedTest, ExchangeAuthenticatedLevel2WithTheRightSecretHoldsTheSimsBooks) {
  StartSim(CoinbaseSimFeed::kExchange);
  CoinbaseFeedOptions options = Feed(CoinbaseFeedKind::kExchange);
  options.credentials = SandboxCredentials();
  StartFeed(options);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));
  // level2 sends each change on its own: far more book events than cuts.
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return v.book(btc_).updates > 200; }));
  ExpectFeedHoldsThePausedBooks();
  EXPECT_EQ(Counts().parse_errors, 0u);
}

// A subscribe the sim refuses: the one answer is the venue's error, and no book ever starts.
class RefusedSubscribeTest : public CoinbaseFeedTest {
 protected:
  void ExpectRefused(CoinbaseFeedOptions options) {
    StartSim(CoinbaseSimFeed::kExchange);
    StartFeed(std::move(options));
    ASSERT_TRUE(sim_->WaitForConnections(1, kDeadline));
    ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return v.status.frames >= 1; }))
        << "no answer to the subscribe";
    // The refused request subscribed nothing, not even the heartbeat: the error is all there is.
    EXPECT_EQ(sim_->counters().frames_sent, 1u);
    EXPECT_EQ(Counts().frames, 1u);
    EXPECT_EQ(Counts().parse_errors, 0u);  // the error is a well-formed venue message
    sink_.Read([&](const SyncedSink::View& v) {
      EXPECT_EQ(v.book(btc_).went_live, 0);
      EXPECT_EQ(v.book(btc_).updates, 0);
      EXPECT_EQ(v.book(eth_).updates, 0);
      EXPECT_EQ(v.trades, 0);
      return 0;
    });
  }
};

TEST_F(RefusedSubscribeTest, WrongSecret) {
  CoinbaseFeedOptions options = Feed(CoinbaseFeedKind::kExchange);
  options.credentials = SandboxCredentials();
  options.credentials->api_secret = "d3Jvbmctc2VjcmV0";  // "wrong-secret"
  ExpectRefused(options);
}

TEST_F(RefusedSubscribeTest, TimestampTwoMinutesBehind) {
  static core::ManualClock late_clock(core::SystemClock::Instance().NowNs() - 120'000'000'000);
  CoinbaseFeedOptions options = Feed(CoinbaseFeedKind::kExchange);
  options.credentials = SandboxCredentials();
  options.clock = &late_clock;
  ExpectRefused(options);
}

TEST_F(CoinbaseFeedTest, ExchangeFaultsEndWithTheBooksEqualToTheSims) {
  StartSim(CoinbaseSimFeed::kExchange);
  StartFeed(Feed(CoinbaseFeedKind::kExchange));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));
  // Exchange level2 has no sequence: the sim cannot show a lost update, nor a checksum or reset.
  EXPECT_FALSE(sim_->SkipSequence("BTC-USD"));
  EXPECT_FALSE(sim_->CorruptChecksum("BTC-USD"));
  EXPECT_FALSE(sim_->ResetSequence("BTC-USD"));

  // The engine found BTC-USD crossed: STALE(crossed), resubscribed, LIVE.
  feed_->RequestResync(btc_, core::BookReason::kCrossed);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live == 2 && v.book(btc_).state == core::BookState::kLive;
  })) << "BTC-USD did not come back after the resync";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons, std::vector{core::BookReason::kCrossed});
    EXPECT_EQ(v.book(eth_).went_live, 1);
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 1u);
  ExpectFeedHoldsThePausedBooks();

  // A truncated frame: counted, and nothing else (on Exchange a loss cannot be seen).
  sim_->SendMalformed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return v.status.parse_errors >= 1; }));
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.size(), 1u);
    EXPECT_TRUE(BothLive(v));
    return 0;
  });

  // A dropped connection: both books STALE(disconnected), LIVE again on the new connection.
  sim_->DropConnections();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live == 3 && v.book(eth_).went_live == 2 && BothLive(v);
  })) << "the books did not come back after the reconnect";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.back(), core::BookReason::kDisconnected);
    EXPECT_EQ(v.book(eth_).stale_reasons.back(), core::BookReason::kDisconnected);
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
}

TEST_F(CoinbaseFeedTest, AdvancedTradeGapStalesEveryBookAndOneResubscribeHealsThem) {
  StartSim(CoinbaseSimFeed::kAdvancedTrade);
  StartFeed(Feed(CoinbaseFeedKind::kAdvancedTrade));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return BothLive(v) && v.rules.size() == 2 && v.quotes > 0 && v.trades > 0;
  })) << "books, rules, quotes and trades did not all arrive";
  sink_.Read([&](const SyncedSink::View& v) {
    // From /api/v3/brokerage/market/products: base_min_size one lot, base_max_size 3400,
    // quote_min_size 1.
    const core::InstrumentRules& btc = v.rules.at(btc_);
    EXPECT_EQ(btc.tick_size.mantissa(), 1);
    EXPECT_EQ(btc.lot_size.mantissa(), 1);
    EXPECT_EQ(btc.min_quantity.mantissa(), 1);
    EXPECT_EQ(btc.max_quantity.mantissa(), 340'000'000'000);
    EXPECT_EQ(btc.min_notional.mantissa(), 100);
    EXPECT_EQ(btc.status, core::TradingStatus::kTrading);
    return 0;
  });
  EXPECT_EQ(FeedCounters().subscribe_messages, 4u);  // one per channel
  ExpectFeedHoldsThePausedBooks();

  // One lost l2_data message of BTC-USD: sequence_num jumps, which book lost what is unknowable,
  // so BOTH books go STALE(gap) and come back through one resubscribe of both.
  ASSERT_TRUE(sim_->SkipSequence("BTC-USD"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live == 2 && v.book(eth_).went_live == 2 && BothLive(v);
  })) << "the books did not come back after the gap";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons, std::vector{core::BookReason::kSequenceGap});
    EXPECT_EQ(v.book(eth_).stale_reasons, std::vector{core::BookReason::kSequenceGap});
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 1u);  // one unsubscribe + subscribe for both books
  ExpectFeedHoldsThePausedBooks();

  // A truncated frame has no sequence_num: counted, and the chain goes on unbroken.
  sim_->SendMalformed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return v.status.parse_errors >= 1; }));
  ExpectFeedHoldsThePausedBooks();
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.size(), 1u);
    return 0;
  });

  // A dropped connection: a new connection, a new counter from 0, both books LIVE again.
  sim_->DropConnections();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live == 3 && v.book(eth_).went_live == 3 && BothLive(v);
  })) << "the books did not come back after the reconnect";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.back(), core::BookReason::kDisconnected);
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
}

TEST_F(CoinbaseFeedTest, ASilentVenueIsReconnectedAndResynced) {
  StartSim(CoinbaseSimFeed::kAdvancedTrade);
  StartFeed(Feed(CoinbaseFeedKind::kAdvancedTrade), /*silence=*/300ms);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));
  sim_->GoSilent(700ms);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live >= 2 && v.book(eth_).went_live >= 2 && BothLive(v);
  })) << "the books did not come back after the silence";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.front(), core::BookReason::kSilence);
    EXPECT_GE(v.status.connects, 2u);
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
}

// With the market paused only Coinbase's heartbeats reach the feed; they keep a connection whose
// silence timeout is far shorter than the wait alive, with no client ping at all.
class HeartbeatTest : public CoinbaseFeedTest {
 protected:
  void ExpectHeartbeatsKeepTheConnection(CoinbaseSimFeed sim_feed, CoinbaseFeedKind feed_kind,
                                         std::uint64_t frames_for_1500ms) {
    CoinbaseDialectOptions dialect;
    dialect.heartbeat_interval = 50ms;
    StartSim(sim_feed, sim::StreamSimOptions{.start_paused = true}, dialect);
    // 1 s of allowed silence (scheduling delays on a loaded 2-core machine reach a few hundred
    // ms), still well under the 1.5 s of heartbeats the test waits for.
    StartFeed(Feed(feed_kind), /*silence=*/1000ms);
    ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));
    const std::uint64_t frames = Counts().frames;
    const std::uint64_t client_messages = sim_->counters().client_messages;
    EXPECT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
      return v.status.frames >= frames + frames_for_1500ms;
    })) << "the heartbeats did not arrive";
    EXPECT_EQ(sim_->counters().client_messages, client_messages);  // the client sent nothing
    EXPECT_EQ(sim_->counters().connections_accepted, 1u);
    sink_.Read([&](const SyncedSink::View& v) {
      EXPECT_EQ(v.status.connects, 1u);
      EXPECT_EQ(v.status.connection, core::ConnectionState::kConnected);
      EXPECT_TRUE(v.book(btc_).stale_reasons.empty());
      EXPECT_TRUE(v.book(eth_).stale_reasons.empty());
      return 0;
    });
    EXPECT_EQ(Counts().parse_errors, 0u);
  }
};

TEST_F(HeartbeatTest, ExchangeHeartbeatChannel) {
  // One heartbeat per product every 50 ms.
  ExpectHeartbeatsKeepTheConnection(CoinbaseSimFeed::kExchange, CoinbaseFeedKind::kExchange, 60);
}

TEST_F(HeartbeatTest, AdvancedTradeHeartbeatsChannel) {
  // One heartbeats message every 50 ms, whatever the products.
  ExpectHeartbeatsKeepTheConnection(CoinbaseSimFeed::kAdvancedTrade,
                                    CoinbaseFeedKind::kAdvancedTrade, 30);
}

// ---- the protocol alone ----------------------------------------------------------------------

class NullSink final : public core::EventSink {
 public:
  bool Publish(const core::Event&) override { return true; }
};

class ProtocolTest : public ::testing::Test {
 protected:
  ProtocolTest() {
    btc_ = *registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
    eth_ = *registry_.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8);
    EXPECT_TRUE(registry_.Add(core::Venue::kKraken, "BTC", "USD").ok());  // not Coinbase's
  }
  std::unique_ptr<VenueProtocol> Make(const CoinbaseFeedOptions& options) {
    return CoinbaseProtocolFactory(options)(VenueProtocolContext{
        registry_, sink_, [this](core::InstrumentId id) { requested_.push_back(id); }});
  }
  void Feed(VenueProtocol& protocol, const std::string& json) {
    const testing::Padded padded(json);
    protocol.OnFrame(padded.view(), 1);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  NullSink sink_;
  std::vector<core::InstrumentId> requested_;
};

TEST_F(ProtocolTest, ExchangeWithoutCredentialsUsesLevel2Batch) {
  CoinbaseFeedOptions options;
  auto protocol = Make(options);
  EXPECT_EQ(protocol->Url(), "wss://ws-feed.exchange.coinbase.com");
  EXPECT_EQ(protocol->keep_alive().interval.count(), 0);
  EXPECT_TRUE(protocol->keep_alive().text.empty());
  EXPECT_EQ(protocol->RulesTarget(), "/products");
  EXPECT_FALSE(protocol->subscribe_after_rules());
  EXPECT_EQ(
      protocol->SubscribeAll(),
      std::vector<std::string>{
          R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD","ETH-USD"]},{"name":"ticker","product_ids":["BTC-USD","ETH-USD"]},{"name":"matches","product_ids":["BTC-USD","ETH-USD"]},{"name":"heartbeat","product_ids":["BTC-USD","ETH-USD"]}]})"});
  EXPECT_EQ(
      protocol->ResubscribeBook(registry_.Get(eth_)),
      (std::vector<std::string>{
          R"({"type":"unsubscribe","channels":[{"name":"level2_batch","product_ids":["ETH-USD"]}]})",
          R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":["ETH-USD"]}]})"}));
  options.ws_url = "ws://127.0.0.1:1/";
  EXPECT_EQ(Make(options)->Url(), "ws://127.0.0.1:1/");
  EXPECT_EQ(DefaultCoinbaseRestUrl(CoinbaseFeedKind::kExchange),
            "https://api.exchange.coinbase.com");
}

TEST_F(ProtocolTest, ExchangeWithCredentialsSignsALevel2Subscribe) {
  core::ManualClock clock(1'700'000'000'987'000'000);
  const CoinbaseDialectOptions sandbox;
  CoinbaseFeedOptions options;
  options.credentials =
      CoinbaseCredentials{sandbox.api_key, sandbox.api_secret, sandbox.passphrase};
  options.clock = &clock;
  auto protocol = Make(options);
  const auto messages = protocol->SubscribeAll();
  ASSERT_EQ(messages.size(), 1u);
  simdjson::dom::parser json;
  simdjson::dom::element subscribe = json.parse(messages[0]);
  EXPECT_EQ(std::string_view(subscribe["channels"].at(0)["name"]), "level2");
  EXPECT_EQ(std::string_view(subscribe["key"]), sandbox.api_key);
  EXPECT_EQ(std::string_view(subscribe["passphrase"]), sandbox.passphrase);
  EXPECT_EQ(std::string_view(subscribe["timestamp"]), "1700000000");  // Unix seconds, a string
  auto signer = gateways::coinbase::ExchangeSigner::Create(sandbox.api_secret);
  ASSERT_TRUE(signer.ok());
  EXPECT_TRUE(signer->Verify("1700000000", "GET", "/users/self/verify", "",
                             std::string_view(subscribe["signature"])));
  EXPECT_EQ(messages[0].find(sandbox.api_secret), std::string::npos);
  // The resubscribe signs afresh, with the clock's new time.
  clock.Advance(5'000'000'000);
  const auto resubscribe = protocol->ResubscribeBook(registry_.Get(btc_));
  ASSERT_EQ(resubscribe.size(), 2u);
  simdjson::dom::element again = json.parse(resubscribe[1]);
  EXPECT_EQ(std::string_view(again["type"]), "subscribe");
  EXPECT_EQ(std::string_view(again["channels"].at(0)["name"]), "level2");
  EXPECT_EQ(std::string_view(again["timestamp"]), "1700000005");
  EXPECT_TRUE(signer->Verify("1700000005", "GET", "/users/self/verify", "",
                             std::string_view(again["signature"])));
}

TEST_F(ProtocolTest, AdvancedTradeSubscribesOneChannelPerMessage) {
  CoinbaseFeedOptions options;
  options.feed = CoinbaseFeedKind::kAdvancedTrade;
  auto protocol = Make(options);
  EXPECT_EQ(protocol->Url(), "wss://advanced-trade-ws.coinbase.com");
  EXPECT_EQ(protocol->RulesTarget(), "/api/v3/brokerage/market/products");
  EXPECT_EQ(protocol->keep_alive().interval.count(), 0);
  EXPECT_EQ(
      protocol->SubscribeAll(),
      (std::vector<std::string>{
          R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})",
          R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"market_trades"})",
          R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"ticker"})",
          R"({"type":"subscribe","channel":"heartbeats"})"}));
  EXPECT_EQ(protocol->ResubscribeBook(registry_.Get(btc_)),
            (std::vector<std::string>{
                R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"})",
                R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})"}));
  EXPECT_EQ(DefaultCoinbaseRestUrl(CoinbaseFeedKind::kAdvancedTrade), "https://api.coinbase.com");
}

TEST_F(ProtocolTest, AGapAsksTheFeedOnceAndResubscribesEveryStaleBookTogether) {
  CoinbaseFeedOptions options;
  options.feed = CoinbaseFeedKind::kAdvancedTrade;
  auto protocol = Make(options);
  protocol->SubscribeAll();
  const auto snapshot = [](std::uint64_t sequence, const char* product) {
    return fmt::format(
        R"({{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":{},"events":[{{"type":"snapshot","product_id":"{}","updates":[{{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"100","new_quantity":"1"}},{{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"101","new_quantity":"1"}}]}}]}})",
        sequence, product);
  };
  Feed(*protocol, snapshot(0, "BTC-USD"));
  Feed(*protocol, snapshot(1, "ETH-USD"));
  EXPECT_TRUE(requested_.empty());
  Feed(
      *protocol,
      R"({"channel":"heartbeats","client_id":"","timestamp":"2023-02-09T20:32:51Z","sequence_num":3,"events":[{"current_time":"x","heartbeat_counter":1}]})");
  // Both books went STALE; the feed is asked once, for the first of them.
  ASSERT_EQ(requested_.size(), 1u);
  EXPECT_EQ(protocol->ResubscribeBook(registry_.Get(requested_[0])),
            (std::vector<std::string>{
                R"({"type":"unsubscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})",
                R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"level2"})"}));
  // Served: the next loss asks again.
  Feed(
      *protocol,
      R"({"channel":"heartbeats","client_id":"","timestamp":"2023-02-09T20:32:52Z","sequence_num":9,"events":[{"current_time":"x","heartbeat_counter":2}]})");
  EXPECT_EQ(requested_.size(), 2u);
  // A disconnect forgets what was owed: the next connection's subscriptions bring every snapshot.
  protocol->OnDisconnected(core::BookReason::kDisconnected, 2);
  protocol->Resync(eth_, core::BookReason::kCrossed, 3);
  EXPECT_EQ(requested_.size(), 3u);
  EXPECT_EQ(requested_.back(), eth_);
  EXPECT_EQ(protocol->counts().frames, 4u);
  EXPECT_EQ(protocol->counts().parse_errors, 0u);
}

TEST(CoinbaseFeedOptions, InvalidOptionsAreStartUpErrorsThatNeverShowTheSecret) {
  CoinbaseFeedOptions advanced;
  advanced.feed = CoinbaseFeedKind::kAdvancedTrade;
  advanced.credentials = CoinbaseCredentials{"k", "c2VjcmV0", "p"};
  EXPECT_FALSE(ValidateCoinbaseFeedOptions(advanced).ok());
  EXPECT_THROW(CoinbaseProtocolFactory(advanced), std::invalid_argument);

  CoinbaseFeedOptions incomplete;
  incomplete.credentials = CoinbaseCredentials{"k", "c2VjcmV0", ""};
  EXPECT_FALSE(ValidateCoinbaseFeedOptions(incomplete).ok());

  CoinbaseFeedOptions bad_secret;
  bad_secret.credentials = CoinbaseCredentials{"k", "hunter2 is my secret", "p"};
  const core::Status status = ValidateCoinbaseFeedOptions(bad_secret);
  EXPECT_EQ(status.code(), core::ErrorCode::kInvalidConfig);
  EXPECT_EQ(status.message().find("hunter2"), std::string::npos);
  try {
    CoinbaseProtocolFactory(bad_secret);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos);
  }

  CoinbaseFeedOptions good;
  good.credentials = CoinbaseCredentials{"k", "c2VjcmV0", "p"};
  EXPECT_TRUE(ValidateCoinbaseFeedOptions(good).ok());
  EXPECT_TRUE(ValidateCoinbaseFeedOptions(CoinbaseFeedOptions{}).ok());
}

// ---- the rules parser ------------------------------------------------------------------------

TEST(CoinbaseProductsParser, TheCapturedExchangeProducts) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/COINBASE.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  std::string_view body;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind == CaptureKind::kRestResponse) body = record.payload;
  }
  ASSERT_FALSE(body.empty());
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
  const auto skl = *registry.Add(core::Venue::kCoinbase, "SKL", "BTC", "SKL-BTC", 8, 1);
  registry.Add(core::Venue::kCoinbase, "DOGE", "EUR", "DOGE-EUR", 4, 2).value();  // not listed
  auto rules = ParseCoinbaseProducts(CoinbaseFeedKind::kExchange, body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);
  std::map<core::InstrumentId, core::InstrumentRules> by_id;
  for (const auto& r : *rules) by_id[r.instrument] = r;
  // BTC-USD in 2021: quote_increment 0.01, base_increment 0.00000001, base_min_size 0.0001,
  // base_max_size 280, min_market_funds 5.
  const core::InstrumentRules& b = by_id.at(btc);
  EXPECT_EQ(b.tick_size.mantissa(), 1);
  EXPECT_EQ(b.lot_size.mantissa(), 1);
  EXPECT_EQ(b.min_quantity.mantissa(), 10'000);
  EXPECT_EQ(b.max_quantity.mantissa(), 28'000'000'000);
  EXPECT_EQ(b.min_notional.mantissa(), 500);
  EXPECT_EQ(b.status, core::TradingStatus::kTrading);
  // SKL-BTC: quote_increment 0.00000001, base_increment 0.1, base_min_size 5,
  // base_max_size 1000000, min_market_funds 0.0001.
  const core::InstrumentRules& s = by_id.at(skl);
  EXPECT_EQ(s.tick_size.mantissa(), 1);
  EXPECT_EQ(s.lot_size.mantissa(), 1);
  EXPECT_EQ(s.min_quantity.mantissa(), 50);
  EXPECT_EQ(s.max_quantity.mantissa(), 10'000'000);
  EXPECT_EQ(s.min_notional.mantissa(), 10'000);
}

TEST(CoinbaseProductsParser, AdvancedTradeDocumentationExample) {
  // The single-product example of docs.cdp.coinbase.com "Get Public Product" inside the list
  // envelope: no price_increment there, so quote_increment is the tick.
  const std::string body = R"({"products":[{"product_id":"BTC-USD","price":"140.21",
    "price_percentage_change_24h":"9.43%","volume_24h":"1908432","volume_percentage_change_24h":"9.43%",
    "base_increment":"0.00000001","quote_increment":"0.00000001","quote_min_size":"0.00000001",
    "quote_max_size":"1000","base_min_size":"0.00000001","base_max_size":"1000","base_name":"Bitcoin",
    "quote_name":"US Dollar","watched":true,"is_disabled":false,"new":true,"status":"<string>",
    "cancel_only":false,"limit_only":true,"post_only":true,"trading_disabled":false,"auction_mode":false,
    "product_type":"UNKNOWN_PRODUCT_TYPE","quote_currency_id":"USD","base_currency_id":"BTC",
    "fcm_trading_session_details":{"is_session_open":true,"open_time":"<string>","close_time":"<string>",
    "session_state":"FCM_TRADING_SESSION_STATE_UNDEFINED","after_hours_order_entry_disabled":true,
    "closed_reason":"FCM_TRADING_SESSION_CLOSED_REASON_UNDEFINED",
    "maintenance":{"start_time":"<string>","end_time":"<string>"}},"mid_market_price":"140.22",
    "alias":"BTC-USD","alias_to":["BTC-USDC"],"base_display_symbol":"BTC","quote_display_symbol":"USD"}],
    "num_products":1})";
  core::SymbolRegistry registry;
  registry.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 8, 8).value();
  auto rules = ParseCoinbaseProducts(CoinbaseFeedKind::kAdvancedTrade, body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ(rules->front().tick_size.mantissa(), 1);
  EXPECT_EQ(rules->front().max_quantity.mantissa(), 100'000'000'000);
  EXPECT_EQ(rules->front().min_notional.mantissa(), 1);
  EXPECT_EQ(rules->front().status, core::TradingStatus::kUnknown);  // "<string>"
}

TEST(CoinbaseProductsParser, StatusesAndUnrepresentableProducts) {
  core::SymbolRegistry registry;
  const auto a = *registry.Add(core::Venue::kCoinbase, "A", "USD", "A-USD", 2, 2);
  const auto b = *registry.Add(core::Venue::kCoinbase, "B", "USD", "B-USD", 2, 2);
  const auto c = *registry.Add(core::Venue::kCoinbase, "C", "USD", "C-USD", 2, 2);
  const auto d = *registry.Add(core::Venue::kCoinbase, "D", "USD", "D-USD", 2, 2);
  registry.Add(core::Venue::kCoinbase, "E", "USD", "E-USD", 2, 2).value();
  registry.Add(core::Venue::kCoinbase, "F", "USD", "F-USD", 2, 2).value();
  registry.Add(core::Venue::kCoinbase, "G", "USD", "G-USD", 2, 2).value();
  const auto product = [](const char* id, const char* extra) {
    return fmt::format(
        R"({{"id":"{}","quote_increment":"0.01","base_increment":"0.01","min_market_funds":"1","status":"online"{}}})",
        id, extra);
  };
  const std::string body =
      "[" + product("A-USD", R"(,"trading_disabled":true)") + "," +
      product("B-USD", R"(,"cancel_only":true,"trading_disabled":false)") + "," +
      product("C-USD", R"(,"auction_mode":true,"status_message":null)") + "," +
      product("D-USD", R"(,"status":"delisted")") + "," +
      product("E-USD", R"(,"quote_increment":"0.001")") + "," +  // finer than 2 digits
      product("F-USD", R"(,"quote_increment":0.01)") + "," +     // a number, not a string
      R"({"id":"G-USD","base_increment":"0.01"})" + "," +        // no tick at all
      product("Z-USD", "") + "]";
  auto rules = ParseCoinbaseProducts(CoinbaseFeedKind::kExchange, body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  std::map<core::InstrumentId, core::TradingStatus> status;
  for (const auto& r : *rules) status[r.instrument] = r.status;
  EXPECT_EQ(status.size(), 4u);  // E, F and G refused; Z not ours
  EXPECT_EQ(status[a], core::TradingStatus::kHalted);
  EXPECT_EQ(status[b], core::TradingStatus::kHalted);
  EXPECT_EQ(status[c], core::TradingStatus::kBreak);
  EXPECT_EQ(status[d], core::TradingStatus::kHalted);
}

TEST(CoinbaseProductsParser, HostileBodiesAreErrorsNotCrashes) {
  core::SymbolRegistry registry;
  registry.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8).value();
  const std::pair<CoinbaseFeedKind, std::string> bad[] = {
      {CoinbaseFeedKind::kExchange, ""},
      {CoinbaseFeedKind::kExchange, "["},
      {CoinbaseFeedKind::kExchange, "null"},
      {CoinbaseFeedKind::kExchange, "42"},
      {CoinbaseFeedKind::kExchange, "[1,2]"},
      {CoinbaseFeedKind::kExchange, R"([{"id":"BTC-USD"}] x)"},
      {CoinbaseFeedKind::kExchange, R"([{"id":"BTC-USD","quote_increment":"0.01")"},
      {CoinbaseFeedKind::kExchange, "[\"\xff\"]"},
      {CoinbaseFeedKind::kExchange, R"({"message":"Unauthorized."})"},
      {CoinbaseFeedKind::kExchange, R"({"products":[]})"},  // Advanced Trade's shape
      {CoinbaseFeedKind::kAdvancedTrade, "[]"},             // Exchange's shape
      {CoinbaseFeedKind::kAdvancedTrade, R"({"products":{}})"},
      {CoinbaseFeedKind::kAdvancedTrade, R"({"products":[[]]})"},
      {CoinbaseFeedKind::kAdvancedTrade,
       R"({"error":"NOT_FOUND","error_details":"Not Found","message":"Not Found"})"},
  };
  for (const auto& [feed, body] : bad) {
    auto rules = ParseCoinbaseProducts(feed, body, registry);
    EXPECT_FALSE(rules.ok()) << body;
  }
  auto unauthorized = ParseCoinbaseProducts(CoinbaseFeedKind::kExchange,
                                            R"({"message":"Unauthorized."})", registry);
  ASSERT_FALSE(unauthorized.ok());
  EXPECT_NE(unauthorized.status().message().find("Unauthorized."), std::string::npos);
  // Empty lists and unknown fields of any type are fine.
  EXPECT_TRUE(ParseCoinbaseProducts(CoinbaseFeedKind::kExchange, "[]", registry).ok());
  auto rules = ParseCoinbaseProducts(
      CoinbaseFeedKind::kAdvancedTrade,
      R"({"products":[{"product_id":"BTC-USD","price_increment":"0.01","base_increment":"0.00000001","x":{"y":[1,{"z":null}]},"base_max_size":"1e3"}]})",
      registry);
  ASSERT_TRUE(rules.ok());
  EXPECT_TRUE(rules->empty());  // "1e3" is not a decimal Coinbase writes: the product is refused
  rules = ParseCoinbaseProducts(
      CoinbaseFeedKind::kAdvancedTrade,
      R"({"products":[{"product_id":"BTC-USD","price_increment":"0.01","base_increment":"0.00000001","base_max_size":"999999999999999999999"}],"num_products":1})",
      registry);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ(rules->front().max_quantity.mantissa(), INT64_MAX);  // a limit beyond int64 saturates
  // A known field holding an object: that product is refused, the next one is still read.
  registry.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8).value();
  rules = ParseCoinbaseProducts(
      CoinbaseFeedKind::kAdvancedTrade,
      R"({"products":[{"product_id":"BTC-USD","price_increment":{"a":[1,{"b":"0.01"}]},)"
      R"("base_increment":"0.00000001","status":["online"]},)"
      R"({"product_id":"ETH-USD","price_increment":"0.01","base_increment":"0.00000001"}]})",
      registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ(registry.Get(rules->front().instrument).venue_symbol, "ETH-USD");
}

}  // namespace
}  // namespace tradingd::feeds::coinbase
