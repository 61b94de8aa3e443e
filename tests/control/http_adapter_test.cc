// ControlService behind a real net::HttpServer on 127.0.0.1, spoken to with a plain blocking socket
// (no HTTP client library, so the bytes on the wire are what the test sees).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "control/control_service.h"
#include "core/decimal.h"

namespace tradingd::control {
namespace {

constexpr char kToken[] = "full-token-0123456789abcdef";

// Sends one request with "Connection: close" and returns everything the server wrote back.
std::string Exchange(std::uint16_t port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse an oversized body before reading it all
    sent += static_cast<std::size_t>(n);
  }
  std::string response;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    response.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

std::string Http(const std::string& method, const std::string& path, const std::string& body,
                 bool with_token) {
  std::string request = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (with_token) request += std::string("Authorization: Bearer ") + kToken + "\r\n";
  request += "Content-Type: application/json\r\nConnection: close\r\n";
  request += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return request;
}

class HttpAdapterTest : public ::testing::Test {
 protected:
  HttpAdapterTest() : snapshots_(1), clock_(1704110400LL * 1'000'000'000) {
    EXPECT_TRUE(registry_.Add(core::Venue::kBinance, "BTC", "USDT").ok());
    auto auth = Authenticator::Create({.api_token = kToken});
    EXPECT_TRUE(auth.ok());
    auth_ = std::make_unique<Authenticator>(std::move(auth).value());
    service_ = std::make_unique<ControlService>(
        registry_, snapshots_, *auth_, clock_, std::vector{core::Venue::kBinance},
        [] { return std::string("{}"); }, ServiceInfo{.version = "test"});
    server_ = std::make_unique<net::HttpServer>(io_, net::HttpServerOptions{},
                                                MakeRequestHandler(*service_));
    auto port = server_->Listen();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    port_ = port.ok() ? *port : 0;
    thread_ = std::thread([this] { io_.run(); });
  }

  ~HttpAdapterTest() override {
    // The server lives on the io thread: stop it there, then let run() return.
    std::promise<void> stopped;
    boost::asio::post(io_, [&] {
      server_->Stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    work_.reset();
    io_.stop();
    thread_.join();
    server_.reset();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  core::SymbolRegistry registry_;
  engine::SnapshotStore snapshots_;
  core::ManualClock clock_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<ControlService> service_;
  std::unique_ptr<net::HttpServer> server_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

TEST_F(HttpAdapterTest, HealthStartingThenDegraded) {
  std::string response = Exchange(port_, Http("GET", "/api/trading/health", "", false));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 503")) << response;
  EXPECT_NE(response.find(R"({"status":"starting"})"), std::string::npos) << response;
  service_->SetStarted();
  response = Exchange(port_, Http("GET", "/api/trading/health", "", false));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
  EXPECT_NE(response.find(R"("status":"degraded")"), std::string::npos) << response;
}

TEST_F(HttpAdapterTest, QuoteOverTheWire) {
  auto book = std::make_shared<engine::BookSnapshot>();
  book->instrument = 0;
  book->state = core::BookState::kLive;
  book->exchange_time_ns = clock_.NowNs();
  book->receive_time_ns = clock_.NowNs();
  core::Price bid;
  core::Price ask;
  core::Quantity quantity;
  ASSERT_EQ(core::Price::Parse("45000.5", 8, &bid), core::DecimalError::kOk);
  ASSERT_EQ(core::Price::Parse("45001.25", 8, &ask), core::DecimalError::kOk);
  ASSERT_EQ(core::Quantity::Parse("1.5", 8, &quantity), core::DecimalError::kOk);
  book->bids = {{bid, quantity}};
  book->asks = {{ask, quantity}};
  snapshots_.PublishBook(book);

  const std::string body = R"({"exchange":"binance","symbol":"BTCUSDT"})";
  std::string response = Exchange(port_, Http("POST", "/api/trading/quote", body, true));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
  EXPECT_NE(response.find(R"("bid_price":"45000.50","bid_quantity":"1.5","ask_price":"45001.25")"),
            std::string::npos)
      << response;

  response = Exchange(port_, Http("POST", "/api/trading/quote", body, false));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 401")) << response;
  EXPECT_NE(response.find("WWW-Authenticate: Bearer"), std::string::npos) << response;
  EXPECT_NE(response.find(R"("code":"UNAUTHORIZED")"), std::string::npos) << response;
}

TEST_F(HttpAdapterTest, WrongMethodAndOversizedBody) {
  std::string response = Exchange(port_, Http("GET", "/api/trading/quote", "", true));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 405")) << response;
  EXPECT_NE(response.find("Allow: POST"), std::string::npos) << response;

  const std::string huge(70 * 1024, ' ');
  response = Exchange(port_, Http("POST", "/api/trading/quote", huge, true));
  EXPECT_TRUE(response.starts_with("HTTP/1.1 413")) << response.substr(0, 200);
}

}  // namespace
}  // namespace tradingd::control
