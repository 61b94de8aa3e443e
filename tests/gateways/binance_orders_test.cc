// gateways/binance/binance_orders.h: Binance spot order entry without sockets.
//
// The expected request strings are written here by hand from Binance's rest-api.md ("New order
// (TRADE)": the mandatory parameters per order type, LIMIT_MAKER without timeInForce, STOP_LOSS and
// TAKE_PROFIT with stopPrice and no price). The answers are the venue's own documentation examples
// (../shared/fixtures/binance): every expected value is read from the fixture in the test, never
// copied from what our parser printed. Hostile bodies must give an error (or be ignored where that
// is the documented behaviour) and leave the outputs untouched, never crash.

#include "gateways/binance/binance_orders.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/fixtures.h"
#include "tests/support/test_json.h"

namespace tradingd::gateways::binance {
namespace {

using core::OrderStatus;
using core::OrderType;
using core::Side;
using core::TimeInForce;

constexpr std::string_view kClientId = "0123456789abcdef0123456789abcdef";

core::Instrument MakeInstrument(core::InstrumentId id, std::string base, std::string quote,
                                int price_scale, int quantity_scale) {
  core::Instrument instrument;
  instrument.id = id;
  instrument.venue = core::Venue::kBinance;
  instrument.base = base;
  instrument.quote = quote;
  instrument.canonical = base + "-" + quote;
  instrument.venue_symbol = base + quote;
  instrument.price_scale = price_scale;
  instrument.quantity_scale = quantity_scale;
  return instrument;
}

// Binance's spot symbols write 8 decimals everywhere.
core::Instrument BtcUsdt() { return MakeInstrument(3, "BTC", "USDT", 8, 8); }
// A coarser instrument (2 price decimals, 4 quantity decimals), to see the instrument's scale used.
core::Instrument EthUsdt() { return MakeInstrument(4, "ETH", "USDT", 2, 4); }

core::ClientOrderId ClientId() {
  auto id = core::ClientOrderId::Parse(kClientId);
  EXPECT_TRUE(id.has_value());
  return id.value_or(core::ClientOrderId());
}

// The mantissa of a decimal text at `scale`, computed independently of core::ParseDecimal: the
// digits with the point removed, the fraction padded (or trimmed of trailing zeros) to `scale`.
std::int64_t Mantissa(std::string_view text, int scale) {
  const std::size_t point = text.find('.');
  std::string integer(text.substr(0, point));
  std::string fraction = point == std::string_view::npos ? "" : std::string(text.substr(point + 1));
  while (static_cast<int>(fraction.size()) > scale) {
    EXPECT_EQ(fraction.back(), '0') << text << " is finer than scale " << scale;
    fraction.pop_back();
  }
  fraction.append(static_cast<std::size_t>(scale) - fraction.size(), '0');
  return std::stoll(integer + fraction);
}

core::OrderSpec Spec(const core::Instrument& instrument, OrderType type, Side side,
                     std::string_view quantity, std::string_view price = {},
                     std::string_view stop_price = {}, TimeInForce tif = TimeInForce::kGtc,
                     bool post_only = false) {
  core::OrderSpec spec;
  spec.instrument = instrument.id;
  spec.side = side;
  spec.type = type;
  spec.time_in_force = tif;
  spec.post_only = post_only;
  spec.quantity = core::Quantity::FromMantissa(Mantissa(quantity, instrument.quantity_scale));
  if (!price.empty()) {
    spec.price = core::Price::FromMantissa(Mantissa(price, instrument.price_scale));
  }
  if (!stop_price.empty()) {
    spec.stop_price = core::Price::FromMantissa(Mantissa(stop_price, instrument.price_scale));
  }
  spec.client_order_id = ClientId();
  return spec;
}

using Params = std::vector<std::pair<std::string, std::string>>;

Params SplitParams(std::string_view query) {
  Params params;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    params.emplace_back(std::string(pair.substr(0, eq)),
                        eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
  }
  return params;
}

// The value of `key` in a query string ("<absent>" when it is not there).
std::string Param(std::string_view query, std::string_view key) {
  for (const auto& [name, value] : SplitParams(query)) {
    if (name == key) return value;
  }
  return "<absent>";
}

std::set<std::string> Keys(const Params& params) {
  std::set<std::string> keys;
  for (const auto& [key, value] : params) {
    EXPECT_TRUE(keys.insert(key).second) << "parameter " << key << " sent twice";
  }
  return keys;
}

// ---- NewOrderParams: one exact string per order type ----

TEST(BinanceOrdersParams, MarketHasQuantityAndNoPriceNorTimeInForce) {
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderParams(Spec(btc, OrderType::kMarket, Side::kBuy, "0.00150000"), btc),
            "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0015"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
  // Even when the spec carries a time in force (the default GTC), MARKET sends none.
  EXPECT_EQ(NewOrderParams(
                Spec(btc, OrderType::kMarket, Side::kSell, "2", {}, {}, TimeInForce::kIoc), btc),
            "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=2"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, LimitCarriesPriceAndEachTimeInForce) {
  const core::Instrument btc = BtcUsdt();
  const std::pair<TimeInForce, const char*> cases[] = {
      {TimeInForce::kGtc, "GTC"}, {TimeInForce::kIoc, "IOC"}, {TimeInForce::kFok, "FOK"}};
  for (const auto& [tif, name] : cases) {
    EXPECT_EQ(
        NewOrderParams(Spec(btc, OrderType::kLimit, Side::kSell, "1.5", "65000.1", {}, tif), btc),
        std::string("symbol=BTCUSDT&side=SELL&type=LIMIT&quantity=1.5&price=65000.1"
                    "&timeInForce=") +
            name + "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
  }
}

TEST(BinanceOrdersParams, PostOnlyLimitIsLimitMakerWithoutTimeInForce) {
  // rest-api.md: LIMIT_MAKER takes quantity and price; it is a LIMIT order rejected if it would
  // trade as a taker (POST-ONLY). No timeInForce.
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderParams(Spec(btc, OrderType::kLimit, Side::kBuy, "0.01", "64999.99", {},
                                TimeInForce::kGtc, /*post_only=*/true),
                           btc),
            "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=64999.99"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, StopLossHasStopPriceAndNoPrice) {
  // rest-api.md: STOP_LOSS takes quantity and stopPrice, and executes a MARKET order once met.
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderParams(Spec(btc, OrderType::kStopLoss, Side::kSell, "0.5", {}, "60000"), btc),
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.5&stopPrice=60000"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, StopLossLimitHasPriceTimeInForceAndStopPrice) {
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderParams(Spec(btc, OrderType::kStopLossLimit, Side::kSell, "0.5", "59900.5",
                                "60000", TimeInForce::kGtc),
                           btc),
            "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&quantity=0.5&price=59900.5"
            "&timeInForce=GTC&stopPrice=60000"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, TakeProfitHasStopPriceAndNoPrice) {
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(
      NewOrderParams(Spec(btc, OrderType::kTakeProfit, Side::kSell, "0.25", {}, "70000.01"), btc),
      "symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&quantity=0.25&stopPrice=70000.01"
      "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, TakeProfitLimitHasPriceTimeInForceAndStopPrice) {
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderParams(Spec(btc, OrderType::kTakeProfitLimit, Side::kBuy, "3", "50000", "50100",
                                TimeInForce::kFok),
                           btc),
            "symbol=BTCUSDT&side=BUY&type=TAKE_PROFIT_LIMIT&quantity=3&price=50000"
            "&timeInForce=FOK&stopPrice=50100"
            "&newClientOrderId=0123456789abcdef0123456789abcdef&newOrderRespType=FULL");
}

TEST(BinanceOrdersParams, EveryTypeSendsExactlyTheDocumentedParameters) {
  // rest-api.md, "Some additional mandatory parameters based on order type". We always send the
  // quantity (never quoteOrderQty) and the stopPrice (never trailingDelta), and ask for FULL
  // answers: "MARKET and LIMIT order types default to FULL, all other orders default to ACK", so
  // without it a stop's immediate fills would not come with the acknowledgement.
  struct Case {
    OrderType type;
    bool post_only;
    const char* venue_type;
    std::set<std::string> type_params;
  };
  const Case cases[] = {
      {OrderType::kMarket, false, "MARKET", {"quantity"}},
      {OrderType::kLimit, false, "LIMIT", {"timeInForce", "quantity", "price"}},
      {OrderType::kLimit, true, "LIMIT_MAKER", {"quantity", "price"}},
      {OrderType::kStopLoss, false, "STOP_LOSS", {"quantity", "stopPrice"}},
      {OrderType::kStopLossLimit,
       false,
       "STOP_LOSS_LIMIT",
       {"timeInForce", "quantity", "price", "stopPrice"}},
      {OrderType::kTakeProfit, false, "TAKE_PROFIT", {"quantity", "stopPrice"}},
      {OrderType::kTakeProfitLimit,
       false,
       "TAKE_PROFIT_LIMIT",
       {"timeInForce", "quantity", "price", "stopPrice"}},
  };
  const core::Instrument btc = BtcUsdt();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.venue_type);
    const Params params = SplitParams(NewOrderParams(
        Spec(btc, c.type, Side::kBuy, "1", "100", "101", TimeInForce::kGtc, c.post_only), btc));
    std::set<std::string> expected = c.type_params;
    expected.insert({"symbol", "side", "type", "newClientOrderId", "newOrderRespType"});
    EXPECT_EQ(Keys(params), expected);
    const std::map<std::string, std::string> values(params.begin(), params.end());
    EXPECT_EQ(values.at("type"), c.venue_type);
    EXPECT_EQ(values.at("newOrderRespType"), "FULL");
    EXPECT_EQ(values.at("newClientOrderId"), kClientId);
    // The signed part is appended by the gateway, never here.
    EXPECT_EQ(values.count("timestamp"), 0u);
    EXPECT_EQ(values.count("signature"), 0u);
  }
}

TEST(BinanceOrdersParams, DecimalsAreWrittenAtTheInstrumentScaleWithoutTrailingZeros) {
  const core::Instrument eth = EthUsdt();  // price 2 decimals, quantity 4
  core::OrderSpec spec = Spec(eth, OrderType::kLimit, Side::kBuy, "1", "1");
  const std::pair<std::int64_t, const char*> prices[] = {
      {6500000, "65000"}, {6500010, "65000.1"}, {6500001, "65000.01"}, {1, "0.01"}};
  const std::pair<std::int64_t, const char*> quantities[] = {
      {10000, "1"}, {12345, "1.2345"}, {12000, "1.2"}, {1, "0.0001"}, {1230000, "123"}};
  for (const auto& [mantissa, text] : prices) {
    spec.price = core::Price::FromMantissa(mantissa);
    EXPECT_EQ(Param(NewOrderParams(spec, eth), "price"), text);
  }
  for (const auto& [mantissa, text] : quantities) {
    spec.quantity = core::Quantity::FromMantissa(mantissa);
    EXPECT_EQ(Param(NewOrderParams(spec, eth), "quantity"), text);
  }
  // The same mantissa means another number at another scale: 1 at scale 8 is one satoshi.
  const core::Instrument btc = BtcUsdt();
  core::OrderSpec sat = Spec(btc, OrderType::kMarket, Side::kBuy, "1");
  sat.quantity = core::Quantity::FromMantissa(1);
  EXPECT_NE(NewOrderParams(sat, btc).find("&quantity=0.00000001&"), std::string::npos);
}

TEST(BinanceOrdersParams, OrderRefAddressesByClientIdAndVenueIdWhenKnown) {
  const core::Instrument btc = BtcUsdt();
  core::OrderRef ref;
  ref.instrument = btc.id;
  ref.client_order_id = ClientId();
  EXPECT_EQ(OrderRefParams(ref, btc),
            "symbol=BTCUSDT&origClientOrderId=0123456789abcdef0123456789abcdef");
  ref.venue_order_id.Assign("28");
  EXPECT_EQ(OrderRefParams(ref, btc),
            "symbol=BTCUSDT&orderId=28&origClientOrderId=0123456789abcdef0123456789abcdef");
}

// ---- Fixtures: Binance's own documentation examples ----

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixtures are read with the tests' own JSON reader (tests/support/test_json.h).
using testing::Json;
using testing::JsonReader;

Json ParseJsonOrFail(std::string_view text) {
  std::optional<Json> json = JsonReader(text).Read();
  EXPECT_TRUE(json.has_value()) << "not JSON: " << text.substr(0, 200);
  return json.value_or(Json());
}

const Json& Member(const Json& obj, std::string_view key) {
  static const Json kNull;
  const Json* value = obj.Find(key);
  EXPECT_NE(value, nullptr) << "fixture lacks " << key;
  return value != nullptr ? *value : kNull;
}
std::string Str(const Json& obj, std::string_view key) {
  const Json& value = Member(obj, key);
  EXPECT_EQ(value.kind, Json::Kind::kString) << key;
  return value.text;
}
std::int64_t Int(const Json& obj, std::string_view key) {
  const Json& value = Member(obj, key);
  EXPECT_EQ(value.kind, Json::Kind::kNumber) << key;
  return value.kind == Json::Kind::kNumber ? std::stoll(value.text) : 0;
}
bool Bool(const Json& obj, std::string_view key) {
  const Json& value = Member(obj, key);
  EXPECT_EQ(value.kind, Json::Kind::kBool) << key;
  return value.boolean;
}

TEST(BinanceOrdersFixtureSupport, JsonReaderReadsWhatTheFixturesUse) {
  const Json json = ParseJsonOrFail(
      R"( {"a": [1, -2.50, true, false, null], "s": "x\"y\\z\n\u00e9\ud83d\ude00", "o": {}} )");
  ASSERT_EQ(json.kind, Json::Kind::kObject);
  ASSERT_EQ(Member(json, "a").items.size(), 5u);
  EXPECT_EQ(Member(json, "a").items[1].text, "-2.50");
  EXPECT_TRUE(Member(json, "a").items[2].boolean);
  EXPECT_EQ(Member(json, "a").items[4].kind, Json::Kind::kNull);
  EXPECT_EQ(Str(json, "s"), "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
  EXPECT_EQ(Member(json, "o").kind, Json::Kind::kObject);
  EXPECT_FALSE(JsonReader("{\"a\":1} x").Read().has_value());
  EXPECT_FALSE(JsonReader("{\"a\":1,}").Read().has_value());
}

// The docs' bodies are JavaScript, with // comments; strip them (outside strings) before parsing.
std::string StripLineComments(std::string_view text) {
  std::string out;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      if (i < text.size()) out += '\n';
      continue;
    }
    if (c == '"') in_string = true;
    out += c;
  }
  return out;
}

