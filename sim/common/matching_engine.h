#pragma once
// The order entry of every sandbox venue, whatever its wire format: accounts with balances, order
// validation, matching against the symbol's SyntheticMarket, fees, and the order and trade
// history the venue's REST answers are made of. Each venue (Binance, Coinbase, Kraken, OKX, Bybit)
// parses and authenticates its own requests, calls this engine, and maps the results (statuses,
// refusal reasons) onto its own error codes and response shapes.
//
// Liquidity. A taker order consumes the synthetic book's visible levels best first, up to its limit
// price, through SyntheticMarket::Take, so the public feeds show its trades and the liquidity it
// removed. Resting (maker) orders are NOT shown in the public book: the sandbox's own orders are
// hidden liquidity. They execute, at their own limit price and as makers, when
//   (a) the market's own trade flow prints at or through their price (an aggressive seller at or
//       below a resting buy's price, an aggressive buyer at or above a resting sell's), for what
//       the print's quantity leaves after better orders: resting orders share each print best price
//       first, then oldest first; the public book is not touched (the print was the market's), or
//   (b) after a market step the opposite best price crosses them: the crossing levels are consumed
//       through Take, printing at the resting order's price with the levels as takers, or
//   (c) Cross() is called: an aggressive flow of the given size that only the sandbox sees (tests
//       and admin endpoints use it to fill resting orders deterministically).
// The sandbox's orders never trade with each other (takers only consume the synthetic book), so
// there is no self-trade to prevent and every fill is against the venue.
//
// Balances are exact int64 mantissas at kSimScale. A limit buy locks the most it can cost: the
// notional at its limit price plus, when fees are charged in the quote asset, the fee on that
// notional at the higher of the maker and taker rates; the lock is trimmed to what the remainder
// can still cost after every fill and released when the order ends. A sell locks its quantity of
// the base asset. Market orders walk the book first, refuse what the account cannot afford, lock
// exactly what the walk costs and then execute that walk. Stop-market buys lock nothing while they
// wait (their price is unknown; the account must be able to pay the notional at the stop price
// when placing) and are REJECTED at the trigger if the account cannot afford the walk then.
//
// Rounding, always in the venue's favour: a fill's quote amount is the order's cumulative exact
// price x quantity rounded up for buys (down for sells) to 8 decimals, minus what earlier fills
// moved; a fill's fee is the order's cumulative exact fee (sum of each fill's fee basis x its rate)
// rounded UP to 8 decimals, minus what earlier fills charged. So a one-fill order pays exactly
// ceil(basis x rate), an order never pays less than its exact fee nor more than one unit (1e-8)
// above it, and a lock computed from the whole order always covers its fills. The fee basis is what
// the account receives: the base quantity of a buy when fees are charged in the received asset
// (Binance, Bybit, OKX spot), the quote amount otherwise (every sell; every fill when fees are
// charged in the quote asset, as Coinbase and Kraken do).
//
// Stop and take-profit orders wait, status NEW with `triggered` false, until the last trade price
// of the symbol (the public prints, including the engine's own takers and Cross fills; the book's
// mid before the symbol's first trade) reaches the stop price, as Binance documents: STOP_LOSS*
// sells trigger at last <= stop and buys at last >= stop; TAKE_PROFIT* sells at last >= stop and
// buys at last <= stop. They then work as a MARKET (STOP_LOSS, TAKE_PROFIT) or LIMIT (*_LIMIT)
// order. A stop whose condition already holds when placed is refused (Binance's "would trigger
// immediately") unless the config says otherwise.
//
// Hooks the sim must call (see StepMarket, OnMarketTrade, AfterStep): the engine needs to see the
// market's trades and the book after each step. The engine calls the market and the symbol's
// publisher (the sim's own MarketListener) only from its own methods.
//
// Thread contract: not thread-safe; one owner thread (the sim's io thread). The OrderEventListener
// is called synchronously from inside the engine's methods and must not call back into the engine.
// `const Order*` results stay valid for the engine's lifetime (orders are never erased), but their
// contents change with later calls.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim {

enum class OrderSide : std::uint8_t { kBuy, kSell };

enum class OrderType : std::uint8_t {
  kMarket,
  kLimit,
  kStopLoss,         // becomes MARKET at the stop
  kStopLossLimit,    // becomes LIMIT at the stop
  kTakeProfit,       // becomes MARKET at the stop
  kTakeProfitLimit,  // becomes LIMIT at the stop
};

// GTC: the remainder rests. IOC: what can execute now does, the rest EXPIRES. FOK: all now or
// nothing. MARKET orders treat GTC and IOC alike (they never rest) and honour FOK.
enum class TimeInForce : std::uint8_t { kGtc, kIoc, kFok };

// Binance's statuses; the other venues map them onto theirs (Coinbase and Kraken say "canceled"
// for EXPIRED).
enum class OrderStatus : std::uint8_t {
  kNew,              // accepted, nothing executed (or a stop that waits for its trigger)
  kPartiallyFilled,  // working, part executed
  kFilled,           // final: executed in full
  kCanceled,         // final: canceled by the account (Cancel, CancelAll)
  kRejected,         // final: accepted, then refused at its trigger (see EndReason)
  kExpired,          // final: ended by the engine (IOC/market remainder, FOK, post-only, no book)
};

// Why a final order ended without filling in full (kNone while open and for FILLED).
enum class EndReason : std::uint8_t {
  kNone = 0,
  kCanceledByUser = 1,      // Cancel / CancelByClientId
  kCanceledAll = 2,         // CancelAll (the dead-man switches)
  kIocRemainder = 3,        // an IOC limit order's unfilled part
  kLiquidityExhausted = 4,  // a market order ran out of book; the rest expired
  kFokCannotFill = 5,       // FOK that could not fill in full (FillOrKillPolicy::kExpire, triggers)
  kPostOnlyWouldTake = 6,   // post-only that would have taken (PostOnlyPolicy::kExpire)
  kNoLiquidity = 7,         // a triggered market stop found an empty book side
  kInsufficientBalance = 8,  // a triggered market stop the account could not afford (REJECTED)
};

// Why a request was refused. Values are stable: venues map them onto their own error codes.
enum class Refusal : std::uint8_t {
  kNone = 0,
  kUnknownAccount = 1,
  kUnknownSymbol = 2,
  kMarketClosed = 3,         // the symbol has no live synthetic market (replay mode)
  kInvalidParameters = 4,    // a combination the order type does not take (see Place)
  kQuantityNotPositive = 5,  // quantity (or quote quantity) missing, zero or negative
  kQuantityNotLotMultiple = 6,
  kQuantityBelowMinimum = 7,  // below one lot (a quote amount that buys less than one lot)
  kQuantityAboveMaximum = 8,
  kPriceNotPositive = 9,  // a limit type without a price, or a negative one
  kPriceNotTickMultiple = 10,
  kBelowMinNotional = 11,
  kInsufficientBalance = 12,
  kPostOnlyWouldTake = 13,       // PostOnlyPolicy::kRefuse
  kFokCannotFill = 14,           // FillOrKillPolicy::kRefuse
  kDuplicateClientOrderId = 15,  // an open order of the account already has it
  kNoLiquidity = 16,             // a market order found nothing to execute against
  kStopPriceMissing = 17,        // a stop type without a stop price (zero or negative)
  kStopPriceNotTickMultiple = 18,
  kStopWouldTriggerImmediately = 19,
  kUnknownOrder = 20,       // cancel/query: no such order for this account
  kOrderAlreadyFinal = 21,  // cancel: FILLED, CANCELED, REJECTED or EXPIRED
};

