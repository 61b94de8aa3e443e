#pragma once
// Talking to a daemon under test over its REST surface: one request with a deadline, and polling
// for state another thread changes. Header-only; used by the integration suites.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "core/decimal.h"
#include "net/http_client.h"

namespace tradingd {

inline constexpr const char* kToken = "integration-test-token-0123456789";

struct HttpResult {
  int status = 0;
  std::string body;
  net::HeaderList headers;
};

// One request on a private io_context, waiting for its answer with a deadline.
inline HttpResult Call(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = "", bool with_token = true) {
  using namespace std::chrono_literals;
  boost::asio::io_context io;
  net::HttpClientOptions options;
  options.base_url = fmt::format("http://127.0.0.1:{}", port);
  options.timeout = 5s;
  net::HttpClient client(io, options);
  net::HttpClientRequest request;
  request.method = method;
  request.target = target;
  request.body = body;
  request.headers.emplace_back("Content-Type", "application/json");
  if (with_token) request.headers.emplace_back("Authorization", std::string("Bearer ") + kToken);
  HttpResult result;
  bool done = false;
  client.Send(std::move(request), [&](core::Result<net::HttpClientResponse> response) {
    done = true;
    if (response.ok()) {
      result.status = response->status;
      result.body = response->body;
      result.headers = response->headers;
    } else {
      result.body = response.status().ToString();
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  client.Stop();
  return result;
}

// Polls `condition` until it holds or the deadline passes (state changes in other threads: there is
// nothing to wait on from here but the observable result).
inline bool Eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// A decimal string at 8 decimals (every sandbox price, quantity and amount fits).
inline std::int64_t Mantissa(std::string_view text) {
  std::int64_t value = 0;
  EXPECT_EQ(core::ParseDecimal(text, 8, &value), core::DecimalError::kOk) << text;
  return value;
}

}  // namespace tradingd
