#pragma once
// Kraken spot order entry as the venue documents it (docs.kraken.com, "Spot REST"), without
// sockets: the form bodies of POST /0/private/AddOrder, CancelOrder, QueryOrders, OpenOrders,
// ClosedOrders, QueryTrades and BalanceEx, and the parsing of their answers into core events.
// KrakenGateway (kraken_gateway.h) signs and sends what this builds; the tests feed it Kraken's
// documentation examples and hostile bodies.
//
// Every answer is the envelope {"error":[...],"result":{...}}, with HTTP 200 even for most errors
// (https://docs.kraken.com/api/docs/guides/spot-rest-intro, "Requests, Responses and Errors").
// An error string reads "<severity><category>:<message>[:<extra>]" ("EOrder:Insufficient funds");
// severity W is a warning that comes with a result.
//
// Mapping (https://docs.kraken.com/api-reference/trading/add-order):
//   MARKET            ordertype=market
//   LIMIT             ordertype=limit&price=P&timeinforce=GTC|IOC (FOK is sent as written: Kraken
//                     spot offers GTC, IOC and GTD only and refuses it; see the report)
//   post_only         oflags=post (with the limit's timeinforce)
//   STOP_LOSS         ordertype=stop-loss&price=<trigger>&trigger=last
//   TAKE_PROFIT       ordertype=take-profit&price=<trigger>&trigger=last
//   STOP_LOSS_LIMIT   ordertype=stop-loss-limit&price=<trigger>&price2=<limit>&trigger=last
//   TAKE_PROFIT_LIMIT ordertype=take-profit-limit&price=<trigger>&price2=<limit>&trigger=last
// Every order also carries cl_ord_id (our 32 lower-case hex id is Kraken's "short UUID" form) and
// oflags=fciq, so that its fee is charged in the quote currency, as QueryTrades reports it ("fee:
// total fee (quote currency)").
//
// The pair is the REST altname ("XBTUSD"): the instrument's venue symbol is the WS v2 spelling
// "BTC/USD", whose assets are written back in Kraken's own names (BTC → XBT, DOGE → XDG) and
// joined; AssetPairs' altname is its wsname without the '/' for every listed pair.
//
// Order status (QueryOrders "status"): pending → NEW, open → NEW (PARTIALLY_FILLED once vol_exec
// is positive), closed → FILLED (EXPIRED when vol_exec is below vol: the remainder of an IOC),
// canceled → CANCELED, expired → EXPIRED.
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

