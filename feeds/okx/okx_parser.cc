#include "feeds/okx/okx_parser.h"

#include <vector>

#include "core/decimal.h"
#include "feeds/common/json_scan.h"

namespace tradingd::feeds::okx {
namespace {

using json::ForEachElement;
using json::ForEachField;
using json::FromSimdjson;
using json::StringText;
namespace od = simdjson::ondemand;
constexpr std::size_t kPadding = 64;

// OKX writes times as strings of epoch milliseconds.
bool MillisText(std::string_view text, core::TimestampNs* ns) {
  std::int64_t ms = 0;
  if (core::ParseDecimal(text, 0, &ms) != core::DecimalError::kOk || ms < 0) return false;
  *ns = ms * 1'000'000;
  return true;
}

}  // namespace

class OkxParser::Impl {
 public:
  Impl(const core::SymbolRegistry& registry, OkxParserOptions options)
      : registry_(registry), options_(options) {
    raw_levels_.reserve(2 * 400);
    levels_.reserve(2 * 400);
  }

  FeedParseError Parse(std::string_view payload, OkxMessage* out) {
    *out = OkxMessage{};
    raw_levels_.clear();
    levels_.clear();
    raw_trades_.clear();
    trades_.clear();
    f_ = Fields{};
    bid_count_ = ask_count_ = 0;
    // The keep-alive answer is the bare text "pong", not JSON.
    if (payload == "pong") {
      out->kind = OkxMessageKind::kPong;
      return FeedParseError::kOk;
    }
    od::document doc;
    if (auto e = parser_.iterate(simdjson::padded_string_view(payload.data(), payload.size(),
                                                              payload.size() + kPadding))
                     .get(doc);
        e) {
      return FromSimdjson(e);
    }
    od::object root;
    if (auto e = doc.get_object().get(root); e) return FromSimdjson(e);
    if (auto e = ReadRoot(root); e != FeedParseError::kOk) return e;
    if (!json::AtEnd(doc)) return FeedParseError::kJson;
    return Interpret(out);
  }

 private:
  struct RawLevel {
    std::string_view price, quantity;
    bool bid;
  };
  struct RawTrade {
    std::string_view price, quantity, side, time, id;
  };
  struct Fields {
    std::string_view channel, inst_id, action, event, code, msg;
    bool has_data = false;
    std::size_t book_items = 0;
    std::string_view ts, bid_px, bid_sz, ask_px, ask_sz;
    bool has_checksum = false, has_prev = false, has_seq = false;
    std::int64_t checksum = 0, prev = 0, seq = 0;
  };

  FeedParseError AddLevel(std::string_view price, std::string_view quantity, bool bid) {
    std::size_t& count = bid ? bid_count_ : ask_count_;
    if (++count > options_.max_levels_per_side) return FeedParseError::kTooManyLevels;
    raw_levels_.push_back({price, quantity, bid});
    return FeedParseError::kOk;
  }

  // [[px, sz, "0", numOrders], ...]: the first two, as strings; the rest are ignored.
  FeedParseError ReadLevels(od::value& value, bool bid) {
    od::array array;
    if (auto e = value.get_array().get(array); e) return FromSimdjson(e);
    return ForEachElement(array, [&](od::value& item) {
      od::array level;
      if (auto e = item.get_array().get(level); e) return FromSimdjson(e);
      std::string_view text[2];
      int index = 0;
      auto error = ForEachElement(level, [&](od::value& part) {
        if (index < 2) {
          if (auto e = StringText(part, &text[index]); e != FeedParseError::kOk) return e;
        }
        ++index;
        return FeedParseError::kOk;
      });
      if (error != FeedParseError::kOk) return error;
      if (index < 2) return FeedParseError::kMissingField;
      return AddLevel(text[0], text[1], bid);
    });
  }

  FeedParseError ReadItem(od::object& item) {
    bool book = false, trade = false;
    RawTrade t;
    auto error = ForEachField(item, [&](std::string_view key, od::value& v) {
      if (key == "asks" || key == "bids") {
        book = true;
        return ReadLevels(v, key == "bids");
      }
      if (key == "instId") {
        std::string_view id;
        if (auto e = StringText(v, &id); e != FeedParseError::kOk) return e;
        // The arg names the instrument; data that names another is not a shape OKX sends.
        if (!f_.inst_id.empty() && id != f_.inst_id) return FeedParseError::kJson;
        f_.inst_id = id;
        return FeedParseError::kOk;
      }
      if (key == "ts") {
        std::string_view ts;
        if (auto e = StringText(v, &ts); e != FeedParseError::kOk) return e;
        f_.ts = ts;
        t.time = ts;
        return FeedParseError::kOk;
      }
      if (key == "checksum") {
        f_.has_checksum = true;
        return FromSimdjson(v.get_int64().get(f_.checksum));
      }
      if (key == "prevSeqId") {
        f_.has_prev = true;
        return FromSimdjson(v.get_int64().get(f_.prev));
      }
      if (key == "seqId") {
        f_.has_seq = true;
        return FromSimdjson(v.get_int64().get(f_.seq));
      }
      if (key == "bidPx") return StringText(v, &f_.bid_px);
      if (key == "bidSz") return StringText(v, &f_.bid_sz);
      if (key == "askPx") return StringText(v, &f_.ask_px);
      if (key == "askSz") return StringText(v, &f_.ask_sz);
      if (key == "px" || key == "sz" || key == "side" || key == "tradeId") trade = true;
      if (key == "px") return StringText(v, &t.price);
      if (key == "sz") return StringText(v, &t.quantity);
      if (key == "side") return StringText(v, &t.side);
      if (key == "tradeId") return StringText(v, &t.id);
      return FeedParseError::kOk;
    });
    if (error != FeedParseError::kOk) return error;
    if (book) ++f_.book_items;
    if (trade) {
      if (raw_trades_.size() >= options_.max_trades) return FeedParseError::kTooManyLevels;
      raw_trades_.push_back(t);
    }
    return FeedParseError::kOk;
  }

