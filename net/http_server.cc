#include "net/http_server.h"

#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"

namespace tradingd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::string_view ServerRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (core::EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string_view ServerRequest::Path() const {
  const std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view ServerRequest::Query() const {
  const std::string_view t = target;
  const std::size_t q = t.find('?');
  return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

namespace {

// After an error response the client may still be sending the request we refused; reading it for
// a moment before closing avoids a TCP reset that would destroy the response in flight.
constexpr auto kLingerTimeout = std::chrono::seconds(1);
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::size_t kLingerChunk = 16 * 1024;

class Closable {
 public:
  virtual ~Closable() = default;
  // Closes the socket now; pending operations complete with an error and end the session.
  virtual void Cut() = 0;
};

// What every session of one server shares. Sessions hold it by shared_ptr so that a Respond called
// after the server is gone still finds valid state (and then does nothing).
struct ServerShared {
  HttpServerOptions options;
  HttpServer::RequestHandler on_request;
  HttpServer::UpgradeFilter upgrade_filter;
  HttpServer::SocketHandler on_socket;
  bool stopped = false;
  // Open HTTP sessions and WebSockets, so Stop can close them; pruned as they expire.
  std::vector<std::weak_ptr<Closable>> sessions;
  std::size_t prune_at = 64;
};

void Register(ServerShared& shared, const std::shared_ptr<Closable>& session) {
  if (shared.sessions.size() >= shared.prune_at) {
    std::erase_if(shared.sessions, [](const auto& w) { return w.expired(); });
    shared.prune_at = std::max<std::size_t>(64, 2 * shared.sessions.size());
  }
  shared.sessions.push_back(session);
}

std::string ErrorBody(std::string_view code, std::string_view message) {
  std::string body = R"({"error":{"code":")";
  body += code;
  body += R"(","message":")";
  body += message;  // fixed texts of this file: nothing to escape
  body += R"("}})";
  return body;
}

bool IsHttpParseError(const beast::error_code& ec) {
  static const auto& category = http::make_error_code(http::error::bad_version).category();
  return ec.category() == category;
}