namespace tradingd::gateways::kraken {

// QueryTrades takes at most 20 trade ids per call.
inline constexpr std::size_t kMaxTradesPerQuery = 20;

// ---- names ----

// The canonical name of a Kraken asset: the legacy X/Z-prefixed names of the old assets lose
// their prefix ("XXBT" → "BTC", "ZUSD" → "USD", "XXDG" → "DOGE"), Kraken's aliases resolve
// (core::CanonicalAsset: "XBT" → "BTC") and a balance extension stays ("XBT.F" → "BTC.F", "USDT.B"
// → "USDT.B": Kraken calls those balances read-only, distinct from the asset itself). Other names
// are upper-cased and kept: a 4-letter name that merely starts with X or Z ("ZETA") is not legacy.
std::string CanonicalKrakenAsset(std::string_view asset);
// Kraken's own name for a canonical asset, as AssetPairs' wsname and altname write it: "BTC" →
// "XBT", "DOGE" → "XDG", others unchanged.
std::string KrakenAssetName(std::string_view canonical);
// The REST pair (AssetPairs' altname) of an instrument: "BTC/USD" → "XBTUSD". A venue symbol
// without '/' is taken to be the REST name already.
std::string RestPair(const core::Instrument& instrument);

// ---- request bodies (form-encoded, without the nonce the gateway puts first) ----

std::string AddOrderParams(const core::OrderSpec& spec, const core::Instrument& instrument);
// txid when the venue's id is known, else cl_ord_id.
std::string CancelOrderParams(const core::OrderRef& ref);
// QueryOrders: txid=<venue id>&trades=true.
std::string QueryOrdersParams(const core::OrderRef& ref);
// OpenOrders and ClosedOrders filtered by our id: cl_ord_id=<id>&trades=true.
std::string OrdersByClientIdParams(const core::OrderRef& ref);
// QueryTrades: txid=<id>,<id>,... (the comma percent-encoded) for at most kMaxTradesPerQuery ids.
std::string QueryTradesParams(const std::vector<std::string>& trade_ids);

// ---- the envelope and its errors ----

// What an error string says about the request it answers.
enum class ErrorClass : std::uint8_t {
  kRejected,          // a definitive refusal: nothing happened
  kExecutionUnknown,  // EService:Unavailable / Busy / Deadline elapsed, EGeneral:Internal error:
                      // the order may or may not have been placed
  kKeyRefused,        // EAPI:Invalid key, EAPI:Invalid signature, EGeneral:Permission denied
  kApiRateLimit,      // EAPI:Rate limit exceeded (the REST call counter)
  kOrderRateLimit,    // EOrder:Rate limit exceeded (the matching engine's trading counter)
  kLockout,           // EGeneral:Temporary lockout
  kUnknownOrder,      // EOrder:Unknown order, EOrder:Invalid order
};
ErrorClass ClassifyError(std::string_view error);

struct Envelope {
  // The E-severity errors, in order (warnings are not kept). Empty: the request succeeded.
  std::vector<std::string> errors;
  bool has_result = false;
};
// Reads the envelope: "error" must be an array of strings (absent counts as empty), "result"
// anything. Fails on anything else.
core::Status ParseEnvelope(std::string_view body, Envelope* envelope);
// The category of an error ("EOrder" of "EOrder:Insufficient funds"), at most 23 bytes.
std::string_view ErrorCategory(std::string_view error);

// ---- answers ----

// AddOrder: result {"descr":{...},"txid":["OUF4EM-FRGI2-MQMWZD"]}. Kraken's order ids are kept as
// text: 1 to 47 characters of [A-Za-z0-9-].
core::Status ParseAddOrder(std::string_view body, std::string* txid);

// CancelOrder: result {"count":1,"pending":false}.
struct CancelResult {
  std::int64_t count = 0;
  bool pending = false;
};
core::Status ParseCancelOrder(std::string_view body, CancelResult* result);

// Which answer an order list is.
enum class OrderList : std::uint8_t {
  kByTxid,  // QueryOrders: result {"<txid>":{order},...}
  kOpen,    // OpenOrders: result {"open":{"<txid>":{order},...}}
  kClosed,  // ClosedOrders: result {"closed":{"<txid>":{order},...},"count":n}
};
struct OrderLookup {
  bool found = false;
  std::vector<std::string> trade_ids;  // the order's "trades" (asked with trades=true)
};
// Finds `ref`'s order in an order list: by its venue id when known, else by cl_ord_id (an entry
// whose cl_ord_id differs is skipped; one without cl_ord_id stands for the filter Kraken applied,
// and two candidates are an error). Every entry must read, found or not. On success `update` gets
// status, venue id, vol_exec, cost and time (closetm, else opentm), `lookup` whether the order was
// there and its trade ids. With `list` kOpen or kClosed the result must be that list.
core::Status ParseOrders(std::string_view body, OrderList list, const core::OrderRef& ref,
                         const core::Instrument& instrument, core::OrderUpdate* update,
                         OrderLookup* lookup);

// QueryTrades: result {"<trade txid>":{"ordertxid","time","type","price","cost","fee","vol",
// "maker",...}}. Appends one Fill per trade, the trade txid as its id, the fee in the instrument's
// quote asset; `order_txid`, when not empty, must be every trade's ordertxid.
core::Status ParseTrades(std::string_view body, const core::Instrument& instrument,
                         std::string_view order_txid, std::vector<core::Fill>* fills);

// BalanceEx: result {"<asset>":{"balance","hold_trade"[,"credit","credit_used"]}}; free is
// balance + credit - credit_used - hold_trade, locked is hold_trade. Balance (result
// {"<asset>":"<amount>"}) is read too, with nothing locked. Kraken writes up to 10 decimals: they
// are truncated toward zero to kAmountScale (core/orders.h). A framed report (one empty entry for
// an empty account).
core::Status ParseBalances(std::string_view body, core::Venue venue, core::TimestampNs now,
                           std::vector<core::BalanceUpdate>* balances);

}  // namespace tradingd::gateways::kraken