TEST(BinanceOrdersFixtureSupport, StripLineCommentsKeepsStrings) {
  EXPECT_EQ(StripLineComments("{\"a\": 1, // one\n\"b\": \"x//y\" // two\n}"),
            "{\"a\": 1, \n\"b\": \"x//y\" \n}");
  EXPECT_EQ(StripLineComments(R"({"q": "say \"//\" here"})"), R"({"q": "say \"//\" here"})");
}

// The docs example `section` / `label` from binance_spot_rest_doc_examples.json, comments stripped.
std::string DocExample(const std::filesystem::path& file, std::string_view section,
                       std::string_view label) {
  const Json root = ParseJsonOrFail(ReadFile(file));
  for (const Json& example : Member(root, "examples").items) {
    const Json* s = example.Find("section");
    const Json* l = example.Find("label");
    const Json* body = example.Find("body_text");
    if (s != nullptr && l != nullptr && body != nullptr && s->text == section && l->text == label) {
      return StripLineComments(body->text);
    }
  }
  ADD_FAILURE() << "no example " << section << " / " << label;
  return {};
}

// The status mapping of binance_orders.h, written from rest-api.md's "Order status" table.
OrderStatus ExpectedStatus(std::string_view binance) {
  static const std::map<std::string, OrderStatus, std::less<>> kMap = {
      {"NEW", OrderStatus::kNew},
      {"PENDING_NEW", OrderStatus::kNew},
      {"PENDING_CANCEL", OrderStatus::kNew},
      {"PARTIALLY_FILLED", OrderStatus::kPartiallyFilled},
      {"FILLED", OrderStatus::kFilled},
      {"CANCELED", OrderStatus::kCanceled},
      {"REJECTED", OrderStatus::kRejected},
      {"EXPIRED", OrderStatus::kExpired},
      {"EXPIRED_IN_MATCH", OrderStatus::kExpired},
  };
  const auto it = kMap.find(binance);
  EXPECT_NE(it, kMap.end()) << "undocumented status " << binance;
  return it == kMap.end() ? OrderStatus::kUnknown : it->second;
}

