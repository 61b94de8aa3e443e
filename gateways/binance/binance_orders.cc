#include "gateways/binance/binance_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include "gateways/common/wire_text.h"

namespace tradingd::gateways::binance {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

core::Status Bad(std::string_view what) {
  return core::Status(core::ErrorCode::kBadRequest, fmt::format("Binance answer: {}", what));
}

// A decimal string field at `scale`; absent is fine (false with `status` untouched). Present but
// not a string, malformed, finer than the scale or negative is an error: Binance writes every
// quantity, price, commission and balance as a non-negative decimal string. With
// `negative_means_absent`, a negative value reads as absent instead (rest-api.md: "For some
// historical orders cummulativeQuoteQty will be < 0, meaning the data is not available").
bool ReadDecimal(const object& obj, std::string_view key, int scale, std::int64_t* out,
                 core::Status* status, bool negative_means_absent = false) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a decimal string", key));
    return false;
  }
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(text, scale, &mantissa) != core::DecimalError::kOk) {
    *status = Bad(fmt::format("field {} is not a decimal at scale {}", key, scale));
    return false;
  }
  if (mantissa < 0 || (!text.empty() && text.front() == '-')) {
    if (negative_means_absent) return false;
    *status = Bad(fmt::format("field {} is negative", key));
    return false;
  }
  *out = mantissa;
  return true;
}

// Binance ids are non-negative integers; ours travel as text. Absent: false with `status`
// untouched; present as anything else (a string, a negative number, a float): an error.
bool ReadId(const object& obj, std::string_view key, std::string* out, core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  std::uint64_t number = 0;
  if (value.get_uint64().get(number) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a non-negative integer", key));
    return false;
  }
  *out = std::to_string(number);
  return true;
}

// A millisecond time into nanoseconds. Absent: false with `status` untouched; not an integer, or
// out of the range whose nanoseconds fit an int64: an error (never an overflowing multiply).
bool ReadTimeMs(const object& obj, std::string_view key, core::TimestampNs* out,
                core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  std::int64_t ms = 0;
  if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0 || ms > INT64_MAX / 1'000'000) {
    *status = Bad(fmt::format("field {} is not a time in milliseconds", key));
    return false;
  }
  *out = ms * 1'000'000;
  return true;
}

// An optional boolean: absent leaves `out` as it is; any other type is an error.
bool ReadBool(const object& obj, std::string_view key, bool* out, core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  if (value.get_bool().get(*out) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a boolean", key));
    return false;
  }
  return true;
}

// An asset name as a venue writes it: 1 to 15 bytes, so that it fits an event's ShortText<16>
// whole (a name cut short would be another asset).
bool ValidAsset(std::string_view asset) { return !asset.empty() && asset.size() <= 15; }

core::OrderStatus MapStatus(std::string_view status, bool* known) {
  *known = true;
  if (status == "NEW" || status == "PENDING_NEW" || status == "PENDING_CANCEL") {
    return core::OrderStatus::kNew;
  }
  if (status == "PARTIALLY_FILLED") return core::OrderStatus::kPartiallyFilled;
  if (status == "FILLED") return core::OrderStatus::kFilled;
  if (status == "CANCELED") return core::OrderStatus::kCanceled;
  if (status == "REJECTED") return core::OrderStatus::kRejected;
  if (status == "EXPIRED" || status == "EXPIRED_IN_MATCH") return core::OrderStatus::kExpired;
  *known = false;
  return core::OrderStatus::kUnknown;
}

const char* VenueType(const core::OrderSpec& spec) {
  switch (spec.type) {
    case core::OrderType::kMarket:
      return "MARKET";
    case core::OrderType::kLimit:
      return spec.post_only ? "LIMIT_MAKER" : "LIMIT";
    case core::OrderType::kStopLoss:
      return "STOP_LOSS";
    case core::OrderType::kStopLossLimit:
      return "STOP_LOSS_LIMIT";
    case core::OrderType::kTakeProfit:
      return "TAKE_PROFIT";
    case core::OrderType::kTakeProfitLimit:
      return "TAKE_PROFIT_LIMIT";
  }
  return "LIMIT";
}

