// gateways/coinbase/coinbase_orders.h and coinbase_gateway.h: Coinbase order entry, both APIs.
//
// Part one, without sockets: the request bodies and paths written here by hand from Coinbase's
// docs (docs.cdp.coinbase.com: Exchange "Create a new order", "Get single order", "Cancel an
// order", "Get all fills", "Get all accounts for a profile"; Advanced Trade "Create Order", "Get
// Order", "List Orders", "Cancel Orders", "List Fills", "List Accounts"), the documentation's
// example answers and the fixtures of ../shared/fixtures/coinbase/nautilus_fixtures (every
// expected value is read from the example with the test's own JSON reader, never copied from what
// the parser printed), and hostile bodies that must fail and leave the outputs untouched.
//
// Part two, over loopback: RestGateway with each protocol against a net::HttpServer playing
// Coinbase with scripted answers. Exchange signatures are recomputed with OpenSSL's one-shot
// HMAC(); Advanced Trade tokens are checked with gateways::coinbase::JwtVerifier and, separately,
// with EVP_DigestVerify on the decoded token. Waits are condition variables, never sleeps.

#include "gateways/coinbase/coinbase_orders.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <ctime>
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
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "gateways/coinbase/coinbase_gateway.h"
#include "gateways/coinbase/coinbase_jwt.h"
#include "gateways/common/rest_gateway.h"
#include "net/http_server.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"
#include "tests/support/fixtures.h"
#include "tests/support/test_json.h"
#include "tests/support/io_thread.h"
#include "tests/support/recording_sink.h"

namespace tradingd::gateways::coinbase {
namespace {

using namespace std::chrono_literals;
using core::OrderStatus;
using core::OrderType;
using core::OrderUpdate;
using core::Side;
using core::TimeInForce;

constexpr std::string_view kClientId = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kClientOid = "01234567-89ab-cdef-0123-456789abcdef";

core::Instrument MakeInstrument(core::InstrumentId id, std::string base, std::string quote,
                                int price_scale, int quantity_scale) {
  core::Instrument instrument;
  instrument.id = id;
  instrument.venue = core::Venue::kCoinbase;
  instrument.base = base;
  instrument.quote = quote;
  instrument.canonical = base + "-" + quote;
  instrument.venue_symbol = base + "-" + quote;
  instrument.price_scale = price_scale;
  instrument.quantity_scale = quantity_scale;
  return instrument;
}

// COINBASE.0 (GET /products): BTC-USD quotes in 0.01 and sizes in 0.00000001.
core::Instrument BtcUsd() { return MakeInstrument(3, "BTC", "USD", 2, 8); }
core::Instrument EthUsd() { return MakeInstrument(4, "ETH", "USD", 2, 8); }
// A coarser one, to see the instrument's scale used.
core::Instrument SklEur() { return MakeInstrument(5, "SKL", "EUR", 4, 1); }

core::ClientOrderId ClientId() {
  auto id = core::ClientOrderId::Parse(kClientId);
  EXPECT_TRUE(id.has_value());
  return id.value_or(core::ClientOrderId());
}

// The mantissa of a decimal text at `scale`, computed independently of core::ParseDecimal. With
// `truncate`, digits past the scale are dropped (amounts); without, they must be zeros.
std::int64_t Mantissa(std::string_view text, int scale, bool truncate = false) {
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
  return std::stoll(integer + fraction);
}

// Nanoseconds of an RFC 3339 UTC time, with the C library's timegm (independent of
// ParseRfc3339).
std::int64_t Ns(const std::string& text) {
  std::tm tm{};
  const char* rest = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  EXPECT_NE(rest, nullptr) << text;
  if (rest == nullptr) return 0;
  std::int64_t nanos = 0;
  if (*rest == '.') {
    ++rest;
    int digits = 0;
    while (*rest >= '0' && *rest <= '9') {
      nanos = nanos * 10 + (*rest++ - '0');
      ++digits;
    }
    for (; digits < 9; ++digits) nanos *= 10;
  }
  EXPECT_TRUE(std::string(rest) == "Z" || std::string(rest) == "+00:00") << text;
  return static_cast<std::int64_t>(timegm(&tm)) * 1'000'000'000 + nanos;
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

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Replace(std::string body, std::string_view from, std::string_view to) {
  const std::size_t at = body.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) body.replace(at, from.size(), to);
  return body;
}

// A small JSON reader of the test's own, to read the examples independently of the code under
// test. (simdjson is not used here: tradingd_gateways links it PRIVATE, so this target does not
// get its SIMDJSON_THREADS_ENABLED definition, and including simdjson.h here would give
// dom::parser two layouts in one program.)
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

TEST(CoinbaseOrdersSupport, JsonReaderAndTimeHelper) {
  const Json json = ParseJsonOrFail(R"( {"a": [1, "x\"y", true, null], "o": {}} )");
  ASSERT_EQ(Member(json, "a").items.size(), 4u);
  EXPECT_EQ(Member(json, "a").items[1].text, "x\"y");
  EXPECT_FALSE(JsonReader("{\"a\":1,}").Read().has_value());
  // 2021-05-31T09:59:59Z is 1622455199 s after the epoch (date -u -d ... +%s).
  EXPECT_EQ(Ns("2021-05-31T09:59:59Z"), 1'622'455'199'000'000'000);
  EXPECT_EQ(Ns("2021-05-31T09:59:59.5Z"), 1'622'455'199'500'000'000);
}

// ---- ids ----

TEST(CoinbaseOrders, ClientOidIsOurIdInTheDashedUuidFormAndBack) {
  // "Create a new order": 8-4-4-4-12 groups, all lower case.
  EXPECT_EQ(ClientOid(ClientId()), kClientOid);
  const core::ClientOrderId random = core::ClientOrderId::FromBits(0xfeedfacecafebeef, 42);
  const std::string oid = ClientOid(random);
  ASSERT_EQ(oid.size(), 36u);
  // FromBits shapes the id as a version-4 UUID (version nibble 4, variant bits 10), which is what
  // Coinbase Exchange requires of a client_oid.
  EXPECT_EQ(oid, "feedface-cafe-4eef-8000-00000000002a");
  EXPECT_EQ(ClientOrderIdFromOid(oid), random);
  EXPECT_EQ(ClientOrderIdFromOid(kClientOid), ClientId());
  for (const std::string_view bad :
       {std::string_view(""), std::string_view("0123456789abcdef0123456789abcdef"),
        std::string_view("01234567-89AB-cdef-0123-456789abcdef"),
        std::string_view("0123456-789ab-cdef-0123-456789abcdef"),
        std::string_view("01234567-89ab-cdef-0123-456789abcdeg"),
        std::string_view("01234567-89ab-cdef-0123-456789abcdef0"),
        std::string_view("01234567_89ab_cdef_0123_456789abcdef")}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(ClientOrderIdFromOid(bad).has_value());
  }
}

// ---- what each API offers ----

TEST(CoinbaseOrders, UnsupportedCombinationsAreNamedAndTheRestIsOffered) {
  const core::Instrument btc = BtcUsd();
  struct Case {
    OrderType type;
    TimeInForce tif;
    bool post_only;
    bool exchange_ok;
    bool advanced_ok;
  };
  const Case cases[] = {
      {OrderType::kMarket, TimeInForce::kGtc, false, true, true},
      {OrderType::kMarket, TimeInForce::kIoc, false, true, true},
      {OrderType::kMarket, TimeInForce::kFok, false, false, false},
      {OrderType::kMarket, TimeInForce::kGtc, true, false, false},
      {OrderType::kLimit, TimeInForce::kGtc, false, true, true},
      {OrderType::kLimit, TimeInForce::kGtc, true, true, true},
      {OrderType::kLimit, TimeInForce::kIoc, false, true, true},
      {OrderType::kLimit, TimeInForce::kFok, false, true, true},
      {OrderType::kLimit, TimeInForce::kIoc, true, false, false},
      {OrderType::kLimit, TimeInForce::kFok, true, false, false},
      {OrderType::kStopLoss, TimeInForce::kGtc, false, false, false},
      {OrderType::kStopLossLimit, TimeInForce::kGtc, false, false, false},
      {OrderType::kTakeProfit, TimeInForce::kGtc, false, false, false},
      {OrderType::kTakeProfitLimit, TimeInForce::kGtc, false, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(core::OrderTypeName(c.type)) + " " + core::TimeInForceName(c.tif) +
                 (c.post_only ? " post-only" : ""));
    const core::OrderSpec spec = Spec(btc, c.type, Side::kBuy, "1", "100", c.tif, c.post_only);
    const auto exchange = UnsupportedReason(Api::kExchange, spec);
    const auto advanced = UnsupportedReason(Api::kAdvancedTrade, spec);
    EXPECT_EQ(!exchange.has_value(), c.exchange_ok);
    EXPECT_EQ(!advanced.has_value(), c.advanced_ok);
    if (exchange) {
      EXPECT_FALSE(exchange->empty());
    }
    if (advanced) {
      EXPECT_FALSE(advanced->empty());
    }
  }
}

// ---- Exchange requests ----

TEST(CoinbaseExchangeRequests, NewOrderBodyPerType) {
  const core::Instrument btc = BtcUsd();
  // Market: size, no price, no time_in_force ("Market Order Parameters": size or funds).
  EXPECT_EQ(ExchangeNewOrderBody(Spec(btc, OrderType::kMarket, Side::kBuy, "0.00150000"), btc),
            R"({"client_oid":"01234567-89ab-cdef-0123-456789abcdef","product_id":"BTC-USD",)"
            R"("side":"buy","type":"market","size":"0.0015"})");
  EXPECT_EQ(ExchangeNewOrderBody(
                Spec(btc, OrderType::kMarket, Side::kSell, "2", {}, TimeInForce::kIoc), btc),
            R"({"client_oid":"01234567-89ab-cdef-0123-456789abcdef","product_id":"BTC-USD",)"
            R"("side":"sell","type":"market","size":"2"})");
  // Limit: price, size and each time_in_force.
  for (const auto& [tif, name] :
       {std::pair(TimeInForce::kGtc, "GTC"), std::pair(TimeInForce::kIoc, "IOC"),
        std::pair(TimeInForce::kFok, "FOK")}) {
    EXPECT_EQ(ExchangeNewOrderBody(
                  Spec(btc, OrderType::kLimit, Side::kSell, "1.5", "65000.10", tif), btc),
              std::string(R"({"client_oid":"01234567-89ab-cdef-0123-456789abcdef",)"
                          R"("product_id":"BTC-USD","side":"sell","type":"limit","size":"1.5",)"
                          R"("price":"65000.1","time_in_force":")") +
                  name + "\"}");
  }
  // Post-only GTC.
  EXPECT_EQ(ExchangeNewOrderBody(Spec(btc, OrderType::kLimit, Side::kBuy, "0.01", "64999.99",
                                      TimeInForce::kGtc, true),
                                 btc),
            R"({"client_oid":"01234567-89ab-cdef-0123-456789abcdef","product_id":"BTC-USD",)"
            R"("side":"buy","type":"limit","size":"0.01","price":"64999.99",)"
            R"("time_in_force":"GTC","post_only":true})");
}

TEST(CoinbaseExchangeRequests, DecimalsAreWrittenAtTheInstrumentScale) {
  const core::Instrument skl = SklEur();  // price 4 decimals, size 1
  core::OrderSpec spec = Spec(skl, OrderType::kLimit, Side::kBuy, "5", "0.1");
  spec.price = core::Price::FromMantissa(1);
  spec.quantity = core::Quantity::FromMantissa(123);
  const Json body = ParseJsonOrFail(ExchangeNewOrderBody(spec, skl));
  EXPECT_EQ(Str(body, "price"), "0.0001");
  EXPECT_EQ(Str(body, "size"), "12.3");
  EXPECT_EQ(Str(body, "product_id"), "SKL-EUR");
  spec.price = core::Price::FromMantissa(1'000'000);
  spec.quantity = core::Quantity::FromMantissa(50);
  const Json round = ParseJsonOrFail(ExchangeNewOrderBody(spec, skl));
  EXPECT_EQ(Str(round, "price"), "100");
  EXPECT_EQ(Str(round, "size"), "5");
}

TEST(CoinbaseExchangeRequests, Paths) {
  const core::Instrument btc = BtcUsd();
  core::OrderRef ref;
  ref.instrument = btc.id;
  ref.client_order_id = ClientId();
  // "Get single order": the client: namespace; "Cancel an order": product_id optional.
  EXPECT_EQ(ExchangeOrderPath(ref), "/orders/client:01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(ExchangeCancelPath(ref, btc),
            "/orders/client:01234567-89ab-cdef-0123-456789abcdef?product_id=BTC-USD");
  // A venue id does not change the address: Coinbase is asked by our id either way.
  ref.venue_order_id.Assign("a9625b04-fc66-4999-a876-543c3684d702");
  EXPECT_EQ(ExchangeOrderPath(ref), "/orders/client:01234567-89ab-cdef-0123-456789abcdef");
  EXPECT_EQ(ExchangeFillsPath("a9625b04-fc66-4999-a876-543c3684d702", btc),
            "/fills?order_id=a9625b04-fc66-4999-a876-543c3684d702&product_id=BTC-USD");
  EXPECT_EQ(kExchangeOrdersPath, "/orders");
  EXPECT_EQ(kExchangeAccountsPath, "/accounts");
}

// ---- Advanced Trade requests ----

TEST(CoinbaseAdvancedRequests, NewOrderBodyPerType) {
  const core::Instrument btc = BtcUsd();
  EXPECT_EQ(AdvancedNewOrderBody(Spec(btc, OrderType::kMarket, Side::kBuy, "0.001"), btc),
            R"({"client_order_id":"0123456789abcdef0123456789abcdef","product_id":"BTC-USD",)"
            R"("side":"BUY","order_configuration":{"market_market_ioc":{"base_size":"0.001"}}})");
  EXPECT_EQ(AdvancedNewOrderBody(Spec(btc, OrderType::kLimit, Side::kSell, "0.5", "65000.10"), btc),
            R"({"client_order_id":"0123456789abcdef0123456789abcdef","product_id":"BTC-USD",)"
            R"("side":"SELL","order_configuration":{"limit_limit_gtc":{"base_size":"0.5",)"
            R"("limit_price":"65000.1","post_only":false}}})");
  EXPECT_EQ(
      AdvancedNewOrderBody(
          Spec(btc, OrderType::kLimit, Side::kBuy, "0.5", "64000", TimeInForce::kGtc, true), btc),
      R"({"client_order_id":"0123456789abcdef0123456789abcdef","product_id":"BTC-USD",)"
      R"("side":"BUY","order_configuration":{"limit_limit_gtc":{"base_size":"0.5",)"
      R"("limit_price":"64000","post_only":true}}})");
  EXPECT_EQ(AdvancedNewOrderBody(
                Spec(btc, OrderType::kLimit, Side::kBuy, "0.5", "64000", TimeInForce::kIoc), btc),
            R"({"client_order_id":"0123456789abcdef0123456789abcdef","product_id":"BTC-USD",)"
            R"("side":"BUY","order_configuration":{"sor_limit_ioc":{"base_size":"0.5",)"
            R"("limit_price":"64000"}}})");
  EXPECT_EQ(AdvancedNewOrderBody(
                Spec(btc, OrderType::kLimit, Side::kSell, "0.5", "64000", TimeInForce::kFok), btc),
            R"({"client_order_id":"0123456789abcdef0123456789abcdef","product_id":"BTC-USD",)"
            R"("side":"SELL","order_configuration":{"limit_limit_fok":{"base_size":"0.5",)"
            R"("limit_price":"64000"}}})");
}

