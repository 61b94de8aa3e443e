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

namespace {

// Two ASCII digits or four; false unless every one is a digit.
bool ReadDigits(std::string_view text, std::size_t at, std::size_t count, int* out) {
  if (at + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

}  // namespace

bool ParseTimestamp(std::string_view text, std::int64_t* ns) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, 0, 4, &year) || text.size() < 20 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, &month) || text[7] != '-' || !ReadDigits(text, 8, 2, &day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !ReadDigits(text, 11, 2, &hour) ||
      text[13] != ':' || !ReadDigits(text, 14, 2, &minute) || text[16] != ':' ||
      !ReadDigits(text, 17, 2, &second)) {
    return false;
  }
  std::size_t at = 19;
  std::int64_t fraction_ns = 0;
  if (text[at] == '.') {
    ++at;
    std::size_t digits = 0;
    std::int64_t scale = 100'000'000;
    for (; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++digits) {
      if (digits < 9) {
        fraction_ns += (text[at] - '0') * scale;
        scale /= 10;
      }
    }
    if (digits == 0) return false;
  }
  if (at >= text.size()) return false;  // RFC 3339 requires the zone
  std::int64_t offset_s = 0;
  if (text[at] == 'Z' || text[at] == 'z') {
    ++at;
  } else if (text[at] == '+' || text[at] == '-') {
    int offset_hours = 0, offset_minutes = 0;
    if (!ReadDigits(text, at + 1, 2, &offset_hours) || at + 3 >= text.size() ||
        text[at + 3] != ':' || !ReadDigits(text, at + 4, 2, &offset_minutes) || offset_hours > 23 ||
        offset_minutes > 59) {
      return false;
    }
    offset_s = (text[at] == '+' ? 1 : -1) * (offset_hours * 3600 + offset_minutes * 60);
    at += 6;
  } else {
    return false;
  }
  if (at != text.size()) return false;
  if (year < 1970 || year > 2261 || hour > 23 || minute > 59 || second > 60) return false;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return false;
  const std::int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const std::int64_t seconds =
      days * 86400 + hour * 3600 + minute * 60 + second - offset_s;  // 60: a leap second
  if (seconds < 0) return false;
  *ns = seconds * 1'000'000'000 + fraction_ns;
  return true;
}

}  // namespace tradingd::core
