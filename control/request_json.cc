#include "control/request_json.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <utility>

namespace tradingd::control {
namespace {

namespace ondemand = simdjson::ondemand;
using core::ErrorCode;
using core::Status;

Status BadRequest(std::string message) {
  return Status(ErrorCode::kBadRequest, std::move(message));
}

Status JsonError(simdjson::error_code error) {
  // Stage 1 validates the whole body as UTF-8, so non-UTF-8 anywhere (even in an ignored field)
  // surfaces here rather than as an oddly decoded symbol.
  if (error == simdjson::UTF8_ERROR) return BadRequest("request body is not valid UTF-8");
  if (error == simdjson::DEPTH_ERROR) {
    return BadRequest(fmt::format("request body nests deeper than {} levels", kMaxRequestDepth));
  }
  return BadRequest(fmt::format("malformed JSON: {}", simdjson::error_message(error)));
}

// Walks a value the endpoint does not use, so that malformed JSON inside it is still detected
// (On-Demand otherwise skips unread values by counting brackets only).
simdjson::error_code ValidateValue(ondemand::value value, std::size_t depth) {
  if (depth > kMaxRequestDepth) return simdjson::DEPTH_ERROR;
  ondemand::json_type type;
  if (auto error = value.type().get(type)) return error;
  switch (type) {
    case ondemand::json_type::object: {
      ondemand::object object;
      if (auto error = value.get_object().get(object)) return error;
      for (auto field_result : object) {
        ondemand::field field;
        if (auto error = std::move(field_result).get(field)) return error;
        std::string_view key;
        if (auto error = field.unescaped_key().get(key)) return error;
        if (auto error = ValidateValue(field.value(), depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::array: {
      ondemand::array array;
      if (auto error = value.get_array().get(array)) return error;
      for (auto element_result : array) {
        ondemand::value element;
        if (auto error = std::move(element_result).get(element)) return error;
        if (auto error = ValidateValue(element, depth + 1)) return error;
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::string: {
      std::string_view text;
      return value.get_string().get(text);
    }
    case ondemand::json_type::number: {
      // A double accepts every well-formed JSON number, however long.
      double number;
      return value.get_double().get(number);
    }
    case ondemand::json_type::boolean: {
      bool flag;
      return value.get_bool().get(flag);
    }
    case ondemand::json_type::null: {
      bool is_null = false;
      if (auto error = value.is_null().get(is_null)) return error;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

const char* TypeText(FieldType type) {
  switch (type) {
    case FieldType::kString:
      return "a string";
    case FieldType::kInteger:
      return "an integer";
    case FieldType::kBool:
      return "a boolean";
  }
  return "a value";
}

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

core::Result<RequestFields> RequestFields::Parse(std::string_view body,
                                                 std::span<const FieldSpec> specs,
                                                 bool allow_empty_body) {
  RequestFields fields;
  fields.names_.reserve(specs.size());
  for (const FieldSpec& spec : specs) fields.names_.emplace_back(spec.name);
  fields.values_.resize(specs.size());

  std::size_t first = 0;
  while (first < body.size() && IsJsonSpace(body[first])) ++first;
  if (first == body.size()) {
    if (!allow_empty_body) return BadRequest("request body is empty; expected a JSON object");
  } else {
    const simdjson::padded_string padded(body);
    ondemand::parser parser;
    ondemand::document doc;
    if (auto error = parser.iterate(padded).get(doc)) return JsonError(error);
    ondemand::json_type type;
    if (auto error = doc.type().get(type)) return JsonError(error);
    if (type != ondemand::json_type::object)
      return BadRequest("request body must be a JSON object");
    ondemand::object object;
    if (auto error = doc.get_object().get(object)) return JsonError(error);
    for (auto field_result : object) {
      ondemand::field field;
      if (auto error = std::move(field_result).get(field)) return JsonError(error);
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) return JsonError(error);
      std::size_t index = 0;
      while (index < specs.size() && specs[index].name != key) ++index;
      if (index == specs.size()) {
        if (auto error = ValidateValue(field.value(), 1)) return JsonError(error);
        continue;
      }
      const FieldSpec& spec = specs[index];
      Value& slot = fields.values_[index];
      if (!std::holds_alternative<std::monostate>(slot)) {
        return BadRequest(fmt::format("duplicate field '{}'", spec.name));
      }
      ondemand::value value = field.value();
      ondemand::json_type value_type;
      if (auto error = value.type().get(value_type)) return JsonError(error);
      const auto wrong_type = [&spec] {
        return BadRequest(fmt::format("field '{}' must be {}", spec.name, TypeText(spec.type)));
      };
      switch (spec.type) {
        case FieldType::kString: {
          if (value_type != ondemand::json_type::string) return wrong_type();
          std::string_view text;
          if (auto error = value.get_string().get(text)) return JsonError(error);
          slot = std::string(text);
          break;
        }
        case FieldType::kInteger: {
          if (value_type != ondemand::json_type::number) return wrong_type();
          std::int64_t number = 0;
          // 2.5, 1e3 and values beyond int64 all fail here: an integer field takes integers only.
          if (value.get_int64().get(number) != simdjson::SUCCESS) return wrong_type();
          slot = number;
          break;
        }
        case FieldType::kBool: {
          if (value_type != ondemand::json_type::boolean) return wrong_type();
          bool flag = false;
          if (auto error = value.get_bool().get(flag)) return JsonError(error);
          slot = flag;
          break;
        }
      }
    }
    // simdjson 3.0.1 has no document::at_end(); current_location() is OUT_OF_BOUNDS exactly when
    // the object was the whole document.
    const char* rest = nullptr;
    if (doc.current_location().get(rest) != simdjson::OUT_OF_BOUNDS) {
      return BadRequest("malformed JSON: unexpected content after the object");
    }
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].required && std::holds_alternative<std::monostate>(fields.values_[i])) {
      return BadRequest(fmt::format("missing field '{}'", specs[i].name));
    }
  }
  return fields;
}

const RequestFields::Value* RequestFields::Find(std::string_view name) const {
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (names_[i] == name) return &values_[i];
  }
  return nullptr;
}

bool RequestFields::Has(std::string_view name) const {
  const Value* value = Find(name);
  return value != nullptr && !std::holds_alternative<std::monostate>(*value);
}

const std::string* RequestFields::String(std::string_view name) const {
  const Value* value = Find(name);
  return value == nullptr ? nullptr : std::get_if<std::string>(value);
}

const std::int64_t* RequestFields::Integer(std::string_view name) const {
  const Value* value = Find(name);
  return value == nullptr ? nullptr : std::get_if<std::int64_t>(value);
}

const bool* RequestFields::Bool(std::string_view name) const {
  const Value* value = Find(name);
  return value == nullptr ? nullptr : std::get_if<bool>(value);
}

}  // namespace tradingd::control
