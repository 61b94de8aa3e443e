// The tradingd binary as a user runs it: version, check-config, and `run` in sandbox mode until a
// signal, with exit code 0.

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <simdjson.h>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "app/config.h"
#include "app/daemon.h"
#include "core/events.h"
#include "engine/snapshots.h"
#include "net/http_client.h"

namespace {

using namespace std::chrono_literals;

// A spawned process; killed and reaped when it goes out of scope still running (a failed
// assertion returns early and must not leave a daemon behind).
struct Child {
  pid_t pid = -1;
  int output = -1;  // the child's stdout and stderr
  Child() = default;
  Child(pid_t p, int fd) : pid(p), output(fd) {}
  Child(Child&& other) noexcept : pid(std::exchange(other.pid, -1)), output(std::exchange(other.output, -1)) {}
  Child& operator=(Child&&) = delete;
  ~Child() {
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (output >= 0) close(output);
  }
};

Child Spawn(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  int pipe_fds[2];
  EXPECT_EQ(pipe(pipe_fds), 0);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    for (const std::string& assignment : env) putenv(const_cast<char*>(assignment.c_str()));
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

// Reads the child's output until `pattern` matches or the deadline passes; returns all read so far.
std::string ReadUntil(int fd, const std::regex& pattern, std::chrono::seconds timeout, std::smatch* match) {
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  fcntl(fd, F_SETFL, O_NONBLOCK);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
      if (std::regex_search(text, *match, pattern)) return text;
    } else if (n == 0) {
      break;
    } else {
      std::this_thread::sleep_for(5ms);
    }
  }
  return text;
}

// Waits up to 10 s for the child to exit; its exit code (128 + signal when killed by one).
int Wait(Child& child) {
  int status = 0;
  for (int i = 0; i < 2000; ++i) {
    if (waitpid(child.pid, &status, WNOHANG) == child.pid) {
      child.pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(5ms);
  }
  return -1;  // still running: the destructor kills it
}

int RunToEnd(const std::vector<std::string>& args, std::string* output) {
  Child child = Spawn(args);
  std::smatch match;
  *output = ReadUntil(child.output, std::regex("$^"), 20s, &match);
  return Wait(child);
}

int HealthStatus(std::uint16_t port) {
  boost::asio::io_context io;
  tradingd::net::HttpClient client(io, {.base_url = fmt::format("http://127.0.0.1:{}", port)});
  int status = 0;
  bool done = false;
  client.Send({"GET", "/api/trading/health", {}, ""}, [&](auto response) {
    done = true;
    if (response.ok()) status = response->status;
  });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done && std::chrono::steady_clock::now() < deadline) io.run_one_for(100ms);
  client.Stop();
  return status;
}

const std::string kBinary = TRADINGD_BINARY;
const std::string kSandboxConfig = std::string(TRADINGD_SOURCE_DIR) + "/configs/sandbox.toml";

TEST(CliTest, VersionAndCheckConfig) {
  std::string output;
  EXPECT_EQ(RunToEnd({kBinary, "version"}, &output), 0);
  EXPECT_NE(output.find("tradingd 0."), std::string::npos) << output;

  EXPECT_EQ(RunToEnd({kBinary, "check-config", kSandboxConfig}, &output), 0) << output;
  EXPECT_NE(output.find("ok (sandbox"), std::string::npos) << output;

  const auto bad = std::filesystem::temp_directory_path() / fmt::format("tradingd-bad-{}.toml", getpid());
  std::ofstream(bad) << "mode = \"sandbox\"\n[venues.binance]\nenabled = true\ninstrument = [\"BTC-USDT\"]\n";
  EXPECT_EQ(RunToEnd({kBinary, "check-config", bad.string()}, &output), 1);
  EXPECT_NE(output.find(bad.string() + ":4:1: unknown key 'instrument'"), std::string::npos) << output;
  std::filesystem::remove(bad);

  EXPECT_NE(RunToEnd({kBinary, "frobnicate"}, &output), 0);
  EXPECT_EQ(RunToEnd({kBinary, "--help"}, &output), 0);
  for (const char* subcommand : {"run", "replay", "check-config", "version"}) {
    EXPECT_NE(output.find(subcommand), std::string::npos) << output;
  }
}

