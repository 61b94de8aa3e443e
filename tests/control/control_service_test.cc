#include "control/control_service.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/text.h"

namespace tradingd::control {
namespace {

using core::BookReason;
using core::BookState;
using core::ConnectionState;
using core::Venue;

constexpr char kFullToken[] = "full-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";
constexpr char kConfigJson[] = R"({"venues":{"binance":{"api_key_set":true}}})";
// 2024-01-01T12:00:00.000Z
constexpr std::int64_t kNoon = 1704110400LL * 1'000'000'000;
constexpr std::int64_t kMs = 1'000'000;

core::Price Px(std::string_view text) {
  core::Price price;
  EXPECT_EQ(core::Price::Parse(text, 8, &price), core::DecimalError::kOk) << text;
  return price;
}

core::Quantity Qty(std::string_view text) {
  core::Quantity quantity;
  EXPECT_EQ(core::Quantity::Parse(text, 8, &quantity), core::DecimalError::kOk) << text;
  return quantity;
}

class ControlServiceTest : public ::testing::Test {
 protected:
  ControlServiceTest()
      : registry_(MakeRegistry()),
        snapshots_(registry_.size()),
        auth_(MakeAuth()),
        clock_(kNoon + 5000 * kMs) {}

  static core::SymbolRegistry MakeRegistry() {
    core::SymbolRegistry registry;
    EXPECT_TRUE(registry.Add(Venue::kBinance, "BTC", "USDT").ok());           // 0
    EXPECT_TRUE(registry.Add(Venue::kBinance, "ETH", "USDT").ok());           // 1
    EXPECT_TRUE(registry.Add(Venue::kKraken, "BTC", "USD", "XBT/USD").ok());  // 2
    EXPECT_TRUE(registry.Add(Venue::kCoinbase, "BTC", "USD").ok());  // 3 (venue not enabled)
    return registry;
  }

  static Authenticator MakeAuth() {
    auto auth = Authenticator::Create({.api_token = kFullToken, .read_token = kReadToken});
    EXPECT_TRUE(auth.ok());
    return std::move(auth).value();
  }

  ControlService& Service() {
    if (service_ == nullptr) {
      service_ = std::make_unique<ControlService>(
          registry_, snapshots_, auth_, clock_, std::vector{Venue::kKraken, Venue::kBinance},
          config_view_, ServiceInfo{.mode = "sandbox", .version = "0.1.0", .started_at_ns = kNoon});
    }
    return *service_;
  }

  // A LIVE BTC-USDT book with Binance-like rules (tick 0.01, lot 0.00001).
  engine::BookSnapshot LiveBtcBook() {
    engine::BookSnapshot book;
    book.instrument = 0;
    book.state = BookState::kLive;
    book.last_reason = BookReason::kStartup;
    book.sequence = 123456789;
    book.exchange_time_ns = kNoon + 1234 * kMs;
    book.receive_time_ns = kNoon + 4750 * kMs;  // 250 ms before the clock
    book.bids = {
        {Px("45000.50"), Qty("1.2")}, {Px("45000.00"), Qty("0.5")}, {Px("44999.99"), Qty("3")}};
    book.asks = {{Px("45001.25"), Qty("0.4")}, {Px("45002"), Qty("0.00001")}};
    book.bid_levels = 1500;
    book.ask_levels = 1400;
    book.counters.updates_applied = 1000;
    book.counters.snapshots = 1;
    book.counters.trades = 77;
    core::InstrumentRules rules;
    rules.instrument = 0;
    rules.tick_size = Px("0.01");
    rules.lot_size = Qty("0.00001");
    rules.min_quantity = Qty("0.00001");
    rules.max_quantity = Qty("9000");
    rules.min_notional = Px("5");
    rules.status = core::TradingStatus::kTrading;
    book.rules = rules;
    return book;
  }

  void Publish(engine::BookSnapshot book) {
    snapshots_.PublishBook(std::make_shared<const engine::BookSnapshot>(std::move(book)));
  }

  void PublishLiveBook(core::InstrumentId id) {
    engine::BookSnapshot book = LiveBtcBook();
    book.instrument = id;
    Publish(std::move(book));
  }

  void PublishFeeds(ConnectionState binance, ConnectionState kraken) {
    auto stats = std::make_shared<engine::EngineStats>();
    stats->published_ns = kNoon + 4900 * kMs;
    stats->events_processed = 424242;
    stats->queue_depth = 3;
    stats->max_queue_depth = 999;
    core::FeedStatus b;
    b.venue = Venue::kBinance;
    b.connection = binance;
    b.connects = 2;
    b.frames = 5000;
    b.parse_errors = 1;
    b.queue_drops = 4;
    b.SetLastError("disconnected: peer_closed (connection closed by peer)", kNoon + 1000 * kMs);
    core::FeedStatus k;
    k.venue = Venue::kKraken;
    k.connection = kraken;
    stats->feeds = {b, k};
    snapshots_.PublishStats(stats);
  }

