#include "gateways/bybit/bybit_gateway.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "gateways/bybit/bybit_orders.h"
#include "gateways/bybit/bybit_signing.h"

namespace tradingd::gateways::bybit {
namespace {

// v5/rate-limit: "If you encounter the error \"403, access too frequent\" ... wait for at least
// 10 minutes. The ban will be lifted automatically." Also the longest back-off a reset header
// may ask for.
constexpr std::int64_t kIpBanMs = 10 * 60 * 1000;
// The API rate limit is "per second per UID": without a reset time, wait one window.
constexpr std::int64_t kWindowMs = 1000;
// Orders whose next query goes to the order history; far more than are ever being resolved at once.
constexpr std::size_t kMaxQueryStates = 4096;

std::int64_t HeaderNumber(const net::HttpClientResponse& response, std::string_view name) {
  const std::string_view text = response.Header(name);
  std::int64_t value = -1;
  if (text.empty()) return -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return -1;
  return value;
}

bool IsServerError(int status) { return status >= 500; }

class BybitOrderProtocol final : public OrderProtocol {
 public:
  BybitOrderProtocol(BybitOrderOptions options, Signer signer)
      : options_(std::move(options)),
        signer_(std::move(signer)),
        recv_window_(std::to_string(options_.recv_window.count())) {}

  core::Venue venue() const override { return core::Venue::kBybit; }
  // The engine holds stops for Bybit: spot conditional orders (orderFilter=StopOrder) are not used.
  bool native_stops() const override { return false; }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    return Post(kCreatePath, NewOrderBody(order, instrument, options_.category), now_ms);
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                       const core::Instrument& instrument,
                                       std::int64_t now_ms) override {
    return Post(kCancelPath, CancelBody(order, instrument, options_.category), now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    const std::string key(order.client_order_id.view());
    if (queries_.size() >= kMaxQueryStates && queries_.count(key) == 0) {
      // Forgetting only makes an answer read as a realtime one: never a false "not found".
      queries_.clear();
    }
    QueryState& state = queries_[key];
    const std::string params = OrderQueryParams(order, instrument, options_.category);
    if (state.history) return Get(kHistoryPath, params, now_ms);
    ++state.realtime_in_flight;
    return Get(kRealtimePath, params, now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument& instrument,
                                                     std::int64_t now_ms) override {
    return Get(kExecutionPath, ExecutionListParams(order, instrument, options_.category), now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Get(kWalletBalancePath, WalletBalanceParams(), now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    (void)instrument;
    GatewayAnswer answer;
    Envelope envelope;
    if (Succeeded(response, &envelope)) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseAck(response.body, order.client_order_id.view(), &update).ok()) {
        update.status = core::OrderStatus::kNew;
        answer.update = update;
        answer.keys = core::KeyState::kValid;
      }
      return answer;  // unreadable: the gateway makes it UNKNOWN
    }
    answer.update = Refusal(response, &answer);
    return answer;
  }

  GatewayAnswer OnCancel(const core::OrderRef& order, const core::Instrument& instrument,
                         const net::HttpClientResponse& response) override {
    (void)instrument;
    GatewayAnswer answer;
    Envelope envelope;
    if (Succeeded(response, &envelope)) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (!order.venue_order_id.empty()) update.venue_order_id = order.venue_order_id;
      if (ParseAck(response.body, order.client_order_id.view(), &update).ok()) {
        // Accepted, not yet done (cancel-order answers only the ids): the order's state is what
        // the engine's next query says. UNKNOWN changes no state the engine knows and makes it
        // query.
        update.status = core::OrderStatus::kUnknown;
        answer.update = update;
        answer.keys = core::KeyState::kValid;
      }
      return answer;  // unreadable: the gateway reports the cancel refused
    }
    core::OrderUpdate update = Refusal(response, &answer);
    // A refused cancel says nothing about the order unless its code does (core/orders.h).
    update.status = core::OrderStatus::kUnknown;
    if (ParseEnvelope(response.body, &envelope)) {
      update.status = CancelRefusalStatus(envelope.ret_code).value_or(core::OrderStatus::kUnknown);
    }
    update.cancel_refused = true;
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    const std::string key(order.client_order_id.view());
    // Which endpoint answered: queries of one order are sent and answered in order on one
    // connection, realtime ones before the history ones that follow an empty realtime answer.
    bool history_answer = false;
    if (auto it = queries_.find(key); it != queries_.end()) {
      if (it->second.realtime_in_flight > 0) {
        --it->second.realtime_in_flight;
      } else {
        history_answer = it->second.history;
      }
    }
    GatewayAnswer answer;
    Envelope envelope;
    bool found = false;
    core::OrderUpdate update;
    update.client_order_id = order.client_order_id;
    if (Succeeded(response, &envelope)) {
      answer.keys = core::KeyState::kValid;
      if (core::Status status = ParseOrderList(response.body, instrument,
                                               order.client_order_id.view(), &update, &found);
          !status.ok()) {
        answer.error = fmt::format("query: {}", status.message());
        return answer;
      }
    } else if (!ParseEnvelope(response.body, &envelope) || !IsOrderMissing(envelope.ret_code) ||
               IsServerError(response.status)) {
      // Anything else says nothing about the order; the engine asks again later.
      Refusal(response, &answer);
      return answer;
    }
    if (found) {
      Forget(key);
      answer.fetch_fills = update.has_filled && !update.filled_quantity.is_zero();
      answer.update = update;
      return answer;
    }
    if (!history_answer) {
      // Not among the open and recent orders: ask the history before calling it missing.
      queries_[key].history = true;
      return answer;
    }
    Forget(key);
    update.status = core::OrderStatus::kUnknown;
    update.not_found = true;
    if (envelope.ret_code != 0) {
      update.venue_code.Assign(std::to_string(envelope.ret_code));
      update.message.Assign(envelope.ret_msg);
    } else {
      update.message.Assign("no such order in Bybit's open orders or order history");
    }
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Envelope envelope;
    if (!Succeeded(response, &envelope)) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status =
            ParseExecutions(response.body, instrument, order.client_order_id.view(),
                            order.venue_order_id.view(), &answer.fills);
        !status.ok()) {
      answer.fills.clear();
      answer.error = fmt::format("fills: {}", status.message());
    }
    for (core::Fill& fill : answer.fills) fill.client_order_id = order.client_order_id;
    return answer;
  }

