// The sandbox Binance venue's spot order entry end to end: a BinanceSim on 127.0.0.1:0 with its
// own io thread and a ManualClock, a net::HttpClient on a second io thread, every request signed
// here with OpenSSL's one-shot HMAC() (not with the venue's or the gateway's signing code). The
// market starts paused, so the books stand still and every fill is computed from BookSnapshot().
// Nothing sleeps to synchronize: every wait has a deadline that fails the test.

#include "sim/binance/binance_orders_sim.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "sim/binance/binance_sim.h"
#include "sim/common/sim_support.h"
#include "tests/support/fixtures.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim::binance {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;

constexpr auto kDeadline = 10s;
// 2024-08-09T00:00:05Z: five seconds into a minute, a 10-second window and a UTC day.
constexpr std::int64_t kMidnightMs = 1'723'161'600'000;
constexpr std::int64_t kStartMs = kMidnightMs + 5'000;
constexpr std::int64_t kTick = 1'000'000;  // BTCUSDT 0.01
constexpr std::int64_t kLot = 1'000;       // BTCUSDT 0.00001
constexpr std::int64_t kUnit = 100'000'000;

// ---- helpers ----

std::int64_t M(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}
// As a client writes it ("0.01"), and as Binance answers it ("0.01000000").
std::string D(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }
std::string D8(std::int64_t mantissa) {
  return core::FormatDecimal(mantissa, kSimScale, kSimScale);
}
std::int64_t CeilDiv(core::Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}
// Binance's fee of a buy: 0.1 % of the base received, rounded up to 8 decimals.
std::int64_t FeeOf(std::int64_t base) { return CeilDiv(base, 1000); }

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
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Json(const std::string& text) { root = parser.parse(text); }
  simdjson::dom::element operator[](std::string_view key) const { return root[key]; }
};

std::string_view Str(simdjson::dom::element e, std::string_view key) {
  return std::string_view(e[key]);
}
std::int64_t Int(simdjson::dom::element e, std::string_view key) { return std::int64_t(e[key]); }
std::vector<std::string> Keys(simdjson::dom::element e) {
  std::vector<std::string> keys;
  for (auto field : simdjson::dom::object(e)) keys.emplace_back(field.key);
  return keys;
}

const std::vector<std::string> kFullKeys = {"symbol",
                                            "orderId",
                                            "orderListId",
                                            "clientOrderId",
                                            "transactTime",
                                            "price",
                                            "origQty",
                                            "executedQty",
                                            "origQuoteOrderQty",
                                            "cummulativeQuoteQty",
                                            "status",
                                            "timeInForce",
                                            "type",
                                            "side",
                                            "workingTime",
                                            "selfTradePreventionMode",
                                            "fills"};
const std::vector<std::string> kAckKeys = {"symbol", "orderId", "orderListId", "clientOrderId",
                                           "transactTime"};
const std::vector<std::string> kQueryKeys = {"symbol",
                                             "orderId",
                                             "orderListId",
                                             "clientOrderId",
                                             "price",
                                             "origQty",
                                             "executedQty",
                                             "cummulativeQuoteQty",
                                             "status",
                                             "timeInForce",
                                             "type",
                                             "side",
                                             "stopPrice",
                                             "icebergQty",
                                             "time",
                                             "updateTime",
                                             "isWorking",
                                             "workingTime",
                                             "origQuoteOrderQty",
                                             "selfTradePreventionMode"};
const std::vector<std::string> kCancelKeys = {"symbol",
                                              "origClientOrderId",
                                              "orderId",
                                              "orderListId",
                                              "clientOrderId",
                                              "transactTime",
                                              "price",
                                              "origQty",
                                              "executedQty",
                                              "origQuoteOrderQty",
                                              "cummulativeQuoteQty",
                                              "status",
                                              "timeInForce",
                                              "type",
                                              "side",
                                              "selfTradePreventionMode"};

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
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
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

class OrdersSimTest : public ::testing::Test {
 protected:
  // Paused (a still book), on the manual clock, no pings.
  BinanceSimOptions Options() {
    BinanceSimOptions options;
    options.start_paused = true;
    options.clock = &clock_;
    options.ping_interval = 0ms;
    return options;
  }

  void StartSim(BinanceSimOptions options) {
    sim_ = std::make_unique<BinanceSim>(sim_io_.io(), std::move(options));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    http_ = NewClient(kDeadline);
  }
  void StartSim() { StartSim(Options()); }

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
    options.base_url = sim_->http_base_url();
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

