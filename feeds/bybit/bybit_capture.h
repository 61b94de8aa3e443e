#pragma once
// What a recorded Bybit capture tells about its symbols before it is replayed: their names and the
// finest decimals of prices and quantities seen (the replay's scales: a capture holds no
// instrument data).
//
// Thread contract: a pure function of the capture.

#include <map>
#include <string>

#include "feeds/capture/capture_reader.h"

namespace tradingd::feeds::bybit {

struct BybitSymbolFacts {
  int price_decimals = 0;
  int quantity_decimals = 0;
};

std::map<std::string, BybitSymbolFacts> InspectBybitCapture(const Capture& capture);

}  // namespace tradingd::feeds::bybit