  // Everything healthy: both feeds connected, every enabled book LIVE.
  void PublishAllHealthy() {
    PublishFeeds(ConnectionState::kConnected, ConnectionState::kConnected);
    PublishLiveBook(0);
    PublishLiveBook(1);
    PublishLiveBook(2);
  }

  static net::ServerRequest Request(std::string method, std::string target, std::string body = {},
                                    const char* token = kFullToken) {
    net::ServerRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    request.remote_address = "127.0.0.1";
    if (token != nullptr)
      request.headers.emplace_back("Authorization", std::string("Bearer ") + token);
    request.headers.emplace_back("Content-Type", "application/json");
    return request;
  }

  net::ServerResponse Post(std::string path, std::string body, const char* token = kFullToken) {
    return Service().Handle(Request("POST", std::move(path), std::move(body), token));
  }

  net::ServerResponse Get(std::string path, const char* token = kFullToken) {
    return Service().Handle(Request("GET", std::move(path), {}, token));
  }

  // Parses a response body; the element is valid until the next call.
  simdjson::dom::element Json(const net::ServerResponse& response) {
    simdjson::dom::element element;
    const auto error = parser_.parse(response.body).get(element);
    EXPECT_EQ(error, simdjson::SUCCESS) << response.body;
    return element;
  }

  static std::string Str(simdjson::dom::element element, std::string_view key) {
    std::string_view value;
    const auto error = element[key].get(value);
    EXPECT_EQ(error, simdjson::SUCCESS) << key << " in " << simdjson::to_string(element);
    return std::string(value);
  }

  static std::string HeaderOf(const net::ServerResponse& response, std::string_view name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "<absent>";
  }

  // Checks the api.md error shape exactly ({"error":{"code","message"}} and nothing else) and
  // returns the message.
  std::string ExpectError(const net::ServerResponse& response, int status, std::string_view code) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    simdjson::dom::element json = Json(response);
    simdjson::dom::object root;
    EXPECT_EQ(json.get(root), simdjson::SUCCESS);
    EXPECT_EQ(root.size(), 1u) << response.body;
    simdjson::dom::object error;
    EXPECT_EQ(json["error"].get(error), simdjson::SUCCESS) << response.body;
    EXPECT_EQ(error.size(), 2u) << response.body;
    EXPECT_EQ(Str(json["error"], "code"), code) << response.body;
    return Str(json["error"], "message");
  }

  std::string ExpectBadRequest(const net::ServerResponse& response) {
    return ExpectError(response, 400, "BAD_REQUEST");
  }

  core::SymbolRegistry registry_;
  engine::SnapshotStore snapshots_;
  Authenticator auth_;
  core::ManualClock clock_;
  ControlService::ConfigViewProvider config_view_ = [] { return std::string(kConfigJson); };
  std::unique_ptr<ControlService> service_;
  simdjson::dom::parser parser_;
};

// ---------------------------------------------------------------------------------------- health

TEST_F(ControlServiceTest, HealthIsStartingUntilSetStarted) {
  PublishAllHealthy();
  auto response = Get("/api/trading/health", nullptr);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, R"({"status":"starting"})");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
  EXPECT_FALSE(Service().started());
  Service().SetStarted();
  EXPECT_TRUE(Service().started());
  response = Get("/api/trading/health", nullptr);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"ok"})");
}

TEST_F(ControlServiceTest, HealthNeedsNoTokenAndIgnoresAWrongOne) {
  PublishAllHealthy();
  Service().SetStarted();
  EXPECT_EQ(Get("/api/trading/health", nullptr).status, 200);
  EXPECT_EQ(Get("/api/trading/health", "not-the-token-at-all").status, 200);
  EXPECT_EQ(Get("/api/trading/health?verbose=1", nullptr).status, 200);
}

TEST_F(ControlServiceTest, HealthDegradedListsEveryReason) {
  Service().SetStarted();
  PublishFeeds(ConnectionState::kDisconnected, ConnectionState::kConnected);
  engine::BookSnapshot stale = LiveBtcBook();
  stale.state = BookState::kStale;
  stale.last_reason = BookReason::kSequenceGap;
  Publish(stale);
  engine::BookSnapshot syncing = LiveBtcBook();
  syncing.instrument = 2;
  syncing.state = BookState::kSyncing;
  syncing.last_reason = BookReason::kChecksum;
  Publish(syncing);
  // Book 1 (binance ETH-USDT) is never published: it counts as SYNCING (startup).

  const auto response = Get("/api/trading/health", nullptr);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"j({"status":"degraded","reasons":["binance: feed DISCONNECTED",)j"
                           R"j("binance BTC-USDT: book STALE (sequence_gap)",)j"
                           R"j("binance ETH-USDT: book SYNCING (startup)",)j"
                           R"j("kraken BTC-USD: book SYNCING (checksum)"]})j");
}

