#include "sim/kraken/kraken_sim.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/common/http_query.h"

namespace tradingd::sim::kraken {

namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kChecksumLevels = 10;
// Sums of price * quantity mantissas outgrow int64 (GCC/Clang extension, hence __extension__).
__extension__ typedef __int128 Int128;
// Kraken's connection ids exceed 2^63 (clients must read them as uint64); the sim's do too.
constexpr std::uint64_t kFirstConnectionId = 13834774380200032777ULL;

bool IsBookDepth(std::int64_t depth) {
  return depth == 10 || depth == 25 || depth == 100 || depth == 500 || depth == 1000;
}

std::string Capitalized(std::string_view field) {
  std::string out(field);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string Unsupported(std::string_view field, std::string_view method) {
  return "Unsupported field: '" + std::string(field) +
         "' for the given msg type: " + std::string(method);
}

std::string Missing(std::string_view field, std::string_view method) {
  return "Missing field: '" + std::string(field) +
         "' for the given msg type: " + std::string(method);
}

std::string MustBe(std::string_view field, std::string_view type) {
  return Capitalized(field) + " field must be a " + std::string(type);
}

// The `n` best levels of a side, compared.
bool SameTop(const std::vector<BookLevel>& a, const std::vector<BookLevel>& b, std::size_t n) {
  const std::size_t na = std::min(a.size(), n);
  const std::size_t nb = std::min(b.size(), n);
  return na == nb && std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(na), b.begin());
}

// One client request, read and checked; `error` set when it cannot be served at all.
struct Request {
  std::string method;
  std::optional<std::int64_t> req_id;
  std::string channel;
  std::vector<std::string> symbols;
  std::optional<std::int64_t> depth;
  std::optional<bool> snapshot;
  std::string event_trigger;
  std::string error;
};

class KrakenSession final : public StreamSession {
 public:
  KrakenSession(const StreamMarket& market, std::size_t trade_snapshot_size,
                std::uint64_t connection_id)
      : market_(market),
        trade_snapshot_size_(trade_snapshot_size),
        connection_id_(connection_id),
        symbols_(market.symbol_count()) {
    for (std::size_t i = 0; i < symbols_.size(); ++i) {
      SymbolState& state = symbols_[i];
      state.precision = PrecisionOf(market.spec(i));
      const TopOfBook top = market.book(i).top();
      const std::int64_t reference = top.bid_quantity > 0 ? top.bid_price : top.ask_price;
      state.stats.open = state.stats.last = state.stats.low = state.stats.high = reference;
    }
  }

  void OnOpen(StreamOutput& out) override { Send(out, StatusMessage(connection_id_)); }

  void OnClientText(std::string_view text, StreamOutput& out) override {
    const std::int64_t time_in = market_.now_ns();
    Request request = ReadRequest(text);
    if (!request.error.empty()) {
      return Send(out, ErrorMessage(request.method, request.error, request.req_id, {}, time_in,
                                    market_.now_ns()));
    }
    if (request.method == "ping") {
      return Send(out, PongMessage(request.req_id, time_in, market_.now_ns()));
    }
    for (const std::string& symbol : request.symbols) {
      if (request.method == "subscribe") {
        Subscribe(request, symbol, time_in, out);
      } else {
        Unsubscribe(request, symbol, time_in, out);
      }
    }
  }

  void OnBookCut(const BookCut& cut, StreamOutput& out) override {
    if (cut.symbol >= symbols_.size()) return;
    SymbolState& state = symbols_[cut.symbol];
    RecordTrades(state, cut.trades);
    if (state.book.active && (!cut.bids.empty() || !cut.asks.empty())) {
      SendBookChanges(cut.symbol, state, out);
    }
    const bool ticker_due =
        state.ticker.active && (state.ticker.on_trades ? !cut.trades.empty() : cut.top_changed);
    if (ticker_due) {
      Send(out, TickerMessage(false, market_.spec(cut.symbol).symbol, TickerOf(cut.symbol, state),
                              market_.now_ns(), state.precision));
    }
    if (state.trade && !cut.trades.empty()) {
      Send(out, TradeMessage(false, market_.spec(cut.symbol).symbol, cut.trades, market_.now_ns(),
                             state.precision));
    }
  }

