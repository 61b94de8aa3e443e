#include "sim/kraken/kraken_orders_sim.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <utility>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "sim/common/http_query.h"

namespace tradingd::sim::kraken {

namespace {

using core::Int128;
using core::UInt128;

constexpr std::string_view kPrivatePath = "/0/private/";
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// QueryOrders takes up to 50 txids, QueryTrades up to 20; ClosedOrders and TradesHistory answer
// 50 a page (the spec's request and endpoint descriptions).
constexpr std::size_t kMaxQueryOrders = 50;
constexpr std::size_t kMaxQueryTrades = 20;
constexpr std::size_t kPageSize = 50;
// What the engine calls orders placed without a cl_ord_id: a space keeps it from ever equalling a
// cl_ord_id a client may send (free text is printable ASCII without spaces).
constexpr std::string_view kUnnamedPrefix = "kraken sandbox ";

// Kraken's errors (docs.kraken.com/api/docs/guides/spot-errors unless marked live: refusals
// quoted from Kraken's answers in public client code).
constexpr std::string_view kInvalidKey = "EAPI:Invalid key";
constexpr std::string_view kInvalidSignature = "EAPI:Invalid signature";
constexpr std::string_view kInvalidNonce = "EAPI:Invalid nonce";
constexpr std::string_view kApiRateLimit = "EAPI:Rate limit exceeded";
constexpr std::string_view kOrderRateLimit = "EOrder:Rate limit exceeded";
constexpr std::string_view kOrdersLimit = "EOrder:Orders limit exceeded";
constexpr std::string_view kInvalidArguments = "EGeneral:Invalid arguments";
constexpr std::string_view kUnknownPair = "EQuery:Unknown asset pair";
constexpr std::string_view kInsufficientFunds = "EOrder:Insufficient funds";
constexpr std::string_view kCostMinimum = "EOrder:Cost minimum not met";
constexpr std::string_view kTickSize = "EOrder:Tick size check failed";
constexpr std::string_view kVolumeMinimum =
    "EGeneral:Invalid arguments:volume minimum not met";  // live
constexpr std::string_view kClOrdIdNotUnique =
    "EGeneral:Invalid arguments:cl_ord_id not unique";  // live
constexpr std::string_view kIndexUnavailable = "EGeneral:Invalid arguments:Index unavailable";
constexpr std::string_view kReduceOnly = "EOrder:Reduce only:No position exists";
constexpr std::string_view kInsufficientLiquidity = "EOrder:Insufficient liquidity";
constexpr std::string_view kCancelOnly = "EService:Market in cancel_only mode";
constexpr std::string_view kUnknownOrder = "EOrder:Unknown order";
constexpr std::string_view kInvalidOrder = "EOrder:Invalid order";
constexpr std::string_view kUnavailable = "EService:Unavailable";

std::string InvalidArgument(std::string_view field) {
  return std::string(kInvalidArguments) + ":" + std::string(field);
}

std::string ErrorBody(std::string_view error) { return RestErrorBody(error); }

// {"error":[],"result":<result>}
std::string ResultBody(std::string_view result) {
  std::string out = R"({"error":[],"result":)";
  out.append(result);
  out.push_back('}');
  return out;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// spot-clordid / AddOrder's cl_ord_id: a long UUID (32 hex digits in 8-4-4-4-12 groups), a short
// UUID (32 hex digits) or free ASCII text up to 18 characters.
bool ValidClOrdId(std::string_view id) {
  if (id.size() == 36) {
    bool uuid = true;
    for (std::size_t i = 0; i < id.size(); ++i) {
      const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
      uuid &= dash ? id[i] == '-' : IsHex(id[i]);
    }
    if (uuid) return true;
  }
  if (id.size() == 32 && std::all_of(id.begin(), id.end(), IsHex)) return true;
  return !id.empty() && id.size() <= 18 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c <= '~'; });
}

bool ParseUint64(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  UInt128 value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > std::numeric_limits<std::uint64_t>::max()) return false;
  *out = static_cast<std::uint64_t>(value);
  return true;
}

bool ParseInt32(std::string_view text, std::int32_t* out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  std::uint64_t magnitude = 0;
  if (!ParseUint64(text, &magnitude)) return false;
  const std::int64_t value =
      negative ? -static_cast<std::int64_t>(std::min<std::uint64_t>(magnitude, 1ULL << 40))
               : static_cast<std::int64_t>(std::min<std::uint64_t>(magnitude, 1ULL << 40));
  if (value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max()) {
    return false;
  }
  *out = static_cast<std::int32_t>(value);
  return true;
}

// A positive decimal at kSimScale; Kraken's relative prices (+, -, #, %) are not taken.
bool ParsePositive(std::string_view text, std::int64_t* out) {
  std::int64_t value = 0;
  if (text.empty() || text.front() == '-' || text.front() == '+') return false;
  if (core::ParseDecimal(text, kSimScale, &value) != core::DecimalError::kOk) return false;
  if (value <= 0) return false;
  *out = value;
  return true;
}

// Kraken's booleans ("true", "false").
std::optional<bool> ParseBool(const std::string* text, bool fallback, bool* ok) {
  *ok = true;
  if (text == nullptr) return fallback;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  *ok = false;
  return std::nullopt;
}

// `mantissa` (kSimScale) with at least `min_decimals` digits, more when it needs them.
std::string Dec(std::int64_t mantissa, int min_decimals) {
  return core::FormatDecimal(mantissa, kSimScale, std::min(min_decimals, kSimScale));
}

// Unix seconds with 4 decimals, as Kraken writes opentm, closetm and trade times.
std::string Seconds(std::int64_t unix_ms) { return core::FormatDecimal(unix_ms * 10, 4, 4); }

// Unix seconds (an integer or a decimal) into milliseconds.
bool ParseSecondsMs(std::string_view text, std::int64_t* ms) {
  std::int64_t mantissa = 0;
  if (text.empty() || text.front() == '-') return false;
  if (core::ParseDecimal(text, 3, &mantissa) != core::DecimalError::kOk) return false;
  *ms = mantissa;
  return true;
}

std::uint64_t Mix(std::uint64_t z) {
  // SplitMix64's finalizer: a bijection of 64-bit words.
  z ^= z >> 30;
  z *= 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 27;
  z *= 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return z;
}

