#pragma once
// The one place that knows every venue: which feed and which sandbox venue a venue's config
// becomes. The daemon wires whatever these return through the venue-neutral MarketDataFeed and
// VenueSim, so adding a venue is a case here (and a line in the conformance suite).
//
// Thread contract: free functions, called on the main thread during start-up. The objects they
// build follow their own contracts (feeds on the feed thread, sandbox venues on the sandbox thread).

#include <memory>
#include <optional>

#include "app/config.h"
#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "feeds/common/market_data_feed.h"
#include "gateways/common/rest_gateway.h"
#include "risk/rate_limiter.h"
#include "sim/common/venue_sim.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::app {

// The sandbox venue for `venue` with the configured instruments and market, not started. An error
// when a replay file cannot be read.
core::Result<std::unique_ptr<sim::VenueSim>> MakeSandboxVenue(boost::asio::io_context& io,
                                                              const VenueConfig& venue,
                                                              const SandboxConfig& sandbox,
                                                              const core::SymbolRegistry& registry);

// The market-data feed for `venue` (its URLs already pointing at a sandbox venue in sandbox mode).
// An error for settings the venue refuses (incomplete Coinbase keys, a secret that is not base64);
// the message never holds a secret.
core::Result<std::unique_ptr<feeds::MarketDataFeed>> MakeFeed(boost::asio::io_context& io,
                                                              Mode mode, const VenueConfig& venue,
                                                              const core::SymbolRegistry& registry,
                                                              core::EventSink& sink);

// The order gateway for `venue`, or null when the venue has no keys (it then serves market data
// only) or its order entry is not built yet. In sandbox mode `sandbox_keys` (the sandbox venue's)
// stand in for keys the environment does not give. An error for keys the venue's signing refuses;
// the message never holds a secret.
core::Result<std::unique_ptr<gateways::RestGateway>> MakeGateway(
    boost::asio::io_context& io, Mode mode, const VenueConfig& venue,
    const std::optional<sim::SandboxKeys>& sandbox_keys, const core::SymbolRegistry& registry,
    core::EventSink& sink);

// The venue's published rate limits (risk/rate_limiter.cc).
risk::VenueRateLimits RateLimitsFor(const VenueConfig& venue);

}  // namespace tradingd::app
