#include "feeds/okx/okx_feed.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <utility>

#include "core/decimal.h"
#include "feeds/common/json_scan.h"
#include "feeds/okx/okx_market_data.h"

namespace tradingd::feeds::okx {
namespace {

namespace od = simdjson::ondemand;
using json::ForEachElement;
using json::ForEachField;
using json::FromSimdjson;
using json::StringText;

// OKX's only limit on a request is 64 KB of channels; staying well below it leaves room for the
// envelope and keeps each request small, while still subscribing hundreds of channels at once
// (subscribe requests count against 480 an hour per connection).
constexpr std::size_t kMaxSubscribeBytes = 32 * 1024;
constexpr std::size_t kMaxVenueMessage = 200;

core::TradingStatus ToTradingStatus(std::string_view state) {
  if (state == "live") return core::TradingStatus::kTrading;
  // suspend: halted; preopen: listed, not trading yet; test: not tradable by users.
  if (state == "suspend" || state == "preopen" || state == "test") {
    return core::TradingStatus::kHalted;
  }
  return core::TradingStatus::kUnknown;
}

void AppendArg(std::string& out, std::string_view channel, std::string_view inst_id) {
  out.append(R"({"channel":")");
  out.append(channel);
  out.append(R"(","instId":")");
  out.append(inst_id);
  out.append("\"}");
}

std::string Request(std::string_view op, std::string_view args) {
  std::string out;
  out.reserve(24 + op.size() + args.size());
  out.append(R"({"op":")");
  out.append(op);
  out.append(R"(","args":[)");
  out.append(args);
  out.append("]}");
  return out;
}

class OkxProtocol final : public VenueProtocol {
 public:
  OkxProtocol(const OkxFeedOptions& options, const VenueProtocolContext& context)
      : options_(options),
        registry_(context.registry),
        market_data_(context.registry, context.sink, context.request_resync) {}

  std::string Url() const override { return options_.ws_url; }
  KeepAlive keep_alive() const override { return KeepAlive{options_.ping_interval, "ping"}; }

  std::vector<std::string> SubscribeAll() override {
    std::vector<std::string> requests;
    std::string args;
    const auto flush = [&] {
      if (args.empty()) return;
      requests.push_back(Request("subscribe", args));
      args.clear();
    };
    for (const core::Instrument* instrument : registry_.ForVenue(core::Venue::kOkx)) {
      // One instrument's three channels stay in one request.
      std::string instrument_args;
      AppendArg(instrument_args, "books", instrument->venue_symbol);
      instrument_args.push_back(',');
      AppendArg(instrument_args, "bbo-tbt", instrument->venue_symbol);
      instrument_args.push_back(',');
      AppendArg(instrument_args, "trades", instrument->venue_symbol);
      if (!args.empty() && args.size() + 1 + instrument_args.size() > kMaxSubscribeBytes) flush();
      if (!args.empty()) args.push_back(',');
      args.append(instrument_args);
    }
    flush();
    return requests;
  }

  std::vector<std::string> ResubscribeBook(const core::Instrument& instrument) override {
    std::string arg;
    AppendArg(arg, "books", instrument.venue_symbol);
    return {Request("unsubscribe", arg), Request("subscribe", arg)};
  }

  std::string RulesTarget() const override {
    return "/api/v5/public/instruments?instType=" + options_.inst_type;
  }
  core::Result<std::vector<core::InstrumentRules>> OnRules(std::string_view body) override {
    return ParseOkxInstruments(body, registry_);
  }

  void OnFrame(std::string_view payload, std::int64_t receive_ns) override {
    market_data_.OnFrame(payload, receive_ns);
  }
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns) override {
    market_data_.OnDisconnected(reason, now_ns);
  }
  void Resync(core::InstrumentId instrument, core::BookReason reason,
              std::int64_t now_ns) override {
    market_data_.Resync(instrument, reason, now_ns);
  }
  FeedCounts counts() const override {
    const OkxMarketDataCounters& c = market_data_.counters();
    return FeedCounts{c.frames, c.parse_errors, market_data_.queue_drops()};
  }

 private:
  const OkxFeedOptions options_;  // a copy: the factory need not outlive the protocol
  const core::SymbolRegistry& registry_;
  OkxMarketData market_data_;
};

struct InstrumentFields {
  std::string_view inst_id, tick, lot, min_size, max_size, state;
};

// A decimal field into a mantissa at `scale`; an empty text leaves the default (OKX writes "" for
// what does not apply).
bool ReadDecimal(std::string_view text, int scale, std::int64_t* mantissa) {
  if (text.empty()) return true;
  return core::ParseDecimal(text, scale, mantissa) == core::DecimalError::kOk && *mantissa >= 0;
}

}  // namespace

feeds::VenueProtocolFactory OkxProtocolFactory(OkxFeedOptions options) {
  return [options = std::move(options)](const VenueProtocolContext& context) {
    return std::make_unique<OkxProtocol>(options, context);
  };
}

core::Result<std::vector<core::InstrumentRules>> ParseOkxInstruments(
    std::string_view body, const core::SymbolRegistry& registry) {
  const auto refuse = [](std::string message) {
    return core::Status(core::ErrorCode::kUnavailable, "OKX instruments: " + std::move(message));
  };
  const simdjson::padded_string padded(body);
  od::parser parser;
  od::document doc;
  od::object root;
  if (parser.iterate(padded).get(doc) || doc.get_object().get(root)) {
    return refuse("not a JSON object");
  }
  std::string_view code, message;
  bool has_data = false;
  std::vector<InstrumentFields> items;
  const FeedParseError error = ForEachField(root, [&](std::string_view key, od::value& value) {
    if (key == "code") return StringText(value, &code);
    if (key == "msg") return StringText(value, &message);
    if (key != "data") return FeedParseError::kOk;
    has_data = true;
    od::array data;
    if (auto e = value.get_array().get(data); e) return FromSimdjson(e);
    return ForEachElement(data, [&](od::value& element) {
      od::object item;
      if (auto e = element.get_object().get(item); e) return FromSimdjson(e);
      InstrumentFields fields;
      auto e = ForEachField(item, [&](std::string_view k, od::value& v) {
        std::string_view* target = k == "instId"     ? &fields.inst_id
                                   : k == "tickSz"   ? &fields.tick
                                   : k == "lotSz"    ? &fields.lot
                                   : k == "minSz"    ? &fields.min_size
                                   : k == "maxLmtSz" ? &fields.max_size
                                   : k == "state"    ? &fields.state
                                                     : nullptr;
        return target != nullptr ? StringText(v, target) : FeedParseError::kOk;
      });
      if (e == FeedParseError::kOk) items.push_back(fields);
      return e;
    });
  });
  if (error != FeedParseError::kOk || !json::AtEnd(doc)) {
    return refuse(fmt::format("malformed body ({})", FeedParseErrorName(error)));
  }
  if (code != "0") {
    return refuse(
        fmt::format("code \"{}\": {}", code.substr(0, 16), message.substr(0, kMaxVenueMessage)));
  }
  if (!has_data) return refuse("no data");
  std::vector<core::InstrumentRules> rules;
  for (const InstrumentFields& item : items) {
    const core::Instrument* instrument =
        registry.FindByVenueSymbol(core::Venue::kOkx, item.inst_id);
    if (instrument == nullptr) continue;
    core::InstrumentRules r;
    r.instrument = instrument->id;
    r.status = ToTradingStatus(item.state);
    const int ps = instrument->price_scale;
    const int qs = instrument->quantity_scale;
    std::int64_t tick = 0, lot = 0, min_size = 0, max_size = 0;
    bool ok = !item.tick.empty() && ReadDecimal(item.tick, ps, &tick) && !item.lot.empty() &&
              ReadDecimal(item.lot, qs, &lot) && ReadDecimal(item.min_size, qs, &min_size);
    if (ok && !item.max_size.empty()) {
      // A maximum is a limit: one beyond int64 at this scale (ETH-USDT's 999999999999 at 8
      // digits) saturates instead of failing.
      const core::DecimalError e = core::ParseDecimal(item.max_size, qs, &max_size);
      if (e == core::DecimalError::kOverflow) {
        max_size = INT64_MAX;
      } else {
        ok = e == core::DecimalError::kOk && max_size >= 0;
      }
    }
    if (!ok) {
      spdlog::warn(
          "OKX instruments: {} has a tick, lot or size that does not fit its scales; "
          "no rules for it",
          instrument->venue_symbol);
      continue;
    }
    r.tick_size = core::Price::FromMantissa(tick);
    r.lot_size = core::Quantity::FromMantissa(lot);
    r.min_quantity = core::Quantity::FromMantissa(min_size);
    r.max_quantity = core::Quantity::FromMantissa(max_size);
    rules.push_back(r);  // OKX lists no minimum notional: it stays 0
  }
  return rules;
}

}  // namespace tradingd::feeds::okx
