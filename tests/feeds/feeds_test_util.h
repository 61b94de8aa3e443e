#pragma once
// Helpers shared by the feeds tests: padded payloads and a recording EventSink.

#include <algorithm>
#include <cstdint>
#include <map>
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

// Applies book events to plain ordered maps, as the engine would, and checks after every complete
// message (the last chunk) that the book is not crossed; keeps statuses, trades, and how many
// quotes matched the book's top when they arrived. The venues' replay tests share it.
class MirrorSink : public core::EventSink {
 public:
  struct Book {
    std::map<std::int64_t, std::int64_t> bids, asks;
  };

  bool Publish(const core::Event& event) override {
    if (const auto* update = std::get_if<core::BookUpdate>(&event)) {
      Apply(*update);
    } else if (const auto* status = std::get_if<core::BookStatus>(&event)) {
      statuses.push_back(*status);
    } else if (const auto* quote = std::get_if<core::Quote>(&event)) {
      ++quotes;
      const Book& book = books[quote->instrument];
      if (!book.bids.empty() && !book.asks.empty() &&
          book.bids.rbegin()->first == quote->bid_price.mantissa() &&
          book.asks.begin()->first == quote->ask_price.mantissa()) {
        ++quotes_at_top;
      }
    } else if (const auto* trade = std::get_if<core::Trade>(&event)) {
      trades.push_back(*trade);
    }
    return true;
  }

  std::map<core::InstrumentId, Book> books;
  std::vector<core::BookStatus> statuses;
  std::vector<core::Trade> trades;
  std::uint64_t messages = 0, crossed = 0, goes_live = 0, last_sequence = 0;
  std::uint64_t quotes = 0, quotes_at_top = 0;
  std::size_t max_side = 0;  // the most levels either side of any book ever held

 private:
  void Apply(const core::BookUpdate& update) {
    Book& book = books[update.instrument];
    if (update.has(core::BookUpdate::kSnapshot) && update.has(core::BookUpdate::kFirstChunk)) {
      book.bids.clear();
      book.asks.clear();
    }
    for (int i = 0; i < update.bid_count + update.ask_count; ++i) {
      auto& side = i < update.bid_count ? book.bids : book.asks;
      const core::PriceLevel& level = update.levels[i];
      if (level.quantity.mantissa() == 0) {
        side.erase(level.price.mantissa());
      } else {
        side[level.price.mantissa()] = level.quantity.mantissa();
      }
    }
    if (update.has(core::BookUpdate::kGoesLive)) ++goes_live;
    if (!update.has(core::BookUpdate::kLastChunk)) return;
    ++messages;
    last_sequence = update.last_sequence;
    if (!book.bids.empty() && !book.asks.empty() &&
        book.bids.rbegin()->first >= book.asks.begin()->first) {
      ++crossed;
    }
    max_side = std::max({max_side, book.bids.size(), book.asks.size()});
  }
};

}  // namespace tradingd::feeds::testing
