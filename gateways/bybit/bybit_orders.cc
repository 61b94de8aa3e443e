#include "gateways/bybit/bybit_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include "gateways/common/wire_text.h"

namespace tradingd::gateways::bybit {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

core::Status Bad(std::string_view what) {
  return core::Status(core::ErrorCode::kBadRequest, fmt::format("Bybit answer: {}", what));
}

enum class Read { kAbsent, kOk, kBad };

// A string field. Absent: kAbsent; present as anything but a string: kBad.
Read ReadString(const object& obj, std::string_view key, std::string_view* out) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return Read::kAbsent;
  return value.get_string().get(*out) == simdjson::SUCCESS ? Read::kOk : Read::kBad;
}

// A boolean field. Absent: kAbsent; any other type: kBad.
Read ReadBool(const object& obj, std::string_view key, bool* out) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return Read::kAbsent;
  return value.get_bool().get(*out) == simdjson::SUCCESS ? Read::kOk : Read::kBad;
}

// A decimal string at `scale`. Bybit writes "" (and, in some list fields, null) for a value it does
// not have ("avgPrice ... returns \"\" for those orders without avg price"): with `empty_absent`
// those read as absent. Malformed text, a digit the scale cannot hold, an overflow or a negative
// value (unless `allow_negative`) is kBad. With `truncate`, digits past the scale are dropped
// toward zero instead (amounts: core::kAmountScale holds 8 decimals, as for Kraken's balances).
Read ReadDecimal(const object& obj, std::string_view key, int scale, std::int64_t* out,
                 bool empty_absent, bool allow_negative = false, bool truncate = false) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return Read::kAbsent;
  if (empty_absent && value.is_null()) return Read::kAbsent;
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) return Read::kBad;
  if (text.empty()) return empty_absent ? Read::kAbsent : Read::kBad;
  if (truncate) {
    const std::size_t point = text.find('.');
    if (point != std::string_view::npos &&
        text.size() - point - 1 > static_cast<std::size_t>(scale)) {
      const std::string_view dropped = text.substr(point + 1 + static_cast<std::size_t>(scale));
      for (const char c : dropped) {
        if (c < '0' || c > '9') return Read::kBad;
      }
      // Keep "1.5" of "1.5xx" at scale 1; "1" of "1.xx" at scale 0 (no dangling point).
      text = text.substr(0, scale == 0 ? point : point + 1 + static_cast<std::size_t>(scale));
    }
  }
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(text, scale, &mantissa) != core::DecimalError::kOk) return Read::kBad;
  if (!allow_negative && (mantissa < 0 || text.front() == '-')) return Read::kBad;
  *out = mantissa;
  return Read::kOk;
}

// A millisecond time written as a string of digits ("updatedTime":"1684738540561"), into
// nanoseconds. "" is absent; anything else that is not such a string, or whose nanoseconds do not
// fit an int64, is kBad (never an overflowing multiply).
Read ReadMsString(const object& obj, std::string_view key, core::TimestampNs* out) {
  std::string_view text;
  const Read read = ReadString(obj, key, &text);
  if (read != Read::kOk) return read;
  if (text.empty()) return Read::kAbsent;
  if (text.size() > 16) return Read::kBad;
  std::int64_t ms = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return Read::kBad;
    ms = ms * 10 + (c - '0');
  }
  if (ms > INT64_MAX / 1'000'000) return Read::kBad;
  *out = ms * 1'000'000;
  return Read::kOk;
}

// The envelope's `time`: a JSON number of milliseconds.
Read ReadMsNumber(const object& obj, std::string_view key, core::TimestampNs* out) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return Read::kAbsent;
  std::int64_t ms = 0;
  if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0 || ms > INT64_MAX / 1'000'000) {
    return Read::kBad;
  }
  *out = ms * 1'000'000;
  return Read::kOk;
}

// Bybit's ids (orderId: digits or a UUID; execId: a UUID): 1 to 47 bytes of [A-Za-z0-9_-], so that
// an event's ShortText<48> holds it whole and it can travel back in a query string as it is.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 47) return false;
  for (const char c : id) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

