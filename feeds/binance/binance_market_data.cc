#include "feeds/binance/binance_market_data.h"

#include <algorithm>
#include <utility>

namespace tradingd::feeds::binance {
namespace {

constexpr std::int64_t kNsPerMs = 1'000'000;

// A venue time in ms as ns; a value no clock could show (hostile "E") becomes 0, "unknown", rather
// than an overflow.
std::int64_t MsToNs(std::int64_t ms) {
  constexpr std::int64_t kMaxMs = INT64_MAX / kNsPerMs;
  return (ms < 0 || ms > kMaxMs) ? 0 : ms * kNsPerMs;
}

DepthRules RulesFor(core::Venue venue) {
  return venue == core::Venue::kBinanceUsdm ? DepthRules::kFutures : DepthRules::kSpot;
}

}  // namespace

BinanceMarketData::BinanceMarketData(core::Venue venue, const core::SymbolRegistry& registry,
                                     core::EventSink& sink, SnapshotRequester request_snapshot,
                                     BinanceMarketDataOptions options)
    : venue_(venue),
      registry_(registry),
      request_snapshot_(std::move(request_snapshot)),
      options_(options),
      parser_(venue, registry, options.parser),
      books_(registry.size()),
      publisher_(sink, registry.size()) {
  for (const core::Instrument* instrument : registry.ForVenue(venue)) {
    Book& book = books_[instrument->id];
    book.instrument = instrument;
    book.sequencer = DepthSequencer(RulesFor(venue));
    instrument_ids_.push_back(instrument->id);
  }
}

core::BookState BinanceMarketData::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) {
    return core::BookState::kStale;
  }
  const Book& book = books_[instrument];
  if (!book.syncing) return core::BookState::kStale;
  if (book.source == BookSource::kPartialDepth) {
    return book.partial_live ? core::BookState::kLive : core::BookState::kSyncing;
  }
  return book.sequencer.state() == DepthSequencer::State::kLive ? core::BookState::kLive
                                                                 : core::BookState::kSyncing;
}

void BinanceMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  publisher_.RetryOwed();
  const ParseError error = parser_.ParseFrame(payload, &message_);
  if (error != ParseError::kOk) {
    if (error == ParseError::kUnknownSymbol) {
      ++counters_.unknown_symbol;
    } else {
      ++counters_.parse_errors;
      counters_.last_parse_error = error;
    }
    return;
  }
  switch (message_.kind) {
    case MessageKind::kDepthUpdate: {
      ++counters_.depth;
      Book& book = books_[message_.instrument->id];
      if (book.source != BookSource::kDiff) {
        ++counters_.diffs_ignored;
        break;
      }
      OnDepth(book, message_.depth, receive_ns);
      break;
    }
    case MessageKind::kPartialDepth:
      ++counters_.partial_depth;
      OnPartialDepth(books_[message_.instrument->id], message_.partial, receive_ns);
      break;
    case MessageKind::kBookTicker: {
      ++counters_.book_ticker;
      const BookTickerMessage& t = message_.book_ticker;
      core::Quote quote;
      quote.instrument = message_.instrument->id;
      quote.bid_price = t.bid_price;
      quote.bid_quantity = t.bid_quantity;
      quote.ask_price = t.ask_price;
      quote.ask_quantity = t.ask_quantity;
      quote.update_id = t.update_id;
      quote.exchange_time_ns = MsToNs(t.event_time_ms);
      quote.receive_time_ns = receive_ns;
      (void)publisher_.Publish(quote);
      break;
    }
    case MessageKind::kTrade: {
      ++counters_.trade;
      const TradeMessage& t = message_.trade;
      core::Trade trade;
      trade.instrument = message_.instrument->id;
      // m = "the buyer is the maker": the seller crossed the spread.
      trade.aggressor = t.buyer_is_maker ? core::Side::kSell : core::Side::kBuy;
      trade.price = t.price;
      trade.quantity = t.quantity;
      trade.trade_id = t.trade_id;
      trade.exchange_time_ns = MsToNs(t.trade_time_ms != 0 ? t.trade_time_ms : t.event_time_ms);
      trade.receive_time_ns = receive_ns;
      (void)publisher_.Publish(trade);
      break;
    }
    case MessageKind::kVenueError:
      ++counters_.venue_errors;
      ++counters_.other;
      break;
    case MessageKind::kSubscriptionAck:
    case MessageKind::kUnknown:
      ++counters_.other;
      break;
  }
}

