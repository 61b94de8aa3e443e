#include "sim/coinbase/coinbase_wire.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::sim::coinbase {
namespace {

// Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count since 1970-01-01.
void CivilFromDays(std::int64_t days, int* year, unsigned* month, unsigned* day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<int>(y + (*month <= 2));
}

// "2021-04-17T16:43:37" plus `fraction_digits` digits of the second and a 'Z' (or `separator`
// instead of 'T', and no 'Z', for the heartbeat's Go-style time).
std::string TimeText(std::int64_t unix_ns, int fraction_digits, char separator, bool zulu) {
  std::int64_t seconds = unix_ns / 1'000'000'000;
  std::int64_t nanos = unix_ns % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --seconds;
  }
  std::int64_t days = seconds / 86400;
  std::int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  int year = 0;
  unsigned month = 0, day = 0;
  CivilFromDays(days, &year, &month, &day);
  std::string out = fmt::format("{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}", year, month, day, separator,
                                second_of_day / 3600, second_of_day / 60 % 60, second_of_day % 60);
  if (fraction_digits > 0) {
    const std::int64_t fraction = nanos / core::PowerOfTen(9 - fraction_digits);
    out += fmt::format(".{:0{}}", fraction, fraction_digits);
  }
  if (zulu) out += 'Z';
  return out;
}

void AppendQuoted(std::string& out, std::string_view text) { core::AppendJsonString(out, text); }

const char* MakerSide(const TradePrint& trade) { return trade.buyer_is_maker ? "buy" : "sell"; }
const char* TakerSide(const TradePrint& trade) { return trade.buyer_is_maker ? "sell" : "buy"; }

int FractionDigitsOf(std::int64_t increment) {
  return core::SignificantFractionDigits(increment, kSimScale);
}

std::string AdvancedHead(std::string_view channel, std::uint64_t sequence_num,
                         std::int64_t time_ns) {
  std::string out = R"({"channel":)";
  AppendQuoted(out, channel);
  out += R"(,"client_id":"","timestamp":")";
  out += NanosecondTime(time_ns);
  out += fmt::format(R"(","sequence_num":{},"events":[)", sequence_num);
  return out;
}

void AppendAdvancedRows(std::string& out, const char* side, std::span<const BookLevel> levels,
                        std::string_view event_time, bool* first) {
  for (const BookLevel& level : levels) {
    if (!*first) out += ',';
    *first = false;
    out += R"({"side":")";
    out += side;
    out += R"(","event_time":")";
    out += event_time;
    out += R"(","price_level":)";
    AppendTrimmedDecimal(out, level.price);
    out += R"(,"new_quantity":)";
    AppendTrimmedDecimal(out, level.quantity);
    out += '}';
  }
}

}  // namespace

ExchangePrecision ExchangePrecisionOf(const SymbolSpec& spec) {
  return {FractionDigitsOf(spec.tick_size), FractionDigitsOf(spec.lot_size)};
}

void AppendFixedDecimal(std::string& out, std::int64_t mantissa, int digits) {
  digits = std::clamp(digits, 0, kSimScale);
  char buffer[core::kMaxDecimalText];
  const std::int64_t scaled = mantissa / core::PowerOfTen(kSimScale - digits);
  out += '"';
  out.append(buffer, core::FormatDecimal(scaled, digits, digits, buffer));
  out += '"';
}

void AppendTrimmedDecimal(std::string& out, std::int64_t mantissa) {
  char buffer[core::kMaxDecimalText];
  out += '"';
  out.append(buffer, core::FormatDecimal(mantissa, kSimScale, 0, buffer));
  out += '"';
}

std::string MicrosecondTime(std::int64_t unix_ns) { return TimeText(unix_ns, 6, 'T', true); }
std::string NanosecondTime(std::int64_t unix_ns) { return TimeText(unix_ns, 9, 'T', true); }

// ---- Exchange: WebSocket ----

