#include "sim/coinbase/coinbase_orders_sim.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "gateways/coinbase/coinbase_jwt.h"
#include "gateways/coinbase/coinbase_signing.h"
#include "sim/coinbase/coinbase_wire.h"
#include "sim/common/http_query.h"

// Pages (docs.cdp.coinbase.com): exchange/rest-api/authentication (headers, prehash, the 30 s
// window), exchange/rest-api/requests (error shape), exchange/rest-api/rate-limits (token buckets:
// private 15/s burst 30, /fills 10/s burst 20), api-reference/exchange-api/rest-api/orders/
// {create-new-order, get-single-order, cancel-an-order, get-all-fills}, api-reference/
// exchange-api/rest-api/accounts/get-all-accounts; api-reference/advanced-trade-api/rest-api/
// orders/{create-order, get-order, list-orders, cancel-orders, list-fills}, .../accounts/
// list-accounts, advanced-trade/docs/rest-api-rate-limits (30/s private).

namespace tradingd::sim::coinbase {
namespace {

namespace od = simdjson::ondemand;
using core::Int128;

constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
constexpr std::int64_t kPpm = 1'000'000;

// ---- Coinbase's texts --------------------------------------------------------------------------
// Exchange. Sources: the "Exchange REST API Requests" page ({"message":"Invalid Price"} is its
// example), ccxt's coinbasepro error table ("Insufficient funds", "NotFound", "Invalid API Key",
// "invalid signature", "Invalid Passphrase", "Private rate limit exceeded", "Product not found",
// "Order already done", "order not found"), a 2025 probe of api.exchange.coinbase.com ("invalid
// timestamp", "request timestamp expired", 500 "Internal Server Error."), and the responses a
// Coinbase Pro emulator (tme-emu, ApiRestOrdersController.java) recorded from the real API
// ("CB-ACCESS-... header is required", "Requires size", "size must be a number", "Invalid side
// buY", "Invalid order_type lemit", "Invalid time_in_force GTCi", "Invalid client_oid", "Invalid
// order id", "Invalid id namespace") and client projects' captures ("size is too accurate.
// Smallest unit is 0.00000001", "price is too accurate. Smallest unit is 0.01000000", "size is too
// large. Maximum size is 70", "funds is too small. Minimum size is 10.00000000").
constexpr std::string_view kKeyRequired = "CB-ACCESS-KEY header is required";
constexpr std::string_view kSignRequired = "CB-ACCESS-SIGN header is required";
constexpr std::string_view kPassphraseRequired = "CB-ACCESS-PASSPHRASE header is required";
constexpr std::string_view kInvalidTimestamp = "invalid timestamp";
constexpr std::string_view kTimestampExpired = "request timestamp expired";
constexpr std::string_view kInvalidApiKey = "Invalid API Key";
constexpr std::string_view kInvalidPassphrase = "Invalid Passphrase";
constexpr std::string_view kInvalidSignature = "invalid signature";
constexpr std::string_view kInsufficientFunds = "Insufficient funds";
constexpr std::string_view kProductNotFound = "Product not found";
constexpr std::string_view kNotFound = "NotFound";
constexpr std::string_view kOrderNotFound = "order not found";
constexpr std::string_view kOrderAlreadyDone = "Order already done";
constexpr std::string_view kInvalidOrderId = "Invalid order id";
constexpr std::string_view kInvalidIdNamespace = "Invalid id namespace";
constexpr std::string_view kInvalidClientOid = "Invalid client_oid";
constexpr std::string_view kInvalidPrice = "Invalid Price";
constexpr std::string_view kRequiresSize = "Requires size";
constexpr std::string_view kRequiresPrice = "Requires price";
constexpr std::string_view kRequiresSide = "Requires side";
constexpr std::string_view kSizeNotNumber = "size must be a number";
constexpr std::string_view kPriceNotNumber = "price must be a number";
constexpr std::string_view kTradingPairNotAvailable = "Trading pair not available";
constexpr std::string_view kPrivateRateLimit = "Private rate limit exceeded";
constexpr std::string_view kInternalServerError = "Internal Server Error.";
constexpr std::string_view kPostOnlyReject = "post only";
// Coinbase documents no text for these; the wording is the sim's own.
constexpr std::string_view kMalformedJson = "Unexpected token in JSON";
constexpr std::string_view kFundsNotNumber = "funds must be a number";
constexpr std::string_view kRequiresSizeOrFunds = "Requires size or funds";
constexpr std::string_view kSizeAndFunds = "size and funds cannot both be specified";
constexpr std::string_view kPostOnlyWithTif =
    "post_only is invalid when time_in_force is IOC or FOK";
constexpr std::string_view kDuplicateClientOid = "client_oid is already used by an open order";
constexpr std::string_view kNoLiquidity = "Insufficient liquidity";
constexpr std::string_view kInvalidParameters = "Invalid order parameters";
constexpr std::string_view kFillsNeedFilter = "order_id or product_id is required";
constexpr std::string_view kUnsupportedGtt = "GTT orders are not supported by the sandbox venue";
constexpr std::string_view kUnsupportedStop =
    "stop orders are not supported by the sandbox venue (the engine holds stops)";
constexpr std::string_view kUnsupportedLimitFunds =
    "limit orders with funds are not supported by the sandbox venue";

// Advanced Trade. Sources: the Create Order / Cancel Orders / List Fills reference pages (field
// names, the failure-reason enums NewOrderFailureReason, PreviewFailureReason and
// CancelOrderFailureReason), captured answers in client projects ("Insufficient balance in source
// account", "Too many decimals in order price" / "order amount", "order with this orderID was not
// found", "Market orders cannot be placed with empty order sizes"), and coinbase-advanced-py issue
// 49 (the success answer's top-level failure_reason and order_id).
constexpr std::string_view kAdvancedUnauthorized = "Unauthorized";
constexpr std::string_view kAdvancedInsufficient = "Insufficient balance in source account";
constexpr std::string_view kAdvancedPriceDecimals = "Too many decimals in order price";
constexpr std::string_view kAdvancedSizeDecimals = "Too many decimals in order amount";
constexpr std::string_view kAdvancedEmptySize =
    "Market orders cannot be placed with empty order sizes";
constexpr std::string_view kAdvancedOrderNotFound = "order with this orderID was not found";
// The sim's own wording (Coinbase's is not on record).
constexpr std::string_view kAdvancedPostOnly = "Invalid limit price for post-only order";
constexpr std::string_view kAdvancedRateLimited = "Too many requests";
constexpr std::string_view kAdvancedInternal = "Internal server error";

constexpr std::string_view kExchangeProfileId = "8d742453-6dee-5b49-892f-ea637a144abe";
constexpr std::string_view kAdvancedUserId = "32e0ffe4-6049-542d-8e14-aebb949e2ee0";

// ---- helpers -----------------------------------------------------------------------------------

net::ServerResponse Json(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

net::ServerResponse ExchangeMessage(int status, std::string_view message) {
  core::JsonWriter w;
  w.BeginObject().Key("message").String(message).EndObject();
  return Json(status, w.Take());
}

net::ServerResponse AdvancedError(int status, std::string_view error, std::string_view message) {
  core::JsonWriter w;
  w.BeginObject()
      .Key("error")
      .String(error)
      .Key("error_details")
      .String(message)
      .Key("message")
      .String(message)
      .EndObject();
  return Json(status, w.Take());
}

// "0.01000000": eight fractional digits, as the Exchange writes prices and sizes.
std::string Fixed8(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 8); }
// "0.0100000000000000": sixteen, as it writes fees, values and balances.
std::string Fixed16(std::int64_t mantissa) { return Fixed8(mantissa) + "00000000"; }
// "0.01": trimmed, as Advanced Trade writes decimals.
std::string Trimmed(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }

std::string TimeOfMs(std::int64_t ms) { return MicrosecondTime(ms * 1'000'000); }

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// 8-4-4-4-12 hexadecimal digits, any case (Coinbase asks for a UUID).
bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !IsHex(text[i])) return false;
  }
  return true;
}

// Ids of other things than orders, in the same shape with another fixed prefix.
std::string PrefixedUuid(std::string_view prefix, std::uint64_t value) {
  return fmt::format("{}{:012x}", prefix, value & 0xFFFF'FFFF'FFFFULL);
}
constexpr std::string_view kOrderUuidPrefix = "5a4db1a7-c0b5-4e5d-9a3c-";
constexpr std::string_view kTradeUuidPrefix = "5a4db1a7-7ade-4e5d-9a3c-";
constexpr std::string_view kEntryUuidPrefix = "5a4db1a7-e47e-4e5d-9a3c-";

std::string AccountUuid(std::string_view asset) {
  std::uint64_t hash = 0x5A4D'B1A7'AC00'0000ULL;
  for (const char c : asset) hash = MixSeed(hash, static_cast<unsigned char>(c));
  const std::uint64_t more = MixSeed(hash, 0xACC);
  return fmt::format("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", hash >> 32, (hash >> 16) & 0xFFFF,
                     hash & 0xFFF, more & 0xFFF, (more >> 16) & 0xFFFF'FFFF'FFFFULL);
}

