// The sandbox Kraken venue without sockets: its wire formats (the checksum against every checksum
// of the real v2 capture, number and time texts, shapes read by OUR parser), and a session driven
// message by message over a synthetic market, its output fed into the daemon's own Kraken core
// (KrakenMarketData), so that what the sim writes is checked by the code that reads production.

#include "sim/kraken/kraken_sim.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/parse_error.h"
#include "feeds/kraken/kraken_feed.h"
#include "feeds/kraken/kraken_market_data.h"
#include "feeds/kraken/kraken_parser.h"
#include "net/http_server.h"
#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/kraken/kraken_wire.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::kraken {
namespace {

namespace od = simdjson::ondemand;
using feeds::kraken::KrakenMarketData;
using feeds::kraken::KrakenMessage;
using feeds::kraken::KrakenMessageKind;
using feeds::kraken::KrakenParser;
using feeds::testing::MirrorSink;
using feeds::testing::Padded;

// ---- the wire ----

struct FixtureBook {
  std::vector<BookLevel> bids, asks;
  std::uint32_t checksum = 0;
};

std::string_view Trimmed(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t' || token.back() == ',')) {
    token.remove_suffix(1);
  }
  return token;
}

// [{"price":n,"qty":n},..] from the number texts, exactly.
bool ReadFixtureLevels(od::value value, std::vector<BookLevel>* out) {
  od::array array;
  if (value.get_array().get(array)) return false;
  for (auto element : array) {
    od::object level;
    if (element.get_object().get(level)) return false;
    BookLevel parsed;
    for (auto field : level) {
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      const std::string_view text = Trimmed(field.value().raw_json_token());
      std::int64_t* target = key == "price" ? &parsed.price : &parsed.quantity;
      if (!feeds::ParseNumberText(text, kSimScale, target)) return false;
    }
    out->push_back(parsed);
  }
  return true;
}

// One {"channel":"book",..,"data":[{..}]} message of the capture.
bool ReadFixtureBook(od::value value, FixtureBook* out) {
  od::object message;
  if (value.get_object().get(message)) return false;
  for (auto field : message) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    if (key != "data") continue;
    od::array data;
    if (field.value().get_array().get(data)) return false;
    for (auto element : data) {
      od::object book;
      if (element.get_object().get(book)) return false;
      for (auto book_field : book) {
        std::string_view name;
        if (book_field.unescaped_key().get(name)) return false;
        if (name == "bids" && !ReadFixtureLevels(book_field.value(), &out->bids)) return false;
        if (name == "asks" && !ReadFixtureLevels(book_field.value(), &out->asks)) return false;
        if (name == "checksum") {
          std::uint64_t checksum = 0;
          if (book_field.value().get_uint64().get(checksum)) return false;
          out->checksum = static_cast<std::uint32_t>(checksum);
        }
      }
    }
  }
  return true;
}

// A client book as Kraken's guide keeps it: apply every level, then truncate to the depth.
struct GuideBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;

  template <typename Map>
  static void Apply(Map& side, const std::vector<BookLevel>& levels, std::size_t depth) {
    for (const BookLevel& level : levels) {
      if (level.quantity == 0) {
        side.erase(level.price);
      } else {
        side[level.price] = level.quantity;
      }
    }
    while (side.size() > depth) side.erase(std::prev(side.end()));
  }
  void Apply(const FixtureBook& message, std::size_t depth) {
    Apply(bids, message.bids, depth);
    Apply(asks, message.asks, depth);
  }
  std::uint32_t Checksum(KrakenPrecision precision) const {
    std::vector<BookLevel> b, a;
    for (auto [price, quantity] : bids) b.push_back({price, quantity});
    for (auto [price, quantity] : asks) a.push_back({price, quantity});
    return BookChecksum(b, a, precision);
  }
};

TEST(KrakenWireTest, ChecksumReproducesEveryChecksumOfTheLiveV2Capture) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/orderbook-v2.json");
  simdjson::padded_string json;
  ASSERT_EQ(simdjson::padded_string::load(path.string()).get(json), simdjson::SUCCESS);
  od::parser parser;
  od::document doc;
  ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
  od::object root;
  ASSERT_EQ(doc.get_object().get(root), simdjson::SUCCESS);
  // BTC/USD: pair_decimals 1, lot_decimals 8 (the capture lost the trailing zeros, so the numbers
  // must be written at these precisions for the checksums to match).
  const KrakenPrecision precision{1, 8};
  GuideBook book;
  int messages = 0, matched = 0;
  for (auto field : root) {
    std::string_view key;
    ASSERT_EQ(field.unescaped_key().get(key), simdjson::SUCCESS);
    if (key == "init") {
      FixtureBook snapshot;
      ASSERT_TRUE(ReadFixtureBook(field.value(), &snapshot));
      ASSERT_EQ(snapshot.bids.size(), 10u);
      EXPECT_EQ(snapshot.checksum, 2785033588u);
      book.Apply(snapshot, 10);
      ++messages;
      matched += book.Checksum(precision) == snapshot.checksum ? 1 : 0;
    } else if (key == "updates") {
      od::array updates;
      ASSERT_EQ(field.value().get_array().get(updates), simdjson::SUCCESS);
      for (auto element : updates) {
        FixtureBook update;
        ASSERT_TRUE(ReadFixtureBook(element.value(), &update)) << "update " << messages;
        book.Apply(update, 10);
        ++messages;
        const std::uint32_t mine = book.Checksum(precision);
        EXPECT_EQ(mine, update.checksum) << "update " << messages - 1;
        matched += mine == update.checksum ? 1 : 0;
      }
    }
  }
  EXPECT_EQ(messages, 510);
  EXPECT_EQ(matched, 510);
  // Written without the pair's precision (the capture's own texts: "4.0"), they would not match.
  EXPECT_NE(book.Checksum({1, 1}), book.Checksum(precision));
}

