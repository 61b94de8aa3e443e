#include "feeds/binance/binance_parser.h"

#include <array>
#include <cstring>

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

#include <simdjson.h>

#include <fmt/format.h>

#include "core/text.h"

namespace tradingd::feeds::binance {
namespace {

namespace od = simdjson::ondemand;

static_assert(simdjson::SIMDJSON_PADDING <= 64,
              "net::kPayloadPadding (64) must cover simdjson's padding");
constexpr std::size_t kPadding = 64;

ParseError FromSimdjson(simdjson::error_code error) {
  switch (error) {
    case simdjson::SUCCESS: return ParseError::kOk;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return ParseError::kWrongType;
    default: return ParseError::kJson;
  }
}

// Object keys are compared in place: `raw` points just past the opening quote, and stage 1 has
// checked that a closing quote follows, so a byte-by-byte comparison stops inside the input.
inline bool KeyIs(const char* raw, std::string_view expected) {
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (raw[i] != expected[i]) return false;
  }
  return raw[expected.size()] == '"';
}

// The text of a string value without its quotes, straight from the input (no unescape, no copy).
// Escapes are left as they are: a price with a backslash then fails ParseDecimal, which is right.
inline ParseError StringToken(od::value& value, std::string_view* out) {
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\r' ||
                            token.back() == '\t')) {
    token.remove_suffix(1);
  }
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') return ParseError::kWrongType;
  *out = token.substr(1, token.size() - 2);
  return ParseError::kOk;
}

inline ParseError ReadUint(od::value& value, std::uint64_t* out) {
  return FromSimdjson(value.get_uint64().get(*out));
}

inline ParseError ReadInt(od::value& value, std::int64_t* out) {
  return FromSimdjson(value.get_int64().get(*out));
}

