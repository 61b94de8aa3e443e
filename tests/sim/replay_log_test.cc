#include "sim/binance/replay_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/support/fixtures.h"

namespace tradingd::sim::binance {
namespace {

TEST(ReplayLogTest, ReadsHftbacktestAndCryptofeedLines) {
  const auto path = std::filesystem::temp_directory_path() / "sim_replay_log_test.txt";
  {
    std::ofstream out(path);
    out << R"(200 {"stream":"btcusdt@trade","data":{"e":"trade","t":1}})"
        << "\n"
        << R"(100 {"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","U":1,"u":2}})"
        << "\n"
        << R"(150 {"lastUpdateId":1,"bids":[],"asks":[]})"
        << "\n"
        << R"(1633998512.5: {"stream":"ethusdt@trade","data":{"t":9}})"
        << "\n"
        << "https://api.binance.com/api/v3/depth?symbol=ETHUSDT&limit=10 -> 1633998512.2: "
        << R"({"lastUpdateId":7,"bids":[],"asks":[]})"
        << "\n"
        << "configuration: {}\n";
  }
  auto log = LoadReplayLog({path.string()}, {"BTCUSDT"});
  std::filesystem::remove(path);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(log->frames.size(), 3u);
  EXPECT_EQ(log->frames[0].stream, "btcusdt@depth@100ms");
  EXPECT_EQ(log->frames[0].Payload(), R"({"e":"depthUpdate","U":1,"u":2})");
  EXPECT_EQ(log->frames[1].time_ns, 200);
  EXPECT_EQ(log->frames[2].time_ns, 1633998512'500000000);
  ASSERT_EQ(log->snapshots.size(), 2u);
  EXPECT_EQ(log->snapshots[0].symbol, "BTCUSDT");
  EXPECT_EQ(log->snapshots[0].next_frame, 1u);
  EXPECT_EQ(log->snapshots[1].symbol, "ETHUSDT");
}

TEST(ReplayLogTest, ReadsTheRecordedSpotCapture) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  auto log = LoadReplayLog({path.string()}, {"BTCUSDT"});
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  std::size_t depth = 0;
  for (const ReplayFrame& frame : log->frames) depth += frame.stream == "btcusdt@depth@100ms";
  EXPECT_EQ(depth, 3451u);
  ASSERT_EQ(log->snapshots.size(), 1u);
  EXPECT_TRUE(log->snapshots[0].body.starts_with(R"({"lastUpdateId":50093239218,)"));
}

TEST(ReplayLogTest, MissingFileIsAnError) {
  EXPECT_FALSE(LoadReplayLog({"/nonexistent/capture.gz"}, {}).ok());
}

}  // namespace
}  // namespace tradingd::sim::binance
