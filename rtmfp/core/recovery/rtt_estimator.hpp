// RFC 7016 §3.5.2.2: SRTT / RTTVAR / MRTO / ERTO from timestamp-echo RTT
// samples. Sans-I/O: the caller derives the RTT sample from the timestamp
// echo (RTT_TICKS * 4 ms) and passes it in; an invalid measurement
// (RTT_TICKS > 32767) is rejected by on_rtt_ticks().
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/time.hpp"

namespace rtmfp::recovery {

class RttEstimator {
 public:
  // §3.5.2.2 steps 5-8 for one RTT measurement.
  void on_rtt_sample(Duration rtt);
  // §3.5.2.2 steps 2-4: RTT_TICKS = (now_ts - echo) mod 65536; discards > 32767.
  // Returns whether the sample was used.
  bool on_rtt_ticks(std::uint16_t current_send_timestamp, std::uint16_t timestamp_echo);
  // §3.5.2.2 backoff on a retransmission timeout.
  void on_timeout_backoff();

  std::optional<Duration> srtt() const { return srtt_; }
  Duration rttvar() const { return rttvar_; }
  Duration mrto() const { return mrto_; }
  Duration erto() const { return erto_; }
  std::optional<Duration> latest() const { return latest_; }

 private:
  std::optional<Duration> srtt_;
  std::optional<Duration> latest_;
  Duration rttvar_{0};
  Duration mrto_;
  Duration erto_;

 public:
  RttEstimator();
};

}  // namespace rtmfp::recovery
