// The sandbox Coinbase venue's order entry end to end, for both APIs: a StreamSim with the Coinbase
// dialect on 127.0.0.1:0 with its own io thread and a ManualClock, a net::HttpClient (and, for the
// public feed, a net::WebSocketClient) on a second io thread. Every request is signed here, not
// with the sim's or the gateway's code: Exchange requests with OpenSSL's one-shot HMAC() over
// timestamp + method + path + body, Advanced Trade requests with an ES256 JWT built from the
// documented rule (base64url header and claims, EVP_DigestSign, the DER signature turned into
// r || s). The market starts paused, so the book stands still and every fill is computed from
// BookSnapshot(). Nothing sleeps to synchronize: every wait has a deadline that fails the test.

#include "sim/coinbase/coinbase_orders_sim.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <simdjson.h>

#include <algorithm>
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
#include "gateways/coinbase/coinbase_jwt.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "sim/coinbase/coinbase_sim.h"
#include "sim/common/stream_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim::coinbase {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;

constexpr auto kDeadline = 10s;
constexpr std::int64_t kStartNs = 1'723'161'605'000'000'000;  // 2024-08-09T00:00:05Z
constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kUnit = 100'000'000;  // 1 at kSimScale
constexpr std::int64_t kCent = 1'000'000;    // 0.01 USD, the tick
constexpr std::string_view kBtc = "BTC-USD";

// ---- values ----

std::int64_t M(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}
// As a client writes it ("0.01"), as the Exchange answers sizes ("0.01000000") and amounts.
std::string D(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }
std::string D8(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 8); }
std::string D16(std::int64_t mantissa) { return D8(mantissa) + "00000000"; }

std::int64_t CeilDiv(core::Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}
// price x quantity at kSimScale, rounded up (what a buy pays).
std::int64_t NotionalUp(std::int64_t price, std::int64_t quantity) {
  return CeilDiv(static_cast<core::Int128>(price) * quantity, kUnit);
}
// A fee in parts per million of `basis`, rounded up to 8 decimals (the venue's favour).
std::int64_t Fee(std::int64_t basis, std::int64_t ppm) {
  return CeilDiv(static_cast<core::Int128>(basis) * ppm, 1'000'000);
}

// ---- signing, independently of the sim ----

std::string Base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string Unbase64(std::string_view text) {
  std::string out(3 * text.size() / 4 + 3, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  EXPECT_GE(written, 0);
  std::size_t size = static_cast<std::size_t>(std::max(written, 0));
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;  // padding
  out.resize(size);
  return out;
}

std::string Base64Url(std::string_view data) {
  std::string out = Base64(reinterpret_cast<const unsigned char*>(data.data()), data.size());
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

// "Exchange REST API Authentication": base64(HMAC-SHA256(base64decode(secret), prehash)).
std::string ExchangeSignature(std::string_view secret_b64, std::string_view prehash) {
  const std::string key = Unbase64(secret_b64);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(prehash.data()), prehash.size(), mac, &length);
  return Base64(mac, length);
}

// A CDP key's ES256 JWT ("Advanced Trade API Authentication").
class Jwt {
 public:
  Jwt(std::string key_name, const std::string& pem) : key_name_(std::move(key_name)) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    key_ = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EXPECT_NE(key_, nullptr) << "not a PEM private key";
  }
  ~Jwt() { EVP_PKEY_free(key_); }
  Jwt(const Jwt&) = delete;
  Jwt& operator=(const Jwt&) = delete;

  // uri "<METHOD> api.coinbase.com<path>" (no query); empty `uri` for none.
  std::string Sign(std::string_view uri, std::int64_t nbf, std::int64_t exp) const {
    unsigned char nonce_bytes[16];
    RAND_bytes(nonce_bytes, sizeof(nonce_bytes));
    std::string nonce;
    for (unsigned char b : nonce_bytes) nonce += fmt::format("{:02x}", b);
    const std::string header =
        fmt::format(R"({{"alg":"ES256","kid":"{}","nonce":"{}","typ":"JWT"}})", key_name_, nonce);
    std::string claims =
        fmt::format(R"({{"sub":"{}","iss":"cdp","nbf":{},"exp":{})", key_name_, nbf, exp);
    if (!uri.empty()) claims += fmt::format(R"(,"uri":"{}")", uri);
    claims += "}";
    const std::string signing_input = Base64Url(header) + "." + Base64Url(claims);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    std::size_t der_length = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_), 1);
    EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &der_length,
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()),
              1);
    std::vector<unsigned char> der(der_length);
    EXPECT_EQ(EVP_DigestSign(ctx, der.data(), &der_length,
                             reinterpret_cast<const unsigned char*>(signing_input.data()),
                             signing_input.size()),
              1);
    EVP_MD_CTX_free(ctx);
    const unsigned char* cursor = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der_length));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig, &r, &s);
    std::string raw(64, '\0');
    BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return signing_input + "." + Base64Url(raw);
  }

 private:
  std::string key_name_;
  EVP_PKEY* key_ = nullptr;
};

// ---- answers ----

struct Json {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  explicit Json(const std::string& text) {
    if (parser.parse(text).get(root) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON: " << text.substr(0, 300);
      root = parser.parse(std::string("{}"));
    }
  }
  simdjson::dom::element operator[](std::string_view key) const { return root[key]; }
};

std::string Str(simdjson::dom::element e, std::string_view key) {
  std::string_view text;
  if (e[key].get(text) != simdjson::SUCCESS) return "<absent>";
  return std::string(text);
}
std::int64_t Dec(simdjson::dom::element e, std::string_view key) { return M(Str(e, key)); }
bool Bool(simdjson::dom::element e, std::string_view key) {
  bool value = false;
  EXPECT_EQ(e[key].get(value), simdjson::SUCCESS) << key;
  return value;
}
bool Has(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element ignored;
  return e[key].get(ignored) == simdjson::SUCCESS;
}

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
  std::string cb_before;
  std::string cb_after;
};

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

// ---- the fixture: one sim per test, either API ----

class CoinbaseOrdersTest : public ::testing::Test {
 protected:
  CoinbaseDialectOptions Dialect(CoinbaseSimFeed feed) {
    CoinbaseDialectOptions options;
    options.feed = feed;
    return options;
  }

