// "veno": a Reno-family controller that tells random loss from congestion
// loss by the queue it estimates on the path (after TCP Veno, Fu & Liew,
// IEEE JSAC 21(2), 2003; written here from that description).
//
//   backlog N = (CWND / SMSS) x (SRTT - BaseRTT) / SRTT   packets queued by us
//
// On a loss episode with N < kVenoBacklogPackets the path has no standing
// queue, so the loss is taken as random (radio, policer, a lossy tunnel) and
// CWND is cut by 1/8, the factor RFC 7016 Appendix A itself applies to every
// loss while time-critical data is sent; with a standing queue (congestion)
// CWND is halved, as in RFC 5681. Growth is RFC 5681's (slow start, then one
// SMSS per round trip; unlike Veno, not slower while a queue stands, which
// left it at a third of a competing Reno flow's share).
// So under congestion this is no more aggressive than Reno, and on a path
// with random loss it keeps a live stream's rate where Reno collapses
// (2% random loss at 40 ms RTT: Reno carries about 2 Mbit/s).
// The RFC 7016 §3.5.2.1 MUST/SHOULD hold as in the other controllers: with a
// TCR received in the last 800 ms and no time-critical data of our own, no
// slow start and at most max(0.5%, 384 B) growth per round trip.
#pragma once

#include <limits>
#include <optional>

#include "rtmfp/core/cc/congestion_controller.hpp"

namespace rtmfp::cc {

class Veno final : public CongestionController {
 public:
  Veno(const CcConfig& cfg, TcSentClock& any) : CongestionController(cfg, any), cwnd_(cfg.cwnd_init) {}

  void end_packet(TimePoint now) override;
  void on_timeout(TimePoint now, bool was_loss) override;
  void on_rtt_sample(TimePoint now, Duration sample) override;
  std::uint64_t congestion_window() const override { return cwnd_; }
  std::uint64_t slow_start_threshold() const override { return ssthresh_; }
  std::string_view name() const override { return "veno"; }

  // Estimated packets of ours queued on the path (0 without RTT samples).
  double backlog_packets() const;
  std::optional<Duration> base_rtt() const;

 private:
  std::uint64_t cwnd_;
  std::uint64_t ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t accumulator_ = 0;  // bytes acked toward the next SMSS of growth
  // BaseRTT: the minimum sample over the current and the previous window
  // (so a route change is learnt within two windows).
  std::optional<Duration> min_cur_, min_prev_;
  std::optional<TimePoint> window_start_;
  // §3.5.2.1 growth allowance while a TCR is recent (bytes; see end_packet).
  std::optional<TimePoint> tcr_last_;
  double tcr_tokens_ = 0;
};

}  // namespace rtmfp::cc
