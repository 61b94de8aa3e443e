#include "feeds/coinbase/coinbase_capture.h"

#include <simdjson.h>

#include <algorithm>
#include <initializer_list>
#include <string_view>

#include "feeds/common/parse_error.h"

namespace tradingd::feeds::coinbase {
namespace {

namespace dom = simdjson::dom;

void See(dom::element value, int* decimals) {
  std::string_view text;
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    *decimals = std::max(*decimals, FractionDigits(text));
  }
}

// The string fields of `object` named in `price_keys` and `quantity_keys`.
void SeeFields(dom::object object, std::initializer_list<const char*> price_keys,
               std::initializer_list<const char*> quantity_keys, CoinbaseInstrumentFacts* facts) {
  for (const char* key : price_keys) {
    dom::element value;
    if (object[key].get(value) == simdjson::SUCCESS) See(value, &facts->price_decimals);
  }
  for (const char* key : quantity_keys) {
    dom::element value;
    if (object[key].get(value) == simdjson::SUCCESS) See(value, &facts->quantity_decimals);
  }
}

// Exchange: [[price, size], ...] (offset 0) or l2update [[side, price, size], ...] (offset 1).
void SeeLevels(dom::object root, const char* key, std::size_t offset,
               CoinbaseInstrumentFacts* facts) {
  dom::array levels;
  if (root[key].get_array().get(levels)) return;
  for (dom::element level : levels) {
    dom::array fields;
    if (level.get_array().get(fields) || fields.size() < offset + 2) continue;
    See(fields.at(offset).value_unsafe(), &facts->price_decimals);
    See(fields.at(offset + 1).value_unsafe(), &facts->quantity_decimals);
  }
}

using Facts = std::map<std::string, CoinbaseInstrumentFacts>;

void InspectExchange(dom::object root, std::string_view type, Facts* instruments) {
  if (type != "snapshot" && type != "l2update" && type != "ticker" && type != "match" &&
      type != "last_match") {
    return;
  }
  std::string_view product_id;
  if (root["product_id"].get_string().get(product_id)) return;
  CoinbaseInstrumentFacts& facts = (*instruments)[std::string(product_id)];
  SeeLevels(root, "bids", 0, &facts);
  SeeLevels(root, "asks", 0, &facts);
  SeeLevels(root, "changes", 1, &facts);
  SeeFields(root, {"price", "best_bid", "best_ask"},
            {"size", "last_size", "best_bid_size", "best_ask_size"}, &facts);
}

void InspectAdvanced(std::string_view channel, dom::array events, Facts* instruments) {
  if (channel != "l2_data" && channel != "market_trades" && channel != "ticker") return;
  for (dom::element element : events) {
    dom::object event;
    if (element.get_object().get(event)) continue;
    std::string_view product_id;
    dom::array rows;
    if (!event["product_id"].get_string().get(product_id) &&
        !event["updates"].get_array().get(rows)) {
      CoinbaseInstrumentFacts& facts = (*instruments)[std::string(product_id)];
      for (dom::element row : rows) {
        dom::object object;
        if (!row.get_object().get(object)) {
          SeeFields(object, {"price_level"}, {"new_quantity"}, &facts);
        }
      }
    }
    // Trades and tickers name their product each.
    for (const char* key : {"trades", "tickers"}) {
      dom::array items;
      if (event[key].get_array().get(items)) continue;
      for (dom::element item : items) {
        dom::object object;
        std::string_view item_product;
        if (item.get_object().get(object) || object["product_id"].get_string().get(item_product)) {
          continue;
        }
        SeeFields(object, {"price", "best_bid", "best_ask"},
                  {"size", "best_bid_quantity", "best_ask_quantity"},
                  &(*instruments)[std::string(item_product)]);
      }
    }
  }
}

}  // namespace

std::map<std::string, CoinbaseInstrumentFacts> InspectCoinbaseCapture(const Capture& capture) {
  Facts instruments;
  dom::parser parser;
  for (const CaptureRecord& record : capture.records()) {
    if (record.kind != CaptureKind::kFrame) continue;
    dom::element root_element;
    dom::object root;
    if (parser.parse(record.payload.data(), record.payload.size(), false).get(root_element) ||
        root_element.get_object().get(root)) {
      continue;
    }
    std::string_view type, channel;
    dom::array events;
    if (!root["type"].get_string().get(type)) {
      InspectExchange(root, type, &instruments);
    } else if (!root["channel"].get_string().get(channel) &&
               !root["events"].get_array().get(events)) {
      InspectAdvanced(channel, events, &instruments);
    }
  }
  return instruments;
}

}  // namespace tradingd::feeds::coinbase
