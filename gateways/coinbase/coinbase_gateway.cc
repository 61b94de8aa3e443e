#include "gateways/coinbase/coinbase_gateway.h"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "gateways/coinbase/coinbase_jwt.h"
#include "gateways/coinbase/coinbase_orders.h"
#include "gateways/coinbase/coinbase_signing.h"

namespace tradingd::gateways::coinbase {
namespace {

constexpr std::int64_t kDefaultRetryAfterMs = 1000;  // Coinbase's limits are per second
constexpr std::int64_t kMaxRetryAfterSeconds = 3600;

std::int64_t HeaderNumber(const net::HttpClientResponse& response, std::string_view name) {
  const std::string_view text = response.Header(name);
  std::int64_t value = -1;
  if (text.empty()) return -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return -1;
  return value;
}

// "Exchange REST API Rate Limits" / Advanced Trade's: a 429 and no counters. Retry-After when
// Coinbase sends it, else one second.
std::optional<core::RateLimitReport> ThrottleReport(const net::HttpClientResponse& response,
                                                    core::TimestampNs now_ns) {
  if (response.status != 429) return std::nullopt;
  core::RateLimitReport report;
  report.venue = core::Venue::kCoinbase;
  report.throttled = true;
  const std::int64_t seconds = HeaderNumber(response, "Retry-After");
  report.retry_after_ms =
      seconds > 0 ? std::min(seconds, kMaxRetryAfterSeconds) * 1000 : kDefaultRetryAfterMs;
  report.time_ns = now_ns;
  return report;
}

bool IsUnknownOutcome(int status) { return status >= 500 || status == 408; }

bool Mentions(std::string_view text, std::string_view word) {
  const auto it =
      std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      });
  return it != text.end();
}

// 401 (invalid signature, key or passphrase; an expired token) and 403 (the key lacks a
// permission) refuse the keys; a 401 about the request's timestamp is the clock's fault.
bool RefusesKeys(int status, std::string_view message) {
  if (status == 403) return true;
  return status == 401 && !Mentions(message, "timestamp");
}

// The answer to a Place whose combination the API does not offer: it went out as a read-only
// request, never as an order, so the refusal is definitive (and ours, not Coinbase's).
GatewayAnswer NotSent(std::string_view reason) {
  GatewayAnswer answer;
  core::OrderUpdate update;
  update.status = core::OrderStatus::kRejected;
  update.venue_code.Assign("UNSUPPORTED");
  update.message.Assign(fmt::format("{}; not sent", reason));
  answer.update = update;
  return answer;
}

void Scrub(std::string* secret) {
  if (!secret->empty()) OPENSSL_cleanse(secret->data(), secret->size());
  secret->clear();
}

void MarkRefusedCancel(core::OrderUpdate* update) {
  // A refused cancel says nothing about the order unless the venue says what it is: the engine
  // queries it.
  update->status = core::OrderStatus::kUnknown;
  update->cancel_refused = true;
}

// ---------------------------------------------------------------------------------------------
// Coinbase Exchange

class ExchangeProtocol final : public OrderProtocol {
 public:
  ExchangeProtocol(CoinbaseExchangeOrderOptions options, ExchangeSigner signer)
      : options_(std::move(options)), signer_(std::move(signer)) {}

