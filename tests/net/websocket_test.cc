// WebSocketClient against HttpServer's WebSocket upgrade on 127.0.0.1.

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "net/http_server.h"
#include "net/websocket_client.h"
#include "net/websocket_frames.h"
#include "tests/net/net_test_util.h"

namespace tradingd::net {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;
using testing::RunFor;
using testing::RunUntil;

class Recorder : public WebSocketClient::Handler {
 public:
  void OnOpen() override {
    ++opens;
    if (on_open) on_open();
  }
  void OnMessage(std::string_view payload, std::int64_t receive_ns) override {
    for (std::size_t i = 0; i < kPayloadPadding; ++i) {
      if (payload.data()[payload.size() + i] != '\0') padding_ok = false;
    }
    if (receive_ns <= 0) padding_ok = false;
    messages.emplace_back(payload);
    if (on_message) on_message(payload);
  }
  void OnClose(CloseReason reason, std::string_view detail) override {
    closes.push_back(reason);
    details.emplace_back(detail);
    if (on_close) on_close(reason);
  }

  int opens = 0;
  bool padding_ok = true;
  std::vector<std::string> messages;
  std::vector<CloseReason> closes;
  std::vector<std::string> details;
  std::function<void()> on_open;
  std::function<void(std::string_view)> on_message;
  std::function<void(CloseReason)> on_close;
};

class WebSocketTest : public ::testing::Test {
 protected:
  virtual HttpServerOptions ServerOptions() { return {}; }

  void SetUp() override {
    server_.emplace(io_, ServerOptions(), [](ServerRequest&&, HttpServer::Respond respond) {
      respond({404, "application/json", {}, "{}"});
    });
    server_->EnableWebSockets(
        [](const ServerRequest& req) { return req.Path() == "/ws"; },
        [this](std::shared_ptr<ServerWebSocket> socket) {
          socket->SetOnMessage([this](std::string_view text) { received_.emplace_back(text); });
          socket->SetOnClose([this] { ++server_closes_; });
          sockets_.push_back(std::move(socket));
        });
    auto port = server_->Listen();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }

  WebSocketClientOptions Options(std::string path = "/ws") {
    WebSocketClientOptions options;
    options.url = "ws://127.0.0.1:" + std::to_string(port_) + path;
    options.connect_timeout = milliseconds(1000);
    options.silence_timeout = milliseconds(5000);
    options.reconnect_min = milliseconds(10);
    options.reconnect_max = milliseconds(40);
    return options;
  }

  asio::io_context io_;
  std::optional<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::vector<std::shared_ptr<ServerWebSocket>> sockets_;
  std::vector<std::string> received_;
  int server_closes_ = 0;
};

TEST_F(WebSocketTest, ExchangesMessagesBothWays) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  handler.on_open = [&] { EXPECT_TRUE(client.Send(R"({"op":"subscribe"})")); };
  EXPECT_FALSE(client.Send("before start"));
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.opens == 1 && sockets_.size() == 1; }));
  EXPECT_TRUE(client.connected());
  EXPECT_EQ(client.connects(), 1u);
  EXPECT_EQ(sockets_[0]->target(), "/ws");
  EXPECT_TRUE(sockets_[0]->open());

  EXPECT_TRUE(sockets_[0]->Send("hello"));
  EXPECT_TRUE(sockets_[0]->Send(std::string(100000, 'x')));
  EXPECT_TRUE(sockets_[0]->Send("{}"));
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.messages.size() == 3; }));
  EXPECT_EQ(handler.messages[0], "hello");
  EXPECT_EQ(handler.messages[1].size(), 100000u);
  EXPECT_EQ(handler.messages[2], "{}");
  EXPECT_TRUE(handler.padding_ok);

  EXPECT_TRUE(client.Send("hi"));
  ASSERT_TRUE(RunUntil(io_, [&] { return received_.size() == 2; }));
  EXPECT_EQ(received_[0], R"({"op":"subscribe"})");
  EXPECT_EQ(received_[1], "hi");

  sockets_[0]->Ping("are you there");  // answered by Beast; no message, no close
  RunFor(io_, milliseconds(20));
  EXPECT_TRUE(handler.closes.empty());

  client.Stop();
  client.Stop();
  ASSERT_EQ(handler.closes.size(), 1u);
  EXPECT_EQ(handler.closes[0], CloseReason::kStopped);
  EXPECT_FALSE(client.connected());
  EXPECT_FALSE(client.Send("after stop"));
  ASSERT_TRUE(RunUntil(io_, [&] { return server_closes_ == 1; }));
  EXPECT_FALSE(sockets_[0]->Send("to nobody"));
}

