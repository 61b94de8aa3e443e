// The order endpoints of the control surface: each request is checked here (fields, exchange,
// symbol), turned into an engine Command, and answered by the reply the engine thread calls. The
// answer's JSON is written in that reply, on the engine thread: a few microseconds per order, and
// it keeps the order's view consistent with the state the engine just decided.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <utility>

#include "control/control_service.h"
#include "control/order_json.h"
#include "control/request_json.h"
#include "core/json_writer.h"

namespace tradingd::control {
namespace {

using core::ErrorCode;
using core::Status;

net::ServerResponse Json(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

net::ServerResponse Error(int status, std::string_view code, std::string_view message,
                          std::int64_t retry_after_s = 0) {
  core::JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("code").String(code).Key("message").String(message);
  w.EndObject().EndObject();
  net::ServerResponse response = Json(status, w.Take());
  if (status == 429 || status == 503) {
    response.headers.emplace_back("Retry-After",
                                  std::to_string(retry_after_s > 0 ? retry_after_s : 1));
  }
  return response;
}

net::ServerResponse Error(const Status& status) {
  int http = 400;
  switch (status.code()) {
    case ErrorCode::kNotFound: http = 404; break;
    case ErrorCode::kUnavailable: http = 503; break;
    case ErrorCode::kInternal: http = 500; break;
    default: break;
  }
  return Error(http, core::ErrorCodeName(status.code()), status.message());
}

net::ServerResponse Error(const engine::CommandError& error) {
  return Error(error.http_status, error.code, error.message, error.retry_after_s);
}

Digits DigitsFor(const engine::SnapshotStore& snapshots, const core::Instrument& instrument) {
  Digits digits;
  if (instrument.id >= snapshots.instrument_count()) return digits;
  const auto book = snapshots.Book(instrument.id);
  if (book == nullptr || !book->rules) return digits;
  if (book->rules->tick_size.mantissa() > 0) {
    digits.price = core::SignificantFractionDigits(book->rules->tick_size.mantissa(),
                                                   instrument.price_scale);
  }
  if (book->rules->lot_size.mantissa() > 0) {
    digits.quantity = core::SignificantFractionDigits(book->rules->lot_size.mantissa(),
                                                      instrument.quantity_scale);
  }
  return digits;
}

constexpr FieldSpec kOrderFields[] = {
    {"exchange", FieldType::kString, true},    {"symbol", FieldType::kString, true},
    {"side", FieldType::kString, true},        {"order_type", FieldType::kString, true},
    {"quantity", FieldType::kString, true},    {"price", FieldType::kString, false},
    {"stop_price", FieldType::kString, false}, {"time_in_force", FieldType::kString, false},
    {"post_only", FieldType::kBool, false},    {"client_order_id", FieldType::kString, false},
};
constexpr FieldSpec kOrderRefFields[] = {
    {"exchange", FieldType::kString, true},
    {"order_id", FieldType::kString, false},
    {"client_order_id", FieldType::kString, false},
};
constexpr FieldSpec kListFields[] = {
    {"exchange", FieldType::kString, false},
    {"symbol", FieldType::kString, false},
    {"open_only", FieldType::kBool, false},
    {"limit", FieldType::kInteger, false},
};
constexpr FieldSpec kExchangeField[] = {{"exchange", FieldType::kString, false}};

constexpr std::int64_t kMaxTradesLimit = 1000;

}  // namespace

core::Result<core::Venue> ControlService::ResolveVenue(const std::string& exchange) const {
  const std::optional<core::Venue> venue = core::ParseVenue(exchange);
  if (!venue || !IsEnabled(*venue)) {
    return Status(ErrorCode::kUnknownExchange,
                  fmt::format("exchange '{}' is not enabled in this daemon",
                              std::string_view(exchange).substr(0, 40)));
  }
  return *venue;
}

void ControlService::SendCommand(engine::Command command, const Respond& respond) const {
  if (!commands_->Push(std::move(command))) {
    respond(Error(503, "SHUTTING_DOWN", "the daemon is stopping and takes no more commands"));
  }
}

void ControlService::HandleOrder(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, kOrderFields);
  if (!fields.ok()) return respond(Error(fields.status()));
  auto instrument = ResolveBook(*fields);
  if (!instrument.ok()) return respond(Error(instrument.status()));
  auto place = ParseOrderRequest(*fields, **instrument);
  if (!place.ok()) return respond(Error(place.status()));