TEST(CoinbaseAdvancedRequests, EveryBodyHasExactlyOneConfiguration) {
  // "Create Order": order_configuration holds exactly one of the configurations.
  const core::Instrument btc = BtcUsd();
  for (const auto& [type, tif] : {std::pair(OrderType::kMarket, TimeInForce::kGtc),
                                  std::pair(OrderType::kMarket, TimeInForce::kIoc),
                                  std::pair(OrderType::kLimit, TimeInForce::kGtc),
                                  std::pair(OrderType::kLimit, TimeInForce::kIoc),
                                  std::pair(OrderType::kLimit, TimeInForce::kFok)}) {
    const Json body =
        ParseJsonOrFail(AdvancedNewOrderBody(Spec(btc, type, Side::kBuy, "1", "2", tif), btc));
    std::set<std::string> keys;
    for (const auto& [key, value] : body.members) keys.insert(key);
    EXPECT_EQ(keys, (std::set<std::string>{"client_order_id", "product_id", "side",
                                           "order_configuration"}));
    EXPECT_EQ(Member(body, "order_configuration").members.size(), 1u);
    EXPECT_EQ(Str(body, "client_order_id"), kClientId);  // 32 hex, as coinbase-advanced-py sends
  }
}

TEST(CoinbaseAdvancedRequests, Paths) {
  EXPECT_EQ(AdvancedOrderPath("0000-000000-000000"),
            "/api/v3/brokerage/orders/historical/0000-000000-000000");
  EXPECT_EQ(AdvancedListOrdersPath(BtcUsd()),
            "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD&limit=100");
  EXPECT_EQ(AdvancedCancelBody("0000-000000-000000"), R"({"order_ids":["0000-000000-000000"]})");
  EXPECT_EQ(AdvancedFillsPath("0000-000000-000000"),
            "/api/v3/brokerage/orders/historical/fills?order_ids=0000-000000-000000");
  EXPECT_EQ(kAdvancedOrdersPath, "/api/v3/brokerage/orders");
  EXPECT_EQ(kAdvancedCancelPath, "/api/v3/brokerage/orders/batch_cancel");
  EXPECT_EQ(kAdvancedAccountsPath, "/api/v3/brokerage/accounts?limit=250");
}

// ---- RFC 3339 ----

TEST(CoinbaseOrders, Rfc3339) {
  for (const char* text :
       {"2021-05-31T09:59:59Z", "2020-03-11T20:48:46.622Z", "2024-01-15T10:30:00.123456Z",
        "2019-11-21T01:38:23.878Z", "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
        "2024-01-15T10:30:00+00:00"}) {
    SCOPED_TRACE(text);
    core::TimestampNs ns = -1;
    ASSERT_TRUE(ParseRfc3339(text, &ns));
    EXPECT_EQ(ns, Ns(text));
  }
  for (const char* bad :
       {"", "2021-05-31", "2021-05-31T09:59:59", "2021-05-31 09:59:59Z", "2021-13-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2021-05-31T24:00:00Z", "2021-05-31T09:60:00Z",
        "2021-05-31T09:59:60Z", "2021-05-31T09:59:59.Z", "2021-05-31T09:59:59.1234567890Z",
        "2021-05-31T09:59:59+01:00", "1969-12-31T23:59:59Z", "2262-05-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2021-05-31T09:59:59Zjunk", "2021-0a-31T09:59:59Z",
        "+021-05-31T09:59:59Z"}) {
    SCOPED_TRACE(bad);
    core::TimestampNs ns = -1;
    EXPECT_FALSE(ParseRfc3339(bad, &ns));
    EXPECT_EQ(ns, -1);
  }
}

// ---- Exchange answers: the documentation's examples ----

// "Create a new order" / "Get single order", response example (verbatim).
constexpr std::string_view kExchangeOrderDoc = R"({
  "id": "a9625b04-fc66-4999-a876-543c3684d702",
  "price": "10.00000000",
  "size": "1.00000000",
  "product_id": "BTC-USD",
  "profile_id": "8058d771-2d88-4f0f-ab6e-299c153d4308",
  "side": "buy",
  "type": "limit",
  "time_in_force": "GTC",
  "post_only": true,
  "max_floor": "4",
  "created_at": "2020-03-11T20:48:46.622Z",
  "fill_fees": "0.0000000000000000",
  "filled_size": "0.00000000",
  "executed_value": "0.0000000000000000",
  "status": "open",
  "settled": false
})";

// "Get all fills", response example (verbatim).
constexpr std::string_view kExchangeFillsDoc = R"([
  {
    "created_at": "2019-11-21T01:38:23.878Z",
    "trade_id": 78098253,
    "product_id": "BTC-USD",
    "order_id": "41473628-db2c-464e-b9f4-82df7e4fb4f4",
    "user_id": "5cf6e115aaf44503db300f1e",
    "profile_id": "8058d771-2d88-4f0f-ab6e-299c153d4308",
    "liquidity": "T",
    "price": "8087.38000000",
    "size": "0.00601800",
    "fee": "0.2433492642000000",
    "side": "sell",
    "settled": true,
    "usd_volume": "48.6698528400000000",
    "funding_currency": "USDC"
  }
])";

// "Get a single account by id", response example (verbatim), and another of the same shape.
constexpr std::string_view kExchangeAccountDoc = R"({
  "id": "7fd0abc0-e5ad-4cbb-8d54-f2b3f43364da",
  "currency": "USD",
  "balance": "0.0000000000000000",
  "hold": "0.0000000000000000",
  "available": "0",
  "profile_id": "8058d771-2d88-4f0f-ab6e-299c153d4308",
  "trading_enabled": true
})";
constexpr std::string_view kExchangeBtcAccount =
    R"({"id":"e316cb9a-0808-4fd7-8914-97829c1925de","currency":"BTC",)"
    R"("balance":"1.1000000000000000","hold":"0.1000000000000000","available":"1.00000000019",)"
    R"("profile_id":"8058d771-2d88-4f0f-ab6e-299c153d4308","trading_enabled":true})";

core::OrderUpdate FreshUpdate() {
  core::OrderUpdate update;
  update.client_order_id = ClientId();
  return update;
}

TEST(CoinbaseExchangeAnswers, DocsOrderExample) {
  const core::Instrument btc = BtcUsd();
  core::OrderUpdate update = FreshUpdate();
  const core::Status status = ParseExchangeOrder(kExchangeOrderDoc, btc, &update);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json doc = ParseJsonOrFail(kExchangeOrderDoc);
  EXPECT_EQ(update.status, OrderStatus::kNew);  // "open"
  EXPECT_EQ(Str(doc, "status"), "open");
  EXPECT_EQ(update.venue_order_id.view(), Str(doc, "id"));
  EXPECT_EQ(update.client_order_id.view(), kClientId);  // ours, kept
  EXPECT_EQ(update.venue, core::Venue::kCoinbase);
  EXPECT_EQ(update.instrument, btc.id);
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(), Mantissa(Str(doc, "filled_size"), 8));
  EXPECT_EQ(update.filled_notional.mantissa(),
            Mantissa(Str(doc, "executed_value"), core::kAmountScale, true));
  EXPECT_EQ(update.venue_time_ns, Ns(Str(doc, "created_at")));
  EXPECT_TRUE(update.venue_code.empty());
  EXPECT_FALSE(update.not_found);
}

TEST(CoinbaseExchangeAnswers, EveryStatusMaps) {
  const core::Instrument btc = BtcUsd();
  struct Case {
    const char* status;
    const char* done_reason;
    const char* type;
    const char* tif;
    const char* filled;
    OrderStatus expected;
  };
  const Case cases[] = {
      {"pending", nullptr, "limit", "GTC", "0", OrderStatus::kNew},
      {"received", nullptr, "limit", "GTC", "0", OrderStatus::kNew},
      {"open", nullptr, "limit", "GTC", "0", OrderStatus::kNew},
      {"open", nullptr, "limit", "GTC", "0.5", OrderStatus::kPartiallyFilled},
      {"active", nullptr, "limit", "GTC", "0", OrderStatus::kNew},
      {"done", "filled", "limit", "GTC", "1", OrderStatus::kFilled},
      {"done", "canceled", "limit", "GTC", "0.5", OrderStatus::kCanceled},
      {"done", "canceled", "limit", "IOC", "0.5", OrderStatus::kExpired},
      {"done", "canceled", "limit", "FOK", "0", OrderStatus::kExpired},
      {"done", "canceled", "market", "GTC", "0.5", OrderStatus::kExpired},
      {"done", "rejected", "limit", "GTC", "0", OrderStatus::kRejected},
      {"rejected", nullptr, "limit", "GTC", "0", OrderStatus::kRejected},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.status) + " " + (c.done_reason ? c.done_reason : "-") + " " +
                 c.type + " " + c.tif);
    std::string body = std::string(R"({"id":"x-1","status":")") + c.status + R"(","type":")" +
                       c.type + R"(","time_in_force":")" + c.tif + R"(","filled_size":")" +
                       c.filled + "\"";
    if (c.done_reason) body += std::string(R"(,"done_reason":")") + c.done_reason + "\"";
    body += "}";
    core::OrderUpdate update = FreshUpdate();
    const core::Status parsed = ParseExchangeOrder(body, btc, &update);
    ASSERT_TRUE(parsed.ok()) << parsed.ToString();
    EXPECT_EQ(update.status, c.expected);
    EXPECT_EQ(update.venue_order_id.view(), "x-1");
    if (c.expected == OrderStatus::kRejected) {
      EXPECT_EQ(update.venue_code.view(), "rejected");
      EXPECT_FALSE(update.message.empty());
    }
  }
  // A post-only order that would have taken: rejected, with Coinbase's reason as the message.
  core::OrderUpdate post_only = FreshUpdate();
  ASSERT_TRUE(
      ParseExchangeOrder(
          R"({"id":"x-2","status":"rejected","reject_reason":"post only","post_only":true})", btc,
          &post_only)
          .ok());
  EXPECT_EQ(post_only.status, OrderStatus::kRejected);
  EXPECT_EQ(post_only.message.view(), "post only");
  // done_at wins over created_at once the order is done.
  core::OrderUpdate done = FreshUpdate();
  ASSERT_TRUE(ParseExchangeOrder(R"({"status":"done","done_reason":"filled",)"
                                 R"("created_at":"2020-03-11T20:48:46.622Z",)"
                                 R"("done_at":"2020-03-11T20:48:47.001Z"})",
                                 btc, &done)
                  .ok());
  EXPECT_EQ(done.venue_time_ns, Ns("2020-03-11T20:48:47.001Z"));
  EXPECT_FALSE(done.has_filled);  // not said: not made up
}

TEST(CoinbaseExchangeAnswers, DocsFillsExample) {
  const core::Instrument btc = BtcUsd();
  std::vector<core::Fill> fills;
  const core::Status status =
      ParseExchangeFills(kExchangeFillsDoc, btc, "41473628-db2c-464e-b9f4-82df7e4fb4f4", &fills);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json doc = ParseJsonOrFail(kExchangeFillsDoc);
  ASSERT_EQ(fills.size(), doc.items.size());
  const Json& expected = doc.items[0];
  const core::Fill& fill = fills[0];
  EXPECT_EQ(fill.venue, core::Venue::kCoinbase);
  EXPECT_EQ(fill.instrument, btc.id);
  EXPECT_TRUE(fill.client_order_id.empty());  // the caller knows which order it asked for
  EXPECT_EQ(fill.trade_id.view(), std::to_string(Int(expected, "trade_id")));
  EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(expected, "price"), btc.price_scale));
  EXPECT_EQ(fill.quantity.mantissa(), Mantissa(Str(expected, "size"), btc.quantity_scale));
  EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(expected, "fee"), core::kAmountScale, true));
  EXPECT_EQ(fill.fee_asset.view(), Str(expected, "funding_currency"));
  EXPECT_EQ(fill.side, Str(expected, "side") == "sell" ? Side::kSell : Side::kBuy);
  EXPECT_EQ(fill.maker, Str(expected, "liquidity") == "M");
  EXPECT_EQ(fill.venue_time_ns, Ns(Str(expected, "created_at")));

  // Another order's fill is not ours: skipped. Without funding_currency the fee is in quote.
  std::vector<core::Fill> other;
  ASSERT_TRUE(ParseExchangeFills(kExchangeFillsDoc, btc, "another-order", &other).ok());
  EXPECT_TRUE(other.empty());
  std::vector<core::Fill> maker;
  ASSERT_TRUE(ParseExchangeFills(Replace(Replace(std::string(kExchangeFillsDoc),
                                                 R"(,
    "funding_currency": "USDC")",
                                                 ""),
                                         R"("liquidity": "T")", R"("liquidity": "M")"),
                                 btc, {}, &maker)
                  .ok());
  ASSERT_EQ(maker.size(), 1u);
  EXPECT_EQ(maker[0].fee_asset.view(), "USD");
  EXPECT_TRUE(maker[0].maker);
  // Another product's fill of our order is an error (never booked on the wrong instrument).
  std::vector<core::Fill> wrong;
  EXPECT_FALSE(ParseExchangeFills(kExchangeFillsDoc, EthUsd(), {}, &wrong).ok());
  EXPECT_TRUE(wrong.empty());
  // No fills yet: an empty list.
  std::vector<core::Fill> none;
  EXPECT_TRUE(ParseExchangeFills("[]", btc, {}, &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST(CoinbaseExchangeAnswers, DocsAccountsExampleIsAFramedReport) {
  constexpr core::TimestampNs kNow = 1'700'000'000'000'000'000;
  // Only the docs' all-zero USD account: "nothing held" is still a framed report.
  std::vector<core::BalanceUpdate> empty;
  ASSERT_TRUE(ParseExchangeAccounts("[" + std::string(kExchangeAccountDoc) + "]",
                                    core::Venue::kCoinbase, kNow, &empty)
                  .ok());
  ASSERT_EQ(empty.size(), 1u);
  EXPECT_TRUE(empty[0].asset.empty());
  EXPECT_EQ(empty[0].flags, core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast);
  EXPECT_EQ(empty[0].time_ns, kNow);

  const std::string body =
      "[" + std::string(kExchangeAccountDoc) + "," + std::string(kExchangeBtcAccount) + "]";
  std::vector<core::BalanceUpdate> balances;
  const core::Status status = ParseExchangeAccounts(body, core::Venue::kCoinbase, kNow, &balances);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json btc = ParseJsonOrFail(kExchangeBtcAccount);
  ASSERT_EQ(balances.size(), 1u);  // the zero USD account is left out
  EXPECT_EQ(balances[0].asset.view(), Str(btc, "currency"));
  EXPECT_EQ(balances[0].free.mantissa(),
            Mantissa(Str(btc, "available"), core::kAmountScale, true));  // truncated to 8
  EXPECT_EQ(balances[0].locked.mantissa(), Mantissa(Str(btc, "hold"), core::kAmountScale, true));
  EXPECT_EQ(balances[0].flags, core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast);
  EXPECT_EQ(balances[0].venue, core::Venue::kCoinbase);
}

TEST(CoinbaseExchangeAnswers, CancelAnswerAndErrors) {
  // "Cancel an order": 200 with the canceled order's id, a JSON string.
  std::string id;
  ASSERT_TRUE(ParseExchangeCancel(R"("a9625b04-fc66-4999-a876-543c3684d702")", &id).ok());
  EXPECT_EQ(id, "a9625b04-fc66-4999-a876-543c3684d702");
  for (const std::string_view bad :
       {std::string_view(""), std::string_view("{}"), std::string_view("42"),
        std::string_view(R"("")"), std::string_view(R"("a b")"),
        std::string_view(R"(["a9625b04"])")}) {
    SCOPED_TRACE(bad);
    std::string out = "sentinel";
    EXPECT_FALSE(ParseExchangeCancel(bad, &out).ok());
    EXPECT_EQ(out, "sentinel");
  }
  std::string message;
  ASSERT_TRUE(ParseExchangeError(R"({"message":"Insufficient funds"})", &message));
  EXPECT_EQ(message, "Insufficient funds");
  for (const std::string_view bad :
       {std::string_view(""), std::string_view("[]"), std::string_view(R"({"message":5})"),
        std::string_view(R"({"error":"x"})"), std::string_view("<html>502</html>"),
        std::string_view("{\"message\":\"\xff\"}")}) {
    SCOPED_TRACE(bad);
    std::string out = "sentinel";
    EXPECT_FALSE(ParseExchangeError(bad, &out));
    EXPECT_EQ(out, "sentinel");
  }
}

// ---- Advanced Trade answers: the fixtures (nautilus_fixtures, in the docs' shapes) ----

OrderStatus ExpectedAdvancedStatus(const Json& order) {
  // "Get Order": status; OPEN with fills is PARTIALLY_FILLED; a CANCELLED IOC/FOK/market is
  // EXPIRED (it never rested).
  const std::string status = Str(order, "status");
  const bool filled = Mantissa(Str(order, "filled_size"), 8) > 0;
  if (status == "OPEN" || status == "PENDING" || status == "QUEUED") {
    return filled ? OrderStatus::kPartiallyFilled : OrderStatus::kNew;
  }
  if (status == "FILLED") return OrderStatus::kFilled;
  if (status == "CANCELLED") {
    const std::string tif = Str(order, "time_in_force");
    return Str(order, "order_type") == "MARKET" || tif == "IMMEDIATE_OR_CANCEL" ||
                   tif == "FILL_OR_KILL"
               ? OrderStatus::kExpired
               : OrderStatus::kCanceled;
  }
  if (status == "EXPIRED") return OrderStatus::kExpired;
  if (status == "FAILED") return OrderStatus::kRejected;
  ADD_FAILURE() << "status " << status;
  return OrderStatus::kUnknown;
}

void ExpectAdvancedOrderMatches(const Json& order, const core::Instrument& instrument,
                                const core::OrderUpdate& update) {
  EXPECT_EQ(update.status, ExpectedAdvancedStatus(order));
  EXPECT_EQ(update.venue_order_id.view(), Str(order, "order_id"));
  EXPECT_EQ(update.venue, core::Venue::kCoinbase);
  EXPECT_EQ(update.instrument, instrument.id);
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(),
            Mantissa(Str(order, "filled_size"), instrument.quantity_scale));
  EXPECT_EQ(update.filled_notional.mantissa(),
            Mantissa(Str(order, "filled_value"), core::kAmountScale, true));
  const Json* last_fill = order.Find("last_fill_time");
  const std::string time = last_fill != nullptr && last_fill->kind == Json::Kind::kString
                               ? last_fill->text
                               : Str(order, "created_time");
  EXPECT_EQ(update.venue_time_ns, Ns(time));
}

TEST(CoinbaseAdvancedAnswersFixtures, GetOrder) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/nautilus_fixtures/http_order.json");
  const std::string body = ReadFile(path);
  const core::Instrument btc = BtcUsd();
  core::OrderUpdate update = FreshUpdate();
  const core::Status status = ParseAdvancedOrder(body, btc, &update);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json order = Member(ParseJsonOrFail(body), "order");
  ExpectAdvancedOrderMatches(order, btc, update);
  EXPECT_EQ(update.status, OrderStatus::kPartiallyFilled);  // OPEN, filled_size 0.001
  EXPECT_EQ(update.client_order_id.view(), kClientId);      // ours, not the fixture's
  // The same order is another product's for ETH-USD: refused.
  core::OrderUpdate eth = FreshUpdate();
  EXPECT_FALSE(ParseAdvancedOrder(body, EthUsd(), &eth).ok());
  EXPECT_TRUE(eth.venue_order_id.empty());
}

