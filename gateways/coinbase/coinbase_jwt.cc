#include "gateways/coinbase/coinbase_jwt.h"

// SHA256_Init and friends are deprecated in OpenSSL 3 but not removed; a SHA256_CTX on the stack
// hashes the signing input without the fetch and EVP_MD_CTX allocation that SHA256() and
// EVP_Digest make on every call in OpenSSL 3 (as in gateways/common/hmac.cc).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <charconv>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json_writer.h"
#include "core/text.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::coinbase {
namespace {

constexpr std::size_t kCoordinateBytes = 32;  // P-256
constexpr std::size_t kRawSignatureBytes = 2 * kCoordinateBytes;
constexpr std::size_t kNonceBytes = 16;  // 32 hex digits, as in Coinbase's JavaScript sample
constexpr std::size_t kMaxDerSignatureBytes = 80;  // 72 at most for P-256
// Far above any real token (about 600 characters); bounds the work an unauthenticated client can
// cause.
constexpr std::size_t kMaxJwtChars = 8192;
constexpr int kMaxJsonDepth = 16;

// ---- OpenSSL ownership ----

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BioPtr = std::unique_ptr<BIO, BioFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

// A PEM in a string that is cleansed when it goes: the private key's text passes through it.
// The text is normalized the way keys arrive from environment variables and files written on
// another system: the two characters '\' 'n' become a newline (a key held on one line, as in
// Coinbase's samples), "\r" and carriage returns go, and each line loses the spaces and tabs
// around it and is dropped when empty. OpenSSL's PEM reader takes none of those as they are.
class PemText {
 public:
  explicit PemText(std::string_view text) {
    text_.reserve(text.size() + 1);  // never reallocates: no copy of the key is left behind
    std::size_t line_start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      const bool escaped = i + 1 < text.size() && text[i] == '\\';
      if (escaped && text[i + 1] == 'r') {
        ++i;
        continue;
      }
      if (i == text.size() || text[i] == '\n' || (escaped && text[i + 1] == 'n')) {
        EndLine(line_start);
        line_start = text_.size();
        if (escaped) ++i;
        continue;
      }
      if (text[i] == '\r' || ((text[i] == ' ' || text[i] == '\t') && text_.size() == line_start)) {
        continue;  // a carriage return, or a space before the line's text
      }
      text_.push_back(text[i]);
    }
  }
  PemText(const PemText&) = delete;
  PemText& operator=(const PemText&) = delete;
  ~PemText() { OPENSSL_cleanse(text_.data(), text_.size()); }

  BioPtr Bio() const {
    return BioPtr(BIO_new_mem_buf(text_.data(), static_cast<int>(text_.size())));
  }

 private:
  // Trims the spaces after the line that starts at `start`, then ends it, or drops it if empty.
  void EndLine(std::size_t start) {
    while (text_.size() > start && (text_.back() == ' ' || text_.back() == '\t')) {
      text_.pop_back();
    }
    if (text_.size() > start) text_.push_back('\n');
  }

  std::string text_;
};

// Refuses to prompt for a passphrase (OpenSSL's default callback would read the terminal).
int NoPassphrase(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*user*/) { return -1; }

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) return false;
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &length) != 1) {
    return false;
  }
  return OBJ_sn2nid(group) == NID_X9_62_prime256v1 ||
         EC_curve_nist2nid(group) == NID_X9_62_prime256v1;
}

core::Result<PkeyPtr> LoadPrivateKey(std::string_view private_key_pem) {
  const PemText pem(private_key_pem);
  PkeyPtr key;
  if (BioPtr bio = pem.Bio(); bio != nullptr) {
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  }
  ERR_clear_error();  // a failed parse leaves OpenSSL errors behind for whoever looks next
  if (key == nullptr) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "Coinbase API private key is not an unencrypted PEM private key");
  }
  if (!IsP256(key.get())) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "Coinbase API private key is not an EC P-256 key (ES256 needs one)");
  }
  return key;
}

core::Result<PkeyPtr> LoadPublicKey(std::string_view public_key_pem) {
  const PemText pem(public_key_pem);
  PkeyPtr key;
  if (BioPtr bio = pem.Bio(); bio != nullptr) {
    key.reset(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassphrase, nullptr));
  }
  ERR_clear_error();
  if (key == nullptr) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "Coinbase API public key is not a PEM public key");
  }
  if (!IsP256(key.get())) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        "Coinbase API public key is not an EC P-256 key (ES256 needs one)");
  }
  return key;
}

