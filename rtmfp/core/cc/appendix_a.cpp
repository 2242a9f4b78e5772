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
    if (tc || (pre_ack_outstanding_ > fp::kScalableThreshold && fastgrow))
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
        const std::uint64_t aithresh = std::min(std::max(cwnd_ / 16, fp::kAiThreshMin), fp::kAiThreshCap);
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
    cwnd_ = std::max(cwnd_ + std::min(increase, cfg_.smss), cfg_.cwnd_init);
  }
}

}  // namespace rtmfp::cc
