#include "rtmfp/core/cc/appendix_a.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

// Appendix A.2 Figure 24.
void AppendixA::on_timeout(TimePoint, bool was_loss) {
  if (ssthresh_ != std::numeric_limits<std::uint64_t>::max()) ssthresh_ = std::max(ssthresh_, cwnd_ * 3 / 4);
  // else MAX(+inf, ...) stays +inf (DIGEST [FLAG], as the text says).
  accumulator_ = 0;
  cwnd_ = was_loss ? cfg_.smss /* CWND_TIMEDOUT = 1*SMSS */ : cfg_.cwnd_init;
}

// Appendix A.2 Figure 25.
void AppendixA::end_packet(TimePoint now) {
  const bool fastgrow = fastgrow_allowed(now);
  const bool tc = tc_sent(now);
  if (any_loss_) {
    const bool scalable = !cfg_.tcp_friendly && pre_ack_outstanding_ > fp::kScalableThreshold && fastgrow;
    if (tc || scalable)
      ssthresh_ = std::max(pre_ack_outstanding_ * 7 / 8, cfg_.cwnd_init);
    else
      ssthresh_ = std::max(pre_ack_outstanding_ / 2, cfg_.cwnd_init);
    cwnd_ = ssthresh_;
    accumulator_ = 0;
  } else if (any_acks_ && !any_naks_ && pre_ack_outstanding_ >= cwnd_) {
    std::uint64_t increase = 0;
    if (fastgrow) {
      if (cwnd_ < ssthresh_) {
        increase = acked_this_packet_;
      } else {
        accumulator_ += acked_this_packet_;
        // tcp_friendly: 48 B per CWND*48/SMSS acked = one SMSS per round
        // trip (RFC 5681 congestion avoidance); otherwise Figure 25's AITHRESH.
        const std::uint64_t aithresh =
            cfg_.tcp_friendly ? std::max(cwnd_ * fp::kAiStepFast / cfg_.smss, fp::kAiThreshMin)
                              : std::min(std::max(cwnd_ / 16, fp::kAiThreshMin), fp::kAiThreshCap);
        // Division instead of the loop: same result, bounded time on hostile input.
        increase = (accumulator_ / aithresh) * fp::kAiStepFast;
        accumulator_ %= aithresh;
      }
    } else {
      if (cwnd_ < ssthresh_ && tc) {
        increase = (acked_this_packet_ + 3) / 4;  // CEIL(ACKED/4)
      } else {
        const std::uint64_t cap = tc ? fp::kAiThreshCapTc : fp::kAiThreshCap;
        accumulator_ += acked_this_packet_;
        const std::uint64_t aithresh = std::min(std::max(cwnd_ / 16, fp::kAiThreshMin), cap);
        increase = (accumulator_ / aithresh) * fp::kAiStepSlow;
        accumulator_ %= aithresh;
      }
    }
    std::uint64_t grown = std::max(cwnd_ + std::min(increase, cfg_.smss), cfg_.cwnd_init);
    if (cfg_.tcp_friendly && tcr_clamp(now)) {
      // §3.5.2.1 SHOULD NOT grow more than max(0.5%, 384 B) per round trip.
      // Figure 25's slow branch (24 B per AITHRESH <= CWND/16 acked) gives
      // 384 B per CWND acknowledged, and more than CWND can be acknowledged
      // in one round trip while the window grows: cap it per round explicitly.
      const Duration rtt = srtt_ && srtt_->count() > 0 ? *srtt_ : fp::kDefaultRtt;
      if (!round_start_ || now - *round_start_ >= rtt) {
        round_start_ = now;
        round_base_ = cwnd_;
      }
      // Spread over the round (allowance x elapsed/RTT), so that any interval
      // of one round trip, not only rounds as counted here, stays within it.
      const double allowance = std::max(static_cast<double>(round_base_) * fp::kTcrMaxGrowthFraction,
                                        static_cast<double>(fp::kTcrMaxGrowthBytes));
      const double elapsed = std::min(1.0, std::chrono::duration<double>(now - *round_start_).count() /
                                               std::chrono::duration<double>(rtt).count());
      const auto cap = round_base_ + static_cast<std::uint64_t>(allowance * elapsed);
      grown = std::max(cwnd_, std::min(grown, cap));
    } else {
      round_start_.reset();
    }
    cwnd_ = grown;
  }
}

}  // namespace rtmfp::cc
