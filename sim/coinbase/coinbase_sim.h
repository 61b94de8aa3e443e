#pragma once
// The sandbox Coinbase venue: a StreamDialect (sim/common/stream_sim.h) that speaks either of
// Coinbase's public market-data feeds on "/", and the matching products endpoint.
//
// Exchange feed (wss://ws-feed.exchange.coinbase.com):
//   subscribe / unsubscribe with `channels` as names or {name, product_ids} objects and optional
//   root `product_ids`; the reply is the cumulative {"type":"subscriptions",..}. Channels:
//   level2 (one l2update per changed level) and level2_batch / level2_50 (one l2update per cut),
//   each starting with a full-book snapshot; ticker (the latest one at once, then one per cut with
//   trades: Coinbase batches cascading matches); matches (last_match first, then match; `side` is
//   the maker's); heartbeat
//   (per product, every second). ticker and match carry the product's `sequence`; level2 has none.
//   Since 2023-08 `level2` needs an authenticated subscribe: key, passphrase, timestamp and
//   signature = base64(HMAC-SHA256(secret, timestamp + "GET/users/self/verify")), checked against
//   CoinbaseDialectOptions with Coinbase's error texts ("level2, level3, and full channels now
//   require authentication. ...", "invalid signature", "request timestamp expired"). A refused
//   request changes no subscription.
// Advanced Trade feed (wss://advanced-trade-ws.coinbase.com):
//   one channel per subscribe message (level2, market_trades, ticker, heartbeats); every message
//   in the {channel, client_id, timestamp, sequence_num, events} envelope, sequence_num counting
//   every message of the connection from 0; level2 arrives as l2_data snapshot then updates;
//   refusals are {"type":"error","message":"failure to subscribe"} outside the envelope.
// REST: Exchange GET /products (and /products/<id>); Advanced Trade
//   GET /api/v3/brokerage/market/products (and /<id>); other paths get the venue's 404 body.
// Order entry (coinbase_orders_sim.h): the private REST endpoints of the feed kind's API, over
//   StreamSim's matching engine; sandbox_keys() are the Exchange key, secret and passphrase below,
//   or on Advanced Trade the CDP key name and its EC private key (PEM), generated when the dialect
//   is made unless the options give one.
//
// Faults: Advanced Trade can lose an update (SkipUpdate: the sequence_num moves on, so a client
// sees the gap). Exchange cannot: level2 has no sequence, so a lost update is undetectable by
// design, and can_skip_update() is false. Neither feed has a checksum or a sequence reset.
//
// Where Coinbase documents no error text (malformed JSON, an unknown channel, wrong field types)
// the sim's wording is its own and says so in coinbase_sim.cc.
//
// Thread contract: as StreamDialect — the dialect and its sessions run on the sim's io thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sim/coinbase/coinbase_orders_sim.h"
#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"

namespace tradingd::sim::coinbase {

enum class CoinbaseSimFeed : std::uint8_t { kExchange, kAdvancedTrade };

// BTC-USD and ETH-USD with Coinbase's increments (quote 0.01, base 0.00000001), a minimum
// notional of 1 USD (min_market_funds / quote_min_size) and Advanced Trade's base_max_size.
std::vector<SymbolSpec> DefaultCoinbaseSymbols();

struct CoinbaseDialectOptions {
  CoinbaseSimFeed feed = CoinbaseSimFeed::kExchange;
  // The sandbox Exchange API key that authenticated Exchange subscribes and the Exchange's order
  // entry are verified against. The secret is base64 as Coinbase hands it out;
  // MakeCoinbaseDialect throws std::invalid_argument when it is not.
  std::string api_key{kSandboxExchangeApiKey};
  std::string api_secret{kSandboxExchangeApiSecret};
  std::string passphrase{kSandboxExchangePassphrase};
  // Coinbase refuses a signed request whose timestamp is further than this from its clock.
  std::chrono::seconds max_timestamp_skew{30};
  std::chrono::milliseconds heartbeat_interval{1000};
  // Order entry (fees, rate limits, the Advanced Trade key); `enabled` false: market data only.
  CoinbaseOrderEntryOptions order_entry;
};

std::unique_ptr<StreamDialect> MakeCoinbaseDialect(CoinbaseDialectOptions options = {});

}  // namespace tradingd::sim::coinbase
