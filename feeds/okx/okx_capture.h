#pragma once
// What a recorded OKX capture tells about its instruments before it is replayed: their instIds
// and the finest decimals of prices and quantities seen (the replay's scales: a capture holds no
// instrument data).
//
// Thread contract: a pure function of the capture.

#include <map>
#include <string>

#include "feeds/capture/capture_reader.h"

namespace tradingd::feeds::okx {

struct OkxInstrumentFacts {
  int price_decimals = 0;
  int quantity_decimals = 0;
};

std::map<std::string, OkxInstrumentFacts> InspectOkxCapture(const Capture& capture);

}  // namespace tradingd::feeds::okx
