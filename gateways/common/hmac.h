#pragma once
// The primitives that request signing is built from: HMAC-SHA256 and HMAC-SHA512 (OpenSSL 3),
// base64 (RFC 4648, standard alphabet, padded) with strict decoding, and lower-case hex.
//
// An Hmac is keyed once and signs many messages: the SHA-2 states after the key's inner and outer
// pad blocks are computed once, and each signature starts from copies of them, so it costs two
// compressions for a short message and allocates nothing (about 130 ns for HMAC-SHA256 here, where
// the same through EVP_MAC costs about 550 ns: OpenSSL 3.0 frees and re-allocates the provider's
// digest context on every copy). An order gateway keeps one Hmac per API secret for its lifetime.
// The keyed states stand for the key: they are cleansed when the Hmac is destroyed, and no Status
// ever holds key material.
//
// Thread contract: an Hmac is used by one thread at a time (its working hash state is mutable);
// give each thread its own. The free functions are safe from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tradingd::gateways {

enum class HashAlgorithm : std::uint8_t { kSha256, kSha512 };

inline constexpr std::size_t kMaxDigestBytes = 64;

// A MAC value: `size` bytes of `bytes` (32 for SHA-256, 64 for SHA-512).
struct Digest {
  std::array<std::uint8_t, kMaxDigestBytes> bytes{};
  std::size_t size = 0;
  std::string_view view() const {
    return std::string_view(reinterpret_cast<const char*>(bytes.data()), size);
  }
};

class Hmac {
 public:
  // `key` is raw bytes (already base64-decoded where the venue hands it out encoded). Any length is
  // valid for HMAC, including empty. Fails only when OpenSSL fails.
  static core::Result<Hmac> Create(HashAlgorithm algorithm, std::string_view key);

  Hmac(Hmac&& other) noexcept = default;
  Hmac& operator=(Hmac&& other) noexcept = default;
  Hmac(const Hmac&) = delete;
  Hmac& operator=(const Hmac&) = delete;
  ~Hmac() = default;

  // HMAC(key, message). False only on an OpenSSL failure or a moved-from Hmac (then `out` is
  // empty).
  [[nodiscard]] bool Sign(std::string_view message, Digest* out);

  // The same over the concatenation of several parts, without building it: Begin, Update for
  // each part in order, Finish. A Begin discards whatever an unfinished signature had.
  [[nodiscard]] bool Begin();
  [[nodiscard]] bool Update(std::string_view part);
  [[nodiscard]] bool Finish(Digest* out);

  HashAlgorithm algorithm() const { return algorithm_; }
  std::size_t digest_size() const { return algorithm_ == HashAlgorithm::kSha512 ? 64 : 32; }

 private:
  struct State;  // OpenSSL's SHA-2 contexts stay out of this header
  struct StateDeleter {
    void operator()(State* state) const;
  };
  Hmac(HashAlgorithm algorithm, std::unique_ptr<State, StateDeleter> state);

  HashAlgorithm algorithm_;
  std::unique_ptr<State, StateDeleter> state_;  // null once moved from
};

// ---- base64 (RFC 4648 section 4: A-Z a-z 0-9 + /, '=' padding) ----

// Characters Base64Encode writes for `bytes` input bytes.
constexpr std::size_t Base64EncodedSize(std::size_t bytes) { return (bytes + 2) / 3 * 4; }

std::string Base64Encode(std::string_view bytes);
// Writes Base64EncodedSize(bytes.size()) characters to `out`; returns that count.
std::size_t Base64EncodeTo(std::string_view bytes, char* out);

enum class [[nodiscard]] Base64Error : std::uint8_t{
    kOk = 0,
    kBadLength,     // not a multiple of 4 characters
    kBadCharacter,  // outside the alphabet (whitespace, '-', '_', non-ASCII, ...)
    kBadPadding,    // '=' other than one or two at the very end
    kNonCanonical,  // the bits the padding leaves over are not zero: another text decodes the same
};
const char* Base64ErrorName(Base64Error error);

// Strict decoding: only the canonical padded encoding of some byte string is accepted, so a
// secret that was cut, wrapped in whitespace or URL-safe encoded is refused instead of silently
// becoming another key. `out` is replaced (empty on error).
Base64Error Base64Decode(std::string_view text, std::string* out);

// ---- hex ----

std::string HexEncode(std::string_view bytes);  // lower case
// Upper or lower case, an even number of digits; false (and `out` empty) otherwise.
[[nodiscard]] bool HexDecode(std::string_view text, std::string* out);

}  // namespace tradingd::gateways