core::Status ParseFill(const object& obj, const core::Instrument& instrument, bool my_trades,
                       core::Fill* fill) {
  core::Status status;
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  std::int64_t fee = 0;
  if (!ReadDecimal(obj, "price", instrument.price_scale, &price, &status) ||
      !ReadDecimal(obj, "qty", instrument.quantity_scale, &quantity, &status)) {
    return status.ok() ? Bad("a fill lacks price or qty") : status;
  }
  if (price <= 0 || quantity <= 0) return Bad("a fill with a non-positive price or qty");
  if (!ReadDecimal(obj, "commission", core::kAmountScale, &fee, &status) && !status.ok()) {
    return status;
  }
  std::string trade_id;
  if (!ReadId(obj, my_trades ? "id" : "tradeId", &trade_id, &status)) {
    return status.ok() ? Bad("a fill lacks its trade id") : status;
  }
  element fee_asset_value;
  if (obj["commissionAsset"].get(fee_asset_value) == simdjson::SUCCESS) {
    std::string_view fee_asset;
    if (fee_asset_value.get_string().get(fee_asset) != simdjson::SUCCESS ||
        !ValidAsset(fee_asset)) {
      return Bad("a fill with an invalid commissionAsset");
    }
    fill->fee_asset.Assign(core::CanonicalAsset(fee_asset));
  }
  fill->venue = instrument.venue;
  fill->instrument = instrument.id;
  fill->trade_id.Assign(trade_id);
  fill->price = core::Price::FromMantissa(price);
  fill->quantity = core::Quantity::FromMantissa(quantity);
  fill->fee = core::Amount::FromMantissa(fee);
  if (my_trades) {
    bool maker = false;
    if (!ReadBool(obj, "isMaker", &maker, &status) && !status.ok()) return status;
    fill->maker = maker;
    bool buyer = false;
    fill->side = core::Side::kUnknown;
    if (ReadBool(obj, "isBuyer", &buyer, &status)) {
      fill->side = buyer ? core::Side::kBuy : core::Side::kSell;
    } else if (!status.ok()) {
      return status;
    }
    if (!ReadTimeMs(obj, "time", &fill->venue_time_ns, &status) && !status.ok()) return status;
  }
  return core::Status::Ok();
}

}  // namespace

std::string NewOrderParams(const core::OrderSpec& spec, const core::Instrument& instrument) {
  std::string params = fmt::format("symbol={}&side={}&type={}&quantity={}", instrument.venue_symbol,
                                   core::SideName(spec.side), VenueType(spec),
                                   PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale));
  if (core::HasLimitPrice(spec.type)) {
    params += fmt::format("&price={}", PlainDecimal(spec.price.mantissa(), instrument.price_scale));
    // LIMIT_MAKER takes no timeInForce: it is a GTC that refuses to take.
    if (!(spec.type == core::OrderType::kLimit && spec.post_only)) {
      params += fmt::format("&timeInForce={}", core::TimeInForceName(spec.time_in_force));
    }
  }
  if (core::HasStopPrice(spec.type)) {
    params +=
        fmt::format("&stopPrice={}", PlainDecimal(spec.stop_price.mantissa(), instrument.price_scale));
  }
  params += fmt::format("&newClientOrderId={}&newOrderRespType=FULL", spec.client_order_id.view());
  return params;
}

std::string OrderRefParams(const core::OrderRef& ref, const core::Instrument& instrument) {
  std::string params = fmt::format("symbol={}", instrument.venue_symbol);
  if (!ref.venue_order_id.empty()) params += fmt::format("&orderId={}", ref.venue_order_id.view());
  params += fmt::format("&origClientOrderId={}", ref.client_order_id.view());
  return params;
}

