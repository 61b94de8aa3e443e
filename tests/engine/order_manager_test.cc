// The order manager's state machine, balances and kill switch, driven directly on the test thread
// with a fake gateway (records calls) and a fake market (a LIVE book with rules).
#include "engine/order_manager.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/order_port.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"

namespace tradingd::engine {
namespace {

using core::Amount;
using core::OrderStatus;
using core::Price;
using core::Quantity;

constexpr std::int64_t kMs = 1'000'000;

std::int64_t Units(std::string_view text, int scale = 8) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, scale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}

class FakeGateway final : public core::GatewayPort {
 public:
  bool NativeStops() const override { return native_stops; }
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override {
    if (order.time_in_force == core::TimeInForce::kFok && !fok) return std::string("no FOK here");
    return std::nullopt;
  }
  bool native_stops = false;
  bool fok = true;
  void Place(const core::Approved<core::OrderSpec>& order) override { placed.push_back(order.order()); }
  void Cancel(const core::OrderRef& order) override { cancels.push_back(order); }
  void Query(const core::OrderRef& order) override { queries.push_back(order); }
  void FetchBalances() override { ++balance_requests; }

  std::vector<core::OrderSpec> placed;
  std::vector<core::OrderRef> cancels;
  std::vector<core::OrderRef> queries;
  int balance_requests = 0;
};

class FakeMarket final : public MarketView {
 public:
  explicit FakeMarket(const core::SymbolRegistry& registry) : registry_(registry) {
    rules.instrument = 0;
    rules.tick_size = Price::FromMantissa(Units("0.01"));
    rules.lot_size = Quantity::FromMantissa(Units("0.00001"));
    rules.min_quantity = Quantity::FromMantissa(Units("0.00001"));
    rules.max_quantity = Quantity::FromMantissa(INT64_MAX);
    rules.min_notional = Price::FromMantissa(Units("5"));
    rules.status = core::TradingStatus::kTrading;
  }
  risk::MarketContext Market(core::InstrumentId instrument) const override {
    risk::MarketContext market;
    market.instrument = &registry_.Get(instrument);
    market.rules = &rules;
    market.book_state = state;
    market.best_bid = Price::FromMantissa(Units("50000"));
    market.best_ask = Price::FromMantissa(Units("50001"));
    return market;
  }
  core::InstrumentRules rules;
  core::BookState state = core::BookState::kLive;

 private:
  const core::SymbolRegistry& registry_;
};

class OrderManagerTest : public ::testing::Test {
 protected:
  OrderManagerTest() {
    instrument_ = *registry_.Add(core::Venue::kBinance, "BTC", "USDT");
    market_.emplace(registry_);
    risk::RiskLimits limits;
    limits.price_collar_bps = 500;
    risk_.emplace(limits, &limiter_);
    OrderManagerOptions options;
    options.recv_window = std::chrono::milliseconds(5000);
    options.unknown_query_interval = std::chrono::milliseconds(500);
    options.poll_interval = std::chrono::milliseconds(1000);
    options.taker_fee_ppm = 1000;
    orders_.emplace(registry_, clock_, *market_, &*risk_, &limiter_, options);
    orders_->SetGateway(core::Venue::kBinance, &gateway_, core::KeyState::kUnchecked);
  }

  void LoadBalances(std::string_view usdt, std::string_view btc) {
    core::BalanceUpdate first;
    first.venue = core::Venue::kBinance;
    first.flags = core::BalanceUpdate::kFirst;
    first.asset.Assign("USDT");
    first.free = Amount::FromMantissa(Units(usdt));
    orders_->OnBalance(first);
    core::BalanceUpdate last;
    last.venue = core::Venue::kBinance;
    last.flags = core::BalanceUpdate::kLast;
    last.asset.Assign("BTC");
    last.free = Amount::FromMantissa(Units(btc));
    orders_->OnBalance(last);
  }

