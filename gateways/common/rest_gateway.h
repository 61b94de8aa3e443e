#pragma once
// One order gateway for every venue whose order entry is REST: the transport, the retries that are
// safe and the mapping of lost answers, around a venue's OrderProtocol (how to build and sign its
// requests and read its answers).
//
//   engine thread   GatewayPort::Place/Cancel/Query/FetchBalances → post onto the I/O thread
//   I/O thread      OrderProtocol builds the signed request → HttpClient → OrderProtocol reads the
//                   answer → core events (Fill first, then OrderUpdate; BalanceUpdate;
//                   GatewayStatus; RateLimitReport) → the engine's inbound queue
//
// What is decided here, the same for every venue:
// - A place request is sent exactly once. No answer (timeout, dropped connection) or an answer the
//   venue's docs call "execution status unknown" (5xx, ...) is UNKNOWN; the engine resolves it by
//   querying. Only a definitive refusal the protocol recognises is REJECTED.
// - A cancel that fails in any way is reported as refused; the engine then queries the order.
// - Orders and cancels use their own keep-alive connection, queries and balances another, so a
//   slow poll never delays an order.
// - Balances are fetched at start and retried with backoff until the venue answers; that answer
//   also says whether the keys work.
// - An event the inbound queue cannot take is kept and offered again, in order: an order event is
//   never dropped.
//
// Thread contract: the GatewayPort methods may be called from any thread (they post); everything
// else, including the OrderProtocol, runs on the io_context's thread. Stop before destroying.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/order_port.h"
#include "core/orders.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::gateways {

// What the protocol read from one answer.
struct GatewayAnswer {
  std::vector<core::Fill> fills;  // published before the update, so the engine's answer has them
  std::optional<core::OrderUpdate> update;
  std::vector<core::BalanceUpdate> balances;  // a framed report
  std::optional<core::KeyState> keys;         // the answer proved the keys valid or refused
  std::string error;                          // for GatewayStatus.last_error (never a secret)
  // A query found executions the answer does not list: ask FillsRequest.
  bool fetch_fills = false;
};

// A venue's order entry: building signed requests and reading answers. Implementations keep
// their signer (keyed once) and reuse their JSON parser.
class OrderProtocol {
 public:
  virtual ~OrderProtocol() = default;
  virtual core::Venue venue() const = 0;
  // Whether PlaceRequest can send the four stop and take-profit types (else the engine holds them;
  // the gateway refuses one that arrives anyway, rather than send it as something else).
  virtual bool native_stops() const { return false; }
  // An order the venue has no exact form for (Kraken has no FOK), and why; the engine refuses it
  // before risk. Called from the engine thread: a pure function of the order.
  virtual std::optional<std::string> Unsupported(const core::OrderSpec& /*order*/) const {
    return std::nullopt;
  }
  // The venue needs its signed requests in nonce order (Kraken): then every request goes over one
  // connection, in order, instead of orders and queries over two.
  virtual bool one_connection() const { return false; }

  virtual net::HttpClientRequest PlaceRequest(const core::OrderSpec& order,
                                              const core::Instrument& instrument,
                                              std::int64_t now_ms) = 0;
  virtual net::HttpClientRequest CancelRequest(const core::OrderRef& order,
                                               const core::Instrument& instrument,
                                               std::int64_t now_ms) = 0;
  virtual net::HttpClientRequest QueryRequest(const core::OrderRef& order,
                                              const core::Instrument& instrument,
                                              std::int64_t now_ms) = 0;
  // The executions of one order (nullopt: the venue lists them with the query answer).
  virtual std::optional<net::HttpClientRequest> FillsRequest(const core::OrderRef& order,
                                                             const core::Instrument& instrument,
                                                             std::int64_t now_ms) = 0;
  virtual net::HttpClientRequest BalancesRequest(std::int64_t now_ms) = 0;

  // Each reads an HTTP answer (any status). The update's client order id and instrument are
  // filled in by the gateway.
  virtual GatewayAnswer OnPlace(const core::OrderSpec& order, const core::Instrument& instrument,
                                const net::HttpClientResponse& response) = 0;
  virtual GatewayAnswer OnCancel(const core::OrderRef& order, const core::Instrument& instrument,
                                 const net::HttpClientResponse& response) = 0;
  virtual GatewayAnswer OnQuery(const core::OrderRef& order, const core::Instrument& instrument,
                                const net::HttpClientResponse& response) = 0;
  virtual GatewayAnswer OnFills(const core::OrderRef& order, const core::Instrument& instrument,
                                const net::HttpClientResponse& response) = 0;
  virtual GatewayAnswer OnBalances(const net::HttpClientResponse& response,
                                   core::TimestampNs now_ns) = 0;
  // The venue's rate-limit headers of any answer (nullopt: none in it).
  virtual std::optional<core::RateLimitReport> RateLimits(const net::HttpClientResponse& response,
                                                          core::TimestampNs now_ns) = 0;
};

struct RestGatewayOptions {
  net::HttpClientOptions http;  // base_url, timeout (the wait after which an order is UNKNOWN), TLS
  std::chrono::milliseconds balance_retry_min{1000};
  std::chrono::milliseconds balance_retry_max{30000};
};

class RestGateway final : public core::GatewayPort {
 public:
  // `sink` is used on the I/O thread only; `registry` and `clock` outlive the gateway.
  RestGateway(boost::asio::io_context& io, RestGatewayOptions options,
              std::unique_ptr<OrderProtocol> protocol, const core::SymbolRegistry& registry,
              core::EventSink& sink, const core::Clock& clock = core::SystemClock::Instance());
  ~RestGateway() override;
  RestGateway(const RestGateway&) = delete;
  RestGateway& operator=(const RestGateway&) = delete;

  void Place(const core::Approved<core::OrderSpec>& order) override;
  void Cancel(const core::OrderRef& order) override;
  void Query(const core::OrderRef& order) override;
  void FetchBalances() override;
  bool NativeStops() const override { return native_stops_; }
  std::optional<std::string> Unsupported(const core::OrderSpec& order) const override;

  // Any thread: fails what is in flight (their answers become UNKNOWN / refused) and stops timers.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
  bool native_stops_ = false;
  const OrderProtocol* protocol_view_ = nullptr;  // for Unsupported (pure) from other threads
};

}  // namespace tradingd::gateways
