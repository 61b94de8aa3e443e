#pragma once
// The Bybit v5 public market-data protocol core, without sockets: frames in, core events out. The
// daemon's Bybit feed feeds it from the network and a replay from a capture, so both run the same
// parsing and sequencing code.
//
// Bybit's book integrity is its update id `u`, +1 per message on one depth stream (the feed
// subscribes one depth per symbol: two depths of one symbol are two sequences). Per book:
//   - a snapshot, or any message with u == 1 (Bybit's service restart), replaces the book and makes
//     it LIVE. A snapshot is always accepted: depth-1 streams re-push it every 3 s with the SAME u.
//   - a delta for a LIVE book must have u == previous u + 1; otherwise updates were lost: the book
//     goes STALE(kSequenceGap), then SYNCING, the feed is asked to resubscribe it
//     (`request_resync`), and deltas are ignored until the next snapshot.
//   - a delta for a book that is not LIVE waits for that snapshot (counted, ignored).
//   - a book message for a known book that cannot be read (a bad decimal) is a lost update: a LIVE
//     book goes STALE(kMalformed) and resyncs. A book that is not LIVE is left waiting: scales do
//     not change, so asking again for a snapshot we could not read would only ask again and again.
//   - a refused event (queue full) makes the book STALE(kQueueOverflow), owed before its next
//   event.
// Bybit has no checksum, so the feed keeps no copy of the book: levels go straight to the engine
// (quantity 0 deletes; Bybit deletes levels leaving the depth explicitly), which also checks that
// the book is not crossed. Book events carry u as their sequence numbers.
//
// Tickers: linear/inverse deltas omit unchanged fields, so the last bid/ask per instrument is kept
// and merged; a Quote goes out once all four are known and the message changed one of them. Spot
// tickers carry no bid/ask and give no quote (the spot BBO is the orderbook.1 stream).
//
// Thread contract: one instance per venue connection, used by one thread (the feed's I/O thread,
// or the replay thread). The registry and the sink must outlive it. `request_resync` must not call
// back into this object synchronously (post the request).

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/bybit/bybit_parser.h"
#include "feeds/common/feed_books.h"

namespace tradingd::feeds::bybit {

struct BybitMarketDataOptions {
  BybitParserOptions parser;
};

struct BybitMarketDataCounters {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;
  BybitParseError last_parse_error = BybitParseError::kOk;
  std::uint64_t unknown_symbol = 0;  // frames with data for a symbol not registered on Bybit
  std::uint64_t book_snapshots = 0;  // snapshots and u == 1 resets
  std::uint64_t book_deltas = 0;     // applied to a live book
  std::uint64_t deltas_ignored = 0;  // for a book waiting for its snapshot
  std::uint64_t gaps = 0;
  std::uint64_t resyncs = 0;  // books sent to STALE + resync, whatever the reason
  std::uint64_t ticker = 0;   // ticker messages (with or without a quote)
  std::uint64_t trade = 0;    // trade messages (one may carry several trades)
  std::uint64_t other = 0;    // pongs, acks, topics we do not consume
  std::uint64_t venue_errors = 0;
};

class BybitMarketData {
 public:
  using ResyncRequester = FeedBooks::ResyncRequester;

  BybitMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                  ResyncRequester request_resync, BybitMarketDataOptions options = {});
  BybitMarketData(const BybitMarketData&) = delete;
  BybitMarketData& operator=(const BybitMarketData&) = delete;

  // One WebSocket frame, followed by at least net::kPayloadPadding readable bytes.
  void OnFrame(std::string_view payload, std::int64_t receive_ns);
  // The stream is gone: every book is STALE(reason) and waits for a snapshot on the next
  // connection (whose subscription brings it: no resync is requested); ticker state is dropped.
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns);
  // Drop one book and ask for a fresh snapshot (the engine found it crossed, ...).
  void Resync(core::InstrumentId instrument, core::BookReason reason, std::int64_t now_ns);
  // Forget all book and ticker state and owed statuses (counters are kept).
  void Reset();

  const BybitMarketDataCounters& counters() const { return counters_; }
  std::uint64_t queue_drops() const { return books_.queue_drops(); }
  core::BookState book_state(core::InstrumentId instrument) const {
    return books_.book_state(instrument);
  }
  const std::vector<core::InstrumentId>& instruments() const { return books_.instruments(); }

 private:
  // The last bid/ask a linear ticker gave; `known` has a bit per field.
  struct TickerState {
    core::Price bid_price;
    core::Quantity bid_quantity;
    core::Price ask_price;
    core::Quantity ask_quantity;
    std::uint8_t known = 0;
  };

  void OnBook(core::InstrumentId id, const BybitMessage& message, std::int64_t receive_ns);
  // A book message for a known book that could not be read (kBadDecimal).
  void OnUnreadableBook(const BybitMessage& message, std::int64_t receive_ns);
  void OnTicker(const BybitMessage& message, std::int64_t receive_ns);
  void OnTrades(const BybitMessage& message, std::int64_t receive_ns);

  BybitParser parser_;
  BybitMarketDataCounters counters_;  // before books_, which counts resyncs in it
  FeedBooks books_;
  // By InstrumentId: u of the last message applied to the book (meaningful while it is LIVE).
  std::vector<std::uint64_t> update_ids_;
  std::vector<TickerState> tickers_;  // by InstrumentId
};

}  // namespace tradingd::feeds::bybit