  FeedParseError ReadRoot(od::object& root) {
    return ForEachField(root, [&](std::string_view key, od::value& v) {
      if (key == "arg") {
        od::object arg;
        if (auto e = v.get_object().get(arg); e) return FromSimdjson(e);
        return ForEachField(arg, [&](std::string_view k, od::value& a) {
          if (k == "channel") return StringText(a, &f_.channel);
          if (k == "instId") {
            std::string_view id;
            if (auto e = StringText(a, &id); e != FeedParseError::kOk) return e;
            if (!f_.inst_id.empty() && id != f_.inst_id) return FeedParseError::kJson;
            f_.inst_id = id;
          }
          return FeedParseError::kOk;
        });
      }
      if (key == "action") return StringText(v, &f_.action);
      if (key == "event") return StringText(v, &f_.event);
      if (key == "code") return StringText(v, &f_.code);
      if (key == "msg") return StringText(v, &f_.msg);
      if (key != "data") return FeedParseError::kOk;
      f_.has_data = true;
      od::array items;
      if (auto e = v.get_array().get(items); e) return FromSimdjson(e);
      return ForEachElement(items, [&](od::value& element) {
        od::object item;
        if (auto e = element.get_object().get(item); e) return FromSimdjson(e);
        return ReadItem(item);
      });
    });
  }

  bool Decimal(std::string_view text, int scale, std::int64_t* mantissa) {
    return core::ParseDecimal(text, scale, mantissa) == core::DecimalError::kOk;
  }

  FeedParseError Interpret(OkxMessage* out) {
    if (!f_.event.empty()) {
      if (f_.event == "subscribe" || f_.event == "unsubscribe") {
        out->kind = OkxMessageKind::kSubscribeAck;
      } else if (f_.event == "error" || f_.event == "notice") {
        out->kind = f_.event == "error" ? OkxMessageKind::kVenueError : OkxMessageKind::kNotice;
        out->code = f_.code;
        out->message = f_.msg;
      }
      return FeedParseError::kOk;
    }
    const std::string_view channel = f_.channel;
    const bool books = channel == "books" || channel == "books5" || channel == "books-l2-tbt" ||
                       channel == "books50-l2-tbt";
    const bool quote = channel == "tickers" || channel == "bbo-tbt";
    const bool trades = channel == "trades";
    if (!books && !quote && !trades) return FeedParseError::kOk;  // kUnknown
    if (!f_.has_data) return FeedParseError::kMissingField;
    if (f_.inst_id.empty()) return FeedParseError::kMissingField;
    out->instrument = registry_.FindByVenueSymbol(core::Venue::kOkx, f_.inst_id);
    if (out->instrument == nullptr) return FeedParseError::kUnknownSymbol;
    const core::Instrument& instrument = *out->instrument;
    core::TimestampNs time = 0;
    if (!f_.ts.empty() && !MillisText(f_.ts, &time)) return FeedParseError::kWrongType;
    if (trades) return ConvertTrades(instrument, out);
    if (quote && channel == "tickers") {
      std::int64_t bid, bid_qty, ask, ask_qty;
      if (f_.bid_px.empty() || f_.bid_sz.empty() || f_.ask_px.empty() || f_.ask_sz.empty()) {
        return FeedParseError::kMissingField;
      }
      if (!Decimal(f_.bid_px, instrument.price_scale, &bid) ||
          !Decimal(f_.bid_sz, instrument.quantity_scale, &bid_qty) ||
          !Decimal(f_.ask_px, instrument.price_scale, &ask) ||
          !Decimal(f_.ask_sz, instrument.quantity_scale, &ask_qty)) {
        return FeedParseError::kBadDecimal;
      }
      out->quote = {core::Price::FromMantissa(bid), core::Quantity::FromMantissa(bid_qty),
                    core::Price::FromMantissa(ask), core::Quantity::FromMantissa(ask_qty), time};
      out->kind = OkxMessageKind::kQuote;
      return FeedParseError::kOk;
    }
    // Books, and bbo-tbt (a one-level book) read as a quote below.
    if (f_.book_items != 1) return FeedParseError::kJson;  // OKX sends exactly one
    if (auto e = ConvertLevels(instrument, out); e != FeedParseError::kOk) return e;
    if (quote) {  // bbo-tbt
      if (out->book.bids.empty() || out->book.asks.empty()) return FeedParseError::kMissingField;
      out->quote = {out->book.bids[0].price, out->book.bids[0].quantity, out->book.asks[0].price,
                    out->book.asks[0].quantity, time};
      out->book = OkxBook{};
      out->kind = OkxMessageKind::kQuote;
      return FeedParseError::kOk;
    }
    // books5 has no action: every message is a whole book.
    if (f_.action == "update") {
      out->kind = OkxMessageKind::kBookUpdate;
    } else if (f_.action == "snapshot" || (f_.action.empty() && channel == "books5")) {
      out->kind = OkxMessageKind::kBookSnapshot;
    } else {
      return FeedParseError::kMissingField;
    }
    out->book.exchange_time_ns = time;
    out->book.has_checksum = f_.has_checksum && f_.checksum != 0;
    if (f_.checksum < INT32_MIN || f_.checksum > INT32_MAX) return FeedParseError::kWrongType;
    out->book.checksum = static_cast<std::int32_t>(f_.checksum);
    out->book.has_sequence = f_.has_seq;
    out->book.sequence = f_.seq;
    out->book.previous_sequence = f_.has_prev ? f_.prev : -1;
    return FeedParseError::kOk;
  }

