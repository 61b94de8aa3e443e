#include "gateways/kraken/kraken_signing.h"

// SHA256_Init and friends are deprecated in OpenSSL 3 but not removed; a SHA256_CTX on the stack
// hashes without the allocation and provider look-up of an EVP_MD_CTX (as in gateways/common).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <string>

namespace tradingd::gateways::kraken {

core::Result<Signer> Signer::Create(std::string_view base64_secret) {
  std::string key;
  if (const Base64Error error = Base64Decode(base64_secret, &key); error != Base64Error::kOk) {
    return core::Status(core::ErrorCode::kInvalidConfig,
                        std::string("Kraken API secret is not base64: ") + Base64ErrorName(error));
  }
  if (key.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Kraken API secret is empty");
  }
  auto hmac = Hmac::Create(HashAlgorithm::kSha512, key);
  OPENSSL_cleanse(key.data(), key.size());
  if (!hmac.ok()) return hmac.status();
  return Signer(std::move(hmac).value());
}

bool Signer::Sign(std::string_view uri_path, std::string_view nonce, std::string_view post_data,
                  Signature* out) {
  unsigned char inner[SHA256_DIGEST_LENGTH];
  SHA256_CTX sha;
  if (SHA256_Init(&sha) != 1 || SHA256_Update(&sha, nonce.data(), nonce.size()) != 1 ||
      SHA256_Update(&sha, post_data.data(), post_data.size()) != 1 ||
      SHA256_Final(inner, &sha) != 1) {
    return false;
  }
  Digest mac;
  if (!hmac_.Begin() || !hmac_.Update(uri_path) ||
      !hmac_.Update(std::string_view(reinterpret_cast<const char*>(inner), sizeof(inner))) ||
      !hmac_.Finish(&mac)) {
    return false;
  }
  Base64EncodeTo(mac.view(), out->text);
  return true;
}

bool Signer::Verify(std::string_view uri_path, std::string_view nonce, std::string_view post_data,
                    std::string_view signature) {
  Signature expected;
  if (!Sign(uri_path, nonce, post_data, &expected)) return false;
  // The length is public (always 88); the content is compared without an early exit.
  return signature.size() == kSignatureChars &&
         CRYPTO_memcmp(signature.data(), expected.text, kSignatureChars) == 0;
}

}  // namespace tradingd::gateways::kraken