  const core::Instrument* inst = *instrument;
  const Digits digits = DigitsFor(snapshots_, *inst);
  engine::Command command;
  command.body = std::move(place).value();
  command.reply = [respond, inst, digits, symbol = *fields->String("symbol")](
                      engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& order = std::get<engine::OrderResult>(result);
    core::JsonWriter w;
    if (order.order.status == core::OrderStatus::kRejected) {
      // The venue's definitive refusal: an error with the venue's own code, and the order as it
      // is recorded.
      w.BeginObject().Key("error").BeginObject();
      w.Key("code").String("VENUE_REJECTED");
      w.Key("message").String(fmt::format("{} rejected the order: {} {}",
                                          core::VenueName(inst->venue), order.order.reject_code,
                                          order.order.reject_message));
      w.Key("venue_code").String(order.order.reject_code);
      w.Key("venue_message").String(order.order.reject_message);
      w.EndObject();
      w.Key("order");
      WriteOrder(w, order.order, *inst, symbol, digits);
      w.EndObject();
      return respond(Json(422, w.Take()));
    }
    WriteOrder(w, order.order, *inst, symbol, digits);
    respond(Json(order.created ? 201 : 200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

namespace {

// "order_id" or "client_order_id" (exactly one is needed).
Status ReadOrderRef(const RequestFields& fields, std::optional<core::ClientOrderId>* client_id,
                    std::string* venue_id) {
  const std::string* client = fields.String("client_order_id");
  const std::string* venue = fields.String("order_id");
  if (client == nullptr && venue == nullptr) {
    return Status(ErrorCode::kBadRequest, "order_id or client_order_id is required");
  }
  if (client != nullptr) {
    *client_id = core::ClientOrderId::Parse(*client);
    if (!*client_id) {
      return Status(ErrorCode::kBadRequest, "client_order_id: must be 32 lower-case hex characters");
    }
  }
  if (venue != nullptr) {
    if (venue->empty() || venue->size() > 47) {
      return Status(ErrorCode::kBadRequest, "order_id: must be 1 to 47 characters");
    }
    *venue_id = *venue;
  }
  return Status::Ok();
}

}  // namespace

// Cancel and status both name one order and answer with it.
template <typename Body>
void ControlService::HandleOneOrder(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, kOrderRefFields);
  if (!fields.ok()) return respond(Error(fields.status()));
  auto venue = ResolveVenue(*fields->String("exchange"));
  if (!venue.ok()) return respond(Error(venue.status()));
  Body body{*venue, std::nullopt, {}};
  if (Status s = ReadOrderRef(*fields, &body.client_order_id, &body.venue_order_id); !s.ok()) {
    return respond(Error(s));
  }
  engine::Command command;
  command.body = std::move(body);
  command.reply = [this, respond](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& order = std::get<engine::OrderResult>(result).order;
    const core::Instrument& instrument = registry_.Get(order.spec.instrument);
    core::JsonWriter w;
    WriteOrder(w, order, instrument, {}, DigitsFor(snapshots_, instrument));
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

void ControlService::HandleCancel(const net::ServerRequest& request, Respond respond) const {
  HandleOneOrder<engine::CancelOrder>(request, std::move(respond));
}

void ControlService::HandleOrderStatus(const net::ServerRequest& request, Respond respond) const {
  HandleOneOrder<engine::GetOrder>(request, std::move(respond));
}

void ControlService::HandleOrders(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, kListFields, /*allow_empty_body=*/true);
  if (!fields.ok()) return respond(Error(fields.status()));
  engine::ListOrders list;
  if (const std::string* exchange = fields->String("exchange")) {
    auto venue = ResolveVenue(*exchange);
    if (!venue.ok()) return respond(Error(venue.status()));
    list.venue = *venue;
    if (fields->String("symbol") != nullptr) {
      auto instrument = ResolveBook(*fields);
      if (!instrument.ok()) return respond(Error(instrument.status()));
      list.instrument = (*instrument)->id;
    }
  } else if (fields->Has("symbol")) {
    return respond(Error(Status(ErrorCode::kBadRequest, "symbol needs exchange")));
  }
  if (const bool* open_only = fields->Bool("open_only")) list.open_only = *open_only;
  engine::Command command;
  command.body = list;
  command.reply = [this, respond](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& orders = std::get<engine::OrdersResult>(result).orders;
    core::JsonWriter w;
    w.BeginObject().Key("orders").BeginArray();
    for (const engine::OrderView& order : orders) {
      const core::Instrument& instrument = registry_.Get(order.spec.instrument);
      WriteOrder(w, order, instrument, {}, DigitsFor(snapshots_, instrument));
    }
    w.EndArray().EndObject();
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

void ControlService::HandleTrades(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, kListFields, /*allow_empty_body=*/true);
  if (!fields.ok()) return respond(Error(fields.status()));
  engine::ListTrades list;
  if (const std::string* exchange = fields->String("exchange")) {
    auto venue = ResolveVenue(*exchange);
    if (!venue.ok()) return respond(Error(venue.status()));
    list.venue = *venue;
    if (fields->String("symbol") != nullptr) {
      auto instrument = ResolveBook(*fields);
      if (!instrument.ok()) return respond(Error(instrument.status()));
      list.instrument = (*instrument)->id;
    }
  } else if (fields->Has("symbol")) {
    return respond(Error(Status(ErrorCode::kBadRequest, "symbol needs exchange")));
  }
  if (const std::int64_t* limit = fields->Integer("limit")) {
    if (*limit < 1 || *limit > kMaxTradesLimit) {
      return respond(Error(Status(ErrorCode::kBadRequest,
                                  fmt::format("limit: must be 1 to {}", kMaxTradesLimit))));
    }
    list.limit = static_cast<std::size_t>(*limit);
  }
  engine::Command command;
  command.body = list;
  command.reply = [this, respond](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& fills = std::get<engine::TradesResult>(result).fills;
    core::JsonWriter w;
    w.BeginObject().Key("trades").BeginArray();
    for (const core::Fill& fill : fills) {
      const core::Instrument& instrument = registry_.Get(fill.instrument);
      WriteFill(w, fill, instrument, DigitsFor(snapshots_, instrument), /*with_context=*/true);
    }
    w.EndArray().EndObject();
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

void ControlService::HandleBalances(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, kExchangeField, /*allow_empty_body=*/true);
  if (!fields.ok()) return respond(Error(fields.status()));
  engine::GetBalances get;
  if (const std::string* exchange = fields->String("exchange")) {
    auto venue = ResolveVenue(*exchange);
    if (!venue.ok()) return respond(Error(venue.status()));
    get.venue = *venue;
  }
  engine::Command command;
  command.body = get;
  const bool single = get.venue.has_value();
  command.reply = [this, respond, single](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& balances = std::get<engine::BalancesResult>(result);
    const core::TimestampNs now = clock_.NowNs();
    auto write_venue = [&](core::JsonWriter& w, const engine::VenueAccountView& account) {
      w.BeginObject();
      w.Key("exchange").String(core::VenueName(account.venue));
      w.Key("keys").String(core::KeyStateName(account.keys));
      w.Key("balances_loaded").Bool(account.balances_loaded);
      w.Key("balances").BeginArray();
      for (const engine::BalanceView& balance : balances.balances) {
        if (balance.venue != account.venue) continue;
        w.BeginObject();
        w.Key("asset").String(balance.asset);
        w.Key("free").String(FormatAmount(balance.free));
        w.Key("locked").String(FormatAmount(balance.locked));
        w.Key("total").String(FormatAmount(balance.free + balance.locked));
        w.EndObject();
      }
      w.EndArray();
      w.Key("timestamp").String(core::FormatTimestamp(now));
      w.EndObject();
    };
    core::JsonWriter w;
    if (single) {
      if (balances.accounts.empty()) {
        return respond(Error(503, "VENUE_UNAVAILABLE", "the venue has no order gateway"));
      }
      write_venue(w, balances.accounts.front());
    } else {
      w.BeginObject().Key("exchanges").BeginArray();
      for (const auto& account : balances.accounts) write_venue(w, account);
      w.EndArray().EndObject();
    }
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

void ControlService::HandleKill(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, {}, /*allow_empty_body=*/true);
  if (!fields.ok()) return respond(Error(fields.status()));
  spdlog::warn("kill requested from {}: trading halts and every open order is cancelled",
               request.remote_address);
  engine::Command command;
  command.body = engine::Kill{};
  command.reply = [respond](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    const auto& kill = std::get<engine::KillResult>(result);
    core::JsonWriter w;
    w.BeginObject();
    w.Key("trading_state").String(risk::TradingStateName(kill.state));
    w.Key("cancels_sent").Uint(kill.cancels_sent);
    w.EndObject();
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

void ControlService::HandleResume(const net::ServerRequest& request, Respond respond) const {
  auto fields = RequestFields::Parse(request.body, {}, /*allow_empty_body=*/true);
  if (!fields.ok()) return respond(Error(fields.status()));
  spdlog::warn("resume requested from {}: trading is ACTIVE again", request.remote_address);
  engine::Command command;
  command.body = engine::Resume{};
  command.reply = [respond](engine::CommandResult result) {
    if (auto* error = std::get_if<engine::CommandError>(&result)) return respond(Error(*error));
    core::JsonWriter w;
    w.BeginObject();
    w.Key("trading_state").String(risk::TradingStateName(std::get<engine::KillResult>(result).state));
    w.EndObject();
    respond(Json(200, w.Take()));
  };
  SendCommand(std::move(command), respond);
}

}  // namespace tradingd::control
