#pragma once
// Binance spot order entry as the venue documents it (rest-api.md), without sockets: the request
// parameters of POST/DELETE/GET /api/v3/order, GET /api/v3/myTrades and GET /api/v3/account, and
// the parsing of their answers into core events. BinanceGateway sends what this builds; the tests
// feed it the documentation's own examples and hostile bodies.
//
// Mapping: LIMIT + post_only → LIMIT_MAKER (no timeInForce); STOP_LOSS, STOP_LOSS_LIMIT,
// TAKE_PROFIT and TAKE_PROFIT_LIMIT are native with stopPrice. Order status: NEW, PARTIALLY_FILLED,
// FILLED, CANCELED, REJECTED, EXPIRED and EXPIRED_IN_MATCH (self-trade prevention → EXPIRED);
// PENDING_NEW / PENDING_CANCEL keep what we knew (NEW). Every response is newOrderRespType=FULL so
// that the fills of an immediate execution come with the acknowledgement.
//
// Thread contract: pure functions; safe from any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "core/status.h"

namespace tradingd::gateways::binance {

// Binance's error body {"code":-2010,"msg":"..."}.
struct ErrorBody {
  std::int64_t code = 0;
  std::string msg;
};

// The parameters of POST /api/v3/order (without recvWindow, timestamp and signature).
std::string NewOrderParams(const core::OrderSpec& spec, const core::Instrument& instrument);
// origClientOrderId addresses the order (the venue's orderId when we have it, as well).
std::string OrderRefParams(const core::OrderRef& ref, const core::Instrument& instrument);

// Parses an order object (the answer of place, cancel or query) into `update` and, for a FULL
// place answer, its fills. `update.source` and the ids are filled in; fields the body lacks stay
// default. Fails on anything that is not such an object.
core::Status ParseOrder(std::string_view body, const core::Instrument& instrument,
                        core::OrderUpdate* update, std::vector<core::Fill>* fills);
// GET /api/v3/myTrades: an array of executions, appended to `fills` (client order id left empty:
// the caller knows which order it asked for).
core::Status ParseMyTrades(std::string_view body, const core::Instrument& instrument,
                           std::vector<core::Fill>* fills);
// GET /api/v3/account: the balances, as a framed report (first kFirst, last kLast; one empty
// entry framed both ways when the account holds nothing).
core::Status ParseAccount(std::string_view body, core::Venue venue, core::TimestampNs now,
                          std::vector<core::BalanceUpdate>* balances);
// {"code":...,"msg":...}; false when the body is not that.
bool ParseError(std::string_view body, ErrorBody* error);

// Whether Binance's error code says the request's fate is unknown (-1007 "Timeout waiting for
// response from backend server. Send status unknown; execution status unknown.", -1006 "An
// unexpected response was received from the message bus. Execution status unknown.").
bool IsExecutionUnknown(std::int64_t code);
// Whether the code refuses the keys or the signature (-2014, -2015, -1022, -1002): the venue
// refuses everything signed until the keys are fixed.
bool IsKeyRefusal(std::int64_t code);

}  // namespace tradingd::gateways::binance
