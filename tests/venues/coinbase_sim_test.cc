// The sandbox Coinbase venue without sockets: its wire formats against the 2021 Exchange capture
// (every snapshot, l2update, match and ticker of COINBASE.ws.28.0 rewritten byte for byte from the
// parsed values) and against the Advanced Trade documentation shapes (nautilus_trader's copies),
// every message it writes read back by OUR parser (feeds/coinbase), the sessions of both feeds
// driven directly (subscriptions, authentication with Coinbase's error texts, cumulative acks,
// sequence numbers, the lost-update fault), hostile client messages, and the REST products
// endpoints.

#include "sim/coinbase/coinbase_sim.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "core/instrument.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/coinbase/coinbase_feed.h"
#include "feeds/coinbase/coinbase_parser.h"
#include "gateways/coinbase/coinbase_signing.h"
#include "sim/coinbase/coinbase_wire.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::coinbase {
namespace {

using feeds::FeedParseError;
using feeds::coinbase::CoinbaseFeedKind;
using feeds::coinbase::CoinbaseMessage;
using feeds::coinbase::CoinbaseMessageKind;
using feeds::coinbase::CoinbaseParser;
using feeds::coinbase::CoinbaseParserOptions;
using feeds::testing::Padded;

constexpr std::int64_t kNow = 1'700'000'000'123'456'789;  // 2023-11-14T22:13:20.123456789Z

std::int64_t Sim(std::string_view text) {
  std::int64_t mantissa = 0;
  EXPECT_EQ(core::ParseDecimal(text, kSimScale, &mantissa), core::DecimalError::kOk) << text;
  return mantissa;
}

std::int64_t Time(std::string_view text) {
  std::int64_t ns = 0;
  EXPECT_TRUE(core::ParseTimestamp(text, &ns)) << text;
  return ns;
}

// A StreamMarket over real SyntheticMarkets, stepped by hand.
class FakeMarket final : public StreamMarket {
 public:
  explicit FakeMarket(std::vector<SymbolSpec> specs) : specs_(std::move(specs)) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      books_.push_back(
          std::make_unique<SyntheticMarket>(specs_[i], MixSeed(7, i), 1'000'000, 10'000'000));
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
  std::int64_t now_ns() const override { return now_; }
  bool replay() const override { return false; }

  // What StreamSim hands a session after `steps` changes of one symbol.
  struct OwnedCut : MarketListener {
    std::map<std::int64_t, std::int64_t, std::greater<>> bid_changes;
    std::map<std::int64_t, std::int64_t> ask_changes;
    std::vector<BookLevel> bids, asks;
    std::vector<TradePrint> trades;
    std::uint64_t first_id = 0;
    BookCut cut;
    void OnTrade(const TradePrint& trade) override { trades.push_back(trade); }
    void OnLevelChange(const LevelChange& change) override {
      if (first_id == 0) first_id = change.update_id;
      if (change.side == Side::kBid) {
        bid_changes[change.price] = change.quantity;
      } else {
        ask_changes[change.price] = change.quantity;
      }
    }
  };
  std::unique_ptr<OwnedCut> Step(std::size_t symbol, int steps) {
    auto owned = std::make_unique<OwnedCut>();
    const TopOfBook before = books_[symbol]->top();
    for (int i = 0; i < steps; ++i) books_[symbol]->Step(*owned);
    return Finish(symbol, before, std::move(owned));
  }
  // Steps until the changes since the last cut hold at least one trade: one cut for all of them.
  std::unique_ptr<OwnedCut> StepUntilTrade(std::size_t symbol) {
    auto owned = std::make_unique<OwnedCut>();
    const TopOfBook before = books_[symbol]->top();
    for (int i = 0; i < 100'000 && owned->trades.empty(); ++i) books_[symbol]->Step(*owned);
    EXPECT_FALSE(owned->trades.empty()) << "the synthetic market never traded";
    return Finish(symbol, before, std::move(owned));
  }

  std::int64_t now_ = kNow;

 private:
  std::unique_ptr<OwnedCut> Finish(std::size_t symbol, const TopOfBook& before,
                                   std::unique_ptr<OwnedCut> owned) {
    for (const auto& [price, quantity] : owned->bid_changes)
      owned->bids.push_back({price, quantity});
    for (const auto& [price, quantity] : owned->ask_changes)
      owned->asks.push_back({price, quantity});
    owned->cut.symbol = symbol;
    owned->cut.bids = owned->bids;
    owned->cut.asks = owned->asks;
    owned->cut.trades = owned->trades;
    owned->cut.first_update_id = owned->first_id;
    owned->cut.last_update_id = books_[symbol]->last_update_id();
    owned->cut.top = books_[symbol]->top();
    owned->cut.top_changed = owned->cut.top != before;
    return owned;
  }

  std::vector<SymbolSpec> specs_;
  std::vector<std::unique_ptr<SyntheticMarket>> books_;
};

class CapturingOutput final : public StreamOutput {
 public:
  void Send(std::string text) override { frames.push_back(std::move(text)); }
  void Close() override { closed = true; }
  std::vector<std::string> Take() { return std::exchange(frames, {}); }
  std::vector<std::string> frames;
  bool closed = false;
};

// OUR parser over the registry of the default symbols (BTC-USD and ETH-USD, prices at 2 digits,
// sizes at 8, as the feed's registry has them).
class WireParser {
 public:
  explicit WireParser(CoinbaseFeedKind feed) {
    btc_ = *registry_.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
    eth_ = *registry_.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8);
    parser_ = std::make_unique<CoinbaseParser>(registry_, CoinbaseParserOptions{.feed = feed});
  }
  CoinbaseMessage Parse(const std::string& frame) {
    padded_ = std::make_unique<Padded>(frame);
    CoinbaseMessage message;
    last_error_ = parser_->Parse(padded_->view(), &message);
    EXPECT_EQ(last_error_, FeedParseError::kOk) << frame.substr(0, 300);
    return message;
  }
  FeedParseError last_error() const { return last_error_; }
  const core::SymbolRegistry& registry() const { return registry_; }
  core::InstrumentId btc() const { return btc_; }

