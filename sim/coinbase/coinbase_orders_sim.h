#pragma once
// Coinbase order entry in the sandbox venue, for both of the REST APIs whose market data the
// dialect (coinbase_sim.h) serves; the dialect's feed kind chooses which one answers. Everything
// runs over StreamSim's MatchingEngine (sim/common/stream_sim.h): one sandbox account, fees in the
// quote currency (FeeAsset::kQuote, as Coinbase charges them), no native stop orders (the
// daemon's engine holds stops).
//
// Coinbase Exchange (docs.cdp.coinbase.com/exchange, api.exchange.coinbase.com):
//   POST   /orders                      {client_oid, product_id, side buy|sell, type limit|market,
//                                       size, price, funds (market, quote), time_in_force
//                                       GTC|IOC|FOK, post_only, stp} → the order object
//   GET    /orders/<id>, /orders/client:<client_oid>   → the order object (404 "NotFound")
//   DELETE /orders/<id>, /orders/client:<client_oid>   → the order id as a JSON string
//   GET    /orders (open orders), DELETE /orders (cancel all: the ids)
//   GET    /fills?order_id=&product_id=&limit=         → newest first, CB-BEFORE / CB-AFTER
//   GET    /accounts, /accounts/<id>
//   Authentication ("Exchange REST API Authentication"): CB-ACCESS-KEY, CB-ACCESS-TIMESTAMP (Unix
//   seconds, decimals allowed, refused beyond the dialect's max_timestamp_skew, 30 s), CB-ACCESS-
//   PASSPHRASE and CB-ACCESS-SIGN = base64(HMAC-SHA256(base64decode(secret), timestamp + METHOD +
//   path?query + body)), checked with gateways::coinbase::ExchangeSigner. The refusals are 401
//   {"message":..} in the order a 2025 probe of api.exchange.coinbase.com showed: "CB-ACCESS-KEY
//   header is required", "invalid timestamp", "request timestamp expired", then "CB-ACCESS-SIGN
//   header is required", "Invalid API Key", "CB-ACCESS-PASSPHRASE header is required", "Invalid
//   Passphrase", "invalid signature" (texts as client projects captured them; ccxt's coinbasepro
//   error table has the same spellings).
//   Order states: open orders are "open"; "done" with done_reason "filled" or "canceled" (an IOC
//   remainder, a FOK that cannot fill and a market order that ran out of book are "canceled", as
//   the matching engine's done messages say); a post-only order that would take is answered 200
//   with status "rejected" and reject_reason "post only" (coinbase-pro-trading-toolkit issue 149
//   shows that answer) and stays queryable as such.
//   Refusals: 400 {"message":..}: "Insufficient funds", "size is too small. Minimum size is
//   0.00000001", "size is too accurate. Smallest unit is 0.00000001", "price is too accurate.
//   Smallest unit is 0.01000000", "size is too large. Maximum size is N", "funds is too small.
//   Minimum size is N", "Product not found", "Invalid client_oid", "Invalid side X", "Invalid
//   order_type X", "Invalid time_in_force X", "Requires size", "Requires price", "size must be a
//   number", "price must be a number", "Invalid Price"; cancels: 404 "order not found", 400 "Order
//   already done", 400 "Invalid order id"; queries: 404 "NotFound". Where Coinbase documents no
//   text the wording is the sim's own (see coinbase_orders_sim.cc).
//   Rate limits ("REST Rate Limits Overview": a lazy-fill token bucket per profile): private
//   endpoints 15 requests/s with bursts of 30, /fills 10/s with bursts of 20; over it: 429
//   {"message":"Private rate limit exceeded"}. 5xx: 500 {"message":"Internal Server Error."}.
//
// Coinbase Advanced Trade (docs.cdp.coinbase.com/advanced-trade, api.coinbase.com):
//   POST /api/v3/brokerage/orders        {client_order_id, product_id, side BUY|SELL,
//                                        order_configuration: market_market_ioc {quote_size |
//                                        base_size} | limit_limit_gtc {base_size, limit_price,
//                                        post_only} | sor_limit_ioc {base_size, limit_price} |
//                                        limit_limit_fok {base_size, limit_price}} → 200
//                                        {"success":true,"success_response":{..}} or
//                                        {"success":false,"error_response":{error, message,
//                                        error_details, preview_failure_reason,
//                                        new_order_failure_reason}}. A client_order_id already
//                                        used returns that order instead ("If the ID provided is
//                                        not unique, the order fails to be created and the order
//                                        corresponding to that ID is returned").
//   GET  /api/v3/brokerage/orders/historical/{order_id}   → {"order":{..}}; 404 NOT_FOUND "order
//                                        with this orderID was not found"
//   GET  /api/v3/brokerage/orders/historical/batch        order_ids, product_ids, order_status,
//                                        limit, cursor → {"orders":[..],"has_next",..}, newest
//                                        first (it has no client_order_id filter)
//   POST /api/v3/brokerage/orders/batch_cancel            {"order_ids":[..]} → {"results":[..]}
//   GET  /api/v3/brokerage/orders/historical/fills        order_ids, product_ids, trade_ids,
//                                        limit → {"fills":[..],"cursor":""}
//   GET  /api/v3/brokerage/accounts (and /accounts/{uuid}) → {"accounts":[..],"has_next":false}
//   Authentication: "Authorization: Bearer <ES256 JWT>" of the sandbox CDP key, claims iss "cdp",
//   sub the key name, nbf/exp (at most 120 s), uri "<METHOD> api.coinbase.com<path>", checked with
//   gateways::coinbase::JwtVerifier; anything else is 401 "Unauthorized" (text/plain, as the API
//   answers). Statuses OPEN, FILLED, CANCELLED (also an IOC / FOK / market remainder); a post-only
//   order that would take is refused (INVALID_LIMIT_PRICE_POST_ONLY). Rate limit ("Advanced Trade
//   API Rate Limits"): 30 requests/s per user on private endpoints; over it 429.
//
// Fees: Coinbase's lowest tiers by default (Exchange 0.40 % maker / 0.60 % taker; Advanced Trade
// "Intro 1" 0.60 % / 1.20 %), configurable. Market buys by quote (funds / quote_size) spend the
// amount with fees included, as Coinbase's specified_funds does.
//
// What differs from Coinbase: one profile, one portfolio; orders answer with their state after
// matching (Coinbase's create answer often says "pending"); GTT / GTD, stop orders, stp modes
// other than the default and Advanced Trade's other configurations are refused; the Exchange
// refuses a client_oid an open order already carries (Coinbase documents nothing there); ids are
// UUIDs derived from the engine's ids.
//
// Thread contract: not thread-safe; the dialect calls it on the sim's io thread only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/http_server.h"
#include "sim/common/stream_sim.h"

