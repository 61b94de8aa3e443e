#pragma once
// Kraken spot order entry in the sandbox venue: the private REST endpoints of Kraken's "Spot REST"
// API over StreamSim's MatchingEngine (sim/common/stream_sim.h), so that the daemon's Kraken
// gateway (gateways/kraken/) talks to it exactly as to api.kraken.com. The contract is Kraken's
// own OpenAPI description (github.com/krakenfx/api-specs, spot-rest/) and the guides on
// docs.kraken.com/api/docs/guides/ (spot-rest-auth, spot-errors, spot-rest-ratelimits,
// spot-ratelimits, spot-clordid).
//
//   POST /0/private/AddOrder      pair (pair id "XXBTZUSD", altname "XBTUSD"; also the wsname
//                                 "XBT/USD" and the v2 name "BTC/USD"), type buy|sell, ordertype
//                                 market|limit|stop-loss|take-profit|stop-loss-limit|
//                                 take-profit-limit (price = trigger, price2 = limit; NATIVE stops
//                                 on the last trade price, trigger=last), volume (base; with
//                                 oflags=viqc a buy market order's volume is quote), price,
//                                 price2, timeinforce GTC|IOC, oflags post,fcib,fciq,nompp,viqc,
//                                 cl_ord_id (long UUID, short UUID or free ASCII text up to 18
//                                 characters) or userref (int32), validate, reduce_only, stptype,
//                                 deadline → {"descr":{"order":"buy 1.25000000 XBTUSD @ limit
//                                 27500.0"},"txid":["OUF4EM-FRGI2-MQMWZD"]} (validate: descr only)
//   POST /0/private/CancelOrder   txid (a txid, or a userref: every open order carrying it) or
//                                 cl_ord_id → {"count":1,"pending":false}
//   POST /0/private/CancelAll     → {"count":n,"pending":false}
//   POST /0/private/QueryOrders   txid (comma list, up to 50), trades, userref →
//                                 {"<txid>":{order},...}
//   POST /0/private/OpenOrders    trades, userref, cl_ord_id → {"open":{"<txid>":{order},...}}
//   POST /0/private/ClosedOrders  trades, userref, cl_ord_id, start, end, ofs, closetime,
//                                 without_count → {"closed":{...},"count":n} (50 a page, newest
//                                 first)
//   POST /0/private/QueryTrades   txid (comma list, up to 20) → {"<trade txid>":{trade},...}
//   POST /0/private/TradesHistory start, end, ofs → {"trades":{...},"count":n}
//   POST /0/private/Balance       → {"XXBT":"10.0000000000","ZUSD":"100000.0000",...}
//   POST /0/private/BalanceEx     → {"XXBT":{"balance":"..","hold_trade":".."},...}
//
// Authentication (spot-rest-auth): the API-Key header (absent or not the sandbox key:
// "EAPI:Invalid key"), the body's `nonce` (absent or not an unsigned 64-bit integer, or not above
// the key's highest nonce less its nonce window, or used before: "EAPI:Invalid nonce"), and
// API-Sign = base64(HMAC-SHA512(base64decode(secret), path ‖ SHA256(nonce ‖ body))), checked with
// gateways::kraken::Signer ("EAPI:Invalid signature"). A nonce counts only once the signature is
// good. Every answer is Kraken's envelope {"error":[...],"result":{...}} with HTTP 200, errors
// included, as Kraken answers them.
//
// Engine policies: fees in the quote currency (kraken.com/features/fee-schedule: "calculated as a
// percentage of the quote currency volume of the trade (by default)"), at the Starter tier's
// 0.16 % maker / 0.26 % taker (the spec's TradeVolume example: maxfee 0.2600, fees_maker maxfee
// 0.1600); a post-only order that would take is accepted and at once canceled with reason "Post
// only order" (PostOnlyPolicy::kExpire), as Kraken does; FOK does not exist on Kraken spot
// (timeinforce GTC|IOC|GTD): "EGeneral:Invalid arguments:timeinforce"; a stop whose trigger
// already holds triggers at once (Kraken refuses nothing for it).
//
// Status names: NEW and PARTIALLY_FILLED are "open" (a waiting stop too), FILLED "closed",
// CANCELED "canceled" (reason "User requested"), EXPIRED "canceled" (reason "Post only order" for
// a post-only that would have taken; null for an IOC's or a market order's unfilled rest),
// REJECTED (a triggered stop the account could not pay) "canceled" (reason "Insufficient funds").
//
// Refusals, each a Kraken error string (sources: spot-errors; live refusals quoted in public
// client code where the guide is silent, marked "live"):
//   EAPI:Invalid key / Invalid signature / Invalid nonce                  authentication
//   EAPI:Rate limit exceeded      the per-key REST counter (max 15, decay 0.33/s; TradesHistory
//                                 costs 2, AddOrder/CancelOrder/CancelAll nothing)
//   EOrder:Rate limit exceeded    the per-pair trading counter (max 60, decay 1/s; AddOrder +1
//                                 on receipt, also when it fails validation; a cancel +8/+6/+5/
//                                 +4/+2/+1 for an order younger than 5/10/15/45/90/300 s)
//   EOrder:Orders limit exceeded  60 open orders on the pair
//   EQuery:Unknown asset pair     AddOrder's pair
//   EGeneral:Invalid arguments[:field]  a missing, malformed or unsupported parameter, named
//                                 after the colon: :pair, :type, :ordertype, :volume, :price,
//                                 :price2, :timeinforce (live for FOK), :oflags, :trigger,
//                                 :cl_ord_id (live for a bad format), :userref, :leverage,
//                                 :starttm, :expiretm, ...; bare for CancelOrder without (or with
//                                 both) txid and cl_ord_id, QueryOrders without txid, AddOrder
//                                 with both cl_ord_id and userref, and QueryTrades of a trade
//                                 the account does not have
//   EGeneral:Invalid arguments:cl_ord_id not unique   an open order has it (live)
//   EGeneral:Invalid arguments:volume minimum not met below the pair's ordermin (live; the guide
//                                 lists "EOrder:Order minimum not met")
//   EGeneral:Invalid arguments:Index unavailable      trigger=index (the sandbox has no index)
//   EOrder:Cost minimum not met   below the pair's costmin
//   EOrder:Tick size check failed a price or trigger not a multiple of tick_size
//   EOrder:Insufficient funds     the engine's balance check
//   EOrder:Reduce only:No position exists             reduce_only=true (spot has no position)
//   EOrder:Insufficient liquidity a market order into an empty book side (unverified wording)
//   EService:Market in cancel_only mode               replay mode (the engine's closed symbols)
//   EOrder:Unknown order          cancel of an unknown or finished order (live: also for a filled
//                                 one)
//   EOrder:Invalid order          QueryOrders of a txid the account does not have
//
// Limits: the two counters above, both with the Starter tier's numbers and configurable; a
// refused call still counts (the counter stays at its maximum), so continuing while limited keeps
// the client limited, as the guide warns. Kraken sends no Retry-After.
//
// Faults (StreamSim): RateLimitedAnswer is "EOrder:Rate limit exceeded" for AddOrder, CancelOrder
// and CancelAll and "EAPI:Rate limit exceeded" for the others, HTTP 200; ServerErrorAnswer is
// HTTP 503 {"error":["EService:Unavailable"]} ("The matching engine or API is offline").
//
// Numbers: volumes at the pair's lot_decimals, prices at its pair_decimals, costs and fees at its
// cost_decimals and balances at the asset's decimals (XXBT, XETH 10; ZUSD, ZEUR 4; others 8),
// extended up to 8 decimals when the engine's exact amount needs them (Kraken rounds there; the
// sandbox keeps every account movement exact). Times are Unix seconds with 4 decimals.
//
// What differs from Kraken: one sandbox account; iceberg, trailing-stop*, settle-position,
// conditional close, GTD, starttm, leverage and relative prices (+, -, #, %) are refused as
// invalid arguments; fcib is accepted but fees stay in the quote currency (QueryTrades' fee is
// "total fee (quote currency)" either way); no "pending" status, no temporary lockout after
// repeated invalid keys, no userref on TradesHistory; the trade ids are the engine's; the REST
// counter is per key and the trading counter per pair of that key, in continuous decay.
//
// Thread contract: not thread-safe; called by the Kraken dialect on the sim's io thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gateways/kraken/kraken_signing.h"
#include "net/http_server.h"
#include "sim/common/stream_sim.h"
#include "sim/kraken/kraken_wire.h"

