// HttpServer and HttpClient against each other on 127.0.0.1, plus raw sockets for hostile input.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/http_server.h"
#include "tests/net/net_test_util.h"

namespace tradingd::net {
namespace {

namespace asio = boost::asio;
using testing::RawClient;
using testing::RunUntil;
using Response = core::Result<HttpClientResponse>;

class HttpTest : public ::testing::Test {
 protected:
  // Starts a server whose requests go to `handler`; the default echoes method, path and body.
  void StartServer(HttpServer::RequestHandler handler = nullptr, HttpServerOptions options = {}) {
    if (!handler) {
      handler = [this](ServerRequest&& req, HttpServer::Respond respond) {
        requests_.push_back(req);
        ServerResponse res;
        res.body = req.method + " " + std::string(req.Path()) + " " + req.body;
        res.content_type = "text/plain";
        res.headers.emplace_back("X-Query", std::string(req.Query()));
        respond(std::move(res));
      };
    }
    server_.emplace(io_, options, std::move(handler));
    auto port = server_->Listen();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }

  HttpClientOptions ClientOptions() {
    HttpClientOptions options;
    options.base_url = "http://127.0.0.1:" + std::to_string(port_);
    options.timeout = std::chrono::milliseconds(1500);
    return options;
  }

  // Sends one request and runs the io_context until its callback ran.
  Response Roundtrip(HttpClient& client, HttpClientRequest request) {
    std::optional<Response> result;
    int calls = 0;
    client.Send(std::move(request), [&](Response r) {
      ++calls;
      result.emplace(std::move(r));
    });
    EXPECT_TRUE(RunUntil(io_, [&] { return calls > 0; }));
    EXPECT_EQ(calls, 1);
    if (!result) return core::Status(core::ErrorCode::kInternal, "no callback");
    return std::move(*result);
  }

  std::string RawExchange(std::string bytes) {
    auto raw = std::make_shared<RawClient>(io_);
    raw->Run(port_, std::move(bytes));
    EXPECT_TRUE(RunUntil(io_, [&] { return raw->finished(); })) << "server did not close";
    return raw->received();
  }

  asio::io_context io_;
  std::optional<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::vector<ServerRequest> requests_;
};

TEST_F(HttpTest, RoundTripKeepsTheConnectionAlive) {
  StartServer();
  HttpClient client(io_, ClientOptions());

  HttpClientRequest get;
  get.target = "/api/v3/depth?symbol=BTCUSDT";
  get.headers.emplace_back("X-Api-Key", "secret");
  auto first = Roundtrip(client, get);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, "GET /api/v3/depth ");
  EXPECT_EQ(first->Header("x-query"), "symbol=BTCUSDT");
  EXPECT_EQ(first->Header("server"), "tradingd");
  EXPECT_EQ(first->Header("Content-Type"), "text/plain");
  EXPECT_EQ(first->Header("Content-Length"), "18");

  HttpClientRequest post;
  post.method = "POST";
  post.target = "/api/v3/order";
  post.body = R"({"qty":"1"})";
  auto second = Roundtrip(client, post);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, R"(POST /api/v3/order {"qty":"1"})");

  EXPECT_EQ(server_->connections_accepted(), 1u);
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_EQ(requests_[0].Header("x-api-key"), "secret");
  EXPECT_EQ(requests_[0].Header("Host"), "127.0.0.1:" + std::to_string(port_));
  EXPECT_EQ(requests_[0].Header("User-Agent"), "tradingd/0.1");
  EXPECT_EQ(requests_[0].remote_address, "127.0.0.1");
  EXPECT_EQ(requests_[1].method, "POST");
}

TEST_F(HttpTest, QueuedRequestsRunInOrder) {
  StartServer();
  HttpClient client(io_, ClientOptions());
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) {
    HttpClientRequest req;
    req.target = "/n" + std::to_string(i);
    client.Send(req,
                [&](Response r) { bodies.push_back(r.ok() ? r->body : r.status().ToString()); });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return bodies.size() == 3; }));
  EXPECT_EQ(bodies, (std::vector<std::string>{"GET /n0 ", "GET /n1 ", "GET /n2 "}));
  EXPECT_EQ(server_->connections_accepted(), 1u);
}

