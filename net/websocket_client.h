#pragma once
// A WebSocket client session that stays connected: TLS with SNI and certificate verification for
// wss://, plain TCP for ws:// (loopback), answers pings, notices a silent peer, and reconnects with
// exponential backoff and jitter. One read and at most one write are in flight; writes queue up to a
// bound. Frames are decoded by net/websocket_frames.h from large reads (Beast does the upgrade).
//
// Thread contract: every method, and every Handler callback, runs on the io_context's thread (the
// venue's feed I/O thread). Call Start/Stop/Send/Reconnect from that thread, or post to it. The
// client must outlive the io_context's run() or be stopped first. connected() and connects() may be
// read from any thread (atomics), e.g. by a status page.
//
// Lifecycle: the constructor throws std::invalid_argument for a URL that is not ws:// or wss:// or
// a CA file that cannot be loaded (start-up errors). OnClose reports every end of a session,
// including each failed connection attempt (kConnectFailed, without an OnOpen before it). Stop is
// final: OnClose(kStopped) once, then no callback ever again. The destructor stops without calling
// OnClose, since the handler is often the object that owns the client and is being destroyed.
// Stop and failures cut the TCP connection without a close handshake, so shutdown never waits on
// the peer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::net {

// Bytes readable past the end of every payload handed to OnMessage, so that parsers such as
// simdjson can read in place without copying (their padding rule).
inline constexpr std::size_t kPayloadPadding = 64;

struct WebSocketClientOptions {
  std::string url;  // ws://host:port/target or wss://...
  std::chrono::milliseconds connect_timeout{10000};
  // No application message for this long: the peer is treated as dead and the session reconnects.
  std::chrono::milliseconds silence_timeout{10000};
  std::chrono::milliseconds reconnect_min{250};
  std::chrono::milliseconds reconnect_max{30000};
  // A WebSocket ping frame every interval (0 = never); some venues want the client to ping.
  std::chrono::milliseconds ping_interval{0};
  // An application-level text ping sent every ping_interval instead of a ping frame ("ping" on OKX,
  // {"op":"ping"} on Bybit). Empty: use ping frames.
  std::string text_ping;
  bool verify_peer = true;
  std::string ca_file;  // empty: the system's default trust store
  std::size_t max_message_bytes = 16 * 1024 * 1024;
  // Bytes asked of the socket per read (the buffer grows for a larger message). Every complete
  // message in a read is delivered before the next read.
  std::size_t read_buffer_bytes = 256 * 1024;
  std::size_t max_queued_writes = 1024;
};

enum class CloseReason : std::uint8_t {
  kStopped,        // Stop() was called
  kConnectFailed,  // resolve, connect, TLS or upgrade failed
  kSilence,        // silence_timeout passed without a message
  kPeerClosed,     // close frame or EOF from the peer
  kError,          // read or write error
  kRequested,      // Reconnect() was called
  kTooLarge,       // a message exceeded max_message_bytes
};
const char* CloseReasonName(CloseReason reason);

class WebSocketClient {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    // Connected and upgraded; send subscriptions here.
    virtual void OnOpen() = 0;
    // One complete text or binary message (its UTF-8 is not checked: parsers validate). `payload`
    // is valid during the call only and is followed by kPayloadPadding zero bytes. `receive_ns` is
    // the wall-clock time of the socket read that completed it.
    virtual void OnMessage(std::string_view payload, std::int64_t receive_ns) = 0;
    // The session is down (it reconnects by itself unless stopped).
    virtual void OnClose(CloseReason reason, std::string_view detail) = 0;
  };

  WebSocketClient(boost::asio::io_context& io, WebSocketClientOptions options, Handler& handler);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  void Start();
  void Stop();
  // Queues a text message; false when not connected or the write queue is full.
  bool Send(std::string text);
  // Drops the connection now and reconnects after the backoff (after a gap, a bad frame, ...).
  void Reconnect();
  bool connected() const;
  std::uint32_t connects() const;  // successful connections so far

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tradingd::net
