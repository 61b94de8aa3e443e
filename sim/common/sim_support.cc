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
