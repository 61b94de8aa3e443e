#include "core/orders.h"

#include <limits>

namespace tradingd::core {
namespace {

struct TypeName {
  OrderType type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {OrderType::kMarket, "MARKET"},
    {OrderType::kLimit, "LIMIT"},
    {OrderType::kStopLoss, "STOP_LOSS"},
    {OrderType::kStopLossLimit, "STOP_LOSS_LIMIT"},
    {OrderType::kTakeProfit, "TAKE_PROFIT"},
    {OrderType::kTakeProfitLimit, "TAKE_PROFIT_LIMIT"},
};

// 10^k as a 128-bit value, k <= 36.
UInt128 Pow10Wide(int k) {
  UInt128 value = 1;
  for (int i = 0; i < k; ++i) value *= 10;
  return value;
}

std::optional<Amount> ScaleProduct(Price price, int price_scale, Quantity quantity,
                                   int quantity_scale, bool round_up) {
  if (price.mantissa() < 0 || quantity.mantissa() < 0) return std::nullopt;
  const UInt128 product = static_cast<UInt128>(price.mantissa()) *
                                    static_cast<UInt128>(quantity.mantissa());
  const int scale = price_scale + quantity_scale;
  UInt128 value;
  if (scale >= kAmountScale) {
    const UInt128 divisor = Pow10Wide(scale - kAmountScale);
    value = product / divisor;
    if (round_up && product % divisor != 0) ++value;
  } else {
    value = product * Pow10Wide(kAmountScale - scale);
  }
  if (value > static_cast<UInt128>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return Amount::FromMantissa(static_cast<std::int64_t>(value));
}

}  // namespace

const char* OrderTypeName(OrderType type) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.type == type) return entry.name.data();
  }
  return "LIMIT";
}

const char* TimeInForceName(TimeInForce tif) {
  switch (tif) {
    case TimeInForce::kGtc: return "GTC";
    case TimeInForce::kIoc: return "IOC";
    case TimeInForce::kFok: return "FOK";
  }
  return "GTC";
}

const char* OrderStatusName(OrderStatus status) {
  switch (status) {
    case OrderStatus::kPendingNew: return "PENDING_NEW";
    case OrderStatus::kNew: return "NEW";
    case OrderStatus::kPartiallyFilled: return "PARTIALLY_FILLED";
    case OrderStatus::kFilled: return "FILLED";
    case OrderStatus::kCanceled: return "CANCELED";
    case OrderStatus::kRejected: return "REJECTED";
    case OrderStatus::kExpired: return "EXPIRED";
    case OrderStatus::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* SideName(Side side) {
  switch (side) {
    case Side::kBuy: return "BUY";
    case Side::kSell: return "SELL";
    case Side::kUnknown: return "UNKNOWN";
  }
  return "UNKNOWN";
}

const char* KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kMissing: return "missing";
    case KeyState::kUnchecked: return "unchecked";
    case KeyState::kValid: return "valid";
    case KeyState::kRefused: return "refused";
  }
  return "missing";
}

std::optional<OrderType> ParseOrderType(std::string_view text) {
  for (const TypeName& entry : kTypeNames) {
    if (entry.name == text) return entry.type;
  }
  return std::nullopt;
}

std::optional<TimeInForce> ParseTimeInForce(std::string_view text) {
  if (text == "GTC") return TimeInForce::kGtc;
  if (text == "IOC") return TimeInForce::kIoc;
  if (text == "FOK") return TimeInForce::kFok;
  return std::nullopt;
}

std::optional<Side> ParseSide(std::string_view text) {
  if (text == "BUY") return Side::kBuy;
  if (text == "SELL") return Side::kSell;
  return std::nullopt;
}

bool IsFinal(OrderStatus status) {
  return status == OrderStatus::kFilled || status == OrderStatus::kCanceled ||
         status == OrderStatus::kRejected || status == OrderStatus::kExpired;
}

bool MayTrade(OrderStatus status) { return !IsFinal(status); }

bool HasLimitPrice(OrderType type) {
  return type == OrderType::kLimit || type == OrderType::kStopLossLimit ||
         type == OrderType::kTakeProfitLimit;
}

bool HasStopPrice(OrderType type) {
  return type == OrderType::kStopLoss || type == OrderType::kStopLossLimit ||
         type == OrderType::kTakeProfit || type == OrderType::kTakeProfitLimit;
}

std::optional<ClientOrderId> ClientOrderId::Parse(std::string_view text) {
  if (text.size() != kClientOrderIdLength) return std::nullopt;
  ClientOrderId id;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
    id.text_[i] = c;
  }
  id.size_ = kClientOrderIdLength;
  return id;
}

ClientOrderId ClientOrderId::FromBits(std::uint64_t high, std::uint64_t low) {
  static constexpr char kHex[] = "0123456789abcdef";
  // Shaped as a random (version 4, variant 1) UUID without dashes: Coinbase Exchange ignores a
  // client_oid that is not one, and the other venues take any 32 hex characters.
  high = (high & ~(0xFULL << 12)) | (0x4ULL << 12);
  low = (low & ~(0x3ULL << 62)) | (0x2ULL << 62);
  ClientOrderId id;
  for (int i = 0; i < 16; ++i) {
    id.text_[i] = kHex[(high >> (60 - 4 * i)) & 0xF];
    id.text_[16 + i] = kHex[(low >> (60 - 4 * i)) & 0xF];
  }
  id.size_ = kClientOrderIdLength;
  return id;
}

std::optional<Amount> Notional(Price price, int price_scale, Quantity quantity,
                               int quantity_scale) {
  return ScaleProduct(price, price_scale, quantity, quantity_scale, /*round_up=*/false);
}

std::optional<Amount> NotionalCeil(Price price, int price_scale, Quantity quantity,
                                   int quantity_scale) {
  return ScaleProduct(price, price_scale, quantity, quantity_scale, /*round_up=*/true);
}

Amount QuantityAsAmount(Quantity quantity, int quantity_scale) {
  if (quantity_scale <= kAmountScale) {
    return Amount::FromMantissa(quantity.mantissa() * PowerOfTen(kAmountScale - quantity_scale));
  }
  return Amount::FromMantissa(quantity.mantissa() / PowerOfTen(quantity_scale - kAmountScale));
}

}  // namespace tradingd::core
