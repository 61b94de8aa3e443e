// gateways/bybit/bybit_orders.h and bybit_gateway.h: Bybit v5 spot order entry.
//
// The expected request bodies are written here by hand from Bybit's v5 docs (order/create-order:
// category, symbol, side Buy|Sell, orderType Market|Limit, qty, marketUnit, price, timeInForce
// GTC|IOC|FOK|PostOnly, isLeverage, orderLinkId; order/cancel-order; order/open-order;
// order/execution; account/wallet-balance). The answers are the venue's own documentation examples
// and nautilus_trader's Bybit fixtures (../shared/fixtures/bybit): every expected value is read
// from the fixture in the test, never copied from what our parser printed. Hostile bodies must give
// an error and leave the outputs untouched, never crash.
//
// The second half runs RestGateway with the Bybit protocol against a loopback net::HttpServer that
// plays Bybit's REST endpoints with scripted answers: the fake venue on its own IoThread, the
// gateway on another, the test thread waiting on condition variables (never a sleep). Signatures
// are checked with OpenSSL's one-shot HMAC() over the documented plaintext (v5/guide: timestamp +
// api_key + recv_window + queryString | jsonBodyString), not with the code base's Signer.

#include "gateways/bybit/bybit_orders.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
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
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "gateways/bybit/bybit_gateway.h"
#include "gateways/common/rest_gateway.h"
#include "net/http_server.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_json.h"
#include "tests/support/io_thread.h"
#include "tests/support/recording_sink.h"

namespace tradingd::gateways::bybit {
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
  instrument.venue = core::Venue::kBybit;
  instrument.base = base;
  instrument.quote = quote;
  instrument.canonical = base + "-" + quote;
  instrument.venue_symbol = base + quote;
  instrument.price_scale = price_scale;
  instrument.quantity_scale = quantity_scale;
  return instrument;
}

// Bybit spot BTCUSDT: tickSize 0.01, basePrecision 0.000001.
core::Instrument BtcUsdt() { return MakeInstrument(3, "BTC", "USDT", 2, 6); }
// A coarser one, to see the instrument's scale used.
core::Instrument EthUsdt() { return MakeInstrument(4, "ETH", "USDT", 2, 4); }

core::ClientOrderId ClientId() {
  auto id = core::ClientOrderId::Parse(kClientId);
  EXPECT_TRUE(id.has_value());
  return id.value_or(core::ClientOrderId());
}

// The mantissa of a decimal text at `scale`, computed independently of core::ParseDecimal: the
// digits with the point removed, the fraction padded (or trimmed of trailing zeros) to `scale`.
// With `truncate`, digits past the scale are dropped instead.
std::int64_t Mantissa(std::string_view text, int scale, bool truncate = false) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative) text.remove_prefix(1);
  const std::size_t point = text.find('.');
  std::string integer(text.substr(0, point));
  std::string fraction = point == std::string_view::npos ? "" : std::string(text.substr(point + 1));
  while (static_cast<int>(fraction.size()) > scale) {
    if (!truncate) {
      EXPECT_EQ(fraction.back(), '0') << text << " is finer than scale " << scale;
    }
    fraction.pop_back();
  }
  fraction.append(static_cast<std::size_t>(scale) - fraction.size(), '0');
  const std::int64_t value = std::stoll(integer + fraction);
  return negative ? -value : value;
}

core::OrderSpec Spec(const core::Instrument& instrument, OrderType type, Side side,
                     std::string_view quantity, std::string_view price = {},
                     TimeInForce tif = TimeInForce::kGtc, bool post_only = false) {
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
  spec.client_order_id = ClientId();
  return spec;
}

core::OrderRef Ref(const core::Instrument& instrument, std::string_view venue_order_id = {}) {
  core::OrderRef ref;
  ref.instrument = instrument.id;
  ref.client_order_id = ClientId();
  if (!venue_order_id.empty()) ref.venue_order_id.Assign(venue_order_id);
  return ref;
}

std::string Replace(std::string body, std::string_view from, std::string_view to) {
  const std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// ---- a small JSON reader of the test's own ----
// To read the fixtures and the bodies we send independently of the code under test. (simdjson is
// not used here: tradingd_gateways links it PRIVATE, so this target does not get its
// SIMDJSON_THREADS_ENABLED definition, and including simdjson.h here would give dom::parser two
// layouts in one program.)
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
  EXPECT_NE(value, nullptr) << "lacks " << key;
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
// The members of an object as (name, token) pairs in order, strings unquoted: to compare a body
// we send with the documented parameter list, member by member.
std::vector<std::pair<std::string, std::string>> Members(const Json& obj) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [name, value] : obj.members) {
    out.emplace_back(name, value.kind == Json::Kind::kNull ? "null" : value.text);
  }
  return out;
}

TEST(BybitOrdersFixtureSupport, JsonReaderReadsWhatTheFixturesUse) {
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
  EXPECT_EQ(Mantissa("-0.0001", 8), -10000);
  EXPECT_EQ(Mantissa("26.3725275", 8), 2637252750);
  EXPECT_EQ(Mantissa("1.123456789", 8, /*truncate=*/true), 112345678);
}

// ---- requests: one exact body per order type ----

TEST(BybitOrdersRequests, MarketOrdersAreInTheBaseCoinWithoutPriceOrTimeInForce) {
  // create-order: qty of a UTA spot Market Buy is by value unless marketUnit=baseCoin; "Market
  // order will always use IOC" (so no timeInForce is sent, whatever the spec carries).
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderBody(Spec(btc, OrderType::kMarket, Side::kBuy, "0.0015"), btc, "spot"),
            R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market",)"
            R"("qty":"0.0015","marketUnit":"baseCoin","isLeverage":0,)"
            R"("orderLinkId":"0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(NewOrderBody(Spec(btc, OrderType::kMarket, Side::kSell, "2", {}, TimeInForce::kFok),
                         btc, "spot"),
            R"({"category":"spot","symbol":"BTCUSDT","side":"Sell","orderType":"Market",)"
            R"("qty":"2","marketUnit":"baseCoin","isLeverage":0,)"
            R"("orderLinkId":"0123456789abcdef0123456789abcdef"})");
}

TEST(BybitOrdersRequests, LimitOrdersCarryPriceAndEachTimeInForce) {
  const core::Instrument btc = BtcUsdt();
  const std::pair<TimeInForce, const char*> cases[] = {
      {TimeInForce::kGtc, "GTC"}, {TimeInForce::kIoc, "IOC"}, {TimeInForce::kFok, "FOK"}};
  for (const auto& [tif, name] : cases) {
    SCOPED_TRACE(name);
    EXPECT_EQ(
        NewOrderBody(Spec(btc, OrderType::kLimit, Side::kSell, "1.5", "65000.1", tif), btc, "spot"),
        std::string(R"({"category":"spot","symbol":"BTCUSDT","side":"Sell",)"
                    R"("orderType":"Limit","qty":"1.5","price":"65000.1","timeInForce":")") +
            name + R"(","isLeverage":0,"orderLinkId":"0123456789abcdef0123456789abcdef"})");
  }
}

TEST(BybitOrdersRequests, PostOnlyIsTheTimeInForcePostOnly) {
  // create-order: "PostOnly: If the order would be filled immediately when submitted, it will be
  // cancelled"; the docs' own example: "timeInForce":"PostOnly".
  const core::Instrument btc = BtcUsdt();
  EXPECT_EQ(NewOrderBody(Spec(btc, OrderType::kLimit, Side::kBuy, "0.1", "15600", TimeInForce::kGtc,
                              /*post_only=*/true),
                         btc, "spot"),
            R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
            R"("qty":"0.1","price":"15600","timeInForce":"PostOnly","isLeverage":0,)"
            R"("orderLinkId":"0123456789abcdef0123456789abcdef"})");
}

TEST(BybitOrdersRequests, StopTypesAreNeverSentAsAPlainOrder) {
  // The engine holds stops for Bybit and RestGateway refuses them first; should one reach the
  // builder anyway, its orderType is empty (the venue refuses it), never Limit or Market.
  const core::Instrument btc = BtcUsdt();
  for (const OrderType type : {OrderType::kStopLoss, OrderType::kStopLossLimit,
                               OrderType::kTakeProfit, OrderType::kTakeProfitLimit}) {
    SCOPED_TRACE(core::OrderTypeName(type));
    const Json body =
        ParseJsonOrFail(NewOrderBody(Spec(btc, type, Side::kSell, "1", "100"), btc, "spot"));
    EXPECT_EQ(Str(body, "orderType"), "");
    EXPECT_EQ(body.Find("price"), nullptr);
    EXPECT_EQ(body.Find("triggerPrice"), nullptr);
  }
}

