// The sandbox Bybit venue's spot order entry end to end: StreamSim with the Bybit spot dialect on
// 127.0.0.1:0 with its own io thread and a ManualClock, a net::HttpClient (and a WebSocketClient
// for the public trades) on a second io thread. Every request is signed here with OpenSSL's
// one-shot HMAC() over timestamp + key + recv_window + payload, as v5/guide says, not with the
// venue's or the gateway's signing code. The market starts paused, so the book stands still and
// every fill is computed from BookSnapshot(). Nothing sleeps to synchronize: every wait has a
// deadline that fails the test.

#include "sim/bybit/bybit_orders_sim.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "sim/bybit/bybit_sim.h"
#include "sim/common/stream_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim::bybit {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;
namespace dom = simdjson::dom;

constexpr auto kDeadline = 10s;
constexpr std::int64_t kStartMs = 1'723'161'605'000;  // 2024-08-09T00:00:05Z
constexpr std::int64_t kUnit = 100'000'000;
constexpr std::int64_t kTick = 10'000'000;  // BTCUSDT 0.1
constexpr std::int64_t kLot = 100;          // BTCUSDT 0.000001

// ---- helpers ----

std::int64_t M(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}
// As Bybit spot writes numbers: no trailing zeros.
std::string D(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }
std::int64_t CeilDiv(core::Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}
// price x quantity, rounded down to 8 decimals (what a Sell receives).
std::int64_t MulFloor(std::int64_t price, std::int64_t quantity) {
  return static_cast<std::int64_t>(static_cast<core::Int128>(price) * quantity / kUnit);
}
// 0.1 % of what the account receives, rounded up to 8 decimals.
std::int64_t FeeOf(std::int64_t received) { return CeilDiv(received, 1000); }

// Hex HMAC-SHA256 with OpenSSL's one-shot HMAC().
std::string Hmac(std::string_view secret, std::string_view payload) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), mac, &length);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  return hex;
}

// A parsed JSON answer that owns its parser.
struct Json {
  dom::parser parser;
  dom::element root;
  explicit Json(const std::string& text) { root = parser.parse(text); }
  dom::element operator[](std::string_view key) const { return root[key]; }
};

std::string Str(dom::element e, std::string_view key) {
  return std::string(std::string_view(e[key]));
}
std::vector<std::string> Keys(dom::element e) {
  std::vector<std::string> keys;
  for (auto field : dom::object(e)) keys.emplace_back(field.key);
  return keys;
}

// open-order.mdx's response fields for a spot order of a Unified account.
const std::vector<std::string> kOrderKeys = {"orderId",       "orderLinkId",
                                             "blockTradeId",  "symbol",
                                             "price",         "qty",
                                             "side",          "isLeverage",
                                             "positionIdx",   "orderStatus",
                                             "cancelType",    "rejectReason",
                                             "avgPrice",      "leavesQty",
                                             "leavesValue",   "cumExecQty",
                                             "cumExecValue",  "cumExecFee",
                                             "timeInForce",   "orderType",
                                             "stopOrderType", "orderIv",
                                             "marketUnit",    "triggerPrice",
                                             "takeProfit",    "stopLoss",
                                             "ocoTriggerBy",  "tpLimitPrice",
                                             "slLimitPrice",  "tpTriggerBy",
                                             "slTriggerBy",   "triggerDirection",
                                             "triggerBy",     "lastPriceOnCreated",
                                             "reduceOnly",    "closeOnTrigger",
                                             "placeType",     "smpType",
                                             "smpGroup",      "smpOrderId",
                                             "createdTime",   "updatedTime",
                                             "cumFeeDetail"};

// Records what a WebSocketClient sees; waits with deadlines.
class Recorder : public net::WebSocketClient::Handler {
 public:
  void OnOpen() override {
    std::lock_guard lock(mutex_);
    ++opens_;
    cv_.notify_all();
  }
  void OnMessage(std::string_view payload, std::int64_t) override {
    std::lock_guard lock(mutex_);
    messages_.emplace_back(payload);
    cv_.notify_all();
  }
  void OnClose(net::CloseReason, std::string_view) override {}
  bool WaitFor(const std::function<bool(const std::vector<std::string>&, int)>& pred) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kDeadline, [&] { return pred(messages_, opens_); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::string> messages_;
  int opens_ = 0;
};

// How a request is authenticated (the defaults: right).
struct Auth {
  std::string key{kSandboxApiKey};
  std::string secret{kSandboxApiSecret};
  std::optional<std::int64_t> timestamp;            // nullopt: the clock's now
  std::optional<std::string> recv_window = "5000";  // nullopt: no header (and not signed)
  bool corrupt_sign = false;
};

class BybitOrdersSimTest : public ::testing::Test {
 protected:
  StreamSimOptions SimOptions() {
    StreamSimOptions options;
    options.symbols = DefaultBybitSymbols("spot");
    options.start_paused = true;
    options.clock = &clock_;
    return options;
  }
  BybitDialectOptions DialectOptions(std::string category = "spot") {
    BybitDialectOptions options;
    options.category = std::move(category);
    options.clock = &clock_;
    return options;
  }

  void StartSim(StreamSimOptions options, BybitDialectOptions dialect) {
    auto made = MakeBybitDialect(std::move(dialect));
    ASSERT_NE(made, nullptr);
    sim_ = std::make_unique<StreamSim>(sim_io_.io(), std::move(options), std::move(made));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    http_ = NewClient(kDeadline);
  }
  void StartSim() { StartSim(SimOptions(), DialectOptions()); }

  void TearDown() override {
    for (auto& client : ws_) client_io_.Run([&] { client->Stop(); });
    for (auto& http : clients_) client_io_.Run([&] { http->Stop(); });
    if (sim_) sim_->Stop();
    client_io_.Join();
    sim_io_.Join();
    ws_.clear();
    clients_.clear();
    sim_.reset();
  }

  net::HttpClient* NewClient(std::chrono::milliseconds timeout) {
    net::HttpClientOptions options;
    options.base_url = sim_->rest_url();
    options.verify_peer = false;
    options.timeout = timeout;
    clients_.push_back(std::make_unique<net::HttpClient>(client_io_.io(), options));
    return clients_.back().get();
  }

  core::Result<net::HttpClientResponse> SendOn(net::HttpClient* client,
                                               net::HttpClientRequest request) {
    std::promise<core::Result<net::HttpClientResponse>> promise;
    auto future = promise.get_future();
    client_io_.Run([&] {
      client->Send(std::move(request),
                   [&promise](auto result) { promise.set_value(std::move(result)); });
    });
    EXPECT_EQ(future.wait_for(kDeadline), std::future_status::ready);
    return future.get();
  }

  std::int64_t NowMs() const { return clock_.NowNs() / 1'000'000; }