  core::OrderSpec Limit(core::Side side, std::string_view quantity, std::string_view price) {
    core::OrderSpec spec;
    spec.instrument = instrument_;
    spec.side = side;
    spec.type = core::OrderType::kLimit;
    spec.quantity = Quantity::FromMantissa(Units(quantity));
    spec.price = Price::FromMantissa(Units(price));
    return spec;
  }

  // Runs a command; returns the reply if it came at once.
  std::optional<CommandResult> Run(Command::Body body, std::vector<CommandResult>* later = nullptr) {
    std::optional<CommandResult> result;
    Command command;
    command.body = std::move(body);
    command.reply = [&result, later, this](CommandResult r) {
      if (in_execute_) {
        result = std::move(r);
      } else if (later != nullptr) {
        later->push_back(std::move(r));
      }
    };
    in_execute_ = true;
    orders_->Execute(command);
    in_execute_ = false;
    return result;
  }

  core::OrderUpdate Update(const core::OrderSpec& spec, OrderStatus status,
                           core::UpdateSource source = core::UpdateSource::kPlace) {
    core::OrderUpdate update;
    update.venue = core::Venue::kBinance;
    update.instrument = spec.instrument;
    update.client_order_id = spec.client_order_id;
    update.venue_order_id.Assign("12345");
    update.status = status;
    update.source = source;
    return update;
  }

  core::Fill MakeFill(const core::OrderSpec& spec, std::string_view trade_id, std::string_view price,
                      std::string_view quantity, std::string_view fee, std::string_view fee_asset) {
    core::Fill fill;
    fill.venue = core::Venue::kBinance;
    fill.instrument = spec.instrument;
    fill.client_order_id = spec.client_order_id;
    fill.trade_id.Assign(trade_id);
    fill.side = spec.side;
    fill.price = Price::FromMantissa(Units(price));
    fill.quantity = Quantity::FromMantissa(Units(quantity));
    fill.fee = Amount::FromMantissa(Units(fee));
    fill.fee_asset.Assign(fee_asset);
    return fill;
  }

  BalanceView Balance(std::string_view asset) {
    auto result = Run(GetBalances{core::Venue::kBinance});
    const auto& balances = std::get<BalancesResult>(*result).balances;
    for (const BalanceView& view : balances) {
      if (view.asset == asset) return view;
    }
    return BalanceView{};
  }

  core::SymbolRegistry registry_;
  core::InstrumentId instrument_ = 0;
  core::ManualClock clock_{1'700'000'000'000'000'000};
  std::optional<FakeMarket> market_;
  risk::RateLimiter limiter_;
  std::optional<risk::PreTradeRisk> risk_;
  FakeGateway gateway_;
  std::optional<OrderManager> orders_;
  bool in_execute_ = false;
};

TEST_F(OrderManagerTest, OrdersWaitForTheBalancesOfTheVenue) {
  auto result = Run(PlaceOrder{Limit(core::Side::kBuy, "0.001", "50000"), false});
  ASSERT_TRUE(result.has_value());
  const auto& error = std::get<CommandError>(*result);
  EXPECT_EQ(error.code, "VENUE_UNAVAILABLE");
  EXPECT_EQ(error.http_status, 503);
  EXPECT_TRUE(gateway_.placed.empty());
}

TEST_F(OrderManagerTest, PlaceAnswersWhenTheVenueHasAndMintsAnId) {
  LoadBalances("100000", "1");
  std::vector<CommandResult> later;
  auto now = Run(PlaceOrder{Limit(core::Side::kBuy, "0.001", "50000"), false}, &later);
  EXPECT_FALSE(now.has_value()) << "the reply waits for the venue";
  ASSERT_EQ(gateway_.placed.size(), 1u);
  const core::OrderSpec sent = gateway_.placed[0];
  EXPECT_TRUE(core::ClientOrderId::Parse(sent.client_order_id.view()).has_value());
  EXPECT_EQ(orders_->Find(sent.client_order_id)->status, OrderStatus::kPendingNew);

  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));
  ASSERT_EQ(later.size(), 1u);
  const auto& placed = std::get<OrderResult>(later[0]);
  EXPECT_TRUE(placed.created);
  EXPECT_EQ(placed.order.status, OrderStatus::kNew);
  EXPECT_EQ(placed.order.venue_order_id, "12345");
}

