#include "net/websocket_client.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <deque>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/clock.h"
#include "net/tls_internal.h"
#include "net/url.h"
#include "net/websocket_frames.h"

namespace tradingd::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
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

// One connection: resolve → connect → [TLS] → HTTP upgrade → read loop, plus its timers and write
// queue. Every completion handler holds a shared_ptr to the session and first checks done_, so a
// session that failed or was aborted ignores whatever completes after that (typically
// operation_aborted).
//
// Beast does the HTTP upgrade; the frames are read and written here (websocket_frames.h): the socket
// is read in chunks of up to read_buffer_bytes into one buffer, and every complete message in it is
// handed to the owner in place, in one completion. Beast's websocket::stream reads at most 1,536
// bytes per system call and completes each message through its own chain of handlers, which made
// the read path most of a depth feed's cost.
template <bool kTls>
class SessionImpl final : public Session, public std::enable_shared_from_this<SessionImpl<kTls>> {
  using Stream =
      std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  SessionImpl(asio::io_context& io, asio::ssl::context* tls, const WebSocketClientOptions& options,
              const Url& url, SessionOwner* owner)
      : options_(options),
        url_(url),
        owner_(owner),
        stream_(MakeStream(io, tls)),
        resolver_(io),
        connect_timer_(io),
        silence_timer_(io),
        ping_timer_(io),
        decoder_(options.max_message_bytes) {}

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
    QueueFrame(FrameOpcode::kText, text);
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
    beast::get_lowest_layer(stream_).async_connect(
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
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ignored);
    if constexpr (kTls) {
      phase_ = "TLS handshake";
      if (auto e = internal::PrepareClientTls(stream_, url_.host, options_.verify_peer)) {
        return Fail(CloseReason::kConnectFailed, "TLS set-up: " + e.message());
      }
      stream_.async_handshake(
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

  // RFC 6455 §4.1: a GET with the upgrade headers and a fresh key. connect_timer_ bounds it.
  void Upgrade() {
    phase_ = "WebSocket upgrade";
    key_ = NewWebSocketKey();
    upgrade_request_ = {};
    upgrade_request_.method(http::verb::get);
    upgrade_request_.target(url_.target);
    upgrade_request_.version(11);
    upgrade_request_.set(http::field::host, internal::HostHeader(url_.host, url_.port, false));
    upgrade_request_.set(http::field::upgrade, "websocket");
    upgrade_request_.set(http::field::connection, "Upgrade");
    upgrade_request_.set(http::field::sec_websocket_key, key_);
    upgrade_request_.set(http::field::sec_websocket_version, "13");
    upgrade_request_.set(http::field::user_agent, "tradingd/0.1");
    http::async_write(stream_, upgrade_request_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnUpgradeSent(ec);
                      });
  }

  void OnUpgradeSent(beast::error_code ec) {
    if (done_) return;
    if (ec) return Fail(CloseReason::kConnectFailed, "WebSocket upgrade: write: " + ec.message());
    upgrade_response_.emplace();
    upgrade_response_->body_limit(kMaxUpgradeBody);
    http::async_read(stream_, upgrade_buffer_, *upgrade_response_,
                     [self = this->shared_from_this()](beast::error_code e, std::size_t) {
                       self->OnUpgradeResponse(e);
                     });
  }

  void OnUpgradeResponse(beast::error_code ec) {
    if (done_) return;
    const std::string what = "WebSocket upgrade of " + url_.ToString() + ": ";
    if (ec) return Fail(CloseReason::kConnectFailed, what + ec.message());
    const auto& response = upgrade_response_->get();
    if (response.result() != http::status::switching_protocols) {
      return Fail(CloseReason::kConnectFailed,
                  what + "refused (HTTP " + std::to_string(response.result_int()) + ")" +
                      BodyExcerpt(response.body()));
    }
    if (!beast::iequals(response[http::field::upgrade], "websocket") ||
        !ContainsToken(response[http::field::connection], "upgrade")) {
      return Fail(CloseReason::kConnectFailed, what + "HTTP 101 without the upgrade headers");
    }
    if (response[http::field::sec_websocket_accept] != WebSocketAccept(key_)) {
      return Fail(CloseReason::kConnectFailed, what + "wrong Sec-WebSocket-Accept");
    }
    if (!response[http::field::sec_websocket_extensions].empty()) {
      return Fail(CloseReason::kConnectFailed, what + "an extension was imposed that was not asked");
    }
    // Frames that arrived with the response are the start of the stream.
    AllocateReadBuffer(std::max(options_.read_buffer_bytes, upgrade_buffer_.size()));
    const auto early = upgrade_buffer_.data();
    std::memcpy(read_buffer_.get(), early.data(), early.size());
    end_ = early.size();
    upgrade_buffer_ = {};
    upgrade_response_.reset();
    connect_timer_.cancel();
    open_ = true;
    opened_at_ = SteadyClock::now();
    last_message_ = opened_at_;
    if (options_.silence_timeout.count() > 0) {
      ArmSilence(last_message_ + options_.silence_timeout);
    }
    if (options_.ping_interval.count() > 0) ArmPing();
    owner_->OnSessionOpen();  // may Send, Stop or Reconnect
    if (done_) return;
    receive_ns_ = core::SystemClock::Instance().NowNs();
    if (DecodeFrames()) DoRead();
  }

  void DoRead() {
    stream_.async_read_some(
        asio::buffer(read_buffer_.get() + end_, capacity_ - end_),
        [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
          self->OnRead(ec, n);
        });
  }

  void OnRead(beast::error_code ec, std::size_t n) {
    if (done_) return;
    if (ec) {
      if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) {
        return Fail(CloseReason::kPeerClosed, "connection closed by peer: " + ec.message());
      }
      return Fail(CloseReason::kError, "read: " + ec.message());
    }
    end_ += n;
    receive_ns_ = core::SystemClock::Instance().NowNs();
    if (DecodeFrames()) DoRead();
  }

