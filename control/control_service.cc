#include "control/control_service.h"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <span>
#include <utility>

#include "control/request_json.h"
#include "core/decimal.h"
#include "core/json_writer.h"
#include "core/status.h"
#include "core/text.h"

namespace tradingd::control {
namespace {

using core::ErrorCode;
using core::Status;

constexpr std::string_view kPrefix = "/api/trading";
// Client text quoted back in an error message is cut here, so an error never grows with the input.
constexpr std::size_t kMaxEchoBytes = 64;

// Error codes of api.md that have no core::ErrorCode (they only exist at the HTTP layer).
constexpr std::string_view kCodeMethodNotAllowed = "METHOD_NOT_ALLOWED";
constexpr std::string_view kCodeForbidden = "FORBIDDEN";
constexpr std::string_view kCodeNotImplemented = "NOT_IMPLEMENTED";

net::ServerResponse JsonResponse(int status, std::string body) {
  net::ServerResponse response;
  response.status = status;
  response.body = std::move(body);
  // Answers are live state behind a token: no proxy or browser should keep them.
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

net::ServerResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  core::JsonWriter writer;
  writer.BeginObject().Key("error").BeginObject();
  writer.Key("code").String(code).Key("message").String(message);
  writer.EndObject().EndObject();
  net::ServerResponse response = JsonResponse(status, writer.Take());
  if (status == 429 || status == 503) response.headers.emplace_back("Retry-After", "1");
  return response;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kBadRequest:
    case ErrorCode::kUnknownExchange:
    case ErrorCode::kUnknownSymbol:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kBookNotReady:
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInvalidConfig:
    case ErrorCode::kIoError:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

net::ServerResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), core::ErrorCodeName(status.code()),
                       status.message());
}

std::string_view Echo(std::string_view text) {
  return text.size() <= kMaxEchoBytes ? text : text.substr(0, kMaxEchoBytes);
}

std::string_view PathOf(std::string_view target) {
  const std::size_t end = target.find_first_of("?#");
  return end == std::string_view::npos ? target : target.substr(0, end);
}

// Looks headers up here rather than through ServerRequest::Header so that the service needs no
// net/ code at link time; *count tells whether the header was repeated.
std::string_view FindHeader(const net::ServerRequest& request, std::string_view name, int* count) {
  std::string_view value;
  *count = 0;
  for (const auto& [key, header_value] : request.headers) {
    if (core::EqualsIgnoreCase(key, name)) {
      if (*count == 0) value = header_value;
      ++*count;
    }
  }
  return value;
}

// Decimal places for one answer: the instrument's tick and lot when the venue's rules are loaded.
// Before that, the fewest places that write every value of the answer exactly, shared by all
// values of the answer so that a column of prices lines up.
struct Precision {
  int price = 0;
  int quantity = 0;
};

Precision PrecisionFor(const core::Instrument& instrument, const engine::BookSnapshot& book,
                       std::span<const core::PriceLevel> bids,
                       std::span<const core::PriceLevel> asks) {
  Precision precision;
  const bool has_tick = book.rules.has_value() && book.rules->tick_size.mantissa() > 0;
  const bool has_lot = book.rules.has_value() && book.rules->lot_size.mantissa() > 0;
  if (has_tick) {
    precision.price =
        core::SignificantFractionDigits(book.rules->tick_size.mantissa(), instrument.price_scale);
  }
  if (has_lot) {
    precision.quantity =
        core::SignificantFractionDigits(book.rules->lot_size.mantissa(), instrument.quantity_scale);
  }
  for (auto levels : {bids, asks}) {
    for (const core::PriceLevel& level : levels) {
      if (!has_tick) {
        precision.price = std::max(
            precision.price,
            core::SignificantFractionDigits(level.price.mantissa(), instrument.price_scale));
      }
      if (!has_lot) {
        precision.quantity = std::max(
            precision.quantity,
            core::SignificantFractionDigits(level.quantity.mantissa(), instrument.quantity_scale));
      }
    }
  }
  return precision;
}

// FormatDecimal never drops a significant digit: a value finer than the tick (which a venue
// should never send) is written in full rather than rounded.
std::string FormatPrice(core::Price price, const core::Instrument& instrument, const Precision& p) {
  return core::FormatDecimal(price.mantissa(), instrument.price_scale, p.price);
}

