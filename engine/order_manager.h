#pragma once
// The order manager: every order's state machine, the accounts' balances and reservations, and
// the kill switch. One order from the REST call to the answer:
//
//   control → Command(PlaceOrder) → OrderManager::Execute → PreTradeRisk::Check
//     refused  → the reply carries the refusal; nothing is recorded or sent
//     approved → the order is PENDING_NEW, its worst case is reserved, core::GatewayPort::Place sends it
//   gateway → OrderUpdate(kPlace) → OnOrderUpdate → NEW / FILLED / REJECTED / UNKNOWN → the reply
//   gateway → Fill → OnFill → filled quantity, average price, balances (deduplicated by trade id)
//
// Only a definitive refusal by the venue is REJECTED. A lost answer (timeout, dropped connection,
// 5xx) is UNKNOWN: the order is queried (never sent again) until the venue says what it is. A query
// that finds nothing is trusted only once the venue can no longer accept the request (its receive
// window has passed since we sent it); then the order is REJECTED as never received.
//
// Until private streams land (a later issue) open orders are polled for fills every
// `poll_interval`.
//
// Stops: where the venue takes stop and take-profit orders (GatewayPort::NativeStops) they are sent
// as they are. Elsewhere the engine holds them (NEW, nothing at the venue) and, when the instrument's
// last trade price (the mid before any trade) reaches the stop, checks them with risk again and
// sends a MARKET or LIMIT order under the same client order id.
//
// Balances: `total` per venue and asset comes from the venue's report at start and moves by every
// fill (received, paid, fee). `locked` is what the venue reported locked (orders this daemon did not
// place) plus the reservations of our orders that may still trade; `free` is the rest. Risk checks
// spend `free`.
//
// Thread contract: one owning thread (the engine thread); not thread-safe. It calls the
// core::GatewayPorts and the command replies on that thread.

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "engine/commands.h"
#include "core/order_port.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"

namespace tradingd::engine {

// The live market facts risk needs, from the engine's books.
class MarketView {
 public:
  virtual ~MarketView() = default;
  virtual risk::MarketContext Market(core::InstrumentId instrument) const = 0;
};

struct OrderManagerOptions {
  // The venue's receive window: a request older than this can no longer be accepted by the venue,
  // so a query that finds no order after it is definitive.
  std::chrono::milliseconds recv_window{5000};
  // How often an UNKNOWN order is queried.
  std::chrono::milliseconds unknown_query_interval{1000};
  // How often open orders are polled for fills (no private streams yet); 0: never.
  std::chrono::milliseconds poll_interval{1000};
  // Fee the venue may add to a buy, reserved on top of its notional (parts per million).
  std::int64_t taker_fee_ppm = 1000;
  // Finished orders kept in memory for /orders and /order/status.
  std::size_t max_finished_orders = 100000;
  std::size_t max_fills = 100000;
};

class OrderManager {
 public:
  OrderManager(const core::SymbolRegistry& registry, const core::Clock& clock,
               const MarketView& market, risk::PreTradeRisk* risk, risk::RateLimiter* rate_limiter,
               OrderManagerOptions options = {});
  ~OrderManager();
  OrderManager(const OrderManager&) = delete;
  OrderManager& operator=(const OrderManager&) = delete;

  // The venue's gateway; a venue without one (no keys) refuses orders with VENUE_UNAVAILABLE.
  void SetGateway(core::Venue venue, core::GatewayPort* port, core::KeyState keys);
  // Asks every gateway for its balances (start-up).
  void FetchAllBalances();

  void Execute(Command& command);

  void OnOrderUpdate(const core::OrderUpdate& update);
  void OnFill(const core::Fill& fill);
  void OnBalance(const core::BalanceUpdate& balance);
  void OnGatewayStatus(const core::GatewayStatus& status);
  void OnRateLimit(const core::RateLimitReport& report);
  // The instrument's live price moved (a trade, or the mid before any trade): fires the stops the
  // engine holds for venues without native stops.
  void OnMarketPrice(core::InstrumentId instrument, core::Price price);

