#pragma once
// Binance's wire formats, written by the simulator: the WebSocket market-data payloads
// (depthUpdate, bookTicker, trade, the combined-stream wrapper) and the REST bodies (depth
// snapshot, exchangeInfo, errors), for spot and for USD-M futures (the Futures* functions).
//
// Spot writes every price and quantity as a JSON string with exactly 8 fractional digits
// ("61685.99000000"). USD-M futures writes them at the symbol's precision instead ("61800.20",
// "0.006"); the sim derives that precision from the tick and lot sizes (FuturesPrecisionOf), and
// reports the same numbers as pricePrecision / quantityPrecision in exchangeInfo, so that the
// stream and the rules agree. (Binance's own pricePrecision is sometimes a digit longer than its
// tick: BTCUSDT ticks 0.10 and writes "61800.20"; the sim writes "61800.2". Both parse alike.)
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

// The spot partial book depth payload (<symbol>@depth<N>, @depth<N>@100ms): the best levels a side,
// best first, and the book's update id; no symbol, event type or time (the combined stream's name
// says which symbol): {"lastUpdateId":..,"bids":[[p,q],..],"asks":[[p,q],..]}, the shape of the
// REST snapshot.
std::string PartialDepthPayload(const BookLevels& levels);

// One symbol's entry of GET /api/v3/exchangeInfo, with PRICE_FILTER, LOT_SIZE, NOTIONAL and the
// other filters Binance lists for spot symbols.
void AppendExchangeInfoSymbol(std::string& out, const SymbolSpec& spec);
// The whole exchangeInfo body for the given symbols.
std::string ExchangeInfoBody(std::int64_t server_ms, std::span<const SymbolSpec* const> symbols);

// {"code":-1121,"msg":"Invalid symbol."}
std::string ErrorBody(int code, std::string_view message);

// The REST request weight Binance charges for GET /api/v3/depth with this limit.
int DepthWeight(int limit);

// ---- USD-M futures ----

// Fractional digits of a futures symbol's prices and quantities on the wire.
struct FuturesPrecision {
  int price = 2;
  int quantity = 3;
};
// The digits of the tick and of the lot: 0.10 → 1, 0.001 → 3, 1 → 0.
FuturesPrecision FuturesPrecisionOf(const SymbolSpec& spec);

// Appends "\"61800.20\"" for a mantissa at kSimScale, with at least `fraction_digits` digits
// (and no more than the value needs beyond them).
void AppendQuotedDecimal(std::string& out, std::int64_t mantissa, int fraction_digits);

// {"e":"depthUpdate","E":..,"T":..,"s":"BTCUSDT","U":..,"u":..,"pu":..,"b":[..],"a":[..]}
// `previous_update_id` (pu) is the u of the previous diff on the same stream. `bids` and `asks`
// come best first, as for spot; the payload lists both sides lowest price first, as Binance's
// futures diffs do.
std::string FuturesDepthUpdatePayload(std::string_view symbol, std::int64_t event_ms,
                                      std::int64_t transaction_ms, std::uint64_t first_update_id,
                                      std::uint64_t last_update_id,
                                      std::uint64_t previous_update_id,
                                      std::span<const BookLevel> bids,
                                      std::span<const BookLevel> asks, FuturesPrecision precision);

// The USD-M partial book depth payload (<symbol>@depth<N>, @250ms, @500ms, @100ms): a depthUpdate
// in every field, {"e":"depthUpdate","E":..,"T":..,"s":..,"U":..,"u":..,"pu":..,"b":[..],"a":[..]},
// holding the best levels a side instead of changes; u is the book's update id, pu the u of the
// previous message on the same stream, U the first update id since then. Both sides lowest price
// first, as Binance's documented example and its diffs list them.
std::string FuturesPartialDepthPayload(std::string_view symbol, std::int64_t event_ms,
                                       std::int64_t transaction_ms, std::uint64_t first_update_id,
                                       std::uint64_t previous_update_id, const BookLevels& levels,
                                       FuturesPrecision precision);

// {"e":"bookTicker","u":..,"s":"BTCUSDT","b":"..","B":"..","a":"..","A":"..","T":..,"E":..}
std::string FuturesBookTickerPayload(std::string_view symbol, std::uint64_t update_id,
                                     const TopOfBook& top, std::int64_t event_ms,
                                     std::int64_t transaction_ms, FuturesPrecision precision);

// {"e":"trade","E":..,"T":..,"s":"BTCUSDT","t":..,"p":"..","q":"..","X":"MARKET","m":..}
std::string FuturesTradePayload(std::string_view symbol, std::int64_t event_ms,
                                const TradePrint& trade, std::int64_t trade_ms,
                                FuturesPrecision precision);

// GET /fapi/v1/depth: {"lastUpdateId":..,"E":..,"T":..,"bids":[[p,q],..],"asks":[[p,q],..]}
std::string FuturesDepthSnapshotBody(const BookLevels& levels, std::int64_t event_ms,
                                     std::int64_t transaction_ms, FuturesPrecision precision);

// One symbol's entry of GET /fapi/v1/exchangeInfo: a PERPETUAL contract with PRICE_FILTER
// (tickSize), LOT_SIZE (stepSize, minQty, maxQty), MIN_NOTIONAL (futures spells the value
// "notional", spot's NOTIONAL filter "minNotional") and the other filters futures lists, in the
// key order Binance writes them ("filterType" is not the first key).
void AppendFuturesExchangeInfoSymbol(std::string& out, const SymbolSpec& spec);
// The whole /fapi/v1/exchangeInfo body: futuresType U_MARGINED, the futures rate limits, one asset
// entry per distinct quote asset, and the symbols.
std::string FuturesExchangeInfoBody(std::int64_t server_ms,
                                    std::span<const SymbolSpec* const> symbols);

// GET /fapi/v1/depth takes only these limits (default 500).
bool IsFuturesDepthLimit(int limit);
// The weight Binance charges for GET /fapi/v1/depth with a valid limit.
int FuturesDepthWeight(int limit);

}  // namespace tradingd::sim::binance
