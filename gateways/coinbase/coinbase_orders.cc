#include "gateways/coinbase/coinbase_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <map>
#include <utility>
#include "gateways/common/wire_text.h"

namespace tradingd::gateways::coinbase {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

core::Status Bad(std::string_view what) {
  return core::Status(core::ErrorCode::kBadRequest, fmt::format("Coinbase answer: {}", what));
}

core::Status Parse(std::string_view body, element* root) {
  if (ThreadParser().parse(body.data(), body.size()).get(*root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  return core::Status::Ok();
}

// JSON string contents: what we put in a body comes from the registry and our own ids, but a
// venue symbol is configuration, so it is escaped rather than trusted.
std::string JsonEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// Coinbase's ids (UUIDs on both APIs, "0000-000000-000000" in the docs' examples): letters,
// digits, '-' and '_', short enough for an event's ShortText<48> whole (an id cut short would be
// another order's), and safe in a URL path.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 47) return false;
  for (const char c : id) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// An asset name as a venue writes it: 1 to 15 bytes, so that it fits an event's ShortText whole.
bool ValidAsset(std::string_view asset) { return !asset.empty() && asset.size() <= 15; }

// An optional string field: absent or null is false with `status` untouched; any other type is an
// error.
bool ReadString(const object& obj, std::string_view key, std::string_view* out,
                core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS || value.is_null()) return false;
  if (value.get_string().get(*out) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a string", key));
    return false;
  }
  return true;
}

bool ReadBool(const object& obj, std::string_view key, bool* out, core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS || value.is_null()) return false;
  if (value.get_bool().get(*out) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a boolean", key));
    return false;
  }
  return true;
}

// Only [0-9]+(\.[0-9]+)?: Coinbase writes every price, size, fee and balance as a non-negative
// decimal string (no sign, no exponent).
bool PlainDecimal(std::string_view text) {
  const std::size_t point = text.find('.');
  const std::string_view integer = text.substr(0, point);
  if (integer.empty()) return false;
  for (const char c : integer) {
    if (c < '0' || c > '9') return false;
  }
  if (point == std::string_view::npos) return true;
  const std::string_view fraction = text.substr(point + 1);
  if (fraction.empty()) return false;
  for (const char c : fraction) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// A price or quantity at the instrument's scale, exact: a non-zero digit finer than the scale
// cannot be held and is an error. Absent (or null): false with `status` untouched.
bool ReadExact(const object& obj, std::string_view key, int scale, std::int64_t* out,
               core::Status* status) {
  std::string_view text;
  if (!ReadString(obj, key, &text, status)) return false;
  std::int64_t mantissa = 0;
  if (!PlainDecimal(text) ||
      core::ParseDecimal(text, scale, &mantissa) != core::DecimalError::kOk) {
    *status = Bad(fmt::format("field {} is not a non-negative decimal at scale {}", key, scale));
    return false;
  }
  *out = mantissa;
  return true;
}

// A fee, notional or balance at kAmountScale, truncated toward zero (Coinbase writes up to 16
// decimals; core/orders.h: amounts hold 8).
bool ReadAmountText(std::string_view text, std::int64_t* out) {
  if (!PlainDecimal(text)) return false;
  const std::size_t point = text.find('.');
  if (point != std::string_view::npos && text.size() - point - 1 > core::kAmountScale) {
    text = text.substr(0, point + 1 + core::kAmountScale);
  }
  return core::ParseDecimal(text, core::kAmountScale, out) == core::DecimalError::kOk;
}

bool ReadAmount(const object& obj, std::string_view key, std::int64_t* out, core::Status* status) {
  std::string_view text;
  if (!ReadString(obj, key, &text, status)) return false;
  if (!ReadAmountText(text, out)) {
    *status = Bad(fmt::format("field {} is not a non-negative decimal amount", key));
    return false;
  }
  return true;
}

bool ReadTime(const object& obj, std::string_view key, core::TimestampNs* out,
              core::Status* status) {
  std::string_view text;
  if (!ReadString(obj, key, &text, status)) return false;
  if (text.empty()) return false;  // Coinbase writes "" for a time it does not have
  if (!ParseRfc3339(text, out)) {
    *status = Bad(fmt::format("field {} is not an RFC 3339 UTC time", key));
    return false;
  }
  return true;
}

bool ReadId(const object& obj, std::string_view key, std::string_view* out, core::Status* status) {
  if (!ReadString(obj, key, out, status)) return false;
  if (!ValidId(*out)) {
    *status = Bad(fmt::format("field {} is not a valid order id", key));
    return false;
  }
  return true;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool Digits(std::string_view text, std::size_t at, std::size_t count, unsigned* out) {
  if (at + count > text.size()) return false;
  unsigned value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  *out = value;
  return true;
}

core::OrderStatus OpenStatus(bool partly_filled) {
  return partly_filled ? core::OrderStatus::kPartiallyFilled : core::OrderStatus::kNew;
}

// The Exchange order object. Everything is read into locals; `update` changes only on success.
core::Status ExchangeOrderFrom(const object& obj, const core::Instrument& instrument,
                               core::OrderUpdate* update) {
  core::Status status;
  std::string_view state;
  if (!ReadString(obj, "status", &state, &status)) {
    return status.ok() ? Bad("order without a status") : status;
  }
  core::OrderUpdate parsed = *update;
  parsed.venue = instrument.venue;
  parsed.instrument = instrument.id;
  std::string_view id;
  if (ReadId(obj, "id", &id, &status)) {
    parsed.venue_order_id.Assign(id);
  } else if (!status.ok()) {
    return status;
  }
  std::int64_t filled = 0;
  if (ReadExact(obj, "filled_size", instrument.quantity_scale, &filled, &status)) {
    parsed.filled_quantity = core::Quantity::FromMantissa(filled);
    parsed.has_filled = true;
  } else if (!status.ok()) {
    return status;
  }
  std::int64_t executed = 0;
  if (ReadAmount(obj, "executed_value", &executed, &status)) {
    parsed.filled_notional = core::Amount::FromMantissa(executed);
  } else if (!status.ok()) {
    return status;
  }
  std::string_view time_in_force;
  std::string_view type;
  std::string_view done_reason;
  std::string_view reject_reason;
  if ((!ReadString(obj, "time_in_force", &time_in_force, &status) && !status.ok()) ||
      (!ReadString(obj, "type", &type, &status) && !status.ok()) ||
      (!ReadString(obj, "done_reason", &done_reason, &status) && !status.ok()) ||
      (!ReadString(obj, "reject_reason", &reject_reason, &status) && !status.ok())) {
    return status;
  }
  // done_at once the order is done, created_at before (both read: either may be malformed).
  core::TimestampNs created = 0;
  core::TimestampNs done = 0;
  const bool has_created = ReadTime(obj, "created_at", &created, &status);
  if (!status.ok()) return status;
  const bool has_done = ReadTime(obj, "done_at", &done, &status);
  if (!status.ok()) return status;
  if (has_done) {
    parsed.venue_time_ns = done;
  } else if (has_created) {
    parsed.venue_time_ns = created;
  }

  const bool partly = parsed.has_filled && filled > 0;
  if (state == "pending" || state == "received" || state == "open" || state == "active") {
    parsed.status = OpenStatus(partly);
  } else if (state == "rejected") {
    parsed.status = core::OrderStatus::kRejected;
  } else if (state == "done") {
    if (done_reason == "filled") {
      parsed.status = core::OrderStatus::kFilled;
    } else if (done_reason == "canceled") {
      // An IOC, FOK or market order never rests, so nobody canceled it: its remainder expired.
      const bool immediate = type == "market" || time_in_force == "IOC" || time_in_force == "FOK";
      parsed.status = immediate ? core::OrderStatus::kExpired : core::OrderStatus::kCanceled;
    } else if (done_reason == "rejected") {
      parsed.status = core::OrderStatus::kRejected;
    } else {
      return Bad(fmt::format("a done order with an unknown done_reason {:.32}", done_reason));
    }
  } else {
    return Bad(fmt::format("unknown order status {:.32}", state));
  }
  if (parsed.status == core::OrderStatus::kRejected) {
    parsed.venue_code.Assign("rejected");
    parsed.message.Assign(reject_reason.empty() ? std::string_view("rejected by Coinbase")
                                                : reject_reason);
  }
  *update = parsed;
  return core::Status::Ok();
}

// The Advanced Trade order object.
core::Status AdvancedOrderFrom(const object& obj, const core::Instrument& instrument,
                               core::OrderUpdate* update) {
  core::Status status;
  std::string_view state;
  if (!ReadString(obj, "status", &state, &status)) {
    return status.ok() ? Bad("order without a status") : status;
  }
  core::OrderUpdate parsed = *update;
  parsed.venue = instrument.venue;
  parsed.instrument = instrument.id;
  std::string_view id;
  if (!ReadId(obj, "order_id", &id, &status)) {
    return status.ok() ? Bad("order without an order_id") : status;
  }
  parsed.venue_order_id.Assign(id);
  std::string_view product;
  if (ReadString(obj, "product_id", &product, &status)) {
    if (product != instrument.venue_symbol) {
      return Bad(
          fmt::format("an order of product {:.32}, not {}", product, instrument.venue_symbol));
    }
  } else if (!status.ok()) {
    return status;
  }
  std::int64_t filled = 0;
  if (ReadExact(obj, "filled_size", instrument.quantity_scale, &filled, &status)) {
    parsed.filled_quantity = core::Quantity::FromMantissa(filled);
    parsed.has_filled = true;
  } else if (!status.ok()) {
    return status;
  }
  std::int64_t value = 0;
  if (ReadAmount(obj, "filled_value", &value, &status)) {
    parsed.filled_notional = core::Amount::FromMantissa(value);
  } else if (!status.ok()) {
    return status;
  }
  std::string_view time_in_force;
  std::string_view order_type;
  std::string_view reject_reason;
  std::string_view reject_message;
  std::string_view cancel_message;
  if ((!ReadString(obj, "time_in_force", &time_in_force, &status) && !status.ok()) ||
      (!ReadString(obj, "order_type", &order_type, &status) && !status.ok()) ||
      (!ReadString(obj, "reject_reason", &reject_reason, &status) && !status.ok()) ||
      (!ReadString(obj, "reject_message", &reject_message, &status) && !status.ok()) ||
      (!ReadString(obj, "cancel_message", &cancel_message, &status) && !status.ok())) {
    return status;
  }
  // The last execution when there is one, the creation before (both read: either may be
  // malformed).
  core::TimestampNs created = 0;
  core::TimestampNs last_fill = 0;
  const bool has_created = ReadTime(obj, "created_time", &created, &status);
  if (!status.ok()) return status;
  const bool has_last_fill = ReadTime(obj, "last_fill_time", &last_fill, &status);
  if (!status.ok()) return status;
  if (has_last_fill) {
    parsed.venue_time_ns = last_fill;
  } else if (has_created) {
    parsed.venue_time_ns = created;
  }

  const bool partly = parsed.has_filled && filled > 0;
  if (state == "PENDING" || state == "QUEUED" || state == "OPEN" || state == "CANCEL_QUEUED" ||
      state == "EDIT_QUEUED") {
    parsed.status = OpenStatus(partly);
  } else if (state == "FILLED") {
    parsed.status = core::OrderStatus::kFilled;
  } else if (state == "CANCELLED") {
    const bool immediate = order_type == "MARKET" || time_in_force == "IMMEDIATE_OR_CANCEL" ||
                           time_in_force == "FILL_OR_KILL";
    parsed.status = immediate ? core::OrderStatus::kExpired : core::OrderStatus::kCanceled;
    if (!cancel_message.empty()) parsed.message.Assign(cancel_message);
  } else if (state == "EXPIRED") {
    parsed.status = core::OrderStatus::kExpired;
  } else if (state == "FAILED") {
    parsed.status = core::OrderStatus::kRejected;
    parsed.venue_code.Assign(reject_reason.empty() ? std::string_view("FAILED") : reject_reason);
    parsed.message.Assign(reject_message.empty() ? std::string_view("the order failed at Coinbase")
                                                 : reject_message);
  } else {
    return Bad(fmt::format("unknown order status {:.32}", state));
  }
  *update = parsed;
  return core::Status::Ok();
}

enum class FillDialect { kExchange, kAdvanced };

// One execution. `*skip` is set for an execution of another order than `venue_order_id`.
core::Status FillFrom(const object& obj, FillDialect dialect, const core::Instrument& instrument,
                      std::string_view venue_order_id, core::Fill* fill, bool* skip) {
  const bool exchange = dialect == FillDialect::kExchange;
  core::Status status;
  std::string_view order_id;
  if (!ReadId(obj, "order_id", &order_id, &status)) {
    return status.ok() ? Bad("a fill without its order_id") : status;
  }
  *skip = !venue_order_id.empty() && order_id != venue_order_id;
  if (*skip) return core::Status::Ok();
  std::string_view product;
  if (!ReadString(obj, "product_id", &product, &status)) {
    return status.ok() ? Bad("a fill without its product_id") : status;
  }
  if (product != instrument.venue_symbol) {
    return Bad(fmt::format("a fill of product {:.32}, not {}", product, instrument.venue_symbol));
  }
  std::string trade_id;
  if (exchange) {
    // "trade_id": an integer on the Exchange.
    element value;
    std::uint64_t number = 0;
    if (obj["trade_id"].get(value) != simdjson::SUCCESS ||
        value.get_uint64().get(number) != simdjson::SUCCESS) {
      return Bad("a fill without an integer trade_id");
    }
    trade_id = std::to_string(number);
  } else {
    std::string_view text;
    if (!ReadId(obj, "trade_id", &text, &status)) {
      return status.ok() ? Bad("a fill without its trade_id") : status;
    }
    trade_id = std::string(text);
    std::string_view trade_type;
    if (ReadString(obj, "trade_type", &trade_type, &status)) {
      // REVERSAL and CORRECTION entries change an earlier fill: not an execution we can apply.
      if (trade_type != "FILL") {
        return Bad(fmt::format("a fill of trade_type {:.32}", trade_type));
      }
    } else if (!status.ok()) {
      return status;
    }
    bool in_quote = false;
    if (ReadBool(obj, "size_in_quote", &in_quote, &status)) {
      if (in_quote) return Bad("a fill whose size is in quote units");
    } else if (!status.ok()) {
      return status;
    }
  }
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  std::int64_t fee = 0;
  if (!ReadExact(obj, "price", instrument.price_scale, &price, &status) ||
      !ReadExact(obj, "size", instrument.quantity_scale, &quantity, &status)) {
    return status.ok() ? Bad("a fill without price or size") : status;
  }
  if (price <= 0 || quantity <= 0) return Bad("a fill with a non-positive price or size");
  if (!ReadAmount(obj, exchange ? "fee" : "commission", &fee, &status) && !status.ok()) {
    return status;
  }
  std::string_view side_text;
  core::Side side = core::Side::kUnknown;
  if (ReadString(obj, "side", &side_text, &status)) {
    if (side_text == (exchange ? "buy" : "BUY")) {
      side = core::Side::kBuy;
    } else if (side_text == (exchange ? "sell" : "SELL")) {
      side = core::Side::kSell;
    } else {
      return Bad(fmt::format("a fill with side {:.16}", side_text));
    }
  } else if (!status.ok()) {
    return status;
  }
  bool maker = false;
  std::string_view liquidity;
  if (ReadString(obj, exchange ? "liquidity" : "liquidity_indicator", &liquidity, &status)) {
    if (exchange) {
      // "M" maker, "T" taker, "O" the opening auction (no maker).
      if (liquidity != "M" && liquidity != "T" && liquidity != "O") {
        return Bad(fmt::format("a fill with liquidity {:.16}", liquidity));
      }
      maker = liquidity == "M";
    } else {
      if (liquidity != "MAKER" && liquidity != "TAKER" &&
          liquidity != "UNKNOWN_LIQUIDITY_INDICATOR") {
        return Bad(fmt::format("a fill with liquidity_indicator {:.32}", liquidity));
      }
      maker = liquidity == "MAKER";
    }
  } else if (!status.ok()) {
    return status;
  }
  core::TimestampNs time = 0;
  if (!ReadTime(obj, exchange ? "created_at" : "trade_time", &time, &status) && !status.ok()) {
    return status;
  }
  // The fee is in quote; an Exchange fill names the currency it was funded in ("Get all fills":
  // funding_currency, e.g. USDC for a BTC-USD fill), which is then the fee's.
  std::string fee_asset = instrument.quote;
  std::string_view funding;
  if (exchange && ReadString(obj, "funding_currency", &funding, &status)) {
    if (!ValidAsset(funding)) return Bad("a fill with an invalid funding_currency");
    fee_asset = core::CanonicalAsset(funding);
  } else if (!status.ok()) {
    return status;
  }
  fill->venue = instrument.venue;
  fill->instrument = instrument.id;
  fill->trade_id.Assign(trade_id);
  fill->side = side;
  fill->price = core::Price::FromMantissa(price);
  fill->quantity = core::Quantity::FromMantissa(quantity);
  fill->fee = core::Amount::FromMantissa(fee);
  fill->fee_asset.Assign(fee_asset);
  fill->maker = maker;
  fill->venue_time_ns = time;
  return core::Status::Ok();
}

core::Status FillsFrom(const array& entries, FillDialect dialect,
                       const core::Instrument& instrument, std::string_view venue_order_id,
                       std::vector<core::Fill>* fills) {
  std::vector<core::Fill> parsed;
  for (element item : entries) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return Bad("a fill is not an object");
    core::Fill fill;
    bool skip = false;
    if (core::Status s = FillFrom(obj, dialect, instrument, venue_order_id, &fill, &skip);
        !s.ok()) {
      return s;
    }
    if (!skip) parsed.push_back(fill);
  }
  fills->insert(fills->end(), parsed.begin(), parsed.end());
  return core::Status::Ok();
}

// Framing of a report of (asset, free, locked): zero entries dropped (an asset the report does
// not name has a zero balance), first kFirst and last kLast, one empty entry when nothing is held.
void Frame(const std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>>& rows,
           core::Venue venue, core::TimestampNs now, std::vector<core::BalanceUpdate>* balances) {
  std::vector<core::BalanceUpdate> parsed;
  for (const auto& [asset, amounts] : rows) {
    if (amounts.first == 0 && amounts.second == 0) continue;
    core::BalanceUpdate balance;
    balance.venue = venue;
    balance.asset.Assign(asset);
    balance.free = core::Amount::FromMantissa(amounts.first);
    balance.locked = core::Amount::FromMantissa(amounts.second);
    balance.time_ns = now;
    parsed.push_back(balance);
  }
  if (parsed.empty()) {
    core::BalanceUpdate empty;
    empty.venue = venue;
    empty.time_ns = now;
    parsed.push_back(empty);
  }
  parsed.front().flags |= core::BalanceUpdate::kFirst;
  parsed.back().flags |= core::BalanceUpdate::kLast;
  balances->insert(balances->end(), parsed.begin(), parsed.end());
}

// The "value" of {"value":"1.5","currency":"BTC"}.
bool ReadMoney(const object& obj, std::string_view key, std::int64_t* out, core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS || value.is_null()) return false;
  object money;
  if (value.get_object().get(money) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not an object", key));
    return false;
  }
  if (!ReadAmount(money, "value", out, status)) {
    if (status->ok()) *status = Bad(fmt::format("field {} without a value", key));
    return false;
  }
  return true;
}

bool AddChecked(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

std::string_view TimeInForceText(core::TimeInForce tif) {
  switch (tif) {
    case core::TimeInForce::kGtc:
      return "GTC";
    case core::TimeInForce::kIoc:
      return "IOC";
    case core::TimeInForce::kFok:
      return "FOK";
  }
  return "GTC";
}

}  // namespace

// ---- ids ----

std::string ClientOid(const core::ClientOrderId& id) {
  const std::string_view hex = id.view();
  if (hex.size() != core::kClientOrderIdLength) return std::string(hex);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

std::optional<core::ClientOrderId> ClientOrderIdFromOid(std::string_view oid) {
  if (oid.size() != 36 || oid[8] != '-' || oid[13] != '-' || oid[18] != '-' || oid[23] != '-') {
    return std::nullopt;
  }
  std::string hex;
  hex.reserve(32);
  for (std::size_t i = 0; i < oid.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    hex += oid[i];
  }
  return core::ClientOrderId::Parse(hex);  // refuses upper case and non-hex
}

std::optional<std::string_view> UnsupportedReason(Api api, const core::OrderSpec& spec) {
  switch (spec.type) {
    case core::OrderType::kMarket:
      if (spec.post_only) return "Coinbase has no post-only market order";
      if (spec.time_in_force == core::TimeInForce::kFok) {
        return api == Api::kExchange
                   ? std::string_view("Coinbase Exchange has no fill-or-kill market order")
                   : std::string_view(
                         "Coinbase Advanced Trade's market_market_fok is for perpetuals only");
      }
      return std::nullopt;
    case core::OrderType::kLimit:
      if (spec.post_only && spec.time_in_force != core::TimeInForce::kGtc) {
        return api == Api::kExchange
                   ? std::string_view("Coinbase Exchange: post_only is invalid with IOC or FOK")
                   : std::string_view(
                         "Coinbase Advanced Trade offers post_only only on limit_limit_gtc");
      }
      return std::nullopt;
    case core::OrderType::kStopLoss:
    case core::OrderType::kStopLossLimit:
    case core::OrderType::kTakeProfit:
    case core::OrderType::kTakeProfitLimit:
      return "the engine holds stop orders for Coinbase";
  }
  return "unknown order type";
}

// ---- Coinbase Exchange ----

std::string ExchangeNewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument) {
  std::string body =
      fmt::format(R"({{"client_oid":"{}","product_id":"{}","side":"{}","type":"{}","size":"{}")",
                  ClientOid(spec.client_order_id), JsonEscape(instrument.venue_symbol),
                  spec.side == core::Side::kSell ? "sell" : "buy",
                  spec.type == core::OrderType::kMarket ? "market" : "limit",
                  gateways::PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale));
  if (spec.type != core::OrderType::kMarket) {
    body += fmt::format(R"(,"price":"{}","time_in_force":"{}")",
                        gateways::PlainDecimal(spec.price.mantissa(), instrument.price_scale),
                        TimeInForceText(spec.time_in_force));
    if (spec.post_only) body += R"(,"post_only":true)";
  }
  return body + "}";
}