  // Queries UNKNOWN orders and polls open ones when they are due. Returns the monotonic time of the
  // next thing due, for the engine loop's sleep.
  std::int64_t OnTimer(std::int64_t now_mono_ns);
  // OnTimer at the clock's monotonic now; returns how long until the next thing is due.
  std::chrono::microseconds Tick() {
    const std::int64_t now = NowMono();
    return std::chrono::microseconds((OnTimer(now) - now) / 1000);
  }

  // For tests and /status.
  std::optional<OrderView> Find(const core::ClientOrderId& id) const;
  std::size_t open_orders() const;
  risk::TradingState trading_state() const;
  std::vector<VenueAccountView> Accounts() const;

 private:
  struct Order;
  struct Account;
  struct AssetBalance;

  CommandResult Place(const PlaceOrder& command, std::function<void(CommandResult)>* reply);
  CommandResult Cancel(const CancelOrder& command, std::function<void(CommandResult)>* reply);
  CommandResult Get(const GetOrder& command) const;
  CommandResult List(const ListOrders& command) const;
  CommandResult Trades(const ListTrades& command) const;
  CommandResult Balances(const GetBalances& command) const;
  CommandResult KillAll();

  Order* FindOrder(core::Venue venue, const std::optional<core::ClientOrderId>& client_id,
                   const std::string& venue_order_id);
  const Order* FindOrder(core::Venue venue, const std::optional<core::ClientOrderId>& client_id,
                         const std::string& venue_order_id) const;
  Account& AccountOf(core::Venue venue);
  const Account* AccountOf(core::Venue venue) const;
  AssetBalance& BalanceOf(core::Venue venue, const std::string& asset);
  risk::AccountContext AccountFor(const core::OrderSpec& spec, const core::Instrument& instrument);
  core::Amount Reserved(core::Venue venue, const std::string& asset) const;
  void Reserve(Order& order);
  void ReleaseIfFinal(Order& order);
  void Transition(Order& order, core::OrderStatus status);
  // A held stop reached its price: checked by risk again and sent as MARKET or LIMIT.
  void Trigger(Order& order);
  void Answer(Order& order);
  void FinishOrder(Order& order);
  // Moves the quote balance to the venue's own quote amount for the order's fills, when it says.
  void ReconcileNotional(Order& order, const core::OrderUpdate& update);
  // Stops walking a finished order once nothing more is owed (fills, a last check).
  void MaybeUnwatch(Order& order);
  OrderView View(const Order& order) const;
  core::ClientOrderId NewClientOrderId();
  std::int64_t NowMono() const;

  const core::SymbolRegistry& registry_;
  const core::Clock& clock_;
  const MarketView& market_;
  risk::PreTradeRisk* risk_;
  risk::RateLimiter* rate_limiter_;
  OrderManagerOptions options_;
  std::mt19937_64 id_bits_;

  std::array<std::unique_ptr<Account>, core::kVenueCount> accounts_;
  // Every order by client order id; finished ones are trimmed oldest first.
  std::unordered_map<std::string, std::unique_ptr<Order>> orders_;
  // Orders that may still trade or are still owed fills: what reservations, polling and kill walk.
  std::unordered_set<Order*> watched_;
  std::deque<std::string> finished_;  // client ids of finished orders, oldest first
  std::deque<core::Fill> fills_;      // newest last
  // Stops held for venues without native stops, per instrument (may hold cancelled ones until the
  // next price of the instrument sweeps them out).
  std::unordered_map<core::InstrumentId, std::vector<Order*>> held_;
  std::set<std::string> trade_ids_;   // venue|instrument|trade id: deduplication
  std::deque<std::string> trade_id_order_;
};

}  // namespace tradingd::engine
