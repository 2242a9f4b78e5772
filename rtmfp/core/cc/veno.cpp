#include "rtmfp/core/cc/veno.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

void Veno::on_rtt_sample(TimePoint now, Duration sample) {
  if (sample.count() <= 0) return;
  if (!window_start_ || now - *window_start_ >= fp::kVenoBaseRttWindow) {
    min_prev_ = min_cur_;
    min_cur_.reset();
    window_start_ = now;
  }
  if (!min_cur_ || sample < *min_cur_) min_cur_ = sample;
}

std::optional<Duration> Veno::base_rtt() const {
  if (!min_cur_) return min_prev_;
  if (!min_prev_) return min_cur_;
  return std::min(*min_cur_, *min_prev_);
}

double Veno::backlog_packets() const {
  const auto base = base_rtt();
  if (!base || !srtt_ || srtt_->count() <= 0 || *srtt_ <= *base) return 0;
  const double srtt = static_cast<double>(srtt_->count());
  return static_cast<double>(cwnd_) / static_cast<double>(cfg_.smss) * (srtt - static_cast<double>(base->count())) /
         srtt;
}

bool Veno::queue_standing() const {
  // Veno's test is backlog >= 3 packets; RTMFP's RTT samples come from 4 ms
  // timestamps (§2.2.4) plus ack timing, so a few packets of apparent backlog
  // is noise at small windows. The queue must also add a delay of at least
  // max(kVenoMinQueueDelay, BaseRTT / 4) to count as congestion (a drop-tail
  // queue that overflows adds about one BaseRTT).
  const auto base = base_rtt();
  if (!base || !srtt_) return false;
  const Duration queued = *srtt_ - *base;
  return backlog_packets() >= fp::kVenoBacklogPackets && queued >= std::max(fp::kVenoMinQueueDelay, *base / 4);
}

void Veno::on_timeout(TimePoint, bool was_loss) {
  // RFC 5681 §3.1 on a retransmission timeout; a timeout without loss (idle)
  // restarts at CWND_INIT like Appendix A Figure 24.
  if (was_loss) {
    ssthresh_ = std::max(cwnd_ / 2, cfg_.cwnd_init);
    cwnd_ = cfg_.smss;
  } else {
    cwnd_ = cfg_.cwnd_init;
  }
  accumulator_ = 0;
  tcr_last_.reset();
  tcr_tokens_ = 0;
}

void Veno::end_packet(TimePoint now) {
  const bool congested = queue_standing();
  if (any_loss_) {
    // The session reports one loss per episode (FlowSet), so this acts once
    // per round trip at most. Congestion (a standing queue): halve, RFC 5681.
    // A loss while no queue stands is not a congestion signal: slow start
    // ends and the window is the data that was outstanding, without a
    // multiplicative cut (the loss is repaired by retransmission inside it).
    const std::uint64_t base = std::max(pre_ack_outstanding_, cfg_.cwnd_init);
    ssthresh_ = congested ? std::max(base / 2, cfg_.cwnd_init) : base;
    cwnd_ = std::max(std::min(cwnd_, ssthresh_), cfg_.cwnd_init);
    accumulator_ = 0;
    return;
  }
  // Grow only on acks without NAKs while the window was in use (Figure 25's test).
  if (!any_acks_ || any_naks_ || pre_ack_outstanding_ < cwnd_) return;
  const bool clamp = tcr_clamp(now);
  const std::uint64_t before = cwnd_;
  if (!clamp && cwnd_ < ssthresh_) {
    cwnd_ += std::min(acked_this_packet_, 2 * cfg_.smss);  // RFC 5681 slow start, RFC 3465 L = 2
  } else {
    // One SMSS per CWND acknowledged (RFC 5681 congestion avoidance).
    accumulator_ += acked_this_packet_;
    if (accumulator_ >= cwnd_) {
      accumulator_ -= cwnd_;
      cwnd_ += cfg_.smss;
    }
  }
  if (clamp) {
    // §3.5.2.1 SHOULD NOT grow more than max(0.5%, 384 B) per round trip.
    // Growth allowance accrues continuously at that rate (a token bucket
    // that holds at most 5% of one round's allowance), so no interval of one
    // round trip, however aligned, sees more.
    const Duration rtt = srtt_ && srtt_->count() > 0 ? *srtt_ : fp::kDefaultRtt;
    const double allowance = std::max(static_cast<double>(before) * fp::kTcrMaxGrowthFraction,
                                      static_cast<double>(fp::kTcrMaxGrowthBytes));
    if (tcr_last_) {
      const double rounds = std::chrono::duration<double>(now - *tcr_last_).count() /
                            std::chrono::duration<double>(rtt).count();
      tcr_tokens_ = std::min(tcr_tokens_ + allowance * rounds, allowance * 0.05);
    }
    tcr_last_ = now;
    // The allowance is the binding rate here (Reno's one SMSS per round trip
    // is more), so every eligible ack takes what has accrued.
    const auto grant = static_cast<std::uint64_t>(tcr_tokens_);
    tcr_tokens_ -= static_cast<double>(grant);
    cwnd_ = before + grant;
  } else {
    tcr_last_.reset();
    tcr_tokens_ = 0;
  }
}

}  // namespace rtmfp::cc
