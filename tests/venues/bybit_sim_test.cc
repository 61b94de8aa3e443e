// The sandbox Bybit venue without sockets: its wire formats against Bybit's own bytes (every line
// of the order-book archive rebuilt byte for byte, the documentation's trade and spot ticker
// examples) and against our parser (feeds/bybit), and its sessions driven directly — a fake market
// cuts changes into them and their frames go through BybitMarketData — for the depth windows, the
// sequence, the faults, the REST bodies and hostile client messages.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/decimal.h"
#include "core/events.h"
#include "core/instrument.h"
#include "feeds/bybit/bybit_feed.h"
#include "feeds/bybit/bybit_market_data.h"
#include "feeds/bybit/bybit_parser.h"
#include "feeds/capture/capture_reader.h"
#include "sim/bybit/bybit_sim.h"
#include "sim/bybit/bybit_wire.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::bybit {

// Test names and failure messages say "spot"/"linear" rather than a byte.
void PrintTo(Category category, std::ostream* os) { *os << CategoryName(category); }

namespace {

namespace dom = simdjson::dom;
using feeds::bybit::BybitMessage;
using feeds::bybit::BybitMessageKind;
using feeds::bybit::BybitParseError;
using feeds::bybit::BybitParser;
using feeds::testing::MirrorSink;
using feeds::testing::Padded;

std::int64_t Scaled(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}

std::string Minified(std::string_view json) {
  std::string out(json.size(), '\0');
  std::size_t length = 0;
  EXPECT_EQ(simdjson::minify(json.data(), json.size(), out.data(), length), simdjson::SUCCESS);
  out.resize(length);
  return out;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The body of one example in the docs_examples fixture.
std::string DocExample(const std::filesystem::path& path, std::string_view file,
                       std::string_view heading_part) {
  const std::string text = ReadFile(path);
  dom::parser parser;
  dom::element root = parser.parse(text);
  for (dom::element example : dom::array(root["examples"])) {
    const std::string_view name = example["file"];
    const std::string_view heading = example["heading"];
    if (name == file && heading.find(heading_part) != std::string_view::npos) {
      return std::string(std::string_view(example["body_text"]));
    }
  }
  ADD_FAILURE() << "no example " << file << " " << heading_part;
  return {};
}

std::vector<BookLevel> Levels(dom::array array) {
  std::vector<BookLevel> levels;
  for (dom::array level : array) {
    levels.push_back({Scaled(std::string_view(level.at(0))), Scaled(std::string_view(level.at(1)))});
  }
  return levels;
}

// Bybit's archive is the linear product: prices with 4 decimals and sizes with none (XRPUSDT ticks
// 0.0001 and trades whole coins), a deleted level as "0". Rebuilding every line from its values
// must give Bybit's bytes: key order, number spelling and all.
TEST(BybitWire, OrderbookMessagesRebuildTheArchiveByteForByte) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/xrpusdt-ob500.data.zip");
  auto capture = feeds::LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  const NumberFormat format{Category::kLinear, 4, 0};
  dom::parser parser;
  int rebuilt = 0, deletes = 0;
  for (const feeds::CaptureRecord& record : capture->records()) {
    std::string_view line = record.payload;
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
    dom::element message = parser.parse(line);
    dom::element data = message["data"];
    const std::string_view topic = message["topic"];
    const std::string_view type = message["type"];
    ASSERT_TRUE(topic.starts_with("orderbook.500."));
    const auto bids = Levels(data["b"]);
    const auto asks = Levels(data["a"]);
    for (const BookLevel& level : bids) deletes += level.quantity == 0;
    for (const BookLevel& level : asks) deletes += level.quantity == 0;
    const std::string ours = OrderbookMessage(
        std::string_view(data["s"]), 500, type == "snapshot", std::int64_t(message["ts"]), bids,
        asks, std::uint64_t(data["u"]), std::uint64_t(data["seq"]), std::int64_t(message["cts"]),
        format);
    ASSERT_EQ(ours, line) << "line " << record.line;
    ++rebuilt;
  }
  EXPECT_EQ(rebuilt, 50);
  EXPECT_EQ(deletes, 18);  // explicit deletes, the window kept at 500 levels
}

TEST(BybitWire, TradeAndSpotTickerRebuildTheDocumentationExamples) {
  TRADINGD_REQUIRE_FIXTURE(path, "bybit/docs_examples/bybit_v5_doc_examples.json");
  PublicTrade trade;
  trade.time_ms = 1672304486865;
  trade.taker_buys = true;
  trade.quantity = Scaled("0.001");
  trade.price = Scaled("16578.50");
  trade.direction = TickDirection::kPlusTick;
  trade.id = "20f43950-d8dd-5b31-9112-a178eb6023af";
  trade.seq = 1783284617;
  const std::vector<PublicTrade> trades = {trade};
  EXPECT_EQ(PublicTradeMessage("BTCUSDT", 1672304486868, trades, {Category::kLinear, 2, 3}),
            Minified(DocExample(path, "docs/v5/websocket/public/trade.mdx", "Response")));

  SpotTicker ticker;
  ticker.last_price = Scaled("21109.77");
  ticker.high_price = Scaled("21426.99");
  ticker.low_price = Scaled("20575");
  ticker.prev_price_24h = Scaled("20704.93");
  ticker.volume = Scaled("6780.866843");
  ticker.turnover = Scaled("141946527.22907118");
  ticker.change_ratio = Scaled("0.0196");
  ticker.usd_index_price = Scaled("21120.2400136");
  EXPECT_EQ(SpotTickerMessage("BTCUSDT", 1673853746003, 2588407389, ticker),
            Minified(DocExample(path, "docs/v5/websocket/public/ticker.mdx", "Spot")));
}

TEST(BybitWire, NumbersAreTrimmedOnSpotAndFixedOnLinear) {
  std::string out;
  AppendPrice(out, Scaled("65557.70"), {Category::kSpot, 2, 6});
  AppendQuantity(out, Scaled("16.606555"), {Category::kSpot, 2, 6});
  AppendPrice(out, Scaled("30247.2"), {Category::kLinear, 2, 3});
  AppendQuantity(out, Scaled("30"), {Category::kLinear, 2, 3});
  AppendQuantity(out, 0, {Category::kLinear, 2, 3});
  AppendQuantity(out, 0, {Category::kSpot, 2, 3});
  EXPECT_EQ(out, R"("65557.7""16.606555""30247.20""30.000""0""0")");
  const NumberFormat linear = FormatOf(Category::kLinear, DefaultBybitSymbols("linear")[0]);
  EXPECT_EQ(linear.price_digits, 1);  // tick 0.10
  EXPECT_EQ(linear.quantity_digits, 3);
}

TEST(BybitWire, OpAnswersAreWordedPerCategory) {
  const std::optional<std::string> none;
  const std::optional<std::string> id = "7";
  EXPECT_EQ(OpSuccess(Category::kSpot, "c", id, "subscribe"),
            R"({"success":true,"ret_msg":"subscribe","conn_id":"c","req_id":"7","op":"subscribe"})");
  EXPECT_EQ(OpSuccess(Category::kSpot, "c", none, "subscribe"),
            R"({"success":true,"ret_msg":"subscribe","conn_id":"c","op":"subscribe"})");
  EXPECT_EQ(OpSuccess(Category::kLinear, "c", none, "subscribe"),
            R"({"success":true,"ret_msg":"","conn_id":"c","req_id":"","op":"subscribe"})");
  EXPECT_EQ(Pong(Category::kSpot, "c", none),
            R"({"success":true,"ret_msg":"pong","conn_id":"c","op":"ping"})");
  EXPECT_EQ(Pong(Category::kLinear, "c", none),
            R"({"success":true,"ret_msg":"pong","conn_id":"c","req_id":"","op":"ping"})");
  // The client's words are escaped, never echoed raw.
  EXPECT_EQ(OpFailure(Category::kLinear, "c", std::string("a\"b"), "subscribe", "x\ny"),
            R"({"success":false,"ret_msg":"x\ny","conn_id":"c","req_id":"a\"b","op":"subscribe"})");
  const std::string uuid = UuidText(42);
  EXPECT_EQ(uuid.size(), 36u);
  EXPECT_EQ(uuid[8], '-');
  EXPECT_EQ(uuid[23], '-');
  EXPECT_NE(uuid, UuidText(43));
}

