// Replays the real Binance captures through BinanceMarketData, as `tradingd replay` does, and
// checks the sequencing against the numbers in ../shared/fixtures/README.md.

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <vector>

#include "feeds/binance/binance_market_data.h"
#include "feeds/capture/capture_reader.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::binance {
namespace {

class CountingSink : public core::EventSink {
 public:
  bool Publish(const core::Event& event) override {
    ++events;
    if (const auto* update = std::get_if<core::BookUpdate>(&event)) {
      ++chunks;
      if (update->has(core::BookUpdate::kGoesLive)) ++goes_live;
    } else if (const auto* status = std::get_if<core::BookStatus>(&event)) {
      if (status->state == core::BookState::kStale) ++stale;
    }
    return true;
  }
  std::uint64_t events = 0, chunks = 0, goes_live = 0, stale = 0;
};

struct Replay {
  Replay(core::Venue venue, const core::SymbolRegistry& registry)
      : md(venue, registry, sink, [this](core::InstrumentId) { ++snapshot_requests; }),
        registry_(registry),
        venue_(venue) {}

  void Run(const std::vector<CaptureRecord>& records) {
    for (const CaptureRecord& record : records) {
      if (record.kind == CaptureKind::kFrame) {
        md.OnFrame(record.payload, record.timestamp_ns);
      } else if (record.kind == CaptureKind::kRestResponse && !record.symbol.empty()) {
        if (const core::Instrument* instrument = registry_.Find(venue_, record.symbol)) {
          md.OnSnapshot(instrument->id, record.payload, record.timestamp_ns);
        }
      }
    }
  }

  CountingSink sink;
  BinanceMarketData md;
  const core::SymbolRegistry& registry_;
  core::Venue venue_;
  int snapshot_requests = 0;
};

TEST(BinanceReplayFixture, SpotHftbacktest) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  core::SymbolRegistry registry;
  const auto id = registry.Add(core::Venue::kBinance, "BTC", "USDT").value();
  Replay replay(core::Venue::kBinance, registry);
  replay.Run(capture->records());
  const auto& c = replay.md.counters();
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.depth, 3451u);
  EXPECT_EQ(c.book_ticker, 28040u);
  EXPECT_EQ(c.trade, 9757u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.snapshots, 1u);
  EXPECT_EQ(c.snapshots_too_old, 0u);
  EXPECT_EQ(c.diffs_applied, 3449u);
  EXPECT_EQ(c.diffs_dropped_old, 2u);
  EXPECT_EQ(c.went_live, 1u);
  EXPECT_EQ(replay.sink.goes_live, 1u);
  EXPECT_EQ(replay.sink.stale, 0u);
  EXPECT_EQ(replay.snapshot_requests, 1);
  EXPECT_EQ(replay.md.book_state(id), core::BookState::kLive);
}

TEST(BinanceReplayFixture, UsdmHftbacktestFuturesRule) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_usdm/btcusdt_20240808.gz");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  core::SymbolRegistry registry;
  const auto id = registry.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  Replay replay(core::Venue::kBinanceUsdm, registry);
  replay.Run(capture->records());
  const auto& c = replay.md.counters();
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.depth, 6551u);
  EXPECT_EQ(c.book_ticker, 66089u);
  EXPECT_EQ(c.trade, 21313u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.diffs_applied, 6547u);
  EXPECT_EQ(c.diffs_applied + c.diffs_dropped_old, 6551u);
  EXPECT_EQ(replay.md.book_state(id), core::BookState::kLive);
}

void ReplayCryptofeed(core::Venue venue, const char* ws, const char* http,
                      const std::vector<std::pair<const char*, const char*>>& pairs) {
  TRADINGD_REQUIRE_FIXTURE(ws_path, ws);
  TRADINGD_REQUIRE_FIXTURE(http_path, http);
  const std::array<std::filesystem::path, 2> files{ws_path, http_path};
  auto capture = LoadCapture(files);
  ASSERT_TRUE(capture.ok());
  core::SymbolRegistry registry;
  for (const auto& [base, quote] : pairs) ASSERT_TRUE(registry.Add(venue, base, quote).ok());
  Replay replay(venue, registry);
  replay.Run(capture->records());
  const auto& c = replay.md.counters();
  EXPECT_EQ(c.parse_errors, 0u);
  EXPECT_EQ(c.unknown_symbol, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.snapshots, pairs.size());
  EXPECT_EQ(c.went_live, pairs.size());
  EXPECT_GT(c.diffs_applied, 0u);
  EXPECT_EQ(replay.sink.stale, 0u);
  for (const core::Instrument* instrument : registry.All()) {
    EXPECT_EQ(replay.md.book_state(instrument->id), core::BookState::kLive)
        << instrument->venue_symbol;
  }
  std::printf("[ replay   ] %s: depth %llu applied %llu dropped %llu\n", ws,
              static_cast<unsigned long long>(c.depth),
              static_cast<unsigned long long>(c.diffs_applied),
              static_cast<unsigned long long>(c.diffs_dropped_old));
}