std::string ExchangeOrderPath(const core::OrderRef& ref) {
  return fmt::format("/orders/client:{}", ClientOid(ref.client_order_id));
}

std::string ExchangeCancelPath(const core::OrderRef& ref, const core::Instrument& instrument) {
  return fmt::format("{}?product_id={}", ExchangeOrderPath(ref),
                     PercentEncode(instrument.venue_symbol));
}

std::string ExchangeFillsPath(std::string_view venue_order_id, const core::Instrument& instrument) {
  return fmt::format("/fills?order_id={}&product_id={}", PercentEncode(venue_order_id),
                     PercentEncode(instrument.venue_symbol));
}

core::Status ParseExchangeOrder(std::string_view body, const core::Instrument& instrument,
                                core::OrderUpdate* update) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Bad("not an order object");
  return ExchangeOrderFrom(obj, instrument, update);
}

core::Status ParseExchangeFills(std::string_view body, const core::Instrument& instrument,
                                std::string_view venue_order_id, std::vector<core::Fill>* fills) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  array entries;
  if (root.get_array().get(entries) != simdjson::SUCCESS) return Bad("fills is not an array");
  return FillsFrom(entries, FillDialect::kExchange, instrument, venue_order_id, fills);
}

core::Status ParseExchangeAccounts(std::string_view body, core::Venue venue, core::TimestampNs now,
                                   std::vector<core::BalanceUpdate>* balances) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  array entries;
  if (root.get_array().get(entries) != simdjson::SUCCESS) return Bad("accounts is not an array");
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> rows;
  for (element item : entries) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return Bad("an account is not an object");
    core::Status status;
    std::string_view currency;
    if (!ReadString(obj, "currency", &currency, &status) || !ValidAsset(currency)) {
      return status.ok() ? Bad("an account without a valid currency") : status;
    }
    std::int64_t available = 0;
    std::int64_t hold = 0;
    if (!ReadAmount(obj, "available", &available, &status) ||
        !ReadAmount(obj, "hold", &hold, &status)) {
      return status.ok() ? Bad("an account without available or hold") : status;
    }
    rows.emplace_back(core::CanonicalAsset(currency), std::make_pair(available, hold));
  }
  Frame(rows, venue, now, balances);
  return core::Status::Ok();
}

