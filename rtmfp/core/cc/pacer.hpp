// Pacing helper (GCRA / virtual-scheduling form of a token bucket) and the
// RFC 7016 §3.5.2.3 burst-avoidance counter. Sans-I/O.
#pragma once

#include <cstdint>

#include "rtmfp/core/flow/flow_params.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp::cc {

class Pacer {
 public:
  // burst_bytes: how far ahead of the paced schedule a sender may run.
  explicit Pacer(std::uint64_t burst_bytes = 4 * 1460) : burst_bytes_(burst_bytes) {}

  // Earliest time a packet may go out at `rate` bytes/s (0 = unpaced -> now).
  TimePoint next_send_time(TimePoint now, std::uint64_t rate) const {
    if (rate == 0) return now;
    const TimePoint allowed = tat_ - tolerance(rate);
    return allowed > now ? allowed : now;
  }
  bool can_send(TimePoint now, std::uint64_t rate) const { return next_send_time(now, rate) <= now; }
  void on_sent(TimePoint now, std::uint64_t bytes, std::uint64_t rate) {
    if (rate == 0) {
      tat_ = now;
      return;
    }
    const TimePoint base = tat_ > now ? tat_ : now;
    tat_ = base + Duration{static_cast<Duration::rep>(bytes * 1000000 / rate)};
  }

 private:
  Duration tolerance(std::uint64_t rate) const {
    return Duration{static_cast<Duration::rep>(burst_bytes_ * 1000000 / rate)};
  }
  std::uint64_t burst_bytes_;
  TimePoint tat_{};
};

// §3.5.2.3 OPTIONAL method: DATA_PACKET_COUNT.
class BurstGuard {
 public:
  bool may_send_data() const { return data_packet_count_ < flow_params::kMaxDataPacketsWithoutAck; }
  void on_data_packet_sent() { ++data_packet_count_; }
  void on_ack_received() { data_packet_count_ = 0; }
  void on_timeout() { data_packet_count_ = 0; }
  std::uint32_t count() const { return data_packet_count_; }

 private:
  std::uint32_t data_packet_count_ = 0;
};

}  // namespace rtmfp::cc