TEST_F(OrderManagerTest, RepeatedClientOrderIdReturnsTheSameOrderAndSendsNothing) {
  LoadBalances("100000", "1");
  core::OrderSpec spec = Limit(core::Side::kBuy, "0.001", "50000");
  spec.client_order_id = *core::ClientOrderId::Parse("0123456789abcdef0123456789abcdef");
  std::vector<CommandResult> later;
  Run(PlaceOrder{spec, true}, &later);
  Run(PlaceOrder{spec, true}, &later);  // while the first is in flight
  EXPECT_EQ(gateway_.placed.size(), 1u);
  orders_->OnOrderUpdate(Update(spec, OrderStatus::kNew));
  ASSERT_EQ(later.size(), 2u);
  EXPECT_TRUE(std::get<OrderResult>(later[0]).created);
  EXPECT_FALSE(std::get<OrderResult>(later[1]).created);

  auto again = Run(PlaceOrder{spec, true});
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(std::get<OrderResult>(*again).created);
  EXPECT_EQ(gateway_.placed.size(), 1u);

  core::OrderSpec other = spec;
  other.quantity = Quantity::FromMantissa(Units("0.002"));
  auto conflict = Run(PlaceOrder{other, true});
  EXPECT_EQ(std::get<CommandError>(*conflict).code, "DUPLICATE_CLIENT_ORDER_ID");
  EXPECT_EQ(gateway_.placed.size(), 1u);
}

TEST_F(OrderManagerTest, FillsMoveBalancesByExactlyTheFillsAndFees) {
  LoadBalances("1000", "0.5");
  std::vector<CommandResult> later;
  core::OrderSpec buy = Limit(core::Side::kBuy, "0.01", "50010");
  Run(PlaceOrder{buy, false}, &later);
  buy = gateway_.placed.back();
  orders_->OnFill(MakeFill(buy, "t1", "50001", "0.004", "0.000004", "BTC"));
  orders_->OnFill(MakeFill(buy, "t1", "50001", "0.004", "0.000004", "BTC"));  // the same, again
  orders_->OnFill(MakeFill(buy, "t2", "50002.5", "0.006", "0.000006", "BTC"));
  orders_->OnOrderUpdate(Update(buy, OrderStatus::kFilled));

  const auto order = *orders_->Find(buy.client_order_id);
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_EQ(order.fills.size(), 2u);
  EXPECT_EQ(order.filled_quantity.mantissa(), Units("0.01"));
  // 0.004 × 50001 + 0.006 × 50002.5 = 200.004 + 300.015
  EXPECT_EQ(order.filled_notional.mantissa(), Units("200.004") + Units("300.015"));
  const BalanceView usdt = Balance("USDT");
  const BalanceView btc = Balance("BTC");
  EXPECT_EQ(usdt.free.mantissa(), Units("1000") - Units("500.019"));
  EXPECT_EQ(usdt.locked.mantissa(), 0) << "a filled order reserves nothing";
  EXPECT_EQ(btc.free.mantissa(), Units("0.5") + Units("0.01") - Units("0.00001"));
}

TEST_F(OrderManagerTest, OpenOrdersReserveTheirWorstCaseUntilTheyEnd) {
  LoadBalances("1000", "0");
  std::vector<CommandResult> later;
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false}, &later);
  const core::OrderSpec first = gateway_.placed.back();
  // 0.01 × 50000 = 500, plus 0.1 % fee = 500.5 reserved.
  EXPECT_EQ(Balance("USDT").locked.mantissa(), Units("500.5"));
  EXPECT_EQ(Balance("USDT").free.mantissa(), Units("499.5"));

  auto refused = Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(std::get<CommandError>(*refused).code, "INSUFFICIENT_BALANCE");
  EXPECT_EQ(gateway_.placed.size(), 1u);

  orders_->OnOrderUpdate(Update(first, OrderStatus::kCanceled));
  EXPECT_EQ(Balance("USDT").locked.mantissa(), 0);
  EXPECT_EQ(Balance("USDT").free.mantissa(), Units("1000"));
}

