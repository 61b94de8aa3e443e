// gateways/coinbase/coinbase_jwt.h: the Advanced Trade ES256 JWT. ECDSA signatures are randomized
// and Coinbase publishes no token to compare with, so each token is checked independently of the
// code under test: its parts are decoded here with OpenSSL's EVP_DecodeBlock, the header and claims
// compared with the field set of Coinbase's "Advanced Trade API Authentication" samples (PyJWT with
// {"sub", "iss": "cdp", "nbf", "exp": nbf + 120, "uri": "<METHOD> <host><path>"} and header
// {"kid", "nonce"}, alg ES256 and typ JWT added by PyJWT), and the r‖s signature converted back to
// DER with OpenSSL's ECDSA_SIG and checked with EVP_DigestVerify. Tokens for the verifier's
// refusals are minted here with EVP_DigestSign, so each one fails for the one reason it is made
// for.

#include "gateways/coinbase/coinbase_jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tradingd::gateways::coinbase {
namespace {

constexpr std::string_view kKeyName =
    "organizations/7ffbb587-c89b-49a7-8e49-45186964fa12/apiKeys/"
    "afd4070c-a484-4c53-98a4-080efcef64d9";
constexpr std::int64_t kNow = 1700000000;
constexpr std::string_view kOrdersPath = "/api/v3/brokerage/orders";
constexpr std::string_view kOrdersUri = "POST api.coinbase.com/api/v3/brokerage/orders";

// ---- independent helpers (OpenSSL only) ----

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

PkeyPtr ReadPrivateKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string text(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  text.resize(static_cast<std::size_t>(n));
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

std::string Base64UrlDecode(std::string_view text) {
  std::string standard(text);
  for (char& c : standard) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  std::size_t padding = 0;
  while (standard.size() % 4 != 0) {
    standard.push_back('=');
    ++padding;
  }
  std::string bytes(standard.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(standard.data()),
                                static_cast<int>(standard.size()));
  EXPECT_GE(n, 0) << text;
  bytes.resize(n < 0 ? 0 : static_cast<std::size_t>(n) - padding);
  return bytes;
}

struct Parts {
  std::string header_b64, claims_b64, signature_b64;
  std::string header, claims, signature;
};

Parts Split(const std::string& jwt) {
  Parts parts;
  const std::size_t a = jwt.find('.');
  const std::size_t b = jwt.find('.', a + 1);
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  EXPECT_EQ(jwt.find('.', b + 1), std::string::npos);
  parts.header_b64 = jwt.substr(0, a);
  parts.claims_b64 = jwt.substr(a + 1, b - a - 1);
  parts.signature_b64 = jwt.substr(b + 1);
  parts.header = Base64UrlDecode(parts.header_b64);
  parts.claims = Base64UrlDecode(parts.claims_b64);
  parts.signature = Base64UrlDecode(parts.signature_b64);
  return parts;
}

// EVP_DigestVerify of the JWS signing input with the r‖s converted back to DER.
bool OpenSslVerifies(EVP_PKEY* key, const std::string& jwt) {
  const Parts parts = Split(jwt);
  if (parts.signature.size() != 64) return false;
  const auto* raw = reinterpret_cast<const unsigned char*>(parts.signature.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  const std::string input = parts.header_b64 + "." + parts.claims_b64;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool ok =
      der_length > 0 && EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, der, static_cast<std::size_t>(der_length),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  OPENSSL_free(der);
  return ok;
}

// A token with exactly this header and these claims, signed ES256 with `key`.
std::string Mint(EVP_PKEY* key, std::string_view header, std::string_view claims) {
  const std::string input = Base64UrlEncode(header) + "." + Base64UrlEncode(claims);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned char der[80];
  std::size_t der_length = sizeof(der);
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx, der, &der_length,
                           reinterpret_cast<const unsigned char*>(input.data()), input.size()),
            1);
  EVP_MD_CTX_free(ctx);
  const unsigned char* p = der;
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length));
  EXPECT_NE(sig, nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return input + "." + Base64UrlEncode(raw);
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

constexpr std::string_view kNonceAndTyp =
    R"(,"nonce":"00112233445566778899aabbccddeeff","typ":"JWT")";

std::string Header(std::string_view alg = "ES256", std::string_view kid = kKeyName,
                   std::string_view extra = kNonceAndTyp) {
  return R"({"alg":)" + Quoted(alg) + R"(,"kid":)" + Quoted(kid) + std::string(extra) + "}";
}

std::string Claims(std::int64_t nbf, std::int64_t exp, std::string_view uri = kOrdersUri,
                   std::string_view iss = "cdp", std::string_view sub = kKeyName) {
  std::string claims = R"({"sub":)" + Quoted(sub) + R"(,"iss":)" + Quoted(iss) + R"(,"nbf":)" +
                       std::to_string(nbf) + R"(,"exp":)" + std::to_string(exp);
  if (!uri.empty()) claims += R"(,"uri":)" + Quoted(uri);
  return claims + "}";
}

// ---- fixture: one generated key for the whole suite ----

class CoinbaseJwt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto pem = GenerateTestPrivateKeyPem();
    ASSERT_TRUE(pem.ok()) << pem.status().ToString();
    private_pem_ = new std::string(std::move(pem).value());
  }
  static void TearDownTestSuite() {
    delete private_pem_;
    private_pem_ = nullptr;
  }

  static const std::string& PrivatePem() { return *private_pem_; }

  JwtSigner Signer(std::string_view pem) {
    auto signer = JwtSigner::Create(kKeyName, pem);
    EXPECT_TRUE(signer.ok()) << signer.status().ToString();
    return std::move(signer).value();
  }
  JwtVerifier Verifier() {
    auto verifier = JwtVerifier::FromPrivateKey(kKeyName, PrivatePem());
    EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
    return std::move(verifier).value();
  }
  std::string OrderToken(std::int64_t now = kNow) {
    JwtSigner signer = Signer(PrivatePem());
    std::string jwt;
    EXPECT_TRUE(signer.Sign("POST", kRestHost, kOrdersPath, now, &jwt));
    return jwt;
  }

  static std::string* private_pem_;
};