// A burst queued at once: every frame must arrive whole and in order, across each length
// encoding, with a ping in the middle; through Beast one message at a time, and through the
// server's own coalesced writes (frames built by the server, several per socket write).
class CoalescingWebSocketTest : public WebSocketTest {
 protected:
  HttpServerOptions ServerOptions() override {
    HttpServerOptions options;
    options.coalesce_websocket_writes = true;
    return options;
  }
};

void ExpectBurstArrivesIntact(asio::io_context& io, const WebSocketClientOptions& options,
                              std::vector<std::shared_ptr<ServerWebSocket>>& sockets) {
  Recorder handler;
  WebSocketClient client(io, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return handler.opens == 1 && sockets.size() == 1; }));
  const std::size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 70000, 3};
  std::vector<std::string> sent;
  for (int round = 0; round < 200; ++round) {
    const std::size_t size = sizes[round % std::size(sizes)];
    std::string message(size, static_cast<char>('a' + round % 26));
    if (size >= 6) message.replace(0, 6, fmt::format("{:06}", round));
    sent.push_back(message);
    ASSERT_TRUE(sockets[0]->Send(message));
    if (round == 100) sockets[0]->Ping("mid-burst");
  }
  ASSERT_TRUE(RunUntil(io, [&] { return handler.messages.size() == sent.size(); }));
  for (std::size_t i = 0; i < sent.size(); ++i) ASSERT_EQ(handler.messages[i], sent[i]) << "message " << i;
  EXPECT_TRUE(handler.closes.empty());
  EXPECT_TRUE(handler.padding_ok);
  client.Stop();
}

TEST_F(WebSocketTest, BurstOfQueuedMessagesArrivesIntactAndInOrder) {
  ExpectBurstArrivesIntact(io_, Options(), sockets_);
}

TEST_F(CoalescingWebSocketTest, BurstOfQueuedMessagesArrivesIntactAndInOrder) {
  ExpectBurstArrivesIntact(io_, Options(), sockets_);
}

TEST_F(WebSocketTest, ReconnectsAfterTheServerDropsTheConnection) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  sockets_[0]->Drop();
  ASSERT_TRUE(RunUntil(io_, [&] { return client.connects() == 2 && sockets_.size() == 2; }));
  ASSERT_EQ(handler.closes.size(), 1u);
  EXPECT_TRUE(handler.closes[0] == CloseReason::kPeerClosed ||
              handler.closes[0] == CloseReason::kError)
      << CloseReasonName(handler.closes[0]) << ": " << handler.details[0];
  EXPECT_EQ(server_closes_, 1);
  EXPECT_EQ(handler.opens, 2);
  EXPECT_TRUE(client.connected());

  // The new connection works.
  EXPECT_TRUE(sockets_[1]->Send("again"));
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.messages.size() == 1; }));
  client.Stop();
}

TEST_F(WebSocketTest, ServerCloseFrameIsPeerClosed) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  EXPECT_TRUE(sockets_[0]->Send("last words"));
  sockets_[0]->Close();  // after the queue drains
  EXPECT_FALSE(sockets_[0]->open());
  EXPECT_FALSE(sockets_[0]->Send("too late"));
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kPeerClosed) << handler.details[0];
  ASSERT_EQ(handler.messages.size(), 1u);
  EXPECT_EQ(handler.messages[0], "last words");
  ASSERT_TRUE(RunUntil(io_, [&] { return server_closes_ == 1; }));
  client.Stop();
}

TEST_F(WebSocketTest, SilenceClosesAndReconnects) {
  Recorder handler;
  auto options = Options();
  options.silence_timeout = milliseconds(200);
  // Pings are answered with pongs, which must not count as life.
  options.ping_interval = milliseconds(50);
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.opens == 1; }));
  const auto opened = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  const auto elapsed = std::chrono::steady_clock::now() - opened;
  EXPECT_EQ(handler.closes[0], CloseReason::kSilence) << handler.details[0];
  EXPECT_GE(elapsed, milliseconds(190));
  EXPECT_LT(elapsed, milliseconds(1000));
  ASSERT_TRUE(RunUntil(io_, [&] { return client.connects() == 2; }));
  client.Stop();
}

