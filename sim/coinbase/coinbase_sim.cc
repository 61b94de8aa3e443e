#include "sim/coinbase/coinbase_sim.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "core/decimal.h"
#include "gateways/coinbase/coinbase_signing.h"
#include "sim/coinbase/coinbase_wire.h"

namespace tradingd::sim::coinbase {
namespace {

namespace od = simdjson::ondemand;

constexpr std::string_view kProductsPathExchange = "/products";
constexpr std::string_view kProductsPathAdvanced = "/api/v3/brokerage/market/products";

// Coinbase's own texts (captured by client projects, see venue-protocols-ref.md section 4).
constexpr std::string_view kFailedToSubscribe = "Failed to subscribe";
constexpr std::string_view kAuthRequired =
    "level2, level3, and full channels now require authentication. "
    "https://docs.cloud.coinbase.com/exchange/docs/websocket-auth";
constexpr std::string_view kNotAuthenticated = "Sorry, you could not be authenticated: Bad Request";
constexpr std::string_view kAdvancedRefusal = "failure to subscribe";
// Coinbase documents no text for these; the wording is the sim's own.
constexpr std::string_view kMalformedJson = "Malformed JSON";
constexpr std::string_view kMalformedRequest = "Malformed subscribe message";
constexpr std::string_view kAdvancedMalformed = "failure to parse message";

// Bounds on what a hostile client can make the sim hold.
constexpr std::size_t kMaxListEntries = 1000;
constexpr std::size_t kRecentTrades = 50;  // an Advanced Trade market_trades snapshot

// What every session of the dialect shares (io thread only).
struct Shared {
  CoinbaseDialectOptions options;
  gateways::coinbase::ExchangeSigner signer;
  od::parser parser;
};

// A client's subscribe or unsubscribe, in either feed's shape.
struct ClientRequest {
  struct Channel {
    std::string name;
    bool has_products = false;
    std::vector<std::string> product_ids;
  };
  std::string type;
  bool has_product_ids = false;
  std::vector<std::string> product_ids;
  bool has_channels = false;  // Exchange: "channels"
  std::vector<Channel> channels;
  bool has_channel = false;  // Advanced Trade: "channel"
  std::string channel;
  bool has_auth = false;  // any of the four Exchange authentication fields
  std::string signature, key, passphrase, timestamp;
};

enum class RequestError : std::uint8_t { kOk, kJson, kShape };

RequestError FromSimdjson(simdjson::error_code error) {
  switch (error) {
    case simdjson::SUCCESS:
      return RequestError::kOk;
    case simdjson::INCORRECT_TYPE:
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return RequestError::kShape;
    default:
      return RequestError::kJson;
  }
}

RequestError ReadString(od::value value, std::string* out) {
  std::string_view text;
  if (auto e = value.get_string().get(text); e) return FromSimdjson(e);
  out->assign(text);
  return RequestError::kOk;
}

RequestError ReadStrings(od::value value, std::vector<std::string>* out) {
  od::array array;
  if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
  for (auto element : array) {
    od::value item;
    if (auto e = std::move(element).get(item); e) return FromSimdjson(e);
    if (out->size() >= kMaxListEntries) return RequestError::kShape;
    out->emplace_back();
    if (auto e = ReadString(item, &out->back()); e != RequestError::kOk) return e;
  }
  return RequestError::kOk;
}

RequestError ReadChannels(od::value value, std::vector<ClientRequest::Channel>* out) {
  od::array array;
  if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
  for (auto element : array) {
    od::value item;
    if (auto e = std::move(element).get(item); e) return FromSimdjson(e);
    if (out->size() >= kMaxListEntries) return RequestError::kShape;
    ClientRequest::Channel channel;
    od::json_type type;
    if (auto e = item.type().get(type); e) return FromSimdjson(e);
    if (type == od::json_type::string) {
      if (auto e = ReadString(item, &channel.name); e != RequestError::kOk) return e;
    } else if (type == od::json_type::object) {
      od::object object;
      if (auto e = item.get_object().get(object); e) return FromSimdjson(e);
      for (auto field_result : object) {
        od::field field;
        if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
        std::string_view key;
        if (auto e = field.unescaped_key().get(key); e) return FromSimdjson(e);
        if (key == "name") {
          if (auto e = ReadString(field.value(), &channel.name); e != RequestError::kOk) return e;
        } else if (key == "product_ids") {
          channel.has_products = true;
          if (auto e = ReadStrings(field.value(), &channel.product_ids); e != RequestError::kOk) {
            return e;
          }
        }
      }
      if (channel.name.empty()) return RequestError::kShape;
    } else {
      return RequestError::kShape;
    }
    out->push_back(std::move(channel));
  }
  return RequestError::kOk;
}

// Hostile input: any JSON, any bytes. Unknown fields are ignored, as Coinbase does.
RequestError ParseRequest(od::parser& parser, std::string_view text, ClientRequest* out) {
  const simdjson::padded_string padded(text);
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc); e) return RequestError::kJson;
  od::object root;
  if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
  for (auto field_result : root) {
    od::field field;
    if (auto e = std::move(field_result).get(field); e) return FromSimdjson(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key); e) return FromSimdjson(e);
    RequestError error = RequestError::kOk;
    if (key == "type") {
      error = ReadString(field.value(), &out->type);
    } else if (key == "product_ids") {
      out->has_product_ids = true;
      error = ReadStrings(field.value(), &out->product_ids);
    } else if (key == "channels") {
      out->has_channels = true;
      error = ReadChannels(field.value(), &out->channels);
    } else if (key == "channel") {
      out->has_channel = true;
      error = ReadString(field.value(), &out->channel);
    } else if (key == "signature" || key == "key" || key == "passphrase" || key == "timestamp") {
      // Coinbase wants the timestamp as a string: a number is refused.
      out->has_auth = true;
      std::string* target = key == "signature"    ? &out->signature
                            : key == "key"        ? &out->key
                            : key == "passphrase" ? &out->passphrase
                                                  : &out->timestamp;
      error = ReadString(field.value(), target);
    }
    if (error != RequestError::kOk) return error;
  }
  // Nothing but whitespace may follow the object.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return RequestError::kJson;
  return RequestError::kOk;
}

