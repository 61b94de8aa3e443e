#include "sim/bybit/bybit_sim.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <span>
#include <utility>

#include "sim/bybit/bybit_wire.h"
#include "sim/common/http_query.h"

namespace tradingd::sim::bybit {
namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kSpotMaxArgs = 10;
// Depth 1 re-sends its snapshot, with the same u, after this long without a change.
constexpr std::int64_t kDepthOneRepushMs = 3000;
constexpr std::int64_t kFundingIntervalMs = 8 * 3600 * 1000;
constexpr std::int64_t kFundingRate = 10'000;  // 0.0001
constexpr std::int64_t kOpenInterestLots = 40;  // open interest, in max order quantities
constexpr std::uint64_t kConnIdSeed = 0xb7b1'7c0e'0000'0000ULL;
constexpr std::string_view kDecodeFailure = "Failed to decode incoming data: invalid request";
constexpr std::string_view kHandlerNotFound = "error:handler not found";

// Price order of each side: best first.
struct BidsFirst {
  bool operator()(std::int64_t a, std::int64_t b) const { return a > b; }
};
struct AsksFirst {
  bool operator()(std::int64_t a, std::int64_t b) const { return a < b; }
};

template <typename Map>
void ApplyLevels(Map& side, std::span<const BookLevel> levels) {
  for (const BookLevel& level : levels) {
    if (level.quantity == 0) {
      side.erase(level.price);
    } else {
      side[level.price] = level.quantity;
    }
  }
}

template <typename Map>
void TopLevels(const Map& side, std::size_t depth, std::vector<BookLevel>& out) {
  out.clear();
  for (auto it = side.begin(); it != side.end() && out.size() < depth; ++it) {
    out.push_back({it->first, it->second});
  }
}

// Puts into `changes` (best first) what turns `published` into the best `depth` levels of
// `side`: new and resized levels with their size, levels gone from the window with size 0. Then
// `published` is that window.
template <typename Map, typename Order>
void DiffWindow(const Map& side, std::size_t depth, Order first, std::vector<BookLevel>& published,
                std::vector<BookLevel>& window, std::vector<BookLevel>& changes) {
  TopLevels(side, depth, window);
  changes.clear();
  std::size_t a = 0, b = 0;
  while (a < published.size() || b < window.size()) {
    if (b == window.size() ||
        (a < published.size() && first(published[a].price, window[b].price))) {
      changes.push_back({published[a++].price, 0});
    } else if (a == published.size() || first(window[b].price, published[a].price)) {
      changes.push_back(window[b++]);
    } else {
      if (published[a].quantity != window[b].quantity) changes.push_back(window[b]);
      ++a;
      ++b;
    }
  }
  published.swap(window);
}

// Products of two kSimScale mantissas overflow int64 (60,000 x 1,000 is 6e20 at scale 16).
__extension__ typedef __int128 Int128;

std::int64_t MulScaled(std::int64_t a, std::int64_t b) {
  return static_cast<std::int64_t>(static_cast<Int128>(a) * b / 100'000'000);
}

// (last - previous) / previous at kSimScale, cut to `digits` decimals as Bybit writes it.
std::int64_t ChangeRatio(std::int64_t last, std::int64_t previous, int digits) {
  if (previous == 0) return 0;
  const auto ratio = static_cast<std::int64_t>(static_cast<Int128>(last - previous) *
                                               100'000'000 / previous);
  std::int64_t unit = 1;
  for (int i = digits; i < kSimScale; ++i) unit *= 10;
  return ratio / unit * unit;
}

enum class Channel : std::uint8_t { kOrderbook, kTrade, kTicker };

struct Topic {
  Channel channel = Channel::kOrderbook;
  int depth = 0;
  std::size_t symbol = 0;
  std::string text;
};

struct Request {
  std::string op;
  std::optional<std::string> req_id;
  std::vector<std::string> args;
  bool has_args = false;
};

class BybitSession final : public StreamSession {
 public:
  BybitSession(Category category, std::string conn_id, const StreamMarket& market)
      : category_(category),
        conn_id_(std::move(conn_id)),
        replay_(market.replay()),
        base_ms_(market.now_ns() / 1'000'000),
        base_steady_(std::chrono::steady_clock::now()) {
    symbols_.reserve(market.symbol_count());
    for (std::size_t i = 0; i < market.symbol_count(); ++i) {
      const SyntheticMarket& book = market.book(i);
      SymbolState& s = symbols_.emplace_back();
      s.spec = market.spec(i);
      s.format = FormatOf(category_, s.spec);
      s.bids = book.bids();
      s.asks = book.asks();
      s.cross_sequence = book.last_update_id();
      s.last_price = s.high = s.low = s.spec.start_price;
      by_symbol_.emplace(s.spec.symbol, i);
    }
  }