  void OnHeartbeat(StreamOutput& out) override {
    // Kraken sends heartbeats only once something is subscribed, and only to an idle client.
    if (subscribed() && !sent_since_heartbeat_) out.Send(HeartbeatMessage());
    sent_since_heartbeat_ = false;
  }

  bool subscribed() const override {
    return std::any_of(symbols_.begin(), symbols_.end(), [](const SymbolState& s) {
      return s.book.active || s.ticker.active || s.trade;
    });
  }

  void SkipUpdate(std::size_t symbol) override {
    if (symbol < symbols_.size() && symbols_[symbol].book.active) {
      symbols_[symbol].book.skip_next = true;
    }
  }

  void CorruptChecksum(std::size_t symbol) override {
    if (symbol < symbols_.size() && symbols_[symbol].book.active) {
      symbols_[symbol].book.corrupt_next = true;
    }
  }

 private:
  struct BookSubscription {
    bool active = false;
    int depth = 10;
    // What the client holds: the best `depth` levels a side as last sent (or skipped).
    std::vector<BookLevel> bids;
    std::vector<BookLevel> asks;
    bool skip_next = false;
    bool corrupt_next = false;
  };
  struct TickerSubscription {
    bool active = false;
    bool on_trades = false;  // event_trigger "trades"; otherwise "bbo"
  };
  // The ticker's day statistics, counted from the session's start (the sim has no day).
  struct Stats {
    std::int64_t open = 0, last = 0, low = 0, high = 0, volume = 0;
    Int128 notional = 0;
    std::uint64_t trades = 0;
  };
  struct SymbolState {
    KrakenPrecision precision;
    BookSubscription book;
    TickerSubscription ticker;
    bool trade = false;
    std::deque<TradePrint> recent_trades;
    Stats stats;
  };

  void Send(StreamOutput& out, std::string text) {
    sent_since_heartbeat_ = true;
    out.Send(std::move(text));
  }

  // Parses and checks a request as Kraken does: a field the method does not take, a value of the
  // wrong type, a channel or depth it does not serve are errors of the whole request.
  Request ReadRequest(std::string_view text) {
    Request request;
    dom::element root;
    dom::object object;
    if (parser_.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS ||
        root.get_object().get(object) != simdjson::SUCCESS) {
      request.error = "Malformed request";
      return request;
    }
    dom::element value;
    if (object["method"].get(value) != simdjson::SUCCESS) {
      request.error = "Missing field: 'method'";
      return request;
    }
    std::string_view method;
    if (value.get_string().get(method) != simdjson::SUCCESS) {
      request.error = MustBe("method", "string");
      return request;
    }
    request.method = std::string(method);
    if (object["req_id"].get(value) == simdjson::SUCCESS) {
      std::int64_t req_id = 0;
      if (value.get_int64().get(req_id) != simdjson::SUCCESS) {
        request.error = MustBe("req_id", "number_integer");
        return request;
      }
      request.req_id = req_id;
    }
    const bool channel_method = method == "subscribe" || method == "unsubscribe";
    if (!channel_method && method != "ping") {
      request.error = "Method not found";
      return request;
    }
    for (const dom::key_value_pair& field : object) {
      const std::string_view key = field.key;
      if (key == "method" || key == "req_id" || (channel_method && key == "params")) continue;
      request.error = Unsupported(key, method);
      return request;
    }
    if (!channel_method) return request;
    dom::object params;
    if (object["params"].get(value) != simdjson::SUCCESS) {
      request.error = Missing("params", method);
      return request;
    }
    if (value.get_object().get(params) != simdjson::SUCCESS) {
      request.error = MustBe("params", "object");
      return request;
    }
    ReadParams(params, &request);
    return request;
  }