// SWAR helpers, as in core/decimal.cc: are these 8 bytes ASCII digits, and their value.
inline bool AreEightDigits(std::uint64_t v) {
  return (((v & 0xF0F0F0F0F0F0F0F0ULL) |
           (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) == 0x3333333333333333ULL);
}
inline std::uint64_t EightDigitsValue(std::uint64_t v) {
  v = (v & 0x0F0F0F0F0F0F0F0FULL) * 2561 >> 8;
  v = (v & 0x00FF00FF00FF00FFULL) * 6553601 >> 16;
  return (v & 0x0000FFFF0000FFFFULL) * 42949672960001ULL >> 32;
}

// The shape Binance sends for every price and quantity at scale 8: 1-10 integer digits, '.', 1-8
// fractional digits ("61737.63000000", "0.014"). It is converted with one 8-byte SWAR load and no
// 128-bit arithmetic; a 36-level diff has 72 of them, so this is most of the decoding time.
// Anything else (sign, exponent, leading zero, longer text, other scales) returns false and goes
// to core::ParseDecimal, which decides and reports; on what it accepts the result is identical
// (checked against ParseDecimal in the tests).
// The 8-byte load may read past the token: every token lies in a simdjson-padded buffer.
inline bool FastScale8Decimal(std::string_view text, std::int64_t* out) {
  const char* p = text.data();
  const std::size_t n = text.size();
  if (n < 3 || n > 19) return false;
  std::uint64_t integer = 0;
  std::size_t i = 0;
  while (i < n && i <= 10 && static_cast<unsigned>(p[i] - '0') < 10) {
    integer = integer * 10 + static_cast<unsigned>(p[i] - '0');
    ++i;
  }
  if (i == 0 || i > 10 || i >= n || p[i] != '.' || (p[0] == '0' && i > 1)) return false;
  const std::size_t fraction_digits = n - i - 1;
  if (fraction_digits == 0 || fraction_digits > 8) return false;
  std::uint64_t chunk;
  std::memcpy(&chunk, p + i + 1, 8);
  // Little-endian: the first digit is the low byte. Bytes past the token become '0'.
  const std::uint64_t keep =
      fraction_digits == 8 ? ~0ULL : ((1ULL << (8 * fraction_digits)) - 1);
  chunk = (chunk & keep) | (0x3030303030303030ULL & ~keep);
  if (!AreEightDigits(chunk)) return false;
  // integer < 10^10, so the result stays below 10^18 < INT64_MAX.
  *out = static_cast<std::int64_t>(integer * 100000000ULL + EightDigitsValue(chunk));
  return true;
}

// Per byte of `v`: 0 where the byte is an ASCII digit, non-zero elsewhere. The "+6" may carry into
// the next byte, but only out of a byte >= 0xFA, which is itself flagged, and only upward, so the
// lowest flagged byte is always the first non-digit (the only thing the callers use).
inline std::uint64_t NonDigitBytes(std::uint64_t v) {
  return ((v & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL) |
         (((v + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) ^ 0x3030303030303030ULL);
}

// Index (0-8) of the first non-digit among the 8 bytes of `v` (little-endian: byte 0 comes first).
inline unsigned LeadingDigits(std::uint64_t v) {
  const std::uint64_t mask = NonDigitBytes(v);
  return mask == 0 ? 8 : static_cast<unsigned>(__builtin_ctzll(mask)) / 8;
}

// FastScale8Decimal fused with finding the end of the string: `p` is just past the opening quote
// of a level's price or quantity, and the text is read straight from the bytes, two 8-byte loads
// and no per-character loop. Accepts exactly the shape FastScale8Decimal accepts, narrowed to 1-7
// integer digits (BTC prices have 5), followed by a closing quote; returns the position of that
// quote, or nullptr for anything else (escapes, longer numbers, other shapes), which the caller
// then hands to the generic conversion, so the narrowing costs speed, never correctness.
// The loads read at most the 17 bytes from `p`: callers guarantee p <= document end, and the
// document is followed by >= 64 padding bytes. A quote found in the padding is checked by the
// caller against the document end.
[[gnu::always_inline]] inline const char* ScanScale8Decimal(const char* p, std::int64_t* out) {
  std::uint64_t chunk;
  std::memcpy(&chunk, p, 8);
  const unsigned integer_digits = LeadingDigits(chunk);
  // No digits, 8+ digits (left to the generic path), no '.', or a leading zero ("01.5").
  if (integer_digits - 1 >= 7 || p[integer_digits] != '.' || (p[0] == '0' && integer_digits > 1)) {
    return nullptr;
  }
  // Right-align the digits, with '0's in front, to reuse the 8-digit SWAR conversion.
  const unsigned shift = 8 * (8 - integer_digits);  // 8..56
  const std::uint64_t integer =
      EightDigitsValue((chunk << shift) | (0x3030303030303030ULL >> (64 - shift)));
  const char* fraction = p + integer_digits + 1;
  std::memcpy(&chunk, fraction, 8);
  // Binance pads every fraction to the symbol's precision, 8 digits on the spot BTC pairs: test
  // that case first, so that the position of the next token does not wait for the digit count.
  if (NonDigitBytes(chunk) == 0 && fraction[8] == '"') {
    *out = static_cast<std::int64_t>(integer * 100000000ULL + EightDigitsValue(chunk));
    return fraction + 8;
  }
  const unsigned fraction_digits = LeadingDigits(chunk);
  if (fraction_digits == 0 || fraction[fraction_digits] != '"') return nullptr;
  // Little-endian: the first digit is the low byte. Bytes past the fraction become '0'.
  const std::uint64_t keep = fraction_digits == 8 ? ~0ULL : ((1ULL << (8 * fraction_digits)) - 1);
  chunk = (chunk & keep) | (0x3030303030303030ULL & ~keep);
  // integer < 10^7, so the result stays below 10^15.
  *out = static_cast<std::int64_t>(integer * 100000000ULL + EightDigitsValue(chunk));
  return fraction + fraction_digits;
}

template <typename Fixed>
inline ParseError ReadDecimal(std::string_view text, int scale, Fixed* out) {
  std::int64_t mantissa;
  if (scale == 8 && FastScale8Decimal(text, &mantissa)) {
    *out = Fixed::FromMantissa(mantissa);
    return ParseError::kOk;
  }
  return Fixed::Parse(text, scale, out) == core::DecimalError::kOk ? ParseError::kOk
                                                                   : ParseError::kBadDecimal;
}

#if defined(__SSE4_1__)
// ScanScale8Decimal with 16-byte vectors, for the same shape and the same result: one load finds
// the '.', the closing quote and the digits, and one shuffle lines the integer and fraction digits
// up for a two-lane 8-digit conversion. Half the instructions of the SWAR version; this is the
// inner loop of every depth diff. Shapes whose closing quote is not within the 16 bytes (7 integer
// digits and 8 fraction digits) take ScanScale8Decimal.
// kDigitShuffle[k] (k = integer digits, 1-7) moves the integer digits to the end of bytes 0-7
// (0x80 zero-fills the front) and the 8 bytes after the '.' to bytes 8-15.
constexpr std::array<std::array<std::int8_t, 16>, 8> kDigitShuffle = [] {
  std::array<std::array<std::int8_t, 16>, 8> table{};
  for (int k = 1; k < 8; ++k) {
    for (int j = 0; j < 8; ++j) {
      table[k][j] = static_cast<std::int8_t>(j < 8 - k ? -128 : j - (8 - k));
      table[k][8 + j] = static_cast<std::int8_t>(k + 1 + j);
    }
  }
  return table;
}();

[[gnu::always_inline]] inline const char* ScanScale8DecimalSse(const char* p, std::int64_t* out) {
  const __m128i text = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i digits = _mm_sub_epi8(text, _mm_set1_epi8('0'));
  const unsigned digit_mask = static_cast<unsigned>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(digits, _mm_set1_epi8(9)), digits)));
  const unsigned dot_mask =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(text, _mm_set1_epi8('.'))));
  const unsigned quote_mask =
      static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(text, _mm_set1_epi8('"'))));
  // Both masks non-zero is checked first: __builtin_ctz(0) is undefined.
  if (dot_mask == 0 || quote_mask == 0) return ScanScale8Decimal(p, out);
  const unsigned integer_digits = static_cast<unsigned>(__builtin_ctz(dot_mask));
  const unsigned quote = static_cast<unsigned>(__builtin_ctz(quote_mask));
  // 1-7 integer digits, 1-8 fraction digits, digits everywhere before the quote but at the '.',
  // no leading zero.
  const unsigned token_mask = (1u << quote) - 1;
  if (integer_digits - 1 >= 7 || quote < integer_digits + 2 || quote > integer_digits + 9 ||
      (digit_mask & token_mask) != (token_mask & ~(1u << integer_digits)) ||
      (p[0] == '0' && integer_digits > 1)) {
    return nullptr;
  }
  const __m128i shuffle =
      _mm_loadu_si128(reinterpret_cast<const __m128i*>(kDigitShuffle[integer_digits].data()));
  // Fraction bytes taken from at or past the quote become 0; the 0x80 entries (negative) stay.
  const __m128i in_token = _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(quote)), shuffle);
  const __m128i lined_up = _mm_and_si128(_mm_shuffle_epi8(digits, shuffle), in_token);
  // Digit pairs, quads, then eights: lane 0 is the integer part, lane 1 the fraction.
  const __m128i pairs = _mm_maddubs_epi16(
      lined_up, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
  const __m128i quads = _mm_madd_epi16(pairs, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
  const __m128i eights = _mm_madd_epi16(_mm_packus_epi32(quads, quads),
                                        _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
  const std::uint64_t integer = static_cast<std::uint32_t>(_mm_cvtsi128_si32(eights));
  const std::uint64_t fraction = static_cast<std::uint32_t>(_mm_extract_epi32(eights, 1));
  *out = static_cast<std::int64_t>(integer * 100000000ULL + fraction);
  return p + quote;
}
#endif

// A price or quantity string inside a compact level array, `p` just past its opening quote:
// `quote` is the position of the closing quote (before the document end) with the text converted
// to `mantissa`, or nullptr when there is no closing quote before the end, there is an escape, or
// the text is not a representable decimal. A nullptr makes the caller give up on the fast path, so
// that the generic one reports the exact error. Returned by value, in registers: the level loop
// then never stores a half-built level and reloads it whole, which stalls store forwarding.
struct DecimalToken {
  const char* quote;
  std::int64_t mantissa;
};

[[gnu::noinline]] DecimalToken ReadQuotedDecimalSlow(const char* p, const char* end, int scale) {
  const char* quote = p;
  while (quote < end && *quote != '"' && *quote != '\\') ++quote;
  if (quote == end || *quote != '"') return {nullptr, 0};
  const std::string_view text(p, static_cast<std::size_t>(quote - p));
  std::int64_t mantissa = 0;
  // What ReadDecimal does, without its Price/Quantity wrapper.
  if (!(scale == 8 && FastScale8Decimal(text, &mantissa)) &&
      core::ParseDecimal(text, scale, &mantissa) != core::DecimalError::kOk) {
    return {nullptr, 0};
  }
  return {quote, mantissa};
}

// Inlined into the level loop, with the rare shapes out of line.
[[gnu::always_inline]] inline DecimalToken ReadQuotedDecimal(const char* p, const char* end,
                                                             int scale) {
  if (scale == 8) {
    std::int64_t mantissa;
#if defined(__SSE4_1__)
    const char* quote = ScanScale8DecimalSse(p, &mantissa);
#else
    const char* quote = ScanScale8Decimal(p, &mantissa);
#endif
    if (quote != nullptr && quote < end) [[likely]] {
      return {quote, mantissa};
    }
  }
  return ReadQuotedDecimalSlow(p, end, scale);
}

// True when nothing but whitespace follows the root value (simdjson 3.0 has no document::at_end).
inline bool AtEnd(od::document& doc) {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

// Marks a field as seen; true (and a kJson error) when it was seen already.
inline bool Repeated(bool* seen, ParseError* error) {
  if (*seen) {
    *error = ParseError::kJson;
    return true;
  }
  *seen = true;
  return false;
}

enum class FieldShape : std::uint8_t { kAbsent, kString, kArray, kOther };

// Whether a stream name reads "<symbol>@depth" then a digit, as every partial book depth stream
// does and no diff stream ("@depth", "@depth@100ms") does; ParsePartialDepthStream decides the
// rest. It runs on every futures diff and spot bookTicker, so it looks first where the '@' of a
// real name is: right after the symbol, whose length the payload's "s" gives (`symbol_size`, 0
// without one). That costs a few byte compares; only a name whose symbol part has another length
// (another symbol: an error for a partial depth frame) is scanned for its first '@'.
inline bool NamesPartialDepth(std::string_view stream, std::size_t symbol_size) {
  std::size_t at = symbol_size;
  if (at == 0 || at >= stream.size() || stream[at] != '@') {
    at = stream.find('@');
    if (at == std::string_view::npos) return false;
  }
  return stream.size() > at + 6 && std::memcmp(stream.data() + at + 1, "depth", 5) == 0 &&
         static_cast<unsigned>(stream[at + 6] - '0') < 10;
}

core::TradingStatus ToTradingStatus(std::string_view status) {
  if (status == "TRADING") return core::TradingStatus::kTrading;
  if (status == "HALT" || status == "END_OF_DAY" || status == "SETTLING" || status == "CLOSE" ||
      status == "DELIVERING" || status == "DELIVERED") {
    return core::TradingStatus::kHalted;
  }
  if (status == "BREAK") return core::TradingStatus::kBreak;
  return core::TradingStatus::kUnknown;
}

}  // namespace

const char* ParseErrorName(ParseError error) {
  switch (error) {
    case ParseError::kOk: return "ok";
    case ParseError::kJson: return "malformed_json";
    case ParseError::kWrongType: return "wrong_type";
    case ParseError::kMissingField: return "missing_field";
    case ParseError::kBadDecimal: return "bad_decimal";
    case ParseError::kBadSequence: return "bad_sequence";
    case ParseError::kTooManyLevels: return "too_many_levels";
    case ParseError::kUnknownSymbol: return "unknown_symbol";
    case ParseError::kVenueError: return "venue_error";
    case ParseError::kSymbolMismatch: return "symbol_mismatch";
  }
  return "unknown";
}

bool ParsePartialDepthStream(std::string_view stream, std::string_view* symbol, int* levels) {
  const std::size_t at = stream.find('@');
  if (at == std::string_view::npos || at == 0) return false;
  std::string_view rest = stream.substr(at + 1);
  if (!rest.starts_with("depth")) return false;
  rest.remove_prefix(5);
  int n = 0;
  if (rest.starts_with("10")) {
    n = 10;
  } else if (rest.starts_with("20")) {
    n = 20;
  } else if (rest.starts_with("5")) {
    n = 5;
  } else {
    return false;
  }
  rest.remove_prefix(n == 5 ? 1 : 2);
  // No suffix is the default speed (spot 1000 ms, futures 250 ms).
  if (!rest.empty() && rest != "@100ms" && rest != "@250ms" && rest != "@500ms" &&
      rest != "@1000ms") {
    return false;
  }
  *symbol = stream.substr(0, at);
  *levels = n;
  return true;
}

class BinanceParser::Impl {
 public:
  Impl(core::Venue venue, const core::SymbolRegistry& registry, BinanceParserOptions options);
  ParseError ParseFrame(std::string_view payload, ParsedMessage* out);
  ParseError ParseDepthSnapshot(std::string_view body, const core::Instrument& instrument,
                                DepthSnapshot* out);
  ParseError ParseExchangeInfo(std::string_view body, ExchangeInfo* out);
  core::Venue venue() const { return venue_; }
  std::uint64_t canonical_depth_frames() const { return canonical_depth_frames_; }

 private:
  struct RawLevel {
    std::string_view price;
    std::string_view quantity;
  };
  struct Fields;

  ParseError ParseObject(od::object object, Fields* fields, int depth);
  // Converts straight into `levels` when the instrument (hence the scales) is known already, as
  // it is for Binance, which sends "s" before "b"/"a"; otherwise keeps the raw text in `raw`.
  ParseError ReadLevels(od::value value, const core::Instrument* instrument,
                        std::vector<RawLevel>* raw, std::vector<core::PriceLevel>* levels);
  ParseError ConvertRawLevels(const core::Instrument& instrument);
  const char* FastLevels(const char* p, const core::Instrument& instrument,
                         std::vector<core::PriceLevel>* levels) const;
  bool CanonicalLevelsAndTail(const char* bids, const core::Instrument& instrument, int depth);
  bool ScanCanonicalDepthFrame(std::string_view payload, Fields* f);
  ParseError ReadFieldsGeneric(std::string_view payload, Fields* f);
  ParseError Interpret(Fields& f, ParsedMessage* out);
  ParseError InterpretPartial(Fields& f, ParsedMessage* out);
  // The instrument a stream name's symbol ("btcusdt") names on this venue, or null.
  const core::Instrument* StreamInstrument(std::string_view stream_symbol) const;
  void ClearLevels();
  std::string_view PadBody(std::string_view body);

  core::Venue venue_;
  const core::SymbolRegistry& registry_;
  BinanceParserOptions options_;
  od::parser parser_;
  // Reused across messages: cleared, never shrunk, so steady state does not allocate.
  std::vector<RawLevel> raw_bids_;
  std::vector<RawLevel> raw_asks_;
  // Spot partial depth's "bids" and "asks", kept apart from "b" and "a" so that a diff carrying
  // such a field is read exactly as before (the field ignored). Valid only in a frame whose
  // Fields say the key was read (they are cleared when it is, not by ClearLevels).
  std::vector<RawLevel> raw_long_bids_;
  std::vector<RawLevel> raw_long_asks_;
  std::vector<core::PriceLevel> bid_levels_;
  std::vector<core::PriceLevel> ask_levels_;
  std::string padded_body_;
  const char* document_end_ = nullptr;  // end of the document being parsed (not of the padding)
  std::uint64_t canonical_depth_frames_ = 0;
};

// Everything one message may carry, gathered in one pass over its fields in whatever order they
// come; the kind is decided afterwards. Plain values and views into the payload.
struct BinanceParser::Impl::Fields {
  std::string_view event_type;
  std::string_view symbol;
  std::string_view stream;  // the combined envelope's stream name
  bool has_stream = false;
  std::uint64_t last_update_id = 0;  // spot partial depth's lastUpdateId
  bool has_last_update_id = false;
  FieldShape long_bids = FieldShape::kAbsent, long_asks = FieldShape::kAbsent;  // "bids", "asks"
  std::uint64_t first_update_id = 0, final_update_id = 0, previous_update_id = 0, trade_id = 0;
  bool has_first = false, has_final = false, has_previous = false, has_trade_id = false;
  std::int64_t event_time = 0, transaction_time = 0;
  FieldShape bids = FieldShape::kAbsent, asks = FieldShape::kAbsent;
  std::string_view bid_price, ask_price, bid_quantity, ask_quantity, price, quantity;
  bool has_maker = false, buyer_is_maker = false;
  bool has_result = false, has_id = false, has_error = false, has_code = false, has_msg = false;
  std::int64_t id = 0, code = 0;
  bool has_symbol = false;
  const core::Instrument* instrument = nullptr;  // resolved as soon as "s" is read
  // Set when CanonicalLevelsAndTail read the rest of the document itself, levels and closing
  // brackets included: the On-Demand iteration was abandoned there and must not be resumed.
  bool complete = false;
};

BinanceParser::Impl::Impl(core::Venue venue, const core::SymbolRegistry& registry,
                          BinanceParserOptions options)
    : venue_(venue), registry_(registry), options_(options) {
  // Sized for a typical diff; grows (once) only if a bigger message ever arrives.
  raw_bids_.reserve(256);
  raw_asks_.reserve(256);
  raw_long_bids_.reserve(32);
  raw_long_asks_.reserve(32);
  bid_levels_.reserve(1024);
  ask_levels_.reserve(1024);
}

void BinanceParser::Impl::ClearLevels() {
  raw_bids_.clear();
  raw_asks_.clear();
  bid_levels_.clear();
  ask_levels_.clear();
}

ParseError BinanceParser::Impl::ReadLevels(od::value value, const core::Instrument* instrument,
                                           std::vector<RawLevel>* raw,
                                           std::vector<core::PriceLevel>* levels) {
  if (instrument != nullptr && options_.fast_paths &&
      FastLevels(value.raw_json_token().data(), *instrument, levels) != nullptr) {
    return ParseError::kOk;
  }
  od::array array;
  if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
  std::size_t count = 0;
  for (auto level_result : array) {
    od::value level_value;
    if (auto e = std::move(level_result).get(level_value); e) return FromSimdjson(e);
    if (++count > options_.max_levels_per_side) return ParseError::kTooManyLevels;
    od::array pair;
    if (auto e = level_value.get_array().get(pair); e) return FromSimdjson(e);
    RawLevel text;
    int index = 0;
    for (auto element_result : pair) {
      od::value element;
      if (auto e = std::move(element_result).get(element); e) return FromSimdjson(e);
      if (index == 0) {
        if (auto e = StringToken(element, &text.price); e != ParseError::kOk) return e;
      } else if (index == 1) {
        if (auto e = StringToken(element, &text.quantity); e != ParseError::kOk) return e;
      }
      ++index;  // extra elements (the old API's "[]" third item) are ignored
    }
    if (index < 2) return ParseError::kWrongType;
    if (instrument == nullptr) {
      raw->push_back(text);
      continue;
    }
    core::PriceLevel level;
    if (ReadDecimal(text.price, instrument->price_scale, &level.price) != ParseError::kOk ||
        ReadDecimal(text.quantity, instrument->quantity_scale, &level.quantity) !=
            ParseError::kOk) {
      return ParseError::kBadDecimal;
    }
    levels->push_back(level);
  }
  return ParseError::kOk;
}

// The level arrays are most of a depth message, and walking them through On-Demand's generic
// iterators costs more than everything else together. Binance always writes them compactly,
// [["p","q"],["p","q"],...], so that exact shape is scanned directly from the bytes, each decimal
// converted in the same pass that finds its closing quote. Returns the position just past the
// closing ']'. Anything else (whitespace, escapes, other types, extra elements, a bad decimal, too
// many levels, the document ending) returns nullptr, having appended nothing, and the generic path
// decides and reports. Every byte read before a decision is checked against the document end
// (the decimal scans' wide loads excepted: they stay within the padding).
const char* BinanceParser::Impl::FastLevels(const char* p, const core::Instrument& instrument,
                                            std::vector<core::PriceLevel>* levels) const {
  const char* const end = document_end_;
  const std::size_t start_size = levels->size();
  auto fail = [&]() -> const char* {
    levels->resize(start_size);
    return nullptr;
  };
  if (p >= end || *p != '[') return nullptr;
  ++p;
  if (p < end && *p == ']') return p + 1;
  const int price_scale = instrument.price_scale;
  const int quantity_scale = instrument.quantity_scale;
  std::size_t count = 0;
  for (;;) {
    if (end - p < 2 || p[0] != '[' || p[1] != '"') return fail();
    if (++count > options_.max_levels_per_side) return fail();
    const DecimalToken price = ReadQuotedDecimal(p + 2, end, price_scale);
    p = price.quote;
    // p is at the closing quote, so p < end: comparing end - p against a small length is safe.
    if (p == nullptr || end - p < 3 || p[1] != ',' || p[2] != '"') return fail();
    const DecimalToken quantity = ReadQuotedDecimal(p + 3, end, quantity_scale);
    p = quantity.quote;
    if (p == nullptr || end - p < 3 || p[1] != ']') return fail();
    levels->push_back({core::Price::FromMantissa(price.mantissa),
                       core::Quantity::FromMantissa(quantity.mantissa)});
    p += 2;
    if (*p == ',') {
      ++p;
      continue;
    }
    if (*p == ']') return p + 1;
    return fail();
  }
}

// The second half of the fast path for depth diffs. FastLevels alone leaves the "b" and "a" values
// to On-Demand, which then walks every byte of them again just to skip them (as costly as the
// scan itself). Binance writes a diff as {"e":..,"E":..,"s":..,"U":..,"u":..,("pu":..,)"b":[..],
// "a":[..]}, wrapped in {"stream":..,"data":...} on combined streams, so once "b" is reached the
// rest of the document is normally exactly
//     [bid levels],"a":[ask levels]}}   (one '}' per open object)   then only whitespace.
// That is checked here byte for byte, the levels with FastLevels' exact grammar, and when it holds
// the verdict is the generic path's: everything before "b" went through the same On-Demand code
// as on the generic path (stage 1 over the whole document, UTF-8 included, then the keys, colons,
// commas and values of the fields before "b"), and every byte from "b" to the document end is
// accepted here only if it is valid JSON that the generic path reads into the same levels: two
// compact arrays, the "a" key, exactly the `depth + 1` closing braces of the objects still open,
// and JSON whitespace. Nothing is left for On-Demand to see, so its iteration is abandoned there.
// Any deviation (other spacing, another field after the arrays, "a" first, a level FastLevels
// refuses, trailing bytes that are not whitespace) returns false with both level vectors as they
// were, and the caller carries on with the generic path from "b", whose On-Demand value has not
// been consumed: the outcome, including the error reported, is then exactly the generic path's.
// The tests hold both paths to the same result on the real capture and on mutated messages.
bool BinanceParser::Impl::CanonicalLevelsAndTail(const char* bids,
                                                 const core::Instrument& instrument, int depth) {
  const char* const end = document_end_;
  const std::size_t bid_size = bid_levels_.size();
  const std::size_t ask_size = ask_levels_.size();
  const char* p = FastLevels(bids, instrument, &bid_levels_);
  if (p == nullptr) return false;
  constexpr std::string_view kAsksKey = ",\"a\":";
  if (static_cast<std::size_t>(end - p) < kAsksKey.size() ||
      std::memcmp(p, kAsksKey.data(), kAsksKey.size()) != 0) {
    bid_levels_.resize(bid_size);
    return false;
  }
  p = FastLevels(p + kAsksKey.size(), instrument, &ask_levels_);
  bool canonical = p != nullptr;
  // The closing braces of the open objects (data, then the envelope), then JSON whitespace only,
  // as simdjson defines it: anything else after the root would be another token (kJson there).
  for (int i = 0; canonical && i <= depth; ++i) canonical = p < end && *p++ == '}';
  while (canonical && p < end) {
    const char c = *p++;
    canonical = c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }
  if (!canonical) {
    bid_levels_.resize(bid_size);
    ask_levels_.resize(ask_size);
  }
  return canonical;
}

ParseError BinanceParser::Impl::ConvertRawLevels(const core::Instrument& instrument) {
  const std::pair<std::vector<RawLevel>*, std::vector<core::PriceLevel>*> sides[] = {
      {&raw_bids_, &bid_levels_}, {&raw_asks_, &ask_levels_}};
  for (const auto& [raw, levels] : sides) {
    for (const RawLevel& text : *raw) {
      core::PriceLevel level;
      if (ReadDecimal(text.price, instrument.price_scale, &level.price) != ParseError::kOk ||
          ReadDecimal(text.quantity, instrument.quantity_scale, &level.quantity) !=
              ParseError::kOk) {
        return ParseError::kBadDecimal;
      }
      levels->push_back(level);
    }
  }
  return ParseError::kOk;
}

ParseError BinanceParser::Impl::ParseObject(od::object object, Fields* f, int depth) {
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
    const char* key = field.key().raw();
    od::value value = field.value();
    ParseError error = ParseError::kOk;
    const bool single = key[0] != '"' && key[1] == '"';
    switch (key[0]) {
      case 'e':
        if (single) {
          error = StringToken(value, &f->event_type);
        } else if (KeyIs(key, "error")) {
          f->has_error = true;
          od::object error_object;
          if (value.get_object().get(error_object) == simdjson::SUCCESS) {
            for (auto inner_result : error_object) {
              od::field inner;
              if (auto e = std::move(inner_result).get(inner); e) return FromSimdjson(e);
              if (KeyIs(inner.key().raw(), "code")) {
                od::value code_value = inner.value();
                (void)ReadInt(code_value, &f->code);
              }
            }
          }
        }
        break;
      case 'E':
        if (single) error = ReadInt(value, &f->event_time);
        break;
      case 'T':
        if (single) error = ReadInt(value, &f->transaction_time);
        break;
      case 's':
        if (single) {
          // A second symbol would move levels already read onto another book: refuse repeats
          // (here and for the update ids; Binance never repeats a key).
          if (Repeated(&f->has_symbol, &error)) break;
          error = StringToken(value, &f->symbol);
          f->instrument = registry_.FindByVenueSymbol(venue_, f->symbol);
        } else if (depth == 0 && KeyIs(key, "stream")) {
          // It may decide the kind (partial depth) and the symbol (spot partial depth).
          if (Repeated(&f->has_stream, &error)) break;
          error = StringToken(value, &f->stream);
        }
        break;
      case 'l':
        if (KeyIs(key, "lastUpdateId")) {
          if (Repeated(&f->has_last_update_id, &error)) break;
          error = ReadUint(value, &f->last_update_id);
        }
        break;
      case 'U':
        if (single) {
          if (Repeated(&f->has_first, &error)) break;
          error = ReadUint(value, &f->first_update_id);
        }
        break;
      case 'u':
        if (single) {
          if (Repeated(&f->has_final, &error)) break;
          error = ReadUint(value, &f->final_update_id);
        }
        break;
      case 'p':
        if (single) {
          error = StringToken(value, &f->price);
        } else if (KeyIs(key, "pu")) {
          error = ReadUint(value, &f->previous_update_id);
          f->has_previous = true;
        }
        break;
      case 'q':
        if (single) error = StringToken(value, &f->quantity);
        break;
      case 'b':
      case 'a': {
        const bool bid = key[0] == 'b';
        if (!single) {
          // Spot partial depth's level arrays; kept as text until the stream name gives the
          // instrument (the payload has no "s").
          if (!KeyIs(key, bid ? "bids" : "asks")) break;
          FieldShape& long_shape = bid ? f->long_bids : f->long_asks;
          if (long_shape != FieldShape::kAbsent) {
            error = ParseError::kJson;
            break;
          }
          od::json_type type;
          if (auto e = value.type().get(type); e) return FromSimdjson(e);
          if (type != od::json_type::array) {
            long_shape = FieldShape::kOther;
            break;
          }
          long_shape = FieldShape::kArray;
          // Cleared here rather than for every frame: only a frame that reads the key uses them.
          std::vector<RawLevel>& raw = bid ? raw_long_bids_ : raw_long_asks_;
          raw.clear();
          error = ReadLevels(value, nullptr, &raw, nullptr);
          break;
        }
        od::json_type type;
        if (auto e = value.type().get(type); e) return FromSimdjson(e);
        FieldShape& shape = bid ? f->bids : f->asks;
        if (type == od::json_type::array) {
          if (bid && options_.fast_paths && f->instrument != nullptr &&
              f->bids == FieldShape::kAbsent && f->asks == FieldShape::kAbsent &&
              CanonicalLevelsAndTail(value.raw_json_token().data(), *f->instrument, depth)) {
            f->bids = f->asks = FieldShape::kArray;
            f->complete = true;
            return ParseError::kOk;  // the document is fully read: stop iterating
          }
          shape = FieldShape::kArray;
          error = ReadLevels(value, f->instrument, bid ? &raw_bids_ : &raw_asks_,
                             bid ? &bid_levels_ : &ask_levels_);
        } else if (type == od::json_type::string) {
          shape = FieldShape::kString;
          error = StringToken(value, bid ? &f->bid_price : &f->ask_price);
        } else {
          shape = FieldShape::kOther;  // spot trade's old buyer/seller order ids, for example
        }
        break;
      }
      case 'B':
        if (single) error = StringToken(value, &f->bid_quantity);
        break;
      case 'A':
        if (single) error = StringToken(value, &f->ask_quantity);
        break;
      case 't':
        if (single) {
          error = ReadUint(value, &f->trade_id);
          f->has_trade_id = true;
        }
        break;
      case 'm':
        if (single) {
          error = FromSimdjson(value.get_bool().get(f->buyer_is_maker));
          f->has_maker = true;
        } else if (KeyIs(key, "msg")) {
          f->has_msg = true;
        }
        break;
      case 'd':
        if (depth == 0 && KeyIs(key, "data")) {
          od::object data;
          if (auto e = value.get_object().get(data); e) return FromSimdjson(e);
          error = ParseObject(data, f, depth + 1);
          if (f->complete) return error;  // the iterator is left mid-object: do not touch it
        }
        break;
      case 'r':
        if (KeyIs(key, "result")) f->has_result = true;
        break;
      case 'i':
        if (KeyIs(key, "id")) {
          f->has_id = true;
          (void)ReadInt(value, &f->id);  // ids may be strings; the id only matters for logs
        }
        break;
      case 'c':
        if (KeyIs(key, "code")) {
          f->has_code = true;
          error = ReadInt(value, &f->code);
        }
        break;
      default: break;  // unknown fields are skipped by the iterator
    }
    if (error != ParseError::kOk) return error;
  }
  return ParseError::kOk;
}

// The whole of a canonical depth diff, read straight from the bytes without stage 1 (a quarter of
// the cost of a diff, spent mostly on the level arrays that are scanned here anyway). Binance writes
// every diff in one fixed shape:
//   [{"stream":"<name>","data":]{"e":"depthUpdate","E":<n>,["T":<n>,]"s":"<SYMBOL>","U":<n>,
//   "u":<n>,["pu":<n>,]"b":[levels],"a":[levels]}[}]   then only JSON whitespace
// and this accepts exactly that: no whitespace inside, string contents of printable ASCII without
// escapes, numbers of 1-18 digits without a leading zero, levels in FastLevels' grammar. Every byte
// is checked, so what is accepted is valid JSON (hence valid UTF-8) with no repeated key, and the
// fields it fills are the ones the generic path would read from the same text. Anything else, an
// unknown symbol included, returns false and the generic path decides and reports; the tests hold
// both paths to the same result on the real captures, every truncation and random mutations.
bool BinanceParser::Impl::ScanCanonicalDepthFrame(std::string_view payload, Fields* f) {
  const char* p = payload.data();
  const char* const end = document_end_;
  auto literal = [&](std::string_view text) {
    if (static_cast<std::size_t>(end - p) < text.size() ||
        std::memcmp(p, text.data(), text.size()) != 0) {
      return false;
    }
    p += text.size();
    return true;
  };
  // Printable ASCII up to the closing quote, which is left at p; the view excludes it.
  auto plain_string = [&](std::string_view* out) {
    const char* start = p;
    while (p < end && *p != '"') {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x20 || c > 0x7E || c == '\\') return false;
      ++p;
    }
    if (p == end) return false;
    *out = std::string_view(start, static_cast<std::size_t>(p - start));
    return true;
  };
  auto number = [&](std::uint64_t* out) {
    const char* start = p;
    std::uint64_t value = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10 && p - start < 19) {
      value = value * 10 + static_cast<unsigned>(*p - '0');
      ++p;
    }
    const std::ptrdiff_t digits = p - start;
    if (digits == 0 || digits > 18 || (*start == '0' && digits > 1)) return false;
    *out = value;
    return true;
  };
  int depth = 0;
  if (literal("{\"stream\":\"")) {
    if (!plain_string(&f->stream) || !literal("\",\"data\":")) return false;
    f->has_stream = true;
    depth = 1;
  }
  std::uint64_t value;
  if (!literal("{\"e\":\"depthUpdate\",\"E\":") || !number(&value)) return false;
  f->event_time = static_cast<std::int64_t>(value);
  if (literal(",\"T\":")) {
    if (!number(&value)) return false;
    f->transaction_time = static_cast<std::int64_t>(value);
  }
  if (!literal(",\"s\":\"") || !plain_string(&f->symbol)) return false;
  f->instrument = registry_.FindByVenueSymbol(venue_, f->symbol);
  if (f->instrument == nullptr) return false;
  if (!literal("\",\"U\":") || !number(&f->first_update_id) || !literal(",\"u\":") ||
      !number(&f->final_update_id)) {
    return false;
  }
  if (literal(",\"pu\":")) {
    if (!number(&f->previous_update_id)) return false;
    f->has_previous = true;
  }
  if (!literal(",\"b\":") || !CanonicalLevelsAndTail(p, *f->instrument, depth)) return false;
  f->event_type = "depthUpdate";
  f->has_symbol = f->has_first = f->has_final = true;
  f->bids = f->asks = FieldShape::kArray;
  f->complete = true;
  ++canonical_depth_frames_;
  return true;
}