std::string ExchangeSubscriptions(std::span<const ChannelProducts> channels) {
  std::string out = R"({"type":"subscriptions","channels":[)";
  for (std::size_t i = 0; i < channels.size(); ++i) {
    if (i != 0) out += ',';
    out += R"({"name":)";
    AppendQuoted(out, channels[i].name);
    out += R"(,"product_ids":[)";
    for (std::size_t j = 0; j < channels[i].product_ids.size(); ++j) {
      if (j != 0) out += ',';
      AppendQuoted(out, channels[i].product_ids[j]);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

std::string ExchangeError(std::string_view message, std::string_view reason) {
  std::string out = R"({"type":"error","message":)";
  AppendQuoted(out, message);
  if (!reason.empty()) {
    out += R"(,"reason":)";
    AppendQuoted(out, reason);
  }
  out += '}';
  return out;
}

std::string ExchangeSnapshot(std::string_view product_id, const BookLevels& book,
                             ExchangePrecision precision) {
  std::string out = R"({"type":"snapshot","product_id":)";
  AppendQuoted(out, product_id);
  out.reserve(out.size() + 48 * (book.bids.size() + book.asks.size()));
  const auto append_side = [&](const std::vector<BookLevel>& side) {
    bool first = true;
    for (const auto& [price, quantity] : side) {
      out += first ? "[" : ",[";
      first = false;
      AppendFixedDecimal(out, price, precision.price);
      out += ',';
      AppendFixedDecimal(out, quantity, precision.size);
      out += ']';
    }
  };
  out += R"(,"asks":[)";
  append_side(book.asks);
  out += R"(],"bids":[)";
  append_side(book.bids);
  out += "]}";
  return out;
}

std::string ExchangeL2Update(std::string_view product_id, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks, std::int64_t time_ns,
                             ExchangePrecision precision) {
  std::string out = R"({"type":"l2update","product_id":)";
  AppendQuoted(out, product_id);
  out += R"(,"changes":[)";
  bool first = true;
  const auto append_side = [&](const char* side, std::span<const BookLevel> levels) {
    for (const BookLevel& level : levels) {
      out += first ? "[\"" : ",[\"";
      first = false;
      out += side;
      out += "\",";
      AppendFixedDecimal(out, level.price, precision.price);
      out += ',';
      AppendFixedDecimal(out, level.quantity, precision.size);
      out += ']';
    }
  };
  append_side("buy", bids);
  append_side("sell", asks);
  out += R"(],"time":")";
  out += MicrosecondTime(time_ns);
  out += "\"}";
  return out;
}

std::string ExchangeTicker(std::string_view product_id, std::uint64_t sequence,
                           const TradePrint& last_trade, const TickerStats& stats,
                           const TopOfBook& top, std::int64_t time_ns,
                           ExchangePrecision precision) {
  std::string out = fmt::format(R"({{"type":"ticker","sequence":{},"product_id":)", sequence);
  AppendQuoted(out, product_id);
  const auto trimmed = [&](const char* name, std::int64_t value) {
    out += fmt::format(R"(,"{}":)", name);
    AppendTrimmedDecimal(out, value);
  };
  const auto fixed = [&](const char* name, std::int64_t value, int digits) {
    out += fmt::format(R"(,"{}":)", name);
    AppendFixedDecimal(out, value, digits);
  };
  trimmed("price", last_trade.price);
  trimmed("open_24h", stats.open_24h);
  fixed("volume_24h", stats.volume_24h, kSimScale);
  trimmed("low_24h", stats.low_24h);
  trimmed("high_24h", stats.high_24h);
  fixed("volume_30d", stats.volume_30d, kSimScale);
  fixed("best_bid", top.bid_price, precision.price);
  fixed("best_bid_size", top.bid_quantity, kSimScale);
  fixed("best_ask", top.ask_price, precision.price);
  fixed("best_ask_size", top.ask_quantity, kSimScale);
  out += fmt::format(R"(,"side":"{}","time":"{}","trade_id":{})", TakerSide(last_trade),
                     MicrosecondTime(time_ns), last_trade.trade_id);
  trimmed("last_size", last_trade.quantity);
  out += '}';
  return out;
}

std::pair<std::string, std::string> OrderIdsOf(std::uint64_t trade_id) {
  const auto uuid = [](std::uint64_t high, std::uint64_t low) {
    // Version 4 and the RFC 4122 variant bits, as Coinbase's random order ids carry.
    return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                       high & 0xfff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
  };
  return {uuid(MixSeed(trade_id, 1), MixSeed(trade_id, 2)),
          uuid(MixSeed(trade_id, 3), MixSeed(trade_id, 4))};
}

std::string ExchangeMatch(std::string_view product_id, const TradePrint& trade,
                          std::uint64_t sequence, std::int64_t time_ns, bool last_match) {
  const auto [maker, taker] = OrderIdsOf(trade.trade_id);
  std::string out = fmt::format(
      R"({{"type":"{}","trade_id":{},"maker_order_id":"{}","taker_order_id":"{}","side":"{}","size":)",
      last_match ? "last_match" : "match", trade.trade_id, maker, taker, MakerSide(trade));
  AppendTrimmedDecimal(out, trade.quantity);
  out += R"(,"price":)";
  AppendTrimmedDecimal(out, trade.price);
  out += R"(,"product_id":)";
  AppendQuoted(out, product_id);
  out += fmt::format(R"(,"sequence":{},"time":"{}"}})", sequence, MicrosecondTime(time_ns));
  return out;
}

std::string ExchangeHeartbeat(std::string_view product_id, std::uint64_t sequence,
                              std::uint64_t last_trade_id, std::int64_t time_ns) {
  std::string out = fmt::format(R"({{"type":"heartbeat","sequence":{},"last_trade_id":{},)",
                                sequence, last_trade_id);
  out += R"("product_id":)";
  AppendQuoted(out, product_id);
  out += fmt::format(R"(,"time":"{}"}})", MicrosecondTime(time_ns));
  return out;
}

// ---- Exchange: REST ----

std::string ExchangeProduct(const SymbolSpec& spec) {
  core::JsonWriter w;
  const auto decimal = [](std::int64_t mantissa) {
    return core::FormatDecimal(mantissa, kSimScale, FractionDigitsOf(mantissa));
  };
  w.BeginObject();
  w.Key("id").String(spec.symbol);
  w.Key("base_currency").String(spec.base);
  w.Key("quote_currency").String(spec.quote);
  w.Key("quote_increment").String(decimal(spec.tick_size));
  w.Key("base_increment").String(decimal(spec.lot_size));
  w.Key("display_name").String(spec.base + "-" + spec.quote);
  w.Key("min_market_funds").String(decimal(spec.min_notional));
  w.Key("margin_enabled").Bool(false);
  w.Key("post_only").Bool(false);
  w.Key("limit_only").Bool(false);
  w.Key("cancel_only").Bool(false);
  w.Key("status").String("online");
  w.Key("status_message").String("");
  w.Key("trading_disabled").Bool(false);
  w.Key("fx_stablecoin").Bool(false);
  w.Key("max_slippage_percentage").String("0.03000000");
  w.Key("auction_mode").Bool(false);
  w.Key("high_bid_limit_percentage").String("");
  w.EndObject();
  return w.Take();
}

std::string ExchangeProductsBody(std::span<const SymbolSpec* const> symbols) {
  std::string out = "[";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i != 0) out += ',';
    out += ExchangeProduct(*symbols[i]);
  }
  out += ']';
  return out;
}

