#pragma once
// Pre-trade risk: every order passes here before anything is sent, and leaves either as an
// Approved<OrderSpec> (the only thing a gateway accepts) or as a Refusal with a stable code and a
// message that says exactly which limit it broke. No I/O; time only as an argument.
//
// Checks, in this order (the first failure is the answer):
//   1. trading state: HALTED refuses everything; REDUCING refuses what would grow the position;
//   2. the instrument's venue rules (tick size, lot size, min/max quantity, min notional): refuse
//      what the venue would refuse instead of rounding silently; rules not loaded yet → refused;
//   3. the book: a MARKET (and a triggered stop) order only against a LIVE book; a limit order's
//      price within the collar around the live mid (a limit order on a non-LIVE book is refused
//      too, since the collar cannot be checked);
//   4. limits from the config: max order quantity and notional per instrument, max position per
//      asset (what we hold plus open buys, worst case);
//   5. free balance after the reservations of open and in-flight orders;
//   6. the venue's rate limits (RateLimiter): last, so that a refused order costs no budget.
//
// The engine thread owns the PreTradeRisk; it gathers the inputs (rules, book, balances,
// reservations, position) from its own state for each order.
//
// Thread contract: one owning thread (the engine thread); not thread-safe.

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>

#include "core/events.h"
#include "core/orders.h"
#include "risk/rate_limiter.h"

namespace tradingd::risk {

enum class TradingState : std::uint8_t {
  kActive,
  kHalted,    // kill: nothing new goes out
  kReducing,  // only orders that shrink a position
};
const char* TradingStateName(TradingState state);  // "ACTIVE", "HALTED", "REDUCING"

// Stable codes; the control surface maps each one to api.md's error code and HTTP status.
enum class RefusalCode : std::uint8_t {
  kTradingHalted,        // TRADING_HALTED (422)
  kInvalidOrder,         // INVALID_ORDER (422): breaks the venue's tick/lot/min/max/notional rules
  kBookNotReady,         // BOOK_NOT_READY (422 here: the order, not the request, is at fault)
  kPriceCollar,          // PRICE_COLLAR (422)
  kLimitExceeded,        // LIMIT_EXCEEDED (422): size, notional or position limit
  kInsufficientBalance,  // INSUFFICIENT_BALANCE (422)
  kRateLimited,          // RATE_LIMITED (429 with Retry-After)
};
const char* RefusalCodeName(RefusalCode code);  // the api.md spelling: "PRICE_COLLAR", ...

struct Refusal {
  RefusalCode code;
  std::string message;  // names the limit and both values: "notional 60000.00 USDT > max 50000"
  std::chrono::milliseconds retry_after{0};  // kRateLimited only
};

// An order risk has approved (core::Approved: only PreTradeRisk makes one).
template <typename T>
using Approved = core::Approved<T>;

// Limits for one instrument (canonical name "BTC-USDT" in the config); zero mantissa: no limit.
struct InstrumentLimits {
  core::Quantity max_order_quantity;  // at the instrument's quantity scale
  core::Amount max_order_notional;    // in the instrument's quote asset
};

struct RiskLimits {
  // Collar for limit prices, in basis points of the live mid: a buy above mid × (1 + collar) or a
  // sell below mid × (1 − collar) is refused. 0: no collar.
  std::int64_t price_collar_bps = 500;
  // Defaults for instruments without an entry in `instruments`.
  core::Amount default_max_order_notional;  // zero: no limit
  std::map<core::InstrumentId, InstrumentLimits> instruments;
  // Max position per canonical asset ("BTC"), summed over venues, in asset units. Absent: no limit.
  std::map<std::string, core::Amount, std::less<>> max_position;
};

// What the engine knows about the order's instrument at the moment of the check.
struct MarketContext {
  const core::Instrument* instrument = nullptr;  // never null
  const core::InstrumentRules* rules = nullptr;  // null until the venue's rules are loaded
  core::BookState book_state = core::BookState::kSyncing;
  // Best bid and ask of the live book (zero when a side is empty).
  core::Price best_bid;
  core::Price best_ask;
};

// What the engine knows about the account.
struct AccountContext {
  // Free balance at the venue of the quote (for a buy) or base (for a sell) asset, minus what
  // open and in-flight orders already reserve.
  core::Amount available_quote;
  core::Amount available_base;
  // Position in the base asset summed over venues (balances held) plus the open buys' remaining
  // quantity (worst case), for the position limit; and without open buys, for REDUCING.
  core::Amount base_position_with_open_buys;
  core::Amount base_position;
  // Fee the venue may add on top of a buy's notional, in parts per million of it (reserved too).
  std::int64_t taker_fee_ppm = 0;
};

class PreTradeRisk {
 public:
  PreTradeRisk(RiskLimits limits, RateLimiter* rate_limiter);

  // Approves or refuses `order`. `now_ns` is monotonic time. An approved order has used its rate
  // budget (RateLimiter::TryAcquire kPlaceOrder).
  std::variant<Approved<core::OrderSpec>, Refusal> Check(const core::OrderSpec& order,
                                                         const MarketContext& market,
                                                         const AccountContext& account,
                                                         std::int64_t now_ns);

  // The worst-case amount `order` takes from the account if it fills completely: quote notional
  // plus fee for a buy (at the limit price, or for a market buy at the best ask plus the collar),
  // base quantity for a sell. What the engine reserves while the order may trade.
  static std::optional<core::Amount> Reservation(const core::OrderSpec& order,
                                                 const MarketContext& market,
                                                 std::int64_t taker_fee_ppm,
                                                 std::int64_t collar_bps);

  TradingState state() const { return state_; }
  void SetState(TradingState state) { state_ = state; }
  const RiskLimits& limits() const { return limits_; }

 private:
  RiskLimits limits_;
  RateLimiter* rate_limiter_;
  TradingState state_ = TradingState::kActive;
};

}  // namespace tradingd::risk
