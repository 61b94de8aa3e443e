#pragma once
// The Binance market-data feed on the network: one combined-stream WebSocket for all instruments
// of the venue (depth diffs, bookTicker, trades), REST depth snapshots fetched one at a time with a
// minimum spacing (a limit=1000 snapshot costs about 50 of the 6,000 weight a minute), and
// exchangeInfo at start for the trading rules. Instruments listed in partial_depth_symbols take
// the partial book depth stream (<symbol>@depth<N>@100ms) instead of the diffs: no snapshot, only
// the top N levels. The protocol itself (parsing, sequencing, events)
// lives in BinanceMarketData, which replay uses without sockets.
//
// Events: everything BinanceMarketData publishes, InstrumentRules once exchangeInfo is loaded
// (retried with backoff until it is), and FeedStatus on every connection change and every second.
//
// Thread contract: construct, Start and Stop on the feed's I/O thread (the io_context's single
// thread) or before it runs; every callback runs there. RequestResync may be called from any
// thread: it posts to the io_context. Stop before destroying; posted work that outlives the feed
// is dropped safely.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/venue.h"
#include "feeds/binance/binance_market_data.h"
#include "feeds/common/market_data_feed.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::feeds::binance {

struct BinanceFeedOptions {
  core::Venue venue = core::Venue::kBinance;  // or kBinanceUsdm
  // Empty: the venue's production endpoints (spot: wss://stream.binance.com:9443 and
  // https://api.binance.com; USD-M: wss://fstream.binance.com and https://fapi.binance.com).
  std::string ws_base_url;
  std::string rest_base_url;
  std::string depth_stream = "depth@100ms";  // "depth", "depth@100ms", futures also "depth@0ms"
  // Venue symbols ("ETHUSDT", any case) whose books come from <symbol>@depth<N>@100ms, each
  // message the venue's whole top N, instead of diffs bridged onto REST snapshots. Lighter (no
  // snapshot weight, no sequencing) but only N levels deep. Symbols not in the registry for this
  // venue are ignored (with a warning).
  std::vector<std::string> partial_depth_symbols;
  int partial_depth_levels = 20;  // N: 5, 10 or 20 (anything else rounds up to one of them)
  int snapshot_depth = 1000;                 // REST limit; weight grows with it
  std::chrono::milliseconds snapshot_spacing{1000};  // between two snapshot requests
  std::chrono::milliseconds snapshot_retry_min{1000};
  std::chrono::milliseconds snapshot_retry_max{60000};
  bool load_exchange_info = true;
  std::chrono::milliseconds silence_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  std::chrono::milliseconds status_interval{1000};
  bool verify_peer = true;
  std::string ca_file;
  BinanceMarketDataOptions market_data;
};

class BinanceFeed final : public MarketDataFeed {
 public:
  BinanceFeed(boost::asio::io_context& io, BinanceFeedOptions options,
              const core::SymbolRegistry& registry, core::EventSink& sink,
              const core::Clock& clock = core::SystemClock::Instance());
  ~BinanceFeed() override;
  BinanceFeed(const BinanceFeed&) = delete;
  BinanceFeed& operator=(const BinanceFeed&) = delete;

  void Start() override;
  void Stop() override;
  // Any thread: restart the sync of one book (the engine found it crossed, ...).
  void RequestResync(core::InstrumentId instrument, core::BookReason reason) override;

  // I/O thread only (tests, status).
  const BinanceMarketDataCounters& counters() const;

  // "<ws_base>/stream?streams=btcusdt@depth@100ms/btcusdt@bookTicker/btcusdt@trade/...", with
  // "<symbol>@depth<N>@100ms" instead of the diff stream for the partial depth symbols.
  static std::string StreamUrl(std::string_view ws_base, std::string_view depth_stream,
                               const std::vector<const core::Instrument*>& instruments,
                               const std::vector<std::string>& partial_depth_symbols = {},
                               int partial_depth_levels = 20);
  // 5, 10 or 20: the partial depth level count Binance offers for `levels` (rounded up, 20 at
  // most).
  static int PartialDepthLevels(int levels);
  // "/api/v3/depth?symbol=BTCUSDT&limit=1000" (spot) or "/fapi/v1/depth?..." (USD-M).
  static std::string DepthTarget(core::Venue venue, std::string_view symbol, int limit);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds::binance