std::string ExchangeRestError(std::string_view message) {
  std::string out = R"({"message":)";
  AppendQuoted(out, message);
  out += '}';
  return out;
}

// ---- Advanced Trade: WebSocket ----

std::string AdvancedSubscriptions(std::uint64_t sequence_num, std::int64_t time_ns,
                                  const std::map<std::string, std::vector<std::string>>& channels) {
  std::string out = AdvancedHead("subscriptions", sequence_num, time_ns);
  out += R"({"subscriptions":{)";
  bool first = true;
  for (const auto& [channel, products] : channels) {
    if (!first) out += ',';
    first = false;
    AppendQuoted(out, channel);
    out += ":[";
    for (std::size_t j = 0; j < products.size(); ++j) {
      if (j != 0) out += ',';
      AppendQuoted(out, products[j]);
    }
    out += ']';
  }
  out += "}}]}";
  return out;
}

std::string AdvancedError(std::string_view message) {
  std::string out = R"({"type":"error","message":)";
  AppendQuoted(out, message);
  out += '}';
  return out;
}

std::string AdvancedL2Snapshot(std::uint64_t sequence_num, std::int64_t time_ns,
                               std::string_view product_id, const BookLevels& book) {
  std::string out = AdvancedHead("l2_data", sequence_num, time_ns);
  out.reserve(out.size() + 110 * (book.bids.size() + book.asks.size()));
  out += R"({"type":"snapshot","product_id":)";
  AppendQuoted(out, product_id);
  out += R"(,"updates":[)";
  bool first = true;
  AppendAdvancedRows(out, "bid", book.bids, "1970-01-01T00:00:00Z", &first);
  AppendAdvancedRows(out, "offer", book.asks, "1970-01-01T00:00:00Z", &first);
  out += "]}]}";
  return out;
}