 private:
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  std::unique_ptr<CoinbaseParser> parser_;
  std::unique_ptr<Padded> padded_;
  FeedParseError last_error_ = FeedParseError::kOk;
};

// A book at the registry's scales (price 2 digits, size 8) rebuilt from parsed book messages.
struct MirrorBook {
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  void Apply(const feeds::coinbase::CoinbaseBook& book) {
    if (book.snapshot) {
      bids.clear();
      asks.clear();
    }
    for (const auto& level : book.bids) Set(bids, level);
    for (const auto& level : book.asks) Set(asks, level);
  }
  template <typename Map>
  static void Set(Map& side, const core::PriceLevel& level) {
    if (level.quantity.is_zero()) {
      side.erase(level.price.mantissa());
    } else {
      side[level.price.mantissa()] = level.quantity.mantissa();
    }
  }
  // Equal to the market's book, whose prices are at kSimScale (8 digits) rather than 2.
  bool Equals(const SyntheticMarket& market) const {
    const auto same = [](const auto& mine, const auto& theirs) {
      if (mine.size() != theirs.size()) return false;
      auto it = theirs.begin();
      for (const auto& [price, quantity] : mine) {
        if (price * 1'000'000 != it->first || quantity != it->second) return false;
        ++it;
      }
      return true;
    };
    return same(bids, market.bids()) && same(asks, market.asks());
  }
};

std::unique_ptr<StreamDialect> Dialect(CoinbaseSimFeed feed) {
  CoinbaseDialectOptions options;
  options.feed = feed;
  return MakeCoinbaseDialect(options);
}

// The authenticated subscribe of the sandbox account, as the feed would sign it.
std::string SignedSubscribe(std::string_view channels_json, std::int64_t unix_seconds,
                            std::string_view secret = CoinbaseDialectOptions{}.api_secret,
                            std::string_view key = CoinbaseDialectOptions{}.api_key,
                            std::string_view passphrase = CoinbaseDialectOptions{}.passphrase) {
  auto signer = gateways::coinbase::ExchangeSigner::Create(secret);
  EXPECT_TRUE(signer.ok());
  const std::string timestamp = std::to_string(unix_seconds);
  gateways::coinbase::ExchangeSignature signature;
  EXPECT_TRUE(signer->SignWebSocketSubscribe(timestamp, &signature));
  return fmt::format(
      R"({{"type":"subscribe","channels":{},"signature":"{}","key":"{}","passphrase":"{}","timestamp":"{}"}})",
      channels_json, signature.view(), key, passphrase, timestamp);
}

constexpr std::int64_t kNowSeconds = kNow / 1'000'000'000;

// ---- the Exchange wire against the 2021 capture ------------------------------------------------

std::map<std::string, ExchangePrecision> CapturePrecisions(const std::filesystem::path& products) {
  auto capture = feeds::LoadCapture(products);
  EXPECT_TRUE(capture.ok());
  std::map<std::string, ExchangePrecision> precisions;
  if (!capture.ok()) return precisions;
  simdjson::dom::parser parser;
  for (const feeds::CaptureRecord& record : capture->records()) {
    if (record.kind != feeds::CaptureKind::kRestResponse) continue;
    for (simdjson::dom::object product : simdjson::dom::array(parser.parse(record.payload))) {
      SymbolSpec spec;
      spec.tick_size = Sim(std::string_view(product["quote_increment"]));
      spec.lot_size = Sim(std::string_view(product["base_increment"]));
      const std::string id{std::string_view(product["id"])};
      precisions[id] = ExchangePrecisionOf(spec);
      // The one product of the capture whose book sizes do not follow its base_increment (0.001):
      // they carry 8 digits. A sim symbol would set its lot to 0.00000001 to write them so.
      if (id == "DASH-BTC") precisions[id].size = 8;
    }
  }
  return precisions;
}

std::vector<BookLevel> LevelsOf(simdjson::dom::array side) {
  std::vector<BookLevel> levels;
  for (simdjson::dom::array level : side) {
    levels.push_back({Sim(std::string_view(level.at(0))), Sim(std::string_view(level.at(1)))});
  }
  return levels;
}

TEST(CoinbaseWire, RewritesEveryExchangeMessageOfTheCaptureByteForByte) {
  TRADINGD_REQUIRE_FIXTURE(ws_path, "coinbase/COINBASE.ws.28.0");
  TRADINGD_REQUIRE_FIXTURE(products_path, "coinbase/COINBASE.0");
  const auto precisions = CapturePrecisions(products_path);
  ASSERT_EQ(precisions.size(), 162u);
  auto capture = feeds::LoadCapture(ws_path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  simdjson::dom::parser parser;
  std::map<std::string, int> compared;
  for (const feeds::CaptureRecord& record : capture->records()) {
    if (record.kind != feeds::CaptureKind::kFrame) continue;
    const std::string_view payload = record.payload;
    simdjson::dom::element doc = parser.parse(payload);
    const std::string type{std::string_view(doc["type"])};
    if (type == "subscriptions") continue;
    const std::string product{std::string_view(doc["product_id"])};
    ASSERT_EQ(precisions.count(product), 1u) << product;
    const ExchangePrecision precision = precisions.at(product);
    std::string ours;
    if (type == "snapshot") {
      BookLevels book;
      book.bids = LevelsOf(doc["bids"]);
      book.asks = LevelsOf(doc["asks"]);
      ours = ExchangeSnapshot(product, book, precision);
    } else if (type == "l2update") {
      std::vector<BookLevel> bids, asks;
      for (simdjson::dom::array change : simdjson::dom::array(doc["changes"])) {
        const BookLevel level{Sim(std::string_view(change.at(1))),
                              Sim(std::string_view(change.at(2)))};
        (std::string_view(change.at(0)) == "buy" ? bids : asks).push_back(level);
      }
      ours = ExchangeL2Update(product, bids, asks, Time(std::string_view(doc["time"])), precision);
    } else if (type == "match" || type == "last_match") {
      TradePrint trade;
      trade.trade_id = std::uint64_t(doc["trade_id"]);
      trade.price = Sim(std::string_view(doc["price"]));
      trade.quantity = Sim(std::string_view(doc["size"]));
      trade.buyer_is_maker = std::string_view(doc["side"]) == "buy";
      ours = ExchangeMatch(product, trade, std::uint64_t(doc["sequence"]),
                           Time(std::string_view(doc["time"])), type == "last_match");
      // The order ids are random at Coinbase; ours derive from the trade id.
      const auto [maker, taker] = OrderIdsOf(trade.trade_id);
      ours.replace(ours.find(maker), maker.size(), std::string_view(doc["maker_order_id"]));
      ours.replace(ours.find(taker), taker.size(), std::string_view(doc["taker_order_id"]));
    } else if (type == "ticker") {
      TradePrint trade;
      trade.trade_id = std::uint64_t(doc["trade_id"]);
      trade.price = Sim(std::string_view(doc["price"]));
      trade.quantity = Sim(std::string_view(doc["last_size"]));
      trade.buyer_is_maker = std::string_view(doc["side"]) == "sell";  // `side` is the taker's
      TickerStats stats;
      stats.open_24h = Sim(std::string_view(doc["open_24h"]));
      stats.low_24h = Sim(std::string_view(doc["low_24h"]));
      stats.high_24h = Sim(std::string_view(doc["high_24h"]));
      stats.volume_24h = Sim(std::string_view(doc["volume_24h"]));
      stats.volume_30d = Sim(std::string_view(doc["volume_30d"]));
      TopOfBook top;
      top.bid_price = Sim(std::string_view(doc["best_bid"]));
      top.ask_price = Sim(std::string_view(doc["best_ask"]));
      ours = ExchangeTicker(product, std::uint64_t(doc["sequence"]), trade, stats, top,
                            Time(std::string_view(doc["time"])), precision);
      // Today's tickers add the best sizes, which the 2021 capture predates.
      ours = std::regex_replace(ours, std::regex(R"(,"best_(bid|ask)_size":"[0-9.]+")"), "");
    } else {
      ADD_FAILURE() << "unexpected type " << type;
      continue;
    }
    ASSERT_EQ(ours, payload) << "line " << record.line;
    ++compared[type];
  }
  EXPECT_EQ(compared["snapshot"], 10);
  EXPECT_EQ(compared["l2update"], 9719);
  EXPECT_EQ(compared["match"], 97);
  EXPECT_EQ(compared["last_match"], 10);
  EXPECT_EQ(compared["ticker"], 107);
}

TEST(CoinbaseWire, TimesAndDecimals) {
  EXPECT_EQ(MicrosecondTime(Time("2021-04-17T16:43:37.075687Z")), "2021-04-17T16:43:37.075687Z");
  EXPECT_EQ(NanosecondTime(Time("2023-02-09T20:32:50.714964855Z")),
            "2023-02-09T20:32:50.714964855Z");
  EXPECT_EQ(MicrosecondTime(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(NanosecondTime(Time("2024-02-29T23:59:59.000000001Z")),
            "2024-02-29T23:59:59.000000001Z");
  std::string out;
  AppendFixedDecimal(out, Sim("0.791"), 4);
  AppendTrimmedDecimal(out, Sim("450.0"));
  AppendTrimmedDecimal(out, 0);
  AppendFixedDecimal(out, 0, 8);
  EXPECT_EQ(out, R"("0.7910""450""0""0.00000000")");
  SymbolSpec spec;
  spec.tick_size = Sim("0.01");
  spec.lot_size = Sim("1");
  EXPECT_EQ(ExchangePrecisionOf(spec).price, 2);
  EXPECT_EQ(ExchangePrecisionOf(spec).size, 0);
  const auto [maker, taker] = OrderIdsOf(280232);
  EXPECT_TRUE(std::regex_match(
      maker, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << maker;
  EXPECT_NE(maker, taker);
}

// ---- every message the sim writes, read by OUR parser ------------------------------------------

TEST(CoinbaseWire, ExchangeMessagesParseWithOurParser) {
  WireParser parser(CoinbaseFeedKind::kExchange);
  FakeMarket market(DefaultCoinbaseSymbols());
  const ExchangePrecision precision = ExchangePrecisionOf(market.spec(0));
  ASSERT_EQ(precision.price, 2);
  ASSERT_EQ(precision.size, 8);

  MirrorBook book;
  CoinbaseMessage m =
      parser.Parse(ExchangeSnapshot("BTC-USD", market.book(0).Levels(0), precision));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kBook);
  ASSERT_EQ(m.books.size(), 1u);
  EXPECT_TRUE(m.books[0].snapshot);
  EXPECT_GT(m.books[0].bids.size(), 300u);
  book.Apply(m.books[0]);
  EXPECT_TRUE(book.Equals(market.book(0)));

  auto cut = market.StepUntilTrade(0);
  m = parser.Parse(ExchangeL2Update("BTC-USD", cut->bids, cut->asks, kNow, precision));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kBook);
  EXPECT_FALSE(m.books[0].snapshot);
  EXPECT_EQ(m.books[0].exchange_time_ns, kNow / 1000 * 1000);  // microseconds on the wire
  book.Apply(m.books[0]);
  EXPECT_TRUE(book.Equals(market.book(0)));

  const TradePrint& trade = cut->trades.back();
  m = parser.Parse(ExchangeMatch("BTC-USD", trade, 42, kNow, false));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kTrade);
  ASSERT_EQ(m.trades.size(), 1u);
  EXPECT_EQ(m.trades[0].trade_id, trade.trade_id);
  EXPECT_EQ(m.trades[0].sequence, 42u);
  EXPECT_FALSE(m.trades[0].history);
  // The sent side is the maker's: a buyer-maker trade was a seller's aggression.
  EXPECT_EQ(m.trades[0].aggressor, trade.buyer_is_maker ? core::Side::kSell : core::Side::kBuy);
  EXPECT_EQ(m.trades[0].price.mantissa() * 1'000'000, trade.price);
  EXPECT_EQ(m.trades[0].quantity.mantissa(), trade.quantity);
  m = parser.Parse(ExchangeMatch("BTC-USD", trade, 42, kNow, true));
  EXPECT_TRUE(m.trades[0].history);

  TickerStats stats;
  stats.open_24h = stats.low_24h = stats.high_24h = trade.price;
  m = parser.Parse(ExchangeTicker("BTC-USD", 43, trade, stats, cut->cut.top, kNow, precision));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kQuote);
  ASSERT_EQ(m.quotes.size(), 1u);
  EXPECT_TRUE(m.quotes[0].has_sizes);
  EXPECT_EQ(m.quotes[0].sequence, 43u);
  EXPECT_EQ(m.quotes[0].bid_price.mantissa() * 1'000'000, cut->cut.top.bid_price);
  EXPECT_EQ(m.quotes[0].ask_quantity.mantissa(), cut->cut.top.ask_quantity);

  EXPECT_EQ(parser.Parse(ExchangeHeartbeat("BTC-USD", 44, trade.trade_id, kNow)).kind,
            CoinbaseMessageKind::kHeartbeat);
  const std::vector<ChannelProducts> channels = {{"level2_batch", {"BTC-USD", "ETH-USD"}},
                                                 {"heartbeat", {"BTC-USD"}}};
  EXPECT_EQ(parser.Parse(ExchangeSubscriptions(channels)).kind,
            CoinbaseMessageKind::kSubscriptions);
  m = parser.Parse(ExchangeError("Failed to subscribe", "X is not a valid product"));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kVenueError);
  EXPECT_EQ(m.message, "Failed to subscribe");
  EXPECT_EQ(m.reason, "X is not a valid product");
}

TEST(CoinbaseWire, AdvancedTradeMessagesParseWithOurParser) {
  WireParser parser(CoinbaseFeedKind::kAdvancedTrade);
  FakeMarket market(DefaultCoinbaseSymbols());
  MirrorBook book;
  CoinbaseMessage m =
      parser.Parse(AdvancedL2Snapshot(7, kNow, "BTC-USD", market.book(0).Levels(0)));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kBook);
  EXPECT_EQ(m.sequence_num, 7u);
  EXPECT_TRUE(m.books[0].snapshot);
  EXPECT_EQ(m.books[0].exchange_time_ns, kNow);  // the envelope's timestamp, not the 1970 rows
  book.Apply(m.books[0]);
  EXPECT_TRUE(book.Equals(market.book(0)));

