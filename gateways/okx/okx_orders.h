#pragma once
// OKX v5 spot order entry as the venue documents it (https://www.okx.com/docs-v5/en/), without
// sockets: the bodies and queries of POST /api/v5/trade/order, POST /api/v5/trade/cancel-order,
// GET /api/v5/trade/order, GET /api/v5/trade/fills and GET /api/v5/account/balance, and the
// parsing of their answers into core events. OkxOrderProtocol (okx_gateway.h) signs and sends
// what this builds; the tests feed it OKX's documentation examples and hostile bodies.
//
// Every answer is the envelope {"code":"0","msg":"","data":[...]} ("REST API" error codes: code
// "0" is success, "1" "Operation failed." with the reason in data[0].sCode / sMsg, any other code
// refuses the request as a whole, usually with data []). Codes are JSON strings.
//
// Order mapping ("POST / Place order", ordType and tgtCcy):
//   MARKET (GTC or IOC)      ordType=market, tgtCcy=base_ccy (sz is then the base quantity: a
//                            spot market buy is in quote by default), banAmend=true (refused
//                            rather than silently reduced to what the balance allows)
//   LIMIT GTC                ordType=limit, px
//   LIMIT IOC / FOK          ordType=ioc / fok, px
//   LIMIT post_only (GTC)    ordType=post_only, px
//   tdMode=cash (spot, no margin) and clOrdId (our 32 lower-case hex id: OKX takes "a combination
//   of case-sensitive alphanumerics ... of up to 32 characters") on every order.
// No exact OKX equivalent, so never sent as something else (UnsupportedReason): MARKET FOK,
// MARKET post_only, post_only IOC / FOK, and the four stop types (OKX's stops are separate algo
// orders; the engine holds them). For these PlaceOrderBody leaves ordType out, which OKX refuses
// definitively (50014 "Parameter ordType can not be empty") instead of trading.
//
// Order state ("GET / Order details", state): live → NEW, partially_filled → PARTIALLY_FILLED,
// filled → FILLED, canceled / mmp_canceled → CANCELED, except an ioc / fok / market order's
// remainder, which OKX also calls canceled → EXPIRED.
//
// Amounts (fees, balances) are read at kAmountScale; OKX writes up to 16 decimals, the digits
// beyond are truncated toward zero (core/orders.h). A fill's fee is OKX's sign reversed: OKX
// writes a charged fee negative ("-0.01") and a rebate positive; core::Fill::fee is what was
// charged.
//
// Thread contract: pure functions; safe from any thread.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "core/status.h"

namespace tradingd::gateways::okx {

inline constexpr std::string_view kPlaceOrderPath = "/api/v5/trade/order";
inline constexpr std::string_view kCancelOrderPath = "/api/v5/trade/cancel-order";
inline constexpr std::string_view kOrderDetailsPath = "/api/v5/trade/order";
inline constexpr std::string_view kFillsPath = "/api/v5/trade/fills";
inline constexpr std::string_view kBalancePath = "/api/v5/account/balance";
// "GET / Transaction details (last 3 days)": limit, "The maximum is 100".
inline constexpr int kMaxFillsPerRequest = 100;
// OKX's trading and account endpoints count their limits per 2 seconds ("Rate Limit: 60 requests
// per 2 seconds"); a 50011 / HTTP 429 answer says no Retry-After, so that is the wait.
inline constexpr std::int64_t kThrottleWindowMs = 2000;

// ---- requests ----

// Why `spec` has no exact OKX spot equivalent, or nullptr when it has one.
const char* UnsupportedReason(const core::OrderSpec& spec);
// The JSON body of POST /api/v5/trade/order (see the mapping above).
std::string PlaceOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument);
// {"instId":..,"ordId":..} when the venue's id is known, else {"instId":..,"clOrdId":..}.
std::string CancelOrderBody(const core::OrderRef& ref, const core::Instrument& instrument);
// The request path of GET /api/v5/trade/order: "/api/v5/trade/order?instId=..&ordId=.." (or
// clOrdId when the venue's id is not known yet). The query is part of what is signed.
std::string OrderDetailsPath(const core::OrderRef& ref, const core::Instrument& instrument);
// GET /api/v5/trade/fills?instType=SPOT&instId=..&ordId=..&limit=100 for an order whose venue id
// is known (the endpoint filters by ordId only).
std::string FillsPath(const core::OrderRef& ref, const core::Instrument& instrument);

