#include "feeds/binance/depth_sequencer.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace tradingd::feeds::binance {
namespace {

using D = DepthDecision;

// One step of a scenario: a diff (U, u, pu) or a snapshot (lastUpdateId), and what must follow.
struct Step {
  std::optional<std::uint64_t> snapshot;
  DepthIds diff;
  D expected = D::kBuffer;
};

Step Snap(std::uint64_t id) { return Step{id, {}, D::kBuffer}; }
Step Diff(std::uint64_t first, std::uint64_t last, D expected, std::uint64_t previous = 0) {
  return Step{std::nullopt, {first, last, previous}, expected};
}

struct Scenario {
  const char* name;
  DepthRules rules;
  std::vector<Step> steps;
  DepthSequencer::State final_state;
};

class DepthSequencerTable : public ::testing::TestWithParam<Scenario> {};

TEST_P(DepthSequencerTable, Decisions) {
  const Scenario& scenario = GetParam();
  DepthSequencer sequencer(scenario.rules);
  int index = 0;
  for (const Step& step : scenario.steps) {
    if (step.snapshot) {
      sequencer.OnSnapshot(*step.snapshot);
    } else {
      EXPECT_EQ(sequencer.OnDiff(step.diff), step.expected)
          << scenario.name << " step " << index << " U=" << step.diff.first
          << " u=" << step.diff.last;
    }
    ++index;
  }
  EXPECT_EQ(sequencer.state(), scenario.final_state) << scenario.name;
}

using S = DepthSequencer::State;
const DepthRules kSpot = DepthRules::kSpot;
const DepthRules kFut = DepthRules::kFutures;

INSTANTIATE_TEST_SUITE_P(
    Binance, DepthSequencerTable,
    ::testing::Values(
        Scenario{"buffers_until_snapshot", kSpot,
                 {Diff(10, 12, D::kBuffer), Diff(13, 15, D::kBuffer)}, S::kAwaitingSnapshot},
        // The spot fixture's opening: two diffs older than the snapshot, then the bridge.
        Scenario{"spot_drop_then_bridge", kSpot,
                 {Snap(218), Diff(189, 202, D::kDropOld), Diff(203, 207, D::kDropOld),
                  Diff(208, 224, D::kApplyGoLive), Diff(225, 230, D::kApply)},
                 S::kLive},
        Scenario{"spot_bridge_exactly_at_next_id", kSpot,
                 {Snap(100), Diff(101, 105, D::kApplyGoLive)}, S::kLive},
        Scenario{"spot_u_equal_snapshot_is_old", kSpot,
                 {Snap(100), Diff(95, 100, D::kDropOld), Diff(101, 101, D::kApplyGoLive)},
                 S::kLive},
        Scenario{"spot_snapshot_older_than_buffer", kSpot,
                 {Snap(100), Diff(102, 110, D::kSnapshotTooOld)}, S::kAwaitingSnapshot},
        Scenario{"spot_too_old_then_new_snapshot", kSpot,
                 {Snap(100), Diff(102, 110, D::kSnapshotTooOld), Snap(105),
                  Diff(102, 110, D::kApplyGoLive), Diff(111, 111, D::kApply)},
                 S::kLive},
        // Snapshot newer than everything buffered: drop them, wait, bridge later.
        Scenario{"spot_snapshot_newer_than_buffer", kSpot,
                 {Snap(500), Diff(100, 200, D::kDropOld), Diff(201, 300, D::kDropOld),
                  Diff(301, 500, D::kDropOld), Diff(501, 520, D::kApplyGoLive)},
                 S::kLive},
        Scenario{"spot_gap", kSpot,
                 {Snap(10), Diff(11, 12, D::kApplyGoLive), Diff(14, 15, D::kGap)},
                 S::kAwaitingSnapshot},
        Scenario{"spot_duplicate_dropped", kSpot,
                 {Snap(10), Diff(11, 12, D::kApplyGoLive), Diff(11, 12, D::kDropOld),
                  Diff(13, 14, D::kApply)},
                 S::kLive},
        // Out of order: the later diff first is a gap; the late one then only buffers.
        Scenario{"spot_out_of_order", kSpot,
                 {Snap(10), Diff(11, 12, D::kApplyGoLive), Diff(15, 16, D::kGap),
                  Diff(13, 14, D::kBuffer)},
                 S::kAwaitingSnapshot},
        Scenario{"spot_overlap_is_gap", kSpot,
                 {Snap(10), Diff(11, 20, D::kApplyGoLive), Diff(18, 25, D::kGap)},
                 S::kAwaitingSnapshot},
        Scenario{"futures_classic_bridge", kFut,
                 {Snap(100), Diff(90, 99, D::kDropOld, 80), Diff(95, 110, D::kApplyGoLive, 89),
                  Diff(115, 120, D::kApply, 110)},
                 S::kLive},
        Scenario{"futures_u_equal_snapshot_applies", kFut,
                 {Snap(100), Diff(95, 100, D::kApplyGoLive, 90)}, S::kLive},
        // U > lastUpdateId, but pu == lastUpdateId: contiguous, must go live.
        Scenario{"futures_pu_equals_snapshot", kFut,
                 {Snap(100), Diff(104, 109, D::kApplyGoLive, 100), Diff(112, 118, D::kApply, 109)},
                 S::kLive},
        Scenario{"futures_snapshot_too_old", kFut,
                 {Snap(100), Diff(104, 109, D::kSnapshotTooOld, 102)}, S::kAwaitingSnapshot},
        Scenario{"futures_pu_gap", kFut,
                 {Snap(100), Diff(95, 105, D::kApplyGoLive, 90), Diff(108, 110, D::kGap, 106)},
                 S::kAwaitingSnapshot},
        Scenario{"futures_duplicate_dropped", kFut,
                 {Snap(100), Diff(95, 105, D::kApplyGoLive, 90), Diff(95, 105, D::kDropOld, 90),
                  Diff(107, 108, D::kApply, 105)},
                 S::kLive}),
    [](const ::testing::TestParamInfo<Scenario>& param) { return std::string(param.param.name); });

TEST(DepthSequencer, RestartForgetsEverything) {
  DepthSequencer sequencer;
  sequencer.OnSnapshot(10);
  EXPECT_EQ(sequencer.OnDiff({11, 12, 0}), D::kApplyGoLive);
  sequencer.Restart();
  EXPECT_EQ(sequencer.state(), S::kAwaitingSnapshot);
  EXPECT_EQ(sequencer.OnDiff({13, 14, 0}), D::kBuffer);
  EXPECT_STREQ(DepthDecisionName(D::kGap), "gap");
}

}  // namespace
}  // namespace tradingd::feeds::binance
