#include "feeds/common/feed_health.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace tradingd::feeds {

std::chrono::milliseconds Backoff(std::uint32_t failures, std::chrono::milliseconds min,
                                  std::chrono::milliseconds max) {
  if (failures == 0) return std::chrono::milliseconds(0);
  auto delay = min;
  for (std::uint32_t i = 1; i < failures && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

core::BookReason BookReasonOf(net::CloseReason reason) {
  return reason == net::CloseReason::kSilence ? core::BookReason::kSilence
                                              : core::BookReason::kDisconnected;
}

void FeedHealth::OnClosed(bool was_connected, net::CloseReason reason, std::string_view detail) {
  if (reason == net::CloseReason::kStopped) return;
  SetError(fmt::format("{}: {} ({})", was_connected ? "disconnected" : "cannot connect",
                       net::CloseReasonName(reason), detail));
  // One line per connection change, never per message; a failing reconnect logs once until it
  // succeeds (the WebSocket client retries with backoff).
  if (was_connected || !logged_connect_failure_) {
    spdlog::warn("{} market data {}; books STALE until resynced", core::VenueName(venue_),
                 last_error_);
    logged_connect_failure_ = !was_connected;
  }
}

void FeedHealth::SetError(std::string message) {
  last_error_ = std::move(message);
  last_error_ns_ = clock_.NowNs();
}

core::FeedStatus FeedHealth::Status(core::ConnectionState connection, std::uint32_t connects,
                                    std::uint64_t frames, std::uint64_t parse_errors,
                                    std::uint64_t queue_drops) const {
  core::FeedStatus status;
  status.venue = venue_;
  status.connection = connection;
  status.connects = connects;
  status.frames = frames;
  status.parse_errors = parse_errors;
  status.queue_drops = queue_drops;
  status.time_ns = clock_.NowNs();
  status.SetLastError(last_error_, last_error_ns_);
  return status;
}

void FeedHealth::SetRules(std::vector<core::InstrumentRules> rules) {
  owed_rules_ = std::move(rules);
}

void FeedHealth::FlushRules(core::EventSink& sink) {
  std::size_t sent = 0;
  while (sent < owed_rules_.size() && sink.Publish(owed_rules_[sent])) ++sent;
  owed_rules_.erase(owed_rules_.begin(), owed_rules_.begin() + static_cast<std::ptrdiff_t>(sent));
}

}  // namespace tradingd::feeds
