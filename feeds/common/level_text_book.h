#pragma once
// The feed-side book of a venue whose integrity check is a CHECKSUM over the book (Kraken, OKX).
//
// Those checksums are computed on the price and quantity TEXT as the venue wrote it ("0.05000" and
// "0.05" are the same price but not the same checksum), so each level keeps its fixed-point price
// and quantity and, inline, the text of each. The book also truncates to the subscribed depth:
// Kraken sends no delete for a level pushed out of range, so it must be dropped here, and the feed
// forwards the deletes Truncate reports so that the engine's fixed-point book stays the same.
//
// Layout: per side a vector sorted so that the BEST level is at the BACK. Most updates land near
// the top of the book, and an insert or erase there moves only the few better levels behind it.
// Texts live in fixed arrays inside each level, so a Set allocates nothing once the vectors have
// grown to their working size (set_depth_limit reserves it up front); Clear keeps the capacity.
//
// Thread contract: owned by one thread (the feed I/O thread, one book per instrument); not
// thread-safe. The checksum functions only read the book.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/events.h"

namespace tradingd::feeds {

// A level as the venue wrote it. The views point into the book and are valid until it changes.
struct TextLevel {
  core::Price price;
  core::Quantity quantity;
  std::string_view price_text;
  std::string_view quantity_text;
};

class LevelTextBook {
 public:
  // Longer texts are refused: real prices and quantities are at most ~20 characters, and a fixed
  // bound keeps the texts inline and the checksum buffers on the stack.
  static constexpr std::size_t kMaxText = 31;

  explicit LevelTextBook(std::size_t depth_limit = 0);  // 0: no limit

  // Empties both sides; keeps the depth limit and the capacity.
  void Clear();
  // Takes effect at the next Truncate. Reserves room for the limit plus one message's worth of new
  // levels, so that steady-state updates never grow the vectors.
  void set_depth_limit(std::size_t depth_limit);
  std::size_t depth_limit() const { return depth_limit_; }

  // Sets a level; quantity 0 removes it (removing an absent level is a no-op that returns true). An
  // existing level takes the new quantity and both new texts. False, with nothing changed, for a
  // side other than kBuy/kSell, a price <= 0, a negative quantity or a text longer than kMaxText.
  [[nodiscard]] bool Set(core::Side side, core::Price price, core::Quantity quantity,
                         std::string_view price_text, std::string_view quantity_text);

  // Drops the levels beyond depth_limit on each side (worst first) and appends each dropped level,
  // with quantity 0, to the given vectors (either may be null). Does nothing without a limit.
  void Truncate(std::vector<core::PriceLevel>* removed_bids,
                std::vector<core::PriceLevel>* removed_asks);

  std::size_t bid_count() const { return bids_.size(); }
  std::size_t ask_count() const { return asks_.size(); }
  // The i-th best bid, 0 = best (highest); requires i < bid_count().
  TextLevel bid(std::size_t i) const;
  // The i-th best ask, 0 = best (lowest); requires i < ask_count().
  TextLevel ask(std::size_t i) const;
  // Best bid >= best ask, both sides non-empty.
  bool crossed() const;

 private:
  // One text inline: 31 characters and a length byte make 32 bytes, so a level is 80 bytes.
  struct Text {
    std::uint8_t length = 0;
    char data[kMaxText];
    std::string_view view() const { return {data, length}; }
    void Assign(std::string_view text);
  };
  // `key` orders a side so that a higher key is a better level: the price for bids, minus the price
  // for asks (prices are > 0, so the negation is exact). One implementation serves both sides.
  struct Level {
    std::int64_t key;
    std::int64_t quantity;
    Text price_text;
    Text quantity_text;
  };
  static_assert(sizeof(Level) == 80, "two int64 and two 32-byte texts, no padding");
  using Levels = std::vector<Level>;

  static TextLevel ToTextLevel(const Level& level, bool bid);
  static void TruncateSide(Levels* levels, std::size_t depth, bool bid,
                           std::vector<core::PriceLevel>* removed);

  std::size_t depth_limit_ = 0;
  Levels bids_;  // ascending key: worst first, best at the back
  Levels asks_;
};

// Kraken (WS v1 and v2): CRC-32 (zlib's crc32, unsigned) of the 10 best asks (ascending price) then
// the 10 best bids (descending), each level as its price text then its quantity text, each with the
// '.' removed and leading '0's stripped. v1 uses the strings as received; v2 sends JSON numbers, so
// its callers format them with the pair's precision first and the texts here are already right.
std::uint32_t KrakenChecksum(const LevelTextBook& book);

// OKX (the legacy `books` checksum): CRC-32 of "bid1px:bid1sz:ask1px:ask1sz:bid2px:..." over the 25
// best levels of each side, a bid then an ask for each rank; where one side has fewer levels its
// missing entries are skipped. OKX publishes the CRC as a SIGNED 32-bit integer.
std::int32_t OkxChecksum(const LevelTextBook& book);

}  // namespace tradingd::feeds
