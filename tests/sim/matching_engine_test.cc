#include "sim/common/matching_engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim {
namespace {

__extension__ typedef __int128 Int128;

constexpr std::int64_t kUnit = 100'000'000;  // 1.0 at kSimScale
constexpr std::int64_t kPpm = 1'000'000;
constexpr std::int64_t kMakerPpm = 100;  // 0.01 %: small fills round their fee up
constexpr std::int64_t kTakerPpm = 777;  // 0.0777 %: an odd rate, so fees rarely come out exact

constexpr std::int64_t Units(std::int64_t whole) { return whole * kUnit; }

SymbolSpec BtcSpec() {
  SymbolSpec spec;
  spec.symbol = "BTCUSDT";
  spec.base = "BTC";
  spec.quote = "USDT";
  spec.tick_size = 1'000'000;  // 0.01
  spec.lot_size = 1'000;       // 0.00001
  spec.start_price = Units(60'000);
  return spec;
}

SymbolSpec EthSpec() {
  SymbolSpec spec;
  spec.symbol = "ETHUSDT";
  spec.base = "ETH";
  spec.quote = "USDT";
  spec.tick_size = 1'000'000;  // 0.01
  spec.lot_size = 10'000;      // 0.0001
  spec.start_price = Units(3'000);
  return spec;
}

std::int64_t CeilDiv(Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}

// The book as the public feed shows it: rebuilt from the reported LevelChanges only, checking that
// update ids are consecutive and that every trade is followed by its level change.
class PublicBook : public MarketListener {
 public:
  explicit PublicBook(const BookLevels& levels) : last_update_id_(levels.last_update_id) {
    for (const BookLevel& level : levels.bids) bids_[level.price] = level.quantity;
    for (const BookLevel& level : levels.asks) asks_[level.price] = level.quantity;
  }
  void OnTrade(const TradePrint& trade) override {
    if (expecting_change_) ok_ = false;
    expecting_change_ = true;
    trades_.push_back(trade);
  }
  void OnLevelChange(const LevelChange& change) override {
    expecting_change_ = false;
    if (change.update_id != last_update_id_ + 1) ok_ = false;
    last_update_id_ = change.update_id;
    if (change.side == Side::kBid) {
      if (change.quantity == 0) {
        bids_.erase(change.price);
      } else {
        bids_[change.price] = change.quantity;
      }
    } else if (change.quantity == 0) {
      asks_.erase(change.price);
    } else {
      asks_[change.price] = change.quantity;
    }
  }
  // Ids consecutive, trade-then-change, and equal to the market's own book.
  void ExpectMatches(const SyntheticMarket& market) const {
    EXPECT_TRUE(ok_);
    const BookLevels levels = market.Levels(0);
    EXPECT_EQ(last_update_id_, levels.last_update_id);
    std::vector<BookLevel> bids;
    std::vector<BookLevel> asks;
    for (const auto& [price, quantity] : bids_) bids.push_back({price, quantity});
    for (const auto& [price, quantity] : asks_) asks.push_back({price, quantity});
    EXPECT_EQ(bids, levels.bids);
    EXPECT_EQ(asks, levels.asks);
  }
  const std::vector<TradePrint>& trades() const { return trades_; }

 private:
  std::map<std::int64_t, std::int64_t, std::greater<>> bids_;
  std::map<std::int64_t, std::int64_t> asks_;
  std::uint64_t last_update_id_;
  std::vector<TradePrint> trades_;
  bool ok_ = true;
  bool expecting_change_ = false;
};

// A publisher that also forwards every trade to the engine, as a sim that calls market.Step
// itself does (the engine must ignore the trades its own Takes cause).
class ForwardingBook : public PublicBook {
 public:
  ForwardingBook(const BookLevels& levels, std::string symbol)
      : PublicBook(levels), symbol_(std::move(symbol)) {}
  void set_engine(MatchingEngine* engine) { engine_ = engine; }
  void OnTrade(const TradePrint& trade) override {
    PublicBook::OnTrade(trade);
    if (engine_ != nullptr) engine_->OnMarketTrade(symbol_, trade);
  }

 private:
  std::string symbol_;
  MatchingEngine* engine_ = nullptr;
};

struct EventLog : OrderEventListener {
  // What a listener saw of the order when the event came.
  struct Entry {
    OrderEventKind kind;
    std::uint64_t order_id;
    OrderStatus status;
    std::int64_t quantity;
    std::int64_t locked;
  };
  std::vector<Entry> entries;
  std::vector<Fill> fills;
  void OnOrderEvent(const OrderEvent& event) override {
    entries.push_back({event.kind, event.order->order_id, event.order->status,
                       event.order->quantity, event.order->locked});
    if (event.kind == OrderEventKind::kFill) fills.push_back(*event.fill);
  }
  const Entry* First(std::uint64_t order_id) const {
    for (const Entry& entry : entries) {
      if (entry.order_id == order_id) return &entry;
    }
    return nullptr;
  }
  std::vector<OrderEventKind> KindsOf(std::uint64_t order_id) const {
    std::vector<OrderEventKind> kinds;
    for (const Entry& entry : entries) {
      if (entry.order_id == order_id) kinds.push_back(entry.kind);
    }
    return kinds;
  }
};

// Replays the engine's documented rounding over an order's fills: the cumulative exact notional
// rounded up for buys (down for sells), the cumulative exact fee rounded up.
void ExpectOrderArithmetic(const Order& order, FeeAsset policy, std::int64_t maker_ppm,
                           std::int64_t taker_ppm, const SymbolSpec& spec) {
  const bool buy = order.side == OrderSide::kBuy;
  Int128 exact = 0;
  Int128 fee_numerator = 0;
  std::int64_t quote = 0;
  std::int64_t fee = 0;
  std::int64_t executed = 0;
  for (const Fill& fill : order.fills) {
    exact += static_cast<Int128>(fill.price) * fill.quantity;
    const std::int64_t new_quote =
        buy ? CeilDiv(exact, kUnit) : static_cast<std::int64_t>(exact / kUnit);
    EXPECT_EQ(fill.quote_quantity, new_quote - quote);
    quote = new_quote;
    const bool base_fee = buy && policy == FeeAsset::kReceived;
    fee_numerator += static_cast<Int128>(base_fee ? fill.quantity : fill.quote_quantity) *
                     (fill.is_maker ? maker_ppm : taker_ppm);
    const std::int64_t new_fee = CeilDiv(fee_numerator, kPpm);
    EXPECT_EQ(fill.fee, new_fee - fee);
    fee = new_fee;
    EXPECT_EQ(fill.fee_asset, base_fee ? spec.base : spec.quote);
    EXPECT_EQ(fill.order_id, order.order_id);
    executed += fill.quantity;
  }
  EXPECT_EQ(order.cumulative_quote, quote);
  EXPECT_EQ(order.cumulative_fee, fee);
  EXPECT_EQ(order.executed_quantity, executed);
}

// What the fills do to an account's totals (free + locked) per asset.
void ApplyFills(const std::vector<Fill>& fills, const SymbolSpec& spec,
                std::map<std::string, std::int64_t>& totals) {
  for (const Fill& fill : fills) {
    if (fill.symbol != spec.symbol) continue;
    if (fill.side == OrderSide::kBuy) {
      totals[spec.base] += fill.quantity;
      totals[spec.quote] -= fill.quote_quantity;
    } else {
      totals[spec.base] -= fill.quantity;
      totals[spec.quote] += fill.quote_quantity;
    }
    totals[fill.fee_asset] -= fill.fee;
  }
}

MatchingEngineConfig TestConfig(FeeAsset fee_asset = FeeAsset::kReceived) {
  MatchingEngineConfig config;
  config.maker_fee_ppm = kMakerPpm;
  config.taker_fee_ppm = kTakerPpm;
  config.fee_asset = fee_asset;
  return config;
}

class MatchingEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(TestConfig()); }

  void Build(MatchingEngineConfig config, std::uint64_t seed = 11) {
    config.now_ms = [this] { return now_ms_; };
    config_ = config;
    engine_.reset();
    events_ = EventLog{};  // order ids restart with the new engine
    market_ = std::make_unique<SyntheticMarket>(BtcSpec(), seed, 1000, 5000);
    book_ = std::make_unique<PublicBook>(market_->Levels(0));
    engine_ = std::make_unique<MatchingEngine>(std::move(config));
    ASSERT_TRUE(engine_->AddSymbol(*market_, *book_));
    engine_->SetEventListener(&events_);
    ASSERT_TRUE(
        engine_->CreateAccount("alice", {{"BTC", Units(100)}, {"USDT", Units(10'000'000)}}));
    ASSERT_TRUE(engine_->CreateAccount("bob", {{"BTC", Units(100)}, {"USDT", Units(10'000'000)}}));
  }

  const SymbolSpec& spec() const { return market_->spec(); }
  std::int64_t tick() const { return spec().tick_size; }
  std::int64_t lot() const { return spec().lot_size; }
  Balance Bal(const std::string& account, const std::string& asset) const {
    return *engine_->GetBalance(account, asset);
  }
  std::map<std::string, std::int64_t> Totals(const std::string& account) const {
    std::map<std::string, std::int64_t> totals;
    for (const auto& [asset, balance] : *engine_->Balances(account)) {
      totals[asset] = balance.free + balance.locked;
    }
    return totals;
  }

  OrderRequest Limit(const std::string& account, OrderSide side, std::int64_t price,
                     std::int64_t quantity, TimeInForce tif = TimeInForce::kGtc) const {
    OrderRequest request;
    request.account = account;
    request.symbol = "BTCUSDT";
    request.side = side;
    request.type = OrderType::kLimit;
    request.time_in_force = tif;
    request.price = price;
    request.quantity = quantity;
    return request;
  }
  OrderRequest Market(const std::string& account, OrderSide side, std::int64_t quantity) const {
    OrderRequest request;
    request.account = account;
    request.symbol = "BTCUSDT";
    request.side = side;
    request.type = OrderType::kMarket;
    request.quantity = quantity;
    return request;
  }
  OrderRequest Stop(const std::string& account, OrderType type, OrderSide side,
                    std::int64_t stop_price, std::int64_t quantity, std::int64_t price = 0) const {
    OrderRequest request;
    request.account = account;
    request.symbol = "BTCUSDT";
    request.side = side;
    request.type = type;
    request.stop_price = stop_price;
    request.quantity = quantity;
    request.price = price;
    return request;
  }

  // What a seller must sell into the bids for its last fill to print above `price` (every level
  // above it) ...
  std::int64_t SellAbove(std::int64_t price) const {
    std::int64_t quantity = 0;
    for (const auto& [level, size] : market_->bids()) {
      if (level <= price) break;
      quantity += size;
    }
    return quantity;
  }
  // ... and at or below it: 10 lots more (10 lots clear the 5 USDT minimum notional by themselves;
  // deeper bids are lower, so the last print is at or below `price` however thin they are).
  std::int64_t SellThrough(std::int64_t price) const { return SellAbove(price) + 10 * lot(); }
  // The same for a buyer lifting the asks to at or above `price`.
  std::int64_t BuyThrough(std::int64_t price) const {
    std::int64_t quantity = 0;
    for (const auto& [level, size] : market_->asks()) {
      if (level >= price) break;
      quantity += size;
    }
    return quantity + 10 * lot();
  }

  void ExpectRefused(const OrderRequest& request, Refusal refusal) {
    const auto alice_before = *engine_->Balances("alice");
    const std::uint64_t update_id = market_->last_update_id();
    const std::size_t orders = engine_->Orders("alice").size();
    const std::size_t events = events_.entries.size();
    const OrderResult result = engine_->Place(request);
    EXPECT_EQ(result.refusal, refusal) << RefusalName(result.refusal) << " instead of "
                                       << RefusalName(refusal) << ": " << result.message;
    EXPECT_FALSE(result.ok());
    EXPECT_EQ(result.order, nullptr);
    EXPECT_FALSE(result.message.empty());
    EXPECT_EQ(*engine_->Balances("alice"), alice_before);
    EXPECT_EQ(market_->last_update_id(), update_id);
    EXPECT_EQ(engine_->Orders("alice").size(), orders);
    EXPECT_EQ(events_.entries.size(), events);
  }

  std::int64_t now_ms_ = 1'700'000'000'000;
  MatchingEngineConfig config_;
  std::unique_ptr<SyntheticMarket> market_;
  std::unique_ptr<PublicBook> book_;
  std::unique_ptr<MatchingEngine> engine_;
  EventLog events_;
};

// ---- accounts ----

TEST_F(MatchingEngineTest, AccountsHaveBalancesThatTestsCanSet) {
  EXPECT_TRUE(engine_->HasAccount("alice"));
  EXPECT_FALSE(engine_->HasAccount("carol"));
  EXPECT_FALSE(engine_->CreateAccount("alice"));
  EXPECT_EQ(Bal("alice", "BTC"), (Balance{Units(100), 0}));
  EXPECT_EQ(Bal("alice", "ETH"), (Balance{0, 0}));
  EXPECT_FALSE(engine_->GetBalance("carol", "BTC").has_value());
  EXPECT_EQ(engine_->Balances("carol"), nullptr);

  EXPECT_TRUE(engine_->Credit("alice", "ETH", Units(3)));
  EXPECT_EQ(Bal("alice", "ETH").free, Units(3));
  EXPECT_FALSE(engine_->Credit("alice", "ETH", -Units(4)));
  EXPECT_TRUE(engine_->Credit("alice", "ETH", -Units(1)));
  EXPECT_EQ(Bal("alice", "ETH").free, Units(2));
  EXPECT_TRUE(engine_->SetFreeBalance("alice", "USDT", 42));
  EXPECT_EQ(Bal("alice", "USDT").free, 42);
  EXPECT_FALSE(engine_->SetFreeBalance("alice", "USDT", -1));
  EXPECT_FALSE(engine_->Credit("carol", "BTC", 1));
  EXPECT_FALSE(engine_->SetFreeBalance("carol", "BTC", 1));

  // The config's starting balances.
  MatchingEngineConfig config;
  config.starting_balances = {{"USDT", Units(500)}, {"BTC", 7}};
  MatchingEngine engine(config);
  EXPECT_TRUE(engine.CreateAccount("k1"));
  EXPECT_EQ(engine.GetBalance("k1", "USDT")->free, Units(500));
  EXPECT_EQ(engine.GetBalance("k1", "BTC")->free, 7);
}

TEST_F(MatchingEngineTest, SymbolsAreKnownOnceAndClosedSymbolsRefuseOrders) {
  EXPECT_FALSE(engine_->AddSymbol(*market_, *book_));
  ASSERT_NE(engine_->FindSymbol("BTCUSDT"), nullptr);
  EXPECT_EQ(engine_->FindSymbol("BTCUSDT")->lot_size, lot());
  EXPECT_EQ(engine_->FindSymbol("ETHUSDT"), nullptr);
  EXPECT_TRUE(engine_->AddClosedSymbol(EthSpec()));
  EXPECT_FALSE(engine_->AddClosedSymbol(EthSpec()));
  OrderRequest request = Limit("alice", OrderSide::kBuy, Units(3000), 10'000);
  request.symbol = "ETHUSDT";
  ExpectRefused(request, Refusal::kMarketClosed);
  engine_->StepMarket("ETHUSDT");  // closed symbols ignore the hooks
  engine_->AfterStep("ETHUSDT");
  EXPECT_EQ(engine_->Cross("ETHUSDT", OrderSide::kSell, 10'000), 0);
}

// ---- refusals ----

TEST_F(MatchingEngineTest, RefusesEachInvalidRequestWithItsReasonAndChangesNothing) {
  const TopOfBook top = market_->top();
  const std::int64_t bid = top.bid_price;
  const std::int64_t ask = top.ask_price;
  const std::int64_t quantity = 100 * lot();  // 0.001 BTC, ~60 USDT

  OrderRequest request = Limit("carol", OrderSide::kBuy, bid, quantity);
  ExpectRefused(request, Refusal::kUnknownAccount);
  request = Limit("alice", OrderSide::kBuy, bid, quantity);
  request.symbol = "XRPUSDT";
  ExpectRefused(request, Refusal::kUnknownSymbol);

  // Combinations the order types do not take.
  request = Limit("alice", OrderSide::kBuy, bid, quantity);
  request.quote_quantity = Units(100);
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Market("alice", OrderSide::kBuy, quantity);
  request.quote_quantity = Units(100);
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Market("alice", OrderSide::kBuy, quantity);
  request.price = bid;
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Limit("alice", OrderSide::kBuy, bid, quantity);
  request.stop_price = bid;
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Limit("alice", OrderSide::kBuy, bid, quantity, TimeInForce::kIoc);
  request.post_only = true;
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Market("alice", OrderSide::kBuy, quantity);
  request.post_only = true;
  ExpectRefused(request, Refusal::kInvalidParameters);
  request = Stop("alice", OrderType::kStopLoss, OrderSide::kSell, bid - 100 * tick(), quantity);
  request.quote_quantity = Units(100);
  request.quantity = 0;
  ExpectRefused(request, Refusal::kInvalidParameters);

  // Quantity.
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid, 0), Refusal::kQuantityNotPositive);
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid, -lot()), Refusal::kQuantityNotPositive);
  ExpectRefused(Market("alice", OrderSide::kBuy, 0), Refusal::kQuantityNotPositive);
  request = Market("alice", OrderSide::kBuy, 0);
  request.quote_quantity = -1;
  ExpectRefused(request, Refusal::kQuantityNotPositive);
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid, quantity + 1),
                Refusal::kQuantityNotLotMultiple);
  ExpectRefused(Limit("alice", OrderSide::kSell, ask, spec().max_quantity + lot()),
                Refusal::kQuantityAboveMaximum);
  request = Market("alice", OrderSide::kBuy, 0);
  request.quote_quantity = Units(1) / 100;  // 0.01 USDT: less than one lot (0.6 USDT)
  ExpectRefused(request, Refusal::kQuantityBelowMinimum);

  // Price.
  ExpectRefused(Limit("alice", OrderSide::kBuy, 0, quantity), Refusal::kPriceNotPositive);
  ExpectRefused(Limit("alice", OrderSide::kBuy, -tick(), quantity), Refusal::kPriceNotPositive);
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid + 1, quantity), Refusal::kPriceNotTickMultiple);
  ExpectRefused(
      Stop("alice", OrderType::kStopLossLimit, OrderSide::kSell, bid - 100 * tick(), quantity, 0),
      Refusal::kPriceNotPositive);

  // Minimum notional: one lot at ~60,000 is 0.6 USDT, below 5.
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid, lot()), Refusal::kBelowMinNotional);
  ExpectRefused(Market("alice", OrderSide::kBuy, lot()), Refusal::kBelowMinNotional);
  ExpectRefused(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, bid - 100 * tick(), lot()),
                Refusal::kBelowMinNotional);

  // Balance: limit buy, sell, market buy (walked), stop-market buy (at its stop price).
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "USDT", Units(50)));
  ExpectRefused(Limit("alice", OrderSide::kBuy, bid, quantity), Refusal::kInsufficientBalance);
  ExpectRefused(Market("alice", OrderSide::kBuy, quantity), Refusal::kInsufficientBalance);
  ExpectRefused(Stop("alice", OrderType::kStopLoss, OrderSide::kBuy, ask + 100 * tick(), quantity),
                Refusal::kInsufficientBalance);
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "BTC", quantity - lot()));
  ExpectRefused(Limit("alice", OrderSide::kSell, ask, quantity), Refusal::kInsufficientBalance);
  ExpectRefused(Market("alice", OrderSide::kSell, quantity), Refusal::kInsufficientBalance);
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "USDT", Units(10'000'000)));
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "BTC", Units(100)));

  // Post-only that would take (the default policy refuses).
  request = Limit("alice", OrderSide::kBuy, ask, quantity);
  request.post_only = true;
  ExpectRefused(request, Refusal::kPostOnlyWouldTake);
  request = Limit("alice", OrderSide::kSell, bid, quantity);
  request.post_only = true;
  ExpectRefused(request, Refusal::kPostOnlyWouldTake);

  // Stop prices.
  ExpectRefused(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, 0, quantity),
                Refusal::kStopPriceMissing);
  ExpectRefused(Stop("alice", OrderType::kTakeProfit, OrderSide::kSell, -tick(), quantity),
                Refusal::kStopPriceMissing);
  ExpectRefused(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, bid - 1, quantity),
                Refusal::kStopPriceNotTickMultiple);
  // Before any trade the reference is the mid: a sell stop above it / a buy stop below it would
  // trigger at once; so would take-profits the other way round.
  ExpectRefused(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, ask, quantity),
                Refusal::kStopWouldTriggerImmediately);
  ExpectRefused(Stop("alice", OrderType::kStopLossLimit, OrderSide::kBuy, bid, quantity, bid),
                Refusal::kStopWouldTriggerImmediately);
  ExpectRefused(Stop("alice", OrderType::kTakeProfit, OrderSide::kSell, bid, quantity),
                Refusal::kStopWouldTriggerImmediately);
  ExpectRefused(Stop("alice", OrderType::kTakeProfitLimit, OrderSide::kBuy, ask, quantity, ask),
                Refusal::kStopWouldTriggerImmediately);

  // Duplicate open client order id.
  request = Limit("alice", OrderSide::kBuy, bid - 10 * tick(), quantity);
  request.client_order_id = "mine";
  ASSERT_TRUE(engine_->Place(request).ok());
  ExpectRefused(request, Refusal::kDuplicateClientOrderId);
  request.account = "bob";  // client ids are per account
  EXPECT_TRUE(engine_->Place(request).ok());

  // No liquidity: empty the asks from outside, then a market buy finds nothing.
  market_->Take({Side::kAsk, 0, Units(1'000'000'000), 0}, *book_);
  ASSERT_TRUE(market_->asks().empty());
  ExpectRefused(Market("alice", OrderSide::kBuy, quantity), Refusal::kNoLiquidity);
  request = Market("alice", OrderSide::kBuy, 0);
  request.quote_quantity = Units(100);
  ExpectRefused(request, Refusal::kNoLiquidity);
}

TEST_F(MatchingEngineTest, FillOrKillAndPostOnlyPoliciesCanRefuseOrExpire) {
  const BookLevels levels = market_->Levels(3);
  const std::int64_t within = levels.asks[0].quantity + levels.asks[1].quantity;
  // FOK limit at the second ask for one lot more than the two levels hold.
  OrderRequest fok =
      Limit("alice", OrderSide::kBuy, levels.asks[1].price, within + lot(), TimeInForce::kFok);
  // Default (Binance): accepted and EXPIRED at once, book untouched.
  const std::uint64_t update_id = market_->last_update_id();
  const auto before = *engine_->Balances("alice");
  OrderResult result = engine_->Place(fok);
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(result.order->end_reason, EndReason::kFokCannotFill);
  EXPECT_TRUE(result.order->fills.empty());
  EXPECT_EQ(market_->last_update_id(), update_id);
  EXPECT_EQ(*engine_->Balances("alice"), before);
  EXPECT_EQ(engine_->FindOrder("alice", result.order->order_id), result.order);
  EXPECT_EQ(events_.KindsOf(result.order->order_id),
            (std::vector<OrderEventKind>{OrderEventKind::kAccepted, OrderEventKind::kExpired}));
  // A FOK market order too: one lot more than the whole ask side.
  std::int64_t side_total = 0;
  for (const auto& [price, size] : market_->asks()) side_total += size;
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "USDT", Units(1'000'000'000)));
  result = engine_->Place([&] {
    OrderRequest request = Market("alice", OrderSide::kBuy, side_total + lot());
    request.time_in_force = TimeInForce::kFok;
    return request;
  }());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(market_->last_update_id(), update_id);

  // A FOK the book can fill executes in full.
  fok.quantity = within;
  result = engine_->Place(fok);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.order->status, OrderStatus::kFilled);
  EXPECT_EQ(result.order->fills.size(), 2u);

  // Post-only that would take, under the expire policy (OKX, Bybit, Kraken).
  MatchingEngineConfig config = TestConfig();
  config.post_only_policy = PostOnlyPolicy::kExpire;
  config.fok_policy = FillOrKillPolicy::kRefuse;
  Build(config);
  const TopOfBook top = market_->top();
  OrderRequest post = Limit("alice", OrderSide::kBuy, top.ask_price, 100 * lot());
  post.post_only = true;
  result = engine_->Place(post);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(result.order->end_reason, EndReason::kPostOnlyWouldTake);
  EXPECT_EQ(Bal("alice", "USDT"), (Balance{Units(10'000'000), 0}));
  // ... and one that does not take rests, hidden, with its lock.
  post.price = top.bid_price;
  const std::uint64_t id_before = market_->last_update_id();
  result = engine_->Place(post);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.order->status, OrderStatus::kNew);
  EXPECT_TRUE(result.order->post_only);
  EXPECT_EQ(market_->last_update_id(), id_before);
  EXPECT_EQ(Bal("alice", "USDT").locked, result.order->locked);
  // The refuse policy for FOK (Coinbase-style).
  fok = Limit("alice", OrderSide::kBuy, top.ask_price, market_->asks().begin()->second + lot(),
              TimeInForce::kFok);
  ExpectRefused(fok, Refusal::kFokCannotFill);
}

// ---- takers ----

TEST_F(MatchingEngineTest, MarketBuyWalksTheAsksBestFirstAndSettlesExactly) {
  const BookLevels levels = market_->Levels(4);
  const std::int64_t quantity =
      levels.asks[0].quantity + levels.asks[1].quantity + levels.asks[2].quantity + lot();
  const auto before = Totals("alice");
  const std::size_t prints = book_->trades().size();
  OrderRequest request = Market("alice", OrderSide::kBuy, quantity);
  request.client_order_id = "mkt-1";
  const OrderResult result = engine_->Place(request);
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_EQ(order.client_order_id, "mkt-1");
  EXPECT_EQ(order.executed_quantity, quantity);
  ASSERT_EQ(order.fills.size(), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    const Fill& fill = order.fills[i];
    EXPECT_EQ(fill.price, levels.asks[i].price);
    EXPECT_EQ(fill.quantity, i < 3 ? levels.asks[i].quantity : lot());
    EXPECT_FALSE(fill.is_maker);
    // The public tape shows each execution with the market's trade ids.
    const TradePrint& print = book_->trades()[prints + i];
    EXPECT_EQ(fill.public_trade_id, print.trade_id);
    EXPECT_EQ(print.price, fill.price);
    EXPECT_EQ(print.quantity, fill.quantity);
    EXPECT_FALSE(print.buyer_is_maker);
    EXPECT_EQ(fill.time_ms, now_ms_);
  }
  EXPECT_EQ(order.fills[1].trade_id, order.fills[0].trade_id + 1);
  ExpectOrderArithmetic(order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
  // Fees in what a buy receives: BTC.
  EXPECT_EQ(order.fee_asset, "BTC");
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
  EXPECT_EQ(engine_->fees_collected().at("BTC"), order.cumulative_fee);
  EXPECT_EQ(market_->top().ask_price, levels.asks[3].price);
  EXPECT_EQ(market_->top().ask_quantity, levels.asks[3].quantity - lot());
  EXPECT_EQ(engine_->LastPrice("BTCUSDT"), levels.asks[3].price);
  book_->ExpectMatches(*market_);
  EXPECT_TRUE(engine_->OpenOrders("alice").empty());
}

TEST_F(MatchingEngineTest, MarketSellWithQuoteFeesSettlesExactly) {
  Build(TestConfig(FeeAsset::kQuote));
  const BookLevels levels = market_->Levels(3);
  const std::int64_t quantity = levels.bids[0].quantity + 7 * lot();
  const auto before = Totals("alice");
  const OrderResult result = engine_->Place(Market("alice", OrderSide::kSell, quantity));
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  ASSERT_EQ(order.fills.size(), 2u);
  EXPECT_EQ(order.fills[0].price, levels.bids[0].price);
  EXPECT_EQ(order.fills[1].price, levels.bids[1].price);
  EXPECT_EQ(order.fills[1].quantity, 7 * lot());
  EXPECT_EQ(order.fee_asset, "USDT");
  ExpectOrderArithmetic(order, FeeAsset::kQuote, kMakerPpm, kTakerPpm, spec());
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
  book_->ExpectMatches(*market_);
}

std::int64_t quote_fee_if(FeeAsset policy, const Order& order) {
  return policy == FeeAsset::kQuote ? order.cumulative_fee : 0;
}

TEST_F(MatchingEngineTest, MarketOrdersByQuoteAmountSpendNoMoreThanIt) {
  for (const FeeAsset policy : {FeeAsset::kReceived, FeeAsset::kQuote}) {
    Build(TestConfig(policy));
    const BookLevels levels = market_->Levels(3);
    // About the first level and a half.
    const std::int64_t budget =
        static_cast<std::int64_t>(static_cast<Int128>(levels.asks[0].price) *
                                  levels.asks[0].quantity / kUnit) +
        static_cast<std::int64_t>(static_cast<Int128>(levels.asks[1].price) *
                                  (levels.asks[1].quantity / 2) / kUnit);
    const auto before = Totals("alice");
    OrderRequest request = Market("alice", OrderSide::kBuy, 0);
    request.quote_quantity = budget;
    const OrderResult result = engine_->Place(request);
    ASSERT_TRUE(result.ok()) << result.message;
    const Order& order = *result.order;
    EXPECT_EQ(order.status, OrderStatus::kFilled);
    EXPECT_EQ(order.quote_quantity, budget);
    EXPECT_EQ(order.quantity, order.executed_quantity);
    // The acceptance already reports the quantity the walk settled on, and what it holds.
    ASSERT_NE(events_.First(order.order_id), nullptr);
    EXPECT_EQ(events_.First(order.order_id)->kind, OrderEventKind::kAccepted);
    EXPECT_EQ(events_.First(order.order_id)->quantity, order.quantity);
    EXPECT_EQ(events_.First(order.order_id)->locked,
              order.cumulative_quote + quote_fee_if(policy, order));
    ASSERT_EQ(order.fills.size(), 2u);
    const std::int64_t quote_fee = policy == FeeAsset::kQuote ? order.cumulative_fee : 0;
    const std::int64_t spent = order.cumulative_quote + quote_fee;
    EXPECT_LE(spent, budget);
    // One more lot at the second level would have cost more than the budget.
    const Int128 next =
        static_cast<Int128>(levels.asks[0].price) * levels.asks[0].quantity +
        static_cast<Int128>(levels.asks[1].price) * (order.fills[1].quantity + lot());
    std::int64_t next_cost = CeilDiv(next, kUnit);
    if (policy == FeeAsset::kQuote) {
      next_cost += CeilDiv(static_cast<Int128>(next_cost) * kTakerPpm, kPpm);
    }
    EXPECT_GT(next_cost, budget);
    ExpectOrderArithmetic(order, policy, kMakerPpm, kTakerPpm, spec());
    auto expected = before;
    ApplyFills(order.fills, spec(), expected);
    EXPECT_EQ(Totals("alice"), expected);
    EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  }
  // A sell by quote amount receives no more than it, and less than one more lot would have given.
  Build(TestConfig());
  OrderRequest request = Market("alice", OrderSide::kSell, 0);
  request.quote_quantity = Units(12'345);
  const OrderResult result = engine_->Place(request);
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_LE(order.cumulative_quote, request.quote_quantity);
  // The next lot would have come at the last fill's price or lower.
  EXPECT_LT(request.quote_quantity - order.cumulative_quote,
            CeilDiv(static_cast<Int128>(order.fills.back().price) * lot(), kUnit) + 1);
  ExpectOrderArithmetic(order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
}

TEST_F(MatchingEngineTest, MarketOrderThatRunsOutOfBookExpiresTheRest) {
  std::int64_t side_total = 0;
  for (const auto& [price, quantity] : market_->asks()) side_total += quantity;
  ASSERT_LE(side_total + lot(), spec().max_quantity);
  ASSERT_TRUE(engine_->SetFreeBalance("alice", "USDT", Units(1'000'000'000)));
  const auto before = Totals("alice");
  const OrderResult result = engine_->Place(Market("alice", OrderSide::kBuy, side_total + lot()));
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(result.order->end_reason, EndReason::kLiquidityExhausted);
  EXPECT_EQ(result.order->executed_quantity, side_total);
  EXPECT_TRUE(market_->asks().empty());
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  auto expected = before;
  ApplyFills(result.order->fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  book_->ExpectMatches(*market_);
  // The market refills the side as it steps.
  for (int i = 0; i < 2000; ++i) engine_->StepMarket("BTCUSDT");
  EXPECT_FALSE(market_->asks().empty());
  book_->ExpectMatches(*market_);
}

TEST_F(MatchingEngineTest, LimitOrderTakesWhatCrossesAndRestsTheRestWithATrimmedLock) {
  const BookLevels levels = market_->Levels(3);
  const std::int64_t price = levels.asks[1].price;  // crosses the first two levels
  const std::int64_t quantity = levels.asks[0].quantity + levels.asks[1].quantity + 500 * lot();
  const auto before = Totals("alice");
  const OrderResult result = engine_->Place(Limit("alice", OrderSide::kBuy, price, quantity));
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kPartiallyFilled);
  ASSERT_EQ(order.fills.size(), 2u);
  EXPECT_EQ(order.fills[0].price, levels.asks[0].price);  // taker fills at the level's price
  EXPECT_EQ(order.fills[1].price, levels.asks[1].price);
  EXPECT_EQ(order.remaining(), 500 * lot());
  // The lock now covers only the remainder at the limit price (fees in BTC: no fee in the lock).
  EXPECT_EQ(order.locked, CeilDiv(static_cast<Int128>(price) * order.remaining(), kUnit));
  EXPECT_EQ(Bal("alice", "USDT").locked, order.locked);
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  // The rest is hidden: the public best ask is the third level, untouched.
  EXPECT_EQ(market_->top().ask_price, levels.asks[2].price);
  EXPECT_EQ(market_->top().ask_quantity, levels.asks[2].quantity);
  book_->ExpectMatches(*market_);
  ASSERT_EQ(engine_->OpenOrders("alice").size(), 1u);
  // Cancel releases the lock.
  const OrderResult canceled = engine_->Cancel("alice", order.order_id);
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(order.status, OrderStatus::kCanceled);
  EXPECT_EQ(order.end_reason, EndReason::kCanceledByUser);
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  EXPECT_EQ(order.locked, 0);
  EXPECT_EQ(Totals("alice"), expected);
}

TEST_F(MatchingEngineTest, ImmediateOrCancelExecutesWhatItCanAndExpiresTheRest) {
  const BookLevels levels = market_->Levels(2);
  const std::int64_t quantity = levels.asks[0].quantity + 10 * lot();
  const auto before = Totals("alice");
  OrderResult result = engine_->Place(
      Limit("alice", OrderSide::kBuy, levels.asks[0].price, quantity, TimeInForce::kIoc));
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(result.order->end_reason, EndReason::kIocRemainder);
  EXPECT_EQ(result.order->executed_quantity, levels.asks[0].quantity);
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  auto expected = before;
  ApplyFills(result.order->fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(events_.KindsOf(result.order->order_id),
            (std::vector<OrderEventKind>{OrderEventKind::kAccepted, OrderEventKind::kFill,
                                         OrderEventKind::kExpired}));
  // Nothing in reach: EXPIRED without fills.
  result = engine_->Place(
      Limit("alice", OrderSide::kSell, market_->top().ask_price, 100 * lot(), TimeInForce::kIoc));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_TRUE(result.order->fills.empty());
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
  EXPECT_TRUE(engine_->OpenOrders("alice").empty());
}

// ---- makers ----

TEST_F(MatchingEngineTest, RestingOrderIsHiddenAndFillsPartlyThenFullyThroughCross) {
  const std::int64_t price = market_->top().bid_price;
  const std::int64_t quantity = 300 * lot();
  const std::uint64_t update_id = market_->last_update_id();
  const auto before = Totals("alice");
  const OrderResult result = engine_->Place(Limit("alice", OrderSide::kBuy, price, quantity));
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kNew);
  EXPECT_EQ(market_->last_update_id(), update_id);  // hidden: the public book did not change
  const std::int64_t lock = CeilDiv(static_cast<Int128>(price) * quantity, kUnit);
  EXPECT_EQ(order.locked, lock);
  EXPECT_EQ(Bal("alice", "USDT"), (Balance{Units(10'000'000) - lock, lock}));
  EXPECT_EQ(events_.First(order.order_id)->locked, lock);  // held before it was reported

  // An aggressive seller of 100 lots: a partial fill at the order's price, as maker.
  EXPECT_EQ(engine_->Cross("BTCUSDT", OrderSide::kSell, 100 * lot()), 100 * lot());
  EXPECT_EQ(order.status, OrderStatus::kPartiallyFilled);
  ASSERT_EQ(order.fills.size(), 1u);
  EXPECT_EQ(order.fills[0].price, price);
  EXPECT_TRUE(order.fills[0].is_maker);
  EXPECT_EQ(order.fills[0].public_trade_id, 0u);
  EXPECT_EQ(order.locked, CeilDiv(static_cast<Int128>(price) * 200 * lot(), kUnit));
  EXPECT_EQ(Bal("alice", "USDT").locked, order.locked);
  EXPECT_EQ(engine_->LastPrice("BTCUSDT"), price);
  // A buyer does not hit resting buys.
  EXPECT_EQ(engine_->Cross("BTCUSDT", OrderSide::kBuy, 100 * lot()), 0);
  // The rest, with more than enough flow.
  now_ms_ += 5;
  EXPECT_EQ(engine_->Cross("BTCUSDT", OrderSide::kSell, 1000 * lot()), 200 * lot());
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  EXPECT_EQ(order.executed_quantity, quantity);
  EXPECT_EQ(order.locked, 0);
  EXPECT_EQ(order.updated_ms, now_ms_);
  EXPECT_EQ(order.created_ms, now_ms_ - 5);
  ExpectOrderArithmetic(order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
  // 100 lots at 100 ppm is 0.01 of a lot-mantissa... rounded up, never zero.
  EXPECT_EQ(order.fills[0].fee, CeilDiv(static_cast<Int128>(100 * lot()) * kMakerPpm, kPpm));
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  EXPECT_EQ(market_->last_update_id(), update_id);
  EXPECT_EQ(events_.KindsOf(order.order_id),
            (std::vector<OrderEventKind>{OrderEventKind::kAccepted, OrderEventKind::kFill,
                                         OrderEventKind::kFill}));
}

TEST_F(MatchingEngineTest, MarketTradesFillRestingOrdersAtOrThroughTheirPriceInPriority) {
  const std::int64_t bid = market_->top().bid_price;
  const std::int64_t ask = market_->top().ask_price;
  ASSERT_GT(ask - bid, 0);
  // Older at the bid, newer one tick below: the better price goes first whatever its age.
  const OrderResult low =
      engine_->Place(Limit("alice", OrderSide::kBuy, bid - tick(), 200 * lot()));
  const OrderResult high = engine_->Place(Limit("bob", OrderSide::kBuy, bid, 100 * lot()));
  const OrderResult sell = engine_->Place(Limit("alice", OrderSide::kSell, ask, 100 * lot()));
  ASSERT_TRUE(low.ok() && high.ok() && sell.ok());

  // A seller hitting a bid above both: out of reach.
  engine_->OnMarketTrade("BTCUSDT", {9001, bid + tick(), 1000 * lot(), true});
  engine_->AfterStep("BTCUSDT");
  EXPECT_TRUE(high.order->fills.empty());
  EXPECT_EQ(engine_->LastPrice("BTCUSDT"), bid + tick());
  // A buyer's print at a price below the buys does not fill buys.
  engine_->OnMarketTrade("BTCUSDT", {9002, bid - 2 * tick(), 1000 * lot(), false});
  engine_->AfterStep("BTCUSDT");
  EXPECT_TRUE(high.order->fills.empty());
  EXPECT_TRUE(low.order->fills.empty());
  // A seller printing 150 lots at bid - 1 tick went through both: 100 to the better, 50 to the
  // other, each at its own price.
  engine_->OnMarketTrade("BTCUSDT", {9003, bid - tick(), 150 * lot(), true});
  EXPECT_TRUE(high.order->fills.empty());  // queued until AfterStep
  engine_->AfterStep("BTCUSDT");
  ASSERT_EQ(high.order->fills.size(), 1u);
  EXPECT_EQ(high.order->status, OrderStatus::kFilled);
  EXPECT_EQ(high.order->fills[0].price, bid);
  EXPECT_EQ(high.order->fills[0].public_trade_id, 9003u);
  ASSERT_EQ(low.order->fills.size(), 1u);
  EXPECT_EQ(low.order->fills[0].quantity, 50 * lot());
  EXPECT_EQ(low.order->fills[0].price, bid - tick());
  EXPECT_TRUE(low.order->fills[0].is_maker);
  EXPECT_EQ(low.order->status, OrderStatus::kPartiallyFilled);
  // A buyer lifting at the sell's price fills it.
  engine_->OnMarketTrade("BTCUSDT", {9004, ask, 30 * lot(), false});
  engine_->AfterStep("BTCUSDT");
  ASSERT_EQ(sell.order->fills.size(), 1u);
  EXPECT_EQ(sell.order->fills[0].quantity, 30 * lot());
  EXPECT_EQ(sell.order->fills[0].price, ask);
  EXPECT_EQ(Bal("alice", "BTC").locked, 70 * lot());
  ExpectOrderArithmetic(*low.order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
  ExpectOrderArithmetic(*sell.order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
}

TEST_F(MatchingEngineTest, EngineIgnoresTheTradesItsOwnTakesForward) {
  // A sim that forwards every OnTrade of its listener to the engine.
  market_ = std::make_unique<SyntheticMarket>(BtcSpec(), 21, 0, 0);
  auto forwarding = std::make_unique<ForwardingBook>(market_->Levels(0), "BTCUSDT");
  MatchingEngineConfig config = TestConfig();
  config.now_ms = [this] { return now_ms_; };
  engine_ = std::make_unique<MatchingEngine>(config);
  forwarding->set_engine(engine_.get());
  ASSERT_TRUE(engine_->AddSymbol(*market_, *forwarding));
  ASSERT_TRUE(engine_->CreateAccount("alice", {{"BTC", Units(100)}, {"USDT", Units(10'000'000)}}));
  ASSERT_TRUE(engine_->CreateAccount("bob", {{"BTC", Units(100)}, {"USDT", Units(10'000'000)}}));
  const BookLevels levels = market_->Levels(3);
  // Bob rests a hidden sell at the second ask; Alice's market buy sweeps through that price.
  const OrderResult sell =
      engine_->Place(Limit("bob", OrderSide::kSell, levels.asks[1].price, 100 * lot()));
  ASSERT_TRUE(sell.ok());
  const OrderResult buy = engine_->Place(
      Market("alice", OrderSide::kBuy, levels.asks[0].quantity + levels.asks[1].quantity));
  ASSERT_TRUE(buy.ok());
  engine_->AfterStep("BTCUSDT");
  // The sandbox's orders never trade with each other, and its own prints are not market flow.
  EXPECT_TRUE(sell.order->fills.empty());
  EXPECT_EQ(sell.order->status, OrderStatus::kNew);
  forwarding->ExpectMatches(*market_);
  // Market trades forwarded during a plain Step do reach it.
  int steps = 0;
  while (sell.order->fills.empty() && steps < 200'000) {
    market_->Step(*forwarding);
    engine_->AfterStep("BTCUSDT");
    ++steps;
  }
  EXPECT_FALSE(sell.order->fills.empty()) << "no fill after " << steps << " steps";
  forwarding->ExpectMatches(*market_);
  engine_.reset();
}

TEST_F(MatchingEngineTest, LevelsThatCrossARestingOrderAreTakenAtItsPrice) {
  // A hidden sell one tick above the best bid; step the market (without forwarding its trades, so
  // only rule (b) can fill it) until the bids reach it.
  const std::int64_t price = market_->top().bid_price + tick();
  const std::int64_t quantity = 2000 * lot();
  const OrderResult sell = engine_->Place(Limit("alice", OrderSide::kSell, price, quantity));
  ASSERT_TRUE(sell.ok());
  ASSERT_EQ(sell.order->status, OrderStatus::kNew);
  const auto before = Totals("alice");
  int steps = 0;
  while (market_->top().bid_price < price && steps < 200'000) {
    market_->Step(*book_);
    ++steps;
  }
  ASSERT_GE(market_->top().bid_price, price) << "the bids never crossed in " << steps << " steps";
  std::int64_t crossing = 0;
  for (const auto& [level, size] : market_->bids()) {
    if (level < price) break;
    crossing += size;
  }
  const std::size_t prints = book_->trades().size();
  engine_->AfterStep("BTCUSDT");
  const Order& order = *sell.order;
  ASSERT_FALSE(order.fills.empty());
  EXPECT_EQ(order.executed_quantity, std::min(crossing, quantity));
  for (std::size_t i = 0; i < order.fills.size(); ++i) {
    EXPECT_EQ(order.fills[i].price, price);
    EXPECT_TRUE(order.fills[i].is_maker);
    const TradePrint& print = book_->trades()[prints + i];
    EXPECT_EQ(print.price, price);
    EXPECT_FALSE(print.buyer_is_maker);  // the crossing buyers took the hidden sell
    EXPECT_EQ(order.fills[i].public_trade_id, print.trade_id);
  }
  EXPECT_LT(market_->top().bid_price, price);  // what crossed is gone (or the order is full)
  book_->ExpectMatches(*market_);
  ExpectOrderArithmetic(order, FeeAsset::kReceived, kMakerPpm, kTakerPpm, spec());
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(Bal("alice", "BTC").locked, order.open() ? order.remaining() : 0);
}

TEST_F(MatchingEngineTest, StepMarketFillsRestingOrdersFromTheFlow) {
  // Resting orders at the top of both sides fill as the seeded flow trades through them.
  const TopOfBook top = market_->top();
  const OrderResult buy =
      engine_->Place(Limit("alice", OrderSide::kBuy, top.bid_price, 50 * lot()));
  const OrderResult sell =
      engine_->Place(Limit("bob", OrderSide::kSell, top.ask_price, 50 * lot()));
  ASSERT_TRUE(buy.ok() && sell.ok());
  int steps = 0;
  while ((buy.order->open() || sell.order->open()) && steps < 200'000) {
    engine_->StepMarket("BTCUSDT");
    ++steps;
  }
  EXPECT_EQ(buy.order->status, OrderStatus::kFilled) << steps;
  EXPECT_EQ(sell.order->status, OrderStatus::kFilled) << steps;
  EXPECT_TRUE(engine_->LastPrice("BTCUSDT").has_value());
  book_->ExpectMatches(*market_);
}

// ---- stops ----

TEST_F(MatchingEngineTest, StopLossSellWaitsThenTriggersAtOrBelowItsStop) {
  const std::int64_t bid = market_->top().bid_price;
  const std::int64_t stop = bid - 20 * tick();
  const std::int64_t quantity = 100 * lot();
  const OrderResult result =
      engine_->Place(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, stop, quantity));
  ASSERT_TRUE(result.ok()) << result.message;
  const Order& order = *result.order;
  EXPECT_EQ(order.status, OrderStatus::kNew);
  EXPECT_FALSE(order.triggered);
  EXPECT_EQ(order.working_ms, 0);
  EXPECT_EQ(order.locked, quantity);
  EXPECT_EQ(Bal("alice", "BTC").locked, quantity);
  ASSERT_EQ(engine_->OpenOrders("alice").size(), 1u);

  // A trade above the stop does not trigger it.
  ASSERT_GE(SellAbove(stop), 10 * lot());
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kSell, SellAbove(stop))).ok());
  ASSERT_GT(*engine_->LastPrice("BTCUSDT"), stop);
  EXPECT_FALSE(order.triggered);
  // Bob sells until the last trade prints at or below the stop: Alice's stop becomes a market sell.
  now_ms_ += 1000;
  const auto before = Totals("alice");
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kSell, SellThrough(stop))).ok());
  EXPECT_TRUE(order.triggered);
  EXPECT_EQ(order.working_ms, now_ms_);
  EXPECT_EQ(order.status, OrderStatus::kFilled);
  ASSERT_FALSE(order.fills.empty());
  EXPECT_FALSE(order.fills[0].is_maker);
  EXPECT_LE(order.fills[0].price, stop);
  auto expected = before;
  ApplyFills(order.fills, spec(), expected);
  EXPECT_EQ(Totals("alice"), expected);
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
  EXPECT_EQ(events_.KindsOf(order.order_id).front(), OrderEventKind::kAccepted);
  EXPECT_EQ(events_.KindsOf(order.order_id)[1], OrderEventKind::kTriggered);
  book_->ExpectMatches(*market_);
}

TEST_F(MatchingEngineTest, StopAndTakeProfitDirectionsFollowBinance) {
  const std::int64_t bid = market_->top().bid_price;
  const std::int64_t ask = market_->top().ask_price;
  const std::int64_t quantity = 100 * lot();
  // Below the market: take-profit buy (limit, rests when triggered). Above it: stop-limit buy and
  // take-profit sell.
  const OrderResult tp_buy =
      engine_->Place(Stop("alice", OrderType::kTakeProfitLimit, OrderSide::kBuy, bid - 20 * tick(),
                          quantity, bid - 30 * tick()));
  const OrderResult sl_buy =
      engine_->Place(Stop("alice", OrderType::kStopLossLimit, OrderSide::kBuy, ask + 20 * tick(),
                          quantity, ask + 20 * tick()));
  const OrderResult tp_sell = engine_->Place(
      Stop("alice", OrderType::kTakeProfit, OrderSide::kSell, ask + 20 * tick(), quantity));
  ASSERT_TRUE(tp_buy.ok() && sl_buy.ok() && tp_sell.ok())
      << tp_buy.message << sl_buy.message << tp_sell.message;
  // The limit buys lock their limit notional now.
  EXPECT_EQ(tp_buy.order->locked,
            CeilDiv(static_cast<Int128>(bid - 30 * tick()) * quantity, kUnit));
  EXPECT_EQ(Bal("alice", "USDT").locked, tp_buy.order->locked + sl_buy.order->locked);
  EXPECT_EQ(Bal("alice", "BTC").locked, quantity);

  // Down through bid - 20 ticks: the take-profit buy triggers and rests at its limit (no ask is
  // that low), the others wait.
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kSell, SellThrough(bid - 20 * tick()))).ok());
  EXPECT_TRUE(tp_buy.order->triggered);
  EXPECT_EQ(tp_buy.order->status, OrderStatus::kNew);
  EXPECT_TRUE(tp_buy.order->fills.empty());
  EXPECT_FALSE(sl_buy.order->triggered);
  EXPECT_FALSE(tp_sell.order->triggered);
  // Up through ask + 20 ticks: both the stop-limit buy and the take-profit sell trigger.
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kBuy, BuyThrough(ask + 20 * tick()))).ok());
  EXPECT_TRUE(sl_buy.order->triggered);
  EXPECT_TRUE(tp_sell.order->triggered);
  EXPECT_EQ(tp_sell.order->status, OrderStatus::kFilled);
  EXPECT_FALSE(tp_sell.order->fills.empty());
  // The stop-limit buy took what was left at or below its limit and rests the rest, or filled.
  EXPECT_TRUE(sl_buy.order->status == OrderStatus::kFilled ||
              sl_buy.order->status == OrderStatus::kPartiallyFilled ||
              sl_buy.order->status == OrderStatus::kNew);
  for (const Fill& fill : sl_buy.order->fills) EXPECT_LE(fill.price, ask + 20 * tick());
  // The waiting ones are gone from the stops, the resting ones are open.
  const auto open = engine_->OpenOrders("alice");
  EXPECT_NE(std::find(open.begin(), open.end(), tp_buy.order), open.end());
  // Canceling releases what they hold.
  engine_->CancelAll("alice");
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
}

