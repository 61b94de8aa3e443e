#include "risk/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/orders.h"
#include "core/venue.h"

namespace tradingd::risk {
namespace {

using std::chrono::milliseconds;
using Kind = RateWindow::Kind;

constexpr std::int64_t kMs = 1'000'000;
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr core::Venue kVenue = core::Venue::kBinance;

RateWindow MakeWindow(Kind kind, std::int64_t limit, milliseconds interval,
                      std::int64_t cancel_reserve = 0, double decay_per_s = 0) {
  RateWindow window;
  window.name = "test";
  window.kind = kind;
  window.limit = limit;
  window.interval = interval;
  window.cancel_reserve = cancel_reserve;
  window.decay_per_s = decay_per_s;
  return window;
}

VenueRateLimits Limits(std::vector<RateWindow> windows,
                       milliseconds default_retry_after = milliseconds(1000)) {
  VenueRateLimits limits;
  limits.windows = std::move(windows);
  limits.default_retry_after = default_retry_after;
  return limits;
}

bool Accepted(RateLimiter& limiter, RequestKind kind, std::int64_t now_ns,
              core::Venue venue = kVenue) {
  return !limiter.TryAcquire(venue, kind, now_ns).has_value();
}

std::int64_t Used(const RateLimiter& limiter, core::Venue venue, std::size_t window,
                  std::int64_t now_ns) {
  return limiter.Budget(venue, now_ns).at(window).used;
}

// --- fixed windows -------------------------------------------------------------------------------

TEST(RateLimiterTest, FixedWindowResetsOnTheIntervalBoundary) {
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kFixedWindow, 10, milliseconds(10'000))}));
  const std::int64_t start = 25 * kSecond;  // halfway through the window [20 s, 30 s)
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, start));
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, start), milliseconds(5000));
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, 30 * kSecond - 1),
            milliseconds(1));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 30 * kSecond));
  EXPECT_EQ(Used(limiter, kVenue, 0, 30 * kSecond), 1);
  // Budget looks ahead without touching the state: the next window is empty.
  EXPECT_EQ(Used(limiter, kVenue, 0, 40 * kSecond), 0);
}

TEST(RateLimiterTest, FixedWindowsFollowTheVenuesWallClockNotOurMonotonicOne) {
  RateLimiter limiter;
  // Monotonic 25 s is wall-clock 29 s: the venue's window [20 s, 30 s) ends 1 s later, not 5 s.
  limiter.AlignToWallClock(4 * kSecond);
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kFixedWindow, 10, milliseconds(10'000))}));
  const std::int64_t start = 25 * kSecond;
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, start));
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, start), milliseconds(1000));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 26 * kSecond));
  // A cool-down is reported back on the caller's (monotonic) clock.
  core::RateLimitReport report;
  report.venue = kVenue;
  report.throttled = true;
  report.retry_after_ms = 3000;
  limiter.OnReport(report, 26 * kSecond);
  EXPECT_EQ(limiter.CoolingDownUntil(kVenue, 26 * kSecond), 29 * kSecond);
}

TEST(RateLimiterTest, AThrottleFillsADecayingCounterSoRequestsResumeAtTheDecayRate) {
  RateLimiter limiter;
  // Kraken: 15 units decaying 1 a second; the venue throttled us while our model saw 2 used.
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kDecaying, 15, milliseconds(1000), 0, 1.0)}));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, 0));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, 0));
  core::RateLimitReport report;
  report.venue = kVenue;
  report.throttled = true;
  report.retry_after_ms = 3000;
  limiter.OnReport(report, kSecond);
  // After the cool-down the venue's counter has decayed by 3: three requests, not thirteen.
  const std::int64_t after = 4 * kSecond;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, after)) << i;
  EXPECT_FALSE(Accepted(limiter, RequestKind::kQueryOrder, after));
}

// A request schedule where every request's fate is checked against a direct count.
struct Request {
  std::int64_t time_ns;
  RequestKind kind;
};
std::vector<Request> RandomSchedule(std::uint32_t seed, int count, std::int64_t max_gap_ns) {
  std::mt19937 random(seed);
  std::uniform_int_distribution<std::int64_t> gap(0, max_gap_ns);
  std::uniform_int_distribution<int> kind(0, 3);
  std::bernoulli_distribution same_instant(0.2);
  std::vector<Request> schedule;
  std::int64_t now = 1 * kSecond;
  for (int i = 0; i < count; ++i) {
    if (!same_instant(random)) now += gap(random);
    schedule.push_back({now, static_cast<RequestKind>(kind(random))});
  }
  return schedule;
}