std::string FormatQuantity(core::Quantity quantity, const core::Instrument& instrument,
                           const Precision& p) {
  return core::FormatDecimal(quantity.mantissa(), instrument.quantity_scale, p.quantity);
}

// The venue's event time; the local receive time when the venue sends none.
void WriteBookTimestamp(core::JsonWriter& writer, const engine::BookSnapshot& book) {
  const core::TimestampNs time =
      book.exchange_time_ns != 0 ? book.exchange_time_ns : book.receive_time_ns;
  writer.Key("timestamp");
  if (time == 0) {
    writer.Null();
  } else {
    writer.String(core::FormatTimestamp(time));
  }
}

std::string BookLabel(const core::Instrument& instrument) {
  return fmt::format("{} {}", core::VenueName(instrument.venue), instrument.canonical);
}

std::string BookStateText(const engine::BookSnapshot& book) {
  if (book.state == core::BookState::kLive || book.last_reason == core::BookReason::kNone) {
    return core::BookStateName(book.state);
  }
  return fmt::format("{} ({})", core::BookStateName(book.state),
                     core::BookReasonName(book.last_reason));
}

const core::FeedStatus* FindFeed(const engine::EngineStats* stats, core::Venue venue) {
  if (stats == nullptr) return nullptr;
  for (const core::FeedStatus& feed : stats->feeds) {
    if (feed.venue == venue) return &feed;
  }
  return nullptr;
}

std::string EnabledList(const std::vector<core::Venue>& venues) {
  std::string out;
  for (core::Venue venue : venues) {
    if (!out.empty()) out += ", ";
    out += core::VenueName(venue);
  }
  return out.empty() ? "none" : out;
}

// The venue's order side: keys, balances, rate-limit budget, cool-down and last error.
void WriteGateway(core::JsonWriter& w, const engine::EngineStats* stats, core::Venue venue) {
  const engine::VenueAccountView* account = nullptr;
  if (stats != nullptr) {
    for (const auto& candidate : stats->accounts) {
      if (candidate.venue == venue) account = &candidate;
    }
  }
  w.Key("gateway").BeginObject();
  if (account == nullptr) {
    w.Key("state").String("NOT_CONFIGURED").EndObject();
    return;
  }
  const bool ready = account->keys == core::KeyState::kValid && account->balances_loaded;
  w.Key("state").String(ready                                       ? "READY"
                        : account->keys == core::KeyState::kRefused ? "KEYS_REFUSED"
                        : account->keys == core::KeyState::kMissing ? "NO_KEYS"
                                                                    : "STARTING");
  w.Key("keys").String(core::KeyStateName(account->keys));
  w.Key("balances_loaded").Bool(account->balances_loaded);
  w.Key("rate_limits").BeginArray();
  for (const risk::RateBudget& budget : account->rate_budget) {
    w.BeginObject();
    w.Key("window").String(budget.window);
    w.Key("used").Int(budget.used);
    w.Key("limit").Int(budget.limit);
    w.Key("left").Int(std::max<std::int64_t>(0, budget.limit - budget.used));
    w.EndObject();
  }
  w.EndArray();
  w.Key("cooling_down_until");
  if (account->cooling_down_until_ns) {
    w.String(core::FormatTimestamp(*account->cooling_down_until_ns));
  } else {
    w.Null();
  }
  w.Key("last_error");
  if (!account->last_error.empty()) {
    w.BeginObject();
    w.Key("message").String(account->last_error);
    w.Key("at").String(core::FormatTimestamp(account->last_error_ns));
    w.EndObject();
  } else {
    w.Null();
  }
  w.EndObject();
}

constexpr FieldSpec kBookFields[] = {
    {"exchange", FieldType::kString, true},
    {"symbol", FieldType::kString, true},
    {"depth", FieldType::kInteger, false},
};

}  // namespace