core::Status ParseExchangeCancel(std::string_view body, std::string* order_id) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  std::string_view id;
  if (root.get_string().get(id) != simdjson::SUCCESS || !ValidId(id)) {
    return Bad("the cancel answer is not an order id");
  }
  *order_id = std::string(id);
  return core::Status::Ok();
}

bool ParseExchangeError(std::string_view body, std::string* message) {
  element root;
  if (!Parse(body, &root).ok()) return false;
  object obj;
  std::string_view text;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["message"].get_string().get(text) != simdjson::SUCCESS) {
    return false;
  }
  *message = std::string(text);
  return true;
}

// ---- Coinbase Advanced Trade ----

std::string AdvancedNewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument) {
  const std::string size = gateways::PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale);
  const std::string price = gateways::PlainDecimal(spec.price.mantissa(), instrument.price_scale);
  std::string configuration;
  if (spec.type == core::OrderType::kMarket) {
    configuration = fmt::format(R"("market_market_ioc":{{"base_size":"{}"}})", size);
  } else if (spec.time_in_force == core::TimeInForce::kIoc) {
    configuration =
        fmt::format(R"("sor_limit_ioc":{{"base_size":"{}","limit_price":"{}"}})", size, price);
  } else if (spec.time_in_force == core::TimeInForce::kFok) {
    configuration =
        fmt::format(R"("limit_limit_fok":{{"base_size":"{}","limit_price":"{}"}})", size, price);
  } else {
    configuration =
        fmt::format(R"("limit_limit_gtc":{{"base_size":"{}","limit_price":"{}","post_only":{}}})",
                    size, price, spec.post_only ? "true" : "false");
  }
  return fmt::format(
      R"({{"client_order_id":"{}","product_id":"{}","side":"{}","order_configuration":{{{}}}}})",
      spec.client_order_id.view(), JsonEscape(instrument.venue_symbol),
      spec.side == core::Side::kSell ? "SELL" : "BUY", configuration);
}

