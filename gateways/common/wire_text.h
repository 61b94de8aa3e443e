#pragma once
// Small pieces every venue's order protocol writes and reads with: decimals as the venues take them,
// JSON string literals, percent-encoded query values, and the thread's reusable simdjson parser.
// For the gateways' own .cc files (simdjson is a private dependency of tradingd_gateways).
//
// Thread contract: pure functions, except ThreadParser(), which hands each thread its own parser
// (no parse may start while elements of the previous one on that thread are in use).

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd::gateways {

// mantissa / 10^scale without trailing zeros ("0.001", "45000").
std::string PlainDecimal(std::int64_t mantissa, int scale);
// A JSON string literal of `text`, quotes included; '"', '\\' and control characters escaped.
std::string JsonString(std::string_view text);
// A query-string value: RFC 3986's unreserved characters pass, every other byte is %XX.
std::string PercentEncode(std::string_view text);
// One parser per thread: simdjson's parser owns its buffers, and reusing it avoids an allocation
// per answer.
simdjson::dom::parser& ThreadParser();

}  // namespace tradingd::gateways
