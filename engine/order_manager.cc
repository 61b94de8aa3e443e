#include "engine/order_manager.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace tradingd::engine {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;
// How long after the receive window a "no such order" is still not trusted: the venue's clock and
// ours differ a little.
constexpr std::int64_t kNotFoundMarginNs = 1'000 * kNsPerMs;

CommandError Error(std::string code, int http_status, std::string message,
                   std::int64_t retry_after_s = 0) {
  return CommandError{std::move(code), http_status, std::move(message), retry_after_s};
}

std::string TradeKey(const core::Fill& fill) {
  return fmt::format("{}|{}|{}", static_cast<int>(fill.venue), fill.instrument,
                     fill.trade_id.view());
}

// Status order for "never go back": an answer that arrives late (a NEW after the FILLED of the
// stream) must not undo what is already known.
int Progress(core::OrderStatus status) {
  switch (status) {
    case core::OrderStatus::kPendingNew: return 0;
    case core::OrderStatus::kUnknown: return 0;
    case core::OrderStatus::kNew: return 1;
    case core::OrderStatus::kPartiallyFilled: return 2;
    default: return 3;  // final
  }
}

}  // namespace

struct OrderManager::AssetBalance {
  core::Amount total;         // free + locked at the venue, moved by our fills since the report
  core::Amount venue_locked;  // locked at the venue by orders this daemon does not track
  core::TimestampNs time_ns = 0;
};

struct OrderManager::Account {
  core::GatewayPort* port = nullptr;
  core::KeyState keys = core::KeyState::kMissing;
  std::string last_error;
  core::TimestampNs last_error_ns = 0;
  bool balances_loaded = false;
  std::map<std::string, AssetBalance, std::less<>> balances;
  std::map<std::string, AssetBalance, std::less<>> report;  // a framed report in progress
  bool report_open = false;
};

struct OrderManager::Order {
  core::Venue venue = core::Venue::kBinance;
  core::OrderSpec spec;
  std::string client_id;
  std::string venue_order_id;
  core::OrderStatus status = core::OrderStatus::kPendingNew;
  core::Quantity filled;          // from our fills
  core::Amount filled_notional;   // from our fills
  core::Quantity venue_filled;    // what the venue last said (may run ahead of the fills we have)
  std::vector<core::Fill> fills;
  std::string reject_code;
  std::string reject_message;
  core::TimestampNs created_ns = 0;
  core::TimestampNs updated_ns = 0;
  std::int64_t sent_mono_ns = 0;
  std::string reserve_asset;
  core::Price reserve_price;      // the price a buy's reservation is computed at
  std::vector<std::function<void(CommandResult)>> waiting_place;
  std::vector<std::function<void(CommandResult)>> waiting_cancel;
  std::int64_t next_query_mono_ns = 0;  // 0: not scheduled
  bool cancel_wanted = false;           // cancel requested but not yet sent (rate limit)
  bool cancel_sent = false;
  bool open = true;                     // in open_ (may still trade)
  // A stop the engine holds for a venue without native stops: nothing is at the venue until the
  // live price reaches stop_price; then the order is sent as MARKET or LIMIT.
  bool held = false;
  // The venue ended the order by a cancel whose answer did not say how much had filled: one query
  // still asks, so a fill that landed just before the cancel is not missed.
  bool final_check = false;
};

OrderManager::OrderManager(const core::SymbolRegistry& registry, const core::Clock& clock,
                           const MarketView& market, risk::PreTradeRisk* risk,
                           risk::RateLimiter* rate_limiter, OrderManagerOptions options)
    : registry_(registry),
      clock_(clock),
      market_(market),
      risk_(risk),
      rate_limiter_(rate_limiter),
      options_(options) {
  std::random_device device;
  id_bits_.seed((static_cast<std::uint64_t>(device()) << 32) ^ device() ^
                static_cast<std::uint64_t>(clock.NowNs()));
}

OrderManager::~OrderManager() = default;

std::int64_t OrderManager::NowMono() const { return clock_.MonotonicNs(); }

void OrderManager::SetGateway(core::Venue venue, core::GatewayPort* port, core::KeyState keys) {
  Account& account = AccountOf(venue);
  account.port = port;
  account.keys = keys;
}

void OrderManager::FetchAllBalances() {
  for (auto& account : accounts_) {
    if (account && account->port != nullptr) account->port->FetchBalances();
  }
}