// ---- what our parser makes of the sim's messages

class BybitWireParsedTest : public ::testing::Test {
 protected:
  BybitWireParsedTest() {
    btc_ = registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 8, 8).value();
  }
  BybitParseError Parse(const std::string& text) {
    payloads_.push_back(std::make_unique<Padded>(text));
    return parser_.Parse(payloads_.back()->view(), &message_);
  }

  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0;
  BybitParser parser_{registry_};
  BybitMessage message_;
  std::vector<std::unique_ptr<Padded>> payloads_;
};

TEST_F(BybitWireParsedTest, BookTradeAndTickerMessagesParse) {
  const NumberFormat spot{Category::kSpot, 1, 6};
  const std::vector<BookLevel> bids = {{Scaled("60000.1"), Scaled("0.5")},
                                       {Scaled("60000"), 0}};
  const std::vector<BookLevel> asks = {{Scaled("60000.2"), Scaled("1.25")}};
  ASSERT_EQ(Parse(OrderbookMessage("BTCUSDT", 50, false, 1700000000123, bids, asks, 77, 990,
                                   1700000000120, spot)),
            BybitParseError::kOk);
  EXPECT_EQ(message_.kind, BybitMessageKind::kBookDelta);
  EXPECT_EQ(message_.instrument->id, btc_);
  EXPECT_EQ(message_.book.update_id, 77u);
  EXPECT_EQ(message_.book.cross_sequence, 990u);
  EXPECT_EQ(message_.book.exchange_time_ns, 1700000000123'000'000);
  ASSERT_EQ(message_.book.bids.size(), 2u);
  EXPECT_EQ(message_.book.bids[0].price.mantissa(), Scaled("60000.1"));
  EXPECT_EQ(message_.book.bids[1].quantity.mantissa(), 0);
  ASSERT_EQ(message_.book.asks.size(), 1u);
  EXPECT_EQ(message_.book.asks[0].quantity.mantissa(), Scaled("1.25"));

  ASSERT_EQ(Parse(OrderbookMessage("BTCUSDT", 1, true, 1, bids, asks, 1, 2, 1, spot)),
            BybitParseError::kOk);
  EXPECT_EQ(message_.kind, BybitMessageKind::kBookSnapshot);

  for (Category category : {Category::kSpot, Category::kLinear}) {
    PublicTrade trade;
    trade.time_ms = 1700000000001;
    trade.taker_buys = false;
    trade.price = Scaled("60000.1");
    trade.quantity = Scaled("0.002");
    trade.id = TradeIdText(category, 123456789);
    const std::vector<PublicTrade> trades = {trade, trade};
    ASSERT_EQ(Parse(PublicTradeMessage("BTCUSDT", 1700000000002, trades,
                                       {category, 1, 3})),
              BybitParseError::kOk);
    EXPECT_EQ(message_.kind, BybitMessageKind::kTrade);
    ASSERT_EQ(message_.trades.size(), 2u);
    EXPECT_EQ(message_.trades[0].aggressor, core::Side::kSell);
    EXPECT_EQ(message_.trades[0].price.mantissa(), Scaled("60000.1"));
    EXPECT_EQ(message_.trades[0].quantity.mantissa(), Scaled("0.002"));
    EXPECT_EQ(message_.trades[0].exchange_time_ns, 1700000000001'000'000);
    // Spot ids are numbers our parser keeps; derivatives' UUIDs are not.
    EXPECT_EQ(message_.trades[0].trade_id, category == Category::kSpot ? 123456789u : 0u);
  }

  SpotTicker spot_ticker;
  spot_ticker.last_price = Scaled("60000.1");
  ASSERT_EQ(Parse(SpotTickerMessage("BTCUSDT", 5, 6, spot_ticker)), BybitParseError::kOk);
  EXPECT_EQ(message_.kind, BybitMessageKind::kTicker);
  EXPECT_FALSE(message_.ticker.has_bid_price || message_.ticker.has_ask_price);

  LinearTicker linear;
  linear.bid1_price = Scaled("60000.1");
  linear.bid1_size = Scaled("3");
  linear.ask1_price = Scaled("60000.2");
  linear.ask1_size = Scaled("4.5");
  const NumberFormat format{Category::kLinear, 1, 3};
  ASSERT_EQ(Parse(LinearTickerMessage("BTCUSDT", true, 0, linear, 9, 10, format)),
            BybitParseError::kOk);
  EXPECT_TRUE(message_.ticker.snapshot);
  EXPECT_EQ(message_.ticker.bid_price.mantissa(), Scaled("60000.1"));
  EXPECT_EQ(message_.ticker.ask_quantity.mantissa(), Scaled("4.5"));
  LinearTicker moved = linear;
  moved.ask1_size = Scaled("1");
  const std::uint32_t fields = ChangedFields(linear, moved);
  EXPECT_EQ(fields, LinearTicker::kAsk1Size);
  const std::string delta = LinearTickerMessage("BTCUSDT", false, fields, moved, 9, 10, format);
  EXPECT_EQ(delta.find("bid1Price"), std::string::npos);
  ASSERT_EQ(Parse(delta), BybitParseError::kOk);
  EXPECT_FALSE(message_.ticker.snapshot);
  EXPECT_FALSE(message_.ticker.has_bid_price);
  EXPECT_TRUE(message_.ticker.has_ask_quantity);
  EXPECT_EQ(message_.ticker.ask_quantity.mantissa(), Scaled("1"));
}

