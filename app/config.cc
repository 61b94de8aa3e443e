#include "app/config.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "core/decimal.h"
#include "core/instrument.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "feeds/bybit/bybit_feed.h"
#include "net/url.h"
#include "risk/rate_limiter.h"

namespace tradingd::app {
namespace {

using core::ErrorCode;
using core::Status;

// Raised while walking the document; carries "FILE:LINE:COLUMN: reason".
struct ConfigError {
  std::string message;
};

std::string Where(const std::string& source, const toml::source_region& region) {
  return fmt::format("{}:{}:{}", source, region.begin.line, region.begin.column);
}

[[noreturn]] void Fail(const std::string& source, const toml::node& node, const std::string& what) {
  throw ConfigError{fmt::format("{}: {}", Where(source, node.source()), what)};
}

// Walks one table, refusing unknown keys, and reading known ones with type checks.
class TableReader {
 public:
  TableReader(const std::string& source, const toml::table& table, std::string path)
      : source_(source), table_(table), path_(std::move(path)) {}

  // Refuses any key that no reader asked for. Call after the last read.
  void Finish() const {
    for (const auto& [key, node] : table_) {
      if (known_.count(std::string(key.str())) == 0) {
        throw ConfigError{fmt::format("{}: unknown key '{}' in {}",
                                      Where(source_, key.source()), key.str(), path_)};
      }
    }
  }

  const toml::node* Get(const char* key) {
    known_.insert(key);
    return table_.get(key);
  }

  void String(const char* key, std::string* out) {
    if (const toml::node* node = Get(key)) {
      if (!node->is_string()) Fail(source_, *node, fmt::format("{}.{} must be a string", path_, key));
      *out = node->as_string()->get();
    }
  }

  void Bool(const char* key, bool* out) {
    if (const toml::node* node = Get(key)) {
      if (!node->is_boolean()) Fail(source_, *node, fmt::format("{}.{} must be true or false", path_, key));
      *out = node->as_boolean()->get();
    }
  }

  template <typename T>
  void Integer(const char* key, T* out, std::int64_t min, std::int64_t max) {
    if (const toml::node* node = Get(key)) {
      if (!node->is_integer()) Fail(source_, *node, fmt::format("{}.{} must be an integer", path_, key));
      const std::int64_t value = node->as_integer()->get();
      if (value < min || value > max) {
        Fail(source_, *node, fmt::format("{}.{} = {} is out of range [{}, {}]", path_, key, value, min, max));
      }
      *out = static_cast<T>(value);
    }
  }

  void Millis(const char* key, std::chrono::milliseconds* out, std::int64_t min, std::int64_t max) {
    std::int64_t value = out->count();
    Integer(key, &value, min, max);
    *out = std::chrono::milliseconds(value);
  }

  void StringList(const char* key, std::vector<std::string>* out) {
    if (const toml::node* node = Get(key)) {
      const toml::array* array = node->as_array();
      if (array == nullptr) Fail(source_, *node, fmt::format("{}.{} must be an array of strings", path_, key));
      out->clear();
      for (const toml::node& item : *array) {
        if (!item.is_string()) Fail(source_, item, fmt::format("{}.{} must hold only strings", path_, key));
        out->push_back(item.as_string()->get());
      }
    }
  }

  const toml::table* Table(const char* key) {
    if (const toml::node* node = Get(key)) {
      if (!node->is_table()) Fail(source_, *node, fmt::format("{}.{} must be a table", path_, key));
      return node->as_table();
    }
    return nullptr;
  }

  const toml::node* Node(const char* key) { return table_.get(key); }
  const std::string& source() const { return source_; }