// Checks an order answer parsed by ParseOrder against the same body read independently here.
void ExpectOrderMatches(std::string_view body, const core::Instrument& instrument,
                        const core::OrderUpdate& update, const std::vector<core::Fill>& fills) {
  const Json root = ParseJsonOrFail(body);
  EXPECT_EQ(update.venue, instrument.venue);
  EXPECT_EQ(update.instrument, instrument.id);
  EXPECT_EQ(update.client_order_id.view(), kClientId);  // ours, not the docs' clientOrderId
  EXPECT_EQ(update.status, ExpectedStatus(Str(root, "status")));
  EXPECT_EQ(update.venue_order_id.view(), std::to_string(Int(root, "orderId")));
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(),
            Mantissa(Str(root, "executedQty"), instrument.quantity_scale));
  EXPECT_EQ(update.filled_notional.mantissa(),
            Mantissa(Str(root, "cummulativeQuoteQty"), core::kAmountScale));
  const std::int64_t time_ms =
      Int(root, root.Find("transactTime") != nullptr ? "transactTime" : "updateTime");
  EXPECT_EQ(update.venue_time_ns, time_ms * 1'000'000);

  if (root.Find("fills") == nullptr) {
    EXPECT_TRUE(fills.empty());
    return;
  }
  const std::vector<Json>& expected_fills = Member(root, "fills").items;
  ASSERT_EQ(fills.size(), expected_fills.size());
  const Side side = core::ParseSide(Str(root, "side")).value_or(Side::kUnknown);
  std::size_t i = 0;
  for (const Json& expected : expected_fills) {
    SCOPED_TRACE("fill " + std::to_string(i));
    const core::Fill& fill = fills[i++];
    EXPECT_EQ(fill.venue, instrument.venue);
    EXPECT_EQ(fill.instrument, instrument.id);
    EXPECT_EQ(fill.client_order_id.view(), kClientId);
    EXPECT_EQ(fill.side, side);
    EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(expected, "price"), instrument.price_scale));
    EXPECT_EQ(fill.quantity.mantissa(), Mantissa(Str(expected, "qty"), instrument.quantity_scale));
    EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(expected, "commission"), core::kAmountScale));
    EXPECT_EQ(fill.fee_asset.view(), Str(expected, "commissionAsset"));
    EXPECT_EQ(fill.trade_id.view(), std::to_string(Int(expected, "tradeId")));
    EXPECT_FALSE(fill.maker);  // an order's immediate fills take liquidity
    EXPECT_EQ(fill.venue_time_ns, time_ms * 1'000'000);
  }
}

