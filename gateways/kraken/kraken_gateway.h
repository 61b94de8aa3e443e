#pragma once
// Kraken spot order entry (REST, API-Key + API-Sign) as an OrderProtocol for RestGateway. Every
// call is POST https://api.kraken.com/0/private/<Method> with a form-encoded body that starts with
// a nonce, signed over path, nonce and body (kraken_signing.h):
//   place    AddOrder      (the answer gives Kraken's txid, no status and no fills: NEW)
//   cancel   CancelOrder   (txid when known, else cl_ord_id)
//   query    QueryOrders   txid=...&trades=true when Kraken's id is known; for an order known only
//            by our id, OpenOrders then ClosedOrders filtered by cl_ord_id (QueryOrders takes
//            txids only): not found in the open list, the next query asks the closed one, and
//            only an order in neither is reported not found
//   fills    QueryTrades   for the trade ids the query listed, at most 20 per call (more come with
//            the next queries, which the engine makes while the venue reports more executed
//            volume than it has fills for)
//   balances BalanceEx     (free = balance + credit - credit_used - hold_trade; locked is
//            hold_trade)
//
// The nonce is now_ms, kept strictly increasing within the protocol when two requests share a
// millisecond (or the clock steps back). Kraken checks it per API key: orders and queries go out on
// two connections (rest_gateway.h), so a key used here should have a nonce window (a key setting
// at Kraken) of a few seconds, or a query overtaken by an order answers EAPI:Invalid nonce.
//
// How answers map (https://docs.kraken.com/api/docs/guides/spot-errors): Kraken answers HTTP 200
// with {"error":[...]} for most errors, and the error string decides:
// - EService:Unavailable, EService:Busy, EService:Deadline elapsed, EGeneral:Internal error, any
//   5xx or 408, and no answer: UNKNOWN (the order may or may not have been placed);
// - EAPI:Invalid key, EAPI:Invalid signature, EGeneral:Permission denied: REJECTED and the keys
//   refused;
// - EAPI:Rate limit exceeded, EOrder:Rate limit exceeded, EGeneral:Temporary lockout, HTTP 429:
//   REJECTED and a throttled RateLimitReport. Kraken sends no Retry-After: the report asks for the
//   time one unit of the counter takes to decay at the slowest (Starter) tier, 3 s for the REST
//   counter (0.33/s) and 1 s for the trading counter (1/s); a lockout "typically lasts
//   approximately 15 minutes", so 900 s;
// - any other error (EOrder:Insufficient funds, EGeneral:Invalid arguments, ...): REJECTED with
//   Kraken's category as venue_code ("EOrder") and the whole error string as message;
// - cancel EOrder:Unknown order: the cancel refused; query EOrder:Unknown order / Invalid order,
//   or a txid the answer does not list: not found.
//
// Thread contract: as RestGateway: the protocol runs on the gateway's I/O thread only.

#include <memory>
#include <string>

#include "core/status.h"
#include "gateways/common/rest_gateway.h"

namespace tradingd::gateways::kraken {

struct KrakenOrderOptions {
  std::string api_key;
  std::string api_secret;  // base64, as Kraken hands it out
};

// Fails when the secret cannot key a signer (empty or not base64). No Status holds the secret.
core::Result<std::unique_ptr<OrderProtocol>> MakeKrakenOrderProtocol(KrakenOrderOptions options);

}  // namespace tradingd::gateways::kraken
