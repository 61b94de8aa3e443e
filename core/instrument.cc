#include "core/instrument.h"

#include "core/text.h"

namespace tradingd::core {
namespace {

std::string SpellingKey(Venue venue, std::string_view spelling) {
  std::string key;
  key.reserve(spelling.size() + 3);
  key.push_back(static_cast<char>('0' + static_cast<int>(venue)));
  key.push_back('|');
  for (char c : spelling) key.push_back(AsciiToUpper(c));
  return key;
}

bool IsAssetName(std::string_view asset) {
  if (asset.empty() || asset.size() > 16) return false;
  for (char c : asset) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Splits "BTC-USDT" or "BTC/USDT" into its assets.
bool SplitPair(std::string_view symbol, std::string_view* base, std::string_view* quote) {
  auto pos = symbol.find_first_of("-/");
  if (pos == std::string_view::npos) return false;
  *base = symbol.substr(0, pos);
  *quote = symbol.substr(pos + 1);
  return IsAssetName(*base) && IsAssetName(*quote);
}

}  // namespace

std::string CanonicalAsset(std::string_view asset) {
  std::string upper = ToUpperAscii(asset);
  if (upper == "XBT") return "BTC";
  if (upper == "XDG") return "DOGE";
  return upper;
}

Result<InstrumentId> SymbolRegistry::Add(Venue venue, std::string_view base, std::string_view quote,
                                         std::string_view venue_symbol, int price_scale,
                                         int quantity_scale) {
  if (!IsAssetName(base) || !IsAssetName(quote)) {
    return Status(ErrorCode::kInvalidConfig,
                  "instrument assets must be 1-16 letters or digits, got '" + std::string(base) +
                      "' and '" + std::string(quote) + "'");
  }
  if (price_scale < 0 || price_scale > kMaxDecimalScale || quantity_scale < 0 ||
      quantity_scale > kMaxDecimalScale) {
    return Status(ErrorCode::kInvalidConfig, "instrument scale out of range");
  }
  auto instrument = std::make_unique<Instrument>();
  instrument->venue = venue;
  instrument->base = CanonicalAsset(base);
  instrument->quote = CanonicalAsset(quote);
  instrument->canonical = instrument->base + "-" + instrument->quote;
  instrument->venue_symbol = venue_symbol.empty() ? VenueSymbol(venue, base, quote)
                                                  : std::string(venue_symbol);
  instrument->price_scale = price_scale;
  instrument->quantity_scale = quantity_scale;

  const std::string wire_key = SpellingKey(venue, instrument->venue_symbol);
  const std::string canonical_key = SpellingKey(venue, instrument->canonical);
  if (by_spelling_.count(wire_key) != 0 || by_spelling_.count(canonical_key) != 0) {
    return Status(ErrorCode::kInvalidConfig, "instrument " + instrument->canonical +
                                                 " is listed twice for " +
                                                 std::string(VenueName(venue)));
  }
  const auto id = static_cast<InstrumentId>(instruments_.size());
  instrument->id = id;
  by_spelling_[wire_key] = id;
  by_spelling_[canonical_key] = id;
  by_spelling_[SpellingKey(venue, instrument->base + "/" + instrument->quote)] = id;
  instruments_.push_back(std::move(instrument));
  return id;
}

const Instrument* SymbolRegistry::Find(Venue venue, std::string_view symbol) const {
  auto it = by_spelling_.find(SpellingKey(venue, symbol));
  if (it != by_spelling_.end()) return instruments_[it->second].get();
  // Venue aliases inside a pair ("XBT/USD", "XBT-USD").
  std::string_view base;
  std::string_view quote;
  if (SplitPair(symbol, &base, &quote)) {
    it = by_spelling_.find(SpellingKey(venue, CanonicalAsset(base) + "-" + CanonicalAsset(quote)));
    if (it != by_spelling_.end()) return instruments_[it->second].get();
  }
  return nullptr;
}

const Instrument* SymbolRegistry::FindByVenueSymbol(Venue venue, std::string_view venue_symbol) const {
  // Few instruments per venue: a linear scan beats hashing and never allocates.
  for (const auto& instrument : instruments_) {
    if (instrument->venue == venue && instrument->venue_symbol == venue_symbol) return instrument.get();
  }
  return nullptr;
}

std::vector<const Instrument*> SymbolRegistry::ForVenue(Venue venue) const {
  std::vector<const Instrument*> out;
  for (const auto& instrument : instruments_) {
    if (instrument->venue == venue) out.push_back(instrument.get());
  }
  return out;
}

std::vector<const Instrument*> SymbolRegistry::All() const {
  std::vector<const Instrument*> out;
  for (const auto& instrument : instruments_) out.push_back(instrument.get());
  return out;
}

}  // namespace tradingd::core