TEST_F(HttpTest, HandlerStatusIsPassedThrough) {
  StartServer([](ServerRequest&&, HttpServer::Respond respond) {
    respond({404, "application/json", {}, R"({"error":{"code":"NOT_FOUND"}})"});
  });
  HttpClient client(io_, ClientOptions());
  auto res = Roundtrip(client, {"GET", "/nope", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, R"({"error":{"code":"NOT_FOUND"}})");
  EXPECT_EQ(res->Header("content-type"), "application/json");
}

TEST_F(HttpTest, BodyOverTheLimitGets413) {
  HttpServerOptions options;
  options.max_body_bytes = 65536;
  bool called = false;
  StartServer(
      [&](ServerRequest&&, HttpServer::Respond respond) {
        called = true;
        respond({});
      },
      options);
  HttpClient client(io_, ClientOptions());
  auto res = Roundtrip(client, {"POST", "/big", {}, std::string(70000, 'x')});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(res->body,
            R"({"error":{"code":"BAD_REQUEST","message":"request body exceeds 65536 bytes"}})");
  EXPECT_EQ(res->Header("Connection"), "close");
  EXPECT_FALSE(called);

  // The client reconnects for the next request.
  auto next = Roundtrip(client, {"POST", "/small", {}, "ok"});
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpTest, MalformedRequestGets400AndClose) {
  StartServer();
  const std::string reply = RawExchange("GARBAGE\x01\x02 nonsense\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find(R"("code":"BAD_REQUEST")"), std::string::npos);
  EXPECT_TRUE(requests_.empty());
}

TEST_F(HttpTest, HugeHeaderIsRefused) {
  StartServer();
  const std::string reply =
      RawExchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 431", 0), 0u) << reply.substr(0, 100);
  EXPECT_TRUE(requests_.empty());
}

TEST_F(HttpTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(nullptr, options);
  // Two clients hold their connections open with unfinished requests.
  std::vector<std::shared_ptr<RawClient>> held;
  for (int i = 0; i < 2; ++i) {
    held.push_back(std::make_shared<RawClient>(io_));
    held.back()->Run(port_, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nab");
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return server_->connections_accepted() == 2; }));
  // A third is closed without an answer.
  auto third = std::make_shared<RawClient>(io_);
  third->Run(port_, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(RunUntil(io_, [&] { return third->finished(); }));
  EXPECT_TRUE(third->received().empty());
  EXPECT_EQ(server_->connections_refused(), 1u);
  // Once one leaves, a new client is served again.
  held.front()->Close();
  HttpClient client(io_, ClientOptions());
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    auto res = Roundtrip(client, {"GET", "/again", {}, ""});
    served = res.ok() && res->status == 200;
  }
  EXPECT_TRUE(served);
}

TEST_F(HttpTest, SurvivesHalfSentRequestsAndEarlyDisconnects) {
  StartServer();
  {
    auto raw = std::make_shared<RawClient>(io_);
    raw->Run(port_, "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    ASSERT_TRUE(RunUntil(io_, [&] { return server_->connections_accepted() == 1; }));
    raw->Close();
  }
  // A client that sends a full request but leaves before the response.
  StartServer([](ServerRequest&&, HttpServer::Respond respond) {
    respond({200, "text/plain", {}, std::string(1 << 20, 'z')});
  });
  {
    auto raw = std::make_shared<RawClient>(io_);
    raw->Run(port_, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(RunUntil(io_, [&] { return !raw->received().empty(); }));
    raw->Close();
  }
  HttpClient client(io_, ClientOptions());
  auto res = Roundtrip(client, {"GET", "/", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body.size(), std::size_t{1} << 20);
}

TEST_F(HttpTest, RespondMayBeCalledLaterAndOnlyOnce) {
  std::optional<HttpServer::Respond> pending;
  StartServer([&](ServerRequest&&, HttpServer::Respond respond) { pending = std::move(respond); });
  HttpClient client(io_, ClientOptions());
  std::optional<Response> result;
  int calls = 0;
  client.Send({"GET", "/later", {}, ""}, [&](Response r) {
    ++calls;
    result.emplace(std::move(r));
  });
  ASSERT_TRUE(RunUntil(io_, [&] { return pending.has_value(); }));
  EXPECT_EQ(calls, 0);
  auto respond = *pending;  // a copy: both copies share the once-only state
  (*pending)({200, "text/plain", {}, "late"});
  respond({500, "text/plain", {}, "ignored"});
  ASSERT_TRUE(RunUntil(io_, [&] { return calls > 0; }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->body, "late");
  EXPECT_EQ((*result)->status, 200);
}

TEST_F(HttpTest, RespondAfterTheConnectionDiedIsHarmless) {
  std::vector<HttpServer::Respond> pending;
  StartServer([&](ServerRequest&& req, HttpServer::Respond respond) {
    if (req.Path() == "/hang") {
      pending.push_back(std::move(respond));
    } else {
      respond({200, "text/plain", {}, "alive"});
    }
  });
  {
    HttpClient client(io_, ClientOptions());
    int calls = 0;
    client.Send({"GET", "/hang", {}, ""}, [&](Response r) {
      ++calls;
      EXPECT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), core::ErrorCode::kUnavailable);
    });
    ASSERT_TRUE(RunUntil(io_, [&] { return pending.size() == 1; }));
    client.Stop();  // closes the connection under the pending request
    EXPECT_EQ(calls, 1);
    client.Stop();
    EXPECT_EQ(calls, 1);
  }
  testing::RunFor(io_, std::chrono::milliseconds(20));
  pending[0]({200, "text/plain", {}, "too late"});
  HttpClient client(io_, ClientOptions());
  auto res = Roundtrip(client, {"GET", "/ok", {}, ""});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body, "alive");
  // After Stop, a Respond is just as harmless.
  StartServer(
      [&](ServerRequest&&, HttpServer::Respond respond) { pending.push_back(std::move(respond)); });
  HttpClient other(io_, ClientOptions());
  other.Send({"GET", "/", {}, ""}, [](Response) {});
  ASSERT_TRUE(RunUntil(io_, [&] { return pending.size() == 2; }));
  server_->Stop();
  pending[1]({200, "text/plain", {}, "after stop"});
  testing::RunFor(io_, std::chrono::milliseconds(20));
}

TEST_F(HttpTest, ClientTimesOutWhenTheServerNeverAnswers) {
  std::vector<HttpServer::Respond> pending;
  StartServer([&](ServerRequest&&, HttpServer::Respond r) { pending.push_back(std::move(r)); });
  auto options = ClientOptions();
  options.timeout = std::chrono::milliseconds(200);
  HttpClient client(io_, options);
  const auto start = std::chrono::steady_clock::now();
  auto res = Roundtrip(client, {"GET", "/slow?signature=abc", {}, ""});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(res.status().message().find("no response within 200 ms"), std::string::npos)
      << res.status().message();
  EXPECT_EQ(res.status().message().find("signature"), std::string::npos) << "query leaked";
  EXPECT_GE(elapsed, std::chrono::milliseconds(190));
  EXPECT_LT(elapsed, std::chrono::milliseconds(1500));
  EXPECT_EQ(pending.size(), 1u);
}

TEST_F(HttpTest, StopFailsEveryQueuedRequestOnce) {
  std::vector<HttpServer::Respond> pending;
  StartServer([&](ServerRequest&&, HttpServer::Respond r) { pending.push_back(std::move(r)); });
  HttpClient client(io_, ClientOptions());
  std::vector<core::ErrorCode> codes;
  for (int i = 0; i < 3; ++i) {
    client.Send({"GET", "/", {}, ""}, [&](Response r) { codes.push_back(r.status().code()); });
  }
  ASSERT_TRUE(RunUntil(io_, [&] { return pending.size() == 1; }));
  client.Stop();
  ASSERT_EQ(codes.size(), 3u);
  for (auto code : codes) EXPECT_EQ(code, core::ErrorCode::kUnavailable);
  // After Stop, Send still answers (asynchronously), exactly once.
  client.Send({"GET", "/", {}, ""}, [&](Response r) { codes.push_back(r.status().code()); });
  EXPECT_EQ(codes.size(), 3u);
  ASSERT_TRUE(RunUntil(io_, [&] { return codes.size() == 4; }));
  testing::RunFor(io_, std::chrono::milliseconds(20));
  EXPECT_EQ(codes.size(), 4u);
}

TEST_F(HttpTest, ConnectionRefusedIsUnavailable) {
  StartServer();
  server_->Stop();
  HttpClient client(io_, ClientOptions());
  auto res = Roundtrip(client, {"GET", "/", {}, ""});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(res.status().message().find("connect"), std::string::npos) << res.status().message();
}

TEST_F(HttpTest, ResponseBodyOverTheClientLimitFails) {
  StartServer([](ServerRequest&&, HttpServer::Respond respond) {
    respond({200, "text/plain", {}, std::string(5000, 'b')});
  });
  auto options = ClientOptions();
  options.max_body_bytes = 1000;
  HttpClient client(io_, options);
  auto res = Roundtrip(client, {"GET", "/", {}, ""});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), core::ErrorCode::kIoError);
  EXPECT_NE(res.status().message().find("exceeds 1000 bytes"), std::string::npos);
}

