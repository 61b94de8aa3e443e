// The daemon's OKX feed (VenueFeed + OkxProtocol) against the sandbox OKX venue (StreamSim + the
// OKX dialect) over loopback: the sim runs on one io thread, the feed on another, and the test
// thread waits on what the feed publishes, each wait with a deadline that fails the test. The
// books must end equal to the sim's best 400 levels after every fault OKX can show (a lost update,
// a wrong checksum, a sequence restart, a dropped connection), the rules come from the sim's REST,
// and the feed's text pings keep a quiet connection alive.

#include "feeds/okx/okx_feed.h"

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

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/venue_feed.h"
#include "sim/common/stream_sim.h"
#include "sim/okx/okx_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::feeds::okx {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 15s;
constexpr std::size_t kBooksDepth = 400;  // OKX's `books`

using ::tradingd::testing::IoThread;

// A book as the engine would hold it, rebuilt from the feed's events, with its history.
struct Book {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  core::BookState state = core::BookState::kSyncing;
  std::uint64_t last_sequence = 0;
  int went_live = 0;
  int sequence_drops = 0;  // updates whose seqId is below the previous one (OKX's restart)
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
    const bool snapshot = update.has(core::BookUpdate::kSnapshot);
    if (snapshot && update.has(core::BookUpdate::kFirstChunk)) {
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
    if (update.has(core::BookUpdate::kLastChunk)) {
      if (!snapshot && update.last_sequence < book.last_sequence) ++book.sequence_drops;
      book.last_sequence = update.last_sequence;
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

bool SameBook(const Book& book, const sim::BookLevels& want) {
  if (book.bids.size() != want.bids.size() || book.asks.size() != want.asks.size()) return false;
  std::size_t i = 0;
  for (const auto& [price, quantity] : book.bids) {
    if (price != want.bids[i].price || quantity != want.bids[i].quantity) return false;
    ++i;
  }
  i = 0;
  for (const auto& [price, quantity] : book.asks) {
    if (price != want.asks[i].price || quantity != want.asks[i].quantity) return false;
    ++i;
  }
  return true;
}

class OkxFeedTest : public ::testing::Test {
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

  void StartSim(sim::StreamSimOptions options = {}, sim::okx::OkxDialectOptions dialect = {}) {
    options.symbols = sim::okx::DefaultOkxSymbols();
    options.seed = 11;
    sim_ = std::make_unique<sim::StreamSim>(sim_io_.io(), std::move(options),
                                            sim::okx::MakeOkxDialect(std::move(dialect)));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
  }

  void StartFeed(OkxFeedOptions okx = {}, std::chrono::milliseconds silence = 5s) {
    btc_ = *registry_.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 8, 8);
    eth_ = *registry_.Add(core::Venue::kOkx, "ETH", "USDT", "ETH-USDT", 8, 8);
    VenueFeedOptions options;
    options.venue = core::Venue::kOkx;
    options.rest_base_url = sim_->rest_url();
    options.silence_timeout = silence;
    options.reconnect_min = 10ms;
    options.reconnect_max = 100ms;
    options.rules_retry_min = 10ms;
    options.rules_retry_max = 100ms;
    options.status_interval = 100ms;
    options.verify_peer = false;
    okx.ws_url = sim_->ws_url();
    feed_io_.Run([&] {
      feed_ = std::make_unique<VenueFeed>(feed_io_.io(), options, OkxProtocolFactory(okx),
                                          registry_, sink_);
      feed_->Start();
      return 0;
    });
  }

  bool BothLive(const SyncedSink::View& v) const {
    return v.book(btc_).state == core::BookState::kLive &&
           v.book(eth_).state == core::BookState::kLive;
  }

  // Pauses the market (the sim sends what is pending) and waits until both of the feed's books
  // are the sim's best 400 levels a side.
  void ExpectFeedHoldsThePausedBooks() {
    sim_->Pause();
    const auto btc = sim_->BookSnapshot("BTC-USDT", kBooksDepth);
    const auto eth = sim_->BookSnapshot("ETH-USDT", kBooksDepth);
    ASSERT_TRUE(btc && eth);
    ASSERT_EQ(btc->bids.size(), kBooksDepth);  // the sim's book is deeper than the window
    const bool same = sink_.WaitFor([&](const SyncedSink::View& v) {
      return BothLive(v) && SameBook(v.book(btc_), *btc) && SameBook(v.book(eth_), *eth);
    });
    EXPECT_TRUE(same) << sink_.Read([&](const SyncedSink::View& v) {
      return "BTC-USDT: " + std::to_string(v.book(btc_).bids.size()) + " bids, " +
             std::to_string(v.book(btc_).asks.size()) +
             " asks; ETH-USDT: " + std::to_string(v.book(eth_).bids.size()) + " bids, " +
             std::to_string(v.book(eth_).asks.size()) + " asks";
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

TEST_F(OkxFeedTest, SubscribesLoadsRulesAndHoldsTheSimsBooks) {
  StartSim();
  StartFeed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return BothLive(v) && v.rules.size() == 2 && v.quotes > 0 && v.trades > 0;
  })) << "books, rules, quotes and trades did not all arrive";
  sink_.Read([&](const SyncedSink::View& v) {
    // 0.1, 0.00000001, 0.00001 and 9999999999 at scale 8, from the sim's /instruments.
    const core::InstrumentRules& btc = v.rules.at(btc_);
    EXPECT_EQ(btc.tick_size.mantissa(), 10'000'000);
    EXPECT_EQ(btc.lot_size.mantissa(), 1);
    EXPECT_EQ(btc.min_quantity.mantissa(), 1'000);
    EXPECT_EQ(btc.max_quantity.mantissa(), 999'999'999'900'000'000);
    EXPECT_EQ(btc.status, core::TradingStatus::kTrading);
    const core::InstrumentRules& eth = v.rules.at(eth_);
    EXPECT_EQ(eth.tick_size.mantissa(), 1'000'000);
    EXPECT_EQ(eth.min_quantity.mantissa(), 10'000);
    EXPECT_EQ(v.book(btc_).went_live, 1);
    EXPECT_TRUE(v.book(btc_).stale_reasons.empty());
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
  const FeedCounts counts = Counts();
  EXPECT_GT(counts.frames, 10u);
  EXPECT_EQ(counts.parse_errors, 0u);
  EXPECT_EQ(counts.queue_drops, 0u);
  const VenueFeedCounters feed = FeedCounters();
  EXPECT_EQ(feed.subscribe_messages, 1u);  // two instruments fit one request
  EXPECT_EQ(feed.rules_loaded, 1u);
  EXPECT_EQ(feed.resubscribes, 0u);
}

TEST_F(OkxFeedTest, EveryFaultEndsWithTheBooksEqualToTheSims) {
  StartSim();
  StartFeed();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));

  // A lost update: the next prevSeqId is not the last seqId. STALE(gap), resubscribed, LIVE.
  ASSERT_TRUE(sim_->SkipSequence("BTC-USDT"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    const Book& btc = v.book(btc_);
    return btc.went_live == 2 && btc.state == core::BookState::kLive;
  })) << "BTC-USDT did not come back after the gap";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons, std::vector{core::BookReason::kSequenceGap});
    EXPECT_TRUE(v.book(eth_).stale_reasons.empty());  // the fault was BTC-USDT's only
    EXPECT_EQ(v.book(eth_).went_live, 1);
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 1u);
  ExpectFeedHoldsThePausedBooks();

  // A wrong checksum: STALE(checksum), resubscribed, LIVE.
  ASSERT_TRUE(sim_->CorruptChecksum("ETH-USDT"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    const Book& eth = v.book(eth_);
    return eth.went_live == 2 && eth.state == core::BookState::kLive;
  })) << "ETH-USDT did not come back after the checksum mismatch";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(eth_).stale_reasons, std::vector{core::BookReason::kChecksum});
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 2u);
  ExpectFeedHoldsThePausedBooks();