std::int64_t Cost(const RateWindow& window, RequestKind kind) {
  switch (kind) {
    case RequestKind::kPlaceOrder:
      return window.cost_place;
    case RequestKind::kCancelOrder:
      return window.cost_cancel;
    case RequestKind::kQueryOrder:
      return window.cost_query;
    case RequestKind::kAccount:
      return window.cost_account;
  }
  return 0;
}
std::int64_t Allowance(const RateWindow& window, RequestKind kind) {
  return window.limit - (kind == RequestKind::kCancelOrder ? 0 : window.cancel_reserve);
}

TEST(RateLimiterTest, FixedWindowMatchesADirectCount) {
  RateWindow window = MakeWindow(Kind::kFixedWindow, 25, milliseconds(1000), /*reserve=*/4);
  window.cost_cancel = 2;
  window.cost_query = 3;
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({window}));
  std::vector<Request> accepted;
  int refusals = 0;
  for (const Request& request : RandomSchedule(7, 20000, 40 * kMs)) {
    const std::int64_t index = request.time_ns / (1000 * kMs);
    std::int64_t used = 0;
    for (const Request& earlier : accepted) {
      if (earlier.time_ns / (1000 * kMs) == index) used += Cost(window, earlier.kind);
    }
    const bool expected = used + Cost(window, request.kind) <= Allowance(window, request.kind);
    const bool got = Accepted(limiter, request.kind, request.time_ns);
    ASSERT_EQ(got, expected) << "at " << request.time_ns << " used " << used;
    if (got) {
      accepted.push_back(request);
    } else {
      ++refusals;
    }
    // Keep the direct count cheap: only the current window matters.
    while (!accepted.empty() && accepted.front().time_ns / (1000 * kMs) < index) {
      accepted.erase(accepted.begin());
    }
  }
  EXPECT_GT(refusals, 1000);  // the schedule did press against the limit
}

// --- sliding windows -----------------------------------------------------------------------------

TEST(RateLimiterTest, SlidingWindowNeverAllowsMoreThanTheLimitInAnyInterval) {
  RateWindow window = MakeWindow(Kind::kSlidingWindow, 20, milliseconds(1000), /*reserve=*/3);
  window.cost_cancel = 2;
  window.cost_query = 3;
  const std::int64_t interval = 1000 * kMs;
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({window}));
  std::vector<Request> accepted;
  int refusals = 0;
  for (const Request& request : RandomSchedule(20240601, 20000, 60 * kMs)) {
    // Exactness both ways: accepted exactly when what the closed interval [now - interval, now]
    // already holds plus this request fits the allowance.
    std::int64_t used = 0;
    for (const Request& earlier : accepted) {
      if (request.time_ns - earlier.time_ns <= interval) used += Cost(window, earlier.kind);
    }
    const bool expected = used + Cost(window, request.kind) <= Allowance(window, request.kind);
    const bool got = Accepted(limiter, request.kind, request.time_ns);
    ASSERT_EQ(got, expected) << "at " << request.time_ns << " used " << used;
    if (got) accepted.push_back(request);
    if (!got) ++refusals;
  }
  EXPECT_GT(refusals, 1000);
  // And the guarantee itself: no closed interval of length `interval` holds more than the limit.
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    std::int64_t sum = 0;
    for (std::size_t j = i;
         j < accepted.size() && accepted[j].time_ns - accepted[i].time_ns <= interval; ++j) {
      sum += Cost(window, accepted[j].kind);
    }
    ASSERT_LE(sum, window.limit) << "interval starting at " << accepted[i].time_ns;
  }
}

TEST(RateLimiterTest, SlidingWindowRetryAfterIsWhenTheOldestLeaves) {
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kSlidingWindow, 3, milliseconds(1000))}));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 100 * kMs));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 200 * kMs));
  // The stamp at 0 counts through 1000 ms inclusive: 500 ms + 1 ns to wait, rounded up.
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, 500 * kMs), milliseconds(501));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 1000 * kMs));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 1000 * kMs + 1));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 1000 * kMs + 1));
  EXPECT_EQ(Used(limiter, kVenue, 0, 1000 * kMs + 1), 3);
  EXPECT_EQ(Used(limiter, kVenue, 0, 1200 * kMs + 1), 1);
}

