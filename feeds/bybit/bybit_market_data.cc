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
    : parser_(registry, options.parser),
      books_(registry, core::Venue::kBybit, sink, std::move(request_resync), counters_.resyncs),
      update_ids_(registry.size()),
      tickers_(registry.size()) {}

void BybitMarketData::OnFrame(std::string_view payload, std::int64_t receive_ns) {
  ++counters_.frames;
  books_.RetryOwed();
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
      OnBook(message.instrument->id, message, receive_ns);
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

void BybitMarketData::OnBook(core::InstrumentId id, const BybitMessage& message,
                             std::int64_t receive_ns) {
  const BybitBook& data = message.book;
  // u == 1 is Bybit's service restart: whatever the type says, it starts a new book.
  const bool reset = message.kind == BybitMessageKind::kBookSnapshot || data.update_id == 1;
  if (reset) {
    ++counters_.book_snapshots;
  } else if (!books_.live(id)) {
    ++counters_.deltas_ignored;  // waiting for the snapshot that a (re)subscription brings
    return;
  } else if (update_ids_[id] == UINT64_MAX || data.update_id != update_ids_[id] + 1) {
    ++counters_.gaps;
    return books_.GoStale(id, core::BookReason::kSequenceGap, receive_ns);
  }
  // A reset goes out as a snapshot. A refused chunk has made the book STALE and asked for its
  // resync.
  if (!books_.PublishBook(id, reset, data.update_id, data.exchange_time_ns, receive_ns, data.bids,
                          data.asks)) {
    return;
  }
  if (!reset) ++counters_.book_deltas;
  update_ids_[id] = data.update_id;
}

void BybitMarketData::OnUnreadableBook(const BybitMessage& message, std::int64_t receive_ns) {
  if (message.kind != BybitMessageKind::kBookSnapshot &&
      message.kind != BybitMessageKind::kBookDelta) {
    return;  // a ticker or trade with a bad value: that message is lost, no book is
  }
  const core::InstrumentId id = message.instrument->id;
  // Not LIVE: the book already waits for a snapshot and is not served; see the header for why no
  // second resync is asked for.
  if (!books_.live(id)) return;
  books_.GoStale(id, core::BookReason::kMalformed, receive_ns);
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
  // update_id 0 (PublishQuote's): the ticker's `cs` is Bybit's cross sequence (the book's `seq`),
  // not the book's `u`, so the engine has no book update to compare this quote with.
  books_.PublishQuote(message.instrument->id, state.bid_price, state.bid_quantity, state.ask_price,
                      state.ask_quantity, ticker.exchange_time_ns, receive_ns);
}

void BybitMarketData::OnTrades(const BybitMessage& message, std::int64_t receive_ns) {
  // Option trades share one topic per base coin: the symbols we do not list are left out.
  if (message.unknown_symbol_trades != 0) ++counters_.unknown_symbol;
  for (const BybitTrade& t : message.trades) {
    books_.PublishTrade(t.instrument->id, t.aggressor, t.price, t.quantity, t.trade_id,
                        t.exchange_time_ns, receive_ns);
  }
}

void BybitMarketData::OnDisconnected(core::BookReason reason, std::int64_t now_ns) {
  // Ticker deltas on the next connection must not merge into fields from this one.
  for (core::InstrumentId id : books_.instruments()) tickers_[id] = TickerState{};
  books_.OnDisconnected(reason, now_ns);
}

void BybitMarketData::Resync(core::InstrumentId instrument, core::BookReason reason,
                             std::int64_t now_ns) {
  books_.Resync(instrument, reason, now_ns);
}

void BybitMarketData::Reset() {
  for (core::InstrumentId id : books_.instruments()) {
    update_ids_[id] = 0;
    tickers_[id] = TickerState{};
  }
  books_.Reset();
}

}  // namespace tradingd::feeds::bybit