TickerStats InitialStats(const SymbolSpec& spec) {
  TickerStats stats;
  stats.open_24h = stats.high_24h = stats.low_24h = stats.price = spec.start_price;
  return stats;
}

void AddTrade(TickerStats& stats, const TradePrint& trade) {
  stats.price = trade.price;
  stats.high_24h = std::max(stats.high_24h, trade.price);
  stats.low_24h = std::min(stats.low_24h, trade.price);
  stats.volume_24h += trade.quantity;
  stats.volume_30d += trade.quantity;
}

bool TopIsTwoSided(const TopOfBook& top) { return top.bid_quantity > 0 && top.ask_quantity > 0; }

// ---- Exchange ---------------------------------------------------------------------------------

class ExchangeSession final : public StreamSession {
 public:
  ExchangeSession(std::shared_ptr<Shared> shared, const StreamMarket& market)
      : shared_(std::move(shared)), market_(market), products_(market.symbol_count()) {
    for (std::size_t i = 0; i < products_.size(); ++i) {
      products_[i].sequence = market.book(i).last_update_id();
      products_[i].stats = InitialStats(market.spec(i));
      products_[i].precision = ExchangePrecisionOf(market.spec(i));
    }
  }

  void OnClientText(std::string_view text, StreamOutput& out) override {
    ClientRequest request;
    const RequestError error = ParseRequest(shared_->parser, text, &request);
    if (error != RequestError::kOk) {
      out.Send(ExchangeError(kFailedToSubscribe,
                             error == RequestError::kJson ? kMalformedJson : kMalformedRequest));
      return;
    }
    const bool subscribe = request.type == "subscribe";
    if (!subscribe && request.type != "unsubscribe") {
      out.Send(ExchangeError(kFailedToSubscribe, kMalformedRequest));
      return;
    }
    if (!request.has_channels || request.channels.empty()) {
      out.Send(ExchangeError(kFailedToSubscribe, "No channels provided"));
      return;
    }
    // Resolve every channel before changing anything: a refused request changes nothing.
    struct Change {
      std::uint8_t channel;
      std::vector<std::size_t> symbols;  // empty on unsubscribe: the whole channel
    };
    std::vector<Change> changes;
    bool needs_auth = false;
    for (const ClientRequest::Channel& channel : request.channels) {
      const std::uint8_t bit = ChannelOf(channel.name);
      if (bit == 0) {
        // level3, full, user, balance and status are real channels the sandbox does not serve.
        out.Send(ExchangeError(kFailedToSubscribe,
                               fmt::format("{} is not a valid channel", channel.name)));
        return;
      }
      const std::vector<std::string>& ids =
          channel.has_products ? channel.product_ids : request.product_ids;
      Change change{bit, {}};
      if (ids.empty() && subscribe) {
        // What Coinbase answers a channel without products (an empty product id).
        out.Send(ExchangeError(kFailedToSubscribe, " is not a valid product"));
        return;
      }
      for (const std::string& id : ids) {
        const std::optional<std::size_t> symbol = market_.Find(id);
        if (!symbol) {
          out.Send(ExchangeError(kFailedToSubscribe, fmt::format("{} is not a valid product", id)));
          return;
        }
        change.symbols.push_back(*symbol);
      }
      needs_auth = needs_auth || (subscribe && bit == kLevel2);
      changes.push_back(std::move(change));
    }
    if (request.has_auth) {
      if (const std::string_view reason = CheckAuth(request); !reason.empty()) {
        out.Send(ExchangeError(kNotAuthenticated, reason));
        return;
      }
    } else if (needs_auth) {
      out.Send(ExchangeError(kFailedToSubscribe, kAuthRequired));
      return;
    }

    std::vector<std::pair<std::uint8_t, std::size_t>> added;
    for (const Change& change : changes) {
      if (!subscribe) {
        if (change.symbols.empty()) {
          for (Product& product : products_) product.channels &= ~change.channel;
        }
        for (std::size_t symbol : change.symbols) products_[symbol].channels &= ~change.channel;
        continue;
      }
      for (std::size_t symbol : change.symbols) {
        if ((products_[symbol].channels & change.channel) != 0) continue;
        products_[symbol].channels |= change.channel;
        added.emplace_back(change.channel, symbol);
      }
    }
    out.Send(ExchangeSubscriptions(Subscriptions()));
    for (const auto& [channel, symbol] : added) {
      Product& product = products_[symbol];
      const std::string& id = market_.spec(symbol).symbol;
      if (channel == kLevel2 || channel == kLevel2Batch) {
        out.Send(ExchangeSnapshot(id, market_.book(symbol).Levels(0), product.precision));
      } else if (channel == kMatches && product.has_last_trade) {
        out.Send(ExchangeMatch(id, product.last_trade, product.last_trade_sequence,
                               product.last_trade_ns, true));
      } else if (channel == kTicker && product.has_last_trade &&
                 TopIsTwoSided(market_.book(symbol).top())) {
        // As in the capture: subscribing sends the latest ticker at once, however old its trade.
        out.Send(ExchangeTicker(id, product.last_trade_sequence, product.last_trade, product.stats,
                                market_.book(symbol).top(), product.last_trade_ns,
                                product.precision));
      }
    }
  }

