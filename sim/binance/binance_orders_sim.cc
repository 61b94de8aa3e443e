#include "sim/binance/binance_orders_sim.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "sim/binance/binance_wire.h"
#include "sim/common/http_query.h"

namespace tradingd::sim::binance {

// ---- starting balances ----

AssetAmounts SandboxStartingBalances(const BinanceOrderEntryOptions& options,
                                     std::span<const SymbolSpec> symbols) {
  AssetAmounts balances = options.starting_balances;
  for (const SymbolSpec& spec : symbols) {
    const std::string quote = core::ToUpperAscii(spec.quote);
    if (!balances.contains(quote)) balances[quote] = options.other_quote_balance;
  }
  for (const SymbolSpec& spec : symbols) {
    const std::string base = core::ToUpperAscii(spec.base);
    if (!balances.contains(base)) balances[base] = options.other_base_balance;
  }
  return balances;
}

namespace {

using core::Int128;

constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
// The filters AppendExchangeInfoSymbol lists for every spot symbol.
constexpr std::int64_t kMaxPrice = 100'000'000'000'000;     // PRICE_FILTER maxPrice 1,000,000
constexpr std::int64_t kMaxNotional = 900'000'000'000'000;  // NOTIONAL maxNotional 9,000,000
constexpr std::size_t kMaxNumOrders = 200;                  // MAX_NUM_ORDERS
constexpr std::size_t kMaxNumAlgoOrders = 5;                // MAX_NUM_ALGO_ORDERS
constexpr std::int64_t kMarketLotDivisor = 10;              // MARKET_LOT_SIZE maxQty: max / 10
constexpr std::int64_t kDefaultRecvWindowUs = 5'000'000;
constexpr std::int64_t kMaxRecvWindowUs = 60'000'000;
// A timestamp this large is in microseconds (milliseconds reach it in the year 5138).
constexpr std::int64_t kMicrosecondTimestamps = 100'000'000'000'000;
constexpr std::size_t kMaxParams = 64;
constexpr std::int64_t kSandboxUid = 1'000'000'001;
constexpr int kDefaultTradesLimit = 500;
constexpr int kMaxTradesLimit = 1000;
constexpr std::int64_t kDayMs = 86'400'000;

// errors.md, verbatim (docs_examples/binance_spot_error_codes.json).
constexpr std::string_view kKeyFormat = "API-key format invalid.";  // -2014
constexpr std::string_view kKeyRejected =
    "Invalid API-key, IP, or permissions for action.";                                  // -2015
constexpr std::string_view kBadSignature = "Signature for this request is not valid.";  // -1022
constexpr std::string_view kOutsideWindow =
    "Timestamp for this request is outside of the recvWindow.";  // -1021
constexpr std::string_view kAhead =
    "Timestamp for this request was 1000ms ahead of the server's time.";                    // -1021
constexpr std::string_view kDuplicateParam = "Duplicate values for a parameter detected.";  // -1101
constexpr std::string_view kTooManyParams = "Too many parameters sent for this endpoint.";  // -1101
constexpr std::string_view kIllegalChars = "Illegal characters found in a parameter.";      // -1100
constexpr std::string_view kInvalidSide = "Invalid side.";                                  // -1117
constexpr std::string_view kInvalidType = "Invalid orderType.";                             // -1116
constexpr std::string_view kInvalidTif = "Invalid timeInForce.";                            // -1115
constexpr std::string_view kEmptyNewClientId = "New client order ID was empty.";            // -1118
constexpr std::string_view kEmptyOrigClientId = "Original client order ID was empty.";      // -1119
constexpr std::string_view kInvalidSymbol = "Invalid symbol.";                              // -1121
constexpr std::string_view kBadCombo = "Combination of optional parameters invalid.";       // -1128
constexpr std::string_view kUnsupportedCombo = "Unsupported order combination.";            // -1014
constexpr std::string_view kBadStrategyType = "`strategyType` was less than 1000000.";      // -1134
constexpr std::string_view kBadCancelRestrictions =
    "`cancelRestrictions` has to be either `ONLY_NEW` or `ONLY_PARTIALLY_FILLED`.";  // -1145
constexpr std::string_view kNoDepth = "No orders on book for symbol.";               // -1112
constexpr std::string_view kUnknownOrderSent = "Unknown order sent.";                // -2011
constexpr std::string_view kNoSuchOrder = "Order does not exist.";                   // -2013
constexpr std::string_view kClientIdMismatch =
    "Client order ID is not correct for this order ID.";  // -2039
// The -2010 / -2011 texts of errors.md's "Messages for -1010 ERROR_MSG_RECEIVED, -2010
// NEW_ORDER_REJECTED, and -2011 CANCEL_REJECTED".
constexpr std::string_view kInsufficientBalance =
    "Account has insufficient balance for requested action.";
constexpr std::string_view kDuplicateOrder = "Duplicate order sent.";
constexpr std::string_view kMarketClosed = "Market is closed.";
constexpr std::string_view kWouldTake = "Order would immediately match and take.";
constexpr std::string_view kWouldTrigger = "Order would trigger immediately.";
constexpr std::string_view kNoLiquidityForQuote =
    "Order book liquidity is less than symbol minimum quantity.";
constexpr std::string_view kCancelRestricted = "Order was not canceled due to cancel restrictions.";
// 5xx bodies: -1001 DISCONNECTED (nothing was processed), -1007 TIMEOUT (execution unknown).
constexpr std::string_view kInternalError =
    "Internal error; unable to process your request. Please try again.";
constexpr std::string_view kBackendTimeout =
    "Timeout waiting for response from backend server. Send status unknown; execution status "
    "unknown.";
// Binance's legal ranges, as its -1100 texts quote them.
constexpr std::string_view kDecimalRange = "^([0-9]{1,20})(\\.[0-9]{1,20})?$";
constexpr std::string_view kLongRange = "^[0-9]{1,20}$";
constexpr std::string_view kSymbolRange = "^[A-Z0-9-_.]{1,20}$";
constexpr std::string_view kClientIdRange = "^[a-zA-Z0-9-_]{1,36}$";

std::string Mandatory(std::string_view name) {
  return fmt::format("Mandatory parameter '{}' was not sent, was empty/null, or malformed.", name);
}
std::string EitherMandatory(std::string_view a, std::string_view b) {
  return fmt::format("Param '{}' or '{}' must be sent, but both were empty/null!", a, b);
}
std::string Illegal(std::string_view name, std::string_view range) {
  return fmt::format("Illegal characters found in parameter '{}'; legal range is '{}'.", name,
                     range);
}
std::string NotRequired(std::string_view name) {
  return fmt::format("Parameter '{}' sent when not required.", name);
}
std::string Overflowed(std::string_view name) {
  return fmt::format("Parameter '{}' overflowed.", name);
}
std::string TooPrecise(std::string_view name) {
  return fmt::format("Parameter '{}' has too much precision.", name);
}
std::string InvalidData(std::string_view name) {
  return fmt::format("Data sent for parameter '{}' is not valid.", name);
}
std::string GreaterThan(std::string_view name, std::int64_t limit) {
  return fmt::format("'{}' contains unexpected value. Cannot be greater than {}.", name, limit);
}
std::string Unread(std::size_t read, std::size_t sent) {
  return fmt::format("Not all sent parameters were read; read '{}' parameter(s) but was sent '{}'.",
                     read, sent);
}
std::string FilterFailure(std::string_view filter) {
  return fmt::format("Filter failure: {}", filter);
}
std::string TooMuchWeight(int limit) {
  return fmt::format(
      "Too much request weight used; current limit is {} request weight per 1 MINUTE. Please use "
      "WebSocket Streams for live updates to avoid polling the API.",
      limit);
}
std::string TooManyOrders(int limit, std::string_view interval) {
  return fmt::format("Too many new orders; current limit is {} orders per {}.", limit, interval);
}

net::ServerResponse ErrorResponse(int status, int code, std::string_view message) {
  net::ServerResponse response;
  response.status = status;
  response.body = ErrorBody(code, message);
  return response;
}

// A refusal before anything is done: Binance's status, code and text.
struct Failure {
  int status = 400;
  int code = 0;
  std::string message;
};
using Check = std::optional<Failure>;

Failure Bad(int code, std::string message) { return Failure{400, code, std::move(message)}; }

net::ServerResponse Answer(const Failure& failure) {
  return ErrorResponse(failure.status, failure.code, failure.message);
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

std::int64_t CeilSeconds(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

std::string Dec(std::int64_t mantissa) {
  return core::FormatDecimal(mantissa, kSimScale, kSimScale);
}

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Binance's HMAC keys are 64 alphanumerics; anything else is -2014.
bool WellFormedKey(std::string_view key) {
  return key.size() == 64 && std::all_of(key.begin(), key.end(), IsAlnum);
}

bool ValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    std::uint32_t code = c & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

bool ValidSymbolText(std::string_view symbol) {
  if (symbol.empty() || symbol.size() > 20) return false;
  return std::all_of(symbol.begin(), symbol.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
  });
}

bool ValidClientId(std::string_view id) {
  if (id.empty() || id.size() > 36) return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return IsAlnum(c) || c == '-' || c == '_'; });
}

enum class ParseError : std::uint8_t { kOk, kIllegal, kPrecision, kOverflow };

// ^([0-9]{1,20})(\.[0-9]{1,20})?$ into a mantissa at kSimScale: digits past the eighth must be
// zeros (kPrecision otherwise), the value must fit an int64 mantissa (kOverflow otherwise).
ParseError ParseDecimalParam(std::string_view text, std::int64_t* out) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  auto digits = [](std::string_view part) {
    return !part.empty() && part.size() <= 20 &&
           std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(whole) || (dot != std::string_view::npos && !digits(fraction))) {
    return ParseError::kIllegal;
  }
  Int128 value = 0;
  for (const char c : whole) value = value * 10 + (c - '0');
  for (std::size_t i = 0; i < kSimScale; ++i) {
    value = value * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  }
  for (std::size_t i = kSimScale; i < fraction.size(); ++i) {
    if (fraction[i] != '0') return ParseError::kPrecision;
  }
  if (value > std::numeric_limits<std::int64_t>::max()) return ParseError::kOverflow;
  *out = static_cast<std::int64_t>(value);
  return ParseError::kOk;
}