TEST(BybitOrdersRequests, EveryBodyIsJsonWithExactlyTheDocumentedParameters) {
  struct Case {
    OrderType type;
    TimeInForce tif;
    bool post_only;
    std::vector<std::pair<std::string, std::string>> members;
  };
  const std::string id(kClientId);
  const Case cases[] = {
      {OrderType::kMarket,
       TimeInForce::kGtc,
       false,
       {{"category", "spot"},
        {"symbol", "ETHUSDT"},
        {"side", "Buy"},
        {"orderType", "Market"},
        {"qty", "1"},
        {"marketUnit", "baseCoin"},
        {"isLeverage", "0"},
        {"orderLinkId", id}}},
      {OrderType::kLimit,
       TimeInForce::kIoc,
       false,
       {{"category", "spot"},
        {"symbol", "ETHUSDT"},
        {"side", "Buy"},
        {"orderType", "Limit"},
        {"qty", "1"},
        {"price", "100"},
        {"timeInForce", "IOC"},
        {"isLeverage", "0"},
        {"orderLinkId", id}}},
      {OrderType::kLimit,
       TimeInForce::kGtc,
       true,
       {{"category", "spot"},
        {"symbol", "ETHUSDT"},
        {"side", "Buy"},
        {"orderType", "Limit"},
        {"qty", "1"},
        {"price", "100"},
        {"timeInForce", "PostOnly"},
        {"isLeverage", "0"},
        {"orderLinkId", id}}},
  };
  const core::Instrument eth = EthUsdt();
  for (const Case& c : cases) {
    SCOPED_TRACE(core::OrderTypeName(c.type));
    const std::string body =
        NewOrderBody(Spec(eth, c.type, Side::kBuy, "1", "100", c.tif, c.post_only), eth, "spot");
    EXPECT_EQ(Members(ParseJsonOrFail(body)), c.members);
    // create-order: orderLinkId "A max of 36 characters. Combinations of numbers, letters (upper
    // and lower cases), dashes, and underscores are supported."
    EXPECT_LE(id.size(), 36u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdefABCDEF-_"), std::string::npos);
  }
}

TEST(BybitOrdersRequests, DecimalsAreWrittenAtTheInstrumentScaleWithoutTrailingZeros) {
  const core::Instrument eth = EthUsdt();  // price 2 decimals, quantity 4
  core::OrderSpec spec = Spec(eth, OrderType::kLimit, Side::kBuy, "1", "1");
  const std::pair<std::int64_t, const char*> prices[] = {
      {6500000, "65000"}, {6500010, "65000.1"}, {6500001, "65000.01"}, {1, "0.01"}};
  const std::pair<std::int64_t, const char*> quantities[] = {
      {10000, "1"}, {12345, "1.2345"}, {12000, "1.2"}, {1, "0.0001"}, {1230000, "123"}};
  for (const auto& [mantissa, text] : prices) {
    spec.price = core::Price::FromMantissa(mantissa);
    EXPECT_EQ(Str(ParseJsonOrFail(NewOrderBody(spec, eth, "spot")), "price"), text);
  }
  for (const auto& [mantissa, text] : quantities) {
    spec.quantity = core::Quantity::FromMantissa(mantissa);
    EXPECT_EQ(Str(ParseJsonOrFail(NewOrderBody(spec, eth, "spot")), "qty"), text);
  }
  // The same mantissa at another scale is another number.
  const core::Instrument btc = BtcUsdt();
  core::OrderSpec small = Spec(btc, OrderType::kMarket, Side::kBuy, "1");
  small.quantity = core::Quantity::FromMantissa(1);
  EXPECT_EQ(Str(ParseJsonOrFail(NewOrderBody(small, btc, "spot")), "qty"), "0.000001");
}

TEST(BybitOrdersRequests, CancelQueryExecutionAndBalanceParameters) {
  const core::Instrument btc = BtcUsdt();
  // cancel-order: "You must specify orderId or orderLinkId"; "If orderId and orderLinkId do not
  // match, the system will process orderId first".
  EXPECT_EQ(CancelBody(Ref(btc), btc, "spot"),
            R"({"category":"spot","symbol":"BTCUSDT",)"
            R"("orderLinkId":"0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(CancelBody(Ref(btc, "1321003749386327552"), btc, "spot"),
            R"({"category":"spot","symbol":"BTCUSDT","orderId":"1321003749386327552",)"
            R"("orderLinkId":"0123456789abcdef0123456789abcdef"})");
  EXPECT_EQ(OrderQueryParams(Ref(btc), btc, "spot"),
            "category=spot&symbol=BTCUSDT&orderLinkId=0123456789abcdef0123456789abcdef");
  EXPECT_EQ(OrderQueryParams(Ref(btc, "fd4300ae-7847-404e-b947-b46980a4d140"), btc, "spot"),
            "category=spot&symbol=BTCUSDT&orderId=fd4300ae-7847-404e-b947-b46980a4d140"
            "&orderLinkId=0123456789abcdef0123456789abcdef");
  // execution: "limit: [1, 100]. Default: 50".
  EXPECT_EQ(ExecutionListParams(Ref(btc, "1321003749386327552"), btc, "spot"),
            "category=spot&symbol=BTCUSDT&orderId=1321003749386327552&limit=100");
  EXPECT_EQ(ExecutionListParams(Ref(btc), btc, "spot"),
            "category=spot&symbol=BTCUSDT&orderLinkId=0123456789abcdef0123456789abcdef&limit=100");
  // An id that came from elsewhere cannot break the query string.
  EXPECT_EQ(ExecutionListParams(Ref(btc, "a&b=c d"), btc, "spot"),
            "category=spot&symbol=BTCUSDT&orderId=a%26b%3Dc%20d&limit=100");
  // wallet-balance: "Unified account: UNIFIED (trade spot/linear/options)".
  EXPECT_EQ(WalletBalanceParams(), "accountType=UNIFIED");
  // Every JSON body parses (the symbol comes from configuration and is escaped).
  core::Instrument odd = btc;
  odd.venue_symbol = "BTC\"USDT";
  EXPECT_EQ(Str(ParseJsonOrFail(CancelBody(Ref(odd), odd, "spot")), "symbol"), "BTC\"USDT");
}

// ---- answers: Bybit's own documentation examples and nautilus_trader's fixtures ----

// The body of the docs example taken from `file` (bybit_v5_doc_examples.json).
std::string DocExample(const std::filesystem::path& path, std::string_view file) {
  const Json root = ParseJsonOrFail(ReadFile(path));
  for (const Json& example : Member(root, "examples").items) {
    const Json* f = example.Find("file");
    const Json* body = example.Find("body_text");
    if (f != nullptr && body != nullptr && f->text == file) return body->text;
  }
  ADD_FAILURE() << "no example from " << file;
  return {};
}

// enum#orderstatus, written here from the docs: open New / PartiallyFilled / Untriggered, closed
// Rejected / PartiallyFilledCanceled / Filled / Cancelled / Triggered / Deactivated (and Created,
// from earlier versions of the page). A dropped remainder of an IOC/FOK/Market order is EXPIRED;
// a Rejected order that executed keeps its fills, so it is not REJECTED.
OrderStatus ExpectedStatus(std::string_view bybit, bool executed, bool immediate) {
  const OrderStatus dropped = immediate ? OrderStatus::kExpired : OrderStatus::kCanceled;
  static const std::map<std::string, int, std::less<>> kKinds = {{"New", 0},
                                                                 {"Created", 0},
                                                                 {"Untriggered", 0},
                                                                 {"Triggered", 0},
                                                                 {"PartiallyFilled", 1},
                                                                 {"Filled", 2},
                                                                 {"Cancelled", 3},
                                                                 {"PartiallyFilledCanceled", 3},
                                                                 {"Deactivated", 4},
                                                                 {"Rejected", 5}};
  const auto it = kKinds.find(bybit);
  EXPECT_NE(it, kKinds.end()) << "undocumented status " << bybit;
  switch (it == kKinds.end() ? -1 : it->second) {
    case 0:
      return OrderStatus::kNew;
    case 1:
      return OrderStatus::kPartiallyFilled;
    case 2:
      return OrderStatus::kFilled;
    case 3:
      return dropped;
    case 4:
      return OrderStatus::kCanceled;
    case 5:
      return executed ? dropped : OrderStatus::kRejected;
    default:
      return OrderStatus::kUnknown;
  }
}

core::OrderUpdate FreshUpdate() {
  core::OrderUpdate update;
  update.client_order_id = ClientId();
  return update;
}

// Checks an order entry parsed by ParseOrderList against the same entry read independently here.
void ExpectOrderMatches(const Json& entry, const core::Instrument& instrument,
                        const core::OrderUpdate& update) {
  EXPECT_EQ(update.venue, instrument.venue);
  EXPECT_EQ(update.instrument, instrument.id);
  EXPECT_EQ(update.client_order_id.view(), kClientId);  // ours, kept
  const std::int64_t executed = Mantissa(Str(entry, "cumExecQty"), instrument.quantity_scale);
  const std::string tif = Str(entry, "timeInForce");
  const bool immediate = tif == "IOC" || tif == "FOK" || Str(entry, "orderType") == "Market";
  EXPECT_EQ(update.status, ExpectedStatus(Str(entry, "orderStatus"), executed > 0, immediate));
  EXPECT_EQ(update.venue_order_id.view(), Str(entry, "orderId"));
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(), executed);
  EXPECT_EQ(update.filled_notional.mantissa(),
            Mantissa(Str(entry, "cumExecValue"), core::kAmountScale, true));
  EXPECT_EQ(update.venue_time_ns, std::stoll(Str(entry, "updatedTime")) * 1'000'000);
  const std::string reason = Str(entry, "rejectReason");
  EXPECT_EQ(update.message.view(), reason == "EC_NoError" ? "" : reason);
  EXPECT_FALSE(update.not_found);
  EXPECT_FALSE(update.cancel_refused);
}

TEST(BybitOrdersFixtures, DocsCreateAndCancelAcknowledgements) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_doc_examples.json");
  for (const char* file : {"docs/v5/order/create-order.mdx", "docs/v5/order/cancel-order.mdx"}) {
    SCOPED_TRACE(file);
    const std::string body = DocExample(path, file);
    const Json root = ParseJsonOrFail(body);
    const Json& result = Member(root, "result");
    core::OrderUpdate update = FreshUpdate();
    const core::Status status = ParseAck(body, Str(result, "orderLinkId"), &update);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(update.venue_order_id.view(), Str(result, "orderId"));
    EXPECT_EQ(update.venue_time_ns, Int(root, "time") * 1'000'000);
    EXPECT_EQ(update.client_order_id.view(), kClientId);
    EXPECT_FALSE(update.has_filled);  // an ack says nothing of executions

    // The acknowledgement of another order is not ours.
    core::OrderUpdate other = FreshUpdate();
    EXPECT_FALSE(ParseAck(body, kClientId, &other).ok());
    EXPECT_TRUE(other.venue_order_id.empty());

    Envelope envelope;
    ASSERT_TRUE(ParseEnvelope(body, &envelope));
    EXPECT_EQ(envelope.ret_code, Int(root, "retCode"));
    EXPECT_EQ(envelope.ret_msg, Str(root, "retMsg"));
    EXPECT_EQ(envelope.time_ns, Int(root, "time") * 1'000'000);
  }
}

TEST(BybitOrdersFixtures, DocsOpenOrder) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_doc_examples.json");
  const std::string body = DocExample(path, "docs/v5/order/open-order.mdx");
  const Json entry = Member(Member(ParseJsonOrFail(body), "result"), "list").items.at(0);
  const core::Instrument eth = EthUsdt();
  ASSERT_EQ(Str(entry, "symbol"), eth.venue_symbol);
  core::OrderUpdate update = FreshUpdate();
  bool found = false;
  const core::Status status = ParseOrderList(body, eth, Str(entry, "orderLinkId"), &update, &found);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(found);
  EXPECT_EQ(update.status, OrderStatus::kNew);
  ExpectOrderMatches(entry, eth, update);

  // Asked for an order the list does not hold: an error, not "not found".
  core::OrderUpdate other = FreshUpdate();
  bool other_found = true;
  EXPECT_FALSE(ParseOrderList(body, eth, kClientId, &other, &other_found).ok());
  EXPECT_TRUE(other_found);  // untouched
  EXPECT_TRUE(other.venue_order_id.empty());
  // The same list read for another symbol: refused.
  core::OrderUpdate wrong = FreshUpdate();
  EXPECT_FALSE(
      ParseOrderList(body, BtcUsdt(), Str(entry, "orderLinkId"), &wrong, &other_found).ok());
  EXPECT_FALSE(wrong.has_filled);
}

TEST(BybitOrdersFixtures, NautilusRealtimeOrders) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/nautilus_fixtures/http_get_orders_realtime.json");
  const std::string body = ReadFile(path);
  const Json root = ParseJsonOrFail(body);
  const core::Instrument eth = MakeInstrument(4, "ETH", "USDT", 2, 3);
  // Two orders in the list: each one is found by its own orderLinkId.
  for (const Json& entry : Member(Member(root, "result"), "list").items) {
    SCOPED_TRACE(Str(entry, "orderLinkId"));
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    const core::Status status =
        ParseOrderList(body, eth, Str(entry, "orderLinkId"), &update, &found);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(found);
    ExpectOrderMatches(entry, eth, update);
  }
}

TEST(BybitOrdersFixtures, NautilusPartiallyFilledThenRejected) {
  TRADINGD_REQUIRE_FIXTURE(path,
                           "bybit/nautilus_fixtures/http_get_order_partially_filled_rejected.json");
  const std::string body = ReadFile(path);
  const Json entry = Member(Member(ParseJsonOrFail(body), "result"), "list").items.at(0);
  const core::Instrument btc = MakeInstrument(3, "BTC", "USDT", 2, 3);
  core::OrderUpdate update = FreshUpdate();
  bool found = false;
  const core::Status status = ParseOrderList(body, btc, Str(entry, "orderLinkId"), &update, &found);
  ASSERT_TRUE(status.ok()) << status.ToString();
  ASSERT_TRUE(found);
  // "Rejected" after an execution: the fills stand, the GTC remainder was dropped.
  EXPECT_EQ(Str(entry, "orderStatus"), "Rejected");
  EXPECT_EQ(update.status, OrderStatus::kCanceled);
  EXPECT_FALSE(update.filled_quantity.is_zero());
  EXPECT_EQ(update.message.view(), Str(entry, "rejectReason"));
  ExpectOrderMatches(entry, btc, update);
}

void ExpectWalletMatches(std::string_view body, const std::vector<core::BalanceUpdate>& balances,
                         core::TimestampNs now) {
  std::vector<const Json*> coins;
  const Json root = ParseJsonOrFail(body);
  for (const Json& account : Member(Member(root, "result"), "list").items) {
    for (const Json& coin : Member(account, "coin").items) coins.push_back(&coin);
  }
  ASSERT_EQ(balances.size(), coins.size());
  for (std::size_t i = 0; i < coins.size(); ++i) {
    SCOPED_TRACE(i);
    const Json& coin = *coins[i];
    const core::BalanceUpdate& balance = balances[i];
    const auto amount = [&](std::string_view key) -> std::int64_t {
      const Json* value = coin.Find(key);
      return value == nullptr || value->text.empty()
                 ? 0
                 : Mantissa(value->text, core::kAmountScale, true);
    };
    const std::int64_t free = amount("walletBalance") - amount("spotBorrow") - amount("locked");
    EXPECT_EQ(balance.venue, core::Venue::kBybit);
    EXPECT_EQ(balance.asset.view(), Str(coin, "coin"));
    EXPECT_EQ(balance.free.mantissa(), free > 0 ? free : 0);
    EXPECT_EQ(balance.locked.mantissa(), amount("locked"));
    EXPECT_EQ(balance.time_ns, now);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kFirst), i == 0);
    EXPECT_EQ(balance.has(core::BalanceUpdate::kLast), i + 1 == balances.size());
  }
}