  // The restart after maintenance: seqId drops below prevSeqId, still chained; OKX's docs say to
  // accept it, so the book stays LIVE without a resubscribe.
  ASSERT_TRUE(sim_->ResetSequence("BTC-USDT"));
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).sequence_drops == 1;
  })) << "no update after the sequence reset";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.size(), 1u);  // still only the gap of before
    EXPECT_EQ(v.book(btc_).went_live, 2);
    EXPECT_LT(v.book(btc_).last_sequence, 1'000'000u);  // the sim's ids start at 1,000,000
    return 0;
  });
  EXPECT_EQ(FeedCounters().resubscribes, 2u);
  ExpectFeedHoldsThePausedBooks();

  // A dropped connection: both books STALE(disconnected), and LIVE again on the new connection.
  sim_->DropConnections();
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.book(btc_).went_live == 3 && v.book(eth_).went_live == 3 && BothLive(v);
  })) << "the books did not come back after the reconnect";
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.book(btc_).stale_reasons.back(), core::BookReason::kDisconnected);
    EXPECT_EQ(v.book(eth_).stale_reasons.back(), core::BookReason::kDisconnected);
    return 0;
  });
  ExpectFeedHoldsThePausedBooks();
  EXPECT_EQ(Counts().parse_errors, 0u);
}

