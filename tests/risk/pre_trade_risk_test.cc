#include "risk/pre_trade_risk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>

#include "core/decimal.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "risk/rate_limiter.h"

namespace tradingd::risk {
namespace {

using core::Amount;
using core::OrderType;
using core::Price;
using core::Quantity;
using core::Side;
using ::testing::HasSubstr;

// BTC-USDT on Binance with three price decimals and six quantity decimals, so that a price off the
// 0.01 tick and a quantity off the 0.001 lot can both be written.
constexpr int kPriceScale = 3;
constexpr int kQuantityScale = 6;
constexpr core::InstrumentId kBtcUsdt = 7;

std::int64_t Mantissa(std::string_view text, int scale) {
  std::int64_t value = 0;
  EXPECT_EQ(core::ParseDecimal(text, scale, &value), core::DecimalError::kOk) << text;
  return value;
}
Price P(std::string_view text) { return Price::FromMantissa(Mantissa(text, kPriceScale)); }
Quantity Q(std::string_view text) { return Quantity::FromMantissa(Mantissa(text, kQuantityScale)); }
Amount A(std::string_view text) { return Amount::FromMantissa(Mantissa(text, core::kAmountScale)); }

class PreTradeRiskTest : public ::testing::Test {
 protected:
  PreTradeRiskTest() {
    instrument_.id = kBtcUsdt;
    instrument_.venue = core::Venue::kBinance;
    instrument_.base = "BTC";
    instrument_.quote = "USDT";
    instrument_.canonical = "BTC-USDT";
    instrument_.venue_symbol = "BTCUSDT";
    instrument_.price_scale = kPriceScale;
    instrument_.quantity_scale = kQuantityScale;

    rules_.instrument = kBtcUsdt;
    rules_.tick_size = P("0.01");
    rules_.lot_size = Q("0.001");
    rules_.min_quantity = Q("0.001");
    rules_.max_quantity = Quantity::FromMantissa(std::numeric_limits<std::int64_t>::max());
    rules_.min_notional = P("10");
    rules_.status = core::TradingStatus::kTrading;

    market_.instrument = &instrument_;
    market_.rules = &rules_;
    market_.book_state = core::BookState::kLive;
    market_.best_bid = P("49990");
    market_.best_ask = P("50010");

    account_.available_quote = A("1000000");
    account_.available_base = A("10");
    account_.base_position_with_open_buys = A("0");
    account_.base_position = A("0");
    account_.taker_fee_ppm = 1000;

    limits_.price_collar_bps = 500;
  }

  core::OrderSpec Limit(Side side, std::string_view price, std::string_view quantity) const {
    core::OrderSpec order;
    order.instrument = kBtcUsdt;
    order.side = side;
    order.type = OrderType::kLimit;
    order.price = P(price);
    order.quantity = Q(quantity);
    return order;
  }
  core::OrderSpec Market(Side side, std::string_view quantity) const {
    core::OrderSpec order = Limit(side, "0", quantity);
    order.type = OrderType::kMarket;
    order.price = Price();
    return order;
  }

  std::variant<Approved<core::OrderSpec>, Refusal> Check(const core::OrderSpec& order) {
    PreTradeRisk risk(limits_, rate_limiter_);
    risk.SetState(state_);
    return risk.Check(order, market_, account_, now_ns_);
  }
  // The refusal for `order`, or a failed test if it was approved.
  Refusal Refused(const core::OrderSpec& order) {
    auto result = Check(order);
    if (const Refusal* refusal = std::get_if<Refusal>(&result)) return *refusal;
    ADD_FAILURE() << "approved an order that should be refused";
    return Refusal{RefusalCode::kInvalidOrder, "", {}};
  }
  void ExpectApproved(const core::OrderSpec& order) {
    auto result = Check(order);
    if (const Refusal* refusal = std::get_if<Refusal>(&result)) {
      ADD_FAILURE() << "refused " << RefusalCodeName(refusal->code) << ": " << refusal->message;
    }
  }

