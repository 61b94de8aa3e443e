#include "gateways/kraken/kraken_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "core/text.h"
#include "gateways/common/wire_text.h"

namespace tradingd::gateways::kraken {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

core::Status Bad(std::string_view what) {
  return core::Status(core::ErrorCode::kBadRequest, fmt::format("Kraken answer: {}", what));
}

// application/x-www-form-urlencoded: RFC 3986's unreserved characters as they are, the rest as
// %XX (what Kraken's own examples send through urlencode; the signature covers the body as sent).
std::string FormEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// An error string is `code` itself or `code` with extra information after a ':'
// ("EGeneral:Invalid arguments:volume").
bool IsCode(std::string_view error, std::string_view code) {
  return StartsWith(error, code) && (error.size() == code.size() || error[code.size()] == ':');
}

// Kraken's order and trade ids ("OUF4EM-FRGI2-MQMWZD"): kept as text, so they must fit an event's
// ShortText<48> whole and hold nothing a form body would have to escape.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 47) return false;
  for (const char c : id) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A Kraken asset name as a balance key writes it ("XXBT", "ZUSD", "XBT.F", "ETH2.S").
bool ValidAsset(std::string_view asset) {
  if (asset.empty() || asset.size() > 15) return false;
  for (const char c : asset) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.';
    if (!ok) return false;
  }
  return true;
}

// A decimal string field at `scale`. Absent: false with `status` untouched. Present but not a
// string, malformed, finer than the scale or negative: an error.
bool ReadDecimal(const object& obj, std::string_view key, int scale, std::int64_t* out,
                 core::Status* status) {
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
  if (mantissa < 0 || text.front() == '-') {
    *status = Bad(fmt::format("field {} is negative", key));
    return false;
  }
  *out = mantissa;
  return true;
}

// An amount (a balance, a cost, a fee) at kAmountScale from a decimal string: digits beyond the
// scale are truncated toward zero (Kraken writes balances with up to 10 decimals), the rest must
// be a well-formed non-negative decimal that fits.
bool ParseAmountText(std::string_view text, std::int64_t* out) {
  if (text.empty() || text.front() == '-') return false;
  const std::size_t point = text.find('.');
  std::string_view kept = text;
  if (point != std::string_view::npos && text.size() - point - 1 > core::kAmountScale) {
    // The dropped digits must still be digits: "1.123456789x" is malformed, not truncated.
    for (const char c : text.substr(point + 1 + core::kAmountScale)) {
      if (c < '0' || c > '9') return false;
    }
    kept = text.substr(0, point + 1 + core::kAmountScale);
  }
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(kept, core::kAmountScale, &mantissa) != core::DecimalError::kOk ||
      mantissa < 0) {
    return false;
  }
  *out = mantissa;
  return true;
}

bool ReadAmount(const object& obj, std::string_view key, std::int64_t* out, core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS || !ParseAmountText(text, out)) {
    *status = Bad(fmt::format("field {} is not a non-negative decimal string", key));
    return false;
  }
  return true;
}

// Kraken's times are Unix seconds as JSON numbers with a fraction (1688665496.7808). They are read
// to the microsecond, rounded to the nearest: a double holds such a time to within 0.12 µs, so
// every time written with up to 6 decimals comes out exact. Absent: false with `status` untouched;
// not a number, negative, or past the year 5000: an error.
bool ReadSeconds(const object& obj, std::string_view key, core::TimestampNs* out,
                 core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  double seconds = 0;
  if (value.get_double().get(seconds) != simdjson::SUCCESS || !std::isfinite(seconds) ||
      seconds < 0 || seconds > 1e11) {
    *status = Bad(fmt::format("field {} is not a time in seconds", key));
    return false;
  }
  *out = static_cast<core::TimestampNs>(std::llround(seconds * 1e6)) * 1000;
  return true;
}

// Reads the envelope of `root`: the E-severity errors, and the result when there is one.
core::Status ReadEnvelope(const element& root, std::vector<std::string>* errors, element* result,
                          bool* has_result) {
  object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS) return Bad("not an object");
  element error_value;
  if (obj["error"].get(error_value) == simdjson::SUCCESS) {
    simdjson::dom::array array;
    if (error_value.get_array().get(array) != simdjson::SUCCESS) {
      return Bad("error is not an array");
    }
    for (element item : array) {
      std::string_view text;
      if (item.get_string().get(text) != simdjson::SUCCESS) return Bad("an error is not a string");
      if (!text.empty() && text.front() == 'W') continue;  // a warning: the request succeeded
      errors->emplace_back(text);
    }
  }
  *has_result = obj["result"].get(*result) == simdjson::SUCCESS;
  return core::Status::Ok();
}