void BinanceMarketData::OnDepth(Book& book, const DepthUpdateMessage& diff,
                                std::int64_t receive_ns) {
  if (!book.syncing) StartSync(book, book.next_reason, receive_ns, /*request=*/true);
  const DepthIds ids{diff.first_update_id, diff.final_update_id, diff.previous_update_id};
  const core::TimestampNs exchange_ns = MsToNs(diff.event_time_ms);
  const DepthDecision decision = book.sequencer.OnDiff(ids);
  switch (decision) {
    case DepthDecision::kBuffer:
      BufferDiff(book, ids, exchange_ns, receive_ns, diff.bids, diff.asks);
      break;
    case DepthDecision::kDropOld:
      ++counters_.diffs_dropped_old;
      break;
    case DepthDecision::kApply:
    case DepthDecision::kApplyGoLive: {
      const bool goes_live = decision == DepthDecision::kApplyGoLive;
      if (!EmitChunks(book, 0, ids.first, ids.last, exchange_ns, receive_ns, diff.bids, diff.asks,
                      goes_live)) {
        OnQueueOverflow(book, receive_ns);
        ClearBuffer(book);
        // The diff is still good stream data for the next snapshot.
        BufferDiff(book, ids, exchange_ns, receive_ns, diff.bids, diff.asks);
        RequestSnapshot(book);
        break;
      }
      ++counters_.diffs_applied;
      if (goes_live) ++counters_.went_live;
      break;
    }
    case DepthDecision::kGap:
      ++counters_.gaps;
      ClearBuffer(book);
      RestartAfterGap(book, receive_ns);
      BufferDiff(book, ids, exchange_ns, receive_ns, diff.bids, diff.asks);
      RequestSnapshot(book);
      break;
    case DepthDecision::kSnapshotTooOld:
      // The snapshot already went out; the next one replaces it (kSnapshot clears the book).
      ++counters_.snapshots_too_old;
      BufferDiff(book, ids, exchange_ns, receive_ns, diff.bids, diff.asks);
      RequestSnapshot(book);
      break;
  }
}

void BinanceMarketData::OnPartialDepth(Book& book, const PartialDepthMessage& partial,
                                       std::int64_t receive_ns) {
  if (book.source != BookSource::kPartialDepth) {
    ++counters_.partial_ignored;
    return;
  }
  const std::uint64_t id = partial.last_update_id;
  if (book.has_partial_id && id < book.partial_id) {
    ++counters_.partial_dropped_old;
    return;
  }
  if (book.partial_live && id == book.partial_id) {
    ++counters_.partial_unchanged;
    return;
  }
  if (!book.syncing) StartSync(book, book.next_reason, receive_ns, /*request=*/false);
  // Always kGoesLive: the engine takes any snapshot as the start of a resync, so each message must
  // also say that the book is whole again.
  if (!EmitChunks(book, core::BookUpdate::kSnapshot, id, id, MsToNs(partial.event_time_ms),
                  receive_ns, partial.bids, partial.asks, /*goes_live=*/true)) {
    OnQueueOverflow(book, receive_ns);  // STALE until the next message, which resends it all
    book.partial_live = false;
    return;
  }
  if (!book.partial_live) ++counters_.went_live;
  ++counters_.partial_applied;
  book.partial_live = true;
  book.has_partial_id = true;
  book.partial_id = id;
}