  void OnBookCut(const BookCut& cut, StreamOutput& out) override {
    Product& product = products_[cut.symbol];
    const std::string& id = market_.spec(cut.symbol).symbol;
    const std::int64_t now = market_.now_ns();
    // Trades and tickers carry the product's sequence; each trade is one step of it.
    const std::uint64_t first_sequence =
        cut.first_update_id != 0 ? cut.first_update_id : product.sequence + 1;
    for (std::size_t i = 0; i < cut.trades.size(); ++i) {
      const TradePrint& trade = cut.trades[i];
      AddTrade(product.stats, trade);
      product.last_trade = trade;
      product.has_last_trade = true;
      product.last_trade_sequence = first_sequence + i;
      product.last_trade_ns = now;
      if ((product.channels & kMatches) != 0) {
        out.Send(ExchangeMatch(id, trade, first_sequence + i, now, false));
      }
    }
    if (!cut.trades.empty() && (product.channels & kTicker) != 0 && TopIsTwoSided(cut.top)) {
      out.Send(ExchangeTicker(id, product.last_trade_sequence, product.last_trade, product.stats,
                              cut.top, now, product.precision));
    }
    if (cut.last_update_id != 0) product.sequence = std::max(product.sequence, cut.last_update_id);
    if (cut.bids.empty() && cut.asks.empty()) return;
    if ((product.channels & kLevel2) != 0) {
      // The level2 channel sends each change as it happens: one level per message.
      for (std::size_t i = 0; i < cut.bids.size(); ++i) {
        out.Send(ExchangeL2Update(id, cut.bids.subspan(i, 1), {}, now, product.precision));
      }
      for (std::size_t i = 0; i < cut.asks.size(); ++i) {
        out.Send(ExchangeL2Update(id, {}, cut.asks.subspan(i, 1), now, product.precision));
      }
    }
    if ((product.channels & kLevel2Batch) != 0) {
      out.Send(ExchangeL2Update(id, cut.bids, cut.asks, now, product.precision));
    }
  }

