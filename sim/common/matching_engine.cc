#include "sim/common/matching_engine.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <set>
#include <utility>

namespace tradingd::sim {
namespace {

__extension__ typedef __int128 Int128;

// 10^kSimScale: a price x quantity product is at twice the scale, this brings it back.
constexpr std::int64_t kUnit = 100'000'000;
constexpr std::int64_t kPpm = 1'000'000;
// Amounts are clamped here so that a sum of two never overflows; no real order comes near it.
constexpr std::int64_t kMaxAmount = std::numeric_limits<std::int64_t>::max() / 4;

std::int64_t Clamp(Int128 value) {
  if (value < 0) return 0;
  return value > kMaxAmount ? kMaxAmount : static_cast<std::int64_t>(value);
}
std::int64_t CeilDiv(Int128 a, std::int64_t b) { return Clamp((a + b - 1) / b); }  // a >= 0
std::int64_t FloorDiv(Int128 a, std::int64_t b) { return Clamp(a / b); }           // a >= 0

// What a buy at `price` still needs locked for `remaining` more, given what its fills so far
// moved: the quote of the remainder at the limit price and, with fees in quote, the fee on it at
// the highest rate, both under the same cumulative rounding ApplyFill uses, so the lock always
// covers the fills.
std::int64_t BuyLimitLock(std::int64_t price, std::int64_t remaining, Int128 exact_notional,
                          Int128 fee_numerator, std::int64_t cumulative_quote,
                          std::int64_t cumulative_fee, bool quote_fee, std::int64_t max_rate) {
  const std::int64_t final_quote =
      CeilDiv(exact_notional + static_cast<Int128>(price) * remaining, kUnit);
  const std::int64_t quote_left = std::max<std::int64_t>(final_quote - cumulative_quote, 0);
  if (!quote_fee) return quote_left;
  const std::int64_t final_fee =
      CeilDiv(fee_numerator + static_cast<Int128>(quote_left) * max_rate, kPpm);
  return quote_left + std::max<std::int64_t>(final_fee - cumulative_fee, 0);
}

bool StopReachedAt(OrderType type, OrderSide side, std::int64_t stop, std::int64_t reference) {
  const bool stop_loss = type == OrderType::kStopLoss || type == OrderType::kStopLossLimit;
  // Binance: STOP_LOSS SELL and TAKE_PROFIT BUY sit below the market, the others above.
  const bool below = stop_loss == (side == OrderSide::kSell);
  return below ? reference <= stop : reference >= stop;
}

OrderResult Refuse(Refusal refusal, std::string message) {
  return OrderResult{refusal, std::move(message), nullptr};
}

// What StepMarket gives the market: the sim's listener sees every change, and the market's trades
// are queued for AfterStep.
class Tap final : public MarketListener {
 public:
  Tap(MarketListener* publisher, std::vector<TradePrint>* pending)
      : publisher_(publisher), pending_(pending) {}
  void OnTrade(const TradePrint& trade) override {
    pending_->push_back(trade);
    publisher_->OnTrade(trade);
  }
  void OnLevelChange(const LevelChange& change) override { publisher_->OnLevelChange(change); }

 private:
  MarketListener* publisher_;
  std::vector<TradePrint>* pending_;
};

}  // namespace

const char* OrderSideName(OrderSide side) { return side == OrderSide::kBuy ? "BUY" : "SELL"; }

const char* OrderTypeName(OrderType type) {
  switch (type) {
    case OrderType::kMarket:
      return "MARKET";
    case OrderType::kLimit:
      return "LIMIT";
    case OrderType::kStopLoss:
      return "STOP_LOSS";
    case OrderType::kStopLossLimit:
      return "STOP_LOSS_LIMIT";
    case OrderType::kTakeProfit:
      return "TAKE_PROFIT";
    case OrderType::kTakeProfitLimit:
      return "TAKE_PROFIT_LIMIT";
  }
  return "UNKNOWN";
}

const char* TimeInForceName(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc:
      return "GTC";
    case TimeInForce::kIoc:
      return "IOC";
    case TimeInForce::kFok:
      return "FOK";
  }
  return "UNKNOWN";
}

const char* OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew:
      return "NEW";
    case OrderStatus::kPartiallyFilled:
      return "PARTIALLY_FILLED";
    case OrderStatus::kFilled:
      return "FILLED";
    case OrderStatus::kCanceled:
      return "CANCELED";
    case OrderStatus::kRejected:
      return "REJECTED";
    case OrderStatus::kExpired:
      return "EXPIRED";
  }
  return "UNKNOWN";
}

const char* EndReasonName(EndReason reason) {
  switch (reason) {
    case EndReason::kNone:
      return "NONE";
    case EndReason::kCanceledByUser:
      return "CANCELED_BY_USER";
    case EndReason::kCanceledAll:
      return "CANCELED_ALL";
    case EndReason::kIocRemainder:
      return "IOC_REMAINDER";
    case EndReason::kLiquidityExhausted:
      return "LIQUIDITY_EXHAUSTED";
    case EndReason::kFokCannotFill:
      return "FOK_CANNOT_FILL";
    case EndReason::kPostOnlyWouldTake:
      return "POST_ONLY_WOULD_TAKE";
    case EndReason::kNoLiquidity:
      return "NO_LIQUIDITY";
    case EndReason::kInsufficientBalance:
      return "INSUFFICIENT_BALANCE";
  }
  return "UNKNOWN";
}

