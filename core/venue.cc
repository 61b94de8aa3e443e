#include "core/venue.h"

#include <array>

#include "core/text.h"

namespace tradingd::core {
namespace {
constexpr std::array<std::string_view, kVenueCount> kNames = {"binance", "binance-usdm", "coinbase",
                                                              "kraken",  "okx",          "bybit"};
}  // namespace

std::string_view VenueName(Venue venue) { return kNames[static_cast<std::size_t>(venue)]; }

std::optional<Venue> ParseVenue(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (EqualsIgnoreCase(name, kNames[i])) return static_cast<Venue>(i);
  }
  return std::nullopt;
}

std::string VenueSymbol(Venue venue, std::string_view base, std::string_view quote) {
  std::string symbol;
  switch (venue) {
    case Venue::kBinance:
    case Venue::kBinanceUsdm:
    case Venue::kBybit:
      symbol.append(base).append(quote);
      break;
    case Venue::kCoinbase:
    case Venue::kOkx:
      symbol.append(base).append("-").append(quote);
      break;
    case Venue::kKraken:
      symbol.append(base).append("/").append(quote);
      break;
  }
  return symbol;
}

}  // namespace tradingd::core