  auto cut = market.StepUntilTrade(0);
  m = parser.Parse(AdvancedL2Update(8, kNow, "BTC-USD", cut->bids, cut->asks));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kBook);
  EXPECT_EQ(m.sequence_num, 8u);
  book.Apply(m.books[0]);
  EXPECT_TRUE(book.Equals(market.book(0)));

  m = parser.Parse(AdvancedMarketTrades(9, kNow, false, "BTC-USD", cut->trades));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kTrade);
  ASSERT_EQ(m.trades.size(), cut->trades.size());
  EXPECT_EQ(m.trades[0].trade_id, cut->trades.back().trade_id);  // newest first
  EXPECT_FALSE(m.trades[0].history);
  m = parser.Parse(AdvancedMarketTrades(10, kNow, true, "BTC-USD", cut->trades));
  EXPECT_TRUE(m.trades[0].history);

  TickerStats stats;
  stats.price = stats.open_24h = stats.low_24h = stats.high_24h = cut->trades.back().price;
  m = parser.Parse(AdvancedTicker(11, kNow, false, "BTC-USD", stats, cut->cut.top));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kQuote);
  EXPECT_EQ(m.quotes[0].bid_price.mantissa() * 1'000'000, cut->cut.top.bid_price);
  EXPECT_EQ(m.quotes[0].bid_quantity.mantissa(), cut->cut.top.bid_quantity);

  m = parser.Parse(AdvancedHeartbeats(12, kNow, 3049, 91'717'525'857'105));
  EXPECT_EQ(m.kind, CoinbaseMessageKind::kHeartbeat);
  EXPECT_EQ(m.sequence_num, 12u);
  m = parser.Parse(AdvancedSubscriptions(13, kNow, {{"level2", {"BTC-USD"}}, {"heartbeats", {}}}));
  EXPECT_EQ(m.kind, CoinbaseMessageKind::kSubscriptions);
  m = parser.Parse(AdvancedError("failure to subscribe"));
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kVenueError);
  EXPECT_FALSE(m.has_sequence_num);
  EXPECT_EQ(m.message, "failure to subscribe");
}

