#pragma once
// The REST control surface of api.md: routing, authentication, request parsing and the JSON
// answers, as a pure function from a net::ServerRequest (plus the engine's published snapshots) to
// a net::ServerResponse. No sockets here: HttpServer hands requests in through
// MakeRequestHandler(), and tests call Handle() directly.
//
// Routing order: unknown path → 404; wrong method → 405 (with Allow); body over 64 KiB → 413;
// missing or wrong token → 401 (with WWW-Authenticate: Bearer); then the endpoint. Only
// GET /api/trading/health is open. Errors are always {"error":{"code":...,"message":...}}, and no
// answer ever contains the token or the Authorization header.
//
// Where api.md is silent:
// - UNKNOWN_SYMBOL and UNKNOWN_EXCHANGE (also for a known venue that is not enabled) are 400: the
//   request carried a bad value; 404 is kept for unknown paths.
// - Prices and quantities have the decimals of the instrument's tick and lot once the venue's
//   rules are loaded; before that, the fewest decimals that write every value of the answer
//   exactly (shared by the whole answer, so a depth column lines up). Never rounded.
// - `timestamp` is the venue's event time, or the local receive time when the venue gives none.
// - A book the engine has not published yet is reported as SYNCING (startup).
// - The read-only token on a state-changing endpoint gets 403 FORBIDDEN; endpoints of api.md that
//   are not served yet answer 501 NOT_IMPLEMENTED after authentication; a wrong method is 405
//   METHOD_NOT_ALLOWED; 413 uses BAD_REQUEST like HttpServer's own 413.
// - A request body that names a known field twice is 400 (which value wins is not obvious).
//
// Thread contract: Handle() runs on the control thread (HttpServer's io thread). It only reads the
// immutable SymbolRegistry, the SnapshotStore through its thread-safe getters, the immutable
// Authenticator and the Clock, and calls the config view provider; it keeps no per-request state,
// so with a thread-safe provider it is also safe from several threads at once. SetStarted() may be
// called from any thread.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "control/auth.h"
#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/venue.h"
#include "engine/commands.h"
#include "engine/snapshots.h"
#include "net/http_server.h"

namespace tradingd::control {

class RequestFields;

inline constexpr std::size_t kMaxRequestBodyBytes = 64 * 1024;
inline constexpr std::int64_t kDefaultOrderbookDepth = 20;
// The engine publishes its stats at least every 100 ms even when idle; stats older than this mean
// the engine thread has stopped, and health says so.
inline constexpr core::TimestampNs kMaxEngineStatsAgeNs = 5'000'000'000;
inline constexpr std::int64_t kMaxOrderbookDepth = 1000;

// What /status reports about the daemon itself; fixed at start.
struct ServiceInfo {
  std::string mode = "sandbox";  // "sandbox" or "live"
  std::string version;
  core::TimestampNs started_at_ns = 0;  // wall clock, for uptime_s and started_at
};

class ControlService {
 public:
  // Returns the effective configuration as a JSON document with secrets redacted. Called on the
  // control thread for each GET /api/trading/config; may throw (answered as 500 INTERNAL).
  using ConfigViewProvider = std::function<std::string()>;

  // Every reference must outlive the service. `enabled_venues` are the venues the daemon runs:
  // requests naming another venue get 400 UNKNOWN_EXCHANGE, and health looks only at these.
  ControlService(const core::SymbolRegistry& registry, const engine::SnapshotStore& snapshots,
                 const Authenticator& authenticator, const core::Clock& clock,
                 std::vector<core::Venue> enabled_venues, ConfigViewProvider config_view,
                 ServiceInfo info);

  ControlService(const ControlService&) = delete;
  ControlService& operator=(const ControlService&) = delete;

  using Respond = std::function<void(net::ServerResponse)>;

  // Answers synchronously; the order endpoints (answered by the engine) get 500 here.
  net::ServerResponse Handle(const net::ServerRequest& request) const;
  // Answers every endpoint; `respond` runs exactly once, on this thread or, for the order
  // endpoints, on the engine thread (HttpServer's Respond hops back to its own thread).
  void Handle(const net::ServerRequest& request, Respond respond) const;