TEST_F(HttpTest, HttpsToAPlainServerFailsTheHandshake) {
  StartServer();
  auto options = ClientOptions();
  options.base_url = "https://127.0.0.1:" + std::to_string(port_);
  HttpClient client(io_, options);
  auto res = Roundtrip(client, {"GET", "/", {}, ""});
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(res.status().message().find("TLS handshake"), std::string::npos)
      << res.status().message();
}

TEST_F(HttpTest, BadArgumentsAreRefused) {
  StartServer();
  HttpClientOptions options;
  options.base_url = "ws://127.0.0.1:1";
  EXPECT_THROW(HttpClient(io_, options), std::invalid_argument);
  HttpClient client(io_, ClientOptions());
  auto bad_method = Roundtrip(client, {"FROB", "/", {}, ""});
  EXPECT_EQ(bad_method.status().code(), core::ErrorCode::kBadRequest);
  auto bad_target = Roundtrip(client, {"GET", "/a b\r\nX: y", {}, ""});
  EXPECT_EQ(bad_target.status().code(), core::ErrorCode::kBadRequest);

  HttpServerOptions taken;
  taken.port = port_;
  HttpServer second(io_, taken, [](ServerRequest&&, HttpServer::Respond) {});
  auto listen = second.Listen();
  ASSERT_FALSE(listen.ok());
  EXPECT_NE(listen.status().message().find("cannot listen on 127.0.0.1:"), std::string::npos)
      << listen.status().message();
}