TEST(CoinbaseAdvancedAnswersFixtures, ListOrdersLookupByClientOrderId) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/nautilus_fixtures/http_orders_list.json");
  const std::string body = ReadFile(path);
  const Json root = ParseJsonOrFail(body);
  const std::vector<Json>& orders = Member(root, "orders").items;
  ASSERT_EQ(orders.size(), 2u);
  const bool has_next = Bool(root, "has_next");
  for (const Json& order : orders) {
    const std::string client_id = Str(order, "client_order_id");
    SCOPED_TRACE(client_id);
    const core::Instrument instrument = Str(order, "product_id") == "BTC-USD" ? BtcUsd() : EthUsd();
    core::OrderUpdate update = FreshUpdate();
    bool found = false;
    bool complete = false;
    const core::Status status =
        ParseAdvancedOrderList(body, instrument, client_id, &update, &found, &complete);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(found);
    EXPECT_EQ(complete, !has_next);
    ExpectAdvancedOrderMatches(order, instrument, update);
  }
  // Not listed: not found, and the list is whole (has_next false), so that is definitive.
  core::OrderUpdate update = FreshUpdate();
  update.status = OrderStatus::kPendingNew;
  bool found = true;
  bool complete = false;
  ASSERT_TRUE(ParseAdvancedOrderList(body, BtcUsd(), kClientId, &update, &found, &complete).ok());
  EXPECT_FALSE(found);
  EXPECT_TRUE(complete);
  EXPECT_EQ(update.status, OrderStatus::kPendingNew);  // untouched
  // With more pages, absence says nothing.
  ASSERT_TRUE(ParseAdvancedOrderList(Replace(body, R"("has_next": false)", R"("has_next": true)"),
                                     BtcUsd(), kClientId, &update, &found, &complete)
                  .ok());
  EXPECT_FALSE(complete);
  ASSERT_TRUE(ParseAdvancedOrderList(Replace(body, R"("has_next": false,)", ""), BtcUsd(),
                                     kClientId, &update, &found, &complete)
                  .ok());
  EXPECT_FALSE(complete);
}

TEST(CoinbaseAdvancedAnswersFixtures, ListFills) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/nautilus_fixtures/http_fills.json");
  const std::string body = ReadFile(path);
  const Json root = ParseJsonOrFail(body);
  for (const Json& expected : Member(root, "fills").items) {
    const std::string order_id = Str(expected, "order_id");
    SCOPED_TRACE(order_id);
    const core::Instrument instrument =
        Str(expected, "product_id") == "BTC-USD" ? BtcUsd() : EthUsd();
    std::vector<core::Fill> fills;
    const core::Status status = ParseAdvancedFills(body, instrument, order_id, &fills);
    ASSERT_TRUE(status.ok()) << status.ToString();
    ASSERT_EQ(fills.size(), 1u);  // the other order's fill is skipped
    const core::Fill& fill = fills[0];
    EXPECT_EQ(fill.venue, core::Venue::kCoinbase);
    EXPECT_EQ(fill.instrument, instrument.id);
    EXPECT_EQ(fill.trade_id.view(), Str(expected, "trade_id"));
    EXPECT_EQ(fill.price.mantissa(), Mantissa(Str(expected, "price"), instrument.price_scale));
    EXPECT_EQ(fill.quantity.mantissa(), Mantissa(Str(expected, "size"), instrument.quantity_scale));
    EXPECT_EQ(fill.fee.mantissa(), Mantissa(Str(expected, "commission"), core::kAmountScale, true));
    EXPECT_EQ(fill.fee_asset.view(), instrument.quote);  // commission is in quote
    EXPECT_EQ(fill.side, Str(expected, "side") == "BUY" ? Side::kBuy : Side::kSell);
    EXPECT_EQ(fill.maker, Str(expected, "liquidity_indicator") == "MAKER");
    EXPECT_EQ(fill.venue_time_ns, Ns(Str(expected, "trade_time")));
  }
  // Unfiltered, the ETH fill is another product's: refused as a whole.
  std::vector<core::Fill> fills(1);
  fills[0].trade_id.Assign("sentinel");
  EXPECT_FALSE(ParseAdvancedFills(body, BtcUsd(), {}, &fills).ok());
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].trade_id.view(), "sentinel");
}

TEST(CoinbaseAdvancedAnswersFixtures, ListAccounts) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/nautilus_fixtures/http_accounts.json");
  const std::string body = ReadFile(path);
  constexpr core::TimestampNs kNow = 1'700'000'000'000'000'000;
  std::vector<core::BalanceUpdate> balances;
  const core::Status status = ParseAdvancedAccounts(body, core::Venue::kCoinbase, kNow, &balances);
  ASSERT_TRUE(status.ok()) << status.ToString();
  const Json root = ParseJsonOrFail(body);
  const std::vector<Json>& accounts = Member(root, "accounts").items;
  ASSERT_EQ(balances.size(), accounts.size());
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(balances[i].asset.view(), Str(accounts[i], "currency"));
    EXPECT_EQ(
        balances[i].free.mantissa(),
        Mantissa(Str(Member(accounts[i], "available_balance"), "value"), core::kAmountScale, true));
    EXPECT_EQ(balances[i].locked.mantissa(),
              Mantissa(Str(Member(accounts[i], "hold"), "value"), core::kAmountScale, true));
    EXPECT_EQ(balances[i].venue, core::Venue::kCoinbase);
    EXPECT_EQ(balances[i].time_ns, kNow);
    EXPECT_EQ(balances[i].has(core::BalanceUpdate::kFirst), i == 0);
    EXPECT_EQ(balances[i].has(core::BalanceUpdate::kLast), i + 1 == accounts.size());
  }
  // A first page of several is not a whole report.
  std::vector<core::BalanceUpdate> partial;
  EXPECT_FALSE(ParseAdvancedAccounts(Replace(body, R"("has_next": false)", R"("has_next": true)"),
                                     core::Venue::kCoinbase, kNow, &partial)
                   .ok());
  EXPECT_TRUE(partial.empty());
}

TEST(CoinbaseAdvancedAnswers, AccountsOfOneCurrencyAddUpAndZerosAreLeftOut) {
  const std::string body =
      R"({"accounts":[{"currency":"BTC","available_balance":{"value":"1.5","currency":"BTC"},)"
      R"("hold":{"value":"0.25","currency":"BTC"}},)"
      R"({"currency":"USDC","available_balance":{"value":"0","currency":"USDC"},)"
      R"("hold":{"value":"0","currency":"USDC"}},)"
      R"({"currency":"btc","available_balance":{"value":"0.5","currency":"BTC"},)"
      R"("hold":{"value":"0.00000000001","currency":"BTC"}}],"has_next":false,"cursor":""})";
  std::vector<core::BalanceUpdate> balances;
  ASSERT_TRUE(ParseAdvancedAccounts(body, core::Venue::kCoinbase, 7, &balances).ok());
  ASSERT_EQ(balances.size(), 1u);
  EXPECT_EQ(balances[0].asset.view(), "BTC");
  EXPECT_EQ(balances[0].free.mantissa(), 200'000'000);
  EXPECT_EQ(balances[0].locked.mantissa(), 25'000'000);
  std::vector<core::BalanceUpdate> none;
  ASSERT_TRUE(
      ParseAdvancedAccounts(R"({"accounts":[],"has_next":false})", core::Venue::kCoinbase, 7, &none)
          .ok());
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].asset.empty());
  EXPECT_EQ(none[0].flags, core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast);
}

TEST(CoinbaseAdvancedAnswers, EveryStatusMaps) {
  const core::Instrument btc = BtcUsd();
  struct Case {
    const char* status;
    const char* type;
    const char* tif;
    const char* filled;
    OrderStatus expected;
  };
  const Case cases[] = {
      {"PENDING", "LIMIT", "GOOD_UNTIL_CANCELLED", "0", OrderStatus::kNew},
      {"QUEUED", "LIMIT", "GOOD_UNTIL_CANCELLED", "0", OrderStatus::kNew},
      {"OPEN", "LIMIT", "GOOD_UNTIL_CANCELLED", "0", OrderStatus::kNew},
      {"OPEN", "LIMIT", "GOOD_UNTIL_CANCELLED", "0.1", OrderStatus::kPartiallyFilled},
      {"CANCEL_QUEUED", "LIMIT", "GOOD_UNTIL_CANCELLED", "0.1", OrderStatus::kPartiallyFilled},
      {"FILLED", "LIMIT", "GOOD_UNTIL_CANCELLED", "1", OrderStatus::kFilled},
      {"CANCELLED", "LIMIT", "GOOD_UNTIL_CANCELLED", "0", OrderStatus::kCanceled},
      {"CANCELLED", "LIMIT", "IMMEDIATE_OR_CANCEL", "0.1", OrderStatus::kExpired},
      {"CANCELLED", "LIMIT", "FILL_OR_KILL", "0", OrderStatus::kExpired},
      {"CANCELLED", "MARKET", "IMMEDIATE_OR_CANCEL", "0.1", OrderStatus::kExpired},
      {"EXPIRED", "LIMIT", "GOOD_UNTIL_DATE_TIME", "0", OrderStatus::kExpired},
      {"FAILED", "LIMIT", "GOOD_UNTIL_CANCELLED", "0", OrderStatus::kRejected},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.status) + " " + c.type + " " + c.tif);
    const std::string body = std::string(R"({"order":{"order_id":"o-1","product_id":"BTC-USD",)") +
                             R"("status":")" + c.status + R"(","order_type":")" + c.type +
                             R"(","time_in_force":")" + c.tif + R"(","filled_size":")" + c.filled +
                             R"(","reject_reason":"INSUFFICIENT_FUNDS","reject_message":"no)" +
                             R"(","last_fill_time":null,"created_time":"2021-05-31T09:59:59Z"}})";
    core::OrderUpdate update = FreshUpdate();
    const core::Status parsed = ParseAdvancedOrder(body, btc, &update);
    ASSERT_TRUE(parsed.ok()) << parsed.ToString();
    EXPECT_EQ(update.status, c.expected);
    EXPECT_EQ(update.venue_time_ns, Ns("2021-05-31T09:59:59Z"));  // last_fill_time null
    if (c.expected == OrderStatus::kRejected) {
      EXPECT_EQ(update.venue_code.view(), "INSUFFICIENT_FUNDS");
      EXPECT_EQ(update.message.view(), "no");
    }
  }
  core::OrderUpdate unknown = FreshUpdate();
  EXPECT_FALSE(ParseAdvancedOrder(R"({"order":{"order_id":"o-1","status":"UNKNOWN_ORDER_STATUS"}})",
                                  btc, &unknown)
                   .ok());
}

