#include "feeds/binance/binance_parser.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "feeds/capture/capture_reader.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

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

// A repeated key could move the levels read so far onto another book or change the sequence
// checked: refused whatever the path.
TEST_F(BinanceParserTest, RepeatedSymbolOrUpdateIdIsRefused) {
  for (const char* frame :
       {R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"b":[["1.0","2.0"]],"a":[],"s":"ETHUSDT"})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","s":"BTCUSDT","U":5,"u":7,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"U":6,"u":7,"b":[],"a":[]})",
        R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"u":9,"b":[],"a":[]})"}) {
    EXPECT_NE(Spot(frame), ParseError::kOk) << frame;
  }
  EXPECT_EQ(Spot(R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":7,"b":[],"a":[]})"),
            ParseError::kOk);
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

// /fapi/v1/exchangeInfo as Binance writes BTCUSDT: "filterType" in the middle of each filter,
// MARKET_LOT_SIZE (other limits) after LOT_SIZE, the minimum notional under "notional".
TEST_F(BinanceParserTest, FuturesExchangeInfoInBinanceKeyOrder) {
  ExchangeInfo info;
  ASSERT_EQ(
      futures_.ParseExchangeInfo(
          R"({"timezone":"UTC","serverTime":1723161256000,"futuresType":"U_MARGINED",)"
          R"("rateLimits":[],"exchangeFilters":[],"assets":[{"asset":"USDT"}],"symbols":[)"
          R"({"symbol":"BTCUSDT","pair":"BTCUSDT","contractType":"PERPETUAL",)"
          R"("deliveryDate":4133404800000,"status":"TRADING","pricePrecision":2,"filters":[)"
          R"({"minPrice":"556.80","maxPrice":"4529764","filterType":"PRICE_FILTER",)"
          R"("tickSize":"0.10"},)"
          R"({"stepSize":"0.001","filterType":"LOT_SIZE","maxQty":"1000","minQty":"0.001"},)"
          R"({"stepSize":"0.010","filterType":"MARKET_LOT_SIZE","maxQty":"120","minQty":"0.010"},)"
          R"({"limit":200,"filterType":"MAX_NUM_ORDERS"},{"notional":"100",)"
          R"("filterType":"MIN_NOTIONAL"},{"multiplierDown":"0.9500","multiplierUp":"1.0500",)"
          R"("multiplierDecimal":"4","filterType":"PERCENT_PRICE"}],"orderTypes":["LIMIT"]}]})",
          &info),
      ParseError::kOk);
  EXPECT_TRUE(info.errors.empty());
  ASSERT_EQ(info.rules.size(), 1u);
  const core::InstrumentRules& rules = info.rules[0];
  EXPECT_EQ(rules.instrument, futures_id_);
  EXPECT_EQ(rules.tick_size.mantissa(), kE8 / 10);
  EXPECT_EQ(rules.lot_size.mantissa(), kE8 / 1000);  // LOT_SIZE's, not MARKET_LOT_SIZE's
  EXPECT_EQ(rules.min_quantity.mantissa(), kE8 / 1000);
  EXPECT_EQ(rules.max_quantity.mantissa(), 1000 * kE8);
  EXPECT_EQ(rules.min_notional.mantissa(), 100 * kE8);
  EXPECT_EQ(rules.status, core::TradingStatus::kTrading);
}

// The canonical depth-diff fast path.
// A parser with the byte-level fast paths and one without them must agree on every input: same
// error, and on success the same message. These tests feed both the same bytes.

// Everything a parse produces for a depth diff, copied out of the parser (its views die on the
// next call).
struct DepthResult {
  ParseError error = ParseError::kOk;
  MessageKind kind = MessageKind::kUnknown;
  const core::Instrument* instrument = nullptr;
  std::uint64_t first_id = 0, final_id = 0, previous_id = 0;
  bool has_previous = false;
  std::int64_t event_time = 0, transaction_time = 0;
  int levels = 0;  // partial depth's N
  std::vector<std::pair<std::int64_t, std::int64_t>> bids, asks;

  bool operator==(const DepthResult&) const = default;
};

std::string Describe(const DepthResult& r) {
  std::string text = std::string(ParseErrorName(r.error)) + " kind " +
                     std::to_string(static_cast<int>(r.kind)) + " U " + std::to_string(r.first_id) +
                     " u " + std::to_string(r.final_id) + " bids";
  for (const auto& [p, q] : r.bids) text += " " + std::to_string(p) + "@" + std::to_string(q);
  text += " asks";
  for (const auto& [p, q] : r.asks) text += " " + std::to_string(p) + "@" + std::to_string(q);
  return text;
}

// `payload` must be followed by 64 readable bytes.
DepthResult ParseDepth(BinanceParser& parser, std::string_view payload) {
  ParsedMessage msg;
  DepthResult r;
  r.error = parser.ParseFrame(payload, &msg);
  if (r.error != ParseError::kOk) return r;
  r.kind = msg.kind;
  r.instrument = msg.instrument;
  if (msg.kind == MessageKind::kPartialDepth) {
    const PartialDepthMessage& p = msg.partial;
    r.first_id = p.first_update_id;
    r.final_id = p.last_update_id;
    r.previous_id = p.previous_update_id;
    r.event_time = p.event_time_ms;
    r.transaction_time = p.transaction_time_ms;
    r.levels = p.levels;
    for (const core::PriceLevel& l : p.bids) {
      r.bids.emplace_back(l.price.mantissa(), l.quantity.mantissa());
    }
    for (const core::PriceLevel& l : p.asks) {
      r.asks.emplace_back(l.price.mantissa(), l.quantity.mantissa());
    }
    return r;
  }
  if (msg.kind != MessageKind::kDepthUpdate) return r;
  const DepthUpdateMessage& d = msg.depth;
  r.first_id = d.first_update_id;
  r.final_id = d.final_update_id;
  r.previous_id = d.previous_update_id;
  r.has_previous = d.has_previous;
  r.event_time = d.event_time_ms;
  r.transaction_time = d.transaction_time_ms;
  for (const core::PriceLevel& l : d.bids) {
    r.bids.emplace_back(l.price.mantissa(), l.quantity.mantissa());
  }
  for (const core::PriceLevel& l : d.asks) {
    r.asks.emplace_back(l.price.mantissa(), l.quantity.mantissa());
  }
  return r;
}

