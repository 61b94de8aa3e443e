// The sandbox OKX venue without sockets: its wire (the legacy checksum against every checksum of
// the real 2022 capture, OKX's number text), its sessions driven cut by cut over a seeded market
// and read back by the daemon's own OKX parser and core (snapshot, windowed updates, idle update,
// the gap, checksum and reset faults, quotes, trades, acks), hostile client requests, and the REST
// answers read by the feed's rules parser.

#include "sim/okx/okx_sim.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/decimal.h"
#include "core/instrument.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/okx/okx_feed.h"
#include "feeds/okx/okx_market_data.h"
#include "feeds/okx/okx_parser.h"
#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/okx/okx_wire.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::sim::okx {
namespace {

using feeds::okx::OkxMarketData;
using feeds::okx::OkxMessage;
using feeds::okx::OkxMessageKind;
using feeds::okx::OkxParser;
using feeds::testing::MirrorSink;
using feeds::testing::Padded;

constexpr std::int64_t kStartNs = 1'700'000'000'000'000'000;

// ---- the wire ----

TEST(OkxWireTest, NumbersAreWrittenAsOkxWritesThem) {
  EXPECT_EQ(FormatOkxDecimal(3'024'400'000'000), "30244");
  EXPECT_EQ(FormatOkxDecimal(3'024'940'000'000), "30249.4");
  EXPECT_EQ(FormatOkxDecimal(8'000'000), "0.08");
  EXPECT_EQ(FormatOkxDecimal(1), "0.00000001");
  EXPECT_EQ(FormatOkxDecimal(0), "0");
}

std::int32_t SignedCrc(std::string_view text) {
  const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(text.data()),
                          static_cast<uInt>(text.size()));
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

TEST(OkxWireTest, ChecksumInterleavesAndSkipsMissingLevels) {
  // The documented example: one bid and three asks give "3366.1:7:3366.8:9:3368:8:3372:8".
  const ChecksumLevel bids[] = {{"3366.1", "7"}};
  const ChecksumLevel asks[] = {{"3366.8", "9"}, {"3368", "8"}, {"3372", "8"}};
  EXPECT_EQ(Checksum(bids, asks), SignedCrc("3366.1:7:3366.8:9:3368:8:3372:8"));
  EXPECT_EQ(Checksum({}, asks), SignedCrc("3366.8:9:3368:8:3372:8"));
  // Only the best 25 of each side count.
  std::vector<BookLevel> many_bids, many_asks;
  for (int i = 0; i < 30; ++i) {
    many_bids.push_back({(1000 - i) * 100'000'000LL, 100'000'000});
    many_asks.push_back({(1001 + i) * 100'000'000LL, 200'000'000});
  }
  std::string text;
  for (int i = 0; i < 25; ++i) {
    text += fmt::format("{}:1:{}:2:", 1000 - i, 1001 + i);
  }
  text.pop_back();
  EXPECT_EQ(BookChecksum(many_bids, many_asks), SignedCrc(text));
}

// Rebuilds the books of the real capture with the strings as received and checks the sim's
// checksum function against every checksum OKX sent.
TEST(OkxWireTest, ChecksumMatchesEveryChecksumOfTheRealCapture) {
  TRADINGD_REQUIRE_FIXTURE(path, "okx/OKX.ws.1.0");
  auto capture = feeds::LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  struct TextBook {
    std::map<std::int64_t, std::pair<std::string, std::string>, std::greater<>> bids;
    std::map<std::int64_t, std::pair<std::string, std::string>> asks;
  };
  std::map<std::string, TextBook> books;
  simdjson::dom::parser parser;
  int checked = 0, matched = 0, snapshots = 0;
  for (const feeds::CaptureRecord& record : capture->records()) {
    if (record.kind != feeds::CaptureKind::kFrame) continue;
    simdjson::dom::element message;
    ASSERT_EQ(parser.parse(std::string(record.payload)).get(message), simdjson::SUCCESS);
    std::string_view channel, action, inst_id;
    // Pushes only: the subscribe acks name the channel too.
    if (message.at_pointer("/arg/channel").get(channel) || channel != "books" ||
        message["event"].error() == simdjson::SUCCESS) {
      continue;
    }
    ASSERT_EQ(message["action"].get(action), simdjson::SUCCESS);
    ASSERT_EQ(message.at_pointer("/arg/instId").get(inst_id), simdjson::SUCCESS);
    TextBook& book = books[std::string(inst_id)];
    if (action == "snapshot") {
      book = TextBook{};
      ++snapshots;
    }
    simdjson::dom::object data;
    ASSERT_EQ(message.at_pointer("/data/0").get(data), simdjson::SUCCESS);
    for (const std::string_view side : {"bids", "asks"}) {
      simdjson::dom::array levels;
      ASSERT_EQ(data[side].get(levels), simdjson::SUCCESS);
      for (simdjson::dom::element level : levels) {
        std::string_view price, size;
        ASSERT_EQ(level.at(0).get(price), simdjson::SUCCESS);
        ASSERT_EQ(level.at(1).get(size), simdjson::SUCCESS);
        std::int64_t key = 0;
        ASSERT_EQ(core::ParseDecimal(price, 8, &key), core::DecimalError::kOk) << price;
        const bool bid = side == "bids";
        if (size == "0") {
          bid ? static_cast<void>(book.bids.erase(key)) : static_cast<void>(book.asks.erase(key));
        } else if (bid) {
          book.bids[key] = {std::string(price), std::string(size)};
        } else {
          book.asks[key] = {std::string(price), std::string(size)};
        }
      }
    }
    std::vector<ChecksumLevel> bids, asks;
    for (const auto& [key, texts] : book.bids) bids.push_back({texts.first, texts.second});
    for (const auto& [key, texts] : book.asks) asks.push_back({texts.first, texts.second});
    std::int64_t expected = 0;
    ASSERT_EQ(data["checksum"].get(expected), simdjson::SUCCESS);
    ++checked;
    matched += Checksum(bids, asks) == expected ? 1 : 0;
  }
  EXPECT_EQ(snapshots, 3);
  EXPECT_EQ(checked, 290);  // the fixtures README: 3 snapshots + 287 updates
  EXPECT_EQ(matched, checked);
}

// ---- sessions over a seeded market, without sockets ----

// The changes of some steps of one symbol, as StreamSim would cut them.
struct CutRecord {
  std::size_t symbol = 0;
  std::vector<BookLevel> bids, asks;  // final quantity of each changed level, best first
  std::vector<TradePrint> trades;
  TopOfBook top;
  bool top_changed = false;
  std::uint64_t first_update_id = 0, last_update_id = 0;