const char* RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "NONE";
    case Refusal::kUnknownAccount:
      return "UNKNOWN_ACCOUNT";
    case Refusal::kUnknownSymbol:
      return "UNKNOWN_SYMBOL";
    case Refusal::kMarketClosed:
      return "MARKET_CLOSED";
    case Refusal::kInvalidParameters:
      return "INVALID_PARAMETERS";
    case Refusal::kQuantityNotPositive:
      return "QUANTITY_NOT_POSITIVE";
    case Refusal::kQuantityNotLotMultiple:
      return "QUANTITY_NOT_LOT_MULTIPLE";
    case Refusal::kQuantityBelowMinimum:
      return "QUANTITY_BELOW_MINIMUM";
    case Refusal::kQuantityAboveMaximum:
      return "QUANTITY_ABOVE_MAXIMUM";
    case Refusal::kPriceNotPositive:
      return "PRICE_NOT_POSITIVE";
    case Refusal::kPriceNotTickMultiple:
      return "PRICE_NOT_TICK_MULTIPLE";
    case Refusal::kBelowMinNotional:
      return "BELOW_MIN_NOTIONAL";
    case Refusal::kInsufficientBalance:
      return "INSUFFICIENT_BALANCE";
    case Refusal::kPostOnlyWouldTake:
      return "POST_ONLY_WOULD_TAKE";
    case Refusal::kFokCannotFill:
      return "FOK_CANNOT_FILL";
    case Refusal::kDuplicateClientOrderId:
      return "DUPLICATE_CLIENT_ORDER_ID";
    case Refusal::kNoLiquidity:
      return "NO_LIQUIDITY";
    case Refusal::kStopPriceMissing:
      return "STOP_PRICE_MISSING";
    case Refusal::kStopPriceNotTickMultiple:
      return "STOP_PRICE_NOT_TICK_MULTIPLE";
    case Refusal::kStopWouldTriggerImmediately:
      return "STOP_WOULD_TRIGGER_IMMEDIATELY";
    case Refusal::kUnknownOrder:
      return "UNKNOWN_ORDER";
    case Refusal::kOrderAlreadyFinal:
      return "ORDER_ALREADY_FINAL";
  }
  return "UNKNOWN";
}

bool IsStopType(OrderType type) {
  return type == OrderType::kStopLoss || type == OrderType::kStopLossLimit ||
         type == OrderType::kTakeProfit || type == OrderType::kTakeProfitLimit;
}

bool IsLimitType(OrderType type) {
  return type == OrderType::kLimit || type == OrderType::kStopLossLimit ||
         type == OrderType::kTakeProfitLimit;
}

bool IsFinal(OrderStatus status) {
  return status == OrderStatus::kFilled || status == OrderStatus::kCanceled ||
         status == OrderStatus::kRejected || status == OrderStatus::kExpired;
}

struct MatchingEngine::SymbolState {
  SymbolState(SymbolSpec symbol_spec, SyntheticMarket* symbol_market,
              MarketListener* symbol_publisher)
      : spec(std::move(symbol_spec)),
        market(symbol_market),
        publisher(symbol_publisher),
        tap(symbol_publisher, &pending) {}

  SymbolSpec spec;
  SyntheticMarket* market;  // null: closed (replay mode)
  MarketListener* publisher;
  // Resting orders in priority: buys highest price first, sells lowest first, oldest first within
  // a price. Keys are (-price, id) and (price, id).
  std::set<std::pair<std::int64_t, std::uint64_t>> buys;
  std::set<std::pair<std::int64_t, std::uint64_t>> sells;
  std::set<std::uint64_t> stops;  // waiting stops, oldest first
  std::optional<std::int64_t> last_price;
  std::vector<TradePrint> pending;  // market trades since the last AfterStep
  Tap tap;
};

struct MatchingEngine::AccountState {
  std::string api_key;
  BalanceMap balances;
  std::vector<std::uint64_t> orders;  // every order, oldest first
  std::set<std::uint64_t> open;
  std::map<std::string, std::uint64_t, std::less<>> by_client_id;  // the latest per client id
  std::vector<Fill> fills;
};

struct MatchingEngine::OrderRecord {
  Order order;
  AccountState* account = nullptr;
  SymbolState* symbol = nullptr;
  Int128 exact_notional = 0;  // sum of the fills' price x quantity, at twice kSimScale
  Int128 fee_numerator = 0;   // sum of the fills' fee basis x rate in ppm
  // A market order placed by quote amount whose walk ran out of book: it EXPIRES, not FILLS, when
  // it has executed the walk.
  bool expire_when_done = false;
};

struct MatchingEngine::Walk {
  std::int64_t quantity = 0;
  Int128 exact_notional = 0;
  bool any_liquidity = false;  // the side had something within the limit
  bool exhausted = false;      // stopped because the side (within the limit) ran out
};

struct MatchingEngine::MarketPlan {
  Walk walk;
  std::int64_t need = 0;  // what the order must hold of its lock asset to execute the walk
  Refusal refusal = Refusal::kNone;
  std::string message;
};

MatchingEngine::MatchingEngine(MatchingEngineConfig config)
    : config_(std::move(config)),
      next_order_id_(config_.first_order_id),
      next_trade_id_(config_.first_trade_id) {
  config_.maker_fee_ppm = std::clamp<std::int64_t>(config_.maker_fee_ppm, 0, kPpm);
  config_.taker_fee_ppm = std::clamp<std::int64_t>(config_.taker_fee_ppm, 0, kPpm);
}

MatchingEngine::~MatchingEngine() = default;

