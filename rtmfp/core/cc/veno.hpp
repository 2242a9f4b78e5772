// "veno": a Reno-family controller for live media on lossy paths that tells
// random loss from congestion loss by the queue it estimates on the path (the
// idea of TCP Veno, Fu & Liew, IEEE JSAC 21(2), 2003; written here from that
// description, with a different response).
//
//   backlog N = (CWND / SMSS) x (SRTT - BaseRTT) / SRTT   packets queued by us
//
// A loss episode with N >= kVenoBacklogPackets and a queueing delay SRTT -
// BaseRTT of at least max(10 ms, BaseRTT / 4) is congestion: CWND is halved
// (RFC 5681). Otherwise no queue stands, the loss is taken as random (radio,
// policer, a lossy tunnel): slow start ends and CWND becomes the data that was
// outstanding, without a multiplicative cut. (Veno keeps 4/5 there; even
// Appendix A's 7/8 for time-critical senders left 4 Mbit/s at 2% loss and
// 40 ms with 88% on time against 99.9% without the cut.) Growth: an initial
// window of 14600 B (RFC 6928), slow start counting up to two SMSS per ack
// (RFC 3465 L = 2, acks come every second packet), then one SMSS per round
// trip (RFC 5681; Veno's slower growth under a queue left it at a third of a
// competing Reno flow's share). On a drop-tail bottleneck the queue is seen
// and the response is Reno's (tested against a simulated Reno flow); an AQM
// that drops while keeping the queue under ~10 ms would look like random loss
// to it, which is the price of the random-loss tolerance.
// The RFC 7016 §3.5.2.1 MUST/SHOULD hold as in the other controllers: with a
// TCR received in the last 800 ms and no time-critical data of our own, no
// slow start and at most max(0.5%, 384 B) growth per round trip.
#pragma once

#include <algorithm>
#include <limits>
#include <optional>

#include "rtmfp/core/cc/congestion_controller.hpp"

namespace rtmfp::cc {

class Veno final : public CongestionController {
 public:
  // Initial window as RFC 6928 allows TCP (IW10: min(10 x 1460, max(2 x 1460, 14600))).
  Veno(const CcConfig& cfg, TcSentClock& any)
      : CongestionController(cfg, any), cwnd_(std::max<std::uint64_t>(cfg.cwnd_init, 14600)) {}

  void end_packet(TimePoint now) override;
  void on_timeout(TimePoint now, bool was_loss) override;
  void on_rtt_sample(TimePoint now, Duration sample) override;
  std::uint64_t congestion_window() const override { return cwnd_; }
  std::uint64_t slow_start_threshold() const override { return ssthresh_; }
  std::string_view name() const override { return "veno"; }

  // Estimated packets of ours queued on the path (0 without RTT samples).
  double backlog_packets() const;
  std::optional<Duration> base_rtt() const;
  // A standing queue (congestion): see veno.cpp.
  bool queue_standing() const;

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
