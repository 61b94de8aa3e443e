#include "sim/binance/binance_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <ranges>
#include <vector>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::sim::binance {

namespace {

// Binance spot's request weight limit per minute, as exchangeInfo reports it.
constexpr int kRequestWeightPerMinute = 6000;
// Upper price limit Binance lists for USDT pairs.
constexpr std::int64_t kMaxPrice = 100'000'000'000'000;  // 1,000,000.00000000
// USD-M futures: the request weight limit per minute, and the delivery date Binance gives every
// perpetual contract (2100-12-25).
constexpr int kFuturesRequestWeightPerMinute = 2400;
constexpr std::int64_t kPerpetualDeliveryMs = 4133404800000;
constexpr std::int64_t kOnboardMs = 1569398400000;  // when BTCUSDT perpetual was listed

void AppendInt(std::string& out, std::int64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void AppendUint(std::string& out, std::uint64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

// Spot writes every decimal with kSimScale (8) fractional digits; futures passes its precision.
// `levels` is any range of BookLevel (futures diffs pass their bids reversed).
template <typename Levels>
void AppendLevels(std::string& out, const Levels& levels, int price_digits = kSimScale,
                  int quantity_digits = kSimScale) {
  out.push_back('[');
  bool first = true;
  for (const BookLevel& level : levels) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    AppendQuotedDecimal(out, level.price, price_digits);
    out.push_back(',');
    AppendQuotedDecimal(out, level.quantity, quantity_digits);
    out.push_back(']');
  }
  out.push_back(']');
}

void AppendField(std::string& out, std::string_view key, std::int64_t mantissa,
                 int digits = kSimScale) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  AppendQuotedDecimal(out, mantissa, digits);
}

}  // namespace

void AppendQuotedDecimal(std::string& out, std::int64_t mantissa) {
  AppendQuotedDecimal(out, mantissa, kSimScale);
}

void AppendQuotedDecimal(std::string& out, std::int64_t mantissa, int fraction_digits) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, fraction_digits, buffer);
  out.push_back('"');
  out.append(buffer, n);
  out.push_back('"');
}

std::string DepthUpdatePayload(std::string_view symbol, std::int64_t event_ms,
                               std::uint64_t first_update_id, std::uint64_t last_update_id,
                               std::span<const BookLevel> bids, std::span<const BookLevel> asks) {
  std::string out;
  out.reserve(96 + 36 * (bids.size() + asks.size()));
  out.append(R"({"e":"depthUpdate","E":)");
  AppendInt(out, event_ms);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append(R"(","U":)");
  AppendUint(out, first_update_id);
  out.append(R"(,"u":)");
  AppendUint(out, last_update_id);
  out.append(R"(,"b":)");
  AppendLevels(out, bids);
  out.append(R"(,"a":)");
  AppendLevels(out, asks);
  out.push_back('}');
  return out;
}

std::string BookTickerPayload(std::string_view symbol, std::uint64_t update_id,
                              const TopOfBook& top) {
  std::string out;
  out.reserve(128);
  out.append(R"({"u":)");
  AppendUint(out, update_id);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append("\",");
  AppendField(out, "b", top.bid_price);
  out.push_back(',');
  AppendField(out, "B", top.bid_quantity);
  out.push_back(',');
  AppendField(out, "a", top.ask_price);
  out.push_back(',');
  AppendField(out, "A", top.ask_quantity);
  out.push_back('}');
  return out;
}

std::string TradePayload(std::string_view symbol, std::int64_t event_ms, const TradePrint& trade,
                         std::int64_t trade_ms) {
  std::string out;
  out.reserve(160);
  out.append(R"({"e":"trade","E":)");
  AppendInt(out, event_ms);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append(R"(","t":)");
  AppendUint(out, trade.trade_id);
  out.push_back(',');
  AppendField(out, "p", trade.price);
  out.push_back(',');
  AppendField(out, "q", trade.quantity);
  out.append(R"(,"T":)");
  AppendInt(out, trade_ms);
  out.append(trade.buyer_is_maker ? R"(,"m":true,"M":true})" : R"(,"m":false,"M":true})");
  return out;
}