TEST(KrakenWireTest, NumbersKeepThePairsFullPrecisionAndTimesHaveMicroseconds) {
  std::string out;
  AppendNumber(out, 0, 8);
  EXPECT_EQ(out, "0.00000000");
  out.clear();
  AppendNumber(out, 179'730'000'000, 2);  // ETH/USD, live: "1797.30"
  EXPECT_EQ(out, "1797.30");
  out.clear();
  AppendNumber(out, 6'280'700'000'000, 1);  // BTC/USD, live: "62807.0"
  EXPECT_EQ(out, "62807.0");
  EXPECT_EQ(Rfc3339Micros(1'690'730'998'343'415'123), "2023-07-30T15:29:58.343415Z");
  EXPECT_EQ(Rfc3339Micros(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(Rfc3339Micros(951'782'400'000'000'000), "2000-02-29T00:00:00.000000Z");

  const std::vector<SymbolSpec> specs = DefaultKrakenSymbols();
  EXPECT_EQ(PrecisionOf(specs[0]).price, 1);
  EXPECT_EQ(PrecisionOf(specs[0]).quantity, 8);
  EXPECT_EQ(PrecisionOf(specs[1]).price, 2);
}

// ---- a session over a synthetic market ----

class FakeMarket final : public StreamMarket {
 public:
  explicit FakeMarket(std::vector<SymbolSpec> specs, std::uint64_t seed = 7)
      : specs_(std::move(specs)) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      books_.push_back(
          std::make_unique<SyntheticMarket>(specs_[i], MixSeed(seed, i), 1'000'000, 10'000'000));
    }
  }
  std::size_t symbol_count() const override { return specs_.size(); }
  const SymbolSpec& spec(std::size_t symbol) const override { return specs_[symbol]; }
  const SyntheticMarket& book(std::size_t symbol) const override { return *books_[symbol]; }
  std::optional<std::size_t> Find(std::string_view venue_symbol) const override {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].symbol == venue_symbol) return i;
    }
    return std::nullopt;
  }
  std::int64_t now_ns() const override { return now_ns_; }
  bool replay() const override { return false; }

  SyntheticMarket& mutable_book(std::size_t symbol) { return *books_[symbol]; }
  void Tick() { now_ns_ += 100'000'000; }

 private:
  std::vector<SymbolSpec> specs_;
  std::vector<std::unique_ptr<SyntheticMarket>> books_;
  std::int64_t now_ns_ = 1'690'730'998'343'415'000;
};

// Makes BookCuts the way StreamSim does: a symbol's changes since its previous cut, final
// quantities best first, the trades, the new top.
class Cutter final : public MarketListener {
 public:
  const BookCut& Cut(FakeMarket& market, std::size_t symbol, int steps) {
    changes_.clear();
    trades_.clear();
    const TopOfBook before = market.book(symbol).top();
    const std::uint64_t first = market.book(symbol).last_update_id() + 1;
    for (int i = 0; i < steps; ++i) market.mutable_book(symbol).Step(*this);
    bids_.clear();
    asks_.clear();
    for (const auto& [key, quantity] : changes_) {
      (key.first == Side::kBid ? bids_ : asks_).push_back({key.second, quantity});
    }
    std::sort(bids_.begin(), bids_.end(), [](auto& a, auto& b) { return a.price > b.price; });
    std::sort(asks_.begin(), asks_.end(), [](auto& a, auto& b) { return a.price < b.price; });
    cut_ = BookCut{};
    cut_.symbol = symbol;
    cut_.bids = bids_;
    cut_.asks = asks_;
    cut_.first_update_id = steps > 0 ? first : 0;
    cut_.last_update_id = market.book(symbol).last_update_id();
    cut_.trades = trades_;
    cut_.top = market.book(symbol).top();
    cut_.top_changed = !(cut_.top == before);
    market.Tick();
    return cut_;
  }

