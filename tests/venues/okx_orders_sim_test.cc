// The sandbox OKX venue's spot order entry end to end: a StreamSim with the OKX dialect on
// 127.0.0.1:0 with its own io thread and a ManualClock, a net::HttpClient on a second io thread,
// every request signed here as docs-v5 "REST Authentication" says, with OpenSSL's one-shot HMAC()
// and EVP_EncodeBlock() (not with the venue's or the gateway's signing code), and every timestamp
// formatted here with gmtime_r. The market starts paused, so the books stand still and every fill
// is computed from BookSnapshot(). Nothing sleeps to synchronize: every wait has a deadline that
// fails the test.

#include "sim/okx/okx_orders_sim.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "sim/common/stream_sim.h"
#include "sim/okx/okx_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim::okx {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;

constexpr auto kDeadline = 10s;
// 2024-08-09T00:00:05.000Z.
constexpr std::int64_t kStartMs = 1'723'161'605'000;
constexpr std::int64_t kTick = 10'000'000;  // BTC-USDT 0.1
constexpr std::int64_t kLot = 1;            // BTC-USDT 0.00000001
constexpr std::int64_t kUnit = 100'000'000;
constexpr std::int64_t kMinSz = 1'000;    // BTC-USDT minSz 0.00001
constexpr std::int64_t kMakerPpm = 800;  // OKX Lv1 spot: 0.080 %
constexpr std::int64_t kTakerPpm = 1000;  // 0.100 %

// ---- helpers ----

std::int64_t M(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}
// As OKX writes a number: no trailing zeros ("0.01", "65000").
std::string D(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }
std::int64_t CeilDiv(core::Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}
// A fee in the received currency: `ppm` of the amount received, rounded up to 8 decimals.
std::int64_t FeeOf(std::int64_t amount, std::int64_t ppm) {
  return CeilDiv(static_cast<core::Int128>(amount) * ppm, 1'000'000);
}

// A charged fee as OKX writes it: negative, "0" for none.
std::string OkxFee(std::int64_t fee) { return fee > 0 ? "-" + D(fee) : std::string("0"); }

// The levels a taker of `quantity` takes, best first, with what it takes of each.
std::vector<BookLevel> Walk(const std::vector<BookLevel>& levels, std::int64_t quantity) {
  std::vector<BookLevel> taken;
  for (const BookLevel& level : levels) {
    if (quantity <= 0) break;
    taken.push_back({level.price, std::min(quantity, level.quantity)});
    quantity -= taken.back().quantity;
  }
  return taken;
}
// At least minSz, ending one lot into a level after the first: two fills or more. (The synthetic
// book's levels are often smaller than minSz.)
std::int64_t SeveralLevels(const std::vector<BookLevel>& levels) {
  std::int64_t sum = 0;
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i > 0 && sum >= kMinSz) return sum + kLot;
    sum += levels[i].quantity;
  }
  ADD_FAILURE() << "the book is too thin";
  return sum;
}
core::Int128 Notional(const std::vector<BookLevel>& taken) {
  core::Int128 total = 0;
  for (const BookLevel& level : taken) total += static_cast<core::Int128>(level.price) * level.quantity;
  return total;
}

// base64(HMAC-SHA256(secret, prehash)) with OpenSSL's one-shot functions.
std::string Sign(std::string_view secret, std::string_view prehash) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(prehash.data()), prehash.size(), mac, &length);
  std::string out(4 * ((length + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), mac, static_cast<int>(length));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// "2020-12-08T09:08:57.715Z".
std::string Iso(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(unix_ms % 1000));
  return text;
}

// A parsed JSON answer that owns its parser.
struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Json(const std::string& text) { root = parser.parse(text); }
  simdjson::dom::element operator[](std::string_view key) const { return root[key]; }
  simdjson::dom::element item(std::size_t i = 0) const {
    return simdjson::dom::array(root["data"]).at(i);
  }
  std::size_t items() const { return simdjson::dom::array(root["data"]).size(); }
};

std::string Str(simdjson::dom::element e, std::string_view key) {
  return std::string(std::string_view(e[key]));
}
std::vector<std::string> Keys(simdjson::dom::element e) {
  std::vector<std::string> keys;
  for (auto field : simdjson::dom::object(e)) keys.emplace_back(field.key);
  return keys;
}

// "GET / Order details", the docs' example's keys in their order.
const std::vector<std::string> kOrderKeys = {
    "accFillSz",       "algoClOrdId",   "algoId",        "attachAlgoClOrdId",
    "attachAlgoOrds",  "avgPx",         "cTime",         "cancelSource",
    "cancelSourceReason", "category",   "ccy",           "clOrdId",
    "fee",             "feeCcy",        "fillPx",        "fillSz",
    "fillTime",        "instId",        "instType",      "isTpLimit",
    "lever",           "linkedAlgoOrd", "ordId",         "ordType",
    "pnl",             "posSide",       "px",            "pxType",
    "pxUsd",           "pxVol",         "quickMgnType",  "rebate",
    "rebateCcy",       "reduceOnly",    "side",          "slOrdPx",
    "slTriggerPx",     "slTriggerPxType", "source",      "state",
    "stpId",           "stpMode",       "sz",            "tag",
    "tdMode",          "tgtCcy",        "tpOrdPx",       "tpTriggerPx",
    "tpTriggerPxType", "tradeId",       "tradeQuoteCcy", "uTime"};
// "GET / Transaction details", the docs' example's keys in their order.
const std::vector<std::string> kFillKeys = {
    "side",      "fillSz",  "fillPx",    "fillPxVol",   "fillFwdPx", "fee",       "fillPnl",
    "ordId",     "feeRate", "instType",  "fillPxUsd",   "instId",    "clOrdId",   "posSide",
    "billId",    "subType", "fillMarkVol", "tag",       "fillTime",  "execType",  "fillIdxPx",
    "tradeId",   "fillMarkPx", "feeCcy", "ts",          "tradeQuoteCcy"};
const std::vector<std::string> kPlaceItemKeys = {"clOrdId", "ordId", "sCode", "sMsg",
                                                 "subCode", "tag",   "ts"};
const std::vector<std::string> kCancelItemKeys = {"clOrdId", "ordId", "sCode", "sMsg", "ts"};
const std::vector<std::string> kOperationKeys = {"code", "data", "inTime", "msg", "outTime"};

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

// What signs a request: the sandbox's keys unless a test says otherwise.
struct Credentials {
  std::string key{kSandboxApiKey};
  std::string secret{kSandboxApiSecret};
  std::string passphrase{kSandboxPassphrase};
};

class OkxOrdersSimTest : public ::testing::Test {
 protected:
  void StartSim(OkxDialectOptions dialect = OkxDialectOptions{}) {
    StreamSimOptions options;
    options.symbols = DefaultOkxSymbols();
    options.start_paused = true;
    options.clock = &clock_;
    sim_ = std::make_unique<StreamSim>(sim_io_.io(), std::move(options),
                                       MakeOkxDialect(std::move(dialect)));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    http_ = NewClient(kDeadline);
  }

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