TEST(CliTest, RunServesInSandboxModeAndExitsCleanlyOnSignals) {
  // File mode: no token from the environment (another test in this process may have set one).
  ::unsetenv("TRADINGD_API_TOKEN");
  ::unsetenv("TRADINGD_READ_TOKEN");
  for (int signal : {SIGTERM, SIGINT}) {
    const auto state = std::filesystem::temp_directory_path() / fmt::format("tradingd-cli-{}-{}", getpid(), signal);
    Child child = Spawn({kBinary, "run", "--config", kSandboxConfig, "--listen", "127.0.0.1:0"},
                        {"TRADINGD_STATE_DIR=" + state.string()});
    std::smatch match;
    const std::string banner =
        ReadUntil(child.output, std::regex(R"(REST on http://127\.0\.0\.1:(\d+)[\s\S]*venue binance.*\n)"), 20s,
                  &match);
    ASSERT_FALSE(match.empty()) << banner;
    const auto port = static_cast<std::uint16_t>(std::stoi(match[1].str()));
    EXPECT_NE(banner.find("sandbox mode"), std::string::npos) << banner;
    EXPECT_NE(banner.find("venue binance"), std::string::npos) << banner;
    EXPECT_EQ(HealthStatus(port), 200);
    // The generated token never appears in the output, only its path.
    std::ifstream token_file(state / "api_token");
    std::string token;
    token_file >> token;
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(banner.find(token), std::string::npos);

    kill(child.pid, signal);
    EXPECT_EQ(Wait(child), 0) << "signal " << signal;
    std::filesystem::remove_all(state);
  }
}

TEST(CliTest, JsonLogLinesAreJson) {
  ::unsetenv("TRADINGD_API_TOKEN");
  ::unsetenv("TRADINGD_READ_TOKEN");
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("tradingd-cli-json-{}", getpid());
  std::filesystem::create_directories(dir);
  std::ifstream sandbox(kSandboxConfig);
  std::string config((std::istreambuf_iterator<char>(sandbox)), std::istreambuf_iterator<char>());
  config.replace(config.find("format = \"plain\""), 16, "format = \"json\"");
  std::ofstream(dir / "json.toml") << config;

  Child child = Spawn({kBinary, "run", "--config", (dir / "json.toml").string(), "--listen", "127.0.0.1:0"},
                      {"TRADINGD_STATE_DIR=" + (dir / "state").string()});
  std::smatch match;
  std::string output = ReadUntil(child.output, std::regex(R"(venue binance.*\n)"), 20s, &match);
  ASSERT_FALSE(match.empty()) << output;
  kill(child.pid, SIGTERM);
  EXPECT_EQ(Wait(child), 0);
  output += ReadUntil(child.output, std::regex("$^"), 5s, &match);

  simdjson::dom::parser parser;
  std::istringstream lines(output);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    simdjson::dom::element entry;
    ASSERT_EQ(parser.parse(line).get(entry), simdjson::SUCCESS) << line;
    EXPECT_TRUE(std::string_view(entry["time"]).ends_with("Z")) << line;
    EXPECT_FALSE(std::string_view(entry["level"]).empty()) << line;
    EXPECT_FALSE(std::string_view(entry["msg"]).empty()) << line;
    ++count;
  }
  EXPECT_GE(count, 4);  // the banner lines and the shutdown lines
  std::filesystem::remove_all(dir);
}

// The venue as a process of its own (`tradingd sim`), and a daemon in live mode pointed at it: the
// path a live configuration takes, with a real socket between two processes.
TEST(CliTest, LiveModeAgainstTheStandaloneVenue) {
  Child venue = Spawn({kBinary, "sim", "--listen", "127.0.0.1:0", "--changes-per-second", "500"});
  std::smatch match;
  const std::string banner =
      ReadUntil(venue.output, std::regex(R"(ws://127\.0\.0\.1:(\d+))"), 20s, &match);
  ASSERT_FALSE(match.empty()) << banner;
  const std::string port = match[1].str();

  ::setenv("TRADINGD_API_TOKEN", "cli-live-test-token-0123456789", 1);
  const auto state = std::filesystem::temp_directory_path() / fmt::format("tradingd-cli-live-{}", getpid());
  const std::string text = fmt::format(R"(
mode = "live"
[server]
listen = "127.0.0.1:0"
[state]
dir = "{0}"
[log]
level = "warn"
[venues.binance]
enabled = true
ws_url = "ws://127.0.0.1:{1}"
rest_url = "http://127.0.0.1:{1}"
instruments = ["BTC-USDT", "ETH-USDT"]
)",
                                       state.string(), port);
  auto config = tradingd::app::ParseConfig(text, "live.toml", tradingd::app::ProcessEnvironment());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  tradingd::app::Daemon daemon(*config);
  ASSERT_TRUE(daemon.Start().ok());
  EXPECT_EQ(daemon.venue_sim(tradingd::core::Venue::kBinance), nullptr);  // live mode starts no venue of its own
  auto all_live = [&] {
    for (tradingd::core::InstrumentId id = 0; id < daemon.registry().size(); ++id) {
      auto book = daemon.snapshots().Book(id);
      if (!book || book->state != tradingd::core::BookState::kLive || book->bids.empty()) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (!all_live() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(all_live());
  daemon.Stop();
  ::unsetenv("TRADINGD_API_TOKEN");

  kill(venue.pid, SIGTERM);
  EXPECT_EQ(Wait(venue), 0);
  std::filesystem::remove_all(state);
}

}  // namespace