TEST(CoinbaseAdvancedAnswers, CreateAnswers) {
  // "Create Order": success with success_response.order_id.
  AdvancedCreateAnswer ok;
  ASSERT_TRUE(
      ParseAdvancedCreate(R"({"success":true,"success_response":{"order_id":"11111-00000-000000",)"
                          R"("product_id":"BTC-USD","side":"BUY","client_order_id":"x"},)"
                          R"("order_configuration":{"limit_limit_gtc":{"base_size":"0.001",)"
                          R"("limit_price":"10000.00","post_only":false}}})",
                          &ok)
          .ok());
  EXPECT_TRUE(ok.success);
  EXPECT_EQ(ok.order_id, "11111-00000-000000");
  // A refusal: the named reason before the UNKNOWN_ placeholders, the message with its details.
  AdvancedCreateAnswer refused;
  ASSERT_TRUE(
      ParseAdvancedCreate(
          R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"",)"
          R"("error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient balance in )"
          R"(source account","error_details":"","preview_failure_reason":)"
          R"("PREVIEW_INSUFFICIENT_FUND","new_order_failure_reason":"UNKNOWN_FAILURE_REASON"}})",
          &refused)
          .ok());
  EXPECT_FALSE(refused.success);
  EXPECT_EQ(refused.code, "INSUFFICIENT_FUND");
  EXPECT_EQ(refused.message, "Insufficient balance in source account");
  AdvancedCreateAnswer preview;
  ASSERT_TRUE(
      ParseAdvancedCreate(R"({"success":false,"error_response":{"error":"UNKNOWN_FAILURE_REASON",)"
                          R"("message":"","error_details":"size too small",)"
                          R"("preview_failure_reason":"PREVIEW_INVALID_BASE_SIZE_TOO_SMALL"}})",
                          &preview)
          .ok());
  EXPECT_EQ(preview.code, "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL");
  EXPECT_EQ(preview.message, "PREVIEW_INVALID_BASE_SIZE_TOO_SMALL (size too small)");
  AdvancedCreateAnswer bare;
  ASSERT_TRUE(ParseAdvancedCreate(R"({"success":false})", &bare).ok());
  EXPECT_EQ(bare.code, "FAILED");
}

TEST(CoinbaseAdvancedAnswers, CancelAnswers) {
  AdvancedCancelResult result;
  ASSERT_TRUE(ParseAdvancedCancel(R"({"results":[{"success":true,"failure_reason":)"
                                  R"("UNKNOWN_CANCEL_FAILURE_REASON","order_id":"o-1"}]})",
                                  "o-1", &result)
                  .ok());
  EXPECT_TRUE(result.success);
  ASSERT_TRUE(ParseAdvancedCancel(R"({"results":[{"success":true,"order_id":"o-9"},)"
                                  R"({"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER",)"
                                  R"("order_id":"o-1"}]})",
                                  "o-1", &result)
                  .ok());
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.failure_reason, "UNKNOWN_CANCEL_ORDER");
}

TEST(CoinbaseAdvancedAnswers, ErrorBodies) {
  std::string code, message;
  ASSERT_TRUE(ParseAdvancedError(
      R"({"error":"NOT_FOUND","code":5,"message":"order with this orderID was not found",)"
      R"("details":[]})",
      &code, &message));
  EXPECT_EQ(code, "NOT_FOUND");
  EXPECT_EQ(message, "order with this orderID was not found");
  ASSERT_TRUE(ParseAdvancedError(
      R"({"error":"INVALID_ARGUMENT","error_details":"bad product","message":"Invalid"})", &code,
      &message));
  EXPECT_EQ(message, "Invalid (bad product)");
  for (const std::string_view bad :
       {std::string_view(""), std::string_view("Unauthorized\n"), std::string_view("[]"),
        std::string_view(R"({"error":5})"), std::string_view(R"({"details":[]})")}) {
    SCOPED_TRACE(bad);
    std::string c = "sentinel", m = "sentinel";
    EXPECT_FALSE(ParseAdvancedError(bad, &c, &m));
    EXPECT_EQ(c, "sentinel");
    EXPECT_EQ(m, "sentinel");
  }
}

// ---- Hostile input: every parser fails and leaves its outputs as they were ----

const std::vector<std::pair<std::string, std::string>>& CommonHostile() {
  static const std::vector<std::pair<std::string, std::string>> kCases = {
      {"empty body", ""},
      {"whitespace", "  \n"},
      {"a string", R"("open")"},
      {"a number", "42"},
      {"null", "null"},
      {"html", "<html><body>502 Bad Gateway</body></html>"},
      {"nested 5000 deep", std::string(5000, '[') + std::string(5000, ']')},
  };
  return kCases;
}

TEST(CoinbaseHostile, ExchangeOrder) {
  const std::string good =
      R"({"id":"a9625b04-fc66-4999-a876-543c3684d702","status":"done","done_reason":"filled",)"
      R"("type":"limit","time_in_force":"GTC","filled_size":"1.00000000",)"
      R"("executed_value":"10.0000000000000000","created_at":"2020-03-11T20:48:46.622Z",)"
      R"("done_at":"2020-03-11T20:48:47.622Z","reject_reason":null})";
  std::vector<std::pair<std::string, std::string>> cases = CommonHostile();
  const std::vector<std::tuple<std::string, std::string, std::string>> mutations = {
      {"truncated", good, good.substr(0, good.size() / 2)},
      {"an array", good, "[" + good + "]"},
      {"trailing garbage", good, good + "}"},
      {"no status", R"("status":"done",)", ""},
      {"status a number", R"("status":"done")", R"("status":5)"},
      {"unknown status", R"("status":"done")", R"("status":"settled")"},
      {"upper-case status", R"("status":"done")", R"("status":"DONE")"},
      {"unknown done_reason", R"("done_reason":"filled")", R"("done_reason":"vanished")"},
      {"done without done_reason", R"("done_reason":"filled",)", ""},
      {"id a number", R"("id":"a9625b04-fc66-4999-a876-543c3684d702")", R"("id":7)"},
      {"id empty", R"("id":"a9625b04-fc66-4999-a876-543c3684d702")", R"("id":"")"},
      {"id with a slash", R"("id":"a9625b04-fc66-4999-a876-543c3684d702")", R"("id":"a/../b")"},
      {"id oversized", R"("id":"a9625b04-fc66-4999-a876-543c3684d702")",
       R"("id":")" + std::string(48, 'a') + "\""},
      {"filled_size a number", R"("filled_size":"1.00000000")", R"("filled_size":1)"},
      {"filled_size negative", R"("filled_size":"1.00000000")", R"("filled_size":"-1")"},
      {"filled_size exponent", R"("filled_size":"1.00000000")", R"("filled_size":"1e0")"},
      {"filled_size finer than the scale", R"("filled_size":"1.00000000")",
       R"("filled_size":"1.000000001")"},
      {"filled_size overflow", R"("filled_size":"1.00000000")",
       R"("filled_size":"99999999999999999999")"},
      {"filled_size empty", R"("filled_size":"1.00000000")", R"("filled_size":"")"},
      {"filled_size leading point", R"("filled_size":"1.00000000")", R"("filled_size":".5")"},
      {"executed_value negative", R"("executed_value":"10.0000000000000000")",
       R"("executed_value":"-10")"},
      {"executed_value malformed", R"("executed_value":"10.0000000000000000")",
       R"("executed_value":"10.0.0")"},
      {"executed_value a bool", R"("executed_value":"10.0000000000000000")",
       R"("executed_value":true)"},
      {"done_at malformed", R"("done_at":"2020-03-11T20:48:47.622Z")", R"("done_at":"yesterday")"},
      {"done_at a number", R"("done_at":"2020-03-11T20:48:47.622Z")", R"("done_at":1583959727)"},
      {"time_in_force a number", R"("time_in_force":"GTC")", R"("time_in_force":1)"},
      {"reject_reason an object", R"("reject_reason":null)", R"("reject_reason":{})"},
      {"non-UTF-8", R"("type":"limit")", "\"type\":\"li\xffmit\""},
  };
  for (const auto& [name, from, to] : mutations) {
    cases.emplace_back(name, from == good ? to : Replace(good, from, to));
  }
  // The baseline reads.
  core::OrderUpdate baseline = FreshUpdate();
  ASSERT_TRUE(ParseExchangeOrder(good, BtcUsd(), &baseline).ok());
  EXPECT_EQ(baseline.status, OrderStatus::kFilled);
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    EXPECT_FALSE(ParseExchangeOrder(body, BtcUsd(), &update).ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_FALSE(update.has_filled);
    EXPECT_EQ(update.venue_time_ns, 0);
  }
}

TEST(CoinbaseHostile, AdvancedOrderAndList) {
  const std::string order =
      R"({"order_id":"0000-000000-000000","product_id":"BTC-USD","client_order_id":")" +
      std::string(kClientId) +
      R"(","status":"OPEN","order_type":"LIMIT","time_in_force":"GOOD_UNTIL_CANCELLED",)"
      R"("filled_size":"0.001","filled_value":"50","created_time":"2021-05-31T09:59:59Z",)"
      R"("last_fill_time":"2021-05-31T10:30:00Z"})";
  const std::string good = R"({"order":)" + order + "}";
  std::vector<std::pair<std::string, std::string>> cases = CommonHostile();
  const std::vector<std::tuple<std::string, std::string, std::string>> mutations = {
      {"order missing", R"({"order":)", R"({"orders":)"},
      {"order an array", R"({"order":)" + order, R"({"order":[)" + order + "]"},
      {"no status", R"("status":"OPEN",)", ""},
      {"unknown status", R"("status":"OPEN")", R"("status":"SLEEPING")"},
      {"status null", R"("status":"OPEN")", R"("status":null)"},
      {"no order_id", R"("order_id":"0000-000000-000000",)", ""},
      {"order_id with spaces", R"("order_id":"0000-000000-000000")", R"("order_id":"0 0")"},
      {"another product", R"("product_id":"BTC-USD")", R"("product_id":"ETH-USD")"},
      {"product_id a number", R"("product_id":"BTC-USD")", R"("product_id":1)"},
      {"filled_size negative", R"("filled_size":"0.001")", R"("filled_size":"-0.001")"},
      {"filled_size a number", R"("filled_size":"0.001")", R"("filled_size":0.001)"},
      {"filled_size finer than the scale", R"("filled_size":"0.001")",
       R"("filled_size":"0.000000001")"},
      {"filled_value malformed", R"("filled_value":"50")", R"("filled_value":"5O")"},
      {"last_fill_time malformed", R"("last_fill_time":"2021-05-31T10:30:00Z")",
       R"("last_fill_time":"2021-05-31")"},
      {"created_time a number", R"("created_time":"2021-05-31T09:59:59Z")", R"("created_time":0)"},
      {"order_type a bool", R"("order_type":"LIMIT")", R"("order_type":false)"},
  };
  for (const auto& [name, from, to] : mutations) cases.emplace_back(name, Replace(good, from, to));
  core::OrderUpdate baseline = FreshUpdate();
  ASSERT_TRUE(ParseAdvancedOrder(good, BtcUsd(), &baseline).ok());
  EXPECT_EQ(baseline.status, OrderStatus::kPartiallyFilled);
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    EXPECT_FALSE(ParseAdvancedOrder(body, BtcUsd(), &update).ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
    EXPECT_FALSE(update.has_filled);
  }

  // The list: the same order inside {"orders":[...]}.
  const std::string list = R"({"orders":[)" + order + R"(],"has_next":false,"cursor":""})";
  std::vector<std::pair<std::string, std::string>> list_cases = CommonHostile();
  const std::vector<std::tuple<std::string, std::string, std::string>> list_mutations = {
      {"orders missing", R"({"orders":)", R"({"order":)"},
      {"orders an object", R"({"orders":[)" + order + "]", R"({"orders":{"a":)" + order + "}"},
      {"an entry not an object", R"({"orders":[)", R"({"orders":[7,)"},
      {"client_order_id a number", R"("client_order_id":")" + std::string(kClientId) + "\"",
       R"("client_order_id":7)"},
      {"has_next a string", R"("has_next":false)", R"("has_next":"false")"},
      {"our order unreadable", R"("filled_size":"0.001")", R"("filled_size":"x")"},
      {"our order twice", R"({"orders":[)" + order, R"({"orders":[)" + order + "," + order},
  };
  for (const auto& [name, from, to] : list_mutations) {
    list_cases.emplace_back(name, Replace(list, from, to));
  }
  bool found = false, complete = false;
  core::OrderUpdate listed = FreshUpdate();
  ASSERT_TRUE(ParseAdvancedOrderList(list, BtcUsd(), kClientId, &listed, &found, &complete).ok());
  EXPECT_TRUE(found);
  for (const auto& [name, body] : list_cases) {
    SCOPED_TRACE("list: " + name);
    core::OrderUpdate update = FreshUpdate();
    update.status = OrderStatus::kPendingNew;
    EXPECT_FALSE(
        ParseAdvancedOrderList(body, BtcUsd(), kClientId, &update, &found, &complete).ok());
    EXPECT_EQ(update.status, OrderStatus::kPendingNew);
    EXPECT_TRUE(update.venue_order_id.empty());
  }
  // Other orders are not read deeply: an unreadable order that is not ours does not matter.
  const std::string other = Replace(Replace(order, kClientId, "someone-else"),
                                    R"("filled_size":"0.001")", R"("filled_size":"garbage")");
  ASSERT_TRUE(
      ParseAdvancedOrderList(R"({"orders":[)" + other + "," + order + R"(],"has_next":false})",
                             BtcUsd(), kClientId, &listed, &found, &complete)
          .ok());
  EXPECT_TRUE(found);
}

template <typename ParseFn>
void ExpectFillsHostile(
    const std::string& good, const ParseFn& parse,
    const std::vector<std::tuple<std::string, std::string, std::string>>& mutations) {
  std::vector<core::Fill> baseline;
  ASSERT_TRUE(parse(good, &baseline).ok());
  ASSERT_EQ(baseline.size(), 2u);
  std::vector<std::pair<std::string, std::string>> cases = CommonHostile();
  for (const auto& [name, from, to] : mutations) {
    // Only the second fill is broken: the first must not leak out either.
    const std::size_t second = good.find("\"second\"");
    std::string body = good;
    std::size_t at = body.find(from, second == std::string::npos ? 0 : second);
    if (at == std::string::npos) at = body.find(from);
    EXPECT_NE(at, std::string::npos) << name << ": " << from;
    if (at != std::string::npos) body.replace(at, from.size(), to);
    cases.emplace_back(name, body);
  }
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE(name);
    std::vector<core::Fill> fills(1);
    fills[0].trade_id.Assign("sentinel");
    EXPECT_FALSE(parse(body, &fills).ok());
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].trade_id.view(), "sentinel");
  }
}

TEST(CoinbaseHostile, ExchangeFills) {
  const std::string fill =
      R"({"created_at":"2019-11-21T01:38:23.878Z","trade_id":78098253,"product_id":"BTC-USD",)"
      R"("order_id":"o-1","liquidity":"T","price":"8087.38000000","size":"0.00601800",)"
      R"("fee":"0.2433492642000000","side":"sell","settled":true})";
  // "second" marks where the broken copy starts.
  const std::string good = "[" + fill + R"(,{"second":1,)" + fill.substr(1) + "]";
  ExpectFillsHostile(
      good,
      [](const std::string& body, std::vector<core::Fill>* fills) {
        return ParseExchangeFills(body, BtcUsd(), "o-1", fills);
      },
      {
          {"not an array", "[", "{\"a\":["},
          {"trade_id a string", R"("trade_id":78098253)", R"("trade_id":"78098253")"},
          {"trade_id negative", R"("trade_id":78098253)", R"("trade_id":-1)"},
          {"trade_id missing", R"("trade_id":78098253,)", ""},
          {"order_id missing", R"("order_id":"o-1",)", ""},
          {"product_id missing", R"("product_id":"BTC-USD",)", ""},
          {"another product", R"("product_id":"BTC-USD")", R"("product_id":"BTC-EUR")"},
          {"price a number", R"("price":"8087.38000000")", R"("price":8087.38)"},
          {"price zero", R"("price":"8087.38000000")", R"("price":"0")"},
          {"price finer than the scale", R"("price":"8087.38000000")", R"("price":"8087.385")"},
          {"size negative", R"("size":"0.00601800")", R"("size":"-0.006018")"},
          {"size zero", R"("size":"0.00601800")", R"("size":"0.00000000")"},
          {"fee negative", R"("fee":"0.2433492642000000")", R"("fee":"-0.24")"},
          {"fee malformed", R"("fee":"0.2433492642000000")", R"("fee":"0,24")"},
          {"unknown liquidity", R"("liquidity":"T")", R"("liquidity":"X")"},
          {"unknown side", R"("side":"sell")", R"("side":"SELL")"},
          {"created_at malformed", R"("created_at":"2019-11-21T01:38:23.878Z")",
           R"("created_at":"2019-11-21")"},
          {"funding_currency oversized", R"("settled":true)",
           R"("settled":true,"funding_currency":"ABCDEFGHIJKLMNOP")"},
          {"funding_currency a number", R"("settled":true)",
           R"("settled":true,"funding_currency":5)"},
          {"an entry not an object", R"({"created_at")", R"(7,{"created_at")"},
      });
}

