#pragma once
// An HTTP/1.1 server with keep-alive, bounded bodies and deadlines, plus WebSocket upgrades for the
// paths the owner accepts. The control surface and the sandbox venues are built on it.
//
// Thread contract: the server, its handlers and every ServerWebSocket run on the io_context's
// thread(s); with one thread running the io_context no locking is needed. Respond callbacks may be
// called later (from that thread, or after posting to it), exactly once.
// Implementation note: the server keeps no locks of its own, so run its io_context on ONE thread.
// A Respond called from another thread hops onto the io_context by itself; a second call is
// ignored, and a call after the connection died (or after Stop) does nothing. Holding a Respond
// keeps its connection open. Error answers of the server itself: 400 malformed request, 413 body
// over max_body_bytes, 431 header over 8 KiB, 404 refused WebSocket upgrade (then close).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "net/http_client.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::net {

struct ServerRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  HeaderList headers;
  std::string body;
  std::string remote_address;
  std::string_view Header(std::string_view name) const;  // case-insensitive; empty when absent
  std::string_view Path() const;                         // target without the query
  std::string_view Query() const;                        // after '?', or empty
};

struct ServerResponse {
  int status = 200;
  std::string content_type = "application/json";
  HeaderList headers;
  std::string body;
};

// The server side of an accepted WebSocket.
class ServerWebSocket {
 public:
  virtual ~ServerWebSocket() = default;
  // Queues a text frame; false once closed or when the write queue is full.
  virtual bool Send(std::string text) = 0;
  // Sends a ping frame with this payload.
  virtual void Ping(std::string payload) = 0;
  // Sends a close frame and shuts down.
  virtual void Close() = 0;
  // Cuts the TCP connection without a close frame (fault injection).
  virtual void Drop() = 0;
  virtual bool open() const = 0;
  virtual std::size_t queued_writes() const = 0;
  virtual const std::string& target() const = 0;
  // Called for each text message received and once when the socket closes.
  virtual void SetOnMessage(std::function<void(std::string_view)> on_message) = 0;
  virtual void SetOnClose(std::function<void()> on_close) = 0;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: any free port; Listen() says which
  std::size_t max_body_bytes = 64 * 1024;
  // Open connections (HTTP and WebSocket) at most; a new one beyond is closed at once, so that
  // idle sockets cannot use up the descriptors the feeds need to reconnect.
  std::size_t max_connections = 256;
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_websocket_queue = 65536;  // queued frames per socket before Send refuses
  // Send several queued messages in one socket write, framed by the server itself. The write then
  // bypasses Beast's write serialization, and Beast answers a client's ping by itself from its read
  // loop: a ping arriving during such a write could interleave its pong with the frames. So this is
  // only for peers that never ping (the sandbox venue's flood mode, for benchmarks).
  bool coalesce_websocket_writes = false;
};

class HttpServer {
 public:
  using Respond = std::function<void(ServerResponse)>;
  using RequestHandler = std::function<void(ServerRequest&&, Respond)>;
  // Returns true to accept an upgrade for this request (the socket is handed over by on_socket).
  using UpgradeFilter = std::function<bool(const ServerRequest&)>;
  using SocketHandler = std::function<void(std::shared_ptr<ServerWebSocket>)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, RequestHandler on_request);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Enables WebSocket upgrades for requests the filter accepts; call before Listen().
  void EnableWebSockets(UpgradeFilter filter, SocketHandler on_socket);
  // Binds and starts accepting; returns the bound port.
  core::Result<std::uint16_t> Listen();
  // Stops accepting and closes every open connection and socket.
  void Stop();
  std::uint16_t port() const;
  // Connections accepted since Listen (for status pages and tests of keep-alive).
  std::uint64_t connections_accepted() const;
  std::uint64_t connections_refused() const;  // closed at once: max_connections was reached

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::net