// Kraken's id shape: a letter and 16 base32 characters in groups of 6, 5 and 6
// ("OUF4EM-FRGI2-MQMWZD"). The first 64 of the 80 bits are a bijection of the id: no two ids
// collide.
std::string KrakenId(char prefix, std::uint64_t id, std::uint64_t salt) {
  static constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const std::uint64_t low = Mix(id + salt);
  const std::uint64_t high = Mix(low ^ salt) & 0xFFFF;
  UInt128 bits = (static_cast<UInt128>(high) << 64) | low;
  std::string out(1, prefix);
  for (int i = 0; i < 16; ++i) {
    if (i == 5 || i == 10) out.push_back('-');
    out.push_back(kBase32[static_cast<std::size_t>(bits & 31)]);
    bits >>= 5;
  }
  return out;
}

constexpr std::uint64_t kOrderSalt = 0x4B52414B454E4F52ULL;
constexpr std::uint64_t kTradeSalt = 0x4B52414B454E5452ULL;
constexpr std::uint64_t kPositionSalt = 0x4B52414B454E5053ULL;

bool SameIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

// A comma-delimited list, each item trimmed of spaces ("A, B" as the spec's examples send it).
std::vector<std::string> SplitList(std::string_view text) {
  std::vector<std::string> items;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

const char* SideName(OrderSide side) { return side == OrderSide::kBuy ? "buy" : "sell"; }

const char* KrakenOrderType(OrderType type) {
  switch (type) {
    case OrderType::kMarket:
      return "market";
    case OrderType::kLimit:
      return "limit";
    case OrderType::kStopLoss:
      return "stop-loss";
    case OrderType::kStopLossLimit:
      return "stop-loss-limit";
    case OrderType::kTakeProfit:
      return "take-profit";
    case OrderType::kTakeProfitLimit:
      return "take-profit-limit";
  }
  return "limit";
}

std::optional<OrderType> ParseOrderType(std::string_view text) {
  if (text == "market") return OrderType::kMarket;
  if (text == "limit") return OrderType::kLimit;
  if (text == "stop-loss") return OrderType::kStopLoss;
  if (text == "stop-loss-limit") return OrderType::kStopLossLimit;
  if (text == "take-profit") return OrderType::kTakeProfit;
  if (text == "take-profit-limit") return OrderType::kTakeProfitLimit;
  return std::nullopt;
}

std::string RefusalError(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return {};
    case Refusal::kUnknownAccount:
      return std::string(kInvalidKey);
    case Refusal::kUnknownSymbol:
      return std::string(kUnknownPair);
    case Refusal::kMarketClosed:
      return std::string(kCancelOnly);
    case Refusal::kInvalidParameters:
      return std::string(kInvalidArguments);
    case Refusal::kQuantityNotPositive:
    case Refusal::kQuantityNotLotMultiple:
    case Refusal::kQuantityAboveMaximum:
      return InvalidArgument("volume");
    case Refusal::kQuantityBelowMinimum:
      return std::string(kVolumeMinimum);
    case Refusal::kPriceNotPositive:
    case Refusal::kStopPriceMissing:
    case Refusal::kStopWouldTriggerImmediately:
      return InvalidArgument("price");
    case Refusal::kPriceNotTickMultiple:
    case Refusal::kStopPriceNotTickMultiple:
      return std::string(kTickSize);
    case Refusal::kBelowMinNotional:
      return std::string(kCostMinimum);
    case Refusal::kInsufficientBalance:
      return std::string(kInsufficientFunds);
    case Refusal::kPostOnlyWouldTake:
      return "EOrder:Post only order";
    case Refusal::kFokCannotFill:
      return InvalidArgument("timeinforce");
    case Refusal::kDuplicateClientOrderId:
      return std::string(kClOrdIdNotUnique);
    case Refusal::kNoLiquidity:
      return std::string(kInsufficientLiquidity);
    case Refusal::kUnknownOrder:
    case Refusal::kOrderAlreadyFinal:
      return std::string(kUnknownOrder);
  }
  return std::string(kInvalidArguments);
}

}  // namespace

// ---- the request ----

struct KrakenOrderEntry::Request {
  std::string method;  // "AddOrder"
  std::vector<std::pair<std::string, std::string>> params;
  std::int64_t now_ns = 0;  // the clock's monotonic time (the counters)
  std::int64_t now_ms = 0;  // its wall time

  const std::string* Get(std::string_view name) const {
    for (const auto& [key, value] : params) {
      if (key == name) return &value;
    }
    return nullptr;
  }
};

// ---- construction ----

KrakenOrderEntry::KrakenOrderEntry(KrakenOrderEntryOptions options,
                                   std::vector<KrakenPairInfo> pairs)
    : options_(std::move(options)), known_pairs_(std::move(pairs)) {
  auto signer = gateways::kraken::Signer::Create(options_.api_secret);
  if (signer.ok()) signer_.emplace(std::move(signer).value());
}

StreamOrderEntry KrakenOrderEntry::Config() const {
  StreamOrderEntry entry;
  entry.keys.api_key = options_.api_key;
  entry.keys.api_secret = options_.api_secret;
  entry.maker_fee_ppm = options_.maker_fee_ppm;
  entry.taker_fee_ppm = options_.taker_fee_ppm;
  entry.fee_asset = FeeAsset::kQuote;
  // No FOK reaches the engine (Kraken spot has none); a post-only that would take is accepted
  // and canceled; a stop whose trigger holds triggers at once.
  entry.fok_policy = FillOrKillPolicy::kRefuse;
  entry.post_only_policy = PostOnlyPolicy::kExpire;
  entry.refuse_immediate_trigger = false;
  entry.client_order_id_prefix = std::string(kUnnamedPrefix);
  return entry;
}

bool KrakenOrderEntry::Handles(const net::ServerRequest& request) {
  if (request.method != "POST") return false;
  const std::string_view path = request.Path();
  if (!path.starts_with(kPrivatePath)) return false;
  const std::string_view method = path.substr(kPrivatePath.size());
  static constexpr std::array<std::string_view, 10> kMethods = {
      "AddOrder",     "CancelOrder", "CancelAll",     "QueryOrders", "OpenOrders",
      "ClosedOrders", "QueryTrades", "TradesHistory", "Balance",     "BalanceEx"};
  return std::find(kMethods.begin(), kMethods.end(), method) != kMethods.end();
}