TEST_F(OrderManagerTest, VenueRefusalIsRejectedAndReleasesTheReservation) {
  LoadBalances("1000", "0");
  std::vector<CommandResult> later;
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false}, &later);
  core::OrderUpdate refusal = Update(gateway_.placed.back(), OrderStatus::kRejected);
  refusal.venue_code.Assign("-2010");
  refusal.message.Assign("Account has insufficient balance for requested action.");
  orders_->OnOrderUpdate(refusal);
  ASSERT_EQ(later.size(), 1u);
  const auto& order = std::get<OrderResult>(later[0]).order;
  EXPECT_EQ(order.status, OrderStatus::kRejected);
  EXPECT_EQ(order.reject_code, "-2010");
  EXPECT_EQ(Balance("USDT").locked.mantissa(), 0);
}

TEST_F(OrderManagerTest, LostAnswerIsUnknownAndResolvedByQueryNeverBySendingAgain) {
  LoadBalances("1000", "0");
  std::vector<CommandResult> later;
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false}, &later);
  const core::OrderSpec sent = gateway_.placed.back();
  core::OrderUpdate lost = Update(sent, OrderStatus::kUnknown);
  lost.venue_order_id.Assign("");
  lost.venue_code.Assign("NO_ANSWER");
  orders_->OnOrderUpdate(lost);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(std::get<OrderResult>(later[0]).order.status, OrderStatus::kUnknown);
  EXPECT_EQ(Balance("USDT").locked.mantissa(), Units("500.5")) << "it may be at the venue";

  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_TRUE(gateway_.queries.empty()) << "not before the query interval";
  clock_.Advance(600 * kMs);
  orders_->OnTimer(clock_.MonotonicNs());
  ASSERT_EQ(gateway_.queries.size(), 1u);
  EXPECT_EQ(gateway_.queries[0].client_order_id, sent.client_order_id);

  core::OrderUpdate answer = Update(sent, OrderStatus::kPartiallyFilled, core::UpdateSource::kQuery);
  answer.has_filled = true;
  answer.filled_quantity = Quantity::FromMantissa(Units("0.004"));
  orders_->OnOrderUpdate(answer);
  orders_->OnFill(MakeFill(sent, "t9", "50000", "0.004", "0", "BTC"));
  const auto order = *orders_->Find(sent.client_order_id);
  EXPECT_EQ(order.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(order.venue_order_id, "12345");
  EXPECT_EQ(gateway_.placed.size(), 1u) << "never sent twice";
}

TEST_F(OrderManagerTest, NotFoundIsTrustedOnlyAfterTheReceiveWindow) {
  LoadBalances("1000", "0");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kUnknown));
  core::OrderUpdate not_found = Update(sent, OrderStatus::kUnknown, core::UpdateSource::kQuery);
  not_found.not_found = true;

  clock_.Advance(1000 * kMs);
  orders_->OnOrderUpdate(not_found);
  EXPECT_EQ(orders_->Find(sent.client_order_id)->status, OrderStatus::kUnknown)
      << "the venue may still accept it inside its receive window";

  clock_.Advance(6000 * kMs);  // past recv_window (5 s) and the margin (1 s)
  orders_->OnOrderUpdate(not_found);
  const auto order = *orders_->Find(sent.client_order_id);
  EXPECT_EQ(order.status, OrderStatus::kRejected);
  EXPECT_EQ(order.reject_code, "NOT_RECEIVED");
  EXPECT_EQ(Balance("USDT").locked.mantissa(), 0);
}

