#pragma once
// What a recorded Coinbase capture tells about its products before it is replayed: their
// product_ids and the finest decimals of prices and quantities seen (the replay's scales: a
// capture holds no instrument data). Reads both feeds' shapes: Exchange (`snapshot`, `l2update`,
// `ticker`, `match`) and Advanced Trade (`l2_data`, `market_trades`, `ticker` events).
//
// Thread contract: a pure function of the capture.

#include <map>
#include <string>

#include "feeds/capture/capture_reader.h"

namespace tradingd::feeds::coinbase {

struct CoinbaseInstrumentFacts {
  int price_decimals = 0;
  int quantity_decimals = 0;
};

std::map<std::string, CoinbaseInstrumentFacts> InspectCoinbaseCapture(const Capture& capture);

}  // namespace tradingd::feeds::coinbase