  net::HttpClientResponse Send(net::HttpClientRequest request) {
    auto result = SendOn(http_, std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : net::HttpClientResponse{};
  }

  std::int64_t NowMs() const { return clock_.NowNs() / 1'000'000; }

  // What a client of OKX sends: the four OK-ACCESS headers (the sign over timestamp + method +
  // path with query + body) and, with a body, Content-Type: application/json.
  net::HttpClientRequest SignedRequest(const std::string& method, const std::string& target,
                                       const std::string& body = {},
                                       const Credentials& credentials = Credentials{},
                                       std::int64_t skew_ms = 0) {
    const std::string timestamp = Iso(NowMs() + skew_ms);
    net::HttpClientRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    request.headers.emplace_back("OK-ACCESS-KEY", credentials.key);
    request.headers.emplace_back("OK-ACCESS-SIGN",
                                 Sign(credentials.secret, timestamp + method + target + body));
    request.headers.emplace_back("OK-ACCESS-TIMESTAMP", timestamp);
    request.headers.emplace_back("OK-ACCESS-PASSPHRASE", credentials.passphrase);
    if (method == "POST") request.headers.emplace_back("Content-Type", "application/json");
    return request;
  }
  net::HttpClientResponse Signed(const std::string& method, const std::string& target,
                                 const std::string& body = {}) {
    return Send(SignedRequest(method, target, body));
  }

  net::HttpClientResponse Place(const std::string& body) {
    return Signed("POST", "/api/v5/trade/order", body);
  }
  net::HttpClientResponse CancelOrder(const std::string& body) {
    return Signed("POST", "/api/v5/trade/cancel-order", body);
  }
  net::HttpClientResponse Query(const std::string& params) {
    return Signed("GET", "/api/v5/trade/order?" + params);
  }
  net::HttpClientResponse Fills(const std::string& params) {
    return Signed("GET", "/api/v5/trade/fills?" + params);
  }

  // A limit buy `ticks` ticks below the best bid: it rests.
  std::string RestingBuy(const std::string& client_id, std::int64_t quantity = M("0.01"),
                         int ticks = 100) {
    const auto book = sim_->BookSnapshot("BTC-USDT");
    return R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":")" + client_id +
           R"(","side":"buy","ordType":"limit","px":")" +
           D(book->bids.front().price - ticks * kTick) + R"(","sz":")" + D(quantity) + R"("})";
  }

  // Expects {"code":"0",..,"data":[{..,"sCode":"0",..}]} and returns the ordId.
  static std::string ExpectPlaced(const net::HttpClientResponse& response) {
    EXPECT_EQ(response.status, 200) << response.body;
    Json json(response.body);
    EXPECT_EQ(Keys(json.root), kOperationKeys) << response.body;
    EXPECT_EQ(Str(json.root, "code"), "0") << response.body;
    EXPECT_EQ(Str(json.root, "msg"), "");
    EXPECT_EQ(json.items(), 1u);
    EXPECT_EQ(Keys(json.item()), kPlaceItemKeys);
    EXPECT_EQ(Str(json.item(), "sCode"), "0") << response.body;
    EXPECT_EQ(Str(json.item(), "sMsg"), "Order placed");
    EXPECT_EQ(Str(json.item(), "subCode"), "");
    return Str(json.item(), "ordId");
  }
  // Expects a refused order operation: HTTP 200, code "1", "All operations failed", and the
  // item's sCode / sMsg (and subCode for a place).
  static void ExpectRefused(const net::HttpClientResponse& response, std::string_view s_code,
                            std::string_view s_msg, std::string_view sub_code = {},
                            std::string_view ord_id = {}) {
    EXPECT_EQ(response.status, 200) << response.body;
    Json json(response.body);
    EXPECT_EQ(Keys(json.root), kOperationKeys) << response.body;
    EXPECT_EQ(Str(json.root, "code"), "1") << response.body;
    EXPECT_EQ(Str(json.root, "msg"), "All operations failed");
    ASSERT_EQ(json.items(), 1u);
    EXPECT_EQ(Str(json.item(), "ordId"), ord_id);
    EXPECT_EQ(Str(json.item(), "sCode"), s_code) << response.body;
    EXPECT_EQ(Str(json.item(), "sMsg"), s_msg) << response.body;
    if (Keys(json.item()).size() == kPlaceItemKeys.size()) {
      EXPECT_EQ(Str(json.item(), "subCode"), sub_code);
    }
  }
  // Expects {"code":..,"data":[],"msg":..} with that HTTP status.
  static void ExpectTopLevel(const net::HttpClientResponse& response, int status,
                             std::string_view code, std::string_view msg) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.body,
              R"({"code":")" + std::string(code) + R"(","data":[],"msg":")" + std::string(msg) +
                  R"("})");
  }
  // Expects the gateway's {"msg":..,"code":..}.
  static void ExpectGateway(const net::HttpClientResponse& response, int status,
                            std::string_view code, std::string_view msg) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.body,
              R"({"msg":")" + std::string(msg) + R"(","code":")" + std::string(code) + R"("})");
  }

  // The single order of a successful order-details answer.
  static std::unique_ptr<Json> OrderOf(const net::HttpClientResponse& response) {
    EXPECT_EQ(response.status, 200) << response.body;
    auto json = std::make_unique<Json>(response.body);
    EXPECT_EQ(Str(json->root, "code"), "0") << response.body;
    EXPECT_EQ(json->items(), 1u) << response.body;
    return json;
  }

  std::int64_t Free(std::string_view asset) { return sim_->SandboxBalance(asset).value().free; }
  std::int64_t Locked(std::string_view asset) { return sim_->SandboxBalance(asset).value().locked; }

  core::ManualClock clock_{kStartMs * 1'000'000};
  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<StreamSim> sim_;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  net::HttpClient* http_ = nullptr;
  std::vector<std::unique_ptr<net::WebSocketClient>> ws_;
  std::vector<std::unique_ptr<Recorder>> recorders_;
};

// ---- orders, their answers and the balances ----

TEST_F(OkxOrdersSimTest, SandboxKeysAreInOkxsFormats) {
  StartSim();
  const auto keys = sim_->sandbox_keys();
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(keys->api_key, kSandboxApiKey);
  EXPECT_EQ(keys->api_secret, kSandboxApiSecret);
  EXPECT_EQ(keys->passphrase, kSandboxPassphrase);
  // An API key is a UUID; the secret 32 upper-case hex digits.
  ASSERT_EQ(kSandboxApiKey.size(), 36u);
  for (const std::size_t dash : {8u, 13u, 18u, 23u}) EXPECT_EQ(kSandboxApiKey[dash], '-');
  ASSERT_EQ(kSandboxApiSecret.size(), 32u);
  for (const char c : kSandboxApiSecret) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) << c;
  }
}

