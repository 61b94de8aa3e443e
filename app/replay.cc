#include "app/replay.h"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/json_writer.h"
#include "engine/engine.h"
#include "feeds/binance/binance_market_data.h"
#include "feeds/capture/capture_reader.h"
#include "feeds/coinbase/coinbase_capture.h"
#include "feeds/coinbase/coinbase_market_data.h"
#include "feeds/bybit/bybit_capture.h"
#include "feeds/bybit/bybit_market_data.h"
#include "feeds/kraken/kraken_capture.h"
#include "feeds/kraken/kraken_market_data.h"
#include "feeds/okx/okx_capture.h"
#include "feeds/okx/okx_market_data.h"

namespace tradingd::app {
namespace {

using core::ErrorCode;
using core::Status;

// Quote assets Binance lists, longest first, to split "NKNUSDT" into NKN and USDT for the registry.
// Only labels depend on it: the wire symbol is kept as recorded.
constexpr std::string_view kQuoteAssets[] = {"FDUSD", "USDT", "USDC", "BUSD", "TUSD", "EUR", "TRY",
                                             "BRL",   "GBP",  "AUD",  "BTC",  "ETH",  "BNB", "USD"};

std::pair<std::string, std::string> SplitSymbol(std::string_view symbol) {
  for (std::string_view quote : kQuoteAssets) {
    if (symbol.size() > quote.size() && symbol.substr(symbol.size() - quote.size()) == quote) {
      return {std::string(symbol.substr(0, symbol.size() - quote.size())), std::string(quote)};
    }
  }
  return {std::string(symbol), "UNKNOWN"};
}

// The symbols a capture speaks of: "s" fields of frames, REST symbols, and subscribed stream names.
std::set<std::string> DiscoverSymbols(const feeds::Capture& capture) {
  std::set<std::string> symbols;
  constexpr std::string_view kField = "\"s\":\"";
  for (const feeds::CaptureRecord& record : capture.records()) {
    if (!record.symbol.empty()) symbols.insert(std::string(record.symbol));
    if (record.kind == feeds::CaptureKind::kFrame) {
      const auto at = record.payload.find(kField);
      if (at == std::string_view::npos) continue;
      const auto start = at + kField.size();
      const auto end = record.payload.find('"', start);
      if (end == std::string_view::npos || end - start > 32 || end == start) continue;
      symbols.insert(std::string(record.payload.substr(start, end - start)));
    }
  }
  return symbols;
}

void WriteLevel(core::JsonWriter& w, const std::optional<core::PriceLevel>& level,
                const core::Instrument& instrument, int price_decimals) {
  if (!level) {
    w.Null();
    return;
  }
  w.BeginArray();
  w.String(core::FormatDecimal(level->price.mantissa(), instrument.price_scale, price_decimals));
  w.String(core::FormatDecimal(level->quantity.mantissa(), instrument.quantity_scale, 0));
  w.EndArray();
}

// The books as the engine holds them at the end of the replay.
void WriteBooks(core::JsonWriter& w, const core::SymbolRegistry& registry,
                const engine::Engine& engine) {
  w.Key("books").BeginArray();
  for (core::InstrumentId id = 0; id < registry.size(); ++id) {
    const core::Instrument& instrument = registry.Get(id);
    const engine::OrderBook& book = engine.book(id);
    const int price_decimals = core::SignificantFractionDigits(book.grid(), instrument.price_scale);
    w.BeginObject();
    w.Key("symbol").String(instrument.venue_symbol);
    w.Key("state").String(core::BookStateName(engine.state(id)));
    w.Key("best_bid");
    WriteLevel(w, book.BestBid(), instrument, price_decimals);
    w.Key("best_ask");
    WriteLevel(w, book.BestAsk(), instrument, price_decimals);
    w.Key("sequence").Uint(engine.sequence(id));
    w.Key("bid_levels").Uint(book.bid_levels());
    w.Key("ask_levels").Uint(book.ask_levels());
    w.Key("crossed").Uint(engine.counters(id).crossed);
    w.EndObject();
  }
  w.EndArray();
}

void WriteRates(core::JsonWriter& w, double seconds, std::uint64_t messages, std::uint64_t depth) {
  w.Key("elapsed_s").RawNumber(fmt::format("{:.6f}", seconds));
  w.Key("msgs_per_s").RawNumber(fmt::format("{:.0f}", seconds > 0 ? messages / seconds : 0.0));
  w.Key("depth_msgs_per_s").RawNumber(fmt::format("{:.0f}", seconds > 0 ? depth / seconds : 0.0));
}

core::Result<std::string> RunKrakenReplay(const ReplayOptions& options,
                                         const feeds::Capture& capture);
core::Result<std::string> RunOkxReplay(const ReplayOptions& options, const feeds::Capture& capture);
core::Result<std::string> RunBybitReplay(const ReplayOptions& options,
                                        const feeds::Capture& capture);
core::Result<std::string> RunCoinbaseReplay(const ReplayOptions& options,
                                           const feeds::Capture& capture);

}  // namespace

core::Result<std::string> RunReplay(const ReplayOptions& options) {
  std::vector<std::filesystem::path> paths(options.files.begin(), options.files.end());
  auto capture = feeds::LoadCapture(paths);
  if (!capture.ok()) return capture.status();
  switch (options.venue) {
    case core::Venue::kKraken: return RunKrakenReplay(options, *capture);
    case core::Venue::kOkx: return RunOkxReplay(options, *capture);
    case core::Venue::kBybit: return RunBybitReplay(options, *capture);
    case core::Venue::kCoinbase: return RunCoinbaseReplay(options, *capture);
    case core::Venue::kBinance:
    case core::Venue::kBinanceUsdm: break;  // below: Binance's recordings carry REST snapshots
  }

  core::SymbolRegistry registry;
  for (const std::string& symbol : DiscoverSymbols(*capture)) {
    auto [base, quote] = SplitSymbol(symbol);
    auto id = registry.Add(options.venue, base, quote, symbol);
    if (!id.ok()) return Status(ErrorCode::kBadRequest, fmt::format("capture symbol '{}': {}", symbol, id.status().message()));
  }
  if (registry.size() == 0) return Status(ErrorCode::kBadRequest, "the capture holds no Binance market data");

  const core::Clock& clock = core::SystemClock::Instance();
  engine::Engine engine(registry, nullptr, clock);
  engine::EngineSink sink(engine);
  // Recorded snapshots arrive in the capture itself, so requests for one are not acted upon.
  feeds::binance::BinanceMarketData market_data(options.venue, registry, sink, [](core::InstrumentId) {});
  // A crossed book asks for a resync; run it after the current message, not inside it.
  std::vector<std::pair<core::InstrumentId, core::BookReason>> resyncs;
  engine.SetResyncHandler(
      [&](core::InstrumentId id, core::BookReason reason) { resyncs.emplace_back(id, reason); });

  // Engine counters restart with fresh books each round; the report gives totals over all rounds.
  std::uint64_t bbo_ok = 0, bbo_failed = 0, checksum_failed = 0, resyncs_after_start = 0;
  auto harvest = [&] {
    for (core::InstrumentId id = 0; id < registry.size(); ++id) {
      bbo_ok += engine.counters(id).bbo_checks_ok;
      bbo_failed += engine.counters(id).bbo_checks_failed;
      checksum_failed += engine.counters(id).checksum_failures;
      resyncs_after_start += engine.counters(id).resyncs;
    }
  };
  std::chrono::nanoseconds elapsed{0};
  std::uint64_t snapshots_unmatched = 0;
  for (int round = 0; round < options.repeat; ++round) {
    if (round > 0) {
      harvest();
      engine.ResetBooks();
      market_data.Reset();
    }
    bool connected = false;
    const auto start = std::chrono::steady_clock::now();
    for (const feeds::CaptureRecord& record : capture->records()) {
      switch (record.kind) {
        case feeds::CaptureKind::kFrame:
          market_data.OnFrame(record.payload, record.timestamp_ns);
          connected = true;
          break;
        case feeds::CaptureKind::kRestResponse: {
          if (record.payload.find("\"lastUpdateId\"") == std::string_view::npos) break;  // not depth
          const core::Instrument* instrument = registry.Find(options.venue, record.symbol);
          if (instrument == nullptr && registry.size() == 1) instrument = &registry.Get(0);
          if (instrument == nullptr) {
            ++snapshots_unmatched;
            break;
          }
          market_data.OnSnapshot(instrument->id, record.payload, record.timestamp_ns);
          break;
        }
        case feeds::CaptureKind::kConnectionOpened:
          // A new connection in the middle of a recording: the stream restarted.
          if (connected) market_data.OnDisconnected(core::BookReason::kDisconnected, record.timestamp_ns);
          break;
      }
      for (const auto& [id, reason] : resyncs) market_data.Resync(id, reason, record.timestamp_ns);
      resyncs.clear();
    }
    elapsed += std::chrono::steady_clock::now() - start;
  }

  const auto& counters = market_data.counters();
  harvest();
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const std::uint64_t messages = counters.depth + counters.book_ticker + counters.trade + counters.other;

  core::JsonWriter w;
  w.BeginObject();
  w.Key("venue").String(core::VenueName(options.venue));
  w.Key("files").Uint(options.files.size());
  w.Key("repeat").Int(options.repeat);
  w.Key("records").Uint(capture->records().size());
  w.Key("bad_lines").Uint(capture->stats().bad_lines);
  w.Key("messages").BeginObject();
  w.Key("depth").Uint(counters.depth);
  w.Key("book_ticker").Uint(counters.book_ticker);
  w.Key("trade").Uint(counters.trade);
  w.Key("other").Uint(counters.other);
  w.Key("parse_errors").Uint(counters.parse_errors);
  w.Key("unknown_symbol").Uint(counters.unknown_symbol);
  w.EndObject();
  w.Key("depth_updates_applied").Uint(counters.diffs_applied);
  w.Key("depth_updates_dropped_old").Uint(counters.diffs_dropped_old);
  w.Key("snapshots").Uint(counters.snapshots);
  w.Key("snapshots_unmatched").Uint(snapshots_unmatched);
  w.Key("gaps").Uint(counters.gaps);
  w.Key("resyncs").Uint(resyncs_after_start);  // after the first sync of each book
  w.Key("checksum").BeginObject().Key("ok").Uint(0).Key("failed").Uint(checksum_failed).EndObject();
  w.Key("bbo_checks").BeginObject().Key("ok").Uint(bbo_ok).Key("failed").Uint(bbo_failed).EndObject();
  WriteBooks(w, registry, engine);
  WriteRates(w, seconds, messages, counters.depth);
  w.EndObject();
  return w.Take();
}

namespace {

// What the venues without a REST snapshot in their recordings report (Kraken, OKX, Bybit,
// Coinbase): counts over all rounds.
struct VenueReport {
  std::uint64_t book_snapshots = 0, book_updates = 0, quotes = 0, trades = 0, heartbeats = 0;
  std::uint64_t other = 0, parse_errors = 0, unknown_symbol = 0;
  feeds::FeedParseError last_parse_error = feeds::FeedParseError::kOk;
  std::uint64_t updates_applied = 0, updates_ignored = 0, gaps = 0, resyncs = 0;
  std::uint64_t checksum_ok = 0, checksum_failed = 0;
};

// Replays the frames `repeat` times from fresh books: a connection opened in the middle of the
// recording is a disconnect, and the resyncs the engine asks for (a crossed book) run between
// frames. `configure` sets up the market data before each round. Returns the processing time; the
// engine's resyncs are added to *engine_resyncs.
template <typename MarketData>
std::chrono::nanoseconds ReplayFrames(const ReplayOptions& options, const feeds::Capture& capture,
                                      const core::SymbolRegistry& registry,
                                      engine::Engine& engine, MarketData& market_data,
                                      const std::function<void()>& configure,
                                      std::uint64_t* engine_resyncs) {
  std::vector<std::pair<core::InstrumentId, core::BookReason>> resyncs;
  engine.SetResyncHandler(
      [&](core::InstrumentId id, core::BookReason reason) { resyncs.emplace_back(id, reason); });
  auto harvest = [&] {
    for (core::InstrumentId id = 0; id < registry.size(); ++id) {
      *engine_resyncs += engine.counters(id).resyncs;
    }
  };
  std::chrono::nanoseconds elapsed{0};
  configure();
  for (int round = 0; round < options.repeat; ++round) {
    if (round > 0) {
      harvest();
      engine.ResetBooks();
      market_data.Reset();
      configure();
    }
    bool connected = false;
    const auto start = std::chrono::steady_clock::now();
    for (const feeds::CaptureRecord& record : capture.records()) {
      if (record.kind == feeds::CaptureKind::kFrame) {
        market_data.OnFrame(record.payload, record.timestamp_ns);
        connected = true;
      } else if (record.kind == feeds::CaptureKind::kConnectionOpened && connected) {
        market_data.OnDisconnected(core::BookReason::kDisconnected, record.timestamp_ns);
      }
      for (const auto& [id, reason] : resyncs) market_data.Resync(id, reason, record.timestamp_ns);
      resyncs.clear();
    }
    elapsed += std::chrono::steady_clock::now() - start;
  }
  harvest();
  engine.SetResyncHandler(nullptr);
  return elapsed;
}

std::string WriteVenueReport(const ReplayOptions& options, const feeds::Capture& capture,
                             const core::SymbolRegistry& registry, const engine::Engine& engine,
                             const VenueReport& r, std::chrono::nanoseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const std::uint64_t depth = r.book_snapshots + r.book_updates;
  const std::uint64_t messages = depth + r.quotes + r.trades + r.heartbeats + r.other;
  core::JsonWriter w;
  w.BeginObject();
  w.Key("venue").String(core::VenueName(options.venue));
  w.Key("files").Uint(options.files.size());
  w.Key("repeat").Int(options.repeat);
  w.Key("records").Uint(capture.records().size());
  w.Key("bad_lines").Uint(capture.stats().bad_lines);
  w.Key("messages").BeginObject();
  w.Key("book_snapshot").Uint(r.book_snapshots);
  w.Key("book_update").Uint(r.book_updates);
  w.Key("quote").Uint(r.quotes);
  w.Key("trade").Uint(r.trades);
  w.Key("heartbeat").Uint(r.heartbeats);
  w.Key("other").Uint(r.other);
  w.Key("parse_errors").Uint(r.parse_errors);
  if (r.parse_errors != 0) {
    w.Key("last_parse_error").String(feeds::FeedParseErrorName(r.last_parse_error));
  }
  w.Key("unknown_symbol").Uint(r.unknown_symbol);
  w.EndObject();
  w.Key("depth_updates_applied").Uint(r.updates_applied);
  w.Key("depth_updates_ignored").Uint(r.updates_ignored);
  w.Key("snapshots").Uint(r.book_snapshots);
  w.Key("gaps").Uint(r.gaps);
  w.Key("resyncs").Uint(r.resyncs);
  w.Key("checksum").BeginObject().Key("ok").Uint(r.checksum_ok).Key("failed").Uint(r.checksum_failed).EndObject();
  w.Key("bbo_checks").BeginObject().Key("ok").Uint(0).Key("failed").Uint(0).EndObject();
  WriteBooks(w, registry, engine);
  WriteRates(w, seconds, messages, depth);
  w.EndObject();
  return w.Take();
}

// Registers the instruments a capture shows, at the scales it shows (`facts_by_symbol` maps a
// venue symbol to its price_decimals and quantity_decimals; `split` gives its base and quote).
template <typename FactsBySymbol, typename Split>
core::Status RegisterCaptured(core::SymbolRegistry& registry, core::Venue venue,
                              const FactsBySymbol& facts_by_symbol, Split split) {
  for (const auto& [symbol, facts] : facts_by_symbol) {
    const auto [base, quote] = split(symbol);
    if (base.empty() || quote.empty()) continue;
    auto id = registry.Add(venue, base, quote, symbol, facts.price_decimals,
                           facts.quantity_decimals);
    if (!id.ok()) {
      return Status(ErrorCode::kBadRequest,
                    fmt::format("capture instrument '{}': {}", symbol, id.status().message()));
    }
  }
  return core::Status::Ok();
}

// "BTC-USDT", "BTC-USD-220527", "UNI-USD-SWAP": base and quote lead (OKX and Coinbase spellings).
std::pair<std::string, std::string> SplitDashed(const std::string& symbol) {
  const auto first = symbol.find('-');
  if (first == std::string::npos) return {};
  const auto second = symbol.find('-', first + 1);
  return {symbol.substr(0, first),
          symbol.substr(first + 1, second == std::string::npos ? std::string::npos
                                                               : second - first - 1)};
}

// "XBT/USD" (Kraken).
std::pair<std::string, std::string> SplitSlashed(const std::string& symbol) {
  const auto slash = symbol.find('/');
  if (slash == std::string::npos) return {};
  return {symbol.substr(0, slash), symbol.substr(slash + 1)};
}

// One venue's replay: its market-data core over the frames, the engine's books, and the report.
// `configure(md)` runs before every round; `report(md.counters())` maps the venue's counters.
template <typename MarketData, typename Configure, typename Report>
core::Result<std::string> ReplayVenue(const ReplayOptions& options, const feeds::Capture& capture,
                                      const core::SymbolRegistry& registry, Configure configure,
                                      Report report) {
  if (registry.size() == 0) {
    return Status(ErrorCode::kBadRequest, fmt::format("the capture holds no {} market data",
                                                      core::VenueName(options.venue)));
  }
  engine::Engine engine(registry, nullptr, core::SystemClock::Instance());
  engine::EngineSink sink(engine);
  // A recording cannot resubscribe: a book that fails waits for the next snapshot in the file.
  MarketData md(registry, sink, [](core::InstrumentId) {});
  std::uint64_t engine_resyncs = 0;
  const auto elapsed = ReplayFrames(
      options, capture, registry, engine, md, [&] { configure(md); }, &engine_resyncs);
  VenueReport r = report(md.counters());
  r.resyncs += engine_resyncs;
  return WriteVenueReport(options, capture, registry, engine, r, elapsed);
}

core::Result<std::string> RunKrakenReplay(const ReplayOptions& options,
                                         const feeds::Capture& capture) {
  const auto pairs = feeds::kraken::InspectKrakenCapture(capture);
  core::SymbolRegistry registry;
  if (auto s = RegisterCaptured(registry, core::Venue::kKraken, pairs, SplitSlashed); !s.ok()) {
    return s;
  }
  auto configure = [&](feeds::kraken::KrakenMarketData& md) {
    for (core::InstrumentId id = 0; id < registry.size(); ++id) {
      const feeds::kraken::KrakenPairFacts& facts = pairs.at(registry.Get(id).venue_symbol);
      md.SetDepth(id, facts.depth);
      if (facts.v2) md.SetPrecision(id, facts.price_decimals, facts.quantity_decimals);
    }
  };
  return ReplayVenue<feeds::kraken::KrakenMarketData>(
      options, capture, registry, configure, [](const feeds::kraken::KrakenMarketDataCounters& c) {
        VenueReport r;
        r.book_snapshots = c.book_snapshots;
        r.book_updates = c.book_updates + c.updates_ignored;
        r.quotes = c.ticker;
        r.trades = c.trade;
        r.heartbeats = c.heartbeat;
        r.other = c.other;
        r.parse_errors = c.parse_errors;
        r.last_parse_error = c.last_parse_error;
        r.unknown_symbol = c.unknown_symbol;
        r.updates_applied = c.book_updates;
        r.updates_ignored = c.updates_ignored;
        r.resyncs = c.resyncs;  // Kraken has no sequence numbers: its checksum is the check
        r.checksum_ok = c.checksum_ok;
        r.checksum_failed = c.checksum_failed;
        return r;
      });
}

core::Result<std::string> RunOkxReplay(const ReplayOptions& options, const feeds::Capture& capture) {
  core::SymbolRegistry registry;
  if (auto s = RegisterCaptured(registry, core::Venue::kOkx,
                                feeds::okx::InspectOkxCapture(capture), SplitDashed);
      !s.ok()) {
    return s;
  }
  return ReplayVenue<feeds::okx::OkxMarketData>(
      options, capture, registry, [](auto&) {}, [](const feeds::okx::OkxMarketDataCounters& c) {
        VenueReport r;
        r.book_snapshots = c.book_snapshots;
        r.book_updates = c.book_updates + c.updates_ignored + c.heartbeats;
        r.quotes = c.quotes;
        r.trades = c.trades;
        r.other = c.other;
        r.parse_errors = c.parse_errors;
        r.last_parse_error = c.last_parse_error;
        r.unknown_symbol = c.unknown_symbol;
        r.updates_applied = c.book_updates;
        r.updates_ignored = c.updates_ignored;
        r.gaps = c.gaps;
        r.resyncs = c.resyncs;
        r.checksum_ok = c.checksum_ok;
        r.checksum_failed = c.checksum_failed;
        return r;
      });
}

core::Result<std::string> RunBybitReplay(const ReplayOptions& options,
                                        const feeds::Capture& capture) {
  core::SymbolRegistry registry;
  // "XRPUSDT", spelt as Binance spells it.
  if (auto s = RegisterCaptured(registry, core::Venue::kBybit,
                                feeds::bybit::InspectBybitCapture(capture), SplitSymbol);
      !s.ok()) {
    return s;
  }
  return ReplayVenue<feeds::bybit::BybitMarketData>(
      options, capture, registry, [](auto&) {}, [](const feeds::bybit::BybitMarketDataCounters& c) {
        VenueReport r;
        r.book_snapshots = c.book_snapshots;
        r.book_updates = c.book_deltas + c.deltas_ignored;
        r.quotes = c.ticker;
        r.trades = c.trade;
        r.other = c.other;
        r.parse_errors = c.parse_errors;
        r.last_parse_error = c.last_parse_error;
        r.unknown_symbol = c.unknown_symbol;
        r.updates_applied = c.book_deltas;
        r.updates_ignored = c.deltas_ignored;
        r.gaps = c.gaps;
        r.resyncs = c.resyncs;  // Bybit has no checksum: `u` continuity is the check
        return r;
      });
}

core::Result<std::string> RunCoinbaseReplay(const ReplayOptions& options,
                                           const feeds::Capture& capture) {
  core::SymbolRegistry registry;
  if (auto s = RegisterCaptured(registry, core::Venue::kCoinbase,
                                feeds::coinbase::InspectCoinbaseCapture(capture), SplitDashed);
      !s.ok()) {
    return s;
  }
  // The recorded feed is Coinbase Exchange's (level2, ticker, matches), the parser's default.
  return ReplayVenue<feeds::coinbase::CoinbaseMarketData>(
      options, capture, registry, [](auto&) {},
      [](const feeds::coinbase::CoinbaseMarketDataCounters& c) {
        VenueReport r;
        r.book_snapshots = c.book_snapshots;
        r.book_updates = c.book_updates + c.updates_ignored;
        r.quotes = c.quotes;
        r.trades = c.trades + c.trade_history;
        r.heartbeats = c.heartbeats;
        r.other = c.other + c.out_of_order;
        r.parse_errors = c.parse_errors;
        r.last_parse_error = c.last_parse_error;
        r.unknown_symbol = c.unknown_symbol;
        r.updates_applied = c.book_updates;
        r.updates_ignored = c.updates_ignored;
        r.gaps = c.gaps;
        r.resyncs = c.resyncs;
        return r;
      });
}

}  // namespace

}  // namespace tradingd::app
