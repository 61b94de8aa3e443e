#include "feeds/okx/okx_market_data.h"

namespace tradingd::feeds::okx {

OkxMarketData::OkxMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                             ResyncRequester request_resync, OkxParserOptions options)
    : request_resync_(std::move(request_resync)),
      parser_(registry, options),
      publisher_(sink, registry.size()),
      books_(registry.size()) {
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    if (instrument.venue != core::Venue::kOkx) continue;
    books_[id].instrument = &instrument;
    books_[id].levels.set_depth_limit(0);
    instrument_ids_.push_back(id);
  }
  out_bids_.reserve(2 * 400);
  out_asks_.reserve(2 * 400);
}

void OkxMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  publisher_.RetryOwed();
  OkxMessage message;
  const FeedParseError error = parser_.Parse(payload, &message);
  if (error == FeedParseError::kUnknownSymbol) {
    ++counters_.unknown_symbol;
    return;
  }
  if (error != FeedParseError::kOk) {
    // Which book a broken message was for cannot be trusted; a lost book update shows as the next
    // gap or checksum mismatch.
    ++counters_.parse_errors;
    counters_.last_parse_error = error;
    return;
  }
  switch (message.kind) {
    case OkxMessageKind::kBookSnapshot:
    case OkxMessageKind::kBookUpdate:
      OnBook(books_[message.instrument->id], message, receive_ns);
      break;
    case OkxMessageKind::kQuote: {
      ++counters_.quotes;
      core::Quote quote;
      quote.instrument = message.instrument->id;
      quote.bid_price = message.quote.bid_price;
      quote.bid_quantity = message.quote.bid_quantity;
      quote.ask_price = message.quote.ask_price;
      quote.ask_quantity = message.quote.ask_quantity;
      quote.exchange_time_ns = message.quote.exchange_time_ns;
      quote.receive_time_ns = receive_ns;
      publisher_.Publish(quote);
      break;
    }
    case OkxMessageKind::kTrade:
      ++counters_.trades;
      for (const OkxTrade& t : message.trades) {
        core::Trade trade;
        trade.instrument = message.instrument->id;
        trade.aggressor = t.aggressor;
        trade.price = t.price;
        trade.quantity = t.quantity;
        trade.trade_id = t.trade_id;
        trade.exchange_time_ns = t.exchange_time_ns;
        trade.receive_time_ns = receive_ns;
        publisher_.Publish(trade);
      }
      break;
    case OkxMessageKind::kVenueError:
      ++counters_.venue_errors;
      break;
    default:
      ++counters_.other;
      break;
  }
}

void OkxMarketData::OnBook(Book& book, const OkxMessage& message, std::int64_t receive_ns) {
  const OkxBook& m = message.book;
  const bool snapshot = message.kind == OkxMessageKind::kBookSnapshot;
  if (snapshot) {
    ++counters_.book_snapshots;
    book.levels.Clear();
  } else {
    if (book.state != core::BookState::kLive) {
      ++counters_.updates_ignored;
      return;
    }
    if (m.has_sequence && book.has_sequence) {
      // prevSeqId chains the messages; a seqId below it is the restart after maintenance.
      if (m.previous_sequence != book.sequence) {
        ++counters_.gaps;
        return GoStale(book, core::BookReason::kSequenceGap, receive_ns);
      }
      if (m.sequence < m.previous_sequence) ++counters_.sequence_resets;
      if (m.sequence == m.previous_sequence && m.bids.empty() && m.asks.empty()) {
        ++counters_.heartbeats;  // nothing changed for a minute: the book stays as it is
        return;
      }
    }
  }
  out_bids_.clear();
  out_asks_.clear();
  for (int side = 0; side < 2; ++side) {
    const bool bid = side == 0;
    const std::span<const OkxLevel> levels = bid ? m.bids : m.asks;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      // A snapshot lists each side best first; taken worst first, every level lands at the end of
      // the text book's vector instead of shifting all the others (400 levels: 160 KB moved).
      const OkxLevel& level = snapshot ? levels[levels.size() - 1 - i] : levels[i];
      if (!book.levels.Set(bid ? core::Side::kBuy : core::Side::kSell, level.price, level.quantity,
                           level.price_text, level.quantity_text)) {
        ++counters_.bad_levels;
        return GoStale(book, core::BookReason::kMalformed, receive_ns);
      }
      (bid ? out_bids_ : out_asks_).push_back({level.price, level.quantity});
    }
  }
  if (m.has_checksum) {
    if (OkxChecksum(book.levels) != m.checksum) {
      ++counters_.checksum_failed;
      return GoStale(book, core::BookReason::kChecksum, receive_ns);
    }
    ++counters_.checksum_ok;
  }
  book.has_sequence = m.has_sequence;
  book.sequence = m.sequence;
  ++book.updates;
  if (!snapshot) ++counters_.book_updates;
  const std::uint64_t sequence =
      m.has_sequence && m.sequence >= 0 ? static_cast<std::uint64_t>(m.sequence) : book.updates;
  if (!publisher_.EmitBook(book.instrument->id, snapshot, sequence, sequence, m.exchange_time_ns,
                           receive_ns, out_bids_, out_asks_, /*goes_live=*/snapshot)) {
    return GoStale(book, core::BookReason::kQueueOverflow, receive_ns);
  }
  book.state = core::BookState::kLive;
}

void OkxMarketData::GoStale(Book& book, core::BookReason reason, std::int64_t now_ns) {
  book.state = core::BookState::kStale;
  book.levels.Clear();
  book.has_sequence = false;
  ++counters_.resyncs;
  const core::InstrumentId id = book.instrument->id;
  if (reason == core::BookReason::kQueueOverflow) {
    // Right after a refusal: owed, so that STALE precedes the book's next event whatever happens.
    publisher_.OweStatus(id, core::BookState::kStale, reason, now_ns);
    publisher_.OweStatus(id, core::BookState::kSyncing, reason, now_ns);
  } else {
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
    publisher_.PublishStatus(id, core::BookState::kSyncing, reason, now_ns);
  }
  if (request_resync_) request_resync_(id);
}

void OkxMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    book.levels.Clear();
    book.has_sequence = false;
    if (book.state == core::BookState::kStale) continue;
    book.state = core::BookState::kStale;
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
  }
}

void OkxMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                           std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  GoStale(books_[instrument], reason, now_ns);
}

void OkxMarketData::Reset() {
  for (core::InstrumentId id : instrument_ids_) {
    books_[id].levels.Clear();
    books_[id].state = core::BookState::kSyncing;
    books_[id].has_sequence = false;
    books_[id].updates = 0;
  }
  publisher_.Reset();
}

core::BookState OkxMarketData::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size()) return core::BookState::kStale;
  return books_[instrument].state;
}

}  // namespace tradingd::feeds::okx