// A copy with a space after every comma: the same JSON (no string in these messages holds a
// comma), but no level array is compact any more, so only the generic path can read it.
std::string Spaced(std::string_view json) {
  std::string out;
  for (char c : json) {
    out += c;
    if (c == ',') out += ' ';
  }
  return out;
}

class BinanceFastPathTest : public BinanceParserTest {
 protected:
  // Both parsers on the same bytes, which are followed by `padding` (64 bytes, default spaces).
  DepthResult ExpectSameAsGeneric(std::string_view json, core::Venue venue = core::Venue::kBinance,
                                  std::string_view padding = {}) {
    std::string storage(json);
    std::string pad(padding.substr(0, 64));
    pad.resize(64, ' ');
    storage += pad;
    const std::string_view payload(storage.data(), json.size());
    BinanceParser& fast = venue == core::Venue::kBinance ? fast_spot_ : fast_futures_;
    BinanceParser& generic = venue == core::Venue::kBinance ? generic_spot_ : generic_futures_;
    const DepthResult a = ParseDepth(fast, payload);
    const DepthResult b = ParseDepth(generic, payload);
    EXPECT_EQ(a, b) << json << "\n  fast:    " << Describe(a) << "\n  generic: " << Describe(b);
    return a;
  }

  BinanceParser fast_spot_{core::Venue::kBinance, registry_};
  BinanceParser fast_futures_{core::Venue::kBinanceUsdm, registry_};
  BinanceParser generic_spot_{core::Venue::kBinance, registry_,
                              BinanceParserOptions{.fast_paths = false}};
  BinanceParser generic_futures_{core::Venue::kBinanceUsdm, registry_,
                                 BinanceParserOptions{.fast_paths = false}};
};

constexpr std::string_view kCanonicalSpot =
    R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,)"
    R"("s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"],)"
    R"(["61730.17000000","0.01400000"],["56854.58","1.5"]],"a":[["61837.64000000","1.54698000"],)"
    R"(["61839.85000000","0.00000000"]]}})";
constexpr std::string_view kCanonicalFutures =
    R"({"stream":"btcusdt@depth@0ms","data":{"e":"depthUpdate","E":1723161256299,)"
    R"("T":1723161256298,"s":"BTCUSDT","U":5123107832006,"u":5123107837557,)"
    R"("pu":5123107831937,"b":[["58710.20","0.014"],["58710.10","12.345"]],"a":[]}})";
constexpr std::string_view kCanonicalRaw =
    R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[["3.5","4"]]})";

TEST_F(BinanceFastPathTest, CanonicalMessagesMatchGeneric) {
  const DepthResult spot = ExpectSameAsGeneric(kCanonicalSpot);
  ASSERT_EQ(spot.error, ParseError::kOk);
  ASSERT_EQ(spot.bids.size(), 3u);
  ASSERT_EQ(spot.asks.size(), 2u);
  EXPECT_EQ(spot.bids[1], std::make_pair(std::int64_t{6173017000000}, std::int64_t{1400000}));
  EXPECT_EQ(spot.bids[2], std::make_pair(std::int64_t{5685458000000}, 15 * kE8 / 10));
  const DepthResult futures = ExpectSameAsGeneric(kCanonicalFutures, core::Venue::kBinanceUsdm);
  ASSERT_EQ(futures.error, ParseError::kOk);
  EXPECT_TRUE(futures.has_previous);
  EXPECT_EQ(futures.bids[1].second, 1234500000);
  EXPECT_TRUE(futures.asks.empty());
  const DepthResult raw = ExpectSameAsGeneric(kCanonicalRaw);
  ASSERT_EQ(raw.error, ParseError::kOk);
  EXPECT_TRUE(raw.bids.empty());
  EXPECT_EQ(raw.asks[0], std::make_pair(35 * kE8 / 10, 4 * kE8));
  // All three were read whole by the canonical scan, without simdjson.
  EXPECT_EQ(fast_spot_.canonical_depth_frames(), 2u);
  EXPECT_EQ(fast_futures_.canonical_depth_frames(), 1u);
  // The spaced copy (generic path everywhere) reads the same.
  std::string spaced = Spaced(kCanonicalSpot);
  EXPECT_EQ(ParseDepth(fast_spot_, Padded(spaced).view()), spot);
  EXPECT_EQ(fast_spot_.canonical_depth_frames(), 2u);
}