TEST_F(OkxOrdersSimTest, RestingLimitBuyIsLiveLocksItsNotionalAndFillsByCross) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTC-USDT");
  ASSERT_TRUE(book.has_value());
  const std::int64_t price = book->bids.front().price - 100 * kTick;
  const std::int64_t quantity = M("0.01");
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");

  const auto placed =
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"rest1","tag":"t1","side":"buy",)"
            R"("ordType":"limit","px":")" +
            D(price) + R"(","sz":"0.01"})");
  const std::string ord_id = ExpectPlaced(placed);
  {
    Json json(placed.body);
    EXPECT_EQ(Str(json.item(), "clOrdId"), "rest1");
    EXPECT_EQ(Str(json.item(), "tag"), "t1");
    EXPECT_EQ(Str(json.item(), "ts"), std::to_string(kStartMs));
    EXPECT_EQ(Str(json.root, "inTime"), std::to_string(kStartMs * 1000));
    EXPECT_EQ(ord_id, "1700000000000000001");
  }
  // A buy locks its notional: the fee is paid in the BTC received.
  const std::int64_t notional = CeilDiv(static_cast<core::Int128>(price) * quantity, kUnit);
  EXPECT_EQ(Locked("USDT"), notional);
  EXPECT_EQ(Free("USDT"), usdt_before - notional);

  auto query = Query("instId=BTC-USDT&ordId=" + ord_id);
  {
    auto json = OrderOf(query);
    simdjson::dom::element order = json->item();
    EXPECT_EQ(Keys(order), kOrderKeys);
    EXPECT_EQ(Str(order, "accFillSz"), "0");
    EXPECT_EQ(Str(order, "avgPx"), "");
    EXPECT_EQ(Str(order, "cTime"), std::to_string(kStartMs));
    EXPECT_EQ(Str(order, "cancelSource"), "");
    EXPECT_EQ(Str(order, "category"), "normal");
    EXPECT_EQ(Str(order, "clOrdId"), "rest1");
    EXPECT_EQ(Str(order, "fee"), "0");
    EXPECT_EQ(Str(order, "feeCcy"), "BTC");
    EXPECT_EQ(Str(order, "fillPx"), "");
    EXPECT_EQ(Str(order, "fillSz"), "0");
    EXPECT_EQ(Str(order, "fillTime"), "");
    EXPECT_EQ(Str(order, "instId"), "BTC-USDT");
    EXPECT_EQ(Str(order, "instType"), "SPOT");
    EXPECT_EQ(Str(order, "ordId"), ord_id);
    EXPECT_EQ(Str(order, "ordType"), "limit");
    EXPECT_EQ(Str(order, "px"), D(price));
    EXPECT_EQ(Str(order, "rebateCcy"), "USDT");
    EXPECT_EQ(Str(order, "side"), "buy");
    EXPECT_EQ(Str(order, "state"), "live");
    EXPECT_EQ(Str(order, "sz"), "0.01");
    EXPECT_EQ(Str(order, "tag"), "t1");
    EXPECT_EQ(Str(order, "tdMode"), "cash");
    EXPECT_EQ(Str(order, "tgtCcy"), "");
    EXPECT_EQ(Str(order, "tradeId"), "");
    EXPECT_EQ(Str(order, "tradeQuoteCcy"), "USDT");
    EXPECT_EQ(Str(order, "uTime"), std::to_string(kStartMs));
  }
  EXPECT_EQ(Fills("instType=SPOT&instId=BTC-USDT&ordId=" + ord_id).body,
            R"({"code":"0","data":[],"msg":""})");

  // Filled as a maker by an aggressive flow only the sandbox sees.
  clock_.Advance(1'000'000'000);
  ASSERT_EQ(sim_->CrossRestingOrders("BTC-USDT", OrderSide::kSell, M("1")), quantity);
  const std::int64_t fee = FeeOf(quantity, kMakerPpm);
  query = Query("instId=BTC-USDT&clOrdId=rest1");
  std::string trade_id;
  {
    auto json = OrderOf(query);
    simdjson::dom::element order = json->item();
    EXPECT_EQ(Str(order, "state"), "filled");
    EXPECT_EQ(Str(order, "accFillSz"), "0.01");
    EXPECT_EQ(Str(order, "avgPx"), D(price));
    EXPECT_EQ(Str(order, "fee"), "-" + D(fee));
    EXPECT_EQ(Str(order, "feeCcy"), "BTC");
    EXPECT_EQ(Str(order, "fillPx"), D(price));
    EXPECT_EQ(Str(order, "fillSz"), "0.01");
    EXPECT_EQ(Str(order, "fillTime"), std::to_string(kStartMs + 1000));
    EXPECT_EQ(Str(order, "uTime"), std::to_string(kStartMs + 1000));
    trade_id = Str(order, "tradeId");
    EXPECT_FALSE(trade_id.empty());
  }
  const auto fills = Fills("instType=SPOT&instId=BTC-USDT&ordId=" + ord_id + "&limit=100");
  ASSERT_EQ(fills.status, 200) << fills.body;
  {
    Json json(fills.body);
    EXPECT_EQ(Str(json.root, "code"), "0");
    ASSERT_EQ(json.items(), 1u);
    simdjson::dom::element fill = json.item();
    EXPECT_EQ(Keys(fill), kFillKeys);
    EXPECT_EQ(Str(fill, "side"), "buy");
    EXPECT_EQ(Str(fill, "fillSz"), "0.01");
    EXPECT_EQ(Str(fill, "fillPx"), D(price));
    EXPECT_EQ(Str(fill, "fee"), "-" + D(fee));
    EXPECT_EQ(Str(fill, "feeRate"), "-0.0008");
    EXPECT_EQ(Str(fill, "feeCcy"), "BTC");
    EXPECT_EQ(Str(fill, "execType"), "M");
    EXPECT_EQ(Str(fill, "ordId"), ord_id);
    EXPECT_EQ(Str(fill, "clOrdId"), "rest1");
    EXPECT_EQ(Str(fill, "tag"), "t1");
    EXPECT_EQ(Str(fill, "instId"), "BTC-USDT");
    EXPECT_EQ(Str(fill, "instType"), "SPOT");
    EXPECT_EQ(Str(fill, "subType"), "1");
    EXPECT_EQ(Str(fill, "tradeId"), trade_id);
    EXPECT_EQ(Str(fill, "fillTime"), std::to_string(kStartMs + 1000));
    EXPECT_EQ(Str(fill, "ts"), std::to_string(kStartMs + 1000));
    EXPECT_EQ(Str(fill, "tradeQuoteCcy"), "USDT");
    EXPECT_FALSE(Str(fill, "billId").empty());
  }
  // The balances moved by exactly the fill and its fee.
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Free("USDT"), usdt_before - notional);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - fee);
}