  // A request signed as v5/guide says: hex(HMAC_SHA256(secret, timestamp + key + recv_window +
  // payload)), payload the query string (GET) or the JSON body (POST).
  net::HttpClientRequest Signed(const std::string& method, const std::string& path,
                                const std::string& payload, const Auth& auth = {}) {
    const std::string timestamp = std::to_string(auth.timestamp.value_or(NowMs()));
    const std::string recv = auth.recv_window.value_or("");
    std::string sign = Hmac(auth.secret, timestamp + auth.key + recv + payload);
    if (auth.corrupt_sign) sign[0] = sign[0] == 'a' ? 'b' : 'a';
    net::HttpClientRequest request;
    request.method = method;
    request.target = method == "GET" && !payload.empty() ? path + "?" + payload : path;
    if (!auth.key.empty()) request.headers.emplace_back("X-BAPI-API-KEY", auth.key);
    request.headers.emplace_back("X-BAPI-TIMESTAMP", timestamp);
    if (auth.recv_window) request.headers.emplace_back("X-BAPI-RECV-WINDOW", *auth.recv_window);
    request.headers.emplace_back("X-BAPI-SIGN", sign);
    if (method == "POST") {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = payload;
    }
    return request;
  }

  net::HttpClientResponse Send(net::HttpClientRequest request, net::HttpClient* client = nullptr) {
    auto result = SendOn(client != nullptr ? client : http_, std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : net::HttpClientResponse{};
  }
  net::HttpClientResponse Post(const std::string& path, const std::string& body,
                               const Auth& auth = {}) {
    return Send(Signed("POST", path, body, auth));
  }
  net::HttpClientResponse Get(const std::string& path, const std::string& query,
                              const Auth& auth = {}) {
    return Send(Signed("GET", path, query, auth));
  }
  net::HttpClientResponse Create(const std::string& fields) {
    return Post("/v5/order/create", R"({"category":"spot","symbol":"BTCUSDT",)" + fields + "}");
  }

  // Expects Bybit's refusal: HTTP 200, the retCode and retMsg, an empty result.
  static void ExpectRefusal(const net::HttpClientResponse& response, std::int64_t code,
                            std::string_view message) {
    EXPECT_EQ(response.status, 200) << response.body;
    if (response.body.find("\"retCode\"") == std::string::npos) {
      ADD_FAILURE() << "not a Bybit envelope: " << response.body;
      return;
    }
    Json json(response.body);
    EXPECT_EQ(std::int64_t(json["retCode"]), code) << response.body;
    EXPECT_EQ(Str(json.root, "retMsg"), message) << response.body;
    EXPECT_EQ(Keys(json["result"]).size(), 0u) << response.body;
  }
  // Expects retCode 0 and returns the body.
  static std::string ExpectOk(const net::HttpClientResponse& response) {
    EXPECT_EQ(response.status, 200) << response.body;
    Json json(response.body);
    EXPECT_EQ(std::int64_t(json["retCode"]), 0) << response.body;
    EXPECT_EQ(Str(json.root, "retMsg"), "OK") << response.body;
    return response.body;
  }

  // The one order /v5/order/realtime lists for `link`, as its JSON text.
  std::string OrderByLink(const std::string& link, const std::string& path = "/v5/order/realtime") {
    const auto response = Get(path, "category=spot&orderLinkId=" + link);
    Json json(ExpectOk(response));
    dom::array list = json["result"]["list"];
    EXPECT_EQ(list.size(), 1u) << response.body;
    if (list.size() != 1) return "{}";
    return simdjson::minify(list.at(0));
  }
  // The account's executions of one order, newest first.
  std::string ExecutionsOf(const std::string& order_id) {
    return ExpectOk(Get("/v5/execution/list", "category=spot&orderId=" + order_id));
  }
  // The wallet-balance entry of `coin` (coin=... asked explicitly).
  std::string CoinEntry(const std::string& coin) {
    Json json(ExpectOk(Get("/v5/account/wallet-balance", "accountType=UNIFIED&coin=" + coin)));
    dom::array coins = json["result"]["list"].at(0)["coin"];
    EXPECT_EQ(coins.size(), 1u);
    return simdjson::minify(coins.at(0));
  }

  std::int64_t Free(std::string_view asset) { return sim_->SandboxBalance(asset).value().free; }
  std::int64_t Locked(std::string_view asset) { return sim_->SandboxBalance(asset).value().locked; }
  BookLevels Book() {
    auto book = sim_->BookSnapshot("BTCUSDT");
    EXPECT_TRUE(book.has_value());
    return book.value_or(BookLevels{});
  }
  // A Limit Buy `ticks` ticks under the best bid: it rests.
  std::string RestingBuy(const std::string& link, std::int64_t quantity, int ticks = 100) {
    const BookLevels book = Book();
    return R"("side":"Buy","orderType":"Limit","qty":")" + D(quantity) + R"(","price":")" +
           D(book.bids.front().price - ticks * kTick) + R"(","orderLinkId":")" + link + "\"";
  }

  core::ManualClock clock_{kStartMs * 1'000'000};
  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<StreamSim> sim_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  net::HttpClient* http_ = nullptr;
  std::vector<std::unique_ptr<net::WebSocketClient>> ws_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
};

// ---- keys and the order entry's shape ----

TEST_F(BybitOrdersSimTest, SandboxKeysHaveBybitsShapeAndAreTheSims) {
  EXPECT_EQ(kSandboxApiKey.size(), 18u);
  EXPECT_EQ(kSandboxApiSecret.size(), 36u);
  for (const char c : std::string(kSandboxApiKey) + std::string(kSandboxApiSecret)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
  }
  StartSim();
  const auto keys = sim_->sandbox_keys();
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->api_key, kSandboxApiKey);
  EXPECT_EQ(keys->api_secret, kSandboxApiSecret);
  EXPECT_TRUE(keys->passphrase.empty());
  const StreamOrderEntry entry = BybitStreamOrderEntry({});
  EXPECT_EQ(entry.maker_fee_ppm, 1000);
  EXPECT_EQ(entry.taker_fee_ppm, 1000);
  EXPECT_EQ(entry.fee_asset, FeeAsset::kReceived);
  EXPECT_EQ(entry.fok_policy, FillOrKillPolicy::kExpire);
  EXPECT_EQ(entry.post_only_policy, PostOnlyPolicy::kExpire);
}

TEST_F(BybitOrdersSimTest, LinearTakesNoOrders) {
  StartSim(
      [&] {
        StreamSimOptions options = SimOptions();
        options.symbols = DefaultBybitSymbols("linear");
        return options;
      }(),
      DialectOptions("linear"));
  EXPECT_FALSE(sim_->sandbox_keys().has_value());
  EXPECT_FALSE(sim_->InjectOrderFault(OrderFault::kServerError));
  ExpectRefusal(
      Post(
          "/v5/order/create",
          R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"0.001"})"),
      10003, "API key is invalid.");
}

