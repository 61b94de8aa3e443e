#include "sim/binance/binance_wire.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <string>
#include <vector>

#include "core/instrument.h"
#include "feeds/binance/binance_parser.h"
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

// The futures writers reproduce real USD-M frames byte for byte when given the symbol's
// precision: BINANCE_FUTURES.ws.1.0 (SUSHIUSDT, 4 price and 0 quantity digits) and the
// hftbacktest_usdm capture (BTCUSDT, 2 and 3).
TEST(BinanceWireTest, FuturesDepthUpdateLooksLikeTheRealFuturesFeed) {
  // Best first, as the sim keeps them; the futures stream lists bids lowest first.
  const std::vector<BookLevel> bids = {
      {761'100'000, 200'000'000}, {760'900'000, 0}, {750'400'000, 81'300'000'000}};
  const std::vector<BookLevel> asks = {{761'500'000, 156'300'000'000},
                                       {762'200'000, 328'400'000'000}};
  EXPECT_EQ(FuturesDepthUpdatePayload("SUSHIUSDT", 1626992741037, 1626992741024, 600859599090,
                                      600859600917, 600859598061, bids, asks, {4, 0}),
            R"({"e":"depthUpdate","E":1626992741037,"T":1626992741024,"s":"SUSHIUSDT",)"
            R"("U":600859599090,"u":600859600917,"pu":600859598061,)"
            R"("b":[["7.5040","813"],["7.6090","0"],["7.6110","2"]],)"
            R"("a":[["7.6150","1563"],["7.6220","3284"]]})");
}

TEST(BinanceWireTest, FuturesBookTickerTradeAndSnapshot) {
  const TopOfBook top{6'180'020'000'000, 250'700'000, 6'180'030'000'000, 251'000'000};
  EXPECT_EQ(
      FuturesBookTickerPayload("BTCUSDT", 5123107839020, top, 1723161256313, 1723161256313, {2, 3}),
      R"({"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20","B":"2.507",)"
      R"("a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313})");
  EXPECT_EQ(
      FuturesTradePayload("BTCUSDT", 1723161256322, {5266583935, 6'180'030'000'000, 600'000, false},
                          1723161256322, {2, 3}),
      R"({"e":"trade","E":1723161256322,"T":1723161256322,"s":"BTCUSDT","t":5266583935,)"
      R"("p":"61800.30","q":"0.006","X":"MARKET","m":false})");
  BookLevels levels;
  levels.last_update_id = 600859605926;
  levels.bids = {{761'100'000, 600'000'000}, {760'800'000, 16'100'000'000}};
  levels.asks = {{761'200'000, 29'700'000'000}};
  // Snapshots keep bids best first.
  EXPECT_EQ(FuturesDepthSnapshotBody(levels, 1626992741264, 1626992741261, {4, 0}),
            R"({"lastUpdateId":600859605926,"E":1626992741264,"T":1626992741261,)"
            R"("bids":[["7.6110","6"],["7.6080","161"]],"asks":[["7.6120","297"]]})");
}

TEST(BinanceWireTest, FuturesPrecisionAndDepthLimits) {
  const auto specs = DefaultUsdmSymbols();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(FuturesPrecisionOf(specs[0]).price, 1);  // BTCUSDT ticks 0.10
  EXPECT_EQ(FuturesPrecisionOf(specs[0]).quantity, 3);
  EXPECT_EQ(FuturesPrecisionOf(specs[1]).price, 2);  // ETHUSDT ticks 0.01
  SymbolSpec whole;
  whole.tick_size = 100'000'000;  // 1
  whole.lot_size = 100'000'000;
  EXPECT_EQ(FuturesPrecisionOf(whole).price, 0);
  EXPECT_EQ(FuturesPrecisionOf(whole).quantity, 0);
  for (int limit : {5, 10, 20, 50, 100, 500, 1000}) EXPECT_TRUE(IsFuturesDepthLimit(limit));
  for (int limit : {0, 1, 7, 99, 5000}) EXPECT_FALSE(IsFuturesDepthLimit(limit)) << limit;
  EXPECT_EQ(FuturesDepthWeight(50), 2);
  EXPECT_EQ(FuturesDepthWeight(100), 5);
  EXPECT_EQ(FuturesDepthWeight(500), 10);
  EXPECT_EQ(FuturesDepthWeight(1000), 20);
}

TEST(BinanceWireTest, FuturesExchangeInfoHasThePerpetualFilters) {
  const auto specs = DefaultUsdmSymbols();
  std::vector<const SymbolSpec*> pointers = {&specs[0], &specs[1]};
  const std::string body = FuturesExchangeInfoBody(1700000000000, pointers);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  EXPECT_EQ(std::string_view(doc["futuresType"]), "U_MARGINED");
  EXPECT_EQ(int64_t(doc["serverTime"]), 1700000000000);
  // One margin asset for two USDT contracts.
  EXPECT_EQ(simdjson::dom::array(doc["assets"]).size(), 1u);
  simdjson::dom::array symbols = doc["symbols"];
  ASSERT_EQ(symbols.size(), 2u);
  simdjson::dom::element btc = symbols.at(0);
  EXPECT_EQ(std::string_view(btc["symbol"]), "BTCUSDT");
  EXPECT_EQ(std::string_view(btc["pair"]), "BTCUSDT");
  EXPECT_EQ(std::string_view(btc["contractType"]), "PERPETUAL");
  EXPECT_EQ(std::string_view(btc["status"]), "TRADING");
  EXPECT_EQ(std::string_view(btc["marginAsset"]), "USDT");
  EXPECT_EQ(int64_t(btc["pricePrecision"]), 1);
  EXPECT_EQ(int64_t(btc["quantityPrecision"]), 3);
  std::map<std::string, std::string> values;
  for (simdjson::dom::element filter : simdjson::dom::array(btc["filters"])) {
    const std::string type{std::string_view(filter["filterType"])};
    for (auto [key, value] : simdjson::dom::object(filter)) {
      if (value.is_string()) values[type + "." + std::string(key)] = std::string_view(value);
    }
  }
  EXPECT_EQ(values["PRICE_FILTER.tickSize"], "0.1");
  EXPECT_EQ(values["LOT_SIZE.stepSize"], "0.001");
  EXPECT_EQ(values["LOT_SIZE.minQty"], "0.001");
  EXPECT_EQ(values["LOT_SIZE.maxQty"], "1000");
  EXPECT_EQ(values["MIN_NOTIONAL.notional"], "100");
  // Futures spells the minimum "notional"; spot's "minNotional" (and its NOTIONAL filter) is not
  // there.
  EXPECT_EQ(values.count("MIN_NOTIONAL.minNotional"), 0u);
  EXPECT_EQ(values.count("NOTIONAL.minNotional"), 0u);
  EXPECT_NE(body.find(R"({"minPrice":"0.1","maxPrice":"1000000","filterType":"PRICE_FILTER",)"),
            std::string::npos)
      << "Binance writes filterType in the middle of a futures filter";
}

// Binance's spot documentation example (lastUpdateId 160, one level a side): no symbol, event
// type or time, the REST snapshot's keys. The daemon's parser reads it off the combined stream.
TEST(BinanceWireTest, SpotPartialDepthIsTheDocumentedShape) {
  BookLevels levels;
  levels.last_update_id = 160;
  levels.bids = {{240'000, 1'000'000'000}, {230'000, 550'000'000}};
  levels.asks = {{260'000, 10'000'000'000}};
  const std::string payload = PartialDepthPayload(levels);
  EXPECT_EQ(payload, R"({"lastUpdateId":160,"bids":[["0.00240000","10.00000000"],)"
                     R"(["0.00230000","5.50000000"]],"asks":[["0.00260000","100.00000000"]]})");

  core::SymbolRegistry registry;
  const core::InstrumentId btc = registry.Add(core::Venue::kBinance, "BTC", "USDT").value();
  feeds::binance::BinanceParser parser(core::Venue::kBinance, registry);
  std::string frame = CombinedFrame("btcusdt@depth5@100ms", payload);
  const std::size_t size = frame.size();
  frame.append(64, ' ');
  feeds::binance::ParsedMessage parsed;
  ASSERT_EQ(parser.ParseFrame(std::string_view(frame.data(), size), &parsed),
            feeds::binance::ParseError::kOk);
  ASSERT_EQ(parsed.kind, feeds::binance::MessageKind::kPartialDepth);
  EXPECT_EQ(parsed.instrument->id, btc);
  EXPECT_EQ(parsed.partial.last_update_id, 160u);
  ASSERT_EQ(parsed.partial.bids.size(), 2u);
  EXPECT_EQ(parsed.partial.bids[1].price.mantissa(), 230'000);
  EXPECT_EQ(parsed.partial.bids[1].quantity.mantissa(), 550'000'000);
  EXPECT_EQ(parsed.partial.asks[0].quantity.mantissa(), 10'000'000'000);
}

// The USD-M shape (Binance's documented example, trimmed to two bids and one ask): a depthUpdate
// with the levels, both sides lowest price first, at the symbol's precision.
TEST(BinanceWireTest, FuturesPartialDepthIsADepthUpdateWithTheTopLevels) {
  BookLevels levels;
  levels.last_update_id = 390497878;
  levels.bids = {{740'390'000'000, 390'600'000}, {740'389'000'000, 200'000}};  // best first
  levels.asks = {{740'596'000'000, 334'000'000}};
  const std::string payload = FuturesPartialDepthPayload("BTCUSDT", 1571889248277, 1571889248276,
                                                         390497796, 390497794, levels, {2, 3});
  EXPECT_EQ(payload,
            R"({"e":"depthUpdate","E":1571889248277,"T":1571889248276,"s":"BTCUSDT",)"
            R"("U":390497796,"u":390497878,"pu":390497794,)"
            R"("b":[["7403.89","0.002"],["7403.90","3.906"]],"a":[["7405.96","3.340"]]})");

  core::SymbolRegistry registry;
  const core::InstrumentId btc = registry.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  feeds::binance::BinanceParser parser(core::Venue::kBinanceUsdm, registry);
  std::string frame = CombinedFrame("btcusdt@depth5@100ms", payload);
  const std::size_t size = frame.size();
  frame.append(64, ' ');
  feeds::binance::ParsedMessage parsed;
  ASSERT_EQ(parser.ParseFrame(std::string_view(frame.data(), size), &parsed),
            feeds::binance::ParseError::kOk);
  ASSERT_EQ(parsed.kind, feeds::binance::MessageKind::kPartialDepth);
  EXPECT_EQ(parsed.instrument->id, btc);
  EXPECT_EQ(parsed.partial.last_update_id, 390497878u);
  EXPECT_EQ(parsed.partial.previous_update_id, 390497794u);
  ASSERT_EQ(parsed.partial.bids.size(), 2u);
  EXPECT_EQ(parsed.partial.bids[0].price.mantissa(), 740'389'000'000);
}

}  // namespace
}  // namespace tradingd::sim::binance
