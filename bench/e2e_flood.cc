// End to end over loopback: the sandbox Binance venue floods depth diffs as fast as the socket takes
// them, and the daemon (feed → queue → engine) consumes them. The venue runs in a child process so
// that getrusage() in this process counts the daemon's CPU only.
//
//   build/bench/e2e_flood [--seconds 10] [--symbols 2] [--changes-per-diff 5]
//
// Prints one JSON object: depth messages per second applied by the engine, CPU microseconds per
// message (user + system, all daemon threads), queue depth, and the integrity counters, plus a
// comparison of the final books with the venue's own (fetched over its REST API after pausing it).

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <simdjson.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "bench/thread_cpu.h"
#include "app/daemon.h"
#include "core/decimal.h"
#include "core/json_writer.h"
#include "engine/snapshots.h"
#include "net/http_client.h"
#include "net/websocket_client.h"
#include "sim/binance/binance_sim.h"

namespace {

using namespace std::chrono_literals;
using namespace tradingd;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// The child: a flooding venue until killed. Writes its port to `port_fd`.
[[noreturn]] void RunVenue(int port_fd, int symbols, int changes_per_diff) {
  boost::asio::io_context io(1);
  sim::binance::BinanceSimOptions options;
  options.symbols = sim::binance::DefaultSymbols();
  options.symbols.resize(static_cast<std::size_t>(symbols));
  options.flood = true;
  options.flood_changes_per_diff = changes_per_diff;
  options.ping_interval = 0ms;
  sim::binance::BinanceSim venue(io, options);
  auto port = venue.Start();
  const std::uint16_t value = port.ok() ? *port : 0;
  if (write(port_fd, &value, sizeof(value)) != sizeof(value)) _exit(3);
  close(port_fd);
  if (!port.ok()) _exit(2);
  io.run();
  _exit(0);
}

struct Call {
  int status = 0;
  std::string body;
};

Call Request(const std::string& base, const std::string& method, const std::string& target) {
  boost::asio::io_context io;
  net::HttpClient client(io, {.base_url = base, .timeout = 5s});
  Call call;
  bool done = false;
  client.Send({method, target, {}, ""}, [&](core::Result<net::HttpClientResponse> response) {
    done = true;
    if (response.ok()) call = {response->status, response->body};
  });
  while (!done) io.run_one_for(100ms);
  client.Stop();
  return call;
}

}  // namespace

