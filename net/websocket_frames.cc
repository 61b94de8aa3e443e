#include "net/websocket_frames.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "net/websocket_client.h"  // kPayloadPadding

namespace tradingd::net {
namespace {

std::uint64_t BigEndian(const char* p, int bytes) {
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<std::uint8_t>(p[i]);
  return value;
}

FrameDecoder::Event Error(const char* what) {
  FrameDecoder::Event event;
  event.kind = FrameDecoder::Kind::kError;
  event.error = what;
  return event;
}

std::string Base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data,
                                      static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

void RandomBytes(unsigned char* out, int size) {
  // Fails only when the system has no entropy source at all: nothing sensible can continue.
  if (RAND_bytes(out, size) != 1) throw std::runtime_error("RAND_bytes failed");
}

}  // namespace

FrameDecoder::Event FrameDecoder::Next(std::string_view input, std::size_t* consumed) {
  if (!in_fragmented_message_ && !fragments_.empty()) fragments_.clear();  // last message handed out
  std::size_t offset = 0;
  for (;;) {
    const char* p = input.data() + offset;
    const std::size_t available = input.size() - offset;
    Event event;
    if (available < 2) {
      event.needed = 2;
      return event;
    }
    const auto b0 = static_cast<std::uint8_t>(p[0]);
    const auto b1 = static_cast<std::uint8_t>(p[1]);
    if ((b0 & 0x70) != 0) return Error("reserved bits set, but no extension was negotiated");
    if ((b1 & 0x80) != 0) return Error("masked frame from the server");
    const bool fin = (b0 & 0x80) != 0;
    const std::uint8_t opcode = b0 & 0x0F;
    std::uint64_t length = b1 & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      header = 4;
      if (available < header) {
        event.needed = header;
        return event;
      }
      length = BigEndian(p + 2, 2);
      if (length < 126) return Error("frame length not in its shortest form");
    } else if (length == 127) {
      header = 10;
      if (available < header) {
        event.needed = header;
        return event;
      }
      length = BigEndian(p + 2, 8);
      if ((length >> 63) != 0) return Error("frame length with the most significant bit set");
      if (length <= 0xFFFF) return Error("frame length not in its shortest form");
    }
    const bool control = (opcode & 0x8) != 0;
    switch (static_cast<FrameOpcode>(opcode)) {
      case FrameOpcode::kContinuation:
        if (!in_fragmented_message_) return Error("continuation frame outside a message");
        break;
      case FrameOpcode::kText:
      case FrameOpcode::kBinary:
        if (in_fragmented_message_) return Error("new message inside a fragmented one");
        break;
      case FrameOpcode::kClose:
      case FrameOpcode::kPing:
      case FrameOpcode::kPong:
        if (!fin) return Error("fragmented control frame");
        if (length > 125) return Error("control frame longer than 125 bytes");
        break;
      default:
        return Error("reserved opcode");
    }
    if (!control) {
      // Refused as soon as the header says so: a huge length must not make the caller buffer it.
      const std::uint64_t total =
          length + (opcode == 0 ? static_cast<std::uint64_t>(fragments_.size()) : 0);
      if (total > max_message_bytes_) {
        event.kind = Kind::kTooLarge;
        return event;
      }
    }
    if (available - header < length) {
      event.needed = header + static_cast<std::size_t>(length);
      return event;
    }
    const std::string_view payload(p + header, static_cast<std::size_t>(length));
    if (opcode == 0x8 && payload.size() == 1) return Error("close frame with a one-byte payload");
    const std::size_t frame_size = header + static_cast<std::size_t>(length);
    offset += frame_size;
    *consumed += frame_size;
    switch (static_cast<FrameOpcode>(opcode)) {
      case FrameOpcode::kPing:
      case FrameOpcode::kPong:
        event.kind = opcode == 0x9 ? Kind::kPing : Kind::kPong;
        event.payload = payload;
        return event;
      case FrameOpcode::kClose:
        event.kind = Kind::kClose;
        if (payload.size() >= 2) {
          event.close_code = static_cast<std::uint16_t>(BigEndian(payload.data(), 2));
          event.close_reason = payload.substr(2);
        }
        return event;
      case FrameOpcode::kText:
      case FrameOpcode::kBinary:
        if (fin) {
          event.kind = Kind::kMessage;
          event.payload = payload;
          event.binary = opcode == 0x2;
          return event;
        }
        in_fragmented_message_ = true;
        fragmented_binary_ = opcode == 0x2;
        fragments_.assign(payload);
        continue;
      default:  // continuation
        fragments_.append(payload);
        if (!fin) continue;
        in_fragmented_message_ = false;
        const std::size_t size = fragments_.size();
        fragments_.append(kPayloadPadding, '\0');
        event.kind = Kind::kMessage;
        event.payload = std::string_view(fragments_.data(), size);
        event.binary = fragmented_binary_;
        return event;
    }
  }
}

void AppendClientFrame(FrameOpcode opcode, std::string_view payload, std::uint32_t mask_key,
                       std::string* out) {
  const std::size_t n = payload.size();
  out->reserve(out->size() + n + 14);
  out->push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  if (n < 126) {
    out->push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out->push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out->push_back(static_cast<char>(n >> shift));
  } else {
    out->push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out->push_back(static_cast<char>(static_cast<std::uint64_t>(n) >> shift));
    }
  }
  const std::array<char, 4> key = {
      static_cast<char>(mask_key >> 24), static_cast<char>(mask_key >> 16),
      static_cast<char>(mask_key >> 8), static_cast<char>(mask_key)};
  out->append(key.data(), key.size());
  for (std::size_t i = 0; i < n; ++i) out->push_back(static_cast<char>(payload[i] ^ key[i & 3]));
}

std::string WebSocketAccept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 §1.3
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr) != 1) {
    throw std::runtime_error("SHA-1 unavailable");
  }
  return Base64(digest, size);
}

std::string NewWebSocketKey() {
  unsigned char bytes[16];
  RandomBytes(bytes, sizeof bytes);
  return Base64(bytes, sizeof bytes);
}

std::uint32_t NewMaskKey() {
  unsigned char bytes[4];
  RandomBytes(bytes, sizeof bytes);
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | bytes[3];
}

}  // namespace tradingd::net