TEST_F(BybitWireParsedTest, OpAnswersParse) {
  for (Category category : {Category::kSpot, Category::kLinear}) {
    ASSERT_EQ(Parse(OpSuccess(category, "c", std::string("1"), "subscribe")),
              BybitParseError::kOk);
    EXPECT_EQ(message_.kind, BybitMessageKind::kSubscribeAck);
    ASSERT_EQ(Parse(Pong(category, "c", std::nullopt)), BybitParseError::kOk);
    EXPECT_EQ(message_.kind, BybitMessageKind::kPong);
    ASSERT_EQ(Parse(OpFailure(category, "c", std::nullopt, "subscribe",
                              "error:handler not found,topic:x")),
              BybitParseError::kOk);
    EXPECT_EQ(message_.kind, BybitMessageKind::kVenueError);
    EXPECT_EQ(message_.error, "error:handler not found,topic:x");
  }
}

// ---- sessions, driven by a fake market

// The sim's market as StreamSim shows it to a dialect: seeded synthetic books that the test steps
// and cuts itself.
class FakeMarket final : public StreamMarket, private MarketListener {
 public:
  explicit FakeMarket(std::vector<SymbolSpec> specs) : specs_(std::move(specs)) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      markets_.emplace_back(specs_[i], MixSeed(7, i), 1'000'000, 10'000'000);
    }
  }

  std::size_t symbol_count() const override { return specs_.size(); }
  const SymbolSpec& spec(std::size_t symbol) const override { return specs_[symbol]; }
  const SyntheticMarket& book(std::size_t symbol) const override { return markets_[symbol]; }
  std::optional<std::size_t> Find(std::string_view venue_symbol) const override {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].symbol == venue_symbol) return i;
    }
    return std::nullopt;
  }
  std::int64_t now_ns() const override { return 1'700'000'000'000'000'000; }
  bool replay() const override { return false; }

  // Makes `steps` changes on `symbol` and cuts them into `session`.
  void StepAndCut(std::size_t symbol, int steps, StreamSession& session, StreamOutput& out) {
    bids_.clear();
    asks_.clear();
    trades_.clear();
    first_id_ = 0;
    for (int i = 0; i < steps; ++i) markets_[symbol].Step(*this);
    std::vector<BookLevel> bids, asks;
    for (const auto& [price, quantity] : bids_) bids.push_back({price, quantity});
    for (const auto& [price, quantity] : asks_) asks.push_back({price, quantity});
    BookCut cut;
    cut.symbol = symbol;
    cut.bids = bids;
    cut.asks = asks;
    cut.first_update_id = first_id_;
    cut.last_update_id = markets_[symbol].last_update_id();
    cut.trades = trades_;
    cut.top = markets_[symbol].top();
    cut.top_changed = true;
    session.OnBookCut(cut, out);
  }

 private:
  void OnTrade(const TradePrint& trade) override { trades_.push_back(trade); }
  void OnLevelChange(const LevelChange& change) override {
    if (first_id_ == 0) first_id_ = change.update_id;
    if (change.side == Side::kBid) {
      bids_[change.price] = change.quantity;
    } else {
      asks_[change.price] = change.quantity;
    }
  }

  std::vector<SymbolSpec> specs_;
  std::vector<SyntheticMarket> markets_;
  std::map<std::int64_t, std::int64_t, std::greater<>> bids_;
  std::map<std::int64_t, std::int64_t> asks_;
  std::vector<TradePrint> trades_;
  std::uint64_t first_id_ = 0;
};

