#pragma once
// The engine's side of a gateway under test: an EventSink that records what the gateway publishes,
// lets a test wait for it (condition variable, no sleeps), and can play a full inbound queue
// (refusing every event, or every other one).
//
// Thread contract: Publish and Flush come from the gateway's I/O thread; everything else from the
// test's thread; a mutex guards the state.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/events.h"

namespace tradingd::testing {

// An upper bound for what must happen; tests fail at it rather than hang.
inline constexpr std::chrono::milliseconds kEventWait{10000};

class RecordingSink final : public core::EventSink {
 public:
  bool Publish(const core::Event& event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++publish_calls_;
    const bool refuse =
        refuse_all_ || (refuse_odd_calls_ && publish_calls_ % 2 == 0);  // the 2nd, 4th, ... call
    if (refuse) {
      ++refused_;
    } else {
      events_.push_back(event);
    }
    changed_.notify_all();
    return !refuse;
  }
  void Flush() override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++flushes_;
    changed_.notify_all();
  }

  void RefuseAll(bool refuse) {
    std::lock_guard<std::mutex> lock(mutex_);
    refuse_all_ = refuse;
  }
  void RefuseEveryOtherCall(bool refuse) {
    std::lock_guard<std::mutex> lock(mutex_);
    refuse_odd_calls_ = refuse;
  }

  // Waits until `done(events)` or `done(events, refused)` holds; false after `limit`.
  template <typename Done>
  bool WaitUntil(const Done& done, std::chrono::milliseconds limit = kEventWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      if constexpr (std::is_invocable_v<const Done&, const std::vector<core::Event>&>) {
        return done(events_);
      } else {
        return done(events_, refused_);
      }
    });
  }
  template <typename T>
  bool WaitFor(std::size_t count, std::chrono::milliseconds limit = kEventWait) {
    return WaitUntil(
        [&](const std::vector<core::Event>& events, int) { return Count<T>(events) >= count; },
        limit);
  }

  std::vector<core::Event> Events() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  template <typename T>
  std::vector<T> All() const {
    std::vector<T> out;
    for (const core::Event& event : Events()) {
      if (const T* value = std::get_if<T>(&event)) out.push_back(*value);
    }
    return out;
  }
  int refused() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return refused_;
  }
  int flushes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return flushes_;
  }
  // The producer flushes after a burst (the update is published before its Flush).
  bool WaitForFlushes(int count, std::chrono::milliseconds limit = kEventWait) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return flushes_ >= count; });
  }

  template <typename T>
  static std::size_t Count(const std::vector<core::Event>& events) {
    std::size_t n = 0;
    for (const core::Event& event : events) n += std::holds_alternative<T>(event) ? 1 : 0;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<core::Event> events_;
  int publish_calls_ = 0;
  int refused_ = 0;
  int flushes_ = 0;
  bool refuse_all_ = false;
  bool refuse_odd_calls_ = false;
};

}  // namespace tradingd::testing
