#pragma once
// An L2 order book of one instrument: price levels with absolute quantities.
//
// Layout (measured in DESIGN.md: ≈0.2 µs per Binance diff against ≈2.7 µs for std::map): each side
// keeps a flat array of quantities indexed by price in ticks from a moving anchor (2^16 slots), a
// two-level bitmap of occupied slots to find the next best level in a few instructions, and an
// ordered map for the rare levels that lie beyond the window on the far side. The window always holds
// the best level; when the best leaves it the side is re-anchored around the new best.
//
// The tick grid is learnt from the prices themselves (the greatest common divisor of every price seen)
// so a book needs no configuration and survives a venue changing its tick size: a price off the grid
// refines the grid and the book is re-laid, which is rare and cheap.
//
// Thread contract: owned by one thread (the engine thread, or the replay thread); not thread-safe.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/events.h"

namespace tradingd::engine {

// One side of the book, in "keys" where a lower key is always a better price (asks: +ticks,
// bids: -ticks), so that bids and asks share one implementation.
class BookSide {
 public:
  static constexpr int kWindowBits = 16;
  static constexpr std::int64_t kWindow = std::int64_t{1} << kWindowBits;

  BookSide();
  BookSide(BookSide&&) noexcept = default;
  BookSide& operator=(BookSide&&) noexcept = default;

  // Sets the quantity at `key`; zero removes the level.
  void Set(std::int64_t key, std::int64_t quantity);
  void Clear();

  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  std::int64_t best_key() const { return best_key_; }  // valid when !empty()
  std::int64_t QuantityAt(std::int64_t key) const;
  // Starts loading the memory that Set(key, ...) will touch.
  void Prefetch(std::int64_t key) const {
    if (!InWindow(key)) return;
    const auto slot = static_cast<std::size_t>(key - anchor_);
    __builtin_prefetch(&quantities_[slot], 1);
    __builtin_prefetch(&occupied_[slot >> 6], 1);
  }

  // Calls visit(key, quantity) for up to `max_levels` levels, best first; stops when visit returns
  // false.
  template <typename Visit>
  void ForEachBest(std::size_t max_levels, Visit&& visit) const;

 private:
  static constexpr std::size_t kWords = static_cast<std::size_t>(kWindow) / 64;
  static constexpr std::size_t kSummaryWords = kWords / 64;

  bool InWindow(std::int64_t key) const { return key >= anchor_ && key < anchor_ + kWindow; }
  void SetSlot(std::size_t slot, std::int64_t quantity);
  void ClearSlot(std::size_t slot);
  // First occupied slot at or after `slot`, or kWindow when none.
  std::size_t NextOccupied(std::size_t slot) const;
  // Re-lays every level around `new_best` (allocates; rare).
  void Reanchor(std::int64_t new_best);
  void FindBestAfterRemoval(std::size_t removed_slot);

  std::int64_t anchor_ = 0;
  std::int64_t best_key_ = 0;
  std::size_t count_ = 0;
  std::unique_ptr<std::int64_t[]> quantities_;  // kWindow slots, 0 = empty
  std::unique_ptr<std::uint64_t[]> occupied_;   // kWords bits
  std::uint64_t summary_[kSummaryWords] = {};   // bit per non-empty occupied_ word
  std::map<std::int64_t, std::int64_t> far_;    // levels at keys >= anchor_ + kWindow
};

class OrderBook {
 public:
  OrderBook() = default;

  void Clear();
  // Prices beyond this magnitude are refused: they are no real market and would overflow the
  // window arithmetic.
  static constexpr std::int64_t kMaxPriceMantissa = std::int64_t{1} << 60;

  // Sets the absolute quantity of a level; zero removes it. False (and no change) for a negative
  // quantity, a price <= 0 or beyond kMaxPriceMantissa.
  [[nodiscard]] bool Set(core::Side side, core::Price price, core::Quantity quantity);
  // Sets `bid_count` bid levels followed by `ask_count` ask levels (at most kMaxBatch). The levels
  // of a Binance diff land far apart in a window larger than the L2 cache, so their slots are
  // prefetched together before any is written. False when any level was refused (the others apply).
  static constexpr int kMaxBatch = 64;
  [[nodiscard]] bool SetLevels(const core::PriceLevel* levels, int bid_count, int ask_count);

  bool crossed() const;
  std::optional<core::PriceLevel> BestBid() const;
  std::optional<core::PriceLevel> BestAsk() const;
  std::size_t bid_levels() const { return bids_.size(); }
  std::size_t ask_levels() const { return asks_.size(); }
  // Appends up to `depth` levels of each side, best first.
  void CopyTop(std::size_t depth, std::vector<core::PriceLevel>* bids,
               std::vector<core::PriceLevel>* asks) const;
  // The price grid the book has learnt (0 before the first level).
  std::int64_t grid() const { return grid_; }

 private:
  std::int64_t BidPrice(std::int64_t key) const { return -key * grid_; }
  std::int64_t AskPrice(std::int64_t key) const { return key * grid_; }
  void Regrid(std::int64_t new_grid);
  void SetGrid(std::int64_t grid);
  // price / grid_ when the price lies on the grid; false otherwise. Exact division by a constant
  // through its modular inverse (Granlund & Montgomery): a shift and a multiply instead of two
  // 64-bit divisions per level.
  bool TicksOf(std::int64_t price, std::int64_t* ticks) const;

  std::int64_t grid_ = 0;
  int grid_shift_ = 0;              // trailing zero bits of grid_
  std::uint64_t grid_inverse_ = 0;  // inverse of grid_'s odd part, modulo 2^64
  std::uint64_t grid_limit_ = 0;    // largest quotient by the odd part (divisibility bound)
  BookSide bids_;
  BookSide asks_;
};

template <typename Visit>
void BookSide::ForEachBest(std::size_t max_levels, Visit&& visit) const {
  std::size_t emitted = 0;
  if (count_ == 0 || max_levels == 0) return;
  for (std::size_t slot = NextOccupied(static_cast<std::size_t>(best_key_ - anchor_));
       slot < static_cast<std::size_t>(kWindow); slot = NextOccupied(slot + 1)) {
    if (!visit(anchor_ + static_cast<std::int64_t>(slot), quantities_[slot])) return;
    if (++emitted == max_levels) return;
  }
  for (const auto& [key, quantity] : far_) {
    if (!visit(key, quantity)) return;
    if (++emitted == max_levels) return;
  }
}

}  // namespace tradingd::engine
