#include "feeds/binance/binance_parser.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/feeds/feeds_test_util.h"

namespace tradingd::feeds::binance {
namespace {

using testing::Padded;

class BinanceParserTest : public ::testing::Test {
 protected:
  BinanceParserTest() {
    spot_id_ = registry_.Add(core::Venue::kBinance, "BTC", "USDT").value();
    futures_id_ = registry_.Add(core::Venue::kBinanceUsdm, "BTC", "USDT").value();
  }

  ParseError Spot(std::string_view json) { return spot_.ParseFrame(Padded(json).view(), &msg_); }
  ParseError Futures(std::string_view json) {
    return futures_.ParseFrame(Padded(json).view(), &msg_);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId spot_id_ = 0;
  core::InstrumentId futures_id_ = 0;
  BinanceParser spot_{core::Venue::kBinance, registry_};
  BinanceParser futures_{core::Venue::kBinanceUsdm, registry_};
  ParsedMessage msg_;
};

constexpr std::int64_t kE8 = 100000000;

TEST_F(BinanceParserTest, SpotDepthUpdateCombined) {
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,)"
                 R"("s":"BTCUSDT","U":50093239189,"u":50093239202,)"
                 R"("b":[["61737.63000000","0.00000000"],["56854.58","1.5"]],)"
                 R"("a":[["61837.64000000","1.54698000"]]}})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kDepthUpdate);
  EXPECT_EQ(msg_.instrument->id, spot_id_);
  EXPECT_EQ(msg_.depth.first_update_id, 50093239189u);
  EXPECT_EQ(msg_.depth.final_update_id, 50093239202u);
  EXPECT_FALSE(msg_.depth.has_previous);
  EXPECT_EQ(msg_.depth.event_time_ms, 1723161255208);
  ASSERT_EQ(msg_.depth.bids.size(), 2u);
  ASSERT_EQ(msg_.depth.asks.size(), 1u);
  EXPECT_EQ(msg_.depth.bids[0].price.mantissa(), 6173763000000);
  EXPECT_TRUE(msg_.depth.bids[0].quantity.is_zero());
  EXPECT_EQ(msg_.depth.bids[1].quantity.mantissa(), 15 * kE8 / 10);
  EXPECT_EQ(msg_.depth.asks[0].quantity.mantissa(), 154698000);
}

TEST_F(BinanceParserTest, RawPayloadAndFieldOrderDoNotMatter) {
  ASSERT_EQ(Spot(R"({ "b" : [ [ "1.0" , "2.0" ] ] , "a":[], "u":7, "U":5, "s":"BTCUSDT",)"
                 R"( "e":"depthUpdate", "E":1 , "extra":{"x":[1,2,{"y":null}]} })"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kDepthUpdate);
  EXPECT_EQ(msg_.depth.bids.size(), 1u);
  EXPECT_EQ(msg_.depth.bids[0].price.mantissa(), kE8);
  EXPECT_TRUE(msg_.depth.asks.empty());
}

// The compact level arrays take a byte-scanning fast path; any other spelling takes On-Demand's
// generic path. Both must give the same levels.
TEST_F(BinanceParserTest, CompactAndSpacedLevelsAgree) {
  ASSERT_EQ(Spot(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                 R"("b":[["1.5","2"],["0.00000001","92233720368.54775807"]],"a":[["3","4"]]})"),
            ParseError::kOk);
  const std::vector<core::PriceLevel> compact(msg_.depth.bids.begin(), msg_.depth.bids.end());
  ASSERT_EQ(Spot(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                 R"("b":[ ["1.5", "2"] , [ "0.00000001","92233720368.54775807" ] ],"a":[["3","4"]]})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.depth.bids.size(), compact.size());
  for (std::size_t i = 0; i < compact.size(); ++i) {
    EXPECT_EQ(msg_.depth.bids[i].price, compact[i].price);
    EXPECT_EQ(msg_.depth.bids[i].quantity, compact[i].quantity);
  }
  EXPECT_EQ(compact[1].quantity.mantissa(), INT64_MAX);
  // Symbol after the levels: converted once the scales are known.
  ASSERT_EQ(Spot(R"({"e":"depthUpdate","b":[["1.5","2"]],"a":[],"E":1,"U":1,"u":2,"s":"BTCUSDT"})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.depth.bids[0].price.mantissa(), 150000000);
}

TEST_F(BinanceParserTest, FuturesDepthUpdateCarriesPreviousId) {
  ASSERT_EQ(Futures(R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,)"
                    R"("T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,)"
                    R"("pu":5123107831937,"b":[["58710.20","0.014"]],"a":[]}})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kDepthUpdate);
  EXPECT_EQ(msg_.instrument->id, futures_id_);
  EXPECT_TRUE(msg_.depth.has_previous);
  EXPECT_EQ(msg_.depth.previous_update_id, 5123107831937u);
  EXPECT_EQ(msg_.depth.transaction_time_ms, 1723161256298);
  EXPECT_EQ(msg_.depth.bids[0].price.mantissa(), 5871020000000);
  EXPECT_EQ(msg_.depth.bids[0].quantity.mantissa(), 1400000);
}

TEST_F(BinanceParserTest, FuturesDepthWithoutPreviousIdIsRejected) {
  EXPECT_EQ(Futures(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]})"),
            ParseError::kMissingField);
}

TEST_F(BinanceParserTest, SpotBookTickerHasNoEventType) {
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT",)"
                 R"("b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kBookTicker);
  EXPECT_EQ(msg_.book_ticker.update_id, 50093239212u);
  EXPECT_EQ(msg_.book_ticker.bid_price.mantissa(), 6183763000000);
  EXPECT_EQ(msg_.book_ticker.bid_quantity.mantissa(), 378826000);
  EXPECT_EQ(msg_.book_ticker.ask_price.mantissa(), 6183764000000);
  EXPECT_EQ(msg_.book_ticker.ask_quantity.mantissa(), 154698000);
}

TEST_F(BinanceParserTest, FuturesBookTicker) {
  ASSERT_EQ(Futures(R"({"e":"bookTicker","u":5123107839020,"s":"BTCUSDT","b":"61800.20",)"
                    R"("B":"2.507","a":"61800.30","A":"2.510","T":1723161256313,"E":1723161256313})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kBookTicker);
  EXPECT_EQ(msg_.book_ticker.event_time_ms, 1723161256313);
  EXPECT_EQ(msg_.book_ticker.ask_quantity.mantissa(), 251000000);
}

TEST_F(BinanceParserTest, Trade) {
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,)"
                 R"("s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000",)"
                 R"("T":1723161255342,"m":true,"M":true}})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kTrade);
  EXPECT_EQ(msg_.trade.trade_id, 3735683259u);
  EXPECT_TRUE(msg_.trade.buyer_is_maker);
  EXPECT_EQ(msg_.trade.trade_time_ms, 1723161255342);
  EXPECT_EQ(msg_.trade.quantity.mantissa(), 2000000);
}

TEST_F(BinanceParserTest, OldSpotTradeWithOrderIdsStillParses) {
  ASSERT_EQ(Spot(R"({"e":"trade","E":1,"s":"BTCUSDT","t":12345,"p":"0.001","q":"100",)"
                 R"("b":88,"a":50,"T":1,"m":false,"M":true})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kTrade);
  EXPECT_FALSE(msg_.trade.buyer_is_maker);
}

TEST_F(BinanceParserTest, AcksErrorsAndUnknownEvents) {
  ASSERT_EQ(Spot(R"({"result":null,"id":1})"), ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kSubscriptionAck);
  EXPECT_EQ(msg_.ack_id, 1);
  ASSERT_EQ(Spot(R"({"error":{"code":2,"msg":"Invalid request: unknown variant"},"id":3})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kVenueError);
  EXPECT_EQ(msg_.venue_error_code, 2);
  ASSERT_EQ(Spot(R"({"code":-1121,"msg":"Invalid symbol."})"), ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kVenueError);
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT"}})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kUnknown);
  ASSERT_EQ(Spot(R"({"hello":"world"})"), ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kUnknown);
}

TEST_F(BinanceParserTest, UnknownSymbol) {
  EXPECT_EQ(Spot(R"({"e":"trade","E":1,"s":"ETHUSDT","t":1,"p":"1","q":"1","m":true})"),
            ParseError::kUnknownSymbol);
}

struct HostileCase {
  const char* name;
  const char* json;
  ParseError expected;
};

class BinanceParserHostile : public BinanceParserTest,
                             public ::testing::WithParamInterface<HostileCase> {};

TEST_P(BinanceParserHostile, ReturnsErrorCode) {
  EXPECT_EQ(Spot(GetParam().json), GetParam().expected) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(
    Inputs, BinanceParserHostile,
    ::testing::Values(
        HostileCase{"empty", "", ParseError::kJson},
        HostileCase{"not_an_object", "[1,2,3]", ParseError::kWrongType},
        HostileCase{"truncated", R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0")",
                    ParseError::kJson},
        HostileCase{"truncated_in_string", R"({"e":"depthUpd)", ParseError::kJson},
        HostileCase{"trailing_garbage", R"({"result":null,"id":1} {"x":1})", ParseError::kJson},
        HostileCase{"non_utf8", "{\"e\":\"trade\",\"s\":\"BTC\xff\xfeUSDT\"}", ParseError::kJson},
        HostileCase{"id_is_string",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":"1","u":2,"b":[],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"negative_id",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":-1,"u":2,"b":[],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"id_overflows_u64",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":184467440737095516150,)"
                    R"("b":[],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"levels_not_array",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":{},"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"level_is_number",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[1],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"level_short",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1"]],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"price_is_number",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[[1.5,"1"]],"a":[]})",
                    ParseError::kWrongType},
        HostileCase{"price_overflow",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                    R"("b":[["99999999999999999999.0","1"]],"a":[]})",
                    ParseError::kBadDecimal},
        HostileCase{"price_too_precise",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                    R"("b":[["1.000000001","1"]],"a":[]})",
                    ParseError::kBadDecimal},
        HostileCase{"price_not_decimal",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                    R"("b":[["1e5","1"]],"a":[]})",
                    ParseError::kBadDecimal},
        HostileCase{"price_escaped",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)"
                    R"("b":[["1\u002e5","1"]],"a":[]})",
                    ParseError::kBadDecimal},
        HostileCase{"missing_final_id",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"b":[],"a":[]})",
                    ParseError::kMissingField},
        HostileCase{"missing_asks", R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":1,"b":[]})",
                    ParseError::kMissingField},
        HostileCase{"missing_symbol", R"({"e":"trade","t":1,"p":"1","q":"1","m":true})",
                    ParseError::kMissingField},
        HostileCase{"first_after_final",
                    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":2,"b":[],"a":[]})",
                    ParseError::kBadSequence},
        HostileCase{"maker_flag_not_bool",
                    R"({"e":"trade","s":"BTCUSDT","t":1,"p":"1","q":"1","m":"yes"})",
                    ParseError::kWrongType},
        HostileCase{"ticker_missing_quantity",
                    R"({"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"2"})", ParseError::kMissingField},
        HostileCase{"data_not_object", R"({"stream":"x","data":[1]})", ParseError::kWrongType}),

    [](const ::testing::TestParamInfo<HostileCase>& param) { return std::string(param.param.name); });

TEST_F(BinanceParserTest, NestingInUnknownFieldsIsSkippedOrRefused) {
  std::string nested = R"({"x":)" + std::string(100, '[') + "1" + std::string(100, ']') +
                       R"(,"result":null,"id":7})";
  ASSERT_EQ(Spot(nested), ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kSubscriptionAck);
  // On-Demand skips unread values iteratively, so even 5,000 levels cost no stack.
  std::string very_deep = R"({"x":)" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_EQ(Spot(very_deep), ParseError::kOk);
  EXPECT_EQ(Spot(R"({"x":)" + std::string(5000, '[') + "}"), ParseError::kJson);
}

// Every price/quantity the parser accepts must equal core::ParseDecimal's value, and it must reject
// exactly what ParseDecimal rejects (its scale-8 fast path is an optimisation, not a new grammar).
TEST_F(BinanceParserTest, DecimalsAgreeWithCoreParseDecimal) {
  std::vector<std::string> texts = {
      "0.00000000", "61737.63000000", "0.014", "1.5", "9999999999.99999999", "10000000000.0",
      "92233720368.54775807", "92233720368.54775808", "0.000000001", "0.100000000", "01.5", "-1.5",
      "1.", ".5", "1e5", "1.5e3", "1..5", "12345678901234567890", "0", "7", "00.1", "1.2345678",
      "123.4567890", "1 ", " 1.0", "+1.0", "1.0000000a", "99999999999.99"};
  std::uint64_t state = 88172645463325252ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char alphabet[] = "0123456789012345678901234567890123456789.-e";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(next() % 21);
    for (int j = 0; j < length; ++j) text += alphabet[next() % (sizeof(alphabet) - 1)];
    texts.push_back(text);
  }
  for (const std::string& text : texts) {
    std::int64_t expected = 0;
    const bool core_ok = core::ParseDecimal(text, 8, &expected) == core::DecimalError::kOk;
    const std::string json = R"({"e":"trade","s":"BTCUSDT","t":1,"q":"1","m":true,"p":")" + text +
                             R"("})";
    const ParseError error = Spot(json);
    ASSERT_EQ(error == ParseError::kOk, core_ok) << text;
    if (core_ok) {
      ASSERT_EQ(msg_.trade.price.mantissa(), expected) << text;
    }
  }
}