// Headers the canonical scan does not take (it counts only what it reads whole): each goes to the
// generic path, which gives the verdict, and both paths agree.
TEST_F(BinanceFastPathTest, HeadersOutsideTheCanonicalShapeFallBack) {
  const std::string levels = R"("b":[["1.0","1"]],"a":[]})";
  const std::string cases[] = {
      R"({"e":"depthUpdate","E":01,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":-1,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":1.5,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":1e3,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":"1","s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1234567890123456789,"u":1234567890123456790,)" +
          levels,
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":18446744073709551616,)" + levels,
      R"({"e":"depthUpdate","E":1,"s":"BTC\u0055SDT","U":1,"u":2,)" + levels,
      "{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\xc3\xa9\",\"U\":1,\"u\":2," + levels,
      R"({"e":"depthUpdate","E":1,"s":"NOPE","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"x":0,)" + levels,
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","u":2,"U":1,)" + levels,
      R"({"e":"depthUpdate", "E":1,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"( {"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)" + levels,
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"pu":,)" + levels,
      R"({"stream":"a\"b","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)" + levels + "}",
      "{\"stream\":\"a\x01\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,"
      "\"u\":2," + levels + "}",
      "{\"stream\":\"a\xff\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":1,"
      "\"u\":2," + levels + "}",
      R"({"stream":"a","data" :{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)" + levels + "}",
  };
  for (const std::string& json : cases) {
    ExpectSameAsGeneric(json);
    EXPECT_EQ(fast_spot_.canonical_depth_frames(), 0u) << json;
  }
  // The generic path accepts some of them (a spaced header, an escaped symbol, an extra field).
  EXPECT_EQ(ExpectSameAsGeneric(cases[12]).error, ParseError::kOk);
  EXPECT_EQ(ExpectSameAsGeneric(cases[10]).error, ParseError::kOk);
  EXPECT_EQ(ExpectSameAsGeneric(cases[0]).error, ParseError::kWrongType);
  EXPECT_EQ(fast_spot_.canonical_depth_frames(), 0u);
}

// Every prefix fails, even when the bytes after the end are the rest of the real message, which a
// scan that ignored the document end would happily read.
TEST_F(BinanceFastPathTest, EveryTruncationFailsEvenWithTheRestInThePadding) {
  for (std::string_view json : {kCanonicalSpot, kCanonicalFutures, kCanonicalRaw}) {
    const core::Venue venue =
        json == kCanonicalFutures ? core::Venue::kBinanceUsdm : core::Venue::kBinance;
    for (std::size_t length = 0; length < json.size(); ++length) {
      const DepthResult r = ExpectSameAsGeneric(json.substr(0, length), venue, json.substr(length));
      EXPECT_NE(r.error, ParseError::kOk) << length;
      // And with the padding full of digits and quotes, what the decimal scan looks for.
      ExpectSameAsGeneric(json.substr(0, length), venue,
                          R"(00000000"00000000"],"a":[]}}00000000000000000000000000000000000)");
    }
  }
}

TEST_F(BinanceFastPathTest, TailsThatAreNotCanonical) {
  const std::string head(kCanonicalSpot.substr(0, kCanonicalSpot.size() - 2));  // without "}}"
  struct Tail {
    const char* text;
    ParseError expected;
  };
  const Tail tails[] = {
      {"}}", ParseError::kOk},
      {"}} \n\r\t ", ParseError::kOk},
      {"} }", ParseError::kOk},
      {"}\n}\n", ParseError::kOk},
      {"}", ParseError::kJson},
      {"", ParseError::kJson},
      {"}}}", ParseError::kJson},
      {"}},", ParseError::kJson},
      {"}}x", ParseError::kJson},
      {"}}0", ParseError::kJson},
      {"}}[]", ParseError::kJson},
      {R"(}}{"a":1})", ParseError::kJson},
      {"]}}", ParseError::kJson},
      {"}]", ParseError::kJson},
      {"}}\v", ParseError::kJson},
      {R"(,"x":1}})", ParseError::kOk},                // an extra field: generic path
      {R"(,"a":[["1.0","1.0"]]}})", ParseError::kOk},  // "a" twice: both are kept
      {R"(},"x":1})", ParseError::kOk},                // envelope field after data
      {R"(,"b":"x"}})", ParseError::kWrongType},       // "b" again, as a string
      {R"(,"a":[["1.0"]]}})", ParseError::kWrongType},
      {R"(,}})", ParseError::kJson},
  };
  for (const Tail& tail : tails) {
    const DepthResult r = ExpectSameAsGeneric(head + tail.text);
    EXPECT_EQ(r.error, tail.expected) << tail.text;
  }
  // A NUL after the document is not whitespace either.
  std::string with_nul = std::string(kCanonicalSpot) + '\0';
  EXPECT_EQ(ExpectSameAsGeneric(with_nul).error, ParseError::kJson);
}

TEST_F(BinanceFastPathTest, NonCanonicalLayoutsFallBack) {
  const char* const cases[] = {
      // "a" before "b", spacing in the arrays, between the arrays, symbol after the arrays.
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"a":[["2.0","1"]],"b":[["1.0","1"]]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[ ["1.0","1"]],"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]] ,"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]], "a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a" :[]})",
      R"({"e":"depthUpdate","E":1,"U":1,"u":2,"b":[["1.0","1"]],"a":[],"s":"BTCUSDT"})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"A":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":{}})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[[]]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1",[]]],"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"],],"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]]],"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[]]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[["2","1"]})",
      R"({"e":"depthUpdate","E":1,"s":"ETHUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[]})",
      R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":3,"u":2,"b":[["1.0","1"]],"a":[]})",
      R"({"e":"trade","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[]})",
      R"({"stream":"x","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]}})",
      R"({"data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]},"stream":"x"})",
      R"({"b":[["1.0","1"]],"a":[],"data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2}})",
      R"({"s":"BTCUSDT","b":[["1.0","1"]],"a":[]})",
  };
  for (const char* json : cases) ExpectSameAsGeneric(json);
  ExpectSameAsGeneric(
      R"({"e":"depthUpdate","E":1,"T":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1"]],"a":[]})",
      core::Venue::kBinanceUsdm);  // futures without pu
}

