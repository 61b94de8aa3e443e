// The Kraken protocol of the daemon's VenueFeed: its messages and rules parser on their own (the
// real AssetPairs captures, hostile bodies), then the whole feed — VenueFeed + KrakenProtocol —
// against the sandbox Kraken venue (StreamSim + the Kraken dialect) over loopback: rules, LIVE
// books equal to the venue's at the subscribed depth, and every fault Kraken can show taking a book
// STALE with the right reason and back to LIVE and equal.
//
// Threads: the sim runs on its own io thread; the feed runs on the test thread, which drives its
// io_context until a condition holds (net::testing::RunUntil, with a deadline that fails the test),
// so the recording sink is only ever used by one thread and needs no lock.

#include "feeds/kraken/kraken_feed.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "feeds/common/venue_feed.h"
#include "sim/common/stream_sim.h"
#include "sim/kraken/kraken_sim.h"
#include "tests/support/io_thread.h"
#include "tests/feeds/feeds_test_util.h"
#include "tests/net/net_test_util.h"
#include "tests/support/fixtures.h"

namespace tradingd::feeds::kraken {
namespace {

using namespace std::chrono_literals;
using testing::Padded;
using testing::RecordingSink;

constexpr auto kDeadline = 15s;

// ---- the protocol on its own ----

struct ProtocolHarness {
  ProtocolHarness() {
    btc = *registry.Add(core::Venue::kKraken, "BTC", "USD");
    eth = *registry.Add(core::Venue::kKraken, "ETH", "USD");
    // Another venue's instrument is not Kraken's to subscribe.
    EXPECT_TRUE(registry.Add(core::Venue::kBinance, "BTC", "USDT").ok());
  }
  std::unique_ptr<VenueProtocol> Make(KrakenFeedOptions options = {}) {
    const VenueProtocolContext context{registry, sink,
                                       [this](core::InstrumentId id) { resyncs.push_back(id); }};
    return KrakenProtocolFactory(std::move(options))(context);
  }