// A coin name: 1 to 16 letters or digits, as the symbol registry takes them.
bool ValidAsset(std::string_view asset) {
  if (asset.empty() || asset.size() > 16) return false;
  for (const char c : asset) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

// Parses the envelope and requires retCode 0 and an object `result`.
core::Status ReadResult(std::string_view body, object* root, object* result) {
  element doc;
  if (ThreadParser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  if (doc.get_object().get(*root) != simdjson::SUCCESS) return Bad("not an object");
  std::int64_t code = 0;
  if ((*root)["retCode"].get_int64().get(code) != simdjson::SUCCESS) {
    return Bad("no integer retCode");
  }
  if (code != 0) return Bad(fmt::format("retCode {}", code));
  if ((*root)["result"].get_object().get(*result) != simdjson::SUCCESS) {
    return Bad("result is not an object");
  }
  return core::Status::Ok();
}

core::Status ReadList(std::string_view body, object* root, array* list) {
  object result;
  if (core::Status status = ReadResult(body, root, &result); !status.ok()) return status;
  if (result["list"].get_array().get(*list) != simdjson::SUCCESS) {
    return Bad("result.list is not an array");
  }
  return core::Status::Ok();
}

// A symbol field, when present, must be the instrument's.
bool SymbolMatches(const object& obj, const core::Instrument& instrument) {
  std::string_view symbol;
  const Read read = ReadString(obj, "symbol", &symbol);
  return read == Read::kAbsent || (read == Read::kOk && symbol == instrument.venue_symbol);
}

// enum#orderstatus. `immediate`: an IOC/FOK/Market order, whose dropped remainder is EXPIRED.
std::optional<core::OrderStatus> MapStatus(std::string_view status, bool executed, bool immediate) {
  if (status == "New" || status == "Created" || status == "Untriggered" || status == "Triggered") {
    return core::OrderStatus::kNew;
  }
  if (status == "PartiallyFilled") return core::OrderStatus::kPartiallyFilled;
  if (status == "Filled") return core::OrderStatus::kFilled;
  const core::OrderStatus dropped =
      immediate ? core::OrderStatus::kExpired : core::OrderStatus::kCanceled;
  if (status == "Cancelled" || status == "PartiallyFilledCanceled") return dropped;
  if (status == "Deactivated") return core::OrderStatus::kCanceled;
  // A Rejected order that executed first (nautilus' http_get_order_partially_filled_rejected):
  // its fills stand, only the remainder was refused.
  if (status == "Rejected") return executed ? dropped : core::OrderStatus::kRejected;
  return std::nullopt;
}

core::Status ParseOrderEntry(const object& obj, const core::Instrument& instrument,
                             core::OrderUpdate* parsed) {
  if (!SymbolMatches(obj, instrument)) return Bad("an order of another symbol");
  std::string_view status_text;
  if (ReadString(obj, "orderStatus", &status_text) != Read::kOk) {
    return Bad("an order without a string orderStatus");
  }
  std::string_view order_id;
  switch (ReadString(obj, "orderId", &order_id)) {
    case Read::kOk:
      if (!ValidId(order_id)) return Bad("an invalid orderId");
      parsed->venue_order_id.Assign(order_id);
      break;
    case Read::kBad:
      return Bad("orderId is not a string");
    case Read::kAbsent:
      break;
  }
  std::int64_t executed = 0;
  switch (ReadDecimal(obj, "cumExecQty", instrument.quantity_scale, &executed, true)) {
    case Read::kOk:
      parsed->filled_quantity = core::Quantity::FromMantissa(executed);
      parsed->has_filled = true;
      break;
    case Read::kBad:
      return Bad("cumExecQty is not a non-negative decimal at the instrument's scale");
    case Read::kAbsent:
      break;
  }
  std::int64_t value = 0;
  switch (ReadDecimal(obj, "cumExecValue", core::kAmountScale, &value, true, false, true)) {
    case Read::kOk:
      parsed->filled_notional = core::Amount::FromMantissa(value);
      break;
    case Read::kBad:
      return Bad("cumExecValue is not a non-negative decimal");
    case Read::kAbsent:
      break;
  }
  if (ReadMsString(obj, "updatedTime", &parsed->venue_time_ns) == Read::kBad) {
    return Bad("updatedTime is not a millisecond time");
  }
  std::string_view tif;
  std::string_view type;
  if (ReadString(obj, "timeInForce", &tif) == Read::kBad ||
      ReadString(obj, "orderType", &type) == Read::kBad) {
    return Bad("timeInForce or orderType is not a string");
  }
  const bool immediate = tif == "IOC" || tif == "FOK" || type == "Market";
  const auto status = MapStatus(status_text, executed > 0, immediate);
  if (!status) return Bad(fmt::format("unknown orderStatus {:.32}", status_text));
  parsed->status = *status;
  std::string_view reason;
  switch (ReadString(obj, "rejectReason", &reason)) {
    case Read::kOk:
      if (!reason.empty() && reason != "EC_NoError") parsed->message.Assign(reason);
      break;
    case Read::kBad:
      return Bad("rejectReason is not a string");
    case Read::kAbsent:
      break;
  }
  return core::Status::Ok();
}

core::Status ParseExecution(const object& obj, const core::Instrument& instrument,
                            std::string_view link_id, std::string_view order_id, core::Fill* fill) {
  if (!SymbolMatches(obj, instrument)) return Bad("an execution of another symbol");
  std::string_view text;
  switch (ReadString(obj, "orderLinkId", &text)) {
    case Read::kOk:
      if (!text.empty() && text != link_id) return Bad("an execution of another orderLinkId");
      break;
    case Read::kBad:
      return Bad("orderLinkId is not a string");
    case Read::kAbsent:
      break;
  }
  switch (ReadString(obj, "orderId", &text)) {
    case Read::kOk:
      if (!text.empty() && !order_id.empty() && text != order_id) {
        return Bad("an execution of another orderId");
      }
      break;
    case Read::kBad:
      return Bad("orderId is not a string");
    case Read::kAbsent:
      break;
  }
  std::string_view exec_id;
  if (ReadString(obj, "execId", &exec_id) != Read::kOk || !ValidId(exec_id)) {
    return Bad("an execution without a valid execId");
  }
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  if (ReadDecimal(obj, "execPrice", instrument.price_scale, &price, false) != Read::kOk ||
      ReadDecimal(obj, "execQty", instrument.quantity_scale, &quantity, false) != Read::kOk) {
    return Bad("an execution without a valid execPrice or execQty");
  }
  if (price <= 0 || quantity <= 0) return Bad("an execution with a non-positive price or qty");
  bool maker = false;
  if (ReadBool(obj, "isMaker", &maker) == Read::kBad) return Bad("isMaker is not a boolean");
  // A maker's fee is negative when its fee rate is (a rebate: enum "Spot Fee Currency
  // Instruction" allows a negative makerFeeRate); a taker's never is.
  std::int64_t fee = 0;
  if (ReadDecimal(obj, "execFee", core::kAmountScale, &fee, true, maker, true) == Read::kBad) {
    return Bad("execFee is not a decimal (negative only for a maker)");
  }
  std::string_view side_text;
  core::Side side = core::Side::kUnknown;
  switch (ReadString(obj, "side", &side_text)) {
    case Read::kOk:
      if (side_text == "Buy") {
        side = core::Side::kBuy;
      } else if (side_text == "Sell") {
        side = core::Side::kSell;
      } else {
        return Bad("side is neither Buy nor Sell");
      }
      break;
    case Read::kBad:
      return Bad("side is not a string");
    case Read::kAbsent:
      break;
  }
  core::TimestampNs time_ns = 0;
  if (ReadMsString(obj, "execTime", &time_ns) == Read::kBad) {
    return Bad("execTime is not a millisecond time");
  }
  bool negative_rate = false;
  std::string_view rate;
  switch (ReadString(obj, "feeRate", &rate)) {
    case Read::kOk:
      if (!rate.empty()) {
        std::int64_t mantissa = 0;
        if (core::ParseDecimal(rate, core::kMaxDecimalScale, &mantissa) !=
            core::DecimalError::kOk) {
          return Bad("feeRate is not a decimal");
        }
        negative_rate = mantissa < 0;
      }
      break;
    case Read::kBad:
      return Bad("feeRate is not a string");
    case Read::kAbsent:
      break;
  }
  std::string fee_asset;
  std::string_view currency;
  switch (ReadString(obj, "feeCurrency", &currency)) {
    case Read::kOk:
      if (!currency.empty()) {
        if (!ValidAsset(currency)) return Bad("an invalid feeCurrency");
        fee_asset = core::CanonicalAsset(currency);
      }
      break;
    case Read::kBad:
      return Bad("feeCurrency is not a string");
    case Read::kAbsent:
      break;
  }
  if (fee_asset.empty() && side != core::Side::kUnknown) {
    // enum "Spot Fee Currency Instruction": with a positive fee rate a Buy pays in the base and a
    // Sell in the quote; a maker with a negative rate the other way round.
    const bool base = (side == core::Side::kBuy) != negative_rate;
    fee_asset = base ? instrument.base : instrument.quote;
  }
  fill->venue = instrument.venue;
  fill->instrument = instrument.id;
  fill->trade_id.Assign(exec_id);
  fill->side = side;
  fill->price = core::Price::FromMantissa(price);
  fill->quantity = core::Quantity::FromMantissa(quantity);
  fill->fee = core::Amount::FromMantissa(fee);
  fill->fee_asset.Assign(fee_asset);
  fill->maker = maker;
  fill->venue_time_ns = time_ns;
  return core::Status::Ok();
}

const char* VenueSide(core::Side side) {
  switch (side) {
    case core::Side::kBuy:
      return "Buy";
    case core::Side::kSell:
      return "Sell";
    case core::Side::kUnknown:
      break;
  }
  return "";  // refused by the venue (170117 "Invalid side"), never guessed
}

}  // namespace

bool ParseEnvelope(std::string_view body, Envelope* envelope) {
  element doc;
  if (ThreadParser().parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) return false;
  object root;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return false;
  std::int64_t code = 0;
  if (root["retCode"].get_int64().get(code) != simdjson::SUCCESS) return false;
  Envelope parsed;
  parsed.ret_code = code;
  std::string_view msg;
  if (root["retMsg"].get_string().get(msg) == simdjson::SUCCESS) parsed.ret_msg = std::string(msg);
  if (ReadMsNumber(root, "time", &parsed.time_ns) == Read::kBad) parsed.time_ns = 0;
  *envelope = std::move(parsed);
  return true;
}

std::string NewOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument,
                         std::string_view category) {
  std::string body = fmt::format(R"({{"category":{},"symbol":{},"side":"{}")", JsonString(category),
                                 JsonString(instrument.venue_symbol), VenueSide(spec.side));
  const std::string qty = PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale);
  switch (spec.type) {
    case core::OrderType::kMarket:
      // qty in the base coin for both sides; no timeInForce (a market order is always IOC).
      body += fmt::format(R"(,"orderType":"Market","qty":"{}","marketUnit":"baseCoin")", qty);
      break;
    case core::OrderType::kLimit: {
      const char* tif = spec.post_only ? "PostOnly" : core::TimeInForceName(spec.time_in_force);
      body += fmt::format(R"(,"orderType":"Limit","qty":"{}","price":"{}","timeInForce":"{}")", qty,
                          PlainDecimal(spec.price.mantissa(), instrument.price_scale), tif);
      break;
    }
    default:
      // Stop types: the engine holds them for Bybit and RestGateway refuses them before this is
      // called. Should one arrive anyway, an empty orderType makes the venue refuse it (170116
      // "Invalid orderType") rather than trade it as something else.
      body += fmt::format(R"(,"orderType":"","qty":"{}")", qty);
      break;
  }
  body += fmt::format(R"(,"isLeverage":0,"orderLinkId":"{}"}})", spec.client_order_id.view());
  return body;
}