  void OnHeartbeat(StreamOutput& out) override {
    const std::int64_t now = market_.now_ns();
    for (std::size_t symbol = 0; symbol < products_.size(); ++symbol) {
      const Product& product = products_[symbol];
      if ((product.channels & kHeartbeat) == 0) continue;
      out.Send(ExchangeHeartbeat(market_.spec(symbol).symbol, product.sequence,
                                 product.has_last_trade ? product.last_trade.trade_id : 0, now));
    }
  }

  bool subscribed() const override {
    return std::any_of(products_.begin(), products_.end(),
                       [](const Product& p) { return p.channels != 0; });
  }

 private:
  enum ChannelBit : std::uint8_t {
    kLevel2 = 1,
    kLevel2Batch = 2,
    kTicker = 4,
    kMatches = 8,
    kHeartbeat = 16,
  };
  static constexpr std::array<std::pair<std::uint8_t, std::string_view>, 5> kChannelNames = {{
      {kLevel2, "level2"},
      {kLevel2Batch, "level2_batch"},
      {kTicker, "ticker"},
      {kMatches, "matches"},
      {kHeartbeat, "heartbeat"},
  }};

  struct Product {
    std::uint8_t channels = 0;
    std::uint64_t sequence = 0;  // the product's counter as of the last cut
    bool has_last_trade = false;
    TradePrint last_trade;
    std::uint64_t last_trade_sequence = 0;
    std::int64_t last_trade_ns = 0;
    TickerStats stats;
    ExchangePrecision precision;
  };

  static std::uint8_t ChannelOf(std::string_view name) {
    if (name == "level2_50") return kLevel2Batch;  // Coinbase's alias
    for (const auto& [bit, channel] : kChannelNames) {
      if (channel == name) return bit;
    }
    return 0;
  }

  std::vector<ChannelProducts> Subscriptions() const {
    std::vector<ChannelProducts> channels;
    for (const auto& [bit, name] : kChannelNames) {
      ChannelProducts entry{std::string(name), {}};
      for (std::size_t symbol = 0; symbol < products_.size(); ++symbol) {
        if ((products_[symbol].channels & bit) != 0) {
          entry.product_ids.push_back(market_.spec(symbol).symbol);
        }
      }
      if (!entry.product_ids.empty()) channels.push_back(std::move(entry));
    }
    return channels;
  }

  // Empty when the request's key, passphrase, timestamp and signature are the sandbox account's.
  std::string_view CheckAuth(const ClientRequest& request) {
    const CoinbaseDialectOptions& options = shared_->options;
    std::int64_t micros = 0;
    if (request.timestamp.empty() ||
        core::ParseDecimal(request.timestamp, 6, &micros) != core::DecimalError::kOk) {
      return "invalid timestamp";
    }
    const std::int64_t skew_us = std::abs(market_.now_ns() / 1000 - micros);
    if (skew_us >
        std::chrono::duration_cast<std::chrono::microseconds>(options.max_timestamp_skew).count()) {
      return "request timestamp expired";
    }
    if (request.key != options.api_key) return "Invalid API Key";
    if (request.passphrase != options.passphrase) return "Invalid Passphrase";
    if (!shared_->signer.Verify(request.timestamp, gateways::coinbase::kWebSocketSignMethod,
                                gateways::coinbase::kWebSocketSignPath, {}, request.signature)) {
      return "invalid signature";
    }
    return {};
  }

