#include "core/decimal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

namespace tradingd::core {
namespace {

std::int64_t MustParse(std::string_view text, int scale) {
  std::int64_t value = 0;
  EXPECT_EQ(ParseDecimal(text, scale, &value), DecimalError::kOk) << text;
  return value;
}

DecimalError ParseError(std::string_view text, int scale) {
  std::int64_t value = 0;
  return ParseDecimal(text, scale, &value);
}

TEST(DecimalTest, ParsesExactValues) {
  EXPECT_EQ(MustParse("45000.50", 2), 4500050);
  EXPECT_EQ(MustParse("61685.99000000", 8), 6168599000000);
  EXPECT_EQ(MustParse("0.00000001", 8), 1);
  EXPECT_EQ(MustParse("0", 8), 0);
  EXPECT_EQ(MustParse("12", 0), 12);
  EXPECT_EQ(MustParse("-1.5", 3), -1500);
  EXPECT_EQ(MustParse("1.2", 8), 120000000);
  // Zeros past the scale keep the value exact.
  EXPECT_EQ(MustParse("45000.5000000000", 2), 4500050);
  // Long runs go through the eight-digit SWAR path.
  EXPECT_EQ(MustParse("12345678.12345678", 8), 1234567812345678);
  EXPECT_EQ(MustParse("123456789012.1", 1), 1234567890121);
}

TEST(DecimalTest, ParsesInt64Limits) {
  EXPECT_EQ(MustParse("92233720368.54775807", 8), INT64_MAX);
  EXPECT_EQ(MustParse("-92233720368.54775808", 8), INT64_MIN);
  EXPECT_EQ(ParseError("92233720368.54775808", 8), DecimalError::kOverflow);
  EXPECT_EQ(ParseError("99999999999999999999999", 0), DecimalError::kOverflow);
  EXPECT_EQ(ParseError("1", 19), DecimalError::kBadScale);
}

TEST(DecimalTest, RejectsMalformedInput) {
  EXPECT_EQ(ParseError("", 2), DecimalError::kEmpty);
  for (const char* bad : {"-", ".5", "5.", "1.2.3", "1e5", "+1", " 1", "1 ", "01", "00.1", "0x10",
                          "1,5", "--1", "1.-2", "NaN", "inf", "1.2a", "\xff", "١"}) {
    EXPECT_EQ(ParseError(bad, 4), DecimalError::kMalformed) << bad;
  }
  EXPECT_EQ(ParseError("1.23456789x", 8), DecimalError::kMalformed);
}

TEST(DecimalTest, RejectsLossOfPrecision) {
  EXPECT_EQ(ParseError("0.001", 2), DecimalError::kTooPrecise);
  EXPECT_EQ(ParseError("45000.501", 2), DecimalError::kTooPrecise);
  EXPECT_EQ(ParseError("1.000000001", 8), DecimalError::kTooPrecise);
}

TEST(DecimalTest, Formats) {
  EXPECT_EQ(FormatDecimal(4500050, 2, 2), "45000.50");
  EXPECT_EQ(FormatDecimal(4500050, 2, 0), "45000.5");
  EXPECT_EQ(FormatDecimal(6168599000000, 8, 2), "61685.99");
  EXPECT_EQ(FormatDecimal(6168599000000, 8, 8), "61685.99000000");
  EXPECT_EQ(FormatDecimal(100, 2, 0), "1");
  EXPECT_EQ(FormatDecimal(0, 8, 0), "0");
  EXPECT_EQ(FormatDecimal(1, 8, 0), "0.00000001");
  EXPECT_EQ(FormatDecimal(-1500, 3, 1), "-1.5");
  EXPECT_EQ(FormatDecimal(INT64_MIN, 8, 8), "-92233720368.54775808");
  EXPECT_EQ(FormatDecimal(INT64_MAX, 0, 0), "9223372036854775807");
}

TEST(DecimalTest, SignificantFractionDigits) {
  EXPECT_EQ(SignificantFractionDigits(1000000, 8), 2);  // 0.01
  EXPECT_EQ(SignificantFractionDigits(1, 8), 8);
  EXPECT_EQ(SignificantFractionDigits(100000000, 8), 0);  // 1
}

// Property: for every mantissa and scale, parsing the full-precision text gives the mantissa back,
// and formatting the parse of a canonical text gives the text back.
TEST(DecimalPropertyTest, FormatAndParseAreInverse) {
  std::mt19937_64 rng(20241124);
  std::uniform_int_distribution<int> scale_dist(0, 18);
  for (int i = 0; i < 200000; ++i) {
    const int scale = scale_dist(rng);
    std::int64_t mantissa = static_cast<std::int64_t>(rng());
    // Mix in small values so that short texts and leading "0." are covered too.
    if (i % 3 == 0) mantissa %= 1000000;
    if (i % 7 == 0) mantissa = -mantissa;
    const std::string full = FormatDecimal(mantissa, scale, scale);
    std::int64_t parsed = 0;
    ASSERT_EQ(ParseDecimal(full, scale, &parsed), DecimalError::kOk) << full;
    ASSERT_EQ(parsed, mantissa) << full;
    const std::string trimmed = FormatDecimal(mantissa, scale, 0);
    ASSERT_EQ(ParseDecimal(trimmed, scale, &parsed), DecimalError::kOk) << trimmed;
    ASSERT_EQ(parsed, mantissa) << trimmed;
    ASSERT_EQ(FormatDecimal(parsed, scale, 0), trimmed);
  }
}

TEST(DecimalPropertyTest, RandomBytesNeverCrashAndNeverPassGarbage) {
  std::mt19937_64 rng(7);
  const std::string alphabet = "0123456789.-+eE x\xff";
  for (int i = 0; i < 100000; ++i) {
    std::string text(rng() % 24, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    std::int64_t value = 0;
    if (ParseDecimal(text, 8, &value) == DecimalError::kOk) {
      // Whatever parses must re-format to the same number.
      std::int64_t again = 0;
      ASSERT_EQ(ParseDecimal(FormatDecimal(value, 8, 0), 8, &again), DecimalError::kOk);
      ASSERT_EQ(again, value) << text;
    }
  }
}

TEST(DecimalTest, StrongTypes) {
  Price price;
  ASSERT_EQ(Price::Parse("100.25", 2, &price), DecimalError::kOk);
  EXPECT_EQ(price.mantissa(), 10025);
  EXPECT_EQ(price.ToString(2, 2), "100.25");
  EXPECT_LT(Price::FromMantissa(1), Price::FromMantissa(2));
  EXPECT_EQ((Price::FromMantissa(5) - Price::FromMantissa(3)).mantissa(), 2);
}

}  // namespace
}  // namespace tradingd::core
