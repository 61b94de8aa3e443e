#pragma once
// Time, injectable: production code asks a Clock, tests drive a ManualClock.
//
// Thread contract: SystemClock is stateless and safe from any thread. ManualClock is safe from any
// thread (atomics); tests usually advance it from the test thread.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd::core {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, nanoseconds since the Unix epoch (UTC).
  virtual std::int64_t NowNs() const = 0;
  // Monotonic time for durations and timeouts, nanoseconds from an arbitrary origin.
  virtual std::int64_t MonotonicNs() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t NowNs() const override;
  std::int64_t MonotonicNs() const override;
  static const SystemClock& Instance();
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t now_ns = 0) : now_ns_(now_ns) {}
  std::int64_t NowNs() const override { return now_ns_.load(std::memory_order_relaxed); }
  std::int64_t MonotonicNs() const override { return now_ns_.load(std::memory_order_relaxed); }
  void Advance(std::int64_t ns) { now_ns_.fetch_add(ns, std::memory_order_relaxed); }
  void Set(std::int64_t ns) { now_ns_.store(ns, std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> now_ns_;
};

// RFC 3339 UTC with milliseconds: "2024-01-01T12:00:00.000Z".
std::string FormatTimestamp(std::int64_t unix_ns);
// RFC 3339, "2023-07-30T15:29:58.343415Z" or with a "+02:00" offset (what Kraken and Coinbase
// send) into Unix nanoseconds; digits past nanoseconds are truncated. Years 1970-2261, so that the
// result fits an int64. False for anything else.
bool ParseTimestamp(std::string_view text, std::int64_t* unix_ns);

}  // namespace tradingd::core