TEST_F(ControlServiceTest, HealthDegradedWhenTheEngineStopsPublishing) {
  Service().SetStarted();
  PublishAllHealthy();
  EXPECT_EQ(Get("/api/trading/health", nullptr).body, R"({"status":"ok"})");
  auto stats = std::make_shared<engine::EngineStats>(*snapshots_.Stats());
  stats->published_ns = kNoon + 5000 * kMs - 6 * kMaxEngineStatsAgeNs / 5;  // 6 s before now
  snapshots_.PublishStats(stats);
  const auto response = Get("/api/trading/health", nullptr);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"j({"status":"degraded","reasons":["engine: no update for 6.0 s )j"
                           R"j((the books shown may be old)"]})j");
}

TEST_F(ControlServiceTest, HealthWithoutEngineStats) {
  Service().SetStarted();
  PublishLiveBook(0);
  PublishLiveBook(1);
  PublishLiveBook(2);
  const auto response = Get("/api/trading/health", nullptr);
  EXPECT_EQ(response.body, R"({"status":"degraded","reasons":["binance: feed not reported yet",)"
                           R"("kraken: feed not reported yet"]})");
}

TEST_F(ControlServiceTest, HealthIgnoresVenuesThatAreNotEnabled) {
  // Coinbase's book (instrument 3) is never published, but coinbase is not enabled.
  PublishAllHealthy();
  Service().SetStarted();
  EXPECT_EQ(Get("/api/trading/health").body, R"({"status":"ok"})");
}

TEST_F(ControlServiceTest, HealthTakesGetOnly) {
  const auto response = Post("/api/trading/health", "{}", nullptr);
  ExpectError(response, 405, "METHOD_NOT_ALLOWED");
  EXPECT_EQ(HeaderOf(response, "Allow"), "GET");
}

// ---------------------------------------------------------------------------------------- config

TEST_F(ControlServiceTest, ConfigServesTheProvidersJson) {
  auto response = Get("/api/trading/config");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, kConfigJson);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
  EXPECT_EQ(Get("/api/trading/config", kReadToken).status, 200);
  ExpectError(Get("/api/trading/config", nullptr), 401, "UNAUTHORIZED");
  ExpectError(Post("/api/trading/config", "{}"), 405, "METHOD_NOT_ALLOWED");
}

TEST_F(ControlServiceTest, ConfigProviderFailureIsInternal) {
  config_view_ = []() -> std::string { throw std::runtime_error("config view exploded"); };
  const std::string message = ExpectError(Get("/api/trading/config"), 500, "INTERNAL");
  EXPECT_NE(message.find("config view exploded"), std::string::npos);
}

TEST_F(ControlServiceTest, ConfigWithoutProviderIsInternal) {
  config_view_ = nullptr;
  ExpectError(Get("/api/trading/config"), 500, "INTERNAL");
}

// ---------------------------------------------------------------------------------------- status