// An accepted WebSocket: one read loop, one write in flight, a bounded queue.
class WebSocketSession final : public ServerWebSocket,
                               public Closable,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(tcp::socket socket, std::shared_ptr<ServerShared> shared, std::string target)
      : ws_(std::move(socket)), shared_(std::move(shared)), target_(std::move(target)) {}

  void Run(const http::request<http::string_body>& request) {
    auto timeout = websocket::stream_base::timeout::suggested(beast::role_type::server);
    timeout.handshake_timeout = shared_->options.request_timeout;
    // Beast's keep-alive pings would write behind the back of coalesced writes (DoCoalescedWrite);
    // a server that wants pings sends them with Ping(), which is serialized with the writes.
    timeout.keep_alive_pings = false;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "tradingd"); }));
    // Clients send small commands; a peer may not make us buffer more than an HTTP body.
    ws_.read_message_max(shared_->options.max_body_bytes);
    ws_.async_accept(request,
                     [self = shared_from_this()](beast::error_code ec) { self->OnAccept(ec); });
  }

  bool Send(std::string text) override {
    if (!open() || queue_.size() >= shared_->options.max_websocket_queue) return false;
    queue_.push_back(std::move(text));
    if (!writing_) DoWrite();
    return true;
  }

  void Ping(std::string payload) override {
    if (!open()) return;
    if (payload.size() > 125) payload.resize(125);  // the protocol's limit for control frames
    // Beast allows one ping in flight, and none may overlap a coalesced write (it bypasses Beast's
    // write serialization): keep the latest for afterwards.
    if (pinging_ || writing_raw_) {
      next_ping_ = std::move(payload);
      return;
    }
    DoPing(std::move(payload));
  }

  void Close() override {
    if (!open()) return;
    closing_ = true;
    if (!writing_) StartClose();  // else after the queue drains
  }

  void Drop() override {
    if (finished_) return;
    Cut();
  }

  bool open() const override { return open_ && !closing_ && !finished_; }
  std::size_t queued_writes() const override { return queue_.size(); }
  const std::string& target() const override { return target_; }

  void SetOnMessage(std::function<void(std::string_view)> on_message) override {
    if (finished_) return;
    // Replacing the function that is running would destroy it mid-call.
    if (in_on_message_) {
      next_on_message_ = std::move(on_message);
      replace_on_message_ = true;
    } else {
      on_message_ = std::move(on_message);
    }
  }

  void SetOnClose(std::function<void()> on_close) override {
    if (finished_) {  // already closed: still tell, but never re-entrantly
      if (on_close) asio::post(ws_.get_executor(), std::move(on_close));
      return;
    }
    on_close_ = std::move(on_close);
  }

  void Cut() override {
    open_ = false;
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  void OnAccept(beast::error_code ec) {
    if (ec) return Finish();
    if (shared_->stopped) {
      Cut();
      return Finish();
    }
    open_ = true;
    ws_.text(true);
    if (shared_->on_socket) shared_->on_socket(shared_from_this());
    DoRead();  // also after a Drop in on_socket: the read fails and ends the session
  }

  void DoRead() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnRead(ec);
    });
  }

  // The one place a session ends: the read loop always runs while the socket is open, so every
  // failure (write error, Drop, close handshake, Stop) surfaces here.
  void OnRead(beast::error_code ec) {
    if (ec) {
      Cut();
      return Finish();
    }
    if (on_message_ && open_) {
      in_on_message_ = true;
      on_message_(
          std::string_view(static_cast<const char*>(buffer_.data().data()), buffer_.size()));
      in_on_message_ = false;
      if (replace_on_message_) {
        replace_on_message_ = false;
        on_message_ = std::move(next_on_message_);
      }
    }
    buffer_.consume(buffer_.size());
    DoRead();
  }

  void DoWrite() {
    writing_ = true;
    if (shared_->options.coalesce_websocket_writes && queue_.size() > 1 && !pinging_) {
      return DoCoalescedWrite();
    }
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec,
                                                                              std::size_t) {
      self->OnWrite(ec, 1);
    });
  }

  // Several queued messages leave in one socket write: each framed here as an unmasked, final text
  // frame (RFC 6455 5.2; no extension is negotiated), which is byte for byte what Beast would send
  // one write at a time. A venue flooding small frames then costs one syscall per batch, not per
  // frame. Only with coalesce_websocket_writes (peers that never ping): Beast's own keep-alive pings
  // are off (Run) and ours wait for writing_raw_ to clear, but the pong Beast sends for a client's
  // ping could not be held back.
  void DoCoalescedWrite() {
    constexpr std::size_t kMaxBatchBytes = 256 * 1024;
    constexpr std::size_t kMaxBatchMessages = 256;
    coalesced_.clear();
    std::size_t count = 0;
    for (const std::string& message : queue_) {
      if (count == kMaxBatchMessages || (count > 0 && coalesced_.size() + message.size() > kMaxBatchBytes)) {
        break;
      }
      AppendTextFrameHeader(message.size(), &coalesced_);
      coalesced_.append(message);
      ++count;
    }
    writing_raw_ = true;
    asio::async_write(ws_.next_layer(), asio::buffer(coalesced_),
                      [self = shared_from_this(), count](beast::error_code ec, std::size_t) {
                        self->writing_raw_ = false;
                        self->OnWrite(ec, count);
                      });
  }

  static void AppendTextFrameHeader(std::size_t length, std::string* out) {
    out->push_back(static_cast<char>(0x81));  // FIN, opcode 1 (text)
    if (length < 126) {
      out->push_back(static_cast<char>(length));
    } else if (length <= 0xFFFF) {
      out->push_back(static_cast<char>(126));
      out->push_back(static_cast<char>(length >> 8));
      out->push_back(static_cast<char>(length & 0xFF));
    } else {
      out->push_back(static_cast<char>(127));
      for (int shift = 56; shift >= 0; shift -= 8) {
        out->push_back(static_cast<char>((static_cast<std::uint64_t>(length) >> shift) & 0xFF));
      }
    }
  }

  void OnWrite(beast::error_code ec, std::size_t written) {
    writing_ = false;
    if (finished_) return;
    if (ec) return Cut();
    for (std::size_t i = 0; i < written && !queue_.empty(); ++i) queue_.pop_front();
    if (next_ping_ && !pinging_) {
      std::string next = std::move(*next_ping_);
      next_ping_.reset();
      DoPing(std::move(next));
    }
    if (!queue_.empty()) return DoWrite();
    if (closing_) StartClose();
  }

  void DoPing(std::string payload) {
    pinging_ = true;
    websocket::ping_data data;
    data.assign(payload.data(), payload.size());
    ws_.async_ping(data, [self = shared_from_this()](beast::error_code ec) {
      self->pinging_ = false;
      if (self->finished_) return;
      if (ec) return self->Cut();
      if (self->next_ping_) {
        std::string next = std::move(*self->next_ping_);
        self->next_ping_.reset();
        if (self->open()) self->DoPing(std::move(next));
      }
    });
  }

  void StartClose() {
    ws_.async_close(websocket::close_code::normal,
                    [self = shared_from_this()](beast::error_code e) {
                      if (e) self->Cut();
                    });
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    open_ = false;
    queue_.clear();
    // Beast's keep-alive timer would otherwise stay armed (for minutes) while the owner still holds
    // this socket, and keep the io_context from running out of work at shutdown.
    ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                   websocket::stream_base::none(), false});
    // Dropping the callbacks breaks the cycle of a callback that captured this socket.
    on_message_ = nullptr;
    next_on_message_ = nullptr;
    if (auto on_close = std::move(on_close_)) {
      on_close_ = nullptr;
      on_close();
    }
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<ServerShared> shared_;
  const std::string target_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::optional<std::string> next_ping_;
  std::function<void(std::string_view)> on_message_;
  std::function<void(std::string_view)> next_on_message_;
  std::function<void()> on_close_;
  bool open_ = false;
  bool closing_ = false;
  bool finished_ = false;
  bool writing_ = false;
  bool writing_raw_ = false;  // a coalesced write is on the socket, outside Beast
  bool pinging_ = false;
  std::string coalesced_;  // the frames of the coalesced write in flight
  bool in_on_message_ = false;
  bool replace_on_message_ = false;
};

