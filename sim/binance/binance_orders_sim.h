#pragma once
// Binance spot order entry in the sandbox venue: the signed REST endpoints of Binance's
// rest-api.md over a MatchingEngine (sim/common/matching_engine.h), so that the daemon's gateway
// (gateways/binance/) talks to it exactly as to api.binance.com.
//
//   POST   /api/v3/order        new order: MARKET (quantity or quoteOrderQty), LIMIT (timeInForce
//                               GTC/IOC/FOK), LIMIT_MAKER (post-only: refused with -2010 "Order
//                               would immediately match and take."), STOP_LOSS, STOP_LOSS_LIMIT,
//                               TAKE_PROFIT, TAKE_PROFIT_LIMIT (stopPrice); newClientOrderId
//                               (^[a-zA-Z0-9-_]{1,36}$, generated when absent), newOrderRespType
//                               ACK / RESULT / FULL (MARKET and LIMIT default to FULL, the others
//                               to ACK), selfTradePreventionMode, strategyId, strategyType
//   POST   /api/v3/order/test   the same validation, nothing placed: {} (computeCommissionRates)
//   DELETE /api/v3/order        orderId and/or origClientOrderId; cancelRestrictions
//   GET    /api/v3/order        orderId and/or origClientOrderId
//   GET    /api/v3/openOrders   symbol optional          DELETE /api/v3/openOrders  symbol
//   GET    /api/v3/myTrades     symbol; orderId, startTime, endTime, fromId, limit
//   GET    /api/v3/account      omitZeroBalances
//
// Parameters come from the query string and, except for GET, the x-www-form-urlencoded body; a
// name present in both takes the query string's value (rest-api.md), a name repeated within one of
// them is -1101. Security as rest-api.md "Request Security" says: the X-MBX-APIKEY header (absent
// or not 64 alphanumerics: 401 -2014; unknown: 401 -2015), `signature` = hex HMAC-SHA256 of
// totalParams = query ‖ body without the signature pair, checked with gateways::binance::Signer
// (-1022), `timestamp` in milliseconds or microseconds, `recvWindow` up to 60000 ms with up to
// three decimals (default 5000), and the timing rule
//   if (timestamp < serverTime + 1000 && serverTime - timestamp <= recvWindow) process
// whose two failures are -1021's two texts. Error texts are errors.md's (the fixture
// docs_examples/binance_spot_error_codes.json), with Binance's HTTP statuses: 400, 401 for key
// refusals, 429 / 418 for limits.
//
// Matching-engine refusals map onto Binance's codes: filters are -1013 "Filter failure: LOT_SIZE",
// "PRICE_FILTER", "NOTIONAL" (and MARKET_LOT_SIZE, MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS checked
// here from the filters exchangeInfo lists); the engine's -2010 texts are "Account has
// insufficient balance for requested action.", "Duplicate order sent.", "Order would immediately
// match and take.", "Order would trigger immediately." and, for a closed symbol (replay mode),
// "Market is closed."; cancels of unknown or finished orders are -2011 "Unknown order sent.",
// queries of unknown orders -2013 "Order does not exist.", and an orderId whose order carries
// another client order id than the origClientOrderId sent is -2039 "Client order ID is not
// correct for this order ID." (rest-api.md: both are checked when both are sent). Unknown
// parameters are -1104 "Not all sent parameters were read; ...", as Binance answers them.
//
// Limits (BinanceRestLimits): REQUEST_WEIGHT per minute for every /api request of the venue,
// market data included, with the weights of rest-api.md (order 1, cancel 1, query 4, openOrders
// 6 or 80 without symbol, cancel-all 1, myTrades 20 or 5 with orderId, account 20), reported in
// X-MBX-USED-WEIGHT-1M on every answer; over it: 429 -1003 with Retry-After (seconds to the end of
// the minute), and a request sent before that time is an IP ban: 418 -1003 with Retry-After for
// `ban` seconds. ORDERS (the unfilled order count) per 10 s and per day, counted for every new
// order that reaches the matching engine, reported in X-MBX-ORDER-COUNT-10S and -1D on new-order
// answers; over it: 429 -1015 with Retry-After. Windows are fixed, aligned on the clock's
// minutes, 10 seconds and UTC days, as Binance's are.
//
// Faults (VenueSim::InjectOrderFault, POST /_sim/order-fault), each for the next `count` requests
// to /api/v3/order (place, cancel, query; not /order/test, openOrders, myTrades or account):
// kRateLimited answers 429 -1015 (-1003 for a cancel or query) with Retry-After S, and any request
// sent before S has passed is 418 for the rest of S; kServerError answers 500 -1001 before
// anything is read; kAcceptThenFail processes the request, then answers 503 -1007 (Binance's
// "execution status unknown"); kAcceptThenTimeout processes it and never answers: the Respond is
// held until ReleaseHeld() (the venue's Stop).
//
// What differs from Binance, on purpose or for want of it: one sandbox account; iceberg, trailing
// and pegged orders are refused (-1014 "Unsupported order combination."); the unfilled order
// count is not decremented by fills (Binance's order_count_decrement FAQ); PERCENT_PRICE_BY_SIDE
// is not enforced; limits are the venue's, not per IP (every client is on loopback); the order
// and trade ids (orderId, tradeId, myTrades id) are the engine's, not the public stream's trade
// ids; query answers always carry stopPrice and icebergQty (as rest-api.md's example does).
//
// Thread contract: not thread-safe; everything runs on the sim's io thread (BinanceSim posts
// foreign calls there). The engine, the limits and the clock must outlive the order entry.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "gateways/binance/binance_signing.h"
#include "net/http_server.h"
#include "sim/common/matching_engine.h"
#include "sim/common/synthetic_market.h"
#include "sim/common/venue_sim.h"

