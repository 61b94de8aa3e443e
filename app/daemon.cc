#include "app/daemon.h"

#include <pthread.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "app/version.h"
#include "control/auth.h"
#include "control/control_service.h"
#include "core/clock.h"
#include "core/json_writer.h"
#include "engine/engine.h"
#include "engine/commands.h"
#include "engine/engine_loop.h"
#include "engine/order_manager.h"
#include "engine/inbound_queue.h"
#include "engine/snapshots.h"
#include "app/venues.h"
#include "feeds/common/market_data_feed.h"
#include "gateways/common/rest_gateway.h"
#include "net/http_server.h"
#include "risk/pre_trade_risk.h"
#include "risk/rate_limiter.h"
#include "sim/common/venue_sim.h"

namespace tradingd::app {
namespace {

namespace asio = boost::asio;

// An io_context with its own thread, kept alive (work guard) until Stop.
class IoThread {
 public:
  explicit IoThread(const char* name) : name_(name), guard_(io_.get_executor()) {}
  ~IoThread() { Stop(); }

  asio::io_context& io() { return io_; }
  void Start() {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), name_);  // shows in top, perf and gdb
      try {
        io_.run();
      } catch (const std::exception& error) {
        // A handler threw: a bug, and what this thread owned (a feed, the control surface) is gone
        // with unknown state. Carrying on half-alive would serve frozen books as LIVE and hang the
        // shutdown, so stop loudly; the supervisor restarts the daemon.
        spdlog::critical("{} thread stopped by an exception: {}; aborting", name_, error.what());
        spdlog::default_logger()->flush();
        std::abort();
      }
    });
  }
  // Runs `fn` on the io thread and waits for it; runs it here when the thread never started.
  template <typename Fn>
  void RunAndWait(Fn fn) {
    if (!thread_.joinable()) {
      fn();
      return;
    }
    std::promise<void> done;
    asio::post(io_, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
  void Stop() {
    guard_.reset();
    io_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const char* name_;
  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::thread thread_;
};

// The config's risk section at each instrument's scales. Every decimal was validated at load; an
// instrument limit names a canonical instrument and applies on every venue that lists it.
core::Result<risk::RiskLimits> MakeRiskLimits(const RiskConfig& config,
                                              const core::SymbolRegistry& registry) {
  auto amount = [](const std::string& text) {
    std::int64_t mantissa = 0;
    if (!text.empty() && core::ParseDecimal(text, core::kAmountScale, &mantissa) != core::DecimalError::kOk) {
      mantissa = 0;
    }
    return core::Amount::FromMantissa(mantissa);
  };
  risk::RiskLimits limits;
  limits.price_collar_bps = config.price_collar_bps;
  limits.default_max_order_notional = amount(config.max_order_notional);
  for (const auto& [asset, text] : config.max_position) limits.max_position[asset] = amount(text);
  for (const auto& [name, entry] : config.instruments) {
    bool listed = false;
    for (const core::Instrument* instrument : registry.All()) {
      if (instrument->canonical != name) continue;
      listed = true;
      risk::InstrumentLimits instrument_limits;
      instrument_limits.max_order_notional = amount(entry.max_order_notional);
      std::int64_t quantity = 0;
      if (!entry.max_order_quantity.empty() &&
          core::ParseDecimal(entry.max_order_quantity, instrument->quantity_scale, &quantity) !=
              core::DecimalError::kOk) {
        return core::Status(core::ErrorCode::kInvalidConfig,
                            fmt::format("[risk.instruments.\"{}\"] max_order_quantity {} has more "
                                        "decimals than {} quantities carry",
                                        name, entry.max_order_quantity, name));
      }
      instrument_limits.max_order_quantity = core::Quantity::FromMantissa(quantity);
      limits.instruments[instrument->id] = instrument_limits;
    }
    if (!listed) {
      return core::Status(core::ErrorCode::kInvalidConfig,
                          fmt::format("[risk.instruments.\"{}\"] names an instrument no enabled "
                                      "venue lists",
                                      name));
    }
  }
  return limits;
}

}  // namespace

// Members are declared in start order, so that destruction (reverse order) is a safe fallback;
// Stop() does the ordered shutdown explicitly.
struct Daemon::Parts {
  explicit Parts(Config c) : config(std::move(c)) {}

  Config config;
  const core::Clock& clock = core::SystemClock::Instance();
  core::TimestampNs started_ns = 0;
  core::SymbolRegistry registry;
  std::optional<control::Authenticator> authenticator;

  IoThread sim_thread{"sandbox"};
  // One per enabled venue in sandbox mode.
  std::map<core::Venue, std::unique_ptr<sim::VenueSim>> sims;

  std::unique_ptr<engine::SnapshotStore> store;
  std::unique_ptr<engine::InboundQueue> queue;
  std::unique_ptr<engine::Engine> engine;
  std::unique_ptr<engine::CommandQueue> commands;
  risk::RateLimiter rate_limiter;
  std::unique_ptr<risk::PreTradeRisk> risk;
  std::unique_ptr<engine::OrderManager> orders;
  std::unique_ptr<engine::EngineLoop> engine_loop;

  // Order gateways, all on one I/O thread of their own: an order never waits behind a feed's
  // burst of frames.
  IoThread gateway_thread{"gateway"};
  std::vector<std::unique_ptr<engine::QueueSink>> gateway_sinks;
  std::map<core::Venue, std::unique_ptr<gateways::RestGateway>> gateways;

  IoThread feed_thread{"feed"};
  std::vector<std::unique_ptr<engine::QueueSink>> sinks;
  std::map<core::Venue, std::unique_ptr<feeds::MarketDataFeed>> feeds;

  std::string config_json;
  std::unique_ptr<control::ControlService> service;
  IoThread control_thread{"control"};
  std::unique_ptr<net::HttpServer> server;
  std::uint16_t control_port = 0;
  bool running = false;
};

Daemon::Daemon(Config config) : parts_(std::make_unique<Parts>(std::move(config))) {}

Daemon::~Daemon() { Stop(); }

const Config& Daemon::config() const { return parts_->config; }
std::uint16_t Daemon::control_port() const { return parts_->control_port; }
const core::SymbolRegistry& Daemon::registry() const { return parts_->registry; }
const engine::SnapshotStore& Daemon::snapshots() const { return *parts_->store; }
sim::VenueSim* Daemon::venue_sim(core::Venue venue) {
  auto it = parts_->sims.find(venue);
  return it == parts_->sims.end() ? nullptr : it->second.get();
}

core::Status Daemon::Start() {
  Parts& p = *parts_;
  Config& config = p.config;
  p.started_ns = p.clock.NowNs();

  for (const VenueConfig* venue : config.EnabledVenues()) {
    for (const std::string& instrument : venue->instruments) {
      const auto dash = instrument.find('-');
      auto id = p.registry.Add(venue->venue, instrument.substr(0, dash), instrument.substr(dash + 1));
      if (!id.ok()) return id.status();
    }
  }
  auto authenticator = control::Authenticator::Create(control::AuthSettings::FromEnvironment(config.state_dir));
  if (!authenticator.ok()) return authenticator.status();
  p.authenticator.emplace(std::move(*authenticator));

  // Sandbox venues first: the feeds connect to them.
  if (config.mode == Mode::kSandbox) {
    for (VenueConfig& venue : config.venues) {
      if (!venue.enabled) continue;
      auto sim = MakeSandboxVenue(p.sim_thread.io(), venue, config.sandbox, p.registry);
      core::Result<std::uint16_t> port =
          sim.ok() ? (*sim)->Start() : core::Result<std::uint16_t>(sim.status());
      if (!port.ok()) {
        Stop();
        return core::Status(port.status().code(), fmt::format("sandbox {} venue: {}",
                                                              core::VenueName(venue.venue),
                                                              port.status().message()));
      }
      venue.ws_url = (*sim)->ws_url();
      venue.rest_url = (*sim)->rest_url();
      p.sims[venue.venue] = std::move(*sim);
    }
    p.sim_thread.Start();
  }

  // Engine.
  p.store = std::make_unique<engine::SnapshotStore>(p.registry.size());
  // One producer (QueueSink) per enabled venue's feed and one per gateway.
  p.queue = std::make_unique<engine::InboundQueue>(
      config.engine.queue_capacity, std::max<std::size_t>(1, 2 * config.EnabledVenues().size()));
  p.engine = std::make_unique<engine::Engine>(p.registry, p.store.get(), p.clock,
                                              engine::EngineOptions{.publish_depth = config.engine.publish_depth});
  p.commands = std::make_unique<engine::CommandQueue>(*p.queue);
  auto limits = MakeRiskLimits(config.risk, p.registry);
  if (!limits.ok()) {
    Stop();
    return limits.status();
  }
  p.risk = std::make_unique<risk::PreTradeRisk>(std::move(*limits), &p.rate_limiter);
  engine::OrderManagerOptions order_options;
  order_options.poll_interval = config.orders.poll_interval;
  order_options.unknown_query_interval = config.orders.unknown_query_interval;
  order_options.taker_fee_ppm = config.risk.taker_fee_ppm;
  p.rate_limiter.AlignToWallClock(p.clock.NowNs() - p.clock.MonotonicNs());
  for (const VenueConfig* venue : config.EnabledVenues()) {
    order_options.recv_window = std::max(order_options.recv_window, venue->recv_window);
    p.rate_limiter.Configure(venue->venue, RateLimitsFor(*venue));
  }
  p.orders = std::make_unique<engine::OrderManager>(p.registry, p.clock, *p.engine, p.risk.get(),
                                                    &p.rate_limiter, order_options);
  p.engine->SetOrderManager(p.orders.get());
  engine::EngineLoopOptions loop_options;
  loop_options.publish_interval = config.engine.publish_interval;
  p.engine_loop = std::make_unique<engine::EngineLoop>(*p.engine, *p.queue, loop_options,
                                                       p.commands.get(), p.orders.get());

  // Gateways: before the engine starts, so the order manager knows them from the first command.
  for (const VenueConfig* venue : config.EnabledVenues()) {
    p.gateway_sinks.push_back(std::make_unique<engine::QueueSink>(*p.queue));
    sim::VenueSim* sandbox = venue_sim(venue->venue);
    auto gateway = MakeGateway(p.gateway_thread.io(), config.mode, *venue,
                               sandbox != nullptr ? sandbox->sandbox_keys() : std::nullopt,
                               p.registry, *p.gateway_sinks.back());
    if (!gateway.ok()) {
      Stop();
      return core::Status(gateway.status().code(), fmt::format("{} orders: {}",
                                                               core::VenueName(venue->venue),
                                                               gateway.status().message()));
    }
    if (*gateway == nullptr) {  // no keys: market data only, and /status says so
      p.orders->SetGateway(venue->venue, nullptr, core::KeyState::kMissing);
      continue;
    }
    p.orders->SetGateway(venue->venue, gateway->get(), core::KeyState::kUnchecked);
    p.gateways[venue->venue] = std::move(*gateway);
  }
  p.orders->FetchAllBalances();
  p.gateway_thread.Start();

  // Feeds, all on one I/O thread: parsing is cheap, and the engine gets the other core.
  for (const VenueConfig* venue : config.EnabledVenues()) {
    p.sinks.push_back(std::make_unique<engine::QueueSink>(*p.queue));
    auto feed = MakeFeed(p.feed_thread.io(), config.mode, *venue, p.registry, *p.sinks.back());
    if (!feed.ok()) {
      Stop();
      return core::Status(feed.status().code(), fmt::format("{} market data: {}",
                                                            core::VenueName(venue->venue),
                                                            feed.status().message()));
    }
    p.feeds[venue->venue] = std::move(*feed);
  }
  // The engine asks a feed to resync a book it found crossed; RequestResync posts to the feed thread.
  p.engine->SetResyncHandler([&p](core::InstrumentId id, core::BookReason reason) {
    auto it = p.feeds.find(p.registry.Get(id).venue);
    if (it != p.feeds.end()) it->second->RequestResync(id, reason);
  });

  p.engine_loop->Start();
  asio::post(p.feed_thread.io(), [&p] {
    for (auto& [venue, feed] : p.feeds) feed->Start();
  });
  p.feed_thread.Start();
  p.running = true;

  // Control surface.
  core::JsonWriter auth_json;
  p.authenticator->description().WriteJson(auth_json);
  p.config_json = ConfigToJson(config);
  p.config_json.insert(p.config_json.size() - 1, ",\"auth\":" + auth_json.str());
  std::vector<core::Venue> enabled;
  for (const VenueConfig* venue : config.EnabledVenues()) enabled.push_back(venue->venue);
  p.service = std::make_unique<control::ControlService>(
      p.registry, *p.store, *p.authenticator, p.clock, enabled,
      [&p] { return p.config_json; },
      control::ServiceInfo{ModeName(config.mode), kVersion, p.started_ns});
  p.service->SetCommandQueue(p.commands.get());
  net::HttpServerOptions server_options;
  server_options.address = config.listen_address;
  server_options.port = config.listen_port;
  server_options.max_body_bytes = control::kMaxRequestBodyBytes;
  p.server = std::make_unique<net::HttpServer>(p.control_thread.io(), server_options,
                                               control::MakeRequestHandler(*p.service));
  auto port = p.server->Listen();
  if (!port.ok()) {
    Stop();
    return core::Status(port.status().code(),
                        fmt::format("control surface: cannot listen on {}:{}: {}", config.listen_address,
                                    config.listen_port, port.status().message()));
  }
  p.control_port = *port;
  p.control_thread.Start();
  p.service->SetStarted();
  return core::Status::Ok();
}

void Daemon::Stop() {
  Parts& p = *parts_;
  if (p.server) p.control_thread.RunAndWait([&p] { p.server->Stop(); });
  p.control_thread.Stop();
  if (!p.feeds.empty()) {
    p.feed_thread.RunAndWait([&p] {
      for (auto& [venue, feed] : p.feeds) feed->Stop();
    });
  }
  p.feed_thread.Stop();
  if (!p.gateways.empty()) {
    p.gateway_thread.RunAndWait([&p] {
      for (auto& [venue, gateway] : p.gateways) gateway->Stop();
    });
  }
  p.gateway_thread.Stop();
  if (p.engine_loop) p.engine_loop->Stop();
  if (!p.sims.empty()) {
    p.sim_thread.RunAndWait([&p] {
      for (auto& [venue, sim] : p.sims) sim->Stop();
    });
  }
  p.sim_thread.Stop();
  p.running = false;
}

std::vector<std::string> Daemon::Banner() const {
  const Parts& p = *parts_;
  const Config& config = p.config;
  std::vector<std::string> lines;
  lines.push_back(fmt::format("tradingd {} started in {} mode; REST on http://{}:{}", kVersion,
                              ModeName(config.mode), config.listen_address, p.control_port));
  if (p.authenticator) lines.push_back(p.authenticator->description().BannerLine());
  for (const VenueConfig* venue : config.EnabledVenues()) {
    std::string instruments;
    for (const std::string& instrument : venue->instruments) {
      instruments += (instruments.empty() ? "" : ", ") + instrument;
    }
    lines.push_back(fmt::format("venue {} ({}): {}; market data {}, REST {}",
                                core::VenueName(venue->venue),
                                config.mode == Mode::kSandbox ? "sandbox" : "live", instruments,
                                venue->ws_url, venue->rest_url));
  }
  return lines;
}

int RunDaemon(const Config& config) {
  // Catch the signals before anything starts: one that arrives during start-up then stops the
  // daemon cleanly instead of killing it half-started.
  asio::io_context signal_io;
  asio::signal_set signals(signal_io, SIGINT, SIGTERM);
  signals.async_wait([](const boost::system::error_code& error, int signal) {
    if (!error) spdlog::info("signal {} received: shutting down", signal);
  });

  Daemon daemon(config);
  if (auto status = daemon.Start(); !status.ok()) {
    spdlog::critical("start-up failed: {}", status.message());
    return 1;
  }
  for (const std::string& line : daemon.Banner()) spdlog::info("{}", line);
  for (const VenueConfig* venue : daemon.config().EnabledVenues()) {
    if (!venue->verify_tls && daemon.config().mode == Mode::kLive) {
      spdlog::warn("venue {}: TLS certificates are NOT verified (verify_tls = false)",
                   core::VenueName(venue->venue));
    }
  }
  const std::string& address = daemon.config().listen_address;
  if (address != "127.0.0.1" && address != "::1" && address != "localhost") {
    spdlog::warn("the control surface listens on a non-loopback address ({})", address);
  }

  signal_io.run();

  daemon.Stop();
  spdlog::info("tradingd stopped");
  return 0;
}

}  // namespace tradingd::app
