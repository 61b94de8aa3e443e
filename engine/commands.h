#pragma once
// Commands from the control surface to the engine thread, and the engine's answers.
//
// The control thread builds a Command with a reply callback and pushes it onto the CommandQueue;
// the engine thread runs it and calls the reply exactly once, on the engine thread, with the
// result. Order entry and cancel answer when the venue has (or when its answer is known to be
// lost); reads answer at once from the engine's own state, so a client reads its own writes.
//
// Thread contract: a Command is built on one thread and handed over whole; CommandQueue is safe
// from any thread, drained by the engine thread only.

#include <concurrentqueue/concurrentqueue.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/orders.h"
#include "core/status.h"
#include "engine/inbound_queue.h"
#include "engine/snapshots.h"
#include "risk/pre_trade_risk.h"

namespace tradingd::engine {

// An order as the control surface shows it.
struct OrderView {
  core::ClientOrderId client_order_id;
  std::string venue_order_id;  // empty until the venue has acknowledged the order
  core::Venue venue = core::Venue::kBinance;
  core::OrderSpec spec;
  core::OrderStatus status = core::OrderStatus::kPendingNew;
  core::Quantity filled_quantity;
  core::Amount filled_notional;  // quote amount of the fills
  std::vector<core::Fill> fills;
  std::string reject_code;  // the venue's code, for REJECTED (and UNKNOWN: the transport error)
  std::string reject_message;
  core::TimestampNs created_ns = 0;
  core::TimestampNs updated_ns = 0;
  bool external = false;  // found at the venue, not placed by this daemon
};

struct BalanceView {
  core::Venue venue = core::Venue::kBinance;
  std::string asset;
  core::Amount free;
  core::Amount locked;  // the venue's own locks plus our open and in-flight orders' reservations
  core::TimestampNs time_ns = 0;
};

struct PlaceOrder {
  core::OrderSpec spec;
  bool client_order_id_given = false;  // else the engine makes one
};
struct CancelOrder {
  core::Venue venue;
  std::optional<core::ClientOrderId> client_order_id;
  std::string venue_order_id;
};
struct GetOrder {
  core::Venue venue;
  std::optional<core::ClientOrderId> client_order_id;
  std::string venue_order_id;
};
struct ListOrders {
  std::optional<core::Venue> venue;
  std::optional<core::InstrumentId> instrument;
  bool open_only = false;
};
struct ListTrades {
  std::optional<core::Venue> venue;
  std::optional<core::InstrumentId> instrument;
  std::size_t limit = 100;
};
struct GetBalances {
  std::optional<core::Venue> venue;
};
struct Kill {};
struct Resume {};

// Why a command did not do what it asked: a risk refusal, or an engine-level error (NOT_FOUND,
// VENUE_UNAVAILABLE, ...).
struct CommandError {
  std::string code;  // api.md's stable code
  int http_status = 400;
  std::string message;
  std::int64_t retry_after_s = 0;  // > 0: sent as Retry-After
};

struct OrderResult {
  OrderView order;
  bool created = false;  // false: an existing order (repeated client_order_id, status, cancel)
};
struct OrdersResult {
  std::vector<OrderView> orders;
};
struct TradesResult {
  std::vector<core::Fill> fills;  // newest first
};
struct BalancesResult {
  std::vector<BalanceView> balances;
  std::vector<VenueAccountView> accounts;
};
struct KillResult {
  risk::TradingState state = risk::TradingState::kActive;
  std::size_t cancels_sent = 0;
};

using CommandResult = std::variant<CommandError, OrderResult, OrdersResult, TradesResult,
                                   BalancesResult, KillResult>;

struct Command {
  using Body =
      std::variant<PlaceOrder, CancelOrder, GetOrder, ListOrders, ListTrades, GetBalances, Kill, Resume>;
  Body body;
  std::function<void(CommandResult)> reply;
};

// Commands are rare next to market data; an unbounded queue with an allocation per command is
// fine, and the engine wakes through the inbound queue's own wake-up.
class CommandQueue {
 public:
  explicit CommandQueue(InboundQueue& wake) : wake_(wake) {}
  // Any thread. False only when the engine has stopped taking commands (the reply is not called).
  bool Push(Command command) {
    if (closed_.load(std::memory_order_acquire)) return false;
    queue_.enqueue(std::make_unique<Command>(std::move(command)));
    wake_.NotifyCommand();
    return true;
  }
  // Engine thread.
  bool TryPop(std::unique_ptr<Command>* out) {
    if (!queue_.try_dequeue(*out)) return false;
    wake_.CommandsTaken(1);
    return true;
  }
  void Close() { closed_.store(true, std::memory_order_release); }

 private:
  InboundQueue& wake_;
  moodycamel::ConcurrentQueue<std::unique_ptr<Command>> queue_;
  std::atomic<bool> closed_{false};
};

}  // namespace tradingd::engine