std::string CancelBody(const core::OrderRef& ref, const core::Instrument& instrument,
                       std::string_view category) {
  std::string body = fmt::format(R"({{"category":{},"symbol":{})", JsonString(category),
                                 JsonString(instrument.venue_symbol));
  if (!ref.venue_order_id.empty()) {
    body += fmt::format(R"(,"orderId":{})", JsonString(ref.venue_order_id.view()));
  }
  body += fmt::format(R"(,"orderLinkId":"{}"}})", ref.client_order_id.view());
  return body;
}

std::string OrderQueryParams(const core::OrderRef& ref, const core::Instrument& instrument,
                             std::string_view category) {
  std::string params = fmt::format("category={}&symbol={}", PercentEncode(category),
                                   PercentEncode(instrument.venue_symbol));
  if (!ref.venue_order_id.empty()) {
    params += fmt::format("&orderId={}", PercentEncode(ref.venue_order_id.view()));
  }
  params += fmt::format("&orderLinkId={}", PercentEncode(ref.client_order_id.view()));
  return params;
}

std::string ExecutionListParams(const core::OrderRef& ref, const core::Instrument& instrument,
                                std::string_view category) {
  std::string params = fmt::format("category={}&symbol={}", PercentEncode(category),
                                   PercentEncode(instrument.venue_symbol));
  if (!ref.venue_order_id.empty()) {
    params += fmt::format("&orderId={}", PercentEncode(ref.venue_order_id.view()));
  } else {
    params += fmt::format("&orderLinkId={}", PercentEncode(ref.client_order_id.view()));
  }
  params += fmt::format("&limit={}", kExecutionPageLimit);
  return params;
}