TEST_F(ControlServiceTest, StatusReportsEveryVenueBookAndCounter) {
  PublishFeeds(ConnectionState::kConnected, ConnectionState::kConnecting);
  engine::BookSnapshot book = LiveBtcBook();
  book.counters.gaps = 2;
  book.counters.resyncs = 3;
  book.counters.checksum_failures = 4;
  book.counters.crossed = 5;
  book.counters.stale = 6;
  book.counters.bbo_checks_ok = 7;
  book.counters.bbo_checks_failed = 8;
  Publish(book);

  const auto response = Post("/api/trading/status", "", kReadToken);
  ASSERT_EQ(response.status, 200) << response.body;
  simdjson::dom::element json = Json(response);
  EXPECT_EQ(Str(json, "mode"), "sandbox");
  EXPECT_EQ(Str(json, "version"), "0.1.0");
  EXPECT_EQ(Str(json, "started_at"), "2024-01-01T12:00:00.000Z");
  EXPECT_EQ(json["uptime_s"].get_int64().value(), 5);
  EXPECT_EQ(Str(json, "trading_state"), "ACTIVE");
  EXPECT_EQ(json["engine"]["events_processed"].get_uint64().value(), 424242u);
  EXPECT_EQ(json["engine"]["queue_depth"].get_uint64().value(), 3u);
  EXPECT_EQ(json["engine"]["max_queue_depth"].get_uint64().value(), 999u);
  EXPECT_EQ(json["engine"]["snapshot_age_ms"].get_int64().value(), 100);

  simdjson::dom::array venues = json["venues"].get_array().value();
  ASSERT_EQ(venues.size(), 2u);  // enabled venues only, in enum order
  simdjson::dom::element binance = venues.at(0).value();
  EXPECT_EQ(Str(binance, "exchange"), "binance");
  EXPECT_EQ(Str(binance["feed"], "state"), "CONNECTED");
  EXPECT_EQ(binance["feed"]["connects"].get_uint64().value(), 2u);
  EXPECT_EQ(binance["feed"]["frames"].get_uint64().value(), 5000u);
  EXPECT_EQ(binance["feed"]["parse_errors"].get_uint64().value(), 1u);
  EXPECT_EQ(binance["feed"]["queue_drops"].get_uint64().value(), 4u);
  EXPECT_EQ(Str(binance["feed"]["last_error"], "message"),
            "disconnected: peer_closed (connection closed by peer)");
  EXPECT_EQ(Str(binance["feed"]["last_error"], "at"), "2024-01-01T12:00:01.000Z");
  EXPECT_TRUE(venues.at(1).value()["feed"]["last_error"].is_null());  // kraken: none yet
  EXPECT_EQ(Str(binance["gateway"], "state"), "NOT_CONFIGURED");

  simdjson::dom::array books = binance["books"].get_array().value();
  ASSERT_EQ(books.size(), 2u);
  simdjson::dom::element btc = books.at(0).value();
  EXPECT_EQ(Str(btc, "instrument"), "BTC-USDT");
  EXPECT_EQ(Str(btc, "symbol"), "BTCUSDT");
  EXPECT_EQ(Str(btc, "state"), "LIVE");
  EXPECT_EQ(Str(btc, "last_reason"), "startup");
  EXPECT_EQ(btc["last_update_age_ms"].get_int64().value(), 250);
  EXPECT_EQ(btc["sequence"].get_uint64().value(), 123456789u);
  EXPECT_EQ(btc["levels"]["bids"].get_uint64().value(), 1500u);
  EXPECT_EQ(btc["levels"]["asks"].get_uint64().value(), 1400u);
  simdjson::dom::element counters = btc["counters"];
  const std::pair<const char*, std::uint64_t> expected[] = {
      {"updates_applied", 1000}, {"snapshots", 1}, {"gaps", 2},  {"resyncs", 3},
      {"checksum_failures", 4},  {"crossed", 5},   {"stale", 6}, {"bbo_checks_ok", 7},
      {"bbo_checks_failed", 8},  {"trades", 77}};
  for (const auto& [key, value] : expected) {
    EXPECT_EQ(counters[key].get_uint64().value(), value) << key;
  }
  EXPECT_EQ(counters.get_object().value().size(), std::size(expected));

  // A book the engine has not published yet: SYNCING, never updated.
  simdjson::dom::element eth = books.at(1).value();
  EXPECT_EQ(Str(eth, "instrument"), "ETH-USDT");
  EXPECT_EQ(Str(eth, "state"), "SYNCING");
  EXPECT_TRUE(eth["last_update_age_ms"].is_null());

  simdjson::dom::element kraken = venues.at(1).value();
  EXPECT_EQ(Str(kraken, "exchange"), "kraken");
  EXPECT_EQ(Str(kraken["feed"], "state"), "CONNECTING");
  EXPECT_EQ(Str(kraken["books"].at(0), "symbol"), "XBT/USD");
  EXPECT_EQ(Str(kraken["books"].at(0), "instrument"), "BTC-USD");
}

TEST_F(ControlServiceTest, StatusBeforeTheEnginePublishes) {
  const auto response = Post("/api/trading/status", "{}");
  ASSERT_EQ(response.status, 200) << response.body;
  simdjson::dom::element json = Json(response);
  EXPECT_EQ(json["engine"]["events_processed"].get_uint64().value(), 0u);
  EXPECT_TRUE(json["engine"]["snapshot_age_ms"].is_null());
  EXPECT_EQ(Str(json["venues"].at(0)["feed"], "state"), "UNKNOWN");
}

TEST_F(ControlServiceTest, StatusValidatesAnyBodyItGets) {
  ExpectBadRequest(Post("/api/trading/status", "{"));
  ExpectBadRequest(Post("/api/trading/status", "[]"));
  EXPECT_EQ(Post("/api/trading/status", R"({"verbose":true})").status, 200);
  ExpectError(Get("/api/trading/status"), 405, "METHOD_NOT_ALLOWED");
}

// ----------------------------------------------------------------------------------------- quote

TEST_F(ControlServiceTest, QuoteHasExactlyTheApiShape) {
  Publish(LiveBtcBook());
  const auto response = Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"symbol":"BTCUSDT","exchange":"binance","instrument":"BTC-USDT",)"
            R"("bid_price":"45000.50","bid_quantity":"1.20000","ask_price":"45001.25",)"
            R"("ask_quantity":"0.40000","spread":"0.75","book_state":"LIVE",)"
            R"("timestamp":"2024-01-01T12:00:01.234Z"})");
}