// Parses `body` and yields its result, which must be an object, for a request that succeeded.
core::Status SuccessResult(std::string_view body, object* result) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  std::vector<std::string> errors;
  element result_value;
  bool has_result = false;
  if (core::Status s = ReadEnvelope(root, &errors, &result_value, &has_result); !s.ok()) return s;
  if (!errors.empty()) return Bad(fmt::format("error {:.80}", errors.front()));
  if (!has_result || result_value.get_object().get(*result) != simdjson::SUCCESS) {
    return Bad("result is not an object");
  }
  return core::Status::Ok();
}

core::OrderStatus MapStatus(std::string_view status, bool* known) {
  *known = true;
  if (status == "pending" || status == "open") return core::OrderStatus::kNew;
  if (status == "closed") return core::OrderStatus::kFilled;
  if (status == "canceled") return core::OrderStatus::kCanceled;
  if (status == "expired") return core::OrderStatus::kExpired;
  *known = false;
  return core::OrderStatus::kUnknown;
}

// Our id and Kraken's echo of it compare without dashes and case: Kraken may write a short UUID in
// its long form.
bool SameClientId(std::string_view kraken, std::string_view ours) {
  std::string normalized;
  for (const char c : kraken) {
    if (c == '-') continue;
    normalized += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return normalized == ours;
}

// One order of an order list, read whole.
struct ParsedOrder {
  std::string txid;
  core::OrderStatus status = core::OrderStatus::kUnknown;
  std::int64_t vol_exec = 0;
  std::int64_t cost = 0;
  bool has_cost = false;
  core::TimestampNs time_ns = 0;
  std::string reason;
  std::vector<std::string> trade_ids;
  bool has_cl_ord_id = false;
  std::string cl_ord_id;
};

core::Status ReadOrder(std::string_view txid, const element& value,
                       const core::Instrument& instrument, ParsedOrder* order) {
  if (!ValidId(txid)) return Bad("an order id is not a Kraken id");
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return Bad("an order is not an object");
  order->txid = std::string(txid);
  std::string_view status_text;
  if (obj["status"].get_string().get(status_text) != simdjson::SUCCESS) {
    return Bad("an order without a status");
  }
  bool known = false;
  order->status = MapStatus(status_text, &known);
  if (!known) return Bad(fmt::format("unknown order status {:.32}", status_text));
  core::Status status;
  if (!ReadDecimal(obj, "vol_exec", instrument.quantity_scale, &order->vol_exec, &status)) {
    return status.ok() ? Bad("an order without vol_exec") : status;
  }
  if (order->status == core::OrderStatus::kNew && order->vol_exec > 0) {
    order->status = core::OrderStatus::kPartiallyFilled;
  }
  // Closed with less executed than its volume: the rest did not trade and never will (an IOC's
  // remainder), which is EXPIRED, not FILLED.
  std::int64_t volume = 0;
  if (ReadDecimal(obj, "vol", instrument.quantity_scale, &volume, &status) &&
      order->status == core::OrderStatus::kFilled && order->vol_exec < volume) {
    order->status = core::OrderStatus::kExpired;
  }
  if (!status.ok()) return status;
  order->has_cost = ReadAmount(obj, "cost", &order->cost, &status);
  if (!status.ok()) return status;
  // When the venue last changed the order: its close time once closed, else its open time.
  core::TimestampNs opened = 0;
  core::TimestampNs closed = 0;
  ReadSeconds(obj, "opentm", &opened, &status);
  if (!status.ok()) return status;
  ReadSeconds(obj, "closetm", &closed, &status);
  if (!status.ok()) return status;
  order->time_ns = closed > 0 ? closed : opened;
  element reason;
  if (obj["reason"].get(reason) == simdjson::SUCCESS && !reason.is_null()) {
    std::string_view text;
    if (reason.get_string().get(text) != simdjson::SUCCESS) return Bad("reason is not a string");
    order->reason = std::string(text);
  }
  element trades;
  if (obj["trades"].get(trades) == simdjson::SUCCESS) {
    simdjson::dom::array array;
    if (trades.get_array().get(array) != simdjson::SUCCESS) return Bad("trades is not an array");
    for (element item : array) {
      std::string_view id;
      if (item.get_string().get(id) != simdjson::SUCCESS || !ValidId(id)) {
        return Bad("a trade id is not a Kraken id");
      }
      order->trade_ids.emplace_back(id);
    }
  }
  element cl_ord_id;
  if (obj["cl_ord_id"].get(cl_ord_id) == simdjson::SUCCESS && !cl_ord_id.is_null()) {
    std::string_view text;
    if (cl_ord_id.get_string().get(text) != simdjson::SUCCESS) {
      return Bad("cl_ord_id is not a string");
    }
    order->has_cl_ord_id = true;
    order->cl_ord_id = std::string(text);
  }
  return core::Status::Ok();
}

}  // namespace