TEST(CoinbaseHostile, AdvancedFills) {
  const std::string fill =
      R"({"entry_id":"e-1","trade_id":"t-1","order_id":"o-1","trade_time":"2024-01-15T10:30:00Z",)"
      R"("trade_type":"FILL","price":"45123.45","size":"0.005","commission":"1.14",)"
      R"("product_id":"BTC-USD","liquidity_indicator":"MAKER","size_in_quote":false,)"
      R"("side":"BUY"})";
  const std::string second = Replace(fill, R"("trade_id":"t-1")", R"("trade_id":"t-2")");
  const std::string good =
      R"({"fills":[)" + fill + R"(,{"second":1,)" + second.substr(1) + R"(],"cursor":""})";
  ExpectFillsHostile(
      good,
      [](const std::string& body, std::vector<core::Fill>* fills) {
        return ParseAdvancedFills(body, BtcUsd(), "o-1", fills);
      },
      {
          {"fills missing", R"({"fills":)", R"({"fill":)"},
          {"trade_id a number", R"("trade_id":"t-2")", R"("trade_id":2)"},
          {"trade_id empty", R"("trade_id":"t-2")", R"("trade_id":"")"},
          {"a reversal", R"("trade_type":"FILL")", R"("trade_type":"REVERSAL")"},
          {"size in quote", R"("size_in_quote":false)", R"("size_in_quote":true)"},
          {"size_in_quote a string", R"("size_in_quote":false)", R"("size_in_quote":"false")"},
          {"price negative", R"("price":"45123.45")", R"("price":"-45123.45")"},
          {"price finer than the scale", R"("price":"45123.45")", R"("price":"45123.455")"},
          {"size a number", R"("size":"0.005")", R"("size":0.005)"},
          {"commission negative", R"("commission":"1.14")", R"("commission":"-1.14")"},
          {"unknown liquidity", R"("liquidity_indicator":"MAKER")",
           R"("liquidity_indicator":"BOTH")"},
          {"lower-case side", R"("side":"BUY")", R"("side":"buy")"},
          {"another product", R"("product_id":"BTC-USD")", R"("product_id":"ETH-USD")"},
          {"trade_time a number", R"("trade_time":"2024-01-15T10:30:00Z")",
           R"("trade_time":1705314600)"},
      });
}

TEST(CoinbaseHostile, Accounts) {
  // Exchange.
  const std::string exchange =
      R"([{"currency":"BTC","available":"1","hold":"0.5","balance":"1.5"},)"
      R"({"currency":"USD","available":"10","hold":"0","balance":"10"}])";
  std::vector<std::pair<std::string, std::string>> cases = CommonHostile();
  for (const auto& [name, from, to] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"an object", exchange, R"({"accounts":)" + exchange + "}"},
           {"truncated", exchange, exchange.substr(0, 40)},
           {"currency missing", R"("currency":"USD",)", ""},
           {"currency empty", R"("currency":"USD")", R"("currency":"")"},
           {"currency oversized", R"("currency":"USD")", R"("currency":"ABCDEFGHIJKLMNOP")"},
           {"currency a number", R"("currency":"USD")", R"("currency":840)"},
           {"available missing", R"("available":"10",)", ""},
           {"available negative", R"("available":"10")", R"("available":"-10")"},
           {"available a number", R"("available":"10")", R"("available":10)"},
           {"hold missing", R"("hold":"0",)", ""},
           {"hold malformed", R"("hold":"0")", R"("hold":"0x1")"},
           {"available overflow", R"("available":"10")", R"("available":"100000000000")"},
           {"an entry not an object", R"({"currency":"USD")", R"(1,{"currency":"USD")"},
       }) {
    cases.emplace_back(name, from == exchange ? to : Replace(exchange, from, to));
  }
  std::vector<core::BalanceUpdate> baseline;
  ASSERT_TRUE(ParseExchangeAccounts(exchange, core::Venue::kCoinbase, 1, &baseline).ok());
  EXPECT_EQ(baseline.size(), 2u);
  for (const auto& [name, body] : cases) {
    SCOPED_TRACE("exchange: " + name);
    std::vector<core::BalanceUpdate> balances(1);
    balances[0].asset.Assign("SENTINEL");
    EXPECT_FALSE(ParseExchangeAccounts(body, core::Venue::kCoinbase, 1, &balances).ok());
    ASSERT_EQ(balances.size(), 1u);
    EXPECT_EQ(balances[0].asset.view(), "SENTINEL");
    EXPECT_EQ(balances[0].flags, 0);
  }

  // Advanced Trade.
  const std::string advanced =
      R"({"accounts":[{"currency":"BTC","available_balance":{"value":"1","currency":"BTC"},)"
      R"("hold":{"value":"0.5","currency":"BTC"}},)"
      R"({"currency":"USD","available_balance":{"value":"10","currency":"USD"},)"
      R"("hold":{"value":"0","currency":"USD"}}],"has_next":false,"cursor":"","size":2})";
  std::vector<std::pair<std::string, std::string>> at_cases = CommonHostile();
  for (const auto& [name, from, to] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"accounts missing", R"({"accounts":)", R"({"account":)"},
           {"has_next true", R"("has_next":false)", R"("has_next":true)"},
           {"has_next a string", R"("has_next":false)", R"("has_next":"no")"},
           {"currency missing", R"("currency":"USD","available_balance")",
            R"("available_balance")"},
           {"available_balance missing", R"("available_balance":{"value":"10","currency":"USD"},)",
            ""},
           {"available_balance a string", R"("available_balance":{"value":"10","currency":"USD"})",
            R"("available_balance":"10")"},
           {"value missing", R"({"value":"10","currency":"USD"})", R"({"currency":"USD"})"},
           {"value negative", R"("value":"10")", R"("value":"-10")"},
           {"value a number", R"("value":"10")", R"("value":10)"},
           {"hold malformed", R"({"value":"0","currency":"USD"})",
            R"({"value":"zero","currency":"USD"})"},
           {"hold an array", R"("hold":{"value":"0","currency":"USD"})", R"("hold":[])"},
           {"sum overflows", R"("currency":"USD","available_balance":{"value":"10")",
            R"("currency":"BTC","available_balance":{"value":"92233720368")"},
       }) {
    at_cases.emplace_back(name, Replace(advanced, from, to));
  }
  std::vector<core::BalanceUpdate> at_baseline;
  ASSERT_TRUE(ParseAdvancedAccounts(advanced, core::Venue::kCoinbase, 1, &at_baseline).ok());
  EXPECT_EQ(at_baseline.size(), 2u);
  for (const auto& [name, body] : at_cases) {
    SCOPED_TRACE("advanced: " + name);
    std::vector<core::BalanceUpdate> balances(1);
    balances[0].asset.Assign("SENTINEL");
    EXPECT_FALSE(ParseAdvancedAccounts(body, core::Venue::kCoinbase, 1, &balances).ok());
    ASSERT_EQ(balances.size(), 1u);
    EXPECT_EQ(balances[0].asset.view(), "SENTINEL");
  }
}

TEST(CoinbaseHostile, AdvancedCreateAndCancel) {
  std::vector<std::pair<std::string, std::string>> create = CommonHostile();
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
           {"no success", R"({"success_response":{"order_id":"o-1"}})"},
           {"success a string", R"({"success":"true","success_response":{"order_id":"o-1"}})"},
           {"success without an id", R"({"success":true,"success_response":{}})"},
           {"success_response an array", R"({"success":true,"success_response":[]})"},
           {"order_id a number", R"({"success":true,"success_response":{"order_id":1}})"},
           {"order_id unsafe", R"({"success":true,"success_response":{"order_id":"o/1"}})"},
           {"error_response a string", R"({"success":false,"error_response":"oops"})"},
           {"error a number", R"({"success":false,"error_response":{"error":5}})"},
           {"message an object", R"({"success":false,"error_response":{"message":{}}})"},
           {"failure_reason a number", R"({"success":false,"failure_reason":3})"},
       }) {
    create.emplace_back(name, body);
  }
  for (const auto& [name, body] : create) {
    SCOPED_TRACE("create: " + name);
    AdvancedCreateAnswer answer;
    answer.code = "sentinel";
    EXPECT_FALSE(ParseAdvancedCreate(body, &answer).ok());
    EXPECT_EQ(answer.code, "sentinel");
    EXPECT_TRUE(answer.order_id.empty());
  }
  std::vector<std::pair<std::string, std::string>> cancel = CommonHostile();
  for (const auto& [name, body] : std::vector<std::pair<std::string, std::string>>{
           {"results missing", R"({"result":[]})"},
           {"results empty", R"({"results":[]})"},
           {"another order only", R"({"results":[{"success":true,"order_id":"o-2"}]})"},
           {"success missing", R"({"results":[{"order_id":"o-1"}]})"},
           {"success a number", R"({"results":[{"success":1,"order_id":"o-1"}]})"},
           {"an entry not an object", R"({"results":[1]})"},
           {"order_id a number", R"({"results":[{"success":true,"order_id":1}]})"},
           {"failure_reason a number",
            R"({"results":[{"success":false,"failure_reason":2,"order_id":"o-1"}]})"},
           {"twice", R"({"results":[{"success":true,"order_id":"o-1"},)"
                     R"({"success":false,"order_id":"o-1"}]})"},
       }) {
    cancel.emplace_back(name, body);
  }
  for (const auto& [name, body] : cancel) {
    SCOPED_TRACE("cancel: " + name);
    AdvancedCancelResult result;
    result.failure_reason = "sentinel";
    EXPECT_FALSE(ParseAdvancedCancel(body, "o-1", &result).ok());
    EXPECT_EQ(result.failure_reason, "sentinel");
  }
}

TEST(CoinbaseHostile, LargeWellFormedBodiesWithUnknownFieldsAreFine) {
  const std::string filler(1 << 20, 'a');
  core::OrderUpdate update = FreshUpdate();
  ASSERT_TRUE(ParseExchangeOrder(R"({"status":"open","x":")" + filler + R"(","y":{"z":[1,null]}})",
                                 BtcUsd(), &update)
                  .ok());
  EXPECT_EQ(update.status, OrderStatus::kNew);
  core::OrderUpdate advanced = FreshUpdate();
  ASSERT_TRUE(ParseAdvancedOrder(R"({"order":{"order_id":"o-1","status":"FILLED","x":")" + filler +
                                     R"("},"extra":[{}]})",
                                 BtcUsd(), &advanced)
                  .ok());
  EXPECT_EQ(advanced.status, OrderStatus::kFilled);
}

// ============================================================================================
// Part two: RestGateway + the protocols over loopback.

constexpr std::int64_t kNowNs = 1'700'000'000'123'456'789;  // the gateway's clock
constexpr std::int64_t kNowS = 1'700'000'000;
constexpr auto kWait = 10s;  // an upper bound for what must happen

// Made-up Exchange credentials; the secret is the random one of coinbase_signing_test.cc.
constexpr std::string_view kApiKey = "3f1c7a0e9b2d4c58a6e1f0b7c9d2e4a1";
constexpr std::string_view kSecret =
    "7z/7tRA09nlxFh6Y4DTmp67jdX3s83rsdqF+UVYIzOhudAw/F17U0l2rlT/B2ZLoVoVXgRoE0Wmmg6Q9HzafrA==";
constexpr std::string_view kPassphrase = "not a real passphrase";
constexpr std::string_view kKeyName =
    "organizations/7ffbb587-c89b-49a7-8e49-45186964fa12/apiKeys/"
    "afd4070c-a484-4c53-98a4-080efcef64d9";

// ---- independent crypto helpers (OpenSSL one-shot functions) ----

std::string Base64Decode(std::string_view text) {
  std::string bytes(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  EXPECT_GE(n, 0);
  std::size_t padding = 0;
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) ++padding;
  bytes.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - padding);
  return bytes;
}

std::string Base64Encode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(n));
  return text;
}

std::string Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  return Base64Decode(standard);
}

// base64(HMAC-SHA256(base64decode(secret), message)) with OpenSSL's one-shot HMAC().
std::string HmacSha256Base64(std::string_view secret, std::string_view message) {
  const std::string key = Base64Decode(secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EXPECT_NE(
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &length),
      nullptr);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac), length));
}

