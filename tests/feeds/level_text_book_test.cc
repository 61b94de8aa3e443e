// LevelTextBook: ordering, updates, refusals and truncation, then the Kraken and OKX checksums on
// hand-computed books and on the real captures of ../shared/fixtures (the figures of its README).

#include "feeds/common/level_text_book.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/decimal.h"
#include "feeds/capture/capture_reader.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds {
namespace {

using core::Side;

constexpr int kScale = 8;

// Parses both texts at the given scales and sets the level with the texts unchanged.
bool SetText(LevelTextBook& book, Side side, std::string_view price_text,
             std::string_view quantity_text, int price_scale = kScale,
             int quantity_scale = kScale) {
  core::Price price;
  core::Quantity quantity;
  if (core::Price::Parse(price_text, price_scale, &price) != core::DecimalError::kOk ||
      core::Quantity::Parse(quantity_text, quantity_scale, &quantity) != core::DecimalError::kOk) {
    ADD_FAILURE() << "unparsable level " << price_text << " " << quantity_text;
    return false;
  }
  return book.Set(side, price, quantity, price_text, quantity_text);
}

core::Price P(std::int64_t mantissa) { return core::Price::FromMantissa(mantissa); }
core::Quantity Q(std::int64_t mantissa) { return core::Quantity::FromMantissa(mantissa); }

// "price quantity" of every level, best first, e.g. {"100.5 1.25", "100.0 0.5"}.
std::vector<std::string> Bids(const LevelTextBook& book) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < book.bid_count(); ++i) {
    out.push_back(std::string(book.bid(i).price_text) + " " +
                  std::string(book.bid(i).quantity_text));
  }
  return out;
}
std::vector<std::string> Asks(const LevelTextBook& book) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < book.ask_count(); ++i) {
    out.push_back(std::string(book.ask(i).price_text) + " " +
                  std::string(book.ask(i).quantity_text));
  }
  return out;
}

std::vector<std::int64_t> Prices(const std::vector<core::PriceLevel>& levels) {
  std::vector<std::int64_t> out;
  for (const core::PriceLevel& level : levels) {
    EXPECT_TRUE(level.quantity.is_zero());
    out.push_back(level.price.mantissa());
  }
  return out;
}

// The book used by the hand-computed checksums below.
void FillSmallBook(LevelTextBook& book) {
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.0", "0.5"));
  ASSERT_TRUE(SetText(book, Side::kSell, "102.25", "7"));
  ASSERT_TRUE(SetText(book, Side::kBuy, "99", "3"));
  ASSERT_TRUE(SetText(book, Side::kSell, "101.0", "0.010"));
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.5", "1.25"));
}

TEST(LevelTextBook, KeepsBothSidesBestFirstWithTheirTexts) {
  LevelTextBook book;
  FillSmallBook(book);
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"100.5 1.25", "100.0 0.5", "99 3"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"101.0 0.010", "102.25 7"}));
  const TextLevel best_bid = book.bid(0);
  EXPECT_EQ(best_bid.price, P(10050000000));
  EXPECT_EQ(best_bid.quantity, Q(125000000));
  const TextLevel best_ask = book.ask(0);
  EXPECT_EQ(best_ask.price, P(10100000000));
  EXPECT_EQ(best_ask.quantity, Q(1000000));
  EXPECT_EQ(book.ask(1).price, P(10225000000));
  EXPECT_FALSE(book.crossed());
}

TEST(LevelTextBook, UpdateInPlaceTakesTheNewQuantityAndTexts) {
  LevelTextBook book;
  FillSmallBook(book);
  // Same price written differently: one level, and the latest text is the one the venue's next
  // checksum uses.
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.00", "2.50"));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"100.5 1.25", "100.00 2.50", "99 3"}));
  EXPECT_EQ(book.bid(1).quantity, Q(250000000));
  ASSERT_TRUE(SetText(book, Side::kSell, "102.25", "8"));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"101.0 0.010", "102.25 8"}));
}

