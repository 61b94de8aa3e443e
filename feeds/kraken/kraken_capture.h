#pragma once
// What a recorded Kraken capture tells about its pairs before it is replayed: their names, the book
// depth subscribed (v1: the "book-1000" channel name; v2: the snapshot's length, rounded up to a
// depth Kraken offers), and the finest decimals of prices and quantities seen. Those decimals are
// the pairs' scales for the replay (exact, and as coarse as possible: a recorded XBT/CHF bid at
// 9,999,999,997 would overflow a mantissa at 10 decimals) and, for v2, the precision its checksum
// is computed with: v2 sends JSON numbers whose text may have lost trailing zeros (a recording
// re-serialized them), and a capture holds no instrument data to give the precision otherwise.
//
// Thread contract: a pure function of the capture.

#include <cstddef>
#include <map>
#include <string>

#include "feeds/capture/capture_reader.h"

namespace tradingd::feeds::kraken {

struct KrakenPairFacts {
  std::size_t depth = 10;
  bool v2 = false;  // the pair's book came in v2 messages
  int price_decimals = 0;
  int quantity_decimals = 0;
};

// Pairs by their Kraken spelling ("XBT/USD" in v1, "BTC/USD" in v2).
std::map<std::string, KrakenPairFacts> InspectKrakenCapture(const Capture& capture);

}  // namespace tradingd::feeds::kraken