std::string CombinedFrame(std::string_view stream, std::string_view payload) {
  std::string out;
  out.reserve(22 + stream.size() + payload.size());
  out.append(R"({"stream":")");
  out.append(stream);
  out.append(R"(","data":)");
  out.append(payload);
  out.push_back('}');
  return out;
}

std::string DepthSnapshotBody(const BookLevels& levels) {
  std::string out;
  out.reserve(64 + 36 * (levels.bids.size() + levels.asks.size()));
  out.append(R"({"lastUpdateId":)");
  AppendUint(out, levels.last_update_id);
  out.append(R"(,"bids":)");
  AppendLevels(out, levels.bids);
  out.append(R"(,"asks":)");
  AppendLevels(out, levels.asks);
  out.push_back('}');
  return out;
}

std::string PartialDepthPayload(const BookLevels& levels) { return DepthSnapshotBody(levels); }

void AppendExchangeInfoSymbol(std::string& out, const SymbolSpec& spec) {
  out.append(R"({"symbol":)");
  core::AppendJsonString(out, spec.symbol);
  out.append(R"(,"status":"TRADING","baseAsset":)");
  core::AppendJsonString(out, spec.base);
  out.append(R"(,"baseAssetPrecision":8,"quoteAsset":)");
  core::AppendJsonString(out, spec.quote);
  out.append(
      R"(,"quotePrecision":8,"quoteAssetPrecision":8,"baseCommissionPrecision":8,)"
      R"("quoteCommissionPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET",)"
      R"("STOP_LOSS","STOP_LOSS_LIMIT","TAKE_PROFIT","TAKE_PROFIT_LIMIT"],)"
      R"("icebergAllowed":true,"ocoAllowed":true,"otoAllowed":true,)"
      R"("quoteOrderQtyMarketAllowed":true,"allowTrailingStop":true,"cancelReplaceAllowed":true,)"
      R"("isSpotTradingAllowed":true,"isMarginTradingAllowed":false,"filters":[)");
  out.append(R"({"filterType":"PRICE_FILTER",)");
  AppendField(out, "minPrice", spec.tick_size);
  out.push_back(',');
  AppendField(out, "maxPrice", kMaxPrice);
  out.push_back(',');
  AppendField(out, "tickSize", spec.tick_size);
  out.append(R"(},{"filterType":"LOT_SIZE",)");
  AppendField(out, "minQty", spec.lot_size);
  out.push_back(',');
  AppendField(out, "maxQty", spec.max_quantity);
  out.push_back(',');
  AppendField(out, "stepSize", spec.lot_size);
  out.append(R"(},{"filterType":"ICEBERG_PARTS","limit":10},)");
  out.append(R"({"filterType":"MARKET_LOT_SIZE","minQty":"0.00000000",)");
  AppendField(out, "maxQty", spec.max_quantity / 10);
  out.append(R"(,"stepSize":"0.00000000"},)");
  out.append(
      R"({"filterType":"TRAILING_DELTA","minTrailingAboveDelta":10,"maxTrailingAboveDelta":2000,)"
      R"("minTrailingBelowDelta":10,"maxTrailingBelowDelta":2000},)");
  out.append(
      R"({"filterType":"PERCENT_PRICE_BY_SIDE","bidMultiplierUp":"5","bidMultiplierDown":"0.2",)"
      R"("askMultiplierUp":"5","askMultiplierDown":"0.2","avgPriceMins":5},)");
  out.append(R"({"filterType":"NOTIONAL",)");
  AppendField(out, "minNotional", spec.min_notional);
  out.append(R"(,"applyMinToMarket":true,"maxNotional":"9000000.00000000",)"
             R"("applyMaxToMarket":false,"avgPriceMins":5},)");
  out.append(R"({"filterType":"MAX_NUM_ORDERS","maxNumOrders":200},)"
             R"({"filterType":"MAX_NUM_ALGO_ORDERS","maxNumAlgoOrders":5}],)");
  out.append(R"("permissions":[],"permissionSets":[["SPOT"]],)"
             R"("defaultSelfTradePreventionMode":"EXPIRE_MAKER",)"
             R"("allowedSelfTradePreventionModes":["EXPIRE_TAKER","EXPIRE_MAKER","EXPIRE_BOTH"]})");
}