namespace tradingd::core {
class JsonWriter;
}  // namespace tradingd::core

namespace tradingd::sim::binance {

// The sandbox account's credentials: 64 alphanumerics each, like Binance's HMAC keys. They are
// published here on purpose and are worth nothing outside a sandbox venue on loopback.
inline constexpr std::string_view kSandboxApiKey =
    "tdSandboxBinanceSpotKey0obNjejTy7Ynst9c0MlxMYjzKXZ4vKb5MEL3tua4D";
inline constexpr std::string_view kSandboxApiSecret =
    "tdSandboxBinanceSpotSecret9lRyUCscHyLKwMMHUCUGEsBQrIoL79HCOhclQh";

// The venue's REST limits. Tests set small ones.
struct BinanceRateLimitOptions {
  // REQUEST_WEIGHT per minute; 0: what the market's exchangeInfo reports (spot 6000).
  int request_weight_per_minute = 0;
  // ORDERS: new orders per 10 s and per day, as spot's exchangeInfo reports them.
  int orders_per_10s = 100;
  int orders_per_day = 200'000;
  // How long an IP ban (418) lasts; Binance's start at 2 minutes.
  std::chrono::seconds ban{120};
};

// The spot venue's order entry: the matching engine's account, fees and balances.
struct BinanceOrderEntryOptions {
  bool enabled = true;  // spot mode only: the futures venue takes no orders
  std::string api_key{kSandboxApiKey};
  std::string api_secret{kSandboxApiSecret};
  // Fee rates in parts per million (1000 = 0.1 %), charged in the asset received.
  std::int64_t maker_fee_ppm = 1000;
  std::int64_t taker_fee_ppm = 1000;
  // Free balances at start, asset → mantissa at kSimScale.
  AssetAmounts starting_balances = {{"USDT", 10'000'000'000'000},  // 100,000
                                    {"BTC", 1'000'000'000},        // 10
                                    {"ETH", 10'000'000'000}};      // 100
  // Assets of the configured symbols missing from starting_balances: quotes get this much, bases
  // that much (an asset that is a quote anywhere counts as a quote).
  std::int64_t other_quote_balance = 10'000'000'000'000;  // 100,000
  std::int64_t other_base_balance = 100'000'000'000;      // 1,000
};

// starting_balances completed with every asset of `symbols`.
AssetAmounts SandboxStartingBalances(const BinanceOrderEntryOptions& options,
                                     std::span<const SymbolSpec> symbols);

// REQUEST_WEIGHT, ORDERS and IP bans, in fixed windows of the clock's wall time.
class BinanceRestLimits {
 public:
  BinanceRestLimits(BinanceRateLimitOptions options, int default_weight_per_minute);

  // The 418 to answer when the IP is banned, or when it sends while a 429's Retry-After runs (the
  // ban then starts). nullopt: go on.
  std::optional<net::ServerResponse> Banned(std::int64_t now_ms);
  // Adds a request's weight; the 429 -1003 to answer when that goes over the limit.
  std::optional<net::ServerResponse> ChargeWeight(int weight, std::int64_t now_ms);
  // Counts one new order; the 429 -1015 to answer (the order not counted) when over a limit.
  std::optional<net::ServerResponse> CountOrder(std::int64_t now_ms);
  // The venue throttles on command until `until_ms`: a request before then is banned until then.
  void Throttle(std::int64_t until_ms);

  int used_weight(std::int64_t now_ms);
  int orders_10s(std::int64_t now_ms);
  int orders_day(std::int64_t now_ms);
  int weight_limit() const { return weight_limit_; }
  int orders_per_10s_limit() const { return options_.orders_per_10s; }
  // X-MBX-USED-WEIGHT-1M; X-MBX-ORDER-COUNT-10S and -1D.
  void AddWeightHeader(net::ServerResponse& response, std::int64_t now_ms);
  void AddOrderCountHeaders(net::ServerResponse& response, std::int64_t now_ms);

 private:
  void Roll(std::int64_t now_ms);

  BinanceRateLimitOptions options_;
  int weight_limit_;
  std::int64_t minute_ = -1;
  int used_weight_ = 0;
  std::int64_t ten_seconds_ = -1;
  int orders_10s_ = 0;
  std::int64_t day_ = -1;
  int orders_day_ = 0;
  // After a 429: until when a further request is banned, and for how long then (0: until
  // throttled_until_, the fault's rule).
  std::int64_t throttled_until_ms_ = 0;
  std::int64_t throttle_ban_ms_ = 0;
  std::int64_t banned_until_ms_ = 0;
};

class BinanceOrderEntry {
 public:
  // `on_market_change` runs after every engine call that may have traded against the public book
  // (the sim publishes what changed, as after a market step).
  BinanceOrderEntry(MatchingEngine& engine, BinanceRestLimits& limits, const core::Clock& clock,
                    BinanceOrderEntryOptions options, std::function<void()> on_market_change);
  BinanceOrderEntry(const BinanceOrderEntry&) = delete;
  BinanceOrderEntry& operator=(const BinanceOrderEntry&) = delete;

  // Whether `path` is one of the endpoints above (any method).
  static bool Handles(std::string_view path);

  // Answers one request (weight, faults, security, the endpoint), possibly never (a held fault).
  void Handle(const net::ServerRequest& request, net::HttpServer::Respond respond);

  // Arms `fault` for the next `count` /api/v3/order requests, after those armed before.
  void InjectFault(OrderFault fault, int count, std::chrono::seconds retry_after);
  // Drops the Responds kAcceptThenTimeout held (their connections close with the server).
  void ReleaseHeld();
  std::size_t held() const { return held_.size(); }

  const std::string& api_key() const { return options_.api_key; }
  const std::string& api_secret() const { return options_.api_secret; }

 private:
  enum class Endpoint : std::uint8_t;
  struct Params;
  // What an order was placed with that the engine does not keep.
  struct Extras {
    std::string stp_mode;
    std::optional<std::int64_t> strategy_id;
    std::optional<std::int64_t> strategy_type;
  };

  std::int64_t NowMs() const;
  net::ServerResponse Process(Endpoint endpoint, const net::ServerRequest& request,
                              std::int64_t now_ms);
  net::ServerResponse NewOrder(const Params& params, bool test, std::int64_t now_ms);
  net::ServerResponse CancelOrder(const Params& params);
  net::ServerResponse QueryOrder(const Params& params);
  net::ServerResponse OpenOrders(const Params& params);
  net::ServerResponse CancelOpenOrders(const Params& params);
  net::ServerResponse MyTrades(const Params& params);
  net::ServerResponse Account(const Params& params);

  // A Binance-style client order id (22 alphanumerics), for orders and cancels sent without one.
  std::string NewClientId();
  const Extras& ExtrasOf(std::uint64_t order_id) const;
  // The order shapes of rest-api.md: a new order's (ACK, RESULT, FULL), a query's, a cancel's.
  void WritePlaceShape(core::JsonWriter& out, const Order& order, std::string_view resp_type) const;
  void WriteQueryShape(core::JsonWriter& out, const Order& order) const;
  void WriteCancelShape(core::JsonWriter& out, const Order& order,
                        std::string_view cancel_id) const;

  MatchingEngine& engine_;
  BinanceRestLimits& limits_;
  const core::Clock& clock_;
  BinanceOrderEntryOptions options_;
  std::function<void()> on_market_change_;
  // The account's signer, keyed once. Verify is non-const: one thread (this one) uses it.
  std::optional<gateways::binance::Signer> signer_;

  struct ArmedFault {
    OrderFault fault;
    int remaining;
    std::chrono::seconds retry_after;
  };
  std::deque<ArmedFault> faults_;
  std::vector<net::HttpServer::Respond> held_;
  std::unordered_map<std::uint64_t, Extras> extras_;  // by order id, when not the defaults
  std::uint64_t next_client_id_ = 1;
};

}  // namespace tradingd::sim::binance
