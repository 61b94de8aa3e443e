#include "feeds/bybit/bybit_parser.h"

#include <utility>
#include <vector>

#include "core/decimal.h"
#include "feeds/common/json_scan.h"

namespace tradingd::feeds::bybit {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::FromSimdjson;
using json::StringText;
namespace od = simdjson::ondemand;
constexpr std::size_t kPadding = 64;
// Bybit's times are integer milliseconds; beyond this they would overflow int64 nanoseconds.
constexpr std::uint64_t kMaxMilliseconds = INT64_MAX / 1'000'000;

BybitParseError Milliseconds(od::value& value, core::TimestampNs* out) {
  std::uint64_t ms = 0;
  if (auto e = value.get_uint64().get(ms); e) return FromSimdjson(e);
  if (ms > kMaxMilliseconds) return BybitParseError::kWrongType;
  *out = static_cast<core::TimestampNs>(ms) * 1'000'000;
  return BybitParseError::kOk;
}

// Marks a key as seen in `seen`; true when it was seen already. A second "s", "u" or level array
// would silently move a message onto another book or sequence number; Bybit never repeats a key.
inline bool Repeated(std::uint32_t* seen, std::uint32_t bit) {
  if ((*seen & bit) != 0) return true;
  *seen |= bit;
  return false;
}

// Spot trade ids are decimal numbers ("2290000000061666327"); derivatives use UUIDs, which have
// no uint64 form: false for those.
bool DecimalId(std::string_view text, std::uint64_t* out) {
  if (text.empty() || text.size() > 19) return false;  // 19 digits always fit a uint64
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = value;
  return true;
}

enum class Topic : std::uint8_t { kNone, kBook, kTrade, kTicker, kOther };

// Only the topics whose data we read; anything else (kline, liquidation, orderbook.rpi, ...) is
// kOther. A book topic must name a numeric depth, so that a differently sequenced stream sharing
// the prefix never reaches a book.
Topic ClassifyTopic(std::string_view topic) {
  constexpr std::string_view kBookPrefix = "orderbook.";
  constexpr std::string_view kTradePrefix = "publicTrade.";
  constexpr std::string_view kTickerPrefix = "tickers.";
  if (topic.starts_with(kBookPrefix)) {
    const std::string_view rest = topic.substr(kBookPrefix.size());
    std::size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0 || digits + 1 >= rest.size() || rest[digits] != '.') return Topic::kOther;
    return Topic::kBook;
  }
  if (topic.size() > kTradePrefix.size() && topic.starts_with(kTradePrefix)) return Topic::kTrade;
  if (topic.size() > kTickerPrefix.size() && topic.starts_with(kTickerPrefix)) {
    return Topic::kTicker;
  }
  return Topic::kOther;
}

// Which keys were seen (for Repeated).
enum Key : std::uint32_t {
  kKeyTopic = 1u << 0,
  kKeyType = 1u << 1,
  kKeyData = 1u << 2,
  kKeyS = 1u << 3,
  kKeyU = 1u << 4,
  kKeyBids = 1u << 5,
  kKeyAsks = 1u << 6,
  kKeySymbol = 1u << 7,
  kKeyBidPrice = 1u << 8,
  kKeyBidSize = 1u << 9,
  kKeyAskPrice = 1u << 10,
  kKeyAskSize = 1u << 11,
  kKeyTradeTime = 1u << 12,
  kKeySide = 1u << 13,
  kKeyVolume = 1u << 14,
  kKeyPrice = 1u << 15,
  kKeyTradeId = 1u << 16,
};

}  // namespace


class BybitParser::Impl {
 public:
  Impl(const core::SymbolRegistry& registry, BybitParserOptions options)
      : registry_(registry), options_(options) {
    raw_bids_.reserve(options_.max_levels_per_side);
    raw_asks_.reserve(options_.max_levels_per_side);
    levels_.reserve(2 * options_.max_levels_per_side);
    raw_trades_.reserve(64);
    trades_.reserve(64);
  }

