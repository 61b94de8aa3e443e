#pragma once
// Coinbase Exchange request signing (REST CB-ACCESS-SIGN, and the authenticated WebSocket
// subscribe that level2, level3, full and user need since 2023-08):
//
//   signature = base64( HMAC-SHA256( key = base64decode(api_secret),
//                                    message = timestamp + method + request_path + body ) )
//
// timestamp is Unix seconds as text (decimals allowed; the WebSocket sample sends
// str(time.time())), method is upper case, request_path includes the query, body is empty for a
// GET. For the WebSocket subscribe Coinbase signs "GET" and "/users/self/verify" with an empty
// body. Coinbase publishes no worked example; the tests check against an independent `openssl` run.
// (Advanced Trade signs with an ES256 JWT instead and does not use this.)
//
// The secret is decoded once and keyed into an Hmac: signing allocates nothing. A secret that is
// not strict base64 is refused at Create, since HMAC would otherwise accept any bytes and every
// signature would fail at the venue with no hint why. No Status ever holds the secret.
//
// Thread contract: an ExchangeSigner is used by one thread at a time (see gateways::Hmac). The free
// functions are safe from any thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::coinbase {

// What the Exchange WebSocket's authenticated subscribe signs.
inline constexpr std::string_view kWebSocketSignMethod = "GET";
inline constexpr std::string_view kWebSocketSignPath = "/users/self/verify";

// base64 of a SHA-256 MAC: 44 characters.
inline constexpr std::size_t kExchangeSignatureChars = Base64EncodedSize(32);

struct ExchangeSignature {
  char text[kExchangeSignatureChars] = {};
  std::string_view view() const { return std::string_view(text, kExchangeSignatureChars); }
};

class ExchangeSigner {
 public:
  // `base64_secret` as Coinbase hands it out (base64 of the raw key).
  static core::Result<ExchangeSigner> Create(std::string_view base64_secret);

  // False only on an OpenSSL failure.
  [[nodiscard]] bool Sign(std::string_view timestamp, std::string_view method,
                          std::string_view request_path, std::string_view body,
                          ExchangeSignature* out);
  // The authenticated WebSocket subscribe's signature for this timestamp.
  [[nodiscard]] bool SignWebSocketSubscribe(std::string_view timestamp, ExchangeSignature* out) {
    return Sign(timestamp, kWebSocketSignMethod, kWebSocketSignPath, {}, out);
  }
  // Whether `signature` is this secret's for that request, compared in constant time (the sandbox
  // venue checks clients with it).
  [[nodiscard]] bool Verify(std::string_view timestamp, std::string_view method,
                            std::string_view request_path, std::string_view body,
                            std::string_view signature);

 private:
  explicit ExchangeSigner(Hmac hmac) : hmac_(std::move(hmac)) {}
  Hmac hmac_;
};

}  // namespace tradingd::gateways::coinbase
