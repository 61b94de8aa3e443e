#include "sim/binance/binance_wire.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "sim/binance/binance_sim.h"

namespace tradingd::sim::binance {
namespace {

TEST(BinanceWireTest, DepthUpdateLooksLikeTheRealSpotFeed) {
  const std::vector<BookLevel> bids = {{6'173'763'000'000, 0}, {6'173'017'000'000, 154'698'000}};
  const std::vector<BookLevel> asks = {{6'183'764'000'000, 154'698'000}};
  EXPECT_EQ(DepthUpdatePayload("BTCUSDT", 1723161255208, 50093239189, 50093239202, bids, asks),
            R"({"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,)"
            R"("u":50093239202,"b":[["61737.63000000","0.00000000"],)"
            R"(["61730.17000000","1.54698000"]],"a":[["61837.64000000","1.54698000"]]})");
}

TEST(BinanceWireTest, BookTickerTradeAndCombinedFrame) {
  TopOfBook top{6'183'763'000'000, 378'826'000, 6'183'764'000'000, 154'698'000};
  const std::string ticker = BookTickerPayload("BTCUSDT", 50093239212, top);
  EXPECT_EQ(ticker, R"({"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000",)"
                    R"("a":"61837.64000000","A":"1.54698000"})");
  EXPECT_EQ(TradePayload("BTCUSDT", 1723161255343, {3735683259, 6'183'763'000'000, 2'000'000, true},
                         1723161255342),
            R"({"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,)"
            R"("p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true})");
  EXPECT_EQ(CombinedFrame("btcusdt@bookTicker", ticker),
            R"({"stream":"btcusdt@bookTicker","data":)" + ticker + "}");
}

TEST(BinanceWireTest, SnapshotAndErrorBodies) {
  BookLevels levels;
  levels.last_update_id = 1027024;
  levels.bids = {{400'000'000, 43'100'000'000}};
  levels.asks = {{400'000'200, 1'200'000'000}};
  EXPECT_EQ(DepthSnapshotBody(levels),
            R"({"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],)"
            R"("asks":[["4.00000200","12.00000000"]]})");
  EXPECT_EQ(ErrorBody(-1121, "Invalid symbol."), R"({"code":-1121,"msg":"Invalid symbol."})");
  EXPECT_EQ(DepthWeight(100), 5);
  EXPECT_EQ(DepthWeight(1000), 50);
  EXPECT_EQ(DepthWeight(5000), 250);
}

TEST(BinanceWireTest, ExchangeInfoIsValidJsonWithTheFilters) {
  const auto specs = DefaultSymbols();
  std::vector<const SymbolSpec*> pointers = {&specs[0], &specs[1]};
  const std::string body = ExchangeInfoBody(1700000000000, pointers);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  EXPECT_EQ(std::string_view(doc["timezone"]), "UTC");
  EXPECT_EQ(int64_t(doc["serverTime"]), 1700000000000);
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 2u);
  simdjson::dom::element eth = symbols.at(1);
  EXPECT_EQ(std::string_view(eth["symbol"]), "ETHUSDT");
  EXPECT_EQ(std::string_view(eth["baseAsset"]), "ETH");
  EXPECT_EQ(int64_t(eth["baseAssetPrecision"]), 8);
  bool price = false, lot = false, notional = false;
  for (simdjson::dom::element filter : simdjson::dom::array(eth["filters"])) {
    const std::string_view type = filter["filterType"];
    if (type == "PRICE_FILTER") {
      price = true;
      EXPECT_EQ(std::string_view(filter["tickSize"]), "0.01000000");
      EXPECT_EQ(std::string_view(filter["minPrice"]), "0.01000000");
    } else if (type == "LOT_SIZE") {
      lot = true;
      EXPECT_EQ(std::string_view(filter["stepSize"]), "0.00010000");
      EXPECT_EQ(std::string_view(filter["minQty"]), "0.00010000");
    } else if (type == "NOTIONAL") {
      notional = true;
      EXPECT_EQ(std::string_view(filter["minNotional"]), "5.00000000");
    }
  }
  EXPECT_TRUE(price && lot && notional);
}

}  // namespace
}  // namespace tradingd::sim::binance