TEST_F(OkxOrdersSimTest, MarketBuyInBaseCurrencyWalksTheBookAndPaysTheTakerFeeInBtc) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));
  const auto book = sim_->BookSnapshot("BTC-USDT");
  const std::int64_t quantity = SeveralLevels(book->asks);
  const std::vector<BookLevel> taken = Walk(book->asks, quantity);
  ASSERT_GE(taken.size(), 2u);
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");

  const std::string ord_id = ExpectPlaced(
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"mkt1","side":"buy",)"
            R"("ordType":"market","sz":")" +
            D(quantity) + R"(","tgtCcy":"base_ccy","banAmend":true})"));
  const core::Int128 exact_quote = Notional(taken);
  const std::int64_t quote = CeilDiv(exact_quote, kUnit);
  const std::int64_t fee = FeeOf(quantity, kTakerPpm);

  {
    auto json = OrderOf(Query("instId=BTC-USDT&ordId=" + ord_id));
    simdjson::dom::element order = json->item();
    EXPECT_EQ(Str(order, "state"), "filled");
    EXPECT_EQ(Str(order, "ordType"), "market");
    EXPECT_EQ(Str(order, "tgtCcy"), "base_ccy");
    EXPECT_EQ(Str(order, "sz"), D(quantity));
    EXPECT_EQ(Str(order, "px"), "");
    EXPECT_EQ(Str(order, "accFillSz"), D(quantity));
    EXPECT_EQ(Str(order, "avgPx"), D(static_cast<std::int64_t>(exact_quote / quantity)));
    EXPECT_EQ(Str(order, "fee"), "-" + D(fee));
    EXPECT_EQ(Str(order, "fillPx"), D(taken.back().price));
    EXPECT_EQ(Str(order, "fillSz"), D(taken.back().quantity));
  }
  // Newest first; the order's fee is rounded up once: each fill pays what its cumulative fee
  // adds.
  const auto fills = Fills("instType=SPOT&instId=BTC-USDT&ordId=" + ord_id);
  Json json(fills.body);
  ASSERT_EQ(json.items(), taken.size()) << fills.body;
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    simdjson::dom::element fill = json.item(taken.size() - 1 - i);
    const std::int64_t fee_before = FeeOf(cumulative, kTakerPpm);
    cumulative += taken[i].quantity;
    EXPECT_EQ(Str(fill, "fillPx"), D(taken[i].price));
    EXPECT_EQ(Str(fill, "fillSz"), D(taken[i].quantity));
    EXPECT_EQ(Str(fill, "fee"), OkxFee(FeeOf(cumulative, kTakerPpm) - fee_before));
    EXPECT_EQ(Str(fill, "execType"), "T");
    EXPECT_EQ(Str(fill, "feeRate"), "-0.001");
    EXPECT_EQ(Str(fill, "feeCcy"), "BTC");
    EXPECT_EQ(Str(fill, "clOrdId"), "mkt1");
  }
  EXPECT_GT(std::stoull(Str(json.item(0), "billId")), std::stoull(Str(json.item(1), "billId")));
  // after=<the newest billId>: the older fills only.
  const auto older = Fills("instId=BTC-USDT&after=" + Str(json.item(0), "billId"));
  Json older_json(older.body);
  ASSERT_EQ(older_json.items(), taken.size() - 1) << older.body;
  EXPECT_EQ(Str(older_json.item(), "fillSz"), D(taken[taken.size() - 2].quantity));
  EXPECT_EQ(Json(Fills("instId=BTC-USDT&limit=1").body).items(), 1u);
  EXPECT_EQ(Fills("instType=SWAP").body, R"({"code":"0","data":[],"msg":""})");

  EXPECT_EQ(Free("USDT"), usdt_before - quote);
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(Free("BTC"), btc_before + quantity - fee);
  const auto orders = sim_->SandboxOrders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].cumulative_quote, quote);
}

TEST_F(OkxOrdersSimTest, MarketBuyDefaultsToQuoteCurrencyAndSpendsNoMoreThanSz) {
  StartSim();
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  const std::string ord_id = ExpectPlaced(
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":"100"})"));
  auto json = OrderOf(Query("instId=BTC-USDT&ordId=" + ord_id));
  simdjson::dom::element order = json->item();
  EXPECT_EQ(Str(order, "tgtCcy"), "quote_ccy") << "spot market buys default to quote_ccy";
  EXPECT_EQ(Str(order, "sz"), "100");
  EXPECT_EQ(Str(order, "state"), "filled");
  EXPECT_EQ(Str(order, "clOrdId"), "") << "placed without one";
  const std::int64_t bought = M(Str(order, "accFillSz"));
  EXPECT_GT(bought, 0);
  const std::int64_t spent = usdt_before - Free("USDT");
  EXPECT_GT(spent, M("99.99"));
  EXPECT_LE(spent, M("100"));
  EXPECT_EQ(Free("BTC"), btc_before + bought - FeeOf(bought, kTakerPpm));
  EXPECT_EQ(Str(order, "fee"), "-" + D(FeeOf(bought, kTakerPpm)));
}

TEST_F(OkxOrdersSimTest, MarketSellsInBaseAndInQuoteCurrencyPayTheFeeInUsdt) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTC-USDT");
  const std::int64_t quantity = SeveralLevels(book->bids);
  const std::vector<BookLevel> taken = Walk(book->bids, quantity);
  const std::int64_t usdt_before = Free("USDT");
  const std::int64_t btc_before = Free("BTC");
  // sz in base by default for a sell.
  const std::string ord_id = ExpectPlaced(
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":")" +
            D(quantity) + R"("})"));
  // A sell's quote is rounded down; its fee, in the USDT received, up.
  const std::int64_t quote = static_cast<std::int64_t>(Notional(taken) / kUnit);
  const std::int64_t fee = FeeOf(quote, kTakerPpm);
  {
    auto json = OrderOf(Query("instId=BTC-USDT&ordId=" + ord_id));
    simdjson::dom::element order = json->item();
    EXPECT_EQ(Str(order, "tgtCcy"), "base_ccy");
    EXPECT_EQ(Str(order, "side"), "sell");
    EXPECT_EQ(Str(order, "accFillSz"), D(quantity));
    EXPECT_EQ(Str(order, "fee"), "-" + D(fee));
    EXPECT_EQ(Str(order, "feeCcy"), "USDT");
    EXPECT_EQ(Str(order, "rebateCcy"), "BTC");
  }
  EXPECT_EQ(Free("BTC"), btc_before - quantity);
  EXPECT_EQ(Free("USDT"), usdt_before + quote - fee);
  const auto fills = Fills("instId=BTC-USDT&ordId=" + ord_id);
  Json json(fills.body);
  ASSERT_EQ(json.items(), taken.size());
  EXPECT_EQ(Str(json.item(), "subType"), "2");
  EXPECT_EQ(Str(json.item(), "feeCcy"), "USDT");

  // tgtCcy quote_ccy on a sell: sell BTC until 50 USDT are received.
  const std::int64_t btc_mid = Free("BTC");
  const std::string by_quote = ExpectPlaced(
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"sell","ordType":"market","sz":"50",)"
            R"("tgtCcy":"quote_ccy"})"));
  auto order_json = OrderOf(Query("instId=BTC-USDT&ordId=" + by_quote));
  simdjson::dom::element order = order_json->item();
  EXPECT_EQ(Str(order, "tgtCcy"), "quote_ccy");
  EXPECT_EQ(Str(order, "sz"), "50");
  EXPECT_EQ(Str(order, "state"), "filled");
  EXPECT_EQ(Free("BTC"), btc_mid - M(Str(order, "accFillSz")));
}