TEST(LevelTextBook, ZeroQuantityRemovesAndRemovingAnAbsentLevelIsANoOp) {
  LevelTextBook book;
  FillSmallBook(book);
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.5", "0"));  // the best
  ASSERT_TRUE(SetText(book, Side::kSell, "102.25", "0.00000000"));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"100.0 0.5", "99 3"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"101.0 0.010"}));
  // An absent price on either side, and a price that exists only on the other side.
  EXPECT_TRUE(SetText(book, Side::kBuy, "98", "0"));
  EXPECT_TRUE(SetText(book, Side::kSell, "500", "0"));
  EXPECT_TRUE(SetText(book, Side::kSell, "99", "0"));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"100.0 0.5", "99 3"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"101.0 0.010"}));
  ASSERT_TRUE(SetText(book, Side::kSell, "101.0", "0"));
  EXPECT_EQ(book.ask_count(), 0u);
}

TEST(LevelTextBook, RefusesBadInputAndChangesNothing) {
  LevelTextBook book;
  FillSmallBook(book);
  const std::string longest(LevelTextBook::kMaxText, '1');
  const std::string too_long(LevelTextBook::kMaxText + 1, '1');
  EXPECT_FALSE(book.Set(Side::kBuy, P(0), Q(1), "0", "1"));
  EXPECT_FALSE(book.Set(Side::kSell, P(-5), Q(1), "-5", "1"));
  EXPECT_FALSE(book.Set(Side::kBuy, P(10000000000), Q(-1), "100", "-1"));
  EXPECT_FALSE(book.Set(Side::kUnknown, P(1), Q(1), "1", "1"));
  EXPECT_FALSE(book.Set(Side::kBuy, P(10000000000), Q(1), too_long, "1"));
  EXPECT_FALSE(book.Set(Side::kSell, P(10100000000), Q(1), "101", too_long));
  // A refused delete leaves the level in place.
  EXPECT_FALSE(book.Set(Side::kSell, P(10100000000), Q(0), too_long, "0"));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"100.5 1.25", "100.0 0.5", "99 3"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"101.0 0.010", "102.25 7"}));

  EXPECT_TRUE(book.Set(Side::kBuy, P(1), Q(1), longest, longest));
  EXPECT_EQ(book.bid(3).price_text, longest);
  EXPECT_EQ(book.bid(3).quantity_text, longest);
}

TEST(LevelTextBook, TruncateReportsTheDroppedLevelsWorstFirst) {
  LevelTextBook book(3);
  EXPECT_EQ(book.depth_limit(), 3u);
  for (const char* price : {"10", "14", "12", "11", "13"}) {
    ASSERT_TRUE(SetText(book, Side::kBuy, price, "1"));
  }
  for (const char* price : {"23", "21", "25", "22", "24"}) {
    ASSERT_TRUE(SetText(book, Side::kSell, price, "1"));
  }
  std::vector<core::PriceLevel> removed_bids{{P(1), Q(0)}};  // appended to, not replaced
  std::vector<core::PriceLevel> removed_asks;
  book.Truncate(&removed_bids, &removed_asks);
  EXPECT_EQ(Prices(removed_bids), (std::vector<std::int64_t>{1, 1000000000, 1100000000}));
  EXPECT_EQ(Prices(removed_asks), (std::vector<std::int64_t>{2500000000, 2400000000}));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"14 1", "13 1", "12 1"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"21 1", "22 1", "23 1"}));

  // Within the limit: nothing to report. Beyond it again, with no vectors to report into.
  removed_bids.clear();
  removed_asks.clear();
  book.Truncate(&removed_bids, &removed_asks);
  EXPECT_TRUE(removed_bids.empty());
  EXPECT_TRUE(removed_asks.empty());
  ASSERT_TRUE(SetText(book, Side::kSell, "20", "1"));
  ASSERT_TRUE(SetText(book, Side::kBuy, "15", "1"));
  book.Truncate(nullptr, nullptr);
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"15 1", "14 1", "13 1"}));
  EXPECT_EQ(Asks(book), (std::vector<std::string>{"20 1", "21 1", "22 1"}));

  // A lower limit applies at the next Truncate; 0 means no limit.
  book.set_depth_limit(1);
  book.Truncate(nullptr, &removed_asks);
  EXPECT_EQ(Prices(removed_asks), (std::vector<std::int64_t>{2200000000, 2100000000}));
  EXPECT_EQ(Bids(book), (std::vector<std::string>{"15 1"}));
  book.set_depth_limit(0);
  ASSERT_TRUE(SetText(book, Side::kBuy, "1", "1"));
  book.Truncate(nullptr, nullptr);
  EXPECT_EQ(book.bid_count(), 2u);
}