const ControlService::Route ControlService::kRoutes[] = {
    {"/api/trading/health", "GET", Access::kNone, &ControlService::HandleHealth},
    {"/api/trading/config", "GET", Access::kRead, &ControlService::HandleConfig},
    {"/api/trading/status", "POST", Access::kRead, &ControlService::HandleStatus},
    {"/api/trading/quote", "POST", Access::kRead, &ControlService::HandleQuote},
    {"/api/trading/orderbook", "POST", Access::kRead, &ControlService::HandleOrderbook},
    {"/api/trading/instruments", "POST", Access::kRead, &ControlService::HandleInstruments},
    // The order path: answered by the engine thread (control/order_endpoints.cc).
    {"/api/trading/balances", "POST", Access::kRead, nullptr, &ControlService::HandleBalances},
    {"/api/trading/orders", "POST", Access::kRead, nullptr, &ControlService::HandleOrders},
    {"/api/trading/trades", "POST", Access::kRead, nullptr, &ControlService::HandleTrades},
    {"/api/trading/order/status", "POST", Access::kRead, nullptr,
     &ControlService::HandleOrderStatus},
    {"/api/trading/order", "POST", Access::kFull, nullptr, &ControlService::HandleOrder},
    {"/api/trading/order/cancel", "POST", Access::kFull, nullptr,
     &ControlService::HandleCancel},
    {"/api/trading/kill", "POST", Access::kFull, nullptr, &ControlService::HandleKill},
    {"/api/trading/resume", "POST", Access::kFull, nullptr, &ControlService::HandleResume},
    // In api.md, served with the portfolio.
    {"/api/trading/portfolio", "POST", Access::kRead, nullptr},
};

ControlService::ControlService(const core::SymbolRegistry& registry,
                               const engine::SnapshotStore& snapshots,
                               const Authenticator& authenticator, const core::Clock& clock,
                               std::vector<core::Venue> enabled_venues,
                               ConfigViewProvider config_view, ServiceInfo info)
    : registry_(registry),
      snapshots_(snapshots),
      authenticator_(authenticator),
      clock_(clock),
      enabled_venues_(std::move(enabled_venues)),
      config_view_(std::move(config_view)),
      info_(std::move(info)) {
  std::sort(enabled_venues_.begin(), enabled_venues_.end());
  enabled_venues_.erase(std::unique(enabled_venues_.begin(), enabled_venues_.end()),
                        enabled_venues_.end());
}

const ControlService::Route* ControlService::Admit(const net::ServerRequest& request,
                                                   net::ServerResponse* refusal) const {
  const std::string_view path = PathOf(request.target);
  const Route* route = nullptr;
  for (const Route& candidate : kRoutes) {
    if (candidate.path == path) {
      route = &candidate;
      break;
    }
  }
  if (route == nullptr) {
    const std::string message =
        path.starts_with(kPrefix)
            ? fmt::format("no endpoint {}", Echo(path))
            : fmt::format("no endpoint {}; the API lives under {}/", Echo(path), kPrefix);
    *refusal = ErrorResponse(404, core::ErrorCodeName(ErrorCode::kNotFound), message);
    return nullptr;
  }
  if (request.method != route->method) {
    *refusal = ErrorResponse(
        405, kCodeMethodNotAllowed,
        fmt::format("{} takes {}, not {}", route->path, route->method, Echo(request.method)));
    refusal->headers.emplace_back("Allow", std::string(route->method));
    return nullptr;
  }
  // HttpServer enforces this too; checked again so the service holds the contract on its own.
  if (request.body.size() > kMaxRequestBodyBytes) {
    // Same code and text as HttpServer's own 413 (api.md has no dedicated code for it).
    *refusal = ErrorResponse(413, core::ErrorCodeName(ErrorCode::kBadRequest),
                             fmt::format("request body exceeds {} bytes", kMaxRequestBodyBytes));
    return nullptr;
  }
  if (route->access != Access::kNone) {
    int count = 0;
    const std::string_view authorization = FindHeader(request, "Authorization", &count);
    // Two Authorization headers are ambiguous; neither is trusted.
    const Access granted = count == 1 ? authenticator_.Authorize(authorization) : Access::kNone;
    if (granted == Access::kNone) {
      *refusal = ErrorResponse(401, core::ErrorCodeName(ErrorCode::kUnauthorized),
                               count == 0 ? "missing bearer token (Authorization: Bearer <token>)"
                                          : "invalid bearer token");
      refusal->headers.emplace_back("WWW-Authenticate", "Bearer");
      return nullptr;
    }
    if (route->access == Access::kFull && granted != Access::kFull) {
      *refusal = ErrorResponse(403, kCodeForbidden,
                               fmt::format("{} needs the full-access token; the read-only token "
                                           "may not change state",
                                           route->path));
      return nullptr;
    }
  }
  if (route->handler == nullptr && (route->async_handler == nullptr || commands_ == nullptr)) {
    *refusal = ErrorResponse(501, kCodeNotImplemented,
                             fmt::format("{} is not served by this version yet", route->path));
    return nullptr;
  }
  return route;
}

