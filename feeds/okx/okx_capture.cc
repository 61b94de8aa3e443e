#include "feeds/okx/okx_capture.h"

#include <simdjson.h>

#include <algorithm>
#include <string_view>

#include "feeds/common/parse_error.h"

namespace tradingd::feeds::okx {

std::map<std::string, OkxInstrumentFacts> InspectOkxCapture(const Capture& capture) {
  std::map<std::string, OkxInstrumentFacts> instruments;
  simdjson::dom::parser parser;
  for (const CaptureRecord& record : capture.records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    simdjson::dom::element root;
    std::string_view channel, inst_id;
    simdjson::dom::array data;
    if (parser.parse(record.payload.data(), record.payload.size(), false).get(root) ||
        root["arg"]["channel"].get_string().get(channel) ||
        root["arg"]["instId"].get_string().get(inst_id) || root["data"].get_array().get(data)) {
      continue;  // events, pongs, anything without data for one instrument
    }
    if (channel != "books" && channel != "books5" && channel != "bbo-tbt" &&
        channel != "tickers" && channel != "trades") {
      continue;
    }
    OkxInstrumentFacts& facts = instruments[std::string(inst_id)];
    auto see = [](simdjson::dom::element value, int* decimals) {
      std::string_view text;
      if (value.get_string().get(text) == simdjson::SUCCESS) {
        *decimals = std::max(*decimals, FractionDigits(text));
      }
    };
    for (simdjson::dom::element item : data) {
      for (const char* side : {"asks", "bids"}) {
        simdjson::dom::array levels;
        if (item[side].get_array().get(levels)) continue;
        for (simdjson::dom::element level : levels) {
          simdjson::dom::array fields;
          if (level.get_array().get(fields) || fields.size() < 2) continue;
          see(fields.at(0).value_unsafe(), &facts.price_decimals);
          see(fields.at(1).value_unsafe(), &facts.quantity_decimals);
        }
      }
      for (const char* key : {"px", "bidPx", "askPx", "last"}) {
        simdjson::dom::element value;
        if (item[key].get(value) == simdjson::SUCCESS) see(value, &facts.price_decimals);
      }
      for (const char* key : {"sz", "bidSz", "askSz", "lastSz"}) {
        simdjson::dom::element value;
        if (item[key].get(value) == simdjson::SUCCESS) see(value, &facts.quantity_decimals);
      }
    }
  }
  return instruments;
}

}  // namespace tradingd::feeds::okx