TEST_F(WebSocketTest, MessagesKeepASessionAlive) {
  Recorder handler;
  auto options = Options();
  options.silence_timeout = milliseconds(150);
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  // Feed a message every ~50 ms for ~400 ms: longer than the silence timeout in total.
  asio::steady_timer ticker(io_);
  int ticks = 0;
  std::function<void()> tick = [&] {
    ticker.expires_after(milliseconds(50));
    ticker.async_wait([&](boost::system::error_code ec) {
      if (ec || ++ticks > 8) return;
      sockets_[0]->Send("tick");
      tick();
    });
  };
  tick();
  ASSERT_TRUE(RunUntil(io_, [&] { return ticks > 8; }));
  EXPECT_TRUE(handler.closes.empty());
  EXPECT_EQ(client.connects(), 1u);
  client.Stop();
}

TEST_F(WebSocketTest, TextPingGoesToTheServer) {
  Recorder handler;
  auto options = Options();
  options.ping_interval = milliseconds(30);
  options.text_ping = R"({"op":"ping"})";
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return received_.size() >= 2; }));
  EXPECT_EQ(received_[0], R"({"op":"ping"})");
  EXPECT_EQ(received_[1], R"({"op":"ping"})");
  client.Stop();
}

TEST_F(WebSocketTest, StopEndsReconnecting) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  handler.on_close = [&](CloseReason reason) {
    if (reason != CloseReason::kStopped) client.Stop();
  };
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  sockets_[0]->Drop();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.closes.size() == 2; }));
  EXPECT_EQ(handler.closes[1], CloseReason::kStopped);
  // With the server gone too, nothing is left to run: no reconnect timer is pending.
  server_->Stop();
  io_.restart();
  io_.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(io_.stopped()) << "work left after Stop";
  EXPECT_EQ(client.connects(), 1u);
  EXPECT_EQ(handler.closes.size(), 2u);
}

TEST_F(WebSocketTest, ReconnectRequested) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return client.connects() == 1; }));
  client.Reconnect();
  ASSERT_EQ(handler.closes.size(), 1u);
  EXPECT_EQ(handler.closes[0], CloseReason::kRequested);
  EXPECT_FALSE(client.connected());
  ASSERT_TRUE(RunUntil(io_, [&] { return client.connects() == 2; }));
  client.Stop();
}

TEST_F(WebSocketTest, StopFromInsideOnMessage) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  handler.on_message = [&](std::string_view) { client.Stop(); };
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  sockets_[0]->Send("one");
  sockets_[0]->Send("two");
  ASSERT_TRUE(RunUntil(io_, [&] { return server_closes_ == 1; }));
  EXPECT_EQ(handler.messages.size(), 1u);
  ASSERT_EQ(handler.closes.size(), 1u);
  EXPECT_EQ(handler.closes[0], CloseReason::kStopped);
}

TEST_F(WebSocketTest, OversizedMessageIsTooLarge) {
  Recorder handler;
  auto options = Options();
  options.max_message_bytes = 1024;
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  sockets_[0]->Send(std::string(2048, 'x'));
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kTooLarge) << handler.details[0];
  EXPECT_TRUE(handler.messages.empty());
  client.Stop();
}

TEST_F(WebSocketTest, RefusedUpgradeAndRefusedConnectFailToConnect) {
  Recorder handler;
  WebSocketClient client(io_, Options("/not-a-socket"), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.closes.size() >= 2; }));  // and it retries
  EXPECT_EQ(handler.closes[0], CloseReason::kConnectFailed);
  EXPECT_NE(handler.details[0].find("HTTP 404"), std::string::npos) << handler.details[0];
  EXPECT_EQ(handler.opens, 0);
  client.Stop();

  server_->Stop();
  Recorder refused;
  WebSocketClient nobody(io_, Options(), refused);
  nobody.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return refused.closes.size() >= 3; }));
  EXPECT_EQ(refused.closes[0], CloseReason::kConnectFailed);
  EXPECT_EQ(nobody.connects(), 0u);
  nobody.Stop();
}

TEST_F(WebSocketTest, WssToAPlainServerFailsTheTlsHandshake) {
  Recorder handler;
  auto options = Options();
  options.url = "wss://127.0.0.1:" + std::to_string(port_) + "/ws";
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kConnectFailed);
  EXPECT_NE(handler.details[0].find("TLS handshake"), std::string::npos) << handler.details[0];
  client.Stop();
}

