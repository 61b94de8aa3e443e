#include "net/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <deque>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/text.h"
#include "net/tls_internal.h"
#include "net/url.h"

namespace tradingd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

std::string_view HttpClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

namespace {

// Large enough for the cookies and security headers some venues' CDNs add.
constexpr std::uint32_t kResponseHeaderLimit = 64 * 1024;

// One request from Send to its callback. Held by shared_ptr because Beast's write and read
// operations reference the request and the parser until they complete, even after a timeout or
// Stop has already answered the caller.
struct Call {
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;
  HttpClient::Callback done;
  // "GET /api/v3/order": for error messages. Never the query or headers: they may hold API keys
  // and signatures.
  std::string what;
  SteadyClock::time_point deadline;
  bool idempotent = false;
  bool retried = false;
  bool timed_out = false;
};

// One keep-alive connection. A new one is made after every failure, so completions of an old
// connection can only reach the handler they were started with.
class Connection {
 public:
  using Handler = std::function<void(beast::error_code ec, const char* phase)>;
  virtual ~Connection() = default;
  virtual void Connect(Handler done) = 0;
  // Writes call->request and reads into call->parser.
  virtual void Exchange(std::shared_ptr<Call> call, Handler done) = 0;
  // Cancels whatever is pending (it completes with an error) and closes the socket.
  virtual void Close() = 0;
  virtual bool open() const = 0;
  // Requests completed on this connection; > 0 means the next one reuses it.
  virtual std::uint64_t exchanges() const = 0;
};

template <bool kTls>
class ConnectionT final : public Connection,
                          public std::enable_shared_from_this<ConnectionT<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  ConnectionT(asio::io_context& io, asio::ssl::context* tls, const Url& url, bool verify_peer)
      : url_(url), verify_peer_(verify_peer), stream_(MakeStream(io, tls)), resolver_(io) {}

  void Connect(Handler done) override {
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = this->shared_from_this(), done = std::move(done)](
            beast::error_code ec, tcp::resolver::results_type results) mutable {
          if (!ec && self->closed_) ec = asio::error::operation_aborted;
          if (ec) return done(ec, "resolve");
          beast::get_lowest_layer(self->stream_)
              .async_connect(results, [self, done = std::move(done)](beast::error_code e,
                                                                     const tcp::endpoint&) mutable {
                self->OnConnect(e, std::move(done));
              });
        });
  }

  void Exchange(std::shared_ptr<Call> call, Handler done) override {
    http::async_write(stream_, call->request,
                      [self = this->shared_from_this(), call, done = std::move(done)](
                          beast::error_code ec, std::size_t) mutable {
                        if (!ec && self->closed_) ec = asio::error::operation_aborted;
                        if (ec) return done(ec, "write");
                        http::async_read(
                            self->stream_, self->buffer_, *call->parser,
                            [self, call, done = std::move(done)](beast::error_code e, std::size_t) {
                              if (!e) ++self->exchanges_;
                              done(e, "read");
                            });
                      });
  }

  void Close() override {
    closed_ = true;
    open_ = false;
    resolver_.cancel();
    beast::get_lowest_layer(stream_).close();
  }

  bool open() const override { return open_ && !closed_; }
  std::uint64_t exchanges() const override { return exchanges_; }

 private:
  static Stream MakeStream(asio::io_context& io, asio::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(io, *tls);
    } else {
      (void)tls;
      return Stream(io);
    }
  }

  void OnConnect(beast::error_code ec, Handler done) {
    if (!ec && closed_) ec = asio::error::operation_aborted;
    if (ec) return done(ec, "connect");
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      if (auto e = internal::PrepareClientTls(stream_, url_.host, verify_peer_)) {
        return done(e, "TLS set-up");
      }
      stream_.async_handshake(
          asio::ssl::stream_base::client,
          [self = this->shared_from_this(), done = std::move(done)](beast::error_code e) {
            if (!e && self->closed_) e = asio::error::operation_aborted;
            if (!e) self->open_ = true;
            done(e, "TLS handshake");
          });
    } else {
      open_ = true;
      done({}, "connect");
    }
  }

  const Url url_;
  const bool verify_peer_;
  Stream stream_;
  tcp::resolver resolver_;
  beast::flat_buffer buffer_;
  std::uint64_t exchanges_ = 0;
  bool open_ = false;
  bool closed_ = false;
};

}  // namespace

