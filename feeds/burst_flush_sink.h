#pragma once
// An EventSink adapter for feeds on an io_context: it flushes the wrapped sink once per burst of
// work instead of once per event. The first Publish after a flush posts one Flush to the
// io_context; it runs after the handlers that are already ready (typically the other frames that one
// socket read brought in), so a burst of frames costs the engine a single wake-up.
//
// Thread contract: used on the io_context's thread only. Safe to destroy with a flush still posted.

#include <memory>

#include "core/events.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace tradingd::feeds {

class BurstFlushSink final : public core::EventSink {
 public:
  BurstFlushSink(boost::asio::io_context& io, core::EventSink& inner);
  ~BurstFlushSink() override;
  BurstFlushSink(const BurstFlushSink&) = delete;
  BurstFlushSink& operator=(const BurstFlushSink&) = delete;

  bool Publish(const core::Event& event) override;
  void Flush() override;

 private:
  struct State {
    core::EventSink* inner;
    bool flush_posted = false;
  };
  boost::asio::io_context& io_;
  std::shared_ptr<State> state_;  // posted flushes hold it weakly
};

}  // namespace tradingd::feeds
