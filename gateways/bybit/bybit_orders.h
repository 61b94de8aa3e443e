#pragma once
// Bybit v5 spot order entry as the venue documents it, without sockets: the bodies and query
// strings of POST /v5/order/create, POST /v5/order/cancel, GET /v5/order/realtime, GET
// /v5/order/history, GET /v5/execution/list and GET /v5/account/wallet-balance, and the parsing of
// their answers into core events. BybitOrderProtocol (bybit_gateway.h) signs and sends what this
// builds; the tests feed it the documentation's own examples and hostile bodies.
//
// Docs (bybit-exchange.github.io/docs/v5): order/create-order, order/cancel-order,
// order/open-order, order/order-list, order/execution, account/wallet-balance, enum, error,
// rate-limit.
//
// Every answer is the envelope
// {"retCode":0,"retMsg":"OK","result":{...},"retExtInfo":{},"time":ms}, with HTTP 200 for refusals
// too (retCode != 0). Numbers inside `result` are decimal strings; times inside list entries are
// millisecond strings, the envelope's `time` a JSON number.
//
// Mapping of an order (create-order):
// - LIMIT: orderType=Limit, price, timeInForce GTC | IOC | FOK; post_only: timeInForce=PostOnly
//   (a resting GTC order that is cancelled if it would take; control/order_json.cc lets post_only
//   through only on LIMIT GTC, the one combination Bybit has).
// - MARKET: orderType=Market, marketUnit=baseCoin (a UTA spot market Buy is otherwise by quote
//   value), no price and no timeInForce ("Market order will always use IOC").
// - isLeverage=0 (spot, never borrow); orderLinkId = our 32-hex client id ("A max of 36 characters.
//   Combinations of numbers, letters (upper and lower cases), dashes, and underscores").
// - Stop types are not sent: the engine holds stops for Bybit (native_stops() is false).
//
// Order status (enum#orderstatus): New, Created, Untriggered, Triggered → NEW; PartiallyFilled;
// Filled; Cancelled, PartiallyFilledCanceled → CANCELED, or EXPIRED for an IOC/FOK/Market order
// (its remainder); Deactivated → CANCELED; Rejected → REJECTED, or CANCELED/EXPIRED when it had
// executed (cumExecQty > 0: the remainder was dropped, the fills stand).
//
// Thread contract: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "core/status.h"

namespace tradingd::gateways::bybit {

inline constexpr std::string_view kCreatePath = "/v5/order/create";
inline constexpr std::string_view kCancelPath = "/v5/order/cancel";
inline constexpr std::string_view kRealtimePath = "/v5/order/realtime";
inline constexpr std::string_view kHistoryPath = "/v5/order/history";
inline constexpr std::string_view kExecutionPath = "/v5/execution/list";
inline constexpr std::string_view kWalletBalancePath = "/v5/account/wallet-balance";

// execution: "limit: Limit for data size per page. [1, 100]".
inline constexpr int kExecutionPageLimit = 100;

// The envelope of every answer. False when the body is not one (no integer retCode).
struct Envelope {
  std::int64_t ret_code = 0;
  std::string ret_msg;
  core::TimestampNs time_ns = 0;  // the envelope's `time`, 0 when absent
};
bool ParseEnvelope(std::string_view body, Envelope* envelope);

// ---- requests ----

// The JSON body of POST /v5/order/create.
std::string NewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument,
                         std::string_view category);
// The JSON body of POST /v5/order/cancel: orderLinkId always, orderId as well when known (Bybit
// "will prioritize the orderId").
std::string CancelBody(const core::OrderRef& ref, const core::Instrument& instrument,
                       std::string_view category);
// The query string of GET /v5/order/realtime and /v5/order/history for one order.
std::string OrderQueryParams(const core::OrderRef& ref, const core::Instrument& instrument,
                             std::string_view category);
// The query string of GET /v5/execution/list for one order (orderId when known, else orderLinkId).
std::string ExecutionListParams(const core::OrderRef& ref, const core::Instrument& instrument,
                                std::string_view category);
// The query string of GET /v5/account/wallet-balance: the Unified Trading Account.
std::string WalletBalanceParams();

// ---- answers (each requires retCode 0; on failure the outputs are untouched) ----

// The acknowledgement of create or cancel: result {orderId, orderLinkId}. Sets venue_order_id and
// venue_time_ns (the envelope's time); a non-empty orderLinkId other than `link_id` is an error.
core::Status ParseAck(std::string_view body, std::string_view link_id, core::OrderUpdate* update);

// GET /v5/order/realtime or /history: the entry whose orderLinkId is `link_id`, into `update`
// (status, venue_order_id, filled quantity and notional, venue time; rejectReason into message).
// An empty list sets *found = false. A non-empty list without our entry, or with it twice, is an
// error (we asked for that order alone).
core::Status ParseOrderList(std::string_view body, const core::Instrument& instrument,
                            std::string_view link_id, core::OrderUpdate* update, bool* found);

// GET /v5/execution/list: the executions, appended to `fills` (client order id left empty: the
// caller knows which order it asked for). An entry of another order (orderLinkId other than
// `link_id`, or orderId other than a non-empty `order_id`, or another symbol) is an error.
core::Status ParseExecutions(std::string_view body, const core::Instrument& instrument,
                             std::string_view link_id, std::string_view order_id,
                             std::vector<core::Fill>* fills);

// GET /v5/account/wallet-balance: the coins of every account in the list, as a framed report
// (kFirst on the first, kLast on the last; one empty entry framed both ways for an empty account).
// locked = `locked` (spot open orders); free = walletBalance - spotBorrow - locked, floored at zero
// (a borrowed coin is owed, not free).
core::Status ParseWalletBalance(std::string_view body, core::Venue venue, core::TimestampNs now,
                                std::vector<core::BalanceUpdate>* balances);

// ---- retCode classes (error.mdx) ----

// The request's fate is unknown: server errors and timeouts (10000 "Server Timeout", 10016 "Server
// error", 170001 "Internal error", 170007 "Timeout waiting for response from backend server",
// 170032 "Network error", 170035 "Submitted to the system for processing!", 170146 "Order creation
// timeout", 170147, 170234 "System Error", 170310, 3400214).
bool IsExecutionUnknown(std::int64_t code);
// The key or the signature is refused: 10003 "API key is invalid", 10004 "Error sign", 10005
// "Permission denied", 10007 "User authentication failed", 10010 "Unmatched IP", 33004 and -2015
// "api key has expired".
bool IsKeyRefusal(std::int64_t code);
// Rate limited (the request was refused): 10006 "Too many visits", 10018 "Exceeded the IP Rate
// Limit", 170005 "Too many new orders", 170222 "Too many requests in this time frame", 429 "high
// server load. Please retry".
bool IsThrottle(std::int64_t code);
// 110001 / 170213 "Order does not exist".
bool IsOrderMissing(std::int64_t code);
// What a cancel refusal says about the order, when it says it: 170139 "Order has been filled." →
// FILLED, 170142 "Order has been cancelled" / 110010 "Order already cancelled" → CANCELED.
std::optional<core::OrderStatus> CancelRefusalStatus(std::int64_t code);

}  // namespace tradingd::gateways::bybit
