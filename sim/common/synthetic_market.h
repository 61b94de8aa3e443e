#pragma once
// A venue-agnostic synthetic market for one symbol: an exact fixed-point order book driven by a
// seeded random order flow that looks like a real crypto book (a random-walk fair price, hundreds
// of levels a side, dense near the top and sparse far away, adds, cancels, size changes, and trades
// that consume the top). The venue simulators (sim/binance, later others) turn its changes into
// their own wire formats.
//
// Every Step() makes exactly one book change and gives it the next update id, so a venue can
// publish consecutive update-id ranges. The flow depends only on the seed and the number of steps,
// never on wall-clock time: the same seed and the same number of steps give the same book, bit for
// bit (the generator uses std::mt19937_64 and its own integer mappings, not the
// implementation-defined std::*_distribution classes).
//
// Prices and quantities are int64 mantissas at kSimScale (8 fractional digits, like Binance's
// text); every price is an integer number of ticks and every quantity an integer number of lots.
//
// Thread contract: not thread-safe; one owner thread (the simulator's io thread).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace tradingd::sim {

// Fractional digits of every sim price and quantity mantissa.
inline constexpr int kSimScale = 8;

enum class Side : std::uint8_t { kBid, kAsk };

// A tradable symbol of a simulated venue. Mantissas are at kSimScale: 0.01 is 1'000'000.
struct SymbolSpec {
  std::string symbol;  // the venue's spelling, "BTCUSDT"
  std::string base;    // "BTC"
  std::string quote;   // "USDT"
  std::int64_t tick_size = 0;
  std::int64_t lot_size = 0;
  std::int64_t start_price = 0;
  std::int64_t min_notional = 500'000'000;      // 5 (quote units)
  std::int64_t max_quantity = 900'000'000'000;  // 9000
  int levels_per_side = 500;  // the book keeps about this many levels on each side
  // How far from the fair price levels are placed, in basis points of the start price.
  int book_width_bps = 100;
};

struct LevelChange {
  Side side = Side::kBid;
  std::int64_t price = 0;
  std::int64_t quantity = 0;  // absolute quantity after the change; 0 deletes the level
  std::uint64_t update_id = 0;
};

struct TradePrint {
  std::uint64_t trade_id = 0;
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  bool buyer_is_maker = false;  // true when a seller hit the bid
};

struct TopOfBook {
  std::int64_t bid_price = 0;  // 0 quantity: that side is empty
  std::int64_t bid_quantity = 0;
  std::int64_t ask_price = 0;
  std::int64_t ask_quantity = 0;
  bool operator==(const TopOfBook&) const = default;
};

struct BookLevel {
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  bool operator==(const BookLevel&) const = default;
};

struct BookLevels {
  std::uint64_t last_update_id = 0;
  std::vector<BookLevel> bids;  // best first
  std::vector<BookLevel> asks;  // best first
};

// Receives each change as the market makes it.
class MarketListener {
 public:
  virtual ~MarketListener() = default;
  // A trade is reported before the level change it causes.
  virtual void OnTrade(const TradePrint& trade) = 0;
  virtual void OnLevelChange(const LevelChange& change) = 0;
};

// What SyntheticMarket::Take removes from the book: an execution against the visible levels.
struct TakeRequest {
  Side side = Side::kAsk;        // the book side consumed: kAsk for a buy, kBid for a sell
  std::int64_t limit_price = 0;  // no level worse than this is touched; 0: no limit
  std::int64_t quantity = 0;     // at most this much in total
  // 0: each trade prints at its level's price (the levels are the makers, the usual taker case).
  // Otherwise the trades print at this price with the levels as the takers: the levels crossed a
  // hidden resting order (the sandbox's own orders are not in the book) that trades at its price.
  std::int64_t hidden_maker_price = 0;
};

// One level's part of a Take: one TradePrint.
struct TakeFill {
  std::int64_t level_price = 0;  // the level consumed
  std::int64_t trade_price = 0;  // the price printed (level_price unless a hidden maker's)
  std::int64_t quantity = 0;
  std::uint64_t trade_id = 0;
};

class SyntheticMarket {
 public:
  using BidMap = std::map<std::int64_t, std::int64_t, std::greater<>>;
  using AskMap = std::map<std::int64_t, std::int64_t>;

  // Builds the initial book (levels_per_side levels a side around start_price); the initial book
  // is the state at `first_update_id`. Trade ids start after `first_trade_id`.
  SyntheticMarket(SymbolSpec spec, std::uint64_t seed, std::uint64_t first_update_id,
                  std::uint64_t first_trade_id);

  // Makes exactly one book change (id last_update_id()+1), possibly a trade that causes it.
  void Step(MarketListener& listener);
  // Executes against the book outside the random flow (the matching engine's orders): consumes the
  // `request.side` levels best first, no farther than the limit, up to the quantity, and reports
  // for each level touched a TradePrint (the next trade id) followed by the LevelChange it causes
  // (the next update id), exactly as Step reports its trades, so the public feeds show the trades
  // and the consumed liquidity with consecutive ids. Does not draw from the random generator: the
  // flow that later Steps make depends only on the seed, the step count and the book.
  // Returns the fills best first; empty when nothing was in reach.
  std::vector<TakeFill> Take(const TakeRequest& request, MarketListener& listener);

  const SymbolSpec& spec() const { return spec_; }
  std::uint64_t last_update_id() const { return update_id_; }
  TopOfBook top() const;
  const BidMap& bids() const { return bids_; }
  const AskMap& asks() const { return asks_; }
  // The best `depth` levels of each side (all when depth is 0).
  BookLevels Levels(std::size_t depth) const;

 private:
  // Uniform in [0, n), n > 0. Modulo bias is irrelevant for the small n used here.
  std::uint64_t Below(std::uint64_t n) { return rng_() % n; }
  // Uniform in [0, 1) from 53 random bits.
  double Unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  // Ticks from the fair price: dense near the top, sparse far away (cube of a uniform).
  std::int64_t Distance(std::int64_t max_ticks);
  std::int64_t RandomQuantity();

  void WalkFairPrice();
  void Add(Side side, MarketListener& listener);
  void Cancel(Side side, MarketListener& listener);
  void Resize(Side side, MarketListener& listener);
  void Trade(MarketListener& listener);
  void TrimWorst(Side side, MarketListener& listener);
  void Set(Side side, std::int64_t price, std::int64_t quantity, MarketListener& listener);

  SymbolSpec spec_;
  std::mt19937_64 rng_;
  BidMap bids_;
  AskMap asks_;
  std::uint64_t update_id_;
  std::uint64_t trade_id_;
  std::int64_t fair_ticks_;   // the random-walk fair price, in ticks
  std::int64_t width_ticks_;  // how far levels are placed from the fair price
};

// Mixes a seed and a stream index into an independent seed (SplitMix64).
std::uint64_t MixSeed(std::uint64_t seed, std::uint64_t stream);

}  // namespace tradingd::sim
