#include "feeds/common/feed_books.h"

#include <utility>

namespace tradingd::feeds {

FeedBooks::FeedBooks(const core::SymbolRegistry& registry, core::Venue venue, core::EventSink& sink,
                     ResyncRequester request_resync, std::uint64_t& resyncs, StaleHook on_stale)
    : publisher_(sink, registry.size()),
      request_resync_(std::move(request_resync)),
      on_stale_(std::move(on_stale)),
      resyncs_(resyncs),
      books_(registry.size()) {
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    if (instrument.venue != venue) continue;
    books_[id].instrument = &instrument;
    instrument_ids_.push_back(id);
  }
}

bool FeedBooks::PublishBook(core::InstrumentId instrument, bool snapshot, std::uint64_t sequence,
                            core::TimestampNs exchange_ns, core::TimestampNs receive_ns,
                            std::span<const core::PriceLevel> bids,
                            std::span<const core::PriceLevel> asks) {
  if (!publisher_.EmitBook(instrument, snapshot, sequence, sequence, exchange_ns, receive_ns, bids,
                           asks, /*goes_live=*/snapshot)) {
    // The engine's copy has lost part of this message: only a fresh snapshot repairs it.
    GoStale(instrument, core::BookReason::kQueueOverflow, receive_ns);
    return false;
  }
  books_[instrument].state = core::BookState::kLive;
  return true;
}

void FeedBooks::PublishQuote(core::InstrumentId instrument, core::Price bid_price,
                             core::Quantity bid_quantity, core::Price ask_price,
                             core::Quantity ask_quantity, core::TimestampNs exchange_ns,
                             core::TimestampNs receive_ns) {
  core::Quote quote;
  quote.instrument = instrument;
  quote.bid_price = bid_price;
  quote.bid_quantity = bid_quantity;
  quote.ask_price = ask_price;
  quote.ask_quantity = ask_quantity;
  quote.update_id = 0;
  quote.exchange_time_ns = exchange_ns;
  quote.receive_time_ns = receive_ns;
  publisher_.Publish(quote);
}

void FeedBooks::PublishTrade(core::InstrumentId instrument, core::Side aggressor, core::Price price,
                             core::Quantity quantity, std::uint64_t trade_id,
                             core::TimestampNs exchange_ns, core::TimestampNs receive_ns) {
  core::Trade trade;
  trade.instrument = instrument;
  trade.aggressor = aggressor;
  trade.price = price;
  trade.quantity = quantity;
  trade.trade_id = trade_id;
  trade.exchange_time_ns = exchange_ns;
  trade.receive_time_ns = receive_ns;
  publisher_.Publish(trade);
}

void FeedBooks::GoStale(core::InstrumentId instrument, core::BookReason reason,
                        core::TimestampNs now_ns) {
  books_[instrument].state = core::BookState::kStale;
  if (on_stale_) on_stale_(instrument);
  ++resyncs_;
  if (reason == core::BookReason::kQueueOverflow) {
    // Right after a refusal: owed, so that STALE precedes the book's next event whatever happens.
    publisher_.OweStatus(instrument, core::BookState::kStale, reason, now_ns);
    publisher_.OweStatus(instrument, core::BookState::kSyncing, reason, now_ns);
  } else {
    publisher_.PublishStatus(instrument, core::BookState::kStale, reason, now_ns);
    publisher_.PublishStatus(instrument, core::BookState::kSyncing, reason, now_ns);
  }
  if (request_resync_) request_resync_(instrument);
}

void FeedBooks::Resync(core::InstrumentId instrument, core::BookReason reason,
                       core::TimestampNs now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  GoStale(instrument, reason, now_ns);
}

void FeedBooks::OnDisconnected(core::BookReason reason, core::TimestampNs now_ns) {
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    // Already STALE: its status is out and its state was dropped when it went STALE.
    if (book.state == core::BookState::kStale) continue;
    book.state = core::BookState::kStale;
    if (on_stale_) on_stale_(id);
    // The book is rebuilt from the next connection's snapshot: a resync like any other, only
    // without a request (the new connection's subscriptions bring the snapshot).
    ++resyncs_;
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
    publisher_.PublishStatus(id, core::BookState::kSyncing, reason, now_ns);
  }
}

void FeedBooks::Reset() {
  for (core::InstrumentId id : instrument_ids_) books_[id].state = core::BookState::kSyncing;
  publisher_.Reset();
}

core::BookState FeedBooks::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size()) return core::BookState::kStale;
  return books_[instrument].state;
}

}  // namespace tradingd::feeds