const char* OrderSideName(OrderSide side);        // "BUY", "SELL"
const char* OrderTypeName(OrderType type);        // "MARKET", "LIMIT", "STOP_LOSS", ...
const char* TimeInForceName(TimeInForce tif);     // "GTC", "IOC", "FOK"
const char* OrderStatusName(OrderStatus status);  // "NEW", "PARTIALLY_FILLED", ...
const char* EndReasonName(EndReason reason);      // "NONE", "CANCELED_BY_USER", ...
const char* RefusalName(Refusal refusal);         // "NONE", "UNKNOWN_ACCOUNT", ...

bool IsStopType(OrderType type);   // STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT, TAKE_PROFIT_LIMIT
bool IsLimitType(OrderType type);  // LIMIT, STOP_LOSS_LIMIT, TAKE_PROFIT_LIMIT (take a price)
bool IsFinal(OrderStatus status);  // FILLED, CANCELED, REJECTED, EXPIRED

// Which asset fees are charged in.
enum class FeeAsset : std::uint8_t {
  kReceived,  // what the fill gives the account: base for buys, quote for sells (Binance, Bybit,
              // OKX)
  kQuote,     // always the quote asset (Coinbase, Kraken)
};

// What happens to a FOK order that cannot fill in full (at placement; a triggered stop-limit FOK
// always EXPIRES).
enum class FillOrKillPolicy : std::uint8_t {
  kExpire,  // accepted and EXPIRED at once with no fill, end reason kFokCannotFill (Binance)
  kRefuse,  // refused with Refusal::kFokCannotFill, no order recorded
};

// What happens to a post-only order whose price would take liquidity.
enum class PostOnlyPolicy : std::uint8_t {
  kRefuse,  // refused with Refusal::kPostOnlyWouldTake (Binance LIMIT_MAKER, Coinbase)
  kExpire,  // accepted and EXPIRED at once, end reason kPostOnlyWouldTake (OKX, Bybit, Kraken)
};

using AssetAmounts = std::map<std::string, std::int64_t, std::less<>>;

struct MatchingEngineConfig {
  // Fee rates in parts per million of the fee basis: 1000 is 0.1 %, 1 is 0.01 basis point.
  // Clamped to [0, 1'000'000].
  std::int64_t maker_fee_ppm = 1000;
  std::int64_t taker_fee_ppm = 1000;
  FeeAsset fee_asset = FeeAsset::kReceived;
  FillOrKillPolicy fok_policy = FillOrKillPolicy::kExpire;
  PostOnlyPolicy post_only_policy = PostOnlyPolicy::kRefuse;
  // true: a stop whose condition holds when placed is refused (Binance); false: it triggers at
  // once.
  bool refuse_immediate_trigger = true;
  // Free balances of an account made by CreateAccount(api_key), asset -> mantissa at kSimScale.
  AssetAmounts starting_balances;
  // Unix milliseconds for created/updated/fill times; null: the system clock.
  std::function<std::int64_t()> now_ms;
  std::uint64_t first_order_id = 1;
  std::uint64_t first_trade_id = 1;
  // Client order ids the engine makes for orders that came without one: prefix + order id.
  std::string client_order_id_prefix = "sim-";
};

struct Balance {
  std::int64_t free = 0;
  std::int64_t locked = 0;
  bool operator==(const Balance&) const = default;
};
using BalanceMap = std::map<std::string, Balance, std::less<>>;

// One execution of one order.
struct Fill {
  std::uint64_t trade_id = 0;  // the engine's, increasing across the engine
  // The public print it belongs to: the Take's print of a taker or crossing fill, the market print
  // a maker fill followed; 0 for Cross fills (nothing printed).
  std::uint64_t public_trade_id = 0;
  std::uint64_t order_id = 0;
  std::string symbol;
  OrderSide side = OrderSide::kBuy;
  std::int64_t price = 0;
  std::int64_t quantity = 0;        // base
  std::int64_t quote_quantity = 0;  // quote moved, fees excluded (see the rounding rule above)
  std::int64_t fee = 0;
  std::string fee_asset;
  bool is_maker = false;
  std::int64_t time_ms = 0;
};

