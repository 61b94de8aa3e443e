#include "engine/engine.h"

#include <algorithm>
#include <memory>
#include <type_traits>
#include <utility>

namespace tradingd::engine {

bool BboCrossCheck::Agrees(const core::Quote& quote, const Top& top) {
  return top.has_bid && top.has_ask && quote.bid_price == top.bid.price &&
         quote.bid_quantity == top.bid.quantity && quote.ask_price == top.ask.price &&
         quote.ask_quantity == top.ask.quantity;
}

void BboCrossCheck::OnQuote(const core::Quote& quote, Result* result) {
  if (quote.update_id == 0) return;  // the venue gives no update id to compare at
  Top& top = tops_[quote.update_id % kSlots];
  if (top.sequence == quote.update_id) {
    ++(Agrees(quote, top) ? result->ok : result->failed);
    top.sequence = 0;  // each pair is compared once
    return;
  }
  quotes_[quote.update_id % kSlots] = quote;
}

void BboCrossCheck::OnBookTop(std::uint64_t sequence, const std::optional<core::PriceLevel>& bid,
                              const std::optional<core::PriceLevel>& ask, Result* result) {
  Top top;
  top.sequence = sequence;
  top.has_bid = bid.has_value();
  top.has_ask = ask.has_value();
  if (bid) top.bid = *bid;
  if (ask) top.ask = *ask;
  core::Quote& quote = quotes_[sequence % kSlots];
  if (quote.update_id != 0 && quote.update_id == sequence) {
    ++(Agrees(quote, top) ? result->ok : result->failed);
    quote.update_id = 0;  // each pair is compared once
    return;
  }
  tops_[sequence % kSlots] = top;
}

void BboCrossCheck::Reset() {
  quotes_.fill({});
  tops_.fill({});
}

Engine::Engine(const core::SymbolRegistry& registry, SnapshotStore* store, const core::Clock& clock,
               EngineOptions options)
    : registry_(registry),
      store_(store),
      clock_(clock),
      options_(options),
      books_(registry.size()),
      feeds_(core::kVenueCount) {
  venues_.reserve(registry.size());
  for (core::InstrumentId id = 0; id < registry.size(); ++id) venues_.push_back(registry.Get(id).venue);
}

Engine::BookEntry* Engine::Entry(core::InstrumentId id) {
  return id < books_.size() ? &books_[id] : nullptr;
}

void Engine::Apply(const core::Event& event) {
  ++events_processed_;
  std::visit(
      [this](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, core::BookUpdate>) {
          ApplyBookUpdate(e);
        } else if constexpr (std::is_same_v<T, core::Trade>) {
          if (BookEntry* entry = Entry(e.instrument)) {
            entry->last_trade = e;
            ++entry->counters.trades;
            entry->dirty = true;
            if (orders_ != nullptr) orders_->OnMarketPrice(e.instrument, e.price);
          }
        } else if constexpr (std::is_same_v<T, core::Quote>) {
          if (BookEntry* entry = Entry(e.instrument)) {
            entry->last_quote = e;
            if (entry->state == core::BookState::kLive) {
              BboCrossCheck::Result result;
              entry->bbo.OnQuote(e, &result);
              entry->counters.bbo_checks_ok += result.ok;
              entry->counters.bbo_checks_failed += result.failed;
            }
            entry->dirty = true;
          }
        } else if constexpr (std::is_same_v<T, core::BookStatus>) {
          ApplyBookStatus(e);
        } else if constexpr (std::is_same_v<T, core::FeedStatus>) {
          ApplyFeedStatus(e);
        } else if constexpr (std::is_same_v<T, core::InstrumentRules>) {
          if (BookEntry* entry = Entry(e.instrument)) {
            entry->rules = e;
            entry->dirty = true;
          }
        } else if (orders_ != nullptr) {
          if constexpr (std::is_same_v<T, core::OrderUpdate>) {
            orders_->OnOrderUpdate(e);
          } else if constexpr (std::is_same_v<T, core::Fill>) {
            orders_->OnFill(e);
          } else if constexpr (std::is_same_v<T, core::BalanceUpdate>) {
            orders_->OnBalance(e);
          } else if constexpr (std::is_same_v<T, core::GatewayStatus>) {
            orders_->OnGatewayStatus(e);
          } else {
            static_assert(std::is_same_v<T, core::RateLimitReport>);
            orders_->OnRateLimit(e);
          }
        }
      },
      event);
}

