#pragma once
// The Binance market-data protocol core, without sockets: frames and REST snapshot bodies in, core
// events out. The daemon's BinanceFeed feeds it from the network; `tradingd replay` feeds it from a
// capture file. Both therefore run exactly the same parsing and sequencing code.
//
// Per instrument it runs Binance's local-order-book procedure (see depth_sequencer.h): while a book
// syncs, diffs are buffered (bounded; an overflow drops the buffer and fetches a new snapshot); the
// snapshot is published as BookUpdate chunks flagged kSnapshot, then every applied diff as chunks of
// kLevelsPerBookEvent levels (kFirstChunk .. kLastChunk, first_sequence = U, last_sequence = u),
// and the last chunk of the diff that bridges snapshot and stream carries kGoesLive.
//
// A book may instead take its levels from a partial book depth stream (BookSource::kPartialDepth,
// <symbol>@depth<N>@100ms): no REST snapshot and no sequencing across messages, since each message
// is the venue's whole top N. Every one is published as a snapshot (kSnapshot, so the engine's book
// is exactly those levels) whose last chunk carries kGoesLive; the first also follows SYNCING. One
// whose update id is older than the book's is dropped, one with the same id (the venue resends an
// unchanged book) is skipped; after a disconnect or a Resync the next message is taken whatever its
// id. Diffs and snapshots for such a book are ignored and counted, and it never asks for a
// snapshot. A refused chunk makes it STALE(kQueueOverflow) until the next message, sent whole.
//
// Book status events: SYNCING(reason) whenever a sync starts; STALE(kSequenceGap) before a resync
// caused by a gap; STALE(reason) for every book on a disconnect; STALE(kSnapshotFailed) for a bad
// snapshot body. When the sink refuses a book event (queue full) the engine's book has lost data:
// the drop is counted, STALE(kQueueOverflow) is owed and retried before anything else is published
// for that book (at the latest on the next frame), and the book resyncs. Trades and quotes pass
// whatever the book's state; a refused one is only counted.
//
// Steady state (a live book) does not allocate: the parser and the event scratch are reused, and
// buffers only grow while syncing.
//
// Thread contract: one instance per venue connection, used by one thread (the feed's I/O thread,
// or the replay thread). The registry and the sink must outlive it. `request_snapshot` is called
// on that thread and must not call back into this object synchronously (post the request).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/venue.h"
#include "feeds/binance/binance_parser.h"
#include "feeds/binance/depth_sequencer.h"
#include "feeds/common/book_publisher.h"

namespace tradingd::feeds::binance {

// Where a book's levels come from.
enum class BookSource : std::uint8_t {
  kDiff,          // the diff stream bridged onto a REST snapshot (Binance's local order book)
  kPartialDepth,  // a partial book depth stream: every message replaces the book's top N
};

struct BinanceMarketDataOptions {
  // Per book, while syncing. A busy futures @0ms stream sends a few hundred diffs a second; a
  // snapshot normally arrives within seconds.
  std::size_t max_buffered_diffs = 8192;
  std::size_t max_buffered_levels = 1 << 20;
  BinanceParserOptions parser;
};

// Counters since construction; `tradingd replay` prints them, FeedStatus carries some of them.
struct BinanceMarketDataCounters {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;     // frames that could not be decoded
  std::uint64_t queue_drops = 0;      // events the sink refused
  // Decoded messages by kind (for the registry's instruments).
  std::uint64_t depth = 0;
  std::uint64_t book_ticker = 0;
  std::uint64_t trade = 0;
  std::uint64_t other = 0;            // acks, venue errors, event types we do not consume
  std::uint64_t unknown_symbol = 0;   // well-formed messages for symbols not in the registry
  std::uint64_t venue_errors = 0;
  // Sequencing.
  std::uint64_t diffs_applied = 0;
  std::uint64_t diffs_dropped_old = 0;  // older than the snapshot, or duplicates
  std::uint64_t diffs_buffered = 0;
  std::uint64_t went_live = 0;
  std::uint64_t gaps = 0;
  std::uint64_t resyncs = 0;            // sync procedures started, for any reason
  std::uint64_t snapshots = 0;          // snapshots accepted
  std::uint64_t snapshots_too_old = 0;
  std::uint64_t snapshot_errors = 0;    // bodies that could not be decoded
  std::uint64_t snapshots_ignored = 0;  // arrived while no sync wanted one
  std::uint64_t buffer_overflows = 0;
  // Partial book depth.
  std::uint64_t partial_depth = 0;        // partial depth messages decoded
  std::uint64_t partial_applied = 0;      // published as the book
  std::uint64_t partial_dropped_old = 0;  // older than the book's update id
  std::uint64_t partial_unchanged = 0;    // the book's update id again: nothing new to publish
  std::uint64_t partial_ignored = 0;      // for a book that syncs from diffs
  std::uint64_t diffs_ignored = 0;        // diffs for a book fed by partial depth
  ParseError last_parse_error = ParseError::kOk;
};

class BinanceMarketData {
 public:
  using SnapshotRequester = std::function<void(core::InstrumentId)>;

