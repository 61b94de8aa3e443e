// gateways/okx/okx_signing.h: OKX publishes the rule but no worked example, so the expected values
// below were computed outside this code base with Python's hmac module (the first cross-checked
// with the OpenSSL command line). The secret, timestamps, paths and bodies are the examples of
// OKX's own v5 docs ("REST Authentication", "WebSocket Login", "Place order"); the secret is OKX's
// documentation sample, not a live key.

#include "gateways/okx/okx_signing.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace tradingd::gateways::okx {
namespace {

constexpr std::string_view kSecret = "22582BD0CFF14C41EDBF1AB98506286D";
constexpr std::string_view kTimestamp = "2020-12-08T09:08:57.715Z";
constexpr std::string_view kOrderBody =
    R"({"instId":"BTC-USDT","tdMode":"cash","clOrdId":"b15","side":"buy","ordType":"limit","px":"2.15","sz":"2"})";

// python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
//   b"22582BD0CFF14C41EDBF1AB98506286D",
//   b"2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC",
//   hashlib.sha256).digest()).decode())'
// printf %s '2020-12-08T09:08:57.715ZGET/api/v5/account/balance?ccy=BTC' |
//   openssl dgst -sha256 -hmac 22582BD0CFF14C41EDBF1AB98506286D -binary | openssl base64 -A
constexpr std::string_view kBalanceSign = "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=";

// python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
//   b"22582BD0CFF14C41EDBF1AB98506286D",
//   b"2020-12-08T09:08:57.715ZPOST/api/v5/trade/order{\"instId\":\"BTC-USDT\",\"tdMode\":\"cash\",\"clOrdId\":\"b15\",\"side\":\"buy\",\"ordType\":\"limit\",\"px\":\"2.15\",\"sz\":\"2\"}",
//   hashlib.sha256).digest()).decode())'
constexpr std::string_view kOrderSign = "dI6rrL9rXW/HdaPKJ/6LC1OgvH4/PYju6R3CqixMTNQ=";

// python3 -c 'import hmac,hashlib,base64; print(base64.b64encode(hmac.new(
//   b"22582BD0CFF14C41EDBF1AB98506286D", b"1538054050GET/users/self/verify",
//   hashlib.sha256).digest()).decode())'
constexpr std::string_view kLoginSign = "+LdIr8lkkvhr5hoA3g9TMC0+uQJ849ftAcocA/ouu4M=";

Signer MakeSigner(std::string_view secret = kSecret) {
  auto signer = Signer::Create(secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

std::string Iso(std::int64_t unix_ms) {
  IsoTimestamp timestamp;
  EXPECT_TRUE(FormatIsoTimestamp(unix_ms, &timestamp)) << unix_ms;
  return std::string(timestamp.view());
}

// Expected texts from Python:
// python3 -c 'from datetime import datetime, timezone; ms = 1607418537715;
//   print(datetime.fromtimestamp(ms/1000, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
//         + "%03dZ" % (ms % 1000))'
TEST(OkxSigning, FormatsIsoTimestampsLikePython) {
  EXPECT_EQ(Iso(1607418537715), "2020-12-08T09:08:57.715Z");  // OKX's docs example
  EXPECT_EQ(Iso(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(Iso(1709251199999), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(Iso(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(Iso(4107542400005), "2100-03-01T00:00:00.005Z");  // 2100 is not a leap year
  EXPECT_EQ(Iso(253402300799999), "9999-12-31T23:59:59.999Z");
}

TEST(OkxSigning, IsoTimestampRefusesWhatItCannotWriteAndLeavesTheBufferAlone) {
  IsoTimestamp timestamp;
  ASSERT_TRUE(FormatIsoTimestamp(1607418537715, &timestamp));
  EXPECT_FALSE(FormatIsoTimestamp(-1, &timestamp));
  EXPECT_FALSE(FormatIsoTimestamp(253402300800000, &timestamp));  // year 10000
  EXPECT_EQ(timestamp.view(), "2020-12-08T09:08:57.715Z");
}

TEST(OkxSigning, RestGetWithQueryMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign(kTimestamp, "GET", "/api/v5/account/balance?ccy=BTC", "", &signature));
  EXPECT_EQ(signature.view(), kBalanceSign);
}

TEST(OkxSigning, RestOrderWithBodyMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(
      signer.Sign(Iso(1607418537715), "POST", "/api/v5/trade/order", kOrderBody, &signature));
  EXPECT_EQ(signature.view(), kOrderSign);
}

TEST(OkxSigning, WebSocketLoginMatchesPython) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.SignWebSocketLogin("1538054050", &signature));
  EXPECT_EQ(signature.view(), kLoginSign);
  EXPECT_TRUE(signer.VerifyWebSocketLogin("1538054050", kLoginSign));
  EXPECT_FALSE(signer.VerifyWebSocketLogin("1538054051", kLoginSign));
}

TEST(OkxSigning, TheSecretIsItsTextNotHexDecoded) {
  // OKX secrets look like hex, but the key is their ASCII bytes.
  std::string decoded;
  ASSERT_TRUE(HexDecode(kSecret, &decoded));
  Signer hex_key = MakeSigner(decoded);
  Signature signature;
  ASSERT_TRUE(hex_key.SignWebSocketLogin("1538054050", &signature));
  EXPECT_NE(signature.view(), kLoginSign);
}

TEST(OkxSigning, VerifyAcceptsOnlyTheExactSignature) {
  Signer signer = MakeSigner();
  const std::string_view path = "/api/v5/account/balance?ccy=BTC";
  EXPECT_TRUE(signer.Verify(kTimestamp, "GET", path, "", kBalanceSign));
  std::string changed(kBalanceSign);
  changed[3] = changed[3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", path, "", changed));
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", path, "", kBalanceSign.substr(0, 43)));
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", path, "", std::string(kBalanceSign) + "="));
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", path, "", ""));
  // A different timestamp, method, path (the query counts) or body.
  EXPECT_FALSE(signer.Verify("2020-12-08T09:08:57.716Z", "GET", path, "", kBalanceSign));
  EXPECT_FALSE(signer.Verify(kTimestamp, "get", path, "", kBalanceSign));
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", "/api/v5/account/balance", "", kBalanceSign));
  EXPECT_FALSE(signer.Verify(kTimestamp, "GET", path, "{}", kBalanceSign));
}

TEST(OkxSigning, RefusesAnEmptySecret) {
  auto signer = Signer::Create("");
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
}

}  // namespace
}  // namespace tradingd::gateways::okx
