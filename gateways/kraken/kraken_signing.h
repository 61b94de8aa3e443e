#pragma once
// Kraken Spot REST request signing (the API-Sign header of every /0/private/ call):
//
//   API-Sign = base64( HMAC-SHA512( key = base64decode(api_secret),
//                                   message = uri_path ‖ SHA256(nonce ‖ post_data) ) )
//
// uri_path is the path alone ("/0/private/AddOrder"), the SHA-256 digest enters as its raw 32
// bytes (not hex), and post_data is the body exactly as sent, which carries the same nonce as one
// of its fields ("nonce=1616492376594&ordertype=limit&..."). The API key goes in the API-Key
// header. Kraken's "Spot REST Authentication" guide publishes a worked example; the tests check
// against it.
//
// The secret is decoded once and keyed into an Hmac: signing allocates nothing. A secret that is
// not strict base64 is refused at Create, since HMAC would otherwise accept any bytes and every
// signature would fail at the venue with no hint why. No Status ever holds the secret.
//
// Thread contract: a Signer is used by one thread at a time (see gateways::Hmac).

#include <cstddef>
#include <string_view>
#include <utility>

#include "core/status.h"
#include "gateways/common/hmac.h"

namespace tradingd::gateways::kraken {

inline constexpr std::string_view kApiKeyHeader = "API-Key";
inline constexpr std::string_view kSignatureHeader = "API-Sign";

// base64 of a SHA-512 MAC: 88 characters.
inline constexpr std::size_t kSignatureChars = Base64EncodedSize(64);

struct Signature {
  char text[kSignatureChars] = {};
  std::string_view view() const { return std::string_view(text, kSignatureChars); }
};

class Signer {
 public:
  // `base64_secret` as Kraken hands it out (base64 of the raw key).
  static core::Result<Signer> Create(std::string_view base64_secret);

  // False only on an OpenSSL failure.
  [[nodiscard]] bool Sign(std::string_view uri_path, std::string_view nonce,
                          std::string_view post_data, Signature* out);
  // Whether `signature` is this secret's for that request, compared in constant time (the sandbox
  // venue checks clients with it).
  [[nodiscard]] bool Verify(std::string_view uri_path, std::string_view nonce,
                            std::string_view post_data, std::string_view signature);

 private:
  explicit Signer(Hmac hmac) : hmac_(std::move(hmac)) {}
  Hmac hmac_;
};

}  // namespace tradingd::gateways::kraken
