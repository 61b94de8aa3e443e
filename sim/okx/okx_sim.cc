#include "sim/okx/okx_sim.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "core/decimal.h"
#include "sim/common/http_query.h"
#include "sim/okx/okx_wire.h"

namespace tradingd::sim::okx {

std::vector<SymbolSpec> DefaultOkxSymbols() {
  SymbolSpec btc;
  btc.symbol = "BTC-USDT";
  btc.base = "BTC";
  btc.quote = "USDT";
  btc.tick_size = 10'000'000;                  // 0.1
  btc.lot_size = 1;                            // 0.00000001
  btc.start_price = 6'500'000'000'000;         // 65,000
  btc.max_quantity = 999'999'999'900'000'000;  // 9999999999 (maxLmtSz)
  btc.min_notional = 0;                        // OKX lists no minimum notional
  SymbolSpec eth;
  eth.symbol = "ETH-USDT";
  eth.base = "ETH";
  eth.quote = "USDT";
  eth.tick_size = 1'000'000;                   // 0.01
  eth.lot_size = 100;                          // 0.000001
  eth.start_price = 300'000'000'000;           // 3,000
  eth.max_quantity = 999'999'999'900'000'000;  // see the header
  eth.min_notional = 0;
  return {btc, eth};
}

std::map<std::string, std::int64_t, std::less<>> DefaultOkxMinSizes() {
  return {{"BTC-USDT", 1'000}, {"ETH-USDT", 10'000}};  // 0.00001, 0.0001
}

namespace {

constexpr std::string_view kWsPath = "/ws/v5/public";
// OKX refuses a subscribe request longer than this ("the total length ... cannot exceed 64 KB").
constexpr std::size_t kMaxRequestBytes = 64 * 1024;
// How much of a refused request an error message quotes back.
constexpr std::size_t kMaxQuotedRequest = 1024;
constexpr std::size_t kMaxRequestId = 32;
constexpr int kMaxRestBookDepth = 400;

enum class Channel : std::uint8_t { kBooks, kBboTbt, kTickers, kTrades };

std::optional<Channel> ParseChannel(std::string_view name) {
  if (name == "books") return Channel::kBooks;
  if (name == "bbo-tbt") return Channel::kBboTbt;
  if (name == "tickers") return Channel::kTickers;
  if (name == "trades") return Channel::kTrades;
  return std::nullopt;
}

std::string_view ChannelName(Channel channel) {
  switch (channel) {
    case Channel::kBooks:
      return "books";
    case Channel::kBboTbt:
      return "bbo-tbt";
    case Channel::kTickers:
      return "tickers";
    case Channel::kTrades:
      return "trades";
  }
  return "";
}

std::int64_t Millis(std::int64_t ns) { return ns / 1'000'000; }

// price * size at kSimScale, in quote units at kSimScale, without an int128: split the price into
// whole units and a fraction (sim prices and sizes keep each product far below 2^63).
std::int64_t Notional(std::int64_t price, std::int64_t size) {
  const std::int64_t unit = core::PowerOfTen(kSimScale);
  return (price / unit) * size + (price % unit) * size / unit;
}

// The levels of a side that the client does not hold, or holds with another size, best first;
// `better(a, b)` orders prices best first. A level that left the window gets size 0.
template <typename Better>
void DiffSide(std::span<const BookLevel> held, std::span<const BookLevel> now, Better better,
              std::vector<BookLevel>* changes) {
  std::size_t i = 0, j = 0;
  while (i < held.size() || j < now.size()) {
    if (j == now.size() || (i < held.size() && better(held[i].price, now[j].price))) {
      changes->push_back({held[i++].price, 0});
    } else if (i == held.size() || better(now[j].price, held[i].price)) {
      changes->push_back(now[j++]);
    } else {
      if (held[i].quantity != now[j].quantity) changes->push_back(now[j]);
      ++i;
      ++j;
    }
  }
}

// What one client connection has subscribed, in OKX's dialect.
class OkxSession final : public StreamSession {
 public:
  OkxSession(std::shared_ptr<const OkxDialectOptions> options, const StreamMarket& market,
             std::string conn_id)
      : options_(std::move(options)),
        market_(market),
        conn_id_(std::move(conn_id)),
        symbols_(market.symbol_count()) {
    for (std::size_t s = 0; s < symbols_.size(); ++s) ResetStats(s);
  }