  std::shared_ptr<Shared> shared_;
  const StreamMarket& market_;
  std::vector<Product> products_;  // by symbol index
};

// ---- Advanced Trade ---------------------------------------------------------------------------

class AdvancedSession final : public StreamSession {
 public:
  AdvancedSession(std::shared_ptr<Shared> shared, const StreamMarket& market)
      : shared_(std::move(shared)),
        market_(market),
        products_(market.symbol_count()),
        opened_ns_(market.now_ns()) {
    for (std::size_t i = 0; i < products_.size(); ++i) {
      products_[i].stats = InitialStats(market.spec(i));
    }
  }

  void OnClientText(std::string_view text, StreamOutput& out) override {
    ClientRequest request;
    const RequestError error = ParseRequest(shared_->parser, text, &request);
    if (error != RequestError::kOk) {
      out.Send(AdvancedError(error == RequestError::kJson ? kAdvancedMalformed : kAdvancedRefusal));
      return;
    }
    const bool subscribe = request.type == "subscribe";
    const std::uint8_t bit = ChannelOf(request.channel);
    // One channel per message: a `channels` list is refused, as is an unknown channel.
    if ((!subscribe && request.type != "unsubscribe") || !request.has_channel ||
        request.has_channels || (bit == 0 && request.channel != "heartbeats")) {
      out.Send(AdvancedError(kAdvancedRefusal));
      return;
    }
    std::vector<std::size_t> symbols;
    for (const std::string& id : request.product_ids) {
      const std::optional<std::size_t> symbol = market_.Find(id);
      if (!symbol) {
        out.Send(AdvancedError(kAdvancedRefusal));
        return;
      }
      symbols.push_back(*symbol);
    }
    if (bit != 0 && subscribe && symbols.empty()) {
      out.Send(AdvancedError(kAdvancedRefusal));
      return;
    }

    std::vector<std::size_t> added;
    if (bit == 0) {
      heartbeats_ = subscribe;
    } else if (!subscribe) {
      if (symbols.empty()) {
        for (Product& product : products_) product.channels &= ~bit;
      }
      for (std::size_t symbol : symbols) products_[symbol].channels &= ~bit;
    } else {
      for (std::size_t symbol : symbols) {
        if ((products_[symbol].channels & bit) != 0) continue;
        products_[symbol].channels |= bit;
        added.push_back(symbol);
      }
    }
    const std::int64_t now = market_.now_ns();
    Send(out, AdvancedSubscriptions(next_sequence_, now, Subscriptions()));
    for (std::size_t symbol : added) {
      Product& product = products_[symbol];
      const std::string& id = market_.spec(symbol).symbol;
      if (bit == kLevel2) {
        product.skip_next_update = false;  // a snapshot makes a pending loss moot
        Send(out, AdvancedL2Snapshot(next_sequence_, now, id, market_.book(symbol).Levels(0)));
      } else if (bit == kMarketTrades) {
        const std::vector<TradePrint> recent(product.recent_trades.begin(),
                                             product.recent_trades.end());
        Send(out, AdvancedMarketTrades(next_sequence_, now, true, id, recent));
      } else if (bit == kTicker && TopIsTwoSided(market_.book(symbol).top())) {
        Send(out, AdvancedTicker(next_sequence_, now, true, id, product.stats,
                                 market_.book(symbol).top()));
      }
    }
  }

  void OnBookCut(const BookCut& cut, StreamOutput& out) override {
    Product& product = products_[cut.symbol];
    const std::string& id = market_.spec(cut.symbol).symbol;
    const std::int64_t now = market_.now_ns();
    for (const TradePrint& trade : cut.trades) {
      AddTrade(product.stats, trade);
      product.recent_trades.push_back(trade);
      if (product.recent_trades.size() > kRecentTrades) product.recent_trades.pop_front();
    }
    if ((product.channels & kLevel2) != 0 && !(cut.bids.empty() && cut.asks.empty())) {
      if (product.skip_next_update) {
        // Lost on the way: the connection's counter moves on without the message.
        product.skip_next_update = false;
        ++next_sequence_;
      } else {
        Send(out, AdvancedL2Update(next_sequence_, now, id, cut.bids, cut.asks));
      }
    }
    if ((product.channels & kMarketTrades) != 0 && !cut.trades.empty()) {
      Send(out, AdvancedMarketTrades(next_sequence_, now, false, id, cut.trades));
    }
    if ((product.channels & kTicker) != 0 && !cut.trades.empty() && TopIsTwoSided(cut.top)) {
      Send(out, AdvancedTicker(next_sequence_, now, false, id, product.stats, cut.top));
    }
  }

