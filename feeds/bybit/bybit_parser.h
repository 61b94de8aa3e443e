#pragma once
// Bybit v5 public market data (wss://stream.bybit.com/v5/public/{spot,linear,inverse,option}),
// decoded into plain structs with simdjson On-Demand, in place: prices and quantities are the raw
// string tokens converted by core::ParseDecimal at the instrument's scales, so they stay exact.
//
// Messages: `orderbook.{depth}.{symbol}` snapshot/delta ({topic, type, ts, data{s, b, a, u, seq},
// cts}), `publicTrade.{symbol}` (data: an array of trades, `S` the taker's side),
// `tickers.{symbol}` (linear/inverse carry bid1Price/bid1Size/ask1Price/ask1Size and a delta omits
// what did not change; spot carries no bid/ask at all), and the op responses: subscribe acks
// (success true/false with ret_msg; the option endpoint's COMMAND_RESP with data.failTopics), pongs
// (spot/linear answer
// {"success":true,"ret_msg":"pong","op":"ping"}, option {"op":"pong"}: keyed on ret_msg and op).
// The instrument comes from the data's symbol (data.s, data[i].s, data.symbol), never from the
// topic: option trades share one topic per base coin (`publicTrade.BTC`).
// Fields are gathered in one pass whatever their order and decided afterwards; the data of a topic
// we do not consume is skipped unread when the topic comes first (as Bybit always sends it).
//
// Every message is hostile until proven otherwise: malformed JSON, non-UTF-8, wrong types, missing
// fields, repeated keys that would change the book a message is for, unknown symbols, bad decimals
// and oversized arrays each give their error code; unknown fields are skipped. No allocation per
// message once the vectors have grown.
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

namespace tradingd::feeds::bybit {

using BybitParseError = FeedParseError;

enum class BybitMessageKind : std::uint8_t {
  kUnknown,  // well formed, but nothing we consume (other topics, other ops)
  kBookSnapshot,
  kBookDelta,
  kTicker,
  kTrade,
  kPong,
  kSubscribeAck,
  kVenueError,  // a request failed: `error` says why
};

struct BybitBook {
  // Bids then asks in message order, at the instrument's scales; quantity 0 deletes the level.
  std::span<const core::PriceLevel> bids;
  std::span<const core::PriceLevel> asks;
  std::uint64_t update_id = 0;             // u: +1 per message on one depth stream
  std::uint64_t cross_sequence = 0;        // seq (0 when absent: options)
  core::TimestampNs exchange_time_ns = 0;  // ts, when Bybit generated the message
  core::TimestampNs match_time_ns = 0;     // cts, the matching engine's time (0 when absent)
};

struct BybitTrade {
  const core::Instrument* instrument = nullptr;  // from the trade's own "s"
  core::Side aggressor = core::Side::kUnknown;   // "S" is the taker's side
  core::Price price;
  core::Quantity quantity;
  std::uint64_t trade_id = 0;  // "i" when it is a decimal number (spot); 0 for UUIDs (derivatives)
  core::TimestampNs exchange_time_ns = 0;  // T
};

// A ticker carries only the fields it has: a linear delta omits what did not change, and a spot
// ticker has no bid/ask at all. The caller merges them into the state it keeps.
struct BybitTicker {
  bool has_bid_price = false, has_bid_quantity = false;
  bool has_ask_price = false, has_ask_quantity = false;
  core::Price bid_price;
  core::Quantity bid_quantity;
  core::Price ask_price;
  core::Quantity ask_quantity;
  bool snapshot = false;  // the full state: fields it lacks are unknown, not unchanged
  core::TimestampNs exchange_time_ns = 0;  // ts
};

struct BybitMessage {
  BybitMessageKind kind = BybitMessageKind::kUnknown;
  const core::Instrument* instrument = nullptr;  // book and ticker messages
  BybitBook book;
  BybitTicker ticker;
  std::span<const BybitTrade> trades;     // known symbols only, in message order
  std::size_t unknown_symbol_trades = 0;  // trades left out: their symbol is not registered
  // kVenueError: ret_msg, or the first topic of an option ack's failTopics; bounded by the message.
  std::string_view error;
};

struct BybitParserOptions {
  // Bybit's deepest book stream is 1,000 levels a side; a snapshot carries at most that.
  std::size_t max_levels_per_side = 1000;
  std::size_t max_trades = 1024;
};

class BybitParser {
 public:
  explicit BybitParser(const core::SymbolRegistry& registry, BybitParserOptions options = {});
  ~BybitParser();
  BybitParser(const BybitParser&) = delete;
  BybitParser& operator=(const BybitParser&) = delete;

  // One WebSocket frame, followed by at least 64 readable bytes (net::kPayloadPadding). The views
  // in `out` point into the payload or the parser and are valid until the next call.
  //
  // On kOk `out` is the message. On kBadDecimal the message was well formed JSON of a shape Bybit
  // sends, for a registered symbol, and only a value could not be held exactly: `kind` and, for
  // books and tickers, `instrument` (and `book.update_id`) are set so that the caller knows which
  // book just lost an update; the levels, trades and ticker values are left empty. On every other
  // error `out` is empty: what a broken message names cannot be trusted.
  BybitParseError Parse(std::string_view payload, BybitMessage* out);

 private:
  class Impl;  // simdjson stays out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::bybit