// Every value of `name` in `query` (Advanced Trade's arrays repeat the name:
// order_ids=a&order_ids=b).
std::vector<std::string> QueryValues(std::string_view query, std::string_view name) {
  std::vector<std::string> values;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) == name && eq != std::string_view::npos) {
      std::string value = PercentDecode(pair.substr(eq + 1));
      if (!value.empty()) values.push_back(std::move(value));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
    if (values.size() > 1000) break;
  }
  return values;
}

// A `limit` parameter: `fallback` when absent, clamped to [1, max]; nullopt when not a number.
std::optional<std::size_t> LimitParam(std::string_view query, std::size_t fallback,
                                      std::size_t max) {
  const auto text = QueryParam(query, "limit");
  if (!text || text->empty()) return fallback;
  std::int64_t value = 0;
  if (core::ParseDecimal(*text, 0, &value) != core::DecimalError::kOk) return std::nullopt;
  return static_cast<std::size_t>(
      std::clamp<std::int64_t>(value, 1, static_cast<std::int64_t>(max)));
}

// ---- a small JSON tree (request bodies are hostile) --------------------------------------------

struct JsonValue {
  enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kObject, kArray };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's contents or a number's token
  std::vector<std::pair<std::string, JsonValue>> members;
  std::vector<JsonValue> items;

  const JsonValue* Find(std::string_view key) const {
    for (const auto& [name, value] : members) {
      if (name == key) return &value;
    }
    return nullptr;
  }
};

constexpr int kMaxDepth = 8;
constexpr std::size_t kMaxEntries = 1000;

