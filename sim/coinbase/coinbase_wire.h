#pragma once
// Coinbase's wire formats, written by the sandbox venue, for its two public feeds:
//
//  - Exchange (wss://ws-feed.exchange.coinbase.com, REST api.exchange.coinbase.com): flat messages
//    keyed by `type`, decimals formatted field by field as the 2021 capture shows (see
//    ExchangePrecision); times are RFC 3339 with microseconds.
//  - Advanced Trade (wss://advanced-trade-ws.coinbase.com, REST api.coinbase.com): every message
//    in the envelope {channel, client_id, timestamp, sequence_num, events}; decimals trimmed
//    ("21921.3", "0.02") as in the channel documentation; timestamps with nanoseconds.
//
// Every function returns one complete frame or body. Mantissas are at kSimScale.
//
// Thread contract: free functions; safe from any thread.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim::coinbase {

// Fractional digits of a product's prices and sizes on the Exchange feed: those of its tick
// (quote_increment) and its lot (base_increment). 0.01 → 2, 0.00000001 → 8, 1 → 0. Book levels
// and a ticker's best bid/ask are written with exactly these digits; trades, the ticker's price,
// open, low, high and last size are trimmed; its volumes have 8 digits (all as in the capture).
struct ExchangePrecision {
  int price = 2;
  int size = 8;
};
ExchangePrecision ExchangePrecisionOf(const SymbolSpec& spec);

// "\"60000.01\"" with exactly `digits` fractional digits (the mantissa must be representable).
void AppendFixedDecimal(std::string& out, std::int64_t mantissa, int digits);
// "\"21921.3\"", trailing zeros trimmed, "\"0\"" for zero.
void AppendTrimmedDecimal(std::string& out, std::int64_t mantissa);

// "2021-04-17T16:43:37.075687Z" (Exchange) and "2023-02-09T20:32:50.714964855Z" (Advanced Trade).
std::string MicrosecondTime(std::int64_t unix_ns);
std::string NanosecondTime(std::int64_t unix_ns);

// Running figures of a product's ticker, as the sim has seen its trades.
struct TickerStats {
  std::int64_t open_24h = 0;
  std::int64_t high_24h = 0;
  std::int64_t low_24h = 0;
  std::int64_t volume_24h = 0;
  std::int64_t volume_30d = 0;
  std::int64_t price = 0;  // the last trade's
};

// ---- Exchange: WebSocket ----

// One channel's entry of a `subscriptions` reply, in the order given.
struct ChannelProducts {
  std::string name;
  std::vector<std::string> product_ids;
};
// {"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":[..]},..]}
std::string ExchangeSubscriptions(std::span<const ChannelProducts> channels);
// {"type":"error","message":..,"reason":..}; no "reason" when it is empty.
std::string ExchangeError(std::string_view message, std::string_view reason);
// {"type":"snapshot","product_id":..,"asks":[[p,s],..],"bids":[[p,s],..]}: the whole book, asks
// first as in the capture, each side best first.
std::string ExchangeSnapshot(std::string_view product_id, const BookLevels& book,
                             ExchangePrecision precision);
// {"type":"l2update","product_id":..,"changes":[["buy",p,s],..,["sell",p,s],..],"time":..}
std::string ExchangeL2Update(std::string_view product_id, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks, std::int64_t time_ns,
                             ExchangePrecision precision);
// {"type":"ticker","sequence":..,"product_id":..,"price":..,"open_24h":..,"volume_24h":..,
//  "low_24h":..,"high_24h":..,"volume_30d":..,"best_bid":..,"best_bid_size":..,"best_ask":..,
//  "best_ask_size":..,"side":<taker>,"time":..,"trade_id":..,"last_size":..}. The size fields
//  exist since ~2022 (the 2021 capture has none) and are written with 8 digits as the docs show.
std::string ExchangeTicker(std::string_view product_id, std::uint64_t sequence,
                           const TradePrint& last_trade, const TickerStats& stats,
                           const TopOfBook& top, std::int64_t time_ns, ExchangePrecision precision);
// {"type":"match"|"last_match","trade_id":..,"maker_order_id":..,"taker_order_id":..,
//  "side":<maker>,"size":..,"price":..,"product_id":..,"sequence":..,"time":..}
std::string ExchangeMatch(std::string_view product_id, const TradePrint& trade,
                          std::uint64_t sequence, std::int64_t time_ns, bool last_match);
