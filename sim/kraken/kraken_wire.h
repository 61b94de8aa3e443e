#pragma once
// Kraken's wire formats, written by the simulator: the WebSocket v2 market-data messages (status,
// book snapshot and update with their CRC32 checksum, ticker, trade, heartbeat), the method
// responses (subscribe/unsubscribe acks, errors, pong) and the REST bodies of
// GET /0/public/AssetPairs (and its error envelope).
//
// Numbers. v2 sends prices and quantities as JSON numbers at the pair's full precision, trailing
// zeros kept: BTC/USD "62807.0" and "0.00000000", ETH/USD "1797.30" and "10.82400000" (live frames;
// the fixture orderbook-v2.json lost those zeros when it was re-serialized). The precision is the
// number of decimals of the tick (price) and of the lot (quantity), as AssetPairs reports them in
// pair_decimals and lot_decimals. The checksum is computed on that same text.
//
// Key order follows the venue: channel messages are {"channel","type","data"}, method responses
// list their keys alphabetically (error, method, req_id, result, success, symbol, time_in,
// time_out), as Kraken's serializer does.
//
// Thread contract: free functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim::kraken {

// Decimals a pair's prices and quantities are written with.
struct KrakenPrecision {
  int price = 1;
  int quantity = 8;
};
// The decimals of the tick and of the lot: 0.1 → 1, 0.00000001 → 8, 1 → 0.
KrakenPrecision PrecisionOf(const SymbolSpec& spec);

// Appends a kSimScale mantissa as a JSON number with exactly `decimals` fractional digits.
void AppendNumber(std::string& out, std::int64_t mantissa, int decimals);

// "2023-07-30T15:29:58.343415Z": RFC 3339 with microseconds, as Kraken writes timestamps.
std::string Rfc3339Micros(std::int64_t unix_ns);

// The v2 book checksum: CRC-32 (zlib, unsigned) of the 10 best asks (ascending) then the 10 best
// bids (descending), each level as its price text then its quantity text (written at `precision`),
// with the '.' removed and leading zeros stripped. `bids` and `asks` are best first.
std::uint32_t BookChecksum(std::span<const BookLevel> bids, std::span<const BookLevel> asks,
                           KrakenPrecision precision);

// {"channel":"status","type":"update","data":[{"version":"2.0.10","system":"online",
//  "api_version":"v2","connection_id":...}]}
std::string StatusMessage(std::uint64_t connection_id, std::string_view system = "online");

// {"channel":"heartbeat"}
std::string HeartbeatMessage();

// {"channel":"book","type":"snapshot"|"update","data":[{"symbol":..,"bids":[{"price":..,"qty":..}],
//  "asks":[..],"checksum":..,"timestamp":".."}]}; levels in the order given.
std::string BookMessage(bool snapshot, std::string_view symbol, std::span<const BookLevel> bids,
                        std::span<const BookLevel> asks, std::uint32_t checksum,
                        std::int64_t time_ns, KrakenPrecision precision);

// What a ticker message reports; mantissas at kSimScale.
struct KrakenTickerFields {
  TopOfBook top;
  std::int64_t last = 0;
  std::int64_t volume = 0;
  std::int64_t vwap = 0;
  std::int64_t low = 0;
  std::int64_t high = 0;
  std::int64_t change = 0;
  std::int64_t change_pct_hundredths = 0;  // -51: -0.51 %
  std::uint64_t trades = 0;
};
// {"channel":"ticker","type":"snapshot"|"update","data":[{"symbol":..,"bid":..,"bid_qty":..,
//  "ask":..,"ask_qty":..,"last":..,"volume":..,"vwap":..,"low":..,"high":..,"change":..,
//  "change_pct":..,"trades":..,"timestamp":..}]}
std::string TickerMessage(bool snapshot, std::string_view symbol, const KrakenTickerFields& fields,
                          std::int64_t time_ns, KrakenPrecision precision);

// {"channel":"trade","type":"snapshot"|"update","data":[{"symbol":..,"side":"buy"|"sell",
//  "price":..,"qty":..,"ord_type":"market","trade_id":..,"timestamp":..},..]}; side is the taker's.
std::string TradeMessage(bool snapshot, std::string_view symbol, std::span<const TradePrint> trades,
                         std::int64_t time_ns, KrakenPrecision precision);

// The `result` of a subscribe/unsubscribe ack, for one symbol.
struct KrakenAckResult {
  std::string_view channel;  // "book", "ticker", "trade"
  std::string_view symbol;
  std::optional<int> depth;        // book
  std::optional<bool> snapshot;    // subscribe
  std::string_view event_trigger;  // ticker subscribe; empty: none
};
// {"method":"subscribe","req_id":..,"result":{..},"success":true,"time_in":..,"time_out":..}
std::string AckMessage(std::string_view method, const KrakenAckResult& result,
                       std::optional<std::int64_t> req_id, std::int64_t time_in_ns,
                       std::int64_t time_out_ns);

// {"error":"..","method":"subscribe","req_id":..,"success":false,"symbol":"..","time_in":..,
//  "time_out":..}; `method` and `symbol` are left out when empty (a request too broken to have
// them).
std::string ErrorMessage(std::string_view method, std::string_view error,
                         std::optional<std::int64_t> req_id, std::string_view symbol,
                         std::int64_t time_in_ns, std::int64_t time_out_ns);

// {"method":"pong","req_id":..,"time_in":..,"time_out":..}
std::string PongMessage(std::optional<std::int64_t> req_id, std::int64_t time_in_ns,
                        std::int64_t time_out_ns);

// ---- REST: GET /0/public/AssetPairs ----

// What AssetPairs says of a pair beyond the SymbolSpec: its legacy names and order minimum.
struct KrakenPairInfo {
  std::string symbol;          // the v2 name the sim's SymbolSpec uses: "BTC/USD"
  std::string pair_key;        // "XXBTZUSD": the key of the result object
  std::string altname;         // "XBTUSD"
  std::string wsname;          // "XBT/USD" (the v1 spelling)
  std::string base_id;         // "XXBT"
  std::string quote_id;        // "ZUSD"
  std::int64_t order_min = 0;  // kSimScale; 0: the lot size
  int cost_decimals = 5;
  std::string status = "online";
  int long_position_limit = 0;  // 0: not listed
  int short_position_limit = 0;
};
// The info of `spec` from `known` (matched by symbol), or one derived from the spec: the pair key
// and altname are base+quote, the wsname is the symbol, the order minimum one lot.
KrakenPairInfo PairInfoFor(const SymbolSpec& spec, std::span<const KrakenPairInfo> known);

struct KrakenAssetPair {
  const SymbolSpec* spec = nullptr;
  KrakenPairInfo info;
};
// {"error":[],"result":{"XXBTZUSD":{"altname":..,"wsname":..,..,"pair_decimals":1,
//  "lot_decimals":8,..,"ordermin":"0.00005","costmin":"0.5","tick_size":"0.1","status":"online"},..}}
std::string AssetPairsBody(std::span<const KrakenAssetPair> pairs);
// {"error":["EQuery:Unknown asset pair"]}
std::string RestErrorBody(std::string_view error);

}  // namespace tradingd::sim::kraken
