#pragma once
// What every network feed (BinanceFeed, VenueFeed) keeps about its connection for /status and the
// log: the last error with its time, one warning per outage rather than per reconnect attempt, the
// FeedStatus it publishes, and the instrument rules still owed to a full queue. Also the backoff
// every retry of a feed follows.
//
// Thread contract: one per feed, used on the feed's I/O thread only.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/venue.h"
#include "net/websocket_client.h"

namespace tradingd::feeds {

// 0 for no failure, then min, 2·min, 4·min, ... up to max.
std::chrono::milliseconds Backoff(std::uint32_t failures, std::chrono::milliseconds min,
                                  std::chrono::milliseconds max);

// The reason the books of a connection that ended go STALE.
core::BookReason BookReasonOf(net::CloseReason reason);

class FeedHealth {
 public:
  FeedHealth(core::Venue venue, const core::Clock& clock) : venue_(venue), clock_(clock) {}

  // The connection is up: the next outage logs again.
  void OnConnected() { logged_connect_failure_ = false; }
  // A session ended (or a connection attempt failed): recorded, and logged once per outage.
  void OnClosed(bool was_connected, net::CloseReason reason, std::string_view detail);
  // Any other error /status should show (never a secret: URLs and venue bodies carry none).
  void SetError(std::string message);
  const std::string& last_error() const { return last_error_; }

  // The status of the feed now; `connects` and the counters are the caller's.
  core::FeedStatus Status(core::ConnectionState connection, std::uint32_t connects,
                          std::uint64_t frames, std::uint64_t parse_errors,
                          std::uint64_t queue_drops) const;

  // Rules to hand to the engine; what a full queue refuses stays owed until FlushRules succeeds.
  void SetRules(std::vector<core::InstrumentRules> rules);
  void FlushRules(core::EventSink& sink);
  bool rules_owed() const { return !owed_rules_.empty(); }

 private:
  core::Venue venue_;
  const core::Clock& clock_;
  std::string last_error_;
  core::TimestampNs last_error_ns_ = 0;
  bool logged_connect_failure_ = false;  // one warning per outage, not per retry
  std::vector<core::InstrumentRules> owed_rules_;
};

}  // namespace tradingd::feeds