TEST(LevelTextBook, Crossed) {
  LevelTextBook book;
  EXPECT_FALSE(book.crossed());
  ASSERT_TRUE(SetText(book, Side::kBuy, "100", "1"));
  EXPECT_FALSE(book.crossed());  // one side empty
  ASSERT_TRUE(SetText(book, Side::kSell, "100.1", "1"));
  EXPECT_FALSE(book.crossed());
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.1", "1"));
  EXPECT_TRUE(book.crossed());  // locked counts as crossed
  ASSERT_TRUE(SetText(book, Side::kBuy, "100.1", "0"));
  ASSERT_TRUE(SetText(book, Side::kSell, "99", "1"));
  EXPECT_TRUE(book.crossed());
}

TEST(LevelTextBook, ClearEmptiesBothSidesAndKeepsTheLimit) {
  LevelTextBook book(10);
  FillSmallBook(book);
  book.Clear();
  EXPECT_EQ(book.bid_count(), 0u);
  EXPECT_EQ(book.ask_count(), 0u);
  EXPECT_EQ(book.depth_limit(), 10u);
  EXPECT_EQ(KrakenChecksum(book), 0u);  // CRC-32 of nothing
  EXPECT_EQ(OkxChecksum(book), 0);
}

// Random sets, deletes and truncations against a std::map model of the same book.
TEST(LevelTextBook, AgreesWithAMapModel) {
  constexpr std::size_t kDepth = 20;
  LevelTextBook book(kDepth);
  struct ModelLevel {
    std::int64_t quantity;
    std::string price_text, quantity_text;
  };
  std::map<std::int64_t, ModelLevel, std::greater<>> bids;  // best first
  std::map<std::int64_t, ModelLevel> asks;
  std::mt19937_64 random(20240808);
  std::uniform_int_distribution<std::int64_t> tick(1, 120);
  std::uniform_int_distribution<std::int64_t> lots(0, 3);
  std::vector<core::PriceLevel> removed_bids, removed_asks;
  for (int step = 0; step < 20000; ++step) {
    const bool bid = (random() & 1) != 0;
    // Bids below 100, asks from 60: the sides overlap, which the book does not judge.
    const std::int64_t price = (bid ? tick(random) : 59 + tick(random)) * 5;
    const std::int64_t quantity = lots(random) * 25;
    const std::string price_text = core::FormatDecimal(price, 2, step % 3);
    const std::string quantity_text = core::FormatDecimal(quantity, 2, step % 2);
    ASSERT_TRUE(
        book.Set(bid ? Side::kBuy : Side::kSell, P(price), Q(quantity), price_text, quantity_text));
    auto apply = [&](auto& side) {
      if (quantity == 0) {
        side.erase(price);
      } else {
        side[price] = {quantity, price_text, quantity_text};
      }
    };
    if (bid) {
      apply(bids);
    } else {
      apply(asks);
    }
    if (step % 7 == 0) {
      removed_bids.clear();
      removed_asks.clear();
      book.Truncate(&removed_bids, &removed_asks);
      std::vector<std::int64_t> expected_bids, expected_asks;
      while (bids.size() > kDepth) {
        expected_bids.push_back(std::prev(bids.end())->first);
        bids.erase(std::prev(bids.end()));
      }
      while (asks.size() > kDepth) {
        expected_asks.push_back(std::prev(asks.end())->first);
        asks.erase(std::prev(asks.end()));
      }
      ASSERT_EQ(Prices(removed_bids), expected_bids) << "step " << step;
      ASSERT_EQ(Prices(removed_asks), expected_asks) << "step " << step;
    }
    ASSERT_EQ(book.bid_count(), bids.size());
    ASSERT_EQ(book.ask_count(), asks.size());
    std::size_t i = 0;
    for (const auto& [model_price, level] : bids) {
      const TextLevel got = book.bid(i++);
      ASSERT_EQ(got.price, P(model_price));
      ASSERT_EQ(got.quantity, Q(level.quantity));
      ASSERT_EQ(got.price_text, level.price_text);
      ASSERT_EQ(got.quantity_text, level.quantity_text);
    }
    i = 0;
    for (const auto& [model_price, level] : asks) {
      const TextLevel got = book.ask(i++);
      ASSERT_EQ(got.price, P(model_price));
      ASSERT_EQ(got.quantity, Q(level.quantity));
      ASSERT_EQ(got.price_text, level.price_text);
      ASSERT_EQ(got.quantity_text, level.quantity_text);
    }
    const bool model_crossed =
        !bids.empty() && !asks.empty() && bids.begin()->first >= asks.begin()->first;
    ASSERT_EQ(book.crossed(), model_crossed);
  }
}