core::OrderUpdate FreshUpdate() {
  core::OrderUpdate update;
  update.client_order_id = ClientId();
  return update;
}

TEST(BinanceOrdersFixtures, NautilusNewOrderFullResponse) {
  TRADINGD_REQUIRE_FIXTURE(path,
                           "binance/nautilus_fixtures/spot_http_json_new_order_full_response.json");
  const std::string body = ReadFile(path);
  const core::Instrument btc = BtcUsdt();
  core::OrderUpdate update = FreshUpdate();
  std::vector<core::Fill> fills;
  const core::Status status = ParseOrder(body, btc, &update, &fills);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(update.status, OrderStatus::kFilled);
  ASSERT_EQ(fills.size(), 5u);
  ExpectOrderMatches(body, btc, update, fills);
}

TEST(BinanceOrdersFixtures, DocsNewOrderFullResultAndAck) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/docs_examples/binance_spot_rest_doc_examples.json");
  const core::Instrument btc = BtcUsdt();
  {
    SCOPED_TRACE("FULL");
    const std::string body = DocExample(path, "New order (TRADE)", "Response - FULL");
    ASSERT_NE(body.find("\"fills\""), std::string::npos);
    core::OrderUpdate update = FreshUpdate();
    std::vector<core::Fill> fills;
    const core::Status status = ParseOrder(body, btc, &update, &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_FALSE(fills.empty());
    ExpectOrderMatches(body, btc, update, fills);
  }
  {
    SCOPED_TRACE("RESULT");
    const std::string body = DocExample(path, "New order (TRADE)", "Response - RESULT");
    core::OrderUpdate update = FreshUpdate();
    std::vector<core::Fill> fills;
    const core::Status status = ParseOrder(body, btc, &update, &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(fills.empty());
    ExpectOrderMatches(body, btc, update, fills);
  }
  {
    // An ACK has no status: we always ask for FULL, so an ACK is not an answer we can read, and
    // the gateway reports the order UNKNOWN (then queries it) rather than guess.
    SCOPED_TRACE("ACK");
    const std::string body = DocExample(path, "New order (TRADE)", "Response - ACK");
    ASSERT_FALSE(body.empty());
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    std::vector<core::Fill> fills;
    EXPECT_FALSE(ParseOrder(body, btc, &update, &fills).ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
  }
}

TEST(BinanceOrdersFixtures, CancelResponses) {
  TRADINGD_REQUIRE_FIXTURE(nautilus,
                           "binance/nautilus_fixtures/spot_http_json_cancel_order_response.json");
  TRADINGD_REQUIRE_FIXTURE(docs, "binance/docs_examples/binance_spot_rest_doc_examples.json");
  const core::Instrument ltc = MakeInstrument(7, "LTC", "BTC", 8, 8);
  for (const std::string& body :
       {ReadFile(nautilus), DocExample(docs, "Cancel order (TRADE)", "Response")}) {
    core::OrderUpdate update = FreshUpdate();
    update.source = core::UpdateSource::kCancel;
    const core::Status status = ParseOrder(body, ltc, &update, nullptr);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(update.status, OrderStatus::kCanceled);
    EXPECT_EQ(update.source, core::UpdateSource::kCancel);  // kept: the caller's
    EXPECT_FALSE(update.cancel_refused);
    ExpectOrderMatches(body, ltc, update, {});
  }
}

TEST(BinanceOrdersFixtures, DocsQueryOrder) {
  TRADINGD_REQUIRE_FIXTURE(docs, "binance/docs_examples/binance_spot_rest_doc_examples.json");
  const core::Instrument ltc = MakeInstrument(7, "LTC", "BTC", 8, 8);
  const std::string body = DocExample(docs, "Query order (USER_DATA)", "Response");
  core::OrderUpdate update = FreshUpdate();
  const core::Status status = ParseOrder(body, ltc, &update, nullptr);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(update.status, OrderStatus::kNew);
  EXPECT_TRUE(update.filled_quantity.is_zero());  // "0.0"
  ExpectOrderMatches(body, ltc, update, {});

  // A query answer through the same reader (the query path passes no fills vector): "0.1" and
  // "1.0" are exact at a coarse scale too.
  const core::Instrument coarse = MakeInstrument(8, "LTC", "BTC", 1, 1);
  core::OrderUpdate coarse_update = FreshUpdate();
  ASSERT_TRUE(ParseOrder(body, coarse, &coarse_update, nullptr).ok());
  EXPECT_EQ(coarse_update.instrument, coarse.id);
}

TEST(BinanceOrdersFixtures, OpenOrdersArrayIsNotAnOrder) {
  TRADINGD_REQUIRE_FIXTURE(docs, "binance/docs_examples/binance_spot_rest_doc_examples.json");
  const std::string body = DocExample(docs, "Current open orders (USER_DATA)", "Response");
  ASSERT_FALSE(body.empty());
  core::OrderUpdate update = FreshUpdate();
  EXPECT_FALSE(ParseOrder(body, BtcUsdt(), &update, nullptr).ok());
  // Nor is it a list of trades: its entries have no qty.
  std::vector<core::Fill> fills;
  EXPECT_FALSE(ParseMyTrades(body, BtcUsdt(), &fills).ok());
  EXPECT_TRUE(fills.empty());
}

TEST(BinanceOrders, EveryDocumentedStatusMaps) {
  const core::Instrument btc = BtcUsdt();
  for (const char* status : {"NEW", "PENDING_NEW", "PARTIALLY_FILLED", "FILLED", "CANCELED",
                             "PENDING_CANCEL", "REJECTED", "EXPIRED", "EXPIRED_IN_MATCH"}) {
    SCOPED_TRACE(status);
    core::OrderUpdate update = FreshUpdate();
    const core::Status parsed = ParseOrder(
        std::string(R"({"orderId":9,"status":")") + status + R"("})", btc, &update, nullptr);
    ASSERT_TRUE(parsed.ok()) << parsed.ToString();
    EXPECT_EQ(update.status, ExpectedStatus(status));
    EXPECT_EQ(update.venue_order_id.view(), "9");
    EXPECT_FALSE(update.has_filled);  // no executedQty: not said
  }
}

// rest-api.md, "Account trade list (USER_DATA)", response example (verbatim).
constexpr std::string_view kDocsMyTrades = R"([
  {
    "symbol": "BNBBTC",
    "id": 28457,
    "orderId": 100234,
    "orderListId": -1,
    "price": "4.00000100",
    "qty": "12.00000000",
    "quoteQty": "48.000012",
    "commission": "10.10000000",
    "commissionAsset": "BNB",
    "time": 1499865549590,
    "isBuyer": true,
    "isMaker": false,
    "isBestMatch": true
  }
])";

TEST(BinanceOrders, MyTradesDocsExample) {
  const core::Instrument bnb = MakeInstrument(5, "BNB", "BTC", 8, 8);
  std::vector<core::Fill> fills;
  const core::Status status = ParseMyTrades(kDocsMyTrades, bnb, &fills);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json root = ParseJsonOrFail(kDocsMyTrades);
  ASSERT_EQ(fills.size(), root.items.size());
  const Json& trade = root.items.at(0);
  const core::Fill& fill = fills[0];
  EXPECT_EQ(fill.venue, core::Venue::kBinance);
  EXPECT_EQ(fill.instrument, bnb.id);
  EXPECT_TRUE(fill.client_order_id.empty());  // the caller knows which order it asked for
  EXPECT_EQ(fill.trade_id.view(), std::to_string(Int(trade, "id")));
  EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(trade, "price"), 8));
  EXPECT_EQ(fill.quantity.mantissa(), Mantissa(Str(trade, "qty"), 8));
  EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(trade, "commission"), core::kAmountScale));
  EXPECT_EQ(fill.fee_asset.view(), Str(trade, "commissionAsset"));
  EXPECT_EQ(fill.venue_time_ns, Int(trade, "time") * 1'000'000);
  EXPECT_EQ(fill.side, Bool(trade, "isBuyer") ? Side::kBuy : Side::kSell);
  EXPECT_EQ(fill.maker, Bool(trade, "isMaker"));

  // A seller and maker, appended after what the vector held.
  std::vector<core::Fill> more(1);
  ASSERT_TRUE(
      ParseMyTrades(
          R"([{"id":1,"price":"1","qty":"2","commission":"0","commissionAsset":"BTC","time":5,)"
          R"("isBuyer":false,"isMaker":true}])",
          bnb, &more)
          .ok());
  ASSERT_EQ(more.size(), 2u);
  EXPECT_EQ(more[1].side, Side::kSell);
  EXPECT_TRUE(more[1].maker);
  EXPECT_EQ(more[1].trade_id.view(), "1");
  // No trades yet: an empty list.
  std::vector<core::Fill> none;
  EXPECT_TRUE(ParseMyTrades("[]", bnb, &none).ok());
  EXPECT_TRUE(none.empty());
}

