#pragma once
// Bybit v5 spot order entry (REST, system-generated HMAC keys, Unified Trading Account) as an
// OrderProtocol for RestGateway: POST /v5/order/create and /v5/order/cancel, GET /v5/order/realtime
// (then /v5/order/history) for a query, GET /v5/execution/list for the fills of a queried order,
// and GET /v5/account/wallet-balance?accountType=UNIFIED for balances and the key check. Every
// request carries X-BAPI-API-KEY, X-BAPI-TIMESTAMP (now_ms), X-BAPI-RECV-WINDOW and X-BAPI-SIGN,
// signed over the query string (GET) or the JSON body (POST) (bybit_signing.h; v5/guide).
//
// How answers map (v5/error, v5/rate-limit):
// - retCode 0: create → NEW with Bybit's orderId (create-order: "The ack of create order request
//   indicates that the request is successfully accepted"; the state and fills come from queries);
//   cancel → accepted, the order's state still UNKNOWN until the engine's query says CANCELED;
// - HTTP 5xx / 408, and the "status unknown" retCodes (10000, 10016, 170007, 170035, 170146, ...;
//   bybit_orders.h): UNKNOWN — never resent, the engine queries;
// - other retCodes: REJECTED with Bybit's retCode and retMsg; 10003 / 10004 / 10005 / 10007 /
//   10010 / 33004 / -2015 (and HTTP 401) also mark the keys refused;
// - 10006 / 10018 / 170005 / 170222 / retCode 429 / HTTP 429: throttled (the request was refused);
//   HTTP 403 ("access too frequent": "wait for at least 10 minutes") and 10018: an IP ban;
// - cancel 110001 / 170213 ("Order does not exist") and any other cancel refusal: cancel_refused.
// - query: /v5/order/realtime keeps open orders and the last 500 closed ones, and loses the closed
//   ones on a service restart ("should only be queried through order history"); so an empty
//   realtime answer is not "not found": the next query of that order asks /v5/order/history (all
//   statuses for 7 days), and only an empty history answer reports not_found.
// - executions: GET /v5/execution/list returns the newest first, at most 100 a page; one page is
//   read (an order with more than 100 executions gets its newest 100; cursor paging is not done).
// Rate-limit headers X-Bapi-Limit, X-Bapi-Limit-Status and X-Bapi-Limit-Reset-Timestamp of every
// answer are reported to the risk module.
//
// Thread contract: as RestGateway: the protocol runs on the gateway's I/O thread only.

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "gateways/common/rest_gateway.h"

namespace tradingd::gateways::bybit {

struct BybitOrderOptions {
  std::string api_key;
  std::string api_secret;
  std::chrono::milliseconds recv_window{5000};
  // Only "spot": the request mapping (marketUnit, isLeverage, fee currency) is spot's.
  std::string category = "spot";
};

// Fails when the key or the secret is empty, the receive window is not positive, or the category
// is not "spot". No Status holds the secret.
core::Result<std::unique_ptr<OrderProtocol>> MakeBybitOrderProtocol(BybitOrderOptions options);

}  // namespace tradingd::gateways::bybit
