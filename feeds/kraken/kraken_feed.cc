#include "feeds/kraken/kraken_feed.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <memory>
#include <utility>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/venue.h"

namespace tradingd::feeds::kraken {

namespace {

namespace dom = simdjson::dom;

// Kraken documents no limit on symbols per request; a bounded request keeps one refusal from
// costing every instrument, and stays far below any message-size limit.
constexpr std::size_t kSymbolsPerRequest = 50;
// Venue error text quoted in a Status: enough to read, bounded for logs.
constexpr std::size_t kMaxErrorText = 200;

bool IsBookDepth(std::size_t depth) {
  return depth == 10 || depth == 25 || depth == 100 || depth == 500 || depth == 1000;
}

// "online" and the restricted-but-open states trade; the closed ones do not.
core::TradingStatus ToTradingStatus(std::string_view status) {
  if (status == "online" || status == "post_only" || status == "limit_only" ||
      status == "reduce_only") {
    return core::TradingStatus::kTrading;
  }
  if (status == "maintenance") return core::TradingStatus::kBreak;
  if (status == "cancel_only" || status == "delisted" || status == "work_in_progress") {
    return core::TradingStatus::kHalted;
  }
  return core::TradingStatus::kUnknown;
}

// Query-safe text: unreserved characters and '/' as they are; anything else %XX.
void AppendQueryText(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
}

// A string field of `pair`: empty view when absent, false when present but not a string.
bool OptionalString(dom::object pair, std::string_view key, std::string_view* out) {
  dom::element value;
  if (pair[key].get(value) != simdjson::SUCCESS) return true;
  return value.get_string().get(*out) == simdjson::SUCCESS;
}

// Reads one listed pair into `out`; the reason when it cannot.
std::string ReadPair(dom::object pair, const core::Instrument& instrument, KrakenPairRules* out) {
  std::int64_t pair_decimals = -1, lot_decimals = -1;
  dom::element value;
  if (pair["pair_decimals"].get(value) != simdjson::SUCCESS ||
      value.get_int64().get(pair_decimals) != simdjson::SUCCESS ||
      pair["lot_decimals"].get(value) != simdjson::SUCCESS ||
      value.get_int64().get(lot_decimals) != simdjson::SUCCESS) {
    return "pair_decimals or lot_decimals missing or not integers";
  }
  const int ps = instrument.price_scale;
  const int qs = instrument.quantity_scale;
  if (pair_decimals < 0 || pair_decimals > ps || lot_decimals < 0 || lot_decimals > qs) {
    return "pair_decimals " + std::to_string(pair_decimals) + " or lot_decimals " +
           std::to_string(lot_decimals) + " beyond the instrument's scales";
  }
  std::string_view ordermin, costmin, tick_size, status;
  if (!OptionalString(pair, "ordermin", &ordermin) || !OptionalString(pair, "costmin", &costmin) ||
      !OptionalString(pair, "tick_size", &tick_size) || !OptionalString(pair, "status", &status)) {
    return "ordermin, costmin, tick_size or status is not a string";
  }
  core::InstrumentRules& rules = out->rules;
  rules.instrument = instrument.id;
  rules.status = ToTradingStatus(status);
  rules.lot_size =
      core::Quantity::FromMantissa(core::PowerOfTen(qs - static_cast<int>(lot_decimals)));
  // Older answers (the 2021 capture) have no tick_size: the tick is then one unit of the last
  // price decimal.
  std::int64_t mantissa = core::PowerOfTen(ps - static_cast<int>(pair_decimals));
  if (!tick_size.empty() &&
      core::ParseDecimal(tick_size, ps, &mantissa) != core::DecimalError::kOk) {
    return "tick_size '" + std::string(tick_size) + "' is not a decimal at the price scale";
  }
  rules.tick_size = core::Price::FromMantissa(mantissa);
  mantissa = 0;
  if (!ordermin.empty() && core::ParseDecimal(ordermin, qs, &mantissa) != core::DecimalError::kOk) {
    return "ordermin '" + std::string(ordermin) + "' is not a decimal at the quantity scale";
  }
  rules.min_quantity = core::Quantity::FromMantissa(mantissa);
  mantissa = 0;
  if (!costmin.empty() && core::ParseDecimal(costmin, ps, &mantissa) != core::DecimalError::kOk) {
    return "costmin '" + std::string(costmin) + "' is not a decimal at the price scale";
  }
  rules.min_notional = core::Price::FromMantissa(mantissa);
  rules.max_quantity = core::Quantity::FromMantissa(INT64_MAX);  // Kraken publishes no maximum
  out->price_decimals = static_cast<int>(pair_decimals);
  out->quantity_decimals = static_cast<int>(lot_decimals);
  return {};
}

std::string Bounded(std::string text) {
  if (text.size() > kMaxErrorText) {
    text.resize(kMaxErrorText);
    text += "...";
  }
  return text;
}

}  // namespace

core::Status ValidateKrakenFeedOptions(const KrakenFeedOptions& options) {
  if (!IsBookDepth(options.book_depth)) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "kraken book_depth must be 10, 25, 100, 500 or 1000 (Kraken serves no "
                        "other depth), got " +
                            std::to_string(options.book_depth));
  }
  const std::string_view url = options.ws_url;
  if (url.substr(0, 5) != "ws://" && url.substr(0, 6) != "wss://") {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "kraken ws_url must start with ws:// or wss://");
  }
  if (options.ping_interval.count() < 0) {
    return core::Status(core::ErrorCode::kInvalidConfig, "kraken ping_interval must be >= 0");
  }
  return core::Status::Ok();
}