  void StartSim(CoinbaseDialectOptions dialect) {
    advanced_ = dialect.feed == CoinbaseSimFeed::kAdvancedTrade;
    StreamSimOptions options;
    options.symbols = DefaultCoinbaseSymbols();
    options.seed = 11;
    options.start_paused = true;
    options.clock = &clock_;
    sim_ = std::make_unique<StreamSim>(sim_io_.io(), std::move(options),
                                       MakeCoinbaseDialect(std::move(dialect)));
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    http_ = NewClient(kDeadline);
    const auto keys = sim_->sandbox_keys();
    if (!keys) return;  // a venue without order entry
    keys_ = *keys;
    if (advanced_) jwt_ = std::make_unique<Jwt>(keys_.api_key, keys_.api_secret);
  }
  void StartExchange() { StartSim(Dialect(CoinbaseSimFeed::kExchange)); }
  void StartAdvanced() { StartSim(Dialect(CoinbaseSimFeed::kAdvancedTrade)); }

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
    EXPECT_EQ(future.wait_for(kDeadline + 5s), std::future_status::ready);
    return future.get();
  }

  Reply Send(net::HttpClientRequest request, net::HttpClient* client = nullptr) {
    auto result = SendOn(client != nullptr ? client : http_, std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    return {result->status,
            result->body,
            std::string(result->Header("Content-Type")),
            std::string(result->Header("Retry-After")),
            std::string(result->Header("CB-BEFORE")),
            std::string(result->Header("CB-AFTER"))};
  }

  std::int64_t NowS() const { return clock_.NowNs() / kSecond; }

  // ---- Exchange requests ----

  struct ExchangeAuth {
    std::string key;
    std::string secret;
    std::string passphrase;
    std::optional<std::string> timestamp;  // nullopt: the clock's now
    bool with_key = true, with_sign = true, with_timestamp = true, with_passphrase = true;
    std::optional<std::string> signature;  // set: sent instead of the computed one
  };
  ExchangeAuth Auth() const { return {keys_.api_key, keys_.api_secret, keys_.passphrase}; }

  net::HttpClientRequest ExchangeRequest(std::string method, std::string target, std::string body,
                                         const ExchangeAuth& auth) const {
    const std::string timestamp = auth.timestamp.value_or(std::to_string(NowS()));
    net::HttpClientRequest request;
    request.method = method;
    request.target = target;
    request.body = body;
    const std::string signature =
        auth.signature.value_or(ExchangeSignature(auth.secret, timestamp + method + target + body));
    if (auth.with_key) request.headers.emplace_back("CB-ACCESS-KEY", auth.key);
    if (auth.with_sign) request.headers.emplace_back("CB-ACCESS-SIGN", signature);
    if (auth.with_timestamp) request.headers.emplace_back("CB-ACCESS-TIMESTAMP", timestamp);
    if (auth.with_passphrase) request.headers.emplace_back("CB-ACCESS-PASSPHRASE", auth.passphrase);
    request.headers.emplace_back("Content-Type", "application/json");
    return request;
  }
  Reply Ex(std::string method, std::string target, std::string body = {}) {
    return Send(ExchangeRequest(std::move(method), std::move(target), std::move(body), Auth()));
  }
  Reply ExPlace(const std::string& body) { return Ex("POST", "/orders", body); }

  // ---- Advanced Trade requests ----

  net::HttpClientRequest AdvancedRequest(std::string method, std::string target, std::string body,
                                         std::optional<std::string> token = std::nullopt) const {
    const std::string path = target.substr(0, target.find('?'));
    net::HttpClientRequest request;
    request.method = method;
    request.target = target;
    request.body = std::move(body);
    const std::string jwt =
        token.value_or(jwt_->Sign(method + " api.coinbase.com" + path, NowS(), NowS() + 120));
    request.headers.emplace_back("Authorization", "Bearer " + jwt);
    request.headers.emplace_back("Content-Type", "application/json");
    return request;
  }
  Reply At(std::string method, std::string target, std::string body = {}) {
    return Send(AdvancedRequest(std::move(method), std::move(target), std::move(body)));
  }
  Reply AtPlace(std::string_view client_id, std::string_view side, std::string_view config) {
    return At("POST", "/api/v3/brokerage/orders",
              fmt::format(R"({{"client_order_id":"{}","product_id":"BTC-USD","side":"{}",)"
                          R"("order_configuration":{}}})",
                          client_id, side, config));
  }

  BookLevels Book() {
    auto book = sim_->BookSnapshot(kBtc);
    EXPECT_TRUE(book.has_value());
    EXPECT_FALSE(book->bids.empty());
    EXPECT_FALSE(book->asks.empty());
    return *book;
  }
  Balance BalanceOf(std::string_view asset) {
    auto balance = sim_->SandboxBalance(asset);
    EXPECT_TRUE(balance.has_value());
    return balance.value_or(Balance{});
  }
  int OrdersWithClientId(std::string_view id) {
    int count = 0;
    for (const Order& order : sim_->SandboxOrders()) count += order.client_order_id == id;
    return count;
  }

  net::WebSocketClient* Connect(Recorder& recorder) {
    net::WebSocketClientOptions options;
    options.url = sim_->ws_url();
    options.silence_timeout = 30s;
    options.verify_peer = false;
    ws_.push_back(std::make_unique<net::WebSocketClient>(client_io_.io(), options, recorder));
    net::WebSocketClient* client = ws_.back().get();
    client_io_.Run([client] { client->Start(); });
    EXPECT_TRUE(recorder.WaitFor([](auto&, int opens) { return opens >= 1; }));
    return client;
  }

  core::ManualClock clock_{kStartNs};
  IoThread sim_io_;
  IoThread client_io_;
  std::unique_ptr<StreamSim> sim_;
  net::HttpClient* http_ = nullptr;
  std::vector<std::unique_ptr<net::HttpClient>> clients_;
  std::vector<std::unique_ptr<net::WebSocketClient>> ws_;
  SandboxKeys keys_;
  bool advanced_ = false;
  std::unique_ptr<Jwt> jwt_;
};

constexpr std::int64_t kExchangeMaker = 4000;   // 0.40 %
constexpr std::int64_t kExchangeTaker = 6000;   // 0.60 %
constexpr std::int64_t kAdvancedMaker = 6000;   // 0.60 %
constexpr std::int64_t kAdvancedTaker = 12000;  // 1.20 %

// The fills a taker of `side` gets from `levels` (best first) for `quantity`, up to `limit`
// (0: none): (price, quantity) per level.
std::vector<BookLevel> Walk(const std::vector<BookLevel>& levels, std::int64_t quantity,
                            std::int64_t limit = 0, bool buy = true) {
  std::vector<BookLevel> fills;
  for (const BookLevel& level : levels) {
    if (quantity <= 0) break;
    if (limit != 0 && (buy ? level.price > limit : level.price < limit)) break;
    const std::int64_t take = std::min(quantity, level.quantity);
    fills.push_back({level.price, take});
    quantity -= take;
  }
  return fills;
}

// What a buy of these fills pays (rounded up once over the whole order, as the engine does).
std::int64_t BuyCost(const std::vector<BookLevel>& fills) {
  core::Int128 exact = 0;
  for (const BookLevel& fill : fills)
    exact += static_cast<core::Int128>(fill.price) * fill.quantity;
  return CeilDiv(exact, kUnit);
}
std::int64_t SellProceeds(const std::vector<BookLevel>& fills) {
  core::Int128 exact = 0;
  for (const BookLevel& fill : fills)
    exact += static_cast<core::Int128>(fill.price) * fill.quantity;
  return static_cast<std::int64_t>(exact / kUnit);
}

// =================================== Coinbase Exchange ===========================================

TEST_F(CoinbaseOrdersTest, ExchangeSandboxKeysAreTheDocumentedConstants) {
  StartExchange();
  EXPECT_EQ(keys_.api_key, kSandboxExchangeApiKey);
  EXPECT_EQ(keys_.api_secret, kSandboxExchangeApiSecret);
  EXPECT_EQ(keys_.passphrase, kSandboxExchangePassphrase);
  EXPECT_EQ(Unbase64(keys_.api_secret).size(), 64u);
}