// --- decaying counters ---------------------------------------------------------------------------

TEST(RateLimiterTest, DecayingCounterDecaysFractionally) {
  RateLimiter limiter;
  // Kraken's Starter REST counter: max 15, -0.33/s.
  RateWindow window = MakeWindow(Kind::kDecaying, 15, milliseconds(1000), 0, 0.33);
  limiter.Configure(kVenue, Limits({window}));
  const std::int64_t start = 10 * kSecond;
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, start));
  // One unit decays in 1 / 0.33 s = 3030.30... ms.
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kQueryOrder, start), milliseconds(3031));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kQueryOrder, start + 3030 * kMs));
  EXPECT_EQ(Used(limiter, kVenue, 0, start + 3030 * kMs), 15);  // 14.0001, shown rounded up
  EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, start + 3031 * kMs));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kQueryOrder, start + 3031 * kMs));
  // After a long pause the counter is empty, not negative: 15 again, no more.
  const std::int64_t later = start + 1000 * kSecond;
  EXPECT_EQ(Used(limiter, kVenue, 0, later), 0);
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kAccount, later));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kAccount, later));
}

TEST(RateLimiterTest, CoinbaseTokenBucketAsADecayingCounter) {
  RateLimiter limiter;
  limiter.Configure(core::Venue::kCoinbase, DefaultRateLimits(core::Venue::kCoinbase));
  const core::Venue venue = core::Venue::kCoinbase;
  // Burst 30, of which new orders may take 27 and cancels the last 3.
  for (int i = 0; i < 27; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 0, venue));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  // Refilling at 15 per second: 200 ms later three more.
  EXPECT_EQ(limiter.TryAcquire(venue, RequestKind::kCancelOrder, 0), milliseconds(67));
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 200 * kMs, venue));
  }
  EXPECT_FALSE(Accepted(limiter, RequestKind::kCancelOrder, 200 * kMs, venue));
}

// --- cancel reserve ------------------------------------------------------------------------------

TEST(RateLimiterTest, CancelReserveIsForCancelsOnly) {
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kFixedWindow, 10, milliseconds(60'000), 2)}));
  for (int i = 0; i < 8; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kQueryOrder, 0));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kAccount, 0));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kCancelOrder, 0));
  EXPECT_EQ(Used(limiter, kVenue, 0, 0), 10);
}

TEST(RateLimiterTest, ARefusalTakesNothingFromAnyWindow) {
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({MakeWindow(Kind::kFixedWindow, 100, milliseconds(60'000)),
                                    MakeWindow(Kind::kSlidingWindow, 1, milliseconds(1000)),
                                    MakeWindow(Kind::kDecaying, 50, milliseconds(1000), 0, 1.0)}));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_EQ(Used(limiter, kVenue, 0, 0), 1);
  EXPECT_EQ(Used(limiter, kVenue, 1, 0), 1);
  EXPECT_EQ(Used(limiter, kVenue, 2, 0), 1);
}

TEST(RateLimiterTest, KindsThatCostNothingPassAFullWindow) {
  RateWindow orders = MakeWindow(Kind::kFixedWindow, 1, milliseconds(10'000));
  orders.cost_cancel = 0;
  RateLimiter limiter;
  limiter.Configure(kVenue, Limits({orders}));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0));
}

TEST(RateLimiterTest, AVenueWithoutLimitsIsNeverLimited) {
  RateLimiter limiter;
  for (int i = 0; i < 100000; ++i) {
    ASSERT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0, core::Venue::kKraken));
  }
  EXPECT_TRUE(limiter.Budget(core::Venue::kKraken, 0).empty());
}

// --- the venue's own counters --------------------------------------------------------------------

TEST(RateLimiterTest, BinanceUsedWeightRaisesOurCount) {
  RateLimiter limiter;
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  const std::int64_t now = 61 * kSecond;
  core::RateLimitReport report;
  report.venue = kVenue;
  report.used_weight = 5400;  // others on our IP: at the new-order cap (6000 - 600 reserve)
  limiter.OnReport(report, now);
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, now), milliseconds(59'000));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, now));  // the reserve
  EXPECT_EQ(Used(limiter, kVenue, 0, now), 5401);
  // A lower count is ignored: it may not include our requests in flight.
  report.used_weight = 10;
  limiter.OnReport(report, now);
  EXPECT_EQ(Used(limiter, kVenue, 0, now), 5401);
  // The next minute starts afresh.
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 120 * kSecond));
  EXPECT_EQ(Used(limiter, kVenue, 0, 120 * kSecond), 1);
}