// ---- orders, their answers and the balances ----

TEST_F(BybitOrdersSimTest, MarketBuyByBaseCoinMovesBalancesByExactlyItsFillsAndFees) {
  StartSim();
  const BookLevels book = Book();
  ASSERT_GE(book.asks.size(), 2u);
  // The whole best level and one lot of the next: two fills.
  const BookLevel first = book.asks[0];
  const BookLevel second = book.asks[1];
  const std::int64_t quantity = first.quantity + kLot;
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");

  const auto response = Create(R"("side":"Buy","orderType":"Market","qty":")" + D(quantity) +
                               R"(","marketUnit":"baseCoin","orderLinkId":"mkt-1","isLeverage":0)");
  Json ack(ExpectOk(response));
  EXPECT_EQ(Keys(ack.root),
            (std::vector<std::string>{"retCode", "retMsg", "result", "retExtInfo", "time"}));
  EXPECT_EQ(Keys(ack["result"]), (std::vector<std::string>{"orderId", "orderLinkId"}));
  EXPECT_EQ(Str(ack["result"], "orderLinkId"), "mkt-1");
  EXPECT_EQ(Str(ack["result"], "orderId").size(), 19u) << "Bybit's spot orderIds are 19 digits";
  EXPECT_EQ(std::int64_t(ack["time"]), kStartMs);
  EXPECT_EQ(Keys(ack["retExtInfo"]).size(), 0u);
  // The rate-limit headers of every answer: create is 20 per second.
  EXPECT_EQ(response.Header("X-Bapi-Limit"), "20");
  EXPECT_EQ(response.Header("X-Bapi-Limit-Status"), "19");
  EXPECT_EQ(response.Header("X-Bapi-Limit-Reset-Timestamp"), std::to_string(kStartMs));
  const std::string order_id = Str(ack["result"], "orderId");

  const std::int64_t quote = CeilDiv(static_cast<core::Int128>(first.price) * first.quantity +
                                         static_cast<core::Int128>(second.price) * kLot,
                                     kUnit);
  const std::int64_t fee = FeeOf(quantity);
  Json order(OrderByLink("mkt-1"));
  EXPECT_EQ(Keys(order.root), kOrderKeys);
  EXPECT_EQ(Str(order.root, "orderId"), order_id);
  EXPECT_EQ(Str(order.root, "symbol"), "BTCUSDT");
  EXPECT_EQ(Str(order.root, "side"), "Buy");
  EXPECT_EQ(Str(order.root, "orderType"), "Market");
  EXPECT_EQ(Str(order.root, "timeInForce"), "IOC");
  EXPECT_EQ(Str(order.root, "marketUnit"), "baseCoin");
  EXPECT_EQ(Str(order.root, "orderStatus"), "Filled");
  EXPECT_EQ(Str(order.root, "price"), "0");
  EXPECT_EQ(Str(order.root, "qty"), D(quantity));
  EXPECT_EQ(Str(order.root, "cumExecQty"), D(quantity));
  EXPECT_EQ(Str(order.root, "cumExecValue"), D(quote));
  EXPECT_EQ(Str(order.root, "cumExecFee"), D(fee));
  EXPECT_EQ(Str(order.root["cumFeeDetail"], "BTC"), D(fee));
  EXPECT_EQ(Str(order.root, "leavesQty"), "0");
  EXPECT_EQ(Str(order.root, "rejectReason"), "EC_NoError");
  EXPECT_EQ(Str(order.root, "isLeverage"), "0");
  EXPECT_EQ(std::int64_t(order.root["positionIdx"]), 0);
  EXPECT_EQ(Str(order.root, "createdTime"), std::to_string(kStartMs));
  const std::int64_t average =
      static_cast<std::int64_t>((static_cast<core::Int128>(first.price) * first.quantity +
                                 static_cast<core::Int128>(second.price) * kLot) /
                                quantity);
  EXPECT_EQ(Str(order.root, "avgPrice"), D(average));

  // Two executions, newest first, their fees summing to the order's.
  Json executions(ExecutionsOf(order_id));
  EXPECT_EQ(Str(executions["result"], "category"), "spot");
  dom::array list = executions["result"]["list"];
  ASSERT_EQ(list.size(), 2u);
  dom::element newest = list.at(0);
  dom::element oldest = list.at(1);
  EXPECT_EQ(Str(oldest, "execPrice"), D(first.price));
  EXPECT_EQ(Str(oldest, "execQty"), D(first.quantity));
  EXPECT_EQ(Str(oldest, "execFee"), D(FeeOf(first.quantity)));
  EXPECT_EQ(Str(oldest, "leavesQty"), D(kLot));
  EXPECT_EQ(Str(newest, "execPrice"), D(second.price));
  EXPECT_EQ(Str(newest, "execQty"), D(kLot));
  EXPECT_EQ(Str(newest, "execFee"), D(fee - FeeOf(first.quantity)));
  EXPECT_EQ(Str(newest, "leavesQty"), "0");
  for (dom::element fill : list) {
    EXPECT_EQ(Str(fill, "symbol"), "BTCUSDT");
    EXPECT_EQ(Str(fill, "orderId"), order_id);
    EXPECT_EQ(Str(fill, "orderLinkId"), "mkt-1");
    EXPECT_EQ(Str(fill, "side"), "Buy");
    EXPECT_EQ(Str(fill, "feeCurrency"), "BTC") << "a Buy pays its fee in the base coin";
    EXPECT_EQ(Str(fill, "feeRate"), "0.001");
    EXPECT_FALSE(bool(fill["isMaker"]));
    EXPECT_EQ(Str(fill, "execType"), "Trade");
    EXPECT_EQ(Str(fill, "execTime"), std::to_string(kStartMs));
    EXPECT_EQ(Str(fill, "orderType"), "Market");
  }
  EXPECT_NE(Str(newest, "execId"), Str(oldest, "execId"));
  EXPECT_EQ(M(Str(newest, "execValue")) + M(Str(oldest, "execValue")), quote);

  // Balances move by exactly the fills and the fee, in the engine and in wallet-balance.
  EXPECT_EQ(Free("USDT"), usdt_before - quote);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - fee);
  EXPECT_EQ(Locked("USDT"), 0);
  Json btc(CoinEntry("BTC"));
  EXPECT_EQ(Str(btc.root, "coin"), "BTC");
  EXPECT_EQ(Str(btc.root, "walletBalance"), D(btc_before + quantity - fee));
  EXPECT_EQ(Str(btc.root, "locked"), "0");
  Json usdt(CoinEntry("USDT"));
  EXPECT_EQ(Str(usdt.root, "walletBalance"), D(usdt_before - quote));
  EXPECT_EQ(Str(usdt.root, "usdValue"), D(usdt_before - quote));
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].fills.size(), 2u);
}

