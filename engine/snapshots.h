#pragma once
// Read-only views of the engine's state, published for the control surface.
//
// The engine thread builds a fresh immutable snapshot of a book when the book has changed (at most
// once per publish interval while busy, at once when idle) and swaps it in; readers take a
// shared_ptr and may keep it as long as they like. Nothing here is written by a reader.
//
// Thread contract: Publish* are called by the engine thread only; every getter may be called from
// any thread (a mutex guards only the pointer swap, never the contents).

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "risk/rate_limiter.h"

namespace tradingd::engine {

struct BookCounters {
  std::uint64_t updates_applied = 0;   // venue book messages applied (snapshots and diffs)
  std::uint64_t snapshots = 0;         // full snapshots loaded
  std::uint64_t gaps = 0;              // sequence gaps reported by the feed
  std::uint64_t resyncs = 0;           // times the book went back to SYNCING
  std::uint64_t checksum_failures = 0;
  std::uint64_t crossed = 0;           // books found crossed after a complete update
  std::uint64_t stale = 0;             // times the book went STALE, for any reason
  std::uint64_t bbo_checks_ok = 0;     // venue BBO stream agreed with the book at the same update id
  std::uint64_t bbo_checks_failed = 0;
  std::uint64_t trades = 0;
};

struct BookSnapshot {
  core::InstrumentId instrument = core::kNoInstrument;
  core::BookState state = core::BookState::kSyncing;
  core::BookReason last_reason = core::BookReason::kStartup;  // why it last left LIVE
  std::uint64_t sequence = 0;               // the venue's last applied update id
  core::TimestampNs exchange_time_ns = 0;   // venue event time of the last update
  core::TimestampNs receive_time_ns = 0;    // local time the last update was received
  std::vector<core::PriceLevel> bids;       // best first, up to the published depth
  std::vector<core::PriceLevel> asks;
  std::size_t bid_levels = 0;               // total levels in the book (may exceed published)
  std::size_t ask_levels = 0;
  BookCounters counters;
  std::optional<core::InstrumentRules> rules;  // as loaded from the venue
  std::optional<core::Trade> last_trade;
  std::optional<core::Quote> last_quote;       // the venue's own BBO stream
};

// A venue's order side, for /status and /balances.
struct VenueAccountView {
  core::Venue venue = core::Venue::kBinance;
  core::KeyState keys = core::KeyState::kMissing;
  bool balances_loaded = false;
  std::string last_error;
  core::TimestampNs last_error_ns = 0;
  std::vector<risk::RateBudget> rate_budget;
  std::optional<core::TimestampNs> cooling_down_until_ns;  // wall clock
};

struct EngineStats {
  core::TimestampNs published_ns = 0;
  std::uint64_t events_processed = 0;
  std::uint64_t queue_depth = 0;        // approximate, at publish time
  std::uint64_t max_queue_depth = 0;    // since start
  std::vector<core::FeedStatus> feeds;  // one per venue that has reported
  // The order side (empty without an order manager, as in replay).
  std::string trading_state = "ACTIVE";
  std::size_t open_orders = 0;
  std::vector<VenueAccountView> accounts;
};

class SnapshotStore {
 public:
  explicit SnapshotStore(std::size_t instrument_count) : books_(instrument_count) {}

  void PublishBook(std::shared_ptr<const BookSnapshot> snapshot);
  void PublishStats(std::shared_ptr<const EngineStats> stats);

  // Null until the engine has published the book (it publishes every book at start).
  std::shared_ptr<const BookSnapshot> Book(core::InstrumentId instrument) const;
  std::shared_ptr<const EngineStats> Stats() const;
  std::size_t instrument_count() const { return books_.size(); }

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<const BookSnapshot>> books_;  // guarded by mutex_
  std::shared_ptr<const EngineStats> stats_;                // guarded by mutex_
};

}  // namespace tradingd::engine