TEST(BybitOrdersFixtures, WalletBalances) {
  TRADINGD_REQUIRE_FIXTURE(docs, "bybit/docs_examples/bybit_v5_doc_examples.json");
  TRADINGD_REQUIRE_FIXTURE(nautilus, "bybit/nautilus_fixtures/http_get_wallet_balance.json");
  constexpr core::TimestampNs kNow = 1'700'000'000'000'000'000;
  for (const std::string& body :
       {DocExample(docs, "docs/v5/account/wallet-balance.mdx"), ReadFile(nautilus)}) {
    std::vector<core::BalanceUpdate> balances;
    const core::Status status = ParseWalletBalance(body, core::Venue::kBybit, kNow, &balances);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ExpectWalletMatches(body, balances, kNow);
  }
  // The nautilus account holds USDT, and owes ETH (spotBorrow): nothing of it is free.
  std::vector<core::BalanceUpdate> balances;
  ASSERT_TRUE(ParseWalletBalance(ReadFile(nautilus), core::Venue::kBybit, kNow, &balances).ok());
  ASSERT_EQ(balances.size(), 3u);
  EXPECT_EQ(balances[1].asset.view(), "USDT");
  EXPECT_EQ(balances[1].free.mantissa(), 100'050'000'000);
  EXPECT_EQ(balances[2].asset.view(), "ETH");
  EXPECT_TRUE(balances[2].free.is_zero());
}

// order/execution.mdx, "Response Example" (verbatim).
constexpr std::string_view kDocsExecutions = R"({
    "retCode": 0,
    "retMsg": "OK",
    "result": {
        "nextPageCursor": "132766%3A2%2C132766%3A2",
        "category": "linear",
        "list": [
            {
                "symbol": "ETHPERP",
                "orderType": "Market",
                "underlyingPrice": "",
                "orderLinkId": "",
                "side": "Buy",
                "indexPrice": "",
                "orderId": "8c065341-7b52-4ca9-ac2c-37e31ac55c94",
                "stopOrderType": "UNKNOWN",
                "leavesQty": "0",
                "execTime": "1672282722429",
                "feeCurrency": "",
                "isMaker": false,
                "execFee": "0.071409",
                "feeRate": "0.0006",
                "execId": "e0cbe81d-0f18-5866-9415-cf319b5dab3b",
                "tradeIv": "",
                "blockTradeId": "",
                "markPrice": "1183.54",
                "execPrice": "1190.15",
                "markIv": "",
                "orderQty": "0.1",
                "orderPrice": "1236.9",
                "execValue": "119.015",
                "execType": "Trade",
                "execQty": "0.1",
                "closedSize": "",
                "extraFees": "",
                "seq": 4688002127
            }
        ]
    },
    "retExtInfo": {},
    "time": 1672283754510
})";

// enum "Spot Fee Currency Instruction", written here: with a positive fee rate a Buy pays in the
// base and a Sell in the quote; with a negative (maker) rate the other way round.
std::string ExpectedFeeAsset(const Json& execution, const core::Instrument& instrument) {
  const Json* currency = execution.Find("feeCurrency");
  if (currency != nullptr && !currency->text.empty()) return currency->text;
  const Json* rate = execution.Find("feeRate");
  const bool negative = rate != nullptr && !rate->text.empty() && rate->text.front() == '-';
  const bool buy = Str(execution, "side") == "Buy";
  if (buy) return negative ? instrument.quote : instrument.base;
  return negative ? instrument.base : instrument.quote;
}

void ExpectExecutionsMatch(std::string_view body, const core::Instrument& instrument,
                           const std::vector<core::Fill>& fills) {
  const std::vector<Json> list = Member(Member(ParseJsonOrFail(body), "result"), "list").items;
  ASSERT_EQ(fills.size(), list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    SCOPED_TRACE(i);
    const Json& expected = list[i];
    const core::Fill& fill = fills[i];
    EXPECT_EQ(fill.venue, core::Venue::kBybit);
    EXPECT_EQ(fill.instrument, instrument.id);
    EXPECT_TRUE(fill.client_order_id.empty());  // the caller knows which order it asked for
    EXPECT_EQ(fill.trade_id.view(), Str(expected, "execId"));
    EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(expected, "execPrice"), instrument.price_scale));
    EXPECT_EQ(fill.quantity.mantissa(),
              Mantissa(Str(expected, "execQty"), instrument.quantity_scale));
    EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(expected, "execFee"), core::kAmountScale, true));
    EXPECT_EQ(fill.fee_asset.view(), ExpectedFeeAsset(expected, instrument));
    EXPECT_EQ(fill.maker, Bool(expected, "isMaker"));
    EXPECT_EQ(fill.side, Str(expected, "side") == "Buy" ? Side::kBuy : Side::kSell);
    EXPECT_EQ(fill.venue_time_ns, std::stoll(Str(expected, "execTime")) * 1'000'000);
  }
}

TEST(BybitOrdersFixtures, ExecutionsDocsExampleAndNautilusPush) {
  {
    SCOPED_TRACE("docs");
    const core::Instrument eth = MakeInstrument(5, "ETH", "PERP", 2, 3);
    std::vector<core::Fill> fills;
    const core::Status status = ParseExecutions(kDocsExecutions, eth, kClientId,
                                                "8c065341-7b52-4ca9-ac2c-37e31ac55c94", &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ExpectExecutionsMatch(kDocsExecutions, eth, fills);
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].fee_asset.view(), "ETH");  // feeCurrency "": a Buy pays in the base
    // The executions of another order are not ours.
    std::vector<core::Fill> other;
    EXPECT_FALSE(ParseExecutions(kDocsExecutions, eth, kClientId, "another", &other).ok());
    EXPECT_TRUE(other.empty());
  }
  {
    // The private stream's execution has the same shape as the REST list's entries: wrapped in
    // the REST envelope, it reads the same.
    TRADINGD_REQUIRE_FIXTURE(path, "bybit/nautilus_fixtures/ws_account_execution.json");
    SCOPED_TRACE("nautilus");
    const std::string text = ReadFile(path);
    const std::size_t start = text.find('[', text.find("\"data\""));
    const std::size_t end = text.rfind(']');
    ASSERT_NE(start, std::string::npos);
    ASSERT_NE(end, std::string::npos);
    const std::string body = R"({"retCode":0,"retMsg":"OK","result":{"category":"spot","list":)" +
                             text.substr(start, end - start + 1) + R"(},"time":1746270400400})";
    const Json execution = Member(Member(ParseJsonOrFail(body), "result"), "list").items.at(0);
    const core::Instrument btc = MakeInstrument(3, "BTC", "USDT", 2, 3);
    std::vector<core::Fill> fills(1);  // appended after what was there
    const core::Status status = ParseExecutions(body, btc, Str(execution, "orderLinkId"),
                                                Str(execution, "orderId"), &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(fills.size(), 2u);
    fills.erase(fills.begin());
    ExpectExecutionsMatch(body, btc, fills);
    EXPECT_EQ(fills[0].fee_asset.view(), "USDT");  // no feeCurrency: a Sell pays in the quote
    // Another orderLinkId: refused.
    std::vector<core::Fill> other;
    EXPECT_FALSE(ParseExecutions(body, btc, kClientId, {}, &other).ok());
    EXPECT_TRUE(other.empty());
  }
}

TEST(BybitOrders, FeeCurrencyAndRebates) {
  const core::Instrument btc = BtcUsdt();
  const auto one = [&](std::string_view fields) {
    return std::string(R"({"retCode":0,"result":{"list":[{"execId":"e1","execPrice":"100",)"
                       R"("execQty":"1","symbol":"BTCUSDT",)") +
           std::string(fields) + "}]}}";
  };
  struct Case {
    const char* fields;
    const char* asset;
    std::int64_t fee;
  };
  const Case cases[] = {
      {R"("side":"Buy","isMaker":false,"execFee":"0.001","feeRate":"0.001")", "BTC", 100000},
      {R"("side":"Sell","isMaker":false,"execFee":"0.1","feeRate":"0.001")", "USDT", 10000000},
      {R"("side":"Buy","isMaker":true,"execFee":"-0.01","feeRate":"-0.0001")", "USDT", -1000000},
      {R"("side":"Sell","isMaker":true,"execFee":"-0.0001","feeRate":"-0.0001")", "BTC", -10000},
      {R"("side":"Sell","isMaker":true,"execFee":"0.5","feeCurrency":"usdt")", "USDT", 50000000},
      {R"("side":"Buy","execFee":"0.000000019")", "BTC", 1},  // truncated to 8 decimals
      {R"("execFee":"")", "", 0},                             // no side: no asset made up
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.fields);
    std::vector<core::Fill> fills;
    const core::Status status = ParseExecutions(one(c.fields), btc, kClientId, {}, &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].fee_asset.view(), c.asset);
    EXPECT_EQ(fills[0].fee.mantissa(), c.fee);
  }
  // A taker's fee is never negative.
  std::vector<core::Fill> fills;
  EXPECT_FALSE(ParseExecutions(one(R"("side":"Buy","isMaker":false,"execFee":"-0.01")"), btc,
                               kClientId, {}, &fills)
                   .ok());
  EXPECT_FALSE(
      ParseExecutions(one(R"("side":"Buy","execFee":"-0.01")"), btc, kClientId, {}, &fills).ok());
  EXPECT_TRUE(fills.empty());
}

TEST(BybitOrders, EveryDocumentedStatusMaps) {
  const core::Instrument btc = BtcUsdt();
  for (const char* status :
       {"New", "Created", "PartiallyFilled", "Untriggered", "Rejected", "PartiallyFilledCanceled",
        "Filled", "Cancelled", "Triggered", "Deactivated"}) {
    for (const char* executed : {"0", "0.5"}) {
      for (const auto& [tif, type] : {std::pair<const char*, const char*>{"GTC", "Limit"},
                                      {"PostOnly", "Limit"},
                                      {"IOC", "Limit"},
                                      {"FOK", "Limit"},
                                      {"IOC", "Market"}}) {
        SCOPED_TRACE(std::string(status) + " " + executed + " " + tif + " " + type);
        const std::string body =
            std::string(R"({"retCode":0,"result":{"list":[{"orderId":"9","orderLinkId":")") +
            std::string(kClientId) + R"(","orderStatus":")" + status + R"(","cumExecQty":")" +
            executed + R"(","timeInForce":")" + tif + R"(","orderType":")" + type + R"("}]}})";
        core::OrderUpdate update = FreshUpdate();
        bool found = false;
        const core::Status parsed = ParseOrderList(body, btc, kClientId, &update, &found);
        ASSERT_TRUE(parsed.ok()) << parsed.ToString();
        EXPECT_TRUE(found);
        const bool immediate =
            std::string(tif) == "IOC" || std::string(tif) == "FOK" || std::string(type) == "Market";
        EXPECT_EQ(update.status, ExpectedStatus(status, std::string(executed) != "0", immediate));
        EXPECT_EQ(update.venue_order_id.view(), "9");
        EXPECT_TRUE(update.message.empty());
      }
    }
  }
  // An empty list: not found (the caller decides what that means), the update untouched.
  core::OrderUpdate update = FreshUpdate();
  update.status = OrderStatus::kPendingNew;
  bool found = true;
  ASSERT_TRUE(ParseOrderList(R"({"retCode":0,"result":{"list":[],"nextPageCursor":""}})", btc,
                             kClientId, &update, &found)
                  .ok());
  EXPECT_FALSE(found);
  EXPECT_EQ(update.status, OrderStatus::kPendingNew);
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

// Whether `text` holds one of `phrases` (lower case), ignoring case.
bool Mentions(std::string_view text, const std::vector<std::string>& phrases) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const std::string& phrase : phrases) {
    if (lower.find(phrase) != std::string::npos) return true;
  }
  return false;
}

