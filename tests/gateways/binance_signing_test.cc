// gateways/binance/binance_signing.h: Binance's own published HMAC examples, REST and WebSocket
// API, copied from /work/shared/fixtures/signing-vectors.md (sources: binance/binance-spot-api-docs
// rest-api.md "SIGNED Endpoint Examples for POST /api/v3/order",
// binance/binance-signature-examples, and the WebSocket API's "SIGNED request example (HMAC)"),
// plus the REST docs' Example 3 (query string and body mixed), which the same rest-api.md
// publishes:
//
//   echo -n
//   "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
//     | openssl dgst -sha256 -hmac
//     "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
//   (stdin)= 0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77

#include "gateways/binance/binance_signing.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <utility>
#include <vector>

namespace tradingd::gateways::binance {
namespace {

// Binance's documentation key pair (not a live key).
constexpr std::string_view kApiKey =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr std::string_view kSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

constexpr std::string_view kOrderParams =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
    "timestamp=1499827319559";
constexpr std::string_view kOrderSignature =
    "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";

constexpr std::string_view kWebSocketPayload =
    "apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&"
    "quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&"
    "timestamp=1645423376532&type=LIMIT";
constexpr std::string_view kWebSocketSignature =
    "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24";

Signer MakeSigner(std::string_view secret = kSecret) {
  auto signer = Signer::Create(secret);
  EXPECT_TRUE(signer.ok()) << signer.status().ToString();
  return std::move(signer).value();
}

// The WebSocket example's params in the order the docs' request lists them (not sorted), with the
// signature the request finally carries.
std::vector<WebSocketParam> WebSocketOrderParams() {
  return {{"symbol", "BTCUSDT"},      {"side", "SELL"},
          {"type", "LIMIT"},          {"timeInForce", "GTC"},
          {"quantity", "0.01000000"}, {"price", "52000.00"},
          {"recvWindow", "100"},      {"timestamp", "1645423376532"},
          {"apiKey", kApiKey},        {"signature", kWebSocketSignature}};
}

TEST(BinanceSigning, RestOrderInTheQueryStringMatchesTheDocs) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign(kOrderParams, "", &signature));
  EXPECT_EQ(signature.view(), kOrderSignature);
}

TEST(BinanceSigning, RestOrderInTheBodyMatchesTheDocs) {
  // Example 2 of the docs: the same params as a form body sign the same.
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("", kOrderParams, &signature));
  EXPECT_EQ(signature.view(), kOrderSignature);
}

TEST(BinanceSigning, MixedQueryAndBodyAreConcatenatedWithoutASeparator) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                          "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559",
                          &signature));
  EXPECT_EQ(signature.view(), "0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

TEST(BinanceSigning, SignatureExamplesRepositoryVector) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.Sign("timestamp=1578963600000", "", &signature));
  EXPECT_EQ(signature.view(), "d84e6641b1e328e7b418fff030caed655c266299c9355e36ce801ed14631eed4");
}

TEST(BinanceSigning, WebSocketPayloadIsSortedAndLeavesOutTheSignature) {
  std::string payload = "left over from an earlier call";
  BuildWebSocketPayload(WebSocketOrderParams(), &payload);
  EXPECT_EQ(payload, kWebSocketPayload);
}

TEST(BinanceSigning, WebSocketOrderMatchesTheDocs) {
  Signer signer = MakeSigner();
  Signature signature;
  ASSERT_TRUE(signer.SignWebSocket(WebSocketOrderParams(), &signature));
  EXPECT_EQ(signature.view(), kWebSocketSignature);
  // The payload signed as a plain string gives the same.
  Signature from_text;
  ASSERT_TRUE(signer.Sign(kWebSocketPayload, "", &from_text));
  EXPECT_EQ(from_text.view(), kWebSocketSignature);
  EXPECT_TRUE(signer.VerifyWebSocket(WebSocketOrderParams(), kWebSocketSignature));
}

