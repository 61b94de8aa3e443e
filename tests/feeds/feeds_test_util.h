#pragma once
// Helpers shared by the feeds tests: padded payloads and a recording EventSink.

#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"

namespace tradingd::feeds::testing {

// A payload followed by 64 readable bytes, as net::WebSocketClient hands it over.
class Padded {
 public:
  explicit Padded(std::string_view json) : storage_(json) { storage_.append(64, ' '); size_ = json.size(); }
  std::string_view view() const { return std::string_view(storage_.data(), size_); }

 private:
  std::string storage_;
  std::size_t size_ = 0;
};

// Records every event; refuses them (queue full) while `full` is set.
class RecordingSink : public core::EventSink {
 public:
  bool Publish(const core::Event& event) override {
    if (full || (refuse_after >= 0 && accepted >= refuse_after)) {
      ++refused;
      return false;
    }
    ++accepted;
    events.push_back(event);
    return true;
  }

  template <typename T>
  std::vector<T> Of() const {
    std::vector<T> out;
    for (const core::Event& event : events) {
      if (const T* value = std::get_if<T>(&event)) out.push_back(*value);
    }
    return out;
  }

  std::vector<core::Event> events;
  bool full = false;
  int refuse_after = -1;  // >= 0: accept this many events in total, then refuse
  int accepted = 0;
  int refused = 0;
};

}  // namespace tradingd::feeds::testing