// ---- names ----

std::string CanonicalKrakenAsset(std::string_view asset) {
  // Kraken's legacy asset names: the assets listed before 2018 carry an X (crypto) or Z (fiat)
  // prefix in balances and AssetPairs' base/quote ("XXBT", "ZUSD"); newer ones have none.
  static constexpr std::string_view kLegacy[] = {
      "XETC", "XETH", "XLTC", "XMLN", "XREP", "XXBT", "XXDG", "XXLM", "XXMR", "XXRP", "XZEC",
      "XICN", "XNMC", "XXVN", "XDAO", "ZAUD", "ZCAD", "ZEUR", "ZGBP", "ZJPY", "ZUSD", "ZKRW"};
  const std::size_t dot = asset.find('.');
  std::string base = core::ToUpperAscii(asset.substr(0, dot));
  const std::string extension =
      dot == std::string_view::npos ? std::string() : core::ToUpperAscii(asset.substr(dot));
  for (const std::string_view legacy : kLegacy) {
    if (base == legacy) {
      base.erase(0, 1);
      break;
    }
  }
  return core::CanonicalAsset(base) + extension;
}

std::string KrakenAssetName(std::string_view canonical) {
  const std::string upper = core::ToUpperAscii(canonical);
  if (upper == "BTC") return "XBT";
  if (upper == "DOGE") return "XDG";
  return upper;
}

std::string RestPair(const core::Instrument& instrument) {
  const std::string_view symbol = instrument.venue_symbol;
  const std::size_t slash = symbol.find('/');
  if (slash == std::string_view::npos) return std::string(symbol);
  return KrakenAssetName(symbol.substr(0, slash)) + KrakenAssetName(symbol.substr(slash + 1));
}

// ---- request bodies ----

std::string AddOrderParams(const core::OrderSpec& spec, const core::Instrument& instrument) {
  const char* ordertype = "limit";
  switch (spec.type) {
    case core::OrderType::kMarket:
      ordertype = "market";
      break;
    case core::OrderType::kLimit:
      ordertype = "limit";
      break;
    case core::OrderType::kStopLoss:
      ordertype = "stop-loss";
      break;
    case core::OrderType::kStopLossLimit:
      ordertype = "stop-loss-limit";
      break;
    case core::OrderType::kTakeProfit:
      ordertype = "take-profit";
      break;
    case core::OrderType::kTakeProfitLimit:
      ordertype = "take-profit-limit";
      break;
  }
  std::string params = fmt::format(
      "ordertype={}&type={}&volume={}&pair={}", ordertype,
      // An unknown side (risk refuses one) is written as such, for Kraken to refuse too.
      spec.side == core::Side::kBuy ? "buy" : (spec.side == core::Side::kSell ? "sell" : "none"),
      PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale),
      FormEncode(RestPair(instrument)));
  const bool stop = core::HasStopPrice(spec.type);
  if (stop) {
    // "price": the trigger price of the stop and take-profit types; "price2": the limit price of
    // the *-limit ones. "trigger=last": the last traded price, as core::OrderType means.
    params += fmt::format("&price={}", PlainDecimal(spec.stop_price.mantissa(), instrument.price_scale));
    if (core::HasLimitPrice(spec.type)) {
      params += fmt::format("&price2={}", PlainDecimal(spec.price.mantissa(), instrument.price_scale));
    }
    params += "&trigger=last";
  } else if (core::HasLimitPrice(spec.type)) {
    params += fmt::format("&price={}", PlainDecimal(spec.price.mantissa(), instrument.price_scale));
  }
  if (core::HasLimitPrice(spec.type)) {
    params += fmt::format("&timeinforce={}", core::TimeInForceName(spec.time_in_force));
  }
  params += spec.post_only ? "&oflags=post%2Cfciq" : "&oflags=fciq";
  params += fmt::format("&cl_ord_id={}", spec.client_order_id.view());
  return params;
}