  core::SymbolRegistry registry;
  core::InstrumentId btc = core::kNoInstrument;
  core::InstrumentId eth = core::kNoInstrument;
  RecordingSink sink;
  std::vector<core::InstrumentId> resyncs;
};

std::string_view Str(simdjson::dom::element element, std::string_view key) {
  std::string_view value;
  return element[key].get(value) == simdjson::SUCCESS ? value : std::string_view();
}

TEST(KrakenProtocolTest, ValidateRefusesDepthsKrakenDoesNotServe) {
  KrakenFeedOptions options;
  EXPECT_TRUE(ValidateKrakenFeedOptions(options).ok());
  for (std::size_t depth : {10u, 25u, 100u, 500u, 1000u}) {
    options.book_depth = depth;
    EXPECT_TRUE(ValidateKrakenFeedOptions(options).ok()) << depth;
  }
  for (std::size_t depth : {0u, 5u, 20u, 27u, 50u, 2000u}) {
    options.book_depth = depth;
    const core::Status status = ValidateKrakenFeedOptions(options);
    EXPECT_FALSE(status.ok()) << depth;
    EXPECT_EQ(status.code(), core::ErrorCode::kInvalidConfig);
    EXPECT_NE(status.message().find("10, 25, 100, 500 or 1000"), std::string::npos);
  }
  options.book_depth = 10;
  options.ws_url = "https://ws.kraken.com/v2";
  EXPECT_FALSE(ValidateKrakenFeedOptions(options).ok());
}

TEST(KrakenProtocolTest, SubscribesBookTickerBboAndTradesWithoutSnapshotForKrakensInstruments) {
  ProtocolHarness harness;
  KrakenFeedOptions options;
  options.ws_url = "ws://127.0.0.1:1/v2";
  options.book_depth = 25;
  auto protocol = harness.Make(options);
  EXPECT_EQ(protocol->Url(), "ws://127.0.0.1:1/v2");
  EXPECT_TRUE(protocol->subscribe_after_rules());
  const KeepAlive keep_alive = protocol->keep_alive();
  EXPECT_EQ(keep_alive.text, R"({"method":"ping"})");
  EXPECT_GT(keep_alive.interval.count(), 0);
  EXPECT_EQ(protocol->RulesTarget(), "/0/public/AssetPairs?pair=BTC/USD,ETH/USD");

  const std::vector<std::string> messages = protocol->SubscribeAll();
  ASSERT_EQ(messages.size(), 3u);
  simdjson::dom::parser parser;
  std::map<std::string, std::string> channels;
  std::vector<std::int64_t> req_ids;
  for (const std::string& message : messages) {
    simdjson::dom::element root;
    ASSERT_EQ(parser.parse(message).get(root), simdjson::SUCCESS) << message;
    EXPECT_EQ(Str(root, "method"), "subscribe");
    std::int64_t req_id = 0;
    ASSERT_EQ(root["req_id"].get(req_id), simdjson::SUCCESS);
    req_ids.push_back(req_id);
    simdjson::dom::element params = root["params"];
    simdjson::dom::array symbols;
    ASSERT_EQ(params["symbol"].get(symbols), simdjson::SUCCESS);
    ASSERT_EQ(symbols.size(), 2u);
    EXPECT_EQ(std::string_view(symbols.at(0)), "BTC/USD");
    EXPECT_EQ(std::string_view(symbols.at(1)), "ETH/USD");
    const std::string channel(Str(params, "channel"));
    bool snapshot = false;
    ASSERT_EQ(params["snapshot"].get(snapshot), simdjson::SUCCESS) << "always explicit";
    if (channel == "book") {
      std::int64_t depth = 0;
      ASSERT_EQ(params["depth"].get(depth), simdjson::SUCCESS);
      EXPECT_EQ(depth, 25);
      EXPECT_TRUE(snapshot);
    } else if (channel == "ticker") {
      EXPECT_EQ(Str(params, "event_trigger"), "bbo");
    } else if (channel == "trade") {
      EXPECT_FALSE(snapshot);
    }
    channels[channel] = message;
  }
  EXPECT_EQ(channels.size(), 3u);
  EXPECT_TRUE(channels.count("book") && channels.count("ticker") && channels.count("trade"));
  EXPECT_NE(req_ids[0], req_ids[1]);

  // A resync: unsubscribe the book, then subscribe it again (Kraken then sends a new snapshot).
  const auto resubscribe = protocol->ResubscribeBook(harness.registry.Get(harness.eth));
  ASSERT_EQ(resubscribe.size(), 2u);
  simdjson::dom::element first, second;
  ASSERT_EQ(parser.parse(resubscribe[0]).get(first), simdjson::SUCCESS);
  EXPECT_EQ(Str(first, "method"), "unsubscribe");
  EXPECT_EQ(Str(first["params"], "channel"), "book");
  EXPECT_EQ(std::string_view(first["params"]["symbol"].at(0)), "ETH/USD");
  std::int64_t depth = 0;
  ASSERT_EQ(first["params"]["depth"].get(depth), simdjson::SUCCESS);
  EXPECT_EQ(depth, 25);
  simdjson::dom::parser parser2;
  ASSERT_EQ(parser2.parse(resubscribe[1]).get(second), simdjson::SUCCESS);
  EXPECT_EQ(Str(second, "method"), "subscribe");
  ASSERT_EQ(second["params"]["depth"].get(depth), simdjson::SUCCESS);
  EXPECT_EQ(depth, 25);
}

std::string FixtureBody(const std::filesystem::path& path) {
  // cryptofeed: "<url> -> <ts>: <body>" on the first line.
  std::ifstream file(path);
  std::string line;
  std::getline(file, line);
  const std::size_t colon = line.find(": ");
  return colon == std::string::npos ? std::string() : line.substr(colon + 2);
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

const KrakenPairRules* RulesOf(const KrakenAssetPairs& pairs, core::InstrumentId id) {
  for (const KrakenPairRules& rules : pairs.pairs) {
    if (rules.rules.instrument == id) return &rules;
  }
  return nullptr;
}

TEST(KrakenRulesTest, LiveAssetPairsCaptureOf2021) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/KRAKEN.0");
  const std::string body = FixtureBody(path);
  ASSERT_FALSE(body.empty());
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kKraken, "BTC", "USD");
  const auto eth = *registry.Add(core::Venue::kKraken, "ETH", "USD");
  const auto ada = *registry.Add(core::Venue::kKraken, "ADA", "BTC");
  const auto absent = *registry.Add(core::Venue::kKraken, "SOL", "USD");  // not listed in 2021
  const auto parsed = ParseAssetPairs(body, registry);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->errors.empty());
  EXPECT_EQ(parsed->pairs.size(), 3u);

