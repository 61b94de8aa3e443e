// The daemon end to end on loopback: the real wiring (sandbox venue → feed → queue → engine → REST),
// checked against the venue's own book, through injected faults, for every venue.

#include <gtest/gtest.h>

#include <simdjson.h>

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "app/daemon.h"
#include "core/decimal.h"
#include "engine/snapshots.h"
#include "net/http_client.h"
#include "sim/common/venue_sim.h"
#include "tests/support/daemon_client.h"
#include "tests/support/fixtures.h"

namespace tradingd {
namespace {

using namespace std::chrono_literals;

// The conformance suite: every sandbox venue, the same checks (connect, sync, quote, and each
// injected fault -> STALE -> resync -> LIVE with the venue's book). A new venue joins with one line
// in INSTANTIATE_TEST_SUITE_P below. A fault the venue's protocol cannot show (Coinbase Exchange
// has no sequence on its book; only Kraken and OKX send checksums) is skipped, saying why.
struct VenueCase {
  core::Venue venue;
  const char* name;       // the config section and the REST "exchange"
  const char* test_name;  // gtest's name for the case
  std::array<const char*, 2> instruments;  // canonical
  std::array<const char*, 2> symbols;      // the venue's spelling
  std::size_t depth;       // levels a side compared with the venue's (a Kraken book is 10 deep)
  const char* options;     // venue-specific config lines
  // The venue numbers its book messages per book (a gap touches one book) rather than per
  // connection (Coinbase Advanced Trade: a gap makes every book STALE).
  bool per_book_sequence;
};

// gtest prints the case by its name instead of its bytes.
void PrintTo(const VenueCase& venue_case, std::ostream* os) { *os << venue_case.test_name; }

bool IsBinance(core::Venue venue) {
  return venue == core::Venue::kBinance || venue == core::Venue::kBinanceUsdm;
}

class DaemonTest : public ::testing::TestWithParam<VenueCase> {
 protected:
  const VenueCase& param() const { return GetParam(); }
  core::Venue venue() const { return param().venue; }
  const char* exchange() const { return param().name; }
  const char* Symbol(std::size_t i) const { return param().symbols[i]; }

  void SetUp() override {
    state_dir_ = std::filesystem::temp_directory_path() /
                 fmt::format("tradingd-it-{}-{}", ::getpid(), ::testing::UnitTest::GetInstance()->random_seed());
    ::setenv("TRADINGD_API_TOKEN", kToken, 1);
    ::unsetenv("TRADINGD_READ_TOKEN");
    const std::string text = fmt::format(R"(
mode = "sandbox"
[server]
listen = "127.0.0.1:0"
[state]
dir = "{}"
[log]
level = "warn"
[sandbox]
seed = 7
changes_per_second = 400
depth_interval_ms = 50
[venues.{}]
enabled = true
instruments = ["{}", "{}"]
silence_timeout_ms = 400
reconnect_min_ms = 20
reconnect_max_ms = 200
{}
)",
                                         state_dir_.string(), exchange(), param().instruments[0],
                                         param().instruments[1], param().options);
    auto config = app::ParseConfig(text, "integration.toml", app::ProcessEnvironment());
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    daemon_ = std::make_unique<app::Daemon>(*config);
    auto status = daemon_->Start();
    ASSERT_TRUE(status.ok()) << status.ToString();
    port_ = daemon_->control_port();
    sim_ = daemon_->venue_sim(venue());
    ASSERT_NE(sim_, nullptr);
    ASSERT_TRUE(Eventually([&] { return AllLive(); })) << Call(port_, "POST", "/api/trading/status").body;
  }

  void TearDown() override {
    if (daemon_) daemon_->Stop();
    std::error_code ignored;
    std::filesystem::remove_all(state_dir_, ignored);
  }

