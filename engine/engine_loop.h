#pragma once
// The engine thread: drains the inbound queue in bulk, applies each event in order, and publishes
// snapshots of what changed at most once per publish interval (so readers see state at most that
// old, and the copies cost the same at any message rate). It blocks on the queue when idle (no
// spinning on a two-core machine).
//
// Thread contract: Start/Stop from the main thread; everything else runs on the thread it starts,
// which is the owning thread of the Engine it is given.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <thread>

#include "engine/commands.h"
#include "engine/engine.h"
#include "engine/inbound_queue.h"

namespace tradingd::engine {

struct EngineLoopOptions {
  std::size_t batch = 256;  // events dequeued per wake-up, at most
  // Longest delay between a change and its publication while events keep arriving.
  std::chrono::microseconds publish_interval{2000};
  // How long the thread sleeps when there is nothing to publish.
  std::chrono::microseconds idle_interval{100000};
};

class EngineLoop {
 public:
  // With `commands` and `orders`, the loop also runs the control surface's commands and the order
  // manager's timers (queries, polls, cancels waiting for rate budget) between event batches.
  EngineLoop(Engine& engine, InboundQueue& queue, EngineLoopOptions options = {},
             CommandQueue* commands = nullptr, OrderManager* orders = nullptr);
  ~EngineLoop();
  EngineLoop(const EngineLoop&) = delete;
  EngineLoop& operator=(const EngineLoop&) = delete;

  void Start();
  // Applies what is already queued, publishes once more, and joins the thread.
  void Stop();

 private:
  void Run();
  void RunCommands();

  Engine& engine_;
  InboundQueue& queue_;
  EngineLoopOptions options_;
  CommandQueue* commands_;
  OrderManager* orders_;
  std::chrono::steady_clock::time_point next_order_tick_{};
  std::atomic<bool> running_{false};
  std::thread thread_;
};

}  // namespace tradingd::engine