  void OnTrade(const TradePrint& trade) override { trades_.push_back(trade); }
  void OnLevelChange(const LevelChange& change) override {
    changes_[{change.side, change.price}] = change.quantity;
  }

 private:
  std::map<std::pair<Side, std::int64_t>, std::int64_t> changes_;
  std::vector<TradePrint> trades_;
  std::vector<BookLevel> bids_, asks_;
  BookCut cut_;
};

class Capture final : public StreamOutput {
 public:
  void Send(std::string text) override { messages.push_back(std::move(text)); }
  void Close() override { ++closes; }
  std::vector<std::string> Take() { return std::exchange(messages, {}); }

  std::vector<std::string> messages;
  int closes = 0;
};

// The daemon's Kraken core, reading what the session writes.
struct CoreClient {
  explicit CoreClient(std::size_t depth) {
    btc = *registry.Add(core::Venue::kKraken, "BTC", "USD");
    eth = *registry.Add(core::Venue::kKraken, "ETH", "USD");
    feeds::kraken::KrakenMarketDataOptions options;
    options.book_depth = depth;
    md = std::make_unique<KrakenMarketData>(
        registry, sink, [this](core::InstrumentId id) { resyncs.push_back(id); }, options);
  }
  void Feed(const std::vector<std::string>& messages) {
    for (const std::string& message : messages) {
      const Padded padded(message);
      md->OnFrame(padded.view(), 0);
    }
  }

  core::SymbolRegistry registry;
  core::InstrumentId btc = core::kNoInstrument;
  core::InstrumentId eth = core::kNoInstrument;
  MirrorSink sink;
  std::vector<core::InstrumentId> resyncs;
  std::unique_ptr<KrakenMarketData> md;
};

void ExpectSameBook(const MirrorSink::Book& book, const BookLevels& venue) {
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

simdjson::dom::element Json(simdjson::dom::parser& parser, const std::string& text) {
  simdjson::dom::element element;
  EXPECT_EQ(parser.parse(text).get(element), simdjson::SUCCESS) << text;
  return element;
}

std::string_view StringField(simdjson::dom::element element, std::string_view key) {
  std::string_view value;
  if (element[key].get(value) != simdjson::SUCCESS) return {};
  return value;
}

class KrakenSessionTest : public ::testing::Test {
 protected:
  KrakenSessionTest() : market_(DefaultKrakenSymbols()), dialect_(MakeKrakenDialect()) {
    session_ = dialect_->NewSession("/v2", market_);
    session_->OnOpen(out_);
  }

  std::vector<std::string> Request(std::string_view text) {
    out_.Take();
    session_->OnClientText(text, out_);
    return out_.Take();
  }

  // One cut of every symbol, delivered to the session; what it sent.
  std::vector<std::string> CutAll(int steps = 20) {
    for (std::size_t symbol = 0; symbol < market_.symbol_count(); ++symbol) {
      session_->OnBookCut(cutter_.Cut(market_, symbol, steps), out_);
    }
    return out_.Take();
  }

  std::string Subscribe(std::string_view channel, std::string_view extra = {},
                        std::string_view symbols = R"(["BTC/USD","ETH/USD"])") {
    return std::string(R"({"method":"subscribe","params":{"channel":")") + std::string(channel) +
           R"(","symbol":)" + std::string(symbols) + std::string(extra) + R"(},"req_id":7})";
  }

  FakeMarket market_;
  std::unique_ptr<StreamDialect> dialect_;
  std::unique_ptr<StreamSession> session_;
  Capture out_;
  Cutter cutter_;
  simdjson::dom::parser parser_;
};

TEST_F(KrakenSessionTest, GreetsWithTheStatusAndHasKrakensFaultsAndHeartbeat) {
  ASSERT_EQ(out_.messages.size(), 1u);
  const std::string& status = out_.messages[0];
  EXPECT_EQ(status.rfind(R"({"channel":"status","type":"update","data":[{"version":)", 0), 0u)
      << status;
  // connection_id beyond int64, as Kraken's: read as uint64.
  std::uint64_t connection_id = 0;
  ASSERT_EQ(Json(parser_, status)["data"].at(0)["connection_id"].get(connection_id),
            simdjson::SUCCESS);
  EXPECT_GT(connection_id, static_cast<std::uint64_t>(INT64_MAX));
  CoreClient client(10);
  client.Feed(out_.Take());
  EXPECT_EQ(client.md->counters().other, 1u);  // the status
  EXPECT_EQ(client.md->counters().parse_errors, 0u);

  EXPECT_EQ(dialect_->ws_path(), "/v2");
  EXPECT_TRUE(dialect_->AcceptsWebSocket("/v2"));
  EXPECT_FALSE(dialect_->AcceptsWebSocket("/ws"));
  EXPECT_TRUE(dialect_->can_skip_update());
  EXPECT_TRUE(dialect_->has_checksum());
  EXPECT_FALSE(dialect_->has_sequence_reset());
  EXPECT_EQ(dialect_->heartbeat_interval(), std::chrono::milliseconds(1000));
  EXPECT_EQ(dialect_->venue_name(), "kraken");
}