TEST(BybitOrdersFixtures, EveryDocumentedErrorCode) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_error_codes.json");
  const Json root = ParseJsonOrFail(ReadFile(path));
  // What error.mdx's own words say about each retCode of the tables the spot order endpoints
  // answer with (UTA and Spot Trade), independently of the code under test.
  const std::vector<std::string> unknown = {"timeout",      "server error",  "internal error",
                                            "system error", "network error", "for processing"};
  const std::vector<std::string> key = {"api key", "error sign", "permission denied",
                                        "authentication failed", "unmatched ip"};
  const std::vector<std::string> throttle = {"too many visits", "too many new orders",
                                             "too many requests", "high server load"};
  const std::vector<std::string> missing = {"order does not exist"};
  std::size_t count = 0, unknowns = 0, keys = 0, throttles = 0, missings = 0;
  std::set<std::int64_t> http_codes;
  for (const Json& entry : Member(root, "errors").items) {
    const std::string table = Str(entry, "table");
    const std::int64_t code = Int(entry, "code");
    const std::string description = Str(entry, "description");
    if (table == "HTTP Code") http_codes.insert(code);
    if (table != "UTA" && table != "Spot Trade") continue;
    SCOPED_TRACE(std::to_string(code) + " " + description);
    Envelope envelope;
    ASSERT_TRUE(ParseEnvelope("{\"retCode\":" + std::to_string(code) +
                                  ",\"retMsg\":" + JsonString(description) +
                                  ",\"result\":{},\"retExtInfo\":{},\"time\":1671017382656}",
                              &envelope));
    EXPECT_EQ(envelope.ret_code, code);
    EXPECT_EQ(envelope.ret_msg, description);
    EXPECT_EQ(envelope.time_ns, 1'671'017'382'656'000'000);
    const bool is_unknown = Mentions(description, unknown);
    const bool is_key = Mentions(description, key);
    const bool is_throttle = Mentions(description, throttle);
    const bool is_missing = Mentions(description, missing);
    EXPECT_EQ(IsExecutionUnknown(code), is_unknown);
    EXPECT_EQ(IsKeyRefusal(code), is_key);
    EXPECT_EQ(IsThrottle(code), is_throttle);
    EXPECT_EQ(IsOrderMissing(code), is_missing);
    ++count;
    unknowns += is_unknown;
    keys += is_key;
    throttles += is_throttle;
    missings += is_missing;
  }
  EXPECT_GT(count, 250u);
  EXPECT_EQ(unknowns, 11u);
  EXPECT_EQ(keys, 7u);
  EXPECT_EQ(throttles, 4u);
  EXPECT_EQ(missings, 2u);
  // The HTTP codes the gateway maps: 401 (key), 403 (IP limit), 429 (frequency protection).
  EXPECT_EQ(http_codes, (std::set<std::int64_t>{400, 401, 403, 404, 429}));
  // error.mdx (v5) also lists 10018 "Exceeded the IP Rate Limit.", not in this table.
  EXPECT_TRUE(IsThrottle(10018));
  // Refusals that are not about the key: a clock outside recv_window, a parameter, the balance.
  EXPECT_FALSE(IsKeyRefusal(10002));
  EXPECT_FALSE(IsKeyRefusal(10001));
  EXPECT_FALSE(IsKeyRefusal(170131));
  EXPECT_FALSE(IsExecutionUnknown(170131));
  EXPECT_FALSE(IsExecutionUnknown(0));
  // What a cancel refusal says about the order.
  EXPECT_EQ(CancelRefusalStatus(170139), OrderStatus::kFilled);
  EXPECT_EQ(CancelRefusalStatus(170142), OrderStatus::kCanceled);
  EXPECT_EQ(CancelRefusalStatus(110010), OrderStatus::kCanceled);
  EXPECT_EQ(CancelRefusalStatus(170213), std::nullopt);
  EXPECT_EQ(CancelRefusalStatus(170190), std::nullopt);
}

// ---- hostile input ----

// Broken shapes every parser must refuse (each parser adds its own below).
std::vector<std::pair<std::string, std::string>> BrokenEnvelopes(const std::string& good) {
  return {
      {"empty body", ""},
      {"whitespace", "   \n"},
      {"truncated", good.substr(0, good.size() / 2)},
      {"an array", "[" + good + "]"},
      {"a string", R"("OK")"},
      {"a number", "42"},
      {"null", "null"},
      {"html", "<html><body>502 Bad Gateway</body></html>"},
      {"trailing garbage", good + "}"},
      {"nested 5000 deep", std::string(5000, '[') + std::string(5000, ']')},
      {"no retCode", Replace(good, R"("retCode":0,)", "")},
      {"retCode a string", Replace(good, R"("retCode":0)", R"("retCode":"0")")},
      {"retCode a float", Replace(good, R"("retCode":0)", R"("retCode":0.5)")},
      {"retCode not 0", Replace(good, R"("retCode":0)", R"("retCode":10001)")},
      {"result an array", Replace(good, R"("result":{)", R"("result":[{)") + "]"},
      {"non-UTF-8", Replace(good, R"("retMsg":"OK")", "\"retMsg\":\"\xff\xfe\"")},
      {"overlong UTF-8", Replace(good, R"("retMsg":"OK")", "\"retMsg\":\"\xc0\xaf\"")},
  };
}

TEST(BybitOrders, ParseEnvelopeRefusesWhatIsNotAnEnvelope) {
  for (const std::string_view body :
       {std::string_view(""), std::string_view("{"), std::string_view("[]"),
        std::string_view("null"), std::string_view(R"({"retMsg":"no code"})"),
        std::string_view(R"({"retCode":"10001","retMsg":"x"})"),
        std::string_view(R"({"retCode":10001.5,"retMsg":"x"})"),
        std::string_view(R"({"retCode":99999999999999999999})"),
        std::string_view("<html>502 Bad Gateway</html>"),
        std::string_view("{\"retCode\":1,\"retMsg\":\"\xff\"}")}) {
    SCOPED_TRACE(body);
    Envelope envelope;
    envelope.ret_code = 77;
    EXPECT_FALSE(ParseEnvelope(body, &envelope));
    EXPECT_EQ(envelope.ret_code, 77);
  }
  // retMsg and time are optional; a negative retCode (-2015) is a code like any other.
  Envelope envelope;
  ASSERT_TRUE(ParseEnvelope(R"({"retCode":-2015,"extra":[1,{}]})", &envelope));
  EXPECT_EQ(envelope.ret_code, -2015);
  EXPECT_TRUE(envelope.ret_msg.empty());
  EXPECT_EQ(envelope.time_ns, 0);
  ASSERT_TRUE(ParseEnvelope(R"({"retCode":0,"time":"soon"})", &envelope));
  EXPECT_EQ(envelope.time_ns, 0);  // an unreadable time is no time
}

TEST(BybitOrders, HostileAcknowledgementsFailAndLeaveTheUpdateUntouched) {
  const std::string good =
      std::string(R"({"retCode":0,"retMsg":"OK","result":{"orderId":"1321",)") +
      R"("orderLinkId":")" + std::string(kClientId) + R"("},"retExtInfo":{},"time":1672211918471})";
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no orderId", Replace(good, R"("orderId":"1321",)", "")},
      {"orderId a number", Replace(good, R"("orderId":"1321")", R"("orderId":1321)")},
      {"orderId empty", Replace(good, R"("orderId":"1321")", R"("orderId":"")")},
      {"orderId with a space", Replace(good, R"("orderId":"1321")", R"("orderId":"13 21")")},
      {"orderId with an ampersand", Replace(good, R"("orderId":"1321")", R"("orderId":"1&x=2")")},
      {"orderId of 48 bytes",
       Replace(good, R"("orderId":"1321")", "\"orderId\":\"" + std::string(48, '7') + "\"")},
      {"orderLinkId of another order", Replace(good, std::string(kClientId), "another")},
      {"orderLinkId a number", Replace(good, "\"" + std::string(kClientId) + "\"", "12345")},
      {"time a string", Replace(good, R"("time":1672211918471)", R"("time":"1672211918471")")},
      {"time negative", Replace(good, R"("time":1672211918471)", R"("time":-1)")},
      {"time overflows nanoseconds",
       Replace(good, R"("time":1672211918471)", R"("time":9223372036854775807)")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.venue_time_ns = 5;
    EXPECT_FALSE(ParseAck(body, kClientId, &update).ok());
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_EQ(update.venue_time_ns, 5);
  }
  // The longest id an event holds whole, and an empty orderLinkId (Bybit echoes "" when none).
  core::OrderUpdate update = FreshUpdate();
  ASSERT_TRUE(ParseAck(Replace(Replace(good, R"("orderId":"1321")",
                                       "\"orderId\":\"" + std::string(47, '7') + "\""),
                               std::string(kClientId), ""),
                       kClientId, &update)
                  .ok());
  EXPECT_EQ(update.venue_order_id.view(), std::string(47, '7'));
}

// A realtime answer whose every field is valid, to break one piece at a time.
std::string GoodOrderList() {
  return std::string(R"({"retCode":0,"retMsg":"OK","result":{"list":[{"orderId":"1321",)") +
         R"("orderLinkId":")" + std::string(kClientId) +
         R"(","symbol":"BTCUSDT","price":"65000.1","qty":"0.5","side":"Buy",)"
         R"("orderStatus":"PartiallyFilled","cancelType":"UNKNOWN","rejectReason":"EC_NoError",)"
         R"("avgPrice":"64999.95","leavesQty":"0.2","cumExecQty":"0.3",)"
         R"("cumExecValue":"19499.985","cumExecFee":"0.0003","timeInForce":"GTC",)"
         R"("orderType":"Limit","createdTime":"1700000000500","updatedTime":"1700000000700"}],)"
         R"("nextPageCursor":"","category":"spot"},"retExtInfo":{},"time":1700000000800})";
}

TEST(BybitOrders, OrderListBaseline) {
  core::OrderUpdate update = FreshUpdate();
  bool found = false;
  const std::string body = GoodOrderList();
  const core::Status status = ParseOrderList(body, BtcUsdt(), kClientId, &update, &found);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(found);
  ExpectOrderMatches(Member(Member(ParseJsonOrFail(body), "result"), "list").items.at(0), BtcUsdt(),
                     update);
  EXPECT_EQ(update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(update.filled_notional.mantissa(), 1'949'998'500'000);
}

TEST(BybitOrders, HostileOrderListsFailAndLeaveTheUpdateUntouched) {
  const std::string good = GoodOrderList();
  const std::string entry = good.substr(good.find("[{") + 1, good.find("}]") - good.find("[{"));
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no list", Replace(good, R"("list":)", R"("lost":)")},
      {"list an object", Replace(Replace(good, R"("list":[)", R"("list":{"a":)"), "}],", "}},")},
      {"list null", R"({"retCode":0,"result":{"list":null}})"},
      {"an entry not an object", Replace(good, R"("list":[)", R"("list":[7,)")},
      {"our order twice", Replace(good, "[" + entry, "[" + entry + "," + entry)},
      {"another order only", Replace(good, std::string(kClientId), "client-open-1")},
      {"orderLinkId a number", Replace(good, "\"" + std::string(kClientId) + "\"", "7")},
      {"orderLinkId a number in another entry",
       Replace(good, R"("list":[)", R"("list":[{"orderLinkId":7},)")},
      {"no orderStatus", Replace(good, R"("orderStatus":"PartiallyFilled",)", "")},
      {"orderStatus a number",
       Replace(good, R"("orderStatus":"PartiallyFilled")", R"("orderStatus":2)")},
      {"orderStatus unknown",
       Replace(good, R"("orderStatus":"PartiallyFilled")", R"("orderStatus":"Pending")")},
      {"orderStatus lower case",
       Replace(good, R"("orderStatus":"PartiallyFilled")", R"("orderStatus":"partiallyfilled")")},
      {"another symbol", Replace(good, R"("symbol":"BTCUSDT")", R"("symbol":"ETHUSDT")")},
      {"symbol a number", Replace(good, R"("symbol":"BTCUSDT")", R"("symbol":1)")},
      {"orderId a number", Replace(good, R"("orderId":"1321")", R"("orderId":1321)")},
      {"orderId empty", Replace(good, R"("orderId":"1321")", R"("orderId":"")")},
      {"orderId with a slash", Replace(good, R"("orderId":"1321")", R"("orderId":"13/21")")},
      {"cumExecQty a number", Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":0.3)")},
      {"cumExecQty negative", Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":"-0.3")")},
      {"cumExecQty malformed", Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":"0.3.0")")},
      {"cumExecQty exponent", Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":"3e-1")")},
      {"cumExecQty finer than the scale",
       Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":"0.3000001")")},
      {"cumExecQty overflow",
       Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":"99999999999999999999")")},
      {"cumExecQty true", Replace(good, R"("cumExecQty":"0.3")", R"("cumExecQty":true)")},
      {"cumExecValue negative",
       Replace(good, R"("cumExecValue":"19499.985")", R"("cumExecValue":"-1")")},
      {"cumExecValue malformed",
       Replace(good, R"("cumExecValue":"19499.985")", R"("cumExecValue":"1,5")")},
      {"cumExecValue overflow",
       Replace(good, R"("cumExecValue":"19499.985")", R"("cumExecValue":"100000000000")")},
      {"cumExecValue an object",
       Replace(good, R"("cumExecValue":"19499.985")", R"("cumExecValue":{})")},
      {"updatedTime a number",
       Replace(good, R"("updatedTime":"1700000000700")", R"("updatedTime":1700000000700)")},
      {"updatedTime not digits",
       Replace(good, R"("updatedTime":"1700000000700")", R"("updatedTime":"17e11")")},
      {"updatedTime negative",
       Replace(good, R"("updatedTime":"1700000000700")", R"("updatedTime":"-1")")},
      {"updatedTime overflows nanoseconds",
       Replace(good, R"("updatedTime":"1700000000700")", R"("updatedTime":"9300000000000000")")},
      {"timeInForce a number", Replace(good, R"("timeInForce":"GTC")", R"("timeInForce":1)")},
      {"orderType null", Replace(good, R"("orderType":"Limit")", R"("orderType":null)")},
      {"rejectReason a number",
       Replace(good, R"("rejectReason":"EC_NoError")", R"("rejectReason":0)")},
      {"NUL byte outside strings",
       Replace(good, R"("side":"Buy",)", std::string("\"side\":\"Buy\",\0", 14))},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    bool found = true;
    EXPECT_FALSE(ParseOrderList(body, BtcUsdt(), kClientId, &update, &found).ok());
    EXPECT_TRUE(found);
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_FALSE(update.has_filled);
    EXPECT_TRUE(update.filled_notional.is_zero());
    EXPECT_EQ(update.venue_time_ns, 0);
    EXPECT_TRUE(update.message.empty());
  }
}