 private:
  const std::string& source_;
  const toml::table& table_;
  std::string path_;
  std::set<std::string> known_;
};

struct VenueDefaults {
  const char* ws_url;
  const char* rest_url;
  const char* key_env;
  const char* secret_env;
  const char* passphrase_env;
};

VenueDefaults DefaultsFor(core::Venue venue) {
  switch (venue) {
    case core::Venue::kBinance:
      return {"wss://stream.binance.com:9443", "https://api.binance.com", "BINANCE_API_KEY",
              "BINANCE_API_SECRET", nullptr};
    case core::Venue::kBinanceUsdm:
      return {"wss://fstream.binance.com", "https://fapi.binance.com", "BINANCE_API_KEY",
              "BINANCE_API_SECRET", nullptr};
    case core::Venue::kCoinbase:
      return {"wss://ws-feed.exchange.coinbase.com", "https://api.exchange.coinbase.com",
              "COINBASE_API_KEY", "COINBASE_API_SECRET", "COINBASE_PASSPHRASE"};
    case core::Venue::kKraken:
      return {"wss://ws.kraken.com/v2", "https://api.kraken.com", "KRAKEN_API_KEY",
              "KRAKEN_API_SECRET", nullptr};
    case core::Venue::kOkx:
      return {"wss://ws.okx.com:8443/ws/v5/public", "https://www.okx.com", "OKX_API_KEY",
              "OKX_API_SECRET", "OKX_PASSPHRASE"};
    case core::Venue::kBybit:
      return {"wss://stream.bybit.com/v5/public/spot", "https://api.bybit.com", "BYBIT_API_KEY",
              "BYBIT_API_SECRET", nullptr};
  }
  return {"", "", "", "", nullptr};
}

// The options only some venues take, checked against what that venue accepts.
template <typename Reader>
void CheckVenueOptions(const std::string& source, const toml::table& table, Reader& reader,
                       const std::string& path, VenueConfig* config) {
  const core::Venue venue = config->venue;
  const auto refuse = [&](const char* key, const std::string& why) {
    Fail(source, reader.Node(key) != nullptr ? *reader.Node(key) : table,
         fmt::format("{} {}: {}", path, key, why));
  };
  const bool binance = venue == core::Venue::kBinance || venue == core::Venue::kBinanceUsdm;
  if (reader.Node("snapshot_depth") != nullptr && !binance) {
    refuse("snapshot_depth", "only Binance books take a REST snapshot (use book_depth)");
  }
  if (reader.Node("book_depth") != nullptr) {
    const int depth = config->book_depth;
    if (venue == core::Venue::kKraken) {
      if (depth != 10 && depth != 25 && depth != 100 && depth != 500 && depth != 1000) {
        refuse("book_depth", fmt::format("Kraken books are 10, 25, 100, 500 or 1000 deep, not {}", depth));
      }
    } else if (venue == core::Venue::kBybit) {
      // Bybit publishes the same depths on spot and linear (its v5 orderbook page; a live linear
      // connection refuses orderbook.500).
      if (depth != 1 && depth != 50 && depth != 200 && depth != 1000) {
        refuse("book_depth", fmt::format("Bybit books are 1, 50, 200 or 1000 deep, not {}", depth));
      }
    } else {
      refuse("book_depth", fmt::format("{} takes no book depth", core::VenueName(venue)));
    }
  }
  if (venue == core::Venue::kBybit && !feeds::bybit::CategoryOfUrl(config->ws_url).has_value()) {
    refuse("ws_url", fmt::format("'{}' is not a Bybit public stream: its path must end in "
                                 "/v5/public/spot or /v5/public/linear",
                                 config->ws_url));
  }
  if (reader.Node("feed") != nullptr) {
    if (venue != core::Venue::kCoinbase) {
      refuse("feed", "only Coinbase has two feeds");
    } else if (config->feed != "exchange" && config->feed != "advanced-trade") {
      refuse("feed", fmt::format("must be \"exchange\" or \"advanced-trade\", not \"{}\"",
                                 config->feed));
    }
  }
  if (venue == core::Venue::kCoinbase && config->feed.empty()) config->feed = "exchange";
  if (!binance && (reader.Node("partial_depth_instruments") != nullptr ||
                   reader.Node("partial_depth_levels") != nullptr)) {
    refuse(reader.Node("partial_depth_instruments") != nullptr ? "partial_depth_instruments"
                                                               : "partial_depth_levels",
           "partial depth streams are Binance's");
  }
  const int levels = config->partial_depth_levels;
  if (levels != 5 && levels != 10 && levels != 20) {
    refuse("partial_depth_levels", fmt::format("must be 5, 10 or 20, not {}", levels));
  }
  for (const std::string& instrument : config->partial_depth_instruments) {
    const bool listed = std::any_of(
        config->instruments.begin(), config->instruments.end(),
        [&](const std::string& listed_instrument) {
          return core::EqualsIgnoreCase(listed_instrument, instrument);
        });
    if (!listed) {
      refuse("partial_depth_instruments",
             fmt::format("'{}' is not one of this venue's instruments", instrument));
    }
  }
}

void CheckUrl(const std::string& source, const toml::node* node, const std::string& url,
              std::initializer_list<const char*> schemes, const std::string& what) {
  auto parsed = net::Url::Parse(url);
  bool scheme_ok = false;
  if (parsed.ok()) {
    for (const char* scheme : schemes) scheme_ok = scheme_ok || parsed->scheme == scheme;
  }
  if (!parsed.ok() || !scheme_ok) {
    const std::string reason = parsed.ok() ? "wrong scheme" : parsed.status().message();
    const std::string message = fmt::format("{} '{}' is not a valid URL ({})", what, url, reason);
    if (node != nullptr) Fail(source, *node, message);
    throw ConfigError{fmt::format("{}: {}", source, message)};
  }
}

VenueConfig ReadVenue(const std::string& source, core::Venue venue, const toml::table* table,
                      const EnvLookup& env) {
  VenueConfig config;
  config.venue = venue;
  const VenueDefaults defaults = DefaultsFor(venue);
  config.ws_url = defaults.ws_url;
  config.rest_url = defaults.rest_url;
  auto secret = [&](const char* name) -> std::string {
    if (name == nullptr) return {};
    return env(name).value_or("");
  };
  config.credentials.api_key = secret(defaults.key_env);
  config.credentials.api_secret = secret(defaults.secret_env);
  config.credentials.passphrase = secret(defaults.passphrase_env);
  if (table == nullptr) return config;

  const std::string path = fmt::format("[venues.{}]", core::VenueName(venue));
  TableReader reader(source, *table, path);
  reader.Bool("enabled", &config.enabled);
  reader.String("feed", &config.feed);
  if (venue == core::Venue::kCoinbase && config.feed == "advanced-trade") {
    // The Advanced Trade feed lives elsewhere than the Exchange's.
    config.ws_url = "wss://advanced-trade-ws.coinbase.com";
    config.rest_url = "https://api.coinbase.com";
  }
  reader.String("ws_url", &config.ws_url);
  reader.String("rest_url", &config.rest_url);
  reader.StringList("instruments", &config.instruments);
  reader.Integer("snapshot_depth", &config.snapshot_depth, 5, 5000);
  reader.Integer("book_depth", &config.book_depth, 1, 1000);
  reader.StringList("partial_depth_instruments", &config.partial_depth_instruments);
  reader.Integer("partial_depth_levels", &config.partial_depth_levels, 5, 20);
  reader.StringList("replay_files", &config.replay_files);
  reader.Millis("silence_timeout_ms", &config.silence_timeout, 100, 600000);
  reader.Millis("reconnect_min_ms", &config.reconnect_min, 10, 600000);
  reader.Millis("reconnect_max_ms", &config.reconnect_max, 10, 3600000);
  reader.Bool("verify_tls", &config.verify_tls);
  reader.String("ca_file", &config.ca_file);
  reader.Millis("recv_window_ms", &config.recv_window, 100, 60000);
  reader.Millis("order_timeout_ms", &config.order_timeout, 100, 120000);
  if (const toml::table* limits = reader.Table("rate_limits")) {
    const risk::VenueRateLimits published = risk::DefaultRateLimits(venue);
    std::string known;
    for (const risk::RateWindow& window : published.windows) {
      known += (known.empty() ? "\"" : ", \"") + window.name + "\"";
    }
    TableReader limit_reader(source, *limits, path + " rate_limits");
    for (const auto& [key, node] : *limits) {
      const std::string name(key.str());
      const bool listed = std::any_of(published.windows.begin(), published.windows.end(),
                                      [&](const risk::RateWindow& w) { return w.name == name; });
      if (!listed) {
        throw ConfigError{fmt::format("{}: {} rate_limits: unknown window \"{}\" (known: {})",
                                      Where(source, key.source()), path, name, known)};
      }
      std::int64_t value = 0;
      limit_reader.Integer(name.c_str(), &value, 1, 1'000'000'000);
      config.rate_limits[name] = value;
    }
    limit_reader.Finish();
  }
  for (const char* forbidden : {"api_key", "api_secret", "secret", "passphrase"}) {
    if (const toml::node* node = reader.Node(forbidden)) {
      Fail(source, *node,
           fmt::format("{} {}: secrets are read from the environment only ({}), never from a file",
                       path, forbidden, defaults.key_env));
    }
  }
  reader.Finish();
  CheckVenueOptions(source, *table, reader, path, &config);
  CheckUrl(source, reader.Node("ws_url"), config.ws_url, {"ws", "wss"}, path + " ws_url");
  CheckUrl(source, reader.Node("rest_url"), config.rest_url, {"http", "https"}, path + " rest_url");
  if (config.reconnect_min > config.reconnect_max) {
    Fail(source, *table, path + " reconnect_min_ms must not exceed reconnect_max_ms");
  }
  std::set<std::string> seen;
  for (const std::string& instrument : config.instruments) {
    const auto dash = instrument.find('-');
    core::SymbolRegistry probe;
    if (dash == std::string::npos ||
        !probe.Add(venue, instrument.substr(0, dash), instrument.substr(dash + 1)).ok()) {
      Fail(source, *reader.Node("instruments"),
           fmt::format("{} instrument '{}' must be BASE-QUOTE, such as BTC-USDT", path, instrument));
    }
    if (!seen.insert(core::CanonicalAsset(instrument)).second) {
      Fail(source, *reader.Node("instruments"),
           fmt::format("{} instrument '{}' is listed twice", path, instrument));
    }
  }
  if (config.enabled && config.instruments.empty()) {
    Fail(source, *table, path + " is enabled but lists no instruments");
  }
  return config;
}

// A positive decimal limit ("50000", "0.5"), exact at 8 decimals.
void ReadLimit(TableReader& reader, const char* key, const std::string& path, std::string* out) {
  const toml::node* node = reader.Get(key);
  if (node == nullptr) return;
  if (!node->is_string()) {
    Fail(reader.source(), *node,
         fmt::format("{}.{} must be a decimal string such as \"50000\" (a TOML number may "
                     "already have lost digits)",
                     path, key));
  }
  const std::string text = node->as_string()->get();
  std::int64_t mantissa = 0;
  const core::DecimalError error = core::ParseDecimal(text, 8, &mantissa);
  if (error != core::DecimalError::kOk || mantissa <= 0) {
    Fail(reader.source(), *node,
         fmt::format("{}.{} = \"{}\" must be a positive decimal with at most 8 decimals{}", path,
                     key, text,
                     error != core::DecimalError::kOk
                         ? fmt::format(" ({})", core::DecimalErrorText(error))
                         : ""));
  }
  *out = text;
}

void ReadRisk(const std::string& source, const toml::table& table, RiskConfig* risk) {
  TableReader reader(source, table, "[risk]");
  reader.Integer("price_collar_bps", &risk->price_collar_bps, 0, 10000);
  reader.Integer("taker_fee_ppm", &risk->taker_fee_ppm, 0, 100000);
  ReadLimit(reader, "max_order_notional", "[risk]", &risk->max_order_notional);
  if (const toml::table* instruments = reader.Table("instruments")) {
    for (const auto& [key, node] : *instruments) {
      const std::string name(key.str());
      const std::string path = fmt::format("[risk.instruments.\"{}\"]", name);
      const auto dash = name.find('-');
      if (dash == std::string::npos || dash == 0 || dash + 1 == name.size()) {
        throw ConfigError{fmt::format("{}: {} must name an instrument as BASE-QUOTE",
                                      Where(source, key.source()), path)};
      }
      if (!node.is_table()) Fail(source, node, path + " must be a table");
      TableReader limits(source, *node.as_table(), path);
      InstrumentRiskConfig entry;
      ReadLimit(limits, "max_order_quantity", path, &entry.max_order_quantity);
      ReadLimit(limits, "max_order_notional", path, &entry.max_order_notional);
      limits.Finish();
      risk->instruments[core::CanonicalAsset(name.substr(0, dash)) + "-" +
                        core::CanonicalAsset(name.substr(dash + 1))] = entry;
    }
  }
  if (const toml::table* positions = reader.Table("max_position")) {
    TableReader limits(source, *positions, "[risk.max_position]");
    for (const auto& [key, node] : *positions) {
      std::string value;
      ReadLimit(limits, std::string(key.str()).c_str(), "[risk.max_position]", &value);
      risk->max_position[core::CanonicalAsset(key.str())] = value;
    }
    limits.Finish();
  }
  reader.Finish();
}

Config ReadDocument(const toml::table& root, const std::string& source, const EnvLookup& env) {
  Config config;
  config.source = source;
  TableReader top(source, root, "the top level");

  std::string mode = "sandbox";
  top.String("mode", &mode);
  if (mode == "sandbox") {
    config.mode = Mode::kSandbox;
  } else if (mode == "live") {
    config.mode = Mode::kLive;
  } else {
    Fail(source, *top.Node("mode"), fmt::format("mode must be \"sandbox\" or \"live\", got \"{}\"", mode));
  }

  if (const toml::table* server = top.Table("server")) {
    TableReader reader(source, *server, "[server]");
    std::string listen;
    reader.String("listen", &listen);
    if (!listen.empty()) {
      Status status = ApplyListenOverride(config, listen);
      if (!status.ok()) Fail(source, *reader.Node("listen"), status.message());
    }
    reader.Finish();
  }
  if (const toml::table* state = top.Table("state")) {
    TableReader reader(source, *state, "[state]");
    reader.String("dir", &config.state_dir);
    reader.Finish();
  }
  if (auto dir = env("TRADINGD_STATE_DIR"); dir && !dir->empty()) config.state_dir = *dir;

  if (const toml::table* log = top.Table("log")) {
    TableReader reader(source, *log, "[log]");
    reader.String("level", &config.log.level);
    reader.String("format", &config.log.format);
    static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn",
                                                  "error", "critical", "off"};
    if (kLevels.count(config.log.level) == 0) {
      Fail(source, *reader.Node("level"), "log.level must be one of trace, debug, info, warn, error, critical, off");
    }
    if (config.log.format != "plain" && config.log.format != "json") {
      Fail(source, *reader.Node("format"), "log.format must be \"plain\" or \"json\"");
    }
    reader.Finish();
  }
  if (const toml::table* engine = top.Table("engine")) {
    TableReader reader(source, *engine, "[engine]");
    reader.Integer("queue_capacity", &config.engine.queue_capacity, 1024, 1024 * 1024);
    reader.Integer("publish_depth", &config.engine.publish_depth, 1, 5000);
    std::int64_t interval_us = config.engine.publish_interval.count();
    reader.Integer("publish_interval_us", &interval_us, 100, 1000000);
    config.engine.publish_interval = std::chrono::microseconds(interval_us);
    reader.Finish();
  }
  if (const toml::table* sandbox = top.Table("sandbox")) {
    TableReader reader(source, *sandbox, "[sandbox]");
    reader.Integer("seed", &config.sandbox.seed, 0, INT64_MAX);
    reader.String("market", &config.sandbox.market);
    reader.StringList("replay_files", &config.sandbox.replay_files);
    reader.Bool("replay_fast", &config.sandbox.replay_fast);
    reader.Integer("changes_per_second", &config.sandbox.changes_per_second, 1, 10000000);
    reader.Millis("depth_interval_ms", &config.sandbox.depth_interval, 1, 10000);
    if (config.sandbox.market != "synthetic" && config.sandbox.market != "replay") {
      Fail(source, *reader.Node("market"), "sandbox.market must be \"synthetic\" or \"replay\"");
    }
    reader.Finish();
  }

  if (const toml::table* risk = top.Table("risk")) ReadRisk(source, *risk, &config.risk);
  if (const toml::table* orders = top.Table("orders")) {
    TableReader reader(source, *orders, "[orders]");
    reader.Millis("poll_interval_ms", &config.orders.poll_interval, 0, 3600000);
    reader.Millis("unknown_query_interval_ms", &config.orders.unknown_query_interval, 50, 600000);
    reader.Finish();
  }

  const toml::table* venues = top.Table("venues");
  top.Finish();
  std::set<std::string> venue_keys;
  if (venues != nullptr) {
    for (const auto& [key, node] : *venues) {
      if (!core::ParseVenue(key.str())) {
        throw ConfigError{fmt::format(
            "{}: unknown venue '{}' in [venues] (known: binance, binance-usdm, coinbase, kraken, "
            "okx, bybit)",
            Where(source, key.source()), key.str())};
      }
      if (!node.is_table()) Fail(source, node, fmt::format("[venues.{}] must be a table", key.str()));
    }
  }
  for (int i = 0; i < core::kVenueCount; ++i) {
    const auto venue = static_cast<core::Venue>(i);
    const toml::table* table = nullptr;
    if (venues != nullptr) {
      if (const toml::node* node = venues->get(core::VenueName(venue))) table = node->as_table();
    }
    config.venues.push_back(ReadVenue(source, venue, table, env));
  }
  if (config.EnabledVenues().empty()) {
    throw ConfigError{fmt::format("{}: no venue is enabled ([venues.<name>] enabled = true)", source)};
  }
  if (config.mode == Mode::kSandbox && config.sandbox.market == "replay") {
    for (const VenueConfig* venue : config.EnabledVenues()) {
      if (venue->replay_files.empty() && config.sandbox.replay_files.empty()) {
        throw ConfigError{fmt::format(
            "{}: sandbox.market = \"replay\" needs sandbox.replay_files (or [venues.{}] replay_files)",
            source, core::VenueName(venue->venue))};
      }
    }
  }
  return config;
}

}  // namespace

const char* ModeName(Mode mode) { return mode == Mode::kSandbox ? "sandbox" : "live"; }

const VenueConfig* Config::Venue(core::Venue venue) const {
  for (const VenueConfig& v : venues) {
    if (v.venue == venue) return &v;
  }
  return nullptr;
}

std::vector<const VenueConfig*> Config::EnabledVenues() const {
  std::vector<const VenueConfig*> out;
  for (const VenueConfig& v : venues) {
    if (v.enabled) out.push_back(&v);
  }
  return out;
}

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Status ApplyListenOverride(Config& config, std::string_view listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == listen.size()) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("listen address '{}' must be ADDRESS:PORT, such as 127.0.0.1:8080", listen));
  }
  std::string address(listen.substr(0, colon));
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  const std::string port_text(listen.substr(colon + 1));
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      return Status(ErrorCode::kInvalidConfig, fmt::format("listen port '{}' is not a number", port_text));
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) {
    return Status(ErrorCode::kInvalidConfig, fmt::format("listen port {} is out of range", port));
  }
  config.listen_address = address;
  config.listen_port = static_cast<std::uint16_t>(port);
  return Status::Ok();
}

