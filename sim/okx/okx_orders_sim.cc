#include "sim/okx/okx_orders_sim.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "sim/common/http_query.h"
#include "sim/okx/okx_wire.h"

namespace tradingd::sim::okx {

namespace {

using core::Int128;

constexpr std::string_view kPlacePath = "/api/v5/trade/order";  // POST; GET is order details
constexpr std::string_view kCancelPath = "/api/v5/trade/cancel-order";
constexpr std::string_view kFillsPath = "/api/v5/trade/fills";
constexpr std::string_view kBalancePath = "/api/v5/account/balance";

constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
constexpr std::int64_t kThreeDaysMs = 3LL * 24 * 3600 * 1000;
constexpr int kMaxFillsLimit = 100;       // "limit ... The maximum is 100; The default is 100"
constexpr std::size_t kMaxBalanceCcys = 20;  // "no more than 20"
constexpr std::size_t kMaxClientIdChars = 32;
constexpr std::size_t kMaxTagChars = 16;
// Bill ids of the sim's fills: this plus the engine's trade id (OKX's are 18-digit numbers).
constexpr std::uint64_t kBillIdBase = 1'900'000'000'000'000'000;

// ---- OKX's texts ----
// docs-v5 "Error Code" (REST API, General / API / Trade classes); where OKX's servers are seen to
// write a text other than the table's (the 401 bodies and the 429), the servers' text.
constexpr std::string_view kOperationFailed = "All operations failed";  // code "1" on the wire
constexpr std::string_view kOrderPlaced = "Order placed";
constexpr std::string_view kBodyEmpty = "Body for POST request cannot be empty.";  // 50000
constexpr std::string_view kJsonSyntax = "JSON syntax error";                      // 50002
constexpr std::string_view kServiceUnavailable =
    "Service temporarily unavailable. Please try again later.";  // 50001
constexpr std::string_view kContentType =
    "Invalid Content-Type. Please use \"application/JSON\".";  // 50006
constexpr std::string_view kTooManyRequests = "Too Many Requests";              // 50011, 429
constexpr std::string_view kOrderExpired = "Order expired.";                    // 50037
constexpr std::string_view kTimestampExpired = "Timestamp request expired";     // 50102
constexpr std::string_view kPassphraseIncorrect =
    "Request header OK-ACCESS-PASSPHRASE incorrect.";                       // 50105
constexpr std::string_view kInvalidKey = "Invalid OK-ACCESS-KEY";           // 50111
constexpr std::string_view kInvalidTimestamp = "Invalid OK-ACCESS-TIMESTAMP";  // 50112
constexpr std::string_view kInvalidSign = "Invalid Sign";                   // 50113
constexpr std::string_view kInvalidMethod = "Invalid request method.";      // 50115
constexpr std::string_view kKeyDoesNotExist = "API key doesn't exist";      // 50119
constexpr std::string_view kNoInstrument =
    "Instrument ID, Instrument ID code or Spread ID doesn't exist.";  // 51001
constexpr std::string_view kEitherId = "Either client order ID or order ID is required.";  // 51003
constexpr std::string_view kAboveMax = "Your order amount exceeds the max order amount.";  // 51005
constexpr std::string_view kDuplicateClientId = "Client order ID already exists.";         // 51016
constexpr std::string_view kBelowMinimum =
    "Your order should meet or exceed the minimum order amount.";             // 51020
constexpr std::string_view kNotListed = "The pair or contract is not yet listed";  // 51021
constexpr std::string_view kNoOffers = "No available offers.";                     // 51109
constexpr std::string_view kNotLotMultiple =
    "Order quantity must be a multiple of the lot size.";  // 51121
constexpr std::string_view kMarketAboveMax =
    "Market order amount exceeds the maximum amount.";  // 51202
constexpr std::string_view kCancelFailed =
    "Order cancellation failed as the order has been filled, canceled or does not exist.";  // 51400
constexpr std::string_view kOrderDoesNotExist = "Order does not exist.";  // 51603

std::string EmptyParam(std::string_view name) {
  return fmt::format("Parameter {} can not be empty.", name);  // 50014
}
std::string ParamError(std::string_view name) {
  return fmt::format("Parameter {} error", name);  // 51000
}
std::string Insufficient(std::string_view ccy) {
  return fmt::format("Order failed. Insufficient {} balance in account", ccy);  // 51008_1000
}
// The 401s the servers write when a header is missing ("can not be empty.", as the live servers
// write 50103).
std::string HeaderEmpty(std::string_view header) {
  return fmt::format("Request header {} can not be empty.", header);
}

std::string Dec(std::int64_t mantissa) { return FormatOkxDecimal(mantissa); }
// A charged fee as OKX writes it: negative.
std::string Fee(std::int64_t fee) { return fee > 0 ? "-" + Dec(fee) : std::string("0"); }

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// OKX's API keys are UUIDs: 8-4-4-4-12 hex digits.
bool WellFormedKey(std::string_view key) {
  if (key.size() != 36) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? key[i] != '-' : !IsHex(key[i])) return false;
  }
  return true;
}

// "A combination of case-sensitive alphanumerics, all numbers, or all letters of up to 32
// characters" (clOrdId; 16 for tag).
bool ValidId(std::string_view id, std::size_t max) {
  return !id.empty() && id.size() <= max && std::all_of(id.begin(), id.end(), IsAlnum);
}

// "2020-12-08T09:08:57.715Z" into Unix milliseconds; false for any other form.
bool ParseIsoTimestamp(std::string_view text, std::int64_t* unix_ms) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (text.size() != kShape.size()) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i) {
    if (kShape[i] == 'd' ? !IsDigit(text[i]) : text[i] != kShape[i]) return false;
  }
  std::int64_t ns = 0;
  if (!core::ParseTimestamp(text, &ns)) return false;
  *unix_ms = ns / 1'000'000;
  return true;
}

// A positive-or-zero decimal ("0.01", "65000") at kSimScale; false for signs, exponents, more
// than 8 significant decimals or a value that does not fit.
bool ParseAmount(std::string_view text, std::int64_t* out) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  if (!AllDigits(whole) || whole.size() > 19) return false;
  if (dot != std::string_view::npos && !AllDigits(fraction)) return false;
  Int128 value = 0;
  for (const char c : whole) value = value * 10 + (c - '0');
  for (std::size_t i = 0; i < kSimScale; ++i) {
    value = value * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  for (std::size_t i = kSimScale; i < fraction.size(); ++i) {
    if (fraction[i] != '0') return false;
  }
  if (value > std::numeric_limits<std::int64_t>::max()) return false;
  *out = static_cast<std::int64_t>(value);
  return true;
}

