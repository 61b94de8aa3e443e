#include "feeds/common/book_publisher.h"

#include <algorithm>

namespace tradingd::feeds {

BookPublisher::BookPublisher(core::EventSink& sink, std::size_t instruments)
    : sink_(sink), owed_(instruments), scratch_(core::BookUpdate{}) {}

bool BookPublisher::EmitBook(core::InstrumentId instrument, bool snapshot,
                             std::uint64_t first_sequence, std::uint64_t last_sequence,
                             core::TimestampNs exchange_ns, core::TimestampNs receive_ns,
                             std::span<const core::PriceLevel> bids,
                             std::span<const core::PriceLevel> asks, bool goes_live) {
  // Anything owed for this book (STALE after an earlier overflow) must reach the engine first.
  Owed& owed = owed_[instrument];
  if (owed.count != 0 && !FlushOwed(owed)) {
    ++queue_drops_;
    return false;
  }
  core::BookUpdate& update = std::get<core::BookUpdate>(scratch_);
  update.instrument = instrument;
  update.first_sequence = first_sequence;
  update.last_sequence = last_sequence;
  update.exchange_time_ns = exchange_ns;
  update.receive_time_ns = receive_ns;
  const std::size_t bid_total = bids.size();
  const std::size_t total = bid_total + asks.size();
  std::size_t position = 0;
  do {
    const std::size_t count = std::min<std::size_t>(core::kLevelsPerBookEvent, total - position);
    const std::size_t bid_count = position < bid_total ? std::min(count, bid_total - position) : 0;
    const std::size_t ask_count = count - bid_count;
    if (bid_count != 0) std::copy_n(bids.data() + position, bid_count, update.levels);
    if (ask_count != 0) {
      std::copy_n(asks.data() + (position + bid_count - bid_total), ask_count,
                  update.levels + bid_count);
    }
    const bool last = position + count == total;
    std::uint8_t flags = snapshot ? core::BookUpdate::kSnapshot : 0;
    if (position == 0) flags |= core::BookUpdate::kFirstChunk;
    if (last) flags |= core::BookUpdate::kLastChunk;
    if (last && goes_live) flags |= core::BookUpdate::kGoesLive;
    update.flags = flags;
    update.bid_count = static_cast<std::uint16_t>(bid_count);
    update.ask_count = static_cast<std::uint16_t>(ask_count);
    if (!Publish(scratch_)) return false;
    position += count;
  } while (position < total);
  return true;
}

void BookPublisher::PublishStatus(core::InstrumentId instrument, core::BookState state,
                                  core::BookReason reason, core::TimestampNs time_ns) {
  const core::BookStatus status{instrument, state, reason, time_ns};
  Owed& owed = owed_[instrument];
  if (owed.count != 0) {
    // Keep the order: behind what is already owed.
    Owe(owed, status);
    FlushOwed(owed);
    return;
  }
  if (!Publish(status)) Owe(owed, status);
}

void BookPublisher::OweStatus(core::InstrumentId instrument, core::BookState state,
                              core::BookReason reason, core::TimestampNs time_ns) {
  Owed& owed = owed_[instrument];
  Owe(owed, core::BookStatus{instrument, state, reason, time_ns});
  FlushOwed(owed);
}

bool BookPublisher::Publish(const core::Event& event) {
  if (sink_.Publish(event)) return true;
  ++queue_drops_;
  return false;
}

void BookPublisher::RetryOwed() {
  for (std::size_t i = 0; i < owed_.size() && books_owing_ != 0; ++i) {
    if (owed_[i].count != 0) FlushOwed(owed_[i]);
  }
}

void BookPublisher::Reset() {
  for (Owed& owed : owed_) owed.count = 0;
  books_owing_ = 0;
}

void BookPublisher::Owe(Owed& owed, const core::BookStatus& status) {
  if (owed.count == 0) ++books_owing_;
  if (owed.count < 2) {
    owed.status[owed.count++] = status;
  } else {
    // The oldest (usually STALE) stays; the newest state replaces the one in between.
    owed.status[1] = status;
  }
}

bool BookPublisher::FlushOwed(Owed& owed) {
  std::uint8_t sent = 0;
  while (sent < owed.count && sink_.Publish(owed.status[sent])) ++sent;
  if (sent == 0) return owed.count == 0;
  for (std::uint8_t i = sent; i < owed.count; ++i) owed.status[i - sent] = owed.status[i];
  owed.count = static_cast<std::uint8_t>(owed.count - sent);
  if (owed.count == 0) --books_owing_;
  return owed.count == 0;
}

}  // namespace tradingd::feeds
