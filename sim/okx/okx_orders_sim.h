#pragma once
// OKX v5 spot order entry in the sandbox venue: the private REST endpoints of OKX's docs-v5
// (https://www.okx.com/docs-v5/en/) over StreamSim's MatchingEngine (sim/common/stream_sim.h), so
// that the daemon's gateway (gateways/okx/) talks to it exactly as to www.okx.com.
//
//   POST /api/v5/trade/order         "POST / Place order": {instId, tdMode "cash", clOrdId (1-32
//                                    alphanumerics), tag, side buy|sell, ordType market|limit|
//                                    post_only|fok|ioc, sz, px, tgtCcy base_ccy|quote_ccy (a spot
//                                    market order's sz: quote for buys and base for sells by
//                                    default), banAmend}; the expTime header ("Transaction
//                                    timeouts") is honoured
//   POST /api/v5/trade/cancel-order  "POST / Cancel order": {instId, ordId | clOrdId}
//   GET  /api/v5/trade/order         "GET / Order details": instId and ordId | clOrdId (the latest
//                                    order with that clOrdId)
//   GET  /api/v5/trade/fills         "GET / Transaction details (last 3 days)": instType, instId,
//                                    ordId, after / before (billId), begin / end (ts), limit <= 100;
//                                    newest first
//   GET  /api/v5/account/balance     "Get balance": ccy (up to 20, comma separated); the assets
//                                    with a non-zero balance
//
// Authentication ("REST Authentication"): OK-ACCESS-KEY, OK-ACCESS-SIGN = base64(HMAC-SHA256(
// secret, timestamp + METHOD + request path with its query + body)), checked with
// gateways::okx::Signer::Verify, OK-ACCESS-TIMESTAMP in ISO 8601 UTC with milliseconds, refused
// when more than 30 s from the server's time, and OK-ACCESS-PASSPHRASE. x-simulated-trading is
// accepted (and not required). Refusals are HTTP 401 {"msg":..,"code":..} in the order OKX checks
// them (the timestamp before the key): 50103 / 50106 / 50107 / 50104 a missing header, 50112 a
// timestamp that is not ISO 8601, 50102 "Timestamp request expired", 50111 a key that is not an
// OKX key (a UUID), 50119 "API key doesn't exist", 50105 a wrong passphrase, 50113 "Invalid Sign".
//
// Answers ("Error Code", "REST API"): every body is OKX's envelope with its keys in the order
// OKX's servers write them (the texts are the docs' error table's, except where OKX's servers are
// seen to write another: the 401s above, "Too Many Requests", "All operations failed"). An order
// operation refused for the order's own sake is HTTP 200 {"code":"1","data":[{..,"sCode":..,
// "sMsg":..,"subCode":..}],"inTime":..,"msg":"All operations failed","outTime":..} (a cancel's item
// echoes the ordId sent); a malformed request as a whole is the top-level code: 50000 an empty
// body, 50002 not a JSON object, 50014 a missing instId / tdMode / side / ordType / sz, 50006 a
// POST that is not application/json (HTTP 400), 50115 another method (HTTP 405). An order whose
// expTime header has passed is sCode 50037 "Order expired.". The engine's refusals map onto OKX's codes: 51008 (sub-code 1000) "Order
// failed. Insufficient {ccy} balance in account", 51020 below minSz, 51121 not a lotSz multiple,
// 51000 "Parameter px error" (not a tickSz multiple), 51005 / 51202 above the maximum size,
// 51016 "Client order ID already exists.", 51109 "No available offers." (no liquidity), 51001 an
// unknown instId, 51400 a cancel of an unknown or finished order, 51603 "Order does not exist."
// for a query. A post_only order that would take is accepted and then canceled (cancelSource
// "31"), a fok order that cannot fill in full is accepted and canceled with no fill (OKX's
// "the order will be canceled"). A spot market order whose sz is in the currency it receives
// (a base_ccy buy, a quote_ccy sell) is reduced to what the balance allows unless banAmend is
// true ("banAmend ... If false (default): the system reduces sz to fit the available balance").
//
// Fees: OKX's regular Lv1 spot tier (okx.com/fees): maker 0.080 %, taker 0.100 %, charged in the
// currency received (fee negative, feeRate "-0.001").
//
// Rate limits ("Rate Limits" and each endpoint's section), over a sliding window of 2 s: place 60
// and cancel 60 per instrument (independent), order details 60 per instrument, fills 60 and
// balance 10 per account; over the limit: HTTP 429 {"msg":"Too Many Requests","code":"50011"}
// (OKX sends no Retry-After). A request that is refused before its instrument is known is not
// counted. Server failures (injected faults) are HTTP 503 50001 "Service temporarily unavailable.
// Please try again later.".
//
// What differs from OKX: one sandbox account; only SPOT in cash mode (tdMode "cash"); attached
// TP/SL, stpMode, pxAmendType, tradeQuoteCcy and slippagePct are read but do nothing; order and
// bill ids are the engine's; a market order walks the synthetic book with no 5 % over-lock; the
// last-3-days window of /trade/fills is the sim's clock; balances report eqUsd from the book's mid.
//
// Thread contract: not thread-safe; everything runs on the sim's io thread (StreamSim calls the
// dialect there).

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "gateways/okx/okx_signing.h"
#include "net/http_server.h"
#include "sim/common/matching_engine.h"
#include "sim/common/stream_sim.h"

