#include "sim/kraken/kraken_wire.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::sim::kraken {

namespace {

constexpr std::size_t kChecksumLevels = 10;

void AppendUint(std::string& out, std::uint64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void AppendInt(std::string& out, std::int64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

// Trailing zeros trimmed, as AssetPairs writes its string decimals ("0.00005", "0.5", "0.1").
void AppendDecimalString(std::string& out, std::int64_t mantissa) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, 0, buffer);
  out.push_back('"');
  out.append(buffer, n);
  out.push_back('"');
}

void AppendKey(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

void AppendTimestamp(std::string& out, std::int64_t time_ns) {
  out.push_back('"');
  out.append(Rfc3339Micros(time_ns));
  out.push_back('"');
}

// One level's checksum text: the number written at `decimals`, '.' removed, leading '0's stripped.
void AppendChecksumText(std::string& out, std::int64_t mantissa, int decimals) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, decimals, buffer);
  bool leading = true;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = buffer[i];
    if (c == '.') continue;
    if (leading && c == '0') continue;
    leading = false;
    out.push_back(c);
  }
}

void AppendLevels(std::string& out, std::span<const BookLevel> levels, KrakenPrecision precision) {
  out.push_back('[');
  bool first = true;
  for (const BookLevel& level : levels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"price":)");
    AppendNumber(out, level.price, precision.price);
    out.append(R"(,"qty":)");
    AppendNumber(out, level.quantity, precision.quantity);
    out.push_back('}');
  }
  out.push_back(']');
}

void AppendChannelHead(std::string& out, std::string_view channel, bool snapshot) {
  out.append(R"({"channel":")");
  out.append(channel);
  out.append(snapshot ? R"(","type":"snapshot","data":[)" : R"(","type":"update","data":[)");
}

void AppendReqId(std::string& out, std::optional<std::int64_t> req_id) {
  if (!req_id) return;
  out.append(R"(,"req_id":)");
  AppendInt(out, *req_id);
}

void AppendTimes(std::string& out, std::int64_t time_in_ns, std::int64_t time_out_ns) {
  out.append(R"(,"time_in":)");
  AppendTimestamp(out, time_in_ns);
  out.append(R"(,"time_out":)");
  AppendTimestamp(out, time_out_ns);
}

// Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
void CivilFromDays(std::int64_t days, int* year, unsigned* month, unsigned* day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0));
}

}  // namespace

KrakenPrecision PrecisionOf(const SymbolSpec& spec) {
  return {core::SignificantFractionDigits(spec.tick_size, kSimScale),
          core::SignificantFractionDigits(spec.lot_size, kSimScale)};
}

void AppendNumber(std::string& out, std::int64_t mantissa, int decimals) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, decimals, buffer);
  out.append(buffer, n);
}

std::string Rfc3339Micros(std::int64_t unix_ns) {
  const std::int64_t micros_total = unix_ns >= 0 ? unix_ns / 1000 : (unix_ns - 999) / 1000;
  std::int64_t seconds =
      micros_total >= 0 ? micros_total / 1'000'000 : (micros_total - 999'999) / 1'000'000;
  const std::int64_t micros = micros_total - seconds * 1'000'000;
  const std::int64_t days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
  const std::int64_t second_of_day = seconds - days * 86400;
  int year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}.{:06d}Z", year, month, day,
                     second_of_day / 3600, (second_of_day / 60) % 60, second_of_day % 60, micros);
}