TEST(CoinbaseGatewaySupport, HmacHelperMatchesTheOpenSslCliValue) {
  // coinbase_signing_test.cc: computed with `openssl dgst -sha256 -mac HMAC`.
  EXPECT_EQ(HmacSha256Base64(kSecret, "1700000000GET/users/self/verify"),
            "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU=");
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr ReadPrivateKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

// EVP_DigestVerify of the JWS input with the r‖s signature converted back to DER.
bool EvpVerifiesJwt(EVP_PKEY* key, const std::string& jwt) {
  const std::size_t a = jwt.find('.');
  const std::size_t b = jwt.find('.', a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  const std::string signature = Base64UrlDecode(jwt.substr(b + 1));
  if (signature.size() != 64) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  const std::string input = jwt.substr(0, b);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      der_length > 0 && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

// ---- the engine's side ----

using testing::RecordingSink;

// ---- the venue's side: scripted answers per "METHOD /path" ----

struct Answer {
  int status = 200;
  std::string body;
  net::HeaderList headers;
  bool hold = false;  // never answer (the Respond is kept until the server stops)
};

class FakeCoinbase {
 public:
  explicit FakeCoinbase(testing::IoThread& io) : io_(io) {}

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
      held_.clear();
    });
  }
  // Answers for "METHOD /path", in order; the last one is kept for further requests.
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
    Answer answer{400, R"({"message":"no scripted answer for this endpoint"})"};
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

class GatewayTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
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
  void StartWith(std::unique_ptr<OrderProtocol> protocol, RestGatewayOptions options) {
    gateway_io_.Run([&] {
      gateway_ = std::make_unique<RestGateway>(gateway_io_.io(), std::move(options),
                                               std::move(protocol), registry_, sink_, clock_);
    });
  }

  core::OrderSpec Order(std::uint64_t n, OrderType type = OrderType::kLimit,
                        TimeInForce tif = TimeInForce::kGtc, bool post_only = false) const {
    core::OrderSpec spec;
    spec.instrument = btc_;
    spec.side = core::Side::kBuy;
    spec.type = type;
    spec.time_in_force = tif;
    spec.post_only = post_only;
    spec.quantity = core::Quantity::FromMantissa(50'000'000);                           // 0.5
    if (type != OrderType::kMarket) spec.price = core::Price::FromMantissa(6'500'010);  // 65000.1
    spec.client_order_id = core::ClientOrderId::FromBits(0xc0ffee, n);
    return spec;
  }

  // Risk is the only maker of an Approved order: ask it, with everything permissive.
  void Place(const core::OrderSpec& spec) {
    risk::RiskLimits limits;
    limits.price_collar_bps = 0;
    risk::RateLimiter rate_limiter;
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
    market.best_ask = core::Price::FromMantissa(6'500'001);
    risk::AccountContext account;
    account.available_quote = core::Amount::FromMantissa(1'000'000'000'000'000);
    account.available_base = core::Amount::FromMantissa(1'000'000'000'000'000);
    auto result = risk.Check(spec, market, account, 0);
    if (const auto* refusal = std::get_if<risk::Refusal>(&result)) {
      ADD_FAILURE() << "risk refused the test order: " << refusal->message;
      return;
    }
    gateway_->Place(std::get<core::Approved<core::OrderSpec>>(result));
  }

  core::OrderRef Ref(std::uint64_t n, std::string_view venue_order_id = {}) const {
    core::OrderRef ref;
    ref.instrument = btc_;
    ref.client_order_id = core::ClientOrderId::FromBits(0xc0ffee, n);
    if (!venue_order_id.empty()) ref.venue_order_id.Assign(venue_order_id);
    return ref;
  }
  std::string Oid(std::uint64_t n) const {
    return ClientOid(core::ClientOrderId::FromBits(0xc0ffee, n));
  }

  std::vector<OrderUpdate> UpdatesOf(std::uint64_t n) const {
    const core::ClientOrderId id = core::ClientOrderId::FromBits(0xc0ffee, n);
    std::vector<OrderUpdate> out;
    for (const OrderUpdate& update : sink_.All<OrderUpdate>()) {
      if (update.client_order_id == id) out.push_back(update);
    }
    return out;
  }
  bool WaitForUpdates(std::size_t count) { return sink_.WaitFor<OrderUpdate>(count); }
  bool WaitForKeys(core::KeyState keys) {
    return sink_.WaitUntil([&](const std::vector<core::Event>& events) {
      for (const core::Event& event : events) {
        const auto* status = std::get_if<core::GatewayStatus>(&event);
        if (status != nullptr && status->keys == keys) return true;
      }
      return false;
    });
  }
  // Fills of the events before the first OrderUpdate (RestGateway publishes them first).
  void ExpectFillsBeforeTheUpdate() const {
    bool update_seen = false;
    for (const core::Event& event : sink_.Events()) {
      if (std::holds_alternative<core::Fill>(event)) {
        EXPECT_FALSE(update_seen) << "a fill after the update";
      }
      update_seen = update_seen || std::holds_alternative<OrderUpdate>(event);
    }
  }

  core::ManualClock clock_{kNowNs};
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  RecordingSink sink_;
  testing::IoThread server_io_;
  testing::IoThread gateway_io_;
  FakeCoinbase venue_{server_io_};
  std::uint16_t port_ = 0;
  std::unique_ptr<RestGateway> gateway_;  // made and destroyed on gateway_io_
};

// ---------------------------------------------------------------------------------------------
// Coinbase Exchange

std::string ExchangeOrder(std::string_view status, std::string_view filled,
                          std::string_view extra = {},
                          std::string_view executed = "0.0000000000000000") {
  return std::string(R"({"id":"a9625b04-fc66-4999-a876-543c3684d702","price":"65000.10",)"
                     R"("size":"0.50000000","product_id":"BTC-USD","side":"buy","type":"limit",)"
                     R"("time_in_force":"GTC","post_only":false,)"
                     R"("created_at":"2023-11-14T22:13:20.500Z","fill_fees":"0.0000000000000000",)"
                     R"("filled_size":")") +
         std::string(filled) + R"(","executed_value":")" + std::string(executed) +
         R"(","status":")" + std::string(status) + "\"" + std::string(extra) + "}";
}

Answer ExchangeError(int status, std::string_view message) {
  return Answer{status, R"({"message":")" + std::string(message) + "\"}"};
}

class CoinbaseExchangeGatewayTest : public GatewayTestBase {
 protected:
  void StartGateway(RestGatewayOptions options) {
    CoinbaseExchangeOrderOptions exchange;
    exchange.api_key = std::string(kApiKey);
    exchange.api_secret = std::string(kSecret);
    exchange.passphrase = std::string(kPassphrase);
    auto protocol = MakeCoinbaseExchangeOrderProtocol(exchange);
    ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
    EXPECT_FALSE(protocol.value()->native_stops());
    EXPECT_EQ(protocol.value()->venue(), core::Venue::kCoinbase);
    StartWith(std::move(protocol).value(), std::move(options));
  }
  void StartGateway() { StartGateway(Options()); }

  // "Exchange REST API Authentication": the four headers, and CB-ACCESS-SIGN recomputed here.
  static void ExpectSigned(const net::ServerRequest& request) {
    SCOPED_TRACE(request.method + " " + request.target);
    EXPECT_EQ(request.Header("CB-ACCESS-KEY"), kApiKey);
    EXPECT_EQ(request.Header("CB-ACCESS-PASSPHRASE"), kPassphrase);
    EXPECT_EQ(request.Header("CB-ACCESS-TIMESTAMP"), std::to_string(kNowS));
    EXPECT_EQ(request.Header("CB-ACCESS-SIGN"),
              HmacSha256Base64(
                  kSecret, std::to_string(kNowS) + request.method + request.target + request.body));
    EXPECT_EQ(request.Header("CB-ACCESS-SIGN").size(), 44u);
  }
};

TEST(CoinbaseExchangeFactory, RefusesBadCredentialsWithoutEchoingThem) {
  CoinbaseExchangeOrderOptions options{"key", "not base64 at all!", "pass"};
  auto bad_secret = MakeCoinbaseExchangeOrderProtocol(options);
  ASSERT_FALSE(bad_secret.ok());
  EXPECT_EQ(bad_secret.status().message().find("not base64 at all"), std::string::npos);
  EXPECT_FALSE(MakeCoinbaseExchangeOrderProtocol({"", std::string(kSecret), "pass"}).ok());
  EXPECT_FALSE(MakeCoinbaseExchangeOrderProtocol({"key", std::string(kSecret), ""}).ok());
  EXPECT_TRUE(MakeCoinbaseExchangeOrderProtocol({"key", std::string(kSecret), "pass"}).ok());
}

TEST_F(CoinbaseExchangeGatewayTest, PlaceSendsTheDocumentedSignedOrderAndReadsTheAck) {
  venue_.Script("POST /orders", {Answer{200, ExchangeOrder("pending", "0.00000000")}});
  StartGateway();
  Place(Order(1));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto requests = venue_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const net::ServerRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.target, "/orders");
  EXPECT_EQ(request.Header("Content-Type"), "application/json");
  EXPECT_EQ(request.body, R"({"client_oid":")" + Oid(1) +
                              R"(","product_id":"BTC-USD","side":"buy","type":"limit",)"
                              R"("size":"0.5","price":"65000.1","time_in_force":"GTC"})");
  ExpectSigned(request);

  const auto updates = UpdatesOf(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue, core::Venue::kCoinbase);
  EXPECT_EQ(updates[0].instrument, btc_);
  EXPECT_EQ(updates[0].venue_order_id.view(), "a9625b04-fc66-4999-a876-543c3684d702");
  EXPECT_EQ(updates[0].venue_time_ns, Ns("2023-11-14T22:13:20.500Z"));
  EXPECT_EQ(updates[0].receive_time_ns, kNowNs);
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_TRUE(sink_.All<core::RateLimitReport>().empty());  // Coinbase sends no counters
}

TEST_F(CoinbaseExchangeGatewayTest, MarketAndPostOnlyOrdersAsDocumented) {
  venue_.Script("POST /orders",
                {Answer{200, ExchangeOrder("pending", "0")},
                 Answer{200, ExchangeOrder("rejected", "0", R"(,"reject_reason":"post only")")}});
  StartGateway();
  Place(Order(2, OrderType::kMarket, TimeInForce::kIoc));
  ASSERT_TRUE(WaitForUpdates(1));
  Place(Order(3, OrderType::kLimit, TimeInForce::kGtc, /*post_only=*/true));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto posts = venue_.Requests("POST /orders");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].body, R"({"client_oid":")" + Oid(2) +
                               R"(","product_id":"BTC-USD","side":"buy","type":"market",)"
                               R"("size":"0.5"})");
  EXPECT_EQ(posts[1].body, R"({"client_oid":")" + Oid(3) +
                               R"(","product_id":"BTC-USD","side":"buy","type":"limit",)"
                               R"("size":"0.5","price":"65000.1","time_in_force":"GTC",)"
                               R"("post_only":true})");
  for (const auto& post : posts) ExpectSigned(post);
  // A post-only order that would have taken comes back rejected in a 200: REJECTED.
  const auto rejected = UpdatesOf(3);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].status, OrderStatus::kRejected);
  EXPECT_EQ(rejected[0].message.view(), "post only");
}

TEST_F(CoinbaseExchangeGatewayTest, RefusalIsRejectedWithTheHttpStatusAndCoinbasesMessage) {
  venue_.Script("POST /orders", {ExchangeError(400, "Insufficient funds")});
  StartGateway();
  Place(Order(4));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(4);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
  EXPECT_EQ(updates[0].venue_code.view(), "400");
  EXPECT_EQ(updates[0].message.view(), "Insufficient funds");
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kUnchecked);  // says nothing about the keys
  EXPECT_NE(statuses[0].last_error.view().find("Insufficient funds"), std::string_view::npos);
}

TEST_F(CoinbaseExchangeGatewayTest, RefusedSignatureRefusesTheKeysButAStaleTimestampDoesNot) {
  venue_.Script("POST /orders", {ExchangeError(401, "request timestamp expired"),
                                 ExchangeError(401, "invalid signature")});
  StartGateway();
  Place(Order(5));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_EQ(sink_.All<core::GatewayStatus>().back().keys, core::KeyState::kUnchecked);
  Place(Order(6));
  ASSERT_TRUE(WaitForUpdates(2));
  ASSERT_TRUE(WaitForKeys(core::KeyState::kRefused));
  for (const std::uint64_t n : {5u, 6u}) {
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].venue_code.view(), "401");
  }
  EXPECT_EQ(UpdatesOf(6)[0].message.view(), "invalid signature");
  // No secret in any error text.
  for (const auto& status : sink_.All<core::GatewayStatus>()) {
    EXPECT_EQ(status.last_error.view().find(kSecret.substr(0, 12)), std::string_view::npos);
    EXPECT_EQ(status.last_error.view().find(kPassphrase), std::string_view::npos);
  }
}

TEST_F(CoinbaseExchangeGatewayTest, ServerErrorsAndUnreadableAnswersAreUnknownAndSentOnce) {
  venue_.Script("POST /orders", {Answer{500, "<html>Internal Server Error</html>"},
                                 ExchangeError(503, "service unavailable"),
                                 Answer{200, R"({"id":"a9625b04","status":)"}});
  StartGateway();
  for (std::uint64_t n = 10; n < 13; ++n) Place(Order(n));
  ASSERT_TRUE(WaitForUpdates(3));
  const std::pair<std::uint64_t, const char*> expected[] = {{10, "500"}, {11, "503"}, {12, "200"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
    EXPECT_EQ(updates[0].venue_code.view(), code);
  }
  EXPECT_EQ(venue_.Requests("POST /orders").size(), 3u);
}

TEST_F(CoinbaseExchangeGatewayTest, NoAnswerIsUnknownAndTheOrderIsSentOnce) {
  venue_.Script("POST /orders", {Answer{.hold = true}, Answer{200, ExchangeOrder("pending", "0")}});
  RestGatewayOptions options = Options();
  options.http.timeout = 400ms;
  StartGateway(options);
  Place(Order(20));
  ASSERT_TRUE(WaitForUpdates(1));
  ASSERT_EQ(UpdatesOf(20).size(), 1u);
  EXPECT_EQ(UpdatesOf(20)[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(UpdatesOf(20)[0].venue_code.view(), "NO_ANSWER");
  Place(Order(21));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_EQ(UpdatesOf(21)[0].status, OrderStatus::kNew);
  const auto posts = venue_.Requests("POST /orders");
  ASSERT_EQ(posts.size(), 2u);  // the first was not resent before the second
  EXPECT_NE(posts[0].body.find(Oid(20)), std::string::npos);
  EXPECT_NE(posts[1].body.find(Oid(21)), std::string::npos);
}

TEST_F(CoinbaseExchangeGatewayTest, ThrottledAnswersAreReportedAndRejected) {
  Answer with_header = ExchangeError(429, "Rate limit exceeded");
  with_header.headers = {{"Retry-After", "2"}};
  venue_.Script("POST /orders", {with_header, ExchangeError(429, "Rate limit exceeded")});
  StartGateway();
  Place(Order(30));
  ASSERT_TRUE(WaitForUpdates(1));
  Place(Order(31));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_TRUE(reports[0].throttled);
  EXPECT_EQ(reports[0].retry_after_ms, 2000);
  EXPECT_EQ(reports[0].venue, core::Venue::kCoinbase);
  EXPECT_EQ(reports[0].time_ns, kNowNs);
  EXPECT_TRUE(reports[1].throttled);
  EXPECT_EQ(reports[1].retry_after_ms, 1000);  // per-second limits: one second
  for (const std::uint64_t n : {30u, 31u}) {
    ASSERT_EQ(UpdatesOf(n).size(), 1u);
    EXPECT_EQ(UpdatesOf(n)[0].status, OrderStatus::kRejected);
    EXPECT_EQ(UpdatesOf(n)[0].venue_code.view(), "429");
  }
}

TEST_F(CoinbaseExchangeGatewayTest, UnsupportedCombinationIsNeverSentAsAnOrder) {
  venue_.Script("GET /accounts", {Answer{200, "[]"}});
  StartGateway();
  Place(Order(40, OrderType::kLimit, TimeInForce::kIoc, /*post_only=*/true));
  ASSERT_TRUE(WaitForUpdates(1));
  Place(Order(41, OrderType::kMarket, TimeInForce::kFok));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_TRUE(venue_.Requests("POST /orders").empty());
  const auto reads = venue_.Requests("GET /accounts");
  ASSERT_EQ(reads.size(), 2u);
  for (const auto& read : reads) {
    ExpectSigned(read);
    EXPECT_TRUE(read.body.empty());
  }
  for (const std::uint64_t n : {40u, 41u}) {
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].venue_code.view(), "UNSUPPORTED");
    EXPECT_NE(updates[0].message.view().find("not sent"), std::string_view::npos);
  }
}

TEST_F(CoinbaseExchangeGatewayTest, CancelAnswers) {
  const std::string path50 = "/orders/client:" + Oid(50);
  const std::string path51 = "/orders/client:" + Oid(51);
  const std::string path52 = "/orders/client:" + Oid(52);
  venue_.Script("DELETE " + path50, {Answer{200, R"("a9625b04-fc66-4999-a876-543c3684d702")"}});
  venue_.Script("DELETE " + path51, {ExchangeError(404, "order not found")});
  venue_.Script("DELETE " + path52, {ExchangeError(400, "Order already done")});
  StartGateway();
  gateway_->Cancel(Ref(50));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Cancel(Ref(51));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Cancel(Ref(52, "b1"));
  ASSERT_TRUE(WaitForUpdates(3));

  const auto deletes = venue_.Requests("DELETE " + path50);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].target, path50 + "?product_id=BTC-USD");
  ExpectSigned(deletes[0]);  // the query is part of what is signed
  EXPECT_TRUE(deletes[0].body.empty());

  const auto done = UpdatesOf(50);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].source, core::UpdateSource::kCancel);
  EXPECT_EQ(done[0].status, OrderStatus::kCanceled);
  EXPECT_FALSE(done[0].cancel_refused);
  EXPECT_EQ(done[0].venue_order_id.view(), "a9625b04-fc66-4999-a876-543c3684d702");
  for (const auto& [n, code, message] :
       {std::tuple<std::uint64_t, const char*, const char*>{51, "404", "order not found"},
        {52, "400", "Order already done"}}) {
    SCOPED_TRACE(n);
    const auto refused = UpdatesOf(n);
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_TRUE(refused[0].cancel_refused);
    EXPECT_EQ(refused[0].status, OrderStatus::kUnknown);  // the cancel was refused, not the order
    EXPECT_EQ(refused[0].venue_code.view(), code);
    EXPECT_EQ(refused[0].message.view(), message);
  }
}

