// The WebSocket wire format without I/O: FrameDecoder, AppendClientFrame and the handshake values.
// Server frames are built byte by byte here (ServerFrame), independently of the code under test, so
// that a shared misreading of RFC 6455 cannot make both sides agree.

#include "net/websocket_frames.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/websocket_client.h"  // kPayloadPadding

namespace tradingd::net {
namespace {

using Kind = FrameDecoder::Kind;

// Opcodes as RFC 6455 §5.2 numbers them (not taken from FrameOpcode, which is under test).
constexpr std::uint8_t kContinuation = 0x0;
constexpr std::uint8_t kText = 0x1;
constexpr std::uint8_t kBinary = 0x2;
constexpr std::uint8_t kClose = 0x8;
constexpr std::uint8_t kPing = 0x9;
constexpr std::uint8_t kPong = 0xA;

constexpr std::size_t kLargeLimit = std::size_t{1} << 20;

// How a frame writes its payload length: 7 bits, 7 bits = 126 and 16 more, or 127 and 64 more.
enum class LengthForm { kShortest, k7, k16, k64 };

struct FrameBits {
  bool fin = true;
  std::uint8_t rsv = 0;  // RSV1 = 4, RSV2 = 2, RSV3 = 1
  bool mask = false;     // servers must not mask: sets MASK and masks with a fixed key
  LengthForm form = LengthForm::kShortest;
  // The announced length, when it must differ from the payload's.
  std::optional<std::uint64_t> length;
};

void AppendBigEndian(std::uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(value >> (8 * i)));
}

// A frame as a server would send it, byte by byte from RFC 6455 §5.2.
std::string ServerFrame(std::uint8_t opcode, std::string_view payload, FrameBits bits = {}) {
  const std::uint64_t length = bits.length.value_or(payload.size());
  LengthForm form = bits.form;
  if (form == LengthForm::kShortest) {
    form = length < 126 ? LengthForm::k7 : length <= 0xFFFF ? LengthForm::k16 : LengthForm::k64;
  }
  std::string out;
  out.push_back(
      static_cast<char>((bits.fin ? 0x80 : 0x00) | ((bits.rsv & 0x7) << 4) | (opcode & 0x0F)));
  const int mask_bit = bits.mask ? 0x80 : 0x00;
  switch (form) {
    case LengthForm::kShortest:
    case LengthForm::k7:
      out.push_back(static_cast<char>(mask_bit | (length & 0x7F)));
      break;
    case LengthForm::k16:
      out.push_back(static_cast<char>(mask_bit | 126));
      AppendBigEndian(length, 2, &out);
      break;
    case LengthForm::k64:
      out.push_back(static_cast<char>(mask_bit | 127));
      AppendBigEndian(length, 8, &out);
      break;
  }
  constexpr std::array<std::uint8_t, 4> kKey = {0x5A, 0xA5, 0x3C, 0xC3};
  if (bits.mask) out.append(kKey.begin(), kKey.end());
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(bits.mask ? static_cast<char>(payload[i] ^ kKey[i % 4]) : payload[i]);
  }
  return out;
}

// The header size of a server frame in its shortest form.
std::size_t HeaderSize(std::size_t payload_size) {
  return payload_size < 126 ? 2 : payload_size <= 0xFFFF ? 4 : 10;
}

// Bytes that vary with position and seed and include zero and 0xFF, so misplaced bytes show.
std::string Pattern(std::size_t size, unsigned seed) {
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>((i * 7 + seed) % 256);
  return out;
}

// Whether `inner` lies within `outer` (compared as addresses: they may be unrelated objects).
bool Within(std::string_view inner, std::string_view outer) {
  const auto begin = reinterpret_cast<std::uintptr_t>(outer.data());
  const auto at = reinterpret_cast<std::uintptr_t>(inner.data());
  return at >= begin && at + inner.size() <= begin + outer.size();
}

bool Overlaps(std::string_view a, std::string_view b) {
  const auto a0 = reinterpret_cast<std::uintptr_t>(a.data());
  const auto b0 = reinterpret_cast<std::uintptr_t>(b.data());
  return a0 < b0 + b.size() && b0 < a0 + a.size();
}

bool PaddingIsZero(std::string_view payload) {
  for (std::size_t i = 0; i < kPayloadPadding; ++i) {
    if (payload.data()[payload.size() + i] != '\0') return false;
  }
  return true;
}

// One event, kept past the next call: a payload in the decoder's own buffer is copied (it is valid
// until the next call only), one in the caller's input is kept as a view.
struct Recorded {
  Kind kind = Kind::kNeedMore;
  bool in_input = false;
  std::string_view in_place;
  std::string copied;
  bool padding_zero = false;  // for a payload in the decoder's buffer
  bool binary = false;
  std::size_t needed = 0;
  std::uint16_t close_code = 0;
  std::string close_reason;
  std::string error;
  std::size_t consumed = 0;  // the running total after this event

  std::string_view payload() const { return in_input ? in_place : std::string_view(copied); }
};

