#pragma once
// Coinbase order entry as OrderProtocols for RestGateway. One venue (core::Venue::kCoinbase), two
// REST APIs, chosen by the configuration's feed kind:
//
// Coinbase Exchange (keys with a passphrase): every request carries CB-ACCESS-KEY,
// CB-ACCESS-SIGN (coinbase_signing.h over timestamp + METHOD + path?query + body),
// CB-ACCESS-TIMESTAMP (Unix seconds) and CB-ACCESS-PASSPHRASE ("Exchange REST API
// Authentication"). Answers ("Exchange REST API Requests": errors are {"message":"..."} with the
// HTTP status):
// - 200: the order object (coinbase_orders.h);
// - 5xx (and 408): UNKNOWN, never resent;
// - 429 "Too Many Requests": throttled, REJECTED (the request was refused);
// - 401 / 403 (invalid signature, key or passphrase; missing permission): REJECTED and the keys
//   refused; a 401 about the timestamp is the clock, not the keys;
// - other 4xx: REJECTED with the HTTP status as code and Coinbase's message ("Insufficient
//   funds", ...);
// - cancel 404 / 400 ("order not found", "Order already done"): refused; query 404: not found.
//
// Coinbase Advanced Trade (CDP keys): "Authorization: Bearer <ES256 JWT>" signed per request for
// "<METHOD> <host><path>" (coinbase_jwt.h). Answers:
// - create 200 {"success":true,...}: NEW with Coinbase's order_id (fills come from the engine's
//   queries); {"success":false,"error_response":{...}}: REJECTED with the error and message;
// - 5xx / 408: UNKNOWN; 429: throttled, REJECTED; 401 / 403: REJECTED, keys refused; other 4xx:
//   REJECTED with Coinbase's "error" as code;
// - query with Coinbase's id: GET .../historical/{id} (404: not found); with our id only: the
//   product's newest orders (List Orders has no client_order_id filter) are searched for it, and
//   its absence is "not found" only when that list is whole (has_next false);
// - cancel needs Coinbase's id (batch_cancel takes order_ids only). Without it the protocol sends
//   the same read-only lookup and answers "refused" (code NO_VENUE_ORDER_ID) with what the lookup
//   found (Coinbase's id, the order's state), so the engine's next query and cancel can use it.
//
// Both: an order combination the API does not offer exactly (coinbase_orders.h,
// UnsupportedReason) is never sent as something else. RestGateway needs a request for every
// Place, so the protocol sends a read-only GET of the account instead and answers REJECTED
// (UNSUPPORTED) whatever comes back; no order can result from it. native_stops() is false: the
// engine holds stops. Rate limits: Coinbase sends no counters; a 429 is reported throttled with
// Retry-After when given, else one second (limits are per second: 15/s private on Exchange).
//
// Thread contract: as RestGateway: a protocol runs on the gateway's I/O thread only.

#include <memory>
#include <string>

#include "core/status.h"
#include "gateways/common/rest_gateway.h"

namespace tradingd::gateways::coinbase {

struct CoinbaseExchangeOrderOptions {
  std::string api_key;
  std::string api_secret;  // base64, as Coinbase hands it out
  std::string passphrase;
};

struct CoinbaseAdvancedTradeOrderOptions {
  std::string key_name;                   // "organizations/{org_id}/apiKeys/{key_id}"
  std::string private_key_pem;            // EC P-256, SEC 1 or PKCS#8
  std::string host = "api.coinbase.com";  // the JWT's uri names it
};

// Fail when the secret is not strict base64 (or empty) / the key cannot sign, and when a key or
// passphrase is empty. No Status holds a secret.
core::Result<std::unique_ptr<OrderProtocol>> MakeCoinbaseExchangeOrderProtocol(
    CoinbaseExchangeOrderOptions options);
core::Result<std::unique_ptr<OrderProtocol>> MakeCoinbaseAdvancedTradeOrderProtocol(
    CoinbaseAdvancedTradeOrderOptions options);

}  // namespace tradingd::gateways::coinbase