// The key paths of a JSON document in order (array elements share their path, listed once).
void KeyPaths(simdjson::dom::element element, const std::string& prefix,
              std::vector<std::string>* out) {
  if (element.is_object()) {
    for (auto [key, value] : simdjson::dom::object(element)) {
      const std::string path = prefix + "." + std::string(key);
      if (std::find(out->begin(), out->end(), path) == out->end()) out->push_back(path);
      KeyPaths(value, path, out);
    }
  } else if (element.is_array()) {
    for (simdjson::dom::element item : simdjson::dom::array(element)) {
      KeyPaths(item, prefix + "[]", out);
    }
  }
}

std::vector<std::string> KeyPathsOf(std::string_view json) {
  simdjson::dom::parser parser;
  std::vector<std::string> paths;
  KeyPaths(parser.parse(json.data(), json.size()), "", &paths);
  return paths;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CoinbaseWire, AdvancedTradeShapesMatchTheDocumentationCopies) {
  TRADINGD_REQUIRE_FIXTURE(dir, "coinbase/nautilus_fixtures");
  FakeMarket market(DefaultCoinbaseSymbols());
  auto cut = market.StepUntilTrade(0);
  TickerStats stats;
  const std::pair<const char*, std::string> cases[] = {
      {"ws_l2_data_snapshot.json",
       AdvancedL2Snapshot(0, kNow, "BTC-USD", market.book(0).Levels(3))},
      {"ws_l2_data_update.json", AdvancedL2Update(1, kNow, "BTC-USD", cut->bids, cut->asks)},
      {"ws_market_trades.json", AdvancedMarketTrades(5, kNow, false, "BTC-USD", cut->trades)},
      {"ws_ticker.json", AdvancedTicker(12, kNow, true, "BTC-USD", stats, cut->cut.top)},
      {"ws_heartbeats.json", AdvancedHeartbeats(0, kNow, 42, 1'000'000'000)},
      {"ws_subscriptions.json",
       AdvancedSubscriptions(0, kNow, {{"level2", {"BTC-USD"}}, {"market_trades", {"BTC-USD"}}})},
  };
  for (const auto& [file, ours] : cases) {
    const std::string doc = ReadFile(dir / file);
    ASSERT_FALSE(doc.empty()) << file;
    std::vector<std::string> want = KeyPathsOf(doc);
    std::vector<std::string> got = KeyPathsOf(ours);
    // The documentation's subscriptions example names its channels as keys: compare the envelope.
    if (std::string_view(file) == "ws_subscriptions.json") {
      const auto channel_key = [](const std::string& p) {
        return p.find(".subscriptions.") != std::string::npos;
      };
      std::erase_if(want, channel_key);
      std::erase_if(got, channel_key);
    }
    EXPECT_EQ(got, want) << file << "\nours: " << ours.substr(0, 400);
  }
}

// ---- Exchange sessions -------------------------------------------------------------------------

class ExchangeSessionTest : public ::testing::Test {
 protected:
  ExchangeSessionTest()
      : market_(DefaultCoinbaseSymbols()),
        dialect_(Dialect(CoinbaseSimFeed::kExchange)),
        session_(dialect_->NewSession("/", market_)) {}

  std::vector<std::string> Send(const std::string& text) {
    session_->OnClientText(text, out_);
    return out_.Take();
  }
  std::vector<std::string> Cut(std::size_t symbol, int steps) {
    last_cut_ = market_.Step(symbol, steps);
    session_->OnBookCut(last_cut_->cut, out_);
    return out_.Take();
  }
  std::vector<std::string> CutWithTrade(std::size_t symbol) {
    last_cut_ = market_.StepUntilTrade(symbol);
    session_->OnBookCut(last_cut_->cut, out_);
    return out_.Take();
  }

  FakeMarket market_;
  std::unique_ptr<StreamDialect> dialect_;
  std::unique_ptr<StreamSession> session_;
  CapturingOutput out_;
  std::unique_ptr<FakeMarket::OwnedCut> last_cut_;
};

constexpr const char* kAuthRequiredError =
    R"({"type":"error","message":"Failed to subscribe","reason":"level2, level3, and full channels now require authentication. https://docs.cloud.coinbase.com/exchange/docs/websocket-auth"})";

TEST_F(ExchangeSessionTest, Level2WithoutAuthenticationIsRefusedWithCoinbasesText) {
  const auto frames =
      Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["level2","ticker"]})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0], kAuthRequiredError);
  EXPECT_FALSE(session_->subscribed());  // the ticker of the same request is refused too
  EXPECT_TRUE(Cut(0, 50).empty());
}

