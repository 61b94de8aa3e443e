#pragma once
// What the venue parsers share on top of simdjson On-Demand: one error vocabulary, the text of
// strings and numbers straight from the input (no unescaping, no copy), field and element loops
// that stop at the first error, and exact decimals from JSON number text.
//
// For parser .cc files only: On-Demand types depend on the instruction set a translation unit is
// compiled for, so simdjson stays out of every public header. Everything here is inline.
//
// Thread contract: pure functions.

#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <utility>

#include "feeds/common/parse_error.h"

namespace tradingd::feeds {

namespace json {

namespace od = simdjson::ondemand;

inline FeedParseError FromSimdjson(simdjson::error_code error) {
  switch (error) {
    case simdjson::SUCCESS: return FeedParseError::kOk;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR:
      return FeedParseError::kWrongType;
    default: return FeedParseError::kJson;
  }
}

inline std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\r' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// A string value's text without its quotes. Escapes are left as they are: a decimal with a
// backslash then fails to parse, which is right, and a symbol with one matches nothing.
inline FeedParseError StringText(od::value& value, std::string_view* out) {
  const std::string_view token = TrimRight(value.raw_json_token());
  if (token.size() < 2 || token.front() != '"' || token.back() != '"') {
    return FeedParseError::kWrongType;
  }
  *out = token.substr(1, token.size() - 2);
  return FeedParseError::kOk;
}

// A number's text; a string is a wrong type here.
inline FeedParseError NumberText(od::value& value, std::string_view* out) {
  const std::string_view token = TrimRight(value.raw_json_token());
  if (token.empty() || !(token.front() == '-' || (token.front() >= '0' && token.front() <= '9'))) {
    return FeedParseError::kWrongType;
  }
  *out = token;
  return FeedParseError::kOk;
}

// A decimal sent either as a string or as a number, as text.
inline FeedParseError ScalarText(od::value& value, std::string_view* out) {
  const std::string_view token = TrimRight(value.raw_json_token());
  if (!token.empty() && token.front() == '"') return StringText(value, out);
  return NumberText(value, out);
}

// Calls visit(key, value) for each field of `object`, stopping at the first error.
template <typename Visit>
FeedParseError ForEachField(od::object& object, Visit&& visit) {
  for (auto field_result : object) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return FromSimdjson(e);
    od::value value = field.value();
    if (auto e = visit(key, value); e != FeedParseError::kOk) return e;
  }
  return FeedParseError::kOk;
}

// Calls visit(value) for each element of `array`, stopping at the first error.
template <typename Visit>
FeedParseError ForEachElement(od::array& array, Visit&& visit) {
  for (auto element_result : array) {
    od::value element;
    if (auto e = std::move(element_result).get(element); e) return FromSimdjson(e);
    if (auto e = visit(element); e != FeedParseError::kOk) return e;
  }
  return FeedParseError::kOk;
}

// True when nothing but whitespace follows the root value.
inline bool AtEnd(od::document& doc) {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

}  // namespace json
}  // namespace tradingd::feeds