OrderManager::Account& OrderManager::AccountOf(core::Venue venue) {
  auto& slot = accounts_[static_cast<std::size_t>(venue)];
  if (!slot) slot = std::make_unique<Account>();
  return *slot;
}

const OrderManager::Account* OrderManager::AccountOf(core::Venue venue) const {
  return accounts_[static_cast<std::size_t>(venue)].get();
}

OrderManager::AssetBalance& OrderManager::BalanceOf(core::Venue venue, const std::string& asset) {
  return AccountOf(venue).balances[asset];
}

// ---- commands ----

void OrderManager::Execute(Command& command) {
  std::function<void(CommandResult)> reply = std::move(command.reply);
  CommandResult result = std::visit(
      [&](auto& body) -> CommandResult {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, PlaceOrder>) {
          return Place(body, &reply);
        } else if constexpr (std::is_same_v<T, CancelOrder>) {
          return Cancel(body, &reply);
        } else if constexpr (std::is_same_v<T, GetOrder>) {
          return Get(body);
        } else if constexpr (std::is_same_v<T, ListOrders>) {
          return List(body);
        } else if constexpr (std::is_same_v<T, ListTrades>) {
          return Trades(body);
        } else if constexpr (std::is_same_v<T, GetBalances>) {
          return Balances(body);
        } else if constexpr (std::is_same_v<T, Kill>) {
          return KillAll();
        } else {
          static_assert(std::is_same_v<T, Resume>);
          risk_->SetState(risk::TradingState::kActive);
          return KillResult{risk_->state(), 0};
        }
      },
      command.body);
  // A command that waits for the venue has taken the reply; the rest answer now.
  if (reply) reply(std::move(result));
}

CommandResult OrderManager::Place(const PlaceOrder& command,
                                  std::function<void(CommandResult)>* reply) {
  core::OrderSpec spec = command.spec;
  const core::Instrument& instrument = registry_.Get(spec.instrument);
  const core::Venue venue = instrument.venue;

  if (command.client_order_id_given) {
    auto found = orders_.find(std::string(spec.client_order_id.view()));
    if (found != orders_.end()) {
      Order& existing = *found->second;
      const core::OrderSpec& s = existing.spec;
      if (s.instrument != spec.instrument || s.side != spec.side || s.type != spec.type ||
          s.quantity != spec.quantity || s.price != spec.price || s.stop_price != spec.stop_price ||
          s.time_in_force != spec.time_in_force || s.post_only != spec.post_only) {
        return Error("DUPLICATE_CLIENT_ORDER_ID", 409,
                     fmt::format("client_order_id {} belongs to a different order",
                                 spec.client_order_id.view()));
      }
      if (existing.status == core::OrderStatus::kPendingNew) {
        existing.waiting_place.push_back(std::move(*reply));  // answered with the first
        *reply = nullptr;
        return OrderResult{};
      }
      return OrderResult{View(existing), false};
    }
  } else {
    spec.client_order_id = NewClientOrderId();
  }

  Account& account = AccountOf(venue);
  if (account.port == nullptr) {
    return Error("VENUE_UNAVAILABLE", 503,
                 fmt::format("{} has no API keys configured (or no order entry): orders cannot "
                             "be sent",
                             core::VenueName(venue)));
  }
  if (account.keys == core::KeyState::kRefused) {
    return Error("VENUE_UNAVAILABLE", 503,
                 fmt::format("{} refused the API keys: {}", core::VenueName(venue),
                             account.last_error));
  }
  if (!account.balances_loaded) {
    return Error("VENUE_UNAVAILABLE", 503,
                 fmt::format("{} balances are not loaded yet", core::VenueName(venue)), 1);
  }

  if (auto why = account.port->Unsupported(spec)) return Error("INVALID_ORDER", 422, *why);

  const risk::MarketContext market = market_.Market(spec.instrument);
  const risk::AccountContext account_context = AccountFor(spec, instrument);
  auto checked = risk_->Check(spec, market, account_context, NowMono());
  if (auto* refusal = std::get_if<risk::Refusal>(&checked)) {
    const bool limited = refusal->code == risk::RefusalCode::kRateLimited;
    const std::int64_t retry_s =
        limited ? std::max<std::int64_t>(1, (refusal->retry_after.count() + 999) / 1000) : 0;
    return Error(risk::RefusalCodeName(refusal->code), limited ? 429 : 422, refusal->message,
                 retry_s);
  }
  const auto& approved = std::get<risk::Approved<core::OrderSpec>>(checked);

  auto order = std::make_unique<Order>();
  order->venue = venue;
  order->spec = spec;
  order->client_id = std::string(spec.client_order_id.view());
  order->created_ns = order->updated_ns = clock_.NowNs();
  order->sent_mono_ns = NowMono();
  order->reserve_asset = spec.side == core::Side::kBuy ? instrument.quote : instrument.base;
  if (spec.side == core::Side::kBuy) {
    // Market buys reserve at the worst price risk lets them reach: the best ask (or, for a stop,
    // the higher of it and the stop) plus the collar.
    order->reserve_price = core::HasLimitPrice(spec.type) ? spec.price : market.best_ask;
    if (!core::HasLimitPrice(spec.type)) {
      const std::int64_t base = std::max(market.best_ask.mantissa(), spec.stop_price.mantissa());
      const std::int64_t collar = risk_->limits().price_collar_bps;
      const core::Int128 worst = static_cast<core::Int128>(base) * (10000 + collar);
      order->reserve_price =
          core::Price::FromMantissa(static_cast<std::int64_t>((worst + 9999) / 10000));
    }
  }
  Order& placed = *order;
  orders_.emplace(placed.client_id, std::move(order));
  watched_.insert(&placed);
  if (core::HasStopPrice(spec.type) && !account.port->NativeStops()) {
    // Held here: accepted now, sent when the price reaches the stop.
    placed.held = true;
    placed.status = core::OrderStatus::kNew;
    held_[spec.instrument].push_back(&placed);
    return OrderResult{View(placed), true};
  }
  placed.waiting_place.push_back(std::move(*reply));
  *reply = nullptr;
  account.port->Place(approved);
  return OrderResult{};
}