bool ParseUint(std::string_view text, std::uint64_t* out) {
  if (!AllDigits(text) || text.size() > 19) return false;
  std::uint64_t value = 0;
  for (const char c : text) value = value * 10 + static_cast<std::uint64_t>(c - '0');
  *out = value;
  return true;
}

// ---- bodies ----

net::ServerResponse Json(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// The gateway's refusals (authentication, limits): {"msg":..,"code":..}, as OKX's servers write
// them.
net::ServerResponse GatewayError(int status, std::string_view code, std::string_view message) {
  std::string body = R"({"msg":)";
  core::AppendJsonString(body, message);
  body.append(R"(,"code":")");
  body.append(code);
  body.append("\"}");
  return Json(status, std::move(body));
}

// {"code":..,"data":[],"msg":..}: a request refused as a whole.
net::ServerResponse TopLevelError(int status, std::string_view code, std::string_view message) {
  return Json(status, RestErrorBody(code, message));
}

std::string Micros(std::int64_t ns) { return std::to_string(ns / 1000); }

// Place and cancel: {"code":..,"data":[<item>],"inTime":..,"msg":..,"outTime":..}.
std::string OperationBody(std::string_view code, std::string_view item_json, std::string_view msg,
                          std::int64_t in_ns, std::int64_t out_ns) {
  std::string body = R"({"code":")";
  body.append(code);
  body.append(R"(","data":[)");
  body.append(item_json);
  body.append(R"(],"inTime":")");
  body.append(Micros(in_ns));
  body.append(R"(","msg":)");
  core::AppendJsonString(body, msg);
  body.append(R"(,"outTime":")");
  body.append(Micros(out_ns));
  body.append("\"}");
  return body;
}

// {"code":"0","data":[..],"msg":""} around already written items.
std::string DataBody(std::string_view items_json) {
  std::string body = R"({"code":"0","data":[)";
  body.append(items_json);
  body.append(R"(],"msg":""})");
  return body;
}

const char* SideName(OrderSide side) { return side == OrderSide::kBuy ? "buy" : "sell"; }

const char* OrdType(const Order& order) {
  if (order.type == OrderType::kMarket) return "market";
  if (order.post_only) return "post_only";
  switch (order.time_in_force) {
    case TimeInForce::kIoc:
      return "ioc";
    case TimeInForce::kFok:
      return "fok";
    case TimeInForce::kGtc:
      break;
  }
  return "limit";
}

const char* State(OrderStatus status) {
  switch (status) {
    case OrderStatus::kNew:
      return "live";
    case OrderStatus::kPartiallyFilled:
      return "partially_filled";
    case OrderStatus::kFilled:
      return "filled";
    case OrderStatus::kCanceled:
    case OrderStatus::kRejected:
    case OrderStatus::kExpired:
      return "canceled";
  }
  return "canceled";
}

// cancelSource and cancelSourceReason (the orders channel's list of cancelSource values).
std::pair<const char*, const char*> CancelSource(const Order& order) {
  if (order.status != OrderStatus::kCanceled && order.status != OrderStatus::kExpired &&
      order.status != OrderStatus::kRejected) {
    return {"", ""};
  }
  switch (order.end_reason) {
    case EndReason::kCanceledByUser:
    case EndReason::kCanceledAll:
      return {"1", "Order canceled by user"};
    case EndReason::kIocRemainder:
      return {"14", "Order canceled: IOC order was partially canceled due to incompletely filled"};
    case EndReason::kPostOnlyWouldTake:
      return {"31", "The post-only order will take liquidity in maker orders"};
    default:
      return {"0", "Order canceled by system"};
  }
}

// The exact average of the fills' prices, truncated to 8 decimals; "" before the first fill.
std::string AveragePrice(const Order& order) {
  if (order.fills.empty() || order.executed_quantity <= 0) return "";
  Int128 notional = 0;
  for (const Fill& fill : order.fills) notional += Int128(fill.price) * fill.quantity;
  return Dec(static_cast<std::int64_t>(notional / order.executed_quantity));
}

std::string FeeRate(std::int64_t ppm) {
  // ppm of 1 is 100 mantissa units at kSimScale (1e-6 = 0.000001).
  return ppm > 0 ? "-" + Dec(ppm * 100) : std::string("0");
}

std::uint64_t TradeId(const Fill& fill) {
  return fill.public_trade_id != 0 ? fill.public_trade_id : fill.trade_id;
}

// What a request's JSON body says, for the fields the endpoints read.
struct BodyFields {
  std::map<std::string, std::string, std::less<>> strings;
  std::map<std::string, bool, std::less<>> bools;
  std::string bad_field;  // a known field of the wrong type
  std::string_view Get(std::string_view key) const {
    auto it = strings.find(key);
    return it == strings.end() ? std::string_view() : std::string_view(it->second);
  }
};

enum class BodyError : std::uint8_t { kNone, kEmpty, kSyntax };

BodyError ParseBody(std::string_view body, BodyFields* fields) {
  if (std::all_of(body.begin(), body.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
    return BodyError::kEmpty;
  }
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return BodyError::kSyntax;
  }
  simdjson::dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return BodyError::kSyntax;
  static constexpr std::string_view kBoolFields[] = {"banAmend", "reduceOnly", "isElpTakerAccess"};
  for (const auto [key, value] : object) {
    const bool is_bool_field =
        std::find(std::begin(kBoolFields), std::end(kBoolFields), key) != std::end(kBoolFields);
    if (is_bool_field) {
      bool flag = false;
      std::string_view text;
      if (value.get_bool().get(flag) == simdjson::SUCCESS) {
        fields->bools.emplace(std::string(key), flag);
      } else if (value.get_string().get(text) == simdjson::SUCCESS &&
                 (text == "true" || text == "false")) {
        fields->bools.emplace(std::string(key), text == "true");
      } else if (fields->bad_field.empty()) {
        fields->bad_field = std::string(key);
      }
      continue;
    }
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      fields->strings.emplace(std::string(key), std::string(text));
    } else if (value.is_array() || value.is_object()) {
      continue;  // attachAlgoOrds and the like: read, ignored
    } else if (fields->bad_field.empty()) {
      fields->bad_field = std::string(key);
    }
  }
  return BodyError::kNone;
}

