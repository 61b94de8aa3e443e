#pragma once
// Query-string helpers for the simulated venues' REST endpoints: find a parameter, percent-decode
// it.
//
// Thread contract: free functions; safe from any thread.

#include <optional>
#include <string>
#include <string_view>

namespace tradingd::sim {

// Decodes %XX escapes and '+' (as a space); a malformed escape is kept as is.
std::string PercentDecode(std::string_view text);

// The decoded value of the first `name=value` pair in `query` (without the '?'); nullopt when the
// parameter is absent. "name" with no '=' gives an empty value.
std::optional<std::string> QueryParam(std::string_view query, std::string_view name);

}  // namespace tradingd::sim