TEST_F(CoinbaseOrdersTest, ExchangeLimitOrderRestsHoldsFundsAndCancels) {
  StartExchange();
  const BookLevels book = Book();
  const std::int64_t price = book.bids.front().price - 100 * kUnit;  // well under the bid
  const std::int64_t size = M("0.01");
  const Balance usd_before = BalanceOf("USD");
  const std::string oid = "0f2b7a3c-1d4e-4f50-8a6b-7c8d9e0f1a2b";
  const Reply placed = ExPlace(fmt::format(
      R"({{"client_oid":"{}","product_id":"BTC-USD","side":"buy","type":"limit","size":"{}",)"
      R"("price":"{}","time_in_force":"GTC"}})",
      oid, D(size), D(price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  const std::string id = Str(order.root, "id");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(Str(order.root, "price"), D8(price));
  EXPECT_EQ(Str(order.root, "size"), "0.01000000");
  EXPECT_EQ(Str(order.root, "product_id"), "BTC-USD");
  EXPECT_EQ(Str(order.root, "side"), "buy");
  EXPECT_EQ(Str(order.root, "type"), "limit");
  EXPECT_EQ(Str(order.root, "time_in_force"), "GTC");
  EXPECT_FALSE(Bool(order.root, "post_only"));
  EXPECT_EQ(Str(order.root, "client_oid"), oid);
  EXPECT_EQ(Str(order.root, "created_at"), "2024-08-09T00:00:05.000000Z");
  EXPECT_EQ(Str(order.root, "fill_fees"), "0.0000000000000000");
  EXPECT_EQ(Str(order.root, "filled_size"), "0.00000000");
  EXPECT_EQ(Str(order.root, "executed_value"), "0.0000000000000000");
  EXPECT_EQ(Str(order.root, "status"), "open");
  EXPECT_FALSE(Bool(order.root, "settled"));
  EXPECT_FALSE(Has(order.root, "done_reason"));

  // The hold: the notional plus the fee at the higher (taker) rate.
  const std::int64_t notional = NotionalUp(price, size);
  const std::int64_t hold = notional + Fee(notional, kExchangeTaker);
  const Balance usd = BalanceOf("USD");
  EXPECT_EQ(usd.locked, usd_before.locked + hold);
  EXPECT_EQ(usd.free, usd_before.free - hold);
  const Reply accounts = Ex("GET", "/accounts");
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  Json list(accounts.body);
  bool seen_usd = false;
  for (simdjson::dom::element account : simdjson::dom::array(list.root)) {
    if (Str(account, "currency") != "USD") continue;
    seen_usd = true;
    EXPECT_EQ(Str(account, "hold"), D16(usd.locked));
    EXPECT_EQ(Str(account, "balance"), D16(usd.free + usd.locked));
    EXPECT_EQ(M(Str(account, "available")), usd.free);
    EXPECT_TRUE(Bool(account, "trading_enabled"));
    const Reply one = Ex("GET", "/accounts/" + Str(account, "id"));
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(Str(Json(one.body).root, "currency"), "USD");
  }
  EXPECT_TRUE(seen_usd);

  // Queried by Coinbase's id and by ours: the same order.
  for (const std::string& target : {"/orders/" + id, "/orders/client:" + oid}) {
    const Reply query = Ex("GET", target);
    ASSERT_EQ(query.status, 200) << target << " " << query.body;
    EXPECT_EQ(Str(Json(query.body).root, "id"), id);
    EXPECT_EQ(Str(Json(query.body).root, "status"), "open");
  }

  const Reply canceled = Ex("DELETE", "/orders/client:" + oid + "?product_id=BTC-USD");
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(canceled.body, "\"" + id + "\"");
  const Reply after = Ex("GET", "/orders/" + id);
  ASSERT_EQ(after.status, 200) << after.body;
  Json done(after.body);
  EXPECT_EQ(Str(done.root, "status"), "done");
  EXPECT_EQ(Str(done.root, "done_reason"), "canceled");
  EXPECT_TRUE(Bool(done.root, "settled"));
  EXPECT_EQ(BalanceOf("USD"), usd_before) << "the hold is released whole";

  const Reply again = Ex("DELETE", "/orders/" + id);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(again.body, R"({"message":"Order already done"})");
}

TEST_F(CoinbaseOrdersTest, ExchangeUnknownAndMalformedIds) {
  StartExchange();
  const std::string unknown = "11111111-2222-4333-8444-555555555555";
  Reply reply = Ex("GET", "/orders/" + unknown);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, R"({"message":"NotFound"})");
  reply = Ex("DELETE", "/orders/" + unknown);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, R"({"message":"order not found"})");
  reply = Ex("GET", "/orders/not-an-id");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"message":"Invalid order id"})");
  reply = Ex("DELETE", "/orders/mine:" + unknown);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"message":"Invalid id namespace"})");
  reply = Ex("GET", "/orders/client:" + unknown);
  EXPECT_EQ(reply.status, 404);
}

TEST_F(CoinbaseOrdersTest, ExchangeMarketBuyBySizeWalksTheBookAndPaysTheTakerFeeInQuote) {
  StartExchange();
  const BookLevels book = Book();
  const std::int64_t size = book.asks.front().quantity + M("0.001");
  const std::vector<BookLevel> walk = Walk(book.asks, size);
  ASSERT_GE(walk.size(), 2u);
  const std::int64_t cost = BuyCost(walk);
  const std::int64_t fee = Fee(cost, kExchangeTaker);
  const Balance usd_before = BalanceOf("USD");
  const Balance btc_before = BalanceOf("BTC");

  const Reply placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"market","size":"{}"}})", D(size)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  EXPECT_EQ(Str(order.root, "type"), "market");
  EXPECT_EQ(Str(order.root, "status"), "done");
  EXPECT_EQ(Str(order.root, "done_reason"), "filled");
  EXPECT_EQ(Str(order.root, "filled_size"), D8(size));
  EXPECT_EQ(Str(order.root, "executed_value"), D16(cost));
  EXPECT_EQ(Str(order.root, "fill_fees"), D16(fee));
  EXPECT_FALSE(Has(order.root, "client_oid")) << "none was sent";
  EXPECT_FALSE(Has(order.root, "price"));

  // Balances move by exactly the fills and the fee, the fee in USD.
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free - cost - fee);
  EXPECT_EQ(BalanceOf("BTC").free, btc_before.free + size);

  const std::string id = Str(order.root, "id");
  const Reply fills = Ex("GET", "/fills?order_id=" + id + "&product_id=BTC-USD");
  ASSERT_EQ(fills.status, 200) << fills.body;
  Json list(fills.body);
  simdjson::dom::array rows = list.root;
  ASSERT_EQ(rows.size(), walk.size());
  std::int64_t fee_sum = 0;
  std::int64_t size_sum = 0;
  std::size_t i = walk.size();
  std::int64_t previous_trade = 0;
  for (simdjson::dom::element fill : rows) {  // newest (the worst level) first
    --i;
    EXPECT_EQ(Str(fill, "order_id"), id);
    EXPECT_EQ(Str(fill, "product_id"), "BTC-USD");
    EXPECT_EQ(Str(fill, "liquidity"), "T");
    EXPECT_EQ(Str(fill, "side"), "buy");
    EXPECT_EQ(Str(fill, "price"), D8(walk[i].price));
    EXPECT_EQ(Str(fill, "size"), D8(walk[i].quantity));
    EXPECT_TRUE(Bool(fill, "settled"));
    std::int64_t trade_id = 0;
    ASSERT_EQ(fill["trade_id"].get(trade_id), simdjson::SUCCESS);
    if (previous_trade != 0) {
      EXPECT_LT(trade_id, previous_trade);
    }
    previous_trade = trade_id;
    fee_sum += Dec(fill, "fee");
    size_sum += Dec(fill, "size");
  }
  EXPECT_EQ(fee_sum, fee);
  EXPECT_EQ(size_sum, size);
  EXPECT_FALSE(fills.cb_before.empty());
  EXPECT_FALSE(fills.cb_after.empty());
}

TEST_F(CoinbaseOrdersTest, ExchangeMarketBuyByFundsSpendsAtMostTheFundsFeesIncluded) {
  StartExchange();
  const Balance usd_before = BalanceOf("USD");
  const Balance btc_before = BalanceOf("BTC");
  const Reply placed =
      ExPlace(R"({"product_id":"BTC-USD","side":"buy","type":"market","funds":"1000.00"})");
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  EXPECT_EQ(Str(order.root, "specified_funds"), "1000.0000000000000000");
  EXPECT_FALSE(Has(order.root, "size"));
  EXPECT_EQ(Str(order.root, "status"), "done");
  const std::int64_t value = Dec(order.root, "executed_value");
  const std::int64_t fees = Dec(order.root, "fill_fees");
  const std::int64_t filled = Dec(order.root, "filled_size");
  EXPECT_GT(filled, 0);
  EXPECT_LE(value + fees, 1000 * kUnit);
  EXPECT_GT(value + fees, 990 * kUnit) << "it spends (nearly) all of it";
  EXPECT_EQ(fees, Fee(value, kExchangeTaker));
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free - value - fees);
  EXPECT_EQ(BalanceOf("BTC").free, btc_before.free + filled);
}

TEST_F(CoinbaseOrdersTest, ExchangeMarketSellReceivesTheProceedsLessTheFee) {
  StartExchange();
  const BookLevels book = Book();
  const std::int64_t size = M("0.02");
  const std::int64_t proceeds = SellProceeds(Walk(book.bids, size, 0, false));
  const std::int64_t fee = Fee(proceeds, kExchangeTaker);
  const Balance usd_before = BalanceOf("USD");
  const Balance btc_before = BalanceOf("BTC");
  const Reply placed =
      ExPlace(R"({"product_id":"BTC-USD","side":"sell","type":"market","size":"0.02"})");
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  EXPECT_EQ(Str(order.root, "done_reason"), "filled");
  EXPECT_EQ(Str(order.root, "executed_value"), D16(proceeds));
  EXPECT_EQ(Str(order.root, "fill_fees"), D16(fee));
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free + proceeds - fee);
  EXPECT_EQ(BalanceOf("BTC").free, btc_before.free - size);
}