TEST_F(BinanceParserTest, HugeLevelArrayIsBounded) {
  BinanceParser parser(core::Venue::kBinance, registry_, BinanceParserOptions{100});
  std::string json = R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"a":[],"b":[)";
  for (int i = 0; i < 101; ++i) json += (i == 0 ? "" : ",") + std::string(R"(["1.0","1.0"])");
  json += "]}";
  EXPECT_EQ(parser.ParseFrame(Padded(json).view(), &msg_), ParseError::kTooManyLevels);
  // A message within the bound still parses on the same parser afterwards.
  EXPECT_EQ(parser.ParseFrame(Padded(R"({"result":null,"id":1})").view(), &msg_), ParseError::kOk);
}

TEST_F(BinanceParserTest, EveryTruncationOfARealMessageFailsCleanly) {
  const std::string json =
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,)"
      R"("s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"]],)"
      R"("a":[["61837.64000000","1.54698000"]]}})";
  for (std::size_t length = 0; length < json.size(); ++length) {
    EXPECT_NE(Spot(std::string_view(json).substr(0, length)), ParseError::kOk) << length;
  }
  EXPECT_EQ(Spot(json), ParseError::kOk);
}

TEST_F(BinanceParserTest, DepthSnapshot) {
  DepthSnapshot snapshot;
  const core::Instrument& btc = registry_.Get(spot_id_);
  ASSERT_EQ(spot_.ParseDepthSnapshot(
                R"({"lastUpdateId":50093239218,"bids":[["61837.63000000","3.78826000"],)"
                R"(["61837.62000000","0.61700000"]],"asks":[["61837.64000000","1.92853000"]]})",
                btc, &snapshot),
            ParseError::kOk);
  EXPECT_EQ(snapshot.last_update_id, 50093239218u);
  ASSERT_EQ(snapshot.bids.size(), 2u);
  ASSERT_EQ(snapshot.asks.size(), 1u);
  EXPECT_EQ(snapshot.bids[1].quantity.mantissa(), 61700000);
  // Futures shape with E and T.
  ASSERT_EQ(futures_.ParseDepthSnapshot(
                R"({"lastUpdateId":600859605926,"E":1626992741264,"T":1626992741261,)"
                R"("bids":[["7.6110","6"]],"asks":[]})",
                registry_.Get(futures_id_), &snapshot),
            ParseError::kOk);
  EXPECT_EQ(snapshot.event_time_ms, 1626992741264);
  EXPECT_EQ(spot_.ParseDepthSnapshot(R"({"code":-1121,"msg":"Invalid symbol."})", btc, &snapshot),
            ParseError::kVenueError);
  EXPECT_EQ(spot_.ParseDepthSnapshot(R"({"lastUpdateId":1,"bids":[)", btc, &snapshot),
            ParseError::kJson);
  EXPECT_EQ(spot_.ParseDepthSnapshot(R"({"lastUpdateId":1,"bids":[]})", btc, &snapshot),
            ParseError::kMissingField);
}

