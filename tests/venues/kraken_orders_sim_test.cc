// The sandbox Kraken venue's spot order entry end to end: a StreamSim with the Kraken dialect on
// 127.0.0.1:0 with its own io thread and a ManualClock, a net::HttpClient on a second io thread,
// every request signed HERE with OpenSSL's one-shot EVP_Digest / HMAC / EVP_EncodeBlock (not with
// the venue's or the gateway's signing code), checked first against the worked example of
// Kraken's "Spot REST Authentication" guide. The market starts paused, so the books stand still
// and every fill is computed from BookSnapshot(). Nothing sleeps to synchronize: every wait has a
// deadline that fails the test.

#include "sim/kraken/kraken_orders_sim.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
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
#include "sim/kraken/kraken_sim.h"
#include "tests/support/io_thread.h"

namespace tradingd::sim::kraken {
namespace {

using namespace std::chrono_literals;
using ::tradingd::testing::IoThread;

constexpr auto kDeadline = 10s;
constexpr std::int64_t kStartMs = 1'723'161'605'000;  // 2024-08-09T00:00:05Z
constexpr std::int64_t kTick = 10'000'000;            // BTC/USD 0.1
constexpr std::int64_t kUnit = 100'000'000;
constexpr std::int64_t kMakerPpm = 1600;
constexpr std::int64_t kTakerPpm = 2600;

// ---- helpers ----

std::int64_t M(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}
std::string D(std::int64_t mantissa) { return core::FormatDecimal(mantissa, kSimScale, 0); }
// As Kraken writes them: at least `decimals`, up to 8 when needed.
std::string D(std::int64_t mantissa, int decimals) {
  return core::FormatDecimal(mantissa, kSimScale, decimals);
}
std::int64_t CeilDiv(core::Int128 a, std::int64_t b) {
  return static_cast<std::int64_t>((a + b - 1) / b);
}
std::int64_t FloorDiv(core::Int128 a, std::int64_t b) { return static_cast<std::int64_t>(a / b); }
std::int64_t FeeOf(std::int64_t quote, std::int64_t ppm) {
  return CeilDiv(static_cast<core::Int128>(quote) * ppm, 1'000'000);
}

// What a taker of `volume` takes from one side of a still book: its fills, best first.
struct Walked {
  core::Int128 notional = 0;
  std::vector<BookLevel> fills;
};
Walked Walk(const std::vector<BookLevel>& side, std::int64_t volume) {
  Walked walked;
  for (const BookLevel& level : side) {
    if (volume == 0) break;
    const std::int64_t take = std::min(volume, level.quantity);
    walked.fills.push_back({level.price, take});
    walked.notional += static_cast<core::Int128>(level.price) * take;
    volume -= take;
  }
  EXPECT_EQ(volume, 0) << "the book is too thin";
  return walked;
}

std::string Base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}
std::string Unbase64(std::string_view text) {
  std::string out(3 * text.size() / 4, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  std::size_t size = n < 0 ? 0 : static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '='; --i) --size;
  out.resize(size);
  return out;
}
// Kraken's API-Sign, the documented rule, with OpenSSL's one-shot functions.
std::string Sign(std::string_view secret, std::string_view path, std::string_view nonce,
                 std::string_view body) {
  const std::string inner_input = std::string(nonce) + std::string(body);
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned int inner_size = 0;
  EVP_Digest(inner_input.data(), inner_input.size(), inner, &inner_size, EVP_sha256(), nullptr);
  std::string message(path);
  message.append(reinterpret_cast<const char*>(inner), inner_size);
  const std::string key = Unbase64(secret);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
  return Base64(mac, mac_size);
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
std::vector<std::string> Keys(simdjson::dom::element e) {
  std::vector<std::string> keys;
  for (auto field : simdjson::dom::object(e)) keys.emplace_back(field.key);
  return keys;
}
// The envelope's errors.
std::vector<std::string> Errors(const std::string& body) {
  Json json(body);
  std::vector<std::string> errors;
  for (simdjson::dom::element e : simdjson::dom::array(json["error"])) {
    errors.emplace_back(std::string_view(e));
  }
  return errors;
}

bool IsKrakenId(std::string_view id, char prefix) {
  if (id.size() != 19 || id[0] != prefix || id[6] != '-' || id[12] != '-') return false;
  for (std::size_t i = 1; i < id.size(); ++i) {
    if (i == 6 || i == 12) continue;
    const char c = id[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7'))) return false;
  }
  return true;
}

const std::vector<std::string> kOpenOrderKeys = {
    "refid",    "userref", "status", "opentm", "starttm",   "expiretm",   "descr", "vol",
    "vol_exec", "cost",    "fee",    "price",  "stopprice", "limitprice", "misc",  "oflags"};
const std::vector<std::string> kTradeKeys = {"ordertxid", "postxid", "pair",     "time", "type",
                                             "ordertype", "price",   "cost",     "fee",  "vol",
                                             "margin",    "misc",    "trade_id", "maker"};

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

class KrakenOrdersSimTest : public ::testing::Test {
 protected:
  // Generous REST counter: the tests query a lot on a clock that stands still.
  static KrakenOrderEntryOptions Entry() {
    KrakenOrderEntryOptions entry;
    entry.limits.api_counter_max_milli = 1'000'000;
    return entry;
  }

  void StartSim(KrakenOrderEntryOptions entry = Entry()) {
    StreamSimOptions options;
    options.symbols = DefaultKrakenSymbols();
    options.start_paused = true;
    options.clock = &clock_;
    KrakenDialectOptions dialect;
    dialect.heartbeat_interval = 0ms;
    dialect.orders = std::move(entry);
    sim_ = std::make_unique<StreamSim>(sim_io_.io(), std::move(options),
                                       MakeKrakenDialect(std::move(dialect)));
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

  // A POST with exactly these headers and body.
  net::HttpClientResponse Post(const std::string& path, std::string body, net::HeaderList headers) {
    net::HttpClientRequest request;
    request.method = "POST";
    request.target = path;
    request.body = std::move(body);
    request.headers = std::move(headers);
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    auto result = SendOn(http_, std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : net::HttpClientResponse{};
  }

  std::string NextNonce() { return std::to_string(++nonce_); }

  // nonce first, then `params`, signed for `method` with the sandbox key.
  net::HttpClientRequest SignedRequest(const std::string& method, const std::string& params) {
    const std::string nonce = NextNonce();
    const std::string path = "/0/private/" + method;
    net::HttpClientRequest request;
    request.method = "POST";
    request.target = path;
    request.body = "nonce=" + nonce + (params.empty() ? "" : "&" + params);
    request.headers.emplace_back("API-Key", std::string(kSandboxApiKey));
    request.headers.emplace_back("API-Sign", Sign(kSandboxApiSecret, path, nonce, request.body));
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return request;
  }

  net::HttpClientResponse Call(const std::string& method, const std::string& params = {}) {
    auto result = SendOn(http_, SignedRequest(method, params));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return {};
    EXPECT_EQ(result->status, 200) << result->body;
    return std::move(result).value();
  }

  // A successful call's result (the test fails on an error).
  std::string Ok(const std::string& method, const std::string& params = {}) {
    const auto response = Call(method, params);
    const auto errors = Errors(response.body);
    EXPECT_TRUE(errors.empty()) << method << " " << params << " → " << response.body;
    return response.body;
  }

  // The single error of a refused call.
  std::string Refused(const std::string& method, const std::string& params = {}) {
    const auto response = Call(method, params);
    const auto errors = Errors(response.body);
    EXPECT_EQ(errors.size(), 1u) << response.body;
    EXPECT_EQ(response.body.find("\"result\""), std::string::npos) << response.body;
    return errors.empty() ? std::string() : errors.front();
  }

  // AddOrder → its txid.
  std::string Place(const std::string& params) {
    Json json(Ok("AddOrder", params));
    simdjson::dom::array txids;
    if (json["result"]["txid"].get(txids) != simdjson::SUCCESS || txids.size() != 1) {
      ADD_FAILURE() << "no txid for " << params;
      return {};
    }
    return std::string(std::string_view(txids.at(0)));
  }

  BookLevels Book() { return sim_->BookSnapshot("BTC/USD").value(); }
  // A limit buy `ticks` ticks under the best bid: it rests.
  std::string RestingBuy(const std::string& volume, const std::string& extra = {},
                         int ticks = 100) {
    return "pair=XBTUSD&type=buy&ordertype=limit&volume=" + volume +
           "&price=" + D(Book().bids.front().price - ticks * kTick) + extra;
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
  std::uint64_t nonce_ = 1'723'161'605'000;
};

// ---- signing ----

TEST(KrakenSigningTest, TheTestsSignerReproducesKrakensWorkedExample) {
  // docs.kraken.com/api/docs/guides/spot-rest-auth (also fixtures/signing-vectors.md).
  EXPECT_EQ(
      Sign("kQH5HW/"
           "8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==",
           "/0/private/AddOrder", "1616492376594",
           "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"),
      "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==");
  // The sandbox credentials have Kraken's shapes: a 56-character key, a 64-byte secret.
  EXPECT_EQ(kSandboxApiKey.size(), 56u);
  EXPECT_EQ(Unbase64(kSandboxApiSecret).size(), 64u);
}

// ---- orders, their answers and the balances ----

TEST_F(KrakenOrdersSimTest, MarketBuyAnswersKrakensShapesAndMovesBalancesByExactlyFillsAndFees) {
  StartSim();
  const std::int64_t volume = 1'000'000;  // 0.01
  const Walked walked = Walk(Book().asks, volume);
  const std::int64_t usd_before = Free("USD");
  const std::int64_t btc_before = Free("BTC");

  const auto placed = Call("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=" + D(volume) +
                                           "&oflags=fciq&cl_ord_id=mkt-1");
  Json answer(placed.body);
  EXPECT_EQ(Keys(answer.root), (std::vector<std::string>{"error", "result"}));
  EXPECT_EQ(Keys(answer["result"]), (std::vector<std::string>{"descr", "txid"}));
  EXPECT_EQ(Str(answer["result"]["descr"], "order"), "buy " + D(volume, 8) + " XBTUSD @ market");
  const std::string txid{std::string_view(simdjson::dom::array(answer["result"]["txid"]).at(0))};
  EXPECT_TRUE(IsKrakenId(txid, 'O')) << txid;

  // The order's quote rounded up; its fee 0.26 % of the fills' quotes, rounded up once.
  const std::int64_t quote = CeilDiv(walked.notional, kUnit);
  const std::int64_t fee = FeeOf(quote, kTakerPpm);

  Json query(Ok("QueryOrders", "txid=" + txid + "&trades=true"));
  ASSERT_EQ(Keys(query["result"]), std::vector<std::string>{txid});
  simdjson::dom::element order = query["result"][txid];
  std::vector<std::string> keys = {"refid",     "userref",    "cl_ord_id", "status",   "reason",
                                   "opentm",    "closetm",    "starttm",   "expiretm", "descr",
                                   "vol",       "vol_exec",   "cost",      "fee",      "price",
                                   "stopprice", "limitprice", "misc",      "oflags",   "trades"};
  EXPECT_EQ(Keys(order), keys);
  EXPECT_TRUE(order["refid"].is_null());
  EXPECT_EQ(Str(order, "cl_ord_id"), "mkt-1");
  EXPECT_EQ(Str(order, "status"), "closed");
  EXPECT_TRUE(order["reason"].is_null());
  EXPECT_EQ(double(order["opentm"]), kStartMs / 1000.0);
  EXPECT_EQ(Str(order["descr"], "pair"), "XBTUSD");
  EXPECT_EQ(Str(order["descr"], "type"), "buy");
  EXPECT_EQ(Str(order["descr"], "ordertype"), "market");
  EXPECT_EQ(Str(order["descr"], "price"), "0");
  EXPECT_EQ(Str(order["descr"], "leverage"), "none");
  EXPECT_EQ(Str(order, "vol"), D(volume, 8));
  EXPECT_EQ(Str(order, "vol_exec"), D(volume, 8));
  EXPECT_EQ(M(Str(order, "cost")), quote);
  EXPECT_EQ(M(Str(order, "fee")), fee);
  EXPECT_EQ(Str(order, "oflags"), "fciq");
  simdjson::dom::array trade_ids = order["trades"];
  ASSERT_EQ(trade_ids.size(), walked.fills.size());

  std::string ids;
  for (simdjson::dom::element id : trade_ids) {
    EXPECT_TRUE(IsKrakenId(std::string_view(id), 'T')) << std::string_view(id);
    ids += (ids.empty() ? "" : ",") + std::string(std::string_view(id));
  }
  Json trades(Ok("QueryTrades", "txid=" + ids));
  std::int64_t cost_sum = 0;
  std::int64_t fee_sum = 0;
  std::int64_t vol_sum = 0;
  int i = 0;
  for (simdjson::dom::element id : trade_ids) {
    simdjson::dom::element trade = trades["result"][std::string_view(id)];
    EXPECT_EQ(Keys(trade), kTradeKeys);
    EXPECT_EQ(Str(trade, "ordertxid"), txid);
    EXPECT_EQ(Str(trade, "pair"), "XXBTZUSD");
    EXPECT_EQ(Str(trade, "type"), "buy");
    EXPECT_EQ(Str(trade, "ordertype"), "market");
    EXPECT_EQ(M(Str(trade, "price")), walked.fills[static_cast<std::size_t>(i)].price);
    EXPECT_EQ(M(Str(trade, "vol")), walked.fills[static_cast<std::size_t>(i)].quantity);
    EXPECT_FALSE(bool(trade["maker"]));
    EXPECT_GT(std::int64_t(trade["trade_id"]), 0);
    cost_sum += M(Str(trade, "cost"));
    fee_sum += M(Str(trade, "fee"));
    vol_sum += M(Str(trade, "vol"));
    ++i;
  }
  EXPECT_EQ(cost_sum, quote);
  EXPECT_EQ(fee_sum, fee);
  EXPECT_EQ(vol_sum, volume);

  // The fee in the quote currency: USD pays cost and fee, BTC receives the whole volume.
  EXPECT_EQ(Free("USD"), usd_before - quote - fee);
  EXPECT_EQ(Free("BTC"), btc_before + volume);
  EXPECT_EQ(Locked("USD"), 0);
  Json balance(Ok("Balance"));
  EXPECT_EQ(M(Str(balance["result"], "ZUSD")), usd_before - quote - fee);
  EXPECT_EQ(Str(balance["result"], "XXBT"),
            core::FormatDecimal((btc_before + volume) * 100, 10, 10));
  EXPECT_EQ(Str(balance["result"], "XETH"), "100.0000000000");
  Json extended(Ok("BalanceEx"));
  EXPECT_EQ(Keys(extended["result"]["ZUSD"]), (std::vector<std::string>{"balance", "hold_trade"}));
  EXPECT_EQ(M(Str(extended["result"]["ZUSD"], "balance")), usd_before - quote - fee);
  EXPECT_EQ(Str(extended["result"]["ZUSD"], "hold_trade"), "0.0000");
  ASSERT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(KrakenOrdersSimTest, MarketSellAndAViqcBuyByQuoteAmount) {
  StartSim();
  const std::int64_t volume = 100'000;  // 0.001
  const Walked walked = Walk(Book().bids, volume);
  const std::int64_t usd_before = Free("USD");
  const std::int64_t btc_before = Free("BTC");
  const std::string sell = Place("pair=XXBTZUSD&type=sell&ordertype=market&volume=" + D(volume));
  const std::int64_t quote = FloorDiv(walked.notional, kUnit);
  const std::int64_t fee = FeeOf(quote, kTakerPpm);
  EXPECT_EQ(Free("BTC"), btc_before - volume);
  EXPECT_EQ(Free("USD"), usd_before + quote - fee) << "a sell's fee is in the quote too";
  Json order(Ok("QueryOrders", "txid=" + sell));
  EXPECT_EQ(M(Str(order["result"][sell], "cost")), quote);
  EXPECT_EQ(M(Str(order["result"][sell], "fee")), fee);
  EXPECT_EQ(M(Str(order["result"][sell], "price")), (quote * kUnit + volume / 2) / volume)
      << "the average price";

  // viqc: a buy market order's volume in the quote currency; it spends no more, fee included.
  const std::int64_t usd_mid = Free("USD");
  Json answer(Ok("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=100&oflags=viqc"));
  EXPECT_EQ(Str(answer["result"]["descr"], "order"), "buy 100.00000000 XBTUSD @ market");
  const std::int64_t spent = usd_mid - Free("USD");
  EXPECT_GT(spent, M("99"));
  EXPECT_LE(spent, M("100"));
  // viqc only on buy market orders.
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=sell&ordertype=market&volume=100&oflags=viqc"),
            "EGeneral:Invalid arguments:oflags");
}

TEST_F(KrakenOrdersSimTest, RestingLimitHoldsFundsAndACrossFillsItAsMakerInQueriesAndTrades) {
  StartSim();
  const std::int64_t price = Book().bids.front().price - 100 * kTick;
  const std::string params = "pair=BTC/USD&type=buy&ordertype=limit&volume=0.01&price=" + D(price) +
                             "&cl_ord_id=9cc788d8-9c00-4b25-94d3-26d93603948d";
  Json answer(Ok("AddOrder", params));
  EXPECT_EQ(Str(answer["result"]["descr"], "order"),
            "buy 0.01000000 XBTUSD @ limit " + D(price, 1));
  const std::string txid{std::string_view(simdjson::dom::array(answer["result"]["txid"]).at(0))};
  EXPECT_GT(Locked("USD"), 0);

  // Open: in OpenOrders (by our id too), its hold in BalanceEx.
  Json open(Ok("OpenOrders", "trades=true&cl_ord_id=9cc788d8-9c00-4b25-94d3-26d93603948d"));
  ASSERT_EQ(Keys(open["result"]), std::vector<std::string>{"open"});
  ASSERT_EQ(Keys(open["result"]["open"]), std::vector<std::string>{txid});
  simdjson::dom::element order = open["result"]["open"][txid];
  std::vector<std::string> open_keys = kOpenOrderKeys;
  open_keys.insert(open_keys.begin() + 2, "cl_ord_id");
  EXPECT_EQ(Keys(order), open_keys) << "no trades key before the first fill";
  EXPECT_EQ(Str(order, "status"), "open");
  EXPECT_EQ(Str(order["descr"], "price"), D(price, 1));
  EXPECT_EQ(Str(order, "vol_exec"), "0.00000000");
  EXPECT_EQ(Str(order, "cost"), "0.00000");
  EXPECT_EQ(Str(order, "price"), "0.00000");
  Json held(Ok("BalanceEx"));
  EXPECT_EQ(M(Str(held["result"]["ZUSD"], "hold_trade")), Locked("USD"));
  EXPECT_EQ(Keys(Json(Ok("OpenOrders", "cl_ord_id=other")).root["result"]["open"]).size(), 0u);
  Json closed_before(Ok("ClosedOrders"));
  EXPECT_EQ(std::int64_t(closed_before["result"]["count"]), 0);

  // A seller the sandbox alone sees fills it at its price, as maker (0.16 %).
  const std::int64_t usd_before = Free("USD") + Locked("USD");
  const std::int64_t btc_before = Free("BTC");
  ASSERT_EQ(sim_->CrossRestingOrders("BTC/USD", OrderSide::kSell, M("1")), M("0.01"));
  const std::int64_t quote = CeilDiv(static_cast<core::Int128>(price) * M("0.01"), kUnit);
  const std::int64_t fee = FeeOf(quote, kMakerPpm);
  EXPECT_EQ(Free("USD"), usd_before - quote - fee);
  EXPECT_EQ(Locked("USD"), 0);
  EXPECT_EQ(Free("BTC"), btc_before + M("0.01"));

  Json query(Ok("QueryOrders", "txid=" + txid + "&trades=true"));
  order = query["result"][txid];
  EXPECT_EQ(Str(order, "status"), "closed");
  EXPECT_EQ(Str(order, "vol_exec"), "0.01000000");
  EXPECT_EQ(M(Str(order, "cost")), quote);
  EXPECT_EQ(M(Str(order, "fee")), fee);
  EXPECT_EQ(M(Str(order, "price")), price);
  simdjson::dom::array trade_ids = order["trades"];
  ASSERT_EQ(trade_ids.size(), 1u);
  const std::string trade_id(std::string_view(trade_ids.at(0)));
  Json trades(Ok("QueryTrades", "txid=" + trade_id));
  simdjson::dom::element trade = trades["result"][trade_id];
  EXPECT_TRUE(bool(trade["maker"]));
  EXPECT_EQ(M(Str(trade, "price")), price);
  EXPECT_EQ(M(Str(trade, "fee")), fee);
  EXPECT_EQ(Str(trade, "ordertype"), "limit");
  Json history(Ok("TradesHistory"));
  EXPECT_EQ(std::int64_t(history["result"]["count"]), 1);
  EXPECT_EQ(Keys(history["result"]["trades"]), std::vector<std::string>{trade_id});

  // Closed now: ClosedOrders lists it (filtered by our id too), OpenOrders no more.
  Json closed(Ok("ClosedOrders", "cl_ord_id=9cc788d8-9c00-4b25-94d3-26d93603948d"));
  EXPECT_EQ(std::int64_t(closed["result"]["count"]), 1);
  EXPECT_EQ(Str(closed["result"]["closed"][txid], "status"), "closed");
  EXPECT_EQ(Keys(Json(Ok("OpenOrders")).root["result"]["open"]).size(), 0u);
}

TEST_F(KrakenOrdersSimTest, ImmediateOrCancelTakesWhatItCanAndTheRestIsCanceled) {
  StartSim();
  const BookLevel ask = Book().asks.front();
  const std::string txid =
      Place("pair=XBTUSD&type=buy&ordertype=limit&timeinforce=IOC&price=" + D(ask.price) +
            "&volume=" + D(ask.quantity + M("1")));
  Json query(Ok("QueryOrders", "txid=" + txid));
  simdjson::dom::element order = query["result"][txid];
  EXPECT_EQ(Str(order, "status"), "canceled");
  EXPECT_EQ(M(Str(order, "vol_exec")), ask.quantity);
  EXPECT_EQ(M(Str(order, "vol")), ask.quantity + M("1"));
  EXPECT_EQ(Locked("USD"), 0) << "nothing held for the remainder";
}

TEST_F(KrakenOrdersSimTest, PostOnlyThatWouldTakeIsAcceptedThenCanceledAndOneThatRestsRests) {
  StartSim();
  const BookLevel ask = Book().asks.front();
  const std::int64_t usd_before = Free("USD");
  const std::string taker = Place(
      "pair=XBTUSD&type=buy&ordertype=limit&oflags=post&price=" + D(ask.price) + "&volume=0.01");
  Json query(Ok("QueryOrders", "txid=" + taker));
  simdjson::dom::element order = query["result"][taker];
  EXPECT_EQ(Str(order, "status"), "canceled");
  EXPECT_EQ(Str(order, "reason"), "Post only order");
  EXPECT_EQ(Str(order, "vol_exec"), "0.00000000");
  EXPECT_EQ(Str(order, "oflags"), "post");
  EXPECT_EQ(Free("USD"), usd_before);
  EXPECT_EQ(Book().asks.front(), ask) << "it took nothing";

  const std::string maker = Place(RestingBuy("0.01", "&oflags=post"));
  Json open(Ok("QueryOrders", "txid=" + maker));
  EXPECT_EQ(Str(open["result"][maker], "status"), "open");
  // post is for limit orders only.
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=0.01&oflags=post"),
            "EGeneral:Invalid arguments:oflags");
}

TEST_F(KrakenOrdersSimTest, FillOrKillAndGoodTillDateAreNotTakenAndPlaceNothing) {
  StartSim();
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&timeinforce=FOK")),
            "EGeneral:Invalid arguments:timeinforce");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&timeinforce=GTD&expiretm=%2B60")),
            "EGeneral:Invalid arguments:timeinforce");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

TEST_F(KrakenOrdersSimTest, StopLossWaitsForTheLastPriceThenSellsAtMarket) {
  StartSim();
  const BookLevels book = Book();
  ASSERT_GE(book.bids.size(), 3u);
  // The trigger at the second best bid: a sell through the best bid prints there.
  const std::int64_t trigger = book.bids[1].price;
  ASSERT_LT(trigger, book.bids[0].price);
  const std::string stop =
      Place("pair=XBTUSD&type=sell&ordertype=stop-loss&volume=0.001&price=" + D(trigger) +
            "&trigger=last");
  Json waiting(Ok("OpenOrders"));
  simdjson::dom::element order = waiting["result"]["open"][stop];
  EXPECT_EQ(Str(order, "status"), "open");
  EXPECT_EQ(Str(order["descr"], "ordertype"), "stop-loss");
  EXPECT_EQ(Str(order["descr"], "price"), D(trigger, 1));
  EXPECT_EQ(Str(order["descr"], "order"), "sell 0.00100000 XBTUSD @ stop loss " + D(trigger, 1));
  EXPECT_EQ(M(Str(order, "stopprice")), trigger);
  EXPECT_EQ(Str(order, "trigger"), "last");
  EXPECT_EQ(Str(order, "vol_exec"), "0.00000000");

  // A market sell through the best bid: the last price falls under the trigger.
  Place("pair=XBTUSD&type=sell&ordertype=market&volume=" + D(book.bids[0].quantity + 100'000));
  Json done(Ok("QueryOrders", "txid=" + stop + "&trades=true"));
  order = done["result"][stop];
  EXPECT_EQ(Str(order, "status"), "closed");
  EXPECT_EQ(Str(order, "vol_exec"), "0.00100000");
  EXPECT_EQ(simdjson::dom::array(order["trades"]).size(), 1u);

  // The limit variant: price2 is its limit, and Kraken's own trigger only.
  Json limit(Ok("AddOrder",
                "pair=XBTUSD&type=sell&ordertype=stop-loss-limit&volume=0.001&price=20000&price2="
                "19990.5"));
  EXPECT_EQ(Str(limit["result"]["descr"], "order"),
            "sell 0.00100000 XBTUSD @ stop loss 20000.0 -> limit 19990.5");
  EXPECT_EQ(Refused("AddOrder",
                    "pair=XBTUSD&type=sell&ordertype=stop-loss-limit&volume=0.001&price=20000"),
            "EGeneral:Invalid arguments:price2");
  EXPECT_EQ(Refused("AddOrder",
                    "pair=XBTUSD&type=sell&ordertype=stop-loss&volume=0.001&price=20000&trigger="
                    "index"),
            "EGeneral:Invalid arguments:Index unavailable");
}

TEST_F(KrakenOrdersSimTest, CancelByTxidClOrdIdAndUserrefAndTheirRefusals) {
  StartSim();
  const std::string a = Place(RestingBuy("0.01", "&cl_ord_id=da8e4ad59b78481c93e589746b0cf91f"));
  const std::string b = Place(RestingBuy("0.01", "&userref=42", 101));
  const std::string c = Place(RestingBuy("0.01", {}, 102));
  ASSERT_GT(Locked("USD"), 0);

  Json one(Ok("CancelOrder", "cl_ord_id=da8e4ad59b78481c93e589746b0cf91f"));
  EXPECT_EQ(one["result"].get_object().value().size(), 2u);
  EXPECT_EQ(std::int64_t(one["result"]["count"]), 1);
  EXPECT_FALSE(bool(one["result"]["pending"]));
  Json query(Ok("QueryOrders", "txid=" + a + "," + b));
  EXPECT_EQ(Keys(query["result"]), (std::vector<std::string>{a, b}));
  EXPECT_EQ(Str(query["result"][a], "status"), "canceled");
  EXPECT_EQ(Str(query["result"][a], "reason"), "User requested");
  EXPECT_EQ(Str(query["result"][b], "status"), "open");
  EXPECT_EQ(std::int64_t(query["result"][b]["userref"]), 42);

  // A userref cancels every open order carrying it; a txid its order.
  EXPECT_EQ(std::int64_t(Json(Ok("CancelOrder", "txid=42")).root["result"]["count"]), 1);
  EXPECT_EQ(std::int64_t(Json(Ok("CancelOrder", "txid=" + c)).root["result"]["count"]), 1);
  EXPECT_EQ(Locked("USD"), 0) << "every hold released";

  EXPECT_EQ(Refused("CancelOrder", "txid=" + a), "EOrder:Unknown order") << "already canceled";
  EXPECT_EQ(Refused("CancelOrder", "cl_ord_id=nobody"), "EOrder:Unknown order");
  EXPECT_EQ(Refused("CancelOrder", "txid=OAAAAA-BBBBB-CCCCCC"), "EOrder:Unknown order");
  EXPECT_EQ(Refused("CancelOrder"), "EGeneral:Invalid arguments");
  const std::string filled = Place("pair=XBTUSD&type=buy&ordertype=market&volume=0.001");
  EXPECT_EQ(Refused("CancelOrder", "txid=" + filled), "EOrder:Unknown order") << "a filled one";
  EXPECT_EQ(Refused("QueryOrders", "txid=OAAAAA-BBBBB-CCCCCC"), "EOrder:Invalid order");
  EXPECT_EQ(Refused("QueryOrders"), "EGeneral:Invalid arguments");

  // The closed orders, the most recent first.
  Json closed(Ok("ClosedOrders"));
  EXPECT_EQ(std::int64_t(closed["result"]["count"]), 4);
  const auto keys = Keys(closed["result"]["closed"]);
  ASSERT_EQ(keys.size(), 4u);
  EXPECT_EQ(keys.back(), a);
}

TEST_F(KrakenOrdersSimTest, AuthenticationRefusalsAsKrakenWordsThem) {
  StartSim();
  const auto expect_error = [](const net::HttpClientResponse& response, std::string_view error) {
    EXPECT_EQ(response.status, 200) << "Kraken answers its errors with HTTP 200";
    EXPECT_EQ(response.body, "{\"error\":[\"" + std::string(error) + "\"]}");
  };
  const std::string nonce = NextNonce();
  const std::string body = "nonce=" + nonce;
  const std::string sign = Sign(kSandboxApiSecret, "/0/private/Balance", nonce, body);
  expect_error(Post("/0/private/Balance", body, {{"API-Sign", sign}}), "EAPI:Invalid key");
  expect_error(Post("/0/private/Balance", body,
                    {{"API-Key", "aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8g"},
                     {"API-Sign", sign}}),
               "EAPI:Invalid key");
  const net::HeaderList key = {{"API-Key", std::string(kSandboxApiKey)}};
  // Signed with another secret, for another path, or over another body.
  const std::string other_secret(
      "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==");
  auto headers = [&](std::string signature) {
    net::HeaderList h = key;
    h.emplace_back("API-Sign", std::move(signature));
    return h;
  };
  expect_error(Post("/0/private/Balance", body,
                    headers(Sign(other_secret, "/0/private/Balance", nonce, body))),
               "EAPI:Invalid signature");
  expect_error(Post("/0/private/BalanceEx", body, headers(sign)), "EAPI:Invalid signature");
  expect_error(Post("/0/private/Balance", body + "&asset=XBT", headers(sign)),
               "EAPI:Invalid signature");
  expect_error(Post("/0/private/Balance", body, key), "EAPI:Invalid signature");
  // No nonce, or not a number.
  expect_error(Post("/0/private/Balance", "asset=XBT",
                    headers(Sign(kSandboxApiSecret, "/0/private/Balance", "", "asset=XBT"))),
               "EAPI:Invalid nonce");
  expect_error(Post("/0/private/Balance", "nonce=12a",
                    headers(Sign(kSandboxApiSecret, "/0/private/Balance", "12a", "nonce=12a"))),
               "EAPI:Invalid nonce");
  // The refusals above spent no nonce: the good request goes through, then never again.
  const auto good = Post("/0/private/Balance", body, headers(sign));
  EXPECT_TRUE(Errors(good.body).empty()) << good.body;
  expect_error(Post("/0/private/Balance", body, headers(sign)), "EAPI:Invalid nonce");

  // Within the key's 10 s window below the highest nonce, an unused nonce is taken once; further
  // down it is refused.
  const std::uint64_t highest = nonce_ + 20'000;
  nonce_ = highest - 1;
  EXPECT_TRUE(Errors(Call("Balance").body).empty());  // highest
  const auto at = [&](std::uint64_t n) {
    const std::string text = std::to_string(n);
    const std::string b = "nonce=" + text;
    return Post("/0/private/Balance", b,
                headers(Sign(kSandboxApiSecret, "/0/private/Balance", text, b)));
  };
  EXPECT_TRUE(Errors(at(highest - 5'000).body).empty());
  expect_error(at(highest - 5'000), "EAPI:Invalid nonce");
  expect_error(at(highest - 10'000), "EAPI:Invalid nonce");
  expect_error(at(highest), "EAPI:Invalid nonce");
}

TEST_F(KrakenOrdersSimTest, WithoutANonceWindowTheNonceMustIncrease) {
  KrakenOrderEntryOptions entry = Entry();
  entry.nonce_window = 0;
  StartSim(entry);
  EXPECT_TRUE(Errors(Call("Balance").body).empty());
  nonce_ -= 2;
  EXPECT_EQ(Refused("Balance"), "EAPI:Invalid nonce");
  // Refused AddOrders place nothing.
  nonce_ -= 1;
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=0.001"),
            "EAPI:Invalid nonce");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

TEST_F(KrakenOrdersSimTest, OrderRefusalsCarryKrakensErrorStrings) {
  StartSim();
  const std::int64_t bid = Book().bids.front().price;
  EXPECT_EQ(Refused("AddOrder", "pair=DOGEUSD&type=buy&ordertype=market&volume=1"),
            "EQuery:Unknown asset pair");
  EXPECT_EQ(Refused("AddOrder", "type=buy&ordertype=market&volume=1"),
            "EGeneral:Invalid arguments:pair");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=hold&ordertype=market&volume=1"),
            "EGeneral:Invalid arguments:type");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=iceberg&volume=1&price=1"),
            "EGeneral:Invalid arguments:ordertype");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=-1"),
            "EGeneral:Invalid arguments:volume");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=limit&volume=0.01"),
            "EGeneral:Invalid arguments:price");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=limit&volume=0.01&price=%2B5"),
            "EGeneral:Invalid arguments:price")
      << "no relative prices in the sandbox";
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=limit&volume=0.00001&price=" +
                                    D(bid - 100 * kTick)),
            "EGeneral:Invalid arguments:volume minimum not met");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=limit&volume=0.0001&price=1000"),
            "EOrder:Cost minimum not met");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=limit&volume=0.01&price=" +
                                    D(bid - 100 * kTick + 5'000'000)),
            "EOrder:Tick size check failed");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&oflags=fok")),
            "EGeneral:Invalid arguments:oflags");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&oflags=fcib,fciq")),
            "EGeneral:Invalid arguments:oflags");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&cl_ord_id=nineteen-characters")),
            "EGeneral:Invalid arguments:cl_ord_id");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&cl_ord_id=a&userref=1")),
            "EGeneral:Invalid arguments");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&reduce_only=true")),
            "EOrder:Reduce only:No position exists");
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&leverage=2")),
            "EGeneral:Invalid arguments:leverage");
  ASSERT_TRUE(sim_->SetSandboxBalance("USD", M("10")));
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01")), "EOrder:Insufficient funds");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&type=buy&ordertype=market&volume=0.01"),
            "EOrder:Insufficient funds");
  EXPECT_TRUE(sim_->SandboxOrders().empty()) << "no refusal placed anything";
  ASSERT_TRUE(sim_->SetSandboxBalance("USD", M("100000")));

  // A cl_ord_id is unique among the open orders only.
  const std::string first = Place(RestingBuy("0.01", "&cl_ord_id=arb-20240509-00010"));
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", "&cl_ord_id=arb-20240509-00010")),
            "EGeneral:Invalid arguments:cl_ord_id not unique");
  Ok("CancelOrder", "txid=" + first);
  const std::string again = Place(RestingBuy("0.01", "&cl_ord_id=arb-20240509-00010"));
  EXPECT_NE(again, first);
}