// One order-operation refusal: sCode, sMsg, subCode.
struct Refused {
  std::string code;
  std::string message;
  std::string sub_code;
};

Refused MapRefusal(const OrderResult& result, const OrderRequest& request,
                   const SymbolSpec& spec) {
  switch (result.refusal) {
    case Refusal::kUnknownSymbol:
      return {"51001", std::string(kNoInstrument), ""};
    case Refusal::kMarketClosed:
      return {"51021", std::string(kNotListed), ""};
    case Refusal::kQuantityNotPositive:
      return {"51000", ParamError("sz"), ""};
    case Refusal::kQuantityNotLotMultiple:
      return {"51121", std::string(kNotLotMultiple), ""};
    case Refusal::kQuantityBelowMinimum:
    case Refusal::kBelowMinNotional:
      return {"51020", std::string(kBelowMinimum), ""};
    case Refusal::kQuantityAboveMaximum:
      if (request.type == OrderType::kMarket) return {"51202", std::string(kMarketAboveMax), ""};
      return {"51005", std::string(kAboveMax), ""};
    case Refusal::kPriceNotPositive:
    case Refusal::kPriceNotTickMultiple:
      return {"51000", ParamError("px"), ""};
    case Refusal::kInsufficientBalance:
      return {"51008",
              Insufficient(request.side == OrderSide::kBuy ? spec.quote : spec.base), "1000"};
    case Refusal::kDuplicateClientOrderId:
      return {"51016", std::string(kDuplicateClientId), ""};
    case Refusal::kNoLiquidity:
      return {"51109", std::string(kNoOffers), ""};
    case Refusal::kUnknownOrder:
    case Refusal::kOrderAlreadyFinal:
      return {"51400", std::string(kCancelFailed), ""};
    case Refusal::kUnknownAccount:
      return {"50119", std::string(kKeyDoesNotExist), ""};
    case Refusal::kNone:
    case Refusal::kInvalidParameters:
    case Refusal::kPostOnlyWouldTake:
    case Refusal::kFokCannotFill:
    case Refusal::kStopPriceMissing:
    case Refusal::kStopPriceNotTickMultiple:
    case Refusal::kStopWouldTriggerImmediately:
      break;
  }
  return {"51000", ParamError("ordType"), ""};
}

const char* EndpointKey(OkxEndpoint endpoint) {
  switch (endpoint) {
    case OkxEndpoint::kPlace:
      return "place|";
    case OkxEndpoint::kCancel:
      return "cancel|";
    case OkxEndpoint::kOrderDetails:
      return "order|";
    case OkxEndpoint::kFills:
      return "fills|";
    case OkxEndpoint::kBalance:
      return "balance|";
  }
  return "?|";
}

}  // namespace

// ---- OkxRateLimits ----

int OkxRateLimits::limit(OkxEndpoint endpoint) const {
  switch (endpoint) {
    case OkxEndpoint::kPlace:
      return options_.place;
    case OkxEndpoint::kCancel:
      return options_.cancel;
    case OkxEndpoint::kOrderDetails:
      return options_.order_details;
    case OkxEndpoint::kFills:
      return options_.fills;
    case OkxEndpoint::kBalance:
      return options_.balance;
  }
  return 0;
}

bool OkxRateLimits::Admit(OkxEndpoint endpoint, std::string_view key, std::int64_t now_ms) {
  std::string name = EndpointKey(endpoint);
  name.append(key);
  auto it = windows_.find(name);
  if (it == windows_.end()) it = windows_.emplace(std::move(name), std::deque<std::int64_t>()).first;
  std::deque<std::int64_t>& times = it->second;
  const std::int64_t window = options_.window.count();
  while (!times.empty() && times.front() <= now_ms - window) times.pop_front();
  if (static_cast<int>(times.size()) >= limit(endpoint)) return false;
  times.push_back(now_ms);
  return true;
}

// ---- OkxOrderEntry ----

struct OkxOrderEntry::Request {
  const net::ServerRequest& http;
  OkxEndpoint endpoint;
  std::int64_t in_ns = 0;        // wall time the request was received
  std::int64_t monotonic_ms = 0;  // for the rate limits
};

OkxOrderEntry::OkxOrderEntry(OkxOrderEntryOptions options,
                             std::map<std::string, std::int64_t, std::less<>> min_sizes)
    : options_(std::move(options)),
      min_sizes_(std::move(min_sizes)),
      limits_(options_.rate_limits) {
  auto signer = gateways::okx::Signer::Create(options_.api_secret);
  if (signer.ok()) signer_.emplace(std::move(signer).value());
}

StreamOrderEntry OkxOrderEntry::stream_entry() const {
  StreamOrderEntry entry;
  entry.keys = SandboxKeys{options_.api_key, options_.api_secret, options_.passphrase};
  entry.maker_fee_ppm = options_.maker_fee_ppm;
  entry.taker_fee_ppm = options_.taker_fee_ppm;
  entry.fee_asset = FeeAsset::kReceived;
  // "fok: ... If the order cannot be fully filled, the order will be canceled"; "post_only: ...
  // If the order would have executed on placement, it will be canceled instead."
  entry.fok_policy = FillOrKillPolicy::kExpire;
  entry.post_only_policy = PostOnlyPolicy::kExpire;
  entry.first_order_id = options_.first_order_id;
  return entry;
}

bool OkxOrderEntry::Handles(std::string_view path) {
  return path == kPlacePath || path == kCancelPath || path == kFillsPath || path == kBalancePath;
}

net::ServerResponse OkxOrderEntry::RateLimitedAnswer() {
  return GatewayError(429, "50011", kTooManyRequests);
}

net::ServerResponse OkxOrderEntry::ServerErrorAnswer() {
  return TopLevelError(503, "50001", kServiceUnavailable);
}

std::int64_t OkxOrderEntry::MinSize(const SymbolSpec& spec) const {
  const auto it = min_sizes_.find(spec.symbol);
  return it != min_sizes_.end() ? it->second : spec.lot_size;
}