TEST(BinanceSigning, WebSocketSortIsByteOrderAndStableForRepeatedNames) {
  // Upper case sorts before lower case in byte order; repeated names keep their order.
  const std::vector<WebSocketParam> params = {
      {"b", "2"}, {"a", "second"}, {"B", "1"}, {"a", "first"}};
  std::string payload;
  BuildWebSocketPayload(params, &payload);
  EXPECT_EQ(payload, "B=1&a=second&a=first&b=2");
  Signer signer = MakeSigner();
  Signature streamed, from_text;
  ASSERT_TRUE(signer.SignWebSocket(params, &streamed));
  ASSERT_TRUE(signer.Sign(payload, "", &from_text));
  EXPECT_EQ(streamed.view(), from_text.view());
}

TEST(BinanceSigning, WebSocketPayloadsOfAnyLengthSignAsTheirText) {
  // Short payloads are assembled in a stack buffer, long ones hashed piece by piece: around the
  // buffer's size both must sign exactly what BuildWebSocketPayload writes.
  Signer signer = MakeSigner();
  for (std::size_t size : {0, 1, 900, 1000, 1010, 1024, 1100, 5000}) {
    const std::string long_value(size, 'v');
    const std::vector<WebSocketParam> params = {
        {"timestamp", "1645423376532"}, {"note", long_value}, {"apiKey", kApiKey}};
    std::string payload;
    BuildWebSocketPayload(params, &payload);
    Signature streamed, from_text;
    ASSERT_TRUE(signer.SignWebSocket(params, &streamed)) << size;
    ASSERT_TRUE(signer.Sign(payload, "", &from_text)) << size;
    EXPECT_EQ(streamed.view(), from_text.view()) << size;
  }
}

TEST(BinanceSigning, WebSocketRefusesMoreParamsThanItSortsOnTheStack) {
  std::vector<std::string> names;
  for (std::size_t i = 0; i <= Signer::kMaxWebSocketParams; ++i)
    names.push_back("p" + std::to_string(i));
  std::vector<WebSocketParam> params;
  for (const std::string& name : names) params.push_back({name, "1"});
  Signer signer = MakeSigner();
  Signature signature;
  EXPECT_FALSE(signer.SignWebSocket(params, &signature));
  params.pop_back();
  EXPECT_TRUE(signer.SignWebSocket(params, &signature));
}

TEST(BinanceSigning, VerifyAcceptsTheSignatureInEitherCaseAndNothingElse) {
  Signer signer = MakeSigner();
  EXPECT_TRUE(signer.Verify(kOrderParams, "", kOrderSignature));
  // Binance: "Signatures generated using HMAC are not case-sensitive."
  std::string upper(kOrderSignature);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(signer.Verify(kOrderParams, "", upper));

  std::string changed(kOrderSignature);
  changed[10] = changed[10] == '0' ? '1' : '0';
  EXPECT_FALSE(signer.Verify(kOrderParams, "", changed));
  EXPECT_FALSE(signer.Verify(kOrderParams, "", kOrderSignature.substr(0, 63)));
  EXPECT_FALSE(signer.Verify(kOrderParams, "", std::string(kOrderSignature) + "0"));
  EXPECT_FALSE(signer.Verify(kOrderParams, "", ""));
  // A different timestamp in the params.
  std::string other_time(kOrderParams);
  other_time.back() = '0';
  EXPECT_FALSE(signer.Verify(other_time, "", kOrderSignature));
  // Another secret.
  Signer other = MakeSigner("another secret");
  EXPECT_FALSE(other.Verify(kOrderParams, "", kOrderSignature));
}

TEST(BinanceSigning, RefusesAnEmptySecret) {
  auto signer = Signer::Create("");
  ASSERT_FALSE(signer.ok());
  EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
}

}  // namespace
}  // namespace tradingd::gateways::binance