TEST_F(KrakenOrdersSimTest, EveryPairSpellingAndValidateOnlyPlaceNothing) {
  StartSim();
  for (const std::string pair : {"XXBTZUSD", "XBTUSD", "XBT/USD", "BTC/USD"}) {
    Json answer(Ok("AddOrder", "pair=" + pair +
                                   "&type=sell&ordertype=limit&volume=1.25&price=40000&validate="
                                   "true"));
    EXPECT_EQ(Keys(answer["result"]), std::vector<std::string>{"descr"}) << pair;
    EXPECT_EQ(Str(answer["result"]["descr"], "order"), "sell 1.25000000 XBTUSD @ limit 40000.0");
  }
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  Json eth(Ok("AddOrder", "pair=ETHUSD&type=buy&ordertype=limit&volume=0.5&price=1000&validate=1"));
  EXPECT_EQ(Str(eth["result"]["descr"], "order"), "buy 0.50000000 ETHUSD @ limit 1000.00");
}

TEST_F(KrakenOrdersSimTest, APairHoldsAtMostItsOpenOrderLimit) {
  KrakenOrderEntryOptions entry = Entry();
  entry.max_open_orders_per_pair = 2;
  StartSim(entry);
  Place(RestingBuy("0.01"));
  Place(RestingBuy("0.01", {}, 101));
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01", {}, 102)), "EOrder:Orders limit exceeded");
  Place("pair=ETHUSD&type=buy&ordertype=limit&volume=0.01&price=1000");  // another pair
  EXPECT_EQ(sim_->SandboxOrders().size(), 3u);
}

