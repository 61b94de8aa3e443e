#include "feeds/bybit/bybit_capture.h"

#include <simdjson.h>

#include <algorithm>
#include <string_view>

#include "feeds/common/parse_error.h"

namespace tradingd::feeds::bybit {

std::map<std::string, BybitSymbolFacts> InspectBybitCapture(const Capture& capture) {
  std::map<std::string, BybitSymbolFacts> symbols;
  simdjson::dom::parser parser;
  auto see = [](simdjson::dom::element value, int* decimals) {
    std::string_view text;
    if (value.get_string().get(text) == simdjson::SUCCESS) {
      *decimals = std::max(*decimals, FractionDigits(text));
    }
  };
  for (const CaptureRecord& record : capture.records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    simdjson::dom::element root;
    std::string_view topic;
    if (parser.parse(record.payload.data(), record.payload.size(), false).get(root) ||
        root["topic"].get_string().get(topic)) {
      continue;  // op replies and anything else without a topic
    }
    simdjson::dom::element data = root["data"].value_unsafe();
    if (topic.substr(0, 10) == "orderbook.") {
      std::string_view symbol;
      if (root["data"]["s"].get_string().get(symbol)) continue;
      BybitSymbolFacts& facts = symbols[std::string(symbol)];
      for (const char* side : {"b", "a"}) {
        simdjson::dom::array levels;
        if (data[side].get_array().get(levels)) continue;
        for (simdjson::dom::element level : levels) {
          simdjson::dom::array fields;
          if (level.get_array().get(fields) || fields.size() < 2) continue;
          see(fields.at(0).value_unsafe(), &facts.price_decimals);
          see(fields.at(1).value_unsafe(), &facts.quantity_decimals);
        }
      }
    } else if (topic.substr(0, 12) == "publicTrade.") {
      simdjson::dom::array trades;
      if (root["data"].get_array().get(trades)) continue;
      for (simdjson::dom::element trade : trades) {
        std::string_view symbol;
        if (trade["s"].get_string().get(symbol)) continue;
        BybitSymbolFacts& facts = symbols[std::string(symbol)];
        see(trade["p"].value_unsafe(), &facts.price_decimals);
        see(trade["v"].value_unsafe(), &facts.quantity_decimals);
      }
    }
  }
  return symbols;
}

}  // namespace tradingd::feeds::bybit
