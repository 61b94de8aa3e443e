#include "feeds/binance/depth_sequencer.h"

namespace tradingd::feeds::binance {

const char* DepthDecisionName(DepthDecision decision) {
  switch (decision) {
    case DepthDecision::kBuffer: return "buffer";
    case DepthDecision::kDropOld: return "drop_old";
    case DepthDecision::kApply: return "apply";
    case DepthDecision::kApplyGoLive: return "apply_go_live";
    case DepthDecision::kGap: return "gap";
    case DepthDecision::kSnapshotTooOld: return "snapshot_too_old";
  }
  return "unknown";
}

void DepthSequencer::Restart() {
  state_ = State::kAwaitingSnapshot;
  last_update_id_ = 0;
}

void DepthSequencer::OnSnapshot(std::uint64_t last_update_id) {
  state_ = State::kAwaitingBridge;
  last_update_id_ = last_update_id;
}

DepthDecision DepthSequencer::OnDiff(const DepthIds& ids) {
  switch (state_) {
    case State::kAwaitingSnapshot: return DepthDecision::kBuffer;
    case State::kAwaitingBridge: return Bridge(ids);
    case State::kLive: return Continue(ids);
  }
  return DepthDecision::kBuffer;
}

DepthDecision DepthSequencer::Bridge(const DepthIds& ids) {
  const std::uint64_t snapshot = last_update_id_;
  bool bridges = false;
  if (rules_ == DepthRules::kSpot) {
    if (ids.last <= snapshot) return DepthDecision::kDropOld;
    // Here u >= L+1, so U <= L+1 is the whole condition.
    bridges = ids.first <= snapshot + 1;
  } else {
    if (ids.last < snapshot) return DepthDecision::kDropOld;
    bridges = ids.first <= snapshot || ids.previous == snapshot;
  }
  if (!bridges) {
    Restart();
    return DepthDecision::kSnapshotTooOld;
  }
  state_ = State::kLive;
  last_update_id_ = ids.last;
  return DepthDecision::kApplyGoLive;
}

DepthDecision DepthSequencer::Continue(const DepthIds& ids) {
  const bool continues = rules_ == DepthRules::kSpot ? ids.first == last_update_id_ + 1
                                                     : ids.previous == last_update_id_;
  if (continues) {
    last_update_id_ = ids.last;
    return DepthDecision::kApply;
  }
  if (ids.last <= last_update_id_) return DepthDecision::kDropOld;
  Restart();
  return DepthDecision::kGap;
}

}  // namespace tradingd::feeds::binance
