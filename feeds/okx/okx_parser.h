#pragma once
// OKX v5 public market data (wss://ws.okx.com:8443/ws/v5/public), decoded into plain structs:
// `books` snapshot/update (400 levels; prevSeqId/seqId chain; the legacy checksum, 0 or absent
// when OKX no longer sends it), `books5` (a whole 5-level book each time), `bbo-tbt` and `tickers`
// (best bid/ask), `trades`, the "event" replies (subscribe, error, notice) and the text "pong".
// Levels keep their text beside the fixed-point values: the checksum is computed on the strings as
// received.
//
// Every message is hostile until proven otherwise; unknown fields and channels are skipped. No
// allocation per message once the level vectors have grown.
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

namespace tradingd::feeds::okx {

enum class OkxMessageKind : std::uint8_t {
  kUnknown,  // well formed, nothing we consume
  kBookSnapshot,
  kBookUpdate,
  kQuote,  // tickers, bbo-tbt
  kTrade,
  kSubscribeAck,
  kPong,
  kNotice,      // e.g. 64008: the connection will close soon for a service upgrade
  kVenueError,  // `error`: code and message
};

struct OkxLevel {
  core::Price price;
  core::Quantity quantity;
  std::string_view price_text;  // as received: the checksum is computed on it
  std::string_view quantity_text;
};

struct OkxBook {
  std::span<const OkxLevel> bids;
  std::span<const OkxLevel> asks;
  bool has_checksum = false;  // present and not 0 (OKX sends 0 once the checksum is retired)
  std::int32_t checksum = 0;
  bool has_sequence = false;
  std::int64_t previous_sequence = 0;  // prevSeqId: -1 on a snapshot
  std::int64_t sequence = 0;           // seqId
  core::TimestampNs exchange_time_ns = 0;
};

struct OkxQuote {
  core::Price bid_price;
  core::Quantity bid_quantity;
  core::Price ask_price;
  core::Quantity ask_quantity;
  core::TimestampNs exchange_time_ns = 0;
};

struct OkxTrade {
  core::Side aggressor = core::Side::kUnknown;  // OKX's side is the taker's
  core::Price price;
  core::Quantity quantity;
  std::uint64_t trade_id = 0;
  core::TimestampNs exchange_time_ns = 0;
};

struct OkxMessage {
  OkxMessageKind kind = OkxMessageKind::kUnknown;
  const core::Instrument* instrument = nullptr;
  OkxBook book;
  OkxQuote quote;
  std::span<const OkxTrade> trades;
  std::string_view code;     // kVenueError, kNotice
  std::string_view message;  // kVenueError, kNotice
};

struct OkxParserOptions {
  std::size_t max_levels_per_side = 5000;  // `books` has 400; REST books-full up to 5,000
  std::size_t max_trades = 1000;
};

class OkxParser {
 public:
  explicit OkxParser(const core::SymbolRegistry& registry, OkxParserOptions options = {});
  ~OkxParser();
  OkxParser(const OkxParser&) = delete;
  OkxParser& operator=(const OkxParser&) = delete;

  // One WebSocket frame, followed by at least 64 readable bytes (net::kPayloadPadding). The views
  // in `out` point into the payload or the parser and are valid until the next call.
  FeedParseError Parse(std::string_view payload, OkxMessage* out);

 private:
  class Impl;  // simdjson stays out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::okx
