#pragma once
// The Kraken half of feeds::VenueFeed (feeds/common/venue_feed.h): the WebSocket v2 protocol of
// wss://ws.kraken.com/v2 and the REST rules of GET /0/public/AssetPairs, around the socket-free
// core KrakenMarketData.
//
// Subscriptions, for every Kraken instrument of the registry, once the rules are in (the checksums
// need each pair's precision): `book` at book_depth with a snapshot, `ticker` with event_trigger
// "bbo" (one message per change of the best bid/ask, not per trade), and `trade` without a
// snapshot (the default differs between Kraken's two doc sites, so it is always sent). A book that
// needs a fresh snapshot is unsubscribed and subscribed again: Kraken then sends a new snapshot.
//
// Keep-alive: Kraken sends {"channel":"heartbeat"} every second, but only once something is
// subscribed. Before that — the connection is open while the rules are still loading or being
// retried — nothing arrives after the status message, and the feed's silence watch would cut a
// healthy connection. A {"method":"ping"} every ping_interval makes Kraken answer a pong, so the
// connection is never silent while it is alive, and a dead one is still noticed.
//
// Rules: AssetPairs takes the v2 names (pair=BTC/USD,ETH/USD, the form of Kraken's REST docs) and
// answers HTTP 200 with {"error":[..]} when it refuses, including for one unknown pair. Pairs are
// matched by `wsname`, which still spells bitcoin XBT ("XBT/USD"); the registry resolves that
// alias. pair_decimals and lot_decimals go to the core (SetPrecision) for the checksum.
//
// Thread contract: a KrakenProtocol is used on the feed's I/O thread only, as VenueProtocol says.
// ParseAssetPairs and ValidateKrakenFeedOptions are pure functions, safe from any thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "feeds/common/venue_feed.h"
#include "feeds/kraken/kraken_market_data.h"

namespace tradingd::feeds::kraken {

struct KrakenFeedOptions {
  std::string ws_url = "wss://ws.kraken.com/v2";
  std::size_t book_depth = 10;  // 10, 25, 100, 500 or 1000
  // {"method":"ping"} this often (0: never); below the feed's silence timeout (see above).
  std::chrono::milliseconds ping_interval{5000};
  KrakenParserOptions parser;
};

// An error for a depth Kraken does not serve or a URL that is not ws:// or wss://. The config
// calls it at start-up so that a bad setting fails there, not as a refused subscription.
core::Status ValidateKrakenFeedOptions(const KrakenFeedOptions& options);

// One pair's rules as AssetPairs gives them, and the decimals the core needs for the checksum.
struct KrakenPairRules {
  core::InstrumentRules rules;
  int price_decimals = 0;     // pair_decimals
  int quantity_decimals = 0;  // lot_decimals
};

// An AssetPairs answer: the rules of the registry's Kraken instruments it lists, and one line per
// listed pair whose values are missing or cannot be held at the instrument's scales (that pair is
// left out; the others still count).
struct KrakenAssetPairs {
  std::vector<KrakenPairRules> pairs;
  std::vector<std::string> errors;
};

// An error for a body that is not an AssetPairs answer, or for a non-empty "error" array (Kraken's
// way of refusing, with HTTP 200). Pairs the registry does not list are skipped.
core::Result<KrakenAssetPairs> ParseAssetPairs(std::string_view body,
                                               const core::SymbolRegistry& registry);

// Kraken's VenueProtocol (see the top of this file); owns the KrakenMarketData core.
class KrakenProtocol final : public VenueProtocol {
 public:
  KrakenProtocol(const VenueProtocolContext& context, KrakenFeedOptions options);

  std::string Url() const override { return options_.ws_url; }
  KeepAlive keep_alive() const override;
  std::vector<std::string> SubscribeAll() override;
  std::vector<std::string> ResubscribeBook(const core::Instrument& instrument) override;

  std::string RulesTarget() const override;
  core::Result<std::vector<core::InstrumentRules>> OnRules(std::string_view body) override;
  bool subscribe_after_rules() const override { return true; }

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

  const KrakenMarketData& market_data() const { return market_data_; }

 private:
  // {"method":..,"params":{"channel":..,"symbol":[..],..},"req_id":n}
  std::string Request(std::string_view method, std::string_view channel,
                      const std::vector<const core::Instrument*>& instruments,
                      std::string_view extra_params);

  const core::SymbolRegistry& registry_;
  KrakenFeedOptions options_;
  std::vector<const core::Instrument*> instruments_;
  KrakenMarketData market_data_;
  // The filtered AssetPairs query was refused for a pair Kraken does not list: ask for all pairs.
  bool all_pairs_ = false;
  std::int64_t next_req_id_ = 1;
};

// What VenueFeed builds the Kraken protocol with.
VenueProtocolFactory KrakenProtocolFactory(KrakenFeedOptions options);

}  // namespace tradingd::feeds::kraken
