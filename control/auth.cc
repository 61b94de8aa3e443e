#include "control/auth.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <system_error>
#include <utility>

#include "core/text.h"

namespace tradingd::control {
namespace {

using core::ErrorCode;
using core::Status;

Status ConfigError(std::string message) {
  return Status(ErrorCode::kInvalidConfig, std::move(message));
}

Status IoError(const std::filesystem::path& path, std::string_view what, int error) {
  return Status(ErrorCode::kIoError,
                fmt::format("{}: {}: {}", path.string(), what, std::strerror(error)));
}

// Wipes a secret we no longer need, so that it does not linger in freed heap memory.
void Cleanse(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

// Visible ASCII only: a token travels in an HTTP header, where spaces and controls are ambiguous.
Status ValidateToken(std::string_view token, std::string_view origin) {
  if (token.size() < kMinTokenLength) {
    return ConfigError(
        fmt::format("{}: token is shorter than {} characters", origin, kMinTokenLength));
  }
  if (token.size() > kMaxTokenLength) {
    return ConfigError(
        fmt::format("{}: token is longer than {} characters", origin, kMaxTokenLength));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) {
      return ConfigError(fmt::format(
          "{}: token contains a character outside visible ASCII (space, control or non-ASCII)",
          origin));
    }
  }
  return Status::Ok();
}

bool Sha256(std::string_view data, unsigned char* out) {
  unsigned int length = 0;
  return EVP_Digest(data.data(), data.size(), out, &length, EVP_sha256(), nullptr) == 1 &&
         length == 32;
}

// Reads an existing token file into *token after checking that only its owner can read it.
// Returns kNotFound when the file does not exist.
Status ReadTokenFile(const std::filesystem::path& path, std::string* token) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) return Status(ErrorCode::kNotFound, path.string());
    if (error == ELOOP) {
      return ConfigError(
          fmt::format("{}: is a symbolic link; the API token file must be a "
                      "regular file",
                      path.string()));
    }
    return IoError(path, "cannot open the API token file", error);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return IoError(path, "cannot stat the API token file", error);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return ConfigError(fmt::format("{}: the API token file is not a regular file", path.string()));
  }
  if (st.st_uid != ::geteuid()) {
    ::close(fd);
    return ConfigError(
        fmt::format("{}: the API token file is owned by uid {}, not by this user "
                    "(uid {}); refusing to use it",
                    path.string(), st.st_uid, ::geteuid()));
  }
  if ((st.st_mode & 0077) != 0) {
    ::close(fd);
    return ConfigError(
        fmt::format("{}: the API token file has mode {:04o}, readable or writable "
                    "by others; run `chmod 600 {}` or delete it to generate a new one",
                    path.string(), st.st_mode & 07777, path.string()));
  }
  std::string content(kMaxTokenLength + 2, '\0');
  std::size_t used = 0;
  while (used < content.size()) {
    const ssize_t n = ::read(fd, content.data() + used, content.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      Cleanse(content);
      return IoError(path, "cannot read the API token file", error);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  // A trailing newline (from an editor or `echo`) is not part of the token.
  while (used > 0 && (content[used - 1] == '\n' || content[used - 1] == '\r' ||
                      content[used - 1] == ' ' || content[used - 1] == '\t')) {
    --used;
  }
  content.resize(used);
  if (Status status = ValidateToken(content, path.string()); !status.ok()) {
    Cleanse(content);
    return status;
  }
  *token = std::move(content);
  return Status::Ok();
}

Status EnsureStateDir(const std::filesystem::path& dir) {
  std::error_code ec;
  const auto status = std::filesystem::status(dir, ec);
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_directory(status)) {
      return ConfigError(fmt::format("{}: the state directory is not a directory", dir.string()));
    }
    return Status::Ok();
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError(dir, "cannot create the state directory", ec.value());
  // The directory holds secrets and the journal: only the owner may list or enter it.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return IoError(dir, "cannot set mode 0700 on the state directory", errno);
  }
  return Status::Ok();
}

std::string HexToken(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0F]);
  }
  return out;
}

// Writes a fresh token next to `path` and links it into place, so that a crash never leaves a
// half-written token file and two daemons starting together agree on one token (the loser of
// link() reads the winner's file). Sets *created when this call made the file.
Status GenerateTokenFile(const std::filesystem::path& path, std::string* token, bool* created) {
  unsigned char random[kGeneratedTokenBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return Status(ErrorCode::kInternal, "RAND_bytes failed: cannot generate an API token");
  }
  std::string fresh = HexToken(random, sizeof(random));
  OPENSSL_cleanse(random, sizeof(random));
  std::string line = fresh + "\n";

  std::filesystem::path temp = path;
  temp += fmt::format(".{}.tmp", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    Cleanse(fresh);
    Cleanse(line);
    return IoError(temp, "cannot create the API token file", errno);
  }
  Status status = Status::Ok();
  // open() honours the umask, which can only narrow 0600; fchmod makes the mode explicit anyway.
  if (::fchmod(fd, 0600) != 0) status = IoError(temp, "cannot set mode 0600", errno);
  std::size_t written = 0;
  while (status.ok() && written < line.size()) {
    const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      status = IoError(temp, "cannot write the API token file", errno);
      break;
    }
    written += static_cast<std::size_t>(n);
  }
  if (status.ok() && ::fsync(fd) != 0)
    status = IoError(temp, "cannot sync the API token file", errno);
  ::close(fd);
  Cleanse(line);
  if (status.ok()) {
    if (::link(temp.c_str(), path.c_str()) == 0) {
      *created = true;
    } else if (errno != EEXIST) {
      status = IoError(path, "cannot create the API token file", errno);
    }
  }
  ::unlink(temp.c_str());
  if (!status.ok()) {
    Cleanse(fresh);
    return status;
  }
  if (*created) {
    // Make the new directory entry durable too.
    const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
    *token = std::move(fresh);
    return Status::Ok();
  }
  // Another process created the file between our lookup and our link(): use its token.
  Cleanse(fresh);
  return ReadTokenFile(path, token);
}