// Calls Next on the unconsumed rest of `input` until kNeedMore, kError or kTooLarge, which is the
// last event returned. *consumed is the total.
std::vector<Recorded> Drain(FrameDecoder& decoder, std::string_view input, std::size_t* consumed) {
  std::vector<Recorded> events;
  *consumed = 0;
  for (;;) {
    const std::size_t before = *consumed;
    const FrameDecoder::Event event = decoder.Next(input.substr(*consumed), consumed);
    Recorded r;
    r.kind = event.kind;
    r.in_input = Within(event.payload, input);
    if (r.in_input) {
      r.in_place = event.payload;
    } else if (event.kind == Kind::kMessage) {  // other kinds may carry no payload pointer at all
      r.copied.assign(event.payload);
      r.padding_zero = PaddingIsZero(event.payload);
    }
    r.binary = event.binary;
    r.needed = event.needed;
    r.close_code = event.close_code;
    r.close_reason.assign(event.close_reason);
    r.error = event.error;
    r.consumed = *consumed;
    events.push_back(std::move(r));
    if (event.kind == Kind::kNeedMore || event.kind == Kind::kError ||
        event.kind == Kind::kTooLarge) {
      return events;
    }
    if (*consumed <= before || *consumed > input.size()) {  // no progress: stop, do not spin
      ADD_FAILURE() << "an event that used " << *consumed - before << " bytes";
      return events;
    }
  }
}

// One decoded frame: a message, ping or pong with one frame, in place at any input position.
TEST(WebSocketFrameDecoderTest, SingleFrameMessagesOfEverySizeAreDecodedInPlace) {
  for (const std::uint8_t opcode : {kText, kBinary}) {
    for (const std::size_t size : {0, 1, 125, 126, 65535, 65536, 70000}) {
      SCOPED_TRACE(testing::Message() << "opcode " << int{opcode} << " size " << size);
      const std::string payload = Pattern(size, opcode);
      const std::string frame = ServerFrame(opcode, payload);
      ASSERT_EQ(frame.size(), HeaderSize(size) + size);  // the helper's own sanity
      FrameDecoder decoder(kLargeLimit);
      std::size_t consumed = 0;
      const FrameDecoder::Event event = decoder.Next(frame, &consumed);
      ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
      EXPECT_TRUE(event.payload == payload);  // not EXPECT_EQ: a 70000-byte diff helps nobody
      EXPECT_EQ(event.payload.size(), size);
      EXPECT_EQ(event.binary, opcode == kBinary);
      EXPECT_EQ(consumed, frame.size());
      // No copy: the payload is the frame's own bytes right after the header.
      EXPECT_EQ(event.payload.data(), frame.data() + HeaderSize(size));
      // Nothing is left, so the next call waits for a header.
      const FrameDecoder::Event rest =
          decoder.Next(std::string_view(frame).substr(consumed), &consumed);
      EXPECT_EQ(rest.kind, Kind::kNeedMore);
      EXPECT_GT(rest.needed, 0u);
      EXPECT_EQ(consumed, frame.size());
    }
  }
}

TEST(WebSocketFrameDecoderTest, BackToBackFramesComeOutInOrder) {
  const std::string big = Pattern(70000, 3);
  const std::string close_payload = std::string("\x03\xe8", 2) + "bye";
  const std::vector<std::string> frames = {
      ServerFrame(kText, "hello"),
      ServerFrame(kBinary, Pattern(300, 1)),
      ServerFrame(kPing, "p"),
      ServerFrame(kPong, ""),
      ServerFrame(kText, big),
      ServerFrame(kBinary, ""),
      ServerFrame(kClose, close_payload),
  };
  std::string input;
  std::vector<std::size_t> ends;
  for (const std::string& frame : frames) {
    input += frame;
    ends.push_back(input.size());
  }
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const std::vector<Recorded> events = Drain(decoder, input, &consumed);
  // The close frame does not stop Drain (the caller decides), so the last event is kNeedMore.
  ASSERT_EQ(events.size(), frames.size() + 1);
  const Kind kinds[] = {Kind::kMessage, Kind::kMessage, Kind::kPing, Kind::kPong,
                        Kind::kMessage, Kind::kMessage, Kind::kClose};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    SCOPED_TRACE(testing::Message() << "frame " << i);
    EXPECT_EQ(events[i].kind, kinds[i]);
    EXPECT_EQ(events[i].consumed, ends[i]);  // each event uses exactly its frame
    if (kinds[i] != Kind::kClose) {          // a close event has no payload view
      EXPECT_TRUE(events[i].in_input);
    }
  }
  EXPECT_EQ(events[0].payload(), "hello");
  EXPECT_FALSE(events[0].binary);
  EXPECT_EQ(events[1].payload(), Pattern(300, 1));
  EXPECT_TRUE(events[1].binary);
  EXPECT_EQ(events[2].payload(), "p");
  EXPECT_EQ(events[3].payload(), "");
  EXPECT_TRUE(events[4].payload() == big);
  EXPECT_FALSE(events[4].binary);
  EXPECT_EQ(events[5].payload(), "");
  EXPECT_TRUE(events[5].binary);
  EXPECT_EQ(events[6].close_code, 1000);
  EXPECT_EQ(events[6].close_reason, "bye");
  EXPECT_EQ(events.back().kind, Kind::kNeedMore);
  EXPECT_EQ(consumed, input.size());
}

// One frame of a stream, and the event its last byte completes (if any).
struct Piece {
  std::string bytes;
  std::size_t header = 0;
  std::optional<Kind> kind;
  bool in_place = true;  // the payload is this frame's own; otherwise `assembled`
  std::string assembled;
  bool binary = false;
};