  void OnClientText(std::string_view text, StreamOutput& out) override {
    if (text == "ping") return out.Send("pong");
    Request request;
    if (auto error = ParseRequest(text, &request); error.has_value()) {
      return out.Send(ErrorEvent(request.id, error->code, error->message, conn_id_));
    }
    const bool subscribe = request.op == "subscribe";
    for (const Arg& arg : request.args) {
      out.Send(SubscriptionEvent(request.op, request.id,
                                 ArgJson(ChannelName(arg.channel), market_.spec(arg.symbol).symbol),
                                 conn_id_));
      SetSubscribed(arg, subscribe);
      if (!subscribe && arg.channel == Channel::kBooks) {
        SymbolState& state = symbols_[arg.symbol];
        state.held_bids.clear();
        state.held_asks.clear();
        state.skip_next = state.corrupt_next = false;
      }
    }
    // The recorded frames are the data in replay mode.
    if (!subscribe || market_.replay()) return;
    for (const Arg& arg : request.args) InitialPush(arg, out);
  }

  void OnBookCut(const BookCut& cut, StreamOutput& out) override {
    SymbolState& state = symbols_[cut.symbol];
    for (const TradePrint& trade : cut.trades) Record(state.stats, trade);
    if (market_.replay()) return;
    const std::string_view inst_id = market_.spec(cut.symbol).symbol;
    const std::int64_t now_ms = Millis(market_.now_ns());
    const std::int64_t sequence = Sequence(cut.symbol);
    // OKX's push order within a symbol: bbo-tbt before books.
    if (state.bbo && cut.top_changed) {
      out.Send(BboTbtMessage(inst_id, cut.top, now_ms, sequence));
    }
    if (state.books && !(cut.bids.empty() && cut.asks.empty())) PushBookUpdate(cut.symbol, out);
    if (state.tickers && (cut.top_changed || !cut.trades.empty())) {
      out.Send(TickersMessage(options_->inst_type, inst_id, cut.top, state.stats, now_ms));
    }
    if (state.trades) {
      for (const TradePrint& trade : cut.trades) {
        out.Send(TradesMessage(inst_id, trade, now_ms, sequence));
      }
    }
  }

  void OnHeartbeat(StreamOutput& out) override {
    if (market_.replay()) return;
    const std::int64_t now_ns = market_.now_ns();
    const std::int64_t idle_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(options_->idle_interval).count();
    for (std::size_t s = 0; s < symbols_.size(); ++s) {
      SymbolState& state = symbols_[s];
      if (!state.books || now_ns - state.last_push_ns < idle_ns) continue;
      // Nothing changed: empty sides, and the seqId repeated as prevSeqId.
      BooksPush push;
      push.inst_id = market_.spec(s).symbol;
      push.time_ms = Millis(now_ns);
      push.checksum = HeldChecksum(state);
      push.previous_sequence = state.last_sequence;
      push.sequence = state.last_sequence;
      out.Send(BooksMessage(push));
      state.last_push_ns = now_ns;
    }
  }

  bool subscribed() const override {
    return std::any_of(symbols_.begin(), symbols_.end(), [](const SymbolState& s) {
      return s.books || s.bbo || s.tickers || s.trades;
    });
  }