  void OnClientText(std::string_view text, StreamOutput& out) override {
    Request request;
    if (!Decode(text, &request)) {
      out.Send(OpFailure(category_, conn_id_, std::nullopt, "", kDecodeFailure));
      return;
    }
    if (request.op == "ping") {
      out.Send(Pong(category_, conn_id_, request.req_id));
    } else if (request.op == "subscribe" || request.op == "unsubscribe") {
      OnTopics(request, out);
    } else {
      out.Send(OpFailure(category_, conn_id_, request.req_id, request.op, kHandlerNotFound));
    }
  }

  void OnBookCut(const BookCut& cut, StreamOutput& out) override {
    if (cut.symbol >= symbols_.size()) return;
    SymbolState& s = symbols_[cut.symbol];
    ApplyLevels(s.bids, cut.bids);
    ApplyLevels(s.asks, cut.asks);
    s.cross_sequence = cut.last_update_id;
    const std::int64_t now = NowMs();
    trades_.clear();
    for (const TradePrint& print : cut.trades) trades_.push_back(Record(s, print, now));
    if (s.trades && !trades_.empty()) {
      out.Send(PublicTradeMessage(s.spec.symbol, now, trades_, s.format));
    }
    for (BookStream& stream : s.books) {
      if (stream.active) PublishBook(s, stream, now, out);
    }
    if (s.tickers) PublishTicker(s, !trades_.empty(), now, out);
  }

  bool subscribed() const override {
    for (const SymbolState& s : symbols_) {
      if (s.trades || s.tickers) return true;
      for (const BookStream& stream : s.books) {
        if (stream.active) return true;
      }
    }
    return false;
  }

  void SkipUpdate(std::size_t symbol) override {
    if (symbol >= symbols_.size()) return;
    for (BookStream& stream : symbols_[symbol].books) {
      if (stream.active) stream.skip_next = true;
    }
  }

  void ResetSequence(std::size_t symbol, StreamOutput& out) override {
    if (symbol >= symbols_.size()) return;
    SymbolState& s = symbols_[symbol];
    const std::int64_t now = NowMs();
    for (BookStream& stream : s.books) {
      if (!stream.active) continue;
      // Bybit's service restart: the stream starts over at u = 1 with a full snapshot.
      stream.update_id = 1;
      stream.skip_next = false;
      SendSnapshot(s, stream, now, out);
    }
  }

 private:
  struct BookStream {
    int depth = 0;
    bool active = false;
    bool skip_next = false;
    std::uint64_t update_id = 0;    // u of the stream's last message, sent or lost
    std::int64_t last_push_ms = 0;  // depth 1: when the last snapshot went out
    std::vector<BookLevel> bids;    // the window the client holds, best first
    std::vector<BookLevel> asks;
  };

  struct SymbolState {
    SymbolSpec spec;
    NumberFormat format;
    SyntheticMarket::BidMap bids;  // the venue's whole book, moved by the cuts
    SyntheticMarket::AskMap asks;
    std::uint64_t cross_sequence = 0;
    // One per depth ever subscribed, kept after an unsubscribe so that u carries on.
    std::vector<BookStream> books;
    bool trades = false;
    bool tickers = false;
    // The 24 h figures, counted from the session's start.
    std::int64_t last_price = 0, high = 0, low = 0, volume = 0, turnover = 0;
    TickDirection direction = TickDirection::kZeroPlusTick;
    LinearTicker linear_sent;  // what the client's ticker holds (linear deltas)
  };

