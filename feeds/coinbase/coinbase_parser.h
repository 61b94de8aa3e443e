#pragma once
// Coinbase public market data, decoded into plain structs. Coinbase runs two public feeds with
// different envelopes, and one parser instance speaks exactly one of them (CoinbaseFeedKind):
//
//  - Exchange (wss://ws-feed.exchange.coinbase.com): flat messages keyed by `type`: level2
//    `snapshot` and `l2update` (no sequence, no checksum), `ticker`, `match` and `last_match`
//    (with the product's `sequence`), `heartbeat`, `subscriptions`, `error`.
//  - Advanced Trade (wss://advanced-trade-ws.coinbase.com): {channel, client_id?, timestamp,
//    sequence_num, events: [...]} where `sequence_num` counts every message of the connection;
//    channels `l2_data` (level2), `market_trades`, `ticker`, `heartbeats`, `subscriptions`, and
//    {"type":"error"} replies. One message may carry several products (one event each).
//
// Sides, which the two feeds spell differently and mean differently:
//  - Exchange `match.side` and Advanced Trade `market_trades.side` are the MAKER's side, so the
//    aggressor is the opposite; Exchange `ticker.side` is the taker's (unused: quotes only).
//
// Every message is hostile until proven otherwise: malformed JSON, wrong types, missing fields,
// unknown products, bad decimals and oversized arrays each give their error; unknown fields,
// types and channels are skipped. No allocation per message once the vectors have grown.
//
// Thread contract: one parser per thread (it reuses simdjson's buffers); the registry must outlive
// it and not change while it runs.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/parse_error.h"

namespace tradingd::feeds::coinbase {

enum class CoinbaseFeedKind : std::uint8_t {
  kExchange,
  kAdvancedTrade,
};

enum class CoinbaseMessageKind : std::uint8_t {
  kUnknown,  // well formed, nothing we consume (other types and channels, empty pushes)
  kBook,     // `books`: one per product (Exchange: exactly one)
  kQuote,    // `quotes`: Exchange `ticker`, Advanced Trade `ticker` events with a best bid/ask
  kTrade,    // `trades`: Exchange `match`/`last_match`, Advanced Trade `market_trades`
  kHeartbeat,
  kSubscriptions,
  kVenueError,  // `message` and `reason`
};

struct CoinbaseBook {
  const core::Instrument* instrument = nullptr;
  bool snapshot = false;  // the whole book: replaces what was there
  // Absolute quantities at the instrument's scales; quantity 0 removes the level. No text is
  // kept: Coinbase has no checksum to compute on it.
  std::span<const core::PriceLevel> bids;
  std::span<const core::PriceLevel> asks;
  // Exchange: the l2update's `time` (a snapshot has none: 0). Advanced Trade: the latest
  // `event_time` of an update's rows; a snapshot's rows carry a placeholder (1970), so a snapshot
  // takes the message's `timestamp`.
  core::TimestampNs exchange_time_ns = 0;
};

struct CoinbaseQuote {
  const core::Instrument* instrument = nullptr;
  core::Price bid_price;
  core::Quantity bid_quantity;  // 0 unless has_sizes
  core::Price ask_price;
  core::Quantity ask_quantity;  // 0 unless has_sizes
  // Exchange tickers before ~2022 carried no best_bid_size/best_ask_size (the 2021 fixture has
  // none): the quote then has zero quantities rather than being dropped, since the prices are
  // what matters and a zero size cannot be mistaken for a real level.
  bool has_sizes = false;
  bool has_sequence = false;  // Exchange: the product's `sequence`
  std::uint64_t sequence = 0;
  core::TimestampNs exchange_time_ns = 0;  // Exchange `time`; Advanced Trade: the `timestamp`
};

struct CoinbaseTrade {
  const core::Instrument* instrument = nullptr;
  core::Side aggressor = core::Side::kUnknown;  // the opposite of the maker side Coinbase sends
  core::Price price;
  core::Quantity quantity;
  std::uint64_t trade_id = 0;
  bool has_sequence = false;  // Exchange: the product's `sequence`
  std::uint64_t sequence = 0;
  // A trade from before the subscription: Exchange `last_match`, an Advanced Trade
  // `market_trades` snapshot event.
  bool history = false;
  core::TimestampNs exchange_time_ns = 0;
};

struct CoinbaseMessage {
  CoinbaseMessageKind kind = CoinbaseMessageKind::kUnknown;
  std::span<const CoinbaseBook> books;
  std::span<const CoinbaseQuote> quotes;
  std::span<const CoinbaseTrade> trades;
  // Advanced Trade: the connection's message counter. Also valid when Parse returns
  // kUnknownSymbol: a message for products we do not follow still moves the counter.
  bool has_sequence_num = false;
  std::uint64_t sequence_num = 0;
  // Advanced Trade events (books, trades, tickers) skipped because the registry does not list
  // their product; the rest of the message is still delivered.
  std::uint32_t unknown_products = 0;
  std::string_view message;  // kVenueError
  std::string_view reason;   // kVenueError (Exchange)
};

struct CoinbaseParserOptions {
  CoinbaseFeedKind feed = CoinbaseFeedKind::kExchange;
  // Both level2 snapshots are "the entire order book": deep books (BTC-USD) reach tens of
  // thousands of levels a side.
  std::size_t max_levels_per_side = 100'000;
  std::size_t max_events = 1000;  // Advanced Trade events and tickers per message
  std::size_t max_trades = 1000;
};

class CoinbaseParser {
 public:
  explicit CoinbaseParser(const core::SymbolRegistry& registry, CoinbaseParserOptions options = {});
  ~CoinbaseParser();
  CoinbaseParser(const CoinbaseParser&) = delete;
  CoinbaseParser& operator=(const CoinbaseParser&) = delete;

  // One WebSocket frame, followed by at least 64 readable bytes (net::kPayloadPadding). The views
  // and spans in `out` point into the payload or the parser and are valid until the next call.
  FeedParseError Parse(std::string_view payload, CoinbaseMessage* out);

  CoinbaseFeedKind feed() const;

 private:
  class Impl;  // simdjson stays out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::coinbase