class Collect final : public StreamOutput {
 public:
  void Send(std::string text) override { frames.push_back(std::move(text)); }
  void Close() override { ++closes; }
  std::vector<std::string> Take() { return std::exchange(frames, {}); }
  std::vector<std::string> frames;
  int closes = 0;
};

struct Frame {
  std::string topic, type, op, ret_msg;
  bool success = false;
  std::uint64_t u = 0;
  std::size_t bids = 0, asks = 0;
};

Frame Read(const std::string& text) {
  dom::parser parser;
  dom::element doc;
  EXPECT_EQ(parser.parse(text).get(doc), simdjson::SUCCESS) << text;
  Frame frame;
  std::string_view s;
  if (doc["topic"].get(s) == simdjson::SUCCESS) frame.topic = s;
  if (doc["type"].get(s) == simdjson::SUCCESS) frame.type = s;
  if (doc["op"].get(s) == simdjson::SUCCESS) frame.op = s;
  if (doc["ret_msg"].get(s) == simdjson::SUCCESS) frame.ret_msg = s;
  bool success = false;
  if (doc["success"].get(success) == simdjson::SUCCESS) frame.success = success;
  dom::element data;
  if (doc["data"].get(data) == simdjson::SUCCESS && data.is_object()) {
    std::uint64_t u = 0;
    if (data["u"].get(u) == simdjson::SUCCESS) frame.u = u;
    dom::array levels;
    if (data["b"].get(levels) == simdjson::SUCCESS) frame.bids = levels.size();
    if (data["a"].get(levels) == simdjson::SUCCESS) frame.asks = levels.size();
  }
  return frame;
}

std::string CategoryTestName(const ::testing::TestParamInfo<Category>& param_info) {
  return std::string(CategoryName(param_info.param));
}