TEST_F(BybitOrdersSimTest, MarketBuyIsByValueUnlessToldOtherwise) {
  StartSim();
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  ExpectOk(Create(R"("side":"Buy","orderType":"Market","qty":"100","orderLinkId":"by-value")"));
  Json order(OrderByLink("by-value"));
  EXPECT_EQ(Str(order.root, "marketUnit"), "quoteCoin");
  EXPECT_EQ(Str(order.root, "qty"), "100");
  EXPECT_EQ(Str(order.root, "orderStatus"), "Filled");
  const std::int64_t spent = M(Str(order.root, "cumExecValue"));
  const std::int64_t bought = M(Str(order.root, "cumExecQty"));
  EXPECT_GT(spent, M("99"));
  EXPECT_LE(spent, M("100"));
  EXPECT_EQ(bought % kLot, 0);
  EXPECT_EQ(Str(order.root, "cumExecFee"), D(FeeOf(bought)));
  EXPECT_EQ(Free("USDT"), usdt_before - spent);
  EXPECT_EQ(Free("BTC"), btc_before + bought - FeeOf(bought));
}

TEST_F(BybitOrdersSimTest, MarketSellPaysItsFeeInTheQuoteCoinAndTakesAQuoteUnit) {
  StartSim();
  const BookLevels book = Book();
  const BookLevel best = book.bids.front();
  const std::int64_t quantity = std::min<std::int64_t>(best.quantity, M("0.01"));
  ASSERT_GE(MulFloor(best.price, quantity), M("5")) << "above minOrderAmt";
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  ExpectOk(Create(R"("side":"Sell","orderType":"Market","qty":")" + D(quantity) +
                  R"(","orderLinkId":"sell-1")"));
  Json order(OrderByLink("sell-1"));
  EXPECT_EQ(Str(order.root, "marketUnit"), "baseCoin") << "a Market Sell is by quantity";
  const std::int64_t received = MulFloor(best.price, quantity);
  EXPECT_EQ(Str(order.root, "cumExecValue"), D(received));
  EXPECT_EQ(Str(order.root, "cumExecFee"), D(FeeOf(received)));
  Json executions(ExecutionsOf(Str(order.root, "orderId")));
  EXPECT_EQ(Str(dom::array(executions["result"]["list"]).at(0), "feeCurrency"), "USDT");
  EXPECT_EQ(Free("BTC"), btc_before - quantity);
  EXPECT_EQ(Free("USDT"), usdt_before + received - FeeOf(received));

  // marketUnit=quoteCoin sells for a quote amount.
  ExpectOk(Create(
      R"("side":"Sell","orderType":"Market","qty":"50","marketUnit":"quoteCoin","orderLinkId":"sell-2")"));
  Json by_value(OrderByLink("sell-2"));
  EXPECT_EQ(Str(by_value.root, "marketUnit"), "quoteCoin");
  EXPECT_EQ(Str(by_value.root, "qty"), "50");
  EXPECT_LE(M(Str(by_value.root, "cumExecValue")), M("50"));
  EXPECT_GT(M(Str(by_value.root, "cumExecValue")), M("49"));
}

TEST_F(BybitOrdersSimTest, ARestingLimitLocksItsCostAndFillsByCrossRestingOrders) {
  StartSim();
  const std::int64_t quantity = M("0.01");
  const BookLevels book = Book();
  const std::int64_t price = book.bids.front().price - 100 * kTick;
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  Json ack(ExpectOk(Create(RestingBuy("rest-1", quantity))));
  const std::string order_id = Str(ack["result"], "orderId");
  Json open(OrderByLink("rest-1"));
  EXPECT_EQ(Str(open.root, "orderStatus"), "New");
  EXPECT_EQ(Str(open.root, "timeInForce"), "GTC");
  EXPECT_EQ(Str(open.root, "price"), D(price));
  EXPECT_EQ(Str(open.root, "leavesQty"), D(quantity));
  EXPECT_EQ(Str(open.root, "leavesValue"), D(price / 100));  // 0.01 x price
  EXPECT_EQ(Str(open.root, "avgPrice"), "");
  EXPECT_EQ(Str(open.root, "marketUnit"), "");
  EXPECT_EQ(Str(open.root, "cumExecQty"), "0");
  // The fee is paid in BTC: the lock is the notional alone.
  const std::int64_t notional = price / 100;
  EXPECT_EQ(Locked("USDT"), notional);
  Json usdt(CoinEntry("USDT"));
  EXPECT_EQ(Str(usdt.root, "locked"), D(notional));
  EXPECT_EQ(Str(usdt.root, "walletBalance"), D(usdt_before));
  EXPECT_EQ(Str(usdt.root, "availableToWithdraw"), D(usdt_before - notional));

  // Half, then the rest, by a flow only the sandbox sees: maker fills at the order's price.
  EXPECT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kSell, quantity / 2), quantity / 2);
  Json partly(OrderByLink("rest-1"));
  EXPECT_EQ(Str(partly.root, "orderStatus"), "PartiallyFilled");
  EXPECT_EQ(Str(partly.root, "leavesQty"), D(quantity / 2));
  EXPECT_EQ(Locked("USDT"), notional / 2);
  clock_.Advance(5'000'000);  // 5 ms
  EXPECT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kSell, quantity), quantity / 2);
  Json filled(OrderByLink("rest-1"));
  EXPECT_EQ(Str(filled.root, "orderStatus"), "Filled");
  EXPECT_EQ(Str(filled.root, "avgPrice"), D(price));
  EXPECT_EQ(Str(filled.root, "updatedTime"), std::to_string(kStartMs + 5));
  Json executions(ExecutionsOf(order_id));
  dom::array list = executions["result"]["list"];
  ASSERT_EQ(list.size(), 2u);
  for (dom::element fill : list) {
    EXPECT_TRUE(bool(fill["isMaker"]));
    EXPECT_EQ(Str(fill, "execPrice"), D(price));
    EXPECT_EQ(Str(fill, "orderPrice"), D(price));
    EXPECT_EQ(Str(fill, "orderType"), "Limit");
  }
  EXPECT_EQ(Str(list.at(0), "execTime"), std::to_string(kStartMs + 5)) << "newest first";
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Free("USDT"), usdt_before - notional);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - FeeOf(quantity));
}