  void SkipUpdate(std::size_t symbol) override {
    if (symbols_[symbol].books) symbols_[symbol].skip_next = true;
  }
  void CorruptChecksum(std::size_t symbol) override {
    if (symbols_[symbol].books) symbols_[symbol].corrupt_next = true;
  }
  void ResetSequence(std::size_t symbol, StreamOutput& /*out*/) override {
    // After maintenance the next update restarts the numbering low: seqId < prevSeqId.
    if (!symbols_[symbol].books) return;
    symbols_[symbol].sequence_base =
        static_cast<std::int64_t>(market_.book(symbol).last_update_id()) - 1;
  }

 private:
  struct SymbolState {
    bool books = false, bbo = false, tickers = false, trades = false;
    // The `books` window the client holds, best first.
    std::vector<BookLevel> held_bids, held_asks;
    std::int64_t last_sequence = 0;  // the seqId of the last `books` push
    std::int64_t sequence_base = 0;  // seqId = book update id - base
    std::int64_t last_push_ns = 0;
    bool skip_next = false;
    bool corrupt_next = false;
    TickerStats stats;
  };
  struct Arg {
    Channel channel;
    std::size_t symbol;
  };
  struct Request {
    std::string id;
    std::string op;
    std::vector<Arg> args;
  };
  struct Error {
    std::string_view code;
    std::string message;
  };

  void SetSubscribed(const Arg& arg, bool subscribed) {
    SymbolState& state = symbols_[arg.symbol];
    switch (arg.channel) {
      case Channel::kBooks:
        state.books = subscribed;
        break;
      case Channel::kBboTbt:
        state.bbo = subscribed;
        break;
      case Channel::kTickers:
        state.tickers = subscribed;
        break;
      case Channel::kTrades:
        state.trades = subscribed;
        break;
    }
  }

  static Error InvalidRequest(std::string_view text) {
    std::string message = "Invalid request: ";
    message.append(text.substr(0, kMaxQuotedRequest));
    return {"60012", std::move(message)};
  }