int main(int argc, char** argv) {
  int seconds = 10;
  int symbols = 2;
  int changes_per_diff = 5;
  bool null_client = false;
  CLI::App cli{"End-to-end flood benchmark: sandbox venue → daemon over loopback"};
  cli.add_option("--seconds", seconds)->check(CLI::Range(1, 600));
  cli.add_option("--symbols", symbols)->check(CLI::Range(1, 2));
  cli.add_option("--changes-per-diff", changes_per_diff)->check(CLI::Range(1, 32));
  cli.add_flag("--null-client", null_client,
               "Only count the venue's frames (no parsing, no engine): the venue's own ceiling");
  CLI11_PARSE(cli, argc, argv);

  int fds[2];
  if (pipe(fds) != 0) return 1;
  const pid_t child = fork();
  if (child == 0) {
    close(fds[0]);
    RunVenue(fds[1], symbols, changes_per_diff);
  }
  close(fds[1]);
  std::uint16_t port = 0;
  if (read(fds[0], &port, sizeof(port)) != sizeof(port) || port == 0) {
    std::cerr << "the venue did not start\n";
    return 1;
  }
  close(fds[0]);

  const std::string venue_base = fmt::format("http://127.0.0.1:{}", port);
  if (null_client) {
    // A client that reads and drops every frame: how fast the venue and the socket go by themselves.
    struct Counter : net::WebSocketClient::Handler {
      std::uint64_t frames = 0;
      void OnOpen() override {}
      void OnMessage(std::string_view, std::int64_t) override { ++frames; }
      void OnClose(net::CloseReason, std::string_view) override {}
    } counter;
    boost::asio::io_context io(1);
    net::WebSocketClient client(
        io, {.url = fmt::format("ws://127.0.0.1:{}/stream?streams=btcusdt@depth@100ms", port)}, counter);
    client.Start();
    io.run_for(1s);
    const std::uint64_t start_frames = counter.frames;
    const double cpu_start = CpuSeconds();
    io.run_for(std::chrono::seconds(seconds));
    const double cpu = CpuSeconds() - cpu_start;
    std::cout << fmt::format(R"({{"null_client":true,"frames_per_s":{:.0f},"client_cpu_us_per_frame":{:.3f}}})",
                             (counter.frames - start_frames) / double(seconds),
                             cpu * 1e6 / double(counter.frames - start_frames))
              << "\n";
    client.Stop();
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 0;
  }
  std::string instruments = "\"BTC-USDT\"";
  if (symbols > 1) instruments += ", \"ETH-USDT\"";
  ::setenv("TRADINGD_API_TOKEN", "bench-token-0123456789abcdef", 1);
  const std::string text = fmt::format(R"(
mode = "live"
[server]
listen = "127.0.0.1:0"
[state]
dir = "/tmp/tradingd-bench-state"
[log]
level = "warn"
[engine]
queue_capacity = 262144
[venues.binance]
enabled = true
ws_url = "ws://127.0.0.1:{0}"
rest_url = "http://127.0.0.1:{0}"
instruments = [{1}]
)",
                                       port, instruments);
  auto config = app::ParseConfig(text, "e2e_flood", app::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << config.status().ToString() << "\n";
    return 1;
  }
  app::Daemon daemon(*config);
  if (auto status = daemon.Start(); !status.ok()) {
    std::cerr << status.ToString() << "\n";
    kill(child, SIGKILL);
    return 1;
  }
  auto applied = [&] {
    std::uint64_t total = 0;
    for (core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
      if (auto book = daemon.snapshots().Book(id)) total += book->counters.updates_applied;
    }
    return total;
  };
  auto all_live = [&] {
    for (core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
      auto book = daemon.snapshots().Book(id);
      if (!book || book->state != core::BookState::kLive) return false;
    }
    return true;
  };
  const auto sync_deadline = std::chrono::steady_clock::now() + 30s;
  while (!all_live() && std::chrono::steady_clock::now() < sync_deadline) std::this_thread::sleep_for(10ms);

  // Measure a steady window.
  const std::uint64_t applied_start = applied();
  const double cpu_start = CpuSeconds();
  const auto threads_start = bench::ThreadCpuSeconds();
  const auto wall_start = std::chrono::steady_clock::now();
  std::uint64_t max_queue = 0;
  while (std::chrono::steady_clock::now() - wall_start < std::chrono::seconds(seconds)) {
    std::this_thread::sleep_for(100ms);
    if (auto stats = daemon.snapshots().Stats()) max_queue = std::max(max_queue, stats->queue_depth);
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  const double cpu = CpuSeconds() - cpu_start;
  const auto threads_end = bench::ThreadCpuSeconds();
  const std::uint64_t messages = applied() - applied_start;

  // Correctness: pause the venue, let the daemon catch up, compare the books.
  Request(venue_base, "POST", "/_sim/pause");
  core::JsonWriter w;
  w.BeginObject();
  w.Key("seconds").RawNumber(fmt::format("{:.2f}", wall));
  w.Key("symbols").Int(symbols);
  w.Key("depth_messages").Uint(messages);
  w.Key("depth_msgs_per_s").RawNumber(fmt::format("{:.0f}", messages / wall));
  w.Key("cpu_s").RawNumber(fmt::format("{:.3f}", cpu));
  w.Key("cpu_us_per_msg").RawNumber(fmt::format("{:.3f}", messages ? cpu * 1e6 / messages : 0.0));
  w.Key("max_queue_depth_seen").Uint(max_queue);
  // Per thread: the share of one core it used during the window.
  w.Key("thread_core_share").BeginObject();
  for (const auto& [name, seconds_used] : threads_end) {
    const auto before = threads_start.find(name);
    const double used = seconds_used - (before == threads_start.end() ? 0.0 : before->second);
    if (used > 0.01 * wall) w.Key(name).RawNumber(fmt::format("{:.2f}", used / wall));
  }
  w.EndObject();
  w.Key("books").BeginArray();
  bool all_equal = true;
  for (core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
    const std::string symbol = daemon.registry().Get(id).venue_symbol;
    const Call depth = Request(venue_base, "GET", fmt::format("/api/v3/depth?symbol={}&limit=1000", symbol));
    simdjson::dom::parser parser;
    simdjson::dom::element venue_book = parser.parse(depth.body);
    const std::uint64_t venue_sequence = venue_book["lastUpdateId"];
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    std::shared_ptr<const engine::BookSnapshot> book;
    while (std::chrono::steady_clock::now() < deadline) {
      book = daemon.snapshots().Book(id);
      if (book && book->sequence >= venue_sequence) break;
      std::this_thread::sleep_for(10ms);
    }
    bool equal = book && book->sequence == venue_sequence;
    std::size_t compared = 0;
    if (equal) {
      for (const char* side : {"bids", "asks"}) {
        const auto& ours = std::string(side) == "bids" ? book->bids : book->asks;
        std::size_t i = 0;
        for (simdjson::dom::element level : venue_book[side].get_array()) {
          std::int64_t price = 0, quantity = 0;
          (void)core::ParseDecimal(std::string_view(level.at(0)), 8, &price);
          (void)core::ParseDecimal(std::string_view(level.at(1)), 8, &quantity);
          if (i >= ours.size() || ours[i].price.mantissa() != price || ours[i].quantity.mantissa() != quantity) {
            equal = false;
            break;
          }
          ++i;
          ++compared;
        }
      }
    }
    all_equal = all_equal && equal;
    w.BeginObject();
    w.Key("symbol").String(symbol);
    w.Key("state").String(book ? core::BookStateName(book->state) : "NONE");
    w.Key("sequence").Uint(book ? book->sequence : 0);
    w.Key("venue_sequence").Uint(venue_sequence);
    w.Key("levels_compared").Uint(compared);
    w.Key("equal_to_venue").Bool(equal);
    if (book) {
      w.Key("gaps").Uint(book->counters.gaps);
      w.Key("stale").Uint(book->counters.stale);
      w.Key("crossed").Uint(book->counters.crossed);
      w.Key("updates_applied").Uint(book->counters.updates_applied);
    }
    w.EndObject();
  }
  w.EndArray();
  if (auto stats = daemon.snapshots().Stats(); stats && !stats->feeds.empty()) {
    w.Key("queue_drops").Uint(stats->feeds.front().queue_drops);
    w.Key("parse_errors").Uint(stats->feeds.front().parse_errors);
  }
  w.EndObject();
  daemon.Stop();
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  std::cout << w.str() << "\n";
  return all_equal ? 0 : 1;
}