namespace tradingd::sim::okx {

// The sandbox account's credentials, in OKX's formats: the API key a UUID, the secret 32
// upper-case hex digits, the passphrase the one "chosen at key creation". They are published here
// on purpose and are worth nothing outside a sandbox venue on loopback.
inline constexpr std::string_view kSandboxApiKey = "5a9d0b6e-7c41-4f3a-8e2d-51d8c0b7a6f4";
inline constexpr std::string_view kSandboxApiSecret = "5A4D8B0C6E1F47A29D3C0B8E7F6A5D41";
inline constexpr std::string_view kSandboxPassphrase = "TdSandbox#Okx1";

// The endpoints above.
enum class OkxEndpoint : std::uint8_t { kPlace, kCancel, kOrderDetails, kFills, kBalance };

// Requests per window, per instrument (place, cancel, order details) or per account (fills,
// balance). Tests set small ones.
struct OkxRateLimitOptions {
  std::chrono::milliseconds window{2000};
  int place = 60;
  int cancel = 60;
  int order_details = 60;
  int fills = 60;
  int balance = 10;
};

struct OkxOrderEntryOptions {
  bool enabled = true;
  std::string api_key{kSandboxApiKey};
  std::string api_secret{kSandboxApiSecret};
  std::string passphrase{kSandboxPassphrase};
  // Parts per million of what is received (800 = 0.080 %).
  std::int64_t maker_fee_ppm = 800;
  std::int64_t taker_fee_ppm = 1000;
  // OKX's ordIds are 18-19 digit numbers.
  std::uint64_t first_order_id = 1'700'000'000'000'000'001;
  // OK-ACCESS-TIMESTAMP may differ from the server's time by this much.
  std::chrono::milliseconds timestamp_window{30000};
  OkxRateLimitOptions rate_limits;
};

// Sliding windows of request times per endpoint and key (an instId, or "" for the account).
class OkxRateLimits {
 public:
  explicit OkxRateLimits(OkxRateLimitOptions options) : options_(options) {}
  // Counts one request at `now_ms` (a monotonic time); false, and not counted, when the window
  // already holds the endpoint's limit.
  bool Admit(OkxEndpoint endpoint, std::string_view key, std::int64_t now_ms);
  int limit(OkxEndpoint endpoint) const;

 private:
  OkxRateLimitOptions options_;
  std::map<std::string, std::deque<std::int64_t>, std::less<>> windows_;
};

class OkxOrderEntry {
 public:
  // `min_sizes`: minSz per instId (a symbol without one: its lot size).
  OkxOrderEntry(OkxOrderEntryOptions options,
                std::map<std::string, std::int64_t, std::less<>> min_sizes);
  OkxOrderEntry(const OkxOrderEntry&) = delete;
  OkxOrderEntry& operator=(const OkxOrderEntry&) = delete;

  // What StreamSim's engine is configured with: the keys, OKX's fees in the received currency,
  // fok and post_only orders that are accepted and canceled.
  StreamOrderEntry stream_entry() const;
  // Whether `path` is one of the endpoints above (any method).
  static bool Handles(std::string_view path);
  // Answers one request (authentication, limits, the endpoint).
  net::ServerResponse Handle(const net::ServerRequest& request, StreamOrders& orders);

  // HTTP 429 {"msg":"Too Many Requests","code":"50011"}.
  static net::ServerResponse RateLimitedAnswer();
  // HTTP 503 {"code":"50001","data":[],"msg":"Service temporarily unavailable. Please try again
  // later."}.
  static net::ServerResponse ServerErrorAnswer();

 private:
  struct Request;
  // What an order was placed with that the engine does not keep.
  struct Extras {
    bool has_client_id = false;
    std::string sz;       // as OKX reports it
    std::string tgt_ccy;  // market orders only
    std::string tag;
    std::string stp_mode;
  };

  std::optional<net::ServerResponse> Authenticate(const net::ServerRequest& request,
                                                  std::int64_t now_ms);
  net::ServerResponse Place(const Request& request, StreamOrders& orders);
  net::ServerResponse Cancel(const Request& request, StreamOrders& orders);
  net::ServerResponse OrderDetails(const Request& request, StreamOrders& orders);
  net::ServerResponse Fills(const Request& request, StreamOrders& orders);
  net::ServerResponse AccountBalance(const Request& request, StreamOrders& orders);

  std::int64_t MinSize(const SymbolSpec& spec) const;
  const Extras* ExtrasOf(std::uint64_t order_id) const;

  OkxOrderEntryOptions options_;
  std::map<std::string, std::int64_t, std::less<>> min_sizes_;
  // Keyed once; Verify is non-const: one thread (the io thread) uses it.
  std::optional<gateways::okx::Signer> signer_;
  OkxRateLimits limits_;
  std::unordered_map<std::uint64_t, Extras> extras_;
};

}  // namespace tradingd::sim::okx