  net::HttpClientResponse Send(const std::string& method, const std::string& target,
                               std::string body = {}, net::HeaderList headers = {}) {
    net::HttpClientRequest request;
    request.method = method;
    request.target = target;
    request.body = std::move(body);
    request.headers = std::move(headers);
    if (!request.body.empty()) {
      request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    }
    auto result = SendOn(http_, std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : net::HttpClientResponse{};
  }

  std::string Now() const { return std::to_string(clock_.NowNs() / 1'000'000); }

  // `params` + timestamp, signed in the query string, with the sandbox key.
  net::HttpClientRequest SignedRequest(const std::string& method, const std::string& path,
                                       const std::string& params) {
    const std::string total = params + (params.empty() ? "" : "&") + "timestamp=" + Now();
    net::HttpClientRequest request;
    request.method = method;
    request.target = path + "?" + total + "&signature=" + Hmac(kSandboxApiSecret, total);
    request.headers.emplace_back("X-MBX-APIKEY", std::string(kSandboxApiKey));
    return request;
  }

  net::HttpClientResponse Signed(const std::string& method, const std::string& path,
                                 const std::string& params) {
    net::HttpClientRequest request = SignedRequest(method, path, params);
    return Send(request.method, request.target, {}, request.headers);
  }

  // The query string exactly as given (its own timestamp and signature), with a key header.
  net::HttpClientResponse Raw(const std::string& method, const std::string& path,
                              const std::string& signed_params,
                              std::string key = std::string(kSandboxApiKey)) {
    net::HeaderList headers;
    if (!key.empty()) headers.emplace_back("X-MBX-APIKEY", key);
    return Send(method,
                path + "?" + signed_params + "&signature=" + Hmac(kSandboxApiSecret, signed_params),
                {}, headers);
  }

  net::HttpClientResponse Place(const std::string& params) {
    return Signed("POST", "/api/v3/order", params);
  }

  // A LIMIT buy `ticks` ticks below the best bid: it rests.
  std::string RestingBuy(const std::string& client_id, std::int64_t quantity = 1'000'000,
                         int ticks = 100) {
    const auto book = sim_->BookSnapshot("BTCUSDT");
    return "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=" + D(quantity) +
           "&price=" + D(book->bids.front().price - ticks * kTick) +
           "&newClientOrderId=" + client_id;
  }

  static int Code(const net::HttpClientResponse& response) {
    Json json(response.body);
    return static_cast<int>(Int(json.root, "code"));
  }
  static std::string Msg(const net::HttpClientResponse& response) {
    Json json(response.body);
    return std::string(Str(json.root, "msg"));
  }
  // Expects Binance's error answer.
  static void ExpectError(const net::HttpClientResponse& response, int status, int code,
                          std::string_view msg) {
    EXPECT_EQ(response.status, status) << response.body;
    if (response.body.find("\"code\"") == std::string::npos) {
      ADD_FAILURE() << "not an error body: " << response.body;
      return;
    }
    EXPECT_EQ(Code(response), code) << response.body;
    EXPECT_EQ(Msg(response), msg) << response.body;
  }

  std::int64_t Free(std::string_view asset) { return sim_->SandboxBalance(asset).value().free; }
  std::int64_t Locked(std::string_view asset) { return sim_->SandboxBalance(asset).value().locked; }

  core::ManualClock clock_{kStartMs * 1'000'000};
  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<BinanceSim> sim_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  net::HttpClient* http_ = nullptr;
  std::vector<std::unique_ptr<net::WebSocketClient>> ws_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
};

// ---- orders, their answers and the balances ----

TEST_F(OrdersSimTest, MarketBuyAnswersFullAndMovesBalancesByExactlyItsFillsAndFees) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));
  const auto book = sim_->BookSnapshot("BTCUSDT");
  ASSERT_TRUE(book.has_value());
  ASSERT_GE(book->asks.size(), 2u);
  // The whole best level and one lot of the next: two fills.
  const BookLevel first = book->asks[0];
  const BookLevel second = book->asks[1];
  const std::int64_t quantity = first.quantity + kLot;
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");

  const auto response = Place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=" + D(quantity) +
                              "&newClientOrderId=mkt-1");
  ASSERT_EQ(response.status, 200) << response.body;
  Json order(response.body);
  EXPECT_EQ(Keys(order.root), kFullKeys) << "MARKET defaults to FULL, in Binance's key order";
  EXPECT_EQ(Str(order.root, "symbol"), "BTCUSDT");
  EXPECT_GT(Int(order.root, "orderId"), 0);
  EXPECT_EQ(Int(order.root, "orderListId"), -1);
  EXPECT_EQ(Str(order.root, "clientOrderId"), "mkt-1");
  EXPECT_EQ(Int(order.root, "transactTime"), kStartMs);
  EXPECT_EQ(Str(order.root, "price"), "0.00000000");
  EXPECT_EQ(Str(order.root, "origQty"), D8(quantity));
  EXPECT_EQ(Str(order.root, "executedQty"), D8(quantity));
  EXPECT_EQ(Str(order.root, "origQuoteOrderQty"), "0.00000000");
  EXPECT_EQ(Str(order.root, "status"), "FILLED");
  EXPECT_EQ(Str(order.root, "timeInForce"), "GTC");
  EXPECT_EQ(Str(order.root, "type"), "MARKET");
  EXPECT_EQ(Str(order.root, "side"), "BUY");
  EXPECT_EQ(Int(order.root, "workingTime"), kStartMs);
  EXPECT_EQ(Str(order.root, "selfTradePreventionMode"), "EXPIRE_MAKER");

  const core::Int128 exact_quote = static_cast<core::Int128>(first.price) * first.quantity +
                                   static_cast<core::Int128>(second.price) * kLot;
  const std::int64_t quote = CeilDiv(exact_quote, kUnit);
  EXPECT_EQ(Str(order.root, "cummulativeQuoteQty"), D8(quote));
  simdjson::dom::array fills = order["fills"];
  ASSERT_EQ(fills.size(), 2u);
  const std::vector<std::string> fill_keys = {"price", "qty", "commission", "commissionAsset",
                                              "tradeId"};
  EXPECT_EQ(Keys(fills.at(0)), fill_keys);
  EXPECT_EQ(Str(fills.at(0), "price"), D8(first.price));
  EXPECT_EQ(Str(fills.at(0), "qty"), D8(first.quantity));
  EXPECT_EQ(Str(fills.at(0), "commission"), D8(FeeOf(first.quantity)));
  EXPECT_EQ(Str(fills.at(0), "commissionAsset"), "BTC");
  EXPECT_EQ(Str(fills.at(1), "price"), D8(second.price));
  EXPECT_EQ(Str(fills.at(1), "qty"), D8(kLot));
  // The order's cumulative fee is rounded up once: the second fill pays what is left of it.
  EXPECT_EQ(Str(fills.at(1), "commission"), D8(FeeOf(quantity) - FeeOf(first.quantity)));
  EXPECT_GT(Int(fills.at(1), "tradeId"), Int(fills.at(0), "tradeId"));

  EXPECT_EQ(Free("USDT"), usdt_before - quote);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - FeeOf(quantity));
  EXPECT_EQ(Locked("USDT"), 0);
  // The account endpoint says the same.
  const auto account = Signed("GET", "/api/v3/account", "omitZeroBalances=true");
  ASSERT_EQ(account.status, 200) << account.body;
  Json json(account.body);
  bool seen = false;
  for (simdjson::dom::element balance : simdjson::dom::array(json["balances"])) {
    if (Str(balance, "asset") == "BTC") {
      seen = true;
      EXPECT_EQ(Str(balance, "free"), D8(btc_before + quantity - FeeOf(quantity)));
      EXPECT_EQ(Str(balance, "locked"), "0.00000000");
    }
  }
  EXPECT_TRUE(seen);
  // The venue keeps it once, with those fills.
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].client_order_id, "mkt-1");
  EXPECT_EQ(orders[0].fills.size(), 2u);
}

TEST_F(OrdersSimTest, MarketBuyByQuoteOrderQuantitySpendsNoMoreThanAsked) {
  StartSim();
  const std::int64_t usdt_before = Free("USDT");
  const auto response =
      Place("symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=100&newOrderRespType=RESULT");
  ASSERT_EQ(response.status, 200) << response.body;
  Json order(response.body);
  std::vector<std::string> result_keys = kFullKeys;
  result_keys.pop_back();  // RESULT: no fills
  EXPECT_EQ(Keys(order.root), result_keys);
  EXPECT_EQ(Str(order.root, "status"), "FILLED");
  EXPECT_EQ(Str(order.root, "origQuoteOrderQty"), "100.00000000");
  const std::int64_t spent = M(Str(order.root, "cummulativeQuoteQty"));
  EXPECT_GT(spent, M("99"));
  EXPECT_LE(spent, M("100"));
  EXPECT_EQ(Str(order.root, "origQty"), Str(order.root, "executedQty"));
  EXPECT_EQ(M(Str(order.root, "executedQty")) % kLot, 0);
  EXPECT_EQ(Free("USDT"), usdt_before - spent);
}

