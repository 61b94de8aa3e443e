// FeedHealth and Backoff: what BinanceFeed and VenueFeed report of their connection.

#include "feeds/common/feed_health.h"

#include <gtest/gtest.h>

#include "tests/feeds/feeds_test_util.h"

namespace tradingd::feeds {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTest, DoublesFromTheMinimumUpToTheMaximum) {
  EXPECT_EQ(Backoff(0, 100ms, 1000ms), 0ms);
  EXPECT_EQ(Backoff(1, 100ms, 1000ms), 100ms);
  EXPECT_EQ(Backoff(2, 100ms, 1000ms), 200ms);
  EXPECT_EQ(Backoff(4, 100ms, 1000ms), 800ms);
  EXPECT_EQ(Backoff(5, 100ms, 1000ms), 1000ms);
  EXPECT_EQ(Backoff(4'000'000'000u, 100ms, 1000ms), 1000ms);  // no overflow, however many
}

TEST(FeedHealthTest, StatusCarriesTheLastErrorAndTheCallersCounters) {
  core::ManualClock clock(1'000);
  FeedHealth health(core::Venue::kOkx, clock);
  core::FeedStatus status = health.Status(core::ConnectionState::kConnecting, 0, 0, 0, 0);
  EXPECT_EQ(status.venue, core::Venue::kOkx);
  EXPECT_EQ(status.last_error_ns, 0);

  clock.Set(5'000);
  health.OnClosed(/*was_connected=*/true, net::CloseReason::kSilence, "no message for 400 ms");
  EXPECT_EQ(health.last_error(), "disconnected: silence (no message for 400 ms)");
  status = health.Status(core::ConnectionState::kConnected, 3, 10, 2, 1);
  EXPECT_EQ(status.connects, 3u);
  EXPECT_EQ(status.frames, 10u);
  EXPECT_EQ(status.parse_errors, 2u);
  EXPECT_EQ(status.queue_drops, 1u);
  EXPECT_EQ(status.last_error_ns, 5'000);
  EXPECT_EQ(status.last_error_text(), health.last_error());

  // A stop is not an error.
  health.OnClosed(true, net::CloseReason::kStopped, "");
  EXPECT_EQ(health.last_error(), "disconnected: silence (no message for 400 ms)");
  health.OnClosed(false, net::CloseReason::kConnectFailed, "refused");
  EXPECT_EQ(health.last_error(), "cannot connect: connect_failed (refused)");
}

TEST(FeedHealthTest, RulesRefusedByAFullQueueStayOwedUntilTheyGoOut) {
  core::ManualClock clock;
  FeedHealth health(core::Venue::kKraken, clock);
  std::vector<core::InstrumentRules> rules(3);
  for (std::size_t i = 0; i < rules.size(); ++i) rules[i].instrument = static_cast<core::InstrumentId>(i);
  health.SetRules(rules);
  testing::RecordingSink sink;
  sink.refuse_after = 1;
  health.FlushRules(sink);
  EXPECT_TRUE(health.rules_owed());
  ASSERT_EQ(sink.Of<core::InstrumentRules>().size(), 1u);
  sink.refuse_after = -1;
  health.FlushRules(sink);
  EXPECT_FALSE(health.rules_owed());
  const auto sent = sink.Of<core::InstrumentRules>();
  ASSERT_EQ(sent.size(), 3u);
  for (std::size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i].instrument, i);  // in order
}

TEST(FeedHealthTest, BooksOfASilentConnectionGoStaleForSilence) {
  EXPECT_EQ(BookReasonOf(net::CloseReason::kSilence), core::BookReason::kSilence);
  EXPECT_EQ(BookReasonOf(net::CloseReason::kPeerClosed), core::BookReason::kDisconnected);
  EXPECT_EQ(BookReasonOf(net::CloseReason::kError), core::BookReason::kDisconnected);
}

}  // namespace
}  // namespace tradingd::feeds