  std::int64_t NowMs() const {
    return base_ms_ + std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - base_steady_)
                          .count();
  }

  // False when `text` is not a JSON object whose op, req_id and args have the right types.
  bool Decode(std::string_view text, Request* request) {
    dom::element root;
    dom::object object;
    if (parser_.parse(text.data(), text.size()).get(root) != simdjson::SUCCESS ||
        root.get_object().get(object) != simdjson::SUCCESS) {
      return false;
    }
    for (dom::key_value_pair field : object) {
      std::string_view text_value;
      if (field.key == "op") {
        if (field.value.get_string().get(text_value) != simdjson::SUCCESS) return false;
        request->op = text_value;
      } else if (field.key == "req_id") {
        if (field.value.get_string().get(text_value) != simdjson::SUCCESS) return false;
        request->req_id = std::string(text_value);
      } else if (field.key == "args") {
        dom::array args;
        if (field.value.get_array().get(args) != simdjson::SUCCESS) return false;
        request->has_args = true;
        request->args.clear();
        for (dom::element arg : args) {
          if (arg.get_string().get(text_value) != simdjson::SUCCESS) return false;
          request->args.emplace_back(text_value);
        }
      }
    }
    return true;
  }

  // Empty when `text` names a topic of this venue; otherwise the refusal's ret_msg.
  std::string ParseTopic(const std::string& text, Topic* topic) const {
    topic->text = text;
    const std::string not_found = std::string(kHandlerNotFound) + ",topic:" + text;
    const std::string_view view = text;
    const std::size_t dot = view.find('.');
    if (dot == std::string_view::npos) return not_found;
    const std::string_view channel = view.substr(0, dot);
    std::string_view rest = view.substr(dot + 1);
    if (channel == "orderbook") {
      const std::size_t second = rest.find('.');
      if (second == std::string_view::npos) return not_found;
      const std::string_view depth = rest.substr(0, second);
      int value = 0;
      const auto [end, error] = std::from_chars(depth.data(), depth.data() + depth.size(), value);
      if (depth.empty() || error != std::errc() || end != depth.data() + depth.size() ||
          depth.front() == '0' || !IsBookDepth(category_, value)) {
        return not_found;
      }
      topic->channel = Channel::kOrderbook;
      topic->depth = value;
      rest = rest.substr(second + 1);
    } else if (channel == "publicTrade") {
      topic->channel = Channel::kTrade;
    } else if (channel == "tickers") {
      topic->channel = Channel::kTicker;
    } else {
      return not_found;
    }
    const auto it = by_symbol_.find(rest);
    if (it == by_symbol_.end()) {
      // Spot names the topic it does not know; linear answers as for an unknown channel.
      return category_ == Category::kSpot ? "Invalid symbol :[" + text + "]" : not_found;
    }
    topic->symbol = it->second;
    return {};
  }

  BookStream* FindStream(SymbolState& s, int depth) {
    for (BookStream& stream : s.books) {
      if (stream.depth == depth) return &stream;
    }
    return nullptr;
  }

  bool IsSubscribed(const Topic& topic) {
    SymbolState& s = symbols_[topic.symbol];
    switch (topic.channel) {
      case Channel::kOrderbook: {
        const BookStream* stream = FindStream(s, topic.depth);
        return stream != nullptr && stream->active;
      }
      case Channel::kTrade: return s.trades;
      case Channel::kTicker: return s.tickers;
    }
    return false;
  }