// {"type":"heartbeat","sequence":..,"last_trade_id":..,"product_id":..,"time":..}
std::string ExchangeHeartbeat(std::string_view product_id, std::uint64_t sequence,
                              std::uint64_t last_trade_id, std::int64_t time_ns);

// ---- Exchange: REST ----

// GET /products: [{"id":"BTC-USD","base_currency":..,"quote_currency":..,"quote_increment":..,
// "base_increment":..,"display_name":..,"min_market_funds":..,"margin_enabled":false,...,
// "status":"online","status_message":"","trading_disabled":false,...}, ..]. No base_min_size,
// base_max_size or max_market_funds: Coinbase removed them on 2022-06-30.
std::string ExchangeProductsBody(std::span<const SymbolSpec* const> symbols);
std::string ExchangeProduct(const SymbolSpec& spec);
// {"message":"NotFound"}
std::string ExchangeRestError(std::string_view message);

// A maker and a taker order id in the UUID shape Coinbase uses, derived from the trade id.
std::pair<std::string, std::string> OrderIdsOf(std::uint64_t trade_id);

// ---- Advanced Trade: WebSocket ----

// {"channel":"subscriptions","client_id":"","timestamp":..,"sequence_num":..,
//  "events":[{"subscriptions":{"level2":["BTC-USD"],..}}]}
std::string AdvancedSubscriptions(std::uint64_t sequence_num, std::int64_t time_ns,
                                  const std::map<std::string, std::vector<std::string>>& channels);
// {"type":"error","message":..}: refusals come outside the envelope, without a sequence_num.
std::string AdvancedError(std::string_view message);
// channel l2_data, one event {"type":"snapshot","product_id":..,"updates":[{"side":"bid",
// "event_time":..,"price_level":..,"new_quantity":..},..]} with every level, bids then offers,
// each best first. Snapshot rows carry the 1970 placeholder time the documentation shows.
std::string AdvancedL2Snapshot(std::uint64_t sequence_num, std::int64_t time_ns,
                               std::string_view product_id, const BookLevels& book);
// channel l2_data, one event {"type":"update",..} with the changed levels (0: removed).
std::string AdvancedL2Update(std::uint64_t sequence_num, std::int64_t time_ns,
                             std::string_view product_id, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks);
// channel market_trades, one event {"type":"snapshot"|"update","trades":[{"trade_id":..,
// "product_id":..,"price":..,"size":..,"side":<maker BUY|SELL>,"time":..},..]}, newest first.
std::string AdvancedMarketTrades(std::uint64_t sequence_num, std::int64_t time_ns, bool snapshot,
                                 std::string_view product_id,
                                 std::span<const TradePrint> trades_oldest_first);
// channel ticker, one event {"type":"snapshot"|"update","tickers":[{"type":"ticker",
// "product_id":..,"price":..,"volume_24_h":..,"low_24_h":..,"high_24_h":..,"low_52_w":..,
// "high_52_w":..,"price_percent_chg_24_h":..,"best_bid":..,"best_bid_quantity":..,
// "best_ask":..,"best_ask_quantity":..}]}
std::string AdvancedTicker(std::uint64_t sequence_num, std::int64_t time_ns, bool snapshot,
                           std::string_view product_id, const TickerStats& stats,
                           const TopOfBook& top);
// channel heartbeats: {"current_time":"2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105",
// "heartbeat_counter":3049}. The counter is an integer, as the AsyncAPI spec (checked against
// production) has it; the prose docs show a string.
std::string AdvancedHeartbeats(std::uint64_t sequence_num, std::int64_t time_ns,
                               std::uint64_t counter, std::int64_t uptime_ns);

// ---- Advanced Trade: REST ----

// GET /api/v3/brokerage/market/products: {"products":[{"product_id":..,"price":..,
// "base_increment":..,"quote_increment":..,"quote_min_size":..,"quote_max_size":..,
// "base_min_size":..,"base_max_size":..,"status":"online","trading_disabled":false,
// "price_increment":..,..},..],"num_products":N}
std::string AdvancedProductsBody(std::span<const SymbolSpec* const> symbols,
                                 std::span<const std::int64_t> last_prices);
std::string AdvancedProduct(const SymbolSpec& spec, std::int64_t last_price);
// {"error":"NOT_FOUND","error_details":..,"message":..}
std::string AdvancedRestError(std::string_view error, std::string_view message);

}  // namespace tradingd::sim::coinbase
