#include "app/venues.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include <fmt/format.h>

#include "feeds/binance/binance_feed.h"
#include "feeds/bybit/bybit_feed.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/coinbase/coinbase_feed.h"
#include "feeds/common/venue_feed.h"
#include "feeds/kraken/kraken_feed.h"
#include "feeds/okx/okx_feed.h"
#include "gateways/binance/binance_gateway.h"
#include "gateways/bybit/bybit_gateway.h"
#include "gateways/coinbase/coinbase_gateway.h"
#include "gateways/kraken/kraken_gateway.h"
#include "gateways/okx/okx_gateway.h"
#include "net/url.h"
#include "sim/binance/binance_sim.h"
#include "sim/bybit/bybit_sim.h"
#include "sim/coinbase/coinbase_sim.h"
#include "sim/common/stream_sim.h"
#include "sim/kraken/kraken_sim.h"
#include "sim/okx/okx_sim.h"

namespace tradingd::app {
namespace {

bool IsBinance(core::Venue venue) {
  return venue == core::Venue::kBinance || venue == core::Venue::kBinanceUsdm;
}

// Bybit's category is the last segment of its public stream's path (/v5/public/spot|linear); the
// config has refused any other path.
std::string BybitCategory(const std::string& ws_url) {
  const auto category = feeds::bybit::CategoryOfUrl(ws_url);
  return std::string(feeds::bybit::CategoryName(category.value_or(feeds::bybit::BybitCategory::kSpot)));
}

bool IsAdvancedTrade(const VenueConfig& venue) { return venue.feed == "advanced-trade"; }

// The venue's own rules for the instruments it knows (BTC, ETH); otherwise a generic market
// around 100 with the venue's spelling.
std::vector<sim::SymbolSpec> DefaultSymbols(const VenueConfig& venue) {
  switch (venue.venue) {
    case core::Venue::kBinance:
      return sim::binance::DefaultSymbols();
    case core::Venue::kBinanceUsdm:
      return sim::binance::DefaultUsdmSymbols();
    case core::Venue::kKraken:
      return sim::kraken::DefaultKrakenSymbols();
    case core::Venue::kOkx:
      return sim::okx::DefaultOkxSymbols();
    case core::Venue::kBybit:
      return sim::bybit::DefaultBybitSymbols(BybitCategory(venue.ws_url));
    case core::Venue::kCoinbase:
      return sim::coinbase::DefaultCoinbaseSymbols();
  }
  return {};
}

std::vector<sim::SymbolSpec> SimSymbols(const VenueConfig& venue,
                                        const core::SymbolRegistry& registry) {
  const std::vector<sim::SymbolSpec> known = DefaultSymbols(venue);
  std::vector<sim::SymbolSpec> symbols;
  for (const core::Instrument* instrument : registry.ForVenue(venue.venue)) {
    const auto it = std::find_if(known.begin(), known.end(), [&](const sim::SymbolSpec& spec) {
      return spec.symbol == instrument->venue_symbol;
    });
    if (it != known.end()) {
      symbols.push_back(*it);
      continue;
    }
    sim::SymbolSpec spec;
    spec.symbol = instrument->venue_symbol;
    spec.base = instrument->base;
    spec.quote = instrument->quote;
    spec.tick_size = 1'000'000;         // 0.01
    spec.lot_size = 100'000;            // 0.001
    spec.start_price = 10'000'000'000;  // 100
    symbols.push_back(std::move(spec));
  }
  return symbols;
}

const std::vector<std::string>& ReplayFiles(const VenueConfig& venue, const SandboxConfig& sandbox) {
  return venue.replay_files.empty() ? sandbox.replay_files : venue.replay_files;
}

std::unique_ptr<sim::StreamDialect> DialectFor(const VenueConfig& venue) {
  switch (venue.venue) {
    case core::Venue::kKraken:
      return sim::kraken::MakeKrakenDialect();
    case core::Venue::kOkx:
      return sim::okx::MakeOkxDialect();
    case core::Venue::kBybit: {
      sim::bybit::BybitDialectOptions options;
      options.category = BybitCategory(venue.ws_url);
      return sim::bybit::MakeBybitDialect(options);
    }
    case core::Venue::kCoinbase: {
      sim::coinbase::CoinbaseDialectOptions options;
      options.feed = IsAdvancedTrade(venue) ? sim::coinbase::CoinbaseSimFeed::kAdvancedTrade
                                            : sim::coinbase::CoinbaseSimFeed::kExchange;
      return sim::coinbase::MakeCoinbaseDialect(options);
    }
    case core::Venue::kBinance:
    case core::Venue::kBinanceUsdm:
      break;
  }
  return nullptr;
}

core::Result<std::unique_ptr<sim::VenueSim>> MakeBinanceSim(boost::asio::io_context& io,
                                                            const VenueConfig& venue,
                                                            const SandboxConfig& sandbox,
                                                            const core::SymbolRegistry& registry) {
  sim::binance::BinanceSimOptions options;
  options.futures = venue.venue == core::Venue::kBinanceUsdm;
  // Futures' plain @depth stream is every 250 ms (spot's every 1,000 ms).
  if (options.futures) options.slow_depth_interval = std::chrono::milliseconds(250);
  options.symbols = SimSymbols(venue, registry);
  options.seed = sandbox.seed;
  options.changes_per_second = sandbox.changes_per_second;
  options.depth_interval = sandbox.depth_interval;
  // A diff interval shorter than the market's step would otherwise be rounded up to the step.
  options.step_interval = std::min(options.step_interval, sandbox.depth_interval);
  if (sandbox.market == "replay") {
    const std::string hint = registry.ForVenue(venue.venue).front()->venue_symbol;
    for (const std::string& file : ReplayFiles(venue, sandbox)) {
      options.replay_files.push_back({file, hint});
    }
  }
  options.replay_pace =
      sandbox.replay_fast ? sim::ReplayPace::kAsFastAsPossible : sim::ReplayPace::kRecorded;
  // Limits the config lowers or raises hold at the sandbox venue too, as they would at a venue
  // that granted them.
  const auto limit = [&](const char* window) -> int {
    auto found = venue.rate_limits.find(window);
    return found == venue.rate_limits.end()
               ? 0
               : static_cast<int>(std::min<std::int64_t>(found->second, INT32_MAX));
  };
  if (const int weight = limit("REQUEST_WEIGHT 1m")) {
    options.rate_limits.request_weight_per_minute = weight;
  }
  if (const int orders = limit("ORDERS 10s")) options.rate_limits.orders_per_10s = orders;
  if (const int orders = limit("ORDERS 1d")) options.rate_limits.orders_per_day = orders;
  return std::unique_ptr<sim::VenueSim>(
      std::make_unique<sim::binance::BinanceSim>(io, std::move(options)));
}

}  // namespace

core::Result<std::unique_ptr<sim::VenueSim>> MakeSandboxVenue(boost::asio::io_context& io,
                                                              const VenueConfig& venue,
                                                              const SandboxConfig& sandbox,
                                                              const core::SymbolRegistry& registry) {
  if (IsBinance(venue.venue)) return MakeBinanceSim(io, venue, sandbox, registry);

  sim::StreamSimOptions options;
  options.symbols = SimSymbols(venue, registry);
  // Each venue gets its own market: the same seed on two venues would make them move in lockstep.
  options.seed = sim::MixSeed(sandbox.seed, static_cast<std::uint64_t>(venue.venue));
  options.changes_per_second = sandbox.changes_per_second;
  options.cut_interval = sandbox.depth_interval;
  options.step_interval = std::min(options.step_interval, sandbox.depth_interval);
  if (sandbox.market == "replay") {
    std::vector<std::filesystem::path> paths;
    for (const std::string& file : ReplayFiles(venue, sandbox)) paths.emplace_back(file);
    auto capture = feeds::LoadCapture(paths);
    if (!capture.ok()) return capture.status();
    for (const feeds::CaptureRecord& record : capture->records()) {
      if (record.kind != feeds::CaptureKind::kFrame) continue;
      options.replay.push_back({record.timestamp_ns, std::string(record.payload)});
    }
    if (options.replay.empty()) {
      return core::Status(core::ErrorCode::kInvalidConfig,
                          fmt::format("the {} replay files hold no WebSocket frame",
                                      core::VenueName(venue.venue)));
    }
  }
  options.replay_pace =
      sandbox.replay_fast ? sim::ReplayPace::kAsFastAsPossible : sim::ReplayPace::kRecorded;
  return std::unique_ptr<sim::VenueSim>(
      std::make_unique<sim::StreamSim>(io, std::move(options), DialectFor(venue)));
}

core::Result<std::unique_ptr<feeds::MarketDataFeed>> MakeFeed(
    boost::asio::io_context& io, Mode mode, const VenueConfig& venue,
    const core::SymbolRegistry& registry, core::EventSink& sink) {
  const bool sandbox = mode == Mode::kSandbox;
  if (IsBinance(venue.venue)) {
    feeds::binance::BinanceFeedOptions options;
    options.venue = venue.venue;
    options.ws_base_url = venue.ws_url;
    options.rest_base_url = venue.rest_url;
    options.snapshot_depth = venue.snapshot_depth;
    options.silence_timeout = venue.silence_timeout;
    options.reconnect_min = venue.reconnect_min;
    options.reconnect_max = venue.reconnect_max;
    options.verify_peer = venue.verify_tls;
    options.ca_file = venue.ca_file;
    for (const std::string& instrument : venue.partial_depth_instruments) {
      if (const core::Instrument* found = registry.Find(venue.venue, instrument)) {
        options.partial_depth_symbols.push_back(found->venue_symbol);
      }
    }
    options.partial_depth_levels = venue.partial_depth_levels;
    if (sandbox) {
      // The simulated venue has no request weight to spare: resync quickly after injected faults.
      options.snapshot_spacing = std::chrono::milliseconds(50);
      options.snapshot_retry_min = std::chrono::milliseconds(100);
    }
    return std::unique_ptr<feeds::MarketDataFeed>(
        std::make_unique<feeds::binance::BinanceFeed>(io, std::move(options), registry, sink));
  }

  feeds::VenueFeedOptions options;
  options.venue = venue.venue;
  options.rest_base_url = venue.rest_url;
  options.silence_timeout = venue.silence_timeout;
  options.reconnect_min = venue.reconnect_min;
  options.reconnect_max = venue.reconnect_max;
  options.verify_peer = venue.verify_tls;
  options.ca_file = venue.ca_file;
  if (sandbox) options.rules_retry_min = std::chrono::milliseconds(100);

  feeds::VenueProtocolFactory protocol;
  switch (venue.venue) {
    case core::Venue::kKraken: {
      feeds::kraken::KrakenFeedOptions kraken;
      kraken.ws_url = venue.ws_url;
      if (venue.book_depth != 0) kraken.book_depth = static_cast<std::size_t>(venue.book_depth);
      protocol = feeds::kraken::KrakenProtocolFactory(std::move(kraken));
      break;
    }
    case core::Venue::kOkx: {
      feeds::okx::OkxFeedOptions okx;
      okx.ws_url = venue.ws_url;
      protocol = feeds::okx::OkxProtocolFactory(std::move(okx));
      break;
    }
    case core::Venue::kBybit: {
      feeds::bybit::BybitFeedOptions bybit;
      bybit.ws_url = venue.ws_url;
      if (venue.book_depth != 0) bybit.book_depth = venue.book_depth;
      protocol = feeds::bybit::BybitProtocolFactory(std::move(bybit));
      break;
    }
    case core::Venue::kCoinbase: {
      feeds::coinbase::CoinbaseFeedOptions coinbase;
      coinbase.ws_url = venue.ws_url;
      coinbase.feed = IsAdvancedTrade(venue) ? feeds::coinbase::CoinbaseFeedKind::kAdvancedTrade
                                             : feeds::coinbase::CoinbaseFeedKind::kExchange;
      // Exchange keys make the full `level2` channel available. The sandbox venue does not know
      // the user's real keys (its book comes unauthenticated), and Advanced Trade takes none.
      const Credentials& keys = venue.credentials;
      const bool any_key =
          !keys.api_key.empty() || !keys.api_secret.empty() || !keys.passphrase.empty();
      if (!sandbox && !IsAdvancedTrade(venue) && any_key) {
        coinbase.credentials =
            feeds::coinbase::CoinbaseCredentials{keys.api_key, keys.api_secret, keys.passphrase};
      }
      if (auto valid = feeds::coinbase::ValidateCoinbaseFeedOptions(coinbase); !valid.ok()) {
        return valid;
      }
      protocol = feeds::coinbase::CoinbaseProtocolFactory(std::move(coinbase));
      break;
    }
    case core::Venue::kBinance:
    case core::Venue::kBinanceUsdm:
      break;
  }
  return std::unique_ptr<feeds::MarketDataFeed>(std::make_unique<feeds::VenueFeed>(
      io, std::move(options), std::move(protocol), registry, sink));
}

// What Coinbase Advanced Trade's JWT names as the host of `rest_url`: "api.coinbase.com", or
// "127.0.0.1:PORT" for a sandbox venue (the port only when it is not the scheme's default).
std::string AdvancedTradeHost(const std::string& rest_url) {
  auto url = net::Url::Parse(rest_url);
  if (!url.ok()) return "api.coinbase.com";
  const bool default_port = url->port == (url->tls() ? 443 : 80);
  return default_port ? url->host : fmt::format("{}:{}", url->host, url->port);
}

core::Result<std::unique_ptr<gateways::RestGateway>> MakeGateway(
    boost::asio::io_context& io, Mode mode, const VenueConfig& venue,
    const std::optional<sim::SandboxKeys>& sandbox_keys, const core::SymbolRegistry& registry,
    core::EventSink& sink) {
  Credentials keys = venue.credentials;
  if (mode == Mode::kSandbox && keys.api_key.empty() && sandbox_keys) {
    keys = Credentials{sandbox_keys->api_key, sandbox_keys->api_secret, sandbox_keys->passphrase};
  }
  if (keys.api_key.empty() || keys.api_secret.empty()) return std::unique_ptr<gateways::RestGateway>();

  gateways::RestGatewayOptions options;
  options.http.base_url = venue.rest_url;
  options.http.timeout = venue.order_timeout;
  options.http.verify_peer = venue.verify_tls;
  options.http.ca_file = venue.ca_file;
  core::Result<std::unique_ptr<gateways::OrderProtocol>> protocol =
      std::unique_ptr<gateways::OrderProtocol>();
  switch (venue.venue) {
    case core::Venue::kBinance:
      protocol = gateways::binance::MakeBinanceOrderProtocol(
          {keys.api_key, keys.api_secret, venue.recv_window});
      break;
    case core::Venue::kKraken:
      protocol = gateways::kraken::MakeKrakenOrderProtocol({keys.api_key, keys.api_secret});
      break;
    case core::Venue::kOkx:
      protocol = gateways::okx::MakeOkxOrderProtocol(
          {keys.api_key, keys.api_secret, keys.passphrase, /*demo_trading=*/false, venue.recv_window});
      break;
    case core::Venue::kCoinbase:
      if (IsAdvancedTrade(venue)) {
        // CDP keys: the key name and the EC private key (PEM) take the key and secret's places.
        // The sandbox venue plays api.coinbase.com, so its tokens name that host.
        protocol = gateways::coinbase::MakeCoinbaseAdvancedTradeOrderProtocol(
            {keys.api_key, keys.api_secret,
             mode == Mode::kSandbox ? std::string("api.coinbase.com")
                                    : AdvancedTradeHost(venue.rest_url)});
      } else {
        protocol = gateways::coinbase::MakeCoinbaseExchangeOrderProtocol(
            {keys.api_key, keys.api_secret, keys.passphrase});
      }
      break;
    case core::Venue::kBybit:
      // Order entry is spot's; a linear venue serves market data only.
      if (feeds::bybit::CategoryOfUrl(venue.ws_url) == feeds::bybit::BybitCategory::kSpot) {
        protocol = gateways::bybit::MakeBybitOrderProtocol(
            {keys.api_key, keys.api_secret, venue.recv_window, "spot"});
      }
      break;
    default:
      break;  // Binance USD-M futures: market data only
  }
  if (!protocol.ok()) return protocol.status();
  if (*protocol == nullptr) return std::unique_ptr<gateways::RestGateway>();
  return std::make_unique<gateways::RestGateway>(io, std::move(options), std::move(*protocol),
                                                 registry, sink);
}

risk::VenueRateLimits RateLimitsFor(const VenueConfig& venue) {
  risk::VenueRateLimits limits = risk::DefaultRateLimits(venue.venue);
  for (risk::RateWindow& window : limits.windows) {
    auto found = venue.rate_limits.find(window.name);
    if (found == venue.rate_limits.end()) continue;
    // The reserve for cancels keeps its share of the window.
    window.cancel_reserve = window.cancel_reserve * found->second / std::max<std::int64_t>(1, window.limit);
    window.limit = found->second;
  }
  return limits;
}

}  // namespace tradingd::app