  GatewayAnswer OnBalances(const net::HttpClientResponse& response,
                           core::TimestampNs now_ns) override {
    GatewayAnswer answer;
    Envelope envelope;
    if (!Succeeded(response, &envelope)) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status = ParseWalletBalance(response.body, venue(), now_ns, &answer.balances);
        !status.ok()) {
      answer.balances.clear();
      answer.error = fmt::format("balances: {}", status.message());
      return answer;
    }
    answer.keys = core::KeyState::kValid;
    return answer;
  }

  std::optional<core::RateLimitReport> RateLimits(const net::HttpClientResponse& response,
                                                  core::TimestampNs now_ns) override {
    core::RateLimitReport report;
    report.limit = HeaderNumber(response, "X-Bapi-Limit");
    report.remaining = HeaderNumber(response, "X-Bapi-Limit-Status");
    const std::int64_t reset_ms = HeaderNumber(response, "X-Bapi-Limit-Reset-Timestamp");
    if (reset_ms >= 0 && reset_ms <= INT64_MAX / 1'000'000) report.reset_ns = reset_ms * 1'000'000;
    Envelope envelope;
    const bool has_envelope = ParseEnvelope(response.body, &envelope);
    const bool ip_ban = response.status == 403 || (has_envelope && envelope.ret_code == 10018);
    report.throttled =
        ip_ban || response.status == 429 || (has_envelope && IsThrottle(envelope.ret_code));
    report.banned = ip_ban;
    if (report.throttled) {
      const std::int64_t now_ms = now_ns / 1'000'000;
      if (ip_ban) {
        report.retry_after_ms = kIpBanMs;
      } else if (report.reset_ns != 0 && reset_ms > now_ms) {
        report.retry_after_ms = std::min(reset_ms - now_ms, kIpBanMs);
      } else {
        report.retry_after_ms = kWindowMs;
      }
    }
    report.time_ns = now_ns;
    if (report.limit < 0 && report.remaining < 0 && report.reset_ns == 0 && !report.throttled) {
      return std::nullopt;
    }
    return report;
  }