TEST_F(OrdersSimTest, RestingLimitFilledByCrossShowsInQueryAndMyTrades) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::int64_t price = book->bids.front().price - 100 * kTick;
  const std::int64_t quantity = M("0.01");
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  const auto placed =
      Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" + D(price) +
            "&newClientOrderId=rest-1");
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  EXPECT_EQ(Keys(order.root), kFullKeys) << "LIMIT defaults to FULL";
  EXPECT_EQ(Str(order.root, "status"), "NEW");
  EXPECT_EQ(Str(order.root, "price"), D8(price));
  EXPECT_EQ(Str(order.root, "executedQty"), "0.00000000");
  EXPECT_EQ(simdjson::dom::array(order["fills"]).size(), 0u);
  const std::int64_t order_id = Int(order.root, "orderId");
  // A buy locks its notional (fees are paid in the base received).
  const std::int64_t notional = CeilDiv(static_cast<core::Int128>(price) * quantity, kUnit);
  EXPECT_EQ(Locked("USDT"), notional);
  EXPECT_EQ(Free("USDT"), usdt_before - notional);

  auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=" + std::to_string(order_id));
  ASSERT_EQ(query.status, 200) << query.body;
  {
    Json q(query.body);
    EXPECT_EQ(Keys(q.root), kQueryKeys);
    EXPECT_EQ(Str(q.root, "status"), "NEW");
    EXPECT_EQ(Str(q.root, "clientOrderId"), "rest-1");
    EXPECT_EQ(Str(q.root, "stopPrice"), "0.00000000");
    EXPECT_EQ(Str(q.root, "icebergQty"), "0.00000000");
    EXPECT_EQ(Int(q.root, "time"), kStartMs);
    EXPECT_EQ(Int(q.root, "updateTime"), kStartMs);
    EXPECT_TRUE(bool(q["isWorking"]));
    EXPECT_EQ(Int(q.root, "workingTime"), kStartMs);
  }
  auto open = Signed("GET", "/api/v3/openOrders", "symbol=BTCUSDT");
  ASSERT_EQ(open.status, 200) << open.body;
  {
    Json list(open.body);
    ASSERT_EQ(simdjson::dom::array(list.root).size(), 1u);
    EXPECT_EQ(Int(simdjson::dom::array(list.root).at(0), "orderId"), order_id);
  }

  clock_.Advance(1'000'000'000);
  ASSERT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kSell, M("1")), quantity);

  query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=rest-1");
  ASSERT_EQ(query.status, 200) << query.body;
  {
    Json q(query.body);
    EXPECT_EQ(Str(q.root, "status"), "FILLED");
    EXPECT_EQ(Str(q.root, "executedQty"), "0.01000000");
    EXPECT_EQ(Str(q.root, "cummulativeQuoteQty"), D8(notional));
    EXPECT_EQ(Int(q.root, "updateTime"), kStartMs + 1000);
  }
  const auto trades = Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT");
  ASSERT_EQ(trades.status, 200) << trades.body;
  Json list(trades.body);
  ASSERT_EQ(simdjson::dom::array(list.root).size(), 1u);
  simdjson::dom::element trade = simdjson::dom::array(list.root).at(0);
  EXPECT_EQ(Keys(trade),
            (std::vector<std::string>{"symbol", "id", "orderId", "orderListId", "price", "qty",
                                      "quoteQty", "commission", "commissionAsset", "time",
                                      "isBuyer", "isMaker", "isBestMatch"}));
  EXPECT_EQ(Str(trade, "symbol"), "BTCUSDT");
  EXPECT_EQ(Int(trade, "orderId"), order_id);
  EXPECT_EQ(Int(trade, "orderListId"), -1);
  EXPECT_EQ(Str(trade, "price"), D8(price));
  EXPECT_EQ(Str(trade, "qty"), "0.01000000");
  EXPECT_EQ(Str(trade, "quoteQty"), D8(notional));
  EXPECT_EQ(Str(trade, "commission"), D8(FeeOf(quantity)));
  EXPECT_EQ(Str(trade, "commissionAsset"), "BTC");
  EXPECT_EQ(Int(trade, "time"), kStartMs + 1000);
  EXPECT_TRUE(bool(trade["isBuyer"]));
  EXPECT_TRUE(bool(trade["isMaker"]));
  EXPECT_TRUE(bool(trade["isBestMatch"]));
  EXPECT_EQ(
      Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=" + std::to_string(order_id)).body,
      trades.body);
  EXPECT_EQ(Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=999999").body, "[]");

  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Free("USDT"), usdt_before - notional);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - FeeOf(quantity));
  EXPECT_EQ(Signed("GET", "/api/v3/openOrders", "symbol=BTCUSDT").body, "[]");
}

TEST_F(OrdersSimTest, ImmediateOrCancelFillOrKillAndLimitMaker) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));  // the best level may be large
  auto book = sim_->BookSnapshot("BTCUSDT");
  const BookLevel best = book->asks.front();
  // IOC through the best level: takes it, the rest expires.
  auto response = Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&quantity=" +
                        D(best.quantity + kLot) + "&price=" + D(best.price));
  ASSERT_EQ(response.status, 200) << response.body;
  {
    Json order(response.body);
    EXPECT_EQ(Str(order.root, "status"), "EXPIRED");
    EXPECT_EQ(Str(order.root, "timeInForce"), "IOC");
    EXPECT_EQ(Str(order.root, "executedQty"), D8(best.quantity));
    EXPECT_EQ(simdjson::dom::array(order["fills"]).size(), 1u);
  }
  // FOK below the market: nothing, EXPIRED.
  book = sim_->BookSnapshot("BTCUSDT");
  response = Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK&quantity=0.01&price=" +
                   D(book->bids.front().price - 10 * kTick));
  ASSERT_EQ(response.status, 200) << response.body;
  {
    Json order(response.body);
    EXPECT_EQ(Str(order.root, "status"), "EXPIRED");
    EXPECT_EQ(Str(order.root, "executedQty"), "0.00000000");
  }
  // LIMIT_MAKER at the ask would take: refused.
  response = Place("symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=" +
                   D(book->asks.front().price));
  ExpectError(response, 400, -2010, "Order would immediately match and take.");
  // Below the bid it rests; LIMIT_MAKER answers ACK by default.
  response = Place("symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.01&price=" +
                   D(book->bids.front().price - kTick) + "&newClientOrderId=maker-1");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Keys(Json(response.body).root), kAckKeys);
  const auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=maker-1");
  Json q(query.body);
  EXPECT_EQ(Str(q.root, "type"), "LIMIT_MAKER");
  EXPECT_EQ(Str(q.root, "timeInForce"), "GTC");
  EXPECT_EQ(Str(q.root, "status"), "NEW");
}

TEST_F(OrdersSimTest, StopOrdersWaitForTheirStopThenWork) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::int64_t bid = book->bids.front().price;
  const std::int64_t ask = book->asks.front().price;
  // Each waits: sell stops below the market, take-profit sells above, take-profit buys below.
  auto response = Place("symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&stopPrice=" +
                        D(bid - 50 * kTick) + "&newClientOrderId=sl");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Keys(Json(response.body).root), kAckKeys) << "stop types default to ACK";
  response = Place(
      "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT&timeInForce=GTC&quantity=0.01&stopPrice=" +
      D(bid - 50 * kTick) + "&price=" + D(bid - 60 * kTick) + "&newOrderRespType=RESULT");
  ASSERT_EQ(response.status, 200) << response.body;
  {
    Json order(response.body);
    std::vector<std::string> keys = kFullKeys;
    keys.pop_back();
    keys.insert(keys.begin() + 14, "stopPrice");  // after side, before workingTime
    EXPECT_EQ(Keys(order.root), keys);
    EXPECT_EQ(Str(order.root, "stopPrice"), D8(bid - 50 * kTick));
    EXPECT_EQ(Int(order.root, "workingTime"), -1) << "not working until triggered";
    EXPECT_EQ(Str(order.root, "status"), "NEW");
  }
  response = Place("symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&quantity=0.01&stopPrice=" +
                   D(ask + 50 * kTick) + "&newClientOrderId=tp");
  ASSERT_EQ(response.status, 200) << response.body;
  response = Place(
      "symbol=BTCUSDT&side=BUY&type=TAKE_PROFIT_LIMIT&timeInForce=GTC&quantity=0.01&stopPrice=" +
      D(bid - 50 * kTick) + "&price=" + D(bid - 40 * kTick));
  ASSERT_EQ(response.status, 200) << response.body;
  // A sell stop above the market would trigger at once.
  ExpectError(Place("symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&stopPrice=" +
                    D(ask + 10 * kTick)),
              400, -2010, "Order would trigger immediately.");
  // Missing the stop price, or sending one to a LIMIT order.
  ExpectError(Place("symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&quantity=0.01"), 400, -1102,
              "Mandatory parameter 'stopPrice' was not sent, was empty/null, or malformed.");
  ExpectError(Place("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" +
                    D(ask) + "&stopPrice=" + D(ask)),
              400, -1106, "Parameter 'stopPrice' sent when not required.");

  auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=tp");
  {
    Json q(query.body);
    EXPECT_EQ(Str(q.root, "type"), "TAKE_PROFIT");
    EXPECT_EQ(Str(q.root, "status"), "NEW");
    EXPECT_FALSE(bool(q["isWorking"]));
    EXPECT_EQ(Int(q.root, "workingTime"), -1);
    EXPECT_EQ(Str(q.root, "stopPrice"), D8(ask + 50 * kTick));
  }
  EXPECT_EQ(
      simdjson::dom::array(Json(Signed("GET", "/api/v3/openOrders", "symbol=BTCUSDT").body).root)
          .size(),
      4u);

  // A resting sell at the take-profit's stop, crossed: the last price reaches the stop, the
  // TAKE_PROFIT becomes a market sell and fills against the bids.
  clock_.Advance(2'000'000'000);
  response = Place("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.01&price=" +
                   D(ask + 50 * kTick));
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kBuy, M("0.01")), M("0.01"));
  query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=tp");
  {
    Json q(query.body);
    EXPECT_EQ(Str(q.root, "status"), "FILLED");
    EXPECT_TRUE(bool(q["isWorking"]));
    EXPECT_EQ(Int(q.root, "workingTime"), kStartMs + 2000);
    EXPECT_EQ(Str(q.root, "executedQty"), "0.01000000");
  }
  query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=sl");
  EXPECT_EQ(Str(Json(query.body).root, "status"), "NEW") << "the stop-loss still waits";

  // MAX_NUM_ALGO_ORDERS: five open stops at most.
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(Place("symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&stopPrice=" +
                    D(bid - (70 + i) * kTick))
                  .status,
              200);
  }
  ExpectError(Place("symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.01&stopPrice=" +
                    D(bid - 80 * kTick)),
              400, -1013, "Filter failure: MAX_NUM_ALGO_ORDERS");
}

