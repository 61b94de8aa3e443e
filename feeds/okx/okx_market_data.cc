#include "feeds/okx/okx_market_data.h"

#include <utility>

namespace tradingd::feeds::okx {

OkxMarketData::OkxMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                             ResyncRequester request_resync, OkxParserOptions options)
    : parser_(registry, options),
      books_(registry, core::Venue::kOkx, sink, std::move(request_resync), counters_.resyncs,
             /*on_stale=*/[this](core::InstrumentId id) {
               text_books_[id].levels.Clear();
               text_books_[id].has_sequence = false;
             }),
      text_books_(registry.size()) {
  for (core::InstrumentId id : books_.instruments()) text_books_[id].levels.set_depth_limit(0);
  out_bids_.reserve(2 * 400);
  out_asks_.reserve(2 * 400);
}

void OkxMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  books_.RetryOwed();
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
      OnBook(message.instrument->id, text_books_[message.instrument->id], message, receive_ns);
      break;
    case OkxMessageKind::kQuote: {
      ++counters_.quotes;
      const OkxQuote& q = message.quote;
      books_.PublishQuote(message.instrument->id, q.bid_price, q.bid_quantity, q.ask_price,
                          q.ask_quantity, q.exchange_time_ns, receive_ns);
      break;
    }
    case OkxMessageKind::kTrade:
      ++counters_.trades;
      for (const OkxTrade& t : message.trades) {
        books_.PublishTrade(message.instrument->id, t.aggressor, t.price, t.quantity, t.trade_id,
                            t.exchange_time_ns, receive_ns);
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

void OkxMarketData::OnBook(core::InstrumentId id, TextBook& book, const OkxMessage& message,
                           std::int64_t receive_ns) {
  const OkxBook& m = message.book;
  const bool snapshot = message.kind == OkxMessageKind::kBookSnapshot;
  if (snapshot) {
    ++counters_.book_snapshots;
    book.levels.Clear();
  } else {
    if (!books_.live(id)) {
      ++counters_.updates_ignored;
      return;
    }
    if (m.has_sequence && book.has_sequence) {
      // prevSeqId chains the messages; a seqId below it is the restart after maintenance.
      if (m.previous_sequence != book.sequence) {
        ++counters_.gaps;
        return books_.GoStale(id, core::BookReason::kSequenceGap, receive_ns);
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
        return books_.GoStale(id, core::BookReason::kMalformed, receive_ns);
      }
      (bid ? out_bids_ : out_asks_).push_back({level.price, level.quantity});
    }
  }
  if (m.has_checksum) {
    if (OkxChecksum(book.levels) != m.checksum) {
      ++counters_.checksum_failed;
      return books_.GoStale(id, core::BookReason::kChecksum, receive_ns);
    }
    ++counters_.checksum_ok;
  }
  book.has_sequence = m.has_sequence;
  book.sequence = m.sequence;
  ++book.updates;
  if (!snapshot) ++counters_.book_updates;
  const std::uint64_t sequence =
      m.has_sequence && m.sequence >= 0 ? static_cast<std::uint64_t>(m.sequence) : book.updates;
  // A refused chunk has made the book STALE and asked for its resync.
  books_.PublishBook(id, snapshot, sequence, m.exchange_time_ns, receive_ns, out_bids_, out_asks_);
}

void OkxMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  books_.OnDisconnected(reason, now_ns);
}

void OkxMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                           std::int64_t now_ns) {
  books_.Resync(instrument, reason, now_ns);
}

void OkxMarketData::Reset() {
  for (core::InstrumentId id : books_.instruments()) {
    TextBook& book = text_books_[id];
    book.levels.Clear();
    book.has_sequence = false;
    book.updates = 0;
  }
  books_.Reset();
}

}  // namespace tradingd::feeds::okx