  // A subscribe or unsubscribe request: all its topics, or none.
  void OnTopics(const Request& request, StreamOutput& out) {
    const bool subscribe = request.op == "subscribe";
    auto refuse = [&](std::string_view ret_msg) {
      out.Send(OpFailure(category_, conn_id_, request.req_id, request.op, ret_msg));
    };
    if (!request.has_args || request.args.empty()) return refuse("Params Error");
    if (category_ == Category::kSpot && request.args.size() > kSpotMaxArgs) {
      return refuse("args size >10");
    }
    std::vector<Topic> topics;
    for (const std::string& arg : request.args) {
      Topic topic;
      if (std::string problem = ParseTopic(arg, &topic); !problem.empty()) return refuse(problem);
      const bool repeated = std::any_of(topics.begin(), topics.end(), [&](const Topic& other) {
        return other.text == topic.text;
      });
      if (subscribe && (repeated || IsSubscribed(topic))) {
        return refuse("error:already subscribed,topic:" + arg);
      }
      topics.push_back(std::move(topic));
    }
    out.Send(OpSuccess(category_, conn_id_, request.req_id, request.op));
    const std::int64_t now = NowMs();
    for (const Topic& topic : topics) {
      if (subscribe) {
        Start(topic, now, out);
      } else {
        Stop(topic);
      }
    }
  }

  void Start(const Topic& topic, std::int64_t now, StreamOutput& out) {
    SymbolState& s = symbols_[topic.symbol];
    switch (topic.channel) {
      case Channel::kTrade: s.trades = true; return;
      case Channel::kTicker:
        s.tickers = true;
        if (!replay_) SendTickerSnapshot(s, now, out);
        return;
      case Channel::kOrderbook: break;
    }
    BookStream* stream = FindStream(s, topic.depth);
    if (stream == nullptr) {
      stream = &s.books.emplace_back();
      stream->depth = topic.depth;
      // A stream the client joins has been counting for a while.
      stream->update_id = s.cross_sequence;
    }
    stream->active = true;
    stream->skip_next = false;
    // In replay the recorded frames carry the books.
    if (replay_) return;
    ++stream->update_id;
    SendSnapshot(s, *stream, now, out);
  }

  void Stop(const Topic& topic) {
    SymbolState& s = symbols_[topic.symbol];
    switch (topic.channel) {
      case Channel::kTrade: s.trades = false; return;
      case Channel::kTicker: s.tickers = false; return;
      case Channel::kOrderbook:
        if (BookStream* stream = FindStream(s, topic.depth)) stream->active = false;
        return;
    }
  }

  void SendSnapshot(SymbolState& s, BookStream& stream, std::int64_t now, StreamOutput& out) {
    const auto depth = static_cast<std::size_t>(stream.depth);
    TopLevels(s.bids, depth, stream.bids);
    TopLevels(s.asks, depth, stream.asks);
    stream.last_push_ms = now;
    out.Send(OrderbookMessage(s.spec.symbol, stream.depth, true, now, stream.bids, stream.asks,
                              stream.update_id, s.cross_sequence, now, s.format));
  }

  void PublishBook(SymbolState& s, BookStream& stream, std::int64_t now, StreamOutput& out) {
    const auto depth = static_cast<std::size_t>(stream.depth);
    DiffWindow(s.bids, depth, BidsFirst{}, stream.bids, window_, bid_changes_);
    DiffWindow(s.asks, depth, AsksFirst{}, stream.asks, window_, ask_changes_);
    const bool changed = !bid_changes_.empty() || !ask_changes_.empty();
    if (!changed) {
      if (stream.depth == 1 && now - stream.last_push_ms >= kDepthOneRepushMs) {
        stream.last_push_ms = now;
        out.Send(OrderbookMessage(s.spec.symbol, 1, true, now, stream.bids, stream.asks,
                                  stream.update_id, s.cross_sequence, now, s.format));
      }
      return;
    }
    ++stream.update_id;
    stream.last_push_ms = now;
    if (stream.skip_next) {
      stream.skip_next = false;  // lost: u has moved on without the client
      return;
    }
    // Depth 1 is a stream of snapshots.
    if (stream.depth == 1) {
      out.Send(OrderbookMessage(s.spec.symbol, 1, true, now, stream.bids, stream.asks,
                                stream.update_id, s.cross_sequence, now, s.format));
      return;
    }
    out.Send(OrderbookMessage(s.spec.symbol, stream.depth, false, now, bid_changes_,
                              ask_changes_, stream.update_id, s.cross_sequence, now, s.format));
  }