TEST_F(CoinbaseOrdersTest, ExchangeIocFillsWhatItCanAndCancelsTheRest) {
  StartExchange();
  const BookLevels book = Book();
  const BookLevel best = book.asks.front();
  const Reply placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"{}","price":"{}",)"
      R"("time_in_force":"IOC"}})",
      D(best.quantity + M("0.5")), D(best.price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json order(placed.body);
  EXPECT_EQ(Str(order.root, "status"), "done");
  EXPECT_EQ(Str(order.root, "done_reason"), "canceled");
  EXPECT_EQ(Str(order.root, "time_in_force"), "IOC");
  EXPECT_EQ(Str(order.root, "filled_size"), D8(best.quantity));
  EXPECT_EQ(BalanceOf("USD").locked, 0) << "nothing stays held";
}

TEST_F(CoinbaseOrdersTest, ExchangeFokThatCannotFillEndsWithNothingAndOneThatCanFills) {
  StartExchange();
  const BookLevels book = Book();
  const BookLevel best = book.asks.front();
  const Balance usd_before = BalanceOf("USD");
  Reply placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"{}","price":"{}",)"
      R"("time_in_force":"FOK"}})",
      D(best.quantity + M("0.5")), D(best.price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_EQ(Str(Json(placed.body).root, "status"), "done");
  EXPECT_EQ(Str(Json(placed.body).root, "done_reason"), "canceled");
  EXPECT_EQ(Str(Json(placed.body).root, "filled_size"), "0.00000000");
  EXPECT_EQ(BalanceOf("USD"), usd_before);

  placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"{}","price":"{}",)"
      R"("time_in_force":"FOK"}})",
      D(best.quantity), D(best.price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_EQ(Str(Json(placed.body).root, "done_reason"), "filled");
}

TEST_F(CoinbaseOrdersTest, ExchangePostOnlyThatWouldTakeIsRejectedAndOneThatRestsFillsAsMaker) {
  StartExchange();
  const BookLevels book = Book();
  const Balance usd_before = BalanceOf("USD");
  Reply placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":"{}",)"
      R"("post_only":true}})",
      D(book.asks.front().price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json rejected(placed.body);
  EXPECT_EQ(Str(rejected.root, "status"), "rejected");
  EXPECT_EQ(Str(rejected.root, "reject_reason"), "post only");
  EXPECT_TRUE(Bool(rejected.root, "post_only"));
  EXPECT_EQ(BalanceOf("USD"), usd_before);
  const Reply query = Ex("GET", "/orders/" + Str(rejected.root, "id"));
  EXPECT_EQ(Str(Json(query.body).root, "status"), "rejected");

  // A post-only bid under the book rests; a deterministic sell flow fills it at its price.
  const std::int64_t price = book.bids.front().price - 5 * kUnit;
  const std::int64_t size = M("0.01");
  placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":"{}",)"
      R"("post_only":true}})",
      D(price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string id = Str(Json(placed.body).root, "id");
  EXPECT_EQ(Str(Json(placed.body).root, "status"), "open");
  EXPECT_EQ(sim_->CrossRestingOrders(kBtc, OrderSide::kSell, size), size);

  const Reply filled = Ex("GET", "/orders/" + id);
  Json order(filled.body);
  EXPECT_EQ(Str(order.root, "status"), "done");
  EXPECT_EQ(Str(order.root, "done_reason"), "filled");
  const std::int64_t notional = NotionalUp(price, size);
  EXPECT_EQ(Str(order.root, "executed_value"), D16(notional));
  EXPECT_EQ(Str(order.root, "fill_fees"), D16(Fee(notional, kExchangeMaker)));
  const Reply fills = Ex("GET", "/fills?order_id=" + id);
  Json list(fills.body);
  simdjson::dom::array rows = list.root;
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Str(rows.at(0), "liquidity"), "M");
  EXPECT_EQ(Str(rows.at(0), "price"), D8(price));
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free - notional - Fee(notional, kExchangeMaker));
  EXPECT_EQ(BalanceOf("USD").locked, 0);
}

TEST_F(CoinbaseOrdersTest, ExchangeRefusalsCarryCoinbasesTexts) {
  StartExchange();
  const BookLevels book = Book();
  const std::string bid = D(book.bids.front().price - 100 * kUnit);
  struct Case {
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.000000001","price":")" +
           bid + "\"}",
       "size is too accurate. Smallest unit is 0.00000001"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":"100.001"})",
       "price is too accurate. Smallest unit is 0.01000000"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"0","price":")" + bid + "\"}",
       "size is too small. Minimum size is 0.00000001"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"5000","price":")" + bid +
           "\"}",
       "size is too large. Maximum size is 3400"},
      {R"({"product_id":"DOGE-USD","side":"buy","type":"limit","size":"1","price":"1"})",
       "Product not found"},
      {R"({"product_id":"BTC-USD","side":"BUY","type":"limit","size":"1","price":"1"})",
       "Invalid side BUY"},
      {R"({"product_id":"BTC-USD","type":"limit","size":"1","price":"1"})", "Requires side"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"lemit","size":"1","price":"1"})",
       "Invalid order_type lemit"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1"})", "Requires price"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","price":"1"})", "Requires size"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"x","price":"1"})",
       "size must be a number"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1","price":"1.2.3"})",
       "price must be a number"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1","price":"-1"})",
       "Invalid Price"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1","price":"0"})",
       "Invalid Price"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1","price":"1",)"
       R"("time_in_force":"GTCi"})",
       "Invalid time_in_force GTCi"},
      {R"({"client_oid":"abc","product_id":"BTC-USD","side":"buy","type":"limit","size":"1",)"
       R"("price":"1"})",
       "Invalid client_oid"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"market","funds":"0.50"})",
       "funds is too small. Minimum size is 1.00000000"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":")" + bid +
           R"(","time_in_force":"IOC","post_only":true})",
       "post_only is invalid when time_in_force is IOC or FOK"},
      {R"({"product_id":"BTC-USD","side":"buy","type":"limit","size":"1","price":"1",)"
       R"("stop":"loss","stop_price":"2"})",
       "stop orders are not supported by the sandbox venue (the engine holds stops)"},
  };
  for (const Case& c : cases) {
    const Reply reply = ExPlace(c.body);
    EXPECT_EQ(reply.status, 400) << c.body;
    Json json(reply.body);
    EXPECT_EQ(Str(json.root, "message"), c.message) << c.body;
  }
  const Reply malformed = ExPlace("{\"product_id\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_TRUE(sim_->SandboxOrders().empty()) << "no refusal places anything";

  // Funds: the balance a buy would need is not there.
  ASSERT_TRUE(sim_->SetSandboxBalance("USD", 10 * kUnit));
  Reply reply = ExPlace(R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"0.01"})");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(reply.body, R"({"message":"Insufficient funds"})");
  reply = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":"{}"}})", bid));
  EXPECT_EQ(reply.body, R"({"message":"Insufficient funds"})");

  // A client_oid an open order carries.
  ASSERT_TRUE(sim_->SetSandboxBalance("USD", 100'000 * kUnit));
  const std::string oid = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  const std::string resting = fmt::format(
      R"({{"client_oid":"{}","product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01",)"
      R"("price":"{}"}})",
      oid, bid);
  ASSERT_EQ(ExPlace(resting).status, 200);
  reply = ExPlace(resting);
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body).root, "message"), "client_oid is already used by an open order");
  EXPECT_EQ(OrdersWithClientId(oid), 1);
}

TEST_F(CoinbaseOrdersTest, ExchangeAuthenticationRefusals) {
  StartExchange();
  auto refused = [&](ExchangeAuth auth, std::string_view message) {
    const Reply reply = Send(ExchangeRequest("GET", "/accounts", {}, auth));
    EXPECT_EQ(reply.status, 401) << message;
    EXPECT_EQ(Str(Json(reply.body).root, "message"), message);
  };
  ExchangeAuth auth = Auth();
  auth.with_key = false;
  refused(auth, "CB-ACCESS-KEY header is required");
  auth = Auth();
  auth.with_timestamp = false;
  refused(auth, "invalid timestamp");
  auth = Auth();
  auth.timestamp = std::to_string(NowS() - 31);
  refused(auth, "request timestamp expired");
  auth.timestamp = std::to_string(NowS() + 31);
  refused(auth, "request timestamp expired");
  auth = Auth();
  auth.with_sign = false;
  refused(auth, "CB-ACCESS-SIGN header is required");
  auth = Auth();
  auth.key = "2fc5dbb5c3c30488d7a13a079bad6b92";
  refused(auth, "Invalid API Key");
  auth = Auth();
  auth.with_passphrase = false;
  refused(auth, "CB-ACCESS-PASSPHRASE header is required");
  auth = Auth();
  auth.passphrase = "not-the-passphrase";
  refused(auth, "Invalid Passphrase");
  auth = Auth();
  auth.secret = Base64(reinterpret_cast<const unsigned char*>("another secret"), 14);
  refused(auth, "invalid signature");
  // A body that is not the one signed.
  net::HttpClientRequest tampered = ExchangeRequest(
      "POST", "/orders", R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"0.01"})",
      Auth());
  tampered.body = R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"1.00"})";
  const Reply reply = Send(std::move(tampered));
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.body, R"({"message":"invalid signature"})");
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  // Within the 30 s window, with decimals as the docs allow: accepted.
  auth = Auth();
  auth.timestamp = std::to_string(NowS() - 29) + ".25";
  EXPECT_EQ(Send(ExchangeRequest("GET", "/accounts", {}, auth)).status, 200);
}