TEST_F(OkxOrdersSimTest, IocFokAndPostOnlyAreAcceptedThenCanceledAsOkxDoes) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));
  const std::int64_t usdt_before = Free("USDT");
  auto book = sim_->BookSnapshot("BTC-USDT");
  const BookLevel best = book->asks.front();
  // More than the best level holds, and at least minSz.
  const std::int64_t beyond_best = std::max(best.quantity + kLot, kMinSz);
  auto limit_body = [](std::string_view ord_type, std::int64_t price, std::int64_t quantity,
                       std::string_view client_id) {
    return R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":")" + std::string(client_id) +
           R"(","side":"buy","ordType":")" + std::string(ord_type) + R"(","px":")" + D(price) +
           R"(","sz":")" + D(quantity) + R"("})";
  };

  // fok that cannot fill in full: accepted, then canceled with nothing filled.
  ExpectPlaced(Place(limit_body("fok", best.price, beyond_best, "fok1")));
  {
    auto json = OrderOf(Query("instId=BTC-USDT&clOrdId=fok1"));
    EXPECT_EQ(Str(json->item(), "state"), "canceled");
    EXPECT_EQ(Str(json->item(), "ordType"), "fok");
    EXPECT_EQ(Str(json->item(), "accFillSz"), "0");
    EXPECT_EQ(Str(json->item(), "cancelSource"), "0");
  }
  EXPECT_EQ(Free("USDT"), usdt_before);
  EXPECT_EQ(Locked("USDT"), 0);
  EXPECT_EQ(sim_->BookSnapshot("BTC-USDT")->asks.front(), best) << "a fok takes nothing";

  // post_only at the ask would take: accepted, then canceled (cancelSource 31).
  ExpectPlaced(Place(limit_body("post_only", best.price, M("0.01"), "po1")));
  {
    auto json = OrderOf(Query("instId=BTC-USDT&clOrdId=po1"));
    EXPECT_EQ(Str(json->item(), "state"), "canceled");
    EXPECT_EQ(Str(json->item(), "ordType"), "post_only");
    EXPECT_EQ(Str(json->item(), "cancelSource"), "31");
    EXPECT_EQ(Str(json->item(), "cancelSourceReason"),
              "The post-only order will take liquidity in maker orders");
    EXPECT_EQ(Str(json->item(), "accFillSz"), "0");
  }
  EXPECT_EQ(Free("USDT"), usdt_before);
  // Below the bid it rests.
  ExpectPlaced(Place(limit_body("post_only", book->bids.front().price - kTick, M("0.01"), "po2")));
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=po2"))->item(), "state"), "live");

  // ioc through the best level: takes it, the rest is canceled (cancelSource 14).
  ExpectPlaced(Place(limit_body("ioc", best.price, beyond_best, "ioc1")));
  {
    auto json = OrderOf(Query("instId=BTC-USDT&clOrdId=ioc1"));
    EXPECT_EQ(Str(json->item(), "state"), "canceled");
    EXPECT_EQ(Str(json->item(), "ordType"), "ioc");
    EXPECT_EQ(Str(json->item(), "accFillSz"), D(best.quantity));
    EXPECT_EQ(Str(json->item(), "cancelSource"), "14");
  }
  // fok that can fill (through as many levels as minSz needs): filled.
  book = sim_->BookSnapshot("BTC-USDT");
  const std::vector<BookLevel> reach = Walk(book->asks, kMinSz);
  ExpectPlaced(Place(limit_body("fok", reach.back().price, kMinSz, "fok2")));
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=fok2"))->item(), "state"), "filled");
}

TEST_F(OkxOrdersSimTest, CancelByOrdIdOrClOrdIdAndItsRefusals) {
  StartSim();
  const std::int64_t usdt_before = Free("USDT");
  const std::string id1 = ExpectPlaced(Place(RestingBuy("c1")));
  const std::string id2 = ExpectPlaced(Place(RestingBuy("c2")));
  EXPECT_LT(Free("USDT"), usdt_before);

  clock_.Advance(500'000'000);
  const auto cancel = CancelOrder(R"({"instId":"BTC-USDT","ordId":")" + id1 + R"("})");
  ASSERT_EQ(cancel.status, 200) << cancel.body;
  {
    Json json(cancel.body);
    EXPECT_EQ(Keys(json.root), kOperationKeys);
    EXPECT_EQ(Str(json.root, "code"), "0");
    EXPECT_EQ(Str(json.root, "msg"), "");
    EXPECT_EQ(Keys(json.item()), kCancelItemKeys);
    EXPECT_EQ(Str(json.item(), "clOrdId"), "c1");
    EXPECT_EQ(Str(json.item(), "ordId"), id1);
    EXPECT_EQ(Str(json.item(), "sCode"), "0");
    EXPECT_EQ(Str(json.item(), "sMsg"), "");
    EXPECT_EQ(Str(json.item(), "ts"), std::to_string(kStartMs + 500));
  }
  {
    auto json = OrderOf(Query("instId=BTC-USDT&ordId=" + id1));
    EXPECT_EQ(Str(json->item(), "state"), "canceled");
    EXPECT_EQ(Str(json->item(), "cancelSource"), "1");
    EXPECT_EQ(Str(json->item(), "cancelSourceReason"), "Order canceled by user");
    EXPECT_EQ(Str(json->item(), "uTime"), std::to_string(kStartMs + 500));
  }
  const std::string failed =
      "Order cancellation failed as the order has been filled, canceled or does not exist.";
  ExpectRefused(CancelOrder(R"({"instId":"BTC-USDT","ordId":")" + id1 + R"("})"), "51400",
                failed, {}, id1);
  ExpectRefused(CancelOrder(R"({"instId":"BTC-USDT","ordId":"42"})"), "51400", failed, {}, "42");
  ExpectRefused(CancelOrder(R"({"instId":"ETH-USDT","ordId":")" + id2 + R"("})"), "51400",
                failed, {}, id2);
  ExpectRefused(CancelOrder(R"({"instId":"BTC-USDT","ordId":"12ab"})"), "51000",
                "Parameter ordId error");
  ExpectRefused(CancelOrder(R"({"instId":"BTC-USDT"})"), "51003",
                "Either client order ID or order ID is required.");
  ExpectRefused(CancelOrder(R"({"instId":"NOPE-USDT","ordId":")" + id2 + R"("})"), "51001",
                "Instrument ID, Instrument ID code or Spread ID doesn't exist.", {}, id2);
  ExpectTopLevel(CancelOrder(R"({"ordId":")" + id2 + R"("})"), 400, "50014",
                 "Parameter instId can not be empty.");

  // By clOrdId.
  const auto by_client = CancelOrder(R"({"instId":"BTC-USDT","clOrdId":"c2"})");
  Json json(by_client.body);
  EXPECT_EQ(Str(json.root, "code"), "0") << by_client.body;
  EXPECT_EQ(Str(json.item(), "ordId"), id2);
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=c2"))->item(), "state"), "canceled");
  // Everything released.
  EXPECT_EQ(Free("USDT"), usdt_before);
  EXPECT_EQ(Locked("USDT"), 0);
}

TEST_F(OkxOrdersSimTest, QueryRefusalsAreOkxs) {
  StartSim();
  const std::string id = ExpectPlaced(Place(RestingBuy("q1")));
  ExpectTopLevel(Query("instId=BTC-USDT&ordId=42"), 200, "51603", "Order does not exist.");
  ExpectTopLevel(Query("instId=ETH-USDT&ordId=" + id), 200, "51603", "Order does not exist.");
  ExpectTopLevel(Query("instId=BTC-USDT&clOrdId=nobody"), 200, "51603", "Order does not exist.");
  ExpectTopLevel(Query("ordId=" + id), 400, "50014", "Parameter instId can not be empty.");
  ExpectTopLevel(Query("instId=DOGE-USDT&ordId=" + id), 200, "51001",
                 "Instrument ID, Instrument ID code or Spread ID doesn't exist.");
  ExpectTopLevel(Query("instId=BTC-USDT"), 200, "51003",
                 "Either client order ID or order ID is required.");
  ExpectTopLevel(Query("instId=BTC-USDT&ordId=x1"), 400, "51000", "Parameter ordId error");
  // "If both are passed, ordId will be used."
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&ordId=" + id + "&clOrdId=other"))->item(),
                "clOrdId"),
            "q1");
  // A clOrdId is unique among open orders only; a query finds the latest.
  ExpectRefused(Place(RestingBuy("q1")), "51016", "Client order ID already exists.");
  ASSERT_EQ(Str(Json(CancelOrder(R"({"instId":"BTC-USDT","clOrdId":"q1"})").body).root, "code"),
            "0");
  const std::string again = ExpectPlaced(Place(RestingBuy("q1")));
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=q1"))->item(), "ordId"), again);
  ExpectTopLevel(Fills("instType=STOCK"), 400, "51000", "Parameter instType error");
  ExpectTopLevel(Fills("limit=101"), 400, "51000", "Parameter limit error");
}

