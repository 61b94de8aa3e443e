#pragma once
// Bybit v5 public market data on the network: the VenueProtocol that feeds::VenueFeed runs for
// Bybit (wss://stream.bybit.com/v5/public/spot or /linear). It subscribes every Bybit instrument
// of the registry to orderbook.<depth>, publicTrade and tickers (spot takes at most 10 args per
// request, so the topics go out in several requests), resubscribes one book by unsubscribing and
// subscribing its orderbook topic (Bybit then sends a fresh snapshot), pings with {"op":"ping"}
// every 20 s as Bybit asks, and loads the rules from GET /v5/market/instruments-info. Frames go to
// BybitMarketData, the socket-free core that replay uses too.
//
// One connection serves one category: the last path segment of ws_url ("spot" or "linear") picks
// the allowed depths, the rules query and which lot-size fields hold the rules.
//
// Thread contract: BybitProtocol is built by the factory on the feed's I/O thread and used there
// only (VenueProtocol's contract). The free functions are pure and safe from any thread.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "feeds/bybit/bybit_market_data.h"
#include "feeds/common/venue_feed.h"

namespace tradingd::feeds::bybit {

enum class BybitCategory : std::uint8_t { kSpot, kLinear };

struct BybitFeedOptions {
  // The last path segment is the category: spot or linear.
  std::string ws_url = "wss://stream.bybit.com/v5/public/spot";
  // orderbook.<depth>: 1, 50, 200 or 1000 on both categories (Validate checks it). Depth 1 is a
  // stream of snapshots only.
  int book_depth = 50;
  // Bybit recommends a ping every 20 s; it cuts a connection without traffic after 10 minutes.
  std::chrono::milliseconds ping_interval{20000};
};

// The category of a v5 public URL ("wss://stream.bybit.com/v5/public/linear" → kLinear); nullopt
// when the last path segment is neither spot nor linear.
std::optional<BybitCategory> CategoryOfUrl(std::string_view ws_url);
std::string_view CategoryName(BybitCategory category);
// Whether Bybit publishes orderbook.<depth> on this category.
bool IsBookDepth(BybitCategory category, int depth);
// What the configuration checks before it builds a Bybit feed: a ws:// or wss:// URL whose last
// path segment is spot or linear, a depth that category publishes, and a ping interval within
// Bybit's 10-minute idle limit.
core::Status Validate(const BybitFeedOptions& options);

// GET /v5/market/instruments-info decoded into the rules of the registry's Bybit instruments.
struct BybitInstrumentsInfo {
  std::vector<core::InstrumentRules> rules;
  // Listed instruments whose values the instrument's scales cannot hold (left out); control plane.
  std::vector<std::string> skipped;
  bool more_pages = false;  // nextPageCursor was not empty
};
// An error when the body is not Bybit's answer for `category` (not JSON, retCode != 0, wrong
// category, wrong types, a symbol listed twice). Spot: lot = basePrecision, min = minOrderQty,
// max = maxLimitOrderQty (maxOrderQty when absent), min notional = minOrderAmt. Linear: lot =
// qtyStep, min = minOrderQty, max = maxOrderQty, min notional = minNotionalValue.
core::Result<BybitInstrumentsInfo> ParseInstrumentsInfo(std::string_view body,
                                                        BybitCategory category,
                                                        const core::SymbolRegistry& registry);

class BybitProtocol final : public VenueProtocol {
 public:
  // `options` should have passed Validate; an unknown category is treated as spot.
  BybitProtocol(const VenueProtocolContext& context, BybitFeedOptions options);

  std::string Url() const override { return options_.ws_url; }
  KeepAlive keep_alive() const override;
  std::vector<std::string> SubscribeAll() override;
  std::vector<std::string> ResubscribeBook(const core::Instrument& instrument) override;
  std::string RulesTarget() const override;
  core::Result<std::vector<core::InstrumentRules>> OnRules(std::string_view body) override;

  void OnFrame(std::string_view payload, std::int64_t receive_ns) override {
    market_data_.OnFrame(payload, receive_ns);
  }
  void OnDisconnected(core::BookReason reason, std::int64_t now_ns) override {
    market_data_.OnDisconnected(reason, now_ns);
  }
  void Resync(core::InstrumentId instrument, core::BookReason reason,
              std::int64_t now_ns) override {
    market_data_.Resync(instrument, reason, now_ns);
  }
  FeedCounts counts() const override;

  BybitCategory category() const { return category_; }
  const BybitMarketData& market_data() const { return market_data_; }

 private:
  std::string BookTopic(const core::Instrument& instrument) const;
  // {"op":"<op>","args":[..],"req_id":"<n>"}
  std::string Request(std::string_view op, const std::vector<std::string>& args);

  BybitFeedOptions options_;
  BybitCategory category_;
  const core::SymbolRegistry& registry_;
  std::vector<const core::Instrument*> instruments_;  // the registry's Bybit instruments
  BybitMarketData market_data_;
  std::uint64_t requests_ = 0;  // for req_id, which Bybit echoes in its answer
};

// What the daemon hands VenueFeed for Bybit.
feeds::VenueProtocolFactory BybitProtocolFactory(BybitFeedOptions options);

}  // namespace tradingd::feeds::bybit
