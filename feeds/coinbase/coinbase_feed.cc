#include "feeds/coinbase/coinbase_feed.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <utility>

#include "core/decimal.h"
#include "core/json_writer.h"
#include "feeds/coinbase/coinbase_market_data.h"
#include "feeds/common/json_scan.h"
#include "gateways/coinbase/coinbase_signing.h"

namespace tradingd::feeds::coinbase {
namespace {

namespace od = simdjson::ondemand;

bool IsExchange(CoinbaseFeedKind feed) { return feed == CoinbaseFeedKind::kExchange; }

// ---- products (rules) ----------------------------------------------------------------------

// What the rules need of one product, as text from the body; empty when absent or null.
struct ProductFields {
  std::string_view id;
  std::string_view tick;             // Exchange quote_increment; Advanced Trade price_increment
  std::string_view quote_increment;  // Advanced Trade: the tick when price_increment is absent
  std::string_view lot;              // base_increment
  std::string_view min_size;         // base_min_size
  std::string_view max_size;         // base_max_size
  std::string_view min_notional;     // Exchange min_market_funds; Advanced Trade quote_min_size
  std::string_view status;
  bool trading_disabled = false, cancel_only = false, auction_mode = false;
  bool is_disabled = false, view_only = false;
  bool wrong_type = false;  // a field we read had another type: the product is not trusted
};

// A string field; null reads as absent.
void ReadText(od::value& value, std::string_view* out, bool* wrong_type) {
  const std::string_view token = json::TrimRight(value.raw_json_token());
  if (token == "null") return;
  if (json::StringText(value, out) != FeedParseError::kOk) *wrong_type = true;
}

void ReadFlag(od::value& value, bool* out, bool* wrong_type) {
  const std::string_view token = json::TrimRight(value.raw_json_token());
  if (token == "true") {
    *out = true;
  } else if (token == "false") {
    *out = false;
  } else if (token != "null") {
    *wrong_type = true;
  }
}

FeedParseError ReadProduct(od::value& element, CoinbaseFeedKind feed, ProductFields* f) {
  od::object object;
  if (auto e = element.get_object().get(object); e) return json::FromSimdjson(e);
  const bool exchange = IsExchange(feed);
  return json::ForEachField(object, [&](std::string_view key, od::value& v) {
    bool* bad = &f->wrong_type;
    if (key == (exchange ? "id" : "product_id")) {
      ReadText(v, &f->id, bad);
    } else if (key == (exchange ? "quote_increment" : "price_increment")) {
      ReadText(v, &f->tick, bad);
    } else if (!exchange && key == "quote_increment") {
      ReadText(v, &f->quote_increment, bad);
    } else if (key == "base_increment") {
      ReadText(v, &f->lot, bad);
    } else if (key == "base_min_size") {
      ReadText(v, &f->min_size, bad);
    } else if (key == "base_max_size") {
      ReadText(v, &f->max_size, bad);
    } else if (key == (exchange ? "min_market_funds" : "quote_min_size")) {
      ReadText(v, &f->min_notional, bad);
    } else if (key == "status") {
      ReadText(v, &f->status, bad);
    } else if (key == "trading_disabled") {
      ReadFlag(v, &f->trading_disabled, bad);
    } else if (key == "cancel_only") {
      ReadFlag(v, &f->cancel_only, bad);
    } else if (key == "auction_mode") {
      ReadFlag(v, &f->auction_mode, bad);
    } else if (key == "is_disabled") {
      ReadFlag(v, &f->is_disabled, bad);
    } else if (key == "view_only") {
      ReadFlag(v, &f->view_only, bad);
    }
    return FeedParseError::kOk;
  });
}

core::TradingStatus StatusOf(const ProductFields& f) {
  // Cancel-only and view-only products take no new orders: halted for trading purposes.
  if (f.trading_disabled || f.is_disabled || f.cancel_only || f.view_only) {
    return core::TradingStatus::kHalted;
  }
  if (f.auction_mode) return core::TradingStatus::kBreak;  // orders rest, nothing matches
  if (f.status == "online") return core::TradingStatus::kTrading;
  if (f.status == "offline" || f.status == "delisted") return core::TradingStatus::kHalted;
  return core::TradingStatus::kUnknown;
}

bool Positive(std::string_view text, int scale, std::int64_t* mantissa) {
  return core::ParseDecimal(text, scale, mantissa) == core::DecimalError::kOk && *mantissa > 0;
}

// False when the product cannot be described at the instrument's scales.
bool ToRules(const ProductFields& f, const core::Instrument& instrument,
             core::InstrumentRules* rules) {
  const int ps = instrument.price_scale;
  const int qs = instrument.quantity_scale;
  const std::string_view tick = !f.tick.empty() ? f.tick : f.quote_increment;
  std::int64_t tick_mantissa = 0, lot = 0;
  if (f.wrong_type || !Positive(tick, ps, &tick_mantissa) || !Positive(f.lot, qs, &lot)) {
    return false;
  }
  rules->instrument = instrument.id;
  rules->tick_size = core::Price::FromMantissa(tick_mantissa);
  rules->lot_size = core::Quantity::FromMantissa(lot);
  // No minimum size since 2022-06-30 (only a notional one): the smallest order is one lot.
  std::int64_t min_quantity = lot;
  if (!f.min_size.empty() &&
      core::ParseDecimal(f.min_size, qs, &min_quantity) != core::DecimalError::kOk) {
    return false;
  }
  rules->min_quantity = core::Quantity::FromMantissa(min_quantity);
  std::int64_t max_quantity = INT64_MAX;  // none given: no limit
  if (!f.max_size.empty()) {
    // A maximum is a limit: one beyond int64 at this scale saturates instead of failing.
    const core::DecimalError e = core::ParseDecimal(f.max_size, qs, &max_quantity);
    if (e == core::DecimalError::kOverflow) {
      max_quantity = INT64_MAX;
    } else if (e != core::DecimalError::kOk) {
      return false;
    }
  }
  rules->max_quantity = core::Quantity::FromMantissa(max_quantity);
  std::int64_t min_notional = 0;
  if (!f.min_notional.empty() &&
      core::ParseDecimal(f.min_notional, ps, &min_notional) != core::DecimalError::kOk) {
    return false;
  }
  rules->min_notional = core::Price::FromMantissa(min_notional);
  rules->status = StatusOf(f);
  return rules->min_quantity.mantissa() >= 0 && rules->max_quantity.mantissa() >= 0 &&
         min_notional >= 0;
}

std::string Shorten(std::string_view text) {
  constexpr std::size_t kMax = 160;
  return std::string(text.size() <= kMax ? text : text.substr(0, kMax));
}

// ---- the protocol ------------------------------------------------------------------------------

class CoinbaseProtocol final : public VenueProtocol {
 public:
  CoinbaseProtocol(const VenueProtocolContext& context, const CoinbaseFeedOptions& options)
      : options_(options),
        registry_(context.registry),
        request_resync_(context.request_resync),
        clock_(options.clock != nullptr ? *options.clock : core::SystemClock::Instance()),
        instruments_(context.registry.ForVenue(core::Venue::kCoinbase)),
        resubscribe_pending_(context.registry.size(), 0),
        core_(
            context.registry, context.sink,
            [this](core::InstrumentId id) { OnBookNeedsSnapshot(id); },
            CoinbaseParserOptions{.feed = options.feed}) {
    if (options_.credentials && IsExchange(options_.feed)) {
      auto signer = gateways::coinbase::ExchangeSigner::Create(options_.credentials->api_secret);
      // ValidateCoinbaseFeedOptions ran in the factory: this cannot fail but on OpenSSL failure.
      if (!signer.ok()) throw std::invalid_argument(signer.status().message());
      signer_.emplace(std::move(signer).value());
    }
  }