std::string AdvancedOrderPath(std::string_view venue_order_id) {
  return fmt::format("/api/v3/brokerage/orders/historical/{}", PercentEncode(venue_order_id));
}

std::string AdvancedListOrdersPath(const core::Instrument& instrument) {
  return fmt::format("/api/v3/brokerage/orders/historical/batch?product_ids={}&limit={}",
                     PercentEncode(instrument.venue_symbol), kAdvancedLookupLimit);
}

std::string AdvancedCancelBody(std::string_view venue_order_id) {
  return fmt::format(R"({{"order_ids":["{}"]}})", JsonEscape(venue_order_id));
}

std::string AdvancedFillsPath(std::string_view venue_order_id) {
  return fmt::format("/api/v3/brokerage/orders/historical/fills?order_ids={}",
                     PercentEncode(venue_order_id));
}

core::Status ParseAdvancedCreate(std::string_view body, AdvancedCreateAnswer* answer) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Bad("not an object");
  core::Status status;
  bool success = false;
  if (!ReadBool(obj, "success", &success, &status)) {
    return status.ok() ? Bad("an order answer without success") : status;
  }
  AdvancedCreateAnswer parsed;
  parsed.success = success;
  if (success) {
    element value;
    object response;
    std::string_view id;
    if (obj["success_response"].get(value) == simdjson::SUCCESS && !value.is_null()) {
      if (value.get_object().get(response) != simdjson::SUCCESS) {
        return Bad("success_response is not an object");
      }
      if (!ReadId(response, "order_id", &id, &status) && !status.ok()) return status;
    }
    if (id.empty()) {
      // Older answers carried the id at the top as well.
      if (!ReadId(obj, "order_id", &id, &status)) {
        return status.ok() ? Bad("a successful order answer without an order_id") : status;
      }
    }
    parsed.order_id = std::string(id);
    *answer = parsed;
    return core::Status::Ok();
  }
  std::string_view failure_reason;
  if (!ReadString(obj, "failure_reason", &failure_reason, &status) && !status.ok()) return status;
  std::string_view error, message, details, preview, new_order;
  element value;
  if (obj["error_response"].get(value) == simdjson::SUCCESS && !value.is_null()) {
    object response;
    if (value.get_object().get(response) != simdjson::SUCCESS) {
      return Bad("error_response is not an object");
    }
    if ((!ReadString(response, "error", &error, &status) && !status.ok()) ||
        (!ReadString(response, "message", &message, &status) && !status.ok()) ||
        (!ReadString(response, "error_details", &details, &status) && !status.ok()) ||
        (!ReadString(response, "preview_failure_reason", &preview, &status) && !status.ok()) ||
        (!ReadString(response, "new_order_failure_reason", &new_order, &status) && !status.ok())) {
      return status;
    }
  }
  // The most specific reason Coinbase gives: a named one before an UNKNOWN_... placeholder.
  const std::string_view reasons[] = {error, preview, new_order, failure_reason};
  for (const std::string_view reason : reasons) {
    if (!reason.empty() && reason.substr(0, 8) != "UNKNOWN_") {
      parsed.code = std::string(reason);
      break;
    }
  }
  if (parsed.code.empty()) {
    for (const std::string_view reason : reasons) {
      if (!reason.empty()) {
        parsed.code = std::string(reason);
        break;
      }
    }
  }
  if (parsed.code.empty()) parsed.code = "FAILED";
  parsed.message = message.empty() ? parsed.code : std::string(message);
  if (!details.empty() && details != message) parsed.message += fmt::format(" ({})", details);
  *answer = parsed;
  return core::Status::Ok();
}