void ExpectAccountMatches(std::string_view body, const std::vector<core::BalanceUpdate>& balances,
                          core::TimestampNs now) {
  const Json root = ParseJsonOrFail(body);
  const std::vector<Json>& expected = Member(root, "balances").items;
  ASSERT_EQ(balances.size(), expected.size());
  ASSERT_GE(balances.size(), 2u);
  std::size_t i = 0;
  for (const Json& entry : expected) {
    SCOPED_TRACE(i);
    const core::BalanceUpdate& balance = balances[i];
    EXPECT_EQ(balance.venue, core::Venue::kBinance);
    EXPECT_EQ(balance.asset.view(), Str(entry, "asset"));
    EXPECT_EQ(balance.free.mantissa(), Mantissa(Str(entry, "free"), core::kAmountScale));
    EXPECT_EQ(balance.locked.mantissa(), Mantissa(Str(entry, "locked"), core::kAmountScale));
    EXPECT_EQ(balance.time_ns, now);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kFirst), i == 0);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kLast), i + 1 == balances.size());
    ++i;
  }
}

TEST(BinanceOrdersFixtures, AccountResponses) {
  TRADINGD_REQUIRE_FIXTURE(nautilus,
                           "binance/nautilus_fixtures/spot_http_json_account_response.json");
  TRADINGD_REQUIRE_FIXTURE(docs, "binance/docs_examples/binance_spot_rest_doc_examples.json");
  constexpr core::TimestampNs kNow = 1'700'000'000'000'000'000;
  for (const std::string& body :
       {ReadFile(nautilus), DocExample(docs, "Account information (USER_DATA)", "Response")}) {
    std::vector<core::BalanceUpdate> balances;
    const core::Status status = ParseAccount(body, core::Venue::kBinance, kNow, &balances);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ExpectAccountMatches(body, balances, kNow);
  }
}