TEST_F(ExchangeSessionTest, AuthenticatedLevel2IsVerified) {
  const std::string channels = R"([{"name":"level2","product_ids":["BTC-USD"]}])";
  const std::string expired =
      R"({"type":"error","message":"Sorry, you could not be authenticated: Bad Request","reason":"request timestamp expired"})";
  const std::string bad_signature =
      R"({"type":"error","message":"Sorry, you could not be authenticated: Bad Request","reason":"invalid signature"})";
  // Another secret, a timestamp 60 s off, another key, another passphrase.
  EXPECT_EQ(Send(SignedSubscribe(channels, kNowSeconds, "c2VjcmV0")),
            std::vector<std::string>{bad_signature});
  EXPECT_EQ(Send(SignedSubscribe(channels, kNowSeconds - 60)), std::vector<std::string>{expired});
  EXPECT_EQ(Send(SignedSubscribe(channels, kNowSeconds + 60)), std::vector<std::string>{expired});
  auto frames = Send(
      SignedSubscribe(channels, kNowSeconds, CoinbaseDialectOptions{}.api_secret, "someone-else"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].find(R"("reason":"Invalid API Key")"), std::string::npos);
  frames = Send(SignedSubscribe(channels, kNowSeconds, CoinbaseDialectOptions{}.api_secret,
                                CoinbaseDialectOptions{}.api_key, "wrong"));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].find(R"("reason":"Invalid Passphrase")"), std::string::npos);
  // A signature over another request (the signed path matters).
  {
    auto signer = gateways::coinbase::ExchangeSigner::Create(CoinbaseDialectOptions{}.api_secret);
    ASSERT_TRUE(signer.ok());
    gateways::coinbase::ExchangeSignature signature;
    ASSERT_TRUE(signer->Sign(std::to_string(kNowSeconds), "GET", "/users/self", "", &signature));
    frames = Send(fmt::format(
        R"({{"type":"subscribe","channels":{},"signature":"{}","key":"sandbox-api-key","passphrase":"sandbox-passphrase","timestamp":"{}"}})",
        channels, signature.view(), kNowSeconds));
    EXPECT_EQ(frames, std::vector<std::string>{bad_signature});
  }
  // The timestamp must be a string, as Coinbase wants it.
  frames = Send(
      R"({"type":"subscribe","channels":["heartbeat"],"product_ids":["BTC-USD"],"key":"k","timestamp":1700000000})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_NE(frames[0].find(R"("type":"error")"), std::string::npos);
  EXPECT_FALSE(session_->subscribed());

  // The right key, passphrase, secret and a timestamp within 30 s: subscribed, then the snapshot.
  frames = Send(SignedSubscribe(channels, kNowSeconds - 20));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[0],
            R"({"type":"subscriptions","channels":[{"name":"level2","product_ids":["BTC-USD"]}]})");
  EXPECT_TRUE(frames[1].starts_with(R"({"type":"snapshot","product_id":"BTC-USD","asks":[[")"));
  EXPECT_TRUE(session_->subscribed());
  // level2 sends every change on its own.
  frames = Cut(0, 30);
  ASSERT_EQ(frames.size(), last_cut_->bids.size() + last_cut_->asks.size());
  WireParser parser(CoinbaseFeedKind::kExchange);
  for (const std::string& frame : frames) {
    const CoinbaseMessage m = parser.Parse(frame);
    ASSERT_EQ(m.kind, CoinbaseMessageKind::kBook);
    EXPECT_EQ(m.books[0].bids.size() + m.books[0].asks.size(), 1u);
  }
}