ParseError BinanceParser::Impl::ReadFieldsGeneric(std::string_view payload, Fields* f) {
  od::document doc;
  if (auto e = parser_.iterate(simdjson::padded_string_view(payload.data(), payload.size(),
                                                            payload.size() + kPadding))
                   .get(doc);
      e) {
    return FromSimdjson(e);
  }
  od::object root;
  if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
  if (auto e = ParseObject(root, f, 0); e != ParseError::kOk) return e;
  if (!f->complete && !AtEnd(doc)) return ParseError::kJson;
  return ParseError::kOk;
}

ParseError BinanceParser::Impl::ParseFrame(std::string_view payload, ParsedMessage* out) {
  ClearLevels();
  document_end_ = payload.data() + payload.size();
  out->kind = MessageKind::kUnknown;
  out->instrument = nullptr;
  Fields f;
  if (!options_.fast_paths || !ScanCanonicalDepthFrame(payload, &f)) {
    // Whatever the scan read is discarded (CanonicalLevelsAndTail keeps nothing when it refuses).
    f = Fields{};
    ClearLevels();
    if (auto e = ReadFieldsGeneric(payload, &f); e != ParseError::kOk) return e;
  }
  return Interpret(f, out);
}

// Turns the fields of one message, however they were read, into its kind and values.
ParseError BinanceParser::Impl::Interpret(Fields& f, ParsedMessage* out) {
  if (f.event_type.empty()) {
    // Spot partial depth: no event type, the symbol only in the stream name. (Spot diffs never
    // get here, so the check costs them nothing.)
    if (venue_ == core::Venue::kBinance && f.has_stream &&
        NamesPartialDepth(f.stream, f.symbol.size())) {
      return InterpretPartial(f, out);
    }
    if (f.has_error || (f.has_code && f.has_msg)) {
      out->kind = MessageKind::kVenueError;
      out->venue_error_code = f.code;
      return ParseError::kOk;
    }
    if (f.has_result || (f.has_id && !f.has_symbol)) {
      out->kind = MessageKind::kSubscriptionAck;
      out->ack_id = f.id;
      return ParseError::kOk;
    }
    // Spot bookTicker has no event type: recognise it by its fields.
    if (f.has_final && f.bids == FieldShape::kString) {
      f.event_type = "bookTicker";
    } else {
      return ParseError::kOk;  // kUnknown
    }
  }

  MessageKind kind;
  if (f.event_type == "depthUpdate") {
    // USD-M partial depth: a depthUpdate that only its stream name tells from a diff.
    if (venue_ == core::Venue::kBinanceUsdm && f.has_stream &&
        NamesPartialDepth(f.stream, f.symbol.size())) {
      return InterpretPartial(f, out);
    }
    kind = MessageKind::kDepthUpdate;
  } else if (f.event_type == "bookTicker") {
    kind = MessageKind::kBookTicker;
  } else if (f.event_type == "trade") {
    kind = MessageKind::kTrade;
  } else {
    return ParseError::kOk;  // kUnknown: aggTrade, kline, ...
  }

  if (!f.has_symbol) return ParseError::kMissingField;
  const core::Instrument* instrument = f.instrument;
  if (instrument == nullptr) return ParseError::kUnknownSymbol;

  switch (kind) {
    case MessageKind::kDepthUpdate: {
      if (!f.has_first || !f.has_final) return ParseError::kMissingField;
      if (f.bids == FieldShape::kAbsent || f.asks == FieldShape::kAbsent) {
        return ParseError::kMissingField;
      }
      if (f.bids != FieldShape::kArray || f.asks != FieldShape::kArray) {
        return ParseError::kWrongType;
      }
      // The futures rules chain diffs through pu; without it the book cannot be sequenced.
      if (venue_ == core::Venue::kBinanceUsdm && !f.has_previous) return ParseError::kMissingField;
      if (f.first_update_id > f.final_update_id) return ParseError::kBadSequence;
      if (auto e = ConvertRawLevels(*instrument); e != ParseError::kOk) return e;
      DepthUpdateMessage& d = out->depth;
      d.first_update_id = f.first_update_id;
      d.final_update_id = f.final_update_id;
      d.previous_update_id = f.previous_update_id;
      d.has_previous = f.has_previous;
      d.event_time_ms = f.event_time;
      d.transaction_time_ms = f.transaction_time;
      d.bids = bid_levels_;
      d.asks = ask_levels_;
      break;
    }
    case MessageKind::kBookTicker: {
      if (!f.has_final) return ParseError::kMissingField;
      if (f.bids != FieldShape::kString || f.asks != FieldShape::kString) {
        return f.bids == FieldShape::kAbsent || f.asks == FieldShape::kAbsent
                   ? ParseError::kMissingField
                   : ParseError::kWrongType;
      }
      if (f.bid_quantity.data() == nullptr || f.ask_quantity.data() == nullptr) {
        return ParseError::kMissingField;
      }
      BookTickerMessage& t = out->book_ticker;
      t.update_id = f.final_update_id;
      t.event_time_ms = f.event_time;
      const int ps = instrument->price_scale;
      const int qs = instrument->quantity_scale;
      if (ReadDecimal(f.bid_price, ps, &t.bid_price) != ParseError::kOk ||
          ReadDecimal(f.bid_quantity, qs, &t.bid_quantity) != ParseError::kOk ||
          ReadDecimal(f.ask_price, ps, &t.ask_price) != ParseError::kOk ||
          ReadDecimal(f.ask_quantity, qs, &t.ask_quantity) != ParseError::kOk) {
        return ParseError::kBadDecimal;
      }
      break;
    }
    case MessageKind::kTrade: {
      if (!f.has_trade_id || !f.has_maker || f.price.data() == nullptr ||
          f.quantity.data() == nullptr) {
        return ParseError::kMissingField;
      }
      TradeMessage& t = out->trade;
      t.trade_id = f.trade_id;
      t.event_time_ms = f.event_time;
      t.trade_time_ms = f.transaction_time;
      t.buyer_is_maker = f.buyer_is_maker;
      if (ReadDecimal(f.price, instrument->price_scale, &t.price) != ParseError::kOk ||
          ReadDecimal(f.quantity, instrument->quantity_scale, &t.quantity) != ParseError::kOk) {
        return ParseError::kBadDecimal;
      }
      break;
    }
    default: break;
  }
  out->kind = kind;
  out->instrument = instrument;
  return ParseError::kOk;
}

