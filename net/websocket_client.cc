#include "net/websocket_client.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <cstring>
#include <deque>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/clock.h"
#include "net/tls_internal.h"
#include "net/url.h"

namespace tradingd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

const char* CloseReasonName(CloseReason reason) {
  switch (reason) {
    case CloseReason::kStopped:
      return "stopped";
    case CloseReason::kConnectFailed:
      return "connect_failed";
    case CloseReason::kSilence:
      return "silence";
    case CloseReason::kPeerClosed:
      return "peer_closed";
    case CloseReason::kError:
      return "error";
    case CloseReason::kRequested:
      return "requested";
    case CloseReason::kTooLarge:
      return "too_large";
  }
  return "unknown";
}

namespace {

// A connection that lived this long (or delivered a message) was healthy: the next reconnect starts
// again from reconnect_min instead of continuing the backoff.
constexpr auto kHealthyUptime = std::chrono::seconds(10);

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// What a session tells the client that owns it. One session is one connection attempt; the client
// makes a new one for every reconnect, so a late completion of an old connection can never touch
// the new one.
class SessionOwner {
 public:
  virtual ~SessionOwner() = default;
  virtual void OnSessionOpen() = 0;
  virtual void OnSessionMessage(std::string_view payload, std::int64_t receive_ns) = 0;
  // `opened_at` is the epoch when the session never opened.
  virtual void OnSessionDown(CloseReason reason, std::string_view detail, bool got_message,
                             SteadyClock::time_point opened_at) = 0;
};

class Session {
 public:
  virtual ~Session() = default;
  virtual void Run() = 0;
  virtual bool Send(std::string text) = 0;
  // Ends the session and reports it to the owner (the one failure path).
  virtual void Fail(CloseReason reason, std::string detail) = 0;
  // Ends the session without telling the owner (Stop).
  virtual void Abort() = 0;
};

// One connection: resolve → connect → [TLS] → upgrade → read loop, plus its timers and write queue.
// Every completion handler holds a shared_ptr to the session and first checks done_, so a session
// that failed or was aborted ignores whatever completes after that (typically operation_aborted).
template <bool kTls>
class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl<kTls>> {
  using Stream = std::conditional_t<kTls, websocket::stream<beast::ssl_stream<beast::tcp_stream>>,
                                    websocket::stream<beast::tcp_stream>>;

 public:
  SessionImpl(asio::io_context& io, asio::ssl::context* tls, const WebSocketClientOptions& options,
              const Url& url, SessionOwner* owner)
      : options_(options),
        url_(url),
        owner_(owner),
        ws_(MakeStream(io, tls)),
        resolver_(io),
        connect_timer_(io),
        silence_timer_(io),
        ping_timer_(io) {}

