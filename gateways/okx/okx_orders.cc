#include "gateways/okx/okx_orders.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include "gateways/common/wire_text.h"

namespace tradingd::gateways::okx {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

core::Status Bad(std::string_view what) {
  return core::Status(core::ErrorCode::kBadRequest, fmt::format("OKX answer: {}", what));
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// OKX's ids (ordId, tradeId) are digits today; accepted: 1 to 47 characters of [0-9A-Za-z_-], so
// that one always fits an event's ShortText<48> whole.
bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 47) return false;
  for (const char c : id) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A currency as OKX writes it ("BTC", "1INCH"): 1 to 15 characters of [0-9A-Za-z], so that it
// fits an event's asset name whole (a name cut short would be another asset).
bool ValidAsset(std::string_view asset) {
  if (asset.empty() || asset.size() > 15) return false;
  for (const char c : asset) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    if (!ok) return false;
  }
  return true;
}

// A code ("0", "51008"): 1 to 10 digits.
bool ValidCode(std::string_view code) { return code.size() <= 10 && AllDigits(code); }

// A string field. Absent: false with `status` untouched; present as anything but a string: an
// error.
bool ReadString(const object& obj, std::string_view key, std::string_view* out,
                core::Status* status) {
  element value;
  if (obj[key].get(value) != simdjson::SUCCESS) return false;
  if (value.get_string().get(*out) != simdjson::SUCCESS) {
    *status = Bad(fmt::format("field {} is not a string", key));
    return false;
  }
  return true;
}

// A non-negative decimal string at `scale`, exactly (a digit beyond the scale cannot be held).
bool ParseExact(std::string_view text, int scale, std::int64_t* out) {
  if (text.empty() || text.front() == '-') return false;
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(text, scale, &mantissa) != core::DecimalError::kOk || mantissa < 0) {
    return false;
  }
  *out = mantissa;
  return true;
}

// An amount at kAmountScale from a decimal string: digits beyond the scale are truncated toward
// zero (OKX writes balances and fees with up to 16 decimals); the rest must be well formed and
// fit. A leading '-' only with `allow_negative`.
bool ParseAmount(std::string_view text, bool allow_negative, std::int64_t* out) {
  const bool negative = !text.empty() && text.front() == '-';
  if (negative && !allow_negative) return false;
  std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.front() == '-') return false;
  const std::size_t point = digits.find('.');
  if (point != std::string_view::npos && digits.size() - point - 1 > core::kAmountScale) {
    // The dropped digits must still be digits: "1.123456789x" is malformed, not truncated.
    for (const char c : digits.substr(point + 1 + core::kAmountScale)) {
      if (c < '0' || c > '9') return false;
    }
    digits = digits.substr(0, point + 1 + core::kAmountScale);
  }
  std::int64_t mantissa = 0;
  if (core::ParseDecimal(digits, core::kAmountScale, &mantissa) != core::DecimalError::kOk ||
      mantissa < 0) {
    return false;
  }
  *out = negative ? -mantissa : mantissa;
  return true;
}

// OKX's times are Unix milliseconds as strings ("1597026383085"). Empty reads as absent; anything
// else must be digits whose nanoseconds fit an int64.
bool ParseMs(std::string_view text, core::TimestampNs* out, bool* present) {
  *present = false;
  if (text.empty()) return true;
  if (!AllDigits(text) || text.size() > 19) return false;
  std::int64_t ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms > INT64_MAX / 1'000'000) {
    return false;
  }
  *out = ms * 1'000'000;
  *present = true;
  return true;
}

// A time field: absent or "" leaves `out`; malformed is an error.
bool ReadTime(const object& obj, std::string_view key, core::TimestampNs* out,
              core::Status* status) {
  std::string_view text;
  if (!ReadString(obj, key, &text, status)) return false;
  core::TimestampNs ns = 0;
  bool present = false;
  if (!ParseMs(text, &ns, &present)) {
    *status = Bad(fmt::format("field {} is not a time in milliseconds", key));
    return false;
  }
  if (present) *out = ns;
  return present;
}

