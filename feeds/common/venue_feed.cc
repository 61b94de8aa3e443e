#include "feeds/common/venue_feed.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>

#include "feeds/burst_flush_sink.h"
#include "feeds/common/feed_health.h"
#include "net/http_client.h"
#include "net/websocket_client.h"

namespace tradingd::feeds {

class VenueFeed::Impl : public net::WebSocketClient::Handler,
                        public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, VenueFeedOptions options, const VenueProtocolFactory& factory,
       const core::SymbolRegistry& registry, core::EventSink& sink, const core::Clock& clock)
      : io_(io),
        options_(std::move(options)),
        sink_(io, sink),
        clock_(clock),
        health_(options_.venue, clock),
        registry_(registry),
        status_timer_(io),
        rules_timer_(io),
        resubscribe_posted_(registry.size(), 0) {
    // The core asks for resyncs from inside OnFrame: post, so that it is never re-entered.
    protocol_ = factory(VenueProtocolContext{
        registry, sink_, [this](core::InstrumentId id) { PostResubscribe(id); }});
    const KeepAlive keep_alive = protocol_->keep_alive();
    net::WebSocketClientOptions ws;
    ws.url = protocol_->Url();
    ws.silence_timeout = options_.silence_timeout;
    ws.reconnect_min = options_.reconnect_min;
    ws.reconnect_max = options_.reconnect_max;
    ws.ping_interval = keep_alive.interval;
    ws.text_ping = keep_alive.text;
    ws.verify_peer = options_.verify_peer;
    ws.ca_file = options_.ca_file;
    ws_ = std::make_unique<net::WebSocketClient>(io, std::move(ws), *this);
    if (!protocol_->RulesTarget().empty() && !options_.rest_base_url.empty()) {
      net::HttpClientOptions http;
      http.base_url = options_.rest_base_url;
      http.verify_peer = options_.verify_peer;
      http.ca_file = options_.ca_file;
      http_ = std::make_unique<net::HttpClient>(io, std::move(http));
    }
    // Only a protocol that needs the rules to read its books waits for them; the others subscribe
    // at once, so that a REST outage never holds back market data.
    rules_in_ = http_ == nullptr || !protocol_->subscribe_after_rules();
  }

  void Start() {
    if (running_) return;
    running_ = true;
    ws_->Start();
    if (http_) FetchRules();
    ArmStatusTimer();
    PublishFeedStatus();
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    ws_->Stop();
    if (http_) http_->Stop();
    status_timer_.cancel();
    rules_timer_.cancel();
    connected_ = false;
    PublishFeedStatus();
  }

  void RequestResync(core::InstrumentId instrument, core::BookReason reason) {
    boost::asio::post(io_, [weak = weak_from_this(), instrument, reason] {
      if (auto self = weak.lock(); self && self->running_) {
        // The core marks the book STALE and asks for the resubscribe through its requester.
        self->protocol_->Resync(instrument, reason, self->clock_.NowNs());
      }
    });
  }

  FeedCounts counts() const { return protocol_->counts(); }
  VenueFeedCounters feed_counters() const { return counters_; }
  bool connected() const { return connected_; }

  // net::WebSocketClient::Handler
  void OnOpen() override {
    health_.OnConnected();
    connected_ = true;
    subscribed_ = false;
    if (rules_in_) {
      Subscribe();
    } else {
      spdlog::info("{} market data connected; subscribing once the instrument rules are loaded",
                   core::VenueName(options_.venue));
    }
    PublishFeedStatus();
  }

  void OnMessage(std::string_view payload, std::int64_t receive_ns) override {
    protocol_->OnFrame(payload, receive_ns);
  }

  void OnClose(net::CloseReason reason, std::string_view detail) override {
    const bool was_connected = connected_;
    connected_ = false;
    subscribed_ = false;
    health_.OnClosed(was_connected, reason, detail);
    if (was_connected) protocol_->OnDisconnected(BookReasonOf(reason), clock_.NowNs());
    PublishFeedStatus();
  }

 private:
  void Subscribe() {
    std::size_t sent = 0;
    for (std::string& message : protocol_->SubscribeAll()) {
      if (!ws_->Send(std::move(message))) {
        // Connected but the write queue refused: the subscriptions are incomplete, and only a new
        // connection makes them whole again.
        health_.SetError("cannot queue the subscriptions; reconnecting");
        ws_->Reconnect();
        return;
      }
      ++sent;
    }
    counters_.subscribe_messages += sent;
    subscribed_ = true;
    const auto instruments = registry_.ForVenue(options_.venue);
    spdlog::info("{} market data connected; subscribed {} instruments in {} messages",
                 core::VenueName(options_.venue), instruments.size(), sent);
  }

  void PostResubscribe(core::InstrumentId id) {
    if (id >= resubscribe_posted_.size() || resubscribe_posted_[id] != 0) return;
    resubscribe_posted_[id] = 1;
    boost::asio::post(io_, [weak = weak_from_this(), id] {
      if (auto self = weak.lock()) self->Resubscribe(id);
    });
  }

  void Resubscribe(core::InstrumentId id) {
    resubscribe_posted_[id] = 0;
    // Not subscribed yet (or any more): the next connection's subscriptions bring the snapshot.
    if (!running_ || !connected_ || !subscribed_) return;
    const core::Instrument& instrument = registry_.Get(id);
    std::vector<std::string> messages = protocol_->ResubscribeBook(instrument);
    if (messages.empty()) {
      ++counters_.reconnects_for_resync;
      ws_->Reconnect();
      return;
    }
    for (std::string& message : messages) {
      if (!ws_->Send(std::move(message))) {
        ++counters_.reconnects_for_resync;
        ws_->Reconnect();
        return;
      }
    }
    ++counters_.resubscribes;
  }

  void FetchRules() {
    net::HttpClientRequest request;
    // Asked each time: a protocol may widen its query after a refusal (Kraken, an unknown pair).
    request.target = protocol_->RulesTarget();
    http_->Send(std::move(request),
                [weak = weak_from_this()](core::Result<net::HttpClientResponse> result) {
                  auto self = weak.lock();
                  if (!self || !self->running_) return;
                  self->OnRulesResponse(result);
                });
  }

  void OnRulesResponse(const core::Result<net::HttpClientResponse>& result) {
    std::string error;
    if (!result.ok()) {
      error = result.status().message();
    } else if (result->status != 200) {
      error = fmt::format("HTTP {}", result->status);
    } else {
      auto rules = protocol_->OnRules(result->body);
      if (rules.ok()) {
        ++counters_.rules_loaded;
        rules_failures_ = 0;
        health_.SetRules(std::move(*rules));
        health_.FlushRules(sink_);
        if (!rules_in_) {
          rules_in_ = true;
          if (connected_ && !subscribed_) Subscribe();
        }
        return;
      }
      error = rules.status().message();
    }
    ++counters_.rules_failures;
    ++rules_failures_;
    const auto delay = Backoff(rules_failures_, options_.rules_retry_min, options_.rules_retry_max);
    health_.SetError(fmt::format("instrument rules: {}", error));
    if (rules_failures_ == 1 || rules_failures_ % 10 == 0) {
      spdlog::warn("{} {}; retrying in {} ms (failure {})", core::VenueName(options_.venue),
                   health_.last_error(), delay.count(), rules_failures_);
    }
    rules_timer_.expires_after(delay);
    rules_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (self && !ec && self->running_) self->FetchRules();
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
    const FeedCounts counts = protocol_->counts();
    const auto connection = connected_ ? core::ConnectionState::kConnected
                            : running_ ? core::ConnectionState::kConnecting
                                       : core::ConnectionState::kDisconnected;
    // Periodic and superseded by the next one: a refused status is not retried.
    (void)sink_.Publish(health_.Status(connection, ws_->connects(), counts.frames,
                                       counts.parse_errors, counts.queue_drops));
  }

  boost::asio::io_context& io_;
  VenueFeedOptions options_;
  BurstFlushSink sink_;  // one engine wake-up per burst of frames
  const core::Clock& clock_;
  FeedHealth health_;  // last error, outage logging, owed rules
  const core::SymbolRegistry& registry_;
  std::unique_ptr<VenueProtocol> protocol_;
  std::unique_ptr<net::WebSocketClient> ws_;
  std::unique_ptr<net::HttpClient> http_;  // null: no rules to load
  boost::asio::steady_timer status_timer_;
  boost::asio::steady_timer rules_timer_;

  std::vector<std::uint8_t> resubscribe_posted_;  // by InstrumentId
  std::uint32_t rules_failures_ = 0;
  VenueFeedCounters counters_;

  bool running_ = false;
  bool connected_ = false;
  bool subscribed_ = false;  // SubscribeAll went out on this connection
  bool rules_in_ = false;    // rules loaded, or none needed before subscribing
};

VenueFeed::VenueFeed(boost::asio::io_context& io, VenueFeedOptions options,
                     VenueProtocolFactory protocol, const core::SymbolRegistry& registry,
                     core::EventSink& sink, const core::Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(options), protocol, registry, sink, clock)) {}

VenueFeed::~VenueFeed() {
  if (impl_) impl_->Stop();
}

void VenueFeed::Start() { impl_->Start(); }
void VenueFeed::Stop() { impl_->Stop(); }
void VenueFeed::RequestResync(core::InstrumentId instrument, core::BookReason reason) {
  impl_->RequestResync(instrument, reason);
}
FeedCounts VenueFeed::counts() const { return impl_->counts(); }
VenueFeedCounters VenueFeed::feed_counters() const { return impl_->feed_counters(); }
bool VenueFeed::connected() const { return impl_->connected(); }

}  // namespace tradingd::feeds