const OkxOrderEntry::Extras* OkxOrderEntry::ExtrasOf(std::uint64_t order_id) const {
  const auto it = extras_.find(order_id);
  return it == extras_.end() ? nullptr : &it->second;
}

std::optional<net::ServerResponse> OkxOrderEntry::Authenticate(const net::ServerRequest& request,
                                                               std::int64_t now_ms) {
  const std::string_view key = request.Header(gateways::okx::kApiKeyHeader);
  const std::string_view sign = request.Header(gateways::okx::kSignHeader);
  const std::string_view timestamp = request.Header(gateways::okx::kTimestampHeader);
  const std::string_view passphrase = request.Header(gateways::okx::kPassphraseHeader);
  if (key.empty()) return GatewayError(401, "50103", HeaderEmpty("OK-ACCESS-KEY"));
  if (sign.empty()) return GatewayError(401, "50106", HeaderEmpty("OK-ACCESS-SIGN"));
  if (timestamp.empty()) return GatewayError(401, "50107", HeaderEmpty("OK-ACCESS-TIMESTAMP"));
  if (passphrase.empty()) return GatewayError(401, "50104", HeaderEmpty("OK-ACCESS-PASSPHRASE"));
  // The timestamp is checked before the key is looked up, as OKX's servers do.
  std::int64_t sent_ms = 0;
  if (!ParseIsoTimestamp(timestamp, &sent_ms)) {
    return GatewayError(401, "50112", kInvalidTimestamp);
  }
  const std::int64_t skew = sent_ms > now_ms ? sent_ms - now_ms : now_ms - sent_ms;
  if (skew > options_.timestamp_window.count()) {
    return GatewayError(401, "50102", kTimestampExpired);
  }
  if (!WellFormedKey(key)) return GatewayError(401, "50111", kInvalidKey);
  if (key != options_.api_key) return GatewayError(401, "50119", kKeyDoesNotExist);
  if (passphrase != options_.passphrase) return GatewayError(401, "50105", kPassphraseIncorrect);
  if (!signer_ ||
      !signer_->Verify(timestamp, request.method, request.target, request.body, sign)) {
    return GatewayError(401, "50113", kInvalidSign);
  }
  return std::nullopt;
}

net::ServerResponse OkxOrderEntry::Handle(const net::ServerRequest& request,
                                          StreamOrders& orders) {
  const std::string_view path = request.Path();
  std::optional<OkxEndpoint> endpoint;
  if (path == kPlacePath && request.method == "POST") endpoint = OkxEndpoint::kPlace;
  if (path == kPlacePath && request.method == "GET") endpoint = OkxEndpoint::kOrderDetails;
  if (path == kCancelPath && request.method == "POST") endpoint = OkxEndpoint::kCancel;
  if (path == kFillsPath && request.method == "GET") endpoint = OkxEndpoint::kFills;
  if (path == kBalancePath && request.method == "GET") endpoint = OkxEndpoint::kBalance;
  if (!endpoint) return GatewayError(405, "50115", kInvalidMethod);

  const core::Clock& clock = orders.clock();
  Request req{request, *endpoint, clock.NowNs(), clock.MonotonicNs() / 1'000'000};
  if (auto refused = Authenticate(request, req.in_ns / 1'000'000)) return *std::move(refused);
  if (request.method == "POST") {
    const std::string type = core::ToLowerAscii(request.Header("Content-Type"));
    if (type.find("application/json") == std::string::npos) {
      return TopLevelError(400, "50006", kContentType);
    }
  }
  switch (*endpoint) {
    case OkxEndpoint::kPlace:
      return Place(req, orders);
    case OkxEndpoint::kCancel:
      return Cancel(req, orders);
    case OkxEndpoint::kOrderDetails:
      return OrderDetails(req, orders);
    case OkxEndpoint::kFills:
      return Fills(req, orders);
    case OkxEndpoint::kBalance:
      return AccountBalance(req, orders);
  }
  return GatewayError(405, "50115", kInvalidMethod);
}

namespace {

// data[0] of a place or cancel answer. `place`: with tag and subCode, as "POST / Place order"
// answers.
std::string OperationItem(bool place, std::string_view client_id, std::string_view order_id,
                          std::string_view s_code, std::string_view s_msg,
                          std::string_view sub_code, std::string_view tag, std::int64_t ts_ms) {
  core::JsonWriter out;
  out.BeginObject();
  out.Key("clOrdId").String(client_id);
  out.Key("ordId").String(order_id);
  out.Key("sCode").String(s_code);
  out.Key("sMsg").String(s_msg);
  if (place) {
    out.Key("subCode").String(sub_code);
    out.Key("tag").String(tag);
  }
  out.Key("ts").String(std::to_string(ts_ms));
  out.EndObject();
  return out.Take();
}

}  // namespace

