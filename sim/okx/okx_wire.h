#pragma once
// OKX v5's public wire formats, written by the simulator: the /ws/v5/public pushes (`books`
// snapshot and update with prevSeqId/seqId and the legacy checksum, `bbo-tbt`, `tickers`,
// `trades`), the event replies (subscribe, unsubscribe, error) and the REST bodies
// (GET /api/v5/public/instruments, GET /api/v5/market/books, errors).
//
// OKX writes every price and size as a string with no trailing zeros ("30244", "0.08"), which
// is what the checksum is computed on; FormatOkxDecimal gives that text for a kSimScale mantissa.
// A book level is ["px","sz","0","numOrders"] (the third field is deprecated and always "0").
//
// Thread contract: free functions; safe from any thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim::okx {

// The text OKX writes for a kSimScale mantissa: "30244", "0.08", "0".
std::string FormatOkxDecimal(std::int64_t mantissa);

// One level as the checksum sees it: the strings exactly as sent.
struct ChecksumLevel {
  std::string_view price;
  std::string_view size;
};

// The legacy `books` checksum: CRC-32 (IEEE) of "bid1px:bid1sz:ask1px:ask1sz:bid2px:..." over the
// best 25 levels of each side (bids best first, asks best first), a bid then an ask for each rank,
// a side's missing levels skipped; read as a signed int32, as OKX publishes it.
std::int32_t Checksum(std::span<const ChecksumLevel> bids, std::span<const ChecksumLevel> asks);
// The same over mantissas, formatted as OKX writes them.
std::int32_t BookChecksum(std::span<const BookLevel> bids, std::span<const BookLevel> asks);

// {"channel":"books","instId":"BTC-USDT"}: the `arg` of pushes and events.
std::string ArgJson(std::string_view channel, std::string_view inst_id);

// {"id":"1512","event":"subscribe","arg":{..},"connId":"a4d3ae55"}; `event` is "subscribe" or
// "unsubscribe"; "id" only when the request had one.
std::string SubscriptionEvent(std::string_view event, std::string_view request_id,
                              std::string_view arg_json, std::string_view conn_id);

// {"id":"1512","event":"error","code":"60012","msg":"..","connId":".."}; `message` is escaped
// (bytes that are not UTF-8 become U+FFFD).
std::string ErrorEvent(std::string_view request_id, std::string_view code, std::string_view message,
                       std::string_view conn_id);

// One `books` push. Bids best (highest) first, asks best (lowest) first; an update lists the
// changed levels only, size 0 for a deleted one.
struct BooksPush {
  std::string_view inst_id;
  bool snapshot = false;
  std::span<const BookLevel> bids;
  std::span<const BookLevel> asks;
  std::int64_t time_ms = 0;
  std::int32_t checksum = 0;  // 0: not provided (OKX's value since the checksum was retired)
  std::int64_t previous_sequence = -1;  // prevSeqId; -1 on a snapshot
  std::int64_t sequence = 0;            // seqId
};
// {"arg":{"channel":"books","instId":..},"action":"snapshot"|"update","data":[{"asks":[..],
// "bids":[..],"ts":"..","checksum":..,"prevSeqId":..,"seqId":..}]}
std::string BooksMessage(const BooksPush& push);

// {"arg":{"channel":"bbo-tbt","instId":..},"data":[{"asks":[[..]],"bids":[[..]],"ts":"..",
// "seqId":..}]}
std::string BboTbtMessage(std::string_view inst_id, const TopOfBook& top, std::int64_t time_ms,
                          std::int64_t sequence);

// What a `tickers` push says beside the best bid/ask: the last trade and the day's statistics.
struct TickerStats {
  std::int64_t last_price = 0;
  std::int64_t last_size = 0;
  std::int64_t open_24h = 0;
  std::int64_t high_24h = 0;
  std::int64_t low_24h = 0;
  std::int64_t volume_24h = 0;        // base units (vol24h)
  std::int64_t quote_volume_24h = 0;  // quote units (volCcy24h)
};
// {"arg":{"channel":"tickers","instId":..},"data":[{"instType":"SPOT","instId":..,"last":..,
// "lastSz":..,"askPx":..,"askSz":..,"bidPx":..,"bidSz":..,"open24h":..,"high24h":..,"low24h":..,
// "sodUtc0":..,"sodUtc8":..,"volCcy24h":..,"vol24h":..,"ts":..}]} (the key order of OKX's pushes).
std::string TickersMessage(std::string_view inst_type, std::string_view inst_id,
                           const TopOfBook& top, const TickerStats& stats, std::int64_t time_ms);

// {"arg":{"channel":"trades","instId":..},"data":[{"instId":..,"tradeId":"..","px":"..",
// "sz":"..","side":"buy"|"sell","ts":"..","count":"1","source":"0","seqId":..}]}. `side` is the
// taker's: a trade where the buyer was the maker is a "sell".
std::string TradesMessage(std::string_view inst_id, const TradePrint& trade, std::int64_t time_ms,
                          std::int64_t sequence);

// ---- REST ----

// One instrument of GET /api/v5/public/instruments as OKX lists a spot pair (keys in OKX's
// alphabetical order); `min_size` is minSz, which SymbolSpec does not carry.
void AppendSpotInstrument(std::string& out, const SymbolSpec& spec, std::int64_t min_size);
// {"code":"0","data":[<instruments>],"msg":""} around already written instrument objects.
std::string InstrumentsBody(std::string_view instruments_json);
// GET /api/v5/market/books: {"code":"0","data":[{"asks":[..],"bids":[..],"ts":".."}],"msg":""}.
std::string MarketBooksBody(const BookLevels& levels, std::int64_t time_ms);
// {"code":"51001","data":[],"msg":"Instrument ID does not exist"}
std::string RestErrorBody(std::string_view code, std::string_view message);

}  // namespace tradingd::sim::okx