TEST_F(BinanceFastPathTest, EscapesAndBadDecimalsInLevels) {
  const std::string head =
      R"({"stream":"s","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.0","1.0"],[)";
  const char* const levels[] = {
      R"("6173\u0037.63000000","1.0")",
      R"("61737.63000000","1\u002e0")",
      R"("61737.6300000\"","1.0")",
      R"("\"61737.63","1.0")",
      R"("61737.63000000\\","1.0")",
      R"("61737.63000000","0.0000000\\")",
      R"("92233720368.54775808","1.0")",
      R"("1.0","92233720368.54775808")",
      R"("99999999999999999999.0","1")",
      R"("1.000000001","1")",
      R"("1.0","0.123456789")",
      R"("12345678.12345678","1")",
      R"("1234567.12345678","1")",
      R"("9999999.99999999","99999999999.99999999")",
      R"("01.5","1")",
      R"("-1.5","1")",
      R"("1.","1")",
      R"(".5","1")",
      R"("1e5","1")",
      R"("","1")",
      R"("1.0","")",
      R"("1.0",1)",
      R"(1.0,"1")",
      R"("1.0","1","x")",
      R"("1.0")",
      R"("1.0","1",null)",
      "\"6173\xd9\xa3.63\",\"1\"",  // UTF-8 that is not an ASCII digit
      "\"1.0\",\"1.0\xc3\xa9\"",
  };
  for (const char* level : levels) {
    ExpectSameAsGeneric(head + level + R"(]],"a":[["2.0","2.0"]]}})");
    ExpectSameAsGeneric(head + R"("1.5","1"]],"a":[[)" + level + "]]}}");
  }
  // Spot-check the error the generic path gives.
  EXPECT_EQ(ExpectSameAsGeneric(head + levels[0] + R"(]],"a":[]}})").error,
            ParseError::kBadDecimal);
  EXPECT_EQ(ExpectSameAsGeneric(head + levels[6] + R"(]],"a":[]}})").error,
            ParseError::kBadDecimal);
  const DepthResult big = ExpectSameAsGeneric(head + levels[11] + R"(]],"a":[]}})");
  ASSERT_EQ(big.error, ParseError::kOk);
  EXPECT_EQ(big.bids[1].first, 1234567812345678);
}

TEST_F(BinanceFastPathTest, TooManyLevelsOnEitherSide) {
  auto side = [](int n) {
    std::string s = "[";
    for (int i = 0; i < n; ++i) s += (i == 0 ? "" : ",") + std::string(R"(["1.0","1.0"])");
    return s + "]";
  };
  BinanceParser fast(core::Venue::kBinance, registry_,
                     BinanceParserOptions{.max_levels_per_side = 100});
  const std::string head =
      R"({"stream":"s","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,)";
  for (auto [bids, asks, expected] :
       {std::tuple{100, 100, ParseError::kOk}, std::tuple{101, 0, ParseError::kTooManyLevels},
        std::tuple{0, 101, ParseError::kTooManyLevels},
        std::tuple{100, 101, ParseError::kTooManyLevels}}) {
    const std::string json = head + R"("b":)" + side(bids) + R"(,"a":)" + side(asks) + "}}";
    const DepthResult r = ParseDepth(fast, Padded(json).view());
    EXPECT_EQ(r.error, expected) << bids << " " << asks;
    if (expected == ParseError::kOk) {
      EXPECT_EQ(r.asks.size(), 100u);
    }
  }
}

// The fast decimal scan accepts exactly what core::ParseDecimal accepts, with the same value, in
// either position of a level.
TEST_F(BinanceFastPathTest, LevelDecimalsAgreeWithCoreParseDecimal) {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char alphabet[] = "01234567890123456789012345678901234567890123456789.....-e/:";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(next() % 22);
    for (int j = 0; j < length; ++j) text += alphabet[next() % (sizeof(alphabet) - 1)];
    std::int64_t expected = 0;
    const bool core_ok = core::ParseDecimal(text, 8, &expected) == core::DecimalError::kOk;
    const std::string json = R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[[")" +
                             text + R"(","1.5"]],"a":[["2.5",")" + text + R"("]]})";
    const DepthResult r = ExpectSameAsGeneric(json);
    ASSERT_EQ(r.error == ParseError::kOk, core_ok) << text;
    if (core_ok) {
      ASSERT_EQ(r.bids[0].first, expected) << text;
      ASSERT_EQ(r.asks[0].second, expected) << text;
    }
  }
}