net::ServerResponse ControlService::Handle(const net::ServerRequest& request) const {
  try {
    net::ServerResponse refusal;
    const Route* route = Admit(request, &refusal);
    if (route == nullptr) return refusal;
    if (route->handler == nullptr) {
      return ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal),
                           fmt::format("{} answers asynchronously", route->path));
    }
    return (this->*(route->handler))(request);
  } catch (const std::exception& e) {
    return ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal),
                         fmt::format("internal error: {}", e.what()));
  } catch (...) {
    return ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal), "internal error");
  }
}

void ControlService::Handle(const net::ServerRequest& request, Respond respond) const {
  try {
    net::ServerResponse refusal;
    const Route* route = Admit(request, &refusal);
    if (route == nullptr) return respond(std::move(refusal));
    if (route->async_handler != nullptr) {
      return (this->*(route->async_handler))(request, std::move(respond));
    }
    return respond((this->*(route->handler))(request));
  } catch (const std::exception& e) {
    respond(ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal),
                          fmt::format("internal error: {}", e.what())));
  } catch (...) {
    respond(ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal), "internal error"));
  }
}

bool ControlService::IsEnabled(core::Venue venue) const {
  return std::binary_search(enabled_venues_.begin(), enabled_venues_.end(), venue);
}

std::shared_ptr<const engine::BookSnapshot> ControlService::BookOrDefault(
    core::InstrumentId instrument) const {
  std::shared_ptr<const engine::BookSnapshot> book;
  if (instrument < snapshots_.instrument_count()) book = snapshots_.Book(instrument);
  if (book == nullptr) {
    auto placeholder = std::make_shared<engine::BookSnapshot>();
    placeholder->instrument = instrument;
    book = std::move(placeholder);
  }
  return book;
}

core::Result<std::shared_ptr<const engine::BookSnapshot>> ControlService::LiveBook(
    const core::Instrument& instrument) const {
  auto book = BookOrDefault(instrument.id);
  if (book->state != core::BookState::kLive) {
    return Status(ErrorCode::kBookNotReady,
                  fmt::format("book {} is {}", BookLabel(instrument), BookStateText(*book)));
  }
  return book;
}

core::Result<const core::Instrument*> ControlService::ResolveBook(
    const RequestFields& fields) const {
  const std::string& exchange = *fields.String("exchange");
  const std::string& symbol = *fields.String("symbol");
  const std::optional<core::Venue> venue = core::ParseVenue(exchange);
  if (!venue.has_value()) {
    return Status(ErrorCode::kUnknownExchange,
                  fmt::format("unknown exchange '{}'; this daemon serves: {}", Echo(exchange),
                              EnabledList(enabled_venues_)));
  }
  if (!IsEnabled(*venue)) {
    return Status(ErrorCode::kUnknownExchange,
                  fmt::format("exchange '{}' is not enabled in this daemon; enabled: {}",
                              core::VenueName(*venue), EnabledList(enabled_venues_)));
  }
  const core::Instrument* instrument = symbol.empty() ? nullptr : registry_.Find(*venue, symbol);
  if (instrument == nullptr) {
    return Status(ErrorCode::kUnknownSymbol,
                  fmt::format("unknown symbol '{}' on {}", Echo(symbol), core::VenueName(*venue)));
  }
  return instrument;
}