const core::Instrument* BinanceParser::Impl::StreamInstrument(std::string_view stream_symbol) const {
  // Stream names spell the symbol in lower case, the registry as the venue writes it in payloads.
  char upper[32];
  if (stream_symbol.empty() || stream_symbol.size() > sizeof(upper)) return nullptr;
  for (std::size_t i = 0; i < stream_symbol.size(); ++i) {
    const char c = stream_symbol[i];
    upper[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return registry_.FindByVenueSymbol(venue_, std::string_view(upper, stream_symbol.size()));
}

// A frame on a partial book depth stream. Spot: {"lastUpdateId":..,"bids":..,"asks":..} (no event
// type), the instrument from the stream name. USD-M: a complete depthUpdate (s, U, u, pu, b, a),
// the instrument from "s", which must be the stream's. At most N levels a side.
ParseError BinanceParser::Impl::InterpretPartial(Fields& f, ParsedMessage* out) {
  std::string_view stream_symbol;
  int levels = 0;
  // "btcusdt@depth7", "btcusdt@depth20@42ms": no such stream on Binance, and none we subscribe.
  if (!ParsePartialDepthStream(f.stream, &stream_symbol, &levels)) return ParseError::kOk;
  PartialDepthMessage& p = out->partial;
  p = PartialDepthMessage{};
  p.levels = levels;
  const core::Instrument* instrument = nullptr;
  if (venue_ == core::Venue::kBinanceUsdm) {
    if (f.event_type != "depthUpdate" || !f.has_symbol || !f.has_first || !f.has_final ||
        !f.has_previous) {
      return ParseError::kMissingField;
    }
    if (f.first_update_id > f.final_update_id) return ParseError::kBadSequence;
    instrument = f.instrument;
    if (instrument == nullptr) return ParseError::kUnknownSymbol;
    if (!core::EqualsIgnoreCase(stream_symbol, f.symbol)) return ParseError::kSymbolMismatch;
    if (f.bids == FieldShape::kAbsent || f.asks == FieldShape::kAbsent) {
      return ParseError::kMissingField;
    }
    if (f.bids != FieldShape::kArray || f.asks != FieldShape::kArray) {
      return ParseError::kWrongType;
    }
    if (auto e = ConvertRawLevels(*instrument); e != ParseError::kOk) return e;
    p.last_update_id = f.final_update_id;
    p.first_update_id = f.first_update_id;
    p.previous_update_id = f.previous_update_id;
    p.event_time_ms = f.event_time;
    p.transaction_time_ms = f.transaction_time;
  } else {
    if (!f.has_last_update_id) return ParseError::kMissingField;
    // The short level keys belong to diffs: a frame with both spellings is not Binance's.
    if (f.bids != FieldShape::kAbsent || f.asks != FieldShape::kAbsent) return ParseError::kJson;
    if (f.long_bids == FieldShape::kAbsent || f.long_asks == FieldShape::kAbsent) {
      return ParseError::kMissingField;
    }
    if (f.long_bids != FieldShape::kArray || f.long_asks != FieldShape::kArray) {
      return ParseError::kWrongType;
    }
    instrument = StreamInstrument(stream_symbol);
    if (instrument == nullptr) return ParseError::kUnknownSymbol;
    if (f.has_symbol && !core::EqualsIgnoreCase(stream_symbol, f.symbol)) {
      return ParseError::kSymbolMismatch;
    }
    // Bounded by N before converting: the raw arrays are bounded by max_levels_per_side only.
    if (raw_long_bids_.size() > static_cast<std::size_t>(levels) ||
        raw_long_asks_.size() > static_cast<std::size_t>(levels)) {
      return ParseError::kTooManyLevels;
    }
    raw_bids_.swap(raw_long_bids_);
    raw_asks_.swap(raw_long_asks_);
    if (auto e = ConvertRawLevels(*instrument); e != ParseError::kOk) return e;
    p.last_update_id = f.last_update_id;
  }
  if (bid_levels_.size() > static_cast<std::size_t>(levels) ||
      ask_levels_.size() > static_cast<std::size_t>(levels)) {
    return ParseError::kTooManyLevels;
  }
  p.bids = bid_levels_;
  p.asks = ask_levels_;
  out->kind = MessageKind::kPartialDepth;
  out->instrument = instrument;
  return ParseError::kOk;
}

std::string_view BinanceParser::Impl::PadBody(std::string_view body) {
  padded_body_.assign(body.data(), body.size());
  padded_body_.append(kPadding, ' ');
  return std::string_view(padded_body_.data(), body.size());
}

ParseError BinanceParser::Impl::ParseDepthSnapshot(std::string_view body,
                                             const core::Instrument& instrument,
                                             DepthSnapshot* out) {
  ClearLevels();
  const std::string_view padded = PadBody(body);
  document_end_ = padded.data() + padded.size();
  od::document doc;
  if (auto e = parser_.iterate(simdjson::padded_string_view(padded.data(), padded.size(),
                                                            padded_body_.size()))
                   .get(doc);
      e) {
    return FromSimdjson(e);
  }
  od::object root;
  if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
  bool has_id = false, has_bids = false, has_asks = false, has_code = false;
  for (auto field_result : root) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
    const char* key = field.key().raw();
    od::value value = field.value();
    ParseError error = ParseError::kOk;
    if (KeyIs(key, "lastUpdateId")) {
      error = ReadUint(value, &out->last_update_id);
      has_id = true;
    } else if (KeyIs(key, "E")) {
      error = ReadInt(value, &out->event_time_ms);
    } else if (KeyIs(key, "bids")) {
      error = ReadLevels(value, &instrument, &raw_bids_, &bid_levels_);
      has_bids = true;
    } else if (KeyIs(key, "asks")) {
      error = ReadLevels(value, &instrument, &raw_asks_, &ask_levels_);
      has_asks = true;
    } else if (KeyIs(key, "code")) {
      has_code = true;
    }
    if (error != ParseError::kOk) return error;
  }
  if (!AtEnd(doc)) return ParseError::kJson;
  if (!has_id || !has_bids || !has_asks) {
    return has_code ? ParseError::kVenueError : ParseError::kMissingField;
  }
  out->bids = bid_levels_;
  out->asks = ask_levels_;
  return ParseError::kOk;
}

ParseError BinanceParser::Impl::ParseExchangeInfo(std::string_view body, ExchangeInfo* out) {
  out->rules.clear();
  out->errors.clear();
  const std::string_view padded = PadBody(body);
  od::document doc;
  if (auto e = parser_.iterate(simdjson::padded_string_view(padded.data(), padded.size(),
                                                            padded_body_.size()))
                   .get(doc);
      e) {
    return FromSimdjson(e);
  }
  od::object root;
  if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
  bool has_symbols = false, has_code = false;
  for (auto field_result : root) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
    const char* key = field.key().raw();
    if (KeyIs(key, "code")) has_code = true;
    if (!KeyIs(key, "symbols")) continue;
    has_symbols = true;
    od::array symbols;
    if (auto e = field.value().get_array().get(symbols); e) return FromSimdjson(e);
    for (auto symbol_result : symbols) {
      od::object symbol_object;
      if (auto e = symbol_result.get_object().get(symbol_object); e) return FromSimdjson(e);
      std::string_view symbol, status, tick, step, min_qty, max_qty, min_notional;
      for (auto sf_result : symbol_object) {
        od::field sf;
        if (auto e = std::move(sf_result).get(sf); e) return FromSimdjson(e);
        const char* skey = sf.key().raw();
        od::value svalue = sf.value();
        if (KeyIs(skey, "symbol")) {
          if (auto e = StringToken(svalue, &symbol); e != ParseError::kOk) return e;
        } else if (KeyIs(skey, "status")) {
          if (auto e = StringToken(svalue, &status); e != ParseError::kOk) return e;
        } else if (KeyIs(skey, "filters")) {
          od::array filters;
          if (auto e = svalue.get_array().get(filters); e) return FromSimdjson(e);
          for (auto filter_result : filters) {
            od::object filter;
            if (auto e = filter_result.get_object().get(filter); e) return FromSimdjson(e);
            std::string_view type, f_tick, f_step, f_min, f_max, f_notional;
            for (auto ff_result : filter) {
              od::field ff;
              if (auto e = std::move(ff_result).get(ff); e) return FromSimdjson(e);
              const char* fkey = ff.key().raw();
              od::value fvalue = ff.value();
              std::string_view* target = nullptr;
              if (KeyIs(fkey, "filterType")) target = &type;
              else if (KeyIs(fkey, "tickSize")) target = &f_tick;
              else if (KeyIs(fkey, "stepSize")) target = &f_step;
              else if (KeyIs(fkey, "minQty")) target = &f_min;
              else if (KeyIs(fkey, "maxQty")) target = &f_max;
              else if (KeyIs(fkey, "minNotional") || KeyIs(fkey, "notional")) {
                target = &f_notional;
              }
              if (target != nullptr) {
                if (auto e = StringToken(fvalue, target); e != ParseError::kOk) return e;
              }
            }
            if (type == "PRICE_FILTER") {
              tick = f_tick;
            } else if (type == "LOT_SIZE") {
              step = f_step;
              min_qty = f_min;
              max_qty = f_max;
            } else if (type == "MIN_NOTIONAL" || type == "NOTIONAL") {
              min_notional = f_notional;
            }
          }
        }
      }
      if (symbol.empty()) continue;
      const core::Instrument* instrument = registry_.FindByVenueSymbol(venue_, symbol);
      if (instrument == nullptr) continue;
      core::InstrumentRules rules;
      rules.instrument = instrument->id;
      rules.status = ToTradingStatus(status);
      const int ps = instrument->price_scale;
      const int qs = instrument->quantity_scale;
      bool ok = !tick.empty() && ReadDecimal(tick, ps, &rules.tick_size) == ParseError::kOk &&
                !step.empty() && ReadDecimal(step, qs, &rules.lot_size) == ParseError::kOk;
      if (ok && !min_qty.empty()) {
        ok = ReadDecimal(min_qty, qs, &rules.min_quantity) == ParseError::kOk;
      }
      if (ok && !max_qty.empty()) {
        // A maximum is a limit, so one beyond int64 at this scale saturates instead of failing.
        std::int64_t mantissa = 0;
        const core::DecimalError e = core::ParseDecimal(max_qty, qs, &mantissa);
        if (e == core::DecimalError::kOk) {
          rules.max_quantity = core::Quantity::FromMantissa(mantissa);
        } else if (e == core::DecimalError::kOverflow) {
          rules.max_quantity = core::Quantity::FromMantissa(INT64_MAX);
        } else {
          ok = false;
        }
      }
      if (ok && !min_notional.empty()) {
        ok = ReadDecimal(min_notional, ps, &rules.min_notional) == ParseError::kOk;
      }
      if (!ok) {
        out->errors.push_back(fmt::format(
            "{}: missing or unrepresentable PRICE_FILTER/LOT_SIZE/NOTIONAL values", symbol));
        continue;
      }
      out->rules.push_back(rules);
    }
  }
  if (!AtEnd(doc)) return ParseError::kJson;
  if (!has_symbols) return has_code ? ParseError::kVenueError : ParseError::kMissingField;
  return ParseError::kOk;
}

BinanceParser::BinanceParser(core::Venue venue, const core::SymbolRegistry& registry,
                             BinanceParserOptions options)
    : impl_(std::make_unique<Impl>(venue, registry, options)) {}
BinanceParser::~BinanceParser() = default;

std::uint64_t BinanceParser::canonical_depth_frames() const {
  return impl_->canonical_depth_frames();
}

ParseError BinanceParser::ParseFrame(std::string_view payload, ParsedMessage* out) {
  return impl_->ParseFrame(payload, out);
}
ParseError BinanceParser::ParseDepthSnapshot(std::string_view body,
                                             const core::Instrument& instrument,
                                             DepthSnapshot* out) {
  return impl_->ParseDepthSnapshot(body, instrument, out);
}
ParseError BinanceParser::ParseExchangeInfo(std::string_view body, ExchangeInfo* out) {
  return impl_->ParseExchangeInfo(body, out);
}
core::Venue BinanceParser::venue() const { return impl_->venue(); }

}  // namespace tradingd::feeds::binance