net::ServerResponse OkxOrderEntry::Place(const Request& req, StreamOrders& orders) {
  BodyFields fields;
  switch (ParseBody(req.http.body, &fields)) {
    case BodyError::kEmpty:
      return TopLevelError(400, "50000", kBodyEmpty);
    case BodyError::kSyntax:
      return TopLevelError(400, "50002", kJsonSyntax);
    case BodyError::kNone:
      break;
  }
  const std::string_view inst_id = fields.Get("instId");
  if (inst_id.empty()) return TopLevelError(400, "50014", EmptyParam("instId"));
  if (!limits_.Admit(OkxEndpoint::kPlace, inst_id, req.monotonic_ms)) return RateLimitedAnswer();
  for (const std::string_view required : {"tdMode", "side", "ordType", "sz"}) {
    if (fields.Get(required).empty() && fields.bad_field != required) {
      return TopLevelError(400, "50014", EmptyParam(required));
    }
  }
  const std::string_view client_id = fields.Get("clOrdId");
  const std::string_view tag = fields.Get("tag");
  const std::int64_t now_ms = req.in_ns / 1'000'000;
  auto refuse = [&](std::string_view code, std::string_view message,
                    std::string_view sub_code = {}) {
    const std::int64_t out_ns = orders.clock().NowNs();
    return Json(200, OperationBody("1",
                                   OperationItem(true, client_id, "", code, message, sub_code,
                                                 tag, out_ns / 1'000'000),
                                   kOperationFailed, req.in_ns, out_ns));
  };
  if (!fields.bad_field.empty()) return refuse("51000", ParamError(fields.bad_field));

  // "Transaction timeouts": not processed once the server's time is after expTime.
  if (const std::string_view exp_time = req.http.Header("expTime"); !exp_time.empty()) {
    std::uint64_t deadline = 0;
    if (!ParseUint(exp_time, &deadline)) return refuse("51000", ParamError("expTime"));
    if (static_cast<std::uint64_t>(now_ms) > deadline) return refuse("50037", kOrderExpired);
  }

  MatchingEngine& engine = orders.engine();
  const SymbolSpec* spec = engine.FindSymbol(inst_id);
  if (spec == nullptr) return refuse("51001", kNoInstrument);
  if (fields.Get("tdMode") != "cash") return refuse("51000", ParamError("tdMode"));
  const std::string_view side_text = fields.Get("side");
  if (side_text != "buy" && side_text != "sell") return refuse("51000", ParamError("side"));
  const std::string_view ord_type = fields.Get("ordType");
  if (ord_type != "market" && ord_type != "limit" && ord_type != "post_only" &&
      ord_type != "fok" && ord_type != "ioc") {
    return refuse("51000", ParamError("ordType"));
  }
  if (!client_id.empty() && !ValidId(client_id, kMaxClientIdChars)) {
    return refuse("51000", ParamError("clOrdId"));
  }
  if (!tag.empty() && !ValidId(tag, kMaxTagChars)) return refuse("51000", ParamError("tag"));
  std::int64_t size = 0;
  if (!ParseAmount(fields.Get("sz"), &size) || size <= 0) {
    return refuse("51000", ParamError("sz"));
  }

  OrderRequest order;
  order.account = orders.keys().api_key;
  order.symbol = spec->symbol;
  order.client_order_id = std::string(client_id);
  order.side = side_text == "buy" ? OrderSide::kBuy : OrderSide::kSell;
  const bool market = ord_type == "market";
  std::string tgt_ccy;
  if (market) {
    order.type = OrderType::kMarket;
    order.time_in_force = TimeInForce::kIoc;
    // "Default is quote_ccy for buy, base_ccy for sell" (SPOT market orders only).
    tgt_ccy = std::string(fields.Get("tgtCcy"));
    if (tgt_ccy.empty()) tgt_ccy = order.side == OrderSide::kBuy ? "quote_ccy" : "base_ccy";
    if (tgt_ccy != "base_ccy" && tgt_ccy != "quote_ccy") {
      return refuse("51000", ParamError("tgtCcy"));
    }
    if (tgt_ccy == "quote_ccy") {
      order.quote_quantity = size;
    } else {
      order.quantity = size;
    }
  } else {
    order.type = OrderType::kLimit;
    order.time_in_force = ord_type == "ioc"   ? TimeInForce::kIoc
                          : ord_type == "fok" ? TimeInForce::kFok
                                              : TimeInForce::kGtc;
    order.post_only = ord_type == "post_only";
    order.quantity = size;
    std::int64_t price = 0;
    if (!ParseAmount(fields.Get("px"), &price) || price <= 0) {
      return refuse("51000", ParamError("px"));
    }
    order.price = price;
  }
  if (order.quantity > 0 && order.quantity < MinSize(*spec)) {
    return refuse("51020", kBelowMinimum);
  }

  OrderResult result = engine.Place(order);
  bool amended = false;
  // "banAmend ... If false (default): the system reduces sz to fit the available balance and
  // executes the smaller order" — for the market orders whose cost is not known in advance: sz in
  // the currency received (tgtCcy notes 1 and 2).
  const auto ban_amend = fields.bools.find("banAmend");
  const bool may_amend = ban_amend == fields.bools.end() || !ban_amend->second;
  const bool receives_sz = market && ((order.side == OrderSide::kBuy && tgt_ccy == "base_ccy") ||
                                      (order.side == OrderSide::kSell && tgt_ccy == "quote_ccy"));
  if (result.refusal == Refusal::kInsufficientBalance && may_amend && receives_sz) {
    OrderRequest reduced = order;
    const std::optional<Balance> quote = engine.GetBalance(order.account, spec->quote);
    const std::optional<Balance> base = engine.GetBalance(order.account, spec->base);
    if (order.side == OrderSide::kBuy && quote && quote->free > 0) {
      reduced.quantity = 0;
      reduced.quote_quantity = quote->free;
    } else if (order.side == OrderSide::kSell && base && spec->lot_size > 0) {
      reduced.quote_quantity = 0;
      reduced.quantity = base->free / spec->lot_size * spec->lot_size;
    }
    if (reduced.quantity > 0 || reduced.quote_quantity > 0) {
      OrderResult retried = engine.Place(reduced);
      if (retried.ok()) {
        result = retried;
        amended = true;
      }
    }
  }
  if (!result.ok()) {
    const Refused refused = MapRefusal(result, order, *spec);
    return refuse(refused.code, refused.message, refused.sub_code);
  }

  const Order& placed = *result.order;
  Extras extras;
  extras.has_client_id = !client_id.empty();
  extras.tgt_ccy = tgt_ccy;
  extras.tag = std::string(tag);
  extras.stp_mode = std::string(fields.Get("stpMode"));
  if (amended) {
    // The reduced sz, in the unit the order was placed in.
    extras.sz = Dec(order.side == OrderSide::kBuy ? placed.quantity : placed.cumulative_quote);
  } else {
    extras.sz = Dec(size);
  }
  extras_[placed.order_id] = std::move(extras);
  const std::int64_t out_ns = orders.clock().NowNs();
  return Json(200, OperationBody("0",
                                 OperationItem(true, client_id, std::to_string(placed.order_id),
                                               "0", kOrderPlaced, "", tag, out_ns / 1'000'000),
                                 "", req.in_ns, out_ns));
}