core::Status ParseOrder(std::string_view body, const core::Instrument& instrument,
                        core::OrderUpdate* update, std::vector<core::Fill>* fills) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Bad("not an order object");
  std::string_view status_text;
  if (obj["status"].get_string().get(status_text) != simdjson::SUCCESS) {
    return Bad("order without a status");
  }
  bool known = false;
  const core::OrderStatus status = MapStatus(status_text, &known);
  if (!known) return Bad(fmt::format("unknown order status {:.32}", status_text));

  // Everything is read into locals first: a failure leaves `update` and `fills` as they were, so
  // that no fill of an answer we could not read is ever published.
  core::OrderUpdate parsed = *update;
  parsed.venue = instrument.venue;
  parsed.instrument = instrument.id;
  parsed.status = status;
  core::Status parse_status;
  std::string order_id;
  if (ReadId(obj, "orderId", &order_id, &parse_status)) {
    parsed.venue_order_id.Assign(order_id);
  } else if (!parse_status.ok()) {
    return parse_status;
  }
  std::int64_t executed = 0;
  if (ReadDecimal(obj, "executedQty", instrument.quantity_scale, &executed, &parse_status)) {
    parsed.filled_quantity = core::Quantity::FromMantissa(executed);
    parsed.has_filled = true;
  } else if (!parse_status.ok()) {
    return parse_status;
  }
  std::int64_t quote = 0;
  if (ReadDecimal(obj, "cummulativeQuoteQty", core::kAmountScale, &quote, &parse_status,
                  /*negative_means_absent=*/true)) {
    parsed.filled_notional = core::Amount::FromMantissa(quote);
  } else if (!parse_status.ok()) {
    return parse_status;
  }
  // transactTime (place, cancel) or updateTime (query): when the venue last changed the order.
  if (!ReadTimeMs(obj, "transactTime", &parsed.venue_time_ns, &parse_status)) {
    if (!parse_status.ok()) return parse_status;
    if (!ReadTimeMs(obj, "updateTime", &parsed.venue_time_ns, &parse_status) &&
        !parse_status.ok()) {
      return parse_status;
    }
  }

  std::vector<core::Fill> parsed_fills;
  element fills_value;
  if (fills != nullptr && obj["fills"].get(fills_value) == simdjson::SUCCESS) {
    simdjson::dom::array array;
    if (fills_value.get_array().get(array) != simdjson::SUCCESS) {
      return Bad("fills is not an array");
    }
    std::string_view side_text;
    core::Side side = core::Side::kUnknown;
    if (obj["side"].get_string().get(side_text) == simdjson::SUCCESS) {
      side = core::ParseSide(side_text).value_or(core::Side::kUnknown);
    }
    for (element item : array) {
      object fill_obj;
      if (item.get_object().get(fill_obj) != simdjson::SUCCESS)
        return Bad("a fill is not an object");
      core::Fill fill;
      if (core::Status s = ParseFill(fill_obj, instrument, /*my_trades=*/false, &fill); !s.ok()) {
        return s;
      }
      fill.client_order_id = parsed.client_order_id;
      fill.side = side;
      fill.venue_time_ns = parsed.venue_time_ns;
      // Binance reports no maker flag on the ack; an order's immediate fills take liquidity.
      fill.maker = false;
      parsed_fills.push_back(fill);
    }
  }
  *update = parsed;
  if (fills != nullptr) fills->insert(fills->end(), parsed_fills.begin(), parsed_fills.end());
  return core::Status::Ok();
}

core::Status ParseMyTrades(std::string_view body, const core::Instrument& instrument,
                           std::vector<core::Fill>* fills) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  simdjson::dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) return Bad("myTrades is not an array");
  std::vector<core::Fill> parsed;
  for (element item : array) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return Bad("a trade is not an object");
    core::Fill fill;
    if (core::Status s = ParseFill(obj, instrument, /*my_trades=*/true, &fill); !s.ok()) return s;
    parsed.push_back(fill);
  }
  fills->insert(fills->end(), parsed.begin(), parsed.end());
  return core::Status::Ok();
}

core::Status ParseAccount(std::string_view body, core::Venue venue, core::TimestampNs now,
                          std::vector<core::BalanceUpdate>* balances) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  simdjson::dom::array array;
  if (root["balances"].get_array().get(array) != simdjson::SUCCESS) {
    return Bad("account without balances");
  }
  std::vector<core::BalanceUpdate> parsed;
  for (element item : array) {
    object obj;
    std::string_view asset;
    if (item.get_object().get(obj) != simdjson::SUCCESS ||
        obj["asset"].get_string().get(asset) != simdjson::SUCCESS || !ValidAsset(asset)) {
      return Bad("a balance without a valid asset");
    }
    core::Status status;
    std::int64_t free = 0;
    std::int64_t locked = 0;
    if (!ReadDecimal(obj, "free", core::kAmountScale, &free, &status) ||
        !ReadDecimal(obj, "locked", core::kAmountScale, &locked, &status)) {
      return status.ok() ? Bad("a balance without free or locked") : status;
    }
    core::BalanceUpdate balance;
    balance.venue = venue;
    balance.asset.Assign(core::CanonicalAsset(asset));
    balance.free = core::Amount::FromMantissa(free);
    balance.locked = core::Amount::FromMantissa(locked);
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
  return core::Status::Ok();
}

bool ParseError(std::string_view body, ErrorBody* error) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) return false;
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return false;
  std::int64_t code = 0;
  if (obj["code"].get_int64().get(code) != simdjson::SUCCESS) return false;
  std::string_view msg;
  if (obj["msg"].get_string().get(msg) == simdjson::SUCCESS) error->msg = std::string(msg);
  error->code = code;
  return true;
}

bool IsExecutionUnknown(std::int64_t code) { return code == -1006 || code == -1007; }

bool IsKeyRefusal(std::int64_t code) {
  return code == -2014 || code == -2015 || code == -1022 || code == -1002;
}

}  // namespace tradingd::gateways::binance
