#pragma once
// Strict parsing of control-plane request bodies: a JSON object whose known fields must have the
// declared types. Unknown fields are accepted and ignored (tolerant reader), but still validated as
// JSON, so a malformed body is always a 400 however little of it the endpoint reads. A known field
// given twice is refused: which of the two values would win is not obvious to the client.
//
// Uses simdjson On-Demand on a padded copy of the body; one parser per call (control plane: the
// allocation is cheap next to a socket round trip, and it keeps Parse reentrant).
//
// Thread contract: stateless free functions and value types; safe from any thread.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace tradingd::control {

enum class FieldType : std::uint8_t { kString, kInteger, kBool };

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
  bool required = false;
};

// Nesting deeper than this is refused (a request body has no reason to nest; it bounds recursion).
inline constexpr std::size_t kMaxRequestDepth = 32;

class RequestFields {
 public:
  // Parses `body` as a JSON object and extracts `specs`' fields. An empty (or all-whitespace) body
  // is treated as `{}` when `allow_empty_body` is set. Every failure is kBadRequest with a message
  // that names the field where there is one.
  static core::Result<RequestFields> Parse(std::string_view body, std::span<const FieldSpec> specs,
                                           bool allow_empty_body = false);

  bool Has(std::string_view name) const;
  // The value of a field of that type; null when absent (or declared with another type).
  const std::string* String(std::string_view name) const;
  const std::int64_t* Integer(std::string_view name) const;
  const bool* Bool(std::string_view name) const;

 private:
  using Value = std::variant<std::monostate, std::string, std::int64_t, bool>;
  const Value* Find(std::string_view name) const;

  std::vector<std::string> names_;
  std::vector<Value> values_;
};

}  // namespace tradingd::control