core::Status ParseAdvancedOrder(std::string_view body, const core::Instrument& instrument,
                                core::OrderUpdate* update) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  object order;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["order"].get_object().get(order) != simdjson::SUCCESS) {
    return Bad("not an {\"order\":{...}} answer");
  }
  return AdvancedOrderFrom(order, instrument, update);
}

core::Status ParseAdvancedOrderList(std::string_view body, const core::Instrument& instrument,
                                    std::string_view client_order_id, core::OrderUpdate* update,
                                    bool* found, bool* complete) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  array orders;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["orders"].get_array().get(orders) != simdjson::SUCCESS) {
    return Bad("not an {\"orders\":[...]} answer");
  }
  core::Status status;
  bool has_next = true;
  const bool said = ReadBool(obj, "has_next", &has_next, &status);
  if (!status.ok()) return status;
  core::OrderUpdate parsed = *update;
  bool match = false;
  for (element item : orders) {
    object order;
    if (item.get_object().get(order) != simdjson::SUCCESS) return Bad("an order is not an object");
    std::string_view id;
    if (!ReadString(order, "client_order_id", &id, &status)) {
      if (!status.ok()) return status;
      continue;
    }
    if (id != client_order_id || client_order_id.empty()) continue;
    if (match) return Bad("two orders with the same client_order_id");
    if (core::Status s = AdvancedOrderFrom(order, instrument, &parsed); !s.ok()) return s;
    match = true;
  }
  if (match) *update = parsed;
  *found = match;
  *complete = said && !has_next;  // absent: not known to be whole
  return core::Status::Ok();
}

