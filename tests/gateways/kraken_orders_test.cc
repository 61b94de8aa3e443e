// gateways/kraken/kraken_orders.h and kraken_gateway.h: Kraken spot order entry.
//
// The first half checks the pure functions: the expected form bodies are written here by hand from
// docs.kraken.com ("Add Order", "Cancel Order", "Query Orders Info", "Query Trades Info", "Get
// Extended Balance"); the answers are Kraken's documentation examples and the shared fixtures
// (../shared/fixtures/kraken): every expected value is read from the fixture in the test, never
// copied from what our parser printed. Hostile bodies must give an error and leave the outputs
// untouched, never crash.
//
// The second half runs RestGateway with the Kraken protocol against a loopback net::HttpServer that
// plays Kraken's private endpoints with scripted answers. The fake venue runs on its own IoThread,
// the gateway on another; the test waits for events on a condition variable, never a sleep. Every
// request's API-Sign is checked against one computed here with OpenSSL's one-shot SHA256() and
// HMAC() over the documented rule (not with the code base's Signer).

#include "gateways/kraken/kraken_orders.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "gateways/common/rest_gateway.h"
#include "gateways/kraken/kraken_gateway.h"
#include "net/http_server.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_json.h"
#include "tests/support/io_thread.h"
#include "tests/support/recording_sink.h"

namespace tradingd::gateways::kraken {
namespace {

using namespace std::chrono_literals;
using core::OrderStatus;
using core::OrderType;
using core::OrderUpdate;
using core::Side;
using core::TimeInForce;

constexpr std::string_view kClientId = "0123456789abcdef0123456789abcdef";

core::Instrument MakeInstrument(core::InstrumentId id, std::string base, std::string quote,
                                int price_scale, int quantity_scale) {
  core::Instrument instrument;
  instrument.id = id;
  instrument.venue = core::Venue::kKraken;
  instrument.base = base;
  instrument.quote = quote;
  instrument.canonical = base + "-" + quote;
  instrument.venue_symbol = base + "/" + quote;  // the WS v2 spelling, as the registry makes it
  instrument.price_scale = price_scale;
  instrument.quantity_scale = quantity_scale;
  return instrument;
}

// AssetPairs: XBT/USD has pair_decimals 1 and lot_decimals 8.
core::Instrument BtcUsd() { return MakeInstrument(3, "BTC", "USD", 1, 8); }
core::Instrument BtcUsdt() { return MakeInstrument(5, "BTC", "USDT", 1, 8); }
core::Instrument EthUsdt() { return MakeInstrument(6, "ETH", "USDT", 2, 8); }
// A coarser instrument, to see the instrument's scale used.
core::Instrument EthUsd() { return MakeInstrument(4, "ETH", "USD", 2, 4); }

core::ClientOrderId ClientId(std::string_view text = kClientId) {
  auto id = core::ClientOrderId::Parse(text);
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

// Kraken's "1688665496.7808" seconds as nanoseconds, at the microsecond (the 7th decimal rounds
// half up), from the text alone.
std::int64_t SecondsTextNs(std::string_view text) {
  const std::size_t point = text.find('.');
  const std::int64_t seconds = std::stoll(std::string(text.substr(0, point)));
  std::string fraction = point == std::string_view::npos ? "" : std::string(text.substr(point + 1));
  fraction.append(7, '0');
  std::int64_t micros = std::stoll(fraction.substr(0, 6));
  if (fraction[6] >= '5') ++micros;
  return seconds * 1'000'000'000 + micros * 1000;
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

core::OrderRef Ref(const core::Instrument& instrument, std::string_view venue_id = {},
                   std::string_view client_id = kClientId) {
  core::OrderRef ref;
  ref.instrument = instrument.id;
  ref.client_order_id = ClientId(client_id);
  // (Only when known: ShortText::Assign memcpy's from the view's data, which is null for an empty
  // std::string_view.)
  if (!venue_id.empty()) ref.venue_order_id.Assign(venue_id);
  return ref;
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

// The value of `key` in a form body ("<absent>" when it is not there).
std::string Param(std::string_view body, std::string_view key) {
  for (const auto& [name, value] : SplitParams(body)) {
    if (name == key) return value;
  }
  return "<absent>";
}

std::map<std::string, std::string> ParamMap(std::string_view body) {
  std::map<std::string, std::string> map;
  for (const auto& [name, value] : SplitParams(body)) {
    EXPECT_TRUE(map.emplace(name, value).second) << "parameter " << name << " sent twice";
  }
  return map;
}

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

TEST(KrakenFixtureSupport, JsonReaderAndTimeHelpers) {
  const Json json = ParseJsonOrFail(R"( {"a": [1, -2.50, true, null], "s": "x\"y", "o": {}} )");
  ASSERT_EQ(json.kind, Json::Kind::kObject);
  ASSERT_EQ(Member(json, "a").items.size(), 4u);
  EXPECT_EQ(Member(json, "a").items[1].text, "-2.50");
  EXPECT_EQ(Str(json, "s"), "x\"y");
  EXPECT_FALSE(JsonReader("{\"a\":1,}").Read().has_value());
  EXPECT_EQ(SecondsTextNs("1688665496.7808"), 1'688'665'496'780'800'000);
  EXPECT_EQ(SecondsTextNs("1762795433.9717445"), 1'762'795'433'971'745'000);
  EXPECT_EQ(SecondsTextNs("0"), 0);
}

// ---- names ----

TEST(KrakenNames, LegacyAssetNamesLoseTheirPrefixAndAliasesResolve) {
  const std::pair<const char*, const char*> cases[] = {
      {"XXBT", "BTC"},
      {"ZUSD", "USD"},
      {"ZEUR", "EUR"},
      {"XETH", "ETH"},
      {"XXDG", "DOGE"},
      {"XXRP", "XRP"},
      {"XLTC", "LTC"},
      {"ZJPY", "JPY"},
      {"XBT", "BTC"},
      {"XDG", "DOGE"},
      {"ETH", "ETH"},
      {"USDT", "USDT"},
      {"xxbt", "BTC"},
      {"XBT.F", "BTC.F"},
      {"ETH2.S", "ETH2.S"},
      {"USDT.B", "USDT.B"},
      {"DOT.S", "DOT.S"},
      {"USD.HOLD", "USD.HOLD"},
      // Four letters starting with X or Z that are not legacy names stay as they are.
      {"ZETA", "ZETA"},
      {"XCN", "XCN"},
      {"XTZ", "XTZ"},
      {"ZRX", "ZRX"},
  };
  for (const auto& [kraken, canonical] : cases) {
    EXPECT_EQ(CanonicalKrakenAsset(kraken), canonical) << kraken;
  }
  EXPECT_EQ(KrakenAssetName("BTC"), "XBT");
  EXPECT_EQ(KrakenAssetName("DOGE"), "XDG");
  EXPECT_EQ(KrakenAssetName("ETH"), "ETH");
  EXPECT_EQ(KrakenAssetName("usdt"), "USDT");
}

TEST(KrakenNames, RestPairIsTheAltnameOfTheV2Symbol) {
  EXPECT_EQ(RestPair(BtcUsd()), "XBTUSD");
  EXPECT_EQ(RestPair(BtcUsdt()), "XBTUSDT");
  EXPECT_EQ(RestPair(EthUsd()), "ETHUSD");
  EXPECT_EQ(RestPair(MakeInstrument(9, "DOGE", "USD", 7, 8)), "XDGUSD");
  core::Instrument configured = BtcUsd();
  configured.venue_symbol = "XXBTZUSD";  // a REST name configured as such is kept
  EXPECT_EQ(RestPair(configured), "XXBTZUSD");
}

// Every pair of the recorded AssetPairs: its base and quote (legacy names) map to the canonical
// assets of its wsname, and the REST pair made from the v2 symbol is its altname.
TEST(KrakenNamesFixtures, EveryAssetPairOfTheRecordedList) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/KRAKEN.0");
  const std::string file = ReadFile(path);
  const std::string first_line = file.substr(0, file.find('\n'));
  const std::size_t brace = first_line.find('{');
  ASSERT_NE(brace, std::string::npos);
  const Json root = ParseJsonOrFail(std::string_view(first_line).substr(brace));
  std::size_t checked = 0;
  std::set<std::string> legacy_names;
  for (const auto& [key, pair] : Member(root, "result").members) {
    const Json* wsname = pair.Find("wsname");
    if (wsname == nullptr) continue;  // the ".d" dark-pool pairs have none
    SCOPED_TRACE(key);
    const std::string ws = wsname->text;
    const std::size_t slash = ws.find('/');
    ASSERT_NE(slash, std::string::npos);
    const std::string base = core::CanonicalAsset(ws.substr(0, slash));
    const std::string quote = core::CanonicalAsset(ws.substr(slash + 1));
    EXPECT_EQ(CanonicalKrakenAsset(Str(pair, "base")), base);
    EXPECT_EQ(CanonicalKrakenAsset(Str(pair, "quote")), quote);
    core::Instrument instrument = MakeInstrument(1, base, quote, 8, 8);
    EXPECT_EQ(RestPair(instrument), Str(pair, "altname"));
    if (Str(pair, "base") != ws.substr(0, slash)) legacy_names.insert(Str(pair, "base"));
    ++checked;
  }
  EXPECT_GT(checked, 250u);
  EXPECT_GE(legacy_names.size(), 10u);  // XXBT, XETH, XXDG, ...: the mapping was exercised
  EXPECT_EQ(legacy_names.count("XXBT"), 1u);
}

TEST(KrakenNamesFixtures, NautilusAssetPair) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_asset_pairs.json");
  const Json root = ParseJsonOrFail(ReadFile(path));
  const Json& pairs = Member(root, "result");
  ASSERT_FALSE(pairs.members.empty());
  for (const auto& [key, pair] : pairs.members) {
    const std::string ws = Str(pair, "wsname");
    const std::size_t slash = ws.find('/');
    const core::Instrument instrument = MakeInstrument(
        1, CanonicalKrakenAsset(Str(pair, "base")), CanonicalKrakenAsset(Str(pair, "quote")), 1, 8);
    EXPECT_EQ(instrument.venue_symbol, core::CanonicalAsset(ws.substr(0, slash)) + "/" +
                                           core::CanonicalAsset(ws.substr(slash + 1)));
    EXPECT_EQ(RestPair(instrument), Str(pair, "altname"));
  }
}

// ---- request bodies: one exact string per order type ----

TEST(KrakenParams, MarketHasVolumeAndNoPriceNorTimeInForce) {
  const core::Instrument btc = BtcUsd();
  EXPECT_EQ(AddOrderParams(Spec(btc, OrderType::kMarket, Side::kBuy, "0.00150000"), btc),
            "ordertype=market&type=buy&volume=0.0015&pair=XBTUSD&oflags=fciq"
            "&cl_ord_id=0123456789abcdef0123456789abcdef");
  // A time in force on a market order (IOC here) is not sent: a market order never rests.
  EXPECT_EQ(AddOrderParams(
                Spec(btc, OrderType::kMarket, Side::kSell, "2", {}, {}, TimeInForce::kIoc), btc),
            "ordertype=market&type=sell&volume=2&pair=XBTUSD&oflags=fciq"
            "&cl_ord_id=0123456789abcdef0123456789abcdef");
}

TEST(KrakenParams, LimitCarriesPriceAndItsTimeInForce) {
  const core::Instrument btc = BtcUsd();
  // FOK is written as asked: Kraken spot takes GTC, IOC and GTD and refuses anything else, so an
  // FOK order is refused by the venue rather than sent as something it is not.
  const std::pair<TimeInForce, const char*> cases[] = {
      {TimeInForce::kGtc, "GTC"}, {TimeInForce::kIoc, "IOC"}, {TimeInForce::kFok, "FOK"}};
  for (const auto& [tif, name] : cases) {
    EXPECT_EQ(
        AddOrderParams(Spec(btc, OrderType::kLimit, Side::kSell, "1.5", "65000.1", {}, tif), btc),
        std::string("ordertype=limit&type=sell&volume=1.5&pair=XBTUSD&price=65000.1"
                    "&timeinforce=") +
            name + "&oflags=fciq&cl_ord_id=0123456789abcdef0123456789abcdef");
  }
}

TEST(KrakenParams, PostOnlyIsTheOflagPost) {
  const core::Instrument btc = BtcUsd();
  const std::string params = AddOrderParams(
      Spec(btc, OrderType::kLimit, Side::kBuy, "0.01", "64999.9", {}, TimeInForce::kGtc, true),
      btc);
  EXPECT_EQ(params,
            "ordertype=limit&type=buy&volume=0.01&pair=XBTUSD&price=64999.9&timeinforce=GTC"
            "&oflags=post%2Cfciq&cl_ord_id=0123456789abcdef0123456789abcdef");
}

TEST(KrakenParams, StopLossAndTakeProfitCarryTheTriggerAsPrice) {
  const core::Instrument btc = BtcUsd();
  EXPECT_EQ(AddOrderParams(Spec(btc, OrderType::kStopLoss, Side::kSell, "0.5", {}, "60000"), btc),
            "ordertype=stop-loss&type=sell&volume=0.5&pair=XBTUSD&price=60000&trigger=last"
            "&oflags=fciq&cl_ord_id=0123456789abcdef0123456789abcdef");
  EXPECT_EQ(
      AddOrderParams(Spec(btc, OrderType::kTakeProfit, Side::kSell, "0.25", {}, "70000.5"), btc),
      "ordertype=take-profit&type=sell&volume=0.25&pair=XBTUSD&price=70000.5&trigger=last"
      "&oflags=fciq&cl_ord_id=0123456789abcdef0123456789abcdef");
}

TEST(KrakenParams, StopLimitTypesCarryTriggerAsPriceAndLimitAsPrice2) {
  const core::Instrument btc = BtcUsd();
  EXPECT_EQ(AddOrderParams(Spec(btc, OrderType::kStopLossLimit, Side::kSell, "0.5", "59900.5",
                                "60000", TimeInForce::kGtc),
                           btc),
            "ordertype=stop-loss-limit&type=sell&volume=0.5&pair=XBTUSD&price=60000"
            "&price2=59900.5&trigger=last&timeinforce=GTC&oflags=fciq"
            "&cl_ord_id=0123456789abcdef0123456789abcdef");
  EXPECT_EQ(AddOrderParams(Spec(btc, OrderType::kTakeProfitLimit, Side::kBuy, "3", "50000", "50100",
                                TimeInForce::kIoc),
                           btc),
            "ordertype=take-profit-limit&type=buy&volume=3&pair=XBTUSD&price=50100"
            "&price2=50000&trigger=last&timeinforce=IOC&oflags=fciq"
            "&cl_ord_id=0123456789abcdef0123456789abcdef");
}

TEST(KrakenParams, EveryTypeSendsExactlyTheDocumentedParameters) {
  struct Case {
    OrderType type;
    const char* ordertype;
    std::set<std::string> type_params;
  };
  const Case cases[] = {
      {OrderType::kMarket, "market", {}},
      {OrderType::kLimit, "limit", {"price", "timeinforce"}},
      {OrderType::kStopLoss, "stop-loss", {"price", "trigger"}},
      {OrderType::kStopLossLimit, "stop-loss-limit", {"price", "price2", "trigger", "timeinforce"}},
      {OrderType::kTakeProfit, "take-profit", {"price", "trigger"}},
      {OrderType::kTakeProfitLimit,
       "take-profit-limit",
       {"price", "price2", "trigger", "timeinforce"}},
  };
  const core::Instrument btc = BtcUsd();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ordertype);
    const auto params =
        ParamMap(AddOrderParams(Spec(btc, c.type, Side::kBuy, "1", "100", "101"), btc));
    std::set<std::string> keys;
    for (const auto& [key, value] : params) keys.insert(key);
    std::set<std::string> expected = c.type_params;
    expected.insert({"ordertype", "type", "volume", "pair", "oflags", "cl_ord_id"});
    EXPECT_EQ(keys, expected);
    EXPECT_EQ(params.at("ordertype"), c.ordertype);
    EXPECT_EQ(params.at("cl_ord_id"), kClientId);
    if (core::HasStopPrice(c.type)) {
      EXPECT_EQ(params.at("price"), "101");  // the trigger
      EXPECT_EQ(params.at("trigger"), "last");
    }
    if (c.type_params.count("price2") == 1) {
      EXPECT_EQ(params.at("price2"), "100");
    }
    // The nonce is the gateway's, put first when it signs.
    EXPECT_EQ(params.count("nonce"), 0u);
  }
}

