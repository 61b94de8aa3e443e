#pragma once
// Bybit v5 request signing for system-generated (HMAC) API keys, REST and the private WebSocket:
//
//   REST:      X-BAPI-SIGN = hex( HMAC-SHA256( key = secret as ASCII bytes,
//                                 message = timestamp + api_key + recv_window + payload ) )
//   WebSocket: signature   = hex( HMAC-SHA256( secret, "GET/realtime" + expires ) )
//
// timestamp is the X-BAPI-TIMESTAMP header (Unix milliseconds as text), recv_window the
// X-BAPI-RECV-WINDOW header (milliseconds, Bybit's default 5000 when the header is left out, and
// then it is left out of the message too); payload is the query string as sent (unsorted) for a
// GET and the raw JSON body for a POST. The API key goes in X-BAPI-API-KEY. The WebSocket "auth" op
// sends [api_key, expires, signature], expires being a Unix millisecond time in the future.
// Bybit publishes no worked example; the tests check against an independent Python computation.
// (RSA self-generated keys sign with RSA-SHA256 and base64 instead and are not handled here.)
//
// The secret is keyed into an Hmac once: signing allocates nothing. No Status ever holds it.
//
// Thread contract: a Signer is used by one thread at a time (see gateways::Hmac).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::bybit {

inline constexpr std::string_view kApiKeyHeader = "X-BAPI-API-KEY";
inline constexpr std::string_view kTimestampHeader = "X-BAPI-TIMESTAMP";
inline constexpr std::string_view kRecvWindowHeader = "X-BAPI-RECV-WINDOW";
inline constexpr std::string_view kSignHeader = "X-BAPI-SIGN";

// What the WebSocket auth signs before `expires`.
inline constexpr std::string_view kWebSocketSignPrefix = "GET/realtime";

// Hex of a SHA-256 MAC: 64 characters.
inline constexpr std::size_t kSignatureChars = 64;

struct Signature {
  char text[kSignatureChars] = {};
  std::string_view view() const { return std::string_view(text, kSignatureChars); }
};

class Signer {
 public:
  // The API key is part of every signed message, so the signer holds it (it is not secret).
  // `secret` exactly as Bybit hands it out; its ASCII bytes are the key. Refused when either is
  // empty.
  static core::Result<Signer> Create(std::string_view api_key, std::string_view secret);

  // X-BAPI-SIGN for a request. False only on an OpenSSL failure.
  [[nodiscard]] bool Sign(std::string_view timestamp, std::string_view recv_window,
                          std::string_view payload, Signature* out);
  // The WebSocket auth signature for `expires` (Unix milliseconds, as sent).
  [[nodiscard]] bool SignWebSocketAuth(std::string_view expires, Signature* out);

  // Whether `signature` is this key's for that request, compared in constant time (the sandbox
  // venue checks clients with it). Lower-case hex only, as Bybit's samples produce.
  [[nodiscard]] bool Verify(std::string_view timestamp, std::string_view recv_window,
                            std::string_view payload, std::string_view signature);
  [[nodiscard]] bool VerifyWebSocketAuth(std::string_view expires, std::string_view signature);

  const std::string& api_key() const { return api_key_; }

 private:
  Signer(std::string api_key, Hmac hmac) : api_key_(std::move(api_key)), hmac_(std::move(hmac)) {}
  std::string api_key_;
  Hmac hmac_;
};

}  // namespace tradingd::gateways::bybit