  PublicTrade Record(SymbolState& s, const TradePrint& print, std::int64_t now) {
    if (print.price > s.last_price) {
      s.direction = TickDirection::kPlusTick;
    } else if (print.price < s.last_price) {
      s.direction = TickDirection::kMinusTick;
    } else if (s.direction == TickDirection::kPlusTick ||
               s.direction == TickDirection::kZeroPlusTick) {
      s.direction = TickDirection::kZeroPlusTick;
    } else {
      s.direction = TickDirection::kZeroMinusTick;
    }
    s.last_price = print.price;
    s.high = std::max(s.high, print.price);
    s.low = std::min(s.low, print.price);
    s.volume += print.quantity;
    s.turnover += MulScaled(print.price, print.quantity);
    PublicTrade trade;
    trade.time_ms = now;
    trade.taker_buys = !print.buyer_is_maker;  // a maker buyer means a seller took the bid
    trade.price = print.price;
    trade.quantity = print.quantity;
    trade.id = TradeIdText(category_, print.trade_id);
    trade.direction = s.direction;
    trade.seq = s.cross_sequence;
    return trade;
  }

  LinearTicker CurrentLinearTicker(const SymbolState& s) const {
    LinearTicker t;
    const std::int64_t start = s.spec.start_price;
    const std::int64_t tick = std::max<std::int64_t>(s.spec.tick_size, 1);
    t.tick_direction = s.direction;
    t.change_ratio = ChangeRatio(s.last_price, start, 6);
    t.last_price = s.last_price;
    t.prev_price_24h = start;
    t.high_price = s.high;
    t.low_price = s.low;
    t.prev_price_1h = start;
    if (!s.bids.empty()) {
      t.bid1_price = s.bids.begin()->first;
      t.bid1_size = s.bids.begin()->second;
    }
    if (!s.asks.empty()) {
      t.ask1_price = s.asks.begin()->first;
      t.ask1_size = s.asks.begin()->second;
    }
    const std::int64_t mid = t.bid1_price != 0 && t.ask1_price != 0
                                 ? (t.bid1_price + t.ask1_price) / 2 / tick * tick
                                 : s.last_price;
    t.mark_price = mid;
    t.index_price = mid;
    t.open_interest = s.spec.max_quantity * kOpenInterestLots;
    t.open_interest_value = MulScaled(t.open_interest, mid);
    t.turnover = s.turnover;
    t.volume = s.volume;
    t.next_funding_time_ms = (base_ms_ / kFundingIntervalMs + 1) * kFundingIntervalMs;
    t.funding_rate = kFundingRate;
    return t;
  }

  SpotTicker CurrentSpotTicker(const SymbolState& s) const {
    SpotTicker t;
    t.last_price = s.last_price;
    t.high_price = s.high;
    t.low_price = s.low;
    t.prev_price_24h = s.spec.start_price;
    t.volume = s.volume;
    t.turnover = s.turnover;
    t.change_ratio = ChangeRatio(s.last_price, s.spec.start_price, 4);
    t.usd_index_price = s.last_price;  // USDT at par
    return t;
  }

  void SendTickerSnapshot(SymbolState& s, std::int64_t now, StreamOutput& out) {
    if (category_ == Category::kSpot) {
      out.Send(SpotTickerMessage(s.spec.symbol, now, s.cross_sequence, CurrentSpotTicker(s)));
      return;
    }
    s.linear_sent = CurrentLinearTicker(s);
    out.Send(LinearTickerMessage(s.spec.symbol, true, LinearTicker::kAllFields, s.linear_sent,
                                 s.cross_sequence, now, s.format));
  }

  // Spot tickers are snapshots pushed when the last trade moved them; linear sends the fields
  // that changed.
  void PublishTicker(SymbolState& s, bool traded, std::int64_t now, StreamOutput& out) {
    if (category_ == Category::kSpot) {
      if (traded) SendTickerSnapshot(s, now, out);
      return;
    }
    const LinearTicker current = CurrentLinearTicker(s);
    const std::uint32_t fields = ChangedFields(s.linear_sent, current);
    if (fields == 0) return;
    s.linear_sent = current;
    out.Send(LinearTickerMessage(s.spec.symbol, false, fields, current, s.cross_sequence, now,
                                 s.format));
  }

