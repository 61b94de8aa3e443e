// gateways/kraken/kraken_signing.h: Kraken's worked example from its "Spot REST Authentication"
// guide, copied from /work/shared/fixtures/signing-vectors.md, then the parts of the rule the
// example alone does not pin down (the raw SHA-256 digest, the decoded secret) and the refusals.

#include "gateways/kraken/kraken_signing.h"

#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>
#include <utility>

namespace tradingd::gateways::kraken {
namespace {

// Kraken's documentation example (not a live key).
constexpr std::string_view kSecret =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
constexpr std::string_view kNonce = "1616492376594";
constexpr std::string_view kPath = "/0/private/AddOrder";
constexpr std::string_view kBody =
    "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25";
constexpr std::string_view kApiSign =
    "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==";

Signer MakeSigner(std::string_view secret = kSecret) {
  auto signer = Signer::Create(secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

TEST(KrakenSigning, AddOrderMatchesKrakensPublishedExample) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign(kPath, kNonce, kBody, &signature));
  EXPECT_EQ(signature.view(), kApiSign);
  EXPECT_EQ(signature.view().size(), 88u);
}

TEST(KrakenSigning, SignsTheRawDigestWithTheDecodedSecret) {
  // The rule rebuilt here from Hmac and OpenSSL's SHA256: equal with the raw 32-byte digest and the
  // decoded key, different with the digest's hex text or the secret's base64 text as the key.
  std::string key;
  ASSERT_EQ(Base64Decode(kSecret, &key), Base64Error::kOk);
  const std::string inner_message = std::string(kNonce) + std::string(kBody);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(inner_message.data()), inner_message.size(),
         digest);
  const std::string raw(reinterpret_cast<const char*>(digest), sizeof(digest));

  auto MacOf = [](std::string_view hmac_key, const std::string& message) {
    auto hmac = Hmac::Create(HashAlgorithm::kSha512, hmac_key);
    EXPECT_TRUE(hmac.ok());
    Digest mac;
    EXPECT_TRUE(hmac->Sign(message, &mac));
    return Base64Encode(mac.view());
  };
  const std::string right = MacOf(key, std::string(kPath) + raw);
  const std::string hex_digest = MacOf(key, std::string(kPath) + HexEncode(raw));
  const std::string text_key = MacOf(kSecret, std::string(kPath) + raw);

  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign(kPath, kNonce, kBody, &signature));
  EXPECT_EQ(signature.view(), right);
  EXPECT_NE(signature.view(), hex_digest);
  EXPECT_NE(signature.view(), text_key);
}

TEST(KrakenSigning, EveryPartOfTheRequestCounts) {
  Signer signer = MakeSigner();
  Signature base, other;
  ASSERT_TRUE(signer.Sign(kPath, kNonce, kBody, &base));
  ASSERT_TRUE(signer.Sign("/0/private/CancelOrder", kNonce, kBody, &other));
  EXPECT_NE(base.view(), other.view());
  ASSERT_TRUE(signer.Sign(kPath, "1616492376595", kBody, &other));
  EXPECT_NE(base.view(), other.view());
  ASSERT_TRUE(signer.Sign(kPath, kNonce, "nonce=1616492376594&ordertype=limit", &other));
  EXPECT_NE(base.view(), other.view());
  // nonce and body are hashed as one string: a character moved between them changes nothing.
  ASSERT_TRUE(signer.Sign(kPath, "161649237659", std::string("4") + std::string(kBody), &other));
  EXPECT_EQ(base.view(), other.view());
}

TEST(KrakenSigning, VerifyAcceptsOnlyTheExactSignature) {
  Signer signer = MakeSigner();
  EXPECT_TRUE(signer.Verify(kPath, kNonce, kBody, kApiSign));
  std::string changed(kApiSign);
  changed[0] = '5';
  EXPECT_FALSE(signer.Verify(kPath, kNonce, kBody, changed));
  // base64 is case-sensitive: a lower-cased character is another signature.
  changed = std::string(kApiSign);
  const std::size_t upper = changed.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
  ASSERT_NE(upper, std::string::npos);
  changed[upper] = static_cast<char>(changed[upper] - 'A' + 'a');
  EXPECT_FALSE(signer.Verify(kPath, kNonce, kBody, changed));
  EXPECT_FALSE(signer.Verify(kPath, kNonce, kBody, kApiSign.substr(0, 86)));
  EXPECT_FALSE(signer.Verify(kPath, kNonce, kBody, ""));
  // Another nonce (the body still carries the old one).
  EXPECT_FALSE(signer.Verify(kPath, "1616492376595", kBody, kApiSign));
  Signer other = MakeSigner("c2VjcmV0");  // "secret"
  EXPECT_FALSE(other.Verify(kPath, kNonce, kBody, kApiSign));
}

TEST(KrakenSigning, RefusesSecretsThatAreNotStrictBase64WithoutEchoingThem) {
  const std::string with_newline = std::string(kSecret) + "\n";
  const std::string url_safe =
      "kQH5HW_8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9q"
      "a99HAZtuZuj6F1huXg==";
  const std::string cut = std::string(kSecret.substr(0, 86));
  for (std::string_view bad :
       {std::string_view(with_newline), std::string_view(url_safe), std::string_view(cut),
        std::string_view("hunter2 is my secret!"), std::string_view("c2VjcmV0Zh==")}) {
    auto signer = Signer::Create(bad);
    ASSERT_FALSE(signer.ok()) << bad;
    EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
    const std::string message = signer.status().message();
    EXPECT_EQ(message.find(bad), std::string::npos) << "the secret must not appear in the error";
    // Not even a long piece of it.
    EXPECT_EQ(message.find(bad.substr(0, 8)), std::string::npos) << message;
  }
  auto empty = Signer::Create("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), core::ErrorCode::kInvalidConfig);
}

}  // namespace
}  // namespace tradingd::gateways::kraken
