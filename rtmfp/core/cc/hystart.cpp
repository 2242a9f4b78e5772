#include "rtmfp/core/cc/hystart.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

void HyStartPlusPlus::start_round(TimePoint now) {
  // RFC 9406 §4.2 "At the start of each round".
  round_start_ = now;
  last_round_min_ = current_round_min_;
  current_round_min_.reset();
  samples_ = 0;
  if (phase_ == Phase::conservative && ++css_rounds_ >= fp::kHyStartCssRounds) phase_ = Phase::done;
}

void HyStartPlusPlus::advance(TimePoint now, Duration round) {
  if (phase_ == Phase::done) return;
  if (!round_start_ || now - *round_start_ >= round) start_round(now);
}

void HyStartPlusPlus::on_rtt_sample(TimePoint now, Duration sample, Duration round) {
  advance(now, round);
  if (phase_ == Phase::done) return;
  current_round_min_ = current_round_min_ ? std::min(*current_round_min_, sample) : sample;
  ++samples_;
  if (samples_ < fp::kHyStartNRttSample || !last_round_min_) return;
  if (phase_ == Phase::slow_start) {
    // RFC 9406 §4.2: RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT / MIN_RTT_DIVISOR, MAX_RTT_THRESH)).
    const Duration thresh =
        std::clamp(*last_round_min_ / fp::kHyStartMinRttDivisor, fp::kHyStartMinRttThresh, fp::kHyStartMaxRttThresh);
    if (*current_round_min_ >= *last_round_min_ + thresh) {
      css_baseline_ = *current_round_min_;
      css_rounds_ = 0;
      phase_ = Phase::conservative;
    }
  } else if (phase_ == Phase::conservative && *current_round_min_ < *css_baseline_) {
    // RFC 9406 §4.2: the RTT fell back below the baseline: the exit was spurious.
    css_baseline_.reset();
    phase_ = Phase::slow_start;
  }
}

std::uint64_t HyStartPlusPlus::growth_divisor() const {
  return phase_ == Phase::conservative ? fp::kHyStartCssGrowthDivisor : 1;
}

}  // namespace rtmfp::cc