  // Hostile input: anything that is not OKX's request shape is refused with OKX's error, and
  // nothing is subscribed unless every arg is valid.
  std::optional<Error> ParseRequest(std::string_view text, Request* request) {
    if (text.size() > kMaxRequestBytes) return InvalidRequest(text);
    simdjson::dom::element root;
    if (parser_.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS) {
      return InvalidRequest(text);
    }
    simdjson::dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) return InvalidRequest(text);
    bool has_args = false;
    simdjson::dom::array args;
    for (const auto [key, value] : object) {
      if (key == "id") {
        std::string_view id;
        if (value.get_string().get(id) != simdjson::SUCCESS || id.size() > kMaxRequestId ||
            !std::all_of(id.begin(), id.end(),
                         [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
          return InvalidRequest(text);
        }
        request->id = id;
      } else if (key == "op") {
        std::string_view op;
        if (value.get_string().get(op) != simdjson::SUCCESS) return InvalidRequest(text);
        request->op = op;
      } else if (key == "args") {
        if (value.get_array().get(args) != simdjson::SUCCESS) return InvalidRequest(text);
        has_args = true;
      }
    }
    if (request->op.empty()) return InvalidRequest(text);
    if (request->op != "subscribe" && request->op != "unsubscribe") {
      return Error{"60019", "Invalid op: " + request->op};
    }
    if (!has_args || args.size() == 0) return InvalidRequest(text);
    for (simdjson::dom::element element : args) {
      simdjson::dom::object arg;
      if (element.get_object().get(arg) != simdjson::SUCCESS) return InvalidRequest(text);
      std::string_view channel_name, inst_id;
      bool has_channel = false, has_inst_id = false;
      for (const auto [key, value] : arg) {
        if (key == "channel") {
          if (value.get_string().get(channel_name) != simdjson::SUCCESS) {
            return InvalidRequest(text);
          }
          has_channel = true;
        } else if (key == "instId") {
          if (value.get_string().get(inst_id) != simdjson::SUCCESS) return InvalidRequest(text);
          has_inst_id = true;
        }
      }
      if (!has_channel) return InvalidRequest(text);
      const std::optional<Channel> channel = ParseChannel(channel_name);
      if (channel.has_value() && !has_inst_id) {
        return Error{"60027", "Parameter instId can not be empty."};
      }
      const std::optional<std::size_t> symbol = market_.Find(inst_id);
      if (!channel.has_value() || !symbol.has_value()) {
        std::string message = "Wrong URL or channel:";
        message.append(channel_name);
        message.append(",instId:");
        message.append(inst_id);
        message.append(
            " doesn't exist. Please use the correct URL, channel and parameters referring to API "
            "document.");
        return Error{"60018", std::move(message)};
      }
      request->args.push_back({*channel, *symbol});
    }
    return std::nullopt;
  }

  std::int64_t Sequence(std::size_t symbol) const {
    return static_cast<std::int64_t>(market_.book(symbol).last_update_id()) -
           symbols_[symbol].sequence_base;
  }

  std::int32_t HeldChecksum(const SymbolState& state) const {
    return options_->checksum ? BookChecksum(state.held_bids, state.held_asks) : 0;
  }

  void Window(std::size_t symbol, std::vector<BookLevel>* bids,
              std::vector<BookLevel>* asks) const {
    BookLevels levels = market_.book(symbol).Levels(options_->book_depth);
    *bids = std::move(levels.bids);
    *asks = std::move(levels.asks);
  }

  void InitialPush(const Arg& arg, StreamOutput& out) {
    SymbolState& state = symbols_[arg.symbol];
    const std::string_view inst_id = market_.spec(arg.symbol).symbol;
    const std::int64_t now_ns = market_.now_ns();
    const TopOfBook top = market_.book(arg.symbol).top();
    switch (arg.channel) {
      case Channel::kBooks: {
        Window(arg.symbol, &state.held_bids, &state.held_asks);
        BooksPush push;
        push.inst_id = inst_id;
        push.snapshot = true;
        push.bids = state.held_bids;
        push.asks = state.held_asks;
        push.time_ms = Millis(now_ns);
        push.checksum = HeldChecksum(state);
        push.previous_sequence = -1;
        push.sequence = Sequence(arg.symbol);
        out.Send(BooksMessage(push));
        state.last_sequence = push.sequence;
        state.last_push_ns = now_ns;
        break;
      }
      case Channel::kBboTbt:
        out.Send(BboTbtMessage(inst_id, top, Millis(now_ns), Sequence(arg.symbol)));
        break;
      case Channel::kTickers:
        out.Send(TickersMessage(options_->inst_type, inst_id, top, state.stats, Millis(now_ns)));
        break;
      case Channel::kTrades:  // trades come as they happen
        break;
    }
  }

  void PushBookUpdate(std::size_t symbol, StreamOutput& out) {
    SymbolState& state = symbols_[symbol];
    std::vector<BookLevel> bids, asks;
    Window(symbol, &bids, &asks);
    changed_bids_.clear();
    changed_asks_.clear();
    DiffSide(state.held_bids, bids, std::greater<>(), &changed_bids_);
    DiffSide(state.held_asks, asks, std::less<>(), &changed_asks_);
    // Changes beyond the window only: OKX pushes nothing, and the chain goes on from the last
    // push.
    if (changed_bids_.empty() && changed_asks_.empty()) return;
    state.held_bids = std::move(bids);
    state.held_asks = std::move(asks);
    const std::int64_t sequence = Sequence(symbol);
    const std::int64_t previous = std::exchange(state.last_sequence, sequence);
    if (std::exchange(state.skip_next, false)) return;  // lost: the next prevSeqId shows it
    BooksPush push;
    push.inst_id = market_.spec(symbol).symbol;
    push.bids = changed_bids_;
    push.asks = changed_asks_;
    push.time_ms = Millis(market_.now_ns());
    push.checksum = HeldChecksum(state);
    if (std::exchange(state.corrupt_next, false)) {
      // Any other value, but never 0, which means "no checksum".
      push.checksum = (push.checksum ^ 1) != 0 ? (push.checksum ^ 1) : 2;
    }
    push.previous_sequence = previous;
    push.sequence = sequence;
    out.Send(BooksMessage(push));
    state.last_push_ns = market_.now_ns();
  }

  void ResetStats(std::size_t symbol) {
    const SymbolSpec& spec = market_.spec(symbol);
    TickerStats& stats = symbols_[symbol].stats;
    stats = TickerStats{};
    stats.last_price = spec.start_price;
    stats.last_size = spec.lot_size;
    stats.open_24h = stats.high_24h = stats.low_24h = spec.start_price;
  }

  static void Record(TickerStats& stats, const TradePrint& trade) {
    stats.last_price = trade.price;
    stats.last_size = trade.quantity;
    stats.high_24h = std::max(stats.high_24h, trade.price);
    stats.low_24h = std::min(stats.low_24h, trade.price);
    stats.volume_24h += trade.quantity;
    stats.quote_volume_24h += Notional(trade.price, trade.quantity);
  }

  const std::shared_ptr<const OkxDialectOptions> options_;  // the dialect's
  const StreamMarket& market_;
  const std::string conn_id_;
  std::vector<SymbolState> symbols_;
  simdjson::dom::parser parser_;
  std::vector<BookLevel> changed_bids_, changed_asks_;
};

class OkxDialect final : public StreamDialect {
 public:
  explicit OkxDialect(OkxDialectOptions options)
      : options_(std::make_shared<const OkxDialectOptions>(std::move(options))) {
    if (options_->orders.enabled) {
      orders_ = std::make_unique<OkxOrderEntry>(options_->orders, options_->min_sizes);
    }
  }

