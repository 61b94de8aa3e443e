#pragma once
// The error vocabulary of the venue parsers (Binance keeps its own, older one), and exact decimals
// from JSON number text.
//
// Thread contract: pure functions.

#include <cstdint>
#include <string_view>

namespace tradingd::feeds {

enum class FeedParseError : std::uint8_t {
  kOk,
  kJson,           // not well-formed JSON, or not a shape the venue sends
  kWrongType,      // a known field with the wrong JSON type
  kMissingField,
  kBadDecimal,     // a price or quantity that is not an exact decimal at the instrument's scale
  kUnknownSymbol,  // well formed, for an instrument the registry does not list on the venue
  kTooManyLevels,
};
const char* FeedParseErrorName(FeedParseError error);

// JSON number text ("29430.2", "4.0", "1e-08") or a plain decimal into a mantissa at `scale`,
// exactly; false when the value does not fit or has more digits than the scale.
bool ParseNumberText(std::string_view text, int scale, std::int64_t* mantissa);

// Fractional digits of a decimal or JSON number text ("0.001" → 3, "1e-08" → 8, "4" → 0): what a
// recorded capture shows of an instrument's precision.
int FractionDigits(std::string_view number);

}  // namespace tradingd::feeds