namespace {

// Whether a held stop fires at `price` (Binance's rule, which the venues with native stops share):
// a stop-loss sells when the price falls to the stop and buys when it rises to it; a take-profit
// the other way round.
bool StopReached(const core::OrderSpec& spec, core::Price price) {
  const bool stop_loss = spec.type == core::OrderType::kStopLoss ||
                         spec.type == core::OrderType::kStopLossLimit;
  const bool falls_to = (spec.side == core::Side::kSell) == stop_loss;
  return falls_to ? price <= spec.stop_price : price >= spec.stop_price;
}

}  // namespace

void OrderManager::OnMarketPrice(core::InstrumentId instrument, core::Price price) {
  auto found = held_.find(instrument);
  if (found == held_.end() || found->second.empty()) return;
  std::vector<Order*>& held = found->second;
  std::vector<Order*> fired;
  std::erase_if(held, [&](Order* order) {
    if (!order->held || !order->open) return true;  // cancelled meanwhile
    if (!StopReached(order->spec, price)) return false;
    fired.push_back(order);
    return true;
  });
  for (Order* order : fired) Trigger(*order);
}

void OrderManager::Trigger(Order& order) {
  order.held = false;
  core::OrderSpec child = order.spec;
  const bool limit = core::HasLimitPrice(child.type);
  child.type = limit ? core::OrderType::kLimit : core::OrderType::kMarket;
  child.stop_price = core::Price();
  if (!limit) child.time_in_force = core::TimeInForce::kGtc;
  const core::Instrument& instrument = registry_.Get(child.instrument);
  Account& account = AccountOf(order.venue);
  order.updated_ns = clock_.NowNs();
  // The order's own reservation is not available to itself: check the child against the balance
  // without it.
  order.open = false;
  const risk::AccountContext account_context = AccountFor(child, instrument);
  order.open = true;
  auto checked = risk_->Check(child, market_.Market(child.instrument), account_context, NowMono());
  if (auto* refusal = std::get_if<risk::Refusal>(&checked); refusal != nullptr ||
                                                           account.port == nullptr) {
    order.reject_code = refusal != nullptr ? risk::RefusalCodeName(refusal->code) : "VENUE_UNAVAILABLE";
    order.reject_message = refusal != nullptr ? refusal->message : "no gateway for the venue";
    Transition(order, core::OrderStatus::kRejected);
    return;
  }
  order.status = core::OrderStatus::kPendingNew;
  order.sent_mono_ns = NowMono();
  account.port->Place(std::get<risk::Approved<core::OrderSpec>>(checked));
}