  BookCut cut() const {
    BookCut c;
    c.symbol = symbol;
    c.bids = bids;
    c.asks = asks;
    c.trades = trades;
    c.top = top;
    c.top_changed = top_changed;
    c.first_update_id = first_update_id;
    c.last_update_id = last_update_id;
    return c;
  }
};

class FakeMarket final : public StreamMarket {
 public:
  explicit FakeMarket(std::vector<SymbolSpec> specs) : specs_(std::move(specs)) {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      markets_.push_back(
          std::make_unique<SyntheticMarket>(specs_[i], MixSeed(7, i), 1'000'000, 10'000'000));
    }
  }

  std::size_t symbol_count() const override { return specs_.size(); }
  const SymbolSpec& spec(std::size_t symbol) const override { return specs_[symbol]; }
  const SyntheticMarket& book(std::size_t symbol) const override { return *markets_[symbol]; }
  std::optional<std::size_t> Find(std::string_view venue_symbol) const override {
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].symbol == venue_symbol) return i;
    }
    return std::nullopt;
  }
  std::int64_t now_ns() const override { return now_ns_; }
  bool replay() const override { return false; }

  void Advance(std::int64_t ns) { now_ns_ += ns; }

  CutRecord Step(std::size_t symbol, int steps) {
    struct Listener : MarketListener {
      std::map<std::int64_t, std::int64_t, std::greater<>> bids;
      std::map<std::int64_t, std::int64_t> asks;
      std::vector<TradePrint> trades;
      void OnTrade(const TradePrint& trade) override { trades.push_back(trade); }
      void OnLevelChange(const LevelChange& change) override {
        (change.side == Side::kBid ? bids[change.price] : asks[change.price]) = change.quantity;
      }
    } listener;
    SyntheticMarket& market = *markets_[symbol];
    const TopOfBook before = market.top();
    CutRecord record;
    record.symbol = symbol;
    record.first_update_id = market.last_update_id() + 1;
    for (int i = 0; i < steps; ++i) market.Step(listener);
    for (auto [price, quantity] : listener.bids) record.bids.push_back({price, quantity});
    for (auto [price, quantity] : listener.asks) record.asks.push_back({price, quantity});
    record.trades = listener.trades;
    record.top = market.top();
    record.top_changed = !(record.top == before);
    record.last_update_id = market.last_update_id();
    return record;
  }

 private:
  std::vector<SymbolSpec> specs_;
  std::vector<std::unique_ptr<SyntheticMarket>> markets_;
  std::int64_t now_ns_ = kStartNs;
};

class CapturingOutput final : public StreamOutput {
 public:
  void Send(std::string text) override { sent.push_back(std::move(text)); }
  void Close() override { closed = true; }
  std::vector<std::string> Take() { return std::exchange(sent, {}); }
  std::vector<std::string> sent;
  bool closed = false;
};

class OkxSessionTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(OkxDialectOptions options) {
    market_ = std::make_unique<FakeMarket>(DefaultOkxSymbols());
    dialect_ = MakeOkxDialect(std::move(options));
    session_ = dialect_->NewSession("/ws/v5/public", *market_);
    registry_ = std::make_unique<core::SymbolRegistry>();
    btc_ = *registry_->Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 8, 8);
    eth_ = *registry_->Add(core::Venue::kOkx, "ETH", "USDT", "ETH-USDT", 8, 8);
    mirror_ = MirrorSink{};
    resyncs_ = 0;
    core_ = std::make_unique<OkxMarketData>(*registry_, mirror_,
                                            [this](core::InstrumentId) { ++resyncs_; });
    parser_ = std::make_unique<OkxParser>(*registry_);
  }

  std::vector<std::string> Client(std::string_view text) {
    session_->OnClientText(text, out_);
    return out_.Take();
  }
  // Cuts `steps` changes of `symbol` (the other symbol gets an empty cut, as StreamSim does).
  std::vector<std::string> Cut(std::size_t symbol, int steps) {
    market_->Advance(100'000'000);
    const CutRecord record = market_->Step(symbol, steps);
    session_->OnBookCut(record.cut(), out_);
    CutRecord idle;
    idle.symbol = 1 - symbol;
    idle.top = market_->book(idle.symbol).top();
    idle.last_update_id = market_->book(idle.symbol).last_update_id();
    session_->OnBookCut(idle.cut(), out_);
    last_trades_ = record.trades;
    return out_.Take();
  }
  // Every frame through the daemon's OKX core, as the feed would.
  void ToCore(const std::vector<std::string>& frames) {
    for (const std::string& frame : frames) core_->OnFrame(Padded(frame).view(), kStartNs);
  }
  OkxMessage Parse(const std::string& frame) {
    frame_ = std::make_unique<Padded>(frame);
    OkxMessage message;
    EXPECT_EQ(parser_->Parse(frame_->view(), &message), feeds::FeedParseError::kOk) << frame;
    return message;
  }
  static std::vector<std::string> Channel(const std::vector<std::string>& frames,
                                          std::string_view channel) {
    std::vector<std::string> out;
    const std::string needle = fmt::format(R"("channel":"{}")", channel);
    for (const std::string& frame : frames) {
      if (frame.find(needle) != std::string::npos && frame.find("\"event\"") == std::string::npos) {
        out.push_back(frame);
      }
    }
    return out;
  }

  // The core's book of `id` equals the sim's best `depth` levels.
  void ExpectCoreHoldsTheWindow(core::InstrumentId id, std::size_t symbol,
                                std::size_t depth = 400) {
    const BookLevels want = market_->book(symbol).Levels(depth);
    const MirrorSink::Book& book = mirror_.books[id];
    ASSERT_EQ(book.bids.size(), want.bids.size());
    ASSERT_EQ(book.asks.size(), want.asks.size());
    std::size_t i = 0;
    for (auto it = book.bids.rbegin(); it != book.bids.rend(); ++it, ++i) {
      ASSERT_EQ(it->first, want.bids[i].price) << "bid " << i;
      ASSERT_EQ(it->second, want.bids[i].quantity) << "bid " << i;
    }
    i = 0;
    for (auto it = book.asks.begin(); it != book.asks.end(); ++it, ++i) {
      ASSERT_EQ(it->first, want.asks[i].price) << "ask " << i;
      ASSERT_EQ(it->second, want.asks[i].quantity) << "ask " << i;
    }
  }

  std::unique_ptr<FakeMarket> market_;
  std::unique_ptr<StreamDialect> dialect_;
  std::unique_ptr<StreamSession> session_;
  CapturingOutput out_;
  std::unique_ptr<core::SymbolRegistry> registry_;
  core::InstrumentId btc_ = 0, eth_ = 0;
  MirrorSink mirror_;
  int resyncs_ = 0;
  std::unique_ptr<OkxMarketData> core_;
  std::unique_ptr<OkxParser> parser_;
  std::unique_ptr<Padded> frame_;
  std::vector<TradePrint> last_trades_;
};

TEST_F(OkxSessionTest, PingIsAnsweredPong) {
  EXPECT_EQ(Client("ping"), std::vector<std::string>{"pong"});
  EXPECT_FALSE(session_->subscribed());
}

