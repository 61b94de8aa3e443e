#include "sim/bybit/bybit_wire.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::sim::bybit {
namespace {

constexpr std::array<int, 4> kBookDepths = {1, 50, 200, 1000};
// Values Bybit lists for BTCUSDT that the sim has no model for; the same for every symbol.
constexpr std::int64_t kMaxPriceTicks = 19'999'998;  // maxPrice = 1999999.80 at tick 0.10
constexpr std::int64_t kSpotMaxOrderAmount = 800'000'000'000'000;  // 8,000,000 quote
constexpr std::int64_t kSpotQuotePrecision = 10;                   // 0.0000001
constexpr std::string_view kLaunchTimeMs = "1585526400000";

void AppendInt(std::string& out, std::int64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void AppendUint(std::string& out, std::uint64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

// "\"..\"" with at least `min_digits` decimals (and no more than the value needs beyond them).
void AppendQuoted(std::string& out, std::int64_t mantissa, int min_digits) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, min_digits, buffer);
  out.push_back('"');
  out.append(buffer, n);
  out.push_back('"');
}

// ,"key":"value" (no comma before the first field of an object: `first`).
void AppendKey(std::string& out, std::string_view key, bool first = false) {
  if (!first) out.push_back(',');
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

void AppendTrimmedField(std::string& out, std::string_view key, std::int64_t mantissa) {
  AppendKey(out, key);
  AppendQuoted(out, mantissa, 0);
}

void AppendFixedField(std::string& out, std::string_view key, std::int64_t mantissa,
                      int digits) {
  AppendKey(out, key);
  AppendQuoted(out, mantissa, digits);
}

void AppendStringField(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  core::AppendJsonString(out, value);
}

void AppendLevels(std::string& out, std::span<const BookLevel> levels,
                  const NumberFormat& format) {
  out.push_back('[');
  for (std::size_t i = 0; i < levels.size(); ++i) {
    if (i != 0) out.push_back(',');
    out.push_back('[');
    AppendPrice(out, levels[i].price, format);
    out.push_back(',');
    AppendQuantity(out, levels[i].quantity, format);
    out.push_back(']');
  }
  out.push_back(']');
}

// The common tail of every op answer: "conn_id", then "req_id" (linear always, spot when sent),
// then "op".
void AppendOpTail(std::string& out, Category category, std::string_view conn_id,
                  const std::optional<std::string>& req_id, std::string_view op) {
  AppendStringField(out, "conn_id", conn_id);
  if (req_id || category == Category::kLinear) {
    AppendStringField(out, "req_id", req_id ? std::string_view(*req_id) : std::string_view());
  }
  AppendStringField(out, "op", op);
  out.push_back('}');
}

int DigitsOf(std::int64_t step) { return core::SignificantFractionDigits(step, kSimScale); }

void AppendSpotSymbol(std::string& out, const SymbolSpec& spec, std::size_t index) {
  const std::int64_t max_quantity = spec.max_quantity;
  out.append(R"({"symbolId":)");
  AppendUint(out, index + 1);
  AppendStringField(out, "symbol", spec.symbol);
  AppendStringField(out, "baseCoin", spec.base);
  AppendStringField(out, "quoteCoin", spec.quote);
  out.append(R"(,"innovation":"0","status":"Trading","marginTrading":"utaOnly","stTag":"0")");
  out.append(R"(,"lotSizeFilter":{)");
  AppendKey(out, "basePrecision", true);
  AppendQuoted(out, spec.lot_size, 0);
  AppendTrimmedField(out, "quotePrecision", kSpotQuotePrecision);
  // minOrderQty is deprecated (no longer checked: minOrderAmt is); the sim lists one lot.
  AppendTrimmedField(out, "minOrderQty", spec.lot_size);
  AppendTrimmedField(out, "maxOrderQty", max_quantity);
  AppendTrimmedField(out, "minOrderAmt", spec.min_notional);
  AppendTrimmedField(out, "maxOrderAmt", kSpotMaxOrderAmount);
  AppendTrimmedField(out, "maxLimitOrderQty", max_quantity);
  AppendTrimmedField(out, "maxMarketOrderQty", max_quantity / 2);
  AppendTrimmedField(out, "postOnlyMaxLimitOrderSize", max_quantity * 5);
  out.append(R"(},"priceFilter":{)");
  AppendKey(out, "tickSize", true);
  AppendQuoted(out, spec.tick_size, 0);
  out.append(R"(},"riskParameters":{"priceLimitRatioX":"0.005","priceLimitRatioY":"0.01"})");
  out.append(R"(,"symbolType":""})");
}

void AppendLinearSymbol(std::string& out, const SymbolSpec& spec, std::size_t index) {
  const NumberFormat format = FormatOf(Category::kLinear, spec);
  const int pd = format.price_digits;
  const int qd = format.quantity_digits;
  out.append("{");
  AppendKey(out, "symbol", true);
  core::AppendJsonString(out, spec.symbol);
  AppendKey(out, "symbolId");
  AppendUint(out, index + 1);
  out.append(R"(,"contractType":"LinearPerpetual","status":"Trading")");
  AppendStringField(out, "baseCoin", spec.base);
  AppendStringField(out, "quoteCoin", spec.quote);
  AppendStringField(out, "launchTime", kLaunchTimeMs);
  out.append(R"(,"deliveryTime":"0","deliveryFeeRate":"")");
  AppendStringField(out, "priceScale", fmt::format("{}", pd));
  out.append(
      R"(,"leverageFilter":{"minLeverage":"1","maxLeverage":"100.00","leverageStep":"0.01"})");
  out.append(R"(,"priceFilter":{)");
  AppendKey(out, "minPrice", true);
  AppendQuoted(out, spec.tick_size, pd);
  AppendFixedField(out, "maxPrice", spec.tick_size * kMaxPriceTicks, pd);
  AppendFixedField(out, "tickSize", spec.tick_size, pd);
  out.append(R"(},"lotSizeFilter":{)");
  AppendKey(out, "maxOrderQty", true);
  AppendQuoted(out, spec.max_quantity, qd);
  AppendFixedField(out, "minOrderQty", spec.lot_size, qd);
  AppendFixedField(out, "qtyStep", spec.lot_size, qd);
  AppendFixedField(out, "postOnlyMaxOrderQty", spec.max_quantity, qd);
  AppendFixedField(out, "maxMktOrderQty", spec.max_quantity / 2 / spec.lot_size * spec.lot_size,
                   qd);
  AppendTrimmedField(out, "minNotionalValue", spec.min_notional);
  out.append(R"(},"unifiedMarginTrade":true,"fundingInterval":480)");
  AppendStringField(out, "settleCoin", spec.quote);
  out.append(R"(,"copyTrading":"both","upperFundingRate":"0.00375",)"
             R"("lowerFundingRate":"-0.00375","isPreListing":false,"preListingInfo":null,)"
             R"("riskParameters":{"priceLimitRatioX":"0.01","priceLimitRatioY":"0.02"},)"
             R"("symbolType":""})");
}

void AppendEnvelopeTail(std::string& out, std::int64_t time_ms) {
  out.append(R"(,"retExtInfo":{},"time":)");
  AppendInt(out, time_ms);
  out.push_back('}');
}

}  // namespace

std::optional<Category> ParseCategory(std::string_view name) {
  if (name == "spot") return Category::kSpot;
  if (name == "linear") return Category::kLinear;
  return std::nullopt;
}

std::string_view CategoryName(Category category) {
  return category == Category::kLinear ? "linear" : "spot";
}

bool IsBookDepth(Category /*category*/, int depth) {
  return std::find(kBookDepths.begin(), kBookDepths.end(), depth) != kBookDepths.end();
}

NumberFormat FormatOf(Category category, const SymbolSpec& spec) {
  return NumberFormat{category, DigitsOf(spec.tick_size), DigitsOf(spec.lot_size)};
}

void AppendPrice(std::string& out, std::int64_t mantissa, const NumberFormat& format) {
  AppendQuoted(out, mantissa, format.category == Category::kLinear ? format.price_digits : 0);
}

void AppendQuantity(std::string& out, std::int64_t mantissa, const NumberFormat& format) {
  // A deleted level is "0" on both categories, whatever the lot's decimals.
  if (mantissa == 0) {
    out.append("\"0\"");
    return;
  }
  AppendQuoted(out, mantissa, format.category == Category::kLinear ? format.quantity_digits : 0);
}

std::string OpSuccess(Category category, std::string_view conn_id,
                      const std::optional<std::string>& req_id, std::string_view op) {
  std::string out = R"({"success":true,"ret_msg":)";
  // Spot echoes the op in ret_msg; linear leaves it empty.
  core::AppendJsonString(out, category == Category::kSpot ? op : std::string_view());
  AppendOpTail(out, category, conn_id, req_id, op);
  return out;
}

std::string OpFailure(Category category, std::string_view conn_id,
                      const std::optional<std::string>& req_id, std::string_view op,
                      std::string_view ret_msg) {
  std::string out = R"({"success":false,"ret_msg":)";
  core::AppendJsonString(out, ret_msg);
  AppendOpTail(out, category, conn_id, req_id, op);
  return out;
}

std::string Pong(Category category, std::string_view conn_id,
                 const std::optional<std::string>& req_id) {
  std::string out = R"({"success":true,"ret_msg":"pong")";
  AppendOpTail(out, category, conn_id, req_id, "ping");
  return out;
}

std::string UuidText(std::uint64_t seed) {
  const std::uint64_t high = MixSeed(seed, 1);
  const std::uint64_t low = MixSeed(seed, 2);
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffff'ffff'ffffULL);
}

