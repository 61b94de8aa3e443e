#pragma once
// The engine: owns every order book and applies the normalized events of all feeds, in order.
//
// One market-data message from the socket to the REST answer: a feed parses and sequences it into
// core events → the inbound queue → Engine::Apply (this class) updates the book, its state and
// counters → Engine::Publish copies changed books into the SnapshotStore → control reads them.
// `tradingd replay` calls Apply directly, so the daemon and the replay run the same code.
//
// Book integrity: a book is SYNCING until its feed has bridged snapshot and diffs (kGoesLive), LIVE
// while every complete update leaves it uncrossed, and STALE after a gap, a checksum failure, a
// crossed book, silence or a lost update; the feed resyncs it. A crossed book is detected here and
// reported back through the resync handler.
//
// Thread contract: one owning thread (the engine thread in the daemon, the replay thread in replay)
// calls every method. The SnapshotStore it publishes into is the only state other threads see.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "engine/order_book.h"
#include "engine/order_manager.h"
#include "engine/snapshots.h"

namespace tradingd::engine {

struct EngineOptions {
  std::size_t publish_depth = 1000;  // levels per side copied into each published snapshot
};

// Compares the venue's own best bid/ask stream (Binance bookTicker, with the update id it reflects)
// with the book at the same update id. The two streams arrive in either order, so recent quotes and
// recent book tops are both remembered in small tables.
class BboCrossCheck {
 public:
  struct Result {
    std::uint64_t ok = 0;
    std::uint64_t failed = 0;
  };

  // A quote from the venue's BBO stream.
  void OnQuote(const core::Quote& quote, Result* result);
  // The book's top right after a complete update ending at `sequence`.
  void OnBookTop(std::uint64_t sequence, const std::optional<core::PriceLevel>& bid,
                 const std::optional<core::PriceLevel>& ask, Result* result);
  void Reset();

 private:
  struct Top {
    std::uint64_t sequence = 0;
    core::PriceLevel bid{};
    core::PriceLevel ask{};
    bool has_bid = false;
    bool has_ask = false;
  };
  // Direct-mapped by update id (ids only grow, so a collision only evicts an older entry): O(1) per
  // event. 512 quotes cover the ~100 ms between Binance's book-ticker and its aggregated diffs.
  static constexpr std::size_t kSlots = 512;
  static bool Agrees(const core::Quote& quote, const Top& top);

  std::array<core::Quote, kSlots> quotes_{};
  std::array<Top, kSlots> tops_{};
};

class Engine final : public MarketView {
 public:
  // Asks the feed of `instrument` to resync its book (the engine found it crossed).
  using ResyncHandler = std::function<void(core::InstrumentId, core::BookReason)>;

  Engine(const core::SymbolRegistry& registry, SnapshotStore* store, const core::Clock& clock,
         EngineOptions options = {});

  void SetResyncHandler(ResyncHandler handler) { resync_handler_ = std::move(handler); }
  // Order events (OrderUpdate, Fill, BalanceUpdate, GatewayStatus, RateLimitReport) go to it;
  // without one (replay) they are counted and dropped.
  void SetOrderManager(OrderManager* orders) { orders_ = orders; }
  // Risk's view of an instrument's book (MarketView).
  risk::MarketContext Market(core::InstrumentId instrument) const override;

  // Applies one event. Never throws; malformed book input marks the book STALE.
  void Apply(const core::Event& event);

  // Publishes every book changed since the last call (all books on the first call) and the engine
  // stats. `queue_depth` is the inbound queue's approximate size, for /status.
  void Publish(std::uint64_t queue_depth);

  // Read access for replay and tests (owning thread only).
  const OrderBook& book(core::InstrumentId id) const { return books_[id].book; }
  core::BookState state(core::InstrumentId id) const { return books_[id].state; }
  std::uint64_t sequence(core::InstrumentId id) const { return books_[id].sequence; }
  const BookCounters& counters(core::InstrumentId id) const { return books_[id].counters; }
  std::uint64_t events_processed() const { return events_processed_; }
  // Resets every book to its start state (replay --repeat).
  void ResetBooks();

 private:
  struct BookEntry {
    OrderBook book;
    core::BookState state = core::BookState::kSyncing;
    core::BookReason last_reason = core::BookReason::kStartup;
    std::uint64_t sequence = 0;
    core::TimestampNs exchange_time_ns = 0;
    core::TimestampNs receive_time_ns = 0;
    BookCounters counters;
    BboCrossCheck bbo;
    std::optional<core::InstrumentRules> rules;
    std::optional<core::Trade> last_trade;
    std::optional<core::Quote> last_quote;
    bool update_rejected = false;  // a level of the message in progress was refused
    bool dirty = true;
  };

  void ApplyBookUpdate(const core::BookUpdate& update);
  void ApplyBookStatus(const core::BookStatus& status);
  void MarkStale(BookEntry& entry, core::InstrumentId id, core::BookReason reason, bool ask_resync);
  void ApplyFeedStatus(const core::FeedStatus& status);
  BookEntry* Entry(core::InstrumentId id);

  const core::SymbolRegistry& registry_;
  SnapshotStore* store_;
  const core::Clock& clock_;
  EngineOptions options_;
  ResyncHandler resync_handler_;
  OrderManager* orders_ = nullptr;
  std::vector<BookEntry> books_;
  std::vector<core::Venue> venues_;  // venue of each instrument, by id
  std::vector<std::optional<core::FeedStatus>> feeds_;
  std::uint64_t events_processed_ = 0;
  std::uint64_t max_queue_depth_ = 0;
};

// An EventSink that applies each event at once: the daemon's path without the queue, for replay,
// benchmarks and tests. Thread contract: the engine's owning thread.
class EngineSink final : public core::EventSink {
 public:
  explicit EngineSink(Engine& engine) : engine_(engine) {}
  bool Publish(const core::Event& event) override {
    engine_.Apply(event);
    return true;
  }

 private:
  Engine& engine_;
};

}  // namespace tradingd::engine
