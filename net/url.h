#pragma once
// URLs the daemon connects to: ws://, wss://, http://, https://.
//
// Thread contract: value type.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace tradingd::net {

struct Url {
  std::string scheme;  // "ws", "wss", "http", "https"
  std::string host;    // without brackets for IPv6
  std::uint16_t port = 0;
  std::string target;  // path and query, at least "/"

  bool tls() const { return scheme == "wss" || scheme == "https"; }
  std::string ToString() const;

  // Parses "wss://stream.binance.com:9443/stream?streams=a/b"; default ports 80/443.
  static core::Result<Url> Parse(std::string_view text);
};

// True when `s` holds a byte that never belongs in a host or a request target on the wire (space,
// control characters, DEL). Refusing them keeps request smuggling (CR/LF in a request line or a
// Host header) out of every client.
bool HasForbiddenUrlChar(std::string_view s);

}  // namespace tradingd::net
