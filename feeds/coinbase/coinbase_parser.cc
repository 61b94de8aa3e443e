#include "feeds/coinbase/coinbase_parser.h"

#include <algorithm>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "feeds/common/json_scan.h"

namespace tradingd::feeds::coinbase {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::FromSimdjson;
using json::NumberText;
using json::StringText;
namespace od = simdjson::ondemand;
constexpr std::size_t kPadding = 64;

// Sequences and trade ids: unsigned decimal digits. Advanced Trade writes trade ids as strings
// with leading zeros ("000000000"), which core::ParseDecimal rightly refuses for a decimal.
bool UnsignedText(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;  // 19 digits always fit a uint64
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = value;
  return true;
}

bool Decimal(std::string_view text, int scale, std::int64_t* mantissa) {
  return core::ParseDecimal(text, scale, mantissa) == core::DecimalError::kOk;
}

// Both feeds send the MAKER's side with a trade; the aggressor took the other side. Exchange
// writes it in lower case, Advanced Trade in upper case; either is accepted from either.
bool AggressorFromMakerSide(std::string_view side, core::Side* aggressor) {
  if (side == "buy" || side == "BUY") {
    *aggressor = core::Side::kSell;
  } else if (side == "sell" || side == "SELL") {
    *aggressor = core::Side::kBuy;
  } else {
    return false;
  }
  return true;
}

}  // namespace

class CoinbaseParser::Impl {
 public:
  Impl(const core::SymbolRegistry& registry, CoinbaseParserOptions options)
      : registry_(registry), options_(options) {
    raw_levels_.reserve(2 * 200);
    levels_.reserve(2 * 200);
  }

  CoinbaseFeedKind feed() const { return options_.feed; }

  FeedParseError Parse(std::string_view payload, CoinbaseMessage* out) {
    *out = CoinbaseMessage{};
    raw_levels_.clear();
    raw_books_.clear();
    raw_trades_.clear();
    raw_quotes_.clear();
    levels_.clear();
    books_.clear();
    trades_.clear();
    quotes_.clear();
    x_ = ExchangeFields{};
    a_ = AdvancedFields{};
    od::document doc;
    if (auto e = parser_
                     .iterate(simdjson::padded_string_view(payload.data(), payload.size(),
                                                           payload.size() + kPadding))
                     .get(doc);
        e) {
      return FromSimdjson(e);
    }
    od::object root;
    if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
    const bool exchange = options_.feed == CoinbaseFeedKind::kExchange;
    if (auto e = exchange ? ReadExchange(root) : ReadAdvanced(root); e != FeedParseError::kOk) {
      return e;
    }
    if (!json::AtEnd(doc)) return FeedParseError::kJson;
    const FeedParseError error = exchange ? InterpretExchange(out) : InterpretAdvanced(out);
    if (error == FeedParseError::kOk) {
      out->books = books_;
      out->quotes = quotes_;
      out->trades = trades_;
    }
    return error;
  }

 private:
  struct RawLevel {
    std::string_view price, quantity;
    std::string_view time;  // Advanced Trade `event_time`
    bool bid;
  };
  // A run of raw_levels_ for one product.
  struct RawBook {
    std::string_view product_id, type;
    std::size_t begin = 0, end = 0;
  };
  struct RawTrade {
    std::string_view product_id, price, size, side, time, id, sequence;
    bool history = false;
  };
  struct RawQuote {
    std::string_view product_id, bid, bid_size, ask, ask_size, time, sequence;
  };
  // Exchange messages are flat: every field we read, whatever the type.
  struct ExchangeFields {
    std::string_view type, product_id, time, sequence, trade_id, side, price, size;
    std::string_view best_bid, best_bid_size, best_ask, best_ask_size, message, reason;
    bool has_bids = false, has_asks = false, has_changes = false;
  };
  struct AdvancedFields {
    std::string_view channel, type, message, timestamp;
    bool has_sequence_num = false, has_events = false;
    std::uint64_t sequence_num = 0;
    std::size_t events = 0;
  };

  FeedParseError AddLevel(std::string_view price, std::string_view quantity, std::string_view time,
                          bool bid, std::size_t* bids, std::size_t* asks) {
    std::size_t& count = bid ? *bids : *asks;
    if (++count > options_.max_levels_per_side) return FeedParseError::kTooManyLevels;
    raw_levels_.push_back({price, quantity, time, bid});
    return FeedParseError::kOk;
  }

