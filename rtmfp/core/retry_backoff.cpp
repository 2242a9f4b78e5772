#include "rtmfp/core/retry_backoff.hpp"

#include <algorithm>

namespace rtmfp {

Duration RetryBackoff::next(double u) {
  base_ = base_ == Duration::zero() ? p_.initial : std::min(p_.max, base_ * 2);
  const double jitter = std::clamp(p_.jitter, 0.0, 1.0);
  const double factor = 1.0 - jitter + 2.0 * jitter * std::clamp(u, 0.0, 1.0);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double, Duration::period>(
      static_cast<double>(base_.count()) * factor));
}

}  // namespace rtmfp
