#include "core/decimal.h"

#include <cstring>

namespace tradingd::core {
namespace {

constexpr std::int64_t kPowersOfTen[] = {1,
                                         10,
                                         100,
                                         1000,
                                         10000,
                                         100000,
                                         1000000,
                                         10000000,
                                         100000000,
                                         1000000000,
                                         10000000000,
                                         100000000000,
                                         1000000000000,
                                         10000000000000,
                                         100000000000000,
                                         1000000000000000,
                                         10000000000000000,
                                         100000000000000000,
                                         1000000000000000000};

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// SWAR: are these 8 bytes all ASCII digits? (the check simdjson uses)
inline bool AreEightDigits(std::uint64_t v) {
  return (((v & 0xF0F0F0F0F0F0F0F0ULL) | (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) ==
          0x3333333333333333ULL);
}

// SWAR: the value of 8 ASCII digits, first digit most significant (little-endian load).
inline std::uint32_t EightDigitsValue(std::uint64_t v) {
  v = (v & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
  return static_cast<std::uint32_t>((v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32);
}

}  // namespace

const char* DecimalErrorText(DecimalError error) {
  switch (error) {
    case DecimalError::kOk: return "ok";
    case DecimalError::kEmpty: return "empty decimal";
    case DecimalError::kMalformed: return "malformed decimal";
    case DecimalError::kTooPrecise: return "more decimal places than the instrument allows";
    case DecimalError::kOverflow: return "decimal out of range";
    case DecimalError::kBadScale: return "unsupported decimal scale";
  }
  return "malformed decimal";
}

std::int64_t PowerOfTen(int exponent) { return kPowersOfTen[exponent]; }

DecimalError ParseDecimal(std::string_view text, int scale, std::int64_t* mantissa) {
  if (scale < 0 || scale > kMaxDecimalScale) return DecimalError::kBadScale;
  if (text.empty()) return DecimalError::kEmpty;
  const char* p = text.data();
  const char* const end = p + text.size();
  const bool negative = *p == '-';
  if (negative) ++p;
  if (p == end || !IsDigit(*p)) return DecimalError::kMalformed;
  // A leading zero is only allowed alone before the point ("0.5", "0"), never as "01".
  if (*p == '0' && p + 1 < end && IsDigit(p[1])) return DecimalError::kMalformed;

  // Integer part: venue prices have a handful of digits, so a plain loop beats SWAR here. Up to
  // 19 digits fit a uint64 without a check; more is an overflow once the rest is known well-formed.
  std::uint64_t integer = 0;
  const char* const integer_start = p;
  while (p < end && IsDigit(*p)) {
    integer = integer * 10 + static_cast<std::uint64_t>(*p - '0');
    ++p;
  }
  const bool integer_overflow = p - integer_start > 19;

  std::uint64_t fraction = 0;
  int fraction_digits = 0;
  if (p < end) {
    if (*p != '.') return DecimalError::kMalformed;
    ++p;
    const char* const fraction_start = p;
    // Venues send 8 fractional digits more often than not: one SWAR step reads them.
    if (scale >= 8 && end - p >= 8) {
      std::uint64_t chunk;
      std::memcpy(&chunk, p, 8);
      if (AreEightDigits(chunk)) {
        fraction = EightDigitsValue(chunk);
        fraction_digits = 8;
        p += 8;
      }
    }
    while (p < end && fraction_digits < scale && IsDigit(*p)) {
      fraction = fraction * 10 + static_cast<std::uint64_t>(*p - '0');
      ++fraction_digits;
      ++p;
    }
    // Digits past the scale: zeros keep the value exact, anything else cannot be held.
    bool too_precise = false;
    for (; p < end; ++p) {
      if (!IsDigit(*p)) return DecimalError::kMalformed;
      too_precise = too_precise || *p != '0';
    }
    if (p == fraction_start) return DecimalError::kMalformed;
    if (integer_overflow) return DecimalError::kOverflow;
    if (too_precise) return DecimalError::kTooPrecise;
  } else if (integer_overflow) {
    return DecimalError::kOverflow;
  }

  // mantissa = integer * 10^scale + fraction * 10^(scale - fraction_digits), checked in uint64.
  std::uint64_t value;
  if (__builtin_mul_overflow(integer, static_cast<std::uint64_t>(kPowersOfTen[scale]), &value) ||
      __builtin_add_overflow(
          value, fraction * static_cast<std::uint64_t>(kPowersOfTen[scale - fraction_digits]), &value)) {
    return DecimalError::kOverflow;
  }
  const std::uint64_t limit = static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0);
  if (value > limit) return DecimalError::kOverflow;
  *mantissa = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
  return DecimalError::kOk;
}

std::size_t FormatDecimal(std::int64_t mantissa, int scale, int min_fraction_digits, char* out) {
  if (scale < 0) scale = 0;
  if (scale > kMaxDecimalScale) scale = kMaxDecimalScale;
  if (min_fraction_digits < 0) min_fraction_digits = 0;
  if (min_fraction_digits > scale) min_fraction_digits = scale;

  char* w = out;
  // Work in unsigned magnitude so that INT64_MIN formats correctly.
  std::uint64_t magnitude = mantissa < 0 ? (0 - static_cast<std::uint64_t>(mantissa))
                                         : static_cast<std::uint64_t>(mantissa);
  if (mantissa < 0) *w++ = '-';
  const std::uint64_t divisor = static_cast<std::uint64_t>(kPowersOfTen[scale]);
  std::uint64_t integer = magnitude / divisor;
  std::uint64_t fraction = magnitude % divisor;

  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + integer % 10);
    integer /= 10;
  } while (integer != 0);
  while (n > 0) *w++ = digits[--n];

  int fraction_digits = scale;
  while (fraction_digits > min_fraction_digits && fraction % 10 == 0) {
    fraction /= 10;
    --fraction_digits;
  }
  if (fraction_digits > 0) {
    *w++ = '.';
    for (int i = fraction_digits - 1; i >= 0; --i) {
      w[i] = static_cast<char>('0' + fraction % 10);
      fraction /= 10;
    }
    w += fraction_digits;
  }
  return static_cast<std::size_t>(w - out);
}

std::string FormatDecimal(std::int64_t mantissa, int scale, int min_fraction_digits) {
  char buffer[kMaxDecimalText];
  return std::string(buffer, FormatDecimal(mantissa, scale, min_fraction_digits, buffer));
}

int SignificantFractionDigits(std::int64_t mantissa, int scale) {
  int digits = scale;
  while (digits > 0 && mantissa % 10 == 0) {
    mantissa /= 10;
    --digits;
  }
  return digits;
}

}  // namespace tradingd::core
