#include "sim/common/synthetic_market.h"

#include <gtest/gtest.h>

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
