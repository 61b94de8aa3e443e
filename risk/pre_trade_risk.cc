#include "risk/pre_trade_risk.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <utility>

#include "core/decimal.h"
#include "core/venue.h"

namespace tradingd::risk {
namespace {

using core::Amount;
using core::Instrument;
using core::OrderSpec;
using core::OrderType;
using core::Price;
using core::Quantity;
using core::Side;

using core::Int128;
constexpr std::int64_t kBasisPoints = 10'000;
constexpr std::int64_t kPartsPerMillion = 1'000'000;
constexpr Int128 kMaxInt64 = std::numeric_limits<std::int64_t>::max();

// Messages are built only on refusal; the approving path formats nothing.
std::string Decimal(std::int64_t mantissa, int scale) {
  return core::FormatDecimal(mantissa, scale, 0);
}
std::string PriceText(Price price, const Instrument& instrument) {
  return Decimal(price.mantissa(), instrument.price_scale);
}
std::string QuantityText(Quantity quantity, const Instrument& instrument) {
  return Decimal(quantity.mantissa(), instrument.quantity_scale);
}
std::string AmountText(Amount amount) { return Decimal(amount.mantissa(), core::kAmountScale); }
// A value computed in 128 bits, shown at `scale` (clamped to what an int64 mantissa can show).
std::string WideText(Int128 mantissa, int scale) {
  return Decimal(static_cast<std::int64_t>(std::clamp<Int128>(mantissa, -kMaxInt64, kMaxInt64)),
                 scale);
}
// Rounded toward zero at the Amount scale: a notional below a minimum never shows as equal to it
// unless the two differ beyond the eighth decimal.
std::string NotionalText(Price price, Quantity quantity, const Instrument& instrument) {
  const std::optional<Amount> notional =
      core::Notional(price, instrument.price_scale, quantity, instrument.quantity_scale);
  return notional ? AmountText(*notional) : std::string("(overflow)");
}
std::string BookName(const Instrument& instrument) {
  std::string name = "book " + instrument.canonical + " on ";
  name += core::VenueName(instrument.venue);
  return name;
}

std::variant<Approved<OrderSpec>, Refusal> Refuse(RefusalCode code, std::string message,
                                                  std::chrono::milliseconds retry_after = {}) {
  return Refusal{code, std::move(message), retry_after};
}

// MARKET, STOP_LOSS and TAKE_PROFIT: no limit price, they trade at whatever the book offers.
bool TradesAtMarket(OrderType type) { return !core::HasLimitPrice(type); }

// The price a notional check uses: the limit price; for a stop-market order its stop price (where
// it becomes a market order); for a market order the best price it would take from a live book.
// Zero when there is none (the book check refuses the order then).
Price ReferencePrice(const OrderSpec& order, const MarketContext& market) {
  if (core::HasLimitPrice(order.type)) return order.price;
  if (order.type != OrderType::kMarket) return order.stop_price;
  if (market.book_state != core::BookState::kLive) return Price();
  return order.side == Side::kBuy ? market.best_ask : market.best_bid;
}

bool IsMultiple(std::int64_t value, std::int64_t step) { return step <= 0 || value % step == 0; }

// value × (10000 + bps) / 10000 rounded up, then up to a multiple of `tick`; nullopt past int64.
std::optional<Price> CollarUp(Price price, std::int64_t bps, Price tick) {
  Int128 value =
      static_cast<Int128>(price.mantissa()) * (kBasisPoints + std::max<std::int64_t>(0, bps));
  value = (value + kBasisPoints - 1) / kBasisPoints;
  if (tick.mantissa() > 0)
    value = (value + tick.mantissa() - 1) / tick.mantissa() * tick.mantissa();
  if (value > kMaxInt64) return std::nullopt;
  return Price::FromMantissa(static_cast<std::int64_t>(value));
}

}  // namespace

const char* TradingStateName(TradingState state) {
  switch (state) {
    case TradingState::kActive:
      return "ACTIVE";
    case TradingState::kHalted:
      return "HALTED";
    case TradingState::kReducing:
      return "REDUCING";
  }
  return "HALTED";
}

const char* RefusalCodeName(RefusalCode code) {
  switch (code) {
    case RefusalCode::kTradingHalted:
      return "TRADING_HALTED";
    case RefusalCode::kInvalidOrder:
      return "INVALID_ORDER";
    case RefusalCode::kBookNotReady:
      return "BOOK_NOT_READY";
    case RefusalCode::kPriceCollar:
      return "PRICE_COLLAR";
    case RefusalCode::kLimitExceeded:
      return "LIMIT_EXCEEDED";
    case RefusalCode::kInsufficientBalance:
      return "INSUFFICIENT_BALANCE";
    case RefusalCode::kRateLimited:
      return "RATE_LIMITED";
  }
  return "INVALID_ORDER";
}

PreTradeRisk::PreTradeRisk(RiskLimits limits, RateLimiter* rate_limiter)
    : limits_(std::move(limits)), rate_limiter_(rate_limiter) {}

std::optional<Amount> PreTradeRisk::Reservation(const OrderSpec& order, const MarketContext& market,
                                                std::int64_t taker_fee_ppm,
                                                std::int64_t collar_bps) {
  const Instrument& instrument = *market.instrument;
  if (order.side == Side::kSell) {
    return core::QuantityAsAmount(order.quantity, instrument.quantity_scale);
  }
  if (order.side != Side::kBuy) return std::nullopt;

  Price price = order.price;
  if (TradesAtMarket(order.type)) {
    // A market buy can take the book up to the collar: reserve for the worst of it. A stop-market
    // buy trades once the price reaches its stop, so it starts from the higher of stop and ask.
    Price from = market.best_ask;
    if (order.type != OrderType::kMarket) from = std::max(from, order.stop_price);
    if (from.mantissa() <= 0) return std::nullopt;
    const Price tick = market.rules != nullptr ? market.rules->tick_size : Price();
    std::optional<Price> worst = CollarUp(from, collar_bps, tick);
    if (!worst) return std::nullopt;
    price = *worst;
  }
  const std::optional<Amount> notional =
      core::NotionalCeil(price, instrument.price_scale, order.quantity, instrument.quantity_scale);
  if (!notional) return std::nullopt;
  // The fee is a fraction of the notional, rounded up like the notional: never reserve less than
  // the venue may take.
  const Int128 ppm = std::max<std::int64_t>(0, taker_fee_ppm);
  const Int128 fee =
      (static_cast<Int128>(notional->mantissa()) * ppm + kPartsPerMillion - 1) / kPartsPerMillion;
  const Int128 total = static_cast<Int128>(notional->mantissa()) + fee;
  if (total > kMaxInt64) return std::nullopt;
  return Amount::FromMantissa(static_cast<std::int64_t>(total));
}

std::variant<Approved<OrderSpec>, Refusal> PreTradeRisk::Check(const OrderSpec& order,
                                                               const MarketContext& market,
                                                               const AccountContext& account,
                                                               std::int64_t now_ns) {
  const Instrument& instrument = *market.instrument;
  const int price_scale = instrument.price_scale;
  const int quantity_scale = instrument.quantity_scale;
  const bool buy = order.side == Side::kBuy;
  const Amount base_quantity = core::QuantityAsAmount(order.quantity, quantity_scale);

  // 1. Trading state: a kill beats everything, including an order that is malformed anyway.
  if (state_ == TradingState::kHalted) {
    return Refuse(RefusalCode::kTradingHalted, "trading is HALTED: no new orders are accepted");
  }
  if (state_ == TradingState::kReducing) {
    if (order.side != Side::kSell) {
      return Refuse(RefusalCode::kTradingHalted,
                    "trading is REDUCING: only sells that reduce a position are accepted, not a " +
                        std::string(core::SideName(order.side)));
    }
    if (base_quantity > account.base_position) {
      return Refuse(RefusalCode::kTradingHalted,
                    "trading is REDUCING: selling " + AmountText(base_quantity) + " " +
                        instrument.base + " would go beyond the position of " +
                        AmountText(account.base_position) + " " + instrument.base);
    }
  }

  // 2. The venue's rules: refuse what the venue would refuse, never round it into something else.
  if (order.side != Side::kBuy && order.side != Side::kSell) {
    return Refuse(RefusalCode::kInvalidOrder, "side must be BUY or SELL");
  }
  const core::InstrumentRules* rules = market.rules;
  if (rules == nullptr) {
    return Refuse(RefusalCode::kInvalidOrder,
                  "the venue's rules for " + instrument.canonical + " are not loaded yet");
  }
  if (rules->status != core::TradingStatus::kTrading &&
      rules->status != core::TradingStatus::kUnknown) {
    return Refuse(RefusalCode::kInvalidOrder, instrument.canonical + " is not trading on " +
                                                  std::string(core::VenueName(instrument.venue)) +
                                                  " (status " +
                                                  core::TradingStatusName(rules->status) + ")");
  }
  const Quantity quantity = order.quantity;
  if (quantity.mantissa() <= 0) {
    return Refuse(RefusalCode::kInvalidOrder,
                  "quantity " + QuantityText(quantity, instrument) + " is not positive");
  }
  if (!IsMultiple(quantity.mantissa(), rules->lot_size.mantissa())) {
    return Refuse(RefusalCode::kInvalidOrder, "quantity " + QuantityText(quantity, instrument) +
                                                  " is not a multiple of the lot size " +
                                                  QuantityText(rules->lot_size, instrument));
  }
  if (quantity < rules->min_quantity) {
    return Refuse(RefusalCode::kInvalidOrder, "quantity " + QuantityText(quantity, instrument) +
                                                  " is below the venue's minimum quantity " +
                                                  QuantityText(rules->min_quantity, instrument));
  }
  if (rules->max_quantity.mantissa() > 0 && quantity > rules->max_quantity) {
    return Refuse(RefusalCode::kInvalidOrder, "quantity " + QuantityText(quantity, instrument) +
                                                  " is above the venue's maximum quantity " +
                                                  QuantityText(rules->max_quantity, instrument));
  }
  const auto check_price = [&](const char* what, Price price) -> std::optional<Refusal> {
    if (price.mantissa() <= 0) {
      return Refusal{RefusalCode::kInvalidOrder,
                     std::string(what) + " " + PriceText(price, instrument) + " is not positive",
                     {}};
    }
    if (!IsMultiple(price.mantissa(), rules->tick_size.mantissa())) {
      return Refusal{RefusalCode::kInvalidOrder,
                     std::string(what) + " " + PriceText(price, instrument) +
                         " is not a multiple of the tick size " +
                         PriceText(rules->tick_size, instrument),
                     {}};
    }
    return std::nullopt;
  };
  if (core::HasLimitPrice(order.type)) {
    if (std::optional<Refusal> refusal = check_price("price", order.price)) return *refusal;
  }
  if (core::HasStopPrice(order.type)) {
    if (std::optional<Refusal> refusal = check_price("stop price", order.stop_price)) {
      return *refusal;
    }
  }
  const Price reference = ReferencePrice(order, market);
  if (rules->min_notional.mantissa() > 0 && reference.mantissa() > 0) {
    // Exact: both sides at price_scale + quantity_scale in 128 bits, no rounding at all.
    const Int128 notional =
        static_cast<Int128>(reference.mantissa()) * static_cast<Int128>(quantity.mantissa());
    const Int128 minimum =
        static_cast<Int128>(rules->min_notional.mantissa()) * core::PowerOfTen(quantity_scale);
    if (notional < minimum) {
      return Refuse(RefusalCode::kInvalidOrder,
                    "notional " + NotionalText(reference, quantity, instrument) + " " +
                        instrument.quote + " (" + QuantityText(quantity, instrument) + " at " +
                        PriceText(reference, instrument) + ") is below the venue's minimum " +
                        PriceText(rules->min_notional, instrument) + " " + instrument.quote);
    }
  }

  // 3. The book: only a LIVE book may be traded against, or used to check a collar.
  const core::BookState book_state = market.book_state;
  if (TradesAtMarket(order.type)) {
    if (book_state != core::BookState::kLive) {
      return Refuse(RefusalCode::kBookNotReady,
                    BookName(instrument) + " is " + core::BookStateName(book_state));
    }
    if (order.type == OrderType::kMarket) {
      const Price opposite = buy ? market.best_ask : market.best_bid;
      if (opposite.mantissa() <= 0) {
        return Refuse(RefusalCode::kBookNotReady, BookName(instrument) + " has no " +
                                                      (buy ? "asks" : "bids") + " to " +
                                                      (buy ? "buy from" : "sell to"));
      }
    }
  } else if (limits_.price_collar_bps > 0) {
    if (book_state != core::BookState::kLive) {
      return Refuse(RefusalCode::kBookNotReady, BookName(instrument) + " is " +
                                                    core::BookStateName(book_state) +
                                                    ": the price collar cannot be checked");
    }
    const std::int64_t bid = market.best_bid.mantissa();
    const std::int64_t ask = market.best_ask.mantissa();
    if (bid <= 0 && ask <= 0) {
      return Refuse(RefusalCode::kBookNotReady,
                    BookName(instrument) + " is empty: the price collar cannot be checked");
    }
    // Twice the mid, so that a mid between two ticks stays exact; one side alone is the mid.
    const Int128 mid2 = (bid > 0 && ask > 0) ? static_cast<Int128>(bid) + ask
                                             : 2 * static_cast<Int128>(std::max(bid, ask));
    const std::int64_t bps = limits_.price_collar_bps;
    const Int128 price2 = 2 * static_cast<Int128>(order.price.mantissa()) * kBasisPoints;
    const std::string mid_text =
        (mid2 % 2 == 0) ? WideText(mid2 / 2, price_scale)
                        : WideText(mid2 * 5, std::min(price_scale + 1, core::kMaxDecimalScale));
    if (buy && price2 > mid2 * (kBasisPoints + bps)) {
      // The highest price at the instrument's scale that passes.
      const Int128 bound = mid2 * (kBasisPoints + bps) / (2 * kBasisPoints);
      return Refuse(RefusalCode::kPriceCollar,
                    "BUY price " + PriceText(order.price, instrument) + " is above the collar " +
                        WideText(bound, price_scale) + " (" + std::to_string(bps) +
                        " bps above the mid " + mid_text + ")");
    }
    if (!buy && bps < kBasisPoints && price2 < mid2 * (kBasisPoints - bps)) {
      const Int128 scaled = mid2 * (kBasisPoints - bps);
      const Int128 bound = (scaled + 2 * kBasisPoints - 1) / (2 * kBasisPoints);
      return Refuse(RefusalCode::kPriceCollar,
                    "SELL price " + PriceText(order.price, instrument) + " is below the collar " +
                        WideText(bound, price_scale) + " (" + std::to_string(bps) +
                        " bps below the mid " + mid_text + ")");
    }
  }

  // 4. Our own limits.
  const auto entry = limits_.instruments.find(order.instrument);
  const InstrumentLimits* instrument_limits =
      entry != limits_.instruments.end() ? &entry->second : nullptr;
  if (instrument_limits != nullptr && instrument_limits->max_order_quantity.mantissa() > 0 &&
      quantity > instrument_limits->max_order_quantity) {
    return Refuse(RefusalCode::kLimitExceeded,
                  "quantity " + QuantityText(quantity, instrument) + " " + instrument.base +
                      " is above the max order quantity " +
                      QuantityText(instrument_limits->max_order_quantity, instrument) + " " +
                      instrument.base);
  }
  // An instrument entry without a notional limit keeps the default one: an entry written to cap
  // the quantity must not silently lift the notional cap.
  Amount max_notional = limits_.default_max_order_notional;
  if (instrument_limits != nullptr && instrument_limits->max_order_notional.mantissa() > 0) {
    max_notional = instrument_limits->max_order_notional;
  }
  if (max_notional.mantissa() > 0 && reference.mantissa() > 0) {
    // Rounded up, so that "above the max" is exact: ceil(n) > max iff n > max for an integer max.
    const std::optional<Amount> notional =
        core::NotionalCeil(reference, price_scale, quantity, quantity_scale);
    if (!notional || *notional > max_notional) {
      return Refuse(RefusalCode::kLimitExceeded,
                    "notional " + (notional ? AmountText(*notional) : std::string("(overflow)")) +
                        " " + instrument.quote + " is above the max order notional " +
                        AmountText(max_notional) + " " + instrument.quote);
    }
  }
  if (buy) {
    const auto max_position = limits_.max_position.find(instrument.base);
    if (max_position != limits_.max_position.end()) {
      const Int128 after = static_cast<Int128>(account.base_position_with_open_buys.mantissa()) +
                           base_quantity.mantissa();
      if (after > max_position->second.mantissa()) {
        return Refuse(RefusalCode::kLimitExceeded,
                      "position " + AmountText(account.base_position_with_open_buys) + " " +
                          instrument.base + " (held plus open buys) plus " +
                          AmountText(base_quantity) + " " + instrument.base +
                          " is above the max position " + AmountText(max_position->second) + " " +
                          instrument.base);
      }
    }
  }

  // 5. Free balance, after what open and in-flight orders already reserve.
  if (buy) {
    const std::optional<Amount> needed =
        Reservation(order, market, account.taker_fee_ppm, limits_.price_collar_bps);
    if (!needed) {
      return Refuse(RefusalCode::kInsufficientBalance,
                    "the order's worst-case cost in " + instrument.quote + " overflows");
    }
    if (*needed > account.available_quote) {
      return Refuse(RefusalCode::kInsufficientBalance,
                    "the order needs " + AmountText(*needed) + " " + instrument.quote +
                        " (notional plus fee), available " + AmountText(account.available_quote) +
                        " " + instrument.quote);
    }
  } else if (base_quantity > account.available_base) {
    return Refuse(RefusalCode::kInsufficientBalance,
                  "the order needs " + AmountText(base_quantity) + " " + instrument.base +
                      ", available " + AmountText(account.available_base) + " " + instrument.base);
  }

  // 6. The venue's rate limits, last: an order refused above has cost no budget.
  if (rate_limiter_ != nullptr) {
    if (std::optional<std::chrono::milliseconds> wait =
            rate_limiter_->TryAcquire(instrument.venue, RequestKind::kPlaceOrder, now_ns)) {
      return Refuse(RefusalCode::kRateLimited,
                    "the rate limit of " + std::string(core::VenueName(instrument.venue)) +
                        " is reached: retry after " + std::to_string(wait->count()) + " ms",
                    *wait);
    }
  }
  return Approved<OrderSpec>(order);
}

}  // namespace tradingd::risk