TEST_F(CoinbaseExchangeGatewayTest, QueryFetchesTheFillsOfAnExecutedOrderFirst) {
  const std::string path = "/orders/client:" + Oid(60);
  venue_.Script("GET " + path,
                {Answer{200, ExchangeOrder("open", "0.30000000", {}, "19499.9000000000000000")}});
  venue_.Script(
      "GET /fills",
      {Answer{200, R"([{"created_at":"2023-11-14T22:13:21.000Z","trade_id":902,)"
                   R"("product_id":"BTC-USD","order_id":"a9625b04-fc66-4999-a876-543c3684d702",)"
                   R"("liquidity":"M","price":"65000.00","size":"0.20000000",)"
                   R"("fee":"5.2000000000000000","side":"buy","settled":true},)"
                   R"({"created_at":"2023-11-14T22:13:20.600Z","trade_id":901,)"
                   R"("product_id":"BTC-USD","order_id":"a9625b04-fc66-4999-a876-543c3684d702",)"
                   R"("liquidity":"T","price":"64999.00","size":"0.10000000",)"
                   R"("fee":"3.8999400000000000","side":"buy","settled":true,)"
                   R"("funding_currency":"USDC"}])"}});
  StartGateway();
  gateway_->Query(Ref(60));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto queries = venue_.Requests("GET " + path);
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0].target, path);
  ExpectSigned(queries[0]);
  const auto fills_requests = venue_.Requests("GET /fills");
  ASSERT_EQ(fills_requests.size(), 1u);
  EXPECT_EQ(fills_requests[0].target,
            "/fills?order_id=a9625b04-fc66-4999-a876-543c3684d702&product_id=BTC-USD");
  ExpectSigned(fills_requests[0]);

  ExpectFillsBeforeTheUpdate();
  const auto fills = sink_.All<core::Fill>();
  ASSERT_EQ(fills.size(), 2u);
  for (const auto& fill : fills) {
    EXPECT_EQ(fill.client_order_id, core::ClientOrderId::FromBits(0xc0ffee, 60));
    EXPECT_EQ(fill.instrument, btc_);
    EXPECT_EQ(fill.venue, core::Venue::kCoinbase);
    EXPECT_EQ(fill.side, Side::kBuy);
  }
  EXPECT_EQ(fills[0].trade_id.view(), "902");
  EXPECT_TRUE(fills[0].maker);
  EXPECT_EQ(fills[0].price.mantissa(), 6'500'000);
  EXPECT_EQ(fills[0].quantity.mantissa(), 20'000'000);
  EXPECT_EQ(fills[0].fee.mantissa(), 520'000'000);
  EXPECT_EQ(fills[0].fee_asset.view(), "USD");
  EXPECT_EQ(fills[1].trade_id.view(), "901");
  EXPECT_FALSE(fills[1].maker);
  EXPECT_EQ(fills[1].fee.mantissa(), 389'994'000);
  EXPECT_EQ(fills[1].fee_asset.view(), "USDC");
  EXPECT_EQ(fills[1].venue_time_ns, Ns("2023-11-14T22:13:20.600Z"));

  const auto updates = UpdatesOf(60);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(updates[0].filled_quantity.mantissa(), 30'000'000);
  EXPECT_EQ(updates[0].filled_notional.mantissa(), 1'949'990'000'000);
  EXPECT_EQ(updates[0].venue_order_id.view(), "a9625b04-fc66-4999-a876-543c3684d702");
}

TEST_F(CoinbaseExchangeGatewayTest, QueryOfAnUnexecutedOrderAndOfAMissingOne) {
  venue_.Script("GET /orders/client:" + Oid(61), {Answer{200, ExchangeOrder("open", "0")}});
  venue_.Script("GET /orders/client:" + Oid(62), {ExchangeError(404, "NotFound")});
  StartGateway();
  gateway_->Query(Ref(61));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Query(Ref(62));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_TRUE(venue_.Requests("GET /fills").empty());  // nothing executed: no fills asked for
  ASSERT_EQ(UpdatesOf(61).size(), 1u);
  EXPECT_EQ(UpdatesOf(61)[0].status, OrderStatus::kNew);
  EXPECT_FALSE(UpdatesOf(61)[0].not_found);
  const auto missing = UpdatesOf(62);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(missing[0].not_found);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(missing[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(missing[0].venue_code.view(), "404");
  EXPECT_EQ(missing[0].message.view(), "NotFound");
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

TEST_F(CoinbaseExchangeGatewayTest, BalancesAreAFramedReportAndProveTheKeys) {
  venue_.Script(
      "GET /accounts",
      {Answer{200, "[" + std::string(kExchangeAccountDoc) + "," + std::string(kExchangeBtcAccount) +
                       R"(,{"id":"u","currency":"USDC","balance":"20","hold":"20",)"
                       R"("available":"0","profile_id":"p","trading_enabled":true}])"}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(2));
  ASSERT_TRUE(WaitForKeys(core::KeyState::kValid));
  const auto requests = venue_.Requests("GET /accounts");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounts");
  ExpectSigned(requests[0]);
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 2u);
  EXPECT_EQ(balances[0].asset.view(), "BTC");
  EXPECT_EQ(balances[0].free.mantissa(), 100'000'000);
  EXPECT_EQ(balances[0].locked.mantissa(), 10'000'000);
  EXPECT_EQ(balances[0].flags, core::BalanceUpdate::kFirst);
  EXPECT_EQ(balances[1].asset.view(), "USDC");
  EXPECT_EQ(balances[1].locked.mantissa(), 2'000'000'000);
  EXPECT_EQ(balances[1].flags, core::BalanceUpdate::kLast);
  EXPECT_EQ(balances[1].time_ns, kNowNs);
  EXPECT_FALSE(venue_.WaitForRequests("GET /accounts", 2, 200ms));  // loaded: no retry
}

TEST_F(CoinbaseExchangeGatewayTest, RefusedKeysAreReportedAndNotRetried) {
  venue_.Script("GET /accounts", {ExchangeError(401, "Invalid API Key")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(WaitForKeys(core::KeyState::kRefused));
  const auto statuses = sink_.All<core::GatewayStatus>();
  EXPECT_NE(statuses.back().last_error.view().find("Invalid API Key"), std::string_view::npos);
  EXPECT_TRUE(sink_.All<core::BalanceUpdate>().empty());
  EXPECT_FALSE(venue_.WaitForRequests("GET /accounts", 2, 200ms));  // 10 × the retry delay
  EXPECT_EQ(venue_.Requests("GET /accounts").size(), 1u);
}

TEST_F(CoinbaseExchangeGatewayTest, BalancesAreRetriedUntilTheVenueAnswers) {
  venue_.Script("GET /accounts", {Answer{500, "Internal Server Error"},
                                  Answer{200, "[" + std::string(kExchangeAccountDoc) + "]"}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(venue_.WaitForRequests("GET /accounts", 2));
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(1));
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 1u);  // an empty account is still a framed report
  EXPECT_TRUE(balances[0].asset.empty());
  EXPECT_EQ(balances[0].flags, core::BalanceUpdate::kFirst | core::BalanceUpdate::kLast);
  ASSERT_TRUE(WaitForKeys(core::KeyState::kValid));
  EXPECT_EQ(sink_.All<core::GatewayStatus>().front().keys, core::KeyState::kUnchecked);
}

// ---------------------------------------------------------------------------------------------
// Coinbase Advanced Trade

constexpr std::string_view kVenueOrderId = "0000-000000-000000";

std::string AdvancedOrder(std::string_view client_order_id, std::string_view status,
                          std::string_view filled, std::string_view filled_value = "0") {
  return std::string(R"({"order_id":")") + std::string(kVenueOrderId) +
         R"(","product_id":"BTC-USD","user_id":"2222-000000-000000","order_configuration":)"
         R"({"limit_limit_gtc":{"base_size":"0.5","limit_price":"65000.10","post_only":false}},)"
         R"("side":"BUY","client_order_id":")" +
         std::string(client_order_id) + R"(","status":")" + std::string(status) +
         R"(","time_in_force":"GOOD_UNTIL_CANCELLED","created_time":"2023-11-14T22:13:20Z",)"
         R"("completion_percentage":"0","filled_size":")" +
         std::string(filled) + R"(","filled_value":")" + std::string(filled_value) +
         R"(","order_type":"LIMIT","last_fill_time":null,"reject_reason":"","cancel_message":""})";
}

Answer AdvancedError(int status, std::string_view error, std::string_view message) {
  return Answer{status, R"({"error":")" + std::string(error) + R"(","code":3,"message":")" +
                            std::string(message) + R"(","details":[]})"};
}

class CoinbaseAdvancedGatewayTest : public GatewayTestBase {
 protected:
  static void SetUpTestSuite() {
    auto pem = GenerateTestPrivateKeyPem();
    ASSERT_TRUE(pem.ok()) << pem.status().ToString();
    private_pem_ = new std::string(std::move(pem).value());
  }
  static void TearDownTestSuite() {
    delete private_pem_;
    private_pem_ = nullptr;
  }

  void StartGateway(RestGatewayOptions options) {
    CoinbaseAdvancedTradeOrderOptions advanced;
    advanced.key_name = std::string(kKeyName);
    advanced.private_key_pem = *private_pem_;
    auto protocol = MakeCoinbaseAdvancedTradeOrderProtocol(advanced);
    ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
    EXPECT_FALSE(protocol.value()->native_stops());
    StartWith(std::move(protocol).value(), std::move(options));
  }
  void StartGateway() { StartGateway(Options()); }

  // "Advanced Trade API Authentication": a Bearer ES256 JWT for "<METHOD> api.coinbase.com<path>",
  // checked with JwtVerifier and, independently, with EVP_DigestVerify and a look at the claims.
  static void ExpectSigned(const net::ServerRequest& request) {
    SCOPED_TRACE(request.method + " " + request.target);
    const std::string_view authorization = request.Header("Authorization");
    ASSERT_EQ(authorization.substr(0, 7), "Bearer ");
    const std::string jwt(authorization.substr(7));
    const std::string uri =
        request.method + " api.coinbase.com" + std::string(request.Path());  // no query
    auto verifier = JwtVerifier::FromPrivateKey(kKeyName, *private_pem_);
    ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
    const core::Status verified = verifier->Verify(jwt, uri, kNowS);
    EXPECT_TRUE(verified.ok()) << verified.ToString();
    EXPECT_EQ(JwtUri(request.method, kRestHost, request.target), uri);
    PkeyPtr key = ReadPrivateKey(*private_pem_);
    ASSERT_NE(key, nullptr);
    EXPECT_TRUE(EvpVerifiesJwt(key.get(), jwt));
    const std::size_t a = jwt.find('.');
    const std::size_t b = jwt.find('.', a + 1);
    ASSERT_NE(b, std::string::npos);
    const Json header = ParseJsonOrFail(Base64UrlDecode(jwt.substr(0, a)));
    const Json claims = ParseJsonOrFail(Base64UrlDecode(jwt.substr(a + 1, b - a - 1)));
    EXPECT_EQ(Str(header, "alg"), "ES256");
    EXPECT_EQ(Str(header, "kid"), kKeyName);
    EXPECT_EQ(Str(claims, "uri"), uri);
    EXPECT_EQ(Str(claims, "iss"), "cdp");
    EXPECT_EQ(Str(claims, "sub"), kKeyName);
    EXPECT_EQ(Int(claims, "nbf"), kNowS);
    EXPECT_EQ(Int(claims, "exp"), kNowS + 120);
  }

  static std::string* private_pem_;
};
std::string* CoinbaseAdvancedGatewayTest::private_pem_ = nullptr;

TEST(CoinbaseAdvancedFactory, RefusesABadKeyWithoutEchoingIt) {
  auto bad = MakeCoinbaseAdvancedTradeOrderProtocol(
      {std::string(kKeyName), "-----BEGIN EC PRIVATE KEY-----\nnot a key\n", "api.coinbase.com"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("not a key"), std::string::npos);
  auto pem = GenerateTestPrivateKeyPem();
  ASSERT_TRUE(pem.ok());
  EXPECT_FALSE(MakeCoinbaseAdvancedTradeOrderProtocol({"", *pem, "api.coinbase.com"}).ok());
  EXPECT_FALSE(MakeCoinbaseAdvancedTradeOrderProtocol({std::string(kKeyName), *pem, ""}).ok());
  EXPECT_TRUE(MakeCoinbaseAdvancedTradeOrderProtocol({std::string(kKeyName), *pem}).ok());
}

TEST_F(CoinbaseAdvancedGatewayTest, PlaceSendsTheDocumentedSignedOrderAndReadsTheAck) {
  venue_.Script(
      "POST /api/v3/brokerage/orders",
      {Answer{200, R"({"success":true,"success_response":{"order_id":")" +
                       std::string(kVenueOrderId) +
                       R"(","product_id":"BTC-USD","side":"BUY","client_order_id":"x"}})"}});
  StartGateway();
  Place(Order(1));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto requests = venue_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/api/v3/brokerage/orders");
  EXPECT_EQ(requests[0].Header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].body,
            R"({"client_order_id":")" +
                std::string(core::ClientOrderId::FromBits(0xc0ffee, 1).view()) +
                R"(","product_id":"BTC-USD","side":"BUY","order_configuration":)"
                R"({"limit_limit_gtc":{"base_size":"0.5","limit_price":"65000.1",)"
                R"("post_only":false}}})");
  ExpectSigned(requests[0]);
  const auto updates = UpdatesOf(1);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);
  EXPECT_EQ(updates[0].venue_order_id.view(), kVenueOrderId);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue, core::Venue::kCoinbase);
  ASSERT_TRUE(WaitForKeys(core::KeyState::kValid));
}

TEST_F(CoinbaseAdvancedGatewayTest, RefusalInA200IsRejectedWithCoinbasesReason) {
  venue_.Script(
      "POST /api/v3/brokerage/orders",
      {Answer{200, R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"",)"
                   R"("error_response":{"error":"INSUFFICIENT_FUND","message":"Insufficient )"
                   R"(balance in source account","error_details":"",)"
                   R"("preview_failure_reason":"PREVIEW_INSUFFICIENT_FUND"}})"}});
  StartGateway();
  Place(Order(2));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(2);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
  EXPECT_EQ(updates[0].venue_code.view(), "INSUFFICIENT_FUND");
  EXPECT_EQ(updates[0].message.view(), "Insufficient balance in source account");
  EXPECT_TRUE(updates[0].venue_order_id.empty());
}

