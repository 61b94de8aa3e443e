#include "app/config.h"

#include <gtest/gtest.h>

#include <map>

namespace tradingd::app {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

const char* kMinimal = R"(
mode = "sandbox"
[venues.binance]
enabled = true
instruments = ["BTC-USDT", "ETH-USDT"]
)";

core::Result<Config> Parse(const std::string& text, std::map<std::string, std::string> env = {}) {
  return ParseConfig(text, "test.toml", FakeEnv(std::move(env)));
}

TEST(ConfigTest, MinimalFileGetsDefaults) {
  auto config = Parse(kMinimal);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->mode, Mode::kSandbox);
  EXPECT_EQ(config->listen_address, "127.0.0.1");
  EXPECT_EQ(config->listen_port, 8080);
  ASSERT_EQ(config->EnabledVenues().size(), 1u);
  const VenueConfig* binance = config->Venue(core::Venue::kBinance);
  EXPECT_EQ(binance->ws_url, "wss://stream.binance.com:9443");
  EXPECT_EQ(binance->instruments.size(), 2u);
}

TEST(ConfigTest, ShippedConfigsAreValid) {
  for (const char* path : {"configs/sandbox.toml", "configs/live.example.toml"}) {
    auto config = LoadConfig(std::string(TRADINGD_SOURCE_DIR) + "/" + path, FakeEnv({}));
    ASSERT_TRUE(config.ok()) << path << ": " << config.status().ToString();
  }
}

struct BadCase {
  const char* name;
  std::string text;
  const char* expected;  // a fragment of the error, with its line
};

