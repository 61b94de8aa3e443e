// Parse + sequence + apply of the real Binance captures in ../shared/fixtures, through the same
// BinanceMarketData and Engine code that the daemon runs (no queue, one thread).
//   build/bench/replay_bench [--benchmark_filter=...]
// TRADINGD_FIXTURES overrides the fixtures folder.

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "app/replay.h"
#include "core/clock.h"
#include "engine/engine.h"
#include "feeds/binance/binance_market_data.h"
#include "feeds/capture/capture_reader.h"

namespace {

using namespace tradingd;

std::filesystem::path Fixtures() {
  if (const char* env = std::getenv("TRADINGD_FIXTURES"); env != nullptr && *env != '\0') return env;
  return TRADINGD_DEFAULT_FIXTURES;
}

// Replays `file` (only depth frames and the snapshot when depth_only) once per iteration, from fresh
// books; reports time per message of the kind counted.
void ReplayCapture(benchmark::State& state, core::Venue venue, const char* relative, bool depth_only) {
  const auto path = Fixtures() / relative;
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("fixture missing: " + path.string()).c_str());
    return;
  }
  auto capture = feeds::LoadCapture(path);
  if (!capture.ok()) {
    state.SkipWithError(capture.status().ToString().c_str());
    return;
  }
  std::vector<const feeds::CaptureRecord*> records;
  std::size_t counted = 0;
  for (const feeds::CaptureRecord& record : capture->records()) {
    const bool depth = record.payload.find("depthUpdate") != std::string_view::npos;
    const bool snapshot = record.kind == feeds::CaptureKind::kRestResponse;
    if (depth_only && !depth && !snapshot) continue;
    records.push_back(&record);
    if (!snapshot && (depth || !depth_only)) ++counted;
  }
  core::SymbolRegistry registry;
  const core::InstrumentId id = *registry.Add(venue, "BTC", "USDT");
  engine::Engine engine(registry, nullptr, core::SystemClock::Instance());
  engine::EngineSink sink(engine);
  feeds::binance::BinanceMarketData market_data(venue, registry, sink, [](core::InstrumentId) {});
  for (auto _ : state) {
    state.PauseTiming();
    engine.ResetBooks();
    market_data.Reset();
    state.ResumeTiming();
    for (const feeds::CaptureRecord* record : records) {
      if (record->kind == feeds::CaptureKind::kRestResponse) {
        market_data.OnSnapshot(id, record->payload, record->timestamp_ns);
      } else {
        market_data.OnFrame(record->payload, record->timestamp_ns);
      }
    }
  }
  if (engine.counters(id).gaps != 0 || engine.state(id) != core::BookState::kLive) {
    state.SkipWithError("the replay did not end with a live, gap-free book");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * counted));
}

void BM_ReplaySpotDepthOnly(benchmark::State& state) {
  ReplayCapture(state, core::Venue::kBinance, "binance/hftbacktest_spot/btcusdt_20240808.gz", true);
}
void BM_ReplaySpotAllMessages(benchmark::State& state) {
  ReplayCapture(state, core::Venue::kBinance, "binance/hftbacktest_spot/btcusdt_20240808.gz", false);
}
void BM_ReplayUsdmDepthOnly(benchmark::State& state) {
  ReplayCapture(state, core::Venue::kBinanceUsdm, "binance/hftbacktest_usdm/btcusdt_20240808.gz", true);
}
// The other venues through `tradingd replay`'s own code (app::RunReplay), `repeat` passes per
// iteration from fresh books; the time is the report's elapsed_s (processing only, files loaded
// before), and the items are the book messages (snapshots and updates) processed.
void ReplayThroughApp(benchmark::State& state, core::Venue venue, const char* relative) {
  const auto path = Fixtures() / relative;
  if (!std::filesystem::exists(path)) {
    state.SkipWithError(("fixture missing: " + path.string()).c_str());
    return;
  }
  app::ReplayOptions options;
  options.venue = venue;
  options.repeat = 20;
  options.files = {path.string()};
  std::int64_t book_messages = 0;
  simdjson::dom::parser parser;
  for (auto _ : state) {
    auto report = app::RunReplay(options);
    if (!report.ok()) {
      state.SkipWithError(report.status().ToString().c_str());
      return;
    }
    simdjson::dom::element root;
    double seconds = 0;
    std::uint64_t snapshots = 0, applied = 0, checksum_failed = 0;
    if (parser.parse(*report).get(root) || root["elapsed_s"].get_double().get(seconds) ||
        root["snapshots"].get_uint64().get(snapshots) ||
        root["depth_updates_applied"].get_uint64().get(applied) ||
        root["checksum"]["failed"].get_uint64().get(checksum_failed) || checksum_failed != 0) {
      state.SkipWithError("the replay report is not what the venue's capture gives");
      return;
    }
    state.SetIterationTime(seconds);
    book_messages += static_cast<std::int64_t>(snapshots + applied);
  }
  state.SetItemsProcessed(book_messages);
}

void BM_ReplayKrakenV1Book1000(benchmark::State& state) {
  ReplayThroughApp(state, core::Venue::kKraken, "kraken/KRAKEN.ws.50.0");
}
void BM_ReplayKrakenV2Book10(benchmark::State& state) {
  ReplayThroughApp(state, core::Venue::kKraken, "kraken/orderbook-v2.json");
}
void BM_ReplayOkxBooks(benchmark::State& state) {
  ReplayThroughApp(state, core::Venue::kOkx, "okx/OKX.ws.1.0");
}
void BM_ReplayBybitOrderbook500(benchmark::State& state) {
  ReplayThroughApp(state, core::Venue::kBybit, "bybit/xrpusdt-ob500.data.zip");
}
void BM_ReplayCoinbaseLevel2(benchmark::State& state) {
  ReplayThroughApp(state, core::Venue::kCoinbase, "coinbase/COINBASE.ws.28.0");
}

BENCHMARK(BM_ReplaySpotDepthOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplaySpotAllMessages)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayUsdmDepthOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayKrakenV1Book1000)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayKrakenV2Book10)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayOkxBooks)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayBybitOrderbook500)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReplayCoinbaseLevel2)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
