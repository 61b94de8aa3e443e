// Micro-benchmarks of the hot-path pieces: decimal parsing, book apply per level, queue hop.
// Run: build/bench/micro_bench (see bench/README.md for the figures and the machine).

#include <benchmark/benchmark.h>

#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "core/decimal.h"
#include "engine/inbound_queue.h"
#include "engine/order_book.h"

namespace {

using tradingd::core::Price;
using tradingd::core::Quantity;
using tradingd::core::Side;

void BM_ParseDecimal(benchmark::State& state) {
  const char* texts[] = {"61685.99000000", "0.00123000", "61737.63000000", "3.78826000"};
  std::size_t i = 0;
  for (auto _ : state) {
    std::int64_t value;
    auto error = tradingd::core::ParseDecimal(texts[i++ & 3], 8, &value);
    benchmark::DoNotOptimize(error);
    benchmark::DoNotOptimize(value);
  }
}
BENCHMARK(BM_ParseDecimal);

// Level updates shaped like the BTCUSDT capture: most near the top, a large share thousands of
// ticks away, a third of them deletions.
std::vector<std::pair<std::int64_t, std::int64_t>> MakeUpdates(std::size_t n) {
  std::mt19937_64 rng(1);
  std::vector<std::pair<std::int64_t, std::int64_t>> updates(n);
  for (auto& [ticks, quantity] : updates) {
    const std::int64_t distance =
        (rng() % 2 == 0) ? static_cast<std::int64_t>(rng() % 200) : static_cast<std::int64_t>(rng() % 20000);
    ticks = distance;
    quantity = (rng() % 3 == 0) ? 0 : static_cast<std::int64_t>(rng() % 100000 + 1);
  }
  return updates;
}

void BM_BookApplyLevel(benchmark::State& state) {
  const auto updates = MakeUpdates(1 << 16);
  tradingd::engine::OrderBook book;
  const std::int64_t mid = 6'168'600;  // ticks of 0.01 at scale 8 below
  const std::int64_t tick = 1'000'000;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [distance, quantity] = updates[i++ & 0xFFFF];
    const bool bid = (i & 1) != 0;
    const std::int64_t ticks = bid ? mid - 1 - distance : mid + distance;
    benchmark::DoNotOptimize(book.Set(bid ? Side::kBuy : Side::kSell,
                                      Price::FromMantissa(ticks * tick), Quantity::FromMantissa(quantity)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BookApplyLevel);

// The same updates on a std::map book, for scale.
void BM_MapBookApplyLevel(benchmark::State& state) {
  const auto updates = MakeUpdates(1 << 16);
  std::map<std::int64_t, std::int64_t, std::greater<>> bids;
  std::map<std::int64_t, std::int64_t> asks;
  const std::int64_t mid = 6'168'600;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto& [distance, quantity] = updates[i++ & 0xFFFF];
    const bool bid = (i & 1) != 0;
    if (bid) {
      if (quantity == 0) bids.erase(mid - 1 - distance); else bids[mid - 1 - distance] = quantity;
    } else {
      if (quantity == 0) asks.erase(mid + distance); else asks[mid + distance] = quantity;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MapBookApplyLevel);

void BM_BookTopOfBook(benchmark::State& state) {
  tradingd::engine::OrderBook book;
  for (int i = 1; i <= 1000; ++i) {
    (void)book.Set(Side::kBuy, Price::FromMantissa(100000 - i), Quantity::FromMantissa(i));
    (void)book.Set(Side::kSell, Price::FromMantissa(100000 + i), Quantity::FromMantissa(i));
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(book.BestBid());
    benchmark::DoNotOptimize(book.BestAsk());
  }
}
BENCHMARK(BM_BookTopOfBook);

// One event through the inbound queue on one thread: the cost of the queue itself.
void BM_QueueEnqueueDequeue(benchmark::State& state) {
  tradingd::engine::InboundQueue queue(4096, 1);
  tradingd::engine::QueueSink sink(queue);
  moodycamel::ConsumerToken consumer(queue.queue());
  tradingd::core::Event event = tradingd::core::BookUpdate{};
  tradingd::core::Event out;
  for (auto _ : state) {
    benchmark::DoNotOptimize(sink.Publish(event));
    benchmark::DoNotOptimize(queue.Dequeue(consumer, &out, 1));
  }
}
BENCHMARK(BM_QueueEnqueueDequeue);

// A round trip between two threads through two queues (the hand-off a feed → engine hop costs),
// with the consumer spinning and with it sleeping until woken (the daemon's default).
template <bool kBlocking>
void BM_QueueHopRoundTrip(benchmark::State& state) {
  tradingd::engine::InboundQueue ping(1024, 1);
  tradingd::engine::InboundQueue pong(1024, 1);
  std::atomic<bool> running{true};
  auto receive = [](tradingd::engine::InboundQueue& queue, moodycamel::ConsumerToken& consumer,
                    tradingd::core::Event* event, std::int64_t timeout_us) {
    return kBlocking ? queue.WaitDequeueBulk(consumer, event, 1, timeout_us) == 1
                     : queue.Dequeue(consumer, event, 1) == 1;
  };
  std::thread echo([&] {
    tradingd::engine::QueueSink back(pong);
    moodycamel::ConsumerToken consumer(ping.queue());
    tradingd::core::Event event;
    while (running.load(std::memory_order_relaxed)) {
      if (receive(ping, consumer, &event, 10000)) {
        while (!back.Publish(event)) {
        }
        back.Flush();
      }
    }
  });
  tradingd::engine::QueueSink sink(ping);
  moodycamel::ConsumerToken consumer(pong.queue());
  tradingd::core::Event event = tradingd::core::Trade{};
  for (auto _ : state) {
    while (!sink.Publish(event)) {
    }
    sink.Flush();
    while (!receive(pong, consumer, &event, 10000)) {
    }
  }
  running = false;
  echo.join();
}
BENCHMARK(BM_QueueHopRoundTrip<false>)->Name("BM_QueueHopRoundTrip/spinning")->UseRealTime();
BENCHMARK(BM_QueueHopRoundTrip<true>)->Name("BM_QueueHopRoundTrip/blocking")->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