  // `venue` is kBinance (spot rules) or kBinanceUsdm (futures rules).
  BinanceMarketData(core::Venue venue, const core::SymbolRegistry& registry, core::EventSink& sink,
                    SnapshotRequester request_snapshot, BinanceMarketDataOptions options = {});
  BinanceMarketData(const BinanceMarketData&) = delete;
  BinanceMarketData& operator=(const BinanceMarketData&) = delete;

  // One WebSocket frame, followed by at least net::kPayloadPadding readable bytes. A depth diff for
  // a book that is not syncing yet starts its sync (SYNCING + snapshot request).
  void OnFrame(std::string_view payload, std::int64_t receive_ns);
  // A REST depth snapshot body for `instrument` (no padding needed).
  void OnSnapshot(core::InstrumentId instrument, std::string_view body, std::int64_t receive_ns);
  // The snapshot could not be fetched: STALE(kSnapshotFailed) and a new request (the requester
  // applies its backoff).
  void OnSnapshotFailed(core::InstrumentId instrument, std::int64_t now_ns);
  // The stream is gone: every book is STALE(reason) and waits; the next connection resyncs them
  // (the feed calls Resync on open, or the first diff of a book starts its sync).
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns);
  // Restart the procedure for one book (on open, or when the engine finds it crossed).
  void Resync(core::InstrumentId instrument, core::BookReason reason, std::int64_t now_ns);
  // Forget all book state and owed statuses (counters are kept).
  void Reset();
  // Where `instrument`'s book comes from (kDiff unless set). Meant for setup, before frames flow;
  // a change later forgets the book's state, and its next message of the new kind starts it over.
  void SetBookSource(core::InstrumentId instrument, BookSource source);
  BookSource book_source(core::InstrumentId instrument) const;

  const BinanceMarketDataCounters& counters() const {
    counters_.queue_drops = publisher_.queue_drops();
    return counters_;
  }
  core::Venue venue() const { return venue_; }
  // The feed's view of a book: LIVE once bridged, SYNCING during the procedure, STALE otherwise.
  core::BookState book_state(core::InstrumentId instrument) const;
  // The instruments of this venue in the registry.
  const std::vector<core::InstrumentId>& instruments() const { return instrument_ids_; }

 private:
  struct BufferedDiff {
    DepthIds ids;
    core::TimestampNs exchange_time_ns;
    core::TimestampNs receive_time_ns;
    std::uint32_t level_offset;
    std::uint32_t bid_count;
    std::uint32_t ask_count;
  };
  struct Book {
    const core::Instrument* instrument = nullptr;  // null: not on this venue
    DepthSequencer sequencer;
    bool syncing = false;  // a procedure runs (SYNCING announced, snapshot requested)
    core::BookReason next_reason = core::BookReason::kStartup;
    std::vector<BufferedDiff> diffs;
    std::vector<core::PriceLevel> levels;
    BookSource source = BookSource::kDiff;
    // kPartialDepth: the engine holds the message with update id partial_id (when live), and no
    // older message may replace it (once has_partial_id).
    bool partial_live = false;
    bool has_partial_id = false;
    std::uint64_t partial_id = 0;
  };

  void OnDepth(Book& book, const DepthUpdateMessage& diff, std::int64_t receive_ns);
  void OnPartialDepth(Book& book, const PartialDepthMessage& partial, std::int64_t receive_ns);
  // Forgets a book's sync state (not its source).
  void ForgetBook(Book& book);
  void StartSync(Book& book, core::BookReason reason, std::int64_t now_ns, bool request);
  void RestartAfterGap(Book& book, std::int64_t now_ns);
  void OnQueueOverflow(Book& book, std::int64_t now_ns);
  void BufferDiff(Book& book, const DepthIds& ids, core::TimestampNs exchange_ns,
                  std::int64_t receive_ns, std::span<const core::PriceLevel> bids,
                  std::span<const core::PriceLevel> asks);
  void ClearBuffer(Book& book);
  void RequestSnapshot(const Book& book);

  // False when the sink refused a chunk (counted): the book is out of sync.
  bool EmitChunks(Book& book, std::uint8_t base_flags, std::uint64_t first_sequence,
                  std::uint64_t last_sequence, core::TimestampNs exchange_ns,
                  core::TimestampNs receive_ns, std::span<const core::PriceLevel> bids,
                  std::span<const core::PriceLevel> asks, bool goes_live);
  void PublishStatus(Book& book, core::BookState state, core::BookReason reason,
                     std::int64_t time_ns);

  core::Venue venue_;
  const core::SymbolRegistry& registry_;
  SnapshotRequester request_snapshot_;
  BinanceMarketDataOptions options_;
  BinanceParser parser_;
  std::vector<Book> books_;  // indexed by InstrumentId
  std::vector<core::InstrumentId> instrument_ids_;
  BookPublisher publisher_;
  ParsedMessage message_;
  mutable BinanceMarketDataCounters counters_;  // queue_drops is the publisher's, filled on read
};

}  // namespace tradingd::feeds::binance