std::string ExchangeInfoBody(std::int64_t server_ms, std::span<const SymbolSpec* const> symbols) {
  std::string out;
  out.reserve(1024 + 1500 * symbols.size());
  out.append(R"({"timezone":"UTC","serverTime":)");
  AppendInt(out, server_ms);
  out.append(R"(,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE",)"
             R"("intervalNum":1,"limit":)");
  AppendInt(out, kRequestWeightPerMinute);
  out.append(
      R"(},{"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":100},)"
      R"({"rateLimitType":"ORDERS","interval":"DAY","intervalNum":1,"limit":200000},)"
      R"({"rateLimitType":"RAW_REQUESTS","interval":"MINUTE","intervalNum":5,"limit":61000}],)"
      R"("exchangeFilters":[],"symbols":[)");
  bool first = true;
  for (const SymbolSpec* spec : symbols) {
    if (!first) out.push_back(',');
    first = false;
    AppendExchangeInfoSymbol(out, *spec);
  }
  out.append("]}");
  return out;
}

std::string ErrorBody(int code, std::string_view message) {
  core::JsonWriter writer;
  writer.BeginObject().Key("code").Int(code).Key("msg").String(message).EndObject();
  return writer.Take();
}

int DepthWeight(int limit) {
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

// ---- USD-M futures ----

FuturesPrecision FuturesPrecisionOf(const SymbolSpec& spec) {
  return {core::SignificantFractionDigits(spec.tick_size, kSimScale),
          core::SignificantFractionDigits(spec.lot_size, kSimScale)};
}

std::string FuturesDepthUpdatePayload(std::string_view symbol, std::int64_t event_ms,
                                      std::int64_t transaction_ms, std::uint64_t first_update_id,
                                      std::uint64_t last_update_id,
                                      std::uint64_t previous_update_id,
                                      std::span<const BookLevel> bids,
                                      std::span<const BookLevel> asks, FuturesPrecision precision) {
  std::string out;
  out.reserve(128 + 28 * (bids.size() + asks.size()));
  out.append(R"({"e":"depthUpdate","E":)");
  AppendInt(out, event_ms);
  out.append(R"(,"T":)");
  AppendInt(out, transaction_ms);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append(R"(","U":)");
  AppendUint(out, first_update_id);
  out.append(R"(,"u":)");
  AppendUint(out, last_update_id);
  out.append(R"(,"pu":)");
  AppendUint(out, previous_update_id);
  out.append(R"(,"b":)");
  // Unlike spot and unlike its own snapshots, the futures diff stream lists bids lowest first.
  AppendLevels(out, std::views::reverse(bids), precision.price, precision.quantity);
  out.append(R"(,"a":)");
  AppendLevels(out, asks, precision.price, precision.quantity);
  out.push_back('}');
  return out;
}

std::string FuturesPartialDepthPayload(std::string_view symbol, std::int64_t event_ms,
                                       std::int64_t transaction_ms, std::uint64_t first_update_id,
                                       std::uint64_t previous_update_id, const BookLevels& levels,
                                       FuturesPrecision precision) {
  return FuturesDepthUpdatePayload(symbol, event_ms, transaction_ms, first_update_id,
                                   levels.last_update_id, previous_update_id, levels.bids,
                                   levels.asks, precision);
}

std::string FuturesBookTickerPayload(std::string_view symbol, std::uint64_t update_id,
                                     const TopOfBook& top, std::int64_t event_ms,
                                     std::int64_t transaction_ms, FuturesPrecision precision) {
  std::string out;
  out.reserve(160);
  out.append(R"({"e":"bookTicker","u":)");
  AppendUint(out, update_id);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append("\",");
  AppendField(out, "b", top.bid_price, precision.price);
  out.push_back(',');
  AppendField(out, "B", top.bid_quantity, precision.quantity);
  out.push_back(',');
  AppendField(out, "a", top.ask_price, precision.price);
  out.push_back(',');
  AppendField(out, "A", top.ask_quantity, precision.quantity);
  out.append(R"(,"T":)");
  AppendInt(out, transaction_ms);
  out.append(R"(,"E":)");
  AppendInt(out, event_ms);
  out.push_back('}');
  return out;
}

std::string FuturesTradePayload(std::string_view symbol, std::int64_t event_ms,
                                const TradePrint& trade, std::int64_t trade_ms,
                                FuturesPrecision precision) {
  std::string out;
  out.reserve(160);
  out.append(R"({"e":"trade","E":)");
  AppendInt(out, event_ms);
  out.append(R"(,"T":)");
  AppendInt(out, trade_ms);
  out.append(R"(,"s":")");
  out.append(symbol);
  out.append(R"(","t":)");
  AppendUint(out, trade.trade_id);
  out.push_back(',');
  AppendField(out, "p", trade.price, precision.price);
  out.push_back(',');
  AppendField(out, "q", trade.quantity, precision.quantity);
  out.append(trade.buyer_is_maker ? R"(,"X":"MARKET","m":true})" : R"(,"X":"MARKET","m":false})");
  return out;
}

std::string FuturesDepthSnapshotBody(const BookLevels& levels, std::int64_t event_ms,
                                     std::int64_t transaction_ms, FuturesPrecision precision) {
  std::string out;
  out.reserve(96 + 28 * (levels.bids.size() + levels.asks.size()));
  out.append(R"({"lastUpdateId":)");
  AppendUint(out, levels.last_update_id);
  out.append(R"(,"E":)");
  AppendInt(out, event_ms);
  out.append(R"(,"T":)");
  AppendInt(out, transaction_ms);
  out.append(R"(,"bids":)");
  AppendLevels(out, levels.bids, precision.price, precision.quantity);
  out.append(R"(,"asks":)");
  AppendLevels(out, levels.asks, precision.price, precision.quantity);
  out.push_back('}');
  return out;
}

void AppendFuturesExchangeInfoSymbol(std::string& out, const SymbolSpec& spec) {
  const FuturesPrecision precision = FuturesPrecisionOf(spec);
  // Limits (maxPrice, maxQty, notional) are written without padding, as Binance does ("1000").
  constexpr int kTrimmed = 0;
  out.append(R"({"symbol":)");
  core::AppendJsonString(out, spec.symbol);
  out.append(R"(,"pair":)");
  core::AppendJsonString(out, spec.symbol);
  out.append(R"(,"contractType":"PERPETUAL","deliveryDate":)");
  AppendInt(out, kPerpetualDeliveryMs);
  out.append(R"(,"onboardDate":)");
  AppendInt(out, kOnboardMs);
  out.append(R"(,"status":"TRADING","maintMarginPercent":"2.5000",)"
             R"("requiredMarginPercent":"5.0000","baseAsset":)");
  core::AppendJsonString(out, spec.base);
  out.append(R"(,"quoteAsset":)");
  core::AppendJsonString(out, spec.quote);
  out.append(R"(,"marginAsset":)");
  core::AppendJsonString(out, spec.quote);
  out.append(R"(,"pricePrecision":)");
  AppendInt(out, precision.price);
  out.append(R"(,"quantityPrecision":)");
  AppendInt(out, precision.quantity);
  out.append(R"(,"baseAssetPrecision":8,"quotePrecision":8,"underlyingType":"COIN",)"
             R"("underlyingSubType":[],"settlePlan":0,"triggerProtect":"0.0500",)"
             R"("liquidationFee":"0.012500","marketTakeBound":"0.05","maxMoveOrderLimit":10000,)"
             R"("filters":[{)");
  AppendField(out, "minPrice", spec.tick_size, precision.price);
  out.push_back(',');
  AppendField(out, "maxPrice", kMaxPrice, kTrimmed);
  out.append(R"(,"filterType":"PRICE_FILTER",)");
  AppendField(out, "tickSize", spec.tick_size, precision.price);
  out.append("},{");
  AppendField(out, "stepSize", spec.lot_size, precision.quantity);
  out.append(R"(,"filterType":"LOT_SIZE",)");
  AppendField(out, "maxQty", spec.max_quantity, kTrimmed);
  out.push_back(',');
  AppendField(out, "minQty", spec.lot_size, precision.quantity);
  out.append("},{");
  AppendField(out, "stepSize", spec.lot_size, precision.quantity);
  out.append(R"(,"filterType":"MARKET_LOT_SIZE",)");
  AppendField(out, "maxQty", spec.max_quantity / 10, kTrimmed);
  out.push_back(',');
  AppendField(out, "minQty", spec.lot_size, precision.quantity);
  out.append(R"(},{"limit":200,"filterType":"MAX_NUM_ORDERS"},)"
             R"({"limit":10,"filterType":"MAX_NUM_ALGO_ORDERS"},{)");
  AppendField(out, "notional", spec.min_notional, kTrimmed);
  out.append(R"(,"filterType":"MIN_NOTIONAL"},)"
             R"({"multiplierDown":"0.9500","multiplierUp":"1.0500","multiplierDecimal":"4",)"
             R"("filterType":"PERCENT_PRICE"}],)");
  out.append(R"("orderTypes":["LIMIT","MARKET","STOP","STOP_MARKET","TAKE_PROFIT",)"
             R"("TAKE_PROFIT_MARKET","TRAILING_STOP_MARKET"],)"
             R"("timeInForce":["GTC","IOC","FOK","GTX","GTD"]})");
}

std::string FuturesExchangeInfoBody(std::int64_t server_ms,
                                    std::span<const SymbolSpec* const> symbols) {
  std::string out;
  out.reserve(1024 + 1400 * symbols.size());
  out.append(R"({"timezone":"UTC","serverTime":)");
  AppendInt(out, server_ms);
  out.append(R"(,"futuresType":"U_MARGINED","rateLimits":[{"rateLimitType":"REQUEST_WEIGHT",)"
             R"("interval":"MINUTE","intervalNum":1,"limit":)");
  AppendInt(out, kFuturesRequestWeightPerMinute);
  out.append(R"(},{"rateLimitType":"ORDERS","interval":"MINUTE","intervalNum":1,"limit":1200},)"
             R"({"rateLimitType":"ORDERS","interval":"SECOND","intervalNum":10,"limit":300}],)"
             R"("exchangeFilters":[],"assets":[)");
  // The margin assets: every distinct quote asset, in first-seen order.
  std::vector<std::string_view> assets;
  for (const SymbolSpec* spec : symbols) {
    if (std::find(assets.begin(), assets.end(), spec->quote) == assets.end()) {
      assets.push_back(spec->quote);
    }
  }
  for (std::size_t i = 0; i < assets.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.append(R"({"asset":)");
    core::AppendJsonString(out, assets[i]);
    out.append(R"(,"marginAvailable":true,"autoAssetExchange":"-10000"})");
  }
  out.append(R"(],"symbols":[)");
  bool first = true;
  for (const SymbolSpec* spec : symbols) {
    if (!first) out.push_back(',');
    first = false;
    AppendFuturesExchangeInfoSymbol(out, *spec);
  }
  out.append("]}");
  return out;
}

bool IsFuturesDepthLimit(int limit) {
  return limit == 5 || limit == 10 || limit == 20 || limit == 50 || limit == 100 || limit == 500 ||
         limit == 1000;
}

int FuturesDepthWeight(int limit) {
  if (limit <= 50) return 2;
  if (limit <= 100) return 5;
  if (limit <= 500) return 10;
  return 20;
}

}  // namespace tradingd::sim::binance