std::string OrderbookMessage(std::string_view symbol, int depth, bool snapshot,
                             std::int64_t ts_ms, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks, std::uint64_t update_id,
                             std::uint64_t cross_sequence, std::int64_t cts_ms,
                             const NumberFormat& format) {
  std::string out;
  out.reserve(160 + 32 * (bids.size() + asks.size()));
  out.append(R"({"topic":"orderbook.)");
  AppendInt(out, depth);
  out.push_back('.');
  out.append(symbol);
  out.append(snapshot ? R"(","type":"snapshot","ts":)" : R"(","type":"delta","ts":)");
  AppendInt(out, ts_ms);
  out.append(R"(,"data":{"s":")");
  out.append(symbol);
  out.append(R"(","b":)");
  AppendLevels(out, bids, format);
  out.append(R"(,"a":)");
  AppendLevels(out, asks, format);
  out.append(R"(,"u":)");
  AppendUint(out, update_id);
  out.append(R"(,"seq":)");
  AppendUint(out, cross_sequence);
  out.append(R"(},"cts":)");
  AppendInt(out, cts_ms);
  out.push_back('}');
  return out;
}

std::string_view TickDirectionName(TickDirection direction) {
  switch (direction) {
    case TickDirection::kPlusTick: return "PlusTick";
    case TickDirection::kZeroPlusTick: return "ZeroPlusTick";
    case TickDirection::kMinusTick: return "MinusTick";
    case TickDirection::kZeroMinusTick: return "ZeroMinusTick";
  }
  return "ZeroPlusTick";
}