TEST(RateLimiterTest, BinanceOrderCountsRaiseOurCount) {
  RateLimiter limiter;
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  const std::int64_t now = 14 * kSecond;
  core::RateLimitReport report;
  report.venue = kVenue;
  report.orders_short_window = 50;
  limiter.OnReport(report, now);
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, now), milliseconds(6000));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, now));  // cancels are not orders
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 20 * kSecond));

  report.orders_short_window = -1;
  report.orders_day = 160000;
  limiter.OnReport(report, 20 * kSecond);
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kPlaceOrder, 20 * kSecond),
            milliseconds(86'400'000 - 20'000));
}

TEST(RateLimiterTest, BybitStatusIsTrusted) {
  const core::Venue venue = core::Venue::kBybit;
  RateLimiter limiter;
  limiter.Configure(venue, DefaultRateLimits(venue));
  const std::int64_t now = 5 * kSecond;
  const std::int64_t wall = 1'700'000'000'000 * kMs;  // the venue's clock, unrelated to ours
  core::RateLimitReport report;
  report.venue = venue;
  report.limit = 20;
  report.remaining = 0;
  report.time_ns = wall;
  report.reset_ns = wall + 400 * kMs;
  limiter.OnReport(report, now);
  EXPECT_EQ(limiter.TryAcquire(venue, RequestKind::kPlaceOrder, now), milliseconds(401));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, now, venue));  // its own endpoint
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, now + 400 * kMs, venue));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, now + 400 * kMs + 1, venue));

  // Not exceeded: the reset is "now", so the venue's count is kept a whole window. Its limit (our
  // tier) replaces ours.
  const std::int64_t later = 10 * kSecond;
  report.limit = 40;
  report.remaining = 25;
  report.reset_ns = wall;
  limiter.OnReport(report, later);
  const std::vector<RateBudget> budget = limiter.Budget(venue, later);
  EXPECT_EQ(budget[0].limit, 40);
  EXPECT_EQ(budget[0].used, 15);
  for (int i = 0; i < 25; ++i)
    EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, later, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, later, venue));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, later + 1000 * kMs + 1, venue));
}

// --- cool-down -----------------------------------------------------------------------------------

TEST(RateLimiterTest, ThrottledCoolsDownForRetryAfter) {
  RateLimiter limiter;
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  const std::int64_t now = 3 * kSecond;
  core::RateLimitReport report;
  report.venue = kVenue;
  report.throttled = true;
  report.retry_after_ms = 1500;
  limiter.OnReport(report, now);
  EXPECT_EQ(limiter.CoolingDownUntil(kVenue, now), now + 1500 * kMs);
  for (RequestKind kind : {RequestKind::kPlaceOrder, RequestKind::kCancelOrder,
                           RequestKind::kQueryOrder, RequestKind::kAccount}) {
    EXPECT_EQ(limiter.TryAcquire(kVenue, kind, now + 1000 * kMs), milliseconds(500));
  }
  // A later, shorter answer does not shorten the wait.
  report.retry_after_ms = 100;
  limiter.OnReport(report, now + 1000 * kMs);
  EXPECT_EQ(limiter.CoolingDownUntil(kVenue, now + 1000 * kMs), now + 1500 * kMs);
  EXPECT_EQ(limiter.CoolingDownUntil(kVenue, now + 1500 * kMs), std::nullopt);
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, now + 1500 * kMs));
  // Nothing was taken during the cool-down.
  EXPECT_EQ(Used(limiter, kVenue, 0, now + 1500 * kMs), 1);
}

TEST(RateLimiterTest, ThrottledWithoutRetryAfterUsesTheVenueDefault) {
  RateLimiter limiter;
  limiter.Configure(core::Venue::kOkx, DefaultRateLimits(core::Venue::kOkx));
  core::RateLimitReport report;
  report.venue = core::Venue::kOkx;
  report.throttled = true;
  limiter.OnReport(report, 0);
  EXPECT_EQ(limiter.TryAcquire(core::Venue::kOkx, RequestKind::kCancelOrder, 0),
            milliseconds(2000));
  EXPECT_EQ(limiter.CoolingDownUntil(core::Venue::kOkx, 0), 2000 * kMs);
}

