#pragma once
// The order path's vocabulary: what a caller asks for (OrderSpec), the order state machine's
// statuses, and the events gateways send back to the engine (OrderUpdate, Fill, BalanceUpdate,
// GatewayStatus, RateLimitReport). Like the market-data events these are fixed-size, trivially
// copyable values, so they cross the inbound queue without an allocation; venue texts (order ids,
// error messages) are cut to fit a ShortText.
//
// Scales: a price is at its instrument's price_scale and a quantity at its quantity_scale; an Amount
// (balances, fees, notional in quote units) is at kAmountScale, whatever the asset.
//
// Thread contract: plain values and pure functions; safe from any thread.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "core/decimal.h"
#include "core/instrument.h"
#include "core/venue.h"

namespace tradingd::risk {
class PreTradeRisk;
}  // namespace tradingd::risk

namespace tradingd::core {

// Nanoseconds since the Unix epoch, UTC.
using TimestampNs = std::int64_t;

enum class Side : std::uint8_t { kBuy, kSell, kUnknown };

struct AmountTag {};
using Amount = FixedPoint<AmountTag>;
// Balances, fees and notional: 8 decimals, as every venue reports them (Kraken's 10-decimal balances
// are truncated toward zero to 8 on the way in). An int64 at 8 decimals holds 92 billion units.
inline constexpr int kAmountScale = 8;

enum class OrderType : std::uint8_t {
  kMarket,
  kLimit,
  kStopLoss,         // a market order once the last price reaches stop_price (against the holder)
  kStopLossLimit,    // a limit order at `price` once the stop is reached
  kTakeProfit,       // a market order once the last price reaches stop_price (in the holder's favour)
  kTakeProfitLimit,
};
enum class TimeInForce : std::uint8_t { kGtc, kIoc, kFok };

enum class OrderStatus : std::uint8_t {
  kPendingNew,       // accepted by risk, not yet acknowledged by the venue
  kNew,              // resting at the venue (or a stop waiting for its trigger)
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,         // a definitive refusal by the venue (or by the venue never having seen it)
  kExpired,          // IOC/FOK remainder, or the venue expired it
  kUnknown,          // the venue's answer was lost (timeout, dropped connection, 5xx): being queried
};

const char* OrderTypeName(OrderType type);        // "MARKET", "STOP_LOSS_LIMIT", ...
const char* TimeInForceName(TimeInForce tif);     // "GTC", "IOC", "FOK"
const char* OrderStatusName(OrderStatus status);  // "PENDING_NEW", ...
const char* SideName(Side side);                  // "BUY", "SELL"
// Exact, upper-case names as api.md spells them.
std::optional<OrderType> ParseOrderType(std::string_view text);
std::optional<TimeInForce> ParseTimeInForce(std::string_view text);
std::optional<Side> ParseSide(std::string_view text);

// FILLED, CANCELED, REJECTED and EXPIRED: nothing can happen to the order any more.
bool IsFinal(OrderStatus status);
// Whether an order may still trade: NEW, PARTIALLY_FILLED, PENDING_NEW or UNKNOWN (it may have
// reached the venue), so its reservation must stay.
bool MayTrade(OrderStatus status);
bool HasLimitPrice(OrderType type);  // LIMIT and the *_LIMIT stop types
bool HasStopPrice(OrderType type);   // the four stop and take-profit types

// A short venue text (an order id, an error code, a message) carried inside an event: at most N-1
// bytes, cut at a UTF-8 character boundary.
template <std::size_t N>
class ShortText {
 public:
  ShortText() = default;
  explicit ShortText(std::string_view text) { Assign(text); }
  void Assign(std::string_view text) {
    std::size_t n = text.size() < N - 1 ? text.size() : N - 1;
    if (n < text.size()) {
      while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    }
    if (n > 0) std::memcpy(data_, text.data(), n);  // an empty view may hold a null pointer
    data_[n] = '\0';
    size_ = static_cast<std::uint16_t>(n);
  }
  std::string_view view() const { return std::string_view(data_, size_); }
  bool empty() const { return size_ == 0; }
  bool operator==(const ShortText& other) const { return view() == other.view(); }

 private:
  char data_[N] = {};
  std::uint16_t size_ = 0;
};

// 32 lower-case hex characters: accepted by all five venues, and unique across restarts when made
// from random bits (DESIGN.md).
inline constexpr std::size_t kClientOrderIdLength = 32;
class ClientOrderId {
 public:
  ClientOrderId() = default;
  // Only the exact form: 32 characters of [0-9a-f].
  static std::optional<ClientOrderId> Parse(std::string_view text);
  // From random bits, shaped as a version-4 UUID (122 of the bits are kept).
  static ClientOrderId FromBits(std::uint64_t high, std::uint64_t low);
  std::string_view view() const { return std::string_view(text_.data(), size_); }
  bool empty() const { return size_ == 0; }
  bool operator==(const ClientOrderId& other) const { return view() == other.view(); }

 private:
  std::array<char, kClientOrderIdLength> text_{};
  std::uint8_t size_ = 0;
};

// What a caller asks for, syntactically valid (the control surface checked the types and the
// decimals); risk decides whether it may be sent.
struct OrderSpec {
  InstrumentId instrument = kNoInstrument;
  Side side{};
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kGtc;
  bool post_only = false;
  Quantity quantity;
  Price price;       // limit price; zero for MARKET, STOP_LOSS and TAKE_PROFIT
  Price stop_price;  // zero unless HasStopPrice(type)
  ClientOrderId client_order_id;
};

// An order that pre-trade risk has approved. Only risk::PreTradeRisk makes one, so a gateway that
// takes an Approved<OrderSpec> cannot be handed an unchecked order (the type carries the approval).
template <typename T>
class Approved {
 public:
  const T& order() const { return order_; }