TEST_F(KrakenSessionTest, SubscribeAcksEachSymbolWithReqIdThenSendsItsSnapshot) {
  const auto replies = Request(Subscribe("book", R"(,"depth":25,"snapshot":true)"));
  ASSERT_EQ(replies.size(), 4u);
  for (int i = 0; i < 2; ++i) {
    const std::string symbol = i == 0 ? "BTC/USD" : "ETH/USD";
    auto ack = Json(parser_, replies[2 * i]);
    EXPECT_EQ(StringField(ack, "method"), "subscribe");
    bool success = false;
    ASSERT_EQ(ack["success"].get(success), simdjson::SUCCESS);
    EXPECT_TRUE(success);
    std::int64_t req_id = 0, depth = 0;
    ASSERT_EQ(ack["req_id"].get(req_id), simdjson::SUCCESS);
    EXPECT_EQ(req_id, 7);
    ASSERT_EQ(ack["result"]["depth"].get(depth), simdjson::SUCCESS);
    EXPECT_EQ(depth, 25);
    EXPECT_EQ(StringField(ack["result"], "symbol"), symbol);
    EXPECT_EQ(StringField(ack["result"], "channel"), "book");
    EXPECT_FALSE(StringField(ack, "time_in").empty());

    auto snapshot = Json(parser_, replies[2 * i + 1]);
    EXPECT_EQ(StringField(snapshot, "type"), "snapshot");
    simdjson::dom::array bids, asks;
    ASSERT_EQ(snapshot["data"].at(0)["bids"].get(bids), simdjson::SUCCESS);
    ASSERT_EQ(snapshot["data"].at(0)["asks"].get(asks), simdjson::SUCCESS);
    EXPECT_EQ(bids.size(), 25u);
    EXPECT_EQ(asks.size(), 25u);
    EXPECT_FALSE(StringField(snapshot["data"].at(0), "timestamp").empty());
  }
  // Our own parser reads both snapshots and their checksums match.
  CoreClient client(25);
  client.Feed(replies);
  EXPECT_EQ(client.md->counters().book_snapshots, 2u);
  EXPECT_EQ(client.md->counters().checksum_ok, 2u);
  EXPECT_EQ(client.md->book_state(client.btc), core::BookState::kLive);
  EXPECT_EQ(client.md->book_state(client.eth), core::BookState::kLive);
  ExpectSameBook(client.sink.books[client.btc], market_.book(0).Levels(25));
}