TEST(KrakenParams, TheDocsExampleOrderIsWhatWeSendForIt) {
  // Kraken's "Spot REST Authentication" example body:
  // nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25
  const auto docs = ParamMap("ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25");
  const core::Instrument btc = BtcUsd();
  const auto ours =
      ParamMap(AddOrderParams(Spec(btc, OrderType::kLimit, Side::kBuy, "1.25", "37500"), btc));
  for (const auto& [key, value] : docs) {
    ASSERT_EQ(ours.count(key), 1u) << key;
    EXPECT_EQ(ours.at(key), value) << key;
  }
  EXPECT_EQ(ours.size(), docs.size() + 3);  // and timeinforce, oflags, cl_ord_id
}

TEST(KrakenParams, DecimalsAreWrittenAtTheInstrumentScaleWithoutTrailingZeros) {
  const core::Instrument eth = EthUsd();  // price 2 decimals, quantity 4
  core::OrderSpec spec = Spec(eth, OrderType::kLimit, Side::kBuy, "1", "1");
  const std::pair<std::int64_t, const char*> prices[] = {
      {6500000, "65000"}, {6500010, "65000.1"}, {6500001, "65000.01"}, {1, "0.01"}};
  const std::pair<std::int64_t, const char*> quantities[] = {
      {10000, "1"}, {12345, "1.2345"}, {12000, "1.2"}, {1, "0.0001"}, {1230000, "123"}};
  for (const auto& [mantissa, text] : prices) {
    spec.price = core::Price::FromMantissa(mantissa);
    EXPECT_EQ(Param(AddOrderParams(spec, eth), "price"), text);
  }
  for (const auto& [mantissa, text] : quantities) {
    spec.quantity = core::Quantity::FromMantissa(mantissa);
    EXPECT_EQ(Param(AddOrderParams(spec, eth), "volume"), text);
  }
  const core::Instrument btc = BtcUsd();
  core::OrderSpec sat = Spec(btc, OrderType::kMarket, Side::kBuy, "1");
  sat.quantity = core::Quantity::FromMantissa(1);
  EXPECT_EQ(Param(AddOrderParams(sat, btc), "volume"), "0.00000001");
}

TEST(KrakenParams, CancelQueryAndTradesBodies) {
  const core::Instrument btc = BtcUsd();
  EXPECT_EQ(CancelOrderParams(Ref(btc)), "cl_ord_id=0123456789abcdef0123456789abcdef");
  EXPECT_EQ(CancelOrderParams(Ref(btc, "OUF4EM-FRGI2-MQMWZD")), "txid=OUF4EM-FRGI2-MQMWZD");
  EXPECT_EQ(QueryOrdersParams(Ref(btc, "OUF4EM-FRGI2-MQMWZD")),
            "txid=OUF4EM-FRGI2-MQMWZD&trades=true");
  EXPECT_EQ(OrdersByClientIdParams(Ref(btc)),
            "cl_ord_id=0123456789abcdef0123456789abcdef&trades=true");
  EXPECT_EQ(QueryTradesParams({"THVRQM-33VKH-UCI7BS"}), "txid=THVRQM-33VKH-UCI7BS");
  EXPECT_EQ(QueryTradesParams({"THVRQM-33VKH-UCI7BS", "TTEUX3-HDAAA-RC2RUO"}),
            "txid=THVRQM-33VKH-UCI7BS%2CTTEUX3-HDAAA-RC2RUO");
  // At most 20 per call.
  std::vector<std::string> many;
  for (int i = 0; i < 25; ++i) many.push_back("T" + std::to_string(i));
  const std::string body = QueryTradesParams(many);
  EXPECT_EQ(std::count(body.begin(), body.end(), '%'), 19);
  EXPECT_NE(body.find("%2CT19"), std::string::npos);
  EXPECT_EQ(body.find("T20"), std::string::npos);
  // A venue id is form-encoded, whatever it holds.
  EXPECT_EQ(CancelOrderParams(Ref(btc, "a&b=c")), "txid=a%26b%3Dc");
}

// ---- errors ----

TEST(KrakenErrors, EveryDocumentedErrorHasItsClass) {
  const std::pair<const char*, ErrorClass> cases[] = {
      {"EAPI:Invalid key", ErrorClass::kKeyRefused},
      {"EAPI:Invalid signature", ErrorClass::kKeyRefused},
      {"EGeneral:Permission denied", ErrorClass::kKeyRefused},
      {"EAPI:Rate limit exceeded", ErrorClass::kApiRateLimit},
      {"EOrder:Rate limit exceeded", ErrorClass::kOrderRateLimit},
      {"EGeneral:Temporary lockout", ErrorClass::kLockout},
      {"EService:Unavailable", ErrorClass::kExecutionUnknown},
      {"EService:Busy", ErrorClass::kExecutionUnknown},
      {"EService:Deadline elapsed", ErrorClass::kExecutionUnknown},
      {"EGeneral:Internal error", ErrorClass::kExecutionUnknown},
      {"EGeneral:Internal error:timeout", ErrorClass::kExecutionUnknown},
      {"EOrder:Unknown order", ErrorClass::kUnknownOrder},
      {"EOrder:Invalid order", ErrorClass::kUnknownOrder},
      // Definitive refusals.
      {"EAPI:Invalid nonce", ErrorClass::kRejected},
      {"EOrder:Insufficient funds", ErrorClass::kRejected},
      {"EOrder:Order minimum not met", ErrorClass::kRejected},
      {"EOrder:Post only order", ErrorClass::kRejected},
      {"EGeneral:Invalid arguments", ErrorClass::kRejected},
      {"EGeneral:Invalid arguments:volume", ErrorClass::kRejected},
      {"EQuery:Unknown asset pair", ErrorClass::kRejected},
      {"EService:Market in cancel_only mode", ErrorClass::kRejected},
      {"EService:Market in post_only mode", ErrorClass::kRejected},
      {"EAPI:Feature disabled", ErrorClass::kRejected},
      // A prefix of another message is not that message.
      {"EService:Unavailable soon", ErrorClass::kRejected},
      {"EAPI:Invalid keys", ErrorClass::kRejected},
      {"", ErrorClass::kRejected},
  };
  for (const auto& [error, kind] : cases) {
    EXPECT_EQ(ClassifyError(error), kind) << error;
  }
  EXPECT_EQ(ErrorCategory("EOrder:Insufficient funds"), "EOrder");
  EXPECT_EQ(ErrorCategory("EGeneral:Invalid arguments:volume"), "EGeneral");
  EXPECT_EQ(ErrorCategory("no colon"), "no colon");
  EXPECT_EQ(ErrorCategory(std::string(40, 'E')).size(), 23u);
}

TEST(KrakenErrors, EnvelopeKeepsErrorsAndDropsWarnings) {
  Envelope envelope;
  ASSERT_TRUE(ParseEnvelope(R"({"error":["EOrder:Insufficient funds"]})", &envelope).ok());
  ASSERT_EQ(envelope.errors.size(), 1u);
  EXPECT_EQ(envelope.errors[0], "EOrder:Insufficient funds");
  EXPECT_FALSE(envelope.has_result);

  ASSERT_TRUE(
      ParseEnvelope(R"({"error":["WGeneral:Something"],"result":{"count":1}})", &envelope).ok());
  EXPECT_TRUE(envelope.errors.empty());
  EXPECT_TRUE(envelope.has_result);

  ASSERT_TRUE(ParseEnvelope(R"({"result":{}})", &envelope).ok());  // no error member: none
  EXPECT_TRUE(envelope.errors.empty());

  for (const std::string_view body :
       {std::string_view(""), std::string_view("[]"), std::string_view("null"),
        std::string_view(R"({"error":"EOrder:Insufficient funds"})"),
        std::string_view(R"({"error":[1]})"), std::string_view(R"({"error":[null]})"),
        std::string_view("<html>502 Bad Gateway</html>"), std::string_view(R"({"error":[)"),
        std::string_view("{\"error\":[\"\xff\"]}")}) {
    SCOPED_TRACE(body);
    Envelope untouched;
    untouched.errors = {"sentinel"};
    EXPECT_FALSE(ParseEnvelope(body, &untouched).ok());
    ASSERT_EQ(untouched.errors.size(), 1u);
    EXPECT_EQ(untouched.errors[0], "sentinel");
  }
}

// ---- fixtures: Kraken's own answers ----

TEST(KrakenOrdersFixtures, AddOrderAnswer) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_add_order_spot.json");
  const std::string body = ReadFile(path);
  const Json root = ParseJsonOrFail(body);
  const Json& ids = Member(Member(root, "result"), "txid");
  ASSERT_EQ(ids.items.size(), 1u);
  std::string txid;
  const core::Status status = ParseAddOrder(body, &txid);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(txid, ids.items[0].text);
}

TEST(KrakenOrdersFixtures, CancelOrderAnswer) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_cancel_order_spot.json");
  const std::string body = ReadFile(path);
  const Json root = ParseJsonOrFail(body);
  CancelResult result;
  const core::Status status = ParseCancelOrder(body, &result);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(result.count, Int(Member(root, "result"), "count"));
  EXPECT_FALSE(result.pending);  // not in the answer
  CancelResult pending;
  ASSERT_TRUE(
      ParseCancelOrder(R"({"error":[],"result":{"count":1,"pending":true}})", &pending).ok());
  EXPECT_EQ(pending.count, 1);
  EXPECT_TRUE(pending.pending);
}

// The status mapping of kraken_orders.h, written from Kraken's order "status" values.
// A closed order with less executed than its volume (vol, when given) ended with a remainder that
// never traded: EXPIRED.
OrderStatus ExpectedStatus(std::string_view kraken, std::int64_t vol_exec,
                           std::optional<std::int64_t> vol = std::nullopt) {
  if (kraken == "pending" || kraken == "open") {
    return vol_exec > 0 ? OrderStatus::kPartiallyFilled : OrderStatus::kNew;
  }
  if (kraken == "closed") {
    return vol && vol_exec < *vol ? OrderStatus::kExpired : OrderStatus::kFilled;
  }
  if (kraken == "canceled") return OrderStatus::kCanceled;
  if (kraken == "expired") return OrderStatus::kExpired;
  ADD_FAILURE() << "undocumented status " << kraken;
  return OrderStatus::kUnknown;
}

