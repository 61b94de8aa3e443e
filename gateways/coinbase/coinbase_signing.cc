#include "gateways/coinbase/coinbase_signing.h"

#include <openssl/crypto.h>

#include <string>
#include <utility>

namespace tradingd::gateways::coinbase {

core::Result<ExchangeSigner> ExchangeSigner::Create(std::string_view base64_secret) {
  std::string key;
  if (const Base64Error error = Base64Decode(base64_secret, &key); error != Base64Error::kOk) {
    return core::Status(
        core::ErrorCode::kInvalidConfig,
        std::string("Coinbase API secret is not base64: ") + Base64ErrorName(error));
  }
  if (key.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Coinbase API secret is empty");
  }
  auto hmac = Hmac::Create(HashAlgorithm::kSha256, key);
  OPENSSL_cleanse(key.data(), key.size());
  if (!hmac.ok()) return hmac.status();
  return ExchangeSigner(std::move(hmac).value());
}

bool ExchangeSigner::Sign(std::string_view timestamp, std::string_view method,
                          std::string_view request_path, std::string_view body,
                          ExchangeSignature* out) {
  Digest mac;
  if (!hmac_.Begin() || !hmac_.Update(timestamp) || !hmac_.Update(method) ||
      !hmac_.Update(request_path) || !hmac_.Update(body) || !hmac_.Finish(&mac)) {
    return false;
  }
  Base64EncodeTo(mac.view(), out->text);
  return true;
}

bool ExchangeSigner::Verify(std::string_view timestamp, std::string_view method,
                            std::string_view request_path, std::string_view body,
                            std::string_view signature) {
  ExchangeSignature expected;
  if (!Sign(timestamp, method, request_path, body, &expected)) return false;
  // The length is public (always 44); the content is compared without an early exit.
  return signature.size() == kExchangeSignatureChars &&
         CRYPTO_memcmp(signature.data(), expected.text, kExchangeSignatureChars) == 0;
}

}  // namespace tradingd::gateways::coinbase