  void Run() override {
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->done_ || self->open_) return;
      self->Fail(CloseReason::kConnectFailed, "timed out after " +
                                                  Millis(self->options_.connect_timeout) + " (" +
                                                  self->phase_ + " " + self->url_.ToString() + ")");
    });
    phase_ = "resolving";
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          self->OnResolve(ec, std::move(r));
        });
  }

  bool Send(std::string text) override {
    if (done_ || !open_ || queue_.size() >= options_.max_queued_writes) return false;
    queue_.push_back(std::move(text));
    if (!writing_) DoWrite();
    return true;
  }

  void Fail(CloseReason reason, std::string detail) override {
    if (done_) return;
    done_ = true;
    open_ = false;
    Cut();
    if (SessionOwner* owner = std::exchange(owner_, nullptr)) {
      owner->OnSessionDown(reason, detail, got_message_, opened_at_);
    }
  }

  void Abort() override {
    done_ = true;
    open_ = false;
    owner_ = nullptr;
    Cut();
  }

 private:
  static Stream MakeStream(asio::io_context& io, asio::ssl::context* tls) {
    if constexpr (kTls) {
      return Stream(io, *tls);
    } else {
      (void)tls;
      return Stream(io);
    }
  }

  void OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (done_) return;
    if (ec) return Fail(CloseReason::kConnectFailed, "resolve " + url_.host + ": " + ec.message());
    phase_ = "connecting";
    beast::get_lowest_layer(ws_).async_connect(
        results, [self = this->shared_from_this()](beast::error_code e, const tcp::endpoint&) {
          self->OnConnect(e);
        });
  }

  void OnConnect(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      return Fail(CloseReason::kConnectFailed, "connect " + url_.ToString() + ": " + ec.message());
    }
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      phase_ = "TLS handshake";
      if (auto e = internal::PrepareClientTls(ws_.next_layer(), url_.host, options_.verify_peer)) {
        return Fail(CloseReason::kConnectFailed, "TLS set-up: " + e.message());
      }
      ws_.next_layer().async_handshake(
          asio::ssl::stream_base::client,
          [self = this->shared_from_this()](beast::error_code e) { self->OnTlsHandshake(e); });
    } else {
      Upgrade();
    }
  }

  void OnTlsHandshake(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      return Fail(CloseReason::kConnectFailed,
                  "TLS handshake with " + url_.ToString() + ": " + ec.message());
    }
    Upgrade();
  }

  void Upgrade() {
    phase_ = "WebSocket upgrade";
    // Beast's own timeout bounds the upgrade (and a later close handshake); silence is ours,
    // because Beast's idle timeout would count the peer's pongs as life.
    ws_.set_option(websocket::stream_base::timeout{options_.connect_timeout,
                                                   websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "tradingd/0.1");
    }));
    ws_.read_message_max(options_.max_message_bytes);
    ws_.async_handshake(
        upgrade_response_, internal::HostHeader(url_.host, url_.port, false), url_.target,
        [self = this->shared_from_this()](beast::error_code ec) { self->OnUpgrade(ec); });
  }

  void OnUpgrade(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      std::string detail = "WebSocket upgrade of " + url_.ToString() + ": " + ec.message();
      if (upgrade_response_.result_int() != 0) {
        detail += " (HTTP " + std::to_string(upgrade_response_.result_int()) + ")";
      }
      return Fail(CloseReason::kConnectFailed, std::move(detail));
    }
    connect_timer_.cancel();
    upgrade_response_ = {};
    open_ = true;
    ws_.text(true);
    opened_at_ = SteadyClock::now();
    last_message_ = opened_at_;
    if (options_.silence_timeout.count() > 0) {
      ArmSilence(last_message_ + options_.silence_timeout);
    }
    if (options_.ping_interval.count() > 0) ArmPing();
    owner_->OnSessionOpen();  // may Send, Stop or Reconnect
    if (!done_) DoRead();
  }

  void DoRead() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
      self->OnRead(ec);
    });
  }

  void OnRead(beast::error_code ec) {
    if (done_) return;
    if (ec) {
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        return Fail(CloseReason::kPeerClosed,
                    "close frame from peer: code " + std::to_string(reason.code) +
                        (reason.reason.empty() ? "" : " " + std::string(reason.reason.c_str())));
      }
      if (ec == websocket::error::message_too_big) {
        return Fail(CloseReason::kTooLarge,
                    "message exceeds " + std::to_string(options_.max_message_bytes) + " bytes");
      }
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        return Fail(CloseReason::kPeerClosed, "connection closed by peer: " + ec.message());
      }
      return Fail(CloseReason::kError, "read: " + ec.message());
    }
    last_message_ = SteadyClock::now();
    got_message_ = true;
    const std::size_t size = buffer_.size();
    // flat_buffer's writable area directly follows the readable bytes, so preparing the padding
    // makes it part of the same allocation; the capacity is kept, so this allocates only when a
    // message is larger than any before.
    auto padding = buffer_.prepare(kPayloadPadding);
    std::memset(padding.data(), 0, padding.size());
    const std::string_view payload(static_cast<const char*>(buffer_.data().data()), size);
    owner_->OnSessionMessage(payload, core::SystemClock::Instance().NowNs());
    buffer_.consume(size);
    if (!done_) DoRead();
  }

  void DoWrite() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                      self->OnWrite(ec);
                    });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (done_) return;
    if (ec) return Fail(CloseReason::kError, "write: " + ec.message());
    queue_.pop_front();
    if (!queue_.empty()) DoWrite();
  }

  // The silence deadline moves with every message, but re-arming a timer per message would cost a
  // timer-queue update each time; instead the timer wakes at the old deadline and re-arms itself
  // from the time of the last message.
  void ArmSilence(SteadyClock::time_point deadline) {
    silence_timer_.expires_at(deadline);
    silence_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      const auto next = self->last_message_ + self->options_.silence_timeout;
      if (SteadyClock::now() >= next) {
        return self->Fail(CloseReason::kSilence,
                          "no message for " + Millis(self->options_.silence_timeout));
      }
      self->ArmSilence(next);
    });
  }

  void ArmPing() {
    ping_timer_.expires_after(options_.ping_interval);
    ping_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->done_) return;
      self->SendPing();
      if (!self->done_) self->ArmPing();
    });
  }

  void SendPing() {
    if (!options_.text_ping.empty()) {
      if (queue_.size() < options_.max_queued_writes) {
        queue_.push_back(options_.text_ping);
        if (!writing_) DoWrite();
      }
      return;
    }
    if (pinging_) return;  // Beast allows one ping in flight; the previous one is still queued
    pinging_ = true;
    ws_.async_ping({}, [self = this->shared_from_this()](beast::error_code ec) {
      self->pinging_ = false;
      if (self->done_) return;
      if (ec) self->Fail(CloseReason::kError, "ping: " + ec.message());
    });
  }

  // Cancels everything and closes the socket; pending operations complete with operation_aborted.
  // No close handshake: Stop and failures must never wait on the peer.
  void Cut() {
    resolver_.cancel();
    connect_timer_.cancel();
    silence_timer_.cancel();
    ping_timer_.cancel();
    // Also disarms Beast's handshake timer, which would otherwise keep the io_context busy.
    ws_.set_option(websocket::stream_base::timeout{websocket::stream_base::none(),
                                                   websocket::stream_base::none(), false});
    beast::get_lowest_layer(ws_).close();
  }

  const WebSocketClientOptions options_;
  const Url url_;
  SessionOwner* owner_;  // null once done: the owner may be gone
  Stream ws_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_;
  asio::steady_timer silence_timer_;
  asio::steady_timer ping_timer_;
  beast::flat_buffer buffer_;
  websocket::response_type upgrade_response_;
  std::deque<std::string> queue_;
  std::string phase_;
  SteadyClock::time_point opened_at_{};
  SteadyClock::time_point last_message_{};
  bool open_ = false;
  bool done_ = false;
  bool writing_ = false;
  bool pinging_ = false;
  bool got_message_ = false;
};

}  // namespace