  // XXBTZUSD, wsname "XBT/USD": pair_decimals 1, lot_decimals 8, ordermin "0.0002"; the 2021 answer
  // has no tick_size, costmin or status.
  const KrakenPairRules* b = RulesOf(*parsed, btc);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->price_decimals, 1);
  EXPECT_EQ(b->quantity_decimals, 8);
  EXPECT_EQ(b->rules.tick_size.mantissa(), 10'000'000);
  EXPECT_EQ(b->rules.lot_size.mantissa(), 1);
  EXPECT_EQ(b->rules.min_quantity.mantissa(), 20'000);
  EXPECT_EQ(b->rules.min_notional.mantissa(), 0);
  EXPECT_EQ(b->rules.status, core::TradingStatus::kUnknown);
  const KrakenPairRules* e = RulesOf(*parsed, eth);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->price_decimals, 2);
  EXPECT_EQ(e->rules.tick_size.mantissa(), 1'000'000);
  EXPECT_EQ(e->rules.min_quantity.mantissa(), 500'000);  // "0.005"
  const KrakenPairRules* a = RulesOf(*parsed, ada);      // ADAXBT, wsname "ADA/XBT"
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->price_decimals, 8);
  EXPECT_EQ(RulesOf(*parsed, absent), nullptr);
}

TEST(KrakenRulesTest, DocumentedAssetPairsWithCostminTickSizeAndStatus) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/nautilus_fixtures/http_asset_pairs.json");
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kKraken, "BTC", "USDT");
  const auto parsed = ParseAssetPairs(ReadAll(path), registry);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const KrakenPairRules* rules = RulesOf(*parsed, btc);
  ASSERT_NE(rules, nullptr);
  EXPECT_EQ(rules->rules.tick_size.mantissa(), 10'000'000);     // "0.1"
  EXPECT_EQ(rules->rules.min_quantity.mantissa(), 5'000);       // "0.00005"
  EXPECT_EQ(rules->rules.min_notional.mantissa(), 50'000'000);  // "0.5"
  EXPECT_EQ(rules->rules.max_quantity.mantissa(), INT64_MAX);  // Kraken publishes none
  EXPECT_EQ(rules->rules.status, core::TradingStatus::kTrading);
}

