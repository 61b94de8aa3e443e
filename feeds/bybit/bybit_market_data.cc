#include "feeds/bybit/bybit_market_data.h"

#include <utility>

namespace tradingd::feeds::bybit {
namespace {

enum TickerField : std::uint8_t {
  kBidPrice = 1 << 0,
  kBidQuantity = 1 << 1,
  kAskPrice = 1 << 2,
  kAskQuantity = 1 << 3,
  kAllFields = kBidPrice | kBidQuantity | kAskPrice | kAskQuantity,
};

}  // namespace

BybitMarketData::BybitMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                                 ResyncRequester request_resync, BybitMarketDataOptions options)
    : request_resync_(std::move(request_resync)),
      parser_(registry, options.parser),
      publisher_(sink, registry.size()),
      books_(registry.size()),
      tickers_(registry.size()) {
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    if (instrument.venue != core::Venue::kBybit) continue;
    books_[id].instrument = &instrument;
    instrument_ids_.push_back(id);
  }
}

void BybitMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  publisher_.RetryOwed();
  BybitMessage message;
  const BybitParseError error = parser_.Parse(payload, &message);
  if (error == BybitParseError::kUnknownSymbol) {
    ++counters_.unknown_symbol;
    return;
  }
  if (error != BybitParseError::kOk) {
    ++counters_.parse_errors;
    counters_.last_parse_error = error;
    // Only a bad decimal names its book reliably (the parser's contract); other broken messages
    // cannot be tied to one, and a lost delta then shows as the next delta's gap.
    if (error == BybitParseError::kBadDecimal) OnUnreadableBook(message, receive_ns);
    return;
  }
  switch (message.kind) {
    case BybitMessageKind::kBookSnapshot:
    case BybitMessageKind::kBookDelta:
      OnBook(books_[message.instrument->id], message, receive_ns);
      break;
    case BybitMessageKind::kTicker:
      ++counters_.ticker;
      OnTicker(message, receive_ns);
      break;
    case BybitMessageKind::kTrade:
      ++counters_.trade;
      OnTrades(message, receive_ns);
      break;
    case BybitMessageKind::kVenueError:
      ++counters_.venue_errors;
      break;
    default:
      ++counters_.other;
      break;
  }
}

void BybitMarketData::OnBook(Book& book, const BybitMessage& message, std::int64_t receive_ns) {
  const BybitBook& data = message.book;
  // u == 1 is Bybit's service restart: whatever the type says, it starts a new book.
  const bool reset = message.kind == BybitMessageKind::kBookSnapshot || data.update_id == 1;
  if (reset) {
    ++counters_.book_snapshots;
  } else if (book.state != core::BookState::kLive) {
    ++counters_.deltas_ignored;  // waiting for the snapshot that a (re)subscription brings
    return;
  } else if (book.update_id == UINT64_MAX || data.update_id != book.update_id + 1) {
    ++counters_.gaps;
    return GoStale(book, core::BookReason::kSequenceGap, receive_ns);
  }
  if (!publisher_.EmitBook(book.instrument->id, reset, data.update_id, data.update_id,
                           data.exchange_time_ns, receive_ns, data.bids, data.asks,
                           /*goes_live=*/reset)) {
    return GoStale(book, core::BookReason::kQueueOverflow, receive_ns);
  }
  if (!reset) ++counters_.book_deltas;
  book.update_id = data.update_id;
  book.state = core::BookState::kLive;
}

void BybitMarketData::OnUnreadableBook(const BybitMessage& message, std::int64_t receive_ns) {
  if (message.kind != BybitMessageKind::kBookSnapshot &&
      message.kind != BybitMessageKind::kBookDelta) {
    return;  // a ticker or trade with a bad value: that message is lost, no book is
  }
  Book& book = books_[message.instrument->id];
  // Not LIVE: the book already waits for a snapshot and is not served; see the header for why no
  // second resync is asked for.
  if (book.state != core::BookState::kLive) return;
  GoStale(book, core::BookReason::kMalformed, receive_ns);
}

void BybitMarketData::OnTicker(const BybitMessage& message, std::int64_t receive_ns) {
  TickerState& state = tickers_[message.instrument->id];
  const BybitTicker& ticker = message.ticker;
  // A snapshot is the whole state: a field it lacks must not survive from an older message.
  if (ticker.snapshot) state.known = 0;
  std::uint8_t changed = 0;
  if (ticker.has_bid_price) {
    state.bid_price = ticker.bid_price;
    changed |= kBidPrice;
  }
  if (ticker.has_bid_quantity) {
    state.bid_quantity = ticker.bid_quantity;
    changed |= kBidQuantity;
  }
  if (ticker.has_ask_price) {
    state.ask_price = ticker.ask_price;
    changed |= kAskPrice;
  }
  if (ticker.has_ask_quantity) {
    state.ask_quantity = ticker.ask_quantity;
    changed |= kAskQuantity;
  }
  state.known |= changed;
  if (changed == 0 || state.known != kAllFields) return;  // spot, or only other fields moved
  core::Quote quote;
  quote.instrument = message.instrument->id;
  quote.bid_price = state.bid_price;
  quote.bid_quantity = state.bid_quantity;
  quote.ask_price = state.ask_price;
  quote.ask_quantity = state.ask_quantity;
  // 0: the ticker's `cs` is Bybit's cross sequence (the book's `seq`), not the book's `u`, so the
  // engine has no book update to compare this quote with.
  quote.update_id = 0;
  quote.exchange_time_ns = ticker.exchange_time_ns;
  quote.receive_time_ns = receive_ns;
  publisher_.Publish(quote);
}

void BybitMarketData::OnTrades(const BybitMessage& message, std::int64_t receive_ns) {
  // Option trades share one topic per base coin: the symbols we do not list are left out.
  if (message.unknown_symbol_trades != 0) ++counters_.unknown_symbol;
  for (const BybitTrade& t : message.trades) {
    core::Trade trade;
    trade.instrument = t.instrument->id;
    trade.aggressor = t.aggressor;
    trade.price = t.price;
    trade.quantity = t.quantity;
    trade.trade_id = t.trade_id;
    trade.exchange_time_ns = t.exchange_time_ns;
    trade.receive_time_ns = receive_ns;
    publisher_.Publish(trade);
  }
}

void BybitMarketData::GoStale(Book& book, core::BookReason reason, std::int64_t now_ns) {
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

void BybitMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  for (core::InstrumentId id : instrument_ids_) {
    tickers_[id] = TickerState{};
    Book& book = books_[id];
    if (book.state == core::BookState::kStale) continue;
    book.state = core::BookState::kStale;
    publisher_.PublishStatus(id, core::BookState::kStale, reason, now_ns);
  }
}

void BybitMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                             std::int64_t now_ns) {
  if (instrument >= books_.size() || books_[instrument].instrument == nullptr) return;
  GoStale(books_[instrument], reason, now_ns);
}

void BybitMarketData::Reset() {
  for (core::InstrumentId id : instrument_ids_) {
    books_[id].state = core::BookState::kSyncing;
    books_[id].update_id = 0;
    tickers_[id] = TickerState{};
  }
  publisher_.Reset();
}

core::BookState BybitMarketData::book_state(core::InstrumentId instrument) const {
  if (instrument >= books_.size()) return core::BookState::kStale;
  return books_[instrument].state;
}

}  // namespace tradingd::feeds::bybit