class BybitSessionTest : public ::testing::TestWithParam<Category> {
 protected:
  void SetUp() override {
    category_ = GetParam();
    const std::string name(CategoryName(category_));
    market_ = std::make_unique<FakeMarket>(DefaultBybitSymbols(name));
    dialect_ = MakeBybitDialect({name});
    ASSERT_NE(dialect_, nullptr);
    session_ = dialect_->NewSession(dialect_->ws_path(), *market_);
    btc_ = registry_.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 8, 8).value();
    eth_ = registry_.Add(core::Venue::kBybit, "ETH", "USDT", "ETHUSDT", 8, 8).value();
    core_ = std::make_unique<feeds::bybit::BybitMarketData>(
        registry_, sink_, [this](core::InstrumentId id) { resyncs_.push_back(id); });
  }

  std::vector<std::string> Client(std::string_view text) {
    session_->OnClientText(text, out_);
    return out_.Take();
  }
  // Feeds every frame the session sent to our core; returns them.
  std::vector<std::string> Deliver() {
    std::vector<std::string> frames = out_.Take();
    for (const std::string& frame : frames) {
      const Padded padded(frame);
      core_->OnFrame(padded.view(), 1);
    }
    return frames;
  }
  void Cuts(std::size_t symbol, int cuts, int steps = 25) {
    for (int i = 0; i < cuts; ++i) market_->StepAndCut(symbol, steps, *session_, out_);
  }
  // The core's book equals the market's best `depth` levels.
  void ExpectBookIsTheWindow(core::InstrumentId id, std::size_t symbol, std::size_t depth) {
    const BookLevels venue = market_->book(symbol).Levels(depth);
    const MirrorSink::Book& book = sink_.books[id];
    ASSERT_EQ(book.bids.size(), venue.bids.size());
    ASSERT_EQ(book.asks.size(), venue.asks.size());
    std::size_t i = 0;
    for (auto it = book.bids.rbegin(); it != book.bids.rend(); ++it, ++i) {
      ASSERT_EQ(it->first, venue.bids[i].price) << "bid " << i;
      ASSERT_EQ(it->second, venue.bids[i].quantity) << "bid " << i;
    }
    i = 0;
    for (auto it = book.asks.begin(); it != book.asks.end(); ++it, ++i) {
      ASSERT_EQ(it->first, venue.asks[i].price) << "ask " << i;
      ASSERT_EQ(it->second, venue.asks[i].quantity) << "ask " << i;
    }
  }

  Category category_ = Category::kSpot;
  std::unique_ptr<FakeMarket> market_;
  std::unique_ptr<StreamDialect> dialect_;
  std::unique_ptr<StreamSession> session_;
  Collect out_;
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  MirrorSink sink_;
  std::vector<core::InstrumentId> resyncs_;
  std::unique_ptr<feeds::bybit::BybitMarketData> core_;
};

TEST_P(BybitSessionTest, SnapshotThenDeltasKeepTheClientOnTheVenuesWindow) {
  EXPECT_FALSE(session_->subscribed());
  session_->OnClientText(
      R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","orderbook.1.ETHUSDT"],"req_id":"a"})",
      out_);
  auto frames = Deliver();
  ASSERT_EQ(frames.size(), 3u);
  const Frame ack = Read(frames[0]);
  EXPECT_TRUE(ack.success);
  EXPECT_EQ(ack.op, "subscribe");
  EXPECT_EQ(ack.ret_msg, category_ == Category::kSpot ? "subscribe" : "");
  const Frame snapshot = Read(frames[1]);
  EXPECT_EQ(snapshot.topic, "orderbook.50.BTCUSDT");
  EXPECT_EQ(snapshot.type, "snapshot");
  EXPECT_EQ(snapshot.bids, 50u);
  EXPECT_EQ(snapshot.asks, 50u);
  EXPECT_EQ(Read(frames[2]).topic, "orderbook.1.ETHUSDT");
  EXPECT_TRUE(session_->subscribed());
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectBookIsTheWindow(btc_, 0, 50);

  std::uint64_t u = snapshot.u;
  int deltas = 0, deltas_with_deletes = 0;
  for (int i = 0; i < 40; ++i) {
    Cuts(0, 1);
    Cuts(1, 1);
    for (const std::string& text : Deliver()) {
      const Frame frame = Read(text);
      if (frame.topic == "orderbook.50.BTCUSDT") {
        EXPECT_EQ(frame.type, "delta");
        EXPECT_EQ(frame.u, ++u);
        ++deltas;
        deltas_with_deletes += text.find(R"(,"0"])") != std::string::npos;
      } else {
        // Depth 1 is snapshots only, one level a side.
        EXPECT_EQ(frame.type, "snapshot");
        EXPECT_EQ(frame.bids, 1u);
      }
    }
    ExpectBookIsTheWindow(btc_, 0, 50);
    ExpectBookIsTheWindow(eth_, 1, 1);
  }
  EXPECT_GE(deltas, 35);
  EXPECT_GT(deltas_with_deletes, 0);
  EXPECT_EQ(core_->counters().gaps, 0u);
  EXPECT_EQ(core_->counters().parse_errors, 0u);
  EXPECT_EQ(sink_.crossed, 0u);
  EXPECT_TRUE(resyncs_.empty());
}

