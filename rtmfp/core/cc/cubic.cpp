#include "rtmfp/core/cc/cubic.hpp"

#include <algorithm>
#include <cmath>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

Duration Cubic::rtt() const { return srtt_ && srtt_->count() > 0 ? *srtt_ : fp::kDefaultRtt; }

void Cubic::on_timeout(TimePoint, bool was_loss) {
  // RFC 9438 §4.8: on RTO, ssthresh from beta, cwnd to one segment.
  // A timeout without loss (idle restart, Appendix A Figure 24's else branch) restarts at CWND_INIT.
  if (was_loss) {
    w_max_ = cwnd_;
    ssthresh_ = std::max(static_cast<std::uint64_t>(cwnd_ * fp::kCubicBeta), cfg_.cwnd_init);
    cwnd_ = static_cast<double>(cfg_.smss);
  } else {
    cwnd_ = static_cast<double>(cfg_.cwnd_init);
  }
  epoch_start_.reset();
  round_start_.reset();
}

void Cubic::end_packet(TimePoint now) {
  if (any_loss_) {
    if (recovery_until_ && now < *recovery_until_) return;  // one reduction per round trip
    // RFC 9438 §4.7 fast convergence.
    w_max_ = (cwnd_ < w_max_) ? cwnd_ * (1.0 + fp::kCubicBeta) / 2.0 : cwnd_;
    const double reduced = std::max(cwnd_ * fp::kCubicBeta, static_cast<double>(cfg_.cwnd_init));
    ssthresh_ = static_cast<std::uint64_t>(reduced);
    cwnd_ = reduced;
    epoch_start_.reset();
    recovery_until_ = now + rtt();
    return;
  }
  // Grow only when acks arrive without NAKs and the window was actually used
  // (same test as Appendix A Figure 25).
  if (!any_acks_ || any_naks_ || static_cast<double>(pre_ack_outstanding_) < std::floor(cwnd_)) return;
  grow(now, tcr_clamp(now));
}

void Cubic::grow(TimePoint now, bool clamp) {
  const double smss = static_cast<double>(cfg_.smss);
  const double acked = static_cast<double>(acked_this_packet_);
  const double before = cwnd_;
  // §3.5.2.1: with a recent TCR, SSTHRESH behaves as 0 -> never slow start.
  if (!clamp && cwnd_ < static_cast<double>(ssthresh_)) {
    cwnd_ += std::min(acked, cwnd_);  // RFC 5681 slow start, at most doubling per RTT
  } else {
    if (!epoch_start_) {
      epoch_start_ = now;
      if (cwnd_ < w_max_) {
        k_seconds_ = std::cbrt((w_max_ - cwnd_) / smss / fp::kCubicC);
        origin_ = w_max_;
      } else {
        k_seconds_ = 0;
        origin_ = cwnd_;
      }
      w_est_ = cwnd_;
    }
    const double t = std::chrono::duration<double>(now - *epoch_start_ + rtt()).count();
    double target = origin_ + fp::kCubicC * std::pow(t - k_seconds_, 3.0) * smss;  // RFC 9438 eq. 1 (bytes)
    target = std::min(target, cwnd_ * 1.5);                                         // RFC 9438 §4.2 cap
    // RFC 9438 §4.3 Reno-friendly estimate.
    w_est_ += smss * (3.0 * (1.0 - fp::kCubicBeta) / (1.0 + fp::kCubicBeta)) * acked / cwnd_;
    target = std::max(target, w_est_);
    if (target > cwnd_) cwnd_ += std::min((target - cwnd_) * acked / cwnd_, smss);
  }
  if (clamp) {
    // §3.5.2.1 SHOULD NOT grow more than max(0.5%, 384 B) per round trip.
    if (!round_start_ || now - *round_start_ >= rtt()) {
      round_start_ = now;
      round_base_ = before;
    }
    const double cap =
        round_base_ + std::max(round_base_ * fp::kTcrMaxGrowthFraction, static_cast<double>(fp::kTcrMaxGrowthBytes));
    cwnd_ = std::min(cwnd_, std::max(cap, before));
    if (cwnd_ > cap) cwnd_ = before;  // never grow past the cap
  } else {
    round_start_.reset();
  }
}

}  // namespace rtmfp::cc