  core::Instrument instrument_;
  core::InstrumentRules rules_;
  MarketContext market_;
  AccountContext account_;
  RiskLimits limits_;
  RateLimiter* rate_limiter_ = nullptr;
  TradingState state_ = TradingState::kActive;
  std::int64_t now_ns_ = 1'000'000'000;
};

TEST_F(PreTradeRiskTest, ApprovesAValidLimitOrderUnchanged) {
  core::OrderSpec order = Limit(Side::kBuy, "50000", "0.5");
  order.client_order_id = core::ClientOrderId::FromBits(1, 2);
  auto result = Check(order);
  ASSERT_TRUE(std::holds_alternative<Approved<core::OrderSpec>>(result));
  const core::OrderSpec& approved = std::get<Approved<core::OrderSpec>>(result).order();
  EXPECT_EQ(approved.price, order.price);
  EXPECT_EQ(approved.quantity, order.quantity);
  EXPECT_EQ(approved.client_order_id, order.client_order_id);
  ExpectApproved(Limit(Side::kSell, "50000", "0.5"));
  ExpectApproved(Market(Side::kBuy, "0.5"));
  ExpectApproved(Market(Side::kSell, "0.5"));
}

TEST_F(PreTradeRiskTest, NamesForCodesAndStates) {
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kTradingHalted), "TRADING_HALTED");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kInvalidOrder), "INVALID_ORDER");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kBookNotReady), "BOOK_NOT_READY");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kPriceCollar), "PRICE_COLLAR");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kLimitExceeded), "LIMIT_EXCEEDED");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kInsufficientBalance), "INSUFFICIENT_BALANCE");
  EXPECT_STREQ(RefusalCodeName(RefusalCode::kRateLimited), "RATE_LIMITED");
  EXPECT_STREQ(TradingStateName(TradingState::kActive), "ACTIVE");
  EXPECT_STREQ(TradingStateName(TradingState::kHalted), "HALTED");
  EXPECT_STREQ(TradingStateName(TradingState::kReducing), "REDUCING");
}

// --- 1. trading state ----------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, HaltedRefusesEverything) {
  state_ = TradingState::kHalted;
  for (const core::OrderSpec& order :
       {Limit(Side::kBuy, "50000", "0.5"), Limit(Side::kSell, "50000", "0.5"),
        Market(Side::kSell, "1")}) {
    const Refusal refusal = Refused(order);
    EXPECT_EQ(refusal.code, RefusalCode::kTradingHalted);
    EXPECT_THAT(refusal.message, HasSubstr("HALTED"));
  }
}

TEST_F(PreTradeRiskTest, HaltedBeatsAnInvalidOrder) {
  state_ = TradingState::kHalted;
  market_.rules = nullptr;  // would be INVALID_ORDER
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000.005", "0.0015")).code, RefusalCode::kTradingHalted);
}

TEST_F(PreTradeRiskTest, ReducingAcceptsOnlySellsWithinThePosition) {
  state_ = TradingState::kReducing;
  account_.base_position = A("1.5");
  account_.base_position_with_open_buys = A("2");

  const Refusal buy = Refused(Limit(Side::kBuy, "50000", "0.1"));
  EXPECT_EQ(buy.code, RefusalCode::kTradingHalted);
  EXPECT_THAT(buy.message, HasSubstr("REDUCING"));
  EXPECT_THAT(buy.message, HasSubstr("BUY"));

  ExpectApproved(Limit(Side::kSell, "50000", "1.5"));  // exactly the position
  const Refusal beyond = Refused(Limit(Side::kSell, "50000", "1.501"));
  EXPECT_EQ(beyond.code, RefusalCode::kTradingHalted);
  EXPECT_THAT(beyond.message, HasSubstr("REDUCING"));
  EXPECT_THAT(beyond.message, HasSubstr("1.501 BTC"));
  EXPECT_THAT(beyond.message, HasSubstr("1.5 BTC"));
}

// --- 2. venue rules ------------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, RulesNotLoadedYet) {
  market_.rules = nullptr;
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.5"));
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message, "the venue's rules for BTC-USDT are not loaded yet");
}

