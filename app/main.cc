// tradingd: the command line. run | replay | check-config | version.

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "app/config.h"
#include "app/daemon.h"
#include "app/logging.h"
#include "app/replay.h"
#include "app/sim_command.h"
#include "app/version.h"
#include "core/venue.h"

namespace {

using tradingd::app::Config;

int RunCommand(const std::string& config_path, const std::string& listen, const std::string& log_level) {
  auto config = tradingd::app::LoadConfig(config_path, tradingd::app::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "tradingd: invalid configuration: " << config.status().message() << "\n";
    return 2;
  }
  if (!listen.empty()) {
    auto status = tradingd::app::ApplyListenOverride(*config, listen);
    if (!status.ok()) {
      std::cerr << "tradingd: --listen: " << status.message() << "\n";
      return 2;
    }
  }
  if (!log_level.empty()) config->log.level = log_level;
  auto status = tradingd::app::InitLogging(config->log.level, config->log.format);
  if (!status.ok()) {
    std::cerr << "tradingd: " << status.message() << "\n";
    return 2;
  }
  const int code = tradingd::app::RunDaemon(*config);
  tradingd::app::ShutdownLogging();
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tradingd: market-data and order engine daemon for crypto exchanges"};
  app.require_subcommand(1);

  std::string config_path = "configs/sandbox.toml";
  std::string listen;
  std::string log_level;
  auto* run = app.add_subcommand("run", "Run the daemon (sandbox mode by default)");
  run->add_option("-c,--config", config_path, "Configuration file (TOML)")->check(CLI::ExistingFile);
  run->add_option("--listen", listen, "ADDR:PORT for the REST control surface, over the config");
  run->add_option("--log-level", log_level, "trace, debug, info, warn, error, critical, off");

  tradingd::app::ReplayOptions replay_options;
  std::string venue_name = "binance";
  auto* replay = app.add_subcommand(
      "replay", "Replay recorded captures through the parser, sequencer and books; print a JSON report");
  replay->add_option("--venue", venue_name, "Venue of the capture (binance, binance-usdm, coinbase, kraken, okx, bybit)");
  replay->add_option("--repeat", replay_options.repeat, "Replay the loaded messages N times")
      ->check(CLI::Range(1, 100000));
  replay->add_option("files", replay_options.files, "Capture files (hftbacktest .gz, cryptofeed text, Kraken SDK JSON, Bybit archive .zip)")
      ->required()
      ->check(CLI::ExistingFile);

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "Validate a configuration file and exit");
  check->add_option("file", check_path, "Configuration file (TOML)")->required();

  std::string sim_listen = "127.0.0.1:9443";
  std::uint64_t sim_seed = 42;
  int sim_rate = 200;
  bool sim_flood = false;
  auto* sim = app.add_subcommand(
      "sim", "Run the sandbox Binance venue alone (point a live-mode config at it: ws://ADDR:PORT)");
  sim->add_option("--listen", sim_listen, "ADDR:PORT to serve WebSocket and REST on");
  sim->add_option("--seed", sim_seed, "Seed of the synthetic market");
  sim->add_option("--changes-per-second", sim_rate, "Book changes per second and symbol")
      ->check(CLI::Range(1, 10000000));
  sim->add_flag("--flood", sim_flood, "Send depth diffs as fast as the socket takes them");
  bool sim_futures = false;
  sim->add_flag("--futures", sim_futures,
                "Serve Binance USD-M futures (/fapi/v1, diffs with pu) instead of spot");

  app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);

  if (run->parsed()) return RunCommand(config_path, listen, log_level);

  if (replay->parsed()) {
    auto venue = tradingd::core::ParseVenue(venue_name);
    if (!venue) {
      std::cerr << "tradingd replay: unknown venue '" << venue_name << "'\n";
      return 2;
    }
    replay_options.venue = *venue;
    auto report = tradingd::app::RunReplay(replay_options);
    if (!report.ok()) {
      std::cerr << "tradingd replay: " << report.status().message() << "\n";
      return 1;
    }
    std::cout << *report << "\n";
    return 0;
  }

  if (sim->parsed()) {
    tradingd::app::SimOptions options{sim_listen, sim_seed, sim_rate, sim_flood, sim_futures};
    return tradingd::app::RunSim(options);
  }

  if (check->parsed()) {
    auto config = tradingd::app::LoadConfig(check_path, tradingd::app::ProcessEnvironment());
    if (!config.ok()) {
      std::cerr << config.status().message() << "\n";
      return 1;
    }
    std::cout << check_path << ": ok (" << tradingd::app::ModeName(config->mode) << ", "
              << config->EnabledVenues().size() << " venue(s) enabled)\n";
    return 0;
  }

  std::cout << "tradingd " << tradingd::app::kVersion << "\n";
  return 0;
}
