#pragma once
// The Kraken market-data protocol core, without sockets: frames in, core events out. The daemon's
// Kraken feed feeds it from the network and `tradingd replay --venue kraken` from a capture, so
// both run the same parsing, book and checksum code.
//
// Kraken has no sequence numbers; a book's integrity is its checksum (CRC-32 of the 10 best levels
// a side, on the text of prices and quantities), sent with every update (v1, v2) and with the
// snapshot (v2). Per book, in the feed: a LevelTextBook that keeps each level's text, truncated to
// the subscribed depth after every message (Kraken sends no delete for a level pushed out of
// range, so the deletes this produces are forwarded to the engine too, keeping its book equal).
// v1 texts are used as received; v2 sends JSON numbers, formatted with the pair's precision when it
// is known (SetPrecision) before the checksum, as Kraken's guide requires.
//
// States: a book waits (SYNCING) until a snapshot, goes LIVE with it when its checksum matches,
// and on a checksum mismatch, an update it cannot apply, or a refused event (queue full) goes
// STALE with the reason, asks the feed to resubscribe it (`request_resync`), and ignores updates
// until the next snapshot. Heartbeats and statuses are counted; silence is the connection's watch.
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
#include "feeds/common/feed_books.h"
#include "feeds/common/level_text_book.h"
#include "feeds/kraken/kraken_parser.h"

namespace tradingd::feeds::kraken {

struct KrakenMarketDataOptions {
  std::size_t book_depth = 10;  // the depth subscribed (10, 25, 100, 500 or 1000)
  KrakenParserOptions parser;
};

struct KrakenMarketDataCounters {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;
  KrakenParseError last_parse_error = KrakenParseError::kOk;
  std::uint64_t unknown_symbol = 0;
  std::uint64_t book_snapshots = 0;
  std::uint64_t book_updates = 0;     // applied to a live book
  std::uint64_t updates_ignored = 0;  // for a book waiting for its snapshot
  std::uint64_t checksum_ok = 0;
  std::uint64_t checksum_failed = 0;
  std::uint64_t bad_levels = 0;       // updates the book refused (a text too long, a bad price)
  std::uint64_t ticker = 0;
  std::uint64_t trade = 0;            // trade messages (one may carry several trades)
  std::uint64_t heartbeat = 0;
  std::uint64_t other = 0;            // statuses, acks, pongs, channels we do not consume
  std::uint64_t venue_errors = 0;
  std::uint64_t resyncs = 0;
};

class KrakenMarketData {
 public:
  using ResyncRequester = FeedBooks::ResyncRequester;

  KrakenMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                   ResyncRequester request_resync, KrakenMarketDataOptions options = {});
  KrakenMarketData(const KrakenMarketData&) = delete;
  KrakenMarketData& operator=(const KrakenMarketData&) = delete;

  // One WebSocket frame, followed by at least net::kPayloadPadding readable bytes.
  void OnFrame(std::string_view payload, std::int64_t receive_ns);
  // The stream is gone: every book is STALE(reason) and waits for a snapshot on the next connection.
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns);
  // Drop one book and ask for a fresh snapshot (the engine found it crossed, ...).
  void Resync(core::InstrumentId instrument, core::BookReason reason, std::int64_t now_ns);
  // The pair's decimals for prices and quantities, from the venue's instrument data: v2 numbers are
  // written with them for the checksum. Unknown (the default): the number's text as received.
  void SetPrecision(core::InstrumentId instrument, int price_decimals, int quantity_decimals);
  // The depth subscribed for one book (the default is options.book_depth).
  void SetDepth(core::InstrumentId instrument, std::size_t depth);
  // Forget all book state and owed statuses (counters are kept).
  void Reset();

  const KrakenMarketDataCounters& counters() const { return counters_; }
  std::uint64_t queue_drops() const { return books_.queue_drops(); }
  core::BookState book_state(core::InstrumentId instrument) const {
    return books_.book_state(instrument);
  }
  const std::vector<core::InstrumentId>& instruments() const { return books_.instruments(); }

 private:
  // What Kraken keeps of a book beside its state in books_.
  struct TextBook {
    LevelTextBook levels;     // emptied whenever the book goes STALE
    int price_decimals = -1;  // -1: use the text as received
    int quantity_decimals = -1;
    std::uint64_t updates = 0;  // messages applied since start: the engine's sequence
  };

  void OnBook(const core::Instrument& instrument, TextBook& book, const KrakenMessage& message,
              std::int64_t receive_ns);
  // Applies the message's levels to the text book (and to the outgoing lists); false when one was
  // refused.
  bool ApplyLevels(const core::Instrument& instrument, TextBook& book, const KrakenBook& message,
                   bool snapshot);

  const core::SymbolRegistry& registry_;
  KrakenMarketDataOptions options_;
  KrakenParser parser_;
  KrakenMarketDataCounters counters_;  // before books_, which counts resyncs in it
  FeedBooks books_;
  std::vector<TextBook> text_books_;  // by InstrumentId
  // Scratch for the levels of one message as the engine gets them.
  std::vector<core::PriceLevel> out_bids_;
  std::vector<core::PriceLevel> out_asks_;
};

}  // namespace tradingd::feeds::kraken