// Expected values from Python's zlib.crc32 on the input strings shown: an independent oracle.
TEST(LevelTextBookChecksum, KrakenOfASmallBook) {
  LevelTextBook book;
  FillSmallBook(book);
  // Asks ascending then bids descending, '.' removed and leading zeros stripped ("0.010" → "10"):
  // zlib.crc32(b"1010" b"10" b"10225" b"7" b"1005" b"125" b"1000" b"5" b"99" b"3") == 606358696
  EXPECT_EQ(KrakenChecksum(book), 606358696u);
}

TEST(LevelTextBookChecksum, KrakenReadsTheTenBestLevelsOfEachSide) {
  LevelTextBook book;
  FillSmallBook(book);
  const std::uint32_t small = KrakenChecksum(book);
  LevelTextBook deep;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(SetText(deep, Side::kBuy, std::to_string(200 + i), "1"));
    ASSERT_TRUE(SetText(deep, Side::kSell, std::to_string(300 + i), "1"));
  }
  const std::uint32_t top = KrakenChecksum(deep);
  // The two worst of each side are not read: removing them changes nothing...
  for (const char* price : {"200", "201"}) ASSERT_TRUE(SetText(deep, Side::kBuy, price, "0"));
  for (const char* price : {"310", "311"}) ASSERT_TRUE(SetText(deep, Side::kSell, price, "0"));
  EXPECT_EQ(KrakenChecksum(deep), top);
  // ...while the 10th of a side is read.
  ASSERT_TRUE(SetText(deep, Side::kSell, "309", "2"));
  EXPECT_NE(KrakenChecksum(deep), top);
  EXPECT_NE(small, top);
}

TEST(LevelTextBookChecksum, OkxInterleavesBidsAndAsks) {
  LevelTextBook book;
  FillSmallBook(book);
  // zlib.crc32(b"100.5:1.25:101.0:0.010:100.0:0.5:102.25:7:99:3") == 1142785495; the third rank has
  // a bid but no ask.
  EXPECT_EQ(OkxChecksum(book), 1142785495);
}

TEST(LevelTextBookChecksum, OkxSkipsMissingBidsAndIsSigned) {
  LevelTextBook book;
  ASSERT_TRUE(SetText(book, Side::kBuy, "10", "1"));
  ASSERT_TRUE(SetText(book, Side::kSell, "12", "3"));
  ASSERT_TRUE(SetText(book, Side::kSell, "11", "2"));
  // zlib.crc32(b"10:1:11:2:12:3") == 2737570776, read as int32: -1557396520.
  EXPECT_EQ(OkxChecksum(book), -1557396520);
}