core::Result<Config> ParseConfig(std::string_view text, const std::string& source,
                                 const EnvLookup& env) {
  try {
    toml::table root = toml::parse(text, source);
    return ReadDocument(root, source, env);
  } catch (const toml::parse_error& error) {
    return Status(ErrorCode::kInvalidConfig,
                  fmt::format("{}: {}", Where(source, error.source()), error.description()));
  } catch (const ConfigError& error) {
    return Status(ErrorCode::kInvalidConfig, error.message);
  }
}

core::Result<Config> LoadConfig(const std::string& path, const EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(ErrorCode::kInvalidConfig, fmt::format("{}: cannot open the file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path, env);
}

std::string ConfigToJson(const Config& config) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("source").String(config.source);
  w.Key("mode").String(ModeName(config.mode));
  w.Key("server").BeginObject();
  w.Key("listen").String(fmt::format("{}:{}", config.listen_address, config.listen_port));
  w.EndObject();
  w.Key("state_dir").String(config.state_dir);
  w.Key("log").BeginObject().Key("level").String(config.log.level).Key("format").String(config.log.format).EndObject();
  w.Key("engine").BeginObject();
  w.Key("queue_capacity").Uint(config.engine.queue_capacity);
  w.Key("publish_depth").Uint(config.engine.publish_depth);
  w.Key("publish_interval_us").Int(config.engine.publish_interval.count());
  w.EndObject();
  w.Key("risk").BeginObject();
  w.Key("price_collar_bps").Int(config.risk.price_collar_bps);
  w.Key("taker_fee_ppm").Int(config.risk.taker_fee_ppm);
  w.Key("max_order_notional");
  if (config.risk.max_order_notional.empty()) {
    w.Null();
  } else {
    w.String(config.risk.max_order_notional);
  }
  w.Key("instruments").BeginObject();
  for (const auto& [name, limits] : config.risk.instruments) {
    w.Key(name).BeginObject();
    w.Key("max_order_quantity").String(limits.max_order_quantity);
    w.Key("max_order_notional").String(limits.max_order_notional);
    w.EndObject();
  }
  w.EndObject();
  w.Key("max_position").BeginObject();
  for (const auto& [asset, limit] : config.risk.max_position) w.Key(asset).String(limit);
  w.EndObject();
  w.EndObject();
  w.Key("orders").BeginObject();
  w.Key("poll_interval_ms").Int(config.orders.poll_interval.count());
  w.Key("unknown_query_interval_ms").Int(config.orders.unknown_query_interval.count());
  w.EndObject();
  w.Key("venues").BeginObject();
  for (const VenueConfig& venue : config.venues) {
    w.Key(core::VenueName(venue.venue)).BeginObject();
    w.Key("enabled").Bool(venue.enabled);
    w.Key("ws_url").String(venue.ws_url);
    w.Key("rest_url").String(venue.rest_url);
    w.Key("instruments").BeginArray();
    for (const std::string& instrument : venue.instruments) w.String(instrument);
    w.EndArray();
    if (venue.venue == core::Venue::kBinance || venue.venue == core::Venue::kBinanceUsdm) {
      w.Key("snapshot_depth").Int(venue.snapshot_depth);
      w.Key("partial_depth_instruments").BeginArray();
      for (const std::string& instrument : venue.partial_depth_instruments) w.String(instrument);
      w.EndArray();
      w.Key("partial_depth_levels").Int(venue.partial_depth_levels);
    }
    if (venue.book_depth != 0) w.Key("book_depth").Int(venue.book_depth);
    if (!venue.feed.empty()) w.Key("feed").String(venue.feed);
    if (!venue.replay_files.empty()) {
      w.Key("replay_files").BeginArray();
      for (const std::string& file : venue.replay_files) w.String(file);
      w.EndArray();
    }
    w.Key("silence_timeout_ms").Int(venue.silence_timeout.count());
    w.Key("reconnect_min_ms").Int(venue.reconnect_min.count());
    w.Key("reconnect_max_ms").Int(venue.reconnect_max.count());
    w.Key("verify_tls").Bool(venue.verify_tls);
    w.Key("recv_window_ms").Int(venue.recv_window.count());
    w.Key("order_timeout_ms").Int(venue.order_timeout.count());
    w.Key("rate_limits").BeginObject();
    for (const auto& [name, limit] : venue.rate_limits) w.Key(name).Int(limit);
    w.EndObject();
    w.Key("api_key_set").Bool(!venue.credentials.api_key.empty());
    w.Key("api_secret_set").Bool(!venue.credentials.api_secret.empty());
    if (DefaultsFor(venue.venue).passphrase_env != nullptr) {
      w.Key("passphrase_set").Bool(!venue.credentials.passphrase.empty());
    }
    w.EndObject();
  }
  w.EndObject();
  if (config.mode == Mode::kSandbox) {
    w.Key("sandbox").BeginObject();
    w.Key("seed").Uint(config.sandbox.seed);
    w.Key("market").String(config.sandbox.market);
    w.Key("replay_files").BeginArray();
    for (const std::string& file : config.sandbox.replay_files) w.String(file);
    w.EndArray();
    w.Key("replay_fast").Bool(config.sandbox.replay_fast);
    w.Key("changes_per_second").Int(config.sandbox.changes_per_second);
    w.Key("depth_interval_ms").Int(config.sandbox.depth_interval.count());
    w.EndObject();
  }
  w.EndObject();
  return w.Take();
}

}  // namespace tradingd::app
