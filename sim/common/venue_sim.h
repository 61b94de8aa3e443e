#pragma once
// What every sandbox venue offers its owner (the daemon, the conformance tests, the benchmarks),
// whatever its wire formats: a loopback server to point a feed at, the faults a feed must survive,
// and the venue's own book to compare the feed's with. BinanceSim implements it, and so does
// StreamSim (sim/common/stream_sim.h) for Kraken, OKX, Bybit and Coinbase.
//
// Faults a venue cannot have answer false instead of pretending: Coinbase's Exchange book has no
// sequence to break, and only Kraken and OKX publish checksums.
//
// Thread contract: as each implementation says; both run on one io thread and accept these calls
// from any thread (posting and waiting when called from a foreign one).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "sim/common/synthetic_market.h"

namespace tradingd::sim {

// How a sandbox venue plays a recorded capture.
enum class ReplayPace : std::uint8_t {
  kRecorded,         // frames leave at the recorded intervals
  kAsFastAsPossible  // as fast as the sockets drain
};

class VenueSim {
 public:
  virtual ~VenueSim() = default;

  // Binds, starts accepting and starts the market; returns the bound port.
  virtual core::Result<std::uint16_t> Start() = 0;
  // Stops the market, closes every socket and stops accepting.
  virtual void Stop() = 0;

  // What the venue's `ws_url` and `rest_url` settings take to use this venue.
  virtual std::string ws_url() const = 0;
  virtual std::string rest_url() const = 0;

  // Cuts the TCP connection of every WebSocket client, without a close frame.
  virtual void DropConnections() = 0;
  // One book update of `symbol` (every symbol when empty) is lost: applied to the venue's book but
  // never sent, with the venue's sequence moving on as if it had been. False when the venue's
  // protocol cannot show a lost update (the loss is then undetectable by design).
  virtual bool SkipSequence(std::string_view symbol = {}) = 0;
  // Sends one truncated (invalid JSON) frame to every WebSocket client.
  virtual void SendMalformed() = 0;
  // Sends nothing (no data, no heartbeats, no replies) for `duration`; the market keeps moving.
  virtual void GoSilent(std::chrono::milliseconds duration) = 0;
  // The next book update of `symbol` (all when empty) carries a wrong checksum. False when the
  // venue publishes no checksum.
  virtual bool CorruptChecksum(std::string_view /*symbol*/ = {}) { return false; }
  // The venue restarts the sequence of `symbol` (all when empty), as after maintenance (OKX) or a
  // service restart (Bybit's u = 1 snapshot). False when the venue has no such event.
  virtual bool ResetSequence(std::string_view /*symbol*/ = {}) { return false; }
  // Stops / restarts the market. After Pause() the clients receive what is pending at once, so
  // that their books end equal to BookSnapshot().
  virtual void Pause() = 0;
  virtual void Resume() = 0;

  // The venue's book of `symbol` (its wire spelling), best `depth` levels a side (all when 0), at
  // kSimScale; nullopt for an unknown symbol or in replay mode.
  virtual std::optional<BookLevels> BookSnapshot(std::string_view symbol, std::size_t depth = 0) = 0;
  // Waits until at least `count` WebSocket clients are connected; false on timeout.
  virtual bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) = 0;
};

}  // namespace tradingd::sim
