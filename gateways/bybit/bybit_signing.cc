#include "gateways/bybit/bybit_signing.h"

#include <openssl/crypto.h>

#include <array>
#include <cstring>

namespace tradingd::gateways::bybit {
namespace {

// The two lower-case hex digits of every byte value: one 2-byte copy per byte, about three times
// faster than a digit at a time (which was a tenth of a signature).
constexpr std::array<char, 512> MakeHexPairs() {
  constexpr char kDigits[] = "0123456789abcdef";
  std::array<char, 512> pairs{};
  for (std::size_t b = 0; b < 256; ++b) {
    pairs[2 * b] = kDigits[b >> 4];
    pairs[2 * b + 1] = kDigits[b & 15];
  }
  return pairs;
}
constexpr std::array<char, 512> kHexPairs = MakeHexPairs();

void HexTo(const Digest& mac, char* out) {
  for (std::size_t i = 0; i < mac.size; ++i) {
    std::memcpy(out + 2 * i, &kHexPairs[2 * std::size_t{mac.bytes[i]}], 2);
  }
}

bool SameSignature(std::string_view signature, const Signature& expected) {
  // The length is public (always 64); the content is compared without an early exit.
  return signature.size() == kSignatureChars &&
         CRYPTO_memcmp(signature.data(), expected.text, kSignatureChars) == 0;
}

}  // namespace

core::Result<Signer> Signer::Create(std::string_view api_key, std::string_view secret) {
  if (api_key.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Bybit API key is empty");
  }
  if (secret.empty()) {
    return core::Status(core::ErrorCode::kInvalidConfig, "Bybit API secret is empty");
  }
  auto hmac = Hmac::Create(HashAlgorithm::kSha256, secret);
  if (!hmac.ok()) return hmac.status();
  return Signer(std::string(api_key), std::move(hmac).value());
}

bool Signer::Sign(std::string_view timestamp, std::string_view recv_window,
                  std::string_view payload, Signature* out) {
  Digest mac;
  if (!hmac_.Begin() || !hmac_.Update(timestamp) || !hmac_.Update(api_key_) ||
      !hmac_.Update(recv_window) || !hmac_.Update(payload) || !hmac_.Finish(&mac)) {
    return false;
  }
  HexTo(mac, out->text);
  return true;
}

bool Signer::SignWebSocketAuth(std::string_view expires, Signature* out) {
  Digest mac;
  if (!hmac_.Begin() || !hmac_.Update(kWebSocketSignPrefix) || !hmac_.Update(expires) ||
      !hmac_.Finish(&mac)) {
    return false;
  }
  HexTo(mac, out->text);
  return true;
}

bool Signer::Verify(std::string_view timestamp, std::string_view recv_window,
                    std::string_view payload, std::string_view signature) {
  Signature expected;
  return Sign(timestamp, recv_window, payload, &expected) && SameSignature(signature, expected);
}

bool Signer::VerifyWebSocketAuth(std::string_view expires, std::string_view signature) {
  Signature expected;
  return SignWebSocketAuth(expires, &expected) && SameSignature(signature, expected);
}

}  // namespace tradingd::gateways::bybit