// Checks an order ParseOrders found against the same entry read independently here.
void ExpectOrderMatches(const std::string& txid, const Json& entry,
                        const core::Instrument& instrument, const core::OrderUpdate& update,
                        const OrderLookup& lookup) {
  SCOPED_TRACE(txid);
  EXPECT_TRUE(lookup.found);
  EXPECT_EQ(update.venue, core::Venue::kKraken);
  EXPECT_EQ(update.instrument, instrument.id);
  EXPECT_EQ(update.client_order_id.view(), kClientId);  // ours, kept
  const std::int64_t vol_exec = Mantissa(Str(entry, "vol_exec"), instrument.quantity_scale);
  EXPECT_EQ(update.status, ExpectedStatus(Str(entry, "status"), vol_exec,
                                          Mantissa(Str(entry, "vol"), instrument.quantity_scale)));
  EXPECT_EQ(update.venue_order_id.view(), txid);
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(), vol_exec);
  EXPECT_EQ(update.filled_notional.mantissa(), Mantissa(Str(entry, "cost"), core::kAmountScale));
  const Json* closetm = entry.Find("closetm");
  const bool closed = closetm != nullptr && SecondsTextNs(closetm->text) > 0;
  EXPECT_EQ(update.venue_time_ns,
            SecondsTextNs(closed ? closetm->text : Member(entry, "opentm").text));
  std::vector<std::string> trades;
  if (const Json* list = entry.Find("trades")) {
    for (const Json& id : list->items) trades.push_back(id.text);
  }
  EXPECT_EQ(lookup.trade_ids, trades);
  EXPECT_FALSE(update.not_found);
}

core::OrderUpdate FreshUpdate() {
  core::OrderUpdate update;
  update.client_order_id = ClientId();
  return update;
}

const core::Instrument& InstrumentFor(std::string_view pair) {
  static const core::Instrument btc = BtcUsdt();
  static const core::Instrument eth = EthUsdt();
  static const core::Instrument btc_usd = BtcUsd();
  if (pair == "XBTUSDT") return btc;
  if (pair == "ETHUSDT") return eth;
  EXPECT_EQ(pair, "XBTUSD");
  return btc_usd;
}

void CheckOrderListFixture(const std::string& body, const char* member, OrderList list) {
  const Json root = ParseJsonOrFail(body);
  const Json& orders = Member(Member(root, "result"), member);
  ASSERT_GE(orders.members.size(), 2u);
  for (const auto& [txid, entry] : orders.members) {
    const core::Instrument& instrument = InstrumentFor(Str(Member(entry, "descr"), "pair"));
    core::OrderUpdate update = FreshUpdate();
    OrderLookup lookup;
    const core::Status status =
        ParseOrders(body, list, Ref(instrument, txid), instrument, &update, &lookup);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ExpectOrderMatches(txid, entry, instrument, update, lookup);
  }
  // By our id alone: the entries carry no cl_ord_id and there are two of them, so the answer
  // cannot say which is ours.
  core::OrderUpdate update = FreshUpdate();
  update.status = OrderStatus::kPendingNew;
  OrderLookup lookup;
  EXPECT_FALSE(ParseOrders(body, list, Ref(BtcUsdt()), BtcUsdt(), &update, &lookup).ok());
  EXPECT_EQ(update.status, OrderStatus::kPendingNew);
  EXPECT_FALSE(lookup.found);
  // Another list's name is not this answer.
  const OrderList other = list == OrderList::kOpen ? OrderList::kClosed : OrderList::kOpen;
  EXPECT_FALSE(
      ParseOrders(body, other, Ref(BtcUsdt(), "O26VBY-ISGAE-JP5TLU"), BtcUsdt(), &update, &lookup)
          .ok());
}

TEST(KrakenOrdersFixtures, OpenOrders) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_open_orders.json");
  CheckOrderListFixture(ReadFile(path), "open", OrderList::kOpen);
}

TEST(KrakenOrdersFixtures, ClosedOrders) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_closed_orders.json");
  const std::string body = ReadFile(path);
  CheckOrderListFixture(body, "closed", OrderList::kClosed);
  // A txid the list does not hold: not found, and the update untouched.
  core::OrderUpdate update = FreshUpdate();
  update.status = OrderStatus::kPendingNew;
  OrderLookup lookup;
  lookup.found = true;
  ASSERT_TRUE(ParseOrders(body, OrderList::kClosed, Ref(BtcUsdt(), "ONOTHE-RE0RD-ER0000"),
                          BtcUsdt(), &update, &lookup)
                  .ok());
  EXPECT_FALSE(lookup.found);
  EXPECT_EQ(update.status, OrderStatus::kPendingNew);
  EXPECT_TRUE(update.venue_order_id.empty());
}

// docs.kraken.com, "Query Orders Info", response example (its first order, verbatim).
constexpr std::string_view kDocsQueryOrders = R"({
  "error": [],
  "result": {
    "OBCMZD-JIEE7-77TH3F": {
      "refid": "None",
      "userref": 0,
      "status": "closed",
      "reason": null,
      "opentm": 1688665496.7808,
      "closetm": 1688665499.1922,
      "starttm": 0,
      "expiretm": 0,
      "descr": {
        "pair": "XBTUSD",
        "type": "buy",
        "ordertype": "stop-loss-limit",
        "price": "27500.0",
        "price2": "0",
        "leverage": "none",
        "order": "buy 1.25000000 XBTUSD @ limit 27500.0",
        "close": ""
      },
      "vol": "1.25000000",
      "vol_exec": "1.25000000",
      "cost": "27526.2",
      "fee": "26.2",
      "price": "27500.0",
      "stopprice": "0.00000",
      "limitprice": "0.00000",
      "misc": "",
      "oflags": "fciq",
      "trigger": "index",
      "trades": [
        "TZX2WP-XSEOP-FP7WYR"
      ]
    }
  }
})";

TEST(KrakenOrders, DocsQueryOrdersExample) {
  const Json root = ParseJsonOrFail(kDocsQueryOrders);
  const auto& [txid, entry] = Member(root, "result").members.at(0);
  const core::Instrument btc = BtcUsd();
  core::OrderUpdate update = FreshUpdate();
  OrderLookup lookup;
  const core::Status status =
      ParseOrders(kDocsQueryOrders, OrderList::kByTxid, Ref(btc, txid), btc, &update, &lookup);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectOrderMatches(txid, entry, btc, update, lookup);
  EXPECT_EQ(update.status, OrderStatus::kFilled);
  EXPECT_EQ(lookup.trade_ids.size(), 1u);
  EXPECT_TRUE(update.message.empty());  // a reason is kept for a canceled or expired order only
}

TEST(KrakenOrders, EveryDocumentedStatusMaps) {
  const core::Instrument btc = BtcUsd();
  // (vol empty: not in the answer.)
  const std::tuple<const char*, const char*, const char*, OrderStatus> cases[] = {
      {"pending", "0", "1", OrderStatus::kNew},
      {"open", "0.00000000", "1", OrderStatus::kNew},
      {"open", "0.1", "1", OrderStatus::kPartiallyFilled},
      {"closed", "1", "", OrderStatus::kFilled},
      {"closed", "1", "1.00000000", OrderStatus::kFilled},
      {"closed", "0.4", "1", OrderStatus::kExpired},
      {"canceled", "0", "1", OrderStatus::kCanceled},
      {"canceled", "0.5", "1", OrderStatus::kCanceled},
      {"expired", "0", "1", OrderStatus::kExpired},
  };
  for (const auto& [kraken, vol_exec, vol, expected] : cases) {
    SCOPED_TRACE(std::string(kraken) + " " + vol_exec + " of " + vol);
    core::OrderUpdate update = FreshUpdate();
    OrderLookup lookup;
    std::string body = std::string(R"({"error":[],"result":{"OABCDE-FGHIJ-KLMNOP":{"status":")") +
                       kraken + R"(","vol_exec":")" + vol_exec + "\"";
    if (*vol != '\0') body += R"(,"vol":")" + std::string(vol) + "\"";
    body += R"(,"reason":"User requested"}}})";
    ASSERT_TRUE(ParseOrders(body, OrderList::kByTxid, Ref(btc, "OABCDE-FGHIJ-KLMNOP"), btc, &update,
                            &lookup)
                    .ok());
    ASSERT_TRUE(lookup.found);
    EXPECT_EQ(update.status, expected);
    EXPECT_EQ(update.status,
              ExpectedStatus(kraken, Mantissa(vol_exec, 8),
                             *vol == '\0' ? std::nullopt : std::optional(Mantissa(vol, 8))));
    const bool ended = expected == OrderStatus::kCanceled || expected == OrderStatus::kExpired;
    EXPECT_EQ(update.message.view(), ended ? "User requested" : "");
    EXPECT_TRUE(update.filled_notional.is_zero());  // no cost: not said
  }
}

TEST(KrakenOrders, ByClientIdTheEchoedIdDecides) {
  const core::Instrument btc = BtcUsd();
  const auto order = [](std::string_view txid, std::string_view cl_ord_id) {
    std::string entry = "\"" + std::string(txid) + R"(":{"status":"open","vol_exec":"0")";
    if (!cl_ord_id.empty()) entry += R"(,"cl_ord_id":")" + std::string(cl_ord_id) + "\"";
    return entry + "}";
  };
  const auto open = [](const std::string& entries) {
    return R"({"error":[],"result":{"open":{)" + entries + "}}}";
  };
  const auto lookup_of = [&](const std::string& body, std::string* txid) {
    core::OrderUpdate update = FreshUpdate();
    OrderLookup lookup;
    const core::Status status =
        ParseOrders(body, OrderList::kOpen, Ref(btc), btc, &update, &lookup);
    *txid = std::string(update.venue_order_id.view());
    return status.ok() ? (lookup.found ? 1 : 0) : -1;
  };
  std::string txid;
  // Ours among others: found by the echo, in short or long UUID form.
  EXPECT_EQ(lookup_of(open(order("OAAAAA-AAAAA-AAAAAA", "ffffffffffffffffffffffffffffffff") + "," +
                           order("OBBBBB-BBBBB-BBBBBB", kClientId)),
                      &txid),
            1);
  EXPECT_EQ(txid, "OBBBBB-BBBBB-BBBBBB");
  EXPECT_EQ(
      lookup_of(open(order("OCCCCC-CCCCC-CCCCCC", "01234567-89AB-CDEF-0123-456789ABCDEF")), &txid),
      1);
  EXPECT_EQ(txid, "OCCCCC-CCCCC-CCCCCC");
  // Only another's: not found. One without an echo: the filter chose it. Two without: unclear.
  EXPECT_EQ(
      lookup_of(open(order("OAAAAA-AAAAA-AAAAAA", "ffffffffffffffffffffffffffffffff")), &txid), 0);
  EXPECT_EQ(lookup_of(open(order("ODDDDD-DDDDD-DDDDDD", "")), &txid), 1);
  EXPECT_EQ(txid, "ODDDDD-DDDDD-DDDDDD");
  EXPECT_EQ(
      lookup_of(open(order("ODDDDD-DDDDD-DDDDDD", "") + "," + order("OEEEEE-EEEEE-EEEEEE", "")),
                &txid),
      -1);
  EXPECT_EQ(lookup_of(open(order("OBBBBB-BBBBB-BBBBBB", kClientId) + "," +
                           order("OEEEEE-EEEEE-EEEEEE", kClientId)),
                      &txid),
            -1);
  EXPECT_EQ(lookup_of(open(""), &txid), 0);
  // By Kraken's id, an echo of another id is an answer about another order.
  core::OrderUpdate update = FreshUpdate();
  OrderLookup lookup;
  EXPECT_FALSE(ParseOrders(open(order("OAAAAA-AAAAA-AAAAAA", "ffffffffffffffffffffffffffffffff")),
                           OrderList::kOpen, Ref(btc, "OAAAAA-AAAAA-AAAAAA"), btc, &update, &lookup)
                   .ok());
}

// docs.kraken.com, "Query Trades Info", response example (verbatim).
constexpr std::string_view kDocsQueryTrades = R"({
  "error": [],
  "result": {
    "THVRQM-33VKH-UCI7BS": {
      "ordertxid": "OQCLML-BW3P3-BUCMWZ",
      "postxid": "TKH2SE-M7IF5-CFI7LT",
      "pair": "XXBTZUSD",
      "time": 1688667796.8802,
      "type": "buy",
      "ordertype": "limit",
      "price": "30010.00000",
      "cost": "600.20000",
      "fee": "0.00000",
      "vol": "0.02000000",
      "margin": "0.00000",
      "misc": "",
      "trade_id": 93748276,
      "maker": true
    },
    "TTEUX3-HDAAA-RC2RUO": {
      "ordertxid": "OH76VO-UKWAD-PSBDX6",
      "postxid": "TKH2SE-M7IF5-CFI7LT",
      "pair": "XXBTZEUR",
      "time": 1688082549.3138,
      "type": "buy",
      "ordertype": "limit",
      "price": "27732.00000",
      "cost": "0.20020",
      "fee": "0.00000",
      "vol": "0.00020000",
      "margin": "0.00000",
      "misc": "",
      "trade_id": 74625834,
      "maker": true
    }
  }
})";