net::ServerResponse OkxOrderEntry::Cancel(const Request& req, StreamOrders& orders) {
  BodyFields fields;
  switch (ParseBody(req.http.body, &fields)) {
    case BodyError::kEmpty:
      return TopLevelError(400, "50000", kBodyEmpty);
    case BodyError::kSyntax:
      return TopLevelError(400, "50002", kJsonSyntax);
    case BodyError::kNone:
      break;
  }
  const std::string_view inst_id = fields.Get("instId");
  if (inst_id.empty()) return TopLevelError(400, "50014", EmptyParam("instId"));
  if (!limits_.Admit(OkxEndpoint::kCancel, inst_id, req.monotonic_ms)) {
    return RateLimitedAnswer();
  }
  const std::string_view ord_id = fields.Get("ordId");
  const std::string_view client_id = fields.Get("clOrdId");
  auto answer = [&](std::string_view code, std::string_view message, std::string_view order_id,
                    std::string_view echoed_client_id) {
    const std::int64_t out_ns = orders.clock().NowNs();
    return Json(200, OperationBody(code == "0" ? "0" : "1",
                                   OperationItem(false, echoed_client_id, order_id, code, message,
                                                 "", "", out_ns / 1'000'000),
                                   code == "0" ? "" : kOperationFailed, req.in_ns, out_ns));
  };
  if (!fields.bad_field.empty()) {
    return answer("51000", ParamError(fields.bad_field), ord_id, client_id);
  }
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  if (engine.FindSymbol(inst_id) == nullptr) {
    return answer("51001", kNoInstrument, ord_id, client_id);
  }
  const Order* order = nullptr;
  if (!ord_id.empty()) {
    // "If both are passed, ordId will be used."
    std::uint64_t id = 0;
    if (!ParseUint(ord_id, &id)) return answer("51000", ParamError("ordId"), "", client_id);
    order = engine.FindOrder(account, id);
  } else if (!client_id.empty()) {
    order = engine.FindOrderByClientId(account, client_id);
  } else {
    return answer("51003", kEitherId, "", "");
  }
  if (order == nullptr || order->symbol != inst_id || !order->open()) {
    return answer("51400", kCancelFailed, ord_id, client_id);
  }
  const std::uint64_t order_id = order->order_id;
  const Extras* extras = ExtrasOf(order_id);
  const std::string echoed =
      extras != nullptr && extras->has_client_id ? order->client_order_id : std::string();
  const OrderResult result = engine.Cancel(account, order_id);
  if (!result.ok()) return answer("51400", kCancelFailed, ord_id, client_id);
  return answer("0", "", std::to_string(order_id), echoed);
}

namespace {

struct OrderView {
  const Order& order;
  const SymbolSpec& spec;
  bool has_client_id;
  std::string_view sz;
  std::string_view tgt_ccy;
  std::string_view tag;
  std::string_view stp_mode;
};

// One order of "GET / Order details", keys in the order OKX writes them.
void WriteOrder(core::JsonWriter& out, const OrderView& view) {
  const Order& order = view.order;
  const bool buy = order.side == OrderSide::kBuy;
  const std::string fee_ccy = !order.fee_asset.empty() ? order.fee_asset
                              : buy                    ? view.spec.base
                                                       : view.spec.quote;
  const Fill* last = order.fills.empty() ? nullptr : &order.fills.back();
  const auto [cancel_source, cancel_reason] = CancelSource(order);
  out.BeginObject();
  out.Key("accFillSz").String(Dec(order.executed_quantity));
  out.Key("algoClOrdId").String("");
  out.Key("algoId").String("");
  out.Key("attachAlgoClOrdId").String("");
  out.Key("attachAlgoOrds").BeginArray().EndArray();
  out.Key("avgPx").String(AveragePrice(order));
  out.Key("cTime").String(std::to_string(order.created_ms));
  out.Key("cancelSource").String(cancel_source);
  out.Key("cancelSourceReason").String(cancel_reason);
  out.Key("category").String("normal");
  out.Key("ccy").String("");
  out.Key("clOrdId").String(view.has_client_id ? std::string_view(order.client_order_id) : "");
  out.Key("fee").String(Fee(order.cumulative_fee));
  out.Key("feeCcy").String(fee_ccy);
  out.Key("fillPx").String(last != nullptr ? Dec(last->price) : std::string());
  out.Key("fillSz").String(last != nullptr ? Dec(last->quantity) : std::string("0"));
  out.Key("fillTime").String(last != nullptr ? std::to_string(last->time_ms) : std::string());
  out.Key("instId").String(order.symbol);
  out.Key("instType").String("SPOT");
  out.Key("isTpLimit").String("false");
  out.Key("lever").String("");
  out.Key("linkedAlgoOrd").BeginObject().Key("algoId").String("").EndObject();
  out.Key("ordId").String(std::to_string(order.order_id));
  out.Key("ordType").String(OrdType(order));
  out.Key("pnl").String("0");
  out.Key("posSide").String("net");
  out.Key("px").String(order.type == OrderType::kMarket ? std::string() : Dec(order.price));
  out.Key("pxType").String("");
  out.Key("pxUsd").String("");
  out.Key("pxVol").String("");
  out.Key("quickMgnType").String("");
  out.Key("rebate").String("0");
  out.Key("rebateCcy").String(buy ? view.spec.quote : view.spec.base);
  out.Key("reduceOnly").String("false");
  out.Key("side").String(SideName(order.side));
  out.Key("slOrdPx").String("");
  out.Key("slTriggerPx").String("");
  out.Key("slTriggerPxType").String("");
  out.Key("source").String("");
  out.Key("state").String(State(order.status));
  out.Key("stpId").String("");
  out.Key("stpMode").String(view.stp_mode);
  out.Key("sz").String(view.sz);
  out.Key("tag").String(view.tag);
  out.Key("tdMode").String("cash");
  out.Key("tgtCcy").String(view.tgt_ccy);
  out.Key("tpOrdPx").String("");
  out.Key("tpTriggerPx").String("");
  out.Key("tpTriggerPxType").String("");
  out.Key("tradeId").String(last != nullptr ? std::to_string(TradeId(*last)) : std::string());
  out.Key("tradeQuoteCcy").String(view.spec.quote);
  out.Key("uTime").String(std::to_string(order.updated_ms));
  out.EndObject();
}

}  // namespace