core::Status ParseAdvancedCancel(std::string_view body, std::string_view venue_order_id,
                                 AdvancedCancelResult* result) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  array results;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["results"].get_array().get(results) != simdjson::SUCCESS) {
    return Bad("not a {\"results\":[...]} answer");
  }
  std::optional<AdvancedCancelResult> mine;
  for (element item : results) {
    object entry;
    if (item.get_object().get(entry) != simdjson::SUCCESS) return Bad("a result is not an object");
    core::Status status;
    std::string_view id;
    if (!ReadString(entry, "order_id", &id, &status)) {
      if (!status.ok()) return status;
      continue;
    }
    if (id != venue_order_id) continue;
    AdvancedCancelResult parsed;
    if (!ReadBool(entry, "success", &parsed.success, &status)) {
      return status.ok() ? Bad("a cancel result without success") : status;
    }
    std::string_view reason;
    if (ReadString(entry, "failure_reason", &reason, &status)) {
      parsed.failure_reason = std::string(reason);
    } else if (!status.ok()) {
      return status;
    }
    if (mine) return Bad("two cancel results for one order");
    mine = parsed;
  }
  if (!mine) return Bad("no cancel result for the order");
  *result = *mine;
  return core::Status::Ok();
}

core::Status ParseAdvancedFills(std::string_view body, const core::Instrument& instrument,
                                std::string_view venue_order_id, std::vector<core::Fill>* fills) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  array entries;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["fills"].get_array().get(entries) != simdjson::SUCCESS) {
    return Bad("not a {\"fills\":[...]} answer");
  }
  return FillsFrom(entries, FillDialect::kAdvanced, instrument, venue_order_id, fills);
}

