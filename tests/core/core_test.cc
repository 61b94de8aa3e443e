#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/events.h"
#include "core/instrument.h"
#include "core/json_writer.h"
#include "core/text.h"
#include "core/venue.h"

namespace tradingd::core {
namespace {

TEST(VenueTest, NamesRoundTripCaseInsensitively) {
  for (int i = 0; i < kVenueCount; ++i) {
    const auto venue = static_cast<Venue>(i);
    EXPECT_EQ(ParseVenue(VenueName(venue)), venue);
  }
  EXPECT_EQ(ParseVenue("BINANCE"), Venue::kBinance);
  EXPECT_EQ(ParseVenue("Kraken"), Venue::kKraken);
  EXPECT_FALSE(ParseVenue("nasdaq").has_value());
  EXPECT_FALSE(ParseVenue("").has_value());
}

TEST(VenueTest, VenueSpellings) {
  EXPECT_EQ(VenueSymbol(Venue::kBinance, "BTC", "USDT"), "BTCUSDT");
  EXPECT_EQ(VenueSymbol(Venue::kCoinbase, "BTC", "USD"), "BTC-USD");
  EXPECT_EQ(VenueSymbol(Venue::kKraken, "BTC", "USD"), "BTC/USD");
  EXPECT_EQ(VenueSymbol(Venue::kOkx, "BTC", "USDT"), "BTC-USDT");
  EXPECT_EQ(VenueSymbol(Venue::kBybit, "ETH", "USDT"), "ETHUSDT");
}

TEST(SymbolRegistryTest, FindsEverySpelling) {
  SymbolRegistry registry;
  auto btc = registry.Add(Venue::kBinance, "BTC", "USDT");
  ASSERT_TRUE(btc.ok());
  auto kraken = registry.Add(Venue::kKraken, "XBT", "USD");
  ASSERT_TRUE(kraken.ok());

  const Instrument& instrument = registry.Get(*btc);
  EXPECT_EQ(instrument.canonical, "BTC-USDT");
  EXPECT_EQ(instrument.venue_symbol, "BTCUSDT");
  for (const char* spelling : {"BTCUSDT", "btcusdt", "BTC-USDT", "btc-usdt", "BTC/USDT"}) {
    const Instrument* found = registry.Find(Venue::kBinance, spelling);
    ASSERT_NE(found, nullptr) << spelling;
    EXPECT_EQ(found->id, *btc);
  }
  EXPECT_EQ(registry.Find(Venue::kCoinbase, "BTC-USDT"), nullptr);
  EXPECT_EQ(registry.Find(Venue::kBinance, "ETHUSDT"), nullptr);
  EXPECT_EQ(registry.FindByVenueSymbol(Venue::kBinance, "BTCUSDT")->id, *btc);
  EXPECT_EQ(registry.FindByVenueSymbol(Venue::kBinance, "btcusdt"), nullptr);

  // Kraken's XBT is BTC.
  const Instrument& k = registry.Get(*kraken);
  EXPECT_EQ(k.canonical, "BTC-USD");
  EXPECT_EQ(registry.Find(Venue::kKraken, "XBT/USD")->id, *kraken);
  EXPECT_EQ(registry.Find(Venue::kKraken, "BTC-USD")->id, *kraken);
  EXPECT_EQ(registry.ForVenue(Venue::kKraken).size(), 1u);
}

TEST(SymbolRegistryTest, RejectsDuplicatesAndBadNames) {
  SymbolRegistry registry;
  ASSERT_TRUE(registry.Add(Venue::kBinance, "BTC", "USDT").ok());
  EXPECT_FALSE(registry.Add(Venue::kBinance, "btc", "usdt").ok());
  EXPECT_FALSE(registry.Add(Venue::kBinance, "", "USDT").ok());
  EXPECT_FALSE(registry.Add(Venue::kBinance, "BT C", "USDT").ok());
  EXPECT_FALSE(registry.Add(Venue::kBinance, "ETH", "USDT", "", 19, 8).ok());
  EXPECT_EQ(registry.size(), 1u);
}

TEST(JsonWriterTest, EscapesAndSeparates) {
  JsonWriter w;
  w.BeginObject()
      .Key("a")
      .String("q\"uote\\ \n\x01")
      .Key("n")
      .Int(-5)
      .Key("list")
      .BeginArray()
      .Bool(true)
      .Null()
      .RawNumber("1.50")
      .EndArray()
      .Key("bad")
      .String("\xff\xc3\xa9")
      .EndObject();
  EXPECT_EQ(w.str(),
            "{\"a\":\"q\\\"uote\\\\ \\n\\u0001\",\"n\":-5,\"list\":[true,null,1.50],"
            "\"bad\":\"\xEF\xBF\xBD\xc3\xa9\"}");
}

TEST(TextTest, Utf8Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xff"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(FeedStatusTest, LastErrorIsCutToFitWithoutSplittingACharacter) {
  FeedStatus status;
  EXPECT_TRUE(status.last_error_text().empty());
  status.SetLastError("short", 5);
  EXPECT_EQ(status.last_error_text(), "short");
  EXPECT_EQ(status.last_error_ns, 5);
  std::string long_text(sizeof(status.last_error) - 2, 'x');
  long_text += "\xc3\xa9\xc3\xa9";  // "éé" across the cut
  status.SetLastError(long_text, 6);
  EXPECT_LT(status.last_error_text().size(), sizeof(status.last_error));
  EXPECT_TRUE(IsValidUtf8(status.last_error_text()));
}

TEST(ClockTest, FormatsRfc3339Milliseconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1704110400000000000), "2024-01-01T12:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(1723161255208123456), "2024-08-08T23:54:15.208Z");
  ManualClock clock(5);
  clock.Advance(10);
  EXPECT_EQ(clock.NowNs(), 15);
}

TEST(ClockTest, ParsesRfc3339Utc) {
  std::int64_t ns = 0;
  ASSERT_TRUE(ParseTimestamp("2023-07-30T15:29:58.343415Z", &ns));
  EXPECT_EQ(ns, 1690730998343415000);
  ASSERT_TRUE(ParseTimestamp("1970-01-01T00:00:00Z", &ns));
  EXPECT_EQ(ns, 0);
  ASSERT_TRUE(ParseTimestamp("2024-02-29T23:59:59.123456789Z", &ns));
  EXPECT_EQ(ns, 1709251199123456789);
  // Round trip with FormatTimestamp at millisecond precision.
  ASSERT_TRUE(ParseTimestamp(FormatTimestamp(1723161255208000000), &ns));
  EXPECT_EQ(ns, 1723161255208000000);
  ASSERT_TRUE(ParseTimestamp("2023-07-30T17:29:58.343415+02:00", &ns));
  EXPECT_EQ(ns, 1690730998343415000);
  for (const char* bad : {"", "2023-07-30T15:29:58", "2023-07-30T15:29:58+1:00",
                          "2023-02-30T00:00:00Z", "2023-07-30T24:00:00Z",
                          "2023-07-30T15:29:58.Z", "1969-12-31T23:59:59Z",
                          "2023-07-30T15:2a:58Z", "2023-13-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad, &ns)) << bad;
  }
}

}  // namespace
}  // namespace tradingd::core