  std::string Url() const override {
    return options_.ws_url.empty() ? std::string(DefaultCoinbaseWsUrl(options_.feed))
                                   : options_.ws_url;
  }

  KeepAlive keep_alive() const override { return {}; }  // Coinbase's heartbeats (see header)

  std::vector<std::string> SubscribeAll() override {
    // The fresh subscriptions bring every book's snapshot: no resubscribe is owed any more.
    ClearPendingResubscribes();
    std::vector<std::string> products;
    for (const core::Instrument* instrument : instruments_) {
      products.push_back(instrument->venue_symbol);
    }
    if (IsExchange(options_.feed)) {
      if (products.empty()) return {};
      return {ExchangeRequest("subscribe", {BookChannel(), "ticker", "matches", "heartbeat"},
                              products)};
    }
    std::vector<std::string> messages;
    if (!products.empty()) {
      for (std::string_view channel : {"level2", "market_trades", "ticker"}) {
        messages.push_back(AdvancedRequest("subscribe", channel, products));
      }
    }
    messages.push_back(AdvancedRequest("subscribe", "heartbeats", {}));
    return messages;
  }

  std::vector<std::string> ResubscribeBook(const core::Instrument& instrument) override {
    // Every book waiting for a snapshot goes in the same pair of messages.
    std::vector<std::string> products{instrument.venue_symbol};
    for (const core::Instrument* other : instruments_) {
      if (other->id != instrument.id && resubscribe_pending_[other->id] != 0) {
        products.push_back(other->venue_symbol);
      }
    }
    ClearPendingResubscribes();
    if (IsExchange(options_.feed)) {
      return {ExchangeRequest("unsubscribe", {BookChannel()}, products),
              ExchangeRequest("subscribe", {BookChannel()}, products)};
    }
    return {AdvancedRequest("unsubscribe", "level2", products),
            AdvancedRequest("subscribe", "level2", products)};
  }