class HttpSession;

// Shared by the copies of one Respond: the first call wins, later ones are ignored. Holding the
// session keeps the connection open until the handler answers or drops the Respond.
struct RespondState {
  std::shared_ptr<HttpSession> session;
  bool used = false;
};

// One HTTP connection: read a request, hand it to the handler, write its response, repeat while
// keep-alive. One request at a time (no pipelining).
class HttpSession final : public Closable, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<ServerShared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    beast::error_code ec;
    const auto remote = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = remote.address().to_string();
  }

  void Run() { DoRead(); }

  void Cut() override {
    closed_ = true;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  void WriteResponse(ServerResponse response) {
    if (closed_) return;  // the connection died while the handler worked: nothing to do
    const int status = (response.status >= 100 && response.status <= 999) ? response.status : 500;
    auto& res = response_.emplace();
    res.version(version_);
    res.result(static_cast<unsigned>(status));
    res.set(http::field::server, "tradingd");
    if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
    for (auto& [name, value] : response.headers) res.set(name, value);
    res.keep_alive(keep_alive_);
    res.body() = std::move(response.body);
    res.prepare_payload();
    if (head_request_) res.body().clear();  // Content-Length stays that of the full body
    close_after_ = !res.keep_alive();
    stream_.expires_after(shared_->options.request_timeout);
    http::async_write(stream_, res, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnWrite(ec);
    });
  }

 private:
  void DoRead() {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    stream_.expires_after(shared_->options.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (closed_) return;
    if (ec == http::error::end_of_stream) return Linger();  // the client is done
    if (ec == http::error::body_limit) {
      return SendError(
          413, "BAD_REQUEST",
          "request body exceeds " + std::to_string(shared_->options.max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return SendError(431, "BAD_REQUEST", "request header too large");
    }
    if (ec == http::error::partial_message) return Cut();  // the client left mid-request
    if (ec && IsHttpParseError(ec)) return SendError(400, "BAD_REQUEST", "malformed HTTP request");
    if (ec) return Cut();  // timeout, reset, ...
    if (shared_->stopped) return Cut();

    auto req = parser_->release();
    parser_.reset();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_request_ = req.method() == http::verb::head;

    ServerRequest request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
    for (const auto& field : req) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    request.remote_address = remote_address_;

    if (websocket::is_upgrade(req)) {
      if (shared_->on_socket && shared_->upgrade_filter && shared_->upgrade_filter(request)) {
        auto socket =
            std::make_shared<WebSocketSession>(stream_.release_socket(), shared_, request.target);
        closed_ = true;  // the socket belongs to the WebSocket now
        Register(*shared_, socket);
        socket->Run(req);
        return;
      }
      keep_alive_ = false;
      return SendError(404, "NOT_FOUND", "no WebSocket endpoint at this path");
    }

    if (!shared_->on_request) return SendError(404, "NOT_FOUND", "no handler for this path");
    request.body = std::move(req.body());
    auto state = std::make_shared<RespondState>();
    state->session = shared_from_this();
    HttpServer::Respond respond = [state,
                                   executor = stream_.get_executor()](ServerResponse response) {
      // Hops onto the io_context's thread when called from elsewhere; runs inline when already
      // there, so a synchronous handler answers without a round trip through the queue.
      asio::dispatch(executor, [state, response = std::move(response)]() mutable {
        if (state->used) return;
        state->used = true;
        auto session = std::move(state->session);
        session->WriteResponse(std::move(response));
      });
    };
    try {
      shared_->on_request(std::move(request), std::move(respond));
    } catch (const std::exception&) {
      // A handler bug must not take the io_context down; the client gets a 500 instead. The
      // exception's text may hold internals, so it is not sent.
      if (!state->used) {
        state->used = true;
        auto session = std::move(state->session);
        session->WriteResponse(
            {500, "application/json", {}, ErrorBody("INTERNAL", "the request handler failed")});
      }
    }
  }

  void SendError(int status, std::string_view code, const std::string& message) {
    keep_alive_ = false;
    WriteResponse({status, "application/json", {}, ErrorBody(code, message)});
  }

  void OnWrite(beast::error_code ec) {
    if (closed_) return;
    if (ec) return Cut();  // the client left mid-response
    response_.reset();
    if (close_after_) return Linger();
    DoRead();
  }

  // Half-close, then read and discard what the client still sends until it closes too (or a short
  // deadline passes): closing with unread input would reset the connection and could destroy the
  // response we just wrote before the client read it.
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTimeout);
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(buffer_.prepare(kLingerChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (self->closed_) return;
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerMaxBytes) return self->Cut();
                              self->DrainSome();
                            });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<ServerShared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::string_body>> response_;
  std::string remote_address_;
  std::size_t drained_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_request_ = false;
  bool close_after_ = false;
  bool closed_ = false;
};

}  // namespace