std::uint32_t BookChecksum(std::span<const BookLevel> bids, std::span<const BookLevel> asks,
                           KrakenPrecision precision) {
  std::string text;
  text.reserve(2 * kChecksumLevels * 32);
  for (std::size_t i = 0; i < std::min(asks.size(), kChecksumLevels); ++i) {
    AppendChecksumText(text, asks[i].price, precision.price);
    AppendChecksumText(text, asks[i].quantity, precision.quantity);
  }
  for (std::size_t i = 0; i < std::min(bids.size(), kChecksumLevels); ++i) {
    AppendChecksumText(text, bids[i].price, precision.price);
    AppendChecksumText(text, bids[i].quantity, precision.quantity);
  }
  const uLong crc =
      crc32(0L, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  return static_cast<std::uint32_t>(crc);
}

std::string StatusMessage(std::uint64_t connection_id, std::string_view system) {
  std::string out;
  out.reserve(160);
  out.append(R"({"channel":"status","type":"update","data":[{"version":"2.0.10","system":)");
  core::AppendJsonString(out, system);
  out.append(R"(,"api_version":"v2","connection_id":)");
  AppendUint(out, connection_id);
  out.append("}]}");
  return out;
}

std::string HeartbeatMessage() { return R"({"channel":"heartbeat"})"; }

std::string BookMessage(bool snapshot, std::string_view symbol, std::span<const BookLevel> bids,
                        std::span<const BookLevel> asks, std::uint32_t checksum,
                        std::int64_t time_ns, KrakenPrecision precision) {
  std::string out;
  out.reserve(160 + 40 * (bids.size() + asks.size()));
  AppendChannelHead(out, "book", snapshot);
  out.append(R"({"symbol":)");
  core::AppendJsonString(out, symbol);
  out.append(R"(,"bids":)");
  AppendLevels(out, bids, precision);
  out.append(R"(,"asks":)");
  AppendLevels(out, asks, precision);
  out.append(R"(,"checksum":)");
  AppendUint(out, checksum);
  out.append(R"(,"timestamp":)");
  AppendTimestamp(out, time_ns);
  out.append("}]}");
  return out;
}

std::string TickerMessage(bool snapshot, std::string_view symbol, const KrakenTickerFields& fields,
                          std::int64_t time_ns, KrakenPrecision precision) {
  std::string out;
  out.reserve(320);
  AppendChannelHead(out, "ticker", snapshot);
  out.append(R"({"symbol":)");
  core::AppendJsonString(out, symbol);
  const auto price = [&](std::string_view key, std::int64_t value) {
    out.push_back(',');
    AppendKey(out, key);
    AppendNumber(out, value, precision.price);
  };
  const auto quantity = [&](std::string_view key, std::int64_t value) {
    out.push_back(',');
    AppendKey(out, key);
    AppendNumber(out, value, precision.quantity);
  };
  price("bid", fields.top.bid_price);
  quantity("bid_qty", fields.top.bid_quantity);
  price("ask", fields.top.ask_price);
  quantity("ask_qty", fields.top.ask_quantity);
  price("last", fields.last);
  quantity("volume", fields.volume);
  price("vwap", fields.vwap);
  price("low", fields.low);
  price("high", fields.high);
  price("change", fields.change);
  // change_pct has two decimals: the hundredths are a mantissa at scale 2.
  out.append(R"(,"change_pct":)");
  out.append(core::FormatDecimal(fields.change_pct_hundredths, 2, 2));
  out.append(R"(,"trades":)");
  AppendUint(out, fields.trades);
  out.append(R"(,"timestamp":)");
  AppendTimestamp(out, time_ns);
  out.append("}]}");
  return out;
}

std::string TradeMessage(bool snapshot, std::string_view symbol, std::span<const TradePrint> trades,
                         std::int64_t time_ns, KrakenPrecision precision) {
  std::string out;
  out.reserve(64 + 170 * trades.size());
  AppendChannelHead(out, "trade", snapshot);
  bool first = true;
  for (const TradePrint& trade : trades) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"symbol":)");
    core::AppendJsonString(out, symbol);
    // A seller hitting the bid (the buyer is the maker) is a sell by the taker.
    out.append(trade.buyer_is_maker ? R"(,"side":"sell","price":)" : R"(,"side":"buy","price":)");
    AppendNumber(out, trade.price, precision.price);
    out.append(R"(,"qty":)");
    AppendNumber(out, trade.quantity, precision.quantity);
    out.append(R"(,"ord_type":"market","trade_id":)");
    AppendUint(out, trade.trade_id);
    out.append(R"(,"timestamp":)");
    AppendTimestamp(out, time_ns);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string AckMessage(std::string_view method, const KrakenAckResult& result,
                       std::optional<std::int64_t> req_id, std::int64_t time_in_ns,
                       std::int64_t time_out_ns) {
  std::string out;
  out.reserve(220);
  out.append(R"({"method":)");
  core::AppendJsonString(out, method);
  AppendReqId(out, req_id);
  out.append(R"(,"result":{"channel":)");
  core::AppendJsonString(out, result.channel);
  if (result.depth) {
    out.append(R"(,"depth":)");
    AppendInt(out, *result.depth);
  }
  if (!result.event_trigger.empty()) {
    out.append(R"(,"event_trigger":)");
    core::AppendJsonString(out, result.event_trigger);
  }
  if (result.snapshot)
    out.append(*result.snapshot ? R"(,"snapshot":true)" : R"(,"snapshot":false)");
  out.append(R"(,"symbol":)");
  core::AppendJsonString(out, result.symbol);
  out.append(R"(},"success":true)");
  AppendTimes(out, time_in_ns, time_out_ns);
  out.push_back('}');
  return out;
}

std::string ErrorMessage(std::string_view method, std::string_view error,
                         std::optional<std::int64_t> req_id, std::string_view symbol,
                         std::int64_t time_in_ns, std::int64_t time_out_ns) {
  std::string out;
  out.reserve(200 + error.size());
  out.append(R"({"error":)");
  core::AppendJsonString(out, error);
  if (!method.empty()) {
    out.append(R"(,"method":)");
    core::AppendJsonString(out, method);
  }
  AppendReqId(out, req_id);
  out.append(R"(,"success":false)");
  if (!symbol.empty()) {
    out.append(R"(,"symbol":)");
    core::AppendJsonString(out, symbol);
  }
  AppendTimes(out, time_in_ns, time_out_ns);
  out.push_back('}');
  return out;
}

std::string PongMessage(std::optional<std::int64_t> req_id, std::int64_t time_in_ns,
                        std::int64_t time_out_ns) {
  std::string out;
  out.reserve(120);
  out.append(R"({"method":"pong")");
  AppendReqId(out, req_id);
  AppendTimes(out, time_in_ns, time_out_ns);
  out.push_back('}');
  return out;
}

KrakenPairInfo PairInfoFor(const SymbolSpec& spec, std::span<const KrakenPairInfo> known) {
  for (const KrakenPairInfo& info : known) {
    if (info.symbol == spec.symbol) return info;
  }
  KrakenPairInfo info;
  info.symbol = spec.symbol;
  info.pair_key = spec.base + spec.quote;
  info.altname = info.pair_key;
  info.wsname = spec.symbol;
  info.base_id = spec.base;
  info.quote_id = spec.quote;
  info.order_min = spec.lot_size;
  return info;
}

std::string AssetPairsBody(std::span<const KrakenAssetPair> pairs) {
  std::string out;
  out.reserve(64 + 900 * pairs.size());
  out.append(R"({"error":[],"result":{)");
  bool first = true;
  for (const KrakenAssetPair& pair : pairs) {
    const SymbolSpec& spec = *pair.spec;
    const KrakenPairInfo& info = pair.info;
    const KrakenPrecision precision = PrecisionOf(spec);
    if (!first) out.push_back(',');
    first = false;
    core::AppendJsonString(out, info.pair_key);
    out.append(R"(:{"altname":)");
    core::AppendJsonString(out, info.altname);
    out.append(R"(,"wsname":)");
    core::AppendJsonString(out, info.wsname);
    out.append(R"(,"aclass_base":"currency","base":)");
    core::AppendJsonString(out, info.base_id);
    out.append(R"(,"aclass_quote":"currency","quote":)");
    core::AppendJsonString(out, info.quote_id);
    out.append(R"(,"lot":"unit","cost_decimals":)");
    AppendInt(out, info.cost_decimals);
    out.append(R"(,"pair_decimals":)");
    AppendInt(out, precision.price);
    out.append(R"(,"lot_decimals":)");
    AppendInt(out, precision.quantity);
    out.append(
        R"(,"lot_multiplier":1,"leverage_buy":[],"leverage_sell":[],"fees":[],"fees_maker":[],)"
        R"("fee_volume_currency":"ZUSD","margin_call":80,"margin_stop":40,"ordermin":)");
    AppendDecimalString(out, info.order_min > 0 ? info.order_min : spec.lot_size);
    out.append(R"(,"costmin":)");
    AppendDecimalString(out, spec.min_notional);
    out.append(R"(,"tick_size":)");
    AppendDecimalString(out, spec.tick_size);
    out.append(R"(,"status":)");
    core::AppendJsonString(out, info.status);
    if (info.long_position_limit > 0) {
      out.append(R"(,"long_position_limit":)");
      AppendInt(out, info.long_position_limit);
    }
    if (info.short_position_limit > 0) {
      out.append(R"(,"short_position_limit":)");
      AppendInt(out, info.short_position_limit);
    }
    out.push_back('}');
  }
  out.append("}}");
  return out;
}

std::string RestErrorBody(std::string_view error) {
  std::string out = R"({"error":[)";
  core::AppendJsonString(out, error);
  out.append("]}");
  return out;
}

}  // namespace tradingd::sim::kraken
