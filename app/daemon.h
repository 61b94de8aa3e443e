#pragma once
// The daemon: builds the threads and wires them together.
//
//   feed I/O thread    feeds (WebSocket + REST) → inbound queue
//   engine thread      EngineLoop: books, state, published snapshots
//   control thread     REST control surface, reading the snapshots
//   sandbox thread     in-process simulated venues (sandbox mode only)
//   main thread        start-up, signal wait, ordered shutdown
//
// Shutdown runs against the data flow: stop answering requests, stop the feeds, drain and stop the
// engine, stop the simulated venues.
//
// Thread contract: Start, Stop and the accessors are called from one thread (the main thread, or a
// test's thread). The accessors hand out objects whose own contracts say which threads may use them
// (SnapshotStore and the sandbox venues are safe from any thread).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/config.h"
#include "core/instrument.h"
#include "core/status.h"
#include "core/venue.h"

namespace tradingd::engine {
class SnapshotStore;
}  // namespace tradingd::engine
namespace tradingd::sim {
class VenueSim;
}  // namespace tradingd::sim

namespace tradingd::app {

class Daemon {
 public:
  explicit Daemon(Config config);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts every thread; on failure everything started is stopped again.
  core::Status Start();
  // Ordered shutdown; idempotent.
  void Stop();

  // The effective configuration (sandbox mode points the venue URLs at the in-process venues).
  const Config& config() const;
  std::uint16_t control_port() const;
  const core::SymbolRegistry& registry() const;
  const engine::SnapshotStore& snapshots() const;
  // The in-process venue of an enabled venue in sandbox mode, else null.
  sim::VenueSim* venue_sim(core::Venue venue);
  // One line per fact, for the start-up banner.
  std::vector<std::string> Banner() const;

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// `tradingd run`: starts the daemon, waits for SIGINT or SIGTERM, stops it. Returns the exit code.
int RunDaemon(const Config& config);

}  // namespace tradingd::app
