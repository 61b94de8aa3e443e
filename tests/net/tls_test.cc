// wss:// and https:// against a TLS server on 127.0.0.1 with a certificate made here, in memory,
// for "localhost": SNI, verification against ca_file, and the failures (unknown issuer, wrong
// host).

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/websocket_client.h"
#include "tests/net/net_test_util.h"

namespace tradingd::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using testing::RunUntil;
using tcp = asio::ip::tcp;

struct TestCert {
  std::string cert_pem;
  std::string key_pem;
};

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(size));
}

// A self-signed P-256 certificate for DNS:localhost, valid for an hour either side of now.
TestCert MakeCert() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x509 = X509_new();
  X509_set_version(x509, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x509), 1);
  X509_gmtime_adj(X509_getm_notBefore(x509), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509), 3600);
  X509_set_pubkey(x509, key);
  X509_NAME* name = X509_get_subject_name(x509);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x509, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x509, x509, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "DNS:localhost");
  X509_add_ext(x509, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x509, key, EVP_sha256());

  TestCert cert;
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, x509);
  cert.cert_pem = BioToString(bio);
  BIO_free(bio);
  bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  cert.key_pem = BioToString(bio);
  BIO_free(bio);
  X509_free(x509);
  EVP_PKEY_free(key);
  return cert;
}

// Answers WebSocket upgrades with "tls hello" (then echoes what it reads into `ws_received`) and
// plain requests with "tls ok"; records the SNI name of each handshake.
class TlsServer : public std::enable_shared_from_this<TlsServer> {
 public:
  TlsServer(asio::io_context& io, const TestCert& cert)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    ctx_.use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx_.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
  }

  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void Stop() { acceptor_.close(); }

  void Accept() {
    acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto conn = std::make_shared<Conn>(std::move(socket), self->ctx_);
      conn->stream.async_handshake(
          asio::ssl::stream_base::server, [self, conn](beast::error_code e) {
            if (e) {
              ++self->failed_handshakes;
              return;
            }
            const char* sni =
                SSL_get_servername(conn->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
            self->server_names.emplace_back(sni == nullptr ? "" : sni);
            self->ReadRequest(conn);
          });
      self->Accept();
    });
  }

  std::vector<std::string> server_names;
  std::vector<std::string> ws_received;
  int failed_handshakes = 0;

 private:
  struct Conn {
    Conn(tcp::socket socket, asio::ssl::context& ctx) : stream(std::move(socket), ctx) {}
    beast::ssl_stream<beast::tcp_stream> stream;
    std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> ws;
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    http::response<http::string_body> response;
  };

  void ReadRequest(const std::shared_ptr<Conn>& conn) {
    http::async_read(conn->stream, conn->buffer, conn->request,
                     [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
                       if (ec) return;
                       if (websocket::is_upgrade(conn->request)) return self->AcceptWs(conn);
                       conn->response.result(http::status::ok);
                       conn->response.body() = "tls ok";
                       conn->response.prepare_payload();
                       http::async_write(conn->stream, conn->response,
                                         [conn](beast::error_code, std::size_t) {});
                     });
  }

  void AcceptWs(const std::shared_ptr<Conn>& conn) {
    conn->ws.emplace(std::move(conn->stream));
    conn->ws->async_accept(conn->request, [self = shared_from_this(), conn](beast::error_code ec) {
      if (ec) return;
      conn->ws->text(true);
      static const std::string kHello = "tls hello";
      conn->ws->async_write(asio::buffer(kHello), [](beast::error_code, std::size_t) {});
      self->ReadWs(conn);
    });
  }

  void ReadWs(const std::shared_ptr<Conn>& conn) {
    conn->buffer.consume(conn->buffer.size());
    conn->ws->async_read(
        conn->buffer, [self = shared_from_this(), conn](beast::error_code ec, std::size_t) {
          if (ec) return;
          self->ws_received.push_back(beast::buffers_to_string(conn->buffer.data()));
          self->ReadWs(conn);
        });
  }

  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
};