TEST(BybitOrders, WhatTheDocsAllowIsAccepted) {
  const std::string good = GoodOrderList();
  const core::Instrument btc = BtcUsdt();
  {
    // Unknown fields of any shape; "" and null for values Bybit does not have (open-order:
    // avgPrice "UTA: returns \"\" for those orders without avg price"; nautilus: null).
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    std::string body = Replace(good, R"("avgPrice":"64999.95")",
                               R"("avgPrice":null,"newField":{"a":[1,{"b":null}]})");
    body = Replace(body, R"("cumExecValue":"19499.985")", R"("cumExecValue":"")");
    ASSERT_TRUE(ParseOrderList(body, btc, kClientId, &update, &found).ok());
    EXPECT_TRUE(found);
    EXPECT_TRUE(update.filled_notional.is_zero());
    EXPECT_EQ(update.filled_quantity.mantissa(), 300'000);
  }
  {
    // Without cumExecQty the filled quantity is not claimed.
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    ASSERT_TRUE(
        ParseOrderList(Replace(good, R"("cumExecQty":"0.3",)", ""), btc, kClientId, &update, &found)
            .ok());
    EXPECT_FALSE(update.has_filled);
  }
  {
    // Other orders beside ours (the filter ignored): ours is read, the others are not.
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    ASSERT_TRUE(ParseOrderList(Replace(good, R"("list":[)",
                                       R"("list":[{"orderLinkId":"x","orderStatus":"Odd"},)"),
                               btc, kClientId, &update, &found)
                    .ok());
    EXPECT_EQ(update.status, OrderStatus::kPartiallyFilled);
  }
  {
    // A notional finer than 8 decimals is truncated toward zero (core::kAmountScale).
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    ASSERT_TRUE(ParseOrderList(Replace(good, R"("cumExecValue":"19499.985")",
                                       R"("cumExecValue":"0.000000019")"),
                               btc, kClientId, &update, &found)
                    .ok());
    EXPECT_EQ(update.filled_notional.mantissa(), 1);
  }
  {
    // A large but well-formed body is fine.
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    ASSERT_TRUE(
        ParseOrderList(Replace(good, R"("side":"Buy",)",
                               "\"side\":\"Buy\",\"x\":\"" + std::string(1 << 20, 'a') + "\","),
                       btc, kClientId, &update, &found)
            .ok());
    EXPECT_TRUE(found);
  }
}

std::string GoodExecutions() {
  const std::string one =
      std::string(R"({"symbol":"BTCUSDT","orderId":"1321","orderLinkId":")") +
      std::string(kClientId) +
      R"(","side":"Buy","orderPrice":"65000.1","orderQty":"0.5","leavesQty":"0.4",)"
      R"("orderType":"Limit","execFee":"0.0001","execId":"e-1","execPrice":"64999",)"
      R"("execQty":"0.1","execType":"Trade","execValue":"6499.9","execTime":"1700000000600",)"
      R"("feeCurrency":"BTC","isMaker":false,"feeRate":"0.001","seq":1})";
  return R"({"retCode":0,"retMsg":"OK","result":{"nextPageCursor":"","category":"spot","list":[)" +
         one + "," +
         Replace(Replace(one, R"("execId":"e-1")", R"("execId":"e-2")"), R"("isMaker":false)",
                 R"("isMaker":true)") +
         R"(]},"retExtInfo":{},"time":1700000000800})";
}

TEST(BybitOrders, HostileExecutionListsFailAndLeaveTheFillsUntouched) {
  const std::string good = GoodExecutions();
  // Each broken field in the second execution: the first must not leak out either.
  const auto second = [&](std::string_view from, std::string_view to) {
    const std::size_t at = good.find(from, good.find(R"("execId":"e-2")") - 330);
    EXPECT_NE(at, std::string::npos) << from;
    std::string body = good;
    if (at != std::string::npos) body.replace(at, from.size(), to);
    return body;
  };
  {
    std::vector<core::Fill> fills;
    const core::Status status = ParseExecutions(good, BtcUsdt(), kClientId, "1321", &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ExpectExecutionsMatch(good, BtcUsdt(), fills);
  }
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no list", Replace(good, R"("list":)", R"("lost":)")},
      {"an entry not an object", Replace(good, R"("list":[)", R"("list":["e-0",)")},
      {"another symbol", second(R"("symbol":"BTCUSDT")", R"("symbol":"BTCUSDC")")},
      {"another orderLinkId", second("\"" + std::string(kClientId) + "\"", R"("someone")")},
      {"another orderId", second(R"("orderId":"1321")", R"("orderId":"1322")")},
      {"orderId a number", second(R"("orderId":"1321")", R"("orderId":1321)")},
      {"no execId", second(R"("execId":"e-2",)", "")},
      {"execId a number", second(R"("execId":"e-2")", R"("execId":2)")},
      {"execId empty", second(R"("execId":"e-2")", R"("execId":"")")},
      {"execId with a quote", second(R"("execId":"e-2")", R"("execId":"e\"2")")},
      {"no execPrice", second(R"("execPrice":"64999",)", "")},
      {"execPrice zero", second(R"("execPrice":"64999")", R"("execPrice":"0")")},
      {"execPrice negative", second(R"("execPrice":"64999")", R"("execPrice":"-64999")")},
      {"execPrice finer than the scale",
       second(R"("execPrice":"64999")", R"("execPrice":"64999.001")")},
      {"execPrice a number", second(R"("execPrice":"64999")", R"("execPrice":64999)")},
      {"execQty empty", second(R"("execQty":"0.1")", R"("execQty":"")")},
      {"execQty zero", second(R"("execQty":"0.1")", R"("execQty":"0.000000")")},
      {"execQty overflow", second(R"("execQty":"0.1")", R"("execQty":"9223372036854.775808")")},
      {"execFee malformed", second(R"("execFee":"0.0001")", R"("execFee":"0.0.1")")},
      {"execFee negative for a taker",
       Replace(good, R"("execFee":"0.0001")", R"("execFee":"-0.0001")")},
      {"execFee a number", second(R"("execFee":"0.0001")", R"("execFee":0.0001)")},
      {"isMaker a string", second(R"("isMaker":true)", R"("isMaker":"true")")},
      {"side unknown", second(R"("side":"Buy")", R"("side":"BUY")")},
      {"side a number", second(R"("side":"Buy")", R"("side":1)")},
      {"execTime a number", second(R"("execTime":"1700000000600")", R"("execTime":1700000000600)")},
      {"execTime not digits", second(R"("execTime":"1700000000600")", R"("execTime":"now")")},
      {"feeCurrency oversized",
       second(R"("feeCurrency":"BTC")", R"("feeCurrency":"ABCDEFGHIJKLMNOPQ")")},
      {"feeCurrency with a dash", second(R"("feeCurrency":"BTC")", R"("feeCurrency":"B-C")")},
      {"feeCurrency a number", second(R"("feeCurrency":"BTC")", R"("feeCurrency":1)")},
      {"feeRate malformed", second(R"("feeRate":"0.001")", R"("feeRate":"0.1%")")},
      {"feeRate a number", second(R"("feeRate":"0.001")", R"("feeRate":0.001)")},
      {"non-UTF-8 execId", second(R"("execId":"e-2")", "\"execId\":\"e\xff\"")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::Fill> fills(1);
    fills[0].trade_id.Assign("sentinel");
    EXPECT_FALSE(ParseExecutions(body, BtcUsdt(), kClientId, "1321", &fills).ok());
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills.front().trade_id.view(), "sentinel");
  }
  // No executions yet: an empty list.
  std::vector<core::Fill> none;
  EXPECT_TRUE(
      ParseExecutions(R"({"retCode":0,"result":{"list":[]}})", BtcUsdt(), kClientId, {}, &none)
          .ok());
  EXPECT_TRUE(none.empty());
}

TEST(BybitOrders, HostileWalletBalancesFailAndLeaveTheOutputUntouched) {
  const auto wallet = [](std::string_view coins) {
    return R"({"retCode":0,"retMsg":"OK","result":{"list":[{"accountType":"UNIFIED","coin":[)"
           R"({"coin":"BTC","walletBalance":"1","locked":"0"},)" +
           std::string(coins) + R"(]}]},"retExtInfo":{},"time":1690872862481})";
  };
  const std::string good = wallet(R"({"coin":"USDT","walletBalance":"1000.5","locked":"20"})");
  auto cases = BrokenEnvelopes(good);
  const std::vector<std::pair<std::string, std::string>> more = {
      {"no list", R"({"retCode":0,"result":{}})"},
      {"an account without coin", R"({"retCode":0,"result":{"list":[{"accountType":"UNIFIED"}]}})"},
      {"coin an object", R"({"retCode":0,"result":{"list":[{"coin":{"BTC":"1"}}]}})"},
      {"an account not an object", R"({"retCode":0,"result":{"list":["UNIFIED"]}})"},
      {"a coin not an object", wallet(R"("ETH")")},
      {"coin missing", wallet(R"({"walletBalance":"1"})")},
      {"coin empty", wallet(R"({"coin":"","walletBalance":"1"})")},
      {"coin a number", wallet(R"({"coin":5,"walletBalance":"1"})")},
      {"coin oversized", wallet(R"({"coin":"ABCDEFGHIJKLMNOPQ","walletBalance":"1"})")},
      {"coin with a space", wallet(R"({"coin":"US DT","walletBalance":"1"})")},
      {"coin listed twice", wallet(R"({"coin":"btc","walletBalance":"1"})")},
      {"walletBalance missing", wallet(R"({"coin":"ETH","locked":"0"})")},
      {"walletBalance empty", wallet(R"({"coin":"ETH","walletBalance":""})")},
      {"walletBalance a number", wallet(R"({"coin":"ETH","walletBalance":1})")},
      {"walletBalance negative", wallet(R"({"coin":"ETH","walletBalance":"-1"})")},
      {"walletBalance overflow", wallet(R"({"coin":"ETH","walletBalance":"100000000000"})")},
      {"walletBalance malformed", wallet(R"({"coin":"ETH","walletBalance":".5"})")},
      {"locked negative", wallet(R"({"coin":"ETH","walletBalance":"1","locked":"-0.5"})")},
      {"locked a number", wallet(R"({"coin":"ETH","walletBalance":"1","locked":0})")},
      {"spotBorrow malformed", wallet(R"({"coin":"ETH","walletBalance":"1","spotBorrow":"x"})")},
      {"non-UTF-8 coin", wallet("{\"coin\":\"E\xffH\",\"walletBalance\":\"1\"}")},
  };
  cases.insert(cases.end(), more.begin(), more.end());
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::BalanceUpdate> balances(1);
    balances[0].asset.Assign("SENTINEL");
    EXPECT_FALSE(ParseWalletBalance(body, core::Venue::kBybit, 1, &balances).ok());
    ASSERT_EQ(balances.size(), 1u);
    EXPECT_EQ(balances.front().asset.view(), "SENTINEL");
    EXPECT_EQ(balances.front().flags, 0);
  }
  {
    // The baseline, appended after what the vector held: the frame starts at the first new entry.
    std::vector<core::BalanceUpdate> balances(1);
    ASSERT_TRUE(ParseWalletBalance(good, core::Venue::kBybit, 7, &balances).ok());
    ASSERT_EQ(balances.size(), 3u);
    EXPECT_EQ(balances[0].flags, 0);
    EXPECT_EQ(balances[1].flags, core::BalanceUpdate::kFirst);
    EXPECT_EQ(balances[2].flags, core::BalanceUpdate::kLast);
    EXPECT_EQ(balances[2].asset.view(), "USDT");
    EXPECT_EQ(balances[2].free.mantissa(), 98'050'000'000);
    EXPECT_EQ(balances[2].locked.mantissa(), 2'000'000'000);
  }
  {
    // An empty account is still a framed report; lower-case coins are made canonical; more
    // decimals than 8 are truncated toward zero.
    std::vector<core::BalanceUpdate> empty;
    ASSERT_TRUE(
        ParseWalletBalance(R"({"retCode":0,"result":{"list":[]}})", core::Venue::kBybit, 7, &empty)
            .ok());
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kFirst));
    EXPECT_TRUE(empty[0].has(core::BalanceUpdate::kLast));
    EXPECT_TRUE(empty[0].asset.empty());
    EXPECT_EQ(empty[0].time_ns, 7);
    std::vector<core::BalanceUpdate> one;
    ASSERT_TRUE(
        ParseWalletBalance(R"({"retCode":0,"result":{"list":[{"coin":[{"coin":"usdc",)"
                           R"("walletBalance":"1.123456789","locked":"","spotBorrow":""}]}]}})",
                           core::Venue::kBybit, 7, &one)
            .ok());
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].asset.view(), "USDC");
    EXPECT_EQ(one[0].free.mantissa(), 112'345'678);
    EXPECT_EQ(one[0].flags, core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast);
  }
}