  void ReadParams(dom::object params, Request* request) {
    const std::string& method = request->method;
    dom::element value;
    std::string_view channel;
    if (params["channel"].get(value) != simdjson::SUCCESS) {
      request->error = Missing("channel", method);
      return;
    }
    if (value.get_string().get(channel) != simdjson::SUCCESS) {
      request->error = MustBe("channel", "string");
      return;
    }
    if (channel != "book" && channel != "ticker" && channel != "trade") {
      request->error = Unsupported("channel", method);
      return;
    }
    request->channel = std::string(channel);
    for (const dom::key_value_pair& field : params) {
      const std::string_view key = field.key;
      const bool known = key == "channel" || key == "symbol" || key == "snapshot" ||
                         (key == "depth" && channel == "book") ||
                         (key == "event_trigger" && channel == "ticker");
      if (!known) {
        request->error = Unsupported(key, method);
        return;
      }
    }
    dom::array symbols;
    if (params["symbol"].get(value) != simdjson::SUCCESS) {
      request->error = Missing("symbol", method);
      return;
    }
    if (value.get_array().get(symbols) != simdjson::SUCCESS || symbols.size() == 0) {
      request->error = MustBe("symbol", "non-empty array of strings");
      return;
    }
    for (dom::element element : symbols) {
      std::string_view symbol;
      if (element.get_string().get(symbol) != simdjson::SUCCESS) {
        request->error = MustBe("symbol", "non-empty array of strings");
        return;
      }
      request->symbols.emplace_back(symbol);
    }
    if (params["depth"].get(value) == simdjson::SUCCESS) {
      std::int64_t depth = 0;
      if (value.get_int64().get(depth) != simdjson::SUCCESS) {
        request->error = MustBe("depth", "number_integer");
        return;
      }
      if (!IsBookDepth(depth)) {
        request->error = "Subscription depth not supported";
        return;
      }
      request->depth = depth;
    }
    if (params["snapshot"].get(value) == simdjson::SUCCESS) {
      bool snapshot = true;
      if (value.get_bool().get(snapshot) != simdjson::SUCCESS) {
        request->error = MustBe("snapshot", "boolean");
        return;
      }
      request->snapshot = snapshot;
    }
    if (params["event_trigger"].get(value) == simdjson::SUCCESS) {
      std::string_view trigger;
      if (value.get_string().get(trigger) != simdjson::SUCCESS ||
          (trigger != "bbo" && trigger != "trades")) {
        request->error = MustBe("event_trigger", "string: bbo or trades");
        return;
      }
      request->event_trigger = std::string(trigger);
    }
  }

  void Subscribe(const Request& request, const std::string& symbol, std::int64_t time_in,
                 StreamOutput& out) {
    const std::optional<std::size_t> index = market_.Find(symbol);
    if (!index) {
      return Send(out, ErrorMessage(request.method, "Currency pair not supported " + symbol,
                                    request.req_id, symbol, time_in, market_.now_ns()));
    }
    SymbolState& state = symbols_[*index];
    const bool snapshot = request.snapshot.value_or(true);
    const bool replay = market_.replay();
    if (request.channel == "book") {
      if (state.book.active) return AlreadySubscribed(request, symbol, time_in, out);
      const int depth = static_cast<int>(request.depth.value_or(10));
      state.book = BookSubscription{};
      state.book.active = true;
      state.book.depth = depth;
      Send(out, AckMessage(request.method, {"book", symbol, depth, snapshot, {}}, request.req_id,
                           time_in, market_.now_ns()));
      if (replay) return;
      BookLevels levels = market_.book(*index).Levels(static_cast<std::size_t>(depth));
      state.book.bids = std::move(levels.bids);
      state.book.asks = std::move(levels.asks);
      if (snapshot) {
        Send(out, BookMessage(true, symbol, state.book.bids, state.book.asks,
                              BookChecksum(state.book.bids, state.book.asks, state.precision),
                              market_.now_ns(), state.precision));
      }
      return;
    }
    if (request.channel == "ticker") {
      if (state.ticker.active) return AlreadySubscribed(request, symbol, time_in, out);
      state.ticker.active = true;
      state.ticker.on_trades = request.event_trigger == "trades";
      const std::string_view trigger = state.ticker.on_trades ? "trades" : "bbo";
      Send(out, AckMessage(request.method, {"ticker", symbol, std::nullopt, snapshot, trigger},
                           request.req_id, time_in, market_.now_ns()));
      if (snapshot && !replay) {
        Send(out, TickerMessage(true, symbol, TickerOf(*index, state), market_.now_ns(),
                                state.precision));
      }
      return;
    }
    if (state.trade) return AlreadySubscribed(request, symbol, time_in, out);
    state.trade = true;
    Send(out, AckMessage(request.method, {"trade", symbol, std::nullopt, snapshot, {}},
                         request.req_id, time_in, market_.now_ns()));
    if (snapshot && !replay) {
      const std::vector<TradePrint> recent(state.recent_trades.begin(), state.recent_trades.end());
      Send(out, TradeMessage(true, symbol, recent, market_.now_ns(), state.precision));
    }
  }