  core::Venue venue() const override { return core::Venue::kCoinbase; }
  // Refused by the engine before risk, so the not-sent fallback in PlaceRequest stays a safety net.
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override {
    if (auto reason = UnsupportedReason(Api::kExchange, order)) return std::string(*reason);
    return std::nullopt;
  }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    if (UnsupportedReason(Api::kExchange, order)) {
      return Signed("GET", std::string(kExchangeAccountsPath), {}, now_ms);  // read-only
    }
    return Signed("POST", std::string(kExchangeOrdersPath), ExchangeNewOrderBody(order, instrument),
                  now_ms);
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                       const core::Instrument& instrument,
                                       std::int64_t now_ms) override {
    return Signed("DELETE", ExchangeCancelPath(order, instrument), {}, now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order, const core::Instrument&,
                                      std::int64_t now_ms) override {
    return Signed("GET", ExchangeOrderPath(order), {}, now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument& instrument,
                                                     std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) return std::nullopt;  // /fills wants Coinbase's order id
    return Signed("GET", ExchangeFillsPath(order.venue_order_id.view(), instrument), {}, now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Signed("GET", std::string(kExchangeAccountsPath), {}, now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    if (auto reason = UnsupportedReason(Api::kExchange, order)) return NotSent(*reason);
    GatewayAnswer answer;
    if (response.status == 200) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseExchangeOrder(response.body, instrument, &update).ok()) {
        answer.update = update;
        answer.keys = core::KeyState::kValid;
      }
      return answer;  // unreadable: the gateway makes it UNKNOWN
    }
    answer.update = Refusal(response, &answer);
    return answer;
  }

  GatewayAnswer OnCancel(const core::OrderRef& order, const core::Instrument&,
                         const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status == 200) {
      // "Cancel an order": 200 with the id of the canceled order.
      std::string id;
      if (ParseExchangeCancel(response.body, &id).ok()) {
        core::OrderUpdate update;
        update.client_order_id = order.client_order_id;
        update.status = core::OrderStatus::kCanceled;
        update.venue_order_id.Assign(id);
        answer.update = update;
      }
      return answer;
    }
    core::OrderUpdate update = Refusal(response, &answer);
    MarkRefusedCancel(&update);
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status == 200) {
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      if (ParseExchangeOrder(response.body, instrument, &update).ok()) {
        answer.fetch_fills = update.has_filled && !update.filled_quantity.is_zero();
        answer.update = update;
      } else {
        answer.error = "query: unreadable order";
      }
      return answer;
    }
    if (response.status == 404) {
      // "Get single order": 404 for an order Coinbase does not have; also, possibly, for one
      // canceled without any match (whose record Coinbase purges): either way nothing executed.
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.not_found = true;
      std::string message;
      update.venue_code.Assign("404");
      update.message.Assign(ParseExchangeError(response.body, &message) ? message
                                                                        : "order not found");
      answer.update = update;
      return answer;
    }
    Refusal(response, &answer);  // says nothing about the order; the engine asks again later
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status != 200) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status = ParseExchangeFills(response.body, instrument,
                                                 order.venue_order_id.view(), &answer.fills);
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
    if (core::Status status =
            ParseExchangeAccounts(response.body, venue(), now_ns, &answer.balances);
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
    return ThrottleReport(response, now_ns);
  }

 private:
  // "Exchange REST API Authentication": CB-ACCESS-SIGN is the base64 HMAC-SHA256 (key: the
  // decoded secret) of timestamp + method + requestPath (with its query) + body.
  net::HttpClientRequest Signed(std::string_view method, std::string target, std::string body,
                                std::int64_t now_ms) {
    const std::string timestamp = std::to_string(now_ms / 1000);
    ExchangeSignature signature;
    std::string_view signature_text = signature.view();
    if (!signer_.Sign(timestamp, method, target, body, &signature)) {
      // OpenSSL failed: let the venue refuse an empty signature rather than send NUL bytes.
      signature_text = {};
    }
    net::HttpClientRequest request;
    request.method = std::string(method);
    request.target = std::move(target);
    request.headers.emplace_back("CB-ACCESS-KEY", options_.api_key);
    request.headers.emplace_back("CB-ACCESS-SIGN", std::string(signature_text));
    request.headers.emplace_back("CB-ACCESS-TIMESTAMP", timestamp);
    request.headers.emplace_back("CB-ACCESS-PASSPHRASE", options_.passphrase);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(body);
    return request;
  }

  // A non-200 answer: what it says about the request (REJECTED or UNKNOWN) and the keys.
  core::OrderUpdate Refusal(const net::HttpClientResponse& response, GatewayAnswer* answer) {
    core::OrderUpdate update;
    std::string message;
    const bool has_body = ParseExchangeError(response.body, &message);
    update.status = IsUnknownOutcome(response.status) ? core::OrderStatus::kUnknown
                                                      : core::OrderStatus::kRejected;
    update.venue_code.Assign(std::to_string(response.status));
    if (!has_body) {
      message = fmt::format("HTTP {} without a Coinbase error body", response.status);
    }
    update.message.Assign(message);
    if (RefusesKeys(response.status, message)) answer->keys = core::KeyState::kRefused;
    answer->error = fmt::format("HTTP {}: {}", response.status, update.message.view());
    return update;
  }

  CoinbaseExchangeOrderOptions options_;
  ExchangeSigner signer_;
};

// ---------------------------------------------------------------------------------------------
// Coinbase Advanced Trade

class AdvancedTradeProtocol final : public OrderProtocol {
 public:
  AdvancedTradeProtocol(CoinbaseAdvancedTradeOrderOptions options, JwtSigner signer)
      : options_(std::move(options)), signer_(std::move(signer)) {}

  core::Venue venue() const override { return core::Venue::kCoinbase; }
  // Refused by the engine before risk, so the not-sent fallback in PlaceRequest stays a safety net.
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override {
    if (auto reason = UnsupportedReason(Api::kAdvancedTrade, order)) return std::string(*reason);
    return std::nullopt;
  }