// ---- limits ----

TEST_F(KrakenOrdersSimTest, TheRestCounterRefusesOverItsMaximumUntilItDecays) {
  KrakenOrderEntryOptions entry = Entry();
  entry.limits.api_counter_max_milli = 3'000;
  entry.limits.api_decay_milli_per_s = 1'000;
  StartSim(entry);
  Ok("Balance");
  Ok("BalanceEx");
  Ok("OpenOrders");
  EXPECT_EQ(Refused("Balance"), "EAPI:Rate limit exceeded");
  // AddOrder is not on this counter.
  Place("pair=XBTUSD&type=buy&ordertype=market&volume=0.001");
  clock_.Advance(1'000'000'000);
  Ok("Balance");
  EXPECT_EQ(Refused("Balance"), "EAPI:Rate limit exceeded") << "refused calls keep it full";
  clock_.Advance(1'500'000'000);
  // 1.5 units decayed: TradesHistory costs 2.
  EXPECT_EQ(Refused("TradesHistory"), "EAPI:Rate limit exceeded");
  clock_.Advance(2'000'000'000);
  Ok("TradesHistory");
}

TEST_F(KrakenOrdersSimTest, TheTradingCounterChargesOrdersAndYoungCancelsPerPair) {
  KrakenOrderEntryOptions entry = Entry();
  entry.limits.trading_counter_max_milli = 10'000;
  entry.limits.trading_decay_milli_per_s = 1'000;
  StartSim(entry);
  const std::string order = Place(RestingBuy("0.01"));  // 1
  Ok("CancelOrder", "txid=" + order);                   // +8 for an order younger than 5 s: 9
  Place(RestingBuy("0.01"));                            // 10
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.01")), "EOrder:Rate limit exceeded");
  EXPECT_EQ(Refused("AddOrder", "pair=XBTUSD&validate=true"), "EOrder:Rate limit exceeded")
      << "counted on receipt, before validation";
  Place("pair=ETHUSD&type=buy&ordertype=limit&volume=0.01&price=1000");  // another pair's counter
  EXPECT_EQ(sim_->SandboxOrders().size(), 3u);
  clock_.Advance(1'000'000'000);
  const std::string older = Place(RestingBuy("0.01"));
  // An order older than 300 s cancels for nothing.
  clock_.Advance(301'000'000'000);
  for (int i = 0; i < 9; ++i) Place(RestingBuy("0.0001", {}, 100 + i));
  Ok("CancelOrder", "txid=" + older);
  Place(RestingBuy("0.0001", {}, 200));
  EXPECT_EQ(Refused("AddOrder", RestingBuy("0.0001", {}, 201)), "EOrder:Rate limit exceeded");
}

// ---- faults ----

TEST_F(KrakenOrdersSimTest, RateLimitedFaultAnswersKrakensCounterErrorsUntilRetryAfter) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kRateLimited, 1, 3s));
  auto response = Call("AddOrder", RestingBuy("0.01"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(Errors(response.body), std::vector<std::string>{"EOrder:Rate limit exceeded"});
  clock_.Advance(1'000'000'000);
  EXPECT_EQ(Refused("Balance"), "EAPI:Rate limit exceeded") << "the REST counter's, for a query";
  EXPECT_TRUE(sim_->SandboxOrders().empty());
  clock_.Advance(2'000'000'000);
  Place(RestingBuy("0.01"));
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

TEST_F(KrakenOrdersSimTest, ServerErrorFaultProcessesNothing) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kServerError, 1));
  const auto response = SendOn(http_, SignedRequest("AddOrder", RestingBuy("0.01")));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, R"({"error":["EService:Unavailable"]})");
  EXPECT_TRUE(sim_->SandboxOrders().empty());
}

TEST_F(KrakenOrdersSimTest, AcceptThenFailPlacesTheOrderAndAnswersUnavailable) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenFail));
  const auto response =
      SendOn(http_, SignedRequest("AddOrder", RestingBuy("0.01", "&cl_ord_id=af-1")));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(Errors(response->body), std::vector<std::string>{"EService:Unavailable"});
  Json open(Ok("OpenOrders", "cl_ord_id=af-1"));
  EXPECT_EQ(Keys(open["result"]["open"]).size(), 1u) << "placed all the same";
}

