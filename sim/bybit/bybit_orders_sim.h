#pragma once
// Bybit v5 spot order entry in the sandbox venue: the signed REST endpoints of a Unified Trading
// Account over StreamSim's MatchingEngine (sim/common/stream_sim.h), so that the daemon's gateway
// (gateways/bybit/) talks to it as to api.bybit.com. The spot dialect (bybit_sim.h) hands its
// order-entry hooks here; a linear sim takes no orders.
//
//   POST /v5/order/create   category=spot, symbol, side Buy|Sell, orderType Market|Limit, qty,
//                           price (Limit), timeInForce GTC|IOC|FOK|PostOnly (Market: always IOC),
//                           orderLinkId (<= 36 of [A-Za-z0-9_-], unique), isLeverage 0, marketUnit
//                           baseCoin|quoteCoin (a Market Buy is by value, quoteCoin, unless told
//                           otherwise; a Market Sell by quantity)
//   POST /v5/order/cancel   orderId or orderLinkId (orderId first when both are sent)
//   GET  /v5/order/realtime open orders, and the account's 500 most recent closed ones (found by
//                           orderId / orderLinkId whatever their status; openOnly=1 lists them)
//   GET  /v5/order/history  every order of the last 7 days (startTime/endTime), orderStatus
//   GET  /v5/execution/list the account's executions, newest first (orderId, orderLinkId, symbol,
//                           startTime/endTime within 7 days, limit 1..100)
//   GET  /v5/account/wallet-balance  accountType=UNIFIED (coin=A,B optional)
//
// Docs (bybit-exchange.github.io/docs/v5, read from github.com/bybit-exchange/docs): guide
// (authentication), order/create-order, order/cancel-order, order/open-order, order/order-list,
// order/execution, account/wallet-balance, enum (orderStatus, rejectReason, cancelType, "Spot Fee
// Currency Instruction"), rate-limit, error (the fixture docs_examples/bybit_v5_error_codes.json).
//
// Authentication (v5/guide): X-BAPI-API-KEY, X-BAPI-TIMESTAMP (ms), X-BAPI-RECV-WINDOW (optional,
// 5000 by default) and X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + key + recv_window +
// payload), payload being the query string as sent (GET) or the raw JSON body (POST), checked with
// gateways::bybit::Signer::Verify. Refusals, all HTTP 200 with Bybit's envelope: an unknown or
// missing key is 10003 "API key is invalid."; a timestamp outside
//   server_time - recv_window <= timestamp < server_time + 1000
// is 10002 "invalid request, please check your server timestamp or recv_window param.
// req_timestamp[..],server_timestamp[..],recv_window[..]" (the text Bybit answers, as quoted in
// sieblyio/bybit-api#232); a wrong signature is 10004 "Error sign, please check your signature
// generation algorithm: origin_string[..]" (error.mdx's text, with the origin string Bybit appends,
// sieblyio/bybit-api#537).
//
// Refusals of orders (error.mdx "Spot Trade" unless said): 170121 "Invalid symbol.", 170117
// "Invalid side.", 170116 "Invalid orderType.", 170115 "Invalid timeInForce.", 170105 "Parameter
// '<name>' was empty.", 170130 "Data sent for paramter '<name>' is not valid." (Bybit's spelling),
// 170137 "Order volume decimal too long" (qty not a multiple of basePrecision), 170148 "Market
// order amount decimal too long" (a quoteCoin qty finer than quotePrecision), 170134 "Order price
// decimal too long." (not a multiple of tickSize), 170133 "Order price lower than the minimum.",
// 170136 "Order quantity lower than the minimum.", 170381 "Order quantity too large."
// (maxLimitOrderQty), 170382 "Order quantity too large." (maxMarketOrderQty), 170124 "Order amount
// too large." (maxOrderAmt), 170140 "Order value exceeded lower limit" (minOrderAmt), 170131
// "Insufficient balance." (the text Bybit answers, bybit-exchange/pybit#313; error.mdx says
// "Balance insufficient"), 170141 "Duplicate clientOrderId", 170213 "Order does not exist."
// (cancel of an unknown or finished order), 170355 (RPI), 170036 (isLeverage=1: no margin in the
// sandbox), 170227 "This feature is not supported." (TP/SL and conditional orders: the sandbox has
// no native stops), 170201 "Invalid orderFilter parameter", 170210 "New order rejected." (a closed
// market in replay mode, an empty book), 10001 "Request parameter error." (a body that is not a
// JSON object, a field of the wrong JSON type, a bad limit/openOnly/time range, an accountType
// other than UNIFIED, a cancel without orderId or orderLinkId), 10001 "Illegal category" (no
// category, or one Bybit does not have; the text the public sim answers). Queries of linear,
// inverse or option answer empty lists; orders in them get 10001 "Illegal category" (the sandbox
// trades spot only). A wrong method is HTTP 404. Which of these texts Bybit gives when several
// checks fail at once, and its exact words for a missing header or a malformed recv_window, are not
// documented: the sim checks the key, the timestamp, the signature, the rate limit, then the fields
// in the order listed in create-order.
//
// Behaviour (MatchingEngine policies): fees 0.1 % maker and taker (Bybit's non-VIP spot rates),
// charged in the asset received (enum "Spot Fee Currency Instruction" with a positive rate: a Buy
// pays in the base coin, a Sell in the quote coin); a PostOnly order that would take is accepted
// and then Cancelled with rejectReason EC_PostOnlyWillTakeLiquidity (create-order: "it will be
// cancelled"; order-list's example); a FOK that cannot fill is accepted and Cancelled
// (EC_CancelForNoFullFill). Statuses: New, PartiallyFilled, Filled, Cancelled (ended with no fill),
// PartiallyFilledCanceled (ended after fills; "Only spot has this order status").
//
// Rate limits (v5/rate-limit, UTA 2.0 spot, per UID and endpoint over a rolling second): create 20,
// cancel 20, realtime 50, history 50, execution/list 50, wallet-balance 50 (BybitRateLimitOptions).
// Every authenticated answer carries X-Bapi-Limit, X-Bapi-Limit-Status (what is left) and
// X-Bapi-Limit-Reset-Timestamp (now, or when the window frees a slot once exceeded); over the
// limit: HTTP 200 retCode 10006 "Too many visits!" (rate-limit: "If you receive "retCode": 10006,
// "retMsg": "Too many visits!" in the JSON response"; HTTP 200 as bybit-exchange/pybit#340 shows).
// Injected faults (VenueSim::InjectOrderFault): kRateLimited answers the same 10006 with its
// Retry-After, and so does every order-entry request until it has passed (Bybit's API limit has no
// ban; its IP ban, 403 "access too frequent", is not modelled); kServerError / kAcceptThenFail
// answer HTTP 500 with retCode 10016 "Server error." (error.mdx), a code the daemon treats as
// "execution unknown".
//
// What differs from Bybit, on purpose or for want of it: one sandbox account; orderId is a decimal
// counter and execId the engine's trade id offset into Bybit's 19-digit range; no margin, TP/SL,
// conditional, OCO, RPI or batch orders; no slippage tolerance (accepted and ignored); the IP limit
// (600 requests per 5 s) is not enforced; the order-history delay ("the data returned from this
// endpoint may delay") is none; usdValue counts USDT and USDC at par and other coins at their
// <coin>USDT last trade price (the book's mid before the first trade).
//
// Thread contract: not thread-safe; everything runs on the sim's io thread (StreamSim's contract).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "net/http_server.h"
#include "sim/common/matching_engine.h"
#include "sim/common/stream_sim.h"

