// HyStart++ (RFC 9406) as used by CUBIC: slow start -> CSS on a rising round
// minimum RTT, back to slow start when the RTT falls below the CSS baseline,
// congestion avoidance after CSS_ROUNDS rounds.
#include <gtest/gtest.h>

#include "rtmfp/core/cc/hystart.hpp"
#include "rtmfp/core/flow/flow_params.hpp"

using namespace rtmfp;
using namespace std::chrono_literals;
namespace fp = rtmfp::flow_params;

namespace {

// One round of `round` length with `n` samples of `rtt` spread over it.
void feed_round(cc::HyStartPlusPlus& h, TimePoint& now, Duration round, Duration rtt, int n = 10) {
  for (int i = 0; i < n; ++i) {
    h.on_rtt_sample(now, rtt, round);
    now += round / n;
  }
}

TEST(HyStartPlusPlus, StaysInSlowStartWhileRttIsFlat) {
  cc::HyStartPlusPlus h;
  TimePoint now = at(1s);
  for (int r = 0; r < 20; ++r) feed_round(h, now, 40ms, 40ms);
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::slow_start);
  EXPECT_EQ(h.growth_divisor(), 1u);
}

TEST(HyStartPlusPlus, RttRiseBelowThresholdDoesNotExit) {
  // RttThresh = clamp(40 ms / 8, 4, 16) = 5 ms: +4 ms is not enough.
  cc::HyStartPlusPlus h;
  TimePoint now = at(1s);
  feed_round(h, now, 40ms, 40ms);
  feed_round(h, now, 40ms, 44ms);
  feed_round(h, now, 40ms, 44ms);
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::slow_start);
}

TEST(HyStartPlusPlus, ExitsToCssThenCongestionAvoidance) {
  cc::HyStartPlusPlus h;
  TimePoint now = at(1s);
  feed_round(h, now, 40ms, 40ms);
  feed_round(h, now, 40ms, 48ms);  // +8 ms >= 5 ms
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::conservative);
  EXPECT_EQ(h.growth_divisor(), fp::kHyStartCssGrowthDivisor);
  for (std::uint32_t r = 1; r < fp::kHyStartCssRounds; ++r) {
    feed_round(h, now, 40ms, 48ms);
    EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::conservative) << "round " << r;
  }
  feed_round(h, now, 40ms, 48ms);
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::done);
  EXPECT_EQ(h.growth_divisor(), 1u);
}

TEST(HyStartPlusPlus, SpuriousExitResumesSlowStart) {
  cc::HyStartPlusPlus h;
  TimePoint now = at(1s);
  feed_round(h, now, 40ms, 40ms);
  feed_round(h, now, 40ms, 60ms);
  ASSERT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::conservative);
  feed_round(h, now, 40ms, 52ms);  // below the 60 ms CSS baseline
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::slow_start);
}

TEST(HyStartPlusPlus, NeedsEnoughSamplesInTheRound) {
  cc::HyStartPlusPlus h;
  TimePoint now = at(1s);
  feed_round(h, now, 40ms, 40ms);
  feed_round(h, now, 40ms, 80ms, static_cast<int>(fp::kHyStartNRttSample) - 1);
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::slow_start);
}

TEST(HyStartPlusPlus, StopIsFinal) {
  cc::HyStartPlusPlus h;
  h.stop();
  TimePoint now = at(1s);
  feed_round(h, now, 40ms, 40ms);
  feed_round(h, now, 40ms, 80ms);
  EXPECT_EQ(h.phase(), cc::HyStartPlusPlus::Phase::done);
}

}  // namespace
