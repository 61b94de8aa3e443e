#pragma once
// The order endpoints' JSON: reading POST /api/trading/order into an OrderSpec (every field checked,
// each mistake a 400 naming the field), and writing orders, fills, balances and the engine's
// command errors as api.md shows them.
//
// Field rules where api.md is silent:
// - side, order_type and time_in_force are upper case as api.md writes them; lower case is
//   accepted too.
// - price is required for LIMIT, STOP_LOSS_LIMIT and TAKE_PROFIT_LIMIT and refused for the others;
//   stop_price is required for the four stop types and refused for the others; time_in_force and
//   post_only only apply to the types with a limit price; post_only only to LIMIT, with GTC.
// - quantity, price and stop_price are decimal strings; a number is refused (it may already have
//   lost precision). More decimals than the instrument's scale is a 400; a value off the venue's
//   tick or lot is risk's 422 INVALID_ORDER.
// - client_order_id, when given, is exactly 32 lower-case hex characters.
// - An order answers with `order_id` (the venue's id, null until the venue has acknowledged it),
//   `average_price` (null before the first fill) and, for REJECTED and UNKNOWN, `reason`
//   {code, message} with the venue's own code and text.
//
// Thread contract: stateless functions; safe from any thread.

#include <string>
#include <string_view>

#include "control/request_json.h"
#include "core/instrument.h"
#include "core/json_writer.h"
#include "core/orders.h"
#include "core/status.h"
#include "engine/commands.h"

namespace tradingd::control {

// The order fields of an order request (besides exchange and symbol, already resolved).
core::Result<engine::PlaceOrder> ParseOrderRequest(const RequestFields& fields,
                                                   const core::Instrument& instrument);

// Fraction digits prices and quantities are written with (at least): the tick's and the lot's
// once the venue's rules are loaded.
struct Digits {
  int price = 0;
  int quantity = 0;
};

// One order object. `symbol` is the spelling the caller used (the venue's when empty).
void WriteOrder(core::JsonWriter& writer, const engine::OrderView& order,
                const core::Instrument& instrument, std::string_view symbol, Digits digits);
// With context (for /trades): also the exchange, symbol, instrument, side and client order id.
void WriteFill(core::JsonWriter& writer, const core::Fill& fill,
               const core::Instrument& instrument, Digits digits, bool with_context = false);
std::string FormatAmount(core::Amount amount);

}  // namespace tradingd::control
