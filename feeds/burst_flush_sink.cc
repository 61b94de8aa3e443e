#include "feeds/burst_flush_sink.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace tradingd::feeds {

BurstFlushSink::BurstFlushSink(boost::asio::io_context& io, core::EventSink& inner)
    : io_(io), state_(std::make_shared<State>(State{&inner})) {}

BurstFlushSink::~BurstFlushSink() { Flush(); }

bool BurstFlushSink::Publish(const core::Event& event) {
  const bool accepted = state_->inner->Publish(event);
  if (!state_->flush_posted) {
    state_->flush_posted = true;
    boost::asio::post(io_, [weak = std::weak_ptr<State>(state_)] {
      if (auto state = weak.lock()) {
        state->flush_posted = false;
        state->inner->Flush();
      }
    });
  }
  return accepted;
}

void BurstFlushSink::Flush() { state_->inner->Flush(); }

}  // namespace tradingd::feeds
