#pragma once
// Binance spot's wire formats, written by the simulator: the WebSocket market-data payloads
// (depthUpdate, bookTicker, trade, the combined-stream wrapper) and the REST bodies (/api/v3/depth,
// /api/v3/exchangeInfo, errors). Prices and quantities are written as Binance spot writes them:
// JSON strings with exactly 8 fractional digits ("61685.99000000").
//
// Thread contract: free functions; safe from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim::binance {

// Appends "\"61685.99000000\"" for a mantissa at kSimScale.
void AppendQuotedDecimal(std::string& out, std::int64_t mantissa);

// {"e":"depthUpdate","E":..,"s":"BTCUSDT","U":..,"u":..,"b":[[p,q],..],"a":[[p,q],..]}
// Bids best (highest) first, asks best (lowest) first, as Binance sends them.
std::string DepthUpdatePayload(std::string_view symbol, std::int64_t event_ms,
                               std::uint64_t first_update_id, std::uint64_t last_update_id,
                               std::span<const BookLevel> bids, std::span<const BookLevel> asks);

// {"u":..,"s":"BTCUSDT","b":"..","B":"..","a":"..","A":".."}; `update_id` is the book update after
// which this best bid/offer holds.
std::string BookTickerPayload(std::string_view symbol, std::uint64_t update_id,
                              const TopOfBook& top);

// {"e":"trade","E":..,"s":"BTCUSDT","t":..,"p":"..","q":"..","T":..,"m":..,"M":true}
std::string TradePayload(std::string_view symbol, std::int64_t event_ms, const TradePrint& trade,
                         std::int64_t trade_ms);

// {"stream":"<stream>","data":<payload>}
std::string CombinedFrame(std::string_view stream, std::string_view payload);

// GET /api/v3/depth: {"lastUpdateId":..,"bids":[[p,q],..],"asks":[[p,q],..]}
std::string DepthSnapshotBody(const BookLevels& levels);

// One symbol's entry of GET /api/v3/exchangeInfo, with PRICE_FILTER, LOT_SIZE, NOTIONAL and the
// other filters Binance lists for spot symbols.
void AppendExchangeInfoSymbol(std::string& out, const SymbolSpec& spec);
// The whole exchangeInfo body for the given symbols.
std::string ExchangeInfoBody(std::int64_t server_ms, std::span<const SymbolSpec* const> symbols);

// {"code":-1121,"msg":"Invalid symbol."}
std::string ErrorBody(int code, std::string_view message);

// The REST request weight Binance charges for GET /api/v3/depth with this limit.
int DepthWeight(int limit);

}  // namespace tradingd::sim::binance
