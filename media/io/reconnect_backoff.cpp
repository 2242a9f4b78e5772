// See reconnect_backoff.hpp.
#include "media/io/reconnect_backoff.hpp"

#include <algorithm>

namespace rtmfp::media::io {

std::optional<std::chrono::milliseconds> ReconnectBackoff::on_failure(clock::time_point now, double u) {
  since_ = now;
  if (++attempts_ > p_.max_attempts) return std::nullopt;
  next_ = next_.count() == 0 ? p_.initial : std::min(p_.max, next_ * 2);
  const double factor = 1.0 - p_.jitter + 2.0 * p_.jitter * std::clamp(u, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(static_cast<double>(next_.count()) * factor));
}

void ReconnectBackoff::on_progress(clock::time_point now) {
  if (since_ && now - *since_ >= p_.good_period) {
    attempts_ = 0;
    next_ = std::chrono::milliseconds(0);
    since_.reset();
  }
}

}  // namespace rtmfp::media::io
