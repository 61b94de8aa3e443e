#pragma once
// Coinbase order entry as the venue documents it, without sockets: the requests of its two REST
// APIs and the parsing of their answers into core events. CoinbaseExchangeOrderProtocol and
// CoinbaseAdvancedTradeOrderProtocol (coinbase_gateway.h) send what this builds; the tests feed it
// the documentation's shapes and hostile bodies.
//
// Coinbase Exchange (api.exchange.coinbase.com, docs.cdp.coinbase.com/exchange):
//   POST /orders  {"client_oid","product_id","side":"buy"|"sell","type":"limit"|"market","size",
//                  "price","time_in_force":"GTC"|"IOC"|"FOK","post_only":true}
//                 ("Create a new order": post_only is "Invalid when time_in_force is IOC or FOK";
//                 client_oid "must be a variant 1 UUIDv4 ... all lowercase and hyphens that group
//                 the characters in sequences of 8, 4, 4, 4, 12").
//   GET /orders/client:<client_oid>                 ("Get single order": the client: namespace;
//                                                    "If the order is canceled, and if the order
//                                                    had no matches, the response might return the
//                                                    status code 404".)
//   DELETE /orders/client:<client_oid>?product_id=  ("Cancel an order": 200 with the order id.)
//   GET /fills?order_id=&product_id=                ("Get all fills".)
//   GET /accounts                                   ("Get all accounts for a profile".)
//   The order object: status pending | received | open | active | done | rejected, done_reason
//   filled | canceled | rejected, filled_size, executed_value, fill_fees, reject_reason.
//
// Coinbase Advanced Trade (api.coinbase.com/api/v3/brokerage, docs.cdp.coinbase.com/
// advanced-trade):
//   POST /orders  {"client_order_id","product_id","side":"BUY"|"SELL","order_configuration":
//                  {"market_market_ioc":{"base_size"}} | {"limit_limit_gtc":{"base_size",
//                  "limit_price","post_only"}} | {"sor_limit_ioc":{"base_size","limit_price"}} |
//                  {"limit_limit_fok":{"base_size","limit_price"}}}
//                 Answer {"success":true,"success_response":{"order_id",...}} or
//                 {"success":false,"error_response":{"error","message","error_details",
//                 "preview_failure_reason"}}. Our 32 hex characters are a valid client_order_id:
//                 Coinbase's own SDK (coinbase-advanced-py, rest/orders.py) generates it as
//                 uuid.uuid4().hex, 32 lower-case hex characters without dashes.
//   GET /orders/historical/{order_id}      ("Get Order": {"order":{...}}; needs Coinbase's id.)
//   GET /orders/historical/batch?product_ids=&limit=   ("List Orders": it has no client_order_id
//                 filter, so an order known only by our id is looked up in the product's newest
//                 orders; see ParseAdvancedOrderList.)
//   POST /orders/batch_cancel {"order_ids":[...]}      ("Cancel Orders": results[].success /
//                 failure_reason; by Coinbase's id only.)
//   GET /orders/historical/fills?order_ids=            ("List Fills".)
//   GET /accounts?limit=250                            ("List Accounts".)
//   Order status: PENDING | QUEUED | OPEN | CANCEL_QUEUED | FILLED | CANCELLED | EXPIRED | FAILED.
//
// What each API offers exactly (UnsupportedReason lists the rest; such an order is never sent):
//   MARKET with GTC or IOC (a market order takes what it can at once: IOC is its nature, and GTC is
//   the spec's default, not a request to rest); LIMIT GTC, post-only or not; LIMIT IOC; LIMIT FOK.
//   Not offered: MARKET FOK (Exchange has none; Advanced Trade's market_market_fok is "Perpetuals
//   only"), post-only with IOC or FOK, post-only MARKET, and the stop types (the engine holds
//   them).
//
// Decimals: prices and quantities at the instrument's scale, exact (a finer digit is an error);
// fees, notional and balances at kAmountScale, truncated toward zero (Coinbase writes 16 decimals).
// Fees are in the quote currency on both APIs (Coinbase charges trading fees in quote), or, on the
// Exchange, in the fill's funding_currency when it names one (USDC funding a BTC-USD fill).
//
// Every parser reads the whole answer into locals first and changes its outputs only when all of
// it reads; unknown fields are ignored; a known field of the wrong type, a negative or malformed
// decimal, an oversized id or an unknown status is an error.
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

namespace tradingd::gateways::coinbase {

enum class Api : std::uint8_t { kExchange, kAdvancedTrade };

// ---- ids ----

// Our 32 hex characters as the 8-4-4-4-12 UUID text Coinbase Exchange takes as client_oid.
std::string ClientOid(const core::ClientOrderId& id);
// The reverse: only the exact lower-case dashed form.
std::optional<core::ClientOrderId> ClientOrderIdFromOid(std::string_view oid);

// nullopt when `api` offers this order exactly; otherwise why it does not (the order must not be
// sent as something else).
std::optional<std::string_view> UnsupportedReason(Api api, const core::OrderSpec& spec);

// ---- Coinbase Exchange ----

// The JSON body of POST /orders.
std::string ExchangeNewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument);
// "/orders/client:<client_oid>" (the query; the cancel adds "?product_id=<product>").
std::string ExchangeOrderPath(const core::OrderRef& ref);
std::string ExchangeCancelPath(const core::OrderRef& ref, const core::Instrument& instrument);
// "/fills?order_id=<id>&product_id=<product>".
std::string ExchangeFillsPath(std::string_view venue_order_id, const core::Instrument& instrument);
inline constexpr std::string_view kExchangeOrdersPath = "/orders";
inline constexpr std::string_view kExchangeAccountsPath = "/accounts";