std::int64_t MatchingEngine::Now() const {
  if (config_.now_ms) return config_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- setup ----

bool MatchingEngine::AddSymbol(SyntheticMarket& market, MarketListener& publisher) {
  const SymbolSpec& spec = market.spec();
  if (symbols_.contains(spec.symbol)) return false;
  symbols_.emplace(spec.symbol, std::make_unique<SymbolState>(spec, &market, &publisher));
  return true;
}

bool MatchingEngine::AddClosedSymbol(SymbolSpec spec) {
  if (symbols_.contains(spec.symbol)) return false;
  std::string name = spec.symbol;
  spec.tick_size = std::max<std::int64_t>(spec.tick_size, 1);
  spec.lot_size = std::max<std::int64_t>(spec.lot_size, 1);
  symbols_.emplace(std::move(name),
                   std::make_unique<SymbolState>(std::move(spec), nullptr, nullptr));
  return true;
}

const SymbolSpec* MatchingEngine::FindSymbol(std::string_view symbol) const {
  const auto it = symbols_.find(symbol);
  return it == symbols_.end() ? nullptr : &it->second->spec;
}

MatchingEngine::SymbolState* MatchingEngine::FindSymbolState(std::string_view symbol) {
  const auto it = symbols_.find(symbol);
  return it == symbols_.end() ? nullptr : it->second.get();
}

// ---- accounts ----

bool MatchingEngine::CreateAccount(std::string api_key) {
  const AssetAmounts balances = config_.starting_balances;
  return CreateAccount(std::move(api_key), balances);
}

bool MatchingEngine::CreateAccount(std::string api_key, const AssetAmounts& free_balances) {
  if (accounts_.contains(api_key)) return false;
  auto account = std::make_unique<AccountState>();
  account->api_key = api_key;
  for (const auto& [asset, amount] : free_balances) {
    account->balances[asset].free = std::max<std::int64_t>(amount, 0);
  }
  accounts_.emplace(std::move(api_key), std::move(account));
  return true;
}

bool MatchingEngine::HasAccount(std::string_view api_key) const {
  return FindAccount(api_key) != nullptr;
}

MatchingEngine::AccountState* MatchingEngine::FindAccount(std::string_view api_key) {
  const auto it = accounts_.find(api_key);
  return it == accounts_.end() ? nullptr : it->second.get();
}

const MatchingEngine::AccountState* MatchingEngine::FindAccount(std::string_view api_key) const {
  const auto it = accounts_.find(api_key);
  return it == accounts_.end() ? nullptr : it->second.get();
}

Balance& MatchingEngine::BalanceOf(AccountState& account, const std::string& asset) {
  return account.balances[asset];
}

bool MatchingEngine::Credit(std::string_view api_key, std::string_view asset, std::int64_t amount) {
  AccountState* account = FindAccount(api_key);
  if (account == nullptr) return false;
  Balance& balance = BalanceOf(*account, std::string(asset));
  if (balance.free + amount < 0) return false;
  balance.free += amount;
  return true;
}

bool MatchingEngine::SetFreeBalance(std::string_view api_key, std::string_view asset,
                                    std::int64_t amount) {
  AccountState* account = FindAccount(api_key);
  if (account == nullptr || amount < 0) return false;
  BalanceOf(*account, std::string(asset)).free = amount;
  return true;
}

std::optional<Balance> MatchingEngine::GetBalance(std::string_view api_key,
                                                  std::string_view asset) const {
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return std::nullopt;
  const auto it = account->balances.find(asset);
  return it == account->balances.end() ? Balance{} : it->second;
}

const BalanceMap* MatchingEngine::Balances(std::string_view api_key) const {
  const AccountState* account = FindAccount(api_key);
  return account == nullptr ? nullptr : &account->balances;
}

// ---- helpers ----

MatchingEngine::OrderRecord* MatchingEngine::FindRecord(std::uint64_t order_id) {
  const auto it = orders_.find(order_id);
  return it == orders_.end() ? nullptr : it->second.get();
}

void MatchingEngine::Lock(OrderRecord& record, std::int64_t amount) {
  Balance& balance = BalanceOf(*record.account, record.order.lock_asset);
  balance.free -= amount;
  balance.locked += amount;
  record.order.locked += amount;
}

void MatchingEngine::Unlock(OrderRecord& record, std::int64_t amount) {
  Balance& balance = BalanceOf(*record.account, record.order.lock_asset);
  balance.free += amount;
  balance.locked -= amount;
  record.order.locked -= amount;
}

std::optional<std::int64_t> MatchingEngine::Reference(const SymbolState& symbol) const {
  if (symbol.last_price) return symbol.last_price;
  if (symbol.market == nullptr) return std::nullopt;
  const TopOfBook top = symbol.market->top();
  if (top.bid_quantity == 0 || top.ask_quantity == 0) return std::nullopt;
  const std::int64_t tick = symbol.spec.tick_size;
  return (top.bid_price + top.ask_price) / 2 / tick * tick;
}

MatchingEngine::Walk MatchingEngine::WalkBook(const SymbolState& symbol, OrderSide side,
                                              std::int64_t limit_price, std::int64_t max_quantity,
                                              std::int64_t quote_budget) const {
  Walk walk;
  const std::int64_t lot = symbol.spec.lot_size;
  const bool buy = side == OrderSide::kBuy;
  const bool quote_fee = config_.fee_asset == FeeAsset::kQuote;
  // What `exact` costs a buy (fees in quote included: a quote budget is all the account spends)
  // or gives a sell.
  auto cost = [&](Int128 exact) {
    if (!buy) return FloorDiv(exact, kUnit);
    const std::int64_t quote = CeilDiv(exact, kUnit);
    return quote_fee ? quote + CeilDiv(static_cast<Int128>(quote) * config_.taker_fee_ppm, kPpm)
                     : quote;
  };
  auto visit = [&](std::int64_t price, std::int64_t available) {  // false: stop walking
    walk.any_liquidity = true;
    std::int64_t take = available;
    if (max_quantity > 0) take = std::min(take, max_quantity - walk.quantity);
    bool budget_bound = false;
    if (quote_budget > 0) {
      // The most lots of this level the budget still pays for (cost grows with the lots).
      std::int64_t low = 0;
      std::int64_t high = take / lot;
      while (low < high) {
        const std::int64_t mid = low + (high - low + 1) / 2;
        if (cost(walk.exact_notional + static_cast<Int128>(price) * (mid * lot)) <= quote_budget) {
          low = mid;
        } else {
          high = mid - 1;
        }
      }
      budget_bound = low * lot < take;
      take = low * lot;
    }
    walk.quantity += take;
    walk.exact_notional += static_cast<Int128>(price) * take;
    return !budget_bound && (max_quantity <= 0 || walk.quantity < max_quantity);
  };
  bool ran_out = true;
  if (buy) {
    for (const auto& [price, quantity] : symbol.market->asks()) {
      if (limit_price > 0 && price > limit_price) break;
      if (!visit(price, quantity)) {
        ran_out = false;
        break;
      }
    }
  } else {
    for (const auto& [price, quantity] : symbol.market->bids()) {
      if (limit_price > 0 && price < limit_price) break;
      if (!visit(price, quantity)) {
        ran_out = false;
        break;
      }
    }
  }
  walk.exhausted = ran_out;
  return walk;
}

MatchingEngine::MarketPlan MatchingEngine::PlanMarket(const SymbolState& symbol,
                                                      const AccountState& account, OrderSide side,
                                                      std::int64_t quantity,
                                                      std::int64_t quote_quantity, TimeInForce tif,
                                                      std::int64_t already_locked,
                                                      bool check_min_notional) const {
  MarketPlan plan;
  const SymbolSpec& spec = symbol.spec;
  const bool by_quote = quote_quantity > 0;
  plan.walk = WalkBook(symbol, side, 0, by_quote ? spec.max_quantity : quantity, quote_quantity);
  const Walk& walk = plan.walk;
  if (!walk.any_liquidity) {
    plan.refusal = Refusal::kNoLiquidity;
    plan.message = "no liquidity on the other side of the book";
    return plan;
  }
  if (walk.quantity == 0) {
    plan.refusal = Refusal::kQuantityBelowMinimum;
    plan.message = "the quote quantity does not pay for one lot";
    return plan;
  }
  if (check_min_notional && walk.exact_notional < static_cast<Int128>(spec.min_notional) * kUnit) {
    plan.refusal = Refusal::kBelowMinNotional;
    plan.message = "the order's notional is below the symbol's minimum";
    return plan;
  }
  const bool buy = side == OrderSide::kBuy;
  if (buy) {
    plan.need = CeilDiv(walk.exact_notional, kUnit);
    if (config_.fee_asset == FeeAsset::kQuote) {
      plan.need += CeilDiv(static_cast<Int128>(plan.need) * config_.taker_fee_ppm, kPpm);
    }
  } else {
    plan.need = walk.quantity;
  }
  const std::string& asset = buy ? spec.quote : spec.base;
  const auto it = account.balances.find(asset);
  const std::int64_t free = it == account.balances.end() ? 0 : it->second.free;
  if (plan.need - already_locked > free) {
    plan.refusal = Refusal::kInsufficientBalance;
    plan.message = "insufficient " + asset + " balance";
    return plan;
  }
  if (tif == TimeInForce::kFok && (by_quote ? walk.exhausted : walk.quantity < quantity)) {
    plan.refusal = Refusal::kFokCannotFill;
    plan.message = "the book cannot fill the FOK order in full";
  }
  return plan;
}

// ---- orders ----

OrderResult MatchingEngine::Place(const OrderRequest& request) {
  AccountState* account = FindAccount(request.account);
  if (account == nullptr) return Refuse(Refusal::kUnknownAccount, "unknown account");
  SymbolState* symbol = FindSymbolState(request.symbol);
  if (symbol == nullptr) return Refuse(Refusal::kUnknownSymbol, "unknown symbol");
  if (symbol->market == nullptr) {
    return Refuse(Refusal::kMarketClosed, "the market is closed (no live book)");
  }
  const SymbolSpec& spec = symbol->spec;
  const OrderType type = request.type;
  const bool stop = IsStopType(type);
  const bool limit = IsLimitType(type);
  const bool buy = request.side == OrderSide::kBuy;

  if (request.quote_quantity != 0 && (type != OrderType::kMarket || request.quantity != 0)) {
    return Refuse(Refusal::kInvalidParameters,
                  "a quote quantity is only for MARKET orders placed without a quantity");
  }
  if (!limit && request.price != 0) {
    return Refuse(Refusal::kInvalidParameters,
                  std::string("a price is not allowed for ") + OrderTypeName(type));
  }
  if (!stop && request.stop_price != 0) {
    return Refuse(Refusal::kInvalidParameters,
                  std::string("a stop price is not allowed for ") + OrderTypeName(type));
  }
  if (request.post_only &&
      (type != OrderType::kLimit || request.time_in_force != TimeInForce::kGtc)) {
    return Refuse(Refusal::kInvalidParameters, "post-only is for GTC LIMIT orders");
  }

  if (request.quote_quantity < 0) {
    return Refuse(Refusal::kQuantityNotPositive, "the quote quantity must be positive");
  }
  if (request.quote_quantity == 0) {
    if (request.quantity <= 0) {
      return Refuse(Refusal::kQuantityNotPositive, "the quantity must be positive");
    }
    if (request.quantity % spec.lot_size != 0) {
      return Refuse(Refusal::kQuantityNotLotMultiple,
                    "the quantity is not a multiple of the lot size");
    }
    if (request.quantity < spec.lot_size) {
      return Refuse(Refusal::kQuantityBelowMinimum, "the quantity is below one lot");
    }
    if (request.quantity > spec.max_quantity) {
      return Refuse(Refusal::kQuantityAboveMaximum, "the quantity is above the maximum");
    }
  }
  if (limit) {
    if (request.price <= 0) return Refuse(Refusal::kPriceNotPositive, "the price must be positive");
    if (request.price % spec.tick_size != 0) {
      return Refuse(Refusal::kPriceNotTickMultiple, "the price is not a multiple of the tick size");
    }
  }
  if (stop) {
    if (request.stop_price <= 0) {
      return Refuse(Refusal::kStopPriceMissing, "a stop order needs a positive stop price");
    }
    if (request.stop_price % spec.tick_size != 0) {
      return Refuse(Refusal::kStopPriceNotTickMultiple,
                    "the stop price is not a multiple of the tick size");
    }
  }
  if (!request.client_order_id.empty()) {
    const auto it = account->by_client_id.find(request.client_order_id);
    if (it != account->by_client_id.end() && orders_.at(it->second)->order.open()) {
      return Refuse(Refusal::kDuplicateClientOrderId,
                    "an open order already has this client order id");
    }
  }
  if (stop && config_.refuse_immediate_trigger) {
    const std::optional<std::int64_t> reference = Reference(*symbol);
    if (reference && StopReachedAt(type, request.side, request.stop_price, *reference)) {
      return Refuse(Refusal::kStopWouldTriggerImmediately, "the order would trigger immediately");
    }
  }

  const bool quote_fee = config_.fee_asset == FeeAsset::kQuote;
  const std::int64_t max_rate = std::max(config_.maker_fee_ppm, config_.taker_fee_ppm);
  auto free_of = [&](const std::string& asset) {
    const auto it = account->balances.find(asset);
    return it == account->balances.end() ? std::int64_t{0} : it->second.free;
  };
  auto below_min_notional = [&](std::int64_t price) {
    return static_cast<Int128>(price) * request.quantity <
           static_cast<Int128>(spec.min_notional) * kUnit;
  };

  if (type == OrderType::kMarket) {
    MarketPlan plan = PlanMarket(*symbol, *account, request.side, request.quantity,
                                 request.quote_quantity, request.time_in_force, 0, true);
    if (plan.refusal == Refusal::kFokCannotFill &&
        config_.fok_policy == FillOrKillPolicy::kExpire) {
      OrderRecord& record = Accept(request, *symbol, *account, 0, plan.walk.quantity);
      Finish(record, OrderStatus::kExpired, EndReason::kFokCannotFill);
      return {Refusal::kNone, "", &record.order};
    }
    if (plan.refusal != Refusal::kNone) return Refuse(plan.refusal, std::move(plan.message));
    OrderRecord& record = Accept(request, *symbol, *account, plan.need, plan.walk.quantity);
    RunMarket(record, plan);
    ProcessTriggers(*symbol);
    return {Refusal::kNone, "", &record.order};
  }

  if (type == OrderType::kLimit) {
    if (below_min_notional(request.price)) {
      return Refuse(Refusal::kBelowMinNotional, "the order's notional is below the minimum");
    }
    const std::int64_t need =
        buy ? BuyLimitLock(request.price, request.quantity, 0, 0, 0, 0, quote_fee, max_rate)
            : request.quantity;
    const std::string& asset = buy ? spec.quote : spec.base;
    if (need > free_of(asset)) {
      return Refuse(Refusal::kInsufficientBalance, "insufficient " + asset + " balance");
    }
    EndReason kill = EndReason::kNone;
    if (request.post_only) {
      const TopOfBook top = symbol->market->top();
      const bool takes = buy ? top.ask_quantity > 0 && request.price >= top.ask_price
                             : top.bid_quantity > 0 && request.price <= top.bid_price;
      if (takes) {
        if (config_.post_only_policy == PostOnlyPolicy::kRefuse) {
          return Refuse(Refusal::kPostOnlyWouldTake, "the post-only order would take liquidity");
        }
        kill = EndReason::kPostOnlyWouldTake;
      }
    }
    if (request.time_in_force == TimeInForce::kFok &&
        WalkBook(*symbol, request.side, request.price, request.quantity, 0).quantity <
            request.quantity) {
      if (config_.fok_policy == FillOrKillPolicy::kRefuse) {
        return Refuse(Refusal::kFokCannotFill, "the book cannot fill the FOK order in full");
      }
      kill = EndReason::kFokCannotFill;
    }
    OrderRecord& record =
        Accept(request, *symbol, *account, kill == EndReason::kNone ? need : 0, 0);
    if (kill != EndReason::kNone) {
      Finish(record, OrderStatus::kExpired, kill);
      return {Refusal::kNone, "", &record.order};
    }
    ExecuteLimit(record, false);
    ProcessTriggers(*symbol);
    return {Refusal::kNone, "", &record.order};
  }

  // Stop types: lock now (a stop-market buy cannot know its price: it only has to be affordable
  // at the stop price), then wait for the trigger.
  if (below_min_notional(limit ? request.price : request.stop_price)) {
    return Refuse(Refusal::kBelowMinNotional, "the order's notional is below the minimum");
  }
  std::int64_t need = request.quantity;
  if (buy) {
    need =
        limit ? BuyLimitLock(request.price, request.quantity, 0, 0, 0, 0, quote_fee, max_rate) : 0;
  }
  const std::string& asset = buy ? spec.quote : spec.base;
  const std::int64_t affordable = buy && !limit
                                      ? BuyLimitLock(request.stop_price, request.quantity, 0, 0, 0,
                                                     0, quote_fee, config_.taker_fee_ppm)
                                      : need;
  if (affordable > free_of(asset)) {
    return Refuse(Refusal::kInsufficientBalance, "insufficient " + asset + " balance");
  }
  OrderRecord& record = Accept(request, *symbol, *account, need, 0);
  symbol->stops.insert(record.order.order_id);
  ProcessTriggers(*symbol);
  return {Refusal::kNone, "", &record.order};
}

MatchingEngine::OrderRecord& MatchingEngine::Accept(const OrderRequest& request,
                                                    SymbolState& symbol, AccountState& account,
                                                    std::int64_t lock,
                                                    std::int64_t walked_quantity) {
  auto owned = std::make_unique<OrderRecord>();
  OrderRecord& record = *owned;
  record.account = &account;
  record.symbol = &symbol;
  const std::int64_t now = Now();
  Order& order = record.order;
  order.order_id = next_order_id_++;
  order.client_order_id = request.client_order_id;
  if (order.client_order_id.empty()) {
    order.client_order_id = config_.client_order_id_prefix + std::to_string(order.order_id);
    // An account may have used the engine's spelling itself: never hand out an open one twice.
    for (int n = 1;; ++n) {
      const auto it = account.by_client_id.find(order.client_order_id);
      if (it == account.by_client_id.end() || !orders_.at(it->second)->order.open()) break;
      order.client_order_id =
          config_.client_order_id_prefix + std::to_string(order.order_id) + "-" + std::to_string(n);
    }
  }
  order.account = account.api_key;
  order.symbol = symbol.spec.symbol;
  order.side = request.side;
  order.type = request.type;
  order.time_in_force = request.time_in_force;
  order.post_only = request.post_only;
  order.quantity = request.quantity;
  order.quote_quantity = request.quote_quantity;
  if (request.quote_quantity > 0) order.quantity = walked_quantity;
  order.price = request.price;
  order.stop_price = request.stop_price;
  const bool buy = request.side == OrderSide::kBuy;
  order.fee_asset =
      config_.fee_asset == FeeAsset::kQuote || !buy ? symbol.spec.quote : symbol.spec.base;
  order.lock_asset = buy ? symbol.spec.quote : symbol.spec.base;
  order.created_ms = now;
  order.updated_ms = now;
  order.working_ms = IsStopType(request.type) ? 0 : now;
  account.orders.push_back(order.order_id);
  account.open.insert(order.order_id);
  account.by_client_id[order.client_order_id] = order.order_id;
  orders_.emplace(order.order_id, std::move(owned));
  // Lock before the event, so that a listener reading the balances sees the order's hold.
  if (lock > 0) Lock(record, lock);
  Emit(OrderEventKind::kAccepted, record);
  return record;
}

void MatchingEngine::RunMarket(OrderRecord& record, const MarketPlan& plan) {
  Order& order = record.order;
  if (order.quote_quantity > 0) record.expire_when_done = plan.walk.exhausted;
  // A triggered stop holds what it locked when placed (a stop-market buy: nothing) and may need
  // more now that the walk is known.
  if (plan.need > order.locked) Lock(record, plan.need - order.locked);
  TakeFromBook(record, 0, plan.walk.quantity);
  if (order.open()) Finish(record, OrderStatus::kExpired, EndReason::kLiquidityExhausted);
}

void MatchingEngine::ExecuteLimit(OrderRecord& record, bool at_trigger) {
  Order& order = record.order;
  SymbolState& symbol = *record.symbol;
  if (at_trigger && order.time_in_force == TimeInForce::kFok &&
      WalkBook(symbol, order.side, order.price, order.remaining(), 0).quantity <
          order.remaining()) {
    Finish(record, OrderStatus::kExpired, EndReason::kFokCannotFill);
    return;
  }
  TakeFromBook(record, order.price, order.remaining());
  if (!order.open()) return;
  if (order.time_in_force == TimeInForce::kGtc) {
    Rest(record);
  } else {
    Finish(record, OrderStatus::kExpired, EndReason::kIocRemainder);
  }
}

void MatchingEngine::TakeFromBook(OrderRecord& record, std::int64_t limit_price,
                                  std::int64_t quantity) {
  SymbolState& symbol = *record.symbol;
  const TakeRequest take{record.order.side == OrderSide::kBuy ? Side::kAsk : Side::kBid,
                         limit_price, quantity, 0};
  const bool driving = driving_market_;
  driving_market_ = true;
  const std::vector<TakeFill> fills = symbol.market->Take(take, *symbol.publisher);
  driving_market_ = driving;
  for (const TakeFill& fill : fills) {
    symbol.last_price = fill.trade_price;
    ApplyFill(record, fill.trade_price, fill.quantity, false, fill.trade_id);
  }
}

void MatchingEngine::ApplyFill(OrderRecord& record, std::int64_t price, std::int64_t quantity,
                               bool is_maker, std::uint64_t public_trade_id) {
  Order& order = record.order;
  AccountState& account = *record.account;
  const SymbolSpec& spec = record.symbol->spec;
  const bool buy = order.side == OrderSide::kBuy;

  record.exact_notional += static_cast<Int128>(price) * quantity;
  const std::int64_t cumulative_quote =
      buy ? CeilDiv(record.exact_notional, kUnit) : FloorDiv(record.exact_notional, kUnit);
  const std::int64_t quote = cumulative_quote - order.cumulative_quote;
  const bool fee_in_base = buy && config_.fee_asset == FeeAsset::kReceived;
  const std::int64_t rate = is_maker ? config_.maker_fee_ppm : config_.taker_fee_ppm;
  record.fee_numerator += static_cast<Int128>(fee_in_base ? quantity : quote) * rate;
  const std::int64_t cumulative_fee = CeilDiv(record.fee_numerator, kPpm);
  const std::int64_t fee = cumulative_fee - order.cumulative_fee;

  Balance& base = BalanceOf(account, spec.base);
  Balance& quote_balance = BalanceOf(account, spec.quote);
  // What the fill takes comes out of the order's lock, which covers it by construction; were it
  // ever short, the rest would come out of free (and the soak test would see a negative balance).
  if (buy) {
    const std::int64_t debit = quote + (fee_in_base ? 0 : fee);
    const std::int64_t from_lock = std::min(debit, order.locked);
    order.locked -= from_lock;
    quote_balance.locked -= from_lock;
    quote_balance.free -= debit - from_lock;
    base.free += quantity - (fee_in_base ? fee : 0);
  } else {
    const std::int64_t from_lock = std::min(quantity, order.locked);
    order.locked -= from_lock;
    base.locked -= from_lock;
    base.free -= quantity - from_lock;
    quote_balance.free += quote - fee;
  }
  fees_collected_[order.fee_asset] += fee;

  const std::int64_t now = Now();
  order.executed_quantity += quantity;
  order.cumulative_quote = cumulative_quote;
  order.cumulative_fee = cumulative_fee;
  order.updated_ms = now;
  order.fills.push_back(Fill{next_trade_id_++, public_trade_id, order.order_id, order.symbol,
                             order.side, price, quantity, quote, fee, order.fee_asset, is_maker,
                             now});
  account.fills.push_back(order.fills.back());

  if (order.executed_quantity >= order.quantity && !record.expire_when_done) {
    order.status = OrderStatus::kFilled;
    Close(record);
  } else {
    order.status = OrderStatus::kPartiallyFilled;
    // Keep holding only what the remainder can still cost: fills at better prices than the limit
    // free the difference at once, as on a real venue.
    if (IsLimitType(order.type)) {
      const std::int64_t required =
          buy ? BuyLimitLock(order.price, order.remaining(), record.exact_notional,
                             record.fee_numerator, order.cumulative_quote, order.cumulative_fee,
                             config_.fee_asset == FeeAsset::kQuote,
                             std::max(config_.maker_fee_ppm, config_.taker_fee_ppm))
              : order.remaining();
      if (order.locked > required) Unlock(record, order.locked - required);
    }
  }
  Emit(OrderEventKind::kFill, record, &order.fills.back());
}

void MatchingEngine::Rest(OrderRecord& record) {
  const Order& order = record.order;
  if (order.side == OrderSide::kBuy) {
    record.symbol->buys.emplace(-order.price, order.order_id);
  } else {
    record.symbol->sells.emplace(order.price, order.order_id);
  }
}

void MatchingEngine::Close(OrderRecord& record) {
  Order& order = record.order;
  SymbolState& symbol = *record.symbol;
  if (order.locked > 0) Unlock(record, order.locked);
  symbol.buys.erase({-order.price, order.order_id});
  symbol.sells.erase({order.price, order.order_id});
  symbol.stops.erase(order.order_id);
  record.account->open.erase(order.order_id);
}

void MatchingEngine::Finish(OrderRecord& record, OrderStatus status, EndReason reason) {
  Order& order = record.order;
  order.status = status;
  order.end_reason = reason;
  order.updated_ms = Now();
  Close(record);
  const OrderEventKind kind = status == OrderStatus::kCanceled   ? OrderEventKind::kCanceled
                              : status == OrderStatus::kRejected ? OrderEventKind::kRejected
                                                                 : OrderEventKind::kExpired;
  Emit(kind, record);
}

void MatchingEngine::Emit(OrderEventKind kind, const OrderRecord& record, const Fill* fill) {
  if (events_ != nullptr) events_->OnOrderEvent({kind, &record.order, fill});
}

OrderResult MatchingEngine::Cancel(std::string_view api_key, std::uint64_t order_id) {
  AccountState* account = FindAccount(api_key);
  if (account == nullptr) return Refuse(Refusal::kUnknownAccount, "unknown account");
  OrderRecord* record = FindRecord(order_id);
  if (record == nullptr || record->account != account) {
    return Refuse(Refusal::kUnknownOrder, "unknown order");
  }
  if (!record->order.open()) {
    return {Refusal::kOrderAlreadyFinal,
            std::string("the order is already ") + OrderStatusName(record->order.status),
            &record->order};
  }
  Finish(*record, OrderStatus::kCanceled, EndReason::kCanceledByUser);
  return {Refusal::kNone, "", &record->order};
}

OrderResult MatchingEngine::CancelByClientId(std::string_view api_key,
                                             std::string_view client_order_id) {
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return Refuse(Refusal::kUnknownAccount, "unknown account");
  const auto it = account->by_client_id.find(client_order_id);
  if (it == account->by_client_id.end()) return Refuse(Refusal::kUnknownOrder, "unknown order");
  return Cancel(api_key, it->second);
}

std::vector<const Order*> MatchingEngine::CancelAll(std::string_view api_key,
                                                    std::string_view symbol) {
  std::vector<const Order*> canceled;
  AccountState* account = FindAccount(api_key);
  if (account == nullptr) return canceled;
  const std::vector<std::uint64_t> open(account->open.begin(), account->open.end());
  for (const std::uint64_t id : open) {
    OrderRecord& record = *orders_.at(id);
    if (!symbol.empty() && record.order.symbol != symbol) continue;
    Finish(record, OrderStatus::kCanceled, EndReason::kCanceledAll);
    canceled.push_back(&record.order);
  }
  return canceled;
}

// ---- queries ----

const Order* MatchingEngine::FindOrder(std::string_view api_key, std::uint64_t order_id) const {
  const AccountState* account = FindAccount(api_key);
  const auto it = orders_.find(order_id);
  if (account == nullptr || it == orders_.end() || it->second->account != account) return nullptr;
  return &it->second->order;
}

const Order* MatchingEngine::FindOrderByClientId(std::string_view api_key,
                                                 std::string_view client_order_id) const {
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return nullptr;
  const auto it = account->by_client_id.find(client_order_id);
  if (it == account->by_client_id.end()) return nullptr;
  return &orders_.at(it->second)->order;
}

std::vector<const Order*> MatchingEngine::OpenOrders(std::string_view api_key,
                                                     std::string_view symbol) const {
  std::vector<const Order*> result;
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return result;
  for (const std::uint64_t id : account->open) {
    const Order& order = orders_.at(id)->order;
    if (symbol.empty() || order.symbol == symbol) result.push_back(&order);
  }
  return result;
}

std::vector<const Order*> MatchingEngine::Orders(std::string_view api_key,
                                                 std::string_view symbol) const {
  std::vector<const Order*> result;
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return result;
  for (const std::uint64_t id : account->orders) {
    const Order& order = orders_.at(id)->order;
    if (symbol.empty() || order.symbol == symbol) result.push_back(&order);
  }
  return result;
}

std::vector<Fill> MatchingEngine::Trades(std::string_view api_key, std::string_view symbol) const {
  std::vector<Fill> result;
  const AccountState* account = FindAccount(api_key);
  if (account == nullptr) return result;
  for (const Fill& fill : account->fills) {
    if (symbol.empty() || fill.symbol == symbol) result.push_back(fill);
  }
  return result;
}

std::optional<std::int64_t> MatchingEngine::LastPrice(std::string_view symbol) const {
  const auto it = symbols_.find(symbol);
  if (it == symbols_.end()) return std::nullopt;
  return it->second->last_price;
}

// ---- market hooks ----

void MatchingEngine::StepMarket(std::string_view symbol) {
  SymbolState* state = FindSymbolState(symbol);
  if (state == nullptr || state->market == nullptr) return;
  const bool driving = driving_market_;
  driving_market_ = true;
  state->market->Step(state->tap);
  driving_market_ = driving;
  AfterStep(symbol);
}

void MatchingEngine::OnMarketTrade(std::string_view symbol, const TradePrint& trade) {
  if (driving_market_) return;
  SymbolState* state = FindSymbolState(symbol);
  if (state != nullptr && state->market != nullptr) state->pending.push_back(trade);
}

void MatchingEngine::AfterStep(std::string_view symbol) {
  SymbolState* state = FindSymbolState(symbol);
  if (state == nullptr || state->market == nullptr) return;
  const std::vector<TradePrint> trades = std::move(state->pending);
  state->pending.clear();
  for (const TradePrint& trade : trades) {
    // A seller that hit the bid at trade.price went through every resting buy at or above it;
    // a buyer that lifted the ask, through every resting sell at or below it.
    if (trade.buyer_is_maker) {
      FillFromFlow(*state, OrderSide::kBuy, trade.price, trade.quantity, trade.trade_id);
    } else {
      FillFromFlow(*state, OrderSide::kSell, trade.price, trade.quantity, trade.trade_id);
    }
    state->last_price = trade.price;
  }
  FillCrossing(*state);
  ProcessTriggers(*state);
}

std::int64_t MatchingEngine::Cross(std::string_view symbol, OrderSide aggressor,
                                   std::int64_t quantity) {
  SymbolState* state = FindSymbolState(symbol);
  if (state == nullptr || state->market == nullptr || quantity <= 0) return 0;
  const std::int64_t lots = quantity / state->spec.lot_size * state->spec.lot_size;
  const OrderSide resting = aggressor == OrderSide::kBuy ? OrderSide::kSell : OrderSide::kBuy;
  const std::int64_t filled = FillFromFlow(*state, resting, 0, lots, 0);
  ProcessTriggers(*state);
  return filled;
}

std::vector<MatchingEngine::OrderRecord*> MatchingEngine::RestingInPriority(
    const SymbolState& symbol, OrderSide side) {
  std::vector<OrderRecord*> records;
  if (side == OrderSide::kBuy) {
    for (const auto& key : symbol.buys) records.push_back(FindRecord(key.second));
  } else {
    for (const auto& key : symbol.sells) records.push_back(FindRecord(key.second));
  }
  return records;
}

std::int64_t MatchingEngine::FillFromFlow(SymbolState& symbol, OrderSide resting_side,
                                          std::int64_t price_bound, std::int64_t quantity,
                                          std::uint64_t public_trade_id) {
  std::int64_t left = quantity;
  for (OrderRecord* record : RestingInPriority(symbol, resting_side)) {
    if (left <= 0) break;
    const Order& order = record->order;
    if (price_bound > 0) {
      // In priority order: once one is out of reach, so are the rest.
      if (resting_side == OrderSide::kBuy ? order.price < price_bound : order.price > price_bound) {
        break;
      }
    }
    const std::int64_t filled = std::min(left, order.remaining());
    left -= filled;
    if (price_bound == 0) symbol.last_price = order.price;  // a print sets its own price
    ApplyFill(*record, order.price, filled, true, public_trade_id);
  }
  return quantity - left;
}

void MatchingEngine::FillCrossing(SymbolState& symbol) {
  for (const OrderSide side : {OrderSide::kBuy, OrderSide::kSell}) {
    for (OrderRecord* record : RestingInPriority(symbol, side)) {
      const Order& order = record->order;
      const TopOfBook top = symbol.market->top();
      const bool crossed = side == OrderSide::kBuy
                               ? top.ask_quantity > 0 && top.ask_price <= order.price
                               : top.bid_quantity > 0 && top.bid_price >= order.price;
      if (!crossed) break;  // in priority order: the rest cannot be crossed either
      const TakeRequest take{side == OrderSide::kBuy ? Side::kAsk : Side::kBid, order.price,
                             order.remaining(), order.price};
      const bool driving = driving_market_;
      driving_market_ = true;
      const std::vector<TakeFill> fills = symbol.market->Take(take, *symbol.publisher);
      driving_market_ = driving;
      for (const TakeFill& fill : fills) {
        symbol.last_price = fill.trade_price;
        ApplyFill(*record, order.price, fill.quantity, true, fill.trade_id);
      }
    }
  }
}

void MatchingEngine::ProcessTriggers(SymbolState& symbol) {
  // Each pass triggers at most one stop and rescans: a triggered market stop moves the last price,
  // which may reach other stops. Every pass removes a stop, so this ends.
  for (;;) {
    const std::optional<std::int64_t> reference = Reference(symbol);
    if (!reference) return;
    OrderRecord* hit = nullptr;
    for (const std::uint64_t id : symbol.stops) {
      OrderRecord* record = FindRecord(id);
      const Order& order = record->order;
      if (StopReachedAt(order.type, order.side, order.stop_price, *reference)) {
        hit = record;
        break;
      }
    }
    if (hit == nullptr) return;
    Order& order = hit->order;
    symbol.stops.erase(order.order_id);
    order.triggered = true;
    order.working_ms = Now();
    order.updated_ms = order.working_ms;
    Emit(OrderEventKind::kTriggered, *hit);
    if (IsLimitType(order.type)) {
      ExecuteLimit(*hit, true);
      continue;
    }
    const MarketPlan plan = PlanMarket(symbol, *hit->account, order.side, order.quantity, 0,
                                       order.time_in_force, order.locked, false);
    switch (plan.refusal) {
      case Refusal::kNone:
        RunMarket(*hit, plan);
        break;
      case Refusal::kInsufficientBalance:
        Finish(*hit, OrderStatus::kRejected, EndReason::kInsufficientBalance);
        break;
      case Refusal::kFokCannotFill:
        Finish(*hit, OrderStatus::kExpired, EndReason::kFokCannotFill);
        break;
      default:
        Finish(*hit, OrderStatus::kExpired, EndReason::kNoLiquidity);
        break;
    }
  }
}

}  // namespace tradingd::sim
