// End to end with every venue at once: the daemon in sandbox mode with all six sandbox venues
// (Binance spot and USD-M, Coinbase, Kraken, OKX, Bybit; two instruments each) streaming their
// synthetic markets in their own wire formats, through the real feeds, queue and engine.
//
//   build/bench/e2e_venues [--seconds 10] [--changes-per-second 2000] [--interval-ms 20]
//
// Prints one JSON object: per venue the WebSocket frames per second its feed took in and the book
// updates per second the engine applied; the CPU the daemon's own threads (feed, engine, control)
// spent per frame, apart from the sandbox thread that plays the venues in the same process; the
// deepest inbound queue seen; and every book's integrity counters over the window (a correct run
// has every book LIVE at the end and no STALE, gap or checksum failure during it).

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "app/daemon.h"
#include "bench/thread_cpu.h"
#include "core/json_writer.h"
#include "engine/snapshots.h"

namespace {

using namespace std::chrono_literals;
using namespace tradingd;

struct Totals {
  std::map<core::Venue, std::uint64_t> frames;   // WebSocket frames per venue (FeedStatus)
  std::map<core::Venue, std::uint64_t> applied;  // book updates applied per venue (engine)
  std::map<core::InstrumentId, engine::BookCounters> books;
};

Totals Read(app::Daemon& daemon) {
  Totals totals;
  if (auto stats = daemon.snapshots().Stats()) {
    for (const core::FeedStatus& feed : stats->feeds) totals.frames[feed.venue] = feed.frames;
  }
  for (core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
    if (auto book = daemon.snapshots().Book(id)) {
      totals.applied[daemon.registry().Get(id).venue] += book->counters.updates_applied;
      totals.books[id] = book->counters;
    }
  }
  return totals;
}

bool AllLive(app::Daemon& daemon) {
  for (core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
    auto book = daemon.snapshots().Book(id);
    if (!book || book->state != core::BookState::kLive) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  int changes_per_second = 2000;
  int interval_ms = 20;
  CLI::App cli{"tradingd end-to-end benchmark: all sandbox venues at once"};
  cli.add_option("--seconds", seconds, "measured window")->check(CLI::Range(1, 600));
  cli.add_option("--changes-per-second", changes_per_second, "book changes per second and symbol")
      ->check(CLI::Range(1, 1000000));
  cli.add_option("--interval-ms", interval_ms, "how often the venues publish their changes")
      ->check(CLI::Range(1, 1000));
  CLI11_PARSE(cli, argc, argv);

  ::setenv("TRADINGD_API_TOKEN", "bench-token-0123456789abcdef", 1);
  const std::string text = fmt::format(R"(
mode = "sandbox"
[server]
listen = "127.0.0.1:0"
[state]
dir = "/tmp/tradingd-bench-state"
[log]
level = "warn"
[engine]
queue_capacity = 262144
[sandbox]
changes_per_second = {0}
depth_interval_ms = {1}
[venues.binance]
enabled = true
instruments = ["BTC-USDT", "ETH-USDT"]
[venues.binance-usdm]
enabled = true
instruments = ["BTC-USDT", "ETH-USDT"]
[venues.coinbase]
enabled = true
instruments = ["BTC-USD", "ETH-USD"]
[venues.kraken]
enabled = true
instruments = ["BTC-USD", "ETH-USD"]
book_depth = 100
[venues.okx]
enabled = true
instruments = ["BTC-USDT", "ETH-USDT"]
[venues.bybit]
enabled = true
instruments = ["BTC-USDT", "ETH-USDT"]
book_depth = 200
)",
                                       changes_per_second, interval_ms);
  auto config = app::ParseConfig(text, "e2e_venues", app::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << config.status().ToString() << "\n";
    return 1;
  }
  app::Daemon daemon(*config);
  if (auto status = daemon.Start(); !status.ok()) {
    std::cerr << status.ToString() << "\n";
    return 1;
  }
  const auto sync_deadline = std::chrono::steady_clock::now() + 30s;
  while (!AllLive(daemon) && std::chrono::steady_clock::now() < sync_deadline) {
    std::this_thread::sleep_for(10ms);
  }
  if (!AllLive(daemon)) {
    std::cerr << "not every book went LIVE within 30 s\n";
    return 1;
  }
  std::this_thread::sleep_for(1s);  // past the start-up snapshots

  const Totals start = Read(daemon);
  const auto threads_start = bench::ThreadCpuSeconds();
  const auto wall_start = std::chrono::steady_clock::now();
  std::uint64_t max_queue = 0;
  while (std::chrono::steady_clock::now() - wall_start < std::chrono::seconds(seconds)) {
    std::this_thread::sleep_for(100ms);
    if (auto stats = daemon.snapshots().Stats()) max_queue = std::max(max_queue, stats->queue_depth);
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const auto threads_end = bench::ThreadCpuSeconds();
  const Totals end = Read(daemon);
  const bool live_at_end = AllLive(daemon);
  daemon.Stop();

  const auto used = [&](const std::string& name) {
    const auto before = threads_start.find(name);
    const auto after = threads_end.find(name);
    if (after == threads_end.end()) return 0.0;
    return after->second - (before == threads_start.end() ? 0.0 : before->second);
  };
  const double daemon_cpu = used("feed") + used("engine") + used("control");
  std::uint64_t frames = 0;
  std::uint64_t applied = 0;
  core::JsonWriter w;
  w.BeginObject();
  w.Key("seconds").RawNumber(fmt::format("{:.2f}", wall));
  w.Key("changes_per_second_per_symbol").Int(changes_per_second);
  w.Key("publish_interval_ms").Int(interval_ms);
  w.Key("venues").BeginObject();
  for (const auto& [venue, count] : end.frames) {
    const std::uint64_t venue_frames = count - start.frames.at(venue);
    const std::uint64_t venue_applied = end.applied.at(venue) - start.applied.at(venue);
    frames += venue_frames;
    applied += venue_applied;
    w.Key(core::VenueName(venue)).BeginObject();
    w.Key("frames_per_s").RawNumber(fmt::format("{:.0f}", venue_frames / wall));
    w.Key("book_updates_per_s").RawNumber(fmt::format("{:.0f}", venue_applied / wall));
    w.EndObject();
  }
  w.EndObject();
  w.Key("frames_per_s").RawNumber(fmt::format("{:.0f}", frames / wall));
  w.Key("book_updates_per_s").RawNumber(fmt::format("{:.0f}", applied / wall));
  w.Key("daemon_cpu_us_per_frame")
      .RawNumber(fmt::format("{:.3f}", frames ? daemon_cpu * 1e6 / frames : 0.0));
  w.Key("thread_core_share").BeginObject();
  for (const char* name : {"feed", "engine", "control", "sandbox"}) {
    w.Key(name).RawNumber(fmt::format("{:.3f}", used(name) / wall));
  }
  w.EndObject();
  w.Key("max_queue_depth_seen").Uint(max_queue);
  w.Key("all_live_at_end").Bool(live_at_end);
  std::uint64_t stale = 0, gaps = 0, checksum_failures = 0, crossed = 0;
  for (const auto& [id, counters] : end.books) {
    const engine::BookCounters& before = start.books.at(id);
    stale += counters.stale - before.stale;
    gaps += counters.gaps - before.gaps;
    checksum_failures += counters.checksum_failures - before.checksum_failures;
    crossed += counters.crossed - before.crossed;
  }
  w.Key("stale").Uint(stale);
  w.Key("gaps").Uint(gaps);
  w.Key("checksum_failures").Uint(checksum_failures);
  w.Key("crossed").Uint(crossed);
  w.EndObject();
  std::cout << w.Take() << "\n";
  return live_at_end && stale == 0 ? 0 : 2;
}