core::Result<KrakenAssetPairs> ParseAssetPairs(std::string_view body,
                                               const core::SymbolRegistry& registry) {
  const auto not_an_answer = [](std::string_view why) {
    return core::Status(core::ErrorCode::kUnavailable,
                        "kraken AssetPairs: not an AssetPairs answer (" + std::string(why) + ")");
  };
  dom::parser parser;
  dom::element root;
  dom::object object;
  if (parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS ||
      root.get_object().get(object) != simdjson::SUCCESS) {
    return not_an_answer("not a JSON object");
  }
  dom::element value;
  dom::array errors;
  if (object["error"].get(value) != simdjson::SUCCESS ||
      value.get_array().get(errors) != simdjson::SUCCESS) {
    return not_an_answer("no \"error\" array");
  }
  if (errors.size() != 0) {
    std::string text;
    for (dom::element error : errors) {
      std::string_view message;
      if (!text.empty()) text += "; ";
      text += error.get_string().get(message) == simdjson::SUCCESS ? std::string(message)
                                                                   : std::string("(not a string)");
    }
    return core::Status(core::ErrorCode::kUnavailable,
                        "kraken AssetPairs refused: " + Bounded(std::move(text)));
  }
  dom::object result;
  if (object["result"].get(value) != simdjson::SUCCESS ||
      value.get_object().get(result) != simdjson::SUCCESS) {
    return not_an_answer("no \"result\" object");
  }
  KrakenAssetPairs out;
  for (const dom::key_value_pair& field : result) {
    dom::object pair;
    std::string_view wsname;
    // Pairs without a wsname (Kraken lists a few) cannot be one of ours.
    if (field.value.get_object().get(pair) != simdjson::SUCCESS ||
        pair["wsname"].get(value) != simdjson::SUCCESS ||
        value.get_string().get(wsname) != simdjson::SUCCESS) {
      continue;
    }
    // wsname is the v1 spelling ("XBT/USD"); Find resolves the alias to the v2 instrument.
    const core::Instrument* instrument = registry.Find(core::Venue::kKraken, wsname);
    if (instrument == nullptr) continue;
    if (std::any_of(out.pairs.begin(), out.pairs.end(), [&](const KrakenPairRules& r) {
          return r.rules.instrument == instrument->id;
        })) {
      continue;  // one pair per instrument; the first listed wins
    }
    KrakenPairRules rules;
    if (std::string why = ReadPair(pair, *instrument, &rules); !why.empty()) {
      out.errors.push_back(
          Bounded(std::string(field.key) + " (" + instrument->venue_symbol + "): " + why));
      continue;
    }
    out.pairs.push_back(rules);
  }
  return out;
}

KrakenProtocol::KrakenProtocol(const VenueProtocolContext& context, KrakenFeedOptions options)
    : registry_(context.registry),
      options_(std::move(options)),
      instruments_(context.registry.ForVenue(core::Venue::kKraken)),
      market_data_(context.registry, context.sink, context.request_resync,
                   KrakenMarketDataOptions{options_.book_depth, options_.parser}) {}