  // Hands every complete message in the buffer to the owner, answers pings, and makes room for the
  // next read. False when the session ended meanwhile (a protocol error, a close frame, or the
  // owner stopping or reconnecting from inside OnSessionMessage).
  bool DecodeFrames() {
    for (;;) {
      std::size_t consumed = 0;
      const FrameDecoder::Event event = decoder_.Next(
          std::string_view(read_buffer_.get() + begin_, end_ - begin_), &consumed);
      begin_ += consumed;
      switch (event.kind) {
        case FrameDecoder::Kind::kNeedMore:
          MakeRoom(event.needed);
          return true;
        case FrameDecoder::Kind::kMessage:
          last_message_ = SteadyClock::now();
          got_message_ = true;
          Deliver(event.payload);
          break;
        case FrameDecoder::Kind::kPing:
          QueueFrame(FrameOpcode::kPong, event.payload, /*control=*/true);
          break;
        case FrameDecoder::Kind::kPong:
          break;  // life, but not data: silence is measured on messages only
        case FrameDecoder::Kind::kClose:
          Fail(CloseReason::kPeerClosed,
               "close frame from peer: code " + std::to_string(event.close_code) +
                   (event.close_reason.empty() ? "" : " " + Printable(event.close_reason)));
          return false;
        case FrameDecoder::Kind::kTooLarge:
          Fail(CloseReason::kTooLarge,
               "message exceeds " + std::to_string(options_.max_message_bytes) + " bytes");
          return false;
        case FrameDecoder::Kind::kError:
          Fail(CloseReason::kError, std::string("WebSocket protocol error: ") + event.error);
          return false;
      }
      if (done_) return false;
    }
  }

  // The payload is handed over in place. The kPayloadPadding bytes after it belong to the next
  // frames, so they are zeroed for the call and put back afterwards: parsers may read them, and
  // see the same bytes whatever follows in the stream.
  void Deliver(std::string_view payload) {
    char* after = const_cast<char*>(payload.data() + payload.size());
    std::array<char, kPayloadPadding> saved;
    std::memcpy(saved.data(), after, kPayloadPadding);
    std::memset(after, 0, kPayloadPadding);
    owner_->OnSessionMessage(payload, receive_ns_);
    std::memcpy(after, saved.data(), kPayloadPadding);
  }

