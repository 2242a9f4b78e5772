// Narrow congestion-control interface (RFC 7016 §3.5.2, Appendix A).
//
// The session (FlowSet) feeds timestamped events; the controller answers
// congestion_window() (bytes allowed outstanding) and pacing_rate() (bytes/s,
// 0 = unpaced). Sans-I/O: every call carries `now`.
//
// Per received packet the caller does (Appendix A.2):
//   begin_packet(now, S_OUTSTANDING_BYTES)   -- before any chunk
//   on_loss() / on_nak() / on_acked(bytes)   -- while processing chunks
//   end_packet(now)                          -- after all chunks (Figure 25)
// ANY_ACKS choice: the RFC's "before each packet" list does not reset
// ANY_ACKS (DIGEST §5 [FLAG]). We reset it per packet, as clearly intended:
// otherwise one ack ever received would let a later ack-free packet grow CWND.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "rtmfp/core/error.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::cc {

// Endpoint-wide "Time Critical Forward Notification sent on ANY session"
// (Appendix A.2 FASTGROW_ALLOWED). One per endpoint, shared by reference by
// every session's controller; single-threaded like the rest of the core.
struct TcSentClock {
  std::optional<TimePoint> last_tc_sent_any;
  void note(TimePoint now) {
    if (!last_tc_sent_any || *last_tc_sent_any < now) last_tc_sent_any = now;
  }
  bool within_800ms(TimePoint now) const;
};

struct CcConfig {
  std::uint64_t smss = 1460;       // Appendix A.2 SMSS
  std::uint64_t cwnd_init = 4380;  // Appendix A.2 CWND_INIT
  // Appendix A only. false: Figures 24/25 exactly. true (what sessions use,
  // FlowSet): while not sending time-critical data, leave out the "scalable"
  // regime (the 1/8 cut above 67200 B and the AITHRESH cap of 4800 B, i.e.
  // +1% per round trip): halving, and +1 SMSS per round trip (RFC 5681). The
  // scalable regime is multiplicative-increase/multiplicative-decrease, which
  // never converges to a fair share: on a 20 Mbit/s x 40 ms bottleneck two
  // such flows settled at 16-17 vs 2-3 Mbit/s (Jain 0.61-0.70) and one took
  // 4.5x what a TCP Reno flow got, against §3.5.2's "SHOULD NOT be more
  // aggressive than [RFC5681]". The time-critical rules (TC_SENT: 1/8 cut,
  // CEIL(ACKED/4) start, AITHRESH_CAP 2400) and the TCR clamp are unchanged,
  // except that with a recent TCR the growth is also capped per round trip at
  // max(0.5%, 384 B), spread over the round (Figure 25's slow branch alone can
  // exceed it when more than CWND is acknowledged in one round trip).
  bool tcp_friendly = false;
};

class CongestionController {
 public:
  virtual ~CongestionController() = default;

  virtual void on_packet_sent(TimePoint now, std::uint64_t bytes, bool has_user_data, bool time_critical);
  virtual void begin_packet(TimePoint now, std::uint64_t pre_ack_outstanding);
  void on_loss() { any_loss_ = true; }
  void on_nak() { any_naks_ = true; }
  void on_acked(std::uint64_t bytes) {
    any_acks_ = true;
    acked_this_packet_ += bytes;
  }
  virtual void end_packet(TimePoint now) = 0;
  virtual void on_timeout(TimePoint now, bool was_loss) = 0;
  void on_tcr_received(TimePoint now) { last_tcr_rx_ = now; }
  void on_rtt(std::optional<Duration> srtt) { srtt_ = srtt; }
  // Every RTT sample (the session's estimator gets it too); default: unused.
  virtual void on_rtt_sample(TimePoint, Duration) {}

  virtual std::uint64_t congestion_window() const = 0;
  virtual std::uint64_t slow_start_threshold() const = 0;  // UINT64_MAX = +infinity
  // Bytes per second; 0 means "do not pace" (no RTT known yet).
  std::uint64_t pacing_rate() const;
  virtual std::string_view name() const = 0;

  // §3.5.2.1 / Appendix A.2 predicates.
  bool tc_sent(TimePoint now) const;           // TC sent on THIS session in last 800 ms
  bool tcr_recent(TimePoint now) const;        // TCR received in last 800 ms
  bool fastgrow_allowed(TimePoint now) const;  // !(TCR recent || TC sent on any session)
  // §3.5.2.1 MUST/SHOULD applies: TCR recent and not sending TC ourselves.
  bool tcr_clamp(TimePoint now) const { return tcr_recent(now) && !tc_sent(now); }

 protected:
  CongestionController(const CcConfig& cfg, TcSentClock& any) : cfg_(cfg), any_(any) {}

  CcConfig cfg_;
  TcSentClock& any_;
  std::optional<TimePoint> last_tc_sent_;
  std::optional<TimePoint> last_tcr_rx_;
  std::optional<Duration> srtt_;
  // Appendix A.2 per-packet variables.
  bool any_loss_ = false;
  bool any_naks_ = false;
  bool any_acks_ = false;
  std::uint64_t acked_this_packet_ = 0;
  std::uint64_t pre_ack_outstanding_ = 0;
};

// Factory by name: "appendix-a", "cubic" or "veno". Unknown name -> invalid_argument.
Result<std::unique_ptr<CongestionController>> make_congestion_controller(std::string_view name, const CcConfig& cfg,
                                                                         TcSentClock& any_session_tc);

}  // namespace rtmfp::cc
