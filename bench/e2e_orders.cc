// The order round trip end to end: REST request → control → engine → risk → gateway → the sandbox
// venue (signature check, matching) → gateway → engine → REST answer, on loopback, one order at a
// time over a keep-alive connection, as a client would send them.
//
//   build/bench/e2e_orders [--venue binance] [--orders 2000]
//
// Three kinds, timed separately: a LIMIT buy that rests (place), its cancel, and a small MARKET
// buy that fills (place + fills in the answer). Prints one JSON object with p50/p90/p99/max in
// microseconds per kind. The client, the daemon and the sandbox venue share the machine's two cores,
// so this is an upper bound on what the daemon adds.

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <simdjson.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "app/daemon.h"
#include "core/json_writer.h"
#include "engine/snapshots.h"
#include "net/http_client.h"

namespace {

using namespace std::chrono_literals;
using namespace tradingd;

constexpr const char* kToken = "bench-token-0123456789abcdef";

class Client {
 public:
  explicit Client(std::uint16_t port) {
    net::HttpClientOptions options;
    options.base_url = fmt::format("http://127.0.0.1:{}", port);
    options.timeout = 10s;
    http_.emplace(io_, options);
  }
  ~Client() { http_->Stop(); }

  // Returns the status and fills `body`; the time spent is the round trip.
  int Post(const std::string& target, const std::string& body, std::string* answer) {
    net::HttpClientRequest request;
    request.method = "POST";
    request.target = target;
    request.body = body;
    request.headers.emplace_back("Content-Type", "application/json");
    request.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
    int status = 0;
    bool done = false;
    http_->Send(std::move(request), [&](core::Result<net::HttpClientResponse> response) {
      done = true;
      if (response.ok()) {
        status = response->status;
        *answer = std::move(response->body);
      }
    });
    while (!done) io_.run_one();
    io_.restart();
    return status;
  }

 private:
  boost::asio::io_context io_;
  std::optional<net::HttpClient> http_;
};

struct Percentiles {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
};

Percentiles Summarize(std::vector<double> us) {
  Percentiles p;
  if (us.empty()) return p;
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<std::size_t>(q * us.size()))]; };
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.max = us.back();
  return p;
}

void Write(core::JsonWriter& w, const char* name, const Percentiles& p, std::size_t n) {
  w.Key(name).BeginObject();
  w.Key("count").Uint(n);
  w.Key("p50_us").RawNumber(fmt::format("{:.0f}", p.p50));
  w.Key("p90_us").RawNumber(fmt::format("{:.0f}", p.p90));
  w.Key("p99_us").RawNumber(fmt::format("{:.0f}", p.p99));
  w.Key("max_us").RawNumber(fmt::format("{:.0f}", p.max));
  w.EndObject();
}

}  // namespace

int main(int argc, char** argv) {
  std::string venue = "binance";
  int orders = 2000;
  CLI::App cli{"tradingd order round trip through REST and a sandbox venue"};
  cli.add_option("--venue", venue, "the sandbox venue (one with order entry)");
  cli.add_option("--orders", orders, "orders per kind")->check(CLI::Range(10, 1000000));
  CLI11_PARSE(cli, argc, argv);

  ::setenv("TRADINGD_API_TOKEN", kToken, 1);
  // Rate limits are the venue's own (50 orders per 10 s on Binance): the benchmark raises the
  // sandbox's and ours together so that it measures latency, not the throttle.
  const std::string text = fmt::format(R"(
mode = "sandbox"
[server]
listen = "127.0.0.1:0"
[state]
dir = "/tmp/tradingd-bench-state"
[log]
level = "error"
[sandbox]
changes_per_second = 200
[orders]
poll_interval_ms = 0
[risk]
max_order_notional = "1000000"
[venues.{0}]
enabled = true
instruments = ["BTC-USDT"]
[venues.{0}.rate_limits]
"ORDERS 10s" = 1000000
"ORDERS 1d" = 1000000000
"REQUEST_WEIGHT 1m" = 100000000
)",
                                       venue);
  auto config = app::ParseConfig(text, "e2e_orders", app::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << config.status().ToString() << "\n";
    return 1;
  }
  app::Daemon daemon(*config);
  if (auto status = daemon.Start(); !status.ok()) {
    std::cerr << status.ToString() << "\n";
    return 1;
  }
  const auto ready = [&] {
    auto book = daemon.snapshots().Book(0);
    auto stats = daemon.snapshots().Stats();
    if (!book || book->state != core::BookState::kLive || !book->rules || !stats) return false;
    for (const auto& account : stats->accounts) {
      if (account.balances_loaded) return true;
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!ready() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  if (!ready()) {
    std::cerr << "the venue never became ready for orders\n";
    return 1;
  }

  Client client(daemon.control_port());
  simdjson::dom::parser parser;
  std::vector<double> place_us, cancel_us, market_us;
  std::string answer;
  const std::string symbol = daemon.registry().Get(0).venue_symbol;
  int failures = 0;
  for (int i = 0; i < orders; ++i) {
    auto book = daemon.snapshots().Book(0);
    const std::int64_t tick = book->rules->tick_size.mantissa();
    const std::string price =
        core::FormatDecimal(book->bids.front().price.mantissa() - 100 * tick, 8, 0);
    auto t0 = std::chrono::steady_clock::now();
    int status = client.Post("/api/trading/order",
                             fmt::format(R"({{"exchange":"{}","symbol":"{}","side":"BUY",)"
                                         R"("order_type":"LIMIT","quantity":"0.001","price":"{}"}})",
                                         venue, symbol, price),
                             &answer);
    auto t1 = std::chrono::steady_clock::now();
    if (status != 201) {
      ++failures;
      continue;
    }
    place_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    const std::string id{std::string_view(parser.parse(answer)["client_order_id"])};
    t0 = std::chrono::steady_clock::now();
    status = client.Post("/api/trading/order/cancel",
                         fmt::format(R"({{"exchange":"{}","client_order_id":"{}"}})", venue, id),
                         &answer);
    t1 = std::chrono::steady_clock::now();
    if (status == 200) {
      cancel_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    } else {
      ++failures;
    }
    // A market buy, then the same sold back, so balances stay where they were.
    for (const char* side : {"BUY", "SELL"}) {
      t0 = std::chrono::steady_clock::now();
      status = client.Post("/api/trading/order",
                           fmt::format(R"({{"exchange":"{}","symbol":"{}","side":"{}",)"
                                       R"("order_type":"MARKET","quantity":"0.001"}})",
                                       venue, symbol, side),
                           &answer);
      t1 = std::chrono::steady_clock::now();
      if (status == 201) {
        market_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      } else {
        ++failures;
      }
    }
  }
  daemon.Stop();

  core::JsonWriter w;
  w.BeginObject();
  w.Key("venue").String(venue);
  Write(w, "limit_place", Summarize(place_us), place_us.size());
  Write(w, "cancel", Summarize(cancel_us), cancel_us.size());
  Write(w, "market_fill", Summarize(market_us), market_us.size());
  w.Key("failures").Int(failures);
  w.EndObject();
  std::cout << w.Take() << "\n";
  return failures == 0 ? 0 : 2;
}
