#pragma once

namespace tradingd::app {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace tradingd::app
