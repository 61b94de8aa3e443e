#pragma once
// Exact fixed-point decimals. A Price or Quantity is an int64 mantissa; its scale (the number of
// fractional digits) belongs to the instrument and the venue it came from, never to the value, so that
// books store plain integers. No double ever holds a price or a quantity.
//
// Thread contract: free functions and value types; safe from any thread.

#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd::core {

// 128-bit integers for products of two mantissas (price × quantity) that must not overflow.
// __extension__ keeps -Wpedantic quiet about the GCC/Clang type.
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

inline constexpr int kMaxDecimalScale = 18;
// Longest text FormatDecimal writes: sign, 19 digits, point, and padding zeros.
inline constexpr std::size_t kMaxDecimalText = 48;

enum class [[nodiscard]] DecimalError : std::uint8_t {
  kOk = 0,
  kEmpty,       // no characters
  kMalformed,   // not [-]digits[.digits], or a leading zero such as "01"
  kTooPrecise,  // a non-zero digit beyond the scale: the value cannot be held exactly
  kOverflow,    // does not fit an int64 mantissa at this scale
  kBadScale,    // scale outside 0..kMaxDecimalScale
};

const char* DecimalErrorText(DecimalError error);

// Parses "45000.50" at scale 2 into 4500050. Accepts an optional '-', digits, and an optional '.'
// followed by at least one digit. Zeros beyond the scale are accepted (the value stays exact).
DecimalError ParseDecimal(std::string_view text, int scale, std::int64_t* mantissa);

// Writes mantissa / 10^scale with at least `min_fraction_digits` and at most `scale` fractional
// digits, trimming trailing zeros in between. Returns the number of characters written into `out`,
// which must hold kMaxDecimalText characters.
std::size_t FormatDecimal(std::int64_t mantissa, int scale, int min_fraction_digits, char* out);
std::string FormatDecimal(std::int64_t mantissa, int scale, int min_fraction_digits);

// 10^exponent for 0 <= exponent <= 18.
std::int64_t PowerOfTen(int exponent);

// Fractional digits needed to write `mantissa` at `scale` without loss ("0.01000000" at 8 → 2).
int SignificantFractionDigits(std::int64_t mantissa, int scale);

// A strongly typed fixed-point number; Tag keeps prices and quantities from being mixed.
template <typename Tag>
class FixedPoint {
 public:
  constexpr FixedPoint() = default;
  static constexpr FixedPoint FromMantissa(std::int64_t mantissa) { return FixedPoint(mantissa); }

  constexpr std::int64_t mantissa() const { return mantissa_; }
  constexpr bool is_zero() const { return mantissa_ == 0; }
  constexpr auto operator<=>(const FixedPoint&) const = default;

  constexpr FixedPoint operator+(FixedPoint other) const { return FixedPoint(mantissa_ + other.mantissa_); }
  constexpr FixedPoint operator-(FixedPoint other) const { return FixedPoint(mantissa_ - other.mantissa_); }

  static DecimalError Parse(std::string_view text, int scale, FixedPoint* out) {
    return ParseDecimal(text, scale, &out->mantissa_);
  }
  std::string ToString(int scale, int min_fraction_digits) const {
    return FormatDecimal(mantissa_, scale, min_fraction_digits);
  }

 private:
  constexpr explicit FixedPoint(std::int64_t mantissa) : mantissa_(mantissa) {}
  std::int64_t mantissa_ = 0;
};

struct PriceTag {};
struct QuantityTag {};
using Price = FixedPoint<PriceTag>;
using Quantity = FixedPoint<QuantityTag>;

}  // namespace tradingd::core