TEST_F(OkxOrdersSimTest, OrderRefusalsMapTheEnginesOntoOkxsCodes) {
  StartSim();
  const auto book = sim_->BookSnapshot("BTC-USDT");
  const std::int64_t bid = book->bids.front().price;
  auto body = [](std::string_view fields) {
    return R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"r1",)" + std::string(fields) + "}";
  };
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10")));
  ExpectRefused(
      Place(body(R"("side":"buy","ordType":"limit","px":")" + D(bid - 100 * kTick) +
                 R"(","sz":"0.01")")),
      "51008", "Order failed. Insufficient USDT balance in account", "1000");
  {
    Json json(Place(body(R"("side":"buy","ordType":"limit","px":")" + D(bid) + R"(","sz":"1")"))
                  .body);
    EXPECT_EQ(Str(json.item(), "clOrdId"), "r1") << "echoed";
  }
  ExpectRefused(Place(body(R"("side":"sell","ordType":"limit","px":")" + D(bid + 100 * kTick) +
                           R"(","sz":"20")")),
                "51008", "Order failed. Insufficient BTC balance in account", "1000");
  // minSz 0.00001, lotSz (ETH-USDT) 0.000001, tickSz 0.1.
  ExpectRefused(Place(body(R"("side":"sell","ordType":"limit","px":")" + D(bid + 100 * kTick) +
                           R"(","sz":"0.000009")")),
                "51020", "Your order should meet or exceed the minimum order amount.");
  ExpectRefused(Place(R"({"instId":"ETH-USDT","tdMode":"cash","side":"sell","ordType":"limit",)"
                      R"("px":"9999","sz":"0.0100001"})"),
                "51121", "Order quantity must be a multiple of the lot size.");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"limit","px":")" +
                           D(bid + 100 * kTick + kTick / 2) + R"(","sz":"0.01")")),
                "51000", "Parameter px error");
  ExpectRefused(Place(R"({"instId":"DOGE-USDT","tdMode":"cash","side":"buy","ordType":"limit",)"
                      R"("px":"1","sz":"1"})"),
                "51001", "Instrument ID, Instrument ID code or Spread ID doesn't exist.");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"limit","sz":"0.01")")), "51000",
                "Parameter px error");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"optimal_limit_ioc","sz":"0.01")")),
                "51000", "Parameter ordType error");
  ExpectRefused(Place(body(R"("side":"hold","ordType":"market","sz":"0.01")")), "51000",
                "Parameter side error");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"market","sz":"-1")")), "51000",
                "Parameter sz error");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"market","sz":1)")), "51000",
                "Parameter sz error");
  ExpectRefused(Place(body(R"("side":"sell","ordType":"market","sz":"0.01","tgtCcy":"usd")")),
                "51000", "Parameter tgtCcy error");
  ExpectRefused(Place(R"({"instId":"BTC-USDT","tdMode":"cross","side":"sell","ordType":"market",)"
                      R"("sz":"0.01"})"),
                "51000", "Parameter tdMode error");
  ExpectRefused(Place(R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"has-dash","side":"sell",)"
                      R"("ordType":"market","sz":"0.01"})"),
                "51000", "Parameter clOrdId error");
  ExpectRefused(Place(R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":")" +
                      std::string(33, 'a') + R"(","side":"sell","ordType":"market","sz":"0.01"})"),
                "51000", "Parameter clOrdId error");
  // Requests refused as a whole.
  ExpectTopLevel(Place(body(R"("side":"sell","ordType":"market")")), 400, "50014",
                 "Parameter sz can not be empty.");
  ExpectTopLevel(Place(R"({"tdMode":"cash","side":"sell","ordType":"market","sz":"1"})"), 400,
                 "50014", "Parameter instId can not be empty.");
  ExpectTopLevel(Place(""), 400, "50000", "Body for POST request cannot be empty.");
  ExpectTopLevel(Place("{"), 400, "50002", "JSON syntax error");
  ExpectTopLevel(Place("[]"), 400, "50002", "JSON syntax error");
  {
    net::HttpClientRequest request =
        SignedRequest("POST", "/api/v5/trade/order", body(R"("side":"sell","ordType":"market")"));
    for (auto& header : request.headers) {
      if (header.first == "Content-Type") header.second = "text/plain";
    }
    ExpectTopLevel(Send(std::move(request)), 400, "50006",
                   "Invalid Content-Type. Please use \\\"application/JSON\\\".");
  }
  ExpectGateway(Signed("DELETE", "/api/v5/trade/order"), 405, "50115", "Invalid request method.");
  EXPECT_TRUE(sim_->SandboxOrders().empty()) << "no refusal placed anything";

  // A duplicate clOrdId while the first is open.
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("100000")));
  ExpectPlaced(Place(RestingBuy("dup1")));
  ExpectRefused(Place(RestingBuy("dup1")), "51016", "Client order ID already exists.");
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(OkxOrdersSimTest, BanAmendFalseReducesAMarketOrderToTheBalanceAndTrueRefusesIt) {
  StartSim();
  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("1000")));
  const std::string order = R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy",)"
                            R"("ordType":"market","sz":"1","tgtCcy":"base_ccy")";
  ExpectRefused(Place(order + R"(,"banAmend":true})"), "51008",
                "Order failed. Insufficient USDT balance in account", "1000");
  EXPECT_EQ(Free("USDT"), M("1000"));
  // banAmend false (the default): executed for what 1000 USDT buy.
  const std::string ord_id = ExpectPlaced(Place(order + "}"));
  auto json = OrderOf(Query("instId=BTC-USDT&ordId=" + ord_id));
  simdjson::dom::element placed = json->item();
  EXPECT_EQ(Str(placed, "state"), "filled");
  const std::int64_t bought = M(Str(placed, "accFillSz"));
  EXPECT_GT(bought, 0);
  EXPECT_LT(bought, M("1"));
  EXPECT_EQ(Str(placed, "sz"), D(bought)) << "the reduced sz";
  EXPECT_LT(Free("USDT"), M("0.01"));
}