TEST_F(KrakenOrdersSimTest, AcceptThenTimeoutPlacesTheOrderOnceAndNeverAnswers) {
  StartSim();
  ASSERT_TRUE(sim_->InjectOrderFault(OrderFault::kAcceptThenTimeout));
  net::HttpClient* impatient = NewClient(300ms);
  const auto started = std::chrono::steady_clock::now();
  auto result = SendOn(impatient, SignedRequest("AddOrder",
                                                "pair=XBTUSD&type=buy&ordertype=market&volume="
                                                "0.001&cl_ord_id=to-1"));
  EXPECT_FALSE(result.ok()) << "no answer ever came";
  EXPECT_GE(std::chrono::steady_clock::now() - started, 300ms);
  Json open(Ok("OpenOrders", "cl_ord_id=to-1"));
  EXPECT_EQ(Keys(open["result"]["open"]).size(), 0u);
  Json closed(Ok("ClosedOrders", "cl_ord_id=to-1"));
  EXPECT_EQ(std::int64_t(closed["result"]["count"]), 1) << "placed exactly once";
  const auto keys = Keys(closed["result"]["closed"]);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(Str(closed["result"]["closed"][keys[0]], "status"), "closed");
  EXPECT_EQ(sim_->SandboxOrders().size(), 1u);
}