TEST_F(PreTradeRiskTest, InstrumentNotTrading) {
  rules_.status = core::TradingStatus::kHalted;
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.5"));
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message, "BTC-USDT is not trading on binance (status HALTED)");
  rules_.status = core::TradingStatus::kBreak;
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0.5")).code, RefusalCode::kInvalidOrder);
  // A venue that publishes no status does not block trading.
  rules_.status = core::TradingStatus::kUnknown;
  ExpectApproved(Limit(Side::kBuy, "50000", "0.5"));
}

TEST_F(PreTradeRiskTest, PriceOffTheTick) {
  const Refusal refusal = Refused(Limit(Side::kBuy, "45000.005", "0.5"));
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message, "price 45000.005 is not a multiple of the tick size 0.01");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "0", "0.5")).message, "price 0 is not positive");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "-1", "0.5")).code, RefusalCode::kInvalidOrder);
}

TEST_F(PreTradeRiskTest, StopPriceOffTheTick) {
  core::OrderSpec order = Limit(Side::kSell, "49000", "0.5");
  order.type = OrderType::kStopLossLimit;
  order.stop_price = P("49000.001");
  const Refusal refusal = Refused(order);
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message, "stop price 49000.001 is not a multiple of the tick size 0.01");
  // A stop order without its stop price.
  order.stop_price = Price();
  EXPECT_EQ(Refused(order).message, "stop price 0 is not positive");
  order.stop_price = P("49000.01");
  ExpectApproved(order);
}

TEST_F(PreTradeRiskTest, QuantityRules) {
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0.0015")).message,
            "quantity 0.0015 is not a multiple of the lot size 0.001");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0")).message, "quantity 0 is not positive");

  rules_.min_quantity = Q("0.01");
  const Refusal small = Refused(Limit(Side::kBuy, "50000", "0.009"));
  EXPECT_EQ(small.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(small.message, "quantity 0.009 is below the venue's minimum quantity 0.01");
  ExpectApproved(Limit(Side::kBuy, "50000", "0.01"));

  rules_.max_quantity = Q("2");
  ExpectApproved(Limit(Side::kBuy, "50000", "2"));
  const Refusal large = Refused(Limit(Side::kBuy, "50000", "2.001"));
  EXPECT_EQ(large.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(large.message, "quantity 2.001 is above the venue's maximum quantity 2");
}

TEST_F(PreTradeRiskTest, MinNotionalBoundaryIsExact) {
  // 1000 × 0.010 = 10 exactly: passes; one lot less is 9.
  ExpectApproved(Limit(Side::kBuy, "1000", "0.01"));
  const Refusal refusal = Refused(Limit(Side::kBuy, "1000", "0.009"));
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message,
            "notional 9 USDT (0.009 at 1000) is below the venue's minimum 10 USDT");
  // A notional a hair below the minimum, finer than any Amount: 9999.99 × 0.001 = 9.99999.
  EXPECT_EQ(Refused(Limit(Side::kBuy, "9999.99", "0.001")).code, RefusalCode::kInvalidOrder);
  ExpectApproved(Limit(Side::kBuy, "10000", "0.001"));
}

TEST_F(PreTradeRiskTest, MarketOrderNotionalUsesTheSideItTakes) {
  rules_.min_notional = P("50.01");
  // A market buy takes the ask: 0.001 × 50010 = 50.01.
  ExpectApproved(Market(Side::kBuy, "0.001"));
  // A market sell takes the bid: 0.001 × 49990 = 49.99.
  const Refusal refusal = Refused(Market(Side::kSell, "0.001"));
  EXPECT_EQ(refusal.code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(refusal.message,
            "notional 49.99 USDT (0.001 at 49990) is below the venue's minimum 50.01 USDT");
}

// --- 3. the book ---------------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, MarketAndStopMarketOrdersNeedALiveBook) {
  market_.book_state = core::BookState::kStale;
  const Refusal market = Refused(Market(Side::kBuy, "0.5"));
  EXPECT_EQ(market.code, RefusalCode::kBookNotReady);
  EXPECT_EQ(market.message, "book BTC-USDT on binance is STALE");

  core::OrderSpec stop = Market(Side::kSell, "0.5");
  stop.type = OrderType::kStopLoss;
  stop.stop_price = P("45000");
  market_.book_state = core::BookState::kSyncing;
  const Refusal stop_refusal = Refused(stop);
  EXPECT_EQ(stop_refusal.code, RefusalCode::kBookNotReady);
  EXPECT_EQ(stop_refusal.message, "book BTC-USDT on binance is SYNCING");

  stop.type = OrderType::kTakeProfit;
  EXPECT_EQ(Refused(stop).code, RefusalCode::kBookNotReady);
  market_.book_state = core::BookState::kLive;
  ExpectApproved(stop);
}