// With the market paused nothing but the pongs reaches the feed; they keep a connection whose
// silence timeout is far shorter than the wait alive.
TEST_F(OkxFeedTest, TextPingsAreAnsweredAndKeepAQuietConnectionAlive) {
  StartSim(sim::StreamSimOptions{.start_paused = true});
  OkxFeedOptions okx;
  okx.ping_interval = 50ms;
  StartFeed(okx, /*silence=*/400ms);
  ASSERT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) { return BothLive(v); }));
  const std::uint64_t frames = Counts().frames;
  const std::uint64_t client_messages = sim_->counters().client_messages;
  // 30 pongs take 1.5 s, several silence timeouts: each pong must have reset the feed's timer.
  EXPECT_TRUE(sink_.WaitFor([&](const SyncedSink::View& v) {
    return v.status.frames >= frames + 30;
  })) << "the pongs did not arrive";
  EXPECT_GE(sim_->counters().client_messages, client_messages + 30);  // the pings
  EXPECT_EQ(sim_->counters().connections_accepted, 1u);
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_EQ(v.status.connects, 1u);
    EXPECT_EQ(v.status.connection, core::ConnectionState::kConnected);
    return 0;
  });
  sink_.Read([&](const SyncedSink::View& v) {
    EXPECT_TRUE(v.book(btc_).stale_reasons.empty());
    EXPECT_TRUE(v.book(eth_).stale_reasons.empty());
    return 0;
  });
  EXPECT_EQ(Counts().parse_errors, 0u);
}

// ---- the protocol alone ----

class NullSink final : public core::EventSink {
 public:
  bool Publish(const core::Event&) override { return true; }
};

TEST(OkxProtocolTest, MessagesAreOkxsAndLargeSubscriptionsAreSplit) {
  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kOkx, "BTC", "USDT").ok());
  ASSERT_TRUE(registry.Add(core::Venue::kBinance, "ETH", "USDT").ok());  // not OKX's
  NullSink sink;
  OkxFeedOptions options;
  options.inst_type = "SWAP";
  auto protocol =
      OkxProtocolFactory(options)(VenueProtocolContext{registry, sink, [](core::InstrumentId) {}});
  EXPECT_EQ(protocol->Url(), "wss://ws.okx.com:8443/ws/v5/public");
  EXPECT_EQ(protocol->keep_alive().text, "ping");
  EXPECT_GT(protocol->keep_alive().interval.count(), 0);
  EXPECT_LT(protocol->keep_alive().interval, 30s);  // OKX closes after 30 s without data
  EXPECT_EQ(protocol->RulesTarget(), "/api/v5/public/instruments?instType=SWAP");
  EXPECT_FALSE(protocol->subscribe_after_rules());
  EXPECT_EQ(protocol->SubscribeAll(),
            std::vector<std::string>{
                R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
                R"({"channel":"bbo-tbt","instId":"BTC-USDT"},)"
                R"({"channel":"trades","instId":"BTC-USDT"}]})"});
  EXPECT_EQ(protocol->ResubscribeBook(registry.Get(0)),
            (std::vector<std::string>{
                R"({"op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})",
                R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"}));

  // 700 instruments: several requests, each under OKX's 64 KB, each an instrument's three
  // channels together, every channel once.
  core::SymbolRegistry many;
  for (int i = 0; i < 700; ++i) {
    std::string base = {static_cast<char>('A' + i / 26 / 26 % 26),
                        static_cast<char>('A' + i / 26 % 26), static_cast<char>('A' + i % 26)};
    ASSERT_TRUE(many.Add(core::Venue::kOkx, base, "USDT").ok()) << base;
  }
  auto big = OkxProtocolFactory({})(VenueProtocolContext{many, sink, [](core::InstrumentId) {}});
  const std::vector<std::string> requests = big->SubscribeAll();
  EXPECT_GT(requests.size(), 1u);
  simdjson::dom::parser json;
  std::map<std::string, int> channels;
  for (const std::string& request : requests) {
    EXPECT_LT(request.size(), 64u * 1024u);
    simdjson::dom::element root;
    ASSERT_EQ(json.parse(request).get(root), simdjson::SUCCESS);
    simdjson::dom::array args;
    ASSERT_EQ(root["args"].get(args), simdjson::SUCCESS);
    EXPECT_EQ(args.size() % 3, 0u);
    for (simdjson::dom::element arg : args) {
      std::string_view channel, inst_id;
      ASSERT_EQ(arg["channel"].get(channel), simdjson::SUCCESS);
      ASSERT_EQ(arg["instId"].get(inst_id), simdjson::SUCCESS);
      ++channels[std::string(channel) + "/" + std::string(inst_id)];
    }
  }
  EXPECT_EQ(channels.size(), 3u * 700u);
  for (const auto& [name, count] : channels) EXPECT_EQ(count, 1) << name;
}

}  // namespace
}  // namespace tradingd::feeds::okx