ParseError ParseLongParam(std::string_view text, std::int64_t* out) {
  if (text.empty() || text.size() > 20 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return ParseError::kIllegal;
  }
  Int128 value = 0;
  for (const char c : text) value = value * 10 + (c - '0');
  if (value > std::numeric_limits<std::int64_t>::max()) return ParseError::kOverflow;
  *out = static_cast<std::int64_t>(value);
  return ParseError::kOk;
}

// One name=value pair of the query string or the body, decoded, with where it stood.
struct RawParam {
  std::string name;
  std::string value;
  std::size_t begin = 0;  // the pair's bytes in its part
  std::size_t end = 0;
};

Check SplitPart(std::string_view raw, std::vector<RawParam>* out) {
  std::size_t pos = 0;
  while (pos <= raw.size()) {
    std::size_t amp = raw.find('&', pos);
    if (amp == std::string_view::npos) amp = raw.size();
    const std::string_view pair = raw.substr(pos, amp - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      RawParam param;
      param.name = PercentDecode(pair.substr(0, eq));
      param.value =
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1));
      param.begin = pos;
      param.end = amp;
      if (!ValidUtf8(param.name) || !ValidUtf8(param.value))
        return Bad(-1100, std::string(kIllegalChars));
      for (const RawParam& seen : *out) {
        if (seen.name == param.name) return Bad(-1101, std::string(kDuplicateParam));
      }
      out->push_back(std::move(param));
      if (out->size() > kMaxParams) return Bad(-1101, std::string(kTooManyParams));
    }
    pos = amp + 1;
  }
  return std::nullopt;
}

// `raw` without the pair at [begin, end) and one '&' beside it: what was signed.
std::string WithoutPair(std::string_view raw, std::size_t begin, std::size_t end) {
  std::string out;
  if (begin > 0) {
    out.append(raw.substr(0, begin - 1));  // drops the '&' before the pair
    out.append(raw.substr(end));
  } else {
    out.append(raw.substr(std::min(end + 1, raw.size())));  // drops the '&' after it
  }
  return out;
}

const char* TypeName(const Order& order) {
  return order.post_only ? "LIMIT_MAKER" : OrderTypeName(order.type);
}

std::int64_t WorkingTime(const Order& order) {
  return order.working_ms != 0 ? order.working_ms : -1;
}

}  // namespace

// ---- BinanceRestLimits ----

BinanceRestLimits::BinanceRestLimits(BinanceRateLimitOptions options, int default_weight_per_minute)
    : options_(options),
      weight_limit_(options.request_weight_per_minute > 0 ? options.request_weight_per_minute
                                                          : default_weight_per_minute) {}

