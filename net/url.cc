#include "net/url.h"

#include <string>

#include "core/text.h"

namespace tradingd::net {
namespace {

core::Status Bad(std::string_view text, std::string_view why) {
  return core::Status(core::ErrorCode::kBadRequest,
                      "invalid URL '" + std::string(text) + "': " + std::string(why));
}

std::uint16_t DefaultPort(std::string_view scheme) {
  return (scheme == "wss" || scheme == "https") ? 443 : 80;
}

}  // namespace

std::string Url::ToString() const {
  std::string out = scheme + "://";
  if (host.find(':') != std::string::npos) {
    out += "[" + host + "]";
  } else {
    out += host;
  }
  if (port != DefaultPort(scheme)) out += ":" + std::to_string(port);
  out += target;
  return out;
}

bool HasForbiddenUrlChar(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return true;
  }
  return false;
}

core::Result<Url> Url::Parse(std::string_view text) {
  const std::size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return Bad(text, "missing scheme (expected ws://, wss://, ...)");
  }
  Url url;
  url.scheme = core::ToLowerAscii(text.substr(0, sep));
  if (url.scheme != "ws" && url.scheme != "wss" && url.scheme != "http" && url.scheme != "https") {
    return Bad(text, "unsupported scheme '" + url.scheme + "' (expected ws, wss, http or https)");
  }
  std::string_view rest = text.substr(sep + 3);
  if (HasForbiddenUrlChar(rest)) return Bad(text, "contains whitespace or control characters");
  // The fragment is never sent to the server.
  if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos) {
    rest = rest.substr(0, hash);
  }
  const std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target =
      authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos) {
    return Bad(text, "user information (user@host) is not supported");
  }

  std::string_view port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(text, "unterminated IPv6 address");
    url.host = std::string(authority.substr(1, close - 1));
    if (url.host.empty()) return Bad(text, "empty host");
    if (url.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return Bad(text, "invalid IPv6 address");
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(text, "unexpected text after IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
    if (url.host.empty()) return Bad(text, "empty host");
    if (url.host.find_first_of("[]") != std::string::npos) {
      return Bad(text, "IPv6 addresses must be in brackets");
    }
  }

  if (has_port) {
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string_view::npos) {
      return Bad(text, "port must be a number from 1 to 65535");
    }
    const unsigned long value = std::stoul(std::string(port_text));
    if (value < 1 || value > 65535) return Bad(text, "port must be a number from 1 to 65535");
    url.port = static_cast<std::uint16_t>(value);
  } else {
    url.port = DefaultPort(url.scheme);
  }

  if (target.empty()) {
    url.target = "/";
  } else if (target.front() == '?') {
    url.target = "/" + std::string(target);
  } else {
    url.target = std::string(target);
  }
  return url;
}

}  // namespace tradingd::net