core::Status CheckKeyName(std::string_view key_name) {
  if (key_name.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase API key name is empty");
  }
  if (!core::IsValidUtf8(key_name)) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase API key name is not UTF-8");
  }
  return core::Status::Ok();
}

std::string_view PathWithoutQuery(std::string_view path) { return path.substr(0, path.find('?')); }

bool Sha256(std::string_view data, unsigned char out[SHA256_DIGEST_LENGTH]) {
  SHA256_CTX sha;
  return SHA256_Init(&sha) == 1 && SHA256_Update(&sha, data.data(), data.size()) == 1 &&
         SHA256_Final(out, &sha) == 1;
}

// ---- base64url (RFC 4648 section 5, no padding) ----

void AppendBase64Url(std::string_view bytes, std::string* out) {
  const std::size_t start = out->size();
  out->resize(start + Base64EncodedSize(bytes.size()));
  char* text = out->data() + start;
  std::size_t length = Base64EncodeTo(bytes, text);
  while (length > 0 && text[length - 1] == '=') --length;
  for (std::size_t i = 0; i < length; ++i) {
    if (text[i] == '+') text[i] = '-';
    if (text[i] == '/') text[i] = '_';
  }
  out->resize(start + length);
}

// Strict: only the URL-safe alphabet, no padding, and the canonical encoding (zero spare bits).
bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 == 1) return false;
  std::string standard;
  standard.reserve(text.size() + 2);
  for (const char c : text) {
    if (c == '+' || c == '/' || c == '=') return false;
    standard.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  }
  while (standard.size() % 4 != 0) standard.push_back('=');
  return Base64Decode(standard, out) == Base64Error::kOk;
}

// ---- ECDSA signature forms ----

// OpenSSL's DER ECDSA-Sig-Value to the JWS r ‖ s (each left-padded to 32 bytes).
bool DerToRaw(const unsigned char* der, std::size_t der_length,
              unsigned char raw[kRawSignatureBytes]) {
  const unsigned char* p = der;
  const EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length)));
  if (sig == nullptr) return false;
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return BN_bn2binpad(r, raw, kCoordinateBytes) == static_cast<int>(kCoordinateBytes) &&
         BN_bn2binpad(s, raw + kCoordinateBytes, kCoordinateBytes) ==
             static_cast<int>(kCoordinateBytes);
}

// r ‖ s back to DER for EVP_PKEY_verify. Returns the DER length, 0 on failure.
std::size_t RawToDer(std::string_view raw, unsigned char der[kMaxDerSignatureBytes]) {
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (sig == nullptr) return 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw.data());
  BIGNUM* r = BN_bin2bn(bytes, kCoordinateBytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kCoordinateBytes, kCoordinateBytes, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return 0;
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0 || static_cast<std::size_t>(length) > kMaxDerSignatureBytes) return 0;
  unsigned char* p = der;
  return i2d_ECDSA_SIG(sig.get(), &p) == length ? static_cast<std::size_t>(length) : 0;
}

// ---- a flat JSON object reader: what a JWT header or claim set needs ----

struct JsonMember {
  enum class Kind : std::uint8_t { kString, kInteger, kOther };
  std::string name;
  Kind kind = Kind::kOther;
  std::string text;          // kString
  std::int64_t integer = 0;  // kInteger
};

// Reads one JSON object (RFC 8259): string and integer members are kept, any other value (a
// fraction, a boolean, null, an array, an object) is checked and kept as kOther. A repeated name is
// refused: a token whose fields can be read two ways is not accepted.
class JsonObjectReader {
 public:
  explicit JsonObjectReader(std::string_view text) : text_(text) {}