  void Unsubscribe(const Request& request, const std::string& symbol, std::int64_t time_in,
                   StreamOutput& out) {
    const std::optional<std::size_t> index = market_.Find(symbol);
    if (!index) {
      return Send(out, ErrorMessage(request.method, "Currency pair not supported " + symbol,
                                    request.req_id, symbol, time_in, market_.now_ns()));
    }
    SymbolState& state = symbols_[*index];
    std::optional<int> depth;
    bool found = false;
    if (request.channel == "book") {
      // Without a depth any book subscription matches; with one, only that depth.
      found = state.book.active &&
              (!request.depth || *request.depth == static_cast<std::int64_t>(state.book.depth));
      if (found) {
        depth = state.book.depth;
        state.book = BookSubscription{};
      }
    } else if (request.channel == "ticker") {
      found = state.ticker.active;
      state.ticker = TickerSubscription{};
    } else {
      found = state.trade;
      state.trade = false;
    }
    if (!found) {
      return Send(out, ErrorMessage(request.method, "Subscription Not Found", request.req_id,
                                    symbol, time_in, market_.now_ns()));
    }
    Send(out, AckMessage(request.method, {request.channel, symbol, depth, std::nullopt, {}},
                         request.req_id, time_in, market_.now_ns()));
  }

  void AlreadySubscribed(const Request& request, const std::string& symbol, std::int64_t time_in,
                         StreamOutput& out) {
    Send(out, ErrorMessage(request.method, "Already subscribed", request.req_id, symbol, time_in,
                           market_.now_ns()));
  }

  // Appends to `changes` what turns the client's side `held` into `now` (both best first): new
  // and changed levels with their quantity, and qty 0 for a level that left the book. A level
  // still in the book but pushed beyond the depth gets nothing: the client truncates it.
  template <typename SideMap>
  static void DiffSide(const std::vector<BookLevel>& held, const std::vector<BookLevel>& now,
                       const SideMap& book, bool bid, std::vector<BookLevel>* changes) {
    const auto better = [bid](std::int64_t a, std::int64_t b) { return bid ? a > b : a < b; };
    std::size_t i = 0, j = 0;
    while (i < held.size() || j < now.size()) {
      if (j == now.size() || (i < held.size() && better(held[i].price, now[j].price))) {
        if (book.find(held[i].price) == book.end()) changes->push_back({held[i].price, 0});
        ++i;
      } else if (i == held.size() || better(now[j].price, held[i].price)) {
        changes->push_back(now[j]);
        ++j;
      } else {
        if (held[i].quantity != now[j].quantity) changes->push_back(now[j]);
        ++i;
        ++j;
      }
    }
  }

  void SendBookChanges(std::size_t symbol, SymbolState& state, StreamOutput& out) {
    BookSubscription& book = state.book;
    const SyntheticMarket& market = market_.book(symbol);
    BookLevels now = market.Levels(static_cast<std::size_t>(book.depth));
    std::vector<BookLevel> bid_changes, ask_changes;
    DiffSide(book.bids, now.bids, market.bids(), true, &bid_changes);
    DiffSide(book.asks, now.asks, market.asks(), false, &ask_changes);
    if (bid_changes.empty() && ask_changes.empty()) return;  // nothing within the client's depth
    const bool top_changed = !SameTop(book.bids, now.bids, kChecksumLevels) ||
                             !SameTop(book.asks, now.asks, kChecksumLevels);
    std::uint32_t checksum = BookChecksum(now.bids, now.asks, state.precision);
    // The venue's book moves on whether or not the client hears of it.
    book.bids = std::move(now.bids);
    book.asks = std::move(now.asks);
    if (book.skip_next && top_changed) {
      book.skip_next = false;  // lost where the checksum covers it, so the next one shows it
      return;
    }
    if (book.corrupt_next) {
      book.corrupt_next = false;
      checksum ^= 0x00A5A5A5u;
    }
    Send(out, BookMessage(false, market_.spec(symbol).symbol, bid_changes, ask_changes, checksum,
                          market_.now_ns(), state.precision));
  }