TEST_F(OrderManagerTest, FillsOfThePlaceAnswerWaitForItsUpdateBeforeAnswering) {
  LoadBalances("100000", "0");
  std::vector<CommandResult> later;
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50010"), false}, &later);
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnFill(MakeFill(sent, "t1", "50001", "0.01", "0.00001", "BTC"));
  EXPECT_TRUE(later.empty()) << "the update with the venue's id follows the fills";
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kFilled));
  ASSERT_EQ(later.size(), 1u);
  const auto& order = std::get<OrderResult>(later[0]).order;
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_EQ(order.venue_order_id, "12345");
  EXPECT_EQ(order.fills.size(), 1u);
}

TEST_F(OrderManagerTest, LateAnswersNeverUndoAFinalState) {
  LoadBalances("1000", "1");
  Run(PlaceOrder{Limit(core::Side::kSell, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnFill(MakeFill(sent, "t1", "50000", "0.01", "0.5", "USDT"));
  EXPECT_EQ(orders_->Find(sent.client_order_id)->status, OrderStatus::kFilled);
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));  // the ack, after the fill
  EXPECT_EQ(orders_->Find(sent.client_order_id)->status, OrderStatus::kFilled);
  EXPECT_EQ(Balance("USDT").free.mantissa(), Units("1000") + Units("500") - Units("0.5"));
  EXPECT_EQ(Balance("BTC").free.mantissa(), Units("0.99"));
}

TEST_F(OrderManagerTest, CancelWaitsForTheVenueAndARefusedCancelQueriesTheOrder) {
  LoadBalances("1000", "0");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));

  std::vector<CommandResult> later;
  auto now = Run(CancelOrder{core::Venue::kBinance, sent.client_order_id, {}}, &later);
  EXPECT_FALSE(now.has_value());
  ASSERT_EQ(gateway_.cancels.size(), 1u);
  EXPECT_EQ(gateway_.cancels[0].venue_order_id.view(), "12345");

  core::OrderUpdate refused = Update(sent, OrderStatus::kUnknown, core::UpdateSource::kCancel);
  refused.cancel_refused = true;
  refused.venue_code.Assign("-2011");
  orders_->OnOrderUpdate(refused);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(std::get<CommandError>(later[0]).code, "VENUE_REJECTED");
  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_EQ(gateway_.queries.size(), 1u) << "a refused cancel asks the venue what the order is";

  Run(CancelOrder{core::Venue::kBinance, sent.client_order_id, {}}, &later);
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kCanceled, core::UpdateSource::kCancel));
  ASSERT_EQ(later.size(), 2u);
  EXPECT_EQ(std::get<OrderResult>(later[1]).order.status, OrderStatus::kCanceled);

  auto again = Run(CancelOrder{core::Venue::kBinance, sent.client_order_id, {}});
  EXPECT_EQ(std::get<CommandError>(*again).code, "ORDER_NOT_OPEN");
  auto missing = Run(CancelOrder{core::Venue::kBinance, std::nullopt, "999"});
  EXPECT_EQ(std::get<CommandError>(*missing).code, "NOT_FOUND");
}

TEST_F(OrderManagerTest, ACancelThatDoesNotSayWhatFilledIsCheckedOnceByQuery) {
  LoadBalances("1000", "0");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));
  Run(CancelOrder{core::Venue::kBinance, sent.client_order_id, {}});
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kCanceled, core::UpdateSource::kCancel));
  orders_->OnTimer(clock_.MonotonicNs());
  ASSERT_EQ(gateway_.queries.size(), 1u) << "one last query for fills the cancel did not report";
  // The venue had filled part just before the cancel.
  core::OrderUpdate answer = Update(sent, OrderStatus::kCanceled, core::UpdateSource::kQuery);
  answer.has_filled = true;
  answer.filled_quantity = Quantity::FromMantissa(Units("0.004"));
  orders_->OnOrderUpdate(answer);
  clock_.Advance(600 * kMs);
  orders_->OnTimer(clock_.MonotonicNs());
  ASSERT_EQ(gateway_.queries.size(), 2u) << "fills owed: queried for them";
  orders_->OnFill(MakeFill(sent, "late", "50000", "0.004", "0", "BTC"));
  orders_->OnOrderUpdate(answer);
  clock_.Advance(5000 * kMs);
  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_EQ(gateway_.queries.size(), 2u) << "nothing more owed";
  EXPECT_EQ(orders_->Find(sent.client_order_id)->status, OrderStatus::kCanceled);
  EXPECT_EQ(Balance("BTC").free.mantissa(), Units("0.004"));
}