struct Order {
  std::uint64_t order_id = 0;
  std::string client_order_id;
  std::string account;  // API key
  std::string symbol;
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;
  // Base quantity. For a MARKET order placed with a quote amount: what the book walk settled on.
  std::int64_t quantity = 0;
  std::int64_t quote_quantity = 0;  // the quote amount asked for (0: placed by quantity)
  std::int64_t price = 0;           // limit price (0 for market types)
  std::int64_t stop_price = 0;      // stop types only
  OrderStatus status = OrderStatus::kNew;
  EndReason end_reason = EndReason::kNone;
  bool triggered = false;  // stop types: the stop was reached, the order works (or worked)
  std::int64_t executed_quantity = 0;
  std::int64_t cumulative_quote = 0;  // quote moved by the fills, fees excluded
  std::int64_t cumulative_fee = 0;
  std::string fee_asset;
  std::string lock_asset;   // what the order holds: quote for buys, base for sells
  std::int64_t locked = 0;  // what it still holds of lock_asset (0 once final)
  std::vector<Fill> fills;
  std::int64_t created_ms = 0;
  std::int64_t updated_ms = 0;
  std::int64_t working_ms = 0;  // when it started working: created, or triggered (0: waiting)

  bool open() const { return !IsFinal(status); }
  std::int64_t remaining() const { return quantity - executed_quantity; }
};

struct OrderRequest {
  std::string account;  // API key
  std::string symbol;
  std::string client_order_id;  // empty: the engine makes one
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;           // LIMIT + GTC only
  std::int64_t quantity = 0;        // base; 0 for a MARKET order placed by quote amount
  std::int64_t quote_quantity = 0;  // MARKET only: quote to spend (buy, fees in quote included) or
                                    // to receive (sell); exclusive with quantity
  std::int64_t price = 0;           // LIMIT and *_LIMIT only
  std::int64_t stop_price = 0;      // stop types only
};

// The answer to Place, Cancel and CancelByClientId.
struct OrderResult {
  Refusal refusal = Refusal::kNone;
  std::string message;           // human text for the refusal ("" when accepted)
  const Order* order = nullptr;  // the order (accepted or canceled; the final one for
                                 // kOrderAlreadyFinal); null for other refusals
  bool ok() const { return refusal == Refusal::kNone; }
};

enum class OrderEventKind : std::uint8_t {
  kAccepted,   // placed (then, at once, possibly kFill / kExpired events)
  kTriggered,  // a stop reached its stop price and now works
  kFill,       // one execution; `fill` is set, the order's status is after it
  kCanceled,
  kExpired,
  kRejected,
};

struct OrderEvent {
  OrderEventKind kind = OrderEventKind::kAccepted;
  const Order* order = nullptr;
  const Fill* fill = nullptr;  // kFill only
};

// Sees every change of every order, in order (a venue's user data stream).
class OrderEventListener {
 public:
  virtual ~OrderEventListener() = default;
  virtual void OnOrderEvent(const OrderEvent& event) = 0;
};

class MatchingEngine {
 public:
  explicit MatchingEngine(MatchingEngineConfig config = {});
  ~MatchingEngine();
  MatchingEngine(const MatchingEngine&) = delete;
  MatchingEngine& operator=(const MatchingEngine&) = delete;

  // ---- setup ----

  // A live symbol: its spec is market.spec(); takers execute on `market`; every change the engine
  // makes there (Take's trades and level changes) is reported to `publisher`, the listener the sim
  // gives Step, so the public feeds show them. Both stay owned by the sim and must outlive the
  // engine. False when the symbol is already known.
  bool AddSymbol(SyntheticMarket& market, MarketListener& publisher);
  // A symbol the venue lists but has no synthetic market for (replay mode): orders are refused
  // with kMarketClosed. False when already known.
  bool AddClosedSymbol(SymbolSpec spec);
  const SymbolSpec* FindSymbol(std::string_view symbol) const;
  void SetEventListener(OrderEventListener* listener) { events_ = listener; }

