// gateways/common/rest_gateway.h with the Binance protocol (gateways/binance/binance_gateway.h),
// against a loopback net::HttpServer that plays Binance's REST endpoints with scripted answers.
//
// Threads: the fake venue runs on its own IoThread, the gateway on another; the test thread drives
// them and waits for events on a condition variable (never a sleep). What the venue received is
// checked against rest-api.md, and the signature against an HMAC-SHA256 computed here with
// OpenSSL's one-shot HMAC() (not with the code base's Signer).

#include "gateways/common/rest_gateway.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
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
#include "gateways/binance/binance_gateway.h"
#include "net/http_server.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"
#include "tests/support/io_thread.h"
#include "tests/support/recording_sink.h"

namespace tradingd::gateways {
namespace {

using namespace std::chrono_literals;
using core::OrderStatus;
using core::OrderUpdate;

// The key pair of rest-api.md's signed-request example (documentation values, not a real key).
constexpr std::string_view kApiKey =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::string_view kSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
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

std::string Param(std::string_view query, std::string_view key) {
  for (const auto& [name, value] : SplitParams(query)) {
    if (name == key) return value;
  }
  return "<absent>";
}

// Every signed request: recvWindow and timestamp last before the signature, which is the
// HMAC-SHA256 hex of everything before "&signature=", and the API key in X-MBX-APIKEY.
void ExpectSigned(const net::ServerRequest& request) {
  SCOPED_TRACE(request.method + " " + request.target);
  EXPECT_EQ(request.Header("X-MBX-APIKEY"), kApiKey);
  EXPECT_TRUE(request.body.empty());
  const std::string_view query = request.Query();
  const std::size_t at = query.rfind("&signature=");
  ASSERT_NE(at, std::string_view::npos);
  const std::string_view signed_part = query.substr(0, at);
  const std::string_view signature = query.substr(at + std::string_view("&signature=").size());
  EXPECT_EQ(signature, HmacSha256Hex(kSecret, signed_part));
  const Params params = SplitParams(query);
  ASSERT_GE(params.size(), 3u);
  EXPECT_EQ(params[params.size() - 3],
            (std::pair<std::string, std::string>("recvWindow", std::to_string(kRecvWindowMs))));
  EXPECT_EQ(params[params.size() - 2],
            (std::pair<std::string, std::string>("timestamp", std::to_string(kNowMs))));
  EXPECT_EQ(params.back().first, "signature");
}

// ---- the engine's side: a sink that records events and can play a full queue ----

using testing::RecordingSink;

// ---- the venue's side: Binance's REST endpoints with scripted answers ----

struct Answer {
  int status = 200;
  std::string body;
  net::HeaderList headers;
  bool hold = false;  // never answer (the Respond is kept until the server stops)
};

Answer Error(int status, std::int64_t code, std::string_view msg) {
  return Answer{status,
                "{\"code\":" + std::to_string(code) + ",\"msg\":\"" + std::string(msg) + "\"}"};
}

class FakeBinance {
 public:
  explicit FakeBinance(testing::IoThread& io) : io_(io) {}

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
    Answer answer = Error(400, -9999, "no scripted answer for this endpoint");
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

// ---- answers in Binance's shapes (rest-api.md) ----

std::string OrderBody(std::string_view status, std::string_view executed, std::string_view quote,
                      std::string_view fills = {}) {
  std::string body = R"({"symbol":"BTCUSDT","orderId":4242,"orderListId":-1,)"
                     R"("clientOrderId":"echo","transactTime":1700000000500,)"
                     R"("price":"65000.10000000","origQty":"0.50000000","executedQty":")" +
                     std::string(executed) + R"(","cummulativeQuoteQty":")" + std::string(quote) +
                     R"(","status":")" + std::string(status) +
                     R"(","timeInForce":"GTC","type":"LIMIT","side":"BUY",)"
                     R"("workingTime":1700000000500,"selfTradePreventionMode":"NONE")";
  if (!fills.empty()) body += R"(,"fills":)" + std::string(fills);
  return body + "}";
}

constexpr std::string_view kTwoFills =
    R"([{"price":"64999.00000000","qty":"0.10000000","commission":"0.00010000",)"
    R"("commissionAsset":"BTC","tradeId":901},)"
    R"({"price":"65000.00000000","qty":"0.20000000","commission":"0.00020000",)"
    R"("commissionAsset":"BTC","tradeId":902}])";

class RestGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto id = registry_.Add(core::Venue::kBinance, "BTC", "USDT", "BTCUSDT", 8, 8);
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
    binance::BinanceOrderOptions binance_options;
    binance_options.api_key = std::string(kApiKey);
    binance_options.api_secret = std::string(kSecret);
    binance_options.recv_window = std::chrono::milliseconds(kRecvWindowMs);
    auto protocol = binance::MakeBinanceOrderProtocol(binance_options);
    ASSERT_TRUE(protocol.ok()) << protocol.status().ToString();
    gateway_io_.Run([&] {
      gateway_ =
          std::make_unique<RestGateway>(gateway_io_.io(), std::move(options),
                                        std::move(protocol).value(), registry_, sink_, clock_);
    });
  }
  void StartGateway() { StartGateway(Options()); }

  core::OrderSpec LimitBuy(std::uint64_t n) const {
    core::OrderSpec spec;
    spec.instrument = btc_;
    spec.side = core::Side::kBuy;
    spec.type = core::OrderType::kLimit;
    spec.time_in_force = core::TimeInForce::kGtc;
    spec.quantity = core::Quantity::FromMantissa(50'000'000);   // 0.5
    spec.price = core::Price::FromMantissa(6'500'010'000'000);  // 65000.1
    spec.client_order_id = core::ClientOrderId::FromBits(0xfeedface, n);
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
    market.best_bid = core::Price::FromMantissa(6'500'000'000'000);
    market.best_ask = core::Price::FromMantissa(6'500'001'000'000);
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

  core::OrderRef Ref(std::uint64_t n, std::string_view venue_order_id = {}) const {
    core::OrderRef ref;
    ref.instrument = btc_;
    ref.client_order_id = core::ClientOrderId::FromBits(0xfeedface, n);
    // (Only when known: ShortText::Assign memcpy's from the view's data, which is null for an
    // empty std::string_view: UB that the sanitizer build refuses.)
    if (!venue_order_id.empty()) ref.venue_order_id.Assign(venue_order_id);
    return ref;
  }

  // The OrderUpdates of one order, in order.
  std::vector<OrderUpdate> UpdatesOf(std::uint64_t n) const {
    const core::ClientOrderId id = core::ClientOrderId::FromBits(0xfeedface, n);
    std::vector<OrderUpdate> out;
    for (const OrderUpdate& update : sink_.All<OrderUpdate>()) {
      if (update.client_order_id == id) out.push_back(update);
    }
    return out;
  }
  bool WaitForUpdates(std::size_t count) { return sink_.WaitFor<OrderUpdate>(count); }

  core::ManualClock clock_{kNowNs};
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  RecordingSink sink_;
  testing::IoThread server_io_;
  testing::IoThread gateway_io_;
  FakeBinance venue_{server_io_};
  std::uint16_t port_ = 0;
  std::unique_ptr<RestGateway> gateway_;  // made and destroyed on gateway_io_
};