 private:
  struct QueryState {
    bool history = false;        // the next query of this order asks /v5/order/history
    int realtime_in_flight = 0;  // realtime queries sent and not answered yet
  };

  void Forget(const std::string& key) {
    auto it = queries_.find(key);
    if (it == queries_.end()) return;
    it->second.history = false;
    if (it->second.realtime_in_flight == 0) queries_.erase(it);
  }

  net::HttpClientRequest Get(std::string_view path, std::string params, std::int64_t now_ms) {
    net::HttpClientRequest request;
    request.method = "GET";
    Sign(&request, params, now_ms);
    request.target = fmt::format("{}?{}", path, params);
    return request;
  }

  net::HttpClientRequest Post(std::string_view path, std::string body, std::int64_t now_ms) {
    net::HttpClientRequest request;
    request.method = "POST";
    request.target = std::string(path);
    Sign(&request, body, now_ms);
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(body);
    return request;
  }

  // v5/guide: sign = hex(HMAC-SHA256(secret, timestamp + api_key + recv_window + payload)).
  void Sign(net::HttpClientRequest* request, std::string_view payload, std::int64_t now_ms) {
    const std::string timestamp = std::to_string(now_ms);
    Signature signature;
    std::string_view signature_text = signature.view();
    if (!signer_.Sign(timestamp, recv_window_, payload, &signature)) {
      // OpenSSL failed: send no signature and let the venue refuse it rather than guess. (An
      // unfilled Signature is 64 NUL bytes, which must never reach a header.)
      signature_text = {};
    }
    request->headers.emplace_back(std::string(kApiKeyHeader), options_.api_key);
    request->headers.emplace_back(std::string(kTimestampHeader), timestamp);
    request->headers.emplace_back(std::string(kRecvWindowHeader), recv_window_);
    request->headers.emplace_back(std::string(kSignHeader), std::string(signature_text));
  }

  // An HTTP 2xx answer whose envelope says retCode 0.
  static bool Succeeded(const net::HttpClientResponse& response, Envelope* envelope) {
    return response.status >= 200 && response.status < 300 &&
           ParseEnvelope(response.body, envelope) && envelope->ret_code == 0;
  }

  // A refusal or a failure: what it says about the request (REJECTED or UNKNOWN) and the keys.
  core::OrderUpdate Refusal(const net::HttpClientResponse& response, GatewayAnswer* answer) {
    core::OrderUpdate update;
    Envelope envelope;
    const bool has_envelope = ParseEnvelope(response.body, &envelope);
    if (IsServerError(response.status) || response.status == 408 ||
        (has_envelope && IsExecutionUnknown(envelope.ret_code)) ||
        (!has_envelope && response.status >= 200 && response.status < 300)) {
      update.status = core::OrderStatus::kUnknown;
    } else {
      update.status = core::OrderStatus::kRejected;
    }
    if (has_envelope) {
      update.venue_code.Assign(std::to_string(envelope.ret_code));
      update.message.Assign(envelope.ret_msg);
      if (IsKeyRefusal(envelope.ret_code)) answer->keys = core::KeyState::kRefused;
    } else {
      update.venue_code.Assign(std::to_string(response.status));
      update.message.Assign(fmt::format("HTTP {} without a Bybit envelope", response.status));
    }
    // v5 HTTP codes: 401 "Need to use the correct key to access".
    if (response.status == 401) answer->keys = core::KeyState::kRefused;
    answer->error = fmt::format("HTTP {}: {} {}", response.status, update.venue_code.view(),
                                update.message.view());
    return update;
  }

  BybitOrderOptions options_;
  Signer signer_;
  std::string recv_window_;
  std::unordered_map<std::string, QueryState> queries_;
};

}  // namespace

core::Result<std::unique_ptr<OrderProtocol>> MakeBybitOrderProtocol(BybitOrderOptions options) {
  if (options.category != "spot") {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "Bybit order entry supports category \"spot\" only");
  }
  if (options.recv_window.count() <= 0) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Bybit recv_window must be positive");
  }
  auto signer = Signer::Create(options.api_key, options.api_secret);
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<BybitOrderProtocol>(std::move(options), std::move(signer).value()));
}

}  // namespace tradingd::gateways::bybit