// The book the core builds from the session's snapshot and updates equals the venue's book at the
// subscribed depth after every cut, although levels pushed beyond the depth get no delete.
void RunBookSync(FakeMarket& market, StreamSession& session, Capture& out, Cutter& cutter,
                 std::size_t depth) {
  CoreClient client(depth);
  out.Take();
  session.OnClientText(R"({"method":"subscribe","params":{"channel":"book","symbol":["BTC/USD",)"
                       R"("ETH/USD"],"depth":)" +
                           std::to_string(depth) + "}}",
                       out);
  client.Feed(out.Take());
  KrakenParser parser(client.registry);
  int pushed_out = 0, deletes = 0, updates = 0;
  for (int round = 0; round < 300; ++round) {
    for (std::size_t symbol = 0; symbol < 2; ++symbol) {
      const BookLevels before = market.book(symbol).Levels(depth);
      session.OnBookCut(cutter.Cut(market, symbol, 25), out);
      const BookLevels after = market.book(symbol).Levels(depth);
      for (const BookLevel& level : before.bids) {
        const bool in_view =
            std::any_of(after.bids.begin(), after.bids.end(),
                        [&](const BookLevel& l) { return l.price == level.price; });
        if (!in_view && market.book(symbol).bids().count(level.price) != 0) ++pushed_out;
      }
      const std::vector<std::string> messages = out.Take();
      for (const std::string& message : messages) {
        const Padded padded(message);
        KrakenMessage parsed;
        ASSERT_EQ(parser.Parse(padded.view(), &parsed), feeds::FeedParseError::kOk) << message;
        if (parsed.kind != KrakenMessageKind::kBookUpdate) continue;
        ++updates;
        // A delete is only ever sent for a level that is gone from the venue's book.
        for (const auto& level : parsed.book.bids) {
          if (!level.quantity.is_zero()) continue;
          ++deletes;
          EXPECT_EQ(market.book(symbol).bids().count(level.price.mantissa()), 0u);
        }
        for (const auto& level : parsed.book.asks) {
          if (!level.quantity.is_zero()) continue;
          ++deletes;
          EXPECT_EQ(market.book(symbol).asks().count(level.price.mantissa()), 0u);
        }
      }
      client.Feed(messages);
      const core::InstrumentId id = symbol == 0 ? client.btc : client.eth;
      ASSERT_EQ(client.md->book_state(id), core::BookState::kLive) << "round " << round;
      ExpectSameBook(client.sink.books[id], after);
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  EXPECT_EQ(client.md->counters().checksum_failed, 0u);
  EXPECT_EQ(client.md->counters().checksum_ok,
            client.md->counters().book_snapshots + client.md->counters().book_updates);
  EXPECT_EQ(client.md->counters().parse_errors, 0u);
  EXPECT_GT(updates, 100);
  EXPECT_GT(deletes, 0);
  EXPECT_GT(pushed_out, 0) << "the run never pushed a level out of the view";
  EXPECT_TRUE(client.resyncs.empty());
}

TEST_F(KrakenSessionTest, BookAtDepth10StaysEqualToTheVenuesAfterEveryCut) {
  RunBookSync(market_, *session_, out_, cutter_, 10);
}

TEST_F(KrakenSessionTest, BookAtDepth25StaysEqualToTheVenuesAfterEveryCut) {
  RunBookSync(market_, *session_, out_, cutter_, 25);
}

TEST_F(KrakenSessionTest, TickerFollowsTheTopAndTradesCarryTheTakersSide) {
  auto replies = Request(Subscribe("ticker", R"(,"event_trigger":"bbo")"));
  ASSERT_EQ(replies.size(), 4u);  // ack + snapshot per symbol
  EXPECT_EQ(StringField(Json(parser_, replies[0])["result"], "event_trigger"), "bbo");
  EXPECT_EQ(StringField(Json(parser_, replies[1]), "type"), "snapshot");
  replies = Request(Subscribe("trade", R"(,"snapshot":false)"));
  ASSERT_EQ(replies.size(), 2u);  // acks only
  bool snapshot = true;
  ASSERT_EQ(Json(parser_, replies[0])["result"]["snapshot"].get(snapshot), simdjson::SUCCESS);
  EXPECT_FALSE(snapshot);

  CoreClient client(10);
  KrakenParser parser(client.registry);
  int tickers = 0, top_changes = 0, trades = 0, buys = 0, sells = 0;
  for (int round = 0; round < 200; ++round) {
    const BookCut& cut = cutter_.Cut(market_, 0, 20);
    const std::vector<TradePrint> printed(cut.trades.begin(), cut.trades.end());
    top_changes += cut.top_changed ? 1 : 0;
    session_->OnBookCut(cut, out_);
    std::size_t trade_index = 0;
    for (const std::string& message : out_.Take()) {
      const Padded padded(message);
      KrakenMessage parsed;
      ASSERT_EQ(parser.Parse(padded.view(), &parsed), feeds::FeedParseError::kOk) << message;
      if (parsed.kind == KrakenMessageKind::kTicker) {
        ++tickers;
        const TopOfBook top = market_.book(0).top();
        EXPECT_EQ(parsed.ticker.bid_price.mantissa(), top.bid_price);
        EXPECT_EQ(parsed.ticker.bid_quantity.mantissa(), top.bid_quantity);
        EXPECT_EQ(parsed.ticker.ask_price.mantissa(), top.ask_price);
        EXPECT_EQ(parsed.ticker.ask_quantity.mantissa(), top.ask_quantity);
      } else if (parsed.kind == KrakenMessageKind::kTrade) {
        for (const auto& trade : parsed.trades) {
          ASSERT_LT(trade_index, printed.size());
          const TradePrint& print = printed[trade_index++];
          ++trades;
          // The buyer was the maker: a seller took the bid.
          EXPECT_EQ(trade.aggressor, print.buyer_is_maker ? core::Side::kSell : core::Side::kBuy);
          (trade.aggressor == core::Side::kBuy ? buys : sells) += 1;
          EXPECT_EQ(trade.trade_id, print.trade_id);
          EXPECT_EQ(trade.price.mantissa(), print.price);
          EXPECT_EQ(trade.quantity.mantissa(), print.quantity);
        }
      }
    }
    EXPECT_EQ(trade_index, printed.size());
  }
  EXPECT_EQ(tickers, top_changes);
  EXPECT_GT(tickers, 10);
  EXPECT_GT(buys, 0);
  EXPECT_GT(sells, 0);
  EXPECT_GT(trades, 0);
}

TEST_F(KrakenSessionTest, HeartbeatOnlyToASubscribedIdleClient) {
  out_.Take();
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty()) << "nothing subscribed: no heartbeat";
  EXPECT_FALSE(session_->subscribed());
  Request(Subscribe("trade", R"(,"snapshot":false)", R"(["BTC/USD"])"));
  EXPECT_TRUE(session_->subscribed());
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty()) << "the ack went out since the previous heartbeat";
  session_->OnHeartbeat(out_);
  auto beats = out_.Take();
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0], R"({"channel":"heartbeat"})");
  CoreClient client(10);
  client.Feed(beats);
  EXPECT_EQ(client.md->counters().heartbeat, 1u);
  Request(R"({"method":"ping"})");
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty()) << "the pong went out since the previous heartbeat";
  Request(R"({"method":"unsubscribe","params":{"channel":"trade","symbol":["BTC/USD"]}})");
  EXPECT_FALSE(session_->subscribed());
  session_->OnHeartbeat(out_);
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty());
}