// Splits "Bearer <token>" into the token; empty when the header is not a bearer credential.
std::string_view BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer";
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (!header.empty() && is_space(header.front())) header.remove_prefix(1);
  while (!header.empty() && is_space(header.back())) header.remove_suffix(1);
  if (header.size() <= kScheme.size() ||
      !core::EqualsIgnoreCase(header.substr(0, kScheme.size()), kScheme) ||
      !is_space(header[kScheme.size()])) {
    return {};
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && is_space(header.front())) header.remove_prefix(1);
  for (char c : header) {
    if (is_space(c)) return {};  // "Bearer a b" is not one token
  }
  return header;
}

}  // namespace

const char* AccessName(Access access) {
  switch (access) {
    case Access::kNone:
      return "none";
    case Access::kRead:
      return "read";
    case Access::kFull:
      return "full";
  }
  return "none";
}

AuthSettings AuthSettings::FromEnvironment(std::filesystem::path state_dir) {
  AuthSettings settings;
  if (const char* value = std::getenv(std::string(kApiTokenEnv).c_str()))
    settings.api_token = value;
  if (const char* value = std::getenv(std::string(kReadTokenEnv).c_str())) {
    settings.read_token = value;
  }
  settings.state_dir = std::move(state_dir);
  return settings;
}

std::string AuthDescription::BannerLine() const {
  const char* read = read_token_set ? "; read-only token from TRADINGD_READ_TOKEN" : "";
  if (source == Source::kEnvironment) {
    return fmt::format("API token: from TRADINGD_API_TOKEN{}", read);
  }
  return fmt::format("API token: {} {} (mode 0600){}", token_generated ? "generated" : "read from",
                     token_file.string(), read);
}

void AuthDescription::WriteJson(core::JsonWriter& writer) const {
  writer.BeginObject().Key("mode").String(mode());
  if (source == Source::kFile) writer.Key("token_file").String(token_file.string());
  writer.Key("read_token_set").Bool(read_token_set).EndObject();
}

core::Result<Authenticator> Authenticator::Create(AuthSettings settings) {
  Authenticator auth;
  std::string full_token;
  if (!settings.api_token.empty()) {
    if (Status status = ValidateToken(settings.api_token, kApiTokenEnv); !status.ok()) {
      Cleanse(settings.api_token);
      Cleanse(settings.read_token);
      return status;
    }
    full_token = std::move(settings.api_token);
    auth.description_.source = AuthDescription::Source::kEnvironment;
  } else if (!settings.read_token.empty()) {
    // Generating a full token silently here would hide a likely typo in the deployment.
    Cleanse(settings.read_token);
    return ConfigError(
        fmt::format("{} is set but {} is not; set both, or neither to use a "
                    "generated token file",
                    kReadTokenEnv, kApiTokenEnv));
  } else {
    if (settings.state_dir.empty()) {
      return ConfigError(
          fmt::format("no {} set and no state directory for a token file", kApiTokenEnv));
    }
    const std::filesystem::path path = settings.state_dir / kTokenFileName;
    Status status = ReadTokenFile(path, &full_token);
    bool created = false;
    if (status.code() == ErrorCode::kNotFound) {
      status = EnsureStateDir(settings.state_dir);
      if (status.ok()) status = GenerateTokenFile(path, &full_token, &created);
    }
    if (!status.ok()) return status;
    auth.description_.source = AuthDescription::Source::kFile;
    auth.description_.token_file = path;
    auth.description_.token_generated = created;
  }

  if (!settings.read_token.empty()) {
    Status status = ValidateToken(settings.read_token, kReadTokenEnv);
    if (status.ok() && settings.read_token == full_token) {
      status =
          ConfigError(fmt::format("{} equals {}; a read-only token must differ from the "
                                  "full-access token",
                                  kReadTokenEnv, kApiTokenEnv));
    }
    if (status.ok() && !Sha256(settings.read_token, auth.read_digest_.data())) {
      status = Status(ErrorCode::kInternal, "SHA-256 failed");
    }
    Cleanse(settings.read_token);
    if (!status.ok()) {
      Cleanse(full_token);
      return status;
    }
    auth.has_read_token_ = true;
    auth.description_.read_token_set = true;
  }
  const bool hashed = Sha256(full_token, auth.full_digest_.data());
  Cleanse(full_token);
  if (!hashed) return Status(ErrorCode::kInternal, "SHA-256 failed");
  return auth;
}

Access Authenticator::Authorize(std::string_view authorization) const {
  const std::string_view token = BearerToken(authorization);
  if (token.empty() || token.size() > kMaxTokenLength) return Access::kNone;
  Digest presented{};
  if (!Sha256(token, presented.data())) return Access::kNone;
  // Both comparisons always run, so the timing does not tell which token (if any) matched.
  const bool full = CRYPTO_memcmp(presented.data(), full_digest_.data(), presented.size()) == 0;
  const bool read = CRYPTO_memcmp(presented.data(), read_digest_.data(), presented.size()) == 0;
  OPENSSL_cleanse(presented.data(), presented.size());
  if (full) return Access::kFull;
  if (read && has_read_token_) return Access::kRead;
  return Access::kNone;
}

}  // namespace tradingd::control
