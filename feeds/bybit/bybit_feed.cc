#include "feeds/bybit/bybit_feed.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <unordered_set>
#include <utility>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::feeds::bybit {
namespace {

namespace dom = simdjson::dom;

constexpr std::array<int, 4> kBookDepths = {1, 50, 200, 1000};
// Spot refuses a request with more than 10 args. Linear has no documented limit; a bounded
// request keeps one refusal from losing every topic.
constexpr std::size_t kSpotArgsPerRequest = 10;
constexpr std::size_t kLinearArgsPerRequest = 100;
// Bybit cuts a connection that has seen neither data nor a ping-pong for 10 minutes.
constexpr std::chrono::milliseconds kIdleLimit{600000};
// Linear lists 500 symbols a page by default and more than 500 exist; 1000 is the largest page.
constexpr std::string_view kLinearRulesTarget =
    "/v5/market/instruments-info?category=linear&limit=1000";
constexpr std::string_view kSpotRulesTarget = "/v5/market/instruments-info?category=spot";

core::Status Invalid(std::string message) {
  return core::Status(core::ErrorCode::kInvalidConfig, std::move(message));
}

core::Status NotBybitsAnswer(std::string message) {
  return core::Status(core::ErrorCode::kUnavailable,
                      fmt::format("instruments-info: {}", std::move(message)));
}

// The venue's own words in an error, cut short and reduced to printable ASCII: they go to logs.
std::string Printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 120)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  return out;
}

core::TradingStatus ToTradingStatus(std::string_view status) {
  if (status == "Trading") return core::TradingStatus::kTrading;
  if (status == "Closed" || status == "Delivering" || status == "Settling") {
    return core::TradingStatus::kHalted;
  }
  // A pre-market contract is listed but not in continuous trading yet.
  if (status == "PreLaunch") return core::TradingStatus::kBreak;
  return core::TradingStatus::kUnknown;
}

// The text of a string member; `present` false when the key is absent. A value of another type is
// an error: the body is not Bybit's.
simdjson::error_code OptionalString(dom::object object, std::string_view key,
                                    std::string_view* out, bool* present) {
  dom::element value;
  *present = false;
  if (object[key].get(value) != simdjson::SUCCESS) return simdjson::SUCCESS;
  *present = true;
  return value.get_string().get(*out);
}

struct RawRules {
  std::string_view status, tick, lot, min_quantity, max_quantity, min_notional;
};

// Reads one list entry's rule fields (already known to be for a registered instrument).
simdjson::error_code ReadRawRules(dom::object item, BybitCategory category, RawRules* raw) {
  bool present = false;
  if (auto e = OptionalString(item, "status", &raw->status, &present); e) return e;
  dom::element price_filter;
  if (item["priceFilter"].get(price_filter) == simdjson::SUCCESS) {
    dom::object object;
    if (auto e = price_filter.get_object().get(object); e) return e;
    if (auto e = OptionalString(object, "tickSize", &raw->tick, &present); e) return e;
  }
  dom::element lot_filter;
  if (item["lotSizeFilter"].get(lot_filter) != simdjson::SUCCESS) return simdjson::SUCCESS;
  dom::object lot;
  if (auto e = lot_filter.get_object().get(lot); e) return e;
  if (auto e = OptionalString(lot, "minOrderQty", &raw->min_quantity, &present); e) return e;
  if (category == BybitCategory::kSpot) {
    // maxOrderQty is deprecated on spot in favour of maxLimitOrderQty; both are read when sent.
    std::string_view max_limit;
    bool has_max_limit = false;
    if (auto e = OptionalString(lot, "basePrecision", &raw->lot, &present); e) return e;
    if (auto e = OptionalString(lot, "maxOrderQty", &raw->max_quantity, &present); e) return e;
    if (auto e = OptionalString(lot, "maxLimitOrderQty", &max_limit, &has_max_limit); e) return e;
    if (has_max_limit) raw->max_quantity = max_limit;
    return OptionalString(lot, "minOrderAmt", &raw->min_notional, &present);
  }
  if (auto e = OptionalString(lot, "qtyStep", &raw->lot, &present); e) return e;
  if (auto e = OptionalString(lot, "maxOrderQty", &raw->max_quantity, &present); e) return e;
  return OptionalString(lot, "minNotionalValue", &raw->min_notional, &present);
}

// A positive step (tick, lot) held exactly at `scale`.
template <typename Fixed>
bool ReadStep(std::string_view text, int scale, Fixed* out) {
  return !text.empty() && Fixed::Parse(text, scale, out) == core::DecimalError::kOk &&
         out->mantissa() > 0;
}

// A non-negative value held exactly at `scale`; absent is 0 (no limit).
template <typename Fixed>
bool ReadLimit(std::string_view text, int scale, Fixed* out) {
  if (text.empty()) return true;
  return Fixed::Parse(text, scale, out) == core::DecimalError::kOk && out->mantissa() >= 0;
}

