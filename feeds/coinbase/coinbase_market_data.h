#pragma once
// The Coinbase market-data protocol core, without sockets: frames in, core events out, so that a
// live connection and the replay of a capture run the same code. One instance speaks one feed
// (CoinbaseParserOptions::feed): Exchange or Advanced Trade.
//
// Integrity, per Coinbase's documentation:
//  - Exchange `level2`: no sequence and no checksum (Coinbase "guarantees delivery"), so a lost
//    update cannot be seen; a book goes LIVE with its snapshot and applies every l2update after
//    it. What protects it is the engine's crossed-book check and a resubscribe on every
//    reconnect. `ticker` and `match` carry the product's `sequence`, a counter they share with
//    the channels we do not subscribe: it is not consecutive between them, so it only tells an
//    out-of-order (older) message, which is dropped. `heartbeat` keeps the connection alive.
//  - Advanced Trade: `sequence_num` goes up by one with every message on the CONNECTION, whatever
//    the channel (heartbeats and acks included). Any other value means messages were lost, and
//    which books they touched is unknowable: every book goes STALE(kSequenceGap) and is resynced
//    (resubscribed; the snapshot that follows makes it LIVE again). A frame that cannot be parsed
//    does not move the counter, so it shows as that gap too. The counter restarts with each
//    connection (OnDisconnected, Reset).
//
// There is no feed-side copy of the books: without a checksum nothing here needs the levels, so
// they go straight to the engine, which checks for a crossed book after each complete update.
// Trades from before the subscription (Exchange `last_match`, an Advanced Trade `market_trades`
// snapshot) are counted, not published: they would repeat trades already seen before a
// reconnect. Quotes carry update_id 0: Coinbase's quote is not tied to a book sequence.
//
// A refused book event (queue full) makes the book STALE(kQueueOverflow), owed so that it
// precedes the book's next event, and asks for a resync; updates are ignored until the next
// snapshot.
//
// Thread contract: one instance per venue connection, used by one thread (the feed's I/O thread,
// or the replay thread). The registry and the sink must outlive it. `request_resync` must not call
// back into this object synchronously.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/coinbase/coinbase_parser.h"
#include "feeds/common/feed_books.h"

namespace tradingd::feeds::coinbase {

struct CoinbaseMarketDataCounters {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;
  FeedParseError last_parse_error = FeedParseError::kOk;
  std::uint64_t unknown_symbol = 0;  // frames naming a product the registry does not list
  std::uint64_t book_snapshots = 0;
  std::uint64_t book_updates = 0;     // applied to a live book
  std::uint64_t updates_ignored = 0;  // for a book waiting for its snapshot
  std::uint64_t gaps = 0;             // Advanced Trade: breaks in the connection's sequence_num
  std::uint64_t quotes = 0;           // quotes published
  std::uint64_t trades = 0;           // trade messages with at least one new trade
  std::uint64_t trade_history = 0;    // trade messages from before the subscription
  std::uint64_t out_of_order = 0;     // Exchange tickers and matches older than the last one
  std::uint64_t heartbeats = 0;
  std::uint64_t other = 0;  // subscription acks, types and channels we do not consume
  std::uint64_t venue_errors = 0;
  std::uint64_t resyncs = 0;
};

class CoinbaseMarketData {
 public:
  using ResyncRequester = FeedBooks::ResyncRequester;

  CoinbaseMarketData(const core::SymbolRegistry& registry, core::EventSink& sink,
                     ResyncRequester request_resync, CoinbaseParserOptions options = {});
  CoinbaseMarketData(const CoinbaseMarketData&) = delete;
  CoinbaseMarketData& operator=(const CoinbaseMarketData&) = delete;

  // One WebSocket frame, followed by at least net::kPayloadPadding readable bytes.
  void OnFrame(std::string_view payload, std::int64_t receive_ns);
  // The stream is gone: every book is STALE(reason) until its next snapshot, and the next
  // connection's sequence_num starts afresh.
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns);
  // Drop one book and ask for a fresh snapshot (the engine found it crossed, ...).
  void Resync(core::InstrumentId instrument, core::BookReason reason, std::int64_t now_ns);
  void Reset();

  const CoinbaseMarketDataCounters& counters() const { return counters_; }
  std::uint64_t queue_drops() const { return books_.queue_drops(); }
  core::BookState book_state(core::InstrumentId instrument) const {
    return books_.book_state(instrument);
  }
  const std::vector<core::InstrumentId>& instruments() const { return books_.instruments(); }

 private:
  // What Coinbase keeps of a product beside its book's state in books_.
  struct Product {
    std::uint64_t updates = 0;  // messages applied: the engine's sequence when Coinbase gives none
    // Exchange: the last `sequence` of a match and of a ticker (0: none yet on this connection).
    std::uint64_t trade_sequence = 0;
    std::uint64_t quote_sequence = 0;
  };

  void CheckConnectionSequence(const CoinbaseMessage& message, std::int64_t receive_ns);
  void OnBook(const CoinbaseBook& update, const CoinbaseMessage& message, std::int64_t receive_ns);
  void OnQuote(const CoinbaseQuote& quote, std::int64_t receive_ns);
  void OnTrades(const CoinbaseMessage& message, std::int64_t receive_ns);

  CoinbaseParser parser_;
  CoinbaseMarketDataCounters counters_;  // before books_, which counts resyncs in it
  FeedBooks books_;
  std::vector<Product> products_;  // by InstrumentId
  // Advanced Trade: the sequence_num the next message must carry.
  bool has_expected_sequence_ = false;
  std::uint64_t expected_sequence_ = 0;
};

}  // namespace tradingd::feeds::coinbase