TEST(LevelTextBookChecksum, OkxReadsTheTwentyFiveBestLevelsOfEachSide) {
  LevelTextBook book;
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(SetText(book, Side::kBuy, std::to_string(100 - i), "1"));
    ASSERT_TRUE(SetText(book, Side::kSell, std::to_string(101 + i), "1"));
  }
  const std::int32_t full = OkxChecksum(book);
  ASSERT_TRUE(SetText(book, Side::kBuy, "71", "0"));    // 30th bid
  ASSERT_TRUE(SetText(book, Side::kSell, "126", "0"));  // 26th ask
  EXPECT_EQ(OkxChecksum(book), full);
  ASSERT_TRUE(SetText(book, Side::kBuy, "76", "2"));  // 25th bid
  EXPECT_NE(OkxChecksum(book), full);
}

// ---- Real venue data ----

std::uint32_t ParseChecksumText(std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  EXPECT_TRUE(error == std::errc() && end == text.data() + text.size()) << text;
  return value;
}

// Kraken WS v2 sends JSON numbers, and this capture was re-serialized besides, so trailing zeros
// are gone ("4.0", "0.001"). A v2 handler reads the number's token (never a double) and writes it
// with the pair's precision, BTC/USD: price 1 decimal, quantity 8.
constexpr int kKrakenV2PriceDecimals = 1;
constexpr int kKrakenV2QuantityDecimals = 8;

std::string_view NumberToken(simdjson::ondemand::value value) {
  std::string_view token = value.raw_json_token();  // includes the whitespace that follows
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  return token;
}

bool SetKrakenV2Level(LevelTextBook& book, Side side, simdjson::ondemand::object level) {
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  const std::string_view price_token = NumberToken(level["price"]);
  const std::string_view quantity_token = NumberToken(level["qty"]);
  if (core::ParseDecimal(price_token, kKrakenV2PriceDecimals, &price) != core::DecimalError::kOk ||
      core::ParseDecimal(quantity_token, kKrakenV2QuantityDecimals, &quantity) !=
          core::DecimalError::kOk) {
    ADD_FAILURE() << "unparsable level " << price_token << " " << quantity_token;
    return false;
  }
  char price_text[core::kMaxDecimalText];
  char quantity_text[core::kMaxDecimalText];
  const std::size_t price_size =
      core::FormatDecimal(price, kKrakenV2PriceDecimals, kKrakenV2PriceDecimals, price_text);
  const std::size_t quantity_size = core::FormatDecimal(quantity, kKrakenV2QuantityDecimals,
                                                        kKrakenV2QuantityDecimals, quantity_text);
  return book.Set(side, P(price), Q(quantity), {price_text, price_size},
                  {quantity_text, quantity_size});
}

TEST(LevelTextBookChecksumFixture, KrakenV2BtcUsdDepth10) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/orderbook-v2.json");
  const simdjson::padded_string json = simdjson::padded_string::load(path.string());
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document document = parser.iterate(json);

  LevelTextBook book(10);
  std::vector<core::PriceLevel> removed_bids, removed_asks;
  int messages = 0, snapshots = 0, matched = 0, crossed = 0;
  const auto apply = [&](simdjson::ondemand::object message) {
    const bool snapshot = std::string_view(message["type"]) == "snapshot";
    for (simdjson::ondemand::object data : message["data"].get_array()) {
      if (snapshot) book.Clear();
      std::uint64_t expected = 0;
      for (simdjson::ondemand::field field : data) {
        const std::string_view key = field.unescaped_key();
        if (key == "bids" || key == "asks") {
          const Side side = key == "bids" ? Side::kBuy : Side::kSell;
          for (simdjson::ondemand::object level : field.value().get_array()) {
            ASSERT_TRUE(SetKrakenV2Level(book, side, level));
          }
        } else if (key == "checksum") {
          expected = field.value().get_uint64();
        }
      }
      // Truncate only once the whole message is in: an update may add a level and delete another.
      book.Truncate(&removed_bids, &removed_asks);
      ++messages;
      snapshots += snapshot ? 1 : 0;
      crossed += book.crossed() ? 1 : 0;
      if (KrakenChecksum(book) == expected) {
        ++matched;
      } else if (messages - matched <= 3) {
        ADD_FAILURE() << "message " << messages << ": checksum " << KrakenChecksum(book)
                      << ", Kraken says " << expected;
      }
    }
  };
  apply(document["init"].get_object());
  for (simdjson::ondemand::object update : document["updates"].get_array()) apply(update);

  EXPECT_EQ(messages, 510);
  EXPECT_EQ(snapshots, 1);
  EXPECT_EQ(matched, 510);
  EXPECT_EQ(crossed, 0);
  // Levels Kraken pushed beyond depth 10 without a delete; without truncation only 60 checksums
  // would match.
  EXPECT_EQ(removed_bids.size() + removed_asks.size(), 125u);
  EXPECT_EQ(book.bid_count(), 10u);
  EXPECT_EQ(book.ask_count(), 10u);
}