CommandResult OrderManager::Cancel(const CancelOrder& command,
                                   std::function<void(CommandResult)>* reply) {
  Order* order = FindOrder(command.venue, command.client_order_id, command.venue_order_id);
  if (order == nullptr) return Error("NOT_FOUND", 404, "no such order");
  if (core::IsFinal(order->status)) {
    return Error("ORDER_NOT_OPEN", 409,
                 fmt::format("order {} is already {}", order->client_id,
                             core::OrderStatusName(order->status)));
  }
  if (order->held) {
    // Nothing is at the venue yet.
    order->updated_ns = clock_.NowNs();
    Transition(*order, core::OrderStatus::kCanceled);
    return OrderResult{View(*order), false};
  }
  Account& account = AccountOf(order->venue);
  if (account.port == nullptr) return Error("VENUE_UNAVAILABLE", 503, "no gateway for the venue");
  if (auto wait = rate_limiter_->TryAcquire(order->venue, risk::RequestKind::kCancelOrder,
                                            NowMono())) {
    return Error("RATE_LIMITED", 429,
                 fmt::format("{} cancel rate limit reached", core::VenueName(order->venue)),
                 std::max<std::int64_t>(1, (wait->count() + 999) / 1000));
  }
  order->cancel_sent = true;
  order->waiting_cancel.push_back(std::move(*reply));
  *reply = nullptr;
  account.port->Cancel(core::OrderRef{order->spec.instrument, order->spec.client_order_id,
                                core::ShortText<48>(order->venue_order_id)});
  return OrderResult{};
}

CommandResult OrderManager::Get(const GetOrder& command) const {
  const Order* order = FindOrder(command.venue, command.client_order_id, command.venue_order_id);
  if (order == nullptr) return Error("NOT_FOUND", 404, "no such order");
  return OrderResult{View(*order), false};
}

CommandResult OrderManager::List(const ListOrders& command) const {
  OrdersResult result;
  for (const auto& [id, order] : orders_) {
    if (command.venue && order->venue != *command.venue) continue;
    if (command.instrument && order->spec.instrument != *command.instrument) continue;
    if (command.open_only && !order->open) continue;
    result.orders.push_back(View(*order));
  }
  std::sort(result.orders.begin(), result.orders.end(),
            [](const OrderView& a, const OrderView& b) { return a.created_ns > b.created_ns; });
  return result;
}

CommandResult OrderManager::Trades(const ListTrades& command) const {
  TradesResult result;
  for (auto it = fills_.rbegin(); it != fills_.rend() && result.fills.size() < command.limit;
       ++it) {
    if (command.venue && it->venue != *command.venue) continue;
    if (command.instrument && it->instrument != *command.instrument) continue;
    result.fills.push_back(*it);
  }
  return result;
}

CommandResult OrderManager::Balances(const GetBalances& command) const {
  BalancesResult result;
  for (int v = 0; v < core::kVenueCount; ++v) {
    const auto venue = static_cast<core::Venue>(v);
    if (command.venue && venue != *command.venue) continue;
    const Account* account = AccountOf(venue);
    if (account == nullptr) continue;
    for (const auto& [asset, balance] : account->balances) {
      const core::Amount locked = balance.venue_locked + Reserved(venue, asset);
      result.balances.push_back(
          BalanceView{venue, asset, balance.total - locked, locked, balance.time_ns});
    }
  }
  result.accounts = Accounts();
  if (command.venue) {
    std::erase_if(result.accounts,
                  [&](const VenueAccountView& a) { return a.venue != *command.venue; });
  }
  return result;
}

CommandResult OrderManager::KillAll() {
  risk_->SetState(risk::TradingState::kHalted);
  std::size_t sent = 0;
  std::vector<Order*> held;
  for (Order* order : watched_) {
    if (!order->open || order->cancel_sent) continue;
    if (order->held) {
      held.push_back(order);
      continue;
    }
    order->cancel_wanted = true;
  }
  for (Order* order : held) {  // nothing at the venue: cancelled here
    order->updated_ns = clock_.NowNs();
    Transition(*order, core::OrderStatus::kCanceled);
  }
  // Send what the rate limits allow now; OnTimer sends the rest as budget frees up.
  const std::int64_t now = NowMono();
  for (Order* order : watched_) {
    if (!order->cancel_wanted) continue;
    Account& account = AccountOf(order->venue);
    if (account.port == nullptr) continue;
    if (rate_limiter_->TryAcquire(order->venue, risk::RequestKind::kCancelOrder, now)) continue;
    order->cancel_wanted = false;
    order->cancel_sent = true;
    account.port->Cancel(core::OrderRef{order->spec.instrument, order->spec.client_order_id,
                                  core::ShortText<48>(order->venue_order_id)});
    ++sent;
  }
  return KillResult{risk_->state(), sent};
}