TEST_F(OrdersSimTest, CancelQueryAndTheirRefusals) {
  StartSim();
  const std::int64_t usdt_before = Free("USDT");
  auto first = Place(RestingBuy("c-1"));
  ASSERT_EQ(first.status, 200) << first.body;
  const std::string id1 = std::to_string(Int(Json(first.body).root, "orderId"));
  auto second = Place(RestingBuy("c-2"));
  ASSERT_EQ(second.status, 200) << second.body;
  const std::string id2 = std::to_string(Int(Json(second.body).root, "orderId"));

  clock_.Advance(500'000'000);
  auto cancel = Signed("DELETE", "/api/v3/order",
                       "symbol=BTCUSDT&orderId=" + id1 + "&newClientOrderId=cancel-1");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  {
    Json c(cancel.body);
    EXPECT_EQ(Keys(c.root), kCancelKeys);
    EXPECT_EQ(Str(c.root, "origClientOrderId"), "c-1");
    EXPECT_EQ(Str(c.root, "clientOrderId"), "cancel-1");
    EXPECT_EQ(Str(c.root, "status"), "CANCELED");
    EXPECT_EQ(Int(c.root, "transactTime"), kStartMs + 500);
    EXPECT_EQ(Str(c.root, "executedQty"), "0.00000000");
  }
  ExpectError(Signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=" + id1), 400, -2011,
              "Unknown order sent.");
  EXPECT_EQ(Str(Json(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=" + id1).body).root,
                "status"),
            "CANCELED");
  ExpectError(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=999999"), 400, -2013,
              "Order does not exist.");
  ExpectError(Signed("GET", "/api/v3/order", "symbol=ETHUSDT&orderId=" + id2), 400, -2013,
              "Order does not exist.");
  ExpectError(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=nobody"), 400, -2013,
              "Order does not exist.");
  ExpectError(
      Signed("GET", "/api/v3/order", "symbol=BTCUSDT&orderId=" + id2 + "&origClientOrderId=c-1"),
      400, -2039, "Client order ID is not correct for this order ID.");
  ExpectError(Signed("DELETE", "/api/v3/order", "symbol=BTCUSDT"), 400, -1102,
              "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  ExpectError(
      Signed("DELETE", "/api/v3/order",
             "symbol=BTCUSDT&origClientOrderId=c-2&cancelRestrictions=ONLY_PARTIALLY_FILLED"),
      400, -2011, "Order was not canceled due to cancel restrictions.");
  ExpectError(Signed("DELETE", "/api/v3/order",
                     "symbol=BTCUSDT&origClientOrderId=c-2&cancelRestrictions=SOMETIMES"),
              400, -1145,
              "`cancelRestrictions` has to be either `ONLY_NEW` or `ONLY_PARTIALLY_FILLED`.");
  ExpectError(Signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&orderId=" + id2 + "&extra=1"), 400,
              -1104, "Not all sent parameters were read; read '4' parameter(s) but was sent '5'.");

  ASSERT_EQ(Place(RestingBuy("c-3")).status, 200);
  const auto all = Signed("DELETE", "/api/v3/openOrders", "symbol=BTCUSDT");
  ASSERT_EQ(all.status, 200) << all.body;
  {
    Json list(all.body);
    simdjson::dom::array canceled = list.root;
    ASSERT_EQ(canceled.size(), 2u);
    EXPECT_EQ(Str(canceled.at(0), "origClientOrderId"), "c-2");
    EXPECT_EQ(Str(canceled.at(1), "origClientOrderId"), "c-3");
    for (simdjson::dom::element order : canceled) {
      EXPECT_EQ(Keys(order), kCancelKeys);
      EXPECT_EQ(Str(order, "status"), "CANCELED");
    }
  }
  ExpectError(Signed("DELETE", "/api/v3/openOrders", "symbol=BTCUSDT"), 400, -2011,
              "Unknown order sent.");
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Free("USDT"), usdt_before);
}

// ---- security ----

