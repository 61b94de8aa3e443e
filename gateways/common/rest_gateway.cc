#include "gateways/common/rest_gateway.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <utility>

namespace tradingd::gateways {
namespace {

constexpr auto kBacklogRetry = std::chrono::milliseconds(1);

std::int64_t NowMs(const core::Clock& clock) { return clock.NowNs() / 1'000'000; }

}  // namespace

class RestGateway::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, RestGatewayOptions options,
       std::unique_ptr<OrderProtocol> protocol, const core::SymbolRegistry& registry,
       core::EventSink& sink, const core::Clock& clock)
      : io_(io),
        options_(std::move(options)),
        protocol_(std::move(protocol)),
        registry_(registry),
        sink_(sink),
        clock_(clock),
        orders_http_(io, options_.http),
        queries_http_storage_(io, options_.http),
        queries_http_(protocol_->one_connection() ? orders_http_ : queries_http_storage_),
        backlog_timer_(io),
        balance_timer_(io),
        balance_backoff_(options_.balance_retry_min) {
    status_.venue = protocol_->venue();
    status_.keys = core::KeyState::kUnchecked;
  }

  void Place(core::OrderSpec order) {
    if (stopped_) {
      // Never sent: a definitive refusal, so the order does not wait as PENDING_NEW forever.
      GatewayAnswer answer;
      core::OrderUpdate update;
      update.status = core::OrderStatus::kRejected;
      update.source = core::UpdateSource::kPlace;
      update.venue_code.Assign("GATEWAY_STOPPED");
      update.message.Assign("not sent: the gateway is stopping");
      answer.update = update;
      Deliver(std::move(answer), order.client_order_id, order.instrument);
      return;
    }
    if (core::HasStopPrice(order.type) && !protocol_->native_stops()) {
      // The engine holds stops for this venue; sending one as a plain order would be wrong.
      GatewayAnswer answer;
      core::OrderUpdate update;
      update.status = core::OrderStatus::kRejected;
      update.source = core::UpdateSource::kPlace;
      update.venue_code.Assign("STOP_NOT_NATIVE");
      update.message.Assign("this venue's gateway does not send stop orders");
      answer.update = update;
      Deliver(std::move(answer), order.client_order_id, order.instrument);
      return;
    }
    const core::Instrument& instrument = registry_.Get(order.instrument);
    net::HttpClientRequest request = protocol_->PlaceRequest(order, instrument, NowMs(clock_));
    orders_http_.Send(std::move(request), [weak = weak_from_this(),
                                           order](core::Result<net::HttpClientResponse> result) {
      if (auto self = weak.lock()) self->OnPlace(order, result);
    });
  }

  void Cancel(core::OrderRef ref) {
    if (stopped_) return;
    const core::Instrument& instrument = registry_.Get(ref.instrument);
    orders_http_.Send(protocol_->CancelRequest(ref, instrument, NowMs(clock_)),
                      [weak = weak_from_this(), ref](core::Result<net::HttpClientResponse> result) {
                        if (auto self = weak.lock()) self->OnCancel(ref, result);
                      });
  }

  void Query(core::OrderRef ref) {
    if (stopped_) return;
    const core::Instrument& instrument = registry_.Get(ref.instrument);
    queries_http_.Send(
        protocol_->QueryRequest(ref, instrument, NowMs(clock_)),
        [weak = weak_from_this(), ref](core::Result<net::HttpClientResponse> result) {
          if (auto self = weak.lock()) self->OnQuery(ref, result);
        });
  }

  void FetchBalances() {
    if (stopped_ || balances_in_flight_) return;
    balances_in_flight_ = true;
    queries_http_.Send(protocol_->BalancesRequest(NowMs(clock_)),
                       [weak = weak_from_this()](core::Result<net::HttpClientResponse> result) {
                         if (auto self = weak.lock()) self->OnBalances(result);
                       });
  }

  void Stop() {
    if (stopped_) return;
    orders_http_.Stop();
    queries_http_storage_.Stop();
    stopped_ = true;
    backlog_timer_.cancel();
    balance_timer_.cancel();
  }

 private:
  void OnPlace(const core::OrderSpec& order, const core::Result<net::HttpClientResponse>& result) {
    const core::Instrument& instrument = registry_.Get(order.instrument);
    GatewayAnswer answer;
    if (!result.ok()) {
      // Sent, and no answer: the venue may have the order. Never resend; the engine queries.
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.venue_code.Assign("NO_ANSWER");
      update.message.Assign(result.status().message());
      answer.update = update;
      answer.error = fmt::format("place: {}", result.status().message());
    } else {
      Report(*result);
      answer = protocol_->OnPlace(order, instrument, *result);
      if (!answer.update) {
        // The protocol could not read the answer: what happened at the venue is unknown, and no
        // fill it may have read is trusted either (the query will bring them).
        answer.fills.clear();
        core::OrderUpdate update;
        update.status = core::OrderStatus::kUnknown;
        update.venue_code.Assign(std::to_string(result->status));
        update.message.Assign("unreadable answer to the order");
        answer.update = update;
      }
    }
    answer.update->source = core::UpdateSource::kPlace;
    Deliver(std::move(answer), order.client_order_id, order.instrument);
  }

  void OnCancel(const core::OrderRef& ref, const core::Result<net::HttpClientResponse>& result) {
    const core::Instrument& instrument = registry_.Get(ref.instrument);
    GatewayAnswer answer;
    if (result.ok()) {
      Report(*result);
      answer = protocol_->OnCancel(ref, instrument, *result);
    }
    if (!answer.update) {
      core::OrderUpdate update;
      update.status = core::OrderStatus::kUnknown;
      update.cancel_refused = true;
      update.venue_code.Assign(result.ok() ? std::to_string(result->status) : "NO_ANSWER");
      update.message.Assign(result.ok() ? "unreadable answer to the cancel"
                                        : result.status().message());
      answer.update = update;
    }
    answer.update->source = core::UpdateSource::kCancel;
    Deliver(std::move(answer), ref.client_order_id, ref.instrument);
  }

  void OnQuery(const core::OrderRef& ref, const core::Result<net::HttpClientResponse>& result) {
    if (!result.ok()) {
      // The engine queries again on its own timer.
      SetError(fmt::format("query: {}", result.status().message()));
      return;
    }
    Report(*result);
    const core::Instrument& instrument = registry_.Get(ref.instrument);
    GatewayAnswer answer = protocol_->OnQuery(ref, instrument, *result);
    if (answer.update) answer.update->source = core::UpdateSource::kQuery;
    if (answer.fetch_fills && answer.update) {
      core::OrderRef with_id = ref;
      if (with_id.venue_order_id.empty()) with_id.venue_order_id = answer.update->venue_order_id;
      if (auto request = protocol_->FillsRequest(with_id, instrument, NowMs(clock_))) {
        // The state is published after the fills, so the engine sees them first.
        queries_http_.Send(std::move(*request),
                           [weak = weak_from_this(), with_id,
                            answer](core::Result<net::HttpClientResponse> fills) mutable {
                             if (auto self = weak.lock()) self->OnFills(with_id, answer, fills);
                           });
        return;
      }
    }
    Deliver(std::move(answer), ref.client_order_id, ref.instrument);
  }

  void OnFills(const core::OrderRef& ref, GatewayAnswer answer,
               const core::Result<net::HttpClientResponse>& result) {
    if (result.ok()) {
      Report(*result);
      const core::Instrument& instrument = registry_.Get(ref.instrument);
      GatewayAnswer fills = protocol_->OnFills(ref, instrument, *result);
      answer.fills = std::move(fills.fills);
      if (!fills.error.empty()) answer.error = fills.error;
      if (fills.keys) answer.keys = fills.keys;
    } else {
      SetError(fmt::format("fills: {}", result.status().message()));
    }
    Deliver(std::move(answer), ref.client_order_id, ref.instrument);
  }

  void OnBalances(const core::Result<net::HttpClientResponse>& result) {
    balances_in_flight_ = false;
    GatewayAnswer answer;
    if (result.ok()) {
      Report(*result);
      answer = protocol_->OnBalances(*result, clock_.NowNs());
    } else {
      answer.error = fmt::format("balances: {}", result.status().message());
    }
    const bool loaded = !answer.balances.empty();
    Deliver(std::move(answer), {}, core::kNoInstrument);
    if (loaded) {
      balance_backoff_ = options_.balance_retry_min;
      return;
    }
    if (status_.keys == core::KeyState::kRefused) return;  // retrying cannot help
    balance_timer_.expires_after(balance_backoff_);
    balance_backoff_ = std::min(balance_backoff_ * 2, options_.balance_retry_max);
    balance_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->FetchBalances();
    });
  }

  void Report(const net::HttpClientResponse& response) {
    if (auto report = protocol_->RateLimits(response, clock_.NowNs())) {
      report->venue = protocol_->venue();
      Emit(*report);
    }
  }

  void SetError(std::string error) {
    spdlog::warn("{} gateway: {}", core::VenueName(protocol_->venue()), error);
    status_.last_error.Assign(error);
    status_.last_error_ns = clock_.NowNs();
    status_.time_ns = clock_.NowNs();
    Emit(status_);
  }

  void Deliver(GatewayAnswer answer, const core::ClientOrderId& client_order_id,
               core::InstrumentId instrument) {
    const bool keys_changed = answer.keys && *answer.keys != status_.keys;
    if (answer.keys) status_.keys = *answer.keys;
    if (!answer.error.empty()) {
      SetError(std::move(answer.error));
    } else if (keys_changed) {
      status_.time_ns = clock_.NowNs();
      Emit(status_);
    }
    for (core::Fill& fill : answer.fills) {
      fill.venue = protocol_->venue();
      if (instrument != core::kNoInstrument) fill.instrument = instrument;
      if (fill.client_order_id.empty()) fill.client_order_id = client_order_id;
      Emit(fill);
    }
    for (const core::BalanceUpdate& balance : answer.balances) Emit(balance);
    if (answer.update) {
      answer.update->venue = protocol_->venue();
      answer.update->instrument = instrument;
      answer.update->client_order_id = client_order_id;
      answer.update->receive_time_ns = clock_.NowNs();
      Emit(*answer.update);
    }
    sink_.Flush();
  }

  // Order events must not be lost to a full queue: what the queue refuses waits here, in order.
  void Emit(const core::Event& event) {
    if (backlog_.empty() && sink_.Publish(event)) return;
    backlog_.push_back(event);
    ArmBacklog();
  }

  void ArmBacklog() {
    if (backlog_armed_ || stopped_) return;
    backlog_armed_ = true;
    backlog_timer_.expires_after(kBacklogRetry);
    backlog_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self) return;
      self->backlog_armed_ = false;
      if (ec) return;
      while (!self->backlog_.empty() && self->sink_.Publish(self->backlog_.front())) {
        self->backlog_.pop_front();
      }
      self->sink_.Flush();
      if (!self->backlog_.empty()) self->ArmBacklog();
    });
  }

  boost::asio::io_context& io_;
  RestGatewayOptions options_;
  std::unique_ptr<OrderProtocol> protocol_;
  const core::SymbolRegistry& registry_;
  core::EventSink& sink_;
  const core::Clock& clock_;
  net::HttpClient orders_http_;
  net::HttpClient queries_http_storage_;
  net::HttpClient& queries_http_;  // queries_http_storage_, or orders_http_ for one_connection()
  boost::asio::steady_timer backlog_timer_;
  boost::asio::steady_timer balance_timer_;
  std::chrono::milliseconds balance_backoff_;
  std::deque<core::Event> backlog_;
  core::GatewayStatus status_;
  bool backlog_armed_ = false;
  bool balances_in_flight_ = false;
  bool stopped_ = false;

  friend class RestGateway;
};

