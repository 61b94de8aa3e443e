#include "control/auth.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tradingd::control {
namespace {

namespace fs = std::filesystem;

constexpr char kFull[] = "full-token-0123456789abcdef";
constexpr char kRead[] = "read-token-0123456789abcdef";

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "tradingd-auth-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

Authenticator MustCreate(AuthSettings settings) {
  auto auth = Authenticator::Create(std::move(settings));
  EXPECT_TRUE(auth.ok()) << auth.status().ToString();
  return std::move(auth).value();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

mode_t ModeOf(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(AuthenticatorTest, EnvFullTokenOnly) {
  const Authenticator auth = MustCreate({.api_token = kFull});
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kFull), Access::kFull);
  EXPECT_EQ(auth.Authorize(std::string("bearer ") + kFull), Access::kFull);
  EXPECT_EQ(auth.Authorize(std::string("BEARER   ") + kFull + "  "), Access::kFull);
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kRead), Access::kNone);
  EXPECT_EQ(auth.Authorize(""), Access::kNone);
  EXPECT_EQ(auth.Authorize("Bearer"), Access::kNone);
  EXPECT_EQ(auth.Authorize("Bearer "), Access::kNone);
  EXPECT_EQ(auth.Authorize(kFull), Access::kNone);  // no scheme
  EXPECT_EQ(auth.Authorize(std::string("Basic ") + kFull), Access::kNone);
  EXPECT_EQ(auth.Authorize(std::string("Bearer") + kFull), Access::kNone);  // no separator
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kFull + " x"), Access::kNone);
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kFull + "x"), Access::kNone);
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + std::string(kFull).substr(1)), Access::kNone);
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + std::string(5000, 'a')), Access::kNone);
  EXPECT_EQ(auth.description().source, AuthDescription::Source::kEnvironment);
  EXPECT_STREQ(auth.description().mode(), "env");
  EXPECT_FALSE(auth.description().read_token_set);
}

TEST(AuthenticatorTest, EnvFullAndReadTokens) {
  const Authenticator auth = MustCreate({.api_token = kFull, .read_token = kRead});
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kFull), Access::kFull);
  EXPECT_EQ(auth.Authorize(std::string("Bearer ") + kRead), Access::kRead);
  EXPECT_EQ(auth.Authorize("Bearer wrong-token-0123456789abcdef"), Access::kNone);
  EXPECT_TRUE(auth.description().read_token_set);
}

TEST(AuthenticatorTest, EnvTokensTakePrecedenceOverTheStateDir) {
  TempDir dir;
  const Authenticator auth = MustCreate({.api_token = kFull, .state_dir = dir.path()});
  EXPECT_EQ(auth.description().source, AuthDescription::Source::kEnvironment);
  EXPECT_FALSE(fs::exists(dir.path() / kTokenFileName));
}

TEST(AuthenticatorTest, RefusesBadEnvTokens) {
  struct Case {
    AuthSettings settings;
    std::string expect_in_message;
  };
  const Case cases[] = {
      {{.api_token = "tiny1"}, "TRADINGD_API_TOKEN: token is shorter than 16"},
      {{.api_token = "has a space in the middle!"}, "visible ASCII"},
      {{.api_token = "non-ascii-\xC3\xA9-0123456789"}, "visible ASCII"},
      {{.api_token = kFull, .read_token = "tiny2"}, "TRADINGD_READ_TOKEN: token is shorter"},
      {{.api_token = kFull, .read_token = kFull}, "must differ"},
      {{.read_token = kRead}, "TRADINGD_READ_TOKEN is set but TRADINGD_API_TOKEN is not"},
      {{}, "no state directory"},
  };
  for (const Case& c : cases) {
    auto auth = Authenticator::Create(c.settings);
    ASSERT_FALSE(auth.ok()) << c.expect_in_message;
    EXPECT_EQ(auth.status().code(), core::ErrorCode::kInvalidConfig);
    EXPECT_NE(auth.status().message().find(c.expect_in_message), std::string::npos)
        << auth.status().message();
    // The refusal never quotes the token.
    if (!c.settings.api_token.empty()) {
      EXPECT_EQ(auth.status().message().find(c.settings.api_token), std::string::npos);
    }
  }
}

TEST(AuthenticatorTest, GeneratesTokenFileWithMode0600InA0700Dir) {
  TempDir tmp;
  const fs::path state_dir = tmp.path() / "nested" / "state";
  const Authenticator auth = MustCreate({.state_dir = state_dir});
  const fs::path file = state_dir / kTokenFileName;
  ASSERT_TRUE(fs::is_regular_file(file));
  EXPECT_EQ(ModeOf(file), 0600u);
  EXPECT_EQ(ModeOf(state_dir), 0700u);

  const std::string content = ReadFile(file);
  ASSERT_EQ(content.size(), 65u);  // 32 bytes as hex, then a newline
  EXPECT_EQ(content.back(), '\n');
  const std::string token = content.substr(0, 64);
  EXPECT_EQ(token.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(auth.Authorize("Bearer " + token), Access::kFull);
  EXPECT_EQ(auth.Authorize("Bearer " + token.substr(0, 63) + "x"), Access::kNone);

  const AuthDescription& description = auth.description();
  EXPECT_STREQ(description.mode(), "file");
  EXPECT_EQ(description.token_file, file);
  EXPECT_TRUE(description.token_generated);
  // The banner and /config name the file, never the token.
  const std::string banner = description.BannerLine();
  EXPECT_NE(banner.find(file.string()), std::string::npos) << banner;
  EXPECT_NE(banner.find("generated"), std::string::npos) << banner;
  EXPECT_EQ(banner.find(token), std::string::npos);
  core::JsonWriter writer;
  description.WriteJson(writer);
  EXPECT_EQ(writer.str(),
            R"({"mode":"file","token_file":")" + file.string() + R"(","read_token_set":false})");
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(state_dir), fs::directory_iterator()), 1);
}