std::string WalletBalanceParams() { return "accountType=UNIFIED"; }

core::Status ParseAck(std::string_view body, std::string_view link_id, core::OrderUpdate* update) {
  object root;
  object result;
  if (core::Status status = ReadResult(body, &root, &result); !status.ok()) return status;
  std::string_view order_id;
  if (ReadString(result, "orderId", &order_id) != Read::kOk || !ValidId(order_id)) {
    return Bad("an acknowledgement without a valid orderId");
  }
  std::string_view link;
  switch (ReadString(result, "orderLinkId", &link)) {
    case Read::kOk:
      if (!link.empty() && link != link_id) return Bad("an acknowledgement of another order");
      break;
    case Read::kBad:
      return Bad("orderLinkId is not a string");
    case Read::kAbsent:
      break;
  }
  core::TimestampNs time_ns = 0;
  if (ReadMsNumber(root, "time", &time_ns) == Read::kBad) return Bad("time is not milliseconds");
  update->venue_order_id.Assign(order_id);
  if (time_ns != 0) update->venue_time_ns = time_ns;
  return core::Status::Ok();
}

core::Status ParseOrderList(std::string_view body, const core::Instrument& instrument,
                            std::string_view link_id, core::OrderUpdate* update, bool* found) {
  object root;
  array list;
  if (core::Status status = ReadList(body, &root, &list); !status.ok()) return status;
  if (list.size() == 0) {
    *found = false;
    return core::Status::Ok();
  }
  object ours;
  bool have = false;
  for (element item : list) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return Bad("an order is not an object");
    std::string_view link;
    if (ReadString(obj, "orderLinkId", &link) == Read::kBad) {
      return Bad("orderLinkId is not a string");
    }
    if (link != link_id) continue;
    if (have) return Bad("our order is listed twice");
    ours = obj;
    have = true;
  }
  if (!have) return Bad("the list does not hold the order asked for");
  // Read into a copy: a failure leaves `update` as it was.
  core::OrderUpdate parsed = *update;
  parsed.venue = instrument.venue;
  parsed.instrument = instrument.id;
  if (core::Status status = ParseOrderEntry(ours, instrument, &parsed); !status.ok()) {
    return status;
  }
  *update = parsed;
  *found = true;
  return core::Status::Ok();
}

