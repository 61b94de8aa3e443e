#include "sim/okx/okx_wire.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstddef>

#include "core/decimal.h"
#include "core/json_writer.h"

namespace tradingd::sim::okx {

namespace {

constexpr std::size_t kChecksumLevels = 25;

void AppendInt(std::string& out, std::int64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void AppendUint(std::string& out, std::uint64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

// OKX's text: no trailing zeros, no point for an integer.
void AppendDecimal(std::string& out, std::int64_t mantissa) {
  char buffer[core::kMaxDecimalText];
  const std::size_t n = core::FormatDecimal(mantissa, kSimScale, 0, buffer);
  out.append(buffer, n);
}

void AppendQuotedDecimal(std::string& out, std::int64_t mantissa) {
  out.push_back('"');
  AppendDecimal(out, mantissa);
  out.push_back('"');
}

void AppendField(std::string& out, std::string_view key, std::int64_t mantissa) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
  AppendQuotedDecimal(out, mantissa);
}

// The sim keeps no orders, so numOrders is a stable made-up count: 1-5 for a level that exists,
// "0" for a deleted one (as OKX writes a delete: ["30249.4","0","0","0"]).
std::uint64_t OrderCount(const BookLevel& level) {
  if (level.quantity == 0) return 0;
  return 1 +
         (static_cast<std::uint64_t>(level.price) + static_cast<std::uint64_t>(level.quantity)) % 5;
}

void AppendLevels(std::string& out, std::span<const BookLevel> levels) {
  out.push_back('[');
  bool first = true;
  for (const BookLevel& level : levels) {
    if (!first) out.push_back(',');
    first = false;
    out.push_back('[');
    AppendQuotedDecimal(out, level.price);
    out.push_back(',');
    AppendQuotedDecimal(out, level.quantity);
    out.append(R"(,"0",")");
    AppendUint(out, OrderCount(level));
    out.append("\"]");
  }
  out.push_back(']');
}

void AppendTime(std::string& out, std::int64_t time_ms) {
  out.append(R"("ts":")");
  AppendInt(out, time_ms);
  out.push_back('"');
}

void AppendPushHead(std::string& out, std::string_view channel, std::string_view inst_id) {
  out.append(R"({"arg":)");
  out.append(ArgJson(channel, inst_id));
}

}  // namespace

std::string FormatOkxDecimal(std::int64_t mantissa) {
  std::string out;
  AppendDecimal(out, mantissa);
  return out;
}

std::int32_t Checksum(std::span<const ChecksumLevel> bids, std::span<const ChecksumLevel> asks) {
  std::string text;
  text.reserve(2 * kChecksumLevels * 32);
  const auto append = [&text](const ChecksumLevel& level) {
    if (!text.empty()) text.push_back(':');
    text.append(level.price);
    text.push_back(':');
    text.append(level.size);
  };
  for (std::size_t i = 0; i < kChecksumLevels; ++i) {
    if (i < bids.size()) append(bids[i]);
    if (i < asks.size()) append(asks[i]);
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  // C++20 defines the narrowing as modulo 2^32: OKX's signed reading of the CRC.
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(crc));
}

std::int32_t BookChecksum(std::span<const BookLevel> bids, std::span<const BookLevel> asks) {
  std::array<std::string, 2 * kChecksumLevels> bid_texts;
  std::array<std::string, 2 * kChecksumLevels> ask_texts;
  std::array<ChecksumLevel, kChecksumLevels> bid_levels;
  std::array<ChecksumLevel, kChecksumLevels> ask_levels;
  const std::size_t bid_count = std::min(bids.size(), kChecksumLevels);
  const std::size_t ask_count = std::min(asks.size(), kChecksumLevels);
  for (std::size_t i = 0; i < bid_count; ++i) {
    bid_texts[2 * i] = FormatOkxDecimal(bids[i].price);
    bid_texts[2 * i + 1] = FormatOkxDecimal(bids[i].quantity);
    bid_levels[i] = {bid_texts[2 * i], bid_texts[2 * i + 1]};
  }
  for (std::size_t i = 0; i < ask_count; ++i) {
    ask_texts[2 * i] = FormatOkxDecimal(asks[i].price);
    ask_texts[2 * i + 1] = FormatOkxDecimal(asks[i].quantity);
    ask_levels[i] = {ask_texts[2 * i], ask_texts[2 * i + 1]};
  }
  return Checksum(std::span(bid_levels.data(), bid_count), std::span(ask_levels.data(), ask_count));
}

std::string ArgJson(std::string_view channel, std::string_view inst_id) {
  std::string out;
  out.reserve(48 + channel.size() + inst_id.size());
  out.append(R"({"channel":)");
  core::AppendJsonString(out, channel);
  out.append(R"(,"instId":)");
  core::AppendJsonString(out, inst_id);
  out.push_back('}');
  return out;
}

std::string SubscriptionEvent(std::string_view event, std::string_view request_id,
                              std::string_view arg_json, std::string_view conn_id) {
  std::string out;
  out.reserve(64 + request_id.size() + arg_json.size());
  out.push_back('{');
  if (!request_id.empty()) {
    out.append(R"("id":)");
    core::AppendJsonString(out, request_id);
    out.push_back(',');
  }
  out.append(R"("event":)");
  core::AppendJsonString(out, event);
  out.append(R"(,"arg":)");
  out.append(arg_json);
  out.append(R"(,"connId":)");
  core::AppendJsonString(out, conn_id);
  out.push_back('}');
  return out;
}

std::string ErrorEvent(std::string_view request_id, std::string_view code, std::string_view message,
                       std::string_view conn_id) {
  std::string out;
  out.reserve(64 + request_id.size() + message.size());
  out.push_back('{');
  if (!request_id.empty()) {
    out.append(R"("id":)");
    core::AppendJsonString(out, request_id);
    out.push_back(',');
  }
  out.append(R"("event":"error","code":)");
  core::AppendJsonString(out, code);
  out.append(R"(,"msg":)");
  core::AppendJsonString(out, message);
  out.append(R"(,"connId":)");
  core::AppendJsonString(out, conn_id);
  out.push_back('}');
  return out;
}

std::string BooksMessage(const BooksPush& push) {
  std::string out;
  out.reserve(192 + 40 * (push.bids.size() + push.asks.size()));
  AppendPushHead(out, "books", push.inst_id);
  out.append(push.snapshot ? R"(,"action":"snapshot","data":[{"asks":)"
                           : R"(,"action":"update","data":[{"asks":)");
  AppendLevels(out, push.asks);
  out.append(R"(,"bids":)");
  AppendLevels(out, push.bids);
  out.push_back(',');
  AppendTime(out, push.time_ms);
  out.append(R"(,"checksum":)");
  AppendInt(out, push.checksum);
  out.append(R"(,"prevSeqId":)");
  AppendInt(out, push.previous_sequence);
  out.append(R"(,"seqId":)");
  AppendInt(out, push.sequence);
  out.append("}]}");
  return out;
}

std::string BboTbtMessage(std::string_view inst_id, const TopOfBook& top, std::int64_t time_ms,
                          std::int64_t sequence) {
  const BookLevel ask{top.ask_price, top.ask_quantity};
  const BookLevel bid{top.bid_price, top.bid_quantity};
  std::string out;
  out.reserve(192);
  AppendPushHead(out, "bbo-tbt", inst_id);
  out.append(R"(,"data":[{"asks":)");
  // An empty side is an empty list, not a level at price 0.
  AppendLevels(out, std::span(&ask, top.ask_quantity != 0 ? 1 : 0));
  out.append(R"(,"bids":)");
  AppendLevels(out, std::span(&bid, top.bid_quantity != 0 ? 1 : 0));
  out.push_back(',');
  AppendTime(out, time_ms);
  out.append(R"(,"seqId":)");
  AppendInt(out, sequence);
  out.append("}]}");
  return out;
}

std::string TickersMessage(std::string_view inst_type, std::string_view inst_id,
                           const TopOfBook& top, const TickerStats& stats, std::int64_t time_ms) {
  std::string out;
  out.reserve(448);
  AppendPushHead(out, "tickers", inst_id);
  out.append(R"(,"data":[{"instType":)");
  core::AppendJsonString(out, inst_type);
  out.append(R"(,"instId":)");
  core::AppendJsonString(out, inst_id);
  out.push_back(',');
  AppendField(out, "last", stats.last_price);
  out.push_back(',');
  AppendField(out, "lastSz", stats.last_size);
  out.push_back(',');
  AppendField(out, "askPx", top.ask_price);
  out.push_back(',');
  AppendField(out, "askSz", top.ask_quantity);
  out.push_back(',');
  AppendField(out, "bidPx", top.bid_price);
  out.push_back(',');
  AppendField(out, "bidSz", top.bid_quantity);
  out.push_back(',');
  AppendField(out, "open24h", stats.open_24h);
  out.push_back(',');
  AppendField(out, "high24h", stats.high_24h);
  out.push_back(',');
  AppendField(out, "low24h", stats.low_24h);
  out.push_back(',');
  AppendField(out, "sodUtc0", stats.open_24h);
  out.push_back(',');
  AppendField(out, "sodUtc8", stats.open_24h);
  out.push_back(',');
  AppendField(out, "volCcy24h", stats.quote_volume_24h);
  out.push_back(',');
  AppendField(out, "vol24h", stats.volume_24h);
  out.push_back(',');
  AppendTime(out, time_ms);
  out.append("}]}");
  return out;
}

std::string TradesMessage(std::string_view inst_id, const TradePrint& trade, std::int64_t time_ms,
                          std::int64_t sequence) {
  std::string out;
  out.reserve(256);
  AppendPushHead(out, "trades", inst_id);
  out.append(R"(,"data":[{"instId":)");
  core::AppendJsonString(out, inst_id);
  out.append(R"(,"tradeId":")");
  AppendUint(out, trade.trade_id);
  out.append("\",");
  AppendField(out, "px", trade.price);
  out.push_back(',');
  AppendField(out, "sz", trade.quantity);
  out.append(trade.buyer_is_maker ? R"(,"side":"sell",)" : R"(,"side":"buy",)");
  AppendTime(out, time_ms);
  out.append(R"(,"count":"1","source":"0","seqId":)");
  AppendInt(out, sequence);
  out.append("}]}");
  return out;
}

void AppendSpotInstrument(std::string& out, const SymbolSpec& spec, std::int64_t min_size) {
  // The fields and their order are those of OKX's answer for BTC-USDT; the limits that are not
  // in SymbolSpec are OKX's values for its spot pairs.
  out.append(R"({"alias":"","auctionEndTime":"","baseCcy":)");
  core::AppendJsonString(out, spec.base);
  out.append(R"(,"category":"1","ctMult":"","ctType":"","ctVal":"","ctValCcy":"","expTime":"",)"
             R"("instFamily":"","instId":)");
  core::AppendJsonString(out, spec.symbol);
  out.append(R"(,"instType":"SPOT","lever":"10","listTime":"1611907686000",)");
  AppendField(out, "lotSz", spec.lot_size);
  out.append(R"(,"maxIcebergSz":"9999999999.0000000000000000","maxLmtAmt":"20000000",)");
  AppendField(out, "maxLmtSz", spec.max_quantity);
  out.append(
      R"(,"maxMktAmt":"1000000","maxMktSz":"1000000","maxStopSz":"1000000",)"
      R"("maxTriggerSz":"9999999999.0000000000000000","maxTwapSz":"9999999999.0000000000000000",)");
  AppendField(out, "minSz", min_size);
  out.append(R"(,"optType":"","quoteCcy":)");
  core::AppendJsonString(out, spec.quote);
  out.append(R"(,"ruleType":"normal","settleCcy":"","state":"live","stk":"",)");
  AppendField(out, "tickSz", spec.tick_size);
  out.append(R"(,"uly":""})");
}

std::string InstrumentsBody(std::string_view instruments_json) {
  std::string out;
  out.reserve(32 + instruments_json.size());
  out.append(R"({"code":"0","data":[)");
  out.append(instruments_json);
  out.append(R"(],"msg":""})");
  return out;
}

std::string MarketBooksBody(const BookLevels& levels, std::int64_t time_ms) {
  std::string out;
  out.reserve(96 + 40 * (levels.bids.size() + levels.asks.size()));
  out.append(R"({"code":"0","data":[{"asks":)");
  AppendLevels(out, levels.asks);
  out.append(R"(,"bids":)");
  AppendLevels(out, levels.bids);
  out.push_back(',');
  AppendTime(out, time_ms);
  out.append(R"(}],"msg":""})");
  return out;
}

std::string RestErrorBody(std::string_view code, std::string_view message) {
  std::string out;
  out.append(R"({"code":)");
  core::AppendJsonString(out, code);
  out.append(R"(,"data":[],"msg":)");
  core::AppendJsonString(out, message);
  out.push_back('}');
  return out;
}

}  // namespace tradingd::sim::okx