core::Status ParseAdvancedAccounts(std::string_view body, core::Venue venue, core::TimestampNs now,
                                   std::vector<core::BalanceUpdate>* balances) {
  element root;
  if (core::Status s = Parse(body, &root); !s.ok()) return s;
  object obj;
  array entries;
  if (root.get_object().get(obj) != simdjson::SUCCESS ||
      obj["accounts"].get_array().get(entries) != simdjson::SUCCESS) {
    return Bad("not an {\"accounts\":[...]} answer");
  }
  core::Status status;
  bool has_next = false;
  if (ReadBool(obj, "has_next", &has_next, &status)) {
    if (has_next) return Bad("the accounts do not fit one page; the report would not be whole");
  } else if (!status.ok()) {
    return status;
  }
  std::vector<std::pair<std::string, std::pair<std::int64_t, std::int64_t>>> rows;
  std::map<std::string, std::size_t> row_of;
  for (element item : entries) {
    object account;
    if (item.get_object().get(account) != simdjson::SUCCESS) {
      return Bad("an account is not an object");
    }
    std::string_view currency;
    if (!ReadString(account, "currency", &currency, &status) || !ValidAsset(currency)) {
      return status.ok() ? Bad("an account without a valid currency") : status;
    }
    std::int64_t available = 0;
    std::int64_t hold = 0;
    if (!ReadMoney(account, "available_balance", &available, &status)) {
      return status.ok() ? Bad("an account without available_balance") : status;
    }
    if (!ReadMoney(account, "hold", &hold, &status) && !status.ok()) return status;
    const std::string asset = core::CanonicalAsset(currency);
    auto [it, inserted] = row_of.emplace(asset, rows.size());
    if (inserted) {
      rows.emplace_back(asset, std::make_pair(available, hold));
      continue;
    }
    auto& amounts = rows[it->second].second;
    if (!AddChecked(amounts.first, available, &amounts.first) ||
        !AddChecked(amounts.second, hold, &amounts.second)) {
      return Bad("a balance overflows");
    }
  }
  Frame(rows, venue, now, balances);
  return core::Status::Ok();
}

