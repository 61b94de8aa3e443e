#pragma once
// An HTTP/1.1 client over one keep-alive connection per base URL (TLS with SNI and verification for
// https://, plain for http://). Requests are sent one at a time in order; a broken connection is
// reopened for the next request. Every request has a deadline.
//
// Thread contract: all methods and callbacks run on the io_context's thread; post to it from others.
//
// The constructor throws std::invalid_argument for a base URL that is not http:// or https:// or a
// CA file that cannot be loaded. A GET or HEAD that fails on a reused keep-alive connection before
// any response byte arrived is sent once more on a new connection; other methods are never resent.
// Error messages name the method, host and path, never the query or headers (keys, signatures).
// Callbacks never run inside Send. The destructor drops pending callbacks without running them
// (call Stop first to have them fail).

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::net {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpClientRequest {
  std::string method = "GET";
  std::string target;  // path and query, appended to nothing: "/api/v3/depth?symbol=BTCUSDT"
  HeaderList headers;
  std::string body;
};

struct HttpClientResponse {
  int status = 0;
  HeaderList headers;
  std::string body;
  // Case-insensitive header lookup; empty when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpClientOptions {
  std::string base_url;  // "https://api.binance.com" or "http://127.0.0.1:PORT"
  std::chrono::milliseconds timeout{10000};  // per request, including connect
  bool verify_peer = true;
  std::string ca_file;
  std::size_t max_body_bytes = 64 * 1024 * 1024;
  std::string user_agent = "tradingd/0.1";
};

class HttpClient {
 public:
  using Callback = std::function<void(core::Result<HttpClientResponse>)>;

  HttpClient(boost::asio::io_context& io, HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Queues the request; `done` runs exactly once, with the response (any status) or the error.
  void Send(HttpClientRequest request, Callback done);
  // Fails every queued request with kUnavailable and closes the connection.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::net