  void OnHeartbeat(StreamOutput& out) override {
    if (!heartbeats_) return;
    const std::int64_t now = market_.now_ns();
    Send(out, AdvancedHeartbeats(next_sequence_, now, ++heartbeat_counter_, now - opened_ns_));
  }

  bool subscribed() const override {
    return heartbeats_ || std::any_of(products_.begin(), products_.end(),
                                      [](const Product& p) { return p.channels != 0; });
  }

  void SkipUpdate(std::size_t symbol) override {
    if (symbol < products_.size()) products_[symbol].skip_next_update = true;
  }

 private:
  enum ChannelBit : std::uint8_t { kLevel2 = 1, kMarketTrades = 2, kTicker = 4 };
  static constexpr std::array<std::pair<std::uint8_t, std::string_view>, 3> kChannelNames = {{
      {kLevel2, "level2"},
      {kMarketTrades, "market_trades"},
      {kTicker, "ticker"},
  }};

  struct Product {
    std::uint8_t channels = 0;
    bool skip_next_update = false;
    std::deque<TradePrint> recent_trades;
    TickerStats stats;
  };

  static std::uint8_t ChannelOf(std::string_view name) {
    for (const auto& [bit, channel] : kChannelNames) {
      if (channel == name) return bit;
    }
    return 0;
  }

  std::map<std::string, std::vector<std::string>> Subscriptions() const {
    std::map<std::string, std::vector<std::string>> channels;
    for (const auto& [bit, name] : kChannelNames) {
      for (std::size_t symbol = 0; symbol < products_.size(); ++symbol) {
        if ((products_[symbol].channels & bit) != 0) {
          channels[std::string(name)].push_back(market_.spec(symbol).symbol);
        }
      }
    }
    if (heartbeats_) channels["heartbeats"];
    return channels;
  }

  // Every message in the envelope counts, whatever its channel.
  void Send(StreamOutput& out, std::string text) {
    out.Send(std::move(text));
    ++next_sequence_;
  }

  std::shared_ptr<Shared> shared_;
  const StreamMarket& market_;
  std::vector<Product> products_;  // by symbol index
  std::uint64_t next_sequence_ = 0;
  bool heartbeats_ = false;
  std::uint64_t heartbeat_counter_ = 0;
  std::int64_t opened_ns_ = 0;
};

// ---- Dialect ----------------------------------------------------------------------------------

class CoinbaseDialect final : public StreamDialect {
 public:
  CoinbaseDialect(std::shared_ptr<Shared> shared, std::unique_ptr<CoinbaseOrderEntry> orders)
      : shared_(std::move(shared)), orders_(std::move(orders)) {}

  std::string_view venue_name() const override { return "coinbase"; }
  std::string ws_path() const override { return "/"; }
  bool AcceptsWebSocket(std::string_view path) const override { return path == "/"; }

  std::unique_ptr<StreamSession> NewSession(std::string_view /*target*/,
                                            const StreamMarket& market) override {
    if (advanced()) return std::make_unique<AdvancedSession>(shared_, market);
    return std::make_unique<ExchangeSession>(shared_, market);
  }

