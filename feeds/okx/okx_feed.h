#pragma once
// The network half of the OKX feed: a feeds::VenueProtocol for VenueFeed
// (feeds/common/venue_feed.h) around the OkxMarketData core. It subscribes `books` (400 levels,
// prevSeqId/seqId and the legacy checksum), `bbo-tbt` (the best bid/ask, tick by tick) and `trades`
// for every OKX instrument of the registry, resubscribes one book by unsubscribing and subscribing
// its `books` channel (OKX then sends a fresh snapshot), keeps the connection alive with the text
// "ping" that OKX answers "pong", and loads tick size, lot size, minimum and maximum size and state
// from GET /api/v5/public/instruments.
//
// Thread contract: the protocol is created and called on the feed's I/O thread only (see
// VenueFeed). ParseOkxInstruments is a pure function.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/events.h"
#include "core/instrument.h"
#include "core/status.h"
#include "feeds/common/venue_feed.h"

namespace tradingd::feeds::okx {

struct OkxFeedOptions {
  std::string ws_url = "wss://ws.okx.com:8443/ws/v5/public";
  // The instType of the instruments query: "SPOT", or "SWAP" for perpetuals.
  std::string inst_type = "SPOT";
  // OKX drops a connection that has received nothing for 30 s. A "ping" every 5 s also keeps the
  // pongs inside VenueFeed's default 10 s silence window when the books are quiet.
  std::chrono::milliseconds ping_interval{5000};
};

feeds::VenueProtocolFactory OkxProtocolFactory(OkxFeedOptions options);

// The body of GET /api/v5/public/instruments: the rules of the registry's OKX instruments that it
// lists, at each instrument's scales. An error when the body is not OKX's answer or its code is not
// "0"; an instrument whose values cannot be held at its scales is left out.
core::Result<std::vector<core::InstrumentRules>> ParseOkxInstruments(
    std::string_view body, const core::SymbolRegistry& registry);

}  // namespace tradingd::feeds::okx
