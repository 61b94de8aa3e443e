#pragma once
// The venues tradingd speaks to, and each venue's spelling of an instrument.
//
// Thread contract: pure functions; safe from any thread.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tradingd::core {

enum class Venue : std::uint8_t {
  kBinance = 0,
  kBinanceUsdm,
  kCoinbase,
  kKraken,
  kOkx,
  kBybit,
};
inline constexpr int kVenueCount = 6;

// "binance", "binance-usdm", "coinbase", "kraken", "okx", "bybit".
std::string_view VenueName(Venue venue);
// Case-insensitive inverse of VenueName.
std::optional<Venue> ParseVenue(std::string_view name);

// The venue's own symbol for BASE/QUOTE: "BTCUSDT" on Binance and Bybit, "BTC-USD" on Coinbase and
// OKX, "BTC/USD" on Kraken (WS v2 spelling).
std::string VenueSymbol(Venue venue, std::string_view base, std::string_view quote);

}  // namespace tradingd::core
