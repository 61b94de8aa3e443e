#pragma once
// The daemon's configuration: loaded from TOML, validated completely at start (an unknown key or a
// bad value fails with the file, line and reason), secrets taken from the environment only.
//
// Thread contract: loaded on the main thread before any other thread starts; read-only afterwards.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/venue.h"

namespace tradingd::app {

enum class Mode { kSandbox, kLive };
const char* ModeName(Mode mode);

struct LogConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "plain";  // plain or json
};

struct EngineConfig {
  std::size_t queue_capacity = 65536;  // inbound events; a full queue marks books STALE
  std::size_t publish_depth = 1000;    // levels per side published for /orderbook
  std::chrono::microseconds publish_interval{2000};
};

// API credentials, read from the environment under the names users already know. Kept out of
// every log line, error, /config answer and journal row.
struct Credentials {
  std::string api_key;
  std::string api_secret;
  std::string passphrase;
};

struct VenueConfig {
  core::Venue venue = core::Venue::kBinance;
  bool enabled = false;
  std::string ws_url;    // market-data WebSocket base, e.g. wss://stream.binance.com:9443
  std::string rest_url;  // REST base, e.g. https://api.binance.com
  std::vector<std::string> instruments;  // canonical BASE-QUOTE
  int snapshot_depth = 1000;  // Binance: the REST snapshot's limit
  // The book depth subscribed: Kraken 10, 25, 100, 500 or 1000 (default 10); Bybit 1, 50, 200 or
  // 1000 (default 50). 0: the venue's default. Others take no depth.
  int book_depth = 0;
  // Coinbase only: "exchange" (the Coinbase Exchange feed, the default) or "advanced-trade".
  std::string feed;
  // Binance only: instruments whose book comes from the partial book depth stream
  // (<sym>@depth<N>@100ms: the best N levels every 100 ms, no snapshot needed) instead of diffs.
  std::vector<std::string> partial_depth_instruments;
  int partial_depth_levels = 20;  // 5, 10 or 20
  // Sandbox with market = "replay": this venue's capture files (the [sandbox] list when empty).
  std::vector<std::string> replay_files;
  std::chrono::milliseconds silence_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  bool verify_tls = true;
  std::string ca_file;
  Credentials credentials;
  // Order entry: the receive window signed into each request (Binance recvWindow, Bybit
  // X-BAPI-RECV-WINDOW), and how long an order waits for the venue's answer before it is UNKNOWN.
  std::chrono::milliseconds recv_window{5000};
  std::chrono::milliseconds order_timeout{5000};
  // Overrides of the venue's published rate limits, by window name ("ORDERS 10s" = 50): what
  // risk allows, and in sandbox mode also what the sandbox venue enforces.
  std::map<std::string, std::int64_t> rate_limits;
};

// Per-instrument risk limits; decimal strings, validated at load. Empty: no limit.
struct InstrumentRiskConfig {
  std::string max_order_quantity;
  std::string max_order_notional;
};

struct RiskConfig {
  std::int64_t price_collar_bps = 500;  // limit prices within this many bps of the live mid
  std::string max_order_notional;       // default for every instrument, quote units; "": none
  // Canonical instrument ("BTC-USDT", on every venue that lists it) → its limits.
  std::map<std::string, InstrumentRiskConfig> instruments;
  // Canonical asset ("BTC") → max position summed over venues, in asset units.
  std::map<std::string, std::string> max_position;
  // Fee reserved on top of a buy's notional (parts per million; 1000 = 0.1 %).
  std::int64_t taker_fee_ppm = 1000;
};

struct OrdersConfig {
  // How often open orders are polled for fills (until private streams land), and UNKNOWN orders
  // queried.
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds unknown_query_interval{500};
};

struct SandboxConfig {
  std::uint64_t seed = 42;
  std::string market = "synthetic";  // synthetic or replay
  std::vector<std::string> replay_files;
  bool replay_fast = false;            // replay as fast as possible instead of at recorded pace
  int changes_per_second = 200;        // synthetic order-flow rate per symbol
  std::chrono::milliseconds depth_interval{100};
};

struct Config {
  std::string source;  // the file it came from, for messages
  Mode mode = Mode::kSandbox;
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string state_dir = "./state";
  LogConfig log;
  EngineConfig engine;
  std::vector<VenueConfig> venues;  // one per known venue, enabled or not
  SandboxConfig sandbox;
  RiskConfig risk;
  OrdersConfig orders;

  const VenueConfig* Venue(core::Venue venue) const;
  std::vector<const VenueConfig*> EnabledVenues() const;
};

// Reads an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup ProcessEnvironment();

// Parses and validates the file. Errors read "FILE:LINE:COLUMN: reason".
core::Result<Config> LoadConfig(const std::string& path, const EnvLookup& env);
core::Result<Config> ParseConfig(std::string_view text, const std::string& source,
                                 const EnvLookup& env);

// Applies "--listen ADDR:PORT" over the file's value.
core::Status ApplyListenOverride(Config& config, std::string_view listen);

// The effective configuration as JSON; secrets appear only as whether they are set.
std::string ConfigToJson(const Config& config);

}  // namespace tradingd::app