TEST(RestGatewaySupport, HmacHelperMatchesTheDocsExample) {
  // rest-api.md, "SIGNED Endpoint Examples for POST /api/v3/order", Example 2.
  EXPECT_EQ(HmacSha256Hex(kSecret,
                          "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                          "&recvWindow=5000&timestamp=1499827319559"),
            "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
}

// (a) What the venue receives for a new order.
TEST_F(RestGatewayTest, PlaceSendsTheDocumentedSignedRequest) {
  venue_.Script("POST /api/v3/order", {Answer{200, OrderBody("NEW", "0.00000000", "0.00000000")}});
  StartGateway();
  Place(LimitBuy(1));
  ASSERT_TRUE(WaitForUpdates(1));

  const auto requests = venue_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const net::ServerRequest& request = requests[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Path(), "/api/v3/order");
  EXPECT_EQ(request.remote_address, "127.0.0.1");
  ExpectSigned(request);
  const Params params = SplitParams(request.Query());
  const std::string signature =
      HmacSha256Hex(kSecret, request.Query().substr(0, request.Query().rfind("&signature=")));
  const Params expected = {
      {"symbol", "BTCUSDT"},
      {"side", "BUY"},
      {"type", "LIMIT"},
      {"quantity", "0.5"},
      {"price", "65000.1"},
      {"timeInForce", "GTC"},
      {"newClientOrderId", std::string(core::ClientOrderId::FromBits(0xfeedface, 1).view())},
      {"newOrderRespType", "FULL"},
      {"recvWindow", "3000"},
      {"timestamp", "1700000000123"},
      {"signature", signature},
  };
  EXPECT_EQ(params, expected);
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_EQ(signature.find_first_not_of("0123456789abcdef"), std::string::npos);
}

// (b) A FULL answer: the fills first, then the order's state.
TEST_F(RestGatewayTest, FullAnswerPublishesFillsBeforeTheUpdate) {
  venue_.Script(
      "POST /api/v3/order",
      {Answer{200, OrderBody("PARTIALLY_FILLED", "0.30000000", "19499.90000000", kTwoFills)}});
  StartGateway();
  Place(LimitBuy(2));
  ASSERT_TRUE(WaitForUpdates(1));

  const std::vector<core::Event> events = sink_.Events();
  std::vector<std::size_t> fill_at;
  std::size_t update_at = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::holds_alternative<core::Fill>(events[i])) fill_at.push_back(i);
    if (std::holds_alternative<OrderUpdate>(events[i])) update_at = i;
  }
  ASSERT_EQ(fill_at.size(), 2u);
  EXPECT_LT(fill_at.back(), update_at);

  const auto fills = sink_.All<core::Fill>();
  const core::ClientOrderId id = core::ClientOrderId::FromBits(0xfeedface, 2);
  const std::pair<std::int64_t, std::int64_t> price_qty[] = {{6'499'900'000'000, 10'000'000},
                                                             {6'500'000'000'000, 20'000'000}};
  for (std::size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(fills[i].venue, core::Venue::kBinance);
    EXPECT_EQ(fills[i].instrument, btc_);
    EXPECT_EQ(fills[i].client_order_id, id);
    EXPECT_EQ(fills[i].trade_id.view(), i == 0 ? "901" : "902");
    EXPECT_EQ(fills[i].side, core::Side::kBuy);
    EXPECT_EQ(fills[i].price.mantissa(), price_qty[i].first);
    EXPECT_EQ(fills[i].quantity.mantissa(), price_qty[i].second);
    EXPECT_EQ(fills[i].fee.mantissa(), i == 0 ? 10'000 : 20'000);
    EXPECT_EQ(fills[i].fee_asset.view(), "BTC");
    EXPECT_FALSE(fills[i].maker);
  }

  const OrderUpdate update = std::get<OrderUpdate>(events[update_at]);
  EXPECT_EQ(update.venue, core::Venue::kBinance);
  EXPECT_EQ(update.instrument, btc_);
  EXPECT_EQ(update.client_order_id, id);
  EXPECT_EQ(update.venue_order_id.view(), "4242");
  EXPECT_EQ(update.status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(update.source, core::UpdateSource::kPlace);
  EXPECT_TRUE(update.has_filled);
  EXPECT_EQ(update.filled_quantity.mantissa(), 30'000'000);
  EXPECT_EQ(update.filled_notional.mantissa(), 1'949'990'000'000);
  EXPECT_EQ(update.venue_time_ns, 1'700'000'000'500'000'000);
  EXPECT_EQ(update.receive_time_ns, kNowNs);
  EXPECT_FALSE(update.cancel_refused);

  // A signed request was accepted: the keys work.
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_EQ(statuses[0].venue, core::Venue::kBinance);
  EXPECT_TRUE(sink_.WaitForFlushes(1));
}

// (c) A definitive refusal.
TEST_F(RestGatewayTest, InsufficientBalanceIsRejectedWithTheVenuesCodeAndMessage) {
  venue_.Script("POST /api/v3/order",
                {Error(400, -2010, "Account has insufficient balance for requested action.")});
  StartGateway();
  Place(LimitBuy(3));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(3);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
  EXPECT_EQ(updates[0].venue_code.view(), "-2010");
  EXPECT_EQ(updates[0].message.view(), "Account has insufficient balance for requested action.");
  EXPECT_EQ(updates[0].instrument, btc_);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
  // No rate-limit headers in this answer: no report. The refusal is the gateway's last error, and
  // says nothing about the keys.
  EXPECT_TRUE(sink_.All<core::RateLimitReport>().empty());
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kUnchecked);
  EXPECT_NE(statuses[0].last_error.view().find("-2010"), std::string_view::npos);
}