TEST_F(PreTradeRiskTest, MarketOrderNeedsTheSideItTakes) {
  market_.best_ask = Price();
  const Refusal refusal = Refused(Market(Side::kBuy, "0.5"));
  EXPECT_EQ(refusal.code, RefusalCode::kBookNotReady);
  EXPECT_EQ(refusal.message, "book BTC-USDT on binance has no asks to buy from");
  ExpectApproved(Market(Side::kSell, "0.5"));
}

TEST_F(PreTradeRiskTest, LimitOrderNeedsALiveBookForTheCollar) {
  market_.book_state = core::BookState::kSyncing;
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.5"));
  EXPECT_EQ(refusal.code, RefusalCode::kBookNotReady);
  EXPECT_EQ(refusal.message,
            "book BTC-USDT on binance is SYNCING: the price collar cannot be checked");
  // Without a collar there is nothing to check against the book.
  limits_.price_collar_bps = 0;
  ExpectApproved(Limit(Side::kBuy, "50000", "0.5"));
  ExpectApproved(Limit(Side::kBuy, "90000", "0.5"));
}

TEST_F(PreTradeRiskTest, CollarBoundaryIsExact) {
  // mid = (49990 + 50010) / 2 = 50000; 500 bps: buys up to 52500, sells down to 47500.
  ExpectApproved(Limit(Side::kBuy, "52500", "0.1"));
  const Refusal buy = Refused(Limit(Side::kBuy, "52500.01", "0.1"));
  EXPECT_EQ(buy.code, RefusalCode::kPriceCollar);
  EXPECT_EQ(buy.message,
            "BUY price 52500.01 is above the collar 52500 (500 bps above the mid 50000)");

  ExpectApproved(Limit(Side::kSell, "47500", "0.1"));
  const Refusal sell = Refused(Limit(Side::kSell, "47499.99", "0.1"));
  EXPECT_EQ(sell.code, RefusalCode::kPriceCollar);
  EXPECT_EQ(sell.message,
            "SELL price 47499.99 is below the collar 47500 (500 bps below the mid 50000)");

  // The other directions are never collared: a buy far below the mid, a sell far above.
  ExpectApproved(Limit(Side::kBuy, "20000", "0.1"));
  ExpectApproved(Limit(Side::kSell, "90000", "0.1"));
}

TEST_F(PreTradeRiskTest, CollarAroundAHalfTickMid) {
  market_.best_bid = P("49999.99");
  market_.best_ask = P("50000");
  // mid 49999.995; × 1.05 = 52499.99475: 52499.99 passes, 52500 does not.
  ExpectApproved(Limit(Side::kBuy, "52499.99", "0.1"));
  const Refusal refusal = Refused(Limit(Side::kBuy, "52500", "0.1"));
  EXPECT_EQ(refusal.code, RefusalCode::kPriceCollar);
  EXPECT_EQ(refusal.message,
            "BUY price 52500 is above the collar 52499.994 (500 bps above the mid 49999.995)");
}

TEST_F(PreTradeRiskTest, CollarAroundAMidFinerThanThePriceScale) {
  market_.best_bid = P("49999.999");
  market_.best_ask = P("50000");
  const Refusal refusal = Refused(Limit(Side::kBuy, "52500", "0.1"));
  EXPECT_EQ(refusal.code, RefusalCode::kPriceCollar);
  EXPECT_THAT(refusal.message, HasSubstr("the mid 49999.9995)"));
}