TEST_F(BinanceParserTest, ExchangeInfo) {
  ExchangeInfo info;
  ASSERT_EQ(spot_.ParseExchangeInfo(
                R"({"timezone":"UTC","symbols":[)"
                R"({"symbol":"ETHBTC","status":"TRADING","filters":[]},)"
                R"({"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC","quoteAsset":"USDT",)"
                R"("filters":[{"filterType":"PRICE_FILTER","minPrice":"0.01","maxPrice":"1000000.00",)"
                R"("tickSize":"0.01000000"},{"filterType":"PERCENT_PRICE","multiplierUp":"5"},)"
                R"({"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000",)"
                R"("stepSize":"0.00001000"},{"filterType":"NOTIONAL","minNotional":"5.00000000"}]}]})",
                &info),
            ParseError::kOk);
  ASSERT_EQ(info.rules.size(), 1u);
  const core::InstrumentRules& rules = info.rules[0];
  EXPECT_EQ(rules.instrument, spot_id_);
  EXPECT_EQ(rules.tick_size.mantissa(), 1000000);
  EXPECT_EQ(rules.lot_size.mantissa(), 1000);
  EXPECT_EQ(rules.min_quantity.mantissa(), 1000);
  EXPECT_EQ(rules.max_quantity.mantissa(), 9000 * kE8);
  EXPECT_EQ(rules.min_notional.mantissa(), 5 * kE8);
  EXPECT_EQ(rules.status, core::TradingStatus::kTrading);

  // Futures: MIN_NOTIONAL carries "notional"; a huge maxQty saturates.
  ASSERT_EQ(futures_.ParseExchangeInfo(
                R"({"symbols":[{"symbol":"BTCUSDT","status":"TRADING","filters":[)"
                R"({"filterType":"PRICE_FILTER","tickSize":"0.10"},)"
                R"({"filterType":"LOT_SIZE","stepSize":"0.001","minQty":"0.001",)"
                R"("maxQty":"900000000000"},{"filterType":"MIN_NOTIONAL","notional":"100"}]}]})",
                &info),
            ParseError::kOk);
  ASSERT_EQ(info.rules.size(), 1u);
  EXPECT_EQ(info.rules[0].max_quantity.mantissa(), INT64_MAX);
  EXPECT_EQ(info.rules[0].min_notional.mantissa(), 100 * kE8);

  EXPECT_EQ(spot_.ParseExchangeInfo(R"({"code":-1000,"msg":"x"})", &info), ParseError::kVenueError);
  EXPECT_EQ(spot_.ParseExchangeInfo(R"({"symbols":[{"symbol":1}]})", &info),
            ParseError::kWrongType);
}

}  // namespace
}  // namespace tradingd::feeds::binance