net::ServerResponse ControlService::HandleHealth(const net::ServerRequest& /*request*/) const {
  if (!started()) {
    net::ServerResponse response = JsonResponse(503, R"({"status":"starting"})");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  const std::shared_ptr<const engine::EngineStats> stats = snapshots_.Stats();
  std::vector<std::string> reasons;
  if (stats != nullptr) {
    const core::TimestampNs age = clock_.NowNs() - stats->published_ns;
    if (age > kMaxEngineStatsAgeNs) {
      reasons.push_back(fmt::format("engine: no update for {:.1f} s (the books shown may be old)",
                                    static_cast<double>(age) / 1e9));
    }
  }
  for (core::Venue venue : enabled_venues_) {
    const std::string_view name = core::VenueName(venue);
    const core::FeedStatus* feed = FindFeed(stats.get(), venue);
    if (feed == nullptr) {
      reasons.push_back(fmt::format("{}: feed not reported yet", name));
    } else if (feed->connection != core::ConnectionState::kConnected) {
      reasons.push_back(
          fmt::format("{}: feed {}", name, core::ConnectionStateName(feed->connection)));
    }
    for (const core::Instrument* instrument : registry_.ForVenue(venue)) {
      const auto book = BookOrDefault(instrument->id);
      if (book->state != core::BookState::kLive) {
        reasons.push_back(fmt::format("{}: book {}", BookLabel(*instrument), BookStateText(*book)));
      }
    }
  }
  core::JsonWriter writer;
  writer.BeginObject().Key("status").String(reasons.empty() ? "ok" : "degraded");
  if (!reasons.empty()) {
    writer.Key("reasons").BeginArray();
    for (const std::string& reason : reasons) writer.String(reason);
    writer.EndArray();
  }
  writer.EndObject();
  return JsonResponse(200, writer.Take());
}

net::ServerResponse ControlService::HandleConfig(const net::ServerRequest& /*request*/) const {
  if (!config_view_) {
    return ErrorResponse(500, core::ErrorCodeName(ErrorCode::kInternal),
                         "no configuration view is available");
  }
  return JsonResponse(200, config_view_());
}

net::ServerResponse ControlService::HandleStatus(const net::ServerRequest& request) const {
  // No field is read, but a body that is there must still be a JSON object.
  const auto fields = RequestFields::Parse(request.body, {}, /*allow_empty_body=*/true);
  if (!fields.ok()) return ErrorResponse(fields.status());

  const core::TimestampNs now = clock_.NowNs();
  const std::shared_ptr<const engine::EngineStats> stats = snapshots_.Stats();
  core::JsonWriter w;
  w.BeginObject();
  w.Key("mode").String(info_.mode);
  w.Key("version").String(info_.version);
  w.Key("started_at").String(core::FormatTimestamp(info_.started_at_ns));
  w.Key("uptime_s").Int(std::max<std::int64_t>(0, (now - info_.started_at_ns) / 1'000'000'000));
  w.Key("trading_state").String(stats ? std::string_view(stats->trading_state) : "ACTIVE");
  w.Key("open_orders").Uint(stats ? stats->open_orders : 0);

  w.Key("engine").BeginObject();
  w.Key("events_processed").Uint(stats ? stats->events_processed : 0);
  w.Key("queue_depth").Uint(stats ? stats->queue_depth : 0);
  w.Key("max_queue_depth").Uint(stats ? stats->max_queue_depth : 0);
  w.Key("snapshot_age_ms");
  if (stats && stats->published_ns != 0) {
    w.Int(std::max<std::int64_t>(0, (now - stats->published_ns) / 1'000'000));
  } else {
    w.Null();
  }
  w.EndObject();

  w.Key("venues").BeginArray();
  for (core::Venue venue : enabled_venues_) {
    w.BeginObject().Key("exchange").String(core::VenueName(venue));
    const core::FeedStatus* feed = FindFeed(stats.get(), venue);
    w.Key("feed").BeginObject();
    w.Key("state").String(feed ? core::ConnectionStateName(feed->connection) : "UNKNOWN");
    w.Key("connects").Uint(feed ? feed->connects : 0);
    w.Key("frames").Uint(feed ? feed->frames : 0);
    w.Key("parse_errors").Uint(feed ? feed->parse_errors : 0);
    w.Key("queue_drops").Uint(feed ? feed->queue_drops : 0);
    w.Key("last_error");
    if (feed != nullptr && !feed->last_error_text().empty()) {
      w.BeginObject();
      w.Key("message").String(feed->last_error_text());
      w.Key("at").String(core::FormatTimestamp(feed->last_error_ns));
      w.EndObject();
    } else {
      w.Null();
    }
    w.EndObject();
    WriteGateway(w, stats.get(), venue);

    w.Key("books").BeginArray();
    for (const core::Instrument* instrument : registry_.ForVenue(venue)) {
      const auto book = BookOrDefault(instrument->id);
      w.BeginObject();
      w.Key("instrument").String(instrument->canonical);
      w.Key("symbol").String(instrument->venue_symbol);
      w.Key("state").String(core::BookStateName(book->state));
      w.Key("last_reason").String(core::BookReasonName(book->last_reason));
      w.Key("last_update_age_ms");
      if (book->receive_time_ns != 0) {
        w.Int(std::max<std::int64_t>(0, (now - book->receive_time_ns) / 1'000'000));
      } else {
        w.Null();
      }
      w.Key("sequence").Uint(book->sequence);
      w.Key("levels").BeginObject();
      w.Key("bids").Uint(book->bid_levels).Key("asks").Uint(book->ask_levels);
      w.EndObject();
      const engine::BookCounters& c = book->counters;
      w.Key("counters").BeginObject();
      w.Key("updates_applied").Uint(c.updates_applied);
      w.Key("snapshots").Uint(c.snapshots);
      w.Key("gaps").Uint(c.gaps);
      w.Key("resyncs").Uint(c.resyncs);
      w.Key("checksum_failures").Uint(c.checksum_failures);
      w.Key("crossed").Uint(c.crossed);
      w.Key("stale").Uint(c.stale);
      w.Key("bbo_checks_ok").Uint(c.bbo_checks_ok);
      w.Key("bbo_checks_failed").Uint(c.bbo_checks_failed);
      w.Key("trades").Uint(c.trades);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, w.Take());
}

net::ServerResponse ControlService::HandleQuote(const net::ServerRequest& request) const {
  const auto fields = RequestFields::Parse(request.body, std::span(kBookFields).first(2));
  if (!fields.ok()) return ErrorResponse(fields.status());
  const auto target = ResolveBook(*fields);
  if (!target.ok()) return ErrorResponse(target.status());
  const core::Instrument& instrument = **target;
  const auto live = LiveBook(instrument);
  if (!live.ok()) return ErrorResponse(live.status());
  const auto& book = *live;
  if (book->bids.empty() || book->asks.empty()) {
    return ErrorResponse(Status(ErrorCode::kBookNotReady,
                                fmt::format("book {} is LIVE but has no {}", BookLabel(instrument),
                                            book->bids.empty() && book->asks.empty() ? "levels"
                                            : book->bids.empty()                     ? "bids"
                                                                                     : "asks")));
  }
  const core::PriceLevel& bid = book->bids.front();
  const core::PriceLevel& ask = book->asks.front();
  const Precision precision =
      PrecisionFor(instrument, *book, std::span(&bid, 1), std::span(&ask, 1));
  core::JsonWriter w;
  w.BeginObject();
  w.Key("symbol").String(*fields->String("symbol"));
  w.Key("exchange").String(core::VenueName(instrument.venue));
  w.Key("instrument").String(instrument.canonical);
  w.Key("bid_price").String(FormatPrice(bid.price, instrument, precision));
  w.Key("bid_quantity").String(FormatQuantity(bid.quantity, instrument, precision));
  w.Key("ask_price").String(FormatPrice(ask.price, instrument, precision));
  w.Key("ask_quantity").String(FormatQuantity(ask.quantity, instrument, precision));
  w.Key("spread").String(FormatPrice(ask.price - bid.price, instrument, precision));
  w.Key("book_state").String(core::BookStateName(book->state));
  WriteBookTimestamp(w, *book);
  w.EndObject();
  return JsonResponse(200, w.Take());
}

net::ServerResponse ControlService::HandleOrderbook(const net::ServerRequest& request) const {
  const auto fields = RequestFields::Parse(request.body, kBookFields);
  if (!fields.ok()) return ErrorResponse(fields.status());
  std::int64_t depth = kDefaultOrderbookDepth;
  if (const std::int64_t* given = fields->Integer("depth")) {
    if (*given < 1 || *given > kMaxOrderbookDepth) {
      return ErrorResponse(
          Status(ErrorCode::kBadRequest,
                 fmt::format("field 'depth' must be an integer from 1 to {}", kMaxOrderbookDepth)));
    }
    depth = *given;
  }
  const auto target = ResolveBook(*fields);
  if (!target.ok()) return ErrorResponse(target.status());
  const core::Instrument& instrument = **target;
  const auto live = LiveBook(instrument);
  if (!live.ok()) return ErrorResponse(live.status());
  const auto& book = *live;
  const auto limit = static_cast<std::size_t>(depth);
  const std::span<const core::PriceLevel> bids(book->bids.data(),
                                               std::min(limit, book->bids.size()));
  const std::span<const core::PriceLevel> asks(book->asks.data(),
                                               std::min(limit, book->asks.size()));
  const Precision precision = PrecisionFor(instrument, *book, bids, asks);
  core::JsonWriter w;
  w.BeginObject();
  w.Key("symbol").String(*fields->String("symbol"));
  w.Key("exchange").String(core::VenueName(instrument.venue));
  w.Key("instrument").String(instrument.canonical);
  for (const auto& [key, levels] : {std::pair{"bids", bids}, std::pair{"asks", asks}}) {
    w.Key(key).BeginArray();
    for (const core::PriceLevel& level : levels) {
      w.BeginArray();
      w.String(FormatPrice(level.price, instrument, precision));
      w.String(FormatQuantity(level.quantity, instrument, precision));
      w.EndArray();
    }
    w.EndArray();
  }
  w.Key("sequence").Uint(book->sequence);
  w.Key("book_state").String(core::BookStateName(book->state));
  WriteBookTimestamp(w, *book);
  w.EndObject();
  return JsonResponse(200, w.Take());
}

net::ServerResponse ControlService::HandleInstruments(const net::ServerRequest& request) const {
  constexpr FieldSpec kFields[] = {{"exchange", FieldType::kString, false}};
  const auto fields = RequestFields::Parse(request.body, kFields, /*allow_empty_body=*/true);
  if (!fields.ok()) return ErrorResponse(fields.status());
  std::vector<core::Venue> venues = enabled_venues_;
  if (const std::string* exchange = fields->String("exchange")) {
    const std::optional<core::Venue> venue = core::ParseVenue(*exchange);
    if (!venue.has_value() || !IsEnabled(*venue)) {
      return ErrorResponse(Status(ErrorCode::kUnknownExchange,
                                  fmt::format("{} exchange '{}'; enabled: {}",
                                              venue.has_value() ? "not enabled:" : "unknown",
                                              Echo(*exchange), EnabledList(enabled_venues_))));
    }
    venues = {*venue};
  }
  core::JsonWriter w;
  w.BeginObject().Key("instruments").BeginArray();
  for (core::Venue venue : venues) {
    for (const core::Instrument* instrument : registry_.ForVenue(venue)) {
      const auto book = BookOrDefault(instrument->id);
      w.BeginObject();
      w.Key("exchange").String(core::VenueName(venue));
      w.Key("symbol").String(instrument->venue_symbol);
      w.Key("instrument").String(instrument->canonical);
      w.Key("base").String(instrument->base);
      w.Key("quote").String(instrument->quote);
      const auto price = [&](core::Price value) {
        return core::FormatDecimal(value.mantissa(), instrument->price_scale, 0);
      };
      const auto quantity = [&](core::Quantity value) {
        return core::FormatDecimal(value.mantissa(), instrument->quantity_scale, 0);
      };
      if (book->rules.has_value()) {
        const core::InstrumentRules& rules = *book->rules;
        w.Key("tick_size").String(price(rules.tick_size));
        w.Key("lot_size").String(quantity(rules.lot_size));
        w.Key("min_quantity").String(quantity(rules.min_quantity));
        // No maximum published: null rather than a number nobody set.
        if (rules.max_quantity.mantissa() == INT64_MAX) {
          w.Key("max_quantity").Null();
        } else {
          w.Key("max_quantity").String(quantity(rules.max_quantity));
        }
        w.Key("min_notional").String(price(rules.min_notional));
        w.Key("trading_status").String(core::TradingStatusName(rules.status));
      } else {
        // The venue's rules are not loaded yet: say so rather than guess.
        for (const char* key :
             {"tick_size", "lot_size", "min_quantity", "max_quantity", "min_notional"}) {
          w.Key(key).Null();
        }
        w.Key("trading_status").String(core::TradingStatusName(core::TradingStatus::kUnknown));
      }
      w.EndObject();
    }
  }
  w.EndArray().EndObject();
  return JsonResponse(200, w.Take());
}

net::HttpServer::RequestHandler MakeRequestHandler(const ControlService& service) {
  return [&service](net::ServerRequest&& request, net::HttpServer::Respond respond) {
    service.Handle(request, std::move(respond));
  };
}

}  // namespace tradingd::control
