#pragma once
// Error reporting for the control plane and start-up: a stable code plus a human message.
// The hot path uses the narrower [[nodiscard]] enums of each module instead (no strings).

#include <string>
#include <utility>
#include <variant>

namespace tradingd::core {

// Stable error codes; the REST layer maps them one to one onto api.md's codes.
enum class ErrorCode {
  kOk = 0,
  kBadRequest,
  kUnknownExchange,
  kUnknownSymbol,
  kUnauthorized,
  kBookNotReady,
  kNotFound,
  kUnavailable,
  kInvalidConfig,
  kIoError,
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return {}; }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : state_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  Status status() const { return ok() ? Status::Ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace tradingd::core