std::string* CoinbaseJwt::private_pem_ = nullptr;

TEST_F(CoinbaseJwt, GeneratesAndConvertsKeysInThePemFormsCoinbaseUses) {
  EXPECT_EQ(PrivatePem().rfind("-----BEGIN EC PRIVATE KEY-----\n", 0), 0u);
  auto pkcs8 = GenerateTestPrivateKeyPem(PrivateKeyFormat::kPkcs8);
  ASSERT_TRUE(pkcs8.ok());
  EXPECT_EQ(pkcs8->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  auto public_pem = PublicKeyPemFromPrivateKey(PrivatePem());
  ASSERT_TRUE(public_pem.ok()) << public_pem.status().ToString();
  EXPECT_EQ(public_pem->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  // OpenSSL reads the derived public key as the same key.
  BIO* bio = BIO_new_mem_buf(public_pem->data(), static_cast<int>(public_pem->size()));
  PkeyPtr public_key(PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  ASSERT_NE(public_key, nullptr);
  const PkeyPtr private_key = ReadPrivateKey(PrivatePem());
  EXPECT_EQ(EVP_PKEY_eq(public_key.get(), private_key.get()), 1);
}

TEST_F(CoinbaseJwt, RestTokenHasCoinbasesHeaderAndClaims) {
  const std::string jwt = OrderToken();
  EXPECT_EQ(jwt.find_first_of("+/= \n"), std::string::npos) << "base64url without padding";
  const Parts parts = Split(jwt);
  // {"alg":"ES256","kid":<key name>,"nonce":<32 lower-case hex digits>,"typ":"JWT"}
  const std::string prefix = R"({"alg":"ES256","kid":")" + std::string(kKeyName) + R"(","nonce":")";
  const std::string suffix = R"(","typ":"JWT"})";
  ASSERT_EQ(parts.header.size(), prefix.size() + 32 + suffix.size()) << parts.header;
  EXPECT_EQ(parts.header.substr(0, prefix.size()), prefix);
  EXPECT_EQ(parts.header.substr(prefix.size() + 32), suffix);
  const std::string nonce = parts.header.substr(prefix.size(), 32);
  EXPECT_EQ(nonce.find_first_not_of("0123456789abcdef"), std::string::npos) << nonce;
  EXPECT_EQ(parts.claims, Claims(kNow, kNow + 120)) << "sub, iss cdp, nbf, exp = nbf + 120, uri";
  EXPECT_EQ(parts.signature.size(), 64u);
  EXPECT_EQ(parts.signature_b64.size(), 86u);
}

