#include "core/events.h"

#include <algorithm>
#include <cstring>

namespace tradingd::core {

const char* BookStateName(BookState state) {
  switch (state) {
    case BookState::kSyncing: return "SYNCING";
    case BookState::kLive: return "LIVE";
    case BookState::kStale: return "STALE";
  }
  return "STALE";
}

const char* BookReasonName(BookReason reason) {
  switch (reason) {
    case BookReason::kNone: return "none";
    case BookReason::kStartup: return "startup";
    case BookReason::kSequenceGap: return "sequence_gap";
    case BookReason::kChecksum: return "checksum";
    case BookReason::kCrossed: return "crossed";
    case BookReason::kSilence: return "silence";
    case BookReason::kDisconnected: return "disconnected";
    case BookReason::kQueueOverflow: return "queue_overflow";
    case BookReason::kSnapshotFailed: return "snapshot_failed";
    case BookReason::kMalformed: return "malformed";
  }
  return "none";
}

void FeedStatus::SetLastError(std::string_view text, TimestampNs when) {
  const std::size_t n = std::min(text.size(), sizeof(last_error) - 1);
  // Never cut a UTF-8 sequence in half: back off to the start of the last whole character.
  std::size_t end = n;
  if (n < text.size()) {
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  }
  std::memcpy(last_error, text.data(), end);
  last_error[end] = '\0';
  last_error_ns = when;
}

std::string_view FeedStatus::last_error_text() const { return std::string_view(last_error); }

const char* ConnectionStateName(ConnectionState state) {
  switch (state) {
    case ConnectionState::kDisconnected: return "DISCONNECTED";
    case ConnectionState::kConnecting: return "CONNECTING";
    case ConnectionState::kConnected: return "CONNECTED";
  }
  return "DISCONNECTED";
}

const char* TradingStatusName(TradingStatus status) {
  switch (status) {
    case TradingStatus::kUnknown: return "UNKNOWN";
    case TradingStatus::kTrading: return "TRADING";
    case TradingStatus::kHalted: return "HALTED";
    case TradingStatus::kBreak: return "BREAK";
  }
  return "UNKNOWN";
}

}  // namespace tradingd::core
