#include "gateways/kraken/kraken_gateway.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "gateways/kraken/kraken_orders.h"
#include "gateways/kraken/kraken_signing.h"

namespace tradingd::gateways::kraken {
namespace {

constexpr std::string_view kPrivatePath = "/0/private/";
constexpr std::string_view kFormContentType = "application/x-www-form-urlencoded";

// Kraken sends no Retry-After. The time one unit of the throttled counter takes to decay at the
// slowest tier (https://docs.kraken.com/api/docs/guides/spot-rest-ratelimits: the REST counter
// decays 0.33/s for Starter; .../spot-ratelimits: the trading counter 1/s), and the documented
// length of a temporary lockout ("typically last approximately 15 minutes").
constexpr std::int64_t kApiCounterRetryMs = 3000;
constexpr std::int64_t kTradingCounterRetryMs = 1000;
constexpr std::int64_t kLockoutRetryMs = 15 * 60 * 1000;

// What the protocol remembers of the orders it queries (which list to ask next, which trades it
// delivered), kept after an order ends so that a later query fetches nothing twice; bounded: past
// this many it forgets them all (an order known only by our id asks the open orders again; trades
// are fetched again, and the engine drops a trade it has seen).
constexpr std::size_t kMaxTrackedOrders = 4096;

std::int64_t HeaderSeconds(const net::HttpClientResponse& response, std::string_view name) {
  const std::string_view text = response.Header(name);
  std::int64_t value = -1;
  if (text.empty()) return -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > INT64_MAX / 1000) {
    return -1;
  }
  return value;
}

bool IsServerError(int status) { return status >= 500 || status == 408; }

class KrakenOrderProtocol final : public OrderProtocol {
 public:
  KrakenOrderProtocol(KrakenOrderOptions options, Signer signer)
      : options_(std::move(options)), signer_(std::move(signer)) {}