// ---- RestGateway + the Bybit protocol over loopback ----

// The key pair of bybit_signing_test.cc: the api_key of the v5 guide's plaintext examples and a
// random secret made for these tests (not a live key).
constexpr std::string_view kApiKey = "XXXXXXXXXX";
constexpr std::string_view kSecret = "2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki";
constexpr std::int64_t kNowNs = 1'700'000'000'123'456'789;  // the gateway's clock
constexpr std::int64_t kNowMs = 1'700'000'000'123;
constexpr std::int64_t kRecvWindowMs = 3000;  // not the default 5000, to see the option used
constexpr auto kWait = 10s;                   // an upper bound for what must happen

// hex(HMAC-SHA256(key, message)), lower case, with OpenSSL's one-shot HMAC().
std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length);
  EXPECT_NE(ok, nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += kHex[mac[i] >> 4];
    hex += kHex[mac[i] & 0xF];
  }
  return hex;
}

TEST(BybitGatewaySupport, HmacHelperMatchesTheGuidesPlaintextComputedInPython) {
  // v5/guide's GET plaintext
  // "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C" signed with kSecret by
  // Python's hmac module (bybit_signing_test.cc).
  EXPECT_EQ(HmacSha256Hex(kSecret,
                          "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"),
            "f95cc967900fa796ab2e7b03812b8a747c72625ab639d81cbfd6e9afc41ff542");
}

// Every signed request (v5/guide): X-BAPI-API-KEY, X-BAPI-TIMESTAMP (the gateway's clock in ms),
// X-BAPI-RECV-WINDOW and X-BAPI-SIGN = hex(HMAC-SHA256(secret, timestamp + api_key + recv_window +
// queryString | jsonBodyString)).
void ExpectSigned(const net::ServerRequest& request) {
  SCOPED_TRACE(request.method + " " + request.target);
  EXPECT_EQ(request.Header("X-BAPI-API-KEY"), kApiKey);
  EXPECT_EQ(request.Header("X-BAPI-TIMESTAMP"), std::to_string(kNowMs));
  EXPECT_EQ(request.Header("X-BAPI-RECV-WINDOW"), std::to_string(kRecvWindowMs));
  std::string_view payload;
  if (request.method == "GET") {
    EXPECT_TRUE(request.body.empty());
    payload = request.Query();
  } else {
    EXPECT_EQ(request.method, "POST");
    EXPECT_TRUE(request.Query().empty());
    EXPECT_EQ(request.Header("Content-Type"), "application/json");
    payload = request.body;
  }
  EXPECT_FALSE(payload.empty());
  const std::string sign =
      HmacSha256Hex(kSecret, std::to_string(kNowMs) + std::string(kApiKey) +
                                 std::to_string(kRecvWindowMs) + std::string(payload));
  EXPECT_EQ(request.Header("X-BAPI-SIGN"), sign);
  EXPECT_EQ(sign.size(), 64u);
}

// The engine's side: a sink that records events.
using testing::RecordingSink;

struct Answer {
  int status = 200;
  std::string body;
  net::HeaderList headers;
  bool hold = false;  // never answer (the Respond is kept until the server stops)
};

// Bybit's envelope: HTTP 200 with the retCode, as Bybit answers refusals too.
Answer Envelope200(std::int64_t code, std::string_view msg, std::string_view result = "{}") {
  return Answer{200, "{\"retCode\":" + std::to_string(code) + ",\"retMsg\":" + JsonString(msg) +
                         ",\"result\":" + std::string(result) +
                         ",\"retExtInfo\":{},\"time\":1700000000500}"};
}
Answer Ok(std::string_view result) { return Envelope200(0, "OK", result); }

// The venue's side: Bybit's REST endpoints with scripted answers.
class FakeBybit {
 public:
  explicit FakeBybit(testing::IoThread& io) : io_(io) {}

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

 private:
  static std::string Endpoint(const net::ServerRequest& request) {
    return request.method + " " + std::string(request.Path());
  }

  void OnRequest(net::ServerRequest&& request, net::HttpServer::Respond respond) {
    Answer answer = Answer{404, "no scripted answer for this endpoint"};
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
  }

  testing::IoThread& io_;
  std::unique_ptr<net::HttpServer> server_;     // io thread only
  std::vector<net::HttpServer::Respond> held_;  // io thread only
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::deque<Answer>> scripts_;
  std::vector<net::ServerRequest> requests_;
};

constexpr char kCreate[] = "POST /v5/order/create";
constexpr char kCancel[] = "POST /v5/order/cancel";
constexpr char kRealtime[] = "GET /v5/order/realtime";
constexpr char kHistory[] = "GET /v5/order/history";
constexpr char kExecutions[] = "GET /v5/execution/list";
constexpr char kWallet[] = "GET /v5/account/wallet-balance";

class BybitGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 2, 6);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    btc_ = *id;
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
    BybitOrderOptions bybit_options;
    bybit_options.api_key = std::string(kApiKey);
    bybit_options.api_secret = std::string(kSecret);
    bybit_options.recv_window = std::chrono::milliseconds(kRecvWindowMs);
    auto protocol = MakeBybitOrderProtocol(bybit_options);
    ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
    gateway_io_.Run([&] {
      gateway_ =
          std::make_unique<RestGateway>(gateway_io_.io(), std::move(options),
                                        std::move(protocol).value(), registry_, sink_, clock_);
    });
  }
  void StartGateway() { StartGateway(Options()); }

  core::ClientOrderId Id(std::uint64_t n) const {
    return core::ClientOrderId::FromBits(0xb1b17, n);
  }

  core::OrderSpec LimitBuy(std::uint64_t n) const {
    core::OrderSpec spec;
    spec.instrument = btc_;
    spec.side = Side::kBuy;
    spec.type = OrderType::kLimit;
    spec.time_in_force = TimeInForce::kGtc;
    spec.quantity = core::Quantity::FromMantissa(500'000);  // 0.5
    spec.price = core::Price::FromMantissa(6'500'010);      // 65000.1
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
    market.best_bid = core::Price::FromMantissa(6'500'000);
    market.best_ask = core::Price::FromMantissa(6'500'100);
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

  std::vector<OrderUpdate> UpdatesOf(std::uint64_t n) const {
    std::vector<OrderUpdate> out;
    for (const OrderUpdate& update : sink_.All<OrderUpdate>()) {
      if (update.client_order_id == Id(n)) out.push_back(update);
    }
    return out;
  }
  bool WaitForUpdates(std::size_t count) { return sink_.WaitFor<OrderUpdate>(count); }

  std::string Link(std::uint64_t n) const { return std::string(Id(n).view()); }

  // A realtime/history answer listing order n.
  std::string OrderList(std::uint64_t n, std::string_view status, std::string_view executed,
                        std::string_view value) const {
    return R"({"list":[{"orderId":"1321003749386327552","orderLinkId":")" + Link(n) +
           R"(","symbol":"BTCUSDT","price":"65000.1","qty":"0.5","side":"Buy","orderStatus":")" +
           std::string(status) + R"(","rejectReason":"EC_NoError","cumExecQty":")" +
           std::string(executed) + R"(","cumExecValue":")" + std::string(value) +
           R"(","timeInForce":"GTC","orderType":"Limit","updatedTime":"1700000000700"}],)"
           R"("nextPageCursor":"","category":"spot"})";
  }

  core::ManualClock clock_{kNowNs};
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  RecordingSink sink_;
  testing::IoThread server_io_;
  testing::IoThread gateway_io_;
  FakeBybit venue_{server_io_};
  std::uint16_t port_ = 0;
  std::unique_ptr<RestGateway> gateway_;  // made and destroyed on gateway_io_
};

TEST_F(BybitGatewayTest, PlaceSendsTheDocumentedSignedRequestAndAnAckIsNew) {
  Answer ack = Ok(R"({"orderId":"1321003749386327552","orderLinkId":")" + Link(1) + R"("})");
  venue_.Script(kCreate, {ack});
  StartGateway();
  EXPECT_FALSE(gateway_->NativeStops());
  Place(LimitBuy(1));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto requests = venue_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const net::ServerRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Path(), "/v5/order/create");
  ExpectSigned(request);
  EXPECT_EQ(request.body,
            R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Limit",)"
            R"("qty":"0.5","price":"65000.1","timeInForce":"GTC","isLeverage":0,)"
            R"("orderLinkId":")" +
                Link(1) + R"("})");

  const auto updates = UpdatesOf(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue, core::Venue::kBybit);
  EXPECT_EQ(updates[0].instrument, btc_);
  EXPECT_EQ(updates[0].venue_order_id.view(), "1321003749386327552");
  EXPECT_EQ(updates[0].venue_time_ns, 1'700'000'000'500'000'000);
  EXPECT_EQ(updates[0].receive_time_ns, kNowNs);
  EXPECT_FALSE(updates[0].has_filled);  // the ack says nothing of executions
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_EQ(statuses[0].venue, core::Venue::kBybit);
}

TEST_F(BybitGatewayTest, MarketAndPostOnlyOrdersGoOutAsDocumented) {
  venue_.Script(kCreate, {Ok(R"({"orderId":"7","orderLinkId":""})")});
  StartGateway();
  core::OrderSpec market = LimitBuy(2);
  market.type = OrderType::kMarket;
  market.price = core::Price();
  market.side = Side::kSell;
  Place(market);
  core::OrderSpec maker = LimitBuy(3);
  maker.post_only = true;
  Place(maker);
  ASSERT_TRUE(WaitForUpdates(2));
  const auto posts = venue_.Requests(kCreate);
  ASSERT_EQ(posts.size(), 2u);
  for (const auto& post : posts) ExpectSigned(post);
  EXPECT_EQ(posts[0].body, R"({"category":"spot","symbol":"BTCUSDT","side":"Sell",)"
                           R"("orderType":"Market","qty":"0.5","marketUnit":"baseCoin",)"
                           R"("isLeverage":0,"orderLinkId":")" +
                               Link(2) + R"("})");
  EXPECT_EQ(Str(ParseJsonOrFail(posts[1].body), "timeInForce"), "PostOnly");
  EXPECT_EQ(UpdatesOf(2).at(0).status, OrderStatus::kNew);
  EXPECT_EQ(UpdatesOf(3).at(0).venue_order_id.view(), "7");
}

