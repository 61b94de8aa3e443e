#include "feeds/kraken/kraken_market_data.h"

#include <array>
#include <utility>

#include "core/decimal.h"

namespace tradingd::feeds::kraken {

KrakenMarketData::KrakenMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                                   ResyncRequester request_resync, KrakenMarketDataOptions options)
    : registry_(registry),
      options_(options),
      parser_(registry, options.parser),
      books_(registry, core::Venue::kKraken, sink, std::move(request_resync), counters_.resyncs,
             /*on_stale=*/[this](core::InstrumentId id) { text_books_[id].levels.Clear(); }),
      text_books_(registry.size()) {
  for (core::InstrumentId id : books_.instruments()) {
    text_books_[id].levels.set_depth_limit(options_.book_depth);
  }
  out_bids_.reserve(2 * options_.parser.max_levels_per_side);
  out_asks_.reserve(2 * options_.parser.max_levels_per_side);
}

void KrakenMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  books_.RetryOwed();
  KrakenMessage message;
  const KrakenParseError error = parser_.Parse(payload, &message);
  if (error == KrakenParseError::kUnknownSymbol) {
    ++counters_.unknown_symbol;
    return;
  }
  if (error != KrakenParseError::kOk) {
    // The message cannot be tied to a book reliably (the pair may be what is broken), so no book
    // is marked here; a book message that went missing shows as the next checksum mismatch.
    ++counters_.parse_errors;
    counters_.last_parse_error = error;
    return;
  }
  switch (message.kind) {
    case KrakenMessageKind::kBookSnapshot:
    case KrakenMessageKind::kBookUpdate:
      OnBook(*message.instrument, text_books_[message.instrument->id], message, receive_ns);
      break;
    case KrakenMessageKind::kTicker: {
      ++counters_.ticker;
      const KrakenTicker& q = message.ticker;
      books_.PublishQuote(message.instrument->id, q.bid_price, q.bid_quantity, q.ask_price,
                          q.ask_quantity, q.exchange_time_ns, receive_ns);
      break;
    }
    case KrakenMessageKind::kTrade:
      ++counters_.trade;
      for (const KrakenTrade& t : message.trades) {
        books_.PublishTrade(message.instrument->id, t.aggressor, t.price, t.quantity, t.trade_id,
                            t.exchange_time_ns, receive_ns);
      }
      break;
    case KrakenMessageKind::kHeartbeat:
      ++counters_.heartbeat;
      break;
    case KrakenMessageKind::kVenueError:
      ++counters_.venue_errors;
      break;
    default:
      ++counters_.other;
      break;
  }
}

bool KrakenMarketData::ApplyLevels(const core::Instrument& instrument, TextBook& book,
                                   const KrakenBook& message, bool snapshot) {
  // v2 numbers are written with the pair's precision, as Kraken computes the checksum; v1 texts
  // (and v2 before the precision is known) are used as received.
  std::array<char, core::kMaxDecimalText> price_text, quantity_text;
  const int scale_p = instrument.price_scale;
  const int scale_q = instrument.quantity_scale;
  for (int side = 0; side < 2; ++side) {
    const bool bid = side == 0;
    const std::span<const KrakenLevel> levels = bid ? message.bids : message.asks;
    for (std::size_t i = 0; i < levels.size(); ++i) {
      // A snapshot lists each side best first; taken worst first, every level lands at the end of
      // the text book's vector instead of shifting all the others.
      const KrakenLevel& level = snapshot ? levels[levels.size() - 1 - i] : levels[i];
      std::string_view p = level.price_text;
      std::string_view q = level.quantity_text;
      if (book.price_decimals >= 0) {
        p = std::string_view(price_text.data(),
                             core::FormatDecimal(level.price.mantissa(), scale_p,
                                                 book.price_decimals, price_text.data()));
        q = std::string_view(quantity_text.data(),
                             core::FormatDecimal(level.quantity.mantissa(), scale_q,
                                                 book.quantity_decimals, quantity_text.data()));
      }
      if (!book.levels.Set(bid ? core::Side::kBuy : core::Side::kSell, level.price,
                           level.quantity, p, q)) {
        return false;
      }
      (bid ? out_bids_ : out_asks_).push_back({level.price, level.quantity});
    }
  }
  return true;
}

void KrakenMarketData::OnBook(const core::Instrument& instrument, TextBook& book,
                              const KrakenMessage& message, std::int64_t receive_ns) {
  const core::InstrumentId id = instrument.id;
  const bool snapshot = message.kind == KrakenMessageKind::kBookSnapshot;
  if (snapshot) {
    ++counters_.book_snapshots;
    book.levels.Clear();
  } else if (!books_.live(id)) {
    ++counters_.updates_ignored;  // waiting for the snapshot that a resync asked for
    return;
  }
  out_bids_.clear();
  out_asks_.clear();
  if (!ApplyLevels(instrument, book, message.book, snapshot)) {
    ++counters_.bad_levels;
    return books_.GoStale(id, core::BookReason::kMalformed, receive_ns);
  }
  book.levels.Truncate(&out_bids_, &out_asks_);
  if (message.book.has_checksum) {
    if (KrakenChecksum(book.levels) != message.book.checksum) {
      ++counters_.checksum_failed;
      return books_.GoStale(id, core::BookReason::kChecksum, receive_ns);
    }
    ++counters_.checksum_ok;
  }
  if (snapshot) {
    // The engine gets the book as truncated here, not the raw snapshot levels.
    out_bids_.clear();
    out_asks_.clear();
    for (std::size_t i = 0; i < book.levels.bid_count(); ++i) {
      const TextLevel level = book.levels.bid(i);
      out_bids_.push_back({level.price, level.quantity});
    }
    for (std::size_t i = 0; i < book.levels.ask_count(); ++i) {
      const TextLevel level = book.levels.ask(i);
      out_asks_.push_back({level.price, level.quantity});
    }
  } else {
    ++counters_.book_updates;
  }
  ++book.updates;
  // A refused chunk has made the book STALE and asked for its resync.
  books_.PublishBook(id, snapshot, book.updates, message.book.exchange_time_ns, receive_ns,
                     out_bids_, out_asks_);
}

void KrakenMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  books_.OnDisconnected(reason, now_ns);
}

void KrakenMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                              std::int64_t now_ns) {
  books_.Resync(instrument, reason, now_ns);
}

void KrakenMarketData::SetPrecision(core::InstrumentId instrument, int price_decimals,
                                    int quantity_decimals) {
  if (instrument >= text_books_.size()) return;
  text_books_[instrument].price_decimals = price_decimals;
  text_books_[instrument].quantity_decimals = quantity_decimals;
}

void KrakenMarketData::SetDepth(core::InstrumentId instrument, std::size_t depth) {
  if (instrument >= text_books_.size()) return;
  text_books_[instrument].levels.set_depth_limit(depth);
}

void KrakenMarketData::Reset() {
  for (core::InstrumentId id : books_.instruments()) {
    text_books_[id].levels.Clear();
    text_books_[id].updates = 0;
  }
  books_.Reset();
}

}  // namespace tradingd::feeds::kraken
