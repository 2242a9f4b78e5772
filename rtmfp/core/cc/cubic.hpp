// CUBIC (RFC 9438) adapted to RTMFP's per-packet ack events, obeying the
// RFC 7016 §3.5.2.1 MUST/SHOULD: while a Time Critical Reverse Notification
// was received in the last 800 ms and this session is not itself sending
// time-critical data, behave as though SSTHRESH = 0 (no slow start) and grow
// by at most max(0.5%, 384 B) per round trip.
//
// RFC 9438 parts: W_cubic(t) (§4.2 eq. 1, K by eq. 2 from cwnd_epoch), the
// target W_cubic(t + RTT) clamped to [cwnd, 1.5 cwnd] (§4.2), the
// Reno-friendly estimate W_est with alpha_cubic = 3(1 - beta)/(1 + beta)
// until W_est reaches cwnd_prior and 1 after (§4.3), beta = 0.7 (§4.6), fast
// convergence (§4.7), K = 0 and W_max = cwnd_epoch in the first congestion
// avoidance after a timeout (§4.8), and HyStart++ (RFC 9406) as the initial
// slow start (§4.10).
// Why HyStart++: on the 20 Mbit/s x 40 ms path with a one-BDP drop-tail
// queue, plain slow start doubled to ~345 KB against 200 KB of path + queue
// (the queue fills within one round), then needed three loss episodes at
// beta 0.7 to come down, and kept ~140-170 KB while a flow starting during
// that overshoot lost its first packets and entered congestion avoidance at
// ~5 KB. With beta 0.7 the gap outlasted the 15 s measurement: two flows
// ended at 13.7 / 5.6 Mbit/s (Jain 0.848) and one took 2.27x a TCP Reno
// flow's share. RFC 9406's rounds are counted here in SRTTs and its
// N_RTT_SAMPLE is 3 (see flow_params.hpp: RTT samples come per 4 ms tick).
// Known limit against Reno (tests/scenarios/flow_fairness_test.cpp): near
// W_max the concave curve holds the window (and the drop-tail queue) almost
// flat while Reno adds one MSS per round trip, so the unpaced Reno flow's
// bursts meet the full queue: on some seeds Reno sees 7-8 loss events in
// 15 s against 4-6 for CUBIC (Appendix A on the same seeds: 5-7 each), and
// CUBIC then takes more than twice Reno's share.
// Loss episodes: FlowSet signals one loss per episode; the controller also
// reduces at most once per SRTT.
#pragma once

#include <limits>
#include <optional>

#include "rtmfp/core/cc/congestion_controller.hpp"
#include "rtmfp/core/cc/hystart.hpp"

namespace rtmfp::cc {

class Cubic final : public CongestionController {
 public:
  Cubic(const CcConfig& cfg, TcSentClock& any)
      : CongestionController(cfg, any), cwnd_(static_cast<double>(cfg.cwnd_init)) {}

  void end_packet(TimePoint now) override;
  void on_timeout(TimePoint now, bool was_loss) override;
  void on_rtt_sample(TimePoint now, Duration sample) override;
  std::uint64_t congestion_window() const override { return static_cast<std::uint64_t>(cwnd_); }
  std::uint64_t slow_start_threshold() const override { return ssthresh_; }
  std::string_view name() const override { return "cubic"; }
  double w_max() const { return w_max_; }
  double w_est() const { return w_est_; }
  HyStartPlusPlus::Phase slow_start_phase() const { return hystart_.phase(); }

 private:
  void grow(TimePoint now, bool clamp);
  void slow_start();
  void congestion_avoidance(TimePoint now);
  void start_epoch(TimePoint now);
  Duration rtt() const;

  double cwnd_;
  std::uint64_t ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  double w_max_ = 0;       // RFC 9438 W_max (bytes)
  double cwnd_prior_ = 0;  // RFC 9438 cwnd_prior: cwnd when ssthresh was last set
  double k_seconds_ = 0;   // RFC 9438 K
  double w_est_ = 0;       // RFC 9438 W_est (bytes)
  bool after_timeout_ = false;  // RFC 9438 §4.8: next epoch has K = 0, W_max = cwnd_epoch
  std::optional<TimePoint> epoch_start_;
  std::optional<TimePoint> recovery_until_;
  HyStartPlusPlus hystart_;
  // §3.5.2.1 growth allowance bucket (bytes) and when it was last filled.
  std::optional<TimePoint> tcr_last_;
  double tcr_tokens_ = 0;
};

}  // namespace rtmfp::cc
