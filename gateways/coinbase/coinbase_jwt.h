#pragma once
// Coinbase Advanced Trade authentication with CDP API keys: a short-lived ES256 JWT, sent as
// "Authorization: Bearer <jwt>" on every REST request and as the "jwt" field of a WebSocket
// subscribe. Each REST request needs its own token (the uri claim names the request):
//
//   header  {"alg":"ES256","kid":<key name>,"nonce":<random hex>,"typ":"JWT"}
//   claims  {"sub":<key name>,"iss":"cdp","nbf":<now>,"exp":<now + 120>,
//            "uri":"<METHOD> <host><path>"}     (the WebSocket token has no "uri")
//   jwt     = base64url(header) "." base64url(claims) "." base64url(r ‖ s)
//
// base64url is RFC 4648 section 5 without padding; r ‖ s is the raw 64-byte ECDSA P-256 / SHA-256
// signature (RFC 7518 section 3.4), not the DER that OpenSSL produces. The key name looks like
// "organizations/{org_id}/apiKeys/{key_id}"; the private key is an EC P-256 PEM, SEC 1 ("BEGIN EC
// PRIVATE KEY", what CDP hands out) or PKCS#8 ("BEGIN PRIVATE KEY"), with real newlines or with the
// two-character "\n" sequences that an environment variable often holds (CRLF line ends, indented
// lines and blank lines are tolerated as well). uri's path is the path alone: the query string is
// not part of it.
//
// Signing costs an EC scalar multiplication (tens of microseconds), so the key and an EVP_PKEY_CTX
// initialized for it are kept for the signer's lifetime and reused; a token is built in reused
// buffers. The private key stays inside OpenSSL; no Status ever holds key material or a token.
//
// Thread contract: a JwtSigner or JwtVerifier is used by one thread at a time (its OpenSSL context
// and scratch buffers are mutable); give each thread its own. The free functions are safe from any
// thread.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tradingd::gateways::coinbase {

inline constexpr std::string_view kJwtAlgorithm = "ES256";
inline constexpr std::string_view kJwtIssuer = "cdp";
inline constexpr std::int64_t kJwtLifetimeSeconds = 120;
// The Advanced Trade REST host as it appears in the uri claim (no scheme).
inline constexpr std::string_view kRestHost = "api.coinbase.com";

// The uri claim of a request: "<METHOD> <host><path>", e.g.
// "GET api.coinbase.com/api/v3/brokerage/accounts". A query string on `path` is left out.
std::string JwtUri(std::string_view method, std::string_view host, std::string_view path);

enum class PrivateKeyFormat : std::uint8_t {
  kSec1,   // "-----BEGIN EC PRIVATE KEY-----", as CDP hands out
  kPkcs8,  // "-----BEGIN PRIVATE KEY-----"
};

// A fresh EC P-256 private key as PEM, for tests and the sandbox venue (never a production key).
core::Result<std::string> GenerateTestPrivateKeyPem(
    PrivateKeyFormat format = PrivateKeyFormat::kSec1);

// The "-----BEGIN PUBLIC KEY-----" PEM (SubjectPublicKeyInfo) of an EC P-256 private key PEM.
core::Result<std::string> PublicKeyPemFromPrivateKey(std::string_view private_key_pem);

class JwtSigner {
 public:
  // Refuses an empty key name or one that is not UTF-8, and a PEM that is not an unencrypted EC
  // P-256 private key; the message never quotes the PEM.
  static core::Result<JwtSigner> Create(std::string_view key_name,
                                        std::string_view private_key_pem);

  JwtSigner(JwtSigner&& other) noexcept;
  JwtSigner& operator=(JwtSigner&& other) noexcept;
  JwtSigner(const JwtSigner&) = delete;
  JwtSigner& operator=(const JwtSigner&) = delete;
  ~JwtSigner();

  // The token for one REST request made at `now_s` (Unix seconds): `*jwt` is replaced (its
  // capacity is reused). False (and `*jwt` empty) on an OpenSSL or RNG failure.
  [[nodiscard]] bool Sign(std::string_view method, std::string_view host, std::string_view path,
                          std::int64_t now_s, std::string* jwt);
  // The token of a WebSocket subscribe (no uri claim).
  [[nodiscard]] bool SignWebSocket(std::int64_t now_s, std::string* jwt);

  const std::string& key_name() const;

 private:
  struct State;
  struct StateDeleter {
    void operator()(State* state) const;
  };
  explicit JwtSigner(std::unique_ptr<State, StateDeleter> state);
  [[nodiscard]] bool SignClaims(std::string_view uri, std::int64_t now_s, std::string* jwt);

  std::unique_ptr<State, StateDeleter> state_;  // null once moved from
};

// What the sandbox venue checks a client's token with.
class JwtVerifier {
 public:
  // `public_key_pem`: "-----BEGIN PUBLIC KEY-----" of an EC P-256 key (see
  // PublicKeyPemFromPrivateKey); literal "\n" sequences are accepted as for private keys.
  static core::Result<JwtVerifier> Create(std::string_view key_name,
                                          std::string_view public_key_pem);
  static core::Result<JwtVerifier> FromPrivateKey(std::string_view key_name,
                                                  std::string_view private_key_pem);

  JwtVerifier(JwtVerifier&& other) noexcept;
  JwtVerifier& operator=(JwtVerifier&& other) noexcept;
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;
  ~JwtVerifier();

  // Ok when `jwt` is a well-formed ES256 token of this key whose signature verifies, with header
  // alg "ES256", kid = the key name, a nonce and typ "JWT" (or none); claims iss "cdp", sub = the
  // key name, integer nbf <= now_s < exp, exp - nbf at most kJwtLifetimeSeconds, and uri equal to
  // `expected_uri` (JwtUri of the request), or no uri at all when `expected_uri` is empty (a
  // WebSocket token). Otherwise kUnauthorized with the first reason found; the message never
  // quotes the token.
  core::Status Verify(std::string_view jwt, std::string_view expected_uri, std::int64_t now_s);

  const std::string& key_name() const;

 private:
  struct State;
  struct StateDeleter {
    void operator()(State* state) const;
  };
  explicit JwtVerifier(std::unique_ptr<State, StateDeleter> state);

  std::unique_ptr<State, StateDeleter> state_;  // null once moved from
};

}  // namespace tradingd::gateways::coinbase