  std::string_view venue_name() const override { return "okx"; }
  std::string ws_path() const override { return std::string(kWsPath); }
  bool AcceptsWebSocket(std::string_view path) const override { return path == kWsPath; }

  std::unique_ptr<StreamSession> NewSession(std::string_view /*target*/,
                                            const StreamMarket& market) override {
    // OKX's connId: 8 hex digits, different for every connection.
    const std::uint64_t id = MixSeed(0x6f6b78, ++sessions_) & 0xffffffffu;
    return std::make_unique<OkxSession>(options_, market, fmt::format("{:08x}", id));
  }

  net::ServerResponse HandleRest(const net::ServerRequest& request,
                                 const StreamMarket& market) override {
    const std::string_view path = request.Path();
    if (request.method == "GET" && path == "/api/v5/public/instruments") {
      return Instruments(request.Query(), market);
    }
    if (request.method == "GET" && path == "/api/v5/market/books") {
      return MarketBooks(request.Query(), market);
    }
    if (request.method == "GET" && path == "/api/v5/public/time") {
      return Ok(fmt::format(R"({{"code":"0","data":[{{"ts":"{}"}}],"msg":""}})",
                            Millis(market.now_ns())));
    }
    net::ServerResponse response;
    response.status = 404;
    response.body =
        R"({"code":404,"data":{},"detailMsg":"No message available","msg":"Not Found"})";
    return response;
  }

  bool can_skip_update() const override { return true; }
  bool has_checksum() const override { return options_->checksum; }
  bool has_sequence_reset() const override { return true; }
  std::chrono::milliseconds heartbeat_interval() const override {
    // Often enough to send the idle update close to idle_interval after the last push.
    return std::clamp(options_->idle_interval / 4, std::chrono::milliseconds(1),
                      std::chrono::milliseconds(1000));
  }