// A server that answers one request per connection and then closes it, although it announced
// keep-alive: what a venue's load balancer does to an idle connection.
class ClosingServer : public std::enable_shared_from_this<ClosingServer> {
 public:
  explicit ClosingServer(asio::io_context& io)
      : acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {}
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int accepted = 0;
  int closed = 0;

  void Accept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, asio::ip::tcp::socket socket) {
          if (ec) return;
          ++self->accepted;
          self->Serve(std::make_shared<asio::ip::tcp::socket>(std::move(socket)));
          self->Accept();
        });
  }
  void Stop() { acceptor_.close(); }

 private:
  void Serve(std::shared_ptr<asio::ip::tcp::socket> socket) {
    auto buffer = std::make_shared<asio::streambuf>();
    asio::async_read_until(
        *socket, *buffer, "\r\n\r\n",
        [self = shared_from_this(), socket, buffer](boost::system::error_code ec, std::size_t) {
          if (ec) return;
          static const std::string kReply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          asio::async_write(*socket, asio::buffer(kReply),
                            [self, socket](boost::system::error_code, std::size_t) {
                              boost::system::error_code ignored;
                              socket->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                              socket->close(ignored);
                              ++self->closed;
                            });
        });
  }

  asio::ip::tcp::acceptor acceptor_;
};

TEST_F(HttpTest, BrokenKeepAliveRetriesSafeMethodsOnceOnly) {
  auto server = std::make_shared<ClosingServer>(io_);
  server->Accept();
  port_ = server->port();
  HttpClient client(io_, ClientOptions());

  auto first = Roundtrip(client, {"GET", "/1", {}, ""});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(RunUntil(io_, [&] { return server->closed == 1; }));

  // The reused connection is dead: a GET goes again on a new one.
  auto second = Roundtrip(client, {"GET", "/2", {}, ""});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(server->accepted, 2);
  ASSERT_TRUE(RunUntil(io_, [&] { return server->closed == 2; }));

  // A POST may have been executed: it fails instead of going twice.
  auto post = Roundtrip(client, {"POST", "/order", {}, "{}"});
  ASSERT_FALSE(post.ok());
  EXPECT_EQ(post.status().code(), core::ErrorCode::kIoError);
  EXPECT_EQ(server->accepted, 2);
  server->Stop();
}

}  // namespace
}  // namespace tradingd::net