TEST_P(BybitSessionTest, SkipUpdateIsAGapAndResetSequenceRestartsAtOne) {
  Client(R"({"op":"subscribe","args":["orderbook.200.BTCUSDT"]})");
  session_->OnClientText(R"({"op":"unsubscribe","args":["orderbook.200.BTCUSDT"]})", out_);
  session_->OnClientText(R"({"op":"subscribe","args":["orderbook.200.BTCUSDT"]})", out_);
  auto frames = Deliver();
  ASSERT_EQ(frames.size(), 3u);  // two acks and the snapshot
  const std::uint64_t first_u = Read(frames[2]).u;
  Cuts(0, 3);
  Deliver();
  ASSERT_EQ(core_->book_state(btc_), core::BookState::kLive);

  session_->SkipUpdate(0);
  Cuts(0, 1);
  EXPECT_TRUE(out_.frames.empty()) << "the lost delta went out";
  Cuts(0, 1);
  frames = Deliver();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Read(frames[0]).u, first_u + 5);  // 3 deltas, one lost, this one
  EXPECT_EQ(core_->counters().gaps, 1u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(resyncs_, std::vector<core::InstrumentId>{btc_});

  // What the feed does next: unsubscribe and subscribe; the snapshot carries u on.
  Client(R"({"op":"unsubscribe","args":["orderbook.200.BTCUSDT"]})");
  session_->OnClientText(R"({"op":"subscribe","args":["orderbook.200.BTCUSDT"]})", out_);
  frames = Deliver();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(Read(frames[1]).u, first_u + 6);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectBookIsTheWindow(btc_, 0, 200);

  session_->ResetSequence(0, out_);
  frames = Deliver();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(Read(frames[0]).type, "snapshot");
  EXPECT_EQ(Read(frames[0]).u, 1u);
  Cuts(0, 2);
  frames = Deliver();
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(Read(frames[0]).u, 2u);
  EXPECT_EQ(Read(frames[1]).u, 3u);
  EXPECT_EQ(core_->counters().gaps, 1u);  // the restart is no gap
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectBookIsTheWindow(btc_, 0, 200);

  // ETHUSDT was never subscribed: its faults send nothing.
  session_->SkipUpdate(1);
  session_->ResetSequence(1, out_);
  EXPECT_TRUE(out_.frames.empty());
}

TEST_P(BybitSessionTest, TradesAndTickersReachTheCore) {
  session_->OnClientText(
      R"({"op":"subscribe","args":["orderbook.50.BTCUSDT","publicTrade.BTCUSDT","tickers.BTCUSDT"]})",
      out_);
  Cuts(0, 30, 40);
  Deliver();
  EXPECT_GT(sink_.trades.size(), 0u);
  for (const core::Trade& trade : sink_.trades) {
    EXPECT_EQ(trade.instrument, btc_);
    EXPECT_NE(trade.aggressor, core::Side::kUnknown);
  }
  EXPECT_GT(core_->counters().ticker, 0u);
  if (category_ == Category::kLinear) {
    // Linear tickers carry bid1/ask1: quotes at the book's top.
    EXPECT_GT(sink_.quotes, 0u);
    EXPECT_EQ(sink_.quotes_at_top, sink_.quotes);
  } else {
    EXPECT_EQ(sink_.quotes, 0u);  // spot tickers have no bid/ask
  }
  EXPECT_EQ(core_->counters().parse_errors, 0u);
}

TEST_P(BybitSessionTest, PingIsAnsweredInTheCategorysShape) {
  const auto frames = Client(R"({"op":"ping","req_id":"p1"})");
  ASSERT_EQ(frames.size(), 1u);
  const Frame pong = Read(frames[0]);
  EXPECT_TRUE(pong.success);
  EXPECT_EQ(pong.ret_msg, "pong");
  EXPECT_EQ(pong.op, "ping");
  EXPECT_NE(frames[0].find(R"("req_id":"p1")"), std::string::npos);
  const auto bare = Client(R"({"op":"ping"})");
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(bare[0].find("req_id") != std::string::npos, category_ == Category::kLinear);
}

struct Hostile {
  std::string text;
  std::string ret_msg;  // empty: a success is expected
};

