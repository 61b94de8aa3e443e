#pragma once
// The sandbox Kraken venue: a StreamDialect (sim/common/stream_sim.h) that speaks Kraken's public
// WebSocket v2 (wss://ws.kraken.com/v2) and the REST rules endpoint, for StreamSim to serve.
//
//   WebSocket  /v2. On open: the `status` message. Requests {"method":..,"params":{..},
//              "req_id":..}: subscribe / unsubscribe of `book` (depth 10, 25, 100, 500, 1000),
//              `ticker` (event_trigger bbo or trades) and `trade`, one ack per symbol with req_id
//              echoed; ping → pong. Errors as Kraken words them ("Currency pair not supported
//              BTC/XYZ", "Subscription depth not supported", "Already subscribed", "Subscription
//              Not Found", "Unsupported field: 'x' for the given msg type: subscribe", ...).
//              Book: a snapshot of the best `depth` levels a side, then per cut the levels of the
//              client's view that changed, with qty 0 for a level that left the book within the
//              view; a level pushed out of the view by better ones gets nothing (Kraken's clients
//              truncate to their depth). Every book message carries the CRC32 of the 10 best
//              levels. Ticker (bbo) on every change of the best bid/ask; trades with the taker's
//              side. A {"channel":"heartbeat"} each heartbeat_interval to a subscribed client that
//              got nothing since the previous one.
//   REST       GET /0/public/AssetPairs[?pair=BTC/USD,ETH/USD] (v2 names, altnames XBTUSD or pair
//              keys XXBTZUSD); an unknown pair answers {"error":["EQuery:Unknown asset pair"]} with
//              HTTP 200, as Kraken does. Other paths: 404 {"error":["EGeneral:Unknown method"]}.
//   Orders     the private REST endpoints of Kraken's spot order entry (AddOrder, CancelOrder,
//              CancelAll, QueryOrders, OpenOrders, ClosedOrders, QueryTrades, TradesHistory,
//              Balance, BalanceEx) over StreamSim's matching engine:
//              sim/kraken/kraken_orders_sim.h.
//   Faults     SkipUpdate (the next update that changes the client's 10 best levels is not sent;
//              the next checksum shows it), CorruptChecksum. Kraken has no sequence to reset.
//
// Unverified wordings (no capture of them found): the replies to invalid JSON ("Malformed
// request"), to a missing or unknown method, and to wrong field types.
//
// Thread contract: the dialect and its sessions run on the StreamSim's io thread only.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "sim/common/stream_sim.h"
#include "sim/common/synthetic_market.h"
#include "sim/kraken/kraken_orders_sim.h"
#include "sim/kraken/kraken_wire.h"

namespace tradingd::sim::kraken {

// BTC/USD (tick 0.1, lot 0.00000001, ordermin 0.00005, costmin 0.5, ~29,430) and ETH/USD (tick
// 0.01, lot 0.00000001, ordermin 0.002, costmin 0.5, ~1,850).
std::vector<SymbolSpec> DefaultKrakenSymbols();
// AssetPairs' legacy names and order minimums of the default symbols (XXBTZUSD, XETHZUSD).
std::vector<KrakenPairInfo> DefaultKrakenPairs();

struct KrakenDialectOptions {
  // What AssetPairs lists beyond each SymbolSpec; symbols not here get derived names.
  std::vector<KrakenPairInfo> pairs = DefaultKrakenPairs();
  std::chrono::milliseconds heartbeat_interval{1000};
  // Trades kept per symbol for a trade subscription that asks for a snapshot (Kraken sends 50).
  std::size_t trade_snapshot_size = 50;
  // Order entry (the sandbox keys, fees, nonce window, rate limits); nullopt: the venue takes no
  // orders.
  std::optional<KrakenOrderEntryOptions> orders = KrakenOrderEntryOptions{};
};

std::unique_ptr<StreamDialect> MakeKrakenDialect(KrakenDialectOptions options = {});

}  // namespace tradingd::sim::kraken
