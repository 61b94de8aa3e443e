#include "core/clock.h"

#include <chrono>

#include <fmt/format.h>

namespace tradingd::core {

std::int64_t SystemClock::NowNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t SystemClock::MonotonicNs() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

std::string FormatTimestamp(std::int64_t unix_ns) {
  using namespace std::chrono;
  const std::int64_t ms_total = unix_ns >= 0 ? unix_ns / 1000000 : (unix_ns - 999999) / 1000000;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(ms_total)));
  const year_month_day ymd(day);
  const std::int64_t ms_of_day = ms_total - duration_cast<milliseconds>(day.time_since_epoch()).count();
  const std::int64_t seconds_of_day = ms_of_day / 1000;
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     seconds_of_day / 3600, (seconds_of_day / 60) % 60, seconds_of_day % 60,
                     ms_of_day % 1000);
}

}  // namespace tradingd::core