Piece InPlace(std::uint8_t opcode, std::string_view payload, Kind kind) {
  Piece piece;
  piece.bytes = ServerFrame(opcode, payload);
  piece.header = HeaderSize(payload.size());
  piece.kind = kind;
  piece.binary = opcode == kBinary;
  return piece;
}

Piece Fragment(std::uint8_t opcode, std::string_view payload, bool fin) {
  Piece piece;
  piece.bytes = ServerFrame(opcode, payload, {.fin = fin});
  piece.header = HeaderSize(payload.size());
  piece.in_place = false;
  return piece;
}

// Whether `events` (minus the final kNeedMore) are those of pieces [first, last), where `base` is
// where stream offset 0 is in memory and `input_start` the stream offset the input began at.
testing::AssertionResult MatchEvents(const std::vector<Piece>& pieces,
                                     const std::vector<std::size_t>& starts, std::size_t first,
                                     std::size_t last, const std::vector<Recorded>& events,
                                     const char* base, std::size_t input_start) {
  std::size_t e = 0;
  for (std::size_t i = first; i < last; ++i) {
    const Piece& piece = pieces[i];
    if (!piece.kind) continue;
    if (e >= events.size()) return testing::AssertionFailure() << "no event for frame " << i;
    const Recorded& event = events[e++];
    if (event.kind != *piece.kind) {
      return testing::AssertionFailure() << "frame " << i << ": kind " << int(event.kind);
    }
    if (event.consumed != starts[i] + piece.bytes.size() - input_start) {
      return testing::AssertionFailure() << "frame " << i << ": consumed " << event.consumed;
    }
    if (piece.in_place) {
      const char* at = base + starts[i] + piece.header;
      const std::size_t size = piece.bytes.size() - piece.header;
      if (!event.in_input || event.in_place.data() != at || event.in_place.size() != size) {
        return testing::AssertionFailure() << "frame " << i << ": payload not in place";
      }
    } else if (event.in_input || event.payload() != piece.assembled || !event.padding_zero) {
      return testing::AssertionFailure() << "frame " << i << ": assembled payload wrong";
    }
    if (event.kind == Kind::kMessage && event.binary != piece.binary) {
      return testing::AssertionFailure() << "frame " << i << ": binary flag wrong";
    }
  }
  if (e + 1 != events.size() || events.back().kind != Kind::kNeedMore) {
    return testing::AssertionFailure()
           << events.size() << " events, expected " << e + 1 << " ending in kNeedMore";
  }
  return testing::AssertionSuccess();
}

// Feeds every prefix of the stream to a fresh decoder, then the rest of the stream to the same one.
void CheckEveryTruncation(const std::vector<Piece>& pieces) {
  std::string stream;
  std::vector<std::size_t> starts;
  for (const Piece& piece : pieces) {
    starts.push_back(stream.size());
    stream += piece.bytes;
  }
  for (std::size_t length = 0; length <= stream.size(); ++length) {
    // The prefix in a buffer of exactly its size, so that reading past it shows under ASan.
    const std::unique_ptr<char[]> prefix(new char[length]);
    std::copy_n(stream.data(), length, prefix.get());
    FrameDecoder decoder(kLargeLimit);
    std::size_t consumed = 0;
    const std::vector<Recorded> events =
        Drain(decoder, std::string_view(prefix.get(), length), &consumed);
    std::size_t complete = 0;  // frames wholly inside the prefix
    while (complete < pieces.size() && starts[complete] + pieces[complete].bytes.size() <= length) {
      ++complete;
    }
    const std::size_t boundary = complete < pieces.size() ? starts[complete] : stream.size();
    // Complete frames are used (fragments too: the decoder keeps them), a partial one is not.
    ASSERT_EQ(consumed, boundary) << "prefix " << length;
    ASSERT_TRUE(MatchEvents(pieces, starts, 0, complete, events, prefix.get(), 0))
        << "prefix " << length;
    const std::size_t needed = events.back().needed;
    const std::size_t remaining = length - boundary;
    ASSERT_GT(needed, remaining) << "prefix " << length;
    if (complete < pieces.size()) {
      const Piece& next = pieces[complete];
      // Never more than the frame, and exactly the frame once its header is there to say.
      ASSERT_LE(needed, next.bytes.size()) << "prefix " << length;
      if (remaining >= next.header) {
        ASSERT_EQ(needed, next.bytes.size()) << "prefix " << length;
      }
    }
    // The same decoder then takes the rest of the stream, starting at the unused bytes.
    std::size_t rest_consumed = 0;
    const std::vector<Recorded> rest =
        Drain(decoder, std::string_view(stream).substr(boundary), &rest_consumed);
    ASSERT_EQ(rest_consumed, stream.size() - boundary) << "prefix " << length;
    ASSERT_TRUE(MatchEvents(pieces, starts, complete, pieces.size(), rest, stream.data(), boundary))
        << "prefix " << length;
  }
}

TEST(WebSocketFrameDecoderTest, EveryTruncationWaitsForTheRestOfTheFrame) {
  std::vector<Piece> pieces;
  pieces.push_back(InPlace(kText, Pattern(200, 1), Kind::kMessage));      // 126 form
  pieces.push_back(InPlace(kPing, "ping!", Kind::kPing));                 // 7-bit form
  pieces.push_back(InPlace(kBinary, Pattern(65536, 2), Kind::kMessage));  // 127 form
  ASSERT_EQ(pieces[0].header, 4u);
  ASSERT_EQ(pieces[2].header, 10u);
  CheckEveryTruncation(pieces);
}