  std::string RulesTarget() const override {
    return std::string(CoinbaseRulesTarget(options_.feed));
  }

  core::Result<std::vector<core::InstrumentRules>> OnRules(std::string_view body) override {
    return ParseCoinbaseProducts(options_.feed, body, registry_);
  }

  void OnFrame(std::string_view payload, std::int64_t receive_ns) override {
    const std::uint64_t venue_errors = core_.counters().venue_errors;
    core_.OnFrame(payload, receive_ns);
    // Coinbase answers only our own requests with errors (a refused subscribe: wrong
    // credentials, a product it does not list), and then sends nothing: say why, once each.
    if (core_.counters().venue_errors != venue_errors) {
      spdlog::warn("coinbase refused a request: {}", Shorten(payload));
    }
  }

  void OnDisconnected(core::BookReason reason, std::int64_t now_ns) override {
    // The next connection subscribes everything afresh.
    ClearPendingResubscribes();
    core_.OnDisconnected(reason, now_ns);
  }

  void Resync(core::InstrumentId instrument, core::BookReason reason,
              std::int64_t now_ns) override {
    core_.Resync(instrument, reason, now_ns);
  }

  FeedCounts counts() const override {
    const CoinbaseMarketDataCounters& c = core_.counters();
    return {c.frames, c.parse_errors, core_.queue_drops()};
  }

 private:
  std::string_view BookChannel() const {
    // Unauthenticated level2 subscribes have been refused since 2023-08; level2_batch is public.
    return signer_ ? "level2" : "level2_batch";
  }

  // The core wants a fresh snapshot for `id`. Ask the feed once; whichever book its request
  // names, ResubscribeBook takes every book owed by then.
  void OnBookNeedsSnapshot(core::InstrumentId id) {
    if (id >= resubscribe_pending_.size()) return;
    resubscribe_pending_[id] = 1;
    if (resubscribe_requested_) return;
    resubscribe_requested_ = true;
    request_resync_(id);
  }