  // Where order commands go (the engine's queue). Without one, the order endpoints answer 501.
  // Call before serving.
  void SetCommandQueue(engine::CommandQueue* commands) { commands_ = commands; }

  // Health answers 503 "starting" until this is called (after start-up and reconciliation).
  void SetStarted() { started_.store(true, std::memory_order_release); }
  bool started() const { return started_.load(std::memory_order_acquire); }

 private:
  struct Route {
    std::string_view path;
    std::string_view method;
    Access access;  // what the token must grant; kNone: open to all
    // Null: the endpoint is in api.md but not served yet (501 NOT_IMPLEMENTED after auth).
    net::ServerResponse (ControlService::*handler)(const net::ServerRequest&) const;
    // Endpoints answered later, by the engine thread.
    void (ControlService::*async_handler)(const net::ServerRequest&, Respond) const = nullptr;
  };

  // The route of `request` once routing, method, size and authentication pass; else null and the
  // answer in *refusal.
  const Route* Admit(const net::ServerRequest& request, net::ServerResponse* refusal) const;

  // control/order_endpoints.cc
  void HandleOrder(const net::ServerRequest& request, Respond respond) const;
  void HandleCancel(const net::ServerRequest& request, Respond respond) const;
  void HandleOrderStatus(const net::ServerRequest& request, Respond respond) const;
  template <typename Body>  // engine::CancelOrder or engine::GetOrder
  void HandleOneOrder(const net::ServerRequest& request, Respond respond) const;
  void HandleOrders(const net::ServerRequest& request, Respond respond) const;
  void HandleTrades(const net::ServerRequest& request, Respond respond) const;
  void HandleBalances(const net::ServerRequest& request, Respond respond) const;
  void HandleKill(const net::ServerRequest& request, Respond respond) const;
  void HandleResume(const net::ServerRequest& request, Respond respond) const;
  // Queues `command` for the engine; 503 when the engine no longer takes commands.
  void SendCommand(engine::Command command, const Respond& respond) const;
  // The venue named by "exchange" (required or optional), enabled in this daemon.
  core::Result<core::Venue> ResolveVenue(const std::string& exchange) const;


  net::ServerResponse HandleHealth(const net::ServerRequest& request) const;
  net::ServerResponse HandleConfig(const net::ServerRequest& request) const;
  net::ServerResponse HandleStatus(const net::ServerRequest& request) const;
  net::ServerResponse HandleQuote(const net::ServerRequest& request) const;
  net::ServerResponse HandleOrderbook(const net::ServerRequest& request) const;
  net::ServerResponse HandleInstruments(const net::ServerRequest& request) const;

  // The instrument named by the request's "exchange" and "symbol" fields, or UNKNOWN_EXCHANGE /
  // UNKNOWN_SYMBOL.
  core::Result<const core::Instrument*> ResolveBook(const RequestFields& fields) const;

  bool IsEnabled(core::Venue venue) const;
  // The published book, or a default (SYNCING, startup) one when the engine has not published it.
  std::shared_ptr<const engine::BookSnapshot> BookOrDefault(core::InstrumentId instrument) const;
  // The published book of `instrument` when it is LIVE; else 503 BOOK_NOT_READY with its state.
  // The one place that decides whether a book may be served.
  core::Result<std::shared_ptr<const engine::BookSnapshot>> LiveBook(
      const core::Instrument& instrument) const;

  static const Route kRoutes[];

  const core::SymbolRegistry& registry_;
  const engine::SnapshotStore& snapshots_;
  const Authenticator& authenticator_;
  const core::Clock& clock_;
  std::vector<core::Venue> enabled_venues_;  // sorted, unique
  ConfigViewProvider config_view_;
  ServiceInfo info_;
  engine::CommandQueue* commands_ = nullptr;
  std::atomic<bool> started_{false};
};

// Adapts the service to HttpServer: `net::HttpServer server(io, options, MakeRequestHandler(svc));`
// Every request is answered synchronously on the io thread (every endpoint so far reads snapshots
// only).
net::HttpServer::RequestHandler MakeRequestHandler(const ControlService& service);

}  // namespace tradingd::control