// The envelope: a JSON object whose code is a string of digits, msg (when present) a string and
// data (when present) an array.
struct Envelope {
  object root;
  std::string_view code;
  std::string_view msg;
  array data;
  bool has_data = false;
};

core::Status ReadEnvelope(std::string_view body, Envelope* envelope) {
  element root;
  if (ThreadParser().parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    return Bad("not JSON");
  }
  if (root.get_object().get(envelope->root) != simdjson::SUCCESS) return Bad("not an object");
  core::Status status;
  if (!ReadString(envelope->root, "code", &envelope->code, &status)) {
    return status.ok() ? Bad("no code") : status;
  }
  if (!ValidCode(envelope->code)) return Bad("code is not a string of digits");
  if (!ReadString(envelope->root, "msg", &envelope->msg, &status) && !status.ok()) return status;
  element data;
  if (envelope->root["data"].get(data) == simdjson::SUCCESS) {
    if (data.get_array().get(envelope->data) != simdjson::SUCCESS) {
      return Bad("data is not an array");
    }
    envelope->has_data = true;
  }
  return core::Status::Ok();
}

// An answer with results: code "0" and a data array.
core::Status ReadSuccess(std::string_view body, Envelope* envelope) {
  if (core::Status s = ReadEnvelope(body, envelope); !s.ok()) return s;
  if (envelope->code != "0") return Bad(fmt::format("code {} is not success", envelope->code));
  if (!envelope->has_data) return Bad("no data");
  return core::Status::Ok();
}

core::OrderStatus MapState(std::string_view state, std::string_view ord_type, bool* known) {
  *known = true;
  if (state == "live") return core::OrderStatus::kNew;
  if (state == "partially_filled") return core::OrderStatus::kPartiallyFilled;
  if (state == "filled") return core::OrderStatus::kFilled;
  if (state == "canceled" || state == "mmp_canceled") {
    // An order that cannot rest is cancelled by OKX itself once it has taken what it could.
    const bool immediate = ord_type == "ioc" || ord_type == "fok" || ord_type == "market" ||
                           ord_type == "optimal_limit_ioc";
    return immediate ? core::OrderStatus::kExpired : core::OrderStatus::kCanceled;
  }
  *known = false;
  return core::OrderStatus::kUnknown;
}

// OKX's ordType for `spec`, or nullptr when OKX has no exact equivalent.
const char* VenueOrderType(const core::OrderSpec& spec) {
  switch (spec.type) {
    case core::OrderType::kMarket:
      // A spot market order takes what it can at once and cancels the rest: IOC by nature, and
      // GTC means nothing for it. It is never all-or-none, nor a maker.
      if (spec.post_only || spec.time_in_force == core::TimeInForce::kFok) return nullptr;
      return "market";
    case core::OrderType::kLimit:
      if (spec.post_only) {
        // OKX's post_only rests until cancelled: a GTC only.
        return spec.time_in_force == core::TimeInForce::kGtc ? "post_only" : nullptr;
      }
      switch (spec.time_in_force) {
        case core::TimeInForce::kGtc:
          return "limit";
        case core::TimeInForce::kIoc:
          return "ioc";
        case core::TimeInForce::kFok:
          return "fok";
      }
      return nullptr;
    case core::OrderType::kStopLoss:
    case core::OrderType::kStopLossLimit:
    case core::OrderType::kTakeProfit:
    case core::OrderType::kTakeProfitLimit:
      return nullptr;
  }
  return nullptr;
}

const char* VenueSide(core::Side side) {
  switch (side) {
    case core::Side::kBuy:
      return "buy";
    case core::Side::kSell:
      return "sell";
    case core::Side::kUnknown:
      return nullptr;
  }
  return nullptr;
}

