#include "feeds/common/parse_error.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>

#include "core/decimal.h"

namespace tradingd::feeds {

const char* FeedParseErrorName(FeedParseError error) {
  switch (error) {
    case FeedParseError::kOk: return "ok";
    case FeedParseError::kJson: return "malformed_json";
    case FeedParseError::kWrongType: return "wrong_type";
    case FeedParseError::kMissingField: return "missing_field";
    case FeedParseError::kBadDecimal: return "bad_decimal";
    case FeedParseError::kUnknownSymbol: return "unknown_symbol";
    case FeedParseError::kTooManyLevels: return "too_many_levels";
  }
  return "unknown";
}

bool ParseNumberText(std::string_view text, int scale, std::int64_t* mantissa) {
  const std::size_t e = text.find_first_of("eE");
  if (e == std::string_view::npos) {
    return core::ParseDecimal(text, scale, mantissa) == core::DecimalError::kOk;
  }
  // Rewrite d.ddde±x as a plain decimal, then parse that exactly.
  const std::string_view digits = text.substr(0, e);
  std::string_view exponent_text = text.substr(e + 1);
  bool negative_exponent = false;
  if (!exponent_text.empty() && (exponent_text.front() == '+' || exponent_text.front() == '-')) {
    negative_exponent = exponent_text.front() == '-';
    exponent_text.remove_prefix(1);
  }
  if (exponent_text.empty() || exponent_text.size() > 2) return false;
  int exponent = 0;
  for (char c : exponent_text) {
    if (c < '0' || c > '9') return false;
    exponent = exponent * 10 + (c - '0');
  }
  if (negative_exponent) exponent = -exponent;
  // Integer and fraction digits, without the point.
  std::array<char, 96> plain{};
  std::size_t n = 0;
  bool negative = false;
  std::string_view body = digits;
  if (!body.empty() && body.front() == '-') {
    negative = true;
    body.remove_prefix(1);
  }
  const std::size_t point = body.find('.');
  const std::string_view integer = body.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : body.substr(point + 1);
  if (integer.empty() || integer.size() + fraction.size() > 40) return false;
  std::array<char, 48> all{};
  std::memcpy(all.data(), integer.data(), integer.size());
  // An empty view may have no data pointer at all, which memcpy must not be given.
  if (!fraction.empty()) std::memcpy(all.data() + integer.size(), fraction.data(), fraction.size());
  const int total = static_cast<int>(integer.size() + fraction.size());
  const int point_at = static_cast<int>(integer.size()) + exponent;  // digits before the point
  if (point_at < -40 || point_at > 60) return false;
  if (negative) plain[n++] = '-';
  if (point_at <= 0) {
    plain[n++] = '0';
    plain[n++] = '.';
    for (int i = 0; i < -point_at; ++i) plain[n++] = '0';
    for (int i = 0; i < total; ++i) plain[n++] = all[static_cast<std::size_t>(i)];
  } else {
    for (int i = 0; i < point_at; ++i) plain[n++] = i < total ? all[static_cast<std::size_t>(i)] : '0';
    if (point_at < total) {
      plain[n++] = '.';
      for (int i = point_at; i < total; ++i) plain[n++] = all[static_cast<std::size_t>(i)];
    }
  }
  return core::ParseDecimal(std::string_view(plain.data(), n), scale, mantissa) ==
         core::DecimalError::kOk;
}

// Fractional digits of a decimal or JSON number text ("0.001" → 3, "1e-08" → 8, "4" → 0).
int FractionDigits(std::string_view number) {
  const auto e = number.find_first_of("eE");
  int exponent = 0;
  if (e != std::string_view::npos) {
    std::from_chars(number.data() + e + (number[e + 1] == '+' ? 2 : 1),
                    number.data() + number.size(), exponent);
    number = number.substr(0, e);
  }
  const auto point = number.find('.');
  const int fraction = point == std::string_view::npos
                           ? 0
                           : static_cast<int>(number.size() - point - 1);
  return std::max(0, fraction - exponent);
}

}  // namespace tradingd::feeds