TEST_F(OkxSessionTest, SubscribeAcksEachArgThenSendsTheSnapshot) {
  const auto frames =
      Client(R"({"id":"1512","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
             R"({"channel":"trades","instId":"BTC-USDT"}]})");
  ASSERT_EQ(frames.size(), 3u);
  // {"id":"1512","event":"subscribe","arg":{..},"connId":"<8 hex digits>"}
  const std::string prefix =
      R"({"id":"1512","event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"},)"
      R"("connId":")";
  ASSERT_TRUE(frames[0].starts_with(prefix)) << frames[0];
  const std::string conn_id = frames[0].substr(prefix.size(), 8);
  EXPECT_EQ(frames[0], prefix + conn_id + "\"}");
  EXPECT_TRUE(std::all_of(conn_id.begin(), conn_id.end(), [](char c) { return std::isxdigit(c); }));
  EXPECT_EQ(frames[1], R"({"id":"1512","event":"subscribe","arg":{"channel":"trades",)"
                       R"("instId":"BTC-USDT"},"connId":")" +
                           conn_id + "\"}");
  EXPECT_EQ(Parse(frames[0]).kind, OkxMessageKind::kSubscribeAck);
  EXPECT_TRUE(session_->subscribed());

  // The snapshot: the best 400 levels a side of a 500-level book, prevSeqId -1, the book's update
  // id as seqId, and the checksum the daemon verifies.
  const OkxMessage snapshot = Parse(frames[2]);
  ASSERT_EQ(snapshot.kind, OkxMessageKind::kBookSnapshot);
  EXPECT_EQ(snapshot.book.bids.size(), 400u);
  EXPECT_EQ(snapshot.book.asks.size(), 400u);
  EXPECT_EQ(snapshot.book.previous_sequence, -1);
  EXPECT_EQ(snapshot.book.sequence, static_cast<std::int64_t>(market_->book(0).last_update_id()));
  EXPECT_TRUE(snapshot.book.has_checksum);
  EXPECT_EQ(snapshot.book.exchange_time_ns, kStartNs);
  EXPECT_TRUE(frames[2].find(R"(,"0",")") != std::string::npos);  // ["px","sz","0","numOrders"]
  ToCore(frames);
  EXPECT_EQ(core_->counters().checksum_ok, 1u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectCoreHoldsTheWindow(btc_, 0);
}

TEST_F(OkxSessionTest, UpdatesKeepTheWindowChainedAndChecksummed) {
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
                R"({"channel":"books","instId":"ETH-USDT"}]})"));
  std::int64_t previous = -1;
  int updates = 0;
  for (int i = 0; i < 200; ++i) {
    const auto frames = Cut(i % 2, 1 + i % 37);
    for (const std::string& frame : Channel(frames, "books")) {
      const OkxMessage message = Parse(frame);
      ASSERT_EQ(message.kind, OkxMessageKind::kBookUpdate);
      if (message.instrument->id == btc_) {
        if (previous >= 0) {
          EXPECT_EQ(message.book.previous_sequence, previous);
        }
        EXPECT_GT(message.book.sequence, message.book.previous_sequence);
        previous = message.book.sequence;
      }
      ++updates;
    }
    ToCore(frames);
  }
  EXPECT_GT(updates, 150);
  const auto& c = core_->counters();
  EXPECT_EQ(c.book_updates, static_cast<std::uint64_t>(updates));
  EXPECT_EQ(c.checksum_ok, c.book_updates + 2);
  EXPECT_EQ(c.checksum_failed, 0u);
  EXPECT_EQ(c.gaps, 0u);
  EXPECT_EQ(c.bad_levels, 0u);
  EXPECT_EQ(resyncs_, 0);
  // Levels moved in and out of the 400-level window: the core holds exactly the window, having
  // been told every delete.
  ExpectCoreHoldsTheWindow(btc_, 0);
  ExpectCoreHoldsTheWindow(eth_, 1);
  EXPECT_EQ(mirror_.crossed, 0u);
}

TEST_F(OkxSessionTest, QuotesTickersAndTradesReadBackAsTheMarket) {
  const auto first = Client(
      R"({"op":"subscribe","args":[{"channel":"bbo-tbt","instId":"ETH-USDT"},)"
      R"({"channel":"tickers","instId":"ETH-USDT"},{"channel":"trades","instId":"ETH-USDT"}]})");
  ASSERT_EQ(first.size(), 5u);  // 3 acks, the bbo-tbt and the ticker
  const TopOfBook top = market_->book(1).top();
  for (const std::string& frame : {first[3], first[4]}) {
    const OkxMessage quote = Parse(frame);
    ASSERT_EQ(quote.kind, OkxMessageKind::kQuote) << frame;
    EXPECT_EQ(quote.quote.bid_price.mantissa(), top.bid_price);
    EXPECT_EQ(quote.quote.bid_quantity.mantissa(), top.bid_quantity);
    EXPECT_EQ(quote.quote.ask_price.mantissa(), top.ask_price);
    EXPECT_EQ(quote.quote.ask_quantity.mantissa(), top.ask_quantity);
  }
  EXPECT_TRUE(first[4].find(R"("instType":"SPOT","instId":"ETH-USDT","last":)") !=
              std::string::npos)
      << first[4];

  std::size_t trades = 0;
  for (int i = 0; i < 100 && trades < 5; ++i) {
    const auto frames = Cut(1, 40);
    const auto trade_frames = Channel(frames, "trades");
    ASSERT_EQ(trade_frames.size(), last_trades_.size());  // one push per trade
    for (std::size_t t = 0; t < trade_frames.size(); ++t) {
      const OkxMessage message = Parse(trade_frames[t]);
      ASSERT_EQ(message.kind, OkxMessageKind::kTrade);
      ASSERT_EQ(message.trades.size(), 1u);
      const TradePrint& want = last_trades_[t];
      EXPECT_EQ(message.trades[0].trade_id, want.trade_id);
      EXPECT_EQ(message.trades[0].price.mantissa(), want.price);
      EXPECT_EQ(message.trades[0].quantity.mantissa(), want.quantity);
      // OKX's side is the taker's: a seller hitting the bid is a "sell".
      EXPECT_EQ(message.trades[0].aggressor,
                want.buyer_is_maker ? core::Side::kSell : core::Side::kBuy);
      ++trades;
    }
    const auto bbo = Channel(frames, "bbo-tbt");
    if (!bbo.empty()) {
      const OkxMessage quote = Parse(bbo.back());
      EXPECT_EQ(quote.quote.bid_price.mantissa(), market_->book(1).top().bid_price);
      EXPECT_EQ(quote.quote.ask_price.mantissa(), market_->book(1).top().ask_price);
    }
  }
  EXPECT_GE(trades, 5u);
}

