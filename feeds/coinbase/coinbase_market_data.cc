#include "feeds/coinbase/coinbase_market_data.h"

namespace tradingd::feeds::coinbase {

CoinbaseMarketData::CoinbaseMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                                       ResyncRequester request_resync,
                                       CoinbaseParserOptions options)
    : request_resync_(std::move(request_resync)),
      parser_(registry, options),
      publisher_(sink, registry.size()),
      books_(registry.size()) {
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    if (instrument.venue != core::Venue::kCoinbase) continue;
    books_[id].instrument = &instrument;
    instrument_ids_.push_back(id);
  }
}

void CoinbaseMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  publisher_.RetryOwed();
  CoinbaseMessage message;
  const FeedParseError error = parser_.Parse(payload, &message);
  if (error == FeedParseError::kUnknownSymbol) {
    ++counters_.unknown_symbol;
    // Not ours, but a message all the same: the connection's counter has moved.
    CheckConnectionSequence(message, receive_ns);
    return;
  }
  if (error != FeedParseError::kOk) {
    // Which book a broken message was for cannot be trusted. On Advanced Trade it does not move
    // the counter, so the next message shows the loss as a gap; on Exchange it cannot be seen.
    ++counters_.parse_errors;
    counters_.last_parse_error = error;
    return;
  }
  CheckConnectionSequence(message, receive_ns);
  if (message.unknown_products != 0) ++counters_.unknown_symbol;
  switch (message.kind) {
    case CoinbaseMessageKind::kBook:
      for (const CoinbaseBook& book : message.books) {
        OnBook(books_[book.instrument->id], book, message, receive_ns);
      }
      break;
    case CoinbaseMessageKind::kQuote:
      for (const CoinbaseQuote& quote : message.quotes) {
        OnQuote(books_[quote.instrument->id], quote, receive_ns);
      }
      break;
    case CoinbaseMessageKind::kTrade:
      OnTrades(message, receive_ns);
      break;
    case CoinbaseMessageKind::kHeartbeat:
      ++counters_.heartbeats;
      break;
    case CoinbaseMessageKind::kVenueError:
      ++counters_.venue_errors;
      break;
    default:
      ++counters_.other;
      break;
  }
}

void CoinbaseMarketData::CheckConnectionSequence(const CoinbaseMessage& message,
                                                 std::int64_t receive_ns) {
  if (!message.has_sequence_num) return;  // Exchange, or a reply outside the envelope
  if (has_expected_sequence_ && message.sequence_num != expected_sequence_) {
    // Lower, repeated or skipped: either way the chain is broken and any book may have lost an
    // update. The message itself is still used: a snapshot in it makes its book LIVE again.
    ++counters_.gaps;
    for (core::InstrumentId id : instrument_ids_) {
      GoStale(books_[id], core::BookReason::kSequenceGap, receive_ns);
    }
  }
  has_expected_sequence_ = true;
  expected_sequence_ = message.sequence_num + 1;
}

void CoinbaseMarketData::OnBook(Book& book, const CoinbaseBook& update,
                                const CoinbaseMessage& message, std::int64_t receive_ns) {
  if (update.snapshot) {
    ++counters_.book_snapshots;
  } else {
    if (book.state != core::BookState::kLive) {
      ++counters_.updates_ignored;
      return;
    }
    if (update.bids.empty() && update.asks.empty()) return;  // changes nothing
    ++counters_.book_updates;
  }
  ++book.updates;
  const std::uint64_t sequence = message.has_sequence_num ? message.sequence_num : book.updates;
  if (!publisher_.EmitBook(book.instrument->id, update.snapshot, sequence, sequence,
                           update.exchange_time_ns, receive_ns, update.bids, update.asks,
                           /*goes_live=*/update.snapshot)) {
    return GoStale(book, core::BookReason::kQueueOverflow, receive_ns);
  }
  book.state = core::BookState::kLive;
}

void CoinbaseMarketData::OnQuote(Book& book, const CoinbaseQuote& q, std::int64_t receive_ns) {
  if (q.has_sequence) {
    if (book.quote_sequence != 0 && q.sequence <= book.quote_sequence) {
      ++counters_.out_of_order;
      return;
    }
    book.quote_sequence = q.sequence;
  }
  ++counters_.quotes;
  core::Quote quote;
  quote.instrument = book.instrument->id;
  quote.bid_price = q.bid_price;
  quote.bid_quantity = q.bid_quantity;
  quote.ask_price = q.ask_price;
  quote.ask_quantity = q.ask_quantity;
  quote.exchange_time_ns = q.exchange_time_ns;
  quote.receive_time_ns = receive_ns;
  publisher_.Publish(quote);
}

void CoinbaseMarketData::OnTrades(const CoinbaseMessage& message, std::int64_t receive_ns) {
  bool fresh = false, history = false;
  for (const CoinbaseTrade& t : message.trades) {
    Book& book = books_[t.instrument->id];
    if (t.has_sequence) {
      if (book.trade_sequence != 0 && t.sequence <= book.trade_sequence) {
        ++counters_.out_of_order;
        continue;
      }
      book.trade_sequence = t.sequence;
    }
    if (t.history) {
      history = true;
      continue;
    }
    fresh = true;
    core::Trade trade;
    trade.instrument = book.instrument->id;
    trade.aggressor = t.aggressor;
    trade.price = t.price;
    trade.quantity = t.quantity;
    trade.trade_id = t.trade_id;
    trade.exchange_time_ns = t.exchange_time_ns;
    trade.receive_time_ns = receive_ns;
    publisher_.Publish(trade);
  }
  if (fresh) ++counters_.trades;
  if (history) ++counters_.trade_history;
}

void CoinbaseMarketData::GoStale(Book& book, core::BookReason reason, std::int64_t now_ns) {
  book.state = core::BookState::kStale;
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

void CoinbaseMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  has_expected_sequence_ = false;
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    // Product sequences are the venue's, but a restarted counter must not silence a product: the
    // next connection starts from whatever it sends (its last_match is history, never published).
    book.trade_sequence = book.quote_sequence = 0;
    if (book.state == core::BookState::kStale) continue;
    book.state = core::BookState::kStale;
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
  }
}

void CoinbaseMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                                std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  GoStale(books_[instrument], reason, now_ns);
}

void CoinbaseMarketData::Reset() {
  has_expected_sequence_ = false;
  for (core::InstrumentId id : instrument_ids_) {
    Book& book = books_[id];
    book.state = core::BookState::kSyncing;
    book.updates = 0;
    book.trade_sequence = book.quote_sequence = 0;
  }
  publisher_.Reset();
}

core::BookState CoinbaseMarketData::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size()) return core::BookState::kStale;
  return books_[instrument].state;
}

}  // namespace tradingd::feeds::coinbase
