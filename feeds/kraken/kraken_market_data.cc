#include "feeds/kraken/kraken_market_data.h"

#include <array>

#include "core/decimal.h"

namespace tradingd::feeds::kraken {

KrakenMarketData::KrakenMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                                   ResyncRequester request_resync, KrakenMarketDataOptions options)
    : registry_(registry),
      request_resync_(std::move(request_resync)),
      options_(options),
      parser_(registry, options.parser),
      publisher_(sink, registry.size()),
      books_(registry.size()) {
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    if (instrument.venue != core::Venue::kKraken) continue;
    books_[id].instrument = &instrument;
    books_[id].levels.set_depth_limit(options_.book_depth);
    instrument_ids_.push_back(id);
  }
  out_bids_.reserve(2 * options_.parser.max_levels_per_side);
  out_asks_.reserve(2 * options_.parser.max_levels_per_side);
}

void KrakenMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  publisher_.RetryOwed();
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
      OnBook(books_[message.instrument->id], message, receive_ns);
      break;
    case KrakenMessageKind::kTicker: {
      ++counters_.ticker;
      core::Quote quote;
      quote.instrument = message.instrument->id;
      quote.bid_price = message.ticker.bid_price;
      quote.bid_quantity = message.ticker.bid_quantity;
      quote.ask_price = message.ticker.ask_price;
      quote.ask_quantity = message.ticker.ask_quantity;
      quote.exchange_time_ns = message.ticker.exchange_time_ns;
      quote.receive_time_ns = receive_ns;
      publisher_.Publish(quote);
      break;
    }
    case KrakenMessageKind::kTrade:
      ++counters_.trade;
      for (const KrakenTrade& t : message.trades) {
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

bool KrakenMarketData::ApplyLevels(Book& book, const KrakenBook& message, bool snapshot) {
  // v2 numbers are written with the pair's precision, as Kraken computes the checksum; v1 texts
  // (and v2 before the precision is known) are used as received.
  std::array<char, core::kMaxDecimalText> price_text, quantity_text;
  const int scale_p = book.instrument->price_scale;
  const int scale_q = book.instrument->quantity_scale;
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

void KrakenMarketData::OnBook(Book& book, const KrakenMessage& message, std::int64_t receive_ns) {
  const bool snapshot = message.kind == KrakenMessageKind::kBookSnapshot;
  if (snapshot) {
    ++counters_.book_snapshots;
    book.levels.Clear();
  } else if (book.state != core::BookState::kLive) {
    ++counters_.updates_ignored;  // waiting for the snapshot that a resync asked for
    return;
  }
  out_bids_.clear();
  out_asks_.clear();
  if (!ApplyLevels(book, message.book, snapshot)) {
    ++counters_.bad_levels;
    return GoStale(book, core::BookReason::kMalformed, receive_ns);
  }
  book.levels.Truncate(&out_bids_, &out_asks_);
  if (message.book.has_checksum) {
    if (KrakenChecksum(book.levels) != message.book.checksum) {
      ++counters_.checksum_failed;
      return GoStale(book, core::BookReason::kChecksum, receive_ns);
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
  if (!publisher_.EmitBook(book.instrument->id, snapshot, book.updates, book.updates,
                           message.book.exchange_time_ns, receive_ns, out_bids_, out_asks_,
                           /*goes_live=*/snapshot)) {
    return GoStale(book, core::BookReason::kQueueOverflow, receive_ns);
  }
  book.state = core::BookState::kLive;
}

void KrakenMarketData::GoStale(Book& book, core::BookReason reason, std::int64_t now_ns) {
  book.state = core::BookState::kStale;
  book.levels.Clear();
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
  if (request_resync_) request_resync_(book.instrument->id);
}

void KrakenMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    book.levels.Clear();
    if (book.state == core::BookState::kStale) continue;
    book.state = core::BookState::kStale;
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
  }
}

void KrakenMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                              std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  GoStale(books_[instrument], reason, now_ns);
}

void KrakenMarketData::SetPrecision(core::InstrumentId instrument, int price_decimals,
                                    int quantity_decimals) {
  if (instrument >= books_.size()) return;
  books_[instrument].price_decimals = price_decimals;
  books_[instrument].quantity_decimals = quantity_decimals;
}

void KrakenMarketData::SetDepth(core::InstrumentId instrument, std::size_t depth) {
  if (instrument >= books_.size()) return;
  books_[instrument].levels.set_depth_limit(depth);
}

void KrakenMarketData::Reset() {
  for (core::InstrumentId id : instrument_ids_) {
    books_[id].levels.Clear();
    books_[id].state = core::BookState::kSyncing;
    books_[id].updates = 0;
  }
  publisher_.Reset();
}

core::BookState KrakenMarketData::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size()) return core::BookState::kStale;
  return books_[instrument].state;
}

}  // namespace tradingd::feeds::kraken