std::string KrakenOrderEntry::OrderTxid(std::uint64_t order_id) {
  return KrakenId('O', order_id, kOrderSalt);
}

std::string KrakenOrderEntry::TradeTxid(std::uint64_t trade_id) {
  return KrakenId('T', trade_id, kTradeSalt);
}

net::ServerResponse KrakenOrderEntry::RateLimited(const net::ServerRequest& request) {
  const std::string_view path = request.Path();
  const bool trading = path == "/0/private/AddOrder" || path == "/0/private/CancelOrder" ||
                       path == "/0/private/CancelAll";
  net::ServerResponse response;
  response.body = ErrorBody(trading ? kOrderRateLimit : kApiRateLimit);
  return response;
}

net::ServerResponse KrakenOrderEntry::ServerError() {
  net::ServerResponse response;
  response.status = 503;
  response.body = ErrorBody(kUnavailable);
  return response;
}

// ---- pairs and assets ----

const KrakenOrderEntry::Pair* KrakenOrderEntry::FindPair(std::string_view name,
                                                         const StreamMarket& market) {
  if (!pairs_built_) {
    pairs_built_ = true;
    for (std::size_t i = 0; i < market.symbol_count(); ++i) {
      Pair pair;
      pair.spec = &market.spec(i);
      pair.info = PairInfoFor(*pair.spec, known_pairs_);
      pair.precision = PrecisionOf(*pair.spec);
      pairs_.push_back(std::move(pair));
    }
  }
  // AddOrder takes the pair id or its altname; the wsname and the v2 name are taken too.
  for (const Pair& pair : pairs_) {
    if (SameIgnoringCase(name, pair.info.pair_key) || SameIgnoringCase(name, pair.info.altname) ||
        SameIgnoringCase(name, pair.info.wsname) || SameIgnoringCase(name, pair.info.symbol)) {
      return &pair;
    }
  }
  return nullptr;
}

const KrakenOrderEntry::Pair* KrakenOrderEntry::PairOfSymbol(std::string_view symbol,
                                                             const StreamMarket& market) {
  FindPair({}, market);  // builds the table
  for (const Pair& pair : pairs_) {
    if (pair.spec->symbol == symbol) return &pair;
  }
  return nullptr;
}

std::string KrakenOrderEntry::AssetName(std::string_view canonical, const StreamMarket& market) {
  FindPair({}, market);
  for (const Pair& pair : pairs_) {
    if (pair.spec->base == canonical) return pair.info.base_id;
    if (pair.spec->quote == canonical) return pair.info.quote_id;
  }
  return core::ToUpperAscii(canonical);
}

// The Assets endpoint's decimals (the spec's example: XXBT 10, ZUSD and ZEUR 4).
int KrakenOrderEntry::AssetDecimals(std::string_view asset) const {
  if (asset == "XXBT" || asset == "XETH") return 10;
  if (asset == "ZUSD" || asset == "ZEUR" || asset == "ZGBP" || asset == "ZCAD") return 4;
  return kSimScale;
}

// ---- counters ----

bool KrakenOrderEntry::Charge(Counter& counter, std::int64_t cost_milli, std::int64_t max_milli,
                              std::int64_t decay_per_s, std::int64_t now_ns) {
  // Kept in milli-units x 1e9 so that decay is exact at any elapsed time.
  Int128 value = static_cast<Int128>(counter.milli) * kNsPerSecond + counter.remainder;
  if (counter.at_ns != 0 && now_ns > counter.at_ns) {
    value -= static_cast<Int128>(now_ns - counter.at_ns) * decay_per_s;
    if (value < 0) value = 0;
  }
  counter.at_ns = now_ns;
  const Int128 max = static_cast<Int128>(max_milli) * kNsPerSecond;
  const Int128 after = value + static_cast<Int128>(cost_milli) * kNsPerSecond;
  const bool ok = after <= max;
  value = ok ? after : max;
  counter.milli = static_cast<std::int64_t>(value / kNsPerSecond);
  counter.remainder = static_cast<std::int64_t>(value % kNsPerSecond);
  return ok;
}

bool KrakenOrderEntry::ChargeTrading(const std::string& symbol, std::int64_t cost_milli,
                                     std::int64_t now_ns) {
  if (!options_.limits.enabled) return true;
  auto it = trading_counters_.find(symbol);
  if (it == trading_counters_.end()) it = trading_counters_.emplace(symbol, Counter{}).first;
  return Charge(it->second, cost_milli, options_.limits.trading_counter_max_milli,
                options_.limits.trading_decay_milli_per_s, now_ns);
}