core::Status ParseFill(const object& obj, const core::Instrument& instrument,
                       std::string_view venue_order_id, core::Fill* fill) {
  core::Status status;
  std::string_view text;
  if (ReadString(obj, "instId", &text, &status) && text != instrument.venue_symbol) {
    return Bad("a fill of another instrument");
  }
  if (!status.ok()) return status;
  if (ReadString(obj, "ordId", &text, &status) && !venue_order_id.empty() &&
      text != venue_order_id) {
    return Bad("a fill of another order");
  }
  if (!status.ok()) return status;

  std::string_view trade_id;
  if (!ReadString(obj, "tradeId", &trade_id, &status) || !ValidId(trade_id)) {
    return status.ok() ? Bad("a fill without a valid tradeId") : status;
  }
  std::string_view price_text;
  std::string_view quantity_text;
  std::int64_t price = 0;
  std::int64_t quantity = 0;
  if (!ReadString(obj, "fillPx", &price_text, &status) ||
      !ReadString(obj, "fillSz", &quantity_text, &status)) {
    return status.ok() ? Bad("a fill without fillPx or fillSz") : status;
  }
  if (!ParseExact(price_text, instrument.price_scale, &price) ||
      !ParseExact(quantity_text, instrument.quantity_scale, &quantity)) {
    return Bad("a fill whose fillPx or fillSz is not a decimal at the instrument's scale");
  }
  if (price <= 0 || quantity <= 0) return Bad("a fill with a non-positive fillPx or fillSz");

  std::string_view side_text;
  if (!ReadString(obj, "side", &side_text, &status)) {
    return status.ok() ? Bad("a fill without side") : status;
  }
  core::Side side = core::Side::kUnknown;
  if (side_text == "buy") {
    side = core::Side::kBuy;
  } else if (side_text == "sell") {
    side = core::Side::kSell;
  } else {
    return Bad("a fill whose side is neither buy nor sell");
  }

  // execType: T taker, M maker, "" for system orders (ADL, liquidation).
  bool maker = false;
  if (ReadString(obj, "execType", &text, &status)) {
    if (text == "M") {
      maker = true;
    } else if (text != "T" && !text.empty()) {
      return Bad("a fill whose execType is neither T nor M");
    }
  } else if (!status.ok()) {
    return status;
  }

  std::int64_t okx_fee = 0;
  if (ReadString(obj, "fee", &text, &status)) {
    if (!ParseAmount(text, /*allow_negative=*/true, &okx_fee)) {
      return Bad("a fill whose fee is not a decimal");
    }
  } else if (!status.ok()) {
    return status;
  }
  std::string_view fee_asset;
  if (ReadString(obj, "feeCcy", &fee_asset, &status)) {
    if (!fee_asset.empty() && !ValidAsset(fee_asset)) return Bad("a fill with an invalid feeCcy");
  } else if (!status.ok()) {
    return status;
  }
  if (okx_fee != 0 && fee_asset.empty()) return Bad("a fill with a fee and no feeCcy");

  core::TimestampNs time_ns = 0;
  if (!ReadTime(obj, "fillTime", &time_ns, &status)) {
    if (!status.ok()) return status;
    if (!ReadTime(obj, "ts", &time_ns, &status) && !status.ok()) return status;
  }

  fill->venue = instrument.venue;
  fill->instrument = instrument.id;
  fill->trade_id.Assign(trade_id);
  fill->side = side;
  fill->price = core::Price::FromMantissa(price);
  fill->quantity = core::Quantity::FromMantissa(quantity);
  // OKX: "The trading fee deduction is negative, such as '-0.01'; the rebate is positive".
  fill->fee = core::Amount::FromMantissa(-okx_fee);
  if (!fee_asset.empty()) fill->fee_asset.Assign(core::CanonicalAsset(fee_asset));
  fill->maker = maker;
  fill->venue_time_ns = time_ns;
  return core::Status::Ok();
}

}  // namespace

// ---- requests ----

