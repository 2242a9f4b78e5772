#include "rtmfp/core/recovery/rtt_estimator.hpp"

#include <algorithm>

#include "rtmfp/core/flow/flow_params.hpp"

namespace rtmfp::recovery {

namespace fp = rtmfp::flow_params;

RttEstimator::RttEstimator() : mrto_(fp::kInitialMrto), erto_(fp::kInitialErto) {}

void RttEstimator::on_rtt_sample(Duration rtt) {
  if (rtt < Duration{0}) return;
  latest_ = rtt;
  if (srtt_) {
    // §3.5.2.2 step 5.
    Duration delta = *srtt_ > rtt ? *srtt_ - rtt : rtt - *srtt_;
    rttvar_ = (3 * rttvar_ + delta) / 4;
    srtt_ = (7 * *srtt_ + rtt) / 8;
  } else {
    // §3.5.2.2 step 6.
    srtt_ = rtt;
    rttvar_ = rtt / 2;
  }
  // §3.5.2.2 steps 7-8.
  mrto_ = *srtt_ + 4 * rttvar_ + fp::kErtoAckDelayAllowance;
  erto_ = std::max(mrto_, fp::kMinErto);
}

bool RttEstimator::on_rtt_ticks(std::uint16_t current_send_timestamp, std::uint16_t timestamp_echo) {
  std::uint32_t ticks = static_cast<std::uint16_t>(current_send_timestamp - timestamp_echo);
  if (ticks > fp::kMaxValidRttTicks) return false;  // §3.5.2.2 step 3
  on_rtt_sample(ticks * fp::kTimestampTick);
  return true;
}

void RttEstimator::on_timeout_backoff() {
  // §3.5.2.2: ERTO_BACKOFF = ERTO*1.4142; cap 10 s; not below MRTO.
  auto backoff = Duration{static_cast<Duration::rep>(static_cast<double>(erto_.count()) * fp::kErtoBackoff)};
  Duration capped = std::min(backoff, fp::kMaxErto);
  erto_ = std::max(capped, mrto_);
}

}  // namespace rtmfp::recovery