  // Room for a frame of `needed` bytes from begin_ and for a worthwhile read: the unread bytes move
  // to the front (usually none or a partial frame), and the buffer grows only for a frame larger
  // than it.
  void MakeRoom(std::size_t needed) {
    if (begin_ == end_) {
      begin_ = end_ = 0;
    } else if (begin_ > 0 && (capacity_ - end_ < kMinRead || capacity_ - begin_ < needed)) {
      std::memmove(read_buffer_.get(), read_buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (needed > capacity_ - begin_) {
      auto old = std::move(read_buffer_);
      const std::size_t used = end_;
      // Doubling, but never past what the largest frame allowed needs (needed is within it: the
      // decoder refuses longer frames from their header).
      const std::size_t largest = options_.max_message_bytes + kMaxServerFrameHeader;
      AllocateReadBuffer(std::max(needed, std::min(capacity_ * 2, largest)));
      std::memcpy(read_buffer_.get(), old.get(), used);
    }
  }

  // capacity_ bytes of frames plus the padding that the last payload may need after it.
  void AllocateReadBuffer(std::size_t capacity) {
    capacity_ = capacity;
    read_buffer_.reset(new char[capacity_ + kPayloadPadding]);
    std::memset(read_buffer_.get() + capacity_, 0, kPayloadPadding);
  }

  // Control frames (pongs, pings) go before the queued messages, and are not bounded by
  // max_queued_writes (a peer that floods pings is dropped by its own silence).
  void QueueFrame(FrameOpcode opcode, std::string_view payload, bool control = false) {
    std::string frame;
    AppendClientFrame(opcode, payload, NewMaskKey(), &frame);
    if (control) {
      queue_.push_front(std::move(frame));
    } else {
      queue_.push_back(std::move(frame));
    }
    if (!writing_) DoWrite();
  }

  // The frame being written leaves the queue first: the write refers to its bytes, which must not
  // move while control frames are put in front of the queue.
  void DoWrite() {
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    asio::async_write(stream_, asio::buffer(in_flight_),
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        self->OnWrite(ec);
                      });
  }

  void OnWrite(beast::error_code ec) {
    writing_ = false;
    if (done_) return;
    if (ec) return Fail(CloseReason::kError, "write: " + ec.message());
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
    if (queue_.size() >= options_.max_queued_writes) return;  // the writes are stuck anyway
    if (!options_.text_ping.empty()) {
      QueueFrame(FrameOpcode::kText, options_.text_ping);
    } else {
      QueueFrame(FrameOpcode::kPing, {}, /*control=*/true);
    }
  }

  // Cancels everything and closes the socket; pending operations complete with operation_aborted.
  // No close handshake: Stop and failures must never wait on the peer.
  void Cut() {
    resolver_.cancel();
    connect_timer_.cancel();
    silence_timer_.cancel();
    ping_timer_.cancel();
    beast::get_lowest_layer(stream_).close();
  }

  static bool ContainsToken(std::string_view list, std::string_view token) {
    while (!list.empty()) {
      const std::size_t comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (beast::iequals(item, token)) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
    return false;
  }

  // Peer-supplied text for a log line: bounded, printable ASCII only.
  static std::string Printable(std::string_view text) {
    std::string out;
    for (char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
    return out;
  }
  static std::string BodyExcerpt(std::string_view body) {
    return body.empty() ? std::string() : ": " + Printable(body);
  }

  static constexpr std::size_t kMaxUpgradeBody = 64 * 1024;
  // Below this much free space at the end, unread bytes are moved to the front before reading.
  static constexpr std::size_t kMinRead = 16 * 1024;

  const WebSocketClientOptions options_;
  const Url url_;
  SessionOwner* owner_;  // null once done: the owner may be gone
  Stream stream_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_;
  asio::steady_timer silence_timer_;
  asio::steady_timer ping_timer_;
  std::string key_;
  http::request<http::empty_body> upgrade_request_;
  std::optional<http::response_parser<http::string_body>> upgrade_response_;
  beast::flat_buffer upgrade_buffer_;
  FrameDecoder decoder_;
  std::unique_ptr<char[]> read_buffer_;
  std::size_t capacity_ = 0;
  std::size_t begin_ = 0;  // first byte not decoded yet
  std::size_t end_ = 0;    // end of the bytes read
  std::int64_t receive_ns_ = 0;
  std::deque<std::string> queue_;  // encoded frames waiting for the socket
  std::string in_flight_;          // the frame being written
  std::string phase_;
  SteadyClock::time_point opened_at_{};
  SteadyClock::time_point last_message_{};
  bool open_ = false;
  bool done_ = false;
  bool writing_ = false;
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