const char* UnsupportedReason(const core::OrderSpec& spec) {
  if (core::HasStopPrice(spec.type)) {
    return "OKX stop orders are separate algo orders; the engine holds stops for OKX";
  }
  if (spec.type == core::OrderType::kMarket && spec.post_only) {
    return "OKX has no post-only market order";
  }
  if (spec.type == core::OrderType::kMarket && spec.time_in_force == core::TimeInForce::kFok) {
    return "an OKX spot market order is never fill-or-kill";
  }
  if (spec.type == core::OrderType::kLimit && spec.post_only &&
      spec.time_in_force != core::TimeInForce::kGtc) {
    return "OKX's post_only order rests until cancelled: no IOC or FOK post-only order";
  }
  if (VenueSide(spec.side) == nullptr) return "an order without a side";
  return nullptr;
}

std::string PlaceOrderBody(const core::OrderSpec& spec, const core::Instrument& instrument) {
  // Field order as in the docs' example ("POST / Place order"): instId, tdMode, clOrdId, side,
  // ordType, px, sz.
  std::string body = fmt::format(R"({{"instId":{},"tdMode":"cash","clOrdId":"{}")",
                                 JsonString(instrument.venue_symbol), spec.client_order_id.view());
  if (const char* side = VenueSide(spec.side)) body += fmt::format(R"(,"side":"{}")", side);
  // Without an exact equivalent ordType stays out: OKX refuses the order (50014) rather than
  // trade something else.
  const char* ord_type = UnsupportedReason(spec) == nullptr ? VenueOrderType(spec) : nullptr;
  if (ord_type != nullptr) body += fmt::format(R"(,"ordType":"{}")", ord_type);
  if (spec.type == core::OrderType::kLimit) {
    body += fmt::format(R"(,"px":"{}")", PlainDecimal(spec.price.mantissa(), instrument.price_scale));
  }
  body +=
      fmt::format(R"(,"sz":"{}")", PlainDecimal(spec.quantity.mantissa(), instrument.quantity_scale));
  if (spec.type == core::OrderType::kMarket) {
    // tgtCcy: "Default is quote_ccy for buy, base_ccy for sell": sz is our base quantity on both
    // sides only when said. banAmend: "If true: the entire order is rejected when balance is
    // insufficient. If false (default): the system reduces sz to fit the available balance".
    body += R"(,"tgtCcy":"base_ccy","banAmend":true)";
  }
  body += "}";
  return body;
}

std::string CancelOrderBody(const core::OrderRef& ref, const core::Instrument& instrument) {
  // "Either ordId or clOrdId is required. If both are passed, ordId will be used."
  if (!ref.venue_order_id.empty()) {
    return fmt::format(R"({{"instId":{},"ordId":{}}})", JsonString(instrument.venue_symbol),
                       JsonString(ref.venue_order_id.view()));
  }
  return fmt::format(R"({{"instId":{},"clOrdId":"{}"}})", JsonString(instrument.venue_symbol),
                     ref.client_order_id.view());
}

std::string OrderDetailsPath(const core::OrderRef& ref, const core::Instrument& instrument) {
  std::string path =
      fmt::format("{}?instId={}", kOrderDetailsPath, PercentEncode(instrument.venue_symbol));
  if (!ref.venue_order_id.empty()) {
    path += fmt::format("&ordId={}", PercentEncode(ref.venue_order_id.view()));
  } else {
    path += fmt::format("&clOrdId={}", ref.client_order_id.view());
  }
  return path;
}

std::string FillsPath(const core::OrderRef& ref, const core::Instrument& instrument) {
  return fmt::format("{}?instType=SPOT&instId={}&ordId={}&limit={}", kFillsPath,
                     PercentEncode(instrument.venue_symbol), PercentEncode(ref.venue_order_id.view()),
                     kMaxFillsPerRequest);
}

// ---- answers ----

std::string_view Ack::refusal_code() const {
  if (has_item && !s_code.empty() && s_code != "0") return s_code;
  return code;
}

std::string_view Ack::refusal_message() const {
  if (has_item && !s_code.empty() && s_code != "0") return s_msg.empty() ? msg : s_msg;
  return msg;
}