net::ServerResponse OkxOrderEntry::OrderDetails(const Request& req, StreamOrders& orders) {
  const std::string_view query = req.http.Query();
  const std::string inst_id = QueryParam(query, "instId").value_or("");
  if (inst_id.empty()) return TopLevelError(400, "50014", EmptyParam("instId"));
  if (!limits_.Admit(OkxEndpoint::kOrderDetails, inst_id, req.monotonic_ms)) {
    return RateLimitedAnswer();
  }
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  const SymbolSpec* spec = engine.FindSymbol(inst_id);
  if (spec == nullptr) return TopLevelError(200, "51001", kNoInstrument);
  const std::string ord_id = QueryParam(query, "ordId").value_or("");
  const std::string client_id = QueryParam(query, "clOrdId").value_or("");
  const Order* order = nullptr;
  if (!ord_id.empty()) {
    std::uint64_t id = 0;
    if (!ParseUint(ord_id, &id)) return TopLevelError(400, "51000", ParamError("ordId"));
    order = engine.FindOrder(account, id);
  } else if (!client_id.empty()) {
    order = engine.FindOrderByClientId(account, client_id);
    // An order the engine named itself ("sim-..") was placed without a clOrdId.
    if (order != nullptr) {
      const Extras* extras = ExtrasOf(order->order_id);
      if (extras == nullptr || !extras->has_client_id) order = nullptr;
    }
  } else {
    return TopLevelError(200, "51003", kEitherId);
  }
  if (order == nullptr || order->symbol != inst_id) {
    return TopLevelError(200, "51603", kOrderDoesNotExist);
  }
  const Extras* extras = ExtrasOf(order->order_id);
  const std::string fallback_sz = Dec(order->quantity);
  const OrderView view{*order,
                       *spec,
                       extras != nullptr && extras->has_client_id,
                       extras != nullptr ? std::string_view(extras->sz) : fallback_sz,
                       extras != nullptr ? std::string_view(extras->tgt_ccy) : "",
                       extras != nullptr ? std::string_view(extras->tag) : "",
                       extras != nullptr ? std::string_view(extras->stp_mode) : ""};
  core::JsonWriter out;
  WriteOrder(out, view);
  return Json(200, DataBody(out.str()));
}