std::string CancelOrderParams(const core::OrderRef& ref) {
  if (!ref.venue_order_id.empty()) return "txid=" + FormEncode(ref.venue_order_id.view());
  return fmt::format("cl_ord_id={}", ref.client_order_id.view());
}

std::string QueryOrdersParams(const core::OrderRef& ref) {
  return "txid=" + FormEncode(ref.venue_order_id.view()) + "&trades=true";
}

std::string OrdersByClientIdParams(const core::OrderRef& ref) {
  return fmt::format("cl_ord_id={}&trades=true", ref.client_order_id.view());
}

std::string QueryTradesParams(const std::vector<std::string>& trade_ids) {
  std::string joined;
  for (std::size_t i = 0; i < trade_ids.size() && i < kMaxTradesPerQuery; ++i) {
    if (i > 0) joined += ',';
    joined += trade_ids[i];
  }
  return "txid=" + FormEncode(joined);
}

// ---- the envelope and its errors ----

ErrorClass ClassifyError(std::string_view error) {
  // https://docs.kraken.com/api/docs/guides/spot-errors and support.kraken.com "API error
  // messages".
  if (IsCode(error, "EAPI:Invalid key") || IsCode(error, "EAPI:Invalid signature") ||
      IsCode(error, "EGeneral:Permission denied")) {
    return ErrorClass::kKeyRefused;
  }
  if (IsCode(error, "EAPI:Rate limit exceeded")) return ErrorClass::kApiRateLimit;
  if (IsCode(error, "EOrder:Rate limit exceeded")) return ErrorClass::kOrderRateLimit;
  if (IsCode(error, "EGeneral:Temporary lockout")) return ErrorClass::kLockout;
  if (IsCode(error, "EService:Unavailable") || IsCode(error, "EService:Busy") ||
      IsCode(error, "EService:Deadline elapsed") || IsCode(error, "EGeneral:Internal error")) {
    return ErrorClass::kExecutionUnknown;
  }
  if (IsCode(error, "EOrder:Unknown order") || IsCode(error, "EOrder:Invalid order")) {
    return ErrorClass::kUnknownOrder;
  }
  return ErrorClass::kRejected;
}

core::Status ParseEnvelope(std::string_view body, Envelope* envelope) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  Envelope parsed;
  element result;
  if (core::Status s = ReadEnvelope(root, &parsed.errors, &result, &parsed.has_result); !s.ok()) {
    return s;
  }
  *envelope = std::move(parsed);
  return core::Status::Ok();
}

std::string_view ErrorCategory(std::string_view error) {
  return error.substr(0, std::min<std::size_t>(error.find(':'), 23));
}

// ---- answers ----

core::Status ParseAddOrder(std::string_view body, std::string* txid) {
  object result;
  if (core::Status s = SuccessResult(body, &result); !s.ok()) return s;
  simdjson::dom::array ids;
  if (result["txid"].get_array().get(ids) != simdjson::SUCCESS) {
    return Bad("AddOrder without a txid array");
  }
  std::string first;
  for (element item : ids) {
    std::string_view id;
    if (item.get_string().get(id) != simdjson::SUCCESS || !ValidId(id)) {
      return Bad("a txid is not a Kraken id");
    }
    if (first.empty()) first = std::string(id);
  }
  if (first.empty()) return Bad("AddOrder with an empty txid array");
  *txid = std::move(first);
  return core::Status::Ok();
}

core::Status ParseCancelOrder(std::string_view body, CancelResult* result) {
  object obj;
  if (core::Status s = SuccessResult(body, &obj); !s.ok()) return s;
  CancelResult parsed;
  if (obj["count"].get_int64().get(parsed.count) != simdjson::SUCCESS || parsed.count < 0) {
    return Bad("CancelOrder without a non-negative count");
  }
  element pending;
  if (obj["pending"].get(pending) == simdjson::SUCCESS &&
      pending.get_bool().get(parsed.pending) != simdjson::SUCCESS) {
    return Bad("pending is not a boolean");
  }
  *result = parsed;
  return core::Status::Ok();
}