TEST(BinanceOrders, AccountFraming) {
  std::vector<core::BalanceUpdate> empty;
  ASSERT_TRUE(ParseAccount(R"({"balances":[]})", core::Venue::kBinance, 7, &empty).ok());
  ASSERT_EQ(empty.size(), 1u);  // "I hold nothing" is still a framed report
  EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kLast));
  EXPECT_TRUE(empty[0].asset.empty());
  EXPECT_EQ(empty[0].time_ns, 7);

  std::vector<core::BalanceUpdate> one;
  ASSERT_TRUE(ParseAccount(R"({"balances":[{"asset":"usdt","free":"1.5","locked":"0.25"}]})",
                           core::Venue::kBinance, 7, &one)
                  .ok());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(one[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(one[0].has(core::BalanceUpdate::kLast));
  EXPECT_EQ(one[0].asset.view(), "USDT");  // canonical
  EXPECT_EQ(one[0].free.mantissa(), 150000000);
  EXPECT_EQ(one[0].locked.mantissa(), 25000000);

  // Appended after what the vector held; the frame starts at the first new entry.
  std::vector<core::BalanceUpdate> appended(1);
  ASSERT_TRUE(
      ParseAccount(
          R"({"balances":[{"asset":"BTC","free":"1","locked":"0"},)"
          R"({"asset":"ETH","free":"2","locked":"0"},{"asset":"BNB","free":"3","locked":"0"}]})",
          core::Venue::kBinance, 7, &appended)
          .ok());
  ASSERT_EQ(appended.size(), 4u);
  EXPECT_EQ(appended[0].flags, 0);
  EXPECT_EQ(appended[1].flags, core::BalanceUpdate::kFirst);
  EXPECT_EQ(appended[2].flags, 0);
  EXPECT_EQ(appended[3].flags, core::BalanceUpdate::kLast);
}

std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\u%04x", static_cast<unsigned>(c));
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

TEST(BinanceOrdersFixtures, EveryDocumentedErrorCode) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/docs_examples/binance_spot_error_codes.json");
  const Json root = ParseJsonOrFail(ReadFile(path));
  const std::vector<Json>& errors = Member(root, "errors").items;
  // errors.md names the codes whose key or signature is refused.
  const std::set<std::string, std::less<>> kKeyRefusals = {"UNAUTHORIZED", "INVALID_SIGNATURE",
                                                           "BAD_API_KEY_FMT", "REJECTED_MBX_KEY"};
  std::size_t count = 0, unknown = 0, refusals = 0;
  for (const Json& entry : errors) {
    const std::int64_t code = Int(entry, "code");
    const std::string name = Str(entry, "name");
    bool status_unknown = false;
    for (const Json& message : Member(entry, "messages").items) {
      ASSERT_EQ(message.kind, Json::Kind::kString);
      const std::string& msg = message.text;
      SCOPED_TRACE(std::to_string(code) + " " + msg);
      ErrorBody error;
      ASSERT_TRUE(ParseError(
          "{\"code\":" + std::to_string(code) + ",\"msg\":" + JsonString(msg) + "}", &error));
      EXPECT_EQ(error.code, code);
      EXPECT_EQ(error.msg, msg);
      status_unknown =
          status_unknown || Lower(msg).find("execution status unknown") != std::string::npos;
    }
    // The docs say which answers leave the execution status unknown; exactly those are UNKNOWN.
    EXPECT_EQ(IsExecutionUnknown(code), status_unknown) << code << " " << name;
    EXPECT_EQ(IsKeyRefusal(code), kKeyRefusals.count(name) == 1) << code << " " << name;
    ++count;
    unknown += status_unknown ? 1 : 0;
    refusals += kKeyRefusals.count(name);
  }
  EXPECT_GT(count, 100u);
  EXPECT_EQ(unknown, 2u);   // -1006 and -1007
  EXPECT_EQ(refusals, 4u);  // -1002, -1022, -2014, -2015
  // Not refusals of the key: a clock off by more than recvWindow, an order the venue refused.
  EXPECT_FALSE(IsKeyRefusal(-1021));
  EXPECT_FALSE(IsKeyRefusal(-2010));
  EXPECT_FALSE(IsExecutionUnknown(-2010));
  EXPECT_FALSE(IsExecutionUnknown(0));
}

// ---- Hostile input ----

TEST(BinanceOrders, ParseErrorRefusesWhatIsNotAnErrorBody) {
  for (const std::string_view body :
       {std::string_view(""), std::string_view("{"), std::string_view("[]"),
        std::string_view("null"), std::string_view(R"({"msg":"no code"})"),
        std::string_view(R"({"code":"-2010","msg":"x"})"),
        std::string_view(R"({"code":-2010.5,"msg":"x"})"),
        std::string_view("<html>502 Bad Gateway</html>"),
        std::string_view("{\"code\":-1,\"msg\":\"\xff\"}")}) {
    SCOPED_TRACE(body);
    ErrorBody error;
    EXPECT_FALSE(ParseError(body, &error));
    EXPECT_EQ(error.code, 0);
  }
  ErrorBody no_msg;
  ASSERT_TRUE(ParseError(R"({"code":-1000,"extra":[1,{}]})", &no_msg));
  EXPECT_EQ(no_msg.code, -1000);
  EXPECT_TRUE(no_msg.msg.empty());
}

// A FULL answer whose every field is valid, to break one piece at a time.
std::string FullAnswer(std::string_view replace_from = {}, std::string_view replace_to = {}) {
  std::string body =
      R"({"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"x",)"
      R"("transactTime":1507725176595,"price":"0.00000000","origQty":"3.00000000",)"
      R"("executedQty":"3.00000000","cummulativeQuoteQty":"11997.00000000","status":"FILLED",)"
      R"("timeInForce":"GTC","type":"MARKET","side":"BUY","fills":[)"
      R"({"price":"4000.00000000","qty":"1.00000000","commission":"0.00100000",)"
      R"("commissionAsset":"BTC","tradeId":56},)"
      R"({"price":"3998.50000000","qty":"2.00000000","commission":"0.00200000",)"
      R"("commissionAsset":"BTC","tradeId":57}]})";
  if (!replace_from.empty()) {
    const std::size_t at = body.find(replace_from);
    EXPECT_NE(at, std::string::npos) << replace_from;
    if (at != std::string::npos) body.replace(at, replace_from.size(), replace_to);
  }
  return body;
}

TEST(BinanceOrders, FullAnswerBaseline) {
  core::OrderUpdate update = FreshUpdate();
  std::vector<core::Fill> fills;
  const std::string body = FullAnswer();
  const core::Status status = ParseOrder(body, BtcUsdt(), &update, &fills);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectOrderMatches(body, BtcUsdt(), update, fills);
  EXPECT_EQ(fills.size(), 2u);
}