TEST_F(OkxSessionTest, IdleBookGetsTheEmptyUpdateThatRepeatsTheSeqId) {
  Start(OkxDialectOptions{.idle_interval = std::chrono::milliseconds(1000)});
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty());  // not idle yet
  market_->Advance(1'500'000'000);
  session_->OnHeartbeat(out_);
  const auto frames = out_.Take();
  ASSERT_EQ(frames.size(), 1u);
  const OkxMessage idle = Parse(frames[0]);
  ASSERT_EQ(idle.kind, OkxMessageKind::kBookUpdate);
  EXPECT_TRUE(idle.book.bids.empty());
  EXPECT_TRUE(idle.book.asks.empty());
  EXPECT_EQ(idle.book.previous_sequence, idle.book.sequence);
  EXPECT_EQ(idle.book.sequence, static_cast<std::int64_t>(market_->book(0).last_update_id()));
  ToCore(frames);
  EXPECT_EQ(core_->counters().heartbeats, 1u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  session_->OnHeartbeat(out_);
  EXPECT_TRUE(out_.Take().empty());  // the idle update restarted the wait
}

TEST_F(OkxSessionTest, SkippedUpdateIsAGapForTheCore) {
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  ToCore(Cut(0, 20));
  session_->SkipUpdate(0);
  EXPECT_TRUE(Channel(Cut(0, 20), "books").empty());  // lost
  ToCore(Cut(0, 20));
  EXPECT_EQ(core_->counters().gaps, 1u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kStale);
  EXPECT_EQ(resyncs_, 1);
  // Resubscribing brings a snapshot, and the book is whole again.
  const auto frames =
      Client(R"({"op":"unsubscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})");
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_TRUE(frames[0].starts_with(
      R"({"event":"unsubscribe","arg":{"channel":"books","instId":"BTC-USDT"},"connId":")"))
      << frames[0];
  EXPECT_TRUE(Channel(Cut(0, 20), "books").empty());  // unsubscribed
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  ToCore(Cut(0, 20));
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectCoreHoldsTheWindow(btc_, 0);
}

TEST_F(OkxSessionTest, CorruptChecksumIsACheckumFailureForTheCore) {
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  session_->CorruptChecksum(0);
  ToCore(Cut(0, 20));
  EXPECT_EQ(core_->counters().checksum_failed, 1u);
  EXPECT_EQ(core_->counters().gaps, 0u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kStale);
}

TEST_F(OkxSessionTest, SequenceResetRestartsLowAndStaysChained) {
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  ToCore(Cut(0, 20));
  session_->ResetSequence(0, out_);
  EXPECT_TRUE(out_.Take().empty());
  const auto frames = Channel(Cut(0, 20), "books");
  ASSERT_EQ(frames.size(), 1u);
  const OkxMessage reset = Parse(frames[0]);
  EXPECT_LT(reset.book.sequence, reset.book.previous_sequence);
  EXPECT_EQ(reset.book.sequence, 21);  // 20 changes after the restart at 1
  ToCore(frames);
  const auto next = Channel(Cut(0, 5), "books");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(Parse(next[0]).book.previous_sequence, 21);
  EXPECT_EQ(Parse(next[0]).book.sequence, 26);
  ToCore(next);
  EXPECT_EQ(core_->counters().sequence_resets, 1u);
  EXPECT_EQ(core_->counters().gaps, 0u);
  EXPECT_EQ(core_->book_state(btc_), core::BookState::kLive);
  ExpectCoreHoldsTheWindow(btc_, 0);
}

TEST_F(OkxSessionTest, RetiredChecksumIsSentAsZero) {
  Start(OkxDialectOptions{.checksum = false});
  EXPECT_FALSE(dialect_->has_checksum());
  ToCore(Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})"));
  const auto frames = Cut(0, 10);
  ToCore(frames);
  EXPECT_TRUE(frames[0].find(R"("checksum":0,)") != std::string::npos) << frames[0];
  EXPECT_EQ(core_->counters().checksum_ok, 0u);
  EXPECT_EQ(core_->counters().book_updates, 1u);
  ExpectCoreHoldsTheWindow(btc_, 0);
}