core::Status ParseOrders(std::string_view body, OrderList list, const core::OrderRef& ref,
                         const core::Instrument& instrument, core::OrderUpdate* update,
                         OrderLookup* lookup) {
  object result;
  if (core::Status s = SuccessResult(body, &result); !s.ok()) return s;
  object orders = result;
  if (list != OrderList::kByTxid) {
    const char* key = list == OrderList::kOpen ? "open" : "closed";
    if (result[key].get_object().get(orders) != simdjson::SUCCESS) {
      return Bad(fmt::format("result without its {} orders", key));
    }
  }
  // Every entry is read, so that an answer we cannot read whole is never half-used.
  std::vector<ParsedOrder> parsed;
  for (const auto field : orders) {
    ParsedOrder order;
    if (core::Status s = ReadOrder(field.key, field.value, instrument, &order); !s.ok()) return s;
    parsed.push_back(std::move(order));
  }
  const std::string_view ours = ref.client_order_id.view();
  const ParsedOrder* match = nullptr;
  if (!ref.venue_order_id.empty()) {
    for (const ParsedOrder& order : parsed) {
      if (order.txid == ref.venue_order_id.view()) match = &order;
    }
    if (match != nullptr && match->has_cl_ord_id && !SameClientId(match->cl_ord_id, ours)) {
      return Bad("the order carries another client order id");
    }
  } else {
    // By our id: an exact cl_ord_id first; else the one entry without any (the filter Kraken
    // applied chose it). Two candidates of a kind cannot be told apart.
    const ParsedOrder* exact = nullptr;
    const ParsedOrder* unlabelled = nullptr;
    int exact_count = 0;
    int unlabelled_count = 0;
    for (const ParsedOrder& order : parsed) {
      if (order.has_cl_ord_id) {
        if (SameClientId(order.cl_ord_id, ours)) {
          exact = &order;
          ++exact_count;
        }
      } else {
        unlabelled = &order;
        ++unlabelled_count;
      }
    }
    if (exact_count > 1) return Bad("two orders carry our client order id");
    if (exact_count == 1) {
      match = exact;
    } else if (unlabelled_count > 1) {
      return Bad("several orders answer a query by client order id");
    } else {
      match = unlabelled;
    }
  }
  OrderLookup found;
  core::OrderUpdate out = *update;
  if (match != nullptr) {
    found.found = true;
    found.trade_ids = match->trade_ids;
    out.venue = instrument.venue;
    out.instrument = instrument.id;
    out.status = match->status;
    out.venue_order_id.Assign(match->txid);
    out.filled_quantity = core::Quantity::FromMantissa(match->vol_exec);
    out.has_filled = true;
    if (match->has_cost) out.filled_notional = core::Amount::FromMantissa(match->cost);
    out.venue_time_ns = match->time_ns;
    if (!match->reason.empty() && (match->status == core::OrderStatus::kCanceled ||
                                   match->status == core::OrderStatus::kExpired)) {
      out.message.Assign(match->reason);
    }
  }
  *update = out;
  *lookup = std::move(found);
  return core::Status::Ok();
}

