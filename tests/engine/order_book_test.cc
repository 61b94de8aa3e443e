#include "engine/order_book.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <numeric>
#include <random>

namespace tradingd::engine {
namespace {

using core::Price;
using core::Quantity;
using core::Side;

TEST(OrderBookTest, KeepsBestLevelsAndRemovesZeroes) {
  OrderBook book;
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(10000), Quantity::FromMantissa(5)));
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(9990), Quantity::FromMantissa(7)));
  ASSERT_TRUE(book.Set(Side::kSell, Price::FromMantissa(10010), Quantity::FromMantissa(3)));
  ASSERT_TRUE(book.Set(Side::kSell, Price::FromMantissa(10020), Quantity::FromMantissa(4)));
  EXPECT_EQ(book.BestBid()->price.mantissa(), 10000);
  EXPECT_EQ(book.BestAsk()->price.mantissa(), 10010);
  EXPECT_EQ(book.grid(), 10);
  EXPECT_FALSE(book.crossed());

  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(10000), Quantity::FromMantissa(0)));
  EXPECT_EQ(book.BestBid()->price.mantissa(), 9990);
  EXPECT_EQ(book.BestBid()->quantity.mantissa(), 7);
  EXPECT_EQ(book.bid_levels(), 1u);

  // An off-grid price refines the grid without losing levels.
  ASSERT_TRUE(book.Set(Side::kSell, Price::FromMantissa(10015), Quantity::FromMantissa(1)));
  EXPECT_EQ(book.grid(), 5);
  EXPECT_EQ(book.BestAsk()->price.mantissa(), 10010);
  EXPECT_EQ(book.ask_levels(), 3u);

  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(10010), Quantity::FromMantissa(1)));
  EXPECT_TRUE(book.crossed());
}

TEST(OrderBookTest, RefusesImpossibleLevels) {
  OrderBook book;
  EXPECT_FALSE(book.Set(Side::kBuy, Price::FromMantissa(0), Quantity::FromMantissa(1)));
  EXPECT_FALSE(book.Set(Side::kBuy, Price::FromMantissa(-5), Quantity::FromMantissa(1)));
  EXPECT_FALSE(book.Set(Side::kBuy, Price::FromMantissa(INT64_MAX), Quantity::FromMantissa(1)));
  EXPECT_FALSE(book.Set(Side::kSell, Price::FromMantissa(5), Quantity::FromMantissa(-1)));
  EXPECT_EQ(book.bid_levels() + book.ask_levels(), 0u);
}

// The flat-window book must agree with a std::map reference under random updates that cross the
// window edges, empty a side, and jump far away (re-anchoring).
TEST(OrderBookPropertyTest, AgreesWithMapReference) {
  std::mt19937_64 rng(42);
  OrderBook book;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::int64_t mid = 5'000'000;
  const std::int64_t tick = 100;
  for (int step = 0; step < 300000; ++step) {
    if (step % 5000 == 0) {
      // Jumps larger than the window force re-anchoring and far levels.
      mid += (static_cast<std::int64_t>(rng() % 400001) - 200000);
    }
    const bool bid = (rng() & 1) != 0;
    // Mostly near the mid, sometimes far (beyond the 65,536-tick window).
    const std::int64_t distance = (rng() % 10 == 0) ? static_cast<std::int64_t>(rng() % 150000)
                                                     : static_cast<std::int64_t>(rng() % 500);
    std::int64_t ticks = bid ? mid - 1 - distance : mid + 1 + distance;
    if (ticks <= 0) ticks = 1;
    const std::int64_t quantity = (rng() % 3 == 0) ? 0 : static_cast<std::int64_t>(rng() % 1000 + 1);
    const std::int64_t price = ticks * tick;
    // Keep the reference uncrossed the way a venue would: a bid at or above the best ask removes
    // nothing here, so just skip crossing updates.
    if (bid && !asks.empty() && price >= asks.begin()->first && quantity != 0) continue;
    if (!bid && !bids.empty() && price <= bids.begin()->first && quantity != 0) continue;
    ASSERT_TRUE(book.Set(bid ? Side::kBuy : Side::kSell, Price::FromMantissa(price),
                         Quantity::FromMantissa(quantity)));
    if (bid) {
      if (quantity == 0) bids.erase(price); else bids[price] = quantity;
    } else {
      if (quantity == 0) asks.erase(price); else asks[price] = quantity;
    }
    if (step % 997 == 0 || step == 299999) {
      ASSERT_EQ(book.bid_levels(), bids.size());
      ASSERT_EQ(book.ask_levels(), asks.size());
      std::vector<core::PriceLevel> top_bids, top_asks;
      book.CopyTop(100000, &top_bids, &top_asks);
      ASSERT_EQ(top_bids.size(), bids.size());
      ASSERT_EQ(top_asks.size(), asks.size());
      std::size_t i = 0;
      for (const auto& [p, q] : bids) {
        ASSERT_EQ(top_bids[i].price.mantissa(), p) << "step " << step << " level " << i;
        ASSERT_EQ(top_bids[i].quantity.mantissa(), q);
        ++i;
      }
      i = 0;
      for (const auto& [p, q] : asks) {
        ASSERT_EQ(top_asks[i].price.mantissa(), p) << "step " << step << " level " << i;
        ASSERT_EQ(top_asks[i].quantity.mantissa(), q);
        ++i;
      }
    }
  }
}