  BybitParseError Parse(std::string_view payload, BybitMessage* out) {
    *out = BybitMessage{};
    Clear();
    BybitParseError error = ParseDocument(payload);
    if (error == BybitParseError::kOk) error = Interpret(out);
    // Only a bad decimal keeps what the message names (see the header); anything else may have
    // been read from a message that is broken in a way that makes it untrustworthy.
    if (error != BybitParseError::kOk && error != BybitParseError::kBadDecimal) {
      *out = BybitMessage{};
    }
    return error;
  }

 private:
  struct RawLevel {
    std::string_view price, quantity;
  };
  struct RawTrade {
    std::string_view symbol, side, price, quantity, id;
    core::TimestampNs time_ns = 0;
    std::uint32_t seen = 0;
  };
  enum class DataShape : std::uint8_t { kAbsent, kObject, kArray, kOther, kSkipped };
  // What a message may carry, gathered in one pass whatever the field order; decided afterwards.
  struct Fields {
    Topic topic = Topic::kNone;
    std::uint32_t seen = 0;       // top-level keys
    std::uint32_t data_seen = 0;  // keys of the data object
    std::string_view type, op, ret_msg;
    bool has_success = false, success = false;
    DataShape data = DataShape::kAbsent;
    core::TimestampNs ts = 0, cts = 0;
    std::string_view s, symbol;
    std::uint64_t u = 0, seq = 0;
    std::string_view bid, bid_size, ask, ask_size;  // ticker
    std::size_t fail_topics = 0;
    std::string_view first_fail_topic;
  };

  void Clear() {
    raw_bids_.clear();
    raw_asks_.clear();
    levels_.clear();
    raw_trades_.clear();
    trades_.clear();
    f_ = Fields{};
  }

  BybitParseError ParseDocument(std::string_view payload) {
    od::document doc;
    if (auto e = parser_
                     .iterate(simdjson::padded_string_view(payload.data(), payload.size(),
                                                           payload.size() + kPadding))
                     .get(doc);
        e) {
      return FromSimdjson(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type); e) return FromSimdjson(e);
    if (type != od::json_type::object) return BybitParseError::kJson;  // Bybit sends objects
    od::object object;
    if (auto e = doc.get_object().get(object); e) return FromSimdjson(e);
    if (auto e = ReadTop(object); e != BybitParseError::kOk) return e;
    // Nothing but whitespace may follow (simdjson 3.0 has no document::at_end).
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return BybitParseError::kJson;
    return BybitParseError::kOk;
  }

  BybitParseError ReadTop(od::object& object) {
    return ForEachField(object, [&](std::string_view key, od::value& v) {
      if (key == "topic") {
        if (Repeated(&f_.seen, kKeyTopic)) return BybitParseError::kJson;
        std::string_view topic;
        if (auto e = StringText(v, &topic); e != BybitParseError::kOk) return e;
        f_.topic = ClassifyTopic(topic);
        return BybitParseError::kOk;
      }
      if (key == "type") {
        if (Repeated(&f_.seen, kKeyType)) return BybitParseError::kJson;
        return StringText(v, &f_.type);
      }
      if (key == "data") {
        if (Repeated(&f_.seen, kKeyData)) return BybitParseError::kJson;
        return ReadData(v);
      }
      if (key == "ts") return Milliseconds(v, &f_.ts);
      if (key == "cts") return Milliseconds(v, &f_.cts);
      if (key == "success") {
        f_.has_success = true;
        return FromSimdjson(v.get_bool().get(f_.success));
      }
      if (key == "ret_msg" || key == "retMsg") return StringText(v, &f_.ret_msg);
      if (key == "op") return StringText(v, &f_.op);
      return BybitParseError::kOk;
    });
  }