// spot-ratelimits: a cancel adds +8, +6, +5, +4, +2, +1 for an order younger than 5, 10, 15, 45,
// 90, 300 seconds, nothing for an older one.
std::int64_t KrakenOrderEntry::CancelPenaltyMilli(std::int64_t age_ms) {
  if (age_ms < 5'000) return 8'000;
  if (age_ms < 10'000) return 6'000;
  if (age_ms < 15'000) return 5'000;
  if (age_ms < 45'000) return 4'000;
  if (age_ms < 90'000) return 2'000;
  if (age_ms < 300'000) return 1'000;
  return 0;
}

std::optional<std::uint64_t> KrakenOrderEntry::OrderIdOf(std::string_view txid) const {
  const auto it = order_ids_.find(std::string(txid));
  if (it == order_ids_.end()) return std::nullopt;
  return it->second;
}

const KrakenOrderEntry::Extras& KrakenOrderEntry::ExtrasOf(std::uint64_t order_id) const {
  static const Extras kNone;
  const auto it = extras_.find(order_id);
  return it == extras_.end() ? kNone : it->second;
}

// ---- the request path ----

net::ServerResponse KrakenOrderEntry::Handle(const net::ServerRequest& http, StreamOrders& orders) {
  net::ServerResponse response;
  const std::string_view path = http.Path();
  Request request;
  request.method = std::string(path.substr(kPrivatePath.size()));
  request.now_ns = orders.clock().MonotonicNs();
  request.now_ms = orders.clock().NowNs() / 1'000'000;

  // spot-rest-auth: the key, the nonce, the signature over path, nonce and body as sent.
  const std::string_view key = http.Header(gateways::kraken::kApiKeyHeader);
  if (key.empty() || key != orders.keys().api_key) {
    response.body = ErrorBody(kInvalidKey);
    return response;
  }
  std::string_view body = http.body;
  while (!body.empty()) {
    const std::size_t amp = body.find('&');
    const std::string_view pair = body.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      request.params.emplace_back(
          PercentDecode(pair.substr(0, eq)),
          eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  const std::string* nonce_text = request.Get("nonce");
  std::uint64_t nonce = 0;
  if (nonce_text == nullptr || !ParseUint64(*nonce_text, &nonce)) {
    response.body = ErrorBody(kInvalidNonce);
    return response;
  }
  const std::string_view signature = http.Header(gateways::kraken::kSignatureHeader);
  if (!signer_ || !signer_->Verify(path, *nonce_text, http.body, signature)) {
    response.body = ErrorBody(kInvalidSignature);
    return response;
  }
  // Above the highest nonce, or within the key's window below it and never used.
  const std::uint64_t window = options_.nonce_window;
  if (nonce > highest_nonce_) {
    highest_nonce_ = nonce;
    used_nonces_.insert(nonce);
    const std::uint64_t floor = highest_nonce_ > window ? highest_nonce_ - window : 0;
    used_nonces_.erase(used_nonces_.begin(), used_nonces_.lower_bound(floor));
  } else if (window > 0 && highest_nonce_ - nonce < window && !used_nonces_.contains(nonce)) {
    used_nonces_.insert(nonce);
  } else {
    response.body = ErrorBody(kInvalidNonce);
    return response;
  }

  // spot-rest-ratelimits: every call but AddOrder and CancelOrder (the trading counter's) costs
  // the key's REST counter 1, trade history 2.
  const bool trading = request.method == "AddOrder" || request.method == "CancelOrder" ||
                       request.method == "CancelAll";
  if (!trading && options_.limits.enabled &&
      !Charge(api_counter_, request.method == "TradesHistory" ? 2'000 : 1'000,
              options_.limits.api_counter_max_milli, options_.limits.api_decay_milli_per_s,
              request.now_ns)) {
    response.body = ErrorBody(kApiRateLimit);
    return response;
  }

  if (request.method == "AddOrder") {
    response.body = AddOrder(request, orders);
  } else if (request.method == "CancelOrder") {
    response.body = CancelOrder(request, orders);
  } else if (request.method == "CancelAll") {
    response.body = CancelAll(orders);
  } else if (request.method == "QueryOrders") {
    response.body = QueryOrders(request, orders);
  } else if (request.method == "OpenOrders") {
    response.body = ListOrders(request, orders, true);
  } else if (request.method == "ClosedOrders") {
    response.body = ListOrders(request, orders, false);
  } else if (request.method == "QueryTrades") {
    response.body = QueryTrades(request, orders);
  } else if (request.method == "TradesHistory") {
    response.body = TradesHistory(request, orders);
  } else if (request.method == "Balance") {
    response.body = Balances(orders, false);
  } else {
    response.body = Balances(orders, true);
  }
  return response;
}

// ---- AddOrder ----

std::string KrakenOrderEntry::Describe(const Pair& pair, OrderSide side, std::string_view ordertype,
                                       std::int64_t volume, std::int64_t price,
                                       std::int64_t price2) const {
  std::string out = SideName(side);
  out += ' ';
  out += Dec(volume, pair.precision.quantity);
  out += ' ';
  out += pair.info.altname;
  out += " @ ";
  const auto p = [&](std::int64_t value) { return Dec(value, pair.precision.price); };
  if (ordertype == "market") {
    out += "market";
  } else if (ordertype == "limit") {
    out += "limit " + p(price);
  } else if (ordertype == "stop-loss") {
    out += "stop loss " + p(price);
  } else if (ordertype == "take-profit") {
    out += "take profit " + p(price);
  } else if (ordertype == "stop-loss-limit") {
    out += "stop loss " + p(price) + " -> limit " + p(price2);
  } else {
    out += "take profit " + p(price) + " -> limit " + p(price2);
  }
  return out;
}

std::string KrakenOrderEntry::AddOrder(const Request& request, StreamOrders& orders) {
  MatchingEngine& engine = orders.engine();
  const StreamMarket& market = orders.market();
  const std::string& account = orders.keys().api_key;
  const std::string* pair_text = request.Get("pair");
  if (pair_text == nullptr || pair_text->empty()) return ErrorBody(InvalidArgument("pair"));
  const Pair* pair = FindPair(*pair_text, market);
  if (pair == nullptr) return ErrorBody(kUnknownPair);
  // The fixed count applies on receipt, even to a request that fails validation.
  if (!ChargeTrading(pair->spec->symbol, 1'000, request.now_ns)) {
    return ErrorBody(kOrderRateLimit);
  }

  const std::string* type_text = request.Get("type");
  if (type_text == nullptr || (*type_text != "buy" && *type_text != "sell")) {
    return ErrorBody(InvalidArgument("type"));
  }
  const OrderSide side = *type_text == "buy" ? OrderSide::kBuy : OrderSide::kSell;
  const std::string* ordertype_text = request.Get("ordertype");
  const std::optional<OrderType> type =
      ordertype_text != nullptr ? ParseOrderType(*ordertype_text) : std::nullopt;
  if (!type) return ErrorBody(InvalidArgument("ordertype"));
  const std::string* volume_text = request.Get("volume");
  std::int64_t volume = 0;
  if (volume_text == nullptr || !ParsePositive(*volume_text, &volume)) {
    return ErrorBody(InvalidArgument("volume"));
  }

  // oflags: post (limit only), fcib / fciq (one of them), nompp, viqc (buy market only).
  bool post = false;
  bool fcib = false;
  bool fciq = false;
  bool viqc = false;
  const std::string* oflags = request.Get("oflags");
  if (oflags != nullptr && !oflags->empty()) {
    for (const std::string& flag : SplitList(*oflags)) {
      if (flag == "post") {
        post = true;
      } else if (flag == "fcib") {
        fcib = true;
      } else if (flag == "fciq") {
        fciq = true;
      } else if (flag == "viqc") {
        viqc = true;
      } else if (flag != "nompp") {
        return ErrorBody(InvalidArgument("oflags"));
      }
    }
    if ((fcib && fciq) || (post && *type != OrderType::kLimit) ||
        (viqc && (*type != OrderType::kMarket || side != OrderSide::kBuy))) {
      return ErrorBody(InvalidArgument("oflags"));
    }
  }

  TimeInForce tif = TimeInForce::kGtc;
  if (const std::string* text = request.Get("timeinforce")) {
    if (*text == "IOC") {
      tif = TimeInForce::kIoc;
    } else if (*text != "GTC") {
      // GTD is Kraken's, but the sandbox expires nothing; FOK is not Kraken spot's at all.
      return ErrorBody(InvalidArgument("timeinforce"));
    }
  }

  // price: the limit price of limit, the trigger of the stop types; price2: the limit of the
  // *-limit types. Where a type takes neither, Kraken ignores them.
  const bool stop = IsStopType(*type);
  std::int64_t price = 0;
  std::int64_t price2 = 0;
  if (*type != OrderType::kMarket) {
    const std::string* text = request.Get("price");
    if (text == nullptr || !ParsePositive(*text, &price))
      return ErrorBody(InvalidArgument("price"));
  }
  const bool limit_stop =
      *type == OrderType::kStopLossLimit || *type == OrderType::kTakeProfitLimit;
  if (limit_stop) {
    const std::string* text = request.Get("price2");
    if (text == nullptr || !ParsePositive(*text, &price2)) {
      return ErrorBody(InvalidArgument("price2"));
    }
  }
  if (const std::string* trigger = request.Get("trigger")) {
    if (*trigger == "index") {
      if (stop) return ErrorBody(kIndexUnavailable);
    } else if (*trigger != "last") {
      return ErrorBody(InvalidArgument("trigger"));
    }
  }

  const std::string* cl_ord_id = request.Get("cl_ord_id");
  const std::string* userref_text = request.Get("userref");
  if (cl_ord_id != nullptr && userref_text != nullptr) return ErrorBody(kInvalidArguments);
  if (cl_ord_id != nullptr && !ValidClOrdId(*cl_ord_id)) {
    return ErrorBody(InvalidArgument("cl_ord_id"));
  }
  std::int32_t userref = 0;
  if (userref_text != nullptr && !ParseInt32(*userref_text, &userref)) {
    return ErrorBody(InvalidArgument("userref"));
  }
  if (const std::string* leverage = request.Get("leverage");
      leverage != nullptr && !leverage->empty() && *leverage != "none") {
    return ErrorBody(InvalidArgument("leverage"));  // the sandbox has no margin
  }
  bool ok = true;
  const std::optional<bool> reduce_only = ParseBool(request.Get("reduce_only"), false, &ok);
  if (!ok) return ErrorBody(InvalidArgument("reduce_only"));
  if (*reduce_only) return ErrorBody(kReduceOnly);
  for (const std::string_view name : {"starttm", "expiretm"}) {
    const std::string* text = request.Get(name);
    if (text != nullptr && !text->empty() && *text != "0") return ErrorBody(InvalidArgument(name));
  }
  if (request.Get("close[ordertype]") != nullptr) {
    return ErrorBody(InvalidArgument("close[ordertype]"));
  }
  if (const std::string* stptype = request.Get("stptype");
      stptype != nullptr && *stptype != "cancel-newest" && *stptype != "cancel-oldest" &&
      *stptype != "cancel-both") {
    return ErrorBody(InvalidArgument("stptype"));
  }
  const std::optional<bool> validate = ParseBool(request.Get("validate"), false, &ok);
  if (!ok) return ErrorBody(InvalidArgument("validate"));

  // The pair's ordermin (AssetPairs), then what the engine checks.
  if (!viqc && volume < std::max(pair->info.order_min, pair->spec->lot_size)) {
    return ErrorBody(kVolumeMinimum);
  }
  if (cl_ord_id != nullptr) {
    const Order* same = engine.FindOrderByClientId(account, *cl_ord_id);
    if (same != nullptr && same->open()) return ErrorBody(kClOrdIdNotUnique);
  }
  if (engine.OpenOrders(account, pair->spec->symbol).size() >= options_.max_open_orders_per_pair) {
    return ErrorBody(kOrdersLimit);
  }

  const std::string ordertype(KrakenOrderType(*type));
  const std::string descr = Describe(*pair, side, ordertype, volume, price, price2);
  if (*validate) {
    // Validated only: nothing reaches the matching engine.
    core::JsonWriter out;
    out.BeginObject().Key("descr").BeginObject().Key("order").String(descr).EndObject().EndObject();
    return ResultBody(out.str());
  }

  OrderRequest order;
  order.account = account;
  order.symbol = pair->spec->symbol;
  order.client_order_id = cl_ord_id != nullptr ? *cl_ord_id : std::string();
  order.side = side;
  order.type = *type;
  order.time_in_force = tif;
  order.post_only = post;
  if (viqc) {
    order.quote_quantity = volume;
  } else {
    order.quantity = volume;
  }
  if (stop) {
    order.stop_price = price;
    order.price = limit_stop ? price2 : 0;
  } else {
    order.price = price;
  }
  const OrderResult result = engine.Place(order);
  if (!result.ok() || result.order == nullptr) return ErrorBody(RefusalError(result.refusal));

  const std::string txid = OrderTxid(result.order->order_id);
  order_ids_[txid] = result.order->order_id;
  Extras extras;
  extras.pair_key = pair->info.pair_key;
  extras.ordertype = ordertype;
  extras.oflags = oflags != nullptr ? *oflags : std::string();
  extras.cl_ord_id = cl_ord_id != nullptr ? *cl_ord_id : std::string();
  extras.userref = userref;
  extras.has_userref = userref_text != nullptr;
  extras.viqc = viqc;
  extras.quote_volume = viqc ? volume : 0;
  extras_[result.order->order_id] = std::move(extras);

  core::JsonWriter out;
  out.BeginObject()
      .Key("descr")
      .BeginObject()
      .Key("order")
      .String(descr)
      .EndObject()
      .Key("txid")
      .BeginArray()
      .String(txid)
      .EndArray()
      .EndObject();
  return ResultBody(out.str());
}

// ---- cancels ----

std::string KrakenOrderEntry::CancelOrder(const Request& request, StreamOrders& orders) {
  MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  const std::string* txid = request.Get("txid");
  const std::string* cl_ord_id = request.Get("cl_ord_id");
  if ((txid == nullptr) == (cl_ord_id == nullptr)) return ErrorBody(kInvalidArguments);

  std::vector<const Order*> targets;
  if (cl_ord_id != nullptr) {
    const Order* order = engine.FindOrderByClientId(account, *cl_ord_id);
    if (order != nullptr && ExtrasOf(order->order_id).cl_ord_id == *cl_ord_id) {
      targets.push_back(order);
    }
  } else if (std::int32_t userref = 0; !txid->empty() && ParseInt32(*txid, &userref)) {
    // A userref: every open order carrying it.
    for (const Order* order : engine.OpenOrders(account)) {
      const Extras& extras = ExtrasOf(order->order_id);
      if (extras.has_userref && extras.userref == userref) targets.push_back(order);
    }
    if (targets.empty()) return ResultBody(R"({"count":0,"pending":false})");
  } else if (const auto id = OrderIdOf(*txid)) {
    if (const Order* order = engine.FindOrder(account, *id)) targets.push_back(order);
  }
  // A finished order is as unknown as a missing one (live: also a filled one).
  if (targets.empty() || !targets.front()->open()) return ErrorBody(kUnknownOrder);

  int count = 0;
  for (const Order* order : targets) {
    if (!order->open()) continue;
    if (!ChargeTrading(order->symbol, CancelPenaltyMilli(request.now_ms - order->created_ms),
                       request.now_ns)) {
      if (count == 0) return ErrorBody(kOrderRateLimit);
      break;
    }
    if (engine.Cancel(account, order->order_id).ok()) ++count;
  }
  if (count == 0) return ErrorBody(kUnknownOrder);
  return ResultBody(R"({"count":)" + std::to_string(count) + R"(,"pending":false})");
}

std::string KrakenOrderEntry::CancelAll(StreamOrders& orders) {
  const std::int64_t now_ns = orders.clock().MonotonicNs();
  const std::int64_t now_ms = orders.clock().NowNs() / 1'000'000;
  const std::vector<const Order*> canceled = orders.engine().CancelAll(orders.keys().api_key);
  for (const Order* order : canceled) {
    ChargeTrading(order->symbol, CancelPenaltyMilli(now_ms - order->created_ms), now_ns);
  }
  return ResultBody(R"({"count":)" + std::to_string(canceled.size()) + R"(,"pending":false})");
}

// ---- orders ----

void KrakenOrderEntry::WriteOrder(std::string& out, const Order& order, bool with_trades,
                                  const StreamMarket& market) {
  const Pair* pair = PairOfSymbol(order.symbol, market);
  const KrakenPrecision precision = pair != nullptr ? pair->precision : KrakenPrecision{};
  const int cost_decimals = pair != nullptr ? pair->info.cost_decimals : 5;
  const Extras& extras = ExtrasOf(order.order_id);
  const std::string ordertype =
      extras.ordertype.empty() ? KrakenOrderType(order.type) : extras.ordertype;
  const bool done = !order.open();

  std::string status = "open";
  std::optional<std::string> reason;
  switch (order.status) {
    case OrderStatus::kNew:
    case OrderStatus::kPartiallyFilled:
      break;
    case OrderStatus::kFilled:
      status = "closed";
      break;
    case OrderStatus::kCanceled:
      status = "canceled";
      reason = "User requested";
      break;
    case OrderStatus::kExpired:
      status = "canceled";
      if (order.end_reason == EndReason::kPostOnlyWouldTake) reason = "Post only order";
      break;
    case OrderStatus::kRejected:
      status = "canceled";
      reason = "Insufficient funds";
      break;
  }

  // A viqc order's descr says the quote amount asked for; its vol is what the walk bought.
  const std::int64_t volume = order.quantity;
  const std::int64_t descr_volume = extras.viqc ? extras.quote_volume : order.quantity;
  const std::int64_t descr_price = IsStopType(order.type) ? order.stop_price : order.price;
  const std::int64_t descr_price2 =
      order.type == OrderType::kStopLossLimit || order.type == OrderType::kTakeProfitLimit
          ? order.price
          : 0;
  std::int64_t average = 0;
  if (order.executed_quantity > 0) {
    average = static_cast<std::int64_t>(
        (static_cast<Int128>(order.cumulative_quote) * 100'000'000 + order.executed_quantity / 2) /
        order.executed_quantity);
  }
  const std::string zero = Dec(0, cost_decimals);

  core::JsonWriter w;
  w.BeginObject().Key("refid").Null().Key("userref").Int(extras.has_userref ? extras.userref : 0);
  if (!extras.cl_ord_id.empty()) w.Key("cl_ord_id").String(extras.cl_ord_id);
  w.Key("status").String(status);
  if (done) {
    w.Key("reason");
    if (reason) {
      w.String(*reason);
    } else {
      w.Null();
    }
  }
  w.Key("opentm").RawNumber(Seconds(order.created_ms));
  if (done) w.Key("closetm").RawNumber(Seconds(order.updated_ms));
  w.Key("starttm").Int(0).Key("expiretm").Int(0);
  w.Key("descr")
      .BeginObject()
      .Key("pair")
      .String(pair != nullptr ? pair->info.altname : order.symbol)
      .Key("type")
      .String(SideName(order.side))
      .Key("ordertype")
      .String(ordertype)
      .Key("price")
      .String(descr_price > 0 ? Dec(descr_price, precision.price) : "0")
      .Key("price2")
      .String(descr_price2 > 0 ? Dec(descr_price2, precision.price) : "0")
      .Key("leverage")
      .String("none")
      .Key("order")
      .String(pair != nullptr
                  ? Describe(*pair, order.side, ordertype, descr_volume, descr_price, descr_price2)
                  : std::string())
      .Key("close")
      .String("")
      .EndObject();
  w.Key("vol")
      .String(Dec(volume, precision.quantity))
      .Key("vol_exec")
      .String(Dec(order.executed_quantity, precision.quantity))
      .Key("cost")
      .String(Dec(order.cumulative_quote, cost_decimals))
      .Key("fee")
      .String(Dec(order.cumulative_fee, cost_decimals))
      .Key("price")
      .String(average > 0 ? Dec(average, precision.price) : zero)
      .Key("stopprice")
      .String(IsStopType(order.type) ? Dec(order.stop_price, precision.price) : zero)
      .Key("limitprice")
      .String(descr_price2 > 0 && order.triggered ? Dec(order.price, precision.price) : zero)
      .Key("misc")
      .String("")
      .Key("oflags")
      .String(extras.oflags);
  if (IsStopType(order.type)) w.Key("trigger").String("last");
  if (with_trades && !order.fills.empty()) {
    w.Key("trades").BeginArray();
    for (const Fill& fill : order.fills) w.String(TradeTxid(fill.trade_id));
    w.EndArray();
  }
  w.EndObject();
  out.append(w.str());
}

std::string KrakenOrderEntry::QueryOrders(const Request& request, StreamOrders& orders) {
  const MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  const std::string* txids = request.Get("txid");
  if (txids == nullptr || txids->empty()) return ErrorBody(kInvalidArguments);
  bool ok = true;
  const std::optional<bool> trades = ParseBool(request.Get("trades"), false, &ok);
  if (!ok) return ErrorBody(InvalidArgument("trades"));
  std::optional<std::int32_t> userref;
  if (const std::string* text = request.Get("userref")) {
    std::int32_t value = 0;
    if (!ParseInt32(*text, &value)) return ErrorBody(InvalidArgument("userref"));
    userref = value;
  }
  const std::vector<std::string> ids = SplitList(*txids);
  if (ids.size() > kMaxQueryOrders) return ErrorBody(kInvalidArguments);
  std::vector<std::pair<std::string, const Order*>> found;
  for (const std::string& txid : ids) {
    const auto id = OrderIdOf(txid);
    const Order* order = id ? engine.FindOrder(account, *id) : nullptr;
    if (order == nullptr) return ErrorBody(kInvalidOrder);
    if (std::any_of(found.begin(), found.end(), [&](const auto& f) { return f.first == txid; })) {
      continue;
    }
    const Extras& extras = ExtrasOf(order->order_id);
    if (userref && (!extras.has_userref || extras.userref != *userref)) continue;
    found.emplace_back(txid, order);
  }
  std::string result = "{";
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (i > 0) result.push_back(',');
    core::AppendJsonString(result, found[i].first);
    result.push_back(':');
    WriteOrder(result, *found[i].second, *trades, orders.market());
  }
  result.push_back('}');
  return ResultBody(result);
}

std::string KrakenOrderEntry::ListOrders(const Request& request, StreamOrders& orders, bool open) {
  const MatchingEngine& engine = orders.engine();
  const std::string& account = orders.keys().api_key;
  bool ok = true;
  const std::optional<bool> trades = ParseBool(request.Get("trades"), false, &ok);
  if (!ok) return ErrorBody(InvalidArgument("trades"));
  std::optional<std::int32_t> userref;
  if (const std::string* text = request.Get("userref")) {
    std::int32_t value = 0;
    if (!ParseInt32(*text, &value)) return ErrorBody(InvalidArgument("userref"));
    userref = value;
  }
  const std::string* cl_ord_id = request.Get("cl_ord_id");
  const auto matches = [&](const Order& order) {
    const Extras& extras = ExtrasOf(order.order_id);
    if (userref && (!extras.has_userref || extras.userref != *userref)) return false;
    if (cl_ord_id != nullptr && extras.cl_ord_id != *cl_ord_id) return false;
    return true;
  };

  std::string result;
  if (open) {
    // Open orders (waiting stops included), oldest first.
    result = R"({"open":{)";
    bool first = true;
    for (const Order* order : engine.OpenOrders(account)) {
      if (!matches(*order)) continue;
      if (!first) result.push_back(',');
      first = false;
      core::AppendJsonString(result, OrderTxid(order->order_id));
      result.push_back(':');
      WriteOrder(result, *order, *trades, orders.market());
    }
    result.append("}}");
    return ResultBody(result);
  }

  // Closed orders, the most recent first, 50 a page from `ofs`, between `start` (exclusive) and
  // `end` (inclusive): Unix seconds or an order's txid, on the open or the close time.
  const std::string* closetime = request.Get("closetime");
  if (closetime != nullptr && *closetime != "open" && *closetime != "close" &&
      *closetime != "both") {
    return ErrorBody(InvalidArgument("closetime"));
  }
  const bool by_open = closetime != nullptr && *closetime == "open";
  const auto time_of = [&](const Order& order) {
    return by_open ? order.created_ms : order.updated_ms;
  };
  const auto bound = [&](std::string_view name, std::optional<std::int64_t>* out) {
    const std::string* text = request.Get(name);
    if (text == nullptr || text->empty()) return true;
    std::int64_t ms = 0;
    if (ParseSecondsMs(*text, &ms)) {
      *out = ms;
      return true;
    }
    const auto id = OrderIdOf(*text);
    const Order* order = id ? engine.FindOrder(account, *id) : nullptr;
    if (order == nullptr) return false;
    *out = time_of(*order);
    return true;
  };
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> end;
  if (!bound("start", &start)) return ErrorBody(InvalidArgument("start"));
  if (!bound("end", &end)) return ErrorBody(InvalidArgument("end"));
  std::uint64_t ofs = 0;
  if (const std::string* text = request.Get("ofs"); text != nullptr && !ParseUint64(*text, &ofs)) {
    return ErrorBody(InvalidArgument("ofs"));
  }
  const std::optional<bool> without_count = ParseBool(request.Get("without_count"), false, &ok);
  if (!ok) return ErrorBody(InvalidArgument("without_count"));

  std::vector<const Order*> closed;
  for (const Order* order : engine.Orders(account)) {
    if (order->open() || !matches(*order)) continue;
    const std::int64_t t = time_of(*order);
    if (start && t <= *start) continue;
    if (end && t > *end) continue;
    closed.push_back(order);
  }
  std::stable_sort(closed.begin(), closed.end(), [&](const Order* a, const Order* b) {
    return time_of(*a) != time_of(*b) ? time_of(*a) > time_of(*b) : a->order_id > b->order_id;
  });
  result = R"({"closed":{)";
  for (std::size_t i = ofs, written = 0; i < closed.size() && written < kPageSize; ++i, ++written) {
    if (written > 0) result.push_back(',');
    core::AppendJsonString(result, OrderTxid(closed[i]->order_id));
    result.push_back(':');
    WriteOrder(result, *closed[i], *trades, orders.market());
  }
  result.push_back('}');
  if (!*without_count) result += R"(,"count":)" + std::to_string(closed.size());
  result.push_back('}');
  return ResultBody(result);
}

// ---- trades ----

void KrakenOrderEntry::WriteTrade(std::string& out, const Fill& fill, const StreamMarket& market) {
  const Pair* pair = PairOfSymbol(fill.symbol, market);
  const KrakenPrecision precision = pair != nullptr ? pair->precision : KrakenPrecision{};
  const int cost_decimals = pair != nullptr ? pair->info.cost_decimals : 5;
  const Extras& extras = ExtrasOf(fill.order_id);
  core::JsonWriter w;
  w.BeginObject()
      .Key("ordertxid")
      .String(OrderTxid(fill.order_id))
      .Key("postxid")
      .String(KrakenId('T', fill.order_id, kPositionSalt))
      .Key("pair")
      .String(pair != nullptr ? pair->info.pair_key : fill.symbol)
      .Key("time")
      .RawNumber(Seconds(fill.time_ms))
      .Key("type")
      .String(SideName(fill.side))
      .Key("ordertype")
      .String(extras.ordertype.empty() ? "limit" : extras.ordertype)
      .Key("price")
      .String(Dec(fill.price, std::max(cost_decimals, precision.price)))
      .Key("cost")
      .String(Dec(fill.quote_quantity, cost_decimals))
      .Key("fee")
      .String(Dec(fill.fee, cost_decimals))
      .Key("vol")
      .String(Dec(fill.quantity, precision.quantity))
      .Key("margin")
      .String(Dec(0, cost_decimals))
      .Key("misc")
      .String("")
      .Key("trade_id")
      .Uint(fill.trade_id)
      .Key("maker")
      .Bool(fill.is_maker)
      .EndObject();
  out.append(w.str());
}

std::string KrakenOrderEntry::QueryTrades(const Request& request, StreamOrders& orders) {
  const std::string* txids = request.Get("txid");
  if (txids == nullptr || txids->empty()) return ErrorBody(kInvalidArguments);
  const std::vector<std::string> ids = SplitList(*txids);
  if (ids.size() > kMaxQueryTrades) return ErrorBody(kInvalidArguments);
  const std::vector<Fill> fills = orders.engine().Trades(orders.keys().api_key);
  std::string result = "{";
  std::vector<std::string> written;
  for (const std::string& txid : ids) {
    const auto it = std::find_if(fills.begin(), fills.end(), [&](const Fill& fill) {
      return TradeTxid(fill.trade_id) == txid;
    });
    if (it == fills.end()) return ErrorBody(kInvalidArguments);
    if (std::find(written.begin(), written.end(), txid) != written.end()) continue;
    if (!written.empty()) result.push_back(',');
    written.push_back(txid);
    core::AppendJsonString(result, txid);
    result.push_back(':');
    WriteTrade(result, *it, orders.market());
  }
  result.push_back('}');
  return ResultBody(result);
}

std::string KrakenOrderEntry::TradesHistory(const Request& request, StreamOrders& orders) {
  std::vector<Fill> fills = orders.engine().Trades(orders.keys().api_key);
  const auto bound = [&](std::string_view name, std::optional<std::int64_t>* out) {
    const std::string* text = request.Get(name);
    if (text == nullptr || text->empty()) return true;
    std::int64_t ms = 0;
    if (ParseSecondsMs(*text, &ms)) {
      *out = ms;
      return true;
    }
    for (const Fill& fill : fills) {
      if (TradeTxid(fill.trade_id) == *text) {
        *out = fill.time_ms;
        return true;
      }
    }
    return false;
  };
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> end;
  if (!bound("start", &start)) return ErrorBody(InvalidArgument("start"));
  if (!bound("end", &end)) return ErrorBody(InvalidArgument("end"));
  std::uint64_t ofs = 0;
  if (const std::string* text = request.Get("ofs"); text != nullptr && !ParseUint64(*text, &ofs)) {
    return ErrorBody(InvalidArgument("ofs"));
  }
  std::vector<const Fill*> selected;
  for (const Fill& fill : fills) {
    if (start && fill.time_ms <= *start) continue;
    if (end && fill.time_ms > *end) continue;
    selected.push_back(&fill);
  }
  std::reverse(selected.begin(), selected.end());  // the most recent first
  std::string result = R"({"trades":{)";
  for (std::size_t i = ofs, written = 0; i < selected.size() && written < kPageSize;
       ++i, ++written) {
    if (written > 0) result.push_back(',');
    core::AppendJsonString(result, TradeTxid(selected[i]->trade_id));
    result.push_back(':');
    WriteTrade(result, *selected[i], orders.market());
  }
  result += R"(},"count":)" + std::to_string(selected.size()) + "}";
  return ResultBody(result);
}

// ---- balances ----

std::string KrakenOrderEntry::Balances(StreamOrders& orders, bool extended) {
  std::map<std::string, Balance> by_name;  // Kraken's names, sorted
  if (const BalanceMap* balances = orders.engine().Balances(orders.keys().api_key)) {
    for (const auto& [asset, balance] : *balances) {
      by_name[AssetName(asset, orders.market())] = balance;
    }
  }
  const auto amount = [&](const std::string& asset, std::int64_t mantissa) {
    const int decimals = AssetDecimals(asset);
    if (decimals <= kSimScale) return Dec(mantissa, decimals);
    const std::int64_t factor = core::PowerOfTen(decimals - kSimScale);
    if (mantissa > std::numeric_limits<std::int64_t>::max() / factor) return Dec(mantissa, 8);
    return core::FormatDecimal(mantissa * factor, decimals, decimals);
  };
  core::JsonWriter w;
  w.BeginObject();
  for (const auto& [asset, balance] : by_name) {
    w.Key(asset);
    const std::string total = amount(asset, balance.free + balance.locked);
    if (!extended) {
      w.String(total);
      continue;
    }
    w.BeginObject()
        .Key("balance")
        .String(total)
        .Key("hold_trade")
        .String(amount(asset, balance.locked))
        .EndObject();
  }
  w.EndObject();
  return ResultBody(w.str());
}

}  // namespace tradingd::sim::kraken