// The grid is the gcd of every price seen, whatever its factors (odd, powers of two, both), and
// levels keep their exact prices across every refinement of the grid.
TEST(OrderBookPropertyTest, LearntGridIsTheGcdAndPricesStayExact) {
  std::mt19937_64 rng(99);
  for (std::int64_t base_grid : {1LL, 2LL, 3LL, 1024LL, 1000000LL, 999999LL, 5LL * 1024 * 7}) {
    OrderBook book;
    std::map<std::int64_t, std::int64_t> asks;
    std::int64_t expected_grid = 0;
    for (int i = 0; i < 2000; ++i) {
      // Mostly on the base grid; now and then an arbitrary price that refines it.
      std::int64_t price = base_grid * static_cast<std::int64_t>(1000 + rng() % 5000);
      if (i % 500 == 499) price += static_cast<std::int64_t>(rng() % 97) + 1;
      expected_grid = std::gcd(expected_grid, price);
      ASSERT_TRUE(book.Set(Side::kSell, Price::FromMantissa(price), Quantity::FromMantissa(i + 1)));
      asks[price] = i + 1;
      ASSERT_EQ(book.grid(), expected_grid);
    }
    std::vector<core::PriceLevel> bids, top;
    book.CopyTop(asks.size(), &bids, &top);
    ASSERT_EQ(top.size(), asks.size());
    std::size_t i = 0;
    for (const auto& [price, quantity] : asks) {
      EXPECT_EQ(top[i].price.mantissa(), price);
      EXPECT_EQ(top[i].quantity.mantissa(), quantity);
      ++i;
    }
  }
}

TEST(OrderBookTest, ClearedBookLearnsItsGridAfresh) {
  OrderBook book;
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(1000000), Quantity::FromMantissa(1)));
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(1000001), Quantity::FromMantissa(1)));  // stray
  EXPECT_EQ(book.grid(), 1);
  book.Clear();  // a new snapshot
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(2000000), Quantity::FromMantissa(1)));
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(1000000), Quantity::FromMantissa(1)));
  EXPECT_EQ(book.grid(), 1000000);
}

TEST(OrderBookTest, ClearEmptiesAndReusesTheWindow) {
  OrderBook book;
  for (int i = 1; i <= 100; ++i) {
    ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(1000 - i), Quantity::FromMantissa(i)));
  }
  book.Clear();
  EXPECT_EQ(book.bid_levels(), 0u);
  EXPECT_FALSE(book.BestBid().has_value());
  ASSERT_TRUE(book.Set(Side::kBuy, Price::FromMantissa(5), Quantity::FromMantissa(1)));
  EXPECT_EQ(book.BestBid()->price.mantissa(), 5);
}

}  // namespace
}  // namespace tradingd::engine