TEST_F(KrakenSessionTest, PingGetsPongWithReqId) {
  auto replies = Request(R"({"method":"ping","req_id":101})");
  ASSERT_EQ(replies.size(), 1u);
  auto pong = Json(parser_, replies[0]);
  EXPECT_EQ(StringField(pong, "method"), "pong");
  std::int64_t req_id = 0;
  ASSERT_EQ(pong["req_id"].get(req_id), simdjson::SUCCESS);
  EXPECT_EQ(req_id, 101);
  CoreClient client(10);
  KrakenParser parser(client.registry);
  const Padded padded(replies[0]);
  KrakenMessage parsed;
  ASSERT_EQ(parser.Parse(padded.view(), &parsed), feeds::FeedParseError::kOk);
  EXPECT_EQ(parsed.kind, KrakenMessageKind::kPong);
}

struct ErrorCase {
  std::string request;
  std::string error;   // the expected "error" text
  std::string symbol;  // the expected "symbol", empty: none
};

TEST_F(KrakenSessionTest, BadRequestsGetKrakensErrorsAndTheSessionGoesOn) {
  const std::vector<ErrorCase> cases = {
      {Subscribe("book", {}, R"(["BTC/XYZ"])"), "Currency pair not supported BTC/XYZ", "BTC/XYZ"},
      {Subscribe("book", R"(,"depth":27)"), "Subscription depth not supported", ""},
      {Subscribe("candles"), "Unsupported field: 'channel' for the given msg type: subscribe", ""},
      {Subscribe("trade", R"(,"depth":10)"),
       "Unsupported field: 'depth' for the given msg type: subscribe", ""},
      {R"({"method":"ping","params":{}})",
       "Unsupported field: 'params' for the given msg type: ping", ""},
      {R"({"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"]}})",
       "Subscription Not Found", "BTC/USD"},
      {R"({"method":"subscribe","params":{"channel":"book"}})",
       "Missing field: 'symbol' for the given msg type: subscribe", ""},
      {R"({"method":"subscribe"})", "Missing field: 'params' for the given msg type: subscribe",
       ""},
      {R"({"method":"fly"})", "Method not found", ""},
      {R"({"params":{}})", "Missing field: 'method'", ""},
      // Wrong types.
      {R"({"method":5})", "Method field must be a string", ""},
      {R"({"method":"ping","req_id":"one"})", "Req_id field must be a number_integer", ""},
      {Subscribe("book", {}, R"("BTC/USD")"), "Symbol field must be a non-empty array of strings",
       ""},
      {Subscribe("book", {}, R"([])"), "Symbol field must be a non-empty array of strings", ""},
      {Subscribe("book", {}, R"([42])"), "Symbol field must be a non-empty array of strings", ""},
      {Subscribe("book", R"(,"depth":"10")"), "Depth field must be a number_integer", ""},
      {Subscribe("book", R"(,"snapshot":"yes")"), "Snapshot field must be a boolean", ""},
      {Subscribe("ticker", R"(,"event_trigger":"always")"),
       "Event_trigger field must be a string: bbo or trades", ""},
      // Not JSON, not an object, truncated, not UTF-8, empty.
      {"{\"method\":\"subscribe\",\"params\":{\"channel\":\"bo", "Malformed request", ""},
      {"[1,2,3]", "Malformed request", ""},
      {"\"ping\"", "Malformed request", ""},
      {"{\"method\":\"ping\",\"req_id\":1,\"x\":\"\xff\xfe\"}", "Malformed request", ""},
      {"", "Malformed request", ""},
      {std::string(100000, '['), "Malformed request", ""},
  };
  CoreClient client(10);
  std::uint64_t with_method = 0;
  for (const ErrorCase& c : cases) {
    const auto replies = Request(c.request);
    ASSERT_EQ(replies.size(), 1u) << c.request;
    auto reply = Json(parser_, replies[0]);
    bool success = true;
    ASSERT_EQ(reply["success"].get(success), simdjson::SUCCESS) << replies[0];
    EXPECT_FALSE(success) << replies[0];
    EXPECT_EQ(StringField(reply, "error"), c.error) << c.request.substr(0, 80);
    EXPECT_EQ(StringField(reply, "symbol"), c.symbol) << c.request.substr(0, 80);
    EXPECT_FALSE(StringField(reply, "time_out").empty());
    with_method += StringField(reply, "method").empty() ? 0 : 1;
    client.Feed(replies);
  }
  // Our parser reads every error that names its method as a venue error (one too broken to have a
  // method is a message it does not consume), and none as unparseable.
  EXPECT_EQ(client.md->counters().venue_errors, with_method);
  EXPECT_GE(with_method, 15u);
  EXPECT_EQ(client.md->counters().parse_errors, 0u);
  EXPECT_EQ(out_.closes, 0);

  // One bad symbol does not cost the good one; a second subscribe is refused; the session serves.
  auto replies = Request(Subscribe("book", {}, R"(["BTC/USD","BTC/XYZ"])"));
  ASSERT_EQ(replies.size(), 3u);  // ack, snapshot, error
  EXPECT_EQ(StringField(Json(parser_, replies[0]), "method"), "subscribe");
  EXPECT_EQ(StringField(Json(parser_, replies[1]), "channel"), "book");
  EXPECT_EQ(StringField(Json(parser_, replies[2]), "error"), "Currency pair not supported BTC/XYZ");
  replies = Request(Subscribe("book", {}, R"(["BTC/USD"])"));
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(StringField(Json(parser_, replies[0]), "error"), "Already subscribed");
  replies = Request(R"({"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],)"
                    R"("depth":25}})");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(StringField(Json(parser_, replies[0]), "error"), "Subscription Not Found")
      << "subscribed at depth 10, not 25";
  replies = Request(R"({"method":"unsubscribe","params":{"channel":"book","symbol":["BTC/USD"],)"
                    R"("depth":10},"req_id":9})");
  ASSERT_EQ(replies.size(), 1u);
  auto ack = Json(parser_, replies[0]);
  EXPECT_EQ(StringField(ack, "method"), "unsubscribe");
  std::int64_t depth = 0;
  ASSERT_EQ(ack["result"]["depth"].get(depth), simdjson::SUCCESS);
  EXPECT_EQ(depth, 10);
  EXPECT_EQ(Request(R"({"method":"ping","req_id":2})").size(), 1u);
}

