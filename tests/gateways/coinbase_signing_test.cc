// gateways/coinbase/coinbase_signing.h: the Coinbase Exchange signature
//   base64(HMAC-SHA256(base64decode(secret), timestamp + method + request_path + body)).
// /work/shared/fixtures/signing-vectors.md notes that Coinbase publishes no worked example, so the
// expected values below were computed independently, outside this code base, with the OpenSSL
// command line (and cross-checked with Python's hmac module):
//
//   SECRET=7z/7tRA09nlxFh6Y4DTmp67jdX3s83rsdqF+UVYIzOhudAw/F17U0l2rlT/B2ZLoVoVXgRoE0Wmmg6Q9HzafrA==
//   HEX=$(printf %s "$SECRET" | openssl base64 -d -A | xxd -p | tr -d '\n')
//   printf %s '1700000000GET/users/self/verify' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$HEX -binary | openssl base64 -A
//   → HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU=
//   printf %s
//   '1700000000.123POST/orders{"product_id":"BTC-USD","side":"buy","price":"1.0","size":"1.0"}' |
//     openssl dgst -sha256 -mac HMAC -macopt hexkey:$HEX -binary | openssl base64 -A
//   → o8bdqrRpJKfa8EUppMDAPXnIcyTfpeSF5tbIhc6DmMA=
//
// (The secret is random bytes made for this test with `openssl rand -base64 64`, not a real key.)

#include "gateways/coinbase/coinbase_signing.h"

#include <gtest/gtest.h>

#include <string>

namespace tradingd::gateways::coinbase {
namespace {

constexpr std::string_view kSecret =
    "7z/7tRA09nlxFh6Y4DTmp67jdX3s83rsdqF+UVYIzOhudAw/F17U0l2rlT/B2ZLoVoVXgRoE0Wmmg6Q9HzafrA==";
constexpr std::string_view kOrderBody =
    R"({"product_id":"BTC-USD","side":"buy","price":"1.0","size":"1.0"})";

ExchangeSigner Signer(std::string_view secret = kSecret) {
  auto signer = ExchangeSigner::Create(secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

TEST(CoinbaseExchangeSigning, WebSocketSubscribeMatchesOpenSslCli) {
  ExchangeSigner signer = Signer();
  ExchangeSignature signature;
  ASSERT_TRUE(signer.SignWebSocketSubscribe("1700000000", &signature));
  EXPECT_EQ(signature.view(), "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU=");
  // The same through the general form: GET, /users/self/verify, no body.
  ExchangeSignature general;
  ASSERT_TRUE(signer.Sign("1700000000", "GET", "/users/self/verify", "", &general));
  EXPECT_EQ(general.view(), signature.view());
}

TEST(CoinbaseExchangeSigning, RestOrderWithBodyMatchesOpenSslCli) {
  ExchangeSigner signer = Signer();
  ExchangeSignature signature;
  ASSERT_TRUE(signer.Sign("1700000000.123", "POST", "/orders", kOrderBody, &signature));
  EXPECT_EQ(signature.view(), "o8bdqrRpJKfa8EUppMDAPXnIcyTfpeSF5tbIhc6DmMA=");
}

TEST(CoinbaseExchangeSigning, SignsWithTheDecodedSecretNotItsText) {
  // The same rule computed here with Hmac over the concatenated message: equal with the decoded
  // key, different with the base64 text used as the key (the classic mistake).
  std::string key;
  ASSERT_EQ(Base64Decode(kSecret, &key), Base64Error::kOk);
  ASSERT_EQ(key.size(), 64u);
  const std::string message = "1700000001GET/users/self/verify";
  auto right = Hmac::Create(HashAlgorithm::kSha256, key);
  auto wrong = Hmac::Create(HashAlgorithm::kSha256, kSecret);
  ASSERT_TRUE(right.ok());
  ASSERT_TRUE(wrong.ok());
  Digest right_mac, wrong_mac;
  ASSERT_TRUE(right->Sign(message, &right_mac));
  ASSERT_TRUE(wrong->Sign(message, &wrong_mac));

  ExchangeSigner signer = Signer();
  ExchangeSignature signature;
  ASSERT_TRUE(signer.SignWebSocketSubscribe("1700000001", &signature));
  EXPECT_EQ(signature.view(), Base64Encode(right_mac.view()));
  EXPECT_NE(signature.view(), Base64Encode(wrong_mac.view()));
}

TEST(CoinbaseExchangeSigning, EveryPartOfTheMessageCounts) {
  ExchangeSigner signer = Signer();
  ExchangeSignature base, other;
  ASSERT_TRUE(signer.Sign("1700000000", "GET", "/orders", "", &base));
  ASSERT_TRUE(signer.Sign("1700000001", "GET", "/orders", "", &other));
  EXPECT_NE(base.view(), other.view());
  ASSERT_TRUE(signer.Sign("1700000000", "get", "/orders", "", &other));
  EXPECT_NE(base.view(), other.view());
  ASSERT_TRUE(signer.Sign("1700000000", "GET", "/orders?limit=1", "", &other));
  EXPECT_NE(base.view(), other.view());
  ASSERT_TRUE(signer.Sign("1700000000", "GET", "/orders", "{}", &other));
  EXPECT_NE(base.view(), other.view());
  // Only the concatenation is signed: moving a character between parts changes nothing.
  ASSERT_TRUE(signer.Sign("1700000000G", "ET", "/orders", "", &other));
  EXPECT_EQ(base.view(), other.view());
}

TEST(CoinbaseExchangeSigning, VerifyAcceptsOnlyTheExactSignature) {
  ExchangeSigner signer = Signer();
  EXPECT_TRUE(signer.Verify("1700000000", "GET", "/users/self/verify", "",
                            "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU="));
  EXPECT_FALSE(signer.Verify("1700000000", "GET", "/users/self/verify", "",
                             "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAV="));
  EXPECT_FALSE(signer.Verify("1700000000", "GET", "/users/self/verify", "",
                             "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU"));
  EXPECT_FALSE(signer.Verify("1700000000", "GET", "/users/self/verify", "", ""));
  EXPECT_FALSE(signer.Verify("1700000009", "GET", "/users/self/verify", "",
                             "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU="));
  ExchangeSigner other_key = Signer("c2VjcmV0");  // "secret"
  EXPECT_FALSE(other_key.Verify("1700000000", "GET", "/users/self/verify", "",
                                "HITfZyNgUknB/3yLUYqzbAxpOViNlS8vG0t8wNjEyAU="));
}

TEST(CoinbaseExchangeSigning, RefusesSecretsThatAreNotStrictBase64WithoutEchoingThem) {
  const std::string secret_like = "not base64 at all! hunter2";
  for (std::string_view bad : {std::string_view(secret_like), std::string_view(""),
                               std::string_view("c2VjcmV0\n"),    // a trailing newline from a file
                               std::string_view("c2VjcmV0-_8="),  // URL-safe alphabet
                               std::string_view("c2VjcmV0Zh==")}) {
    auto signer = ExchangeSigner::Create(bad);
    ASSERT_FALSE(signer.ok()) << bad;
    EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
    if (!bad.empty()) {
      EXPECT_EQ(signer.status().message().find(bad), std::string::npos)
          << "the secret must not appear in the error";
    }
  }
}

}  // namespace
}  // namespace tradingd::gateways::coinbase