TEST(RateLimiterTest, BannedCoolsDownAndSurvivesReconfiguring) {
  RateLimiter limiter;
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  core::RateLimitReport report;
  report.venue = kVenue;
  report.banned = true;
  report.retry_after_ms = 120'000;
  limiter.OnReport(report, 0);
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  EXPECT_EQ(limiter.TryAcquire(kVenue, RequestKind::kCancelOrder, 60 * kSecond),
            milliseconds(60'000));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 120 * kSecond));
}

TEST(RateLimiterTest, CoolDownAppliesToAnUnconfiguredVenue) {
  RateLimiter limiter;
  core::RateLimitReport report;
  report.venue = core::Venue::kKraken;
  report.throttled = true;
  limiter.OnReport(report, 0);
  EXPECT_EQ(limiter.TryAcquire(core::Venue::kKraken, RequestKind::kPlaceOrder, 0),
            milliseconds(1000));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 1000 * kMs, core::Venue::kKraken));
}

// --- status and defaults -------------------------------------------------------------------------

TEST(RateLimiterTest, BudgetNamesEveryWindow) {
  RateLimiter limiter;
  limiter.Configure(kVenue, DefaultRateLimits(kVenue));
  ASSERT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0));
  ASSERT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, 0));
  ASSERT_TRUE(Accepted(limiter, RequestKind::kAccount, 0));
  ASSERT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0));
  const std::vector<RateBudget> budget = limiter.Budget(kVenue, 0);
  ASSERT_EQ(budget.size(), 3u);
  EXPECT_EQ(budget[0].window, "REQUEST_WEIGHT 1m");
  EXPECT_EQ(budget[0].used, 1 + 4 + 20 + 1);
  EXPECT_EQ(budget[0].limit, 6000);
  EXPECT_EQ(budget[1].window, "ORDERS 10s");
  EXPECT_EQ(budget[1].used, 1);
  EXPECT_EQ(budget[1].limit, 50);
  EXPECT_EQ(budget[2].window, "ORDERS 1d");
  EXPECT_EQ(budget[2].used, 1);
  EXPECT_EQ(budget[2].limit, 160000);
}

TEST(RateLimiterTest, DefaultLimitsCoverOrderEntryOnEveryVenue) {
  for (int i = 0; i < core::kVenueCount; ++i) {
    const core::Venue venue = static_cast<core::Venue>(i);
    const VenueRateLimits limits = DefaultRateLimits(venue);
    SCOPED_TRACE(std::string(core::VenueName(venue)));
    ASSERT_FALSE(limits.windows.empty());
    bool places = false;
    bool cancels = false;
    for (const RateWindow& window : limits.windows) {
      EXPECT_FALSE(window.name.empty());
      EXPECT_GT(window.limit, 0);
      EXPECT_GE(window.cancel_reserve, 0);
      EXPECT_LT(window.cancel_reserve, window.limit);
      EXPECT_GT(window.interval.count(), 0);
      if (window.kind == Kind::kDecaying) {
        EXPECT_GT(window.decay_per_s, 0);
      }
      places = places || window.cost_place > 0;
      cancels = cancels || window.cost_cancel > 0;
    }
    EXPECT_TRUE(places);
    EXPECT_TRUE(cancels);
    EXPECT_GT(limits.default_retry_after.count(), 0);
    // A venue's defaults let at least one order and one cancel through.
    RateLimiter limiter;
    limiter.Configure(venue, limits);
    EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0, venue));
    EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  }
}

TEST(RateLimiterTest, KrakenCancelsCostTheWorstCase) {
  const core::Venue venue = core::Venue::kKraken;
  RateLimiter limiter;
  limiter.Configure(venue, DefaultRateLimits(venue));
  // Trading counter 60, reserve 16: 44 orders, then two young cancels of 8 each.
  for (int i = 0; i < 44; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kPlaceOrder, 0, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kPlaceOrder, 0, venue));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  EXPECT_TRUE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kCancelOrder, 0, venue));
  // Orders and cancels cost nothing on the REST counter; queries do.
  EXPECT_EQ(limiter.Budget(venue, 0)[0].used, 0);
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(Accepted(limiter, RequestKind::kQueryOrder, 0, venue));
  EXPECT_FALSE(Accepted(limiter, RequestKind::kQueryOrder, 0, venue));
}

}  // namespace
}  // namespace tradingd::risk