 private:
  friend class risk::PreTradeRisk;
  explicit Approved(T order) : order_(std::move(order)) {}
  T order_;
};

// Which order a cancel or a query is about: by our id always, and by the venue's once known.
struct OrderRef {
  InstrumentId instrument = kNoInstrument;
  ClientOrderId client_order_id;
  ShortText<48> venue_order_id;
};

// Where an order update came from, which decides how much it may say.
enum class UpdateSource : std::uint8_t {
  kPlace,   // the answer to the place request
  kCancel,  // the answer to a cancel request
  kQuery,   // the answer to a status query
  kStream,  // the venue's private stream (a later issue)
};

// The venue's word on one of our orders. For a REJECTED or UNKNOWN order, venue_code and message
// say why (the venue's own code and text, or the transport error).
struct OrderUpdate {
  Venue venue = Venue::kBinance;
  InstrumentId instrument = kNoInstrument;
  ClientOrderId client_order_id;
  ShortText<48> venue_order_id;
  OrderStatus status = OrderStatus::kUnknown;
  UpdateSource source = UpdateSource::kPlace;
  // The venue refused the cancel itself (the order is already final, or unknown there); status then
  // carries what the venue says the order is, when it says.
  bool cancel_refused = false;
  // The query found no such order at the venue. Definitive only once the venue can no longer accept
  // the request (its receive window has passed); the engine decides.
  bool not_found = false;
  Quantity filled_quantity;  // cumulative, when the venue says (has_filled)
  bool has_filled = false;
  Amount filled_notional;    // cumulative quote amount, when the venue says
  ShortText<40> venue_code;  // Coinbase's reasons run to 30 characters
  ShortText<160> message;
  TimestampNs venue_time_ns = 0;
  TimestampNs receive_time_ns = 0;
};

// One execution of one of our orders.
struct Fill {
  Venue venue = Venue::kBinance;
  InstrumentId instrument = kNoInstrument;
  ClientOrderId client_order_id;
  ShortText<48> trade_id;  // the venue's, unique per venue and instrument
  Side side{};
  Price price;
  Quantity quantity;
  Amount fee;
  ShortText<24> fee_asset;  // canonical asset name
  // The quote amount the venue moved for this fill, when it says (Kraken "cost"): balances follow
  // the venue's own rounding then, rather than price × quantity.
  Amount quote_amount;
  bool has_quote_amount = false;
  bool maker = false;
  TimestampNs venue_time_ns = 0;
};

// One asset of a venue account, as the venue reports it. A full account report is framed by
// kFirst/kLast: assets the report does not name have a zero balance.
struct BalanceUpdate {
  enum Flags : std::uint8_t { kFirst = 1 << 0, kLast = 1 << 1 };
  Venue venue = Venue::kBinance;
  std::uint8_t flags = 0;
  ShortText<24> asset;  // canonical asset name
  Amount free;
  Amount locked;
  TimestampNs time_ns = 0;
  bool has(Flags flag) const { return (flags & flag) != 0; }
};

enum class KeyState : std::uint8_t {
  kMissing,    // no API key configured: the venue is market data only
  kUnchecked,  // configured, not yet tried
  kValid,      // the venue accepted a signed request
  kRefused,    // the venue refused the key or the signature (the message says why)
};
const char* KeyStateName(KeyState state);

// The gateway's own state: whether its keys work and what last went wrong.
struct GatewayStatus {
  Venue venue = Venue::kBinance;
  KeyState keys = KeyState::kMissing;
  ShortText<160> last_error;
  TimestampNs last_error_ns = 0;
  TimestampNs time_ns = 0;
};

// What the venue said about our use of its rate limits, from its response headers or a throttling
// answer; the risk module corrects its own model with it.
struct RateLimitReport {
  Venue venue = Venue::kBinance;
  // Counters the venue reported (-1: not in this answer).
  std::int64_t used_weight = -1;         // Binance X-MBX-USED-WEIGHT-1M
  std::int64_t orders_short_window = -1;  // Binance X-MBX-ORDER-COUNT-10S
  std::int64_t orders_day = -1;           // Binance X-MBX-ORDER-COUNT-1D
  std::int64_t remaining = -1;            // Bybit X-Bapi-Limit-Status
  std::int64_t limit = -1;                // Bybit X-Bapi-Limit
  TimestampNs reset_ns = 0;               // Bybit X-Bapi-Limit-Reset-Timestamp
  // A 429 / 418 / "too many requests" answer: no request to this venue before now + retry_after.
  bool throttled = false;
  bool banned = false;  // Binance 418
  std::int64_t retry_after_ms = 0;
  TimestampNs time_ns = 0;
};

// The notional of `quantity` at `price` in quote units at kAmountScale, rounded toward zero, or
// nullopt on overflow. Exact whenever price_scale + quantity_scale <= kAmountScale + 18.
std::optional<Amount> Notional(Price price, int price_scale, Quantity quantity, int quantity_scale);
// The same rounded up (for reservations: never reserve less than the venue will take).
std::optional<Amount> NotionalCeil(Price price, int price_scale, Quantity quantity,
                                   int quantity_scale);
// A quantity at `quantity_scale` as an Amount of the base asset (exact for scales up to 8; finer
// digits are truncated).
Amount QuantityAsAmount(Quantity quantity, int quantity_scale);

}  // namespace tradingd::core
