#pragma once
// The OKX market-data protocol core, without sockets: frames in, core events out; the daemon's OKX
// feed and `tradingd replay --venue okx` run the same code.
//
// Integrity of a `books` book, whatever OKX sends at the time: the prevSeqId/seqId chain when the
// messages carry it (each update's prevSeqId is the previous seqId; an idle heartbeat repeats the
// seqId; after maintenance seqId may restart lower, still chained through prevSeqId), and the
// legacy checksum (signed CRC-32 of the 25 best levels a side, on the strings as received) when it
// is present and not 0. Per book, in the feed: a LevelTextBook that keeps the texts for that
// checksum. `books5` messages are whole books. Quotes come from `tickers` and `bbo-tbt`.
//
// A gap, a checksum mismatch, an update the book refuses or a refused event (queue full) makes the
// book STALE with the reason; the feed is asked to resubscribe it (`request_resync`), and updates
// are ignored until the next snapshot.
//
// Thread contract: one instance per venue connection, used by one thread (the feed's I/O thread,
// or the replay thread). The registry and the sink must outlive it. `request_resync` must not call
// back into this object synchronously.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/feed_books.h"
#include "feeds/common/level_text_book.h"
#include "feeds/okx/okx_parser.h"

namespace tradingd::feeds::okx {

struct OkxMarketDataCounters {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;
  FeedParseError last_parse_error = FeedParseError::kOk;
  std::uint64_t unknown_symbol = 0;
  std::uint64_t book_snapshots = 0;
  std::uint64_t book_updates = 0;     // applied to a live book
  std::uint64_t updates_ignored = 0;  // for a book waiting for its snapshot
  std::uint64_t heartbeats = 0;       // empty updates that repeat the seqId
  std::uint64_t checksum_ok = 0;
  std::uint64_t checksum_failed = 0;
  std::uint64_t gaps = 0;
  std::uint64_t sequence_resets = 0;  // seqId restarted lower (after maintenance), still chained
  std::uint64_t bad_levels = 0;
  std::uint64_t quotes = 0;
  std::uint64_t trades = 0;  // trade messages
  std::uint64_t other = 0;   // acks, pongs, notices, channels we do not consume
  std::uint64_t venue_errors = 0;
  std::uint64_t resyncs = 0;
};

class OkxMarketData {
 public:
  using ResyncRequester = FeedBooks::ResyncRequester;

  OkxMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                ResyncRequester request_resync, OkxParserOptions options = {});
  OkxMarketData(const OkxMarketData&) = delete;
  OkxMarketData& operator=(const OkxMarketData&) = delete;

  // One WebSocket frame, followed by at least net::kPayloadPadding readable bytes.
  void OnFrame(std::string_view payload, std::int64_t receive_ns);
  // The stream is gone: every book is STALE(reason) until its next snapshot.
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns);
  void Resync(core::InstrumentId instrument, core::BookReason reason, std::int64_t now_ns);
  void Reset();

  const OkxMarketDataCounters& counters() const { return counters_; }
  std::uint64_t queue_drops() const { return books_.queue_drops(); }
  core::BookState book_state(core::InstrumentId instrument) const {
    return books_.book_state(instrument);
  }
  const std::vector<core::InstrumentId>& instruments() const { return books_.instruments(); }

 private:
  // What OKX needs of a book beside its state in books_.
  struct TextBook {
    // No depth limit: OKX deletes every level it drops. The texts and the seqId are dropped
    // whenever the book goes STALE.
    LevelTextBook levels;
    bool has_sequence = false;
    std::int64_t sequence = 0;  // the last seqId
    std::uint64_t updates = 0;  // messages applied: the engine's sequence when OKX gives none
  };

  void OnBook(core::InstrumentId id, TextBook& book, const OkxMessage& message,
              std::int64_t receive_ns);

  OkxParser parser_;
  OkxMarketDataCounters counters_;  // before books_, which counts resyncs in it
  FeedBooks books_;
  std::vector<TextBook> text_books_;  // by InstrumentId
  std::vector<core::PriceLevel> out_bids_;
  std::vector<core::PriceLevel> out_asks_;
};

}  // namespace tradingd::feeds::okx