TEST_F(ExchangeSessionTest, Level2BatchSnapshotThenBatchedUpdatesRebuildTheBook) {
  WireParser parser(CoinbaseFeedKind::kExchange);
  auto frames = Send(
      R"({"type":"subscribe","channels":[{"name":"level2_batch","product_ids":["BTC-USD","ETH-USD"]}]})");
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(parser.Parse(frames[0]).kind, CoinbaseMessageKind::kSubscriptions);
  MirrorBook btc;
  btc.Apply(parser.Parse(frames[1]).books[0]);
  EXPECT_TRUE(btc.Equals(market_.book(0)));
  EXPECT_TRUE(frames[2].starts_with(R"({"type":"snapshot","product_id":"ETH-USD")"));
  for (int round = 0; round < 20; ++round) {
    frames = Cut(0, 25);
    if (last_cut_->bids.empty() && last_cut_->asks.empty()) {
      EXPECT_TRUE(frames.empty());
      continue;
    }
    ASSERT_EQ(frames.size(), 1u) << "one l2update per cut";
    btc.Apply(parser.Parse(frames[0]).books[0]);
  }
  EXPECT_TRUE(btc.Equals(market_.book(0)));
  // level2_50 is Coinbase's alias of level2_batch: already subscribed, so no second snapshot.
  frames = Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["level2_50"]})");
  ASSERT_EQ(frames.size(), 1u);
  // Unsubscribing the book stops it; the other product keeps its.
  frames = Send(R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channels":["level2_batch"]})");
  EXPECT_EQ(
      frames,
      std::vector<std::string>{
          R"({"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":["ETH-USD"]}]})"});
  EXPECT_TRUE(Cut(0, 25).empty());
  EXPECT_EQ(Cut(1, 25).size(), 1u);
}

TEST_F(ExchangeSessionTest, MatchesTickerAndHeartbeatCarryTheProductSequence) {
  WireParser parser(CoinbaseFeedKind::kExchange);
  auto frames = CutWithTrade(0);  // a trade before subscribing: the future last_match
  EXPECT_TRUE(frames.empty());
  const TradePrint before = last_cut_->trades.back();
  frames = Send(
      R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["matches","ticker","heartbeat"]})");
  ASSERT_EQ(frames.size(), 3u);  // the ack, the last match, the latest ticker
  EXPECT_EQ(
      frames[0],
      R"({"type":"subscriptions","channels":[{"name":"ticker","product_ids":["BTC-USD"]},{"name":"matches","product_ids":["BTC-USD"]},{"name":"heartbeat","product_ids":["BTC-USD"]}]})");
  CoinbaseMessage m = parser.Parse(frames[1]);
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kTrade);
  EXPECT_TRUE(m.trades[0].history);
  EXPECT_EQ(m.trades[0].trade_id, before.trade_id);
  const std::uint64_t last_match_sequence = m.trades[0].sequence;
  m = parser.Parse(frames[2]);
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kQuote);
  EXPECT_EQ(m.quotes[0].sequence, last_match_sequence);

  frames = CutWithTrade(0);
  const auto& trades = last_cut_->trades;
  ASSERT_EQ(frames.size(), trades.size() + 1) << "one match per trade, then one ticker";
  std::uint64_t previous = last_match_sequence;
  for (std::size_t i = 0; i < trades.size(); ++i) {
    m = parser.Parse(frames[i]);
    ASSERT_EQ(m.kind, CoinbaseMessageKind::kTrade);
    EXPECT_EQ(m.trades[0].trade_id, trades[i].trade_id);
    EXPECT_GT(m.trades[0].sequence, previous);
    previous = m.trades[0].sequence;
  }
  m = parser.Parse(frames.back());
  ASSERT_EQ(m.kind, CoinbaseMessageKind::kQuote);
  EXPECT_EQ(m.quotes[0].sequence, previous);  // the ticker of the last match shares its sequence
  EXPECT_EQ(m.quotes[0].ask_price.mantissa() * 1'000'000, last_cut_->cut.top.ask_price);

  session_->OnHeartbeat(out_);
  frames = out_.Take();
  ASSERT_EQ(frames.size(), 1u);
  simdjson::dom::parser json;
  simdjson::dom::element heartbeat = json.parse(frames[0]);
  EXPECT_EQ(std::string_view(heartbeat["type"]), "heartbeat");
  EXPECT_EQ(std::uint64_t(heartbeat["last_trade_id"]), trades.back().trade_id);
  EXPECT_EQ(std::uint64_t(heartbeat["sequence"]), market_.book(0).last_update_id());

  // Unsubscribing a channel without products drops it for every product.
  frames = Send(R"({"type":"unsubscribe","channels":["heartbeat"]})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].find("heartbeat"), std::string::npos);
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty());
}

