#include "feeds/coinbase/coinbase_market_data.h"

#include <utility>

namespace tradingd::feeds::coinbase {

CoinbaseMarketData::CoinbaseMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                                       ResyncRequester request_resync,
                                       CoinbaseParserOptions options)
    : parser_(registry, options),
      books_(registry, core::Venue::kCoinbase, sink, std::move(request_resync), counters_.resyncs),
      products_(registry.size()) {}

void CoinbaseMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  books_.RetryOwed();
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
      for (const CoinbaseBook& book : message.books) OnBook(book, message, receive_ns);
      break;
    case CoinbaseMessageKind::kQuote:
      for (const CoinbaseQuote& quote : message.quotes) OnQuote(quote, receive_ns);
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
    for (core::InstrumentId id : books_.instruments()) {
      books_.GoStale(id, core::BookReason::kSequenceGap, receive_ns);
    }
  }
  has_expected_sequence_ = true;
  expected_sequence_ = message.sequence_num + 1;
}

void CoinbaseMarketData::OnBook(const CoinbaseBook& update, const CoinbaseMessage& message,
                                std::int64_t receive_ns) {
  const core::InstrumentId id = update.instrument->id;
  if (update.snapshot) {
    ++counters_.book_snapshots;
  } else {
    if (!books_.live(id)) {
      ++counters_.updates_ignored;
      return;
    }
    if (update.bids.empty() && update.asks.empty()) return;  // changes nothing
    ++counters_.book_updates;
  }
  Product& product = products_[id];
  ++product.updates;
  const std::uint64_t sequence = message.has_sequence_num ? message.sequence_num : product.updates;
  // A refused chunk has made the book STALE and asked for its resync.
  books_.PublishBook(id, update.snapshot, sequence, update.exchange_time_ns, receive_ns,
                     update.bids, update.asks);
}

void CoinbaseMarketData::OnQuote(const CoinbaseQuote& q, std::int64_t receive_ns) {
  Product& product = products_[q.instrument->id];
  if (q.has_sequence) {
    if (product.quote_sequence != 0 && q.sequence <= product.quote_sequence) {
      ++counters_.out_of_order;
      return;
    }
    product.quote_sequence = q.sequence;
  }
  ++counters_.quotes;
  books_.PublishQuote(q.instrument->id, q.bid_price, q.bid_quantity, q.ask_price, q.ask_quantity,
                      q.exchange_time_ns, receive_ns);
}

void CoinbaseMarketData::OnTrades(const CoinbaseMessage& message, std::int64_t receive_ns) {
  bool fresh = false, history = false;
  for (const CoinbaseTrade& t : message.trades) {
    Product& product = products_[t.instrument->id];
    if (t.has_sequence) {
      if (product.trade_sequence != 0 && t.sequence <= product.trade_sequence) {
        ++counters_.out_of_order;
        continue;
      }
      product.trade_sequence = t.sequence;
    }
    if (t.history) {
      history = true;
      continue;
    }
    fresh = true;
    books_.PublishTrade(t.instrument->id, t.aggressor, t.price, t.quantity, t.trade_id,
                        t.exchange_time_ns, receive_ns);
  }
  if (fresh) ++counters_.trades;
  if (history) ++counters_.trade_history;
}

void CoinbaseMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  has_expected_sequence_ = false;
  // Product sequences are the venue's, but a restarted counter must not silence a product: the
  // next connection starts from whatever it sends (its last_match is history, never published).
  for (core::InstrumentId id : books_.instruments()) {
    products_[id].trade_sequence = products_[id].quote_sequence = 0;
  }
  books_.OnDisconnected(reason, now_ns);
}

void CoinbaseMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                                std::int64_t now_ns) {
  books_.Resync(instrument, reason, now_ns);
}

void CoinbaseMarketData::Reset() {
  has_expected_sequence_ = false;
  for (core::InstrumentId id : books_.instruments()) products_[id] = Product{};
  books_.Reset();
}

}  // namespace tradingd::feeds::coinbase