// ---- answers ----

// The envelope and, for place and cancel, the acknowledgement in data[0].
struct Ack {
  std::string code;  // the envelope's code
  std::string msg;
  bool has_item = false;  // data[0] is an object
  std::string s_code;     // data[0].sCode ("" when absent)
  std::string s_msg;
  std::string sub_code;         // data[0].subCode ("" when absent)
  std::string ord_id;           // data[0].ordId ("" when absent)
  core::TimestampNs ts_ns = 0;  // data[0].ts (0 when absent)

  // code "0", data[0].sCode "0" and an order id: the venue took the request.
  bool accepted() const { return code == "0" && has_item && s_code == "0" && !ord_id.empty(); }
  // The code that says why not: data[0].sCode when it says one other than "0", else the
  // envelope's code.
  std::string_view refusal_code() const;
  std::string_view refusal_message() const;
  // As OKX's error table writes a code with its sub-code: "51008_1000", or the code alone.
  std::string VenueCode() const;
};
// Reads any OKX answer's envelope. With `expected_client_id` not empty, a data[0].clOrdId that is
// present, not empty and different is an error (the answer is about another order). Fails on
// anything that is not an envelope: code must be a string of digits, msg a string, data an
// array; sCode, sMsg, subCode, ordId, clOrdId and ts, when present, strings of their form.
core::Status ParseAck(std::string_view body, std::string_view expected_client_id, Ack* ack);

// GET /api/v5/trade/order with code "0": exactly one order in data. Fills `update` (status, the
// venue's id, accFillSz as the filled quantity, uTime as the venue time) and leaves it untouched
// on failure. The order must be of `instrument` (instId) and, when it names one, of
// `client_order_id` (clOrdId).
core::Status ParseOrderDetails(std::string_view body, const core::Instrument& instrument,
                               const core::ClientOrderId& client_order_id,
                               core::OrderUpdate* update);

// GET /api/v5/trade/fills with code "0": appends one Fill per entry (tradeId, fillPx, fillSz,
// side, the fee with its sign turned into "charged", feeCcy canonical, execType M as maker,
// fillTime); all or nothing. With `venue_order_id` not empty every entry must be that order's.
core::Status ParseFills(std::string_view body, const core::Instrument& instrument,
                        std::string_view venue_order_id, std::vector<core::Fill>* fills);

// GET /api/v5/account/balance with code "0": data[0].details[] as a framed report, free =
// availBal, locked = frozenBal (one empty entry framed both ways for an empty account); all or
// nothing.
core::Status ParseBalances(std::string_view body, core::Venue venue, core::TimestampNs now,
                           std::vector<core::BalanceUpdate>* balances);

// ---- what a code says ----

// OKX says the request's fate is unknown: 50004 "API endpoint request timeout. (does not mean
// that the request was successful or failed, please check the request result)", 51149 "Order
// timed out ... (does not mean that the request was successful or failed ...)"; and the answers
// of an overloaded or failing backend that do not say they refused: 50001 (503 "Service
// temporarily unavailable"), 50013 (429 "Systems are busy"), 50026 (500 "System error"), 51054
// (500 "Request timed out").
bool IsExecutionUnknown(std::string_view code);
// The key, its passphrase or the signature refused: 50100 API frozen, 50101 key of the other
// environment (live / demo), 50103-50106 a missing or wrong key, passphrase or sign header,
// 50108 / 50109 the key's exchange (broker) unknown, 50110 IP not on the key's allowlist, 50111
// invalid key, 50113 invalid signature, 50114 invalid authorization, 50119 key does not exist,
// 50120 key without the permission: every HTTP 401 of the "API Class" but the timestamp's
// (50102 / 50107 / 50112 are a clock problem, not the key's), and the key's own 50100 / 50119 /
// 50120.
bool IsKeyRefusal(std::string_view code);
// Rate limited: 50011 "Rate limit reached", 50061 "You've reached the maximum order rate limit
// for this account", 50013 "Systems are busy" (HTTP 429).
bool IsThrottled(std::string_view code);
// 51603 "Order does not exist." (GET / Order details).
inline bool IsOrderNotFound(std::string_view code) { return code == "51603"; }

}  // namespace tradingd::gateways::okx
