#pragma once
// The part of a venue's market-data core that is the same for Kraken, OKX, Bybit and Coinbase:
// which instruments are this venue's, each book's state, the BookPublisher that hands events to the
// engine, and the one way a book goes STALE. How a venue checks a book (sequence numbers,
// checksums, a feed-side text book) stays in its core; Binance has its own sequencer-driven states.
//
// States: a book starts SYNCING, and PublishBook makes it LIVE (a snapshot goes out with
// kGoesLive). GoStale(reason) marks it STALE, publishes STALE then SYNCING with the reason, counts
// a resync and asks the feed to resubscribe the book (`request_resync`); the core ignores the
// book's updates until the next snapshot. After a refused event (kQueueOverflow) both statuses are
// owed instead (BookPublisher::OweStatus), so that they reach the engine before anything else of
// that book whatever the queue does next. A disconnect makes every book that is not STALE yet
// STALE(reason) then SYNCING, counted as a resync, and asks for none: the next connection's
// subscriptions bring the snapshots.
//
// A core that keeps state of its own per book (a text book, the last sequence number) passes
// `on_stale`, called whenever a book goes STALE here, before its status goes out: a book that
// waits for a snapshot then never holds state from before the loss, whichever path made it STALE.
// State a core keeps per connection rather than per book (tickers, product sequences) is the
// core's to drop in its own OnDisconnected and Reset.
//
// Thread contract: one per venue core, used by the core's thread only (the feed's I/O thread or
// the replay thread). The registry and the sink must outlive it. `request_resync` and `on_stale`
// run synchronously inside GoStale, Resync and OnDisconnected: `request_resync` must not call back
// into the core (post the request), and `on_stale` must only drop the core's own state for that
// book. Does not allocate after construction.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/venue.h"
#include "feeds/common/book_publisher.h"

namespace tradingd::feeds {

class FeedBooks {
 public:
  using ResyncRequester = std::function<void(core::InstrumentId)>;
  using StaleHook = std::function<void(core::InstrumentId)>;

  // The books of `venue`'s instruments in `registry`. `resyncs` is the counter GoStale increments:
  // it lives in the core's own counters, which the daemon and the replay report.
  FeedBooks(const core::SymbolRegistry& registry, core::Venue venue, core::EventSink& sink,
            ResyncRequester request_resync, std::uint64_t& resyncs, StaleHook on_stale = nullptr);
  FeedBooks(const FeedBooks&) = delete;
  FeedBooks& operator=(const FeedBooks&) = delete;

  // At the start of every frame: the statuses books owe go out first.
  void RetryOwed() { publisher_.RetryOwed(); }

  // One venue message for a book of this venue (`bids` then `asks`; `sequence` is both its first
  // and last sequence: one message is one step for the engine). The book is LIVE after it; a
  // snapshot goes out with kGoesLive. False when the sink refused a chunk: the book has gone
  // STALE(kQueueOverflow) and a resync is requested.
  bool PublishBook(core::InstrumentId instrument, bool snapshot, std::uint64_t sequence,
                   core::TimestampNs exchange_ns, core::TimestampNs receive_ns,
                   std::span<const core::PriceLevel> bids, std::span<const core::PriceLevel> asks);
  // A best bid/ask as the venue sent it, with update_id 0: none of these venues ties its quote to a
  // book update. A refusal is counted, nothing more.
  void PublishQuote(core::InstrumentId instrument, core::Price bid_price,
                    core::Quantity bid_quantity, core::Price ask_price, core::Quantity ask_quantity,
                    core::TimestampNs exchange_ns, core::TimestampNs receive_ns);
  // One trade; a refusal is counted, nothing more.
  void PublishTrade(core::InstrumentId instrument, core::Side aggressor, core::Price price,
                    core::Quantity quantity, std::uint64_t trade_id, core::TimestampNs exchange_ns,
                    core::TimestampNs receive_ns);

  // The book (one of this venue's) has lost data or could not be published: STALE, then SYNCING,
  // and a resync request. Also for a book already STALE (its resync is asked for again).
  void GoStale(core::InstrumentId instrument, core::BookReason reason, core::TimestampNs now_ns);
  // The same from outside (the engine found the book crossed, ...); ignored for an instrument that
  // is not this venue's.
  void Resync(core::InstrumentId instrument, core::BookReason reason, core::TimestampNs now_ns);
  // The stream is gone: every book not STALE yet becomes STALE(reason), then SYNCING (a resync,
  // counted); none is requested.
  void OnDisconnected(core::BookReason reason, core::TimestampNs now_ns);
  // Every book back to SYNCING and owed statuses forgotten; no status is published and `on_stale`
  // is not called (the core resets its own state). Counters are kept.
  void Reset();

  // For an id below the registry's size (the ids a venue message names).
  bool live(core::InstrumentId instrument) const {
    return books_[instrument].state == core::BookState::kLive;
  }
  // kStale for an id outside the registry.
  core::BookState book_state(core::InstrumentId instrument) const;
  // This venue's instruments, in registry order.
  const std::vector<core::InstrumentId>& instruments() const { return instrument_ids_; }
  std::uint64_t queue_drops() const { return publisher_.queue_drops(); }

 private:
  struct Book {
    const core::Instrument* instrument = nullptr;  // null: not on this venue
    core::BookState state = core::BookState::kSyncing;
  };

  BookPublisher publisher_;
  ResyncRequester request_resync_;
  StaleHook on_stale_;
  std::uint64_t& resyncs_;
  std::vector<Book> books_;  // by InstrumentId
  std::vector<core::InstrumentId> instrument_ids_;
};

}  // namespace tradingd::feeds
