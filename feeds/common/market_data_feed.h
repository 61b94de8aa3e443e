#pragma once
// Every market-data feed of the daemon, whatever the venue: BinanceFeed (REST snapshots bridged to
// a diff stream) and VenueFeed (Kraken, OKX, Bybit, Coinbase: snapshots on the stream).
//
// Thread contract: Start and Stop on the feed's I/O thread (or before it runs); RequestResync from
// any thread (implementations post to the I/O thread).

#include "core/events.h"
#include "core/instrument.h"

namespace tradingd::feeds {

class MarketDataFeed {
 public:
  virtual ~MarketDataFeed() = default;
  virtual void Start() = 0;
  virtual void Stop() = 0;
  // Restart the sync of one book (the engine found it crossed, ...).
  virtual void RequestResync(core::InstrumentId instrument, core::BookReason reason) = 0;
};

}  // namespace tradingd::feeds