std::string Ack::VenueCode() const {
  const std::string_view refusal = refusal_code();
  if (refusal == s_code && !sub_code.empty()) return fmt::format("{}_{}", refusal, sub_code);
  return std::string(refusal);
}

core::Status ParseAck(std::string_view body, std::string_view expected_client_id, Ack* ack) {
  Envelope envelope;
  if (core::Status s = ReadEnvelope(body, &envelope); !s.ok()) return s;
  Ack parsed;
  parsed.code = std::string(envelope.code);
  parsed.msg = std::string(envelope.msg);
  if (envelope.has_data && envelope.data.size() > 0) {
    object item;
    if (envelope.data.at(0).get_object().get(item) == simdjson::SUCCESS) {
      parsed.has_item = true;
      core::Status status;
      std::string_view text;
      if (ReadString(item, "sCode", &text, &status)) {
        if (!text.empty() && !ValidCode(text)) return Bad("sCode is not a string of digits");
        parsed.s_code = std::string(text);
      } else if (!status.ok()) {
        return status;
      }
      if (ReadString(item, "sMsg", &text, &status)) {
        parsed.s_msg = std::string(text);
      } else if (!status.ok()) {
        return status;
      }
      if (ReadString(item, "subCode", &text, &status)) {
        if (!text.empty() && !ValidCode(text)) return Bad("subCode is not a string of digits");
        parsed.sub_code = std::string(text);
      } else if (!status.ok()) {
        return status;
      }
      if (ReadString(item, "ordId", &text, &status)) {
        if (!text.empty() && !ValidId(text)) return Bad("ordId is not an order id");
        parsed.ord_id = std::string(text);
      } else if (!status.ok()) {
        return status;
      }
      if (ReadString(item, "clOrdId", &text, &status)) {
        if (!expected_client_id.empty() && !text.empty() && text != expected_client_id) {
          return Bad("the answer is about another clOrdId");
        }
      } else if (!status.ok()) {
        return status;
      }
      if (!ReadTime(item, "ts", &parsed.ts_ns, &status) && !status.ok()) return status;
    }
  }
  *ack = std::move(parsed);
  return core::Status::Ok();
}

core::Status ParseOrderDetails(std::string_view body, const core::Instrument& instrument,
                               const core::ClientOrderId& client_order_id,
                               core::OrderUpdate* update) {
  Envelope envelope;
  if (core::Status s = ReadSuccess(body, &envelope); !s.ok()) return s;
  if (envelope.data.size() != 1) return Bad("order details without exactly one order");
  object obj;
  if (envelope.data.at(0).get_object().get(obj) != simdjson::SUCCESS) {
    return Bad("an order that is not an object");
  }
  // Everything is read into locals first: a failure leaves `update` as it was.
  core::Status status;
  std::string_view text;
  if (ReadString(obj, "instId", &text, &status) && text != instrument.venue_symbol) {
    return Bad("an order of another instrument");
  }
  if (!status.ok()) return status;
  if (ReadString(obj, "clOrdId", &text, &status) && !text.empty() &&
      text != client_order_id.view()) {
    return Bad("an order with another clOrdId");
  }
  if (!status.ok()) return status;
  std::string_view ord_type;
  if (!ReadString(obj, "ordType", &ord_type, &status) && !status.ok()) return status;
  std::string_view state;
  if (!ReadString(obj, "state", &state, &status)) {
    return status.ok() ? Bad("an order without state") : status;
  }
  bool known = false;
  const core::OrderStatus mapped = MapState(state, ord_type, &known);
  if (!known) return Bad(fmt::format("unknown order state {:.32}", state));
  std::string_view ord_id;
  if (!ReadString(obj, "ordId", &ord_id, &status) || !ValidId(ord_id)) {
    return status.ok() ? Bad("an order without a valid ordId") : status;
  }
  std::string_view filled_text;
  std::int64_t filled = 0;
  if (!ReadString(obj, "accFillSz", &filled_text, &status)) {
    return status.ok() ? Bad("an order without accFillSz") : status;
  }
  if (!ParseExact(filled_text, instrument.quantity_scale, &filled)) {
    return Bad("accFillSz is not a decimal at the instrument's scale");
  }
  core::TimestampNs time_ns = 0;
  if (!ReadTime(obj, "uTime", &time_ns, &status)) {
    if (!status.ok()) return status;
    if (!ReadTime(obj, "cTime", &time_ns, &status) && !status.ok()) return status;
  }

  core::OrderUpdate parsed = *update;
  parsed.venue = instrument.venue;
  parsed.instrument = instrument.id;
  parsed.status = mapped;
  parsed.venue_order_id.Assign(ord_id);
  parsed.filled_quantity = core::Quantity::FromMantissa(filled);
  parsed.has_filled = true;
  if (time_ns != 0) parsed.venue_time_ns = time_ns;
  *update = parsed;
  return core::Status::Ok();
}

