// `tradingd replay` on the real captures of ../shared/fixtures reproduces the figures in its README.

#include "app/replay.h"

#include <gtest/gtest.h>

#include <simdjson.h>

#include "tests/support/fixtures.h"

namespace tradingd::app {
namespace {

simdjson::dom::element Replay(simdjson::dom::parser& parser, core::Venue venue,
                              std::vector<std::string> files, int repeat = 1) {
  ReplayOptions options;
  options.venue = venue;
  options.files = std::move(files);
  options.repeat = repeat;
  auto report = RunReplay(options);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  return parser.parse(report.ok() ? *report : std::string("{}"));
}

TEST(ReplayTest, BinanceSpotCaptureSyncsWithoutGapsAndAgreesWithBookTicker) {
  TRADINGD_REQUIRE_FIXTURE(file, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  simdjson::dom::parser parser;
  auto report = Replay(parser, core::Venue::kBinance, {file.string()});
  EXPECT_EQ(std::uint64_t(report["messages"]["depth"]), 3451u);
  EXPECT_EQ(std::uint64_t(report["messages"]["book_ticker"]), 28040u);
  EXPECT_EQ(std::uint64_t(report["messages"]["trade"]), 9757u);
  EXPECT_EQ(std::uint64_t(report["depth_updates_applied"]), 3449u);
  EXPECT_EQ(std::uint64_t(report["depth_updates_dropped_old"]), 2u);
  EXPECT_EQ(std::uint64_t(report["gaps"]), 0u);
  EXPECT_EQ(std::uint64_t(report["resyncs"]), 0u);
  EXPECT_EQ(std::uint64_t(report["bbo_checks"]["ok"]), 564u);
  EXPECT_EQ(std::uint64_t(report["bbo_checks"]["failed"]), 0u);
  simdjson::dom::element book = report["books"].at(0);
  EXPECT_EQ(std::string_view(book["symbol"]), "BTCUSDT");
  EXPECT_EQ(std::string_view(book["state"]), "LIVE");
  EXPECT_EQ(std::string_view(book["best_bid"].at(0)), "61685.99");
  EXPECT_EQ(std::string_view(book["best_ask"].at(0)), "61686.00");
  EXPECT_EQ(std::uint64_t(book["crossed"]), 0u);
}

TEST(ReplayTest, RepeatReplaysFromFreshBooks) {
  TRADINGD_REQUIRE_FIXTURE(file, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  simdjson::dom::parser parser;
  auto report = Replay(parser, core::Venue::kBinance, {file.string()}, 3);
  EXPECT_EQ(std::uint64_t(report["depth_updates_applied"]), 3 * 3449u);
  EXPECT_EQ(std::uint64_t(report["gaps"]), 0u);
  EXPECT_EQ(std::uint64_t(report["bbo_checks"]["ok"]), 3 * 564u);
  EXPECT_EQ(std::string_view(report["books"].at(0)["best_bid"].at(0)), "61685.99");
}

TEST(ReplayTest, BinanceUsdmCaptureFollowsTheFuturesRule) {
  TRADINGD_REQUIRE_FIXTURE(file, "binance/hftbacktest_usdm/btcusdt_20240808.gz");
  simdjson::dom::parser parser;
  auto report = Replay(parser, core::Venue::kBinanceUsdm, {file.string()});
  EXPECT_EQ(std::uint64_t(report["messages"]["depth"]), 6551u);
  EXPECT_EQ(std::uint64_t(report["depth_updates_applied"]), 6547u);
  EXPECT_EQ(std::uint64_t(report["gaps"]), 0u);
  EXPECT_EQ(std::uint64_t(report["bbo_checks"]["ok"]), 629u);
  EXPECT_EQ(std::uint64_t(report["bbo_checks"]["failed"]), 0u);
  EXPECT_EQ(std::string_view(report["books"].at(0)["state"]), "LIVE");
}

TEST(ReplayTest, CryptofeedSpotAndFuturesFilesSyncEveryBook) {
  TRADINGD_REQUIRE_FIXTURE(spot_ws, "binance/BINANCE.ws.1.0");
  TRADINGD_REQUIRE_FIXTURE(spot_http, "binance/BINANCE.http.0.0");
  TRADINGD_REQUIRE_FIXTURE(futures_ws, "binance/BINANCE_FUTURES.ws.1.0");
  TRADINGD_REQUIRE_FIXTURE(futures_http, "binance/BINANCE_FUTURES.http.0.0");
  struct Case {
    core::Venue venue;
    std::vector<std::string> files;
    std::uint64_t depth;
  };
  for (const Case& c : {Case{core::Venue::kBinance, {spot_ws.string(), spot_http.string()}, 177},
                        Case{core::Venue::kBinanceUsdm, {futures_ws.string(), futures_http.string()}, 764}}) {
    simdjson::dom::parser parser;
    auto report = Replay(parser, c.venue, c.files);
    EXPECT_EQ(std::uint64_t(report["messages"]["depth"]), c.depth);
    EXPECT_EQ(std::uint64_t(report["gaps"]), 0u);
    EXPECT_EQ(std::uint64_t(report["snapshots"]), 4u);
    EXPECT_EQ(std::uint64_t(report["bbo_checks"]["failed"]), 0u);
    simdjson::dom::array books = report["books"];
    EXPECT_EQ(books.size(), 4u);
    for (simdjson::dom::element book : books) {
      EXPECT_EQ(std::string_view(book["state"]), "LIVE") << std::string_view(book["symbol"]);
      EXPECT_EQ(std::uint64_t(book["crossed"]), 0u);
    }
  }
}

TEST(ReplayTest, RefusesUnsupportedVenueAndEmptyCapture) {
  ReplayOptions options;
  options.venue = core::Venue::kKraken;
  options.files = {"/dev/null"};
  EXPECT_FALSE(RunReplay(options).ok());
  options.venue = core::Venue::kBinance;
  auto report = RunReplay(options);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("no Binance market data"), std::string::npos);
}

}  // namespace
}  // namespace tradingd::app