  FeedParseError ConvertLevels(const core::Instrument& instrument, OkxMessage* out) {
    for (int pass = 0; pass < 2; ++pass) {
      for (const RawLevel& raw : raw_levels_) {
        if (raw.bid != (pass == 0)) continue;
        std::int64_t price, quantity;
        if (!Decimal(raw.price, instrument.price_scale, &price) ||
            !Decimal(raw.quantity, instrument.quantity_scale, &quantity) || price <= 0 ||
            quantity < 0) {
          return FeedParseError::kBadDecimal;
        }
        levels_.push_back({core::Price::FromMantissa(price), core::Quantity::FromMantissa(quantity),
                           raw.price, raw.quantity});
      }
    }
    out->book.bids = std::span<const OkxLevel>(levels_.data(), bid_count_);
    out->book.asks = std::span<const OkxLevel>(levels_.data() + bid_count_, ask_count_);
    return FeedParseError::kOk;
  }

  FeedParseError ConvertTrades(const core::Instrument& instrument, OkxMessage* out) {
    for (const RawTrade& raw : raw_trades_) {
      if (raw.price.empty() || raw.quantity.empty() || raw.side.empty()) {
        return FeedParseError::kMissingField;
      }
      OkxTrade trade;
      std::int64_t price, quantity, id = 0;
      if (!Decimal(raw.price, instrument.price_scale, &price) ||
          !Decimal(raw.quantity, instrument.quantity_scale, &quantity)) {
        return FeedParseError::kBadDecimal;
      }
      if (!raw.id.empty() && (!Decimal(raw.id, 0, &id) || id < 0)) {
        return FeedParseError::kWrongType;
      }
      if (raw.side == "buy") {
        trade.aggressor = core::Side::kBuy;
      } else if (raw.side == "sell") {
        trade.aggressor = core::Side::kSell;
      } else {
        return FeedParseError::kWrongType;
      }
      if (!raw.time.empty() && !MillisText(raw.time, &trade.exchange_time_ns)) {
        return FeedParseError::kWrongType;
      }
      trade.price = core::Price::FromMantissa(price);
      trade.quantity = core::Quantity::FromMantissa(quantity);
      trade.trade_id = static_cast<std::uint64_t>(id);
      trades_.push_back(trade);
    }
    if (trades_.empty()) return FeedParseError::kOk;  // an empty push: nothing to report
    out->trades = trades_;
    out->kind = OkxMessageKind::kTrade;
    return FeedParseError::kOk;
  }

  const core::SymbolRegistry& registry_;
  OkxParserOptions options_;
  od::parser parser_;
  std::vector<RawLevel> raw_levels_;
  std::vector<OkxLevel> levels_;
  std::vector<RawTrade> raw_trades_;
  std::vector<OkxTrade> trades_;
  std::size_t bid_count_ = 0, ask_count_ = 0;
  Fields f_;
};

OkxParser::OkxParser(const core::SymbolRegistry& registry, OkxParserOptions options)
    : impl_(std::make_unique<Impl>(registry, options)) {}
OkxParser::~OkxParser() = default;

FeedParseError OkxParser::Parse(std::string_view payload, OkxMessage* out) {
  return impl_->Parse(payload, out);
}

}  // namespace tradingd::feeds::okx
