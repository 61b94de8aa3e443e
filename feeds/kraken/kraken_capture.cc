#include "feeds/kraken/kraken_capture.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string_view>

#include "feeds/common/parse_error.h"

namespace tradingd::feeds::kraken {
namespace {

// Raises *decimals to the most fractional digits among the numbers that follow `key` in `json`.
void NumberDecimals(std::string_view json, std::string_view key, int* decimals) {
  for (std::size_t at = json.find(key); at != std::string_view::npos; at = json.find(key, at)) {
    at += key.size();
    std::size_t end = at;
    while (end < json.size() && (std::isdigit(static_cast<unsigned char>(json[end])) ||
                                 json[end] == '.' || json[end] == '-' || json[end] == '+' ||
                                 json[end] == 'e' || json[end] == 'E')) {
      ++end;
    }
    *decimals = std::max(*decimals, FractionDigits(json.substr(at, end - at)));
  }
}

std::size_t KrakenDepthFor(std::size_t levels) {
  for (std::size_t depth : {10, 25, 100, 500, 1000}) {
    if (levels <= depth) return depth;
  }
  return 1000;
}

}  // namespace

std::map<std::string, KrakenPairFacts> InspectKrakenCapture(const Capture& capture) {
  std::map<std::string, KrakenPairFacts> pairs;
  simdjson::dom::parser parser;
  for (const CaptureRecord& record : capture.records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    simdjson::dom::element root;
    if (parser.parse(record.payload.data(), record.payload.size(), false).get(root)) continue;
    simdjson::dom::array array;
    if (root.get_array().get(array) == simdjson::SUCCESS) {
      // v1: [channelID, ..., "channelName", "pair"]
      const std::size_t n = array.size();
      std::string_view name, pair;
      if (n < 4 || array.at(n - 2).get_string().get(name) ||
          array.at(n - 1).get_string().get(pair)) {
        continue;
      }
      if (name != "ticker" && name != "trade" && name.substr(0, 5) != "book-") continue;
      KrakenPairFacts& facts = pairs[std::string(pair)];
      std::size_t depth = 0;
      if (name.substr(0, 5) != "book-") continue;
      if (std::from_chars(name.data() + 5, name.data() + name.size(), depth).ec == std::errc()) {
        facts.depth = depth;
      }
      for (std::size_t i = 1; i + 2 < n; ++i) {
        simdjson::dom::object sides;
        if (array.at(i).get_object().get(sides)) continue;
        for (auto [key, value] : sides) {
          simdjson::dom::array levels;
          if (key == "c" || value.get_array().get(levels)) continue;
          for (simdjson::dom::element level : levels) {
            std::string_view price, quantity;
            if (level.at(0).get_string().get(price) || level.at(1).get_string().get(quantity)) {
              continue;
            }
            facts.price_decimals = std::max(facts.price_decimals, FractionDigits(price));
            facts.quantity_decimals = std::max(facts.quantity_decimals, FractionDigits(quantity));
          }
        }
      }
      continue;
    }
    // v2: {"channel":"book"|"ticker"|"trade","data":[{"symbol":...}]}
    std::string_view channel;
    simdjson::dom::array data;
    if (root["channel"].get_string().get(channel) || root["data"].get_array().get(data)) continue;
    if (channel != "book" && channel != "ticker" && channel != "trade") continue;
    for (simdjson::dom::element item : data) {
      std::string_view symbol;
      if (item["symbol"].get_string().get(symbol)) continue;
      KrakenPairFacts& facts = pairs[std::string(symbol)];
      if (channel != "book") continue;
      facts.v2 = true;
      std::string_view type;
      const bool snapshot = root["type"].get_string().get(type) == simdjson::SUCCESS &&
                            type == "snapshot";
      for (const char* side : {"bids", "asks"}) {
        simdjson::dom::array levels;
        if (item[side].get_array().get(levels)) continue;
        if (snapshot) facts.depth = std::max(facts.depth, KrakenDepthFor(levels.size()));
      }
      // The numbers' decimals come from their text in the message: the DOM keeps only doubles.
      NumberDecimals(record.payload, "\"price\":", &facts.price_decimals);
      NumberDecimals(record.payload, "\"qty\":", &facts.quantity_decimals);
    }
  }
  return pairs;
}

}  // namespace tradingd::feeds::kraken
