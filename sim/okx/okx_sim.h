#pragma once
// The sandbox OKX venue: a sim::StreamDialect for StreamSim (sim/common/stream_sim.h) that speaks
// OKX v5's public market data as OKX does today.
//
//   WebSocket  /ws/v5/public. {"id":..,"op":"subscribe"|"unsubscribe","args":[{"channel":..,
//              "instId":..},..]}; one {"event":"subscribe","arg":..,"connId":..} per arg; errors
//              {"event":"error","code":..,"msg":..,"connId":..} worded as OKX words them (60012
//              invalid request, 60018 unknown channel or instId, 60019 unknown op, 60027 missing
//              instId). The text "ping" is answered "pong".
//              Channels: `books` (a snapshot of the best book_depth levels a side, then one update
//              per cut with what changed inside that window — a level that leaves it is deleted
//              with size "0", one that enters it is sent — chained by prevSeqId/seqId, with the
//              legacy checksum; an empty update with seqId == prevSeqId after idle_interval
//              without a change), `bbo-tbt`, `tickers`, `trades` (taker side, tradeId).
//              seqId is the symbol's book update id (the same on every connection) minus a base
//              that a sequence reset moves, so that the numbering restarts low as after OKX's
//              maintenance (seqId < prevSeqId, still chained).
//   REST       GET /api/v5/public/instruments?instType=..[&instId=..] (OKX's spot instrument
//              objects), GET /api/v5/market/books?instId=..&sz=.., GET /api/v5/public/time; OKX's
//              {"code":..,"data":[],"msg":..} errors.
//
// Order entry (sim/okx/okx_orders_sim.h, when OkxDialectOptions::orders.enabled): the private REST
// endpoints /api/v5/trade/order, /trade/cancel-order, /trade/fills and /api/v5/account/balance over
// StreamSim's matching engine, with OKX's authentication, limits and answers.
//
// Faults (StreamSession): SkipUpdate loses the next `books` update (its seqId still becomes the
// next prevSeqId: a gap), CorruptChecksum sends the next update with a wrong checksum,
// ResetSequence restarts the numbering from the next update on.
//
// Thread contract: the dialect and its sessions run on the StreamSim's io thread only. A session
// keeps the StreamMarket it was created with: StreamSim's market outlives its sessions.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/okx/okx_orders_sim.h"

namespace tradingd::sim::okx {

// OKX's BTC-USDT and ETH-USDT: tick, lot and maxLmtSz as OKX lists them (ETH-USDT's maxLmtSz,
// 999999999999, does not fit an int64 at kSimScale: the sim lists BTC-USDT's 9999999999).
std::vector<SymbolSpec> DefaultOkxSymbols();
// minSz, which SymbolSpec has no field for: BTC-USDT 0.00001, ETH-USDT 0.0001.
std::map<std::string, std::int64_t, std::less<>> DefaultOkxMinSizes();

struct OkxDialectOptions {
  std::string inst_type = "SPOT";  // what /instruments lists and tickers say
  std::size_t book_depth = 400;    // `books` levels a side
  // false: "checksum":0 on every `books` push, as OKX sends once the checksum is retired.
  bool checksum = true;
  // No change to a subscribed book for this long: the empty update OKX sends (about 60 s).
  std::chrono::milliseconds idle_interval{60000};
  // minSz per instId; a symbol without one lists its lot size.
  std::map<std::string, std::int64_t, std::less<>> min_sizes = DefaultOkxMinSizes();
  // Spot order entry (its minSz are min_sizes).
  OkxOrderEntryOptions orders;
};

std::unique_ptr<StreamDialect> MakeOkxDialect(OkxDialectOptions options = {});

}  // namespace tradingd::sim::okx
