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
#include <vector>

#include "core/status.h"
#include "sim/common/matching_engine.h"
#include "sim/common/synthetic_market.h"

namespace tradingd::sim {

// How a sandbox venue plays a recorded capture.
enum class ReplayPace : std::uint8_t {
  kRecorded,         // frames leave at the recorded intervals
  kAsFastAsPossible  // as fast as the sockets drain
};

// API credentials a sandbox venue accepts for order entry, as the venue would hand them out.
struct SandboxKeys {
  std::string api_key;
  std::string api_secret;
  std::string passphrase;
};

// Order-entry faults a sandbox venue injects on command, each into the next `count` order
// requests (place, cancel, query) of its REST API.
enum class OrderFault : std::uint8_t {
  kRateLimited,         // 429 with Retry-After (the venue's own body); continuing while limited
                        // gets the venue's ban (Binance: 418) for the rest of the Retry-After
  kServerError,         // 5xx before the request is processed: nothing happens at the venue
  kAcceptThenFail,      // the order is placed, then a 5xx is answered
  kAcceptThenTimeout,   // the order is placed, then no answer ever comes (the connection stays
                        // open until the client gives up)
};
const char* OrderFaultName(OrderFault fault);

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
  // ---- order entry (venues that take orders; the others keep these defaults) ----

  // The keys its order entry accepts; nullopt while the venue takes no orders.
  virtual std::optional<SandboxKeys> sandbox_keys() const { return std::nullopt; }
  // The sandbox account's balance of `asset` (canonical name) at kSimScale; nullopt without
  // order entry.
  virtual std::optional<Balance> SandboxBalance(std::string_view /*asset*/) { return std::nullopt; }
  // Sets the sandbox account's free balance of `asset` (a test's "insufficient balance").
  virtual bool SetSandboxBalance(std::string_view /*asset*/, std::int64_t /*free*/) { return false; }
  // Copies of every order the sandbox account placed, oldest first.
  virtual std::vector<Order> SandboxOrders() { return {}; }
  // An aggressive flow of `quantity` (kSimScale) against the sandbox's resting orders of `symbol`
  // (its wire spelling): fills them deterministically. Returns the quantity filled.
  virtual std::int64_t CrossRestingOrders(std::string_view /*symbol*/, OrderSide /*aggressor*/,
                                          std::int64_t /*quantity*/) {
    return 0;
  }
  // Arms `fault` for the next `count` order requests; false when the venue cannot show it.
  virtual bool InjectOrderFault(OrderFault /*fault*/, int /*count*/ = 1,
                                std::chrono::seconds /*retry_after*/ = std::chrono::seconds(2)) {
    return false;
  }

  // Waits until at least `count` WebSocket clients are connected; false on timeout.
  virtual bool WaitForConnections(std::size_t count, std::chrono::milliseconds timeout) = 0;
};

}  // namespace tradingd::sim