TEST(BinanceOrders, HostileOrderAnswersFailAndLeaveTheOutputsUntouched) {
  const std::string full = FullAnswer();
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string huge_string = R"({"status":"NEW","x":")" + std::string(1 << 20, 'a') + "\"}";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"whitespace", "   \n"},
      {"truncated", full.substr(0, full.size() / 2)},
      {"truncated inside a string", R"({"status":"FIL)"},
      {"an array", "[" + full + "]"},
      {"a string", R"("FILLED")"},
      {"a number", "42"},
      {"null", "null"},
      {"html", "<html><body>502</body></html>"},
      {"no status", R"({"orderId":28,"executedQty":"1"})"},
      {"status a number", R"({"status":5})"},
      {"status null", R"({"status":null})"},
      {"unknown status", R"({"status":"PENDING_SOMETHING"})"},
      {"lower-case status", R"({"status":"filled"})"},
      {"orderId a string", FullAnswer(R"("orderId":28)", R"("orderId":"28")")},
      {"orderId negative", FullAnswer(R"("orderId":28)", R"("orderId":-28)")},
      {"orderId a float", FullAnswer(R"("orderId":28)", R"("orderId":28.5)")},
      {"executedQty a number", FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":3)")},
      {"executedQty null", FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":null)")},
      {"executedQty negative",
       FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"-3")")},
      {"executedQty malformed",
       FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"3.0.0")")},
      {"executedQty exponent",
       FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"3e0")")},
      {"executedQty empty", FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"")")},
      {"executedQty overflow",
       FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"99999999999999999999")")},
      {"executedQty finer than the scale",
       FullAnswer(R"("executedQty":"3.00000000")", R"("executedQty":"3.000000001")")},
      {"cummulativeQuoteQty malformed",
       FullAnswer(R"("cummulativeQuoteQty":"11997.00000000")", R"("cummulativeQuoteQty":"abc")")},
      {"transactTime a string",
       FullAnswer(R"("transactTime":1507725176595)", R"("transactTime":"1507725176595")")},
      {"transactTime overflows nanoseconds",
       FullAnswer(R"("transactTime":1507725176595)", R"("transactTime":9223372036854775807)")},
      {"transactTime negative",
       FullAnswer(R"("transactTime":1507725176595)", R"("transactTime":-1)")},
      {"fills an object", FullAnswer(R"("fills":[)", R"("fills":{"a":[)") + "}"},
      {"a fill not an object", FullAnswer(R"("fills":[)", R"("fills":[1,)")},
      {"fill price a number", FullAnswer(R"("price":"4000.00000000")", R"("price":4000)")},
      {"fill price zero", FullAnswer(R"("price":"4000.00000000")", R"("price":"0")")},
      {"fill price negative", FullAnswer(R"("price":"4000.00000000")", R"("price":"-4000")")},
      {"fill price missing", FullAnswer(R"("price":"4000.00000000",)", "")},
      {"fill qty zero", FullAnswer(R"("qty":"2.00000000")", R"("qty":"0.00000000")")},
      {"fill qty finer than the scale",
       FullAnswer(R"("qty":"2.00000000")", R"("qty":"2.000000001")")},
      {"fill commission negative",
       FullAnswer(R"("commission":"0.00200000")", R"("commission":"-0.002")")},
      {"fill commission a number",
       FullAnswer(R"("commission":"0.00200000")", R"("commission":0.002)")},
      {"fill tradeId a string", FullAnswer(R"("tradeId":57)", R"("tradeId":"57")")},
      {"fill tradeId missing", FullAnswer(R"(,"tradeId":57)", "")},
      {"fill commissionAsset oversized",
       FullAnswer(R"("commissionAsset":"BTC","tradeId":57)",
                  R"("commissionAsset":"ABCDEFGHIJKLMNOP","tradeId":57)")},
      {"fill commissionAsset empty", FullAnswer(R"("commissionAsset":"BTC","tradeId":57)",
                                                R"("commissionAsset":"","tradeId":57)")},
      {"fill commissionAsset a number", FullAnswer(R"("commissionAsset":"BTC","tradeId":57)",
                                                   R"("commissionAsset":1,"tradeId":57)")},
      {"non-UTF-8 in a string",
       FullAnswer(R"("clientOrderId":"x")", "\"clientOrderId\":\"\xff\xfe\"")},
      {"overlong UTF-8", FullAnswer(R"("clientOrderId":"x")", "\"clientOrderId\":\"\xc0\xaf\"")},
      {"NUL byte outside strings",
       FullAnswer(R"("orderListId":-1,)", std::string("\"orderListId\":-1,\0", 18))},
      {"trailing garbage", full + "}"},
      {"nested 5000 deep", deep},
  };
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    std::vector<core::Fill> fills(1);  // a sentinel that must stay alone
    fills[0].trade_id.Assign("sentinel");
    EXPECT_FALSE(ParseOrder(body, BtcUsdt(), &update, &fills).ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_FALSE(update.has_filled);
    EXPECT_EQ(update.venue_time_ns, 0);
    EXPECT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills.front().trade_id.view(), "sentinel");
  }
  // A large but well-formed body with an unknown field is fine.
  core::OrderUpdate update = FreshUpdate();
  EXPECT_TRUE(ParseOrder(huge_string, BtcUsdt(), &update, nullptr).ok());
  EXPECT_EQ(update.status, OrderStatus::kNew);
}

TEST(BinanceOrders, WhatTheDocsAllowIsAccepted) {
  const core::Instrument btc = BtcUsdt();
  {
    // Unknown fields, of any shape, are ignored.
    core::OrderUpdate update = FreshUpdate();
    std::vector<core::Fill> fills;
    const std::string body =
        FullAnswer(R"("symbol":"BTCUSDT",)",
                   R"("symbol":"BTCUSDT","newField":{"a":[1,2,{"b":null}]},"preventedMatchId":0,)");
    ASSERT_TRUE(ParseOrder(body, btc, &update, &fills).ok());
    EXPECT_EQ(fills.size(), 2u);
    EXPECT_EQ(update.status, OrderStatus::kFilled);
  }
  {
    // rest-api.md (Query order): "For some historical orders cummulativeQuoteQty will be < 0,
    // meaning the data is not available at this time": read as absent, not as a negative amount.
    core::OrderUpdate update = FreshUpdate();
    ASSERT_TRUE(ParseOrder(FullAnswer(R"("cummulativeQuoteQty":"11997.00000000")",
                                      R"("cummulativeQuoteQty":"-1.00000000")"),
                           btc, &update, nullptr)
                    .ok());
    EXPECT_TRUE(update.filled_notional.is_zero());
    EXPECT_TRUE(update.has_filled);
  }
  {
    // Zeros past the scale keep the value exact ("0.00000000" at scale 4).
    const core::Instrument eth = EthUsdt();
    core::OrderUpdate update = FreshUpdate();
    std::vector<core::Fill> fills;
    ASSERT_TRUE(ParseOrder(FullAnswer(), eth, &update, &fills).ok());
    EXPECT_EQ(update.filled_quantity.mantissa(), 30000);
    ASSERT_EQ(fills.size(), 2u);
    EXPECT_EQ(fills[1].price.mantissa(), 399850);
    // ... but a digit beyond the instrument's scale cannot be held: refused.
    core::OrderUpdate finer = FreshUpdate();
    EXPECT_FALSE(ParseOrder(FullAnswer(R"("price":"3998.50000000")", R"("price":"3998.505")"), eth,
                            &finer, &fills)
                     .ok());
    EXPECT_EQ(fills.size(), 2u);
  }
  {
    // No fills member (a RESULT answer) or an empty one: no fills, the update still read.
    core::OrderUpdate update = FreshUpdate();
    std::vector<core::Fill> fills;
    ASSERT_TRUE(ParseOrder(R"({"status":"NEW","orderId":1,"executedQty":"0","fills":[]})", btc,
                           &update, &fills)
                    .ok());
    EXPECT_TRUE(fills.empty());
    EXPECT_TRUE(update.has_filled);
    EXPECT_TRUE(update.filled_quantity.is_zero());
  }
  {
    // An order id up to the largest uint64 stays exact (it travels as text).
    core::OrderUpdate update = FreshUpdate();
    ASSERT_TRUE(
        ParseOrder(R"({"status":"NEW","orderId":18446744073709551615})", btc, &update, nullptr)
            .ok());
    EXPECT_EQ(update.venue_order_id.view(), "18446744073709551615");
  }
}

