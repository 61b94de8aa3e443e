#pragma once
// Logging set-up: one asynchronous spdlog logger (a background thread does the I/O, so no caller
// ever blocks on stdout), plain text or JSON lines. Nothing logs per market-data message; secrets are
// never passed to a log call.
//
// Thread contract: InitLogging/ShutdownLogging on the main thread; the logger is used from any thread.

#include <string>

#include "core/status.h"

namespace tradingd::app {

// level: trace..off; format: plain or json.
core::Status InitLogging(const std::string& level, const std::string& format);
// Flushes and stops the logging thread.
void ShutdownLogging();

}  // namespace tradingd::app