// An error message, or empty when `raw` gave the rules.
std::string ToRules(const RawRules& raw, const core::Instrument& instrument,
                    core::InstrumentRules* rules) {
  const int ps = instrument.price_scale;
  const int qs = instrument.quantity_scale;
  rules->instrument = instrument.id;
  rules->status = ToTradingStatus(raw.status);
  if (!ReadStep(raw.tick, ps, &rules->tick_size)) {
    return fmt::format("{}: tickSize \"{}\" is not a positive step at {} decimals",
                       instrument.venue_symbol, Printable(raw.tick), ps);
  }
  if (!ReadStep(raw.lot, qs, &rules->lot_size)) {
    return fmt::format("{}: lot step \"{}\" is not a positive step at {} decimals",
                       instrument.venue_symbol, Printable(raw.lot), qs);
  }
  if (!ReadLimit(raw.min_quantity, qs, &rules->min_quantity)) {
    return fmt::format("{}: minOrderQty \"{}\" does not fit {} decimals", instrument.venue_symbol,
                       Printable(raw.min_quantity), qs);
  }
  if (!raw.max_quantity.empty()) {
    // A maximum is a limit: one beyond int64 at this scale saturates instead of failing.
    std::int64_t mantissa = 0;
    const core::DecimalError e = core::ParseDecimal(raw.max_quantity, qs, &mantissa);
    if (e == core::DecimalError::kOverflow) {
      mantissa = INT64_MAX;
    } else if (e != core::DecimalError::kOk || mantissa < 0) {
      return fmt::format("{}: max quantity \"{}\" does not fit {} decimals",
                         instrument.venue_symbol, Printable(raw.max_quantity), qs);
    }
    rules->max_quantity = core::Quantity::FromMantissa(mantissa);
  }
  // Notional is in quote units, held at the instrument's price scale.
  if (!ReadLimit(raw.min_notional, ps, &rules->min_notional)) {
    return fmt::format("{}: min notional \"{}\" does not fit {} decimals",
                       instrument.venue_symbol, Printable(raw.min_notional), ps);
  }
  return {};
}

}  // namespace

std::optional<BybitCategory> CategoryOfUrl(std::string_view ws_url) {
  std::string_view path = ws_url.substr(0, ws_url.find_first_of("?#"));
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view segment = path.substr(slash + 1);
  if (segment == "spot") return BybitCategory::kSpot;
  if (segment == "linear") return BybitCategory::kLinear;
  return std::nullopt;
}

std::string_view CategoryName(BybitCategory category) {
  return category == BybitCategory::kLinear ? "linear" : "spot";
}

bool IsBookDepth(BybitCategory /*category*/, int depth) {
  // Spot and linear publish the same depths today (1, 50, 200, 1000); older linear pages listed
  // 500, which the live venue now refuses ("error:handler not found").
  return std::find(kBookDepths.begin(), kBookDepths.end(), depth) != kBookDepths.end();
}

core::Status Validate(const BybitFeedOptions& options) {
  const std::string_view url = options.ws_url;
  if (!url.starts_with("wss://") && !url.starts_with("ws://")) {
    return Invalid(fmt::format("bybit ws_url \"{}\" is not a ws:// or wss:// URL", url));
  }
  const auto category = CategoryOfUrl(url);
  if (!category) {
    return Invalid(fmt::format(
        "bybit ws_url \"{}\" must end in /spot or /linear (the v5 public category)", url));
  }
  if (!IsBookDepth(*category, options.book_depth)) {
    return Invalid(fmt::format("bybit {} has no orderbook depth {} (1, 50, 200 or 1000)",
                               CategoryName(*category), options.book_depth));
  }
  if (options.ping_interval <= std::chrono::milliseconds(0) ||
      options.ping_interval >= kIdleLimit) {
    return Invalid("bybit ping_interval must be above 0 and below Bybit's 10-minute idle limit");
  }
  return core::Status::Ok();
}

