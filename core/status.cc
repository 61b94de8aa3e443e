#include "core/status.h"

namespace tradingd::core {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk: return "OK";
    case ErrorCode::kBadRequest: return "BAD_REQUEST";
    case ErrorCode::kUnknownExchange: return "UNKNOWN_EXCHANGE";
    case ErrorCode::kUnknownSymbol: return "UNKNOWN_SYMBOL";
    case ErrorCode::kUnauthorized: return "UNAUTHORIZED";
    case ErrorCode::kBookNotReady: return "BOOK_NOT_READY";
    case ErrorCode::kNotFound: return "NOT_FOUND";
    case ErrorCode::kUnavailable: return "VENUE_UNAVAILABLE";
    case ErrorCode::kInvalidConfig: return "INVALID_CONFIG";
    case ErrorCode::kIoError: return "IO_ERROR";
    case ErrorCode::kInternal: return "INTERNAL";
  }
  return "INTERNAL";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(ErrorCodeName(code_)) + ": " + message_;
}

}  // namespace tradingd::core