// The client state that survives reconnects: options, backoff, counters and the current session.
class WebSocketClient::Impl final : public SessionOwner, public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, WebSocketClientOptions options, Handler& handler)
      : io_(io),
        options_(std::move(options)),
        handler_(handler),
        backoff_timer_(io),
        rng_(std::random_device{}()) {
    auto url = Url::Parse(options_.url);
    if (!url.ok()) throw std::invalid_argument(url.status().message());
    if (url->scheme != "ws" && url->scheme != "wss") {
      throw std::invalid_argument("a WebSocket URL must start with ws:// or wss://: " +
                                  options_.url);
    }
    url_ = std::move(url).value();
    if (url_.tls()) tls_ = internal::MakeClientTlsContext(options_.verify_peer, options_.ca_file);
    options_.reconnect_min = std::max(options_.reconnect_min, std::chrono::milliseconds(1));
    options_.reconnect_max = std::max(options_.reconnect_max, options_.reconnect_min);
    backoff_ = options_.reconnect_min;
  }

  void Start() {
    if (started_ || stopped_) return;
    started_ = true;
    Connect();
  }

  void Stop(bool notify) {
    if (stopped_) return;
    stopped_ = true;
    backoff_timer_.cancel();
    if (auto session = std::move(session_)) session->Abort();
    connected_.store(false, std::memory_order_relaxed);
    if (notify && started_) handler_.OnClose(CloseReason::kStopped, "stopped");
  }

  bool Send(std::string text) {
    if (!session_ || !connected_.load(std::memory_order_relaxed)) return false;
    return session_->Send(std::move(text));
  }

  void Reconnect() {
    if (!started_ || stopped_ || !session_) return;  // no session: a reconnect is already due
    auto session = session_;                         // keeps it alive while it reports back to us
    session->Fail(CloseReason::kRequested, "reconnect requested");
  }

  bool connected() const { return connected_.load(std::memory_order_relaxed); }
  std::uint32_t connects() const { return connects_.load(std::memory_order_relaxed); }

  void OnSessionOpen() override {
    connected_.store(true, std::memory_order_relaxed);
    connects_.fetch_add(1, std::memory_order_relaxed);
    handler_.OnOpen();
  }

  void OnSessionMessage(std::string_view payload, std::int64_t receive_ns) override {
    handler_.OnMessage(payload, receive_ns);
  }

  void OnSessionDown(CloseReason reason, std::string_view detail, bool got_message,
                     SteadyClock::time_point opened_at) override {
    session_.reset();  // the session's running handler still holds it
    connected_.store(false, std::memory_order_relaxed);
    const bool healthy = got_message || (opened_at != SteadyClock::time_point{} &&
                                         SteadyClock::now() - opened_at > kHealthyUptime);
    if (healthy) backoff_ = options_.reconnect_min;
    handler_.OnClose(reason, detail);  // may call Stop
    if (!stopped_) ScheduleReconnect();
  }

 private:
  void Connect() {
    if (url_.tls()) {
      session_ = std::make_shared<SessionImpl<true>>(io_, tls_.get(), options_, url_, this);
    } else {
      session_ = std::make_shared<SessionImpl<false>>(io_, nullptr, options_, url_, this);
    }
    session_->Run();
  }

  // Full jitter in [d/2, d] spreads the reconnects of many clients after a venue-wide outage.
  void ScheduleReconnect() {
    const auto d = std::chrono::duration_cast<std::chrono::microseconds>(backoff_).count();
    std::uniform_int_distribution<std::int64_t> pick(d / 2, d);
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
    backoff_timer_.expires_after(std::chrono::microseconds(pick(rng_)));
    backoff_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_ || self->session_) return;
      self->Connect();
    });
  }

  asio::io_context& io_;
  WebSocketClientOptions options_;
  Handler& handler_;
  Url url_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::steady_timer backoff_timer_;
  std::shared_ptr<Session> session_;  // null between a failure and the next attempt
  std::chrono::milliseconds backoff_{};
  std::minstd_rand rng_;
  bool started_ = false;
  bool stopped_ = false;
  // Atomic so that a status endpoint on another thread may read them.
  std::atomic<bool> connected_{false};
  std::atomic<std::uint32_t> connects_{0};
};

WebSocketClient::WebSocketClient(asio::io_context& io, WebSocketClientOptions options,
                                 Handler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), handler)) {}

// No OnClose from the destructor: the handler is often the object that owns this client and is
// being destroyed itself.
WebSocketClient::~WebSocketClient() { impl_->Stop(/*notify=*/false); }

void WebSocketClient::Start() { impl_->Start(); }
void WebSocketClient::Stop() { impl_->Stop(/*notify=*/true); }
bool WebSocketClient::Send(std::string text) { return impl_->Send(std::move(text)); }
void WebSocketClient::Reconnect() { impl_->Reconnect(); }
bool WebSocketClient::connected() const { return impl_->connected(); }
std::uint32_t WebSocketClient::connects() const { return impl_->connects(); }

}  // namespace tradingd::net