// ---- the public stream ----

TEST_F(KrakenOrdersSimTest, ATakersTradeShowsOnThePublicTradeChannel) {
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
  client_io_.Run([client] {
    return client->Send(
        R"({"method":"subscribe","params":{"channel":"trade","symbol":["BTC/USD"],"snapshot":false},"req_id":7})");
  });
  ASSERT_TRUE(recorder.WaitFor([](const std::vector<std::string>& messages, int) {
    return std::any_of(messages.begin(), messages.end(), [](const std::string& m) {
      return m.find("\"method\":\"subscribe\"") != std::string::npos &&
             m.find("\"success\":true") != std::string::npos;
    });
  }));

  const std::int64_t volume = 100'000;
  const BookLevel first = Walk(Book().asks, volume).fills.front();
  Place("pair=XBTUSD&type=buy&ordertype=market&volume=" + D(volume));
  EXPECT_TRUE(recorder.WaitFor([&](const std::vector<std::string>& messages, int) {
    simdjson::dom::parser parser;
    for (const std::string& text : messages) {
      simdjson::dom::element message = parser.parse(text);
      std::string_view channel;
      if (message["channel"].get(channel) != simdjson::SUCCESS || channel != "trade") continue;
      for (simdjson::dom::element trade : simdjson::dom::array(message["data"])) {
        const std::int64_t price = std::llround(double(trade["price"]) * 1e8);
        const std::int64_t qty = std::llround(double(trade["qty"]) * 1e8);
        if (Str(trade, "side") == "buy" && price == first.price && qty == first.quantity) {
          return true;
        }
      }
    }
    return false;
  })) << "the taker's trade, the buyer the taker";
}

}  // namespace
}  // namespace tradingd::sim::kraken
