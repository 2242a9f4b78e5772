#include "rtmfp/core/cc/congestion_controller.hpp"

#include "rtmfp/core/cc/appendix_a.hpp"
#include "rtmfp/core/cc/cubic.hpp"
#include "rtmfp/core/cc/veno.hpp"
#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::cc {

namespace fp = rtmfp::flow_params;

namespace {
bool within(std::optional<TimePoint> t, TimePoint now) { return t && now - *t < fp::kTcWindow && *t <= now; }
}  // namespace

bool TcSentClock::within_800ms(TimePoint now) const { return within(last_tc_sent_any, now); }

void CongestionController::on_packet_sent(TimePoint now, std::uint64_t, bool has_user_data, bool time_critical) {
  // Appendix A.2 TC_SENT: a Time Critical Forward Notification is a packet
  // with the timeCritical flag (§2.2.4), which only makes sense with user data.
  if (time_critical && has_user_data) {
    last_tc_sent_ = now;
    any_.note(now);
  }
}

void CongestionController::begin_packet(TimePoint, std::uint64_t pre_ack_outstanding) {
  // Appendix A.2 "Before processing each received packet"; ANY_ACKS reset too (see header).
  any_loss_ = false;
  any_naks_ = false;
  any_acks_ = false;
  acked_this_packet_ = 0;
  pre_ack_outstanding_ = pre_ack_outstanding;
}

std::uint64_t CongestionController::pacing_rate() const {
  if (!srtt_ || srtt_->count() <= 0) return 0;
  double per_s = static_cast<double>(congestion_window()) * 1e6 / static_cast<double>(srtt_->count());
  return static_cast<std::uint64_t>(per_s * fp::kPacingGain);
}

bool CongestionController::tc_sent(TimePoint now) const { return within(last_tc_sent_, now); }
bool CongestionController::tcr_recent(TimePoint now) const { return within(last_tcr_rx_, now); }
bool CongestionController::fastgrow_allowed(TimePoint now) const {
  return !(tcr_recent(now) || any_.within_800ms(now));
}

Result<std::unique_ptr<CongestionController>> make_congestion_controller(std::string_view name, const CcConfig& cfg,
                                                                         TcSentClock& any) {
  if (name == "appendix-a") return std::unique_ptr<CongestionController>(new AppendixA(cfg, any));
  if (name == "cubic") return std::unique_ptr<CongestionController>(new Cubic(cfg, any));
  if (name == "veno") return std::unique_ptr<CongestionController>(new Veno(cfg, any));
  return fail(Errc::invalid_argument, "unknown congestion controller");
}

}  // namespace rtmfp::cc
