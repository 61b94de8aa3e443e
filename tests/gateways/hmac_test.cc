// gateways/common/hmac.h: HMAC-SHA256 and HMAC-SHA512 against the RFC 4231 test vectors (every
// case, both hashes), the keyed context reused across signatures and across the streaming calls,
// RFC 4648 base64 vectors and the strict decoder's refusals, hex.

#include "gateways/common/hmac.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace tradingd::gateways {
namespace {

std::string FromHex(std::string_view hex) {
  std::string bytes;
  EXPECT_TRUE(HexDecode(hex, &bytes)) << hex;
  return bytes;
}

std::string Mac(HashAlgorithm algorithm, std::string_view key, std::string_view message) {
  auto hmac = Hmac::Create(algorithm, key);
  EXPECT_TRUE(hmac.ok()) << hmac.status().ToString();
  if (!hmac.ok()) return {};
  Digest digest;
  EXPECT_TRUE(hmac->Sign(message, &digest));
  return HexEncode(digest.view());
}

// RFC 4231 section 4: keys and data in hex, expected HMAC-SHA-256 and HMAC-SHA-512.
struct Rfc4231Case {
  const char* name;
  std::string key_hex;
  std::string data_hex;
  const char* sha256;
  const char* sha512;
  std::size_t truncate_bytes = 0;  // test case 5 publishes the first 128 bits only
};

std::string Repeat(std::string_view hex_byte, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += hex_byte;
  return out;
}

std::string TextHex(std::string_view text) { return HexEncode(text); }

std::vector<Rfc4231Case> Rfc4231Cases() {
  return {
      {"4.2 (test case 1)", Repeat("0b", 20), TextHex("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
       "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
       "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854"},
      {"4.3 (test case 2: a key shorter than the output)", TextHex("Jefe"),
       TextHex("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
       "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
       "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"},
      {"4.4 (test case 3: combined length of key and data > 64 bytes)", Repeat("aa", 20),
       Repeat("dd", 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
       "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
       "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb"},
      {"4.5 (test case 4)", "0102030405060708090a0b0c0d0e0f10111213141516171819", Repeat("cd", 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
       "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
       "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd"},
      {"4.6 (test case 5: truncation to 128 bits)", Repeat("0c", 20),
       TextHex("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b",
       "415fad6271580a531d4179bc891d87a6", 16},
      {"4.7 (test case 6: a key larger than the block size)", Repeat("aa", 131),
       TextHex("Test Using Larger Than Block-Size Key - Hash Key First"),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
       "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
       "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"},
      {"4.8 (test case 7: key and data larger than the block size)", Repeat("aa", 131),
       TextHex("This is a test using a larger than block-size key and a larger than block-size "
               "data. The key needs to be hashed before being used by the HMAC algorithm."),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
       "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
       "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58"},
  };
}

TEST(Hmac, Rfc4231Vectors) {
  for (const Rfc4231Case& c : Rfc4231Cases()) {
    const std::string key = FromHex(c.key_hex);
    const std::string data = FromHex(c.data_hex);
    std::string sha256 = Mac(HashAlgorithm::kSha256, key, data);
    std::string sha512 = Mac(HashAlgorithm::kSha512, key, data);
    ASSERT_EQ(sha256.size(), 64u) << c.name;
    ASSERT_EQ(sha512.size(), 128u) << c.name;
    if (c.truncate_bytes != 0) {
      sha256.resize(2 * c.truncate_bytes);
      sha512.resize(2 * c.truncate_bytes);
    }
    EXPECT_EQ(sha256, c.sha256) << c.name;
    EXPECT_EQ(sha512, c.sha512) << c.name;
  }
}

TEST(Hmac, EmptyKeyAndMessage) {
  // HMAC-SHA256("", ""): an empty key is valid HMAC and must not fall back to "no key".
  EXPECT_EQ(Mac(HashAlgorithm::kSha256, "", ""),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Hmac, OneContextSignsManyMessages) {
  auto hmac = Hmac::Create(HashAlgorithm::kSha256, "Jefe");
  ASSERT_TRUE(hmac.ok());
  EXPECT_EQ(hmac->digest_size(), 32u);
  Digest first, other, again;
  ASSERT_TRUE(hmac->Sign("what do ya want for nothing?", &first));
  ASSERT_TRUE(hmac->Sign("something else entirely", &other));
  ASSERT_TRUE(hmac->Sign("what do ya want for nothing?", &again));
  EXPECT_EQ(HexEncode(first.view()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_NE(HexEncode(other.view()), HexEncode(first.view()));
  EXPECT_EQ(HexEncode(again.view()), HexEncode(first.view()));

  // Streaming over parts equals the one-shot MAC of their concatenation; an abandoned signature
  // leaves nothing behind for the next Begin.
  Digest streamed;
  ASSERT_TRUE(hmac->Begin());
  ASSERT_TRUE(hmac->Update("garbage that is never finished"));
  ASSERT_TRUE(hmac->Begin());
  ASSERT_TRUE(hmac->Update("what do ya "));
  ASSERT_TRUE(hmac->Update(""));
  ASSERT_TRUE(hmac->Update("want for nothing?"));
  ASSERT_TRUE(hmac->Finish(&streamed));
  EXPECT_EQ(HexEncode(streamed.view()), HexEncode(first.view()));
}

TEST(Hmac, MovedFromContextRefusesToSign) {
  auto created = Hmac::Create(HashAlgorithm::kSha512, "key");
  ASSERT_TRUE(created.ok());
  Hmac hmac = std::move(created).value();
  Hmac moved = std::move(hmac);
  Digest digest;
  EXPECT_TRUE(moved.Sign("m", &digest));
  EXPECT_EQ(digest.size, 64u);
  EXPECT_FALSE(hmac.Sign("m", &digest));  // NOLINT(bugprone-use-after-move): on purpose
  EXPECT_EQ(digest.size, 0u);
}

// Not a benchmark (bench/ has those): a record of what one reused context costs here, so a
// regression to per-signature keying (several microseconds) shows in the test log.
TEST(Hmac, ReusedContextCost) {
  auto hmac = Hmac::Create(HashAlgorithm::kSha256, FromHex(Repeat("5a", 64)));
  ASSERT_TRUE(hmac.ok());
  const std::string message = "1700000000.123POST/orders{\"product_id\":\"BTC-USD\"}";
  Digest digest;
  constexpr int kSignatures = 20000;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kSignatures; ++i) ASSERT_TRUE(hmac->Sign(message, &digest));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double ns = std::chrono::duration<double, std::nano>(elapsed).count() / kSignatures;
  std::printf("[ hmac ] HMAC-SHA256 of %zu bytes with a reused context: %.0f ns\n", message.size(),
              ns);
  EXPECT_EQ(digest.size, 32u);
}

// ---- base64 ----

TEST(Base64, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64EncodedSize(std::string_view(plain).size()), std::string_view(encoded).size());
    std::string decoded = "stale";
    EXPECT_EQ(Base64Decode(encoded, &decoded), Base64Error::kOk) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64, EveryByteValueRoundTrips) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= bytes.size(); length += 37) {
    const std::string_view input(bytes.data(), length);
    const std::string text = Base64Encode(input);
    std::string back;
    ASSERT_EQ(Base64Decode(text, &back), Base64Error::kOk) << text;
    EXPECT_EQ(back, input);
  }
  // Both non-alphanumeric characters of the standard alphabet appear.
  EXPECT_EQ(Base64Encode("\xfb\xff"), "+/8=");
}

TEST(Base64, StrictDecodingRefusesEverythingElse) {
  const std::vector<std::pair<std::string, Base64Error>> refused = {
      {"Zg=", Base64Error::kBadLength},
      {"Zg", Base64Error::kBadLength},
      {"Zm9vY", Base64Error::kBadLength},
      {"Zm9v\n", Base64Error::kBadLength},
      {"Zm9 ", Base64Error::kBadCharacter},
      {"Zm9-", Base64Error::kBadCharacter},  // the URL-safe alphabet
      {"Zm9_", Base64Error::kBadCharacter},
      {"Zm9\xc3", Base64Error::kBadCharacter},
      {std::string("Zm\0v", 4), Base64Error::kBadCharacter},
      {"Z===", Base64Error::kBadPadding},
      {"====", Base64Error::kBadPadding},
      {"Zg==Zg==", Base64Error::kBadPadding},
      {"Z=g=", Base64Error::kBadPadding},
      {"Zh==", Base64Error::kNonCanonical},  // decodes to "f" like "Zg==", with stray bits
      {"Zm9=", Base64Error::kNonCanonical},
  };
  for (const auto& [text, expected] : refused) {
    std::string out = "stale";
    EXPECT_EQ(Base64Decode(text, &out), expected) << "input " << HexEncode(text);
    EXPECT_TRUE(out.empty()) << "input " << HexEncode(text);
  }
  EXPECT_STREQ(Base64ErrorName(Base64Error::kNonCanonical), "non-zero bits after the last byte");
}

// ---- hex ----

TEST(Hex, EncodeAndDecode) {
  EXPECT_EQ(HexEncode(std::string("\x00\x01\xab\xff", 4)), "0001abff");
  std::string bytes;
  ASSERT_TRUE(HexDecode("0001ABff", &bytes));
  EXPECT_EQ(bytes, std::string("\x00\x01\xab\xff", 4));
  EXPECT_FALSE(HexDecode("abc", &bytes));  // odd length
  EXPECT_TRUE(bytes.empty());
  EXPECT_FALSE(HexDecode("0g", &bytes));
  EXPECT_FALSE(HexDecode("0x00", &bytes));
  ASSERT_TRUE(HexDecode("", &bytes));
  EXPECT_TRUE(bytes.empty());
}

}  // namespace
}  // namespace tradingd::gateways