// The feed's own resubscribe messages bring a book that lost an update back.
void Resubscribe(StreamSession& session, Capture& out, CoreClient& client, core::InstrumentId id) {
  const auto make = feeds::kraken::KrakenProtocolFactory({});
  feeds::testing::RecordingSink unused_sink;
  const feeds::VenueProtocolContext context{client.registry, unused_sink,
                                            [](core::InstrumentId) {}};
  const auto protocol = make(context);
  for (const std::string& message : protocol->ResubscribeBook(client.registry.Get(id))) {
    session.OnClientText(message, out);
  }
  client.Feed(out.Take());
}

TEST_F(KrakenSessionTest, SkippedUpdateShowsInTheNextChecksumAndResubscribingHeals) {
  CoreClient client(10);
  out_.Take();
  session_->OnClientText(Subscribe("book", R"(,"depth":10)"), out_);
  client.Feed(out_.Take());
  ASSERT_EQ(client.md->book_state(client.btc), core::BookState::kLive);
  session_->SkipUpdate(0);
  bool stale = false;
  for (int round = 0; round < 50 && !stale; ++round) {
    client.Feed(CutAll(25));
    stale = client.md->book_state(client.btc) != core::BookState::kLive;
  }
  ASSERT_TRUE(stale) << "the lost update never showed";
  EXPECT_EQ(client.md->counters().checksum_failed, 1u);
  ASSERT_FALSE(client.sink.statuses.empty());
  const core::BookStatus& status = client.sink.statuses.back();
  EXPECT_EQ(status.instrument, client.btc);
  EXPECT_EQ(status.reason, core::BookReason::kChecksum);
  ASSERT_EQ(client.resyncs.size(), 1u);
  EXPECT_EQ(client.resyncs[0], client.btc);
  EXPECT_EQ(client.md->book_state(client.eth), core::BookState::kLive) << "ETH/USD lost nothing";

  Resubscribe(*session_, out_, client, client.btc);
  ASSERT_EQ(client.md->book_state(client.btc), core::BookState::kLive);
  for (int round = 0; round < 20; ++round) client.Feed(CutAll(25));
  EXPECT_EQ(client.md->book_state(client.btc), core::BookState::kLive);
  ExpectSameBook(client.sink.books[client.btc], market_.book(0).Levels(10));
  ExpectSameBook(client.sink.books[client.eth], market_.book(1).Levels(10));
  EXPECT_EQ(client.md->counters().checksum_failed, 1u);
}