namespace tradingd::sim::coinbase {

// The sandbox Exchange account's credentials (the dialect's defaults, shared with its
// authenticated level2): a base64 secret of 64 bytes as Coinbase hands them out, a passphrase of
// the user's choosing. The key keeps the name the level2 tests have always used (Coinbase's own
// keys are 32 hex digits; nothing checks the format). Published here on purpose: they are worth
// nothing outside the sandbox venue on loopback.
inline constexpr std::string_view kSandboxExchangeApiKey = "sandbox-api-key";
inline constexpr std::string_view kSandboxExchangeApiSecret =
    "c/sE1a50N+Zn/gsxqMqRbvoS+iACY5f/5Q8rgQifTSk0E62bc97sRYWX9I5w7iHVyFU4omrZHHVsvGs2hGk4zg==";
inline constexpr std::string_view kSandboxExchangePassphrase = "sandbox-passphrase";
// The sandbox CDP key's name ("organizations/{org_id}/apiKeys/{key_id}"); its EC private key is
// generated when the dialect is made (sandbox_keys() hands it out as api_secret).
inline constexpr std::string_view kSandboxAdvancedKeyName =
    "organizations/9bdf270a-ba08-50a3-881a-50ac2dd0a8b5/apiKeys/"
    "bd9f56b4-4311-59a8-a685-c3395b998a0a";

// A lazy-fill token bucket: `per_second` tokens a second up to `burst`.
struct CoinbaseRateLimit {
  int per_second = 15;
  int burst = 30;
};

struct CoinbaseOrderEntryOptions {
  bool enabled = true;
  // Parts per million (1000 = 0.1 %).
  std::int64_t exchange_maker_fee_ppm = 4000;
  std::int64_t exchange_taker_fee_ppm = 6000;
  std::int64_t advanced_maker_fee_ppm = 6000;
  std::int64_t advanced_taker_fee_ppm = 12000;
  CoinbaseRateLimit exchange_private{15, 30};
  CoinbaseRateLimit exchange_fills{10, 20};
  CoinbaseRateLimit advanced_private{30, 30};
  std::string advanced_key_name{kSandboxAdvancedKeyName};
  // EC P-256 PEM; empty: a fresh key is generated (gateways::coinbase::GenerateTestPrivateKeyPem).
  std::string advanced_private_key_pem;
  // The host the JWT's uri claim must name.
  std::string advanced_host = "api.coinbase.com";
};

// The Exchange credentials (the dialect's, shared with its authenticated level2).
struct CoinbaseExchangeCredentials {
  std::string api_key;
  std::string api_secret;  // base64
  std::string passphrase;
};

class CoinbaseOrderEntry {
 public:
  // Throws std::invalid_argument when the secret is not base64 or the PEM is not an EC P-256 key.
  CoinbaseOrderEntry(bool advanced, CoinbaseExchangeCredentials exchange,
                     std::chrono::seconds max_timestamp_skew, CoinbaseOrderEntryOptions options);
  ~CoinbaseOrderEntry();
  CoinbaseOrderEntry(const CoinbaseOrderEntry&) = delete;
  CoinbaseOrderEntry& operator=(const CoinbaseOrderEntry&) = delete;

  // What StreamSim's engine is made with; nullopt when disabled.
  std::optional<StreamOrderEntry> Entry() const;
  // The API's private paths (any method).
  bool IsOrderEntry(const net::ServerRequest& request) const;
  net::ServerResponse Handle(const net::ServerRequest& request, StreamOrders& orders);
  // 429 in the API's shape (Coinbase has no ban beyond it).
  net::ServerResponse RateLimited() const;
  // 500 in the API's shape.
  net::ServerResponse ServerError() const;

  bool advanced() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Coinbase's id of an engine order (a UUID) and back; nullopt for text that is no sandbox id.
std::string CoinbaseOrderUuid(std::uint64_t order_id);
std::optional<std::uint64_t> ParseCoinbaseOrderUuid(std::string_view text);

}  // namespace tradingd::sim::coinbase