bool ReadValue(od::value value, int depth, JsonValue* out) {
  if (depth > kMaxDepth) return false;
  od::json_type type;
  if (value.type().get(type) != simdjson::SUCCESS) return false;
  switch (type) {
    case od::json_type::null: {
      out->kind = JsonValue::Kind::kNull;
      bool is_null = false;
      return value.is_null().get(is_null) == simdjson::SUCCESS && is_null;
    }
    case od::json_type::boolean: {
      out->kind = JsonValue::Kind::kBool;
      return value.get_bool().get(out->boolean) == simdjson::SUCCESS;
    }
    case od::json_type::number: {
      out->kind = JsonValue::Kind::kNumber;
      std::string_view token = value.raw_json_token();
      while (!token.empty() && (token.back() == ' ' || token.back() == '\n' ||
                                token.back() == '\r' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      out->text.assign(token);
      // Validate it is a number at all.
      double ignored = 0;
      return value.get_double().get(ignored) == simdjson::SUCCESS;
    }
    case od::json_type::string: {
      out->kind = JsonValue::Kind::kString;
      std::string_view text;
      if (value.get_string().get(text) != simdjson::SUCCESS) return false;
      out->text.assign(text);
      return true;
    }
    case od::json_type::object: {
      out->kind = JsonValue::Kind::kObject;
      od::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return false;
      for (auto field_result : object) {
        od::field field;
        if (std::move(field_result).get(field) != simdjson::SUCCESS) return false;
        std::string_view key;
        if (field.unescaped_key().get(key) != simdjson::SUCCESS) return false;
        if (out->members.size() >= kMaxEntries) return false;
        out->members.emplace_back(std::string(key), JsonValue{});
        if (!ReadValue(field.value(), depth + 1, &out->members.back().second)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      out->kind = JsonValue::Kind::kArray;
      od::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return false;
      for (auto element : array) {
        od::value item;
        if (std::move(element).get(item) != simdjson::SUCCESS) return false;
        if (out->items.size() >= kMaxEntries) return false;
        out->items.emplace_back();
        if (!ReadValue(item, depth + 1, &out->items.back())) return false;
      }
      return true;
    }
  }
  return false;
}

// The body as a JSON object; nullopt when it is not exactly one.
std::optional<JsonValue> ParseObject(od::parser& parser, std::string_view body) {
  const simdjson::padded_string padded(body);
  od::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return std::nullopt;
  od::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return std::nullopt;
  JsonValue root;
  root.kind = JsonValue::Kind::kObject;
  for (auto field_result : object) {
    od::field field;
    if (std::move(field_result).get(field) != simdjson::SUCCESS) return std::nullopt;
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return std::nullopt;
    if (root.members.size() >= kMaxEntries) return std::nullopt;
    root.members.emplace_back(std::string(key), JsonValue{});
    if (!ReadValue(field.value(), 1, &root.members.back().second)) return std::nullopt;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return std::nullopt;
  return root;
}

// A string or number field as text; nullopt when absent or null; `bad` when of another type.
std::optional<std::string> TextOf(const JsonValue* value, bool* bad) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) return std::nullopt;
  if (value->kind == JsonValue::Kind::kString || value->kind == JsonValue::Kind::kNumber) {
    return value->text;
  }
  *bad = true;
  return std::nullopt;
}

// A boolean, or "true"/"false" as text (Coinbase's Node services accept both).
std::optional<bool> BoolOf(const JsonValue* value, bool* bad) {
  if (value == nullptr || value->kind == JsonValue::Kind::kNull) return std::nullopt;
  if (value->kind == JsonValue::Kind::kBool) return value->boolean;
  if (value->kind == JsonValue::Kind::kString &&
      (value->text == "true" || value->text == "false")) {
    return value->text == "true";
  }
  *bad = true;
  return std::nullopt;
}

// ---- a lazy-fill token bucket ("REST Rate Limits Overview") ------------------------------------

class TokenBucket {
 public:
  explicit TokenBucket(CoinbaseRateLimit limit)
      : rate_(std::max(limit.per_second, 1)),
        capacity_(static_cast<std::int64_t>(std::max(limit.burst, 1)) * kPpm),
        tokens_(capacity_) {}

  // Takes one token at monotonic time `now_ns`; false when the bucket is empty.
  bool Take(std::int64_t now_ns) {
    if (last_ns_ != 0 && now_ns > last_ns_) {
      // Micro-tokens: elapsed seconds x rate x 10^6.
      const Int128 refill = static_cast<Int128>(now_ns - last_ns_) * rate_ / 1000;
      tokens_ = static_cast<std::int64_t>(
          std::min<Int128>(static_cast<Int128>(tokens_) + refill, capacity_));
    }
    if (last_ns_ == 0 || now_ns > last_ns_) last_ns_ = now_ns;
    if (tokens_ < kPpm) return false;
    tokens_ -= kPpm;
    return true;
  }

 private:
  std::int64_t rate_;
  std::int64_t capacity_;
  std::int64_t tokens_;
  std::int64_t last_ns_ = 0;
};

const char* SideText(OrderSide side, bool upper) {
  if (upper) return side == OrderSide::kBuy ? "BUY" : "SELL";
  return side == OrderSide::kBuy ? "buy" : "sell";
}

// The engine names orders sent without a client id "sim-<n>" (not a UUID, so never a client_oid).
bool PlacedWithClientId(const Order& order) { return !order.client_order_id.starts_with("sim-"); }

// What the quote amount of a market order by funds buys, fees taken out (Coinbase's "funds" beside
// "specified_funds").
std::int64_t FundsAfterFee(std::int64_t specified, std::int64_t fee_ppm) {
  return static_cast<std::int64_t>(static_cast<Int128>(specified) * kPpm / (kPpm + fee_ppm));
}

}  // namespace

// ---- ids ---------------------------------------------------------------------------------------

std::string CoinbaseOrderUuid(std::uint64_t order_id) {
  return PrefixedUuid(kOrderUuidPrefix, order_id);
}

std::optional<std::uint64_t> ParseCoinbaseOrderUuid(std::string_view text) {
  if (text.size() != 36 || !text.starts_with(kOrderUuidPrefix)) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text.substr(kOrderUuidPrefix.size())) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  if (value == 0) return std::nullopt;
  return value;
}

// ---- the order entry ---------------------------------------------------------------------------

class CoinbaseOrderEntry::Impl {
 public:
  Impl(bool advanced, CoinbaseExchangeCredentials exchange, std::chrono::seconds max_skew,
       CoinbaseOrderEntryOptions options)
      : advanced_(advanced),
        exchange_(std::move(exchange)),
        max_skew_(max_skew),
        options_(std::move(options)),
        private_bucket_(advanced ? options_.advanced_private : options_.exchange_private),
        fills_bucket_(options_.exchange_fills) {
    auto signer = gateways::coinbase::ExchangeSigner::Create(exchange_.api_secret);
    if (!signer.ok()) throw std::invalid_argument(signer.status().message());
    signer_.emplace(std::move(signer).value());
    if (!advanced_) return;
    if (options_.advanced_private_key_pem.empty()) {
      auto pem = gateways::coinbase::GenerateTestPrivateKeyPem();
      if (!pem.ok()) throw std::invalid_argument(pem.status().message());
      options_.advanced_private_key_pem = std::move(pem).value();
    }
    auto verifier = gateways::coinbase::JwtVerifier::FromPrivateKey(
        options_.advanced_key_name, options_.advanced_private_key_pem);
    if (!verifier.ok()) throw std::invalid_argument(verifier.status().message());
    verifier_.emplace(std::move(verifier).value());
  }

  bool advanced() const { return advanced_; }

  std::optional<StreamOrderEntry> Entry() const {
    if (!options_.enabled) return std::nullopt;
    StreamOrderEntry entry;
    if (advanced_) {
      entry.keys = {options_.advanced_key_name, options_.advanced_private_key_pem, ""};
      entry.maker_fee_ppm = options_.advanced_maker_fee_ppm;
      entry.taker_fee_ppm = options_.advanced_taker_fee_ppm;
      // Advanced Trade refuses a crossing post-only order (INVALID_LIMIT_PRICE_POST_ONLY).
      entry.post_only_policy = PostOnlyPolicy::kRefuse;
    } else {
      entry.keys = {exchange_.api_key, exchange_.api_secret, exchange_.passphrase};
      entry.maker_fee_ppm = options_.exchange_maker_fee_ppm;
      entry.taker_fee_ppm = options_.exchange_taker_fee_ppm;
      // The Exchange answers a crossing post-only order with a "rejected" order.
      entry.post_only_policy = PostOnlyPolicy::kExpire;
    }
    entry.fee_asset = FeeAsset::kQuote;
    // A FOK that cannot fill is accepted and ends at once ("done", "canceled" / CANCELLED).
    entry.fok_policy = FillOrKillPolicy::kExpire;
    entry.client_order_id_prefix = "sim-";
    return entry;
  }

  bool IsOrderEntry(const net::ServerRequest& request) const {
    const std::string_view path = request.Path();
    if (advanced_) {
      return path == "/api/v3/brokerage/orders" || path.starts_with("/api/v3/brokerage/orders/") ||
             path == "/api/v3/brokerage/accounts" ||
             path.starts_with("/api/v3/brokerage/accounts/");
    }
    return path == "/orders" || path.starts_with("/orders/") || path == "/fills" ||
           path == "/accounts" || path.starts_with("/accounts/");
  }

  net::ServerResponse RateLimited() const {
    if (advanced_) return AdvancedError(429, "RATE_LIMIT_EXCEEDED", kAdvancedRateLimited);
    return ExchangeMessage(429, kPrivateRateLimit);
  }

  net::ServerResponse ServerError() const {
    if (advanced_) return AdvancedError(500, "INTERNAL", kAdvancedInternal);
    return ExchangeMessage(500, kInternalServerError);
  }

  net::ServerResponse Handle(const net::ServerRequest& request, StreamOrders& orders) {
    return advanced_ ? HandleAdvanced(request, orders) : HandleExchange(request, orders);
  }

 private:
  // ================================ Coinbase Exchange ==========================================

  // Empty when the request carries the sandbox account's credentials.
  std::optional<net::ServerResponse> AuthenticateExchange(const net::ServerRequest& request,
                                                          const core::Clock& clock) {
    const std::string_view key = request.Header("CB-ACCESS-KEY");
    if (key.empty()) return ExchangeMessage(401, kKeyRequired);
    const std::string_view timestamp = request.Header("CB-ACCESS-TIMESTAMP");
    std::int64_t micros = 0;
    if (timestamp.empty() || core::ParseDecimal(timestamp, 6, &micros) != core::DecimalError::kOk ||
        micros < 0) {
      return ExchangeMessage(401, kInvalidTimestamp);
    }
    const std::int64_t skew_us = std::abs(clock.NowNs() / 1000 - micros);
    if (skew_us > std::chrono::duration_cast<std::chrono::microseconds>(max_skew_).count()) {
      return ExchangeMessage(401, kTimestampExpired);
    }
    const std::string_view signature = request.Header("CB-ACCESS-SIGN");
    if (signature.empty()) return ExchangeMessage(401, kSignRequired);
    if (key != exchange_.api_key) return ExchangeMessage(401, kInvalidApiKey);
    const std::string_view passphrase = request.Header("CB-ACCESS-PASSPHRASE");
    if (passphrase.empty()) return ExchangeMessage(401, kPassphraseRequired);
    if (passphrase != exchange_.passphrase) return ExchangeMessage(401, kInvalidPassphrase);
    // The signed request path carries the query, as Coinbase's own sample signs path_url.
    if (!signer_->Verify(timestamp, request.method, request.target, request.body, signature)) {
      return ExchangeMessage(401, kInvalidSignature);
    }
    return std::nullopt;
  }

  net::ServerResponse HandleExchange(const net::ServerRequest& request, StreamOrders& orders) {
    if (auto refused = AuthenticateExchange(request, orders.clock())) return std::move(*refused);
    const std::string_view path = request.Path();
    const std::string_view method = request.method;
    const std::int64_t now = orders.clock().MonotonicNs();
    TokenBucket& bucket = path == "/fills" ? fills_bucket_ : private_bucket_;
    if (!bucket.Take(now)) return ExchangeMessage(429, kPrivateRateLimit);

    if (path == "/orders") {
      if (method == "POST") return ExchangePlace(request, orders);
      if (method == "GET") return ExchangeListOrders(request, orders);
      if (method == "DELETE") return ExchangeCancelAll(request, orders);
    } else if (path.starts_with("/orders/")) {
      const std::string_view id = path.substr(8);
      if (method == "GET") return ExchangeQuery(id, orders);
      if (method == "DELETE") return ExchangeCancel(id, request, orders);
    } else if (path == "/fills") {
      if (method == "GET") return ExchangeFills(request, orders);
    } else if (path == "/accounts" || path.starts_with("/accounts/")) {
      if (method == "GET") {
        return ExchangeAccounts(path == "/accounts" ? std::string_view() : path.substr(10), orders);
      }
    }
    return ExchangeMessage(404, kNotFound);
  }

  // An order id in a path: the exchange's UUID or client:<client_oid>.
  struct PathId {
    const Order* order = nullptr;
    std::optional<net::ServerResponse> refused;  // a malformed id
  };
  PathId FindExchangeOrder(std::string_view id, StreamOrders& orders) const {
    PathId found;
    const std::string& account = orders.keys().api_key;
    if (const std::size_t colon = id.find(':'); colon != std::string_view::npos) {
      if (id.substr(0, colon) != "client") {
        found.refused = ExchangeMessage(400, kInvalidIdNamespace);
        return found;
      }
      const std::string oid = PercentDecode(id.substr(colon + 1));
      if (!IsUuid(oid)) {
        found.refused = ExchangeMessage(400, kInvalidOrderId);
        return found;
      }
      found.order = orders.engine().FindOrderByClientId(account, Lower(oid));
      return found;
    }
    if (!IsUuid(id)) {
      found.refused = ExchangeMessage(400, kInvalidOrderId);
      return found;
    }
    if (const auto order_id = ParseCoinbaseOrderUuid(Lower(id))) {
      found.order = orders.engine().FindOrder(account, *order_id);
    }
    return found;
  }

  static const char* ExchangeStatus(const Order& order) {
    switch (order.status) {
      case OrderStatus::kNew:
      case OrderStatus::kPartiallyFilled:
        return "open";
      case OrderStatus::kFilled:
      case OrderStatus::kCanceled:
        return "done";
      case OrderStatus::kExpired:
        return order.end_reason == EndReason::kPostOnlyWouldTake ? "rejected" : "done";
      case OrderStatus::kRejected:
        return "rejected";
    }
    return "done";
  }

  void WriteExchangeOrder(core::JsonWriter& w, const Order& order) const {
    const bool market = order.type == OrderType::kMarket;
    const char* status = ExchangeStatus(order);
    const bool rejected = std::string_view(status) == "rejected";
    w.BeginObject().Key("id").String(CoinbaseOrderUuid(order.order_id));
    if (!market) w.Key("price").String(Fixed8(order.price));
    if (order.quote_quantity == 0) w.Key("size").String(Fixed8(order.quantity));
    w.Key("product_id").String(order.symbol);
    w.Key("profile_id").String(kExchangeProfileId);
    w.Key("side").String(SideText(order.side, false));
    if (market && order.quote_quantity > 0) {
      w.Key("funds").String(
          Fixed16(FundsAfterFee(order.quote_quantity, options_.exchange_taker_fee_ppm)));
      w.Key("specified_funds").String(Fixed16(order.quote_quantity));
    }
    w.Key("type").String(market ? "market" : "limit");
    if (!market) w.Key("time_in_force").String(TimeInForceName(order.time_in_force));
    w.Key("post_only").Bool(order.post_only);
    w.Key("stp").String("dc");
    if (PlacedWithClientId(order)) w.Key("client_oid").String(order.client_order_id);
    w.Key("created_at").String(TimeOfMs(order.created_ms));
    if (!order.open()) {
      w.Key("done_at").String(TimeOfMs(order.updated_ms));
      if (!rejected) {
        w.Key("done_reason").String(order.status == OrderStatus::kFilled ? "filled" : "canceled");
      }
    }
    if (rejected) {
      w.Key("reject_reason")
          .String(order.end_reason == EndReason::kPostOnlyWouldTake ? kPostOnlyReject : "");
    }
    w.Key("fill_fees").String(Fixed16(order.cumulative_fee));
    w.Key("filled_size").String(Fixed8(order.executed_quantity));
    w.Key("executed_value").String(Fixed16(order.cumulative_quote));
    w.Key("status").String(status);
    w.Key("settled").Bool(!order.open());
    w.EndObject();
  }

  net::ServerResponse ExchangeOrderAnswer(const Order& order) const {
    core::JsonWriter w;
    WriteExchangeOrder(w, order);
    return Json(200, w.Take());
  }

  // A decimal field of a new order: its mantissa, or the refusal.
  struct Amount {
    std::optional<std::int64_t> value;
    std::optional<net::ServerResponse> refused;
  };
  static Amount ExchangeAmount(const JsonValue& body, std::string_view name,
                               std::string_view not_number, std::string_view too_precise) {
    Amount amount;
    bool bad = false;
    const auto text = TextOf(body.Find(name), &bad);
    if (bad) {
      amount.refused = ExchangeMessage(400, not_number);
      return amount;
    }
    if (!text || text->empty()) return amount;
    std::int64_t mantissa = 0;
    switch (core::ParseDecimal(*text, kSimScale, &mantissa)) {
      case core::DecimalError::kOk:
        amount.value = mantissa;
        break;
      case core::DecimalError::kTooPrecise:
        amount.refused = ExchangeMessage(400, too_precise);
        break;
      default:
        amount.refused = ExchangeMessage(400, not_number);
        break;
    }
    return amount;
  }

  net::ServerResponse ExchangePlace(const net::ServerRequest& request, StreamOrders& orders) {
    const std::optional<JsonValue> parsed = ParseObject(parser_, request.body);
    if (!parsed) return ExchangeMessage(400, kMalformedJson);
    const JsonValue& body = *parsed;
    MatchingEngine& engine = orders.engine();
    bool bad = false;

    OrderRequest order;
    order.account = orders.keys().api_key;
    if (const auto oid = TextOf(body.Find("client_oid"), &bad); bad || (oid && !IsUuid(*oid))) {
      return ExchangeMessage(400, kInvalidClientOid);
    } else if (oid) {
      order.client_order_id = Lower(*oid);
    }
    const auto product = TextOf(body.Find("product_id"), &bad);
    const SymbolSpec* spec = product && !bad ? engine.FindSymbol(*product) : nullptr;
    if (spec == nullptr) return ExchangeMessage(400, kProductNotFound);
    order.symbol = spec->symbol;

    const auto side = TextOf(body.Find("side"), &bad);
    if (!side || side->empty()) return ExchangeMessage(400, kRequiresSide);
    if (*side != "buy" && *side != "sell") {
      return ExchangeMessage(400, fmt::format("Invalid side {}", *side));
    }
    order.side = *side == "buy" ? OrderSide::kBuy : OrderSide::kSell;

    const std::string type = TextOf(body.Find("type"), &bad).value_or("limit");
    if (bad) return ExchangeMessage(400, fmt::format("Invalid order_type {}", type));
    if (type == "stop" || body.Find("stop") != nullptr || body.Find("stop_price") != nullptr) {
      return ExchangeMessage(400, kUnsupportedStop);
    }
    if (type != "limit" && type != "market") {
      return ExchangeMessage(400, fmt::format("Invalid order_type {}", type));
    }
    if (const auto stp = TextOf(body.Find("stp"), &bad);
        stp && *stp != "dc" && *stp != "co" && *stp != "cn" && *stp != "cb") {
      return ExchangeMessage(400, fmt::format("Invalid stp {}", *stp));
    }

    const std::string lot_text = Fixed8(spec->lot_size);
    const std::string tick_text = Fixed8(spec->tick_size);
    Amount size =
        ExchangeAmount(body, "size", kSizeNotNumber,
                       fmt::format("size is too accurate. Smallest unit is {}", lot_text));
    if (size.refused) return std::move(*size.refused);
    Amount funds =
        ExchangeAmount(body, "funds", kFundsNotNumber,
                       fmt::format("funds is too accurate. Smallest unit is {}", tick_text));
    if (funds.refused) return std::move(*funds.refused);

    if (type == "market") {
      order.type = OrderType::kMarket;
      if (size.value && funds.value) return ExchangeMessage(400, kSizeAndFunds);
      if (!size.value && !funds.value) return ExchangeMessage(400, kRequiresSizeOrFunds);
      if (funds.value) {
        if (*funds.value % spec->tick_size != 0) {
          return ExchangeMessage(
              400, fmt::format("funds is too accurate. Smallest unit is {}", tick_text));
        }
        order.quote_quantity = *funds.value;
        if (order.quote_quantity <= 0) return FundsTooSmall(*spec);
      } else {
        order.quantity = *size.value;
      }
    } else {
      order.type = OrderType::kLimit;
      if (funds.value) return ExchangeMessage(400, kUnsupportedLimitFunds);
      bool tif_bad = false;
      const std::string tif = TextOf(body.Find("time_in_force"), &tif_bad).value_or("GTC");
      if (tif == "GTT") return ExchangeMessage(400, kUnsupportedGtt);
      if (tif == "GTC") {
        order.time_in_force = TimeInForce::kGtc;
      } else if (tif == "IOC") {
        order.time_in_force = TimeInForce::kIoc;
      } else if (tif == "FOK") {
        order.time_in_force = TimeInForce::kFok;
      } else {
        return ExchangeMessage(400, fmt::format("Invalid time_in_force {}", tif));
      }
      bool post_bad = false;
      order.post_only = BoolOf(body.Find("post_only"), &post_bad).value_or(false);
      if (post_bad) return ExchangeMessage(400, kInvalidParameters);
      if (order.post_only && order.time_in_force != TimeInForce::kGtc) {
        return ExchangeMessage(400, kPostOnlyWithTif);
      }
      Amount price =
          ExchangeAmount(body, "price", kPriceNotNumber,
                         fmt::format("price is too accurate. Smallest unit is {}", tick_text));
      if (price.refused) return std::move(*price.refused);
      if (!price.value) return ExchangeMessage(400, kRequiresPrice);
      if (*price.value <= 0) return ExchangeMessage(400, kInvalidPrice);
      order.price = *price.value;
      if (!size.value) return ExchangeMessage(400, kRequiresSize);
      order.quantity = *size.value;
    }
    if (order.quote_quantity == 0 && order.quantity <= 0) {
      return ExchangeMessage(400, fmt::format("size is too small. Minimum size is {}", lot_text));
    }

    const OrderResult result = engine.Place(order);
    if (result.ok()) return ExchangeOrderAnswer(*result.order);
    return ExchangeRefusal(result.refusal, *spec, order);
  }

  static net::ServerResponse FundsTooSmall(const SymbolSpec& spec) {
    return ExchangeMessage(400, fmt::format("funds is too small. Minimum size is {}",
                                            Fixed8(std::max(spec.min_notional, spec.tick_size))));
  }

  static net::ServerResponse ExchangeRefusal(Refusal refusal, const SymbolSpec& spec,
                                             const OrderRequest& order) {
    switch (refusal) {
      case Refusal::kInsufficientBalance:
        return ExchangeMessage(400, kInsufficientFunds);
      case Refusal::kUnknownSymbol:
        return ExchangeMessage(400, kProductNotFound);
      case Refusal::kMarketClosed:
        return ExchangeMessage(400, kTradingPairNotAvailable);
      case Refusal::kQuantityNotPositive:
      case Refusal::kQuantityBelowMinimum:
        if (order.quote_quantity > 0) return FundsTooSmall(spec);
        return ExchangeMessage(
            400, fmt::format("size is too small. Minimum size is {}", Fixed8(spec.lot_size)));
      case Refusal::kQuantityNotLotMultiple:
        return ExchangeMessage(
            400, fmt::format("size is too accurate. Smallest unit is {}", Fixed8(spec.lot_size)));
      case Refusal::kQuantityAboveMaximum:
        return ExchangeMessage(
            400, fmt::format("size is too large. Maximum size is {}", Trimmed(spec.max_quantity)));
      case Refusal::kPriceNotPositive:
        return ExchangeMessage(400, kInvalidPrice);
      case Refusal::kPriceNotTickMultiple:
        return ExchangeMessage(
            400, fmt::format("price is too accurate. Smallest unit is {}", Fixed8(spec.tick_size)));
      case Refusal::kBelowMinNotional:
        return FundsTooSmall(spec);
      case Refusal::kDuplicateClientOrderId:
        return ExchangeMessage(400, kDuplicateClientOid);
      case Refusal::kNoLiquidity:
        return ExchangeMessage(400, kNoLiquidity);
      case Refusal::kUnknownAccount:
        return ExchangeMessage(401, kInvalidApiKey);
      default:
        return ExchangeMessage(400, kInvalidParameters);
    }
  }

  net::ServerResponse ExchangeQuery(std::string_view id, StreamOrders& orders) const {
    PathId found = FindExchangeOrder(id, orders);
    if (found.refused) return std::move(*found.refused);
    if (found.order == nullptr) return ExchangeMessage(404, kNotFound);
    return ExchangeOrderAnswer(*found.order);
  }

  net::ServerResponse ExchangeCancel(std::string_view id, const net::ServerRequest& request,
                                     StreamOrders& orders) const {
    PathId found = FindExchangeOrder(id, orders);
    if (found.refused) return std::move(*found.refused);
    const auto product = QueryParam(request.Query(), "product_id");
    if (found.order == nullptr ||
        (product && !product->empty() && *product != found.order->symbol)) {
      return ExchangeMessage(404, kOrderNotFound);
    }
    if (!found.order->open()) return ExchangeMessage(400, kOrderAlreadyDone);
    const OrderResult result = orders.engine().Cancel(orders.keys().api_key, found.order->order_id);
    if (!result.ok()) return ExchangeMessage(400, kOrderAlreadyDone);
    core::JsonWriter w;
    w.String(CoinbaseOrderUuid(result.order->order_id));
    return Json(200, w.Take());
  }

  net::ServerResponse ExchangeCancelAll(const net::ServerRequest& request,
                                        StreamOrders& orders) const {
    const std::string product = QueryParam(request.Query(), "product_id").value_or("");
    core::JsonWriter w;
    w.BeginArray();
    for (const Order* order : orders.engine().CancelAll(orders.keys().api_key, product)) {
      w.String(CoinbaseOrderUuid(order->order_id));
    }
    w.EndArray();
    return Json(200, w.Take());
  }

  net::ServerResponse ExchangeListOrders(const net::ServerRequest& request,
                                         StreamOrders& orders) const {
    const std::string_view query = request.Query();
    const auto limit = LimitParam(query, 100, 1000);
    if (!limit) return ExchangeMessage(400, "Invalid limit");
    std::vector<std::string> statuses = QueryValues(query, "status");
    if (statuses.empty()) statuses = {"open", "pending", "active"};
    const bool all = std::find(statuses.begin(), statuses.end(), "all") != statuses.end();
    const std::string product = QueryParam(query, "product_id").value_or("");
    std::vector<const Order*> list = orders.engine().Orders(orders.keys().api_key, product);
    std::reverse(list.begin(), list.end());  // newest first
    core::JsonWriter w;
    w.BeginArray();
    std::size_t written = 0;
    for (const Order* order : list) {
      if (written >= *limit) break;
      const std::string status = ExchangeStatus(*order);
      if (!all && std::find(statuses.begin(), statuses.end(), status) == statuses.end()) continue;
      WriteExchangeOrder(w, *order);
      ++written;
    }
    w.EndArray();
    return Json(200, w.Take());
  }

  net::ServerResponse ExchangeFills(const net::ServerRequest& request, StreamOrders& orders) const {
    const std::string_view query = request.Query();
    const auto order_id = QueryParam(query, "order_id");
    const auto product = QueryParam(query, "product_id");
    if ((!order_id || order_id->empty()) && (!product || product->empty())) {
      return ExchangeMessage(400, kFillsNeedFilter);
    }
    const auto limit = LimitParam(query, 100, 1000);
    if (!limit) return ExchangeMessage(400, "Invalid limit");
    std::optional<std::uint64_t> wanted;
    if (order_id && !order_id->empty()) {
      if (!IsUuid(*order_id)) return ExchangeMessage(400, kInvalidOrderId);
      wanted = ParseCoinbaseOrderUuid(Lower(*order_id));
      if (!wanted) wanted = 0;  // no sandbox order has it: no fills
    }
    std::vector<Fill> fills = orders.engine().Trades(orders.keys().api_key, product.value_or(""));
    std::reverse(fills.begin(), fills.end());  // descending trade_id
    core::JsonWriter w;
    w.BeginArray();
    std::size_t written = 0;
    std::uint64_t first = 0, last = 0;
    for (const Fill& fill : fills) {
      if (wanted && fill.order_id != *wanted) continue;
      if (written >= *limit) break;
      if (written == 0) first = fill.trade_id;
      last = fill.trade_id;
      ++written;
      const SymbolSpec* spec = orders.engine().FindSymbol(fill.symbol);
      w.BeginObject()
          .Key("created_at")
          .String(TimeOfMs(fill.time_ms))
          .Key("trade_id")
          .Uint(fill.trade_id)
          .Key("product_id")
          .String(fill.symbol)
          .Key("order_id")
          .String(CoinbaseOrderUuid(fill.order_id))
          .Key("user_id")
          .String(kAdvancedUserId)
          .Key("profile_id")
          .String(kExchangeProfileId)
          .Key("liquidity")
          .String(fill.is_maker ? "M" : "T")
          .Key("price")
          .String(Fixed8(fill.price))
          .Key("size")
          .String(Fixed8(fill.quantity))
          .Key("fee")
          .String(Fixed16(fill.fee))
          .Key("side")
          .String(SideText(fill.side, false))
          .Key("settled")
          .Bool(true)
          .Key("usd_volume")
          .String(Fixed16(fill.quote_quantity))
          .Key("funding_currency")
          .String(spec != nullptr ? core::ToUpperAscii(spec->quote) : fill.fee_asset)
          .EndObject();
    }
    w.EndArray();
    net::ServerResponse response = Json(200, w.Take());
    if (written > 0) {
      // Pagination ("Exchange REST API Pagination"): the newest and the oldest trade id returned.
      response.headers.emplace_back("CB-BEFORE", std::to_string(first));
      response.headers.emplace_back("CB-AFTER", std::to_string(last));
    }
    return response;
  }

  net::ServerResponse ExchangeAccounts(std::string_view id, StreamOrders& orders) const {
    const BalanceMap* balances = orders.engine().Balances(orders.keys().api_key);
    core::JsonWriter w;
    bool found = false;
    if (id.empty()) w.BeginArray();
    if (balances != nullptr) {
      for (const auto& [asset, balance] : *balances) {
        if (!id.empty() && Lower(id) != AccountUuid(asset)) continue;
        found = true;
        w.BeginObject()
            .Key("id")
            .String(AccountUuid(asset))
            .Key("currency")
            .String(asset)
            .Key("balance")
            .String(Fixed16(balance.free + balance.locked))
            .Key("hold")
            .String(Fixed16(balance.locked))
            .Key("available")
            .String(Trimmed(balance.free))
            .Key("profile_id")
            .String(kExchangeProfileId)
            .Key("trading_enabled")
            .Bool(true)
            .Key("pending_deposit")
            .String("")
            .Key("display_name")
            .String("")
            .EndObject();
      }
    }
    if (id.empty()) {
      w.EndArray();
    } else if (!found) {
      return ExchangeMessage(404, kNotFound);
    }
    return Json(200, w.Take());
  }

  // ================================ Coinbase Advanced Trade ====================================

  net::ServerResponse Unauthorized() const {
    net::ServerResponse response;
    response.status = 401;
    response.content_type = "text/plain; charset=utf-8";
    response.body = std::string(kAdvancedUnauthorized) + "\n";
    return response;
  }

  net::ServerResponse HandleAdvanced(const net::ServerRequest& request, StreamOrders& orders) {
    const std::string_view authorization = request.Header("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (!authorization.starts_with(kBearer)) return Unauthorized();
    const std::string_view path = request.Path();
    const std::string uri =
        gateways::coinbase::JwtUri(request.method, options_.advanced_host, path);
    const std::int64_t now_s = orders.clock().NowNs() / 1'000'000'000;
    if (!verifier_->Verify(authorization.substr(kBearer.size()), uri, now_s).ok()) {
      return Unauthorized();
    }
    if (!private_bucket_.Take(orders.clock().MonotonicNs())) return RateLimited();

    const std::string_view method = request.method;
    constexpr std::string_view kOrders = "/api/v3/brokerage/orders";
    constexpr std::string_view kHistorical = "/api/v3/brokerage/orders/historical/";
    if (path == kOrders && method == "POST") return AdvancedPlace(request, orders);
    if (path == "/api/v3/brokerage/orders/batch_cancel" && method == "POST") {
      return AdvancedCancel(request, orders);
    }
    if (path == "/api/v3/brokerage/orders/historical/batch" && method == "GET") {
      return AdvancedList(request, orders);
    }
    if (path == "/api/v3/brokerage/orders/historical/fills" && method == "GET") {
      return AdvancedFills(request, orders);
    }
    if (path.starts_with(kHistorical) && method == "GET") {
      return AdvancedQuery(path.substr(kHistorical.size()), orders);
    }
    if (path == "/api/v3/brokerage/accounts" && method == "GET") {
      return AdvancedAccounts({}, request, orders);
    }
    if (path.starts_with("/api/v3/brokerage/accounts/") && method == "GET") {
      return AdvancedAccounts(path.substr(27), request, orders);
    }
    return AdvancedError(404, "NOT_FOUND", "Not Found");
  }

  struct AdvancedFailure {
    std::string error = "UNKNOWN_FAILURE_REASON";
    std::string message;
    std::string preview = "UNKNOWN_PREVIEW_FAILURE_REASON";
  };

  // The order_configuration of an engine order, as Create Order takes it.
  static void WriteConfiguration(core::JsonWriter& w, const Order& order) {
    w.BeginObject();
    if (order.type == OrderType::kMarket) {
      w.Key("market_market_ioc").BeginObject();
      if (order.quote_quantity > 0) {
        w.Key("quote_size").String(Trimmed(order.quote_quantity));
      } else {
        w.Key("base_size").String(Trimmed(order.quantity));
      }
      w.EndObject();
    } else {
      const char* name = order.time_in_force == TimeInForce::kIoc   ? "sor_limit_ioc"
                         : order.time_in_force == TimeInForce::kFok ? "limit_limit_fok"
                                                                    : "limit_limit_gtc";
      w.Key(name).BeginObject();
      w.Key("base_size").String(Trimmed(order.quantity));
      w.Key("limit_price").String(Trimmed(order.price));
      if (order.time_in_force == TimeInForce::kGtc) w.Key("post_only").Bool(order.post_only);
      w.EndObject();
    }
    w.EndObject();
  }

  static const char* AdvancedStatus(const Order& order) {
    switch (order.status) {
      case OrderStatus::kNew:
      case OrderStatus::kPartiallyFilled:
        return "OPEN";
      case OrderStatus::kFilled:
        return "FILLED";
      case OrderStatus::kCanceled:
      case OrderStatus::kExpired:
        return "CANCELLED";
      case OrderStatus::kRejected:
        return "FAILED";
    }
    return "FAILED";
  }

  static const char* AdvancedTimeInForce(const Order& order) {
    if (order.type == OrderType::kMarket) return "IMMEDIATE_OR_CANCEL";
    switch (order.time_in_force) {
      case TimeInForce::kGtc:
        return "GOOD_UNTIL_CANCELLED";
      case TimeInForce::kIoc:
        return "IMMEDIATE_OR_CANCEL";
      case TimeInForce::kFok:
        return "FILL_OR_KILL";
    }
    return "GOOD_UNTIL_CANCELLED";
  }

  static void WriteAdvancedOrder(core::JsonWriter& w, const Order& order) {
    const std::int64_t average =
        order.executed_quantity > 0
            ? static_cast<std::int64_t>(static_cast<Int128>(order.cumulative_quote) * kUnit /
                                        order.executed_quantity)
            : 0;
    const std::int64_t completion =
        order.quantity > 0
            ? static_cast<std::int64_t>(static_cast<Int128>(order.executed_quantity) * 100 * kUnit /
                                        order.quantity)
            : 0;
    const std::int64_t after_fees = order.side == OrderSide::kBuy
                                        ? order.cumulative_quote + order.cumulative_fee
                                        : order.cumulative_quote - order.cumulative_fee;
    w.BeginObject()
        .Key("order_id")
        .String(CoinbaseOrderUuid(order.order_id))
        .Key("product_id")
        .String(order.symbol)
        .Key("user_id")
        .String(kAdvancedUserId)
        .Key("order_configuration");
    WriteConfiguration(w, order);
    w.Key("side")
        .String(SideText(order.side, true))
        .Key("client_order_id")
        .String(order.client_order_id)
        .Key("status")
        .String(AdvancedStatus(order))
        .Key("time_in_force")
        .String(AdvancedTimeInForce(order))
        .Key("created_time")
        .String(TimeOfMs(order.created_ms))
        .Key("completion_percentage")
        .String(Trimmed(completion))
        .Key("filled_size")
        .String(Trimmed(order.executed_quantity))
        .Key("average_filled_price")
        .String(Trimmed(average))
        .Key("fee")
        .String("0")
        .Key("number_of_fills")
        .String(std::to_string(order.fills.size()))
        .Key("filled_value")
        .String(Trimmed(order.cumulative_quote))
        .Key("pending_cancel")
        .Bool(false)
        .Key("size_in_quote")
        .Bool(order.quote_quantity > 0)
        .Key("total_fees")
        .String(Trimmed(order.cumulative_fee))
        .Key("size_inclusive_of_fees")
        .Bool(order.quote_quantity > 0 && order.side == OrderSide::kBuy)
        .Key("total_value_after_fees")
        .String(Trimmed(std::max<std::int64_t>(after_fees, 0)))
        .Key("trigger_status")
        .String("INVALID_ORDER_TYPE")
        .Key("order_type")
        .String(order.type == OrderType::kMarket ? "MARKET" : "LIMIT")
        .Key("reject_reason")
        .String("")
        .Key("settled")
        .Bool(!order.open())
        .Key("product_type")
        .String("SPOT")
        .Key("reject_message")
        .String("")
        .Key("cancel_message")
        .String("")
        .Key("order_placement_source")
        .String("RETAIL_ADVANCED")
        .Key("outstanding_hold_amount")
        .String(Trimmed(order.locked))
        .Key("is_liquidation")
        .Bool(false)
        .Key("last_fill_time");
    if (order.fills.empty()) {
      w.Null();
    } else {
      w.String(TimeOfMs(order.fills.back().time_ms));
    }
    w.Key("edit_history")
        .BeginArray()
        .EndArray()
        .Key("leverage")
        .String("")
        .Key("margin_type")
        .String("")
        .Key("retail_portfolio_id")
        .String("")
        .Key("originating_order_id")
        .String("")
        .Key("attached_order_id")
        .String("")
        .EndObject();
  }

  static net::ServerResponse AdvancedCreated(const Order& order) {
    const std::string id = CoinbaseOrderUuid(order.order_id);
    core::JsonWriter w;
    w.BeginObject()
        .Key("success")
        .Bool(true)
        .Key("failure_reason")
        .String("UNKNOWN_FAILURE_REASON")
        .Key("order_id")
        .String(id)
        .Key("success_response")
        .BeginObject()
        .Key("order_id")
        .String(id)
        .Key("product_id")
        .String(order.symbol)
        .Key("side")
        .String(SideText(order.side, true))
        .Key("client_order_id")
        .String(order.client_order_id)
        .EndObject()
        .Key("order_configuration");
    WriteConfiguration(w, order);
    w.EndObject();
    return Json(200, w.Take());
  }

  // {"success":false,...} with HTTP 200, the configuration echoed as sent.
  static net::ServerResponse AdvancedRefused(const AdvancedFailure& failure,
                                             const JsonValue* configuration) {
    core::JsonWriter w;
    w.BeginObject()
        .Key("success")
        .Bool(false)
        .Key("failure_reason")
        .String("UNKNOWN_FAILURE_REASON")
        .Key("order_id")
        .String("")
        .Key("error_response")
        .BeginObject()
        .Key("error")
        .String(failure.error)
        .Key("message")
        .String(failure.message)
        .Key("error_details")
        .String(failure.message)
        .Key("preview_failure_reason")
        .String(failure.preview)
        .Key("new_order_failure_reason")
        .String(failure.error)
        .EndObject();
    w.Key("order_configuration");
    WriteEcho(w, configuration);
    w.EndObject();
    return Json(200, w.Take());
  }

  static void WriteEcho(core::JsonWriter& w, const JsonValue* value) {
    if (value == nullptr) {
      w.BeginObject().EndObject();
      return;
    }
    switch (value->kind) {
      case JsonValue::Kind::kNull:
        w.Null();
        break;
      case JsonValue::Kind::kBool:
        w.Bool(value->boolean);
        break;
      case JsonValue::Kind::kNumber:
        w.RawNumber(value->text);
        break;
      case JsonValue::Kind::kString:
        w.String(value->text);
        break;
      case JsonValue::Kind::kObject:
        w.BeginObject();
        for (const auto& [name, member] : value->members) {
          w.Key(name);
          WriteEcho(w, &member);
        }
        w.EndObject();
        break;
      case JsonValue::Kind::kArray:
        w.BeginArray();
        for (const JsonValue& item : value->items) WriteEcho(w, &item);
        w.EndArray();
        break;
    }
  }

  // A size or price of an order configuration.
  struct AdvancedAmount {
    std::optional<std::int64_t> value;
    std::optional<AdvancedFailure> failure;
    bool malformed = false;
  };
  static AdvancedAmount ReadAdvancedAmount(const JsonValue& config, std::string_view name,
                                           bool price) {
    AdvancedAmount amount;
    bool bad = false;
    const auto text = TextOf(config.Find(name), &bad);
    if (bad) {
      amount.malformed = true;
      return amount;
    }
    if (!text || text->empty()) return amount;
    std::int64_t mantissa = 0;
    switch (core::ParseDecimal(*text, kSimScale, &mantissa)) {
      case core::DecimalError::kOk:
        amount.value = mantissa;
        break;
      case core::DecimalError::kTooPrecise:
        amount.failure =
            price ? AdvancedFailure{"INVALID_PRICE_PRECISION", std::string(kAdvancedPriceDecimals),
                                    "PREVIEW_INVALID_PRICE_PRECISION"}
                  : AdvancedFailure{"INVALID_SIZE_PRECISION", std::string(kAdvancedSizeDecimals),
                                    "PREVIEW_INVALID_SIZE_PRECISION"};
        break;
      default:
        amount.malformed = true;
        break;
    }
    return amount;
  }

  static AdvancedFailure AdvancedFailureOf(Refusal refusal, const OrderRequest& order) {
    const bool by_quote = order.quote_quantity > 0;
    switch (refusal) {
      case Refusal::kInsufficientBalance:
        return {"INSUFFICIENT_FUND", std::string(kAdvancedInsufficient),
                "PREVIEW_INSUFFICIENT_FUND"};
      case Refusal::kPostOnlyWouldTake:
        return {"INVALID_LIMIT_PRICE_POST_ONLY", std::string(kAdvancedPostOnly),
                "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY"};
      case Refusal::kUnknownSymbol:
        return {"INVALID_PRODUCT_ID", "", "PREVIEW_INVALID_PRODUCT_ID"};
      case Refusal::kMarketClosed:
        return {"ORDER_ENTRY_DISABLED", "", "UNKNOWN_PREVIEW_FAILURE_REASON"};
      case Refusal::kQuantityNotLotMultiple:
        return {"INVALID_SIZE_PRECISION", std::string(kAdvancedSizeDecimals),
                "PREVIEW_INVALID_SIZE_PRECISION"};
      case Refusal::kPriceNotTickMultiple:
        return {"INVALID_PRICE_PRECISION", std::string(kAdvancedPriceDecimals),
                "PREVIEW_INVALID_PRICE_PRECISION"};
      case Refusal::kPriceNotPositive:
        return {"INVALID_LIMIT_PRICE", "", "PREVIEW_INVALID_LIMIT_PRICE"};
      case Refusal::kQuantityNotPositive:
      case Refusal::kQuantityBelowMinimum:
        return {"UNKNOWN_FAILURE_REASON", "",
                by_quote ? "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL"
                         : "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"};
      case Refusal::kBelowMinNotional:
        return {"UNKNOWN_FAILURE_REASON", "", "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL"};
      case Refusal::kQuantityAboveMaximum:
        return {"UNKNOWN_FAILURE_REASON", "", "PREVIEW_INVALID_BASE_SIZE_TOO_LARGE"};
      case Refusal::kNoLiquidity:
        return {"INVALID_NO_LIQUIDITY", "", "PREVIEW_INVALID_NO_LIQUIDITY"};
      default:
        return {"INVALID_REQUEST", "", "PREVIEW_INVALID_ORDER_CONFIG"};
    }
  }

  net::ServerResponse AdvancedPlace(const net::ServerRequest& request, StreamOrders& orders) {
    const std::optional<JsonValue> parsed = ParseObject(parser_, request.body);
    if (!parsed) return AdvancedError(400, "INVALID_ARGUMENT", "invalid request body");
    const JsonValue& body = *parsed;
    MatchingEngine& engine = orders.engine();
    const std::string& account = orders.keys().api_key;
    bool bad = false;
    const auto client_id = TextOf(body.Find("client_order_id"), &bad);
    if (bad || !client_id || client_id->empty() || client_id->size() > 128) {
      return AdvancedError(400, "INVALID_ARGUMENT", "client_order_id is required");
    }
    const JsonValue* configuration = body.Find("order_configuration");
    // "If the ID provided is not unique, the order fails to be created and the order corresponding
    // to that ID is returned."
    if (const Order* existing = engine.FindOrderByClientId(account, *client_id)) {
      return AdvancedCreated(*existing);
    }
    const auto product = TextOf(body.Find("product_id"), &bad);
    const SymbolSpec* spec = product && !bad ? engine.FindSymbol(*product) : nullptr;
    if (spec == nullptr) {
      return AdvancedRefused({"INVALID_PRODUCT_ID", "", "PREVIEW_INVALID_PRODUCT_ID"},
                             configuration);
    }
    const auto side = TextOf(body.Find("side"), &bad);
    if (!side || (*side != "BUY" && *side != "SELL")) {
      return AdvancedRefused({"INVALID_SIDE", "", "PREVIEW_INVALID_SIDE"}, configuration);
    }
    const AdvancedFailure unsupported{"UNSUPPORTED_ORDER_CONFIGURATION", "",
                                      "PREVIEW_INVALID_ORDER_CONFIG"};
    if (configuration == nullptr || configuration->kind != JsonValue::Kind::kObject ||
        configuration->members.size() != 1 ||
        configuration->members.front().second.kind != JsonValue::Kind::kObject) {
      return AdvancedRefused(unsupported, configuration);
    }
    const std::string& kind = configuration->members.front().first;
    const JsonValue& config = configuration->members.front().second;

    OrderRequest order;
    order.account = account;
    order.symbol = spec->symbol;
    order.client_order_id = *client_id;
    order.side = *side == "BUY" ? OrderSide::kBuy : OrderSide::kSell;
    const AdvancedFailure malformed{"INVALID_REQUEST", "", "PREVIEW_INVALID_ORDER_CONFIG"};

    AdvancedAmount base = ReadAdvancedAmount(config, "base_size", false);
    if (base.malformed) return AdvancedRefused(malformed, configuration);
    if (base.failure) return AdvancedRefused(*base.failure, configuration);
    if (kind == "market_market_ioc") {
      AdvancedAmount quote = ReadAdvancedAmount(config, "quote_size", false);
      if (quote.malformed) return AdvancedRefused(malformed, configuration);
      if (quote.failure) {
        quote.failure->preview = "PREVIEW_INVALID_QUOTE_SIZE_PRECISION";
        return AdvancedRefused(*quote.failure, configuration);
      }
      if (quote.value.has_value() == base.value.has_value()) {
        AdvancedFailure empty{"UNKNOWN_FAILURE_REASON", std::string(kAdvancedEmptySize),
                              "UNKNOWN_PREVIEW_FAILURE_REASON"};
        if (quote.value) empty.message = "only one of base_size and quote_size may be given";
        return AdvancedRefused(empty, configuration);
      }
      order.type = OrderType::kMarket;
      if (quote.value) {
        if (*quote.value % spec->tick_size != 0) {
          return AdvancedRefused(
              {"UNKNOWN_FAILURE_REASON", "", "PREVIEW_INVALID_QUOTE_SIZE_PRECISION"},
              configuration);
        }
        order.quote_quantity = *quote.value;
      } else {
        order.quantity = *base.value;
      }
    } else if (kind == "limit_limit_gtc" || kind == "sor_limit_ioc" || kind == "limit_limit_fok") {
      order.type = OrderType::kLimit;
      order.time_in_force = kind == "sor_limit_ioc"     ? TimeInForce::kIoc
                            : kind == "limit_limit_fok" ? TimeInForce::kFok
                                                        : TimeInForce::kGtc;
      if (config.Find("quote_size") != nullptr) return AdvancedRefused(unsupported, configuration);
      AdvancedAmount price = ReadAdvancedAmount(config, "limit_price", true);
      if (price.malformed) return AdvancedRefused(malformed, configuration);
      if (price.failure) return AdvancedRefused(*price.failure, configuration);
      if (!price.value || *price.value <= 0) {
        return AdvancedRefused({"INVALID_LIMIT_PRICE", "", "PREVIEW_INVALID_LIMIT_PRICE"},
                               configuration);
      }
      if (!base.value) {
        return AdvancedRefused(
            {"UNKNOWN_FAILURE_REASON", "", "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"}, configuration);
      }
      order.price = *price.value;
      order.quantity = *base.value;
      if (kind == "limit_limit_gtc") {
        bool post_bad = false;
        order.post_only = BoolOf(config.Find("post_only"), &post_bad).value_or(false);
        if (post_bad) return AdvancedRefused(malformed, configuration);
      }
    } else {
      // limit_limit_gtd, the stop and bracket configurations, TWAP, market_market_fok
      // ("Perpetuals only"): not offered by the sandbox venue.
      return AdvancedRefused(unsupported, configuration);
    }
    if (order.quote_quantity == 0 && order.quantity <= 0) {
      return AdvancedRefused({"UNKNOWN_FAILURE_REASON", "", "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"},
                             configuration);
    }
    const OrderResult result = engine.Place(order);
    if (result.ok()) return AdvancedCreated(*result.order);
    return AdvancedRefused(AdvancedFailureOf(result.refusal, order), configuration);
  }

  net::ServerResponse AdvancedQuery(std::string_view id, StreamOrders& orders) const {
    const Order* order = nullptr;
    if (const auto order_id = ParseCoinbaseOrderUuid(id)) {
      order = orders.engine().FindOrder(orders.keys().api_key, *order_id);
    }
    if (order == nullptr) return AdvancedError(404, "NOT_FOUND", kAdvancedOrderNotFound);
    core::JsonWriter w;
    w.BeginObject().Key("order");
    WriteAdvancedOrder(w, *order);
    w.EndObject();
    return Json(200, w.Take());
  }

  net::ServerResponse AdvancedList(const net::ServerRequest& request, StreamOrders& orders) const {
    const std::string_view query = request.Query();
    const auto limit = LimitParam(query, 1000, 1000);
    if (!limit) return AdvancedError(400, "INVALID_ARGUMENT", "invalid limit");
    std::vector<std::string> ids = QueryValues(query, "order_ids");
    std::vector<std::string> products = QueryValues(query, "product_ids");
    for (std::string& product : QueryValues(query, "product_id")) products.push_back(product);
    std::vector<std::string> statuses = QueryValues(query, "order_status");
    std::size_t offset = 0;
    if (const auto cursor = QueryParam(query, "cursor"); cursor && !cursor->empty()) {
      std::int64_t value = 0;
      if (core::ParseDecimal(*cursor, 0, &value) != core::DecimalError::kOk || value < 0) {
        return AdvancedError(400, "INVALID_ARGUMENT", "invalid cursor");
      }
      offset = static_cast<std::size_t>(value);
    }
    std::vector<const Order*> matching;
    std::vector<const Order*> all = orders.engine().Orders(orders.keys().api_key);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {  // newest first
      const Order& order = **it;
      auto listed = [](const std::vector<std::string>& list, std::string_view value) {
        return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
      };
      if (!listed(ids, CoinbaseOrderUuid(order.order_id)) || !listed(products, order.symbol) ||
          !listed(statuses, AdvancedStatus(order))) {
        continue;
      }
      matching.push_back(&order);
    }
    core::JsonWriter w;
    w.BeginObject().Key("orders").BeginArray();
    std::size_t end = std::min(matching.size(), offset + *limit);
    for (std::size_t i = offset; i < end; ++i) WriteAdvancedOrder(w, *matching[i]);
    const bool has_next = end < matching.size();
    w.EndArray()
        .Key("sequence")
        .String("0")
        .Key("has_next")
        .Bool(has_next)
        .Key("cursor")
        .String(has_next ? std::to_string(end) : "")
        .EndObject();
    return Json(200, w.Take());
  }

  net::ServerResponse AdvancedCancel(const net::ServerRequest& request, StreamOrders& orders) {
    const std::optional<JsonValue> parsed = ParseObject(parser_, request.body);
    const JsonValue* ids = parsed ? parsed->Find("order_ids") : nullptr;
    if (ids == nullptr || ids->kind != JsonValue::Kind::kArray || ids->items.empty() ||
        ids->items.size() > 100) {
      return AdvancedError(400, "INVALID_ARGUMENT", "order_ids must hold 1 to 100 order ids");
    }
    MatchingEngine& engine = orders.engine();
    const std::string& account = orders.keys().api_key;
    core::JsonWriter w;
    w.BeginObject().Key("results").BeginArray();
    for (const JsonValue& item : ids->items) {
      const std::string id = item.kind == JsonValue::Kind::kString ? item.text : std::string();
      const Order* order = nullptr;
      if (const auto order_id = ParseCoinbaseOrderUuid(id)) {
        order = engine.FindOrder(account, *order_id);
      }
      std::string_view reason = "UNKNOWN_CANCEL_FAILURE_REASON";
      bool success = false;
      if (order == nullptr) {
        reason = "UNKNOWN_CANCEL_ORDER";
      } else if (order->status == OrderStatus::kFilled) {
        reason = "ORDER_IS_FULLY_FILLED";
      } else if (!order->open()) {
        reason = "DUPLICATE_CANCEL_REQUEST";
      } else {
        success = engine.Cancel(account, order->order_id).ok();
        if (!success) reason = "DUPLICATE_CANCEL_REQUEST";
      }
      w.BeginObject()
          .Key("success")
          .Bool(success)
          .Key("failure_reason")
          .String(reason)
          .Key("order_id")
          .String(id)
          .EndObject();
    }
    w.EndArray().EndObject();
    return Json(200, w.Take());
  }

  net::ServerResponse AdvancedFills(const net::ServerRequest& request, StreamOrders& orders) const {
    const std::string_view query = request.Query();
    const auto limit = LimitParam(query, 1000, 1000);
    if (!limit) return AdvancedError(400, "INVALID_ARGUMENT", "invalid limit");
    // "order_ids" (and the older singular "order_id"), "product_ids", "trade_ids".
    std::vector<std::string> ids = QueryValues(query, "order_ids");
    for (std::string& id : QueryValues(query, "order_id")) ids.push_back(id);
    std::vector<std::string> products = QueryValues(query, "product_ids");
    for (std::string& product : QueryValues(query, "product_id")) products.push_back(product);
    const std::vector<std::string> trades = QueryValues(query, "trade_ids");
    auto listed = [](const std::vector<std::string>& list, std::string_view value) {
      return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
    };
    std::vector<Fill> fills = orders.engine().Trades(orders.keys().api_key);
    core::JsonWriter w;
    w.BeginObject().Key("fills").BeginArray();
    std::size_t written = 0;
    for (auto it = fills.rbegin(); it != fills.rend() && written < *limit; ++it) {  // newest first
      const Fill& fill = *it;
      const std::string trade_id = PrefixedUuid(kTradeUuidPrefix, fill.trade_id);
      if (!listed(ids, CoinbaseOrderUuid(fill.order_id)) || !listed(products, fill.symbol) ||
          !listed(trades, trade_id)) {
        continue;
      }
      ++written;
      const std::string time = TimeOfMs(fill.time_ms);
      w.BeginObject()
          .Key("entry_id")
          .String(PrefixedUuid(kEntryUuidPrefix, fill.trade_id))
          .Key("trade_id")
          .String(trade_id)
          .Key("order_id")
          .String(CoinbaseOrderUuid(fill.order_id))
          .Key("trade_time")
          .String(time)
          .Key("trade_type")
          .String("FILL")
          .Key("price")
          .String(Trimmed(fill.price))
          .Key("size")
          .String(Trimmed(fill.quantity))
          .Key("commission")
          .String(Trimmed(fill.fee))
          .Key("product_id")
          .String(fill.symbol)
          .Key("sequence_timestamp")
          .String(time)
          .Key("liquidity_indicator")
          .String(fill.is_maker ? "MAKER" : "TAKER")
          .Key("size_in_quote")
          .Bool(false)
          .Key("user_id")
          .String(kAdvancedUserId)
          .Key("side")
          .String(SideText(fill.side, true))
          .Key("retail_portfolio_id")
          .String("")
          .EndObject();
    }
    w.EndArray().Key("cursor").String("").EndObject();
    return Json(200, w.Take());
  }

  net::ServerResponse AdvancedAccounts(std::string_view uuid, const net::ServerRequest& request,
                                       StreamOrders& orders) const {
    const auto limit = LimitParam(request.Query(), 49, 250);
    if (!limit) return AdvancedError(400, "INVALID_ARGUMENT", "invalid limit");
    const BalanceMap* balances = orders.engine().Balances(orders.keys().api_key);
    std::vector<std::pair<std::string, Balance>> rows;
    if (balances != nullptr) {
      for (const auto& [asset, balance] : *balances) {
        if (!uuid.empty() && AccountUuid(asset) != uuid) continue;
        rows.emplace_back(asset, balance);
      }
    }
    if (!uuid.empty() && rows.empty()) {
      return AdvancedError(404, "NOT_FOUND", "account not found");
    }
    auto write_account = [&](core::JsonWriter& w, const std::string& asset,
                             const Balance& balance) {
      const bool fiat = asset == "USD" || asset == "EUR" || asset == "GBP";
      w.BeginObject()
          .Key("uuid")
          .String(AccountUuid(asset))
          .Key("name")
          .String(fmt::format("{} Wallet", asset))
          .Key("currency")
          .String(asset)
          .Key("available_balance")
          .BeginObject()
          .Key("value")
          .String(Trimmed(balance.free))
          .Key("currency")
          .String(asset)
          .EndObject()
          .Key("default")
          .Bool(true)
          .Key("active")
          .Bool(true)
          .Key("created_at")
          .String("2024-01-01T00:00:00Z")
          .Key("updated_at")
          .String("2024-01-01T00:00:00Z")
          .Key("deleted_at")
          .Null()
          .Key("type")
          .String(fiat ? "ACCOUNT_TYPE_FIAT" : "ACCOUNT_TYPE_CRYPTO")
          .Key("ready")
          .Bool(true)
          .Key("hold")
          .BeginObject()
          .Key("value")
          .String(Trimmed(balance.locked))
          .Key("currency")
          .String(asset)
          .EndObject()
          .Key("retail_portfolio_id")
          .String("")
          .EndObject();
    };
    core::JsonWriter w;
    if (!uuid.empty()) {
      w.BeginObject().Key("account");
      write_account(w, rows.front().first, rows.front().second);
      w.EndObject();
      return Json(200, w.Take());
    }
    std::size_t offset = 0;
    if (const auto cursor = QueryParam(request.Query(), "cursor"); cursor && !cursor->empty()) {
      std::int64_t value = 0;
      if (core::ParseDecimal(*cursor, 0, &value) != core::DecimalError::kOk || value < 0) {
        return AdvancedError(400, "INVALID_ARGUMENT", "invalid cursor");
      }
      offset = static_cast<std::size_t>(value);
    }
    const std::size_t end = std::min(rows.size(), offset + *limit);
    w.BeginObject().Key("accounts").BeginArray();
    for (std::size_t i = offset; i < end; ++i) write_account(w, rows[i].first, rows[i].second);
    const bool has_next = end < rows.size();
    w.EndArray()
        .Key("has_next")
        .Bool(has_next)
        .Key("cursor")
        .String(has_next ? std::to_string(end) : "")
        .Key("size")
        .Uint(end > offset ? end - offset : 0)
        .EndObject();
    return Json(200, w.Take());
  }

  bool advanced_;
  CoinbaseExchangeCredentials exchange_;
  std::chrono::seconds max_skew_;
  CoinbaseOrderEntryOptions options_;
  std::optional<gateways::coinbase::ExchangeSigner> signer_;
  std::optional<gateways::coinbase::JwtVerifier> verifier_;
  TokenBucket private_bucket_;
  TokenBucket fills_bucket_;
  od::parser parser_;
};

CoinbaseOrderEntry::CoinbaseOrderEntry(bool advanced, CoinbaseExchangeCredentials exchange,
                                       std::chrono::seconds max_timestamp_skew,
                                       CoinbaseOrderEntryOptions options)
    : impl_(std::make_unique<Impl>(advanced, std::move(exchange), max_timestamp_skew,
                                   std::move(options))) {}

CoinbaseOrderEntry::~CoinbaseOrderEntry() = default;

std::optional<StreamOrderEntry> CoinbaseOrderEntry::Entry() const { return impl_->Entry(); }
bool CoinbaseOrderEntry::IsOrderEntry(const net::ServerRequest& request) const {
  return impl_->IsOrderEntry(request);
}
net::ServerResponse CoinbaseOrderEntry::Handle(const net::ServerRequest& request,
                                               StreamOrders& orders) {
  return impl_->Handle(request, orders);
}
net::ServerResponse CoinbaseOrderEntry::RateLimited() const { return impl_->RateLimited(); }
net::ServerResponse CoinbaseOrderEntry::ServerError() const { return impl_->ServerError(); }
bool CoinbaseOrderEntry::advanced() const { return impl_->advanced(); }

}  // namespace tradingd::sim::coinbase