TEST_F(OrdersSimTest, SignedRequestSecurityAsBinanceDocumentsIt) {
  // The test's own signer against rest-api.md's HMAC example.
  ASSERT_EQ(Hmac("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j",
                 "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&"
                 "recvWindow=5000&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  StartSim();
  ASSERT_TRUE(sim_->sandbox_keys().has_value());
  EXPECT_EQ(sim_->sandbox_keys()->api_key, kSandboxApiKey);
  EXPECT_EQ(sim_->sandbox_keys()->api_secret, kSandboxApiSecret);
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::string order =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&"
      "price=" +
      D(book->bids.front().price - 100 * kTick);
  const std::int64_t now = kStartMs;
  auto at = [&](std::int64_t timestamp, const std::string& extra = "") {
    return order + extra + "&timestamp=" + std::to_string(timestamp);
  };

  ExpectError(Raw("POST", "/api/v3/order", at(now), ""), 401, -2014, "API-key format invalid.");
  ExpectError(Raw("POST", "/api/v3/order", at(now), "short"), 401, -2014,
              "API-key format invalid.");
  ExpectError(Raw("POST", "/api/v3/order", at(now), std::string(64, 'k')), 401, -2015,
              "Invalid API-key, IP, or permissions for action.");

  // One character of the signature changed.
  std::string signature = Hmac(kSandboxApiSecret, at(now));
  signature[10] = signature[10] == 'a' ? 'b' : 'a';
  net::HeaderList key = {{"X-MBX-APIKEY", std::string(kSandboxApiKey)}};
  ExpectError(Send("POST", "/api/v3/order?" + at(now) + "&signature=" + signature, {}, key), 400,
              -1022, "Signature for this request is not valid.");
  // HMAC signatures are not case-sensitive.
  std::string upper = Hmac(kSandboxApiSecret, at(now));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(Send("POST", "/api/v3/order?" + at(now) + "&signature=" + upper, {}, key).status, 200);

  // serverTime - timestamp <= recvWindow (5000 by default) and timestamp < serverTime + 1000.
  EXPECT_EQ(Raw("POST", "/api/v3/order", at(now - 5000)).status, 200);
  ExpectError(Raw("POST", "/api/v3/order", at(now - 5001)), 400, -1021,
              "Timestamp for this request is outside of the recvWindow.");
  EXPECT_EQ(Raw("POST", "/api/v3/order", at(now + 999)).status, 200);
  ExpectError(Raw("POST", "/api/v3/order", at(now + 1000)), 400, -1021,
              "Timestamp for this request was 1000ms ahead of the server's time.");
  EXPECT_EQ(Raw("POST", "/api/v3/order", at(now - 9000, "&recvWindow=10000")).status, 200);
  EXPECT_EQ(Raw("POST", "/api/v3/order", at(now - 6000, "&recvWindow=6000.5")).status, 200)
      << "recvWindow takes microseconds as three decimals";
  ExpectError(Raw("POST", "/api/v3/order", at(now - 6001, "&recvWindow=6000.5")), 400, -1021,
              "Timestamp for this request is outside of the recvWindow.");
  ExpectError(Raw("POST", "/api/v3/order", at(now, "&recvWindow=60001")), 400, -1102,
              "'recvWindow' contains unexpected value. Cannot be greater than 60000.");
  EXPECT_EQ(Raw("POST", "/api/v3/order", at((now - 2000) * 1000)).status, 200)
      << "timestamps may be microseconds";
  ExpectError(Raw("POST", "/api/v3/order", order), 400, -1102,
              "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.");
  ExpectError(Send("POST", "/api/v3/order?" + at(now), {}, key), 400, -1102,
              "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");

  // rest-api.md's example 3: part in the query string, part in the body, signed as query ‖ body
  // with no '&' between them.
  const std::string query = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC";
  const std::string body = "quantity=0.01&price=" + D(book->bids.front().price - 100 * kTick) +
                           "&recvWindow=5000&timestamp=" + std::to_string(now);
  const auto mixed = Send("POST", "/api/v3/order?" + query,
                          body + "&signature=" + Hmac(kSandboxApiSecret, query + body), key);
  EXPECT_EQ(mixed.status, 200) << mixed.body;
  // Signed with the '&' between them, as a client that misread the documentation would.
  ExpectError(Send("POST", "/api/v3/order?" + query,
                   body + "&signature=" + Hmac(kSandboxApiSecret, query + "&" + body), key),
              400, -1022, "Signature for this request is not valid.");
  // Every accepted order is at the venue once.
  EXPECT_EQ(sim_->SandboxOrders().size(), 7u);
}

TEST_F(OrdersSimTest, MalformedParametersGetBinancesErrorsAndPlaceNothing) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::string price = D(book->bids.front().price - 100 * kTick);
  const std::string limit = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=" + price;
  ExpectError(Place(limit), 400, -1102,
              "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01"), 400, -1102,
              "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.01&price=" + price), 400, -1102,
              "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
  ExpectError(Place("side=BUY&type=MARKET&quantity=0.01"), 400, -1102,
              "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
  ExpectError(Place("symbol=BTCUSDT&side=HOLD&type=MARKET&quantity=0.01"), 400, -1117,
              "Invalid side.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=ICEBERG&quantity=0.01"), 400, -1116,
              "Invalid orderType.");
  ExpectError(
      Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.01&price=" + price), 400,
      -1115, "Invalid timeInForce.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=MARKET&timeInForce=GTC&quantity=0.01"), 400,
              -1106, "Parameter 'timeInForce' sent when not required.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&price=" + price), 400, -1106,
              "Parameter 'price' sent when not required.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=MARKET"), 400, -1102,
              "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  const std::string range = "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.";
  ExpectError(Place(limit + "&quantity=abc"), 400, -1100,
              "Illegal characters found in parameter 'quantity'; legal range is " + range);
  ExpectError(Place(limit + "&quantity=-0.01"), 400, -1100,
              "Illegal characters found in parameter 'quantity'; legal range is " + range);
  ExpectError(Place(limit + "&quantity=1e3"), 400, -1100,
              "Illegal characters found in parameter 'quantity'; legal range is " + range);
  ExpectError(Place(limit + "&quantity=0.000000001"), 400, -1111,
              "Parameter 'quantity' has too much precision.");
  ExpectError(Place(limit + "&quantity=99999999999999999999"), 400, -1108,
              "Parameter 'quantity' overflowed.");
  ExpectError(Place(limit + "&quantity=0.01&foo=1"), 400, -1104,
              "Not all sent parameters were read; read '8' parameter(s) but was sent '9'.");
  ExpectError(Place(limit + "&quantity=0.01&quantity=0.02"), 400, -1101,
              "Duplicate values for a parameter detected.");
  ExpectError(Place(limit + "&quantity=0.01&newClientOrderId=bad%20id!"), 400, -1100,
              "Illegal characters found in parameter 'newClientOrderId'; legal range is "
              "'^[a-zA-Z0-9-_]{1,36}$'.");
  ExpectError(Place(limit + "&quantity=0.01&newClientOrderId=" + std::string(37, 'x')), 400, -1100,
              "Illegal characters found in parameter 'newClientOrderId'; legal range is "
              "'^[a-zA-Z0-9-_]{1,36}$'.");
  ExpectError(Place(limit + "&quantity=0.01&newClientOrderId="), 400, -1118,
              "New client order ID was empty.");
  ExpectError(Place("symbol=%FF%FEUSDT&side=BUY&type=MARKET&quantity=0.01"), 400, -1100,
              "Illegal characters found in a parameter.");
  ExpectError(Place("symbol=btcusdt&side=BUY&type=MARKET&quantity=0.01"), 400, -1100,
              "Illegal characters found in parameter 'symbol'; legal range is "
              "'^[A-Z0-9-_.]{1,20}$'.");
  ExpectError(Place("symbol=DOGEUSDT&side=BUY&type=MARKET&quantity=0.01"), 400, -1121,
              "Invalid symbol.");
  ExpectError(Place(limit + "&quantity=0.01&newOrderRespType=ALL"), 400, -1130,
              "Data sent for parameter 'newOrderRespType' is not valid.");
  ExpectError(Place(limit + "&quantity=0.01&selfTradePreventionMode=NONE"), 400, -1130,
              "Data sent for parameter 'selfTradePreventionMode' is not valid.");
  ExpectError(Place(limit + "&quantity=0.01&icebergQty=0.001"), 400, -1014,
              "Unsupported order combination.");
  ExpectError(Place(limit + "&quantity=0.01&strategyType=5"), 400, -1134,
              "`strategyType` was less than 1000000.");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.01&quoteOrderQty=100"), 400,
              -1106, "Parameter 'quoteOrderQty' sent when not required.");
  // Hostile shapes: no crash, an error.
  std::string many = limit + "&quantity=0.01";
  for (int i = 0; i < 70; ++i) many += "&p" + std::to_string(i) + "=1";
  ExpectError(Place(many), 400, -1101, "Too many parameters sent for this endpoint.");
  ExpectError(Place("&&&=&%zz"), 400, -1104,
              "Not all sent parameters were read; read '2' parameter(s) but was sent '4'.");
  EXPECT_TRUE(sim_->SandboxOrders().empty()) << "nothing reached the engine";

  // Zeros past the eighth decimal are not precision; the strategy and STP mode come back.
  const auto ok = Place(limit + "&quantity=0.0100000000&strategyId=37&strategyType=1000000&" +
                        "selfTradePreventionMode=EXPIRE_BOTH&newClientOrderId=fine");
  ASSERT_EQ(ok.status, 200) << ok.body;
  Json order(ok.body);
  EXPECT_EQ(Str(order.root, "origQty"), "0.01000000");
  EXPECT_EQ(Int(order.root, "strategyId"), 37);
  EXPECT_EQ(Int(order.root, "strategyType"), 1'000'000);
  EXPECT_EQ(Str(order.root, "selfTradePreventionMode"), "EXPIRE_BOTH");
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

// ---- filters and balances ----