namespace tradingd::sim::kraken {

// The sandbox account's credentials, in Kraken's formats: a 56-character public key and the
// base64 of a 64-byte private key. Published here on purpose: they are worth nothing outside the
// sandbox venue on loopback.
inline constexpr std::string_view kSandboxApiKey =
    "dHJhZGluZ2Qgc2FuZGJveCBLcmFrZW4gc3BvdCBBUEkga2V5LCBsb29w";
inline constexpr std::string_view kSandboxApiSecret =
    "dHJhZGluZ2Qgc2FuZGJveCBLcmFrZW4gc3BvdCBzZWNyZXQgLSB3b3J0aGxlc3Mgb3V0c2lkZSBsb29wYmFjaw==";

// Kraken's counters, in thousandths of a unit (Starter tier by default). Tests set small ones.
struct KrakenRateLimitOptions {
  bool enabled = true;
  // The REST call counter, per API key (spot-rest-ratelimits).
  std::int64_t api_counter_max_milli = 15'000;  // 15
  std::int64_t api_decay_milli_per_s = 330;     // 0.33/s
  // The matching engine's trading counter, per pair (spot-ratelimits).
  std::int64_t trading_counter_max_milli = 60'000;  // 60
  std::int64_t trading_decay_milli_per_s = 1'000;   // 1/s
};

struct KrakenOrderEntryOptions {
  std::string api_key{kSandboxApiKey};
  std::string api_secret{kSandboxApiSecret};
  // Parts per million of the quote amount (1600 = 0.16 %).
  std::int64_t maker_fee_ppm = 1600;
  std::int64_t taker_fee_ppm = 2600;
  // The key's nonce window (a key setting at Kraken, in nonce units; 0 = strictly increasing).
  // The sandbox key has the 10 s window Kraken's support article recommends for millisecond
  // nonces, so that a client with two connections (the daemon's gateway) is not refused when a
  // request overtakes another; a nonce is never accepted twice.
  std::uint64_t nonce_window = 10'000;
  // Open orders a pair may hold (EOrder:Orders limit exceeded), Starter tier.
  std::size_t max_open_orders_per_pair = 60;
  KrakenRateLimitOptions limits;
};

// The dialect's order entry: everything above but the engine, which StreamSim owns.
class KrakenOrderEntry {
 public:
  // `pairs`: AssetPairs' names and minimums of the dialect's symbols (unlisted symbols get
  // derived ones, as AssetPairs does).
  KrakenOrderEntry(KrakenOrderEntryOptions options, std::vector<KrakenPairInfo> pairs);
  KrakenOrderEntry(const KrakenOrderEntry&) = delete;
  KrakenOrderEntry& operator=(const KrakenOrderEntry&) = delete;

