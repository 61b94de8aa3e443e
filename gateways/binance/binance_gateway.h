#pragma once
// Binance spot order entry (REST, HMAC-SHA256 keys) as an OrderProtocol for RestGateway:
// POST/DELETE/GET /api/v3/order, GET /api/v3/myTrades for the fills of a queried order, and
// GET /api/v3/account for balances and the key check. Every signed request carries recvWindow and
// timestamp and is signed over its query string (binance_signing.h).
//
// How answers map (rest-api.md, "General API Information" and errors.md):
// - 200: the order object (binance_orders.h);
// - 5xx, and -1006 / -1007 "execution status unknown": UNKNOWN — never resent, the engine queries;
// - 429: throttled (Retry-After), 418: banned — the request was refused: REJECTED, and the rate
//   limiter cools down;
// - other 4xx with {"code","msg"}: REJECTED with Binance's code and message; -2014 / -2015 / -1022
//   also mark the keys refused;
// - cancel -2011 and query -2013 ("Order does not exist."): refused / not found.
// Rate-limit headers X-MBX-USED-WEIGHT-1M and X-MBX-ORDER-COUNT-10S/1D of every answer are
// reported to the risk module.
//
// Thread contract: as RestGateway: the protocol runs on the gateway's I/O thread only.

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "gateways/common/rest_gateway.h"

namespace tradingd::gateways::binance {

struct BinanceOrderOptions {
  std::string api_key;
  std::string api_secret;
  std::chrono::milliseconds recv_window{5000};
};

// Fails when the secret cannot key a signer (empty). No Status holds the secret.
core::Result<std::unique_ptr<OrderProtocol>> MakeBinanceOrderProtocol(BinanceOrderOptions options);

}  // namespace tradingd::gateways::binance