TEST_F(WebSocketTest, ServerStopClosesSockets) {
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return sockets_.size() == 1; }));
  server_->Stop();
  ASSERT_TRUE(RunUntil(io_, [&] { return server_closes_ == 1 && !handler.closes.empty(); }));
  EXPECT_FALSE(sockets_[0]->open());
  client.Stop();
}

TEST_F(WebSocketTest, BadUrlThrows) {
  Recorder handler;
  WebSocketClientOptions options;
  options.url = "http://127.0.0.1:1/";
  EXPECT_THROW(WebSocketClient(io_, options, handler), std::invalid_argument);
  options.url = "ws://";
  EXPECT_THROW(WebSocketClient(io_, options, handler), std::invalid_argument);
}

// A hand-driven server for what HttpServer (Beast) never sends on its own: it answers the upgrade
// itself (with the response the test chooses), then writes exactly the bytes it is given and
// records what the client sends.
class RawServer {
 public:
  using tcp = asio::ip::tcp;
  explicit RawServer(asio::io_context& io)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), socket_(io) {}

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

  // `respond` turns the client's Sec-WebSocket-Key into the whole response head and any bytes to
  // send with it.
  void Accept(std::function<std::string(const std::string& key)> respond) {
    acceptor_.async_accept(socket_, [this, respond](boost::system::error_code ec) {
      ASSERT_FALSE(ec) << ec.message();
      asio::async_read_until(
          socket_, request_, "\r\n\r\n",
          [this, respond](boost::system::error_code e, std::size_t n) {
            ASSERT_FALSE(e) << e.message();
            std::string head(static_cast<const char*>(request_.data().data()), n);
            request_.consume(n);
            const std::string marker = "Sec-WebSocket-Key: ";
            const auto at = head.find(marker);
            ASSERT_NE(at, std::string::npos) << head;
            const auto end = head.find("\r\n", at);
            Write(respond(head.substr(at + marker.size(), end - at - marker.size())));
            Read();
          });
    });
  }

  void Write(std::string bytes) {
    auto buffer = std::make_shared<std::string>(std::move(bytes));
    asio::async_write(socket_, asio::buffer(*buffer),
                      [buffer](boost::system::error_code, std::size_t) {});
  }

  const std::string& received() const { return received_; }
  bool closed() const { return closed_; }

  static std::string Upgraded(const std::string& key) {
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           WebSocketAccept(key) + "\r\n\r\n";
  }

  // An unmasked server frame.
  static std::string Frame(FrameOpcode opcode, std::string_view payload, bool fin = true,
                           bool masked = false) {
    std::string frame;
    frame += static_cast<char>((fin ? 0x80 : 0) | static_cast<int>(opcode));
    const std::size_t n = payload.size();
    const char mask_bit = masked ? static_cast<char>(0x80) : 0;
    if (n < 126) {
      frame += static_cast<char>(mask_bit | static_cast<char>(n));
    } else {
      frame += static_cast<char>(mask_bit | (n <= 0xFFFF ? 126 : 127));
      for (int shift = n <= 0xFFFF ? 8 : 56; shift >= 0; shift -= 8) {
        frame += static_cast<char>(static_cast<std::uint64_t>(n) >> shift);
      }
    }
    if (masked) frame += std::string(4, '\0');  // a zero key leaves the payload as it is
    frame += payload;
    return frame;
  }

 private:
  void Read() {
    socket_.async_read_some(asio::buffer(chunk_), [this](boost::system::error_code ec, std::size_t n) {
      received_.append(chunk_.data(), n);
      if (ec) {
        closed_ = true;
        return;
      }
      Read();
    });
  }

  tcp::acceptor acceptor_;
  tcp::socket socket_;
  asio::streambuf request_;
  std::array<char, 4096> chunk_{};
  std::string received_;
  bool closed_ = false;
};

class RawWebSocketTest : public ::testing::Test {
 protected:
  WebSocketClientOptions Options() {
    WebSocketClientOptions options;
    options.url = "ws://127.0.0.1:" + std::to_string(server_.port()) + "/raw";
    options.connect_timeout = milliseconds(1000);
    options.reconnect_min = milliseconds(10);
    options.reconnect_max = milliseconds(40);
    return options;
  }