std::string AdvancedL2Update(std::uint64_t sequence_num, std::int64_t time_ns,
                             std::string_view product_id, std::span<const BookLevel> bids,
                             std::span<const BookLevel> asks) {
  std::string out = AdvancedHead("l2_data", sequence_num, time_ns);
  out += R"({"type":"update","product_id":)";
  AppendQuoted(out, product_id);
  out += R"(,"updates":[)";
  const std::string event_time = NanosecondTime(time_ns);
  bool first = true;
  AppendAdvancedRows(out, "bid", bids, event_time, &first);
  AppendAdvancedRows(out, "offer", asks, event_time, &first);
  out += "]}]}";
  return out;
}

std::string AdvancedMarketTrades(std::uint64_t sequence_num, std::int64_t time_ns, bool snapshot,
                                 std::string_view product_id,
                                 std::span<const TradePrint> trades_oldest_first) {
  std::string out = AdvancedHead("market_trades", sequence_num, time_ns);
  out += snapshot ? R"({"type":"snapshot","trades":[)" : R"({"type":"update","trades":[)";
  const std::string time = NanosecondTime(time_ns);
  for (std::size_t i = 0; i < trades_oldest_first.size(); ++i) {
    const TradePrint& trade = trades_oldest_first[trades_oldest_first.size() - 1 - i];
    if (i != 0) out += ',';
    out += fmt::format(R"({{"trade_id":"{}","product_id":)", trade.trade_id);
    AppendQuoted(out, product_id);
    out += R"(,"price":)";
    AppendTrimmedDecimal(out, trade.price);
    out += R"(,"size":)";
    AppendTrimmedDecimal(out, trade.quantity);
    out +=
        fmt::format(R"(,"side":"{}","time":"{}"}})", trade.buyer_is_maker ? "BUY" : "SELL", time);
  }
  out += "]}]}";
  return out;
}

std::string AdvancedTicker(std::uint64_t sequence_num, std::int64_t time_ns, bool snapshot,
                           std::string_view product_id, const TickerStats& stats,
                           const TopOfBook& top) {
  std::string out = AdvancedHead("ticker", sequence_num, time_ns);
  out += snapshot ? R"({"type":"snapshot","tickers":[{"type":"ticker","product_id":)"
                  : R"({"type":"update","tickers":[{"type":"ticker","product_id":)";
  AppendQuoted(out, product_id);
  const auto field = [&](const char* name, std::int64_t value) {
    out += fmt::format(R"(,"{}":)", name);
    AppendTrimmedDecimal(out, value);
  };
  field("price", stats.price);
  field("volume_24_h", stats.volume_24h);
  field("low_24_h", stats.low_24h);
  field("high_24_h", stats.high_24h);
  field("low_52_w", stats.low_24h);
  field("high_52_w", stats.high_24h);
  // Percent with two decimals, from the open: the sim's 24 hours are its own lifetime.
  const std::int64_t change_bp =
      stats.open_24h == 0 ? 0 : (stats.price - stats.open_24h) * 10'000 / stats.open_24h;
  out += fmt::format(R"(,"price_percent_chg_24_h":"{}")", core::FormatDecimal(change_bp, 2, 2));
  field("best_bid", top.bid_price);
  field("best_bid_quantity", top.bid_quantity);
  field("best_ask", top.ask_price);
  field("best_ask_quantity", top.ask_quantity);
  out += "}]}]}";
  return out;
}

