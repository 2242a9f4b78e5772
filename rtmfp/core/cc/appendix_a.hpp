// RFC 7016 Appendix A.2 example congestion control, implemented exactly
// (Figures 24 and 25). ANY_ACKS is reset per packet (see congestion_controller.hpp).
// CcConfig::tcp_friendly (set by FlowSet for sessions) leaves out the
// "scalable" regime when not sending time-critical data; see its comment.
// Note: with FASTGROW_ALLOWED false and TC_SENT false the algorithm never slow
// starts and grows by 24 B per AITHRESH (<= 4800 B) acked, i.e. <= 0.5% or
// 384 B per round trip, which satisfies §3.5.2.1.
#pragma once

#include <limits>
#include <optional>

#include "rtmfp/core/cc/congestion_controller.hpp"

namespace rtmfp::cc {

class AppendixA final : public CongestionController {
 public:
  AppendixA(const CcConfig& cfg, TcSentClock& any) : CongestionController(cfg, any), cwnd_(cfg.cwnd_init) {}

  void end_packet(TimePoint now) override;
  void on_timeout(TimePoint now, bool was_loss) override;
  std::uint64_t congestion_window() const override { return cwnd_; }
  std::uint64_t slow_start_threshold() const override { return ssthresh_; }
  std::string_view name() const override { return "appendix-a"; }
  std::uint64_t acked_bytes_accumulator() const { return accumulator_; }

 private:
  std::uint64_t cwnd_;
  std::uint64_t ssthresh_ = std::numeric_limits<std::uint64_t>::max();  // +infinity
  std::uint64_t accumulator_ = 0;
  // §3.5.2.1 per-round growth cap while a TCR is recent.
  std::optional<TimePoint> round_start_;
  std::uint64_t round_base_ = 0;
};

}  // namespace rtmfp::cc
