#pragma once
// The engine's inbound queue: every feed (and later every gateway) produces into it, the engine
// thread alone consumes. A moodycamel ConcurrentQueue bounded by pre-allocating its blocks:
// producers use try_enqueue, which never allocates, so a full queue is a counted, visible event (the
// feed marks the book STALE and resyncs) rather than unbounded memory growth.
//
// Waking the engine is explicit. Publishing only enqueues; QueueSink::Flush wakes the engine if it
// sleeps. A feed flushes once per burst of frames, so a flood costs one wake-up per burst rather
// than one futex round trip per message (DESIGN.md measured a wake-up at ~30 us on this machine).
// The engine announces that it is going to sleep and then looks at the queue once more, and a
// producer wakes it only after it has enqueued, so a wake-up is never lost (both sides use seq_cst).
//
// Thread contract: InboundQueue is safe from any thread; WaitDequeueBulk is called by the engine
// thread only. Each QueueSink belongs to one producer thread (its producer token keeps one
// venue's events in order).

#include <concurrentqueue/concurrentqueue.h>
#include <concurrentqueue/lightweightsemaphore.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "core/events.h"

namespace tradingd::engine {

class InboundQueue {
 public:
  using Queue = moodycamel::ConcurrentQueue<core::Event>;

  // `capacity` events at most are queued at once, whatever moodycamel's block arithmetic would
  // allow; `producers` is the number of QueueSinks (each has its own blocks).
  InboundQueue(std::size_t capacity, std::size_t producers)
      : queue_(capacity, producers, 0), capacity_(capacity) {}

  Queue& queue() { return queue_; }
  std::size_t size_approx() const { return size_.load(std::memory_order_relaxed); }
  std::size_t capacity() const { return capacity_; }

  // Producers reserve room before enqueueing; false when the queue holds `capacity` events.
  bool Reserve() {
    if (size_.fetch_add(1, std::memory_order_relaxed) >= capacity_) {
      size_.fetch_sub(1, std::memory_order_relaxed);
      return false;
    }
    return true;
  }
  void Unreserve() { size_.fetch_sub(1, std::memory_order_relaxed); }

  // Wakes the consumer if it sleeps (cheap when it does not: one atomic load). The fence orders
  // the producer's enqueue (a release store inside moodycamel) before the load of the flag, so
  // that producer and consumer cannot both miss each other (Dekker).
  void Wake() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (consumer_sleeping_.load(std::memory_order_relaxed)) wake_.signal();
  }

  // Engine thread: up to `max` events into `out`, waiting up to `timeout_us` when there are none.
  template <typename It>
  std::size_t WaitDequeueBulk(moodycamel::ConsumerToken& token, It out, std::size_t max,
                              std::int64_t timeout_us) {
    std::size_t n = Dequeue(token, out, max);
    if (n > 0) return n;
    consumer_sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // the announcement before the re-check
    n = Dequeue(token, out, max);  // anything enqueued before the announcement
    if (n == 0 && commands_pending_.load(std::memory_order_relaxed) == 0) {
      wake_.wait(timeout_us);
      n = Dequeue(token, out, max);
    }
    consumer_sleeping_.store(false, std::memory_order_relaxed);
    return n;
  }

  // A command (engine/commands.h) was queued elsewhere: counts it and wakes the engine. The count
  // is part of the sleep check above, so a command queued just before the engine sleeps is seen.
  void NotifyCommand() {
    commands_pending_.fetch_add(1, std::memory_order_relaxed);
    Wake();
  }
  // Engine thread: `n` commands have been taken.
  void CommandsTaken(std::size_t n) { commands_pending_.fetch_sub(n, std::memory_order_relaxed); }

  // Engine thread: what is queued now, without waiting (shutdown drain).
  template <typename It>
  std::size_t Dequeue(moodycamel::ConsumerToken& token, It out, std::size_t max) {
    const std::size_t n = queue_.try_dequeue_bulk(token, out, max);
    if (n > 0) size_.fetch_sub(n, std::memory_order_relaxed);
    return n;
  }

 private:
  Queue queue_;
  std::size_t capacity_;
  std::atomic<std::size_t> size_{0};  // events reserved or queued
  std::atomic<bool> consumer_sleeping_{false};
  std::atomic<std::size_t> commands_pending_{0};
  // Counts wake-ups, not events; a spare count only causes one early return. A short spin catches
  // a burst already on its way without burning the core the producer needs.
  moodycamel::LightweightSemaphore wake_{0, 100};
};

class QueueSink final : public core::EventSink {
 public:
  explicit QueueSink(InboundQueue& queue) : queue_(queue), token_(queue.queue()) {}

  bool Publish(const core::Event& event) override {
    if (!queue_.Reserve()) return false;
    const bool accepted = queue_.queue().try_enqueue(token_, event);
    if (!accepted) queue_.Unreserve();  // moodycamel's own blocks ran out first
    unflushed_ += accepted ? 1 : 0;
    // A producer that publishes a long run without flushing still gets the engine going.
    if (unflushed_ >= kWakeEvery) Flush();
    return accepted;
  }
  void Flush() override {
    if (unflushed_ == 0) return;
    unflushed_ = 0;
    queue_.Wake();
  }

 private:
  static constexpr std::size_t kWakeEvery = 256;
  InboundQueue& queue_;
  moodycamel::ProducerToken token_;
  std::size_t unflushed_ = 0;
};

}  // namespace tradingd::engine