class HttpServer::Impl final : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, HttpServerOptions options, RequestHandler on_request)
      : shared_(std::make_shared<ServerShared>()), acceptor_(io), retry_timer_(io) {
    shared_->options = std::move(options);
    shared_->on_request = std::move(on_request);
  }

  void EnableWebSockets(UpgradeFilter filter, SocketHandler on_socket) {
    shared_->upgrade_filter = std::move(filter);
    shared_->on_socket = std::move(on_socket);
  }

  core::Result<std::uint16_t> Listen() {
    if (acceptor_.is_open()) return port_;
    const auto& options = shared_->options;
    const std::string where = options.address + ":" + std::to_string(options.port);
    if (shared_->stopped) {
      return core::Status(core::ErrorCode::kUnavailable, "server on " + where + " is stopped");
    }
    beast::error_code ec;
    const auto address = asio::ip::make_address(options.address, ec);
    if (ec) {
      return core::Status(core::ErrorCode::kInvalidConfig,
                          "invalid listen address '" + options.address + "': " + ec.message());
    }
    const tcp::endpoint endpoint(address, options.port);
    auto fail = [&](const char* step) {
      beast::error_code ignored;
      acceptor_.close(ignored);
      return core::Status(core::ErrorCode::kIoError, std::string("cannot listen on ") + where +
                                                         ": " + step + ": " + ec.message());
    };
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) return fail("open");
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return fail("set_option");
    acceptor_.bind(endpoint, ec);
    if (ec) return fail("bind");
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen");
    port_ = acceptor_.local_endpoint(ec).port();
    DoAccept();
    return port_;
  }

  void Stop() {
    if (shared_->stopped) return;
    shared_->stopped = true;
    beast::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    auto sessions = std::move(shared_->sessions);
    shared_->sessions.clear();
    for (auto& weak : sessions) {
      if (auto session = weak.lock()) session->Cut();
    }
  }

  std::uint16_t port() const { return port_; }
  std::uint64_t connections_accepted() const { return accepted_; }
  std::uint64_t connections_refused() const { return refused_; }

 private:
  void DoAccept() {
    acceptor_.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
      self->OnAccept(ec, std::move(socket));
    });
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (shared_->stopped || !acceptor_.is_open()) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // Out of descriptors or a similar transient error: retrying at once would spin.
      retry_timer_.expires_after(std::chrono::milliseconds(50));
      retry_timer_.async_wait([self = shared_from_this()](beast::error_code e) {
        if (!e && !self->shared_->stopped) self->DoAccept();
      });
      return;
    }
    std::erase_if(shared_->sessions, [](const auto& w) { return w.expired(); });
    if (shared_->sessions.size() >= shared_->options.max_connections) {
      ++refused_;
      beast::error_code ignored;
      socket.close(ignored);
      DoAccept();
      return;
    }
    ++accepted_;
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<HttpSession>(std::move(socket), shared_);
    Register(*shared_, session);
    session->Run();
    DoAccept();
  }

  std::shared_ptr<ServerShared> shared_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::uint16_t port_ = 0;
  std::uint64_t accepted_ = 0;
  std::uint64_t refused_ = 0;
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, RequestHandler on_request)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(on_request))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

void HttpServer::EnableWebSockets(UpgradeFilter filter, SocketHandler on_socket) {
  impl_->EnableWebSockets(std::move(filter), std::move(on_socket));
}

core::Result<std::uint16_t> HttpServer::Listen() { return impl_->Listen(); }
void HttpServer::Stop() { impl_->Stop(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }
std::uint64_t HttpServer::connections_accepted() const { return impl_->connections_accepted(); }
std::uint64_t HttpServer::connections_refused() const { return impl_->connections_refused(); }

}  // namespace tradingd::net