  void RecordTrades(SymbolState& state, std::span<const TradePrint> trades) {
    for (const TradePrint& trade : trades) {
      Stats& stats = state.stats;
      stats.last = trade.price;
      stats.low = std::min(stats.low, trade.price);
      stats.high = std::max(stats.high, trade.price);
      stats.volume += trade.quantity;
      stats.notional += static_cast<Int128>(trade.price) * trade.quantity;
      ++stats.trades;
      state.recent_trades.push_back(trade);
      if (state.recent_trades.size() > trade_snapshot_size_) state.recent_trades.pop_front();
    }
  }

  KrakenTickerFields TickerOf(std::size_t symbol, const SymbolState& state) const {
    const Stats& stats = state.stats;
    KrakenTickerFields fields;
    fields.top = market_.book(symbol).top();
    fields.last = stats.last;
    fields.volume = stats.volume;
    fields.low = stats.low;
    fields.high = stats.high;
    fields.trades = stats.trades;
    fields.change = stats.last - stats.open;
    const std::int64_t tick = std::max<std::int64_t>(market_.spec(symbol).tick_size, 1);
    // The volume-weighted price, rounded down to the tick as Kraken shows it.
    fields.vwap = stats.volume > 0
                      ? static_cast<std::int64_t>(stats.notional / stats.volume) / tick * tick
                      : stats.last;
    fields.change_pct_hundredths =
        stats.open > 0
            ? static_cast<std::int64_t>(static_cast<Int128>(fields.change) * 10000 / stats.open)
            : 0;
    return fields;
  }

  const StreamMarket& market_;
  const std::size_t trade_snapshot_size_;
  const std::uint64_t connection_id_;
  std::vector<SymbolState> symbols_;  // by the market's symbol index
  bool sent_since_heartbeat_ = false;
  dom::parser parser_;
};

class KrakenDialect final : public StreamDialect {
 public:
  explicit KrakenDialect(KrakenDialectOptions options) : options_(std::move(options)) {
    if (options_.orders) orders_.emplace(*options_.orders, options_.pairs);
  }

  std::string_view venue_name() const override { return "kraken"; }
  std::string ws_path() const override { return "/v2"; }
  bool AcceptsWebSocket(std::string_view path) const override {
    return path == "/v2" || path == "/v2/";
  }

  std::unique_ptr<StreamSession> NewSession(std::string_view /*target*/,
                                            const StreamMarket& market) override {
    return std::make_unique<KrakenSession>(market, options_.trade_snapshot_size,
                                           kFirstConnectionId + next_connection_++);
  }

  net::ServerResponse HandleRest(const net::ServerRequest& request,
                                 const StreamMarket& market) override {
    net::ServerResponse response;
    if (request.Path() != "/0/public/AssetPairs" ||
        (request.method != "GET" && request.method != "POST")) {
      response.status = 404;
      response.body = RestErrorBody("EGeneral:Unknown method");
      return response;
    }
    std::vector<KrakenAssetPair> pairs;
    const std::optional<std::string> wanted = QueryParam(request.Query(), "pair");
    if (!wanted || wanted->empty()) {
      for (std::size_t i = 0; i < market.symbol_count(); ++i) {
        pairs.push_back({&market.spec(i), PairInfoFor(market.spec(i), options_.pairs)});
      }
    } else {
      std::string_view list = *wanted;
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        std::optional<KrakenAssetPair> pair = FindPair(name, market);
        // Kraken refuses the whole request for one unknown pair, with HTTP 200.
        if (!pair) {
          response.body = RestErrorBody("EQuery:Unknown asset pair");
          return response;
        }
        const bool listed = std::any_of(pairs.begin(), pairs.end(), [&](const KrakenAssetPair& p) {
          return p.spec == pair->spec;
        });
        if (!listed) pairs.push_back(std::move(*pair));
      }
    }
    response.body = AssetPairsBody(pairs);
    return response;
  }