  bool Read(std::vector<JsonMember>* members) {
    members->clear();
    SkipSpace();
    if (!Consume('{')) return false;
    SkipSpace();
    if (!Consume('}')) {
      while (true) {
        JsonMember member;
        SkipSpace();
        if (!ReadString(&member.name)) return false;
        SkipSpace();
        if (!Consume(':')) return false;
        SkipSpace();
        if (!ReadValue(&member)) return false;
        for (const JsonMember& other : *members) {
          if (other.name == member.name) return false;
        }
        members->push_back(std::move(member));
        SkipSpace();
        if (Consume('}')) break;
        if (!Consume(',')) return false;
      }
    }
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || Peek() != c) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }

  bool ReadHex4(std::uint32_t* value) {
    if (text_.size() - pos_ < 4) return false;
    *value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      std::uint32_t digit;
      if (c >= '0' && c <= '9') {
        digit = static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
      *value = (*value << 4) | digit;
    }
    return true;
  }

  static void AppendUtf8(std::uint32_t code, std::string* out) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  bool ReadString(std::string* out) {
    out->clear();
    if (!Consume('"')) return false;
    while (!AtEnd()) {
      const char c = text_[pos_++];
      if (c == '"') return core::IsValidUtf8(*out);
      if (static_cast<unsigned char>(c) < 0x20) return false;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (AtEnd()) return false;
      switch (text_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          std::uint32_t code;
          if (!ReadHex4(&code)) return false;
          if (code >= 0xDC00 && code <= 0xDFFF) return false;  // a lone low surrogate
          if (code >= 0xD800 && code <= 0xDBFF) {
            std::uint32_t low;
            if (!Consume('\\') || !Consume('u') || !ReadHex4(&low) || low < 0xDC00 ||
                low > 0xDFFF) {
              return false;
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          AppendUtf8(code, out);
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }

  // A number per RFC 8259; `*integer` is set when it is an integer that fits an int64.
  bool ReadNumber(std::optional<std::int64_t>* integer) {
    const std::size_t start = pos_;
    Consume('-');
    if (AtEnd() || Peek() < '0' || Peek() > '9') return false;
    if (!Consume('0')) {
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    bool fraction_or_exponent = false;
    if (Consume('.')) {
      fraction_or_exponent = true;
      if (AtEnd() || Peek() < '0' || Peek() > '9') return false;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      fraction_or_exponent = true;
      ++pos_;
      if (!Consume('+')) Consume('-');
      if (AtEnd() || Peek() < '0' || Peek() > '9') return false;
      while (!AtEnd() && Peek() >= '0' && Peek() <= '9') ++pos_;
    }
    integer->reset();
    if (!fraction_or_exponent) {
      std::int64_t value = 0;
      const char* first = text_.data() + start;
      const char* last = text_.data() + pos_;
      const auto [end, error] = std::from_chars(first, last, value);
      if (error == std::errc() && end == last) *integer = value;
    }
    return true;
  }

  bool ReadLiteral(std::string_view literal) {
    if (text_.substr(pos_, literal.size()) != literal) return false;
    pos_ += literal.size();
    return true;
  }

  // Any value, checked and dropped.
  bool SkipValue(int depth) {
    if (depth > kMaxJsonDepth || AtEnd()) return false;
    std::string scratch;
    switch (Peek()) {
      case '"':
        return ReadString(&scratch);
      case 't':
        return ReadLiteral("true");
      case 'f':
        return ReadLiteral("false");
      case 'n':
        return ReadLiteral("null");
      case '[': {
        ++pos_;
        SkipSpace();
        if (Consume(']')) return true;
        while (true) {
          SkipSpace();
          if (!SkipValue(depth + 1)) return false;
          SkipSpace();
          if (Consume(']')) return true;
          if (!Consume(',')) return false;
        }
      }
      case '{': {
        ++pos_;
        SkipSpace();
        if (Consume('}')) return true;
        while (true) {
          SkipSpace();
          if (!ReadString(&scratch)) return false;
          SkipSpace();
          if (!Consume(':')) return false;
          SkipSpace();
          if (!SkipValue(depth + 1)) return false;
          SkipSpace();
          if (Consume('}')) return true;
          if (!Consume(',')) return false;
        }
      }
      default: {
        std::optional<std::int64_t> integer;
        return ReadNumber(&integer);
      }
    }
  }

  bool ReadValue(JsonMember* member) {
    if (AtEnd()) return false;
    if (Peek() == '"') {
      member->kind = JsonMember::Kind::kString;
      return ReadString(&member->text);
    }
    if (Peek() == '-' || (Peek() >= '0' && Peek() <= '9')) {
      std::optional<std::int64_t> integer;
      if (!ReadNumber(&integer)) return false;
      member->kind = integer ? JsonMember::Kind::kInteger : JsonMember::Kind::kOther;
      member->integer = integer.value_or(0);
      return true;
    }
    member->kind = JsonMember::Kind::kOther;
    return SkipValue(1);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

const JsonMember* Find(const std::vector<JsonMember>& members, std::string_view name) {
  for (const JsonMember& member : members) {
    if (member.name == name) return &member;
  }
  return nullptr;
}

bool IsString(const JsonMember* member, std::string_view value) {
  return member != nullptr && member->kind == JsonMember::Kind::kString && member->text == value;
}

core::Status Unauthorized(const char* why) {
  return core::Status(core::ErrorCode::kUnauthorized, why);
}

}  // namespace

// ---- free functions ----

std::string JwtUri(std::string_view method, std::string_view host, std::string_view path) {
  std::string uri;
  const std::string_view bare_path = PathWithoutQuery(path);
  uri.reserve(method.size() + 1 + host.size() + bare_path.size());
  uri.append(method).append(" ").append(host).append(bare_path);
  return uri;
}

core::Result<std::string> GenerateTestPrivateKeyPem(PrivateKeyFormat format) {
  const PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  const BioPtr bio(BIO_new(BIO_s_secmem()));
  bool ok = key != nullptr && bio != nullptr;
  if (ok) {
    ok = format == PrivateKeyFormat::kSec1
             ? PEM_write_bio_PrivateKey_traditional(bio.get(), key.get(), nullptr, nullptr, 0,
                                                    nullptr, nullptr) == 1
             : PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                             nullptr) == 1;
  }
  char* data = nullptr;
  const long length = ok ? BIO_get_mem_data(bio.get(), &data) : 0;
  if (!ok || length <= 0) {
    ERR_clear_error();
    return core::Status(core::ErrorCode::kInternal, "OpenSSL failed to generate an EC P-256 key");
  }
  return std::string(data, static_cast<std::size_t>(length));
}

core::Result<std::string> PublicKeyPemFromPrivateKey(std::string_view private_key_pem) {
  auto key = LoadPrivateKey(private_key_pem);
  if (!key.ok()) return key.status();
  const BioPtr bio(BIO_new(BIO_s_mem()));
  char* data = nullptr;
  long length = 0;
  if (bio != nullptr && PEM_write_bio_PUBKEY(bio.get(), key->get()) == 1) {
    length = BIO_get_mem_data(bio.get(), &data);
  }
  if (length <= 0) {
    ERR_clear_error();
    return core::Status(core::ErrorCode::kInternal, "OpenSSL failed to write a public key PEM");
  }
  return std::string(data, static_cast<std::size_t>(length));
}

// ---- JwtSigner ----

struct JwtSigner::State {
  std::string key_name;
  std::string key_name_json;  // the key name as a quoted JSON string, for kid and sub
  PkeyPtr key;
  PkeyCtxPtr sign_ctx;  // initialized for signing once, reused by every signature
  // Reused buffers: a token is built without allocating once they have grown.
  std::string header;
  std::string claims;
  std::string uri;
};

void JwtSigner::StateDeleter::operator()(State* state) const { delete state; }

JwtSigner::JwtSigner(std::unique_ptr<State, StateDeleter> state) : state_(std::move(state)) {}
JwtSigner::JwtSigner(JwtSigner&& other) noexcept = default;
JwtSigner& JwtSigner::operator=(JwtSigner&& other) noexcept = default;
JwtSigner::~JwtSigner() = default;

const std::string& JwtSigner::key_name() const { return state_->key_name; }

core::Result<JwtSigner> JwtSigner::Create(std::string_view key_name,
                                          std::string_view private_key_pem) {
  if (core::Status status = CheckKeyName(key_name); !status.ok()) return status;
  auto key = LoadPrivateKey(private_key_pem);
  if (!key.ok()) return key.status();

  std::unique_ptr<State, StateDeleter> state(new State());
  state->key_name = std::string(key_name);
  core::AppendJsonString(state->key_name_json, key_name);
  state->key = std::move(key).value();
  state->sign_ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, state->key.get(), nullptr));
  if (state->sign_ctx == nullptr || EVP_PKEY_sign_init(state->sign_ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(state->sign_ctx.get(), EVP_sha256()) != 1) {
    ERR_clear_error();
    return core::Status(core::ErrorCode::kInternal, "OpenSSL failed to set up ES256 signing");
  }
  return JwtSigner(std::move(state));
}

bool JwtSigner::Sign(std::string_view method, std::string_view host, std::string_view path,
                     std::int64_t now_s, std::string* jwt) {
  if (state_ == nullptr) {
    jwt->clear();
    return false;
  }
  std::string& uri = state_->uri;
  uri.clear();
  uri.append(method).append(" ").append(host).append(PathWithoutQuery(path));
  return SignClaims(uri, now_s, jwt);
}

bool JwtSigner::SignWebSocket(std::int64_t now_s, std::string* jwt) {
  return SignClaims({}, now_s, jwt);
}

bool JwtSigner::SignClaims(std::string_view uri, std::int64_t now_s, std::string* jwt) {
  jwt->clear();
  // Unix time before 1970 is a clock fault, and exp must not overflow.
  if (state_ == nullptr || now_s < 0 ||
      now_s > std::numeric_limits<std::int64_t>::max() - kJwtLifetimeSeconds) {
    return false;
  }
  State& s = *state_;

  unsigned char nonce[kNonceBytes];
  if (RAND_bytes(nonce, sizeof(nonce)) != 1) {
    ERR_clear_error();
    return false;
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  char nonce_hex[2 * kNonceBytes];
  for (std::size_t i = 0; i < kNonceBytes; ++i) {
    nonce_hex[2 * i] = kDigits[nonce[i] >> 4];
    nonce_hex[2 * i + 1] = kDigits[nonce[i] & 15];
  }

  s.header.clear();
  s.header.append(R"({"alg":"ES256","kid":)")
      .append(s.key_name_json)
      .append(R"(,"nonce":")")
      .append(nonce_hex, sizeof(nonce_hex))
      .append(R"(","typ":"JWT"})");

  char number[24];
  s.claims.clear();
  s.claims.append(R"({"sub":)").append(s.key_name_json).append(R"(,"iss":"cdp","nbf":)");
  s.claims.append(number, std::to_chars(number, number + sizeof(number), now_s).ptr);
  s.claims.append(R"(,"exp":)");
  s.claims.append(number,
                  std::to_chars(number, number + sizeof(number), now_s + kJwtLifetimeSeconds).ptr);
  if (!uri.empty()) {
    s.claims.append(R"(,"uri":)");
    core::AppendJsonString(s.claims, uri);
  }
  s.claims.push_back('}');

  AppendBase64Url(s.header, jwt);
  jwt->push_back('.');
  AppendBase64Url(s.claims, jwt);

  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned char der[kMaxDerSignatureBytes];
  std::size_t der_length = sizeof(der);
  unsigned char raw[kRawSignatureBytes];
  if (!Sha256(*jwt, digest) ||
      EVP_PKEY_sign(s.sign_ctx.get(), der, &der_length, digest, sizeof(digest)) != 1 ||
      !DerToRaw(der, der_length, raw)) {
    ERR_clear_error();
    jwt->clear();
    return false;
  }
  jwt->push_back('.');
  AppendBase64Url(std::string_view(reinterpret_cast<const char*>(raw), sizeof(raw)), jwt);
  return true;
}

// ---- JwtVerifier ----

struct JwtVerifier::State {
  std::string key_name;
  PkeyPtr key;
  PkeyCtxPtr verify_ctx;  // initialized for verifying once, reused
  // Reused buffers.
  std::string decoded;
  std::vector<JsonMember> members;
};

void JwtVerifier::StateDeleter::operator()(State* state) const { delete state; }

JwtVerifier::JwtVerifier(std::unique_ptr<State, StateDeleter> state) : state_(std::move(state)) {}
JwtVerifier::JwtVerifier(JwtVerifier&& other) noexcept = default;
JwtVerifier& JwtVerifier::operator=(JwtVerifier&& other) noexcept = default;
JwtVerifier::~JwtVerifier() = default;

const std::string& JwtVerifier::key_name() const { return state_->key_name; }

namespace {

core::Result<PkeyCtxPtr> VerifyContext(EVP_PKEY* key) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (ctx == nullptr || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) != 1) {
    ERR_clear_error();
    return core::Status(core::ErrorCode::kInternal, "OpenSSL failed to set up ES256 verifying");
  }
  return ctx;
}

}  // namespace

core::Result<JwtVerifier> JwtVerifier::Create(std::string_view key_name,
                                              std::string_view public_key_pem) {
  if (core::Status status = CheckKeyName(key_name); !status.ok()) return status;
  auto key = LoadPublicKey(public_key_pem);
  if (!key.ok()) return key.status();
  auto ctx = VerifyContext(key->get());
  if (!ctx.ok()) return ctx.status();
  std::unique_ptr<State, StateDeleter> state(new State());
  state->key_name = std::string(key_name);
  state->key = std::move(key).value();
  state->verify_ctx = std::move(ctx).value();
  return JwtVerifier(std::move(state));
}

core::Result<JwtVerifier> JwtVerifier::FromPrivateKey(std::string_view key_name,
                                                      std::string_view private_key_pem) {
  auto public_pem = PublicKeyPemFromPrivateKey(private_key_pem);
  if (!public_pem.ok()) return public_pem.status();
  return Create(key_name, *public_pem);
}

core::Status JwtVerifier::Verify(std::string_view jwt, std::string_view expected_uri,
                                 std::int64_t now_s) {
  if (state_ == nullptr) return Unauthorized("JWT verifier was moved from");
  State& s = *state_;
  if (jwt.size() > kMaxJwtChars) return Unauthorized("JWT is too long");
  const std::size_t first_dot = jwt.find('.');
  const std::size_t second_dot =
      first_dot == std::string_view::npos ? first_dot : jwt.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos || jwt.find('.', second_dot + 1) != jwt.npos) {
    return Unauthorized("JWT is not three dot-separated parts");
  }
  const std::string_view header_b64 = jwt.substr(0, first_dot);
  const std::string_view claims_b64 = jwt.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_b64 = jwt.substr(second_dot + 1);

  // The header first: alg decides how the rest is checked, and only ES256 is accepted.
  if (!Base64UrlDecode(header_b64, &s.decoded)) return Unauthorized("JWT header is not base64url");
  if (!JsonObjectReader(s.decoded).Read(&s.members)) {
    return Unauthorized("JWT header is not a JSON object");
  }
  if (!IsString(Find(s.members, "alg"), kJwtAlgorithm)) return Unauthorized("JWT alg is not ES256");
  if (const JsonMember* typ = Find(s.members, "typ"); typ != nullptr && !IsString(typ, "JWT")) {
    return Unauthorized("JWT typ is not JWT");
  }
  if (Find(s.members, "crit") != nullptr) {
    return Unauthorized("JWT header has critical extensions");
  }
  if (!IsString(Find(s.members, "kid"), s.key_name)) return Unauthorized("JWT kid is not this key");
  if (const JsonMember* nonce = Find(s.members, "nonce");
      nonce == nullptr || nonce->kind != JsonMember::Kind::kString || nonce->text.empty()) {
    return Unauthorized("JWT header has no nonce");
  }

  // Then the signature, before anything in the claims is believed.
  if (!Base64UrlDecode(signature_b64, &s.decoded) || s.decoded.size() != kRawSignatureBytes) {
    return Unauthorized("JWT signature is not 64 bytes of base64url r||s");
  }
  unsigned char der[kMaxDerSignatureBytes];
  const std::size_t der_length = RawToDer(s.decoded, der);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  const bool verified =
      der_length != 0 && Sha256(jwt.substr(0, second_dot), digest) &&
      EVP_PKEY_verify(s.verify_ctx.get(), der, der_length, digest, sizeof(digest)) == 1;
  ERR_clear_error();
  if (!verified) return Unauthorized("JWT signature does not verify");

  if (!Base64UrlDecode(claims_b64, &s.decoded)) return Unauthorized("JWT claims are not base64url");
  if (!JsonObjectReader(s.decoded).Read(&s.members)) {
    return Unauthorized("JWT claims are not a JSON object");
  }
  if (!IsString(Find(s.members, "iss"), kJwtIssuer)) return Unauthorized("JWT iss is not cdp");
  if (!IsString(Find(s.members, "sub"), s.key_name)) return Unauthorized("JWT sub is not this key");
  const JsonMember* nbf = Find(s.members, "nbf");
  const JsonMember* exp = Find(s.members, "exp");
  if (nbf == nullptr || nbf->kind != JsonMember::Kind::kInteger || exp == nullptr ||
      exp->kind != JsonMember::Kind::kInteger) {
    return Unauthorized("JWT nbf and exp are not integers");
  }
  // exp > nbf, so the unsigned difference is exact.
  if (exp->integer <= nbf->integer ||
      static_cast<std::uint64_t>(exp->integer) - static_cast<std::uint64_t>(nbf->integer) >
          static_cast<std::uint64_t>(kJwtLifetimeSeconds)) {
    return Unauthorized("JWT lifetime is not within 120 s");
  }
  if (now_s < nbf->integer) return Unauthorized("JWT is not valid yet");
  if (now_s >= exp->integer) return Unauthorized("JWT has expired");
  const JsonMember* uri = Find(s.members, "uri");
  if (expected_uri.empty()) {
    if (uri != nullptr) return Unauthorized("JWT has a uri but a WebSocket token has none");
  } else if (!IsString(uri, expected_uri)) {
    return Unauthorized("JWT uri is not this request's");
  }
  return core::Status::Ok();
}

}  // namespace tradingd::gateways::coinbase