TEST_F(CoinbaseOrdersTest, ExchangeRateLimitsArePerSecondBucketsWithTheirBursts) {
  CoinbaseDialectOptions dialect = Dialect(CoinbaseSimFeed::kExchange);
  dialect.order_entry.exchange_private = {1, 3};
  dialect.order_entry.exchange_fills = {1, 2};
  StartSim(dialect);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Ex("GET", "/accounts").status, 200) << i;
  Reply reply = Ex("GET", "/accounts");
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.body, R"({"message":"Private rate limit exceeded"})");
  // /fills has its own bucket.
  EXPECT_EQ(Ex("GET", "/fills?product_id=BTC-USD").status, 200);
  EXPECT_EQ(Ex("GET", "/fills?product_id=BTC-USD").status, 200);
  EXPECT_EQ(Ex("GET", "/fills?product_id=BTC-USD").status, 429);
  // One second refills one token.
  clock_.Advance(kSecond);
  EXPECT_EQ(Ex("GET", "/accounts").status, 200);
  EXPECT_EQ(Ex("GET", "/accounts").status, 429);
  // An unauthenticated request is refused before it counts.
  ExchangeAuth auth = Auth();
  auth.passphrase = "wrong";
  EXPECT_EQ(Send(ExchangeRequest("GET", "/accounts", {}, auth)).status, 401);
}

TEST_F(CoinbaseOrdersTest, ExchangeInjectedFaults) {
  StartExchange();
  const std::string body =
      R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"0.001"})";
  // Rate limited: the venue's 429, and again while the Retry-After runs.
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 2s));
  Reply reply = ExPlace(body);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.body, R"({"message":"Private rate limit exceeded"})");
  EXPECT_EQ(reply.retry_after, "2");
  reply = Ex("GET", "/accounts");
  EXPECT_EQ(reply.status, 429);
  clock_.Advance(2 * kSecond);
  EXPECT_EQ(Ex("GET", "/accounts").status, 200);
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  // A 5xx before anything happens.
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError));
  reply = ExPlace(body);
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, R"({"message":"Internal Server Error."})");
  EXPECT_TRUE(sim_->SandboxOrders().empty());

  // Accepted, then a 5xx: the order exists, once.
  const std::string oid = "12345678-aaaa-4bbb-8ccc-1234567890ab";
  const std::string with_oid = fmt::format(
      R"({{"client_oid":"{}","product_id":"BTC-USD","side":"buy","type":"market","size":"0.001"}})",
      oid);
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  reply = ExPlace(with_oid);
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(OrdersWithClientId(oid), 1);
  reply = Ex("GET", "/orders/client:" + oid);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Str(Json(reply.body).root, "done_reason"), "filled");

  // Accepted, then no answer ever: the client times out; the order exists, once.
  const std::string oid2 = "12345678-aaaa-4bbb-8ccc-1234567890ac";
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto result = SendOn(
      impatient, ExchangeRequest("POST", "/orders",
                                 fmt::format(R"({{"client_oid":"{}","product_id":"BTC-USD",)"
                                             R"("side":"buy","type":"market","size":"0.001"}})",
                                             oid2),
                                 Auth()));
  EXPECT_FALSE(result.ok()) << "no answer ever came";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(OrdersWithClientId(oid2), 1);
  reply = Ex("GET", "/orders/client:" + oid2);
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(Str(Json(reply.body).root, "status"), "done");
}

TEST_F(CoinbaseOrdersTest, ExchangeOpenOrdersListAndCancelAll) {
  StartExchange();
  const std::string bid = D(Book().bids.front().price - 100 * kUnit);
  const std::string limit = fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"limit","size":"0.01","price":"{}"}})", bid);
  ASSERT_EQ(ExPlace(limit).status, 200);
  ASSERT_EQ(ExPlace(limit).status, 200);
  ASSERT_EQ(
      ExPlace(R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"0.001"})").status,
      200);
  Reply open = Ex("GET", "/orders");
  ASSERT_EQ(open.status, 200) << open.body;
  EXPECT_EQ(simdjson::dom::array(Json(open.body).root).size(), 2u);
  const Reply all = Ex("GET", "/orders?status=all");
  EXPECT_EQ(simdjson::dom::array(Json(all.body).root).size(), 3u);
  const Reply canceled = Ex("DELETE", "/orders?product_id=BTC-USD");
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  EXPECT_EQ(simdjson::dom::array(Json(canceled.body).root).size(), 2u);
  open = Ex("GET", "/orders");
  EXPECT_EQ(open.body, "[]");
  EXPECT_EQ(BalanceOf("USD").locked, 0);
}

TEST_F(CoinbaseOrdersTest, ExchangeTakersTradeShowsOnThePublicMatchesChannel) {
  StartExchange();
  Recorder recorder;
  net::WebSocketClient* client = Connect(recorder);
  client_io_.Run([client] {
    client->Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["matches"]})");
  });
  ASSERT_TRUE(recorder.WaitFor([](const std::vector<std::string>& messages, int) {
    return std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
      return m.find("\"subscriptions\"") != std::string::npos;
    });
  }));
  const BookLevels book = Book();
  const BookLevel best = book.asks.front();
  const std::int64_t size = std::min(best.quantity, M("0.005"));
  const Reply placed = ExPlace(fmt::format(
      R"({{"product_id":"BTC-USD","side":"buy","type":"market","size":"{}"}})", D(size)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_TRUE(recorder.WaitFor([&](const std::vector<std::string>& messages, int) {
    for (const std::string& text : messages) {
      simdjson::dom::parser parser;
      simdjson::dom::element message;
      if (parser.parse(text).get(message) != simdjson::SUCCESS) continue;
      if (Str(message, "type") != "match") continue;
      // The maker's side: the sell the buyer took.
      if (Str(message, "side") == "sell" && M(Str(message, "price")) == best.price &&
          M(Str(message, "size")) == size) {
        return true;
      }
    }
    return false;
  }));
}

TEST_F(CoinbaseOrdersTest, ExchangeWithoutOrderEntryTakesNoOrders) {
  CoinbaseDialectOptions dialect = Dialect(CoinbaseSimFeed::kExchange);
  dialect.order_entry.enabled = false;
  StartSim(dialect);
  EXPECT_FALSE(sim_->sandbox_keys().has_value());
  EXPECT_FALSE(sim_->SandboxBalance("USD").has_value());
  net::HttpClientRequest request;
  request.method = "POST";
  request.target = "/orders";
  request.body = R"({"product_id":"BTC-USD","side":"buy","type":"market","size":"0.01"})";
  const Reply reply = Send(std::move(request));
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.body, R"({"message":"NotFound"})");
}

// ================================ Coinbase Advanced Trade ========================================

TEST_F(CoinbaseOrdersTest, AdvancedSandboxKeyIsACdpKeyWithAGeneratedEcPrivateKey) {
  StartAdvanced();
  EXPECT_EQ(keys_.api_key, kSandboxAdvancedKeyName);
  EXPECT_TRUE(keys_.api_key.starts_with("organizations/"));
  EXPECT_NE(keys_.api_key.find("/apiKeys/"), std::string::npos);
  EXPECT_TRUE(keys_.api_secret.starts_with("-----BEGIN EC PRIVATE KEY-----")) << keys_.api_secret;
  EXPECT_TRUE(keys_.passphrase.empty());
}