// (d) rest-api.md: a 5XX "execution status is UNKNOWN and could have been a success"; errors.md:
// -1006 and -1007 "execution status unknown". Never REJECTED.
TEST_F(RestGatewayTest, ServerErrorsAndExecutionUnknownCodesAreUnknown) {
  venue_.Script(
      "POST /api/v3/order",
      {Answer{500, "<html><body>Internal Server Error</body></html>"},
       Error(400, -1007,
             "Timeout waiting for response from backend server. Send status unknown; execution "
             "status unknown."),
       Error(503, -1006,
             "An unexpected response was received from the message bus. Execution status "
             "unknown."),
       Answer{200, R"({"symbol":"BTCUSDT","orderId":)"}});  // a 200 we cannot read
  StartGateway();
  for (std::uint64_t n = 10; n < 14; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(4));
  const std::pair<std::uint64_t, const char*> expected[] = {
      {10, "500"}, {11, "-1007"}, {12, "-1006"}, {13, "200"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
    EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
    EXPECT_EQ(updates[0].venue_code.view(), code);
    EXPECT_FALSE(updates[0].message.empty());
  }
  EXPECT_NE(UpdatesOf(11)[0].message.view().find("execution status unknown"),
            std::string_view::npos);
  // Each was sent once: nothing is resent on an unknown outcome.
  EXPECT_EQ(venue_.Requests("POST /api/v3/order").size(), 4u);
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// A 200 whose second fill cannot be read: what happened is unknown, and no fill of that answer
// (not even the readable first one) is published; the engine's query will bring them.
TEST_F(RestGatewayTest, AnAnswerWithAnUnreadableFillPublishesNoFill) {
  std::string fills(kTwoFills);
  fills.replace(fills.find(R"("qty":"0.20000000")"), 18, R"("qty":"-0.2000000")");
  venue_.Script("POST /api/v3/order",
                {Answer{200, OrderBody("FILLED", "0.30000000", "19499.90000000", fills)}});
  StartGateway();
  Place(LimitBuy(14));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(14);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(updates[0].venue_code.view(), "200");
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// (e) No answer at all: UNKNOWN, and the order went out exactly once.
TEST_F(RestGatewayTest, NoAnswerIsUnknownAndTheOrderIsSentOnce) {
  venue_.Script("POST /api/v3/order",
                {Answer{.hold = true}, Answer{200, OrderBody("NEW", "0", "0")}});
  RestGatewayOptions options = Options();
  options.http.timeout = 400ms;
  StartGateway(options);
  Place(LimitBuy(20));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto lost = UpdatesOf(20);
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(lost[0].venue_code.view(), "NO_ANSWER");
  EXPECT_FALSE(lost[0].message.empty());
  EXPECT_EQ(lost[0].source, core::UpdateSource::kPlace);

  // A second order through the same client: had the first been resent, the venue would have seen
  // it again before this one.
  Place(LimitBuy(21));
  ASSERT_TRUE(WaitForUpdates(2));
  ASSERT_EQ(UpdatesOf(21).size(), 1u);
  EXPECT_EQ(UpdatesOf(21)[0].status, OrderStatus::kNew);
  const auto posts = venue_.Requests("POST /api/v3/order");
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(Param(posts[0].Query(), "newClientOrderId"),
            core::ClientOrderId::FromBits(0xfeedface, 20).view());
  EXPECT_EQ(Param(posts[1].Query(), "newClientOrderId"),
            core::ClientOrderId::FromBits(0xfeedface, 21).view());
  EXPECT_EQ(UpdatesOf(20).size(), 1u);

  bool reported = false;
  for (const auto& status : sink_.All<core::GatewayStatus>()) {
    reported = reported || status.last_error.view().find("place:") == 0;
  }
  EXPECT_TRUE(reported);
}

// (f) Throttled and banned: the request was refused, and the rate limiter must cool down.
TEST_F(RestGatewayTest, ThrottledAndBannedAnswersAreReportedAndRejected) {
  Answer throttled = Error(429, -1003,
                           "Too much request weight used; current limit is 6000 request weight "
                           "per 1 MINUTE.");
  throttled.headers = {{"Retry-After", "7"}};
  Answer order_count =
      Error(429, -1015, "Too many new orders; current limit is 50 orders per 10 SECOND.");
  Answer banned =
      Error(418, -1003, "Way too much request weight used; IP banned until 1700000120000.");
  banned.headers = {{"Retry-After", "120"}};
  venue_.Script("POST /api/v3/order", {throttled, order_count, banned});
  StartGateway();
  for (std::uint64_t n = 30; n < 33; ++n) Place(LimitBuy(n));
  ASSERT_TRUE(WaitForUpdates(3));

  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_TRUE(reports[0].throttled);
  EXPECT_FALSE(reports[0].banned);
  EXPECT_EQ(reports[0].retry_after_ms, 7000);
  EXPECT_EQ(reports[0].venue, core::Venue::kBinance);
  EXPECT_EQ(reports[0].time_ns, kNowNs);
  // rest-api.md: an order-count 429 comes "without the Retry-After header"; the gateway then
  // waits out the 10 s order window.
  EXPECT_TRUE(reports[1].throttled);
  EXPECT_FALSE(reports[1].banned);
  EXPECT_EQ(reports[1].retry_after_ms, 10'000);
  EXPECT_TRUE(reports[2].throttled);
  EXPECT_TRUE(reports[2].banned);
  EXPECT_EQ(reports[2].retry_after_ms, 120'000);

  const std::pair<std::uint64_t, const char*> expected[] = {
      {30, "-1003"}, {31, "-1015"}, {32, "-1003"}};
  for (const auto& [n, code] : expected) {
    SCOPED_TRACE(n);
    const auto updates = UpdatesOf(n);
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].status, OrderStatus::kRejected);
    EXPECT_EQ(updates[0].venue_code.view(), code);
  }
  // Each answer's report comes before its update.
  std::string kinds;
  for (const core::Event& event : sink_.Events()) {
    if (std::holds_alternative<core::RateLimitReport>(event)) kinds += 'R';
    if (std::holds_alternative<OrderUpdate>(event)) kinds += 'U';
  }
  EXPECT_EQ(kinds, "RURURU");
}

// (g) The counters of every answer.
TEST_F(RestGatewayTest, RateLimitHeadersAreReported) {
  Answer counted{200, OrderBody("NEW", "0", "0")};
  counted.headers = {{"X-MBX-USED-WEIGHT-1M", "42"},
                     {"X-MBX-ORDER-COUNT-10S", "3"},
                     {"X-MBX-ORDER-COUNT-1D", "17"}};
  Answer malformed{200, OrderBody("NEW", "0", "0")};
  malformed.headers = {{"X-MBX-USED-WEIGHT-1M", "12abc"}, {"X-MBX-ORDER-COUNT-10S", "-3"}};
  venue_.Script("POST /api/v3/order", {counted, malformed});
  StartGateway();
  Place(LimitBuy(40));
  Place(LimitBuy(41));
  ASSERT_TRUE(WaitForUpdates(2));
  const auto reports = sink_.All<core::RateLimitReport>();
  ASSERT_EQ(reports.size(), 1u);  // the malformed counters are not reported as numbers
  EXPECT_EQ(reports[0].used_weight, 42);
  EXPECT_EQ(reports[0].orders_short_window, 3);
  EXPECT_EQ(reports[0].orders_day, 17);
  EXPECT_FALSE(reports[0].throttled);
  EXPECT_FALSE(reports[0].banned);
  EXPECT_EQ(reports[0].retry_after_ms, 0);
  EXPECT_EQ(reports[0].remaining, -1);
  EXPECT_EQ(reports[0].venue, core::Venue::kBinance);
  EXPECT_EQ(reports[0].time_ns, kNowNs);
}

// (h) Cancels.
TEST_F(RestGatewayTest, CancelAnswers) {
  const std::string canceled =
      R"({"symbol":"BTCUSDT","origClientOrderId":"x","orderId":4242,"orderListId":-1,)"
      R"("clientOrderId":"cancel1","transactTime":1700000000900,"price":"65000.10000000",)"
      R"("origQty":"0.50000000","executedQty":"0.10000000","cummulativeQuoteQty":"6500.01000000",)"
      R"("status":"CANCELED","timeInForce":"GTC","type":"LIMIT","side":"BUY",)"
      R"("selfTradePreventionMode":"NONE"})";
  venue_.Script("DELETE /api/v3/order",
                {Answer{200, canceled}, Error(400, -2011, "Unknown order sent."),
                 Answer{502, "Bad Gateway"}});
  StartGateway();
  gateway_->Cancel(Ref(50, "4242"));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Cancel(Ref(51));
  ASSERT_TRUE(WaitForUpdates(2));
  gateway_->Cancel(Ref(52));
  ASSERT_TRUE(WaitForUpdates(3));

  const auto deletes = venue_.Requests("DELETE /api/v3/order");
  ASSERT_EQ(deletes.size(), 3u);
  ExpectSigned(deletes[0]);
  const Params first = SplitParams(deletes[0].Query());
  ASSERT_GE(first.size(), 3u);
  EXPECT_EQ(first[0], (std::pair<std::string, std::string>("symbol", "BTCUSDT")));
  EXPECT_EQ(first[1], (std::pair<std::string, std::string>("orderId", "4242")));
  EXPECT_EQ(first[2], (std::pair<std::string, std::string>(
                          "origClientOrderId",
                          std::string(core::ClientOrderId::FromBits(0xfeedface, 50).view()))));
  EXPECT_EQ(first.size(), 6u);
  ExpectSigned(deletes[1]);
  EXPECT_EQ(Param(deletes[1].Query(), "orderId"), "<absent>");  // not known yet
  EXPECT_EQ(Param(deletes[1].Query(), "origClientOrderId"),
            core::ClientOrderId::FromBits(0xfeedface, 51).view());

  const auto done = UpdatesOf(50);
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].source, core::UpdateSource::kCancel);
  EXPECT_EQ(done[0].status, OrderStatus::kCanceled);
  EXPECT_FALSE(done[0].cancel_refused);
  EXPECT_EQ(done[0].venue_order_id.view(), "4242");
  EXPECT_EQ(done[0].instrument, btc_);
  EXPECT_TRUE(done[0].has_filled);
  EXPECT_EQ(done[0].filled_quantity.mantissa(), 10'000'000);

  const auto refused = UpdatesOf(51);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].source, core::UpdateSource::kCancel);
  EXPECT_TRUE(refused[0].cancel_refused);
  EXPECT_EQ(refused[0].venue_code.view(), "-2011");
  EXPECT_EQ(refused[0].message.view(), "Unknown order sent.");
  // The venue refused the cancel, not the order: the update must not call the order REJECTED.
  EXPECT_EQ(refused[0].status, OrderStatus::kUnknown);

  const auto failed = UpdatesOf(52);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_TRUE(failed[0].cancel_refused);
  EXPECT_EQ(failed[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(failed[0].venue_code.view(), "502");
}

// (i) Queries, and the executions the order answer does not list.
TEST_F(RestGatewayTest, QueryFetchesTheFillsOfAnExecutedOrderFirst) {
  venue_.Script("GET /api/v3/order",
                {Answer{200, R"({"symbol":"BTCUSDT","orderId":4242,"orderListId":-1,)"
                             R"("clientOrderId":"x","price":"65000.10000000",)"
                             R"("origQty":"0.50000000","executedQty":"0.30000000",)"
                             R"("cummulativeQuoteQty":"19499.90000000",)"
                             R"("status":"PARTIALLY_FILLED","timeInForce":"GTC","type":"LIMIT",)"
                             R"("side":"BUY","time":1700000000500,"updateTime":1700000000700,)"
                             R"("isWorking":true})"}});
  venue_.Script(
      "GET /api/v3/myTrades",
      {Answer{200, R"([{"symbol":"BTCUSDT","id":901,"orderId":4242,"orderListId":-1,)"
                   R"("price":"64999.00000000","qty":"0.10000000","quoteQty":"6499.90000000",)"
                   R"("commission":"0.00010000","commissionAsset":"BTC","time":1700000000600,)"
                   R"("isBuyer":true,"isMaker":false,"isBestMatch":true},)"
                   R"({"symbol":"BTCUSDT","id":902,"orderId":4242,"orderListId":-1,)"
                   R"("price":"65000.00000000","qty":"0.20000000","quoteQty":"13000.00000000",)"
                   R"("commission":"0.00020000","commissionAsset":"BTC","time":1700000000700,)"
                   R"("isBuyer":true,"isMaker":true,"isBestMatch":true}])"}});
  StartGateway();
  gateway_->Query(Ref(60));  // the venue's id is not known yet: the answer gives it
  ASSERT_TRUE(WaitForUpdates(1));

  const auto queries = venue_.Requests("GET /api/v3/order");
  ASSERT_EQ(queries.size(), 1u);
  ExpectSigned(queries[0]);
  EXPECT_EQ(Param(queries[0].Query(), "symbol"), "BTCUSDT");
  EXPECT_EQ(Param(queries[0].Query(), "origClientOrderId"),
            core::ClientOrderId::FromBits(0xfeedface, 60).view());
  const auto trades = venue_.Requests("GET /api/v3/myTrades");
  ASSERT_EQ(trades.size(), 1u);
  ExpectSigned(trades[0]);
  const Params trade_params = SplitParams(trades[0].Query());
  ASSERT_EQ(trade_params.size(), 5u);
  EXPECT_EQ(trade_params[0], (std::pair<std::string, std::string>("symbol", "BTCUSDT")));
  EXPECT_EQ(trade_params[1], (std::pair<std::string, std::string>("orderId", "4242")));

  const auto events = sink_.Events();
  std::vector<core::Fill> fills;
  bool update_seen = false;
  for (const core::Event& event : events) {
    if (const auto* fill = std::get_if<core::Fill>(&event)) {
      EXPECT_FALSE(update_seen) << "a fill after the query's update";
      fills.push_back(*fill);
    }
    update_seen = update_seen || std::holds_alternative<OrderUpdate>(event);
  }
  ASSERT_EQ(fills.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(fills[i].client_order_id, core::ClientOrderId::FromBits(0xfeedface, 60));
    EXPECT_EQ(fills[i].instrument, btc_);
    EXPECT_EQ(fills[i].venue, core::Venue::kBinance);
    EXPECT_EQ(fills[i].side, core::Side::kBuy);
  }
  EXPECT_EQ(fills[0].trade_id.view(), "901");
  EXPECT_FALSE(fills[0].maker);
  EXPECT_EQ(fills[1].trade_id.view(), "902");
  EXPECT_TRUE(fills[1].maker);
  EXPECT_EQ(fills[1].venue_time_ns, 1'700'000'000'700'000'000);

  const auto updates = UpdatesOf(60);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(updates[0].status, OrderStatus::kPartiallyFilled);
  EXPECT_EQ(updates[0].venue_order_id.view(), "4242");
  EXPECT_EQ(updates[0].filled_quantity.mantissa(), 30'000'000);
  EXPECT_EQ(updates[0].venue_time_ns, 1'700'000'000'700'000'000);  // updateTime
}

TEST_F(RestGatewayTest, QueryOfAnUnexecutedOrderAndOfAMissingOne) {
  venue_.Script("GET /api/v3/order",
                {Answer{200, R"({"symbol":"BTCUSDT","orderId":77,"executedQty":"0.00000000",)"
                             R"("cummulativeQuoteQty":"0.00000000","status":"NEW",)"
                             R"("updateTime":1700000000700})"},
                 Error(400, -2013, "Order does not exist.")});
  StartGateway();
  gateway_->Query(Ref(61, "77"));
  ASSERT_TRUE(WaitForUpdates(1));
  gateway_->Query(Ref(62));
  ASSERT_TRUE(WaitForUpdates(2));

  // Nothing executed: no trade list asked for (the update would have waited for it).
  EXPECT_TRUE(venue_.Requests("GET /api/v3/myTrades").empty());
  const auto open = UpdatesOf(61);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].source, core::UpdateSource::kQuery);
  EXPECT_EQ(open[0].status, OrderStatus::kNew);
  EXPECT_FALSE(open[0].not_found);
  EXPECT_EQ(Param(venue_.Requests("GET /api/v3/order")[0].Query(), "orderId"), "77");

  const auto missing = UpdatesOf(62);
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0].source, core::UpdateSource::kQuery);
  EXPECT_TRUE(missing[0].not_found);
  EXPECT_EQ(missing[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(missing[0].venue_code.view(), "-2013");
  EXPECT_EQ(missing[0].message.view(), "Order does not exist.");
  EXPECT_TRUE(sink_.All<core::Fill>().empty());
}

// (j) Balances and the state of the keys.
TEST_F(RestGatewayTest, BalancesAreAFramedReportAndProveTheKeys) {
  venue_.Script("GET /api/v3/account",
                {Answer{200, R"({"makerCommission":15,"canTrade":true,"accountType":"SPOT",)"
                             R"("balances":[{"asset":"BTC","free":"4723846.89208129",)"
                             R"("locked":"0.00000000"},{"asset":"USDT","free":"1000.5",)"
                             R"("locked":"20.25"},{"asset":"LTC","free":"4763368.68006011",)"
                             R"("locked":"0.00000000"}],"permissions":["SPOT"],"uid":1})"}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(3));
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));

  const auto requests = venue_.Requests("GET /api/v3/account");
  ASSERT_EQ(requests.size(), 1u);
  ExpectSigned(requests[0]);
  EXPECT_EQ(Param(requests[0].Query(), "omitZeroBalances"), "true");

  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 3u);
  const std::tuple<const char*, std::int64_t, std::int64_t, std::uint8_t> expected[] = {
      {"BTC", 472'384'689'208'129, 0, core::BalanceUpdate::kFirst},
      {"USDT", 100'050'000'000, 2'025'000'000, 0},
      {"LTC", 476'336'868'006'011, 0, core::BalanceUpdate::kLast}};
  for (std::size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(balances[i].asset.view(), std::get<0>(expected[i]));
    EXPECT_EQ(balances[i].free.mantissa(), std::get<1>(expected[i]));
    EXPECT_EQ(balances[i].locked.mantissa(), std::get<2>(expected[i]));
    EXPECT_EQ(balances[i].flags, std::get<3>(expected[i]));
    EXPECT_EQ(balances[i].venue, core::Venue::kBinance);
    EXPECT_EQ(balances[i].time_ns, kNowNs);
  }
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].keys, core::KeyState::kValid);
  EXPECT_TRUE(statuses[0].last_error.empty());
  // Loaded: no retry. (A later answer would have to be asked for; the count stays at one for as
  // long as a retry would take.)
  EXPECT_FALSE(venue_.WaitForRequests("GET /api/v3/account", 2, 200ms));
}