TEST(KrakenOrders, DocsQueryTradesExample) {
  const core::Instrument btc = BtcUsd();
  std::vector<core::Fill> fills;
  const core::Status status = ParseTrades(kDocsQueryTrades, btc, {}, &fills);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json root = ParseJsonOrFail(kDocsQueryTrades);
  const auto& trades = Member(root, "result").members;
  ASSERT_EQ(fills.size(), trades.size());
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const auto& [id, trade] = trades[i];
    SCOPED_TRACE(id);
    const core::Fill& fill = fills[i];
    EXPECT_EQ(fill.venue, core::Venue::kKraken);
    EXPECT_EQ(fill.instrument, btc.id);
    EXPECT_TRUE(fill.client_order_id.empty());  // the caller knows which order it asked for
    EXPECT_EQ(fill.trade_id.view(), id);        // the trade's txid: unique across the venue
    EXPECT_EQ(fill.side, Str(trade, "type") == "buy" ? Side::kBuy : Side::kSell);
    EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(trade, "price"), btc.price_scale));
    EXPECT_EQ(fill.quantity.mantissa(), Mantissa(Str(trade, "vol"), btc.quantity_scale));
    EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(trade, "fee"), core::kAmountScale));
    EXPECT_EQ(fill.fee_asset.view(), btc.quote);  // "fee: total fee (quote currency)"
    EXPECT_EQ(fill.maker, Bool(trade, "maker"));
    EXPECT_EQ(fill.venue_time_ns, SecondsTextNs(Member(trade, "time").text));
  }
  // The two trades belong to two orders: asked for one order's, the answer is refused whole.
  std::vector<core::Fill> one(1);
  one[0].trade_id.Assign("sentinel");
  EXPECT_FALSE(ParseTrades(kDocsQueryTrades, btc, "OQCLML-BW3P3-BUCMWZ", &one).ok());
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].trade_id.view(), "sentinel");
  // A seller, taker, with a fee, appended after what the vector held.
  ASSERT_TRUE(ParseTrades(R"({"error":[],"result":{"TAAAAA-BBBBB-CCCCCC":{)"
                          R"("ordertxid":"OQCLML-BW3P3-BUCMWZ","time":1700000000.5,"type":"sell",)"
                          R"("price":"65000.1","vol":"0.5","fee":"52.0000800001","maker":false}}})",
                          btc, "OQCLML-BW3P3-BUCMWZ", &one)
                  .ok());
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[1].side, Side::kSell);
  EXPECT_FALSE(one[1].maker);
  EXPECT_EQ(one[1].fee.mantissa(), 5'200'008'000);  // truncated to 8 decimals
  EXPECT_EQ(one[1].venue_time_ns, 1'700'000'000'500'000'000);
}

void ExpectBalancesMatch(const Json& result, const std::vector<core::BalanceUpdate>& balances,
                         core::TimestampNs now) {
  ASSERT_EQ(balances.size(), result.members.size());
  for (std::size_t i = 0; i < balances.size(); ++i) {
    const auto& [asset, value] = result.members[i];
    SCOPED_TRACE(asset);
    const core::BalanceUpdate& balance = balances[i];
    EXPECT_EQ(balance.venue, core::Venue::kKraken);
    EXPECT_EQ(balance.asset.view(), CanonicalKrakenAsset(asset));
    EXPECT_EQ(balance.time_ns, now);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kFirst), i == 0);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kLast), i + 1 == balances.size());
    if (value.kind == Json::Kind::kString) {
      EXPECT_EQ(balance.free.mantissa(), Mantissa(value.text, core::kAmountScale));
      EXPECT_TRUE(balance.locked.is_zero());
    } else {
      const std::int64_t total = Mantissa(Str(value, "balance"), core::kAmountScale);
      const std::int64_t hold = Mantissa(Str(value, "hold_trade"), core::kAmountScale);
      const std::int64_t credit =
          value.Find("credit") ? Mantissa(Str(value, "credit"), core::kAmountScale) : 0;
      const std::int64_t used =
          value.Find("credit_used") ? Mantissa(Str(value, "credit_used"), core::kAmountScale) : 0;
      EXPECT_EQ(balance.free.mantissa(), total + credit - used - hold);
      EXPECT_EQ(balance.locked.mantissa(), hold);
    }
  }
}

TEST(KrakenOrdersFixtures, BalanceAnswer) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_spot_balance.json");
  const std::string body = ReadFile(path);
  constexpr core::TimestampNs kNow = 1'700'000'000'000'000'000;
  std::vector<core::BalanceUpdate> balances;
  const core::Status status = ParseBalances(body, core::Venue::kKraken, kNow, &balances);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectBalancesMatch(Member(ParseJsonOrFail(body), "result"), balances, kNow);
  std::set<std::string> assets;
  for (const auto& balance : balances) assets.insert(std::string(balance.asset.view()));
  EXPECT_EQ(assets, (std::set<std::string>{"USD", "BTC", "ETH"}));
}

// The shape of docs.kraken.com "Get Extended Balance" (values written as the API sends them, as
// strings, with Kraken's 10 decimals for some assets).
constexpr std::string_view kBalanceEx = R"({
  "error": [],
  "result": {
    "ZUSD": {"balance": "25435.21", "hold_trade": "8249.76"},
    "XXBT": {"balance": "1.2435", "hold_trade": "0.8423"},
    "XBT.F": {"balance": "0.0012000000", "hold_trade": "0.0000000000"},
    "USDT": {"balance": "100.5", "hold_trade": "20", "credit": "50", "credit_used": "10.25"}
  }
})";

TEST(KrakenOrders, ExtendedBalance) {
  std::vector<core::BalanceUpdate> balances;
  const core::Status status = ParseBalances(kBalanceEx, core::Venue::kKraken, 7, &balances);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ExpectBalancesMatch(Member(ParseJsonOrFail(kBalanceEx), "result"), balances, 7);
  ASSERT_EQ(balances.size(), 4u);
  EXPECT_EQ(balances[1].asset.view(), "BTC");
  EXPECT_EQ(balances[2].asset.view(), "BTC.F");            // Kraken Rewards: not the spendable BTC
  EXPECT_EQ(balances[3].free.mantissa(), 12'025'000'000);  // 100.5 + 50 - 10.25 - 20
  // Ten decimals are truncated toward zero to eight.
  std::vector<core::BalanceUpdate> fine;
  ASSERT_TRUE(ParseBalances(R"({"error":[],"result":{"XXBT":{"balance":"0.1234567899",)"
                            R"("hold_trade":"0.0000000099"}}})",
                            core::Venue::kKraken, 7, &fine)
                  .ok());
  ASSERT_EQ(fine.size(), 1u);
  EXPECT_EQ(fine[0].locked.mantissa(), 0);
  EXPECT_EQ(fine[0].free.mantissa(), 12'345'678);
  // An empty account is still a framed report.
  std::vector<core::BalanceUpdate> empty;
  ASSERT_TRUE(ParseBalances(R"({"error":[],"result":{}})", core::Venue::kKraken, 7, &empty).ok());
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kLast));
  EXPECT_TRUE(empty[0].asset.empty());
  EXPECT_EQ(empty[0].time_ns, 7);
}

// ---- hostile input ----

std::string Replaced(std::string_view body, std::string_view from, std::string_view to) {
  std::string out(body);
  const std::size_t at = out.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) out.replace(at, from.size(), to);
  return out;
}

// Cases every parser refuses: not an envelope, an error envelope, a broken document.
std::vector<std::pair<std::string, std::string>> BrokenEnvelopes(const std::string& good) {
  return {
      {"empty body", ""},
      {"whitespace", "  \n"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"an array", "[" + good + "]"},
      {"a string", R"("ok")"},
      {"null", "null"},
      {"html", "<html><body>502</body></html>"},
      {"an error envelope", R"({"error":["EOrder:Insufficient funds"]})"},
      {"an error beside a result", Replaced(good, R"("error": [])", R"("error":["EGeneral:X"])")},
      {"no result", R"({"error":[]})"},
      {"result null", R"({"error":[],"result":null})"},
      {"result an array", R"({"error":[],"result":[]})"},
      {"error not an array", Replaced(good, R"("error": [])", R"("error":{})")},
      {"trailing garbage", good + "}"},
      {"nested 5000 deep", std::string(5000, '[') + std::string(5000, ']')},
      {"non-UTF-8", Replaced(good, R"("error": [])", "\"error\":[],\"x\":\"\xff\xfe\"")},
  };
}

constexpr std::string_view kAddOrderGood = R"({"error": [],"result":{"descr":{"order":"buy"},)"
                                           R"("txid":["OUF4EM-FRGI2-MQMWZD"]}})";

TEST(KrakenOrdersHostile, AddOrderAnswers) {
  const std::string good(kAddOrderGood);
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no txid", Replaced(good, R"("txid":["OUF4EM-FRGI2-MQMWZD"])", R"("x":1)")},
      {"txid a string", Replaced(good, R"(["OUF4EM-FRGI2-MQMWZD"])", R"("OUF4EM-FRGI2-MQMWZD")")},
      {"txid empty", Replaced(good, R"(["OUF4EM-FRGI2-MQMWZD"])", "[]")},
      {"txid a number", Replaced(good, R"(["OUF4EM-FRGI2-MQMWZD"])", "[5]")},
      {"txid empty string", Replaced(good, R"("OUF4EM-FRGI2-MQMWZD")", R"("")")},
      {"txid with a space", Replaced(good, R"("OUF4EM-FRGI2-MQMWZD")", R"("OUF4 EM")")},
      {"txid oversized", Replaced(good, "OUF4EM-FRGI2-MQMWZD", std::string(48, 'O'))},
      {"second txid bad",
       Replaced(good, R"("OUF4EM-FRGI2-MQMWZD"])", R"("OUF4EM-FRGI2-MQMWZD",1])")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::string txid = "sentinel";
    EXPECT_FALSE(ParseAddOrder(body, &txid).ok());
    EXPECT_EQ(txid, "sentinel");
  }
  // A warning does not make it a failure; unknown members are ignored; 47 characters fit.
  std::string txid;
  ASSERT_TRUE(ParseAddOrder(Replaced(good, R"("error": [])",
                                     R"("error":["WOrder:Something"],"extra":{"a":[1,{}]})"),
                            &txid)
                  .ok());
  EXPECT_EQ(txid, "OUF4EM-FRGI2-MQMWZD");
  ASSERT_TRUE(
      ParseAddOrder(Replaced(good, "OUF4EM-FRGI2-MQMWZD", std::string(47, 'O')), &txid).ok());
  EXPECT_EQ(txid.size(), 47u);
}

TEST(KrakenOrdersHostile, CancelAnswers) {
  const std::string good = R"({"error": [],"result":{"count":1,"pending":false}})";
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no count", Replaced(good, R"("count":1,)", "")},
      {"count a string", Replaced(good, R"("count":1)", R"("count":"1")")},
      {"count negative", Replaced(good, R"("count":1)", R"("count":-1)")},
      {"count a float", Replaced(good, R"("count":1)", R"("count":1.5)")},
      {"pending a string", Replaced(good, R"("pending":false)", R"("pending":"false")")},
      {"pending null", Replaced(good, R"("pending":false)", R"("pending":null)")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    CancelResult result;
    result.count = 42;
    EXPECT_FALSE(ParseCancelOrder(body, &result).ok());
    EXPECT_EQ(result.count, 42);
  }
}