// One error reply per bad request, worded as OKX words it, and nothing subscribed.
TEST_F(OkxSessionTest, HostileRequestsGetOkxErrors) {
  const std::string big(70 * 1024, 'x');
  const struct {
    std::string request;
    std::string_view code;
  } cases[] = {
      {"", "60012"},
      {"{", "60012"},
      {"[]", "60012"},
      {"pingpong", "60012"},
      {R"({"op":"subscribe"})", "60012"},
      {R"({"op":"subscribe","args":[]})", "60012"},
      {R"({"op":"subscribe","args":"books"})", "60012"},
      {R"({"op":"subscribe","args":[1]})", "60012"},
      {R"({"op":"subscribe","args":[{"channel":1,"instId":"BTC-USDT"}]})", "60012"},
      {R"({"op":"subscribe","args":[{"instId":"BTC-USDT"}]})", "60012"},
      {R"({"op":"subscribe","args":[{"channel":"books","instId":7}]})", "60012"},
      {R"({"op":42,"args":[{"channel":"books","instId":"BTC-USDT"}]})", "60012"},
      {R"({"id":"a-b","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]})",
       "60012"},
      {R"({"id":"123456789012345678901234567890123","op":"subscribe",)"
       R"("args":[{"channel":"books","instId":"BTC-USDT"}]})",
       "60012"},
      {R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"}]} trailing)", "60012"},
      {"{\"op\":\"subscribe\",\"args\":[{\"channel\":\"books\",\"instId\":\"\xff\xfe\"}]}",
       "60012"},
      {R"({"op":"subscribe","args":[{"channel":"books","instId":")" + big + "\"}]}", "60012"},
      {R"({"op":"login","args":[{"apiKey":"k"}]})", "60019"},
      {R"({"op":"subscribe","args":[{"channel":"books"}]})", "60027"},
      {R"({"op":"subscribe","args":[{"channel":"books","instId":"DOGE-EUR"}]})", "60018"},
      {R"({"op":"subscribe","args":[{"channel":"candle1m","instId":"BTC-USDT"}]})", "60018"},
      {R"({"op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
       R"({"channel":"books","instId":"NOPE"}]})",
       "60018"},
  };
  simdjson::dom::parser json;
  for (const auto& c : cases) {
    const auto frames = Client(c.request);
    ASSERT_EQ(frames.size(), 1u) << c.request.substr(0, 200);
    const OkxMessage reply = Parse(frames[0]);
    EXPECT_EQ(reply.kind, OkxMessageKind::kVenueError) << frames[0].substr(0, 200);
    EXPECT_EQ(reply.code, c.code) << c.request.substr(0, 200);
    // Always valid JSON and UTF-8, whatever was quoted back; never longer than OKX would quote.
    simdjson::dom::element element;
    EXPECT_EQ(json.parse(frames[0]).get(element), simdjson::SUCCESS) << frames[0].substr(0, 200);
    EXPECT_LT(frames[0].size(), 2048u);
    EXPECT_FALSE(out_.closed);
  }
  EXPECT_FALSE(session_->subscribed());

  const auto unknown =
      Client(R"({"op":"subscribe","args":[{"channel":"books","instId":"DOGE-EUR"}]})");
  EXPECT_TRUE(unknown[0].starts_with(
      R"({"event":"error","code":"60018","msg":"Wrong URL or channel:books,instId:DOGE-EUR )"
      R"(doesn't exist. Please use the correct URL, channel and parameters referring to API )"
      R"(document.","connId":")"))
      << unknown[0];
  EXPECT_TRUE(Client("{")[0].starts_with(
      R"({"event":"error","code":"60012","msg":"Invalid request: {","connId":")"));
  EXPECT_TRUE(Client(R"({"id":"7","op":"login","args":[]})")[0].starts_with(
      R"({"id":"7","event":"error","code":"60019","msg":"Invalid op: login","connId":")"));

  // Unknown fields are skipped, as OKX skips them.
  const auto ok = Client(R"({"op":"subscribe","x":{"y":[1,2]},"args":[{"channel":"trades",)"
                         R"("instId":"ETH-USDT","extra":true}]})");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(Parse(ok[0]).kind, OkxMessageKind::kSubscribeAck);
  EXPECT_TRUE(session_->subscribed());
}

// Every prefix of a valid request: an error or the acks, never a crash or a broken reply.
TEST_F(OkxSessionTest, TruncatedRequestsNeverBreakTheSession) {
  const std::string request =
      R"({"id":"9","op":"subscribe","args":[{"channel":"books","instId":"BTC-USDT"},)"
      R"({"channel":"bbo-tbt","instId":"ETH-USDT"}]})";
  for (std::size_t n = 0; n < request.size(); ++n) {
    const auto frames = Client(request.substr(0, n));
    ASSERT_EQ(frames.size(), 1u) << n;
    EXPECT_EQ(Parse(frames[0]).kind, OkxMessageKind::kVenueError) << n;
  }
  EXPECT_FALSE(session_->subscribed());
  EXPECT_EQ(Client(request).size(), 4u);  // 2 acks, the snapshot, the bbo-tbt
}

// ---- REST ----

net::ServerResponse Get(StreamDialect& dialect, const StreamMarket& market, std::string target) {
  net::ServerRequest request;
  request.method = "GET";
  request.target = std::move(target);
  return dialect.HandleRest(request, market);
}

TEST(OkxRestTest, InstrumentsAreOkxsAndParseIntoTheFeedsRules) {
  FakeMarket market(DefaultOkxSymbols());
  auto dialect = MakeOkxDialect();
  const net::ServerResponse response =
      Get(*dialect, market, "/api/v5/public/instruments?instType=SPOT");
  ASSERT_EQ(response.status, 200);
  EXPECT_TRUE(response.body.starts_with(R"({"code":"0","data":[{"alias":"",)")) << response.body;
  EXPECT_TRUE(response.body.ends_with(R"(}],"msg":""})"));
  EXPECT_NE(response.body.find(R"("instId":"BTC-USDT","instType":"SPOT",)"), std::string::npos);
  EXPECT_NE(response.body.find(R"("lotSz":"0.00000001",)"), std::string::npos);
  EXPECT_NE(response.body.find(R"("minSz":"0.00001",)"), std::string::npos);
  EXPECT_NE(response.body.find(R"("minSz":"0.0001",)"), std::string::npos);
  EXPECT_NE(response.body.find(R"("state":"live","stk":"","tickSz":"0.1","uly":""})"),
            std::string::npos);

  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 1, 8);
  const auto eth = *registry.Add(core::Venue::kOkx, "ETH", "USDT", "ETH-USDT", 2, 6);
  const auto rules = feeds::okx::ParseOkxInstruments(response.body, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);
  const core::InstrumentRules& b = (*rules)[0].instrument == btc ? (*rules)[0] : (*rules)[1];
  const core::InstrumentRules& e = (*rules)[0].instrument == eth ? (*rules)[0] : (*rules)[1];
  EXPECT_EQ(b.tick_size.mantissa(), 1);         // 0.1 at scale 1
  EXPECT_EQ(b.lot_size.mantissa(), 1);          // 0.00000001 at scale 8
  EXPECT_EQ(b.min_quantity.mantissa(), 1'000);  // 0.00001
  EXPECT_EQ(b.max_quantity.mantissa(), 999'999'999'900'000'000);
  EXPECT_EQ(b.status, core::TradingStatus::kTrading);
  EXPECT_EQ(e.tick_size.mantissa(), 1);       // 0.01 at scale 2
  EXPECT_EQ(e.lot_size.mantissa(), 1);        // 0.000001 at scale 6
  EXPECT_EQ(e.min_quantity.mantissa(), 100);  // 0.0001
}

TEST(OkxRestTest, BadRequestsGetOkxErrorsAndBooksServeTheMarket) {
  FakeMarket market(DefaultOkxSymbols());
  auto dialect = MakeOkxDialect();
  const struct {
    std::string target;
    int status;
    std::string body;
  } cases[] = {
      {"/api/v5/public/instruments", 400,
       R"({"code":"50014","data":[],"msg":"Parameter instType cannot be empty"})"},
      {"/api/v5/public/instruments?instType=STOCK", 400,
       R"({"code":"51000","data":[],"msg":"Parameter instType error"})"},
      {"/api/v5/public/instruments?instType=SPOT&instId=NOPE-USDT", 400,
       R"({"code":"51001","data":[],"msg":"Instrument ID does not exist"})"},
      {"/api/v5/public/instruments?instType=SWAP", 200, R"({"code":"0","data":[],"msg":""})"},
      {"/api/v5/market/books", 400,
       R"({"code":"50014","data":[],"msg":"Parameter instId cannot be empty"})"},
      {"/api/v5/market/books?instId=BTC-USDT&sz=401", 400,
       R"({"code":"51000","data":[],"msg":"Parameter sz error"})"},
      {"/api/v5/market/nope", 404,
       R"({"code":404,"data":{},"detailMsg":"No message available","msg":"Not Found"})"},
  };
  for (const auto& c : cases) {
    const net::ServerResponse response = Get(*dialect, market, c.target);
    EXPECT_EQ(response.status, c.status) << c.target;
    EXPECT_EQ(response.body, c.body) << c.target;
  }
  const auto one =
      Get(*dialect, market, "/api/v5/public/instruments?instType=SPOT&instId=ETH-USDT");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body.find("BTC-USDT"), std::string::npos);
  EXPECT_NE(one.body.find(R"("instId":"ETH-USDT")"), std::string::npos);

  const auto books = Get(*dialect, market, "/api/v5/market/books?instId=BTC-USDT&sz=2");
  ASSERT_EQ(books.status, 200);
  const BookLevels top = market.book(0).Levels(2);
  const std::string want_bid =
      fmt::format(R"("bids":[["{}","{}","0",)", FormatOkxDecimal(top.bids[0].price),
                  FormatOkxDecimal(top.bids[0].quantity));
  EXPECT_NE(books.body.find(want_bid), std::string::npos) << books.body;
  EXPECT_TRUE(books.body.starts_with(R"({"code":"0","data":[{"asks":[[)")) << books.body;
}

TEST(OkxRestTest, TheFeedsRulesParserReadsTheRealAnswersAndRefusesOthers) {
  TRADINGD_REQUIRE_FIXTURE(path, "okx/OKX.0");
  auto capture = feeds::LoadCapture(path);
  ASSERT_TRUE(capture.ok()) << capture.status().ToString();
  std::string_view spot, swap;
  for (const feeds::CaptureRecord& record : capture->records()) {
    if (record.kind != feeds::CaptureKind::kRestResponse) continue;
    if (record.url.ends_with("instType=SPOT")) spot = record.payload;
    if (record.url.ends_with("instType=SWAP")) swap = record.payload;
  }
  ASSERT_FALSE(spot.empty());
  ASSERT_FALSE(swap.empty());

  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT", 8, 8);
  const auto eth = *registry.Add(core::Venue::kOkx, "ETH", "USDT", "ETH-USDT", 8, 8);
  const auto rules = feeds::okx::ParseOkxInstruments(spot, registry);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 2u);  // 513 listed; the registry has two
  for (const core::InstrumentRules& r : *rules) {
    EXPECT_EQ(r.status, core::TradingStatus::kTrading);
    if (r.instrument == btc) {
      EXPECT_EQ(r.tick_size.mantissa(), 10'000'000);  // 0.1
      EXPECT_EQ(r.lot_size.mantissa(), 1);            // 0.00000001
      EXPECT_EQ(r.min_quantity.mantissa(), 1'000);    // 0.00001
      EXPECT_EQ(r.max_quantity.mantissa(), 999'999'999'900'000'000);
    } else {
      ASSERT_EQ(r.instrument, eth);
      EXPECT_EQ(r.tick_size.mantissa(), 1'000'000);     // 0.01
      EXPECT_EQ(r.min_quantity.mantissa(), 100'000);    // 0.001 in 2022
      EXPECT_EQ(r.max_quantity.mantissa(), INT64_MAX);  // 999999999999 saturates at 8 digits
    }
  }
  // A perpetual: contracts, tick 0.1, lot 1.
  core::SymbolRegistry swaps;
  ASSERT_TRUE(swaps.Add(core::Venue::kOkx, "BTC", "USDT", "BTC-USDT-SWAP", 1, 0).ok());
  const auto swap_rules = feeds::okx::ParseOkxInstruments(swap, swaps);
  ASSERT_TRUE(swap_rules.ok()) << swap_rules.status().ToString();
  ASSERT_EQ(swap_rules->size(), 1u);
  EXPECT_EQ((*swap_rules)[0].tick_size.mantissa(), 1);
  EXPECT_EQ((*swap_rules)[0].lot_size.mantissa(), 1);
  EXPECT_EQ((*swap_rules)[0].max_quantity.mantissa(), 100'000'000);

  // Hostile or failed answers are errors; an unrepresentable instrument is left out.
  for (std::string_view body : {
           std::string_view(""),
           std::string_view("{"),
           std::string_view("[]"),
           std::string_view(R"({"code":"0"})"),
           std::string_view(R"({"code":"50011","data":[],"msg":"Rate limit reached."})"),
           std::string_view(R"({"code":0,"data":[],"msg":""})"),
           std::string_view(R"({"code":"0","data":{},"msg":""})"),
           std::string_view(R"({"code":"0","data":[{"instId":5}],"msg":""})"),
           std::string_view(R"({"code":"0","data":[],"msg":""} x)"),
           std::string_view("{\"code\":\"0\",\"data\":[{\"instId\":\"\xff\"}],\"msg\":\"\"}"),
       }) {
    EXPECT_FALSE(feeds::okx::ParseOkxInstruments(body, registry).ok()) << body;
  }
  const auto limited = feeds::okx::ParseOkxInstruments(
      R"({"code":"50011","data":[],"msg":"Rate limit reached. Please retry."})", registry);
  EXPECT_NE(limited.status().message().find("50011"), std::string::npos);
  const auto partial = feeds::okx::ParseOkxInstruments(
      R"({"code":"0","data":[{"instId":"BTC-USDT","tickSz":"0.000000001","lotSz":"1",)"
      R"("state":"live"},{"instId":"ETH-USDT","tickSz":"0.01","lotSz":"0.1","minSz":"",)"
      R"("state":"suspend"}],"msg":""})",
      registry);
  ASSERT_TRUE(partial.ok());
  ASSERT_EQ(partial->size(), 1u);
  EXPECT_EQ((*partial)[0].instrument, eth);
  EXPECT_EQ((*partial)[0].status, core::TradingStatus::kHalted);
}

}  // namespace
}  // namespace tradingd::sim::okx