void BinanceMarketData::OnSnapshot(core::InstrumentId instrument, std::string_view body,
                                   std::int64_t receive_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr ||
      books_[instrument].source != BookSource::kDiff) {
    ++counters_.snapshots_ignored;
    return;
  }
  Book& book = books_[instrument];
  if (!book.syncing) {
    // A snapshot before any diff (replay of a capture that fetched it first): the sync starts now.
    StartSync(book, book.next_reason, receive_ns, /*request=*/false);
  } else if (book.sequencer.state() != DepthSequencer::State::kAwaitingSnapshot) {
    ++counters_.snapshots_ignored;  // a late answer to an earlier request
    return;
  }
  DepthSnapshot snapshot;
  if (parser_.ParseDepthSnapshot(body, *book.instrument, &snapshot) != ParseError::kOk) {
    ++counters_.snapshot_errors;
    PublishStatus(book, core::BookState::kStale, core::BookReason::kSnapshotFailed, receive_ns);
    RequestSnapshot(book);
    return;
  }
  ++counters_.snapshots;
  book.sequencer.OnSnapshot(snapshot.last_update_id);
  const core::TimestampNs snapshot_exchange_ns = MsToNs(snapshot.event_time_ms);
  bool snapshot_out = false;
  auto emit_snapshot = [&]() {
    snapshot_out = true;
    return EmitChunks(book, core::BookUpdate::kSnapshot, snapshot.last_update_id,
                      snapshot.last_update_id, snapshot_exchange_ns, receive_ns, snapshot.bids,
                      snapshot.asks, /*goes_live=*/false);
  };

  // Replay the buffered diffs, oldest first. `keep_from` is where the buffer must restart when
  // the procedure does (too old, gap, overflow): those diffs are still valid stream data.
  std::size_t keep_from = book.diffs.size();
  bool request = false;
  for (std::size_t i = 0; i < book.diffs.size(); ++i) {
    const BufferedDiff& diff = book.diffs[i];
    const DepthDecision decision = book.sequencer.OnDiff(diff.ids);
    if (decision == DepthDecision::kDropOld) {
      ++counters_.diffs_dropped_old;
      continue;
    }
    if (decision == DepthDecision::kSnapshotTooOld) {
      ++counters_.snapshots_too_old;
      keep_from = i;
      request = true;
      break;
    }
    if (decision == DepthDecision::kGap) {
      ++counters_.gaps;
      RestartAfterGap(book, receive_ns);
      keep_from = i;
      request = true;
      break;
    }
    // kApply or kApplyGoLive (kBuffer cannot happen once a snapshot is known).
    const bool goes_live = decision == DepthDecision::kApplyGoLive;
    const core::PriceLevel* levels = book.levels.data() + diff.level_offset;
    if ((!snapshot_out && !emit_snapshot()) ||
        !EmitChunks(book, 0, diff.ids.first, diff.ids.last, diff.exchange_time_ns,
                    diff.receive_time_ns, {levels, diff.bid_count},
                    {levels + diff.bid_count, diff.ask_count}, goes_live)) {
      OnQueueOverflow(book, receive_ns);
      keep_from = i;
      request = true;
      break;
    }
    ++counters_.diffs_applied;
    if (goes_live) ++counters_.went_live;
  }
  if (keep_from >= book.diffs.size()) {
    ClearBuffer(book);
  } else if (keep_from > 0) {
    // Rare (a restart inside the buffer): compact what is kept to the front.
    const std::uint32_t level_base = book.diffs[keep_from].level_offset;
    book.levels.erase(book.levels.begin(), book.levels.begin() + level_base);
    book.diffs.erase(book.diffs.begin(), book.diffs.begin() + static_cast<std::ptrdiff_t>(keep_from));
    for (BufferedDiff& diff : book.diffs) diff.level_offset -= level_base;
  }
  if (!request && !snapshot_out && !emit_snapshot()) {
    // Newer than every buffered diff and refused by the sink: start again.
    OnQueueOverflow(book, receive_ns);
    request = true;
  }
  if (request) RequestSnapshot(book);
}

void BinanceMarketData::OnSnapshotFailed(core::InstrumentId instrument, std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr ||
      books_[instrument].source != BookSource::kDiff) {
    return;
  }
  Book& book = books_[instrument];
  ++counters_.snapshot_errors;
  PublishStatus(book, core::BookState::kStale, core::BookReason::kSnapshotFailed, now_ns);
  if (book.syncing && book.sequencer.state() == DepthSequencer::State::kAwaitingSnapshot) {
    RequestSnapshot(book);
  }
}

void BinanceMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    ForgetBook(book);
    book.next_reason = reason;
    PublishStatus(book, core::BookState::kStale, reason, now_ns);
  }
}

void BinanceMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                               std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  Book& book = books_[instrument];
  if (book.source == BookSource::kPartialDepth) {
    // Nothing to fetch: the next message replaces the book whatever its update id.
    book.partial_live = false;
    book.has_partial_id = false;
    StartSync(book, reason, now_ns, /*request=*/false);
    return;
  }
  StartSync(book, reason, now_ns, /*request=*/true);
}

void BinanceMarketData::Reset() {
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    ForgetBook(book);
    book.next_reason = core::BookReason::kStartup;
  }
  publisher_.Reset();
}

void BinanceMarketData::SetBookSource(core::InstrumentId instrument, BookSource source) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  Book& book = books_[instrument];
  if (book.source == source) return;
  book.source = source;
  ForgetBook(book);
}