KeepAlive KrakenProtocol::keep_alive() const {
  KeepAlive keep_alive;
  keep_alive.interval = options_.ping_interval;
  keep_alive.text = R"({"method":"ping"})";
  return keep_alive;
}

std::string KrakenProtocol::Request(std::string_view method, std::string_view channel,
                                    const std::vector<const core::Instrument*>& instruments,
                                    std::string_view extra_params) {
  std::string out;
  out.reserve(96 + 16 * instruments.size());
  out.append(R"({"method":)");
  core::AppendJsonString(out, method);
  out.append(R"(,"params":{"channel":)");
  core::AppendJsonString(out, channel);
  out.append(R"(,"symbol":[)");
  for (std::size_t i = 0; i < instruments.size(); ++i) {
    if (i != 0) out.push_back(',');
    core::AppendJsonString(out, instruments[i]->venue_symbol);
  }
  out.push_back(']');
  out.append(extra_params);
  out.append(R"(},"req_id":)");
  out.append(std::to_string(next_req_id_++));
  out.push_back('}');
  return out;
}

std::vector<std::string> KrakenProtocol::SubscribeAll() {
  std::vector<std::string> messages;
  const std::string book_params =
      ",\"depth\":" + std::to_string(options_.book_depth) + ",\"snapshot\":true";
  for (std::size_t first = 0; first < instruments_.size(); first += kSymbolsPerRequest) {
    const auto begin = instruments_.begin() + static_cast<std::ptrdiff_t>(first);
    const auto end = instruments_.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                instruments_.size(), first + kSymbolsPerRequest));
    const std::vector<const core::Instrument*> chunk(begin, end);
    messages.push_back(Request("subscribe", "book", chunk, book_params));
    messages.push_back(
        Request("subscribe", "ticker", chunk, R"(,"event_trigger":"bbo","snapshot":true)"));
    messages.push_back(Request("subscribe", "trade", chunk, R"(,"snapshot":false)"));
  }
  return messages;
}

std::vector<std::string> KrakenProtocol::ResubscribeBook(const core::Instrument& instrument) {
  const std::vector<const core::Instrument*> one{&instrument};
  const std::string depth = ",\"depth\":" + std::to_string(options_.book_depth);
  return {Request("unsubscribe", "book", one, depth),
          Request("subscribe", "book", one, depth + ",\"snapshot\":true")};
}

std::string KrakenProtocol::RulesTarget() const {
  if (instruments_.empty()) return {};
  if (all_pairs_) return "/0/public/AssetPairs";
  std::string target = "/0/public/AssetPairs?pair=";
  for (std::size_t i = 0; i < instruments_.size(); ++i) {
    if (i != 0) target.push_back(',');
    AppendQueryText(target, instruments_[i]->venue_symbol);
  }
  return target;
}

core::Result<std::vector<core::InstrumentRules>> KrakenProtocol::OnRules(std::string_view body) {
  core::Result<KrakenAssetPairs> parsed = ParseAssetPairs(body, registry_);
  if (!parsed.ok()) {
    // One configured pair Kraken does not list makes it refuse the whole filtered query: ask for
    // every pair next time, so that the others still load (the unknown one stays without rules,
    // and its subscription is refused by the venue).
    if (!all_pairs_ && parsed.status().message().find("Unknown asset pair") != std::string::npos) {
      all_pairs_ = true;
      spdlog::warn("kraken AssetPairs refused a configured pair ({}); loading every pair instead",
                   parsed.status().message());
    }
    return parsed.status();
  }
  for (const std::string& error : parsed->errors) {
    spdlog::warn("kraken AssetPairs: skipped {}", error);
  }
  std::vector<core::InstrumentRules> rules;
  rules.reserve(parsed->pairs.size());
  for (const KrakenPairRules& pair : parsed->pairs) {
    market_data_.SetPrecision(pair.rules.instrument, pair.price_decimals, pair.quantity_decimals);
    rules.push_back(pair.rules);
  }
  return rules;
}

FeedCounts KrakenProtocol::counts() const {
  const KrakenMarketDataCounters& counters = market_data_.counters();
  return {counters.frames, counters.parse_errors, market_data_.queue_drops()};
}

VenueProtocolFactory KrakenProtocolFactory(KrakenFeedOptions options) {
  return [options = std::move(options)](const VenueProtocolContext& context) {
    return std::unique_ptr<VenueProtocol>(std::make_unique<KrakenProtocol>(context, options));
  };
}

}  // namespace tradingd::feeds::kraken