TEST_F(RestGatewayTest, RefusedKeysAreReportedAndNotRetried) {
  venue_.Script("GET /api/v3/account",
                {Error(401, -2015, "Invalid API-key, IP, or permissions for action.")});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(sink_.WaitFor<core::GatewayStatus>(1));
  const auto statuses = sink_.All<core::GatewayStatus>();
  EXPECT_EQ(statuses.back().keys, core::KeyState::kRefused);
  EXPECT_NE(statuses.back().last_error.view().find("-2015"), std::string_view::npos);
  EXPECT_NE(statuses.back().last_error.view().find("Invalid API-key"), std::string_view::npos);
  EXPECT_EQ(statuses.back().last_error_ns, kNowNs);
  EXPECT_TRUE(sink_.All<core::BalanceUpdate>().empty());
  // balance_retry_min is 20 ms: ten times that passes without a second request.
  EXPECT_FALSE(venue_.WaitForRequests("GET /api/v3/account", 2, 200ms));
  EXPECT_EQ(venue_.Requests("GET /api/v3/account").size(), 1u);
}

TEST_F(RestGatewayTest, BalancesAreRetriedUntilTheVenueAnswers) {
  venue_.Script("GET /api/v3/account",
                {Answer{500, "Internal Server Error"}, Answer{200, R"({"balances":[]})"}});
  StartGateway();
  gateway_->FetchBalances();
  ASSERT_TRUE(venue_.WaitForRequests("GET /api/v3/account", 2));
  ASSERT_TRUE(sink_.WaitFor<core::BalanceUpdate>(1));
  const auto balances = sink_.All<core::BalanceUpdate>();
  ASSERT_EQ(balances.size(), 1u);  // an empty account is still a framed report
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kFirst));
  EXPECT_TRUE(balances[0].has(core::BalanceUpdate::kLast));
  EXPECT_TRUE(balances[0].asset.empty());
  for (const auto& request : venue_.Requests("GET /api/v3/account")) ExpectSigned(request);
  // The 500 was the last error, and it did not refuse the keys; the 200 proved them.
  ASSERT_TRUE(sink_.WaitUntil([](const std::vector<core::Event>& events, int) {
    for (const auto& event : events) {
      const auto* status = std::get_if<core::GatewayStatus>(&event);
      if (status != nullptr && status->keys == core::KeyState::kValid) return true;
    }
    return false;
  }));
  const auto statuses = sink_.All<core::GatewayStatus>();
  ASSERT_GE(statuses.size(), 2u);
  EXPECT_EQ(statuses.front().keys, core::KeyState::kUnchecked);
  EXPECT_NE(statuses.front().last_error.view().find("500"), std::string_view::npos);
}

