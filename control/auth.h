#pragma once
// Bearer-token authentication for the REST control surface (api.md, "Authentication").
//
// Tokens come from the environment (TRADINGD_API_TOKEN for full access, optionally
// TRADINGD_READ_TOKEN for read-only access) or, when neither is set, from `<state_dir>/api_token`,
// which is generated at first start (32 random bytes, hex) with mode 0600 and reused afterwards.
// Only SHA-256 digests of the tokens are kept in memory: a presented token is hashed and compared
// to each digest with CRYPTO_memcmp, so neither the token's content nor its length shows in the
// timing. Nothing here ever logs or returns a token.
//
// Thread contract: Create() runs on the main thread at start-up (it may touch the file system).
// An Authenticator is immutable afterwards; Authorize() and description() are safe from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "core/status.h"

namespace tradingd::control {

// What a request may do. Read may call everything that does not change state; Full may call all.
enum class Access : std::uint8_t { kNone, kRead, kFull };
const char* AccessName(Access access);

inline constexpr std::string_view kApiTokenEnv = "TRADINGD_API_TOKEN";
inline constexpr std::string_view kReadTokenEnv = "TRADINGD_READ_TOKEN";
inline constexpr std::string_view kTokenFileName = "api_token";
// A shorter token is refused at start: it is guessable, and tests catch a misconfiguration early.
inline constexpr std::size_t kMinTokenLength = 16;
inline constexpr std::size_t kMaxTokenLength = 4096;
inline constexpr std::size_t kGeneratedTokenBytes = 32;  // 64 hex characters

// Inputs of Authenticator::Create. An empty string counts as unset (as `export VAR=` would).
struct AuthSettings {
  std::string api_token;            // TRADINGD_API_TOKEN
  std::string read_token;           // TRADINGD_READ_TOKEN
  std::filesystem::path state_dir;  // where api_token is generated when no env token is set

  // Reads both variables from the process environment.
  static AuthSettings FromEnvironment(std::filesystem::path state_dir);
};

// Where the tokens came from: safe to print in the banner and to serve on /config.
struct AuthDescription {
  enum class Source : std::uint8_t { kEnvironment, kFile };
  Source source = Source::kEnvironment;
  bool read_token_set = false;
  std::filesystem::path token_file;  // kFile only
  bool token_generated = false;      // kFile only: the file was created by this start

  // "env" or "file".
  const char* mode() const { return source == Source::kFile ? "file" : "env"; }
  // One line for the start-up banner, e.g. "API token: generated /var/lib/tradingd/api_token".
  std::string BannerLine() const;
  // {"mode":"file","token_file":"...","read_token_set":false}
  void WriteJson(core::JsonWriter& writer) const;
};

class Authenticator {
 public:
  // Validates the settings and, in file mode, reads or generates the token file. Fails (with the
  // variable or the path and the reason) on a token shorter than kMinTokenLength or containing
  // characters outside visible ASCII, a read token equal to the full token, a read token without a
  // full token, a token file with permissions wider than 0600, owned by another user, not a regular
  // file, or unreadable.
  static core::Result<Authenticator> Create(AuthSettings settings);

  // `authorization` is the Authorization header's value ("Bearer <token>"; the scheme is
  // case-insensitive). kNone when absent, malformed or matching neither token.
  Access Authorize(std::string_view authorization) const;

  const AuthDescription& description() const { return description_; }

 private:
  using Digest = std::array<unsigned char, 32>;
  Authenticator() = default;

  Digest full_digest_{};
  Digest read_digest_{};
  bool has_read_token_ = false;
  AuthDescription description_;
};

}  // namespace tradingd::control
