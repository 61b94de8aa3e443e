#pragma once
// Bybit v5 public wire formats, written by the sandbox venue: the op answers (subscribe and
// unsubscribe acks and refusals, pongs — spot and linear word them differently), orderbook
// snapshots and deltas, publicTrade, tickers (spot: a snapshot with 24 h figures and no bid/ask;
// linear: snapshot then deltas with bid1/ask1), and the REST bodies (instruments-info for spot and
// linear, server time, the retCode envelope of errors).
//
// Numbers are JSON strings. Spot writes them without trailing zeros ("65557.7", "20575"); linear
// writes a fixed number of decimals per symbol ("30247.20", "0.006"), and a deleted level's size
// as "0". The sim takes linear's decimals from the tick and the lot (FormatOf) and reports the same
// priceScale in instruments-info. (Bybit's own priceScale is sometimes a digit longer than its
// tick: BTCUSDT ticks 0.10 and writes "30247.20"; the sim writes "30247.2". Both parse alike.)
//
// Thread contract: free functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sim/common/synthetic_market.h"

namespace tradingd::sim::bybit {

enum class Category : std::uint8_t { kSpot, kLinear };

// "spot" / "linear"; nullopt for anything else.
std::optional<Category> ParseCategory(std::string_view name);
std::string_view CategoryName(Category category);
// orderbook.<depth> exists on this category: 1, 50, 200, 1000 on spot and linear.
bool IsBookDepth(Category category, int depth);

// How one symbol's decimals are written (mantissas at kSimScale).
struct NumberFormat {
  Category category = Category::kSpot;
  int price_digits = 2;     // linear only: fixed decimals of prices
  int quantity_digits = 3;  // linear only: fixed decimals of sizes
};
// Linear: the decimals of the tick and of the lot (0.10 → 1, 0.001 → 3, 1 → 0).
NumberFormat FormatOf(Category category, const SymbolSpec& spec);
// Appends "\"...\"": spot trims trailing zeros, linear writes the format's decimals; 0 is "0".
void AppendPrice(std::string& out, std::int64_t mantissa, const NumberFormat& format);
void AppendQuantity(std::string& out, std::int64_t mantissa, const NumberFormat& format);

// ---- op answers. `req_id` is the client's, absent when it sent none (linear then writes "").

// Spot: {"success":true,"ret_msg":"subscribe","conn_id":..,"req_id":..,"op":"subscribe"};
// linear: {"success":true,"ret_msg":"","conn_id":..,"req_id":..,"op":"subscribe"}.
std::string OpSuccess(Category category, std::string_view conn_id,
                      const std::optional<std::string>& req_id, std::string_view op);
// {"success":false,"ret_msg":<ret_msg>,"conn_id":..,"req_id":..,"op":<op>}
std::string OpFailure(Category category, std::string_view conn_id,
                      const std::optional<std::string>& req_id, std::string_view op,
                      std::string_view ret_msg);
// Spot: {"success":true,"ret_msg":"pong","conn_id":..,"op":"ping"} (req_id when sent); linear
// always carries "req_id".
std::string Pong(Category category, std::string_view conn_id,
                 const std::optional<std::string>& req_id);

// A UUID-shaped id ("2324d924-aa4d-45b0-a858-7b8be29ab52b") derived from `seed`: conn_id, and
// the trade id of derivatives.
std::string UuidText(std::uint64_t seed);

// ---- market data

// {"topic":"orderbook.<depth>.<symbol>","type":"snapshot"|"delta","ts":..,"data":{"s":..,
// "b":[[p,q],..],"a":[[p,q],..],"u":..,"seq":..},"cts":..}: the key order of Bybit's archive.
// `bids` and `asks` best first.
std::string OrderbookMessage(std::string_view symbol, int depth, bool snapshot,
                             std::int64_t ts_ms, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks, std::uint64_t update_id,
                             std::uint64_t cross_sequence, std::int64_t cts_ms,
                             const NumberFormat& format);

enum class TickDirection : std::uint8_t { kPlusTick, kZeroPlusTick, kMinusTick, kZeroMinusTick };
std::string_view TickDirectionName(TickDirection direction);

struct PublicTrade {
  std::int64_t time_ms = 0;  // T
  bool taker_buys = false;   // S: the taker's side
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  std::string id;  // i: numeric on spot, a UUID on derivatives (TradeIdText)
  TickDirection direction = TickDirection::kZeroPlusTick;  // L: derivatives only
  bool block_trade = false;
  std::uint64_t seq = 0;
};
std::string TradeIdText(Category category, std::uint64_t trade_id);

// {"topic":"publicTrade.<symbol>","type":"snapshot","ts":..,"data":[{"T":..,"s":..,"S":"Buy",
// "v":..,"p":..,"L":..,"i":..,"BT":false,"seq":..},..]}; spot has no "L". Oldest first.
std::string PublicTradeMessage(std::string_view symbol, std::int64_t ts_ms,
                               std::span<const PublicTrade> trades, const NumberFormat& format);

// Mantissas at kSimScale; change_ratio is price24hPcnt (0.0196 is 1'960'000).
struct SpotTicker {
  std::int64_t last_price = 0;
  std::int64_t high_price = 0;
  std::int64_t low_price = 0;
  std::int64_t prev_price_24h = 0;
  std::int64_t volume = 0;
  std::int64_t turnover = 0;
  std::int64_t change_ratio = 0;
  std::int64_t usd_index_price = 0;
};
// {"topic":"tickers.<symbol>","ts":..,"type":"snapshot","cs":..,"data":{"symbol":..,
// "lastPrice":..,..,"usdIndexPrice":..}}: always a snapshot, never a bid or ask.
std::string SpotTickerMessage(std::string_view symbol, std::int64_t ts_ms,
                              std::uint64_t cross_sequence, const SpotTicker& ticker);

struct LinearTicker {
  enum Field : std::uint32_t {
    kTickDirection = 1u << 0,
    kChangeRatio = 1u << 1,
    kLastPrice = 1u << 2,
    kPrevPrice24h = 1u << 3,
    kHighPrice = 1u << 4,
    kLowPrice = 1u << 5,
    kPrevPrice1h = 1u << 6,
    kMarkPrice = 1u << 7,
    kIndexPrice = 1u << 8,
    kOpenInterest = 1u << 9,
    kOpenInterestValue = 1u << 10,
    kTurnover = 1u << 11,
    kVolume = 1u << 12,
    kNextFundingTime = 1u << 13,
    kFundingRate = 1u << 14,
    kBid1Price = 1u << 15,
    kBid1Size = 1u << 16,
    kAsk1Price = 1u << 17,
    kAsk1Size = 1u << 18,
    kAllFields = (1u << 19) - 1,
  };
  TickDirection tick_direction = TickDirection::kZeroPlusTick;
  std::int64_t change_ratio = 0;
  std::int64_t last_price = 0;
  std::int64_t prev_price_24h = 0;
  std::int64_t high_price = 0;
  std::int64_t low_price = 0;
  std::int64_t prev_price_1h = 0;
  std::int64_t mark_price = 0;
  std::int64_t index_price = 0;
  std::int64_t open_interest = 0;
  std::int64_t open_interest_value = 0;
  std::int64_t turnover = 0;
  std::int64_t volume = 0;
  std::int64_t next_funding_time_ms = 0;
  std::int64_t funding_rate = 0;
  std::int64_t bid1_price = 0;
  std::int64_t bid1_size = 0;
  std::int64_t ask1_price = 0;
  std::int64_t ask1_size = 0;
};
// The fields of `b` that differ from `a` (LinearTicker::Field bits).
std::uint32_t ChangedFields(const LinearTicker& a, const LinearTicker& b);
// {"topic":"tickers.<symbol>","type":"snapshot"|"delta","data":{"symbol":..,<fields>},"cs":..,
// "ts":..}: a delta carries only `fields`, the ones that changed.
std::string LinearTickerMessage(std::string_view symbol, bool snapshot, std::uint32_t fields,
                                const LinearTicker& ticker, std::uint64_t cross_sequence,
                                std::int64_t ts_ms, const NumberFormat& format);

// ---- REST

// GET /v5/market/instruments-info?category=<category>: {"retCode":0,"retMsg":"OK","result":
// {"category":..,"list":[..]("nextPageCursor":"" on linear)},"retExtInfo":{},"time":..} with each
// symbol in the category's shape (spot: lotSizeFilter basePrecision/minOrderAmt/maxLimitOrderQty;
// linear: a LinearPerpetual with priceScale, qtyStep, minNotionalValue).
std::string InstrumentsInfoBody(Category category, std::span<const SymbolSpec* const> symbols,
                                std::int64_t time_ms);
// The same envelope for a category this venue does not serve: an empty list.
std::string EmptyInstrumentsInfoBody(std::string_view category, std::int64_t time_ms);
// {"retCode":<code>,"retMsg":<message>,"result":{},"retExtInfo":{},"time":..}
std::string RestErrorBody(int ret_code, std::string_view ret_msg, std::int64_t time_ms);
// GET /v5/market/time: {"retCode":0,"retMsg":"OK","result":{"timeSecond":..,"timeNano":..},..}
std::string ServerTimeBody(std::int64_t now_ns);

}  // namespace tradingd::sim::bybit