TEST_F(ExchangeSessionTest, HostileClientMessagesGetAnErrorAndChangeNothing) {
  const std::string long_list = [] {
    std::string list = R"({"type":"subscribe","channels":["ticker"],"product_ids":[)";
    for (int i = 0; i < 5000; ++i) list += i == 0 ? R"("BTC-USD")" : R"(,"BTC-USD")";
    return list + "]}";
  }();
  const std::pair<std::string, std::string> cases[] = {
      {"", "Malformed JSON"},
      {"{", "Malformed JSON"},
      {R"({"type":"subscribe","channels":["ticker"],"product_ids":["BTC-USD"]} trailing)",
       "Malformed JSON"},
      {R"({"type":"subscribe","channels":["ticker"],"product_ids":["BTC-)", "Malformed JSON"},
      {"{\"type\":\"subscribe\",\"channels\":[\"ticker\"],\"product_ids\":[\"BTC-\xff\xfe\"]}",
       "Malformed JSON"},
      {"[]", "Malformed subscribe message"},
      {"null", "Malformed subscribe message"},
      {"42", "Malformed subscribe message"},
      {R"({"type":"hello"})", "Malformed subscribe message"},
      {R"({"type":7,"channels":["ticker"]})", "Malformed subscribe message"},
      {R"({"type":"subscribe"})", "No channels provided"},
      {R"({"type":"subscribe","channels":[]})", "No channels provided"},
      {R"({"type":"subscribe","channels":"ticker","product_ids":["BTC-USD"]})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":[5],"product_ids":["BTC-USD"]})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":[{"name":5}],"product_ids":["BTC-USD"]})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":[{"product_ids":["BTC-USD"]}]})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":["ticker"],"product_ids":"BTC-USD"})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":["ticker"],"product_ids":[1,2]})",
       "Malformed subscribe message"},
      {R"({"type":"subscribe","channels":["nope"],"product_ids":["BTC-USD"]})",
       "nope is not a valid channel"},
      {R"({"type":"subscribe","channels":["full"],"product_ids":["BTC-USD"]})",
       "full is not a valid channel"},
      {R"({"type":"subscribe","channels":["ticker"],"product_ids":["BTC-XYZ"]})",
       "BTC-XYZ is not a valid product"},
      {R"({"type":"subscribe","channels":["ticker","matches"],"product_ids":["BTC-USD","btc-usd"]})",
       "btc-usd is not a valid product"},
      {R"({"type":"subscribe","channels":[{"name":"ticker","product_ids":[]}]})",
       " is not a valid product"},
      {R"({"type":"subscribe","channels":["heartbeat"]})", " is not a valid product"},
      {long_list, "Malformed subscribe message"},
  };
  for (const auto& [text, reason] : cases) {
    const auto frames = Send(text);
    ASSERT_EQ(frames.size(), 1u) << text.substr(0, 120);
    simdjson::dom::parser json;
    simdjson::dom::element error = json.parse(frames[0]);
    EXPECT_EQ(std::string_view(error["type"]), "error") << text.substr(0, 120);
    EXPECT_EQ(std::string_view(error["message"]), "Failed to subscribe") << text.substr(0, 120);
    EXPECT_EQ(std::string_view(error["reason"]), reason) << text.substr(0, 120);
    EXPECT_FALSE(session_->subscribed()) << text.substr(0, 120);
    EXPECT_FALSE(out_.closed);
  }
  // Unknown fields are ignored, as Coinbase does.
  const auto frames = Send(
      R"({"type":"subscribe","channels":["ticker"],"product_ids":["BTC-USD"],"extra":{"a":[1,{"b":null}]}})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].starts_with(R"({"type":"subscriptions")"));
  EXPECT_TRUE(session_->subscribed());
}

// ---- Advanced Trade sessions -------------------------------------------------------------------

class AdvancedSessionTest : public ExchangeSessionTest {
 protected:
  AdvancedSessionTest() {
    dialect_ = Dialect(CoinbaseSimFeed::kAdvancedTrade);
    session_ = dialect_->NewSession("/", market_);
  }
  std::uint64_t SequenceOf(const std::string& frame) {
    const CoinbaseMessage m = parser_.Parse(frame);
    EXPECT_TRUE(m.has_sequence_num) << frame.substr(0, 200);
    return m.sequence_num;
  }
  WireParser parser_{CoinbaseFeedKind::kAdvancedTrade};
};

TEST_F(AdvancedSessionTest, OneChannelPerMessageAndOneCounterForTheConnection) {
  auto frames = Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(parser_.Parse(frames[0]).kind, CoinbaseMessageKind::kSubscriptions);
  EXPECT_NE(frames[0].find(R"({"subscriptions":{"level2":["BTC-USD"]}})"), std::string::npos);
  EXPECT_EQ(SequenceOf(frames[0]), 0u);
  EXPECT_EQ(SequenceOf(frames[1]), 1u);
  MirrorBook book;
  book.Apply(parser_.Parse(frames[1]).books[0]);
  EXPECT_TRUE(book.Equals(market_.book(0)));

  frames = Send(R"({"type":"subscribe","channel":"heartbeats"})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(SequenceOf(frames[0]), 2u);
  session_->OnHeartbeat(out_);
  frames = out_.Take();
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(SequenceOf(frames[0]), 3u);
  EXPECT_NE(frames[0].find(R"("heartbeat_counter":1})"), std::string::npos);

  frames =
      Send(R"({"type":"subscribe","product_ids":["BTC-USD","ETH-USD"],"channel":"market_trades"})");
  ASSERT_EQ(frames.size(), 3u);  // the ack, then one snapshot of recent trades per product
  EXPECT_EQ(SequenceOf(frames[2]), 6u);

  std::uint64_t expected = 7;
  for (int round = 0; round < 10; ++round) {
    frames = CutWithTrade(0);
    ASSERT_EQ(frames.size(), 2u);  // the l2_data update and the market_trades update
    for (const std::string& frame : frames) {
      const CoinbaseMessage m = parser_.Parse(frame);
      EXPECT_EQ(m.sequence_num, expected++);
      if (m.kind == CoinbaseMessageKind::kBook) book.Apply(m.books[0]);
    }
  }
  EXPECT_TRUE(book.Equals(market_.book(0)));
}

TEST_F(AdvancedSessionTest, ALostUpdateShowsAsASequenceGapAndAResubscribeHeals) {
  Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");  // 0, 1
  EXPECT_TRUE(dialect_->can_skip_update());
  session_->SkipUpdate(0);
  auto frames = Cut(0, 30);  // the update that would carry 2 is lost
  EXPECT_TRUE(frames.empty());
  frames = Cut(0, 30);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(SequenceOf(frames[0]), 3u);
  // Unsubscribe then subscribe: a fresh snapshot, the counter still one connection's.
  frames = Send(R"({"type":"unsubscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(SequenceOf(frames[0]), 4u);
  EXPECT_NE(frames[0].find(R"({"subscriptions":{}})"), std::string::npos);
  EXPECT_TRUE(Cut(0, 30).empty());
  frames = Send(R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level2"})");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(SequenceOf(frames[1]), 6u);
  MirrorBook book;
  book.Apply(parser_.Parse(frames[1]).books[0]);
  EXPECT_TRUE(book.Equals(market_.book(0)));
}

TEST_F(AdvancedSessionTest, RefusalsComeOutsideTheEnvelopeAndUseNoSequenceNumber) {
  const std::pair<std::string, std::string> cases[] = {
      {"{", R"({"type":"error","message":"failure to parse message"})"},
      {"\xc3\x28", R"({"type":"error","message":"failure to parse message"})"},
      {R"({"type":"subscribe","product_ids":["BTC-USD"],"channels":["level2"]})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":"level3"})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"subscribe","product_ids":["BTC-XYZ"],"channel":"level2"})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"subscribe","channel":"level2"})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"subscribe","product_ids":"BTC-USD","channel":"level2"})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"subscribe","product_ids":["BTC-USD"],"channel":["level2"]})",
       R"({"type":"error","message":"failure to subscribe"})"},
      {R"({"type":"hello","channel":"heartbeats"})",
       R"({"type":"error","message":"failure to subscribe"})"},
  };
  for (const auto& [text, want] : cases) {
    EXPECT_EQ(Send(text), std::vector<std::string>{want}) << text;
    EXPECT_FALSE(session_->subscribed()) << text;
  }
  // The first accepted message still carries sequence_num 0.
  const auto frames = Send(R"({"type":"subscribe","channel":"heartbeats","jwt":"ignored"})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(SequenceOf(frames[0]), 0u);
}

