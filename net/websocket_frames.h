#pragma once
// The client side of the WebSocket wire format (RFC 6455), without I/O: decoding the frames a server
// sends, encoding the masked frames a client sends, and the opening handshake's key and accept
// values. WebSocketClient reads the socket in large chunks into one buffer and decodes every frame
// in it here, handing each message to its handler in place: one system call and one completion per
// chunk rather than per message, which is what a depth feed of small messages is made of.
//
// Text messages are not checked for UTF-8 here: every parser of venue messages validates its input
// itself (simdjson's stage 1, or a canonical scan that accepts ASCII only), so a second pass would
// only cost time. No extension is negotiated, so any reserved bit set is a protocol error.
//
// Thread contract: a FrameDecoder belongs to the session that reads with it (one thread); the free
// functions are pure.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd::net {

enum class FrameOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Longest frame header a server may send: 2 bytes, 8 of extended length, no mask.
inline constexpr std::size_t kMaxServerFrameHeader = 10;

class FrameDecoder {
 public:
  enum class Kind : std::uint8_t {
    kNeedMore,  // the next frame is incomplete: it takes `needed` bytes from the first unconsumed one
    kMessage,   // a complete text or binary message
    kPing,
    kPong,
    kClose,     // close_code (0 when the frame carried none) and close_reason
    kError,     // a protocol violation: `error` says which; the connection must be dropped
    kTooLarge,  // a message longer than max_message_bytes
  };

  struct Event {
    Kind kind = Kind::kNeedMore;
    // kMessage: the whole message, either in place in the caller's input (one frame) or in the
    // decoder's own buffer (a fragmented message). Valid until the next call or until the input
    // moves. kPing/kPong: the control payload.
    std::string_view payload;
    bool binary = false;
    std::size_t needed = 0;  // kNeedMore
    std::uint16_t close_code = 0;
    std::string_view close_reason;
    const char* error = "";
  };

  explicit FrameDecoder(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  // Decodes the next event from `input`, adding the bytes it used to *consumed: the frame of the
  // event, and any fragments taken into a message before it (the frame that ends in kNeedMore,
  // kError or kTooLarge is not counted). Call again with the rest until kNeedMore.
  Event Next(std::string_view input, std::size_t* consumed);

  // A fragmented message in progress keeps this many bytes (for the caller's accounting).
  std::size_t pending_bytes() const { return fragments_.size(); }

 private:
  std::size_t max_message_bytes_;
  bool in_fragmented_message_ = false;
  bool fragmented_binary_ = false;
  std::string fragments_;  // the fragments so far, and the padding once complete
};

// Appends a client frame (FIN set, masked with `mask_key` as RFC 6455 §5.3 requires) to `out`.
void AppendClientFrame(FrameOpcode opcode, std::string_view payload, std::uint32_t mask_key,
                       std::string* out);

// The Sec-WebSocket-Accept value a server must answer to `key` (base64 of SHA-1 of key + GUID).
std::string WebSocketAccept(std::string_view key);
// A fresh Sec-WebSocket-Key: base64 of 16 random bytes.
std::string NewWebSocketKey();
// A random masking key for a client frame.
std::uint32_t NewMaskKey();

}  // namespace tradingd::net