TEST_F(BybitOrdersSimTest, IocTakesWhatItCanAndEndsPartiallyFilledCanceled) {
  StartSim();
  const BookLevel best = Book().asks.front();
  const std::int64_t quantity = best.quantity + kLot;
  ASSERT_GE(static_cast<core::Int128>(best.price) * best.quantity,
            5 * static_cast<core::Int128>(kUnit) * kUnit);
  ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"IOC","qty":")" + D(quantity) +
                  R"(","price":")" + D(best.price) + R"(","orderLinkId":"ioc-1")"));
  Json order(OrderByLink("ioc-1"));
  EXPECT_EQ(Str(order.root, "orderStatus"), "PartiallyFilledCanceled");
  EXPECT_EQ(Str(order.root, "timeInForce"), "IOC");
  EXPECT_EQ(Str(order.root, "cumExecQty"), D(best.quantity));
  EXPECT_EQ(Str(order.root, "leavesQty"), "0");
  EXPECT_EQ(Str(order.root, "rejectReason"), "EC_NoImmediateQtyToFill");
  EXPECT_EQ(Str(order.root, "cancelType"), "UNKNOWN");
  EXPECT_EQ(Locked("USDT"), 0);
}

TEST_F(BybitOrdersSimTest, FokThatCannotFillIsAcceptedThenCancelledAndOneThatCanFills) {
  StartSim();
  const BookLevel best = Book().asks.front();
  const std::int64_t usdt_before = Free("USDT");
  ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"FOK","qty":")" +
                  D(best.quantity + kLot) + R"(","price":")" + D(best.price) +
                  R"(","orderLinkId":"fok-1")"));
  Json killed(OrderByLink("fok-1"));
  EXPECT_EQ(Str(killed.root, "orderStatus"), "Cancelled");
  EXPECT_EQ(Str(killed.root, "timeInForce"), "FOK");
  EXPECT_EQ(Str(killed.root, "cumExecQty"), "0");
  EXPECT_EQ(Str(killed.root, "rejectReason"), "EC_CancelForNoFullFill");
  EXPECT_EQ(Free("USDT"), usdt_before);
  EXPECT_EQ(Locked("USDT"), 0);
  Json none(ExecutionsOf(Str(killed.root, "orderId")));
  EXPECT_EQ(dom::array(none["result"]["list"]).size(), 0u);

  ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"FOK","qty":")" +
                  D(best.quantity) + R"(","price":")" + D(best.price) +
                  R"(","orderLinkId":"fok-2")"));
  Json filled(OrderByLink("fok-2"));
  EXPECT_EQ(Str(filled.root, "orderStatus"), "Filled");
  EXPECT_EQ(Str(filled.root, "cumExecQty"), D(best.quantity));
}

TEST_F(BybitOrdersSimTest, PostOnlyThatWouldTakeIsCancelledAndOneThatRestsIsNew) {
  StartSim();
  const BookLevels book = Book();
  ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"PostOnly","qty":"0.001",)"
                  R"("price":")" +
                  D(book.asks.front().price) + R"(","orderLinkId":"po-1")"));
  Json cancelled(OrderByLink("po-1"));
  EXPECT_EQ(Str(cancelled.root, "orderStatus"), "Cancelled");
  EXPECT_EQ(Str(cancelled.root, "timeInForce"), "PostOnly");
  EXPECT_EQ(Str(cancelled.root, "rejectReason"), "EC_PostOnlyWillTakeLiquidity");
  EXPECT_EQ(Str(cancelled.root, "cumExecQty"), "0");
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Book().asks.front().quantity, book.asks.front().quantity) << "nothing taken";

  ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"PostOnly","qty":"0.001",)"
                  R"("price":")" +
                  D(book.bids.front().price) + R"(","orderLinkId":"po-2")"));
  Json resting(OrderByLink("po-2"));
  EXPECT_EQ(Str(resting.root, "orderStatus"), "New");
  EXPECT_EQ(Str(resting.root, "timeInForce"), "PostOnly");
}

TEST_F(BybitOrdersSimTest, CancelByEitherIdThenTheOrderIsGone) {
  StartSim();
  Json first(ExpectOk(Create(RestingBuy("c-1", M("0.01")))));
  Json second(ExpectOk(Create(RestingBuy("c-2", M("0.01"), 200))));
  ASSERT_GT(Locked("USDT"), 0);
  const std::string id = Str(first["result"], "orderId");

  // By orderId; a mismatching orderLinkId is ignored ("the system will process orderId first").
  Json ack(
      ExpectOk(Post("/v5/order/cancel", R"({"category":"spot","symbol":"BTCUSDT","orderId":")" +
                                            id + R"(","orderLinkId":"c-2"})")));
  EXPECT_EQ(Keys(ack["result"]), (std::vector<std::string>{"orderId", "orderLinkId"}));
  EXPECT_EQ(Str(ack["result"], "orderId"), id);
  EXPECT_EQ(Str(ack["result"], "orderLinkId"), "c-1");
  Json cancelled(OrderByLink("c-1"));
  EXPECT_EQ(Str(cancelled.root, "orderStatus"), "Cancelled");
  EXPECT_EQ(Str(cancelled.root, "cancelType"), "CancelByUser");
  Json still(OrderByLink("c-2"));
  EXPECT_EQ(Str(still.root, "orderStatus"), "New");

  // By orderLinkId (and orderId null, as cancel-order's example sends it).
  ExpectOk(Post("/v5/order/cancel",
                R"({"category":"spot","symbol":"BTCUSDT","orderId":null,"orderLinkId":"c-2"})"));
  EXPECT_EQ(Locked("USDT"), 0);
  // Finished, unknown, or of another symbol: "Order does not exist.".
  ExpectRefusal(Post("/v5/order/cancel",
                     R"({"category":"spot","symbol":"BTCUSDT","orderId":")" + id + R"("})"),
                170213, "Order does not exist.");
  ExpectRefusal(
      Post("/v5/order/cancel", R"({"category":"spot","symbol":"BTCUSDT","orderLinkId":"nope"})"),
      170213, "Order does not exist.");
  ExpectOk(Create(RestingBuy("c-3", M("0.01"))));
  ExpectRefusal(
      Post("/v5/order/cancel", R"({"category":"spot","symbol":"ETHUSDT","orderLinkId":"c-3"})"),
      170213, "Order does not exist.");
  ExpectRefusal(Post("/v5/order/cancel", R"({"category":"spot","symbol":"BTCUSDT"})"), 10001,
                "Request parameter error.");
}