net::ServerResponse OkxOrderEntry::Fills(const Request& req, StreamOrders& orders) {
  const std::string_view query = req.http.Query();
  if (!limits_.Admit(OkxEndpoint::kFills, "", req.monotonic_ms)) return RateLimitedAnswer();
  const std::optional<std::string> inst_type = QueryParam(query, "instType");
  if (inst_type && !inst_type->empty()) {
    static constexpr std::string_view kTypes[] = {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"};
    if (std::find(std::begin(kTypes), std::end(kTypes), *inst_type) == std::end(kTypes)) {
      return TopLevelError(400, "51000", ParamError("instType"));
    }
  }
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  const std::string inst_id = QueryParam(query, "instId").value_or("");
  if (!inst_id.empty() && engine.FindSymbol(inst_id) == nullptr) {
    return TopLevelError(200, "51001", kNoInstrument);
  }
  std::uint64_t ord_id = 0, after = 0, before = 0, begin = 0, end = 0;
  std::int64_t limit = kMaxFillsLimit;
  struct Filter {
    const char* name;
    std::uint64_t* value;
  };
  for (const Filter filter : {Filter{"ordId", &ord_id}, Filter{"after", &after},
                              Filter{"before", &before}, Filter{"begin", &begin},
                              Filter{"end", &end}}) {
    const std::string text = QueryParam(query, filter.name).value_or("");
    if (!text.empty() && !ParseUint(text, filter.value)) {
      return TopLevelError(400, "51000", ParamError(filter.name));
    }
  }
  if (const std::string text = QueryParam(query, "limit").value_or(""); !text.empty()) {
    std::uint64_t value = 0;
    if (!ParseUint(text, &value) || value < 1 || value > kMaxFillsLimit) {
      return TopLevelError(400, "51000", ParamError("limit"));
    }
    limit = static_cast<std::int64_t>(value);
  }
  std::string items;
  // A venue of spot pairs has no fills of another instType.
  if (!inst_type || inst_type->empty() || *inst_type == "SPOT") {
    std::vector<Fill> fills = engine.Trades(account, inst_id);
    const std::int64_t oldest_ms = req.in_ns / 1'000'000 - kThreeDaysMs;
    std::int64_t written = 0;
    for (auto it = fills.rbegin(); it != fills.rend() && written < limit; ++it) {
      const Fill& fill = *it;
      const std::uint64_t bill_id = kBillIdBase + fill.trade_id;
      const auto ts = static_cast<std::uint64_t>(std::max<std::int64_t>(fill.time_ms, 0));
      if (ord_id != 0 && fill.order_id != ord_id) continue;
      if (after != 0 && bill_id >= after) continue;
      if (before != 0 && bill_id <= before) continue;
      if (begin != 0 && ts < begin) continue;
      if (end != 0 && ts > end) continue;
      if (fill.time_ms < oldest_ms) continue;
      const Order* order = engine.FindOrder(account, fill.order_id);
      const SymbolSpec* spec = engine.FindSymbol(fill.symbol);
      if (order == nullptr || spec == nullptr) continue;
      const Extras* extras = ExtrasOf(fill.order_id);
      const bool has_client_id = extras != nullptr && extras->has_client_id;
      // The keys in the order of the docs' example (an answer of OKX's servers).
      core::JsonWriter out;
      out.BeginObject();
      out.Key("side").String(SideName(fill.side));
      out.Key("fillSz").String(Dec(fill.quantity));
      out.Key("fillPx").String(Dec(fill.price));
      out.Key("fillPxVol").String("");
      out.Key("fillFwdPx").String("");
      out.Key("fee").String(Fee(fill.fee));
      out.Key("fillPnl").String("0");
      out.Key("ordId").String(std::to_string(fill.order_id));
      out.Key("feeRate")
          .String(FeeRate(fill.is_maker ? options_.maker_fee_ppm : options_.taker_fee_ppm));
      out.Key("instType").String("SPOT");
      out.Key("fillPxUsd").String("");
      out.Key("instId").String(fill.symbol);
      out.Key("clOrdId").String(has_client_id ? std::string_view(order->client_order_id) : "");
      out.Key("posSide").String("net");
      out.Key("billId").String(std::to_string(bill_id));
      out.Key("subType").String(fill.side == OrderSide::kBuy ? "1" : "2");
      out.Key("fillMarkVol").String("");
      out.Key("tag").String(extras != nullptr ? std::string_view(extras->tag) : "");
      out.Key("fillTime").String(std::to_string(fill.time_ms));
      out.Key("execType").String(fill.is_maker ? "M" : "T");
      out.Key("fillIdxPx").String("");
      out.Key("tradeId").String(std::to_string(TradeId(fill)));
      out.Key("fillMarkPx").String("");
      out.Key("feeCcy").String(fill.fee_asset.empty()
                                   ? (fill.side == OrderSide::kBuy ? spec->base : spec->quote)
                                   : fill.fee_asset);
      out.Key("ts").String(std::to_string(fill.time_ms));
      out.Key("tradeQuoteCcy").String(spec->quote);
      out.EndObject();
      if (!items.empty()) items.push_back(',');
      items.append(out.str());
      ++written;
    }
  }
  return Json(200, DataBody(items));
}

net::ServerResponse OkxOrderEntry::AccountBalance(const Request& req, StreamOrders& orders) {
  if (!limits_.Admit(OkxEndpoint::kBalance, "", req.monotonic_ms)) return RateLimitedAnswer();
  const std::string ccy_param = QueryParam(req.http.Query(), "ccy").value_or("");
  std::vector<std::string> wanted;
  for (std::size_t pos = 0; !ccy_param.empty() && pos <= ccy_param.size();) {
    std::size_t comma = ccy_param.find(',', pos);
    if (comma == std::string::npos) comma = ccy_param.size();
    const std::string ccy = core::ToUpperAscii(std::string_view(ccy_param).substr(pos, comma - pos));
    if (ccy.empty()) return TopLevelError(400, "51000", ParamError("ccy"));
    wanted.push_back(ccy);
    pos = comma + 1;
  }
  if (wanted.size() > kMaxBalanceCcys) return TopLevelError(400, "51000", ParamError("ccy"));

  const StreamMarket& market = orders.market();
  const MatchingEngine& engine = orders.engine();
  const std::int64_t now_ms = req.in_ns / 1'000'000;
  // USD value of one unit of `ccy`: 1 for a dollar stablecoin, else the mid of its pair against
  // one; nullopt when there is none.
  auto usd_price = [&](std::string_view ccy) -> std::optional<std::int64_t> {
    static constexpr std::string_view kDollars[] = {"USDT", "USDC", "USD"};
    if (std::find(std::begin(kDollars), std::end(kDollars), ccy) != std::end(kDollars)) {
      return kUnit;
    }
    for (std::size_t s = 0; s < market.symbol_count(); ++s) {
      const SymbolSpec& spec = market.spec(s);
      if (spec.base != ccy || std::find(std::begin(kDollars), std::end(kDollars), spec.quote) ==
                                  std::end(kDollars)) {
        continue;
      }
      const TopOfBook top = market.book(s).top();
      if (top.bid_quantity > 0 && top.ask_quantity > 0) {
        return (top.bid_price + top.ask_price) / 2;
      }
    }
    return std::nullopt;
  };
  std::string details;
  Int128 total_usd = 0;
  if (const BalanceMap* balances = engine.Balances(orders.keys().api_key)) {
    for (const auto& [ccy, balance] : *balances) {
      const std::int64_t equity = balance.free + balance.locked;
      if (equity <= 0) continue;  // "assets (with non-zero balance)"
      if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), ccy) == wanted.end()) {
        continue;
      }
      const std::optional<std::int64_t> price = usd_price(ccy);
      const Int128 usd = price ? Int128(equity) * *price / kUnit : Int128(0);
      total_usd += usd;
      const std::string usd_text = Dec(static_cast<std::int64_t>(usd));
      core::JsonWriter out;
      out.BeginObject();
      out.Key("accAvgPx").String("");
      out.Key("autoLendMtAmt").String("0");
      out.Key("autoLendStatus").String("off");
      out.Key("availBal").String(Dec(balance.free));
      out.Key("availEq").String(Dec(balance.free));
      out.Key("borrowFroz").String("");
      out.Key("cashBal").String(Dec(equity));
      out.Key("ccy").String(ccy);
      out.Key("clSpotInUseAmt").String("");
      out.Key("colBorrAutoConversion").String("0");
      out.Key("colRes").String("0");
      out.Key("collateralEnabled").Bool(false);
      out.Key("collateralRestrict").Bool(false);
      out.Key("crossLiab").String("");
      out.Key("disEq").String(usd_text);
      out.Key("eq").String(Dec(equity));
      out.Key("eqUsd").String(usd_text);
      out.Key("fixedBal").String("0");
      out.Key("frozenBal").String(Dec(balance.locked));
      out.Key("frpType").String("0");
      out.Key("imr").String("");
      out.Key("interest").String("");
      out.Key("isoEq").String("0");
      out.Key("isoLiab").String("");
      out.Key("isoUpl").String("0");
      out.Key("liab").String("");
      out.Key("maxLoan").String("");
      out.Key("maxSpotInUse").String("");
      out.Key("mgnRatio").String("");
      out.Key("mmr").String("");
      out.Key("notionalLever").String("");
      out.Key("openAvgPx").String("");
      out.Key("ordFrozen").String(Dec(balance.locked));
      out.Key("rewardBal").String("0");
      out.Key("smtSyncEq").String("0");
      out.Key("spotBal").String("");
      out.Key("spotCopyTradingEq").String("0");
      out.Key("spotInUseAmt").String("");
      out.Key("spotIsoBal").String("0");
      out.Key("spotUpl").String("");
      out.Key("spotUplRatio").String("");
      out.Key("stgyEq").String("0");
      out.Key("totalPnl").String("");
      out.Key("totalPnlRatio").String("");
      out.Key("twap").String("0");
      out.Key("uTime").String(std::to_string(now_ms));
      out.Key("upl").String("");
      out.Key("uplLiab").String("");
      out.EndObject();
      if (!details.empty()) details.push_back(',');
      details.append(out.str());
    }
  }
  std::string account = R"({"adjEq":"","availEq":"","borrowFroz":"","delta":"","deltaLever":"",)"
                        R"("deltaNeutralStatus":"0","details":[)";
  account.append(details);
  account.append(
      R"(],"imr":"","isoEq":"0","mgnRatio":"","mmr":"","notionalUsd":"","notionalUsdForBorrow":"",)"
      R"("notionalUsdForFutures":"","notionalUsdForOption":"","notionalUsdForSwap":"","ordFroz":"",)"
      R"("totalEq":")");
  account.append(Dec(static_cast<std::int64_t>(total_usd)));
  account.append(R"(","uTime":")");
  account.append(std::to_string(now_ms));
  account.append(R"(","upl":""})");
  return Json(200, DataBody(account));
}

}  // namespace tradingd::sim::okx
