// The admin fault request and the connection count both sandbox engines use.

#include "sim/common/sim_support.h"

#include <gtest/gtest.h>

#include <thread>

namespace tradingd::sim {
namespace {

using namespace std::chrono_literals;

TEST(FaultRequestTest, ReadsTheFaultSymbolAndDuration) {
  auto request = ParseFaultRequest(R"({"fault":"silence","symbol":"BTCUSDT","duration_ms":1200,"x":[1]})");
  ASSERT_TRUE(request.ok()) << request.status().message();
  EXPECT_EQ(request->fault, "silence");
  EXPECT_EQ(request->symbol, "BTCUSDT");
  EXPECT_EQ(request->duration, 1200ms);
  auto defaults = ParseFaultRequest(R"({"fault":"drop"})");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults->symbol.empty());
  EXPECT_EQ(defaults->duration, 5000ms);
}

TEST(FaultRequestTest, RefusesWhatIsNotAFaultObject) {
  const struct {
    const char* body;
    const char* reason;
  } cases[] = {
      {"", "the body must be a JSON object"},
      {"[1]", "the body must be a JSON object"},
      {R"({"fault":)", "the body must be a JSON object"},
      {R"({"fault":1})", "fault must be a string"},
      {R"({"symbol":true})", "symbol must be a string"},
      {R"({"duration_ms":-1})", "duration_ms must be a non-negative integer"},
      {R"({"duration_ms":"5"})", "duration_ms must be a non-negative integer"},
  };
  for (const auto& c : cases) {
    auto request = ParseFaultRequest(c.body);
    ASSERT_FALSE(request.ok()) << c.body;
    EXPECT_EQ(request.status().message(), c.reason) << c.body;
  }
  const net::ServerResponse error = AdminError(400, "unknown \"symbol\"");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.body, R"({"ok":false,"error":"unknown \"symbol\""})");
  EXPECT_EQ(AdminOk().body, R"({"ok":true})");
}

TEST(ConnectionCountTest, WaitsForTheCountFromAnotherThread) {
  ConnectionCount count;
  EXPECT_FALSE(count.WaitFor(1, 1ms));
  std::thread setter([&] { count.Set(2); });
  EXPECT_TRUE(count.WaitFor(2, 10s));
  setter.join();
  EXPECT_EQ(count.open(), 2u);
}

}  // namespace
}  // namespace tradingd::sim