// (k) A full queue loses nothing and keeps the order.
TEST_F(RestGatewayTest, AFullQueueLosesNoEventAndKeepsTheOrder) {
  Answer second{200, OrderBody("FILLED", "0.50000000", "32500.05000000",
                               R"([{"price":"65000.10000000","qty":"0.50000000",)"
                               R"("commission":"0.00050000","commissionAsset":"BTC",)"
                               R"("tradeId":903}])")};
  second.headers = {{"X-MBX-ORDER-COUNT-10S", "2"}};
  venue_.Script(
      "POST /api/v3/order",
      {Answer{200, OrderBody("PARTIALLY_FILLED", "0.30000000", "19499.90000000", kTwoFills)},
       second});
  sink_.RefuseAll(true);
  StartGateway();
  Place(LimitBuy(70));
  Place(LimitBuy(71));
  ASSERT_TRUE(venue_.WaitForRequests("POST /api/v3/order", 2));
  // Let the gateway retry against the full queue for a while after both answers went out.
  const int before = sink_.refused();
  ASSERT_TRUE(sink_.WaitUntil([&](const std::vector<core::Event>&, int refused) {
    return venue_.answered() == 2 && refused >= before + 20;
  }));
  EXPECT_TRUE(sink_.Events().empty());
  sink_.RefuseAll(false);
  ASSERT_TRUE(WaitForUpdates(2));

  // Exactly these, in this order: the keys proved, order 70's fills and update, then order 71's
  // rate-limit report, fill and update.
  const auto events = sink_.Events();
  ASSERT_EQ(events.size(), 7u);
  ASSERT_TRUE(std::holds_alternative<core::GatewayStatus>(events[0]));
  EXPECT_EQ(std::get<core::GatewayStatus>(events[0]).keys, core::KeyState::kValid);
  ASSERT_TRUE(std::holds_alternative<core::Fill>(events[1]));
  EXPECT_EQ(std::get<core::Fill>(events[1]).trade_id.view(), "901");
  ASSERT_TRUE(std::holds_alternative<core::Fill>(events[2]));
  EXPECT_EQ(std::get<core::Fill>(events[2]).trade_id.view(), "902");
  ASSERT_TRUE(std::holds_alternative<OrderUpdate>(events[3]));
  EXPECT_EQ(std::get<OrderUpdate>(events[3]).client_order_id,
            core::ClientOrderId::FromBits(0xfeedface, 70));
  ASSERT_TRUE(std::holds_alternative<core::RateLimitReport>(events[4]));
  EXPECT_EQ(std::get<core::RateLimitReport>(events[4]).orders_short_window, 2);
  ASSERT_TRUE(std::holds_alternative<core::Fill>(events[5]));
  EXPECT_EQ(std::get<core::Fill>(events[5]).trade_id.view(), "903");
  EXPECT_EQ(std::get<core::Fill>(events[5]).client_order_id,
            core::ClientOrderId::FromBits(0xfeedface, 71));
  ASSERT_TRUE(std::holds_alternative<OrderUpdate>(events[6]));
  EXPECT_EQ(std::get<OrderUpdate>(events[6]).client_order_id,
            core::ClientOrderId::FromBits(0xfeedface, 71));
  EXPECT_EQ(std::get<OrderUpdate>(events[6]).status, OrderStatus::kFilled);
  EXPECT_GT(sink_.refused(), 20);
}

