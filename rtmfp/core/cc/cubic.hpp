// CUBIC (RFC 9438) adapted to RTMFP's per-packet ack events, obeying the
// RFC 7016 §3.5.2.1 MUST/SHOULD: while a Time Critical Reverse Notification
// was received in the last 800 ms and this session is not itself sending
// time-critical data, behave as though SSTHRESH = 0 (no slow start) and grow
// by at most max(0.5%, 384 B) per round trip.
#pragma once

#include <limits>
#include <optional>

#include "rtmfp/core/cc/congestion_controller.hpp"

namespace rtmfp::cc {

class Cubic final : public CongestionController {
 public:
  Cubic(const CcConfig& cfg, TcSentClock& any)
      : CongestionController(cfg, any), cwnd_(static_cast<double>(cfg.cwnd_init)) {}

  void end_packet(TimePoint now) override;
  void on_timeout(TimePoint now, bool was_loss) override;
  std::uint64_t congestion_window() const override { return static_cast<std::uint64_t>(cwnd_); }
  std::uint64_t slow_start_threshold() const override { return ssthresh_; }
  std::string_view name() const override { return "cubic"; }
  double w_max() const { return w_max_; }

 private:
  void grow(TimePoint now, bool clamp);
  Duration rtt() const;

  double cwnd_;
  std::uint64_t ssthresh_ = std::numeric_limits<std::uint64_t>::max();
  double w_max_ = 0;
  double origin_ = 0;
  double k_seconds_ = 0;
  double w_est_ = 0;
  std::optional<TimePoint> epoch_start_;
  std::optional<TimePoint> recovery_until_;
  // §3.5.2.1 per-round growth limit bookkeeping.
  std::optional<TimePoint> round_start_;
  double round_base_ = 0;
};

}  // namespace rtmfp::cc