TEST_F(CoinbaseJwt, SignatureVerifiesWithRawOpenSsl) {
  const std::string jwt = OrderToken();
  const PkeyPtr key = ReadPrivateKey(PrivatePem());
  ASSERT_NE(key, nullptr);
  EXPECT_TRUE(OpenSslVerifies(key.get(), jwt));
  // Not with another key.
  auto other_pem = GenerateTestPrivateKeyPem();
  ASSERT_TRUE(other_pem.ok());
  const PkeyPtr other = ReadPrivateKey(*other_pem);
  EXPECT_FALSE(OpenSslVerifies(other.get(), jwt));
}

TEST_F(CoinbaseJwt, EachTokenHasItsOwnNonce) {
  JwtSigner signer = Signer(PrivatePem());
  std::string first, second;
  ASSERT_TRUE(signer.Sign("GET", kRestHost, "/api/v3/brokerage/accounts", kNow, &first));
  ASSERT_TRUE(signer.Sign("GET", kRestHost, "/api/v3/brokerage/accounts", kNow, &second));
  EXPECT_NE(Split(first).header, Split(second).header);
  EXPECT_EQ(Split(first).claims, Split(second).claims);
}

TEST_F(CoinbaseJwt, VerifierAcceptsTheSignersTokens) {
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(verifier.Verify(OrderToken(), kOrdersUri, kNow).ok());
  // From the public key PEM as well.
  auto public_pem = PublicKeyPemFromPrivateKey(PrivatePem());
  ASSERT_TRUE(public_pem.ok());
  auto from_public = JwtVerifier::Create(kKeyName, *public_pem);
  ASSERT_TRUE(from_public.ok()) << from_public.status().ToString();
  const core::Status status = from_public->Verify(OrderToken(), kOrdersUri, kNow);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(JwtUri("POST", kRestHost, kOrdersPath), kOrdersUri);
}

TEST_F(CoinbaseJwt, TheQueryStringIsNotPartOfTheUri) {
  JwtSigner signer = Signer(PrivatePem());
  std::string jwt;
  ASSERT_TRUE(signer.Sign("GET", kRestHost, "/api/v3/brokerage/orders/historical/batch?limit=10",
                          kNow, &jwt));
  EXPECT_EQ(JwtUri("GET", kRestHost, "/api/v3/brokerage/orders/historical/batch?limit=10"),
            "GET api.coinbase.com/api/v3/brokerage/orders/historical/batch");
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(
      verifier.Verify(jwt, "GET api.coinbase.com/api/v3/brokerage/orders/historical/batch", kNow)
          .ok());
}

TEST_F(CoinbaseJwt, WebSocketTokenHasNoUri) {
  JwtSigner signer = Signer(PrivatePem());
  std::string jwt;
  ASSERT_TRUE(signer.SignWebSocket(kNow, &jwt));
  const Parts parts = Split(jwt);
  EXPECT_EQ(parts.claims, Claims(kNow, kNow + 120, ""));
  const PkeyPtr key = ReadPrivateKey(PrivatePem());
  EXPECT_TRUE(OpenSslVerifies(key.get(), jwt));
  JwtVerifier verifier = Verifier();
  EXPECT_TRUE(verifier.Verify(jwt, "", kNow).ok());
  EXPECT_FALSE(verifier.Verify(jwt, kOrdersUri, kNow).ok());
  // And a REST token is no WebSocket token.
  EXPECT_FALSE(verifier.Verify(OrderToken(), "", kNow).ok());
}