TEST_F(PreTradeRiskTest, CollarWithOneSideOfTheBook) {
  market_.best_ask = Price();
  market_.best_bid = P("50000");
  ExpectApproved(Limit(Side::kBuy, "52500", "0.1"));
  EXPECT_EQ(Refused(Limit(Side::kBuy, "52500.01", "0.1")).code, RefusalCode::kPriceCollar);
  market_.best_bid = Price();
  const Refusal empty = Refused(Limit(Side::kBuy, "50000", "0.1"));
  EXPECT_EQ(empty.code, RefusalCode::kBookNotReady);
  EXPECT_EQ(empty.message, "book BTC-USDT on binance is empty: the price collar cannot be checked");
}

TEST_F(PreTradeRiskTest, StopLimitPriceIsCollaredToo) {
  core::OrderSpec order = Limit(Side::kBuy, "52500.01", "0.1");
  order.type = OrderType::kTakeProfitLimit;
  order.stop_price = P("51000");
  EXPECT_EQ(Refused(order).code, RefusalCode::kPriceCollar);
  order.price = P("52500");
  ExpectApproved(order);
}

// --- 4. limits -----------------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, MaxOrderQuantity) {
  limits_.instruments[kBtcUsdt].max_order_quantity = Q("1");
  ExpectApproved(Limit(Side::kBuy, "50000", "1"));
  const Refusal refusal = Refused(Limit(Side::kSell, "50000", "1.001"));
  EXPECT_EQ(refusal.code, RefusalCode::kLimitExceeded);
  EXPECT_EQ(refusal.message, "quantity 1.001 BTC is above the max order quantity 1 BTC");
}

TEST_F(PreTradeRiskTest, MaxOrderNotionalPerInstrumentAndDefault) {
  limits_.default_max_order_notional = A("50000");
  ExpectApproved(Limit(Side::kBuy, "50000", "1"));  // exactly 50000
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000.01", "1"));
  EXPECT_EQ(refusal.code, RefusalCode::kLimitExceeded);
  EXPECT_EQ(refusal.message, "notional 50000.01 USDT is above the max order notional 50000 USDT");
  // Market orders are sized at the price they would take: 1 × 50010.
  EXPECT_EQ(Refused(Market(Side::kBuy, "1")).code, RefusalCode::kLimitExceeded);
  ExpectApproved(Market(Side::kSell, "1"));  // 1 × 49990

  // An instrument entry overrides the default...
  limits_.instruments[kBtcUsdt].max_order_notional = A("100000");
  ExpectApproved(Limit(Side::kBuy, "50000.01", "1"));
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "2.001")).code, RefusalCode::kLimitExceeded);
  // ...but an entry that only caps the quantity keeps the default notional cap.
  limits_.instruments[kBtcUsdt].max_order_notional = Amount();
  limits_.instruments[kBtcUsdt].max_order_quantity = Q("5");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000.01", "1")).code, RefusalCode::kLimitExceeded);
}

TEST_F(PreTradeRiskTest, MaxPositionCountsOpenBuys) {
  limits_.max_position["BTC"] = A("2");
  account_.base_position = A("1");
  account_.base_position_with_open_buys = A("1.5");
  ExpectApproved(Limit(Side::kBuy, "50000", "0.5"));  // 1.5 + 0.5 = 2
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.501"));
  EXPECT_EQ(refusal.code, RefusalCode::kLimitExceeded);
  EXPECT_EQ(refusal.message,
            "position 1.5 BTC (held plus open buys) plus 0.501 BTC is above the max position 2 "
            "BTC");
  // Sells shrink a spot position: never limited by it.
  account_.base_position_with_open_buys = A("3");
  ExpectApproved(Limit(Side::kSell, "50000", "1"));
}