void BinanceRestLimits::Roll(std::int64_t now_ms) {
  const std::int64_t minute = FloorDiv(now_ms, 60'000);
  if (minute != minute_) {
    minute_ = minute;
    used_weight_ = 0;
  }
  const std::int64_t ten_seconds = FloorDiv(now_ms, 10'000);
  if (ten_seconds != ten_seconds_) {
    ten_seconds_ = ten_seconds;
    orders_10s_ = 0;
  }
  const std::int64_t day = FloorDiv(now_ms, kDayMs);
  if (day != day_) {
    day_ = day;
    orders_day_ = 0;
  }
}

std::optional<net::ServerResponse> BinanceRestLimits::Banned(std::int64_t now_ms) {
  if (now_ms >= banned_until_ms_ && now_ms < throttled_until_ms_) {
    // Sent while a 429's Retry-After ran: banned (for the rest of the throttle, when the venue
    // throttled on command).
    banned_until_ms_ = throttle_ban_ms_ > 0 ? now_ms + throttle_ban_ms_ : throttled_until_ms_;
    throttled_until_ms_ = 0;
  }
  if (now_ms >= banned_until_ms_) return std::nullopt;
  net::ServerResponse response = ErrorResponse(
      418, -1003,
      fmt::format("Way too much request weight used; IP banned until {}. Please use WebSocket "
                  "Streams for live updates to avoid bans.",
                  banned_until_ms_));
  response.headers.emplace_back("Retry-After",
                                std::to_string(CeilSeconds(banned_until_ms_ - now_ms)));
  return response;
}

std::optional<net::ServerResponse> BinanceRestLimits::ChargeWeight(int weight,
                                                                   std::int64_t now_ms) {
  Roll(now_ms);
  used_weight_ += weight;
  if (used_weight_ <= weight_limit_) return std::nullopt;
  throttled_until_ms_ = (minute_ + 1) * 60'000;
  throttle_ban_ms_ = std::max<std::int64_t>(options_.ban.count(), 1) * 1000;
  net::ServerResponse response = ErrorResponse(429, -1003, TooMuchWeight(weight_limit_));
  response.headers.emplace_back("Retry-After",
                                std::to_string(CeilSeconds(throttled_until_ms_ - now_ms)));
  return response;
}

std::optional<net::ServerResponse> BinanceRestLimits::CountOrder(std::int64_t now_ms) {
  Roll(now_ms);
  std::int64_t window_end = 0;
  std::string message;
  if (orders_10s_ + 1 > options_.orders_per_10s) {
    window_end = (ten_seconds_ + 1) * 10'000;
    message = TooManyOrders(options_.orders_per_10s, "TEN_SECONDS");
  } else if (orders_day_ + 1 > options_.orders_per_day) {
    window_end = (day_ + 1) * kDayMs;
    message = TooManyOrders(options_.orders_per_day, "DAY");
  } else {
    ++orders_10s_;
    ++orders_day_;
    return std::nullopt;
  }
  net::ServerResponse response = ErrorResponse(429, -1015, message);
  response.headers.emplace_back("Retry-After", std::to_string(CeilSeconds(window_end - now_ms)));
  return response;
}

void BinanceRestLimits::Throttle(std::int64_t until_ms) {
  throttled_until_ms_ = std::max(throttled_until_ms_, until_ms);
  throttle_ban_ms_ = 0;
}

int BinanceRestLimits::used_weight(std::int64_t now_ms) {
  Roll(now_ms);
  return used_weight_;
}

int BinanceRestLimits::orders_10s(std::int64_t now_ms) {
  Roll(now_ms);
  return orders_10s_;
}

int BinanceRestLimits::orders_day(std::int64_t now_ms) {
  Roll(now_ms);
  return orders_day_;
}

void BinanceRestLimits::AddWeightHeader(net::ServerResponse& response, std::int64_t now_ms) {
  response.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(used_weight(now_ms)));
}

void BinanceRestLimits::AddOrderCountHeaders(net::ServerResponse& response, std::int64_t now_ms) {
  response.headers.emplace_back("X-MBX-ORDER-COUNT-10S", std::to_string(orders_10s(now_ms)));
  response.headers.emplace_back("X-MBX-ORDER-COUNT-1D", std::to_string(orders_day(now_ms)));
}

// ---- BinanceOrderEntry ----

enum class BinanceOrderEntry::Endpoint : std::uint8_t {
  kNewOrder,
  kTestOrder,
  kCancelOrder,
  kQueryOrder,
  kOpenOrders,
  kCancelOpenOrders,
  kMyTrades,
  kAccount,
};

// The request's parameters, one value per name (the query string's when both parts send it).
// Empty values read as absent, as Binance's "was not sent, was empty/null" says.
struct BinanceOrderEntry::Params {
  std::vector<RawParam> entries;

  const std::string* Raw(std::string_view name) const {
    for (const RawParam& entry : entries) {
      if (entry.name == name) return &entry.value;
    }
    return nullptr;
  }
  const std::string* Get(std::string_view name) const {
    const std::string* value = Raw(name);
    return value != nullptr && !value->empty() ? value : nullptr;
  }
  bool Has(std::string_view name) const { return Get(name) != nullptr; }

  // A DECIMAL parameter: absent is nullopt.
  Check Decimal(std::string_view name, std::optional<std::int64_t>* out) const {
    const std::string* text = Get(name);
    if (text == nullptr) return std::nullopt;
    std::int64_t value = 0;
    switch (ParseDecimalParam(*text, &value)) {
      case ParseError::kOk:
        *out = value;
        return std::nullopt;
      case ParseError::kIllegal:
        return Bad(-1100, Illegal(name, kDecimalRange));
      case ParseError::kPrecision:
        return Bad(-1111, TooPrecise(name));
      case ParseError::kOverflow:
        return Bad(-1108, Overflowed(name));
    }
    return std::nullopt;
  }
  // A LONG parameter: absent is nullopt.
  Check Long(std::string_view name, std::optional<std::int64_t>* out) const {
    const std::string* text = Get(name);
    if (text == nullptr) return std::nullopt;
    std::int64_t value = 0;
    switch (ParseLongParam(*text, &value)) {
      case ParseError::kOk:
        *out = value;
        return std::nullopt;
      case ParseError::kIllegal:
      case ParseError::kPrecision:
        return Bad(-1100, Illegal(name, kLongRange));
      case ParseError::kOverflow:
        return Bad(-1108, Overflowed(name));
    }
    return std::nullopt;
  }
};

BinanceOrderEntry::BinanceOrderEntry(MatchingEngine& engine, BinanceRestLimits& limits,
                                     const core::Clock& clock, BinanceOrderEntryOptions options,
                                     std::function<void()> on_market_change)
    : engine_(engine),
      limits_(limits),
      clock_(clock),
      options_(std::move(options)),
      on_market_change_(std::move(on_market_change)) {
  auto signer = gateways::binance::Signer::Create(options_.api_secret);
  if (signer.ok()) signer_.emplace(std::move(signer).value());
}

bool BinanceOrderEntry::Handles(std::string_view path) {
  return path == "/api/v3/order" || path == "/api/v3/order/test" || path == "/api/v3/openOrders" ||
         path == "/api/v3/myTrades" || path == "/api/v3/account";
}

std::int64_t BinanceOrderEntry::NowMs() const { return clock_.NowNs() / 1'000'000; }

void BinanceOrderEntry::InjectFault(OrderFault fault, int count, std::chrono::seconds retry_after) {
  if (count <= 0) return;
  faults_.push_back({fault, count, retry_after});
}

void BinanceOrderEntry::ReleaseHeld() { held_.clear(); }

std::string BinanceOrderEntry::NewClientId() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::uint64_t bits = MixSeed(0x5A4D'B1A7'CE00'0001ULL, next_client_id_);
  std::uint64_t more = MixSeed(bits, next_client_id_++);
  std::string id(22, 'A');
  for (std::size_t i = 0; i < id.size(); ++i) {
    std::uint64_t& source = i < 11 ? bits : more;
    id[i] = kAlphabet[source % kAlphabet.size()];
    source /= kAlphabet.size();
  }
  return id;
}

const BinanceOrderEntry::Extras& BinanceOrderEntry::ExtrasOf(std::uint64_t order_id) const {
  // The symbols' default mode, as exchangeInfo lists it.
  static const Extras kDefaults{"EXPIRE_MAKER", std::nullopt, std::nullopt};
  const auto it = extras_.find(order_id);
  return it == extras_.end() ? kDefaults : it->second;
}

void BinanceOrderEntry::Handle(const net::ServerRequest& request,
                               net::HttpServer::Respond respond) {
  const std::int64_t now_ms = NowMs();
  const std::string_view path = request.Path();
  const std::string_view method = request.method;
  auto finish = [&](net::ServerResponse response) {
    limits_.AddWeightHeader(response, now_ms);
    respond(std::move(response));
  };

  std::optional<Endpoint> endpoint;
  if (path == "/api/v3/order") {
    if (method == "POST") endpoint = Endpoint::kNewOrder;
    if (method == "DELETE") endpoint = Endpoint::kCancelOrder;
    if (method == "GET") endpoint = Endpoint::kQueryOrder;
  } else if (path == "/api/v3/order/test") {
    if (method == "POST") endpoint = Endpoint::kTestOrder;
  } else if (path == "/api/v3/openOrders") {
    if (method == "GET") endpoint = Endpoint::kOpenOrders;
    if (method == "DELETE") endpoint = Endpoint::kCancelOpenOrders;
  } else if (path == "/api/v3/myTrades") {
    if (method == "GET") endpoint = Endpoint::kMyTrades;
  } else if (path == "/api/v3/account") {
    if (method == "GET") endpoint = Endpoint::kAccount;
  }
  if (!endpoint) {
    if (auto limited = limits_.ChargeWeight(1, now_ms)) return finish(std::move(*limited));
    return finish(ErrorResponse(405, -1000, "Method not allowed."));
  }

  // rest-api.md's weights, some of which depend on a parameter.
  const std::string_view body = method == "GET" ? std::string_view() : request.body;
  auto sent = [&](std::string_view name) -> std::optional<std::string> {
    auto value = QueryParam(request.Query(), name);
    if (!value) value = QueryParam(body, name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };
  int weight = 1;
  switch (*endpoint) {
    case Endpoint::kNewOrder:
    case Endpoint::kCancelOrder:
    case Endpoint::kCancelOpenOrders:
      weight = 1;
      break;
    case Endpoint::kTestOrder:
      weight = sent("computeCommissionRates") == std::optional<std::string>("true") ? 20 : 1;
      break;
    case Endpoint::kQueryOrder:
      weight = 4;
      break;
    case Endpoint::kOpenOrders:
      weight = sent("symbol") ? 6 : 80;
      break;
    case Endpoint::kMyTrades:
      weight = sent("orderId") ? 5 : 20;
      break;
    case Endpoint::kAccount:
      weight = 20;
      break;
  }
  if (auto limited = limits_.ChargeWeight(weight, now_ms)) return finish(std::move(*limited));

  std::optional<ArmedFault> fault;
  if (path == "/api/v3/order" && !faults_.empty()) {
    fault = faults_.front();
    if (--faults_.front().remaining <= 0) faults_.pop_front();
  }
  if (fault && fault->fault == OrderFault::kRateLimited) {
    const std::int64_t seconds = fault->retry_after.count();
    limits_.Throttle(now_ms + seconds * 1000);
    net::ServerResponse response =
        *endpoint == Endpoint::kNewOrder
            ? ErrorResponse(429, -1015,
                            TooManyOrders(limits_.orders_per_10s_limit(), "TEN_SECONDS"))
            : ErrorResponse(429, -1003, TooMuchWeight(limits_.weight_limit()));
    response.headers.emplace_back("Retry-After", std::to_string(seconds));
    return finish(std::move(response));
  }
  if (fault && fault->fault == OrderFault::kServerError) {
    return finish(ErrorResponse(500, -1001, kInternalError));
  }

  net::ServerResponse response = Process(*endpoint, request, now_ms);
  if (fault && fault->fault == OrderFault::kAcceptThenTimeout) {
    held_.push_back(std::move(respond));
    return;
  }
  if (fault && fault->fault == OrderFault::kAcceptThenFail) {
    response = ErrorResponse(503, -1007, kBackendTimeout);
  }
  finish(std::move(response));
}

net::ServerResponse BinanceOrderEntry::Process(Endpoint endpoint, const net::ServerRequest& request,
                                               std::int64_t now_ms) {
  // The key first: without a well-formed one nothing is read.
  const std::string_view key = request.Header(gateways::binance::kApiKeyHeader);
  if (!WellFormedKey(key)) return ErrorResponse(401, -2014, kKeyFormat);

  const std::string_view query = request.Query();
  // GET parameters travel in the query string only (rest-api.md).
  const std::string_view body = request.method == "GET" ? std::string_view() : request.body;
  std::vector<RawParam> from_query;
  std::vector<RawParam> from_body;
  if (Check failure = SplitPart(query, &from_query)) return Answer(*failure);
  if (Check failure = SplitPart(body, &from_body)) return Answer(*failure);
  Params params;
  params.entries = from_query;
  for (RawParam& param : from_body) {
    if (params.Raw(param.name) == nullptr) params.entries.push_back(param);
  }
  if (params.entries.size() > kMaxParams) return Answer(Bad(-1101, std::string(kTooManyParams)));

  // Timing parameters, then the signature.
  const std::string* timestamp_text = params.Get("timestamp");
  if (timestamp_text == nullptr) return Answer(Bad(-1102, Mandatory("timestamp")));
  std::optional<std::int64_t> timestamp;
  if (Check failure = params.Long("timestamp", &timestamp)) return Answer(*failure);
  std::int64_t recv_window_us = kDefaultRecvWindowUs;
  if (const std::string* text = params.Get("recvWindow")) {
    std::int64_t mantissa = 0;
    switch (ParseDecimalParam(*text, &mantissa)) {
      case ParseError::kOk:
        break;
      case ParseError::kIllegal:
        return Answer(Bad(-1100, Illegal("recvWindow", kDecimalRange)));
      case ParseError::kPrecision:
        return Answer(Bad(-1111, TooPrecise("recvWindow")));
      case ParseError::kOverflow:
        return Answer(Bad(-1102, GreaterThan("recvWindow", kMaxRecvWindowUs / 1000)));
    }
    // Milliseconds with up to three decimals: microseconds.
    if (mantissa % 100'000 != 0) return Answer(Bad(-1111, TooPrecise("recvWindow")));
    if (mantissa / 100'000 > kMaxRecvWindowUs) {
      return Answer(Bad(-1102, GreaterThan("recvWindow", kMaxRecvWindowUs / 1000)));
    }
    recv_window_us = mantissa / 100'000;
  }
  const std::string* signature = params.Get("signature");
  if (signature == nullptr) return Answer(Bad(-1102, Mandatory("signature")));
  if (key != options_.api_key) return ErrorResponse(401, -2015, kKeyRejected);

  // totalParams = query ‖ body, as sent, without the signature pair.
  std::string signed_query(query);
  std::string signed_body(body);
  bool stripped = false;
  for (const RawParam& param : from_query) {
    if (param.name == "signature") {
      signed_query = WithoutPair(query, param.begin, param.end);
      stripped = true;
    }
  }
  for (const RawParam& param : from_body) {
    if (!stripped && param.name == "signature") {
      signed_body = WithoutPair(body, param.begin, param.end);
    }
  }
  if (!signer_ || !signer_->Verify(signed_query, signed_body, *signature)) {
    return Answer(Bad(-1022, std::string(kBadSignature)));
  }

  const std::int64_t server_us = clock_.NowNs() / 1000;
  const std::int64_t timestamp_us =
      *timestamp >= kMicrosecondTimestamps ? *timestamp : *timestamp * 1000;
  if (timestamp_us >= server_us + 1'000'000) return Answer(Bad(-1021, std::string(kAhead)));
  if (server_us - timestamp_us > recv_window_us) {
    return Answer(Bad(-1021, std::string(kOutsideWindow)));
  }

  // Every parameter must be one the endpoint reads (-1104 otherwise).
  static constexpr std::array<std::string_view, 3> kCommon = {"recvWindow", "timestamp",
                                                              "signature"};
  static constexpr std::array<std::string_view, 19> kNewOrderParams = {"symbol",
                                                                       "side",
                                                                       "type",
                                                                       "timeInForce",
                                                                       "quantity",
                                                                       "quoteOrderQty",
                                                                       "price",
                                                                       "newClientOrderId",
                                                                       "strategyId",
                                                                       "strategyType",
                                                                       "stopPrice",
                                                                       "trailingDelta",
                                                                       "icebergQty",
                                                                       "newOrderRespType",
                                                                       "selfTradePreventionMode",
                                                                       "pegPriceType",
                                                                       "pegOffsetValue",
                                                                       "pegOffsetType",
                                                                       "computeCommissionRates"};
  static constexpr std::array<std::string_view, 5> kCancelParams = {
      "symbol", "orderId", "origClientOrderId", "newClientOrderId", "cancelRestrictions"};
  static constexpr std::array<std::string_view, 3> kQueryParams = {"symbol", "orderId",
                                                                   "origClientOrderId"};
  static constexpr std::array<std::string_view, 1> kSymbolParam = {"symbol"};
  static constexpr std::array<std::string_view, 6> kTradesParams = {
      "symbol", "orderId", "startTime", "endTime", "fromId", "limit"};
  static constexpr std::array<std::string_view, 1> kAccountParams = {"omitZeroBalances"};
  std::span<const std::string_view> known;
  switch (endpoint) {
    case Endpoint::kNewOrder:
      known = std::span(kNewOrderParams).first(kNewOrderParams.size() - 1);
      break;
    case Endpoint::kTestOrder:
      known = kNewOrderParams;
      break;
    case Endpoint::kCancelOrder:
      known = kCancelParams;
      break;
    case Endpoint::kQueryOrder:
      known = kQueryParams;
      break;
    case Endpoint::kOpenOrders:
    case Endpoint::kCancelOpenOrders:
      known = kSymbolParam;
      break;
    case Endpoint::kMyTrades:
      known = kTradesParams;
      break;
    case Endpoint::kAccount:
      known = kAccountParams;
      break;
  }
  std::size_t read = 0;
  for (const RawParam& param : params.entries) {
    const auto is = [&](std::string_view name) { return name == param.name; };
    read += std::any_of(known.begin(), known.end(), is) ||
            std::any_of(kCommon.begin(), kCommon.end(), is);
  }
  if (read != params.entries.size()) {
    return Answer(Bad(-1104, Unread(read, params.entries.size())));
  }

  switch (endpoint) {
    case Endpoint::kNewOrder:
      return NewOrder(params, false, now_ms);
    case Endpoint::kTestOrder:
      return NewOrder(params, true, now_ms);
    case Endpoint::kCancelOrder:
      return CancelOrder(params);
    case Endpoint::kQueryOrder:
      return QueryOrder(params);
    case Endpoint::kOpenOrders:
      return OpenOrders(params);
    case Endpoint::kCancelOpenOrders:
      return CancelOpenOrders(params);
    case Endpoint::kMyTrades:
      return MyTrades(params);
    case Endpoint::kAccount:
      return Account(params);
  }
  return ErrorResponse(500, -1000, "An unknown error occurred while processing the request.");
}

namespace {

// symbol: mandatory (or not), Binance's characters, a symbol of the venue.
Check ReadSymbol(const MatchingEngine& engine, const std::string* text, bool mandatory,
                 const SymbolSpec** spec) {
  *spec = nullptr;
  if (text == nullptr) {
    if (mandatory) return Bad(-1102, Mandatory("symbol"));
    return std::nullopt;
  }
  if (!ValidSymbolText(*text)) return Bad(-1100, Illegal("symbol", kSymbolRange));
  *spec = engine.FindSymbol(*text);
  if (*spec == nullptr) return Bad(-1121, std::string(kInvalidSymbol));
  return std::nullopt;
}

// orderId and/or origClientOrderId, as cancel and query take them.
struct OrderRefParams {
  std::optional<std::int64_t> order_id;
  const std::string* client_id = nullptr;
};

Check ReadOrderRef(const auto& params, OrderRefParams* ref) {
  if (Check failure = params.Long("orderId", &ref->order_id)) return failure;
  const std::string* raw_client = params.Raw("origClientOrderId");
  ref->client_id = params.Get("origClientOrderId");
  if (!ref->order_id && raw_client != nullptr && raw_client->empty()) {
    return Bad(-1119, std::string(kEmptyOrigClientId));
  }
  if (!ref->order_id && ref->client_id == nullptr) {
    return Bad(-1102, EitherMandatory("origClientOrderId", "orderId"));
  }
  return std::nullopt;
}

}  // namespace

net::ServerResponse BinanceOrderEntry::NewOrder(const Params& params, bool test,
                                                std::int64_t now_ms) {
  const SymbolSpec* spec = nullptr;
  if (Check failure = ReadSymbol(engine_, params.Get("symbol"), true, &spec)) {
    return Answer(*failure);
  }
  const std::string* side_text = params.Get("side");
  if (side_text == nullptr) return Answer(Bad(-1102, Mandatory("side")));
  OrderSide side = OrderSide::kBuy;
  if (*side_text == "BUY") {
    side = OrderSide::kBuy;
  } else if (*side_text == "SELL") {
    side = OrderSide::kSell;
  } else {
    return Answer(Bad(-1117, std::string(kInvalidSide)));
  }
  const std::string* type_text = params.Get("type");
  if (type_text == nullptr) return Answer(Bad(-1102, Mandatory("type")));
  OrderType type = OrderType::kLimit;
  bool post_only = false;
  if (*type_text == "LIMIT") {
    type = OrderType::kLimit;
  } else if (*type_text == "LIMIT_MAKER") {
    type = OrderType::kLimit;
    post_only = true;
  } else if (*type_text == "MARKET") {
    type = OrderType::kMarket;
  } else if (*type_text == "STOP_LOSS") {
    type = OrderType::kStopLoss;
  } else if (*type_text == "STOP_LOSS_LIMIT") {
    type = OrderType::kStopLossLimit;
  } else if (*type_text == "TAKE_PROFIT") {
    type = OrderType::kTakeProfit;
  } else if (*type_text == "TAKE_PROFIT_LIMIT") {
    type = OrderType::kTakeProfitLimit;
  } else {
    return Answer(Bad(-1116, std::string(kInvalidType)));
  }
  // What the sandbox does not build: iceberg, trailing and pegged orders.
  for (const std::string_view name :
       {"icebergQty", "trailingDelta", "pegPriceType", "pegOffsetValue", "pegOffsetType"}) {
    if (params.Has(name)) return Answer(Bad(-1014, std::string(kUnsupportedCombo)));
  }

  // rest-api.md's additional mandatory parameters by type, and the ones a type does not take.
  const bool takes_tif = !post_only && IsLimitType(type);
  const bool takes_price = IsLimitType(type);
  const bool takes_stop = IsStopType(type);
  const bool market = type == OrderType::kMarket;
  if (takes_tif && !params.Has("timeInForce")) return Answer(Bad(-1102, Mandatory("timeInForce")));
  if (!market && !params.Has("quantity")) return Answer(Bad(-1102, Mandatory("quantity")));
  if (market && !params.Has("quantity") && !params.Has("quoteOrderQty")) {
    return Answer(Bad(-1102, EitherMandatory("quantity", "quoteOrderQty")));
  }
  if (takes_price && !params.Has("price")) return Answer(Bad(-1102, Mandatory("price")));
  if (takes_stop && !params.Has("stopPrice")) return Answer(Bad(-1102, Mandatory("stopPrice")));
  if (!takes_tif && params.Has("timeInForce"))
    return Answer(Bad(-1106, NotRequired("timeInForce")));
  if (!takes_price && params.Has("price")) return Answer(Bad(-1106, NotRequired("price")));
  if (!takes_stop && params.Has("stopPrice")) return Answer(Bad(-1106, NotRequired("stopPrice")));
  if (params.Has("quoteOrderQty") && (!market || params.Has("quantity"))) {
    return Answer(Bad(-1106, NotRequired("quoteOrderQty")));
  }
  TimeInForce tif = TimeInForce::kGtc;
  if (const std::string* text = params.Get("timeInForce")) {
    if (*text == "GTC") {
      tif = TimeInForce::kGtc;
    } else if (*text == "IOC") {
      tif = TimeInForce::kIoc;
    } else if (*text == "FOK") {
      tif = TimeInForce::kFok;
    } else {
      return Answer(Bad(-1115, std::string(kInvalidTif)));
    }
  }
  std::optional<std::int64_t> quantity;
  std::optional<std::int64_t> quote_quantity;
  std::optional<std::int64_t> price;
  std::optional<std::int64_t> stop_price;
  if (Check f = params.Decimal("quantity", &quantity)) return Answer(*f);
  if (Check f = params.Decimal("quoteOrderQty", &quote_quantity)) return Answer(*f);
  if (Check f = params.Decimal("price", &price)) return Answer(*f);
  if (Check f = params.Decimal("stopPrice", &stop_price)) return Answer(*f);

  std::string client_id;
  if (const std::string* raw = params.Raw("newClientOrderId")) {
    if (raw->empty()) return Answer(Bad(-1118, std::string(kEmptyNewClientId)));
    if (!ValidClientId(*raw))
      return Answer(Bad(-1100, Illegal("newClientOrderId", kClientIdRange)));
    client_id = *raw;
  }
  std::string resp_type = market || (type == OrderType::kLimit && !post_only) ? "FULL" : "ACK";
  if (const std::string* text = params.Get("newOrderRespType")) {
    if (*text != "ACK" && *text != "RESULT" && *text != "FULL") {
      return Answer(Bad(-1130, InvalidData("newOrderRespType")));
    }
    resp_type = *text;
  }
  Extras extras = ExtrasOf(0);
  if (const std::string* text = params.Get("selfTradePreventionMode")) {
    // The modes exchangeInfo allows for every symbol.
    if (*text != "EXPIRE_TAKER" && *text != "EXPIRE_MAKER" && *text != "EXPIRE_BOTH") {
      return Answer(Bad(-1130, InvalidData("selfTradePreventionMode")));
    }
    extras.stp_mode = *text;
  }
  if (Check f = params.Long("strategyId", &extras.strategy_id)) return Answer(*f);
  if (Check f = params.Long("strategyType", &extras.strategy_type)) return Answer(*f);
  if (extras.strategy_type && *extras.strategy_type < 1'000'000) {
    return Answer(Bad(-1134, std::string(kBadStrategyType)));
  }

  // The filters exchangeInfo lists that the engine does not check itself.
  if (price && *price > kMaxPrice) return Answer(Bad(-1013, FilterFailure("PRICE_FILTER")));
  if (stop_price && *stop_price > kMaxPrice)
    return Answer(Bad(-1013, FilterFailure("PRICE_FILTER")));
  if (market && quantity && *quantity > spec->max_quantity / kMarketLotDivisor) {
    return Answer(Bad(-1013, FilterFailure("MARKET_LOT_SIZE")));
  }
  if (price && quantity &&
      static_cast<Int128>(*price) * *quantity > static_cast<Int128>(kMaxNotional) * kUnit) {
    return Answer(Bad(-1013, FilterFailure("NOTIONAL")));
  }
  const auto open = engine_.OpenOrders(options_.api_key, spec->symbol);
  if (open.size() >= kMaxNumOrders) return Answer(Bad(-1013, FilterFailure("MAX_NUM_ORDERS")));
  if (IsStopType(type) &&
      static_cast<std::size_t>(std::count_if(open.begin(), open.end(), [](const Order* o) {
        return IsStopType(o->type);
      })) >= kMaxNumAlgoOrders) {
    return Answer(Bad(-1013, FilterFailure("MAX_NUM_ALGO_ORDERS")));
  }

  OrderRequest order;
  order.account = options_.api_key;
  order.symbol = spec->symbol;
  order.client_order_id = client_id.empty() ? NewClientId() : client_id;
  order.side = side;
  order.type = type;
  order.time_in_force = tif;
  order.post_only = post_only;
  order.quantity = quantity.value_or(0);
  order.quote_quantity = quote_quantity.value_or(0);
  order.price = price.value_or(0);
  order.stop_price = stop_price.value_or(0);

  if (test) {
    // Validated, never sent to the matching engine (rest-api.md "Test new order").
    if (params.Get("computeCommissionRates") == nullptr ||
        *params.Get("computeCommissionRates") != "true") {
      net::ServerResponse response;
      response.body = "{}";
      return response;
    }
    core::JsonWriter out;
    const std::string zero = Dec(0);
    out.BeginObject()
        .Key("standardCommissionForOrder")
        .BeginObject()
        .Key("maker")
        .String(Dec(options_.maker_fee_ppm * 100))
        .Key("taker")
        .String(Dec(options_.taker_fee_ppm * 100))
        .EndObject()
        .Key("specialCommissionForOrder")
        .BeginObject()
        .Key("maker")
        .String(zero)
        .Key("taker")
        .String(zero)
        .EndObject()
        .Key("taxCommissionForOrder")
        .BeginObject()
        .Key("maker")
        .String(zero)
        .Key("taker")
        .String(zero)
        .EndObject()
        .Key("discount")
        .BeginObject()
        .Key("enabledForAccount")
        .Bool(false)
        .Key("enabledForSymbol")
        .Bool(false)
        .Key("discountAsset")
        .String("BNB")
        .Key("discount")
        .String(zero)
        .EndObject()
        .EndObject();
    net::ServerResponse response;
    response.body = out.Take();
    return response;
  }

  if (auto limited = limits_.CountOrder(now_ms)) {
    limits_.AddOrderCountHeaders(*limited, now_ms);
    return std::move(*limited);
  }
  const OrderResult result = engine_.Place(order);
  on_market_change_();
  net::ServerResponse response;
  if (!result.ok()) {
    std::string filter;
    switch (result.refusal) {
      case Refusal::kUnknownAccount:
        response = ErrorResponse(401, -2015, kKeyRejected);
        break;
      case Refusal::kUnknownSymbol:
        response = ErrorResponse(400, -1121, kInvalidSymbol);
        break;
      case Refusal::kMarketClosed:
        response = ErrorResponse(400, -2010, kMarketClosed);
        break;
      case Refusal::kQuantityNotPositive:
      case Refusal::kQuantityNotLotMultiple:
      case Refusal::kQuantityBelowMinimum:
      case Refusal::kQuantityAboveMaximum:
        filter = "LOT_SIZE";
        break;
      case Refusal::kPriceNotPositive:
      case Refusal::kPriceNotTickMultiple:
      case Refusal::kStopPriceNotTickMultiple:
        filter = "PRICE_FILTER";
        break;
      case Refusal::kStopPriceMissing:
        response = ErrorResponse(400, -1102, Mandatory("stopPrice"));
        break;
      case Refusal::kBelowMinNotional:
        filter = "NOTIONAL";
        break;
      case Refusal::kInsufficientBalance:
        response = ErrorResponse(400, -2010, kInsufficientBalance);
        break;
      case Refusal::kPostOnlyWouldTake:
        response = ErrorResponse(400, -2010, kWouldTake);
        break;
      case Refusal::kDuplicateClientOrderId:
        response = ErrorResponse(400, -2010, kDuplicateOrder);
        break;
      case Refusal::kNoLiquidity:
        response = order.quote_quantity > 0 ? ErrorResponse(400, -2010, kNoLiquidityForQuote)
                                            : ErrorResponse(400, -1112, kNoDepth);
        break;
      case Refusal::kStopWouldTriggerImmediately:
        response = ErrorResponse(400, -2010, kWouldTrigger);
        break;
      case Refusal::kNone:
      case Refusal::kInvalidParameters:
      case Refusal::kFokCannotFill:
      case Refusal::kUnknownOrder:
      case Refusal::kOrderAlreadyFinal:
        response = ErrorResponse(400, -1014, kUnsupportedCombo);
        break;
    }
    if (!filter.empty()) response = ErrorResponse(400, -1013, FilterFailure(filter));
    limits_.AddOrderCountHeaders(response, now_ms);
    return response;
  }
  const Order& placed = *result.order;
  if (extras.stp_mode != ExtrasOf(0).stp_mode || extras.strategy_id || extras.strategy_type) {
    extras_[placed.order_id] = extras;
  }
  core::JsonWriter out;
  WritePlaceShape(out, placed, resp_type);
  response.body = out.Take();
  limits_.AddOrderCountHeaders(response, now_ms);
  return response;
}

void BinanceOrderEntry::WritePlaceShape(core::JsonWriter& out, const Order& order,
                                        std::string_view resp_type) const {
  const Extras& extras = ExtrasOf(order.order_id);
  out.BeginObject()
      .Key("symbol")
      .String(order.symbol)
      .Key("orderId")
      .Uint(order.order_id)
      .Key("orderListId")
      .Int(-1)
      .Key("clientOrderId")
      .String(order.client_order_id)
      .Key("transactTime")
      .Int(order.created_ms);
  if (resp_type == "ACK") {
    out.EndObject();
    return;
  }
  out.Key("price")
      .String(Dec(order.price))
      .Key("origQty")
      .String(Dec(order.quantity))
      .Key("executedQty")
      .String(Dec(order.executed_quantity))
      .Key("origQuoteOrderQty")
      .String(Dec(order.quote_quantity))
      .Key("cummulativeQuoteQty")
      .String(Dec(order.cumulative_quote))
      .Key("status")
      .String(OrderStatusName(order.status))
      .Key("timeInForce")
      .String(TimeInForceName(order.time_in_force))
      .Key("type")
      .String(TypeName(order))
      .Key("side")
      .String(OrderSideName(order.side));
  if (IsStopType(order.type)) out.Key("stopPrice").String(Dec(order.stop_price));
  if (extras.strategy_id) out.Key("strategyId").Int(*extras.strategy_id);
  if (extras.strategy_type) out.Key("strategyType").Int(*extras.strategy_type);
  out.Key("workingTime").Int(WorkingTime(order));
  out.Key("selfTradePreventionMode").String(extras.stp_mode);
  if (resp_type == "FULL") {
    out.Key("fills").BeginArray();
    for (const Fill& fill : order.fills) {
      out.BeginObject()
          .Key("price")
          .String(Dec(fill.price))
          .Key("qty")
          .String(Dec(fill.quantity))
          .Key("commission")
          .String(Dec(fill.fee))
          .Key("commissionAsset")
          .String(fill.fee_asset)
          .Key("tradeId")
          .Uint(fill.trade_id)
          .EndObject();
    }
    out.EndArray();
  }
  out.EndObject();
}

void BinanceOrderEntry::WriteQueryShape(core::JsonWriter& out, const Order& order) const {
  const Extras& extras = ExtrasOf(order.order_id);
  out.BeginObject()
      .Key("symbol")
      .String(order.symbol)
      .Key("orderId")
      .Uint(order.order_id)
      .Key("orderListId")
      .Int(-1)
      .Key("clientOrderId")
      .String(order.client_order_id)
      .Key("price")
      .String(Dec(order.price))
      .Key("origQty")
      .String(Dec(order.quantity))
      .Key("executedQty")
      .String(Dec(order.executed_quantity))
      .Key("cummulativeQuoteQty")
      .String(Dec(order.cumulative_quote))
      .Key("status")
      .String(OrderStatusName(order.status))
      .Key("timeInForce")
      .String(TimeInForceName(order.time_in_force))
      .Key("type")
      .String(TypeName(order))
      .Key("side")
      .String(OrderSideName(order.side))
      .Key("stopPrice")
      .String(Dec(order.stop_price))
      .Key("icebergQty")
      .String(Dec(0))
      .Key("time")
      .Int(order.created_ms)
      .Key("updateTime")
      .Int(order.updated_ms)
      .Key("isWorking")
      .Bool(order.working_ms != 0)
      .Key("workingTime")
      .Int(WorkingTime(order))
      .Key("origQuoteOrderQty")
      .String(Dec(order.quote_quantity))
      .Key("selfTradePreventionMode")
      .String(extras.stp_mode);
  if (extras.strategy_id) out.Key("strategyId").Int(*extras.strategy_id);
  if (extras.strategy_type) out.Key("strategyType").Int(*extras.strategy_type);
  out.EndObject();
}

void BinanceOrderEntry::WriteCancelShape(core::JsonWriter& out, const Order& order,
                                         std::string_view cancel_id) const {
  const Extras& extras = ExtrasOf(order.order_id);
  out.BeginObject()
      .Key("symbol")
      .String(order.symbol)
      .Key("origClientOrderId")
      .String(order.client_order_id)
      .Key("orderId")
      .Uint(order.order_id)
      .Key("orderListId")
      .Int(-1)
      .Key("clientOrderId")
      .String(cancel_id)
      .Key("transactTime")
      .Int(order.updated_ms)
      .Key("price")
      .String(Dec(order.price))
      .Key("origQty")
      .String(Dec(order.quantity))
      .Key("executedQty")
      .String(Dec(order.executed_quantity))
      .Key("origQuoteOrderQty")
      .String(Dec(order.quote_quantity))
      .Key("cummulativeQuoteQty")
      .String(Dec(order.cumulative_quote))
      .Key("status")
      .String(OrderStatusName(order.status))
      .Key("timeInForce")
      .String(TimeInForceName(order.time_in_force))
      .Key("type")
      .String(TypeName(order))
      .Key("side")
      .String(OrderSideName(order.side));
  if (IsStopType(order.type)) out.Key("stopPrice").String(Dec(order.stop_price));
  if (extras.strategy_id) out.Key("strategyId").Int(*extras.strategy_id);
  if (extras.strategy_type) out.Key("strategyType").Int(*extras.strategy_type);
  out.Key("selfTradePreventionMode").String(extras.stp_mode).EndObject();
}

namespace {

// The account's order that (orderId, origClientOrderId) names on `symbol`; *mismatch when the
// orderId's order carries another client order id.
const Order* FindOrder(const MatchingEngine& engine, std::string_view account,
                       std::string_view symbol, const OrderRefParams& ref, bool* mismatch) {
  *mismatch = false;
  const Order* order = nullptr;
  if (ref.order_id) {
    order = engine.FindOrder(account, static_cast<std::uint64_t>(*ref.order_id));
    if (order != nullptr && ref.client_id != nullptr && order->client_order_id != *ref.client_id) {
      *mismatch = true;
    }
  } else {
    order = engine.FindOrderByClientId(account, *ref.client_id);
  }
  if (order != nullptr && order->symbol != symbol) return nullptr;
  return order;
}

}  // namespace

net::ServerResponse BinanceOrderEntry::CancelOrder(const Params& params) {
  const SymbolSpec* spec = nullptr;
  if (Check f = ReadSymbol(engine_, params.Get("symbol"), true, &spec)) return Answer(*f);
  OrderRefParams ref;
  if (Check f = ReadOrderRef(params, &ref)) return Answer(*f);
  std::string cancel_id;
  if (const std::string* raw = params.Raw("newClientOrderId")) {
    if (raw->empty()) return Answer(Bad(-1118, std::string(kEmptyNewClientId)));
    if (!ValidClientId(*raw))
      return Answer(Bad(-1100, Illegal("newClientOrderId", kClientIdRange)));
    cancel_id = *raw;
  }
  const std::string* restrictions = params.Get("cancelRestrictions");
  if (restrictions != nullptr && *restrictions != "ONLY_NEW" &&
      *restrictions != "ONLY_PARTIALLY_FILLED") {
    return Answer(Bad(-1145, std::string(kBadCancelRestrictions)));
  }
  bool mismatch = false;
  const Order* order = FindOrder(engine_, options_.api_key, spec->symbol, ref, &mismatch);
  if (mismatch) return Answer(Bad(-2039, std::string(kClientIdMismatch)));
  // Binance cancels only open orders: a finished one is as unknown as a missing one.
  if (order == nullptr || !order->open()) return Answer(Bad(-2011, std::string(kUnknownOrderSent)));
  if (restrictions != nullptr &&
      ((*restrictions == "ONLY_NEW" && order->status != OrderStatus::kNew) ||
       (*restrictions == "ONLY_PARTIALLY_FILLED" &&
        order->status != OrderStatus::kPartiallyFilled))) {
    return Answer(Bad(-2011, std::string(kCancelRestricted)));
  }
  const OrderResult result = engine_.Cancel(options_.api_key, order->order_id);
  if (!result.ok() || result.order == nullptr) {
    return Answer(Bad(-2011, std::string(kUnknownOrderSent)));
  }
  core::JsonWriter out;
  WriteCancelShape(out, *result.order, cancel_id.empty() ? NewClientId() : cancel_id);
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

net::ServerResponse BinanceOrderEntry::QueryOrder(const Params& params) {
  const SymbolSpec* spec = nullptr;
  if (Check f = ReadSymbol(engine_, params.Get("symbol"), true, &spec)) return Answer(*f);
  OrderRefParams ref;
  if (Check f = ReadOrderRef(params, &ref)) return Answer(*f);
  bool mismatch = false;
  const Order* order = FindOrder(engine_, options_.api_key, spec->symbol, ref, &mismatch);
  if (mismatch) return Answer(Bad(-2039, std::string(kClientIdMismatch)));
  if (order == nullptr) return Answer(Bad(-2013, std::string(kNoSuchOrder)));
  core::JsonWriter out;
  WriteQueryShape(out, *order);
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

net::ServerResponse BinanceOrderEntry::OpenOrders(const Params& params) {
  const SymbolSpec* spec = nullptr;
  if (Check f = ReadSymbol(engine_, params.Get("symbol"), false, &spec)) return Answer(*f);
  core::JsonWriter out;
  out.BeginArray();
  for (const Order* order :
       engine_.OpenOrders(options_.api_key,
                          spec != nullptr ? std::string_view(spec->symbol) : std::string_view())) {
    WriteQueryShape(out, *order);
  }
  out.EndArray();
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

net::ServerResponse BinanceOrderEntry::CancelOpenOrders(const Params& params) {
  const SymbolSpec* spec = nullptr;
  if (Check f = ReadSymbol(engine_, params.Get("symbol"), true, &spec)) return Answer(*f);
  // Nothing open: Binance answers as for a single unknown order.
  if (engine_.OpenOrders(options_.api_key, spec->symbol).empty()) {
    return Answer(Bad(-2011, std::string(kUnknownOrderSent)));
  }
  const std::string cancel_id = NewClientId();
  core::JsonWriter out;
  out.BeginArray();
  for (const Order* order : engine_.CancelAll(options_.api_key, spec->symbol)) {
    WriteCancelShape(out, *order, cancel_id);
  }
  out.EndArray();
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

net::ServerResponse BinanceOrderEntry::MyTrades(const Params& params) {
  const SymbolSpec* spec = nullptr;
  if (Check f = ReadSymbol(engine_, params.Get("symbol"), true, &spec)) return Answer(*f);
  std::optional<std::int64_t> order_id;
  std::optional<std::int64_t> start_time;
  std::optional<std::int64_t> end_time;
  std::optional<std::int64_t> from_id;
  std::optional<std::int64_t> limit_value;
  if (Check f = params.Long("orderId", &order_id)) return Answer(*f);
  if (Check f = params.Long("startTime", &start_time)) return Answer(*f);
  if (Check f = params.Long("endTime", &end_time)) return Answer(*f);
  if (Check f = params.Long("fromId", &from_id)) return Answer(*f);
  if (Check f = params.Long("limit", &limit_value)) return Answer(*f);
  if (limit_value && *limit_value < 1) return Answer(Bad(-1130, InvalidData("limit")));
  const std::size_t limit = static_cast<std::size_t>(
      std::min<std::int64_t>(limit_value.value_or(kDefaultTradesLimit), kMaxTradesLimit));
  // rest-api.md's supported combinations: symbol with nothing, orderId, startTime, endTime,
  // fromId, startTime + endTime, orderId + fromId.
  const bool by_time = start_time || end_time;
  if ((order_id && by_time) || (from_id && by_time))
    return Answer(Bad(-1128, std::string(kBadCombo)));
  if (start_time && end_time && *end_time - *start_time > kDayMs) {
    return Answer(Bad(-1127, "More than 24 hours between startTime and endTime."));
  }

  std::vector<Fill> trades;
  for (Fill& fill : engine_.Trades(options_.api_key, spec->symbol)) {
    if (order_id && fill.order_id != static_cast<std::uint64_t>(*order_id)) continue;
    if (from_id && fill.trade_id < static_cast<std::uint64_t>(*from_id)) continue;
    if (start_time && fill.time_ms < *start_time) continue;
    if (end_time && fill.time_ms > *end_time) continue;
    trades.push_back(std::move(fill));
  }
  // From fromId or startTime: the oldest `limit`; otherwise the most recent ones. Oldest first.
  std::size_t first = 0;
  std::size_t last = trades.size();
  if (from_id || start_time) {
    last = std::min(trades.size(), limit);
  } else if (trades.size() > limit) {
    first = trades.size() - limit;
  }
  core::JsonWriter out;
  out.BeginArray();
  for (std::size_t i = first; i < last; ++i) {
    const Fill& fill = trades[i];
    out.BeginObject()
        .Key("symbol")
        .String(fill.symbol)
        .Key("id")
        .Uint(fill.trade_id)
        .Key("orderId")
        .Uint(fill.order_id)
        .Key("orderListId")
        .Int(-1)
        .Key("price")
        .String(Dec(fill.price))
        .Key("qty")
        .String(Dec(fill.quantity))
        .Key("quoteQty")
        .String(Dec(fill.quote_quantity))
        .Key("commission")
        .String(Dec(fill.fee))
        .Key("commissionAsset")
        .String(fill.fee_asset)
        .Key("time")
        .Int(fill.time_ms)
        .Key("isBuyer")
        .Bool(fill.side == OrderSide::kBuy)
        .Key("isMaker")
        .Bool(fill.is_maker)
        .Key("isBestMatch")
        .Bool(true)
        .EndObject();
  }
  out.EndArray();
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

net::ServerResponse BinanceOrderEntry::Account(const Params& params) {
  bool omit_zero = false;
  if (const std::string* text = params.Get("omitZeroBalances")) {
    if (*text == "true") {
      omit_zero = true;
    } else if (*text != "false") {
      return Answer(Bad(-1130, InvalidData("omitZeroBalances")));
    }
  }
  std::int64_t update_ms = 0;
  for (const Order* order : engine_.Orders(options_.api_key)) {
    update_ms = std::max(update_ms, order->updated_ms);
  }
  core::JsonWriter out;
  const std::string zero = Dec(0);
  out.BeginObject()
      .Key("makerCommission")
      .Int(options_.maker_fee_ppm / 100)
      .Key("takerCommission")
      .Int(options_.taker_fee_ppm / 100)
      .Key("buyerCommission")
      .Int(0)
      .Key("sellerCommission")
      .Int(0)
      .Key("commissionRates")
      .BeginObject()
      .Key("maker")
      .String(Dec(options_.maker_fee_ppm * 100))
      .Key("taker")
      .String(Dec(options_.taker_fee_ppm * 100))
      .Key("buyer")
      .String(zero)
      .Key("seller")
      .String(zero)
      .EndObject()
      .Key("canTrade")
      .Bool(true)
      .Key("canWithdraw")
      .Bool(true)
      .Key("canDeposit")
      .Bool(true)
      .Key("brokered")
      .Bool(false)
      .Key("requireSelfTradePrevention")
      .Bool(false)
      .Key("preventSor")
      .Bool(false)
      .Key("updateTime")
      .Int(update_ms)
      .Key("accountType")
      .String("SPOT")
      .Key("balances")
      .BeginArray();
  if (const BalanceMap* balances = engine_.Balances(options_.api_key)) {
    for (const auto& [asset, balance] : *balances) {
      if (omit_zero && balance.free == 0 && balance.locked == 0) continue;
      out.BeginObject()
          .Key("asset")
          .String(asset)
          .Key("free")
          .String(Dec(balance.free))
          .Key("locked")
          .String(Dec(balance.locked))
          .EndObject();
    }
  }
  out.EndArray().Key("permissions").BeginArray().String("SPOT").EndArray();
  out.Key("uid").Int(kSandboxUid).EndObject();
  net::ServerResponse response;
  response.body = out.Take();
  return response;
}

}  // namespace tradingd::sim::binance
