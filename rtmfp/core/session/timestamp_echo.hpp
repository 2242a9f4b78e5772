// Packet timestamps and timestamp echo, RFC 7016 §2.2.4 and §3.5.2.2:
// a 250 Hz (4 ms) 16-bit clock; the echo tells the far end our estimate of
// its current timestamp so it can measure RTT.
#pragma once

#include <cstdint>
#include <optional>

#include "rtmfp/core/params.hpp"
#include "rtmfp/core/time.hpp"

namespace rtmfp {

inline std::uint16_t timestamp_at(TimePoint now) {
  return static_cast<std::uint16_t>(now.time_since_epoch() / params::kTimestampTick);
}

class TimestampEcho {
 public:
  // §3.5.2.2: on a packet with TS set whose timestamp differs from TS_RX.
  void on_received(TimePoint now, std::optional<std::uint16_t> ts) {
    if (!ts) return;
    if (!ts_rx_ || *ts_rx_ != *ts) {
      ts_rx_ = ts;
      ts_rx_time_ = now;
    }
  }
  // §3.5.2.2: the echo to send now, or nullopt (none, expired, or unchanged).
  std::optional<std::uint16_t> echo_to_send(TimePoint now) {
    if (!ts_rx_) return std::nullopt;
    Duration elapsed = now - ts_rx_time_;
    if (elapsed > params::kTimestampEchoExpiry) {
      ts_rx_.reset();
      ts_echo_tx_.reset();
      return std::nullopt;
    }
    auto echo = static_cast<std::uint16_t>(*ts_rx_ + elapsed / params::kTimestampTick);
    if (ts_echo_tx_ && *ts_echo_tx_ == echo) return std::nullopt;
    ts_echo_tx_ = echo;
    return echo;
  }

 private:
  std::optional<std::uint16_t> ts_rx_;
  TimePoint ts_rx_time_{};
  std::optional<std::uint16_t> ts_echo_tx_;
};

}  // namespace rtmfp