TEST_F(CoinbaseOrdersTest, AdvancedLimitGtcRestsIsQueriedAndCanceled) {
  StartAdvanced();
  const BookLevels book = Book();
  const std::int64_t price = book.bids.front().price - 100 * kUnit;
  const Balance usd_before = BalanceOf("USD");
  const Reply placed =
      AtPlace("a1b2c3d4e5f60718293a4b5c6d7e8f90", "BUY",
              fmt::format(R"({{"limit_limit_gtc":{{"base_size":"0.01","limit_price":"{}",)"
                          R"("post_only":false}}}})",
                          D(price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  Json created(placed.body);
  EXPECT_TRUE(Bool(created.root, "success"));
  simdjson::dom::element response = created["success_response"];
  const std::string id = Str(response, "order_id");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(Str(created.root, "order_id"), id);
  EXPECT_EQ(Str(response, "product_id"), "BTC-USD");
  EXPECT_EQ(Str(response, "side"), "BUY");
  EXPECT_EQ(Str(response, "client_order_id"), "a1b2c3d4e5f60718293a4b5c6d7e8f90");
  EXPECT_EQ(Str(created["order_configuration"]["limit_limit_gtc"], "limit_price"), D(price));

  const std::int64_t notional = NotionalUp(price, M("0.01"));
  const std::int64_t hold = notional + Fee(notional, kAdvancedTaker);
  EXPECT_EQ(BalanceOf("USD").locked, usd_before.locked + hold);

  Reply query = At("GET", "/api/v3/brokerage/orders/historical/" + id);
  ASSERT_EQ(query.status, 200) << query.body;
  Json got(query.body);
  simdjson::dom::element order = got["order"];
  EXPECT_EQ(Str(order, "order_id"), id);
  EXPECT_EQ(Str(order, "status"), "OPEN");
  EXPECT_EQ(Str(order, "time_in_force"), "GOOD_UNTIL_CANCELLED");
  EXPECT_EQ(Str(order, "order_type"), "LIMIT");
  EXPECT_EQ(Str(order, "side"), "BUY");
  EXPECT_EQ(Str(order, "filled_size"), "0");
  EXPECT_EQ(Str(order, "total_fees"), "0");
  EXPECT_EQ(Str(order, "outstanding_hold_amount"), D(hold));
  EXPECT_EQ(Str(order, "created_time"), "2024-08-09T00:00:05.000000Z");
  EXPECT_EQ(Str(order["order_configuration"]["limit_limit_gtc"], "base_size"), "0.01");
  EXPECT_FALSE(Bool(order["order_configuration"]["limit_limit_gtc"], "post_only"));

  Reply canceled =
      At("POST", "/api/v3/brokerage/orders/batch_cancel",
         fmt::format(R"({{"order_ids":["{}","{}"]}})", id, "5a4db1a7-c0b5-4e5d-9a3c-0000000003e7"));
  ASSERT_EQ(canceled.status, 200) << canceled.body;
  Json results(canceled.body);
  simdjson::dom::array rows = results["results"];
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_TRUE(Bool(rows.at(0), "success"));
  EXPECT_EQ(Str(rows.at(0), "failure_reason"), "UNKNOWN_CANCEL_FAILURE_REASON");
  EXPECT_EQ(Str(rows.at(0), "order_id"), id);
  EXPECT_FALSE(Bool(rows.at(1), "success"));
  EXPECT_EQ(Str(rows.at(1), "failure_reason"), "UNKNOWN_CANCEL_ORDER");
  EXPECT_EQ(BalanceOf("USD"), usd_before);

  query = At("GET", "/api/v3/brokerage/orders/historical/" + id);
  EXPECT_EQ(Str(Json(query.body)["order"], "status"), "CANCELLED");
  canceled = At("POST", "/api/v3/brokerage/orders/batch_cancel",
                fmt::format(R"({{"order_ids":["{}"]}})", id));
  EXPECT_EQ(Str(simdjson::dom::array(Json(canceled.body)["results"]).at(0), "failure_reason"),
            "DUPLICATE_CANCEL_REQUEST");

  query = At("GET", "/api/v3/brokerage/orders/historical/11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(query.status, 404);
  EXPECT_EQ(Str(Json(query.body).root, "error"), "NOT_FOUND");
  EXPECT_EQ(Str(Json(query.body).root, "message"), "order with this orderID was not found");
}

TEST_F(CoinbaseOrdersTest, AdvancedMarketBuyByQuoteSizeAndItsFills) {
  StartAdvanced();
  const Balance usd_before = BalanceOf("USD");
  const Balance btc_before = BalanceOf("BTC");
  const Reply placed =
      AtPlace("mkt-quote-1", "BUY", R"({"market_market_ioc":{"quote_size":"500.00"}})");
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string id = Str(Json(placed.body)["success_response"], "order_id");
  Reply query = At("GET", "/api/v3/brokerage/orders/historical/" + id);
  Json got(query.body);
  simdjson::dom::element order = got["order"];
  EXPECT_EQ(Str(order, "status"), "FILLED");
  EXPECT_EQ(Str(order, "order_type"), "MARKET");
  EXPECT_EQ(Str(order, "time_in_force"), "IMMEDIATE_OR_CANCEL");
  EXPECT_TRUE(Bool(order, "size_in_quote"));
  EXPECT_EQ(Str(order["order_configuration"]["market_market_ioc"], "quote_size"), "500");
  const std::int64_t value = Dec(order, "filled_value");
  const std::int64_t fees = Dec(order, "total_fees");
  const std::int64_t filled = Dec(order, "filled_size");
  EXPECT_EQ(fees, Fee(value, kAdvancedTaker));
  EXPECT_LE(value + fees, 500 * kUnit);
  EXPECT_GT(value + fees, 495 * kUnit);
  EXPECT_EQ(Dec(order, "total_value_after_fees"), value + fees);
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free - value - fees);
  EXPECT_EQ(BalanceOf("BTC").free, btc_before.free + filled);

  const Reply fills = At("GET", "/api/v3/brokerage/orders/historical/fills?order_ids=" + id);
  ASSERT_EQ(fills.status, 200) << fills.body;
  Json list(fills.body);
  std::int64_t size_sum = 0, commission = 0;
  for (simdjson::dom::element fill : simdjson::dom::array(list["fills"])) {
    EXPECT_EQ(Str(fill, "order_id"), id);
    EXPECT_EQ(Str(fill, "liquidity_indicator"), "TAKER");
    EXPECT_EQ(Str(fill, "side"), "BUY");
    EXPECT_EQ(Str(fill, "trade_type"), "FILL");
    EXPECT_EQ(Str(fill, "product_id"), "BTC-USD");
    size_sum += Dec(fill, "size");
    commission += Dec(fill, "commission");
  }
  EXPECT_EQ(size_sum, filled);
  EXPECT_EQ(commission, fees);

  // The accounts answer the same balances.
  const Reply accounts = At("GET", "/api/v3/brokerage/accounts?limit=250");
  ASSERT_EQ(accounts.status, 200) << accounts.body;
  Json books(accounts.body);
  EXPECT_FALSE(Bool(books.root, "has_next"));
  int seen = 0;
  for (simdjson::dom::element account : simdjson::dom::array(books["accounts"])) {
    const std::string currency = Str(account, "currency");
    if (currency != "USD" && currency != "BTC") continue;
    ++seen;
    const Balance balance = BalanceOf(currency);
    EXPECT_EQ(Dec(account["available_balance"], "value"), balance.free) << currency;
    EXPECT_EQ(Dec(account["hold"], "value"), balance.locked) << currency;
    EXPECT_EQ(Str(account["available_balance"], "currency"), currency);
  }
  EXPECT_EQ(seen, 2);
}

TEST_F(CoinbaseOrdersTest, AdvancedMarketSellByBaseSize) {
  StartAdvanced();
  const BookLevels book = Book();
  const std::int64_t size = M("0.03");
  const std::int64_t proceeds = SellProceeds(Walk(book.bids, size, 0, false));
  const std::int64_t fee = Fee(proceeds, kAdvancedTaker);
  const Balance usd_before = BalanceOf("USD");
  const Reply placed =
      AtPlace("mkt-base-1", "SELL", R"({"market_market_ioc":{"base_size":"0.03"}})");
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string id = Str(Json(placed.body)["success_response"], "order_id");
  Json got(At("GET", "/api/v3/brokerage/orders/historical/" + id).body);
  EXPECT_EQ(Str(got["order"], "status"), "FILLED");
  EXPECT_EQ(Dec(got["order"], "filled_value"), proceeds);
  EXPECT_EQ(Dec(got["order"], "total_fees"), fee);
  EXPECT_EQ(Dec(got["order"], "total_value_after_fees"), proceeds - fee);
  EXPECT_EQ(BalanceOf("USD").free, usd_before.free + proceeds - fee);
}

TEST_F(CoinbaseOrdersTest, AdvancedIocAndFokEndCancelled) {
  StartAdvanced();
  const BookLevel best = Book().asks.front();
  Reply placed =
      AtPlace("ioc-1", "BUY",
              fmt::format(R"({{"sor_limit_ioc":{{"base_size":"{}","limit_price":"{}"}}}})",
                          D(best.quantity + M("0.5")), D(best.price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  std::string id = Str(Json(placed.body)["success_response"], "order_id");
  Json ioc(At("GET", "/api/v3/brokerage/orders/historical/" + id).body);
  EXPECT_EQ(Str(ioc["order"], "status"), "CANCELLED");
  EXPECT_EQ(Str(ioc["order"], "time_in_force"), "IMMEDIATE_OR_CANCEL");
  EXPECT_EQ(Dec(ioc["order"], "filled_size"), best.quantity);

  const BookLevel next = Book().asks.front();
  placed = AtPlace("fok-1", "BUY",
                   fmt::format(R"({{"limit_limit_fok":{{"base_size":"{}","limit_price":"{}"}}}})",
                               D(next.quantity + M("0.5")), D(next.price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  id = Str(Json(placed.body)["success_response"], "order_id");
  Json fok(At("GET", "/api/v3/brokerage/orders/historical/" + id).body);
  EXPECT_EQ(Str(fok["order"], "status"), "CANCELLED");
  EXPECT_EQ(Str(fok["order"], "time_in_force"), "FILL_OR_KILL");
  EXPECT_EQ(Str(fok["order"], "filled_size"), "0");
  EXPECT_EQ(BalanceOf("USD").locked, 0);
}

TEST_F(CoinbaseOrdersTest, AdvancedRefusalsAreSuccessFalseWithCoinbasesReasons) {
  StartAdvanced();
  const BookLevels book = Book();
  struct Case {
    std::string config;
    std::string error;
    std::string preview;
    std::string message;
  };
  const std::string ask = D(book.asks.front().price);
  const std::string bid = D(book.bids.front().price - 100 * kUnit);
  const std::vector<Case> cases = {
      {R"({"limit_limit_gtc":{"base_size":"0.01","limit_price":")" + ask +
           R"(","post_only":true}})",
       "INVALID_LIMIT_PRICE_POST_ONLY", "PREVIEW_INVALID_LIMIT_PRICE_POST_ONLY",
       "Invalid limit price for post-only order"},
      {R"({"limit_limit_gtc":{"base_size":"0.000000001","limit_price":")" + bid + "\"}}",
       "INVALID_SIZE_PRECISION", "PREVIEW_INVALID_SIZE_PRECISION",
       "Too many decimals in order amount"},
      {R"({"limit_limit_gtc":{"base_size":"0.01","limit_price":"100.001"}})",
       "INVALID_PRICE_PRECISION", "PREVIEW_INVALID_PRICE_PRECISION",
       "Too many decimals in order price"},
      {R"({"limit_limit_gtd":{"base_size":"0.01","limit_price":"100","end_time":"x"}})",
       "UNSUPPORTED_ORDER_CONFIGURATION", "PREVIEW_INVALID_ORDER_CONFIG", ""},
      {R"({"market_market_ioc":{}})", "UNKNOWN_FAILURE_REASON", "UNKNOWN_PREVIEW_FAILURE_REASON",
       "Market orders cannot be placed with empty order sizes"},
      {R"({"market_market_ioc":{"quote_size":"0.50"}})", "UNKNOWN_FAILURE_REASON",
       "PREVIEW_INVALID_QUOTE_SIZE_TOO_SMALL", ""},
  };
  for (const Case& c : cases) {
    const Reply reply = AtPlace("refused-1", "BUY", c.config);
    ASSERT_EQ(reply.status, 200) << reply.body;
    Json json(reply.body);
    EXPECT_FALSE(Bool(json.root, "success")) << c.config;
    simdjson::dom::element error = json["error_response"];
    EXPECT_EQ(Str(error, "error"), c.error) << c.config;
    EXPECT_EQ(Str(error, "preview_failure_reason"), c.preview) << c.config;
    EXPECT_EQ(Str(error, "message"), c.message) << c.config;
  }
  Reply reply = At("POST", "/api/v3/brokerage/orders",
                   R"({"client_order_id":"x1","product_id":"DOGE-USD","side":"BUY",)"
                   R"("order_configuration":{"market_market_ioc":{"base_size":"1"}}})");
  EXPECT_EQ(Str(Json(reply.body)["error_response"], "error"), "INVALID_PRODUCT_ID");
  reply = At("POST", "/api/v3/brokerage/orders",
             R"({"client_order_id":"x2","product_id":"BTC-USD","side":"buy",)"
             R"("order_configuration":{"market_market_ioc":{"base_size":"1"}}})");
  EXPECT_EQ(Str(Json(reply.body)["error_response"], "error"), "INVALID_SIDE");
  reply = At("POST", "/api/v3/brokerage/orders", "not json");
  EXPECT_EQ(reply.status, 400);
  EXPECT_EQ(Str(Json(reply.body).root, "error"), "INVALID_ARGUMENT");
  EXPECT_TRUE(sim_->SandboxOrders().empty()) << "no refusal places anything";

  ASSERT_TRUE(sim_->SetSandboxBalance("USD", 10 * kUnit));
  reply = AtPlace("poor-1", "BUY", R"({"market_market_ioc":{"base_size":"0.01"}})");
  Json poor(reply.body);
  EXPECT_FALSE(Bool(poor.root, "success"));
  EXPECT_EQ(Str(poor["error_response"], "error"), "INSUFFICIENT_FUND");
  EXPECT_EQ(Str(poor["error_response"], "message"), "Insufficient balance in source account");
  EXPECT_EQ(Str(poor["error_response"], "preview_failure_reason"), "PREVIEW_INSUFFICIENT_FUND");
  EXPECT_EQ(Str(poor["order_configuration"]["market_market_ioc"], "base_size"), "0.01");
}

TEST_F(CoinbaseOrdersTest, AdvancedReusedClientOrderIdReturnsTheExistingOrder) {
  StartAdvanced();
  const std::string bid = D(Book().bids.front().price - 100 * kUnit);
  const std::string config =
      R"({"limit_limit_gtc":{"base_size":"0.01","limit_price":")" + bid + "\"}}";
  const Reply first = AtPlace("dup-1", "BUY", config);
  const Reply second = AtPlace("dup-1", "BUY", config);
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(second.status, 200);
  EXPECT_TRUE(Bool(Json(second.body).root, "success"));
  EXPECT_EQ(Str(Json(first.body)["success_response"], "order_id"),
            Str(Json(second.body)["success_response"], "order_id"));
  EXPECT_EQ(OrdersWithClientId("dup-1"), 1);
}

TEST_F(CoinbaseOrdersTest, AdvancedRestingOrderFilledByCrossShowsInQueryListAndFills) {
  StartAdvanced();
  const std::int64_t price = Book().bids.front().price - 3 * kUnit;
  const std::int64_t size = M("0.02");
  const Reply placed = AtPlace(
      "maker-1", "BUY",
      fmt::format(
          R"({{"limit_limit_gtc":{{"base_size":"0.02","limit_price":"{}","post_only":true}}}})",
          D(price)));
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string id = Str(Json(placed.body)["success_response"], "order_id");
  EXPECT_EQ(sim_->CrossRestingOrders(kBtc, OrderSide::kSell, size), size);
  Json got(At("GET", "/api/v3/brokerage/orders/historical/" + id).body);
  simdjson::dom::element order = got["order"];
  EXPECT_EQ(Str(order, "status"), "FILLED");
  EXPECT_EQ(Dec(order, "average_filled_price"), price);
  const std::int64_t notional = NotionalUp(price, size);
  EXPECT_EQ(Dec(order, "total_fees"), Fee(notional, kAdvancedMaker));
  EXPECT_EQ(Str(order, "completion_percentage"), "100");
  EXPECT_EQ(Str(order, "number_of_fills"), "1");

  const Reply fills = At("GET", "/api/v3/brokerage/orders/historical/fills?order_ids=" + id);
  Json list(fills.body);
  simdjson::dom::array rows = list["fills"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Str(rows.at(0), "liquidity_indicator"), "MAKER");
  EXPECT_EQ(Dec(rows.at(0), "price"), price);
  EXPECT_EQ(Dec(rows.at(0), "commission"), Fee(notional, kAdvancedMaker));

  const Reply batch = At("GET",
                         "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD"
                         "&order_status=FILLED&limit=100");
  ASSERT_EQ(batch.status, 200) << batch.body;
  Json listed(batch.body);
  simdjson::dom::array orders = listed["orders"];
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(Str(orders.at(0), "client_order_id"), "maker-1");
  EXPECT_FALSE(Bool(listed.root, "has_next"));
}

TEST_F(CoinbaseOrdersTest, AdvancedListOrdersPagesNewestFirst) {
  StartAdvanced();
  const std::string bid = D(Book().bids.front().price - 100 * kUnit);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(AtPlace(fmt::format("page-{}", i), "BUY",
                      R"({"limit_limit_gtc":{"base_size":"0.01","limit_price":")" + bid + "\"}}")
                  .status,
              200);
  }
  Reply page = At("GET", "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD&limit=2");
  Json first(page.body);
  simdjson::dom::array orders = first["orders"];
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(Str(orders.at(0), "client_order_id"), "page-2");
  EXPECT_TRUE(Bool(first.root, "has_next"));
  page = At("GET", "/api/v3/brokerage/orders/historical/batch?product_ids=BTC-USD&limit=2&cursor=" +
                       Str(first.root, "cursor"));
  Json second(page.body);
  ASSERT_EQ(simdjson::dom::array(second["orders"]).size(), 1u);
  EXPECT_EQ(Str(simdjson::dom::array(second["orders"]).at(0), "client_order_id"), "page-0");
  EXPECT_FALSE(Bool(second.root, "has_next"));
}

TEST_F(CoinbaseOrdersTest, AdvancedAuthenticationRefusals) {
  StartAdvanced();
  const std::string path = "/api/v3/brokerage/accounts";
  auto refused = [&](net::HttpClientRequest request, const char* what) {
    const Reply reply = Send(std::move(request));
    EXPECT_EQ(reply.status, 401) << what;
    EXPECT_EQ(reply.body, "Unauthorized\n") << what;
    EXPECT_NE(reply.content_type.find("text/plain"), std::string::npos) << what;
  };
  net::HttpClientRequest bare;
  bare.method = "GET";
  bare.target = path;
  refused(bare, "no Authorization");
  const std::int64_t now = NowS();
  refused(AdvancedRequest("GET", path, {},
                          jwt_->Sign("GET api.coinbase.com" + path, now - 200, now - 80)),
          "expired");
  refused(
      AdvancedRequest("GET", path, {},
                      jwt_->Sign("GET api.coinbase.com/api/v3/brokerage/orders", now, now + 120)),
      "another request's uri");
  refused(
      AdvancedRequest("GET", path, {}, jwt_->Sign("POST api.coinbase.com" + path, now, now + 120)),
      "another method");
  refused(AdvancedRequest("GET", path, {}, jwt_->Sign("GET example.com" + path, now, now + 120)),
          "another host");
  auto other_pem = gateways::coinbase::GenerateTestPrivateKeyPem();
  ASSERT_TRUE(other_pem.ok());
  Jwt other(std::string(kSandboxAdvancedKeyName), *other_pem);
  refused(
      AdvancedRequest("GET", path, {}, other.Sign("GET api.coinbase.com" + path, now, now + 120)),
      "another key's signature");
  Jwt stranger("organizations/x/apiKeys/y", keys_.api_secret);
  refused(AdvancedRequest("GET", path, {},
                          stranger.Sign("GET api.coinbase.com" + path, now, now + 120)),
          "an unknown key name");
  EXPECT_EQ(At("GET", path).status, 200);
  // The query string is not part of the uri claim.
  EXPECT_EQ(At("GET", path + "?limit=5").status, 200);
}

TEST_F(CoinbaseOrdersTest, AdvancedRateLimitAndFaults) {
  CoinbaseDialectOptions dialect = Dialect(CoinbaseSimFeed::kAdvancedTrade);
  dialect.order_entry.advanced_private = {1, 2};
  StartSim(dialect);
  const std::string path = "/api/v3/brokerage/accounts";
  EXPECT_EQ(At("GET", path).status, 200);
  EXPECT_EQ(At("GET", path).status, 200);
  Reply reply = At("GET", path);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(Str(Json(reply.body).root, "error"), "RATE_LIMIT_EXCEEDED");
  clock_.Advance(kSecond);

  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError));
  reply = AtPlace("srv-1", "BUY", R"({"market_market_ioc":{"base_size":"0.001"}})");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(Str(Json(reply.body).root, "error"), "INTERNAL");
  EXPECT_EQ(OrdersWithClientId("srv-1"), 0);

  // Accepted, then no answer: resending the same client_order_id finds the order, placed once.
  clock_.Advance(kSecond);
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  auto result =
      SendOn(impatient, AdvancedRequest("POST", "/api/v3/brokerage/orders",
                                        R"({"client_order_id":"held-1","product_id":"BTC-USD",)"
                                        R"("side":"BUY","order_configuration":)"
                                        R"({"market_market_ioc":{"base_size":"0.001"}}})"));
  EXPECT_FALSE(result.ok()) << "no answer ever came";
  EXPECT_EQ(OrdersWithClientId("held-1"), 1);
  clock_.Advance(kSecond);
  reply = AtPlace("held-1", "BUY", R"({"market_market_ioc":{"base_size":"0.001"}})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_TRUE(Bool(Json(reply.body).root, "success"));
  EXPECT_EQ(OrdersWithClientId("held-1"), 1);

  clock_.Advance(kSecond);
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 3s));
  reply = At("GET", path);
  EXPECT_EQ(reply.status, 429);
  EXPECT_EQ(reply.retry_after, "3");
}

