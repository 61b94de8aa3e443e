#include "feeds/kraken/kraken_parser.h"


#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/decimal.h"
#include "feeds/common/json_scan.h"

namespace tradingd::feeds::kraken {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::FromSimdjson;
using json::NumberText;
using json::ScalarText;
using json::StringText;
namespace od = simdjson::ondemand;
constexpr std::size_t kPadding = 64;

// "1618678145.920470" (v1 level and trade times, seconds) into nanoseconds; 0 when unreadable.
core::TimestampNs SecondsText(std::string_view text) {
  std::int64_t ns = 0;
  return core::ParseDecimal(text, 9, &ns) == core::DecimalError::kOk ? ns : 0;
}

}  // namespace

class KrakenParser::Impl {
 public:
  Impl(const core::SymbolRegistry& registry, KrakenParserOptions options)
      : registry_(registry), options_(options) {
    raw_levels_.reserve(2 * options_.max_levels_per_side);
    levels_.reserve(2 * options_.max_levels_per_side);
    raw_trades_.reserve(64);
    trades_.reserve(64);
  }

  KrakenParseError Parse(std::string_view payload, KrakenMessage* out) {
    *out = KrakenMessage{};
    Clear();
    od::document doc;
    if (auto e = parser_.iterate(simdjson::padded_string_view(payload.data(), payload.size(),
                                                              payload.size() + kPadding))
                     .get(doc);
        e) {
      return FromSimdjson(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type); e) return FromSimdjson(e);
    KrakenParseError error;
    if (type == od::json_type::array) {
      od::array array;
      if (auto e = doc.get_array().get(array); e) return FromSimdjson(e);
      error = ReadV1Array(array);
    } else if (type == od::json_type::object) {
      od::object object;
      if (auto e = doc.get_object().get(object); e) return FromSimdjson(e);
      error = ReadObject(object);
    } else {
      return KrakenParseError::kJson;
    }
    if (error != KrakenParseError::kOk) return error;
    if (!json::AtEnd(doc)) return KrakenParseError::kJson;
    return Interpret(out);
  }

 private:
  // What a message may carry, gathered in one pass whatever the field order; decided afterwards.
  struct RawLevel {
    std::string_view price, quantity;
    bool bid;
  };
  struct RawTrade {
    std::string_view price, quantity, side, time;
    std::uint64_t trade_id = 0;
  };
  struct Fields {
    std::string_view channel, type, method, event, status, error, symbol, timestamp, channel_name;
    bool has_success = false, success = false, has_data = false;
    bool has_book_levels = false, has_snapshot_levels = false;
    bool has_checksum = false;
    std::string_view checksum_text;  // v1: a string
    std::uint64_t checksum = 0;      // v2: a number
    std::size_t book_items = 0, ticker_items = 0;
    std::string_view bid, bid_qty, ask, ask_qty;  // ticker (v2 fields, or v1 "b"/"a" arrays)
    core::TimestampNs level_time_ns = 0;          // v1: the newest level time
    bool is_v1 = false;
  };

  void Clear() {
    raw_levels_.clear();
    levels_.clear();
    raw_trades_.clear();
    trades_.clear();
    f_ = Fields{};
    bid_count_ = ask_count_ = 0;
  }

  KrakenParseError AddLevel(std::string_view price, std::string_view quantity, bool bid) {
    std::size_t& count = bid ? bid_count_ : ask_count_;
    if (++count > options_.max_levels_per_side) return KrakenParseError::kTooManyLevels;
    raw_levels_.push_back({price, quantity, bid});
    return KrakenParseError::kOk;
  }

