#pragma once
// Locating ../shared/fixtures from tests. TRADINGD_FIXTURES overrides the path. When the folder is
// absent a fixture test skips with a clear message, unless TRADINGD_REQUIRE_FIXTURES=1 (CI), where it
// fails.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tradingd::testing {

inline std::filesystem::path FixturesDir() {
  if (const char* env = std::getenv("TRADINGD_FIXTURES"); env != nullptr && *env != '\0') return env;
  return TRADINGD_DEFAULT_FIXTURES;
}

inline bool FixturesRequired() {
  const char* env = std::getenv("TRADINGD_REQUIRE_FIXTURES");
  return env != nullptr && std::string(env) == "1";
}

}  // namespace tradingd::testing

// Resolves `relative` under the fixtures folder into `var`, or skips (fails in CI) when it is absent.
#define TRADINGD_REQUIRE_FIXTURE(var, relative)                                                  \
  const std::filesystem::path var = ::tradingd::testing::FixturesDir() / (relative);             \
  if (!std::filesystem::exists(var)) {                                                           \
    if (::tradingd::testing::FixturesRequired()) {                                               \
      FAIL() << "fixture " << var << " is missing and TRADINGD_REQUIRE_FIXTURES=1";              \
    }                                                                                            \
    GTEST_SKIP() << "fixture " << var                                                            \
                 << " not found; set TRADINGD_FIXTURES to ../shared/fixtures to run this test";  \
  }
