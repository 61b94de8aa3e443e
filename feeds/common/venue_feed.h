#pragma once
// The network half of the Kraken, OKX, Bybit and Coinbase feeds. These venues send every book as a
// snapshot followed by updates on one WebSocket, so one class does the connection for all four:
// it subscribes every instrument when the connection opens, resubscribes one book when that book
// needs a fresh snapshot (a checksum or sequence failure, or the engine found it crossed), keeps
// the connection alive the way the venue asks (a text ping, or pings frames), watches for silence,
// reconnects with backoff, loads the instrument rules over REST (retried with backoff) and
// publishes FeedStatus. What is the venue's — the URL, the subscribe messages, the keep-alive, the
// rules endpoint and the protocol core that turns frames into events — is a VenueProtocol.
// Binance is different (REST snapshots bridged to the diff stream) and has its own BinanceFeed;
// both are MarketDataFeeds to the daemon.
//
// Thread contract: construct, Start and Stop on the feed's I/O thread (the io_context's single
// thread) or before it runs; every protocol call happens there. RequestResync may be called from
// any thread: it posts. Stop before destroying; posted work that outlives the feed is dropped.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "core/venue.h"
#include "feeds/common/feed_books.h"
#include "feeds/common/market_data_feed.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::feeds {

// The counters every protocol core keeps, for FeedStatus.
struct FeedCounts {
  std::uint64_t frames = 0;
  std::uint64_t parse_errors = 0;
  std::uint64_t queue_drops = 0;
};

// How the venue wants an idle connection kept alive.
struct KeepAlive {
  std::chrono::milliseconds interval{0};  // 0: the client never pings
  std::string text;                       // an application ping ("ping", {"op":"ping"}); empty:
                                          // WebSocket ping frames
};

// One venue's protocol, on the feed's I/O thread.
class VenueProtocol {
 public:
  virtual ~VenueProtocol() = default;

  // The market-data WebSocket URL (the venue's ws_url setting, with whatever the venue needs).
  virtual std::string Url() const = 0;
  virtual KeepAlive keep_alive() const = 0;
  // After the connection opens: the messages that subscribe every instrument's book, quote and
  // trade channels (several when the venue limits one request).
  virtual std::vector<std::string> SubscribeAll() = 0;
  // One book needs a fresh snapshot: the messages that unsubscribe and resubscribe its book
  // channel. Empty: the venue has no way to do that, and the feed reconnects instead.
  virtual std::vector<std::string> ResubscribeBook(const core::Instrument& instrument) = 0;

  // The REST path and query of the instrument rules; empty: the venue has none to load. Asked
  // again before every attempt, so a refusal may change the next query.
  virtual std::string RulesTarget() const = 0;
  // The answer to RulesTarget: the rules of this venue's instruments (what the venue does not list
  // is absent), and whatever the core needs from them (Kraken's precisions). An error when the body
  // is not the venue's answer; the feed retries with backoff.
  virtual core::Result<std::vector<core::InstrumentRules>> OnRules(std::string_view body) = 0;
  // True when subscribing makes no sense before the rules are in (Kraken's checksums need each
  // pair's precision): the feed then waits for them before SubscribeAll.
  virtual bool subscribe_after_rules() const { return false; }

  // The protocol core (see each venue's *_market_data.h).
  virtual void OnFrame(std::string_view payload, std::int64_t receive_ns) = 0;
  virtual void OnDisconnected(core::BookReason reason, std::int64_t now_ns) = 0;
  virtual void Resync(core::InstrumentId instrument, core::BookReason reason,
                      std::int64_t now_ns) = 0;
  virtual FeedCounts counts() const = 0;
};

// What a protocol is built with. `request_resync` posts to the feed thread, so the core may call
// it from inside OnFrame; the feed then resubscribes the book.
struct VenueProtocolContext {
  const core::SymbolRegistry& registry;
  core::EventSink& sink;
  FeedBooks::ResyncRequester request_resync;
};
using VenueProtocolFactory =
    std::function<std::unique_ptr<VenueProtocol>(const VenueProtocolContext& context)>;

struct VenueFeedOptions {
  core::Venue venue = core::Venue::kKraken;
  std::string rest_base_url;  // for the rules
  std::chrono::milliseconds silence_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  std::chrono::milliseconds rules_retry_min{1000};
  std::chrono::milliseconds rules_retry_max{60000};
  std::chrono::milliseconds status_interval{1000};
  bool verify_peer = true;
  std::string ca_file;
};

struct VenueFeedCounters {
  std::uint64_t subscribe_messages = 0;
  std::uint64_t resubscribes = 0;  // books resubscribed for a fresh snapshot
  std::uint64_t reconnects_for_resync = 0;
  std::uint64_t rules_loaded = 0;  // successful rules answers
  std::uint64_t rules_failures = 0;
};

class VenueFeed final : public MarketDataFeed {
 public:
  VenueFeed(boost::asio::io_context& io, VenueFeedOptions options, VenueProtocolFactory protocol,
            const core::SymbolRegistry& registry, core::EventSink& sink,
            const core::Clock& clock = core::SystemClock::Instance());
  ~VenueFeed() override;
  VenueFeed(const VenueFeed&) = delete;
  VenueFeed& operator=(const VenueFeed&) = delete;

  void Start() override;
  void Stop() override;
  void RequestResync(core::InstrumentId instrument, core::BookReason reason) override;

  // I/O thread only (tests, status).
  FeedCounts counts() const;
  VenueFeedCounters feed_counters() const;
  bool connected() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::feeds