  asio::io_context io_;
  RawServer server_{io_};
};

// Frames sent in the same write as the 101 response, a fragmented message with a ping between its
// fragments, and the pong, which must echo the ping's payload in a masked frame.
TEST_F(RawWebSocketTest, EarlyFramesFragmentsAndPings) {
  server_.Accept([](const std::string& key) {
    return RawServer::Upgraded(key) + RawServer::Frame(FrameOpcode::kText, "first");
  });
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.messages.size() == 1; }));
  EXPECT_EQ(handler.messages[0], "first");
  server_.Write(RawServer::Frame(FrameOpcode::kText, "frag", /*fin=*/false) +
                RawServer::Frame(FrameOpcode::kPing, "abc") +
                RawServer::Frame(FrameOpcode::kContinuation, "mented"));
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.messages.size() == 2; }));
  EXPECT_EQ(handler.messages[1], "fragmented");
  EXPECT_TRUE(handler.padding_ok);
  // The pong: FIN + opcode 0xA, MASK + length 3, a 4-byte key, then "abc" masked with it.
  ASSERT_TRUE(RunUntil(io_, [&] { return server_.received().size() >= 9; }));
  const std::string& pong = server_.received();
  EXPECT_EQ(static_cast<unsigned char>(pong[0]), 0x8Au);
  EXPECT_EQ(static_cast<unsigned char>(pong[1]), 0x83u);
  std::string unmasked;
  for (int i = 0; i < 3; ++i) unmasked += static_cast<char>(pong[6 + i] ^ pong[2 + i]);
  EXPECT_EQ(unmasked, "abc");
  EXPECT_TRUE(handler.closes.empty());
  client.Stop();
}

TEST_F(RawWebSocketTest, MessagesLargerThanTheReadBufferArriveWhole) {
  std::string big(100000, 'b');
  big.front() = '{';
  big.back() = '}';
  server_.Accept([&](const std::string& key) {
    return RawServer::Upgraded(key) + RawServer::Frame(FrameOpcode::kText, "small") +
           RawServer::Frame(FrameOpcode::kText, big) + RawServer::Frame(FrameOpcode::kBinary, "after");
  });
  Recorder handler;
  auto options = Options();
  options.read_buffer_bytes = 1024;
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return handler.messages.size() == 3; }));
  EXPECT_EQ(handler.messages[0], "small");
  EXPECT_EQ(handler.messages[1], big);
  EXPECT_EQ(handler.messages[2], "after");
  EXPECT_TRUE(handler.padding_ok);
  client.Stop();
}

TEST_F(RawWebSocketTest, MaskedServerFrameIsAProtocolError) {
  server_.Accept([](const std::string& key) {
    return RawServer::Upgraded(key) +
           RawServer::Frame(FrameOpcode::kText, "masked", /*fin=*/true, /*masked=*/true);
  });
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kError);
  EXPECT_NE(handler.details[0].find("masked"), std::string::npos) << handler.details[0];
  EXPECT_TRUE(handler.messages.empty());
  client.Stop();
}

TEST_F(RawWebSocketTest, CloseFrameCodeAndReasonAreReported) {
  server_.Accept([](const std::string& key) {
    return RawServer::Upgraded(key) +
           RawServer::Frame(FrameOpcode::kClose, std::string("\x03\xe9going away", 12));
  });
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kPeerClosed);
  EXPECT_NE(handler.details[0].find("code 1001 going away"), std::string::npos)
      << handler.details[0];
  client.Stop();
}

TEST_F(RawWebSocketTest, WrongAcceptFailsTheUpgrade) {
  server_.Accept([](const std::string& key) {
    return RawServer::Upgraded(key + "x") + RawServer::Frame(FrameOpcode::kText, "never");
  });
  Recorder handler;
  WebSocketClient client(io_, Options(), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kConnectFailed);
  EXPECT_NE(handler.details[0].find("Sec-WebSocket-Accept"), std::string::npos)
      << handler.details[0];
  EXPECT_EQ(handler.opens, 0);
  EXPECT_TRUE(handler.messages.empty());
  client.Stop();
}

TEST(CloseReasonTest, Names) {
  EXPECT_STREQ(CloseReasonName(CloseReason::kSilence), "silence");
  EXPECT_STREQ(CloseReasonName(CloseReason::kTooLarge), "too_large");
}

}  // namespace
}  // namespace tradingd::net