  std::shared_ptr<const engine::BookSnapshot> Book(std::size_t i) {
    const core::Instrument* instrument = daemon_->registry().Find(venue(), Symbol(i));
    return daemon_->snapshots().Book(instrument->id);
  }

  bool AllLive() {
    for (std::size_t i = 0; i < 2; ++i) {
      auto book = Book(i);
      if (!book || book->state != core::BookState::kLive) return false;
    }
    return true;
  }

  // The daemon's book is LIVE and its best `depth` levels are the venue's.
  bool BookEquals(std::size_t i, const sim::BookLevels& venue_book) {
    auto book = Book(i);
    if (!book || book->state != core::BookState::kLive) return false;
    const auto same = [](const std::vector<core::PriceLevel>& ours,
                         const std::vector<sim::BookLevel>& theirs) {
      if (ours.size() < theirs.size()) return false;
      for (std::size_t k = 0; k < theirs.size(); ++k) {
        if (ours[k].price.mantissa() != theirs[k].price ||
            ours[k].quantity.mantissa() != theirs[k].quantity) {
          return false;
        }
      }
      return true;
    };
    return same(book->bids, venue_book.bids) && same(book->asks, venue_book.asks);
  }

  // Pauses the venue, waits until the daemon has applied its last update, and compares the book
  // served over REST with the venue's own, level by level.
  void ExpectBooksEqualVenue() {
    sim_->Pause();
    for (std::size_t s = 0; s < 2; ++s) {
      const char* symbol = Symbol(s);
      auto venue_book = sim_->BookSnapshot(symbol, param().depth);
      ASSERT_TRUE(venue_book.has_value());
      ASSERT_TRUE(Eventually([&] { return BookEquals(s, *venue_book); }))
          << symbol << " never reached the venue's book at update id " << venue_book->last_update_id;

      const HttpResult answer = Call(port_, "POST", "/api/trading/orderbook",
                                     fmt::format(R"({{"exchange":"{}","symbol":"{}","depth":{}}})",
                                                 exchange(), symbol, param().depth));
      ASSERT_EQ(answer.status, 200) << answer.body;
      simdjson::dom::parser parser;
      simdjson::dom::element doc = parser.parse(answer.body);
      EXPECT_EQ(std::string_view(doc["book_state"]), "LIVE");
      if (IsBinance(venue())) {
        // Binance's update ids are the book's sequence; other venues number messages their own way.
        EXPECT_EQ(std::uint64_t(doc["sequence"]), venue_book->last_update_id);
      }
      simdjson::dom::array bids = doc["bids"];
      simdjson::dom::array asks = doc["asks"];
      ASSERT_EQ(bids.size(), venue_book->bids.size()) << symbol;
      ASSERT_EQ(asks.size(), venue_book->asks.size()) << symbol;
      std::size_t i = 0;
      for (simdjson::dom::element level : bids) {
        EXPECT_EQ(Mantissa(std::string_view(level.at(0))), venue_book->bids[i].price) << symbol << " bid " << i;
        EXPECT_EQ(Mantissa(std::string_view(level.at(1))), venue_book->bids[i].quantity) << symbol << " bid " << i;
        ++i;
      }
      i = 0;
      for (simdjson::dom::element level : asks) {
        EXPECT_EQ(Mantissa(std::string_view(level.at(0))), venue_book->asks[i].price) << symbol << " ask " << i;
        EXPECT_EQ(Mantissa(std::string_view(level.at(1))), venue_book->asks[i].quantity) << symbol << " ask " << i;
        ++i;
      }

      const HttpResult quote = Call(port_, "POST", "/api/trading/quote",
                                    fmt::format(R"({{"exchange":"{}","symbol":"{}"}})", exchange(), symbol));
      ASSERT_EQ(quote.status, 200) << quote.body;
      simdjson::dom::element q = parser.parse(quote.body);
      EXPECT_EQ(Mantissa(std::string_view(q["bid_price"])), venue_book->bids.front().price);
      EXPECT_EQ(Mantissa(std::string_view(q["bid_quantity"])), venue_book->bids.front().quantity);
      EXPECT_EQ(Mantissa(std::string_view(q["ask_price"])), venue_book->asks.front().price);
      EXPECT_EQ(Mantissa(std::string_view(q["ask_quantity"])), venue_book->asks.front().quantity);
      EXPECT_EQ(std::string_view(q["instrument"]), param().instruments[s]);
    }
    sim_->Resume();
  }