TEST_F(ControlServiceTest, QuoteAcceptsEverySpellingAndEchoesIt) {
  Publish(LiveBtcBook());
  PublishLiveBook(2);
  struct Case {
    const char* exchange;
    const char* symbol;
    const char* instrument;
  };
  for (const Case& c :
       {Case{"binance", "BTCUSDT", "BTC-USDT"}, Case{"binance", "BTC-USDT", "BTC-USDT"},
        Case{"BINANCE", "btcusdt", "BTC-USDT"}, Case{"Binance", "btc/usdt", "BTC-USDT"},
        Case{"kraken", "XBT/USD", "BTC-USD"}, Case{"kraken", "BTC-USD", "BTC-USD"},
        Case{"KRAKEN", "xbt-usd", "BTC-USD"}}) {
    const auto response = Post("/api/trading/quote", std::string(R"({"exchange":")") + c.exchange +
                                                         R"(","symbol":")" + c.symbol + R"("})");
    ASSERT_EQ(response.status, 200) << c.exchange << " " << c.symbol << ": " << response.body;
    simdjson::dom::element json = Json(response);
    EXPECT_EQ(Str(json, "symbol"), c.symbol);
    EXPECT_EQ(Str(json, "instrument"), c.instrument);
    EXPECT_EQ(Str(json, "exchange"), core::ToLowerAscii(c.exchange));
    EXPECT_EQ(Str(json, "spread"), "0.75");
  }
}

TEST_F(ControlServiceTest, QuoteIgnoresUnknownFields) {
  Publish(LiveBtcBook());
  const auto response = Post("/api/trading/quote",
                             R"({"client":"x","exchange":"binance","symbol":"BTCUSDT","n":[1]})");
  EXPECT_EQ(response.status, 200) << response.body;
}

TEST_F(ControlServiceTest, QuoteWithoutRulesUsesTheFewestExactDecimals) {
  engine::BookSnapshot book = LiveBtcBook();
  book.rules.reset();
  book.bids = {{Px("45000.5"), Qty("1.2")}};
  book.asks = {{Px("45001.25"), Qty("0.4")}};
  Publish(book);
  const auto response = Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})");
  ASSERT_EQ(response.status, 200) << response.body;
  simdjson::dom::element json = Json(response);
  // Both prices with the decimals of the finer one; quantities likewise.
  EXPECT_EQ(Str(json, "bid_price"), "45000.50");
  EXPECT_EQ(Str(json, "ask_price"), "45001.25");
  EXPECT_EQ(Str(json, "spread"), "0.75");
  EXPECT_EQ(Str(json, "bid_quantity"), "1.2");
  EXPECT_EQ(Str(json, "ask_quantity"), "0.4");
}

TEST_F(ControlServiceTest, QuoteWithACoarseTick) {
  engine::BookSnapshot book = LiveBtcBook();
  book.rules->tick_size = Px("1");
  book.rules->lot_size = Qty("1");
  book.bids = {{Px("45000"), Qty("3")}};
  book.asks = {{Px("45002"), Qty("7")}};
  Publish(book);
  simdjson::dom::element json =
      Json(Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})"));
  EXPECT_EQ(Str(json, "bid_price"), "45000");
  EXPECT_EQ(Str(json, "spread"), "2");
  EXPECT_EQ(Str(json, "ask_quantity"), "7");
}

TEST_F(ControlServiceTest, QuoteTimestampFallsBackToReceiveTime) {
  engine::BookSnapshot book = LiveBtcBook();
  book.exchange_time_ns = 0;
  Publish(book);
  simdjson::dom::element json =
      Json(Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})"));
  EXPECT_EQ(Str(json, "timestamp"), "2024-01-01T12:00:04.750Z");
}

TEST_F(ControlServiceTest, QuoteOnABookThatIsNotLive) {
  const std::string body = R"({"exchange":"binance","symbol":"BTCUSDT"})";
  // Not published yet.
  auto response = Post("/api/trading/quote", body);
  EXPECT_NE(ExpectError(response, 503, "BOOK_NOT_READY").find("SYNCING"), std::string::npos);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");

  engine::BookSnapshot book = LiveBtcBook();
  book.state = BookState::kStale;
  book.last_reason = BookReason::kSilence;
  Publish(book);
  response = Post("/api/trading/quote", body);
  EXPECT_EQ(ExpectError(response, 503, "BOOK_NOT_READY"),
            "book binance BTC-USDT is STALE (silence)");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
}

TEST_F(ControlServiceTest, QuoteOnALiveBookWithAnEmptySide) {
  const std::string body = R"({"exchange":"binance","symbol":"BTCUSDT"})";
  engine::BookSnapshot book = LiveBtcBook();
  book.asks.clear();
  Publish(book);
  auto response = Post("/api/trading/quote", body);
  EXPECT_EQ(ExpectError(response, 503, "BOOK_NOT_READY"),
            "book binance BTC-USDT is LIVE but has no asks");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
  book.bids.clear();
  Publish(book);
  EXPECT_NE(ExpectError(Post("/api/trading/quote", body), 503, "BOOK_NOT_READY").find("no levels"),
            std::string::npos);
}