TEST_F(OrderManagerTest, KillHaltsCancelsEveryOpenOrderAndResumeReopens) {
  LoadBalances("10000", "1");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  Run(PlaceOrder{Limit(core::Side::kSell, "0.01", "50001"), false});
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "49999"), false});
  for (const auto& spec : gateway_.placed) orders_->OnOrderUpdate(Update(spec, OrderStatus::kNew));
  orders_->OnOrderUpdate(Update(gateway_.placed[2], OrderStatus::kCanceled));

  auto killed = Run(Kill{});
  const auto& kill = std::get<KillResult>(*killed);
  EXPECT_EQ(kill.state, risk::TradingState::kHalted);
  EXPECT_EQ(kill.cancels_sent, 2u);
  EXPECT_EQ(gateway_.cancels.size(), 2u);

  auto refused = Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  EXPECT_EQ(std::get<CommandError>(*refused).code, "TRADING_HALTED");
  EXPECT_EQ(gateway_.placed.size(), 3u);

  Run(Resume{});
  EXPECT_EQ(orders_->trading_state(), risk::TradingState::kActive);
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  EXPECT_EQ(gateway_.placed.size(), 4u);
}

TEST_F(OrderManagerTest, OpenOrdersArePolledForFills) {
  LoadBalances("1000", "0");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));
  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_TRUE(gateway_.queries.empty());
  clock_.Advance(1001 * kMs);
  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_EQ(gateway_.queries.size(), 1u);
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kCanceled, core::UpdateSource::kQuery));
  clock_.Advance(5000 * kMs);
  orders_->OnTimer(clock_.MonotonicNs());
  EXPECT_EQ(gateway_.queries.size(), 1u) << "a final order is not polled";
}

TEST_F(OrderManagerTest, TradesAreListedNewestFirstWithFilters) {
  LoadBalances("1000", "0");
  Run(PlaceOrder{Limit(core::Side::kBuy, "0.01", "50000"), false});
  const core::OrderSpec sent = gateway_.placed.back();
  orders_->OnFill(MakeFill(sent, "a", "50000", "0.004", "0", "BTC"));
  orders_->OnFill(MakeFill(sent, "b", "50000", "0.006", "0", "BTC"));
  auto trades = Run(ListTrades{core::Venue::kBinance, std::nullopt, 1});
  const auto& fills = std::get<TradesResult>(*trades).fills;
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].trade_id.view(), "b");
  auto other = Run(ListTrades{core::Venue::kOkx, std::nullopt, 100});
  EXPECT_TRUE(std::get<TradesResult>(*other).fills.empty());
}

TEST_F(OrderManagerTest, StopsAreHeldForVenuesWithoutNativeStopsAndSentWhenReached) {
  LoadBalances("1000", "1");
  core::OrderSpec stop;
  stop.instrument = instrument_;
  stop.side = core::Side::kSell;
  stop.type = core::OrderType::kStopLossLimit;
  stop.quantity = Quantity::FromMantissa(Units("0.01"));
  stop.stop_price = Price::FromMantissa(Units("49900"));
  stop.price = Price::FromMantissa(Units("49890"));
  auto placed = Run(PlaceOrder{stop, false});
  ASSERT_TRUE(placed.has_value()) << "a held stop answers at once";
  const auto& view = std::get<OrderResult>(*placed).order;
  EXPECT_EQ(view.status, OrderStatus::kNew);
  EXPECT_TRUE(gateway_.placed.empty()) << "nothing at the venue yet";
  EXPECT_EQ(Balance("BTC").locked.mantissa(), Units("0.01")) << "reserved while held";

  orders_->OnMarketPrice(instrument_, Price::FromMantissa(Units("49950")));
  EXPECT_TRUE(gateway_.placed.empty()) << "not reached";
  orders_->OnMarketPrice(instrument_, Price::FromMantissa(Units("49900")));
  ASSERT_EQ(gateway_.placed.size(), 1u);
  const core::OrderSpec& sent = gateway_.placed[0];
  EXPECT_EQ(sent.type, core::OrderType::kLimit);
  EXPECT_EQ(sent.price, stop.price);
  EXPECT_EQ(sent.client_order_id, view.client_order_id) << "the same order, now at the venue";
  EXPECT_EQ(orders_->Find(view.client_order_id)->status, OrderStatus::kPendingNew);
  orders_->OnOrderUpdate(Update(sent, OrderStatus::kNew));
  EXPECT_EQ(orders_->Find(view.client_order_id)->status, OrderStatus::kNew);
  orders_->OnMarketPrice(instrument_, Price::FromMantissa(Units("49000")));
  EXPECT_EQ(gateway_.placed.size(), 1u) << "fires once";
}