  // After a fault injected when the book had gone STALE `stale_before` times: it goes STALE once
  // more, resyncs, and comes back LIVE with the venue's book.
  void ExpectStaleResyncLive(std::uint64_t stale_before) {
    ASSERT_TRUE(Eventually([&] { return Book(0)->counters.stale > stale_before; }))
        << "the book never went STALE";
    ASSERT_TRUE(Eventually([&] { return AllLive(); })) << "the books never came back LIVE";
    ExpectBooksEqualVenue();
  }

  std::filesystem::path state_dir_;
  std::unique_ptr<app::Daemon> daemon_;
  sim::VenueSim* sim_ = nullptr;
  std::uint16_t port_ = 0;
};

TEST_P(DaemonTest, ServesTheVenuesBooksAndQuotes) {
  ExpectBooksEqualVenue();
  // The market moves on and the daemon follows it.
  const std::uint64_t updates = Book(0)->counters.updates_applied;
  ASSERT_TRUE(Eventually([&] { return Book(0)->counters.updates_applied > updates; }));
  ExpectBooksEqualVenue();
}

TEST_P(DaemonTest, DroppedConnectionGoesStaleResyncsAndRecovers) {
  const std::uint64_t stale = Book(0)->counters.stale;
  sim_->DropConnections();
  ExpectStaleResyncLive(stale);
  EXPECT_GE(Book(0)->counters.resyncs, 1u);
  // /status says what happened.
  const HttpResult status = Call(port_, "POST", "/api/trading/status", "{}");
  ASSERT_EQ(status.status, 200);
  EXPECT_NE(status.body.find(R"("last_error":{"message":"disconnected: )"), std::string::npos)
      << status.body;
}

TEST_P(DaemonTest, LostUpdateGoesStaleResyncsAndRecovers) {
  const engine::BookCounters before = Book(0)->counters;
  if (!sim_->SkipSequence(Symbol(0))) {
    GTEST_SKIP() << exchange() << " numbers nothing on its book stream: a lost update cannot be seen";
  }
  ExpectStaleResyncLive(before.stale);
  const engine::BookCounters after = Book(0)->counters;
  // Kraken has no sequence numbers: its checksum is what sees the loss.
  EXPECT_EQ(after.gaps + after.checksum_failures, before.gaps + before.checksum_failures + 1);
  EXPECT_EQ(after.resyncs, before.resyncs + 1);
  EXPECT_EQ(after.stale, before.stale + 1);
  if (param().per_book_sequence) {
    EXPECT_EQ(Book(1)->counters.gaps + Book(1)->counters.checksum_failures, 0u)
        << "the other book never noticed";
  }
}

TEST_P(DaemonTest, CorruptedChecksumGoesStaleResyncsAndRecovers) {
  const engine::BookCounters before = Book(0)->counters;
  if (!sim_->CorruptChecksum(Symbol(0))) {
    GTEST_SKIP() << exchange() << " publishes no book checksum";
  }
  ExpectStaleResyncLive(before.stale);
  const engine::BookCounters after = Book(0)->counters;
  EXPECT_EQ(after.checksum_failures, before.checksum_failures + 1);
  EXPECT_EQ(after.stale, before.stale + 1);
  EXPECT_EQ(Book(0)->last_reason, core::BookReason::kChecksum);
}

TEST_P(DaemonTest, SequenceResetIsFollowedWithoutLosingTheBook) {
  const engine::BookCounters before = Book(0)->counters;
  if (!sim_->ResetSequence(Symbol(0))) {
    GTEST_SKIP() << exchange() << " has no sequence reset";
  }
  // OKX renumbers its updates without a snapshot; Bybit sends a snapshot with u = 1.
  ASSERT_TRUE(Eventually([&] {
    return Book(0)->counters.updates_applied > before.updates_applied + 2;
  })) << "the book stopped following the venue after the reset";
  ExpectBooksEqualVenue();
  // The restarted numbering is the venue's, not a loss.
  EXPECT_EQ(Book(0)->counters.gaps, before.gaps);
  EXPECT_EQ(Book(0)->counters.stale, before.stale);
}

TEST_P(DaemonTest, SilentVenueGoesStaleResyncsAndRecovers) {
  const std::uint64_t stale = Book(0)->counters.stale;
  sim_->GoSilent(1200ms);
  ExpectStaleResyncLive(stale);
  EXPECT_EQ(Book(0)->last_reason, core::BookReason::kSilence);
}

TEST_P(DaemonTest, MalformedFrameIsCountedAndBooksStayCorrect) {
  auto parse_errors = [&] {
    auto stats = daemon_->snapshots().Stats();
    return stats && !stats->feeds.empty() ? stats->feeds.front().parse_errors : 0;
  };
  const std::uint64_t before = parse_errors();
  sim_->SendMalformed();
  ASSERT_TRUE(Eventually([&] { return parse_errors() > before; }));
  ExpectBooksEqualVenue();
}

TEST_P(DaemonTest, InstrumentsCarryTheVenuesRules) {
  ASSERT_TRUE(Eventually([&] {
    const HttpResult answer = Call(port_, "POST", "/api/trading/instruments",
                                   fmt::format(R"({{"exchange":"{}"}})", exchange()));
    // Rules not loaded yet show as nulls.
    return answer.status == 200 && answer.body.find("\"tick_size\":null") == std::string::npos;
  })) << Call(port_, "POST", "/api/trading/instruments", "{}").body;
  const HttpResult answer = Call(port_, "POST", "/api/trading/instruments",
                                 fmt::format(R"({{"exchange":"{}"}})", exchange()));
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(answer.body);
  simdjson::dom::array instruments = doc["instruments"];
  ASSERT_EQ(instruments.size(), 2u) << answer.body;
  for (simdjson::dom::element instrument : instruments) {
    EXPECT_GT(Mantissa(std::string_view(instrument["tick_size"])), 0) << answer.body;
    EXPECT_GT(Mantissa(std::string_view(instrument["lot_size"])), 0) << answer.body;
    EXPECT_EQ(std::string_view(instrument["trading_status"]), "TRADING") << answer.body;
  }
}

TEST_P(DaemonTest, ControlSurfaceContract) {
  EXPECT_EQ(Call(port_, "GET", "/api/trading/health", "", false).status, 200);
  EXPECT_EQ(Call(port_, "POST", "/api/trading/status", "{}", false).status, 401);
  EXPECT_EQ(Call(port_, "POST", "/api/trading/nothing", "{}").status, 404);
  EXPECT_EQ(Call(port_, "GET", "/api/trading/quote").status, 405);
  EXPECT_EQ(Call(port_, "POST", "/api/trading/quote", "{\"exchange\":").status, 400);
  EXPECT_EQ(Call(port_, "POST", "/api/trading/quote",
                 fmt::format(R"({{"exchange":"{}","symbol":"DOGEUSDT"}})", exchange()))
                .status,
            400);
  EXPECT_EQ(Call(port_, "POST", "/api/trading/quote", std::string(70000, ' ')).status, 413);
  const HttpResult config = Call(port_, "GET", "/api/trading/config");
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(config.body.find(kToken), std::string::npos);
  const HttpResult status = Call(port_, "POST", "/api/trading/status", "{}");
  ASSERT_EQ(status.status, 200);
  EXPECT_NE(status.body.find("\"LIVE\""), std::string::npos);
}

constexpr std::array<const char*, 2> kUsdt = {"BTC-USDT", "ETH-USDT"};
constexpr std::array<const char*, 2> kUsd = {"BTC-USD", "ETH-USD"};

INSTANTIATE_TEST_SUITE_P(
    Venues, DaemonTest,
    ::testing::Values(
        VenueCase{core::Venue::kBinance, "binance", "binance", kUsdt, {"BTCUSDT", "ETHUSDT"}, 50,
                  "snapshot_depth = 1000", true},
        VenueCase{core::Venue::kBinanceUsdm, "binance-usdm", "binance_usdm", kUsdt,
                  {"BTCUSDT", "ETHUSDT"}, 50, "snapshot_depth = 1000", true},
        VenueCase{core::Venue::kKraken, "kraken", "kraken", kUsd, {"BTC/USD", "ETH/USD"}, 10, "",
                  true},
        VenueCase{core::Venue::kOkx, "okx", "okx", kUsdt, {"BTC-USDT", "ETH-USDT"}, 50, "", true},
        VenueCase{core::Venue::kBybit, "bybit", "bybit", kUsdt, {"BTCUSDT", "ETHUSDT"}, 50, "",
                  true},
        VenueCase{core::Venue::kCoinbase, "coinbase", "coinbase_exchange", kUsd,
                  {"BTC-USD", "ETH-USD"}, 50, "feed = \"exchange\"", true},
        VenueCase{core::Venue::kCoinbase, "coinbase", "coinbase_advanced_trade", kUsd,
                  {"BTC-USD", "ETH-USD"}, 50, "feed = \"advanced-trade\"", false}),
    [](const ::testing::TestParamInfo<VenueCase>& param_info) {
      return std::string(param_info.param.test_name);
    });

}  // namespace
}  // namespace tradingd