core::Status ParseExecutions(std::string_view body, const core::Instrument& instrument,
                             std::string_view link_id, std::string_view order_id,
                             std::vector<core::Fill>* fills) {
  object root;
  array list;
  if (core::Status status = ReadList(body, &root, &list); !status.ok()) return status;
  std::vector<core::Fill> parsed;
  for (element item : list) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) {
      return Bad("an execution is not an object");
    }
    core::Fill fill;
    if (core::Status status = ParseExecution(obj, instrument, link_id, order_id, &fill);
        !status.ok()) {
      return status;
    }
    parsed.push_back(fill);
  }
  fills->insert(fills->end(), parsed.begin(), parsed.end());
  return core::Status::Ok();
}

core::Status ParseWalletBalance(std::string_view body, core::Venue venue, core::TimestampNs now,
                                std::vector<core::BalanceUpdate>* balances) {
  object root;
  array accounts;
  if (core::Status status = ReadList(body, &root, &accounts); !status.ok()) return status;
  std::vector<core::BalanceUpdate> parsed;
  for (element account_item : accounts) {
    object account;
    array coins;
    if (account_item.get_object().get(account) != simdjson::SUCCESS ||
        account["coin"].get_array().get(coins) != simdjson::SUCCESS) {
      return Bad("an account without a coin array");
    }
    for (element coin_item : coins) {
      object coin;
      std::string_view name;
      if (coin_item.get_object().get(coin) != simdjson::SUCCESS ||
          ReadString(coin, "coin", &name) != Read::kOk || !ValidAsset(name)) {
        return Bad("a balance without a valid coin");
      }
      std::int64_t wallet = 0;
      std::int64_t locked = 0;
      std::int64_t borrowed = 0;
      if (ReadDecimal(coin, "walletBalance", core::kAmountScale, &wallet, false, false, true) !=
          Read::kOk) {
        return Bad("a balance without a non-negative walletBalance");
      }
      if (ReadDecimal(coin, "locked", core::kAmountScale, &locked, true, false, true) ==
              Read::kBad ||
          ReadDecimal(coin, "spotBorrow", core::kAmountScale, &borrowed, true, false, true) ==
              Read::kBad) {
        return Bad("locked or spotBorrow is not a non-negative decimal");
      }
      const std::int64_t free = wallet - borrowed - locked;  // each below 2^63 / 2: no overflow
      core::BalanceUpdate balance;
      balance.venue = venue;
      balance.asset.Assign(core::CanonicalAsset(name));
      balance.free = core::Amount::FromMantissa(free > 0 ? free : 0);
      balance.locked = core::Amount::FromMantissa(locked);
      balance.time_ns = now;
      for (const core::BalanceUpdate& other : parsed) {
        if (other.asset == balance.asset) return Bad("a coin listed twice");
      }
      parsed.push_back(balance);
    }
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

bool IsExecutionUnknown(std::int64_t code) {
  switch (code) {
    case 10000:
    case 10016:
    case 170001:
    case 170007:
    case 170032:
    case 170035:
    case 170146:
    case 170147:
    case 170234:
    case 170310:
    case 3400214:
      return true;
    default:
      return false;
  }
}

bool IsKeyRefusal(std::int64_t code) {
  switch (code) {
    case 10003:
    case 10004:
    case 10005:
    case 10007:
    case 10010:
    case 33004:
    case -2015:
      return true;
    default:
      return false;
  }
}

bool IsThrottle(std::int64_t code) {
  return code == 10006 || code == 10018 || code == 170005 || code == 170222 || code == 429;
}

bool IsOrderMissing(std::int64_t code) { return code == 110001 || code == 170213; }

std::optional<core::OrderStatus> CancelRefusalStatus(std::int64_t code) {
  switch (code) {
    case 170139:
      return core::OrderStatus::kFilled;
    case 170142:
    case 110010:
      return core::OrderStatus::kCanceled;
    default:
      return std::nullopt;
  }
}

}  // namespace tradingd::gateways::bybit