// ---- the dialect: REST, faults, options --------------------------------------------------------

net::ServerRequest Get(std::string target, std::string method = "GET") {
  net::ServerRequest request;
  request.method = std::move(method);
  request.target = std::move(target);
  return request;
}

TEST(CoinbaseDialect, ExchangeProductsEndpoint) {
  FakeMarket market(DefaultCoinbaseSymbols());
  auto dialect = Dialect(CoinbaseSimFeed::kExchange);
  EXPECT_EQ(dialect->venue_name(), "coinbase");
  EXPECT_EQ(dialect->ws_path(), "/");
  EXPECT_TRUE(dialect->AcceptsWebSocket("/"));
  EXPECT_FALSE(dialect->AcceptsWebSocket("/ws"));
  EXPECT_FALSE(dialect->can_skip_update());  // level2 has no sequence: a loss is undetectable
  EXPECT_FALSE(dialect->has_checksum());
  EXPECT_FALSE(dialect->has_sequence_reset());
  EXPECT_EQ(dialect->heartbeat_interval(), std::chrono::milliseconds(1000));

  net::ServerResponse response = dialect->HandleRest(Get("/products"), market);
  ASSERT_EQ(response.status, 200);
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kCoinbase, "BTC", "USD", "BTC-USD", 2, 8);
  auto rules =
      feeds::coinbase::ParseCoinbaseProducts(CoinbaseFeedKind::kExchange, response.body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  const core::InstrumentRules& r = rules->front();
  EXPECT_EQ(r.instrument, btc);
  EXPECT_EQ(r.tick_size.mantissa(), 1);     // 0.01 at 2 digits
  EXPECT_EQ(r.lot_size.mantissa(), 1);      // 0.00000001 at 8
  EXPECT_EQ(r.min_quantity.mantissa(), 1);  // no base_min_size since 2022: one lot
  EXPECT_EQ(r.max_quantity.mantissa(), INT64_MAX);
  EXPECT_EQ(r.min_notional.mantissa(), 100);  // min_market_funds "1"
  EXPECT_EQ(r.status, core::TradingStatus::kTrading);
  EXPECT_EQ(response.body.find("base_min_size"), std::string::npos);

  response = dialect->HandleRest(Get("/products/ETH-USD"), market);
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with(R"({"id":"ETH-USD","base_currency":"ETH")"));
  for (const char* path : {"/products/DOGE-USD", "/nope", "/api/v3/brokerage/market/products"}) {
    response = dialect->HandleRest(Get(path), market);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body, R"({"message":"NotFound"})") << path;
  }
  EXPECT_EQ(dialect->HandleRest(Get("/products", "POST"), market).status, 404);
}

TEST(CoinbaseDialect, AdvancedTradeProductsEndpoint) {
  FakeMarket market(DefaultCoinbaseSymbols());
  auto dialect = Dialect(CoinbaseSimFeed::kAdvancedTrade);
  EXPECT_TRUE(dialect->can_skip_update());
  net::ServerResponse response =
      dialect->HandleRest(Get("/api/v3/brokerage/market/products"), market);
  ASSERT_EQ(response.status, 200);
  simdjson::dom::parser json;
  simdjson::dom::element body = json.parse(response.body);
  EXPECT_EQ(std::uint64_t(body["num_products"]), 2u);
  simdjson::dom::element first = simdjson::dom::array(body["products"]).at(0);
  EXPECT_EQ(std::string_view(first["product_id"]), "BTC-USD");
  EXPECT_EQ(std::string_view(first["price_increment"]), "0.01");
  EXPECT_EQ(std::string_view(first["base_increment"]), "0.00000001");
  EXPECT_EQ(std::string_view(first["quote_min_size"]), "1");
  EXPECT_EQ(std::string_view(first["base_max_size"]), "3400");
  EXPECT_EQ(std::string_view(first["status"]), "online");

  core::SymbolRegistry registry;
  registry.Add(core::Venue::kCoinbase, "ETH", "USD", "ETH-USD", 2, 8).value();
  auto rules = feeds::coinbase::ParseCoinbaseProducts(CoinbaseFeedKind::kAdvancedTrade,
                                                      response.body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ(rules->front().max_quantity.mantissa(), 4'600'000'000'000);  // 46,000 ETH
  EXPECT_EQ(rules->front().min_notional.mantissa(), 100);

  response = dialect->HandleRest(Get("/api/v3/brokerage/market/products/BTC-USD"), market);
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with(R"({"product_id":"BTC-USD")"));
  response = dialect->HandleRest(Get("/products"), market);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body,
            R"({"error":"NOT_FOUND","error_details":"Not Found","message":"Not Found"})");
}

TEST(CoinbaseDialect, RefusesASecretThatIsNotBase64) {
  CoinbaseDialectOptions options;
  options.api_secret = "not base64!";
  EXPECT_THROW(MakeCoinbaseDialect(options), std::invalid_argument);
}

}  // namespace
}  // namespace tradingd::sim::coinbase
