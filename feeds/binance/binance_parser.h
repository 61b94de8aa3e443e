#pragma once
// Decodes Binance spot and USD-M futures market-data messages with simdjson On-Demand, in place: no
// copy of the payload, no unescaping, no allocation per message. Prices and quantities are taken as
// the raw JSON string tokens and converted by core::ParseDecimal at the instrument's scales, so they
// stay exact.
//
// Handles the combined-stream envelope {"stream":"btcusdt@depth@100ms","data":{...}} and raw
// payloads: depthUpdate, bookTicker (spot: no "e"; futures: with "e"), trade, subscription acks
// {"result":null,"id":1}, venue errors {"error":{"code":..,"msg":..}} or {"code":..,"msg":..}.
// Partial book depth (<symbol>@depth<5|10|20>[@100ms|@250ms|@500ms|@1000ms]) is recognised by the
// envelope's stream name: spot sends {"lastUpdateId":..,"bids":..,"asks":..} with no event type
// and no symbol inside (the stream name gives it), USD-M sends a depthUpdate that looks exactly
// like a diff but holds the top N levels. So partial depth needs the combined stream; on a raw
// stream a spot partial payload is kUnknown and a futures one would read as a diff. Only the
// venue's own shape is looked for (a spot depthUpdate on a partial stream name is read as the
// diff it is), so spot diffs never look at the stream name and futures diffs compare a few bytes.
// Other event types (aggTrade, kline, ...) come back as kUnknown so the caller can count them.
// Also decodes the REST depth snapshot (/api/v3/depth, /fapi/v1/depth) and exchangeInfo.
//
// Hostile input (truncated JSON, wrong types, non-UTF-8, decimals that do not fit, arrays longer than
// the configured bound) yields a ParseError; nothing in here throws or reads out of bounds.
//
// Thread contract: one parser per thread (it owns the simdjson parser and reusable buffers). The
// registry must stay unchanged while the parser lives. The views in a ParsedMessage or DepthSnapshot
// are valid until the next call on the same parser.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/venue.h"