// Random edits of canonical messages (replaced, inserted and deleted bytes, drawn from the
// characters that matter to the scanners): fast and generic agree on every one.
TEST_F(BinanceFastPathTest, MutatedMessagesAgreeWithGeneric) {
  std::uint64_t state = 0x2545F4914F6CDD1DULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char alphabet[] = "\"[]{},:.0123456789 \\eabuE-\n\x01\xff";
  int ok = 0;
  for (int i = 0; i < 30000; ++i) {
    const bool futures = i % 3 == 1;
    std::string json(i % 3 == 0 ? kCanonicalSpot : futures ? kCanonicalFutures : kCanonicalRaw);
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int e = 0; e < edits && !json.empty(); ++e) {
      const std::size_t at = next() % json.size();
      const char c = alphabet[next() % (sizeof(alphabet) - 1)];
      switch (next() % 3) {
        case 0:
          json[at] = c;
          break;
        case 1:
          json.insert(json.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          json.erase(at, 1);
          break;
      }
    }
    const DepthResult r =
        ExpectSameAsGeneric(json, futures ? core::Venue::kBinanceUsdm : core::Venue::kBinance);
    if (r.error == ParseError::kOk) ++ok;
    if (HasFailure()) break;
  }
  EXPECT_GT(ok, 1000);  // the edits must leave plenty of valid messages too
}

// Every depth diff of the real spot capture: the fast path, the generic path on the same bytes,
// and the fast parser on a spaced copy (where nothing is compact) give the same message.
TEST_F(BinanceFastPathTest, RealCaptureFastAndGenericAgree) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  auto capture = LoadCapture(path);
  ASSERT_TRUE(capture.ok());
  std::size_t depth = 0, levels = 0;
  for (const CaptureRecord& record : capture->records()) {
    if (record.kind != CaptureKind::kFrame ||
        record.payload.find("depthUpdate") == std::string_view::npos) {
      continue;
    }
    ++depth;
    const DepthResult fast = ParseDepth(fast_spot_, record.payload);
    ASSERT_EQ(fast.error, ParseError::kOk) << record.payload;
    ASSERT_EQ(fast.kind, MessageKind::kDepthUpdate);
    levels += fast.bids.size() + fast.asks.size();
    const DepthResult generic = ParseDepth(generic_spot_, record.payload);
    ASSERT_EQ(fast, generic) << record.payload;
    const std::string spaced = Spaced(record.payload);
    ASSERT_EQ(ParseDepth(fast_spot_, Padded(spaced).view()), fast) << record.payload;
  }
  EXPECT_EQ(depth, 3451u);
  EXPECT_GT(levels, 100000u);
  // Every real diff is read whole by the canonical scan; the spaced copies never are.
  EXPECT_EQ(fast_spot_.canonical_depth_frames(), depth);
}

// ---- Partial book depth (<symbol>@depth<N>[@100ms]) ----

// Binance's spot documentation example, as the combined stream wraps it: the symbol is only in
// the stream name.
constexpr std::string_view kSpotPartial =
    R"({"stream":"btcusdt@depth5@100ms","data":{"lastUpdateId":160,)"
    R"("bids":[["0.0024","10"],["0.0023","5.5"]],"asks":[["0.0026","100"]]}})";
// The USD-M shape: a depthUpdate in every byte, told from a diff by the stream name only.
constexpr std::string_view kFuturesPartial =
    R"({"stream":"btcusdt@depth5@100ms","data":{"e":"depthUpdate","E":1571889248277,)"
    R"("T":1571889248276,"s":"BTCUSDT","U":390497796,"u":390497878,"pu":390497794,)"
    R"("b":[["7403.89","0.002"],["7403.90","3.906"]],"a":[["7405.96","3.340"]]}})";

TEST(BinancePartialDepthStreamTest, Names) {
  struct Case {
    const char* name;
    int levels;  // 0: not a partial depth stream
  };
  const Case cases[] = {
      {"btcusdt@depth5", 5},           {"btcusdt@depth10", 10},
      {"btcusdt@depth20", 20},         {"btcusdt@depth5@100ms", 5},
      {"btcusdt@depth10@250ms", 10},   {"btcusdt@depth20@500ms", 20},
      {"btcusdt@depth20@1000ms", 20},  {"1000shibusdt@depth10@100ms", 10},
      {"btcusdt@depth", 0},            {"btcusdt@depth@100ms", 0},
      {"btcusdt@depth@0ms", 0},        {"btcusdt@depth15", 0},
      {"btcusdt@depth50", 0},          {"btcusdt@depth05", 0},
      {"btcusdt@depth200", 0},         {"btcusdt@depth5@0ms", 0},
      {"btcusdt@depth5@100", 0},       {"btcusdt@depth5x", 0},
      {"btcusdt@depth5@100ms@100ms", 0}, {"@depth5", 0},
      {"btcusdt", 0},                  {"btcusdt@bookTicker", 0},
      {"", 0},
  };
  for (const Case& c : cases) {
    std::string_view symbol;
    int levels = 0;
    const bool partial = ParsePartialDepthStream(c.name, &symbol, &levels);
    EXPECT_EQ(partial, c.levels != 0) << c.name;
    if (!partial) continue;
    EXPECT_EQ(levels, c.levels) << c.name;
    EXPECT_EQ(symbol, std::string_view(c.name).substr(0, std::string_view(c.name).find('@')));
  }
}