TEST(KrakenOrdersHostile, OrderAnswers) {
  const std::string good = std::string(kDocsQueryOrders);
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no status", Replaced(good, R"("status": "closed",)", "")},
      {"status a number", Replaced(good, R"("status": "closed")", R"("status": 3)")},
      {"unknown status", Replaced(good, R"("status": "closed")", R"("status": "done")")},
      {"upper-case status", Replaced(good, R"("status": "closed")", R"("status": "CLOSED")")},
      {"no vol_exec", Replaced(good, R"("vol_exec": "1.25000000",)", "")},
      {"vol_exec a number", Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": 1.25)")},
      {"vol_exec negative", Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": "-1")")},
      {"vol a number", Replaced(good, R"("vol": "1.25000000")", R"("vol": 1.25)")},
      {"vol negative", Replaced(good, R"("vol": "1.25000000")", R"("vol": "-1.25")")},
      {"vol_exec malformed",
       Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": "1.2.5")")},
      {"vol_exec exponent", Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": "1e0")")},
      {"vol_exec finer than the scale",
       Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": "1.250000001")")},
      {"vol_exec overflow",
       Replaced(good, R"("vol_exec": "1.25000000")", R"("vol_exec": "99999999999999")")},
      {"cost a number", Replaced(good, R"("cost": "27526.2")", R"("cost": 27526.2)")},
      {"cost negative", Replaced(good, R"("cost": "27526.2")", R"("cost": "-1")")},
      {"cost malformed", Replaced(good, R"("cost": "27526.2")", R"("cost": "1.2345678901x")")},
      {"opentm a string", Replaced(good, R"("opentm": 1688665496.7808)", R"("opentm": "1")")},
      {"opentm negative", Replaced(good, R"("opentm": 1688665496.7808)", R"("opentm": -1)")},
      {"opentm far future", Replaced(good, R"("opentm": 1688665496.7808)", R"("opentm": 1e300)")},
      {"closetm null", Replaced(good, R"("closetm": 1688665499.1922)", R"("closetm": null)")},
      {"reason a number", Replaced(good, R"("reason": null)", R"("reason": 5)")},
      {"trades an object", Replaced(good, R"("trades": [)", R"("trades": {"a":[)") + "}"},
      {"a trade id a number", Replaced(good, R"("TZX2WP-XSEOP-FP7WYR")", "7")},
      {"a trade id with a comma", Replaced(good, R"("TZX2WP-XSEOP-FP7WYR")", R"("T1,T2")")},
      {"cl_ord_id a number", Replaced(good, R"("refid": "None",)", R"("cl_ord_id": 5,)")},
      {"an order not an object",
       Replaced(good, R"("OBCMZD-JIEE7-77TH3F": {)", R"("OBCMZD-JIEE7-77TH3F": 5, "X": {)")},
      {"an order id with a space", Replaced(good, "OBCMZD-JIEE7-77TH3F", "OBCMZD JIEE7")},
      {"another entry broken",
       Replaced(good, R"("result": {)", R"("result": {"OTHERR-ORDER0-000000":{"status":"x"},)")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  const core::Instrument btc = BtcUsd();
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    OrderLookup lookup;
    lookup.trade_ids = {"sentinel"};
    EXPECT_FALSE(ParseOrders(body, OrderList::kByTxid, Ref(btc, "OBCMZD-JIEE7-77TH3F"), btc,
                             &update, &lookup)
                     .ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_FALSE(update.has_filled);
    EXPECT_EQ(update.venue_time_ns, 0);
    EXPECT_EQ(lookup.trade_ids, std::vector<std::string>{"sentinel"});
  }
  // A price finer than the instrument does not matter: the order's average price is not read.
  core::OrderUpdate update = FreshUpdate();
  OrderLookup lookup;
  ASSERT_TRUE(ParseOrders(Replaced(good, R"("price": "27500.0",)", R"("price": "27500.123456",)"),
                          OrderList::kByTxid, Ref(btc, "OBCMZD-JIEE7-77TH3F"), btc, &update,
                          &lookup)
                  .ok());
  EXPECT_TRUE(lookup.found);
}

TEST(KrakenOrdersHostile, TradeAnswers) {
  const std::string good = std::string(kDocsQueryTrades);
  auto cases = BrokenEnvelopes(good);
  // Broken in the second trade: the first must not leak out either.
  const auto second = [&](std::string_view from, std::string_view to) {
    const std::size_t at = good.find(from, good.find("\"TTEUX3-HDAAA-RC2RUO\""));
    EXPECT_NE(at, std::string::npos) << from;
    std::string out = good;
    if (at != std::string::npos) out.replace(at, from.size(), to);
    return out;
  };
  const std::vector<std::pair<std::string, std::string>> more = {
      {"a trade not an object",
       second(R"("TTEUX3-HDAAA-RC2RUO": {)", R"("TTEUX3-HDAAA-RC2RUO": 1, "X": {)")},
      {"trade id invalid", second("TTEUX3-HDAAA-RC2RUO", "TTEUX3 HDAAA")},
      {"no ordertxid", second(R"("ordertxid": "OH76VO-UKWAD-PSBDX6",)", "")},
      {"ordertxid a number", second(R"("ordertxid": "OH76VO-UKWAD-PSBDX6")", R"("ordertxid": 1)")},
      {"no type", second(R"("type": "buy",)", "")},
      {"type unknown", second(R"("type": "buy")", R"("type": "BUY")")},
      {"price a number", second(R"("price": "27732.00000")", R"("price": 27732)")},
      {"price zero", second(R"("price": "27732.00000")", R"("price": "0")")},
      {"price negative", second(R"("price": "27732.00000")", R"("price": "-27732")")},
      {"price finer than the scale", second(R"("price": "27732.00000")", R"("price": "27732.05")")},
      {"no price", second(R"("price": "27732.00000",)", "")},
      {"vol zero", second(R"("vol": "0.00020000")", R"("vol": "0")")},
      {"vol malformed", second(R"("vol": "0.00020000")", R"("vol": ".0002")")},
      {"fee negative", second(R"("fee": "0.00000")", R"("fee": "-0.1")")},
      {"fee a number", second(R"("fee": "0.00000")", R"("fee": 0)")},
      {"time a string", second(R"("time": 1688082549.3138)", R"("time": "1688082549")")},
      {"time negative", second(R"("time": 1688082549.3138)", R"("time": -5)")},
      {"maker a string", second(R"("maker": true)", R"("maker": "true")")},
      {"maker a number", second(R"("maker": true)", R"("maker": 1)")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::Fill> fills(1);
    fills[0].trade_id.Assign("sentinel");
    EXPECT_FALSE(ParseTrades(body, BtcUsd(), {}, &fills).ok());
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].trade_id.view(), "sentinel");
  }
  // No trade: an empty list.
  std::vector<core::Fill> none;
  EXPECT_TRUE(ParseTrades(R"({"error":[],"result":{}})", BtcUsd(), {}, &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(KrakenOrdersHostile, BalanceAnswers) {
  const std::string good = std::string(kBalanceEx);
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"an entry a number",
       Replaced(good, R"({"balance": "1.2435", "hold_trade": "0.8423"})", "1")},
      {"an entry null", Replaced(good, R"({"balance": "1.2435", "hold_trade": "0.8423"})", "null")},
      {"no balance", Replaced(good, R"("balance": "1.2435", )", "")},
      {"no hold_trade", Replaced(good, R"(, "hold_trade": "0.8423")", "")},
      {"balance a number", Replaced(good, R"("balance": "1.2435")", R"("balance": 1.2435)")},
      {"balance negative", Replaced(good, R"("balance": "1.2435")", R"("balance": "-1.2435")")},
      {"balance malformed", Replaced(good, R"("balance": "1.2435")", R"("balance": "1,2435")")},
      {"balance overflow",
       Replaced(good, R"("balance": "1.2435")", R"("balance": "100000000000")")},
      {"balance junk past the scale",
       Replaced(good, R"("balance": "1.2435")", R"("balance": "1.24350000x")")},
      {"hold exceeds balance", Replaced(good, R"("hold_trade": "0.8423")", R"("hold_trade": "2")")},
      {"credit a number", Replaced(good, R"("credit": "50")", R"("credit": 50)")},
      {"credit_used too large",
       Replaced(good, R"("credit_used": "10.25")", R"("credit_used": "1000")")},
      {"asset empty", Replaced(good, R"("XXBT")", R"("")")},
      {"asset with a space", Replaced(good, R"("XXBT")", R"("X BT")")},
      {"asset oversized", Replaced(good, R"("XXBT")", R"("ABCDEFGHIJKLMNOP")")},
      {"Balance and BalanceEx mixed",
       Replaced(good, R"({"balance": "1.2435", "hold_trade": "0.8423"})", R"("1.2435")")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::BalanceUpdate> balances(1);
    balances[0].asset.Assign("SENTINEL");
    EXPECT_FALSE(ParseBalances(body, core::Venue::kKraken, 1, &balances).ok());
    ASSERT_EQ(balances.size(), 1u);
    EXPECT_EQ(balances[0].asset.view(), "SENTINEL");
    EXPECT_EQ(balances[0].flags, 0);
  }
}

// ==== RestGateway + the Kraken protocol over loopback ====

// Kraken's documentation key pair of the "Spot REST Authentication" example (not a live key).
constexpr std::string_view kApiKey = "kraken-docs-example-api-key";
constexpr std::string_view kSecret =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
constexpr std::int64_t kNowNs = 1'700'000'000'123'456'789;  // the gateway's clock
constexpr std::int64_t kNowMs = 1'700'000'000'123;
constexpr auto kWait = 10s;  // an upper bound for what must happen

std::string Base64Decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  std::size_t size = n < 0 ? 0 : static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (!text.empty() && text.back() == '=') --size;
  if (text.size() > 1 && text[text.size() - 2] == '=') --size;
  out.resize(size);
  return out;
}

std::string Base64Encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

// API-Sign = base64(HMAC-SHA512(base64decode(secret), path ‖ SHA256(nonce ‖ body))), with
// OpenSSL's one-shot functions.
std::string ExpectedApiSign(std::string_view path, std::string_view nonce, std::string_view body) {
  const std::string key = Base64Decode(kSecret);
  const std::string inner = std::string(nonce) + std::string(body);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(inner.data()), inner.size(), digest);
  const std::string message =
      std::string(path) + std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* ok =
      HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  EXPECT_NE(ok, nullptr);
  return Base64Encode(mac, length);
}

TEST(KrakenGatewaySupport, SignatureHelperMatchesTheDocsExample) {
  // docs.kraken.com, "Spot REST Authentication": the worked example.
  EXPECT_EQ(
      ExpectedApiSign("/0/private/AddOrder", "1616492376594",
                      "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy"
                      "&volume=1.25"),
      "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==");
}

// Every private call: POST /0/private/<method>, no query, a form body whose first field is the
// nonce, the key in API-Key and the documented signature in API-Sign. Returns the nonce.
std::int64_t ExpectSigned(const net::ServerRequest& request, std::string_view method) {
  SCOPED_TRACE(request.method + " " + request.target + " " + request.body);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Path(), "/0/private/" + std::string(method));
  EXPECT_TRUE(request.Query().empty());
  EXPECT_EQ(request.Header("API-Key"), kApiKey);
  EXPECT_EQ(request.Header("Content-Type"), "application/x-www-form-urlencoded");
  const Params params = SplitParams(request.body);
  if (params.empty() || params[0].first != "nonce" || params[0].second.empty() ||
      params[0].second.find_first_not_of("0123456789") != std::string::npos) {
    ADD_FAILURE() << "the body does not start with a nonce";
    return -1;
  }
  EXPECT_EQ(request.Header("API-Sign"),
            ExpectedApiSign(request.Path(), params[0].second, request.body));
  EXPECT_EQ(request.Header("API-Sign").size(), 88u);
  return std::stoll(params[0].second);
}

// The body without its nonce.
Params BodyParams(const net::ServerRequest& request) {
  Params params = SplitParams(request.body);
  if (!params.empty()) params.erase(params.begin());
  return params;
}

// ---- the engine's side: a sink that records events and can play a full queue ----

using testing::RecordingSink;

// ---- the venue's side: Kraken's private endpoints with scripted answers ----

struct Answer {
  int status = 200;
  std::string body;
  net::HeaderList headers;
  bool hold = false;  // never answer (the Respond is kept until the server stops)
};

// {"error":["<error>"]}: how Kraken refuses, with HTTP 200 unless told otherwise.
Answer KrakenError(std::string_view error, int status = 200) {
  return Answer{status, R"({"error":[")" + std::string(error) + R"("]})"};
}
Answer KrakenResult(std::string_view result) {
  return Answer{200, R"({"error":[],"result":)" + std::string(result) + "}"};
}

class FakeKraken {
 public:
  explicit FakeKraken(testing::IoThread& io) : io_(io) {}

  std::uint16_t Start() {
    return io_.Run([this]() -> std::uint16_t {
      server_ = std::make_unique<net::HttpServer>(
          io_.io(), net::HttpServerOptions{},
          [this](net::ServerRequest&& request, net::HttpServer::Respond respond) {
            OnRequest(std::move(request), std::move(respond));
          });
      auto port = server_->Listen();
      EXPECT_TRUE(port.ok()) << port.status().ToString();
      return port.ok() ? *port : 0;
    });
  }

  void Stop() {
    io_.Run([this] {
      if (server_) server_->Stop();
      server_.reset();
      held_.clear();  // on the io thread: a Respond holds its connection
    });
  }

  // Answers for "METHOD /path", used in order; the last one is kept for further requests.
  void Script(const std::string& endpoint, std::vector<Answer> answers) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& queue = scripts_[endpoint];
    queue.insert(queue.end(), answers.begin(), answers.end());
  }

  std::vector<net::ServerRequest> Requests(const std::string& endpoint = {}) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<net::ServerRequest> out;
    for (const net::ServerRequest& request : requests_) {
      if (endpoint.empty() || Endpoint(request) == endpoint) out.push_back(request);
    }
    return out;
  }
  bool WaitForRequests(const std::string& endpoint, std::size_t count,
                       std::chrono::milliseconds limit = kWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      std::size_t n = 0;
      for (const net::ServerRequest& request : requests_) n += Endpoint(request) == endpoint;
      return n >= count;
    });
  }
  int answered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answered_;
  }

 private:
  static std::string Endpoint(const net::ServerRequest& request) {
    return request.method + " " + std::string(request.Path());
  }

  void OnRequest(net::ServerRequest&& request, net::HttpServer::Respond respond) {
    Answer answer = KrakenError("EGeneral:Unknown method");
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& queue = scripts_[Endpoint(request)];
      if (!queue.empty()) {
        answer = queue.front();
        if (queue.size() > 1) queue.pop_front();
      }
      requests_.push_back(std::move(request));
      changed_.notify_all();
    }
    if (answer.hold) {
      held_.push_back(std::move(respond));
      return;
    }
    net::ServerResponse response;
    response.status = answer.status;
    response.body = answer.body;
    response.headers = answer.headers;
    respond(std::move(response));
    std::lock_guard<std::mutex> lock(mutex_);
    ++answered_;
    changed_.notify_all();
  }

  testing::IoThread& io_;
  std::unique_ptr<net::HttpServer> server_;     // io thread only
  std::vector<net::HttpServer::Respond> held_;  // io thread only
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::deque<Answer>> scripts_;
  std::vector<net::ServerRequest> requests_;
  int answered_ = 0;
};