core::Status ParseFills(std::string_view body, const core::Instrument& instrument,
                        std::string_view venue_order_id, std::vector<core::Fill>* fills) {
  Envelope envelope;
  if (core::Status s = ReadSuccess(body, &envelope); !s.ok()) return s;
  std::vector<core::Fill> parsed;
  for (element item : envelope.data) {
    object obj;
    if (item.get_object().get(obj) != simdjson::SUCCESS) return Bad("a fill is not an object");
    core::Fill fill;
    if (core::Status s = ParseFill(obj, instrument, venue_order_id, &fill); !s.ok()) return s;
    parsed.push_back(fill);
  }
  fills->insert(fills->end(), parsed.begin(), parsed.end());
  return core::Status::Ok();
}

core::Status ParseBalances(std::string_view body, core::Venue venue, core::TimestampNs now,
                           std::vector<core::BalanceUpdate>* balances) {
  Envelope envelope;
  if (core::Status s = ReadSuccess(body, &envelope); !s.ok()) return s;
  if (envelope.data.size() != 1) return Bad("balance without exactly one account");
  object account;
  array details;
  if (envelope.data.at(0).get_object().get(account) != simdjson::SUCCESS ||
      account["details"].get_array().get(details) != simdjson::SUCCESS) {
    return Bad("balance without details");
  }
  std::vector<core::BalanceUpdate> parsed;
  for (element item : details) {
    object obj;
    std::string_view ccy;
    if (item.get_object().get(obj) != simdjson::SUCCESS ||
        obj["ccy"].get_string().get(ccy) != simdjson::SUCCESS || !ValidAsset(ccy)) {
      return Bad("a balance without a valid ccy");
    }
    core::Status status;
    std::string_view free_text;
    std::string_view frozen_text;
    if (!ReadString(obj, "availBal", &free_text, &status) ||
        !ReadString(obj, "frozenBal", &frozen_text, &status)) {
      return status.ok() ? Bad("a balance without availBal or frozenBal") : status;
    }
    std::int64_t free = 0;
    std::int64_t locked = 0;
    if (!ParseAmount(free_text, /*allow_negative=*/false, &free) ||
        !ParseAmount(frozen_text, /*allow_negative=*/false, &locked)) {
      return Bad("a balance whose availBal or frozenBal is not a non-negative decimal");
    }
    core::BalanceUpdate balance;
    balance.venue = venue;
    balance.asset.Assign(core::CanonicalAsset(ccy));
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

// ---- what a code says ----

bool IsExecutionUnknown(std::string_view code) {
  return code == "50001" || code == "50004" || code == "50013" || code == "50026" ||
         code == "51054" || code == "51149";
}

bool IsKeyRefusal(std::string_view code) {
  return code == "50100" || code == "50101" || code == "50103" || code == "50104" ||
         code == "50105" || code == "50106" || code == "50108" || code == "50109" ||
         code == "50110" || code == "50111" || code == "50113" || code == "50114" ||
         code == "50119" || code == "50120";
}

bool IsThrottled(std::string_view code) {
  return code == "50011" || code == "50061" || code == "50013";
}

}  // namespace tradingd::gateways::okx