TEST_F(BinanceParserTest, SpotPartialDepthTakesItsSymbolFromTheStream) {
  ASSERT_EQ(Spot(kSpotPartial), ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kPartialDepth);
  EXPECT_EQ(msg_.instrument->id, spot_id_);
  const PartialDepthMessage& p = msg_.partial;
  EXPECT_EQ(p.last_update_id, 160u);
  EXPECT_EQ(p.levels, 5);
  EXPECT_EQ(p.first_update_id, 0u);
  EXPECT_EQ(p.event_time_ms, 0);
  ASSERT_EQ(p.bids.size(), 2u);
  ASSERT_EQ(p.asks.size(), 1u);
  EXPECT_EQ(p.bids[0].price.mantissa(), 240000);
  EXPECT_EQ(p.bids[0].quantity.mantissa(), 10 * kE8);
  EXPECT_EQ(p.bids[1].quantity.mantissa(), 55 * kE8 / 10);
  EXPECT_EQ(p.asks[0].price.mantissa(), 260000);
  EXPECT_EQ(p.asks[0].quantity.mantissa(), 100 * kE8);
  // The default speed (1000 ms), another N, spacing, an upper-case name, empty sides.
  ASSERT_EQ(Spot(R"({ "stream" : "BTCUSDT@depth20" , "data" : { "lastUpdateId" : 7 ,)"
                 R"( "bids" : [ ] , "asks" : [ [ "1.5" , "2" ] ] } })"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kPartialDepth);
  EXPECT_EQ(msg_.partial.levels, 20);
  EXPECT_EQ(msg_.partial.last_update_id, 7u);
  EXPECT_TRUE(msg_.partial.bids.empty());
  ASSERT_EQ(msg_.partial.asks.size(), 1u);
  EXPECT_EQ(msg_.partial.asks[0].price.mantissa(), 150000000);
  // Field order does not matter, the envelope's included.
  ASSERT_EQ(Spot(R"({"data":{"asks":[],"bids":[["1","1"]],"lastUpdateId":9},)"
                 R"("stream":"btcusdt@depth10@1000ms"})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kPartialDepth);
  EXPECT_EQ(msg_.partial.levels, 10);
  // A "s" that agrees with the stream is fine.
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@depth5","data":{"s":"BTCUSDT","lastUpdateId":1,)"
                 R"("bids":[],"asks":[]}})"),
            ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kPartialDepth);
  // Without the envelope nothing says which book it is: not a message we consume.
  ASSERT_EQ(Spot(R"({"lastUpdateId":160,"bids":[["0.0024","10"]],"asks":[]})"), ParseError::kOk);
  EXPECT_EQ(msg_.kind, MessageKind::kUnknown);
}

TEST_F(BinanceParserTest, FuturesPartialDepthIsTheDiffShapeOnAPartialStream) {
  ASSERT_EQ(Futures(kFuturesPartial), ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kPartialDepth);
  EXPECT_EQ(msg_.instrument->id, futures_id_);
  const PartialDepthMessage& p = msg_.partial;
  EXPECT_EQ(p.last_update_id, 390497878u);
  EXPECT_EQ(p.first_update_id, 390497796u);
  EXPECT_EQ(p.previous_update_id, 390497794u);
  EXPECT_EQ(p.event_time_ms, 1571889248277);
  EXPECT_EQ(p.transaction_time_ms, 1571889248276);
  EXPECT_EQ(p.levels, 5);
  ASSERT_EQ(p.bids.size(), 2u);
  ASSERT_EQ(p.asks.size(), 1u);
  EXPECT_EQ(p.bids[1].price.mantissa(), 740390000000);
  EXPECT_EQ(p.bids[1].quantity.mantissa(), 390600000);
  EXPECT_EQ(p.asks[0].quantity.mantissa(), 334000000);
  // Read whole by the canonical scan, like a diff.
  EXPECT_EQ(futures_.canonical_depth_frames(), 1u);

  // The same bytes on a diff stream stay a diff.
  std::string diff(kFuturesPartial);
  diff.replace(diff.find("@depth5@100ms"), 13, "@depth@100ms");
  ASSERT_EQ(Futures(diff), ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kDepthUpdate);
  EXPECT_EQ(msg_.depth.final_update_id, 390497878u);
  EXPECT_EQ(msg_.depth.bids.size(), 2u);
  for (const char* stream : {"btcusdt@depth", "btcusdt@depth@0ms", "btcusdt@depth@500ms"}) {
    diff = std::string(kFuturesPartial);
    diff.replace(diff.find("btcusdt@depth5@100ms"), 20, stream);
    ASSERT_EQ(Futures(diff), ParseError::kOk) << stream;
    EXPECT_EQ(msg_.kind, MessageKind::kDepthUpdate) << stream;
  }
  EXPECT_EQ(futures_.canonical_depth_frames(), 5u);

  // The default speed (250 ms) and @500ms.
  for (const char* stream : {"btcusdt@depth10", "btcusdt@depth20@500ms"}) {
    std::string partial(kFuturesPartial);
    partial.replace(partial.find("btcusdt@depth5@100ms"), 20, stream);
    ASSERT_EQ(Futures(partial), ParseError::kOk) << stream;
    EXPECT_EQ(msg_.kind, MessageKind::kPartialDepth) << stream;
  }
}

// A spot diff is unaffected by the partial depth fields: a "bids" inside one is ignored, as any
// unknown field is.
TEST_F(BinanceParserTest, DiffsIgnoreTheLongLevelKeys) {
  ASSERT_EQ(Spot(R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,)"
                 R"("s":"BTCUSDT","U":1,"u":2,"bids":[["9.0","9"]],"b":[["1.0","1"]],"a":[],)"
                 R"("lastUpdateId":5,"asks":"x"}})"),
            ParseError::kOk);
  ASSERT_EQ(msg_.kind, MessageKind::kDepthUpdate);
  ASSERT_EQ(msg_.depth.bids.size(), 1u);
  EXPECT_EQ(msg_.depth.bids[0].price.mantissa(), kE8);
  EXPECT_TRUE(msg_.depth.asks.empty());
}

