#pragma once
// OKX v5 request signing, REST (the OK-ACCESS-SIGN header) and the private WebSocket login:
//
//   sign = base64( HMAC-SHA256( key = secret as ASCII bytes,
//                               message = timestamp + method + request_path + body ) )
//
// REST: timestamp is the OK-ACCESS-TIMESTAMP header, ISO 8601 UTC with milliseconds
// ("2020-12-08T09:08:57.715Z"); method is upper case; request_path includes the query for a GET
// ("/api/v5/account/balance?ccy=BTC": GET params count as the path, not the body); body is the JSON
// text sent, empty for a GET. The headers are OK-ACCESS-KEY, OK-ACCESS-SIGN, OK-ACCESS-TIMESTAMP
// and OK-ACCESS-PASSPHRASE (the passphrase chosen at key creation, sent as is), plus
// "x-simulated-trading: 1" for demo trading.
// WebSocket login: timestamp is Unix seconds as text ("1538054050"), method "GET", request_path
// "/users/self/verify", no body; OKX refuses it 30 s after that timestamp.
// OKX publishes no worked example; the tests check against an independent Python computation.
//
// The secret is keyed into an Hmac once: signing allocates nothing. No Status ever holds it.
//
// Thread contract: a Signer is used by one thread at a time (see gateways::Hmac). The free
// functions are safe from any thread.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::okx {

inline constexpr std::string_view kApiKeyHeader = "OK-ACCESS-KEY";
inline constexpr std::string_view kSignHeader = "OK-ACCESS-SIGN";
inline constexpr std::string_view kTimestampHeader = "OK-ACCESS-TIMESTAMP";
inline constexpr std::string_view kPassphraseHeader = "OK-ACCESS-PASSPHRASE";
inline constexpr std::string_view kSimulatedTradingHeader = "x-simulated-trading";
inline constexpr std::string_view kSimulatedTradingValue = "1";

// What the WebSocket login signs after its timestamp.
inline constexpr std::string_view kWebSocketSignMethod = "GET";
inline constexpr std::string_view kWebSocketSignPath = "/users/self/verify";

// "2020-12-08T09:08:57.715Z": 24 characters.
inline constexpr std::size_t kIsoTimestampChars = 24;

struct IsoTimestamp {
  char text[kIsoTimestampChars] = {};
  std::string_view view() const { return std::string_view(text, kIsoTimestampChars); }
};

// Unix milliseconds as the REST timestamp, without allocating. False (and `out` untouched) outside
// 1970-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z.
[[nodiscard]] bool FormatIsoTimestamp(std::int64_t unix_ms, IsoTimestamp* out);

// base64 of a SHA-256 MAC: 44 characters.
inline constexpr std::size_t kSignatureChars = Base64EncodedSize(32);

struct Signature {
  char text[kSignatureChars] = {};
  std::string_view view() const { return std::string_view(text, kSignatureChars); }
};

class Signer {
 public:
  // `secret` exactly as OKX hands it out (32 hex digits); its ASCII bytes are the key, it is not
  // hex-decoded. Refused when empty.
  static core::Result<Signer> Create(std::string_view secret);

  // False only on an OpenSSL failure.
  [[nodiscard]] bool Sign(std::string_view timestamp, std::string_view method,
                          std::string_view request_path, std::string_view body, Signature* out);
  // The WebSocket login's sign for `unix_seconds` (the same text goes in the login's timestamp).
  [[nodiscard]] bool SignWebSocketLogin(std::string_view unix_seconds, Signature* out) {
    return Sign(unix_seconds, kWebSocketSignMethod, kWebSocketSignPath, {}, out);
  }
  // Whether `signature` is this secret's for that request, compared in constant time (the sandbox
  // venue checks clients with it).
  [[nodiscard]] bool Verify(std::string_view timestamp, std::string_view method,
                            std::string_view request_path, std::string_view body,
                            std::string_view signature);
  [[nodiscard]] bool VerifyWebSocketLogin(std::string_view unix_seconds,
                                          std::string_view signature) {
    return Verify(unix_seconds, kWebSocketSignMethod, kWebSocketSignPath, {}, signature);
  }

 private:
  explicit Signer(Hmac hmac) : hmac_(std::move(hmac)) {}
  Hmac hmac_;
};

}  // namespace tradingd::gateways::okx
