#include "gateways/okx/okx_gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <utility>

#include "gateways/okx/okx_orders.h"
#include "gateways/okx/okx_signing.h"

namespace tradingd::gateways::okx {
namespace {

bool IsServerError(int status) { return status >= 500; }

class OkxOrderProtocol final : public OrderProtocol {
 public:
  OkxOrderProtocol(OkxOrderOptions options, Signer signer)
      : options_(std::move(options)), signer_(std::move(signer)) {}

  core::Venue venue() const override { return core::Venue::kOkx; }
  // Refused by the engine before risk; PlaceRequest's own refusal stays a safety net.
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override {
    if (const char* reason = UnsupportedReason(order)) return std::string(reason);
    return std::nullopt;
  }
  // OKX's stops are algo orders (POST /api/v5/trade/order-algo): the engine holds them.
  bool native_stops() const override { return false; }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    if (const char* reason = UnsupportedReason(order)) {
      // Sent without ordType, which OKX refuses (50014): never traded as something else.
      spdlog::warn("OKX gateway: order {} has no exact OKX equivalent ({}); OKX will refuse it",
                   order.client_order_id.view(), reason);
    }
    net::HttpClientRequest request =
        Signed("POST", std::string(kPlaceOrderPath), PlaceOrderBody(order, instrument), now_ms);
    request.headers.emplace_back("expTime", std::to_string(now_ms + options_.recv_window.count()));
    return request;
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                       const core::Instrument& instrument,
                                       std::int64_t now_ms) override {
    return Signed("POST", std::string(kCancelOrderPath), CancelOrderBody(order, instrument),
                  now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    return Signed("GET", OrderDetailsPath(order, instrument), {}, now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument& instrument,
                                                     std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) return std::nullopt;  // /trade/fills filters by ordId
    return Signed("GET", FillsPath(order, instrument), {}, now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Signed("GET", std::string(kBalancePath), {}, now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument&,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Ack ack;
    const bool readable = ParseAck(response.body, order.client_order_id.view(), &ack).ok();
    if (readable && response.status == 200 && ack.accepted()) {
      core::OrderUpdate update;
      update.status = core::OrderStatus::kNew;
      update.venue_order_id.Assign(ack.ord_id);
      update.venue_time_ns = ack.ts_ns;
      answer.update = update;
      answer.keys = core::KeyState::kValid;
      return answer;
    }
    if (!readable || ack.refusal_code() == "0") {
      // Not an answer we can read (an HTML 502, a success without an order id): what happened
      // is unknown, and the gateway reports it so with the HTTP status.
      if (!readable) {
        answer.error = fmt::format("place: HTTP {} without a readable OKX answer", response.status);
      }
      return answer;
    }
    answer.update = Refusal(response, ack, &answer);
    return answer;
  }

  GatewayAnswer OnCancel(const core::OrderRef& order, const core::Instrument&,
                         const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Ack ack;
    if (!ParseAck(response.body, order.client_order_id.view(), &ack).ok()) {
      return answer;  // the gateway reports the cancel refused with the HTTP status
    }
    if (response.status == 200 && ack.accepted()) {
      // "Cancel order returns with sCode equal to 0. It is not strictly considered that the order
      // has been canceled. It only means that your cancellation request has been accepted by the
      // system server." The engine's query says what the order became.
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.venue_order_id.Assign(ack.ord_id);
      update.venue_time_ns = ack.ts_ns;
      update.venue_code.Assign("0");
      update.message.Assign("OKX accepted the cancel; the order's state comes from a query");
      answer.update = update;
      answer.keys = core::KeyState::kValid;
      return answer;
    }
    if (ack.refusal_code() == "0") return answer;  // a success without an order id: unreadable
    // 51400 and the like say the cancel failed, not what the order is: the engine queries it.
    core::OrderUpdate update = Refusal(response, ack, &answer);
    update.status = core::OrderStatus::kUnknown;
    update.cancel_refused = true;
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Ack ack;
    if (!ParseAck(response.body, {}, &ack).ok()) {
      answer.error = fmt::format("query: HTTP {} without a readable OKX answer", response.status);
      return answer;
    }
    if (response.status == 200 && ack.code == "0") {
      core::OrderUpdate update;
      if (core::Status status =
              ParseOrderDetails(response.body, instrument, order.client_order_id, &update);
          !status.ok()) {
        answer.error = fmt::format("query: {}", status.message());
        return answer;
      }
      answer.fetch_fills = !update.filled_quantity.is_zero();
      answer.update = update;
      answer.keys = core::KeyState::kValid;
      return answer;
    }
    if (IsOrderNotFound(ack.refusal_code())) {
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.not_found = true;
      update.venue_code.Assign(ack.VenueCode());
      update.message.Assign(ack.refusal_message());
      answer.update = update;
      answer.keys = core::KeyState::kValid;
      return answer;
    }
    // Anything else says nothing about the order; the engine asks again later.
    Refusal(response, ack, &answer);
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    Ack ack;
    if (!ParseAck(response.body, {}, &ack).ok()) {
      answer.error = fmt::format("fills: HTTP {} without a readable OKX answer", response.status);
      return answer;
    }
    if (response.status != 200 || ack.code != "0") {
      Refusal(response, ack, &answer);
      return answer;
    }
    if (core::Status status =
            ParseFills(response.body, instrument, order.venue_order_id.view(), &answer.fills);
        !status.ok()) {
      answer.fills.clear();
      answer.error = fmt::format("fills: {}", status.message());
      return answer;
    }
    for (core::Fill& fill : answer.fills) fill.client_order_id = order.client_order_id;
    answer.keys = core::KeyState::kValid;
    return answer;
  }

  GatewayAnswer OnBalances(const net::HttpClientResponse& response,
                           core::TimestampNs now_ns) override {
    GatewayAnswer answer;
    Ack ack;
    if (!ParseAck(response.body, {}, &ack).ok()) {
      answer.error =
          fmt::format("balances: HTTP {} without a readable OKX answer", response.status);
      return answer;
    }
    if (response.status != 200 || ack.code != "0") {
      Refusal(response, ack, &answer);
      return answer;
    }
    if (core::Status status = ParseBalances(response.body, venue(), now_ns, &answer.balances);
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
    // 50011 comes as HTTP 200 or 429 (docs-v5 "REST API" error codes), 50013 as 429: the body
    // says it when the status does not.
    bool throttled = response.status == 429;
    if (!throttled) {
      Ack ack;
      throttled = ParseAck(response.body, {}, &ack).ok() && IsThrottled(ack.refusal_code());
    }
    if (!throttled) return std::nullopt;
    core::RateLimitReport report;
    report.throttled = true;
    report.retry_after_ms = kThrottleWindowMs;
    report.time_ns = now_ns;
    return report;
  }

 private:
  net::HttpClientRequest Signed(std::string_view method, std::string path, std::string body,
                                std::int64_t now_ms) {
    IsoTimestamp timestamp;
    std::string_view timestamp_text = timestamp.view();
    if (!FormatIsoTimestamp(now_ms, &timestamp)) {
      // A clock outside years 1970..9999: send no timestamp and let OKX refuse the request.
      timestamp_text = {};
    }
    Signature signature;
    std::string_view signature_text = signature.view();
    if (timestamp_text.empty() || !signer_.Sign(timestamp_text, method, path, body, &signature)) {
      // OpenSSL failed: an empty sign, refused by OKX, rather than a guess. (An unfilled
      // Signature is 44 NUL bytes, which must never reach a header.)
      signature_text = {};
    }
    net::HttpClientRequest request;
    request.method = std::string(method);
    request.target = std::move(path);
    request.body = std::move(body);
    request.headers.emplace_back(std::string(kApiKeyHeader), options_.api_key);
    request.headers.emplace_back(std::string(kSignHeader), std::string(signature_text));
    request.headers.emplace_back(std::string(kTimestampHeader), std::string(timestamp_text));
    request.headers.emplace_back(std::string(kPassphraseHeader), options_.passphrase);
    request.headers.emplace_back("Content-Type", "application/json");
    if (options_.demo_trading) {
      request.headers.emplace_back(std::string(kSimulatedTradingHeader),
                                   std::string(kSimulatedTradingValue));
    }
    return request;
  }

  // A readable answer that is not a success: what it says about the request (REJECTED or
  // UNKNOWN) and the keys.
  core::OrderUpdate Refusal(const net::HttpClientResponse& response, const Ack& ack,
                            GatewayAnswer* answer) {
    core::OrderUpdate update;
    const std::string_view code = ack.refusal_code();
    if (IsServerError(response.status) || response.status == 408 || IsExecutionUnknown(code)) {
      update.status = core::OrderStatus::kUnknown;
    } else {
      update.status = core::OrderStatus::kRejected;
    }
    update.venue_code.Assign(ack.VenueCode());
    update.message.Assign(ack.refusal_message());
    if (IsKeyRefusal(code)) answer->keys = core::KeyState::kRefused;
    answer->error = fmt::format("HTTP {}: {} {}", response.status, update.venue_code.view(),
                                update.message.view());
    return update;
  }

  OkxOrderOptions options_;
  Signer signer_;
};

}  // namespace

core::Result<std::unique_ptr<OrderProtocol>> MakeOkxOrderProtocol(OkxOrderOptions options) {
  if (options.api_key.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "OKX API key is empty");
  }
  if (options.passphrase.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "OKX API passphrase is empty");
  }
  if (options.recv_window.count() <= 0) {
    return core::Status(core::ErrorCode::kInvalidConfig, "OKX recv_window must be positive");
  }
  auto signer = Signer::Create(options.api_secret);
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<OkxOrderProtocol>(std::move(options), std::move(signer).value()));
}

}  // namespace tradingd::gateways::okx
