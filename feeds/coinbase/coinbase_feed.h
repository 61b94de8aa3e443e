#pragma once
// Coinbase's market-data protocol for feeds::VenueFeed (feeds/common/venue_feed.h): the URL, the
// subscriptions, the per-book resubscribe and the products endpoint of either public feed, around
// the protocol core CoinbaseMarketData.
//
// Exchange (wss://ws-feed.exchange.coinbase.com, REST https://api.exchange.coinbase.com):
//   one subscribe for every product with {name, product_ids} channel objects: the book channel,
//   ticker, matches and heartbeat. Since 2023-08 `level2` needs an authenticated subscribe, so
//   without credentials the book channel is `level2_batch` (the same snapshot and l2update
//   messages, batched every 50 ms); with credentials it is `level2`, signed with the API secret
//   over timestamp + "GET/users/self/verify" (gateways/coinbase/coinbase_signing.h).
// Advanced Trade (wss://advanced-trade-ws.coinbase.com, REST https://api.coinbase.com):
//   one subscribe message per channel, as the venue requires: level2, market_trades, ticker,
//   heartbeats. level2 is public (no JWT).
//
// Resubscribe: unsubscribe then subscribe the book channel, which makes Coinbase send a fresh
// snapshot. On Advanced Trade a sequence_num gap makes the core mark EVERY book STALE and ask for
// each one's resync, and Advanced Trade allows 8 unauthenticated messages a second per IP: so the
// books that need a snapshot are gathered and resubscribed together, one unsubscribe and one
// subscribe for all of them, instead of two messages per book.
//
// Keep-alive: none from the client. Coinbase sends a heartbeat every second (Exchange: per
// product on the heartbeat channel; Advanced Trade: the heartbeats channel, which also keeps
// quiet subscriptions open), so a healthy connection is never silent for the feed's silence
// timeout, and neither venue asks for client pings.
//
// Rules: Exchange GET /products (quote_increment, base_increment, min_market_funds, status,
// trading_disabled; base_min_size / base_max_size only on answers from before 2022-06-30) and
// Advanced Trade GET /api/v3/brokerage/market/products (price_increment, base_increment,
// base_min_size, base_max_size, quote_min_size, status, trading_disabled, ...). A limit the venue
// does not give: minimum quantity = one base_increment, maximum = INT64_MAX (none).
//
// Thread contract: the protocol runs on the feed's I/O thread (VenueProtocol's contract). The
// factory may be copied and called from any thread; each protocol it makes keys its own signer.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "feeds/coinbase/coinbase_parser.h"
#include "feeds/common/venue_feed.h"

namespace tradingd::feeds::coinbase {

// An Exchange API key (Advanced Trade's JWT keys are not this).
struct CoinbaseCredentials {
  std::string api_key;
  std::string api_secret;  // base64, as Coinbase hands it out
  std::string passphrase;
};

struct CoinbaseFeedOptions {
  std::string ws_url;  // empty: the feed's production endpoint (DefaultCoinbaseWsUrl)
  CoinbaseFeedKind feed = CoinbaseFeedKind::kExchange;
  // Exchange only: subscribe the authenticated `level2` instead of `level2_batch`.
  std::optional<CoinbaseCredentials> credentials;
  // Where signed subscribes take their timestamp; null: the system clock.
  const core::Clock* clock = nullptr;
};

// Refuses credentials on Advanced Trade, incomplete credentials, and a secret that is not base64.
// The message never contains the secret or the passphrase.
core::Status ValidateCoinbaseFeedOptions(const CoinbaseFeedOptions& options);

// Throws std::invalid_argument (a start-up error) when ValidateCoinbaseFeedOptions fails.
feeds::VenueProtocolFactory CoinbaseProtocolFactory(CoinbaseFeedOptions options);

std::string_view DefaultCoinbaseWsUrl(CoinbaseFeedKind feed);
// The REST base the products endpoint lives on (VenueFeedOptions::rest_base_url).
std::string_view DefaultCoinbaseRestUrl(CoinbaseFeedKind feed);
// "/products" or "/api/v3/brokerage/market/products".
std::string_view CoinbaseRulesTarget(CoinbaseFeedKind feed);

// The rules of the registry's Coinbase instruments in a products answer of `feed`'s shape. Products
// the registry does not list are skipped, and so is a listed product whose increments are missing
// or cannot be held at its scales (logged). An error when the body is not a products answer.
core::Result<std::vector<core::InstrumentRules>> ParseCoinbaseProducts(
    CoinbaseFeedKind feed, std::string_view body, const core::SymbolRegistry& registry);

}  // namespace tradingd::feeds::coinbase
