#include "engine/engine_loop.h"

#include <pthread.h>

#include <algorithm>

#include <vector>

namespace tradingd::engine {

EngineLoop::EngineLoop(Engine& engine, InboundQueue& queue, EngineLoopOptions options,
                       CommandQueue* commands, OrderManager* orders)
    : engine_(engine), queue_(queue), options_(options), commands_(commands), orders_(orders) {}

EngineLoop::~EngineLoop() { Stop(); }

void EngineLoop::Start() {
  if (running_.exchange(true)) return;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "engine");  // shows in top, perf and gdb
    Run();
  });
}

void EngineLoop::Stop() {
  if (!running_.exchange(false)) return;
  if (thread_.joinable()) thread_.join();
}

void EngineLoop::Run() {
  moodycamel::ConsumerToken consumer(queue_.queue());
  std::vector<core::Event> batch(options_.batch);
  engine_.Publish(queue_.size_approx());  // every book is visible (SYNCING) from the start
  auto last_publish = std::chrono::steady_clock::now();
  bool unpublished = false;

  while (running_.load(std::memory_order_relaxed)) {
    // Changes wait at most one publish interval; with none waiting, sleep until the periodic stats
    // refresh. Publishing copies up to publish_depth levels a side, so it must never follow every
    // small burst of a busy feed: at most once per interval, whatever the message rate.
    const auto since_publish = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - last_publish);
    auto timeout = unpublished ? std::max(options_.publish_interval - since_publish,
                                          std::chrono::microseconds(0))
                               : options_.idle_interval;
    if (orders_ != nullptr) {
      // The order timers walk every open order: only when something is due, not per batch.
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_order_tick_) next_order_tick_ = now + orders_->Tick();
      timeout = std::clamp(std::chrono::duration_cast<std::chrono::microseconds>(
                               next_order_tick_ - now),
                           std::chrono::microseconds(0), timeout);
    }
    const std::size_t n = queue_.WaitDequeueBulk(consumer, batch.begin(), batch.size(),
                                                 static_cast<std::int64_t>(timeout.count()));
    for (std::size_t i = 0; i < n; ++i) engine_.Apply(batch[i]);
    // Commands after the events that arrived with them: an order sees the freshest book.
    RunCommands();
    unpublished = unpublished || n > 0;
    const auto now = std::chrono::steady_clock::now();
    if ((unpublished && now - last_publish >= options_.publish_interval) ||
        now - last_publish >= options_.idle_interval) {
      engine_.Publish(queue_.size_approx());
      last_publish = now;
      unpublished = false;
    }
  }
  // Drain what the feeds managed to queue before they stopped; commands arriving from now on are
  // refused by the queue, and those already queued are answered.
  if (commands_ != nullptr) commands_->Close();
  RunCommands();
  std::size_t n;
  while ((n = queue_.Dequeue(consumer, batch.begin(), batch.size())) > 0) {
    for (std::size_t i = 0; i < n; ++i) engine_.Apply(batch[i]);
  }
  engine_.Publish(0);
}

void EngineLoop::RunCommands() {
  if (commands_ == nullptr || orders_ == nullptr) return;
  std::unique_ptr<Command> command;
  while (commands_->TryPop(&command)) {
    orders_->Execute(*command);
    next_order_tick_ = {};  // a new order may want its timer sooner
  }
}

}  // namespace tradingd::engine