// Partial-looking names Binance does not have are nothing we consume, whatever the payload.
TEST_F(BinanceParserTest, UnsupportedPartialStreamsAreUnknown) {
  for (const char* stream : {"btcusdt@depth7", "btcusdt@depth5@42ms", "btcusdt@depth50@100ms"}) {
    std::string spot(kSpotPartial);
    spot.replace(spot.find("btcusdt@depth5@100ms"), 20, stream);
    ASSERT_EQ(Spot(spot), ParseError::kOk) << stream;
    EXPECT_EQ(msg_.kind, MessageKind::kUnknown) << stream;
    std::string futures(kFuturesPartial);
    futures.replace(futures.find("btcusdt@depth5@100ms"), 20, stream);
    ASSERT_EQ(Futures(futures), ParseError::kOk) << stream;
    EXPECT_EQ(msg_.kind, MessageKind::kUnknown) << stream;
  }
}

struct PartialCase {
  const char* name;
  bool futures;
  std::string json;
  ParseError expected;
  MessageKind kind = MessageKind::kPartialDepth;  // when kOk
};

std::string SpotPartial(std::string_view stream, std::string_view data) {
  return R"({"stream":")" + std::string(stream) + R"(","data":)" + std::string(data) + "}";
}

std::string Levels(int count, std::string_view price_head = "1.") {
  std::string out = "[";
  for (int i = 0; i < count; ++i) {
    out += (i ? "," : "") + std::string(R"([")") + std::string(price_head) + std::to_string(i) +
           R"(","1"])";
  }
  return out + "]";
}

std::string FuturesPartial(std::string_view stream, std::string_view symbol, std::string_view ids,
                           std::string_view bids, std::string_view asks = "[]") {
  return R"({"stream":")" + std::string(stream) +
         R"(","data":{"e":"depthUpdate","E":1,"T":1,"s":")" + std::string(symbol) + R"(",)" +
         std::string(ids) + R"(,"b":)" + std::string(bids) + R"(,"a":)" + std::string(asks) + "}}";
}

std::vector<PartialCase> PartialCases() {
  const std::string ok_data = R"({"lastUpdateId":1,"bids":[["1.0","1"]],"asks":[]})";
  const std::string ids = R"("U":1,"u":2,"pu":0)";
  return {
      {"spot_ok", false, SpotPartial("btcusdt@depth5", ok_data), ParseError::kOk},
      {"spot_unknown_symbol", false, SpotPartial("ethusdt@depth5", ok_data),
       ParseError::kUnknownSymbol},
      {"spot_futures_only_symbol", false, SpotPartial("xyzusdt@depth5@100ms", ok_data),
       ParseError::kUnknownSymbol},
      {"spot_symbol_too_long", false, SpotPartial(std::string(40, 'b') + "@depth5", ok_data),
       ParseError::kUnknownSymbol},
      {"spot_symbol_mismatch", false,
       SpotPartial("btcusdt@depth5",
                   R"({"s":"ETHUSDT","lastUpdateId":1,"bids":[],"asks":[]})"),
       ParseError::kSymbolMismatch},
      {"spot_missing_id", false, SpotPartial("btcusdt@depth5", R"({"bids":[],"asks":[]})"),
       ParseError::kMissingField},
      {"spot_missing_asks", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":[]})"),
       ParseError::kMissingField},
      {"spot_bids_object", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":{},"asks":[]})"),
       ParseError::kWrongType},
      {"spot_asks_string", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":[],"asks":"1"})"),
       ParseError::kWrongType},
      {"spot_id_string", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":"1","bids":[],"asks":[]})"),
       ParseError::kWrongType},
      {"spot_id_negative", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":-1,"bids":[],"asks":[]})"),
       ParseError::kWrongType},
      {"spot_stream_not_string", false,
       R"({"stream":5,"data":{"lastUpdateId":1,"bids":[],"asks":[]}})", ParseError::kWrongType},
      {"spot_level_short", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":[["1.0"]],"asks":[]})"),
       ParseError::kWrongType},
      {"spot_bad_decimal", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":[["1e5","1"]],"asks":[]})"),
       ParseError::kBadDecimal},
      {"spot_five_of_five", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"bids":)" + Levels(5) +
                                         R"(,"asks":)" + Levels(5, "2.") + "}"),
       ParseError::kOk},
      {"spot_six_bids_of_five", false,
       SpotPartial("btcusdt@depth5",
                   R"({"lastUpdateId":1,"bids":)" + Levels(6) + R"(,"asks":[]})"),
       ParseError::kTooManyLevels},
      {"spot_eleven_asks_of_ten", false,
       SpotPartial("btcusdt@depth10@100ms",
                   R"({"lastUpdateId":1,"bids":[],"asks":)" + Levels(11) + "}"),
       ParseError::kTooManyLevels},
      {"spot_repeated_bids", false,
       SpotPartial("btcusdt@depth5",
                   R"({"lastUpdateId":1,"bids":[],"bids":[["1.0","1"]],"asks":[]})"),
       ParseError::kJson},
      {"spot_repeated_id", false,
       SpotPartial("btcusdt@depth5", R"({"lastUpdateId":1,"lastUpdateId":2,"bids":[],"asks":[]})"),
       ParseError::kJson},
      {"spot_repeated_stream", false,
       R"({"stream":"btcusdt@depth5","stream":"btcusdt@depth5","data":)" + ok_data + "}",
       ParseError::kJson},
      {"spot_short_and_long_keys", false,
       SpotPartial("btcusdt@depth5",
                   R"({"lastUpdateId":1,"bids":[],"b":[["1.0","1"]],"asks":[]})"),
       ParseError::kJson},
      {"spot_long_after_short_keys", false,
       SpotPartial("btcusdt@depth5",
                   R"({"lastUpdateId":1,"b":[["1.0","1"]],"bids":[],"asks":[]})"),
       ParseError::kJson},
      // Only the venue's own partial shape is looked for: anything else reads as what it is.
      {"spot_diff_on_partial_stream", false,
       SpotPartial("btcusdt@depth5",
                   R"({"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[],"a":[]})"),
       ParseError::kOk, MessageKind::kDepthUpdate},
      {"spot_book_ticker_on_partial_stream", false,
       SpotPartial("btcusdt@depth5",
                   R"({"u":1,"s":"BTCUSDT","b":"1.0","B":"1","a":"2.0","A":"1"})"),
       ParseError::kMissingField},
      {"futures_ok", true, FuturesPartial("btcusdt@depth5", "BTCUSDT", ids, Levels(5)),
       ParseError::kOk},
      {"futures_six_of_five", true, FuturesPartial("btcusdt@depth5", "BTCUSDT", ids, Levels(6)),
       ParseError::kTooManyLevels},
      {"futures_six_asks_of_five", true,
       FuturesPartial("btcusdt@depth5@500ms", "BTCUSDT", ids, "[]", Levels(6, "2.")),
       ParseError::kTooManyLevels},
      {"futures_six_of_five_spaced", true,
       FuturesPartial("btcusdt@depth5", "BTCUSDT", ids, Spaced(Levels(6))),
       ParseError::kTooManyLevels},
      {"futures_symbol_mismatch", true,
       FuturesPartial("ethusdt@depth5", "BTCUSDT", ids, "[]"), ParseError::kSymbolMismatch},
      {"futures_unknown_symbol", true,
       FuturesPartial("ethusdt@depth5", "ETHUSDT", ids, "[]"), ParseError::kUnknownSymbol},
      {"futures_missing_pu", true,
       FuturesPartial("btcusdt@depth5", "BTCUSDT", R"("U":1,"u":2)", "[]"),
       ParseError::kMissingField},
      {"futures_first_after_final", true,
       FuturesPartial("btcusdt@depth5", "BTCUSDT", R"("U":3,"u":2,"pu":0)", "[]"),
       ParseError::kBadSequence},
      {"futures_spot_shape", true, SpotPartial("btcusdt@depth5", ok_data), ParseError::kOk,
       MessageKind::kUnknown},
      {"futures_bids_string", true, FuturesPartial("btcusdt@depth5", "BTCUSDT", ids, R"("1")"),
       ParseError::kWrongType},
  };
}

