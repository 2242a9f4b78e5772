// HyStart++ (RFC 9406), the slow start RFC 9438 §4.10 allows CUBIC to use:
// slow start ends when the minimum RTT of a round rises by
// clamp(lastRoundMinRTT / 8, 4 ms, 16 ms) over the previous round's (a queue
// is building), then Conservative Slow Start (CSS: growth / 4) runs for
// CSS_ROUNDS rounds before congestion avoidance, unless the RTT falls back
// (spurious exit: slow start resumes). Only the initial slow start uses it
// (RFC 9406 §4.2): after a loss or timeout the owner calls stop().
//
// Adaptation: RFC 9406 counts rounds by SND.NXT; the controller interface
// carries no sequence numbers (and acknowledges user-data bytes while packets
// are counted on the wire), so a round here is one SRTT of elapsed time.
// RTT samples come from 4 ms timestamp ticks (RFC 7016 §3.5.2.2), so the
// 4 ms MIN_RTT_THRESH is one tick. Sans-I/O: every call carries `now`.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/time.hpp"

namespace rtmfp::cc {

class HyStartPlusPlus {
 public:
  enum class Phase { slow_start, conservative, done };

  // Every RTT sample; `round` is the current SRTT (length of a round).
  void on_rtt_sample(TimePoint now, Duration sample, Duration round);
  // Starts a new round when one has elapsed (also called on acks, so rounds
  // advance without samples).
  void advance(TimePoint now, Duration round);
  // Increase divisor for slow start: 1, or CSS_GROWTH_DIVISOR in CSS.
  std::uint64_t growth_divisor() const;
  Phase phase() const { return phase_; }
  void stop() { phase_ = Phase::done; }

 private:
  void start_round(TimePoint now);

  Phase phase_ = Phase::slow_start;
  std::optional<TimePoint> round_start_;
  std::optional<Duration> last_round_min_;
  std::optional<Duration> current_round_min_;
  std::uint32_t samples_ = 0;
  std::optional<Duration> css_baseline_;
  std::uint32_t css_rounds_ = 0;
};

}  // namespace rtmfp::cc
