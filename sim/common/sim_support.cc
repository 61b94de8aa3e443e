#include "sim/common/sim_support.h"

#include <simdjson.h>

#include "core/json_writer.h"

namespace tradingd::sim {
namespace {

core::Status Refused(std::string_view why) {
  return core::Status(core::ErrorCode::kBadRequest, std::string(why));
}

}  // namespace

core::Result<FaultRequest> ParseFaultRequest(std::string_view body) {
  // Admin requests are rare: a parser each time keeps this a pure function.
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(json).get(doc) || doc.get_object().get(object)) {
    return Refused("the body must be a JSON object");
  }
  FaultRequest request;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Refused("bad key");
    std::string_view text;
    if (key == "fault") {
      if (field.value().get_string().get(text)) return Refused("fault must be a string");
      request.fault = std::string(text);
    } else if (key == "symbol") {
      if (field.value().get_string().get(text)) return Refused("symbol must be a string");
      request.symbol = std::string(text);
    } else if (key == "duration_ms") {
      std::int64_t duration_ms = 0;
      if (field.value().get_int64().get(duration_ms) || duration_ms < 0) {
        return Refused("duration_ms must be a non-negative integer");
      }
      request.duration = std::chrono::milliseconds(duration_ms);
    }
  }
  return request;
}

const char* OrderFaultName(OrderFault fault) {
  switch (fault) {
    case OrderFault::kRateLimited:
      return "rate_limited";
    case OrderFault::kServerError:
      return "server_error";
    case OrderFault::kAcceptThenFail:
      return "accept_then_fail";
    case OrderFault::kAcceptThenTimeout:
      return "accept_then_timeout";
  }
  return "unknown";
}

std::optional<OrderFault> ParseOrderFault(std::string_view name) {
  for (const OrderFault fault : {OrderFault::kRateLimited, OrderFault::kServerError,
                                 OrderFault::kAcceptThenFail, OrderFault::kAcceptThenTimeout}) {
    if (name == OrderFaultName(fault)) return fault;
  }
  return std::nullopt;
}

core::Result<OrderFaultRequest> ParseOrderFaultRequest(std::string_view body) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(json).get(doc) || doc.get_object().get(object)) {
    return Refused("the body must be a JSON object");
  }
  OrderFaultRequest request;
  bool has_fault = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return Refused("bad key");
    if (key == "fault") {
      std::string_view text;
      if (field.value().get_string().get(text)) return Refused("fault must be a string");
      const std::optional<OrderFault> fault = ParseOrderFault(text);
      if (!fault) {
        return Refused(
            "fault must be rate_limited, server_error, accept_then_fail or accept_then_timeout");
      }
      request.fault = *fault;
      has_fault = true;
    } else if (key == "count") {
      std::int64_t count = 0;
      if (field.value().get_int64().get(count) || count < 1 || count > 1000) {
        return Refused("count must be an integer from 1 to 1000");
      }
      request.count = static_cast<int>(count);
    } else if (key == "retry_after_s") {
      std::int64_t seconds = 0;
      if (field.value().get_int64().get(seconds) || seconds < 0 || seconds > 86400) {
        return Refused("retry_after_s must be an integer from 0 to 86400");
      }
      request.retry_after = std::chrono::seconds(seconds);
    }
  }
  if (!has_fault) return Refused("fault is missing");
  return request;
}

net::ServerResponse AdminOk() {
  net::ServerResponse response;
  response.body = R"({"ok":true})";
  return response;
}

net::ServerResponse AdminError(int status, std::string_view why) {
  core::JsonWriter writer;
  writer.BeginObject().Key("ok").Bool(false).Key("error").String(why).EndObject();
  net::ServerResponse response;
  response.status = status;
  response.body = writer.Take();
  return response;
}

}  // namespace tradingd::sim
