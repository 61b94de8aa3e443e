#include "app/sim_command.h"

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
  sim::binance::BinanceSim venue(io, sim_options);
  auto port = venue.Start();
  if (!port.ok()) {
    std::cerr << "tradingd sim: " << port.status().message() << "\n";
    return 1;
  }
  std::cout << "sandbox binance venue on " << venue.ws_base_url() << " (WebSocket) and "
            << venue.http_base_url() << " (REST); faults: POST /_sim/fault" << std::endl;
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    venue.Stop();
    io.stop();
  });
  io.run();
  return 0;
}

}  // namespace tradingd::app