TEST_F(RestGatewayTest, AQueueThatRefusesEveryOtherEventStillGetsThemAllInOrder) {
  venue_.Script(
      "POST /api/v3/order",
      {Answer{200, OrderBody("PARTIALLY_FILLED", "0.30000000", "19499.90000000", kTwoFills)}});
  sink_.RefuseEveryOtherCall(true);
  StartGateway();
  Place(LimitBuy(72));
  ASSERT_TRUE(WaitForUpdates(1));
  const auto events = sink_.Events();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_TRUE(std::holds_alternative<core::GatewayStatus>(events[0]));
  ASSERT_TRUE(std::holds_alternative<core::Fill>(events[1]));
  EXPECT_EQ(std::get<core::Fill>(events[1]).trade_id.view(), "901");
  ASSERT_TRUE(std::holds_alternative<core::Fill>(events[2]));
  EXPECT_EQ(std::get<core::Fill>(events[2]).trade_id.view(), "902");
  EXPECT_TRUE(std::holds_alternative<OrderUpdate>(events[3]));
  EXPECT_GE(sink_.refused(), 3);
}

// Stop fails what is in flight: the order's answer is lost, so it is UNKNOWN (never dropped).
TEST_F(RestGatewayTest, StopMakesAnOrderInFlightUnknown) {
  venue_.Script("POST /api/v3/order", {Answer{.hold = true}});
  StartGateway();
  Place(LimitBuy(80));
  ASSERT_TRUE(venue_.WaitForRequests("POST /api/v3/order", 1));
  gateway_->Stop();
  ASSERT_TRUE(WaitForUpdates(1));
  const auto updates = UpdatesOf(80);
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].status, OrderStatus::kUnknown);
  EXPECT_EQ(updates[0].venue_code.view(), "NO_ANSWER");
  EXPECT_EQ(updates[0].source, core::UpdateSource::kPlace);
}

}  // namespace
}  // namespace tradingd::gateways