TEST(ConfigTest, RejectsBadFilesWithFileLineAndReason) {
  const std::string venue = "[venues.binance]\nenabled = true\ninstruments = [\"BTC-USDT\"]\n";
  const std::vector<BadCase> cases = {
      {"unknown top key", "colour = 1\n" + venue, "test.toml:1:1: unknown key 'colour'"},
      {"unknown venue key", venue + "speed = 3\n", "test.toml:4:1: unknown key 'speed' in [venues.binance]"},
      {"unknown venue", venue + "[venues.nasdaq]\n", "unknown venue 'nasdaq'"},
      {"bad mode", "mode = \"paper\"\n" + venue, "test.toml:1:8: mode must be"},
      {"wrong type", "[log]\nlevel = 3\n" + venue, "test.toml:2:9: [log].level must be a string"},
      {"bad level", "[log]\nlevel = \"loud\"\n" + venue, "log.level must be one of"},
      {"range", "[engine]\nqueue_capacity = 1\n" + venue, "out of range"},
      {"bad url", "[venues.binance]\nenabled = true\ninstruments = [\"BTC-USDT\"]\nws_url = \"ftp://x\"\n",
       "ws_url 'ftp://x' is not a valid URL"},
      {"bad instrument", "[venues.binance]\nenabled = true\ninstruments = [\"BTCUSDT\"]\n",
       "must be BASE-QUOTE"},
      {"duplicate instrument",
       "[venues.binance]\nenabled = true\ninstruments = [\"BTC-USDT\", \"btc-usdt\"]\n", "listed twice"},
      {"no instruments", "[venues.binance]\nenabled = true\n", "lists no instruments"},
      {"nothing enabled", "mode = \"sandbox\"\n", "no venue is enabled"},
      {"secret in file", venue + "api_secret = \"abc\"\n", "secrets are read from the environment only"},
      {"kraken depth", venue + "[venues.kraken]\nenabled = true\ninstruments = [\"BTC-USD\"]\nbook_depth = 20\n",
       "Kraken books are 10, 25, 100, 500 or 1000 deep, not 20"},
      {"bybit spot depth", venue + "[venues.bybit]\nenabled = true\ninstruments = [\"BTC-USDT\"]\nbook_depth = 500\n",
       "Bybit books are 1, 50, 200 or 1000 deep, not 500"},
      {"depth on okx", venue + "[venues.okx]\nenabled = true\ninstruments = [\"BTC-USDT\"]\nbook_depth = 50\n",
       "okx takes no book depth"},
      {"snapshot depth off binance", venue + "[venues.kraken]\nenabled = true\ninstruments = [\"BTC-USD\"]\nsnapshot_depth = 50\n",
       "only Binance books take a REST snapshot"},
      {"coinbase feed", venue + "[venues.coinbase]\nenabled = true\ninstruments = [\"BTC-USD\"]\nfeed = \"pro\"\n",
       "must be \"exchange\" or \"advanced-trade\", not \"pro\""},
      {"bybit category",
       venue + "[venues.bybit]\nenabled = true\ninstruments = [\"BTC-USDT\"]\nws_url = \"wss://stream.bybit.com/v5/public/option\"\n",
       "is not a Bybit public stream: its path must end in /v5/public/spot or /v5/public/linear"},
      {"feed off coinbase", venue + "feed = \"exchange\"\n", "only Coinbase has two feeds"},
      {"partial depth levels", venue + "partial_depth_levels = 15\n", "must be 5, 10 or 20, not 15"},
      {"partial depth instrument", venue + "partial_depth_instruments = [\"ETH-USDT\"]\n",
       "'ETH-USDT' is not one of this venue's instruments"},
      {"partial depth off binance",
       venue + "[venues.okx]\nenabled = true\ninstruments = [\"BTC-USDT\"]\npartial_depth_levels = 5\n",
       "partial depth streams are Binance's"},
      {"syntax", "mode = \n", "test.toml:1:"},
      {"listen", "[server]\nlisten = \"localhost\"\n" + venue, "must be ADDRESS:PORT"},
      {"replay without files", "[sandbox]\nmarket = \"replay\"\n" + venue, "needs sandbox.replay_files"},
  };
  for (const BadCase& c : cases) {
    auto config = Parse(c.text);
    ASSERT_FALSE(config.ok()) << c.name;
    EXPECT_NE(config.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << config.status().message();
    EXPECT_EQ(config.status().code(), core::ErrorCode::kInvalidConfig);
  }
}

TEST(ConfigTest, SecretsComeFromTheEnvironmentAndNeverShow) {
  auto config = Parse(kMinimal, {{"BINANCE_API_KEY", "key-AAAA"},
                                 {"BINANCE_API_SECRET", "secret-BBBB"},
                                 {"TRADINGD_STATE_DIR", "/tmp/td-state"}});
  ASSERT_TRUE(config.ok());
  const VenueConfig* binance = config->Venue(core::Venue::kBinance);
  EXPECT_EQ(binance->credentials.api_key, "key-AAAA");
  EXPECT_EQ(binance->credentials.api_secret, "secret-BBBB");
  EXPECT_EQ(config->state_dir, "/tmp/td-state");
  const std::string json = ConfigToJson(*config);
  EXPECT_EQ(json.find("key-AAAA"), std::string::npos);
  EXPECT_EQ(json.find("secret-BBBB"), std::string::npos);
  EXPECT_NE(json.find("\"api_key_set\":true"), std::string::npos);
  EXPECT_NE(json.find("\"passphrase_set\":false"), std::string::npos);  // coinbase/okx only
}

TEST(ConfigTest, ListenOverride) {
  auto config = Parse(kMinimal);
  ASSERT_TRUE(config.ok());
  ASSERT_TRUE(ApplyListenOverride(*config, "0.0.0.0:9090").ok());
  EXPECT_EQ(config->listen_address, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 9090);
  ASSERT_TRUE(ApplyListenOverride(*config, "[::1]:81").ok());
  EXPECT_EQ(config->listen_address, "::1");
  EXPECT_FALSE(ApplyListenOverride(*config, "127.0.0.1:70000").ok());
  EXPECT_FALSE(ApplyListenOverride(*config, "127.0.0.1:").ok());
  EXPECT_FALSE(ApplyListenOverride(*config, "127.0.0.1:8a").ok());
}

TEST(ConfigTest, VenueOptionsTakeTheVenuesDefaults) {
  auto config = Parse(
      "[venues.coinbase]\nenabled = true\ninstruments = [\"BTC-USD\"]\nfeed = \"advanced-trade\"\n"
      "[venues.kraken]\nenabled = true\ninstruments = [\"BTC-USD\"]\nbook_depth = 100\n"
      "[venues.bybit]\nenabled = true\ninstruments = [\"BTC-USDT\"]\n"
      "ws_url = \"wss://stream.bybit.com/v5/public/linear\"\nbook_depth = 200\n");
  ASSERT_TRUE(config.ok()) << config.status().message();
  const VenueConfig* coinbase = config->Venue(core::Venue::kCoinbase);
  EXPECT_EQ(coinbase->feed, "advanced-trade");
  EXPECT_EQ(coinbase->ws_url, "wss://advanced-trade-ws.coinbase.com");
  EXPECT_EQ(coinbase->rest_url, "https://api.coinbase.com");
  EXPECT_EQ(config->Venue(core::Venue::kKraken)->book_depth, 100);
  EXPECT_EQ(config->Venue(core::Venue::kBybit)->book_depth, 200);
  auto exchange = Parse("[venues.coinbase]\nenabled = true\ninstruments = [\"BTC-USD\"]\n");
  ASSERT_TRUE(exchange.ok());
  EXPECT_EQ(exchange->Venue(core::Venue::kCoinbase)->feed, "exchange");
  EXPECT_EQ(exchange->Venue(core::Venue::kCoinbase)->ws_url, "wss://ws-feed.exchange.coinbase.com");
}

}  // namespace
}  // namespace tradingd::app