bool ParseAdvancedError(std::string_view body, std::string* code, std::string* message) {
  element root;
  if (!Parse(body, &root).ok()) return false;
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return false;
  std::string_view error, text, details;
  const bool has_error = obj["error"].get_string().get(error) == simdjson::SUCCESS;
  const bool has_message = obj["message"].get_string().get(text) == simdjson::SUCCESS;
  if (!has_error && !has_message) return false;
  if (obj["error_details"].get_string().get(details) != simdjson::SUCCESS) details = {};
  *code = std::string(error);
  *message = std::string(text);
  if (!details.empty() && details != text) *message += fmt::format(" ({})", details);
  return true;
}

bool ParseRfc3339(std::string_view text, core::TimestampNs* out) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+00:00)
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (text.size() < 20 || !Digits(text, 0, 4, &year) || text[4] != '-' ||
      !Digits(text, 5, 2, &month) || text[7] != '-' || !Digits(text, 8, 2, &day) ||
      text[10] != 'T' || !Digits(text, 11, 2, &hour) || text[13] != ':' ||
      !Digits(text, 14, 2, &minute) || text[16] != ':' || !Digits(text, 17, 2, &second)) {
    return false;
  }
  std::size_t at = 19;
  std::int64_t nanos = 0;
  if (text[at] == '.') {
    ++at;
    int digits = 0;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (++digits > 9) return false;
      nanos = nanos * 10 + (text[at] - '0');
      ++at;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  const std::string_view zone = text.substr(at);
  if (zone != "Z" && zone != "+00:00") return false;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  const unsigned days_in_month = kDays[month - 1] + (month == 2 && leap ? 1 : 0);
  // The nanoseconds of an int64 reach 2262-04-11: later years are refused, not wrapped.
  if (year < 1970 || year > 2261 || day < 1 || day > days_in_month || hour > 23 || minute > 59 ||
      second > 59) {
    return false;
  }
  const std::int64_t days = DaysFromCivil(year, month, day);
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  *out = seconds * 1'000'000'000 + nanos;
  return true;
}

}  // namespace tradingd::gateways::coinbase