BookSource BinanceMarketData::book_source(core::InstrumentId instrument) const {
  return instrument < books_.size() ? books_[instrument].source : BookSource::kDiff;
}

void BinanceMarketData::ForgetBook(Book& book) {
  book.syncing = false;
  book.sequencer.Restart();
  ClearBuffer(book);
  book.partial_live = false;
  book.has_partial_id = false;
  book.partial_id = 0;
}

void BinanceMarketData::StartSync(Book& book, core::BookReason reason, std::int64_t now_ns,
                                  bool request) {
  ++counters_.resyncs;
  book.syncing = true;
  book.sequencer.Restart();
  ClearBuffer(book);
  PublishStatus(book, core::BookState::kSyncing, reason, now_ns);
  if (request) RequestSnapshot(book);
}

void BinanceMarketData::RestartAfterGap(Book& book, std::int64_t now_ns) {
  // The sequencer has already restarted itself; the caller handles the buffer and the request.
  ++counters_.resyncs;
  PublishStatus(book, core::BookState::kStale, core::BookReason::kSequenceGap, now_ns);
  PublishStatus(book, core::BookState::kSyncing, core::BookReason::kSequenceGap, now_ns);
}

void BinanceMarketData::OnQueueOverflow(Book& book, std::int64_t now_ns) {
  // The caller handles the buffer and the snapshot request.
  ++counters_.resyncs;
  book.sequencer.Restart();
  // Owed unconditionally: the queue has just refused an event, and STALE must precede the next
  // book event, so it goes through the same retry path whatever happens.
  const core::InstrumentId id = book.instrument->id;
  publisher_.OweStatus(id, core::BookState::kStale, core::BookReason::kQueueOverflow, now_ns);
  publisher_.OweStatus(id, core::BookState::kSyncing, core::BookReason::kQueueOverflow, now_ns);
}

void BinanceMarketData::BufferDiff(Book& book, const DepthIds& ids,
                                   core::TimestampNs exchange_ns, std::int64_t receive_ns,
                                   std::span<const core::PriceLevel> bids,
                                   std::span<const core::PriceLevel> asks) {
  const std::size_t count = bids.size() + asks.size();
  if (book.diffs.size() >= options_.max_buffered_diffs ||
      book.levels.size() + count > options_.max_buffered_levels) {
    // The snapshot is late; what we hold is too much to keep. Start the buffer over with this
    // diff; the snapshot on its way (or the one requested now) is judged against it.
    ++counters_.buffer_overflows;
    ClearBuffer(book);
    RequestSnapshot(book);
    if (count > options_.max_buffered_levels) return;
  }
  ++counters_.diffs_buffered;
  book.diffs.push_back(BufferedDiff{ids, exchange_ns, receive_ns,
                                    static_cast<std::uint32_t>(book.levels.size()),
                                    static_cast<std::uint32_t>(bids.size()),
                                    static_cast<std::uint32_t>(asks.size())});
  book.levels.insert(book.levels.end(), bids.begin(), bids.end());
  book.levels.insert(book.levels.end(), asks.begin(), asks.end());
}

void BinanceMarketData::ClearBuffer(Book& book) {
  book.diffs.clear();
  book.levels.clear();
}

void BinanceMarketData::RequestSnapshot(const Book& book) {
  // A partial depth book never needs one (its callers never get here; this is the backstop).
  if (book.source != BookSource::kDiff) return;
  if (request_snapshot_) request_snapshot_(book.instrument->id);
}

bool BinanceMarketData::EmitChunks(Book& book, std::uint8_t base_flags,
                                   std::uint64_t first_sequence, std::uint64_t last_sequence,
                                   core::TimestampNs exchange_ns, core::TimestampNs receive_ns,
                                   std::span<const core::PriceLevel> bids,
                                   std::span<const core::PriceLevel> asks, bool goes_live) {
  return publisher_.EmitBook(book.instrument->id, (base_flags & core::BookUpdate::kSnapshot) != 0,
                             first_sequence, last_sequence, exchange_ns, receive_ns, bids, asks,
                             goes_live);
}

void BinanceMarketData::PublishStatus(Book& book, core::BookState state, core::BookReason reason,
                                      std::int64_t time_ns) {
  publisher_.PublishStatus(book.instrument->id, state, reason, time_ns);
}

}  // namespace tradingd::feeds::binance
