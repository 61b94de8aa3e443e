#pragma once
// Internal to net/ (includes Asio; never include it from another module): the TLS client set-up
// that WebSocketClient and HttpClient share, so both verify certificates the same way.
//
// Thread contract: free functions; a context is built at construction and then only read by the
// io_context's thread.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <stdexcept>
#include <string>

namespace tradingd::net::internal {

// A client context with TLS >= 1.2 and peer verification against `ca_file` or, when empty, the
// system's default trust store. Throws std::invalid_argument when the trust store cannot be loaded:
// that is a start-up (configuration) error, not something a reconnect could fix.
inline std::unique_ptr<boost::asio::ssl::context> MakeClientTlsContext(bool verify_peer,
                                                                       const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (!ca_file.empty()) {
    ctx->load_verify_file(ca_file, ec);
    if (ec) {
      throw std::invalid_argument("cannot load CA file '" + ca_file + "': " + ec.message());
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) throw std::invalid_argument("cannot load the system trust store: " + ec.message());
  }
  ctx->set_verify_mode(verify_peer ? ssl::verify_peer : ssl::verify_none);
  return ctx;
}

// Per connection: SNI (host names only: RFC 6066 forbids IP literals there) and host name
// verification of the certificate (DNS name or IP address).
template <class SslStream>
boost::system::error_code PrepareClientTls(SslStream& stream, const std::string& host,
                                           bool verify_peer) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  const bool is_ip_literal = !ec;
  if (!is_ip_literal && SSL_set_tlsext_host_name(stream.native_handle(), host.c_str()) != 1) {
    return {static_cast<int>(::ERR_get_error()), boost::asio::error::get_ssl_category()};
  }
  if (verify_peer) stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
  return {};
}

// "host:port" for Host headers, with brackets around IPv6 literals.
inline std::string HostHeader(const std::string& host, std::uint16_t port, bool omit_port) {
  std::string out = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!omit_port) out += ":" + std::to_string(port);
  return out;
}

}  // namespace tradingd::net::internal
