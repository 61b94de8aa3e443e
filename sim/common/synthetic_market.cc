#include "sim/common/synthetic_market.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace tradingd::sim {

std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + (stream + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

namespace {

// Placement attempts per wanted level when building the initial book; a book narrower than the
// wanted level count simply ends up with fewer levels instead of looping forever.
constexpr int kInitialAttemptsPerLevel = 50;

// Size changes stay within this many ticks of the best: that is where real books churn.
constexpr std::int64_t kResizeWindowTicks = 50;

// The fair price may wander this far outside the book before it is pulled back, so that adds keep
// landing near the top instead of piling up against the other side.
constexpr std::int64_t kFairSlackTicks = 20;

}  // namespace

SyntheticMarket::SyntheticMarket(SymbolSpec spec, std::uint64_t seed, std::uint64_t first_update_id,
                                 std::uint64_t first_trade_id)
    : spec_(std::move(spec)), rng_(seed), update_id_(first_update_id), trade_id_(first_trade_id) {
  const std::int64_t tick = std::max<std::int64_t>(spec_.tick_size, 1);
  spec_.tick_size = tick;
  spec_.lot_size = std::max<std::int64_t>(spec_.lot_size, 1);
  fair_ticks_ = std::max<std::int64_t>(spec_.start_price / tick, 4);
  // __int128-free: start_price * bps fits easily (prices up to ~9e14 mantissa, bps up to 1e4).
  width_ticks_ = spec_.start_price / 10000 * spec_.book_width_bps / tick;
  width_ticks_ = std::max<std::int64_t>(width_ticks_, 2 * spec_.levels_per_side + 2);
  width_ticks_ = std::min<std::int64_t>(width_ticks_, fair_ticks_ - 2);

  const std::size_t wanted = static_cast<std::size_t>(std::max(spec_.levels_per_side, 1));
  for (int attempt = 0; attempt < spec_.levels_per_side * kInitialAttemptsPerLevel &&
                        (bids_.size() < wanted || asks_.size() < wanted);
       ++attempt) {
    const std::int64_t d = Distance(width_ticks_);
    const std::int64_t quantity = RandomQuantity();
    if (bids_.size() < wanted) {
      const std::int64_t ticks = fair_ticks_ - 1 - d;
      if (ticks > 0) bids_.emplace(ticks * tick, quantity);
    }
    if (asks_.size() < wanted) asks_.emplace((fair_ticks_ + 1 + d) * tick, quantity);
  }
}

std::int64_t SyntheticMarket::Distance(std::int64_t max_ticks) {
  const double u = Unit();
  return static_cast<std::int64_t>(u * u * u * static_cast<double>(max_ticks));
}

std::int64_t SyntheticMarket::RandomQuantity() {
  static constexpr std::int64_t kPowers[] = {1, 10, 100, 1000};
  const std::int64_t lots =
      static_cast<std::int64_t>(1 + Below(999)) * kPowers[Below(std::size(kPowers))];
  return std::min(lots * spec_.lot_size, spec_.max_quantity);
}

TopOfBook SyntheticMarket::top() const {
  TopOfBook top;
  if (!bids_.empty()) {
    top.bid_price = bids_.begin()->first;
    top.bid_quantity = bids_.begin()->second;
  }
  if (!asks_.empty()) {
    top.ask_price = asks_.begin()->first;
    top.ask_quantity = asks_.begin()->second;
  }
  return top;
}

BookLevels SyntheticMarket::Levels(std::size_t depth) const {
  BookLevels levels;
  levels.last_update_id = update_id_;
  const std::size_t bid_count = depth == 0 ? bids_.size() : std::min(depth, bids_.size());
  const std::size_t ask_count = depth == 0 ? asks_.size() : std::min(depth, asks_.size());
  levels.bids.reserve(bid_count);
  levels.asks.reserve(ask_count);
  for (auto it = bids_.begin(); levels.bids.size() < bid_count; ++it) {
    levels.bids.push_back({it->first, it->second});
  }
  for (auto it = asks_.begin(); levels.asks.size() < ask_count; ++it) {
    levels.asks.push_back({it->first, it->second});
  }
  return levels;
}

void SyntheticMarket::Step(MarketListener& listener) {
  WalkFairPrice();
  const std::size_t target = static_cast<std::size_t>(std::max(spec_.levels_per_side, 1));
  const std::size_t high = target + target / 10 + 1;
  // Keep each side near its target size: a crowded side loses its farthest level (as real books
  // shed stale far orders), a thin side is refilled first.
  if (bids_.size() > high) return TrimWorst(Side::kBid, listener);
  if (asks_.size() > high) return TrimWorst(Side::kAsk, listener);
  if (bids_.size() < target / 2) return Add(Side::kBid, listener);
  if (asks_.size() < target / 2) return Add(Side::kAsk, listener);

  const std::uint64_t action = Below(100);
  const Side side = Below(2) == 0 ? Side::kBid : Side::kAsk;
  if (action < 8) return Trade(listener);
  if (action < 50) return Add(side, listener);
  if (action < 78) return Cancel(side, listener);
  return Resize(side, listener);
}

void SyntheticMarket::WalkFairPrice() {
  if (Below(4) != 0) return;
  const std::int64_t step = 1 + static_cast<std::int64_t>(Below(3));
  fair_ticks_ += Below(2) == 0 ? step : -step;
  const std::int64_t tick = spec_.tick_size;
  if (!bids_.empty()) {
    fair_ticks_ = std::max(fair_ticks_, bids_.begin()->first / tick - kFairSlackTicks);
  }
  if (!asks_.empty()) {
    fair_ticks_ = std::min(fair_ticks_, asks_.begin()->first / tick + kFairSlackTicks);
  }
  // Never let the walk reach zero or leave room for a bid at a non-positive price.
  fair_ticks_ = std::max(fair_ticks_, width_ticks_ + 2);
}

void SyntheticMarket::Add(Side side, MarketListener& listener) {
  const std::int64_t tick = spec_.tick_size;
  const std::int64_t d = Distance(width_ticks_);
  std::int64_t ticks;
  std::int64_t existing = 0;
  if (side == Side::kBid) {
    ticks = fair_ticks_ - 1 - d;
    if (!asks_.empty()) ticks = std::min(ticks, asks_.begin()->first / tick - 1);
    ticks = std::max<std::int64_t>(ticks, 1);
    if (auto it = bids_.find(ticks * tick); it != bids_.end()) existing = it->second;
  } else {
    ticks = fair_ticks_ + 1 + d;
    if (!bids_.empty()) ticks = std::max(ticks, bids_.begin()->first / tick + 1);
    if (auto it = asks_.find(ticks * tick); it != asks_.end()) existing = it->second;
  }
  Set(side, ticks * tick, std::min(existing + RandomQuantity(), spec_.max_quantity), listener);
}

void SyntheticMarket::Cancel(Side side, MarketListener& listener) {
  const std::int64_t tick = spec_.tick_size;
  const std::int64_t d = Distance(width_ticks_);
  std::int64_t price;
  std::int64_t quantity;
  if (side == Side::kBid) {
    if (bids_.empty()) return Add(side, listener);
    auto it = bids_.lower_bound(bids_.begin()->first - d * tick);  // first price <= target
    if (it == bids_.end()) it = std::prev(bids_.end());
    price = it->first;
    quantity = it->second;
  } else {
    if (asks_.empty()) return Add(side, listener);
    auto it = asks_.lower_bound(asks_.begin()->first + d * tick);  // first price >= target
    if (it == asks_.end()) it = std::prev(asks_.end());
    price = it->first;
    quantity = it->second;
  }
  const std::int64_t lots = quantity / spec_.lot_size;
  if (lots <= 1 || Below(2) == 0) return Set(side, price, 0, listener);
  const std::int64_t removed = 1 + static_cast<std::int64_t>(Below(lots - 1));
  Set(side, price, quantity - removed * spec_.lot_size, listener);
}

void SyntheticMarket::Resize(Side side, MarketListener& listener) {
  const std::int64_t tick = spec_.tick_size;
  const std::int64_t d = Distance(std::min(width_ticks_, kResizeWindowTicks));
  if (side == Side::kBid) {
    if (bids_.empty()) return Add(side, listener);
    auto it = bids_.lower_bound(bids_.begin()->first - d * tick);
    if (it == bids_.end()) it = std::prev(bids_.end());
    return Set(side, it->first, RandomQuantity(), listener);
  }
  if (asks_.empty()) return Add(side, listener);
  auto it = asks_.lower_bound(asks_.begin()->first + d * tick);
  if (it == asks_.end()) it = std::prev(asks_.end());
  Set(side, it->first, RandomQuantity(), listener);
}

void SyntheticMarket::Trade(MarketListener& listener) {
  if (bids_.empty() || asks_.empty()) return Add(bids_.empty() ? Side::kBid : Side::kAsk, listener);
  const std::int64_t tick = spec_.tick_size;
  const std::int64_t mid2 = (bids_.begin()->first + asks_.begin()->first) / tick;  // 2 x mid
  const std::uint64_t buy_percent = 2 * fair_ticks_ > mid2 ? 70 : 2 * fair_ticks_ < mid2 ? 30 : 50;
  const bool buy = Below(100) < buy_percent;
  const Side maker_side = buy ? Side::kAsk : Side::kBid;
  const std::int64_t price = buy ? asks_.begin()->first : bids_.begin()->first;
  const std::int64_t quantity = buy ? asks_.begin()->second : bids_.begin()->second;
  const std::int64_t lots = quantity / spec_.lot_size;
  // A fifth of the trades sweep the whole level, the rest take part of it.
  const std::int64_t taken_lots =
      (lots <= 1 || Below(5) == 0) ? lots : 1 + static_cast<std::int64_t>(Below(lots - 1));
  const std::int64_t taken = taken_lots * spec_.lot_size;
  listener.OnTrade({++trade_id_, price, taken, /*buyer_is_maker=*/!buy});
  Set(maker_side, price, quantity - taken, listener);
}

std::vector<TakeFill> SyntheticMarket::Take(const TakeRequest& request, MarketListener& listener) {
  std::vector<TakeFill> fills;
  std::int64_t left = request.quantity;
  const bool asks = request.side == Side::kAsk;
  while (left > 0) {
    std::int64_t price;
    std::int64_t quantity;
    if (asks) {
      if (asks_.empty()) break;
      price = asks_.begin()->first;
      quantity = asks_.begin()->second;
      if (request.limit_price > 0 && price > request.limit_price) break;
    } else {
      if (bids_.empty()) break;
      price = bids_.begin()->first;
      quantity = bids_.begin()->second;
      if (request.limit_price > 0 && price < request.limit_price) break;
    }
    const std::int64_t taken = std::min(left, quantity);
    const bool hidden = request.hidden_maker_price > 0;
    const std::int64_t trade_price = hidden ? request.hidden_maker_price : price;
    // Consuming asks, the buyer aggresses unless the asks crossed a hidden buyer; the other way
    // round for bids.
    const bool buyer_is_maker = asks ? hidden : !hidden;
    const std::uint64_t trade_id = ++trade_id_;
    listener.OnTrade({trade_id, trade_price, taken, buyer_is_maker});
    Set(request.side, price, quantity - taken, listener);
    fills.push_back({price, trade_price, taken, trade_id});
    left -= taken;
  }
  return fills;
}

void SyntheticMarket::TrimWorst(Side side, MarketListener& listener) {
  if (side == Side::kBid) return Set(side, std::prev(bids_.end())->first, 0, listener);
  Set(side, std::prev(asks_.end())->first, 0, listener);
}

void SyntheticMarket::Set(Side side, std::int64_t price, std::int64_t quantity,
                          MarketListener& listener) {
  if (side == Side::kBid) {
    if (quantity == 0) {
      bids_.erase(price);
    } else {
      bids_[price] = quantity;
    }
  } else {
    if (quantity == 0) {
      asks_.erase(price);
    } else {
      asks_[price] = quantity;
    }
  }
  listener.OnLevelChange({side, price, quantity, ++update_id_});
}

}  // namespace tradingd::sim