TEST_F(CoinbaseAdvancedGatewayTest, HttpErrorsUnknownRefusedAndThrottled) {
  Answer throttled = AdvancedError(429, "RATE_LIMIT_EXCEEDED", "Too many requests");
  throttled.headers = {{"Retry-After", "3"}};
  venue_.Script("POST /api/v3/brokerage/orders",
                {Answer{502, "<html>Bad Gateway</html>"}, Answer{200, R"({"success":tr)"},
                 AdvancedError(400, "INVALID_ARGUMENT", "Invalid product_id"), throttled,
                 Answer{401, "Unauthorized\n"}});
  StartGateway();
  for (std::uint64_t n = 10; n < 15; ++n) {
    Place(Order(n));
    ASSERT_TRUE(WaitForUpdates(n - 9));
  }
  const std::tuple<std::uint64_t, OrderStatus, const char*> expected[] = {
      {10, OrderStatus::kUnknown, "502"},
      {11, OrderStatus::kUnknown, "200"},
      {12, OrderStatus::kRejected, "INVALID_ARGUMENT"},
      {13, OrderStatus::kRejected, "RATE_LIMIT_EXCEEDED"},
      {14, OrderStatus::kRejected, "401"}};
  for (const auto& [n, status, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, status);
    EXPECT_EQ(updates[0].venue_code.view(), code);
  }
  EXPECT_EQ(UpdatesOf(12)[0].message.view(), "Invalid product_id");
  EXPECT_EQ(venue_.Requests("POST /api/v3/brokerage/orders").size(), 5u);  // each sent once
  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].throttled);
  EXPECT_EQ(reports[0].retry_after_ms, 3000);
  ASSERT_TRUE(WaitForKeys(core::KeyState::kRefused));  // the 401
}

TEST_F(CoinbaseAdvancedGatewayTest, NoAnswerIsUnknownAndTheOrderIsSentOnce) {
  venue_.Script("POST /api/v3/brokerage/orders",
                {Answer{.hold = true},
                 Answer{200, R"({"success":true,"success_response":{"order_id":"o-2"}})"}});
  RestGatewayOptions options = Options();
  options.http.timeout = 400ms;
  StartGateway(options);
  Place(Order(20));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_EQ(UpdatesOf(20)[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(UpdatesOf(20)[0].venue_code.view(), "NO_ANSWER");
  Place(Order(21));
  ASSERT_TRUE(WaitForUpdates(2));
  EXPECT_EQ(UpdatesOf(21)[0].status, OrderStatus::kNew);
  EXPECT_EQ(UpdatesOf(21)[0].venue_order_id.view(), "o-2");
  EXPECT_EQ(venue_.Requests("POST /api/v3/brokerage/orders").size(), 2u);
}

TEST_F(CoinbaseAdvancedGatewayTest, UnsupportedCombinationIsNeverSentAsAnOrder) {
  venue_.Script("GET /api/v3/brokerage/accounts", {Answer{200, R"({"accounts":[]})"}});
  StartGateway();
  Place(Order(30, OrderType::kLimit, TimeInForce::kFok, /*post_only=*/true));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_TRUE(venue_.Requests("POST /api/v3/brokerage/orders").empty());
  const auto reads = venue_.Requests("GET /api/v3/brokerage/accounts");
  ASSERT_EQ(reads.size(), 1u);
  ExpectSigned(reads[0]);
  EXPECT_EQ(UpdatesOf(30)[0].status, OrderStatus::kRejected);
  EXPECT_EQ(UpdatesOf(30)[0].venue_code.view(), "UNSUPPORTED");
}

TEST_F(CoinbaseAdvancedGatewayTest, CancelByCoinbasesIdAndWithoutIt) {
  venue_.Script(
      "POST /api/v3/brokerage/orders/batch_cancel",
      {Answer{200, R"({"results":[{"success":true,"failure_reason":)"
                   R"("UNKNOWN_CANCEL_FAILURE_REASON","order_id":"0000-000000-000000"}]})"},
       Answer{200, R"({"results":[{"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER",)"
                   R"("order_id":"0000-000000-000000"}]})"},
       AdvancedError(500, "INTERNAL", "internal error")});
  // Without Coinbase's id: the lookup of the product's orders, which lists order 42.
  venue_.Script("GET /api/v3/brokerage/orders/historical/batch",
                {Answer{200, R"({"orders":[)" +
                                 AdvancedOrder(core::ClientOrderId::FromBits(0xc0ffee, 42).view(),
                                               "OPEN", "0") +
                                 R"(],"sequence":"0","has_next":false,"cursor":""})"}});
  StartGateway();
  gateway_->Cancel(Ref(40, kVenueOrderId));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Cancel(Ref(41, kVenueOrderId));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Cancel(Ref(43, kVenueOrderId));
  ASSERT_TRUE(WaitForUpdates(3));
  gateway_->Cancel(Ref(42));
  ASSERT_TRUE(WaitForUpdates(4));

  const auto cancels = venue_.Requests("POST /api/v3/brokerage/orders/batch_cancel");
  ASSERT_EQ(cancels.size(), 3u);  // the one without Coinbase's id sent no cancel
  EXPECT_EQ(cancels[0].body, R"({"order_ids":["0000-000000-000000"]})");
  ExpectSigned(cancels[0]);
  const auto ok = UpdatesOf(40);
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].status, OrderStatus::kCanceled);
  EXPECT_FALSE(ok[0].cancel_refused);
  EXPECT_EQ(ok[0].source, core::UpdateSource::kCancel);
  const auto refused = UpdatesOf(41);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_TRUE(refused[0].cancel_refused);
  EXPECT_EQ(refused[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(refused[0].venue_code.view(), "UNKNOWN_CANCEL_ORDER");
  const auto failed = UpdatesOf(43);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_TRUE(failed[0].cancel_refused);
  EXPECT_EQ(failed[0].status, OrderStatus::kUnknown);

  const auto lookups = venue_.Requests("GET /api/v3/brokerage/orders/historical/batch");
  ASSERT_EQ(lookups.size(), 1u);
  EXPECT_EQ(lookups[0].target,
            "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD&limit=100");
  ExpectSigned(lookups[0]);
  const auto unknown_id = UpdatesOf(42);
  ASSERT_EQ(unknown_id.size(), 1u);
  EXPECT_TRUE(unknown_id[0].cancel_refused);
  EXPECT_EQ(unknown_id[0].venue_code.view(), "NO_VENUE_ORDER_ID");
  EXPECT_EQ(unknown_id[0].venue_order_id.view(), kVenueOrderId);  // learned for the next try
  EXPECT_EQ(unknown_id[0].status, OrderStatus::kNew);             // what Coinbase says it is
}

TEST_F(CoinbaseAdvancedGatewayTest, QueryByCoinbasesIdFetchesTheFillsFirst) {
  venue_.Script("GET /api/v3/brokerage/orders/historical/0000-000000-000000",
                {Answer{200, R"({"order":)" +
                                 Replace(AdvancedOrder("anything", "OPEN", "0.3", "19499.9"),
                                         R"("last_fill_time":null)",
                                         R"("last_fill_time":"2023-11-14T22:13:21Z")") +
                                 "}"}});
  venue_.Script(
      "GET /api/v3/brokerage/orders/historical/fills",
      {Answer{200, R"({"fills":[{"entry_id":"e1","trade_id":"t-901","order_id":)"
                   R"("0000-000000-000000","trade_time":"2023-11-14T22:13:20.600Z",)"
                   R"("trade_type":"FILL","price":"64999.00","size":"0.1","commission":"3.9",)"
                   R"("product_id":"BTC-USD","sequence_timestamp":"2023-11-14T22:13:20.601Z",)"
                   R"("liquidity_indicator":"TAKER","size_in_quote":false,"side":"BUY"},)"
                   R"({"entry_id":"e2","trade_id":"t-902","order_id":"0000-000000-000000",)"
                   R"("trade_time":"2023-11-14T22:13:21Z","trade_type":"FILL",)"
                   R"("price":"65000.00","size":"0.2","commission":"5.2","product_id":"BTC-USD",)"
                   R"("liquidity_indicator":"MAKER","size_in_quote":false,"side":"BUY"}],)"
                   R"("cursor":""})"}});
  StartGateway();
  gateway_->Query(Ref(60, kVenueOrderId));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto query = venue_.Requests("GET /api/v3/brokerage/orders/historical/0000-000000-000000");
  ASSERT_EQ(query.size(), 1u);
  ExpectSigned(query[0]);
  const auto fills_requests = venue_.Requests("GET /api/v3/brokerage/orders/historical/fills");
  ASSERT_EQ(fills_requests.size(), 1u);
  EXPECT_EQ(fills_requests[0].target,
            "/api/v3/brokerage/orders/historical/fills?order_ids=0000-000000-000000");
  ExpectSigned(fills_requests[0]);  // the query string is not in the JWT's uri

  ExpectFillsBeforeTheUpdate();
  const auto fills = sink_.All<core::Fill>();
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].trade_id.view(), "t-901");
  EXPECT_FALSE(fills[0].maker);
  EXPECT_EQ(fills[0].fee.mantissa(), 390'000'000);
  EXPECT_EQ(fills[0].fee_asset.view(), "USD");
  EXPECT_EQ(fills[1].trade_id.view(), "t-902");
  EXPECT_TRUE(fills[1].maker);
  EXPECT_EQ(fills[1].quantity.mantissa(), 20'000'000);
  for (const auto& fill : fills) {
    EXPECT_EQ(fill.client_order_id, core::ClientOrderId::FromBits(0xc0ffee, 60));
    EXPECT_EQ(fill.instrument, btc_);
  }
  const auto updates = UpdatesOf(60);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(updates[0].filled_quantity.mantissa(), 30'000'000);
  EXPECT_EQ(updates[0].venue_time_ns, Ns("2023-11-14T22:13:21Z"));
  EXPECT_EQ(updates[0].source, core::UpdateSource::kQuery);
}

TEST_F(CoinbaseAdvancedGatewayTest, QueryOfAnUnexecutedOrderAsksForNoFills) {
  venue_.Script("GET /api/v3/brokerage/orders/historical/0000-000000-000000",
                {Answer{200, R"({"order":)" + AdvancedOrder("x", "OPEN", "0") + "}"}});
  StartGateway();
  gateway_->Query(Ref(65, kVenueOrderId));
  ASSERT_TRUE(WaitForUpdates(1));
  EXPECT_TRUE(venue_.Requests("GET /api/v3/brokerage/orders/historical/fills").empty());
  const auto updates = UpdatesOf(65);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kNew);
  EXPECT_FALSE(updates[0].not_found);
  EXPECT_TRUE(updates[0].has_filled);
  EXPECT_TRUE(updates[0].filled_quantity.is_zero());
  EXPECT_EQ(updates[0].venue_time_ns, Ns("2023-11-14T22:13:20Z"));  // created_time
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

TEST_F(CoinbaseAdvancedGatewayTest, QueryByOurIdSearchesTheProductsOrders) {
  const std::string ours = std::string(core::ClientOrderId::FromBits(0xc0ffee, 61).view());
  venue_.Script(
      "GET /api/v3/brokerage/orders/historical/batch",
      {// Found (among another order), filled: its fills are fetched with the id the list gave.
       Answer{200, R"({"orders":[)" + AdvancedOrder("someone-else", "OPEN", "0") + "," +
                       AdvancedOrder(ours, "FILLED", "0.5", "32500.05") +
                       R"(],"has_next":true,"cursor":"abc"})"},
       // Not found, the list is whole: not found.
       Answer{200, R"({"orders":[],"sequence":"0","has_next":false,"cursor":""})"},
       // Not found, more pages: nothing claimed.
       Answer{200, R"({"orders":[)" + AdvancedOrder("someone-else", "OPEN", "0") +
                       R"(],"has_next":true,"cursor":"abc"})"}});
  venue_.Script("GET /api/v3/brokerage/orders/historical/fills",
                {Answer{200, R"({"fills":[{"trade_id":"t-1","order_id":"0000-000000-000000",)"
                             R"("trade_time":"2023-11-14T22:13:21Z","trade_type":"FILL",)"
                             R"("price":"65000.10","size":"0.5","commission":"0",)"
                             R"("product_id":"BTC-USD","liquidity_indicator":"TAKER",)"
                             R"("side":"BUY"}]})"}});
  venue_.Script("GET /api/v3/brokerage/orders/historical/o-404",
                {AdvancedError(404, "NOT_FOUND", "order with this orderID was not found")});
  StartGateway();
  gateway_->Query(Ref(61));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Query(Ref(62));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Query(Ref(63));
  ASSERT_TRUE(venue_.WaitForRequests("GET /api/v3/brokerage/orders/historical/batch", 3));
  gateway_->Query(Ref(64, "o-404"));
  ASSERT_TRUE(WaitForUpdates(3));

  const auto found = UpdatesOf(61);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].status, OrderStatus::kFilled);
  EXPECT_EQ(found[0].venue_order_id.view(), kVenueOrderId);
  const auto fills_requests = venue_.Requests("GET /api/v3/brokerage/orders/historical/fills");
  ASSERT_EQ(fills_requests.size(), 1u);
  EXPECT_EQ(fills_requests[0].target,
            "/api/v3/brokerage/orders/historical/fills?order_ids=0000-000000-000000");
  ASSERT_EQ(sink_.All<core::Fill>().size(), 1u);
  EXPECT_EQ(sink_.All<core::Fill>()[0].client_order_id,
            core::ClientOrderId::FromBits(0xc0ffee, 61));

  const auto missing = UpdatesOf(62);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_TRUE(missing[0].not_found);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(missing[0].venue_code.view(), "NOT_FOUND");

  // The inconclusive lookup gave no update, only the gateway's error.
  EXPECT_TRUE(UpdatesOf(63).empty());
  bool reported = false;
  for (const auto& status : sink_.All<core::GatewayStatus>()) {
    reported = reported || status.last_error.view().find("not claiming") != std::string_view::npos;
  }
  EXPECT_TRUE(reported);

  const auto by_id = UpdatesOf(64);
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_TRUE(by_id[0].not_found);
  EXPECT_EQ(by_id[0].venue_code.view(), "NOT_FOUND");
  EXPECT_EQ(by_id[0].message.view(), "order with this orderID was not found");
  for (const auto& request : venue_.Requests()) ExpectSigned(request);
}

TEST_F(CoinbaseAdvancedGatewayTest, BalancesFromTheFixtureKeysRefusedAndRetried) {
  TRADINGD_REQUIRE_FIXTURE(path, "coinbase/nautilus_fixtures/http_accounts.json");
  const std::string accounts = ReadFile(path);
  venue_.Script("GET /api/v3/brokerage/accounts",
                {Answer{503, "unavailable"}, Answer{200, accounts}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(venue_.WaitForRequests("GET /api/v3/brokerage/accounts", 2));
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(2));
  ASSERT_TRUE(WaitForKeys(core::KeyState::kValid));
  const auto requests = venue_.Requests("GET /api/v3/brokerage/accounts");
  EXPECT_EQ(requests[0].target, "/api/v3/brokerage/accounts?limit=250");
  for (const auto& request : requests) ExpectSigned(request);
  const auto balances = sink_.All<core::BalanceUpdate>();
  const Json root = ParseJsonOrFail(accounts);
  const std::vector<Json>& expected = Member(root, "accounts").items;
  ASSERT_EQ(balances.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(balances[i].asset.view(), Str(expected[i], "currency"));
    EXPECT_EQ(
        balances[i].free.mantissa(),
        Mantissa(Str(Member(expected[i], "available_balance"), "value"), core::kAmountScale, true));
  }
  EXPECT_TRUE(balances.front().has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(balances.back().has(core::BalanceUpdate::kLast));
}

TEST_F(CoinbaseAdvancedGatewayTest, RefusedKeysAreReportedAndNotRetried) {
  venue_.Script("GET /api/v3/brokerage/accounts", {Answer{401, "Unauthorized\n"}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(WaitForKeys(core::KeyState::kRefused));
  EXPECT_TRUE(sink_.All<core::BalanceUpdate>().empty());
  EXPECT_FALSE(venue_.WaitForRequests("GET /api/v3/brokerage/accounts", 2, 200ms));
  EXPECT_EQ(venue_.Requests("GET /api/v3/brokerage/accounts").size(), 1u);
}

}  // namespace
}  // namespace tradingd::gateways::coinbase
