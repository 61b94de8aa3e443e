#include "engine/order_book.h"

#include <bit>
#include <numeric>
#include <stdexcept>
#include <utility>

namespace tradingd::engine {

BookSide::BookSide()
    : quantities_(new std::int64_t[kWindow]()), occupied_(new std::uint64_t[kWords]()) {}

void BookSide::Clear() {
  if (count_ == 0) return;
  // Clearing only the occupied words keeps a snapshot reload proportional to the book, not the window.
  for (std::size_t s = 0; s < kSummaryWords; ++s) {
    std::uint64_t summary = summary_[s];
    while (summary != 0) {
      const std::size_t word = s * 64 + static_cast<std::size_t>(std::countr_zero(summary));
      summary &= summary - 1;
      std::uint64_t bits = occupied_[word];
      while (bits != 0) {
        quantities_[word * 64 + static_cast<std::size_t>(std::countr_zero(bits))] = 0;
        bits &= bits - 1;
      }
      occupied_[word] = 0;
    }
    summary_[s] = 0;
  }
  far_.clear();
  count_ = 0;
}

std::int64_t BookSide::QuantityAt(std::int64_t key) const {
  if (InWindow(key)) return quantities_[static_cast<std::size_t>(key - anchor_)];
  auto it = far_.find(key);
  return it == far_.end() ? 0 : it->second;
}

void BookSide::SetSlot(std::size_t slot, std::int64_t quantity) {
  if (quantities_[slot] == 0) {
    ++count_;
    const std::size_t word = slot >> 6;
    occupied_[word] |= std::uint64_t{1} << (slot & 63);
    summary_[word >> 6] |= std::uint64_t{1} << (word & 63);
  }
  quantities_[slot] = quantity;
}

void BookSide::ClearSlot(std::size_t slot) {
  if (quantities_[slot] == 0) return;
  --count_;
  quantities_[slot] = 0;
  const std::size_t word = slot >> 6;
  occupied_[word] &= ~(std::uint64_t{1} << (slot & 63));
  if (occupied_[word] == 0) summary_[word >> 6] &= ~(std::uint64_t{1} << (word & 63));
}

std::size_t BookSide::NextOccupied(std::size_t slot) const {
  if (slot >= static_cast<std::size_t>(kWindow)) return static_cast<std::size_t>(kWindow);
  std::size_t word = slot >> 6;
  std::uint64_t bits = occupied_[word] & (~std::uint64_t{0} << (slot & 63));
  if (bits != 0) return word * 64 + static_cast<std::size_t>(std::countr_zero(bits));
  // Next non-empty word through the summary bitmap.
  ++word;
  std::size_t s = word >> 6;
  if (s >= kSummaryWords) return static_cast<std::size_t>(kWindow);
  std::uint64_t summary = summary_[s] & (~std::uint64_t{0} << (word & 63));
  while (summary == 0) {
    if (++s >= kSummaryWords) return static_cast<std::size_t>(kWindow);
    summary = summary_[s];
  }
  word = s * 64 + static_cast<std::size_t>(std::countr_zero(summary));
  return word * 64 + static_cast<std::size_t>(std::countr_zero(occupied_[word]));
}

void BookSide::Reanchor(std::int64_t new_best) {
  std::vector<std::pair<std::int64_t, std::int64_t>> levels;
  levels.reserve(count_);
  ForEachBest(count_, [&](std::int64_t key, std::int64_t quantity) {
    levels.emplace_back(key, quantity);
    return true;
  });
  Clear();
  // Room for the best to improve by a quarter window before the next re-anchoring.
  anchor_ = new_best - kWindow / 4;
  best_key_ = new_best;
  for (const auto& [key, quantity] : levels) {
    if (InWindow(key)) {
      SetSlot(static_cast<std::size_t>(key - anchor_), quantity);
    } else {
      far_.emplace(key, quantity);
      ++count_;
    }
  }
}

void BookSide::Set(std::int64_t key, std::int64_t quantity) {
  if (quantity == 0) {
    if (InWindow(key)) {
      const auto slot = static_cast<std::size_t>(key - anchor_);
      if (quantities_[slot] == 0) return;
      ClearSlot(slot);
      if (key == best_key_) FindBestAfterRemoval(slot);
    } else if (far_.erase(key) != 0) {
      --count_;
    }
    return;
  }
  if (count_ == 0) {
    // An empty side re-anchors on its first level (far_ is empty too).
    anchor_ = key - kWindow / 4;
    best_key_ = key;
  } else if (key < anchor_) {
    Reanchor(key);
  }
  if (InWindow(key)) {
    SetSlot(static_cast<std::size_t>(key - anchor_), quantity);
  } else {
    auto [it, inserted] = far_.insert_or_assign(key, quantity);
    (void)it;
    if (inserted) ++count_;
  }
  if (key < best_key_) best_key_ = key;
}

void BookSide::FindBestAfterRemoval(std::size_t removed_slot) {
  if (count_ == 0) return;
  const std::size_t next = NextOccupied(removed_slot + 1);
  if (next < static_cast<std::size_t>(kWindow)) {
    best_key_ = anchor_ + static_cast<std::int64_t>(next);
    // The best has drifted deep into the window: re-anchor so that the levels behind it come back
    // from the far map into the array.
    if (best_key_ - anchor_ > 3 * kWindow / 4 && !far_.empty()) Reanchor(best_key_);
    return;
  }
  // The window is empty; the best is the nearest far level.
  Reanchor(far_.begin()->first);
}

void OrderBook::Clear() {
  bids_.Clear();
  asks_.Clear();
  // The grid only ever gets finer while levels are kept; a cleared book (a new snapshot) learns it
  // afresh, so one stray price or an old tick size cannot shrink the window for good.
  grid_ = 0;
}

void OrderBook::SetGrid(std::int64_t grid) {
  grid_ = grid;
  const auto unsigned_grid = static_cast<std::uint64_t>(grid);
  grid_shift_ = std::countr_zero(unsigned_grid);
  const std::uint64_t odd = unsigned_grid >> grid_shift_;
  // Newton's iteration doubles the correct low bits each step: 3 → 6 → 12 → 24 → 48 → 96.
  std::uint64_t inverse = odd;
  for (int i = 0; i < 5; ++i) inverse *= 2 - odd * inverse;
  grid_inverse_ = inverse;
  grid_limit_ = UINT64_MAX / odd;
}

bool OrderBook::TicksOf(std::int64_t price, std::int64_t* ticks) const {
  const auto unsigned_price = static_cast<std::uint64_t>(price);  // price > 0 here
  if ((unsigned_price & ((std::uint64_t{1} << grid_shift_) - 1)) != 0) return false;
  const std::uint64_t quotient = (unsigned_price >> grid_shift_) * grid_inverse_;
  if (quotient > grid_limit_) return false;  // not a multiple of the odd part
  *ticks = static_cast<std::int64_t>(quotient);
  return true;
}

void OrderBook::Regrid(std::int64_t new_grid) {
  std::vector<std::pair<std::int64_t, std::int64_t>> bid_levels;
  std::vector<std::pair<std::int64_t, std::int64_t>> ask_levels;
  bids_.ForEachBest(bids_.size(), [&](std::int64_t key, std::int64_t quantity) {
    bid_levels.emplace_back(BidPrice(key), quantity);
    return true;
  });
  asks_.ForEachBest(asks_.size(), [&](std::int64_t key, std::int64_t quantity) {
    ask_levels.emplace_back(AskPrice(key), quantity);
    return true;
  });
  bids_.Clear();
  asks_.Clear();
  SetGrid(new_grid);
  for (const auto& [price, quantity] : bid_levels) bids_.Set(-(price / grid_), quantity);
  for (const auto& [price, quantity] : ask_levels) asks_.Set(price / grid_, quantity);
}

bool OrderBook::Set(core::Side side, core::Price price, core::Quantity quantity) {
  const std::int64_t p = price.mantissa();
  if (p <= 0 || p > kMaxPriceMantissa || quantity.mantissa() < 0) return false;
  std::int64_t ticks;
  if (grid_ == 0 || !TicksOf(p, &ticks)) {
    const std::int64_t new_grid = std::gcd(grid_, p);
    if (grid_ == 0) {
      SetGrid(new_grid);
    } else {
      Regrid(new_grid);
    }
    ticks = p / grid_;
  }
  if (side == core::Side::kBuy) {
    bids_.Set(-ticks, quantity.mantissa());
  } else {
    asks_.Set(ticks, quantity.mantissa());
  }
  return true;
}

bool OrderBook::SetLevels(const core::PriceLevel* levels, int bid_count, int ask_count) {
  const int count = bid_count + ask_count;
  if (grid_ != 0) {
    for (int i = 0; i < count && i < kMaxBatch; ++i) {
      std::int64_t ticks;
      const std::int64_t price = levels[i].price.mantissa();
      if (price <= 0 || !TicksOf(price, &ticks)) continue;  // Set handles it
      if (i < bid_count) {
        bids_.Prefetch(-ticks);
      } else {
        asks_.Prefetch(ticks);
      }
    }
  }
  bool all_accepted = true;
  for (int i = 0; i < count; ++i) {
    const core::Side side = i < bid_count ? core::Side::kBuy : core::Side::kSell;
    all_accepted &= Set(side, levels[i].price, levels[i].quantity);
  }
  return all_accepted;
}

bool OrderBook::crossed() const {
  if (bids_.empty() || asks_.empty()) return false;
  return BidPrice(bids_.best_key()) >= AskPrice(asks_.best_key());
}

std::optional<core::PriceLevel> OrderBook::BestBid() const {
  if (bids_.empty()) return std::nullopt;
  const std::int64_t key = bids_.best_key();
  return core::PriceLevel{core::Price::FromMantissa(BidPrice(key)),
                          core::Quantity::FromMantissa(bids_.QuantityAt(key))};
}

std::optional<core::PriceLevel> OrderBook::BestAsk() const {
  if (asks_.empty()) return std::nullopt;
  const std::int64_t key = asks_.best_key();
  return core::PriceLevel{core::Price::FromMantissa(AskPrice(key)),
                          core::Quantity::FromMantissa(asks_.QuantityAt(key))};
}

void OrderBook::CopyTop(std::size_t depth, std::vector<core::PriceLevel>* bids,
                        std::vector<core::PriceLevel>* asks) const {
  bids_.ForEachBest(depth, [&](std::int64_t key, std::int64_t quantity) {
    bids->push_back({core::Price::FromMantissa(BidPrice(key)), core::Quantity::FromMantissa(quantity)});
    return true;
  });
  asks_.ForEachBest(depth, [&](std::int64_t key, std::int64_t quantity) {
    asks->push_back({core::Price::FromMantissa(AskPrice(key)), core::Quantity::FromMantissa(quantity)});
    return true;
  });
}

}  // namespace tradingd::engine