risk::MarketContext Engine::Market(core::InstrumentId instrument) const {
  risk::MarketContext market;
  if (instrument >= books_.size()) return market;
  const BookEntry& entry = books_[instrument];
  market.instrument = &registry_.Get(instrument);
  market.book_state = entry.state;
  market.rules = entry.rules ? &*entry.rules : nullptr;
  if (const auto bid = entry.book.BestBid()) market.best_bid = bid->price;
  if (const auto ask = entry.book.BestAsk()) market.best_ask = ask->price;
  return market;
}

void Engine::ApplyBookUpdate(const core::BookUpdate& update) {
  BookEntry* entry = Entry(update.instrument);
  if (entry == nullptr) return;
  if (update.has(core::BookUpdate::kFirstChunk)) {
    entry->update_rejected = false;
    if (update.has(core::BookUpdate::kSnapshot)) {
      entry->book.Clear();
      entry->bbo.Reset();
      if (entry->state == core::BookState::kLive) entry->state = core::BookState::kSyncing;
    }
  }
  const int bids = std::min<int>(update.bid_count, core::kLevelsPerBookEvent);
  const int asks = std::min<int>(update.ask_count, core::kLevelsPerBookEvent - bids);
  if (!entry->book.SetLevels(update.levels, bids, asks)) entry->update_rejected = true;
  if (!update.has(core::BookUpdate::kLastChunk)) return;

  entry->sequence = update.last_sequence;
  entry->exchange_time_ns = update.exchange_time_ns;
  entry->receive_time_ns = update.receive_time_ns;
  entry->dirty = true;
  if (update.has(core::BookUpdate::kSnapshot)) {
    ++entry->counters.snapshots;
  }
  ++entry->counters.updates_applied;

  const core::InstrumentId id = update.instrument;
  if (entry->update_rejected) {
    MarkStale(*entry, id, core::BookReason::kMalformed, /*ask_resync=*/true);
    return;
  }
  if (entry->book.crossed()) {
    ++entry->counters.crossed;
    MarkStale(*entry, id, core::BookReason::kCrossed, /*ask_resync=*/true);
    return;
  }
  if (update.has(core::BookUpdate::kGoesLive)) {
    entry->state = core::BookState::kLive;
  }
  // Held stops follow the last trade; before the first trade, the mid of the live book.
  if (orders_ != nullptr && !entry->last_trade && entry->state == core::BookState::kLive) {
    const auto bid = entry->book.BestBid();
    const auto ask = entry->book.BestAsk();
    if (bid && ask) {
      orders_->OnMarketPrice(id, core::Price::FromMantissa(
                                     (bid->price.mantissa() + ask->price.mantissa()) / 2));
    }
  }
  if (entry->state == core::BookState::kLive && !update.has(core::BookUpdate::kSnapshot)) {
    BboCrossCheck::Result result;
    entry->bbo.OnBookTop(update.last_sequence, entry->book.BestBid(), entry->book.BestAsk(), &result);
    entry->counters.bbo_checks_ok += result.ok;
    entry->counters.bbo_checks_failed += result.failed;
  }
}

void Engine::MarkStale(BookEntry& entry, core::InstrumentId id, core::BookReason reason,
                       bool ask_resync) {
  const bool was_stale = entry.state == core::BookState::kStale;
  entry.state = core::BookState::kStale;
  entry.last_reason = reason;
  entry.dirty = true;
  if (was_stale) return;
  ++entry.counters.stale;
  // Once per fall: the updates still queued behind this one are just as crossed, and a resync
  // request per update would restart the feed's sync again and again.
  if (ask_resync && resync_handler_) resync_handler_(id, reason);
}