// ---- events from the gateways ----

void OrderManager::OnOrderUpdate(const core::OrderUpdate& update) {
  auto found = orders_.find(std::string(update.client_order_id.view()));
  if (found == orders_.end()) return;  // not ours (reconciliation of external orders: later issue)
  Order& order = *found->second;
  const std::int64_t now = NowMono();
  order.updated_ns = clock_.NowNs();
  if (!update.venue_order_id.empty()) order.venue_order_id = std::string(update.venue_order_id.view());
  if (update.has_filled && update.filled_quantity > order.venue_filled) {
    order.venue_filled = update.filled_quantity;
  }
  ReconcileNotional(order, update);

  if (update.source == core::UpdateSource::kCancel && update.cancel_refused) {
    // The venue would not cancel: it knows better what the order is. Ask it.
    order.cancel_sent = false;
    order.reject_code = std::string(update.venue_code.view());
    order.reject_message = std::string(update.message.view());
    order.next_query_mono_ns = now;
    for (auto& reply : order.waiting_cancel) {
      reply(Error("VENUE_REJECTED", 422,
                  fmt::format("{} refused the cancel: {} {}", core::VenueName(order.venue),
                              update.venue_code.view(), update.message.view())));
    }
    order.waiting_cancel.clear();
    return;
  }

  core::OrderStatus status = update.status;
  if (update.source == core::UpdateSource::kQuery) order.final_check = false;
  if (update.source == core::UpdateSource::kQuery && update.not_found && core::IsFinal(order.status)) {
    // A venue may forget a cancelled order that never filled (Coinbase): nothing more to learn.
    MaybeUnwatch(order);
    return;
  }
  if (update.source == core::UpdateSource::kQuery && update.not_found) {
    const std::int64_t window = options_.recv_window.count() * kNsPerMs + kNotFoundMarginNs;
    if (order.status == core::OrderStatus::kUnknown && now - order.sent_mono_ns > window) {
      status = core::OrderStatus::kRejected;
      order.reject_code = "NOT_RECEIVED";
      order.reject_message = "the venue has no such order and its receive window has passed";
    } else {
      order.next_query_mono_ns = now + options_.unknown_query_interval.count() * kNsPerMs;
      return;
    }
  } else if (status == core::OrderStatus::kRejected || status == core::OrderStatus::kUnknown) {
    order.reject_code = std::string(update.venue_code.view());
    order.reject_message = std::string(update.message.view());
  }

  if (status == core::OrderStatus::kUnknown) {
    // Only an order whose fate is still open can become UNKNOWN; a lost query answer changes
    // nothing we knew.
    if (order.status == core::OrderStatus::kPendingNew) Transition(order, status);
    order.next_query_mono_ns = now + options_.unknown_query_interval.count() * kNsPerMs;
    Answer(order);
    return;
  }
  if (update.source == core::UpdateSource::kCancel && core::IsFinal(status) && !update.has_filled &&
      !core::IsFinal(order.status)) {
    order.final_check = true;
  }
  if (Progress(status) >= Progress(order.status) || order.status == core::OrderStatus::kUnknown) {
    Transition(order, status);
  }
  // The venue has fills we have not seen, or may have: fetch them.
  if (order.final_check || (order.venue_filled > order.filled && order.next_query_mono_ns == 0)) {
    order.next_query_mono_ns = now;
  } else if (!core::IsFinal(order.status)) {
    order.next_query_mono_ns =
        options_.poll_interval.count() > 0 ? now + options_.poll_interval.count() * kNsPerMs : 0;
  } else {
    MaybeUnwatch(order);
  }
  Answer(order);
}

void OrderManager::Transition(Order& order, core::OrderStatus status) {
  order.status = status;
  if (core::IsFinal(status)) FinishOrder(order);
}

void OrderManager::FinishOrder(Order& order) {
  if (order.held) {
    std::erase(held_[order.spec.instrument], &order);
    order.held = false;
  }
  if (!order.open) return;
  order.open = false;
  order.cancel_wanted = false;
  MaybeUnwatch(order);
  finished_.push_back(order.client_id);
  // Trim the oldest finished orders; one still owed fills (or a last check) goes to the back.
  for (std::size_t guard = finished_.size(); finished_.size() > options_.max_finished_orders &&
                                             guard > 0;
       --guard) {
    std::string id = std::move(finished_.front());
    finished_.pop_front();
    auto it = orders_.find(id);
    if (it == orders_.end()) continue;
    if (watched_.count(it->second.get()) == 0) {
      orders_.erase(it);
    } else {
      finished_.push_back(std::move(id));
    }
  }
}

