#include "feeds/binance/binance_feed.h"

#include "feeds/burst_flush_sink.h"
#include "feeds/common/feed_health.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "core/text.h"
#include "net/http_client.h"
#include "net/websocket_client.h"

namespace tradingd::feeds::binance {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimSlash(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return url;
}

bool IsFutures(core::Venue venue) { return venue == core::Venue::kBinanceUsdm; }

bool IsListed(const std::vector<std::string>& symbols, std::string_view symbol) {
  return std::any_of(symbols.begin(), symbols.end(),
                     [&](const std::string& s) { return core::EqualsIgnoreCase(s, symbol); });
}

}  // namespace

int BinanceFeed::PartialDepthLevels(int levels) {
  return levels <= 5 ? 5 : levels <= 10 ? 10 : 20;
}

std::string BinanceFeed::StreamUrl(std::string_view ws_base, std::string_view depth_stream,
                                   const std::vector<const core::Instrument*>& instruments,
                                   const std::vector<std::string>& partial_depth_symbols,
                                   int partial_depth_levels) {
  // The partial depth streams must be on the combined stream: spot's payload names no symbol.
  std::string url = fmt::format("{}/stream?streams=", TrimSlash(ws_base));
  const std::string partial_stream =
      fmt::format("depth{}@100ms", PartialDepthLevels(partial_depth_levels));
  bool first = true;
  for (const core::Instrument* instrument : instruments) {
    const std::string symbol = Lower(instrument->venue_symbol);
    const std::string_view depth = IsListed(partial_depth_symbols, instrument->venue_symbol)
                                       ? std::string_view(partial_stream)
                                       : depth_stream;
    for (std::string_view stream : {depth, std::string_view("bookTicker"),
                                    std::string_view("trade")}) {
      if (!first) url += '/';
      first = false;
      url += fmt::format("{}@{}", symbol, stream);
    }
  }
  return url;
}

std::string BinanceFeed::DepthTarget(core::Venue venue, std::string_view symbol, int limit) {
  return fmt::format("{}?symbol={}&limit={}", IsFutures(venue) ? "/fapi/v1/depth" : "/api/v3/depth",
                     symbol, limit);
}