TEST(BinanceOrders, HostileTradeListsFailAndLeaveTheOutputUntouched) {
  const std::string good =
      R"({"id":1,"price":"1","qty":"2","commission":"0","commissionAsset":"BTC","time":5,)"
      R"("isBuyer":true,"isMaker":false})";
  const auto with = [&](std::string_view from, std::string_view to) {
    std::string trade = good;
    const std::size_t at = trade.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) trade.replace(at, from.size(), to);
    // The broken trade second: the first one must not leak out either.
    return "[" + good + "," + trade + "]";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"truncated", "[" + good},
      {"an object", good},
      {"an order object", R"({"status":"NEW"})"},
      {"an entry not an object", "[" + good + ",7]"},
      {"id a string", with(R"("id":1)", R"("id":"1")")},
      {"id missing", with(R"("id":1,)", "")},
      {"price a number", with(R"("price":"1")", R"("price":1)")},
      {"price negative", with(R"("price":"1")", R"("price":"-1")")},
      {"qty malformed", with(R"("qty":"2")", R"("qty":"2,5")")},
      {"qty finer than the scale", with(R"("qty":"2")", R"("qty":"2.000000001")")},
      {"commission negative", with(R"("commission":"0")", R"("commission":"-0.1")")},
      {"commissionAsset oversized",
       with(R"("commissionAsset":"BTC")", R"("commissionAsset":"AAAAAAAAAAAAAAAAAAAA")")},
      {"isBuyer a string", with(R"("isBuyer":true)", R"("isBuyer":"true")")},
      {"isMaker a number", with(R"("isMaker":false)", R"("isMaker":0)")},
      {"time a string", with(R"("time":5)", R"("time":"5")")},
      {"time overflows nanoseconds", with(R"("time":5)", R"("time":9300000000000000)")},
      {"non-UTF-8", with(R"("commissionAsset":"BTC")", "\"commissionAsset\":\"B\xffT\"")},
  };
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::Fill> fills(1);
    fills[0].trade_id.Assign("sentinel");
    EXPECT_FALSE(ParseMyTrades(body, BtcUsdt(), &fills).ok());
    EXPECT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills.front().trade_id.view(), "sentinel");
  }
  // Without isBuyer the side is not made up.
  std::vector<core::Fill> fills;
  ASSERT_TRUE(
      ParseMyTrades(R"([{"id":1,"price":"1","qty":"2","unknown":{"x":1}}])", BtcUsdt(), &fills)
          .ok());
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].side, Side::kUnknown);
  EXPECT_TRUE(fills[0].fee.is_zero());
}

TEST(BinanceOrders, HostileAccountsFailAndLeaveTheOutputUntouched) {
  const auto account = [](std::string_view balances) {
    return R"({"canTrade":true,"balances":[{"asset":"BTC","free":"1","locked":"0"},)" +
           std::string(balances) + "]}";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"empty body", ""},
      {"truncated", account(R"({"asset":"ETH","free":"1")")},
      {"an array", R"([{"asset":"BTC","free":"1","locked":"0"}])"},
      {"no balances", R"({"canTrade":true})"},
      {"balances an object", R"({"balances":{"BTC":"1"}})"},
      {"balances null", R"({"balances":null})"},
      {"an entry not an object", account(R"("ETH")")},
      {"asset missing", account(R"({"free":"1","locked":"0"})")},
      {"asset empty", account(R"({"asset":"","free":"1","locked":"0"})")},
      {"asset a number", account(R"({"asset":5,"free":"1","locked":"0"})")},
      {"asset oversized", account(R"({"asset":"ABCDEFGHIJKLMNOP","free":"1","locked":"0"})")},
      {"free missing", account(R"({"asset":"ETH","locked":"0"})")},
      {"free a number", account(R"({"asset":"ETH","free":1,"locked":"0"})")},
      {"free negative", account(R"({"asset":"ETH","free":"-1","locked":"0"})")},
      {"locked negative", account(R"({"asset":"ETH","free":"1","locked":"-0.5"})")},
      {"free finer than 8 decimals",
       account(R"({"asset":"ETH","free":"0.000000001","locked":"0"})")},
      {"free overflow", account(R"({"asset":"ETH","free":"100000000000","locked":"0"})")},
      {"free malformed", account(R"({"asset":"ETH","free":".5","locked":"0"})")},
      {"non-UTF-8 asset", account("{\"asset\":\"E\xffH\",\"free\":\"1\",\"locked\":\"0\"}")},
  };
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::BalanceUpdate> balances(1);
    balances[0].asset.Assign("SENTINEL");
    EXPECT_FALSE(ParseAccount(body, core::Venue::kBinance, 1, &balances).ok());
    EXPECT_EQ(balances.size(), 1u);
    EXPECT_EQ(balances.front().asset.view(), "SENTINEL");
    EXPECT_EQ(balances.front().flags, 0);
  }
  // 15 bytes is the longest asset name an event holds whole.
  std::vector<core::BalanceUpdate> longest;
  ASSERT_TRUE(ParseAccount(account(R"({"asset":"ABCDEFGHIJKLMNO","free":"0","locked":"1"})"),
                           core::Venue::kBinance, 1, &longest)
                  .ok());
  ASSERT_EQ(longest.size(), 2u);
  EXPECT_EQ(longest[1].asset.view(), "ABCDEFGHIJKLMNO");
}

}  // namespace
}  // namespace tradingd::gateways::binance