  // ---- accounts ----

  // With the config's starting balances / with these. False when the account exists.
  bool CreateAccount(std::string api_key);
  bool CreateAccount(std::string api_key, const AssetAmounts& free_balances);
  bool HasAccount(std::string_view api_key) const;
  // Adds `amount` (may be negative) to the free balance of `asset`; false for an unknown account
  // or when free would become negative. Tests and admin endpoints: a deposit or withdrawal.
  bool Credit(std::string_view api_key, std::string_view asset, std::int64_t amount);
  // Sets the free balance of `asset` (locked untouched); false for an unknown account or amount <
  // 0.
  bool SetFreeBalance(std::string_view api_key, std::string_view asset, std::int64_t amount);
  // {0, 0} for an asset the account never held; nullopt for an unknown account.
  std::optional<Balance> GetBalance(std::string_view api_key, std::string_view asset) const;
  // Every asset the account holds or held; null for an unknown account.
  const BalanceMap* Balances(std::string_view api_key) const;

  // ---- orders ----

  // Validates, then accepts and executes what it can at once (takers), rests, or holds a stop.
  // Refusals change nothing. Invalid combinations (kInvalidParameters): quote_quantity on anything
  // but MARKET or together with quantity; price on a market type; stop_price on a non-stop type;
  // post_only on anything but LIMIT, or with IOC/FOK.
  OrderResult Place(const OrderRequest& request);
  // Cancels an open order (NEW, PARTIALLY_FILLED, or a waiting stop) and releases its lock.
  OrderResult Cancel(std::string_view api_key, std::uint64_t order_id);
  OrderResult CancelByClientId(std::string_view api_key, std::string_view client_order_id);
  // Cancels every open order of the account (of `symbol` only when not empty), oldest first;
  // returns them (end reason kCanceledAll). Empty for an unknown account.
  std::vector<const Order*> CancelAll(std::string_view api_key, std::string_view symbol = {});

  // ---- queries ----

  // Null when unknown or another account's.
  const Order* FindOrder(std::string_view api_key, std::uint64_t order_id) const;
  // The account's latest order with that client id; null when none.
  const Order* FindOrderByClientId(std::string_view api_key,
                                   std::string_view client_order_id) const;
  // Open orders (including waiting stops), oldest first; of `symbol` only when not empty.
  std::vector<const Order*> OpenOrders(std::string_view api_key,
                                       std::string_view symbol = {}) const;
  // Every order the account placed, oldest first; of `symbol` only when not empty.
  std::vector<const Order*> Orders(std::string_view api_key, std::string_view symbol = {}) const;
  // The account's fills, oldest first; of `symbol` only when not empty.
  std::vector<Fill> Trades(std::string_view api_key, std::string_view symbol = {}) const;
  // The symbol's last trade price (public prints and Cross fills); nullopt before the first.
  std::optional<std::int64_t> LastPrice(std::string_view symbol) const;
  // Fees charged so far, per asset: the venue's side of the conservation of balances.
  const AssetAmounts& fees_collected() const { return fees_collected_; }

  // ---- market hooks (the sim calls these) ----

  // Either: instead of market.Step(publisher), call StepMarket(symbol): it steps the market with
  // the publisher still seeing every change, then does what AfterStep does.
  void StepMarket(std::string_view symbol);
  // Or: keep calling market.Step(publisher) and have the publisher's OnTrade call
  // OnMarketTrade(symbol, trade), then call AfterStep(symbol) after the Step returns. Trades the
  // engine's own Takes (and StepMarket) cause are recognised and ignored, so the publisher may
  // forward every OnTrade. OnMarketTrade only queues: nothing executes inside the market's Step.
  void OnMarketTrade(std::string_view symbol, const TradePrint& trade);
  // Fills resting orders against the queued market trades (rule (a)), then against levels that
  // cross them (rule (b)), then triggers the stops the new last price reaches.
  void AfterStep(std::string_view symbol);
  // An aggressive `aggressor` flow of up to `quantity` that only hits the sandbox's resting orders
  // of the other side (rule (c)): best price first, then oldest, each at its own price, as maker,
  // whatever the book. Updates the last price and triggers stops. Returns the quantity filled.
  std::int64_t Cross(std::string_view symbol, OrderSide aggressor, std::int64_t quantity);