namespace tradingd::sim::bybit {

// The sandbox account's credentials, in the shape of a Bybit system-generated HMAC key (18
// alphanumerics) and secret (36). Published here on purpose: they are worth nothing outside a
// sandbox venue on loopback.
inline constexpr std::string_view kSandboxApiKey = "tdSbxBybitSpotKey1";
inline constexpr std::string_view kSandboxApiSecret = "tdSandboxBybitSpotSecretq7Lm2Xv9Rk4W";

// Requests per rolling second and endpoint (v5/rate-limit, UTA 2.0 Pro, spot). Tests set small
// ones. 0 or less: no limit.
struct BybitRateLimitOptions {
  int create_per_second = 20;
  int cancel_per_second = 20;
  int realtime_per_second = 50;
  int history_per_second = 50;
  int execution_per_second = 50;
  int wallet_balance_per_second = 50;
};

struct BybitOrderEntryOptions {
  std::string api_key{kSandboxApiKey};
  std::string api_secret{kSandboxApiSecret};
  // Parts per million of the fee basis (1000 = 0.1 %).
  std::int64_t maker_fee_ppm = 1000;
  std::int64_t taker_fee_ppm = 1000;
  BybitRateLimitOptions limits;
};

// What StreamSim's engine is configured with: the keys, the fees, the asset-received fee rule, and
// FOK and PostOnly orders that are accepted, then cancelled.
StreamOrderEntry BybitStreamOrderEntry(const BybitOrderEntryOptions& options);

class BybitOrderEntry {
 public:
  explicit BybitOrderEntry(BybitOrderEntryOptions options);
  ~BybitOrderEntry();
  BybitOrderEntry(const BybitOrderEntry&) = delete;
  BybitOrderEntry& operator=(const BybitOrderEntry&) = delete;