constexpr std::string_view kAddOrderPath = "POST /0/private/AddOrder";
constexpr std::string_view kCancelPath = "POST /0/private/CancelOrder";
constexpr std::string_view kQueryOrdersPath = "POST /0/private/QueryOrders";
constexpr std::string_view kOpenOrdersPath = "POST /0/private/OpenOrders";
constexpr std::string_view kClosedOrdersPath = "POST /0/private/ClosedOrders";
constexpr std::string_view kQueryTradesPath = "POST /0/private/QueryTrades";
constexpr std::string_view kBalanceExPath = "POST /0/private/BalanceEx";

// The AddOrder answer of docs.kraken.com "Add Order" (and the shared fixture), for our order.
constexpr std::string_view kAddOrderAnswer =
    R"({"descr":{"order":"buy 0.50000000 XBTUSD @ limit 65000.1"},"txid":["OUF4EM-FRGI2-MQMWZD"]})";

// A QueryOrders/OpenOrders/ClosedOrders entry in Kraken's shape.
std::string OrderEntry(std::string_view txid, std::string_view status, std::string_view vol_exec,
                       std::string_view cost, const std::vector<std::string>& trades,
                       std::string_view cl_ord_id = {}) {
  std::string entry = "\"" + std::string(txid) + R"(":{"refid":null,"userref":0,"status":")" +
                      std::string(status) +
                      R"(","opentm":1700000000.25,"starttm":0,"expiretm":0,)"
                      R"("descr":{"pair":"XBTUSD","type":"buy","ordertype":"limit",)"
                      R"("price":"65000.1","price2":"0","leverage":"none",)"
                      R"("order":"buy 0.50000000 XBTUSD @ limit 65000.1","close":""},)"
                      R"("vol":"0.50000000","vol_exec":")" +
                      std::string(vol_exec) + R"(","cost":")" + std::string(cost) +
                      R"(","fee":"0.00000","price":"65000.0","stopprice":"0.00000",)"
                      R"("limitprice":"0.00000","misc":"","oflags":"fciq")";
  if (status == "closed" || status == "canceled") entry += R"(,"closetm":1700000000.75)";
  if (!cl_ord_id.empty()) entry += R"(,"cl_ord_id":")" + std::string(cl_ord_id) + "\"";
  if (!trades.empty()) {
    entry += R"(,"trades":[)";
    for (std::size_t i = 0; i < trades.size(); ++i) {
      entry += (i == 0 ? "\"" : ",\"") + trades[i] + "\"";
    }
    entry += "]";
  }
  return entry + "}";
}

// A QueryTrades entry in Kraken's shape.
std::string TradeEntry(std::string_view id, std::string_view ordertxid, std::string_view price,
                       std::string_view vol, std::string_view fee, bool maker,
                       std::string_view time = "1700000000.5") {
  return "\"" + std::string(id) + R"(":{"ordertxid":")" + std::string(ordertxid) +
         R"(","postxid":"TKH2SE-M7IF5-CFI7LT","pair":"XXBTZUSD","time":)" + std::string(time) +
         R"(,"type":"buy","ordertype":"limit","price":")" + std::string(price) +
         R"(","cost":"0","fee":")" + std::string(fee) + R"(","vol":")" + std::string(vol) +
         R"(","margin":"0.00000","misc":"","trade_id":93748276,"maker":)" +
         (maker ? "true" : "false") + "}";
}

class KrakenGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The registry's Kraken spelling is the WS v2 "BTC/USD"; XBT/USD has 1 price decimal and 8
    // quantity decimals.
    auto id = registry_.Add(core::Venue::kKraken, "BTC", "USD", {}, 1, 8);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    btc_ = *id;
    ASSERT_EQ(registry_.Get(btc_).venue_symbol, "BTC/USD");
    port_ = venue_.Start();
    ASSERT_NE(port_, 0);
  }

  void TearDown() override {
    if (gateway_) {
      gateway_io_.Run([this] {
        gateway_->Stop();
        gateway_.reset();
      });
    }
    venue_.Stop();
    gateway_io_.Join();
    server_io_.Join();
  }

  RestGatewayOptions Options() const {
    RestGatewayOptions options;
    options.http.base_url = "http://127.0.0.1:" + std::to_string(port_);
    options.http.timeout = 5s;
    options.balance_retry_min = 20ms;
    options.balance_retry_max = 40ms;
    return options;
  }

  void StartGateway(RestGatewayOptions options) {
    KrakenOrderOptions kraken_options;
    kraken_options.api_key = std::string(kApiKey);
    kraken_options.api_secret = std::string(kSecret);
    auto protocol = MakeKrakenOrderProtocol(kraken_options);
    ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
    gateway_io_.Run([&] {
      gateway_ =
          std::make_unique<RestGateway>(gateway_io_.io(), std::move(options),
                                        std::move(protocol).value(), registry_, sink_, clock_);
    });
  }
  void StartGateway() { StartGateway(Options()); }

  core::ClientOrderId Id(std::uint64_t n) const {
    return core::ClientOrderId::FromBits(0xfeedface, n);
  }

  core::OrderSpec LimitBuy(std::uint64_t n) const {
    core::OrderSpec spec;
    spec.instrument = btc_;
    spec.side = core::Side::kBuy;
    spec.type = core::OrderType::kLimit;
    spec.time_in_force = core::TimeInForce::kGtc;
    spec.quantity = core::Quantity::FromMantissa(50'000'000);  // 0.5
    spec.price = core::Price::FromMantissa(650'001);           // 65000.1
    spec.client_order_id = Id(n);
    return spec;
  }

  // Risk is the only maker of an Approved order: ask it, with everything permissive.
  std::optional<core::Approved<core::OrderSpec>> Approve(const core::OrderSpec& spec) {
    risk::RiskLimits limits;
    limits.price_collar_bps = 0;
    risk::RateLimiter rate_limiter;  // no venue configured: no limit
    risk::PreTradeRisk risk(limits, &rate_limiter);
    core::InstrumentRules rules;
    rules.instrument = btc_;
    rules.tick_size = core::Price::FromMantissa(1);
    rules.lot_size = core::Quantity::FromMantissa(1);
    rules.min_quantity = core::Quantity::FromMantissa(1);
    rules.max_quantity = core::Quantity::FromMantissa(INT64_MAX);
    rules.status = core::TradingStatus::kTrading;
    risk::MarketContext market;
    market.instrument = &registry_.Get(btc_);
    market.rules = &rules;
    market.book_state = core::BookState::kLive;
    market.best_bid = core::Price::FromMantissa(650'000);
    market.best_ask = core::Price::FromMantissa(650'001);
    risk::AccountContext account;
    account.available_quote = core::Amount::FromMantissa(1'000'000'000'000'000);
    account.available_base = core::Amount::FromMantissa(1'000'000'000'000'000);
    auto result = risk.Check(spec, market, account, 0);
    if (const auto* refusal = std::get_if<risk::Refusal>(&result)) {
      ADD_FAILURE() << "risk refused the test order: " << refusal->message;
      return std::nullopt;
    }
    return std::get<core::Approved<core::OrderSpec>>(std::move(result));
  }

  void Place(const core::OrderSpec& spec) {
    auto approved = Approve(spec);
    ASSERT_TRUE(approved.has_value());
    gateway_->Place(*approved);
  }

  core::OrderRef RefOf(std::uint64_t n, std::string_view venue_order_id = {}) const {
    core::OrderRef ref;
    ref.instrument = btc_;
    ref.client_order_id = Id(n);
    if (!venue_order_id.empty()) ref.venue_order_id.Assign(venue_order_id);
    return ref;
  }

  // The OrderUpdates of one order, in order.
  std::vector<OrderUpdate> UpdatesOf(std::uint64_t n) const {
    std::vector<OrderUpdate> out;
    for (const OrderUpdate& update : sink_.All<OrderUpdate>()) {
      if (update.client_order_id == Id(n)) out.push_back(update);
    }
    return out;
  }
  bool WaitForUpdates(std::size_t count) { return sink_.WaitFor<OrderUpdate>(count); }
  // Waits for a GatewayStatus whose last error holds `text`.
  bool WaitForError(std::string_view text) {
    return sink_.WaitUntil([&](const std::vector<core::Event>& events, int) {
      for (const auto& event : events) {
        const auto* status = std::get_if<core::GatewayStatus>(&event);
        if (status != nullptr && status->last_error.view().find(text) != std::string_view::npos) {
          return true;
        }
      }
      return false;
    });
  }

  core::ManualClock clock_{kNowNs};
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  RecordingSink sink_;
  testing::IoThread server_io_;
  testing::IoThread gateway_io_;
  FakeKraken venue_{server_io_};
  std::uint16_t port_ = 0;
  std::unique_ptr<RestGateway> gateway_;  // made and destroyed on gateway_io_
};

TEST(KrakenGatewayFactory, RefusesASecretThatCannotSignAndNeverEchoesIt) {
  for (const std::string& secret :
       {std::string(), std::string("not base64 at all!"), std::string("c2VjcmV0-with-a-dash==")}) {
    auto protocol = MakeKrakenOrderProtocol({"key", secret});
    ASSERT_FALSE(protocol.ok());
    if (!secret.empty()) {
      EXPECT_EQ(protocol.status().message().find(secret), std::string::npos);
    }
  }
  auto protocol = MakeKrakenOrderProtocol({"key", std::string(kSecret)});
  ASSERT_TRUE(protocol.ok());
  EXPECT_EQ((*protocol)->venue(), core::Venue::kKraken);
  EXPECT_TRUE((*protocol)->native_stops());
}

// (a) What the venue receives for a new order, and the acknowledgement.
TEST_F(KrakenGatewayTest, PlaceSendsTheDocumentedSignedRequest) {
  venue_.Script(std::string(kAddOrderPath), {KrakenResult(kAddOrderAnswer)});
  StartGateway();
  Place(LimitBuy(1));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto requests = venue_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].remote_address, "127.0.0.1");
  EXPECT_EQ(ExpectSigned(requests[0], "AddOrder"), kNowMs);
  const Params expected = {
      {"ordertype", "limit"}, {"type", "buy"},
      {"volume", "0.5"},      {"pair", "XBTUSD"},
      {"price", "65000.1"},   {"timeinforce", "GTC"},
      {"oflags", "fciq"},     {"cl_ord_id", std::string(Id(1).view())},
  };
  EXPECT_EQ(BodyParams(requests[0]), expected);

  const auto updates = UpdatesOf(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);  // AddOrder acknowledges, nothing more
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue, core::Venue::kKraken);
  EXPECT_EQ(updates[0].instrument, btc_);
  EXPECT_EQ(updates[0].venue_order_id.view(), "OUF4EM-FRGI2-MQMWZD");
  EXPECT_FALSE(updates[0].has_filled);
  EXPECT_EQ(updates[0].receive_time_ns, kNowNs);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
  EXPECT_TRUE(sink_.All<core::RateLimitReport>().empty());  // Kraken sends no counters
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_EQ(statuses[0].venue, core::Venue::kKraken);
}

TEST_F(KrakenGatewayTest, StopOrdersAreSentNatively) {
  venue_.Script(std::string(kAddOrderPath), {KrakenResult(kAddOrderAnswer)});
  StartGateway();
  EXPECT_TRUE(gateway_->NativeStops());
  core::OrderSpec stop = LimitBuy(2);
  stop.side = core::Side::kSell;
  stop.type = core::OrderType::kStopLossLimit;
  stop.price = core::Price::FromMantissa(599'000);       // 59900.0
  stop.stop_price = core::Price::FromMantissa(600'005);  // 60000.5
  Place(stop);
  ASSERT_TRUE(WaitForUpdates(1));
  const auto requests = venue_.Requests(std::string(kAddOrderPath));
  ASSERT_EQ(requests.size(), 1u);
  ExpectSigned(requests[0], "AddOrder");
  const Params expected = {
      {"ordertype", "stop-loss-limit"},
      {"type", "sell"},
      {"volume", "0.5"},
      {"pair", "XBTUSD"},
      {"price", "60000.5"},
      {"price2", "59900"},
      {"trigger", "last"},
      {"timeinforce", "GTC"},
      {"oflags", "fciq"},
      {"cl_ord_id", std::string(Id(2).view())},
  };
  EXPECT_EQ(BodyParams(requests[0]), expected);
  ASSERT_EQ(UpdatesOf(2).size(), 1u);
  EXPECT_EQ(UpdatesOf(2)[0].status, OrderStatus::kNew);
}

// The nonce is the clock's millisecond, made strictly increasing when requests share one or the
// clock steps back.
TEST_F(KrakenGatewayTest, NoncesIncreaseStrictly) {
  venue_.Script(std::string(kAddOrderPath), {KrakenResult(kAddOrderAnswer)});
  venue_.Script(std::string(kBalanceExPath), {KrakenResult("{}")});
  StartGateway();
  for (std::uint64_t n = 3; n < 6; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(3));
  clock_.Advance(1'000'000'000);  // one second later
  Place(LimitBuy(6));
  ASSERT_TRUE(WaitForUpdates(4));
  clock_.Set(kNowNs - 10'000'000'000);  // the clock steps back ten seconds
  Place(LimitBuy(7));
  ASSERT_TRUE(WaitForUpdates(5));
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(1));

  std::vector<std::int64_t> nonces;
  for (const auto& request : venue_.Requests(std::string(kAddOrderPath))) {
    nonces.push_back(ExpectSigned(request, "AddOrder"));
  }
  const auto balances = venue_.Requests(std::string(kBalanceExPath));
  ASSERT_EQ(balances.size(), 1u);
  nonces.push_back(ExpectSigned(balances[0], "BalanceEx"));
  EXPECT_EQ(balances[0].body, "nonce=" + std::to_string(nonces.back()));  // nothing else
  const std::vector<std::int64_t> expected = {kNowMs,        kNowMs + 1,    kNowMs + 2,
                                              kNowMs + 1000, kNowMs + 1001, kNowMs + 1002};
  EXPECT_EQ(nonces, expected);
}

// (c) A definitive refusal.
TEST_F(KrakenGatewayTest, InsufficientFundsIsRejectedWithKrakensError) {
  venue_.Script(std::string(kAddOrderPath), {KrakenError("EOrder:Insufficient funds")});
  StartGateway();
  Place(LimitBuy(10));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(10);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue_code.view(), "EOrder");
  EXPECT_EQ(updates[0].message.view(), "EOrder:Insufficient funds");
  EXPECT_TRUE(updates[0].venue_order_id.empty());
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
  EXPECT_TRUE(sink_.All<core::RateLimitReport>().empty());
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kUnchecked);  // says nothing about the keys
  EXPECT_NE(statuses[0].last_error.view().find("EOrder:Insufficient funds"),
            std::string_view::npos);
}

TEST_F(KrakenGatewayTest, RefusedKeysAreRejectedAndReported) {
  venue_.Script(std::string(kAddOrderPath),
                {KrakenError("EAPI:Invalid nonce"), KrakenError("EAPI:Invalid key", 403),
                 KrakenError("EAPI:Invalid signature"), KrakenError("EGeneral:Permission denied")});
  StartGateway();
  Place(LimitBuy(11));
  ASSERT_TRUE(WaitForUpdates(1));
  // A stale nonce is a refusal of that request, not of the keys.
  for (const auto& status : sink_.All<core::GatewayStatus>()) {
    EXPECT_NE(status.keys, core::KeyState::kRefused);
  }
  for (std::uint64_t n = 12; n < 15; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(4));
  const std::pair<std::uint64_t, const char*> expected[] = {{11, "EAPI:Invalid nonce"},
                                                            {12, "EAPI:Invalid key"},
                                                            {13, "EAPI:Invalid signature"},
                                                            {14, "EGeneral:Permission denied"}};
  for (const auto& [n, error] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].message.view(), error);
  }
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back().keys, core::KeyState::kRefused);
  EXPECT_NE(statuses.back().last_error.view().find("Permission denied"), std::string_view::npos);
  for (const auto& status : statuses) {
    EXPECT_EQ(status.last_error.view().find(kSecret), std::string_view::npos);
  }
}