core::Result<BybitInstrumentsInfo> ParseInstrumentsInfo(std::string_view body,
                                                        BybitCategory category,
                                                        const core::SymbolRegistry& registry) {
  dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(body.data(), body.size()).get(root); e) {
    return NotBybitsAnswer(fmt::format("not JSON ({})", simdjson::error_message(e)));
  }
  dom::object object;
  std::int64_t ret_code = 0;
  if (root.get_object().get(object) != simdjson::SUCCESS ||
      object["retCode"].get_int64().get(ret_code) != simdjson::SUCCESS) {
    return NotBybitsAnswer("no retCode");
  }
  if (ret_code != 0) {
    std::string_view ret_msg;
    if (object["retMsg"].get_string().get(ret_msg) != simdjson::SUCCESS) ret_msg = {};
    return NotBybitsAnswer(fmt::format("retCode {}: {}", ret_code, Printable(ret_msg)));
  }
  dom::object result;
  std::string_view listed_category;
  dom::array list;
  if (object["result"].get_object().get(result) != simdjson::SUCCESS ||
      result["category"].get_string().get(listed_category) != simdjson::SUCCESS ||
      result["list"].get_array().get(list) != simdjson::SUCCESS) {
    return NotBybitsAnswer("no result.category and result.list");
  }
  if (listed_category != CategoryName(category)) {
    return NotBybitsAnswer(fmt::format("category \"{}\", expected \"{}\"",
                                       Printable(listed_category), CategoryName(category)));
  }
  BybitInstrumentsInfo info;
  std::string_view cursor;
  info.more_pages = result["nextPageCursor"].get_string().get(cursor) == simdjson::SUCCESS &&
                    !cursor.empty();
  std::unordered_set<core::InstrumentId> seen;
  for (dom::element element : list) {
    dom::object item;
    std::string_view symbol;
    if (element.get_object().get(item) != simdjson::SUCCESS ||
        item["symbol"].get_string().get(symbol) != simdjson::SUCCESS) {
      return NotBybitsAnswer("a list entry without a symbol");
    }
    const core::Instrument* instrument = registry.FindByVenueSymbol(core::Venue::kBybit, symbol);
    if (instrument == nullptr) continue;
    if (!seen.insert(instrument->id).second) {
      return NotBybitsAnswer(fmt::format("{} listed twice", instrument->venue_symbol));
    }
    RawRules raw;
    if (auto e = ReadRawRules(item, category, &raw); e) {
      return NotBybitsAnswer(fmt::format("{}: {}", instrument->venue_symbol,
                                         simdjson::error_message(e)));
    }
    core::InstrumentRules rules;
    if (std::string problem = ToRules(raw, *instrument, &rules); !problem.empty()) {
      info.skipped.push_back(std::move(problem));
      continue;
    }
    info.rules.push_back(rules);
  }
  return info;
}

BybitProtocol::BybitProtocol(const VenueProtocolContext& context, BybitFeedOptions options)
    : options_(std::move(options)),
      category_(CategoryOfUrl(options_.ws_url).value_or(BybitCategory::kSpot)),
      registry_(context.registry),
      instruments_(context.registry.ForVenue(core::Venue::kBybit)),
      market_data_(context.registry, context.sink, context.request_resync) {}

KeepAlive BybitProtocol::keep_alive() const {
  return KeepAlive{options_.ping_interval, R"({"op":"ping"})"};
}

std::string BybitProtocol::BookTopic(const core::Instrument& instrument) const {
  return fmt::format("orderbook.{}.{}", options_.book_depth, instrument.venue_symbol);
}

std::string BybitProtocol::Request(std::string_view op, const std::vector<std::string>& args) {
  core::JsonWriter json;
  json.BeginObject().Key("op").String(op).Key("args").BeginArray();
  for (const std::string& arg : args) json.String(arg);
  json.EndArray().Key("req_id").String(fmt::format("{}", ++requests_)).EndObject();
  return json.Take();
}

std::vector<std::string> BybitProtocol::SubscribeAll() {
  const std::size_t per_request =
      category_ == BybitCategory::kSpot ? kSpotArgsPerRequest : kLinearArgsPerRequest;
  std::vector<std::string> messages;
  std::vector<std::string> args;
  auto add = [&](std::string topic) {
    args.push_back(std::move(topic));
    if (args.size() == per_request) {
      messages.push_back(Request("subscribe", args));
      args.clear();
    }
  };
  for (const core::Instrument* instrument : instruments_) {
    add(BookTopic(*instrument));
    add("publicTrade." + instrument->venue_symbol);
    add("tickers." + instrument->venue_symbol);
  }
  if (!args.empty()) messages.push_back(Request("subscribe", args));
  return messages;
}

std::vector<std::string> BybitProtocol::ResubscribeBook(const core::Instrument& instrument) {
  // Bybit answers a subscription with a snapshot; deltas still in flight before it are ignored by
  // the core, which waits for that snapshot.
  const std::vector<std::string> topic = {BookTopic(instrument)};
  return {Request("unsubscribe", topic), Request("subscribe", topic)};
}

std::string BybitProtocol::RulesTarget() const {
  return std::string(category_ == BybitCategory::kSpot ? kSpotRulesTarget : kLinearRulesTarget);
}

core::Result<std::vector<core::InstrumentRules>> BybitProtocol::OnRules(std::string_view body) {
  auto info = ParseInstrumentsInfo(body, category_, registry_);
  if (!info.ok()) return info.status();
  for (const std::string& problem : info->skipped) {
    spdlog::warn("bybit instrument rules left out: {}", problem);
  }
  if (info->more_pages && info->rules.size() + info->skipped.size() < instruments_.size()) {
    spdlog::warn("bybit {} instruments-info has more pages than one request reads; {} of {} "
                 "instruments have rules",
                 CategoryName(category_), info->rules.size(), instruments_.size());
  }
  return std::move(info->rules);
}

FeedCounts BybitProtocol::counts() const {
  const BybitMarketDataCounters& c = market_data_.counters();
  return FeedCounts{c.frames, c.parse_errors, market_data_.queue_drops()};
}

feeds::VenueProtocolFactory BybitProtocolFactory(BybitFeedOptions options) {
  return [options = std::move(options)](const VenueProtocolContext& context) {
    return std::make_unique<BybitProtocol>(context, options);
  };
}

}  // namespace tradingd::feeds::bybit
