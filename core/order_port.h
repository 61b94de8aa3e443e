#pragma once
// What the engine sees of the order gateways: a port per venue to which it hands approved orders,
// cancels, status queries and balance requests. The answers come back as core events (OrderUpdate,
// Fill, BalanceUpdate, GatewayStatus, RateLimitReport) through the inbound queue, like market
// data, so the engine never waits on a venue.
//
// Each venue's gateway (gateways/<venue>/) implements it by posting the call onto its I/O thread;
// tests use a fake that records the calls. Keeping Asio out of this interface keeps the engine
// deterministic and testable without sockets.
//
// Thread contract: called on the engine thread; every method returns at once (no I/O in the call)
// and may be called from any thread.

#include <optional>
#include <string>

#include "core/orders.h"
#include "core/venue.h"

namespace tradingd::core {

class GatewayPort {
 public:
  virtual ~GatewayPort() = default;
  // Sends the order once. The gateway answers with an OrderUpdate (source kPlace): the venue's
  // acknowledgement, its refusal (REJECTED), or UNKNOWN when the answer was lost.
  virtual void Place(const Approved<OrderSpec>& order) = 0;
  virtual void Cancel(const OrderRef& order) = 0;
  // Asks the venue for the order's state and its fills (OrderUpdate source kQuery, then Fills).
  virtual void Query(const OrderRef& order) = 0;
  // Fetches the account's balances (a framed run of BalanceUpdate) and reports the keys' state.
  virtual void FetchBalances() = 0;
  // Whether the venue takes stop and take-profit orders itself. When it does not, the engine holds
  // them and sends a MARKET or LIMIT order when the live price reaches the stop.
  virtual bool NativeStops() const { return false; }
  // Why the venue cannot take `order` as asked (a time in force or flag it does not have), or
  // nullopt. The engine refuses such an order with INVALID_ORDER before risk.
  virtual std::optional<std::string> Unsupported(const OrderSpec& /*order*/) const {
    return std::nullopt;
  }
};

}  // namespace tradingd::core
