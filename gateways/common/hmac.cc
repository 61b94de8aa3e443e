#include "gateways/common/hmac.h"

// SHA256_Init and friends are deprecated in OpenSSL 3 in favour of EVP, but not removed, and they
// are what lets a keyed state be copied by value (see the header for the cost of the EVP path).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <utility>

namespace tradingd::gateways {
namespace {

// The SHA-2 block functions behind one interface, so that HMAC is written once for both sizes.
template <typename Context>
struct ShaFunctions;

template <>
struct ShaFunctions<SHA256_CTX> {
  static constexpr std::size_t kBlockBytes = 64;
  static constexpr std::size_t kDigestBytes = 32;
  static int Init(SHA256_CTX* c) { return SHA256_Init(c); }
  static int Update(SHA256_CTX* c, const void* data, std::size_t n) {
    return SHA256_Update(c, data, n);
  }
  static int Final(unsigned char* out, SHA256_CTX* c) { return SHA256_Final(out, c); }
};

template <>
struct ShaFunctions<SHA512_CTX> {
  static constexpr std::size_t kBlockBytes = 128;
  static constexpr std::size_t kDigestBytes = 64;
  static int Init(SHA512_CTX* c) { return SHA512_Init(c); }
  static int Update(SHA512_CTX* c, const void* data, std::size_t n) {
    return SHA512_Update(c, data, n);
  }
  static int Final(unsigned char* out, SHA512_CTX* c) { return SHA512_Final(out, c); }
};

// RFC 2104 with the states after the inner and outer pad blocks kept.
template <typename Context>
struct KeyedSha {
  using Sha = ShaFunctions<Context>;
  Context inner;
  Context outer;
  Context work;