TEST(WebSocketFrameDecoderTest, EveryTruncationOfAFragmentedMessage) {
  // Absorbed fragments count as consumed even though they yield no event: the caller may drop
  // them from its buffer, and the decoder must carry on from its own copy.
  std::vector<Piece> pieces;
  pieces.push_back(Fragment(kText, "Hello, ", /*fin=*/false));
  pieces.push_back(InPlace(kPing, "?", Kind::kPing));
  pieces.push_back(Fragment(kContinuation, Pattern(300, 4), /*fin=*/false));  // 126 form
  Piece last = Fragment(kContinuation, "!", /*fin=*/true);
  last.kind = Kind::kMessage;
  last.assembled = "Hello, " + Pattern(300, 4) + "!";
  pieces.push_back(std::move(last));
  pieces.push_back(InPlace(kText, "next", Kind::kMessage));
  CheckEveryTruncation(pieces);
}

TEST(WebSocketFrameDecoderTest, FragmentedTextWithAPingInBetween) {
  const std::string input = ServerFrame(kText, "Hello, ", {.fin = false}) +
                            ServerFrame(kContinuation, "fragmented ", {.fin = false}) +
                            ServerFrame(kPing, "are you there?") +
                            ServerFrame(kContinuation, "world", {.fin = true});
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  // Control frames may come between fragments (RFC 6455 §5.4) and are handed out at once.
  FrameDecoder::Event event = decoder.Next(input, &consumed);
  ASSERT_EQ(event.kind, Kind::kPing) << event.error;
  EXPECT_EQ(event.payload, "are you there?");
  EXPECT_EQ(consumed, input.size() - ServerFrame(kContinuation, "world").size());
  EXPECT_EQ(decoder.pending_bytes(), std::string("Hello, fragmented ").size());

  event = decoder.Next(std::string_view(input).substr(consumed), &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_EQ(event.payload, "Hello, fragmented world");
  EXPECT_FALSE(event.binary);  // from the first frame: continuations carry no type
  EXPECT_EQ(consumed, input.size());
  EXPECT_FALSE(Overlaps(event.payload, input));  // assembled in the decoder's own buffer
  // Parsers may read kPayloadPadding bytes past the message, and must find zeros there.
  EXPECT_TRUE(PaddingIsZero(event.payload));

  // The state is reset: a plain message afterwards is decoded in place again.
  const std::string after = ServerFrame(kText, "after");
  consumed = 0;
  event = decoder.Next(after, &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_EQ(event.payload, "after");
  EXPECT_EQ(event.payload.data(), after.data() + 2);
  EXPECT_EQ(consumed, after.size());
  EXPECT_EQ(decoder.pending_bytes(), 0u);
}

TEST(WebSocketFrameDecoderTest, FragmentedBinaryThenTextDoNotLeakState) {
  const std::string head = Pattern(70000, 5);  // 127 form
  const std::string tail = Pattern(200, 6);    // 126 form
  const std::string input = ServerFrame(kBinary, head, {.fin = false}) +
                            ServerFrame(kContinuation, "", {.fin = false}) +
                            ServerFrame(kContinuation, tail, {.fin = true});
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  FrameDecoder::Event event = decoder.Next(input, &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_TRUE(event.payload == head + tail);
  EXPECT_TRUE(event.binary);
  EXPECT_EQ(consumed, input.size());
  EXPECT_TRUE(PaddingIsZero(event.payload));

  // A fragmented text message next must not inherit the binary flag or the old bytes.
  const std::string text =
      ServerFrame(kText, "ab", {.fin = false}) + ServerFrame(kContinuation, "cd", {.fin = true});
  consumed = 0;
  event = decoder.Next(text, &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_EQ(event.payload, "abcd");
  EXPECT_FALSE(event.binary);
  EXPECT_EQ(consumed, text.size());
  EXPECT_TRUE(PaddingIsZero(event.payload));
}

struct BadFrame {
  const char* name;
  std::string bytes;
};

TEST(WebSocketFrameDecoderTest, ProtocolErrorsAreRefusedWithoutConsuming) {
  std::vector<BadFrame> bad = {
      {"RSV1", ServerFrame(kText, "x", {.rsv = 4})},
      {"RSV2", ServerFrame(kText, "x", {.rsv = 2})},
      {"RSV3", ServerFrame(kText, "x", {.rsv = 1})},
      {"RSV on a ping", ServerFrame(kPing, "x", {.rsv = 4})},
      {"masked frame from the server", ServerFrame(kText, "hello", {.mask = true})},
      {"ping of 126 bytes", ServerFrame(kPing, Pattern(126, 0))},
      {"close of 126 bytes", ServerFrame(kClose, Pattern(126, 0))},
      {"pong in the 126 form", ServerFrame(kPong, Pattern(200, 0))},
      {"fragmented ping", ServerFrame(kPing, "x", {.fin = false})},
      {"fragmented close", ServerFrame(kClose, "", {.fin = false})},
      {"continuation without a message", ServerFrame(kContinuation, "x")},
      {"unfinished continuation without a message",
       ServerFrame(kContinuation, "x", {.fin = false})},
      {"length 5 in the 126 form", ServerFrame(kText, "hello", {.form = LengthForm::k16})},
      {"length 125 in the 126 form",
       ServerFrame(kText, Pattern(125, 0), {.form = LengthForm::k16})},
      {"length 1000 in the 127 form",
       ServerFrame(kBinary, Pattern(1000, 0), {.form = LengthForm::k64})},
      {"length 65535 in the 127 form",
       ServerFrame(kBinary, Pattern(65535, 0), {.form = LengthForm::k64})},
      // Header only: the most significant bit alone is a protocol error, whatever follows.
      {"127 form with the top bit set",
       ServerFrame(kBinary, "", {.length = std::uint64_t{1} << 63})},
      {"127 form, all ones", ServerFrame(kBinary, "", {.length = ~std::uint64_t{0}})},
  };
  for (std::uint8_t opcode = 0x3; opcode <= 0xF; ++opcode) {
    if (opcode >= 0x8 && opcode <= 0xA) continue;  // close, ping, pong
    bad.push_back({"reserved opcode", ServerFrame(opcode, "x")});
  }
  for (const BadFrame& frame : bad) {
    SCOPED_TRACE(testing::Message() << frame.name << " " << int{frame.bytes[0]});
    FrameDecoder decoder(kLargeLimit);
    std::size_t consumed = 0;
    const FrameDecoder::Event event = decoder.Next(frame.bytes, &consumed);
    EXPECT_EQ(event.kind, Kind::kError);
    EXPECT_FALSE(std::string_view(event.error).empty());
    EXPECT_EQ(consumed, 0u);
  }
}

TEST(WebSocketFrameDecoderTest, BoundaryLengthsNextToTheErrorsAreAccepted) {
  // The neighbours of the refused cases above, so that those fail for the reason they claim.
  const std::vector<std::pair<std::string, Kind>> good = {
      {ServerFrame(kPing, Pattern(125, 0)), Kind::kPing},
      {ServerFrame(kClose, std::string("\x03\xe8", 2) + Pattern(123, 0)), Kind::kClose},
      {ServerFrame(kText, Pattern(126, 0), {.form = LengthForm::k16}), Kind::kMessage},
      {ServerFrame(kBinary, Pattern(65536, 0), {.form = LengthForm::k64}), Kind::kMessage},
  };
  for (const auto& [bytes, kind] : good) {
    FrameDecoder decoder(kLargeLimit);
    std::size_t consumed = 0;
    const FrameDecoder::Event event = decoder.Next(bytes, &consumed);
    EXPECT_EQ(event.kind, kind) << event.error;
    EXPECT_EQ(consumed, bytes.size());
  }
}

TEST(WebSocketFrameDecoderTest, NewMessageInsideAFragmentedOneIsAnError) {
  for (const std::uint8_t opcode : {kText, kBinary}) {
    FrameDecoder decoder(kLargeLimit);
    const std::string first = ServerFrame(kText, "part", {.fin = false});
    std::size_t consumed = 0;
    ASSERT_EQ(decoder.Next(first, &consumed).kind, Kind::kNeedMore);
    ASSERT_EQ(consumed, first.size());  // the fragment is kept by the decoder
    consumed = 0;
    const FrameDecoder::Event event = decoder.Next(ServerFrame(opcode, "new"), &consumed);
    EXPECT_EQ(event.kind, Kind::kError);
    EXPECT_FALSE(std::string_view(event.error).empty());
    EXPECT_EQ(consumed, 0u);
  }
}

TEST(WebSocketFrameDecoderTest, CloseWithAOneBytePayloadIsAnError) {
  // A close body is empty or starts with a two-byte code (RFC 6455 §5.5.1).
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const FrameDecoder::Event event = decoder.Next(ServerFrame(kClose, "\x03"), &consumed);
  EXPECT_EQ(event.kind, Kind::kError);
  EXPECT_FALSE(std::string_view(event.error).empty());
}

// The header promises "nothing" consumed for kError, as every other error honours. This one
// consumes its 3 bytes (the check runs after the frame is counted). Disabled until the codec is
// fixed; run with --gtest_also_run_disabled_tests to see it fail.
TEST(WebSocketFrameDecoderTest, CloseWithAOneBytePayloadConsumesNothing) {
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const FrameDecoder::Event event = decoder.Next(ServerFrame(kClose, "\x03"), &consumed);
  EXPECT_EQ(event.kind, Kind::kError);
  EXPECT_EQ(consumed, 0u);
}

TEST(WebSocketFrameDecoderTest, TooLargeAsSoonAsTheHeaderSaysSo) {
  for (const std::uint8_t opcode : {kText, kBinary}) {
    // Only the header: the decoder must refuse before the caller buffers 1001 bytes.
    const std::string header = ServerFrame(opcode, "", {.length = 1001});
    ASSERT_EQ(header.size(), 4u);
    FrameDecoder decoder(1000);
    std::size_t consumed = 0;
    EXPECT_EQ(decoder.Next(header, &consumed).kind, Kind::kTooLarge);
    EXPECT_EQ(consumed, 0u);
  }
  // A 127-form length far beyond memory is refused the same way.
  FrameDecoder huge(1000);
  std::size_t consumed = 0;
  EXPECT_EQ(huge.Next(ServerFrame(kBinary, "", {.length = std::uint64_t{1} << 40}), &consumed).kind,
            Kind::kTooLarge);
  EXPECT_EQ(consumed, 0u);
}

TEST(WebSocketFrameDecoderTest, ExactlyTheLimitIsAccepted) {
  FrameDecoder decoder(1000);
  const std::string payload = Pattern(1000, 7);
  const std::string frame = ServerFrame(kText, payload);
  std::size_t consumed = 0;
  // Header alone: wait for the whole frame.
  FrameDecoder::Event event = decoder.Next(std::string_view(frame).substr(0, 4), &consumed);
  EXPECT_EQ(event.kind, Kind::kNeedMore);
  EXPECT_EQ(event.needed, 1004u);
  event = decoder.Next(frame, &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_TRUE(event.payload == payload);
  EXPECT_EQ(consumed, frame.size());
}

TEST(WebSocketFrameDecoderTest, FragmentsAddUpToTheLimit) {
  const std::string first = ServerFrame(kText, Pattern(600, 1), {.fin = false});
  const std::string second = ServerFrame(kContinuation, Pattern(400, 2), {.fin = false});
  std::size_t consumed = 0;

  FrameDecoder over(1000);
  ASSERT_EQ(over.Next(first, &consumed).kind, Kind::kNeedMore);
  ASSERT_EQ(over.Next(second, &consumed).kind, Kind::kNeedMore);
  EXPECT_EQ(over.pending_bytes(), 1000u);
  // Control frames do not count towards the message.
  consumed = 0;
  EXPECT_EQ(over.Next(ServerFrame(kPing, "x"), &consumed).kind, Kind::kPing);
  // One more byte is too many, refused from the header alone.
  consumed = 0;
  const std::string header = ServerFrame(kContinuation, "", {.fin = true, .length = 1});
  EXPECT_EQ(over.Next(header, &consumed).kind, Kind::kTooLarge);
  EXPECT_EQ(consumed, 0u);

  FrameDecoder exact(1000);
  consumed = 0;
  ASSERT_EQ(exact.Next(first, &consumed).kind, Kind::kNeedMore);
  ASSERT_EQ(exact.Next(second, &consumed).kind, Kind::kNeedMore);
  consumed = 0;
  const FrameDecoder::Event event =
      exact.Next(ServerFrame(kContinuation, "", {.fin = true}), &consumed);
  ASSERT_EQ(event.kind, Kind::kMessage) << event.error;
  EXPECT_TRUE(event.payload == Pattern(600, 1) + Pattern(400, 2));
}

TEST(WebSocketFrameDecoderTest, CloseCodeAndReason) {
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const std::string empty = ServerFrame(kClose, "");
  FrameDecoder::Event event = decoder.Next(empty, &consumed);
  ASSERT_EQ(event.kind, Kind::kClose) << event.error;
  EXPECT_EQ(event.close_code, 0);  // no code in the frame
  EXPECT_TRUE(event.close_reason.empty());
  EXPECT_EQ(consumed, empty.size());

  // 1001 is 0x03E9, big-endian.
  const std::string going_away = ServerFrame(kClose, std::string("\x03\xe9", 2) + "going away");
  consumed = 0;
  event = decoder.Next(going_away, &consumed);
  ASSERT_EQ(event.kind, Kind::kClose) << event.error;
  EXPECT_EQ(event.close_code, 1001);
  EXPECT_EQ(event.close_reason, "going away");
  EXPECT_EQ(consumed, going_away.size());

  // A code with no reason; a high byte above 0x7F must not sign-extend.
  const std::string code_only = ServerFrame(kClose, std::string("\x80\x01", 2));
  consumed = 0;
  event = decoder.Next(code_only, &consumed);
  ASSERT_EQ(event.kind, Kind::kClose) << event.error;
  EXPECT_EQ(event.close_code, 0x8001);
  EXPECT_TRUE(event.close_reason.empty());
}

TEST(WebSocketFrameDecoderTest, PongCarriesItsPayload) {
  const std::string frame = ServerFrame(kPong, "latency-probe-42");
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const FrameDecoder::Event event = decoder.Next(frame, &consumed);
  ASSERT_EQ(event.kind, Kind::kPong) << event.error;
  EXPECT_EQ(event.payload, "latency-probe-42");
  EXPECT_EQ(consumed, frame.size());
}

// A client frame read back by hand (RFC 6455 §5.2), unmasked.
struct ClientFrame {
  std::uint8_t first_byte = 0;
  bool masked = false;
  std::size_t length_bytes = 0;  // after the second byte: 0, 2 or 8
  std::uint64_t length = 0;
  std::array<std::uint8_t, 4> key{};
  std::string payload;
  std::size_t size = 0;  // the whole frame
};

ClientFrame ParseClientFrame(std::string_view bytes) {
  ClientFrame frame;
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes.at(i)); };
  frame.first_byte = byte(0);
  frame.masked = (byte(1) & 0x80) != 0;
  frame.length = byte(1) & 0x7F;
  if (frame.length >= 126) {
    frame.length_bytes = frame.length == 126 ? 2 : 8;
    frame.length = 0;
    for (std::size_t i = 0; i < frame.length_bytes; ++i) {
      frame.length = frame.length << 8 | byte(2 + i);
    }
  }
  const std::size_t key_at = 2 + frame.length_bytes;
  for (std::size_t i = 0; i < 4; ++i) frame.key[i] = byte(key_at + i);
  for (std::size_t i = 0; i < frame.length; ++i) {
    frame.payload.push_back(static_cast<char>(byte(key_at + 4 + i) ^ frame.key[i % 4]));
  }
  frame.size = key_at + 4 + frame.length;
  return frame;
}

TEST(WebSocketFrameEncodeTest, ClientFramesAreMaskedInTheShortestForm) {
  constexpr std::uint32_t kKey = 0xA1B2C3D4;  // no zero byte: every payload byte changes
  for (const std::size_t size : {0, 5, 125, 126, 65535, 65536}) {
    for (const FrameOpcode opcode : {FrameOpcode::kText, FrameOpcode::kBinary, FrameOpcode::kPing,
                                     FrameOpcode::kPong, FrameOpcode::kClose}) {
      const auto code = static_cast<std::uint8_t>(opcode);
      if ((code & 0x8) != 0 && size > 125) continue;  // control frames are short
      SCOPED_TRACE(testing::Message() << "opcode " << int{code} << " size " << size);
      const std::string payload = Pattern(size, 9);
      std::string out;
      AppendClientFrame(opcode, payload, kKey, &out);
      const ClientFrame frame = ParseClientFrame(out);
      EXPECT_EQ(frame.first_byte, 0x80 | code);  // FIN, no RSV
      EXPECT_TRUE(frame.masked);
      EXPECT_EQ(frame.length_bytes, size < 126 ? 0u : size <= 0xFFFF ? 2u : 8u);
      EXPECT_EQ(frame.length, size);
      EXPECT_EQ(frame.key, (std::array<std::uint8_t, 4>{0xA1, 0xB2, 0xC3, 0xD4}));
      EXPECT_TRUE(frame.payload == payload);
      EXPECT_EQ(frame.size, out.size());  // nothing after the payload
    }
  }
  // The opcode's low bits must be written as given (kText is 1, kBinary 2 in RFC 6455).
  std::string text;
  AppendClientFrame(FrameOpcode::kText, "x", kKey, &text);
  EXPECT_EQ(static_cast<std::uint8_t>(text[0]), 0x80 | kText);
}

TEST(WebSocketFrameEncodeTest, ServersRefuseClientFrames) {
  // A client frame is masked, which a client's decoder must refuse: the decoder is one-sided.
  std::string out;
  AppendClientFrame(FrameOpcode::kText, "hello", 0x01020304, &out);
  FrameDecoder decoder(kLargeLimit);
  std::size_t consumed = 0;
  const FrameDecoder::Event event = decoder.Next(out, &consumed);
  EXPECT_EQ(event.kind, Kind::kError);
  EXPECT_EQ(consumed, 0u);
}

TEST(WebSocketFrameEncodeTest, AppendingKeepsWhatIsAlreadyThere) {
  std::string first;
  AppendClientFrame(FrameOpcode::kText, Pattern(300, 1), 0x11223344, &first);
  std::string second;
  AppendClientFrame(FrameOpcode::kPing, "ping", 0x55667788, &second);
  std::string both = first;
  AppendClientFrame(FrameOpcode::kPing, "ping", 0x55667788, &both);
  EXPECT_EQ(both.substr(0, first.size()), first);
  EXPECT_EQ(both.substr(first.size()), second);
  const ClientFrame parsed = ParseClientFrame(std::string_view(both).substr(first.size()));
  EXPECT_EQ(parsed.payload, "ping");
}

TEST(WebSocketFrameHandshakeTest, AcceptMatchesTheRfcExample) {
  // RFC 6455 §1.3.
  EXPECT_EQ(WebSocketAccept("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

bool IsBase64(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/' || c == '=';
  });
}

TEST(WebSocketFrameHandshakeTest, NewKeyIsBase64OfSixteenBytes) {
  const std::string key = NewWebSocketKey();
  // 16 bytes: five full groups of three and one byte left, so 24 characters ending in "==".
  ASSERT_EQ(key.size(), 24u);
  EXPECT_EQ(key.substr(22), "==");
  EXPECT_TRUE(IsBase64(key)) << key;
  EXPECT_EQ(key.find('='), 22u) << key;  // padding only at the end
  EXPECT_NE(NewWebSocketKey(), key);     // 128 random bits: a repeat means no randomness
}

TEST(WebSocketFrameHandshakeTest, MaskKeysVary) {
  const std::uint32_t first = NewMaskKey();
  bool differs = false;
  for (int i = 0; i < 63; ++i) differs = differs || NewMaskKey() != first;
  EXPECT_TRUE(differs);
}

class XorShift {
 public:
  explicit XorShift(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  std::uint64_t Below(std::uint64_t n) { return Next() % n; }
  bool OneIn(std::uint64_t n) { return Below(n) == 0; }

 private:
  std::uint64_t state_;
};

std::string RandomBytes(XorShift& rng, std::size_t size) {
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(rng.Next());
  return out;
}

// A frame that is mostly well-formed, with each kind of mistake now and then.
std::string PlausibleFrame(XorShift& rng, std::uint8_t opcode, bool fin) {
  FrameBits bits;
  bits.fin = fin;
  if (rng.OneIn(20)) bits.rsv = static_cast<std::uint8_t>(rng.Below(8));
  bits.mask = rng.OneIn(20);
  const std::size_t size = rng.OneIn(4) ? rng.Below(300) : rng.Below(40);
  switch (rng.Below(10)) {
    case 0:
      bits.form = LengthForm::k16;
      break;
    case 1:
      bits.form = LengthForm::k64;
      break;
    case 2:
      bits.length = rng.Next();  // any 64-bit length
      break;
    case 3:
      bits.length = size + rng.Below(3) - 1;  // off by one either way (or wrapped to huge)
      break;
    default:
      break;
  }
  return ServerFrame(opcode, RandomBytes(rng, size), bits);
}

std::string FuzzInput(XorShift& rng) {
  static constexpr std::uint8_t kOpcodes[] = {kContinuation, kText, kBinary, kClose, kPing, kPong};
  const std::size_t target = rng.Below(301);
  std::string out;
  switch (rng.Below(4)) {
    case 0:  // noise
      return RandomBytes(rng, target);
    case 1:  // frames of any kind
      while (out.size() < target) {
        const std::uint8_t opcode =
            rng.OneIn(10) ? static_cast<std::uint8_t>(rng.Below(16)) : kOpcodes[rng.Below(6)];
        out += PlausibleFrame(rng, opcode, !rng.OneIn(4));
      }
      break;
    case 2: {  // a fragmented message with control frames between, maybe a byte flipped
      out += PlausibleFrame(rng, rng.OneIn(2) ? kText : kBinary, false);
      const std::uint64_t fragments = rng.Below(4);
      for (std::uint64_t i = 0; i < fragments; ++i) {
        if (rng.OneIn(3)) out += PlausibleFrame(rng, kOpcodes[3 + rng.Below(3)], true);
        out += PlausibleFrame(rng, kContinuation, i + 1 == fragments);
      }
      if (!out.empty() && rng.OneIn(2)) out[rng.Below(out.size())] ^= static_cast<char>(rng.Next());
      break;
    }
    default:  // a frame, then noise
      out += PlausibleFrame(rng, kOpcodes[rng.Below(6)], true);
      out += RandomBytes(rng, target);
      break;
  }
  if (out.size() > 300) out.resize(rng.OneIn(2) ? 300 : target);
  return out;
}

TEST(WebSocketFrameDecoderTest, HostileInputNeverEscapesTheInput) {
  XorShift rng(0x9E3779B97F4A7C15);
  std::size_t in_place = 0, assembled = 0, controls = 0, errors = 0, too_large = 0, need_more = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string bytes = FuzzInput(rng);
    ASSERT_LE(bytes.size(), 300u);
    // A buffer of exactly the input's size, so that an overread shows under ASan.
    const std::unique_ptr<char[]> buffer(new char[bytes.size()]);
    std::copy(bytes.begin(), bytes.end(), buffer.get());
    const std::string_view input(buffer.get(), bytes.size());
    constexpr std::size_t kLimits[] = {0, 64, 256, kLargeLimit};
    const std::size_t limit = kLimits[rng.Below(4)];
    FrameDecoder decoder(limit);
    std::size_t consumed = 0;
    for (;;) {
      const std::size_t before = consumed;
      const FrameDecoder::Event event = decoder.Next(input.substr(consumed), &consumed);
      ASSERT_LE(consumed, input.size()) << "round " << round;
      // What this call used, including fragments it absorbed on the way.
      const std::string_view used = input.substr(before, consumed - before);
      if (event.kind == Kind::kNeedMore) {
        ASSERT_GT(event.needed, input.size() - consumed) << "round " << round;
        ++need_more;
        break;
      }
      if (event.kind == Kind::kError) {
        ASSERT_FALSE(std::string_view(event.error).empty()) << "round " << round;
        ++errors;
        break;
      }
      if (event.kind == Kind::kTooLarge) {
        ++too_large;
        break;
      }
      ASSERT_GT(consumed, before) << "round " << round;  // progress, or this loop would spin
      switch (event.kind) {
        case Kind::kMessage:
          ASSERT_LE(event.payload.size(), limit) << "round " << round;
          if (Within(event.payload, used)) {
            ++in_place;
          } else {
            // Otherwise it must be the decoder's own buffer: outside the input, all of it
            // readable (ASan would say otherwise), padded with zeros, and kept by the decoder.
            ASSERT_FALSE(Overlaps(event.payload, input)) << "round " << round;
            ASSERT_TRUE(PaddingIsZero(event.payload)) << "round " << round;
            ASSERT_GE(decoder.pending_bytes(), event.payload.size()) << "round " << round;
            ++assembled;
          }
          break;
        case Kind::kPing:
        case Kind::kPong:
          ASSERT_TRUE(Within(event.payload, used)) << "round " << round;
          ASSERT_LE(event.payload.size(), 125u) << "round " << round;
          ++controls;
          break;
        case Kind::kClose:
          // An empty reason may have no pointer at all; a non-empty one is in the frame.
          ASSERT_TRUE(event.close_reason.empty() || Within(event.close_reason, used))
              << "round " << round;
          ++controls;
          break;
        default:
          FAIL() << "round " << round << ": unexpected kind " << int(event.kind);
      }
    }
  }
  // Every path was reached, so the loop above did test something.
  EXPECT_GT(in_place, 0u);
  EXPECT_GT(assembled, 0u);
  EXPECT_GT(controls, 0u);
  EXPECT_GT(errors, 0u);
  EXPECT_GT(too_large, 0u);
  EXPECT_GT(need_more, 0u);
}

}  // namespace
}  // namespace tradingd::net