TEST_F(BybitOrdersSimTest, RealtimeListsOpenOrdersAndRecentClosedOnesHistoryListsAll) {
  StartSim();
  ExpectOk(Create(RestingBuy("q-1", M("0.01"))));
  ExpectOk(Create(RestingBuy("q-2", M("0.01"), 110)));
  ExpectOk(Create(RestingBuy("q-3", M("0.01"), 120)));
  ExpectOk(
      Post("/v5/order/cancel", R"({"category":"spot","symbol":"BTCUSDT","orderLinkId":"q-2"})"));
  ExpectOk(Create(R"("side":"Buy","orderType":"Market","qty":"20","orderLinkId":"q-4")"));

  const auto links = [](const std::string& body) {
    Json json(body);
    std::vector<std::string> out;
    for (dom::element order : dom::array(json["result"]["list"])) {
      out.push_back(Str(order, "orderLinkId"));
    }
    return out;
  };
  // Open ones, newest first.
  EXPECT_EQ(links(ExpectOk(Get("/v5/order/realtime", "category=spot&symbol=BTCUSDT"))),
            (std::vector<std::string>{"q-3", "q-1"}));
  EXPECT_EQ(links(ExpectOk(Get("/v5/order/realtime", "category=spot&openOnly=1"))),
            (std::vector<std::string>{"q-4", "q-2"}));
  // Pages of one, by cursor.
  const std::string first_page = ExpectOk(Get("/v5/order/history", "category=spot&limit=1"));
  EXPECT_EQ(links(first_page), (std::vector<std::string>{"q-4"}));
  Json page(first_page);
  const std::string cursor = Str(page["result"], "nextPageCursor");
  ASSERT_FALSE(cursor.empty());
  std::vector<std::string> all = {"q-4"};
  std::string next = cursor;
  while (!next.empty()) {
    const std::string body =
        ExpectOk(Get("/v5/order/history", "category=spot&limit=1&cursor=" + next));
    for (const std::string& link : links(body)) all.push_back(link);
    Json more(body);
    next = Str(more["result"], "nextPageCursor");
    ASSERT_LE(all.size(), 4u);
  }
  EXPECT_EQ(all, (std::vector<std::string>{"q-4", "q-3", "q-2", "q-1"}));
  EXPECT_EQ(links(ExpectOk(Get("/v5/order/history", "category=spot&orderStatus=Cancelled"))),
            (std::vector<std::string>{"q-2"}));
  // By orderId, whatever its status; an unknown one is an empty list, not an error.
  Json q2(OrderByLink("q-2", "/v5/order/history"));
  EXPECT_EQ(links(ExpectOk(
                Get("/v5/order/realtime", "category=spot&orderId=" + Str(q2.root, "orderId")))),
            (std::vector<std::string>{"q-2"}));
  Json empty(ExpectOk(Get("/v5/order/realtime", "category=spot&orderLinkId=unknown")));
  EXPECT_EQ(dom::array(empty["result"]["list"]).size(), 0u);
  EXPECT_EQ(Str(empty["result"], "category"), "spot");
  // A history window that ends before the orders were made.
  EXPECT_TRUE(links(ExpectOk(Get("/v5/order/history",
                                 "category=spot&startTime=" + std::to_string(kStartMs - 10'000) +
                                     "&endTime=" + std::to_string(kStartMs - 1))))
                  .empty());
  ExpectRefusal(Get("/v5/order/history", "category=spot&startTime=1"), 10001,
                "Request parameter error.");
  ExpectRefusal(Get("/v5/order/realtime", "category=spot&limit=51"), 10001,
                "Request parameter error.");
  ExpectRefusal(Get("/v5/order/realtime", "symbol=BTCUSDT"), 10001, "Illegal category");
}

TEST_F(BybitOrdersSimTest, RealtimeKeepsThe500MostRecentClosedOrdersHistoryKeepsAll) {
  BybitDialectOptions dialect = DialectOptions();
  dialect.orders.limits.create_per_second = 0;
  dialect.orders.limits.realtime_per_second = 0;
  StartSim(SimOptions(), dialect);
  // FOK orders far under the ask: accepted, then Cancelled at once, nothing taken.
  for (int i = 0; i < 501; ++i) {
    ExpectOk(Create(R"("side":"Buy","orderType":"Limit","timeInForce":"FOK","qty":"0.01",)"
                    R"("price":"1000","orderLinkId":"old-)" +
                    std::to_string(i) + "\""));
  }
  Json evicted(ExpectOk(Get("/v5/order/realtime", "category=spot&orderLinkId=old-0")));
  EXPECT_EQ(dom::array(evicted["result"]["list"]).size(), 0u)
      << "only the 500 most recent closed orders stay in realtime";
  Json kept(OrderByLink("old-1"));
  EXPECT_EQ(Str(kept.root, "orderStatus"), "Cancelled");
  Json history(OrderByLink("old-0", "/v5/order/history"));
  EXPECT_EQ(Str(history.root, "orderStatus"), "Cancelled");
  EXPECT_EQ(Str(history.root, "rejectReason"), "EC_CancelForNoFullFill");
  Json page(ExpectOk(Get("/v5/order/realtime", "category=spot&openOnly=1&limit=50")));
  EXPECT_EQ(dom::array(page["result"]["list"]).size(), 50u);
  EXPECT_EQ(Str(dom::array(page["result"]["list"]).at(0), "orderLinkId"), "old-500");
  EXPECT_FALSE(Str(page["result"], "nextPageCursor").empty());
}

TEST_F(BybitOrdersSimTest, WalletBalanceListsNonZeroCoinsOrTheOnesAskedFor) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("ETH", 0));
  Json json(ExpectOk(Get("/v5/account/wallet-balance", "accountType=UNIFIED")));
  dom::element account = json["result"]["list"].at(0);
  EXPECT_EQ(Str(account, "accountType"), "UNIFIED");
  std::vector<std::string> coins;
  for (dom::element coin : dom::array(account["coin"])) coins.push_back(Str(coin, "coin"));
  EXPECT_EQ(coins, (std::vector<std::string>{"BTC", "USDT"})) << "ETH is zero: not listed";
  // Total equity: USDT at par and BTC at its mid.
  const BookLevels book = Book();
  const std::int64_t mid = (book.bids.front().price + book.asks.front().price) / 2;
  const std::int64_t total =
      Free("USDT") +
      static_cast<std::int64_t>(static_cast<core::Int128>(Free("BTC")) * mid / kUnit);
  EXPECT_EQ(Str(account, "totalEquity"), D(total));
  EXPECT_EQ(Str(account, "totalWalletBalance"), D(total));
  Json asked(ExpectOk(Get("/v5/account/wallet-balance", "accountType=UNIFIED&coin=ETH,XRP")));
  dom::array listed = asked["result"]["list"].at(0)["coin"];
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(Str(listed.at(0), "coin"), "ETH");
  EXPECT_EQ(Str(listed.at(0), "walletBalance"), "0");
  EXPECT_EQ(Str(listed.at(1), "coin"), "XRP");
  ExpectRefusal(Get("/v5/account/wallet-balance", ""), 10001, "Request parameter error.");
  ExpectRefusal(Get("/v5/account/wallet-balance", "accountType=SPOT"), 10001,
                "Request parameter error.");
}

// ---- authentication ----