  bool can_skip_update() const override { return true; }
  bool has_checksum() const override { return true; }
  bool has_sequence_reset() const override { return false; }
  std::chrono::milliseconds heartbeat_interval() const override {
    return options_.heartbeat_interval;
  }

  // ---- order entry (kraken_orders_sim.h) ----

  std::optional<StreamOrderEntry> order_entry() const override {
    if (!orders_) return std::nullopt;
    return orders_->Config();
  }
  bool IsOrderEntry(const net::ServerRequest& request) const override {
    return orders_.has_value() && KrakenOrderEntry::Handles(request);
  }
  net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                       StreamOrders& orders) override {
    if (!orders_) return HandleRest(request, orders.market());
    return orders_->Handle(request, orders);
  }
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& request,
                                        std::chrono::seconds /*retry_after*/,
                                        bool /*banned*/) const override {
    // Kraken has no ban of its own: the same refusal while the limit lasts.
    return KrakenOrderEntry::RateLimited(request);
  }
  net::ServerResponse ServerErrorAnswer(const net::ServerRequest& /*request*/) const override {
    return KrakenOrderEntry::ServerError();
  }

 private:
  // A pair by its v2 name (BTC/USD), altname (XBTUSD) or key (XXBTZUSD), case-insensitively.
  std::optional<KrakenAssetPair> FindPair(std::string_view name, const StreamMarket& market) const {
    const auto same = [](std::string_view a, std::string_view b) {
      return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::toupper(static_cast<unsigned char>(x)) ==
                      std::toupper(static_cast<unsigned char>(y));
             });
    };
    for (std::size_t i = 0; i < market.symbol_count(); ++i) {
      KrakenPairInfo info = PairInfoFor(market.spec(i), options_.pairs);
      if (same(name, info.symbol) || same(name, info.altname) || same(name, info.pair_key)) {
        return KrakenAssetPair{&market.spec(i), std::move(info)};
      }
    }
    return std::nullopt;
  }

  KrakenDialectOptions options_;
  std::optional<KrakenOrderEntry> orders_;
  std::uint64_t next_connection_ = 0;
};

}  // namespace

std::vector<SymbolSpec> DefaultKrakenSymbols() {
  SymbolSpec btc;
  btc.symbol = "BTC/USD";
  btc.base = "BTC";
  btc.quote = "USD";
  btc.tick_size = 10'000'000;           // 0.1
  btc.lot_size = 1;                     // 0.00000001
  btc.start_price = 2'943'020'000'000;  // 29430.2, the fixture's best bid
  btc.min_notional = 50'000'000;        // costmin 0.5
  SymbolSpec eth;
  eth.symbol = "ETH/USD";
  eth.base = "ETH";
  eth.quote = "USD";
  eth.tick_size = 1'000'000;          // 0.01
  eth.lot_size = 1;                   // 0.00000001
  eth.start_price = 185'000'000'000;  // 1850.00
  eth.min_notional = 50'000'000;      // costmin 0.5
  return {btc, eth};
}

std::vector<KrakenPairInfo> DefaultKrakenPairs() {
  KrakenPairInfo btc;
  btc.symbol = "BTC/USD";
  btc.pair_key = "XXBTZUSD";
  btc.altname = "XBTUSD";
  btc.wsname = "XBT/USD";
  btc.base_id = "XXBT";
  btc.quote_id = "ZUSD";
  btc.order_min = 5'000;  // 0.00005
  btc.long_position_limit = 350;
  btc.short_position_limit = 250;
  KrakenPairInfo eth;
  eth.symbol = "ETH/USD";
  eth.pair_key = "XETHZUSD";
  eth.altname = "ETHUSD";
  eth.wsname = "ETH/USD";
  eth.base_id = "XETH";
  eth.quote_id = "ZUSD";
  eth.order_min = 200'000;  // 0.002
  return {btc, eth};
}

std::unique_ptr<StreamDialect> MakeKrakenDialect(KrakenDialectOptions options) {
  return std::make_unique<KrakenDialect>(std::move(options));
}

}  // namespace tradingd::sim::kraken