TEST(KrakenRulesTest, HostileAndRefusingBodies) {
  core::SymbolRegistry registry;
  const auto btc = *registry.Add(core::Venue::kKraken, "BTC", "USD");
  const std::vector<std::string> refused = {
      "",
      "[]",
      "{",
      "null",
      R"({"error":["EQuery:Unknown asset pair"]})",
      R"({"error":["EGeneral:Too many requests","EService:Unavailable"],"result":{}})",
      R"({"error":[]})",
      R"({"error":[],"result":[]})",
      R"({"result":{}})",
      R"({"error":"EQuery:Unknown asset pair"})",
      "{\"error\":[],\"result\":{\"X\xff\":{}}}",
      std::string(50000, '{'),
  };
  for (const std::string& body : refused) {
    const auto parsed = ParseAssetPairs(body, registry);
    EXPECT_FALSE(parsed.ok()) << body.substr(0, 60);
  }
  const auto refusal = ParseAssetPairs(R"({"error":["EQuery:Unknown asset pair"]})", registry);
  EXPECT_NE(refusal.status().message().find("EQuery:Unknown asset pair"), std::string::npos);

  // A pair with broken values is left out and said so; the others still count.
  const auto partial = ParseAssetPairs(
      R"({"error":[],"result":{)"
      R"("A":{"wsname":"XBT/USD","pair_decimals":"1","lot_decimals":8},)"
      R"("B":{"wsname":"XBT/USD","pair_decimals":12,"lot_decimals":8},)"
      R"("C":{"wsname":"XBT/USD","pair_decimals":1,"lot_decimals":8,"ordermin":0.1},)"
      R"("D":{"wsname":"XBT/USD","pair_decimals":1,"lot_decimals":8,"ordermin":"0.000000001"},)"
      R"("E":{"altname":"NOWSNAME","pair_decimals":1,"lot_decimals":8},)"
      R"("F":"not an object",)"
      R"("G":{"wsname":"DOGE/USD","pair_decimals":7,"lot_decimals":8},)"
      R"("H":{"wsname":"XBT/USD","pair_decimals":1,"lot_decimals":8,"ordermin":"0.0001",)"
      R"("costmin":"0.5","tick_size":"0.1","status":"cancel_only","unknown":[1,{}]}}})",
      registry);
  ASSERT_TRUE(partial.ok()) << partial.status().ToString();
  EXPECT_EQ(partial->errors.size(), 4u);
  ASSERT_EQ(partial->pairs.size(), 1u);
  EXPECT_EQ(partial->pairs[0].rules.instrument, btc);
  EXPECT_EQ(partial->pairs[0].rules.status, core::TradingStatus::kHalted);
  EXPECT_EQ(partial->pairs[0].rules.min_quantity.mantissa(), 10'000);
}

// The rules' precisions reach the core: the capture's snapshot lost its trailing zeros ("4.0"),
// so its checksum matches only once the numbers are written with pair_decimals and lot_decimals.
TEST(KrakenRulesTest, OnRulesGivesTheCoreThePrecisionTheChecksumNeeds) {
  TRADINGD_REQUIRE_FIXTURE(path, "kraken/orderbook-v2.json");
  simdjson::padded_string json;
  ASSERT_EQ(simdjson::padded_string::load(path.string()).get(json), simdjson::SUCCESS);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  ASSERT_EQ(parser.iterate(json).get(doc), simdjson::SUCCESS);
  simdjson::ondemand::object init;
  ASSERT_EQ(doc["init"].get_object().get(init), simdjson::SUCCESS);
  std::string_view raw;
  ASSERT_EQ(init.raw_json().get(raw), simdjson::SUCCESS);
  const Padded snapshot{std::string(raw)};

  const std::string asset_pairs =
      R"({"error":[],"result":{"XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD",)"
      R"("pair_decimals":1,"lot_decimals":8,"ordermin":"0.00005","costmin":"0.5",)"
      R"("tick_size":"0.1","status":"online"}}})";
  for (const bool with_rules : {false, true}) {
    ProtocolHarness harness;
    auto protocol = harness.Make();
    if (with_rules) {
      const auto rules = protocol->OnRules(asset_pairs);
      ASSERT_TRUE(rules.ok()) << rules.status().ToString();
      ASSERT_EQ(rules->size(), 1u);
      EXPECT_EQ((*rules)[0].instrument, harness.btc);
    }
    protocol->OnFrame(snapshot.view(), 1);
    const auto& kraken = static_cast<KrakenProtocol&>(*protocol);
    EXPECT_EQ(kraken.market_data().book_state(harness.btc) == core::BookState::kLive, with_rules);
    EXPECT_EQ(kraken.market_data().counters().checksum_ok, with_rules ? 1u : 0u);
    EXPECT_EQ(protocol->counts().frames, 1u);
    EXPECT_EQ(protocol->counts().parse_errors, 0u);
  }
  ProtocolHarness harness;
  auto protocol = harness.Make();
  EXPECT_FALSE(protocol->OnRules(R"({"error":["EQuery:Unknown asset pair"]})").ok());
}

// ---- the feed against the sandbox venue, over loopback ----

using ::tradingd::testing::IoThread;

struct InstrumentRecord {
  std::map<std::int64_t, std::int64_t> bids, asks;  // ascending price
  core::BookState state = core::BookState::kSyncing;
  int went_live = 0;
  std::vector<core::BookReason> stale_reasons;
  std::optional<core::InstrumentRules> rules;
  int quotes = 0;
  int trades = 0;
  int stale(core::BookReason reason) const {
    return static_cast<int>(std::count(stale_reasons.begin(), stale_reasons.end(), reason));
  }
};

// Applies what the feed publishes as the engine would. Used on the test thread only (the feed's).
class FeedRecorder final : public core::EventSink {
 public:
  bool Publish(const core::Event& event) override {
    if (const auto* update = std::get_if<core::BookUpdate>(&event)) {
      InstrumentRecord& record = records[update->instrument];
      if (update->has(core::BookUpdate::kSnapshot) && update->has(core::BookUpdate::kFirstChunk)) {
        record.bids.clear();
        record.asks.clear();
      }
      for (int i = 0; i < update->bid_count + update->ask_count; ++i) {
        auto& side = i < update->bid_count ? record.bids : record.asks;
        const core::PriceLevel& level = update->levels[i];
        if (level.quantity.is_zero()) {
          side.erase(level.price.mantissa());
        } else {
          side[level.price.mantissa()] = level.quantity.mantissa();
        }
      }
      if (update->has(core::BookUpdate::kGoesLive)) {
        record.state = core::BookState::kLive;
        ++record.went_live;
      }
    } else if (const auto* status = std::get_if<core::BookStatus>(&event)) {
      InstrumentRecord& record = records[status->instrument];
      record.state = status->state;
      if (status->state == core::BookState::kStale) record.stale_reasons.push_back(status->reason);
    } else if (const auto* rules = std::get_if<core::InstrumentRules>(&event)) {
      records[rules->instrument].rules = *rules;
    } else if (const auto* quote = std::get_if<core::Quote>(&event)) {
      ++records[quote->instrument].quotes;
    } else if (const auto* trade = std::get_if<core::Trade>(&event)) {
      ++records[trade->instrument].trades;
    } else if (const auto* feed = std::get_if<core::FeedStatus>(&event)) {
      last_status = *feed;
      ++feed_statuses;
    }
    return true;
  }

  std::map<core::InstrumentId, InstrumentRecord> records;
  core::FeedStatus last_status;
  int feed_statuses = 0;
};

bool SameBook(const InstrumentRecord& record, const sim::BookLevels& venue) {
  if (record.bids.size() != venue.bids.size() || record.asks.size() != venue.asks.size()) {
    return false;
  }
  std::size_t i = 0;
  for (auto it = record.bids.rbegin(); it != record.bids.rend(); ++it, ++i) {
    if (it->first != venue.bids[i].price || it->second != venue.bids[i].quantity) return false;
  }
  i = 0;
  for (auto it = record.asks.begin(); it != record.asks.end(); ++it, ++i) {
    if (it->first != venue.asks[i].price || it->second != venue.asks[i].quantity) return false;
  }
  return true;
}

class KrakenLoopbackTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kDepth = 10;

  void StartSim() {
    sim::StreamSimOptions options;
    options.symbols = sim::kraken::DefaultKrakenSymbols();
    options.seed = 11;
    sim_ = std::make_unique<sim::StreamSim>(sim_io_.io(), std::move(options),
                                            sim::kraken::MakeKrakenDialect());
    auto port = sim_io_.Run([&] { return sim_->Start(); });
    ASSERT_TRUE(port.ok()) << port.status().ToString();
  }

  // `extra_pair`: one more Kraken instrument that the venue does not list. `rules_unreachable`:
  // the REST base points where nothing listens, so the rules never load.
  void StartFeed(std::chrono::milliseconds ping_interval = 5000ms,
                 std::chrono::milliseconds silence_timeout = 2500ms, bool extra_pair = false,
                 bool rules_unreachable = false) {
    btc_ = *registry_.Add(core::Venue::kKraken, "BTC", "USD");
    eth_ = *registry_.Add(core::Venue::kKraken, "ETH", "USD");
    if (extra_pair) {
      ASSERT_TRUE(registry_.Add(core::Venue::kKraken, "SOL", "USD").ok());
    }
    VenueFeedOptions options;
    options.venue = core::Venue::kKraken;
    options.rest_base_url = rules_unreachable ? "http://127.0.0.1:1" : sim_->rest_url();
    options.silence_timeout = silence_timeout;
    options.reconnect_min = 10ms;
    options.reconnect_max = 100ms;
    options.rules_retry_min = 20ms;
    options.rules_retry_max = 100ms;
    options.status_interval = 50ms;
    options.verify_peer = false;
    KrakenFeedOptions kraken;
    kraken.ws_url = sim_->ws_url();
    kraken.book_depth = kDepth;
    kraken.ping_interval = ping_interval;
    ASSERT_TRUE(ValidateKrakenFeedOptions(kraken).ok());
    feed_ = std::make_unique<VenueFeed>(io_, options, KrakenProtocolFactory(kraken), registry_,
                                        recorder_);
    feed_->Start();
  }

  void TearDown() override {
    if (feed_) {
      feed_->Stop();
      net::testing::RunFor(io_, 20ms);
      feed_.reset();
    }
    if (sim_) sim_->Stop();
    sim_io_.Join();
  }

  bool RunUntil(const std::function<bool()>& done) {
    return net::testing::RunUntil(io_, done, kDeadline);
  }
  const InstrumentRecord& btc() { return recorder_.records[btc_]; }
  const InstrumentRecord& eth() { return recorder_.records[eth_]; }
  bool AllLive() {
    return btc().state == core::BookState::kLive && eth().state == core::BookState::kLive;
  }

  // Pauses the venue (pending changes reach the client first) and waits until the feed's books
  // equal the venue's at the subscribed depth; then resumes.
  void ExpectFeedHoldsThePausedBooks() {
    sim_->Pause();
    const auto btc_venue = sim_->BookSnapshot("BTC/USD", kDepth);
    const auto eth_venue = sim_->BookSnapshot("ETH/USD", kDepth);
    ASSERT_TRUE(btc_venue && eth_venue);
    ASSERT_EQ(btc_venue->bids.size(), kDepth);
    EXPECT_TRUE(RunUntil([&] {
      return SameBook(btc(), *btc_venue) && SameBook(eth(), *eth_venue);
    })) << "the feed's books never equalled the paused venue's";
    EXPECT_TRUE(AllLive());
    sim_->Resume();
  }

  IoThread sim_io_;
  std::unique_ptr<sim::StreamSim> sim_;
  // The registry and the recorder outlive the io_context and the feed.
  core::SymbolRegistry registry_;
  core::InstrumentId btc_ = core::kNoInstrument;
  core::InstrumentId eth_ = core::kNoInstrument;
  FeedRecorder recorder_;
  boost::asio::io_context io_;
  std::unique_ptr<VenueFeed> feed_;
};