TEST_F(BybitOrdersSimTest, EachAuthenticationRefusalHasBybitsCodeAndNothingIsPlaced) {
  StartSim();
  const std::string body =
      R"({"category":"spot","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"20"})";
  {
    Auth auth;
    auth.corrupt_sign = true;
    const auto response = Post("/v5/order/create", body, auth);
    ExpectRefusal(response, 10004,
                  "Error sign, please check your signature generation algorithm: origin_string[" +
                      std::to_string(kStartMs) + std::string(kSandboxApiKey) + "5000" + body + "]");
  }
  {
    Auth auth;
    auth.secret = "tdSandboxBybitSpotSecretXXXXXXXXXXXX";
    EXPECT_EQ(std::int64_t(Json(Post("/v5/order/create", body, auth).body)["retCode"]), 10004);
  }
  {
    Auth auth;
    auth.key = "UnknownKey00000000";
    ExpectRefusal(Post("/v5/order/create", body, auth), 10003, "API key is invalid.");
    auth.key.clear();
    ExpectRefusal(Post("/v5/order/create", body, auth), 10003, "API key is invalid.");
  }
  {
    // server_time - recv_window <= timestamp < server_time + 1000
    Auth stale;
    stale.timestamp = kStartMs - 5001;
    ExpectRefusal(Post("/v5/order/create", body, stale), 10002,
                  "invalid request, please check your server timestamp or recv_window param. "
                  "req_timestamp[" +
                      std::to_string(kStartMs - 5001) + "],server_timestamp[" +
                      std::to_string(kStartMs) + "],recv_window[5000]");
    Auth ahead;
    ahead.timestamp = kStartMs + 1000;
    EXPECT_EQ(std::int64_t(Json(Post("/v5/order/create", body, ahead).body)["retCode"]), 10002);
    Auth wide;
    wide.timestamp = kStartMs - 9000;
    wide.recv_window = "10000";
    const auto response = Get("/v5/order/realtime", "category=spot", wide);
    ExpectOk(response);
  }
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  // The edges of the window pass; without the header the window is 5000 and is not signed.
  Auth edge;
  edge.timestamp = kStartMs - 5000;
  ExpectOk(Post("/v5/order/create", body, edge));
  edge.timestamp = kStartMs + 999;
  edge.recv_window.reset();
  ExpectOk(Post("/v5/order/create", body, edge));
  // GET signs the query string as sent.
  Auth get_auth;
  get_auth.corrupt_sign = true;
  EXPECT_EQ(
      std::int64_t(
          Json(Get("/v5/account/wallet-balance", "accountType=UNIFIED", get_auth).body)["retCode"]),
      10004);
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
}

// ---- refusals ----

TEST_F(BybitOrdersSimTest, RefusalsCarryBybitsCodesAndTexts) {
  // More than 20 creates in the clock's one millisecond: no create limit here.
  BybitDialectOptions dialect = DialectOptions();
  dialect.orders.limits.create_per_second = 0;
  StartSim(SimOptions(), dialect);
  const BookLevels book = Book();
  const std::string bid = D(book.bids.front().price - 100 * kTick);
  const auto limit = [&](const std::string& qty, const std::string& price) {
    return R"("side":"Buy","orderType":"Limit","qty":")" + qty + R"(","price":")" + price + "\"";
  };
  ExpectRefusal(Create(limit("0.0000001", bid)), 170137, "Order volume decimal too long");
  ExpectRefusal(Create(limit("0.01", D(book.bids.front().price - 100 * kTick + kTick / 2))), 170134,
                "Order price decimal too long.");
  ExpectRefusal(Create(limit("0.00001", bid)), 170140, "Order value exceeded lower limit");
  ExpectRefusal(Create(limit("0", bid)), 170136, "Order quantity lower than the minimum.");
  ExpectRefusal(Create(limit("84", bid)), 170381, "Order quantity too large.");
  ExpectRefusal(Create(limit("0.01", "0")), 170133, "Order price lower than the minimum.");
  ExpectRefusal(Create(limit("abc", bid)), 170130, "Data sent for paramter 'qty' is not valid.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Limit","qty":"0.01")"), 170105,
                "Parameter 'price' was empty.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market")"), 170105,
                "Parameter 'qty' was empty.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market","qty":"1")"), 170140,
                "Order value exceeded lower limit");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market","qty":"10.00000001")"), 170148,
                "Market order amount decimal too long");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market","qty":"50","marketUnit":"baseCoin")"),
                170382, "Order quantity too large.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market","qty":0.001)"), 10001,
                "Request parameter error.");
  ExpectRefusal(Create(R"("side":"Long","orderType":"Market","qty":"20")"), 170117,
                "Invalid side.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Stop","qty":"20")"), 170116,
                "Invalid orderType.");
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"timeInForce":"GTD")")), 170115,
                "Invalid timeInForce.");
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"orderLinkId":"has space")")), 170130,
                "Data sent for paramter 'orderLinkId' is not valid.");
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"triggerPrice":"50000")")), 170227,
                "This feature is not supported.");
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"isLeverage":1)")), 170036,
                "You haven't enabled Cross Margin Trading yet. To do so, please head to the PC "
                "trading site or the Bybit app");
  ExpectRefusal(
      Post(
          "/v5/order/create",
          R"({"category":"spot","symbol":"DOGEUSDT","side":"Buy","orderType":"Market","qty":"20"})"),
      170121, "Invalid symbol.");
  ExpectRefusal(
      Post(
          "/v5/order/create",
          R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Market","qty":"20"})"),
      10001, "Illegal category");
  ExpectRefusal(Post("/v5/order/create", "category=spot"), 10001, "Request parameter error.");
  EXPECT_EQ(Get("/v5/order/create", "category=spot").status, 404) << "create is a POST";
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  // A duplicate orderLinkId, also of a finished order.
  ExpectOk(Create(limit("0.01", bid).append(R"(,"orderLinkId":"dup-1")")));
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"orderLinkId":"dup-1")")), 170141,
                "Duplicate clientOrderId");
  ExpectOk(
      Post("/v5/order/cancel", R"({"category":"spot","symbol":"BTCUSDT","orderLinkId":"dup-1"})"));
  ExpectRefusal(Create(limit("0.01", bid).append(R"(,"orderLinkId":"dup-1")")), 170141,
                "Duplicate clientOrderId");

  // Insufficient balance: nothing is placed, nothing moves.
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("100")));
  ExpectRefusal(Create(limit("0.01", bid)), 170131, "Insufficient balance.");
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Market","qty":"101")"), 170131,
                "Insufficient balance.");
  ASSERT_TRUE(sim_->SetSandboxBalance("BTC", M("0.001")));
  ExpectRefusal(Create(R"("side":"Sell","orderType":"Market","qty":"0.002")"), 170131,
                "Insufficient balance.");
  EXPECT_EQ(Free("USDT"), M("100"));
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

// ---- rate limits and faults ----