RestGateway::RestGateway(boost::asio::io_context& io, RestGatewayOptions options,
                         std::unique_ptr<OrderProtocol> protocol,
                         const core::SymbolRegistry& registry, core::EventSink& sink,
                         const core::Clock& clock)
    : native_stops_(protocol->native_stops()), protocol_view_(protocol.get()) {
  impl_ = std::make_shared<Impl>(io, std::move(options), std::move(protocol), registry, sink, clock);
}

std::optional<std::string> RestGateway::Unsupported(const core::OrderSpec& order) const {
  return protocol_view_->Unsupported(order);
}

RestGateway::~RestGateway() = default;

void RestGateway::Place(const core::Approved<core::OrderSpec>& order) {
  boost::asio::post(impl_->io_, [weak = std::weak_ptr<Impl>(impl_), spec = order.order()] {
    if (auto impl = weak.lock()) impl->Place(spec);
  });
}

void RestGateway::Cancel(const core::OrderRef& order) {
  boost::asio::post(impl_->io_, [weak = std::weak_ptr<Impl>(impl_), order] {
    if (auto impl = weak.lock()) impl->Cancel(order);
  });
}

void RestGateway::Query(const core::OrderRef& order) {
  boost::asio::post(impl_->io_, [weak = std::weak_ptr<Impl>(impl_), order] {
    if (auto impl = weak.lock()) impl->Query(order);
  });
}

void RestGateway::FetchBalances() {
  boost::asio::post(impl_->io_, [weak = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = weak.lock()) impl->FetchBalances();
  });
}

void RestGateway::Stop() {
  boost::asio::post(impl_->io_, [impl = impl_] { impl->Stop(); });
}

}  // namespace tradingd::gateways