  // The engine's knobs and the sandbox keys, for StreamDialect::order_entry().
  StreamOrderEntry Config() const;
  // POST to one of the endpoints above.
  static bool Handles(const net::ServerRequest& request);
  // Authenticates, limits and answers one request.
  net::ServerResponse Handle(const net::ServerRequest& request, StreamOrders& orders);
  // Kraken's throttling answer for `request` (HTTP 200, its counter's error).
  static net::ServerResponse RateLimited(const net::ServerRequest& request);
  // HTTP 503 {"error":["EService:Unavailable"]}.
  static net::ServerResponse ServerError();

  // Kraken's ids of the engine's orders and trades ("OUF4EM-FRGI2-MQMWZD", "THVRQM-33VKH-UCI7BS").
  static std::string OrderTxid(std::uint64_t order_id);
  static std::string TradeTxid(std::uint64_t trade_id);

 private:
  struct Request;
  // A symbol of the market with AssetPairs' names and decimals.
  struct Pair {
    const SymbolSpec* spec = nullptr;
    KrakenPairInfo info;
    KrakenPrecision precision;
  };
  // What an order was placed with that the engine does not keep.
  struct Extras {
    std::string pair_key;
    std::string ordertype;  // Kraken's name
    std::string oflags;     // as sent
    std::string cl_ord_id;  // empty: none sent
    std::int32_t userref = 0;
    bool has_userref = false;
    bool viqc = false;
    std::int64_t quote_volume = 0;  // viqc: the quote amount asked for
  };
  // A counter in thousandths of a unit, plus the fraction of one left by continuous decay (in
  // thousandths x 1e-9).
  struct Counter {
    std::int64_t milli = 0;
    std::int64_t remainder = 0;
    std::int64_t at_ns = 0;  // when it was last brought up to date (0: never)
  };