void Engine::ApplyBookStatus(const core::BookStatus& status) {
  BookEntry* entry = Entry(status.instrument);
  if (entry == nullptr) return;
  entry->dirty = true;
  if (status.state == core::BookState::kStale) {
    // Counted on the STALE report only: the SYNCING that follows carries the same reason.
    switch (status.reason) {
      case core::BookReason::kSequenceGap: ++entry->counters.gaps; break;
      case core::BookReason::kChecksum: ++entry->counters.checksum_failures; break;
      default: break;
    }
    MarkStale(*entry, status.instrument, status.reason, /*ask_resync=*/false);
  } else if (status.state == core::BookState::kSyncing) {
    if (status.reason != core::BookReason::kStartup) ++entry->counters.resyncs;
    // A book that is resyncing keeps showing STALE (with its reason) until it is live again, so a
    // reader never mistakes a half-loaded book for a trusted one.
    if (entry->state == core::BookState::kLive) entry->state = core::BookState::kSyncing;
    if (status.reason != core::BookReason::kNone && status.reason != core::BookReason::kStartup) {
      entry->last_reason = status.reason;
    }
  } else {
    entry->state = core::BookState::kLive;
  }
}

void Engine::ApplyFeedStatus(const core::FeedStatus& status) {
  feeds_[static_cast<std::size_t>(status.venue)] = status;
  if (status.connection == core::ConnectionState::kConnected) return;
  // The feed also reports each book STALE on a disconnect, but that report can be refused by a
  // full queue and retried only when frames flow again; a feed that is not connected must never
  // leave a LIVE book behind, so its books go STALE here too.
  for (core::InstrumentId id = 0; id < books_.size(); ++id) {
    BookEntry& entry = books_[id];
    if (venues_[id] == status.venue && entry.state == core::BookState::kLive) {
      MarkStale(entry, id, core::BookReason::kDisconnected, /*ask_resync=*/false);
    }
  }
}

void Engine::ResetBooks() {
  for (BookEntry& entry : books_) {
    entry.book.Clear();
    entry.state = core::BookState::kSyncing;
    entry.last_reason = core::BookReason::kStartup;
    entry.sequence = 0;
    entry.counters = {};
    entry.bbo.Reset();
    entry.dirty = true;
  }
}

void Engine::Publish(std::uint64_t queue_depth) {
  if (store_ == nullptr) return;
  for (core::InstrumentId id = 0; id < books_.size(); ++id) {
    BookEntry& entry = books_[id];
    if (!entry.dirty) continue;
    entry.dirty = false;
    auto snapshot = std::make_shared<BookSnapshot>();
    snapshot->instrument = id;
    snapshot->state = entry.state;
    snapshot->last_reason = entry.last_reason;
    snapshot->sequence = entry.sequence;
    snapshot->exchange_time_ns = entry.exchange_time_ns;
    snapshot->receive_time_ns = entry.receive_time_ns;
    snapshot->bids.reserve(std::min(options_.publish_depth, entry.book.bid_levels()));
    snapshot->asks.reserve(std::min(options_.publish_depth, entry.book.ask_levels()));
    entry.book.CopyTop(options_.publish_depth, &snapshot->bids, &snapshot->asks);
    snapshot->bid_levels = entry.book.bid_levels();
    snapshot->ask_levels = entry.book.ask_levels();
    snapshot->counters = entry.counters;
    snapshot->rules = entry.rules;
    snapshot->last_trade = entry.last_trade;
    snapshot->last_quote = entry.last_quote;
    store_->PublishBook(std::move(snapshot));
  }
  if (queue_depth > max_queue_depth_) max_queue_depth_ = queue_depth;
  auto stats = std::make_shared<EngineStats>();
  stats->published_ns = clock_.NowNs();
  stats->events_processed = events_processed_;
  stats->queue_depth = queue_depth;
  stats->max_queue_depth = max_queue_depth_;
  for (const auto& feed : feeds_) {
    if (feed) stats->feeds.push_back(*feed);
  }
  if (orders_ != nullptr) {
    stats->trading_state = risk::TradingStateName(orders_->trading_state());
    stats->open_orders = orders_->open_orders();
    stats->accounts = orders_->Accounts();
  }
  store_->PublishStats(std::move(stats));
}

}  // namespace tradingd::engine