  const Category category_;
  const std::string conn_id_;
  const bool replay_;
  const std::int64_t base_ms_;  // the market's wall clock when the session opened
  const std::chrono::steady_clock::time_point base_steady_;
  std::vector<SymbolState> symbols_;
  std::map<std::string, std::size_t, std::less<>> by_symbol_;
  dom::parser parser_;
  // Scratch, reused across cuts.
  std::vector<BookLevel> window_, bid_changes_, ask_changes_;
  std::vector<PublicTrade> trades_;
};

class BybitDialect final : public StreamDialect {
 public:
  BybitDialect(Category category, BybitDialectOptions options)
      : category_(category),
        ws_path_("/v5/public/" + std::string(CategoryName(category))),
        clock_(options.clock),
        order_options_(std::move(options.orders)) {
    // Only spot takes orders in the sandbox.
    if (category_ == Category::kSpot) orders_ = std::make_unique<BybitOrderEntry>(order_options_);
  }

  std::string_view venue_name() const override { return "bybit"; }
  std::string ws_path() const override { return ws_path_; }
  bool AcceptsWebSocket(std::string_view path) const override { return path == ws_path_; }

  std::unique_ptr<StreamSession> NewSession(std::string_view /*target*/,
                                            const StreamMarket& market) override {
    market_ = &market;
    return std::make_unique<BybitSession>(category_, UuidText(kConnIdSeed + ++connections_),
                                          market);
  }

  net::ServerResponse HandleRest(const net::ServerRequest& request,
                                 const StreamMarket& market) override {
    market_ = &market;
    const std::int64_t now_ns = market.now_ns();
    const std::int64_t now_ms = now_ns / 1'000'000;
    net::ServerResponse response;
    const std::string_view path = request.Path();
    if (!orders_ && BybitOrderEntry::Handles(path)) {
      // A category without order entry has no sandbox keys: every key is unknown.
      response.body = RestErrorBody(10003, "API key is invalid.", now_ms);
      return response;
    }
    if (request.method != "GET" ||
        (path != "/v5/market/instruments-info" && path != "/v5/market/time")) {
      response.status = 404;
      response.content_type = "text/plain; charset=utf-8";
      response.body = "404 page not found";
      return response;
    }
    if (path == "/v5/market/time") {
      response.body = ServerTimeBody(now_ns);
      return response;
    }
    // Bybit answers parameter errors with HTTP 200 and a retCode.
    const std::string category = QueryParam(request.Query(), "category").value_or("");
    if (category != "spot" && category != "linear" && category != "inverse" &&
        category != "option") {
      response.body = RestErrorBody(10001, "Illegal category", now_ms);
      return response;
    }
    if (const auto limit = QueryParam(request.Query(), "limit")) {
      int value = 0;
      const auto [end, error] = std::from_chars(limit->data(), limit->data() + limit->size(), value);
      if (error != std::errc() || end != limit->data() + limit->size() || value < 1 ||
          value > 1000) {
        response.body = RestErrorBody(10001, "params error: limit", now_ms);
        return response;
      }
    }
    if (category != CategoryName(category_)) {
      response.body = EmptyInstrumentsInfoBody(category, now_ms);
      return response;
    }
    const auto symbol = QueryParam(request.Query(), "symbol");
    const auto status = QueryParam(request.Query(), "status");
    std::vector<const SymbolSpec*> listed;
    // Every sim symbol is Trading; an unknown symbol gives an empty list, not an error.
    if (!status || *status == "Trading") {
      for (std::size_t i = 0; i < market.symbol_count(); ++i) {
        const SymbolSpec& spec = market.spec(i);
        if (!symbol || *symbol == spec.symbol) listed.push_back(&spec);
      }
    }
    response.body = InstrumentsInfoBody(category_, listed, now_ms);
    return response;
  }