  // Whether `path` is one of the endpoints above (any method).
  static bool Handles(std::string_view path);

  struct Params;  // a request's parameters (bybit_orders_sim.cc)

  // One request: authentication, the rate limit, the endpoint.
  net::ServerResponse Handle(const net::ServerRequest& request, StreamOrders& orders);
  // Every engine event (StreamDialect::OnOrderEvent): keeps the recent closed orders.
  void OnOrderEvent(const OrderEvent& event);

  // 10006 "Too many visits!", with the limit headers of `request`'s endpoint, resetting at
  // now + retry_after.
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& request, std::int64_t now_ms,
                                        std::chrono::seconds retry_after) const;
  // HTTP 500 with retCode 10016 "Server error.".
  net::ServerResponse ServerErrorAnswer(std::int64_t now_ms) const;

 private:
  enum class Endpoint : std::uint8_t;
  struct Extras;
  class Window;

  net::ServerResponse Create(const Params& params, StreamOrders& orders, std::int64_t now_ms);
  net::ServerResponse Cancel(const Params& params, StreamOrders& orders, std::int64_t now_ms);
  net::ServerResponse ListOrders(const Params& params, StreamOrders& orders, std::int64_t now_ms,
                                 bool history);
  net::ServerResponse Executions(const Params& params, StreamOrders& orders, std::int64_t now_ms);
  net::ServerResponse WalletBalance(const Params& params, StreamOrders& orders,
                                    std::int64_t now_ms);

  int LimitOf(Endpoint endpoint) const;
  // Whether an order still shows in /v5/order/realtime (open, or among the recent closed ones).
  bool InRealtime(const Order& order) const;
  const Extras* ExtrasOf(std::uint64_t order_id) const;
  void WriteOrder(std::string& out, const Order& order) const;

  BybitOrderEntryOptions options_;
  struct State;  // the account's signer (keyed once) and the JSON parser, reused
  std::unique_ptr<State> state_;
  std::unordered_map<int, std::unique_ptr<Window>> windows_;           // by Endpoint
  std::unordered_map<std::uint64_t, std::unique_ptr<Extras>> extras_;  // by order id
  // The account's most recently closed orders, oldest first (realtime keeps 500).
  std::deque<std::uint64_t> closed_;
  std::unordered_set<std::uint64_t> closed_set_;
};

}  // namespace tradingd::sim::bybit