core::Status ParseTrades(std::string_view body, const core::Instrument& instrument,
                         std::string_view order_txid, std::vector<core::Fill>* fills) {
  object result;
  if (core::Status s = SuccessResult(body, &result); !s.ok()) return s;
  std::vector<core::Fill> parsed;
  for (const auto field : result) {
    if (!ValidId(field.key)) return Bad("a trade id is not a Kraken id");
    object obj;
    if (field.value.get_object().get(obj) != simdjson::SUCCESS) {
      return Bad("a trade is not an object");
    }
    std::string_view ordertxid;
    if (obj["ordertxid"].get_string().get(ordertxid) != simdjson::SUCCESS || !ValidId(ordertxid)) {
      return Bad("a trade without its ordertxid");
    }
    if (!order_txid.empty() && ordertxid != order_txid) {
      return Bad("a trade of another order");
    }
    std::string_view side;
    if (obj["type"].get_string().get(side) != simdjson::SUCCESS ||
        (side != "buy" && side != "sell")) {
      return Bad("a trade without type buy or sell");
    }
    core::Status status;
    std::int64_t price = 0;
    std::int64_t volume = 0;
    std::int64_t fee = 0;
    if (!ReadDecimal(obj, "price", instrument.price_scale, &price, &status) ||
        !ReadDecimal(obj, "vol", instrument.quantity_scale, &volume, &status)) {
      return status.ok() ? Bad("a trade without price or vol") : status;
    }
    if (price <= 0 || volume <= 0) return Bad("a trade with a non-positive price or vol");
    if (!ReadAmount(obj, "fee", &fee, &status) && !status.ok()) return status;
    std::int64_t cost = 0;
    const bool has_cost = ReadAmount(obj, "cost", &cost, &status);
    if (!status.ok()) return status;
    core::Fill fill;
    fill.quote_amount = core::Amount::FromMantissa(cost);
    fill.has_quote_amount = has_cost;
    if (!ReadSeconds(obj, "time", &fill.venue_time_ns, &status) && !status.ok()) return status;
    element maker;
    if (obj["maker"].get(maker) == simdjson::SUCCESS &&
        maker.get_bool().get(fill.maker) != simdjson::SUCCESS) {
      return Bad("maker is not a boolean");
    }
    fill.venue = instrument.venue;
    fill.instrument = instrument.id;
    fill.trade_id.Assign(field.key);
    fill.side = side == "buy" ? core::Side::kBuy : core::Side::kSell;
    fill.price = core::Price::FromMantissa(price);
    fill.quantity = core::Quantity::FromMantissa(volume);
    fill.fee = core::Amount::FromMantissa(fee);
    fill.fee_asset.Assign(instrument.quote);
    parsed.push_back(fill);
  }
  fills->insert(fills->end(), parsed.begin(), parsed.end());
  return core::Status::Ok();
}

core::Status ParseBalances(std::string_view body, core::Venue venue, core::TimestampNs now,
                           std::vector<core::BalanceUpdate>* balances) {
  object result;
  if (core::Status s = SuccessResult(body, &result); !s.ok()) return s;
  std::vector<core::BalanceUpdate> parsed;
  int extended = 0;
  int plain = 0;
  for (const auto field : result) {
    if (!ValidAsset(field.key)) return Bad("a balance with an invalid asset name");
    core::BalanceUpdate balance;
    balance.venue = venue;
    balance.time_ns = now;
    balance.asset.Assign(CanonicalKrakenAsset(field.key));
    std::string_view text;
    object obj;
    if (field.value.get_string().get(text) == simdjson::SUCCESS) {
      // Balance: the total, nothing known to be held.
      ++plain;
      std::int64_t total = 0;
      if (!ParseAmountText(text, &total)) return Bad("a balance is not a non-negative decimal");
      balance.free = core::Amount::FromMantissa(total);
    } else if (field.value.get_object().get(obj) == simdjson::SUCCESS) {
      // BalanceEx: "available balance = balance + credit - credit_used - hold_trade".
      ++extended;
      core::Status status;
      std::int64_t total = 0;
      std::int64_t hold = 0;
      std::int64_t credit = 0;
      std::int64_t credit_used = 0;
      if (!ReadAmount(obj, "balance", &total, &status) ||
          !ReadAmount(obj, "hold_trade", &hold, &status)) {
        return status.ok() ? Bad("a balance without balance or hold_trade") : status;
      }
      if (!ReadAmount(obj, "credit", &credit, &status) && !status.ok()) return status;
      if (!ReadAmount(obj, "credit_used", &credit_used, &status) && !status.ok()) return status;
      const core::Int128 available = static_cast<core::Int128>(total) + credit - credit_used - hold;
      if (available < 0 || available > INT64_MAX) {
        return Bad("a balance whose held amount exceeds it");
      }
      balance.free = core::Amount::FromMantissa(static_cast<std::int64_t>(available));
      balance.locked = core::Amount::FromMantissa(hold);
    } else {
      return Bad("a balance is neither a decimal string nor an object");
    }
    parsed.push_back(balance);
  }
  if (extended > 0 && plain > 0) return Bad("Balance and BalanceEx entries mixed");
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

}  // namespace tradingd::gateways::kraken