TEST_P(BybitSessionTest, HostileClientMessagesGetBybitsRefusals) {
  const bool spot = category_ == Category::kSpot;
  const std::string decode = "Failed to decode incoming data: invalid request";
  const std::vector<Hostile> cases = {
      {R"({"op":"subscribe","args":["orderbook.50.BTCUSDT"])", decode},  // truncated
      {"{\"op\":\"subscribe\",\"args\":[\"tickers.BTC\xff\"]}", decode},   // not UTF-8
      {R"(["op","subscribe"])", decode},
      {R"({"op":1,"args":[]})", decode},
      {R"({"op":"subscribe","args":"orderbook.50.BTCUSDT"})", decode},
      {R"({"op":"subscribe","args":[50]})", decode},
      {R"({"op":"subscribe","args":["tickers.BTCUSDT"],"req_id":7})", decode},
      {"", decode},
      {R"({"op":"subscribe"})", "Params Error"},
      {R"({"op":"subscribe","args":[]})", "Params Error"},
      {R"({"op":"dance","args":["tickers.BTCUSDT"]})", "error:handler not found"},
      {R"({"args":["tickers.BTCUSDT"]})", "error:handler not found"},
      {R"({"op":"subscribe","args":["orderbook.500.BTCUSDT"]})",
       "error:handler not found,topic:orderbook.500.BTCUSDT"},
      {R"({"op":"subscribe","args":["orderbook.050.BTCUSDT"]})",
       "error:handler not found,topic:orderbook.050.BTCUSDT"},
      {R"({"op":"subscribe","args":["kline.1.BTCUSDT"]})",
       "error:handler not found,topic:kline.1.BTCUSDT"},
      {R"({"op":"subscribe","args":["orderbook.50"]})",
       "error:handler not found,topic:orderbook.50"},
      {R"({"op":"subscribe","args":["tickers.DOGEUSDT"]})",
       spot ? "Invalid symbol :[tickers.DOGEUSDT]"
            : "error:handler not found,topic:tickers.DOGEUSDT"},
      // All or nothing: the good topic before the bad one is not subscribed either.
      {R"({"op":"subscribe","args":["publicTrade.BTCUSDT","publicTrade.btcusdt"]})",
       spot ? "Invalid symbol :[publicTrade.btcusdt]"
            : "error:handler not found,topic:publicTrade.btcusdt"},
      {R"({"op":"subscribe","args":["tickers.BTCUSDT","tickers.BTCUSDT"]})",
       "error:already subscribed,topic:tickers.BTCUSDT"},
      // Unknown fields are ignored.
      {R"({"op":"subscribe","args":["tickers.ETHUSDT"],"colour":{"x":[1,2]}})", ""},
      {R"({"op":"subscribe","args":["tickers.ETHUSDT"]})",
       "error:already subscribed,topic:tickers.ETHUSDT"},
      {R"({"op":"subscribe","args":["a.b.c.d.e.f.g.h.i.j.k","b","c","d","e","f","g","h","i","j","k"]})",
       spot ? "args size >10" : "error:handler not found,topic:a.b.c.d.e.f.g.h.i.j.k"},
  };
  for (const Hostile& c : cases) {
    SCOPED_TRACE(c.text);
    const auto frames = Client(c.text);
    ASSERT_EQ(frames.size(), c.ret_msg.empty() ? 2u : 1u);  // a success also sends the ticker
    const Frame answer = Read(frames[0]);
    EXPECT_EQ(answer.success, c.ret_msg.empty());
    if (!c.ret_msg.empty()) {
      EXPECT_EQ(answer.ret_msg, c.ret_msg);
    }
    // Our own parser reads every refusal as a venue error.
    const Padded padded(frames[0]);
    core_->OnFrame(padded.view(), 1);
  }
  EXPECT_EQ(core_->counters().parse_errors, 0u);
  EXPECT_EQ(core_->counters().venue_errors, cases.size() - 1);
  // The refused publicTrade.BTCUSDT was not subscribed: a new request for it succeeds.
  const auto frames = Client(R"({"op":"subscribe","args":["publicTrade.BTCUSDT"]})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(Read(frames[0]).success);
  EXPECT_EQ(out_.closes, 0);
}

INSTANTIATE_TEST_SUITE_P(Categories, BybitSessionTest,
                         ::testing::Values(Category::kSpot, Category::kLinear),
                         CategoryTestName);

// ---- REST

class BybitRestTest : public ::testing::TestWithParam<Category> {
 protected:
  net::ServerResponse Get(std::string target) {
    net::ServerRequest request;
    request.method = "GET";
    request.target = std::move(target);
    return dialect_->HandleRest(request, market_);
  }
  std::unique_ptr<StreamDialect> dialect_ = MakeBybitDialect({std::string(CategoryName(GetParam()))});
  FakeMarket market_{DefaultBybitSymbols(CategoryName(GetParam()))};
};

TEST_P(BybitRestTest, InstrumentsInfoGivesTheSymbolsRulesToOurParser) {
  const Category category = GetParam();
  const std::string name(CategoryName(category));
  core::SymbolRegistry registry;
  const auto btc = registry.Add(core::Venue::kBybit, "BTC", "USDT", "BTCUSDT", 8, 8).value();
  const auto eth = registry.Add(core::Venue::kBybit, "ETH", "USDT", "ETHUSDT", 8, 8).value();
  const auto response = Get("/v5/market/instruments-info?category=" + name);
  ASSERT_EQ(response.status, 200);
  const auto info = feeds::bybit::ParseInstrumentsInfo(
      response.body,
      category == Category::kSpot ? feeds::bybit::BybitCategory::kSpot
                                  : feeds::bybit::BybitCategory::kLinear,
      registry);
  ASSERT_TRUE(info.ok()) << info.status().ToString() << "\n" << response.body;
  ASSERT_EQ(info->rules.size(), 2u);
  EXPECT_TRUE(info->skipped.empty());
  EXPECT_FALSE(info->more_pages);
  for (const core::InstrumentRules& rules : info->rules) {
    const SymbolSpec& spec = market_.spec(rules.instrument == btc ? 0 : 1);
    EXPECT_TRUE(rules.instrument == btc || rules.instrument == eth);
    EXPECT_EQ(rules.tick_size.mantissa(), spec.tick_size);
    EXPECT_EQ(rules.lot_size.mantissa(), spec.lot_size);
    EXPECT_EQ(rules.min_quantity.mantissa(), spec.lot_size);
    EXPECT_EQ(rules.max_quantity.mantissa(), spec.max_quantity);
    EXPECT_EQ(rules.min_notional.mantissa(), spec.min_notional);
    EXPECT_EQ(rules.status, core::TradingStatus::kTrading);
  }
  // The category's own shape.
  if (category == Category::kSpot) {
    EXPECT_NE(response.body.find(R"("basePrecision":"0.000001")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("tickSize":"0.1")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("maxLimitOrderQty":"83")"), std::string::npos);
    EXPECT_EQ(response.body.find("nextPageCursor"), std::string::npos);
  } else {
    EXPECT_NE(response.body.find(R"("contractType":"LinearPerpetual")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("qtyStep":"0.001")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("maxOrderQty":"1190.000")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("minNotionalValue":"5")"), std::string::npos);
    EXPECT_NE(response.body.find(R"("nextPageCursor":"")"), std::string::npos);
  }
}

TEST_P(BybitRestTest, FiltersErrorsAndUnknownPaths) {
  const std::string name(CategoryName(GetParam()));
  auto count = [](const std::string& body) {
    dom::parser parser;
    return dom::array(parser.parse(body)["result"]["list"]).size();
  };
  EXPECT_EQ(count(Get("/v5/market/instruments-info?category=" + name + "&symbol=ETHUSDT").body),
            1u);
  // An unknown symbol is an empty list, not an error.
  EXPECT_EQ(count(Get("/v5/market/instruments-info?category=" + name + "&symbol=NOPE").body), 0u);
  EXPECT_EQ(count(Get("/v5/market/instruments-info?category=" + name + "&status=Closed").body),
            0u);
  EXPECT_EQ(count(Get("/v5/market/instruments-info?category=option").body), 0u);
  for (const char* target : {"/v5/market/instruments-info", "/v5/market/instruments-info?category=",
                             "/v5/market/instruments-info?category=SPOT"}) {
    const auto response = Get(target);
    EXPECT_EQ(response.status, 200);
    EXPECT_NE(response.body.find(R"("retCode":10001)"), std::string::npos) << target;
  }
  EXPECT_NE(Get("/v5/market/instruments-info?category=linear&limit=0").body.find("10001"),
            std::string::npos);
  const auto time = Get("/v5/market/time");
  EXPECT_NE(time.body.find(R"("timeSecond":"1700000000")"), std::string::npos) << time.body;
  EXPECT_EQ(Get("/v5/market/tickers?category=spot").status, 404);
  EXPECT_EQ(Get("/v3/public/time").status, 404);
}

INSTANTIATE_TEST_SUITE_P(Categories, BybitRestTest,
                         ::testing::Values(Category::kSpot, Category::kLinear),
                         CategoryTestName);

TEST(BybitDialect, PathsFaultsAndCategories) {
  auto spot = MakeBybitDialect({"spot"});
  auto linear = MakeBybitDialect({"linear"});
  ASSERT_TRUE(spot && linear);
  EXPECT_EQ(MakeBybitDialect({"inverse"}), nullptr);
  EXPECT_EQ(spot->ws_path(), "/v5/public/spot");
  EXPECT_EQ(linear->ws_path(), "/v5/public/linear");
  EXPECT_TRUE(spot->AcceptsWebSocket("/v5/public/spot"));
  EXPECT_FALSE(spot->AcceptsWebSocket("/v5/public/linear"));
  EXPECT_FALSE(spot->AcceptsWebSocket("/v5/public/spot/x"));
  EXPECT_EQ(spot->venue_name(), "bybit");
  EXPECT_TRUE(spot->can_skip_update());
  EXPECT_TRUE(spot->has_sequence_reset());
  EXPECT_FALSE(spot->has_checksum());
  EXPECT_TRUE(DefaultBybitSymbols("inverse").empty());
  EXPECT_EQ(DefaultBybitSymbols("spot").size(), 2u);
}

}  // namespace
}  // namespace tradingd::sim::bybit
