#include "feeds/common/level_text_book.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace tradingd::feeds {
namespace {

// Room reserved beyond the depth limit: the new levels of one message are set before the message is
// truncated, so a side briefly holds more than the limit.
constexpr std::size_t kReserveSlack = 64;

constexpr std::size_t kKrakenLevels = 10;
constexpr std::size_t kOkxLevels = 25;
// One OKX entry, "px:sz:".
constexpr std::size_t kOkxEntryMax = 2 * LevelTextBook::kMaxText + 2;

std::uint32_t Crc32(const char* data, std::size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size));
  return static_cast<std::uint32_t>(crc);
}

// Appends `text` without its '.' and without leading '0's (Kraken's form: "0.05000" → "5000").
std::size_t AppendKrakenText(std::string_view text, char* out) {
  std::size_t written = 0;
  for (const char c : text) {
    if (c == '.') continue;
    if (c == '0' && written == 0) continue;
    out[written++] = c;
  }
  return written;
}

std::size_t AppendText(std::string_view text, char* out) {
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  return text.size();
}

}  // namespace

void LevelTextBook::Text::Assign(std::string_view text) {
  if (!text.empty()) std::memcpy(data, text.data(), text.size());
  length = static_cast<std::uint8_t>(text.size());
}

LevelTextBook::LevelTextBook(std::size_t depth_limit) { set_depth_limit(depth_limit); }

void LevelTextBook::Clear() {
  bids_.clear();
  asks_.clear();
}

void LevelTextBook::set_depth_limit(std::size_t depth_limit) {
  depth_limit_ = depth_limit;
  if (depth_limit == 0) return;
  bids_.reserve(depth_limit + kReserveSlack);
  asks_.reserve(depth_limit + kReserveSlack);
}

bool LevelTextBook::Set(core::Side side, core::Price price, core::Quantity quantity,
                        std::string_view price_text, std::string_view quantity_text) {
  if (side != core::Side::kBuy && side != core::Side::kSell) return false;
  if (price.mantissa() <= 0 || quantity.mantissa() < 0) return false;
  if (price_text.size() > kMaxText || quantity_text.size() > kMaxText) return false;

  const bool bid = side == core::Side::kBuy;
  Levels& levels = bid ? bids_ : asks_;
  const std::int64_t key = bid ? price.mantissa() : -price.mantissa();
  const auto it =
      std::lower_bound(levels.begin(), levels.end(), key,
                       [](const Level& level, std::int64_t wanted) { return level.key < wanted; });
  const bool present = it != levels.end() && it->key == key;

  if (quantity.is_zero()) {
    if (present) levels.erase(it);
    return true;
  }
  if (present) {
    // The venue's latest text wins: it is what its next checksum is computed on.
    it->quantity = quantity.mantissa();
    it->price_text.Assign(price_text);
    it->quantity_text.Assign(quantity_text);
    return true;
  }
  Level level{key, quantity.mantissa(), {}, {}};
  level.price_text.Assign(price_text);
  level.quantity_text.Assign(quantity_text);
  levels.insert(it, level);
  return true;
}

void LevelTextBook::Truncate(std::vector<core::PriceLevel>* removed_bids,
                             std::vector<core::PriceLevel>* removed_asks) {
  if (depth_limit_ == 0) return;
  TruncateSide(&bids_, depth_limit_, /*bid=*/true, removed_bids);
  TruncateSide(&asks_, depth_limit_, /*bid=*/false, removed_asks);
}

void LevelTextBook::TruncateSide(Levels* levels, std::size_t depth, bool bid,
                                 std::vector<core::PriceLevel>* removed) {
  if (levels->size() <= depth) return;
  const auto excess = static_cast<std::ptrdiff_t>(levels->size() - depth);
  if (removed != nullptr) {
    // The worst levels are at the front, so walking forward reports them worst first.
    for (auto it = levels->begin(); it != levels->begin() + excess; ++it) {
      removed->push_back({core::Price::FromMantissa(bid ? it->key : -it->key), core::Quantity{}});
    }
  }
  levels->erase(levels->begin(), levels->begin() + excess);
}

TextLevel LevelTextBook::ToTextLevel(const Level& level, bool bid) {
  return TextLevel{core::Price::FromMantissa(bid ? level.key : -level.key),
                   core::Quantity::FromMantissa(level.quantity), level.price_text.view(),
                   level.quantity_text.view()};
}

TextLevel LevelTextBook::bid(std::size_t i) const {
  return ToTextLevel(bids_[bids_.size() - 1 - i], /*bid=*/true);
}

TextLevel LevelTextBook::ask(std::size_t i) const {
  return ToTextLevel(asks_[asks_.size() - 1 - i], /*bid=*/false);
}

bool LevelTextBook::crossed() const {
  if (bids_.empty() || asks_.empty()) return false;
  return bids_.back().key >= -asks_.back().key;
}

std::uint32_t KrakenChecksum(const LevelTextBook& book) {
  std::array<char, 2 * kKrakenLevels * 2 * LevelTextBook::kMaxText> buffer;
  std::size_t size = 0;
  const std::size_t asks = std::min(book.ask_count(), kKrakenLevels);
  for (std::size_t i = 0; i < asks; ++i) {
    const TextLevel level = book.ask(i);
    size += AppendKrakenText(level.price_text, buffer.data() + size);
    size += AppendKrakenText(level.quantity_text, buffer.data() + size);
  }
  const std::size_t bids = std::min(book.bid_count(), kKrakenLevels);
  for (std::size_t i = 0; i < bids; ++i) {
    const TextLevel level = book.bid(i);
    size += AppendKrakenText(level.price_text, buffer.data() + size);
    size += AppendKrakenText(level.quantity_text, buffer.data() + size);
  }
  return Crc32(buffer.data(), size);
}

std::int32_t OkxChecksum(const LevelTextBook& book) {
  // Each entry is "px:sz:"; the last ':' is dropped before the CRC.
  std::array<char, 2 * kOkxLevels * kOkxEntryMax> buffer;
  std::size_t size = 0;
  const auto append = [&](const TextLevel& level) {
    size += AppendText(level.price_text, buffer.data() + size);
    buffer[size++] = ':';
    size += AppendText(level.quantity_text, buffer.data() + size);
    buffer[size++] = ':';
  };
  for (std::size_t i = 0; i < kOkxLevels; ++i) {
    if (i < book.bid_count()) append(book.bid(i));
    if (i < book.ask_count()) append(book.ask(i));
  }
  if (size > 0) --size;
  // OKX prints the CRC as an int32; C++20 defines the conversion as modulo 2^32.
  return static_cast<std::int32_t>(Crc32(buffer.data(), size));
}

}  // namespace tradingd::feeds
