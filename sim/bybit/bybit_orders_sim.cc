#include "sim/bybit/bybit_orders_sim.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "gateways/bybit/bybit_signing.h"
#include "sim/bybit/bybit_wire.h"
#include "sim/common/http_query.h"

namespace tradingd::sim::bybit {
namespace {

namespace dom = simdjson::dom;
using core::Int128;

constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
constexpr std::int64_t kDayMs = 24 * 3600 * 1000;
constexpr std::int64_t kSevenDaysMs = 7 * kDayMs;
// v5/guide: "X-BAPI-RECV-WINDOW (unit in millisecond and default value is 5,000)".
constexpr std::int64_t kDefaultRecvWindowMs = 5000;
// open-order: "querying filled, canceled, and rejected orders to the most recent 500 orders".
constexpr std::size_t kRecentClosedOrders = 500;
// create-order: "A max of 36 characters".
constexpr std::size_t kMaxLinkIdLength = 36;
// What instruments-info lists for every spot symbol (bybit_wire.cc): quotePrecision 0.0000001,
// maxOrderAmt 8,000,000, maxMarketOrderQty half of maxLimitOrderQty.
constexpr std::int64_t kQuotePrecision = 10;
constexpr std::int64_t kMaxOrderAmount = 800'000'000'000'000;
// Bybit's spot orderId is a 19-digit decimal ("1321003749386327552", create-order's example); so
// is a spot execId. The engine's ids count up from these.
constexpr std::uint64_t kFirstOrderId = 1'321'003'749'386'327'552ULL;
constexpr std::uint64_t kExecIdBase = 2'100'000'000'000'000'000ULL;
// The engine's client ids for orders sent without an orderLinkId start with a character an
// orderLinkId cannot hold, so that they are never found by one and read back as "".
constexpr std::string_view kGeneratedLinkPrefix = "~";

// ---- texts (error.mdx, the fixture docs_examples/bybit_v5_error_codes.json, unless said) ----
constexpr std::string_view kOk = "OK";
constexpr std::string_view kParamsError =
    "Request parameter error.";                                    // 10001, sieblyio/bybit-api#282
constexpr std::string_view kIllegalCategory = "Illegal category";  // 10001, as the public sim
constexpr std::string_view kInvalidKey = "API key is invalid.";    // 10003
constexpr std::string_view kTooManyVisits = "Too many visits!";    // 10006, v5/rate-limit
constexpr std::string_view kServerError = "Server error.";         // 10016
constexpr std::string_view kInvalidTif = "Invalid timeInForce.";   // 170115
constexpr std::string_view kInvalidType = "Invalid orderType.";    // 170116
constexpr std::string_view kInvalidSide = "Invalid side.";         // 170117
constexpr std::string_view kInvalidSymbol = "Invalid symbol.";     // 170121
constexpr std::string_view kAmountTooLarge = "Order amount too large.";  // 170124
// 170131: the text Bybit answers (bybit-exchange/pybit#313); error.mdx says "Balance insufficient".
constexpr std::string_view kInsufficientBalance = "Insufficient balance.";
constexpr std::string_view kPriceTooLow = "Order price lower than the minimum.";        // 170133
constexpr std::string_view kPriceDecimals = "Order price decimal too long.";            // 170134
constexpr std::string_view kQuantityTooLow = "Order quantity lower than the minimum.";  // 170136
constexpr std::string_view kQuantityDecimals = "Order volume decimal too long";         // 170137
constexpr std::string_view kValueTooLow = "Order value exceeded lower limit";           // 170140
constexpr std::string_view kDuplicateLinkId = "Duplicate clientOrderId";                // 170141
constexpr std::string_view kAmountDecimals = "Market order amount decimal too long";    // 170148
constexpr std::string_view kInvalidOrderFilter = "Invalid orderFilter parameter";       // 170201
constexpr std::string_view kNewOrderRejected = "New order rejected.";                   // 170210
constexpr std::string_view kOrderMissing = "Order does not exist.";                     // 170213
constexpr std::string_view kNotSupported = "This feature is not supported.";            // 170227
constexpr std::string_view kQuantityTooLarge = "Order quantity too large.";  // 170381, 170382
constexpr std::string_view kRpiRestricted =
    "RPI orders are restricted to approved market makers only";  // 170355
constexpr std::string_view kNoMargin =
    "You haven't enabled Cross Margin Trading yet. To do so, please head to the PC trading site or "
    "the Bybit app";  // 170036

std::string Empty(std::string_view name) { return fmt::format("Parameter '{}' was empty.", name); }
// Bybit's own spelling of "parameter".
std::string NotValid(std::string_view name) {
  return fmt::format("Data sent for paramter '{}' is not valid.", name);
}

// A refusal: Bybit's retCode and retMsg (HTTP 200).
struct Failure {
  int code = 0;
  std::string message;
};
using Check = std::optional<Failure>;

Failure Fail(int code, std::string_view message) { return Failure{code, std::string(message)}; }

net::ServerResponse Answer(const Failure& failure, std::int64_t now_ms) {
  net::ServerResponse response;
  response.body = RestErrorBody(failure.code, failure.message, now_ms);
  return response;
}

// {"retCode":0,"retMsg":"OK","result":<result>,"retExtInfo":{},"time":..}
net::ServerResponse Success(std::string_view result, std::int64_t now_ms) {
  net::ServerResponse response;
  response.body.reserve(result.size() + 96);
  response.body.append(R"({"retCode":0,"retMsg":")");
  response.body.append(kOk);
  response.body.append(R"(","result":)");
  response.body.append(result);
  response.body.append(R"(,"retExtInfo":{},"time":)");
  response.body.append(fmt::format_int(now_ms).str());
  response.body.push_back('}');
  return response;
}

std::string Dec(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }

// a x b / unit, truncated (values of at most 8 decimals).
std::int64_t MulScaled(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<Int128>(a) * b / kUnit);
}

// ,"key":"value" (or without the comma for the first field).
void Field(std::string& out, std::string_view key, std::string_view value, bool first = false) {
  if (!first) out.push_back(',');
  core::AppendJsonString(out, key);
  out.push_back(':');
  core::AppendJsonString(out, value);
}
void RawField(std::string& out, std::string_view key, std::string_view raw, bool first = false) {
  if (!first) out.push_back(',');
  core::AppendJsonString(out, key);
  out.push_back(':');
  out.append(raw);
}

bool IsDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// An integer of at most 18 digits (no sign); nullopt otherwise.
std::optional<std::int64_t> ParseInt(std::string_view text) {
  if (!IsDigits(text) || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<std::uint64_t> ParseId(std::string_view text) {
  if (!IsDigits(text) || text.size() > 20) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool ValidLinkId(std::string_view id) {
  if (id.empty() || id.size() > kMaxLinkIdLength) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

// The orderLinkId a client sees: "" for an order sent without one.
std::string_view LinkIdOf(const Order& order) {
  if (order.client_order_id.starts_with(kGeneratedLinkPrefix)) return {};
  return order.client_order_id;
}

// enum#orderstatus. The engine's CANCELED and EXPIRED are both Bybit's Cancelled, or
// PartiallyFilledCanceled once something executed ("Only spot has this order status").
std::string_view StatusName(const Order& order) {
  switch (order.status) {
    case OrderStatus::kNew:
      return "New";
    case OrderStatus::kPartiallyFilled:
      return "PartiallyFilled";
    case OrderStatus::kFilled:
      return "Filled";
    case OrderStatus::kRejected:
      return "Rejected";
    case OrderStatus::kCanceled:
    case OrderStatus::kExpired:
      break;
  }
  return order.executed_quantity > 0 ? "PartiallyFilledCanceled" : "Cancelled";
}

// enum#rejectreason.
std::string_view RejectReason(const Order& order) {
  switch (order.end_reason) {
    case EndReason::kPostOnlyWouldTake:
      return "EC_PostOnlyWillTakeLiquidity";
    case EndReason::kFokCannotFill:
      return "EC_CancelForNoFullFill";
    case EndReason::kIocRemainder:
    case EndReason::kLiquidityExhausted:
    case EndReason::kNoLiquidity:
      return "EC_NoImmediateQtyToFill";
    case EndReason::kInsufficientBalance:
      return "EC_Others";
    case EndReason::kNone:
    case EndReason::kCanceledByUser:
    case EndReason::kCanceledAll:
      break;
  }
  return "EC_NoError";
}

// enum#canceltype.
std::string_view CancelType(const Order& order) {
  return order.end_reason == EndReason::kCanceledByUser ||
                 order.end_reason == EndReason::kCanceledAll
             ? "CancelByUser"
             : "UNKNOWN";
}

std::string_view TimeInForceText(const Order& order) {
  if (order.type == OrderType::kMarket) return "IOC";  // "Market order will always use IOC"
  if (order.post_only) return "PostOnly";
  return TimeInForceName(order.time_in_force);
}

bool IsQuoteMarket(const Order& order) {
  return order.type == OrderType::kMarket && order.quote_quantity > 0;
}

// The average fill price, exact then truncated to 8 decimals; 0 without fills.
std::int64_t AveragePrice(const Order& order) {
  Int128 notional = 0;
  std::int64_t quantity = 0;
  for (const Fill& fill : order.fills) {
    notional += static_cast<Int128>(fill.price) * fill.quantity;
    quantity += fill.quantity;
  }
  return quantity == 0 ? 0 : static_cast<std::int64_t>(notional / quantity);
}

std::string PageCursor(std::uint64_t last_id) { return fmt::format("page_args%3D{}%26", last_id); }

// The id a cursor continues after; nullopt when it is not one of ours.
std::optional<std::uint64_t> CursorId(std::string_view cursor) {
  // Sent back percent-encoded, so it arrives decoded: "page_args=<id>&".
  constexpr std::string_view kPrefix = "page_args=";
  if (!cursor.starts_with(kPrefix)) return std::nullopt;
  cursor.remove_prefix(kPrefix.size());
  if (cursor.ends_with('&')) cursor.remove_suffix(1);
  return ParseId(cursor);
}

}  // namespace

// ---- the options StreamSim's engine gets ----

StreamOrderEntry BybitStreamOrderEntry(const BybitOrderEntryOptions& options) {
  StreamOrderEntry entry;
  entry.keys.api_key = options.api_key;
  entry.keys.api_secret = options.api_secret;
  entry.maker_fee_ppm = options.maker_fee_ppm;
  entry.taker_fee_ppm = options.taker_fee_ppm;
  entry.fee_asset = FeeAsset::kReceived;
  entry.fok_policy = FillOrKillPolicy::kExpire;
  entry.post_only_policy = PostOnlyPolicy::kExpire;
  entry.refuse_immediate_trigger = true;
  entry.first_order_id = kFirstOrderId;
  entry.client_order_id_prefix = std::string(kGeneratedLinkPrefix);
  return entry;
}

// ---- private types ----

enum class BybitOrderEntry::Endpoint : std::uint8_t {
  kCreate,
  kCancel,
  kRealtime,
  kHistory,
  kExecution,
  kWalletBalance,
};

namespace {

struct Route {
  std::string_view path;
  std::string_view method;
};
constexpr Route kRoutes[] = {
    {"/v5/order/create", "POST"},  {"/v5/order/cancel", "POST"},
    {"/v5/order/realtime", "GET"}, {"/v5/order/history", "GET"},
    {"/v5/execution/list", "GET"}, {"/v5/account/wallet-balance", "GET"},
};

}  // namespace

// The request's parameters: the JSON body's fields (POST) or the query string's (GET).
struct BybitOrderEntry::Params {
  enum class Kind : std::uint8_t { kString, kNumber, kBool, kNull, kOther };
  struct Value {
    Kind kind = Kind::kString;
    std::string text;  // a string's value, a number's JSON text
  };
  std::map<std::string, Value, std::less<>> values;

  const Value* Find(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? nullptr : &it->second;
  }
  // A string parameter: absent (also null or "") gives std::nullopt; another JSON type is
  // 10001.
  Check String(std::string_view name, std::optional<std::string>* out) const {
    out->reset();
    const Value* value = Find(name);
    if (value == nullptr || value->kind == Kind::kNull) return std::nullopt;
    if (value->kind != Kind::kString) return Fail(10001, kParamsError);
    if (!value->text.empty()) *out = value->text;
    return std::nullopt;
  }
  // A required string: absent is 170105 "Parameter '<name>' was empty.".
  Check Required(std::string_view name, std::string* out) const {
    std::optional<std::string> value;
    if (Check failure = String(name, &value)) return failure;
    if (!value) return Failure{170105, Empty(name)};
    *out = std::move(*value);
    return std::nullopt;
  }
  // An integer parameter (a JSON number, or digits in a string or a query).
  Check Integer(std::string_view name, std::optional<std::int64_t>* out) const {
    out->reset();
    const Value* value = Find(name);
    if (value == nullptr || value->kind == Kind::kNull) return std::nullopt;
    if (value->kind == Kind::kString && value->text.empty()) return std::nullopt;
    if (value->kind != Kind::kString && value->kind != Kind::kNumber) {
      return Fail(10001, kParamsError);
    }
    const auto parsed = ParseInt(value->text);
    if (!parsed) return Fail(10001, kParamsError);
    *out = *parsed;
    return std::nullopt;
  }
};

struct BybitOrderEntry::Extras {
  std::int64_t last_price_on_created = 0;
};

// Requests of one endpoint over the rolling second (v5/rate-limit: "rolling time window per
// second and UID").
class BybitOrderEntry::Window {
 public:
  // Forgets what left the window by `now_ms`.
  void Roll(std::int64_t now_ms) {
    while (!times_.empty() && times_.front() <= now_ms - 1000) times_.pop_front();
  }
  std::size_t used() const { return times_.size(); }
  void Add(std::int64_t now_ms) { times_.push_back(now_ms); }
  // When the oldest request leaves the window (a slot frees).
  std::int64_t reset_ms(std::int64_t now_ms) const {
    return times_.empty() ? now_ms : times_.front() + 1000;
  }

 private:
  std::deque<std::int64_t> times_;
};

struct BybitOrderEntry::State {
  std::optional<gateways::bybit::Signer> signer;  // none when the key or secret is empty
  dom::parser parser;
};

// ---- BybitOrderEntry ----

BybitOrderEntry::BybitOrderEntry(BybitOrderEntryOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  auto signer = gateways::bybit::Signer::Create(options_.api_key, options_.api_secret);
  if (signer.ok()) state_->signer.emplace(std::move(signer).value());
}

BybitOrderEntry::~BybitOrderEntry() = default;

bool BybitOrderEntry::Handles(std::string_view path) {
  return std::any_of(std::begin(kRoutes), std::end(kRoutes),
                     [&](const Route& route) { return route.path == path; });
}

int BybitOrderEntry::LimitOf(Endpoint endpoint) const {
  const BybitRateLimitOptions& limits = options_.limits;
  switch (endpoint) {
    case Endpoint::kCreate:
      return limits.create_per_second;
    case Endpoint::kCancel:
      return limits.cancel_per_second;
    case Endpoint::kRealtime:
      return limits.realtime_per_second;
    case Endpoint::kHistory:
      return limits.history_per_second;
    case Endpoint::kExecution:
      return limits.execution_per_second;
    case Endpoint::kWalletBalance:
      return limits.wallet_balance_per_second;
  }
  return 0;
}

namespace {

void AddLimitHeaders(net::ServerResponse& response, int limit, std::int64_t remaining,
                     std::int64_t reset_ms) {
  response.headers.emplace_back("X-Bapi-Limit", std::to_string(limit));
  response.headers.emplace_back("X-Bapi-Limit-Status", std::to_string(remaining));
  response.headers.emplace_back("X-Bapi-Limit-Reset-Timestamp", std::to_string(reset_ms));
}

std::optional<std::size_t> RouteIndex(std::string_view path) {
  for (std::size_t i = 0; i < std::size(kRoutes); ++i) {
    if (kRoutes[i].path == path) return i;
  }
  return std::nullopt;
}

net::ServerResponse NotFound() {
  net::ServerResponse response;
  response.status = 404;
  response.content_type = "text/plain; charset=utf-8";
  response.body = "404 page not found";
  return response;
}

}  // namespace

net::ServerResponse BybitOrderEntry::Handle(const net::ServerRequest& request,
                                            StreamOrders& orders) {
  const std::int64_t now_ms = orders.clock().NowNs() / 1'000'000;
  const auto index = RouteIndex(request.Path());
  if (!index || request.method != kRoutes[*index].method) return NotFound();
  const auto endpoint = static_cast<Endpoint>(*index);
  const bool post = request.method == "POST";

  // ---- authentication (v5/guide) ----
  const std::string_view key = request.Header(gateways::bybit::kApiKeyHeader);
  if (key.empty() || key != options_.api_key || !state_->signer) {
    return Answer(Fail(10003, kInvalidKey), now_ms);
  }
  const std::string_view timestamp_text = request.Header(gateways::bybit::kTimestampHeader);
  const std::string_view recv_text = request.Header(gateways::bybit::kRecvWindowHeader);
  std::int64_t recv_window = kDefaultRecvWindowMs;
  if (!recv_text.empty()) {
    const auto parsed = ParseInt(recv_text);
    if (!parsed || *parsed <= 0) return Answer(Fail(10001, kParamsError), now_ms);
    recv_window = *parsed;
  }
  const auto timestamp = ParseInt(timestamp_text);
  // server_time - recv_window <= timestamp < server_time + 1000
  if (!timestamp || !(now_ms - recv_window <= *timestamp && *timestamp < now_ms + 1000)) {
    return Answer(Failure{10002, fmt::format("invalid request, please check your server timestamp "
                                             "or recv_window param. req_timestamp[{}],"
                                             "server_timestamp[{}],recv_window[{}]",
                                             timestamp_text, now_ms, recv_window)},
                  now_ms);
  }
  const std::string_view payload = post ? std::string_view(request.body) : request.Query();
  const std::string_view sign = request.Header(gateways::bybit::kSignHeader);
  if (!state_->signer->Verify(timestamp_text, recv_text, payload, sign)) {
    return Answer(Failure{10004, fmt::format("Error sign, please check your signature generation "
                                             "algorithm: origin_string[{}{}{}{}]",
                                             timestamp_text, key, recv_text, payload)},
                  now_ms);
  }

  // ---- the endpoint's rate limit (per UID: the one sandbox account) ----
  const int limit = LimitOf(endpoint);
  Window* window = nullptr;
  if (limit > 0) {
    auto& slot = windows_[static_cast<int>(endpoint)];
    if (!slot) slot = std::make_unique<Window>();
    window = slot.get();
    window->Roll(now_ms);
    if (window->used() >= static_cast<std::size_t>(limit)) {
      net::ServerResponse refused = Answer(Fail(10006, kTooManyVisits), now_ms);
      AddLimitHeaders(refused, limit, 0, window->reset_ms(now_ms));
      return refused;
    }
    window->Add(now_ms);
  }

  // ---- parameters ----
  Params params;
  if (post) {
    dom::element root;
    dom::object object;
    if (state_->parser.parse(request.body.data(), request.body.size()).get(root) !=
            simdjson::SUCCESS ||
        root.get_object().get(object) != simdjson::SUCCESS) {
      net::ServerResponse refused = Answer(Fail(10001, kParamsError), now_ms);
      if (window) {
        AddLimitHeaders(refused, limit, limit - static_cast<std::int64_t>(window->used()), now_ms);
      }
      return refused;
    }
    for (dom::key_value_pair field : object) {
      Params::Value value;
      switch (field.value.type()) {
        case dom::element_type::STRING:
          value.kind = Params::Kind::kString;
          value.text = std::string(std::string_view(field.value));
          break;
        case dom::element_type::INT64:
        case dom::element_type::UINT64:
        case dom::element_type::DOUBLE:
          value.kind = Params::Kind::kNumber;
          value.text = simdjson::minify(field.value);
          break;
        case dom::element_type::BOOL:
          value.kind = Params::Kind::kBool;
          break;
        case dom::element_type::NULL_VALUE:
          value.kind = Params::Kind::kNull;
          break;
        default:
          value.kind = Params::Kind::kOther;
          break;
      }
      params.values.emplace(std::string(field.key), std::move(value));  // first one wins
    }
  } else {
    const std::string_view query = request.Query();
    std::size_t pos = 0;
    while (pos <= query.size()) {
      std::size_t amp = query.find('&', pos);
      if (amp == std::string_view::npos) amp = query.size();
      const std::string_view pair = query.substr(pos, amp - pos);
      if (!pair.empty()) {
        const std::size_t eq = pair.find('=');
        Params::Value value;
        value.text =
            eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
        params.values.emplace(PercentDecode(pair.substr(0, eq)), std::move(value));
      }
      pos = amp + 1;
    }
  }

  net::ServerResponse response;
  switch (endpoint) {
    case Endpoint::kCreate:
      response = Create(params, orders, now_ms);
      break;
    case Endpoint::kCancel:
      response = Cancel(params, orders, now_ms);
      break;
    case Endpoint::kRealtime:
      response = ListOrders(params, orders, now_ms, false);
      break;
    case Endpoint::kHistory:
      response = ListOrders(params, orders, now_ms, true);
      break;
    case Endpoint::kExecution:
      response = Executions(params, orders, now_ms);
      break;
    case Endpoint::kWalletBalance:
      response = WalletBalance(params, orders, now_ms);
      break;
  }
  if (window) {
    AddLimitHeaders(response, limit, limit - static_cast<std::int64_t>(window->used()), now_ms);
  }
  return response;
}

void BybitOrderEntry::OnOrderEvent(const OrderEvent& event) {
  if (event.order == nullptr || !IsFinal(event.order->status)) return;
  if (event.order->account != options_.api_key) return;
  const std::uint64_t id = event.order->order_id;
  if (!closed_set_.insert(id).second) return;
  closed_.push_back(id);
  while (closed_.size() > kRecentClosedOrders) {
    closed_set_.erase(closed_.front());
    closed_.pop_front();
  }
}

net::ServerResponse BybitOrderEntry::RateLimitedAnswer(const net::ServerRequest& request,
                                                       std::int64_t now_ms,
                                                       std::chrono::seconds retry_after) const {
  net::ServerResponse response = Answer(Fail(10006, kTooManyVisits), now_ms);
  int limit = 0;
  if (const auto index = RouteIndex(request.Path())) limit = LimitOf(static_cast<Endpoint>(*index));
  AddLimitHeaders(
      response, limit, 0,
      now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(retry_after).count());
  return response;
}

net::ServerResponse BybitOrderEntry::ServerErrorAnswer(std::int64_t now_ms) const {
  net::ServerResponse response = Answer(Fail(10016, kServerError), now_ms);
  response.status = 500;
  return response;
}

namespace {

using Params = BybitOrderEntry::Params;

// category: spot (*spot = true), another of Bybit's (*spot = false: nothing of it in this
// sandbox), or 10001 "Illegal category".
Check CategoryOf(const Params& params, bool* spot, std::string* name) {
  std::optional<std::string> category;
  if (Check failure = params.String("category", &category)) return failure;
  if (!category || (*category != "spot" && *category != "linear" && *category != "inverse" &&
                    *category != "option")) {
    return Fail(10001, kIllegalCategory);
  }
  *spot = *category == "spot";
  *name = std::move(*category);
  return std::nullopt;
}

// Page size: `fallback` when absent, [1, max] otherwise.
Check PageLimit(const Params& params, std::int64_t fallback, std::int64_t max, std::int64_t* out) {
  std::optional<std::int64_t> limit;
  if (Check failure = params.Integer("limit", &limit)) return failure;
  if (limit && (*limit < 1 || *limit > max)) return Fail(10001, kParamsError);
  *out = limit.value_or(fallback);
  return std::nullopt;
}

Check CursorOf(const Params& params, std::optional<std::uint64_t>* out) {
  std::optional<std::string> cursor;
  if (Check failure = params.String("cursor", &cursor)) return failure;
  out->reset();
  if (!cursor) return std::nullopt;
  *out = CursorId(*cursor);
  if (!*out) return Fail(10001, kParamsError);
  return std::nullopt;
}

Failure MapRefusal(Refusal refusal, bool by_quote) {
  switch (refusal) {
    case Refusal::kUnknownAccount:
      return Fail(10003, kInvalidKey);
    case Refusal::kUnknownSymbol:
      return Fail(170121, kInvalidSymbol);
    case Refusal::kInvalidParameters:
      return Fail(10001, kParamsError);
    case Refusal::kQuantityNotPositive:
    case Refusal::kQuantityBelowMinimum:
      return by_quote ? Fail(170140, kValueTooLow) : Fail(170136, kQuantityTooLow);
    case Refusal::kQuantityNotLotMultiple:
      return Fail(170137, kQuantityDecimals);
    case Refusal::kQuantityAboveMaximum:
      return Fail(170381, kQuantityTooLarge);
    case Refusal::kPriceNotPositive:
      return Fail(170133, kPriceTooLow);
    case Refusal::kPriceNotTickMultiple:
      return Fail(170134, kPriceDecimals);
    case Refusal::kBelowMinNotional:
      return Fail(170140, kValueTooLow);
    case Refusal::kInsufficientBalance:
      return Fail(170131, kInsufficientBalance);
    case Refusal::kDuplicateClientOrderId:
      return Fail(170141, kDuplicateLinkId);
    case Refusal::kMarketClosed:
    case Refusal::kNoLiquidity:
    case Refusal::kPostOnlyWouldTake:
    case Refusal::kFokCannotFill:
    case Refusal::kStopPriceMissing:
    case Refusal::kStopPriceNotTickMultiple:
    case Refusal::kStopWouldTriggerImmediately:
    case Refusal::kUnknownOrder:
    case Refusal::kOrderAlreadyFinal:
    case Refusal::kNone:
      break;
  }
  return Fail(170210, kNewOrderRejected);
}

// The symbol's price now: the last trade, or the book's mid before the first; 0 when unknown.
std::int64_t ReferencePrice(StreamOrders& orders, std::string_view symbol) {
  if (const auto last = orders.engine().LastPrice(symbol)) return *last;
  if (const auto index = orders.market().Find(symbol)) {
    const TopOfBook top = orders.market().book(*index).top();
    if (top.bid_quantity > 0 && top.ask_quantity > 0) return (top.bid_price + top.ask_price) / 2;
  }
  return 0;
}

// What one unit of `asset` is worth in USD: USDT and USDC at par, another coin at its <coin>USDT
// reference price; 0 when the sandbox lists no such symbol.
std::int64_t UsdPrice(StreamOrders& orders, std::string_view asset) {
  if (asset == "USDT" || asset == "USDC") return kUnit;
  return ReferencePrice(orders, std::string(asset) + "USDT");
}

}  // namespace

bool BybitOrderEntry::InRealtime(const Order& order) const {
  return order.open() || closed_set_.contains(order.order_id);
}

const BybitOrderEntry::Extras* BybitOrderEntry::ExtrasOf(std::uint64_t order_id) const {
  auto it = extras_.find(order_id);
  return it == extras_.end() ? nullptr : it->second.get();
}

// ---- POST /v5/order/create ----

net::ServerResponse BybitOrderEntry::Create(const Params& params, StreamOrders& orders,
                                            std::int64_t now_ms) {
  const auto refuse = [now_ms](const Failure& failure) { return Answer(failure, now_ms); };
  bool spot = false;
  std::string category;
  if (Check failure = CategoryOf(params, &spot, &category)) return refuse(*failure);
  // The sandbox trades spot only.
  if (!spot) return refuse(Fail(10001, kIllegalCategory));
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;

  std::string symbol, side_text, type_text, qty_text;
  if (Check failure = params.Required("symbol", &symbol)) return refuse(*failure);
  const SymbolSpec* spec = engine.FindSymbol(symbol);
  if (spec == nullptr) return refuse(Fail(170121, kInvalidSymbol));
  if (Check failure = params.Required("side", &side_text)) return refuse(*failure);
  OrderSide side = OrderSide::kBuy;
  if (side_text == "Buy") {
    side = OrderSide::kBuy;
  } else if (side_text == "Sell") {
    side = OrderSide::kSell;
  } else {
    return refuse(Fail(170117, kInvalidSide));
  }
  if (Check failure = params.Required("orderType", &type_text)) return refuse(*failure);
  if (type_text != "Market" && type_text != "Limit") return refuse(Fail(170116, kInvalidType));
  const bool market = type_text == "Market";
  if (Check failure = params.Required("qty", &qty_text)) return refuse(*failure);

  std::optional<std::string> tif_text, link, unit_text, filter;
  if (Check failure = params.String("timeInForce", &tif_text)) return refuse(*failure);
  if (Check failure = params.String("orderLinkId", &link)) return refuse(*failure);
  if (Check failure = params.String("marketUnit", &unit_text)) return refuse(*failure);
  if (Check failure = params.String("orderFilter", &filter)) return refuse(*failure);
  std::optional<std::int64_t> leverage;
  if (Check failure = params.Integer("isLeverage", &leverage)) return refuse(*failure);
  // isLeverage=1 borrows: the sandbox account has no margin trading.
  if (leverage && *leverage == 1) return refuse(Fail(170036, kNoMargin));
  if (leverage && *leverage != 0) return refuse(Fail(10001, kParamsError));
  if (filter && *filter != "Order") {
    if (*filter == "tpslOrder" || *filter == "StopOrder" || *filter == "OcoOrder" ||
        *filter == "BidirectionalTpslOrder") {
      return refuse(Fail(170227, kNotSupported));
    }
    return refuse(Fail(170201, kInvalidOrderFilter));
  }
  for (const std::string_view name :
       {"triggerPrice", "takeProfit", "stopLoss", "tpLimitPrice", "slLimitPrice"}) {
    std::optional<std::string> value;
    if (Check failure = params.String(name, &value)) return refuse(*failure);
    if (value && *value != "0") return refuse(Fail(170227, kNotSupported));
  }

  TimeInForce tif = TimeInForce::kGtc;
  bool post_only = false;
  if (tif_text) {
    if (*tif_text == "GTC") {
      tif = TimeInForce::kGtc;
    } else if (*tif_text == "IOC") {
      tif = TimeInForce::kIoc;
    } else if (*tif_text == "FOK") {
      tif = TimeInForce::kFok;
    } else if (*tif_text == "PostOnly") {
      post_only = true;
    } else if (*tif_text == "RPI") {
      return refuse(Fail(170355, kRpiRestricted));
    } else {
      return refuse(Fail(170115, kInvalidTif));
    }
  }
  if (link) {
    if (!ValidLinkId(*link)) return refuse(Failure{170130, NotValid("orderLinkId")});
    // create-order: "your customized order ID should be ... unique".
    if (engine.FindOrderByClientId(account, *link) != nullptr) {
      return refuse(Fail(170141, kDuplicateLinkId));
    }
  }

  OrderRequest request;
  request.account = account;
  request.symbol = symbol;
  request.client_order_id = link.value_or("");
  request.side = side;
  bool by_quote = false;
  std::int64_t qty = 0;
  const core::DecimalError qty_error = core::ParseDecimal(qty_text, kSimScale, &qty);
  if (market) {
    // create-order: "Spot: Market Buy order by value by default, you can set marketUnit".
    by_quote = side == OrderSide::kBuy;
    if (unit_text) {
      if (*unit_text == "baseCoin") {
        by_quote = false;
      } else if (*unit_text == "quoteCoin") {
        by_quote = true;
      } else {
        return refuse(Failure{170130, NotValid("marketUnit")});
      }
    }
    request.type = OrderType::kMarket;
    request.time_in_force = TimeInForce::kIoc;  // "Market order will always use IOC"
    if (by_quote) {
      if (qty_error == core::DecimalError::kTooPrecise)
        return refuse(Fail(170148, kAmountDecimals));
      if (qty_error != core::DecimalError::kOk || qty < 0) {
        return refuse(Failure{170130, NotValid("qty")});
      }
      if (qty % kQuotePrecision != 0) return refuse(Fail(170148, kAmountDecimals));
      if (qty < spec->min_notional || qty == 0) return refuse(Fail(170140, kValueTooLow));
      if (qty > kMaxOrderAmount) return refuse(Fail(170124, kAmountTooLarge));
      request.quote_quantity = qty;
    } else {
      if (qty_error == core::DecimalError::kTooPrecise) {
        return refuse(Fail(170137, kQuantityDecimals));
      }
      if (qty_error != core::DecimalError::kOk || qty < 0) {
        return refuse(Failure{170130, NotValid("qty")});
      }
      if (qty == 0) return refuse(Fail(170136, kQuantityTooLow));
      if (spec->lot_size > 0 && qty % spec->lot_size != 0) {
        return refuse(Fail(170137, kQuantityDecimals));
      }
      // instruments-info: maxMarketOrderQty.
      if (qty > spec->max_quantity / 2) return refuse(Fail(170382, kQuantityTooLarge));
      request.quantity = qty;
    }
  } else {
    std::string price_text;
    if (Check failure = params.Required("price", &price_text)) return refuse(*failure);
    std::int64_t price = 0;
    const core::DecimalError price_error = core::ParseDecimal(price_text, kSimScale, &price);
    if (price_error == core::DecimalError::kTooPrecise) {
      return refuse(Fail(170134, kPriceDecimals));
    }
    if (price_error != core::DecimalError::kOk || price < 0) {
      return refuse(Failure{170130, NotValid("price")});
    }
    if (price == 0) return refuse(Fail(170133, kPriceTooLow));
    if (spec->tick_size > 0 && price % spec->tick_size != 0) {
      return refuse(Fail(170134, kPriceDecimals));
    }
    if (qty_error == core::DecimalError::kTooPrecise) {
      return refuse(Fail(170137, kQuantityDecimals));
    }
    if (qty_error != core::DecimalError::kOk || qty < 0) {
      return refuse(Failure{170130, NotValid("qty")});
    }
    if (qty == 0) return refuse(Fail(170136, kQuantityTooLow));
    if (spec->lot_size > 0 && qty % spec->lot_size != 0) {
      return refuse(Fail(170137, kQuantityDecimals));
    }
    // instruments-info: maxLimitOrderQty.
    if (qty > spec->max_quantity) return refuse(Fail(170381, kQuantityTooLarge));
    request.type = OrderType::kLimit;
    request.time_in_force = post_only ? TimeInForce::kGtc : tif;
    request.post_only = post_only;
    request.price = price;
    request.quantity = qty;
  }

  auto extras = std::make_unique<Extras>();
  extras->last_price_on_created = ReferencePrice(orders, symbol);
  const OrderResult result = engine.Place(request);
  if (!result.ok() || result.order == nullptr) {
    return refuse(MapRefusal(result.refusal, by_quote));
  }
  const Order& order = *result.order;
  extras_[order.order_id] = std::move(extras);
  std::string out = "{";
  Field(out, "orderId", fmt::format_int(order.order_id).str(), true);
  Field(out, "orderLinkId", LinkIdOf(order));
  out.push_back('}');
  return Success(out, now_ms);
}

// ---- POST /v5/order/cancel ----

net::ServerResponse BybitOrderEntry::Cancel(const Params& params, StreamOrders& orders,
                                            std::int64_t now_ms) {
  const auto refuse = [now_ms](const Failure& failure) { return Answer(failure, now_ms); };
  bool spot = false;
  std::string category;
  if (Check failure = CategoryOf(params, &spot, &category)) return refuse(*failure);
  if (!spot) return refuse(Fail(10001, kIllegalCategory));
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  std::string symbol;
  if (Check failure = params.Required("symbol", &symbol)) return refuse(*failure);
  if (engine.FindSymbol(symbol) == nullptr) return refuse(Fail(170121, kInvalidSymbol));
  std::optional<std::string> id_text, link, filter;
  if (Check failure = params.String("orderId", &id_text)) return refuse(*failure);
  if (Check failure = params.String("orderLinkId", &link)) return refuse(*failure);
  if (Check failure = params.String("orderFilter", &filter)) return refuse(*failure);
  // cancel-order: "You must specify orderId or orderLinkId".
  if (!id_text && !link) return refuse(Fail(10001, kParamsError));
  const Order* order = nullptr;
  // The sandbox holds no TP/SL or conditional orders: nothing of another orderFilter exists.
  if (!filter || *filter == "Order") {
    // "If orderId and orderLinkId do not match, the system will process orderId first."
    if (id_text) {
      if (const auto id = ParseId(*id_text)) order = engine.FindOrder(account, *id);
    } else if (ValidLinkId(*link)) {
      order = engine.FindOrderByClientId(account, *link);
    }
  }
  // "You can only cancel unfilled or partially filled orders."
  if (order == nullptr || order->symbol != symbol || !order->open()) {
    return refuse(Fail(170213, kOrderMissing));
  }
  const OrderResult result = engine.Cancel(account, order->order_id);
  if (!result.ok() || result.order == nullptr) return refuse(Fail(170213, kOrderMissing));
  std::string out = "{";
  Field(out, "orderId", fmt::format_int(result.order->order_id).str(), true);
  Field(out, "orderLinkId", LinkIdOf(*result.order));
  out.push_back('}');
  return Success(out, now_ms);
}

// ---- GET /v5/order/realtime and /v5/order/history ----

void BybitOrderEntry::WriteOrder(std::string& out, const Order& order) const {
  const bool is_market = order.type == OrderType::kMarket;
  const Extras* extras = ExtrasOf(order.order_id);
  const std::int64_t leaves = order.open() ? order.remaining() : 0;
  out.push_back('{');
  Field(out, "orderId", fmt::format_int(order.order_id).str(), true);
  Field(out, "orderLinkId", LinkIdOf(order));
  Field(out, "blockTradeId", "");
  Field(out, "symbol", order.symbol);
  Field(out, "price", is_market ? "0" : Dec(order.price));
  Field(out, "qty", IsQuoteMarket(order) ? Dec(order.quote_quantity) : Dec(order.quantity));
  Field(out, "side", order.side == OrderSide::kBuy ? "Buy" : "Sell");
  Field(out, "isLeverage", "0");
  RawField(out, "positionIdx", "0");
  Field(out, "orderStatus", StatusName(order));
  Field(out, "cancelType", CancelType(order));
  Field(out, "rejectReason", RejectReason(order));
  // open-order: "UTA: returns "" for those orders without avg price".
  Field(out, "avgPrice", order.fills.empty() ? std::string() : Dec(AveragePrice(order)));
  Field(out, "leavesQty", Dec(leaves));
  Field(out, "leavesValue", is_market ? "0" : Dec(MulScaled(leaves, order.price)));
  Field(out, "cumExecQty", Dec(order.executed_quantity));
  Field(out, "cumExecValue", Dec(order.cumulative_quote));
  Field(out, "cumExecFee", Dec(order.cumulative_fee));
  Field(out, "timeInForce", TimeInForceText(order));
  Field(out, "orderType", is_market ? "Market" : "Limit");
  Field(out, "stopOrderType", "");
  Field(out, "orderIv", "");
  Field(out, "marketUnit", !is_market ? "" : IsQuoteMarket(order) ? "quoteCoin" : "baseCoin");
  Field(out, "triggerPrice", "0");
  Field(out, "takeProfit", "0");
  Field(out, "stopLoss", "0");
  Field(out, "ocoTriggerBy", "OcoTriggerByUnknown");
  Field(out, "tpLimitPrice", "0");
  Field(out, "slLimitPrice", "0");
  Field(out, "tpTriggerBy", "");
  Field(out, "slTriggerBy", "");
  RawField(out, "triggerDirection", "0");
  Field(out, "triggerBy", "");
  Field(out, "lastPriceOnCreated",
        extras != nullptr && extras->last_price_on_created > 0 ? Dec(extras->last_price_on_created)
                                                               : std::string());
  RawField(out, "reduceOnly", "false");
  RawField(out, "closeOnTrigger", "false");
  Field(out, "placeType", "");
  Field(out, "smpType", "None");
  RawField(out, "smpGroup", "0");
  Field(out, "smpOrderId", "");
  Field(out, "createdTime", fmt::format_int(order.created_ms).str());
  Field(out, "updatedTime", fmt::format_int(order.updated_ms).str());
  out.append(R"(,"cumFeeDetail":{)");
  if (order.cumulative_fee > 0) Field(out, order.fee_asset, Dec(order.cumulative_fee), true);
  out.append("}}");
}

net::ServerResponse BybitOrderEntry::ListOrders(const Params& params, StreamOrders& orders,
                                                std::int64_t now_ms, bool history) {
  const auto refuse = [now_ms](const Failure& failure) { return Answer(failure, now_ms); };
  bool spot = false;
  std::string category;
  if (Check failure = CategoryOf(params, &spot, &category)) return refuse(*failure);
  std::optional<std::string> symbol, id_text, link, filter, status;
  for (auto [name, value] :
       {std::pair<std::string_view, std::optional<std::string>*>{"symbol", &symbol},
        {"orderId", &id_text},
        {"orderLinkId", &link},
        {"orderFilter", &filter},
        {"orderStatus", &status}}) {
    if (Check failure = params.String(name, value)) return refuse(*failure);
  }
  std::int64_t limit = 0;
  if (Check failure = PageLimit(params, 20, 50, &limit)) return refuse(*failure);
  std::optional<std::uint64_t> cursor;
  if (Check failure = CursorOf(params, &cursor)) return refuse(*failure);
  std::optional<std::int64_t> open_only, start, end;
  if (Check failure = params.Integer("openOnly", &open_only)) return refuse(*failure);
  if (Check failure = params.Integer("startTime", &start)) return refuse(*failure);
  if (Check failure = params.Integer("endTime", &end)) return refuse(*failure);
  // open-order: 0 open orders only; 1 (2 for inverse and classic) the recent closed ones.
  const bool closed_only = open_only.value_or(0) != 0;
  if (!history && open_only && (*open_only < 0 || *open_only > 2)) {
    return refuse(Fail(10001, kParamsError));
  }
  // order-list: "startTime and endTime must be passed together"; "If not passed, query the past 7
  // days data by default".
  if (history && (start.has_value() != end.has_value() || (start && *start > *end))) {
    return refuse(Fail(10001, kParamsError));
  }
  const std::int64_t from_ms = start.value_or(now_ms - kSevenDaysMs);
  const std::int64_t to_ms = end.value_or(now_ms);

  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  std::vector<const Order*> selected;
  if (spot && (!filter || *filter == "Order")) {
    // "orderId > orderLinkId > symbol": an id names one order whatever else is asked.
    const Order* named = nullptr;
    const bool by_id = id_text.has_value() || link.has_value();
    if (id_text) {
      if (const auto id = ParseId(*id_text)) named = engine.FindOrder(account, *id);
    } else if (link && ValidLinkId(*link)) {
      named = engine.FindOrderByClientId(account, *link);
    }
    const auto wanted = [&](const Order& order) {
      if (history) {
        if (!by_id && (order.created_ms < from_ms || order.created_ms > to_ms)) return false;
        return !status || StatusName(order) == *status;
      }
      if (by_id) return InRealtime(order);
      return closed_only ? !order.open() && InRealtime(order) : order.open();
    };
    if (by_id) {
      if (named != nullptr && wanted(*named)) selected.push_back(named);
    } else {
      const std::vector<const Order*> all = engine.Orders(account, symbol.value_or(""));
      // Newest first: the engine lists them oldest first.
      for (auto it = all.rbegin(); it != all.rend(); ++it) {
        if (wanted(**it)) selected.push_back(*it);
      }
    }
  }
  std::string out = R"({"list":[)";
  std::size_t shown = 0;
  std::uint64_t last_id = 0;
  bool more = false;
  for (const Order* order : selected) {
    if (cursor && order->order_id >= *cursor) continue;
    if (shown == static_cast<std::size_t>(limit)) {
      more = true;
      break;
    }
    if (shown != 0) out.push_back(',');
    WriteOrder(out, *order);
    last_id = order->order_id;
    ++shown;
  }
  out.push_back(']');
  Field(out, "nextPageCursor", more ? PageCursor(last_id) : std::string());
  Field(out, "category", category);
  out.push_back('}');
  return Success(out, now_ms);
}

// ---- GET /v5/execution/list ----

net::ServerResponse BybitOrderEntry::Executions(const Params& params, StreamOrders& orders,
                                                std::int64_t now_ms) {
  const auto refuse = [now_ms](const Failure& failure) { return Answer(failure, now_ms); };
  bool spot = false;
  std::string category;
  if (Check failure = CategoryOf(params, &spot, &category)) return refuse(*failure);
  std::optional<std::string> symbol, id_text, link, exec_type;
  for (auto [name, value] :
       {std::pair<std::string_view, std::optional<std::string>*>{"symbol", &symbol},
        {"orderId", &id_text},
        {"orderLinkId", &link},
        {"execType", &exec_type}}) {
    if (Check failure = params.String(name, value)) return refuse(*failure);
  }
  std::int64_t limit = 0;
  if (Check failure = PageLimit(params, 50, 100, &limit)) return refuse(*failure);
  std::optional<std::uint64_t> cursor;
  if (Check failure = CursorOf(params, &cursor)) return refuse(*failure);
  std::optional<std::int64_t> start, end;
  if (Check failure = params.Integer("startTime", &start)) return refuse(*failure);
  if (Check failure = params.Integer("endTime", &end)) return refuse(*failure);
  // execution: neither → the last 7 days; startTime only → 7 days from it; endTime only → 7 days
  // up to it; both → "endTime - startTime <= 7 days".
  std::int64_t from_ms = now_ms - kSevenDaysMs;
  std::int64_t to_ms = now_ms;
  if (start && end) {
    if (*end < *start || *end - *start > kSevenDaysMs) return refuse(Fail(10001, kParamsError));
    from_ms = *start;
    to_ms = *end;
  } else if (start) {
    from_ms = *start;
    to_ms = *start + kSevenDaysMs;
  } else if (end) {
    from_ms = *end - kSevenDaysMs;
    to_ms = *end;
  }

  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  std::vector<Fill> fills;
  if (spot && (!exec_type || *exec_type == "Trade")) {
    // "orderId and orderLinkId have a higher priority and ... other input parameters will be
    // ignored."
    if (id_text || link) {
      const Order* order = nullptr;
      if (id_text) {
        if (const auto id = ParseId(*id_text)) order = engine.FindOrder(account, *id);
      } else if (ValidLinkId(*link)) {
        order = engine.FindOrderByClientId(account, *link);
      }
      if (order != nullptr) fills = order->fills;
    } else {
      for (Fill& fill : engine.Trades(account, symbol.value_or(""))) {
        if (fill.time_ms >= from_ms && fill.time_ms <= to_ms) fills.push_back(std::move(fill));
      }
    }
  }
  // "sorted by execTime in descending order": the engine's are oldest first.
  std::reverse(fills.begin(), fills.end());
  const std::string fee_rate_maker = Dec(options_.maker_fee_ppm * 100);
  const std::string fee_rate_taker = Dec(options_.taker_fee_ppm * 100);
  std::string out = R"({"nextPageCursor":)";
  std::string list = "[";
  std::size_t shown = 0;
  std::uint64_t last_id = 0;
  bool more = false;
  for (const Fill& fill : fills) {
    if (cursor && fill.trade_id >= *cursor) continue;
    if (shown == static_cast<std::size_t>(limit)) {
      more = true;
      break;
    }
    const Order* order = engine.FindOrder(account, fill.order_id);
    if (order == nullptr) continue;
    // What the order still had to execute after this fill.
    std::int64_t executed = 0;
    for (const Fill& earlier : order->fills) {
      executed += earlier.quantity;
      if (earlier.trade_id == fill.trade_id) break;
    }
    const bool is_market = order->type == OrderType::kMarket;
    if (shown != 0) list.push_back(',');
    list.push_back('{');
    Field(list, "symbol", fill.symbol, true);
    Field(list, "orderType", is_market ? "Market" : "Limit");
    Field(list, "underlyingPrice", "");
    Field(list, "orderLinkId", LinkIdOf(*order));
    Field(list, "side", fill.side == OrderSide::kBuy ? "Buy" : "Sell");
    Field(list, "indexPrice", "");
    Field(list, "orderId", fmt::format_int(order->order_id).str());
    Field(list, "stopOrderType", "");
    Field(list, "leavesQty", Dec(order->quantity - executed));
    Field(list, "execTime", fmt::format_int(fill.time_ms).str());
    Field(list, "feeCurrency", fill.fee_asset);
    RawField(list, "isMaker", fill.is_maker ? "true" : "false");
    Field(list, "execFee", Dec(fill.fee));
    Field(list, "feeRate", fill.is_maker ? fee_rate_maker : fee_rate_taker);
    Field(list, "execId", fmt::format_int(kExecIdBase + fill.trade_id).str());
    Field(list, "tradeIv", "");
    Field(list, "blockTradeId", "");
    Field(list, "markPrice", "");
    Field(list, "execPrice", Dec(fill.price));
    Field(list, "markIv", "");
    Field(list, "orderQty",
          IsQuoteMarket(*order) ? Dec(order->quote_quantity) : Dec(order->quantity));
    Field(list, "orderPrice", is_market ? "0" : Dec(order->price));
    Field(list, "execValue", Dec(fill.quote_quantity));
    Field(list, "execType", "Trade");
    Field(list, "execQty", Dec(fill.quantity));
    Field(list, "closedSize", "");
    Field(list, "extraFees", "");
    RawField(list, "seq", fmt::format_int(fill.trade_id).str());
    list.push_back('}');
    last_id = fill.trade_id;
    ++shown;
  }
  list.push_back(']');
  core::AppendJsonString(out, more ? PageCursor(last_id) : std::string());
  Field(out, "category", category);
  RawField(out, "list", list);
  out.push_back('}');
  return Success(out, now_ms);
}

// ---- GET /v5/account/wallet-balance ----

net::ServerResponse BybitOrderEntry::WalletBalance(const Params& params, StreamOrders& orders,
                                                   std::int64_t now_ms) {
  const auto refuse = [now_ms](const Failure& failure) { return Answer(failure, now_ms); };
  std::optional<std::string> account_type, coins;
  if (Check failure = params.String("accountType", &account_type)) return refuse(*failure);
  if (Check failure = params.String("coin", &coins)) return refuse(*failure);
  // The sandbox account is a Unified Trading Account.
  if (!account_type || *account_type != "UNIFIED") return refuse(Fail(10001, kParamsError));
  const BalanceMap* balances = orders.engine().Balances(orders.keys().api_key);
  struct Coin {
    std::string name;
    Balance balance;
    std::int64_t usd = 0;
  };
  std::vector<Coin> listed;
  std::int64_t total_usd = 0;
  std::map<std::string, Coin, std::less<>> all;
  if (balances != nullptr) {
    for (const auto& [name, balance] : *balances) {
      Coin coin{name, balance, 0};
      coin.usd = MulScaled(balance.free + balance.locked, UsdPrice(orders, name));
      total_usd += coin.usd;
      all.emplace(name, std::move(coin));
    }
  }
  if (coins) {
    // "You can pass multiple coins to query, separated by comma."
    std::string_view rest = *coins;
    while (!rest.empty()) {
      const std::size_t comma = rest.find(',');
      const std::string name(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (name.empty()) continue;
      auto it = all.find(name);
      listed.push_back(it != all.end() ? it->second : Coin{name, {}, 0});
    }
  } else {
    // "If not passed, it returns non-zero asset info".
    for (const auto& [name, coin] : all) {
      if (coin.balance.free + coin.balance.locked != 0) listed.push_back(coin);
    }
  }
  const std::string total = Dec(total_usd);
  std::string out = R"({"list":[{)";
  Field(out, "totalEquity", total, true);
  Field(out, "accountIMRate", "0");
  Field(out, "accountIMRateByMp", "0");
  Field(out, "totalMarginBalance", total);
  Field(out, "totalInitialMargin", "0");
  Field(out, "totalInitialMarginByMp", "0");
  Field(out, "accountType", "UNIFIED");
  Field(out, "totalAvailableBalance", total);
  Field(out, "accountMMRate", "0");
  Field(out, "accountMMRateByMp", "0");
  Field(out, "totalPerpUPL", "0");
  Field(out, "totalWalletBalance", total);
  Field(out, "accountLTV", "0");
  Field(out, "totalMaintenanceMargin", "0");
  Field(out, "totalMaintenanceMarginByMp", "0");
  out.append(R"(,"coin":[)");
  for (std::size_t i = 0; i < listed.size(); ++i) {
    const Coin& coin = listed[i];
    const std::int64_t wallet = coin.balance.free + coin.balance.locked;
    if (i != 0) out.push_back(',');
    out.push_back('{');
    Field(out, "availableToBorrow", "", true);
    Field(out, "bonus", "0");
    Field(out, "accruedInterest", "0");
    Field(out, "availableToWithdraw", Dec(coin.balance.free));
    Field(out, "totalOrderIM", "0");
    Field(out, "equity", Dec(wallet));
    Field(out, "totalPositionMM", "0");
    Field(out, "usdValue", Dec(coin.usd));
    Field(out, "spotHedgingQty", "0");
    Field(out, "unrealisedPnl", "0");
    RawField(out, "collateralSwitch", "true");
    Field(out, "borrowAmount", "0");
    Field(out, "totalPositionIM", "0");
    Field(out, "walletBalance", Dec(wallet));
    Field(out, "cumRealisedPnl", "0");
    Field(out, "locked", Dec(coin.balance.locked));
    RawField(out, "marginCollateral", "true");
    Field(out, "coin", coin.name);
    Field(out, "spotBorrow", "0");
    out.push_back('}');
  }
  out.append("]}]}");
  return Success(out, now_ms);
}

}  // namespace tradingd::sim::bybit