TEST_F(KrakenLoopbackTest, RulesThenLiveBooksQuotesAndTradesEqualToTheVenue) {
  StartSim();
  StartFeed();
  ASSERT_TRUE(RunUntil([&] {
    return AllLive() && btc().rules && eth().rules && btc().quotes > 0 && btc().trades > 0;
  })) << "rules, books, quotes and trades did not all arrive";
  const core::InstrumentRules& rules = *btc().rules;
  EXPECT_EQ(rules.tick_size.mantissa(), 10'000'000);  // 0.1
  EXPECT_EQ(rules.lot_size.mantissa(), 1);            // 0.00000001
  EXPECT_EQ(rules.min_quantity.mantissa(), 5'000);    // 0.00005
  EXPECT_EQ(rules.min_notional.mantissa(), 50'000'000);
  EXPECT_EQ(rules.status, core::TradingStatus::kTrading);
  EXPECT_EQ(eth().rules->tick_size.mantissa(), 1'000'000);
  EXPECT_EQ(btc().went_live, 1);
  EXPECT_TRUE(btc().stale_reasons.empty());
  ExpectFeedHoldsThePausedBooks();
  EXPECT_EQ(feed_->counts().parse_errors, 0u);
  EXPECT_EQ(feed_->feed_counters().resubscribes, 0u);
}

TEST_F(KrakenLoopbackTest, ChecksumFaultsGoStaleThenResubscribeToLiveAndEqual) {
  StartSim();
  StartFeed();
  ASSERT_TRUE(RunUntil([&] { return AllLive(); }));

  ASSERT_TRUE(sim_->CorruptChecksum("BTC/USD"));
  ASSERT_TRUE(RunUntil([&] {
    return btc().stale(core::BookReason::kChecksum) == 1 && btc().went_live == 2 && AllLive();
  })) << "BTC/USD: stale "
      << btc().stale_reasons.size() << ", went live " << btc().went_live;
  EXPECT_EQ(eth().went_live, 1) << "the fault was BTC/USD's only";

  ASSERT_TRUE(sim_->SkipSequence("ETH/USD"));
  ASSERT_TRUE(RunUntil([&] {
    return eth().stale(core::BookReason::kChecksum) == 1 && eth().went_live == 2 && AllLive();
  })) << "ETH/USD: stale "
      << eth().stale_reasons.size() << ", went live " << eth().went_live;
  EXPECT_EQ(btc().went_live, 2);
  EXPECT_GE(feed_->feed_counters().resubscribes, 2u);
  EXPECT_EQ(feed_->counts().parse_errors, 0u);
  ExpectFeedHoldsThePausedBooks();
  EXPECT_FALSE(sim_->ResetSequence("BTC/USD")) << "Kraken has no sequence to reset";
}

TEST_F(KrakenLoopbackTest, DropSilenceAndMalformedFrames) {
  StartSim();
  StartFeed(5000ms, 1500ms);
  ASSERT_TRUE(RunUntil([&] { return AllLive(); }));

  sim_->DropConnections();
  ASSERT_TRUE(RunUntil([&] {
    return btc().stale(core::BookReason::kDisconnected) == 1 &&
           eth().stale(core::BookReason::kDisconnected) == 1 && btc().went_live == 2 &&
           eth().went_live == 2;
  }));

  // Silent for longer than the feed's silence timeout: STALE(silence), a new connection, LIVE.
  sim_->GoSilent(2500ms);
  ASSERT_TRUE(RunUntil([&] {
    return btc().stale(core::BookReason::kSilence) >= 1 && btc().went_live == 3 &&
           eth().went_live == 3;
  })) << "stale reasons "
      << btc().stale_reasons.size();

  // A truncated frame is a parse error, not a lost book update: the books stay LIVE.
  const std::uint64_t parse_errors = feed_->counts().parse_errors;
  sim_->SendMalformed();
  ASSERT_TRUE(RunUntil([&] { return feed_->counts().parse_errors == parse_errors + 1; }));
  ExpectFeedHoldsThePausedBooks();
  EXPECT_EQ(btc().went_live, 3);
  EXPECT_EQ(eth().went_live, 3);
}

// One configured pair the venue does not list makes Kraken refuse the filtered AssetPairs query;
// the feed then asks for every pair, and the listed pairs load and go LIVE.
TEST_F(KrakenLoopbackTest, AnUnlistedPairDoesNotHoldBackTheOthers) {
  StartSim();
  StartFeed(/*ping_interval=*/5000ms, /*silence_timeout=*/2500ms, /*extra_pair=*/true);
  ASSERT_TRUE(RunUntil([&] { return btc().went_live >= 1 && eth().went_live >= 1; }))
      << "the listed pairs never went LIVE";
  EXPECT_EQ(feed_->feed_counters().rules_failures, 1u);  // the filtered query, once
  EXPECT_EQ(feed_->feed_counters().rules_loaded, 1u);
  EXPECT_TRUE(btc().rules.has_value());
}

// Before the rules are in nothing is subscribed, so Kraken sends no heartbeat; the client's ping is
// what keeps the connection from looking silent. Here the rules never load (nothing answers on the
// REST port), so only pings and pongs flow.
TEST_F(KrakenLoopbackTest, PingKeepsAnUnsubscribedConnectionOpen) {
  StartSim();
  StartFeed(/*ping_interval=*/80ms, /*silence_timeout=*/400ms, /*extra_pair=*/false,
            /*rules_unreachable=*/true);
  ASSERT_TRUE(RunUntil([&] { return sim_->counters().client_messages >= 15; }))
      << "pings did not reach the venue";
  EXPECT_EQ(sim_->counters().connections_accepted, 1u) << "the connection was cut for silence";
  EXPECT_GE(feed_->feed_counters().rules_failures, 1u);
  EXPECT_EQ(feed_->feed_counters().subscribe_messages, 0u);
  EXPECT_TRUE(feed_->connected());
  EXPECT_EQ(feed_->counts().parse_errors, 0u);
  EXPECT_FALSE(btc().rules.has_value());
}

// The control: without the ping the same connection is cut for silence and reconnected.
TEST_F(KrakenLoopbackTest, WithoutPingAnUnsubscribedConnectionLooksSilent) {
  StartSim();
  StartFeed(/*ping_interval=*/0ms, /*silence_timeout=*/400ms, /*extra_pair=*/false,
            /*rules_unreachable=*/true);
  ASSERT_TRUE(RunUntil([&] { return sim_->counters().connections_accepted >= 2; }))
      << "the connection was never cut for silence";
  EXPECT_EQ(sim_->counters().client_messages, 0u);
}

}  // namespace
}  // namespace tradingd::feeds::kraken
