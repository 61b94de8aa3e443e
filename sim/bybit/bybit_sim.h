#pragma once
// The sandbox Bybit v5 venue, one category per sim: a StreamDialect for StreamSim
// (sim/common/stream_sim.h) that serves ws://<host>/v5/public/<category> and GET
// /v5/market/instruments-info, /v5/market/time; on spot also the signed order entry of
// bybit_orders_sim.h (create, cancel, realtime, history, execution/list, wallet-balance).
//
// WebSocket: {"op":"subscribe"|"unsubscribe","args":[topics],"req_id":..} with topics
// orderbook.{1,50,200,1000}.<symbol>, publicTrade.<symbol>, tickers.<symbol>; {"op":"ping"} →
// the category's pong. A request is all or nothing: the first bad topic refuses it with Bybit's
// words ("Invalid symbol :[<topic>]" on spot, "error:handler not found,topic:<topic>" on linear
// and for an unknown channel or depth, "error:already subscribed,topic:<topic>"); spot refuses
// more than 10 args; a message that is not a JSON object of the right types gets "Failed to decode
// incoming data", an unknown op "error:handler not found".
//
// Books, per client and depth: a snapshot on subscribe, then at every cut one delta that makes the
// client's book equal to the venue's best `depth` levels: levels entering that window are sent,
// and levels leaving it are deleted explicitly (size "0"), as Bybit's archive shows. `u` grows by
// one per message of the stream; `seq` is the venue book's update id (Bybit's cross sequence).
// Depth 1 sends snapshots only, and re-sends the last one with the same `u` after 3 s without a
// change. Faults: SkipUpdate loses the next delta (u moves on: the client sees a gap);
// ResetSequence sends a u = 1 snapshot, Bybit's service restart. No checksum.
//
// Each session keeps its own copy of the books, built when it opens and moved by every cut, so
// it never needs the market outside the calls that pass it.
//
// Thread contract: the dialect and its sessions run on the sim's io thread (StreamSim's contract).
// DefaultBybitSymbols is a pure function.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "sim/bybit/bybit_orders_sim.h"
#include "sim/common/stream_sim.h"

namespace tradingd::sim::bybit {

// Bybit's rules for BTCUSDT and ETHUSDT in `category` ("spot" or "linear"; anything else gives
// no symbols). Spot: BTCUSDT tick 0.1, lot (basePrecision) 0.000001, max 83, min amount 5 (the
// instruments-info documentation, October 2025); ETHUSDT tick 0.01, lot 0.00001, max
// 1878.2340843, min amount 1 (a 2024 listing). Linear perpetuals: BTCUSDT tick 0.10, qtyStep
// 0.001, max 1190, min notional 5 (the documentation, January 2025); ETHUSDT tick 0.01, qtyStep
// 0.01, max 7240, min notional 5. SymbolSpec has no minimum quantity: instruments-info lists one
// lot as minOrderQty (exact for both linear pairs; spot no longer checks it).
std::vector<SymbolSpec> DefaultBybitSymbols(std::string_view category = "spot");

struct BybitDialectOptions {
  std::string category = "spot";  // or "linear"
  // Spot takes orders (bybit_orders_sim.h); linear takes none: its order-entry paths answer 10003
  // "API key is invalid." (it has no sandbox keys).
  BybitOrderEntryOptions orders;
  // The clock of the envelope's time in answers made outside a request's handling (the injected
  // rate-limit and server-error answers); null: the sim's market clock once a request or session
  // has shown it, the system clock before.
  const core::Clock* clock = nullptr;
};

// Null when the category is neither spot nor linear.
std::unique_ptr<StreamDialect> MakeBybitDialect(BybitDialectOptions options = {});

}  // namespace tradingd::sim::bybit