TEST_F(OrdersSimTest, FilterFailuresInsufficientBalanceAndDuplicates) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::int64_t bid = book->bids.front().price;
  const std::string buy = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&";
  ExpectError(Place(buy + "quantity=0.01&price=" + D(bid - 100 * kTick - kTick / 2)), 400, -1013,
              "Filter failure: PRICE_FILTER");
  ExpectError(Place(buy + "quantity=0.01&price=1000000.01"), 400, -1013,
              "Filter failure: PRICE_FILTER");
  ExpectError(Place(buy + "quantity=0.000015&price=" + D(bid - 100 * kTick)), 400, -1013,
              "Filter failure: LOT_SIZE");
  ExpectError(Place(buy + "quantity=0&price=" + D(bid - 100 * kTick)), 400, -1013,
              "Filter failure: LOT_SIZE");
  ExpectError(Place(buy + "quantity=0.00001&price=" + D(bid - 100 * kTick)), 400, -1013,
              "Filter failure: NOTIONAL");
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=900.00001"), 400, -1013,
              "Filter failure: MARKET_LOT_SIZE");
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("1")));
  ExpectError(Place(buy + "quantity=0.01&price=" + D(bid - 100 * kTick)), 400, -2010,
              "Account has insufficient balance for requested action.");
  ExpectError(Place("symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=20&price=" +
                    D(book->asks.front().price + 100 * kTick)),
              400, -2010, "Account has insufficient balance for requested action.");
  EXPECT_EQ(Free("USDT"), M("1"));
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("100000")));

  ASSERT_EQ(Place(RestingBuy("dup-1")).status, 200);
  ExpectError(Place(RestingBuy("dup-1")), 400, -2010, "Duplicate order sent.");
  ASSERT_EQ(Signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=dup-1").status,
            200);
  EXPECT_EQ(Place(RestingBuy("dup-1")).status, 200) << "a closed order's id may be used again";
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
}

TEST_F(OrdersSimTest, AccountAnswerAndOmitZeroBalances) {
  StartSim();
  auto account = Signed("GET", "/api/v3/account", "");
  ASSERT_EQ(account.status, 200) << account.body;
  EXPECT_EQ(account.Header("X-MBX-USED-WEIGHT-1M"), "20");
  {
    Json json(account.body);
    EXPECT_EQ(Keys(json.root),
              (std::vector<std::string>{"makerCommission", "takerCommission", "buyerCommission",
                                        "sellerCommission", "commissionRates", "canTrade",
                                        "canWithdraw", "canDeposit", "brokered",
                                        "requireSelfTradePrevention", "preventSor", "updateTime",
                                        "accountType", "balances", "permissions", "uid"}));
    EXPECT_EQ(Int(json.root, "makerCommission"), 10);
    EXPECT_EQ(Int(json.root, "takerCommission"), 10);
    EXPECT_EQ(Str(json["commissionRates"], "maker"), "0.00100000");
    EXPECT_EQ(Str(json["commissionRates"], "taker"), "0.00100000");
    EXPECT_EQ(Str(json["commissionRates"], "buyer"), "0.00000000");
    EXPECT_TRUE(bool(json["canTrade"]));
    EXPECT_EQ(Str(json.root, "accountType"), "SPOT");
    EXPECT_EQ(std::string_view(simdjson::dom::array(json["permissions"]).at(0)), "SPOT");
    std::vector<std::string> assets;
    for (simdjson::dom::element balance : simdjson::dom::array(json["balances"])) {
      EXPECT_EQ(Keys(balance), (std::vector<std::string>{"asset", "free", "locked"}));
      assets.emplace_back(Str(balance, "asset"));
      const std::map<std::string, std::string> expected = {
          {"BTC", "10.00000000"}, {"ETH", "100.00000000"}, {"USDT", "100000.00000000"}};
      EXPECT_EQ(Str(balance, "free"), expected.at(assets.back()));
    }
    EXPECT_EQ(assets, (std::vector<std::string>{"BTC", "ETH", "USDT"}));
  }
  ASSERT_TRUE(sim_->SetSandboxBalance("ETH", 0));
  account = Signed("GET", "/api/v3/account", "omitZeroBalances=true");
  ASSERT_EQ(account.status, 200) << account.body;
  EXPECT_EQ(account.body.find("\"ETH\""), std::string::npos);
  EXPECT_NE(account.body.find("\"BTC\""), std::string::npos);
  account = Signed("GET", "/api/v3/account", "omitZeroBalances=false");
  EXPECT_NE(account.body.find(R"({"asset":"ETH","free":"0.00000000","locked":"0.00000000"})"),
            std::string::npos)
      << account.body;
  ExpectError(Signed("GET", "/api/v3/account", "omitZeroBalances=maybe"), 400, -1130,
              "Data sent for parameter 'omitZeroBalances' is not valid.");
}

TEST_F(OrdersSimTest, MyTradesLimitFromIdAndTimeRanges) {
  StartSim();
  std::vector<std::int64_t> times;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Place(RestingBuy("t-" + std::to_string(i), M("0.01"), 100 + i)).status, 200);
  }
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(1'000'000'000);
    times.push_back(clock_.NowNs() / 1'000'000);
    ASSERT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kSell, M("0.01")), M("0.01"));
  }
  auto ids = [&](const std::string& params) {
    std::vector<std::int64_t> found;
    const auto response = Signed("GET", "/api/v3/myTrades", params);
    EXPECT_EQ(response.status, 200) << params << " → " << response.body;
    if (response.status != 200) return found;
    Json json(response.body);
    for (simdjson::dom::element trade : simdjson::dom::array(json.root)) {
      found.push_back(Int(trade, "id"));
    }
    return found;
  };
  const auto all = ids("symbol=BTCUSDT");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0], all[1]);
  EXPECT_LT(all[1], all[2]);
  EXPECT_EQ(ids("symbol=BTCUSDT&limit=2"), (std::vector<std::int64_t>{all[1], all[2]}))
      << "the most recent";
  EXPECT_EQ(ids("symbol=BTCUSDT&fromId=" + std::to_string(all[0]) + "&limit=2"),
            (std::vector<std::int64_t>{all[0], all[1]}));
  EXPECT_EQ(ids("symbol=BTCUSDT&startTime=" + std::to_string(times[1])),
            (std::vector<std::int64_t>{all[1], all[2]}));
  EXPECT_EQ(ids("symbol=BTCUSDT&endTime=" + std::to_string(times[1])),
            (std::vector<std::int64_t>{all[0], all[1]}));
  ExpectError(Signed("GET", "/api/v3/myTrades",
                     "symbol=BTCUSDT&orderId=1&startTime=" + std::to_string(times[0])),
              400, -1128, "Combination of optional parameters invalid.");
  ExpectError(Signed("GET", "/api/v3/myTrades",
                     "symbol=BTCUSDT&startTime=" + std::to_string(times[0]) +
                         "&endTime=" + std::to_string(times[0] + 25 * 3'600'000)),
              400, -1127, "More than 24 hours between startTime and endTime.");
  ExpectError(Signed("GET", "/api/v3/myTrades", ""), 400, -1102,
              "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.");
}