TEST(BinanceReplayFixture, CryptofeedSpot) {
  ReplayCryptofeed(core::Venue::kBinance, "binance/BINANCE.ws.1.0", "binance/BINANCE.http.0.0",
                   {{"NKN", "USDT"}, {"BLZ", "ETH"}, {"LRC", "BTC"}, {"RUNE", "EUR"}});
}

TEST(BinanceReplayFixture, CryptofeedFutures) {
  ReplayCryptofeed(core::Venue::kBinanceUsdm, "binance/BINANCE_FUTURES.ws.1.0",
                   "binance/BINANCE_FUTURES.http.0.0",
                   {{"SUSHI", "USDT"}, {"AKRO", "USDT"}, {"KEEP", "USDT"}, {"CTK", "USDT"}});
}

TEST(BinanceReplayFixture, ExchangeInfo) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/BINANCE.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  ASSERT_FALSE(capture->records().empty());
  core::SymbolRegistry registry;
  const auto btc = registry.Add(core::Venue::kBinance, "BTC", "USDT").value();
  ASSERT_TRUE(registry.Add(core::Venue::kBinance, "NKN", "USDT").ok());
  BinanceParser parser(core::Venue::kBinance, registry);
  ExchangeInfo info;
  ASSERT_EQ(parser.ParseExchangeInfo(capture->records()[0].payload, &info), ParseError::kOk);
  ASSERT_EQ(info.rules.size(), 2u);
  EXPECT_TRUE(info.errors.empty());
  for (const auto& rules : info.rules) {
    if (rules.instrument != btc) continue;
    EXPECT_EQ(rules.tick_size.mantissa(), 1000000);  // 0.01
    EXPECT_EQ(rules.lot_size.mantissa(), 1000);      // 0.00001
    EXPECT_EQ(rules.status, core::TradingStatus::kTrading);
  }
}

// Not a pass/fail check: prints parse + sequence throughput on the real spot capture (the numbers
// quoted in the feed's documentation come from here, Release build).
TEST(BinanceReplayFixture, SpotThroughput) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  core::SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(core::Venue::kBinance, "BTC", "USDT").ok());
  std::vector<CaptureRecord> depth_only;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind == CaptureKind::kRestResponse ||
        record.payload.find("depthUpdate") != std::string_view::npos) {
      depth_only.push_back(record);
    }
  }
  const std::vector<CaptureRecord>* all = &capture->records();
  for (const std::vector<CaptureRecord>* records : {static_cast<const std::vector<CaptureRecord>*>(&depth_only), all}) {
    Replay replay(core::Venue::kBinance, registry);
    constexpr int kPasses = 20;
    // Thread CPU time, not wall time: the build machine is shared, and a preempted thread would
    // otherwise count other processes' time as ours.
    timespec cpu_start{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_start);
    for (int pass = 0; pass < kPasses; ++pass) {
      replay.md.Reset();
      replay.Run(*records);
    }
    timespec cpu_end{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_end);
    const double seconds = static_cast<double>(cpu_end.tv_sec - cpu_start.tv_sec) +
                           static_cast<double>(cpu_end.tv_nsec - cpu_start.tv_nsec) * 1e-9;
    const auto& c = replay.md.counters();
    EXPECT_EQ(c.gaps, 0u);
    std::printf("[ perf     ] %s: %.0f frames/s, %.0f depth msgs/s (%.3f us/frame), %llu frames\n",
                records == &depth_only ? "depth only" : "all frames", c.frames / seconds,
                c.depth / seconds, seconds * 1e6 / static_cast<double>(c.frames),
                static_cast<unsigned long long>(c.frames));
  }
}

}  // namespace
}  // namespace tradingd::feeds::binance