TEST_F(BybitGatewayTest, StopOrdersNeverReachBybit) {
  StartGateway();
  core::OrderSpec stop = LimitBuy(4);
  stop.type = OrderType::kStopLossLimit;
  stop.side = Side::kSell;
  stop.price = core::Price::FromMantissa(6'400'000);
  stop.stop_price = core::Price::FromMantissa(6'410'000);
  auto approved = Approve(stop);
  if (!approved) GTEST_SKIP() << "risk refuses stops itself";
  gateway_->Place(*approved);
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_EQ(UpdatesOf(4).at(0).status, OrderStatus::kRejected);
  EXPECT_EQ(UpdatesOf(4).at(0).venue_code.view(), "STOP_NOT_NATIVE");
  EXPECT_TRUE(venue_.Requests().empty());
}

TEST_F(BybitGatewayTest, RefusalsAreRejectedWithBybitsCodeAndMessage) {
  venue_.Script(kCreate, {Envelope200(170131, "Insufficient balance."),
                          Envelope200(10001, "params error: qty invalid"),
                          Envelope200(10002, "invalid request, please check your server timestamp"),
                          Answer{400, "Bad Request"}});
  StartGateway();
  for (std::uint64_t n = 10; n < 14; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(4));
  const std::tuple<std::uint64_t, const char*, const char*> expected[] = {
      {10, "170131", "Insufficient balance."},
      {11, "10001", "params error: qty invalid"},
      {12, "10002", "invalid request, please check your server timestamp"},
      {13, "400", "HTTP 400 without a Bybit envelope"}};
  for (const auto& [n, code, message] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
    EXPECT_EQ(updates[0].venue_code.view(), code);
    EXPECT_EQ(updates[0].message.view(), message);
  }
  // None of these is about the keys; each is the gateway's last error in turn.
  for (const auto& status : sink_.All<core::GatewayStatus>()) {
    EXPECT_EQ(status.keys, core::KeyState::kUnchecked);
  }
  EXPECT_NE(sink_.All<core::GatewayStatus>().front().last_error.view().find("170131"),
            std::string_view::npos);
  EXPECT_TRUE(sink_.All<core::RateLimitReport>().empty());
}

TEST_F(BybitGatewayTest, ARefusedKeyOrSignatureIsRejectedAndMarksTheKeys) {
  venue_.Script(kCreate, {Envelope200(10004, "error sign! origin_string[...]")});
  StartGateway();
  Place(LimitBuy(15));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_EQ(UpdatesOf(15).at(0).status, OrderStatus::kRejected);
  EXPECT_EQ(UpdatesOf(15).at(0).venue_code.view(), "10004");
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_FALSE(statuses.empty());
  EXPECT_EQ(statuses.back().keys, core::KeyState::kRefused);
  EXPECT_EQ(statuses.back().last_error.view().find(kSecret), std::string_view::npos);
}