  // v2: [{"price":n,"qty":n}, ...]
  KrakenParseError ReadV2Levels(od::value& value, bool bid) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      od::object level;
      if (auto e = item.get_object().get(level); e) return FromSimdjson(e);
      std::string_view price, quantity;
      auto error = ForEachField(level, [&](std::string_view key, od::value& v) {
        if (key == "price") return NumberText(v, &price);
        if (key == "qty") return NumberText(v, &quantity);
        return KrakenParseError::kOk;
      });
      if (error != KrakenParseError::kOk) return error;
      if (price.empty() || quantity.empty()) return KrakenParseError::kMissingField;
      return AddLevel(price, quantity, bid);
    });
  }

  // One element of v2 "data": a book (levels, checksum), a ticker, or one trade.
  KrakenParseError ReadV2Item(od::object item) {
    bool book = false, trade = false;
    RawTrade t;
    std::string_view timestamp;
    auto error = ForEachField(item, [&](std::string_view key, od::value& v) {
      if (key == "symbol") {
        std::string_view symbol;
        if (auto e = StringText(v, &symbol); e != KrakenParseError::kOk) return e;
        // One pair per message: several trades of one pair, never a mix.
        if (!f_.symbol.empty() && symbol != f_.symbol) return KrakenParseError::kJson;
        f_.symbol = symbol;
        return KrakenParseError::kOk;
      }
      if (key == "bids" || key == "asks") {
        book = true;
        return ReadV2Levels(v, key == "bids");
      }
      if (key == "checksum") {
        f_.has_checksum = true;
        return FromSimdjson(v.get_uint64().get(f_.checksum));
      }
      if (key == "timestamp") return StringText(v, &timestamp);
      if (key == "bid") return NumberText(v, &f_.bid);
      if (key == "bid_qty") return NumberText(v, &f_.bid_qty);
      if (key == "ask") return NumberText(v, &f_.ask);
      if (key == "ask_qty") return NumberText(v, &f_.ask_qty);
      if (key == "side" || key == "price" || key == "qty" || key == "trade_id") trade = true;
      if (key == "side") return StringText(v, &t.side);
      if (key == "price") return NumberText(v, &t.price);
      if (key == "qty") return NumberText(v, &t.quantity);
      if (key == "trade_id") return FromSimdjson(v.get_uint64().get(t.trade_id));
      return KrakenParseError::kOk;
    });
    if (error != KrakenParseError::kOk) return error;
    f_.timestamp = timestamp;
    if (book) ++f_.book_items;
    if (trade) {
      if (raw_trades_.size() >= options_.max_trades) return KrakenParseError::kTooManyLevels;
      t.time = timestamp;
      raw_trades_.push_back(t);
    }
    return KrakenParseError::kOk;
  }

  KrakenParseError ReadObject(od::object object) {
    return ForEachField(object, [&](std::string_view key, od::value& v) {
      if (key == "channel") return StringText(v, &f_.channel);
      if (key == "type") return StringText(v, &f_.type);
      if (key == "method") return StringText(v, &f_.method);
      if (key == "event") return StringText(v, &f_.event);
      if (key == "status") {
        // v1 subscriptionStatus/systemStatus carry a string; anything else is ignored.
        std::string_view text;
        if (StringText(v, &text) == KrakenParseError::kOk) f_.status = text;
        return KrakenParseError::kOk;
      }
      if (key == "success") {
        f_.has_success = true;
        return FromSimdjson(v.get_bool().get(f_.success));
      }
      if (key == "error" || key == "errorMessage") return StringText(v, &f_.error);
      if (key != "data") return KrakenParseError::kOk;
      f_.has_data = true;
      od::json_type type;
      if (auto e = v.type().get(type); e) return FromSimdjson(e);
      // An object (the instrument channel) is skipped: not consumed here yet.
      if (type != od::json_type::array) return KrakenParseError::kOk;
      od::array items;
      if (auto e = v.get_array().get(items); e) return FromSimdjson(e);
      return ForEachElement(items, [&](od::value& element) {
        od::object item;
        if (auto e = element.get_object().get(item); e) return FromSimdjson(e);
        return ReadV2Item(item);
      });
    });
  }

  // A v1 "as"/"bs"/"a"/"b" value. Book levels are arrays [["price","volume","time"(,"r")], ...];
  // a ticker's side is ["price", whole lot volume, "lot volume"]. Which one it is shows in the
  // first element (an array or not), so one pass reads either; `levels_only` refuses the ticker
  // shape ("as"/"bs").
  KrakenParseError ReadV1Side(od::value& value, bool bid, bool levels_only,
                              std::string_view* ticker_price, std::string_view* ticker_quantity) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    enum class Shape { kUnknown, kLevels, kTicker } shape = Shape::kUnknown;
    int index = 0;
    for (auto element_result : array) {
      od::value element;
      if (auto e = std::move(element_result).get(element); e) return FromSimdjson(e);
      od::json_type type;
      if (auto e = element.type().get(type); e) return FromSimdjson(e);
      const Shape this_shape = type == od::json_type::array ? Shape::kLevels : Shape::kTicker;
      if (shape == Shape::kUnknown) shape = this_shape;
      if (shape != this_shape || (levels_only && shape == Shape::kTicker)) {
        return KrakenParseError::kWrongType;
      }
      if (shape == Shape::kTicker) {
        if (index == 0) {
          if (auto e = ScalarText(element, ticker_price); e != KrakenParseError::kOk) return e;
        } else if (index == 2) {
          if (auto e = ScalarText(element, ticker_quantity); e != KrakenParseError::kOk) return e;
        }
        ++index;
        continue;
      }
      od::array level;
      if (auto e = element.get_array().get(level); e) return FromSimdjson(e);
      std::string_view text[3];
      int position = 0;
      for (auto part_result : level) {
        od::value part;
        if (auto e = std::move(part_result).get(part); e) return FromSimdjson(e);
        if (position < 3) {
          if (auto e = StringText(part, &text[position]); e != KrakenParseError::kOk) return e;
        }
        ++position;  // a 4th element ("r": republish) is accepted
      }
      if (position < 3) return KrakenParseError::kMissingField;
      const core::TimestampNs time = SecondsText(text[2]);
      if (time > f_.level_time_ns) f_.level_time_ns = time;
      if (auto e = AddLevel(text[0], text[1], bid); e != KrakenParseError::kOk) return e;
    }
    if (shape == Shape::kTicker) {
      if (index < 3) return KrakenParseError::kMissingField;
      ++f_.ticker_items;
    } else {
      f_.has_book_levels = true;  // an empty level array still makes this a book message
    }
    return KrakenParseError::kOk;
  }

  // v1 data object: a book snapshot ("as"/"bs"), a book update ("a"/"b", "c"), or a ticker.
  KrakenParseError ReadV1Object(od::object object) {
    return ForEachField(object, [&](std::string_view key, od::value& v) {
      if (key == "as" || key == "bs") {
        f_.has_snapshot_levels = true;
        const bool had_update_levels = f_.has_book_levels;
        const auto error = ReadV1Side(v, key == "bs", /*levels_only=*/true, nullptr, nullptr);
        f_.has_book_levels = had_update_levels;
        return error;
      }
      if (key == "a") return ReadV1Side(v, false, false, &f_.ask, &f_.ask_qty);
      if (key == "b") return ReadV1Side(v, true, false, &f_.bid, &f_.bid_qty);
      if (key == "c") {
        f_.has_checksum = true;
        return StringText(v, &f_.checksum_text);
      }
      return KrakenParseError::kOk;
    });
  }

  // v1 trades: [["price","volume","time","b|s","l|m","misc"], ...]
  KrakenParseError ReadV1Trades(od::array& array) {
    for (auto item_result : array) {
      od::array trade;
      if (auto e = item_result.get_array().get(trade); e) return FromSimdjson(e);
      if (raw_trades_.size() >= options_.max_trades) return KrakenParseError::kTooManyLevels;
      RawTrade t;
      int index = 0;
      for (auto element_result : trade) {
        od::value element;
        if (auto e = std::move(element_result).get(element); e) return FromSimdjson(e);
        std::string_view* target = index == 0   ? &t.price
                                   : index == 1 ? &t.quantity
                                   : index == 2 ? &t.time
                                   : index == 3 ? &t.side
                                                : nullptr;
        if (target != nullptr) {
          if (auto e = StringText(element, target); e != KrakenParseError::kOk) return e;
        }
        ++index;
      }
      if (index < 4) return KrakenParseError::kMissingField;
      raw_trades_.push_back(t);
    }
    return KrakenParseError::kOk;
  }

  // v1 channel message: [channelID, payload (, payload), "channelName", "pair"]
  KrakenParseError ReadV1Array(od::array& array) {
    f_.is_v1 = true;
    int index = 0;
    int strings = 0;
    for (auto element_result : array) {
      od::value element;
      if (auto e = std::move(element_result).get(element); e) return FromSimdjson(e);
      od::json_type type;
      if (auto e = element.type().get(type); e) return FromSimdjson(e);
      KrakenParseError error = KrakenParseError::kOk;
      if (index == 0) {
        if (type != od::json_type::number) return KrakenParseError::kWrongType;
      } else if (type == od::json_type::object) {
        if (strings != 0) return KrakenParseError::kJson;
        od::object object;
        if (auto e = element.get_object().get(object); e) return FromSimdjson(e);
        error = ReadV1Object(object);
      } else if (type == od::json_type::array) {
        if (strings != 0) return KrakenParseError::kJson;
        od::array trades;
        if (auto e = element.get_array().get(trades); e) return FromSimdjson(e);
        error = ReadV1Trades(trades);
      } else if (type == od::json_type::string) {
        error = StringText(element, strings == 0 ? &f_.channel_name : &f_.symbol);
        if (++strings > 2) return KrakenParseError::kJson;
      } else {
        return KrakenParseError::kWrongType;
      }
      if (error != KrakenParseError::kOk) return error;
      ++index;
    }
    if (strings != 2) return KrakenParseError::kMissingField;
    return KrakenParseError::kOk;
  }

  KrakenParseError ResolveSymbol(KrakenMessage* out) {
    if (f_.symbol.empty()) return KrakenParseError::kMissingField;
    out->instrument = registry_.FindByVenueSymbol(core::Venue::kKraken, f_.symbol);
    return out->instrument == nullptr ? KrakenParseError::kUnknownSymbol : KrakenParseError::kOk;
  }

  KrakenParseError ConvertLevels(const core::Instrument& instrument, KrakenMessage* out) {
    // Bids first, then asks, each in message order (the order matters: Kraken may update one
    // level twice in a message).
    for (int pass = 0; pass < 2; ++pass) {
      for (const RawLevel& raw : raw_levels_) {
        if (raw.bid != (pass == 0)) continue;
        std::int64_t price, quantity;
        if (!ParseNumberText(raw.price, instrument.price_scale, &price) ||
            !ParseNumberText(raw.quantity, instrument.quantity_scale, &quantity) || price <= 0 ||
            quantity < 0) {
          return KrakenParseError::kBadDecimal;
        }
        levels_.push_back({core::Price::FromMantissa(price), core::Quantity::FromMantissa(quantity),
                           raw.price, raw.quantity});
      }
    }
    out->book.bids = std::span<const KrakenLevel>(levels_.data(), bid_count_);
    out->book.asks = std::span<const KrakenLevel>(levels_.data() + bid_count_, ask_count_);
    return KrakenParseError::kOk;
  }

  KrakenParseError Interpret(KrakenMessage* out) {
    if (f_.is_v1) return InterpretV1(out);
    if (!f_.method.empty()) {
      if (f_.method == "pong") {
        out->kind = KrakenMessageKind::kPong;
      } else if (f_.has_success && !f_.success) {
        out->kind = KrakenMessageKind::kVenueError;
        out->error = f_.error.empty() ? std::string_view("request failed") : f_.error;
      } else if (f_.method == "subscribe" || f_.method == "unsubscribe") {
        out->kind = KrakenMessageKind::kSubscribeAck;
      }
      return KrakenParseError::kOk;
    }
    if (!f_.event.empty()) return InterpretV1Event(out);
    if (f_.channel == "heartbeat") {
      out->kind = KrakenMessageKind::kHeartbeat;
      return KrakenParseError::kOk;
    }
    if (f_.channel == "status") {
      out->kind = KrakenMessageKind::kStatus;
      return KrakenParseError::kOk;
    }
    const bool book = f_.channel == "book";
    const bool ticker = f_.channel == "ticker";
    const bool trade = f_.channel == "trade";
    if (!book && !ticker && !trade) return KrakenParseError::kOk;  // kUnknown
    if (!f_.has_data) return KrakenParseError::kMissingField;
    if (f_.type != "snapshot" && f_.type != "update") return KrakenParseError::kMissingField;
    if (book && f_.book_items != 1) return KrakenParseError::kJson;  // Kraken sends exactly one
    if (trade && raw_trades_.empty()) {
      out->kind = KrakenMessageKind::kUnknown;  // an empty trade snapshot: nothing to report
      return KrakenParseError::kOk;
    }
    if (auto e = ResolveSymbol(out); e != KrakenParseError::kOk) return e;
    const core::Instrument& instrument = *out->instrument;
    core::TimestampNs time = 0;
    if (!f_.timestamp.empty() && !core::ParseTimestamp(f_.timestamp, &time)) {
      return KrakenParseError::kWrongType;
    }
    if (book) {
      if (!f_.has_checksum) return KrakenParseError::kMissingField;
      if (f_.checksum > UINT32_MAX) return KrakenParseError::kWrongType;
      if (auto e = ConvertLevels(instrument, out); e != KrakenParseError::kOk) return e;
      out->kind = f_.type == "snapshot" ? KrakenMessageKind::kBookSnapshot
                                        : KrakenMessageKind::kBookUpdate;
      out->book.has_checksum = true;
      out->book.checksum = static_cast<std::uint32_t>(f_.checksum);
      out->book.exchange_time_ns = time;
      return KrakenParseError::kOk;
    }
    if (ticker) {
      if (f_.bid.empty() || f_.bid_qty.empty() || f_.ask.empty() || f_.ask_qty.empty()) {
        return KrakenParseError::kMissingField;
      }
      if (auto e = ConvertTicker(instrument, out); e != KrakenParseError::kOk) return e;
      out->ticker.exchange_time_ns = time;
      out->kind = KrakenMessageKind::kTicker;
      return KrakenParseError::kOk;
    }
    return ConvertTrades(instrument, /*v1=*/false, out);
  }

  KrakenParseError ConvertTicker(const core::Instrument& instrument, KrakenMessage* out) {
    std::int64_t bid, bid_qty, ask, ask_qty;
    if (!ParseNumberText(f_.bid, instrument.price_scale, &bid) ||
        !ParseNumberText(f_.bid_qty, instrument.quantity_scale, &bid_qty) ||
        !ParseNumberText(f_.ask, instrument.price_scale, &ask) ||
        !ParseNumberText(f_.ask_qty, instrument.quantity_scale, &ask_qty)) {
      return KrakenParseError::kBadDecimal;
    }
    out->ticker.bid_price = core::Price::FromMantissa(bid);
    out->ticker.bid_quantity = core::Quantity::FromMantissa(bid_qty);
    out->ticker.ask_price = core::Price::FromMantissa(ask);
    out->ticker.ask_quantity = core::Quantity::FromMantissa(ask_qty);
    return KrakenParseError::kOk;
  }

  KrakenParseError ConvertTrades(const core::Instrument& instrument, bool v1, KrakenMessage* out) {
    for (const RawTrade& raw : raw_trades_) {
      KrakenTrade trade;
      std::int64_t price, quantity;
      if (raw.price.empty() || raw.quantity.empty() || raw.side.empty()) {
        return KrakenParseError::kMissingField;
      }
      if (!ParseNumberText(raw.price, instrument.price_scale, &price) ||
          !ParseNumberText(raw.quantity, instrument.quantity_scale, &quantity)) {
        return KrakenParseError::kBadDecimal;
      }
      trade.price = core::Price::FromMantissa(price);
      trade.quantity = core::Quantity::FromMantissa(quantity);
      if (raw.side == "buy" || raw.side == "b") {
        trade.aggressor = core::Side::kBuy;
      } else if (raw.side == "sell" || raw.side == "s") {
        trade.aggressor = core::Side::kSell;
      } else {
        return KrakenParseError::kWrongType;
      }
      trade.trade_id = raw.trade_id;
      if (v1) {
        trade.exchange_time_ns = SecondsText(raw.time);
      } else if (!raw.time.empty() && !core::ParseTimestamp(raw.time, &trade.exchange_time_ns)) {
        return KrakenParseError::kWrongType;
      }
      trades_.push_back(trade);
    }
    out->trades = trades_;
    out->kind = KrakenMessageKind::kTrade;
    return KrakenParseError::kOk;
  }

  KrakenParseError InterpretV1Event(KrakenMessage* out) {
    if (f_.event == "heartbeat") {
      out->kind = KrakenMessageKind::kHeartbeat;
    } else if (f_.event == "pong") {
      out->kind = KrakenMessageKind::kPong;
    } else if (f_.event == "systemStatus") {
      out->kind = KrakenMessageKind::kStatus;
    } else if (f_.event == "subscriptionStatus") {
      if (f_.status == "error") {
        out->kind = KrakenMessageKind::kVenueError;
        out->error = f_.error.empty() ? std::string_view("subscription failed") : f_.error;
      } else {
        out->kind = KrakenMessageKind::kSubscribeAck;
      }
    } else if (f_.event == "error") {
      out->kind = KrakenMessageKind::kVenueError;
      out->error = f_.error.empty() ? std::string_view("error") : f_.error;
    }
    return KrakenParseError::kOk;
  }

  KrakenParseError InterpretV1(KrakenMessage* out) {
    const std::string_view name = f_.channel_name;
    const bool book = name.substr(0, 5) == "book-";
    if (!book && name != "ticker" && name != "trade") return KrakenParseError::kOk;  // kUnknown
    if (auto e = ResolveSymbol(out); e != KrakenParseError::kOk) return e;
    const core::Instrument& instrument = *out->instrument;
    if (book) {
      if (f_.has_snapshot_levels == f_.has_book_levels) return KrakenParseError::kJson;
      if (auto e = ConvertLevels(instrument, out); e != KrakenParseError::kOk) return e;
      out->kind = f_.has_snapshot_levels ? KrakenMessageKind::kBookSnapshot
                                         : KrakenMessageKind::kBookUpdate;
      out->book.exchange_time_ns = f_.level_time_ns;
      if (f_.has_checksum) {
        std::int64_t checksum = 0;
        if (core::ParseDecimal(f_.checksum_text, 0, &checksum) != core::DecimalError::kOk ||
            checksum < 0 || checksum > static_cast<std::int64_t>(UINT32_MAX)) {
          return KrakenParseError::kWrongType;
        }
        out->book.has_checksum = true;
        out->book.checksum = static_cast<std::uint32_t>(checksum);
      }
      return KrakenParseError::kOk;
    }
    if (name == "ticker") {
      if (f_.ticker_items != 2) return KrakenParseError::kMissingField;
      if (auto e = ConvertTicker(instrument, out); e != KrakenParseError::kOk) return e;
      out->kind = KrakenMessageKind::kTicker;
      return KrakenParseError::kOk;
    }
    if (raw_trades_.empty()) return KrakenParseError::kMissingField;
    return ConvertTrades(instrument, /*v1=*/true, out);
  }

  const core::SymbolRegistry& registry_;
  KrakenParserOptions options_;
  od::parser parser_;
  std::vector<RawLevel> raw_levels_;
  std::vector<KrakenLevel> levels_;
  std::vector<RawTrade> raw_trades_;
  std::vector<KrakenTrade> trades_;
  std::size_t bid_count_ = 0, ask_count_ = 0;
  Fields f_;
};

KrakenParser::KrakenParser(const core::SymbolRegistry& registry, KrakenParserOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}
KrakenParser::~KrakenParser() = default;

KrakenParseError KrakenParser::Parse(std::string_view payload, KrakenMessage* out) {
  return impl_->Parse(payload, out);
}

}  // namespace tradingd::feeds::kraken