  // ---- order entry (okx_orders_sim.h) ----
  std::optional<StreamOrderEntry> order_entry() const override {
    if (!orders_) return std::nullopt;
    return orders_->stream_entry();
  }
  bool IsOrderEntry(const net::ServerRequest& request) const override {
    return orders_ != nullptr && OkxOrderEntry::Handles(request.Path());
  }
  net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                       StreamOrders& orders) override {
    return orders_->Handle(request, orders);
  }
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& /*request*/,
                                        std::chrono::seconds /*retry_after*/,
                                        bool /*banned*/) const override {
    // OKX has no ban: a client that goes on while limited gets the same 429.
    return OkxOrderEntry::RateLimitedAnswer();
  }
  net::ServerResponse ServerErrorAnswer(const net::ServerRequest& /*request*/) const override {
    return OkxOrderEntry::ServerErrorAnswer();
  }

 private:
  static net::ServerResponse Ok(std::string body) {
    net::ServerResponse response;
    response.body = std::move(body);
    return response;
  }
  static net::ServerResponse Refuse(std::string_view code, std::string_view message) {
    net::ServerResponse response;
    response.status = 400;
    response.body = RestErrorBody(code, message);
    return response;
  }

  net::ServerResponse Instruments(std::string_view query, const StreamMarket& market) const {
    const std::optional<std::string> inst_type = QueryParam(query, "instType");
    if (!inst_type.has_value() || inst_type->empty()) {
      return Refuse("50014", "Parameter instType cannot be empty");
    }
    static constexpr std::string_view kTypes[] = {"SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"};
    if (std::find(std::begin(kTypes), std::end(kTypes), *inst_type) == std::end(kTypes)) {
      return Refuse("51000", "Parameter instType error");
    }
    const std::optional<std::string> inst_id = QueryParam(query, "instId");
    std::string items;
    bool found = false;
    // The sim lists instruments of its own type only; another valid type has none.
    if (*inst_type == options_->inst_type) {
      for (std::size_t s = 0; s < market.symbol_count(); ++s) {
        const SymbolSpec& spec = market.spec(s);
        if (inst_id.has_value() && spec.symbol != *inst_id) continue;
        found = true;
        if (!items.empty()) items.push_back(',');
        const auto min_size = options_->min_sizes.find(spec.symbol);
        AppendSpotInstrument(
            items, spec, min_size != options_->min_sizes.end() ? min_size->second : spec.lot_size);
      }
    }
    if (inst_id.has_value() && !found) return Refuse("51001", "Instrument ID does not exist");
    return Ok(InstrumentsBody(items));
  }

  net::ServerResponse MarketBooks(std::string_view query, const StreamMarket& market) const {
    const std::optional<std::string> inst_id = QueryParam(query, "instId");
    if (!inst_id.has_value() || inst_id->empty()) {
      return Refuse("50014", "Parameter instId cannot be empty");
    }
    const std::optional<std::size_t> symbol = market.Find(*inst_id);
    if (!symbol.has_value()) return Refuse("51001", "Instrument ID does not exist");
    int depth = 1;
    if (const std::optional<std::string> sz = QueryParam(query, "sz"); sz.has_value()) {
      std::int64_t value = 0;
      if (core::ParseDecimal(*sz, 0, &value) != core::DecimalError::kOk || value < 1 ||
          value > kMaxRestBookDepth) {
        return Refuse("51000", "Parameter sz error");
      }
      depth = static_cast<int>(value);
    }
    return Ok(MarketBooksBody(market.book(*symbol).Levels(static_cast<std::size_t>(depth)),
                              Millis(market.now_ns())));
  }

  // Shared with the sessions, which may outlive the dialect during the sim's teardown.
  std::shared_ptr<const OkxDialectOptions> options_;
  std::unique_ptr<OkxOrderEntry> orders_;  // null: the venue takes no orders
  std::uint64_t sessions_ = 0;
};

}  // namespace

std::unique_ptr<StreamDialect> MakeOkxDialect(OkxDialectOptions options) {
  return std::make_unique<OkxDialect>(std::move(options));
}

}  // namespace tradingd::sim::okx