  // "data" takes its shape from the topic when the topic came first (always, from Bybit); a topic
  // we do not consume leaves it unread. Before the topic (or in an op response) it is read
  // generically: the keys of a book, a ticker and an ack's data do not collide.
  BybitParseError ReadData(od::value& value) {
    if (f_.topic == Topic::kOther) {
      f_.data = DataShape::kSkipped;
      return BybitParseError::kOk;
    }
    od::json_type type;
    if (auto e = value.type().get(type); e) return FromSimdjson(e);
    if (type == od::json_type::object) {
      if (f_.topic == Topic::kTrade) return BybitParseError::kWrongType;
      f_.data = DataShape::kObject;
      od::object object;
      if (auto e = value.get_object().get(object); e) return FromSimdjson(e);
      return ReadDataObject(object);
    }
    if (type == od::json_type::array) {
      if (f_.topic == Topic::kBook || f_.topic == Topic::kTicker) {
        return BybitParseError::kWrongType;
      }
      f_.data = DataShape::kArray;
      od::array array;
      if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
      return ReadTrades(array);
    }
    if (f_.topic != Topic::kNone) return BybitParseError::kWrongType;
    f_.data = DataShape::kOther;
    return BybitParseError::kOk;
  }

  BybitParseError ReadDataObject(od::object& object) {
    std::uint32_t& seen = f_.data_seen;
    return ForEachField(object, [&](std::string_view key, od::value& v) {
      if (key == "s") {
        if (Repeated(&seen, kKeyS)) return BybitParseError::kJson;
        return StringText(v, &f_.s);
      }
      if (key == "b") {
        if (Repeated(&seen, kKeyBids)) return BybitParseError::kJson;
        return ReadLevels(v, &raw_bids_);
      }
      if (key == "a") {
        if (Repeated(&seen, kKeyAsks)) return BybitParseError::kJson;
        return ReadLevels(v, &raw_asks_);
      }
      if (key == "u") {
        if (Repeated(&seen, kKeyU)) return BybitParseError::kJson;
        return FromSimdjson(v.get_uint64().get(f_.u));
      }
      if (key == "seq") return FromSimdjson(v.get_uint64().get(f_.seq));
      if (key == "symbol") {
        if (Repeated(&seen, kKeySymbol)) return BybitParseError::kJson;
        return StringText(v, &f_.symbol);
      }
      if (key == "bid1Price") {
        if (Repeated(&seen, kKeyBidPrice)) return BybitParseError::kJson;
        return StringText(v, &f_.bid);
      }
      if (key == "bid1Size") {
        if (Repeated(&seen, kKeyBidSize)) return BybitParseError::kJson;
        return StringText(v, &f_.bid_size);
      }
      if (key == "ask1Price") {
        if (Repeated(&seen, kKeyAskPrice)) return BybitParseError::kJson;
        return StringText(v, &f_.ask);
      }
      if (key == "ask1Size") {
        if (Repeated(&seen, kKeyAskSize)) return BybitParseError::kJson;
        return StringText(v, &f_.ask_size);
      }
      if (key == "failTopics") return ReadFailTopics(v);
      return BybitParseError::kOk;
    });
  }