TEST_F(ControlServiceTest, QuoteRequestErrors) {
  Publish(LiveBtcBook());
  const std::string path = "/api/trading/quote";
  EXPECT_NE(ExpectBadRequest(Post(path, R"({"exchange":"binance","symbol":"BTCUSDT")"))
                .find("malformed JSON"),
            std::string::npos);
  EXPECT_NE(ExpectBadRequest(Post(path, "{oops}")).find("malformed JSON"), std::string::npos);
  ExpectBadRequest(Post(path, "not json"));
  ExpectBadRequest(Post(path, "exchange=binance&symbol=BTCUSDT"));  // a form post
  EXPECT_EQ(ExpectBadRequest(Post(path, "")), "request body is empty; expected a JSON object");
  EXPECT_EQ(ExpectBadRequest(Post(path, R"(["binance","BTCUSDT"])")),
            "request body must be a JSON object");
  EXPECT_EQ(ExpectBadRequest(Post(path, R"({"exchange":"binance"})")), "missing field 'symbol'");
  EXPECT_EQ(ExpectBadRequest(Post(path, R"({"symbol":"BTCUSDT"})")), "missing field 'exchange'");
  EXPECT_EQ(ExpectBadRequest(Post(path, R"({"exchange":"binance","symbol":42})")),
            "field 'symbol' must be a string");
  EXPECT_EQ(ExpectBadRequest(Post(path, R"({"exchange":true,"symbol":"BTCUSDT"})")),
            "field 'exchange' must be a string");
  EXPECT_EQ(ExpectBadRequest(Post(path, "{\"exchange\":\"binance\",\"symbol\":\"BTC\xFFUSDT\"}")),
            "request body is not valid UTF-8");
}

TEST_F(ControlServiceTest, UnknownOrDisabledExchange) {
  const std::string path = "/api/trading/quote";
  std::string message = ExpectError(Post(path, R"({"exchange":"nasdaq","symbol":"BTCUSDT"})"), 400,
                                    "UNKNOWN_EXCHANGE");
  EXPECT_EQ(message, "unknown exchange 'nasdaq'; this daemon serves: binance, kraken");
  message = ExpectError(Post(path, R"({"exchange":"Coinbase","symbol":"BTC-USD"})"), 400,
                        "UNKNOWN_EXCHANGE");
  EXPECT_EQ(message, "exchange 'coinbase' is not enabled in this daemon; enabled: binance, kraken");
  message = ExpectError(Post(path, R"({"exchange":"binance-usdm","symbol":"BTCUSDT"})"), 400,
                        "UNKNOWN_EXCHANGE");
  EXPECT_NE(message.find("not enabled"), std::string::npos);
  ExpectError(Post(path, R"({"exchange":"","symbol":"BTCUSDT"})"), 400, "UNKNOWN_EXCHANGE");
  // A long exchange name is cut in the message.
  message =
      ExpectError(Post(path, R"({"exchange":")" + std::string(5000, 'x') + R"(","symbol":"B"})"),
                  400, "UNKNOWN_EXCHANGE");
  EXPECT_LT(message.size(), 200u);
}

TEST_F(ControlServiceTest, UnknownSymbolIs400) {
  const std::string path = "/api/trading/quote";
  EXPECT_EQ(ExpectError(Post(path, R"({"exchange":"binance","symbol":"DOGEUSDT"})"), 400,
                        "UNKNOWN_SYMBOL"),
            "unknown symbol 'DOGEUSDT' on binance");
  // Listed on another venue only.
  ExpectError(Post(path, R"({"exchange":"kraken","symbol":"ETH-USDT"})"), 400, "UNKNOWN_SYMBOL");
  ExpectError(Post(path, R"({"exchange":"binance","symbol":""})"), 400, "UNKNOWN_SYMBOL");
  ExpectError(Post("/api/trading/orderbook", R"({"exchange":"binance","symbol":"X"})"), 400,
              "UNKNOWN_SYMBOL");
}

// ------------------------------------------------------------------------------------- orderbook

TEST_F(ControlServiceTest, OrderbookShape) {
  Publish(LiveBtcBook());
  const auto response = Post("/api/trading/orderbook",
                             R"({"exchange":"binance","symbol":"btc-usdt","depth":2})", kReadToken);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"symbol":"btc-usdt","exchange":"binance","instrument":"BTC-USDT",)"
            R"("bids":[["45000.50","1.20000"],["45000.00","0.50000"]],)"
            R"("asks":[["45001.25","0.40000"],["45002.00","0.00001"]],)"
            R"("sequence":123456789,"book_state":"LIVE","timestamp":"2024-01-01T12:00:01.234Z"})");
}

