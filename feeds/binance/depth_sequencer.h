#pragma once
// The Binance diff-depth sequencer: Binance's "How to manage a local order book correctly", as a pure
// state machine over update ids. It sees only (U, u, pu) and the snapshot's lastUpdateId and says
// what to do with each diff; the caller owns the buffered diffs, the book and all I/O. Keeping it
// free of levels and sockets makes every rule testable from a table.
//
// Spot (U = first update id, u = final update id):
//   - while no snapshot is known, diffs are buffered;
//   - after the snapshot (lastUpdateId = L): a diff with u <= L is older than the snapshot (drop);
//     the first applied diff must have U <= L+1 <= u; a first diff with U > L+1 means the snapshot
//     ended before the diffs we have: fetch a new one. Binance's text says "L < U: fetch again";
//     we accept L+1 == U, which is exactly contiguous, and refetch only when L+1 < U;
//   - live: each diff must have U == previous u + 1; a diff with u <= previous u is a duplicate or
//     a late re-delivery (drop); anything else is a gap (restart the procedure).
// USD-M futures (pu = the previous diff's u, as the venue chains them):
//   - after the snapshot: a diff with u < L is dropped; the first applied diff must have
//     U <= L <= u, or pu == L (the venue's chain continues exactly at the snapshot even though
//     U > L, because ids of other symbols interleave);
//   - live: each diff's pu must equal the previous u.
//
// Thread contract: a plain value owned by one book on the feed thread; not thread-safe.

#include <cstdint>

namespace tradingd::feeds::binance {

enum class DepthRules : std::uint8_t { kSpot, kFutures };

// What the caller must do with one diff.
enum class [[nodiscard]] DepthDecision : std::uint8_t {
  kBuffer,          // no snapshot yet: keep the diff until one arrives
  kDropOld,         // already covered by the snapshot or by an applied diff: discard it
  kApply,           // continues the live book: apply it
  kApplyGoLive,     // bridges snapshot and stream: apply it; the book is in sync from now on
  kGap,             // live, and the diff does not continue the previous one: restart (the
                    // sequencer is back to kAwaitingSnapshot; buffer this diff, fetch a snapshot)
  kSnapshotTooOld,  // the snapshot ends before this diff begins: fetch another one (the sequencer
                    // is back to kAwaitingSnapshot; buffer this diff)
};
const char* DepthDecisionName(DepthDecision decision);

// The update ids of one diff. `previous` (pu) is used by the futures rules only.
struct DepthIds {
  std::uint64_t first = 0;     // U
  std::uint64_t last = 0;      // u
  std::uint64_t previous = 0;  // pu
};

class DepthSequencer {
 public:
  enum class State : std::uint8_t {
    kAwaitingSnapshot,  // buffering diffs until a snapshot arrives
    kAwaitingBridge,    // snapshot known, waiting for the diff that continues it
    kLive,              // in sync
  };

  explicit DepthSequencer(DepthRules rules = DepthRules::kSpot) : rules_(rules) {}

  // Starts (or restarts) the procedure: forget the snapshot and the live position.
  void Restart();
  // A snapshot with this lastUpdateId is now the book. Replay the buffered diffs through OnDiff
  // afterwards, oldest first.
  void OnSnapshot(std::uint64_t last_update_id);
  DepthDecision OnDiff(const DepthIds& ids);

  State state() const { return state_; }
  DepthRules rules() const { return rules_; }
  // The last update id the book reflects (snapshot id, then each applied diff's u).
  std::uint64_t last_update_id() const { return last_update_id_; }

 private:
  DepthDecision Bridge(const DepthIds& ids);
  DepthDecision Continue(const DepthIds& ids);

  DepthRules rules_;
  State state_ = State::kAwaitingSnapshot;
  std::uint64_t last_update_id_ = 0;
};

}  // namespace tradingd::feeds::binance
