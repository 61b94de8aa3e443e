#include "gateways/binance/binance_gateway.h"

#include <fmt/format.h>

#include <charconv>
#include <utility>

#include "gateways/binance/binance_orders.h"
#include "gateways/binance/binance_signing.h"

namespace tradingd::gateways::binance {
namespace {

std::int64_t HeaderNumber(const net::HttpClientResponse& response, std::string_view name) {
  const std::string_view text = response.Header(name);
  std::int64_t value = -1;
  if (text.empty()) return -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return -1;
  return value;
}

bool IsServerError(int status) { return status >= 500; }

class BinanceOrderProtocol final : public OrderProtocol {
 public:
  BinanceOrderProtocol(BinanceOrderOptions options, Signer signer)
      : options_(std::move(options)), signer_(std::move(signer)) {}

  core::Venue venue() const override { return core::Venue::kBinance; }
  bool native_stops() const override { return true; }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    return Signed("POST", "/api/v3/order", NewOrderParams(order, instrument), now_ms);
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                       const core::Instrument& instrument,
                                       std::int64_t now_ms) override {
    return Signed("DELETE", "/api/v3/order", OrderRefParams(order, instrument), now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    return Signed("GET", "/api/v3/order", OrderRefParams(order, instrument), now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument& instrument,
                                                     std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) return std::nullopt;  // myTrades needs Binance's orderId
    return Signed(
        "GET", "/api/v3/myTrades",
        fmt::format("symbol={}&orderId={}", instrument.venue_symbol, order.venue_order_id.view()),
        now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Signed("GET", "/api/v3/account", "omitZeroBalances=true", now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status == 200) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseOrder(response.body, instrument, &update, &answer.fills).ok()) {
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
    GatewayAnswer answer;
    if (response.status == 200) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseOrder(response.body, instrument, &update, nullptr).ok()) answer.update = update;
      return answer;
    }
    core::OrderUpdate update = Refusal(response, &answer);
    // A refused cancel says nothing about the order itself (-2011 "Unknown order sent.", a 5xx):
    // the update's status must not claim the order was REJECTED (core/orders.h: status carries
    // what the venue says the order is, when it says). The engine queries it.
    update.status = core::OrderStatus::kUnknown;
    update.cancel_refused = true;
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status == 200) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseOrder(response.body, instrument, &update, nullptr).ok()) {
        answer.fetch_fills = update.has_filled && !update.filled_quantity.is_zero();
        answer.update = update;
      } else {
        answer.error = "query: unreadable order";
      }
      return answer;
    }
    ErrorBody error;
    if (ParseError(response.body, &error) && error.code == -2013) {
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.not_found = true;
      update.venue_code.Assign(std::to_string(error.code));
      update.message.Assign(error.msg);
      answer.update = update;
      return answer;
    }
    // Anything else says nothing about the order; the engine asks again later.
    Refusal(response, &answer);
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status != 200) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status = ParseMyTrades(response.body, instrument, &answer.fills);
        !status.ok()) {
      answer.fills.clear();
      answer.error = status.message();
    }
    for (core::Fill& fill : answer.fills) fill.client_order_id = order.client_order_id;
    return answer;
  }

  GatewayAnswer OnBalances(const net::HttpClientResponse& response,
                           core::TimestampNs now_ns) override {
    GatewayAnswer answer;
    if (response.status != 200) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status = ParseAccount(response.body, venue(), now_ns, &answer.balances);
        !status.ok()) {
      answer.balances.clear();
      answer.error = status.message();
      return answer;
    }
    answer.keys = core::KeyState::kValid;
    return answer;
  }

  std::optional<core::RateLimitReport> RateLimits(const net::HttpClientResponse& response,
                                                  core::TimestampNs now_ns) override {
    core::RateLimitReport report;
    report.used_weight = HeaderNumber(response, "X-MBX-USED-WEIGHT-1M");
    report.orders_short_window = HeaderNumber(response, "X-MBX-ORDER-COUNT-10S");
    report.orders_day = HeaderNumber(response, "X-MBX-ORDER-COUNT-1D");
    report.throttled = response.status == 429 || response.status == 418;
    report.banned = response.status == 418;
    if (report.throttled) {
      const std::int64_t seconds = HeaderNumber(response, "Retry-After");
      report.retry_after_ms = seconds > 0 ? seconds * 1000 : 0;
      // -1015 (too many new orders) may come without Retry-After: the order window is 10 s.
      ErrorBody error;
      if (report.retry_after_ms == 0 && ParseError(response.body, &error) && error.code == -1015) {
        report.retry_after_ms = 10'000;
      }
    }
    report.time_ns = now_ns;
    if (report.used_weight < 0 && report.orders_short_window < 0 && report.orders_day < 0 &&
        !report.throttled) {
      return std::nullopt;
    }
    return report;
  }

 private:
  net::HttpClientRequest Signed(std::string_view method, std::string_view path, std::string params,
                                std::int64_t now_ms) {
    params += fmt::format("&recvWindow={}&timestamp={}", options_.recv_window.count(), now_ms);
    Signature signature;
    std::string_view signature_text = signature.view();
    if (!signer_.Sign(params, {}, &signature)) {
      // OpenSSL failed: send it with an empty signature and let the venue refuse it rather than
      // guess. (An unfilled Signature is 64 NUL bytes, which must never reach a request line.)
      signature_text = {};
    }
    net::HttpClientRequest request;
    request.method = std::string(method);
    request.target = fmt::format("{}?{}&signature={}", path, params, signature_text);
    request.headers.emplace_back(std::string(kApiKeyHeader), options_.api_key);
    return request;
  }

  // A non-200 answer: what it says about the request (REJECTED or UNKNOWN) and the keys.
  core::OrderUpdate Refusal(const net::HttpClientResponse& response, GatewayAnswer* answer) {
    core::OrderUpdate update;
    ErrorBody error;
    const bool has_body = ParseError(response.body, &error);
    if (IsServerError(response.status) || response.status == 408 ||
        (has_body && IsExecutionUnknown(error.code))) {
      update.status = core::OrderStatus::kUnknown;
    } else {
      update.status = core::OrderStatus::kRejected;
    }
    if (has_body) {
      update.venue_code.Assign(std::to_string(error.code));
      update.message.Assign(error.msg);
      if (IsKeyRefusal(error.code)) answer->keys = core::KeyState::kRefused;
    } else {
      update.venue_code.Assign(std::to_string(response.status));
      update.message.Assign(fmt::format("HTTP {} without a Binance error body", response.status));
    }
    answer->error = fmt::format("HTTP {}: {} {}", response.status, update.venue_code.view(),
                                update.message.view());
    return update;
  }

  BinanceOrderOptions options_;
  Signer signer_;
};

}  // namespace

core::Result<std::unique_ptr<OrderProtocol>> MakeBinanceOrderProtocol(BinanceOrderOptions options) {
  auto signer = Signer::Create(options.api_secret);
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<BinanceOrderProtocol>(std::move(options), std::move(signer).value()));
}

}  // namespace tradingd::gateways::binance
