#pragma once
// Normalized market-data events: what every feed handler produces and the engine consumes.
//
// Events are fixed-size, trivially copyable values so that they cross the inbound queue without an
// allocation. A book snapshot or a large diff is cut into chunks of kLevelsPerBookEvent levels; the
// chunks of one venue message are consecutive on one producer, so the engine sees them in order and
// checks the book only after the last one.
//
// Thread contract: plain values; produced on feed threads, consumed on the engine thread.

#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "core/decimal.h"
#include "core/instrument.h"
#include "core/orders.h"
#include "core/venue.h"

namespace tradingd::core {

enum class BookState : std::uint8_t { kSyncing, kLive, kStale };
const char* BookStateName(BookState state);

// Why a book left LIVE (or why it is syncing); counted per book and shown on /status.
enum class BookReason : std::uint8_t {
  kNone,
  kStartup,        // first sync after start
  kSequenceGap,    // a diff did not continue the previous one
  kChecksum,       // the venue's checksum did not match the book
  kCrossed,        // best bid >= best ask after a complete update
  kSilence,        // no message within the venue's heartbeat window
  kDisconnected,   // the connection dropped
  kQueueOverflow,  // the inbound queue was full and an update was lost
  kSnapshotFailed, // the REST snapshot could not be fetched or parsed
  kMalformed,      // the venue sent a message we could not parse for this book
};
const char* BookReasonName(BookReason reason);

struct PriceLevel {
  Price price;
  Quantity quantity;  // absolute quantity at this price; zero removes the level
};

inline constexpr int kLevelsPerBookEvent = 32;

// One chunk of a book snapshot or diff.
struct BookUpdate {
  enum Flags : std::uint8_t {
    kSnapshot = 1 << 0,    // replaces the book (the first chunk clears it)
    kFirstChunk = 1 << 1,  // first chunk of one venue message
    kLastChunk = 1 << 2,   // last chunk of one venue message: the book is complete now
    kGoesLive = 1 << 3,    // the sequencer has bridged snapshot and diffs: the book is in sync
  };
  InstrumentId instrument = kNoInstrument;
  std::uint8_t flags = 0;
  std::uint16_t bid_count = 0;  // levels[0, bid_count) are bids, the next ask_count are asks
  std::uint16_t ask_count = 0;
  std::uint64_t first_sequence = 0;  // venue update ids covered (Binance U..u; snapshot: lastUpdateId)
  std::uint64_t last_sequence = 0;
  TimestampNs exchange_time_ns = 0;  // the venue's event time
  TimestampNs receive_time_ns = 0;   // when the frame was read from the socket
  PriceLevel levels[kLevelsPerBookEvent];

  bool has(Flags flag) const { return (flags & flag) != 0; }
};

struct Trade {
  InstrumentId instrument = kNoInstrument;
  Side aggressor = Side::kUnknown;
  Price price;
  Quantity quantity;
  std::uint64_t trade_id = 0;
  TimestampNs exchange_time_ns = 0;
  TimestampNs receive_time_ns = 0;
};

// The venue's own best bid/ask stream (Binance bookTicker), kept beside the L2 book and used to
// cross-check it.
struct Quote {
  InstrumentId instrument = kNoInstrument;
  Price bid_price;
  Quantity bid_quantity;
  Price ask_price;
  Quantity ask_quantity;
  std::uint64_t update_id = 0;  // the book update id this quote reflects (0: the venue gives none)
  TimestampNs exchange_time_ns = 0;
  TimestampNs receive_time_ns = 0;
};

// The feed's word on a book: it is resyncing or has gone stale, and why.
struct BookStatus {
  InstrumentId instrument = kNoInstrument;
  BookState state = BookState::kSyncing;
  BookReason reason = BookReason::kNone;
  TimestampNs time_ns = 0;
};

enum class ConnectionState : std::uint8_t { kDisconnected, kConnecting, kConnected };
const char* ConnectionStateName(ConnectionState state);

// The feed's connection state and its counters, sent on every change and periodically.
struct FeedStatus {
  Venue venue = Venue::kBinance;
  ConnectionState connection = ConnectionState::kDisconnected;
  std::uint32_t connects = 0;        // successful connections since start
  std::uint64_t frames = 0;          // frames received since start
  std::uint64_t parse_errors = 0;    // frames that could not be parsed
  std::uint64_t queue_drops = 0;     // events lost to a full queue
  TimestampNs time_ns = 0;
  // The feed's last error ("disconnected: peer_closed (...)"), NUL-terminated and cut to fit: a
  // fixed array keeps the event trivially copyable. Empty when none yet.
  char last_error[120] = {};
  TimestampNs last_error_ns = 0;

  void SetLastError(std::string_view text, TimestampNs when);
  std::string_view last_error_text() const;
};

enum class TradingStatus : std::uint8_t { kUnknown, kTrading, kHalted, kBreak };
const char* TradingStatusName(TradingStatus status);

// The venue's trading rules for an instrument, as loaded from the venue (exchangeInfo, ...).
struct InstrumentRules {
  InstrumentId instrument = kNoInstrument;
  Price tick_size;
  Quantity lot_size;
  Quantity min_quantity;
  Quantity max_quantity;  // INT64_MAX mantissa: the venue publishes no maximum (or one beyond it)
  Price min_notional;     // in quote units, at the instrument's price scale; 0: none
  TradingStatus status = TradingStatus::kUnknown;
};

using Event = std::variant<BookUpdate, Trade, Quote, BookStatus, FeedStatus, InstrumentRules,
                           OrderUpdate, Fill, BalanceUpdate, GatewayStatus, RateLimitReport>;
static_assert(std::is_trivially_copyable_v<BookUpdate>);
static_assert(std::is_trivially_copyable_v<Event>);

// Where a feed hands its events: the engine's inbound queue in the daemon, the engine itself in replay.
// Publish returns false when the event could not be taken (queue full); the feed then treats the
// book as out of sync. A sink may hold back waking its consumer until Flush, so a producer calls
// Flush whenever it has nothing more ready (the end of a burst of frames): one wake-up per burst
// instead of one per event is what makes the hand-off cheap.
//
// Thread contract: each sink is used by one producer thread.
class EventSink {
 public:
  virtual ~EventSink() = default;
  [[nodiscard]] virtual bool Publish(const Event& event) = 0;
  virtual void Flush() {}
};

}  // namespace tradingd::core