  const Pair* FindPair(std::string_view name, const StreamMarket& market);
  const Pair* PairOfSymbol(std::string_view symbol, const StreamMarket& market);
  std::string AssetName(std::string_view canonical, const StreamMarket& market);
  int AssetDecimals(std::string_view kraken_asset) const;
  // Adds `cost_milli` to the counter when it stays within `max_milli`; false (the counter left at
  // its maximum) when it would not.
  static bool Charge(Counter& counter, std::int64_t cost_milli, std::int64_t max_milli,
                     std::int64_t decay_per_s, std::int64_t now_ns);
  bool ChargeTrading(const std::string& symbol, std::int64_t cost_milli, std::int64_t now_ns);
  static std::int64_t CancelPenaltyMilli(std::int64_t age_ms);
  std::optional<std::uint64_t> OrderIdOf(std::string_view txid) const;
  const Extras& ExtrasOf(std::uint64_t order_id) const;

  std::string AddOrder(const Request& request, StreamOrders& orders);
  std::string CancelOrder(const Request& request, StreamOrders& orders);
  std::string CancelAll(StreamOrders& orders);
  std::string QueryOrders(const Request& request, StreamOrders& orders);
  std::string ListOrders(const Request& request, StreamOrders& orders, bool open);
  std::string QueryTrades(const Request& request, StreamOrders& orders);
  std::string TradesHistory(const Request& request, StreamOrders& orders);
  std::string Balances(StreamOrders& orders, bool extended);

  void WriteOrder(std::string& out, const Order& order, bool with_trades,
                  const StreamMarket& market);
  void WriteTrade(std::string& out, const Fill& fill, const StreamMarket& market);
  std::string Describe(const Pair& pair, OrderSide side, std::string_view ordertype,
                       std::int64_t volume, std::int64_t price, std::int64_t price2) const;

  KrakenOrderEntryOptions options_;
  std::vector<KrakenPairInfo> known_pairs_;
  std::vector<Pair> pairs_;  // by market symbol index, built on first use
  bool pairs_built_ = false;
  std::optional<gateways::kraken::Signer> signer_;
  std::uint64_t highest_nonce_ = 0;
  std::set<std::uint64_t> used_nonces_;  // within the window below the highest
  Counter api_counter_;
  std::map<std::string, Counter, std::less<>> trading_counters_;  // by symbol
  std::unordered_map<std::string, std::uint64_t> order_ids_;      // txid → order id
  std::unordered_map<std::uint64_t, Extras> extras_;              // by order id
};

}  // namespace tradingd::sim::kraken