namespace tradingd::feeds::binance {

enum class [[nodiscard]] ParseError : std::uint8_t {
  kOk = 0,
  kJson,            // not JSON: truncated, bad syntax, non-UTF-8, nesting (simdjson's verdict)
  kWrongType,       // a known field has an unexpected JSON type
  kMissingField,    // a field the message kind requires is absent
  kBadDecimal,      // a price or quantity is not a decimal, has too many digits or overflows
  kBadSequence,     // U > u, or another impossible update-id combination
  kTooManyLevels,   // a level array is longer than the parser's bound (or a partial depth's N)
  kUnknownSymbol,   // well-formed, but for a symbol the registry does not list on this venue
  kVenueError,      // a REST body that is the venue's error object ({"code":-1121,"msg":..})
  kSymbolMismatch,  // a partial depth frame whose stream name and "s" name different symbols
};
const char* ParseErrorName(ParseError error);

enum class MessageKind : std::uint8_t {
  kDepthUpdate,
  kPartialDepth,     // the top N levels of a partial book depth stream (replaces the book)
  kBookTicker,
  kTrade,
  kSubscriptionAck,  // {"result":null,"id":1}
  kVenueError,       // {"error":{...}} or {"code":..,"msg":..}
  kUnknown,          // a well-formed event of a kind we do not consume
};

struct DepthUpdateMessage {
  std::uint64_t first_update_id = 0;     // U
  std::uint64_t final_update_id = 0;     // u
  std::uint64_t previous_update_id = 0;  // pu (futures only; 0 on spot)
  bool has_previous = false;
  std::int64_t event_time_ms = 0;        // E
  std::int64_t transaction_time_ms = 0;  // T (futures)
  // Bids then asks, at the instrument's scales; valid until the next parse.
  std::span<const core::PriceLevel> bids;
  std::span<const core::PriceLevel> asks;
};

// One message of a partial book depth stream: the venue's best `levels` levels a side at that
// update id (at most that many; fewer when the book is thinner), replacing whatever came before.
struct PartialDepthMessage {
  std::uint64_t last_update_id = 0;      // spot lastUpdateId; futures u
  std::uint64_t first_update_id = 0;     // futures U (0 on spot)
  std::uint64_t previous_update_id = 0;  // futures pu (0 on spot)
  std::int64_t event_time_ms = 0;        // futures E (0 on spot: the payload has no time)
  std::int64_t transaction_time_ms = 0;  // futures T
  int levels = 0;                        // N of the stream name: 5, 10 or 20
  // Bids then asks, at the instrument's scales, in the venue's order; valid until the next parse.
  std::span<const core::PriceLevel> bids;
  std::span<const core::PriceLevel> asks;
};

struct BookTickerMessage {
  std::uint64_t update_id = 0;  // u
  std::int64_t event_time_ms = 0;
  core::Price bid_price;
  core::Quantity bid_quantity;
  core::Price ask_price;
  core::Quantity ask_quantity;
};

struct TradeMessage {
  std::uint64_t trade_id = 0;
  std::int64_t event_time_ms = 0;
  std::int64_t trade_time_ms = 0;
  core::Price price;
  core::Quantity quantity;
  bool buyer_is_maker = false;  // m: true means the seller was the aggressor
};

struct ParsedMessage {
  MessageKind kind = MessageKind::kUnknown;
  const core::Instrument* instrument = nullptr;  // depth, partial depth, bookTicker, trade
  DepthUpdateMessage depth;
  PartialDepthMessage partial;
  BookTickerMessage book_ticker;
  TradeMessage trade;
  std::int64_t venue_error_code = 0;  // kVenueError
  std::int64_t ack_id = 0;            // kSubscriptionAck
};

// Splits a partial book depth stream name: "btcusdt@depth20@100ms" gives symbol "btcusdt" (as
// spelled in the name) and levels 20. Accepts <symbol>@depth<5|10|20> with an optional @100ms,
// @250ms, @500ms or @1000ms; false for anything else (diff streams included).
bool ParsePartialDepthStream(std::string_view stream, std::string_view* symbol, int* levels);

struct DepthSnapshot {
  std::uint64_t last_update_id = 0;
  std::int64_t event_time_ms = 0;  // E (futures only)
  std::span<const core::PriceLevel> bids;
  std::span<const core::PriceLevel> asks;
};

// exchangeInfo decoded into rules for the instruments the registry lists on this venue.
struct ExchangeInfo {
  std::vector<core::InstrumentRules> rules;
  std::vector<std::string> errors;  // per-symbol problems (the symbol is skipped); control plane
};

struct BinanceParserOptions {
  // Longest bid or ask array accepted in one message or snapshot (Binance sends at most 5,000 per
  // side in a snapshot and a few hundred in a diff).
  std::size_t max_levels_per_side = 10000;
  // The byte-level fast paths: canonical depth diffs read whole without simdjson, and compact level
  // arrays inside any other depth message or snapshot. They give the
  // same result as the generic On-Demand path on every input; turning them off is for tests and
  // benchmarks that compare the two.
  bool fast_paths = true;
};

class BinanceParser {
 public:
  BinanceParser(core::Venue venue, const core::SymbolRegistry& registry,
                BinanceParserOptions options = {});
  ~BinanceParser();
  BinanceParser(const BinanceParser&) = delete;
  BinanceParser& operator=(const BinanceParser&) = delete;

  // One WebSocket frame. `payload` must be followed by at least simdjson::SIMDJSON_PADDING (64)
  // readable bytes, as net::WebSocketClient guarantees (kPayloadPadding).
  ParseError ParseFrame(std::string_view payload, ParsedMessage* out);

  // A REST depth snapshot body for `instrument` (no padding needed: it is copied into a reusable
  // padded buffer; snapshots are rare).
  ParseError ParseDepthSnapshot(std::string_view body, const core::Instrument& instrument,
                                DepthSnapshot* out);

  // GET /api/v3/exchangeInfo or /fapi/v1/exchangeInfo. Control plane: allocates freely.
  ParseError ParseExchangeInfo(std::string_view body, ExchangeInfo* out);

  core::Venue venue() const;
  // Frames read whole by the canonical depth-diff scan, without simdjson (for tests and stats).
  std::uint64_t canonical_depth_frames() const;

 private:
  // simdjson stays out of this header: its On-Demand types depend on the instruction set a
  // translation unit is compiled for, and only binance_parser.cc is built for the fast one.
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::binance