TEST_F(ControlServiceTest, OrderbookDepthDefaultsTo20AndCapsAtTheBook) {
  engine::BookSnapshot book = LiveBtcBook();
  book.bids.clear();
  book.asks.clear();
  for (int i = 0; i < 30; ++i) {
    book.bids.push_back({core::Price::FromMantissa((45000 - i) * 100'000'000LL), Qty("1")});
    book.asks.push_back({core::Price::FromMantissa((45001 + i) * 100'000'000LL), Qty("1")});
  }
  book.asks.resize(7);
  Publish(book);
  auto count = [&](const std::string& body, const char* side) {
    const auto response = Post("/api/trading/orderbook", body);
    EXPECT_EQ(response.status, 200) << response.body;
    return Json(response)[side].get_array().value().size();
  };
  EXPECT_EQ(count(R"({"exchange":"binance","symbol":"BTCUSDT"})", "bids"), 20u);
  EXPECT_EQ(count(R"({"exchange":"binance","symbol":"BTCUSDT"})", "asks"), 7u);
  EXPECT_EQ(count(R"({"exchange":"binance","symbol":"BTCUSDT","depth":1})", "bids"), 1u);
  EXPECT_EQ(count(R"({"exchange":"binance","symbol":"BTCUSDT","depth":1000})", "bids"), 30u);
  simdjson::dom::element json = Json(
      Post("/api/trading/orderbook", R"({"exchange":"binance","symbol":"BTCUSDT","depth":3})"));
  EXPECT_EQ(simdjson::to_string(json["bids"]),
            R"([["45000.00","1.00000"],["44999.00","1.00000"],["44998.00","1.00000"]])");
}

TEST_F(ControlServiceTest, OrderbookDepthMustBeAnIntegerFrom1To1000) {
  Publish(LiveBtcBook());
  for (const char* depth : {"0", "1001", "-1", "99999999999"}) {
    EXPECT_EQ(
        ExpectBadRequest(Post(
            "/api/trading/orderbook",
            std::string(R"({"exchange":"binance","symbol":"BTCUSDT","depth":)") + depth + "}")),
        "field 'depth' must be an integer from 1 to 1000")
        << depth;
  }
  for (const char* depth : {R"("20")", "2.5", "20.0", "1e1", "null", "true", "[20]"}) {
    EXPECT_EQ(
        ExpectBadRequest(Post(
            "/api/trading/orderbook",
            std::string(R"({"exchange":"binance","symbol":"BTCUSDT","depth":)") + depth + "}")),
        "field 'depth' must be an integer")
        << depth;
  }
}

TEST_F(ControlServiceTest, OrderbookOnABookThatIsNotLive) {
  engine::BookSnapshot book = LiveBtcBook();
  book.state = BookState::kSyncing;
  book.last_reason = BookReason::kSequenceGap;
  Publish(book);
  const auto response =
      Post("/api/trading/orderbook", R"({"exchange":"binance","symbol":"BTCUSDT"})");
  EXPECT_EQ(ExpectError(response, 503, "BOOK_NOT_READY"),
            "book binance BTC-USDT is SYNCING (sequence_gap)");
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "1");
}

TEST_F(ControlServiceTest, OrderbookOnALiveBookWithOneEmptySide) {
  engine::BookSnapshot book = LiveBtcBook();
  book.asks.clear();
  Publish(book);
  const auto response =
      Post("/api/trading/orderbook", R"({"exchange":"binance","symbol":"BTCUSDT"})");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Json(response)["asks"].get_array().value().size(), 0u);
}

// ----------------------------------------------------------------------------------- instruments

TEST_F(ControlServiceTest, InstrumentsListsRulesOrNulls) {
  Publish(LiveBtcBook());
  auto response = Post("/api/trading/instruments", R"({"exchange":"binance"})", kReadToken);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body,
            R"({"instruments":[{"exchange":"binance","symbol":"BTCUSDT","instrument":"BTC-USDT",)"
            R"("base":"BTC","quote":"USDT","tick_size":"0.01","lot_size":"0.00001",)"
            R"("min_quantity":"0.00001","max_quantity":"9000","min_notional":"5",)"
            R"("trading_status":"TRADING"},)"
            R"({"exchange":"binance","symbol":"ETHUSDT","instrument":"ETH-USDT",)"
            R"("base":"ETH","quote":"USDT","tick_size":null,"lot_size":null,)"
            R"("min_quantity":null,"max_quantity":null,"min_notional":null,)"
            R"("trading_status":"UNKNOWN"}]})");
  response = Post("/api/trading/instruments", "");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Json(response)["instruments"].get_array().value().size(), 3u);  // enabled venues
  ExpectError(Post("/api/trading/instruments", R"({"exchange":"coinbase"})"), 400,
              "UNKNOWN_EXCHANGE");
}

// ------------------------------------------------------------------------------ auth and routing

TEST_F(ControlServiceTest, MissingOrWrongTokenIs401) {
  Publish(LiveBtcBook());
  const std::string body = R"({"exchange":"binance","symbol":"BTCUSDT"})";
  auto no_token = Post("/api/trading/quote", body, nullptr);
  EXPECT_NE(ExpectError(no_token, 401, "UNAUTHORIZED").find("missing"), std::string::npos);
  EXPECT_EQ(HeaderOf(no_token, "WWW-Authenticate"), "Bearer");

  const char* wrong = "wrong-token-0123456789abcdef";
  auto wrong_token = Post("/api/trading/quote", body, wrong);
  EXPECT_EQ(ExpectError(wrong_token, 401, "UNAUTHORIZED"), "invalid bearer token");
  EXPECT_EQ(HeaderOf(wrong_token, "WWW-Authenticate"), "Bearer");
  // Neither the presented token nor the header is echoed anywhere in the answer.
  EXPECT_EQ(wrong_token.body.find(wrong), std::string::npos);
  for (const auto& [key, value] : wrong_token.headers) {
    EXPECT_EQ(value.find(wrong), std::string::npos);
    EXPECT_NE(key, "Authorization");
  }

  net::ServerRequest basic = Request("POST", "/api/trading/quote", body, nullptr);
  basic.headers.emplace_back("authorization", std::string("Basic ") + kFullToken);
  ExpectError(Service().Handle(basic), 401, "UNAUTHORIZED");
}

