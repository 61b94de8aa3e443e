#pragma once
// Hands a feed's events to the engine's sink, the same way for every venue: a venue message's
// levels go out as BookUpdate chunks of kLevelsPerBookEvent (kFirstChunk .. kLastChunk, kSnapshot
// on every chunk of a snapshot, kGoesLive on the last chunk of the message that makes the book
// LIVE), and book statuses keep their order.
//
// When the sink refuses an event (the queue is full) the drop is counted. A refused book chunk
// means the engine's copy of that book has lost data: the caller marks it STALE(kQueueOverflow)
// with PublishStatus and resyncs it. A refused status is owed: kept (the oldest, usually STALE,
// and the newest) and sent before anything else of that book, at the latest on RetryOwed, which
// the feed calls once per frame. Trades and quotes are only counted when refused.
//
// Thread contract: one per feed, used by the feed's thread only (I/O or replay). Does not
// allocate after construction.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/events.h"

namespace tradingd::feeds {

class BookPublisher {
 public:
  // Books are addressed by InstrumentId, below `instruments`.
  BookPublisher(core::EventSink& sink, std::size_t instruments);

  // One venue message for a book; `bids` then `asks` levels. False when a chunk was refused
  // (counted; the earlier chunks are out): the caller must resync the book.
  [[nodiscard]] bool EmitBook(core::InstrumentId instrument, bool snapshot,
                              std::uint64_t first_sequence, std::uint64_t last_sequence,
                              core::TimestampNs exchange_ns, core::TimestampNs receive_ns,
                              std::span<const core::PriceLevel> bids,
                              std::span<const core::PriceLevel> asks, bool goes_live);
  void PublishStatus(core::InstrumentId instrument, core::BookState state, core::BookReason reason,
                     core::TimestampNs time_ns);
  // The same, right after the sink refused one of this book's events: the status is owed at once
  // (so that it precedes whatever the book publishes next) and tried without counting another drop.
  void OweStatus(core::InstrumentId instrument, core::BookState state, core::BookReason reason,
                 core::TimestampNs time_ns);
  // Trades, quotes, rules: false (counted) when refused.
  bool Publish(const core::Event& event);
  // Sends what books owe, oldest first; cheap when nothing is owed.
  void RetryOwed();
  // Forgets owed statuses (a fresh start of every book); counters stay.
  void Reset();

  std::uint64_t queue_drops() const { return queue_drops_; }
  bool owes(core::InstrumentId instrument) const { return owed_[instrument].count != 0; }

 private:
  struct Owed {
    core::BookStatus status[2];
    std::uint8_t count = 0;
  };
  void Owe(Owed& owed, const core::BookStatus& status);
  bool FlushOwed(Owed& owed);

  core::EventSink& sink_;
  std::vector<Owed> owed_;
  std::size_t books_owing_ = 0;
  std::uint64_t queue_drops_ = 0;
  core::Event scratch_;  // the chunk being filled (an Event, so that Publish copies nothing more)
};

}  // namespace tradingd::feeds