// --- 5. balance ----------------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, BuyNeedsNotionalPlusFee) {
  // 0.1 × 50000 = 5000, fee 0.1 % = 5.
  account_.available_quote = A("5005");
  ExpectApproved(Limit(Side::kBuy, "50000", "0.1"));
  account_.available_quote = A("5004.99999999");
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.1"));
  EXPECT_EQ(refusal.code, RefusalCode::kInsufficientBalance);
  EXPECT_EQ(refusal.message,
            "the order needs 5005 USDT (notional plus fee), available 5004.99999999 USDT");
}

TEST_F(PreTradeRiskTest, SellNeedsTheBaseAsset) {
  account_.available_base = A("1.5");
  ExpectApproved(Limit(Side::kSell, "50000", "1.5"));
  const Refusal refusal = Refused(Limit(Side::kSell, "50000", "2"));
  EXPECT_EQ(refusal.code, RefusalCode::kInsufficientBalance);
  EXPECT_EQ(refusal.message, "the order needs 2 BTC, available 1.5 BTC");
}

TEST_F(PreTradeRiskTest, MarketBuyReservesTheCollaredAsk) {
  // 0.1 × 50010 × 1.05 = 5251.05, fee 5.25105 → 5256.30105.
  account_.available_quote = A("5256.30105");
  ExpectApproved(Market(Side::kBuy, "0.1"));
  account_.available_quote = A("5256.30104");
  EXPECT_EQ(Refused(Market(Side::kBuy, "0.1")).code, RefusalCode::kInsufficientBalance);
}

// --- 6. rate limits ------------------------------------------------------------------------------

VenueRateLimits OneOrderPerSecond() {
  VenueRateLimits limits;
  RateWindow window;
  window.name = "orders 1s";
  window.kind = RateWindow::Kind::kSlidingWindow;
  window.limit = 1;
  window.interval = std::chrono::milliseconds(1000);
  limits.windows.push_back(window);
  return limits;
}

TEST_F(PreTradeRiskTest, RateLimitedWithRetryAfter) {
  RateLimiter limiter;
  limiter.Configure(core::Venue::kBinance, OneOrderPerSecond());
  rate_limiter_ = &limiter;
  ExpectApproved(Limit(Side::kBuy, "50000", "0.1"));
  now_ns_ += 250'000'000;
  const Refusal refusal = Refused(Limit(Side::kBuy, "50000", "0.1"));
  EXPECT_EQ(refusal.code, RefusalCode::kRateLimited);
  EXPECT_EQ(refusal.retry_after, std::chrono::milliseconds(751));
  EXPECT_EQ(refusal.message, "the rate limit of binance is reached: retry after 751 ms");
  // Another venue has its own budget.
  instrument_.venue = core::Venue::kOkx;
  ExpectApproved(Limit(Side::kBuy, "50000", "0.1"));
}

TEST_F(PreTradeRiskTest, ARefusedOrderCostsNoRateBudget) {
  RateLimiter limiter;
  limiter.Configure(core::Venue::kBinance, OneOrderPerSecond());
  rate_limiter_ = &limiter;
  account_.available_quote = A("1");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0.1")).code, RefusalCode::kInsufficientBalance);
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000.001", "0.1")).code, RefusalCode::kInvalidOrder);
  EXPECT_EQ(limiter.Budget(core::Venue::kBinance, now_ns_)[0].used, 0);
  account_.available_quote = A("1000000");
  ExpectApproved(Limit(Side::kBuy, "50000", "0.1"));
  EXPECT_EQ(limiter.Budget(core::Venue::kBinance, now_ns_)[0].used, 1);
}

// --- order of the checks -------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, ChecksRunInTheDocumentedOrder) {
  // Invalid beats a stale book.
  market_.book_state = core::BookState::kStale;
  EXPECT_EQ(Refused(Market(Side::kBuy, "0.0015")).code, RefusalCode::kInvalidOrder);
  // A stale book beats the limits.
  limits_.instruments[kBtcUsdt].max_order_quantity = Q("0.1");
  EXPECT_EQ(Refused(Market(Side::kBuy, "1")).code, RefusalCode::kBookNotReady);
  market_.book_state = core::BookState::kLive;
  // The collar beats the limits.
  EXPECT_EQ(Refused(Limit(Side::kBuy, "60000", "1")).code, RefusalCode::kPriceCollar);
  // Limits beat the balance.
  account_.available_quote = A("1");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "1")).code, RefusalCode::kLimitExceeded);
  // The balance beats the rate limit.
  RateLimiter limiter;
  VenueRateLimits none = OneOrderPerSecond();
  none.windows[0].limit = 0;
  limiter.Configure(core::Venue::kBinance, none);
  rate_limiter_ = &limiter;
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0.1")).code, RefusalCode::kInsufficientBalance);
  account_.available_quote = A("1000000");
  EXPECT_EQ(Refused(Limit(Side::kBuy, "50000", "0.1")).code, RefusalCode::kRateLimited);
}