void OrderManager::ReconcileNotional(Order& order, const core::OrderUpdate& update) {
  // The venue's cumulative quote amount for exactly the fills we hold is what it booked; ours is
  // price × quantity per fill, which differs by its rounding (sub-unit decimals on Coinbase).
  if (!update.has_filled || update.filled_quantity != order.filled || order.filled.is_zero() ||
      update.filled_notional.mantissa() <= 0 || update.filled_notional == order.filled_notional) {
    return;
  }
  const core::Amount difference = update.filled_notional - order.filled_notional;
  const core::Instrument& instrument = registry_.Get(order.spec.instrument);
  AssetBalance& quote = BalanceOf(order.venue, instrument.quote);
  quote.total = order.spec.side == core::Side::kBuy ? quote.total - difference
                                                    : quote.total + difference;
  order.filled_notional = update.filled_notional;
}

void OrderManager::MaybeUnwatch(Order& order) {
  if (order.open || order.venue_filled > order.filled || order.final_check) return;
  order.next_query_mono_ns = 0;
  watched_.erase(&order);
}

void OrderManager::Answer(Order& order) {
  if (order.status != core::OrderStatus::kPendingNew) {
    if (!order.waiting_place.empty()) {
      auto waiting = std::move(order.waiting_place);
      order.waiting_place.clear();
      for (std::size_t i = 0; i < waiting.size(); ++i) waiting[i](OrderResult{View(order), i == 0});
    }
  }
  if (core::IsFinal(order.status) && !order.waiting_cancel.empty()) {
    auto waiting = std::move(order.waiting_cancel);
    order.waiting_cancel.clear();
    for (auto& reply : waiting) reply(OrderResult{View(order), false});
  }
}

void OrderManager::OnFill(const core::Fill& fill) {
  auto found = orders_.find(std::string(fill.client_order_id.view()));
  if (found == orders_.end()) return;
  const std::string key = TradeKey(fill);
  if (!trade_ids_.insert(key).second) return;  // seen already (ack, then query)
  trade_id_order_.push_back(key);
  Order& order = *found->second;
  const core::Instrument& instrument = registry_.Get(order.spec.instrument);
  const std::optional<core::Amount> notional =
      core::Notional(fill.price, instrument.price_scale, fill.quantity, instrument.quantity_scale);
  const core::Amount quantity = core::QuantityAsAmount(fill.quantity, instrument.quantity_scale);
  const core::Amount quote = fill.has_quote_amount ? fill.quote_amount : notional.value_or(core::Amount());

  order.filled = order.filled + fill.quantity;
  order.filled_notional = order.filled_notional + quote;
  order.fills.push_back(fill);
  order.updated_ns = clock_.NowNs();
  if (order.venue_filled < order.filled) order.venue_filled = order.filled;
  MaybeUnwatch(order);

  AssetBalance& base = BalanceOf(order.venue, instrument.base);
  AssetBalance& quote_balance = BalanceOf(order.venue, instrument.quote);
  if (order.spec.side == core::Side::kBuy) {
    base.total = base.total + quantity;
    quote_balance.total = quote_balance.total - quote;
  } else {
    base.total = base.total - quantity;
    quote_balance.total = quote_balance.total + quote;
  }
  if (!fill.fee.is_zero()) {
    AssetBalance& fee = BalanceOf(order.venue, std::string(fill.fee_asset.view()));
    fee.total = fee.total - fill.fee;
  }

  if (!core::IsFinal(order.status)) {
    // Fills of the place answer come just before its update (which carries the venue's order id):
    // the caller is answered with that update, not with this fill.
    const bool place_answer_follows = order.status == core::OrderStatus::kPendingNew;
    Transition(order, order.filled >= order.spec.quantity ? core::OrderStatus::kFilled
                                                          : core::OrderStatus::kPartiallyFilled);
    if (!place_answer_follows) Answer(order);
  }

  fills_.push_back(fill);
  while (fills_.size() > options_.max_fills) fills_.pop_front();
  while (trade_id_order_.size() > 4 * options_.max_fills) {
    trade_ids_.erase(trade_id_order_.front());
    trade_id_order_.pop_front();
  }
}