TEST_F(OrderManagerTest, TakeProfitBuyFiresWhenThePriceFallsAndHeldStopsCancelLocally) {
  LoadBalances("1000", "0");
  core::OrderSpec take_profit;
  take_profit.instrument = instrument_;
  take_profit.side = core::Side::kBuy;
  take_profit.type = core::OrderType::kTakeProfit;
  take_profit.quantity = Quantity::FromMantissa(Units("0.001"));
  take_profit.stop_price = Price::FromMantissa(Units("49000"));
  auto first = Run(PlaceOrder{take_profit, false});
  auto second = Run(PlaceOrder{take_profit, false});
  const auto cancel_id = std::get<OrderResult>(*second).order.client_order_id;
  auto canceled = Run(CancelOrder{core::Venue::kBinance, cancel_id, {}});
  EXPECT_EQ(std::get<OrderResult>(*canceled).order.status, OrderStatus::kCanceled);
  EXPECT_TRUE(gateway_.cancels.empty()) << "a held stop is cancelled without the venue";

  orders_->OnMarketPrice(instrument_, Price::FromMantissa(Units("49500")));
  EXPECT_TRUE(gateway_.placed.empty());
  orders_->OnMarketPrice(instrument_, Price::FromMantissa(Units("48999")));
  ASSERT_EQ(gateway_.placed.size(), 1u) << "only the one still held";
  EXPECT_EQ(gateway_.placed[0].type, core::OrderType::kMarket);
  EXPECT_EQ(gateway_.placed[0].client_order_id, std::get<OrderResult>(*first).order.client_order_id);
}

TEST_F(OrderManagerTest, AnOrderTheVenueHasNoFormForIsRefusedBeforeRisk) {
  gateway_.fok = false;
  LoadBalances("1000", "0");
  core::OrderSpec fok = Limit(core::Side::kBuy, "0.01", "50000");
  fok.time_in_force = core::TimeInForce::kFok;
  auto refused = Run(PlaceOrder{fok, false});
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(std::get<CommandError>(*refused).code, "INVALID_ORDER");
  EXPECT_EQ(std::get<CommandError>(*refused).message, "no FOK here");
  EXPECT_TRUE(gateway_.placed.empty());
}

TEST_F(OrderManagerTest, NativeStopsGoStraightToTheVenue) {
  gateway_.native_stops = true;
  LoadBalances("1000", "1");
  core::OrderSpec stop;
  stop.instrument = instrument_;
  stop.side = core::Side::kSell;
  stop.type = core::OrderType::kStopLoss;
  stop.quantity = Quantity::FromMantissa(Units("0.01"));
  stop.stop_price = Price::FromMantissa(Units("49900"));
  Run(PlaceOrder{stop, false});
  ASSERT_EQ(gateway_.placed.size(), 1u);
  EXPECT_EQ(gateway_.placed[0].type, core::OrderType::kStopLoss);
}

}  // namespace
}  // namespace tradingd::engine
