#pragma once
// The engine's inbound queue: every feed (and later every gateway) produces into it, the engine
// thread alone consumes. A moodycamel BlockingConcurrentQueue, bounded by pre-allocating its blocks:
// producers use try_enqueue, which never allocates, so a full queue is a counted, visible event (the
// feed marks the book STALE and resyncs) rather than unbounded memory growth.
//
// Thread contract: InboundQueue is safe from any thread. Each QueueSink belongs to one producer
// thread (it holds that producer's token, which keeps one venue's events in order).

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <cstddef>

#include "core/events.h"

namespace tradingd::engine {

// How long the engine spins on an empty queue before it sleeps. moodycamel's default (10,000 rounds)
// burns the very core that the feed thread needs to produce the next message on a two-core machine;
// a short spin still catches a message that is already on its way.
#ifndef TRADINGD_QUEUE_SPINS
#define TRADINGD_QUEUE_SPINS 1000
#endif
struct InboundQueueTraits : moodycamel::ConcurrentQueueDefaultTraits {
  static const int MAX_SEMA_SPINS = TRADINGD_QUEUE_SPINS;
};

class InboundQueue {
 public:
  using Queue = moodycamel::BlockingConcurrentQueue<core::Event, InboundQueueTraits>;

  InboundQueue(std::size_t capacity, std::size_t max_producers)
      : queue_(capacity, max_producers, 0), capacity_(capacity) {}

  Queue& queue() { return queue_; }
  std::size_t size_approx() const { return queue_.size_approx(); }
  std::size_t capacity() const { return capacity_; }

 private:
  Queue queue_;
  std::size_t capacity_;
};

class QueueSink final : public core::EventSink {
 public:
  explicit QueueSink(InboundQueue& queue) : queue_(queue.queue()), token_(queue.queue()) {}
  bool Publish(const core::Event& event) override { return queue_.try_enqueue(token_, event); }

 private:
  InboundQueue::Queue& queue_;
  moodycamel::ProducerToken token_;
};

}  // namespace tradingd::engine
