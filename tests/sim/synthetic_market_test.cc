#include "sim/common/synthetic_market.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "sim/binance/binance_sim.h"
#include "sim/common/http_query.h"

namespace tradingd::sim {
namespace {

struct Recorder : MarketListener {
  std::vector<LevelChange> changes;
  std::vector<TradePrint> trades;
  void OnTrade(const TradePrint& trade) override { trades.push_back(trade); }
  void OnLevelChange(const LevelChange& change) override { changes.push_back(change); }
};

SymbolSpec Btc() { return binance::DefaultSymbols().front(); }

TEST(SyntheticMarketTest, InitialBookHasHundredsOfLevelsAroundTheStartPrice) {
  SyntheticMarket market(Btc(), 7, 1000, 0);
  EXPECT_EQ(market.bids().size(), 500u);
  EXPECT_EQ(market.asks().size(), 500u);
  EXPECT_EQ(market.last_update_id(), 1000u);
  const TopOfBook top = market.top();
  EXPECT_LT(top.bid_price, top.ask_price);
  EXPECT_NEAR(static_cast<double>(top.bid_price), 6e12, 6e10);
}

TEST(SyntheticMarketTest, EveryStepIsOneChangeWithTheNextIdOnTicksAndLots) {
  const SymbolSpec spec = Btc();
  SyntheticMarket market(spec, 42, 5000, 100);
  Recorder recorder;
  for (int i = 0; i < 20000; ++i) {
    const std::size_t before = recorder.changes.size();
    market.Step(recorder);
    ASSERT_EQ(recorder.changes.size(), before + 1);
    const LevelChange& change = recorder.changes.back();
    ASSERT_EQ(change.update_id, 5000u + static_cast<std::uint64_t>(i) + 1);
    ASSERT_EQ(change.price % spec.tick_size, 0);
    ASSERT_EQ(change.quantity % spec.lot_size, 0);
    ASSERT_GE(change.quantity, 0);
    const TopOfBook top = market.top();
    ASSERT_TRUE(top.bid_quantity == 0 || top.ask_quantity == 0 || top.bid_price < top.ask_price)
        << "crossed at step " << i;
  }
  EXPECT_GT(recorder.trades.size(), 500u);
  EXPECT_GT(market.bids().size(), 250u);
  EXPECT_LT(market.bids().size(), 560u);
  for (std::size_t i = 1; i < recorder.trades.size(); ++i) {
    ASSERT_EQ(recorder.trades[i].trade_id, recorder.trades[i - 1].trade_id + 1);
  }
}

TEST(SyntheticMarketTest, TradesTakeTheTop) {
  SyntheticMarket market(Btc(), 3, 0, 0);
  struct TopChecker : MarketListener {
    SyntheticMarket* market = nullptr;
    int checked = 0;
    void OnTrade(const TradePrint& trade) override {
      const TopOfBook top = market->top();
      if (trade.buyer_is_maker) {
        EXPECT_EQ(trade.price, top.bid_price);
        EXPECT_LE(trade.quantity, top.bid_quantity);
      } else {
        EXPECT_EQ(trade.price, top.ask_price);
        EXPECT_LE(trade.quantity, top.ask_quantity);
      }
      ++checked;
    }
    void OnLevelChange(const LevelChange&) override {}
  } checker;
  checker.market = &market;
  for (int i = 0; i < 5000; ++i) market.Step(checker);
  EXPECT_GT(checker.checked, 100);
}

TEST(SyntheticMarketTest, SameSeedSameFlowAndOtherSeedDiffers) {
  Recorder a, b, c;
  SyntheticMarket ma(Btc(), 99, 0, 0), mb(Btc(), 99, 0, 0), mc(Btc(), 100, 0, 0);
  for (int i = 0; i < 3000; ++i) {
    ma.Step(a);
    mb.Step(b);
    mc.Step(c);
  }
  ASSERT_EQ(a.changes.size(), b.changes.size());
  bool all_equal_to_c = true;
  for (std::size_t i = 0; i < a.changes.size(); ++i) {
    ASSERT_EQ(a.changes[i].price, b.changes[i].price);
    ASSERT_EQ(a.changes[i].quantity, b.changes[i].quantity);
    ASSERT_EQ(a.changes[i].side, b.changes[i].side);
    all_equal_to_c = all_equal_to_c && a.changes[i].price == c.changes[i].price;
  }
  EXPECT_FALSE(all_equal_to_c);
  EXPECT_EQ(ma.Levels(0).bids, mb.Levels(0).bids);
}

TEST(SyntheticMarketTest, LevelsAreBestFirstAndLimited) {
  SyntheticMarket market(Btc(), 1, 77, 0);
  const BookLevels levels = market.Levels(10);
  ASSERT_EQ(levels.bids.size(), 10u);
  ASSERT_EQ(levels.asks.size(), 10u);
  EXPECT_EQ(levels.last_update_id, 77u);
  for (std::size_t i = 1; i < 10; ++i) {
    EXPECT_GT(levels.bids[i - 1].price, levels.bids[i].price);
    EXPECT_LT(levels.asks[i - 1].price, levels.asks[i].price);
  }
}

// A copy of the book kept from the reported LevelChanges alone, with the ids it saw.
struct BookCopy : MarketListener {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  std::uint64_t last_update_id = 0;
  bool ids_consecutive = true;
  std::vector<TradePrint> trades;
  std::vector<LevelChange> changes;
  // For each trade, whether a change followed it before the next trade.
  bool change_after_each_trade = true;
  bool expecting_change = false;