TEST_F(OkxOrdersSimTest, ExpTimeInThePastIsNotProcessed) {
  StartSim();
  net::HttpClientRequest late =
      SignedRequest("POST", "/api/v5/trade/order", RestingBuy("late1"));
  late.headers.emplace_back("expTime", std::to_string(NowMs() - 1));
  ExpectRefused(Send(std::move(late)), "50037", "Order expired.");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  net::HttpClientRequest in_time =
      SignedRequest("POST", "/api/v5/trade/order", RestingBuy("late1"));
  in_time.headers.emplace_back("expTime", std::to_string(NowMs() + 5000));
  ExpectPlaced(Send(std::move(in_time)));
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(OkxOrdersSimTest, BalanceListsEveryHeldCurrencyWithAvailableAndFrozen) {
  StartSim();
  ExpectPlaced(Place(RestingBuy("b1")));
  const Balance usdt = sim_->SandboxBalance("USDT").value();
  ASSERT_GT(usdt.locked, 0);
  const auto response = Signed("GET", "/api/v5/account/balance");
  ASSERT_EQ(response.status, 200) << response.body;
  Json json(response.body);
  EXPECT_EQ(Str(json.root, "code"), "0");
  ASSERT_EQ(json.items(), 1u);
  simdjson::dom::array details = json.item()["details"];
  std::vector<std::string> ccys;
  for (simdjson::dom::element detail : details) {
    const std::string ccy = Str(detail, "ccy");
    ccys.push_back(ccy);
    const Balance balance = sim_->SandboxBalance(ccy).value();
    EXPECT_EQ(Str(detail, "availBal"), D(balance.free)) << ccy;
    EXPECT_EQ(Str(detail, "frozenBal"), D(balance.locked)) << ccy;
    EXPECT_EQ(Str(detail, "ordFrozen"), D(balance.locked)) << ccy;
    EXPECT_EQ(Str(detail, "cashBal"), D(balance.free + balance.locked)) << ccy;
    EXPECT_EQ(Str(detail, "eq"), D(balance.free + balance.locked)) << ccy;
  }
  EXPECT_EQ(ccys, (std::vector<std::string>{"BTC", "ETH", "USDT"}));
  EXPECT_GT(M(Str(json.item(), "totalEq")), M("100000"));
  const auto one = Signed("GET", "/api/v5/account/balance?ccy=BTC,usdt");
  Json filtered(one.body);
  simdjson::dom::array some = filtered.item()["details"];
  ASSERT_EQ(some.size(), 2u) << one.body;
  EXPECT_EQ(Str(some.at(0), "ccy"), "BTC");
  EXPECT_EQ(Str(some.at(1), "ccy"), "USDT");
  // A currency that is not held is not listed.
  ASSERT_TRUE(sim_->SetSandboxBalance("ETH", 0));
  Json none(Signed("GET", "/api/v5/account/balance?ccy=ETH").body);
  EXPECT_EQ(simdjson::dom::array(none.item()["details"]).size(), 0u);
}

// ---- authentication ----

TEST_F(OkxOrdersSimTest, AuthenticationRefusalsAreOkxs401sInOkxsOrder) {
  StartSim();
  const std::string path = "/api/v5/account/balance";
  EXPECT_EQ(Signed("GET", path).status, 200);
  // x-simulated-trading is accepted.
  {
    net::HttpClientRequest request = SignedRequest("GET", path);
    request.headers.emplace_back("x-simulated-trading", "1");
    EXPECT_EQ(Send(std::move(request)).status, 200);
  }
  Credentials wrong_secret;
  wrong_secret.secret = "00000000000000000000000000000000";
  ExpectGateway(Send(SignedRequest("GET", path, {}, wrong_secret)), 401, "50113", "Invalid Sign");
  // The query is part of what is signed.
  {
    net::HttpClientRequest request = SignedRequest("GET", path + "?ccy=BTC");
    request.target = path + "?ccy=ETH";
    ExpectGateway(Send(std::move(request)), 401, "50113", "Invalid Sign");
  }
  // So is the body.
  {
    net::HttpClientRequest request = SignedRequest("POST", "/api/v5/trade/order", RestingBuy("a1"));
    request.body = RestingBuy("a2");
    ExpectGateway(Send(std::move(request)), 401, "50113", "Invalid Sign");
  }
  Credentials unknown;
  unknown.key = "0b1f5e5c-3a9d-4c2e-8f7a-6d5c4b3a2910";
  ExpectGateway(Send(SignedRequest("GET", path, {}, unknown)), 401, "50119",
                "API key doesn't exist");
  Credentials malformed;
  malformed.key = "not-a-key";
  ExpectGateway(Send(SignedRequest("GET", path, {}, malformed)), 401, "50111",
                "Invalid OK-ACCESS-KEY");
  Credentials passphrase;
  passphrase.passphrase = "guess";
  ExpectGateway(Send(SignedRequest("GET", path, {}, passphrase)), 401, "50105",
                "Request header OK-ACCESS-PASSPHRASE incorrect.");
  // The timestamp: 30 s either way, checked before the key.
  EXPECT_EQ(Send(SignedRequest("GET", path, {}, Credentials{}, -29'999)).status, 200);
  EXPECT_EQ(Send(SignedRequest("GET", path, {}, Credentials{}, 29'999)).status, 200);
  ExpectGateway(Send(SignedRequest("GET", path, {}, Credentials{}, -30'001)), 401, "50102",
                "Timestamp request expired");
  ExpectGateway(Send(SignedRequest("GET", path, {}, Credentials{}, 30'001)), 401, "50102",
                "Timestamp request expired");
  ExpectGateway(Send(SignedRequest("GET", path, {}, unknown, -60'000)), 401, "50102",
                "Timestamp request expired");
  for (const std::string& bad : {std::to_string(NowMs()), Iso(NowMs()).substr(0, 19) + "Z",
                                Iso(NowMs()).substr(0, 23) + "+00:00"}) {
    net::HttpClientRequest request = SignedRequest("GET", path);
    for (auto& header : request.headers) {
      if (header.first == "OK-ACCESS-TIMESTAMP") header.second = bad;
    }
    ExpectGateway(Send(std::move(request)), 401, "50112", "Invalid OK-ACCESS-TIMESTAMP");
  }
  // A missing header.
  const struct {
    const char* header;
    const char* code;
  } missing[] = {{"OK-ACCESS-KEY", "50103"},
                 {"OK-ACCESS-SIGN", "50106"},
                 {"OK-ACCESS-TIMESTAMP", "50107"},
                 {"OK-ACCESS-PASSPHRASE", "50104"}};
  for (const auto& m : missing) {
    net::HttpClientRequest request = SignedRequest("GET", path);
    std::erase_if(request.headers, [&](const auto& h) { return h.first == m.header; });
    ExpectGateway(Send(std::move(request)), 401, m.code,
                  "Request header " + std::string(m.header) + " can not be empty.");
  }
  // No refused request reached the engine.
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

// ---- rate limits ----

TEST_F(OkxOrdersSimTest, PlaceCancelAndBalanceHaveOkxsIndependentLimitsPerTwoSeconds) {
  OkxDialectOptions options;
  options.orders.rate_limits.place = 2;
  options.orders.rate_limits.cancel = 1;
  options.orders.rate_limits.balance = 1;
  StartSim(std::move(options));
  const std::string id = ExpectPlaced(Place(RestingBuy("rl1")));
  ExpectPlaced(Place(RestingBuy("rl2")));
  const auto limited = Place(RestingBuy("rl3"));
  ExpectGateway(limited, 429, "50011", "Too Many Requests");
  EXPECT_TRUE(limited.Header("Retry-After").empty()) << "OKX sends no Retry-After";
  EXPECT_EQ(sim_->SandboxOrders().size(), 2u);
  // Per instrument: ETH-USDT has its own.
  ExpectPlaced(Place(R"({"instId":"ETH-USDT","tdMode":"cash","side":"buy","ordType":"limit",)"
                     R"("px":"1","sz":"0.01"})"));
  // Cancels are counted apart from places.
  EXPECT_EQ(Str(Json(CancelOrder(R"({"instId":"BTC-USDT","ordId":")" + id + R"("})").body).root,
                "code"),
            "0");
  ExpectGateway(CancelOrder(R"({"instId":"BTC-USDT","clOrdId":"rl2"})"), 429, "50011",
                "Too Many Requests");
  EXPECT_EQ(Signed("GET", "/api/v5/account/balance").status, 200);
  ExpectGateway(Signed("GET", "/api/v5/account/balance"), 429, "50011", "Too Many Requests");
  // Queries are not limited by those.
  EXPECT_EQ(Query("instId=BTC-USDT&clOrdId=rl2").status, 200);

  // The window slides: 2 s after the first place, one more is admitted.
  clock_.Advance(1'999'000'000);
  ExpectGateway(Place(RestingBuy("rl3")), 429, "50011", "Too Many Requests");
  clock_.Advance(1'000'000);
  ExpectPlaced(Place(RestingBuy("rl3")));
  ExpectPlaced(Place(RestingBuy("rl4")));
  ExpectGateway(Place(RestingBuy("rl5")), 429, "50011", "Too Many Requests");
  EXPECT_EQ(Signed("GET", "/api/v5/account/balance").status, 200);
}

TEST(OkxRateLimitsTest, DefaultsAreOkxsDocumentedLimits) {
  OkxRateLimits limits{OkxRateLimitOptions{}};
  EXPECT_EQ(limits.limit(OkxEndpoint::kPlace), 60);
  EXPECT_EQ(limits.limit(OkxEndpoint::kCancel), 60);
  EXPECT_EQ(limits.limit(OkxEndpoint::kOrderDetails), 60);
  EXPECT_EQ(limits.limit(OkxEndpoint::kFills), 60);
  EXPECT_EQ(limits.limit(OkxEndpoint::kBalance), 10);
  for (int i = 0; i < 60; ++i) EXPECT_TRUE(limits.Admit(OkxEndpoint::kPlace, "BTC-USDT", 1000 + i));
  EXPECT_FALSE(limits.Admit(OkxEndpoint::kPlace, "BTC-USDT", 2999));
  EXPECT_TRUE(limits.Admit(OkxEndpoint::kPlace, "ETH-USDT", 2999));
  EXPECT_TRUE(limits.Admit(OkxEndpoint::kPlace, "BTC-USDT", 3000)) << "the first left the window";
  EXPECT_FALSE(limits.Admit(OkxEndpoint::kPlace, "BTC-USDT", 3000));
}

// ---- faults ----

TEST_F(OkxOrdersSimTest, RateLimitedFaultIs429UntilItsRetryAfterHasPassed) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 3s));
  auto response = Place(RestingBuy("f1"));
  ExpectGateway(response, 429, "50011", "Too Many Requests");
  EXPECT_EQ(response.Header("Retry-After"), "3");
  clock_.Advance(1'000'000'000);
  response = Signed("GET", "/api/v5/account/balance");
  ExpectGateway(response, 429, "50011", "Too Many Requests");
  EXPECT_EQ(response.Header("Retry-After"), "2");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock_.Advance(2'000'000'000);
  ExpectPlaced(Place(RestingBuy("f1")));
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(OkxOrdersSimTest, ServerErrorFaultProcessesNothing) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError, 2));
  const std::string unavailable = "Service temporarily unavailable. Please try again later.";
  ExpectTopLevel(Place(RestingBuy("se1")), 503, "50001", unavailable);
  ExpectTopLevel(Query("instId=BTC-USDT&clOrdId=se1"), 503, "50001", unavailable);
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  ExpectTopLevel(Query("instId=BTC-USDT&clOrdId=se1"), 200, "51603", "Order does not exist.");
}

TEST_F(OkxOrdersSimTest, AcceptThenFailPlacesTheOrderAndAnswers503) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  ExpectTopLevel(Place(RestingBuy("af1")), 503, "50001",
                 "Service temporarily unavailable. Please try again later.");
  ASSERT_EQ(sim_->SandboxOrders().size(), 1u);
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=af1"))->item(), "state"), "live");
}

TEST_F(OkxOrdersSimTest, AcceptThenTimeoutPlacesTheOrderOnceAndNeverAnswers) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto result = SendOn(impatient, SignedRequest("POST", "/api/v5/trade/order",
                                                R"({"instId":"BTC-USDT","tdMode":"cash",)"
                                                R"("clOrdId":"to1","side":"buy",)"
                                                R"("ordType":"market","sz":"100"})"));
  EXPECT_FALSE(result.ok()) << "no answer ever came";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(Str(OrderOf(Query("instId=BTC-USDT&clOrdId=to1"))->item(), "state"), "filled");
  int found = 0;
  for (const Order& order : sim_->SandboxOrders()) found += order.client_order_id == "to1";
  EXPECT_EQ(found, 1) << "placed exactly once";
}

TEST_F(OkxOrdersSimTest, AdminEndpointArmsOrderFaultsForOkx) {
  StartSim();
  net::HttpClientRequest admin;
  admin.method = "POST";
  admin.target = "/_sim/order-fault";
  admin.body = R"({"fault":"server_error","count":1})";
  admin.headers.emplace_back("Content-Type", "application/json");
  const auto armed = Send(std::move(admin));
  EXPECT_EQ(armed.status, 200) << armed.body;
  EXPECT_EQ(Place(RestingBuy("adm1")).status, 503);
  ExpectPlaced(Place(RestingBuy("adm1")));  // one request only
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

// ---- the public stream ----

TEST_F(OkxOrdersSimTest, ATakersTradesShowOnThePublicTradesChannel) {
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
  ASSERT_TRUE(client_io_.Run([client] {
    return client->Send(R"({"op":"subscribe","args":[{"channel":"trades","instId":"BTC-USDT"}]})");
  }));
  ASSERT_TRUE(recorder.WaitFor([](const std::vector<std::string>& messages, int) {
    for (const std::string& text : messages) {
      if (text.find(R"("event":"subscribe")") != std::string::npos) return true;
    }
    return false;
  }));

  ASSERT_TRUE(sim_->SetSandboxBalance("USDT", M("10000000")));
  const auto book = sim_->BookSnapshot("BTC-USDT");
  const std::int64_t quantity = SeveralLevels(book->asks);
  const std::size_t levels = Walk(book->asks, quantity).size();
  const std::string ord_id = ExpectPlaced(
      Place(R"({"instId":"BTC-USDT","tdMode":"cash","side":"buy","ordType":"market","sz":")" +
            D(quantity) + R"(","tgtCcy":"base_ccy"})"));
  Json fills(Fills("instId=BTC-USDT&ordId=" + ord_id).body);
  ASSERT_EQ(fills.items(), levels);
  ASSERT_GE(levels, 2u);
  // Every trade, at the fills' prices, sizes and trade ids, the taker a buyer.
  auto seen = [&](const std::vector<std::string>& messages) {
    int matched = 0;
    simdjson::dom::parser parser;
    for (const std::string& text : messages) {
      simdjson::dom::element frame = parser.parse(text);
      std::string_view channel;
      if (frame.at_pointer("/arg/channel").get(channel) != simdjson::SUCCESS ||
          channel != "trades" || frame["data"].error() != simdjson::SUCCESS) {
        continue;
      }
      for (simdjson::dom::element trade : simdjson::dom::array(frame["data"])) {
        for (std::size_t i = 0; i < fills.items(); ++i) {
          if (Str(trade, "px") == Str(fills.item(i), "fillPx") &&
              Str(trade, "sz") == Str(fills.item(i), "fillSz") &&
              Str(trade, "tradeId") == Str(fills.item(i), "tradeId") &&
              Str(trade, "side") == "buy") {
            ++matched;
          }
        }
      }
    }
    return matched == static_cast<int>(levels);
  };
  EXPECT_TRUE(recorder.WaitFor([&](auto& messages, int) { return seen(messages); }));
}

}  // namespace
}  // namespace tradingd::sim::okx