// The order object (place and query answers) into `update` (status, venue id, filled quantity and
// notional, time; for a REJECTED order venue_code "rejected" and reject_reason as message).
core::Status ParseExchangeOrder(std::string_view body, const core::Instrument& instrument,
                                core::OrderUpdate* update);
// GET /fills: the executions, appended to `fills`. Entries of another order than
// `venue_order_id` (when not empty) are skipped; an entry of another product is an error.
core::Status ParseExchangeFills(std::string_view body, const core::Instrument& instrument,
                                std::string_view venue_order_id, std::vector<core::Fill>* fills);
// GET /accounts: a framed report of the currencies with a non-zero balance (free = available,
// locked = hold); one empty framed entry when there is none.
core::Status ParseExchangeAccounts(std::string_view body, core::Venue venue, core::TimestampNs now,
                                   std::vector<core::BalanceUpdate>* balances);
// DELETE /orders/...: the canceled order's id, a JSON string.
core::Status ParseExchangeCancel(std::string_view body, std::string* order_id);
// {"message":"..."}; false when the body is not that.
bool ParseExchangeError(std::string_view body, std::string* message);

// ---- Coinbase Advanced Trade ----

inline constexpr std::string_view kAdvancedOrdersPath = "/api/v3/brokerage/orders";
inline constexpr std::string_view kAdvancedCancelPath = "/api/v3/brokerage/orders/batch_cancel";
inline constexpr std::string_view kAdvancedAccountsPath = "/api/v3/brokerage/accounts?limit=250";
// How many of a product's newest orders the lookup by our id reads.
inline constexpr int kAdvancedLookupLimit = 100;

// The JSON body of POST /api/v3/brokerage/orders.
std::string AdvancedNewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument);
// "/api/v3/brokerage/orders/historical/<order_id>".
std::string AdvancedOrderPath(std::string_view venue_order_id);
// "/api/v3/brokerage/orders/historical/batch?product_ids=<product>&limit=100".
std::string AdvancedListOrdersPath(const core::Instrument& instrument);
// {"order_ids":["<order_id>"]}.
std::string AdvancedCancelBody(std::string_view venue_order_id);
// "/api/v3/brokerage/orders/historical/fills?order_ids=<order_id>".
std::string AdvancedFillsPath(std::string_view venue_order_id);

// What POST /orders answered with HTTP 200.
struct AdvancedCreateAnswer {
  bool success = false;
  std::string order_id;  // success
  std::string code;      // failure: error_response.error (else a failure reason)
  std::string message;   // failure: error_response.message, with error_details when given
};
core::Status ParseAdvancedCreate(std::string_view body, AdvancedCreateAnswer* answer);
// GET /orders/historical/{id}: {"order":{...}} into `update`.
core::Status ParseAdvancedOrder(std::string_view body, const core::Instrument& instrument,
                                core::OrderUpdate* update);
// GET /orders/historical/batch: the order whose client_order_id is `client_order_id`. `*found`
// says whether it is listed (then `update` holds it); `*complete` whether the list is the whole
// set the filter selects (has_next false), so that its absence is definitive.
core::Status ParseAdvancedOrderList(std::string_view body, const core::Instrument& instrument,
                                    std::string_view client_order_id, core::OrderUpdate* update,
                                    bool* found, bool* complete);
// POST /orders/batch_cancel: the result for `venue_order_id`.
struct AdvancedCancelResult {
  bool success = false;
  std::string failure_reason;
};
core::Status ParseAdvancedCancel(std::string_view body, std::string_view venue_order_id,
                                 AdvancedCancelResult* result);
// GET /orders/historical/fills: as ParseExchangeFills.
core::Status ParseAdvancedFills(std::string_view body, const core::Instrument& instrument,
                                std::string_view venue_order_id, std::vector<core::Fill>* fills);
// GET /accounts: a framed report (free = available_balance.value, locked = hold.value; several
// accounts of one currency are added up). A page that is not the last (has_next) is an error:
// the report must be whole.
core::Status ParseAdvancedAccounts(std::string_view body, core::Venue venue, core::TimestampNs now,
                                   std::vector<core::BalanceUpdate>* balances);
// An error body {"error":"...","message":"...",...}: code = error, message = message (with
// error_details when given). False when the body is not that.
bool ParseAdvancedError(std::string_view body, std::string* code, std::string* message);

// "2024-01-15T10:30:00.123456Z" (RFC 3339 in UTC, up to nine fraction digits) into nanoseconds.
bool ParseRfc3339(std::string_view text, core::TimestampNs* out);

}  // namespace tradingd::gateways::coinbase