  // Reads the first `wanted` elements of an array of strings; more are ignored (the REST book
  // adds an order count), fewer is a missing field.
  template <std::size_t kWanted>
  static FeedParseError ReadStrings(od::value& value, std::string_view (&text)[kWanted]) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    std::size_t index = 0;
    auto error = ForEachElement(array, [&](od::value& part) {
      if (index < kWanted) {
        if (auto e = StringText(part, &text[index]); e != FeedParseError::kOk) return e;
      }
      ++index;
      return FeedParseError::kOk;
    });
    if (error != FeedParseError::kOk) return error;
    return index < kWanted ? FeedParseError::kMissingField : FeedParseError::kOk;
  }

  // ---- Exchange ----------------------------------------------------------------------------

  // Snapshot sides: [[price, size], ...].
  FeedParseError ReadPairs(od::value& value, bool bid) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      std::string_view text[2];
      if (auto e = ReadStrings(item, text); e != FeedParseError::kOk) return e;
      return AddLevel(text[0], text[1], {}, bid, &bids_, &asks_);
    });
  }

  // l2update: [[side buy|sell, price, size], ...].
  FeedParseError ReadChanges(od::value& value) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      std::string_view text[3];
      if (auto e = ReadStrings(item, text); e != FeedParseError::kOk) return e;
      if (text[0] != "buy" && text[0] != "sell") return FeedParseError::kWrongType;
      return AddLevel(text[1], text[2], {}, text[0] == "buy", &bids_, &asks_);
    });
  }

  FeedParseError ReadExchange(od::object& root) {
    bids_ = asks_ = 0;
    return ForEachField(root, [&](std::string_view key, od::value& v) {
      if (key == "type") return StringText(v, &x_.type);
      if (key == "product_id") return StringText(v, &x_.product_id);
      if (key == "time") return StringText(v, &x_.time);
      if (key == "sequence") return NumberText(v, &x_.sequence);
      if (key == "trade_id") return NumberText(v, &x_.trade_id);
      if (key == "side") return StringText(v, &x_.side);
      if (key == "price") return StringText(v, &x_.price);
      if (key == "size") return StringText(v, &x_.size);
      if (key == "best_bid") return StringText(v, &x_.best_bid);
      if (key == "best_bid_size") return StringText(v, &x_.best_bid_size);
      if (key == "best_ask") return StringText(v, &x_.best_ask);
      if (key == "best_ask_size") return StringText(v, &x_.best_ask_size);
      if (key == "message") return StringText(v, &x_.message);
      if (key == "reason") return StringText(v, &x_.reason);
      if (key == "bids" || key == "asks") {
        bool& seen = key == "bids" ? x_.has_bids : x_.has_asks;
        if (seen) return FeedParseError::kJson;  // a repeated side would be applied twice
        seen = true;
        return ReadPairs(v, key == "bids");
      }
      if (key == "changes") {
        if (x_.has_changes) return FeedParseError::kJson;
        x_.has_changes = true;
        return ReadChanges(v);
      }
      return FeedParseError::kOk;
    });
  }

  FeedParseError InterpretExchange(CoinbaseMessage* out) {
    const std::string_view type = x_.type;
    if (type.empty()) return FeedParseError::kMissingField;
    if (type == "heartbeat") {
      out->kind = CoinbaseMessageKind::kHeartbeat;
      return FeedParseError::kOk;
    }
    if (type == "subscriptions") {
      out->kind = CoinbaseMessageKind::kSubscriptions;
      return FeedParseError::kOk;
    }
    if (type == "error") {
      out->kind = CoinbaseMessageKind::kVenueError;
      out->message = x_.message;
      out->reason = x_.reason;
      return FeedParseError::kOk;
    }
    const bool snapshot = type == "snapshot";
    const bool update = type == "l2update";
    const bool ticker = type == "ticker";
    const bool match = type == "match" || type == "last_match";
    if (!snapshot && !update && !ticker && !match) return FeedParseError::kOk;  // kUnknown
    if (x_.product_id.empty()) return FeedParseError::kMissingField;
    const core::Instrument* instrument =
        registry_.FindByVenueSymbol(core::Venue::kCoinbase, x_.product_id);
    if (instrument == nullptr) return FeedParseError::kUnknownSymbol;
    if (snapshot || update) {
      if (snapshot ? (!x_.has_bids || !x_.has_asks) : !x_.has_changes) {
        return FeedParseError::kMissingField;
      }
      if (snapshot ? x_.has_changes : (x_.has_bids || x_.has_asks)) return FeedParseError::kJson;
      core::TimestampNs time = 0;
      if (!x_.time.empty() && !core::ParseTimestamp(x_.time, &time)) {
        return FeedParseError::kWrongType;
      }
      if (auto e = ConvertBook(*instrument, snapshot, 0, raw_levels_.size(), time);
          e != FeedParseError::kOk) {
        return e;
      }
      out->kind = CoinbaseMessageKind::kBook;
      return FeedParseError::kOk;
    }
    if (ticker) {
      const RawQuote raw{x_.product_id,    x_.best_bid, x_.best_bid_size, x_.best_ask,
                         x_.best_ask_size, x_.time,     x_.sequence};
      if (auto e = ConvertQuote(*instrument, raw, 0); e != FeedParseError::kOk) return e;
      out->kind = CoinbaseMessageKind::kQuote;
      return FeedParseError::kOk;
    }
    const RawTrade raw{x_.product_id, x_.price,    x_.size,     x_.side,
                       x_.time,       x_.trade_id, x_.sequence, type == "last_match"};
    if (auto e = ConvertTrade(*instrument, raw); e != FeedParseError::kOk) return e;
    out->kind = CoinbaseMessageKind::kTrade;
    return FeedParseError::kOk;
  }

  // ---- Advanced Trade ----------------------------------------------------------------------

  // l2_data rows: {side: bid|offer, event_time, price_level, new_quantity}.
  FeedParseError ReadUpdates(od::value& value) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& element) {
      od::object row;
      if (auto e = element.get_object().get(row); e) return FromSimdjson(e);
      std::string_view side, time, price, quantity;
      auto error = ForEachField(row, [&](std::string_view key, od::value& v) {
        if (key == "side") return StringText(v, &side);
        if (key == "event_time") return StringText(v, &time);
        if (key == "price_level") return StringText(v, &price);
        if (key == "new_quantity") return StringText(v, &quantity);
        return FeedParseError::kOk;
      });
      if (error != FeedParseError::kOk) return error;
      if (side.empty() || price.empty() || quantity.empty()) return FeedParseError::kMissingField;
      if (side != "bid" && side != "offer") return FeedParseError::kWrongType;
      return AddLevel(price, quantity, time, side == "bid", &bids_, &asks_);
    });
  }

  FeedParseError ReadTrades(od::value& value) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& element) {
      if (raw_trades_.size() >= options_.max_trades) return FeedParseError::kTooManyLevels;
      od::object item;
      if (auto e = element.get_object().get(item); e) return FromSimdjson(e);
      RawTrade t;
      auto error = ForEachField(item, [&](std::string_view key, od::value& v) {
        if (key == "trade_id") return StringText(v, &t.id);
        if (key == "product_id") return StringText(v, &t.product_id);
        if (key == "price") return StringText(v, &t.price);
        if (key == "size") return StringText(v, &t.size);
        if (key == "side") return StringText(v, &t.side);
        if (key == "time") return StringText(v, &t.time);
        return FeedParseError::kOk;
      });
      if (error != FeedParseError::kOk) return error;
      raw_trades_.push_back(t);
      return FeedParseError::kOk;
    });
  }

  FeedParseError ReadTickers(od::value& value) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& element) {
      if (raw_quotes_.size() >= options_.max_events) return FeedParseError::kTooManyLevels;
      od::object item;
      if (auto e = element.get_object().get(item); e) return FromSimdjson(e);
      RawQuote q;
      auto error = ForEachField(item, [&](std::string_view key, od::value& v) {
        if (key == "product_id") return StringText(v, &q.product_id);
        if (key == "best_bid") return StringText(v, &q.bid);
        if (key == "best_bid_quantity") return StringText(v, &q.bid_size);
        if (key == "best_ask") return StringText(v, &q.ask);
        if (key == "best_ask_quantity") return StringText(v, &q.ask_size);
        return FeedParseError::kOk;
      });
      if (error != FeedParseError::kOk) return error;
      raw_quotes_.push_back(q);
      return FeedParseError::kOk;
    });
  }

  // One element of `events`. Its fields may come in any order, so the event's type and product
  // are attached to its levels and trades once the whole object has been read.
  FeedParseError ReadEvent(od::object& event) {
    if (++a_.events > options_.max_events) return FeedParseError::kTooManyLevels;
    std::string_view type, product_id;
    bool has_updates = false;
    const std::size_t level_begin = raw_levels_.size();
    const std::size_t trade_begin = raw_trades_.size();
    bids_ = asks_ = 0;
    auto error = ForEachField(event, [&](std::string_view key, od::value& v) {
      if (key == "type") return StringText(v, &type);
      if (key == "product_id") return StringText(v, &product_id);
      if (key == "updates") {
        if (has_updates) return FeedParseError::kJson;
        has_updates = true;
        return ReadUpdates(v);
      }
      if (key == "trades") return ReadTrades(v);
      if (key == "tickers") return ReadTickers(v);
      return FeedParseError::kOk;
    });
    if (error != FeedParseError::kOk) return error;
    if (has_updates) raw_books_.push_back({product_id, type, level_begin, raw_levels_.size()});
    for (std::size_t i = trade_begin; i < raw_trades_.size(); ++i) {
      raw_trades_[i].history = type == "snapshot";
    }
    return FeedParseError::kOk;
  }

  FeedParseError ReadAdvanced(od::object& root) {
    return ForEachField(root, [&](std::string_view key, od::value& v) {
      if (key == "channel") return StringText(v, &a_.channel);
      if (key == "type") return StringText(v, &a_.type);
      if (key == "message") return StringText(v, &a_.message);
      if (key == "timestamp") return StringText(v, &a_.timestamp);
      if (key == "sequence_num") {
        std::string_view text;
        if (auto e = NumberText(v, &text); e != FeedParseError::kOk) return e;
        if (!UnsignedText(text, &a_.sequence_num)) return FeedParseError::kWrongType;
        a_.has_sequence_num = true;
        return FeedParseError::kOk;
      }
      if (key != "events") return FeedParseError::kOk;
      if (a_.has_events) return FeedParseError::kJson;
      a_.has_events = true;
      od::array events;
      if (auto e = v.get_array().get(events); e) return FromSimdjson(e);
      return ForEachElement(events, [&](od::value& element) {
        od::object event;
        if (auto e = element.get_object().get(event); e) return FromSimdjson(e);
        return ReadEvent(event);
      });
    });
  }

  FeedParseError InterpretAdvanced(CoinbaseMessage* out) {
    const std::string_view channel = a_.channel;
    if (channel.empty()) {
      // Refused requests come back outside the envelope: {"type":"error","message":"..."}.
      if (a_.type != "error") return FeedParseError::kMissingField;
      out->kind = CoinbaseMessageKind::kVenueError;
      out->message = a_.message;
      return FeedParseError::kOk;
    }
    // Without the counter a lost message could not be seen: every channel carries it.
    if (!a_.has_sequence_num) return FeedParseError::kMissingField;
    out->has_sequence_num = true;
    out->sequence_num = a_.sequence_num;
    core::TimestampNs time = 0;
    if (!a_.timestamp.empty() && !core::ParseTimestamp(a_.timestamp, &time)) {
      return FeedParseError::kWrongType;
    }
    if (channel == "heartbeats") {
      out->kind = CoinbaseMessageKind::kHeartbeat;
      return FeedParseError::kOk;
    }
    if (channel == "subscriptions") {
      out->kind = CoinbaseMessageKind::kSubscriptions;
      return FeedParseError::kOk;
    }
    const bool l2 = channel == "l2_data";
    const bool trades = channel == "market_trades";
    const bool ticker = channel == "ticker";
    if (!l2 && !trades && !ticker) return FeedParseError::kOk;  // kUnknown, counter still moves
    if (!a_.has_events) return FeedParseError::kMissingField;
    if (l2) {
      if (raw_books_.size() != a_.events) return FeedParseError::kMissingField;  // no `updates`
      levels_.reserve(raw_levels_.size());  // spans into levels_ must not move
      for (const RawBook& raw : raw_books_) {
        const bool snapshot = raw.type == "snapshot";
        if (!snapshot && raw.type != "update") return FeedParseError::kJson;
        const core::Instrument* instrument = Find(raw.product_id, out);
        if (instrument == nullptr) {
          if (raw.product_id.empty()) return FeedParseError::kMissingField;
          continue;
        }
        core::TimestampNs book_time = 0;
        if (!snapshot) {
          for (std::size_t i = raw.begin; i < raw.end; ++i) {
            core::TimestampNs row_time = 0;
            if (raw_levels_[i].time.empty()) continue;
            if (!core::ParseTimestamp(raw_levels_[i].time, &row_time)) {
              return FeedParseError::kWrongType;
            }
            book_time = std::max(book_time, row_time);
          }
        }
        if (auto e = ConvertBook(*instrument, snapshot, raw.begin, raw.end,
                                 book_time != 0 ? book_time : time);
            e != FeedParseError::kOk) {
          return e;
        }
      }
      if (!books_.empty()) out->kind = CoinbaseMessageKind::kBook;
    } else if (trades) {
      for (const RawTrade& raw : raw_trades_) {
        const core::Instrument* instrument = Find(raw.product_id, out);
        if (instrument == nullptr) {
          if (raw.product_id.empty()) return FeedParseError::kMissingField;
          continue;
        }
        if (auto e = ConvertTrade(*instrument, raw); e != FeedParseError::kOk) return e;
      }
      if (!trades_.empty()) out->kind = CoinbaseMessageKind::kTrade;
    } else {
      for (const RawQuote& raw : raw_quotes_) {
        // `ticker_batch`-like entries without a best bid/ask are last-price records: no quote.
        if (raw.bid.empty() && raw.ask.empty()) continue;
        const core::Instrument* instrument = Find(raw.product_id, out);
        if (instrument == nullptr) {
          if (raw.product_id.empty()) return FeedParseError::kMissingField;
          continue;
        }
        if (auto e = ConvertQuote(*instrument, raw, time); e != FeedParseError::kOk) return e;
      }
      if (!quotes_.empty()) out->kind = CoinbaseMessageKind::kQuote;
    }
    // Nothing for us, and something for a product we do not follow: tell the caller so.
    if (out->kind == CoinbaseMessageKind::kUnknown && out->unknown_products != 0) {
      return FeedParseError::kUnknownSymbol;
    }
    return FeedParseError::kOk;
  }

  // Null for an empty or unknown product; unknown ones are counted in `out`.
  const core::Instrument* Find(std::string_view product_id, CoinbaseMessage* out) {
    if (product_id.empty()) return nullptr;
    const core::Instrument* instrument =
        registry_.FindByVenueSymbol(core::Venue::kCoinbase, product_id);
    if (instrument == nullptr) ++out->unknown_products;
    return instrument;
  }

  // ---- Conversion to fixed point -----------------------------------------------------------

  FeedParseError ConvertBook(const core::Instrument& instrument, bool snapshot, std::size_t begin,
                             std::size_t end, core::TimestampNs time) {
    const std::size_t first = levels_.size();
    std::size_t bid_count = 0;
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = begin; i < end; ++i) {
        const RawLevel& raw = raw_levels_[i];
        if (raw.bid != (pass == 0)) continue;
        std::int64_t price, quantity;
        if (!Decimal(raw.price, instrument.price_scale, &price) ||
            !Decimal(raw.quantity, instrument.quantity_scale, &quantity) || price <= 0 ||
            quantity < 0) {
          return FeedParseError::kBadDecimal;
        }
        levels_.push_back(
            {core::Price::FromMantissa(price), core::Quantity::FromMantissa(quantity)});
        if (pass == 0) ++bid_count;
      }
    }
    CoinbaseBook book;
    book.instrument = &instrument;
    book.snapshot = snapshot;
    book.bids = std::span<const core::PriceLevel>(levels_.data() + first, bid_count);
    book.asks = std::span<const core::PriceLevel>(levels_.data() + first + bid_count,
                                                  levels_.size() - first - bid_count);
    book.exchange_time_ns = time;
    books_.push_back(book);
    return FeedParseError::kOk;
  }

  FeedParseError ConvertQuote(const core::Instrument& instrument, const RawQuote& raw,
                              core::TimestampNs time) {
    if (raw.bid.empty() || raw.ask.empty()) return FeedParseError::kMissingField;
    std::int64_t bid, ask, bid_size = 0, ask_size = 0;
    if (!Decimal(raw.bid, instrument.price_scale, &bid) ||
        !Decimal(raw.ask, instrument.price_scale, &ask) || bid <= 0 || ask <= 0) {
      return FeedParseError::kBadDecimal;
    }
    if ((!raw.bid_size.empty() && !Decimal(raw.bid_size, instrument.quantity_scale, &bid_size)) ||
        (!raw.ask_size.empty() && !Decimal(raw.ask_size, instrument.quantity_scale, &ask_size)) ||
        bid_size < 0 || ask_size < 0) {
      return FeedParseError::kBadDecimal;
    }
    CoinbaseQuote quote;
    quote.instrument = &instrument;
    quote.bid_price = core::Price::FromMantissa(bid);
    quote.bid_quantity = core::Quantity::FromMantissa(bid_size);
    quote.ask_price = core::Price::FromMantissa(ask);
    quote.ask_quantity = core::Quantity::FromMantissa(ask_size);
    quote.has_sizes = !raw.bid_size.empty() && !raw.ask_size.empty();
    if (!raw.sequence.empty()) {
      if (!UnsignedText(raw.sequence, &quote.sequence)) return FeedParseError::kWrongType;
      quote.has_sequence = true;
    }
    quote.exchange_time_ns = time;
    if (!raw.time.empty() && !core::ParseTimestamp(raw.time, &quote.exchange_time_ns)) {
      return FeedParseError::kWrongType;
    }
    quotes_.push_back(quote);
    return FeedParseError::kOk;
  }

  FeedParseError ConvertTrade(const core::Instrument& instrument, const RawTrade& raw) {
    if (raw.price.empty() || raw.size.empty() || raw.side.empty()) {
      return FeedParseError::kMissingField;
    }
    CoinbaseTrade trade;
    trade.instrument = &instrument;
    trade.history = raw.history;
    std::int64_t price, quantity;
    if (!Decimal(raw.price, instrument.price_scale, &price) ||
        !Decimal(raw.size, instrument.quantity_scale, &quantity) || price <= 0 || quantity <= 0) {
      return FeedParseError::kBadDecimal;
    }
    if (!AggressorFromMakerSide(raw.side, &trade.aggressor)) return FeedParseError::kWrongType;
    if (!raw.id.empty() && !UnsignedText(raw.id, &trade.trade_id)) {
      return FeedParseError::kWrongType;
    }
    if (!raw.sequence.empty()) {
      if (!UnsignedText(raw.sequence, &trade.sequence)) return FeedParseError::kWrongType;
      trade.has_sequence = true;
    }
    if (!raw.time.empty() && !core::ParseTimestamp(raw.time, &trade.exchange_time_ns)) {
      return FeedParseError::kWrongType;
    }
    trade.price = core::Price::FromMantissa(price);
    trade.quantity = core::Quantity::FromMantissa(quantity);
    trades_.push_back(trade);
    return FeedParseError::kOk;
  }

  const core::SymbolRegistry& registry_;
  CoinbaseParserOptions options_;
  od::parser parser_;
  std::vector<RawLevel> raw_levels_;
  std::vector<RawBook> raw_books_;
  std::vector<RawTrade> raw_trades_;
  std::vector<RawQuote> raw_quotes_;
  std::vector<core::PriceLevel> levels_;
  std::vector<CoinbaseBook> books_;
  std::vector<CoinbaseTrade> trades_;
  std::vector<CoinbaseQuote> quotes_;
  std::size_t bids_ = 0, asks_ = 0;  // levels of the message (Exchange) or event being read
  ExchangeFields x_;
  AdvancedFields a_;
};

CoinbaseParser::CoinbaseParser(const core::SymbolRegistry& registry, CoinbaseParserOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}
CoinbaseParser::~CoinbaseParser() = default;

FeedParseError CoinbaseParser::Parse(std::string_view payload, CoinbaseMessage* out) {
  return impl_->Parse(payload, out);
}

CoinbaseFeedKind CoinbaseParser::feed() const { return impl_->feed(); }

}  // namespace tradingd::feeds::coinbase
