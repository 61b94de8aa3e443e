#pragma once
// A minimal streaming JSON writer for control-plane answers and reports: correct escaping, commas
// managed for the caller, no DOM. Not for the hot path (it appends to a std::string).
//
// Thread contract: one writer per thread.

#include <cstdint>
#include <string>
#include <string_view>

namespace tradingd::core {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(std::int64_t value);
  JsonWriter& Uint(std::uint64_t value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // A number already formatted as JSON (a fixed decimal, a float from fmt); written as is.
  JsonWriter& RawNumber(std::string_view value);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void Separate();
  std::string out_;
  bool need_comma_ = false;
  bool after_key_ = false;
};

// Appends `value` as a quoted JSON string; bytes that are not valid UTF-8 become U+FFFD.
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace tradingd::core