  core::Venue venue() const override { return core::Venue::kKraken; }
  bool native_stops() const override { return true; }
  // Kraken checks nonces per key in order: orders and queries share one connection so that a
  // later nonce never overtakes an earlier one.
  bool one_connection() const override { return true; }
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override {
    if (order.time_in_force == core::TimeInForce::kFok) {
      return std::string("Kraken spot orders take GTC, IOC or GTD only: no FOK");
    }
    return std::nullopt;
  }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    return Private("AddOrder", AddOrderParams(order, instrument), now_ms);
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order, const core::Instrument&,
                                       std::int64_t now_ms) override {
    return Private("CancelOrder", CancelOrderParams(order), now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order, const core::Instrument&,
                                      std::int64_t now_ms) override {
    if (!order.venue_order_id.empty()) {
      return Private("QueryOrders", QueryOrdersParams(order), now_ms);
    }
    Tracked& tracked = Track(order.client_order_id);
    tracked.asked_closed = tracked.ask_closed_next;
    return Private(tracked.asked_closed ? "ClosedOrders" : "OpenOrders",
                   OrdersByClientIdParams(order), now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument&,
                                                     std::int64_t now_ms) override {
    auto it = tracked_.find(std::string(order.client_order_id.view()));
    if (it == tracked_.end()) return std::nullopt;
    const std::vector<std::string> ids = Unfetched(it->second);
    if (ids.empty()) return std::nullopt;
    return Private("QueryTrades", QueryTradesParams(ids), now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Private("BalanceEx", {}, now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec&, const core::Instrument&,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Envelope envelope;
    const bool readable = ParseEnvelope(response.body, &envelope).ok();
    if (readable && !envelope.errors.empty()) {
      answer.update = Refusal(response.status, envelope.errors.front(), &answer);
      // A 5xx never proves a refusal, whatever it says.
      if (IsServerError(response.status)) answer.update->status = core::OrderStatus::kUnknown;
      return answer;
    }
    if (IsServerError(response.status)) {
      answer.update = HttpFailure(response.status, core::OrderStatus::kUnknown, &answer);
      return answer;
    }
    if (response.status != 200) {
      // A 4xx without a Kraken error (a proxy's refusal): the request did not get through.
      answer.update = HttpFailure(response.status, core::OrderStatus::kRejected, &answer);
      return answer;
    }
    std::string txid;
    if (readable && ParseAddOrder(response.body, &txid).ok()) {
      core::OrderUpdate update;
      update.status = core::OrderStatus::kNew;  // acknowledged: AddOrder says nothing more
      update.venue_order_id.Assign(txid);
      answer.update = update;
      answer.keys = core::KeyState::kValid;
    }
    return answer;  // unreadable: the gateway makes it UNKNOWN
  }

  GatewayAnswer OnCancel(const core::OrderRef&, const core::Instrument&,
                         const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Envelope envelope;
    const bool readable = ParseEnvelope(response.body, &envelope).ok();
    if (readable && !envelope.errors.empty()) {
      // Refused, or its fate unknown: either way the cancel says nothing about the order itself
      // (core/orders.h), and the engine queries it.
      core::OrderUpdate update = Refusal(response.status, envelope.errors.front(), &answer);
      update.status = core::OrderStatus::kUnknown;
      update.cancel_refused = true;
      answer.update = update;
      return answer;
    }
    CancelResult result;
    if (response.status != 200 || !readable || !ParseCancelOrder(response.body, &result).ok()) {
      return answer;  // the gateway reports the cancel refused with the HTTP status
    }
    answer.keys = core::KeyState::kValid;
    core::OrderUpdate update;
    if (result.count > 0 && !result.pending) {
      update.status = core::OrderStatus::kCanceled;
    } else if (result.count > 0) {
      // Accepted, not yet done: the engine's query will tell.
      update.status = core::OrderStatus::kUnknown;
      update.venue_code.Assign("pending");
      update.message.Assign("Kraken: the cancel is pending");
    } else {
      update.status = core::OrderStatus::kUnknown;
      update.cancel_refused = true;
      update.venue_code.Assign("count 0");
      update.message.Assign("Kraken cancelled no order");
    }
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    const bool by_txid = !order.venue_order_id.empty();
    const std::string key(order.client_order_id.view());
    auto tracked_it = tracked_.find(key);
    const bool asked_closed =
        !by_txid && tracked_it != tracked_.end() && tracked_it->second.asked_closed;
    Envelope envelope;
    const bool readable = ParseEnvelope(response.body, &envelope).ok();
    bool found = false;
    OrderLookup lookup;
    core::OrderUpdate update;
    if (readable && !envelope.errors.empty()) {
      const std::string& error = envelope.errors.front();
      if (ClassifyError(error) != ErrorClass::kUnknownOrder) {
        // Says nothing about the order; the engine asks again later.
        Refusal(response.status, error, &answer);
        return answer;
      }
      update.venue_code.Assign(ErrorCategory(error));
      update.message.Assign(error);
    } else if (response.status != 200 || !readable) {
      answer.error = fmt::format("query: HTTP {} without a Kraken answer", response.status);
      return answer;
    } else {
      const OrderList list =
          by_txid ? OrderList::kByTxid : (asked_closed ? OrderList::kClosed : OrderList::kOpen);
      if (core::Status s = ParseOrders(response.body, list, order, instrument, &update, &lookup);
          !s.ok()) {
        answer.error = "query: " + s.message();
        return answer;
      }
      answer.keys = core::KeyState::kValid;
      found = lookup.found;
    }

    if (!found) {
      if (!by_txid && !asked_closed) {
        // Not among the open orders: it may be closed already. The next query asks that list.
        Track(order.client_order_id).ask_closed_next = true;
        answer.error = fmt::format("query: {} is not an open order; the closed ones next", key);
        return answer;
      }
      if (!by_txid) Track(order.client_order_id).ask_closed_next = false;
      update.status = core::OrderStatus::kUnknown;
      update.not_found = true;
      if (update.message.empty()) update.message.Assign("Kraken lists no such order");
      answer.update = update;
      return answer;
    }

    Tracked& tracked = Track(order.client_order_id);
    tracked.ask_closed_next = false;
    tracked.trade_ids = std::move(lookup.trade_ids);
    if (!update.filled_quantity.is_zero()) {
      answer.fetch_fills = !Unfetched(tracked).empty();
      if (tracked.trade_ids.empty()) {
        answer.error = "query: Kraken reports executed volume without its trade ids";
      }
    }
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Envelope envelope;
    const bool readable = ParseEnvelope(response.body, &envelope).ok();
    if (readable && !envelope.errors.empty()) {
      Refusal(response.status, envelope.errors.front(), &answer);
      return answer;
    }
    if (response.status != 200 || !readable) {
      answer.error = fmt::format("fills: HTTP {} without a Kraken answer", response.status);
      return answer;
    }
    if (core::Status s =
            ParseTrades(response.body, instrument, order.venue_order_id.view(), &answer.fills);
        !s.ok()) {
      answer.fills.clear();
      answer.error = "fills: " + s.message();
      return answer;
    }
    const std::string key(order.client_order_id.view());
    auto it = tracked_.find(key);
    for (core::Fill& fill : answer.fills) {
      fill.client_order_id = order.client_order_id;
      if (it != tracked_.end()) it->second.fetched.insert(std::string(fill.trade_id.view()));
    }
    return answer;
  }

  GatewayAnswer OnBalances(const net::HttpClientResponse& response,
                           core::TimestampNs now_ns) override {
    GatewayAnswer answer;
    Envelope envelope;
    const bool readable = ParseEnvelope(response.body, &envelope).ok();
    if (readable && !envelope.errors.empty()) {
      Refusal(response.status, envelope.errors.front(), &answer);
      return answer;
    }
    if (response.status != 200 || !readable) {
      answer.error = fmt::format("balances: HTTP {} without a Kraken answer", response.status);
      return answer;
    }
    if (core::Status s = ParseBalances(response.body, venue(), now_ns, &answer.balances); !s.ok()) {
      answer.balances.clear();
      answer.error = "balances: " + s.message();
      return answer;
    }
    answer.keys = core::KeyState::kValid;
    return answer;
  }

  std::optional<core::RateLimitReport> RateLimits(const net::HttpClientResponse& response,
                                                  core::TimestampNs now_ns) override {
    core::RateLimitReport report;
    report.time_ns = now_ns;
    if (response.status == 429) {
      const std::int64_t seconds = HeaderSeconds(response, "Retry-After");
      report.throttled = true;
      report.retry_after_ms = seconds > 0 ? seconds * 1000 : kApiCounterRetryMs;
      return report;
    }
    // Kraken has no rate-limit headers; only a throttling error says anything. The search keeps
    // a second parse off every ordinary answer.
    const std::string_view body = response.body;
    if (body.find("Rate limit exceeded") == std::string_view::npos &&
        body.find("Temporary lockout") == std::string_view::npos) {
      return std::nullopt;
    }
    Envelope envelope;
    if (!ParseEnvelope(body, &envelope).ok()) return std::nullopt;
    for (const std::string& error : envelope.errors) {
      switch (ClassifyError(error)) {
        case ErrorClass::kApiRateLimit:
          report.retry_after_ms = std::max(report.retry_after_ms, kApiCounterRetryMs);
          break;
        case ErrorClass::kOrderRateLimit:
          report.retry_after_ms = std::max(report.retry_after_ms, kTradingCounterRetryMs);
          break;
        case ErrorClass::kLockout:
          report.retry_after_ms = std::max(report.retry_after_ms, kLockoutRetryMs);
          break;
        default:
          continue;
      }
      report.throttled = true;
    }
    if (!report.throttled) return std::nullopt;
    return report;
  }

 private:
  struct Tracked {
    bool ask_closed_next = false;        // known by our id only: the open list did not have it
    bool asked_closed = false;           // what the last query request asked
    std::vector<std::string> trade_ids;  // from the last query
    std::set<std::string> fetched;       // delivered by QueryTrades
  };

  Tracked& Track(const core::ClientOrderId& id) {
    std::string key(id.view());
    auto it = tracked_.find(key);
    if (it != tracked_.end()) return it->second;
    if (tracked_.size() >= kMaxTrackedOrders) tracked_.clear();
    return tracked_[std::move(key)];
  }

  static std::vector<std::string> Unfetched(const Tracked& tracked) {
    std::vector<std::string> ids;
    for (const std::string& id : tracked.trade_ids) {
      if (tracked.fetched.count(id) == 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) {
        ids.push_back(id);
      }
      if (ids.size() == kMaxTradesPerQuery) break;
    }
    return ids;
  }

  std::int64_t NextNonce(std::int64_t now_ms) {
    last_nonce_ = std::max(now_ms, last_nonce_ + 1);
    return last_nonce_;
  }

  net::HttpClientRequest Private(std::string_view method, std::string_view params,
                                 std::int64_t now_ms) {
    const std::string nonce = std::to_string(NextNonce(now_ms));
    std::string body = "nonce=" + nonce;
    if (!params.empty()) {
      body += '&';
      body += params;
    }
    net::HttpClientRequest request;
    request.method = "POST";
    request.target = std::string(kPrivatePath) + std::string(method);
    Signature signature;
    std::string_view signature_text = signature.view();
    if (!signer_.Sign(request.target, nonce, body, &signature)) {
      // OpenSSL failed: send it unsigned and let the venue refuse it rather than guess. (An
      // unfilled Signature is 88 NUL bytes, which must never reach a header.)
      signature_text = {};
    }
    request.headers.emplace_back(std::string(kApiKeyHeader), options_.api_key);
    request.headers.emplace_back(std::string(kSignatureHeader), std::string(signature_text));
    request.headers.emplace_back("Content-Type", std::string(kFormContentType));
    request.body = std::move(body);
    return request;
  }

  // An answer carrying a Kraken error: what it says about the request and the keys.
  core::OrderUpdate Refusal(int http_status, const std::string& error, GatewayAnswer* answer) {
    core::OrderUpdate update;
    const ErrorClass kind = ClassifyError(error);
    update.status = kind == ErrorClass::kExecutionUnknown ? core::OrderStatus::kUnknown
                                                          : core::OrderStatus::kRejected;
    update.venue_code.Assign(ErrorCategory(error));
    update.message.Assign(error);
    if (kind == ErrorClass::kKeyRefused) answer->keys = core::KeyState::kRefused;
    answer->error = fmt::format("HTTP {}: {:.120}", http_status, error);
    return update;
  }

  core::OrderUpdate HttpFailure(int http_status, core::OrderStatus status, GatewayAnswer* answer) {
    core::OrderUpdate update;
    update.status = status;
    update.venue_code.Assign(std::to_string(http_status));
    update.message.Assign(fmt::format("HTTP {} without a Kraken error", http_status));
    answer->error = fmt::format("HTTP {} without a Kraken error", http_status);
    return update;
  }

  KrakenOrderOptions options_;
  Signer signer_;
  std::int64_t last_nonce_ = 0;
  std::unordered_map<std::string, Tracked> tracked_;
};

}  // namespace

core::Result<std::unique_ptr<OrderProtocol>> MakeKrakenOrderProtocol(KrakenOrderOptions options) {
  auto signer = Signer::Create(options.api_secret);
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<KrakenOrderProtocol>(std::move(options), std::move(signer).value()));
}

}  // namespace tradingd::gateways::kraken
