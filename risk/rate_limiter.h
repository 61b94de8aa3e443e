#pragma once
// Per-venue models of the venues' published request limits, so that a burst is refused here with
// RATE_LIMITED before the venue answers 429 (and, continued, bans the IP: Binance's 418).
//
// Each venue's limits are a set of windows (a fixed count per interval, or Kraken's decaying
// counter); a request costs a weight in each window that applies to it. The model is corrected
// from what the venue reports (Binance X-MBX-USED-WEIGHT-1M / X-MBX-ORDER-COUNT-10S, Bybit
// X-Bapi-Limit-Status) and, after a 429 or 418, the whole venue cools down until its Retry-After
// has passed. New orders stop short of each limit by a reserve that only cancels may use, so that
// we can always take risk off.
//
// Thread contract: one owning thread (the engine thread); not thread-safe. Time is an argument
// (monotonic nanoseconds).

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/orders.h"
#include "core/venue.h"

namespace tradingd::risk {

enum class RequestKind : std::uint8_t { kPlaceOrder, kCancelOrder, kQueryOrder, kAccount };

// One published limit.
struct RateWindow {
  enum class Kind : std::uint8_t {
    kFixedWindow,    // `limit` units per `interval`, counted in windows aligned to the interval
                     // (Binance's weight per minute and orders per 10 s)
    kSlidingWindow,  // `limit` units within any `interval` (OKX, Bybit, Coinbase per-second limits)
    kDecaying,       // Kraken: a counter that may not exceed `limit` and decays by `decay_per_s`
  };
  std::string name;  // "REQUEST_WEIGHT 1m", shown on /status
  Kind kind = Kind::kSlidingWindow;
  std::int64_t limit = 0;
  std::chrono::milliseconds interval{1000};
  double decay_per_s = 0;  // kDecaying only
  // Cost per request kind in this window (0: the kind does not count here).
  std::int64_t cost_place = 1;
  std::int64_t cost_cancel = 1;
  std::int64_t cost_query = 1;
  std::int64_t cost_account = 1;
  // Units kept back from new orders for cancels.
  std::int64_t cancel_reserve = 0;
};

struct VenueRateLimits {
  std::vector<RateWindow> windows;
  // Cool-down after a 429 without Retry-After.
  std::chrono::milliseconds default_retry_after{1000};
};

// The published limits of each venue (see rate_limiter.cc for the sources), before the config's
// overrides.
VenueRateLimits DefaultRateLimits(core::Venue venue);

struct RateBudget {  // for /status
  std::string window;
  std::int64_t used = 0;
  std::int64_t limit = 0;
};

class RateLimiter {
 public:
  void Configure(core::Venue venue, VenueRateLimits limits);
  // Fixed windows are counted by the venue on its wall clock (Binance's minute, 10 s and UTC day);
  // callers pass monotonic time, so the limiter shifts it by wall − monotonic, taken once at start,
  // to line its windows up with the venue's. Sliding and decaying windows only see differences.
  void AlignToWallClock(std::int64_t wall_minus_monotonic_ns) {
    clock_offset_ns_ = wall_minus_monotonic_ns;
  }

  // Takes the request's cost from every window of `venue`, or refuses it (nothing taken) and says
  // how long to wait. A venue without configured limits is limited only by a cool-down it asked
  // for (OnReport).
  std::optional<std::chrono::milliseconds> TryAcquire(core::Venue venue, RequestKind kind,
                                                      std::int64_t now_ns);
  // Corrects the model from the venue's own counters and applies a cool-down it asked for
  // (throttled or banned: every request kind waits until now + retry_after_ms, or the venue's
  // default_retry_after when the venue gave none). A venue's count only ever raises ours: a lower
  // one may just not include our requests still in flight. used_weight corrects the fixed 1-minute
  // window that counts more than orders, orders_short_window the fixed 10 s order window,
  // orders_day the fixed 1-day order window; Bybit's remaining/limit/reset_ns correct the first
  // sliding window that counts orders (the report names no endpoint: gateways send Bybit's
  // headers from order-creation answers), and its limit replaces ours.
  void OnReport(const core::RateLimitReport& report, std::int64_t now_ns);
  // Whether the venue is cooling down (after a 429/418) and until when.
  std::optional<std::int64_t> CoolingDownUntil(core::Venue venue, std::int64_t now_ns) const;

  std::vector<RateBudget> Budget(core::Venue venue, std::int64_t now_ns) const;

 private:
  // One request (or the venue's correction) still inside a sliding window.
  struct Stamp {
    std::int64_t time_ns = 0;
    std::int64_t cost = 0;
  };
  // The state of one window; which fields are used depends on config.kind (see rate_limiter.cc).
  struct WindowState {
    RateWindow config;
    // kFixedWindow: the index of the current window (now / interval) and what it has used.
    std::int64_t window_index = 0;
    std::int64_t used = 0;
    // kSlidingWindow: a ring of stamps, oldest first, sized at Configure so that TryAcquire does
    // not allocate; `ring_used` is the sum of their costs.
    std::vector<Stamp> ring;
    std::size_t ring_head = 0;
    std::size_t ring_size = 0;
    std::int64_t ring_used = 0;
    // kDecaying: the venue's counter as of `decayed_at_ns`.
    double counter = 0;
    std::int64_t decayed_at_ns = 0;
  };
  struct VenueState {
    bool configured = false;
    std::chrono::milliseconds default_retry_after{1000};
    std::vector<WindowState> windows;
    // No request before this (monotonic ns) after a 429/418; 0: not cooling down.
    std::int64_t cooling_until_ns = 0;
    // The windows the venue's own counters describe (-1: none), found at Configure.
    int weight_window = -1;        // fixed, 1 minute, counts more than orders
    int orders_short_window = -1;  // fixed, 10 s, counts orders
    int orders_day_window = -1;    // fixed, 1 day, counts orders
    int venue_status_window = -1;  // sliding, counts orders: Bybit's X-Bapi-Limit-Status
  };
  std::array<VenueState, core::kVenueCount> venues_;
  std::int64_t clock_offset_ns_ = 0;  // wall − monotonic: see AlignToWallClock
};

}  // namespace tradingd::risk