TEST_F(CoinbaseOrdersTest, AdvancedTakersTradeShowsOnThePublicMarketTradesChannel) {
  StartAdvanced();
  Recorder recorder;
  net::WebSocketClient* client = Connect(recorder);
  client_io_.Run([client] {
    client->Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"market_trades"})");
  });
  ASSERT_TRUE(recorder.WaitFor([](const std::vector<std::string>& messages, int) {
    return std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
      return m.find("\"snapshot\"") != std::string::npos;
    });
  }));
  const BookLevel best = Book().asks.front();
  const std::int64_t size = std::min(best.quantity, M("0.004"));
  ASSERT_EQ(AtPlace("pub-1", "BUY",
                    fmt::format(R"({{"market_market_ioc":{{"base_size":"{}"}}}})", D(size)))
                .status,
            200);
  EXPECT_TRUE(recorder.WaitFor([&](const std::vector<std::string>& messages, int) {
    for (const std::string& text : messages) {
      simdjson::dom::parser parser;
      simdjson::dom::element message;
      if (parser.parse(text).get(message) != simdjson::SUCCESS) continue;
      if (Str(message, "channel") != "market_trades") continue;
      simdjson::dom::array events;
      if (message["events"].get(events) != simdjson::SUCCESS) continue;
      for (simdjson::dom::element event : events) {
        if (Str(event, "type") != "update") continue;
        for (simdjson::dom::element trade : simdjson::dom::array(event["trades"])) {
          if (M(Str(trade, "price")) == best.price && M(Str(trade, "size")) == size) return true;
        }
      }
    }
    return false;
  }));
}

TEST(CoinbaseOrderUuid, RoundTripsAndRefusesOthers) {
  const std::string id = CoinbaseOrderUuid(42);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(ParseCoinbaseOrderUuid(id), 42u);
  EXPECT_FALSE(ParseCoinbaseOrderUuid("11111111-2222-4333-8444-555555555555").has_value());
  EXPECT_FALSE(ParseCoinbaseOrderUuid(id.substr(0, 35) + "g").has_value());
}

}  // namespace
}  // namespace tradingd::sim::coinbase