// Kraken WS v1 writes every price of a pair with the pair's decimals: from 9 ("0.000022900",
// ADA/XBT) to 5 (XBT/CHF, whose book holds asks up to "9999999997.00000": at 9 decimals that would
// overflow an int64). Like a feed that takes the scale from AssetPairs, the test uses the pair's
// own: the decimals of its snapshot's first price. Quantities have 8 decimals.
constexpr int kKrakenV1QuantityScale = 8;

int FractionDigits(std::string_view text) {
  const std::size_t point = text.find('.');
  return point == std::string_view::npos ? 0 : static_cast<int>(text.size() - point - 1);
}

struct KrakenV1Pair {
  LevelTextBook book{1000};
  int price_scale = -1;  // unknown before the snapshot
};

TEST(LevelTextBookChecksumFixture, KrakenV1Depth1000TenPairs) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/KRAKEN.ws.50.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  std::map<std::string, KrakenV1Pair, std::less<>> books;  // by pair
  simdjson::dom::parser parser;
  int snapshots = 0, updates = 0, matched = 0, crossed = 0;
  std::vector<core::PriceLevel> removed_bids, removed_asks;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    simdjson::dom::element message = parser.parse(record.payload.data(), record.payload.size());
    simdjson::dom::array array;
    if (message.get_array().get(array) != simdjson::SUCCESS) continue;  // events and heartbeats
    // [channelID, {"as":…,"bs":…} | {"a":…} and/or {"b":…,"c":…}, "book-1000", pair]
    const std::size_t size = array.size();
    ASSERT_GE(size, 4u) << "line " << record.line;
    const std::string_view pair = array.at(size - 1);
    ASSERT_EQ(std::string_view(array.at(size - 2)), "book-1000") << "line " << record.line;
    KrakenV1Pair& state = books[std::string(pair)];
    LevelTextBook& book = state.book;
    bool snapshot = false;
    std::string_view checksum;
    for (std::size_t i = 1; i + 2 < size; ++i) {
      for (const auto [key, value] : simdjson::dom::object(array.at(i))) {
        if (key == "c") {
          checksum = value;
          continue;
        }
        const Side side = key[0] == 'b' ? Side::kBuy : Side::kSell;
        if (key.size() == 2 && !snapshot) {  // "as"/"bs": a snapshot, both in one object
          snapshot = true;
          book.Clear();
        }
        if (state.price_scale < 0) {
          ASSERT_TRUE(snapshot) << "line " << record.line << ": an update before the snapshot";
          state.price_scale = FractionDigits(simdjson::dom::array(value).at(0).at(0));
        }
        // [price, volume, timestamp] (an update may add "r", a republish: the level is the same).
        for (simdjson::dom::array level : simdjson::dom::array(value)) {
          ASSERT_TRUE(SetText(book, side, level.at(0), level.at(1), state.price_scale,
                              kKrakenV1QuantityScale))
              << "line " << record.line;
        }
      }
    }
    book.Truncate(&removed_bids, &removed_asks);
    crossed += book.crossed() ? 1 : 0;
    if (snapshot) {
      ++snapshots;
      continue;
    }
    ++updates;
    ASSERT_FALSE(checksum.empty()) << "line " << record.line;
    const std::uint32_t expected = ParseChecksumText(checksum);
    if (KrakenChecksum(book) == expected) {
      ++matched;
    } else if (updates - matched <= 3) {
      ADD_FAILURE() << "line " << record.line << " " << pair << ": checksum "
                    << KrakenChecksum(book) << ", Kraken says " << expected;
    }
  }
  EXPECT_EQ(books.size(), 10u);
  EXPECT_EQ(snapshots, 10);
  EXPECT_EQ(updates, 4269);
  EXPECT_EQ(matched, 4269);
  EXPECT_EQ(crossed, 0);
  // These pairs are thin: no side reaches 1000 levels, so nothing is ever truncated here.
  EXPECT_TRUE(removed_bids.empty());
  EXPECT_TRUE(removed_asks.empty());
}

