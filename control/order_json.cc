#include "control/order_json.h"

#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "core/clock.h"

namespace tradingd::control {
namespace {

using core::ErrorCode;
using core::Status;

constexpr std::size_t kMaxEcho = 40;

Status BadField(std::string_view field, std::string_view why) {
  return Status(ErrorCode::kBadRequest, fmt::format("{}: {}", field, why));
}

std::string Upper(std::string_view text) {
  std::string out(text.substr(0, kMaxEcho));
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A positive decimal string at `scale`, or the reason it is not.
core::Result<std::int64_t> PositiveDecimal(const RequestFields& fields, std::string_view name,
                                           int scale) {
  const std::string* text = fields.String(name);
  if (text == nullptr) return BadField(name, "must be a decimal string such as \"0.001\"");
  std::int64_t mantissa = 0;
  const core::DecimalError error = core::ParseDecimal(*text, scale, &mantissa);
  if (error != core::DecimalError::kOk) {
    return BadField(name, fmt::format("'{}' is not a valid decimal ({})",
                                      std::string_view(*text).substr(0, kMaxEcho),
                                      core::DecimalErrorText(error)));
  }
  if (mantissa <= 0) return BadField(name, "must be greater than zero");
  return mantissa;
}

void WriteDecimalOrNull(core::JsonWriter& w, std::string_view key, std::int64_t mantissa, int scale,
                        int digits, bool present) {
  w.Key(key);
  if (present) {
    w.String(core::FormatDecimal(mantissa, scale, digits));
  } else {
    w.Null();
  }
}

}  // namespace

std::string FormatAmount(core::Amount amount) {
  return core::FormatDecimal(amount.mantissa(), core::kAmountScale, 0);
}

core::Result<engine::PlaceOrder> ParseOrderRequest(const RequestFields& fields,
                                                   const core::Instrument& instrument) {
  engine::PlaceOrder place;
  core::OrderSpec& spec = place.spec;
  spec.instrument = instrument.id;

  const std::optional<core::Side> side = core::ParseSide(Upper(*fields.String("side")));
  if (!side) return BadField("side", "must be BUY or SELL");
  spec.side = *side;

  const std::optional<core::OrderType> type = core::ParseOrderType(Upper(*fields.String("order_type")));
  if (!type) {
    return BadField("order_type",
                    "must be MARKET, LIMIT, STOP_LOSS, STOP_LOSS_LIMIT, TAKE_PROFIT or "
                    "TAKE_PROFIT_LIMIT");
  }
  spec.type = *type;

  auto quantity = PositiveDecimal(fields, "quantity", instrument.quantity_scale);
  if (!quantity.ok()) return quantity.status();
  spec.quantity = core::Quantity::FromMantissa(*quantity);

  const bool limit = core::HasLimitPrice(spec.type);
  if (limit) {
    if (!fields.Has("price")) {
      return BadField("price", fmt::format("is required for {} orders", core::OrderTypeName(spec.type)));
    }
    auto price = PositiveDecimal(fields, "price", instrument.price_scale);
    if (!price.ok()) return price.status();
    spec.price = core::Price::FromMantissa(*price);
  } else if (fields.Has("price")) {
    return BadField("price", fmt::format("is not allowed for {} orders (they take no limit price)",
                                         core::OrderTypeName(spec.type)));
  }

  if (core::HasStopPrice(spec.type)) {
    if (!fields.Has("stop_price")) {
      return BadField("stop_price",
                      fmt::format("is required for {} orders", core::OrderTypeName(spec.type)));
    }
    auto stop = PositiveDecimal(fields, "stop_price", instrument.price_scale);
    if (!stop.ok()) return stop.status();
    spec.stop_price = core::Price::FromMantissa(*stop);
  } else if (fields.Has("stop_price")) {
    return BadField("stop_price", fmt::format("is not allowed for {} orders",
                                              core::OrderTypeName(spec.type)));
  }

  if (const std::string* tif = fields.String("time_in_force")) {
    if (!limit) {
      return BadField("time_in_force", "applies only to orders with a limit price");
    }
    const std::optional<core::TimeInForce> parsed = core::ParseTimeInForce(Upper(*tif));
    if (!parsed) return BadField("time_in_force", "must be GTC, IOC or FOK");
    spec.time_in_force = *parsed;
  }
  if (const bool* post_only = fields.Bool("post_only")) {
    if (*post_only && spec.type != core::OrderType::kLimit) {
      return BadField("post_only", "applies only to LIMIT orders");
    }
    if (*post_only && spec.time_in_force != core::TimeInForce::kGtc) {
      return BadField("post_only", "cannot be combined with IOC or FOK (a post-only order rests)");
    }
    spec.post_only = *post_only;
  }

  if (const std::string* id = fields.String("client_order_id")) {
    const std::optional<core::ClientOrderId> parsed = core::ClientOrderId::Parse(*id);
    if (!parsed) return BadField("client_order_id", "must be 32 lower-case hex characters");
    spec.client_order_id = *parsed;
    place.client_order_id_given = true;
  }
  return place;
}

void WriteFill(core::JsonWriter& w, const core::Fill& fill, const core::Instrument& instrument,
               Digits digits, bool with_context) {
  w.BeginObject();
  if (with_context) {
    w.Key("exchange").String(core::VenueName(fill.venue));
    w.Key("symbol").String(instrument.venue_symbol);
    w.Key("instrument").String(instrument.canonical);
    w.Key("side").String(core::SideName(fill.side));
    w.Key("client_order_id").String(fill.client_order_id.view());
  }
  w.Key("trade_id").String(fill.trade_id.view());
  w.Key("price").String(core::FormatDecimal(fill.price.mantissa(), instrument.price_scale,
                                            digits.price));
  w.Key("quantity").String(core::FormatDecimal(fill.quantity.mantissa(),
                                               instrument.quantity_scale, digits.quantity));
  w.Key("fee").String(FormatAmount(fill.fee));
  w.Key("fee_asset").String(fill.fee_asset.view());
  w.Key("maker").Bool(fill.maker);
  w.Key("timestamp");
  if (fill.venue_time_ns != 0) {
    w.String(core::FormatTimestamp(fill.venue_time_ns));
  } else {
    w.Null();
  }
  w.EndObject();
}

void WriteOrder(core::JsonWriter& w, const engine::OrderView& order,
                const core::Instrument& instrument, std::string_view symbol, Digits digits) {
  const core::OrderSpec& spec = order.spec;
  w.BeginObject();
  w.Key("order_id");
  if (order.venue_order_id.empty()) {
    w.Null();
  } else {
    w.String(order.venue_order_id);
  }
  w.Key("client_order_id").String(order.client_order_id.view());
  w.Key("exchange").String(core::VenueName(order.venue));
  w.Key("symbol").String(symbol.empty() ? std::string_view(instrument.venue_symbol) : symbol);
  w.Key("instrument").String(instrument.canonical);
  w.Key("side").String(core::SideName(spec.side));
  w.Key("order_type").String(core::OrderTypeName(spec.type));
  w.Key("time_in_force").String(core::TimeInForceName(spec.time_in_force));
  w.Key("post_only").Bool(spec.post_only);
  w.Key("status").String(core::OrderStatusName(order.status));
  w.Key("quantity").String(core::FormatDecimal(spec.quantity.mantissa(), instrument.quantity_scale,
                                               digits.quantity));
  w.Key("filled_quantity").String(core::FormatDecimal(order.filled_quantity.mantissa(),
                                                      instrument.quantity_scale, digits.quantity));
  // Average price of the fills we hold: quote amount / quantity, at the instrument's price scale
  // (rounded to the nearest; an average need not be on the tick).
  std::int64_t average = 0;
  const std::int64_t filled = order.fills.empty() ? 0 : [&] {
    std::int64_t sum = 0;
    for (const core::Fill& fill : order.fills) sum += fill.quantity.mantissa();
    return sum;
  }();
  if (filled > 0) {
    // notional (scale 8) / quantity (scale q) → price at scale p: × 10^(q + p − 8).
    const int shift = instrument.quantity_scale + instrument.price_scale - core::kAmountScale;
    core::Int128 numerator = order.filled_notional.mantissa();
    core::Int128 denominator = filled;
    if (shift >= 0) {
      numerator *= core::PowerOfTen(shift);
    } else {
      denominator *= core::PowerOfTen(-shift);
    }
    average = static_cast<std::int64_t>((numerator + denominator / 2) / denominator);
  }
  WriteDecimalOrNull(w, "average_price", average, instrument.price_scale, digits.price, filled > 0);
  WriteDecimalOrNull(w, "price", spec.price.mantissa(), instrument.price_scale, digits.price,
                     core::HasLimitPrice(spec.type));
  WriteDecimalOrNull(w, "stop_price", spec.stop_price.mantissa(), instrument.price_scale,
                     digits.price, core::HasStopPrice(spec.type));
  w.Key("fills").BeginArray();
  for (const core::Fill& fill : order.fills) WriteFill(w, fill, instrument, digits);
  w.EndArray();
  if (order.status == core::OrderStatus::kRejected || order.status == core::OrderStatus::kUnknown ||
      !order.reject_code.empty()) {
    w.Key("reason").BeginObject();
    w.Key("code").String(order.reject_code);
    w.Key("message").String(order.reject_message);
    w.EndObject();
  }
  w.Key("created_at").String(core::FormatTimestamp(order.created_ns));
  w.Key("updated_at").String(core::FormatTimestamp(order.updated_ns));
  w.EndObject();
}

}  // namespace tradingd::control