  explicit BookCopy(const BookLevels& levels) : last_update_id(levels.last_update_id) {
    for (const BookLevel& level : levels.bids) bids[level.price] = level.quantity;
    for (const BookLevel& level : levels.asks) asks[level.price] = level.quantity;
  }
  void OnTrade(const TradePrint& trade) override {
    if (expecting_change) change_after_each_trade = false;
    expecting_change = true;
    trades.push_back(trade);
  }
  void OnLevelChange(const LevelChange& change) override {
    expecting_change = false;
    changes.push_back(change);
    if (change.update_id != last_update_id + 1) ids_consecutive = false;
    last_update_id = change.update_id;
    if (change.side == Side::kBid) {
      if (change.quantity == 0) {
        bids.erase(change.price);
      } else {
        bids[change.price] = change.quantity;
      }
    } else if (change.quantity == 0) {
      asks.erase(change.price);
    } else {
      asks[change.price] = change.quantity;
    }
  }
  BookLevels Levels() const {
    BookLevels levels;
    levels.last_update_id = last_update_id;
    for (const auto& [price, quantity] : bids) levels.bids.push_back({price, quantity});
    for (const auto& [price, quantity] : asks) levels.asks.push_back({price, quantity});
    return levels;
  }
};

void ExpectSameBook(const BookLevels& a, const BookLevels& b) {
  EXPECT_EQ(a.last_update_id, b.last_update_id);
  EXPECT_EQ(a.bids, b.bids);
  EXPECT_EQ(a.asks, b.asks);
}

TEST(SyntheticMarketTest, TakeConsumesBestFirstWithTradeThenChangeAndNextIds) {
  SyntheticMarket market(Btc(), 5, 2000, 700);
  BookCopy copy(market.Levels(0));
  const BookLevels before = market.Levels(3);
  // The first two ask levels in full and one lot of the third.
  const std::int64_t lot = market.spec().lot_size;
  const std::int64_t quantity = before.asks[0].quantity + before.asks[1].quantity + lot;
  const std::vector<TakeFill> fills = market.Take({Side::kAsk, 0, quantity, 0}, copy);
  ASSERT_EQ(fills.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(fills[i].level_price, before.asks[i].price);
    EXPECT_EQ(fills[i].trade_price, before.asks[i].price);
    EXPECT_EQ(fills[i].trade_id, 701u + i);
  }
  EXPECT_EQ(fills[2].quantity, lot);
  ASSERT_EQ(copy.trades.size(), 3u);
  ASSERT_EQ(copy.changes.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(copy.trades[i].trade_id, fills[i].trade_id);
    EXPECT_EQ(copy.trades[i].price, before.asks[i].price);
    EXPECT_EQ(copy.trades[i].quantity, fills[i].quantity);
    EXPECT_FALSE(copy.trades[i].buyer_is_maker);  // a buyer took the asks
    EXPECT_EQ(copy.changes[i].update_id, 2001u + i);
    EXPECT_EQ(copy.changes[i].side, Side::kAsk);
    EXPECT_EQ(copy.changes[i].price, before.asks[i].price);
  }
  EXPECT_EQ(copy.changes[0].quantity, 0);
  EXPECT_EQ(copy.changes[2].quantity, before.asks[2].quantity - lot);
  EXPECT_TRUE(copy.change_after_each_trade);
  EXPECT_EQ(market.top().ask_price, before.asks[2].price);
  EXPECT_EQ(market.top().bid_price, before.bids[0].price);  // the other side is untouched
  EXPECT_EQ(market.last_update_id(), 2003u);
  ExpectSameBook(copy.Levels(), market.Levels(0));
}

TEST(SyntheticMarketTest, TakeStopsAtTheLimitAndCanPrintAtAHiddenMakersPrice) {
  SyntheticMarket market(Btc(), 6, 0, 0);
  BookCopy copy(market.Levels(0));
  const BookLevels before = market.Levels(3);
  // Sell down to the second bid only, asking for far more than it holds.
  std::vector<TakeFill> fills =
      market.Take({Side::kBid, before.bids[1].price, before.bids[0].quantity * 100, 0}, copy);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].quantity, before.bids[0].quantity);
  EXPECT_EQ(fills[1].quantity, before.bids[1].quantity);
  EXPECT_TRUE(copy.trades[0].buyer_is_maker);  // a seller hit the bids
  EXPECT_EQ(market.top().bid_price, before.bids[2].price);