// "Status unknown": a 5xx, the retCodes whose words say the outcome is unknown, and a 200 that
// cannot be read. Never REJECTED, and each sent once.
TEST_F(BybitGatewayTest, ServerErrorsAndUnknownCodesAreUnknown) {
  venue_.Script(kCreate, {Answer{500, "<html><body>Internal Server Error</body></html>"},
                          Answer{502, R"({"retCode":10001,"retMsg":"params error"})"},
                          Envelope200(10016, "Server error."),
                          Envelope200(170007, "Timeout waiting for response from backend server."),
                          Envelope200(170146, "Order creation timeout"),
                          Envelope200(170035, "Submitted to the system for processing!"),
                          Answer{200, R"({"retCode":0,"retMsg":"OK","result":{"orderId":)"},
                          Ok(R"({"orderLinkId":"x"})")});
  StartGateway();
  for (std::uint64_t n = 20; n < 28; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(8));
  const std::pair<std::uint64_t, const char*> expected[] = {
      {20, "500"},    {21, "10001"},  {22, "10016"}, {23, "170007"},
      {24, "170146"}, {25, "170035"}, {26, "200"},   {27, "200"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
    EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
    EXPECT_EQ(updates[0].venue_code.view(), code);
    EXPECT_FALSE(updates[0].message.empty());
  }
  EXPECT_EQ(venue_.Requests(kCreate).size(), 8u);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

TEST_F(BybitGatewayTest, NoAnswerIsUnknownAndTheOrderIsSentOnce) {
  venue_.Script(kCreate, {Answer{.hold = true}, Ok(R"({"orderId":"2","orderLinkId":""})")});
  RestGatewayOptions options = Options();
  options.http.timeout = 400ms;
  StartGateway(options);
  Place(LimitBuy(30));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto lost = UpdatesOf(30);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(lost[0].venue_code.view(), "NO_ANSWER");
  // A second order through the same client: had the first been resent, the venue would have seen
  // it again before this one.
  Place(LimitBuy(31));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_EQ(UpdatesOf(31).at(0).status, OrderStatus::kNew);
  const auto posts = venue_.Requests(kCreate);
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(Str(ParseJsonOrFail(posts[0].body), "orderLinkId"), Link(30));
  EXPECT_EQ(Str(ParseJsonOrFail(posts[1].body), "orderLinkId"), Link(31));
  EXPECT_EQ(UpdatesOf(30).size(), 1u);
}

// v5/rate-limit: 10006 "Too many visits" with the X-Bapi-Limit headers; HTTP 429 "System level
// frequency protection"; HTTP 403 "access too frequent ... wait for at least 10 minutes";
// 170005 "Too many new orders". The request was refused: REJECTED, and the limiter cools down.
TEST_F(BybitGatewayTest, ThrottledAnswersAreReportedAndRejected) {
  Answer visits = Envelope200(10006, "Too many visits!");
  visits.headers = {{"X-Bapi-Limit", "20"},
                    {"X-Bapi-Limit-Status", "0"},
                    {"X-Bapi-Limit-Reset-Timestamp", std::to_string(kNowMs + 400)}};
  venue_.Script(kCreate, {visits, Answer{429, ""}, Answer{403, "access too frequent"},
                          Envelope200(170005,
                                      "Too many new orders; current limit is 20 orders "
                                      "per 1 SECOND.")});
  StartGateway();
  for (std::uint64_t n = 40; n < 44; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(4));
  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_TRUE(reports[0].throttled);
  EXPECT_FALSE(reports[0].banned);
  EXPECT_EQ(reports[0].retry_after_ms, 400);
  EXPECT_EQ(reports[0].limit, 20);
  EXPECT_EQ(reports[0].remaining, 0);
  EXPECT_EQ(reports[0].reset_ns, (kNowMs + 400) * 1'000'000);
  EXPECT_EQ(reports[0].venue, core::Venue::kBybit);
  EXPECT_EQ(reports[0].time_ns, kNowNs);
  EXPECT_TRUE(reports[1].throttled);
  EXPECT_FALSE(reports[1].banned);
  EXPECT_EQ(reports[1].retry_after_ms, 1000);
  EXPECT_TRUE(reports[2].throttled);
  EXPECT_TRUE(reports[2].banned);
  EXPECT_EQ(reports[2].retry_after_ms, 600'000);
  EXPECT_TRUE(reports[3].throttled);
  EXPECT_EQ(reports[3].retry_after_ms, 1000);
  const std::pair<std::uint64_t, const char*> expected[] = {
      {40, "10006"}, {41, "429"}, {42, "403"}, {43, "170005"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    EXPECT_EQ(UpdatesOf(n).at(0).status, OrderStatus::kRejected);
    EXPECT_EQ(UpdatesOf(n).at(0).venue_code.view(), code);
  }
  // Each answer's report comes before its update.
  std::string kinds;
  for (const core::Event& event : sink_.Events()) {
    if (std::holds_alternative<core::RateLimitReport>(event)) kinds += 'R';
    if (std::holds_alternative<OrderUpdate>(event)) kinds += 'U';
  }
  EXPECT_EQ(kinds, "RURURURU");
}

TEST_F(BybitGatewayTest, RateLimitHeadersOfEveryAnswerAreReported) {
  Answer counted = Ok(R"({"orderId":"5","orderLinkId":""})");
  counted.headers = {{"X-Bapi-Limit", "20"},
                     {"X-Bapi-Limit-Status", "19"},
                     {"X-Bapi-Limit-Reset-Timestamp", "1700000000124"}};
  Answer malformed = Ok(R"({"orderId":"6","orderLinkId":""})");
  malformed.headers = {{"X-Bapi-Limit", "20x"}, {"X-Bapi-Limit-Status", "-1"}};
  venue_.Script(kCreate, {counted, malformed});
  StartGateway();
  Place(LimitBuy(45));
  Place(LimitBuy(46));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 1u);  // the malformed counters are not reported as numbers
  EXPECT_EQ(reports[0].limit, 20);
  EXPECT_EQ(reports[0].remaining, 19);
  EXPECT_EQ(reports[0].reset_ns, 1'700'000'000'124'000'000);
  EXPECT_FALSE(reports[0].throttled);
  EXPECT_EQ(reports[0].retry_after_ms, 0);
  EXPECT_EQ(reports[0].used_weight, -1);
}

TEST_F(BybitGatewayTest, CancelAnswers) {
  venue_.Script(kCancel,
                {Ok(R"({"orderId":"1321003749386327552","orderLinkId":")" + Link(50) + R"("})"),
                 Envelope200(170213, "Order does not exist."),
                 Envelope200(170142, "Order has been cancelled"), Answer{502, "Bad Gateway"}});
  StartGateway();
  gateway_->Cancel(RefOf(50, "1321003749386327552"));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Cancel(RefOf(51));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Cancel(RefOf(52));
  ASSERT_TRUE(WaitForUpdates(3));
  gateway_->Cancel(RefOf(53));
  ASSERT_TRUE(WaitForUpdates(4));

  const auto posts = venue_.Requests(kCancel);
  ASSERT_EQ(posts.size(), 4u);
  for (const auto& post : posts) ExpectSigned(post);
  EXPECT_EQ(posts[0].body,
            R"({"category":"spot","symbol":"BTCUSDT","orderId":"1321003749386327552",)"
            R"("orderLinkId":")" +
                Link(50) + R"("})");
  EXPECT_EQ(posts[1].body,
            R"({"category":"spot","symbol":"BTCUSDT","orderLinkId":")" + Link(51) + R"("})");

  // Accepted: not done yet (the answer holds only the ids), so the state is left to the query.
  const auto accepted = UpdatesOf(50);
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(accepted[0].source, core::UpdateSource::kCancel);
  EXPECT_FALSE(accepted[0].cancel_refused);
  EXPECT_EQ(accepted[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(accepted[0].venue_order_id.view(), "1321003749386327552");
  EXPECT_TRUE(accepted[0].venue_code.empty());

  const auto missing = UpdatesOf(51);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(missing[0].cancel_refused);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);  // the refusal is not the order's state
  EXPECT_EQ(missing[0].venue_code.view(), "170213");
  EXPECT_EQ(missing[0].message.view(), "Order does not exist.");

  const auto done = UpdatesOf(52);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(done[0].cancel_refused);
  EXPECT_EQ(done[0].status, OrderStatus::kCanceled);  // what the code says the order is

  const auto failed = UpdatesOf(53);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_TRUE(failed[0].cancel_refused);
  EXPECT_EQ(failed[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(failed[0].venue_code.view(), "502");
}

TEST_F(BybitGatewayTest, QueryFetchesTheExecutionsOfAnExecutedOrderFirst) {
  venue_.Script(kRealtime, {Ok(OrderList(60, "PartiallyFilled", "0.3", "19499.9"))});
  const std::string execution =
      R"({"symbol":"BTCUSDT","orderId":"1321003749386327552","orderLinkId":")" + Link(60) +
      R"(","side":"Buy","execFee":"0.0001","execId":"2100000000051234567","execPrice":"64999",)"
      R"("execQty":"0.1","execType":"Trade","execTime":"1700000000600","feeCurrency":"BTC",)"
      R"("isMaker":false,"feeRate":"0.001"})";
  const std::string maker =
      Replace(Replace(Replace(Replace(execution, "2100000000051234567", "2100000000051234568"),
                              R"("isMaker":false)", R"("isMaker":true)"),
                      R"("execPrice":"64999")", R"("execPrice":"65000")"),
              R"("execQty":"0.1")", R"("execQty":"0.2")");
  venue_.Script(kExecutions, {Ok(R"({"nextPageCursor":"","category":"spot","list":[)" + maker +
                                 "," + execution + "]}")});
  StartGateway();
  gateway_->Query(RefOf(60));  // the venue's id is not known yet: the answer gives it
  ASSERT_TRUE(WaitForUpdates(1));

  const auto queries = venue_.Requests(kRealtime);
  ASSERT_EQ(queries.size(), 1u);
  ExpectSigned(queries[0]);
  EXPECT_EQ(queries[0].Query(), "category=spot&symbol=BTCUSDT&orderLinkId=" + Link(60));
  const auto lists = venue_.Requests(kExecutions);
  ASSERT_EQ(lists.size(), 1u);
  ExpectSigned(lists[0]);
  EXPECT_EQ(lists[0].Query(), "category=spot&symbol=BTCUSDT&orderId=1321003749386327552&limit=100");

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
  for (const core::Fill& fill : fills) {
    EXPECT_EQ(fill.client_order_id, Id(60));
    EXPECT_EQ(fill.instrument, btc_);
    EXPECT_EQ(fill.venue, core::Venue::kBybit);
    EXPECT_EQ(fill.side, Side::kBuy);
    EXPECT_EQ(fill.fee_asset.view(), "BTC");
    EXPECT_EQ(fill.fee.mantissa(), 10'000);
  }
  EXPECT_EQ(fills[0].trade_id.view(), "2100000000051234568");
  EXPECT_TRUE(fills[0].maker);
  EXPECT_EQ(fills[0].price.mantissa(), 6'500'000);
  EXPECT_EQ(fills[0].quantity.mantissa(), 200'000);
  EXPECT_EQ(fills[1].trade_id.view(), "2100000000051234567");
  EXPECT_FALSE(fills[1].maker);
  EXPECT_EQ(fills[1].venue_time_ns, 1'700'000'000'600'000'000);

  const auto updates = UpdatesOf(60);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(updates[0].venue_order_id.view(), "1321003749386327552");
  EXPECT_EQ(updates[0].filled_quantity.mantissa(), 300'000);
  EXPECT_EQ(updates[0].filled_notional.mantissa(), 1'949'990'000'000);
  EXPECT_EQ(updates[0].venue_time_ns, 1'700'000'000'700'000'000);
}

TEST_F(BybitGatewayTest, QueryOfAnUnexecutedOrderAsksForNoExecutions) {
  venue_.Script(kRealtime, {Ok(OrderList(61, "New", "0", "0"))});
  StartGateway();
  gateway_->Query(RefOf(61, "1321003749386327552"));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_TRUE(venue_.Requests(kExecutions).empty());
  EXPECT_EQ(venue_.Requests(kRealtime).at(0).Query(),
            "category=spot&symbol=BTCUSDT&orderId=1321003749386327552&orderLinkId=" + Link(61));
  const auto updates = UpdatesOf(61);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);
  EXPECT_FALSE(updates[0].not_found);
  EXPECT_TRUE(updates[0].has_filled);
  EXPECT_TRUE(updates[0].filled_quantity.is_zero());
}

// open-order: realtime keeps open orders and the last 500 closed ones, and "After a server release
// or restart, filled, canceled, and rejected orders of Unified account should only be queried
// through order history". Not in realtime is therefore not "not found": history is asked next.
TEST_F(BybitGatewayTest, AnOrderMissingFromRealtimeIsLookedUpInHistoryBeforeNotFound) {
  venue_.Script(kRealtime, {Ok(R"({"list":[],"nextPageCursor":"","category":"spot"})"),
                            Envelope200(170213, "Order does not exist."),
                            Ok(R"({"list":[],"nextPageCursor":"","category":"spot"})")});
  venue_.Script(kHistory, {Ok(OrderList(62, "Filled", "0.5", "32500.05")),
                           Ok(R"({"list":[],"nextPageCursor":"","category":"spot"})")});
  venue_.Script(kExecutions, {Ok(R"({"list":[]})")});
  StartGateway();

  // Order 62: not in realtime (nothing published), then found in the history.
  gateway_->Query(RefOf(62));
  ASSERT_TRUE(sink_.WaitForFlushes(1));
  EXPECT_TRUE(sink_.All<OrderUpdate>().empty());
  gateway_->Query(RefOf(62));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto found = UpdatesOf(62);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].status, OrderStatus::kFilled);
  EXPECT_FALSE(found[0].not_found);
  ASSERT_EQ(venue_.Requests(kHistory).size(), 1u);
  ExpectSigned(venue_.Requests(kHistory)[0]);
  EXPECT_EQ(venue_.Requests(kHistory)[0].Query(),
            "category=spot&symbol=BTCUSDT&orderLinkId=" + Link(62));
  EXPECT_EQ(venue_.Requests(kExecutions).size(), 1u);  // it executed: its fills were asked for

  // Order 63: "Order does not exist." from realtime, then an empty history: not found.
  ASSERT_TRUE(sink_.WaitForFlushes(2));  // order 62's two deliveries are over
  ASSERT_EQ(sink_.flushes(), 2);
  gateway_->Query(RefOf(63));
  ASSERT_TRUE(sink_.WaitForFlushes(3));  // its answer read (and nothing published)
  EXPECT_EQ(venue_.Requests(kRealtime).size(), 2u);
  EXPECT_EQ(sink_.All<OrderUpdate>().size(), 1u);
  gateway_->Query(RefOf(63));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto missing = UpdatesOf(63);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(missing[0].not_found);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(missing[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(venue_.Requests(kHistory).size(), 2u);

  // Resolved: the next query of order 63 starts with realtime again.
  gateway_->Query(RefOf(63));
  ASSERT_TRUE(venue_.WaitForRequests(kRealtime, 3));
  EXPECT_EQ(venue_.Requests(kRealtime).size(), 3u);
  EXPECT_EQ(venue_.Requests(kHistory).size(), 2u);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// Two queries of one order sent before either answer: both go to realtime, so neither empty
// answer may be read as the history's.
TEST_F(BybitGatewayTest, ConcurrentQueriesNeverReadARealtimeAnswerAsTheHistorys) {
  venue_.Script(kRealtime, {Ok(R"({"list":[]})")});
  venue_.Script(kHistory, {Ok(R"({"list":[]})")});
  StartGateway();
  gateway_->Query(RefOf(64));
  gateway_->Query(RefOf(64));
  ASSERT_TRUE(sink_.WaitForFlushes(2));
  EXPECT_EQ(venue_.Requests(kRealtime).size(), 2u);
  EXPECT_TRUE(venue_.Requests(kHistory).empty());
  EXPECT_TRUE(sink_.All<OrderUpdate>().empty());
  gateway_->Query(RefOf(64));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_TRUE(UpdatesOf(64).at(0).not_found);
  EXPECT_EQ(venue_.Requests(kHistory).size(), 1u);
}

TEST_F(BybitGatewayTest, BalancesAreAFramedReportAndProveTheKeys) {
  venue_.Script(
      kWallet,
      {Ok(R"({"list":[{"accountType":"UNIFIED","totalEquity":"3.3","coin":[)"
          R"({"coin":"BTC","walletBalance":"0.805994","locked":"0.1","spotBorrow":"0"},)"
          R"({"coin":"USDT","walletBalance":"1000.5","locked":"20.25"},)"
          R"({"coin":"ETH","walletBalance":"0","locked":"0","spotBorrow":"0.06142"}]}]})")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(3));
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));
  const auto requests = venue_.Requests(kWallet);
  ASSERT_EQ(requests.size(), 1u);
  ExpectSigned(requests[0]);
  EXPECT_EQ(requests[0].Query(), "accountType=UNIFIED");
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 3u);
  const std::tuple<const char*, std::int64_t, std::int64_t, std::uint8_t> expected[] = {
      {"BTC", 70'599'400, 10'000'000, core::BalanceUpdate::kFirst},
      {"USDT", 98'025'000'000, 2'025'000'000, 0},
      {"ETH", 0, 0, core::BalanceUpdate::kLast}};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(balances[i].asset.view(), std::get<0>(expected[i]));
    EXPECT_EQ(balances[i].free.mantissa(), std::get<1>(expected[i]));
    EXPECT_EQ(balances[i].locked.mantissa(), std::get<2>(expected[i]));
    EXPECT_EQ(balances[i].flags, std::get<3>(expected[i]));
    EXPECT_EQ(balances[i].venue, core::Venue::kBybit);
    EXPECT_EQ(balances[i].time_ns, kNowNs);
  }
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  // Loaded: no retry within ten times the retry interval.
  EXPECT_FALSE(venue_.WaitForRequests(kWallet, 2, 200ms));
}

TEST_F(BybitGatewayTest, RefusedKeysAreReportedAndNotRetried) {
  venue_.Script(kWallet, {Envelope200(10003, "API key is invalid.")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));
  const auto statuses = sink_.All<core::GatewayStatus>();
  EXPECT_EQ(statuses.back().keys, core::KeyState::kRefused);
  EXPECT_NE(statuses.back().last_error.view().find("10003"), std::string_view::npos);
  EXPECT_NE(statuses.back().last_error.view().find("API key is invalid"), std::string_view::npos);
  EXPECT_EQ(statuses.back().last_error.view().find(kSecret), std::string_view::npos);
  EXPECT_EQ(statuses.back().last_error_ns, kNowNs);
  EXPECT_TRUE(sink_.All<core::BalanceUpdate>().empty());
  EXPECT_FALSE(venue_.WaitForRequests(kWallet, 2, 200ms));
  EXPECT_EQ(venue_.Requests(kWallet).size(), 1u);
}

TEST_F(BybitGatewayTest, AnHttp401RefusesTheKeysToo) {
  venue_.Script(kWallet, {Answer{401, ""}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));
  EXPECT_EQ(sink_.All<core::GatewayStatus>().back().keys, core::KeyState::kRefused);
  EXPECT_FALSE(venue_.WaitForRequests(kWallet, 2, 200ms));
}

TEST_F(BybitGatewayTest, BalancesAreRetriedUntilTheVenueAnswers) {
  venue_.Script(kWallet, {Answer{500, "Internal Server Error"}, Envelope200(10016, "Server error."),
                          Ok(R"({"list":[{"accountType":"UNIFIED","coin":[]}]})")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(venue_.WaitForRequests(kWallet, 3));
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(1));
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 1u);  // an empty account is still a framed report
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kLast));
  EXPECT_TRUE(balances[0].asset.empty());
  for (const auto& request : venue_.Requests(kWallet)) ExpectSigned(request);
  ASSERT_TRUE(sink_.WaitUntil([](const std::vector<core::Event>& events) {
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
  EXPECT_NE(statuses[1].last_error.view().find("10016"), std::string_view::npos);
}

TEST(BybitGatewayFactory, RefusesWhatCannotWork) {
  const auto make = [](std::string key, std::string secret, std::chrono::milliseconds window,
                       std::string category) {
    BybitOrderOptions options;
    options.api_key = std::move(key);
    options.api_secret = std::move(secret);
    options.recv_window = window;
    options.category = std::move(category);
    return MakeBybitOrderProtocol(std::move(options));
  };
  EXPECT_TRUE(make("k", "s", 5000ms, "spot").ok());
  EXPECT_EQ(make("k", "s", 5000ms, "spot").value()->venue(), core::Venue::kBybit);
  EXPECT_FALSE(make("k", "s", 5000ms, "spot").value()->native_stops());
  for (const auto& result :
       {make("", "s3cr3t", 5000ms, "spot"), make("k", "", 5000ms, "spot"),
        make("k", "s3cr3t", 0ms, "spot"), make("k", "s3cr3t", 5000ms, "linear")}) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), core::ErrorCode::kInvalidConfig);
    EXPECT_EQ(result.status().message().find("s3cr3t"), std::string::npos);
  }
  // The default receive window is Bybit's documented 5000 ms.
  EXPECT_EQ(BybitOrderOptions{}.recv_window, 5000ms);
  EXPECT_EQ(BybitOrderOptions{}.category, "spot");
}

}  // namespace
}  // namespace tradingd::gateways::bybit