TEST_F(BybitOrdersSimTest, EndpointsHaveTheirOwnRollingSecondLimits) {
  BybitDialectOptions dialect = DialectOptions();
  dialect.orders.limits.create_per_second = 2;
  dialect.orders.limits.realtime_per_second = 1;
  StartSim(SimOptions(), dialect);
  const std::string body = RestingBuy("", M("0.01"));
  const std::string order = body.substr(0, body.find(R"(,"orderLinkId")"));
  const auto first = Create(order);
  ExpectOk(first);
  EXPECT_EQ(first.Header("X-Bapi-Limit"), "2");
  EXPECT_EQ(first.Header("X-Bapi-Limit-Status"), "1");
  clock_.Advance(400'000'000);  // 400 ms
  const auto second = Create(order);
  ExpectOk(second);
  EXPECT_EQ(second.Header("X-Bapi-Limit-Status"), "0");
  EXPECT_EQ(second.Header("X-Bapi-Limit-Reset-Timestamp"), std::to_string(kStartMs + 400));
  const auto third = Create(order);
  ExpectRefusal(third, 10006, "Too many visits!");
  EXPECT_EQ(third.Header("X-Bapi-Limit"), "2");
  EXPECT_EQ(third.Header("X-Bapi-Limit-Status"), "0");
  EXPECT_EQ(third.Header("X-Bapi-Limit-Reset-Timestamp"), std::to_string(kStartMs + 1000));
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
  // Another endpoint counts on its own.
  ExpectOk(Get("/v5/order/realtime", "category=spot"));
  ExpectRefusal(Get("/v5/order/realtime", "category=spot"), 10006, "Too many visits!");
  // The first request leaves the window after a second: one slot again, then none.
  clock_.Advance(600'000'000);
  ExpectOk(Create(order));
  ExpectRefusal(Create(order), 10006, "Too many visits!");
  EXPECT_EQ(sim_->SandboxOrders().size(), 3u);
  // An unauthenticated request is refused before it counts.
  clock_.Advance(1'000'000'000);
  Auth bad;
  bad.corrupt_sign = true;
  EXPECT_EQ(std::int64_t(Json(Post("/v5/order/create",
                                   R"({"category":"spot","symbol":"BTCUSDT",)" + order + "}", bad)
                                  .body)["retCode"]),
            10004);
  ExpectOk(Create(order));
  ExpectOk(Create(order));
}

TEST_F(BybitOrdersSimTest, InjectedRateLimitAnswersTooManyVisitsUntilRetryAfter) {
  StartSim();
  const std::string order = R"("side":"Buy","orderType":"Market","qty":"20")";
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 3s));
  const auto limited = Create(order);
  ExpectRefusal(limited, 10006, "Too many visits!");
  EXPECT_EQ(limited.Header("Retry-After"), "3");
  EXPECT_EQ(limited.Header("X-Bapi-Limit-Reset-Timestamp"), std::to_string(kStartMs + 3000));
  clock_.Advance(2'000'000'000);
  const auto again = Create(order);
  ExpectRefusal(again, 10006, "Too many visits!");
  EXPECT_EQ(again.Header("Retry-After"), "1");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock_.Advance(1'000'000'000);
  ExpectOk(Create(order));
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(BybitOrdersSimTest, InjectedServerErrorsAnswerServerErrorWithOrWithoutTheOrder) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError));
  const auto failed =
      Create(R"("side":"Buy","orderType":"Market","qty":"20","orderLinkId":"se-1")");
  EXPECT_EQ(failed.status, 500);
  Json body(failed.body);
  EXPECT_EQ(std::int64_t(body["retCode"]), 10016);
  EXPECT_EQ(Str(body.root, "retMsg"), "Server error.");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  Json none(ExpectOk(Get("/v5/order/realtime", "category=spot&orderLinkId=se-1")));
  EXPECT_EQ(dom::array(none["result"]["list"]).size(), 0u);

  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  const auto accepted =
      Create(R"("side":"Buy","orderType":"Market","qty":"20","orderLinkId":"se-2")");
  EXPECT_EQ(accepted.status, 500);
  EXPECT_EQ(std::int64_t(Json(accepted.body)["retCode"]), 10016);
  Json placed(OrderByLink("se-2"));
  EXPECT_EQ(Str(placed.root, "orderStatus"), "Filled");
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(BybitOrdersSimTest, AcceptThenTimeoutPlacesTheOrderExactlyOnce) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  auto result = SendOn(impatient, Signed("POST", "/v5/order/create",
                                         R"({"category":"spot","symbol":"BTCUSDT","side":"Buy",)"
                                         R"("orderType":"Limit","qty":"0.01","price":"1000",)"
                                         R"("orderLinkId":"to-1"})"));
  EXPECT_FALSE(result.ok()) << "the answer never comes";
  Json order(OrderByLink("to-1"));
  EXPECT_EQ(Str(order.root, "orderStatus"), "New");
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].client_order_id, "to-1");
  // A retry with the same orderLinkId is a duplicate, not a second order.
  ExpectRefusal(Create(R"("side":"Buy","orderType":"Limit","qty":"0.01","price":"1000",)"
                       R"("orderLinkId":"to-1")"),
                170141, "Duplicate clientOrderId");
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

// ---- the public feed ----

TEST_F(BybitOrdersSimTest, ATakersTradeAppearsOnThePublicTradeStream) {
  StartSim();
  Recorder& recorder = *recorders_.emplace_back(std::make_unique<Recorder>());
  net::WebSocketClientOptions options;
  options.url = sim_->ws_url();
  options.silence_timeout = 30s;
  options.verify_peer = false;
  ws_.push_back(std::make_unique<net::WebSocketClient>(client_io_.io(), options, recorder));
  net::WebSocketClient* client = ws_.back().get();
  client_io_.Run([client] { client->Start(); });
  ASSERT_TRUE(recorder.WaitFor([](auto&, int opens) { return opens >= 1; }));
  client_io_.Run(
      [client] { return client->Send(R"({"op":"subscribe","args":["publicTrade.BTCUSDT"]})"); });
  ASSERT_TRUE(recorder.WaitFor([](const std::vector<std::string>& messages, int) {
    return std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
      return m.find("\"success\":true") != std::string::npos;
    });
  }));

  const BookLevel best = Book().asks.front();
  ExpectOk(Create(R"("side":"Buy","orderType":"Market","marketUnit":"baseCoin","qty":")" +
                  D(best.quantity) + R"(","orderLinkId":"pub-1")"));
  EXPECT_TRUE(recorder.WaitFor([&](const std::vector<std::string>& messages, int) {
    dom::parser parser;
    for (const std::string& text : messages) {
      dom::element frame = parser.parse(text);
      std::string_view topic;
      if (frame["topic"].get(topic) != simdjson::SUCCESS || topic != "publicTrade.BTCUSDT")
        continue;
      for (dom::element trade : dom::array(frame["data"])) {
        if (Str(trade, "S") == "Buy" && Str(trade, "p") == D(best.price) &&
            Str(trade, "v") == D(best.quantity)) {
          return true;
        }
      }
    }
    return false;
  }));
}

}  // namespace
}  // namespace tradingd::sim::bybit