TEST_F(MatchingEngineTest, StopsCanTriggerAtOnceOrFailAtTheirTrigger) {
  MatchingEngineConfig config = TestConfig();
  config.refuse_immediate_trigger = false;
  Build(config);
  const std::int64_t ask = market_->top().ask_price;
  const std::int64_t bid = market_->top().bid_price;
  // Already reached: triggers at once and executes as a market sell.
  OrderResult result =
      engine_->Place(Stop("alice", OrderType::kStopLoss, OrderSide::kSell, ask, 100 * lot()));
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_TRUE(result.order->triggered);
  EXPECT_EQ(result.order->status, OrderStatus::kFilled);

  // A stop-market buy the account can no longer afford when it triggers: REJECTED.
  const std::int64_t last = *engine_->LastPrice("BTCUSDT");
  result = engine_->Place(
      Stop("bob", OrderType::kStopLoss, OrderSide::kBuy, last + 5 * tick(), 1000 * lot()));
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.order->locked, 0);  // stop-market buys hold nothing while they wait
  const Order& rejected = *result.order;
  ASSERT_TRUE(engine_->SetFreeBalance("bob", "USDT", Units(10)));
  ASSERT_TRUE(engine_->Place(Market("alice", OrderSide::kBuy, BuyThrough(last + 5 * tick()))).ok());
  EXPECT_TRUE(rejected.triggered);
  EXPECT_EQ(rejected.status, OrderStatus::kRejected);
  EXPECT_EQ(rejected.end_reason, EndReason::kInsufficientBalance);
  EXPECT_EQ(Bal("bob", "USDT"), (Balance{Units(10), 0}));

  // A stop-market sell that triggers on an empty bid side: EXPIRED, nothing sold.
  const std::int64_t low = bid - 50 * tick();
  result = engine_->Place(Stop("bob", OrderType::kStopLoss, OrderSide::kSell, low, 100 * lot()));
  ASSERT_TRUE(result.ok()) << result.message;
  market_->Take({Side::kBid, 0, Units(1'000'000'000), 0}, *book_);
  engine_->OnMarketTrade("BTCUSDT", {1, low - tick(), lot(), true});
  engine_->AfterStep("BTCUSDT");
  EXPECT_EQ(result.order->status, OrderStatus::kExpired);
  EXPECT_EQ(result.order->end_reason, EndReason::kNoLiquidity);
  EXPECT_EQ(Bal("bob", "BTC").locked, 0);
}

// ---- fees ----

TEST_F(MatchingEngineTest, FeePoliciesChargeTheReceivedAssetOrAlwaysTheQuote) {
  for (const FeeAsset policy : {FeeAsset::kReceived, FeeAsset::kQuote}) {
    Build(TestConfig(policy));
    const auto alice_before = Totals("alice");
    const auto bob_before = Totals("bob");
    const TopOfBook top = market_->top();
    const std::int64_t quantity = 1234 * lot();
    const OrderResult buy = engine_->Place(Market("alice", OrderSide::kBuy, quantity));
    const OrderResult sell = engine_->Place(Market("bob", OrderSide::kSell, quantity));
    // A resting buy: under the quote policy its lock includes the fee at the higher rate.
    const std::int64_t price = top.bid_price - 100 * tick();
    const OrderResult rest = engine_->Place(Limit("alice", OrderSide::kBuy, price, quantity));
    ASSERT_TRUE(buy.ok() && sell.ok() && rest.ok());
    const std::int64_t notional = CeilDiv(static_cast<Int128>(price) * quantity, kUnit);
    const std::int64_t max_fee = CeilDiv(static_cast<Int128>(notional) * kTakerPpm, kPpm);
    EXPECT_EQ(rest.order->locked, policy == FeeAsset::kQuote ? notional + max_fee : notional);
    engine_->Cross("BTCUSDT", OrderSide::kSell, quantity);
    ASSERT_EQ(rest.order->status, OrderStatus::kFilled);
    EXPECT_EQ(Bal("alice", "USDT").locked, 0);  // a maker fee (lower) leaves the rest released

    EXPECT_EQ(buy.order->fee_asset, policy == FeeAsset::kQuote ? "USDT" : "BTC");
    EXPECT_EQ(sell.order->fee_asset, "USDT");
    EXPECT_EQ(rest.order->fee_asset, policy == FeeAsset::kQuote ? "USDT" : "BTC");
    // A one-fill order pays exactly ceil(basis x rate).
    const std::int64_t basis = policy == FeeAsset::kQuote ? rest.order->cumulative_quote : quantity;
    EXPECT_EQ(rest.order->cumulative_fee, CeilDiv(static_cast<Int128>(basis) * kMakerPpm, kPpm));
    for (const OrderResult* r : {&buy, &sell, &rest}) {
      ExpectOrderArithmetic(*r->order, policy, kMakerPpm, kTakerPpm, spec());
    }
    auto alice = alice_before;
    ApplyFills(engine_->Trades("alice"), spec(), alice);
    EXPECT_EQ(Totals("alice"), alice);
    auto bob = bob_before;
    ApplyFills(engine_->Trades("bob"), spec(), bob);
    EXPECT_EQ(Totals("bob"), bob);
    // The fees the accounts paid are what the venue collected.
    std::map<std::string, std::int64_t> paid;
    for (const char* account : {"alice", "bob"}) {
      for (const Fill& fill : engine_->Trades(account)) paid[fill.fee_asset] += fill.fee;
    }
    for (const auto& [asset, amount] : paid) {
      EXPECT_EQ(engine_->fees_collected().at(asset), amount) << asset;
    }
  }
}

TEST_F(MatchingEngineTest, FeesRoundUpAndNeverUnderCharge) {
  MatchingEngineConfig config = TestConfig(FeeAsset::kReceived);
  config.maker_fee_ppm = 7;  // one lot (1000 mantissa) x 7 ppm = 0.007 of a unit
  Build(config);
  const std::int64_t price = market_->top().bid_price - 10 * tick();
  const OrderResult rest = engine_->Place(Limit("alice", OrderSide::kBuy, price, 300 * lot()));
  ASSERT_TRUE(rest.ok());
  // Three one-lot fills: the first pays ceil(0.007) = 1; the next two pay what keeps the total at
  // ceil(3 x 0.007) = 1, i.e. nothing: the order pays its exact fee rounded up once.
  for (int i = 0; i < 3; ++i) engine_->Cross("BTCUSDT", OrderSide::kSell, lot());
  ASSERT_EQ(rest.order->fills.size(), 3u);
  EXPECT_EQ(rest.order->fills[0].fee, 1);
  EXPECT_EQ(rest.order->fills[1].fee, 0);
  EXPECT_EQ(rest.order->cumulative_fee, 1);
  engine_->Cross("BTCUSDT", OrderSide::kSell, 297 * lot());
  EXPECT_EQ(rest.order->cumulative_fee, CeilDiv(static_cast<Int128>(300 * lot()) * 7, kPpm));
  ExpectOrderArithmetic(*rest.order, FeeAsset::kReceived, 7, kTakerPpm, spec());
}

// ---- queries and cancels ----

TEST_F(MatchingEngineTest, OrdersAreFoundByIdOrClientIdAndCanceledEitherWay) {
  const std::int64_t bid = market_->top().bid_price;
  OrderRequest request = Limit("alice", OrderSide::kBuy, bid - 10 * tick(), 100 * lot());
  now_ms_ = 1'700'000'000'123;
  const OrderResult first = engine_->Place(request);  // no client id: the engine makes one
  request.client_order_id = "abc";
  const OrderResult second = engine_->Place(request);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first.order->client_order_id, "sim-" + std::to_string(first.order->order_id));
  EXPECT_GT(second.order->order_id, first.order->order_id);
  EXPECT_EQ(first.order->created_ms, 1'700'000'000'123);
  EXPECT_EQ(first.order->working_ms, 1'700'000'000'123);
  EXPECT_EQ(first.order->account, "alice");
  EXPECT_EQ(first.order->symbol, "BTCUSDT");

  EXPECT_EQ(engine_->FindOrder("alice", first.order->order_id), first.order);
  EXPECT_EQ(engine_->FindOrder("bob", first.order->order_id), nullptr);  // not Bob's
  EXPECT_EQ(engine_->FindOrder("alice", 999'999), nullptr);
  EXPECT_EQ(engine_->FindOrderByClientId("alice", "abc"), second.order);
  EXPECT_EQ(engine_->FindOrderByClientId("alice", first.order->client_order_id), first.order);
  EXPECT_EQ(engine_->FindOrderByClientId("bob", "abc"), nullptr);

  // Cancel refusals.
  EXPECT_EQ(engine_->Cancel("carol", first.order->order_id).refusal, Refusal::kUnknownAccount);
  EXPECT_EQ(engine_->Cancel("bob", first.order->order_id).refusal, Refusal::kUnknownOrder);
  EXPECT_EQ(engine_->Cancel("alice", 999'999).refusal, Refusal::kUnknownOrder);
  EXPECT_EQ(engine_->CancelByClientId("alice", "nope").refusal, Refusal::kUnknownOrder);
  EXPECT_EQ(engine_->CancelByClientId("carol", "abc").refusal, Refusal::kUnknownAccount);

  now_ms_ += 7;
  OrderResult canceled = engine_->CancelByClientId("alice", "abc");
  ASSERT_TRUE(canceled.ok());
  EXPECT_EQ(canceled.order, second.order);
  EXPECT_EQ(second.order->status, OrderStatus::kCanceled);
  EXPECT_EQ(second.order->updated_ms, now_ms_);
  canceled = engine_->Cancel("alice", second.order->order_id);
  EXPECT_EQ(canceled.refusal, Refusal::kOrderAlreadyFinal);
  EXPECT_EQ(canceled.order, second.order);
  // A final order's client id may be reused; the lookup then finds the newest.
  const OrderResult third = engine_->Place(request);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(engine_->FindOrderByClientId("alice", "abc"), third.order);
  EXPECT_EQ(engine_->FindOrder("alice", second.order->order_id), second.order);

  EXPECT_EQ(engine_->OpenOrders("alice"), (std::vector<const Order*>{first.order, third.order}));
  EXPECT_EQ(engine_->Orders("alice"),
            (std::vector<const Order*>{first.order, second.order, third.order}));
  EXPECT_TRUE(engine_->OpenOrders("alice", "ETHUSDT").empty());
  EXPECT_TRUE(engine_->OpenOrders("carol").empty());
}

TEST_F(MatchingEngineTest, TradesListTheAccountsFills) {
  ASSERT_TRUE(engine_->Place(Market("alice", OrderSide::kBuy, 3000 * lot())).ok());
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kSell, 1000 * lot())).ok());
  ASSERT_TRUE(engine_->Place(Market("alice", OrderSide::kSell, 1000 * lot())).ok());
  const std::vector<Fill> trades = engine_->Trades("alice");
  std::size_t expected = 0;
  for (const Order* order : engine_->Orders("alice")) expected += order->fills.size();
  ASSERT_EQ(trades.size(), expected);
  for (std::size_t i = 1; i < trades.size(); ++i) {
    EXPECT_GT(trades[i].trade_id, trades[i - 1].trade_id);
  }
  EXPECT_EQ(engine_->Trades("alice", "BTCUSDT").size(), expected);
  EXPECT_TRUE(engine_->Trades("alice", "ETHUSDT").empty());
  EXPECT_TRUE(engine_->Trades("carol").empty());
  // Every fill of the engine reached the event listener, once.
  EXPECT_EQ(events_.fills.size(), expected + engine_->Trades("bob").size());
}

TEST_F(MatchingEngineTest, CancelAllCancelsPerAccountAndPerSymbol) {
  ASSERT_TRUE(engine_->AddClosedSymbol(EthSpec()));
  const std::int64_t bid = market_->top().bid_price;
  const std::int64_t ask = market_->top().ask_price;
  const OrderResult a = engine_->Place(Limit("alice", OrderSide::kBuy, bid, 100 * lot()));
  const OrderResult b = engine_->Place(Limit("alice", OrderSide::kSell, ask, 100 * lot()));
  const OrderResult c = engine_->Place(
      Stop("alice", OrderType::kStopLoss, OrderSide::kSell, bid - 50 * tick(), 100 * lot()));
  const OrderResult d = engine_->Place(Limit("bob", OrderSide::kBuy, bid, 100 * lot()));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && d.ok());
  EXPECT_TRUE(engine_->CancelAll("alice", "ETHUSDT").empty());
  EXPECT_TRUE(engine_->CancelAll("carol").empty());
  const std::vector<const Order*> canceled = engine_->CancelAll("alice", "BTCUSDT");
  EXPECT_EQ(canceled, (std::vector<const Order*>{a.order, b.order, c.order}));
  for (const Order* order : canceled) {
    EXPECT_EQ(order->status, OrderStatus::kCanceled);
    EXPECT_EQ(order->end_reason, EndReason::kCanceledAll);
    EXPECT_EQ(order->locked, 0);
  }
  EXPECT_EQ(Bal("alice", "USDT").locked, 0);
  EXPECT_EQ(Bal("alice", "BTC").locked, 0);
  EXPECT_EQ(d.order->status, OrderStatus::kNew);  // Bob's untouched
  EXPECT_TRUE(engine_->CancelAll("alice").empty());
  // A canceled stop no longer triggers.
  ASSERT_TRUE(engine_->Place(Market("bob", OrderSide::kSell, SellThrough(bid - 50 * tick()))).ok());
  EXPECT_FALSE(c.order->triggered);
}

TEST(MatchingEngineNamesTest, NamesAreTheVenueSpellings) {
  EXPECT_STREQ(OrderStatusName(OrderStatus::kPartiallyFilled), "PARTIALLY_FILLED");
  EXPECT_STREQ(OrderTypeName(OrderType::kTakeProfitLimit), "TAKE_PROFIT_LIMIT");
  EXPECT_STREQ(TimeInForceName(TimeInForce::kFok), "FOK");
  EXPECT_STREQ(OrderSideName(OrderSide::kSell), "SELL");
  EXPECT_STREQ(RefusalName(Refusal::kStopWouldTriggerImmediately),
               "STOP_WOULD_TRIGGER_IMMEDIATELY");
  EXPECT_STREQ(EndReasonName(EndReason::kIocRemainder), "IOC_REMAINDER");
  EXPECT_EQ(static_cast<int>(Refusal::kOrderAlreadyFinal), 21);  // values are a stable contract
  EXPECT_TRUE(IsStopType(OrderType::kTakeProfit));
  EXPECT_FALSE(IsStopType(OrderType::kLimit));
  EXPECT_TRUE(IsLimitType(OrderType::kStopLossLimit));
  EXPECT_TRUE(IsFinal(OrderStatus::kExpired));
  EXPECT_FALSE(IsFinal(OrderStatus::kPartiallyFilled));
}

// ---- soak ----

// Thousands of random orders, cancels, market steps and crosses on two symbols with a fixed seed.
// After every action: no balance is negative, every account's locked balance is exactly what its
// open orders hold (so nothing is locked when nothing is open), and for every asset the accounts'
// total equals the start plus deposits plus what the reported fills moved minus their fees, with
// the fees exactly what the venue collected.
TEST(MatchingEngineSoakTest, RandomFlowConservesEveryAssetExactly) {
  for (const FeeAsset policy : {FeeAsset::kReceived, FeeAsset::kQuote}) {
    SCOPED_TRACE(policy == FeeAsset::kQuote ? "fees in quote" : "fees in received asset");
    std::int64_t now_ms = 1'700'000'000'000;
    MatchingEngineConfig config = TestConfig(policy);
    config.maker_fee_ppm = 123;
    config.taker_fee_ppm = 1001;
    config.now_ms = [&now_ms] { return now_ms; };
    const std::vector<SymbolSpec> specs = {BtcSpec(), EthSpec()};
    SyntheticMarket btc(specs[0], 101, 0, 0);
    SyntheticMarket eth(specs[1], 202, 0, 0);
    PublicBook btc_book(btc.Levels(0));
    ForwardingBook eth_book(eth.Levels(0), "ETHUSDT");
    MatchingEngine engine(config);
    eth_book.set_engine(&engine);  // ETH: the sim steps the market itself and forwards trades
    ASSERT_TRUE(engine.AddSymbol(btc, btc_book));
    ASSERT_TRUE(engine.AddSymbol(eth, eth_book));
    EventLog log;
    engine.SetEventListener(&log);

    const std::vector<std::string> accounts = {"a0", "a1", "a2", "a3", "a4"};
    std::map<std::string, std::int64_t> expected;  // per asset, all accounts
    // Small enough that accounts run near zero and some orders are unaffordable.
    const AssetAmounts start = {{"BTC", Units(1) / 2}, {"ETH", Units(5)}, {"USDT", Units(20'000)}};
    for (const std::string& account : accounts) {
      ASSERT_TRUE(engine.CreateAccount(account, start));
      for (const auto& [asset, amount] : start) expected[asset] += amount;
    }
    std::mt19937_64 rng(20240601);
    auto below = [&rng](std::uint64_t n) { return static_cast<std::int64_t>(rng() % n); };
    std::map<std::string, int> outcomes;
    std::size_t fills_seen = 0;
    std::int64_t maker_fills = 0;
    std::int64_t taker_fills = 0;

    auto check = [&](int step) {
      // Fills since the last check move the expected totals.
      for (; fills_seen < log.fills.size(); ++fills_seen) {
        const Fill& fill = log.fills[fills_seen];
        const SymbolSpec& spec = fill.symbol == "BTCUSDT" ? specs[0] : specs[1];
        ApplyFills({fill}, spec, expected);
        (fill.is_maker ? maker_fills : taker_fills) += 1;
      }
      std::map<std::string, std::int64_t> totals;
      for (const std::string& account : accounts) {
        std::map<std::string, std::int64_t> held;
        for (const Order* order : engine.OpenOrders(account)) {
          ASSERT_GE(order->locked, 0);
          ASSERT_LE(order->executed_quantity, order->quantity);
          held[order->lock_asset] += order->locked;
        }
        for (const auto& [asset, balance] : *engine.Balances(account)) {
          ASSERT_GE(balance.free, 0) << account << " " << asset << " at step " << step;
          ASSERT_GE(balance.locked, 0) << account << " " << asset << " at step " << step;
          ASSERT_EQ(balance.locked, held[asset]) << account << " " << asset << " at step " << step;
          totals[asset] += balance.free + balance.locked;
        }
      }
      for (const auto& [asset, amount] : expected) {
        ASSERT_EQ(totals[asset], amount) << asset << " at step " << step;
      }
    };

    auto random_request = [&](const std::string& account, const SyntheticMarket& market) {
      const SymbolSpec& spec = market.spec();
      const TopOfBook top = market.top();
      OrderRequest request;
      request.account = account;
      request.symbol = spec.symbol;
      request.side = below(2) == 0 ? OrderSide::kBuy : OrderSide::kSell;
      static constexpr OrderType kTypes[] = {OrderType::kLimit,      OrderType::kLimit,
                                             OrderType::kLimit,      OrderType::kMarket,
                                             OrderType::kStopLoss,   OrderType::kStopLossLimit,
                                             OrderType::kTakeProfit, OrderType::kTakeProfitLimit};
      request.type = kTypes[below(std::size(kTypes))];
      request.time_in_force = static_cast<TimeInForce>(below(3));
      request.quantity = (1 + below(3000)) * spec.lot_size;
      const std::int64_t mid =
          (top.bid_price + top.ask_price) / 2 / spec.tick_size * spec.tick_size;
      const std::int64_t reference = engine.LastPrice(spec.symbol).value_or(mid);
      if (IsLimitType(request.type)) {
        request.price =
            std::max<std::int64_t>(mid + (below(81) - 40) * spec.tick_size, spec.tick_size);
        if (request.type == OrderType::kLimit && request.time_in_force == TimeInForce::kGtc) {
          request.post_only = below(5) == 0;
        }
      }
      if (IsStopType(request.type)) {
        request.stop_price =
            std::max<std::int64_t>(reference + (below(61) - 30) * spec.tick_size, spec.tick_size);
      }
      if (request.type == OrderType::kMarket && below(3) == 0) {
        request.quantity = 0;
        request.quote_quantity = Units(1 + below(50'000));
      }
      if (below(4) == 0) request.client_order_id = "c" + std::to_string(below(8));
      if (below(50) == 0) request.quantity += 1;  // an invalid one now and then
      return request;
    };

    constexpr int kActions = 6000;
    for (int step = 0; step < kActions; ++step) {
      now_ms += 1 + below(20);
      const bool on_btc = below(2) == 0;
      SyntheticMarket& market = on_btc ? btc : eth;
      const std::string symbol = market.spec().symbol;
      const std::string& account = accounts[below(accounts.size())];
      const std::int64_t action = below(100);
      if (action < 30) {
        const std::int64_t steps = 1 + below(20);
        for (std::int64_t i = 0; i < steps; ++i) {
          if (on_btc) {
            engine.StepMarket(symbol);
          } else {
            eth.Step(eth_book);
            engine.AfterStep(symbol);
          }
        }
      } else if (action < 70) {
        const OrderResult result = engine.Place(random_request(account, market));
        ++outcomes[result.ok() ? OrderStatusName(result.order->status)
                               : RefusalName(result.refusal)];
      } else if (action < 82) {
        const auto open = engine.OpenOrders(account);
        if (!open.empty()) {
          const Order* order = open[below(open.size())];
          const OrderResult result = below(2) == 0
                                         ? engine.Cancel(account, order->order_id)
                                         : engine.CancelByClientId(account, order->client_order_id);
          ASSERT_TRUE(result.ok()) << result.message;
        }
      } else if (action < 84) {
        engine.CancelAll(account, below(2) == 0 ? std::string_view{} : symbol);
      } else if (action < 94) {
        engine.Cross(symbol, below(2) == 0 ? OrderSide::kBuy : OrderSide::kSell,
                     (1 + below(2000)) * market.spec().lot_size);
      } else {
        // Deposits and withdrawals (tests and admin endpoints).
        const std::string asset = below(2) == 0 ? "USDT" : market.spec().base;
        const std::int64_t unit = asset == "USDT" ? Units(100) : Units(1) / 100;
        const std::int64_t amount = (below(2) == 0 ? 1 : -1) * (1 + below(100)) * unit;
        if (engine.Credit(account, asset, amount)) expected[asset] += amount;
      }
      check(step);
      if (::testing::Test::HasFatalFailure()) return;
    }
    // When nothing is open, nothing is locked.
    for (const std::string& account : accounts) engine.CancelAll(account);
    check(kActions);
    for (const std::string& account : accounts) {
      EXPECT_TRUE(engine.OpenOrders(account).empty());
      for (const auto& [asset, balance] : *engine.Balances(account)) {
        EXPECT_EQ(balance.locked, 0) << account << " " << asset;
      }
    }
    // The fees the fills report are what the venue collected.
    std::map<std::string, std::int64_t> fees;
    for (const Fill& fill : log.fills) fees[fill.fee_asset] += fill.fee;
    for (const auto& [asset, amount] : engine.fees_collected()) EXPECT_EQ(fees[asset], amount);
    // Every order's fills follow the rounding rule.
    for (const std::string& account : accounts) {
      for (const Order* order : engine.Orders(account)) {
        ExpectOrderArithmetic(*order, policy, 123, 1001,
                              order->symbol == "BTCUSDT" ? specs[0] : specs[1]);
        if (order->status == OrderStatus::kFilled) {
          EXPECT_EQ(order->executed_quantity, order->quantity);
        }
      }
    }
    // The public books stayed consistent through every Take and Step.
    btc_book.ExpectMatches(btc);
    eth_book.ExpectMatches(eth);
    // The flow exercised the interesting paths.
    EXPECT_GT(maker_fills, 100);
    EXPECT_GT(taker_fills, 100);
    EXPECT_GT(outcomes["FILLED"], 50);
    EXPECT_GT(outcomes["NEW"], 50);
    EXPECT_GT(outcomes["EXPIRED"], 10);
    EXPECT_GT(outcomes["INSUFFICIENT_BALANCE"], 10);
    EXPECT_GT(outcomes["QUANTITY_NOT_LOT_MULTIPLE"], 0);
    EXPECT_GT(outcomes["STOP_WOULD_TRIGGER_IMMEDIATELY"], 0);
  }
}

}  // namespace
}  // namespace tradingd::sim