// (d) Kraken documents that after these the order may or may not have been placed. Never
// REJECTED; the engine queries.
TEST_F(KrakenGatewayTest, ServiceErrorsAndServerErrorsAreUnknown) {
  venue_.Script(std::string(kAddOrderPath),
                {KrakenError("EService:Unavailable"), KrakenError("EService:Busy"),
                 KrakenError("EGeneral:Internal error"), KrakenError("EService:Deadline elapsed"),
                 Answer{500, "<html><body>Internal Server Error</body></html>"},
                 KrakenError("EOrder:Insufficient funds", 502),  // a 5xx never proves a refusal
                 Answer{520, "error code: 520"},
                 KrakenResult(R"({"descr":{"order":"buy"}})")});  // a 200 without a txid
  StartGateway();
  for (std::uint64_t n = 20; n < 28; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(8));
  const std::pair<std::uint64_t, const char*> expected[] = {
      {20, "EService"}, {21, "EService"}, {22, "EGeneral"}, {23, "EService"},
      {24, "500"},      {25, "EOrder"},   {26, "520"},      {27, "200"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
    EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
    EXPECT_EQ(updates[0].venue_code.view(), code);
    EXPECT_FALSE(updates[0].message.empty());
  }
  EXPECT_EQ(UpdatesOf(20)[0].message.view(), "EService:Unavailable");
  // Each was sent once: nothing is resent on an unknown outcome.
  EXPECT_EQ(venue_.Requests(std::string(kAddOrderPath)).size(), 8u);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// (e) No answer at all: UNKNOWN, and the order went out exactly once.
TEST_F(KrakenGatewayTest, NoAnswerIsUnknownAndTheOrderIsSentOnce) {
  venue_.Script(std::string(kAddOrderPath), {Answer{.hold = true}, KrakenResult(kAddOrderAnswer)});
  RestGatewayOptions options = Options();
  options.http.timeout = 400ms;
  StartGateway(options);
  Place(LimitBuy(30));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto lost = UpdatesOf(30);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(lost[0].venue_code.view(), "NO_ANSWER");
  EXPECT_FALSE(lost[0].message.empty());

  // A second order through the same client: had the first been resent, the venue would have seen
  // it again before this one.
  Place(LimitBuy(31));
  ASSERT_TRUE(WaitForUpdates(2));
  ASSERT_EQ(UpdatesOf(31).size(), 1u);
  EXPECT_EQ(UpdatesOf(31)[0].status, OrderStatus::kNew);
  const auto posts = venue_.Requests(std::string(kAddOrderPath));
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(Param(posts[0].body, "cl_ord_id"), Id(30).view());
  EXPECT_EQ(Param(posts[1].body, "cl_ord_id"), Id(31).view());
  EXPECT_LT(ExpectSigned(posts[0], "AddOrder"), ExpectSigned(posts[1], "AddOrder"));
  EXPECT_EQ(UpdatesOf(30).size(), 1u);
}

// (f) Throttled: the request was refused, and the rate limiter must cool down. Kraken sends no
// Retry-After: the report asks for one unit of the counter's decay.
TEST_F(KrakenGatewayTest, ThrottlingAnswersAreReportedAndRejected) {
  Answer too_many{429, "Too Many Requests"};
  too_many.headers = {{"Retry-After", "7"}};
  venue_.Script(
      std::string(kAddOrderPath),
      {KrakenError("EAPI:Rate limit exceeded"), KrakenError("EOrder:Rate limit exceeded"), too_many,
       KrakenError("EGeneral:Temporary lockout"), KrakenResult(kAddOrderAnswer)});
  StartGateway();
  for (std::uint64_t n = 40; n < 45; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(5));

  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 4u);  // the acknowledgement carries none
  const std::int64_t retry_after[] = {3000, 1000, 7000, 900'000};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(reports[i].throttled);
    EXPECT_FALSE(reports[i].banned);
    EXPECT_EQ(reports[i].retry_after_ms, retry_after[i]);
    EXPECT_EQ(reports[i].venue, core::Venue::kKraken);
    EXPECT_EQ(reports[i].time_ns, kNowNs);
  }
  const std::pair<std::uint64_t, const char*> expected[] = {
      {40, "EAPI"}, {41, "EOrder"}, {42, "429"}, {43, "EGeneral"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].venue_code.view(), code);
  }
  EXPECT_EQ(UpdatesOf(44)[0].status, OrderStatus::kNew);
  // Each answer's report comes before its update.
  std::string kinds;
  for (const core::Event& event : sink_.Events()) {
    if (std::holds_alternative<core::RateLimitReport>(event)) kinds += 'R';
    if (std::holds_alternative<OrderUpdate>(event)) kinds += 'U';
  }
  EXPECT_EQ(kinds, "RURURURUU");
}

// (h) Cancels.
TEST_F(KrakenGatewayTest, CancelAnswers) {
  venue_.Script(std::string(kCancelPath),
                {KrakenResult(R"({"count":1})"), KrakenResult(R"({"count":1,"pending":true})"),
                 KrakenError("EOrder:Unknown order"), Answer{502, "Bad Gateway"},
                 KrakenResult(R"({"count":0})")});
  StartGateway();
  gateway_->Cancel(RefOf(50, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(1));
  for (std::uint64_t n = 51; n < 55; ++n) {
    gateway_->Cancel(RefOf(n));
    ASSERT_TRUE(WaitForUpdates(n - 49));
  }

  const auto cancels = venue_.Requests(std::string(kCancelPath));
  ASSERT_EQ(cancels.size(), 5u);
  ExpectSigned(cancels[0], "CancelOrder");
  EXPECT_EQ(BodyParams(cancels[0]), (Params{{"txid", "OUF4EM-FRGI2-MQMWZD"}}));
  ExpectSigned(cancels[1], "CancelOrder");
  EXPECT_EQ(BodyParams(cancels[1]), (Params{{"cl_ord_id", std::string(Id(51).view())}}));

  const auto done = UpdatesOf(50);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].source, core::UpdateSource::kCancel);
  EXPECT_EQ(done[0].status, OrderStatus::kCanceled);
  EXPECT_FALSE(done[0].cancel_refused);
  EXPECT_EQ(done[0].instrument, btc_);

  // Pending: accepted, not done; not a refusal, and the engine's query will tell.
  const auto pending = UpdatesOf(51);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].status, OrderStatus::kUnknown);
  EXPECT_FALSE(pending[0].cancel_refused);

  const auto unknown = UpdatesOf(52);
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_TRUE(unknown[0].cancel_refused);
  EXPECT_EQ(unknown[0].status, OrderStatus::kUnknown);  // the cancel was refused, not the order
  EXPECT_EQ(unknown[0].venue_code.view(), "EOrder");
  EXPECT_EQ(unknown[0].message.view(), "EOrder:Unknown order");

  const auto failed = UpdatesOf(53);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_TRUE(failed[0].cancel_refused);
  EXPECT_EQ(failed[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(failed[0].venue_code.view(), "502");

  const auto none = UpdatesOf(54);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].cancel_refused);
  EXPECT_EQ(none[0].status, OrderStatus::kUnknown);
}