class BinancePartialHostile : public BinanceFastPathTest,
                              public ::testing::WithParamInterface<std::size_t> {};

// Fast and generic paths agree on every case, and give the expected verdict.
TEST_P(BinancePartialHostile, ReturnsErrorCode) {
  const PartialCase c = PartialCases()[GetParam()];
  const DepthResult r =
      ExpectSameAsGeneric(c.json, c.futures ? core::Venue::kBinanceUsdm : core::Venue::kBinance);
  EXPECT_EQ(r.error, c.expected) << c.name << ": " << c.json;
  if (c.expected == ParseError::kOk) {
    EXPECT_EQ(r.kind, c.kind) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(Inputs, BinancePartialHostile,
                         ::testing::Range<std::size_t>(0, PartialCases().size()),
                         [](const ::testing::TestParamInfo<std::size_t>& param) {
                           return std::string(PartialCases()[param.param].name);
                         });

TEST_F(BinanceFastPathTest, EveryTruncationOfAPartialDepthFrameFails) {
  for (std::string_view json : {kSpotPartial, kFuturesPartial}) {
    const core::Venue venue =
        json == kFuturesPartial ? core::Venue::kBinanceUsdm : core::Venue::kBinance;
    for (std::size_t length = 0; length < json.size(); ++length) {
      const DepthResult r = ExpectSameAsGeneric(json.substr(0, length), venue, json.substr(length));
      EXPECT_NE(r.error, ParseError::kOk) << length;
    }
    const DepthResult whole = ExpectSameAsGeneric(json, venue);
    EXPECT_EQ(whole.error, ParseError::kOk);
    EXPECT_EQ(whole.kind, MessageKind::kPartialDepth);
  }
}

// Random edits of the partial frames, as for the diffs: fast and generic agree on every one.
TEST_F(BinanceFastPathTest, MutatedPartialFramesAgreeWithGeneric) {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char alphabet[] = "\"[]{},:.0123456789 \\@dehptbaslu-\x01\xff";
  int ok = 0, partial = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool futures = i % 2 == 1;
    std::string json(futures ? kFuturesPartial : kSpotPartial);
    const int edits = 1 + static_cast<int>(next() % 2);
    for (int e = 0; e < edits && !json.empty(); ++e) {
      const std::size_t at = next() % json.size();
      const char c = alphabet[next() % (sizeof(alphabet) - 1)];
      switch (next() % 3) {
        case 0:
          json[at] = c;
          break;
        case 1:
          json.insert(json.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          json.erase(at, 1);
          break;
      }
    }
    const DepthResult r =
        ExpectSameAsGeneric(json, futures ? core::Venue::kBinanceUsdm : core::Venue::kBinance);
    ok += r.error == ParseError::kOk;
    partial += r.kind == MessageKind::kPartialDepth;
    if (HasFailure()) break;
  }
  EXPECT_GT(ok, 1000);
  EXPECT_GT(partial, 1000);
}

}  // namespace
}  // namespace tradingd::feeds::binance
