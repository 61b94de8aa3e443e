#pragma once
// Instruments and the symbol registry: the venue's spelling ("BTCUSDT", "XBT/USD") and the canonical
// name ("BTC-USDT") of every instrument the daemon trades or watches.
//
// Thread contract: a SymbolRegistry is filled on the main thread at start-up, before any other thread
// starts, and is read-only afterwards; then every thread may read it without locks. Trading rules that
// the venue reports at run time (tick size, lot size, ...) are not kept here: they travel as
// InstrumentRules events to the engine, which owns them.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/decimal.h"
#include "core/status.h"
#include "core/venue.h"

namespace tradingd::core {

using InstrumentId = std::uint32_t;
inline constexpr InstrumentId kNoInstrument = UINT32_MAX;

struct Instrument {
  InstrumentId id = kNoInstrument;
  Venue venue = Venue::kBinance;
  std::string base;          // canonical asset names: "BTC", never "XBT"
  std::string quote;         // "USDT"
  std::string canonical;     // "BTC-USDT"
  std::string venue_symbol;  // "BTCUSDT" as the venue spells it on the wire
  // Scales of the mantissas parsed from this venue's feed (fractional digits). Chosen per venue so
  // that every price and quantity the venue can send is exact and fits an int64.
  int price_scale = 8;
  int quantity_scale = 8;
};

// The canonical form of an asset: upper case, venue aliases resolved ("XBT" and "xbt" → "BTC").
std::string CanonicalAsset(std::string_view asset);

class SymbolRegistry {
 public:
  // Adds BASE/QUOTE on `venue`; the venue spelling comes from VenueSymbol unless given.
  // Fails on an empty or malformed asset name or a duplicate.
  Result<InstrumentId> Add(Venue venue, std::string_view base, std::string_view quote,
                           std::string_view venue_symbol = {}, int price_scale = 8,
                           int quantity_scale = 8);

  // Finds an instrument by any accepted spelling, case-insensitively: the venue's own ("BTCUSDT",
  // "XBT/USD"), the canonical "BTC-USDT", or "BTC/USDT". Null when the venue does not list it.
  const Instrument* Find(Venue venue, std::string_view symbol) const;
  // Finds by the exact venue wire spelling (hot path: no case folding, no allocation).
  const Instrument* FindByVenueSymbol(Venue venue, std::string_view venue_symbol) const;

  const Instrument& Get(InstrumentId id) const { return *instruments_[id]; }
  std::size_t size() const { return instruments_.size(); }
  std::vector<const Instrument*> ForVenue(Venue venue) const;
  std::vector<const Instrument*> All() const;

 private:
  // Pointers stay stable as instruments are added.
  std::vector<std::unique_ptr<Instrument>> instruments_;
  // Key: venue index, '|', upper-case spelling.
  std::unordered_map<std::string, InstrumentId> by_spelling_;
};

}  // namespace tradingd::core