void OrderManager::OnBalance(const core::BalanceUpdate& balance) {
  Account& account = AccountOf(balance.venue);
  if (balance.has(core::BalanceUpdate::kFirst)) {
    account.report.clear();
    account.report_open = true;
  }
  if (!account.report_open) return;  // a run whose start was lost: wait for the next report
  if (!balance.asset.empty()) {
    AssetBalance& entry = account.report[std::string(balance.asset.view())];
    entry.total = balance.free + balance.locked;
    entry.venue_locked = balance.locked;
    entry.time_ns = balance.time_ns;
  }
  if (!balance.has(core::BalanceUpdate::kLast)) return;
  account.report_open = false;
  // The venue's locks include our open orders' (already reserved by us): count them once.
  for (auto& [asset, entry] : account.report) {
    const core::Amount ours = Reserved(balance.venue, asset);
    entry.venue_locked = entry.venue_locked > ours ? entry.venue_locked - ours : core::Amount();
  }
  account.balances = std::move(account.report);
  account.report.clear();
  account.balances_loaded = true;
}

void OrderManager::OnGatewayStatus(const core::GatewayStatus& status) {
  Account& account = AccountOf(status.venue);
  account.keys = status.keys;
  if (!status.last_error.empty()) {
    account.last_error = std::string(status.last_error.view());
    account.last_error_ns = status.last_error_ns;
  }
}

void OrderManager::OnRateLimit(const core::RateLimitReport& report) {
  rate_limiter_->OnReport(report, NowMono());
}

std::int64_t OrderManager::OnTimer(std::int64_t now) {
  std::int64_t next = now + options_.poll_interval.count() * kNsPerMs;
  if (options_.poll_interval.count() <= 0) next = now + 1000 * kNsPerMs;
  // Copied: a Query or Cancel answer never comes back inside the call, but stay safe if a fake does.
  const std::vector<Order*> watched(watched_.begin(), watched_.end());
  for (Order* order_ptr : watched) {
    Order& order = *order_ptr;
    Account& account = AccountOf(order.venue);
    if (account.port == nullptr) continue;
    const core::OrderRef ref{order.spec.instrument, order.spec.client_order_id,
                       core::ShortText<48>(order.venue_order_id)};
    if (order.cancel_wanted) {
      if (!rate_limiter_->TryAcquire(order.venue, risk::RequestKind::kCancelOrder, now)) {
        order.cancel_wanted = false;
        order.cancel_sent = true;
        account.port->Cancel(ref);
      } else {
        next = std::min(next, now + 100 * kNsPerMs);
      }
    }
    if (order.next_query_mono_ns == 0) continue;
    if (order.next_query_mono_ns > now) {
      next = std::min(next, order.next_query_mono_ns);
      continue;
    }
    if (order.status == core::OrderStatus::kPendingNew) continue;  // its answer is on the way
    if (auto wait = rate_limiter_->TryAcquire(order.venue, risk::RequestKind::kQueryOrder, now)) {
      order.next_query_mono_ns = now + std::max<std::int64_t>(wait->count(), 1) * kNsPerMs;
    } else {
      // The answer schedules the next query; until then, look again after the interval.
      order.next_query_mono_ns = now + options_.unknown_query_interval.count() * kNsPerMs;
      account.port->Query(ref);
    }
    next = std::min(next, order.next_query_mono_ns);
  }
  return next;
}

// ---- views ----

OrderManager::Order* OrderManager::FindOrder(core::Venue venue,
                                             const std::optional<core::ClientOrderId>& client_id,
                                             const std::string& venue_order_id) {
  return const_cast<Order*>(std::as_const(*this).FindOrder(venue, client_id, venue_order_id));
}

const OrderManager::Order* OrderManager::FindOrder(
    core::Venue venue, const std::optional<core::ClientOrderId>& client_id,
    const std::string& venue_order_id) const {
  if (client_id) {
    auto found = orders_.find(std::string(client_id->view()));
    if (found == orders_.end() || found->second->venue != venue) return nullptr;
    return found->second.get();
  }
  for (const auto& [id, order] : orders_) {
    if (order->venue == venue && !venue_order_id.empty() && order->venue_order_id == venue_order_id) {
      return order.get();
    }
  }
  return nullptr;
}