  bool Key(std::string_view key) {
    unsigned char block[Sha::kBlockBytes] = {};
    bool ok = true;
    if (key.size() > Sha::kBlockBytes) {
      // A key longer than a block is replaced by its hash.
      ok = Sha::Init(&work) == 1 && Sha::Update(&work, key.data(), key.size()) == 1 &&
           Sha::Final(block, &work) == 1;
    } else if (!key.empty()) {
      std::memcpy(block, key.data(), key.size());
    }
    unsigned char pad[Sha::kBlockBytes];
    for (std::size_t i = 0; i < Sha::kBlockBytes; ++i) pad[i] = block[i] ^ 0x36;
    ok = ok && Sha::Init(&inner) == 1 && Sha::Update(&inner, pad, sizeof(pad)) == 1;
    for (std::size_t i = 0; i < Sha::kBlockBytes; ++i) pad[i] = block[i] ^ 0x5c;
    ok = ok && Sha::Init(&outer) == 1 && Sha::Update(&outer, pad, sizeof(pad)) == 1;
    OPENSSL_cleanse(block, sizeof(block));
    OPENSSL_cleanse(pad, sizeof(pad));
    return ok;
  }
  void Begin() { work = inner; }
  bool Update(std::string_view part) { return Sha::Update(&work, part.data(), part.size()) == 1; }
  bool Finish(Digest* out) {
    unsigned char inner_hash[Sha::kDigestBytes];
    if (Sha::Final(inner_hash, &work) != 1) return false;
    work = outer;
    const bool ok = Sha::Update(&work, inner_hash, sizeof(inner_hash)) == 1 &&
                    Sha::Final(out->bytes.data(), &work) == 1;
    if (ok) out->size = Sha::kDigestBytes;
    return ok;
  }
};

// -1 for a character outside the standard alphabet ('=' included: padding is handled apart).
constexpr std::array<std::int8_t, 256> MakeBase64Values() {
  std::array<std::int8_t, 256> values{};
  for (auto& v : values) v = -1;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    values[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::int8_t>(i);
  }
  return values;
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::array<std::int8_t, 256> kBase64Values = MakeBase64Values();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

struct Hmac::State {
  // One of the two is used, as the algorithm says; a union would save a kilobyte per secret.
  KeyedSha<SHA256_CTX> sha256;
  KeyedSha<SHA512_CTX> sha512;
};

void Hmac::StateDeleter::operator()(State* state) const {
  OPENSSL_cleanse(state, sizeof(State));
  delete state;
}

Hmac::Hmac(HashAlgorithm algorithm, std::unique_ptr<State, StateDeleter> state)
    : algorithm_(algorithm), state_(std::move(state)) {}

core::Result<Hmac> Hmac::Create(HashAlgorithm algorithm, std::string_view key) {
  std::unique_ptr<State, StateDeleter> state(new State());
  const bool ok =
      algorithm == HashAlgorithm::kSha512 ? state->sha512.Key(key) : state->sha256.Key(key);
  if (!ok) return core::Status(core::ErrorCode::kInternal, "OpenSSL failed to key an HMAC");
  return Hmac(algorithm, std::move(state));
}

bool Hmac::Begin() {
  if (state_ == nullptr) return false;
  if (algorithm_ == HashAlgorithm::kSha512) {
    state_->sha512.Begin();
  } else {
    state_->sha256.Begin();
  }
  return true;
}

bool Hmac::Update(std::string_view part) {
  if (state_ == nullptr) return false;
  return algorithm_ == HashAlgorithm::kSha512 ? state_->sha512.Update(part)
                                              : state_->sha256.Update(part);
}

bool Hmac::Finish(Digest* out) {
  out->size = 0;
  if (state_ == nullptr) return false;
  return algorithm_ == HashAlgorithm::kSha512 ? state_->sha512.Finish(out)
                                              : state_->sha256.Finish(out);
}

bool Hmac::Sign(std::string_view message, Digest* out) {
  out->size = 0;
  return Begin() && Update(message) && Finish(out);
}

// ---- base64 ----

std::size_t Base64EncodeTo(std::string_view bytes, char* out) {
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  char* p = out;
  std::size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const std::uint32_t v =
        (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    *p++ = kBase64Alphabet[(v >> 18) & 63];
    *p++ = kBase64Alphabet[(v >> 12) & 63];
    *p++ = kBase64Alphabet[(v >> 6) & 63];
    *p++ = kBase64Alphabet[v & 63];
  }
  if (const std::size_t rest = n - i; rest != 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    *p++ = kBase64Alphabet[(v >> 18) & 63];
    *p++ = kBase64Alphabet[(v >> 12) & 63];
    *p++ = rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    *p++ = '=';
  }
  return static_cast<std::size_t>(p - out);
}

std::string Base64Encode(std::string_view bytes) {
  std::string out(Base64EncodedSize(bytes.size()), '\0');
  Base64EncodeTo(bytes, out.data());
  return out;
}

const char* Base64ErrorName(Base64Error error) {
  switch (error) {
    case Base64Error::kOk:
      return "ok";
    case Base64Error::kBadLength:
      return "length is not a multiple of 4";
    case Base64Error::kBadCharacter:
      return "character outside the base64 alphabet";
    case Base64Error::kBadPadding:
      return "misplaced '=' padding";
    case Base64Error::kNonCanonical:
      return "non-zero bits after the last byte";
  }
  return "unknown";
}

Base64Error Base64Decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return Base64Error::kBadLength;
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  const std::size_t data_chars = text.size() - padding;
  std::string decoded;
  decoded.reserve(text.size() / 4 * 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < data_chars; ++i) {
    const char c = text[i];
    if (c == '=') return Base64Error::kBadPadding;
    const std::int8_t value = kBase64Values[static_cast<unsigned char>(c)];
    if (value < 0) return Base64Error::kBadCharacter;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // What the last group leaves over must be zero bits: 4 after one padding '=', 2 after two.
  if (bits != 0 && (buffer & ((1u << bits) - 1)) != 0) return Base64Error::kNonCanonical;
  out->swap(decoded);
  return Base64Error::kOk;
}

// ---- hex ----

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 15];
  }
  return out;
}

bool HexDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 2 != 0) return false;
  std::string decoded(text.size() / 2, '\0');
  for (std::size_t i = 0; i < decoded.size(); ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    decoded[i] = static_cast<char>((high << 4) | low);
  }
  out->swap(decoded);
  return true;
}

}  // namespace tradingd::gateways