  void ClearPendingResubscribes() {
    std::fill(resubscribe_pending_.begin(), resubscribe_pending_.end(), 0);
    resubscribe_requested_ = false;
  }

  // {"type":..,"channels":[{"name":..,"product_ids":[..]},..]} plus, with credentials, the
  // signature fields. Each channel names its products itself, the form of Coinbase's own
  // authenticated example, rather than relying on a root product_ids list.
  std::string ExchangeRequest(std::string_view type,
                              std::initializer_list<std::string_view> channels,
                              const std::vector<std::string>& products) {
    std::string out = R"({"type":)";
    core::AppendJsonString(out, type);
    out += R"(,"channels":[)";
    bool first_channel = true;
    for (std::string_view channel : channels) {
      if (!first_channel) out += ',';
      first_channel = false;
      out += R"({"name":)";
      core::AppendJsonString(out, channel);
      out += R"(,"product_ids":)";
      AppendList(out, products);
      out += '}';
    }
    out += ']';
    if (signer_) AppendSignature(out);
    out += '}';
    return out;
  }

  void AppendSignature(std::string& out) {
    const std::string timestamp = std::to_string(clock_.NowNs() / 1'000'000'000);
    gateways::coinbase::ExchangeSignature signature;
    if (!signer_->SignWebSocketSubscribe(timestamp, &signature)) {
      // Unsigned, the venue refuses the subscribe with its own error, which the core counts.
      spdlog::error("coinbase: cannot sign the subscribe (OpenSSL failure)");
      return;
    }
    out += R"(,"signature":)";
    core::AppendJsonString(out, signature.view());
    out += R"(,"key":)";
    core::AppendJsonString(out, options_.credentials->api_key);
    out += R"(,"passphrase":)";
    core::AppendJsonString(out, options_.credentials->passphrase);
    out += R"(,"timestamp":)";
    core::AppendJsonString(out, timestamp);
  }

  // {"type":..,"product_ids":[..],"channel":..}; heartbeats take no products.
  static std::string AdvancedRequest(std::string_view type, std::string_view channel,
                                     const std::vector<std::string>& products) {
    std::string out = R"({"type":)";
    core::AppendJsonString(out, type);
    if (!products.empty()) {
      out += R"(,"product_ids":)";
      AppendList(out, products);
    }
    out += R"(,"channel":)";
    core::AppendJsonString(out, channel);
    out += '}';
    return out;
  }

  static void AppendList(std::string& out, const std::vector<std::string>& items) {
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i != 0) out += ',';
      core::AppendJsonString(out, items[i]);
    }
    out += ']';
  }

  const CoinbaseFeedOptions options_;
  const core::SymbolRegistry& registry_;
  FeedBooks::ResyncRequester request_resync_;
  const core::Clock& clock_;
  std::vector<const core::Instrument*> instruments_;
  std::optional<gateways::coinbase::ExchangeSigner> signer_;  // Exchange with credentials
  std::vector<std::uint8_t> resubscribe_pending_;             // by InstrumentId: owed a resubscribe
  bool resubscribe_requested_ = false;  // the feed has been asked and has not called back yet
  CoinbaseMarketData core_;             // last: its requester calls into the members above
};

}  // namespace

std::string_view DefaultCoinbaseWsUrl(CoinbaseFeedKind feed) {
  return IsExchange(feed) ? "wss://ws-feed.exchange.coinbase.com"
                          : "wss://advanced-trade-ws.coinbase.com";
}

std::string_view DefaultCoinbaseRestUrl(CoinbaseFeedKind feed) {
  return IsExchange(feed) ? "https://api.exchange.coinbase.com" : "https://api.coinbase.com";
}

std::string_view CoinbaseRulesTarget(CoinbaseFeedKind feed) {
  return IsExchange(feed) ? "/products" : "/api/v3/brokerage/market/products";
}