risk::AccountContext OrderManager::AccountFor(const core::OrderSpec& spec,
                                              const core::Instrument& instrument) {
  risk::AccountContext context;
  const AssetBalance& quote = BalanceOf(instrument.venue, instrument.quote);
  const AssetBalance& base = BalanceOf(instrument.venue, instrument.base);
  context.available_quote =
      quote.total - quote.venue_locked - Reserved(instrument.venue, instrument.quote);
  context.available_base = base.total - base.venue_locked - Reserved(instrument.venue, instrument.base);
  core::Amount position;
  for (const auto& account : accounts_) {
    if (!account) continue;
    auto found = account->balances.find(instrument.base);
    if (found != account->balances.end()) position = position + found->second.total;
  }
  context.base_position = position;
  core::Amount open_buys;
  for (const Order* order : watched_) {
    if (!order->open || order->spec.side != core::Side::kBuy) continue;
    const core::Instrument& other = registry_.Get(order->spec.instrument);
    if (other.base != instrument.base) continue;
    open_buys = open_buys + core::QuantityAsAmount(order->spec.quantity - order->filled,
                                                   other.quantity_scale);
  }
  context.base_position_with_open_buys = position + open_buys;
  context.taker_fee_ppm = options_.taker_fee_ppm;
  (void)spec;
  return context;
}

core::Amount OrderManager::Reserved(core::Venue venue, const std::string& asset) const {
  core::Amount total;
  for (const Order* order : watched_) {
    if (!order->open || order->venue != venue || order->reserve_asset != asset) continue;
    const core::Instrument& instrument = registry_.Get(order->spec.instrument);
    const core::Quantity remaining = order->spec.quantity - order->filled;
    if (remaining.mantissa() <= 0) continue;
    if (order->spec.side == core::Side::kSell) {
      total = total + core::QuantityAsAmount(remaining, instrument.quantity_scale);
      continue;
    }
    const std::optional<core::Amount> notional = core::NotionalCeil(
        order->reserve_price, instrument.price_scale, remaining, instrument.quantity_scale);
    if (!notional) continue;
    const core::Int128 fee = (static_cast<core::Int128>(notional->mantissa()) * options_.taker_fee_ppm +
                          999'999) / 1'000'000;
    total = total + *notional + core::Amount::FromMantissa(static_cast<std::int64_t>(fee));
  }
  return total;
}

OrderView OrderManager::View(const Order& order) const {
  OrderView view;
  view.client_order_id = order.spec.client_order_id;
  view.venue_order_id = order.venue_order_id;
  view.venue = order.venue;
  view.spec = order.spec;
  view.status = order.status;
  view.filled_quantity = std::max(order.filled, order.venue_filled);
  view.filled_notional = order.filled_notional;
  view.fills = order.fills;
  view.reject_code = order.reject_code;
  view.reject_message = order.reject_message;
  view.created_ns = order.created_ns;
  view.updated_ns = order.updated_ns;
  return view;
}

std::optional<OrderView> OrderManager::Find(const core::ClientOrderId& id) const {
  auto found = orders_.find(std::string(id.view()));
  if (found == orders_.end()) return std::nullopt;
  return View(*found->second);
}

std::size_t OrderManager::open_orders() const {
  std::size_t n = 0;
  for (const Order* order : watched_) n += order->open ? 1 : 0;
  return n;
}

risk::TradingState OrderManager::trading_state() const { return risk_->state(); }

std::vector<VenueAccountView> OrderManager::Accounts() const {
  std::vector<VenueAccountView> views;
  const std::int64_t now = NowMono();
  for (int v = 0; v < core::kVenueCount; ++v) {
    const Account* account = accounts_[static_cast<std::size_t>(v)].get();
    if (account == nullptr) continue;
    VenueAccountView view;
    view.venue = static_cast<core::Venue>(v);
    view.keys = account->keys;
    view.balances_loaded = account->balances_loaded;
    view.last_error = account->last_error;
    view.last_error_ns = account->last_error_ns;
    view.rate_budget = rate_limiter_->Budget(view.venue, now);
    if (auto until = rate_limiter_->CoolingDownUntil(view.venue, now)) {
      view.cooling_down_until_ns = clock_.NowNs() + (*until - now);
    }
    views.push_back(std::move(view));
  }
  return views;
}

core::ClientOrderId OrderManager::NewClientOrderId() {
  for (;;) {
    const core::ClientOrderId id = core::ClientOrderId::FromBits(id_bits_(), id_bits_());
    if (orders_.find(std::string(id.view())) == orders_.end()) return id;
  }
}

}  // namespace tradingd::engine
