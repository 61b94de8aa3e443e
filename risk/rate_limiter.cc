#include "risk/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace tradingd::risk {
namespace {

using std::chrono::milliseconds;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Floating-point slack for the decaying counter, so that a counter decayed to exactly the bound
// (14.999999999 instead of 15) does not refuse a request the venue would take.
constexpr double kDecayEpsilon = 1e-9;
// A sliding window's ring starts at most this large; a larger configured limit grows it on demand.
constexpr std::int64_t kMaxInitialRing = 1 << 16;

std::int64_t CostOf(const RateWindow& window, RequestKind kind) {
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

// Only cancels may use the reserve: it is there so that we can always take risk off, and a flood
// of queries must not eat it any more than new orders may.
std::int64_t EffectiveLimit(const RateWindow& window, RequestKind kind) {
  const std::int64_t reserve = kind == RequestKind::kCancelOrder ? 0 : window.cancel_reserve;
  return std::max<std::int64_t>(0, window.limit - std::max<std::int64_t>(0, reserve));
}

std::int64_t IntervalNs(const RateWindow& window) {
  return std::max<std::int64_t>(1, window.interval.count()) * kNsPerMs;
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// A wait in whole milliseconds, rounded up, and never zero: "retry after 0 ms" would invite a
// client to hammer us.
milliseconds CeilMs(std::int64_t ns) {
  return milliseconds(std::max<std::int64_t>(1, (ns + kNsPerMs - 1) / kNsPerMs));
}

RateWindow MakeWindow(std::string name, RateWindow::Kind kind, std::int64_t limit,
                      milliseconds interval, std::int64_t cost_place, std::int64_t cost_cancel,
                      std::int64_t cost_query, std::int64_t cost_account,
                      std::int64_t cancel_reserve = 0, double decay_per_s = 0) {
  RateWindow window;
  window.name = std::move(name);
  window.kind = kind;
  window.limit = limit;
  window.interval = interval;
  window.decay_per_s = decay_per_s;
  window.cost_place = cost_place;
  window.cost_cancel = cost_cancel;
  window.cost_query = cost_query;
  window.cost_account = cost_account;
  window.cancel_reserve = cancel_reserve;
  return window;
}

}  // namespace

// The venues' published limits for spot order entry over REST, as of the documentation cited for
// each. Where a venue counts per instrument or per endpoint we keep one counter per venue (the
// sum of all instruments): stricter than the venue, never looser. The config may override any of
// it (e.g. a higher VIP tier).
VenueRateLimits DefaultRateLimits(core::Venue venue) {
  using Kind = RateWindow::Kind;
  VenueRateLimits limits;
  switch (venue) {
    case core::Venue::kBinance:
      // https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits and the Binance
      // API FAQ https://www.binance.com/en/support/faq/360004492232 (updated 2024-11-15): 6,000
      // request weight per minute per IP, 50 orders per 10 s and 160,000 orders per 24 h per
      // account (exchangeInfo's rateLimits is authoritative; older docs said 1,200 weight and
      // 100/10 s, 200,000/day). Weights: POST/DELETE /api/v3/order 1, GET /api/v3/order 4,
      // GET /api/v3/account 20. Only new orders count as ORDERS; cancels do not.
      // Binance aligns the windows to wall-clock minutes and UTC days; ours are aligned to the
      // monotonic clock's epoch, and the X-MBX-* headers correct the difference (OnReport).
      limits.windows = {
          MakeWindow("REQUEST_WEIGHT 1m", Kind::kFixedWindow, 6000, std::chrono::minutes(1), 1, 1,
                     4, 20, /*cancel_reserve=*/600),
          MakeWindow("ORDERS 10s", Kind::kFixedWindow, 50, std::chrono::seconds(10), 1, 0, 0, 0),
          MakeWindow("ORDERS 1d", Kind::kFixedWindow, 160000, std::chrono::hours(24), 1, 0, 0, 0),
      };
      limits.default_retry_after = milliseconds(1000);
      break;
    case core::Venue::kBinanceUsdm:
      // https://www.binance.com/en/support/faq/281596e222414cdd9051664ea621cdc3 (Rate Limits on
      // Binance Futures, updated 2024-12-27): 2,400 request weight per minute per IP, 1,200 orders
      // per minute and 300 per 10 s per account. POST /fapi/v1/order: 1 on the 10 s and 1 m order
      // counts, 0 IP weight; DELETE /fapi/v1/order 1, GET /fapi/v1/order 1, GET /fapi/v3/account 5.
      limits.windows = {
          MakeWindow("REQUEST_WEIGHT 1m", Kind::kFixedWindow, 2400, std::chrono::minutes(1), 0, 1,
                     1, 5,
                     /*cancel_reserve=*/240),
          MakeWindow("ORDERS 10s", Kind::kFixedWindow, 300, std::chrono::seconds(10), 1, 0, 0, 0),
          MakeWindow("ORDERS 1m", Kind::kFixedWindow, 1200, std::chrono::minutes(1), 1, 0, 0, 0),
      };
      limits.default_retry_after = milliseconds(1000);
      break;
    case core::Venue::kOkx:
      // https://www.okx.com/docs-v5/en/#order-book-trading-trade-post-place-order: place order 60
      // requests per 2 s, cancel order 60 per 2 s, order details 60 per 2 s, each per User ID +
      // Instrument ID (modelled per venue: stricter); GET /api/v5/account/balance 10 per 2 s.
      // Place and cancel are separate endpoints with separate limits, so no cancel reserve is
      // needed. A throttled answer (code 50011) carries no Retry-After: wait one window.
      limits.windows = {
          MakeWindow("place order 2s", Kind::kSlidingWindow, 60, milliseconds(2000), 1, 0, 0, 0),
          MakeWindow("cancel order 2s", Kind::kSlidingWindow, 60, milliseconds(2000), 0, 1, 0, 0),
          MakeWindow("order details 2s", Kind::kSlidingWindow, 60, milliseconds(2000), 0, 0, 1, 0),
          MakeWindow("balance 2s", Kind::kSlidingWindow, 10, milliseconds(2000), 0, 0, 0, 1),
      };
      limits.default_retry_after = milliseconds(2000);
      break;
    case core::Venue::kBybit:
      // https://bybit-exchange.github.io/docs/v5/rate-limit (rolling 1 s window per UID and
      // endpoint) and .../rate-limit/rules-for-vips (default spot 20/s): POST /v5/order/create
      // spot 20/s, POST /v5/order/cancel spot 20/s, GET /v5/order/realtime 50/s,
      // GET /v5/account/wallet-balance 50/s. X-Bapi-Limit-Status corrects the order window.
      limits.windows = {
          MakeWindow("create order 1s", Kind::kSlidingWindow, 20, milliseconds(1000), 1, 0, 0, 0),
          MakeWindow("cancel order 1s", Kind::kSlidingWindow, 20, milliseconds(1000), 0, 1, 0, 0),
          MakeWindow("order realtime 1s", Kind::kSlidingWindow, 50, milliseconds(1000), 0, 0, 1, 0),
          MakeWindow("wallet balance 1s", Kind::kSlidingWindow, 50, milliseconds(1000), 0, 0, 0, 1),
      };
      limits.default_retry_after = milliseconds(1000);
      break;
    case core::Venue::kKraken:
      // https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits: the REST call counter, max
      // 15 decaying 0.33/s for the Starter tier; every private call costs 1 except AddOrder and
      // CancelOrder, which cost nothing there and count on the matching engine's counter instead.
      // https://docs.kraken.com/api/docs/guides/spot-ratelimits: that trading counter is per pair,
      // threshold 60 decaying 1/s for Starter (125 and 2.34/s Intermediate, 180 and 3.75/s Pro);
      // AddOrder +1, CancelOrder +8 for an order younger than 5 s down to 0 after 300 s. We do not
      // know an order's age here, so a cancel costs the worst case 8, and the counter is kept per
      // venue rather than per pair (stricter). The reserve leaves room for two young cancels.
      limits.windows = {
          MakeWindow("REST counter", Kind::kDecaying, 15, milliseconds(1000), 0, 0, 1, 1, 0, 0.33),
          MakeWindow("trading counter", Kind::kDecaying, 60, milliseconds(1000), 1, 8, 0, 0,
                     /*cancel_reserve=*/16, 1.0),
      };
      // "Calls will be restricted for a few seconds": a unit of the REST counter decays in 3 s.
      limits.default_retry_after = milliseconds(3000);
      break;
    case core::Venue::kCoinbase:
      // Coinbase Exchange (api.exchange.coinbase.com, the default REST host of our Coinbase
      // config): https://docs.cdp.coinbase.com/exchange/rest-api/rate-limits: private endpoints
      // 15 requests per second per profile, bursts up to 30, as a lazy-fill token bucket. A token
      // bucket of burst B refilling at R/s is exactly a counter capped at B decaying at R/s, so
      // it is modelled as one. (Advanced Trade, api.coinbase.com, allows 30 requests per second
      // per user: configure a 30/1 s sliding window for it.)
      limits.windows = {
          MakeWindow("private 15/s burst 30", Kind::kDecaying, 30, milliseconds(1000), 1, 1, 1, 1,
                     /*cancel_reserve=*/3, 15.0),
      };
      limits.default_retry_after = milliseconds(1000);
      break;
  }
  return limits;
}

void RateLimiter::Configure(core::Venue venue, VenueRateLimits limits) {
  VenueState& state = venues_[static_cast<std::size_t>(venue)];
  // A new configuration replaces the model, not the venue's standing order to wait.
  const std::int64_t cooling_until_ns = state.cooling_until_ns;
  state = VenueState();
  state.cooling_until_ns = cooling_until_ns;
  state.configured = true;
  state.default_retry_after = limits.default_retry_after;
  state.windows.reserve(limits.windows.size());
  for (RateWindow& config : limits.windows) {
    WindowState window;
    window.config = std::move(config);
    window.window_index = std::numeric_limits<std::int64_t>::min();
    if (window.config.kind == RateWindow::Kind::kSlidingWindow) {
      // Every stamp costs at least 1 and they sum to at most the limit, so `limit` stamps are
      // enough; the ring is allocated here and TryAcquire never grows it in practice.
      const std::int64_t capacity =
          std::clamp<std::int64_t>(window.config.limit + 1, 2, kMaxInitialRing);
      window.ring.resize(static_cast<std::size_t>(capacity));
    }
    state.windows.push_back(std::move(window));
  }
  // The windows the venues' own counters describe, found by shape rather than by name so that a
  // config override that renames a window keeps its correction.
  constexpr std::int64_t kMinuteMs = 60'000;
  constexpr std::int64_t kTenSecondsMs = 10'000;
  constexpr std::int64_t kDayMs = 86'400'000;
  for (std::size_t i = 0; i < state.windows.size(); ++i) {
    const RateWindow& c = state.windows[i].config;
    const int index = static_cast<int>(i);
    const bool orders = c.cost_place > 0;
    const bool more_than_orders = c.cost_cancel > 0 || c.cost_query > 0 || c.cost_account > 0;
    if (c.kind == RateWindow::Kind::kFixedWindow) {
      if (c.interval.count() == kMinuteMs && more_than_orders && state.weight_window < 0) {
        state.weight_window = index;
      } else if (c.interval.count() == kTenSecondsMs && orders && state.orders_short_window < 0) {
        state.orders_short_window = index;
      } else if (c.interval.count() == kDayMs && orders && state.orders_day_window < 0) {
        state.orders_day_window = index;
      }
    } else if (c.kind == RateWindow::Kind::kSlidingWindow && orders &&
               state.venue_status_window < 0) {
      state.venue_status_window = index;
    }
  }
}

namespace {

// The helpers below are templates only because WindowState is private to RateLimiter: they take
// it by deduction instead of by name.

// --- fixed windows -------------------------------------------------------------------------------

template <typename Window>
void RollFixed(Window& window, std::int64_t now_ns) {
  const std::int64_t index = FloorDiv(now_ns, IntervalNs(window.config));
  // A clock that steps back (it should not: it is monotonic) keeps the current count.
  if (index > window.window_index) {
    window.window_index = index;
    window.used = 0;
  }
}

// --- sliding windows -----------------------------------------------------------------------------
// A stamp counts while now - time <= interval: any closed interval of that length then holds at
// most `limit` units, which is stricter than the venue's half-open one by a nanosecond.

template <typename Window>
auto& StampAt(Window& window, std::size_t i) {
  return window.ring[(window.ring_head + i) % window.ring.size()];
}

template <typename Window>
void ExpireSliding(Window& window, std::int64_t now_ns) {
  const std::int64_t interval = IntervalNs(window.config);
  while (window.ring_size > 0) {
    const auto& oldest = StampAt(window, 0);
    if (now_ns - oldest.time_ns <= interval) break;
    window.ring_used -= oldest.cost;
    window.ring_head = (window.ring_head + 1) % window.ring.size();
    --window.ring_size;
  }
}

template <typename Window>
void GrowRing(Window& window, std::size_t capacity) {
  if (capacity <= window.ring.size()) return;
  std::vector<std::decay_t<decltype(window.ring[0])>> grown(capacity);
  for (std::size_t i = 0; i < window.ring_size; ++i) grown[i] = StampAt(window, i);
  window.ring = std::move(grown);
  window.ring_head = 0;
}

template <typename Window>
void PushStamp(Window& window, std::int64_t time_ns, std::int64_t cost) {
  if (window.ring_size > 0) {
    auto& newest = StampAt(window, window.ring_size - 1);
    if (newest.time_ns == time_ns) {  // same instant: one stamp
      newest.cost += cost;
      window.ring_used += cost;
      return;
    }
  }
  if (window.ring_size == window.ring.size()) GrowRing(window, window.ring.size() * 2);
  auto& slot = StampAt(window, window.ring_size);
  slot.time_ns = time_ns;
  slot.cost = cost;
  ++window.ring_size;
  window.ring_used += cost;
}

// Inserts a stamp at its place in time order (the venue's correction may date from before our
// newest stamp). Not on the order path: only OnReport calls it.
template <typename Window>
void InsertStamp(Window& window, std::int64_t time_ns, std::int64_t cost) {
  if (window.ring_size == window.ring.size()) GrowRing(window, window.ring.size() * 2);
  std::size_t position = window.ring_size;
  while (position > 0 && StampAt(window, position - 1).time_ns > time_ns) {
    StampAt(window, position) = StampAt(window, position - 1);
    --position;
  }
  auto& slot = StampAt(window, position);
  slot.time_ns = time_ns;
  slot.cost = cost;
  ++window.ring_size;
  window.ring_used += cost;
}

// --- decaying counters ---------------------------------------------------------------------------

template <typename Window>
void Decay(Window& window, std::int64_t now_ns) {
  if (window.counter <= 0) {
    window.counter = 0;
    window.decayed_at_ns = now_ns;
    return;
  }
  if (now_ns <= window.decayed_at_ns) return;
  const double elapsed_s =
      static_cast<double>(now_ns - window.decayed_at_ns) / static_cast<double>(kNsPerSecond);
  window.counter = std::max(0.0, window.counter - window.config.decay_per_s * elapsed_s);
  window.decayed_at_ns = now_ns;
}

// Brings the window to `now_ns` and returns how long (ns) a request of `kind` must wait before it
// fits, 0 if it fits now. Nothing is taken.
template <typename Window>
std::int64_t WaitNs(Window& window, RequestKind kind, std::int64_t now_ns,
                    std::chrono::milliseconds default_retry_after) {
  const RateWindow& config = window.config;
  const std::int64_t cost = CostOf(config, kind);
  if (cost <= 0) return 0;
  const std::int64_t limit = EffectiveLimit(config, kind);
  const std::int64_t interval = IntervalNs(config);
  switch (config.kind) {
    case RateWindow::Kind::kFixedWindow: {
      RollFixed(window, now_ns);
      if (window.used + cost <= limit) return 0;
      // A request larger than the whole window never fits; saying "one window" is still honest.
      if (cost > limit) return interval;
      return (window.window_index + 1) * interval - now_ns;
    }
    case RateWindow::Kind::kSlidingWindow: {
      ExpireSliding(window, now_ns);
      if (window.ring_used + cost <= limit) return 0;
      if (cost > limit) return interval;
      // Walk from the oldest stamp until enough units have left the window.
      const std::int64_t needed = window.ring_used + cost - limit;
      std::int64_t freed = 0;
      for (std::size_t i = 0; i < window.ring_size; ++i) {
        const auto& stamp = StampAt(window, i);
        freed += stamp.cost;
        if (freed >= needed) return stamp.time_ns + interval + 1 - now_ns;
      }
      return interval;
    }
    case RateWindow::Kind::kDecaying: {
      Decay(window, now_ns);
      const double excess = window.counter + static_cast<double>(cost) - static_cast<double>(limit);
      if (excess <= kDecayEpsilon) return 0;
      if (config.decay_per_s <= 0 || cost > limit) {
        return default_retry_after.count() * kNsPerMs;
      }
      return static_cast<std::int64_t>(
          std::ceil(excess / config.decay_per_s * static_cast<double>(kNsPerSecond)));
    }
  }
  return 0;
}

template <typename Window>
void Take(Window& window, RequestKind kind, std::int64_t now_ns) {
  const std::int64_t cost = CostOf(window.config, kind);
  if (cost <= 0) return;
  switch (window.config.kind) {
    case RateWindow::Kind::kFixedWindow:
      window.used += cost;
      break;
    case RateWindow::Kind::kSlidingWindow:
      PushStamp(window, now_ns, cost);
      break;
    case RateWindow::Kind::kDecaying:
      window.counter += static_cast<double>(cost);
      break;
  }
}

}  // namespace

std::optional<std::chrono::milliseconds> RateLimiter::TryAcquire(core::Venue venue,
                                                                 RequestKind kind,
                                                                 std::int64_t now_ns) {
  now_ns += clock_offset_ns_;
  VenueState& state = venues_[static_cast<std::size_t>(venue)];
  // The venue's own word (a 429/418) holds even for a venue we have no model for.
  if (state.cooling_until_ns > now_ns) return CeilMs(state.cooling_until_ns - now_ns);
  if (!state.configured) return std::nullopt;
  // Check every window before taking from any, so that a refusal costs nothing.
  std::int64_t wait = 0;
  for (WindowState& window : state.windows) {
    wait = std::max(wait, WaitNs(window, kind, now_ns, state.default_retry_after));
  }
  if (wait > 0) return CeilMs(wait);
  for (WindowState& window : state.windows) Take(window, kind, now_ns);
  return std::nullopt;
}

void RateLimiter::OnReport(const core::RateLimitReport& report, std::int64_t now_ns) {
  now_ns += clock_offset_ns_;
  VenueState& state = venues_[static_cast<std::size_t>(report.venue)];
  if (report.throttled || report.banned) {
    const std::chrono::milliseconds wait = report.retry_after_ms > 0
                                               ? std::chrono::milliseconds(report.retry_after_ms)
                                               : state.default_retry_after;
    state.cooling_until_ns = std::max(state.cooling_until_ns, now_ns + wait.count() * kNsPerMs);
    // A venue that throttles with a decaying counter (Kraken) has it full: ours is set full too,
    // so that after the cool-down requests come at the decay rate instead of in a burst that the
    // venue refuses again.
    for (WindowState& window : state.windows) {
      if (window.config.kind != RateWindow::Kind::kDecaying) continue;
      window.counter = static_cast<double>(window.config.limit);
      window.decayed_at_ns = now_ns;
    }
  }
  // Binance's counters cover requests we never saw (other processes on the IP or account), so a
  // higher count replaces ours; a lower one is ignored (the venue's window may be aligned
  // differently from ours, and undercounting is the dangerous direction).
  const auto raise_fixed = [&](int index, std::int64_t venue_used) {
    if (index < 0 || venue_used < 0) return;
    WindowState& window = state.windows[static_cast<std::size_t>(index)];
    RollFixed(window, now_ns);
    window.used = std::max(window.used, venue_used);
  };
  raise_fixed(state.weight_window, report.used_weight);
  raise_fixed(state.orders_short_window, report.orders_short_window);
  raise_fixed(state.orders_day_window, report.orders_day);

  // Bybit: X-Bapi-Limit / X-Bapi-Limit-Status are the venue's own limit and remaining count for
  // the endpoint just called. Its limit is trusted (it knows our tier), and so is a higher count.
  // The report does not say which endpoint, so it is taken to describe order creation (the
  // gateway reports from place-order answers).
  if (report.remaining >= 0 && state.venue_status_window >= 0) {
    WindowState& window = state.windows[static_cast<std::size_t>(state.venue_status_window)];
    const std::int64_t interval = IntervalNs(window.config);
    if (report.limit > 0 && report.limit != window.config.limit) {
      window.config.limit = report.limit;
      GrowRing(window, static_cast<std::size_t>(std::min(report.limit + 1, kMaxInitialRing)));
    }
    ExpireSliding(window, now_ns);
    const std::int64_t venue_used =
        std::clamp<std::int64_t>(window.config.limit - report.remaining, 0, window.config.limit);
    if (venue_used > window.ring_used) {
      // Units we did not send: they leave the venue's window at its reset time. Bybit sends the
      // current time as the reset unless the limit is exceeded, so without a future reset they
      // are kept a whole window (the longest any request can count). Both timestamps are the
      // venue's wall clock; only their difference is used against our monotonic clock.
      std::int64_t until = interval;
      if (report.reset_ns > 0 && report.time_ns > 0 && report.reset_ns > report.time_ns) {
        until = std::min(interval, report.reset_ns - report.time_ns);
      }
      InsertStamp(window, now_ns + until - interval, venue_used - window.ring_used);
    }
    // A lower count is no evidence: the venue answers for one request while later ones of ours
    // may still be in flight, so forgetting our stamps would let a burst through twice.
  }
}

std::optional<std::int64_t> RateLimiter::CoolingDownUntil(core::Venue venue,
                                                          std::int64_t now_ns) const {
  now_ns += clock_offset_ns_;
  const VenueState& state = venues_[static_cast<std::size_t>(venue)];
  if (state.cooling_until_ns > now_ns) return state.cooling_until_ns - clock_offset_ns_;
  return std::nullopt;
}

std::vector<RateBudget> RateLimiter::Budget(core::Venue venue, std::int64_t now_ns) const {
  now_ns += clock_offset_ns_;
  const VenueState& state = venues_[static_cast<std::size_t>(venue)];
  std::vector<RateBudget> budget;
  budget.reserve(state.windows.size());
  for (const WindowState& window : state.windows) {
    const RateWindow& config = window.config;
    RateBudget entry;
    entry.window = config.name;
    entry.limit = config.limit;
    switch (config.kind) {
      case RateWindow::Kind::kFixedWindow:
        entry.used = FloorDiv(now_ns, IntervalNs(config)) > window.window_index ? 0 : window.used;
        break;
      case RateWindow::Kind::kSlidingWindow: {
        const std::int64_t interval = IntervalNs(config);
        for (std::size_t i = 0; i < window.ring_size; ++i) {
          const Stamp& stamp = window.ring[(window.ring_head + i) % window.ring.size()];
          if (now_ns - stamp.time_ns <= interval) entry.used += stamp.cost;
        }
        break;
      }
      case RateWindow::Kind::kDecaying: {
        double counter = window.counter;
        if (counter > 0 && now_ns > window.decayed_at_ns) {
          counter -= config.decay_per_s * static_cast<double>(now_ns - window.decayed_at_ns) /
                     static_cast<double>(kNsPerSecond);
        }
        // Rounded up: /status should not show room that is not there.
        entry.used = static_cast<std::int64_t>(std::ceil(std::max(0.0, counter) - kDecayEpsilon));
        break;
      }
    }
    budget.push_back(std::move(entry));
  }
  return budget;
}

}  // namespace tradingd::risk