  // The asks crossed a hidden buy at `hidden`: the levels are the takers, the trades print at the
  // hidden order's price.
  const std::int64_t hidden = before.asks[1].price;
  fills = market.Take({Side::kAsk, hidden, before.asks[0].quantity, hidden}, copy);
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].level_price, before.asks[0].price);
  EXPECT_EQ(fills[0].trade_price, hidden);
  EXPECT_EQ(copy.trades.back().price, hidden);
  EXPECT_TRUE(copy.trades.back().buyer_is_maker);  // the hidden buyer was the maker

  // Nothing in reach: no trade, no change.
  const std::size_t changes = copy.changes.size();
  EXPECT_TRUE(market.Take({Side::kAsk, before.bids[2].price, 1000, 0}, copy).empty());
  EXPECT_TRUE(market.Take({Side::kAsk, 0, 0, 0}, copy).empty());
  EXPECT_EQ(copy.changes.size(), changes);
  EXPECT_TRUE(copy.ids_consecutive);
  ExpectSameBook(copy.Levels(), market.Levels(0));
}

TEST(SyntheticMarketTest, UpdateIdsStayConsecutiveAcrossTakeAndStep) {
  SyntheticMarket market(Btc(), 8, 10, 0);
  BookCopy copy(market.Levels(0));
  std::mt19937_64 rng(3);
  const std::int64_t lot = market.spec().lot_size;
  for (int i = 0; i < 20000; ++i) {
    if (rng() % 10 == 0) {
      const Side side = rng() % 2 == 0 ? Side::kAsk : Side::kBid;
      const auto quantity = static_cast<std::int64_t>(1 + rng() % 3000) * lot;
      market.Take({side, 0, quantity, 0}, copy);
    } else {
      market.Step(copy);
    }
    const TopOfBook top = market.top();
    ASSERT_TRUE(top.bid_quantity == 0 || top.ask_quantity == 0 || top.bid_price < top.ask_price);
  }
  EXPECT_TRUE(copy.ids_consecutive);
  EXPECT_TRUE(copy.change_after_each_trade);
  EXPECT_EQ(copy.last_update_id, market.last_update_id());
  for (std::size_t i = 1; i < copy.trades.size(); ++i) {
    ASSERT_EQ(copy.trades[i].trade_id, copy.trades[i - 1].trade_id + 1);
  }
  ExpectSameBook(copy.Levels(), market.Levels(0));
}

TEST(HttpQueryTest, FindsAndDecodesParameters) {
  EXPECT_EQ(QueryParam("symbol=BTCUSDT&limit=5", "limit"), "5");
  EXPECT_EQ(QueryParam("symbol=BTCUSDT&limit=5", "symbol"), "BTCUSDT");
  EXPECT_EQ(QueryParam("symbol=BTCUSDT", "limit"), std::nullopt);
  EXPECT_EQ(QueryParam("flag&x=1", "flag"), "");
  EXPECT_EQ(QueryParam("symbols=%5B%22BTCUSDT%22%2C%22ETHUSDT%22%5D", "symbols"),
            R"(["BTCUSDT","ETHUSDT"])");
  EXPECT_EQ(PercentDecode("a+b%2"), "a b%2");
}

}  // namespace
}  // namespace tradingd::sim