namespace tradingd {
namespace {

// The real spot capture, served by the sandbox venue as fast as the socket takes it, through the
// whole daemon: the same final book as the replay tool, no gap, and the book ticker always agrees.
TEST(DaemonReplayTest, RecordedCaptureOverTheSocketEndsOnTheRecordedBook) {
  TRADINGD_REQUIRE_FIXTURE(capture, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  const auto state_dir = std::filesystem::temp_directory_path() / fmt::format("tradingd-it-replay-{}", ::getpid());
  ::setenv("TRADINGD_API_TOKEN", kToken, 1);
  const std::string text = fmt::format(R"(
mode = "sandbox"
[server]
listen = "127.0.0.1:0"
[state]
dir = "{}"
[log]
level = "warn"
[sandbox]
market = "replay"
replay_files = ["{}"]
replay_fast = true
[venues.binance]
enabled = true
instruments = ["BTC-USDT"]
)",
                                       state_dir.string(), capture.string());
  auto config = app::ParseConfig(text, "replay.toml", app::ProcessEnvironment());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  app::Daemon daemon(*config);
  ASSERT_TRUE(daemon.Start().ok());
  const core::InstrumentId id = daemon.registry().Find(core::Venue::kBinance, "BTCUSDT")->id;
  constexpr std::uint64_t kFinalUpdateId = 50093421584;  // the last diff of the capture
  ASSERT_TRUE(Eventually([&] {
    auto book = daemon.snapshots().Book(id);
    return book && book->sequence == kFinalUpdateId;
  }, 60s)) << "the daemon never applied the capture's last diff";
  auto book = daemon.snapshots().Book(id);
  EXPECT_EQ(book->state, core::BookState::kLive);
  EXPECT_EQ(book->counters.gaps, 0u);
  EXPECT_EQ(book->counters.crossed, 0u);
  EXPECT_GT(book->counters.bbo_checks_ok, 100u);
  EXPECT_EQ(book->counters.bbo_checks_failed, 0u);
  ASSERT_FALSE(book->bids.empty());
  ASSERT_FALSE(book->asks.empty());
  EXPECT_EQ(book->bids.front().price.mantissa(), 6168599000000);  // 61685.99
  EXPECT_EQ(book->asks.front().price.mantissa(), 6168600000000);  // 61686.00
  const HttpResult quote = Call(daemon.control_port(), "POST", "/api/trading/quote",
                                R"({"exchange":"binance","symbol":"BTCUSDT"})");
  ASSERT_EQ(quote.status, 200) << quote.body;
  EXPECT_NE(quote.body.find(R"("bid_price":"61685.99")"), std::string::npos) << quote.body;
  // The venue event time of the last diff ("E":1723161601173).
  EXPECT_NE(quote.body.find(R"("timestamp":"2024-08-09T00:00:01.173Z")"), std::string::npos) << quote.body;
  daemon.Stop();
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace tradingd

namespace tradingd {
namespace {

// A venue on StreamSim replaying its real capture through the socket: Kraken's v2 BTC/USD book
// (1 snapshot, 509 updates, a checksum on each). The daemon ends on the recorded book with no
// checksum failure, as the replay tool does.
TEST(DaemonReplayTest, KrakenCaptureOverTheSocketKeepsEveryChecksum) {
  TRADINGD_REQUIRE_FIXTURE(capture, "kraken/orderbook-v2.json");
  const auto state_dir =
      std::filesystem::temp_directory_path() / fmt::format("tradingd-it-kraken-replay-{}", ::getpid());
  ::setenv("TRADINGD_API_TOKEN", kToken, 1);
  const std::string text = fmt::format(R"(
mode = "sandbox"
[server]
listen = "127.0.0.1:0"
[state]
dir = "{}"
[log]
level = "warn"
[sandbox]
market = "replay"
replay_fast = true
[venues.kraken]
enabled = true
instruments = ["BTC-USD"]
replay_files = ["{}"]
)",
                                       state_dir.string(), capture.string());
  auto config = app::ParseConfig(text, "kraken-replay.toml", app::ProcessEnvironment());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  app::Daemon daemon(*config);
  ASSERT_TRUE(daemon.Start().ok());
  const core::InstrumentId id = daemon.registry().Find(core::Venue::kKraken, "BTC/USD")->id;
  const auto at_recorded_top = [&] {
    auto book = daemon.snapshots().Book(id);
    // The recorded snapshot and its 509 updates (in replay the venue sends no book of its own).
    return book && book->counters.updates_applied >= 510 && !book->bids.empty() &&
           !book->asks.empty() && book->bids.front().price.mantissa() == 2943040000000 &&   // 29430.4
           book->asks.front().price.mantissa() == 2943050000000 &&   // 29430.5
           book->bids.front().quantity.mantissa() == 1193517449 &&   // 11.93517449
           book->asks.front().quantity.mantissa() == 560461;         // 0.00560461
  };
  ASSERT_TRUE(Eventually(at_recorded_top, 30s))
      << "the daemon never reached the capture's last book; updates applied: "
      << daemon.snapshots().Book(id)->counters.updates_applied
      << ", snapshots: " << daemon.snapshots().Book(id)->counters.snapshots;
  auto book = daemon.snapshots().Book(id);
  EXPECT_EQ(book->state, core::BookState::kLive);
  EXPECT_EQ(book->counters.checksum_failures, 0u);
  EXPECT_EQ(book->counters.stale, 0u);
  EXPECT_EQ(book->counters.crossed, 0u);
  EXPECT_EQ(book->counters.updates_applied, 510u);
  EXPECT_EQ(book->counters.snapshots, 1u);
  EXPECT_EQ(book->bids.size(), 10u);
  EXPECT_EQ(book->asks.size(), 10u);
  daemon.Stop();
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace tradingd