TEST_F(CoinbaseJwt, RefusesTokensOutsideTheirWindow) {
  JwtVerifier verifier = Verifier();
  const std::string jwt = OrderToken();
  EXPECT_TRUE(verifier.Verify(jwt, kOrdersUri, kNow + 119).ok());
  const core::Status expired = verifier.Verify(jwt, kOrdersUri, kNow + 120);
  EXPECT_EQ(expired.code(), core::ErrorCode::kUnauthorized);
  EXPECT_NE(expired.message().find("expired"), std::string::npos) << expired.message();
  const core::Status early = verifier.Verify(jwt, kOrdersUri, kNow - 1);
  EXPECT_EQ(early.code(), core::ErrorCode::kUnauthorized);
  EXPECT_NE(early.message().find("not valid yet"), std::string::npos) << early.message();
}

TEST_F(CoinbaseJwt, RefusesATokenForAnotherRequest) {
  JwtVerifier verifier = Verifier();
  const std::string jwt = OrderToken();
  for (std::string_view uri : {"GET api.coinbase.com/api/v3/brokerage/orders",
                               "POST api.coinbase.com/api/v3/brokerage/orders/batch_cancel",
                               "POST api.sandbox.coinbase.com/api/v3/brokerage/orders"}) {
    const core::Status status = verifier.Verify(jwt, uri, kNow);
    EXPECT_EQ(status.code(), core::ErrorCode::kUnauthorized) << uri;
    EXPECT_NE(status.message().find("uri"), std::string::npos) << status.message();
  }
}

TEST_F(CoinbaseJwt, RefusesATamperedPayloadOrSignature) {
  JwtVerifier verifier = Verifier();
  const std::string jwt = OrderToken();
  const Parts parts = Split(jwt);

  // Claims re-encoded for another request, the signature kept.
  std::string claims = parts.claims;
  claims.replace(claims.find("/orders"), 7, "/orderz");
  const std::string other_claims =
      parts.header_b64 + "." + Base64UrlEncode(claims) + "." + parts.signature_b64;
  core::Status status =
      verifier.Verify(other_claims, "POST api.coinbase.com/api/v3/brokerage/orderz", kNow);
  EXPECT_NE(status.message().find("signature"), std::string::npos) << status.message();

  // A later exp, the signature kept.
  claims = parts.claims;
  claims.replace(claims.find(std::to_string(kNow + 120)), 10, std::to_string(kNow + 121));
  status =
      verifier.Verify(parts.header_b64 + "." + Base64UrlEncode(claims) + "." + parts.signature_b64,
                      kOrdersUri, kNow);
  EXPECT_NE(status.message().find("signature"), std::string::npos) << status.message();

  // One character of the signature changed (the first: its bits are all significant).
  std::string bad_signature = jwt;
  const std::size_t at = jwt.rfind('.') + 1;
  bad_signature[at] = bad_signature[at] == 'A' ? 'B' : 'A';
  status = verifier.Verify(bad_signature, kOrdersUri, kNow);
  EXPECT_EQ(status.code(), core::ErrorCode::kUnauthorized);
  EXPECT_NE(status.message().find("signature"), std::string::npos) << status.message();

  // A signature cut short, padded, or in the standard alphabet.
  EXPECT_FALSE(verifier.Verify(jwt.substr(0, jwt.size() - 1), kOrdersUri, kNow).ok());
  EXPECT_FALSE(verifier.Verify(jwt + "==", kOrdersUri, kNow).ok());
  EXPECT_FALSE(verifier.Verify(jwt + ".", kOrdersUri, kNow).ok());
  EXPECT_FALSE(verifier.Verify("", kOrdersUri, kNow).ok());
}

TEST_F(CoinbaseJwt, RefusesTokensOfAnotherKey) {
  auto other_pem = GenerateTestPrivateKeyPem();
  ASSERT_TRUE(other_pem.ok());
  JwtSigner other = Signer(*other_pem);
  std::string jwt;
  ASSERT_TRUE(other.Sign("POST", kRestHost, kOrdersPath, kNow, &jwt));
  JwtVerifier verifier = Verifier();
  EXPECT_FALSE(verifier.Verify(jwt, kOrdersUri, kNow).ok());
  // The right key under another key name: kid does not match.
  auto renamed = JwtVerifier::FromPrivateKey("organizations/x/apiKeys/y", PrivatePem());
  ASSERT_TRUE(renamed.ok());
  const core::Status status = renamed->Verify(OrderToken(), kOrdersUri, kNow);
  EXPECT_NE(status.message().find("kid"), std::string::npos) << status.message();
}