  net::ServerResponse HandleRest(const net::ServerRequest& request,
                                 const StreamMarket& market) override {
    const std::string_view path = request.Path();
    const std::string_view list_path = advanced() ? kProductsPathAdvanced : kProductsPathExchange;
    if (request.method == "GET" && path == list_path) {
      std::vector<const SymbolSpec*> symbols;
      std::vector<std::int64_t> prices;
      for (std::size_t i = 0; i < market.symbol_count(); ++i) {
        symbols.push_back(&market.spec(i));
        prices.push_back(LastPrice(market, i));
      }
      return Json(
          200, advanced() ? AdvancedProductsBody(symbols, prices) : ExchangeProductsBody(symbols));
    }
    if (request.method == "GET" && path.size() > list_path.size() + 1 &&
        path.substr(0, list_path.size() + 1) == fmt::format("{}/", list_path)) {
      const std::string_view id = path.substr(list_path.size() + 1);
      if (const std::optional<std::size_t> symbol = market.Find(id)) {
        return Json(200, advanced()
                             ? AdvancedProduct(market.spec(*symbol), LastPrice(market, *symbol))
                             : ExchangeProduct(market.spec(*symbol)));
      }
    }
    return Json(404, advanced() ? AdvancedRestError("NOT_FOUND", "Not Found")
                                : ExchangeRestError("NotFound"));
  }

  // Advanced Trade's sequence_num shows a lost message. Exchange level2 carries no sequence and no
  // checksum: a lost update there is undetectable by design, so the sim does not offer the fault.
  bool can_skip_update() const override { return advanced(); }
  std::chrono::milliseconds heartbeat_interval() const override {
    return shared_->options.heartbeat_interval;
  }

  // ---- order entry: coinbase_orders_sim.h ----
  std::optional<StreamOrderEntry> order_entry() const override { return orders_->Entry(); }
  bool IsOrderEntry(const net::ServerRequest& request) const override {
    return orders_->IsOrderEntry(request);
  }
  net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                       StreamOrders& orders) override {
    return orders_->Handle(request, orders);
  }
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& /*request*/,
                                        std::chrono::seconds /*retry_after*/,
                                        bool /*banned*/) const override {
    return orders_->RateLimited();
  }
  net::ServerResponse ServerErrorAnswer(const net::ServerRequest& /*request*/) const override {
    return orders_->ServerError();
  }

 private:
  bool advanced() const { return shared_->options.feed == CoinbaseSimFeed::kAdvancedTrade; }

  static std::int64_t LastPrice(const StreamMarket& market, std::size_t symbol) {
    const TopOfBook top = market.book(symbol).top();
    return top.bid_quantity > 0 ? top.bid_price : market.spec(symbol).start_price;
  }

  static net::ServerResponse Json(int status, std::string body) {
    net::ServerResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
  }

  std::shared_ptr<Shared> shared_;
  std::unique_ptr<CoinbaseOrderEntry> orders_;
};

}  // namespace

std::vector<SymbolSpec> DefaultCoinbaseSymbols() {
  std::vector<SymbolSpec> symbols(2);
  symbols[0].symbol = "BTC-USD";
  symbols[0].base = "BTC";
  symbols[0].quote = "USD";
  symbols[0].tick_size = 1'000'000;            // 0.01
  symbols[0].lot_size = 1;                     // 0.00000001
  symbols[0].start_price = 6'000'000'000'000;  // 60,000
  symbols[0].min_notional = 100'000'000;       // 1 USD
  symbols[0].max_quantity = 340'000'000'000;   // 3,400 BTC
  symbols[1].symbol = "ETH-USD";
  symbols[1].base = "ETH";
  symbols[1].quote = "USD";
  symbols[1].tick_size = 1'000'000;
  symbols[1].lot_size = 1;
  symbols[1].start_price = 300'000'000'000;  // 3,000
  symbols[1].min_notional = 100'000'000;
  symbols[1].max_quantity = 4'600'000'000'000;  // 46,000 ETH
  return symbols;
}

std::unique_ptr<StreamDialect> MakeCoinbaseDialect(CoinbaseDialectOptions options) {
  auto signer = gateways::coinbase::ExchangeSigner::Create(options.api_secret);
  if (!signer.ok()) throw std::invalid_argument(signer.status().message());
  auto orders = std::make_unique<CoinbaseOrderEntry>(
      options.feed == CoinbaseSimFeed::kAdvancedTrade,
      CoinbaseExchangeCredentials{options.api_key, options.api_secret, options.passphrase},
      options.max_timestamp_skew, options.order_entry);
  auto shared =
      std::make_shared<Shared>(Shared{std::move(options), std::move(signer).value(), od::parser{}});
  return std::make_unique<CoinbaseDialect>(std::move(shared), std::move(orders));
}

}  // namespace tradingd::sim::coinbase