std::string AdvancedHeartbeats(std::uint64_t sequence_num, std::int64_t time_ns,
                               std::uint64_t counter, std::int64_t uptime_ns) {
  std::string out = AdvancedHead("heartbeats", sequence_num, time_ns);
  // Go's time.Time.String(): "2023-06-23 20:31:56.121961769 +0000 UTC m=+91717.525857105".
  out += fmt::format(R"({{"current_time":"{} +0000 UTC m=+{}.{:09}","heartbeat_counter":{}}}]}})",
                     TimeText(time_ns, 9, ' ', false), uptime_ns / 1'000'000'000,
                     uptime_ns % 1'000'000'000, counter);
  return out;
}

// ---- Advanced Trade: REST ----

std::string AdvancedProduct(const SymbolSpec& spec, std::int64_t last_price) {
  const auto decimal = [](std::int64_t mantissa) {
    return core::FormatDecimal(mantissa, kSimScale, FractionDigitsOf(mantissa));
  };
  core::JsonWriter w;
  w.BeginObject();
  w.Key("product_id").String(spec.symbol);
  w.Key("price").String(decimal(last_price));
  w.Key("price_percentage_change_24h").String("0");
  w.Key("volume_24h").String("0");
  w.Key("volume_percentage_change_24h").String("0");
  w.Key("base_increment").String(decimal(spec.lot_size));
  w.Key("quote_increment").String(decimal(spec.tick_size));
  w.Key("quote_min_size").String(decimal(spec.min_notional));
  w.Key("quote_max_size").String("150000000");
  w.Key("base_min_size").String(decimal(spec.lot_size));
  w.Key("base_max_size").String(decimal(spec.max_quantity));
  w.Key("base_name").String(spec.base);
  w.Key("quote_name").String(spec.quote);
  w.Key("watched").Bool(false);
  w.Key("is_disabled").Bool(false);
  w.Key("new").Bool(false);
  w.Key("status").String("online");
  w.Key("cancel_only").Bool(false);
  w.Key("limit_only").Bool(false);
  w.Key("post_only").Bool(false);
  w.Key("trading_disabled").Bool(false);
  w.Key("auction_mode").Bool(false);
  w.Key("product_type").String("SPOT");
  w.Key("quote_currency_id").String(spec.quote);
  w.Key("base_currency_id").String(spec.base);
  w.Key("fcm_trading_session_details").Null();
  w.Key("mid_market_price").String("");
  w.Key("alias").String("");
  w.Key("alias_to").BeginArray().EndArray();
  w.Key("base_display_symbol").String(spec.base);
  w.Key("quote_display_symbol").String(spec.quote);
  w.Key("view_only").Bool(false);
  w.Key("price_increment").String(decimal(spec.tick_size));
  w.Key("display_name").String(spec.base + "-" + spec.quote);
  w.Key("product_venue").String("CBE");
  w.Key("approximate_quote_24h_volume").String("0");
  w.EndObject();
  return w.Take();
}

std::string AdvancedProductsBody(std::span<const SymbolSpec* const> symbols,
                                 std::span<const std::int64_t> last_prices) {
  std::string out = R"({"products":[)";
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (i != 0) out += ',';
    out += AdvancedProduct(*symbols[i], i < last_prices.size() ? last_prices[i] : 0);
  }
  out += fmt::format(R"(],"num_products":{}}})", symbols.size());
  return out;
}

std::string AdvancedRestError(std::string_view error, std::string_view message) {
  std::string out = R"({"error":)";
  AppendQuoted(out, error);
  out += R"(,"error_details":)";
  AppendQuoted(out, message);
  out += R"(,"message":)";
  AppendQuoted(out, message);
  out += '}';
  return out;
}

}  // namespace tradingd::sim::coinbase