  net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    if (UnsupportedReason(Api::kAdvancedTrade, order)) {
      return Signed("GET", std::string(kAdvancedAccountsPath), {}, now_ms);  // read-only
    }
    return Signed("POST", std::string(kAdvancedOrdersPath), AdvancedNewOrderBody(order, instrument),
                  now_ms);
  }
  net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                       const core::Instrument& instrument,
                                       std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) {
      // batch_cancel takes Coinbase's ids only: look the order up instead (read-only), and
      // answer refused with what the lookup found.
      return Signed("GET", AdvancedListOrdersPath(instrument), {}, now_ms);
    }
    return Signed("POST", std::string(kAdvancedCancelPath),
                  AdvancedCancelBody(order.venue_order_id.view()), now_ms);
  }
  net::HttpClientRequest QueryRequest(const core::OrderRef& order,
                                      const core::Instrument& instrument,
                                      std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) {
      return Signed("GET", AdvancedListOrdersPath(instrument), {}, now_ms);
    }
    return Signed("GET", AdvancedOrderPath(order.venue_order_id.view()), {}, now_ms);
  }
  std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                     const core::Instrument&,
                                                     std::int64_t now_ms) override {
    if (order.venue_order_id.empty()) return std::nullopt;
    return Signed("GET", AdvancedFillsPath(order.venue_order_id.view()), {}, now_ms);
  }
  net::HttpClientRequest BalancesRequest(std::int64_t now_ms) override {
    return Signed("GET", std::string(kAdvancedAccountsPath), {}, now_ms);
  }

  GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument&,
                        const net::HttpClientResponse& response) override {
    if (auto reason = UnsupportedReason(Api::kAdvancedTrade, order)) return NotSent(*reason);
    GatewayAnswer answer;
    if (response.status != 200) {
      answer.update = Refusal(response, &answer);
      return answer;
    }
    AdvancedCreateAnswer created;
    if (!ParseAdvancedCreate(response.body, &created).ok()) return answer;  // UNKNOWN
    core::OrderUpdate update;
    update.client_order_id = order.client_order_id;
    answer.keys = core::KeyState::kValid;  // a signed request was read and answered
    if (created.success) {
      // Accepted: NEW until a query says more (the answer has no state or fills).
      update.status = core::OrderStatus::kNew;
      update.venue_order_id.Assign(created.order_id);
    } else {
      update.status = core::OrderStatus::kRejected;
      update.venue_code.Assign(created.code);
      update.message.Assign(created.message);
      answer.error = fmt::format("order refused: {} {}", created.code, created.message);
    }
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnCancel(const core::OrderRef& order, const core::Instrument& instrument,
                         const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (order.venue_order_id.empty()) {
      core::OrderUpdate update;
      bool found = false;
      if (response.status == 200) {
        core::OrderUpdate seen;
        bool complete = false;
        if (ParseAdvancedOrderList(response.body, instrument, order.client_order_id.view(), &seen,
                                   &found, &complete)
                .ok() &&
            found) {
          update = seen;  // Coinbase's id and what the order is: the venue's word
        } else {
          found = false;
        }
      }
      if (!found) update.status = core::OrderStatus::kUnknown;
      update.client_order_id = order.client_order_id;
      update.cancel_refused = true;
      update.venue_code.Assign("NO_VENUE_ORDER_ID");
      update.message.Assign(
          found
              ? "Advanced Trade cancels by Coinbase's order id only; it is now known"
              : "Advanced Trade cancels by Coinbase's order id only, and the order was not found");
      answer.update = update;
      return answer;
    }
    if (response.status == 200) {
      AdvancedCancelResult result;
      if (!ParseAdvancedCancel(response.body, order.venue_order_id.view(), &result).ok()) {
        return answer;  // unreadable: the gateway reports the cancel refused
      }
      core::OrderUpdate update;
      update.client_order_id = order.client_order_id;
      update.venue_order_id = order.venue_order_id;
      if (result.success) {
        update.status = core::OrderStatus::kCanceled;
      } else {
        MarkRefusedCancel(&update);
        update.venue_code.Assign(result.failure_reason.empty() ? std::string("FAILED")
                                                               : result.failure_reason);
        update.message.Assign("Coinbase refused the cancel");
      }
      answer.update = update;
      return answer;
    }
    core::OrderUpdate update = Refusal(response, &answer);
    MarkRefusedCancel(&update);
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status != 200) {
      if (response.status == 404 && !order.venue_order_id.empty()) {
        core::OrderUpdate update;
        update.status = core::OrderStatus::kUnknown;
        update.not_found = true;
        std::string code, message;
        if (!ParseAdvancedError(response.body, &code, &message) || code.empty()) code = "404";
        update.venue_code.Assign(code);
        update.message.Assign(message.empty() ? std::string("order not found") : message);
        answer.update = update;
        return answer;
      }
      Refusal(response, &answer);
      return answer;
    }
    core::OrderUpdate update;
    update.client_order_id = order.client_order_id;
    if (!order.venue_order_id.empty()) {
      if (!ParseAdvancedOrder(response.body, instrument, &update).ok()) {
        answer.error = "query: unreadable order";
        return answer;
      }
    } else {
      bool found = false;
      bool complete = false;
      if (!ParseAdvancedOrderList(response.body, instrument, order.client_order_id.view(), &update,
                                  &found, &complete)
               .ok()) {
        answer.error = "query: unreadable order list";
        return answer;
      }
      if (!found) {
        if (!complete) {
          // Not among the product's newest orders, and there are more: not a definitive answer.
          answer.error = fmt::format(
              "query: {} is not among the newest {} orders of {}; not claiming it unknown",
              order.client_order_id.view(), kAdvancedLookupLimit, instrument.venue_symbol);
          return answer;
        }
        update.status = core::OrderStatus::kUnknown;
        update.not_found = true;
        update.venue_code.Assign("NOT_FOUND");
        update.message.Assign(fmt::format("no order with this client_order_id among the {} orders",
                                          instrument.venue_symbol));
        answer.update = update;
        return answer;
      }
    }
    answer.fetch_fills = update.has_filled && !update.filled_quantity.is_zero();
    answer.update = update;
    return answer;
  }

  GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                        const net::HttpClientResponse& response) override {
    GatewayAnswer answer;
    if (response.status != 200) {
      Refusal(response, &answer);
      return answer;
    }
    if (core::Status status = ParseAdvancedFills(response.body, instrument,
                                                 order.venue_order_id.view(), &answer.fills);
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
    if (core::Status status =
            ParseAdvancedAccounts(response.body, venue(), now_ns, &answer.balances);
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
    return ThrottleReport(response, now_ns);
  }

 private:
  // "Advanced Trade API Authentication": a fresh ES256 JWT per request whose uri claim is
  // "<METHOD> <host><path>" (the path without its query).
  net::HttpClientRequest Signed(std::string_view method, std::string target, std::string body,
                                std::int64_t now_ms) {
    const std::string_view path = std::string_view(target).substr(0, target.find('?'));
    if (!signer_.Sign(method, options_.host, path, now_ms / 1000, &jwt_)) jwt_.clear();
    net::HttpClientRequest request;
    request.method = std::string(method);
    request.target = std::move(target);
    request.headers.emplace_back("Authorization", "Bearer " + jwt_);
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = std::move(body);
    return request;
  }

  core::OrderUpdate Refusal(const net::HttpClientResponse& response, GatewayAnswer* answer) {
    core::OrderUpdate update;
    std::string code, message;
    const bool has_body = ParseAdvancedError(response.body, &code, &message);
    update.status = IsUnknownOutcome(response.status) ? core::OrderStatus::kUnknown
                                                      : core::OrderStatus::kRejected;
    update.venue_code.Assign(has_body && !code.empty() ? code : std::to_string(response.status));
    if (!has_body || message.empty()) {
      message = fmt::format("HTTP {} without a Coinbase error message", response.status);
    }
    update.message.Assign(message);
    if (RefusesKeys(response.status, message)) answer->keys = core::KeyState::kRefused;
    answer->error = fmt::format("HTTP {}: {} {}", response.status, update.venue_code.view(),
                                update.message.view());
    return update;
  }

  CoinbaseAdvancedTradeOrderOptions options_;
  JwtSigner signer_;
  std::string jwt_;  // reused buffer
};

}  // namespace

core::Result<std::unique_ptr<OrderProtocol>> MakeCoinbaseExchangeOrderProtocol(
    CoinbaseExchangeOrderOptions options) {
  if (options.api_key.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase Exchange API key is empty");
  }
  if (options.passphrase.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase Exchange passphrase is empty");
  }
  auto signer = ExchangeSigner::Create(options.api_secret);
  Scrub(&options.api_secret);  // the signer holds the key; no copy stays behind
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<ExchangeProtocol>(std::move(options), std::move(signer).value()));
}

core::Result<std::unique_ptr<OrderProtocol>> MakeCoinbaseAdvancedTradeOrderProtocol(
    CoinbaseAdvancedTradeOrderOptions options) {
  if (options.host.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase Advanced Trade host is empty");
  }
  auto signer = JwtSigner::Create(options.key_name, options.private_key_pem);
  Scrub(&options.private_key_pem);
  if (!signer.ok()) return signer.status();
  return std::unique_ptr<OrderProtocol>(
      std::make_unique<AdvancedTradeProtocol>(std::move(options), std::move(signer).value()));
}

}  // namespace tradingd::gateways::coinbase