 private:
  struct SymbolState;
  struct AccountState;
  struct OrderRecord;
  struct Walk;
  struct MarketPlan;

  std::int64_t Now() const;
  SymbolState* FindSymbolState(std::string_view symbol);
  AccountState* FindAccount(std::string_view api_key);
  const AccountState* FindAccount(std::string_view api_key) const;
  OrderRecord* FindRecord(std::uint64_t order_id);
  static Balance& BalanceOf(AccountState& account, const std::string& asset);
  // The price stops compare with: the last trade price, the book's mid before the first trade.
  std::optional<std::int64_t> Reference(const SymbolState& symbol) const;

  // What a taker of `side` would execute now: within `limit_price` (0: none), up to
  // `max_quantity` (0: none) and, when `quote_budget` > 0, no more than it pays for.
  Walk WalkBook(const SymbolState& symbol, OrderSide side, std::int64_t limit_price,
                std::int64_t max_quantity, std::int64_t quote_budget) const;
  MarketPlan PlanMarket(const SymbolState& symbol, const AccountState& account, OrderSide side,
                        std::int64_t quantity, std::int64_t quote_quantity, TimeInForce tif,
                        std::int64_t already_locked, bool check_min_notional) const;
  void Lock(OrderRecord& record, std::int64_t amount);
  void Unlock(OrderRecord& record, std::int64_t amount);

  // Records a validated order, locks `lock` of its lock asset, and reports it accepted. A MARKET
  // order placed by quote amount takes `walked_quantity` as its quantity.
  OrderRecord& Accept(const OrderRequest& request, SymbolState& symbol, AccountState& account,
                      std::int64_t lock, std::int64_t walked_quantity);
  void RunMarket(OrderRecord& record, const MarketPlan& plan);
  void ExecuteLimit(OrderRecord& record, bool at_trigger);
  void TakeFromBook(OrderRecord& record, std::int64_t limit_price, std::int64_t quantity);
  void ApplyFill(OrderRecord& record, std::int64_t price, std::int64_t quantity, bool is_maker,
                 std::uint64_t public_trade_id);
  void Rest(OrderRecord& record);
  // Releases the lock and takes the order out of every open set (its status is already final).
  void Close(OrderRecord& record);
  void Finish(OrderRecord& record, OrderStatus status, EndReason reason);
  void Emit(OrderEventKind kind, const OrderRecord& record, const Fill* fill = nullptr);

  std::vector<OrderRecord*> RestingInPriority(const SymbolState& symbol, OrderSide side);
  // Rule (a) with `price_bound` the print's price, rule (c) with 0 (no bound).
  std::int64_t FillFromFlow(SymbolState& symbol, OrderSide resting_side, std::int64_t price_bound,
                            std::int64_t quantity, std::uint64_t public_trade_id);
  void FillCrossing(SymbolState& symbol);  // rule (b)
  void ProcessTriggers(SymbolState& symbol);

  MatchingEngineConfig config_;
  std::map<std::string, std::unique_ptr<SymbolState>, std::less<>> symbols_;
  std::map<std::string, std::unique_ptr<AccountState>, std::less<>> accounts_;
  std::map<std::uint64_t, std::unique_ptr<OrderRecord>> orders_;
  AssetAmounts fees_collected_;
  OrderEventListener* events_ = nullptr;
  std::uint64_t next_order_id_;
  std::uint64_t next_trade_id_;
  // Set while the engine itself drives a market (Take, StepMarket): OnMarketTrade ignores the
  // trades the publisher forwards meanwhile.
  bool driving_market_ = false;
};

}  // namespace tradingd::sim
