#include "rtmfp/core/cc/cubic.hpp"

#include <algorithm>
#include <cmath>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

Duration Cubic::rtt() const { return srtt_ && srtt_->count() > 0 ? *srtt_ : fp::kDefaultRtt; }

void Cubic::on_rtt_sample(TimePoint now, Duration sample) {
  if (sample.count() > 0) hystart_.on_rtt_sample(now, sample, rtt());
}

void Cubic::on_timeout(TimePoint, bool was_loss) {
  // RFC 9438 §4.8: on RTO, ssthresh from beta (§4.6), cwnd to one segment;
  // the next congestion avoidance starts with K = 0 and W_max = cwnd_epoch.
  // A timeout without loss (idle restart, Appendix A Figure 24's else branch) restarts at CWND_INIT.
  hystart_.stop();  // RFC 9406 §4.2: HyStart++ only in the initial slow start
  if (was_loss) {
    cwnd_prior_ = cwnd_;
    ssthresh_ = std::max(static_cast<std::uint64_t>(cwnd_ * fp::kCubicBeta), cfg_.cwnd_init);
    cwnd_ = static_cast<double>(cfg_.smss);
    after_timeout_ = true;
  } else {
    cwnd_ = static_cast<double>(cfg_.cwnd_init);
  }
  epoch_start_.reset();
  tcr_last_.reset();
  tcr_tokens_ = 0;
}

void Cubic::end_packet(TimePoint now) {
  if (any_loss_) {
    if (recovery_until_ && now < *recovery_until_) return;  // one reduction per round trip
    hystart_.stop();
    // RFC 9438 §4.7 fast convergence, then §4.6 multiplicative decrease.
    // ssthresh from cwnd rather than flight size: allowed by §4.6 because
    // growth below needs a fully used window (PRE_ACK_OUTSTANDING >= CWND).
    w_max_ = (cwnd_ < w_max_) ? cwnd_ * (1.0 + fp::kCubicBeta) / 2.0 : cwnd_;
    cwnd_prior_ = cwnd_;
    const double reduced = std::max(cwnd_ * fp::kCubicBeta, static_cast<double>(cfg_.cwnd_init));
    ssthresh_ = static_cast<std::uint64_t>(reduced);
    cwnd_ = reduced;
    after_timeout_ = false;
    epoch_start_.reset();
    recovery_until_ = now + rtt();
    return;
  }
  hystart_.advance(now, rtt());
  // Grow only when acks arrive without NAKs and the window was actually used
  // (same test as Appendix A Figure 25).
  if (!any_acks_ || any_naks_ || static_cast<double>(pre_ack_outstanding_) < std::floor(cwnd_)) return;
  grow(now, tcr_clamp(now));
}

void Cubic::slow_start() {
  // RFC 5681 slow start (at most doubling per RTT; paced, so RFC 9406's L is
  // unbounded), divided by CSS_GROWTH_DIVISOR in HyStart++'s CSS.
  const double acked = static_cast<double>(acked_this_packet_);
  cwnd_ += std::min(acked, cwnd_) / static_cast<double>(hystart_.growth_divisor());
  if (hystart_.phase() == HyStartPlusPlus::Phase::done && ssthresh_ == std::numeric_limits<std::uint64_t>::max()) {
    // RFC 9406 §4.2: CSS_ROUNDS rounds of CSS done: ssthresh = cwnd, congestion avoidance.
    ssthresh_ = static_cast<std::uint64_t>(cwnd_);
    cwnd_prior_ = cwnd_;
    epoch_start_.reset();
  }
}

void Cubic::start_epoch(TimePoint now) {
  // RFC 9438 §4.2: t counts from the start of congestion avoidance;
  // K = cbrt((W_max - cwnd_epoch) / C) in segments, 0 when cwnd_epoch >= W_max
  // or after a timeout (§4.8, where W_max = cwnd_epoch); W_est = cwnd_epoch (§4.3).
  const double smss = static_cast<double>(cfg_.smss);
  epoch_start_ = now;
  if (after_timeout_ || cwnd_ >= w_max_) {
    w_max_ = cwnd_;  // the curve starts at cwnd_epoch (also after HyStart++ left slow start without loss)
    k_seconds_ = 0;
  } else {
    k_seconds_ = std::cbrt((w_max_ - cwnd_) / smss / fp::kCubicC);
  }
  after_timeout_ = false;
  w_est_ = cwnd_;
}

void Cubic::congestion_avoidance(TimePoint now) {
  const double smss = static_cast<double>(cfg_.smss);
  const double acked = static_cast<double>(acked_this_packet_);
  if (!epoch_start_) start_epoch(now);
  const auto w_cubic = [&](Duration since_epoch) {  // RFC 9438 §4.2 eq. 1, in bytes
    const double t = std::chrono::duration<double>(since_epoch).count();
    return w_max_ + fp::kCubicC * std::pow(t - k_seconds_, 3.0) * smss;
  };
  // RFC 9438 §4.3: alpha_cubic = 3(1 - beta)/(1 + beta) until W_est reaches cwnd_prior, then 1.
  const double alpha =
      w_est_ >= cwnd_prior_ ? 1.0 : 3.0 * (1.0 - fp::kCubicBeta) / (1.0 + fp::kCubicBeta);
  w_est_ += alpha * smss * acked / cwnd_;
  const Duration t = now - *epoch_start_;
  if (w_cubic(t) < w_est_) {
    cwnd_ = std::max(cwnd_, w_est_);  // Reno-friendly region (§4.3)
    return;
  }
  // Concave (§4.4) and convex (§4.5) regions: target = W_cubic(t + RTT) within [cwnd, 1.5 cwnd].
  const double target = std::clamp(w_cubic(t + rtt()), cwnd_, 1.5 * cwnd_);
  cwnd_ += (target - cwnd_) * acked / cwnd_;
}

void Cubic::grow(TimePoint now, bool clamp) {
  const double before = cwnd_;
  // §3.5.2.1: with a recent TCR, SSTHRESH behaves as 0 -> never slow start.
  if (!clamp && cwnd_ < static_cast<double>(ssthresh_))
    slow_start();
  else
    congestion_avoidance(now);
  if (clamp) {
    // §3.5.2.1 SHOULD NOT grow more than max(0.5%, 384 B) per round trip.
    // The allowance accrues continuously at that rate into a bucket holding
    // at most kTcrGrowthBurst of one round's allowance, and each eligible ack
    // takes at most what has accrued: no interval of one round trip, however
    // aligned with the acks, sees more than (1 + kTcrGrowthBurst) x allowance.
    const double allowance =
        std::max(before * fp::kTcrMaxGrowthFraction, static_cast<double>(fp::kTcrMaxGrowthBytes));
    if (tcr_last_) {
      const double rounds = std::chrono::duration<double>(now - *tcr_last_).count() /
                            std::chrono::duration<double>(rtt()).count();
      tcr_tokens_ = std::min(tcr_tokens_ + allowance * rounds, allowance * fp::kTcrGrowthBurst);
    }
    tcr_last_ = now;
    const double grant = std::min(cwnd_ - before, tcr_tokens_);
    tcr_tokens_ -= grant;
    cwnd_ = before + grant;
    // The cubic clock and W_est must not run ahead of the capped window, or
    // CWND would jump when the TCR period ends: restart the epoch from here.
    epoch_start_.reset();
  } else {
    tcr_last_.reset();
    tcr_tokens_ = 0;
  }
}

}  // namespace rtmfp::cc