TEST(AuthenticatorTest, ReusesAnExistingTokenFile) {
  TempDir tmp;
  const Authenticator first = MustCreate({.state_dir = tmp.path()});
  const std::string token = ReadFile(tmp.path() / kTokenFileName).substr(0, 64);
  const Authenticator second = MustCreate({.state_dir = tmp.path()});
  EXPECT_FALSE(second.description().token_generated);
  EXPECT_EQ(second.Authorize("Bearer " + token), Access::kFull);
  EXPECT_NE(second.description().BannerLine().find("read from"), std::string::npos);
}

TEST(AuthenticatorTest, ReadsAHandWrittenTokenFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / kTokenFileName;
  std::ofstream(file) << "operator-chosen-token-42\r\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  const Authenticator auth = MustCreate({.state_dir = tmp.path()});
  EXPECT_EQ(auth.Authorize("Bearer operator-chosen-token-42"), Access::kFull);
}

TEST(AuthenticatorTest, FileModeWithAReadToken) {
  TempDir tmp;
  AuthSettings settings{.state_dir = tmp.path()};
  const Authenticator generated = MustCreate(settings);
  const std::string token = ReadFile(tmp.path() / kTokenFileName).substr(0, 64);
  // Only a read token in the environment is refused (it likely means a forgotten API token).
  settings.read_token = kRead;
  EXPECT_FALSE(Authenticator::Create(settings).ok());
  EXPECT_EQ(generated.Authorize(std::string("Bearer ") + kRead), Access::kNone);
  EXPECT_EQ(generated.Authorize("Bearer " + token), Access::kFull);
}

TEST(AuthenticatorTest, RefusesATokenFileReadableByOthers) {
  TempDir tmp;
  ASSERT_TRUE(Authenticator::Create({.state_dir = tmp.path()}).ok());
  const fs::path file = tmp.path() / kTokenFileName;
  for (mode_t mode : {0644, 0640, 0604, 0660, 0606}) {
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    auto auth = Authenticator::Create({.state_dir = tmp.path()});
    ASSERT_FALSE(auth.ok()) << std::oct << mode;
    EXPECT_EQ(auth.status().code(), core::ErrorCode::kInvalidConfig);
    EXPECT_NE(auth.status().message().find(file.string()), std::string::npos);
    EXPECT_NE(auth.status().message().find("chmod 600"), std::string::npos)
        << auth.status().message();
  }
  // A narrower mode is fine.
  ASSERT_EQ(::chmod(file.c_str(), 0400), 0);
  EXPECT_TRUE(Authenticator::Create({.state_dir = tmp.path()}).ok());
}

TEST(AuthenticatorTest, RefusesASymlinkOrDirectoryAsTokenFile) {
  TempDir tmp;
  const fs::path target = tmp.path() / "elsewhere";
  std::ofstream(target) << "operator-chosen-token-42\n";
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  fs::create_symlink(target, tmp.path() / kTokenFileName);
  auto auth = Authenticator::Create({.state_dir = tmp.path()});
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find("symbolic link"), std::string::npos);

  TempDir tmp2;
  fs::create_directory(tmp2.path() / kTokenFileName);
  EXPECT_FALSE(Authenticator::Create({.state_dir = tmp2.path()}).ok());
}

TEST(AuthenticatorTest, RefusesAnEmptyOrShortTokenFile) {
  TempDir tmp;
  const fs::path file = tmp.path() / kTokenFileName;
  std::ofstream(file) << "\n";
  fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write);
  auto auth = Authenticator::Create({.state_dir = tmp.path()});
  ASSERT_FALSE(auth.ok());
  EXPECT_NE(auth.status().message().find("shorter than"), std::string::npos);
}

TEST(AuthenticatorTest, RefusesAStateDirThatIsAFile) {
  TempDir tmp;
  const fs::path not_a_dir = tmp.path() / "file";
  std::ofstream(not_a_dir) << "x";
  auto auth = Authenticator::Create({.state_dir = not_a_dir});
  EXPECT_FALSE(auth.ok());
}

TEST(AuthenticatorTest, SettingsFromEnvironment) {
  ::setenv("TRADINGD_API_TOKEN", kFull, 1);
  ::setenv("TRADINGD_READ_TOKEN", kRead, 1);
  const AuthSettings settings = AuthSettings::FromEnvironment("/nonexistent");
  ::unsetenv("TRADINGD_API_TOKEN");
  ::unsetenv("TRADINGD_READ_TOKEN");
  EXPECT_EQ(settings.api_token, kFull);
  EXPECT_EQ(settings.read_token, kRead);
  EXPECT_EQ(settings.state_dir, fs::path("/nonexistent"));
  const AuthSettings empty = AuthSettings::FromEnvironment("/x");
  EXPECT_TRUE(empty.api_token.empty());
  EXPECT_TRUE(empty.read_token.empty());
}

TEST(AuthenticatorTest, EnvDescription) {
  const Authenticator auth = MustCreate({.api_token = kFull, .read_token = kRead});
  core::JsonWriter writer;
  auth.description().WriteJson(writer);
  EXPECT_EQ(writer.str(), R"({"mode":"env","read_token_set":true})");
  const std::string banner = auth.description().BannerLine();
  EXPECT_EQ(banner.find(kFull), std::string::npos);
  EXPECT_EQ(banner.find(kRead), std::string::npos);
  EXPECT_NE(banner.find("TRADINGD_API_TOKEN"), std::string::npos);
}

}  // namespace
}  // namespace tradingd::control