class BinanceFeed::Impl : public net::WebSocketClient::Handler,
                          public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, BinanceFeedOptions options,
       const core::SymbolRegistry& registry, core::EventSink& sink, const core::Clock& clock)
      : io_(io),
        options_(std::move(options)),
        sink_(io, sink),
        clock_(clock),
        health_(options_.venue, clock),
        instruments_(registry.ForVenue(options_.venue)),
        market_data_(options_.venue, registry, sink_,
                     [this](core::InstrumentId id) { EnqueueSnapshot(id); },
                     options_.market_data),
        info_parser_(options_.venue, registry),
        http_(io, HttpOptions()),
        snapshot_timer_(io),
        status_timer_(io),
        info_timer_(io),
        queued_(registry.size(), 0),
        failures_(registry.size(), 0),
        not_before_(registry.size(), SteadyClock::time_point{}) {
    if (PartialDepthLevels(options_.partial_depth_levels) != options_.partial_depth_levels) {
      spdlog::warn("{}: partial_depth_levels {} is not 5, 10 or 20; using {}",
                   core::VenueName(options_.venue), options_.partial_depth_levels,
                   PartialDepthLevels(options_.partial_depth_levels));
    }
    for (const std::string& symbol : options_.partial_depth_symbols) {
      const auto it = std::find_if(
          instruments_.begin(), instruments_.end(), [&](const core::Instrument* instrument) {
            return core::EqualsIgnoreCase(instrument->venue_symbol, symbol);
          });
      if (it == instruments_.end()) {
        spdlog::warn("{}: partial depth symbol {} is not among the venue's instruments; ignored",
                     core::VenueName(options_.venue), symbol);
        continue;
      }
      market_data_.SetBookSource((*it)->id, BookSource::kPartialDepth);
    }
    net::WebSocketClientOptions ws;
    ws.url = StreamUrl(WsBase(), options_.depth_stream, instruments_,
                       options_.partial_depth_symbols, options_.partial_depth_levels);
    ws.silence_timeout = options_.silence_timeout;
    ws.reconnect_min = options_.reconnect_min;
    ws.reconnect_max = options_.reconnect_max;
    ws.verify_peer = options_.verify_peer;
    ws.ca_file = options_.ca_file;
    ws_ = std::make_unique<net::WebSocketClient>(io, std::move(ws), *this);
  }

  void Start() {
    if (running_) return;
    running_ = true;
    ws_->Start();
    if (options_.load_exchange_info) FetchExchangeInfo();
    ArmStatusTimer();
    PublishFeedStatus();
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    ws_->Stop();
    http_.Stop();
    snapshot_timer_.cancel();
    status_timer_.cancel();
    info_timer_.cancel();
    connected_ = false;
    PublishFeedStatus();
  }

  void RequestResync(core::InstrumentId instrument, core::BookReason reason) {
    boost::asio::post(io_, [weak = weak_from_this(), instrument, reason] {
      if (auto self = weak.lock(); self && self->running_) {
        self->market_data_.Resync(instrument, reason, self->clock_.NowNs());
      }
    });
  }

  const BinanceMarketDataCounters& counters() const { return market_data_.counters(); }

  // net::WebSocketClient::Handler
  void OnOpen() override {
    health_.OnConnected();
    spdlog::info("{} market data connected ({} instruments); syncing books",
                 core::VenueName(options_.venue), instruments_.size());
    connected_ = true;
    PublishFeedStatus();
    // Nothing to request yet: Binance's procedure buffers the stream first and takes the snapshot
    // after, so each book starts its sync (and asks for its snapshot) on its first diff. A
    // partial depth book needs no snapshot: its first message makes it LIVE.
  }

  void OnMessage(std::string_view payload, std::int64_t receive_ns) override {
    market_data_.OnFrame(payload, receive_ns);
  }

  void OnClose(net::CloseReason reason, std::string_view detail) override {
    const bool was_connected = connected_;
    connected_ = false;
    health_.OnClosed(was_connected, reason, detail);
    if (was_connected) {
      market_data_.OnDisconnected(BookReasonOf(reason), clock_.NowNs());
      // Requests for the old connection are pointless; the next OnOpen asks again. A response
      // already in flight is harmless: the sequencer judges any snapshot by its ids.
      snapshot_queue_.clear();
      std::fill(queued_.begin(), queued_.end(), 0);
    }
    PublishFeedStatus();
  }

 private:
  std::string WsBase() const {
    if (!options_.ws_base_url.empty()) return options_.ws_base_url;
    return IsFutures(options_.venue) ? "wss://fstream.binance.com"
                                     : "wss://stream.binance.com:9443";
  }

  net::HttpClientOptions HttpOptions() const {
    net::HttpClientOptions http;
    http.base_url = !options_.rest_base_url.empty()  ? options_.rest_base_url
                    : IsFutures(options_.venue)      ? "https://fapi.binance.com"
                                                     : "https://api.binance.com";
    http.verify_peer = options_.verify_peer;
    http.ca_file = options_.ca_file;
    return http;
  }

  // Called by BinanceMarketData (on this thread) whenever a book needs a snapshot.
  void EnqueueSnapshot(core::InstrumentId id) {
    if (id >= queued_.size() || queued_[id] != 0) return;
    queued_[id] = 1;
    snapshot_queue_.push_back(id);
    // Not synchronously: this runs inside BinanceMarketData, which must not be re-entered.
    boost::asio::post(io_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->PumpSnapshots();
    });
  }

  void PumpSnapshots() {
    if (!running_ || snapshot_timer_armed_ || snapshot_queue_.empty()) return;
    const auto now = SteadyClock::now();
    auto ready = std::find_if(snapshot_queue_.begin(), snapshot_queue_.end(),
                              [&](core::InstrumentId id) { return not_before_[id] <= now; });
    if (ready != snapshot_queue_.end() && now >= next_snapshot_at_) {
      const core::InstrumentId id = *ready;
      snapshot_queue_.erase(ready);
      queued_[id] = 0;
      next_snapshot_at_ = now + options_.snapshot_spacing;
      SendSnapshotRequest(id);
    }
    if (snapshot_queue_.empty()) return;
    auto wake = SteadyClock::time_point::max();
    for (core::InstrumentId id : snapshot_queue_) wake = std::min(wake, not_before_[id]);
    wake = std::max(wake, next_snapshot_at_);
    snapshot_timer_armed_ = true;
    snapshot_timer_.expires_at(wake);
    snapshot_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self) return;
      self->snapshot_timer_armed_ = false;
      if (!ec) self->PumpSnapshots();
    });
  }

  const core::Instrument* InstrumentOf(core::InstrumentId id) const {
    for (const core::Instrument* candidate : instruments_) {
      if (candidate->id == id) return candidate;
    }
    return nullptr;
  }

  std::string_view SymbolOf(core::InstrumentId id) const {
    const core::Instrument* instrument = InstrumentOf(id);
    return instrument != nullptr ? std::string_view(instrument->venue_symbol) : "?";
  }

  void SendSnapshotRequest(core::InstrumentId id) {
    const core::Instrument* instrument = InstrumentOf(id);
    if (instrument == nullptr) return;
    net::HttpClientRequest request;
    request.target = DepthTarget(options_.venue, instrument->venue_symbol, options_.snapshot_depth);
    http_.Send(std::move(request), [weak = weak_from_this(),
                                    id](core::Result<net::HttpClientResponse> result) {
      auto self = weak.lock();
      if (!self || !self->running_) return;
      self->OnSnapshotResponse(id, result);
    });
  }

  void OnSnapshotResponse(core::InstrumentId id, const core::Result<net::HttpClientResponse>& result) {
    const std::int64_t now = clock_.NowNs();
    if (result.ok() && result->status == 200) {
      failures_[id] = 0;
      market_data_.OnSnapshot(id, result->body, now);
      return;
    }
    ++failures_[id];
    auto delay = Backoff(failures_[id], options_.snapshot_retry_min, options_.snapshot_retry_max);
    if (result.ok() && (result->status == 429 || result->status == 418)) {
      // Rate limited: honour Retry-After (seconds) when it asks for longer.
      const std::string_view retry_after = result->Header("Retry-After");
      std::int64_t seconds = 0;
      if (core::ParseDecimal(retry_after, 0, &seconds) == core::DecimalError::kOk) {
        // Binance bans for three days at most; a larger (or hostile) value must not overflow the
        // clock arithmetic below.
        constexpr std::int64_t kMaxRetryAfterSeconds = 3 * 24 * 3600;
        seconds = std::clamp<std::int64_t>(seconds, 0, kMaxRetryAfterSeconds);
        delay = std::max<std::chrono::milliseconds>(delay, std::chrono::seconds(seconds));
      }
    }
    not_before_[id] = SteadyClock::now() + delay;
    health_.SetError(fmt::format("{} depth snapshot failed: {}", SymbolOf(id),
                                 result.ok() ? fmt::format("HTTP {}", result->status)
                                             : result.status().message()));
    if (failures_[id] == 1 || failures_[id] % 10 == 0) {  // the first failure, then now and then
      spdlog::warn("{} {}; retrying in {} ms (failure {})", core::VenueName(options_.venue),
                   health_.last_error(), delay.count(), failures_[id]);
    }
    // Publishes STALE(kSnapshotFailed) and asks again through EnqueueSnapshot.
    market_data_.OnSnapshotFailed(id, now);
  }

  void FetchExchangeInfo() {
    net::HttpClientRequest request;
    if (IsFutures(options_.venue)) {
      request.target = "/fapi/v1/exchangeInfo";
    } else if (info_unfiltered_ || instruments_.empty()) {
      request.target = "/api/v3/exchangeInfo";
    } else {
      // symbols=["BTCUSDT","ETHUSDT"], URL-encoded: a much smaller answer than the full list.
      request.target = "/api/v3/exchangeInfo?symbols=%5B";
      for (std::size_t i = 0; i < instruments_.size(); ++i) {
        request.target += fmt::format("{}%22{}%22", i == 0 ? "" : "%2C",
                                      instruments_[i]->venue_symbol);
      }
      request.target += "%5D";
    }
    http_.Send(std::move(request),
               [weak = weak_from_this()](core::Result<net::HttpClientResponse> result) {
                 auto self = weak.lock();
                 if (!self || !self->running_) return;
                 self->OnExchangeInfo(result);
               });
  }

  void OnExchangeInfo(const core::Result<net::HttpClientResponse>& result) {
    ExchangeInfo info;
    if (result.ok() && result->status == 200 &&
        info_parser_.ParseExchangeInfo(result->body, &info) == ParseError::kOk) {
      info_failures_ = 0;
      health_.SetRules(std::move(info.rules));
      health_.FlushRules(sink_);
      return;
    }
    // A symbol the venue does not know makes the filtered query fail as a whole (400): fall back
    // to the full list, where unknown symbols are simply absent.
    if (result.ok() && result->status == 400) info_unfiltered_ = true;
    ++info_failures_;
    info_timer_.expires_after(
        Backoff(info_failures_, options_.snapshot_retry_min, options_.snapshot_retry_max));
    info_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (self && !ec && self->running_) self->FetchExchangeInfo();
    });
  }

  void ArmStatusTimer() {
    status_timer_.expires_after(options_.status_interval);
    status_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec || !self->running_) return;
      self->PublishFeedStatus();
      // Rules a full queue refused go out on a later tick.
      if (self->health_.rules_owed()) self->health_.FlushRules(self->sink_);
      self->ArmStatusTimer();
    });
  }

  void PublishFeedStatus() {
    const BinanceMarketDataCounters& counters = market_data_.counters();
    const auto connection = connected_ ? core::ConnectionState::kConnected
                            : running_ ? core::ConnectionState::kConnecting
                                       : core::ConnectionState::kDisconnected;
    // Periodic and superseded by the next one: a refused status is not retried.
    (void)sink_.Publish(health_.Status(connection, ws_->connects(), counters.frames,
                                       counters.parse_errors, counters.queue_drops));
  }

  boost::asio::io_context& io_;
  BinanceFeedOptions options_;
  BurstFlushSink sink_;  // one engine wake-up per burst of frames
  const core::Clock& clock_;
  FeedHealth health_;  // last error, outage logging, owed rules
  std::vector<const core::Instrument*> instruments_;
  BinanceMarketData market_data_;
  BinanceParser info_parser_;  // exchangeInfo only: keeps the hot parser's buffers small
  net::HttpClient http_;
  std::unique_ptr<net::WebSocketClient> ws_;
  boost::asio::steady_timer snapshot_timer_;
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer info_timer_;

  std::deque<core::InstrumentId> snapshot_queue_;
  std::vector<std::uint8_t> queued_;     // by InstrumentId: already in snapshot_queue_
  std::vector<std::uint32_t> failures_;  // by InstrumentId: consecutive snapshot failures
  std::vector<SteadyClock::time_point> not_before_;  // by InstrumentId: backoff
  SteadyClock::time_point next_snapshot_at_{};
  bool snapshot_timer_armed_ = false;

  std::uint32_t info_failures_ = 0;
  bool info_unfiltered_ = false;

  bool running_ = false;
  bool connected_ = false;
};

BinanceFeed::BinanceFeed(boost::asio::io_context& io, BinanceFeedOptions options,
                         const core::SymbolRegistry& registry, core::EventSink& sink,
                         const core::Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(options), registry, sink, clock)) {}

BinanceFeed::~BinanceFeed() {
  if (impl_) impl_->Stop();
}

void BinanceFeed::Start() { impl_->Start(); }
void BinanceFeed::Stop() { impl_->Stop(); }
void BinanceFeed::RequestResync(core::InstrumentId instrument, core::BookReason reason) {
  impl_->RequestResync(instrument, reason);
}
const BinanceMarketDataCounters& BinanceFeed::counters() const { return impl_->counters(); }

}  // namespace tradingd::feeds::binance