TEST_F(ControlServiceTest, HeaderNameIsCaseInsensitiveAndDuplicatesAreRefused) {
  Publish(LiveBtcBook());
  const std::string body = R"({"exchange":"binance","symbol":"BTCUSDT"})";
  net::ServerRequest lower = Request("POST", "/api/trading/quote", body, nullptr);
  lower.headers.emplace_back("authorization", std::string("bearer ") + kReadToken);
  EXPECT_EQ(Service().Handle(lower).status, 200);

  net::ServerRequest twice = Request("POST", "/api/trading/quote", body, kFullToken);
  twice.headers.emplace_back("Authorization", std::string("Bearer ") + kFullToken);
  ExpectError(Service().Handle(twice), 401, "UNAUTHORIZED");
}

TEST_F(ControlServiceTest, ReadTokenReadsButMayNotChangeState) {
  Publish(LiveBtcBook());
  EXPECT_EQ(
      Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})", kReadToken).status,
      200);
  EXPECT_EQ(Post("/api/trading/status", "", kReadToken).status, 200);
  for (const char* path : {"/api/trading/order", "/api/trading/order/cancel", "/api/trading/kill",
                           "/api/trading/resume"}) {
    ExpectError(Post(path, "{}", kReadToken), 403, "FORBIDDEN");
    // Not served yet: the full token reaches the endpoint, which says so.
    ExpectError(Post(path, "{}", kFullToken), 501, "NOT_IMPLEMENTED");
    ExpectError(Post(path, "{}", nullptr), 401, "UNAUTHORIZED");
  }
  ExpectError(Post("/api/trading/balances", "{}", kReadToken), 501, "NOT_IMPLEMENTED");
}

TEST_F(ControlServiceTest, UnknownPathIs404) {
  for (const char* path :
       {"/", "/api/trading", "/api/trading/", "/api/trading/quote/", "/api/trading/QUOTE",
        "/api/trading/nope", "/health", "/api/trading/quotex"}) {
    ExpectError(Post(path, "{}"), 404, "NOT_FOUND");
    ExpectError(Get(path, nullptr), 404, "NOT_FOUND");
  }
}

TEST_F(ControlServiceTest, WrongMethodIs405WithAllow) {
  for (const char* method : {"GET", "PUT", "DELETE", "PATCH", "HEAD", "post"}) {
    const auto response = Service().Handle(Request(method, "/api/trading/quote", "", nullptr));
    ExpectError(response, 405, "METHOD_NOT_ALLOWED");
    EXPECT_EQ(HeaderOf(response, "Allow"), "POST") << method;
  }
}

TEST_F(ControlServiceTest, QueryStringIsIgnoredForRouting) {
  Publish(LiveBtcBook());
  EXPECT_EQ(Post("/api/trading/quote?x=1", R"({"exchange":"binance","symbol":"BTCUSDT"})").status,
            200);
}

TEST_F(ControlServiceTest, BodyOver64KiBIs413) {
  std::string body = R"({"exchange":"binance","symbol":"BTCUSDT","pad":")";
  body += std::string(kMaxRequestBodyBytes - body.size() - 2, 'x');
  body += "\"}";
  ASSERT_EQ(body.size(), kMaxRequestBodyBytes);
  Publish(LiveBtcBook());
  EXPECT_EQ(Post("/api/trading/quote", body).status, 200);  // exactly 64 KiB is fine
  body.insert(body.size() - 2, "x");
  const auto response = Post("/api/trading/quote", body);
  EXPECT_EQ(ExpectError(response, 413, "BAD_REQUEST"), "request body exceeds 65536 bytes");
}

TEST_F(ControlServiceTest, EveryAnswerIsJsonAndNotCacheable) {
  Publish(LiveBtcBook());
  for (const auto& response :
       {Post("/api/trading/quote", R"({"exchange":"binance","symbol":"BTCUSDT"})"),
        Post("/api/trading/quote", "{", nullptr), Post("/nope", ""), Get("/api/trading/health")}) {
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(HeaderOf(response, "Cache-Control"), "no-store");
    simdjson::dom::element element;
    EXPECT_EQ(parser_.parse(response.body).get(element), simdjson::SUCCESS) << response.body;
  }
}

}  // namespace
}  // namespace tradingd::control