core::Status ValidateCoinbaseFeedOptions(const CoinbaseFeedOptions& options) {
  if (!options.credentials) return core::Status::Ok();
  if (!IsExchange(options.feed)) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "coinbase: API key credentials apply to the Exchange feed only (Advanced "
                        "Trade's level2 is public)");
  }
  const CoinbaseCredentials& c = *options.credentials;
  if (c.api_key.empty() || c.api_secret.empty() || c.passphrase.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "coinbase: credentials need api_key, api_secret and passphrase");
  }
  auto signer = gateways::coinbase::ExchangeSigner::Create(c.api_secret);
  return signer.ok() ? core::Status::Ok() : signer.status();
}

feeds::VenueProtocolFactory CoinbaseProtocolFactory(CoinbaseFeedOptions options) {
  if (const core::Status status = ValidateCoinbaseFeedOptions(options); !status.ok()) {
    throw std::invalid_argument(status.message());
  }
  return [options = std::move(options)](const VenueProtocolContext& context) {
    return std::unique_ptr<VenueProtocol>(std::make_unique<CoinbaseProtocol>(context, options));
  };
}

core::Result<std::vector<core::InstrumentRules>> ParseCoinbaseProducts(
    CoinbaseFeedKind feed, std::string_view body, const core::SymbolRegistry& registry) {
  const auto fail = [](std::string what) {
    return core::Status(core::ErrorCode::kUnavailable, "coinbase products: " + what);
  };
  // Control plane: one copy for simdjson's padding is fine.
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  if (parser.iterate(padded).get(doc)) return fail("not JSON");
  od::value root;
  if (doc.get_value().get(root)) return fail("not JSON");
  od::json_type type;
  if (root.type().get(type)) return fail("not JSON");

  std::vector<core::InstrumentRules> rules;
  std::vector<std::string> refused;
  std::string venue_message;
  bool has_products = false;
  const auto read_products = [&](od::value& products) -> FeedParseError {
    od::array array;
    if (auto e = products.get_array().get(array); e) return json::FromSimdjson(e);
    has_products = true;
    return json::ForEachElement(array, [&](od::value& element) {
      ProductFields fields;
      if (auto e = ReadProduct(element, feed, &fields); e != FeedParseError::kOk) return e;
      const core::Instrument* instrument =
          fields.id.empty() ? nullptr
                            : registry.FindByVenueSymbol(core::Venue::kCoinbase, fields.id);
      if (instrument == nullptr) return FeedParseError::kOk;
      core::InstrumentRules product_rules;
      if (ToRules(fields, *instrument, &product_rules)) {
        rules.push_back(product_rules);
      } else {
        refused.emplace_back(fields.id);
      }
      return FeedParseError::kOk;
    });
  };

  FeedParseError error = FeedParseError::kOk;
  if (IsExchange(feed) && type == od::json_type::array) {
    error = read_products(root);
  } else if (type == od::json_type::object) {
    od::object object;
    if (root.get_object().get(object)) return fail("not JSON");
    error = json::ForEachField(object, [&](std::string_view key, od::value& v) {
      if (!IsExchange(feed) && key == "products") return read_products(v);
      if (key == "message" || key == "error") {
        std::string_view text;
        if (json::StringText(v, &text) == FeedParseError::kOk && venue_message.empty()) {
          venue_message = Shorten(text);
        }
      }
      return FeedParseError::kOk;
    });
  } else {
    return fail(IsExchange(feed) ? "expected an array of products"
                                 : "expected an object with products");
  }
  if (error != FeedParseError::kOk) return fail(FeedParseErrorName(error));
  if (!json::AtEnd(doc)) return fail("trailing bytes after the JSON");
  if (!has_products) {
    return fail(venue_message.empty() ? std::string("no products in the answer")
                                      : "the venue answered: " + venue_message);
  }
  if (!refused.empty()) {
    spdlog::warn(
        "coinbase: ignoring the rules of {} (increments missing, of the wrong type or "
        "finer than the instrument's scales)",
        fmt::join(refused, ", "));
  }
  return rules;
}

}  // namespace tradingd::feeds::coinbase