class Recorder : public WebSocketClient::Handler {
 public:
  void OnOpen() override { ++opens; }
  void OnMessage(std::string_view payload, std::int64_t) override {
    messages.emplace_back(payload);
  }
  void OnClose(CloseReason reason, std::string_view detail) override {
    closes.push_back(reason);
    details.emplace_back(detail);
  }
  int opens = 0;
  std::vector<std::string> messages;
  std::vector<CloseReason> closes;
  std::vector<std::string> details;
};

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const TestCert cert = MakeCert();
    ca_file_ = std::filesystem::temp_directory_path() /
               ("tradingd_net_tls_test_" + std::to_string(::getpid()) + ".pem");
    std::ofstream(ca_file_) << cert.cert_pem;
    server_ = std::make_shared<TlsServer>(io_, cert);
    server_->Accept();
  }
  void TearDown() override {
    server_->Stop();
    std::filesystem::remove(ca_file_);
  }

  WebSocketClientOptions WsOptions(const std::string& host) {
    WebSocketClientOptions options;
    options.url = "wss://" + host + ":" + std::to_string(server_->port()) + "/ws";
    options.ca_file = ca_file_.string();
    options.connect_timeout = std::chrono::milliseconds(1500);
    options.reconnect_min = std::chrono::milliseconds(1000);  // one attempt per test
    return options;
  }

  asio::io_context io_;
  std::shared_ptr<TlsServer> server_;
  std::filesystem::path ca_file_;
};

TEST_F(TlsTest, WssVerifiesTheCertificateAndSendsSni) {
  Recorder handler;
  WebSocketClient client(io_, WsOptions("localhost"), handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.messages.empty() || !handler.closes.empty(); }));
  ASSERT_TRUE(handler.closes.empty()) << handler.details[0];
  EXPECT_EQ(handler.opens, 1);
  EXPECT_EQ(handler.messages[0], "tls hello");
  ASSERT_EQ(server_->server_names.size(), 1u);
  EXPECT_EQ(server_->server_names[0], "localhost");
  EXPECT_TRUE(client.Send("over tls"));
  ASSERT_TRUE(RunUntil(io_, [&] { return !server_->ws_received.empty(); }));
  EXPECT_EQ(server_->ws_received[0], "over tls");
  client.Stop();
}

TEST_F(TlsTest, UnknownIssuerIsRefused) {
  Recorder handler;
  auto options = WsOptions("localhost");
  options.ca_file.clear();  // the system store does not know our certificate
  WebSocketClient client(io_, options, handler);
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kConnectFailed);
  EXPECT_NE(handler.details[0].find("certificate verify failed"), std::string::npos)
      << handler.details[0];
  EXPECT_EQ(handler.opens, 0);
  client.Stop();
}

TEST_F(TlsTest, WrongHostIsRefusedUnlessVerificationIsOff) {
  Recorder handler;
  WebSocketClient client(io_, WsOptions("127.0.0.1"), handler);  // the certificate says localhost
  client.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !handler.closes.empty(); }));
  EXPECT_EQ(handler.closes[0], CloseReason::kConnectFailed);
  EXPECT_NE(handler.details[0].find("certificate verify failed"), std::string::npos)
      << handler.details[0];
  client.Stop();
  // The server saw the client's alert; no SNI is sent for an IP address.
  ASSERT_TRUE(RunUntil(io_, [&] { return server_->failed_handshakes == 1; }));
  EXPECT_TRUE(server_->server_names.empty());

  Recorder trusting;
  auto options = WsOptions("127.0.0.1");
  options.verify_peer = false;
  WebSocketClient insecure(io_, options, trusting);
  insecure.Start();
  ASSERT_TRUE(RunUntil(io_, [&] { return !trusting.messages.empty(); }));
  EXPECT_EQ(trusting.messages[0], "tls hello");
  ASSERT_EQ(server_->server_names.size(), 1u);
  EXPECT_EQ(server_->server_names[0], "");
  insecure.Stop();
}

TEST_F(TlsTest, HttpsVerifiesTheCertificate) {
  HttpClientOptions options;
  options.base_url = "https://localhost:" + std::to_string(server_->port());
  options.ca_file = ca_file_.string();
  options.timeout = std::chrono::milliseconds(1500);
  HttpClient client(io_, options);
  std::optional<core::Result<HttpClientResponse>> result;
  client.Send({"GET", "/", {}, ""}, [&](core::Result<HttpClientResponse> r) { result.emplace(r); });
  ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
  ASSERT_TRUE(result->ok()) << result->status().ToString();
  EXPECT_EQ((*result)->body, "tls ok");

  options.ca_file.clear();
  HttpClient untrusting(io_, options);
  result.reset();
  untrusting.Send({"GET", "/", {}, ""},
                  [&](core::Result<HttpClientResponse> r) { result.emplace(r); });
  ASSERT_TRUE(RunUntil(io_, [&] { return result.has_value(); }));
  ASSERT_FALSE(result->ok());
  EXPECT_EQ(result->status().code(), core::ErrorCode::kUnavailable);
  EXPECT_NE(result->status().message().find("certificate verify failed"), std::string::npos)
      << result->status().message();

  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(HttpClient(io_, options), std::invalid_argument);
}

}  // namespace
}  // namespace tradingd::net