TEST_F(CoinbaseJwt, VerifierChecksEveryHeaderAndClaimRule) {
  const PkeyPtr key = ReadPrivateKey(PrivatePem());
  JwtVerifier verifier = Verifier();
  auto Check = [&](const std::string& header, const std::string& claims) {
    return verifier.Verify(Mint(key.get(), header, claims), kOrdersUri, kNow);
  };
  // The minted baseline passes: every refusal below is the one change it names.
  EXPECT_TRUE(Check(Header(), Claims(kNow, kNow + 120)).ok());
  EXPECT_TRUE(Check(Header("ES256", kKeyName, R"(,"nonce":"n1")"), Claims(kNow, kNow + 60)).ok())
      << "typ is optional";

  EXPECT_FALSE(Check(Header("HS256"), Claims(kNow, kNow + 120)).ok());
  EXPECT_FALSE(Check(Header("none"), Claims(kNow, kNow + 120)).ok());
  EXPECT_FALSE(Check(Header("ES256", "organizations/x/apiKeys/y"), Claims(kNow, kNow + 120)).ok());
  EXPECT_FALSE(Check(Header("ES256", kKeyName, R"(,"typ":"JWT")"), Claims(kNow, kNow + 120)).ok())
      << "no nonce";
  EXPECT_FALSE(
      Check(Header("ES256", kKeyName, R"(,"nonce":"n1","typ":"JWS")"), Claims(kNow, kNow + 120))
          .ok());
  EXPECT_FALSE(
      Check(Header("ES256", kKeyName, R"(,"nonce":"n1","crit":["exp"])"), Claims(kNow, kNow + 120))
          .ok());
  EXPECT_FALSE(
      Check(Header("ES256", kKeyName, R"(,"nonce":"n1","nonce":"n2")"), Claims(kNow, kNow + 120))
          .ok())
      << "a repeated field";

  EXPECT_FALSE(Check(Header(), Claims(kNow, kNow + 120, kOrdersUri, "coinbase-cloud")).ok());
  EXPECT_FALSE(Check(Header(), Claims(kNow, kNow + 120, kOrdersUri, "cdp", "someone else")).ok());
  EXPECT_FALSE(Check(Header(), Claims(kNow, kNow + 121)).ok()) << "longer than Coinbase's 120 s";
  EXPECT_FALSE(Check(Header(), Claims(kNow, kNow)).ok());
  EXPECT_FALSE(Check(Header(), R"({"sub":")" + std::string(kKeyName) +
                                   R"(","iss":"cdp","nbf":1700000000.5,"exp":1700000120,"uri":")" +
                                   std::string(kOrdersUri) + R"("})")
                   .ok())
      << "a fractional nbf";
  EXPECT_FALSE(Check(Header(), R"({"sub":")" + std::string(kKeyName) +
                                   R"(","iss":"cdp","exp":1700000120,"uri":")" +
                                   std::string(kOrdersUri) + R"("})")
                   .ok())
      << "no nbf";
  EXPECT_FALSE(Check(Header(), "not json").ok());

  // Extra fields are allowed and escapes are decoded ("\/" is how some encoders write '/').
  std::string escaped = Claims(kNow, kNow + 120);
  escaped.insert(1, R"("aud":["retail_rest_api_proxy"],"x":{"y":[1,true,null]},)");
  const std::size_t slash = escaped.find("/api/v3");
  escaped.replace(slash, 1, "\\/");
  EXPECT_TRUE(Check(Header(), escaped).ok()) << escaped;
}

// Each '\n' of `pem` replaced by `newline`, and each line prefixed with `indent`.
std::string Reformat(const std::string& pem, std::string_view newline,
                     std::string_view indent = "") {
  std::string out;
  std::size_t start = 0;
  while (start < pem.size()) {
    std::size_t end = pem.find('\n', start);
    if (end == std::string::npos) end = pem.size();
    out.append(indent).append(pem, start, end - start).append(newline);
    start = end + 1;
  }
  return out;
}

