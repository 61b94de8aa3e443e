#pragma once
// Kraken spot market data, decoded into plain structs: WebSocket v2 (wss://ws.kraken.com/v2, JSON
// objects with numbers; what the feed subscribes to) and v1 (arrays of strings; the recorded
// fixture and older deployments). Book levels keep their text beside the fixed-point values,
// because Kraken's checksum is computed on text (v1: as received; v2: formatted by the caller with
// the pair's precision).
//
// Messages: v2 `book` snapshot/update (checksum), `ticker`, `trade`, `heartbeat`, `status`, method
// responses (subscribe acks, errors, pong); v1 book snapshot ("as"/"bs") and update ("a"/"b", the
// "c" checksum in the last object), trade and ticker arrays, and the "event" objects.
// A level's 4th v1 element ("r", republish) is accepted and treated as a normal update.
//
// Every message is hostile until proven otherwise: malformed JSON, wrong types, missing fields,
// unknown symbols, bad decimals and oversized level arrays each give their error code; unknown
// fields are skipped. No allocation per message once the level vectors have grown.
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

namespace tradingd::feeds::kraken {

using KrakenParseError = FeedParseError;

enum class KrakenMessageKind : std::uint8_t {
  kUnknown,  // well formed, but nothing we consume (other channels, ...)
  kBookSnapshot,
  kBookUpdate,
  kTicker,
  kTrade,
  kHeartbeat,
  kStatus,
  kSubscribeAck,
  kPong,
  kVenueError,  // a request failed: `error` says why
};

struct KrakenLevel {
  core::Price price;
  core::Quantity quantity;
  std::string_view price_text;  // as in the message (v2: the JSON number's text)
  std::string_view quantity_text;
};

struct KrakenBook {
  std::span<const KrakenLevel> bids;
  std::span<const KrakenLevel> asks;
  bool has_checksum = false;
  std::uint32_t checksum = 0;
  core::TimestampNs exchange_time_ns = 0;  // 0 when the message has none
};

struct KrakenTrade {
  core::Side aggressor = core::Side::kUnknown;  // Kraken's side is the taker's
  core::Price price;
  core::Quantity quantity;
  std::uint64_t trade_id = 0;  // v2 only (v1 trades have none)
  core::TimestampNs exchange_time_ns = 0;
};

struct KrakenTicker {
  core::Price bid_price;
  core::Quantity bid_quantity;
  core::Price ask_price;
  core::Quantity ask_quantity;
  core::TimestampNs exchange_time_ns = 0;
};

struct KrakenMessage {
  KrakenMessageKind kind = KrakenMessageKind::kUnknown;
  const core::Instrument* instrument = nullptr;  // book, ticker and trade messages
  KrakenBook book;
  KrakenTicker ticker;
  std::span<const KrakenTrade> trades;  // one message may carry several
  std::string_view error;               // kVenueError, bounded by the message
};

struct KrakenParserOptions {
  // Kraken's deepest book is 1,000 levels a side; a snapshot carries at most that.
  std::size_t max_levels_per_side = 1000;
  std::size_t max_trades = 1000;
};

class KrakenParser {
 public:
  explicit KrakenParser(const core::SymbolRegistry& registry, KrakenParserOptions options = {});
  ~KrakenParser();
  KrakenParser(const KrakenParser&) = delete;
  KrakenParser& operator=(const KrakenParser&) = delete;

  // One WebSocket frame, followed by at least 64 readable bytes (net::kPayloadPadding). The views
  // in `out` point into the payload or the parser and are valid until the next call.
  KrakenParseError Parse(std::string_view payload, KrakenMessage* out);

 private:
  class Impl;  // simdjson stays out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::kraken