  bool can_skip_update() const override { return true; }
  bool has_sequence_reset() const override { return true; }

  // ---- order entry (spot) ----

  std::optional<StreamOrderEntry> order_entry() const override {
    if (!orders_) return std::nullopt;
    return BybitStreamOrderEntry(order_options_);
  }
  bool IsOrderEntry(const net::ServerRequest& request) const override {
    return orders_ != nullptr && BybitOrderEntry::Handles(request.Path());
  }
  net::ServerResponse HandleOrderEntry(const net::ServerRequest& request,
                                       StreamOrders& orders) override {
    market_ = &orders.market();
    if (!orders_) return HandleRest(request, orders.market());
    return orders_->Handle(request, orders);
  }
  net::ServerResponse RateLimitedAnswer(const net::ServerRequest& request,
                                        std::chrono::seconds retry_after,
                                        bool /*banned*/) const override {
    // Bybit's API rate limit has no ban: more requests get the same refusal until it resets.
    if (!orders_) return StreamDialect::RateLimitedAnswer(request, retry_after, true);
    return orders_->RateLimitedAnswer(request, NowMs(), retry_after);
  }
  net::ServerResponse ServerErrorAnswer(const net::ServerRequest& request) const override {
    if (!orders_) return StreamDialect::ServerErrorAnswer(request);
    return orders_->ServerErrorAnswer(NowMs());
  }
  void OnOrderEvent(const OrderEvent& event) override {
    if (orders_) orders_->OnOrderEvent(event);
  }

 private:
  std::int64_t NowMs() const {
    if (clock_ != nullptr) return clock_->NowNs() / 1'000'000;
    if (market_ != nullptr) return market_->now_ns() / 1'000'000;
    return core::SystemClock::Instance().NowNs() / 1'000'000;
  }

  const Category category_;
  const std::string ws_path_;
  std::uint64_t connections_ = 0;
  const core::Clock* const clock_;
  const BybitOrderEntryOptions order_options_;
  std::unique_ptr<BybitOrderEntry> orders_;  // spot only
  const StreamMarket* market_ = nullptr;     // the sim's, once a call has shown it
};

SymbolSpec Spec(std::string symbol, std::string base, std::int64_t tick, std::int64_t lot,
                std::int64_t start_price, std::int64_t min_notional, std::int64_t max_quantity) {
  SymbolSpec spec;
  spec.symbol = std::move(symbol);
  spec.base = std::move(base);
  spec.quote = "USDT";
  spec.tick_size = tick;
  spec.lot_size = lot;
  spec.start_price = start_price;
  spec.min_notional = min_notional;
  spec.max_quantity = max_quantity;
  return spec;
}

}  // namespace

std::vector<SymbolSpec> DefaultBybitSymbols(std::string_view category) {
  // Mantissas at kSimScale (8 decimals): 0.1 is 10'000'000.
  if (category == "spot") {
    return {
        // Bybit's instruments-info documentation example (October 2025).
        Spec("BTCUSDT", "BTC", 10'000'000, 100, 6'000'000'000'000, 500'000'000, 8'300'000'000),
        Spec("ETHUSDT", "ETH", 1'000'000, 1'000, 300'000'000'000, 100'000'000, 187'823'408'430),
    };
  }
  if (category == "linear") {
    return {
        // The documentation's BTCUSDT perpetual (January 2025).
        Spec("BTCUSDT", "BTC", 10'000'000, 100'000, 6'000'000'000'000, 500'000'000,
             119'000'000'000),
        Spec("ETHUSDT", "ETH", 1'000'000, 1'000'000, 300'000'000'000, 500'000'000,
             724'000'000'000),
    };
  }
  return {};
}

std::unique_ptr<StreamDialect> MakeBybitDialect(BybitDialectOptions options) {
  const auto category = ParseCategory(options.category);
  if (!category) return nullptr;
  return std::make_unique<BybitDialect>(*category, std::move(options));
}

}  // namespace tradingd::sim::bybit