TEST_F(OrdersSimTest, TestOrderValidatesAndPlacesNothing) {
  StartSim();
  auto response = Signed("POST", "/api/v3/order/test", RestingBuy("test-1"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body, "{}");
  EXPECT_TRUE(response.Header("X-MBX-ORDER-COUNT-10S").empty()) << "no order counted";
  ExpectError(Signed("POST", "/api/v3/order/test", "symbol=BTCUSDT&side=BUY&type=MARKET"), 400,
              -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
  response =
      Signed("POST", "/api/v3/order/test", RestingBuy("test-2") + "&computeCommissionRates=true");
  ASSERT_EQ(response.status, 200) << response.body;
  Json json(response.body);
  EXPECT_EQ(Str(json["standardCommissionForOrder"], "maker"), "0.00100000");
  EXPECT_EQ(response.Header("X-MBX-USED-WEIGHT-1M"), "22") << "1 + 1 + 20";
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

// ---- limits ----

TEST_F(OrdersSimTest, WeightAndOrderCountHeadersInBinancesWindows) {
  StartSim();
  auto weight = [](const net::HttpClientResponse& r) {
    return std::string(r.Header("X-MBX-USED-WEIGHT-1M"));
  };
  auto response = Place(RestingBuy("w-1"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(weight(response), "1");
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-1D"), "1");
  response = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=w-1");
  EXPECT_EQ(weight(response), "5");
  EXPECT_TRUE(response.Header("X-MBX-ORDER-COUNT-10S").empty()) << "only new orders carry it";
  EXPECT_EQ(weight(Signed("GET", "/api/v3/openOrders", "symbol=BTCUSDT")), "11");
  EXPECT_EQ(weight(Signed("GET", "/api/v3/openOrders", "")), "91");
  EXPECT_EQ(weight(Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT")), "111");
  EXPECT_EQ(weight(Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT&orderId=1")), "116");
  EXPECT_EQ(weight(Signed("GET", "/api/v3/account", "")), "136");
  EXPECT_EQ(weight(Send("GET", "/api/v3/depth?symbol=BTCUSDT")), "141") << "market data counts";
  // Refusals weigh too.
  EXPECT_EQ(weight(Send("POST", "/api/v3/order?symbol=BTCUSDT")), "142");
  EXPECT_EQ(weight(Signed("DELETE", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=w-1")),
            "143");
  response = Place(RestingBuy("w-2"));
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-10S"), "2");
  // The next 10-second window, same minute and day.
  clock_.Advance(5'000'000'000);
  response = Place(RestingBuy("w-3"));
  EXPECT_EQ(weight(response), "145");
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-10S"), "1");
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-1D"), "3");
  // The next minute.
  clock_.Advance(50'000'000'000);
  EXPECT_EQ(weight(Send("GET", "/api/v3/ping")), "1");
}

TEST_F(OrdersSimTest, AWeightBurstIs429ThenContinuingIs418UntilTheBanEnds) {
  BinanceSimOptions options = Options();
  options.rate_limits.request_weight_per_minute = 10;
  options.rate_limits.ban = 30s;
  StartSim(options);
  for (int i = 1; i <= 10; ++i) {
    const auto ping = Send("GET", "/api/v3/ping");
    ASSERT_EQ(ping.status, 200);
    EXPECT_EQ(ping.Header("X-MBX-USED-WEIGHT-1M"), std::to_string(i));
  }
  auto response = Send("GET", "/api/v3/ping");
  ExpectError(response, 429, -1003,
              "Too much request weight used; current limit is 10 request weight per 1 MINUTE. "
              "Please use WebSocket Streams for live updates to avoid polling the API.");
  EXPECT_EQ(response.Header("Retry-After"), "55") << "the rest of the minute";
  clock_.Advance(1'000'000'000);
  // Sent before the Retry-After passed: banned, order entry included.
  response = Place(RestingBuy("banned"));
  ExpectError(response, 418, -1003,
              "Way too much request weight used; IP banned until " +
                  std::to_string(kStartMs + 1000 + 30'000) +
                  ". Please use WebSocket Streams for live updates to avoid bans.");
  EXPECT_EQ(response.Header("Retry-After"), "30");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock_.Advance(10'000'000'000);
  response = Send("GET", "/api/v3/ping");
  EXPECT_EQ(response.status, 418);
  EXPECT_EQ(response.Header("Retry-After"), "20");
  // The ban is over, the minute is not: 429 again, then the next minute is free.
  clock_.Advance(20'000'000'000);
  response = Send("GET", "/api/v3/time");
  EXPECT_EQ(response.status, 429) << response.body;
  EXPECT_EQ(response.Header("Retry-After"), "24");
  clock_.Advance(25'000'000'000);
  response = Send("GET", "/api/v3/ping");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("X-MBX-USED-WEIGHT-1M"), "1");
}

TEST_F(OrdersSimTest, TooManyNewOrdersIs429WithRetryAfterPerWindow) {
  BinanceSimOptions options = Options();
  options.rate_limits.orders_per_10s = 3;
  options.rate_limits.orders_per_day = 4;
  StartSim(options);
  for (int i = 1; i <= 3; ++i) {
    const auto response = Place(RestingBuy("n-" + std::to_string(i)));
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-10S"), std::to_string(i));
  }
  auto response = Place(RestingBuy("n-4"));
  ExpectError(response, 429, -1015,
              "Too many new orders; current limit is 3 orders per TEN_SECONDS.");
  EXPECT_EQ(response.Header("Retry-After"), "5");
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-10S"), "3");
  EXPECT_EQ(sim_->SandboxOrders().size(), 3u);
  // A query is not an order.
  EXPECT_EQ(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=n-1").status, 200);
  clock_.Advance(5'000'000'000);
  response = Place(RestingBuy("n-4"));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("X-MBX-ORDER-COUNT-1D"), "4");
  response = Place(RestingBuy("n-5"));
  ExpectError(response, 429, -1015, "Too many new orders; current limit is 4 orders per DAY.");
  EXPECT_EQ(response.Header("Retry-After"), std::to_string(86'400 - 10));
  EXPECT_EQ(sim_->SandboxOrders().size(), 4u);
}

// ---- faults ----

TEST_F(OrdersSimTest, RateLimitedFaultIs429ThenTheBanForTheRestOfRetryAfter) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 3s));
  auto response = Place(RestingBuy("rl-1"));
  ExpectError(response, 429, -1015,
              "Too many new orders; current limit is 100 orders per TEN_SECONDS.");
  EXPECT_EQ(response.Header("Retry-After"), "3");
  clock_.Advance(1'000'000'000);
  response = Place(RestingBuy("rl-1"));
  EXPECT_EQ(response.status, 418) << response.body;
  EXPECT_EQ(response.Header("Retry-After"), "2") << "the rest of the Retry-After";
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock_.Advance(2'000'000'000);
  response = Place(RestingBuy("rl-1"));
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(OrdersSimTest, ServerErrorFaultProcessesNothing) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError, 2));
  ExpectError(Place(RestingBuy("se-1")), 500, -1001,
              "Internal error; unable to process your request. Please try again.");
  ExpectError(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=se-1"), 500, -1001,
              "Internal error; unable to process your request. Please try again.");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  ExpectError(Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=se-1"), 400, -2013,
              "Order does not exist.");
}

TEST_F(OrdersSimTest, AcceptThenFailPlacesTheOrderAndAnswers503) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  ExpectError(Place(RestingBuy("af-1")), 503, -1007,
              "Timeout waiting for response from backend server. Send status unknown; execution "
              "status unknown.");
  ASSERT_EQ(sim_->SandboxOrders().size(), 1u);
  const auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=af-1");
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(Str(Json(query.body).root, "status"), "NEW");
}

TEST_F(OrdersSimTest, AcceptThenTimeoutPlacesTheOrderOnceAndNeverAnswers) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto result = SendOn(impatient, SignedRequest("POST", "/api/v3/order",
                                                "symbol=BTCUSDT&side=BUY&type=MARKET&"
                                                "quantity=0.01&newClientOrderId=to-1"));
  EXPECT_FALSE(result.ok()) << "no answer ever came";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  const auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=to-1");
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_EQ(Str(Json(query.body).root, "status"), "FILLED");
  int found = 0;
  for (const Order& order : sim_->SandboxOrders()) found += order.client_order_id == "to-1";
  EXPECT_EQ(found, 1) << "placed exactly once";
}

TEST_F(OrdersSimTest, AdminEndpointArmsOrderFaults) {
  for (const OrderFault fault : {OrderFault::kRateLimited, OrderFault::kServerError,
                                 OrderFault::kAcceptThenFail, OrderFault::kAcceptThenTimeout}) {
    EXPECT_EQ(ParseOrderFault(OrderFaultName(fault)), fault);
  }
  EXPECT_FALSE(ParseOrderFault("slow").has_value());
  auto parsed = ParseOrderFaultRequest(R"({"fault":"accept_then_fail"})");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->count, 1);
  EXPECT_EQ(parsed->retry_after, 2s);
  EXPECT_FALSE(ParseOrderFaultRequest(R"({"count":2})").ok());
  EXPECT_FALSE(ParseOrderFaultRequest(R"({"fault":"server_error","count":0})").ok());

  StartSim();
  auto admin = Send("POST", "/_sim/order-fault", R"({"fault":"server_error","count":1})");
  EXPECT_EQ(admin.status, 200);
  EXPECT_EQ(admin.body, R"({"ok":true})");
  admin = Send("POST", "/_sim/order-fault", R"({"fault":"slow"})");
  EXPECT_EQ(admin.status, 400);
  EXPECT_NE(admin.body.find("rate_limited"), std::string::npos) << admin.body;
  EXPECT_EQ(Place(RestingBuy("adm-1")).status, 500);
  EXPECT_EQ(Place(RestingBuy("adm-1")).status, 200) << "one request only";
}

// ---- the public streams ----

TEST_F(OrdersSimTest, ATakersTradeAndTheLiquidityItTookShowOnThePublicStreams) {
  StartSim();
  Recorder& recorder = *recorders_.emplace_back(std::make_unique<Recorder>());
  net::WebSocketClientOptions options;
  options.url =
      sim_->ws_base_url() + "/stream?streams=btcusdt@trade/btcusdt@bookTicker/btcusdt@depth@100ms";
  options.silence_timeout = 30s;
  options.verify_peer = false;
  ws_.push_back(std::make_unique<net::WebSocketClient>(client_io_.io(), options, recorder));
  net::WebSocketClient* client = ws_.back().get();
  client_io_.Run([client] { client->Start(); });
  ASSERT_TRUE(recorder.WaitFor([](auto&, int opens) { return opens >= 1; }));
  ASSERT_TRUE(sim_->WaitForConnections(1, kDeadline));

  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));
  const auto before = sim_->BookSnapshot("BTCUSDT");
  const BookLevel best = before->asks.front();
  const std::int64_t quantity = best.quantity + kLot;
  const auto response = Place("symbol=BTCUSDT&side=BUY&type=MARKET&quantity=" + D(quantity));
  ASSERT_EQ(response.status, 200) << response.body;
  Json order(response.body);
  simdjson::dom::array fills = order["fills"];
  ASSERT_EQ(fills.size(), 2u);
  const auto after = sim_->BookSnapshot("BTCUSDT");

  // Both trades, at the fills' prices and quantities, the buyer the taker; the new best ask; and
  // the diff (at once: the market is paused) that removes the consumed level.
  auto seen = [&](const std::vector<std::string>& messages) {
    int trades = 0;
    bool ticker = false;
    bool diff = false;
    simdjson::dom::parser parser;
    for (const std::string& text : messages) {
      simdjson::dom::element frame = parser.parse(text);
      const std::string_view stream = frame["stream"];
      simdjson::dom::element data = frame["data"];
      if (stream == "btcusdt@trade") {
        for (simdjson::dom::element fill : fills) {
          if (Str(data, "p") == Str(fill, "price") && Str(data, "q") == Str(fill, "qty") &&
              !bool(data["m"])) {
            ++trades;
          }
        }
      } else if (stream == "btcusdt@bookTicker") {
        ticker |= Str(data, "a") == D8(after->asks.front().price) &&
                  Str(data, "A") == D8(after->asks.front().quantity) &&
                  std::uint64_t(data["u"]) == after->last_update_id;
      } else if (stream == "btcusdt@depth@100ms") {
        bool removes = false;
        for (simdjson::dom::array level : simdjson::dom::array(data["a"])) {
          removes |= std::string_view(level.at(0)) == D8(best.price) &&
                     std::string_view(level.at(1)) == "0.00000000";
        }
        diff |= removes && std::uint64_t(data["u"]) == after->last_update_id;
      }
    }
    return trades == 2 && ticker && diff;
  };
  EXPECT_TRUE(recorder.WaitFor([&](auto& messages, int) { return seen(messages); }));
}

TEST_F(OrdersSimTest, ARestingOrderFillsFromTheMarketsOwnFlow) {
  BinanceSimOptions options = Options();
  options.start_paused = false;
  options.changes_per_second = 500;
  StartSim(options);
  Recorder& recorder = *recorders_.emplace_back(std::make_unique<Recorder>());
  net::WebSocketClientOptions ws_options;
  ws_options.url = sim_->ws_base_url() + "/ws/btcusdt@trade";
  ws_options.silence_timeout = 30s;
  ws_options.verify_peer = false;
  ws_.push_back(std::make_unique<net::WebSocketClient>(client_io_.io(), ws_options, recorder));
  net::WebSocketClient* client = ws_.back().get();
  client_io_.Run([client] { client->Start(); });
  ASSERT_TRUE(recorder.WaitFor([](auto&, int opens) { return opens >= 1; }));

  // A buy one tick under the ask: hidden from the book, filled when a seller prints at or below
  // it or when the ask comes down to it.
  const auto book = sim_->BookSnapshot("BTCUSDT");
  const std::int64_t price = book->asks.front().price - kTick;
  const auto placed = Place(
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.0001&"
      "price=" +
      D(price) + "&newClientOrderId=flow-1");
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::size_t after = recorder.size();  // what came before the answer is older
  ASSERT_TRUE(recorder.WaitFor([&](const std::vector<std::string>& messages, int) {
    simdjson::dom::parser parser;
    for (std::size_t i = after; i < messages.size(); ++i) {
      simdjson::dom::element trade = parser.parse(messages[i]);
      if (bool(trade["m"]) && M(Str(trade, "p")) <= price) return true;
    }
    return false;
  })) << "no seller printed at or under the order's price";
  const auto query = Signed("GET", "/api/v3/order", "symbol=BTCUSDT&origClientOrderId=flow-1");
  ASSERT_EQ(query.status, 200) << query.body;
  EXPECT_GT(M(Str(Json(query.body).root, "executedQty")), 0) << query.body;
  const auto trades = Signed("GET", "/api/v3/myTrades", "symbol=BTCUSDT");
  Json list(trades.body);
  ASSERT_GE(simdjson::dom::array(list.root).size(), 1u);
  simdjson::dom::element trade = simdjson::dom::array(list.root).at(0);
  EXPECT_TRUE(bool(trade["isMaker"]));
  EXPECT_EQ(Str(trade, "price"), D8(price)) << "a maker fills at its own price";
}

// ---- other modes ----

TEST_F(OrdersSimTest, FuturesVenueTakesNoOrders) {
  BinanceSimOptions options = Options();
  options.futures = true;
  options.symbols = DefaultUsdmSymbols();
  StartSim(options);
  EXPECT_FALSE(sim_->sandbox_keys().has_value());
  EXPECT_FALSE(sim_->SandboxBalance("USDT").has_value());
  EXPECT_FALSE(sim_->InjectOrderFault(OrderFault::kServerError));
  EXPECT_EQ(sim_->CrossRestingOrders("BTCUSDT", OrderSide::kBuy, M("1")), 0);
  EXPECT_EQ(
      Signed("POST", "/fapi/v1/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1").status,
      404);
  EXPECT_EQ(
      Signed("POST", "/api/v3/order", "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=1").status,
      404);
}

TEST_F(OrdersSimTest, ReplayVenueListsItsSymbolsClosed) {
  TRADINGD_REQUIRE_FIXTURE(path, "binance/hftbacktest_spot/btcusdt_20240808.gz");
  BinanceSimOptions options = Options();
  options.replay_files = {{path.string(), "BTCUSDT"}};
  StartSim(options);
  ExpectError(Place("symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.01&price=50000"),
              400, -2010, "Market is closed.");
  EXPECT_EQ(Signed("GET", "/api/v3/account", "").status, 200);
  EXPECT_EQ(sim_->SandboxBalance("BTC")->free, M("10"));
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

}  // namespace
}  // namespace tradingd::sim::binance