// (i) A query whose order has executions: its trades are fetched and published first.
TEST_F(KrakenGatewayTest, QueryFetchesTheTradesOfAnExecutedOrderFirst) {
  venue_.Script(std::string(kQueryOrdersPath),
                {KrakenResult("{" +
                              OrderEntry("OUF4EM-FRGI2-MQMWZD", "open", "0.30000000", "19499.90000",
                                         {"THVRQM-33VKH-UCI7BS", "TTEUX3-HDAAA-RC2RUO"}) +
                              "}")});
  venue_.Script(std::string(kQueryTradesPath),
                {KrakenResult("{" +
                              TradeEntry("THVRQM-33VKH-UCI7BS", "OUF4EM-FRGI2-MQMWZD", "64999.0",
                                         "0.10000000", "10.39984", false, "1700000000.5") +
                              "," +
                              TradeEntry("TTEUX3-HDAAA-RC2RUO", "OUF4EM-FRGI2-MQMWZD", "65000.0",
                                         "0.20000000", "5.20000", true, "1700000000.7") +
                              "}")});
  StartGateway();
  gateway_->Query(RefOf(60, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto queries = venue_.Requests(std::string(kQueryOrdersPath));
  ASSERT_EQ(queries.size(), 1u);
  ExpectSigned(queries[0], "QueryOrders");
  EXPECT_EQ(BodyParams(queries[0]), (Params{{"txid", "OUF4EM-FRGI2-MQMWZD"}, {"trades", "true"}}));
  const auto trades = venue_.Requests(std::string(kQueryTradesPath));
  ASSERT_EQ(trades.size(), 1u);
  ExpectSigned(trades[0], "QueryTrades");
  EXPECT_EQ(BodyParams(trades[0]), (Params{{"txid", "THVRQM-33VKH-UCI7BS%2CTTEUX3-HDAAA-RC2RUO"}}));

  std::vector<core::Fill> fills;
  bool update_seen = false;
  for (const core::Event& event : sink_.Events()) {
    if (const auto* fill = std::get_if<core::Fill>(&event)) {
      EXPECT_FALSE(update_seen) << "a fill after the query's update";
      fills.push_back(*fill);
    }
    update_seen = update_seen || std::holds_alternative<OrderUpdate>(event);
  }
  ASSERT_EQ(fills.size(), 2u);
  const std::tuple<const char*, std::int64_t, std::int64_t, std::int64_t, bool, std::int64_t>
      expected[] = {
          {"THVRQM-33VKH-UCI7BS", 649'990, 10'000'000, 1'039'984'000, false,
           1'700'000'000'500'000'000},
          {"TTEUX3-HDAAA-RC2RUO", 650'000, 20'000'000, 520'000'000, true,
           1'700'000'000'700'000'000},
      };
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(fills[i].client_order_id, Id(60));
    EXPECT_EQ(fills[i].instrument, btc_);
    EXPECT_EQ(fills[i].venue, core::Venue::kKraken);
    EXPECT_EQ(fills[i].side, core::Side::kBuy);
    EXPECT_EQ(fills[i].trade_id.view(), std::get<0>(expected[i]));
    EXPECT_EQ(fills[i].price.mantissa(), std::get<1>(expected[i]));
    EXPECT_EQ(fills[i].quantity.mantissa(), std::get<2>(expected[i]));
    EXPECT_EQ(fills[i].fee.mantissa(), std::get<3>(expected[i]));
    EXPECT_EQ(fills[i].fee_asset.view(), "USD");
    EXPECT_EQ(fills[i].maker, std::get<4>(expected[i]));
    EXPECT_EQ(fills[i].venue_time_ns, std::get<5>(expected[i]));
  }
  const auto updates = UpdatesOf(60);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(updates[0].venue_order_id.view(), "OUF4EM-FRGI2-MQMWZD");
  EXPECT_TRUE(updates[0].has_filled);
  EXPECT_EQ(updates[0].filled_quantity.mantissa(), 30'000'000);
  EXPECT_EQ(updates[0].filled_notional.mantissa(), 1'949'990'000'000);
  EXPECT_EQ(updates[0].venue_time_ns, 1'700'000'000'250'000'000);  // opentm: still open
  EXPECT_FALSE(updates[0].not_found);

  // Asked again, the same trades are not fetched again.
  gateway_->Query(RefOf(60, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_EQ(venue_.Requests(std::string(kQueryTradesPath)).size(), 1u);
  EXPECT_EQ(sink_.All<core::Fill>().size(), 2u);
}

TEST_F(KrakenGatewayTest, QueryOfAnUnexecutedOrderAndOfMissingOnes) {
  venue_.Script(
      std::string(kQueryOrdersPath),
      {KrakenResult("{" + OrderEntry("OAAAAA-BBBBB-CCCCCC", "open", "0.00000000", "0.00000", {}) +
                    "}"),
       KrakenError("EOrder:Invalid order"), KrakenResult("{}"),
       KrakenError("EService:Unavailable")});
  StartGateway();
  gateway_->Query(RefOf(61, "OAAAAA-BBBBB-CCCCCC"));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Query(RefOf(62, "ONOTHE-RE0RD-ER0000"));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Query(RefOf(63, "ONOTHE-RE0RD-ER0001"));
  ASSERT_TRUE(WaitForUpdates(3));
  gateway_->Query(RefOf(64, "OAAAAA-BBBBB-CCCCCC"));
  ASSERT_TRUE(WaitForError("EService:Unavailable"));

  // Nothing executed: no trade list asked for.
  EXPECT_TRUE(venue_.Requests(std::string(kQueryTradesPath)).empty());
  const auto open = UpdatesOf(61);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(open[0].status, OrderStatus::kNew);
  EXPECT_FALSE(open[0].not_found);
  EXPECT_TRUE(open[0].filled_quantity.is_zero());

  const auto invalid = UpdatesOf(62);
  ASSERT_EQ(invalid.size(), 1u);
  EXPECT_TRUE(invalid[0].not_found);
  EXPECT_EQ(invalid[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(invalid[0].venue_code.view(), "EOrder");
  EXPECT_EQ(invalid[0].message.view(), "EOrder:Invalid order");

  const auto absent = UpdatesOf(63);
  ASSERT_EQ(absent.size(), 1u);
  EXPECT_TRUE(absent[0].not_found);
  EXPECT_EQ(absent[0].status, OrderStatus::kUnknown);

  // A service error says nothing about the order: no update.
  EXPECT_TRUE(UpdatesOf(64).empty());
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// An order known only by our id (its AddOrder answer was lost): the open orders, then the closed
// ones, filtered by cl_ord_id; not found only when neither has it.
TEST_F(KrakenGatewayTest, QueryByClientIdAsksTheOpenThenTheClosedOrders) {
  venue_.Script(std::string(kOpenOrdersPath), {KrakenResult(R"({"open":{}})")});
  venue_.Script(std::string(kClosedOrdersPath),
                {KrakenResult(R"({"closed":{)" +
                              OrderEntry("OXYZAB-CDEFG-HIJKLM", "closed", "0.50000000",
                                         "32500.05000", {"TQWERT-YUIOP-ASDFGH"}, Id(70).view()) +
                              R"(},"count":1})"),
                 KrakenResult(R"({"closed":{},"count":0})")});
  venue_.Script(std::string(kQueryTradesPath),
                {KrakenResult("{" +
                              TradeEntry("TQWERT-YUIOP-ASDFGH", "OXYZAB-CDEFG-HIJKLM", "65000.1",
                                         "0.50000000", "52.00008", false) +
                              "}")});
  StartGateway();

  gateway_->Query(RefOf(70));
  ASSERT_TRUE(WaitForError("not an open order"));
  EXPECT_TRUE(UpdatesOf(70).empty());  // not open: nothing said yet
  gateway_->Query(RefOf(70));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto open = venue_.Requests(std::string(kOpenOrdersPath));
  ASSERT_EQ(open.size(), 1u);
  ExpectSigned(open[0], "OpenOrders");
  EXPECT_EQ(BodyParams(open[0]),
            (Params{{"cl_ord_id", std::string(Id(70).view())}, {"trades", "true"}}));
  const auto closed = venue_.Requests(std::string(kClosedOrdersPath));
  ASSERT_EQ(closed.size(), 1u);
  ExpectSigned(closed[0], "ClosedOrders");
  EXPECT_EQ(BodyParams(closed[0]),
            (Params{{"cl_ord_id", std::string(Id(70).view())}, {"trades", "true"}}));
  const auto trades = venue_.Requests(std::string(kQueryTradesPath));
  ASSERT_EQ(trades.size(), 1u);
  EXPECT_EQ(BodyParams(trades[0]), (Params{{"txid", "TQWERT-YUIOP-ASDFGH"}}));

  const auto fills = sink_.All<core::Fill>();
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].client_order_id, Id(70));
  EXPECT_EQ(fills[0].trade_id.view(), "TQWERT-YUIOP-ASDFGH");
  EXPECT_EQ(fills[0].fee.mantissa(), 5'200'008'000);
  const auto found = UpdatesOf(70);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].status, OrderStatus::kFilled);
  EXPECT_EQ(found[0].venue_order_id.view(), "OXYZAB-CDEFG-HIJKLM");  // now known
  EXPECT_EQ(found[0].venue_time_ns, 1'700'000'000'750'000'000);      // closetm
  EXPECT_FALSE(found[0].not_found);

  // Another order in neither list: not found, after both were asked.
  gateway_->Query(RefOf(71));
  ASSERT_TRUE(venue_.WaitForRequests(std::string(kOpenOrdersPath), 2));
  ASSERT_TRUE(WaitForError(std::string(Id(71).view()) + " is not an open order"));
  gateway_->Query(RefOf(71));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto missing = UpdatesOf(71);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(missing[0].not_found);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(venue_.Requests(std::string(kClosedOrdersPath)).size(), 2u);
  // And the next query of it starts from the open orders again.
  gateway_->Query(RefOf(71));
  ASSERT_TRUE(venue_.WaitForRequests(std::string(kOpenOrdersPath), 3));
  EXPECT_EQ(venue_.Requests(std::string(kClosedOrdersPath)).size(), 2u);
}

// QueryTrades takes 20 ids: the rest come with the next query.
TEST_F(KrakenGatewayTest, ManyTradesAreFetchedTwentyAtATime) {
  std::vector<std::string> ids;
  for (int i = 0; i < 25; ++i) {
    char id[32];
    std::snprintf(id, sizeof(id), "T%05d-AAAAA-BBBBBB", i);
    ids.push_back(id);
  }
  const auto trades_answer = [&](int from, int to) {
    std::string result = "{";
    for (int i = from; i < to; ++i) {
      if (i > from) result += ",";
      result += TradeEntry(ids[static_cast<std::size_t>(i)], "OUF4EM-FRGI2-MQMWZD", "65000.0",
                           "0.02000000", "0", true);
    }
    return KrakenResult(result + "}");
  };
  venue_.Script(
      std::string(kQueryOrdersPath),
      {KrakenResult("{" +
                    OrderEntry("OUF4EM-FRGI2-MQMWZD", "closed", "0.50000000", "32500.00000", ids) +
                    "}")});
  venue_.Script(std::string(kQueryTradesPath), {trades_answer(0, 20), trades_answer(20, 25)});
  StartGateway();
  gateway_->Query(RefOf(80, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_EQ(sink_.All<core::Fill>().size(), 20u);
  gateway_->Query(RefOf(80, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_EQ(sink_.All<core::Fill>().size(), 25u);
  gateway_->Query(RefOf(80, "OUF4EM-FRGI2-MQMWZD"));
  ASSERT_TRUE(WaitForUpdates(3));

  const auto requests = venue_.Requests(std::string(kQueryTradesPath));
  ASSERT_EQ(requests.size(), 2u);  // the third query had nothing left to fetch
  std::string first;
  for (int i = 0; i < 20; ++i) first += (i == 0 ? "" : "%2C") + ids[static_cast<std::size_t>(i)];
  EXPECT_EQ(BodyParams(requests[0]), (Params{{"txid", first}}));
  std::string second;
  for (int i = 20; i < 25; ++i) second += (i == 20 ? "" : "%2C") + ids[static_cast<std::size_t>(i)];
  EXPECT_EQ(BodyParams(requests[1]), (Params{{"txid", second}}));
  std::set<std::string> seen;
  for (const auto& fill : sink_.All<core::Fill>()) seen.insert(std::string(fill.trade_id.view()));
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
  for (const auto& update : UpdatesOf(80)) EXPECT_EQ(update.status, OrderStatus::kFilled);
}

// (j) Balances and the state of the keys.
TEST_F(KrakenGatewayTest, BalancesAreAFramedReportAndProveTheKeys) {
  venue_.Script(std::string(kBalanceExPath), {Answer{200, std::string(kBalanceEx)}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(4));
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));

  const auto requests = venue_.Requests(std::string(kBalanceExPath));
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(ExpectSigned(requests[0], "BalanceEx"), kNowMs);
  EXPECT_TRUE(BodyParams(requests[0]).empty());

  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 4u);
  const std::tuple<const char*, std::int64_t, std::int64_t, std::uint8_t> expected[] = {
      {"USD", 1'718'545'000'000, 824'976'000'000, core::BalanceUpdate::kFirst},
      {"BTC", 40'120'000, 84'230'000, 0},
      {"BTC.F", 120'000, 0, 0},
      {"USDT", 12'025'000'000, 2'000'000'000, core::BalanceUpdate::kLast}};
  for (std::size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(balances[i].asset.view(), std::get<0>(expected[i]));
    EXPECT_EQ(balances[i].free.mantissa(), std::get<1>(expected[i]));
    EXPECT_EQ(balances[i].locked.mantissa(), std::get<2>(expected[i]));
    EXPECT_EQ(balances[i].flags, std::get<3>(expected[i]));
    EXPECT_EQ(balances[i].venue, core::Venue::kKraken);
    EXPECT_EQ(balances[i].time_ns, kNowNs);
  }
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_TRUE(statuses[0].last_error.empty());
  // Loaded: no retry.
  EXPECT_FALSE(venue_.WaitForRequests(std::string(kBalanceExPath), 2, 200ms));
}

TEST_F(KrakenGatewayTest, RefusedKeysAreReportedAndNotRetried) {
  venue_.Script(std::string(kBalanceExPath), {KrakenError("EAPI:Invalid key")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));
  const auto statuses = sink_.All<core::GatewayStatus>();
  EXPECT_EQ(statuses.back().keys, core::KeyState::kRefused);
  EXPECT_NE(statuses.back().last_error.view().find("EAPI:Invalid key"), std::string_view::npos);
  EXPECT_EQ(statuses.back().last_error_ns, kNowNs);
  EXPECT_TRUE(sink_.All<core::BalanceUpdate>().empty());
  // balance_retry_min is 20 ms: ten times that passes without a second request.
  EXPECT_FALSE(venue_.WaitForRequests(std::string(kBalanceExPath), 2, 200ms));
  EXPECT_EQ(venue_.Requests(std::string(kBalanceExPath)).size(), 1u);
}

TEST_F(KrakenGatewayTest, BalancesAreRetriedUntilTheVenueAnswers) {
  venue_.Script(std::string(kBalanceExPath),
                {Answer{500, "Internal Server Error"}, KrakenError("EAPI:Invalid nonce"),
                 KrakenResult("{}")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(venue_.WaitForRequests(std::string(kBalanceExPath), 3));
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(1));
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 1u);  // an empty account is still a framed report
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kLast));
  EXPECT_TRUE(balances[0].asset.empty());
  std::vector<std::int64_t> nonces;
  for (const auto& request : venue_.Requests(std::string(kBalanceExPath))) {
    nonces.push_back(ExpectSigned(request, "BalanceEx"));
  }
  ASSERT_EQ(nonces.size(), 3u);
  EXPECT_TRUE(nonces[0] < nonces[1] && nonces[1] < nonces[2]);
  ASSERT_TRUE(sink_.WaitUntil([](const std::vector<core::Event>& events, int) {
    for (const auto& event : events) {
      const auto* status = std::get_if<core::GatewayStatus>(&event);
      if (status != nullptr && status->keys == core::KeyState::kValid) return true;
    }
    return false;
  }));
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_GE(statuses.size(), 3u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kUnchecked);
  EXPECT_NE(statuses[0].last_error.view().find("500"), std::string_view::npos);
  EXPECT_NE(statuses[1].last_error.view().find("EAPI:Invalid nonce"), std::string_view::npos);
  EXPECT_EQ(statuses[1].keys, core::KeyState::kUnchecked);  // a stale nonce refuses no key
}

}  // namespace
}  // namespace tradingd::gateways::kraken