  // [["price","size"], ...]; elements after the size are accepted and ignored, so that an added
  // field does not break every book.
  BybitParseError ReadLevels(od::value& value, std::vector<RawLevel>* side) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      if (side->size() >= options_.max_levels_per_side) return BybitParseError::kTooManyLevels;
      od::array level;
      if (auto e = item.get_array().get(level); e) return FromSimdjson(e);
      std::string_view text[2];
      int position = 0;
      auto error = ForEachElement(level, [&](od::value& part) {
        if (position < 2) {
          if (auto e = StringText(part, &text[position]); e != BybitParseError::kOk) return e;
        }
        ++position;
        return BybitParseError::kOk;
      });
      if (error != BybitParseError::kOk) return error;
      if (position < 2) return BybitParseError::kMissingField;
      side->push_back({text[0], text[1]});
      return BybitParseError::kOk;
    });
  }

  // [{"T":ms,"s":"BTCUSDT","S":"Buy","v":"0.001","p":"16578.50","i":"...","BT":false,...}, ...]
  BybitParseError ReadTrades(od::array& array) {
    return ForEachElement(array, [&](od::value& item) {
      if (raw_trades_.size() >= options_.max_trades) return BybitParseError::kTooManyLevels;
      od::object object;
      if (auto e = item.get_object().get(object); e) return FromSimdjson(e);
      RawTrade t;
      auto error = ForEachField(object, [&](std::string_view key, od::value& v) {
        if (key.size() != 1) return BybitParseError::kOk;  // BT, seq, mP, iP, ...
        switch (key[0]) {
          case 'T':
            if (Repeated(&t.seen, kKeyTradeTime)) return BybitParseError::kJson;
            return Milliseconds(v, &t.time_ns);
          case 's':
            if (Repeated(&t.seen, kKeyS)) return BybitParseError::kJson;
            return StringText(v, &t.symbol);
          case 'S':
            if (Repeated(&t.seen, kKeySide)) return BybitParseError::kJson;
            return StringText(v, &t.side);
          case 'v':
            if (Repeated(&t.seen, kKeyVolume)) return BybitParseError::kJson;
            return StringText(v, &t.quantity);
          case 'p':
            if (Repeated(&t.seen, kKeyPrice)) return BybitParseError::kJson;
            return StringText(v, &t.price);
          case 'i':
            if (Repeated(&t.seen, kKeyTradeId)) return BybitParseError::kJson;
            return StringText(v, &t.id);
          default:
            return BybitParseError::kOk;  // L (tick direction)
        }
      });
      if (error != BybitParseError::kOk) return error;
      raw_trades_.push_back(t);
      return BybitParseError::kOk;
    });
  }

  // The option endpoint's ack: {"success":true,"data":{"failTopics":[...],"successTopics":[...]},
  // "type":"COMMAND_RESP"}; a topic listed as failed is a refusal even with success true.
  BybitParseError ReadFailTopics(od::value& value) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      std::string_view topic;
      if (auto e = StringText(item, &topic); e != BybitParseError::kOk) return e;
      if (f_.fail_topics++ == 0) f_.first_fail_topic = topic;
      return BybitParseError::kOk;
    });
  }

  BybitParseError Interpret(BybitMessage* out) {
    switch (f_.topic) {
      case Topic::kNone:
        return InterpretOp(out);
      case Topic::kOther:
        return BybitParseError::kOk;  // kUnknown
      case Topic::kBook:
        return InterpretBook(out);
      case Topic::kTicker:
        return InterpretTicker(out);
      case Topic::kTrade:
        return InterpretTrades(out);
    }
    return BybitParseError::kJson;
  }

  // Op responses differ per endpoint (see the header): a refusal first, then pong keyed on ret_msg
  // as well as op (spot and linear answer a ping with "op":"ping"), then acks.
  BybitParseError InterpretOp(BybitMessage* out) {
    if (f_.has_success && !f_.success) {
      out->kind = BybitMessageKind::kVenueError;
      out->error = f_.ret_msg.empty() ? std::string_view("request failed") : f_.ret_msg;
    } else if (f_.ret_msg == "pong" || f_.op == "pong") {
      out->kind = BybitMessageKind::kPong;
    } else if (f_.fail_topics != 0) {
      out->kind = BybitMessageKind::kVenueError;
      out->error = f_.first_fail_topic;
    } else if (f_.op == "subscribe" || f_.op == "unsubscribe" || f_.type == "COMMAND_RESP") {
      out->kind = BybitMessageKind::kSubscribeAck;
    }
    return BybitParseError::kOk;
  }

  // snapshot/delta, and the data an object (books, tickers).
  BybitParseError CheckTypeAndObject(bool* snapshot) const {
    if ((f_.seen & kKeyType) == 0) return BybitParseError::kMissingField;
    if (f_.type != "snapshot" && f_.type != "delta") return BybitParseError::kJson;
    *snapshot = f_.type == "snapshot";
    if (f_.data == DataShape::kAbsent) return BybitParseError::kMissingField;
    if (f_.data != DataShape::kObject) return BybitParseError::kWrongType;
    return BybitParseError::kOk;
  }

  const core::Instrument* Resolve(std::string_view symbol) const {
    return registry_.FindByVenueSymbol(core::Venue::kBybit, symbol);
  }

  BybitParseError InterpretBook(BybitMessage* out) {
    bool snapshot = false;
    if (auto e = CheckTypeAndObject(&snapshot); e != BybitParseError::kOk) return e;
    if ((f_.data_seen & kKeyS) == 0 || (f_.data_seen & kKeyU) == 0) {
      return BybitParseError::kMissingField;
    }
    const core::Instrument* instrument = Resolve(f_.s);
    if (instrument == nullptr) return BybitParseError::kUnknownSymbol;
    // From here on the message is known to be for this book: a bad decimal reports it.
    out->kind = snapshot ? BybitMessageKind::kBookSnapshot : BybitMessageKind::kBookDelta;
    out->instrument = instrument;
    out->book.update_id = f_.u;
    out->book.cross_sequence = f_.seq;
    out->book.exchange_time_ns = f_.ts;
    out->book.match_time_ns = f_.cts;
    if (auto e = ConvertLevels(raw_bids_, *instrument); e != BybitParseError::kOk) return e;
    if (auto e = ConvertLevels(raw_asks_, *instrument); e != BybitParseError::kOk) return e;
    out->book.bids = std::span<const core::PriceLevel>(levels_.data(), raw_bids_.size());
    out->book.asks =
        std::span<const core::PriceLevel>(levels_.data() + raw_bids_.size(), raw_asks_.size());
    return BybitParseError::kOk;
  }

  BybitParseError ConvertLevels(const std::vector<RawLevel>& raw,
                                const core::Instrument& instrument) {
    for (const RawLevel& level : raw) {
      std::int64_t price = 0, quantity = 0;
      if (core::ParseDecimal(level.price, instrument.price_scale, &price) !=
              core::DecimalError::kOk ||
          core::ParseDecimal(level.quantity, instrument.quantity_scale, &quantity) !=
              core::DecimalError::kOk ||
          price <= 0 || quantity < 0) {
        return BybitParseError::kBadDecimal;
      }
      levels_.push_back({core::Price::FromMantissa(price), core::Quantity::FromMantissa(quantity)});
    }
    return BybitParseError::kOk;
  }

  BybitParseError InterpretTicker(BybitMessage* out) {
    bool snapshot = false;
    if (auto e = CheckTypeAndObject(&snapshot); e != BybitParseError::kOk) return e;
    if ((f_.data_seen & kKeySymbol) == 0) return BybitParseError::kMissingField;
    const core::Instrument* instrument = Resolve(f_.symbol);
    if (instrument == nullptr) return BybitParseError::kUnknownSymbol;
    out->kind = BybitMessageKind::kTicker;
    out->instrument = instrument;
    // Into a local first, so that a bad decimal leaves no half-filled ticker behind.
    BybitTicker ticker;
    ticker.snapshot = snapshot;
    ticker.exchange_time_ns = f_.ts;
    // A field the message lacks stays unset (a delta: unchanged; spot: Bybit has none).
    auto read = [&](std::uint32_t key, std::string_view text, int scale, bool* has,
                    std::int64_t* mantissa) {
      if ((f_.data_seen & key) == 0) return true;
      if (core::ParseDecimal(text, scale, mantissa) != core::DecimalError::kOk || *mantissa < 0) {
        return false;
      }
      *has = true;
      return true;
    };
    std::int64_t bid = 0, bid_size = 0, ask = 0, ask_size = 0;
    if (!read(kKeyBidPrice, f_.bid, instrument->price_scale, &ticker.has_bid_price, &bid) ||
        !read(kKeyBidSize, f_.bid_size, instrument->quantity_scale, &ticker.has_bid_quantity,
              &bid_size) ||
        !read(kKeyAskPrice, f_.ask, instrument->price_scale, &ticker.has_ask_price, &ask) ||
        !read(kKeyAskSize, f_.ask_size, instrument->quantity_scale, &ticker.has_ask_quantity,
              &ask_size)) {
      return BybitParseError::kBadDecimal;
    }
    ticker.bid_price = core::Price::FromMantissa(bid);
    ticker.bid_quantity = core::Quantity::FromMantissa(bid_size);
    ticker.ask_price = core::Price::FromMantissa(ask);
    ticker.ask_quantity = core::Quantity::FromMantissa(ask_size);
    out->ticker = ticker;
    return BybitParseError::kOk;
  }

  BybitParseError InterpretTrades(BybitMessage* out) {
    if (f_.data == DataShape::kAbsent) return BybitParseError::kMissingField;
    if (f_.data != DataShape::kArray) return BybitParseError::kWrongType;
    if (raw_trades_.empty()) return BybitParseError::kOk;  // kUnknown: nothing to report
    // The shape of every trade first, so that the error does not depend on which symbols are
    // registered.
    for (const RawTrade& raw : raw_trades_) {
      constexpr std::uint32_t kRequired = kKeyS | kKeySide | kKeyVolume | kKeyPrice;
      if ((raw.seen & kRequired) != kRequired) return BybitParseError::kMissingField;
      if (raw.side != "Buy" && raw.side != "Sell") return BybitParseError::kWrongType;
    }
    out->kind = BybitMessageKind::kTrade;
    std::string_view last_symbol;
    const core::Instrument* instrument = nullptr;
    for (const RawTrade& raw : raw_trades_) {
      // One symbol per topic except on options: look it up once per run of equal symbols.
      if (instrument == nullptr || raw.symbol != last_symbol) {
        instrument = Resolve(raw.symbol);
        last_symbol = raw.symbol;
      }
      if (instrument == nullptr) {
        ++out->unknown_symbol_trades;
        continue;
      }
      std::int64_t price = 0, quantity = 0;
      if (core::ParseDecimal(raw.price, instrument->price_scale, &price) !=
              core::DecimalError::kOk ||
          core::ParseDecimal(raw.quantity, instrument->quantity_scale, &quantity) !=
              core::DecimalError::kOk ||
          price <= 0 || quantity <= 0) {
        out->unknown_symbol_trades = 0;
        return BybitParseError::kBadDecimal;
      }
      BybitTrade trade;
      trade.instrument = instrument;
      trade.aggressor = raw.side == "Buy" ? core::Side::kBuy : core::Side::kSell;
      trade.price = core::Price::FromMantissa(price);
      trade.quantity = core::Quantity::FromMantissa(quantity);
      if (!DecimalId(raw.id, &trade.trade_id)) trade.trade_id = 0;
      trade.exchange_time_ns = raw.time_ns;
      trades_.push_back(trade);
    }
    if (trades_.empty()) return BybitParseError::kUnknownSymbol;
    out->trades = trades_;
    return BybitParseError::kOk;
  }

  const core::SymbolRegistry& registry_;
  BybitParserOptions options_;
  od::parser parser_;
  std::vector<RawLevel> raw_bids_;
  std::vector<RawLevel> raw_asks_;
  std::vector<core::PriceLevel> levels_;  // bids then asks
  std::vector<RawTrade> raw_trades_;
  std::vector<BybitTrade> trades_;
  Fields f_;
};

BybitParser::BybitParser(const core::SymbolRegistry& registry, BybitParserOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}
BybitParser::~BybitParser() = default;

BybitParseError BybitParser::Parse(std::string_view payload, BybitMessage* out) {
  return impl_->Parse(payload, out);
}

}  // namespace tradingd::feeds::bybit
