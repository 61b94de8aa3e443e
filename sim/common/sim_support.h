#pragma once
// What every sandbox venue engine (BinanceSim, StreamSim) needs besides its market and its wire
// formats: calls from a test's or the daemon's thread carried onto the sim's io thread, the count of
// open WebSocket clients that tests wait on, and the admin endpoint's fault request.
//
// Thread contract: IoCalls::Call and ConnectionCount::WaitFor may be called from any thread;
// ConnectionCount::Set on the io thread; the rest (the fault requests' parsers, OrderFaultName,
// the admin answers) are pure functions.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "core/status.h"
#include "net/http_server.h"
#include "sim/common/venue_sim.h"

namespace tradingd::sim {

// Runs calls on the io thread and waits for their results.
class IoCalls {
 public:
  explicit IoCalls(boost::asio::io_context& io) : io_(io) {}

  // From Start(): once the io thread runs this, calls from other threads post and wait.
  void MarkStarted() {
    boost::asio::post(io_, [started = started_] { started->store(true); });
  }

  // `fn` on the io thread, returning its result. Inline when already there, or when the io thread
  // has not started (or has stopped), since nothing else can touch the state then.
  template <typename F>
  auto Call(F&& fn) -> decltype(fn()) {
    if (io_.get_executor().running_in_this_thread() || !started_->load() || io_.stopped()) {
      return fn();
    }
    std::packaged_task<decltype(fn())()> task(std::forward<F>(fn));
    auto future = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return future.get();
  }

 private:
  boost::asio::io_context& io_;
  // Shared with the posted marker, which may run after the owner is gone.
  std::shared_ptr<std::atomic<bool>> started_ = std::make_shared<std::atomic<bool>>(false);
};

// The number of open WebSocket clients, which tests wait on.
class ConnectionCount {
 public:
  void Set(std::size_t open) {
    {
      std::lock_guard lock(mutex_);
      open_.store(open);
    }
    changed_.notify_all();
  }
  std::size_t open() const { return open_.load(); }
  // Until at least `count` are open; false on timeout.
  bool WaitFor(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return open_.load() >= count; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::atomic<std::size_t> open_{0};
};

// POST /_sim/fault {"fault":..,"symbol":..,"duration_ms":..}; unknown keys are ignored.
struct FaultRequest {
  std::string fault;
  std::string symbol;  // empty: every symbol
  std::chrono::milliseconds duration{5000};
};
// An error (the message is the reason to answer) for a body that is not such an object.
core::Result<FaultRequest> ParseFaultRequest(std::string_view body);

// POST /_sim/order-fault {"fault":"rate_limited"|"server_error"|"accept_then_fail"|
// "accept_then_timeout","count":N,"retry_after_s":S}: VenueSim::InjectOrderFault from outside the
// process. count defaults to 1 (1 to 1000), retry_after_s to 2 (0 to 86400); unknown keys are
// ignored.
struct OrderFaultRequest {
  OrderFault fault = OrderFault::kServerError;
  int count = 1;
  std::chrono::seconds retry_after{2};
};
// The fault OrderFaultName spells so; nullopt for any other text.
std::optional<OrderFault> ParseOrderFault(std::string_view name);
// An error (the message is the reason to answer) for a body that is not such an object.
core::Result<OrderFaultRequest> ParseOrderFaultRequest(std::string_view body);

// The admin endpoint's answers: {"ok":true} and {"ok":false,"error":..}.
net::ServerResponse AdminOk();
net::ServerResponse AdminError(int status, std::string_view why);

}  // namespace tradingd::sim
