#pragma once
// OKX v5 spot order entry (REST, HMAC-SHA256 keys with a passphrase) as an OrderProtocol for
// RestGateway: POST /api/v5/trade/order, POST /api/v5/trade/cancel-order, GET /api/v5/trade/order,
// GET /api/v5/trade/fills for the executions of a queried order, and GET /api/v5/account/balance
// for balances and the key check (okx_orders.h builds and reads them).
//
// Every request carries OK-ACCESS-KEY, OK-ACCESS-SIGN, OK-ACCESS-TIMESTAMP (ISO 8601 UTC with
// milliseconds, from the gateway's clock), OK-ACCESS-PASSPHRASE and Content-Type:
// application/json; the sign is over timestamp + METHOD + request path with its query + body
// (okx_signing.h; docs-v5 "REST Authentication"). Demo trading adds x-simulated-trading: 1
// ("Demo Trading Services"). A new order also carries expTime = now + recv_window ("Transaction
// timeouts"): OKX drops an order that reaches it later, so that a query that does not find the
// order once that time has passed is definitive.
//
// How answers map (docs-v5 "Error Code", "REST API"):
// - place, code "0" and data[0].sCode "0": NEW with OKX's ordId (the ack says nothing of fills;
//   the engine polls);
// - place, another code (the envelope's, or data[0].sCode under code "1"): REJECTED with OKX's
//   code and message; 50011 / 50061 also report the rate limit (throttled for OKX's 2 s window:
//   OKX sends no Retry-After); a key or signature code (okx::IsKeyRefusal) marks the keys refused;
// - no answer, a 5xx, an unreadable answer, or a code OKX documents as fate unknown (50004,
//   51149, and 50001 / 50013 / 50026 / 51054): UNKNOWN, never resent; the engine queries;
// - cancel, sCode "0": accepted only ("It is not strictly considered that the order has been
//   canceled"), so the update is UNKNOWN and the engine's query confirms; any refusal (51400
//   "Order cancellation failed as the order has been filled, canceled or does not exist", ...)
//   is cancel_refused;
// - query: the order (fills then fetched from /trade/fills when accFillSz > 0); 51603 "Order does
//   not exist." is not_found.
// OKX sends no rate-limit counters in headers; only throttling answers are reported: HTTP 429,
// 50011, 50061 and 50013 (this last one also UNKNOWN: "Systems are busy" does not say it refused).
//
// Thread contract: as RestGateway: the protocol runs on the gateway's I/O thread only.

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "gateways/common/rest_gateway.h"

namespace tradingd::gateways::okx {

struct OkxOrderOptions {
  std::string api_key;
  std::string api_secret;
  std::string passphrase;
  bool demo_trading = false;  // adds x-simulated-trading: 1 (OKX's demo keys need it)
  // expTime of a new order: now + recv_window. The engine's receive window for not_found should
  // be at least this.
  std::chrono::milliseconds recv_window{5000};
};

// Fails when the secret cannot key a signer (empty), or the key or passphrase is empty. No Status
// holds a secret.
core::Result<std::unique_ptr<OrderProtocol>> MakeOkxOrderProtocol(OkxOrderOptions options);

}  // namespace tradingd::gateways::okx
