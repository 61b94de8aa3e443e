#include "app/sim_command.h"

#include <chrono>
#include <csignal>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "app/config.h"
#include "sim/binance/binance_sim.h"

namespace tradingd::app {

int RunSim(const SimOptions& options) {
  Config listen;  // reuses the ADDR:PORT validation of --listen
  if (auto status = ApplyListenOverride(listen, options.listen); !status.ok()) {
    std::cerr << "tradingd sim: --listen: " << status.message() << "\n";
    return 2;
  }
  boost::asio::io_context io(1);
  sim::binance::BinanceSimOptions sim_options;
  sim_options.address = listen.listen_address;
  sim_options.port = listen.listen_port;
  sim_options.seed = options.seed;
  sim_options.changes_per_second = options.changes_per_second;
  sim_options.flood = options.flood;
  if (options.futures) {
    sim_options.futures = true;
    sim_options.symbols = sim::binance::DefaultUsdmSymbols();
    // Binance futures' plain @depth stream is its 250 ms one.
    sim_options.slow_depth_interval = std::chrono::milliseconds(250);
  }
  sim::binance::BinanceSim venue(io, sim_options);
  auto port = venue.Start();
  if (!port.ok()) {
    std::cerr << "tradingd sim: " << port.status().message() << "\n";
    return 1;
  }
  std::cout << "sandbox " << (options.futures ? "binance-usdm (USD-M futures)" : "binance (spot)")
            << " venue on " << venue.ws_base_url() << " (WebSocket) and " << venue.http_base_url()
            << " (REST " << (options.futures ? "/fapi/v1/*" : "/api/v3/*")
            << "); faults: POST /_sim/fault" << std::endl;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    venue.Stop();
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace tradingd::app
