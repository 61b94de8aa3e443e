// gateways/bybit/bybit_signing.h: Bybit publishes the rule but no worked signature, so the expected
// values below were computed outside this code base with Python's hmac module (the WebSocket one
// cross-checked with the OpenSSL command line). The timestamps, api_key "XXXXXXXXXX", recv_window
// and query string are those of the plaintext examples in Bybit's v5 "Integration Guidance", the
// expires that of its WebSocket "Authentication" example; the secret is random text made for this
// test (`openssl rand -base64 40 | tr -dc A-Za-z0-9 | cut -c1-36`), not a live key.

#include "gateways/bybit/bybit_signing.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace tradingd::gateways::bybit {
namespace {

constexpr std::string_view kApiKey = "XXXXXXXXXX";
constexpr std::string_view kSecret = "2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki";
constexpr std::string_view kQuery = "category=option&symbol=BTC-29JUL22-25000-C";
constexpr std::string_view kOrderBody =
    R"({"category":"linear","symbol":"BTCUSDT","side":"Buy","orderType":"Limit","qty":"0.001","price":"25000","timeInForce":"GTC","orderLinkId":"tradingd-1"})";

// python3 -c 'import hmac,hashlib; print(hmac.new(b"2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki",
//   b"1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C",
//   hashlib.sha256).hexdigest())'
constexpr std::string_view kGetSign =
    "f95cc967900fa796ab2e7b03812b8a747c72625ab639d81cbfd6e9afc41ff542";

// python3 -c 'import hmac,hashlib; print(hmac.new(b"2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki",
//   b"1658385579423XXXXXXXXXX5000{\"category\":\"linear\",\"symbol\":\"BTCUSDT\",\"side\":\"Buy\",\"orderType\":\"Limit\",\"qty\":\"0.001\",\"price\":\"25000\",\"timeInForce\":\"GTC\",\"orderLinkId\":\"tradingd-1\"}",
//   hashlib.sha256).hexdigest())'
constexpr std::string_view kPostSign =
    "a97f33f13debc005e1e25768ff96bfae6f02cb713f55e64437070eede9e50bcc";

// python3 -c 'import hmac,hashlib; print(hmac.new(b"2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki",
//   b"1658384314791XXXXXXXXXXcategory=option&symbol=BTC-29JUL22-25000-C",
//   hashlib.sha256).hexdigest())'
constexpr std::string_view kGetSignWithoutRecvWindow =
    "94c6379253fa1b24a3e1c581fae3495ea6aaa08f8d214828153d7b6b26be928c";

// python3 -c 'import hmac,hashlib; print(hmac.new(b"2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki",
//   b"GET/realtime1662350400000", hashlib.sha256).hexdigest())'
// printf %s 'GET/realtime1662350400000' |
//   openssl dgst -sha256 -hmac 2MSue5lifg1tmH7pGOnPMcGA7QKRYojZHpki -r
constexpr std::string_view kWebSocketSign =
    "4c95646f492909b3dc51d5285ef229cc5bf40b971baa8d37d52b53ebe78cc3e8";

Signer MakeSigner(std::string_view api_key = kApiKey, std::string_view secret = kSecret) {
  auto signer = Signer::Create(api_key, secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

TEST(BybitSigning, GetWithQueryStringMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("1658384314791", "5000", kQuery, &signature));
  EXPECT_EQ(signature.view(), kGetSign);
}

TEST(BybitSigning, PostWithJsonBodyMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("1658385579423", "5000", kOrderBody, &signature));
  EXPECT_EQ(signature.view(), kPostSign);
}

TEST(BybitSigning, ARecvWindowLeftOutOfTheHeadersIsLeftOutOfTheMessage) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("1658384314791", "", kQuery, &signature));
  EXPECT_EQ(signature.view(), kGetSignWithoutRecvWindow);
}

TEST(BybitSigning, WebSocketAuthMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.SignWebSocketAuth("1662350400000", &signature));
  EXPECT_EQ(signature.view(), kWebSocketSign);
  EXPECT_TRUE(signer.VerifyWebSocketAuth("1662350400000", kWebSocketSign));
  EXPECT_FALSE(signer.VerifyWebSocketAuth("1662350400001", kWebSocketSign));
  // The WebSocket message has no api_key in it: another key with the same secret signs the same.
  Signer other_key = MakeSigner("YYYYYYYYYY");
  EXPECT_TRUE(other_key.VerifyWebSocketAuth("1662350400000", kWebSocketSign));
}

TEST(BybitSigning, TheApiKeyIsPartOfTheRestMessage) {
  Signer other_key = MakeSigner("YYYYYYYYYY");
  EXPECT_EQ(other_key.api_key(), "YYYYYYYYYY");
  EXPECT_FALSE(other_key.Verify("1658384314791", "5000", kQuery, kGetSign));
}

TEST(BybitSigning, VerifyAcceptsOnlyTheExactSignature) {
  Signer signer = MakeSigner();
  EXPECT_TRUE(signer.Verify("1658384314791", "5000", kQuery, kGetSign));
  std::string changed(kGetSign);
  changed[0] = changed[0] == 'f' ? 'e' : 'f';
  EXPECT_FALSE(signer.Verify("1658384314791", "5000", kQuery, changed));
  EXPECT_FALSE(signer.Verify("1658384314791", "5000", kQuery, kGetSign.substr(0, 63)));
  EXPECT_FALSE(signer.Verify("1658384314791", "5000", kQuery, std::string(kGetSign) + "0"));
  EXPECT_FALSE(signer.Verify("1658384314791", "5000", kQuery, ""));
  // A different timestamp, recv_window or payload.
  EXPECT_FALSE(signer.Verify("1658384314792", "5000", kQuery, kGetSign));
  EXPECT_FALSE(signer.Verify("1658384314791", "10000", kQuery, kGetSign));
  EXPECT_FALSE(signer.Verify("1658384314791", "5000", "symbol=BTC-29JUL22-25000-C&category=option",
                             kGetSign));
  Signer other_secret = MakeSigner(kApiKey, "another secret");
  EXPECT_FALSE(other_secret.Verify("1658384314791", "5000", kQuery, kGetSign));
}

TEST(BybitSigning, RefusesAnEmptyKeyOrSecret) {
  for (const auto& [key, secret] :
       {std::pair<std::string_view, std::string_view>{"", kSecret}, {kApiKey, ""}}) {
    auto signer = Signer::Create(key, secret);
    ASSERT_FALSE(signer.ok());
    EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
  }
}

}  // namespace
}  // namespace tradingd::gateways::bybit