// OKX texts are the venue's own, trailing zeros trimmed ("30218.8", "30219", "0.0012"); quantities
// go to 8 decimals, prices to 3.
constexpr int kOkxScale = 8;

TEST(LevelTextBookChecksumFixture, OkxBooks400ThreeInstruments) {
  TRADINGD_REQUIRE_FIXTURE(path, "okx/OKX.ws.1.0");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  std::map<std::string, LevelTextBook, std::less<>> books;  // by instId
  simdjson::dom::parser parser;
  int snapshots = 0, updates = 0, matched = 0, crossed = 0, one_sided = 0;
  std::vector<core::PriceLevel> removed_bids, removed_asks;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    simdjson::dom::element message = parser.parse(record.payload.data(), record.payload.size());
    std::string_view channel, action;
    if (message["arg"]["channel"].get(channel) != simdjson::SUCCESS || channel != "books" ||
        message["action"].get(action) != simdjson::SUCCESS) {
      continue;  // subscription events, trades, tickers
    }
    const std::string_view instrument = message["arg"]["instId"];
    // OKX sends its own deletes within the 400 levels; the limit is only a guard.
    LevelTextBook& book = books.try_emplace(std::string(instrument), 400).first->second;
    const bool snapshot = action == "snapshot";
    for (simdjson::dom::object data : simdjson::dom::array(message["data"])) {
      if (snapshot) book.Clear();
      const simdjson::dom::array bids = data["bids"];
      const simdjson::dom::array asks = data["asks"];
      one_sided += (bids.size() == 0) != (asks.size() == 0) ? 1 : 0;
      // [price, size, liquidated orders (deprecated, "0"), number of orders]
      for (simdjson::dom::array level : bids) {
        ASSERT_TRUE(SetText(book, Side::kBuy, level.at(0), level.at(1), kOkxScale, kOkxScale))
            << "line " << record.line;
      }
      for (simdjson::dom::array level : asks) {
        ASSERT_TRUE(SetText(book, Side::kSell, level.at(0), level.at(1), kOkxScale, kOkxScale))
            << "line " << record.line;
      }
      book.Truncate(&removed_bids, &removed_asks);
      (snapshot ? snapshots : updates) += 1;
      crossed += book.crossed() ? 1 : 0;
      const std::int64_t expected = data["checksum"];
      if (OkxChecksum(book) == expected) {
        ++matched;
      } else if (snapshots + updates - matched <= 3) {
        ADD_FAILURE() << "line " << record.line << " " << instrument << ": checksum "
                      << OkxChecksum(book) << ", OKX says " << expected;
      }
    }
  }
  EXPECT_EQ(books.size(), 3u);
  EXPECT_EQ(snapshots, 3);
  EXPECT_EQ(updates, 287);
  EXPECT_EQ(matched, 290);
  EXPECT_EQ(crossed, 0);
  EXPECT_EQ(one_sided, 31);  // updates where only one side changed: the other array is empty
  EXPECT_TRUE(removed_bids.empty());
  EXPECT_TRUE(removed_asks.empty());
}

}  // namespace
}  // namespace tradingd::feeds