std::string TradeIdText(Category category, std::uint64_t trade_id) {
  if (category == Category::kSpot) return fmt::format("{}", trade_id);
  return UuidText(trade_id);
}

std::string PublicTradeMessage(std::string_view symbol, std::int64_t ts_ms,
                               std::span<const PublicTrade> trades, const NumberFormat& format) {
  std::string out;
  out.reserve(96 + 180 * trades.size());
  out.append(R"({"topic":"publicTrade.)");
  out.append(symbol);
  out.append(R"(","type":"snapshot","ts":)");
  AppendInt(out, ts_ms);
  out.append(R"(,"data":[)");
  for (std::size_t i = 0; i < trades.size(); ++i) {
    const PublicTrade& trade = trades[i];
    if (i != 0) out.push_back(',');
    out.append(R"({"T":)");
    AppendInt(out, trade.time_ms);
    out.append(R"(,"s":")");
    out.append(symbol);
    out.append(trade.taker_buys ? R"(","S":"Buy","v":)" : R"(","S":"Sell","v":)");
    AppendQuantity(out, trade.quantity, format);
    out.append(R"(,"p":)");
    AppendPrice(out, trade.price, format);
    if (format.category == Category::kLinear) {
      AppendStringField(out, "L", TickDirectionName(trade.direction));
    }
    AppendStringField(out, "i", trade.id);
    out.append(trade.block_trade ? R"(,"BT":true,"seq":)" : R"(,"BT":false,"seq":)");
    AppendUint(out, trade.seq);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string SpotTickerMessage(std::string_view symbol, std::int64_t ts_ms,
                              std::uint64_t cross_sequence, const SpotTicker& ticker) {
  std::string out;
  out.reserve(320);
  out.append(R"({"topic":"tickers.)");
  out.append(symbol);
  out.append(R"(","ts":)");
  AppendInt(out, ts_ms);
  out.append(R"(,"type":"snapshot","cs":)");
  AppendUint(out, cross_sequence);
  out.append(R"(,"data":{"symbol":")");
  out.append(symbol);
  out.push_back('"');
  AppendTrimmedField(out, "lastPrice", ticker.last_price);
  AppendTrimmedField(out, "highPrice24h", ticker.high_price);
  AppendTrimmedField(out, "lowPrice24h", ticker.low_price);
  AppendTrimmedField(out, "prevPrice24h", ticker.prev_price_24h);
  AppendTrimmedField(out, "volume24h", ticker.volume);
  AppendTrimmedField(out, "turnover24h", ticker.turnover);
  AppendTrimmedField(out, "price24hPcnt", ticker.change_ratio);
  AppendTrimmedField(out, "usdIndexPrice", ticker.usd_index_price);
  out.append("}}");
  return out;
}

std::uint32_t ChangedFields(const LinearTicker& a, const LinearTicker& b) {
  std::uint32_t fields = 0;
  auto check = [&fields](bool differs, LinearTicker::Field field) {
    if (differs) fields |= field;
  };
  check(a.tick_direction != b.tick_direction, LinearTicker::kTickDirection);
  check(a.change_ratio != b.change_ratio, LinearTicker::kChangeRatio);
  check(a.last_price != b.last_price, LinearTicker::kLastPrice);
  check(a.prev_price_24h != b.prev_price_24h, LinearTicker::kPrevPrice24h);
  check(a.high_price != b.high_price, LinearTicker::kHighPrice);
  check(a.low_price != b.low_price, LinearTicker::kLowPrice);
  check(a.prev_price_1h != b.prev_price_1h, LinearTicker::kPrevPrice1h);
  check(a.mark_price != b.mark_price, LinearTicker::kMarkPrice);
  check(a.index_price != b.index_price, LinearTicker::kIndexPrice);
  check(a.open_interest != b.open_interest, LinearTicker::kOpenInterest);
  check(a.open_interest_value != b.open_interest_value, LinearTicker::kOpenInterestValue);
  check(a.turnover != b.turnover, LinearTicker::kTurnover);
  check(a.volume != b.volume, LinearTicker::kVolume);
  check(a.next_funding_time_ms != b.next_funding_time_ms, LinearTicker::kNextFundingTime);
  check(a.funding_rate != b.funding_rate, LinearTicker::kFundingRate);
  check(a.bid1_price != b.bid1_price, LinearTicker::kBid1Price);
  check(a.bid1_size != b.bid1_size, LinearTicker::kBid1Size);
  check(a.ask1_price != b.ask1_price, LinearTicker::kAsk1Price);
  check(a.ask1_size != b.ask1_size, LinearTicker::kAsk1Size);
  return fields;
}

std::string LinearTickerMessage(std::string_view symbol, bool snapshot, std::uint32_t fields,
                                const LinearTicker& ticker, std::uint64_t cross_sequence,
                                std::int64_t ts_ms, const NumberFormat& format) {
  if (snapshot) fields = LinearTicker::kAllFields;
  const int pd = format.price_digits;
  const int qd = format.quantity_digits;
  std::string out;
  out.reserve(snapshot ? 640 : 200);
  out.append(R"({"topic":"tickers.)");
  out.append(symbol);
  out.append(snapshot ? R"(","type":"snapshot","data":{"symbol":")"
                      : R"(","type":"delta","data":{"symbol":")");
  out.append(symbol);
  out.push_back('"');
  auto has = [fields](LinearTicker::Field field) { return (fields & field) != 0; };
  if (has(LinearTicker::kTickDirection)) {
    AppendStringField(out, "tickDirection", TickDirectionName(ticker.tick_direction));
  }
  // Bybit writes the 24 h change with 6 decimals, the funding rate as short as it goes.
  if (has(LinearTicker::kChangeRatio)) {
    AppendFixedField(out, "price24hPcnt", ticker.change_ratio, 6);
  }
  if (has(LinearTicker::kLastPrice)) AppendFixedField(out, "lastPrice", ticker.last_price, pd);
  if (has(LinearTicker::kPrevPrice24h)) {
    AppendFixedField(out, "prevPrice24h", ticker.prev_price_24h, pd);
  }
  if (has(LinearTicker::kHighPrice)) AppendFixedField(out, "highPrice24h", ticker.high_price, pd);
  if (has(LinearTicker::kLowPrice)) AppendFixedField(out, "lowPrice24h", ticker.low_price, pd);
  if (has(LinearTicker::kPrevPrice1h)) {
    AppendFixedField(out, "prevPrice1h", ticker.prev_price_1h, pd);
  }
  if (has(LinearTicker::kMarkPrice)) AppendFixedField(out, "markPrice", ticker.mark_price, pd);
  if (has(LinearTicker::kIndexPrice)) AppendFixedField(out, "indexPrice", ticker.index_price, pd);
  if (has(LinearTicker::kOpenInterest)) {
    AppendFixedField(out, "openInterest", ticker.open_interest, qd);
  }
  if (has(LinearTicker::kOpenInterestValue)) {
    AppendFixedField(out, "openInterestValue", ticker.open_interest_value, 2);
  }
  if (has(LinearTicker::kTurnover)) AppendTrimmedField(out, "turnover24h", ticker.turnover);
  if (has(LinearTicker::kVolume)) AppendFixedField(out, "volume24h", ticker.volume, qd);
  if (has(LinearTicker::kNextFundingTime)) {
    AppendStringField(out, "nextFundingTime", fmt::format("{}", ticker.next_funding_time_ms));
  }
  if (has(LinearTicker::kFundingRate)) AppendTrimmedField(out, "fundingRate", ticker.funding_rate);
  if (has(LinearTicker::kBid1Price)) AppendFixedField(out, "bid1Price", ticker.bid1_price, pd);
  if (has(LinearTicker::kBid1Size)) AppendFixedField(out, "bid1Size", ticker.bid1_size, qd);
  if (has(LinearTicker::kAsk1Price)) AppendFixedField(out, "ask1Price", ticker.ask1_price, pd);
  if (has(LinearTicker::kAsk1Size)) AppendFixedField(out, "ask1Size", ticker.ask1_size, qd);
  out.append(R"(},"cs":)");
  AppendUint(out, cross_sequence);
  out.append(R"(,"ts":)");
  AppendInt(out, ts_ms);
  out.push_back('}');
  return out;
}

std::string InstrumentsInfoBody(Category category, std::span<const SymbolSpec* const> symbols,
                                std::int64_t time_ms) {
  std::string out;
  out.reserve(256 + 900 * symbols.size());
  out.append(R"({"retCode":0,"retMsg":"OK","result":{"category":")");
  out.append(CategoryName(category));
  out.append(R"(","list":[)");
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i != 0) out.push_back(',');
    if (category == Category::kSpot) {
      AppendSpotSymbol(out, *symbols[i], i);
    } else {
      AppendLinearSymbol(out, *symbols[i], i);
    }
  }
  out.push_back(']');
  // Spot takes no pagination and has no cursor.
  if (category == Category::kLinear) out.append(R"(,"nextPageCursor":"")");
  out.push_back('}');
  AppendEnvelopeTail(out, time_ms);
  return out;
}

std::string EmptyInstrumentsInfoBody(std::string_view category, std::int64_t time_ms) {
  std::string out = R"({"retCode":0,"retMsg":"OK","result":{"category":)";
  core::AppendJsonString(out, category);
  out.append(R"(,"list":[],"nextPageCursor":""})");
  AppendEnvelopeTail(out, time_ms);
  return out;
}

std::string RestErrorBody(int ret_code, std::string_view ret_msg, std::int64_t time_ms) {
  std::string out = R"({"retCode":)";
  AppendInt(out, ret_code);
  out.append(R"(,"retMsg":)");
  core::AppendJsonString(out, ret_msg);
  out.append(R"(,"result":{})");
  AppendEnvelopeTail(out, time_ms);
  return out;
}

std::string ServerTimeBody(std::int64_t now_ns) {
  std::string out = R"({"retCode":0,"retMsg":"OK","result":{"timeSecond":")";
  AppendInt(out, now_ns / 1'000'000'000);
  out.append(R"(","timeNano":")");
  AppendInt(out, now_ns);
  out.append(R"("})");
  AppendEnvelopeTail(out, now_ns / 1'000'000);
  return out;
}

}  // namespace tradingd::sim::bybit