TEST_F(CoinbaseJwt, AcceptsPkcs8AndTheWaysAKeyArrivesInAnEnvironmentVariable) {
  auto pkcs8 = GenerateTestPrivateKeyPem(PrivateKeyFormat::kPkcs8);
  ASSERT_TRUE(pkcs8.ok());
  const std::string one_line = Reformat(PrivatePem(), "\\n");  // Coinbase's samples
  ASSERT_EQ(one_line.find('\n'), std::string::npos);
  const std::string one_line_crlf = Reformat(PrivatePem(), "\\r\\n");
  const std::string crlf = Reformat(PrivatePem(), "\r\n");
  const std::string indented = "\n" + Reformat(PrivatePem(), "  \n\n", "    ");  // a YAML block

  const std::string& pkcs8_pem = pkcs8.value();
  for (const std::string* pem : {&pkcs8_pem, &one_line, &one_line_crlf, &crlf, &indented}) {
    JwtSigner signer = Signer(*pem);
    EXPECT_EQ(signer.key_name(), kKeyName);
    std::string jwt;
    ASSERT_TRUE(signer.Sign("POST", kRestHost, kOrdersPath, kNow, &jwt)) << *pem;
    auto verifier = JwtVerifier::FromPrivateKey(kKeyName, *pem);
    ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
    EXPECT_TRUE(verifier->Verify(jwt, kOrdersUri, kNow).ok());
    // Every reformatted copy is the very key of the original.
    if (pem != &pkcs8_pem) {
      EXPECT_TRUE(Verifier().Verify(jwt, kOrdersUri, kNow).ok()) << *pem;
    }
  }
}

TEST_F(CoinbaseJwt, RefusesBadKeysWithoutEchoingThem) {
  // A P-384 key, an RSA-free way to get a valid PEM of the wrong curve.
  PkeyPtr p384(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"));
  ASSERT_NE(p384, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio, p384.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  const std::string p384_pem(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  auto public_pem = PublicKeyPemFromPrivateKey(PrivatePem());
  ASSERT_TRUE(public_pem.ok());
  const std::string truncated = PrivatePem().substr(0, PrivatePem().size() / 2);
  // The first base64 character after the BEGIN line: the DER no longer starts with a SEQUENCE.
  std::string corrupted = PrivatePem();
  const std::size_t body = corrupted.find('\n') + 1;
  corrupted[body] = corrupted[body] == 'A' ? 'B' : 'A';

  for (const std::string& bad : {std::string("not a key at all: hunter2"), truncated, corrupted,
                                 p384_pem, *public_pem, std::string()}) {
    auto signer = JwtSigner::Create(kKeyName, bad);
    ASSERT_FALSE(signer.ok()) << bad;
    EXPECT_EQ(signer.status().code(), core::ErrorCode::kInvalidConfig);
    const std::string message = signer.status().message();
    // No line of the PEM (in particular none of its base64 body) appears in the message.
    std::size_t start = 0;
    while (start < bad.size()) {
      std::size_t end = bad.find('\n', start);
      if (end == std::string::npos) end = bad.size();
      const std::string line = bad.substr(start, end - start);
      if (line.size() >= 8 && line.rfind("-----", 0) != 0) {
        EXPECT_EQ(message.find(line), std::string::npos) << message;
      }
      start = end + 1;
    }
    EXPECT_FALSE(JwtVerifier::FromPrivateKey(kKeyName, bad).ok());
  }
  EXPECT_NE(JwtSigner::Create(kKeyName, p384_pem).status().message().find("P-256"),
            std::string::npos);
  // A private key is no public key for the verifier, and the key name must be there.
  EXPECT_FALSE(JwtVerifier::Create(kKeyName, PrivatePem()).ok());
  EXPECT_FALSE(JwtSigner::Create("", PrivatePem()).ok());
}

TEST_F(CoinbaseJwt, RefusesATimeItCannotPutInAToken) {
  JwtSigner signer = Signer(PrivatePem());
  std::string jwt = "stale";
  EXPECT_FALSE(signer.Sign("GET", kRestHost, kOrdersPath, -1, &jwt));
  EXPECT_TRUE(jwt.empty());
  EXPECT_FALSE(signer.SignWebSocket(std::numeric_limits<std::int64_t>::max(), &jwt));
}

}  // namespace
}  // namespace tradingd::gateways::coinbase