TEST_F(KrakenSessionTest, CorruptChecksumFailsTheVeryNextUpdate) {
  CoreClient client(10);
  out_.Take();
  session_->OnClientText(Subscribe("book", R"(,"depth":10)"), out_);
  client.Feed(out_.Take());
  session_->CorruptChecksum(1);
  // The next update of ETH/USD carries the wrong checksum; the book goes STALE on it.
  std::uint64_t updates_before = 0;
  bool stale = false;
  for (int round = 0; round < 50 && !stale; ++round) {
    updates_before = client.md->counters().book_updates;
    client.Feed(CutAll(25));
    stale = client.md->book_state(client.eth) != core::BookState::kLive;
  }
  ASSERT_TRUE(stale);
  EXPECT_EQ(client.md->counters().checksum_failed, 1u);
  EXPECT_EQ(client.sink.statuses.back().reason, core::BookReason::kChecksum);
  EXPECT_EQ(client.md->book_state(client.btc), core::BookState::kLive);
  // Only BTC/USD's updates were applied in the round that failed ETH/USD's first one.
  EXPECT_LE(client.md->counters().book_updates - updates_before, 1u);
  Resubscribe(*session_, out_, client, client.eth);
  EXPECT_EQ(client.md->book_state(client.eth), core::BookState::kLive);
  ExpectSameBook(client.sink.books[client.eth], market_.book(1).Levels(10));
}

TEST_F(KrakenSessionTest, AssetPairsHasKrakensShapeAndOurRulesParserReadsIt) {
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kKraken, "BTC", "USD");
  const auto eth = *registry.Add(core::Venue::kKraken, "ETH", "USD");
  net::ServerRequest request;
  request.method = "GET";
  request.target = "/0/public/AssetPairs?pair=BTC/USD,ETH/USD";
  net::ServerResponse response = dialect_->HandleRest(request, market_);
  EXPECT_EQ(response.status, 200);
  auto body = Json(parser_, response.body);
  simdjson::dom::object result;
  ASSERT_EQ(body["result"].get(result), simdjson::SUCCESS);
  EXPECT_EQ(StringField(body["result"]["XXBTZUSD"], "wsname"), "XBT/USD");
  EXPECT_EQ(StringField(body["result"]["XXBTZUSD"], "altname"), "XBTUSD");
  EXPECT_EQ(StringField(body["result"]["XXBTZUSD"], "ordermin"), "0.00005");
  EXPECT_EQ(StringField(body["result"]["XXBTZUSD"], "costmin"), "0.5");
  EXPECT_EQ(StringField(body["result"]["XXBTZUSD"], "tick_size"), "0.1");
  EXPECT_EQ(StringField(body["result"]["XETHZUSD"], "tick_size"), "0.01");
  const auto parsed = feeds::kraken::ParseAssetPairs(response.body, registry);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->pairs.size(), 2u);
  EXPECT_TRUE(parsed->errors.empty());
  const auto& btc_rules =
      parsed->pairs[0].rules.instrument == btc ? parsed->pairs[0] : parsed->pairs[1];
  EXPECT_EQ(btc_rules.rules.instrument, btc);
  EXPECT_EQ(btc_rules.price_decimals, 1);
  EXPECT_EQ(btc_rules.quantity_decimals, 8);
  EXPECT_EQ(btc_rules.rules.tick_size.mantissa(), 10'000'000);
  EXPECT_EQ(btc_rules.rules.lot_size.mantissa(), 1);
  EXPECT_EQ(btc_rules.rules.min_quantity.mantissa(), 5'000);
  EXPECT_EQ(btc_rules.rules.min_notional.mantissa(), 50'000'000);
  EXPECT_EQ(btc_rules.rules.status, core::TradingStatus::kTrading);
  (void)eth;

  // Altnames and pair keys name the same pairs; no pair: all of them.
  request.target = "/0/public/AssetPairs?pair=XBTUSD,xethzusd";
  response = dialect_->HandleRest(request, market_);
  simdjson::dom::object both;
  ASSERT_EQ(Json(parser_, response.body)["result"].get(both), simdjson::SUCCESS);
  EXPECT_EQ(both.size(), 2u);
  request.target = "/0/public/AssetPairs";
  response = dialect_->HandleRest(request, market_);
  ASSERT_EQ(Json(parser_, response.body)["result"].get(both), simdjson::SUCCESS);
  EXPECT_EQ(both.size(), 2u);

  // One unknown pair fails the whole request, with HTTP 200, as Kraken does.
  request.target = "/0/public/AssetPairs?pair=BTC/USD,DOGE/XYZ";
  response = dialect_->HandleRest(request, market_);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"error":["EQuery:Unknown asset pair"]})");
  const auto refused = feeds::kraken::ParseAssetPairs(response.body, registry);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("EQuery:Unknown asset pair"), std::string::npos);

  request.target = "/0/public/Depth?pair=BTC/USD";
  response = dialect_->HandleRest(request, market_);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":["EGeneral:Unknown method"]})");
}

}  // namespace
}  // namespace tradingd::sim::kraken
