#pragma once
// Binance request signing for HMAC API keys, REST and WebSocket API:
//
//   REST:      signature = hex( HMAC-SHA256( key = secret as ASCII bytes, message = totalParams ) )
//              totalParams = query string ‖ request body, concatenated as they are sent (no '&' is
//              put between them: Binance's own mixed example signs
//              "...timeInForce=GTCquantity=1...")
//   WebSocket: the same MAC over every param but `signature` (apiKey included), sorted by name,
//              joined as name=value with '&', values as they appear in the request.
//
// The signature travels as the `signature` param (query string or body, last), the API key in the
// X-MBX-APIKEY header (REST) or the `apiKey` param (WebSocket API). We write lower-case hex;
// Binance documents HMAC signatures as case-insensitive, so Verify accepts either case. Non-ASCII
// values must be percent-encoded (UTF-8) before they are signed on REST; this code signs the bytes
// it is given. (RSA and Ed25519 API keys sign differently and are not handled here.)
//
// The secret is keyed into an Hmac once: signing allocates nothing. No Status ever holds it.
//
// Thread contract: a Signer is used by one thread at a time (see gateways::Hmac). The free
// functions are safe from any thread.

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::binance {

inline constexpr std::string_view kApiKeyHeader = "X-MBX-APIKEY";
inline constexpr std::string_view kSignatureParam = "signature";

// Hex of a SHA-256 MAC: 64 characters.
inline constexpr std::size_t kSignatureChars = 64;

struct Signature {
  char text[kSignatureChars] = {};
  std::string_view view() const { return std::string_view(text, kSignatureChars); }
};

// One WebSocket API request param, its value as the text that goes into the request.
struct WebSocketParam {
  std::string_view name;
  std::string_view value;
};

// The text the WebSocket API signs: every param but `signature`, sorted by name (byte order, stable
// for repeated names), joined as name=value with '&'. Replaces `*out` (its capacity is reused).
void BuildWebSocketPayload(std::span<const WebSocketParam> params, std::string* out);

class Signer {
 public:
  // `secret` exactly as Binance hands it out; its ASCII bytes are the key. Refused when empty.
  static core::Result<Signer> Create(std::string_view secret);

  // The signature of totalParams = query ‖ body. False only on an OpenSSL failure.
  [[nodiscard]] bool Sign(std::string_view query, std::string_view body, Signature* out);
  // The WebSocket API signature of these params (the payload BuildWebSocketPayload makes, hashed
  // without building it). False on an OpenSSL failure or more than kMaxWebSocketParams params.
  [[nodiscard]] bool SignWebSocket(std::span<const WebSocketParam> params, Signature* out);

  // Whether `signature` (either hex case) is this secret's for that request, compared in constant
  // time (the sandbox venue checks clients with it).
  [[nodiscard]] bool Verify(std::string_view query, std::string_view body,
                            std::string_view signature);
  [[nodiscard]] bool VerifyWebSocket(std::span<const WebSocketParam> params,
                                     std::string_view signature);

  // SignWebSocket sorts on the stack: an order has about a dozen params.
  static constexpr std::size_t kMaxWebSocketParams = 64;

 private:
  explicit Signer(Hmac hmac) : hmac_(std::move(hmac)) {}
  Hmac hmac_;
};

}  // namespace tradingd::gateways::binance