// The queue and the current connection. Thread contract: the io_context's thread only.
class HttpClient::Impl final : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpClientOptions options)
      : io_(io), options_(std::move(options)), timer_(io) {
    auto url = Url::Parse(options_.base_url);
    if (!url.ok()) throw std::invalid_argument(url.status().message());
    if (url->scheme != "http" && url->scheme != "https") {
      throw std::invalid_argument("an HTTP base URL must start with http:// or https://: " +
                                  options_.base_url);
    }
    url_ = std::move(url).value();
    host_header_ = internal::HostHeader(url_.host, url_.port, url_.port == (url_.tls() ? 443 : 80));
    if (url_.tls()) tls_ = internal::MakeClientTlsContext(options_.verify_peer, options_.ca_file);
  }

  void Send(HttpClientRequest request, Callback done) {
    const http::verb verb = http::string_to_verb(request.method);
    std::string target = request.target.empty() ? "/" : std::move(request.target);
    std::string what = request.method + " " + url_.host + target.substr(0, target.find('?'));
    if (stopped_) {
      return PostFailure(std::move(done), core::ErrorCode::kUnavailable,
                         what + ": the HTTP client is stopped");
    }
    if (verb == http::verb::unknown) {
      return PostFailure(std::move(done), core::ErrorCode::kBadRequest,
                         "unsupported HTTP method '" + request.method + "'");
    }
    if (HasForbiddenUrlChar(target) || target.front() != '/') {
      return PostFailure(std::move(done), core::ErrorCode::kBadRequest,
                         what + ": the target must start with '/' and contain no spaces");
    }
    auto call = std::make_shared<Call>();
    auto& req = call->request;
    req.version(11);
    req.method(verb);
    req.target(target);
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, options_.user_agent);
    for (auto& [name, value] : request.headers) req.set(name, value);
    req.body() = std::move(request.body);
    req.prepare_payload();
    call->done = std::move(done);
    call->what = std::move(what);
    call->deadline = SteadyClock::now() + options_.timeout;
    call->idempotent = verb == http::verb::get || verb == http::verb::head;
    queue_.push_back(std::move(call));
    Pump();
  }

  // notify=false (destructor): the callbacks are dropped unrun, because their owner is likely the
  // object being destroyed.
  void Stop(bool notify) {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    if (auto conn = std::move(conn_)) conn->Close();
    std::vector<std::shared_ptr<Call>> calls;
    if (current_) calls.push_back(std::move(current_));
    current_.reset();
    calls.insert(calls.end(), queue_.begin(), queue_.end());
    queue_.clear();
    if (!notify) return;
    for (auto& call : calls) {
      auto done = std::move(call->done);
      done(core::Status(core::ErrorCode::kUnavailable,
                        call->what + ": the HTTP client was stopped"));
    }
  }

 private:
  void PostFailure(Callback done, core::ErrorCode code, std::string message) {
    // Never from inside Send: the caller may not expect its callback to run re-entrantly.
    asio::post(io_, [done = std::move(done), code, message = std::move(message)]() {
      done(core::Status(code, message));
    });
  }

  void Pump() {
    if (current_ || stopped_ || queue_.empty()) return;
    auto call = current_ = std::move(queue_.front());
    queue_.pop_front();
    timer_.expires_at(call->deadline);
    timer_.async_wait([self = shared_from_this(), call](beast::error_code ec) {
      if (ec || self->current_ != call) return;
      // Closing aborts the pending operation, whose completion then reports the timeout.
      call->timed_out = true;
      if (self->conn_) self->conn_->Close();
    });
    Attempt(call);
  }

  void Attempt(const std::shared_ptr<Call>& call) {
    call->parser.emplace();
    call->parser->body_limit(options_.max_body_bytes);
    call->parser->header_limit(kResponseHeaderLimit);
    if (call->request.method() == http::verb::head) call->parser->skip(true);
    if (conn_ && conn_->open()) return Exchange(call, conn_, conn_->exchanges() > 0);
    if (conn_) conn_->Close();
    if (url_.tls()) {
      conn_ = std::make_shared<ConnectionT<true>>(io_, tls_.get(), url_, options_.verify_peer);
    } else {
      conn_ = std::make_shared<ConnectionT<false>>(io_, nullptr, url_, options_.verify_peer);
    }
    auto conn = conn_;
    conn->Connect([self = shared_from_this(), call, conn](beast::error_code ec, const char* phase) {
      if (self->current_ != call) return;  // stopped meanwhile
      if (ec) {
        self->Drop(conn);
        if (call->timed_out) return self->Finish(call, self->TimeoutStatus(*call));
        return self->Finish(call, core::Status(core::ErrorCode::kUnavailable,
                                               call->what + ": " + phase + " " +
                                                   self->url_.ToString() + ": " + ec.message()));
      }
      self->Exchange(call, conn, /*reused=*/false);
    });
  }

  void Exchange(const std::shared_ptr<Call>& call, const std::shared_ptr<Connection>& conn,
                bool reused) {
    conn->Exchange(call, [self = shared_from_this(), call, conn, reused](beast::error_code ec,
                                                                         const char* phase) {
      if (self->current_ != call) return;
      if (ec) {
        self->Drop(conn);
        if (call->timed_out) return self->Finish(call, self->TimeoutStatus(*call));
        // A reused keep-alive connection the server had already closed: nothing of this request
        // was processed, so a safe method may go once more, on a fresh connection.
        if (reused && call->idempotent && !call->retried && !call->parser->got_some()) {
          call->retried = true;
          return self->Attempt(call);
        }
        return self->Finish(call, self->ExchangeError(*call, ec, phase));
      }
      auto message = call->parser->release();
      if (!message.keep_alive()) self->Drop(conn);
      HttpClientResponse response;
      response.status = static_cast<int>(message.result_int());
      response.headers.reserve(
          static_cast<std::size_t>(std::distance(message.begin(), message.end())));
      for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
      }
      response.body = std::move(message.body());
      self->Finish(call, std::move(response));
    });
  }

  void Drop(const std::shared_ptr<Connection>& conn) {
    conn->Close();
    if (conn_ == conn) conn_.reset();
  }

  core::Status TimeoutStatus(const Call& call) const {
    return core::Status(
        core::ErrorCode::kUnavailable,
        call.what + ": no response within " + std::to_string(options_.timeout.count()) + " ms");
  }

  core::Status ExchangeError(const Call& call, beast::error_code ec, const char* phase) const {
    if (ec == http::error::body_limit) {
      return core::Status(core::ErrorCode::kIoError, call.what + ": response body exceeds " +
                                                         std::to_string(options_.max_body_bytes) +
                                                         " bytes");
    }
    if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
        ec == asio::error::eof || ec == asio::error::connection_reset) {
      return core::Status(core::ErrorCode::kIoError,
                          call.what + ": the server closed the connection before the response (" +
                              ec.message() + ")");
    }
    return core::Status(core::ErrorCode::kIoError, call.what + ": " + phase + ": " + ec.message());
  }

  void Finish(const std::shared_ptr<Call>& call, core::Result<HttpClientResponse> result) {
    current_.reset();
    timer_.cancel();
    auto done = std::move(call->done);
    done(std::move(result));  // may Send or Stop
    Pump();
  }

  asio::io_context& io_;
  const HttpClientOptions options_;
  Url url_;
  std::string host_header_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::steady_timer timer_;  // the deadline of current_
  std::deque<std::shared_ptr<Call>> queue_;
  std::shared_ptr<Call> current_;  // the one request in flight
  std::shared_ptr<Connection> conn_;
  bool stopped_ = false;
};

HttpClient::HttpClient(asio::io_context& io, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

HttpClient::~HttpClient() { impl_->Stop(/*notify=*/false); }

void HttpClient::Send(HttpClientRequest request, Callback done) {
  impl_->Send(std::move(request), std::move(done));
}

void HttpClient::Stop() { impl_->Stop(/*notify=*/true); }

}  // namespace tradingd::net