// --- Reservation ---------------------------------------------------------------------------------

TEST_F(PreTradeRiskTest, ReservationRoundsUp) {
  // 0.333 × 0.000001 = 0.000000333 → 0.00000034; fee 0.1 % of that rounds up to 0.00000001.
  core::OrderSpec order = Limit(Side::kBuy, "0.333", "0.000001");
  EXPECT_EQ(PreTradeRisk::Reservation(order, market_, 1000, 500), Amount::FromMantissa(35));
  EXPECT_EQ(PreTradeRisk::Reservation(order, market_, 0, 500), Amount::FromMantissa(34));
  // 1 × 50000 with a 0.1 % fee: exact.
  EXPECT_EQ(PreTradeRisk::Reservation(Limit(Side::kBuy, "50000", "1"), market_, 1000, 500),
            A("50050"));
}

TEST_F(PreTradeRiskTest, ReservationOfAMarketBuyIsTheCollaredAskOnTheTick) {
  market_.best_ask = P("50010.01");
  // 50010.01 × 1.05 = 52510.5105 → up to the tick: 52510.52.
  EXPECT_EQ(PreTradeRisk::Reservation(Market(Side::kBuy, "1"), market_, 0, 500), A("52510.52"));
  EXPECT_EQ(PreTradeRisk::Reservation(Market(Side::kBuy, "1"), market_, 0, 0), A("50010.01"));
  market_.best_ask = Price();
  EXPECT_EQ(PreTradeRisk::Reservation(Market(Side::kBuy, "1"), market_, 0, 500), std::nullopt);
}

TEST_F(PreTradeRiskTest, ReservationOfAStopMarketBuyStartsAtItsStop) {
  core::OrderSpec order = Market(Side::kBuy, "1");
  order.type = OrderType::kStopLoss;
  order.stop_price = P("60000");
  EXPECT_EQ(PreTradeRisk::Reservation(order, market_, 0, 500), A("63000"));
  order.stop_price = P("40000");  // below the ask: the ask is the worse
  EXPECT_EQ(PreTradeRisk::Reservation(order, market_, 0, 500), A("52510.5"));
}

TEST_F(PreTradeRiskTest, ReservationOfASellIsItsQuantity) {
  EXPECT_EQ(PreTradeRisk::Reservation(Limit(Side::kSell, "50000", "1.234567"), market_, 1000, 500),
            A("1.234567"));
  EXPECT_EQ(PreTradeRisk::Reservation(Market(Side::kSell, "2"), market_, 1000, 500), A("2"));
}

TEST_F(PreTradeRiskTest, ReservationOverflowIsNullopt) {
  core::OrderSpec order = Limit(Side::kBuy, "0", "0");
  order.price = Price::FromMantissa(std::numeric_limits<std::int64_t>::max() / 10);
  order.quantity = Quantity::FromMantissa(std::numeric_limits<std::int64_t>::max() / 10);
  EXPECT_EQ(PreTradeRisk::Reservation(order, market_, 0, 500), std::nullopt);
  // The fee can be what overflows.
  core::OrderSpec near_max = Limit(Side::kBuy, "50000000000", "1");
  ASSERT_TRUE(PreTradeRisk::Reservation(near_max, market_, 0, 500).has_value());
  EXPECT_EQ(PreTradeRisk::Reservation(near_max, market_, 1'000'000, 500), std::nullopt);
}

}  // namespace
}  // namespace tradingd::risk
